//! A Databricks cluster as the Clusters API returns it (`GET /api/2.1/clusters/get`,
//! `databricks clusters get`): the instance profile and the S3A settings of `spark_conf`.
//!
//! Only `cluster_id`, `cluster_name`, `aws_attributes.instance_profile_arn`, `spark_conf`,
//! `spark_env_vars` and `data_security_mode` are read; the API returns many more fields and
//! they are ignored. Inside `spark_conf`, every key that looks like an S3A or Databricks
//! credential setting is either understood or reported.

use crate::credentials::Credentials;
use crate::hadoop::{resolve, Compute, HadoopConf, S3aView, ViewChecks};
use crate::reader::{member, Reader};
use crate::s3::S3Location;
use crate::values::{instance_profile_arn, CannedAcl};
use crate::{Layer, Located, Parsed};
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{Arn, Finding, Spanned};

/// A Databricks cluster's identity and S3A settings.
#[derive(Debug, Clone, Serialize)]
pub struct DatabricksCluster {
    pub cluster_id: Option<Spanned<String>>,
    pub cluster_name: Option<Spanned<String>>,
    /// `aws_attributes.instance_profile_arn`: the caller maps it to the profile's role.
    pub instance_profile: Option<Located<Arn>>,
    /// `data_security_mode` (`SINGLE_USER`, `USER_ISOLATION`, …), as written.
    pub data_security_mode: Option<Spanned<String>>,
    /// The cluster policy the cluster is created under (`policy_id`): its fixed and default
    /// values apply (see [`crate::ClusterPolicy`]).
    pub policy_id: Option<Spanned<String>>,
    pub spark_conf: HadoopConf,
    /// `AWS_ACCESS_KEY_ID` in `spark_env_vars`: environment keys come before the instance
    /// profile in the AWS default chain.
    pub env_access_key: Option<Located<String>>,
}

/// How a compute reaches one S3 location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct S3Access {
    pub location: S3Location,
    /// The mount the path went through, by index in the mounts file.
    pub mount: Option<usize>,
    pub credentials: Credentials,
    /// The canned ACLs set for writes, `fs.s3a.acl.default` first (EMRFS: `fs.s3.canned.acl`).
    pub canned_acls: Vec<Located<CannedAcl>>,
    /// The server-side encryption the client asks for on writes, when its settings name one.
    pub encryption: Option<Located<WriteEncryption>>,
}

/// The server-side encryption an S3A client requests on every write
/// (`fs.s3a.encryption.algorithm` with `fs.s3a.encryption.key`, or the older
/// `fs.s3a.server-side-encryption-algorithm` with `fs.s3a.server-side-encryption.key`); S3 then
/// uses that key, not the bucket's default.
/// <https://hadoop.apache.org/docs/stable/hadoop-aws/tools/hadoop-aws/encryption.html>
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "algorithm")]
pub enum WriteEncryption {
    /// `SSE-S3`: header `AES256`.
    SseS3,
    /// `SSE-KMS`: header `aws:kms`, with the key when one is set.
    SseKms { key: Option<String> },
    /// `DSSE-KMS`: header `aws:kms:dsse`.
    DsseKms { key: Option<String> },
}

impl S3Access {
    /// The canned ACL sent on writes, when one is set.
    pub fn canned_acl(&self) -> Option<&Located<CannedAcl>> {
        self.canned_acls.first()
    }

    /// True unless every canned-ACL setting in force is `BucketOwnerFullControl`. With both
    /// `fs.s3a.acl.default` and `fs.s3a.canned.acl` set, which one the Databricks runtime reads
    /// is not documented, so any other value counts. The caller reports "cross-account writes
    /// without bucket-owner-full-control" when the bucket is in another account and its
    /// Object Ownership is not `BucketOwnerEnforced`.
    pub fn writes_without_bucket_owner_full_control(&self) -> bool {
        self.canned_acls.is_empty()
            || self
                .canned_acls
                .iter()
                .any(|acl| acl.value != CannedAcl::BucketOwnerFullControl)
    }
}

