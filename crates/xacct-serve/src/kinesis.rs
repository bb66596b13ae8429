//! Kinesis Data Streams on the AWS JSON 1.1 protocol (`X-Amz-Target: Kinesis_20131202.<Op>`):
//! the scenario's `[[stream]]`s and the streams CreateStream makes, their shards, records,
//! consumers, resource policies and encryption. Every call is decided by the engine as its IAM
//! action on the stream (or consumer) ARN, so the stream's resource policy, SCPs, boundary and
//! session policy count exactly as for `xacct check`; on an encrypted stream, a producer's
//! PutRecord(s) and a consumer's GetRecords are also decided as the KMS call Kinesis makes with
//! the caller's credentials (`kms:GenerateDataKey`, `kms:Decrypt`), with the request context
//! `xacct check` gives that call.
//! <https://docs.aws.amazon.com/streams/latest/dev/controlling-access.html>
//! <https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html>

pub mod cbor;
pub mod event_stream;
pub mod records;
pub mod streams;
pub mod subscribe;

use crate::identity::Credential;
use crate::store::{ConsumerRecord, StoreError, StreamRecord};
use crate::State;
use hyper::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{parse_policy, AccountId, PolicyKind, Severity, SourceFile};
use xacct_world::model::{Origin, Stream};
use xacct_world::RequestError;

/// A Kinesis answer (AWS JSON 1.1, as KMS's).
pub use crate::json_reply::JsonReply as KinesisReply;

/// Kinesis's answer to a request it cannot take.
fn invalid(message: &str) -> KinesisReply {
    KinesisReply::bad("InvalidArgumentException", message)
}

/// The operations served, for the refusal of any other.
pub const OPERATIONS: &[&str] = &[
    "CreateStream",
    "DeleteStream",
    "DescribeStream",
    "DescribeStreamSummary",
    "ListStreams",
    "ListShards",
    "PutRecord",
    "PutRecords",
    "GetShardIterator",
    "GetRecords",
    "RegisterStreamConsumer",
    "DescribeStreamConsumer",
    "ListStreamConsumers",
    "DeregisterStreamConsumer",
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
    "StartStreamEncryption",
    "StopStreamEncryption",
    "SubscribeToShard",
];

/// Who calls Kinesis, and in which Region (a stream named by name is the caller's, there).
pub struct Caller<'a> {
    pub credential: &'a Credential,
    pub region: &'a str,
}

impl Caller<'_> {
    fn account(&self) -> String {
        self.credential.identity.account()
    }
}

/// Answers one Kinesis call.
pub fn answer(state: &State, caller: &Caller<'_>, target: &str, body: &[u8]) -> KinesisReply {
    let Some(op) = target.strip_prefix("Kinesis_20131202.") else {
        return KinesisReply::bad(
            "UnknownOperationException",
            &format!(
                "`{target}` is not a Kinesis operation (X-Amz-Target: Kinesis_20131202.OPERATION)"
            ),
        );
    };
    let input: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(error) => {
                return KinesisReply::bad(
                    "SerializationException",
                    &format!("the request body is not JSON: {error}"),
                )
            }
        }
    };
    if op == "SubscribeToShard" {
        return match subscribe::subscribe(state, caller, &input) {
            Ok(events) => KinesisReply::event_stream(events),
            Err(reply) => reply,
        };
    }
    let result = match op {
        "CreateStream" => streams::create(state, caller, &input),
        "DeleteStream" => streams::delete(state, caller, &input),
        "DescribeStream" => streams::describe(state, caller, &input),
        "DescribeStreamSummary" => streams::summary(state, caller, &input),
        "ListStreams" => streams::list(state, caller, &input),
        "ListShards" => streams::list_shards(state, caller, &input),
        "RegisterStreamConsumer" => streams::register_consumer(state, caller, &input),
        "DescribeStreamConsumer" => streams::describe_consumer(state, caller, &input),
        "ListStreamConsumers" => streams::list_consumers(state, caller, &input),
        "DeregisterStreamConsumer" => streams::deregister_consumer(state, caller, &input),
        "PutResourcePolicy" => streams::put_policy(state, caller, &input),
        "GetResourcePolicy" => streams::get_policy(state, caller, &input),
        "DeleteResourcePolicy" => streams::delete_policy(state, caller, &input),
        "StartStreamEncryption" => streams::start_encryption(state, caller, &input),
        "StopStreamEncryption" => streams::stop_encryption(state, caller, &input),
        "PutRecord" => records::put_record(state, caller, &input),
        "PutRecords" => records::put_records(state, caller, &input),
        "GetShardIterator" => records::shard_iterator(state, caller, &input),
        "GetRecords" => records::get_records(state, caller, &input),
        other => Err(KinesisReply::bad(
            "UnknownOperationException",
            &format!(
                "xacct serve does not serve Kinesis {other} yet: it serves {}",
                OPERATIONS.join(", ")
            ),
        )),
    };
    match result {
        Ok(value) => KinesisReply::ok(&value),
        Err(reply) => reply,
    }
}

