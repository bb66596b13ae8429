//! `xacct plan` and `xacct check` on scenarios with several intents, end to end: the plan in
//! every format (snapshots), `--output DIR` for every format and never outside DIR, names AWS
//! refuses stopped at load, generated external ids, and intents as checks.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use super::xacct;
use std::path::{Component, Path, PathBuf};

const TWO_INTENTS: &str = "crates/xacct-plan/tests/fixtures/two-intents";

/// A fresh folder under the system's temporary folder, inside a parent that the test
/// watches for files written outside it.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let parent = std::env::temp_dir().join(format!("xacct-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&parent);
    let inner = parent.join("a/b/c/out");
    std::fs::create_dir_all(&inner).unwrap();
    (parent, inner)
}

/// Every file under `root`, relative to it.
fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn plan_of_several_intents_in_every_format() {
    for format in ["json", "terraform", "cli", "runbook"] {
        let (code, stdout, stderr) = xacct(&["plan", TWO_INTENTS, "--format", format]);
        assert_eq!(code, 0, "{format}: {stderr}");
        insta::assert_snapshot!(format!("two_intents_{format}"), stdout);
    }
}

#[test]
fn output_writes_every_format_as_files() {
    let (parent, out) = scratch("plan-formats");
    let expected: [(&str, &[&str]); 4] = [
        (
            "terraform",
            &["111111111111/main.tf", "222222222222/main.tf"],
        ),
        ("cli", &["111111111111.sh", "222222222222.sh", "run-all.sh"]),
        ("runbook", &["runbook.md"]),
        (
            "json",
            &[
                "111111111111/roles/etl/xacct-plan.json",
                "222222222222/buckets/lake-b/bucket-policy.json",
                "222222222222/keys/1234abcd-12ab-34cd-56ef-1234567890ab/key-policy.json",
                "222222222222/roles/lake-reader/trust-policy.json",
                "222222222222/roles/lake-reader/xacct-plan.json",
            ],
        ),
    ];
    for (format, wanted) in expected {
        let folder = out.join(format);
        let (code, stdout, stderr) = xacct(&[
            "plan",
            TWO_INTENTS,
            "--format",
            format,
            "--output",
            folder.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{format}: {stderr}");
        assert!(stdout.is_empty(), "{format}: {stdout}");
        assert_eq!(files(&folder), wanted, "{format}");
    }
    // The account scripts run in the plan's order, and every file is what stdout prints.
    let order = std::fs::read_to_string(out.join("cli/run-all.sh")).unwrap();
    let data = order.find("sh ./222222222222.sh").unwrap();
    let compute = order.find("sh ./111111111111.sh").unwrap();
    assert!(data < compute, "{order}");
    let (_, runbook, _) = xacct(&["plan", TWO_INTENTS, "--format", "runbook"]);
    assert_eq!(
        std::fs::read_to_string(out.join("runbook/runbook.md")).unwrap(),
        runbook
    );
    let main = std::fs::read_to_string(out.join("terraform/222222222222/main.tf")).unwrap();
    assert!(main.contains("import {"), "{main}");
    assert!(!main.contains("account_111111111111"), "{main}");
    let _ = std::fs::remove_dir_all(&parent);
}

#[test]
fn output_never_writes_outside_the_folder() {
    let (parent, out) = scratch("plan-escape");
    for format in ["json", "terraform", "cli", "runbook"] {
        let (code, _, stderr) = xacct(&[
            "plan",
            "crates/xacct-cli/tests/fixtures/plan-hostile-compute",
            "--format",
            format,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{format}: {stderr}");
    }
    let everything = files(&parent);
    assert!(!everything.is_empty());
    for file in &everything {
        assert!(
            file.starts_with("a/b/c/out/"),
            "{file} is outside the output folder"
        );
        assert!(Path::new(file)
            .components()
            .all(|part| matches!(part, Component::Normal(_))));
    }
    assert!(
        everything
            .iter()
            .any(|file| file.contains("compute/_.._.._.._x/")),
        "{everything:?}"
    );
    let _ = std::fs::remove_dir_all(&parent);
}

/// A symbolic link already in the folder does not lead the files out of it.
#[cfg(unix)]
#[test]
fn output_does_not_follow_a_link_out_of_the_folder() {
    let (parent, out) = scratch("plan-link");
    let elsewhere = parent.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("222222222222")).unwrap();
    let (code, _, stderr) = xacct(&[
        "plan",
        TWO_INTENTS,
        "--format",
        "terraform",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a symbolic link leads outside"), "{stderr}");
    assert!(files(&elsewhere).is_empty());
    let _ = std::fs::remove_dir_all(&parent);
}

#[test]
fn names_aws_refuses_are_errors_at_load() {
    // Text formats report load errors on stderr (JSON would carry them in its document).
    let (code, stdout, stderr) = xacct(&[
        "plan",
        "crates/xacct-cli/tests/fixtures/plan-bad-names",
        "--format",
        "runbook",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    for (code, place, rule) in [
        (
            "invalid-name",
            "xacct.toml:11:7",
            "the role name `etl$(id)` holds '$'",
        ),
        (
            "invalid-bucket-name",
            "xacct.toml:15:8",
            "the bucket name `lake-b;touch PWNED;` holds ';'",
        ),
        (
            "invalid-external-id",
            "xacct.toml:26:15",
            "the external id `it's $(id)` holds",
        ),
    ] {
        assert!(stderr.contains(code), "{code}: {stderr}");
        assert!(stderr.contains(place), "{place}: {stderr}");
        assert!(stderr.contains(rule), "{rule}: {stderr}");
    }
    assert!(stderr.contains("3 error(s)"), "{stderr}");
}

#[test]
fn a_generated_external_id_is_drawn_anew_and_must_be_pinned() {
    let folder = "crates/xacct-cli/tests/fixtures/plan-generated-external-id";
    let id = |stderr: &str| -> String {
        let start = stderr.find("generated the external id ").unwrap() + 26;
        stderr[start..].split(';').next().unwrap().to_owned()
    };
    let (code, first_out, first_err) = xacct(&["plan", folder, "--format", "cli"]);
    assert_eq!(code, 0, "{first_err}");
    let (_, second_out, second_err) = xacct(&["plan", folder, "--format", "cli"]);
    let (first, second) = (id(&first_err), id(&second_err));
    assert_ne!(first, second, "each run draws a new id");
    assert!(first.starts_with("xacct-") && first.len() == 38, "{first}");
    assert!(first_err.contains(&format!(
        "pin it in the manifest with `external_id = \"{first}\"`"
    )));
    assert!(first_out.contains(&format!("\"sts:ExternalId\":\"{first}\"")));
    assert!(second_out.contains(&second));
}

#[test]
fn check_runs_the_intents() {
    let (code, stdout, stderr) = xacct(&["check", TWO_INTENTS]);
    assert_eq!(code, 1, "{stderr}");
    let intents: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL  intent "))
        .collect();
    assert_eq!(intents.len(), 6, "{stdout}");
    for line in intents {
        assert!(
            line.contains("not yet met: `xacct plan` writes what it needs"),
            "{line}"
        );
    }
    let (code, stdout, _) = xacct(&["check", TWO_INTENTS, "--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["passed"], false);
    // The scenarios without intents are checked as before.
    let (code, _, stderr) = xacct(&["check", "examples/s3-role-chain"]);
    assert_eq!(code, 0, "{stderr}");
}
