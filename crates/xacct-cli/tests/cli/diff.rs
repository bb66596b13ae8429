//! `xacct diff` end to end on hand-made before/after pairs, one per kind of change: its text,
//! JSON and SARIF, its exit codes, and the property that it lists exactly what `xacct who-can`
//! answers differently on the two sides.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a test that cannot run its command fails"
)]

use super::{workspace_root, xacct, AT};
use serde_json::Value;
use std::collections::BTreeSet;

const PAIRS: [&str; 10] = [
    "trust-widened",
    "trust-opened",
    "bucket-policy-narrowed",
    "scp-added",
    "lf-grant-revoked",
    "key-policy-edited",
    "bucket-made-public",
    "access-point-policy-narrowed",
    "access-point-reader-narrowed",
    "no-change",
];

fn side(pair: &str, side: &str) -> String {
    format!("crates/xacct-cli/tests/fixtures/diff/{pair}/{side}")
}

fn diff(pair: &str, extra: &[&str]) -> (i32, String, String) {
    let (before, after) = (side(pair, "before"), side(pair, "after"));
    let mut arguments = vec!["diff", &before, &after, "--at", AT];
    arguments.extend(extra);
    xacct(&arguments)
}

#[test]
fn diff_text_of_each_kind_of_change() {
    for pair in PAIRS {
        let (code, stdout, stderr) = diff(pair, &[]);
        assert_eq!(code, 0, "{pair}: {stderr}");
        insta::assert_snapshot!(format!("diff_text_{pair}"), stdout);
    }
}

