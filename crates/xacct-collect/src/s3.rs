//! S3: the account's Block Public Access (S3 Control), and for every bucket its Region,
//! policy, Object Ownership, Block Public Access, default encryption and ACL.
//!
//! Written as `ACCOUNT/BUCKET.bucket-policy.json` (`get-bucket-policy`'s output, which the
//! importer already reads) and one bundle `ACCOUNT/s3.json`:
//!
//! ```json
//! { "GetPublicAccessBlock": <s3control get-public-access-block>,
//!   "ListBuckets": <s3api list-buckets>,
//!   "Buckets": { "<name>": { "GetBucketLocation": ..., "GetBucketOwnershipControls": ...,
//!                            "GetPublicAccessBlock": ..., "GetBucketEncryption": ...,
//!                            "GetBucketAcl": ... } } }
//! ```
//!
//! A member that is `null` is a setting S3 says the bucket does not have (no ownership
//! controls, no public access block); a member that is absent was not read (the gap says
//! why). S3 answers in XML, so each output is turned into the JSON the CLI prints.

use crate::call::{Call, Outcome, Recorder};
use crate::iam::object;
use crate::session::Session;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What was read: the bundle and the bucket policies by bucket name.
pub(crate) struct Collected {
    pub(crate) bundle: Value,
    pub(crate) policies: BTreeMap<String, String>,
}

fn s3_client(session: &Session, region: &str, path_style: bool) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&session.in_region(region))
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

pub(crate) async fn collect(
    session: &Session,
    recorder: &Recorder,
    endpoint_url: Option<&str>,
) -> Collected {
    let path_style = endpoint_url.is_some();
    let mut bundle = Map::new();
    let account_arn = format!("arn:{}:s3:::*", session.partition);
    if let Some(block) = account_block(session, recorder, endpoint_url).await {
        bundle.insert("GetPublicAccessBlock".to_owned(), block);
    }
    let home = session.region();
    let client = s3_client(session, &home, path_style);
    let list_call = Call {
        action: "s3:ListAllMyBuckets",
        resource: &account_arn,
        unanswerable: "which buckets the account has: none of its buckets is checked",
        absent: &[],
    };
    let mut buckets: Vec<(String, Option<String>)> = Vec::new();
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = recorder
            .send(
                &list_call,
                client
                    .list_buckets()
                    .set_continuation_token(token.clone())
                    .send(),
            )
            .await;
        let Outcome::Got(page) = page else { break };
        for bucket in page.buckets() {
            let Some(name) = bucket.name() else { continue };
            buckets.push((name.to_owned(), bucket.bucket_region().map(str::to_owned)));
            listed.push(object(vec![
                ("Name", json!(name)),
                (
                    "CreationDate",
                    bucket
                        .creation_date()
                        .and_then(|date| {
                            date.fmt(aws_smithy_types::date_time::Format::DateTime).ok()
                        })
                        .map_or(Value::Null, Value::String),
                ),
                ("BucketRegion", json!(bucket.bucket_region())),
            ]));
        }
        let next = page.continuation_token().map(str::to_owned);
        if next.is_none() || next == token {
            break;
        }
        token = next;
    }
    bundle.insert("ListBuckets".to_owned(), json!({ "Buckets": listed }));
    let mut settings = Map::new();
    let mut policies = BTreeMap::new();
    for (name, region) in buckets {
        let (bucket, policy) = bucket(session, recorder, &client, &name, region, path_style).await;
        settings.insert(name.clone(), bucket);
        if let Some(policy) = policy {
            policies.insert(name, policy);
        }
    }
    bundle.insert("Buckets".to_owned(), Value::Object(settings));
    Collected {
        bundle: Value::Object(bundle),
        policies,
    }
}

