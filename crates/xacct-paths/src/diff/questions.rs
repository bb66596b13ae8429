//! The questions a diff asks of both worlds: for every data resource either world holds, every
//! action of each kind of access that matters to it (read, write, list, decrypt, consume,
//! admin; the tables below, as docs/diff.md lists them), each action its own question. Both
//! worlds are asked the same questions, so a resource only one of them holds is asked of the
//! other too (nobody can reach what does not exist).
//!
//! A table question needs both gates: IAM (who-can) and the Lake Formation permission
//! (<https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html>).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use xacct_lake::{Permission, TableRef};
use xacct_policy::AccountId;
use xacct_world::World;

/// A kind of access to data, as a reviewer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    Read,
    Write,
    List,
    Decrypt,
    Consume,
    Admin,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::List => "list",
            Self::Decrypt => "decrypt",
            Self::Consume => "consume",
            Self::Admin => "admin",
        }
    }
}

/// The data resource a question is about, as the world holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Subject {
    Bucket {
        name: String,
    },
    Key {
        arn: String,
    },
    /// A stream, or one of its consumers (`arn` is the stream's).
    Stream {
        arn: String,
    },
    Table {
        catalog: String,
        region: String,
        database: String,
        table: String,
    },
}

impl Subject {
    /// Whether `world` holds the resource (a question on one it lacks has no answer there).
    pub fn exists_in(&self, world: &World) -> bool {
        match self {
            Self::Bucket { name } => world.buckets.contains_key(name),
            Self::Key { arn } => world.keys.contains_key(arn),
            Self::Stream { arn } => world.streams.contains_key(arn),
            Self::Table { .. } => self
                .table()
                .is_some_and(|table| world.lake.table(&table).is_some()),
        }
    }

    /// The table, for a table.
    pub fn table(&self) -> Option<TableRef> {
        match self {
            Self::Table {
                catalog,
                region,
                database,
                table,
            } => Some(TableRef {
                account: catalog.parse().ok()?,
                region: region.clone(),
                database: database.clone(),
                table: table.clone(),
            }),
            _ => None,
        }
    }

    /// The resource's account in `world`, when it holds it.
    pub fn account_in(&self, world: &World) -> Option<AccountId> {
        match self {
            Self::Bucket { name } => world.buckets.get(name).map(|bucket| bucket.account),
            Self::Key { arn } => world.keys.get(arn).map(|key| key.account),
            Self::Stream { arn } => world.streams.get(arn).map(|stream| stream.account),
            Self::Table { .. } => self.table().map(|table| table.account),
        }
    }
}

/// One question: who can do `action` on `resource`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub subject: Subject,
    pub group: Group,
    pub action: String,
    pub resource: String,
    /// For a table: the Lake Formation permissions of which one is needed besides IAM.
    #[serde(skip)]
    pub lake: Vec<Permission>,
}

impl Question {
    fn new(subject: &Subject, group: Group, action: &str, resource: String) -> Self {
        Self {
            subject: subject.clone(),
            group,
            action: action.to_owned(),
            resource,
            lake: Vec::new(),
        }
    }
}

/// The actions on a bucket itself, by kind of access.
const BUCKET_ACTIONS: [(Group, &str); 6] = [
    (Group::List, "s3:ListBucket"),
    (Group::List, "s3:ListBucketVersions"),
    (Group::Admin, "s3:PutBucketPolicy"),
    (Group::Admin, "s3:DeleteBucketPolicy"),
    (Group::Admin, "s3:PutBucketAcl"),
    (Group::Admin, "s3:PutBucketPublicAccessBlock"),
];

/// The actions on the objects of a bucket (or of a prefix), by kind of access.
const OBJECT_ACTIONS: [(Group, &str); 5] = [
    (Group::Read, "s3:GetObject"),
    (Group::Read, "s3:GetObjectVersion"),
    (Group::Write, "s3:PutObject"),
    (Group::Write, "s3:DeleteObject"),
    (Group::Write, "s3:DeleteObjectVersion"),
];

/// The actions on a KMS key, by kind of access.
const KEY_ACTIONS: [(Group, &str); 8] = [
    (Group::Decrypt, "kms:Decrypt"),
    (Group::Decrypt, "kms:ReEncryptFrom"),
    (Group::Write, "kms:GenerateDataKey"),
    (Group::Write, "kms:GenerateDataKeyWithoutPlaintext"),
    (Group::Write, "kms:Encrypt"),
    (Group::Admin, "kms:PutKeyPolicy"),
    (Group::Admin, "kms:CreateGrant"),
    (Group::Admin, "kms:ScheduleKeyDeletion"),
];

/// The actions on a Kinesis stream, by kind of access.
const STREAM_ACTIONS: [(Group, &str); 9] = [
    (Group::Consume, "kinesis:GetRecords"),
    (Group::Consume, "kinesis:GetShardIterator"),
    (Group::Write, "kinesis:PutRecord"),
    (Group::Write, "kinesis:PutRecords"),
    (Group::List, "kinesis:ListShards"),
    (Group::List, "kinesis:DescribeStream"),
    (Group::Admin, "kinesis:PutResourcePolicy"),
    (Group::Admin, "kinesis:DeleteResourcePolicy"),
    (Group::Admin, "kinesis:DeleteStream"),
];

/// The actions on a stream consumer.
const CONSUMER_ACTIONS: [(Group, &str); 1] = [(Group::Consume, "kinesis:SubscribeToShard")];

