//! What `plan` and `import` write from input nobody on the team wrote: links planted in an
//! output folder, broken or stray export files, intents that cannot be planned, prefixes IAM
//! takes only as escapes. Each test failed before its fix.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use super::hostile_input::{json_of, scratch, EC2_TRUST};
use super::xacct;
use std::path::{Path, PathBuf};

const TWO_INTENTS: &str = "crates/xacct-plan/tests/fixtures/two-intents";

/// Every entry (files and folders) under `root`, relative to it.
fn entries(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.symlink_metadata().unwrap().is_dir() {
                pending.push(path);
            }
        }
    }
    out.sort();
    out
}

fn plan_into(out: &Path, format: &str) -> (i32, String) {
    let (code, _, stderr) = xacct(&[
        "plan",
        TWO_INTENTS,
        "--format",
        format,
        "--output",
        out.to_str().unwrap(),
    ]);
    (code, stderr)
}

/// A link to a folder outside, planted where the JSON documents go two folders deeper: the
/// plan is refused before any folder is made through the link, and before any other file.
#[cfg(unix)]
#[test]
fn plan_output_makes_no_folder_through_a_planted_link() {
    let scratch = scratch("plan-folder-link");
    let (out, elsewhere) = (scratch.join("out"), scratch.join("elsewhere"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("222222222222")).unwrap();
    let (code, stderr) = plan_into(&out, "json");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a symbolic link leads outside"), "{stderr}");
    assert_eq!(entries(&elsewhere), Vec::<String>::new(), "made outside");
    assert_eq!(entries(&out), ["222222222222"], "half a plan written");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A link planted at a script's own name is refused before the other scripts are written; a
/// hard link shared with a file outside is replaced, never written through.
#[cfg(unix)]
#[test]
fn plan_output_never_writes_through_a_planted_file() {
    let scratch = scratch("plan-file-link");
    let (out, elsewhere) = (scratch.join("out"), scratch.join("elsewhere"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("victim.sh"), out.join("run-all.sh")).unwrap();
    let (code, stderr) = plan_into(&out, "cli");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(entries(&out), ["run-all.sh"], "half a plan written");
    assert_eq!(entries(&elsewhere), Vec::<String>::new());

    std::fs::remove_file(out.join("run-all.sh")).unwrap();
    let shared = elsewhere.join("shared");
    std::fs::write(&shared, "outside\n").unwrap();
    std::fs::hard_link(&shared, out.join("run-all.sh")).unwrap();
    let (code, stderr) = plan_into(&out, "cli");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&shared).unwrap(), "outside\n");
    let script = std::fs::read_to_string(out.join("run-all.sh")).unwrap();
    assert!(script.contains("sh ./222222222222.sh"), "{script}");
    assert_eq!(
        entries(&out),
        ["111111111111.sh", "222222222222.sh", "run-all.sh"],
        "a temporary file was left behind"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A folder of exports holding one bucket policy with a trailing comma: the file's name says
/// what it is, so the import stops at it with its line and column, instead of "no AWS export
/// found" (or, beside other exports, a comment at the end of the manifest).
#[test]
fn import_stops_at_a_broken_file_named_as_an_export() {
    let scratch = scratch("import-broken");
    let account = scratch.join("exports/222222222222");
    std::fs::create_dir_all(&account).unwrap();
    let broken = account.join("lake-b.bucket-policy.json");
    std::fs::write(
        &broken,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*",}]}"#,
    )
    .unwrap();
    let exports = scratch.join("exports");
    let (code, stdout, stderr) = xacct(&["import", exports.to_str().unwrap()]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "named as a bucket policy, but not JSON (trailing comma at line 1 column 131)"
        ),
        "{stderr}"
    );
    // Named as a bucket policy, but some other JSON.
    std::fs::write(&broken, r#"{"Bucket": "lake-b"}"#).unwrap();
    let (code, _, stderr) = xacct(&["import", exports.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("holds neither `Policy` nor `Statement`"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// JSON files in a folder of exports that are not exports are said on standard error (and,
/// when nothing else is found, in the error), not only in a comment of the manifest.
#[test]
fn import_says_which_files_it_skipped() {
    let scratch = scratch("import-skipped");
    let exports = scratch.join("exports");
    std::fs::create_dir_all(exports.join("222222222222")).unwrap();
    std::fs::write(exports.join("notes.json"), "{x").unwrap();
    std::fs::write(exports.join("empty.json"), "").unwrap();
    let folder = exports.to_str().unwrap();
    let (code, _, stderr) = xacct(&["import", folder]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no AWS export found"), "{stderr}");
    assert!(
        stderr.contains("notes.json: not JSON (key must be a string at line 1 column 2)"),
        "{stderr}"
    );
    assert!(stderr.contains("empty.json: empty: not JSON"), "{stderr}");

    std::fs::copy(
        super::workspace_root().join("examples/s3-role-chain/policies/lake-b-bucket-policy.json"),
        exports.join("222222222222/lake-b.bucket-policy.json"),
    )
    .unwrap();
    let (code, stdout, stderr) = xacct(&["import", folder]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("bucket = \"lake-b\""), "{stdout}");
    assert!(stderr.contains("warning: skipped "), "{stderr}");
    assert!(stderr.contains("notes.json: not JSON"), "{stderr}");
    let (code, _, stderr) = xacct(&["--quiet", "import", folder]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "--quiet: {stderr}");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A scenario with an intent `plan` refuses (an external id on the bucket policy route) and,
/// unless `refused_only`, one it plans.
fn plan_scenario(name: &str, refused_only: bool) -> PathBuf {
    let folder = scratch(name);
    let mut manifest = r#"
[[account]]
id = "111111111111"

[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::111111111111:role/etl"
trust = { inline = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}''' }

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/etl"
role = "etl"

[[bucket]]
name = "lake-b"
account = "222222222222"

[[compute]]
name = "etl"
instance_profile = "arn:aws:iam::111111111111:instance-profile/etl"

[[intent]]
name = "an external id on the bucket policy route"
compute = "compute:etl"
access = "read"
target = "s3://lake-b/sales/"
route = "resource-policy"
external_id = "abc"
"#
    .to_owned();
    if !refused_only {
        manifest.push_str(
            r#"
[[intent]]
name = "planned"
compute = "compute:etl"
access = "read"
target = "s3://lake-b/sales/"
route = "resource-policy"
"#,
        );
    }
    std::fs::write(folder.join("xacct.toml"), manifest).unwrap();
    folder
}

/// `plan --format json` is a whole document whatever happens: with the intents it refused
/// (which it left out before), when it refused them all, and when no intent has the name
/// `--intent` gives (it printed nothing before).
#[test]
fn plan_json_is_a_document_with_its_refusals() {
    let both = plan_scenario("plan-json-refused", false);
    let (code, stdout, stderr) = xacct(&["plan", both.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let document = json_of(&stdout);
    assert_eq!(document["intents"], serde_json::json!(["planned"]));
    let refused = &document["refused"][0];
    assert_eq!(
        refused["intent"],
        "an external id on the bucket policy route"
    );
    assert_eq!(refused["location"]["line"], 25, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("an external id only applies to the assume-role route"),
        "{refused}"
    );

    let only = plan_scenario("plan-json-all-refused", true);
    let (code, stdout, stderr) = xacct(&["plan", only.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let document = json_of(&stdout);
    assert_eq!(document["error"], "no intent can be planned");
    assert_eq!(document["refused"].as_array().unwrap().len(), 1);
    assert!(document.get("accounts").is_none(), "{document}");

    let (code, stdout, stderr) = xacct(&[
        "plan",
        both.to_str().unwrap(),
        "--format",
        "json",
        "--intent",
        "planed",
    ]);
    assert_eq!(code, 2, "{stderr}");
    let document = json_of(&stdout);
    let error = document["error"].as_str().unwrap();
    assert!(
        error.contains("no [[intent]] named `planed`; did you mean `planned`?"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&both);
    let _ = std::fs::remove_dir_all(&only);
}

/// A prefix outside Latin-1 (`日本/`): IAM refuses a policy document holding characters above
/// U+00FF, so the script, the files for `file://` and the runbook write them as JSON escapes,
/// the same documents the JSON output holds.
#[test]
fn plan_documents_iam_takes_whatever_the_prefix() {
    let folder = scratch("plan-non-latin");
    let manifest = format!(
        r#"[[account]]
id = "111111111111"

[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::111111111111:role/etl"
trust = {{ inline = '{EC2_TRUST}' }}

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/etl"
role = "etl"

[[bucket]]
name = "lake-b"
account = "222222222222"

[[compute]]
name = "etl"
instance_profile = "arn:aws:iam::111111111111:instance-profile/etl"

[[intent]]
name = "reads the 日本 prefix"
compute = "compute:etl"
access = "read"
target = "s3://lake-b/日本/"
route = "assume-role"
role_name = "reader"
"#
    );
    std::fs::write(folder.join("xacct.toml"), manifest).unwrap();
    let scenario = folder.to_str().unwrap();
    let (code, stdout, stderr) = xacct(&["plan", scenario, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let planned = json_of(&stdout);
    let documents: Vec<&serde_json::Value> = planned["accounts"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|files| files.as_object().unwrap().values())
        .collect();
    assert!(
        documents
            .iter()
            .any(|document| document.to_string().contains("日本")),
        "{planned}"
    );
    let latin_1 = |text: &str| text.chars().all(|c| u32::from(c) <= 0xFF);

    let (code, script, stderr) = xacct(&["plan", scenario, "--format", "cli"]);
    assert_eq!(code, 0, "{stderr}");
    let policy_lines: Vec<&str> = script
        .lines()
        .filter(|line| line.contains("policy-document '"))
        .collect();
    assert!(!policy_lines.is_empty(), "{script}");
    for line in policy_lines {
        assert!(latin_1(line), "{line}");
        // The quoted argument, as the shell hands it to aws: one of the planned documents.
        let argument = line.split("policy-document '").nth(1).unwrap();
        let argument = argument.strip_suffix('\'').unwrap();
        let document: serde_json::Value = serde_json::from_str(argument).unwrap();
        assert!(documents.contains(&&document), "{document}");
    }

    let (code, runbook, _) = xacct(&["plan", scenario, "--format", "runbook"]);
    assert_eq!(code, 0);
    let blocks: Vec<&str> = runbook.split("```json").skip(1).collect();
    assert!(!blocks.is_empty());
    for block in blocks {
        let json = block.split("```").next().unwrap();
        assert!(latin_1(json), "{json}");
    }
    // The intent's name, a comment, keeps its characters.
    assert!(runbook.contains("reads the 日本 prefix"), "{runbook}");

    let out = folder.join("out");
    let (code, _, stderr) = xacct(&[
        "plan",
        scenario,
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let written =
        std::fs::read_to_string(out.join("222222222222/roles/reader/xacct-plan.json")).unwrap();
    assert!(written.contains("\\u65e5\\u672c/*"), "{written}");
    assert!(latin_1(&written), "{written}");
    let document: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert!(documents.contains(&&document), "{document}");
    let _ = std::fs::remove_dir_all(&folder);
}

/// `import --output DIR`, as `plan --output DIR` is written: the manifest goes to
/// DIR/xacct.toml (it was "cannot write DIR: Is a directory"), and a skipped file is named as
/// it was found, not from the manifest's folder.
#[test]
fn import_output_to_a_folder_writes_its_manifest() {
    let scratch = scratch("import-output-folder");
    let exports = scratch.join("exports");
    std::fs::create_dir_all(exports.join("222222222222")).unwrap();
    std::fs::copy(
        super::workspace_root().join("examples/s3-role-chain/policies/lake-b-bucket-policy.json"),
        exports.join("222222222222/lake-b.bucket-policy.json"),
    )
    .unwrap();
    std::fs::write(exports.join("notes.json"), "{x").unwrap();
    let scenario = scratch.join("scenario");
    std::fs::create_dir_all(&scenario).unwrap();
    let (code, _, stderr) = xacct(&[
        "import",
        exports.to_str().unwrap(),
        "--output",
        scenario.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let manifest = std::fs::read_to_string(scenario.join("xacct.toml")).unwrap();
    assert!(
        manifest.contains("path = \"../exports/222222222222/lake-b.bucket-policy.json\""),
        "{manifest}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: skipped {}: not JSON",
            exports.join("notes.json").display()
        )),
        "{stderr}"
    );
    let (code, stdout, stderr) = xacct(&[
        "--allow-outside",
        exports.to_str().unwrap(),
        "who-can",
        scenario.to_str().unwrap(),
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/x",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let _ = std::fs::remove_dir_all(&scratch);
}
