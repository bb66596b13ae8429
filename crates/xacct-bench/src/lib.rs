//! Synthetic organizations for benchmarks: a seeded generator that writes a scenario folder
//! (`xacct.toml` and one trust and one identity policy file per role) shaped like a real
//! landing zone.
//!
//! - An organization with units `security`, `infrastructure`, `workloads` (with `prod`,
//!   `staging`, `dev` under it) and `sandbox`; SCPs at the root and on units: guardrail denies
//!   with conditions, and an allow-list on `sandbox`.
//! - Account 0 is the management account (operators as IAM users in a group), account 1 the
//!   security account, account 2 shared services (CI/CD pipeline roles); the rest are workload
//!   accounts spread over the units.
//! - Every account has `platform-admin` (trusts the management account), `readonly` (trusts the
//!   security account) and `deploy` (trusts the pipelines of shared services); the other roles
//!   are EC2 roles with instance profiles, Lambda roles, application roles trusting their own
//!   account, and cross-account roles trusting one to three roles in other accounts, half of
//!   them with an `sts:ExternalId` condition.
//! - Identity policies: `sts:AssumeRole` on the cross-account roles that trust the role (with a
//!   few links intended but not trusted), S3 statements with conditions on the buckets the role
//!   reads or writes, a managed baseline on half the roles, explicit denies on some.
//! - Buckets in workload accounts, each with a policy naming readers and writers in other
//!   accounts, a TLS-only deny, and on some an organization-wide read of a prefix.
//! - Expectations: readers named by bucket policies, chains through cross-account roles, and
//!   requests that must be denied.
//!
//! The same [`Spec`] always writes the same files.

pub mod change;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The organization's id in every generated world.
pub const ORGANIZATION: &str = "o-bench00001";

/// How the principals are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// What AWS exports: one `aws iam get-account-authorization-details` file per account,
    /// named by `[[import]]` tables. How a real organization of this size is loaded.
    Exports,
    /// What a person writes: `[[role]]` tables with a trust and an identity policy file each.
    Manifest,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub accounts: usize,
    pub roles_per_account: usize,
    pub buckets: usize,
    pub expectations: usize,
    pub seed: u64,
    pub layout: Layout,
}

impl Spec {
    /// `accounts` accounts (at least 4) of `roles_per_account` roles (at least 8), one bucket
    /// per account, 1,000 expectations.
    pub fn new(accounts: usize, roles_per_account: usize) -> Self {
        Self {
            accounts: accounts.max(4),
            roles_per_account: roles_per_account.max(8),
            buckets: accounts.max(4),
            expectations: 1000,
            seed: 0x5eed,
            layout: Layout::Exports,
        }
    }

    /// A folder name that tells the specs apart: `org-100x100-b100-e1000-s24301-exports`.
    pub fn folder_name(&self) -> String {
        let layout = match self.layout {
            Layout::Exports => "exports",
            Layout::Manifest => "manifest",
        };
        format!(
            "org-{}x{}-b{}-e{}-s{}-{layout}",
            self.accounts, self.roles_per_account, self.buckets, self.expectations, self.seed
        )
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Summary {
    pub dir: PathBuf,
    pub accounts: usize,
    pub roles: usize,
    pub users: usize,
    pub instance_profiles: usize,
    pub buckets: usize,
    pub expectations: usize,
    /// Files written, the manifest included.
    pub files: usize,
    pub bytes: u64,
    /// A who-can question with answers: read the objects of the bucket with most readers.
    pub probe_action: String,
    pub probe_resource: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PlatformAdmin,
    ReadOnly,
    Deploy,
    Pipeline,
    Ec2,
    Lambda,
    App,
    CrossAccount,
}

#[derive(Debug, Clone)]
struct Role {
    account: usize,
    name: String,
    path: &'static str,
    kind: Kind,
    /// Roles the trust policy names (cross-account roles).
    trusted: Vec<usize>,
    external_id: Option<String>,
    assume: Vec<usize>,
    reads: Vec<usize>,
    writes: Vec<usize>,
    managed: bool,
    deny_delete: bool,
}

#[derive(Debug, Clone)]
struct Bucket {
    name: String,
    account: usize,
    readers: Vec<usize>,
    writers: Vec<usize>,
    org_read: bool,
}

const MANAGEMENT: usize = 0;
const SECURITY: usize = 1;
const SHARED: usize = 2;

fn account_id(index: usize) -> String {
    format!("{:012}", 200_000_000_000_u64 + index as u64)
}

fn unit_of(index: usize, rng: &mut ChaCha8Rng) -> Option<&'static str> {
    match index {
        MANAGEMENT => None,
        SECURITY => Some("security"),
        SHARED => Some("infrastructure"),
        _ => Some(match rng.gen_range(0..100) {
            0..35 => "prod",
            35..50 => "staging",
            50..80 => "dev",
            _ => "sandbox",
        }),
    }
}

impl Role {
    fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            account_id(self.account),
            self.path,
            self.name
        )
    }

    fn file_stem(&self) -> String {
        format!("policies/{}/{}", account_id(self.account), self.name)
    }
}

