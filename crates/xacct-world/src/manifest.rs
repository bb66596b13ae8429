//! The wire form of `xacct.toml`: what users write, kept apart from the world it becomes.
//! Every table rejects unknown keys, so a typo is an error with its line and column rather
//! than a setting silently ignored.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub organization: Option<OrganizationEntry>,
    #[serde(default)]
    pub account: Vec<AccountEntry>,
    #[serde(default)]
    pub role: Vec<RoleEntry>,
    #[serde(default)]
    pub user: Vec<UserEntry>,
    #[serde(default)]
    pub group: Vec<GroupEntry>,
    #[serde(default)]
    pub managed_policy: Vec<ManagedPolicyEntry>,
    #[serde(default)]
    pub instance_profile: Vec<InstanceProfileEntry>,
    #[serde(default)]
    pub bucket: Vec<BucketEntry>,
    /// S3 access points (`docs/routes.md`).
    #[serde(default)]
    pub access_point: Vec<AccessPointEntry>,
    #[serde(default)]
    pub key: Vec<KeyEntry>,
    #[serde(default)]
    pub stream: Vec<StreamEntry>,
    #[serde(default)]
    pub compute: Vec<ComputeEntry>,
    /// Glue Data Catalogs with their Lake Formation settings, grants and resource links.
    #[serde(default)]
    pub catalog: Vec<CatalogEntry>,
    /// AWS RAM resource shares.
    #[serde(default)]
    pub share: Vec<ShareEntry>,
    /// Databricks Unity Catalog storage credentials (IAM roles the Unity Catalog master role
    /// assumes): `databricks_storage_credential`, `databricks_credential` with purpose STORAGE.
    #[serde(default)]
    pub storage_credential: Vec<UcCredentialEntry>,
    /// Unity Catalog service credentials (`databricks_credential` with purpose SERVICE).
    #[serde(default)]
    pub service_credential: Vec<UcCredentialEntry>,
    /// Unity Catalog external locations (`databricks_external_location`).
    #[serde(default)]
    pub external_location: Vec<ExternalLocationEntry>,
    /// Unity Catalog metastores with their managed storage and catalogs
    /// (`databricks_metastore`, `databricks_metastore_data_access`, `databricks_catalog`).
    #[serde(default)]
    pub metastore: Vec<MetastoreEntry>,
    /// AWS export files to load (see `docs/scenario-format.md`).
    #[serde(default)]
    pub import: Vec<ImportEntry>,
    #[serde(default)]
    pub expect: Vec<ExpectEntry>,
    /// What should be possible, in the user's terms, for `xacct plan` to set up.
    #[serde(default)]
    pub intent: Vec<IntentEntry>,
}

/// An intent: "this compute reads (or writes) that data", for `xacct plan`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentEntry {
    pub name: Spanned<String>,
    /// `databricks:NAME`, `emr:NAME`, `glue-job:NAME` or `compute:NAME` for a [[compute]]
    /// table, or an instance profile or role ARN.
    pub compute: Spanned<String>,
    /// `read`, `write` or `read-write`.
    pub access: Spanned<String>,
    /// `s3://bucket/prefix/`, a Kinesis stream ARN, or a Glue table `database.table`.
    pub target: Spanned<String>,
    /// `assume-role` (the default), `resource-policy` or `lake-formation`.
    pub route: Option<Spanned<String>>,
    /// `none` (the default), `generate`, or the value itself.
    pub external_id: Option<Spanned<String>>,
    /// `kms:KEY_ARN`: the bucket's or stream's key, when the scenario does not already say.
    pub encryption: Option<Spanned<String>>,
    /// The name of the role to create in the data's account (assume-role route).
    pub role_name: Option<Spanned<String>>,
    /// The resource link to create in the compute's account for a table of another account
    /// (lake-formation route); `DATABASE_link` when absent.
    pub link: Option<Spanned<String>>,
    /// `account` (the default) or `organization`: whom the data's owner shares with.
    pub audience: Option<Spanned<String>>,
}

/// A policy document: a path relative to the manifest, or `{ inline = '''...''' }`, with the
/// span of what was written.
pub type PolicyRef = Spanned<PolicySource>;

#[derive(Debug, Clone)]
pub enum PolicySource {
    Path(String),
    Inline(InlinePolicy),
}