/// The four Block Public Access switches as the CLI prints them. S3 and S3 Control each have
/// their own `PublicAccessBlockConfiguration` type, with the same getters.
macro_rules! block_json {
    ($block:expr) => {{
        let block = $block;
        $crate::iam::object(vec![
            (
                "BlockPublicAcls",
                serde_json::json!(block.block_public_acls()),
            ),
            (
                "IgnorePublicAcls",
                serde_json::json!(block.ignore_public_acls()),
            ),
            (
                "BlockPublicPolicy",
                serde_json::json!(block.block_public_policy()),
            ),
            (
                "RestrictPublicBuckets",
                serde_json::json!(block.restrict_public_buckets()),
            ),
        ])
    }};
}
pub(crate) use block_json;

/// The account's Block Public Access, through S3 Control; `null` when it has none.
async fn account_block(
    session: &Session,
    recorder: &Recorder,
    endpoint_url: Option<&str>,
) -> Option<Value> {
    let mut builder = aws_sdk_s3control::config::Builder::from(&session.config);
    if let Some(url) = endpoint_url {
        // S3 Control puts the account id in the host name (ACCOUNT.s3-control...), which a
        // local endpoint cannot serve: send it to the endpoint as given.
        builder = builder.endpoint_resolver(FixedEndpoint(url.to_owned()));
    }
    let client = aws_sdk_s3control::Client::from_conf(builder.build());
    let call = Call {
        action: "s3:GetAccountPublicAccessBlock",
        resource: "*",
        unanswerable: "whether the account's Block Public Access stops public bucket policies",
        absent: &["NoSuchPublicAccessBlockConfiguration"],
    };
    match recorder
        .send(
            &call,
            client
                .get_public_access_block()
                .account_id(&session.account)
                .send(),
        )
        .await
    {
        Outcome::Got(output) => Some(json!({
            "PublicAccessBlockConfiguration": output
                .public_access_block_configuration()
                .map_or(Value::Null, |block| block_json!(block)),
        })),
        Outcome::Absent => Some(Value::Null),
        Outcome::Missing => None,
    }
}

