//! Questions are checked before they are answered, and who-can answers on real exports: a
//! misspelt action or an action on the wrong kind of resource is bad input; an undeclared
//! bucket is assumed and said so; trusts that name a session, everyone, an undeclared account
//! or a service are answered; an export keeps going past one bad entity.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use super::{workspace_root, xacct, xacct_in};
use serde_json::Value;
use std::path::PathBuf;

/// The IAM-only export of account 111111111111 written for these tests.
const EXPORT: &str = "crates/xacct-cli/tests/fixtures/iam-only-export";

/// A fresh folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xacct-questions-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario folder holding `manifest` as its xacct.toml.
fn scenario(name: &str, manifest: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("xacct.toml"), manifest).unwrap();
    dir
}

fn who_can_json(scenario: &str, action: &str, resource: &str) -> (i32, Value) {
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        scenario,
        "--action",
        action,
        "--resource",
        resource,
        "--format",
        "json",
    ]);
    assert_ne!(code, 2, "{stderr}");
    (code, serde_json::from_str(&stdout).unwrap())
}

/// The `principal` of every entry of a who-can answer.
fn principals(answer: &Value) -> Vec<String> {
    answer["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reach| reach["principal"].as_str().unwrap().to_owned())
        .collect()
}

/// Asks `explain` (from the cluster) and `who-can` of the role-chain example the same
/// question: exit code and stderr of each.
fn ask_both(action: &str, resource: &str) -> Vec<(i32, String)> {
    let question = ["--action", action, "--resource", resource];
    let explain = ["explain", "examples/s3-role-chain", "--from", "compute:etl"];
    let who_can = ["who-can", "examples/s3-role-chain"];
    [&explain[..], &who_can[..]]
        .into_iter()
        .map(|command| {
            let arguments: Vec<&str> = command.iter().chain(&question).copied().collect();
            let (code, stdout, stderr) = xacct(&arguments);
            assert!(
                stdout.is_empty(),
                "no answer to a question that is not one: {stdout}"
            );
            (code, stderr)
        })
        .collect()
}

#[test]
fn a_misspelt_action_is_bad_input_with_the_closest_one() {
    for (code, stderr) in ask_both("s3:GetObjekt", "arn:aws:s3:::lake-b/sales/x") {
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("`s3:GetObjekt` is not an action of s3")
                && stderr.contains("did you mean s3:GetObject"),
            "{stderr}"
        );
    }
}

#[test]
fn an_object_action_on_a_bucket_names_the_types_it_takes() {
    for (code, stderr) in ask_both("s3:GetObject", "arn:aws:s3:::lake-b") {
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("`s3:GetObject` does not act on `arn:aws:s3:::lake-b`")
                && stderr.contains("object (arn:aws:s3:::BUCKET_NAME/OBJECT_NAME)"),
            "{stderr}"
        );
    }
}

