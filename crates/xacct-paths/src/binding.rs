//! What a compute's own settings say about how it reaches a resource: the Databricks
//! `spark_conf` (S3A assumed roles, per bucket), EMRFS role mappings, the Kinesis reader's
//! `roleArn`. A client does not search for a chain: it takes the one its settings name, so
//! xacct checks exactly that one.

use xacct_compute::Credentials;
use xacct_world::model::Compute;

/// The chain a compute's settings give for one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// The binding for `resource`, when the compute's settings decide one; an error when the
/// settings cannot produce credentials at all (the client fails when it starts).
pub fn binding(compute: &Compute, resource: &str) -> Option<Result<Binding, String>> {
    let settings = &compute.settings;
    let (credentials, canned_acl) = if let Some(path) = resource.strip_prefix("arn:aws:s3:::") {
        let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
        let access = if let Some(cluster) = &settings.databricks {
            settings
                .mounts
                .as_ref()
                .and_then(|mounts| mounts.access(cluster, &format!("s3a://{bucket}/{key}")))
                .unwrap_or_else(|| cluster.s3_access(bucket))
        } else if let Some(emr) = &settings.emr {
            emr.s3_access(
                settings.security_configuration.as_ref(),
                &settings.emr_user,
                &[],
                &format!("s3://{bucket}/{key}"),
            )?
        } else {
            return None;
        };
        let acl = access
            .canned_acl()
            .map(|acl| acl.value.header_value().to_owned());
        (access.credentials, acl)
    } else if resource.starts_with("arn:aws:kinesis:") {
        let reader = settings.kinesis.as_ref()?;
        (reader.credentials(settings.databricks.as_ref()), None)
    } else {
        return None;
    };
    Some(from_credentials(&credentials).map(|mut bound| {
        bound.canned_acl = canned_acl;
        bound
    }))
}

fn from_credentials(credentials: &Credentials) -> Result<Binding, String> {
    match credentials {
        Credentials::InstanceProfile { .. } => Ok(Binding {
            via: Vec::new(),
            session_name: None,
            duration_seconds: None,
            external_id: None,
            describe: "the settings use the instance profile's role directly".to_owned(),
            canned_acl: None,
        }),
        Credentials::AssumeRole(assume) => {
            let role = assume.role_arn.value.to_string();
            let mut inner = from_credentials(&assume.from)?;
            inner.via.push(role.clone());
            inner.session_name = assume.session_name.as_ref().map(|name| name.value.clone());
            inner.duration_seconds = assume
                .duration_seconds()
                .and_then(|seconds| u32::try_from(seconds).ok());
            inner.external_id = assume
                .external_id
                .as_ref()
                .map(|id| (role.clone(), id.value.clone()));
            inner.describe = format!("the settings assume {role}");
            Ok(inner)
        }
        Credentials::Fails { message, .. } => Err(format!("the compute's settings cannot produce credentials: {message}")),
        Credentials::None { reason } => Err(format!("the compute's settings supply no credentials: {reason}")),
        Credentials::AccessKeys { source } => Err(format!(
            "the settings use long-lived access keys ({}): whose keys they are is not in the scenario",
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
