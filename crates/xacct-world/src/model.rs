//! The world: accounts in an organization, their principals, and their resources.

use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::{AccountId, SourceFile, Span};

/// Where an entity was declared, for diagnostics that point back at the manifest.
///
/// The `file:line:column` text is made when asked, not at load: making it needs the file's
/// line table (32 bytes of table a role at 100,000 roles, and the text itself 60 more), and
/// most loads never show where a role was declared.
#[derive(Clone, Default)]
pub struct Origin {
    pub span: Span,
    place: Place,
}

#[derive(Clone, Default)]
enum Place {
    /// An origin nothing was said of (`Origin::default()`): empty file and location.
    #[default]
    Nowhere,
    /// A span of a file read.
    File(Arc<SourceFile>),
    /// An entity made by other means than a file (`xacct serve`'s API calls), described.
    Described(Box<(String, String)>),
}

impl Origin {
    /// `span` of `source`.
    pub fn in_file(source: &Arc<SourceFile>, span: Span) -> Self {
        Self {
            span,
            place: Place::File(Arc::clone(source)),
        }
    }

    /// An origin that is no place in a file: `file` names what made the entity and
    /// `location` says how, as it is printed.
    pub fn described(file: impl Into<String>, location: impl Into<String>) -> Self {
        Self {
            span: Span::default(),
            place: Place::Described(Box::new((file.into(), location.into()))),
        }
    }

    /// The file, e.g. `examples/s3-role-chain/xacct.toml`.
    pub fn file(&self) -> &str {
        match &self.place {
            Place::Nowhere => "",
            Place::File(source) => &source.name,
            Place::Described(described) => &described.0,
        }
    }

    /// `file:line:column`, as editors and terminals link it (the description of an origin
    /// made by other means).
    pub fn location(&self) -> String {
        match &self.place {
            Place::Nowhere => String::new(),
            Place::File(source) => source.location(self.span),
            Place::Described(described) => described.1.clone(),
        }
    }

    /// The file the span points into, when the origin is one.
    pub fn source(&self) -> Option<&Arc<SourceFile>> {
        match &self.place {
            Place::File(source) => Some(source),
            Place::Nowhere | Place::Described(_) => None,
        }
    }
}

impl std::fmt::Debug for Origin {
    /// As the struct of three texts it was, whatever is kept.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Origin")
            .field("file", &self.file())
            .field("span", &self.span)
            .field("location", &self.location())
            .finish()
    }
}