pub(crate) fn text<'v>(input: &'v Value, field: &str) -> Option<&'v str> {
    input.get(field).and_then(Value::as_str)
}

pub(crate) fn required<'v>(input: &'v Value, field: &str) -> Result<&'v str, KinesisReply> {
    text(input, field).ok_or_else(|| {
        KinesisReply::bad(
            "ValidationException",
            &format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

pub(crate) fn internal(error: &StoreError) -> KinesisReply {
    KinesisReply::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalFailureException",
        &error.to_string(),
    )
}

/// `(region, account, name)` of a stream ARN `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`.
pub(crate) fn parts(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:kinesis:")?;
    let mut fields = rest.splitn(3, ':');
    let region = fields.next()?;
    let account = fields.next()?;
    let name = fields.next()?.strip_prefix("stream/")?;
    (!region.is_empty() && account.len() == 12 && valid_name(name))
        .then_some((region, account, name))
}

/// Stream and consumer names: 1 to 128 of `a-zA-Z0-9_.-`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// The stream a request names: `StreamARN`, or `StreamName` in the caller's account and
/// Region (as AWS reads a name).
pub(crate) fn stream_arn(caller: &Caller<'_>, input: &Value) -> Result<String, KinesisReply> {
    let named = text(input, "StreamName").map(|name| {
        format!(
            "arn:aws:kinesis:{}:{}:stream/{name}",
            caller.region,
            caller.account()
        )
    });
    match (text(input, "StreamARN"), named) {
        (Some(arn), named) => {
            if parts(arn).is_none() {
                return Err(invalid(&format!(
                    "StreamARN `{arn}` is not a stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)"
                )));
            }
            if named.as_ref().is_some_and(|named| {
                parts(named).map(|(_, _, name)| name) != parts(arn).map(|(_, _, name)| name)
            }) {
                return Err(invalid("StreamARN and StreamName name different streams"));
            }
            Ok(arn.to_owned())
        }
        (None, Some(arn)) if parts(&arn).is_some() => Ok(arn),
        (None, Some(_)) => Err(invalid(
            "StreamName must be 1 to 128 of a-z, A-Z, 0-9, `_`, `.` and `-`",
        )),
        (None, None) => Err(invalid(
            "Either StreamName or StreamARN should be provided.",
        )),
    }
}

/// The stream of a stream or consumer ARN.
pub(crate) fn stream_of(arn: &str) -> &str {
    arn.split_once("/consumer/")
        .map_or(arn, |(stream, _)| stream)
}

fn not_found(arn: &str) -> KinesisReply {
    let (account, name) = parts(arn).map_or(("", arn), |(_, account, name)| (account, name));
    KinesisReply::bad(
        "ResourceNotFoundException",
        &format!("Stream {name} under account {account} not found."),
    )
}

/// The stream's record, if it exists (and was not deleted).
pub(crate) fn existing(state: &State, arn: &str) -> Result<StreamRecord, KinesisReply> {
    match state.store.stream(arn).map_err(|error| internal(&error))? {
        Some(record) if !record.deleted => Ok(record),
        _ => Err(not_found(arn)),
    }
}

/// Makes sure the engine knows the stream a request names, so that a request on a stream that
/// does not exist is decided (as AWS decides before it looks) on its ARN: its account, no
/// resource policy.
fn known(state: &State, arn: &str) {
    let stream = stream_of(arn);
    if state.engine.world().streams.contains_key(stream) {
        return;
    }
    let Some((region, account, name)) = parts(stream) else {
        return;
    };
    let Ok(account) = account.parse::<AccountId>() else {
        return;
    };
    state
        .engine
        .world_mut()
        .streams
        .entry(stream.to_owned())
        .or_insert_with(|| Stream {
            arn: stream.to_owned(),
            account,
            region: region.to_owned(),
            name: name.to_owned(),
            policy: None,
            encryption_key: None,
            consumers: BTreeMap::new(),
            origin: origin(stream),
        });
}

fn origin(arn: &str) -> Origin {
    Origin::described(
        "xacct serve",
        format!("stream {arn}, as the endpoint holds it"),
    )
}

/// Decides `action` on `resource` (a stream or consumer ARN, or `*`) for the caller; a
/// refusal is Kinesis's AccessDeniedException with AWS's sentence and the engine's reason.
pub(crate) fn authorize(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    resource: &str,
) -> Result<(), KinesisReply> {
    if resource != "*" {
        known(state, resource);
    }
    let session = caller.credential.identity.session();
    let verdict = state
        .engine
        .decide(&session, action, resource, &[])
        .map_err(|error| match error {
            RequestError::UnknownResource(_) => not_found(stream_of(resource)),
            other => invalid(&other.to_string()),
        })?;
    if verdict.allowed {
        return Ok(());
    }
    let mut reply = KinesisReply::bad("AccessDeniedException", &verdict.message);
    reply.explanation = Some(verdict.reason);
    Err(reply)
}

/// Whether `key` is the AWS managed key of Kinesis, which "does not require custom IAM
/// permissions" (the KMS page above): no KMS call is decided for it, as in `xacct check`.
pub(crate) fn aws_managed(key: &str) -> bool {
    key.ends_with("alias/aws/kinesis")
}

/// The KMS call Kinesis makes with the caller's credentials on an encrypted stream, decided
/// with the context `xacct check` gives it (`xacct_paths`'s stream follow-up): the stream ARN
/// as encryption context, `kms:ViaService`, `aws:ViaAWSService`. A refusal is
/// `KMSAccessDeniedException`, a key the world does not hold `KMSNotFoundException`.
pub(crate) fn authorize_kms(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    key: &str,
    stream: &str,
) -> Result<(), KinesisReply> {
    if aws_managed(key) {
        return Ok(());
    }
    if !state.engine.world().keys.contains_key(key) {
        return Err(KinesisReply::bad(
            "KMSNotFoundException",
            &format!("Key '{key}' does not exist"),
        ));
    }
    let region = parts(stream).map_or(caller.region, |(region, _, _)| region);
    let single = |text: String| ContextValue::Single(text);
    let context = vec![
        ("aws:ViaAWSService".to_owned(), single("true".to_owned())),
        (
            "kms:ViaService".to_owned(),
            single(format!("kinesis.{region}.amazonaws.com")),
        ),
        (
            "kms:EncryptionContext:aws:kinesis:arn".to_owned(),
            single(stream.to_owned()),
        ),
        (
            "kms:EncryptionContextKeys".to_owned(),
            ContextValue::Multi(vec!["aws:kinesis:arn".to_owned()]),
        ),
    ];
    let session = caller.credential.identity.session();
    let verdict = state
        .engine
        .decide(&session, action, key, &context)
        .map_err(|error| invalid(&error.to_string()))?;
    if verdict.allowed {
        return Ok(());
    }
    let mut reply = KinesisReply::bad("KMSAccessDeniedException", &verdict.message);
    reply.explanation = Some(verdict.reason);
    Err(reply)
}

/// The encryption context Kinesis passes to KMS: the stream ARN.
pub(crate) fn kms_context(stream: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("aws:kinesis:arn".to_owned(), stream.to_owned())])
}

