//! The stream-level calls: create, delete, describe and list streams and shards, consumers,
//! resource policies and encryption. Each is authorized as its own IAM action on the stream
//! (or consumer) ARN before the stream is looked up, as AWS evaluates the ARN the request
//! names whether or not the stream exists.
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonkinesis.html>

use super::records::{hash_range, sequence_number, shard_id, shard_index};
use super::{
    authorize, existing, internal, parts, required, save, stream_arn, stream_of, text, valid_name,
    Caller, KinesisReply,
};
use crate::store::{ConsumerRecord, StreamRecord};
use crate::State;
use serde_json::{json, Value};

fn description_fields(arn: &str, record: &StreamRecord) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("StreamName".to_owned(), json!(record.name));
    fields.insert("StreamARN".to_owned(), json!(arn));
    fields.insert("StreamStatus".to_owned(), json!("ACTIVE"));
    fields.insert(
        "StreamModeDetails".to_owned(),
        json!({"StreamMode": record.mode}),
    );
    fields.insert("RetentionPeriodHours".to_owned(), json!(24));
    fields.insert("StreamCreationTimestamp".to_owned(), json!(record.created));
    fields.insert(
        "EnhancedMonitoring".to_owned(),
        json!([{"ShardLevelMetrics": []}]),
    );
    match &record.encryption_key {
        Some(key) => {
            fields.insert("EncryptionType".to_owned(), json!("KMS"));
            fields.insert("KeyId".to_owned(), json!(key));
        }
        None => {
            fields.insert("EncryptionType".to_owned(), json!("NONE"));
        }
    }
    fields
}

fn shard(index: u32, count: u32) -> Value {
    let (start, end) = hash_range(index, count);
    json!({
        "ShardId": shard_id(index),
        "HashKeyRange": {"StartingHashKey": start.to_string(), "EndingHashKey": end.to_string()},
        "SequenceNumberRange": {"StartingSequenceNumber": sequence_number(index, 0)},
    })
}

/// The shards after `ExclusiveStartShardId`, if given.
fn shards_after(record: &StreamRecord, after: Option<&str>) -> Vec<Value> {
    let first = after
        .and_then(shard_index)
        .map_or(0, |index| index.saturating_add(1));
    (first..record.shards)
        .map(|index| shard(index, record.shards))
        .collect()
}

