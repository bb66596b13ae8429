//! Kinesis in `xacct serve` with boto3, on the Databricks-to-Kinesis field guide
//! (`examples/kinesis-role-chain`): the cluster's role in A assumes the stream reader role in B
//! with the external id its readStream options pass, and reads what a producer in B wrote;
//! each `broken/*` variant fails with AWS's error code at the link `xacct check` names.

use super::serve::{failing_link, python, Server};
use super::{workspace_root, xacct};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "examples/kinesis-role-chain";
const STREAM: &str = "arn:aws:kinesis:us-east-1:222222222222:stream/testStream";
const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/7d1c2f40-5a3b-4e8f-9c21-0b6a4d2e8f13";
const PRODUCER: &str = "account-222222222222";
const CONSUMER: &str = "compute-streaming";

/// The readStream options file the scenario's `streaming` compute names.
fn options_of(scenario: &str) -> String {
    let dir = workspace_root().join(scenario);
    let manifest = std::fs::read_to_string(dir.join("xacct.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|line| line.starts_with("kinesis = "))
        .unwrap();
    let relative = line
        .trim_start_matches("kinesis = ")
        .trim_matches('"')
        .to_owned();
    dir.join(relative).to_string_lossy().into_owned()
}

/// Writes `count` records as B's administrator, then reads as the cluster does.
fn workload(server: &Server, python: &Path, scenario: &str, count: &str) -> Value {
    server.script(
        python,
        "kinesis_client.py",
        &["workload", PRODUCER, CONSUMER, &options_of(scenario), count],
    )
}

fn texts(records: &Value, field: &str) -> Vec<String> {
    records
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The action AWS's sentence names: `... is not authorized to perform: ACTION on ...`.
fn refused_action(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("is not authorized to perform: ")?;
    rest.split_whitespace().next().map(str::to_owned)
}

#[test]
fn serve_kinesis_reads_the_stream_through_the_role_chain_and_keeps_its_records() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let out = workload(&server, &python, EXAMPLE, "6");
    let codes: Vec<_> = out["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["code"].clone())
        .collect();
    assert_eq!(
        codes,
        ["ok", "ok", "ok", "ok", "ok"],
        "AssumeRole, DescribeStream, ListShards, GetShardIterator, GetRecords: {out:#}"
    );
    let written = texts(&out["produced"], "data");
    assert_eq!(written.len(), 6);
    assert_eq!(texts(&out["records"], "data"), written, "{out:#}");
    // The stream is encrypted with B's key: every record says so.
    assert!(
        texts(&out["records"], "encryption")
            .iter()
            .all(|kind| kind == "KMS"),
        "{out:#}"
    );
    // One shard: sequence numbers grow with every write, and the reader sees the writer's.
    let sequences = texts(&out["produced"], "sequence");
    assert!(
        sequences.windows(2).all(|pair| pair[0] < pair[1]),
        "{sequences:?}"
    );
    assert_eq!(texts(&out["records"], "sequence"), sequences);
    // Acknowledged records survive a kill -9 and a restart on the same data folder.
    drop(server);
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let again = workload(&server, &python, EXAMPLE, "1");
    let mut expected = written.clone();
    expected.extend(texts(&again["produced"], "data"));
    assert_eq!(texts(&again["records"], "data"), expected, "{again:#}");
    let next = texts(&again["produced"], "sequence");
    assert!(
        next.first() > sequences.last(),
        "{next:?} after {sequences:?}"
    );
}

/// Enhanced fan-out as the `streaming-efo` compute reads: boto3's `subscribe_to_shard`
/// decodes the event stream; the subscription at the latest position gets nothing, the one
/// from its continuation gets what the producer wrote since, once the five seconds AWS holds
/// a consumer's shard are over.
#[test]
fn serve_kinesis_fan_out_reader_subscribes_and_continues() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let options = workspace_root()
        .join(EXAMPLE)
        .join("databricks/kinesis-options-efo.json");
    let out = server.script(
        &python,
        "kinesis_client.py",
        &[
            "fan-out",
            PRODUCER,
            "compute-streaming-efo",
            &options.to_string_lossy(),
            "3",
        ],
    );
    assert_eq!(out["latest"]["code"], "ok", "{out:#}");
    let latest = out["latest"]["value"].as_array().unwrap();
    assert_eq!(latest.len(), 1, "one event per subscription: {out:#}");
    assert_eq!(latest[0]["records"], serde_json::json!([]), "{out:#}");
    assert_eq!(out["at_once"]["code"], "ResourceInUseException", "{out:#}");
    assert_eq!(out["continued"]["code"], "ok", "{out:#}");
    let continued = &out["continued"]["value"][0];
    assert_eq!(
        texts(&continued["records"], "data"),
        texts(&out["produced"], "data"),
        "{out:#}"
    );
    assert!(
        texts(&continued["records"], "encryption")
            .iter()
            .all(|kind| kind == "KMS"),
        "{out:#}"
    );
    assert_eq!(
        continued["continuation"], out["produced"][2]["sequence"],
        "{out:#}"
    );
}

#[test]
fn serve_kinesis_each_broken_variant_fails_at_the_link_check_names() {
    let Some(python) = python() else { return };
    for variant in [
        "assume-role-not-granted",
        "external-id-mismatch",
        "reader-cannot-decrypt",
        "reader-missing-list-shards",
    ] {
        let scenario = format!("{EXAMPLE}/broken/{variant}");
        let link = failing_link(&scenario).unwrap();
        let data = tempfile::tempdir().unwrap();
        let server = Server::start(&scenario, data.path(), &[]);
        let out = workload(&server, &python, &scenario, "2");
        let failed = out["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["code"] != "ok")
            .unwrap_or_else(|| panic!("{variant}: every step passed: {out:#}"));
        // The error code each service gives a refusal of that action.
        let code = match link.split(':').next() {
            Some("sts") => "AccessDenied",
            Some("kms") => "KMSAccessDeniedException",
            _ => "AccessDeniedException",
        };
        assert_eq!(failed["code"], code, "{variant}: {out:#}");
        let message = failed["message"].as_str().unwrap_or_default();
        assert_eq!(
            refused_action(message).as_deref(),
            Some(link.as_str()),
            "{variant}: served {message}, check names {link}"
        );
    }
}

#[test]
fn serve_kinesis_stream_policy_lets_a_foreign_reader_in_and_the_key_still_decides() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("decisions.jsonl");
    let server = Server::start(
        EXAMPLE,
        data.path(),
        &["--explain-log", log.to_str().unwrap()],
    );
    // Records to read.
    workload(&server, &python, EXAMPLE, "2");
    let out = server.script(
        &python,
        "kinesis_client.py",
        &[
            "foreign",
            PRODUCER,
            "account-111111111111",
            CONSUMER,
            STREAM,
        ],
    );
    let because_resource = |case: &str, action: &str| {
        assert_eq!(
            out[case]["code"], "AccessDeniedException",
            "{case}: {out:#}"
        );
        let message = out[case]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("is not authorized to perform: {action} on resource: {STREAM} because no resource-based policy allows the {action} action")),
            "{case}: {message}"
        );
        assert!(
            !out[case]["explanation"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{case}: {out:#}"
        );
    };
    // A's administrator (Allow * on *) is not let into B's stream without its policy.
    because_resource("admin_a_before", "kinesis:DescribeStreamSummary");
    assert_eq!(out["put_policy"]["code"], "ok", "{out:#}");
    assert_eq!(out["get_policy"]["value"], "ForeignReader", "{out:#}");
    assert_eq!(out["admin_a_after"]["value"], "KMS", "{out:#}");
    // The stream policy lets A read, but B's key policy does not: KMS refuses Kinesis's call.
    assert_eq!(
        out["admin_a_reads"]["code"], "KMSAccessDeniedException",
        "{out:#}"
    );
    let message = out["admin_a_reads"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("kms:Decrypt on resource: {KEY} because no resource-based policy allows the kms:Decrypt action")),
        "{message}"
    );
    because_resource("admin_a_writes", "kinesis:PutRecord");
    assert_eq!(out["delete_policy"]["code"], "ok", "{out:#}");
    because_resource("admin_a_deleted", "kinesis:DescribeStreamSummary");
    // A role of A whose own policy allows the call is refused until the stream policy names it.
    because_resource("role_without_policy", "kinesis:DescribeStreamSummary");
    assert_eq!(out["role_with_policy"]["value"], "testStream", "{out:#}");
    // Each decision is in the log with the engine's explanation, Kinesis's KMS call too.
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let logged = |action: &str, decision: &str| {
        lines.iter().any(|line| {
            line["principal"] == "arn:aws:iam::111111111111:user/xacct-admin"
                && line["action"] == action
                && line["decision"] == decision
                && !line["explanation"].as_str().unwrap_or_default().is_empty()
        })
    };
    assert!(logged("kinesis:DescribeStreamSummary", "ImplicitDeny"));
    assert!(logged("kinesis:DescribeStreamSummary", "Allow"));
    assert!(logged("kms:Decrypt", "ImplicitDeny"));
}

#[test]
fn serve_kinesis_makes_a_stream_from_nothing_for_its_account() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let out = server.script(
        &python,
        "kinesis_client.py",
        &["blank", PRODUCER, "alias/test-stream"],
    );
    assert_eq!(out["create"]["code"], "ok", "{out:#}");
    assert_eq!(
        out["create_again"]["code"], "ResourceInUseException",
        "{out:#}"
    );
    let names = out["list"]["value"].as_array().cloned().unwrap_or_default();
    assert_eq!(names, ["scratch", "testStream"], "{out:#}");
    assert_eq!(
        out["shards"]["value"],
        serde_json::json!(["shardId-000000000000", "shardId-000000000001"])
    );
    assert_eq!(out["put_failed"], 0);
    // Twenty partition keys land on both shards, each shard's sequence numbers growing.
    let by_shard = out["by_shard"].as_object().unwrap();
    assert_eq!(by_shard.len(), 2, "{out:#}");
    for (shard, records) in by_shard {
        let sequences = texts(records, "sequence");
        assert!(
            sequences.windows(2).all(|pair| pair[0] < pair[1]),
            "{shard}: {sequences:?}"
        );
    }
    let (_, first) = by_shard.iter().next().unwrap();
    let written = texts(first, "data");
    assert_eq!(
        out["at"]["value"].as_array().unwrap().len(),
        written.len() - 1
    );
    assert_eq!(out["at"]["value"][0], written[1], "{out:#}");
    assert_eq!(out["after"]["value"][0], written[2], "{out:#}");
    assert_eq!(out["latest"]["value"], serde_json::json!([]));
    assert_eq!(out["limit"]["value"], 2);
    let consumer = out["register"]["value"].as_str().unwrap();
    assert!(
        consumer
            .starts_with("arn:aws:kinesis:us-east-1:222222222222:stream/scratch/consumer/fan-out:"),
        "{consumer}"
    );
    assert_eq!(out["consumers"]["value"], serde_json::json!(["fan-out"]));
    assert_eq!(out["describe_consumer"]["value"], consumer);
    assert_eq!(out["encrypt"]["code"], "ok", "{out:#}");
    assert_eq!(out["sealed_put"], "KMS");
    assert_eq!(
        out["sealed_read"]["value"],
        serde_json::json!([["sealed", "KMS"]])
    );
    assert_eq!(
        out["delete_with_consumer"]["code"], "ResourceInUseException",
        "{out:#}"
    );
    assert_eq!(out["delete"]["code"], "ok", "{out:#}");
    assert_eq!(
        out["describe_deleted"]["code"], "ResourceNotFoundException",
        "{out:#}"
    );
}