/// A resource policy as the engine reads it; a document Kinesis would refuse is an error.
pub(crate) fn resource_policy(text: &str, label: String) -> Result<SourcedPolicy, String> {
    let parsed = parse_policy(text, PolicyKind::Resource);
    if let Some(finding) = parsed
        .findings
        .iter()
        .find(|finding| finding.severity == Severity::Error)
    {
        return Err(finding.message.clone());
    }
    let source = SourceFile::new(label.clone(), text.to_owned());
    Ok(SourcedPolicy::new(Arc::new(parsed.policy), label).with_source(source))
}

fn policy_text(policy: Option<&SourcedPolicy>) -> Option<String> {
    policy
        .and_then(|policy| policy.source.as_ref())
        .map(|source| source.text().to_string())
}

/// The store's record of a scenario stream: one shard (a scenario does not say how many).
fn record_of(stream: &Stream, now: i64) -> StreamRecord {
    StreamRecord {
        account: stream.account.to_string(),
        region: stream.region.clone(),
        name: stream.name.clone(),
        created: now,
        shards: 1,
        mode: "PROVISIONED".to_owned(),
        encryption_key: stream.encryption_key.clone(),
        policy: policy_text(stream.policy.as_ref()),
        consumers: stream
            .consumers
            .iter()
            .map(|(arn, policy)| ConsumerRecord {
                name: consumer_name(arn).to_owned(),
                arn: arn.clone(),
                created: consumer_created(arn).unwrap_or(now),
                policy: policy_text(policy.as_ref()),
            })
            .collect(),
        deleted: false,
    }
}

