//! Glue, Lake Formation and RAM in `xacct serve` with boto3, on the Glue catalog sharing field
//! guide (`examples/glue-catalog-share`): the Glue job in B reads A's CUR table through the
//! resource link, with its own S3 access or with the credentials Lake Formation vends for a
//! registered location (which read nothing outside the table's location); each `broken/*`
//! variant fails with AWS's error code at the link `xacct check` names; the `xacct plan`
//! runbook, applied to the served world before the guide, makes the workload pass.

use super::serve::{failing_link, python, Server};
use super::xacct;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "examples/glue-catalog-share";
const OWNER: &str = "account-111111111111";
const CONSUMER: &str = "account-222222222222";
const JOB: &str = "compute-cur-report";
const CUR_OBJECT: &str = "cur/legacy_all/part-00000.parquet";
const SERVICE_LINKED: &str =
    "arn:aws:sts::111111111111:assumed-role/AWSServiceRoleForLakeFormationDataAccess/";

/// Seeds the CUR object (as A's administrator) and B's own table data (as B's).
fn seed(server: &Server, python: &Path) {
    server.script(
        python,
        "lake_client.py",
        &["seed", OWNER, "cur-exports-a", CUR_OBJECT, "cur rows"],
    );
    server.script(
        python,
        "lake_client.py",
        &[
            "seed",
            CONSUMER,
            "analytics-b",
            "daily_costs/part-00000.parquet",
            "daily costs",
        ],
    );
}

/// The job reads `tables` as a Glue ETL job does.
fn workload(server: &Server, python: &Path, tables: &[&str]) -> Value {
    let mut arguments = vec!["workload", OWNER, JOB];
    arguments.extend_from_slice(tables);
    server.script(python, "lake_client.py", &arguments)
}

fn codes(out: &Value) -> Vec<String> {
    out["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            format!(
                "{} {}",
                step["op"].as_str().unwrap(),
                step["code"].as_str().unwrap()
            )
        })
        .collect()
}

/// The action AWS's sentence names: `... is not authorized to perform: ACTION on ...`.
fn refused_action(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("is not authorized to perform: ")?;
    rest.split_whitespace().next().map(str::to_owned)
}

fn register(server: &Server, python: &Path, path: &str) -> Value {
    server.script(python, "lake_client.py", &["register", OWNER, path])
}

/// Both accounts' administrators let engines with full table access get credentials: the job
/// asks the public API, as an engine outside AWS's analytics services does.
fn full_table_access(server: &Server, python: &Path) {
    let out = server.script(
        python,
        "lake_client.py",
        &["full-table-access", OWNER, CONSUMER],
    );
    for profile in [OWNER, CONSUMER] {
        let code = out.get(profile).and_then(|answer| answer.get("code"));
        assert_eq!(code.and_then(Value::as_str), Some("ok"), "{out:#}");
    }
}

#[test]
fn serve_lake_reads_the_cur_table_through_the_link_then_with_vended_credentials() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    seed(&server, &python);
    // The CUR location is not registered: the job reads it with its own S3 access (the bucket
    // policy lets the organization in), B's table in IAM-only mode likewise.
    let out = workload(
        &server,
        &python,
        &["cur_org_linked.legacy_all", "analytics.daily_costs"],
    );
    assert_eq!(
        codes(&out),
        [
            "GetDatabase ok",
            "GetDatabase ok",
            "GetTable ok",
            "GetPartitions ok",
            "ListObjectsV2 ok",
            "GetObject ok",
            "GetDatabase ok",
            "GetTable ok",
            "GetPartitions ok",
            "ListObjectsV2 ok",
            "GetObject ok",
        ],
        "{out:#}"
    );
    assert_eq!(out["read"][0]["vended"], false, "{out:#}");
    // A registers the CUR prefix with Lake Formation's service-linked role: the job now asks
    // Lake Formation for credentials, and reads the object with them.
    let registered = register(&server, &python, "arn:aws:s3:::cur-exports-a/cur/");
    assert_eq!(registered["register"]["code"], "ok", "{registered:#}");
    assert_eq!(
        registered["resources"][0]["ResourceArn"],
        "arn:aws:s3:::cur-exports-a/cur/"
    );
    let again = register(&server, &python, "arn:aws:s3:::cur-exports-a/cur/");
    assert_eq!(again["register"]["code"], "AlreadyExistsException");
    // Lake Formation vends nothing to an engine outside AWS's analytics services until the
    // data lake settings of both accounts let it in.
    let out = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(
        codes(&out).last().map(String::as_str),
        Some("GetTemporaryGlueTableCredentials AccessDeniedException"),
        "{out:#}"
    );
    let refusal = out["steps"][4]["message"].as_str().unwrap_or_default();
    assert!(
        refusal
            .contains("AllowFullTableExternalDataAccess is off in 111111111111 and 222222222222"),
        "{out:#}"
    );
    full_table_access(&server, &python);
    let out = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(
        codes(&out),
        [
            "GetDatabase ok",
            "GetDatabase ok",
            "GetTable ok",
            "GetPartitions ok",
            "GetTemporaryGlueTableCredentials ok",
            "ListObjectsV2 ok",
            "GetObject ok",
        ],
        "{out:#}"
    );
    assert_eq!(out["read"][0]["vended"], true, "{out:#}");
    assert_eq!(out["steps"][6]["keys"][0], CUR_OBJECT, "{out:#}");
    // The registration is kept under --data: after a restart on the same folder the job still
    // reads with vended credentials.
    drop(server);
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let out = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(out["read"][0]["vended"], true, "{out:#}");
    assert_eq!(out["read"][0]["ok"], true, "{out:#}");
}

