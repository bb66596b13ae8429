//! Differential test: xacct against `@cloud-copilot/iam-simulate`, an independent simulator.
//!
//! A seeded generator builds random requests in the REQUEST.json format: callers of every kind
//! (IAM users, role sessions, role ARNs, federated users, account roots, service principals),
//! same- and cross-account, S3/KMS/SQS/Kinesis/STS actions from iam-simulate's catalog,
//! Action/NotAction and Resource/NotResource wildcards, Principal/NotPrincipal shapes, conditions
//! of every operator family on present and missing keys (with IfExists, ForAnyValue and
//! ForAllValues), permissions boundaries, session policies, SCP levels and RCP levels.
//! `tools/iam-simulate/runner.mjs` decides every request with iam-simulate; xacct decides every
//! request in-process.
//!
//! Every disagreement must be explained by a difference class listed in
//! `docs/known-differences.md`. A class explains a disagreement only when it is present in the
//! request *and* emulating iam-simulate's documented deviation makes the two decisions agree:
//! either the request is rewritten so that xacct computes what iam-simulate computes (for
//! example, a `2008-10-17` policy is relabelled `2012-10-17`, because iam-simulate substitutes
//! variables in every version), or iam-simulate is run again on a request where the deviation
//! cannot matter (for example, with an allow-all identity policy standing for the root user's
//! implicit permissions). Anything else fails the test.
//!
//! A class whose section in the doc says `**Status: open xacct bug**` records a disagreement where
//! xacct, not iam-simulate, departs from the AWS documentation: the test names it and fails until
//! the engine is fixed (set `XACCT_DIFF_ALLOW_OPEN_BUGS=1` to report such classes without
//! failing).
//!
//! Environment: `XACCT_DIFF_SEED` (u64) replaces the fixed seed, `XACCT_DIFF_CASES` the number of
//! requests (default 5,000). Without `tools/iam-simulate/node_modules` (run `npm ci` there) the
//! test is skipped, unless `CI` is set, when it fails. Runner errors (inputs iam-simulate cannot
//! express) are counted apart and must stay below 5% of the requests.

#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "a test whose inputs or tools are broken must fail loudly"
)]

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use xacct_eval::matching::Naming;
use xacct_eval::service_rules::ServiceRule;
use xacct_eval::wire::{read_request, NoFiles};
use xacct_eval::{authorize, Layer};
use xacct_policy::SourceFile;

const A: &str = "111111111111";
const B: &str = "222222222222";
const C: &str = "333333333333";
const V12: &str = "2012-10-17";
const DEFAULT_SEED: u64 = 0x0005_eed0_2026;
const DEFAULT_CASES: usize = 5000;
/// A resource pattern that matches nothing either engine will ever see.
const NEVER_ARN: &str = "arn:aws:xacctdiff:us-east-1:000000000000:never";

// ---------------------------------------------------------------------------------------------
// The universe the generator draws from
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Caller {
    User {
        account: &'static str,
        path: &'static str,
        name: &'static str,
    },
    /// A role ARN given as the caller: "a session of this role", session name unknown.
    Role {
        account: &'static str,
        path: &'static str,
        name: &'static str,
    },
    Session {
        account: &'static str,
        path: &'static str,
        role: &'static str,
        session: &'static str,
    },
    Federated {
        account: &'static str,
        name: &'static str,
    },
    Root {
        account: &'static str,
        as_arn: bool,
    },
    Service {
        name: &'static str,
    },
}

impl Caller {
    fn account(&self) -> Option<&'static str> {
        match self {
            Self::User { account, .. }
            | Self::Role { account, .. }
            | Self::Session { account, .. }
            | Self::Federated { account, .. }
            | Self::Root { account, .. } => Some(account),
            Self::Service { .. } => None,
        }
    }

    /// The `principal` field of the request.
    fn principal(&self) -> String {
        match self {
            Self::User {
                account,
                path,
                name,
            } => format!("arn:aws:iam::{account}:user/{path}{name}"),
            Self::Role {
                account,
                path,
                name,
            } => format!("arn:aws:iam::{account}:role/{path}{name}"),
            Self::Session {
                account,
                role,
                session,
                ..
            } => format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
            Self::Federated { account, name } => {
                format!("arn:aws:sts::{account}:federated-user/{name}")
            }
            Self::Root {
                account,
                as_arn: true,
            } => format!("arn:aws:iam::{account}:root"),
            Self::Root { account, .. } => (*account).to_owned(),
            Self::Service { name } => (*name).to_owned(),
        }
    }

    /// The role ARN (with its path) of a role or role session.
    fn role_arn(&self) -> Option<String> {
        match self {
            Self::Role {
                account,
                path,
                name,
            } => Some(format!("arn:aws:iam::{account}:role/{path}{name}")),
            Self::Session {
                account,
                path,
                role,
                ..
            } => Some(format!("arn:aws:iam::{account}:role/{path}{role}")),
            _ => None,
        }
    }

    /// `aws:PrincipalArn`.
    fn principal_arn(&self) -> Option<String> {
        match self {
            Self::Role { .. } | Self::Session { .. } => self.role_arn(),
            Self::Root { account, .. } => Some(format!("arn:aws:iam::{account}:root")),
            Self::Service { .. } => None,
            _ => Some(self.principal()),
        }
    }

    fn principal_type(&self) -> Option<&'static str> {
        match self {
            Self::User { .. } => Some("User"),
            Self::Role { .. } | Self::Session { .. } => Some("AssumedRole"),
            Self::Federated { .. } => Some("FederatedUser"),
            Self::Root { .. } => Some("Account"),
            Self::Service { .. } => None,
        }
    }

    fn can_have_session_policy(&self) -> bool {
        matches!(
            self,
            Self::Role { .. } | Self::Session { .. } | Self::Federated { .. }
        )
    }

    fn has_identity_policies(&self) -> bool {
        !matches!(self, Self::Root { .. } | Self::Service { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResKind {
    S3Object,
    S3Bucket,
    KmsKey,
    SqsQueue,
    KinesisStream,
    IamRole,
}

struct ActionDef {
    action: &'static str,
    kind: ResKind,
    /// Service-specific condition keys iam-simulate's catalog accepts for this action.
    keys: &'static [&'static str],
}

const S3_OBJECT_KEYS: &[&str] = &[
    "s3:signatureAge",
    "s3:authType",
    "s3:ResourceAccount",
    "s3:ExistingObjectTag/classification",
];

const ACTIONS: &[ActionDef] = &[
    ActionDef {
        action: "s3:GetObject",
        kind: ResKind::S3Object,
        keys: S3_OBJECT_KEYS,
    },
    ActionDef {
        action: "s3:PutObject",
        kind: ResKind::S3Object,
        keys: &[
            "s3:signatureAge",
            "s3:authType",
            "s3:ResourceAccount",
            "s3:x-amz-acl",
        ],
    },
    ActionDef {
        action: "s3:DeleteObject",
        kind: ResKind::S3Object,
        keys: &["s3:signatureAge", "s3:authType", "s3:ResourceAccount"],
    },
    ActionDef {
        action: "s3:GetObjectTagging",
        kind: ResKind::S3Object,
        keys: S3_OBJECT_KEYS,
    },
    ActionDef {
        action: "s3:PutObjectAcl",
        kind: ResKind::S3Object,
        keys: &[
            "s3:signatureAge",
            "s3:authType",
            "s3:x-amz-acl",
            "s3:ExistingObjectTag/classification",
        ],
    },
    ActionDef {
        action: "s3:ListBucket",
        kind: ResKind::S3Bucket,
        keys: &[
            "s3:prefix",
            "s3:delimiter",
            "s3:max-keys",
            "s3:authType",
            "s3:ResourceAccount",
        ],
    },
    ActionDef {
        action: "s3:GetBucketPolicy",
        kind: ResKind::S3Bucket,
        keys: &["s3:authType", "s3:signatureAge"],
    },
    ActionDef {
        action: "s3:PutBucketPolicy",
        kind: ResKind::S3Bucket,
        keys: &["s3:authType", "s3:ResourceAccount"],
    },
    ActionDef {
        action: "s3:GetBucketLocation",
        kind: ResKind::S3Bucket,
        keys: &["s3:authType"],
    },
    ActionDef {
        action: "kms:Decrypt",
        kind: ResKind::KmsKey,
        keys: &[
            "kms:ViaService",
            "kms:CallerAccount",
            "kms:EncryptionAlgorithm",
            "kms:EncryptionContextKeys",
        ],
    },
    ActionDef {
        action: "kms:Encrypt",
        kind: ResKind::KmsKey,
        keys: &[
            "kms:ViaService",
            "kms:CallerAccount",
            "kms:EncryptionContextKeys",
        ],
    },
    ActionDef {
        action: "kms:GenerateDataKey",
        kind: ResKind::KmsKey,
        keys: &[
            "kms:ViaService",
            "kms:CallerAccount",
            "kms:EncryptionContextKeys",
        ],
    },
    ActionDef {
        action: "kms:DescribeKey",
        kind: ResKind::KmsKey,
        keys: &["kms:ViaService", "kms:CallerAccount"],
    },
    ActionDef {
        action: "kms:ReEncryptFrom",
        kind: ResKind::KmsKey,
        keys: &["kms:ViaService", "kms:CallerAccount"],
    },
    ActionDef {
        action: "sqs:SendMessage",
        kind: ResKind::SqsQueue,
        keys: &[],
    },
    ActionDef {
        action: "sqs:ReceiveMessage",
        kind: ResKind::SqsQueue,
        keys: &[],
    },
    ActionDef {
        action: "sqs:DeleteMessage",
        kind: ResKind::SqsQueue,
        keys: &[],
    },
    ActionDef {
        action: "sqs:GetQueueAttributes",
        kind: ResKind::SqsQueue,
        keys: &[],
    },
    ActionDef {
        action: "sqs:PurgeQueue",
        kind: ResKind::SqsQueue,
        keys: &[],
    },
    ActionDef {
        action: "kinesis:PutRecord",
        kind: ResKind::KinesisStream,
        keys: &[],
    },
    ActionDef {
        action: "kinesis:PutRecords",
        kind: ResKind::KinesisStream,
        keys: &[],
    },
    ActionDef {
        action: "kinesis:GetRecords",
        kind: ResKind::KinesisStream,
        keys: &[],
    },
    ActionDef {
        action: "kinesis:GetShardIterator",
        kind: ResKind::KinesisStream,
        keys: &[],
    },
    ActionDef {
        action: "kinesis:DescribeStream",
        kind: ResKind::KinesisStream,
        keys: &[],
    },
    ActionDef {
        action: "sts:AssumeRole",
        kind: ResKind::IamRole,
        keys: &[
            "sts:ExternalId",
            "sts:RoleSessionName",
            "sts:SourceIdentity",
            "aws:RequestTag/project",
            "aws:TagKeys",
        ],
    },
    ActionDef {
        action: "sts:TagSession",
        kind: ResKind::IamRole,
        keys: &["aws:RequestTag/project", "aws:TagKeys"],
    },
    ActionDef {
        action: "sts:SetSourceIdentity",
        kind: ResKind::IamRole,
        keys: &["sts:SourceIdentity"],
    },
];

/// What a condition key holds, which decides the operators used on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Str,
    Arn,
    Bool,
    Num,
    Date,
    Ip,
    /// Multivalued (`ArrayOf*` in iam-simulate's catalog).
    List,
    Binary,
}

struct KeyDef {
    name: &'static str,
    ty: Ty,
    /// Values the request context may carry (items, for lists).
    values: &'static [&'static str],
    /// Probability that the request carries the key.
    present: f64,
}

