//! Kinesis answered in-process on `examples/kinesis-role-chain` and its broken variants: the
//! reader role of B reads what B's administrator wrote, sealed under B's key; without
//! `kms:Decrypt` its GetRecords is refused in KMS's words.

use super::*;
use crate::test_support::{credential, served};
use base64::Engine as _;

const STREAM: &str = "arn:aws:kinesis:us-east-1:222222222222:stream/testStream";
const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/7d1c2f40-5a3b-4e8f-9c21-0b6a4d2e8f13";
const READER: &str = "arn:aws:iam::222222222222:role/KinesisCrossAccountRole";

fn state(variant: &str, dir: &std::path::Path) -> State {
    let state = served(&format!("kinesis-role-chain/{variant}"), dir);
    assert_eq!(sync(&state), Ok(()));
    state
}

fn call(state: &State, who: &Credential, op: &str, input: &Value) -> (StatusCode, Value) {
    let caller = Caller {
        credential: who,
        region: "us-east-1",
    };
    let reply = answer(
        state,
        &caller,
        &format!("Kinesis_20131202.{op}"),
        input.to_string().as_bytes(),
    );
    let body = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, body)
}

fn field(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// B's administrator writes one record; the reader gets an iterator and reads.
fn write_then_read(state: &State) -> (StatusCode, Value) {
    let admin = credential(&crate::iam::admin_arn("222222222222"));
    let (status, put) = call(
        state,
        &admin,
        "PutRecord",
        &json!({"StreamARN": STREAM, "Data": "aGVsbG8=", "PartitionKey": "k"}),
    );
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(field(&put, "/EncryptionType"), "KMS");
    // Sealed at rest: the stored bytes are not the data.
    let Ok(stored) = state.store.records(STREAM, 0, 0, 10) else {
        panic!("the records are read");
    };
    assert!(stored
        .iter()
        .all(|(_, record)| record.data != "aGVsbG8=" && record.key.as_deref() == Some(KEY)));
    let reader = credential(READER);
    let (status, iterator) = call(
        state,
        &reader,
        "GetShardIterator",
        &json!({"StreamName": "testStream", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}),
    );
    assert_eq!(status, StatusCode::OK, "{iterator}");
    call(
        state,
        &reader,
        "GetRecords",
        &json!({"ShardIterator": field(&iterator, "/ShardIterator")}),
    )
}

#[test]
fn the_reader_gets_the_sealed_records_opened() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = state("", dir.path());
    let (status, read) = write_then_read(&state);
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(field(&read, "/Records/0/Data"), "aGVsbG8=");
    assert_eq!(field(&read, "/Records/0/EncryptionType"), "KMS");
    // The reader may not write: its policy grants reads only.
    let (_, refused) = call(
        &state,
        &credential(READER),
        "PutRecord",
        &json!({"StreamARN": STREAM, "Data": "eA==", "PartitionKey": "k"}),
    );
    assert_eq!(field(&refused, "/__type"), "AccessDeniedException");
    assert!(
        field(&refused, "/message").ends_with(
            "on resource: arn:aws:kinesis:us-east-1:222222222222:stream/testStream because no identity-based policy allows the kinesis:PutRecord action"
        ),
        "{refused}"
    );
}

#[test]
fn a_reader_without_decrypt_is_refused_in_kms_words() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = state("broken/reader-cannot-decrypt", dir.path());
    let (status, refused) = write_then_read(&state);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&refused, "/__type"), "KMSAccessDeniedException");
    assert!(
        field(&refused, "/message").starts_with(&format!(
            "User: arn:aws:sts::222222222222:assumed-role/KinesisCrossAccountRole/test is not authorized to perform: kms:Decrypt on resource: {KEY} because no identity-based policy allows the kms:Decrypt action"
        )),
        "{refused}"
    );
}

#[test]
fn a_stream_that_does_not_exist_is_decided_before_it_is_looked_up() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = state("", dir.path());
    let missing = json!({"StreamARN": "arn:aws:kinesis:us-east-1:222222222222:stream/none"});
    // The reader's policy names testStream only: refused, not told the stream is missing.
    let (_, refused) = call(&state, &credential(READER), "DescribeStream", &missing);
    assert_eq!(field(&refused, "/__type"), "AccessDeniedException");
    let admin = credential(&crate::iam::admin_arn("222222222222"));
    let (_, missing) = call(&state, &admin, "DescribeStream", &missing);
    assert_eq!(field(&missing, "/__type"), "ResourceNotFoundException");
    assert_eq!(
        field(&missing, "/message"),
        "Stream none under account 222222222222 not found."
    );
}

