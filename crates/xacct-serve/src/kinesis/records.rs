//! Records: PutRecord(s), GetShardIterator and GetRecords. A partition key is hashed with MD5
//! to a 128-bit integer and lands in the shard whose hash key range holds it, as Kinesis maps
//! it (<https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html>). A
//! record's sequence number is made of its shard and its place in the shard (see
//! `store::kinesis`), so sequence numbers grow within a shard and compare as numbers. On a
//! stream encrypted with a KMS key, the data is sealed under the key with the stream ARN as
//! encryption context (the KMS service's AES-GCM), and opened again for a reader.

use super::{
    authorize, authorize_kms, existing, internal, kms_context, parts, required, stream_arn, text,
    Caller, KinesisReply,
};
use crate::store::{DataRecord, StreamRecord};
use crate::State;
use base64::Engine as _;
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A record's data may be at most 1 MiB.
const MAX_DATA: usize = 1 << 20;
/// A shard iterator is good for five minutes
/// (<https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html>).
const ITERATOR_LIFETIME: i64 = 300;

pub fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

pub fn shard_index(id: &str) -> Option<u32> {
    let digits = id.strip_prefix("shardId-")?;
    (digits.len() == 12).then(|| digits.parse().ok()).flatten()
}

/// The hash key range of shard `index` of `count`: the 128-bit space split evenly, the last
/// shard taking the remainder.
pub fn hash_range(index: u32, count: u32) -> (u128, u128) {
    let width = u128::MAX / u128::from(count.max(1));
    let start = width.saturating_mul(u128::from(index));
    let end = if index.saturating_add(1) >= count {
        u128::MAX
    } else {
        width
            .saturating_mul(u128::from(index).saturating_add(1))
            .saturating_sub(1)
    };
    (start, end)
}

/// The shard a hash key falls in.
fn shard_for(hash: u128, count: u32) -> u32 {
    let width = u128::MAX / u128::from(count.max(1));
    let index = hash / width.max(1);
    u32::try_from(index)
        .unwrap_or(u32::MAX)
        .min(count.saturating_sub(1))
}

/// The MD5 of a partition key, as an unsigned 128-bit integer.
fn hash_key(partition_key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(partition_key.as_bytes()).into())
}

/// `49`, the shard (12 digits), the place (42 digits): 56 digits, like Kinesis's.
pub fn sequence_number(shard: u32, place: u64) -> String {
    format!("49{shard:012}{place:042}")
}

/// The shard and place of a sequence number this endpoint issued.
pub(super) fn parse_sequence_number(text: &str) -> Option<(u32, u64)> {
    let digits = text.strip_prefix("49")?;
    if digits.len() != 54 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (shard, place) = digits.split_at(12);
    Some((shard.parse().ok()?, place.parse().ok()?))
}

fn invalid_sequence_number(text: &str) -> KinesisReply {
    super::invalid(&format!(
        "StartingSequenceNumber {text} used in GetShardIterator on shard is not a sequence number of that shard"
    ))
}

/// What a shard iterator holds: the stream, the shard, the next place to read, and when it
/// expires. It is opaque to clients and signed with the store's iterator secret, so only
/// GetShardIterator (authorized on the stream) makes one; GetRecords authorizes the caller on
/// the stream it names.
#[derive(Serialize, Deserialize)]
struct Iterator {
    stream: String,
    shard: u32,
    next: u64,
    expires: i64,
}

/// `BASE64(JSON).HEX(HMAC-SHA256)`.
fn encode_iterator(state: &State, iterator: &Iterator) -> Result<String, KinesisReply> {
    let secret = state
        .store
        .iterator_secret()
        .map_err(|error| internal(&error))?;
    let bytes = serde_json::to_vec(iterator).unwrap_or_default();
    Ok(format!(
        "{}.{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes),
        hex::encode(crate::sigv4::hmac(&secret, &bytes))
    ))
}

/// The iterator, when its signature is this endpoint's.
fn decode_iterator(state: &State, text: &str) -> Result<Option<Iterator>, KinesisReply> {
    let secret = state
        .store
        .iterator_secret()
        .map_err(|error| internal(&error))?;
    let Some((body, signature)) = text.split_once('.') else {
        return Ok(None);
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body) else {
        return Ok(None);
    };
    let expected = hex::encode(crate::sigv4::hmac(&secret, &bytes));
    if !crate::sigv4::matches(&expected, signature) {
        return Ok(None);
    }
    Ok(serde_json::from_slice(&bytes).ok())
}

fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// One record to write: its data (base64 in the request), partition key and shard.
fn parse_entry(entry: &Value, shards: u32) -> Result<(u32, Vec<u8>, String), KinesisReply> {
    let data = base64::engine::general_purpose::STANDARD
        .decode(required(entry, "Data")?)
        .map_err(|_| KinesisReply::bad("SerializationException", "Data is not base64"))?;
    if data.len() > MAX_DATA {
        return Err(super::invalid("Data must be at most 1 MiB (1048576 bytes)"));
    }
    let partition_key = required(entry, "PartitionKey")?;
    if partition_key.is_empty() || partition_key.chars().count() > 256 {
        return Err(super::invalid("PartitionKey must be 1 to 256 characters"));
    }
    let hash = match text(entry, "ExplicitHashKey") {
        Some(explicit) => explicit.parse::<u128>().map_err(|_| {
            super::invalid(&format!(
                "ExplicitHashKey `{explicit}` is not an integer from 0 to 2^128 - 1"
            ))
        })?,
        None => hash_key(partition_key),
    };
    Ok((shard_for(hash, shards), data, partition_key.to_owned()))
}

/// Authorizes a write (the Kinesis action, then the KMS call on an encrypted stream) and
/// writes the records durably; returns the stream's record and each record's shard and place.
fn write(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    input: &Value,
    entries: &[Value],
) -> Result<(StreamRecord, Vec<(u32, u64)>), KinesisReply> {
    let arn = stream_arn(caller, input)?;
    authorize(state, caller, action, &arn)?;
    let record = existing(state, &arn)?;
    if let Some(key) = &record.encryption_key {
        authorize_kms(state, caller, "kms:GenerateDataKey", key, &arn)?;
    }
    let arrival = now_millis();
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let (shard, data, partition_key) = parse_entry(entry, record.shards)?;
        let stored = match &record.encryption_key {
            Some(key) => crate::kms::seal(state, key, &data, &kms_context(&arn))
                .map_err(|reply| KinesisReply::bad("KMSInvalidStateException", &reply.body))?,
            None => data,
        };
        rows.push((
            shard,
            DataRecord {
                data: base64::engine::general_purpose::STANDARD.encode(stored),
                partition_key,
                arrival,
                key: record.encryption_key.clone(),
            },
        ));
    }
    let places = state
        .store
        .append_records(&arn, &rows)
        .map_err(|error| internal(&error))?;
    let written = rows.iter().map(|(shard, _)| *shard).zip(places).collect();
    Ok((record, written))
}

fn encryption_type(record: &StreamRecord) -> &'static str {
    if record.encryption_key.is_some() {
        "KMS"
    } else {
        "NONE"
    }
}

pub fn put_record(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let (record, written) = write(
        state,
        caller,
        "kinesis:PutRecord",
        input,
        std::slice::from_ref(input),
    )?;
    let (shard, place) = written.first().copied().unwrap_or_default();
    Ok(json!({
        "ShardId": shard_id(shard),
        "SequenceNumber": sequence_number(shard, place),
        "EncryptionType": encryption_type(&record),
    }))
}

/// PutRecords: every record is written, or (on a refusal or a bad record) none; so
/// `FailedRecordCount` is always 0 here.
pub fn put_records(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let entries = input
        .get("Records")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if entries.is_empty() || entries.len() > 500 {
        return Err(super::invalid("Records must hold from 1 to 500 records"));
    }
    let (record, written) = write(state, caller, "kinesis:PutRecords", input, &entries)?;
    Ok(json!({
        "FailedRecordCount": 0,
        "Records": written.iter().map(|(shard, place)| json!({
            "SequenceNumber": sequence_number(*shard, *place),
            "ShardId": shard_id(*shard),
        })).collect::<Vec<_>>(),
        "EncryptionType": encryption_type(&record),
    }))
}

