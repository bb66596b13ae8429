//! Kinesis data streams of one Region, as one bundle `ACCOUNT/REGION/kinesis.json`:
//!
//! ```json
//! { "Streams": { "<stream name>": {
//!     "DescribeStreamSummary": ..., "GetResourcePolicy": ..., "ListStreamConsumers": ...,
//!     "ConsumerPolicies": { "<consumer ARN>": <get-resource-policy> } } } }
//! ```
//!
//! Each value is the raw JSON response, the shape `aws kinesis` prints.

use crate::call::{Call, Recorder};
use crate::session::Session;
use serde_json::{Map, Value};

/// The bundle, or `None` when the listing itself could not be read (the gap says why).
pub(crate) async fn collect(session: &Session, recorder: &Recorder, region: &str) -> Option<Value> {
    let client = aws_sdk_kinesis::Client::new(&session.in_region(region));
    let account = &recorder.account;
    let everything = format!(
        "arn:{}:kinesis:{region}:{account}:stream/*",
        session.partition
    );
    let listed = recorder
        .raw_pages(
            &Call {
                action: "kinesis:ListStreams",
                resource: &everything,
                unanswerable:
                    "which Kinesis streams the account has: reads of them cannot be checked",
                absent: &[],
            },
            &["StreamNames", "StreamSummaries"],
            "NextToken",
            page!(client.list_streams(), set_next_token),
        )
        .await
        .got()?;
    let names: Vec<String> = listed
        .get("StreamNames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect();
    let mut streams = Map::new();
    for name in names {
        let arn = format!(
            "arn:{}:kinesis:{region}:{account}:stream/{name}",
            session.partition
        );
        let call = |action, unanswerable| Call {
            action,
            resource: &arn,
            unanswerable,
            absent: &["ResourceNotFoundException"],
        };
        let mut stream = Map::new();
        if let Some(value) = recorder
            .raw(
                &call(
                    "kinesis:DescribeStreamSummary",
                    "which key encrypts the stream: kms:Decrypt on reads is not checked",
                ),
                once!(client.describe_stream_summary().stream_arn(&arn)),
            )
            .await
            .got()
        {
            stream.insert("DescribeStreamSummary".to_owned(), value);
        }
        if let Some(value) = recorder
            .raw(
                &call(
                    "kinesis:GetResourcePolicy",
                    "who the stream's resource policy lets in: cross-account reads look denied",
                ),
                once!(client.get_resource_policy().resource_arn(&arn)),
            )
            .await
            .got()
        {
            stream.insert("GetResourcePolicy".to_owned(), value);
        }
        let consumers = recorder
            .raw_pages(
                &call(
                    "kinesis:ListStreamConsumers",
                    "the stream's enhanced fan-out consumers",
                ),
                &["Consumers"],
                "NextToken",
                page!(
                    client.list_stream_consumers().stream_arn(&arn),
                    set_next_token
                ),
            )
            .await
            .got();
        let consumer_arns: Vec<String> = consumers
            .as_ref()
            .and_then(|consumers| consumers.get("Consumers"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|consumer| consumer.get("ConsumerARN")?.as_str().map(str::to_owned))
            .collect();
        if let Some(consumers) = consumers {
            stream.insert("ListStreamConsumers".to_owned(), consumers);
        }
        let mut policies = Map::new();
        for consumer in consumer_arns {
            if let Some(value) = recorder
                .raw(
                    &Call {
                        action: "kinesis:GetResourcePolicy",
                        resource: &consumer,
                        unanswerable: "who the consumer's resource policy lets subscribe",
                        absent: &["ResourceNotFoundException"],
                    },
                    once!(client.get_resource_policy().resource_arn(&consumer)),
                )
                .await
                .got()
            {
                policies.insert(consumer, value);
            }
        }
        stream.insert("ConsumerPolicies".to_owned(), Value::Object(policies));
        streams.insert(name, Value::Object(stream));
    }
    let mut bundle = Map::new();
    bundle.insert("Streams".to_owned(), Value::Object(streams));
    Some(Value::Object(bundle))
}