fn bucket_arns(bucket: &Bucket) -> Vec<String> {
    vec![
        format!("arn:aws:s3:::{}", bucket.name),
        format!("arn:aws:s3:::{}/*", bucket.name),
    ]
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A TOML basic string (the generated text is ASCII without control characters).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

struct Writer {
    root: PathBuf,
    files: usize,
    bytes: u64,
}

impl Writer {
    fn write(&mut self, relative: &str, text: &str) -> std::io::Result<()> {
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        self.files += 1;
        self.bytes += text.len() as u64;
        Ok(())
    }

    fn json(&mut self, relative: &str, value: &Value) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
        self.write(relative, &(text + "\n"))
    }
}

struct World {
    roles: Vec<Role>,
    buckets: Vec<Bucket>,
    /// Role ids by account.
    by_account: Vec<Vec<usize>>,
}

impl World {
    fn role(&self, id: usize) -> Option<&Role> {
        self.roles.get(id)
    }

    fn arn(&self, id: usize) -> String {
        self.role(id).map(Role::arn).unwrap_or_default()
    }
}

/// Picks a role of one of `kinds` outside `account`, or none after a few tries.
fn pick_role(world: &World, rng: &mut ChaCha8Rng, outside: usize, kinds: &[Kind]) -> Option<usize> {
    for _ in 0..32 {
        let id = rng.gen_range(0..world.roles.len());
        let fits = world
            .role(id)
            .is_some_and(|role| role.account != outside && kinds.contains(&role.kind));
        if fits {
            return Some(id);
        }
    }
    None
}

fn plan(spec: &Spec, rng: &mut ChaCha8Rng) -> World {
    let mut world = World {
        roles: Vec::new(),
        buckets: Vec::new(),
        by_account: vec![Vec::new(); spec.accounts],
    };
    for account in 0..spec.accounts {
        for index in 0..spec.roles_per_account {
            let (kind, name, path) = match index {
                0 => (Kind::PlatformAdmin, "platform-admin".to_owned(), "/"),
                1 => (Kind::ReadOnly, "readonly".to_owned(), "/"),
                2 => (Kind::Deploy, "deploy".to_owned(), "/"),
                _ if account == SHARED && index < 13 => {
                    (Kind::Pipeline, format!("pipeline-{index:03}"), "/cicd/")
                }
                _ => match rng.gen_range(0..100) {
                    0..20 => (Kind::Ec2, format!("ec2-app-{index:03}"), "/"),
                    20..40 => (Kind::Lambda, format!("lambda-{index:03}"), "/service-role/"),
                    40..65 => (Kind::App, format!("app-{index:03}"), "/"),
                    _ => (Kind::CrossAccount, format!("xacct-{index:03}"), "/"),
                },
            };
            if let Some(list) = world.by_account.get_mut(account) {
                list.push(world.roles.len());
            }
            world.roles.push(Role {
                account,
                name,
                path,
                kind,
                trusted: Vec::new(),
                external_id: None,
                assume: Vec::new(),
                reads: Vec::new(),
                writes: Vec::new(),
                managed: rng.gen_bool(0.5),
                deny_delete: rng.gen_bool(0.3),
            });
        }
    }

    // Cross-account roles trust one to three roles elsewhere, which mostly may assume them.
    let callers = [Kind::Ec2, Kind::Lambda, Kind::App, Kind::CrossAccount];
    for target in 0..world.roles.len() {
        let Some(role) = world
            .role(target)
            .filter(|role| role.kind == Kind::CrossAccount)
        else {
            continue;
        };
        let account = role.account;
        let count = rng.gen_range(1..=3);
        let mut trusted = Vec::new();
        for _ in 0..count {
            if let Some(caller) = pick_role(&world, rng, account, &callers) {
                if !trusted.contains(&caller) {
                    trusted.push(caller);
                }
            }
        }
        let external_id = rng
            .gen_bool(0.5)
            .then(|| format!("ext-{:08x}", rng.gen::<u32>()));
        for caller in &trusted {
            if rng.gen_bool(0.85) {
                if let Some(caller) = world.roles.get_mut(*caller) {
                    caller.assume.push(target);
                }
            }
        }
        // A link somebody meant to make, that the trust policy does not allow.
        if rng.gen_bool(0.1) {
            if let Some(caller) = pick_role(&world, rng, account, &callers)
                .and_then(|caller| world.roles.get_mut(caller))
            {
                caller.assume.push(target);
            }
        }
        if let Some(role) = world.roles.get_mut(target) {
            role.trusted = trusted;
            role.external_id = external_id;
        }
    }

    // Buckets in workload accounts, read and written from other accounts.
    let readers_kinds = [
        Kind::CrossAccount,
        Kind::CrossAccount,
        Kind::Ec2,
        Kind::Lambda,
    ];
    for index in 0..spec.buckets {
        let account = rng.gen_range(3..spec.accounts.max(4));
        let mut bucket = Bucket {
            name: format!("bench-data-{index:05}"),
            account,
            readers: Vec::new(),
            writers: Vec::new(),
            org_read: rng.gen_bool(0.3),
        };
        for _ in 0..rng.gen_range(1..=4) {
            let kinds = readers_kinds
                .choose(rng)
                .map(std::slice::from_ref)
                .unwrap_or(&callers);
            if let Some(reader) = pick_role(&world, rng, account, kinds) {
                if !bucket.readers.contains(&reader) {
                    bucket.readers.push(reader);
                }
            }
        }
        if rng.gen_bool(0.3) {
            bucket
                .writers
                .extend(pick_role(&world, rng, account, &callers));
        }
        for reader in &bucket.readers {
            if rng.gen_bool(0.85) {
                if let Some(role) = world.roles.get_mut(*reader) {
                    role.reads.push(index);
                }
            }
        }
        for writer in &bucket.writers {
            if let Some(role) = world.roles.get_mut(*writer) {
                role.writes.push(index);
            }
        }
        // Roles of the owner's account that read their own data.
        for id in world.by_account.get(account).cloned().unwrap_or_default() {
            let local = world
                .role(id)
                .is_some_and(|role| matches!(role.kind, Kind::Ec2 | Kind::Lambda | Kind::App));
            if local && rng.gen_bool(0.2) {
                if let Some(role) = world.roles.get_mut(id) {
                    role.reads.push(index);
                }
            }
        }
        world.buckets.push(bucket);
    }
    world
}

