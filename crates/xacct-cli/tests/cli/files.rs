//! Files stay where they belong: a scenario, a request or a folder of exports reads only
//! regular files of a sane size inside its root (the git repository around it, or its
//! folder), unless `--allow-outside PATH` says otherwise, and never echoes a refused file.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot set up its files fails"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder under the system temp dir holding `scenario/` (a git repository of its
/// own, so the root does not depend on where the temp dir sits) and files beside it.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xacct-cli-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenario/.git")).unwrap();
    dir
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// A scenario whose one role reads its trust policy from `trust`.
fn scenario_with_trust(dir: &Path, trust: &str) -> PathBuf {
    let scenario = dir.join("scenario");
    let manifest = format!(
        "[[account]]\nid = \"111111111111\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/A\"\ntrust = {}\n",
        toml_string(trust)
    );
    std::fs::write(scenario.join("xacct.toml"), manifest).unwrap();
    scenario
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn xacct(arguments: &[&str], secret: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xacct"));
    command.args(arguments).env("NO_COLOR", "1");
    if let Some(secret) = secret {
        command.env("XACCT_TEST_SECRET", secret);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        flat(&String::from_utf8_lossy(&output.stdout)),
        flat(&String::from_utf8_lossy(&output.stderr)),
    )
}

/// The output with miette's line wrapping undone, so that a message reads as one line.
fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every command that loads a scenario, with the arguments it needs.
fn scenario_commands(scenario: &str) -> Vec<Vec<String>> {
    let own = |words: &[&str]| words.iter().map(|word| (*word).to_owned()).collect();
    let mut commands: Vec<Vec<String>> = vec![
        own(&["check"]),
        own(&["validate"]),
        own(&["graph"]),
        own(&["plan"]),
        own(&[
            "who-can",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
        ]),
        own(&[
            "explain",
            "--from",
            "arn:aws:iam::111111111111:role/A",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
        ]),
    ];
    for command in &mut commands {
        command.insert(1.min(command.len()), scenario.to_owned());
    }
    commands
}

#[test]
fn proc_self_environ_is_refused_and_never_echoed_by_any_command() {
    let dir = scratch("environ");
    let scenario = scenario_with_trust(&dir, "/proc/self/environ");
    let secret = "s3cr3t-value-that-must-not-leak-4242";
    for command in scenario_commands(scenario.to_str().unwrap()) {
        let arguments: Vec<&str> = command.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = xacct(&arguments, Some(secret));
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "`xacct {}` printed the environment:\n{stdout}\n{stderr}",
            arguments.join(" ")
        );
        assert!(
            !stderr.contains("XACCT_TEST_SECRET") && !stdout.contains("XACCT_TEST_SECRET"),
            "`xacct {}` echoed the file",
            arguments.join(" ")
        );
        if cfg!(target_os = "linux") {
            // `validate` reports the refusal as a finding (exit 1); the others cannot go on.
            let expected = if command[0] == "validate" { 1 } else { 2 };
            assert_eq!(code, expected, "`xacct {}`:\n{stderr}", arguments.join(" "));
            let said = format!("{stdout}{stderr}");
            assert!(said.contains("lies outside"), "{said}");
            assert!(said.contains("--allow-outside"), "{said}");
        }
    }
}