/// `NAME` of `STREAM/consumer/NAME:TIMESTAMP`.
pub(crate) fn consumer_name(arn: &str) -> &str {
    let tail = arn.rsplit_once("/consumer/").map_or(arn, |(_, tail)| tail);
    tail.rsplit_once(':').map_or(tail, |(name, _)| name)
}

fn consumer_created(arn: &str) -> Option<i64> {
    arn.rsplit_once(':')?.1.parse().ok()
}

/// The world's stream for a stored record.
fn stream_from(arn: &str, record: &StreamRecord) -> Result<Stream, String> {
    let account: AccountId = record
        .account
        .parse()
        .map_err(|_| format!("`{}` is not an account id", record.account))?;
    let policy = record
        .policy
        .as_deref()
        .map(|text| resource_policy(text, format!("stream policy of {}", record.name)))
        .transpose()?;
    let mut consumers = BTreeMap::new();
    for consumer in &record.consumers {
        let policy = consumer
            .policy
            .as_deref()
            .map(|text| resource_policy(text, format!("consumer policy of {}", consumer.arn)))
            .transpose()?;
        consumers.insert(consumer.arn.clone(), policy);
    }
    Ok(Stream {
        arn: arn.to_owned(),
        account,
        region: record.region.clone(),
        name: record.name.clone(),
        policy,
        encryption_key: record.encryption_key.clone(),
        consumers,
        origin: origin(arn),
    })
}

/// Writes a stream's record and puts it into the world at once, so the next request is
/// decided on it (a deleted stream leaves the world).
pub(crate) fn save(state: &State, arn: &str, record: &StreamRecord) -> Result<(), KinesisReply> {
    let stream = stream_from(arn, record).map_err(|error| invalid(&error))?;
    state
        .store
        .put_stream(arn, record)
        .map_err(|error| internal(&error))?;
    place(state, arn, record, stream);
    Ok(())
}

fn place(state: &State, arn: &str, record: &StreamRecord, mut stream: Stream) {
    let mut world = state.engine.world_mut();
    if record.deleted {
        world.streams.remove(arn);
        return;
    }
    if let Some(old) = world.streams.get(arn) {
        stream.origin = old.origin.clone();
    }
    world.streams.insert(arn.to_owned(), stream);
}

/// At start: the scenario's streams the store lacks are written to it, and the store's
/// streams (created, changed or deleted by clients on an earlier run) are put back into the
/// world.
pub fn sync(state: &State) -> Result<(), String> {
    let now = jiff::Timestamp::now().as_second();
    let scenario: Vec<(String, StreamRecord)> = state
        .engine
        .world()
        .streams
        .values()
        .map(|stream| (stream.arn.clone(), record_of(stream, now)))
        .collect();
    state
        .store
        .keep_streams(&scenario)
        .map_err(|error| error.to_string())?;
    for (arn, record) in state.store.streams().map_err(|error| error.to_string())? {
        let stream = stream_from(&arn, &record)?;
        place(state, &arn, &record, stream);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