impl DatabricksCluster {
    pub(crate) fn compute(&self) -> Compute<'_> {
        Compute {
            profile: self.instance_profile.as_ref(),
            env_keys: self.env_access_key.as_ref(),
        }
    }

    /// The S3A options in force for `bucket`.
    pub fn s3a_view(&self, bucket: &str) -> S3aView<'_> {
        self.spark_conf.view(Some(bucket))
    }

    /// How the cluster reaches `bucket` through an `s3://`, `s3a://` or `s3n://` path.
    pub fn s3_access(&self, bucket: &str) -> S3Access {
        self.access(&S3Location::new(bucket, ""), &[&self.spark_conf], None)
    }

    pub(crate) fn access(
        &self,
        location: &S3Location,
        layers: &[&HadoopConf],
        mount: Option<usize>,
    ) -> S3Access {
        let view = S3aView::layered(layers, Some(&location.bucket));
        S3Access {
            location: location.clone(),
            mount,
            credentials: resolve(&view, self.compute()),
            canned_acls: view.canned_acls(),
            encryption: view.write_encryption(),
        }
    }

    /// Which credentials the cluster uses for `bucket`: the instance-profile role directly, or
    /// an assumed role (with session name, duration, endpoint, session policy, external id).
    pub fn credentials(&self, bucket: &str) -> Credentials {
        self.s3_access(bucket).credentials
    }

    /// The canned ACL the cluster sends when it writes to `bucket`.
    pub fn canned_acl(&self, bucket: &str) -> Option<Located<CannedAcl>> {
        self.s3_access(bucket).canned_acls.into_iter().next()
    }

    /// See [`S3Access::writes_without_bucket_owner_full_control`].
    pub fn writes_without_bucket_owner_full_control(&self, bucket: &str) -> bool {
        self.s3_access(bucket)
            .writes_without_bucket_owner_full_control()
    }

    /// The credentials a client that reads no S3A settings gets on this cluster (the AWS
    /// default chain: environment keys, then the instance profile).
    pub fn default_credentials(&self) -> Credentials {
        self.compute().default_chain()
    }
}

/// Reads the JSON of `clusters/get`.
pub fn parse_databricks_cluster(text: &str) -> Parsed<DatabricksCluster> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_cluster(&mut reader, text, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

pub(crate) fn read_cluster(
    reader: &mut Reader,
    text: &str,
    root: &Json,
) -> Option<DatabricksCluster> {
    reader.object(root, "a Databricks cluster (the output of `clusters/get`)")?;
    let owner = "the cluster";
    let cluster_id = reader.optional_string(root, "cluster_id", owner);
    let cluster_name = reader.optional_string(root, "cluster_name", owner);
    let data_security_mode = reader.optional_string(root, "data_security_mode", owner);
    let policy_id = reader.optional_string(root, "policy_id", owner);
    let instance_profile = match member(root, "aws_attributes") {
        None | Some(Json::Null { .. }) => None,
        Some(attributes) => {
            reader.object(attributes, "`aws_attributes`")?;
            reader
                .optional_string(attributes, "instance_profile_arn", "`aws_attributes`")
                .and_then(|arn| match instance_profile_arn(&arn.value) {
                    Ok(parsed) => Some(Located::new(parsed, arn.span, Layer::Compute)),
                    Err(error) => {
                        reader.push(
                            Finding::error("invalid-instance-profile-arn", arn.span, error)
                                .with_help("expected `arn:aws:iam::ACCOUNT:instance-profile/NAME`, as registered in the workspace"),
                        );
                        None
                    }
                })
        }
    };
    let spark_conf = reader
        .optional_object(root, "spark_conf", "`spark_conf`")
        .map(|members| HadoopConf::read(reader, text, members, Layer::Compute, "`spark_conf`"))
        .unwrap_or_default();
    let env_access_key = reader
        .optional_object(root, "spark_env_vars", "`spark_env_vars`")
        .and_then(|members| {
            members
                .iter()
                .rev()
                .find(|entry| entry.name == "AWS_ACCESS_KEY_ID")
                .map(|entry| Located::new(entry.name.clone(), entry.name_span, Layer::Compute))
        });
    let cluster = DatabricksCluster {
        cluster_id,
        cluster_name,
        instance_profile,
        data_security_mode,
        policy_id,
        spark_conf,
        env_access_key,
    };
    let mut checks = ViewChecks::new(reader, Layer::Compute);
    checks.check(&cluster.spark_conf.view(None));
    for bucket in cluster.spark_conf.buckets() {
        checks.check(&cluster.spark_conf.view(Some(&bucket)));
    }
    checks.unused_role_arns(&[&cluster.spark_conf]);
    Some(cluster)
}