/// An organizational unit, or the root (`name == "root"`).
#[derive(Debug, Clone)]
pub struct Unit {
    pub name: String,
    pub id: String,
    pub parent: Option<String>,
    pub scps: Vec<SourcedPolicy>,
    pub rcps: Vec<SourcedPolicy>,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: String,
    pub management_account: AccountId,
    /// Units by name; `root` is always present.
    pub units: BTreeMap<String, Unit>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub name: Option<String>,
    /// The unit the account sits in, when it is a member of the organization.
    pub unit: Option<String>,
    pub scps: Vec<SourcedPolicy>,
    pub rcps: Vec<SourcedPolicy>,
    /// Account-level S3 Block Public Access.
    pub block_public_access: xacct_s3::BlockPublicAccess,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub arn: String,
    pub account: AccountId,
    pub name: String,
    pub path: String,
    pub trust: SourcedPolicy,
    /// Inline and attached managed policies, in that order.
    pub policies: Vec<SourcedPolicy>,
    pub boundary: Option<SourcedPolicy>,
    pub tags: crate::tags::Tags,
    pub max_session_duration: u32,
    pub service_linked: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct User {
    pub arn: String,
    pub account: AccountId,
    pub name: String,
    /// Inline, attached managed, and the groups' policies.
    pub policies: Vec<SourcedPolicy>,
    pub groups: Vec<String>,
    pub boundary: Option<SourcedPolicy>,
    pub tags: crate::tags::Tags,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub arn: String,
    pub account: AccountId,
    pub name: String,
    pub policies: Vec<SourcedPolicy>,
}

#[derive(Debug, Clone)]
pub struct InstanceProfile {
    pub arn: String,
    pub account: AccountId,
    pub name: String,
    /// ARN of the one role the profile holds.
    pub role: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub name: String,
    pub account: AccountId,
    pub region: Option<String>,
    pub policy: Option<SourcedPolicy>,
    pub ownership: xacct_s3::ObjectOwnership,
    pub encryption: xacct_s3::DefaultEncryption,
    /// Bucket-level S3 Block Public Access.
    pub block_public_access: xacct_s3::BlockPublicAccess,
    pub origin: Origin,
}

impl Bucket {
    /// The Region, `us-east-1` when the scenario does not say.
    pub fn region_or_default(&self) -> &str {
        self.region.as_deref().unwrap_or("us-east-1")
    }
}

#[derive(Debug, Clone)]
pub struct Key {
    pub arn: String,
    pub account: AccountId,
    pub region: String,
    pub policy: Option<SourcedPolicy>,
    pub aws_managed: bool,
    pub aliases: Vec<String>,
    /// Grants on the key, each as a policy naming its grantee (see `load::grant_policy`).
    pub grants: Vec<SourcedPolicy>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Stream {
    pub arn: String,
    pub account: AccountId,
    pub region: String,
    pub name: String,
    pub policy: Option<SourcedPolicy>,
    pub encryption_key: Option<String>,
    /// Registered (enhanced fan-out) consumers by ARN, each with its own policy.
    pub consumers: BTreeMap<String, Option<SourcedPolicy>>,
    pub origin: Origin,
}

/// Compute that runs as an identity (issue: data services adds engine settings).
#[derive(Debug, Clone)]
pub struct Compute {
    pub name: String,
    pub instance_profile: Option<String>,
    pub role: Option<String>,
    pub deployed_by: Option<String>,
    /// The IAM user (ARN) whose long-lived access keys the settings hold: requests signed
    /// with those keys are that user's.
    pub access_keys: Option<String>,
    /// Engine settings, when the scenario gives them: they decide which role reaches what.
    pub settings: ComputeSettings,
    pub origin: Origin,
}

impl Compute {
    /// How the compute's settings reach `bucket`/`key`: through a mount when the client names
    /// the data by a DBFS path under one (`client_path`), else through the cluster's S3A
    /// settings or the EMRFS role mappings. `None` when no settings say.
    pub fn s3_access(
        &self,
        bucket: &str,
        key: &str,
        client_path: Option<&str>,
    ) -> Option<xacct_compute::S3Access> {
        self.s3_access_as(bucket, key, client_path, None)
    }