#[test]
fn an_expectation_with_a_misspelt_action_is_an_error_at_its_place() {
    let dir = scenario(
        "expect-typo",
        r#"[[role]]
arn = "arn:aws:iam::111111111111:role/reader"
trust = { inline = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}''' }

[[bucket]]
name = "data"
account = "111111111111"

[[expect]]
name = "reader reads"
from = "arn:aws:iam::111111111111:role/reader"
actions = ["s3:GetObject", "s3:GetObjekt"]
resources = ["arn:aws:s3:::data/x"]
decision = "allow"

[[expect]]
name = "reader lists, asked on an object"
from = "arn:aws:iam::111111111111:role/reader"
actions = ["s3:ListBucket"]
resources = ["arn:aws:s3:::data/x"]
decision = "allow"
"#,
    );
    let dir_text = dir.to_str().unwrap();
    for command in ["check", "validate"] {
        let (code, stdout, stderr) = xacct(&[command, dir_text]);
        let stderr = format!("{stdout}{stderr}");
        assert_ne!(code, 0, "{stderr}");
        assert!(stderr.contains("xacct.toml:12:28"), "{stderr}");
        assert!(stderr.contains("did you mean s3:GetObject"), "{stderr}");
        assert!(stderr.contains("xacct.toml:19:12"), "{stderr}");
        assert!(
            stderr.contains("`s3:ListBucket` does not act on `arn:aws:s3:::data/x`: it takes")
                && stderr.contains("bucket (arn:aws:s3:::BUCKET_NAME)"),
            "{stderr}"
        );
    }
}

#[test]
fn a_star_resource_answers_an_action_without_resource_types() {
    let dir = scenario(
        "star",
        r#"[[role]]
arn = "arn:aws:iam::111111111111:role/lister"
trust = { inline = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}''' }
policies = [{ inline = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}''' }]

[[role]]
arn = "arn:aws:iam::111111111111:role/reader"
trust = { inline = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}''' }
policies = [{ inline = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}''' }]
"#,
    );
    let dir_text = dir.to_str().unwrap();
    let (code, answer) = who_can_json(dir_text, "s3:ListAllMyBuckets", "*");
    assert_eq!(code, 0);
    let direct: Vec<String> = answer["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|reach| reach["kind"] == "role")
        .map(|reach| reach["principal"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(direct, ["arn:aws:iam::111111111111:role/lister"]);
    let (code, stdout, stderr) = xacct(&[
        "explain",
        dir_text,
        "--from",
        "arn:aws:iam::111111111111:role/reader",
        "--action",
        "s3:ListAllMyBuckets",
        "--resource",
        "*",
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    // An action that takes no resource is asked with `*`, not an ARN.
    let (code, _, stderr) = xacct(&[
        "who-can",
        dir_text,
        "--action",
        "s3:ListAllMyBuckets",
        "--resource",
        "arn:aws:s3:::data",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("ask with --resource '*'"), "{stderr}");
}

#[test]
fn explain_and_who_can_agree_on_an_undeclared_bucket() {
    let (code, stdout, stderr) = xacct(&[
        "explain",
        EXPORT,
        "--from",
        "arn:aws:iam::111111111111:role/analytics",
        "--read",
        "s3://reports/",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let assumed = "assumed: bucket `reports` is not in the scenario: it is taken to be in account 111111111111, the scenario's only account, with no bucket policy";
    assert!(stdout.contains(assumed), "{stdout}");
    let (code, answer) = who_can_json(EXPORT, "s3:ListBucket", "arn:aws:s3:::reports");
    assert_eq!(code, 0);
    assert_eq!(answer["assumptions"][0]["kind"], "undeclared-resource");
    assert!(answer["assumptions"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with(assumed.trim_start_matches("assumed: ")));
    assert!(principals(&answer).contains(&"arn:aws:iam::111111111111:role/analytics".to_owned()));
    let (_, text, _) = xacct(&[
        "who-can",
        EXPORT,
        "--action",
        "s3:ListBucket",
        "--resource",
        "arn:aws:s3:::reports",
    ]);
    assert!(text.starts_with(assumed), "{text}");
}

#[test]
fn an_identity_center_session_named_in_a_trust_reaches_the_role() {
    let (_, answer) = who_can_json(EXPORT, "s3:GetObject", "arn:aws:s3:::reports/q1.csv");
    let sso = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataEngineer_0a1b2c3d4e5f6789";
    let reach = answer["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|reach| reach["principal"] == sso)
        .unwrap_or_else(|| panic!("{answer:#}"));
    assert_eq!(
        reach["chain"][0],
        "arn:aws:iam::111111111111:role/analytics"
    );
    assert_eq!(reach["sessionNames"][sso], "alice@example.com");
}

#[test]
fn who_can_never_under_reports_principals_outside_the_scenario() {
    let (_, answer) = who_can_json(EXPORT, "s3:GetObject", "arn:aws:s3:::reports/q1.csv");
    let listed = principals(&answer);
    for expected in [
        "any principal of any account whose own policies allow it",
        "every principal of account 333333333333 allowed by its own policies (the account is not in the scenario)",
        "role arn:aws:iam::444444444444:role/vendor-etl, if its own policies allow it (account 444444444444 is not in the scenario)",
        "any principal of another account of organization o-a1b2c3d4e5 whose own policies allow it",
    ] {
        assert!(listed.contains(&expected.to_owned()), "{expected}: {listed:#?}");
    }
    // Each reaches the bucket through a role whose trust lets it in.
    for reach in answer["principals"].as_array().unwrap() {
        if reach["kind"] == "outside" {
            assert_eq!(reach["hops"], 1, "{reach:#}");
        }
    }
}

#[test]
fn a_trust_open_to_everyone_is_a_security_finding() {
    for command in ["validate", "check"] {
        let (_, stdout, stderr) = xacct(&[command, EXPORT]);
        let stderr = format!("{stdout}{stderr}");
        assert!(
            stderr.contains("xacct::open-to-everyone")
                && stderr.contains(
                    "statement #0 of the trust policy of arn:aws:iam::111111111111:role/open-reader lets in every"
                ),
            "{command}: {stderr}"
        );
        // The organization condition narrows `*`: no finding for org-reader.
        assert!(!stderr.contains("role/org-reader lets in"), "{stderr}");
    }
}

#[test]
fn a_public_bucket_is_reachable_by_anyone_unless_block_public_access_cuts_it_off() {
    let manifest = |restrict: bool| {
        format!(
            r#"[[account]]
id = "111111111111"

[[bucket]]
name = "open-data"
account = "111111111111"
policy = {{ inline = '''{{"Version": "2012-10-17", "Statement": [{{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-data/*"}}]}}''' }}
block_public_access = {{ RestrictPublicBuckets = {restrict} }}
"#
        )
    };
    let open = scenario("public-open", &manifest(false));
    let (_, answer) = who_can_json(
        open.to_str().unwrap(),
        "s3:GetObject",
        "arn:aws:s3:::open-data/x",
    );
    assert!(
        principals(&answer)
            .iter()
            .any(|principal| principal.starts_with("anyone, anonymous requests included")),
        "{answer:#}"
    );
    let restricted = scenario("public-restricted", &manifest(true));
    let (_, answer) = who_can_json(
        restricted.to_str().unwrap(),
        "s3:GetObject",
        "arn:aws:s3:::open-data/x",
    );
    // "Nobody can" is an answer: its exit code is not bad input (who_can_json checks).
    assert!(principals(&answer).is_empty(), "{answer:#}");
}

#[test]
fn a_role_only_a_service_assumes_is_answered_with_the_service() {
    let (code, answer) = who_can_json(
        EXPORT,
        "sts:AssumeRole",
        "arn:aws:iam::111111111111:role/glue-job",
    );
    assert_eq!(code, 0, "{answer:#}");
    let service = &answer["principals"][0];
    assert_eq!(service["kind"], "service");
    assert_eq!(service["principal"], "glue.amazonaws.com");
    assert_eq!(
        service["through"],
        serde_json::json!(["iam:PassRole by arn:aws:iam::111111111111:user/deployer"])
    );
    let (_, answer) = who_can_json(EXPORT, "s3:GetObject", "arn:aws:s3:::reports/q1.csv");
    let ec2 = answer["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|reach| reach["principal"] == "ec2.amazonaws.com")
        .unwrap_or_else(|| panic!("{answer:#}"));
    assert_eq!(
        ec2["through"],
        serde_json::json!([
            "instance profile arn:aws:iam::111111111111:instance-profile/ec2-reader"
        ])
    );
}

#[test]
fn one_bad_entity_is_left_out_and_the_rest_answers() {
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        EXPORT,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::reports/q1.csv",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("`arn:aws:iam::aws:user/broken` is not an IAM user ARN"),
        "{stderr}"
    );
    assert!(
        stdout.contains("left out: user arn:aws:iam::aws:user/broken"),
        "{stdout}"
    );
    let (code, _, stderr) = xacct(&["check", EXPORT]);
    assert_ne!(code, 2, "{stderr}");
    assert!(
        stderr.contains("left out: user `arn:aws:iam::aws:user/broken`"),
        "{stderr}"
    );
    // validate still reports the error.
    let (code, _, _) = xacct(&["validate", EXPORT]);
    assert_eq!(code, 1);
}

#[test]
fn import_writes_to_a_bare_file_name() {
    let dir = scratch("import-bare");
    let export = workspace_root().join(EXPORT).join("authorization.json");
    let (code, _, stderr) = xacct_in(
        &dir,
        &["import", export.to_str().unwrap(), "--output", "xacct.toml"],
    );
    assert_eq!(code, 0, "{stderr}");
    let manifest = std::fs::read_to_string(dir.join("xacct.toml")).unwrap();
    assert!(
        manifest.contains("kind = \"authorization-details\""),
        "{manifest}"
    );
    // The export lies outside the new scenario's folder: reading it takes `--allow-outside`.
    let (code, _, stderr) = xacct_in(
        &dir,
        &["check", ".", "--allow-outside", export.to_str().unwrap()],
    );
    assert_ne!(code, 2, "{stderr}");
}

/// The kind of document a fix's target is, for `xacct validate --kind`.
fn kind_of(target: &Value) -> Option<&'static str> {
    Some(match target["kind"].as_str()? {
        "trustPolicy" => "trust",
        "identityPolicy" => "identity",
        "permissionBoundary" => "boundary",
        "serviceControlPolicy" => "scp",
        "bucketPolicy" | "keyPolicy" | "streamPolicy" | "consumerPolicy" | "customerManagedKey" => {
            "resource"
        }
        _ => return None,
    })
}

/// Every fix with a statement anywhere in a `check --format json` report.
fn fixes(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("target") && map.contains_key("statement") {
                out.push(value.clone());
            }
            map.values().for_each(|inner| fixes(inner, out));
        }
        Value::Array(items) => items.iter().for_each(|inner| fixes(inner, out)),
        _ => {}
    }
}

/// Every object with `"severity": "error"` in a `validate --format json` report, whatever
/// its envelope.
fn errors_in(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if map.get("severity").and_then(Value::as_str) == Some("error") {
                out.push(value.clone());
            }
            map.values().for_each(|inner| errors_in(inner, out));
        }
        Value::Array(items) => items.iter().for_each(|inner| errors_in(inner, out)),
        _ => {}
    }
}

/// The questions whose fixes are checked: `check` of every broken example, and explain
/// questions of this file's own scenarios that are denied.
fn fix_sources() -> Vec<Vec<String>> {
    let mut folders: Vec<PathBuf> = Vec::new();
    for example in std::fs::read_dir(workspace_root().join("examples")).unwrap() {
        let broken = example.unwrap().path().join("broken");
        if let Ok(entries) = std::fs::read_dir(&broken) {
            folders.extend(entries.map(|entry| entry.unwrap().path()));
        }
    }
    folders.sort();
    assert!(folders.len() >= 20, "{folders:?}");
    let mut out: Vec<Vec<String>> = folders
        .iter()
        .map(|folder| vec!["check".to_owned(), folder.display().to_string()])
        .collect();
    let role = |name: &str| format!("arn:aws:iam::111111111111:role/{name}");
    for question in [
        vec![
            "--from",
            &role("analytics"),
            "--action",
            "s3:ListAllMyBuckets",
            "--resource",
            "*",
        ],
        vec![
            "--from",
            &role("glue-job"),
            "--write",
            "s3://reports/daily/",
        ],
        vec![
            "--from",
            "arn:aws:iam::111111111111:user/deployer",
            "--action",
            "sts:AssumeRole",
            "--resource",
            &role("analytics"),
        ],
    ] {
        let mut command = vec!["explain".to_owned(), EXPORT.to_owned()];
        command.extend(question.iter().map(|part| (*part).to_owned()));
        out.push(command);
    }
    out
}

#[test]
fn every_printed_fix_passes_the_validator_of_its_kind() {
    let dir = scratch("fixes");
    let mut checked = 0;
    for mut command in fix_sources() {
        command.extend(["--format".to_owned(), "json".to_owned()]);
        let arguments: Vec<&str> = command.iter().map(String::as_str).collect();
        let (_, stdout, stderr) = xacct(&arguments);
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|_| panic!("{command:?}: {stdout}{stderr}"));
        let mut found = Vec::new();
        fixes(&report, &mut found);
        for fix in found {
            let Some(kind) = kind_of(&fix["target"]) else {
                continue;
            };
            let document =
                serde_json::json!({"Version": "2012-10-17", "Statement": [fix["statement"]]});
            let file = dir.join(format!("fix-{checked}.json"));
            std::fs::write(&file, serde_json::to_string_pretty(&document).unwrap()).unwrap();
            let (code, stdout, _) = xacct(&[
                "validate",
                "--kind",
                kind,
                file.to_str().unwrap(),
                "--format",
                "json",
            ]);
            let mut errors = Vec::new();
            errors_in(&serde_json::from_str(&stdout).unwrap(), &mut errors);
            assert!(
                errors.is_empty() && code != 2,
                "{command:?}: the fix {fix:#} is rejected: {errors:#?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 18, "only {checked} fixes checked");
}

#[test]
fn who_can_on_an_iam_only_export_reads_as_a_whole() {
    let (code, stdout, _) = xacct(&[
        "who-can",
        "--at",
        "2026-12-07T09:00:00Z",
        EXPORT,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::reports/q1.csv",
    ]);
    insta::assert_snapshot!(format!("exit: {code}\n{stdout}"));
}
