//! Unity Catalog questions of `xacct explain`: `--from storage-credential:NAME` (the master
//! role of the Databricks control plane assuming the credential's role with its external id,
//! as Unity Catalog does), and `--location PATH` (which external location or managed storage
//! serves a path, and through which credential).

use serde_json::{json, Value};
use xacct_compute::unity_catalog::StoragePath;
use xacct_world::World;

/// The prefixes `--from` takes for a Unity Catalog credential.
const PREFIXES: &[&str] = &["storage-credential:", "service-credential:", "credential:"];

/// Where a question from a credential starts: the master role, through the credential's role,
/// passing the external id Databricks passes.
pub struct CredentialStart {
    pub master_role: String,
    pub role: String,
    pub external_id: String,
}

/// `None` when `from` does not name a credential; an error when it names one the scenario
/// does not declare.
pub fn credential_start(world: &World, from: &str) -> Option<Result<CredentialStart, String>> {
    let name = PREFIXES
        .iter()
        .find_map(|prefix| from.strip_prefix(prefix))?;
    let catalog = &world.unity_catalog;
    Some(match catalog.credentials.get(name) {
        Some(credential) => Ok(CredentialStart {
            master_role: credential.master_role.clone(),
            role: credential.role.clone(),
            external_id: credential.external_id.clone(),
        }),
        None => {
            let names: Vec<String> = catalog.credentials.keys().cloned().collect();
            let mut message = format!("no Unity Catalog credential is named `{name}`");
            if let Some(near) = xacct_world::suggest::closest(name, &names) {
                message.push_str(&format!("; did you mean `{near}`?"));
            }
            Err(message)
        }
    })
}

/// The answer to `--location PATH`.
pub struct LocationAnswer {
    pub text: String,
    /// The body of the JSON document: `path`, `servedBy`, `credential`.
    pub json: Value,
    /// A location or managed storage holds the path.
    pub served: bool,
}

/// Which external location or managed storage serves `path`, through which credential.
pub fn location(world: &World, scenario: &str, path: &str) -> Result<LocationAnswer, String> {
    let parsed = StoragePath::parse(path).ok_or_else(|| {
        format!("`{path}` is not an S3 URL: Unity Catalog paths are `s3://bucket/prefix`")
    })?;
    let catalog = &world.unity_catalog;
    let served = catalog.serving(&parsed);
    let credential = served
        .as_ref()
        .and_then(|served| served.credential())
        .and_then(|name| catalog.credentials.get(name));
    let body = json!({
        "path": path,
        "servedBy": served,
        "credential": credential,
    });
    let text = match (&served, credential) {
        (Some(served), Some(credential)) => format!(
            "{path} is served by {}\n  through {} `{}`: role {} (assumed by {} with external id `{}`)\n  ask: xacct explain {scenario} --from storage-credential:{} --read {path}\n",
            served.describe(),
            credential.purpose.noun(),
            credential.name,
            credential.role,
            credential.master_role,
            credential.external_id,
            credential.name,
        ),
        (Some(served), None) => format!(
            "{path} is served by {}, which no storage credential reaches\n",
            served.describe()
        ),
        (None, _) => format!(
            "no external location or managed storage of the scenario holds {path}: Unity Catalog refuses paths outside them\n"
        ),
    };
    Ok(LocationAnswer {
        text,
        json: body,
        served: served.is_some(),
    })
}