    /// [`Compute::s3_access`] for a job that runs as `runs_as` on the cluster: EMRFS role
    /// mappings of type `User` and `Group` match that user and its groups (else `emr_user`,
    /// with no groups). A security configuration applies with or without the cluster's
    /// `describe-cluster` file: EMRFS uses its mappings, and the instance profile's role
    /// when none matches.
    pub fn s3_access_as(
        &self,
        bucket: &str,
        key: &str,
        client_path: Option<&str>,
        runs_as: Option<&OsUser>,
    ) -> Option<xacct_compute::S3Access> {
        let settings = &self.settings;
        if let Some(cluster) = &settings.databricks {
            let uri = format!("s3a://{bucket}/{key}");
            return Some(
                settings
                    .mounts
                    .as_ref()
                    .and_then(|mounts| mounts.access(cluster, client_path.unwrap_or(&uri)))
                    .unwrap_or_else(|| cluster.s3_access(bucket)),
            );
        }
        let (user, groups): (&str, Vec<&str>) = match runs_as {
            Some(os) => (&os.user, os.groups.iter().map(String::as_str).collect()),
            None => (&settings.emr_user, Vec::new()),
        };
        let uri = format!("s3://{bucket}/{key}");
        // A step with a runtime role reaches AWS with that role only: neither the instance
        // profile nor EMRFS role mappings (which EMRFS assumes with the instance profile's
        // credentials) serve it.
        // <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
        if let Some(role) = &settings.runtime_role {
            let location = xacct_compute::S3Location::parse(&uri)?;
            let profile = settings
                .emr
                .as_ref()
                .and_then(|emr| emr.instance_profile.clone());
            return Some(xacct_compute::S3Access {
                location,
                mount: None,
                credentials: xacct_compute::runtime_role_credentials(role.clone(), profile),
                canned_acls: Vec::new(),
                encryption: None,
            });
        }
        match (&settings.emr, &settings.security_configuration) {
            (Some(emr), security) => emr.s3_access(security.as_ref(), user, &groups, &uri),
            (None, Some(security)) => {
                let location = xacct_compute::S3Location::parse(&uri)?;
                Some(xacct_compute::S3Access {
                    location,
                    mount: None,
                    credentials: security.emrfs_role(None, user, &groups, &uri).credentials,
                    canned_acls: Vec::new(),
                    encryption: None,
                })
            }
            (None, None) => None,
        }
    }
}

/// The settings files of a compute entry, read.
#[derive(Debug, Clone, Default)]
pub struct ComputeSettings {
    pub databricks: Option<xacct_compute::DatabricksCluster>,
    pub mounts: Option<xacct_compute::Mounts>,
    pub kinesis: Option<xacct_compute::KinesisReader>,
    pub emr: Option<xacct_compute::EmrCluster>,
    pub security_configuration: Option<xacct_compute::SecurityConfiguration>,
    pub emr_user: String,
    pub glue: Option<xacct_compute::GlueJob>,
    /// The runtime role EMR steps run with (`ExecutionRoleArn`), when the scenario names one.
    pub runtime_role: Option<xacct_compute::Located<xacct_policy::Arn>>,
    /// The steps of the steps file that run with `runtime_role` (`s-1 (load)`), for answers
    /// that say which steps they are about; empty when the manifest names the role.
    pub runtime_role_steps: Vec<String>,
}

/// What a scenario says should happen.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub name: String,
    pub from: String,
    /// Roles the chain must go through, in order; empty to search every chain (or none, with
    /// `direct`).
    pub via: Vec<String>,
    /// Asked with the caller's own credentials only: no AssumeRole, whatever chains exist.
    pub direct: bool,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub context: Vec<(String, xacct_eval::ContextValue)>,
    pub allow: bool,
    pub external_ids: BTreeMap<String, String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<u32>,
    pub session_tags: BTreeMap<String, String>,
    pub source_identity: Option<String>,
    /// The session policy of the session that makes the requests (STS `Policy` on the last
    /// AssumeRole, or on the one that made a starting role session); a compute's own
    /// settings (`fs.s3a.assumed.role.policy`) take precedence where they name one.
    pub session_policy: Option<SourcedPolicy>,
    /// The OS user and groups the job runs as on the cluster, which EMRFS role mappings of
    /// type `User` and `Group` match; the compute's `emr_user` (default `hadoop`) otherwise.
    pub runs_as: Option<OsUser>,
    /// Who wrote the objects read, when another principal did: see [`Writer`].
    pub written_by: Option<Writer>,
    /// The path the client uses (`/mnt/x/y`, `s3a://b/k`), when the question was asked in its
    /// terms: a mount's own settings then decide the credentials.
    pub client_path: Option<String>,
    /// Tables read through the Data Catalog (`database.table`), in `region`.
    pub read_tables: Vec<String>,
    /// The columns a read of `read_tables` selects; the table as a whole when empty.
    pub columns: Vec<String>,
    pub region: String,
    /// The finding code of a check xacct derives from the scenario rather than reads from an
    /// `[[expect]]` table (a Unity Catalog credential's trust, a location's permissions):
    /// reported instead of `expectation-failed`.
    pub code: Option<String>,
    pub origin: Origin,
}

impl Expectation {
    /// "`from` may do each of `actions` on each of `resources`", asked by any route, with
    /// nothing else stated: the question `explain`, `plan` and tests ask; the struct update
    /// syntax adds what they state.
    pub fn new(
        name: impl Into<String>,
        from: impl Into<String>,
        actions: Vec<String>,
        resources: Vec<String>,
    ) -> Self {
        Self {
            name: name.into(),
            from: from.into(),
            via: Vec::new(),
            direct: false,
            actions,
            resources,
            context: Vec::new(),
            allow: true,
            external_ids: BTreeMap::new(),
            session_name: None,
            duration_seconds: None,
            session_tags: BTreeMap::new(),
            source_identity: None,
            session_policy: None,
            runs_as: None,
            written_by: None,
            client_path: None,
            read_tables: Vec::new(),
            columns: Vec::new(),
            region: "us-east-1".to_owned(),
            code: None,
            origin: Origin::default(),
        }
    }
}

/// A user of the cluster's operating system (Hadoop's user), with its groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsUser {
    pub user: String,
    pub groups: Vec<String>,
}

