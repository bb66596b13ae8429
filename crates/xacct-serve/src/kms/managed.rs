//! The AWS managed key `aws/s3`: S3 makes it in the bucket's account the first time an object
//! is written with SSE-KMS and no key named
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html>), and its
//! key policy lets it be used only through S3 by principals of that account (`kms:ViaService`
//! and `kms:CallerAccount`), so a principal of another account can neither write nor read an
//! object sealed under it
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key>,
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html>).

use super::{add_key, new_record, store, KmsReply};
use crate::State;
use rand::Rng as _;
use std::sync::Mutex;

/// One maker at a time, so that two first writes make one key.
static MAKING: Mutex<()> = Mutex::new(());

pub const S3_ALIAS: &str = "alias/aws/s3";

/// The key policy AWS gives `aws/s3` (as GetKeyPolicy shows it on an AWS managed key).
fn policy(account: &str, region: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Id": "auto-s3-2",
        "Statement": [
            {
                "Sid": "Allow access through S3 for all principals in the account that are authorized to use S3",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {
                    "kms:CallerAccount": account,
                    "kms:ViaService": format!("s3.{region}.amazonaws.com"),
                }},
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                "Resource": "*",
            },
        ],
    })
    .to_string()
}

fn find(state: &State, account: &str, region: &str) -> Option<String> {
    state
        .engine
        .world()
        .keys
        .values()
        .find(|key| {
            key.account.as_str() == account
                && key.region == region
                && key.aliases.iter().any(|alias| alias == S3_ALIAS)
        })
        .map(|key| key.arn.clone())
}

/// The ARN of `aws/s3` in `account` and `region`, made now if it does not exist yet.
pub fn s3_key(state: &State, account: &str, region: &str) -> Result<String, KmsReply> {
    if let Some(arn) = find(state, account, region) {
        return Ok(arn);
    }
    let _making = MAKING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(arn) = find(state, account, region) {
        return Ok(arn);
    }
    let mut id = [0_u8; 16];
    rand::thread_rng().fill(&mut id);
    let uuid = [0..4, 4..6, 6..8, 8..10, 10..16]
        .map(|range| hex::encode(id.get(range).unwrap_or_default()))
        .join("-");
    let arn = format!("arn:aws:kms:{region}:{account}:key/{uuid}");
    let mut record = new_record(
        "Default key that protects my S3 objects when no other key is defined".to_owned(),
        Some(policy(account, region)),
        vec![S3_ALIAS.to_owned()],
    );
    record.aws_managed = true;
    add_key(state, &arn, &record)?;
    store(state, &arn, &record)?;
    Ok(arn)
}