/// Global keys the generator puts in the context at random. Keys xacct derives from the caller
/// and resource (aws:PrincipalArn, aws:PrincipalAccount, ...) are always set, to the derived
/// value, because iam-simulate fills in nothing by itself.
const GLOBAL_KEYS: &[KeyDef] = &[
    KeyDef {
        name: "aws:PrincipalOrgID",
        ty: Ty::Str,
        values: &["o-abc123", "o-xyz789"],
        present: 0.6,
    },
    KeyDef {
        name: "aws:PrincipalTag/team",
        ty: Ty::Str,
        values: &["data", "Data", "ops", "alice", ""],
        present: 0.5,
    },
    KeyDef {
        name: "aws:PrincipalTag/env",
        ty: Ty::Str,
        values: &["prod", "dev"],
        present: 0.3,
    },
    KeyDef {
        name: "aws:PrincipalTag/blob",
        ty: Ty::Binary,
        values: &["ZGF0YQ==", "b3Bz"],
        present: 0.2,
    },
    KeyDef {
        name: "aws:ResourceTag/project",
        ty: Ty::Str,
        values: &["lake", "Lake", "other"],
        present: 0.4,
    },
    KeyDef {
        name: "aws:RequestedRegion",
        ty: Ty::Str,
        values: &["us-east-1", "eu-west-1"],
        present: 0.4,
    },
    KeyDef {
        name: "aws:SourceVpce",
        ty: Ty::Str,
        values: &["vpce-1a2b3c4d", "vpce-99999999"],
        present: 0.2,
    },
    KeyDef {
        name: "aws:SourceIp",
        ty: Ty::Ip,
        values: &["203.0.113.7", "10.1.2.3", "2001:db8::1", "192.0.2.200"],
        present: 0.5,
    },
    KeyDef {
        name: "aws:SecureTransport",
        ty: Ty::Bool,
        values: &["true", "false"],
        present: 0.6,
    },
    KeyDef {
        name: "aws:MultiFactorAuthPresent",
        ty: Ty::Bool,
        values: &["true", "false"],
        present: 0.3,
    },
    KeyDef {
        name: "aws:ViaAWSService",
        ty: Ty::Bool,
        values: &["true", "false"],
        present: 0.2,
    },
    KeyDef {
        name: "aws:MultiFactorAuthAge",
        ty: Ty::Num,
        values: &["30", "3600", "86400"],
        present: 0.3,
    },
    KeyDef {
        name: "aws:CurrentTime",
        ty: Ty::Date,
        values: &["2024-06-01T12:00:00Z", "2025-01-15T08:30:00Z"],
        present: 0.5,
    },
    KeyDef {
        name: "aws:TokenIssueTime",
        ty: Ty::Date,
        values: &["2024-06-01T11:00:00Z", "2023-12-31T23:59:59Z"],
        present: 0.3,
    },
    KeyDef {
        name: "aws:EpochTime",
        ty: Ty::Date,
        values: &["1717243200", "1736929800"],
        present: 0.3,
    },
    KeyDef {
        name: "aws:PrincipalOrgPaths",
        ty: Ty::List,
        values: &[
            "o-abc123/r-ab12/ou-ab12-11111111/",
            "o-abc123/r-ab12/ou-ab12-22222222/",
        ],
        present: 0.4,
    },
    KeyDef {
        name: "aws:CalledVia",
        ty: Ty::List,
        values: &["athena.amazonaws.com", "glue.amazonaws.com"],
        present: 0.2,
    },
    KeyDef {
        name: "aws:ResourceOrgID",
        ty: Ty::Str,
        values: &["o-abc123"],
        present: 0.2,
    },
];

const SERVICE_KEYS: &[KeyDef] = &[
    KeyDef {
        name: "s3:signatureAge",
        ty: Ty::Num,
        values: &["1000", "600000"],
        present: 0.4,
    },
    KeyDef {
        name: "s3:authType",
        ty: Ty::Str,
        values: &["REST-HEADER", "REST-QUERY-STRING"],
        present: 0.4,
    },
    KeyDef {
        name: "s3:ExistingObjectTag/classification",
        ty: Ty::Str,
        values: &["confidential", "public"],
        present: 0.5,
    },
    KeyDef {
        name: "s3:x-amz-acl",
        ty: Ty::Str,
        values: &["bucket-owner-full-control", "private", "public-read"],
        present: 0.6,
    },
    KeyDef {
        name: "s3:prefix",
        ty: Ty::Str,
        values: &["home/alice/", "home/bob/docs/", "raw/", ""],
        present: 0.7,
    },
    KeyDef {
        name: "s3:delimiter",
        ty: Ty::Str,
        values: &["/"],
        present: 0.3,
    },
    KeyDef {
        name: "s3:max-keys",
        ty: Ty::Num,
        values: &["10", "1000"],
        present: 0.4,
    },
    KeyDef {
        name: "kms:ViaService",
        ty: Ty::Str,
        values: &[
            "s3.us-east-1.amazonaws.com",
            "kinesis.eu-west-1.amazonaws.com",
        ],
        present: 0.5,
    },
    KeyDef {
        name: "kms:EncryptionAlgorithm",
        ty: Ty::Str,
        values: &["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"],
        present: 0.4,
    },
    KeyDef {
        name: "kms:EncryptionContextKeys",
        ty: Ty::List,
        values: &["project", "dept"],
        present: 0.5,
    },
    KeyDef {
        name: "sts:ExternalId",
        ty: Ty::Str,
        values: &["ext-123", "EXT-123"],
        present: 0.5,
    },
    KeyDef {
        name: "sts:RoleSessionName",
        ty: Ty::Str,
        values: &["alice", "i-0abc123"],
        present: 0.5,
    },
    KeyDef {
        name: "sts:SourceIdentity",
        ty: Ty::Str,
        values: &["alice", "bob"],
        present: 0.4,
    },
    KeyDef {
        name: "aws:RequestTag/project",
        ty: Ty::Str,
        values: &["lake", "other"],
        present: 0.5,
    },
    KeyDef {
        name: "aws:TagKeys",
        ty: Ty::List,
        values: &["project", "team"],
        present: 0.5,
    },
];

/// Keys whose values follow from the caller and resource; conditions may test them, but the
/// generator never invents their values.
const DERIVED_KEYS: &[(&str, Ty)] = &[
    ("aws:PrincipalArn", Ty::Arn),
    ("aws:PrincipalAccount", Ty::Str),
    ("aws:PrincipalType", Ty::Str),
    ("aws:username", Ty::Str),
    ("aws:userid", Ty::Str),
    ("aws:ResourceAccount", Ty::Str),
    ("aws:PrincipalIsAWSService", Ty::Bool),
    ("aws:PrincipalServiceName", Ty::Str),
    ("aws:SourceAccount", Ty::Str),
    ("aws:SourceArn", Ty::Arn),
    ("kms:CallerAccount", Ty::Str),
    ("s3:ResourceAccount", Ty::Str),
];

struct Target {
    def: &'static ActionDef,
    arn: String,
    account: &'static str,
    region: &'static str,
    /// The bucket, key id, queue, stream or role name (with path) the ARN ends in.
    name: String,
}

impl Target {
    fn service(&self) -> &'static str {
        self.def.action.split(':').next().unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Identity,
    Boundary,
    Session,
    Scp,
    Rcp,
    Resource,
    Trust,
}

struct Gen {
    rng: ChaCha8Rng,
}

/// Everything the policy generator needs to know about one request.
struct Scene {
    caller: Caller,
    target: Target,
    context: Map<String, Value>,
}

impl Scene {
    fn context_value(&self, key: &str) -> Option<&Value> {
        self.context
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    }
}

