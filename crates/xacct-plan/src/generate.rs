//! Candidate changes for an intent, route by route. Each change is one statement (or one
//! setting) in one document of one account; [`crate::prove`] keeps the necessary ones.

mod access_point;

use access_point::access_point_candidates;
pub use access_point::planned_access_point;
use serde_json::{json, Value};
use xacct_paths::fix::sid;
use xacct_policy::AccountId;
use xacct_world::model::{Intent, IntentTarget, Route};
use xacct_world::World;

/// The document a change goes into.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Document {
    /// The trust policy of a role (created by the plan when it does not exist).
    Trust {
        role: String,
    },
    /// An inline policy of a role, by name.
    RolePolicy {
        role: String,
        name: String,
    },
    BucketPolicy {
        bucket: String,
    },
    /// An S3 access point the plan creates (before the policy that names it).
    AccessPoint {
        name: String,
        bucket: String,
    },
    /// The policy of an S3 access point, by ARN.
    AccessPointPolicy {
        access_point: String,
    },
    KeyPolicy {
        key: String,
    },
    StreamPolicy {
        stream: String,
    },
    /// Settings of the client (Spark configuration, Kinesis reader options).
    ClientSettings {
        compute: String,
        kind: String,
    },
    /// A resource link database in the account's catalog (before the grants that name it).
    ResourceLink {
        name: String,
    },
    /// Lake Formation grants made by an account (`GrantPermissions` bodies).
    LakeGrants,
    /// The application integration settings of an account's data lake settings in a Region:
    /// the part of `DataLakeSettings` to add (`xacct_lake::SettingsChange::settings_json`).
    LakeSettings {
        region: String,
    },
    /// A Unity Catalog object made in Databricks, not in AWS: `storage-credential` or
    /// `external-location`, by name (its body is the Databricks API's create request).
    UnityCatalog {
        /// The order they are made in: the credential before the location that names it.
        step: u8,
        kind: String,
        name: String,
    },
}

/// One statement or setting in one document of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub account: AccountId,
    pub document: Document,
    /// A policy statement (with its Sid), or for client settings `{"key": ..., "value": ...}`.
    pub content: Value,
    /// Why the change is there, for the runbook.
    pub why: String,
}

/// Everything the candidates need to know about the intent's caller and data.
pub struct Context<'a> {
    pub world: &'a World,
    pub intent: &'a Intent,
    /// The role the compute runs as (the instance profile's role).
    pub caller_role: String,
    pub caller_account: AccountId,
    /// The role the plan creates (or extends) in the data's account (assume-role route).
    pub target_role: String,
    /// The account of `target_role`: the data's account, unless a Unity Catalog credential
    /// the scenario declares has its role elsewhere.
    pub role_account: AccountId,
    pub data_account: AccountId,
    pub compute: Option<String>,
}

/// A literal for an ARN or a `StringLike` pattern of a policy: `$`, `*` and `?` in an object
/// key are written as the escapes `${$}`, `${*}` and `${?}`, so that a prefix such as
/// `a*b/` or `${x}/` grants that prefix and no other (IAM User Guide, "IAM policy elements:
/// Variables and tags", special characters).
pub(crate) fn pattern_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '$' => out.push_str("${$}"),
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            other => out.push(other),
        }
    }
    out
}

/// The S3 statements a reader or writer of `bucket/prefix` needs, exactly as Spark and Hadoop
/// call S3: a listing of the prefix, object reads, and for writes puts and deletes (temporary
/// files, renames).
fn s3_statements(
    intent: &Intent,
    bucket: &str,
    prefix: &str,
    principal: Option<&str>,
) -> Vec<Value> {
    let prefix = &pattern_literal(prefix);
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let objects = format!("arn:aws:s3:::{bucket}/{prefix}*");
    let with_principal = |mut statement: Value| {
        if let (Some(principal), Some(object)) = (principal, statement.as_object_mut()) {
            object.insert("Principal".to_owned(), json!({"AWS": principal}));
        }
        statement
    };
    let mut out = Vec::new();
    let mut list = json!({
        "Sid": sid(&["List", bucket]),
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": bucket_arn,
    });
    if !prefix.is_empty() {
        if let Some(object) = list.as_object_mut() {
            object.insert(
                "Condition".to_owned(),
                json!({"StringLike": {"s3:prefix": [format!("{prefix}*")]}}),
            );
        }
    }
    out.push(with_principal(list));
    out.push(with_principal(json!({
        "Sid": sid(&["Read", bucket]),
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": objects,
    })));
    if intent.write {
        out.push(with_principal(json!({
            "Sid": sid(&["Write", bucket]),
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": objects,
        })));
        out.push(with_principal(json!({
            "Sid": sid(&["Acl", bucket]),
            "Effect": "Allow",
            "Action": "s3:PutObjectAcl",
            "Resource": objects,
        })));
    }
    out
}

