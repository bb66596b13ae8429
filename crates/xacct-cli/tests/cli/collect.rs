//! `xacct collect` end to end against moto's server (a real AWS-compatible endpoint on a
//! loopback port): each field-guide example is seeded into moto's accounts with boto3
//! (tools/python/seed_collect.py, from the example's own policy files), collected, and the
//! collected folder, with the example's compute and expectations appended, must check exactly
//! as the hand-written example does.
//!
//! Needs `XACCT_PYTHON` (scripts/test sets it to a virtual environment with
//! tools/python/requirements.txt): without it the tests are skipped with a reason, and fail
//! when `CI` is set.
#![expect(
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test that cannot read what the command wrote fails"
)]

use super::{workspace_root, AT};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The interpreter with moto and boto3, or `None` (the test is skipped) outside CI.
fn python() -> Option<PathBuf> {
    match std::env::var_os("XACCT_PYTHON") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var_os("CI").is_some() => {
            panic!("XACCT_PYTHON is not set in CI: run the tests through scripts/test")
        }
        None => {
            eprintln!("skipped: XACCT_PYTHON is not set (scripts/test sets it; see tools/python/requirements.txt)");
            None
        }
    }
}

/// moto's server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto(python: &Path) -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // moto's server, with the organization's member accounts given the examples' ids.
    let child = Command::new(python)
        .arg(workspace_root().join("tools/python/moto_server.py"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("XACCT_MOTO_ACCOUNT_IDS", "analytics=222222222222")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

/// Seeds `example` (after resetting moto) and writes the credentials file: the seed's report.
fn seed(python: &Path, moto: &Moto, example: &str, dir: &Path) -> Value {
    let output = Command::new(python)
        .arg(workspace_root().join("tools/python/seed_collect.py"))
        .args(["--endpoint", &moto.url, "--example", example, "--examples"])
        .arg(workspace_root().join("examples"))
        .arg("--credentials")
        .arg(dir.join("credentials"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "seeding {example} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(
        dir.join("config"),
        "[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n[profile c]\nregion = us-east-1\n",
    )
    .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `xacct` with the test's AWS files and none of the environment's credentials.
fn xacct_aws(dir: &Path, arguments: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xacct"))
        .args(arguments)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // moto is on the loopback: a proxy set for the machine must not carry the calls.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// A fresh folder under the target folder.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("collect")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The example's `[[compute]]` and `[[expect]]` tables (what AWS does not hold), appended to
/// the collected manifest, with the settings files they name copied next to it.
fn add_questions(collected: &Path, example: &str) {
    let source = workspace_root().join("examples").join(example);
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(source.join("xacct.toml")).unwrap()).unwrap();
    let mut questions = toml::Table::new();
    for key in ["compute", "expect"] {
        if let Some(value) = manifest.get(key) {
            questions.insert(key.to_owned(), value.clone());
        }
    }
    for folder in ["databricks", "emr", "glue"] {
        let from = source.join(folder);
        if from.is_dir() {
            let to = collected.join(folder);
            std::fs::create_dir_all(&to).unwrap();
            for entry in std::fs::read_dir(&from).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }
    let path = collected.join("xacct.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n# The example's compute and questions, which AWS does not hold.\n");
    text.push_str(&toml::to_string(&questions).unwrap());
    std::fs::write(path, text).unwrap();
}

/// `check --format json`: each expectation's name and whether it passed, each compute
/// check's compute and whether it passed, and the finding codes.
fn checked(dir: &Path) -> (i32, Vec<(String, bool)>, Vec<String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_xacct"))
        .args(["check", "--format", "json", "--at", AT])
        .arg(dir)
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut results = Vec::new();
    for expectation in document["expectations"].as_array().into_iter().flatten() {
        results.push((
            format!(
                "expect: {}",
                expectation["name"].as_str().unwrap_or_default()
            ),
            expectation["passed"].as_bool().unwrap_or(false),
        ));
    }
    for compute in document["compute"].as_array().into_iter().flatten() {
        results.push((
            format!(
                "compute: {} {}",
                compute["compute"].as_str().unwrap_or_default(),
                compute["check"].as_str().unwrap_or_default()
            ),
            compute["passed"].as_bool().unwrap_or(false),
        ));
    }
    let codes = document["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            format!(
                "{} {}: {}",
                finding["severity"].as_str().unwrap_or_default(),
                finding["code"].as_str().unwrap_or_default(),
                finding["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    (output.status.code().unwrap_or(-1), results, codes)
}

/// One example collected from moto.
struct Case<'a> {
    example: &'a str,
    accounts: usize,
    /// What the seed could not create in moto (covered by `patch`).
    unsupported: &'a [&'a str],
    /// Changes to the collected folder before it is checked: recorded responses for what
    /// moto lacks. Given the folder and the seed's report.
    patch: &'a dyn Fn(&Path, &Value),
}

/// Collects `example` from moto and checks it against the hand-written example.
fn collected_checks_as_the_example(
    python: &Path,
    moto: &Moto,
    case: &Case<'_>,
) -> (PathBuf, String) {
    let Case {
        example, accounts, ..
    } = *case;
    let dir = scratch(example);
    let report = seed(python, moto, example, &dir);
    assert_eq!(
        report["unsupported"],
        serde_json::json!(case.unsupported),
        "moto lacks calls the seed needs"
    );
    let profiles: Vec<String> = report["profiles"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(profiles.len(), accounts);
    let mut arguments = vec!["collect", "--endpoint-url", &moto.url, "--output", "out"];
    for profile in &profiles {
        arguments.push("--profile");
        arguments.push(profile);
    }
    let (code, stdout, stderr) = xacct_aws(&dir, &arguments);
    assert!(
        code == 0 || code == 1,
        "collect failed ({code}):\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("collected {accounts} accounts")),
        "{stdout}\n{stderr}"
    );
    let collected = dir.join("out");
    let (plain_code, _, plain_stderr) = super::xacct_in(&collected, &["check", "."]);
    // Without questions the collected folder loads (no errors: exit 1 is "nothing to check").
    assert_eq!(plain_code, 1, "{plain_stderr}");
    (case.patch)(&collected, &report);
    add_questions(&collected, example);
    let (expected_code, expected, _) = checked(&workspace_root().join("examples").join(example));
    let (code, results, findings) = checked(&collected);
    assert!(!expected.is_empty());
    assert_eq!(
        results, expected,
        "findings of the collected folder: {findings:#?}"
    );
    assert_eq!(code, expected_code, "findings: {findings:#?}");
    (collected, stdout)
}

fn nothing(_: &Path, _: &Value) {}

/// Writes the collected folder's manifest again, after recorded responses were added to it.
fn import_again(collected: &Path) {
    let (code, _, stderr) = super::xacct_in(collected, &["import", ".", "--output", "xacct.toml"]);
    assert_eq!(code, 0, "{stderr}");
}

/// A case with nothing moto lacks.
fn plain(example: &str, accounts: usize) -> Case<'_> {
    Case {
        example,
        accounts,
        unsupported: &[],
        patch: &nothing,
    }
}

#[test]
fn collect_against_moto_checks_as_the_hand_written_examples() {
    let Some(python) = python() else { return };
    let moto = start_moto(&python);

    // Three accounts: the example's two, and one with nothing to do with them.
    let (collected, stdout) =
        collected_checks_as_the_example(&python, &moto, &plain("s3-role-chain", 3));
    for account in ["111111111111", "222222222222", "333333333333"] {
        assert!(collected
            .join(account)
            .join("authorization-details.json")
            .is_file());
        assert!(stdout.contains(account), "{stdout}");
    }
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(collected.join("222222222222/s3.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        settings["Buckets"]["lake-b"]["GetBucketOwnershipControls"]["OwnershipControls"]["Rules"]
            [0]["ObjectOwnership"],
        "BucketOwnerEnforced"
    );
    assert!(collected
        .join("222222222222/lake-b.bucket-policy.json")
        .is_file());
    // The third account's key refuses kms:DescribeKey: recorded, named, and the rest kept.
    assert!(
        stdout.contains("333333333333 us-east-1 access denied: grant kms:DescribeKey on arn:aws:kms:us-east-1:333333333333:key/"),
        "{stdout}"
    );
    let keys: Value = serde_json::from_str(
        &std::fs::read_to_string(collected.join("333333333333/us-east-1/kms.json")).unwrap(),
    )
    .unwrap();
    let key = keys["Keys"].as_object().unwrap().values().next().unwrap();
    assert!(
        key.get("GetKeyPolicy").is_some() && key.get("DescribeKey").is_none(),
        "{key}"
    );
    let (_, _, findings) = checked(&collected);
    assert!(
        findings.iter().any(|finding| finding.starts_with("warning collect-access-denied: account 333333333333 (us-east-1): the collector may not call kms:DescribeKey")),
        "{findings:#?}"
    );

    collected_checks_as_the_example(&python, &moto, &plain("emrfs-role-mapping", 2));

    // moto's consumer ARNs end at the consumer's name; AWS's end `NAME:CREATION_TIMESTAMP`, which
    // xacct requires (the action's resource type): the recorded ARN is given AWS's form, with
    // the example's timestamp.
    let aws_consumer_arn = |collected: &Path, _: &Value| {
        let path = collected.join("222222222222/us-east-1/kinesis.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let moto = "stream/testStream/consumer/databricks-efo\"";
        assert!(text.contains(moto), "{text}");
        std::fs::write(
            &path,
            text.replace(
                moto,
                "stream/testStream/consumer/databricks-efo:1764547200\"",
            ),
        )
        .unwrap();
    };
    collected_checks_as_the_example(
        &python,
        &moto,
        &Case {
            patch: &aws_consumer_arn,
            ..plain("kinesis-role-chain", 2)
        },
    );

    // moto's RAM refuses to share Glue resources, and has no ListResources, ListPrincipals or
    // GetResourceShareInvitations: the owner's share is a recorded response (AWS's shapes,
    // with the organization moto made), and the folder is imported again with it.
    let recorded = |collected: &Path, report: &Value| {
        let organization = report["organization"].as_str().unwrap();
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/cli/collect/glue-catalog-share-ram.json"),
        )
        .unwrap()
        .replace("ORGANIZATION_ID", organization);
        std::fs::write(
            collected.join("111111111111/us-east-1/ram-resource-shares.json"),
            text,
        )
        .unwrap();
        import_again(collected);
    };
    let (collected, _) = collected_checks_as_the_example(
        &python,
        &moto,
        &Case {
            unsupported: &["ram:CreateResourceShare (Glue resources)"],
            patch: &recorded,
            ..plain("glue-catalog-share", 2)
        },
    );
    assert!(collected.join("organizations.json").is_file());

    // The same organization through its management account alone: every member is listed and
    // its role assumed, and the same files are written as with a profile per account.
    let dir = collected.parent().unwrap();
    let (code, stdout, stderr) = xacct_aws(
        dir,
        &[
            "collect",
            "--endpoint-url",
            &moto.url,
            "--profile",
            "a",
            "--all-accounts",
            "--assume-role-name",
            "xacct-collector",
            "--output",
            "all",
        ],
    );
    assert_eq!(
        code, 1,
        "the RAM calls moto lacks are gaps:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("collected 2 accounts"), "{stdout}");
    assert!(
        stdout.contains("222222222222 (role arn:aws:iam::222222222222:role/xacct-collector)"),
        "{stdout}"
    );
    let files = |root: &Path| {
        let mut found = Vec::new();
        let mut folders = vec![root.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    found.push(path.strip_prefix(root).unwrap().to_path_buf());
                }
            }
        }
        found.sort();
        found
    };
    let by_profiles: Vec<PathBuf> = files(&collected)
        .into_iter()
        // What collect wrote, not the example's settings files copied next to it.
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .filter(|path| !path.starts_with("glue"))
        .collect();
    assert_eq!(files(&dir.join("all")).len(), by_profiles.len() + 1);
    for path in by_profiles {
        assert!(dir.join("all").join(&path).is_file(), "{}", path.display());
    }
    let catalog =
        std::fs::read_to_string(collected.join("222222222222/us-east-1/glue-catalog.json"))
            .unwrap();
    assert!(catalog.contains("TargetDatabase"), "{catalog}");
}

/// The newer routes' sources: S3 access points (S3 Control, per Region) and the LF-Tags of
/// each database, table and column, collected and imported by their shapes, check as the
/// hand-written examples do.
#[test]
fn collect_access_points_and_lf_tags_against_moto() {
    let Some(python) = python() else { return };
    let moto = start_moto(&python);

    // moto draws an access point's alias itself (AWS does too): the recorded list is given
    // the example's alias, which one of its questions names.
    let example_alias = |collected: &Path, _: &Value| {
        let path = collected.join("222222222222/us-east-1/access-points.json");
        let mut list: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for point in list["AccessPointList"].as_array_mut().unwrap() {
            if point["Name"] == "analytics-ap" {
                point["Alias"] =
                    Value::from("analytics-ap-q1w2e3r4t5y6u7i8o9p0a1s2d3f4guse1a-s3alias");
            }
        }
        std::fs::write(&path, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    };
    let (collected, _) = collected_checks_as_the_example(
        &python,
        &moto,
        &Case {
            patch: &example_alias,
            ..plain("s3-access-point", 2)
        },
    );
    let manifest = std::fs::read_to_string(collected.join("xacct.toml")).unwrap();
    assert!(
        manifest.contains("kind = \"access-points\"")
            && manifest.contains(
                "access_point = \"arn:aws:s3:us-east-1:222222222222:accesspoint/ingest-ap\""
            ),
        "{manifest}"
    );
    let list: Value = serde_json::from_str(
        &std::fs::read_to_string(collected.join("222222222222/us-east-1/access-points.json"))
            .unwrap(),
    )
    .unwrap();
    let ingest = list["AccessPointList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|point| point["Name"] == "ingest-ap")
        .unwrap();
    assert_eq!(ingest["VpcConfiguration"]["VpcId"], "vpc-0a1b2c3d4e5f60718");
    assert_eq!(ingest["NetworkOrigin"], "VPC");

    // moto has no CreateDataCellsFilter, and its RAM refuses Glue resources: the filter and
    // the share Lake Formation makes for a version 3 tag-based grant (with B's accepted
    // invitation) are recorded responses in AWS's shapes, and the folder is imported again.
    let recorded = |collected: &Path, _: &Value| {
        let fixture = |name: &str| {
            std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/cli/collect")
                    .join(name),
            )
            .unwrap()
        };
        for (file, path) in [
            (
                "lf-tags-data-cells-filters.json",
                "111111111111/us-east-1/lakeformation-data-cells-filters.json",
            ),
            (
                "lf-tags-ram-owner.json",
                "111111111111/us-east-1/ram-resource-shares.json",
            ),
            (
                "lf-tags-ram-receiver.json",
                "222222222222/us-east-1/ram-resource-shares.json",
            ),
        ] {
            std::fs::write(collected.join(path), fixture(file)).unwrap();
        }
        import_again(collected);
    };
    let (collected, _) = collected_checks_as_the_example(
        &python,
        &moto,
        &Case {
            unsupported: &[
                "lakeformation:CreateDataCellsFilter",
                "ram:CreateResourceShare (Glue resources)",
            ],
            patch: &recorded,
            ..plain("lf-tags", 2)
        },
    );
    let tags = std::fs::read_to_string(
        collected.join("111111111111/us-east-1/lakeformation-resource-lf-tags.json"),
    )
    .unwrap();
    assert!(
        tags.contains("\"pii\"") && tags.contains("\"email\""),
        "{tags}"
    );
}

/// A `--profile` that neither AWS file defines fails before any call, naming the files looked
/// in, instead of falling through to the default chain (environment, instance metadata). No
/// network: the endpoint is a closed loopback port, and nothing is called.
#[test]
fn a_profile_not_in_the_aws_files_fails_fast_naming_the_files() {
    let dir = scratch("no-such-profile");
    std::fs::write(
        dir.join("config"),
        "[profile data-a]\nregion = us-east-1\n\n[sso-session corp]\nsso_region = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[lake-b]\naws_access_key_id = AKIAXACCTTEST0000001\naws_secret_access_key = not-a-secret\n",
    )
    .unwrap();
    let started = Instant::now();
    let (code, stdout, stderr) = xacct_aws(
        &dir,
        &[
            "collect",
            "--profile",
            "data-a",
            "--profile",
            "NONEXISTENT",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--output",
            "out",
        ],
    );
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("no such profile `NONEXISTENT` in the AWS config/credentials files"),
        "{stderr}"
    );
    let config = dir.join("config").display().to_string();
    let credentials = dir.join("credentials").display().to_string();
    assert!(
        stderr.contains(&config) && stderr.contains(&credentials),
        "{stderr}"
    );
    assert!(stderr.contains("aws configure list-profiles"), "{stderr}");
    assert!(!dir.join("out").exists(), "nothing is written");
    assert!(started.elapsed() < Duration::from_secs(10));
    // `sso-session corp` is not a profile, and the files' names are said when one is missing.
    std::fs::remove_file(dir.join("credentials")).unwrap();
    let (code, _, stderr) = xacct_aws(
        &dir,
        &[
            "collect",
            "--profile",
            "corp",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--output",
            "out",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no such profile `corp`"), "{stderr}");
    assert!(
        stderr.contains(&format!("{credentials} (not found)")),
        "{stderr}"
    );
    // Profiles of either file pass the check: the failure is then the call's, not the name's.
    std::fs::write(
        dir.join("credentials"),
        "[lake-b]\naws_access_key_id = AKIAXACCTTEST0000001\naws_secret_access_key = not-a-secret\n",
    )
    .unwrap();
    let (_, _, stderr) = xacct_aws(
        &dir,
        &[
            "collect",
            "--profile",
            "lake-b",
            "--endpoint-url",
            "http://127.0.0.1:1",
            "--output",
            "out",
        ],
    );
    assert!(!stderr.contains("no such profile"), "{stderr}");
}