fn trust_document(world: &World, role: &Role) -> Value {
    let organization = json!({"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}});
    let statement = match role.kind {
        Kind::PlatformAdmin => json!({
            "Sid": "OperatorsFromManagement", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", account_id(MANAGEMENT))},
            "Action": "sts:AssumeRole", "Condition": organization,
        }),
        Kind::ReadOnly => json!({
            "Sid": "SecurityAudit", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", account_id(SECURITY))},
            "Action": "sts:AssumeRole",
        }),
        Kind::Deploy => json!({
            "Sid": "Pipelines", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", account_id(SHARED))},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{}:role/cicd/pipeline-*", account_id(SHARED))}},
        }),
        Kind::Pipeline => json!({
            "Sid": "CodeBuild", "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole",
        }),
        Kind::Ec2 => json!({
            "Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
        }),
        Kind::Lambda => json!({
            "Sid": "Lambda", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
        }),
        Kind::App => json!({
            "Sid": "SameAccount", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", account_id(role.account))},
            "Action": "sts:AssumeRole",
        }),
        Kind::CrossAccount => {
            let principals: Vec<String> = role.trusted.iter().map(|id| world.arn(*id)).collect();
            let mut statement = json!({
                "Sid": "Partners", "Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole",
            });
            if let (Some(id), Some(object)) = (&role.external_id, statement.as_object_mut()) {
                object.insert(
                    "Condition".to_owned(),
                    json!({"StringEquals": {"sts:ExternalId": id}}),
                );
            }
            statement
        }
    };
    document(vec![statement])
}