#[test]
fn a_path_leaving_the_scenario_is_refused_unless_allowed() {
    let dir = scratch("dotdot");
    std::fs::write(dir.join("trust.json"), TRUST).unwrap();
    let scenario = scenario_with_trust(&dir, "../trust.json");
    let scenario = scenario.to_str().unwrap();
    let (code, _, stderr) = xacct(&["check", scenario], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("xacct::file-refused"), "{stderr}");
    assert!(stderr.contains("trust.json` lies outside"), "{stderr}");

    let outside = dir.join("trust.json");
    let (code, _, stderr) = xacct(
        &[
            "check",
            scenario,
            "--allow-outside",
            outside.to_str().unwrap(),
        ],
        None,
    );
    assert!(!stderr.contains("file-refused"), "{stderr}");
    // Loaded and checked: the scenario has nothing to verify, so check exits 1, never 2.
    assert_eq!(code, 1, "{stderr}");
    // A folder allows everything under it, and the option may come before the command.
    let (code, _, stderr) = xacct(
        &[
            "--allow-outside",
            dir.to_str().unwrap(),
            "validate",
            scenario,
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_file_elsewhere_in_the_repository_is_read() {
    let dir = scratch("repository");
    std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
    std::fs::create_dir_all(dir.join("repo/policies")).unwrap();
    std::fs::create_dir_all(dir.join("repo/scenarios/one")).unwrap();
    std::fs::write(dir.join("repo/policies/trust.json"), TRUST).unwrap();
    std::fs::write(
        dir.join("repo/scenarios/one/xacct.toml"),
        "[[account]]\nid = \"111111111111\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/A\"\ntrust = \"../../policies/trust.json\"\n",
    )
    .unwrap();
    let (code, _, stderr) = xacct(
        &["validate", dir.join("repo/scenarios/one").to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_scenario_is_judged_by_its_target() {
    let dir = scratch("symlink");
    std::fs::write(dir.join("trust.json"), TRUST).unwrap();
    let scenario = scenario_with_trust(&dir, "trust.json");
    std::os::unix::fs::symlink(dir.join("trust.json"), scenario.join("trust.json")).unwrap();
    let (code, _, stderr) = xacct(&["check", scenario.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("lies outside"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_never_read() {
    let dir = scratch("fifo");
    let scenario = scenario_with_trust(&dir, "pipe.json");
    let made = Command::new("mkfifo")
        .arg(scenario.join("pipe.json"))
        .status()
        .unwrap();
    assert!(made.success());
    // Reading the FIFO would block forever: the command must come back with an error.
    let (code, _, stderr) = xacct(&["check", scenario.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not a regular file (it is a named pipe)"),
        "{stderr}"
    );

    let scenario = scenario_with_trust(&dir, "/dev/zero");
    let (code, _, stderr) = xacct(
        &[
            "check",
            scenario.to_str().unwrap(),
            "--allow-outside",
            "/dev",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is not a regular file (it is a character device)"),
        "{stderr}"
    );
}

#[test]
fn a_policy_past_one_mebibyte_is_refused_with_the_cap() {
    let dir = scratch("large");
    let scenario = scenario_with_trust(&dir, "big.json");
    let mut big = String::from(TRUST);
    big.push_str(&" ".repeat(1 << 20));
    std::fs::write(scenario.join("big.json"), big).unwrap();
    let (code, _, stderr) = xacct(&["check", scenario.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is larger than 1 MiB, the most xacct reads for a policy file"),
        "{stderr}"
    );
}

#[test]
fn eval_file_references_are_relative_to_the_request_and_confined() {
    let dir = scratch("eval");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    std::fs::write(dir.join("outside.json"), policy).unwrap();
    std::fs::write(dir.join("scenario/inside.json"), policy).unwrap();
    let request = |file: &str| {
        format!(
            r#"{{"principal":"arn:aws:iam::111111111111:role/A","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resourceAccount":"111111111111","identityPolicies":[{{"file":"{file}"}}]}}"#
        )
    };
    let inside = dir.join("scenario/inside-request.json");
    std::fs::write(&inside, request("inside.json")).unwrap();
    let (code, stdout, stderr) = xacct(&["eval", inside.to_str().unwrap()], None);
    assert_eq!(code, 0, "{stdout}{stderr}");

    let outside = dir.join("scenario/outside-request.json");
    std::fs::write(&outside, request("../outside.json")).unwrap();
    let (code, stdout, stderr) = xacct(&["eval", outside.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("lies outside"),
        "{stdout}{stderr}"
    );
    let (code, stdout, stderr) = xacct(
        &[
            "eval",
            outside.to_str().unwrap(),
            "--allow-outside",
            dir.join("outside.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[cfg(unix)]
#[test]
fn import_does_not_follow_a_folder_out_of_itself() {
    let dir = scratch("import");
    let export = r#"{"RoleDetailList":[{"Path":"/","RoleName":"A","RoleId":"AROAEXAMPLE","Arn":"arn:aws:iam::111111111111:role/A","CreateDate":"2026-01-01T00:00:00Z","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},"RolePolicyList":[],"AttachedManagedPolicies":[]}],"UserDetailList":[],"GroupDetailList":[],"Policies":[]}"#;
    std::fs::write(dir.join("secret-export.json"), export).unwrap();
    let exports = dir.join("scenario/exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::os::unix::fs::symlink(dir.join("secret-export.json"), exports.join("auth.json")).unwrap();
    let (code, stdout, stderr) = xacct(&["import", exports.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("lies outside"), "{stderr}");
    let (code, stdout, stderr) = xacct(
        &[
            "import",
            exports.to_str().unwrap(),
            "--allow-outside",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("authorization-details"), "{stdout}");

    // A pipe named on the command line is refused, not read.
    let pipe = dir.join("pipe.json");
    assert!(Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap()
        .success());
    let (code, _, stderr) = xacct(&["import", pipe.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn import_names_the_exports_a_scenario_must_be_allowed_to_read() {
    let dir = scratch("import-hint");
    let exports = dir.join("my exports");
    std::fs::create_dir_all(&exports).unwrap();
    let export = r#"{"RoleDetailList":[{"Path":"/","RoleName":"A","RoleId":"AROAEXAMPLE","Arn":"arn:aws:iam::111111111111:role/A","CreateDate":"2026-01-01T00:00:00Z","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]},"RolePolicyList":[],"AttachedManagedPolicies":[]}],"UserDetailList":[],"GroupDetailList":[],"Policies":[]}"#;
    std::fs::write(exports.join("auth.json"), export).unwrap();
    let manifest = dir.join("scenario/xacct.toml");
    let (code, _, stderr) = xacct(
        &[
            "import",
            exports.to_str().unwrap(),
            "--output",
            manifest.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let canonical = std::fs::canonicalize(&exports).unwrap();
    let hint = format!("--allow-outside '{}'", canonical.display());
    assert!(stderr.contains(&hint), "{stderr}");
    let scenario = dir.join("scenario");
    let (code, _, stderr) = xacct(&["check", scenario.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = xacct(
        &[
            "check",
            scenario.to_str().unwrap(),
            "--allow-outside",
            canonical.to_str().unwrap(),
        ],
        None,
    );
    assert_ne!(code, 2, "{stderr}");
}