/// Runs a runbook with the aws CLI against the server, with `config` as the AWS config file.
fn run_runbook(python: &Path, script: &Path, config: &Path) -> (bool, String) {
    let home = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        python.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg(script)
        .env("PATH", path)
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_kinesis_applies_the_plan_runbook_then_reads_with_the_planned_options() {
    let Some(python) = python() else { return };
    let scenario = "examples/kinesis-role-chain/plan";
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &[]);
    let (code, runbook, stderr) = xacct(&["plan", scenario, "--format", "cli"]);
    assert_eq!(code, 0, "{stderr}");
    // The readStream options the plan says to set, with the stream the intent names.
    let settings = runbook
        .lines()
        .skip_while(|line| !line.starts_with("# streaming: set in its kinesis_options"))
        .nth(1)
        .and_then(|line| line.strip_prefix("# "))
        .unwrap();
    let mut options: Value = serde_json::from_str(settings).unwrap();
    options["streamName"] = "testStream".into();
    options["region"] = "us-east-1".into();
    options["initialPosition"] = "earliest".into();
    let options_file = data.path().join("kinesis-options.json");
    std::fs::write(&options_file, options.to_string()).unwrap();
    let options_path = options_file.to_string_lossy().into_owned();
    let read = |server: &Server| {
        server.script(
            &python,
            "kinesis_client.py",
            &["workload", "-", CONSUMER, &options_path, "0"],
        )
    };
    // Before the runbook the role in B does not exist: AWS refuses AssumeRole.
    let before = read(&server);
    assert_eq!(before["steps"][0]["op"], "AssumeRole", "{before:#}");
    assert_eq!(before["steps"][0]["code"], "AccessDenied", "{before:#}");
    let script = data.path().join("runbook.sh");
    std::fs::write(&script, &runbook).unwrap();
    // The key policy names only the role key-admin, so the runbook changes it as that role,
    // through a profile it names; without that profile it stops before changing anything.
    let (ok, stderr) = run_runbook(&python, &script, &server.config);
    assert!(!ok);
    assert!(
        stderr.contains("the profile account-222222222222-key-admin must assume")
            && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    let untouched = read(&server);
    assert_eq!(
        untouched["steps"][0]["code"], "AccessDenied",
        "{untouched:#}"
    );
    // With the profile the runbook asks for (assuming key-admin from B's administrator), the
    // runbook as generated applies whole.
    let config = format!(
        "{}\n[profile account-222222222222-key-admin]\nregion = us-east-1\nendpoint_url = {}\nrole_arn = arn:aws:iam::222222222222:role/key-admin\nsource_profile = account-222222222222\n",
        std::fs::read_to_string(&server.config).unwrap(),
        server.endpoint
    );
    let with_admin = data.path().join("aws-config-key-admin");
    std::fs::write(&with_admin, config).unwrap();
    assert!(
        runbook.contains("aws kms put-key-policy --profile account-222222222222-key-admin"),
        "{runbook}"
    );
    let (ok, stderr) = run_runbook(&python, &script, &with_admin);
    assert!(ok, "the runbook failed:\n{stderr}");
    let after = read(&server);
    let codes: Vec<_> = after["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["code"].clone())
        .collect();
    assert_eq!(codes, ["ok", "ok", "ok", "ok", "ok"], "{after:#}");
}

#[test]
fn serve_kinesis_speaks_cbor_as_the_java_sdk_does_and_json() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let out = server.script(
        &python,
        "kinesis_client.py",
        &["protocol", PRODUCER, STREAM],
    );
    assert_eq!(out["put"]["status"], 200, "{out:#}");
    assert_eq!(out["put"]["type"], "application/x-amz-cbor-1.1", "{out:#}");
    // A byte string in, the same bytes out, with the arrival time in epoch milliseconds
    // under tag 1 (as the AWS SDK for Java reads it), found by an AT_TIMESTAMP iterator.
    assert_eq!(
        out["read"],
        serde_json::json!([{"data": "0062696e617279ff", "millis": true, "arrival_ok": true}]),
        "{out:#}"
    );
    assert_eq!(out["created_millis"], true, "{out:#}");
    assert_eq!(
        out["refused"],
        serde_json::json!({"status": 400, "error": "InvalidArgumentException", "type": "InvalidArgumentException"}),
        "{out:#}"
    );
    assert_eq!(out["list"], serde_json::json!(["testStream"]), "{out:#}");
    // Written in CBOR, read in JSON.
    assert_eq!(
        out["json_read"],
        serde_json::json!(["0062696e617279ff"]),
        "{out:#}"
    );
    assert_eq!(
        out["wrong_secret"]["code"], "SignatureDoesNotMatch",
        "{out:#}"
    );
}