#[test]
fn diff_json_of_a_widened_trust() {
    let (code, stdout, stderr) = diff("trust-widened", &["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["command"], "diff");
    insta::assert_snapshot!(stdout);
}

#[test]
fn diff_sarif_of_a_bucket_made_public() {
    let (code, stdout, stderr) = diff("bucket-made-public", &["--format", "sarif"]);
    assert_eq!(code, 0, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    let results = value["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|result| result["ruleId"] == "new-public-access"));
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    insta::assert_snapshot!(stdout.replace(&version, "\"[version]\""));
}

#[test]
fn diff_exits_per_fail_on() {
    for (pair, fail_on, expected) in [
        ("trust-widened", "new-access", 1),
        ("trust-widened", "lost-access", 0),
        ("trust-widened", "any", 1),
        ("scp-added", "new-access", 0),
        ("scp-added", "lost-access", 1),
        ("no-change", "any", 0),
    ] {
        let (code, _, stderr) = diff(pair, &["--fail-on", fail_on]);
        assert_eq!(code, expected, "{pair} --fail-on {fail_on}: {stderr}");
    }
}

#[test]
fn diff_of_a_folder_that_is_no_scenario_is_bad_input() {
    let (code, stdout, stderr) = xacct(&[
        "diff",
        "crates/xacct-cli/tests/fixtures/diff/no-such-folder",
        &side("no-change", "after"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 2, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert!(value["error"].is_string(), "{stdout}");
}

/// Who `xacct who-can` says can do `action` on `resource` in a scenario folder.
fn who_can(folder: &str, action: &str, resource: &str) -> BTreeSet<String> {
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        folder,
        "--action",
        action,
        "--resource",
        resource,
        "--at",
        AT,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{folder} {action} {resource}: {stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    value["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reach| reach["principal"].as_str().unwrap().to_owned())
        .collect()
}

type Key = (String, String, String);

fn keys(changes: &Value) -> BTreeSet<Key> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            (
                change["principal"].as_str().unwrap().to_owned(),
                change["action"].as_str().unwrap().to_owned(),
                change["resource"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The diff lists exactly what who-can answers differently on the two sides, for every
/// question of both worlds. A table's access also needs Lake Formation, which who-can does not
/// decide: there, what the diff lists must at least be in who-can's IAM answer of its side.
#[test]
fn diff_equals_the_set_difference_of_the_who_can_answers() {
    for pair in PAIRS {
        let (before, after) = (side(pair, "before"), side(pair, "after"));
        let load = |folder: &str| {
            xacct_world::load(&workspace_root().join(folder))
                .unwrap()
                .world
        };
        let questions = xacct_paths::diff::questions::of_worlds(&load(&before), &load(&after));
        let (code, stdout, stderr) = diff(pair, &["--format", "json", "--everything"]);
        assert_eq!(code, 0, "{pair}: {stderr}");
        let found: Value = serde_json::from_str(&stdout).unwrap();
        let (gained, lost) = (keys(&found["gained"]), keys(&found["lost"]));
        let mut expected_gained = BTreeSet::new();
        let mut expected_lost = BTreeSet::new();
        for question in &questions {
            let ask = |folder: &str, world_has: bool| {
                if world_has {
                    who_can(folder, &question.action, &question.resource)
                } else {
                    BTreeSet::new()
                }
            };
            let was = ask(&before, question.subject.exists_in(&load(&before)));
            let is = ask(&after, question.subject.exists_in(&load(&after)));
            let key = |principal: &String| {
                (
                    principal.clone(),
                    question.action.clone(),
                    question.resource.clone(),
                )
            };
            if question.subject.table().is_some() {
                for (listed, side_answer) in [(&gained, &is), (&lost, &was)] {
                    for (principal, action, resource) in listed {
                        if *action == question.action && *resource == question.resource {
                            assert!(side_answer.contains(principal), "{pair}: {principal}");
                        }
                    }
                }
                continue;
            }
            expected_gained.extend(is.difference(&was).map(key));
            expected_lost.extend(was.difference(&is).map(key));
        }
        let not_tables = |keys: &BTreeSet<Key>| -> BTreeSet<Key> {
            keys.iter()
                .filter(|(_, action, _)| !action.starts_with("glue:"))
                .cloned()
                .collect()
        };
        assert_eq!(not_tables(&gained), expected_gained, "{pair}: gained");
        assert_eq!(not_tables(&lost), expected_lost, "{pair}: lost");
    }
}

/// `diff DIR --terraform plan.json`: the plan's prior state and planned values over the
/// folder are the two sides. The Kinesis plan adds the policy that lets the reader role get
/// records, so access is gained and none lost; the same folder against itself changes nothing.
#[test]
fn diff_of_a_terraform_plan_is_prior_state_against_planned_values() {
    let dir = "crates/xacct-cli/tests/fixtures/terraform/kinesis-role-chain";
    let plan = format!("{dir}/plan.json");
    let (code, stdout, stderr) = xacct(&[
        "diff",
        dir,
        "--terraform",
        &plan,
        "--format",
        "json",
        "--at",
        AT,
        "--fail-on",
        "new-access",
    ]);
    assert_eq!(code, 1, "the plan gives access: {stderr}");
    let document: Value = serde_json::from_str(&stdout).unwrap();
    let gained = document["gained"].as_array().unwrap();
    assert!(
        gained.iter().any(|change| change["principal"]
            == "arn:aws:iam::111111111111:role/DatabricksToKinesisAssumeRole"
            && change["action"] == "kinesis:GetRecords"
            && change["chain"][0] == "arn:aws:iam::222222222222:role/KinesisCrossAccountRole"),
        "the cluster's role gains the read through the role the plan grants: {gained:?}"
    );
    assert!(document["lost"].as_array().unwrap().is_empty());
    assert_eq!(document["terraform"], plan.as_str());

    let (code, _, stderr) = xacct(&["diff", dir, "--terraform", &plan, dir]);
    assert_eq!(
        code, 2,
        "AFTER and --terraform together are refused: {stderr}"
    );
    let (code, _, stderr) = xacct(&["diff", dir]);
    assert_eq!(
        code, 2,
        "without AFTER or --terraform there is nothing to diff: {stderr}"
    );
}

/// `diff DIR --terraform PLAN` reads the scenario and the plan twice (prior state, planned
/// values): a problem of the plan is reported once, and a plan that cannot be read stops after
/// the first side (one message, one JSON document).
#[test]
fn a_bad_plan_is_reported_once() {
    let dir = "crates/xacct-cli/tests/fixtures/terraform/kinesis-role-chain";
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-bad-plan");
    std::fs::create_dir_all(&scratch).unwrap();
    let not_json = scratch.join("not-json.json");
    std::fs::write(&not_json, "not json\n").unwrap();
    let not_json = not_json.to_str().unwrap();
    let (code, stdout, stderr) = xacct(&["diff", dir, "--terraform", not_json, "--at", AT]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("not JSON").count(), 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (code, stdout, _) = xacct(&[
        "diff",
        dir,
        "--terraform",
        not_json,
        "--format",
        "json",
        "--at",
        AT,
    ]);
    assert_eq!(code, 2);
    // One document: a second would make this parse fail on trailing characters.
    let document: Value = serde_json::from_str(&stdout).unwrap();
    assert!(document["error"].as_str().unwrap().contains("not JSON"));

    // A role's trust policy broken on both sides of the plan: one finding, one summary.
    let original: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join(dir).join("plan.json")).unwrap(),
    )
    .unwrap();
    let mut plan = original.clone();
    let mut broken = 0;
    for side in [
        "/planned_values/root_module/resources",
        "/prior_state/values/root_module/resources",
    ] {
        for resource in plan.pointer_mut(side).unwrap().as_array_mut().unwrap() {
            if resource["address"] == "aws_iam_role.reader" {
                let trust = resource["values"]["assume_role_policy"].as_str().unwrap();
                resource["values"]["assume_role_policy"] =
                    Value::from(trust.replacen("\"Allow\"", "\"Alow\"", 1));
                broken += 1;
            }
        }
    }
    assert_eq!(broken, 2, "the role is on both sides");
    let bad = scratch.join("bad-trust.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    let (code, stdout, stderr) = xacct(&[
        "diff",
        dir,
        "--terraform",
        bad.to_str().unwrap(),
        "--at",
        AT,
    ]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(
        stderr.matches("xacct::invalid-effect").count(),
        1,
        "{stderr}"
    );
    assert_eq!(stderr.matches("error(s); fix them").count(), 1, "{stderr}");

    // A warning on both sides (a trust naming a role the world lacks) that does not stop the
    // diff: shown once.
    let mut plan = original;
    for side in [
        "/planned_values/root_module/resources",
        "/prior_state/values/root_module/resources",
    ] {
        for resource in plan.pointer_mut(side).unwrap().as_array_mut().unwrap() {
            if resource["address"] == "aws_iam_role.reader" {
                let mut trust: Value = serde_json::from_str(
                    resource["values"]["assume_role_policy"].as_str().unwrap(),
                )
                .unwrap();
                trust["Statement"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:role/nobody"},
                        "Action": "sts:AssumeRole"
                    }));
                resource["values"]["assume_role_policy"] = Value::from(trust.to_string());
            }
        }
    }
    let warned = scratch.join("warned.json");
    std::fs::write(&warned, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    let warned = warned.to_str().unwrap();
    let (code, _, stderr) = xacct(&["diff", dir, "--terraform", warned, "--at", AT]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr.matches("xacct::dangling-principal").count(),
        1,
        "{stderr}"
    );
    let (_, stdout, _) = xacct(&[
        "diff",
        dir,
        "--terraform",
        warned,
        "--format",
        "json",
        "--at",
        AT,
    ]);
    let document: Value = serde_json::from_str(&stdout).unwrap();
    let dangling = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "dangling-principal")
        .count();
    assert_eq!(dangling, 1, "{stdout}");
}

#[test]
fn diff_of_lake_settings_that_leave_out_emr_names_the_cluster() {
    let arguments = [
        "diff",
        "examples/emr-runtime-role",
        "examples/emr-runtime-role/broken/lake-settings-leave-out-emr",
        "--at",
        AT,
    ];
    let (code, stdout, stderr) = xacct(&arguments);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
    let mut failing = arguments.to_vec();
    failing.extend(["--fail-on", "lost-access", "--format", "json"]);
    let (code, stdout, stderr) = xacct(&failing);
    assert_eq!(code, 1, "{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap();
    let lost = value["lost"].as_array().unwrap();
    assert_eq!(lost.len(), 1, "{stdout}");
    assert_eq!(lost[0]["kind"], "compute");
    assert_eq!(lost[0]["principal"], "compute:etl");
    assert_eq!(lost[0]["action"], "lakeformation:GetDataAccess");
}

/// A copy of the EMRFS example whose compute has a name holding a quote, `;`, `$(...)`, a
/// newline and an escape sequence, with `edit` applied to its manifest.
fn hostile_emrfs_copy(into: &std::path::Path, edit: impl Fn(String) -> String) {
    let from = workspace_root().join("examples/emrfs-role-mapping");
    for folder in ["", "policies", "emr"] {
        std::fs::create_dir_all(into.join(folder)).unwrap();
        for entry in std::fs::read_dir(from.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, into.join(folder).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let manifest = std::fs::read_to_string(into.join("xacct.toml"))
        .unwrap()
        .replace(r#"name = "writer""#, r#"name = "w\"r;$(id)\nz\u001b[31m""#)
        .replace(
            r#""compute:writer""#,
            r#""compute:w\"r;$(id)\nz\u001b[31m""#,
        );
    std::fs::write(into.join("xacct.toml"), edit(manifest)).unwrap();
}

#[test]
fn diff_of_a_compute_named_with_a_newline_keeps_each_line_one_line() {
    let work = tempfile::tempdir().unwrap();
    let (before, after) = (work.path().join("before"), work.path().join("after"));
    hostile_emrfs_copy(&before, |manifest| manifest);
    // Without its security configuration the cluster has no EMRFS mapping to the other
    // account's role: it loses the bucket.
    hostile_emrfs_copy(&after, |manifest| {
        manifest.replace(
            "security_configuration = \"emr/security-configuration.json\"\n",
            "",
        )
    });
    let (code, stdout, stderr) = xacct(&[
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--at",
        AT,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(r#"compute w"r;$(id)\nz\u{1b}[31m (as "#),
        "{stdout}"
    );
    assert!(stdout.contains("changed settings of compute w"), "{stdout}");
    for line in stdout.lines() {
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(!line.starts_with('z'), "a name broke its line: {stdout}");
    }
}