fn identity_document(world: &World, role: &Role) -> Value {
    let account = account_id(role.account);
    let mut statements = Vec::new();
    match role.kind {
        Kind::PlatformAdmin => statements.push(json!({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})),
        Kind::ReadOnly => statements.push(json!({
            "Sid": "ReadEverything", "Effect": "Allow",
            "Action": ["s3:Get*", "s3:List*", "iam:Get*", "iam:List*", "ec2:Describe*"], "Resource": "*",
        })),
        Kind::Deploy => {
            statements.push(json!({
                "Sid": "Deploy", "Effect": "Allow",
                "Action": ["cloudformation:*", "s3:*", "lambda:*", "iam:PassRole"], "Resource": "*",
            }));
            statements.push(json!({"Sid": "NoUsers", "Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey"], "Resource": "*"}));
        }
        Kind::Pipeline => statements.push(json!({
            "Sid": "DeployEverywhere", "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": "arn:aws:iam::*:role/deploy",
        })),
        Kind::Lambda => {
            statements.push(json!({
                "Sid": "Logs", "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": format!("arn:aws:logs:*:{account}:*"),
            }));
            statements.push(json!({
                "Sid": "Table", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                "Resource": format!("arn:aws:dynamodb:us-east-1:{account}:table/{}-*", role.name),
            }));
        }
        Kind::Ec2 | Kind::App | Kind::CrossAccount => {}
    }
    if !role.assume.is_empty() {
        let targets: Vec<String> = role.assume.iter().map(|id| world.arn(*id)).collect();
        statements.push(json!({"Sid": "AssumePartnerRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": targets}));
    }
    let arns = |ids: &[usize]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| world.buckets.get(*id))
            .flat_map(bucket_arns)
            .collect()
    };
    if !role.reads.is_empty() {
        statements.push(json!({
            "Sid": "ReadData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": arns(&role.reads),
            "Condition": {"StringEquals": {"aws:ResourceOrgID": ORGANIZATION}},
        }));
    }
    if !role.writes.is_empty() {
        statements.push(json!({
            "Sid": "WriteData", "Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": arns(&role.writes),
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        }));
    }
    if role.deny_delete {
        statements.push(json!({"Sid": "NoBucketDeletion", "Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"], "Resource": "*"}));
    }
    if statements.is_empty() {
        statements.push(json!({"Sid": "Describe", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}));
    }
    document(statements)
}