pub fn shard_iterator(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let arn = stream_arn(caller, input)?;
    let shard_text = required(input, "ShardId")?;
    let kind = required(input, "ShardIteratorType")?;
    authorize(state, caller, "kinesis:GetShardIterator", &arn)?;
    let record = existing(state, &arn)?;
    let shard = shard_index(shard_text)
        .filter(|shard| *shard < record.shards)
        .ok_or_else(|| {
            let account = parts(&arn).map_or("", |(_, account, _)| account);
            KinesisReply::bad(
                "ResourceNotFoundException",
                &format!(
                    "Shard {shard_text} in stream {} under account {account} does not exist",
                    record.name
                ),
            )
        })?;
    let next = starting_place(
        state,
        &arn,
        shard,
        kind,
        text(input, "StartingSequenceNumber"),
        input.get("Timestamp").and_then(Value::as_f64),
    )?;
    let iterator = Iterator {
        stream: arn,
        shard,
        next,
        expires: jiff::Timestamp::now().as_second() + ITERATOR_LIFETIME,
    };
    Ok(json!({ "ShardIterator": encode_iterator(state, &iterator)? }))
}

/// The place a reader starts at in `shard` of `arn`: GetShardIterator's `ShardIteratorType`,
/// SubscribeToShard's `StartingPosition.Type`, with the sequence number or time they name.
pub(super) fn starting_place(
    state: &State,
    arn: &str,
    shard: u32,
    kind: &str,
    sequence: Option<&str>,
    timestamp: Option<f64>,
) -> Result<u64, KinesisReply> {
    let at = || -> Result<u64, KinesisReply> {
        let text = sequence.ok_or_else(|| {
            super::invalid(&format!("a sequence number (StartingSequenceNumber, or StartingPosition.SequenceNumber) is required for {kind}"))
        })?;
        match parse_sequence_number(text) {
            Some((of, place)) if of == shard => Ok(place),
            _ => Err(invalid_sequence_number(text)),
        }
    };
    let next = match kind {
        "TRIM_HORIZON" => 0,
        "LATEST" => state
            .store
            .last_place(arn, shard)
            .map_err(|error| internal(&error))?
            .saturating_add(1),
        "AT_SEQUENCE_NUMBER" => at()?,
        "AFTER_SEQUENCE_NUMBER" => at()?.saturating_add(1),
        "AT_TIMESTAMP" => {
            let seconds = timestamp
                .ok_or_else(|| {
                    super::invalid("Timestamp is required for AT_TIMESTAMP")
                })?;
            // Milliseconds, to the millisecond the records carry.
            let millis = (seconds * 1000.0).round() as i64;
            let rows = state
                .store
                .records(arn, shard, 0, usize::MAX)
                .map_err(|error| internal(&error))?;
            rows.iter()
                .find(|(_, row)| row.arrival >= millis)
                .map(|(place, _)| *place)
                .unwrap_or_else(|| rows.last().map_or(0, |(place, _)| place.saturating_add(1)))
        }
        other => {
            return Err(super::invalid(&format!(
                "`{other}` is not TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER or AT_TIMESTAMP"
            )))
        }
    };
    Ok(next)
}

/// What a reader gets from a shard: the records (JSON, as GetRecords and SubscribeToShard
/// give them), the next place to read, and how far behind the latest record it is.
pub(super) struct Read {
    pub records: Vec<Value>,
    pub next: u64,
    pub behind: i64,
}