/// The principal that wrote the objects an expectation reads, and the ACL it sent. With ACLs
/// enabled on the bucket, the writer's account can own the objects, and then only the
/// object's ACL, not the bucket policy, grants others access to them.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// `compute:NAME` or a principal ARN, as in `from`.
    pub from: String,
    /// The `x-amz-acl` sent, when the scenario says; otherwise the compute's settings decide.
    pub acl: Option<xacct_s3::CannedAcl>,
}

/// Everything a scenario describes.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub organization: Option<Organization>,
    pub accounts: BTreeMap<AccountId, Account>,
    /// By ARN. Boxed: a map's node has room for eleven entries and holds about six when
    /// filled in order, so a `Role` (256 bytes) in place would leave 1.2 KB of room unused
    /// for every six roles; boxed, the room left is eleven pointers.
    pub roles: BTreeMap<String, Box<Role>>,
    pub users: BTreeMap<String, User>,
    pub groups: BTreeMap<String, Group>,
    pub instance_profiles: BTreeMap<String, InstanceProfile>,
    /// By name (bucket names are global).
    pub buckets: BTreeMap<String, Bucket>,
    /// S3 access points by ARN.
    pub access_points: BTreeMap<String, crate::access_point::AccessPoint>,
    /// KMS keys by ARN.
    pub keys: BTreeMap<String, Key>,
    /// Kinesis streams by ARN.
    pub streams: BTreeMap<String, Stream>,
    pub compute: BTreeMap<String, Compute>,
    /// Glue Data Catalogs, Lake Formation settings and grants, RAM shares.
    pub lake: xacct_lake::Lake,
    /// Databricks Unity Catalog credentials, external locations and managed storage.
    pub unity_catalog: xacct_compute::unity_catalog::UnityCatalog,
    /// Glue Data Catalog resource policies by (account, Region).
    pub catalog_policies: BTreeMap<(AccountId, String), SourcedPolicy>,
    pub expectations: Vec<Expectation>,
    pub intents: Vec<Intent>,
    /// When the world's requests are made (`aws:CurrentTime`): the clock, or `--at`.
    pub request_time: xacct_eval::RequestTime,
    /// Buckets a question named that the scenario does not declare, answered as if they had
    /// no bucket policy and default settings, in the account given (the scenario's only
    /// one), or else in the requester's own (see `World::assume_undeclared`).
    pub assumed_buckets: BTreeMap<String, Option<AccountId>>,
}