fn bucket_document(world: &World, bucket: &Bucket) -> Value {
    let arns = bucket_arns(bucket);
    let mut statements = vec![json!({
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": arns,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })];
    if !bucket.readers.is_empty() {
        let readers: Vec<String> = bucket.readers.iter().map(|id| world.arn(*id)).collect();
        statements.push(json!({
            "Sid": "Readers", "Effect": "Allow", "Principal": {"AWS": readers},
            "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"], "Resource": arns,
        }));
    }
    if !bucket.writers.is_empty() {
        let writers: Vec<String> = bucket.writers.iter().map(|id| world.arn(*id)).collect();
        statements.push(json!({
            "Sid": "Writers", "Effect": "Allow", "Principal": {"AWS": writers},
            "Action": ["s3:PutObject", "s3:PutObjectAcl"], "Resource": format!("arn:aws:s3:::{}/*", bucket.name),
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        }));
    }
    if bucket.org_read {
        statements.push(json!({
            "Sid": "OrganizationReadsShared", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{}/shared/*", bucket.name),
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}},
        }));
    }
    document(statements)
}

fn scps(writer: &mut Writer) -> std::io::Result<()> {
    let documents = [
        (
            "full-access",
            document(vec![
                json!({"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}),
            ]),
        ),
        (
            "deny-leave",
            document(vec![json!({
                "Sid": "StayInTheOrganization", "Effect": "Deny",
                "Action": ["organizations:LeaveOrganization", "account:CloseAccount"], "Resource": "*",
            })]),
        ),
        (
            "protect-security",
            document(vec![json!({
                "Sid": "OnlyBreakGlassChangesSecurity", "Effect": "Deny",
                "Action": ["iam:DeleteRole", "iam:PutRolePolicy", "s3:DeleteBucket", "s3:PutBucketPolicy"], "Resource": "*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/breakglass-*"}},
            })]),
        ),
        (
            "prod-guardrails",
            document(vec![
                json!({
                    "Sid": "NoBucketPolicyChanges", "Effect": "Deny",
                    "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration"], "Resource": "*",
                    "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/platform-admin", "arn:aws:iam::*:role/deploy"]}},
                }),
                json!({"Sid": "NoIamUsers", "Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey"], "Resource": "*"}),
            ]),
        ),
        (
            "sandbox-allow-list",
            document(vec![json!({
                "Sid": "SandboxServices", "Effect": "Allow",
                "Action": ["s3:*", "sts:*", "ec2:*", "lambda:*", "logs:*", "dynamodb:*", "cloudformation:*", "iam:PassRole", "iam:Get*", "iam:List*"],
                "Resource": "*",
            })]),
        ),
        (
            "data-perimeter",
            document(vec![json!({
                "Sid": "OnlyOrganizationBuckets", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:ResourceOrgID": ORGANIZATION}},
            })]),
        ),
    ];
    for (name, value) in documents {
        writer.json(&format!("policies/scp/{name}.json"), &value)?;
    }
    Ok(())
}

const UNITS: &str = r#"[organization]
id = "o-bench00001"
management_account = "MANAGEMENT"
scps = ["policies/scp/full-access.json", "policies/scp/deny-leave.json"]

[[organization.unit]]
name = "security"
scps = ["policies/scp/full-access.json", "policies/scp/protect-security.json"]

[[organization.unit]]
name = "infrastructure"

[[organization.unit]]
name = "workloads"
scps = ["policies/scp/full-access.json", "policies/scp/data-perimeter.json"]

[[organization.unit]]
name = "prod"
parent = "workloads"
scps = ["policies/scp/full-access.json", "policies/scp/prod-guardrails.json"]

[[organization.unit]]
name = "staging"
parent = "workloads"

[[organization.unit]]
name = "dev"
parent = "workloads"

[[organization.unit]]
name = "sandbox"
scps = ["policies/scp/sandbox-allow-list.json"]

"#;

const MANIFEST_IDENTITIES: &str = r#"[[managed_policy]]
arn = "arn:aws:iam::MANAGEMENT:policy/baseline"
document = "policies/baseline.json"

[[group]]
arn = "arn:aws:iam::MANAGEMENT:group/operators"
policies = ["policies/operators.json"]

"#;

fn expectations(spec: &Spec, world: &World, rng: &mut ChaCha8Rng, manifest: &mut String) {
    let cross: Vec<usize> = (0..world.roles.len())
        .filter(|id| {
            world.role(*id).is_some_and(|role| {
                role.kind == Kind::CrossAccount
                    && !role.reads.is_empty()
                    && !role.trusted.is_empty()
            })
        })
        .collect();
    for index in 0..spec.expectations {
        let Some(bucket) = world
            .buckets
            .get(rng.gen_range(0..world.buckets.len().max(1)))
        else {
            return;
        };
        let object = format!(
            "arn:aws:s3:::{}/data/part-{:04}.parquet",
            bucket.name,
            rng.gen_range(0..10_000)
        );
        let (name, from, actions, resources, allow, external_ids) = match rng.gen_range(0..100) {
            // A reader the bucket policy names.
            0..35 if !bucket.readers.is_empty() => {
                let reader = bucket.readers.choose(rng).copied().unwrap_or_default();
                let from = match world.role(reader) {
                    Some(role) if role.kind == Kind::Ec2 => format!(
                        "arn:aws:iam::{}:instance-profile/{}",
                        account_id(role.account),
                        role.name
                    ),
                    _ => world.arn(reader),
                };
                (
                    format!("reader lists and reads {}", bucket.name),
                    from,
                    vec!["s3:ListBucket", "s3:GetObject"],
                    vec![format!("arn:aws:s3:::{}", bucket.name), object],
                    true,
                    Vec::new(),
                )
            }
            // A partner of a cross-account role that reads, through it.
            0..70 if !cross.is_empty() => {
                let target_id = cross.choose(rng).copied().unwrap_or_default();
                let Some(target) = world.role(target_id) else {
                    continue;
                };
                let caller = target.trusted.choose(rng).copied().unwrap_or_default();
                let read = target
                    .reads
                    .choose(rng)
                    .and_then(|id| world.buckets.get(*id))
                    .unwrap_or(bucket);
                let object = format!(
                    "arn:aws:s3:::{}/data/part-{:04}.parquet",
                    read.name,
                    rng.gen_range(0..10_000)
                );
                let ids = target
                    .external_id
                    .iter()
                    .map(|id| (target.arn(), id.clone()))
                    .collect();
                (
                    format!(
                        "{} reads {} through {}",
                        world
                            .role(caller)
                            .map(|role| role.name.as_str())
                            .unwrap_or_default(),
                        read.name,
                        target.name
                    ),
                    world.arn(caller),
                    vec!["s3:GetObject"],
                    vec![object],
                    true,
                    ids,
                )
            }
            // Somebody unrelated must not write or delete.
            _ => {
                let id = rng.gen_range(0..world.roles.len());
                let action = if rng.gen_bool(0.5) {
                    "s3:PutObject"
                } else {
                    "s3:DeleteObject"
                };
                (
                    format!("no stray writes to {}", bucket.name),
                    world.arn(id),
                    vec![action],
                    vec![object],
                    false,
                    Vec::new(),
                )
            }
        };
        let _ = writeln!(
            manifest,
            "[[expect]]\nname = {}\nfrom = {}",
            quoted(&format!("e{index:04} {name}")),
            quoted(&from)
        );
        let actions: Vec<String> = actions.iter().map(|action| quoted(action)).collect();
        let resources: Vec<String> = resources.iter().map(|resource| quoted(resource)).collect();
        let _ = writeln!(
            manifest,
            "actions = [{}]\nresources = [{}]",
            actions.join(", "),
            resources.join(", ")
        );
        let _ = writeln!(
            manifest,
            "decision = \"{}\"",
            if allow { "allow" } else { "deny" }
        );
        if !external_ids.is_empty() {
            let pairs: Vec<String> = external_ids
                .iter()
                .map(|(role, id)| format!("{} = {}", quoted(role), quoted(id)))
                .collect();
            let _ = writeln!(manifest, "external_ids = {{ {} }}", pairs.join(", "));
        }
        manifest.push('\n');
    }
}

/// Writes the organization `spec` describes into `dir` (created; existing files are replaced).
pub fn generate(spec: &Spec, dir: &Path) -> std::io::Result<Summary> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let units: Vec<Option<&'static str>> = (0..spec.accounts)
        .map(|index| unit_of(index, &mut rng))
        .collect();
    let world = plan(spec, &mut rng);
    let mut writer = Writer {
        root: dir.to_path_buf(),
        files: 0,
        bytes: 0,
    };
    std::fs::create_dir_all(dir)?;
    scps(&mut writer)?;

    let management = account_id(MANAGEMENT);
    let mut manifest = String::with_capacity(spec.accounts * 400 + spec.expectations * 400);
    let _ = writeln!(manifest, "# Generated by xacct-bench: {spec:?}\n");
    manifest.push_str(&UNITS.replace("MANAGEMENT", &management));
    for (index, unit) in units.iter().enumerate() {
        let _ = writeln!(
            manifest,
            "[[account]]\nid = \"{}\"\nname = \"bench {index}\"",
            account_id(index)
        );
        if let Some(unit) = unit {
            let _ = writeln!(manifest, "unit = \"{unit}\"");
        }
        manifest.push('\n');
    }
    match spec.layout {
        Layout::Manifest => manifest_identities(&world, &mut writer, &mut manifest)?,
        Layout::Exports => export_identities(spec, &world, &mut writer, &mut manifest)?,
    }
    for bucket in &world.buckets {
        let path = format!("policies/buckets/{}.json", bucket.name);
        writer.json(&path, &bucket_document(&world, bucket))?;
        let _ = writeln!(
            manifest,
            "[[bucket]]\nname = \"{}\"\naccount = \"{}\"\nregion = \"us-east-1\"\npolicy = \"{path}\"\n",
            bucket.name,
            account_id(bucket.account)
        );
    }
    expectations(spec, &world, &mut rng, &mut manifest);
    writer.write("xacct.toml", &manifest)?;

    let probe = world
        .buckets
        .iter()
        .max_by_key(|bucket| (bucket.readers.len(), std::cmp::Reverse(bucket.name.clone())))
        .map(|bucket| bucket.name.clone())
        .unwrap_or_default();
    let summary = Summary {
        dir: dir.to_path_buf(),
        accounts: spec.accounts,
        roles: world.roles.len(),
        users: OPERATORS,
        instance_profiles: world
            .roles
            .iter()
            .filter(|role| role.kind == Kind::Ec2)
            .count(),
        buckets: world.buckets.len(),
        expectations: spec.expectations,
        files: writer.files,
        bytes: writer.bytes,
        probe_action: "s3:GetObject".to_owned(),
        probe_resource: format!("arn:aws:s3:::{probe}/*"),
    };
    let value = json!({
        "accounts": summary.accounts, "roles": summary.roles, "users": summary.users,
        "instanceProfiles": summary.instance_profiles, "buckets": summary.buckets,
        "expectations": summary.expectations, "files": summary.files, "bytes": summary.bytes,
        "probeAction": summary.probe_action, "probeResource": summary.probe_resource,
    });
    std::fs::write(
        dir.join(SUMMARY),
        serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?,
    )?;
    Ok(summary)
}

/// IAM users in the management account (operators).
const OPERATORS: usize = 10;

/// Written last, read by [`generate_once`] and the `org` example.
pub const SUMMARY: &str = "summary.json";

fn baseline() -> Value {
    document(vec![json!({
        "Sid": "Observe", "Effect": "Allow", "Action": ["cloudwatch:Get*", "cloudwatch:List*", "ec2:Describe*"], "Resource": "*",
    })])
}

fn operators() -> Value {
    document(vec![json!({
        "Sid": "OperateEveryAccount", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": ["arn:aws:iam::*:role/platform-admin", "arn:aws:iam::*:role/readonly"],
    })])
}

/// `[[role]]`, `[[user]]` and `[[instance_profile]]` tables, a trust and an identity policy
/// file per role.
fn manifest_identities(
    world: &World,
    writer: &mut Writer,
    manifest: &mut String,
) -> std::io::Result<()> {
    let management = account_id(MANAGEMENT);
    writer.json("policies/baseline.json", &baseline())?;
    writer.json("policies/operators.json", &operators())?;
    manifest.push_str(&MANIFEST_IDENTITIES.replace("MANAGEMENT", &management));
    for index in 0..OPERATORS {
        let _ = writeln!(manifest, "[[user]]\narn = \"arn:aws:iam::{management}:user/operator-{index:02}\"\ngroups = [\"operators\"]\n");
    }
    for role in &world.roles {
        let stem = role.file_stem();
        writer.json(&format!("{stem}.trust.json"), &trust_document(world, role))?;
        writer.json(&format!("{stem}.json"), &identity_document(world, role))?;
        let _ = writeln!(
            manifest,
            "[[role]]\narn = {}\ntrust = \"{stem}.trust.json\"\npolicies = [\"{stem}.json\"]",
            quoted(&role.arn())
        );
        if role.managed {
            let _ = writeln!(
                manifest,
                "managed = [\"arn:aws:iam::{management}:policy/baseline\"]"
            );
        }
        manifest.push('\n');
        if role.kind == Kind::Ec2 {
            let _ = writeln!(
                manifest,
                "[[instance_profile]]\narn = \"arn:aws:iam::{}:instance-profile/{}\"\nrole = {}\n",
                account_id(role.account),
                role.name,
                quoted(&role.arn())
            );
        }
    }
    Ok(())
}

/// A made-up IAM unique id: `prefix` and 17 characters from the seed's stream.
fn unique_id(prefix: &str, number: usize) -> String {
    format!(
        "{prefix}{:017X}",
        (number as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 4
    )
}

/// One `authorization-details.json` per account, as `aws iam get-account-authorization-details
/// --output json` prints it, and its `[[import]]` table.
fn export_identities(
    spec: &Spec,
    world: &World,
    writer: &mut Writer,
    manifest: &mut String,
) -> std::io::Result<()> {
    const CREATED: &str = "2024-05-01T12:00:00+00:00";
    for account in 0..spec.accounts {
        let id = account_id(account);
        let baseline_arn = format!("arn:aws:iam::{id}:policy/baseline");
        let mut roles = Vec::new();
        for role_id in world
            .by_account
            .get(account)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let Some(role) = world.role(*role_id) else {
                continue;
            };
            let profiles: Vec<Value> = if role.kind == Kind::Ec2 {
                vec![json!({
                    "Path": "/", "InstanceProfileName": role.name, "InstanceProfileId": unique_id("AIPA", *role_id),
                    "Arn": format!("arn:aws:iam::{id}:instance-profile/{}", role.name), "CreateDate": CREATED,
                    "Roles": [{"Path": role.path, "RoleName": role.name, "RoleId": unique_id("AROA", *role_id), "Arn": role.arn(), "CreateDate": CREATED}],
                })]
            } else {
                Vec::new()
            };
            let attached: Vec<Value> = if role.managed {
                vec![json!({"PolicyName": "baseline", "PolicyArn": baseline_arn})]
            } else {
                Vec::new()
            };
            roles.push(json!({
                "Path": role.path, "RoleName": role.name, "RoleId": unique_id("AROA", *role_id), "Arn": role.arn(),
                "CreateDate": CREATED, "AssumeRolePolicyDocument": trust_document(world, role),
                "InstanceProfileList": profiles,
                "RolePolicyList": [{"PolicyName": "permissions", "PolicyDocument": identity_document(world, role)}],
                "AttachedManagedPolicies": attached, "Tags": [{"Key": "team", "Value": format!("team-{}", role_id % 17)}],
                "RoleLastUsed": {},
            }));
        }
        let (users, groups) = if account == MANAGEMENT {
            let users: Vec<Value> = (0..OPERATORS)
                .map(|index| {
                    json!({
                        "Path": "/", "UserName": format!("operator-{index:02}"), "UserId": unique_id("AIDA", index),
                        "Arn": format!("arn:aws:iam::{id}:user/operator-{index:02}"), "CreateDate": CREATED,
                        "UserPolicyList": [], "GroupList": ["operators"], "AttachedManagedPolicies": [], "Tags": [],
                    })
                })
                .collect();
            let groups = vec![json!({
                "Path": "/", "GroupName": "operators", "GroupId": unique_id("AGPA", 0), "Arn": format!("arn:aws:iam::{id}:group/operators"),
                "CreateDate": CREATED, "GroupPolicyList": [{"PolicyName": "operate", "PolicyDocument": operators()}],
                "AttachedManagedPolicies": [],
            })];
            (users, groups)
        } else {
            (Vec::new(), Vec::new())
        };
        let export = json!({
            "UserDetailList": users,
            "GroupDetailList": groups,
            "RoleDetailList": roles,
            "Policies": [{
                "PolicyName": "baseline", "PolicyId": unique_id("ANPA", account), "Arn": baseline_arn, "Path": "/",
                "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
                "CreateDate": CREATED, "UpdateDate": CREATED,
                "PolicyVersionList": [{"Document": baseline(), "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": CREATED}],
            }],
        });
        let path = format!("exports/{id}/authorization-details.json");
        writer.json(&path, &export)?;
        let _ = writeln!(
            manifest,
            "[[import]]\nkind = \"authorization-details\"\npath = \"{path}\"\naccount = \"{id}\"\n"
        );
    }
    Ok(())
}

/// Generates into `parent/<spec folder name>` unless a complete copy is already there (the
/// summary is written last), and says what is there.
pub fn generate_once(spec: &Spec, parent: &Path) -> std::io::Result<Summary> {
    let dir = parent.join(spec.folder_name());
    if let Some(summary) = read_summary(&dir) {
        return Ok(summary);
    }
    generate(spec, &dir)
}

/// Loads a generated scenario; a generated scenario with errors is a bug of the generator.
pub fn load(summary: &Summary) -> Result<xacct_world::World, String> {
    let loaded = xacct_world::load(&summary.dir)?;
    if loaded.has_errors() {
        return Err(format!(
            "{}: the generated scenario has errors",
            summary.dir.display()
        ));
    }
    Ok(loaded.world)
}

/// The summary a finished generation left in `dir`.
pub fn read_summary(dir: &Path) -> Option<Summary> {
    let text = std::fs::read_to_string(dir.join(SUMMARY)).ok()?;
    summary_from_json(dir, &serde_json::from_str::<Value>(&text).ok()?)
}

fn summary_from_json(dir: &Path, value: &Value) -> Option<Summary> {
    let number = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(Summary {
        dir: dir.to_path_buf(),
        accounts: number("accounts")?,
        roles: number("roles")?,
        users: number("users")?,
        instance_profiles: number("instanceProfiles")?,
        buckets: number("buckets")?,
        expectations: number("expectations")?,
        files: number("files")?,
        bytes: value.get("bytes").and_then(Value::as_u64)?,
        probe_action: text("probeAction")?,
        probe_resource: text("probeResource")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_clean(dir: &Path) -> xacct_world::World {
        let loaded = xacct_world::load(dir).unwrap();
        let findings: Vec<String> = loaded
            .findings
            .iter()
            .map(|finding| format!("{}: {}", finding.location(), finding.finding.message))
            .collect();
        assert!(findings.is_empty(), "{}", findings.join("\n"));
        loaded.world
    }

    fn answer(
        world: &xacct_world::World,
        summary: &Summary,
        exhaustive: bool,
    ) -> Vec<(String, Vec<String>)> {
        let callers = xacct_paths::CallerIndex::new(world);
        let query = xacct_paths::WhoCanQuery {
            exhaustive,
            ..xacct_paths::WhoCanQuery::new(
                summary.probe_action.clone(),
                summary.probe_resource.clone(),
            )
        };
        let answer = xacct_paths::who_can(world, &callers, &query).unwrap();
        answer
            .principals
            .iter()
            .map(|reach| (reach.principal.clone(), reach.chain.clone()))
            .collect()
    }

    #[test]
    fn both_layouts_load_cleanly_into_the_same_world() {
        let base = std::env::temp_dir().join(format!("xacct-bench-test-{}", std::process::id()));
        let mut spec = Spec::new(6, 12);
        spec.expectations = 50;
        let exports = generate(&spec, &base.join("exports")).unwrap();
        spec.layout = Layout::Manifest;
        let manifest = generate(&spec, &base.join("manifest")).unwrap();
        let from_exports = load_clean(&exports.dir);
        let from_manifest = load_clean(&manifest.dir);
        assert_eq!(from_exports.roles.len(), exports.roles);
        assert_eq!(from_exports.users.len(), OPERATORS);
        assert_eq!(
            from_exports.instance_profiles.len(),
            exports.instance_profiles
        );
        assert_eq!(from_exports.expectations.len(), 50);
        assert!(from_exports.roles.keys().eq(from_manifest.roles.keys()));
        assert!(from_exports
            .instance_profiles
            .keys()
            .eq(from_manifest.instance_profiles.keys()));

        let found = answer(&from_exports, &exports, false);
        assert!(!found.is_empty());
        assert_eq!(
            found,
            answer(&from_exports, &exports, true),
            "the screen changed the answer"
        );
        assert_eq!(
            found,
            answer(&from_manifest, &manifest, false),
            "the layouts differ"
        );
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn the_same_spec_writes_the_same_files() {
        let base = std::env::temp_dir().join(format!("xacct-bench-seed-{}", std::process::id()));
        let mut spec = Spec::new(5, 10);
        spec.expectations = 20;
        let first = generate(&spec, &base.join("a")).unwrap();
        let second = generate(&spec, &base.join("b")).unwrap();
        for file in [
            "xacct.toml",
            "exports/200000000003/authorization-details.json",
        ] {
            assert_eq!(
                std::fs::read_to_string(first.dir.join(file)).unwrap(),
                std::fs::read_to_string(second.dir.join(file)).unwrap(),
                "{file}"
            );
        }
        assert_eq!(read_summary(&first.dir).unwrap().roles, first.roles);
        let _ = std::fs::remove_dir_all(&base);
    }
}
