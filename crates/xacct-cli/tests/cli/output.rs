//! How the `xacct` binary behaves at its edges, with real processes and real pipes: a reader
//! that goes away, machine output when the input is broken, colour, `--quiet`, standard input,
//! file encodings, very long lines, completions and "did you mean".
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test that cannot run its command fails"
)]

use super::{workspace_root, AT};
use serde_json::Value;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A scenario whose trust policy names the wrong role: every check of it fails.
const BROKEN: &str = "examples/s3-role-chain/broken/trust-names-wrong-role";
/// `explain` of a read in the user's terms, on the broken scenario.
const EXPLAIN_READ: [&str; 6] = [
    "explain",
    BROKEN,
    "--from",
    "compute:etl",
    "--read",
    "s3://lake-b/sales/",
];
/// `who-can` read an object of the lake.
const WHO_CAN_READ: [&str; 6] = [
    "who-can",
    "examples/s3-role-chain",
    "--action",
    "s3:GetObject",
    "--resource",
    "arn:aws:s3:::lake-b/x",
];

/// `arguments` followed by `--format FORMAT`.
fn formatted<'a>(arguments: &[&'a str], format: &'a str) -> Vec<&'a str> {
    [arguments, &["--format", format]].concat()
}

fn command(arguments: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xacct"));
    command
        .args(arguments)
        .current_dir(workspace_root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    command
}

/// Runs `xacct` with `input` on standard input; exit code, stdout, stderr.
fn run_with(arguments: &[&str], input: &[u8], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut child = command(arguments)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(input);
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn run(arguments: &[&str]) -> (i32, String, String) {
    run_with(arguments, b"", &[])
}

/// A fresh folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("xacct-output-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A one-line policy of about 200 KB whose last statement says `"Effect": "allow"`: the
/// finding sits past column 65,535.
fn one_line_policy() -> String {
    let mut text = String::from(r#"{"Version":"2012-10-17","Statement":["#);
    let mut index = 0;
    while text.len() < 200_000 {
        text.push_str(&format!(
            r#"{{"Sid":"Read{index}","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}},"#
        ));
        index += 1;
    }
    text.push_str(r#"{"Sid":"Last","Effect":"allow","Action":"s3:GetObject","Resource":"*"}]}"#);
    text
}

/// A policy with thousands of findings: far more output than a pipe buffers.
fn noisy_policy() -> String {
    let statements: Vec<String> = (0..400)
        .map(|index| {
            format!(
                r#"{{"Sid":"S{index}","Effect":"allow","Action":"s3:GetObject","Resource":"*"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",\n")
    )
}

/// Every command, in every output format, whose reader goes away: either before anything is
/// written, or after a few bytes of a long output. The command must end quietly: no panic
/// message on standard error and not Rust's panic exit code 101.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let folder = scratch("pipe");
    let noisy = folder.join("noisy.json");
    std::fs::write(&noisy, noisy_policy()).unwrap();
    let noisy = noisy.to_str().unwrap();
    let put = "examples/eval/cross-account-put.json";
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", noisy],
        vec!["validate", "--format", "json", noisy],
        vec!["validate", "--format", "sarif", noisy],
        vec!["eval", put],
        vec!["eval", put, "--format", "json"],
        vec!["check", BROKEN],
        vec!["check", BROKEN, "--format", "json"],
        vec!["check", BROKEN, "--format", "sarif"],
        EXPLAIN_READ.to_vec(),
        formatted(&EXPLAIN_READ, "json"),
        WHO_CAN_READ.to_vec(),
        formatted(&WHO_CAN_READ, "json"),
        vec!["graph", "examples/s3-role-chain"],
        vec!["graph", "examples/s3-role-chain", "--format", "dot"],
        vec!["import", "examples/s3-role-chain"],
        vec!["plan", "examples/s3-role-chain/plan"],
        vec![
            "plan",
            "examples/s3-role-chain/plan",
            "--format",
            "terraform",
        ],
        vec!["plan", "examples/s3-role-chain/plan", "--format", "cli"],
        vec!["plan", "examples/s3-role-chain/plan", "--format", "runbook"],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["--help"],
        vec!["check", "--help"],
    ];
    for arguments in &commands {
        for bytes_read in [0_usize, 16] {
            let mut child = command(arguments)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let mut buffer = vec![0_u8; bytes_read];
            let _ = stdout.read_exact(&mut buffer);
            drop(stdout);
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let code = output.status.code();
            assert_ne!(
                code,
                Some(101),
                "{arguments:?} after {bytes_read} bytes: {stderr}"
            );
            assert!(code.is_some(), "{arguments:?} died by a signal: {stderr}");
            for panic in ["panicked", "Broken pipe", "RUST_BACKTRACE"] {
                assert!(
                    !stderr.contains(panic),
                    "{arguments:?} after {bytes_read} bytes: {stderr}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// A reader that goes away does not change the answer: `set -o pipefail` scripts still see a
/// failing check fail.
#[test]
fn a_closed_pipe_keeps_the_exit_code_of_the_answer() {
    let mut child = command(&["check", BROKEN])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

/// The shared shape of every JSON document (docs/output-format.md): `schemaVersion`,
/// `command`, `findings` as a list; every `location` an object with its file, line, column and
/// span; no list-valued key holding `null`.
fn assert_shared_shape(document: &Value, command: &str) {
    assert_eq!(document["schemaVersion"], 1, "{document:#}");
    assert_eq!(document["command"], command, "{document:#}");
    assert!(document["findings"].is_array(), "{document:#}");
    fn walk(value: &Value, path: &str) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    let here = format!("{path}.{key}");
                    if key == "location" {
                        for part in ["file", "line", "column", "span"] {
                            assert!(!field[part].is_null(), "{here} has no {part}: {field}");
                        }
                        assert!(field["span"]["start"].is_u64(), "{here}: {field}");
                    }
                    // Keys that hold lists are never `null` (`hops` is a count in who-can).
                    let list = [
                        "fixes",
                        "findings",
                        "cases",
                        "hops",
                        "reasons",
                        "gaps",
                        "matched",
                        "misses",
                        "notes",
                        "principals",
                        "requests",
                        "operations",
                        "expectations",
                        "chain",
                        "unreadable",
                    ];
                    if list.contains(&key.as_str()) {
                        assert!(!field.is_null(), "{here} is null");
                    }
                    walk(field, &here);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, path)),
            _ => {}
        }
    }
    walk(document, "");
}

#[test]
fn every_json_document_has_the_shared_shape() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("eval", vec!["eval", "examples/eval/cross-account-put.json"]),
        ("eval", vec!["eval", "examples/eval/bad-effect.json"]),
        (
            "validate",
            vec!["validate", "examples/policies/mistakes.json"],
        ),
        ("check", vec!["check", BROKEN]),
        (
            "check",
            vec!["check", "crates/xacct-cli/tests/fixtures/bad-manifest"],
        ),
        ("explain", EXPLAIN_READ.to_vec()),
        ("who-can", WHO_CAN_READ.to_vec()),
    ];
    for (name, arguments) in cases {
        let arguments = formatted(&arguments, "json");
        let (_, stdout, stderr) = run(&arguments);
        assert!(!stdout.is_empty(), "{arguments:?}: {stderr}");
        assert_shared_shape(&json_of(&stdout), name);
    }
}

/// With `--format json|sarif`, a scenario that cannot be loaded still gives a whole document on
/// standard output, with the findings that say why.
#[test]
fn a_scenario_that_fails_to_load_still_gives_json_and_sarif() {
    let bad = "crates/xacct-cli/tests/fixtures/bad-manifest";
    for command in ["check", "explain", "who-can"] {
        let mut arguments = vec![command, bad, "--format", "json"];
        match command {
            "explain" => arguments.extend(["--from", "compute:etl", "--read", "s3://x/"]),
            "who-can" => {
                arguments.extend(["--action", "s3:GetObject", "--resource", "arn:aws:s3:::x/y"])
            }
            _ => {}
        }
        let (code, stdout, _) = run(&arguments);
        assert_eq!(code, 2, "{command}");
        let document = json_of(&stdout);
        assert_eq!(
            document["findings"][0]["code"], "invalid-manifest",
            "{command}"
        );
        assert_eq!(document["findings"][0]["location"]["line"], 4, "{command}");
        assert!(
            document["error"].as_str().unwrap().contains("1 error(s)"),
            "{command}"
        );
    }
    let (code, stdout, _) = run(&["check", bad, "--format", "sarif"]);
    assert_eq!(code, 2);
    let log = json_of(&stdout);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "invalid-manifest");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    // A folder without a manifest has no place to point at: the error is the whole answer.
    let (code, stdout, _) = run(&["check", "examples", "--format", "json"]);
    assert_eq!(code, 2);
    let document = json_of(&stdout);
    assert_eq!(document["findings"], Value::Array(Vec::new()));
    assert!(
        document["error"].as_str().unwrap().contains("xacct.toml"),
        "{document}"
    );
    let (code, stdout, _) = run(&["check", "examples", "--format", "sarif"]);
    assert_eq!(code, 2);
    let log = json_of(&stdout);
    let notification = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert!(notification["message"]["text"]
        .as_str()
        .unwrap()
        .contains("xacct.toml"));
}

/// SARIF of `validate`, with the volatile version redacted.
#[test]
fn validate_sarif_names_each_finding_with_its_rule() {
    let (code, stdout, _) = run(&[
        "validate",
        "--kind",
        "resource",
        "--format",
        "sarif",
        "examples/policies/mistakes.json",
    ]);
    assert_eq!(code, 1);
    let mut log = json_of(&stdout);
    log["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let id = rule["id"].as_str().unwrap();
        assert_eq!(rule["helpUri"], format!("docs/findings.md#{id}"));
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{id}");
    }
    insta::assert_json_snapshot!(log);
}

/// A SARIF fix, applied to its file as a code-scanning tool would, gives a policy that holds
/// the statement and still parses.
#[test]
fn a_sarif_fix_applies_to_its_document() {
    let (code, stdout, _) = run(&["check", BROKEN, "--format", "sarif"]);
    assert_eq!(code, 1);
    let log = json_of(&stdout);
    let result = &log["runs"][0]["results"][0];
    let related = result["relatedLocations"].as_array().unwrap();
    assert!(related.iter().any(
        |location| location["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("MyRoleB-trust.json")
    ));
    let change = &result["fixes"][0]["artifactChanges"][0];
    let file = workspace_root().join(change["artifactLocation"]["uri"].as_str().unwrap());
    let text = std::fs::read_to_string(file).unwrap();
    let replacement = &change["replacements"][0];
    let offset =
        usize::try_from(replacement["deletedRegion"]["byteOffset"].as_u64().unwrap()).unwrap();
    let length =
        usize::try_from(replacement["deletedRegion"]["byteLength"].as_u64().unwrap()).unwrap();
    let fixed = format!(
        "{}{}{}",
        &text[..offset],
        replacement["insertedContent"]["text"].as_str().unwrap(),
        &text[offset + length..]
    );
    let policy: Value = serde_json::from_str(&fixed).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(
        statements.last().unwrap()["Principal"]["AWS"],
        "arn:aws:iam::111111111111:role/MyRoleA"
    );
}

#[test]
fn exit_codes_follow_the_readme_table() {
    let folder = scratch("exit");
    let not_json = folder.join("not-json.json");
    std::fs::write(&not_json, "{\"Version\": \"2012-10-17\", \"Statement\": [").unwrap();
    // Unreadable JSON is bad input, not a finding.
    let (code, _, _) = run(&["validate", not_json.to_str().unwrap()]);
    assert_eq!(code, 2);
    // A finding.
    let (code, _, _) = run(&["validate", "examples/policies/mistakes.json"]);
    assert_eq!(code, 1);
    // "Nobody can" is an answer.
    let (code, stdout, _) = run(&[
        "who-can",
        "examples/s3-role-chain",
        "--action",
        "s3:DeleteBucket",
        "--resource",
        "arn:aws:s3:::lake-b",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("no principal can"), "{stdout}");
    // A denial.
    let (code, _, _) = run(&["eval", "examples/eval/cross-account-put.json"]);
    assert_eq!(code, 1);
    let _ = std::fs::remove_dir_all(&folder);
}

const ESCAPE: char = '\u{1b}';

#[test]
fn colour_on_request_and_never_into_a_pipe_by_default() {
    let broken = BROKEN;
    // Both runs at one time, so that their `assumed:` lines name the same instant.
    let (_, plain, _) = run(&["check", broken, "--at", AT]);
    assert!(!plain.contains(ESCAPE), "{plain}");
    assert!(plain.contains("FAIL"));
    let (_, coloured, _) = run(&["--color", "always", "check", broken, "--at", AT]);
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[31mFAIL")
            || coloured.contains("\u{1b}[31m\u{1b}[1mFAIL")
            || coloured.contains(ESCAPE),
        "{coloured}"
    );
    assert_eq!(strip(&coloured), plain);
    // `--color` is global: it may follow the subcommand too.
    let (_, after, _) = run(&["check", broken, "--color", "always"]);
    assert!(after.contains(ESCAPE));
    let (_, never, _) = run(&["check", broken, "--color", "never"]);
    assert!(!never.contains(ESCAPE));
    // NO_COLOR turns `auto` off even where CLICOLOR_FORCE would turn it on.
    let (_, no_colour, _) = run_with(
        &["check", broken],
        b"",
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!no_colour.contains(ESCAPE), "{no_colour}");
    let (_, forced, _) = run_with(&["check", broken], b"", &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains(ESCAPE), "{forced}");
    let (_, decision, _) = run(&[
        "--color",
        "always",
        "eval",
        "examples/eval/cross-account-put.json",
    ]);
    assert!(decision.starts_with(ESCAPE), "{decision}");
    // Severities are coloured in validate's report too.
    let (_, findings, _) = run(&[
        "--color",
        "always",
        "validate",
        "examples/policies/mistakes.json",
    ]);
    assert!(findings.contains(ESCAPE));
}

/// The text without its ANSI escape sequences.
fn strip(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == ESCAPE {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn quiet_prints_failures_only() {
    let (code, stdout, stderr) = run(&["--quiet", "check", "examples/s3-role-chain"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "", "{stderr}");
    let (code, stdout, _) = run(&[
        "check",
        "-q",
        "examples/s3-role-chain/broken/trust-names-wrong-role",
    ]);
    assert_eq!(code, 1);
    assert!(!stdout.contains("PASS"), "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(!stdout.contains("checks passed"), "{stdout}");
    let (code, stdout, _) = run(&[
        "-q",
        "validate",
        "--kind",
        "resource",
        "examples/policies/clean-bucket-policy.json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    let (code, stdout, _) = run(&["-q", "eval", "examples/eval/cross-account-read.json"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    let read = [
        "--from",
        "compute:etl",
        "--read",
        "s3://lake-b/sales/",
        "-q",
    ];
    let (code, stdout, _) = run(&[&["explain", "examples/s3-role-chain"], &read[..]].concat());
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    let (code, stdout, _) = run(&[&["explain", BROKEN], &read[..]].concat());
    assert_eq!(code, 1);
    assert!(stdout.contains("FAIL list s3://lake-b/sales/"), "{stdout}");
    let (code, stdout, _) = run(&["-q", "eval", "examples/eval/cross-account-put.json"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("ImplicitDeny"), "{stdout}");
}

#[test]
fn validate_and_eval_read_standard_input() {
    let policy = std::fs::read(workspace_root().join("examples/policies/mistakes.json")).unwrap();
    let (code, stdout, _) = run_with(&["validate", "--format", "json", "-"], &policy, &[]);
    assert_eq!(code, 1);
    let document = json_of(&stdout);
    assert_eq!(document["findings"][0]["location"]["file"], "<stdin>");
    let request =
        std::fs::read(workspace_root().join("examples/eval/cross-account-put.json")).unwrap();
    let (code, stdout, stderr) = run_with(&["eval", "-"], &request, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.starts_with("ImplicitDeny"), "{stdout}");
    assert!(stdout.contains("<stdin>:27:7"), "{stdout}");
}

#[test]
fn encodings_are_named_in_the_error() {
    let folder = scratch("encodings");
    let text = "{\"Version\": \"2012-10-17\", \"Statement\": []}\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bom.json",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            "UTF-8 byte order mark (BOM)",
        ),
        (
            "utf16.json",
            "\u{feff}{}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
            "is UTF-16 (little-endian) text",
        ),
        (
            "latin1.json",
            b"{\n  \"Sid\": \"caf\xE9\"}".to_vec(),
            "byte 0xE9 at line 2, column 14",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = folder.join(name);
        std::fs::write(&path, bytes).unwrap();
        let path = path.to_str().unwrap();
        for command in ["validate", "eval"] {
            let (code, _, stderr) = run(&[command, path]);
            assert_eq!(code, 2, "{command} {name}: {stderr}");
            assert!(stderr.contains(expected), "{command} {name}: {stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// One-line JSON exports: a finding past column 65,535 renders (cut around the span) instead
/// of panicking in the renderer.
#[test]
fn a_finding_on_a_200_kb_line_renders() {
    let folder = scratch("long-line");
    let path = folder.join("one-line.json");
    let text = one_line_policy();
    std::fs::write(&path, &text).unwrap();
    let (code, stdout, stderr) = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let column = text.rfind("\"allow\"").unwrap() + 1;
    assert!(
        stdout.contains(&format!("one-line.json:1:{column}")),
        "{stdout}"
    );
    assert!(stdout.contains("invalid-effect"), "{stdout}");
    assert!(
        stdout.len() < 2_000,
        "the line is cut: {} bytes",
        stdout.len()
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef xacct"),
        ("fish", "complete -c xacct"),
    ] {
        let (code, stdout, stderr) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains(marker), "{shell}");
        assert!(stdout.contains("who-can"), "{shell}");
    }
}

#[test]
fn help_names_every_option() {
    let (code, stdout, _) = run(&["explain", "--help"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("--resource <RESOURCE>\n          The resource ARN"),
        "{stdout}"
    );
    let (_, stdout, _) = run(&["who-can", "--help"]);
    assert!(stdout.contains("The AWS action"), "{stdout}");
}

#[test]
fn an_unknown_compute_gets_a_did_you_mean() {
    let (code, _, stderr) = run(&[
        "explain",
        "examples/s3-role-chain",
        "--from",
        "compute:etll",
        "--read",
        "s3://lake-b/sales/",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `compute:etl`?"), "{stderr}");
}
