//! Input nobody on the team wrote: the files, names, flags and manifests a new user tries
//! first. Each test failed before its fix.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use super::xacct;
use std::path::PathBuf;

/// A fresh folder under the system's temporary folder.
pub(super) fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("xacct-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

pub(super) fn json_of(stdout: &str) -> serde_json::Value {
    let parsed = serde_json::from_str(stdout);
    assert!(parsed.is_ok(), "not JSON: {stdout:?}");
    parsed.unwrap()
}

/// A flag of one kind of question given with another is refused, not ignored: `--columns`
/// with `--action` was answered as if no column had been named (clap's `requires` does not
/// hold when the question given conflicts with the one required).
#[test]
fn explain_refuses_a_flag_of_another_question() {
    let question = [
        "explain",
        "examples/s3-role-chain",
        "--from",
        "compute:etl",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/x",
    ];
    for (flag, value, owner) in [
        ("--columns", "a,b", "--read-table"),
        ("--region", "eu-west-1", "--read-table"),
        (
            "--consumer",
            "arn:aws:kinesis:us-east-1:222222222222:stream/s/consumer/c:1",
            "--read-stream",
        ),
    ] {
        let mut arguments = question.to_vec();
        arguments.extend([flag, value]);
        let (code, stdout, stderr) = xacct(&arguments);
        assert_eq!(code, 2, "{flag}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("`{flag}` is for `{owner}` questions only")),
            "{flag}: {stderr}"
        );
        arguments.extend(["--format", "json"]);
        let (code, stdout, _) = xacct(&arguments);
        assert_eq!(code, 2);
        assert!(json_of(&stdout)["error"].as_str().unwrap().contains(flag));
    }
    // With their own question they are taken.
    let (code, stdout, stderr) = xacct(&[
        "explain",
        "examples/lf-tags",
        "--from",
        "arn:aws:iam::222222222222:role/sales-report-job",
        "--read-table",
        "sales_shared.customers",
        "--columns",
        "customer_id",
        "--region",
        "us-east-1",
    ]);
    assert_ne!(code, 2, "{stdout}{stderr}");
}

/// `--external-id` for a role the scenario does not hold (a mistyped ARN) is refused with the
/// closest role: before, the id went to no trust policy and the answer looked like it had.
#[test]
fn an_external_id_for_an_unknown_role_is_refused() {
    let mistyped = "arn:aws:iam::222222222222:role/MyRoleb=ext-1";
    let request = [
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/x",
    ];
    let mut who_can = vec!["who-can", "examples/s3-role-chain"];
    who_can.extend(request);
    let mut explain = vec!["explain", "examples/s3-role-chain", "--from", "compute:etl"];
    explain.extend(request);
    for mut arguments in [who_can, explain] {
        arguments.extend(["--external-id", mistyped]);
        let (code, stdout, stderr) = xacct(&arguments);
        assert_eq!(code, 2, "{}: {stdout}{stderr}", arguments[0]);
        assert!(
            stderr.contains("no role of the scenario has the ARN `arn:aws:iam::222222222222:role/MyRoleb`; did you mean `arn:aws:iam::222222222222:role/MyRoleB`?"),
            "{stderr}"
        );
        arguments.extend(["--format", "json"]);
        let (code, stdout, _) = xacct(&arguments);
        assert_eq!(code, 2);
        assert!(json_of(&stdout)["error"]
            .as_str()
            .unwrap()
            .contains("MyRoleb"));
    }
    let (code, _, stderr) = xacct(&[
        "who-can",
        "examples/s3-role-chain",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/x",
        "--external-id",
        "arn:aws:iam::222222222222:role/MyRoleB=ext-1",
    ]);
    assert_eq!(code, 0, "{stderr}");
}

/// `graph --account` with an id nothing belongs to (a mistyped id) is an error like a `--from`
/// or `--to` the scenario does not hold; it drew an empty graph and exited 0.
#[test]
fn graph_of_an_account_the_scenario_does_not_hold_is_refused() {
    let (code, stdout, stderr) = xacct(&[
        "graph",
        "examples/s3-role-chain",
        "--account",
        "222222222223",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("`--account 222222222223`: no role"),
        "{stderr}"
    );
    let (code, stdout, stderr) = xacct(&[
        "graph",
        "examples/s3-role-chain",
        "--account",
        "222222222222",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("MyRoleB"), "{stdout}");
}

/// A scenario folder holding `manifest` and, under `policies/`, a trust policy for EC2.
pub(super) fn manifest_scenario(name: &str, manifest: &str) -> PathBuf {
    let folder = scratch(name);
    std::fs::write(folder.join("xacct.toml"), manifest).unwrap();
    folder
}

pub(super) const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// A mistake inside `{ inline = ... }` names the key and its place: it was "data did not match
/// any variant of untagged enum PolicySource" at the whole table.
#[test]
fn a_mistake_in_an_inline_policy_names_its_key() {
    for (written, message, column, help) in [
        (
            format!("{{ inlin = '{EC2_TRUST}' }}"),
            "unknown field `inlin`, expected `inline` or `origin`",
            11,
            Some("did you mean `inline`?"),
        ),
        (
            format!("{{ inline = '{EC2_TRUST}', foo = 1 }}"),
            "unknown field `foo`, expected `inline` or `origin`",
            EC2_TRUST.len() + 24,
            None,
        ),
        (
            "5".to_owned(),
            "invalid type: integer `5`, expected a policy file's path",
            9,
            None,
        ),
    ] {
        let folder = manifest_scenario(
            "inline-mistake",
            &format!("[[role]]\narn = \"arn:aws:iam::111111111111:role/etl\"\ntrust = {written}\n"),
        );
        let (code, stdout, _) = xacct(&["validate", folder.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code, 1, "{stdout}");
        let finding = &json_of(&stdout)["findings"][0];
        assert_eq!(finding["code"], "invalid-manifest", "{finding}");
        assert!(
            finding["message"].as_str().unwrap().starts_with(message),
            "{finding}"
        );
        assert_eq!(finding["location"]["line"], 3, "{finding}");
        assert_eq!(finding["location"]["column"], column, "{finding}");
        assert_eq!(finding["help"].as_str(), help, "{finding}");
        let _ = std::fs::remove_dir_all(&folder);
    }
}

/// Two `[[account]]` tables with one id: the second replaced the first whole, its SCPs and
/// RCPs with it, so that a denial the first table set was dropped without a word.
#[test]
fn an_account_declared_twice_is_an_error() {
    let manifest = format!(
        r#"[[account]]
id = "111111111111"
rcps = [{{ inline = '{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}]}}' }}]

[[account]]
id = "111111111111"
name = "the same account again"

[[role]]
arn = "arn:aws:iam::111111111111:role/etl"
trust = {{ inline = '{EC2_TRUST}' }}
"#
    );
    let folder = manifest_scenario("account-twice", &manifest);
    let (code, stdout, stderr) = xacct(&["check", folder.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let finding = &json_of(&stdout)["findings"][0];
    assert_eq!(finding["code"], "duplicate-account", "{finding}");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.starts_with("account 111111111111 is declared twice (first at ")
            && message.ends_with("xacct.toml:2:6)"),
        "{message}"
    );
    assert_eq!(finding["location"]["line"], 6, "{finding}");
    let _ = std::fs::remove_dir_all(&folder);
}

/// A bucket declared again without its policy: the second table replaced the first, and the
/// policy's Deny went with it, so that a request the scenario denies read as allowed. Each
/// kind of table is checked the same way.
#[test]
fn a_second_declaration_of_a_table_is_an_error() {
    let deny_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::lake-b","arn:aws:s3:::lake-b/*"]}]}"#;
    let manifest = format!(
        r#"[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::222222222222:role/reader"
trust = {{ inline = '{EC2_TRUST}' }}
policies = [{{ inline = '{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}' }}]

[[bucket]]
name = "lake-b"
account = "222222222222"
policy = {{ inline = '{deny_all}' }}

[[bucket]]
name = "lake-b"
account = "222222222222"

[[user]]
arn = "arn:aws:iam::222222222222:user/alice"

[[user]]
arn = "arn:aws:iam::222222222222:user/team/Alice"
"#
    );
    let folder = manifest_scenario("declared-twice", &manifest);
    let (code, stdout, stderr) = xacct(&[
        "explain",
        folder.to_str().unwrap(),
        "--from",
        "arn:aws:iam::222222222222:role/reader",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/x",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let document = json_of(&stdout);
    let findings: Vec<(String, u64)> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "duplicate-declaration")
        .map(|finding| {
            (
                finding["message"].as_str().unwrap().to_owned(),
                finding["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            (
                "bucket `lake-b` is declared twice (first at line 10)".to_owned(),
                15
            ),
            (
                "user `arn:aws:iam::222222222222:user/team/Alice` is declared twice (first at line 19)"
                    .to_owned(),
                22
            ),
        ],
        "{document}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

/// `validate` on a folder of policies (no xacct.toml) says what it reads instead of "cannot
/// read DIR/xacct.toml", and a run with a file it could not read does not end in a summary
/// that reads as clean ("0 error(s), 0 warning(s)").
#[test]
fn validate_says_what_it_could_not_read() {
    let (code, stdout, stderr) = xacct(&["validate", "examples/policies"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("`examples/policies` is a folder without xacct.toml: give the policy files themselves (`examples/policies/*.json`)"),
        "{stderr}"
    );
    assert_eq!(stdout, "0 error(s), 0 warning(s), 1 file(s) unreadable\n");
    let (code, stdout, _) = xacct(&[
        "validate",
        "--kind",
        "resource",
        "examples/policies/clean-bucket-policy.json",
        "examples/policies/missing.json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "0 error(s), 0 warning(s), 1 file(s) unreadable\n");
}

/// A trust policy that grants another service's action is one IAM refuses ("AssumeRole policy
/// may only specify STS AssumeRole actions"): a warning with its place, in `validate --kind
/// trust` and in a scenario, where it was taken silently.
#[test]
fn a_trust_policy_with_another_services_action_is_refused() {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":["sts:AssumeRole","s3:GetObject"]}]}"#;
    let folder = manifest_scenario(
        "trust-foreign-action",
        "[[role]]\narn = \"arn:aws:iam::111111111111:role/etl\"\ntrust = \"trust.json\"\n",
    );
    std::fs::write(folder.join("trust.json"), trust).unwrap();
    let file = folder.join("trust.json");
    let (code, stdout, _) = xacct(&[
        "validate",
        "--kind",
        "trust",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}");
    let finding = &json_of(&stdout)["findings"][0];
    assert_eq!(
        finding["code"], "non-sts-action-in-trust-policy",
        "{finding}"
    );
    assert_eq!(finding["location"]["column"], 127, "{finding}");
    assert_eq!(finding["severity"], "warning", "{finding}");
    // Decided as written: the scenario loads, with the warning.
    let (code, stdout, stderr) = xacct(&["check", folder.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let document = json_of(&stdout);
    assert_eq!(document["nothingToCheck"], true, "{document}");
    assert_eq!(
        document["findings"][0]["code"],
        "non-sts-action-in-trust-policy"
    );
    // Its own actions only: sts's, or every action.
    std::fs::write(
        &file,
        trust.replace(r#","s3:GetObject""#, r#","sts:TagSession""#),
    )
    .unwrap();
    let (code, stdout, _) = xacct(&["validate", "--kind", "trust", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    let _ = std::fs::remove_dir_all(&folder);
}

/// An S3 URI without its bucket was answered as a path under none of the compute's mounts.
#[test]
fn a_read_of_an_s3_uri_without_a_bucket_says_so() {
    for path in ["s3://", "s3:///sales/", "S3A://"] {
        let (code, _, stderr) = xacct(&[
            "explain",
            "examples/s3-role-chain",
            "--from",
            "compute:etl",
            "--read",
            path,
        ]);
        assert_eq!(code, 2, "{path}: {stderr}");
        assert!(
            stderr.contains(&format!("`{path}` names no bucket: write s3://BUCKET/KEY")),
            "{stderr}"
        );
    }
}

/// `eval` of a request whose identity policy misspells its action, or names a bucket for an
/// object action: decided (the statement matches nothing), and now said, as `validate` and a
/// scenario say it. Before, the denial came with no warning at all.
#[test]
fn eval_warns_of_a_statement_that_matches_nothing() {
    let request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            super::workspace_root().join("examples/eval/cross-account-read.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let folder = scratch("eval-matches-nothing");
    for (name, action, resource, code) in [
        (
            "misspelt",
            "s3:GetObjekt",
            "arn:aws:s3:::lake-b/*",
            "unknown-action",
        ),
        (
            "bucket",
            "s3:GetObject",
            "arn:aws:s3:::lake-b",
            "resource-type-mismatch",
        ),
    ] {
        let mut request = request.clone();
        let statement = &mut request["identityPolicies"][0]["Statement"][0];
        statement["Action"] = serde_json::json!(action);
        statement["Resource"] = serde_json::json!(resource);
        let file = folder.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string_pretty(&request).unwrap()).unwrap();
        let path = file.to_str().unwrap();
        let (code_out, stdout, _) = xacct(&["eval", path, "--at", super::AT, "--format", "json"]);
        assert_eq!(code_out, 1, "{stdout}");
        let document = json_of(&stdout);
        assert_eq!(document["decision"], "ImplicitDeny");
        assert_eq!(document["findings"][0]["code"], code, "{document}");
        let (_, _, stderr) = xacct(&["eval", path, "--at", super::AT]);
        assert!(stderr.contains(code), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// A context value no request carries, in an `[[expect]]`, is bad input at its place: it was
/// a failed check (exit 1) whose error named no line.
#[test]
fn an_expectation_context_value_aws_never_sends_is_an_error_where_written() {
    let manifest = format!(
        r#"[[role]]
arn = "arn:aws:iam::111111111111:role/etl"
trust = {{ inline = '{EC2_TRUST}' }}

[[expect]]
name = "etl cannot read from the wrong network"
from = "arn:aws:iam::111111111111:role/etl"
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::lake-b/x"]
decision = "deny"
context = {{ "aws:SourceIp" = "10.0.0.300" }}
"#
    );
    let folder = manifest_scenario("expect-context", &manifest);
    let (code, stdout, stderr) = xacct(&["check", folder.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let finding = &json_of(&stdout)["findings"][0];
    assert_eq!(finding["code"], "invalid-context-value", "{finding}");
    assert_eq!(
        finding["message"],
        "`aws:SourceIp` must be an IP address, found `10.0.0.300`"
    );
    assert_eq!(finding["location"]["line"], 11, "{finding}");
    assert_eq!(finding["location"]["column"], 30, "{finding}");
    let _ = std::fs::remove_dir_all(&folder);
}

/// An account name is free text: in Mermaid, `<` and `>` were left for Mermaid to read as
/// HTML, a carriage return broke the line, and a name holding `#quot;` turned into a quote.
#[test]
fn graph_labels_hold_any_account_name() {
    let manifest = format!(
        "[[account]]\nid = \"111111111111\"\nname = \"A <img src=x onerror=alert(1)> #quot; \\r\\n x\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/etl\"\ntrust = {{ inline = '{EC2_TRUST}' }}\n"
    );
    let folder = manifest_scenario("graph-names", &manifest);
    let (code, stdout, stderr) = xacct(&["graph", folder.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let title = stdout
        .lines()
        .find(|line| line.contains("subgraph account_111111111111"))
        .unwrap();
    assert_eq!(
        title,
        "  subgraph account_111111111111[\"111111111111 A #lt;img src=x onerror=alert(1)#gt; #35;quot;    x\"]"
    );
    let (code, dot, _) = xacct(&["graph", folder.to_str().unwrap(), "--format", "dot"]);
    assert_eq!(code, 0);
    assert!(
        dot.contains("label=\"111111111111 A <img src=x onerror=alert(1)> #quot; \r\\n x\";"),
        "{dot}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

/// An external id ending in `==` (base64): `--external-id ROLE=ID` was split at its last `=`,
/// so the id went to a role named `...=c2VjcmV0=` with an empty id.
#[test]
fn an_external_id_holding_equals_signs_is_passed_whole() {
    let manifest = r#"[[role]]
arn = "arn:aws:iam::111111111111:role/caller"
trust = { inline = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' }
policies = [{ inline = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/partner"}]}' }]

[[role]]
arn = "arn:aws:iam::222222222222:role/partner"
trust = { inline = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/caller"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"c2VjcmV0=="}}}]}' }
"#;
    let folder = manifest_scenario("external-id-equals", manifest);
    let scenario = folder.to_str().unwrap();
    let ask = |external_id: &str| {
        xacct(&[
            "explain",
            scenario,
            "--from",
            "arn:aws:iam::111111111111:role/caller",
            "--direct",
            "--action",
            "sts:AssumeRole",
            "--resource",
            "arn:aws:iam::222222222222:role/partner",
            "--external-id",
            external_id,
        ])
    };
    let (code, stdout, stderr) = ask("arn:aws:iam::222222222222:role/partner=c2VjcmV0==");
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, stderr) = ask("arn:aws:iam::222222222222:role/partner=c2VjcmV0");
    assert_eq!(code, 1, "{stdout}{stderr}");
    let _ = std::fs::remove_dir_all(&folder);
}

/// A session STS never names, or an external id STS refuses, is bad input: such a caller was
/// answered (allowed) and such an id was passed to the trust policies.
#[test]
fn a_session_or_external_id_sts_refuses_is_bad_input() {
    let question = |from: &str, external_id: &str| {
        let mut arguments = vec![
            "explain",
            "examples/s3-role-chain",
            "--from",
            from,
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::lake-b/x",
        ];
        if !external_id.is_empty() {
            arguments.extend(["--external-id", external_id]);
        }
        xacct(&arguments)
    };
    let session = "arn:aws:sts::111111111111:assumed-role/MyRoleA";
    for (name, problem) in [("s;$(id) x", "holds ';'"), ("", "is 0 characters long")] {
        let (code, _, stderr) = question(&format!("{session}/{name}"), "");
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("the session name `{name}` {problem}")),
            "{stderr}"
        );
    }
    let (code, _, stderr) = question(&format!("{session}/i-0abc123"), "");
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = question(
        &format!("{session}/i-0abc123"),
        "arn:aws:iam::222222222222:role/MyRoleB=a;b",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the external id holds ';'"), "{stderr}");
}

/// An empty manifest (a new user's first `touch xacct.toml`) loads as an empty world where
/// who-can answers "no principal can": the answer now comes with a warning saying why.
#[test]
fn an_empty_manifest_is_said_to_declare_nothing() {
    let folder = manifest_scenario("empty-manifest", "# nothing yet\n");
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        folder.to_str().unwrap(),
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/x",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let document = json_of(&stdout);
    assert_eq!(
        document["findings"][0]["code"], "empty-manifest",
        "{document}"
    );
    assert_eq!(document["findings"][0]["severity"], "warning");
    let _ = std::fs::remove_dir_all(&folder);
}
