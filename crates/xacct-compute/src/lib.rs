//! Compute settings read into typed bindings: which identity a compute uses to reach data in
//! another account, and with which options.
//!
//! | Source | Reader | Question it answers |
//! |---|---|---|
//! | Databricks `clusters/get` JSON | [`parse_databricks_cluster`] | [`DatabricksCluster::s3_access`]: for bucket B, the instance-profile role or an assumed role, and the canned ACL on writes |
//! | `dbutils.fs.mount` arguments | [`parse_mounts`] | [`Mounts::access`]: `/mnt/x/...` to an S3 location, extra configs layered over the cluster's `spark_conf` |
//! | Databricks Kinesis reader options | [`parse_kinesis_options`] | [`KinesisReader::credentials`]: who reads the stream |
//! | EMR security configuration | [`parse_security_configuration`] | [`SecurityConfiguration::emrfs_role`]: the EMRFS role mapping that applies, first match wins |
//! | `aws emr describe-cluster` | [`parse_emr_cluster`] | the EC2 instance profile and `emrfs-site` canned ACL |
//! | `aws emr describe-step` / `list-steps` | [`parse_emr_steps`] | [`EmrSteps::runtime_roles`]: every runtime role the steps run as |
//! | `aws glue get-job` | [`parse_glue_job`] | [`GlueJob::role_arn`]: the job role |
//! | Unity Catalog credentials and locations (manifest) | [`unity_catalog`] | [`unity_catalog::UnityCatalog::serving`]: which external location or managed storage, and so which credential's role, serves a path |
//!
//! Every reader takes the text of one file and returns a [`Parsed`] value whose findings point
//! into that text. JSON strings that hold JSON (the `SecurityConfiguration` of
//! `describe-security-configuration`, an S3A session policy) are read in place, so a finding
//! inside them still points at the characters in the file. Values that can come from more than
//! one file (a mount's extra configs layered over a cluster's `spark_conf`) carry a [`Layer`]
//! that says which file.
//!
//! Semantics follow `docs/semantics.md` §8 (EMRFS role mappings) and §9 (Hadoop S3A assumed
//! roles and Databricks settings). This crate does no I/O and never prints.

mod bundle;
mod cluster;
mod credentials;
mod embedded;
mod emr;
mod glue;
mod hadoop;
mod kinesis;
mod mounts;
mod reader;
mod runtime_role;
mod s3;
mod steps;
pub mod unity_catalog;
mod values;
mod workspace;

pub use bundle::{bundle_includes, parse_bundle_yaml, parse_databricks_yaml, BundleTexts};
pub use cluster::{parse_databricks_cluster, DatabricksCluster, S3Access, WriteEncryption};
pub use credentials::{AssumeRole, AssumeRoleVia, Credentials};
pub use emr::{
    parse_emr_cluster, parse_security_configuration, EmrCluster, EmrfsResolution, IdentifierType,
    MatchedMapping, RoleMapping, SecurityConfiguration,
};
pub use glue::{parse_glue_job, GlueJob, RoleRef};
pub use hadoop::{HadoopConf, S3aView, Setting};
pub use kinesis::{
    parse_kinesis_options, ConsumerMode, KinesisConnector, KinesisReader, KinesisStream,
};
pub use mounts::{parse_mounts, Mount, MountedPath, Mounts};
pub use runtime_role::{runtime_role_credentials, RuntimeRoleSettings, LAKE_FORMATION_TAG};
pub use s3::S3Location;
pub use steps::{parse_emr_steps, EmrStep, EmrSteps, StepRole};
pub use values::{parse_hadoop_duration, CannedAcl, InvalidCannedAcl, InvalidDuration};
pub use workspace::{
    parse_cluster_policy, parse_databricks_file, ClusterPolicy, DatabricksFile, DatabricksShape,
    LabelledCluster, PolicyValueKind,
};

use serde::Serialize;
use xacct_policy::{Finding, Severity, Span};

/// Which file a located value was read from, when a binding draws on more than one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "file", content = "index")]
pub enum Layer {
    /// The compute's own file: a Databricks cluster (`spark_conf`, `aws_attributes`,
    /// `spark_env_vars`), an EMR cluster, or a Glue job.
    Compute,
    /// The mounts file, in the mount at this index of [`Mounts::mounts`].
    Mount(usize),
    /// The Kinesis reader options file.
    KinesisOptions,
    /// An EMR security configuration file.
    SecurityConfiguration,
    /// An EMR steps file (`describe-step` or `list-steps` output).
    Steps,
    /// The scenario's manifest, which completes or overrides a settings file (the
    /// `instance_profile` of a `[[compute]]` table).
    Manifest,
    /// A Databricks cluster policy file, whose fixed and default values apply to a cluster.
    ClusterPolicy,
}

/// A value with the span of the text it was read from and the file that text is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
    pub layer: Layer,
}

impl<T> Located<T> {
    pub const fn new(value: T, span: Span, layer: Layer) -> Self {
        Self { value, span, layer }
    }
}

/// What a reader made of one file: the binding, unless the file is unusable (not JSON, or not
/// the expected shape), and every finding, with spans into the file's text.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub value: Option<T>,
    pub findings: Vec<Finding>,
}

impl<T> Parsed<T> {
    /// True when a finding is an error: the service would refuse the settings, or the compute
    /// would fail when it starts or first touches the resource.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    }
}