#[test]
fn an_iterator_the_endpoint_did_not_sign_reads_nothing() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = state("", dir.path());
    let admin = credential(&crate::iam::admin_arn("222222222222"));
    let (_, iterator) = call(
        &state,
        &admin,
        "GetShardIterator",
        &json!({"StreamARN": STREAM, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}),
    );
    let iterator = field(&iterator, "/ShardIterator");
    let (status, read) = call(
        &state,
        &admin,
        "GetRecords",
        &json!({"ShardIterator": iterator}),
    );
    assert_eq!(status, StatusCode::OK, "{read}");
    // The same content, made up by a client (GetShardIterator skipped), or changed.
    let Some((body, signature)) = iterator.split_once('.') else {
        panic!("an iterator is BODY.SIGNATURE: {iterator}");
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body) else {
        panic!("the body is base64");
    };
    let changed = String::from_utf8_lossy(&bytes).replace("\"shard\":0", "\"shard\":1");
    let changed = base64::engine::general_purpose::STANDARD.encode(changed);
    for forged in [body.to_owned(), format!("{changed}.{signature}")] {
        let (status, refused) = call(
            &state,
            &admin,
            "GetRecords",
            &json!({"ShardIterator": forged}),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(field(&refused, "/__type"), "InvalidArgumentException");
    }
}

#[test]
fn the_fan_out_reader_describes_its_consumer_on_the_consumer_arn() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = state("", dir.path());
    let consumer = format!("{STREAM}/consumer/databricks-efo:1764547200");
    let reader = credential(READER);
    // The reader's policy grants DescribeStreamConsumer on `stream/testStream/consumer/*`.
    let (status, described) = call(
        &state,
        &reader,
        "DescribeStreamConsumer",
        &json!({"StreamARN": STREAM, "ConsumerName": "databricks-efo"}),
    );
    assert_eq!(status, StatusCode::OK, "{described}");
    assert_eq!(
        field(&described, "/ConsumerDescription/ConsumerARN"),
        consumer
    );
    assert_eq!(field(&described, "/ConsumerDescription/StreamARN"), STREAM);
    // ListStreamConsumers is not in it: refused on the stream ARN.
    let (_, refused) = call(
        &state,
        &reader,
        "ListStreamConsumers",
        &json!({"StreamARN": STREAM}),
    );
    assert_eq!(field(&refused, "/__type"), "AccessDeniedException");
    assert!(
        field(&refused, "/message").contains(&format!(
            "kinesis:ListStreamConsumers on resource: {STREAM} because"
        )),
        "{refused}"
    );
    // A consumer policy granting another account is the consumer's, not the stream's.
    let admin = credential(&crate::iam::admin_arn("222222222222"));
    let other = credential(&crate::iam::admin_arn("111111111111"));
    let grant = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "kinesis:DescribeStreamConsumer", "Resource": consumer}]});
    let (status, put) = call(
        &state,
        &admin,
        "PutResourcePolicy",
        &json!({"ResourceARN": consumer, "Policy": grant.to_string()}),
    );
    assert_eq!(status, StatusCode::OK, "{put}");
    let (status, described) = call(
        &state,
        &other,
        "DescribeStreamConsumer",
        &json!({"ConsumerARN": consumer}),
    );
    assert_eq!(status, StatusCode::OK, "{described}");
    let (_, refused) = call(
        &state,
        &other,
        "DescribeStreamSummary",
        &json!({"StreamARN": STREAM}),
    );
    assert_eq!(field(&refused, "/__type"), "AccessDeniedException");
}

/// The payload of each message of an event stream, with its `:event-type` or
/// `:exception-type`, decoded by the SDK's own codec.
fn events(bytes: &[u8]) -> Vec<(String, Value)> {
    let mut buffer = bytes::Bytes::copy_from_slice(bytes);
    let mut out = Vec::new();
    while !buffer.is_empty() {
        let Ok(message) = aws_smithy_eventstream::frame::read_message_from(&mut buffer) else {
            panic!("an event stream message");
        };
        let kind = message
            .headers()
            .iter()
            .find(|header| matches!(header.name().as_str(), ":event-type" | ":exception-type"))
            .and_then(|header| header.value().as_string().ok())
            .map(|value| value.as_str().to_owned())
            .unwrap_or_default();
        out.push((
            kind,
            serde_json::from_slice(message.payload()).unwrap_or(Value::Null),
        ));
    }
    out
}

