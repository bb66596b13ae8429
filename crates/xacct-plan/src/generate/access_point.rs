//! The access-point route of `xacct plan`: an access point of the bucket for the reader, its
//! policy, the reader's policy on the access point ARNs, and the bucket's delegation to it
//! (`docs/routes.md`, S3 access points).

use super::{caller_name, s3_statements, Change, Context, Document};
use serde_json::{json, Value};

/// The access point the access-point route reads through: `CALLER-BUCKET` (the caller role's
/// name), lowercased to what S3 accepts in a name (3-50 of `a-z0-9-`, starting and ending with a
/// letter or digit), in the bucket's account and Region; an access point of that name is
/// extended rather than created.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-restrictions-limitations-naming-rules.html>
pub fn planned_access_point(context: &Context<'_>, bucket: &str) -> (String, String) {
    let raw = format!("{}-{bucket}", caller_name(&context.caller_role)).to_ascii_lowercase();
    let mut name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    name.truncate(50);
    let name = name.trim_matches('-').to_owned();
    let region = context
        .world
        .buckets
        .get(bucket)
        .map_or("us-east-1", xacct_world::Bucket::region_or_default);
    let arn = format!(
        "arn:aws:s3:{region}:{}:accesspoint/{name}",
        context.data_account
    );
    (name, arn)
}

/// The access-point route: the access point (when missing), its policy naming the reader, the
/// reader's own policy on the access point ARNs, and the bucket policy delegating the same
/// requests to that access point (`s3:DataAccessPointArn`).
pub(super) fn access_point_candidates(
    context: &Context<'_>,
    bucket: &str,
    prefix: &str,
    reader_policy: &Document,
) -> Vec<Change> {
    let intent = context.intent;
    let (name, arn) = planned_access_point(context, bucket);
    let reader = context.caller_role.clone();
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    // The statements on the bucket, their resources moved to the access point.
    let through = |statement: Value| -> Value {
        let mut statement = statement;
        if let Some(resource) = statement.get("Resource").and_then(Value::as_str) {
            let moved = match resource.strip_prefix(&format!("{bucket_arn}/")) {
                Some(objects) => format!("{arn}/object/{objects}"),
                None => arn.clone(),
            };
            if let Some(object) = statement.as_object_mut() {
                object.insert("Resource".to_owned(), Value::String(moved));
            }
        }
        statement
    };
    let change = |document: Document, content: Value, why: &str| Change {
        account: context.data_account,
        document,
        content,
        why: why.to_owned(),
    };
    let mut out = Vec::new();
    if !context.world.access_points.contains_key(&arn) {
        out.push(change(
            Document::AccessPoint {
                name: name.clone(),
                bucket: bucket.to_owned(),
            },
            json!({"Name": name, "Bucket": bucket, "AccountId": context.data_account.to_string(), "NetworkOrigin": "Internet"}),
            "an access point of the bucket for this reader",
        ));
    }
    for statement in s3_statements(intent, bucket, prefix, None) {
        out.push(Change {
            account: context.caller_account,
            ..change(
                reader_policy.clone(),
                through(statement),
                "the identity that reads may use the access point",
            )
        });
    }
    for statement in s3_statements(intent, bucket, prefix, Some(&reader)) {
        out.push(change(
            Document::AccessPointPolicy {
                access_point: arn.clone(),
            },
            through(statement),
            "the access point policy lets the reader in",
        ));
    }
    for statement in s3_statements(intent, bucket, prefix, None) {
        let mut delegated = statement;
        if let Some(object) = delegated.as_object_mut() {
            object.insert("Principal".to_owned(), json!({"AWS": "*"}));
            let sid = object
                .get("Sid")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .replacen("Xacct", "XacctDelegate", 1);
            object.insert("Sid".to_owned(), Value::String(sid));
            let pinned = json!({"s3:DataAccessPointArn": arn});
            match object.get_mut("Condition").and_then(Value::as_object_mut) {
                Some(conditions) => {
                    conditions.insert("StringEquals".to_owned(), pinned);
                }
                None => {
                    object.insert("Condition".to_owned(), json!({"StringEquals": pinned}));
                }
            }
        }
        out.push(change(
            Document::BucketPolicy {
                bucket: bucket.to_owned(),
            },
            delegated,
            "the bucket delegates the same requests to the access point",
        ));
    }
    out
}
