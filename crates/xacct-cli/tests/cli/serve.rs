//! `xacct serve` with real clients: the test starts the server on a free loopback port, and
//! boto3 and the aws CLI (from `XACCT_PYTHON`'s virtual environment, see scripts/test) call
//! it. Without `XACCT_PYTHON` the tests say so and pass outside CI, and fail in CI.
#![expect(
    clippy::indexing_slicing,
    reason = "a test reads the JSON its client printed, and fails when a field is missing"
)]

use super::{workspace_root, xacct};
use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python interpreter with boto3 and awscli, or `None` (with the reason printed) when
/// the tests cannot run here.
pub(crate) fn python() -> Option<PathBuf> {
    match std::env::var_os("XACCT_PYTHON") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "XACCT_PYTHON is not set: scripts/test installs tools/python/requirements.txt and sets it"
            );
            eprintln!("skipped: XACCT_PYTHON is not set (scripts/test sets it)");
            None
        }
    }
}

/// A running `xacct serve`, killed (SIGKILL) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) endpoint: String,
    pub(crate) config: PathBuf,
}

impl Server {
    pub(crate) fn start(scenario: &str, data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xacct"))
            .args(["serve", scenario, "--port", "0", "--data"])
            .arg(data)
            .args(extra)
            .current_dir(workspace_root())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut endpoint = None;
        let mut config = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(value) = line.strip_prefix("endpoint: ") {
                endpoint = Some(value.to_owned());
            }
            if let Some(value) = line.strip_prefix("config: ") {
                config = Some(PathBuf::from(value));
                break;
            }
        }
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            endpoint: endpoint.unwrap(),
            config: config.unwrap(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The AWS config file the server wrote (a profile per principal).
    pub(crate) fn config(&self) -> &Path {
        &self.config
    }

    /// Kills the server at once, as `kill -9` does.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The client script with this server's profiles and endpoint.
    fn client(&self, python: &Path, arguments: &[&str]) -> Value {
        self.script(python, "client.py", arguments)
    }

    /// What `script` printed (one JSON document); the test fails when the script fails.
    pub(crate) fn script(&self, python: &Path, script: &str, arguments: &[&str]) -> Value {
        let output = self
            .script_command(python, script, arguments)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{script} {arguments:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(&stdout).unwrap()
    }

    fn client_command(&self, python: &Path, arguments: &[&str]) -> Command {
        self.script_command(python, "client.py", arguments)
    }

    /// `script` (in tests/cli/serve/) with this server's profiles and endpoint.
    fn script_command(&self, python: &Path, script: &str, arguments: &[&str]) -> Command {
        let script = workspace_root()
            .join("crates/xacct-cli/tests/cli/serve")
            .join(script);
        let mut command = Command::new(python);
        command
            .arg(script)
            .args(arguments)
            .env("AWS_CONFIG_FILE", &self.config)
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            // No client may look for an instance metadata service: the endpoint is all there is.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN");
        command
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn code(value: &Value, case: &str) -> String {
    value[case]["code"].as_str().unwrap_or("missing").to_owned()
}

const ROLE_B: &str = "arn:aws:iam::222222222222:role/MyRoleB";

#[test]
fn serve_the_role_chain_with_the_aws_cli() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let aws = python.with_file_name("aws");
    // The CLI caches assumed-role sessions under ~/.aws/cli/cache: a home of its own.
    let home = tempfile::tempdir().unwrap();
    let run = |arguments: &[&str], input: Option<&Path>| {
        let mut command = Command::new(&aws);
        command
            .args(arguments)
            .env("HOME", home.path())
            .env("AWS_CONFIG_FILE", &server.config)
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
        if let Some(dir) = input {
            command.current_dir(dir);
        }
        let output = command.output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run(
        &[
            "--profile",
            "compute-etl-as-MyRoleB",
            "sts",
            "get-caller-identity",
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("arn:aws:sts::222222222222:assumed-role/MyRoleB/"),
        "{stdout}"
    );
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("part.parquet"), b"rows of sales").unwrap();
    let target = "s3://lake-b/sales/2026/part-0001.parquet";
    let profile = ["--profile", "compute-etl-as-MyRoleB"];
    let (ok, _, stderr) = run(
        &[
            &profile[..],
            &[
                "s3",
                "cp",
                "part.parquet",
                target,
                "--acl",
                "bucket-owner-full-control",
            ],
        ]
        .concat(),
        Some(work.path()),
    );
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run(
        &[
            &profile[..],
            &["s3", "ls", "s3://lake-b/sales/", "--recursive"],
        ]
        .concat(),
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("sales/2026/part-0001.parquet"), "{stdout}");
    let (ok, stdout, stderr) = run(&[&profile[..], &["s3", "cp", target, "-"]].concat(), None);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "rows of sales");
    // The cluster's own role is not the lake's: B's bucket policy names MyRoleB only.
    let (ok, _, stderr) = run(
        &["--profile", "compute-etl", "s3", "ls", "s3://lake-b/"],
        None,
    );
    assert!(!ok);
    assert!(
        stderr.contains("AccessDenied")
            && stderr.contains(
                "is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::lake-b"
            ),
        "{stderr}"
    );
    // What the scenario expects to be denied is denied.
    let (ok, _, stderr) = run(&[&profile[..], &["s3", "rb", "s3://lake-b"]].concat(), None);
    assert!(!ok);
    assert!(
        stderr.contains("AccessDenied") && stderr.contains("s3:DeleteBucket"),
        "{stderr}"
    );
}

/// The cluster's workload (AssumeRole MyRoleB, write, list, read) passes every step.
fn assert_workload_passes(server: &Server, python: &Path) {
    let steps = server.client(python, &["workload", "compute-etl", ROLE_B, "lake-b"]);
    let codes: Vec<_> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["code"].clone())
        .collect();
    assert_eq!(codes, ["ok", "ok", "ok", "ok"], "{steps:#}");
}

/// The IAM action each workload step is authorized as.
fn action_of(op: &str) -> &'static str {
    match op {
        "AssumeRole" => "sts:AssumeRole",
        "PutObject" => "s3:PutObject",
        "ListObjectsV2" => "s3:ListBucket",
        "GetObject" => "s3:GetObject",
        _ => "unknown",
    }
}

/// The action of the first failing link `xacct check` reports for `scenario`.
pub(crate) fn failing_link(scenario: &str) -> Option<String> {
    let (_, stdout, _) = xacct(&["check", scenario, "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    report["expectations"]
        .as_array()?
        .iter()
        .flat_map(|expectation| expectation["cases"].as_array().cloned().unwrap_or_default())
        .find(|case| case["passed"] == false)
        .and_then(|case| case["explanation"]["action"].as_str().map(str::to_owned))
}

/// The action of the first compute check `xacct check` fails for `scenario` (a deployer's
/// PassRole, an instance profile's trust).
fn failing_compute_check(scenario: &str) -> Option<String> {
    let (_, stdout, _) = xacct(&["check", scenario, "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    report["compute"]
        .as_array()?
        .iter()
        .find(|check| check["passed"] == false)
        .and_then(|check| check["explanation"]["action"].as_str().map(str::to_owned))
}

/// The launch of the field guide's cluster: the workspace's cross-account role starts the
/// instance with the instance profile, which EC2 allows only when it may pass MyRoleA. In
/// `broken/passrole-missing` the launch is refused with EC2's `UnauthorizedOperation` at the
/// action `xacct check` names, while the cluster's own reads (which check passes) still work.
#[test]
fn serve_the_cluster_launch_passes_its_role_only_when_the_deployer_may() {
    let Some(python) = python() else { return };
    let profile = "arn:aws:iam::111111111111:instance-profile/MyRoleA";
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let launched = server.client(&python, &["launch", "deployer-etl", profile]);
    assert_eq!(launched["code"], "ok", "{launched:#}");
    assert_eq!(launched["profile"], profile, "{launched:#}");
    assert_eq!(launched["state"], "pending", "{launched:#}");
    drop(server);
    let scenario = "examples/s3-role-chain/broken/passrole-missing";
    let link = failing_compute_check(scenario).unwrap();
    assert_eq!(link, "iam:PassRole");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &[]);
    let refused = server.client(&python, &["launch", "deployer-etl", profile]);
    assert_eq!(refused["code"], "UnauthorizedOperation", "{refused:#}");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("is not authorized to perform: {link} on resource: arn:aws:iam::111111111111:role/MyRoleA")),
        "{message}"
    );
    assert_workload_passes(&server, &python);
}

/// Transitive session tags through the served STS: a tag passed as transitive reaches the
/// next session of the chain (and decides its `aws:PrincipalTag`); one that is not, does not;
/// an inherited key cannot be passed again; `TransitiveTagKeys` must name a passed tag.
#[test]
fn serve_transitive_session_tags_pass_down_a_chain() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let out = server.script(
        &python,
        "sts_sessions.py",
        &["tags", "account-111111111111", "111111111111"],
    );
    assert_eq!(
        out,
        serde_json::json!({
            "transitive_lists": "ok",
            "override": "ValidationError",
            "not_transitive_lists": "AccessDenied",
            "unknown_key": "ValidationError",
        })
    );
}

/// Managed session policies (`PolicyArns`): with the inline `Policy`, one set of session
/// policies that caps what the role's own policy allows.
#[test]
fn serve_managed_session_policies_cap_the_session() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let out = server.script(
        &python,
        "sts_sessions.py",
        &["managed", "account-111111111111", "111111111111"],
    );
    assert_eq!(
        out,
        serde_json::json!({
            "managed_buckets": "ok",
            "managed_objects": "AccessDenied",
            "both_objects": "ok",
            "unknown_policy": "InvalidParameterValue",
        })
    );
}