fn full_scp() -> Value {
    json!({"Version": V12, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

fn full_rcp() -> Value {
    json!({"Version": V12, "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
}

fn allow_all() -> Value {
    json!({"Version": V12, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

impl Gen {
    fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items
            .choose(&mut self.rng)
            .cloned()
            .expect("non-empty list")
    }

    /// Picks by weight: `(weight, value)`.
    fn weighted<T: Clone>(&mut self, items: &[(u32, T)]) -> T {
        let total: u32 = items.iter().map(|(weight, _)| weight).sum();
        let mut roll = self.rng.gen_range(0..total);
        for (weight, item) in items {
            if roll < *weight {
                return item.clone();
            }
            roll -= weight;
        }
        items
            .last()
            .map(|(_, item)| item.clone())
            .expect("non-empty weights")
    }

    fn account(&mut self) -> &'static str {
        self.weighted(&[(6, A), (4, B)])
    }

    fn caller(&mut self) -> Caller {
        let account = self.account();
        match self.weighted(&[(26, 0), (11, 1), (28, 2), (10, 3), (7, 4), (8, 5)]) {
            0 => {
                let (path, name) = self.pick(&[("", "alice"), ("ops/", "bob")]);
                Caller::User {
                    account,
                    path,
                    name,
                }
            }
            1 => {
                let (path, name) = self.pick(&[("", "app"), ("service-role/", "etl")]);
                Caller::Role {
                    account,
                    path,
                    name,
                }
            }
            2 => {
                let (path, role) = self.pick(&[("", "app"), ("service-role/", "etl")]);
                let session = self.pick(&["s1", "i-0abc123"]);
                Caller::Session {
                    account,
                    path,
                    role,
                    session,
                }
            }
            3 => Caller::Federated {
                account,
                name: "carol",
            },
            4 => Caller::Root {
                account,
                as_arn: self.chance(0.5),
            },
            _ => Caller::Service {
                name: self.pick(&[
                    "ec2.amazonaws.com",
                    "lambda.amazonaws.com",
                    "s3.amazonaws.com",
                    "sns.amazonaws.com",
                ]),
            },
        }
    }

    fn target(&mut self) -> Target {
        let def = ACTIONS.choose(&mut self.rng).expect("actions");
        let account = self.account();
        let region = self.pick(&["us-east-1", "eu-west-1"]);
        let (arn, name) = match def.kind {
            ResKind::S3Object => {
                let bucket = self.pick(&["lake", "lake-archive", "reports"]);
                let key = self.pick(&[
                    "raw/2024/part-0001.parquet",
                    "home/alice/notes.txt",
                    "home/bob/docs/x.csv",
                    "Sales/q1.csv",
                    "logs/app:1.log",
                ]);
                (format!("arn:aws:s3:::{bucket}/{key}"), bucket.to_owned())
            }
            ResKind::S3Bucket => {
                let bucket = self.pick(&["lake", "lake-archive", "reports"]);
                (format!("arn:aws:s3:::{bucket}"), bucket.to_owned())
            }
            ResKind::KmsKey => {
                let id = self.pick(&["1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-0f1e2d3c4b5a"]);
                (
                    format!("arn:aws:kms:{region}:{account}:key/{id}"),
                    id.to_owned(),
                )
            }
            ResKind::SqsQueue => {
                let queue = self.pick(&["orders", "orders-dlq", "alice"]);
                (
                    format!("arn:aws:sqs:{region}:{account}:{queue}"),
                    queue.to_owned(),
                )
            }
            ResKind::KinesisStream => {
                let stream = self.pick(&["clicks", "alice-events"]);
                (
                    format!("arn:aws:kinesis:{region}:{account}:stream/{stream}"),
                    stream.to_owned(),
                )
            }
            ResKind::IamRole => {
                let role = self.pick(&["app", "service-role/etl", "alice-role"]);
                (
                    format!("arn:aws:iam::{account}:role/{role}"),
                    role.to_owned(),
                )
            }
        };
        Target {
            def,
            arn,
            account,
            region,
            name,
        }
    }

    fn context(&mut self, caller: &Caller, target: &Target) -> Map<String, Value> {
        let mut context = Map::new();
        let mut set = |key: &str, value: Value| {
            context.insert(key.to_owned(), value);
        };
        set("aws:ResourceAccount", json!(target.account));
        if let Some(account) = caller.account() {
            set("aws:PrincipalAccount", json!(account));
            if target.def.kind == ResKind::KmsKey {
                set("kms:CallerAccount", json!(account));
            }
        }
        if let Some(arn) = caller.principal_arn() {
            set("aws:PrincipalArn", json!(arn));
        }
        if let Some(principal_type) = caller.principal_type() {
            set("aws:PrincipalType", json!(principal_type));
        }
        set(
            "aws:PrincipalIsAWSService",
            json!(matches!(caller, Caller::Service { .. })),
        );
        match caller {
            Caller::User { name, .. } => {
                set("aws:username", json!(name));
                set(
                    "aws:userid",
                    json!(format!("AIDA{}EXAMPLE0001", name.to_ascii_uppercase())),
                );
            }
            Caller::Session { role, session, .. } => {
                set(
                    "aws:userid",
                    json!(format!(
                        "AROA{}EXAMPLE01:{session}",
                        role.to_ascii_uppercase()
                    )),
                );
            }
            Caller::Federated { account, name } => {
                set("aws:userid", json!(format!("{account}:{name}")));
            }
            Caller::Root { account, .. } => set("aws:userid", json!(account)),
            Caller::Service { name } => {
                set("aws:PrincipalServiceName", json!(name));
                let source = self.pick(&[A, B]);
                set("aws:SourceAccount", json!(source));
                let arn = self.pick(&[
                    "arn:aws:sns:us-east-1:111111111111:alerts".to_owned(),
                    format!("arn:aws:s3:::{}", target.name),
                ]);
                set("aws:SourceArn", json!(arn));
            }
            Caller::Role { .. } => {}
        }
        // xacct derives s3:ResourceAccount for every S3 request, as AWS sends it.
        if target.def.keys.contains(&"s3:ResourceAccount") {
            set("s3:ResourceAccount", json!(target.account));
        }
        let keys = GLOBAL_KEYS.iter().chain(
            SERVICE_KEYS
                .iter()
                .filter(|key| target.def.keys.contains(&key.name)),
        );
        for key in keys {
            if !self.rng.gen_bool(key.present) {
                continue;
            }
            let value = match key.ty {
                Ty::List => {
                    let count = self.weighted(&[(1, 0), (6, 1), (4, 2)]);
                    let mut items: Vec<&str> = key.values.to_vec();
                    items.shuffle(&mut self.rng);
                    json!(items.into_iter().take(count).collect::<Vec<_>>())
                }
                Ty::Num if self.chance(0.4) => {
                    let text = self.pick(key.values);
                    json!(text.parse::<u64>().expect("numeric candidate"))
                }
                Ty::Bool if self.chance(0.3) => json!(self.chance(0.5)),
                _ => json!(self.pick(key.values)),
            };
            context.insert(key.name.to_owned(), value);
        }
        context
    }

    fn request(&mut self) -> Value {
        let caller = self.caller();
        let target = self.target();
        let context = self.context(&caller, &target);
        let scene = Scene {
            caller,
            target,
            context,
        };
        let mut request = Map::new();
        request.insert("principal".into(), json!(scene.caller.principal()));
        request.insert("action".into(), json!(scene.target.def.action));
        request.insert("resource".into(), json!(scene.target.arn));
        if matches!(scene.target.def.kind, ResKind::S3Object | ResKind::S3Bucket)
            || self.chance(0.2)
        {
            request.insert("resourceAccount".into(), json!(scene.target.account));
        }
        request.insert("context".into(), Value::Object(scene.context.clone()));
        if scene.caller.has_identity_policies() {
            let count = self.weighted(&[(12, 0), (45, 1), (30, 2), (13, 3)]);
            if count > 0 {
                let policies: Vec<Value> = (0..count)
                    .map(|_| self.policy(Kind::Identity, &scene))
                    .collect();
                request.insert("identityPolicies".into(), json!(policies));
            }
        }
        let resource_policy = match (scene.target.def.kind, &scene.caller) {
            (ResKind::IamRole, _) => 1.0,
            (ResKind::KmsKey, _) => 0.9,
            (_, Caller::Service { .. }) => 0.85,
            _ => 0.6,
        };
        if self.chance(resource_policy) {
            let kind = if scene.target.def.kind == ResKind::IamRole {
                Kind::Trust
            } else {
                Kind::Resource
            };
            request.insert("resourcePolicy".into(), self.policy(kind, &scene));
        }
        if scene.caller.has_identity_policies() && self.chance(0.2) {
            request.insert(
                "permissionBoundary".into(),
                self.policy(Kind::Boundary, &scene),
            );
        }
        let session = match scene.caller {
            Caller::Federated { .. } => 0.8,
            Caller::Role { .. } | Caller::Session { .. } => 0.25,
            _ => 0.0,
        };
        if scene.caller.can_have_session_policy() && self.chance(session) {
            request.insert("sessionPolicy".into(), self.policy(Kind::Session, &scene));
        }
        if self.chance(0.35) {
            let levels: Vec<Value> = (0..self.weighted(&[(4, 1), (4, 2), (2, 3)]))
                .map(|_| self.scp_level(&scene))
                .collect();
            request.insert("scps".into(), json!(levels));
        }
        if self.chance(0.3) {
            let levels: Vec<Value> = (0..self.weighted(&[(6, 1), (4, 2)]))
                .map(|_| self.rcp_level(&scene))
                .collect();
            request.insert("rcps".into(), json!(levels));
        }
        Value::Object(request)
    }

    fn scp_level(&mut self, scene: &Scene) -> Value {
        if self.chance(0.04) {
            return json!([]);
        }
        let mut level = Vec::new();
        if self.chance(0.8) {
            level.push(full_scp());
        }
        if level.is_empty() || self.chance(0.45) {
            level.push(self.policy(Kind::Scp, scene));
        }
        json!(level)
    }

    fn rcp_level(&mut self, scene: &Scene) -> Value {
        let mut level = vec![full_rcp()];
        if self.chance(0.6) {
            level.push(self.policy(Kind::Rcp, scene));
        }
        level.shuffle(&mut self.rng);
        json!(level)
    }

    fn policy(&mut self, kind: Kind, scene: &Scene) -> Value {
        let count = self.weighted(&[(5, 1), (4, 2), (2, 3)]);
        let statements: Vec<Value> = (0..count)
            .map(|index| {
                let mut statement = self.statement(kind, scene);
                if self.chance(0.15) {
                    if let Some(object) = statement.as_object_mut() {
                        object.insert("Sid".into(), json!(format!("Stmt{index}")));
                    }
                }
                statement
            })
            .collect();
        let mut policy = Map::new();
        let version = if kind == Kind::Rcp {
            Some(V12)
        } else {
            self.weighted(&[(86, Some(V12)), (9, None), (5, Some("2008-10-17"))])
        };
        // A permissions boundary is a managed policy, and CreatePolicy refuses any `Version`
        // but 2012-10-17. (The draw above still happens, so the other requests stay the same.)
        let version = if kind == Kind::Boundary {
            Some(V12)
        } else {
            version
        };
        if let Some(version) = version {
            policy.insert("Version".into(), json!(version));
        }
        if matches!(kind, Kind::Resource) && self.chance(0.2) {
            policy.insert("Id".into(), json!("policy-1"));
        }
        let statement = match statements.as_slice() {
            [one] if self.chance(0.4) => one.clone(),
            _ => json!(statements),
        };
        policy.insert("Statement".into(), statement);
        Value::Object(policy)
    }

    fn statement(&mut self, kind: Kind, scene: &Scene) -> Value {
        let mut statement = Map::new();
        let effect = match kind {
            Kind::Rcp => "Deny",
            Kind::Resource | Kind::Trust => self.weighted(&[(82, "Allow"), (18, "Deny")]),
            Kind::Scp => self.weighted(&[(70, "Allow"), (30, "Deny")]),
            _ => self.weighted(&[(83, "Allow"), (17, "Deny")]),
        };
        statement.insert("Effect".into(), json!(effect));
        match kind {
            Kind::Rcp => {
                statement.insert("Principal".into(), json!("*"));
            }
            Kind::Resource if effect == "Deny" && self.chance(0.25) => {
                statement.insert("NotPrincipal".into(), self.not_principal(scene));
            }
            Kind::Resource | Kind::Trust => {
                statement.insert("Principal".into(), self.principal(scene));
            }
            _ => {}
        }
        let not_action = kind != Kind::Rcp && self.chance(0.12);
        let actions = self.actions(kind, scene, not_action);
        statement.insert(
            if not_action { "NotAction" } else { "Action" }.into(),
            actions,
        );
        if kind != Kind::Trust {
            let not_resource = self.chance(0.12);
            let resources = self.resources(kind, scene, not_resource);
            statement.insert(
                if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }
                .into(),
                resources,
            );
        }
        let condition = match kind {
            Kind::Rcp => 0.75,
            Kind::Scp => 0.4,
            _ => 0.45,
        };
        if self.chance(condition) {
            let condition = self.condition(kind, scene);
            if condition.as_object().is_some_and(|map| !map.is_empty()) {
                statement.insert("Condition".into(), condition);
            }
        }
        Value::Object(statement)
    }

    fn list_or_one(&mut self, mut items: Vec<Value>) -> Value {
        items.dedup();
        match items.as_slice() {
            [one] if self.chance(0.7) => one.clone(),
            _ => Value::Array(items),
        }
    }

    fn actions(&mut self, kind: Kind, scene: &Scene, negated: bool) -> Value {
        let action = scene.target.def.action;
        let (service, name) = action.split_once(':').expect("service:Action");
        let count = self.weighted(&[(6, 1), (3, 2), (1, 3)]);
        let mut out = Vec::new();
        for _ in 0..count {
            let choice = self.weighted(&[
                (40, 0),
                (10, 1),
                (10, 2),
                (8, 3),
                (6, 4),
                (6, 5),
                (10, 6),
                (10, 7),
            ]);
            let pattern = match choice {
                0 => match self.rng.gen_range(0..3) {
                    0 => action.to_owned(),
                    1 => action.to_ascii_lowercase(),
                    _ => format!("{}:{name}", service.to_ascii_uppercase()),
                },
                1 => format!("{service}:*"),
                2 => format!("{service}:{}*", name.get(..3).unwrap_or(name)),
                3 => format!("{service}:*{}", name.get(name.len() - 4..).unwrap_or(name)),
                4 => {
                    let mut chars: Vec<char> = name.chars().collect();
                    let at = self.rng.gen_range(0..chars.len());
                    if let Some(slot) = chars.get_mut(at) {
                        *slot = '?';
                    }
                    format!("{service}:{}", chars.into_iter().collect::<String>())
                }
                5 if kind != Kind::Rcp && !negated => "*".to_owned(),
                6 => {
                    let siblings: Vec<&str> = ACTIONS
                        .iter()
                        .map(|def| def.action)
                        .filter(|other| other.starts_with(service) && *other != action)
                        .collect();
                    self.pick(&siblings).to_owned()
                }
                _ => {
                    let other = ACTIONS
                        .iter()
                        .map(|def| def.action)
                        .filter(|other| !other.starts_with(service))
                        .collect::<Vec<_>>();
                    self.pick(&other).to_owned()
                }
            };
            out.push(json!(pattern));
        }
        self.list_or_one(out)
    }

    fn resources(&mut self, kind: Kind, scene: &Scene, negated: bool) -> Value {
        let count = self.weighted(&[(7, 1), (3, 2)]);
        let items = (0..count)
            .map(|_| json!(self.resource(kind, scene, negated)))
            .collect();
        self.list_or_one(items)
    }

    fn resource(&mut self, kind: Kind, scene: &Scene, negated: bool) -> String {
        let target = &scene.target;
        let arn = target.arn.clone();
        let account = target.account;
        let region = target.region;
        let roll = self.rng.gen_range(0..100);
        if roll < 33 {
            return arn;
        }
        if roll < 45 {
            return "*".to_owned();
        }
        if roll < 50 && kind == Kind::Identity && !negated {
            // Incomplete ARNs, which AWS completes with `*` in identity-based policies.
            let service = target.service();
            return self.pick(&[
                format!("arn:aws:{service}"),
                format!("arn:aws:{service}:{region}"),
                format!("arn:aws:{service}:*:{account}"),
                format!("arn:aws:{service}:*"),
            ]);
        }
        let name = &target.name;
        let options: Vec<String> = match target.def.kind {
            ResKind::S3Object => vec![
                format!("arn:aws:s3:::{name}/*"),
                format!("arn:aws:s3:::{name}/home/*"),
                format!("arn:aws:s3:::{name}/home/${{aws:username}}/*"),
                format!("arn:aws:s3:::{name}/raw/*/part-????.parquet"),
                format!("arn:aws:s3:::{name}*"),
                "arn:aws:s3:::*/Sales/*".to_owned(),
                "arn:aws:s3:::*".to_owned(),
                format!("arn:aws:s3:::{name}"),
                "arn:aws:s3:::other-bucket/*".to_owned(),
            ],
            ResKind::S3Bucket => vec![
                format!("arn:aws:s3:::{name}"),
                format!("arn:aws:s3:::{name}/*"),
                "arn:aws:s3:::lake*".to_owned(),
                "arn:aws:s3:::*".to_owned(),
                "arn:aws:s3:::${aws:PrincipalTag/team}".to_owned(),
                "arn:aws:s3:::other-bucket".to_owned(),
            ],
            ResKind::KmsKey => vec![
                format!("arn:aws:kms:*:{account}:key/*"),
                format!("arn:aws:kms:{region}:{account}:key/1234*"),
                format!("arn:aws:kms:{region}:*:key/{name}"),
                format!("arn:aws:kms:{region}:{account}:alias/*"),
                "arn:aws:kms:*:*:*".to_owned(),
                format!("arn:aws:kms:{region}:{account}:*/{name}"),
                format!("arn:aws:kms:{region}:{C}:key/*"),
            ],
            ResKind::SqsQueue => vec![
                format!("arn:aws:sqs:*:{account}:orders*"),
                format!("arn:aws:sqs:{region}:{account}:*"),
                format!("arn:aws:sqs:{region}:{account}:order?"),
                format!("arn:aws:sqs:{region}:{account}:${{aws:username}}"),
                format!("arn:aws:sqs:{region}:*:${{aws:username}}-dlq"),
                format!("arn:aws:sqs:{region}:{C}:orders"),
                "arn:aws:sqs:*:*:*".to_owned(),
            ],
            ResKind::KinesisStream => vec![
                format!("arn:aws:kinesis:{region}:{account}:stream/*"),
                "arn:aws:kinesis:*:*:stream/clicks".to_owned(),
                format!("arn:aws:kinesis:{region}:{account}:stream/${{aws:username}}-events"),
                format!("arn:aws:kinesis:{region}:{account}:*/{name}"),
                format!("arn:aws:kinesis:{region}:{account}:stream/{name}/consumer/*"),
                format!("arn:aws:kinesis:{region}:{C}:stream/*"),
            ],
            ResKind::IamRole => vec![
                format!("arn:aws:iam::{account}:role/*"),
                format!("arn:aws:iam::{account}:role/service-role/*"),
                "arn:aws:iam::*:role/${aws:username}-role".to_owned(),
                format!("arn:aws:iam::{C}:role/*"),
            ],
        };
        let mut options = options;
        if kind == Kind::Rcp {
            // Keep RCP resources plain: short and variable-heavy shapes are covered elsewhere.
            options.retain(|option| !option.contains("${"));
        }
        self.pick(&options)
    }

    /// Strings that name principals, for `Principal`/`NotPrincipal`: the caller in every form
    /// it can be named, its account, and some that name somebody else.
    fn principal_pool(&mut self, scene: &Scene) -> Vec<(String, String)> {
        let caller = &scene.caller;
        let aws = |value: String| ("AWS".to_owned(), value);
        let mut pool = vec![
            aws(scene.target.account.to_owned()),
            aws(format!("arn:aws:iam::{C}:root")),
            aws(format!("arn:aws:iam::{A}:user/mallory")),
            ("Service".to_owned(), "ec2.amazonaws.com".to_owned()),
        ];
        if let Some(account) = caller.account() {
            pool.push(aws(account.to_owned()));
            pool.push(aws(format!("arn:aws:iam::{account}:root")));
        }
        match caller {
            Caller::Service { name } => {
                pool.push(("Service".to_owned(), (*name).to_owned()));
                pool.push(("Service".to_owned(), (*name).to_owned()));
            }
            Caller::Root { .. } => {}
            _ => {
                pool.push(aws(caller.principal()));
                pool.push(aws(caller.principal()));
            }
        }
        if let Some(role) = caller.role_arn() {
            pool.push(aws(role.clone()));
            pool.push(aws(role));
        }
        if let Caller::Session { account, role, .. } = caller {
            pool.push(aws(format!(
                "arn:aws:sts::{account}:assumed-role/{role}/other-session"
            )));
        }
        if let Caller::Federated { account, name } = caller {
            pool.push(aws(format!("arn:aws:iam::{account}:user/{name}")));
        }
        pool
    }

    fn principal(&mut self, scene: &Scene) -> Value {
        if self.chance(0.14) {
            return json!("*");
        }
        if self.chance(0.05) {
            return json!({"AWS": "*"});
        }
        let pool = self.principal_pool(scene);
        let count = self.weighted(&[(6, 1), (3, 2), (1, 3)]);
        let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for _ in 0..count {
            let (key, value) = self.pick(&pool);
            let values = map.entry(key).or_default();
            if !values.contains(&json!(value)) {
                values.push(json!(value));
            }
        }
        let mut object = Map::new();
        for (key, values) in map {
            let value = self.list_or_one(values);
            object.insert(key, value);
        }
        Value::Object(object)
    }

    fn not_principal(&mut self, scene: &Scene) -> Value {
        let pool = self.principal_pool(scene);
        let count = self.weighted(&[(3, 1), (4, 2), (3, 3)]);
        let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for _ in 0..count {
            let (key, value) = self.pick(&pool);
            let values = map.entry(key).or_default();
            if !values.contains(&json!(value)) {
                values.push(json!(value));
            }
        }
        let mut object = Map::new();
        for (key, values) in map {
            let value = self.list_or_one(values);
            object.insert(key, value);
        }
        Value::Object(object)
    }

    /// Keys conditions may test: every key the context could carry for this action, present or
    /// not.
    fn condition_keys(scene: &Scene) -> Vec<(&'static str, Ty)> {
        let mut keys: Vec<(&'static str, Ty)> = GLOBAL_KEYS
            .iter()
            .chain(
                SERVICE_KEYS
                    .iter()
                    .filter(|key| scene.target.def.keys.contains(&key.name)),
            )
            .map(|key| (key.name, key.ty))
            .collect();
        keys.extend(
            DERIVED_KEYS
                .iter()
                .copied()
                .filter(|(name, _)| !name.starts_with("kms:") || scene.target.service() == "kms"),
        );
        keys.retain(|(name, _)| {
            *name != "s3:ResourceAccount" || scene.target.def.keys.contains(&"s3:ResourceAccount")
        });
        keys
    }

    fn condition(&mut self, kind: Kind, scene: &Scene) -> Value {
        let keys = Self::condition_keys(scene);
        let mut blocks: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        let count = self.weighted(&[(6, 1), (3, 2), (1, 3)]);
        for _ in 0..count {
            let (key, ty) = if kind == Kind::Rcp && self.chance(0.6) {
                self.pick(&[
                    ("aws:PrincipalOrgID", Ty::Str),
                    ("aws:PrincipalIsAWSService", Ty::Bool),
                    ("aws:PrincipalAccount", Ty::Str),
                    ("aws:SourceAccount", Ty::Str),
                    ("aws:SecureTransport", Ty::Bool),
                ])
            } else {
                self.pick(&keys)
            };
            let (operator, values) = self.operator_and_values(key, ty, scene);
            let written_key = if self.chance(0.15) {
                key.to_ascii_lowercase()
            } else {
                key.to_owned()
            };
            let block = blocks.entry(operator).or_default();
            if block
                .keys()
                .any(|existing| existing.eq_ignore_ascii_case(key))
            {
                continue;
            }
            block.insert(written_key, values);
        }
        let mut condition = Map::new();
        for (operator, block) in blocks {
            condition.insert(operator, Value::Object(block));
        }
        Value::Object(condition)
    }

    fn operator_and_values(&mut self, key: &str, ty: Ty, scene: &Scene) -> (String, Value) {
        if self.chance(if ty == Ty::List { 0.25 } else { 0.1 }) {
            let value = self.pick(&[json!("true"), json!("false"), json!(true), json!(false)]);
            return ("Null".to_owned(), value);
        }
        let base = match ty {
            Ty::Str | Ty::List => self.pick(&[
                "StringEquals",
                "StringNotEquals",
                "StringEqualsIgnoreCase",
                "StringNotEqualsIgnoreCase",
                "StringLike",
                "StringNotLike",
            ]),
            Ty::Arn => self.pick(&[
                "ArnEquals",
                "ArnLike",
                "ArnNotEquals",
                "ArnNotLike",
                "StringLike",
                "StringEquals",
            ]),
            Ty::Bool => "Bool",
            Ty::Num => self.pick(&[
                "NumericEquals",
                "NumericNotEquals",
                "NumericLessThan",
                "NumericLessThanEquals",
                "NumericGreaterThan",
                "NumericGreaterThanEquals",
            ]),
            Ty::Date if key == "aws:EpochTime" && self.chance(0.3) => self.pick(&[
                "NumericLessThan",
                "NumericGreaterThanEquals",
                "NumericEquals",
            ]),
            Ty::Date => self.pick(&[
                "DateEquals",
                "DateNotEquals",
                "DateLessThan",
                "DateLessThanEquals",
                "DateGreaterThan",
                "DateGreaterThanEquals",
            ]),
            Ty::Ip => self.pick(&["IpAddress", "NotIpAddress"]),
            Ty::Binary => "BinaryEquals",
        };
        let qualifier = match ty {
            Ty::List if self.chance(0.75) => self.pick(&["ForAnyValue:", "ForAllValues:"]),
            Ty::List => "",
            _ if self.chance(0.08) => self.pick(&["ForAnyValue:", "ForAllValues:"]),
            _ => "",
        };
        let if_exists = if self.chance(0.2) { "IfExists" } else { "" };
        let operator = format!("{qualifier}{base}{if_exists}");
        let count = self.weighted(&[(6, 1), (3, 2), (1, 3)]);
        let mut values = Vec::new();
        for _ in 0..count {
            values.push(self.policy_value(key, ty, base, scene));
        }
        let values = self.list_or_one(values);
        (operator, values)
    }

    fn policy_value(&mut self, key: &str, ty: Ty, base: &str, scene: &Scene) -> Value {
        let current = scene.context_value(key).cloned();
        let current_text: Vec<String> = match &current {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(text)) => vec![text.clone()],
            Some(other) => vec![other.to_string()],
            None => Vec::new(),
        };
        if base.starts_with("Numeric") {
            let candidates: Vec<Value> = if key == "aws:EpochTime" {
                vec![
                    json!("1717243200"),
                    json!("1700000000"),
                    json!(1_893_456_000_u64),
                ]
            } else {
                vec![
                    json!("30"),
                    json!("3600"),
                    json!(3600),
                    json!("86400.0"),
                    json!("1000"),
                    json!(600_000),
                    json!("-1"),
                    json!("10"),
                ]
            };
            return self.pick(&candidates);
        }
        match ty {
            Ty::Bool => self.pick(&[json!("true"), json!("false"), json!(true), json!("True")]),
            Ty::Date => self.pick(&[
                json!("2024-01-01T00:00:00Z"),
                json!("2024-06-01T12:00:00Z"),
                json!("2025-01-01"),
                json!("2030-01-01T00:00:00Z"),
                json!("1717243200"),
                json!("1700000000"),
                json!("1893456000"),
            ]),
            Ty::Ip => self.pick(&[
                json!("203.0.113.0/24"),
                json!("10.0.0.0/8"),
                json!("2001:db8::/32"),
                json!("192.0.2.200"),
                json!("2001:db8::1"),
                json!("0.0.0.0/0"),
                json!("198.51.100.0/24"),
            ]),
            Ty::Binary => self.pick(&[json!("ZGF0YQ=="), json!("b3Bz"), json!("eHl6")]),
            Ty::Arn => {
                let account = scene.caller.account().unwrap_or(A);
                let mut candidates = vec![
                    format!("arn:aws:iam::{account}:role/*"),
                    format!("arn:aws:iam::{account}:user/*"),
                    "arn:aws:iam::*:role/app".to_owned(),
                    format!("arn:aws:iam::{account}:*"),
                    format!("arn:aws:iam::{C}:*"),
                    "arn:aws:iam::*:user/${aws:username}".to_owned(),
                    format!("arn:aws:iam::{account}:role/${{aws:PrincipalTag/team}}*"),
                    "arn:aws:iam::${aws:PrincipalAccount}:*".to_owned(),
                    "arn:aws:sns:us-east-1:*:alerts".to_owned(),
                    "arn:aws:s3:::lake*".to_owned(),
                ];
                if base.starts_with("String") {
                    candidates.push("*".to_owned());
                }
                candidates.extend(current_text.iter().cloned());
                candidates.extend(current_text.iter().cloned());
                json!(self.pick(&candidates))
            }
            _ => {
                let mut candidates: Vec<String> = GLOBAL_KEYS
                    .iter()
                    .chain(SERVICE_KEYS)
                    .find(|def| def.name == key)
                    .map(|def| def.values.iter().map(|value| (*value).to_owned()).collect())
                    .unwrap_or_default();
                for text in &current_text {
                    candidates.push(text.clone());
                    candidates.push(text.clone());
                    candidates.push(text.to_ascii_uppercase());
                    if base.contains("Like") {
                        let prefix: String = text.chars().take(2).collect();
                        candidates.push(format!("{prefix}*"));
                        if let Some(last) = text.char_indices().last() {
                            candidates.push(format!("{}?", text.get(..last.0).unwrap_or("")));
                        }
                    }
                }
                if base.contains("Like") {
                    candidates.push("*".to_owned());
                }
                candidates.extend(
                    variable_values(key)
                        .iter()
                        .map(|variable| (*variable).to_owned()),
                );
                candidates.extend(
                    [A, B, "alice", "User", "AssumedRole", "Account"]
                        .iter()
                        .map(|value| (*value).to_owned()),
                );
                json!(self.pick(&candidates))
            }
        }
    }
}

/// Policy variables worth trying as values for a key.
fn variable_values(key: &str) -> &'static [&'static str] {
    match key {
        "aws:PrincipalTag/team" => &["${aws:username}", "${aws:PrincipalTag/env, 'data'}"],
        "aws:ResourceAccount" => &["${aws:PrincipalAccount}"],
        "aws:PrincipalAccount" => &["${aws:ResourceAccount}"],
        "s3:prefix" => &["home/${aws:username}/*", "home/${aws:username}/"],
        "sts:RoleSessionName" => &["${aws:username}", "${aws:PrincipalTag/team, 'none'}"],
        "aws:PrincipalOrgID" => &["${aws:ResourceOrgID}"],
        "aws:ResourceTag/project" => &["${aws:PrincipalTag/team}", "${aws:RequestTag/project}"],
        "aws:SourceAccount" => &["${aws:ResourceAccount}"],
        "aws:username" => &["${aws:PrincipalTag/team}"],
        "aws:PrincipalOrgPaths" => &["${aws:PrincipalOrgID}/*"],
        _ => &[],
    }
}

// ---------------------------------------------------------------------------------------------
// Running the two engines
// ---------------------------------------------------------------------------------------------

/// iam-simulate's answer: a decision, or an error for an input it cannot express.
type IamOutcome = Result<String, String>;

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/iam-simulate")
}

fn run_iam_simulate(requests: &[String]) -> Vec<IamOutcome> {
    if requests.is_empty() {
        return Vec::new();
    }
    let path = std::env::temp_dir().join(format!(
        "xacct-differential-{}-{}.jsonl",
        std::process::id(),
        requests.len()
    ));
    {
        let mut file = std::fs::File::create(&path).expect("temporary JSONL file");
        for request in requests {
            writeln!(file, "{request}").expect("write JSONL");
        }
    }
    let input = std::fs::File::open(&path).expect("reopen JSONL");
    let output = Command::new("node")
        .arg("runner.mjs")
        .current_dir(tools_dir())
        .stdin(Stdio::from(input))
        .stderr(Stdio::inherit())
        .output()
        .expect("run `node runner.mjs` (is Node.js installed?)");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "runner.mjs failed: {}",
        output.status
    );
    let stdout = String::from_utf8(output.stdout).expect("runner output is UTF-8");
    let outcomes: Vec<IamOutcome> = stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("runner prints JSON lines");
            match (value.get("decision"), value.get("error")) {
                (Some(Value::String(decision)), _) => Ok(decision.clone()),
                (_, Some(error)) => Err(error.as_str().unwrap_or_default().to_owned()),
                _ => Err(format!("unexpected runner line {line}")),
            }
        })
        .collect();
    assert_eq!(
        outcomes.len(),
        requests.len(),
        "runner.mjs answered {} of {} requests",
        outcomes.len(),
        requests.len()
    );
    outcomes
}