/// The Glue actions on a table and the Lake Formation permissions of which one is needed
/// besides, by kind of access.
fn table_actions() -> [(Group, &'static str, Vec<Permission>); 5] {
    let read = || vec![Permission::Select];
    let write = || vec![Permission::Insert, Permission::Alter];
    [
        (Group::Read, "glue:GetTable", read()),
        (Group::Read, "glue:GetPartitions", read()),
        (Group::Write, "glue:UpdateTable", write()),
        (Group::Write, "glue:BatchCreatePartition", write()),
        (Group::Admin, "glue:DeleteTable", vec![Permission::Drop]),
    ]
}

/// Every action a question may ask about, each with a resource of the kind it is asked on, for
/// the test that the catalog knows each on that resource.
pub fn actions() -> Vec<(&'static str, &'static str)> {
    let on = |actions: &[(Group, &'static str)], resource: &'static str| {
        actions
            .iter()
            .map(|(_, action)| (*action, resource))
            .collect::<Vec<_>>()
    };
    let mut out = on(&BUCKET_ACTIONS, "arn:aws:s3:::bucket");
    out.extend(on(&OBJECT_ACTIONS, "arn:aws:s3:::bucket/*"));
    out.extend(on(
        &KEY_ACTIONS,
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ));
    out.extend(on(
        &STREAM_ACTIONS,
        "arn:aws:kinesis:us-east-1:111111111111:stream/orders",
    ));
    out.extend(on(
        &CONSUMER_ACTIONS,
        "arn:aws:kinesis:us-east-1:111111111111:stream/orders/consumer/reader:1700000000",
    ));
    out.extend(table_actions().into_iter().map(|(_, action, _)| {
        (
            action,
            "arn:aws:glue:us-east-1:111111111111:table/sales/orders",
        )
    }));
    out
}

/// Every question of both worlds, sorted, each once.
pub fn of_worlds(before: &World, after: &World) -> Vec<Question> {
    let mut out = BTreeSet::new();
    let prefixes = prefixes_named(before, after);
    for world in [before, after] {
        for bucket in world.buckets.keys() {
            let subject = Subject::Bucket {
                name: bucket.clone(),
            };
            let arn = format!("arn:aws:s3:::{bucket}");
            for (group, action) in BUCKET_ACTIONS {
                out.insert(Question::new(&subject, group, action, arn.clone()));
            }
            let objects = std::iter::once("*".to_owned())
                .chain(prefixes.get(bucket.as_str()).into_iter().flatten().cloned());
            for key in objects {
                let resource = format!("arn:aws:s3:::{bucket}/{key}");
                for (group, action) in OBJECT_ACTIONS {
                    out.insert(Question::new(&subject, group, action, resource.clone()));
                }
            }
        }
        for key in world.keys.keys() {
            let subject = Subject::Key { arn: key.clone() };
            for (group, action) in KEY_ACTIONS {
                out.insert(Question::new(&subject, group, action, key.clone()));
            }
        }
        for stream in world.streams.values() {
            let subject = Subject::Stream {
                arn: stream.arn.clone(),
            };
            for (group, action) in STREAM_ACTIONS {
                out.insert(Question::new(&subject, group, action, stream.arn.clone()));
            }
            for consumer in stream.consumers.keys() {
                for (group, action) in CONSUMER_ACTIONS {
                    out.insert(Question::new(&subject, group, action, consumer.clone()));
                }
            }
        }
        for catalog in world.lake.catalogs.values() {
            for table in catalog
                .tables
                .values()
                .filter(|table| table.target.is_none())
            {
                let reference = TableRef {
                    account: catalog.account,
                    region: catalog.region.clone(),
                    database: table.database.clone(),
                    table: table.name.clone(),
                };
                let subject = Subject::Table {
                    catalog: catalog.account.to_string(),
                    region: catalog.region.clone(),
                    database: table.database.clone(),
                    table: table.name.clone(),
                };
                for (group, action, lake) in table_actions() {
                    out.insert(Question {
                        lake,
                        ..Question::new(&subject, group, action, reference.table_arn())
                    });
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The object prefixes the policies of either world name, by bucket: the literal part of an
/// object ARN pattern up to its first wildcard or variable, with `*` (as `who-can` asks for a
/// representative object), or the key itself when the pattern has no wildcard.
fn prefixes_named(before: &World, after: &World) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for world in [before, after] {
        let identity = world
            .roles
            .values()
            .flat_map(|role| role.policies.iter().chain(&role.boundary))
            .chain(world.users.values().flat_map(|user| &user.policies));
        let buckets = world
            .buckets
            .values()
            .filter_map(|bucket| bucket.policy.as_ref());
        let access_points = world
            .access_points
            .values()
            .filter_map(|access_point| access_point.policy.as_ref());
        for policy in identity.chain(buckets).chain(access_points) {
            for statement in &policy.policy.statements {
                let Some(clause) = &statement.resource else {
                    continue;
                };
                for text in &clause.texts {
                    // An object through an access point is an object of its bucket.
                    let through = world.through_access_point(text).and_then(|through| {
                        Some((through.access_point.bucket.as_str(), through.key?))
                    });
                    let (bucket, key) = match (&through, text.strip_prefix("arn:aws:s3:::")) {
                        (Some((bucket, key)), _) => (*bucket, key.as_str()),
                        (None, Some(rest)) => {
                            let Some((bucket, key)) = rest.split_once('/') else {
                                continue;
                            };
                            (bucket, key)
                        }
                        (None, None) => continue,
                    };
                    if !before.buckets.contains_key(bucket) && !after.buckets.contains_key(bucket) {
                        continue;
                    }
                    let literal_end = key.find(['*', '?', '$']).unwrap_or(key.len());
                    let literal = key.get(..literal_end).unwrap_or_default();
                    if literal.is_empty() {
                        continue;
                    }
                    let representative = if literal_end < key.len() {
                        format!("{literal}*")
                    } else {
                        literal.to_owned()
                    };
                    out.entry(bucket.to_owned())
                        .or_default()
                        .insert(representative);
                }
            }
        }
    }
    out
}