/// The key a bucket or stream encrypts with (the intent's, when it names one).
fn data_key(context: &Context<'_>) -> Option<String> {
    if let Some(key) = &context.intent.encryption_key {
        return Some(key.clone());
    }
    match &context.intent.target {
        IntentTarget::S3 { bucket, .. } => match &context.world.buckets.get(bucket)?.encryption {
            xacct_s3::DefaultEncryption::SseKms { key_arn, .. } => Some(key_arn.clone()),
            _ => None,
        },
        IntentTarget::Stream { arn } => context
            .world
            .streams
            .get(arn)?
            .encryption_key
            .clone()
            .filter(|key| key.starts_with("arn:aws:kms:")),
        IntentTarget::Table { .. } => None,
    }
}

fn kms_actions(context: &Context<'_>) -> Vec<&'static str> {
    let mut actions = vec!["kms:Decrypt"];
    if context.intent.write {
        actions.push("kms:GenerateDataKey");
    }
    actions
}

/// Every candidate change of the intent.
pub fn candidates(context: &Context<'_>) -> Vec<Change> {
    let intent = context.intent;
    let mut out = Vec::new();
    let caller = context.caller_role.clone();
    let target_role = context.target_role.clone();
    let policy_name = "xacct-plan".to_owned();
    let caller_policy = Document::RolePolicy {
        role: caller.clone(),
        name: policy_name.clone(),
    };
    let push = |out: &mut Vec<Change>,
                account: AccountId,
                document: Document,
                content: Value,
                why: &str| {
        out.push(Change {
            account,
            document,
            content,
            why: why.to_owned(),
        });
    };
    // The identity that reads: the target role (assume-role) or the caller itself.
    let assumes = matches!(intent.route, Route::AssumeRole | Route::UnityCatalog);
    let (reader, reader_account) = if assumes {
        (target_role.clone(), context.role_account)
    } else {
        (caller.clone(), context.caller_account)
    };
    let reader_policy = Document::RolePolicy {
        role: reader.clone(),
        name: policy_name.clone(),
    };
    if assumes {
        let mut trust = json!({
            "Sid": sid(&["Trust", &caller_name(&caller)]),
            "Effect": "Allow",
            "Principal": {"AWS": caller},
            "Action": "sts:AssumeRole",
        });
        if let (Some(id), Some(object)) = (&intent.external_id, trust.as_object_mut()) {
            object.insert(
                "Condition".to_owned(),
                json!({"StringEquals": {"sts:ExternalId": id}}),
            );
        }
        push(
            &mut out,
            context.role_account,
            Document::Trust {
                role: target_role.clone(),
            },
            trust,
            "the role in the data's account trusts exactly the compute's role",
        );
    }
    // The master role of Unity Catalog is Databricks': its own policy is not ours to write.
    if intent.route == Route::AssumeRole {
        push(
            &mut out,
            context.caller_account,
            caller_policy.clone(),
            json!({
                "Sid": sid(&["Assume", &caller_name(&target_role)]),
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": target_role,
            }),
            "the compute's role may assume the role in the data's account",
        );
    }
    match &intent.target {
        IntentTarget::S3 { bucket, prefix } if intent.route == Route::AccessPoint => {
            out.extend(access_point_candidates(
                context,
                bucket,
                prefix,
                &reader_policy,
            ));
        }
        IntentTarget::S3 { bucket, prefix } => {
            for statement in s3_statements(intent, bucket, prefix, None) {
                push(
                    &mut out,
                    reader_account,
                    reader_policy.clone(),
                    statement,
                    "the identity that reads may use the prefix",
                );
            }
            if intent.route == Route::ResourcePolicy || reader_account != context.data_account {
                for statement in s3_statements(intent, bucket, prefix, Some(&reader)) {
                    push(
                        &mut out,
                        context.data_account,
                        Document::BucketPolicy {
                            bucket: bucket.clone(),
                        },
                        statement,
                        "the bucket policy lets the other account's role in",
                    );
                }
            }
            let acl_enabled = context
                .world
                .buckets
                .get(bucket)
                .is_some_and(|found| found.ownership.acls_enabled());
            if intent.write && acl_enabled && reader_account != context.data_account {
                push(
                    &mut out,
                    context.data_account,
                    Document::BucketPolicy {
                        bucket: bucket.clone(),
                    },
                    json!({
                        "Sid": sid(&["Require", "Owner", "Full", "Control"]),
                        "Effect": "Deny",
                        "Principal": {"AWS": reader},
                        "Action": "s3:PutObject",
                        "Resource": format!("arn:aws:s3:::{bucket}/{}*", pattern_literal(prefix)),
                        "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                    }),
                    "writes from another account must hand the objects to the bucket owner",
                );
            }
        }
        IntentTarget::Stream { arn } => {
            let mut actions = vec![
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:ListShards",
            ];
            if intent.read {
                actions.extend(["kinesis:GetShardIterator", "kinesis:GetRecords"]);
            }
            if intent.write {
                actions.extend(["kinesis:PutRecord", "kinesis:PutRecords"]);
            }
            push(
                &mut out,
                reader_account,
                reader_policy.clone(),
                json!({
                    "Sid": sid(&["Stream", arn.rsplit('/').next().unwrap_or("stream")]),
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": arn,
                }),
                "the identity that reads may use the stream",
            );
            if intent.route == Route::ResourcePolicy {
                push(
                    &mut out,
                    context.data_account,
                    Document::StreamPolicy {
                        stream: arn.clone(),
                    },
                    json!({
                        "Sid": sid(&["Stream", "Share"]),
                        "Effect": "Allow",
                        "Principal": {"AWS": reader},
                        "Action": actions,
                        "Resource": arn,
                    }),
                    "the stream policy lets the other account's role in",
                );
            }
        }
        IntentTarget::Table { .. } => {
            out.extend(lake_candidates(context));
            return out;
        }
    }
    if let Some(key) = data_key(context) {
        let actions = kms_actions(context);
        push(
            &mut out,
            reader_account,
            reader_policy.clone(),
            json!({
                "Sid": sid(&["Use", "Data", "Key"]),
                "Effect": "Allow",
                "Action": actions,
                "Resource": key,
            }),
            "the data is encrypted with a KMS key the identity must use",
        );
        // The key policy is the key's account's, which need not be the data's.
        let key_account = context
            .world
            .keys
            .get(&key)
            .map_or(context.data_account, |found| found.account);
        push(
            &mut out,
            key_account,
            Document::KeyPolicy { key: key.clone() },
            json!({
                "Sid": sid(&["Key", "User", &caller_name(&reader)]),
                "Effect": "Allow",
                "Principal": {"AWS": reader},
                "Action": actions,
                "Resource": "*",
            }),
            "the key policy names the identity as a key user",
        );
    }
    // The compute itself: EC2 must be able to assume its role, and whoever launches it must be
    // allowed to pass the role.
    if let Some(compute) = context
        .compute
        .as_ref()
        .and_then(|name| context.world.compute.get(name))
    {
        if compute.instance_profile.is_some() {
            push(
                &mut out,
                context.caller_account,
                Document::Trust {
                    role: caller.clone(),
                },
                json!({
                    "Sid": "XacctEc2AssumesTheRole",
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }),
                "EC2 assumes the instance profile's role for the cluster",
            );
            if let Some(deployer) = &compute.deployed_by {
                push(
                    &mut out,
                    context.caller_account,
                    Document::RolePolicy {
                        role: deployer.clone(),
                        name: policy_name.clone(),
                    },
                    json!({
                        "Sid": sid(&["Pass", &caller_name(&caller)]),
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": caller,
                        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                    }),
                    "the principal that launches the cluster may pass its role to EC2",
                );
            }
        }
    }
    if intent.route == Route::UnityCatalog {
        out.extend(crate::unity_catalog::candidates(context));
    }
    out.extend(client_settings(context));
    out
}

fn caller_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

/// The client settings that make the compute take the planned route. They are output, not
/// proven: the proof pins the same chain.
fn client_settings(context: &Context<'_>) -> Vec<Change> {
    let Some(compute_name) = &context.compute else {
        return Vec::new();
    };
    let Some(compute) = context.world.compute.get(compute_name) else {
        return Vec::new();
    };
    let intent = context.intent;
    // Settings that already take the planned route need nothing more.
    let resource = match &intent.target {
        IntentTarget::S3 { bucket, prefix } => format!("arn:aws:s3:::{bucket}/{prefix}"),
        IntentTarget::Stream { arn } => arn.clone(),
        IntentTarget::Table { .. } => String::new(),
    };
    let wanted: Vec<String> = match intent.route {
        Route::AssumeRole => vec![context.target_role.clone()],
        _ => Vec::new(),
    };
    let routed = xacct_paths::binding::binding(compute, &resource)
        .and_then(Result::ok)
        .is_some_and(|bound| bound.via == wanted);
    let mut out = Vec::new();
    let mut set = |kind: &str, key: String, value: String, why: &str| {
        out.push(Change {
            account: context.caller_account,
            document: Document::ClientSettings {
                compute: compute_name.clone(),
                kind: kind.to_owned(),
            },
            content: json!({"key": key, "value": value}),
            why: why.to_owned(),
        });
    };
    match &intent.target {
        IntentTarget::S3 { bucket, .. } => {
            let cross_account_writer = intent.write
                && intent.route == Route::ResourcePolicy
                && context
                    .world
                    .buckets
                    .get(bucket)
                    .is_some_and(|found| found.ownership.acls_enabled());
            let engine = intent.engine.as_deref();
            let databricks = compute.settings.databricks.is_some() || engine == Some("databricks");
            let emr = compute.settings.emr.is_some() || engine == Some("emr");
            if databricks {
                if intent.route == Route::AssumeRole && !routed {
                    set(
                        "spark_conf",
                        format!("spark.hadoop.fs.s3a.bucket.{bucket}.credentialsType"),
                        "AssumeRole".to_owned(),
                        "S3A assumes the role for this bucket",
                    );
                    set(
                        "spark_conf",
                        format!("spark.hadoop.fs.s3a.bucket.{bucket}.stsAssumeRole.arn"),
                        context.target_role.clone(),
                        "the role S3A assumes",
                    );
                    // The field guide's alternative: a mount that carries the same settings.
                    if let IntentTarget::S3 { prefix, .. } = &intent.target {
                        // Python string literals written as JSON strings (which Python reads
                        // the same), so a quote in a prefix stays inside its string.
                        let literal = |text: String| {
                            serde_json::to_string(&text).unwrap_or_else(|_| "\"\"".to_owned())
                        };
                        set(
                            "mount",
                            "python".to_owned(),
                            format!(
                                "dbutils.fs.mount({}, {}, extra_configs={{\"fs.s3a.credentialsType\": \"AssumeRole\", \"fs.s3a.stsAssumeRole.arn\": {}}})",
                                literal(format!("s3a://{bucket}/{prefix}")),
                                literal(format!("/mnt/{bucket}")),
                                literal(context.target_role.clone()),
                            ),
                            "or mount the prefix with the role, for paths under /mnt",
                        );
                    }
                }
                if cross_account_writer {
                    set(
                        "spark_conf",
                        format!("spark.hadoop.fs.s3a.bucket.{bucket}.acl.default"),
                        "BucketOwnerFullControl".to_owned(),
                        "writes hand the objects to the bucket owner",
                    );
                }
            } else if emr && intent.route == Route::AssumeRole && !routed {
                if let IntentTarget::S3 { bucket, prefix } = &intent.target {
                    set(
                        "emrfs_role_mapping",
                        "Role".to_owned(),
                        context.target_role.clone(),
                        "EMRFS maps the prefix to the role",
                    );
                    set(
                        "emrfs_role_mapping",
                        "IdentifierType".to_owned(),
                        "Prefix".to_owned(),
                        "EMRFS maps by S3 prefix",
                    );
                    set(
                        "emrfs_role_mapping",
                        "Identifiers".to_owned(),
                        format!("s3://{bucket}/{prefix}"),
                        "the prefix mapped",
                    );
                }
            }
            if emr && cross_account_writer {
                set(
                    "emrfs-site",
                    "fs.s3.canned.acl".to_owned(),
                    "BucketOwnerFullControl".to_owned(),
                    "writes hand the objects to the bucket owner",
                );
            }
        }
        IntentTarget::Stream { .. } => {
            if intent.route == Route::AssumeRole && !routed {
                set(
                    "kinesis_options",
                    "roleArn".to_owned(),
                    context.target_role.clone(),
                    "the reader assumes the role in the stream's account",
                );
                if let Some(id) = &intent.external_id {
                    set(
                        "kinesis_options",
                        "roleExternalId".to_owned(),
                        id.clone(),
                        "the external id the trust asks for",
                    );
                }
                set(
                    "kinesis_options",
                    "roleSessionName".to_owned(),
                    format!("xacct-{compute_name}"),
                    "a session name that says who reads",
                );
            }
        }
        IntentTarget::Table { .. } => {}
    }
    out
}

/// A Lake Formation grant as the body of `GrantPermissions`.
fn grant(principal: &str, resource: Value, permission: &str, grantable: bool) -> Value {
    let mut body = json!({
        "Principal": {"DataLakePrincipalIdentifier": principal},
        "Resource": resource,
        "Permissions": [permission],
    });
    if grantable {
        if let Some(object) = body.as_object_mut() {
            object.insert("PermissionsWithGrantOption".to_owned(), json!([permission]));
        }
    }
    body
}

/// The S3 statements for reading a table's data directly.
fn table_data(
    bucket: &str,
    prefix: &str,
    principal: Option<Value>,
    organization: Option<&str>,
) -> Value {
    let mut statement = json!({
        "Sid": sid(&["Read", "Table", "Data", bucket]),
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:GetObject"],
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/{}*", pattern_literal(prefix))],
    });
    if let (Some(principal), Some(object)) = (principal, statement.as_object_mut()) {
        object.insert("Principal".to_owned(), principal);
        if let Some(id) = organization {
            object.insert(
                "Condition".to_owned(),
                json!({"StringEquals": {"aws:PrincipalOrgID": id}}),
            );
        }
    }
    statement
}

/// The lake-formation route for a Glue table: the owner grants the consumer's account (or its
/// organization) with grant option and lets it read the data; the consumer links the database
/// and grants its role; the role may call Glue on both catalogs and read the data.
/// docs/semantics.md 7.2 and 7.3, and the field guide's steps 2-7.
fn lake_candidates(context: &Context<'_>) -> Vec<Change> {
    let IntentTarget::Table {
        catalog: owner,
        database,
        table,
    } = &context.intent.target
    else {
        return Vec::new();
    };
    let owner = *owner;
    let consumer = context.caller_account;
    let role = context.caller_role.clone();
    let region = "us-east-1";
    let mut out = Vec::new();
    let mut push = |account: AccountId, document: Document, content: Value, why: &str| {
        out.push(Change {
            account,
            document,
            content,
            why: why.to_owned(),
        });
    };
    let database_resource = |catalog: AccountId, name: &str| json!({"Database": {"CatalogId": catalog.to_string(), "Name": name}});
    let table_resource =
        json!({"Table": {"CatalogId": owner.to_string(), "DatabaseName": database, "Name": table}});
    let reference = xacct_lake::TableRef {
        account: owner,
        region: region.to_owned(),
        database: database.clone(),
        table: table.clone(),
    };
    let location = context
        .world
        .lake
        .table(&reference)
        .and_then(|found| found.location.clone());
    // Lake Formation vends credentials for a registered location, to the engines that ask it
    // (docs/scenario-format.md, "Engine"); Databricks and EMR without it read on their own.
    let engine = xacct_paths::table::engine_of(context.world, &context.intent.from);
    let registered = context.world.lake.registered_location(&reference).is_some()
        && !matches!(engine, xacct_paths::table::Engine::OwnAccess { .. });
    let data = location.as_deref().and_then(|location| {
        let path = location.strip_prefix("s3://")?;
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        Some((bucket.to_owned(), prefix.to_owned()))
    });
    let policy = Document::RolePolicy {
        role: role.clone(),
        name: "xacct-plan".to_owned(),
    };
    let glue_reads = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"];
    let owner_arns = json!([
        format!("arn:aws:glue:{region}:{owner}:catalog"),
        format!("arn:aws:glue:{region}:{owner}:database/{database}"),
        format!("arn:aws:glue:{region}:{owner}:table/{database}/{table}"),
    ]);
    if owner == consumer {
        push(
            owner,
            Document::LakeGrants,
            grant(&role, database_resource(owner, database), "DESCRIBE", false),
            "the job may see the database",
        );
        push(
            owner,
            Document::LakeGrants,
            grant(&role, table_resource, "SELECT", false),
            "the job may read the table",
        );
        push(
            consumer,
            policy.clone(),
            json!({
                "Sid": sid(&["Glue", database]),
                "Effect": "Allow",
                "Action": glue_reads,
                "Resource": owner_arns,
            }),
            "the job may call Glue on the catalog, database and table",
        );
    } else {
        let organization = context
            .world
            .organization
            .as_ref()
            .filter(|_| context.intent.organization_wide);
        let audience = organization.map_or_else(
            || consumer.to_string(),
            |organization| {
                format!(
                    "arn:aws:organizations::{}:organization/{}",
                    organization.management_account, organization.id
                )
            },
        );
        push(
            owner,
            Document::LakeGrants,
            grant(
                &audience,
                database_resource(owner, database),
                "DESCRIBE",
                true,
            ),
            "the owner shares the database with the consumer, who may pass it on",
        );
        push(
            owner,
            Document::LakeGrants,
            grant(&audience, table_resource.clone(), "SELECT", true),
            "the owner shares the table with the consumer, who may pass it on",
        );
        let link = context
            .intent
            .link
            .clone()
            .unwrap_or_else(|| format!("{database}_link"));
        push(
            consumer,
            Document::ResourceLink { name: link.clone() },
            json!({"Name": link, "TargetDatabase": {"CatalogId": owner.to_string(), "DatabaseName": database}}),
            "a resource link lets the job name the shared database in its own catalog",
        );
        push(
            consumer,
            Document::LakeGrants,
            grant(&role, database_resource(consumer, &link), "DESCRIBE", false),
            "the job may open the resource link",
        );
        push(
            consumer,
            Document::LakeGrants,
            grant(&role, database_resource(owner, database), "DESCRIBE", false),
            "the job may see the shared database",
        );
        push(
            consumer,
            Document::LakeGrants,
            grant(&role, table_resource, "SELECT", false),
            "the job may read the shared table",
        );
        push(
            consumer,
            policy.clone(),
            json!({
                "Sid": sid(&["Glue", "Link", &link]),
                "Effect": "Allow",
                "Action": glue_reads,
                "Resource": [
                    format!("arn:aws:glue:{region}:{consumer}:catalog"),
                    format!("arn:aws:glue:{region}:{consumer}:database/{link}"),
                    format!("arn:aws:glue:{region}:{consumer}:table/{link}/{table}"),
                ],
            }),
            "the job may call Glue on the resource link",
        );
        push(
            consumer,
            policy.clone(),
            json!({
                "Sid": sid(&["Glue", "Shared", database]),
                "Effect": "Allow",
                "Action": glue_reads,
                "Resource": owner_arns,
            }),
            "the job may call Glue on the shared catalog, database and table",
        );
        if let (Some((bucket, prefix)), false) = (&data, registered) {
            let bucket_owner = context
                .world
                .buckets
                .get(bucket)
                .map_or(owner, |found| found.account);
            let (principal, organization_id) = match organization {
                Some(organization) => (json!({"AWS": "*"}), Some(organization.id.as_str())),
                None => (json!({"AWS": role}), None),
            };
            push(
                bucket_owner,
                Document::BucketPolicy {
                    bucket: bucket.clone(),
                },
                table_data(bucket, prefix, Some(principal), organization_id),
                "the table's data is read directly from the owner's bucket",
            );
        }
    }
    if let (Some((bucket, prefix)), false) = (&data, registered) {
        push(
            consumer,
            policy.clone(),
            table_data(bucket, prefix, None, None),
            "the job reads the table's data with its own S3 access",
        );
    }
    if registered {
        push(
            consumer,
            policy,
            json!({
                "Sid": "XacctLakeFormationCredentials",
                "Effect": "Allow",
                "Action": "lakeformation:GetDataAccess",
                "Resource": "*",
            }),
            "Lake Formation vends the credentials for the registered location",
        );
        // EMR is an engine outside AWS's analytics services: the settings of the table's owner
        // and of the cluster's account must authorize the tag EMR puts on its sessions.
        if let xacct_paths::table::Engine::External { tag } = &engine {
            let change = xacct_lake::SettingsChange::SessionTag {
                caller: consumer,
                tag: tag.clone(),
            };
            let mut accounts = vec![owner];
            if consumer != owner {
                accounts.push(consumer);
            }
            for account in accounts {
                push(
                    account,
                    Document::LakeSettings {
                        region: region.to_owned(),
                    },
                    change.settings_json(),
                    "Lake Formation vends credentials to EMR only when the data lake settings authorize the session tag EMR puts on the runtime role's sessions",
                );
            }
        }
    }
    out
}