/// By hand rather than `#[serde(untagged)]`: an untagged enum turns every mistake in
/// `{ inline = ... }` (a mistyped key, a number for the text) into "data did not match any
/// variant", which names neither the key nor the fix.
impl<'de> Deserialize<'de> for PolicySource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PolicySource;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str(
                    "a policy file's path, or `{ inline = '''{...}''' }` holding the document",
                )
            }

            fn visit_str<E: serde::de::Error>(self, path: &str) -> Result<PolicySource, E> {
                Ok(PolicySource::Path(path.to_owned()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<PolicySource, A::Error> {
                InlinePolicy::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(PolicySource::Inline)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub inline: String,
    /// Where the document was written, when not in this manifest (`plan.json:
    /// aws_iam_role.reader assume_role_policy` for a Terraform plan): findings and
    /// explanations name it instead of the manifest.
    pub origin: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationEntry {
    pub id: Spanned<String>,
    pub management_account: Spanned<String>,
    /// Policies attached at the root. No SCP listed means `FullAWSAccess`.
    #[serde(default)]
    pub scps: Vec<PolicyRef>,
    #[serde(default)]
    pub rcps: Vec<PolicyRef>,
    #[serde(default)]
    pub unit: Vec<UnitEntry>,
    /// RAM sharing with the organization (`aws ram enable-sharing-with-aws-organization`);
    /// on unless set to false.
    pub ram_sharing: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitEntry {
    pub name: Spanned<String>,
    /// The parent unit's name; the root when absent.
    pub parent: Option<Spanned<String>>,
    pub id: Option<String>,
    #[serde(default)]
    pub scps: Vec<PolicyRef>,
    #[serde(default)]
    pub rcps: Vec<PolicyRef>,
}

/// The four S3 Block Public Access switches, as `get-public-access-block` prints them; a switch
/// that is not given is off.
#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct BlockPublicAccessEntry {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    #[serde(default)]
    pub block_public_policy: bool,
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

impl BlockPublicAccessEntry {
    pub fn switches(self) -> xacct_s3::BlockPublicAccess {
        xacct_s3::BlockPublicAccess {
            block_public_acls: self.block_public_acls,
            ignore_public_acls: self.ignore_public_acls,
            block_public_policy: self.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub id: Spanned<String>,
    pub name: Option<String>,
    /// The organizational unit the account sits in; the root when absent.
    pub unit: Option<Spanned<String>>,
    /// Set for an account that is not a member of the organization.
    #[serde(default)]
    pub outside_organization: bool,
    #[serde(default)]
    pub scps: Vec<PolicyRef>,
    #[serde(default)]
    pub rcps: Vec<PolicyRef>,
    /// Account-level S3 Block Public Access (`aws s3control get-public-access-block`); off
    /// when absent.
    pub block_public_access: Option<BlockPublicAccessEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleEntry {
    pub arn: Spanned<String>,
    pub trust: PolicyRef,
    #[serde(default)]
    pub policies: Vec<PolicyRef>,
    #[serde(default)]
    pub managed: Vec<Spanned<String>>,
    pub boundary: Option<PolicyRef>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub max_session_duration: Option<Spanned<u32>>,
    #[serde(default)]
    pub service_linked: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub arn: Spanned<String>,
    #[serde(default)]
    pub policies: Vec<PolicyRef>,
    #[serde(default)]
    pub managed: Vec<Spanned<String>>,
    #[serde(default)]
    pub groups: Vec<Spanned<String>>,
    pub boundary: Option<PolicyRef>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub arn: Spanned<String>,
    #[serde(default)]
    pub policies: Vec<PolicyRef>,
    #[serde(default)]
    pub managed: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicyEntry {
    pub arn: Spanned<String>,
    pub document: PolicyRef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceProfileEntry {
    pub arn: Spanned<String>,
    /// The one role the profile holds: an ARN, or a role name in the profile's account.
    pub role: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEntry {
    pub name: Spanned<String>,
    pub account: Spanned<String>,
    pub region: Option<String>,
    pub policy: Option<PolicyRef>,
    /// Object Ownership: BucketOwnerEnforced (the default), BucketOwnerPreferred, ObjectWriter.
    pub ownership: Option<Spanned<String>>,
    /// Default encryption: `sse-s3` (the default), `aws/s3` (the AWS managed key), or a KMS key ARN.
    pub encryption: Option<Spanned<String>>,
    /// S3 Bucket Keys for SSE-KMS.
    #[serde(default)]
    pub bucket_key: bool,
    /// Bucket-level S3 Block Public Access; all four switches on when absent, as S3 sets them
    /// for every bucket created since April 2023.
    pub block_public_access: Option<BlockPublicAccessEntry>,
}

/// An S3 access point of a declared bucket (possibly another account's).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPointEntry {
    pub name: Spanned<String>,
    /// The account that owns the access point.
    pub account: Spanned<String>,
    /// The bucket it serves.
    pub bucket: Spanned<String>,
    /// The bucket's Region when absent.
    pub region: Option<String>,
    pub policy: Option<PolicyRef>,
    /// `Internet` (the default without `vpc_id`) or `VPC`.
    pub network_origin: Option<Spanned<String>>,
    pub vpc_id: Option<Spanned<String>>,
    /// The access point's own Block Public Access; all four on when absent.
    pub block_public_access: Option<BlockPublicAccessEntry>,
    /// The alias S3 gave it (`NAME-...-s3alias`), for requests that use it as a bucket name.
    pub alias: Option<Spanned<String>>,
}

/// A KMS key and its key policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    pub arn: Spanned<String>,
    /// The key policy; required for customer managed keys (every key has exactly one).
    pub policy: Option<PolicyRef>,
    /// An AWS managed key such as `aws/s3`: its policy is AWS's and allows only its own account.
    #[serde(default)]
    pub aws_managed: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Grants on the key (`aws kms list-grants`).
    #[serde(default)]
    pub grant: Vec<KeyGrantEntry>,
}

/// One KMS grant: who may use the key for which operations, under which encryption context.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyGrantEntry {
    /// The grant's name or id, for explanations.
    pub name: Option<String>,
    /// The grantee principal's ARN.
    pub grantee: Spanned<String>,
    /// Grant operations as KMS names them: `Decrypt`, `GenerateDataKey`, `DescribeKey`, ...
    pub operations: Vec<Spanned<String>>,
    /// `Constraints.EncryptionContextSubset`.
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
    /// `Constraints.EncryptionContextEquals`.
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
}

/// A Kinesis data stream, its resource policy, and its registered consumers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamEntry {
    pub arn: Spanned<String>,
    pub policy: Option<PolicyRef>,
    /// Server-side encryption key ARN (or `aws/kinesis`).
    pub encryption_key: Option<Spanned<String>>,
    #[serde(default)]
    pub consumer: Vec<ConsumerEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerEntry {
    pub arn: Spanned<String>,
    pub policy: Option<PolicyRef>,
}

/// Compute that runs as an identity: a cluster or job.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeEntry {
    pub name: Spanned<String>,
    pub instance_profile: Option<Spanned<String>>,
    pub role: Option<Spanned<String>>,
    /// The principal that launches the compute and must be allowed to pass its role.
    pub deployed_by: Option<Spanned<String>>,
    /// A Databricks file holding clusters: `clusters/get`, `clusters/list`, `jobs/get`,
    /// `pipelines/get` or a dbx `deployment.json` (one compute per cluster, `NAME/LABEL`).
    pub databricks_cluster: Option<Spanned<String>>,
    /// Databricks cluster policies (`cluster-policies get`): their fixed and default values
    /// apply to the clusters that name their `policy_id`.
    #[serde(default)]
    pub cluster_policies: Vec<Spanned<String>>,
    /// For a bundle's `databricks.yml`: the target deployed (`--target`); the one marked
    /// `default: true` when absent.
    pub bundle_target: Option<String>,
    /// Databricks mounts: `[{"mount_point", "source", "extra_configs"}]`.
    pub mounts: Option<Spanned<String>>,
    /// Databricks Kinesis reader options (`roleArn`, `roleExternalId`, ...).
    pub kinesis: Option<Spanned<String>>,
    /// `aws emr describe-cluster` output.
    pub emr_cluster: Option<Spanned<String>>,
    /// `aws emr describe-security-configuration` output (EMRFS role mappings).
    pub security_configuration: Option<Spanned<String>>,
    /// The Hadoop user EMRFS role mappings match (default `hadoop`).
    pub emr_user: Option<String>,
    /// The runtime role (`ExecutionRoleArn`) the EMR steps of this compute run with: the
    /// instance profile's role assumes it, and the steps reach AWS with its permissions only.
    pub runtime_role: Option<Spanned<String>>,
    /// `aws emr describe-step` output (one, or an array of them) or `aws emr list-steps`
    /// output: the runtime role of every step, instead of `runtime_role`.
    pub emr_steps: Option<Spanned<String>>,
    /// `aws glue get-job` output.
    pub glue_job: Option<Spanned<String>>,
    /// The IAM user whose long-lived access keys the settings hold (`fs.s3a.access.key`,
    /// `awsAccessKey`, `AWS_ACCESS_KEY_ID`), by ARN.
    pub access_keys: Option<Spanned<String>>,
}

/// The Data Catalog and Lake Formation of one account in one Region.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub account: Spanned<String>,
    pub region: Option<String>,
    /// The Glue catalog resource policy (`aws glue get-resource-policy`).
    pub policy: Option<PolicyRef>,
    /// Data lake administrators.
    #[serde(default)]
    pub admins: Vec<Spanned<String>>,
    /// Whether new databases and tables get `IAMAllowedPrincipals` with ALL (the default).
    pub iam_allowed_by_default: Option<bool>,
    #[serde(default)]
    pub database: Vec<DatabaseEntry>,
    #[serde(default)]
    pub table: Vec<TableEntry>,
    #[serde(default)]
    pub location: Vec<LocationEntry>,
    /// Lake Formation grants made by this account.
    #[serde(default)]
    pub grant: Vec<LakeGrantEntry>,
    /// `CROSS_ACCOUNT_VERSION` of the data lake settings (1 to 4).
    pub cross_account_version: Option<Spanned<i64>>,
    /// `AllowExternalDataFiltering`: engines outside AWS's analytics services (EMR, third
    /// parties) whose sessions carry an authorized tag get credentials.
    pub allow_external_data_filtering: Option<bool>,
    /// `ExternalDataFilteringAllowList`: the accounts whose engines may ask.
    #[serde(default)]
    pub external_data_filtering_allow_list: Vec<Spanned<String>>,
    /// `AuthorizedSessionTagValueList`: values of `LakeFormationAuthorizedCaller` let in.
    #[serde(default)]
    pub authorized_session_tag_value_list: Vec<Spanned<String>>,
    /// `AllowFullTableExternalDataAccess`: such engines get credentials without a tag when the
    /// caller has full table access.
    pub allow_full_table_external_data_access: Option<bool>,
    /// LF-Tag keys and their allowed values.
    #[serde(default)]
    pub lf_tag: Vec<LfTagEntry>,
    /// Data cell filters.
    #[serde(default)]
    pub filter: Vec<FilterEntry>,
}

/// An LF-Tag key and its allowed values (`aws lakeformation create-lf-tag`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LfTagEntry {
    pub key: Spanned<String>,
    pub values: Vec<Spanned<String>>,
}

/// A data cell filter (`aws lakeformation create-data-cells-filter`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterEntry {
    pub name: Spanned<String>,
    pub database: String,
    pub table: String,
    /// The row filter expression (PartiQL), kept as text; every row when absent.
    pub row_filter: Option<String>,
    /// Only these columns; every column when neither this nor `excluded_columns` is given.
    pub columns: Option<Vec<String>>,
    /// Every column but these.
    pub excluded_columns: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseEntry {
    pub name: Spanned<String>,
    /// `IAMAllowedPrincipals` holds ALL on it; the catalog's default when absent.
    pub iam_allowed_principals: Option<bool>,
    /// Makes it a resource link to another account's database.
    pub link: Option<DatabaseLinkEntry>,
    /// LF-Tags assigned to the database (key = value); its tables inherit them.
    #[serde(default)]
    pub lf_tags: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseLinkEntry {
    pub account: Spanned<String>,
    pub database: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableEntry {
    pub database: Spanned<String>,
    pub name: Spanned<String>,
    /// `s3://bucket/prefix/` of the data.
    pub location: Option<Spanned<String>>,
    pub iam_allowed_principals: Option<bool>,
    /// Makes it a resource link to another account's table.
    pub link: Option<TableLinkEntry>,
    /// The table's columns, for reads of named columns and tag-based grants.
    #[serde(default)]
    pub columns: Vec<String>,
    /// LF-Tags assigned to the table, overriding the database's key by key.
    #[serde(default)]
    pub lf_tags: BTreeMap<String, Spanned<String>>,
    /// LF-Tags assigned to columns (column = { key = value }), overriding the table's.
    #[serde(default)]
    pub column_lf_tags: BTreeMap<String, BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableLinkEntry {
    pub account: Spanned<String>,
    pub database: String,
    pub table: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationEntry {
    pub path: Spanned<String>,
    /// The role Lake Formation vends credentials of.
    pub role: Option<String>,
    #[serde(default)]
    pub hybrid: bool,
    /// Principals opted in to Lake Formation under hybrid access mode.
    #[serde(default)]
    pub opted_in: Vec<String>,
}

/// One Lake Formation grant, as `aws lakeformation grant-permissions` makes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LakeGrantEntry {
    /// A role or user ARN, an account id, an organization or OU ARN, or `IAM_ALLOWED_PRINCIPALS`.
    pub principal: Spanned<String>,
    /// The catalog the resource is in; the granting account's when absent.
    pub catalog_id: Option<Spanned<String>>,
    pub database: Option<String>,
    /// A table name, or `*` for every table of the database.
    pub table: Option<String>,
    pub columns: Option<Vec<String>>,
    /// A data location (`s3://...`) instead of a database or table.
    pub location: Option<String>,
    /// The grant is on the catalog itself.
    #[serde(default)]
    pub catalog_resource: bool,
    /// Every column of `table` but these (`ColumnWildcard.ExcludedColumnNames`).
    pub excluded_columns: Option<Vec<String>>,
    /// A grant on an LF-Tag expression: key = [values] (AND across keys, OR within a key).
    pub lf_tags: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    /// What the expression grant is on: `TABLE` (default) or `DATABASE`.
    pub lf_tag_resource: Option<Spanned<String>>,
    /// A grant on the data cell filter of this name, of `database`.`table`.
    pub filter: Option<Spanned<String>>,
    pub permissions: Vec<Spanned<String>>,
    #[serde(default)]
    pub grantable: Vec<Spanned<String>>,
}

/// An AWS RAM resource share.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareEntry {
    pub name: Spanned<String>,
    pub owner: Spanned<String>,
    pub arn: Option<String>,
    pub resources: Vec<Spanned<String>>,
    pub principals: Vec<Spanned<String>>,
    #[serde(default)]
    pub allow_external_principals: bool,
    /// Invitation state per consumer account: `PENDING`, `ACCEPTED`, `REJECTED`, `EXPIRED`.
    #[serde(default)]
    pub invitations: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub invitation_arns: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportEntry {
    /// `authorization-details`, `bucket-policy`, `organizations`, `lakeformation-permissions`,
    /// `lakeformation-settings`, `glue-resource-policy`, `ram-resource-shares`.
    pub kind: Spanned<String>,
    pub path: Spanned<String>,
    /// For a bucket policy: the bucket it belongs to.
    pub bucket: Option<String>,
    /// For a bucket policy: the account that owns the bucket. For Lake Formation and Glue
    /// exports: the account they are of (the grantor of listed permissions).
    pub account: Option<String>,
    /// For Lake Formation settings and a Glue catalog policy: the catalog's Region
    /// (default `us-east-1`).
    pub region: Option<String>,
    /// For `lakeformation-resource-lf-tags`: the database (and table) the tags are of, as
    /// passed to `get-resource-lf-tags --resource`.
    pub database: Option<String>,
    pub table: Option<String>,
    /// For an access point policy: the ARN of the access point (imported before it).
    pub access_point: Option<String>,
    /// For Databricks credentials: the Databricks account id (the external id Databricks
    /// passes), when the export does not print it.
    pub databricks_account_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectEntry {
    pub name: Spanned<String>,
    pub from: Spanned<String>,
    /// Roles the chain must go through, in order. Kept with its span so that `via = []`, which
    /// reads as "no AssumeRole" but is not what xacct asks, can be refused with a hint.
    pub via: Option<Spanned<Vec<Spanned<String>>>>,
    /// `true` asks with the caller's own credentials only: no AssumeRole at all.
    pub direct: Option<Spanned<bool>>,
    #[serde(default)]
    pub actions: Vec<Spanned<String>>,
    #[serde(default)]
    pub resources: Vec<Spanned<String>>,
    /// Spanned, so that a value AWS would never send is named where it is written.
    #[serde(default)]
    pub context: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    pub decision: Spanned<String>,
    /// External ids the caller passes when assuming roles, by role ARN.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
    pub session_name: Option<String>,
    /// Requested duration of each AssumeRole, in seconds.
    pub duration_seconds: Option<Spanned<u32>>,
    #[serde(default)]
    pub session_tags: BTreeMap<String, String>,
    pub source_identity: Option<String>,
    /// The session policy of the session that makes the requests: a path or an inline
    /// document.
    pub session_policy: Option<PolicyRef>,
    /// The OS user the job runs as on the cluster (EMRFS `User` role mappings).
    pub os_user: Option<Spanned<String>>,
    /// The OS groups of that user (EMRFS `Group` role mappings).
    #[serde(default)]
    pub os_groups: Vec<Spanned<String>>,
    /// Who wrote the objects the expectation reads (`compute:NAME` or a principal ARN): with
    /// ACLs enabled, the writer's account may own them, and the bucket policy then cannot
    /// grant access to them.
    pub written_by: Option<Spanned<String>>,
    /// The canned ACL the writer sent (`x-amz-acl`); by default the one its compute settings
    /// send, or none.
    pub written_acl: Option<Spanned<String>>,
    /// Tables read through the Data Catalog, as the engine names them (`database.table`, a
    /// resource link's name included); `actions` and `resources` may then be left out.
    #[serde(default)]
    pub read_tables: Vec<Spanned<String>>,
    /// The columns the query of `read_tables` selects: each needs SELECT of its own (through
    /// a column list, an LF-Tag expression or a data cell filter). Every column when empty.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The Region of the Data Catalog the tables are read in (default `us-east-1`).
    pub region: Option<String>,
}

/// A Unity Catalog credential backed by an IAM role (`aws_iam_role` of
/// `databricks_storage_credential` or `databricks_credential`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UcCredentialEntry {
    pub name: Spanned<String>,
    /// The IAM role's ARN (`aws_iam_role.role_arn`).
    pub role: Spanned<String>,
    /// The Databricks account id (the account console's Account ID).
    pub databricks_account_id: Spanned<String>,
    /// The `sts:ExternalId` Databricks passes (`aws_iam_role.external_id`); the Databricks
    /// account id when absent.
    pub external_id: Option<Spanned<String>>,
    /// The Unity Catalog master role that assumes the credential's role; Databricks' AWS
    /// commercial one when absent.
    pub master_role: Option<Spanned<String>>,
    /// Unity Catalog only reads through the credential (`read_only`).
    #[serde(default)]
    pub read_only: bool,
}

/// A Unity Catalog external location (`databricks_external_location`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalLocationEntry {
    pub name: Spanned<String>,
    /// `s3://bucket/prefix` (`url`).
    pub url: Spanned<String>,
    /// The storage credential's name (`credential_name`).
    pub credential: Spanned<String>,
    #[serde(default)]
    pub read_only: bool,
}

/// A Unity Catalog metastore: its managed storage root and the credential that reaches it
/// (`databricks_metastore.storage_root`, `databricks_metastore_data_access`), and catalogs with
/// their own managed storage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetastoreEntry {
    pub name: Spanned<String>,
    pub storage_root: Option<Spanned<String>>,
    /// The storage credential of the root (`databricks_metastore_data_access`).
    pub credential: Option<Spanned<String>>,
    #[serde(default)]
    pub catalog: Vec<UcCatalogEntry>,
}

/// A catalog with managed storage of its own (`databricks_catalog.storage_root`): the path must
/// lie in an external location, whose credential reaches it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UcCatalogEntry {
    pub name: Spanned<String>,
    pub storage_root: Spanned<String>,
}