#[test]
fn serve_each_broken_role_chain_fails_at_the_link_check_names() {
    let Some(python) = python() else { return };
    // The working chain goes through end to end.
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    assert_workload_passes(&server, &python);
    drop(server);
    for variant in [
        "assume-role-not-granted",
        "external-id-missing",
        "list-bucket-on-objects",
        "trust-names-wrong-role",
    ] {
        let scenario = format!("examples/s3-role-chain/broken/{variant}");
        let link = failing_link(&scenario).unwrap();
        let data = tempfile::tempdir().unwrap();
        let server = Server::start(&scenario, data.path(), &[]);
        let steps = server.client(&python, &["workload", "compute-etl", ROLE_B, "lake-b"]);
        let failed = steps
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["code"] != "ok")
            .unwrap_or_else(|| panic!("{variant}: every step passed: {steps:#}"));
        assert_eq!(failed["code"], "AccessDenied", "{variant}: {steps:#}");
        let op = failed["op"].as_str().unwrap();
        assert_eq!(
            action_of(op),
            link,
            "{variant}: served {op}, check names {link}"
        );
    }
}

#[test]
fn serve_keeps_accounts_apart() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("decisions.jsonl");
    let server = Server::start(
        "crates/xacct-cli/tests/cli/serve/isolation",
        data.path(),
        &["--explain-log", log.to_str().unwrap()],
    );
    let cases = server.client(&python, &["isolation"]);
    let expected = [
        // A's keys never act in B: B's bucket policy does not name alice.
        ("alice-reads-b", "AccessDenied"),
        // A trust naming another role refuses.
        ("alice-assumes-writer", "AccessDenied"),
        // B's Deny with a Condition: writes must give the bucket owner control.
        ("writer-puts-without-acl", "AccessDenied"),
        ("writer-puts-with-acl", "ok"),
        // B's role has no grant in A's bucket policy (there is none).
        ("writer-writes-a", "AccessDenied"),
        // A bucket policy's Allow lets a foreign role in only with its own identity grant.
        ("reader-reads-public", "ok"),
        ("no-grant-reads-public", "AccessDenied"),
        // A Deny naming one principal refuses it alone.
        ("noisy-reads-public", "ok"),
        ("noisy-reads-secret", "AccessDenied"),
        ("reader-reads-secret", "ok"),
        // The bucket policy grants objects only: listing is not granted.
        ("reader-lists-b", "AccessDenied"),
    ];
    for (case, want) in expected {
        assert_eq!(code(&cases, case), want, "{case}: {:#}", cases[case]);
    }
    assert_eq!(
        cases["noisy-reads-secret"]["explanation"],
        "explicitly denied by statement `NoSecretsForNoisy` of bucket policy of b-data"
    );
    // Every decision is in the log, with the engine's explanation.
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let noisy = lines
        .iter()
        .find(|line| {
            line["resource"] == "arn:aws:s3:::b-data/secret/s"
                && line["principal"]
                    .as_str()
                    .unwrap()
                    .contains("assumed-role/noisy/")
        })
        .unwrap();
    assert_eq!(noisy["decision"], "ExplicitDeny");
    assert!(noisy["explanation"]
        .as_str()
        .unwrap()
        .contains("NoSecretsForNoisy"));
    assert!(lines.iter().any(|line| line["decision"] == "Allow"));
}