/// How a resource-policy Allow that xacct counts as naming the caller directly names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DirectGrant {
    /// By its own ARN (user, role session, federated user).
    Named,
    /// Only through `"*"`.
    Wildcard,
}

/// xacct's answer, with the facts the difference classes look at.
#[derive(Clone, Debug)]
enum XacctOutcome {
    Decision {
        decision: &'static str,
        /// A resource-policy Allow named the caller directly.
        direct_grant: Option<DirectGrant>,
        /// STS refuses the call for the caller's kind of credentials (root AssumeRole, a
        /// federated user's STS or IAM call, a role session's GetFederationToken).
        credential_refusal: bool,
    },
    Rejected(String),
}

impl XacctOutcome {
    fn decision(&self) -> Option<&'static str> {
        match self {
            Self::Decision { decision, .. } => Some(decision),
            Self::Rejected(_) => None,
        }
    }
}

fn is_wildcard_principal(principal: Option<&Value>) -> bool {
    match principal {
        Some(Value::String(text)) => text == "*",
        Some(Value::Object(map)) => map
            .get("AWS")
            .is_some_and(|aws| strings(Some(aws)).contains(&"*")),
        _ => false,
    }
}

/// Writes into the request's `context` the keys AWS always sends that xacct fills when the
/// request lacks them (`aws:CurrentTime`, `aws:EpochTime`, `aws:RequestedRegion`,
/// `aws:SecureTransport`, `aws:ViaAWSService`), with xacct's values, so that iam-simulate, which
/// fills none of them, decides the same request.
fn with_always_present_keys(mut value: Value) -> Value {
    let read = read_request(&SourceFile::new("fill", value.to_string()), &NoFiles);
    let Some(request) = read.request else {
        return value;
    };
    let filled: Vec<(String, String)> = request
        .context
        .entries()
        .filter(|entry| {
            entry.derived && xacct_eval::assumed::is_always_present(&entry.key.to_ascii_lowercase())
        })
        .filter(|entry| {
            matches!(
                entry.key.as_str(),
                "aws:CurrentTime"
                    | "aws:EpochTime"
                    | "aws:RequestedRegion"
                    | "aws:SecureTransport"
                    | "aws:ViaAWSService"
            )
        })
        .filter_map(|entry| match &entry.value {
            xacct_eval::ContextValue::Single(text) => Some((entry.key.clone(), text.clone())),
            xacct_eval::ContextValue::Multi(_) => None,
        })
        .collect();
    if let Some(object) = value.as_object_mut() {
        let context = object
            .entry("context")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(context) = context.as_object_mut() {
            for (key, text) in filled {
                context.insert(key, Value::String(text));
            }
        }
    }
    value
}