/// An endpoint resolver that always answers the one URL.
#[derive(Debug)]
pub(crate) struct FixedEndpoint(pub(crate) String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_smithy_types::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// The settings of one bucket, and its policy.
async fn bucket(
    session: &Session,
    recorder: &Recorder,
    home: &aws_sdk_s3::Client,
    name: &str,
    listed_region: Option<String>,
    path_style: bool,
) -> (Value, Option<String>) {
    let arn = format!("arn:{}:s3:::{name}", session.partition);
    let call = |action, unanswerable, absent| Call {
        action,
        resource: &arn,
        unanswerable,
        absent,
    };
    let mut settings = Map::new();
    let location = recorder
        .send(
            &call(
                "s3:GetBucketLocation",
                "the bucket's Region (aws:RequestedRegion): us-east-1 is assumed",
                &[],
            ),
            home.get_bucket_location().bucket(name).send(),
        )
        .await
        .got();
    let mut region = listed_region;
    if let Some(location) = location {
        let constraint = location
            .location_constraint()
            .map(|constraint| constraint.as_str().to_owned())
            .filter(|constraint| !constraint.is_empty());
        settings.insert(
            "GetBucketLocation".to_owned(),
            json!({ "LocationConstraint": constraint }),
        );
        region = Some(match constraint.as_deref() {
            None => "us-east-1".to_owned(),
            Some("EU") => "eu-west-1".to_owned(),
            Some(other) => other.to_owned(),
        });
    }
    let client = match &region {
        Some(region) if *region != session.region() => s3_client(session, region, path_style),
        _ => home.clone(),
    };
    let policy = match recorder
        .send(
            &call(
                "s3:GetBucketPolicy",
                "who the bucket policy lets in: cross-account reads of the bucket look denied",
                &["NoSuchBucketPolicy"],
            ),
            client.get_bucket_policy().bucket(name).send(),
        )
        .await
    {
        Outcome::Got(output) => output.policy().map(str::to_owned),
        Outcome::Absent | Outcome::Missing => None,
    };
    match recorder
        .send(
            &call(
                "s3:GetBucketOwnershipControls",
                "whether object ACLs count (Object Ownership): BucketOwnerEnforced is assumed",
                &["OwnershipControlsNotFoundError"],
            ),
            client.get_bucket_ownership_controls().bucket(name).send(),
        )
        .await
    {
        Outcome::Got(output) => {
            let rules: Vec<Value> = output
                .ownership_controls()
                .map(|controls| controls.rules())
                .unwrap_or_default()
                .iter()
                .map(|rule| json!({"ObjectOwnership": rule.object_ownership().as_str()}))
                .collect();
            settings.insert(
                "GetBucketOwnershipControls".to_owned(),
                json!({"OwnershipControls": {"Rules": rules}}),
            );
        }
        Outcome::Absent => {
            settings.insert("GetBucketOwnershipControls".to_owned(), Value::Null);
        }
        Outcome::Missing => {}
    }
    match recorder
        .send(
            &call(
                "s3:GetBucketPublicAccessBlock",
                "whether the bucket's Block Public Access stops a public policy: every switch is assumed on",
                &["NoSuchPublicAccessBlockConfiguration"],
            ),
            client.get_public_access_block().bucket(name).send(),
        )
        .await
    {
        Outcome::Got(output) => {
            settings.insert(
                "GetPublicAccessBlock".to_owned(),
                json!({
                    "PublicAccessBlockConfiguration": output
                        .public_access_block_configuration()
                        .map_or(Value::Null, |block| block_json!(block))
                }),
            );
        }
        Outcome::Absent => {
            settings.insert("GetPublicAccessBlock".to_owned(), Value::Null);
        }
        Outcome::Missing => {}
    }
    match recorder
        .send(
            &call(
                "s3:GetEncryptionConfiguration",
                "which KMS key encrypts new objects: SSE-S3 is assumed, so kms:Decrypt is not checked",
                &["ServerSideEncryptionConfigurationNotFoundError"],
            ),
            client.get_bucket_encryption().bucket(name).send(),
        )
        .await
    {
        Outcome::Got(output) => {
            let rules: Vec<Value> = output
                .server_side_encryption_configuration()
                .map(|configuration| configuration.rules())
                .unwrap_or_default()
                .iter()
                .map(|rule| {
                    object(vec![
                        (
                            "ApplyServerSideEncryptionByDefault",
                            rule.apply_server_side_encryption_by_default()
                                .map_or(Value::Null, |default| {
                                    object(vec![
                                        ("SSEAlgorithm", json!(default.sse_algorithm().as_str())),
                                        ("KMSMasterKeyID", json!(default.kms_master_key_id())),
                                    ])
                                }),
                        ),
                        ("BucketKeyEnabled", json!(rule.bucket_key_enabled())),
                    ])
                })
                .collect();
            settings.insert(
                "GetBucketEncryption".to_owned(),
                json!({"ServerSideEncryptionConfiguration": {"Rules": rules}}),
            );
        }
        Outcome::Absent => {
            settings.insert("GetBucketEncryption".to_owned(), Value::Null);
        }
        Outcome::Missing => {}
    }
    if let Outcome::Got(output) = recorder
        .send(
            &call("s3:GetBucketAcl", "whom the bucket ACL grants access", &[]),
            client.get_bucket_acl().bucket(name).send(),
        )
        .await
    {
        let grants: Vec<Value> = output
            .grants()
            .iter()
            .map(|grant| {
                object(vec![
                    (
                        "Grantee",
                        grant.grantee().map_or(Value::Null, |grantee| {
                            object(vec![
                                ("DisplayName", json!(grantee.display_name())),
                                ("EmailAddress", json!(grantee.email_address())),
                                ("ID", json!(grantee.id())),
                                ("Type", json!(grantee.r#type().as_str())),
                                ("URI", json!(grantee.uri())),
                            ])
                        }),
                    ),
                    (
                        "Permission",
                        json!(grant.permission().map(|permission| permission.as_str())),
                    ),
                ])
            })
            .collect();
        let owner = output.owner().map_or(Value::Null, |owner| {
            object(vec![
                ("DisplayName", json!(owner.display_name())),
                ("ID", json!(owner.id())),
            ])
        });
        settings.insert(
            "GetBucketAcl".to_owned(),
            object(vec![("Owner", owner), ("Grants", Value::Array(grants))]),
        );
    }
    (Value::Object(settings), policy)
}