pub fn create(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, KinesisReply> {
    let name = required(input, "StreamName")?;
    if !valid_name(name) {
        return Err(super::invalid(
            "StreamName must be 1 to 128 of a-z, A-Z, 0-9, `_`, `.` and `-`",
        ));
    }
    let account = caller.account();
    let arn = format!("arn:aws:kinesis:{}:{account}:stream/{name}", caller.region);
    authorize(state, caller, "kinesis:CreateStream", &arn)?;
    if existing(state, &arn).is_ok() {
        return Err(KinesisReply::bad(
            "ResourceInUseException",
            &format!("Stream {name} under account {account} already exists."),
        ));
    }
    let count = input.get("ShardCount").and_then(Value::as_u64);
    let mode = input
        .pointer("/StreamModeDetails/StreamMode")
        .and_then(Value::as_str)
        .unwrap_or(if count.is_some() {
            "PROVISIONED"
        } else {
            "ON_DEMAND"
        });
    if !matches!(mode, "PROVISIONED" | "ON_DEMAND") {
        return Err(super::invalid(&format!(
            "StreamMode `{mode}` is not PROVISIONED or ON_DEMAND"
        )));
    }
    // An on-demand stream starts with 4 shards.
    // <https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>
    let shards = match (mode, count) {
        ("PROVISIONED", None) => {
            return Err(super::invalid(
                "ShardCount is required for a PROVISIONED stream",
            ))
        }
        ("ON_DEMAND", Some(_)) => {
            return Err(super::invalid(
                "ShardCount is not accepted for an ON_DEMAND stream",
            ))
        }
        (_, Some(count)) => u32::try_from(count).unwrap_or(0),
        (_, None) => 4,
    };
    if !(1..=1000).contains(&shards) {
        return Err(super::invalid(
            "ShardCount must be from 1 to 1000 (xacct serve's limit)",
        ));
    }
    let record = StreamRecord {
        account,
        region: caller.region.to_owned(),
        name: name.to_owned(),
        created: jiff::Timestamp::now().as_second(),
        shards,
        mode: mode.to_owned(),
        encryption_key: None,
        policy: None,
        consumers: Vec::new(),
        deleted: false,
    };
    save(state, &arn, &record)?;
    Ok(json!({}))
}

pub fn delete(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    authorize(state, caller, "kinesis:DeleteStream", &arn)?;
    let mut record = existing(state, &arn)?;
    let enforce = input
        .get("EnforceConsumerDeletion")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !record.consumers.is_empty() && !enforce {
        return Err(KinesisReply::bad(
            "ResourceInUseException",
            &format!(
                "Stream {} has registered consumers: deregister them or pass EnforceConsumerDeletion",
                record.name
            ),
        ));
    }
    record.deleted = true;
    record.consumers.clear();
    record.policy = None;
    state
        .store
        .delete_stream(&arn, &record)
        .map_err(|error| internal(&error))?;
    state.engine.world_mut().streams.remove(&arn);
    Ok(json!({}))
}

pub fn describe(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    authorize(state, caller, "kinesis:DescribeStream", &arn)?;
    let record = existing(state, &arn)?;
    let mut fields = description_fields(&arn, &record);
    fields.insert(
        "Shards".to_owned(),
        Value::Array(shards_after(&record, text(input, "ExclusiveStartShardId"))),
    );
    fields.insert("HasMoreShards".to_owned(), json!(false));
    Ok(json!({ "StreamDescription": fields }))
}

pub fn summary(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    authorize(state, caller, "kinesis:DescribeStreamSummary", &arn)?;
    let record = existing(state, &arn)?;
    let mut fields = description_fields(&arn, &record);
    fields.insert("OpenShardCount".to_owned(), json!(record.shards));
    fields.insert("ConsumerCount".to_owned(), json!(record.consumers.len()));
    Ok(json!({ "StreamDescriptionSummary": fields }))
}

/// The caller's streams in the Region of the request (ListStreams takes no resource).
pub fn list(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, KinesisReply> {
    authorize(state, caller, "kinesis:ListStreams", "*")?;
    let account = caller.account();
    let after = text(input, "ExclusiveStartStreamName");
    let limit = input
        .get("Limit")
        .and_then(Value::as_u64)
        .map_or(100, |limit| usize::try_from(limit).unwrap_or(100));
    let streams = state.store.streams().map_err(|error| internal(&error))?;
    let mut mine: Vec<(String, StreamRecord)> = streams
        .into_iter()
        .filter(|(_, record)| {
            !record.deleted && record.account == account && record.region == caller.region
        })
        .filter(|(_, record)| after.is_none_or(|after| record.name.as_str() > after))
        .collect();
    mine.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let more = mine.len() > limit;
    mine.truncate(limit);
    Ok(json!({
        "StreamNames": mine.iter().map(|(_, record)| record.name.clone()).collect::<Vec<_>>(),
        "HasMoreStreams": more,
        "StreamSummaries": mine.iter().map(|(arn, record)| json!({
            "StreamName": record.name,
            "StreamARN": arn,
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": record.mode},
            "StreamCreationTimestamp": record.created,
        })).collect::<Vec<_>>(),
    }))
}

pub fn list_shards(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    authorize(state, caller, "kinesis:ListShards", &arn)?;
    let record = existing(state, &arn)?;
    Ok(json!({ "Shards": shards_after(&record, text(input, "ExclusiveStartShardId")) }))
}

fn consumer_json(consumer: &ConsumerRecord) -> Value {
    json!({
        "ConsumerName": consumer.name,
        "ConsumerARN": consumer.arn,
        "ConsumerStatus": "ACTIVE",
        "ConsumerCreationTimestamp": consumer.created,
    })
}

fn consumer_not_found(name: &str) -> KinesisReply {
    KinesisReply::bad(
        "ResourceNotFoundException",
        &format!("Consumer {name} not found."),
    )
}

pub fn register_consumer(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let arn = required(input, "StreamARN")?.to_owned();
    let name = required(input, "ConsumerName")?;
    if parts(&arn).is_none() || !valid_name(name) {
        return Err(super::invalid(
            "StreamARN must be a stream ARN and ConsumerName 1 to 128 of a-z, A-Z, 0-9, `_`, `.` and `-`",
        ));
    }
    authorize(state, caller, "kinesis:RegisterStreamConsumer", &arn)?;
    let mut record = existing(state, &arn)?;
    if record
        .consumers
        .iter()
        .any(|consumer| consumer.name == name)
    {
        return Err(KinesisReply::bad(
            "ResourceInUseException",
            &format!("Consumer {name} already exists for stream {}.", record.name),
        ));
    }
    let created = jiff::Timestamp::now().as_second();
    let consumer = ConsumerRecord {
        name: name.to_owned(),
        arn: format!("{arn}/consumer/{name}:{created}"),
        created,
        policy: None,
    };
    let answer = json!({ "Consumer": consumer_json(&consumer) });
    record.consumers.push(consumer);
    save(state, &arn, &record)?;
    Ok(answer)
}

/// The consumer a request names (`ConsumerARN`, or `StreamARN` and `ConsumerName`), as the
/// ARN to authorize (without its timestamp when a name names no consumer), with its stream's
/// record and its place there when it exists.
fn named_consumer(
    state: &State,
    input: &Value,
) -> Result<(String, Option<(StreamRecord, usize)>), KinesisReply> {
    let (stream, by_arn, name) = match (text(input, "ConsumerARN"), text(input, "StreamARN")) {
        (Some(arn), _) => (stream_of(arn).to_owned(), Some(arn), None),
        (None, Some(stream)) => (
            stream.to_owned(),
            None,
            Some(required(input, "ConsumerName")?),
        ),
        (None, None) => {
            return Err(super::invalid(
                "Either ConsumerARN or StreamARN and ConsumerName should be provided.",
            ))
        }
    };
    if parts(&stream).is_none() {
        return Err(super::invalid(&format!(
            "`{stream}` is not a stream or consumer ARN"
        )));
    }
    let record = state
        .store
        .stream(&stream)
        .map_err(|error| internal(&error))?
        .filter(|record| !record.deleted);
    let place = record.as_ref().and_then(|record| {
        record.consumers.iter().position(|consumer| {
            by_arn.is_some_and(|arn| consumer.arn == arn)
                || name.is_some_and(|name| consumer.name == name)
        })
    });
    let found = record.zip(place);
    let arn = match (&found, by_arn, name) {
        (Some((record, place)), _, _) => record
            .consumers
            .get(*place)
            .map(|consumer| consumer.arn.clone())
            .unwrap_or_default(),
        (None, Some(arn), _) => arn.to_owned(),
        (None, None, name) => format!("{stream}/consumer/{}", name.unwrap_or_default()),
    };
    Ok((arn, found))
}

pub fn describe_consumer(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let (arn, found) = named_consumer(state, input)?;
    authorize(state, caller, "kinesis:DescribeStreamConsumer", &arn)?;
    let name = super::consumer_name(&arn);
    let (record, place) = found.ok_or_else(|| consumer_not_found(name))?;
    let consumer = record
        .consumers
        .get(place)
        .ok_or_else(|| consumer_not_found(name))?;
    let mut description = consumer_json(consumer);
    if let Some(fields) = description.as_object_mut() {
        fields.insert("StreamARN".to_owned(), json!(stream_of(&consumer.arn)));
    }
    Ok(json!({ "ConsumerDescription": description }))
}

pub fn list_consumers(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let arn = required(input, "StreamARN")?.to_owned();
    if parts(&arn).is_none() {
        return Err(super::invalid(&format!(
            "StreamARN `{arn}` is not a stream ARN"
        )));
    }
    authorize(state, caller, "kinesis:ListStreamConsumers", &arn)?;
    let record = existing(state, &arn)?;
    Ok(json!({ "Consumers": record.consumers.iter().map(consumer_json).collect::<Vec<_>>() }))
}

pub fn deregister_consumer(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let (arn, found) = named_consumer(state, input)?;
    authorize(state, caller, "kinesis:DeregisterStreamConsumer", &arn)?;
    let (mut record, place) =
        found.ok_or_else(|| consumer_not_found(super::consumer_name(&arn)))?;
    if place < record.consumers.len() {
        record.consumers.remove(place);
    }
    save(state, stream_of(&arn), &record)?;
    Ok(json!({}))
}

/// The stream or consumer a resource-policy call names, its stream's record, and the place
/// of the consumer (`None` for the stream itself).
fn policy_target(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    input: &Value,
) -> Result<(String, StreamRecord, Option<usize>), KinesisReply> {
    let arn = required(input, "ResourceARN")?.to_owned();
    let stream = stream_of(&arn).to_owned();
    if parts(&stream).is_none() {
        return Err(super::invalid(&format!(
            "ResourceARN `{arn}` is not a stream or consumer ARN"
        )));
    }
    authorize(state, caller, action, &arn)?;
    let record = existing(state, &stream)?;
    if arn == stream {
        return Ok((arn, record, None));
    }
    let place = record
        .consumers
        .iter()
        .position(|consumer| consumer.arn == arn)
        .ok_or_else(|| consumer_not_found(super::consumer_name(&arn)))?;
    Ok((arn, record, Some(place)))
}

pub fn put_policy(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let text = required(input, "Policy")?.to_owned();
    let (arn, mut record, place) =
        policy_target(state, caller, "kinesis:PutResourcePolicy", input)?;
    super::resource_policy(&text, format!("resource policy of {arn}"))
        .map_err(|error| super::invalid(&format!("the policy is not valid: {error}")))?;
    match place.and_then(|place| record.consumers.get_mut(place)) {
        Some(consumer) => consumer.policy = Some(text),
        None => record.policy = Some(text),
    }
    save(state, stream_of(&arn), &record)?;
    Ok(json!({}))
}

pub fn get_policy(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let (_, record, place) = policy_target(state, caller, "kinesis:GetResourcePolicy", input)?;
    let policy = match place.and_then(|place| record.consumers.get(place)) {
        Some(consumer) => consumer.policy.clone(),
        None => record.policy.clone(),
    };
    Ok(json!({ "Policy": policy.unwrap_or_else(|| "{}".to_owned()) }))
}

pub fn delete_policy(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let (arn, mut record, place) =
        policy_target(state, caller, "kinesis:DeleteResourcePolicy", input)?;
    match place.and_then(|place| record.consumers.get_mut(place)) {
        Some(consumer) => consumer.policy = None,
        None => record.policy = None,
    }
    save(state, stream_of(&arn), &record)?;
    Ok(json!({}))
}

/// StartStreamEncryption: the key is named as KMS reads a `KeyId` (ARN, alias ARN,
/// `alias/NAME` or key id, the last two in the stream's account and Region);
/// `alias/aws/kinesis` is Kinesis's AWS managed key.
pub fn start_encryption(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    let kind = required(input, "EncryptionType")?;
    let key_id = required(input, "KeyId")?;
    authorize(state, caller, "kinesis:StartStreamEncryption", &arn)?;
    let mut record = existing(state, &arn)?;
    if kind != "KMS" {
        return Err(super::invalid("EncryptionType must be KMS"));
    }
    let key = if super::aws_managed(key_id) {
        format!(
            "arn:aws:kms:{}:{}:alias/aws/kinesis",
            record.region, record.account
        )
    } else {
        crate::kms::resolve(state, key_id, &record.account, &record.region).ok_or_else(|| {
            KinesisReply::bad(
                "KMSNotFoundException",
                &format!("Key '{key_id}' does not exist"),
            )
        })?
    };
    record.encryption_key = Some(key);
    save(state, &arn, &record)?;
    Ok(json!({}))
}

pub fn stop_encryption(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    authorize(state, caller, "kinesis:StopStreamEncryption", &arn)?;
    let mut record = existing(state, &arn)?;
    record.encryption_key = None;
    save(state, &arn, &record)?;
    Ok(json!({}))
}