/// What `xacct plan` sets up: see `manifest::IntentEntry`.
#[derive(Debug, Clone)]
pub struct Intent {
    pub name: String,
    /// `compute:NAME`, an instance profile ARN or a role ARN.
    pub from: String,
    pub read: bool,
    pub write: bool,
    pub target: IntentTarget,
    pub route: Route,
    pub external_id: Option<String>,
    /// The external id was drawn for this load (`external_id = "generate"`): a new one each
    /// time, so the user must pin it in the manifest.
    pub external_id_generated: bool,
    pub encryption_key: Option<String>,
    pub role_name: Option<String>,
    /// The engine the intent named (`databricks`, `emr`, `glue-job`), for its settings.
    pub engine: Option<String>,
    /// The resource link to read a table of another account through (lake-formation route).
    pub link: Option<String>,
    /// Share with the whole organization rather than the compute's account alone.
    pub organization_wide: bool,
    /// The Unity Catalog storage credential to create or extend (unity-catalog route); `from`
    /// is then the Unity Catalog master role.
    pub credential: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentTarget {
    S3 {
        bucket: String,
        prefix: String,
    },
    Stream {
        arn: String,
    },
    /// A table of the Data Catalog of `catalog` (its owner's account).
    Table {
        catalog: AccountId,
        database: String,
        table: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    AssumeRole,
    ResourcePolicy,
    LakeFormation,
    /// A Unity Catalog storage credential: its role, trusted by the master role of the
    /// Databricks control plane, and an external location.
    UnityCatalog,
    /// An S3 access point of the bucket for the reader, its policy naming the reader, and the
    /// bucket policy delegating to it (`docs/routes.md`).
    AccessPoint,
}

impl World {
    /// The Block Public Access settings that apply to a bucket: its own and its account's.
    pub fn public_access_settings(&self, bucket: &Bucket) -> xacct_s3::BpaSettings {
        self.block_public_access_with(bucket.account, bucket.block_public_access)
    }

    /// The Block Public Access settings of a bucket or access point of `account` with `own`
    /// switches: its own and its account's (off when the account is not declared).
    pub fn block_public_access_with(
        &self,
        account: AccountId,
        own: xacct_s3::BlockPublicAccess,
    ) -> xacct_s3::BpaSettings {
        xacct_s3::BpaSettings {
            account: self
                .accounts
                .get(&account)
                .map(|account| account.block_public_access)
                .unwrap_or_default(),
            bucket: own,
        }
    }

    /// The SCP levels that apply to principals of `account`, root first, or none when the
    /// account is outside the organization.
    pub fn scp_levels(&self, account: AccountId) -> Vec<Vec<SourcedPolicy>> {
        self.levels(account, |unit| &unit.scps, |account| &account.scps)
    }

    /// The RCP levels that apply to resources of `account`: none for the management account,
    /// whose resources RCPs do not restrict.
    pub fn rcp_levels(&self, account: AccountId) -> Vec<Vec<SourcedPolicy>> {
        let is_management = self
            .organization
            .as_ref()
            .is_some_and(|organization| organization.management_account == account);
        if is_management {
            return Vec::new();
        }
        self.levels(account, |unit| &unit.rcps, |account| &account.rcps)
    }

    fn levels(
        &self,
        account: AccountId,
        of_unit: impl Fn(&Unit) -> &Vec<SourcedPolicy>,
        of_account: impl Fn(&Account) -> &Vec<SourcedPolicy>,
    ) -> Vec<Vec<SourcedPolicy>> {
        let (Some(organization), Some(entry)) = (&self.organization, self.accounts.get(&account))
        else {
            return Vec::new();
        };
        let Some(unit) = &entry.unit else {
            return Vec::new();
        };
        let mut chain = Vec::new();
        let mut current = Some(unit.clone());
        // Walk up to the root; a cycle was rejected when the world was loaded.
        while let Some(name) = current {
            let Some(unit) = organization.units.get(&name) else {
                break;
            };
            chain.push(of_unit(unit).clone());
            current = unit.parent.clone();
            if chain.len() > organization.units.len() {
                break;
            }
        }
        chain.reverse();
        chain.push(of_account(entry).clone());
        chain
    }

    /// Whether `account` is a member of the organization.
    pub fn in_organization(&self, account: AccountId) -> bool {
        self.organization.is_some()
            && self
                .accounts
                .get(&account)
                .is_some_and(|entry| entry.unit.is_some())
    }

    /// `aws:PrincipalOrgPaths`-style path of an account: `o-x/r-root/ou-a/ou-b/`.
    pub fn organization_path(&self, account: AccountId) -> Option<String> {
        let organization = self.organization.as_ref()?;
        let mut unit = self.accounts.get(&account)?.unit.clone();
        let mut ids = Vec::new();
        while let Some(name) = unit {
            let entry = organization.units.get(&name)?;
            ids.push(entry.id.clone());
            unit = entry.parent.clone();
            if ids.len() > organization.units.len() {
                return None;
            }
        }
        ids.reverse();
        Some(format!("{}/{}/", organization.id, ids.join("/")))
    }

    /// The role an instance profile holds.
    pub fn profile_role(&self, profile_arn: &str) -> Option<&Role> {
        self.instance_profiles
            .get(profile_arn)
            .and_then(|profile| self.roles.get(&profile.role))
            .map(|role| &**role)
    }
}