#[test]
fn serve_refuses_bad_signatures_tokens_and_clocks() {
    let Some(python) = python() else { return };
    let scenario = "crates/xacct-cli/tests/cli/serve/isolation";
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &[]);
    let cases = server.client(&python, &["security", "compute-reader-as-writer", "b-data"]);
    let expected = [
        ("sts-valid", "ok"),
        ("presigned", "ok"),
        ("sts-wrong-secret", "SignatureDoesNotMatch"),
        ("s3-wrong-secret", "SignatureDoesNotMatch"),
        ("sts-forged-signature", "SignatureDoesNotMatch"),
        ("s3-forged-signature", "SignatureDoesNotMatch"),
        ("presigned-tampered", "SignatureDoesNotMatch"),
        ("sts-unknown-key", "InvalidClientTokenId"),
        ("s3-unknown-key", "InvalidAccessKeyId"),
        ("sts-tampered-token", "InvalidClientTokenId"),
        ("s3-tampered-token", "InvalidToken"),
        // STS answers a stale signature with SignatureDoesNotMatch ("Signature expired"),
        // S3 with RequestTimeTooSkewed.
        ("sts-old-request", "SignatureDoesNotMatch"),
        ("s3-old-request", "RequestTimeTooSkewed"),
    ];
    for (case, want) in expected {
        assert_eq!(code(&cases, case), want, "{case}: {:#}", cases[case]);
    }
    assert!(cases["sts-old-request"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Signature expired: "));
    drop(server);
    // Sessions capped at 5 seconds expire (5, not less: on a loaded machine boto3 takes more
    // than a second to build its two clients before the first call).
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &["--expire-sessions-after", "5"]);
    let writer = "arn:aws:iam::222222222222:role/writer";
    let expiry = server.client(
        &python,
        &["expiry", "compute-reader", writer, "b-data", "6"],
    );
    assert_eq!(code(&expiry, "before"), "ok");
    assert_eq!(code(&expiry, "sts-after"), "ExpiredToken");
    assert_eq!(code(&expiry, "s3-after"), "ExpiredToken");
}