#[test]
fn serve_lake_vended_credentials_read_only_under_the_table_location() {
    let Some(python) = python() else { return };
    // The bucket policy of this variant lets nobody of the organization in: whatever the
    // vended credentials read, they read as Lake Formation's role in A.
    let scenario = format!("{EXAMPLE}/broken/bucket-policy-without-org-condition");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&scenario, data.path(), &[]);
    seed(&server, &python);
    for key in ["other/secret.csv", "cur/other_table/part-00000.parquet"] {
        server.script(
            &python,
            "lake_client.py",
            &["seed", OWNER, "cur-exports-a", key, "not the table"],
        );
    }
    let registered = register(&server, &python, "arn:aws:s3:::cur-exports-a/cur/");
    assert_eq!(registered["register"]["code"], "ok", "{registered:#}");
    full_table_access(&server, &python);
    let out = server.script(
        &python,
        "lake_client.py",
        &[
            "vended-scope",
            JOB,
            "cur_org_linked",
            "legacy_all",
            "cur-exports-a",
            "other/secret.csv",
            "cur/other_table/part-00000.parquet",
        ],
    );
    assert_eq!(out["ok"], true, "{out:#}");
    assert!(
        out["identity"]
            .as_str()
            .unwrap()
            .starts_with(SERVICE_LINKED),
        "{out:#}"
    );
    // Outside the registered location the role has no permission; inside it, outside the
    // table's location, the session policy Lake Formation scopes the credentials with refuses.
    let outside = &out["outside"]["other/secret.csv"];
    assert_eq!(outside["code"], "AccessDenied", "{out:#}");
    let sibling = &out["outside"]["cur/other_table/part-00000.parquet"];
    assert_eq!(sibling["code"], "AccessDenied", "{out:#}");
    assert!(
        sibling["message"]
            .as_str()
            .unwrap()
            .contains("no session policy allows the s3:GetObject action"),
        "{out:#}"
    );
    assert_eq!(out["list-outside"]["code"], "AccessDenied", "{out:#}");
    assert_eq!(out["write"]["code"], "AccessDenied", "{out:#}");
}

