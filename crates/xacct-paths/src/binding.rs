//! What a compute's own settings say about how it reaches a resource: the Databricks
//! `spark_conf` (S3A assumed roles, per bucket), EMRFS role mappings, the Kinesis reader's
//! `roleArn`. A client does not search for a chain: it takes the one its settings name, so
//! xacct checks exactly that one.

use crate::search::{SessionPolicy, SessionPolicyPlace};
use xacct_compute::{AssumeRole, Credentials};
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, PolicyKind, SourceFile};
use xacct_world::model::Compute;

/// The chain a compute's settings give for one resource.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Roles assumed, in order; empty for the compute's own identity.
    pub via: Vec<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<u32>,
    /// (role, external id) passed when assuming.
    pub external_id: Option<(String, String)>,
    /// How the settings produced it, for explanations.
    pub describe: String,
    /// The `x-amz-acl` header the client sends on writes (`fs.s3a.acl.default`, `fs.s3.canned.acl`).
    pub canned_acl: Option<String>,
    /// The `x-amz-server-side-encryption` headers the client sends on writes.
    pub encryption: Option<xacct_s3::SseHeader>,
    /// The session policy passed on the last AssumeRole (`fs.s3a.assumed.role.policy`).
    pub session_policy: Option<SessionPolicy>,
    /// The user whose long-lived access keys sign the requests (or call STS), when the
    /// settings use keys: the chain starts from that user, not from the compute's identity.
    pub start_as: Option<String>,
}

/// The binding for `resource`, when the compute's settings decide one; an error when the
/// settings cannot produce credentials at all (the client fails when it starts).
pub fn binding(compute: &Compute, resource: &str) -> Option<Result<Binding, String>> {
    binding_through(compute, resource, None)
}

/// The binding for `resource` when the client names it by `client_path` (a DBFS mount path
/// such as `/mnt/lake/sales/`, whose mount's `extra_configs` then apply, or an S3 URI).
pub fn binding_through(
    compute: &Compute,
    resource: &str,
    client_path: Option<&str>,
) -> Option<Result<Binding, String>> {
    binding_as(compute, resource, client_path, None)
}

/// [`binding_through`] for a job that runs as `runs_as` on the cluster (EMRFS `User` and
/// `Group` role mappings match it).
pub fn binding_as(
    compute: &Compute,
    resource: &str,
    client_path: Option<&str>,
    runs_as: Option<&xacct_world::model::OsUser>,
) -> Option<Result<Binding, String>> {
    let settings = &compute.settings;
    let mut encryption = None;
    let mut connector = None;
    let (credentials, canned_acl) = if let Some(path) = resource.strip_prefix("arn:aws:s3:::") {
        let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
        let access = compute.s3_access_as(bucket, key, client_path, runs_as)?;
        let acl = access
            .canned_acl()
            .map(|acl| acl.value.header_value().to_owned());
        encryption = access.encryption.map(|requested| match requested.value {
            xacct_compute::WriteEncryption::SseS3 => xacct_s3::SseHeader::Aes256,
            xacct_compute::WriteEncryption::SseKms { key } => {
                xacct_s3::SseHeader::Kms { key_id: key }
            }
            xacct_compute::WriteEncryption::DsseKms { key } => {
                xacct_s3::SseHeader::DsseKms { key_id: key }
            }
        });
        (access.credentials, acl)
    } else if resource.starts_with("arn:aws:kinesis:") {
        let reader = settings.kinesis.as_ref()?;
        connector = Some(reader.connector.name());
        (reader.credentials(settings.databricks.as_ref()), None)
    } else if let Some(role) = &settings.runtime_role {
        // A step with a runtime role reaches every service with that role only.
        (
            xacct_compute::runtime_role_credentials(role.clone(), None),
            None,
        )
    } else {
        return None;
    };
    Some(from_credentials(compute, &credentials).map(|mut bound| {
        bound.canned_acl = canned_acl;
        bound.encryption = encryption;
        if let Some(connector) = connector {
            bound.describe = format!("{connector}: {}", bound.describe);
        }
        bound
    }))
}

/// The session policy an assume-role setting passes, read as STS reads it: a document STS
/// refuses (`MalformedPolicyDocument`) fails the AssumeRole, so it is an error, not "no policy".
fn session_policy(compute: &Compute, assume: &AssumeRole) -> Result<Option<SessionPolicy>, String> {
    let Some(text) = &assume.session_policy else {
        return Ok(None);
    };
    let key = assume
        .session_policy_key
        .clone()
        .unwrap_or_else(|| "fs.s3a.assumed.role.policy".to_owned());
    let label = format!("the session policy in `{key}` of compute {}", compute.name);
    let parsed = parse_policy(&text.value, PolicyKind::Session);
    if parsed.has_errors() {
        return Err(format!(
            "STS refuses the AssumeRole of {}: the session policy in `{key}` is not a valid policy (MalformedPolicyDocument); `xacct validate` shows where",
            assume.role_arn.value
        ));
    }
    let source = SourceFile::new(
        format!("{key} (compute {})", compute.name),
        text.value.clone(),
    );
    Ok(Some(SessionPolicy {
        policy: SourcedPolicy::new(parsed.policy, label).with_source(source),
        place: SessionPolicyPlace::Setting {
            compute: compute.name.clone(),
            key,
            layer: text.layer,
        },
    }))
}

