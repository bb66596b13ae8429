//! Unity Catalog objects as Databricks prints them, for scenarios made from a workspace rather
//! than a Terraform plan:
//!
//! - `databricks-credentials`: `databricks storage-credentials list -o json` (an array of
//!   `StorageCredentialInfo`, or the API's `{"storage_credentials": [...]}`), or
//!   `databricks credentials list-credentials` (`{"credentials": [...]}` with `purpose`
//!   STORAGE or SERVICE), or one credential object;
//! - `databricks-external-locations`: `databricks external-locations list -o json` (an array,
//!   or `{"external_locations": [...]}`), or one location object.
//!
//! Each object becomes the `[[storage_credential]]`, `[[service_credential]]` or
//! `[[external_location]]` table it describes, checked as one written by hand once the
//! scenario's roles are known; findings point into the export. The Databricks account id is
//! the import table's `databricks_account_id`, else the credential's `external_id` (Databricks
//! passes the account id as the external id)
//! (<https://docs.databricks.com/api/workspace/storagecredentials/list>,
//! <https://docs.databricks.com/api/workspace/externallocations/list>).

use super::{member, Export};
use crate::manifest::{ExternalLocationEntry, ImportEntry, UcCredentialEntry};
use toml::Spanned;
use xacct_compute::unity_catalog::Purpose;
use xacct_policy::json::Json;
use xacct_policy::Span;

/// The objects of a list output: the array itself, the array under one of `keys`, or one
/// object that has `name`.
fn items<'j>(export: &mut Export<'_>, root: &'j Json, keys: &[&str], what: &str) -> Vec<&'j Json> {
    if let Json::Array { items, .. } = root {
        return items.iter().collect();
    }
    for key in keys {
        if member(root, key).is_some() {
            export.unknown_members(root, &[key, "next_page_token"], what);
            return export.list(root, key, what).iter().collect();
        }
    }
    if member(root, "name").is_some() {
        return vec![root];
    }
    export.error(
        "invalid-export",
        root.span(),
        format!(
            "expected {what}: an array, or an object with {}",
            keys.iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    );
    Vec::new()
}

fn spanned(text: &str, span: Span) -> Spanned<String> {
    Spanned::new(span.start..span.end, text.to_owned())
}

fn flag(item: &Json, key: &str) -> bool {
    matches!(member(item, key), Some(Json::Bool { value: true, .. }))
}

/// What Databricks prints of every securable that says nothing AWS decides on.
const METADATA: [&str; 8] = [
    "comment",
    "owner",
    "metastore_id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "isolation_mode",
];

/// The keys of a credential: what is read, then what says nothing AWS decides on.
const CREDENTIAL_KEYS: [&str; 12] = [
    "name",
    "aws_iam_role",
    "read_only",
    "purpose",
    "id",
    "full_name",
    "used_for_managed_storage",
    "securable_type",
    "azure_service_principal",
    "azure_managed_identity",
    "databricks_gcp_service_account",
    "cloudflare_api_token",
];

/// The keys of an external location: what is read, then what says nothing AWS decides on.
const LOCATION_KEYS: [&str; 10] = [
    "name",
    "url",
    "credential_name",
    "read_only",
    "credential_id",
    "browse_only",
    "fallback",
    "enable_file_events",
    "file_event_queue",
    "encryption_details",
];

fn known(keys: &[&'static str]) -> Vec<&'static str> {
    keys.iter().chain(&METADATA).copied().collect()
}

/// `databricks-credentials`.
pub(super) fn credentials(export: &mut Export<'_>, root: &Json, entry: &ImportEntry) {
    let what =
        "the output of `databricks storage-credentials list` or `credentials list-credentials`";
    for item in items(export, root, &["storage_credentials", "credentials"], what) {
        export.unknown_members(item, &known(&CREDENTIAL_KEYS), "a Unity Catalog credential");
        let Some(name) = export.string(item, "name", "a Unity Catalog credential") else {
            continue;
        };
        let owner = format!("credential `{}`", name.value);
        let Some(role) = member(item, "aws_iam_role") else {
            export.warning(
                "databricks-credential-not-aws",
                item.span(),
                format!("{owner} holds no `aws_iam_role` (an Azure or GCP credential): nothing in AWS uses it, so it is left out"),
            );
            continue;
        };
        export.unknown_members(
            role,
            &["role_arn", "external_id", "unity_catalog_iam_arn"],
            "the aws_iam_role of a credential",
        );
        let Some(role_arn) = export.string(role, "role_arn", &owner) else {
            continue;
        };
        let external_id = member(role, "external_id").and_then(|value| match value {
            Json::String { value, span } => Some(spanned(value, *span)),
            _ => None,
        });
        let purpose = match member(item, "purpose") {
            None => Purpose::Storage,
            Some(Json::String { value, span }) => match Purpose::parse(value) {
                Some(purpose) => purpose,
                None => {
                    export.error(
                        "invalid-export-value",
                        *span,
                        format!("`purpose` of {owner} is `{value}`: expected STORAGE or SERVICE"),
                    );
                    continue;
                }
            },
            Some(other) => {
                export.error(
                    "invalid-export-value",
                    other.span(),
                    format!("`purpose` of {owner} is not a string"),
                );
                continue;
            }
        };
        let account_id = match (&entry.databricks_account_id, &external_id) {
            (Some(given), _) => spanned(given, name.span),
            (None, Some(external_id)) => external_id.clone(),
            (None, None) => {
                export.error(
                    "incomplete-import",
                    name.span,
                    format!("{owner} prints no `external_id`, and the [[import]] table gives no `databricks_account_id`: the external id Databricks passes is unknown"),
                );
                continue;
            }
        };
        let master_role = member(role, "unity_catalog_iam_arn").and_then(|value| match value {
            Json::String { value, span } => Some(spanned(value, *span)),
            _ => None,
        });
        let credential = UcCredentialEntry {
            name: spanned(&name.value, name.span),
            role: spanned(&role_arn.value, role_arn.span),
            databricks_account_id: account_id,
            external_id,
            master_role,
            read_only: flag(item, "read_only"),
        };
        let source = export.source.clone();
        export
            .loader
            .imported_unity_catalog
            .credentials
            .push((source, credential, purpose));
    }
}

/// `databricks-external-locations`.
pub(super) fn external_locations(export: &mut Export<'_>, root: &Json) {
    let what = "the output of `databricks external-locations list`";
    for item in items(export, root, &["external_locations"], what) {
        export.unknown_members(item, &known(&LOCATION_KEYS), "an external location");
        let Some(name) = export.string(item, "name", "an external location") else {
            continue;
        };
        let owner = format!("external location `{}`", name.value);
        let (Some(url), Some(credential)) = (
            export.string(item, "url", &owner),
            export.string(item, "credential_name", &owner),
        ) else {
            continue;
        };
        let location = ExternalLocationEntry {
            name: spanned(&name.value, name.span),
            url: spanned(&url.value, url.span),
            credential: spanned(&credential.value, credential.span),
            read_only: flag(item, "read_only"),
        };
        let source = export.source.clone();
        export
            .loader
            .imported_unity_catalog
            .locations
            .push((source, location));
    }
}