/// Up to `limit` records of `shard` from place `from`, opened for the caller: on an encrypted
/// stream the caller needs `kms:Decrypt` on the stream's key and on any other key a record was
/// sealed with, as Kinesis decrypts with the caller's credentials.
pub(super) fn read(
    state: &State,
    caller: &Caller<'_>,
    stream: &str,
    shard: u32,
    from: u64,
    limit: usize,
) -> Result<Read, KinesisReply> {
    let record = existing(state, stream)?;
    let rows = state
        .store
        .records(stream, shard, from, limit)
        .map_err(|error| internal(&error))?;
    let mut keys: Vec<&str> = record.encryption_key.iter().map(String::as_str).collect();
    for (_, row) in &rows {
        if let Some(key) = row.key.as_deref() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    for key in keys {
        authorize_kms(state, caller, "kms:Decrypt", key, stream)?;
    }
    let context = kms_context(stream);
    let mut out = Vec::with_capacity(rows.len());
    for (place, row) in &rows {
        let stored = base64::engine::general_purpose::STANDARD
            .decode(&row.data)
            .map_err(|_| {
                KinesisReply::bad("InternalFailureException", "a stored record is not base64")
            })?;
        let data = match &row.key {
            Some(_) => {
                let (key, rest) = crate::kms::blob_key(&stored)
                    .map_err(|reply| KinesisReply::bad("KMSInvalidStateException", &reply.body))?;
                crate::kms::open(state, &key, rest, &context)
                    .map_err(|reply| KinesisReply::bad("KMSInvalidStateException", &reply.body))?
            }
            None => stored,
        };
        let mut entry = json!({
            "SequenceNumber": sequence_number(shard, *place),
            "ApproximateArrivalTimestamp": row.arrival as f64 / 1000.0,
            "Data": base64::engine::general_purpose::STANDARD.encode(data),
            "PartitionKey": row.partition_key,
        });
        if row.key.is_some() {
            if let Some(fields) = entry.as_object_mut() {
                fields.insert("EncryptionType".to_owned(), json!("KMS"));
            }
        }
        out.push(entry);
    }
    let next = rows
        .last()
        .map_or(from, |(place, _)| place.saturating_add(1));
    let last = state
        .store
        .last_place(stream, shard)
        .map_err(|error| internal(&error))?;
    let behind = match rows.last() {
        Some((place, row)) if *place < last => (now_millis() - row.arrival).max(0),
        _ => 0,
    };
    Ok(Read {
        records: out,
        next,
        behind,
    })
}

/// GetRecords: authorized on the stream the iterator names; on an encrypted stream the caller
/// also needs `kms:Decrypt` on the stream's key (and on any other key an older record was
/// sealed with).
pub fn get_records(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, KinesisReply> {
    let text_iterator = required(input, "ShardIterator")?;
    let iterator = decode_iterator(state, text_iterator)?
        .filter(|iterator| parts(&iterator.stream).is_some())
        .ok_or_else(|| super::invalid("ShardIterator is not a shard iterator of this endpoint"))?;
    let limit = input.get("Limit").and_then(Value::as_u64).unwrap_or(10_000);
    if !(1..=10_000).contains(&limit) {
        return Err(super::invalid("Limit must be from 1 to 10000"));
    }
    authorize(state, caller, "kinesis:GetRecords", &iterator.stream)?;
    let now = jiff::Timestamp::now().as_second();
    if now > iterator.expires {
        return Err(KinesisReply::bad(
            "ExpiredIteratorException",
            &format!(
                "Iterator expired. The iterator was created at time {} while right now it is {now} which is further in the future than the tolerated delay of 300000 milliseconds.",
                iterator.expires - ITERATOR_LIFETIME
            ),
        ));
    }
    let Read {
        records: out,
        next,
        behind,
    } = read(
        state,
        caller,
        &iterator.stream,
        iterator.shard,
        iterator.next,
        usize::try_from(limit).unwrap_or(10_000),
    )?;
    let following = Iterator {
        stream: iterator.stream.clone(),
        shard: iterator.shard,
        next,
        expires: now + ITERATOR_LIFETIME,
    };
    Ok(json!({
        "Records": out,
        "NextShardIterator": encode_iterator(state, &following)?,
        "MillisBehindLatest": behind,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ranges_cover_the_space_and_keys_land_in_their_range() {
        for count in [1_u32, 2, 3, 4, 7] {
            let mut expected_start = 0_u128;
            for index in 0..count {
                let (start, end) = hash_range(index, count);
                assert_eq!(start, expected_start, "{count} shards, shard {index}");
                assert!(end >= start);
                expected_start = end.wrapping_add(1);
                assert_eq!(shard_for(start, count), index);
                assert_eq!(shard_for(end, count), index);
            }
            assert_eq!(hash_range(count - 1, count).1, u128::MAX);
        }
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661: in the first half.
        assert_eq!(hash_key("a") >> 120, 0x0c);
        assert_eq!(shard_for(hash_key("a"), 2), 0);
    }

    #[test]
    fn sequence_numbers_name_their_shard_and_grow_with_their_place() {
        let first = sequence_number(3, 9);
        let second = sequence_number(3, 10);
        // Numbers of one width compare as their digits do.
        assert_eq!((first.len(), second.len()), (56, 56));
        assert!(first < second);
        assert!(sequence_number(2, u64::MAX) < first);
        assert_eq!(parse_sequence_number(&second), Some((3, 10)));
        assert_eq!(parse_sequence_number("12"), None);
        assert_eq!(shard_index(&shard_id(17)), Some(17));
        assert_eq!(shard_index("shardId-1"), None);
    }
}