fn from_credentials(compute: &Compute, credentials: &Credentials) -> Result<Binding, String> {
    match credentials {
        Credentials::InstanceProfile { .. } => Ok(Binding {
            via: Vec::new(),
            session_name: None,
            duration_seconds: None,
            external_id: None,
            describe: "the settings use the instance profile's role directly".to_owned(),
            canned_acl: None,
            encryption: None,
            session_policy: None,
            start_as: None,
        }),
        Credentials::AccessKeys { source } if compute.access_keys.is_some() => {
            let user = compute.access_keys.clone().unwrap_or_default();
            Ok(Binding {
                via: Vec::new(),
                session_name: None,
                duration_seconds: None,
                external_id: None,
                describe: format!(
                    "the settings use the long-lived access keys of {user} (`{}`)",
                    source.value
                ),
                canned_acl: None,
                encryption: None,
                session_policy: None,
                start_as: Some(user),
            })
        }
        Credentials::AssumeRole(assume) => {
            let role = assume.role_arn.value.to_string();
            let mut inner = from_credentials(compute, &assume.from)?;
            inner.via.push(role.clone());
            inner.session_name = assume.session_name.as_ref().map(|name| name.value.clone());
            inner.duration_seconds = assume
                .duration_seconds()
                .and_then(|seconds| u32::try_from(seconds).ok());
            inner.external_id = assume
                .external_id
                .as_ref()
                .map(|id| (role.clone(), id.value.clone()));
            inner.session_policy = session_policy(compute, assume)?;
            inner.describe = match &inner.session_policy {
                Some(policy) => match &policy.place {
                    SessionPolicyPlace::Setting { key, .. } => {
                        format!("the settings assume {role} with the session policy in `{key}`")
                    }
                    SessionPolicyPlace::Expectation { .. } => format!("the settings assume {role}"),
                },
                None if assume.via == xacct_compute::AssumeRoleVia::EmrRuntimeRole => {
                    match compute.settings.runtime_role_steps.as_slice() {
                        [] => format!(
                            "the step runs with its runtime role {role}, which the instance profile's role assumes"
                        ),
                        steps => format!(
                            "step(s) {} run with their runtime role {role}, which the instance profile's role assumes",
                            steps.join(", ")
                        ),
                    }
                }
                None => format!("the settings assume {role}"),
            };
            Ok(inner)
        }
        Credentials::Fails { message, .. } => Err(format!("the compute's settings cannot produce credentials: {message}")),
        Credentials::None { reason } => Err(format!("the compute's settings supply no credentials: {reason}")),
        Credentials::AccessKeys { source } => Err(format!(
            "the settings use long-lived access keys ({}): whose keys they are is not in the scenario; name the user with `access_keys` in the [[compute]] table",
            source.value
        )),
        Credentials::Anonymous { .. } => Err("the settings make unsigned (anonymous) requests".to_owned()),
        Credentials::CustomProvider { class } => Err(format!("the credentials provider `{}` is not modelled", class.value)),
        Credentials::ServiceCredential { name } => Err(format!(
            "the Databricks service credential `{}` names a role configured in Databricks, not in these files",
            name.value
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_world::model::{ComputeSettings, Origin};

    /// A cluster whose own settings use the instance profile, with a mount whose extra configs
    /// assume a role in the bucket's account (the seed guide's `dbutils.fs.mount`).
    fn cluster_with_mount() -> Compute {
        let cluster = xacct_compute::parse_databricks_cluster(
            r#"{"cluster_name": "etl", "aws_attributes": {"instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/MyRoleA"}, "spark_conf": {}}"#,
        );
        let mounts = xacct_compute::parse_mounts(
            r#"[{"mount_point": "/mnt/lake", "source": "s3a://lake-b/curated", "extra_configs": {"fs.s3a.credentialsType": "AssumeRole", "fs.s3a.stsAssumeRole.arn": "arn:aws:iam::222222222222:role/MyRoleB"}}]"#,
        );
        Compute {
            name: "etl".to_owned(),
            instance_profile: Some("arn:aws:iam::111111111111:instance-profile/MyRoleA".to_owned()),
            role: None,
            deployed_by: None,
            access_keys: None,
            settings: ComputeSettings {
                databricks: cluster.value,
                mounts: mounts.value,
                ..ComputeSettings::default()
            },
            origin: Origin::default(),
        }
    }

    #[test]
    fn a_mount_path_takes_the_mounts_credentials_and_a_uri_the_clusters() {
        let compute = cluster_with_mount();
        let object = "arn:aws:s3:::lake-b/curated/sales/part-0.parquet";
        let through_mount =
            binding_through(&compute, object, Some("/mnt/lake/sales/part-0.parquet"));
        assert_eq!(
            through_mount.and_then(Result::ok).map(|bound| bound.via),
            Some(vec!["arn:aws:iam::222222222222:role/MyRoleB".to_owned()])
        );
        let direct = binding_through(
            &compute,
            object,
            Some("s3a://lake-b/curated/sales/part-0.parquet"),
        );
        assert_eq!(
            direct.and_then(Result::ok).map(|bound| bound.via),
            Some(Vec::new())
        );
    }
}
