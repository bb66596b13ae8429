//! The answer every binding gives: which credentials sign the requests.

use crate::{Layer, Located};
use serde::Serialize;
use xacct_policy::{Arn, Span};

/// The credentials a compute uses for one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Credentials {
    /// The role of the compute's EC2 instance profile, used directly. `profile` is the
    /// instance-profile ARN where the compute's file names it (the caller maps it to its role),
    /// and `None` when the caller did not pass the compute (a Kinesis reader read alone).
    InstanceProfile { profile: Option<Located<Arn>> },
    /// An `sts:AssumeRole` made with other credentials (usually the instance profile's).
    AssumeRole(Box<AssumeRole>),
    /// Long-lived access keys written in the settings or in the environment; `source` names the
    /// setting or variable (never the secret). Whose keys they are is not knowable here.
    AccessKeys { source: Located<String> },
    /// Unsigned requests (`AnonymousAWSCredentialsProvider`).
    Anonymous { source: Located<String> },
    /// A credentials provider class xacct does not model; `class` is where it is named.
    CustomProvider { class: Located<String> },
    /// A Databricks service credential (Unity Catalog): the IAM role behind it is configured in
    /// Databricks, not in these files.
    ServiceCredential { name: Located<String> },
    /// The settings cannot produce credentials: the filesystem or reader fails when it starts.
    /// `code` is the finding code reported for the same problem.
    Fails {
        code: &'static str,
        message: String,
        span: Span,
        layer: Layer,
    },
    /// Nothing in the settings or the compute supplies credentials.
    None { reason: String },
}

/// How an assume-role binding was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssumeRoleVia {
    /// Hadoop S3A: `fs.s3a.aws.credentials.provider` names `AssumedRoleCredentialProvider`,
    /// with `fs.s3a.assumed.role.*`.
    S3aAssumedRoleProvider,
    /// Databricks S3A: `fs.s3a.credentialsType` = `AssumeRole` with `fs.s3a.stsAssumeRole.arn`.
    DatabricksCredentialsType,
    /// The Databricks Kinesis source's `roleArn` option.
    KinesisRoleArn,
    /// The `awsSTSRoleARN` option of AWS Glue streaming or the open-source kinesis-sql source.
    KinesisStsRoleArn,
    /// An EMRFS role mapping, by its position in `RoleMappings`.
    EmrfsRoleMapping { index: usize },
    /// The runtime role (`ExecutionRoleArn`) of an EMR step, assumed by the cluster's instance
    /// profile role.
    EmrRuntimeRole,
}

/// One `sts:AssumeRole` call as the settings describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssumeRole {
    pub role_arn: Located<Arn>,
    pub via: AssumeRoleVia,
    /// The credentials that call STS.
    pub from: Credentials,
    pub session_name: Option<Located<String>>,
    /// `DurationSeconds` as written; see [`AssumeRole::duration_seconds`] for the default.
    pub duration: Option<Located<u64>>,
    pub sts_endpoint: Option<Located<String>>,
    pub sts_region: Option<Located<String>>,
    /// The session policy document (STS `Policy`), as text.
    pub session_policy: Option<Located<String>>,
    /// The setting the session policy is written in, as written
    /// (`spark.hadoop.fs.s3a.bucket.lake-b.assumed.role.policy`), for a fix to name.
    pub session_policy_key: Option<String>,
    pub external_id: Option<Located<String>>,
}

/// S3A's default `fs.s3a.assumed.role.session.duration` (30 minutes).
pub(crate) const S3A_DEFAULT_DURATION_SECONDS: u64 = 1800;

impl AssumeRole {
    /// An AssumeRole the settings say nothing more of: no session name, duration, endpoint,
    /// session policy or external id (an EMRFS role mapping, an EMR runtime role).
    pub fn plain(role_arn: Located<Arn>, via: AssumeRoleVia, from: Credentials) -> Self {
        Self {
            role_arn,
            via,
            from,
            session_name: None,
            duration: None,
            sts_endpoint: None,
            sts_region: None,
            session_policy: None,
            session_policy_key: None,
            external_id: None,
        }
    }

    /// The session duration in seconds: as written, else the client's default where it is
    /// documented (S3A: 30 minutes), else `None` (the client leaves it to STS: one hour).
    pub fn duration_seconds(&self) -> Option<u64> {
        match (&self.duration, self.via) {
            (Some(duration), _) => Some(duration.value),
            (
                None,
                AssumeRoleVia::S3aAssumedRoleProvider | AssumeRoleVia::DatabricksCredentialsType,
            ) => Some(S3A_DEFAULT_DURATION_SECONDS),
            (None, _) => None,
        }
    }
}

impl Credentials {
    /// The assumed role, when these credentials are an assumed role's.
    pub fn assumed_role(&self) -> Option<&AssumeRole> {
        match self {
            Credentials::AssumeRole(assume) => Some(assume),
            _ => None,
        }
    }

    /// True when the compute's own instance-profile role signs the requests, directly.
    pub fn is_instance_profile(&self) -> bool {
        matches!(self, Credentials::InstanceProfile { .. })
    }
}
