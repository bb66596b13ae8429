//! Questions as users ask them, and answers they can act on: "directly" against "by any
//! route", the question's own AssumeRole with its external id and session parameters, answers
//! that lead with the failure, say each request and fix once, explain an empty check, and say
//! what they assumed.

use super::{transcript, workspace_root, xacct, AT};
use serde_json::Value;
use std::path::Path;

fn json_of(arguments: &[&str]) -> (i32, Value) {
    let (code, stdout, stderr) = xacct(arguments);
    let json = serde_json::from_str(&stdout);
    assert!(json.is_ok(), "{stdout}\n{stderr}");
    (code, json.unwrap())
}

const QUESTIONS: &str = "crates/xacct-cli/tests/fixtures/questions";
const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const EXTID: &str = "arn:aws:iam::222222222222:role/extid";
const OBJECT: &str = "arn:aws:s3:::data-b/sales/part-0.parquet";

/// `explain`: may alice get the object of data-b?
const READ_AS_ALICE: [&str; 8] = [
    "explain",
    QUESTIONS,
    "--from",
    ALICE,
    "--action",
    "s3:GetObject",
    "--resource",
    OBJECT,
];

/// `explain` of alice's `sts:AssumeRole` on `extid`, with more arguments.
fn explain_assume_extid(more: &[&str]) -> (i32, String, String) {
    let mut arguments = vec![
        "explain",
        QUESTIONS,
        "--from",
        ALICE,
        "--action",
        "sts:AssumeRole",
        "--resource",
        EXTID,
    ];
    arguments.extend(more);
    xacct(&arguments)
}

fn expectation<'j>(report: &'j Value, name: &str) -> &'j Value {
    report["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|expectation| expectation["name"] == name)
        .unwrap()
}

