//! SubscribeToShard, the enhanced fan-out read: a registered consumer subscribes to a shard and
//! Kinesis pushes the shard's records to it as `SubscribeToShardEvent`s of an event stream.
//! <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html>
//!
//! Decided as `kinesis:SubscribeToShard` on the consumer's ARN (the consumer's resource policy
//! and the stream's count as for `xacct check`), then, on an encrypted stream, `kms:Decrypt` as
//! GetRecords is. AWS keeps a subscription open for up to five minutes and pushes records as
//! they arrive; here one event carries the records present when the call is made, and the
//! stream ends, so a client subscribes again from the `ContinuationSequenceNumber` (as the
//! Kinesis Client Library does every five minutes). A second subscription of the same consumer
//! to the same shard within five seconds is `ResourceInUseException`, as in AWS.

use super::records::{self, read, sequence_number, shard_index, starting_place, Read};
use super::{authorize, event_stream, existing, required, text, Caller, KinesisReply};
use crate::State;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most records one event carries (GetRecords' own limit).
pub const MOST_RECORDS: usize = 10_000;

/// Most bytes of JSON records one event carries (a record holds at most 1 MiB, 1.4 MiB as
/// base64, so at least one always fits).
const MOST_BYTES: usize = 8 << 20;

/// How long a subscription holds its consumer and shard against a new one.
const HELD_FOR_MILLIS: i64 = 5_000;

/// When each (consumer, shard) was last subscribed, for the five-second rule.
#[derive(Default)]
pub struct Subscriptions {
    pub(super) last: Mutex<HashMap<(String, u32), i64>>,
}

impl Subscriptions {
    /// Takes the subscription for `consumer` and `shard` at `now`, unless one was taken less
    /// than five seconds before.
    fn take(&self, consumer: &str, shard: u32, now: i64) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        let key = (consumer.to_owned(), shard);
        if last
            .get(&key)
            .is_some_and(|at| now.saturating_sub(*at) < HELD_FOR_MILLIS)
        {
            return false;
        }
        last.insert(key, now);
        true
    }
}

/// The event stream of one subscription: `initial-response`, then one `SubscribeToShardEvent`.
pub fn subscribe(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Vec<u8>, KinesisReply> {
    let consumer_arn = required(input, "ConsumerARN")?;
    let shard_text = required(input, "ShardId")?;
    let position = input
        .get("StartingPosition")
        .filter(|position| position.is_object())
        .ok_or_else(|| super::invalid("StartingPosition is required"))?;
    let kind = required(position, "Type")?;
    if super::parts(super::stream_of(consumer_arn)).is_none()
        || !consumer_arn.contains("/consumer/")
    {
        return Err(super::invalid(&format!(
            "`{consumer_arn}` is not a consumer ARN"
        )));
    }
    authorize(state, caller, "kinesis:SubscribeToShard", consumer_arn)?;
    let stream = super::stream_of(consumer_arn).to_owned();
    let record = existing(state, &stream)?;
    if !record
        .consumers
        .iter()
        .any(|consumer| consumer.arn == consumer_arn)
    {
        return Err(KinesisReply::bad(
            "ResourceNotFoundException",
            &format!("Consumer {consumer_arn} not found."),
        ));
    }
    let shard = shard_index(shard_text)
        .filter(|shard| *shard < record.shards)
        .ok_or_else(|| {
            KinesisReply::bad(
                "ResourceNotFoundException",
                &format!(
                    "Shard {shard_text} in stream {} does not exist",
                    record.name
                ),
            )
        })?;
    let from = starting_place(
        state,
        &stream,
        shard,
        kind,
        text(position, "SequenceNumber"),
        position.get("Timestamp").and_then(Value::as_f64),
    )?;
    // Decrypting is decided before the subscription is taken: a refused reader holds nothing.
    let Read {
        mut records,
        mut next,
        behind,
    } = read(state, caller, &stream, shard, from, MOST_RECORDS)?;
    // One event stays well under the 16 MiB an event stream message may carry; the rest is
    // for the next subscription, from the continuation.
    let mut size = 0;
    if let Some(cut) = records.iter().position(|record| {
        size += record.to_string().len();
        size > MOST_BYTES
    }) {
        if let Some(place) = records
            .get(cut.max(1))
            .and_then(|record| record.get("SequenceNumber")?.as_str())
            .and_then(records::parse_sequence_number)
            .map(|(_, place)| place)
        {
            records.truncate(cut.max(1));
            next = place;
        }
    }
    let now = jiff::Timestamp::now().as_millisecond();
    if !state.subscriptions.take(consumer_arn, shard, now) {
        return Err(KinesisReply::bad(
            "ResourceInUseException",
            &format!(
                "Another active subscription exists for consumer {consumer_arn} and shard {shard_text}."
            ),
        ));
    }
    let mut out = Vec::new();
    event_stream::event(&mut out, "initial-response", &json!({}));
    // The last place read, so AFTER_SEQUENCE_NUMBER continues at `next`; before the first
    // record, place 0, which holds none.
    let continuation = sequence_number(shard, next.saturating_sub(1));
    event_stream::event(
        &mut out,
        "SubscribeToShardEvent",
        &json!({
            "Records": records,
            "ContinuationSequenceNumber": continuation,
            "MillisBehindLatest": behind,
        }),
    );
    Ok(out)
}