#[test]
fn serve_keeps_every_acknowledged_write_through_kill_9() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let scenario = "crates/xacct-cli/tests/cli/serve/isolation";
    let acknowledged = data.path().join("acknowledged.txt");
    let acknowledged_text = acknowledged.to_str().unwrap();
    let mut server = Server::start(scenario, data.path(), &[]);
    let mut writer = server
        .client_command(
            &python,
            &[
                "writer",
                "compute-reader-as-writer",
                "b-data",
                acknowledged_text,
                "8",
                "4000",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill the server mid-stream, once some writes are acknowledged.
    let started = Instant::now();
    loop {
        let count = std::fs::read_to_string(&acknowledged)
            .map(|text| text.lines().count())
            .unwrap_or(0);
        if count >= 200 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    let _ = writer.wait();
    // The same data folder: same keys, same objects.
    let server = Server::start(scenario, data.path(), &[]);
    let result = server.client(
        &python,
        &[
            "verify",
            "compute-reader-as-writer",
            "b-data",
            acknowledged_text,
        ],
    );
    let count = result["acknowledged"].as_u64().unwrap();
    assert!(count >= 200, "{result:#}");
    assert_eq!(result["missing"], serde_json::json!([]), "{result:#}");
    assert_eq!(result["different"], serde_json::json!([]), "{result:#}");
    eprintln!("kill -9: {count} acknowledged writes, all present byte for byte");
}

#[test]
fn serve_applies_the_plan_runbook_then_runs_the_workload() {
    let Some(python) = python() else { return };
    let scenario = "examples/s3-role-chain/plan";
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &[]);
    // Before the runbook, MyRoleB does not exist: AWS refuses AssumeRole with AccessDenied.
    let before = server.client(&python, &["workload", "compute-etl", ROLE_B, "lake-b"]);
    assert_eq!(before[0]["op"], "AssumeRole");
    assert_eq!(before[0]["code"], "AccessDenied", "{before:#}");
    let (code, runbook, stderr) = xacct(&["plan", scenario, "--format", "cli"]);
    assert_eq!(code, 0, "{stderr}");
    let script = data.path().join("runbook.sh");
    std::fs::write(&script, runbook).unwrap();
    let home = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        python.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg(&script)
        .env("PATH", path)
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &server.config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the runbook failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_workload_passes(&server, &python);
}