fn subscribe(state: &State, who: &Credential, input: &Value) -> Result<Vec<u8>, KinesisReply> {
    let caller = Caller {
        credential: who,
        region: "us-east-1",
    };
    subscribe::subscribe(state, &caller, input)
}

/// The enhanced fan-out reader subscribes through its consumer and gets the sealed records
/// opened; the continuation picks up after them; the five-second rule holds; a reader
/// without `kms:Decrypt` is refused before it holds the subscription.
#[test]
fn the_fan_out_reader_subscribes_and_continues_from_where_it_stopped() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = state("", dir.path());
    let consumer = format!("{STREAM}/consumer/databricks-efo:1764547200");
    let admin = credential(&crate::iam::admin_arn("222222222222"));
    for data in ["b25l", "dHdv"] {
        let (status, put) = call(
            &state,
            &admin,
            "PutRecord",
            &json!({"StreamARN": STREAM, "Data": data, "PartitionKey": "k"}),
        );
        assert_eq!(status, StatusCode::OK, "{put}");
    }
    let reader = credential(READER);
    let from_start = json!({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
        "StartingPosition": {"Type": "TRIM_HORIZON"}});
    let Ok(stream) = subscribe(&state, &reader, &from_start) else {
        panic!("the fan-out reader subscribes");
    };
    let got = events(&stream);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "initial-response");
    assert_eq!(got[1].0, "SubscribeToShardEvent");
    let event = &got[1].1;
    let data: Vec<String> = event["Records"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|record| field(record, "/Data"))
        .collect();
    assert_eq!(data, ["b25l", "dHdv"]);
    assert_eq!(
        field(event, "/ContinuationSequenceNumber"),
        field(event, "/Records/1/SequenceNumber")
    );
    // Within five seconds the same consumer and shard are taken.
    let Err(taken) = subscribe(&state, &reader, &from_start) else {
        panic!("a second subscription within five seconds is refused");
    };
    assert!(
        taken.body.contains("ResourceInUseException"),
        "{}",
        taken.body
    );
    // A record written later is where the continuation resumes (after the wait AWS asks).
    let (status, _) = call(
        &state,
        &admin,
        "PutRecord",
        &json!({"StreamARN": STREAM, "Data": "dGhyZWU=", "PartitionKey": "k"}),
    );
    assert_eq!(status, StatusCode::OK);
    let Ok(mut last) = state.subscriptions.last.lock() else {
        panic!("the subscriptions");
    };
    last.clear();
    drop(last);
    let resume = json!({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
        "StartingPosition": {"Type": "AFTER_SEQUENCE_NUMBER",
            "SequenceNumber": field(event, "/ContinuationSequenceNumber")}});
    let Ok(stream) = subscribe(&state, &reader, &resume) else {
        panic!("the reader subscribes again");
    };
    let got = events(&stream);
    assert_eq!(field(&got[1].1, "/Records/0/Data"), "dGhyZWU=");
    assert_eq!(got[1].1["Records"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_fan_out_reader_is_decided_on_the_consumer_and_the_key() {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let consumer = format!("{STREAM}/consumer/databricks-efo:1764547200");
    let input = json!({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
        "StartingPosition": {"Type": "LATEST"}});
    // Account A's administrator is granted nothing by the consumer or the stream.
    let state = state("", dir.path());
    let other = credential(&crate::iam::admin_arn("111111111111"));
    let Err(refused) = subscribe(&state, &other, &input) else {
        panic!("another account's principal is refused");
    };
    assert!(
        refused.body.contains("AccessDeniedException")
            && refused
                .body
                .contains(&format!("kinesis:SubscribeToShard on resource: {consumer}")),
        "{}",
        refused.body
    );
    // Without kms:Decrypt the reader is refused in KMS's words, and holds nothing.
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    let state = self::state("broken/reader-cannot-decrypt", dir.path());
    let reader = credential(READER);
    let Err(refused) = subscribe(&state, &reader, &input) else {
        panic!("a reader without kms:Decrypt is refused");
    };
    assert!(
        refused.body.contains("KMSAccessDeniedException"),
        "{}",
        refused.body
    );
    assert!(state
        .subscriptions
        .last
        .lock()
        .is_ok_and(|last| last.is_empty()));
}