fn run_xacct(name: &str, value: &Value) -> XacctOutcome {
    let source = SourceFile::new(name, value.to_string());
    let read = read_request(&source, &NoFiles);
    match &read.request {
        Some(request) => {
            let response = authorize(request);
            let resource_statements = value
                .get("resourcePolicy")
                .map(statements)
                .unwrap_or_default();
            let grants: Vec<DirectGrant> = response
                .allows
                .iter()
                .filter(|allow| {
                    allow.layer == Layer::ResourcePolicy && allow.naming == Some(Naming::Direct)
                })
                .map(|allow| {
                    let principal = resource_statements
                        .get(allow.statement)
                        .and_then(|statement| statement.get("Principal"));
                    if is_wildcard_principal(principal) {
                        DirectGrant::Wildcard
                    } else {
                        DirectGrant::Named
                    }
                })
                .collect();
            let direct_grant = if grants.contains(&DirectGrant::Named) {
                Some(DirectGrant::Named)
            } else {
                grants.first().copied()
            };
            let credential_refusal = response.refused_by_service.as_ref().is_some_and(|refusal| {
                matches!(
                    refusal.rule,
                    ServiceRule::RootAssumeRole
                        | ServiceRule::FederatedUserStsOrIam
                        | ServiceRule::RoleSessionTokenCall
                )
            });
            XacctOutcome::Decision {
                decision: response.decision.name(),
                direct_grant,
                credential_refusal,
            }
        }
        None => XacctOutcome::Rejected(
            read.findings
                .iter()
                .filter(|finding| finding.finding.severity == xacct_policy::Severity::Error)
                .map(|finding| format!("{}: {}", finding.location(), finding.finding.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Walking requests
// ---------------------------------------------------------------------------------------------

/// Every policy of a request with its kind, in a fixed order.
fn policies(request: &Value) -> Vec<(Kind, &Value)> {
    let mut out = Vec::new();
    let trust = request
        .get("action")
        .and_then(Value::as_str)
        .is_some_and(|action| action.starts_with("sts:"));
    if let Some(Value::Array(list)) = request.get("identityPolicies") {
        out.extend(list.iter().map(|policy| (Kind::Identity, policy)));
    }
    if let Some(policy) = request.get("resourcePolicy") {
        out.push((if trust { Kind::Trust } else { Kind::Resource }, policy));
    }
    if let Some(policy) = request.get("permissionBoundary") {
        out.push((Kind::Boundary, policy));
    }
    if let Some(policy) = request.get("sessionPolicy") {
        out.push((Kind::Session, policy));
    }
    for (field, kind) in [("scps", Kind::Scp), ("rcps", Kind::Rcp)] {
        if let Some(Value::Array(levels)) = request.get(field) {
            for level in levels {
                if let Value::Array(list) = level {
                    out.extend(list.iter().map(|policy| (kind, policy)));
                }
            }
        }
    }
    out
}

fn for_each_policy_mut(request: &mut Value, mut visit: impl FnMut(Kind, &mut Value)) {
    let trust = request
        .get("action")
        .and_then(Value::as_str)
        .is_some_and(|action| action.starts_with("sts:"));
    if let Some(Value::Array(list)) = request.get_mut("identityPolicies") {
        list.iter_mut()
            .for_each(|policy| visit(Kind::Identity, policy));
    }
    if let Some(policy) = request.get_mut("resourcePolicy") {
        visit(if trust { Kind::Trust } else { Kind::Resource }, policy);
    }
    if let Some(policy) = request.get_mut("permissionBoundary") {
        visit(Kind::Boundary, policy);
    }
    if let Some(policy) = request.get_mut("sessionPolicy") {
        visit(Kind::Session, policy);
    }
    for (field, kind) in [("scps", Kind::Scp), ("rcps", Kind::Rcp)] {
        if let Some(Value::Array(levels)) = request.get_mut(field) {
            for level in levels {
                if let Value::Array(list) = level {
                    list.iter_mut().for_each(|policy| visit(kind, policy));
                }
            }
        }
    }
}

fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

/// The statements of a policy as a mutable list (a single statement object becomes a list).
fn statements_mut(policy: &mut Value) -> &mut Vec<Value> {
    let statement = policy
        .as_object_mut()
        .expect("policy object")
        .entry("Statement")
        .or_insert_with(|| json!([]));
    if !statement.is_array() {
        let one = statement.take();
        *statement = json!([one]);
    }
    statement.as_array_mut().expect("statement list")
}

/// Keeps the statements `keep` accepts, in every policy.
fn retain_statements(request: &mut Value, keep: impl Fn(Kind, &Value, &Value) -> bool) {
    let snapshot = request.clone();
    for_each_policy_mut(request, |kind, policy| {
        if policy.get("Statement").is_some() {
            statements_mut(policy).retain(|statement| keep(kind, statement, &snapshot));
        }
    });
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(text)) => vec![text.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn scalar_texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => vec![scalar_text(other)],
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One `operator: {key: values}` entry of a statement's Condition.
struct Cond {
    operator: String,
    key: String,
    values: Vec<String>,
}

impl Cond {
    fn qualifier(&self) -> Option<&str> {
        self.operator
            .split_once(':')
            .map(|(qualifier, _)| qualifier)
    }

    fn base(&self) -> &str {
        let rest = self
            .operator
            .split_once(':')
            .map_or(self.operator.as_str(), |(_, rest)| rest);
        rest.strip_suffix("IfExists").unwrap_or(rest)
    }

    fn if_exists(&self) -> bool {
        self.operator.ends_with("IfExists")
    }

    fn negated(&self) -> bool {
        let base = self.base();
        base.contains("Not") || base == "NotIpAddress"
    }
}

fn conditions(statement: &Value) -> Vec<Cond> {
    let mut out = Vec::new();
    if let Some(Value::Object(operators)) = statement.get("Condition") {
        for (operator, block) in operators {
            if let Value::Object(keys) = block {
                for (key, values) in keys {
                    out.push(Cond {
                        operator: operator.clone(),
                        key: key.clone(),
                        values: scalar_texts(values),
                    });
                }
            }
        }
    }
    out
}

/// What the request context holds for a key, looked up case-insensitively.
#[derive(Debug, PartialEq, Eq)]
enum Held {
    Absent,
    Scalar(String),
    List(Vec<String>),
}

fn held(request: &Value, key: &str) -> Held {
    let value = request
        .get("context")
        .and_then(Value::as_object)
        .and_then(|context| {
            context
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
                .map(|(_, value)| value)
        });
    match value {
        None | Some(Value::Null) => Held::Absent,
        Some(Value::Array(items)) => Held::List(items.iter().map(scalar_text).collect()),
        Some(other) => Held::Scalar(scalar_text(other)),
    }
}

/// The `${...}` references in a text.
fn variables(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// Whether iam-simulate can resolve every variable of a text: `${*}`-style escapes always, a
/// key with a default (`${key, 'default'}`) always, otherwise a non-empty single value.
fn resolves(request: &Value, text: &str) -> bool {
    variables(text).into_iter().all(|variable| {
        if matches!(variable, "*" | "?" | "$") || variable.contains(", '") {
            return true;
        }
        matches!(held(request, variable.trim()), Held::Scalar(value) if !value.is_empty())
    })
}

fn is_all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn resource_patterns(statement: &Value) -> Vec<&str> {
    let mut out = strings(statement.get("Resource"));
    out.extend(strings(statement.get("NotResource")));
    out
}

/// The first five fields of an ARN pattern and its resource part.
fn split_arn(pattern: &str) -> Option<(Vec<&str>, &str)> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    match parts.as_slice() {
        [a, b, c, d, e, resource] => Some((vec![*a, *b, *c, *d, *e], resource)),
        _ => None,
    }
}

/// The resource-type prefix of a resource part the way iam-simulate cuts it: up to and
/// including the first `/` or `:`; nothing for S3's account-less ARNs.
fn resource_type_prefix<'a>(fields: &[&str], resource: &'a str) -> &'a str {
    if fields.get(2) == Some(&"s3") && fields.get(3) == Some(&"") && fields.get(4) == Some(&"") {
        return "";
    }
    match resource.find(['/', ':']) {
        Some(at) => &resource[..=at],
        None => "",
    }
}

/// A variable in the first five fields of an ARN pattern (iam-simulate splits on every colon
/// before it substitutes, and every `aws:` variable has a colon of its own).
fn variable_before_fifth_colon(pattern: &str) -> bool {
    pattern
        .find("${")
        .is_some_and(|first| pattern[..first].matches(':').count() < 5)
}

/// A Resource pattern whose variable sits in what iam-simulate takes as the resource-type
/// prefix: the resource part up to its first `/` or `:`.
fn variable_in_resource_type_prefix(pattern: &str) -> bool {
    !variable_before_fifth_colon(pattern)
        && split_arn(pattern).is_some_and(|(fields, resource)| {
            resource_type_prefix(&fields, resource).contains("${")
        })
}

fn wildcard_in_resource_type(pattern: &str) -> bool {
    split_arn(pattern).is_some_and(|(fields, resource)| {
        resource_type_prefix(&fields, resource).contains(['*', '?'])
    })
}

/// Rewrites every Resource/NotResource pattern of every policy.
fn map_resource_patterns(request: &mut Value, rewrite: impl Fn(&str) -> Option<String>) {
    for_each_policy_mut(request, |_, policy| {
        if policy.get("Statement").is_none() {
            return;
        }
        for statement in statements_mut(policy) {
            for element in ["Resource", "NotResource"] {
                if let Some(value) = statement.get_mut(element) {
                    map_strings(value, &rewrite);
                }
            }
        }
    });
}

fn map_strings(value: &mut Value, rewrite: &impl Fn(&str) -> Option<String>) {
    match value {
        Value::String(text) => {
            if let Some(new) = rewrite(text) {
                *text = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| map_strings(item, rewrite)),
        _ => {}
    }
}

/// Rewrites every condition entry: `edit(operator, key, values)` returns the new operator
/// name and values, or `None` to leave the entry alone.
fn map_conditions(
    request: &mut Value,
    edit: impl Fn(&str, &str, &Value) -> Option<(String, Value)>,
) {
    for_each_policy_mut(request, |_, policy| {
        if policy.get("Statement").is_none() {
            return;
        }
        for statement in statements_mut(policy) {
            let Some(Value::Object(operators)) = statement.get_mut("Condition") else {
                continue;
            };
            let mut rebuilt: Map<String, Value> = Map::new();
            for (operator, block) in std::mem::take(operators) {
                let Value::Object(keys) = block else {
                    rebuilt.insert(operator, block);
                    continue;
                };
                for (key, values) in keys {
                    let (new_operator, new_values) =
                        edit(&operator, &key, &values).unwrap_or((operator.clone(), values));
                    rebuilt
                        .entry(new_operator)
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .expect("operator block")
                        .insert(key, new_values);
                }
            }
            *operators = rebuilt;
        }
    });
}

/// Keeps the condition entries `keep(operator, key, values)` accepts, dropping emptied blocks.
fn retain_condition_entries(request: &mut Value, keep: impl Fn(&str, &str, &Value) -> bool) {
    for_each_policy_mut(request, |_, policy| {
        if policy.get("Statement").is_none() {
            return;
        }
        for statement in statements_mut(policy) {
            let Some(object) = statement.as_object_mut() else {
                continue;
            };
            let Some(Value::Object(operators)) = object.get_mut("Condition") else {
                continue;
            };
            for (operator, block) in operators.iter_mut() {
                if let Value::Object(keys) = block {
                    keys.retain(|key, values| keep(operator, key, values));
                }
            }
            operators.retain(|_, block| block.as_object().is_none_or(|keys| !keys.is_empty()));
            if operators.is_empty() {
                object.remove("Condition");
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Difference classes
// ---------------------------------------------------------------------------------------------

/// How a class turns a request into one where the deviation no longer matters.
enum Emulation {
    /// Rewrite the request so that xacct computes what iam-simulate computes.
    Xacct(fn(&Value) -> Value),
    /// Rewrite the request so that iam-simulate computes what xacct computes.
    Iam(fn(&Value) -> Value),
}

struct Class {
    id: &'static str,
    /// The deviation can play a part in this request.
    present: fn(&Value, &XacctOutcome) -> bool,
    emulation: Emulation,
}

fn caller_text(request: &Value) -> &str {
    request
        .get("principal")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn is_root(request: &Value) -> bool {
    let principal = caller_text(request);
    (principal.len() == 12 && is_all_digits(principal)) || principal.ends_with(":root")
}

fn is_service(request: &Value) -> bool {
    let principal = caller_text(request);
    !principal.starts_with("arn:") && !is_all_digits(principal)
}

fn caller_account(request: &Value) -> Option<String> {
    let principal = caller_text(request);
    if is_all_digits(principal) {
        return Some(principal.to_owned());
    }
    principal
        .split(':')
        .nth(4)
        .filter(|account| !account.is_empty())
        .map(str::to_owned)
}

fn resource_account(request: &Value) -> Option<String> {
    request
        .get("resourceAccount")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            request
                .get("resource")
                .and_then(Value::as_str)
                .and_then(|arn| arn.split(':').nth(4))
                .filter(|account| !account.is_empty())
                .map(str::to_owned)
        })
}

fn any_condition(request: &Value, test: impl Fn(Kind, &Value, &Cond) -> bool) -> bool {
    policies(request).into_iter().any(|(kind, policy)| {
        statements(policy).into_iter().any(|statement| {
            conditions(statement)
                .iter()
                .any(|cond| test(kind, statement, cond))
        })
    })
}

fn any_statement(request: &Value, test: impl Fn(Kind, &Value) -> bool) -> bool {
    policies(request).into_iter().any(|(kind, policy)| {
        statements(policy)
            .into_iter()
            .any(|statement| test(kind, statement))
    })
}

fn absent_or_empty(request: &Value, key: &str) -> bool {
    match held(request, key) {
        Held::Absent => true,
        Held::List(items) => items.is_empty(),
        Held::Scalar(_) => false,
    }
}

fn is_date_family(base: &str) -> bool {
    base.starts_with("Date")
}

/// Whether a statement's condition entry has a value iam-simulate cannot resolve.
fn has_unresolved_value(request: &Value, cond: &Cond) -> bool {
    cond.values
        .iter()
        .any(|value| value.contains("${") && !resolves(request, value))
}

/// iam-simulate's reading of a NotPrincipal: the caller is exempt when any entry names it in
/// any way (exactly, through its account, or through the role or IAM user behind a session).
fn iam_simulate_exempts(request: &Value, not_principal: &Value) -> bool {
    let principal = caller_text(request);
    let caller = if is_all_digits(principal) {
        format!("arn:aws:iam::{principal}:root")
    } else {
        principal.to_owned()
    };
    let account = caller_account(request);
    let names = |entry: &str| -> bool {
        if entry.chars().all(|c| c == '*') {
            return true;
        }
        let entry_account = if is_all_digits(entry) {
            Some(entry.to_owned())
        } else if entry.starts_with("arn:") && entry.ends_with(":root") {
            entry.split(':').nth(4).map(str::to_owned)
        } else {
            None
        };
        if let Some(entry_account) = entry_account {
            return account.as_deref() == Some(entry_account.as_str());
        }
        if entry == caller {
            return true;
        }
        let parts: Vec<&str> = caller.split(':').collect();
        if let (Some(caller_account), Some(resource)) = (parts.get(4), parts.get(5)) {
            if let Some(rest) = resource.strip_prefix("assumed-role/") {
                let role = rest.split('/').next().unwrap_or_default();
                let entry_parts: Vec<&str> = entry.split(':').collect();
                if entry_parts.get(2) == Some(&"iam")
                    && entry_parts.get(4) == Some(caller_account)
                    && entry_parts.get(5).is_some_and(|res| {
                        res.starts_with("role/")
                            && res
                                .rsplit('/')
                                .next()
                                .is_some_and(|name| name.eq_ignore_ascii_case(role))
                    })
                {
                    return true;
                }
            }
            if let Some(name) = resource.strip_prefix("federated-user/") {
                if entry == format!("arn:aws:iam::{caller_account}:user/{name}") {
                    return true;
                }
            }
        }
        false
    };
    match not_principal {
        Value::String(text) => names(text),
        Value::Object(map) => map
            .values()
            .any(|values| strings(Some(values)).into_iter().any(names)),
        _ => false,
    }
}

fn classes() -> Vec<Class> {
    vec![
        Class {
            id: "legacy-version-variables",
            present: |request, _| {
                policies(request).into_iter().any(|(_, policy)| {
                    policy.get("Version").and_then(Value::as_str) != Some(V12)
                        && policy.to_string().contains("${")
                })
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                for_each_policy_mut(&mut out, |_, policy| {
                    if let Some(object) = policy.as_object_mut() {
                        object.insert("Version".into(), json!(V12));
                    }
                });
                out
            }),
        },
        Class {
            id: "root-user-implicit-permissions",
            present: |request, _| is_root(request),
            emulation: Emulation::Iam(|request| {
                let mut out = request.clone();
                let list = out
                    .as_object_mut()
                    .expect("request object")
                    .entry("identityPolicies")
                    .or_insert_with(|| json!([]));
                list.as_array_mut().expect("policy list").push(allow_all());
                out
            }),
        },
        Class {
            id: "service-principal-scps",
            present: |request, _| {
                is_service(request)
                    && request
                        .get("scps")
                        .and_then(Value::as_array)
                        .is_some_and(|levels| !levels.is_empty())
            },
            emulation: Emulation::Iam(|request| {
                let mut out = request.clone();
                out.as_object_mut().expect("request object").remove("scps");
                out
            }),
        },
        Class {
            id: "rcp-unsupported-service",
            present: |request, _| {
                let action = request
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                request
                    .get("rcps")
                    .and_then(Value::as_array)
                    .is_some_and(|levels| !levels.is_empty())
                    && !xacct_eval::coverage::rcps_cover(&action.to_ascii_lowercase())
            },
            emulation: Emulation::Iam(|request| {
                let mut out = request.clone();
                out.as_object_mut().expect("request object").remove("rcps");
                out
            }),
        },
        Class {
            id: "session-policy-vs-session-grant",
            present: |request, xacct| {
                session_policy_and_direct_grant(request, xacct, DirectGrant::Named)
            },
            emulation: Emulation::Iam(allow_everything_in_session_policy),
        },
        Class {
            id: "session-policy-vs-wildcard-grant",
            present: |request, xacct| {
                session_policy_and_direct_grant(request, xacct, DirectGrant::Wildcard)
            },
            emulation: Emulation::Iam(allow_everything_in_session_policy),
        },
        Class {
            id: "federated-user-without-session-policy",
            present: |request, _| {
                caller_text(request).contains(":federated-user/")
                    && request.get("sessionPolicy").is_none()
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                out.as_object_mut()
                    .expect("request object")
                    .insert("sessionPolicy".into(), allow_all());
                out
            }),
        },
        Class {
            id: "notprincipal-partial-exemption",
            present: |request, _| {
                request.get("permissionBoundary").is_none()
                    && any_statement(request, |kind, statement| {
                        kind == Kind::Resource
                            && statement
                                .get("NotPrincipal")
                                .is_some_and(|np| iam_simulate_exempts(request, np))
                    })
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                retain_statements(&mut out, |kind, statement, snapshot| {
                    !(kind == Kind::Resource
                        && statement
                            .get("NotPrincipal")
                            .is_some_and(|np| iam_simulate_exempts(snapshot, np)))
                });
                out
            }),
        },
        Class {
            id: "variable-at-start-of-resource-part",
            present: |request, _| {
                any_statement(request, |_, statement| {
                    resource_patterns(statement)
                        .into_iter()
                        .any(variable_in_resource_type_prefix)
                })
            },
            emulation: Emulation::Xacct(|request| {
                // iam-simulate cuts the resource part at its first `/` or `:` *before*
                // substituting, so a variable there (every `aws:` key has a colon) becomes part
                // of a literal prefix, and the pattern matches nothing.
                let mut out = request.clone();
                map_resource_patterns(&mut out, |pattern| {
                    variable_in_resource_type_prefix(pattern).then(|| NEVER_ARN.to_owned())
                });
                out
            }),
        },
        Class {
            id: "variable-in-arn-condition-prefix",
            present: |request, _| {
                any_condition(request, |_, _, cond| {
                    cond.base().starts_with("Arn")
                        && cond
                            .values
                            .iter()
                            .any(|value| variable_before_fifth_colon(value))
                })
            },
            emulation: Emulation::Xacct(|request| {
                // iam-simulate splits an Arn* condition value on every colon before
                // substituting: a variable in the first five fields never matches.
                let mut out = request.clone();
                map_conditions(&mut out, |operator, _, values| {
                    let base = operator.rsplit(':').next().unwrap_or(operator);
                    if !base.starts_with("Arn") {
                        return None;
                    }
                    let mut values = values.clone();
                    map_strings(&mut values, &|value: &str| {
                        variable_before_fifth_colon(value).then(|| NEVER_ARN.to_owned())
                    });
                    Some((operator.to_owned(), values))
                });
                out
            }),
        },
        Class {
            id: "wildcard-in-resource-type",
            present: |request, _| {
                any_statement(request, |_, statement| {
                    resource_patterns(statement)
                        .into_iter()
                        .any(wildcard_in_resource_type)
                })
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                map_resource_patterns(&mut out, |pattern| {
                    wildcard_in_resource_type(pattern).then(|| NEVER_ARN.to_owned())
                });
                out
            }),
        },
        Class {
            id: "notresource-unresolved-variable",
            present: |request, _| {
                any_statement(request, |_, statement| {
                    strings(statement.get("NotResource"))
                        .into_iter()
                        .any(|pattern| {
                            pattern.contains("${")
                                && !variable_in_resource_type_prefix(pattern)
                                && !resolves(request, pattern)
                        })
                })
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                retain_statements(&mut out, |_, statement, snapshot| {
                    !strings(statement.get("NotResource"))
                        .into_iter()
                        .any(|pattern| {
                            pattern.contains("${")
                                && !variable_in_resource_type_prefix(pattern)
                                && !resolves(snapshot, pattern)
                        })
                });
                out
            }),
        },
        Class {
            id: "negated-operator-unresolved-variable",
            present: |request, _| {
                any_condition(request, |_, _, cond| negated_unresolved(request, cond))
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                retain_statements(&mut out, |_, statement, snapshot| {
                    !conditions(statement)
                        .iter()
                        .any(|cond| negated_unresolved(snapshot, cond))
                });
                out
            }),
        },
        Class {
            id: "multivalued-key-without-set-operator",
            present: |request, _| any_condition(request, |_, _, cond| bare_on_list(request, cond)),
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                retain_statements(&mut out, |_, statement, snapshot| {
                    !conditions(statement)
                        .iter()
                        .any(|cond| bare_on_list(snapshot, cond))
                });
                out
            }),
        },
        Class {
            id: "null-on-empty-list",
            present: |request, _| {
                any_condition(request, |_, _, cond| {
                    cond.base() == "Null" && held(request, &cond.key) == Held::List(Vec::new())
                })
            },
            emulation: Emulation::Xacct(|request| {
                // iam-simulate counts an empty list as present: `Null: "false"` holds and
                // `Null: "true"` does not. xacct reads it as absent.
                let mut out = request.clone();
                retain_statements(&mut out, |_, statement, snapshot| {
                    !conditions(statement).iter().any(|cond| {
                        cond.base() == "Null"
                            && held(snapshot, &cond.key) == Held::List(Vec::new())
                            && !cond.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
                    })
                });
                let snapshot = out.clone();
                retain_condition_entries(&mut out, |operator, key, _| {
                    !(operator == "Null" && held(&snapshot, key) == Held::List(Vec::new()))
                });
                out
            }),
        },
        Class {
            id: "forallvalues-negated-missing-key",
            present: |request, _| {
                any_condition(request, |_, statement, cond| {
                    cond.qualifier() == Some("ForAllValues")
                        && cond.negated()
                        && !cond.if_exists()
                        && statement.get("Effect").and_then(Value::as_str) == Some("Allow")
                        && absent_or_empty(request, &cond.key)
                })
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                map_conditions(&mut out, |operator, _, values| {
                    let negated = operator.contains("Not");
                    (operator.starts_with("ForAllValues:")
                        && negated
                        && !operator.ends_with("IfExists"))
                    .then(|| (format!("{operator}IfExists"), values.clone()))
                });
                out
            }),
        },
        Class {
            id: "foranyvalue-ifexists-missing-key",
            present: |request, _| {
                any_condition(request, |_, _, cond| {
                    cond.qualifier() == Some("ForAnyValue")
                        && cond.if_exists()
                        && absent_or_empty(request, &cond.key)
                })
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                map_conditions(&mut out, |operator, _, values| {
                    operator
                        .strip_prefix("ForAnyValue:")
                        .and_then(|rest| rest.strip_suffix("IfExists"))
                        .map(|base| (format!("ForAnyValue:{base}"), values.clone()))
                });
                out
            }),
        },
        Class {
            id: "ipv4-zero-length-prefix",
            present: |request, _| {
                any_condition(request, |_, _, cond| {
                    cond.base().ends_with("IpAddress")
                        && cond.values.iter().any(|value| is_ipv4_slash_zero(value))
                })
            },
            emulation: Emulation::Xacct(|request| {
                // iam-simulate computes the mask as `-1 << (32 - prefix)`, and JavaScript
                // shifts by the count modulo 32: a /0 block compares all 32 bits.
                let mut out = request.clone();
                map_conditions(&mut out, |operator, _, values| {
                    if !operator.contains("IpAddress") {
                        return None;
                    }
                    let mut values = values.clone();
                    map_strings(&mut values, &|value: &str| {
                        is_ipv4_slash_zero(value).then(|| value.replace("/0", "/32"))
                    });
                    Some((operator.to_owned(), values))
                });
                out
            }),
        },
        Class {
            id: "bare-ip-other-family",
            present: |request, _| {
                any_condition(request, |_, _, cond| bare_ip_other_family(request, cond))
            },
            emulation: Emulation::Xacct(|request| {
                // iam-simulate compares a bare address by string equality *and* requires the
                // request address to be of the same family, for both operators: NotIpAddress
                // with such a value never holds.
                let mut out = request.clone();
                retain_statements(&mut out, |_, statement, snapshot| {
                    !conditions(statement).iter().any(|cond| {
                        cond.base() == "NotIpAddress" && bare_ip_other_family(snapshot, cond)
                    })
                });
                out
            }),
        },
        Class {
            id: "federated-user-named-by-iam-user",
            present: |request, _| {
                federated_parent_user(request).is_some_and(|user| {
                    request
                        .get("resourcePolicy")
                        .is_some_and(|policy| policy.to_string().contains(&format!("\"{user}\"")))
                })
            },
            emulation: Emulation::Iam(|request| {
                // Name somebody else where the resource policy names the IAM user behind the
                // federated session: iam-simulate then decides as xacct does.
                let mut out = request.clone();
                if let Some(user) = federated_parent_user(request) {
                    if let Some(policy) = out.get_mut("resourcePolicy") {
                        let nobody = user.replace(":user/", ":user/xacctdiff-nobody-");
                        let text = policy
                            .to_string()
                            .replace(&format!("\"{user}\""), &format!("\"{nobody}\""));
                        *policy = serde_json::from_str(&text).expect("rewritten policy");
                    }
                }
                out
            }),
        },
        Class {
            id: "credentials-that-cannot-call",
            present: |_, xacct| {
                matches!(
                    xacct,
                    XacctOutcome::Decision {
                        credential_refusal: true,
                        ..
                    }
                )
            },
            emulation: Emulation::Iam(|request| {
                let mut out = request.clone();
                let list = out
                    .as_object_mut()
                    .expect("request object")
                    .entry("identityPolicies")
                    .or_insert_with(|| json!([]));
                list.as_array_mut().expect("policy list").push(
                    json!({"Version": V12, "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
                );
                out
            }),
        },
        Class {
            id: "trust-policy-direct-grant-vs-boundary",
            present: |request, xacct| {
                let action = request
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                action.starts_with("sts:")
                    && (request.get("permissionBoundary").is_some()
                        || request.get("sessionPolicy").is_some())
                    && matches!(
                        xacct,
                        XacctOutcome::Decision {
                            direct_grant: Some(_),
                            ..
                        }
                    )
                    && caller_account(request) == resource_account(request)
            },
            emulation: Emulation::Xacct(|request| {
                let mut out = request.clone();
                for layer in ["permissionBoundary", "sessionPolicy"] {
                    if let Some(policy) = out.get_mut(layer) {
                        statements_mut(policy)
                            .push(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
                    }
                }
                out
            }),
        },
        Class {
            id: "date-epoch-milliseconds",
            present: |request, _| {
                any_condition(request, |_, _, cond| {
                    if !is_date_family(cond.base()) {
                        return false;
                    }
                    let held_digits = match held(request, &cond.key) {
                        Held::Scalar(value) => Some(is_all_digits(&value)),
                        Held::List(items) => items.first().map(|value| is_all_digits(value)),
                        Held::Absent => None,
                    };
                    held_digits.is_some_and(|held_digits| {
                        cond.values
                            .iter()
                            .any(|value| is_all_digits(value) != held_digits)
                    })
                })
            },
            emulation: Emulation::Xacct(emulate_epoch_milliseconds),
        },
    ]
}

/// Same account, a session policy, and a resource-policy Allow that xacct counts as naming the
/// caller directly, in the given way.
fn session_policy_and_direct_grant(
    request: &Value,
    xacct: &XacctOutcome,
    how: DirectGrant,
) -> bool {
    request.get("sessionPolicy").is_some()
        && matches!(xacct, XacctOutcome::Decision { direct_grant: Some(grant), .. } if *grant == how)
        && caller_account(request) == resource_account(request)
}

/// Adds an Allow for everything to the session policy: its implicit deny can no longer decide.
fn allow_everything_in_session_policy(request: &Value) -> Value {
    let mut out = request.clone();
    if let Some(policy) = out.get_mut("sessionPolicy") {
        statements_mut(policy).push(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
    }
    out
}

/// An IpAddress/NotIpAddress condition with a bare address (no `/prefix`) of the other family
/// than the request's address.
fn bare_ip_other_family(request: &Value, cond: &Cond) -> bool {
    if !cond.base().ends_with("IpAddress") {
        return false;
    }
    let requested: Vec<std::net::IpAddr> = match held(request, &cond.key) {
        Held::Scalar(value) => value.parse().ok().into_iter().collect(),
        Held::List(items) => items.iter().filter_map(|item| item.parse().ok()).collect(),
        Held::Absent => Vec::new(),
    };
    cond.values.iter().any(|value| {
        value.parse::<std::net::IpAddr>().is_ok_and(|bare| {
            requested
                .iter()
                .any(|address| address.is_ipv4() != bare.is_ipv4())
        })
    })
}

/// `a.b.c.d/0`.
fn is_ipv4_slash_zero(value: &str) -> bool {
    value
        .strip_suffix("/0")
        .is_some_and(|address| address.parse::<std::net::Ipv4Addr>().is_ok())
}

/// For a federated-user caller, the ARN of the IAM user who called GetFederationToken.
fn federated_parent_user(request: &Value) -> Option<String> {
    let principal = caller_text(request);
    let (head, name) = principal.split_once(":federated-user/")?;
    let account = head.rsplit(':').next()?;
    Some(format!("arn:aws:iam::{account}:user/{name}"))
}

/// A bare (no set operator) condition on a key the context holds as a list.
fn bare_on_list(request: &Value, cond: &Cond) -> bool {
    cond.qualifier().is_none()
        && cond.base() != "Null"
        && matches!(held(request, &cond.key), Held::List(_))
}

/// A negated String/Arn condition on a present key with a value iam-simulate cannot resolve.
fn negated_unresolved(request: &Value, cond: &Cond) -> bool {
    let family = cond.base();
    (family.starts_with("String") || family.starts_with("Arn"))
        && cond.negated()
        && !absent_or_empty(request, &cond.key)
        && has_unresolved_value(request, cond)
        && !(family.starts_with("Arn")
            && cond
                .values
                .iter()
                .any(|value| variable_before_fifth_colon(value)))
}

/// iam-simulate reads an all-digit date as epoch *milliseconds*. Scaling every all-digit value
/// of the keys tested with date operators by 1/1000 (in policies, for date and numeric
/// operators on those keys, and in the context) makes xacct, which reads epoch seconds, order
/// and compare them exactly as iam-simulate does.
fn emulate_epoch_milliseconds(request: &Value) -> Value {
    let date_keys: BTreeSet<String> = policies(request)
        .into_iter()
        .flat_map(|(_, policy)| statements(policy))
        .flat_map(conditions)
        .filter(|cond| is_date_family(cond.base()))
        .map(|cond| cond.key.to_ascii_lowercase())
        .collect();
    let scale = |text: &str| -> Option<String> {
        is_all_digits(text).then(|| {
            let seconds: f64 = text.parse().unwrap_or_default();
            format!("{}", seconds / 1000.0)
        })
    };
    let mut out = request.clone();
    map_conditions(&mut out, |operator, key, values| {
        let base = operator.rsplit(':').next().unwrap_or(operator);
        if !date_keys.contains(&key.to_ascii_lowercase())
            || !(base.starts_with("Date") || base.starts_with("Numeric"))
        {
            return None;
        }
        let mut values = values.clone();
        match &mut values {
            Value::Array(items) => {
                for item in items {
                    if let Some(new) = scale(&scalar_text(item)) {
                        *item = json!(new);
                    }
                }
            }
            other => {
                if let Some(new) = scale(&scalar_text(other)) {
                    *other = json!(new);
                }
            }
        }
        Some((operator.to_owned(), values))
    });
    if let Some(context) = out.get_mut("context").and_then(Value::as_object_mut) {
        for (key, value) in context.iter_mut() {
            if date_keys.contains(&key.to_ascii_lowercase()) {
                if let Some(new) = scale(&scalar_text(value)) {
                    *value = json!(new);
                }
            }
        }
    }
    out
}

/// A section of docs/known-differences.md: its `## <id>` heading, and whether it records an
/// open xacct bug (a line `**Status: open xacct bug**`) rather than a difference where xacct
/// follows the AWS documentation.
struct Documented {
    open_bug: bool,
}

fn documented_classes() -> BTreeMap<String, Documented> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/known-differences.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let id = heading.trim().trim_matches('`').to_owned();
            out.insert(id.clone(), Documented { open_bug: false });
            current = Some(id);
        } else if line.starts_with("# ") {
            current = None;
        } else if line.contains("**Status: open xacct bug**") {
            if let Some(entry) = current.as_ref().and_then(|id| out.get_mut(id)) {
                entry.open_bug = true;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
    )
}

/// Subsets of `0..count` as bit masks, smallest first (then in class order).
fn subsets_by_size(count: usize) -> Vec<u32> {
    let mut masks: Vec<u32> = (1..(1u32 << count)).collect();
    masks.sort_by_key(|mask| (mask.count_ones(), *mask));
    masks
}

/// At most this many classes are combined when explaining one disagreement.
const MAX_CANDIDATES: usize = 6;

struct Disagreement {
    index: usize,
    iam: String,
    xacct: String,
    /// Classes present in the request, in class order (at most `MAX_CANDIDATES`).
    candidates: Vec<usize>,
    /// Second-batch iam-simulate runs, by the mask (over `candidates`) of the iam-side
    /// emulations applied.
    iam_runs: BTreeMap<u32, usize>,
}

#[test]
fn xacct_agrees_with_iam_simulate_or_the_difference_is_documented() {
    let tools = tools_dir();
    if !tools.join("node_modules").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {} has no node_modules: run `npm ci` there before the tests",
            tools.display()
        );
        println!(
            "SKIPPED differential test: {} has no node_modules (run `npm ci` there to enable it)",
            tools.display()
        );
        return;
    }
    let seed = env_number("XACCT_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let cases = env_number("XACCT_DIFF_CASES").unwrap_or(DEFAULT_CASES);
    let classes = classes();
    let documented = documented_classes();
    let undocumented: Vec<&str> = classes
        .iter()
        .map(|class| class.id)
        .filter(|id| !documented.contains_key(*id))
        .collect();
    assert!(
        undocumented.is_empty(),
        "difference classes missing from docs/known-differences.md (each needs a `## <id>` section): {undocumented:?}"
    );

    let mut generator = Gen::new(seed);
    let requests: Vec<Value> = (0..cases)
        .map(|_| with_always_present_keys(generator.request()))
        .collect();
    let texts: Vec<String> = requests.iter().map(Value::to_string).collect();
    let iam = run_iam_simulate(&texts);
    let xacct: Vec<XacctOutcome> = requests
        .iter()
        .enumerate()
        .map(|(index, request)| run_xacct(&format!("request-{index}"), request))
        .collect();

    // How often each class's construct occurs at all, to show the generator exercises it.
    let mut present: BTreeMap<&str, usize> = BTreeMap::new();
    for (request, outcome) in requests.iter().zip(&xacct) {
        for class in &classes {
            if (class.present)(request, outcome) {
                *present.entry(class.id).or_default() += 1;
            }
        }
    }

    let mut runner_errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut agree = 0usize;
    let mut decisions: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut second_batch: Vec<String> = Vec::new();
    for (index, (iam_outcome, xacct_outcome)) in iam.iter().zip(&xacct).enumerate() {
        let iam_decision = match iam_outcome {
            Ok(decision) => decision.clone(),
            Err(error) => {
                let kind: String = error.chars().take(90).collect();
                *runner_errors.entry(kind).or_default() += 1;
                continue;
            }
        };
        *decisions.entry(iam_decision.clone()).or_default() += 1;
        let xacct_decision = match xacct_outcome {
            XacctOutcome::Decision { decision, .. } => (*decision).to_owned(),
            XacctOutcome::Rejected(message) => format!("Rejected({message})"),
        };
        if iam_decision == xacct_decision {
            agree += 1;
            continue;
        }
        let request = &requests[index];
        let candidates: Vec<usize> = classes
            .iter()
            .enumerate()
            .filter(|(_, class)| (class.present)(request, xacct_outcome))
            .map(|(position, _)| position)
            .take(MAX_CANDIDATES)
            .collect();
        // One iam-simulate run for every combination of the iam-side emulations present.
        let iam_side: Vec<usize> = (0..candidates.len())
            .filter(|&slot| matches!(classes[candidates[slot]].emulation, Emulation::Iam(_)))
            .collect();
        let mut iam_runs = BTreeMap::new();
        for choice in subsets_by_size(iam_side.len()) {
            let mut emulated = request.clone();
            let mut mask = 0u32;
            for (bit, &slot) in iam_side.iter().enumerate() {
                if choice & (1 << bit) != 0 {
                    if let Emulation::Iam(emulate) = classes[candidates[slot]].emulation {
                        emulated = emulate(&emulated);
                    }
                    mask |= 1 << slot;
                }
            }
            iam_runs.insert(mask, second_batch.len());
            second_batch.push(emulated.to_string());
        }
        disagreements.push(Disagreement {
            index,
            iam: iam_decision,
            xacct: xacct_decision,
            candidates,
            iam_runs,
        });
    }
    let second = run_iam_simulate(&second_batch);

    // The smallest set of classes whose emulations, applied together, make the engines agree.
    let mut explained: BTreeMap<String, usize> = BTreeMap::new();
    let mut open_bugs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for disagreement in &disagreements {
        let request = &requests[disagreement.index];
        let mut found: Option<Vec<&str>> = None;
        for mask in subsets_by_size(disagreement.candidates.len()) {
            let mut emulated = request.clone();
            let mut iam_mask = 0u32;
            for (slot, &position) in disagreement.candidates.iter().enumerate() {
                if mask & (1 << slot) == 0 {
                    continue;
                }
                match classes[position].emulation {
                    Emulation::Xacct(emulate) => emulated = emulate(&emulated),
                    Emulation::Iam(_) => iam_mask |= 1 << slot,
                }
            }
            let xacct_decision = if emulated == *request {
                Some(disagreement.xacct.clone())
            } else {
                run_xacct(
                    &format!("request-{}-emulated", disagreement.index),
                    &emulated,
                )
                .decision()
                .map(str::to_owned)
            };
            let iam_decision = if iam_mask == 0 {
                Some(disagreement.iam.clone())
            } else {
                disagreement
                    .iam_runs
                    .get(&iam_mask)
                    .and_then(|run| second[*run].clone().ok())
            };
            if xacct_decision.is_some() && xacct_decision == iam_decision {
                found = Some(
                    disagreement
                        .candidates
                        .iter()
                        .enumerate()
                        .filter(|(slot, _)| mask & (1 << slot) != 0)
                        .map(|(_, &position)| classes[position].id)
                        .collect(),
                );
                break;
            }
        }
        match found {
            Some(ids) => {
                for id in &ids {
                    if documented.get(*id).is_some_and(|doc| doc.open_bug) {
                        open_bugs
                            .entry((*id).to_owned())
                            .or_default()
                            .push(disagreement.index);
                    }
                }
                *explained.entry(ids.join(" + ")).or_default() += 1;
            }
            None => unexplained.push(disagreement),
        }
    }

    let errors: usize = runner_errors.values().sum();
    let decided = cases - errors;
    println!("differential test: seed {seed:#x}, {cases} requests");
    println!("  iam-simulate decisions: {decisions:?}");
    println!("  agree: {agree} of {decided} decided requests");
    println!("  known differences: {}", explained.values().sum::<usize>());
    for (id, count) in &explained {
        println!("    {count:5}  {id}");
    }
    println!("  requests where each class's construct occurs (agreeing or not):");
    for class in &classes {
        let open_bug = documented.get(class.id).is_some_and(|doc| doc.open_bug);
        println!(
            "    {:5}  {}{}",
            present.get(class.id).copied().unwrap_or_default(),
            class.id,
            if open_bug { "  [open xacct bug]" } else { "" }
        );
    }
    println!("  unexplained: {}", unexplained.len());
    println!(
        "  runner errors (unsupported inputs): {errors} ({:.1}%)",
        100.0 * errors as f64 / cases as f64
    );
    for (kind, count) in &runner_errors {
        println!("    {count:5}  {kind}");
    }
    for (id, indices) in &open_bugs {
        println!(
            "\nOPEN XACCT BUG `{id}` (docs/known-differences.md): {} requests, e.g. request {}:\n{}",
            indices.len(),
            indices[0],
            serde_json::to_string_pretty(&requests[indices[0]]).unwrap_or_default()
        );
    }
    for disagreement in unexplained.iter().take(5) {
        let candidates: Vec<&str> = disagreement
            .candidates
            .iter()
            .map(|&position| classes[position].id)
            .collect();
        println!(
            "\nUNEXPLAINED request {}: iam-simulate {}, xacct {} (classes present: {candidates:?})\n{}",
            disagreement.index,
            disagreement.iam,
            disagreement.xacct,
            serde_json::to_string_pretty(&requests[disagreement.index]).unwrap_or_default()
        );
    }
    assert!(
        errors * 20 < cases,
        "{errors} of {cases} requests could not be run by iam-simulate (the limit is 5%)"
    );
    assert!(
        unexplained.is_empty(),
        "{} disagreements fit no documented difference class (the first ones are printed above; rerun with XACCT_DIFF_SEED={seed})",
        unexplained.len()
    );
    let allow_open_bugs = std::env::var_os("XACCT_DIFF_ALLOW_OPEN_BUGS").is_some();
    assert!(
        open_bugs.is_empty() || allow_open_bugs,
        "disagreements where xacct is wrong (open bugs in docs/known-differences.md): {:?}",
        open_bugs
            .iter()
            .map(|(id, indices)| format!("{id}: {} requests", indices.len()))
            .collect::<Vec<_>>()
    );
}
