//! The KMS call Kinesis Data Streams makes with the caller's credentials on a stream encrypted
//! with a customer managed key: consumers (`GetRecords`, `SubscribeToShard`) need
//! `kms:Decrypt`, producers (`PutRecord`, `PutRecords`) `kms:GenerateDataKey`, in the key policy
//! (mandatory) and, across accounts, in their own policies too. Kinesis passes the stream ARN as
//! encryption context (`aws:kinesis:arn`).
//! <https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html>
//! The AWS managed key `aws/kinesis` "does not require custom IAM permissions" (same page);
//! whether it works across accounts is not documented, and no call is checked for it.

use super::{Entailed, FollowUp, Granted};
use xacct_eval::ContextValue;

/// The KMS request of a read or write of an encrypted Kinesis stream.
pub struct StreamKms;

impl FollowUp for StreamKms {
    fn entailed(&self, granted: &Granted<'_>) -> Vec<Entailed> {
        let case = granted.case;
        let kms_action = match case.action.as_str() {
            "kinesis:GetRecords" | "kinesis:SubscribeToShard" => "kms:Decrypt",
            "kinesis:PutRecord" | "kinesis:PutRecords" => "kms:GenerateDataKey",
            _ => return Vec::new(),
        };
        // A consumer ARN is the stream's ARN followed by `/consumer/NAME:TIMESTAMP`.
        let stream_arn = case
            .resource
            .split_once("/consumer/")
            .map_or(case.resource.as_str(), |(stream, _)| stream);
        let Some(stream) = granted.world.streams.get(stream_arn) else {
            return Vec::new();
        };
        let Some(key) = stream.encryption_key.as_deref() else {
            return Vec::new();
        };
        if key.ends_with("aws/kinesis") {
            return Vec::new();
        }
        let Some(requester) = granted.requester() else {
            return Vec::new();
        };
        let single = |text: String| ContextValue::Single(text);
        let mut context = granted.expectation.context.clone();
        context.extend([
            ("aws:ViaAWSService".to_owned(), single("true".to_owned())),
            (
                "kms:ViaService".to_owned(),
                single(format!("kinesis.{}.amazonaws.com", stream.region)),
            ),
            (
                "kms:CallerAccount".to_owned(),
                single(requester.to_string()),
            ),
            (
                "kms:EncryptionContext:aws:kinesis:arn".to_owned(),
                single(stream.arn.clone()),
            ),
            (
                "kms:EncryptionContextKeys".to_owned(),
                ContextValue::Multi(vec!["aws:kinesis:arn".to_owned()]),
            ),
        ]);
        vec![Entailed::Request {
            action: kms_action.to_owned(),
            resource: key.to_owned(),
            context,
            note: format!(
                "for {} on {}: the stream is encrypted with {key}, and Kinesis calls {kms_action} with the caller's credentials",
                case.action, case.resource
            ),
        }]
    }
}