/// Alice reads data-b only through reader-b: "by any route" she can, "directly" (with her own
/// keys) she cannot, and each answer says which question it answered.
#[test]
fn direct_and_any_route_are_two_questions_and_each_answer_says_which() {
    let base = READ_AS_ALICE;
    let (code, stdout, _) = xacct(&base);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.starts_with("asked: by any route from alice (AssumeRole chains up to 5 hops)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("allowed through: arn:aws:iam::111111111111:user/alice -> arn:aws:iam::222222222222:role/reader-b"), "{stdout}");

    let mut direct = base.to_vec();
    direct.push("--direct");
    let (code, stdout, _) = xacct(&direct);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.starts_with("asked: directly, with alice's own credentials (no AssumeRole)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("denied through: arn:aws:iam::111111111111:user/alice\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("reader-b"), "{stdout}");

    direct.extend(["--format", "json"]);
    let (_, json) = json_of(&direct);
    assert_eq!(json["asked"][0]["route"], "direct");
    assert_eq!(json["operations"][0]["requests"][0]["asked"], "direct");

    // The manifest asks both, and check answers each as asked.
    let (code, report) = json_of(&["check", QUESTIONS, "--format", "json"]);
    assert_eq!(code, 0, "{report}");
    let any = expectation(&report, "alice reads data-b by any route");
    assert_eq!(any["asked"][0]["route"], "any-route");
    assert_eq!(any["passed"], true);
    let own = expectation(&report, "alice cannot read data-b with her own keys");
    assert_eq!(own["asked"][0]["route"], "direct");
    assert_eq!(own["passed"], true);
    assert_eq!(own["cases"][0]["chain"], ALICE);
}

/// `via = []` reads as "no AssumeRole" but is not what xacct would ask: refused with the two
/// ways to say what is meant; and `direct` with roles in `via` is two questions at once.
#[test]
fn an_empty_via_and_direct_with_via_are_refused_with_a_hint() {
    let (code, stdout, stderr) = xacct(&["check", "crates/xacct-cli/tests/fixtures/empty-via"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("xacct::empty-via"), "{stderr}");
    assert!(stderr.contains("16 │ via = []"), "{stderr}");
    assert!(stderr.contains("write `direct = true`"), "{stderr}");
    assert!(stderr.contains("remove `via`"), "{stderr}");

    let (code, _, stderr) = xacct(&["check", "crates/xacct-cli/tests/fixtures/direct-with-via"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("xacct::direct-with-via"), "{stderr}");
    assert!(stderr.contains("20 │ direct = true"), "{stderr}");

    let mut both = READ_AS_ALICE.to_vec();
    both.extend([
        "--direct",
        "--via",
        "arn:aws:iam::222222222222:role/reader-b",
    ]);
    let (code, _, stderr) = xacct(&both);
    assert_eq!(code, 2);
    assert!(stderr.contains("--direct"), "{stderr}");
}

/// `alice -> sts:AssumeRole on role/extid`: the external id she passes is in that request, as
/// `--context sts:ExternalId` puts it; without it, the closest answer is her own request,
/// not an unrelated chain through app-role.
#[test]
fn the_questions_own_assume_role_carries_the_external_id() {
    let with_id = format!("{EXTID}=ext-42");
    let (code, stdout, _) = explain_assume_extid(&["--external-id", &with_id]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("allowed through: arn:aws:iam::111111111111:user/alice\n"),
        "{stdout}"
    );
    assert_eq!(
        explain_assume_extid(&["--context", "sts:ExternalId=ext-42"]).0,
        0
    );

    let (code, stdout, _) = explain_assume_extid(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("denied through: arn:aws:iam::111111111111:user/alice\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("app-role"), "{stdout}");
    assert!(
        stdout.contains(
            "fix: pass ExternalId `ext-42` when assuming arn:aws:iam::222222222222:role/extid"
        ),
        "{stdout}"
    );
}

/// Session tags, the session name, the source identity and the duration are in the question's
/// own AssumeRole: each expectation of the fixture passes, the denials for the reason the
/// parameter gives.
#[test]
fn the_questions_own_assume_role_carries_the_session_parameters() {
    let (code, stdout, stderr) = xacct(&["check", QUESTIONS, "--verbose"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for reason in [
        "sts:AssumeRole on arn:aws:iam::222222222222:role/tagged: allowed through arn:aws:iam::111111111111:user/alice\n",
        "sts:AssumeRole on arn:aws:iam::222222222222:role/tagged: denied through arn:aws:iam::111111111111:user/alice: trust policy condition on aws:RequestTag/team does not hold for alice\n",
        "sts:AssumeRole on arn:aws:iam::222222222222:role/named: allowed through arn:aws:iam::111111111111:user/alice\n",
        "sts:AssumeRole on arn:aws:iam::222222222222:role/named: denied through arn:aws:iam::111111111111:user/alice: trust policy condition on sts:RoleSessionName does not hold for alice\n",
        "denied through arn:aws:iam::111111111111:user/alice: DurationSeconds 7200 exceeds the MaxSessionDuration (3600) of `arn:aws:iam::222222222222:role/extid`\n",
        "denied through arn:aws:iam::111111111111:user/alice: sts:SetSourceIdentity: trust policy does not name alice\n",
    ] {
        assert!(stdout.contains(reason), "missing {reason}\n{stdout}");
    }
}

/// The whole answer about alice, reviewed as a snapshot.
#[test]
fn check_verbose_answers_every_question_as_asked() {
    insta::assert_snapshot!(transcript(&["check", QUESTIONS, "--verbose", "--at", AT]));
}

/// A failing `--read-table` leads with the request that fails; the 14 allowed ones are counted
/// (or listed after it with `--verbose`).
#[test]
fn a_failing_read_leads_with_the_failure() {
    let base = [
        "explain",
        "examples/glue-catalog-share/broken/select-on-target-missing",
        "--from",
        "job:cur-report",
        "--read-table",
        "cur_org_linked.legacy_all",
        "--at",
        AT,
    ];
    let (code, stdout, _) = xacct(&base);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0], "compute:cur-report: 1 of 15 request(s) denied",
        "{stdout}"
    );
    let first_request = lines
        .iter()
        .find(|line| line.starts_with("  ") && line.contains(" on arn:"))
        .unwrap();
    assert_eq!(
        *first_request,
        "  glue:GetPartitions on arn:aws:glue:us-east-1:111111111111:table/cur_org/legacy_all"
    );
    assert!(!stdout.contains("allowed through"), "{stdout}");
    // The failure's details end with the count of what passed; what was assumed leads.
    assert!(
        stdout.ends_with("  14 other requests allowed (--verbose lists them)\n"),
        "{stdout}"
    );
    assert!(
        lines[1..5]
            .iter()
            .all(|line| line.starts_with("asked: ") || line.starts_with("assumed: ")),
        "{stdout}"
    );

    let mut verbose = base.to_vec();
    verbose.push("--verbose");
    let (_, stdout, _) = xacct(&verbose);
    let failure = stdout
        .find(
            "glue:GetPartitions on arn:aws:glue:us-east-1:111111111111:table/cur_org/legacy_all\n",
        )
        .unwrap();
    let allowed = stdout.find(": allowed through").unwrap();
    assert!(failure < allowed, "{stdout}");
    assert_eq!(stdout.matches(": allowed through").count(), 14, "{stdout}");
    insta::assert_snapshot!(transcript(&base));
}

/// `check` leads with the failing expectations too, and counts the requests of a failing
/// expectation that passed.
#[test]
fn a_failing_check_leads_with_its_failures() {
    // The manifest has a passing expectation between the two failing ones.
    let (code, stdout, _) = xacct(&[
        "check",
        "examples/kinesis-role-chain/broken/reader-cannot-decrypt",
    ]);
    assert_eq!(code, 1);
    let summary: Vec<&str> = stdout.lines().take_while(|line| !line.is_empty()).collect();
    assert!(summary[0].starts_with("FAIL  "), "{stdout}");
    let last_fail = summary
        .iter()
        .rposition(|line| line.starts_with("FAIL  "))
        .unwrap();
    let first_pass = summary
        .iter()
        .position(|line| line.starts_with("PASS  "))
        .unwrap();
    assert!(last_fail < first_pass, "{stdout}");
    assert!(
        stdout.contains("other requests allowed (--verbose lists them)")
            || stdout.contains("other request allowed (--verbose lists them)"),
        "{stdout}"
    );
}

/// The write expectation of the main example's broken variant lists `s3:PutObjectAcl`, which
/// the put's canned ACL needs as well: it is asked and shown once. The trust fix both failing
/// expectations need is printed once, with both named.
#[test]
fn a_request_listed_twice_is_asked_once_and_a_shared_fix_printed_once() {
    let variant = "examples/s3-role-chain/broken/trust-names-wrong-role";
    let (code, stdout, _) = xacct(&["check", variant]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout
            .matches("s3:PutObjectAcl on arn:aws:s3:::lake-b/sales/2026/part-0001.parquet")
            .count(),
        1,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("\"Sid\": \"XacctAllowAssumeRole\"").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("      mends: `cluster lists and reads the lake through MyRoleB` (examples/s3-role-chain/broken/trust-names-wrong-role/xacct.toml:46:8); `cluster writes the lake with bucket-owner-full-control` (examples/s3-role-chain/broken/trust-names-wrong-role/xacct.toml:54:8)\n"), "{stdout}");
    assert!(
        stdout.contains(
            "fix: as printed above for `cluster lists and reads the lake through MyRoleB`"
        ),
        "{stdout}"
    );

    let (_, json) = json_of(&["check", variant, "--format", "json"]);
    let fixes = json["fixes"].as_array().unwrap();
    assert_eq!(fixes.len(), 1, "{json}");
    assert_eq!(fixes[0]["target"]["kind"], "trustPolicy");
    assert_eq!(fixes[0]["mends"].as_array().unwrap().len(), 2);
    for expectation in json["expectations"].as_array().unwrap().iter().take(2) {
        assert_eq!(expectation["cases"][0]["fixes"], serde_json::json!([1]));
    }
    let write = expectation(
        &json,
        "cluster writes the lake with bucket-owner-full-control",
    );
    let acl_writes = write["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["action"] == "s3:PutObjectAcl")
        .count();
    assert_eq!(acl_writes, 1, "{write}");

    // An action the manifest lists twice is asked once.
    let (_, report) = json_of(&["check", QUESTIONS, "--format", "json"]);
    let twice = expectation(&report, "alice reads data-b by any route");
    assert_eq!(twice["cases"].as_array().unwrap().len(), 1, "{twice}");
}

/// An import-only folder has nothing for check to verify: it says so, points at who-can and
/// explain, and does not pass (exit 1).
#[test]
fn an_empty_check_says_nothing_was_verified() {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("questions-import-only");
    std::fs::create_dir_all(&folder).unwrap();
    let fixtures = workspace_root().join("crates/xacct-world/tests/fixtures/import/scenario");
    let manifest = folder.join("xacct.toml");
    let (code, _, stderr) = xacct(&[
        "import",
        fixtures.to_str().unwrap(),
        "--output",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = xacct(&["check", folder.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("nothing to check:"), "{stdout}");
    assert!(stdout.contains("nothing was verified"), "{stdout}");
    assert!(stdout.contains("xacct who-can DIR"), "{stdout}");
    assert!(stdout.contains("xacct explain DIR"), "{stdout}");
    assert!(stdout.contains("add [[expect]] tables"), "{stdout}");
    assert!(!stdout.contains("0 of 0"), "{stdout}");

    let (code, json) = json_of(&["check", folder.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(json["nothingToCheck"], true);
    assert_eq!(json["passed"], false);
    assert_eq!(json["checked"], 0);

    let (code, stdout, _) = xacct(&["check", folder.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("\"ruleId\": \"nothing-to-check\""),
        "{stdout}"
    );
}

/// Every answer says what it assumed: the external ids and session parameters passed, in text
/// (`assumed:`) and JSON (`assumptions`, `{ kind, detail }`).
#[test]
fn every_answer_says_what_it_assumed() {
    let with_id = format!("{EXTID}=ext-42");
    let (code, stdout, _) = explain_assume_extid(&["--external-id", &with_id]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\nassumed: external id `ext-42` passed when assuming arn:aws:iam::222222222222:role/extid; session name `xacct-session` for every AssumeRole (none was given)\n"), "{stdout}");

    let (_, stdout, _) = explain_assume_extid(&["--external-id", &with_id, "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["assumptions"][0]["kind"], "external-id");
    assert_eq!(json["assumptions"][1]["kind"], "session-name");

    let (_, report) = json_of(&["check", QUESTIONS, "--format", "json"]);
    let kinds = |name: &str| -> Vec<String> {
        expectation(&report, name)["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|assumption| assumption["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        kinds("alice assumes tagged as team data"),
        ["session-name", "session-tags"]
    );
    assert_eq!(
        kinds("alice cannot ask extid for two hours"),
        ["external-id", "session-name", "duration-seconds"]
    );
    assert_eq!(
        kinds("alice cannot set a source identity on extid"),
        ["external-id", "session-name", "source-identity"]
    );
    assert_eq!(
        kinds("alice assumes named in a session named after her"),
        ["session-name"]
    );
    // A direct question assumes no role: no session name is assumed for it.
    assert!(kinds("alice cannot read data-b with her own keys").is_empty());
    let own = expectation(&report, "alice cannot read data-b with her own keys");
    assert_eq!(own["assumptions"], serde_json::json!([]));
}