#[test]
fn serve_lake_each_broken_variant_fails_at_the_link_check_names() {
    let Some(python) = python() else { return };
    for variant in [
        "bucket-policy-without-org-condition",
        "iam-allowed-principals-revoked",
        "job-role-lacks-get-data-access",
        "no-describe-on-resource-link",
        "ram-invitation-pending",
        "select-on-target-missing",
    ] {
        let scenario = format!("{EXAMPLE}/broken/{variant}");
        let link = failing_link(&scenario).unwrap();
        let data = tempfile::tempdir().unwrap();
        let log = data.path().join("decisions.jsonl");
        let log_argument = log.to_string_lossy().into_owned();
        let server = Server::start(
            &scenario,
            data.path(),
            &["--explain-log", log_argument.as_str()],
        );
        seed(&server, &python);
        let out = workload(
            &server,
            &python,
            &["cur_org_linked.legacy_all", "analytics.daily_costs"],
        );
        let failed = out["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["code"] != "ok")
            .unwrap_or_else(|| panic!("{variant}: every step passed: {out:#}"));
        // S3 says AccessDenied; Glue and Lake Formation AccessDeniedException.
        let code = if link.starts_with("s3:") {
            "AccessDenied"
        } else {
            "AccessDeniedException"
        };
        assert_eq!(failed["code"], code, "{variant}: {out:#}");
        let message = failed["message"].as_str().unwrap_or_default();
        // An IAM refusal names its action; a Lake Formation refusal is of the step's action.
        let refused = refused_action(message)
            .unwrap_or_else(|| failed["action"].as_str().unwrap_or_default().to_owned());
        assert_eq!(
            refused, link,
            "{variant}: served {message}, check names {link}"
        );
        if message.starts_with("Insufficient Lake Formation permission(s)") {
            assert!(!failed["explanation"]
                .as_str()
                .unwrap_or_default()
                .is_empty());
            // The refusal is in the decision log too, though the engine did not decide it.
            let lines = std::fs::read_to_string(&log).unwrap();
            assert!(
                lines.lines().any(|line| {
                    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
                    entry["decision"] == "LakeFormationDenied"
                        && entry["reason"]
                            .as_str()
                            .is_some_and(|reason| reason.starts_with("Lake Formation"))
                }),
                "{variant}: {lines}"
            );
        }
    }
}

#[test]
fn serve_lake_accepting_the_ram_invitation_lets_the_read_through() {
    let Some(python) = python() else { return };
    let scenario = format!("{EXAMPLE}/broken/ram-invitation-pending");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&scenario, data.path(), &[]);
    seed(&server, &python);
    let invitations = server.script(&python, "lake_client.py", &["invitations", CONSUMER]);
    let pending = &invitations["invitations"][0];
    assert_eq!(pending["status"], "PENDING", "{invitations:#}");
    assert_eq!(pending["resourceShareName"], "cur-org-share");
    let arn = pending["resourceShareInvitationArn"].as_str().unwrap();
    assert_eq!(
        arn,
        "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/7a1c9e2b-cur0-4e1b-9d3f-5b8a6c2e4f10"
    );
    // The job's role may not accept for its account: RAM's IAM action decides.
    let refused = server.script(&python, "lake_client.py", &["accept", JOB, arn]);
    assert_eq!(
        refused["accept"]["code"], "AccessDeniedException",
        "{refused:#}"
    );
    let accepted = server.script(&python, "lake_client.py", &["accept", CONSUMER, arn]);
    assert_eq!(accepted["accept"]["code"], "ok", "{accepted:#}");
    assert_eq!(
        accepted["again"]["code"],
        "ResourceShareInvitationAlreadyAcceptedException"
    );
    assert_eq!(accepted["shared"], serde_json::json!(["cur-org-share"]));
    let out = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(out["read"][0]["ok"], true, "{out:#}");
    // The acceptance is kept under --data: a restart on the same folder does not ask again.
    drop(server);
    let server = Server::start(&scenario, data.path(), &[]);
    let invitations = server.script(&python, "lake_client.py", &["invitations", CONSUMER]);
    assert_eq!(
        invitations["invitations"][0]["status"], "ACCEPTED",
        "{invitations:#}"
    );
    let out = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(out["read"][0]["ok"], true, "{out:#}");
}

#[test]
fn serve_lake_refuses_operations_it_does_not_serve() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let out = server.script(&python, "lake_client.py", &["unserved", JOB]);
    assert_eq!(out["glue"]["code"], "NotImplemented", "{out:#}");
    assert_eq!(out["lakeformation"]["code"], "NotImplemented", "{out:#}");
    // Lake Formation on the JSON 1.1 protocol: the operation in `X-Amz-Target`, decided as on
    // REST-JSON.
    let listed = server.script(
        &python,
        "lake_client.py",
        &["json-target", OWNER, "ListResources"],
    );
    assert_eq!(listed["status"], 200, "{listed:#}");
    assert_eq!(listed["body"]["ResourceInfoList"], serde_json::json!([]));
    let refused = server.script(
        &python,
        "lake_client.py",
        &["json-target", JOB, "ListResources"],
    );
    assert_eq!(refused["status"], 400, "{refused:#}");
    assert_eq!(refused["type"], "AccessDeniedException", "{refused:#}");
}

#[test]
fn serve_lake_applies_the_plan_runbook_then_runs_the_workload() {
    let Some(python) = python() else { return };
    let scenario = format!("{EXAMPLE}/plan");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&scenario, data.path(), &[]);
    server.script(
        &python,
        "lake_client.py",
        &["seed", OWNER, "cur-exports-a", CUR_OBJECT, "cur rows"],
    );
    // Before the runbook the resource link does not exist.
    let before = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(
        before["steps"][0]["code"], "AccessDeniedException",
        "{before:#}"
    );
    let (code, runbook, stderr) = xacct(&["plan", &scenario, "--format", "cli"]);
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
        .env("AWS_CONFIG_FILE", server.config())
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the runbook failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = workload(&server, &python, &["cur_org_linked.legacy_all"]);
    assert_eq!(out["read"][0]["ok"], true, "{out:#}");
    // Running the runbook again is harmless, as it says.
    let output = Command::new("sh")
        .arg(&script)
        .env(
            "PATH",
            format!(
                "{}:{}",
                python.parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", server.config())
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the runbook failed the second time:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
