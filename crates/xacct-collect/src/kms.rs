//! KMS keys of one Region, as one bundle `ACCOUNT/REGION/kms.json`:
//!
//! ```json
//! { "ListAliases": <kms list-aliases>,
//!   "Keys": { "<key id>": { "DescribeKey": ..., "GetKeyPolicy": ..., "ListGrants": ... } } }
//! ```
//!
//! Each value is the raw JSON response, the shape `aws kms` prints.

use crate::call::{Call, Recorder};
use crate::session::Session;
use serde_json::{Map, Value};

/// The bundle, or `None` when the listing itself could not be read (the gap says why).
pub(crate) async fn collect(session: &Session, recorder: &Recorder, region: &str) -> Option<Value> {
    let client = aws_sdk_kms::Client::new(&session.in_region(region));
    let account = &recorder.account;
    let everything = format!("arn:{}:kms:{region}:{account}:key/*", session.partition);
    let mut bundle = Map::new();
    let keys = recorder
        .raw_pages(
            &Call {
                action: "kms:ListKeys",
                resource: &everything,
                unanswerable: "which KMS keys the account has: SSE-KMS reads and encrypted streams cannot be checked",
                absent: &[],
            },
            &["Keys"],
            "NextMarker",
            page!(client.list_keys(), set_marker),
        )
        .await
        .got()?;
    if let Some(aliases) = recorder
        .raw_pages(
            &Call {
                action: "kms:ListAliases",
                resource: &everything,
                unanswerable: "the keys' aliases (a key named by alias is not found)",
                absent: &[],
            },
            &["Aliases"],
            "NextMarker",
            page!(client.list_aliases(), set_marker),
        )
        .await
        .got()
    {
        bundle.insert("ListAliases".to_owned(), aliases);
    }
    let mut described = Map::new();
    let ids: Vec<(String, String)> = keys
        .get("Keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|key| {
            Some((
                key.get("KeyId")?.as_str()?.to_owned(),
                key.get("KeyArn")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    for (id, arn) in ids {
        let mut key = Map::new();
        let call = |action, unanswerable| Call {
            action,
            resource: &arn,
            unanswerable,
            absent: &[],
        };
        if let Some(value) = recorder
            .raw(
                &call(
                    "kms:DescribeKey",
                    "whether the key is AWS managed, enabled, and what it is for",
                ),
                once!(client.describe_key().key_id(&arn)),
            )
            .await
            .got()
        {
            key.insert("DescribeKey".to_owned(), value);
        }
        if let Some(value) = recorder
            .raw(
                &call("kms:GetKeyPolicy", "who the key policy lets use the key: kms:Decrypt through this key looks denied"),
                once!(client.get_key_policy().key_id(&arn).policy_name("default")),
            )
            .await
            .got()
        {
            key.insert("GetKeyPolicy".to_owned(), value);
        }
        if let Some(value) = recorder
            .raw_pages(
                &call("kms:ListGrants", "whom grants on the key let use it"),
                &["Grants"],
                "NextMarker",
                page!(client.list_grants().key_id(&arn), set_marker),
            )
            .await
            .got()
        {
            key.insert("ListGrants".to_owned(), value);
        }
        described.insert(id, Value::Object(key));
    }
    bundle.insert("Keys".to_owned(), Value::Object(described));
    Some(Value::Object(bundle))
}
