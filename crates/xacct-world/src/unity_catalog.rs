//! Unity Catalog tables of the manifest (`[[storage_credential]]`, `[[service_credential]]`,
//! `[[external_location]]`, `[[metastore]]`) read into the world, and the checks they imply
//! turned into expectations with their own finding codes, so `check`, its fixes and `who-can`
//! treat them as every other question (the model itself is
//! `xacct_compute::unity_catalog`).

use crate::load::Loader;
use crate::manifest::{self, Manifest};
use crate::model::{Expectation, Role};
use std::collections::BTreeMap;
use std::sync::Arc;
use toml::Spanned;
use xacct_compute::unity_catalog::{
    self as uc, overlaps, Credential, ExternalLocation, ManagedStorage, Purpose, StoragePath,
};
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{parse_policy, Arn, Finding, PolicyKind, PrincipalEntry, SourceFile, Span};

/// The finding codes of the checks a Unity Catalog scenario implies, reported instead of
/// `expectation-failed` (docs/findings.md).
pub mod code {
    /// The master role cannot assume the credential's role with the external id Databricks passes.
    pub const MASTER_ROLE_CANNOT_ASSUME: &str = "uc-master-role-cannot-assume";
    /// The credential's role does not trust itself.
    pub const SELF_ASSUME_MISSING: &str = "uc-self-assume-missing";
    pub const GET_BUCKET_LOCATION_MISSING: &str = "uc-get-bucket-location-missing";
    pub const LIST_BUCKET_MISSING: &str = "uc-list-bucket-missing";
    pub const LOCATION_NOT_READABLE: &str = "uc-location-not-readable";
    pub const LOCATION_NOT_WRITABLE: &str = "uc-location-not-writable";
    /// A read or write fails at the KMS key policy of the bucket's key.
    pub const KMS_KEY_POLICY_MISSING_ROLE: &str = "uc-kms-key-policy-missing-role";
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

/// The identity policy xacct gives the master role, which is Databricks' own: it may assume
/// any role, and the trust of each credential's role decides.
const MASTER_ROLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DatabricksAssumesCredentialRoles","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;

/// Its trust: nobody in the scenario can assume it.
const MASTER_ROLE_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DatabricksControlPlaneOnly","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

/// Credentials and external locations read from Databricks' exports (`import/databricks.rs`),
/// each with the export it was read from, for its findings.
#[derive(Debug, Default)]
pub(crate) struct Imported {
    pub(crate) credentials: Vec<(Arc<SourceFile>, manifest::UcCredentialEntry, Purpose)>,
    pub(crate) locations: Vec<(Arc<SourceFile>, manifest::ExternalLocationEntry)>,
}

impl Loader {
    /// Runs `check` with findings (and origins) pointing into `source` instead of the manifest.
    fn in_export<T>(&mut self, source: &Arc<SourceFile>, check: impl FnOnce(&mut Self) -> T) -> T {
        let manifest = std::mem::replace(&mut self.manifest, Arc::clone(source));
        let result = check(self);
        self.manifest = manifest;
        result
    }

    pub(crate) fn unity_catalog_entries(&mut self, manifest: &Manifest) {
        for (entry, purpose) in manifest
            .storage_credential
            .iter()
            .map(|entry| (entry, Purpose::Storage))
            .chain(
                manifest
                    .service_credential
                    .iter()
                    .map(|entry| (entry, Purpose::Service)),
            )
        {
            self.uc_credential(entry, purpose);
        }
        let imported = std::mem::take(&mut self.imported_unity_catalog);
        for (source, entry, purpose) in &imported.credentials {
            self.in_export(source, |loader| loader.uc_credential(entry, *purpose));
        }
        let mut location_spans = Vec::new();
        for entry in &manifest.external_location {
            if let Some(location) = self.uc_location(entry) {
                location_spans.push((Arc::clone(&self.manifest), span_of(&entry.url)));
                self.world.unity_catalog.external_locations.push(location);
            }
        }
        for (source, entry) in &imported.locations {
            if let Some(location) = self.in_export(source, |loader| loader.uc_location(entry)) {
                location_spans.push((Arc::clone(source), span_of(&entry.url)));
                self.world.unity_catalog.external_locations.push(location);
            }
        }
        self.uc_overlaps(&location_spans);
        for entry in &manifest.metastore {
            self.uc_metastore(entry);
        }
        let mut origins: BTreeMap<String, crate::model::Origin> = manifest
            .storage_credential
            .iter()
            .chain(&manifest.service_credential)
            .map(|entry| {
                (
                    entry.name.get_ref().clone(),
                    self.origin(span_of(&entry.name)),
                )
            })
            .collect();
        for (source, entry, _) in &imported.credentials {
            let span = span_of(&entry.name);
            origins
                .entry(entry.name.get_ref().clone())
                .or_insert_with(|| crate::model::Origin::in_file(source, span));
        }
        self.uc_expectations(&origins);
    }

    fn uc_credential(&mut self, entry: &manifest::UcCredentialEntry, purpose: Purpose) {
        let name = entry.name.get_ref().clone();
        if self.world.unity_catalog.credentials.contains_key(&name) {
            self.error(
                "uc-duplicate-credential",
                span_of(&entry.name),
                format!("credential `{name}` is declared twice: credential names are unique within a metastore"),
            );
            return;
        }
        let role = entry.role.get_ref().clone();
        let is_role = role
            .parse::<Arn>()
            .is_ok_and(|arn| arn.service() == "iam" && arn.resource().starts_with("role/"));
        if !is_role {
            self.error(
                "invalid-arn",
                span_of(&entry.role),
                format!("`{role}` is not an IAM role ARN"),
            )
            .help = Some("write it as `arn:aws:iam::ACCOUNT:role/NAME`".to_owned());
            return;
        }
        if !self.world.roles.contains_key(&role) {
            self.error(
                "uc-credential-role-not-declared",
                span_of(&entry.role),
                format!(
                    "the role `{role}` of {} `{name}` is not in the scenario",
                    purpose.noun()
                ),
            )
            .help = Some(
                "declare it in a [[role]] table with its trust and policies: xacct checks them"
                    .to_owned(),
            );
            return;
        }
        let master_role = entry.master_role.as_ref().map_or_else(
            || uc::MASTER_ROLE_COMMERCIAL.to_owned(),
            |role| role.get_ref().clone(),
        );
        let databricks_account_id = entry.databricks_account_id.get_ref().clone();
        let credential = Credential {
            name: name.clone(),
            purpose,
            role,
            external_id: entry
                .external_id
                .as_ref()
                .map_or_else(|| databricks_account_id.clone(), |id| id.get_ref().clone()),
            databricks_account_id,
            master_role,
            read_only: entry.read_only,
        };
        self.uc_master_role(&credential.master_role, span_of(&entry.name));
        self.uc_external_id_mismatch(&credential);
        self.world
            .unity_catalog
            .credentials
            .insert(name, credential);
    }

    /// The master role as a role of the world, so that requests can start from it.
    fn uc_master_role(&mut self, arn: &str, span: Span) {
        if self.world.roles.contains_key(arn) {
            return;
        }
        let parsed = arn.parse::<Arn>().ok().and_then(|parsed| {
            let account = parsed.account()?;
            let name = parsed
                .resource()
                .strip_prefix("role/")?
                .rsplit('/')
                .next()?
                .to_owned();
            Some((account, name))
        });
        let Some((account, name)) = parsed else {
            self.error(
                "invalid-arn",
                span,
                format!("`{arn}` is not an IAM role ARN"),
            );
            return;
        };
        let policy = |text: &str, kind, label: &str| {
            SourcedPolicy::new(parse_policy(text, kind).policy, label.to_owned())
        };
        let role = Role {
            arn: arn.to_owned(),
            account,
            name,
            path: "/".to_owned(),
            trust: policy(MASTER_ROLE_TRUST, PolicyKind::Trust, "trust policy of the Unity Catalog master role (Databricks')"),
            policies: vec![policy(MASTER_ROLE_POLICY, PolicyKind::Inline, "policy of the Unity Catalog master role (Databricks': assumed to allow sts:AssumeRole on any role)")],
            boundary: None,
            tags: crate::Tags::new(),
            max_session_duration: 3600,
            service_linked: false,
            origin: self.origin(span),
        };
        self.world.roles.insert(arn.to_owned(), Box::new(role));
    }

    /// A trust statement that names the master role and requires an external id other than
    /// the one Databricks passes: the classic copy of another workspace's or account's id.
    fn uc_external_id_mismatch(&mut self, credential: &Credential) {
        let Some(role) = self.world.roles.get(&credential.role) else {
            return;
        };
        let mut found = Vec::new();
        for statement in &role.trust.policy.statements {
            let names_master = statement.principal.as_ref().is_some_and(|principal| {
                principal.entries.iter().any(|entry| {
                    matches!(&entry.value, PrincipalEntry::Role { arn, .. } if *arn == credential.master_role)
                })
            });
            if !names_master {
                continue;
            }
            for condition in &statement.conditions {
                if condition.key_lowercase != "sts:externalid" {
                    continue;
                }
                let matches = condition
                    .values
                    .iter()
                    .any(|value| value.text == credential.external_id);
                if let (false, Some(value)) = (matches, condition.values.first()) {
                    found.push((value.span, value.text.clone()));
                }
            }
        }
        let source = role.trust.source.clone();
        for (span, value) in found {
            let finding = Finding::warning(
                "uc-external-id-mismatch",
                span,
                format!(
                    "the trust of `{}` lets the Unity Catalog master role in with external id `{value}`, but Databricks passes `{}` for {} `{}`",
                    credential.role, credential.external_id, credential.purpose.noun(), credential.name
                ),
            )
            .with_help(format!(
                "the external id is the Databricks account id (or the one shown on the credential): write `{}`",
                credential.external_id
            ));
            match &source {
                Some(source) => self.findings.push(finding.in_source(source)),
                None => {
                    self.push(finding);
                }
            }
        }
    }

    fn uc_path(&mut self, text: &Spanned<String>) -> Option<StoragePath> {
        let path = StoragePath::parse(text.get_ref());
        if path.is_none() {
            self.error(
                "uc-invalid-storage-path",
                span_of(text),
                format!("`{}` is not an S3 URL", text.get_ref()),
            )
            .help = Some("Unity Catalog takes `s3://bucket/prefix` URLs".to_owned());
        }
        path
    }

    /// The name of a storage credential the scenario declares.
    fn uc_storage_credential(&mut self, text: &Spanned<String>) -> Option<String> {
        let name = text.get_ref();
        match self.world.unity_catalog.credentials.get(name) {
            Some(credential) if credential.purpose == Purpose::Storage => Some(name.clone()),
            Some(_) => {
                self.error(
                    "uc-service-credential-for-storage",
                    span_of(text),
                    format!("`{name}` is a service credential: storage is reached through a storage credential"),
                );
                None
            }
            None => {
                let known: Vec<String> = self
                    .world
                    .unity_catalog
                    .credentials
                    .keys()
                    .cloned()
                    .collect();
                let help = crate::suggest::closest(name, &known).map_or_else(
                    || "declare it in a [[storage_credential]] table".to_owned(),
                    |near| format!("did you mean `{near}`?"),
                );
                self.error(
                    "uc-unknown-credential",
                    span_of(text),
                    format!("no storage credential is named `{name}`"),
                )
                .help = Some(help);
                None
            }
        }
    }

    fn uc_location(&mut self, entry: &manifest::ExternalLocationEntry) -> Option<ExternalLocation> {
        let path = self.uc_path(&entry.url)?;
        let credential = self.uc_storage_credential(&entry.credential)?;
        Some(ExternalLocation {
            name: entry.name.get_ref().clone(),
            path,
            credential,
            read_only: entry.read_only,
        })
    }

    /// Unity Catalog refuses to create an external location that overlaps another.
    fn uc_overlaps(&mut self, spans: &[(Arc<SourceFile>, Span)]) {
        let locations = self.world.unity_catalog.external_locations.clone();
        let paths: Vec<&StoragePath> = locations.iter().map(|location| &location.path).collect();
        for overlap in overlaps(&paths) {
            let (Some(first), Some(second), Some((source, span))) = (
                locations.get(overlap.first),
                locations.get(overlap.second),
                spans.get(overlap.second),
            ) else {
                continue;
            };
            self.in_export(source, |loader| {
                loader
                    .error(
                        "uc-external-location-overlap",
                        *span,
                        format!(
                            "external location `{}` ({}) overlaps external location `{}` ({}): Unity Catalog refuses to create it",
                            second.name, second.path, first.name, first.path
                        ),
                    )
                    .help = Some("give each external location its own prefix: one must not hold the other".to_owned());
            });
        }
    }

    fn uc_metastore(&mut self, entry: &manifest::MetastoreEntry) {
        let name = entry.name.get_ref();
        if let Some(root) = &entry.storage_root {
            let path = self.uc_path(root);
            let credential = match &entry.credential {
                Some(text) => self.uc_storage_credential(text),
                None => {
                    self.error(
                        "uc-managed-storage-without-credential",
                        span_of(root),
                        format!("metastore `{name}` has a storage root but no data access credential"),
                    )
                    .help = Some("name its storage credential in `credential` (databricks_metastore_data_access)".to_owned());
                    None
                }
            };
            if let Some(path) = path {
                self.world
                    .unity_catalog
                    .managed_storage
                    .push(ManagedStorage {
                        owner: format!("metastore {name}"),
                        path,
                        credential,
                    });
            }
        }
        for catalog in &entry.catalog {
            let Some(path) = self.uc_path(&catalog.storage_root) else {
                continue;
            };
            let credential = self
                .world
                .unity_catalog
                .external_location_holding(&path)
                .map(|location| location.credential.clone());
            if credential.is_none() {
                self.error(
                    "uc-managed-storage-outside-external-location",
                    span_of(&catalog.storage_root),
                    format!("the storage root of catalog `{}` ({path}) lies in no external location", catalog.name.get_ref()),
                )
                .help = Some("Unity Catalog requires a catalog's managed location to be inside an external location: declare one that holds it".to_owned());
            }
            self.world
                .unity_catalog
                .managed_storage
                .push(ManagedStorage {
                    owner: format!("catalog {}", catalog.name.get_ref()),
                    path,
                    credential,
                });
        }
    }

    /// The checks each credential and location implies, as expectations.
    /// `origins`: where each credential is written, by name.
    fn uc_expectations(&mut self, origins: &BTreeMap<String, crate::model::Origin>) {
        let catalog = self.world.unity_catalog.clone();
        for credential in catalog.credentials.values() {
            let origin = origins
                .get(&credential.name)
                .cloned()
                .unwrap_or_else(|| self.origin(Span::default()));
            let external_ids =
                BTreeMap::from([(credential.role.clone(), credential.external_id.clone())]);
            let noun = credential.purpose.noun();
            self.world.expectations.push(Expectation {
                direct: true,
                external_ids: external_ids.clone(),
                code: Some(code::MASTER_ROLE_CANNOT_ASSUME.to_owned()),
                origin: origin.clone(),
                ..Expectation::new(
                    format!(
                        "Unity Catalog assumes the role of {noun} `{}` with external id `{}`",
                        credential.name, credential.external_id
                    ),
                    credential.master_role.clone(),
                    vec!["sts:AssumeRole".to_owned()],
                    vec![credential.role.clone()],
                )
            });
            self.world.expectations.push(Expectation {
                direct: true,
                external_ids: external_ids.clone(),
                code: Some(code::SELF_ASSUME_MISSING.to_owned()),
                origin: origin.clone(),
                ..Expectation::new(
                    format!(
                        "the role of {noun} `{}` assumes itself (Databricks refuses a role that does not trust itself since {})",
                        credential.name,
                        uc::SELF_ASSUME_ENFORCED_SINCE
                    ),
                    credential.role.clone(),
                    vec!["sts:AssumeRole".to_owned()],
                    vec![credential.role.clone()],
                )
            });
        }
        let served: Vec<(String, StoragePath, String, bool)> = catalog
            .external_locations
            .iter()
            .map(|location| {
                (
                    format!("external location `{}`", location.name),
                    location.path.clone(),
                    location.credential.clone(),
                    location.read_only,
                )
            })
            .chain(catalog.managed_storage.iter().filter_map(|storage| {
                Some((
                    format!("the managed storage of {}", storage.owner),
                    storage.path.clone(),
                    storage.credential.clone()?,
                    false,
                ))
            }))
            .collect();
        for (what, path, name, read_only) in served {
            let Some(credential) = catalog.credentials.get(&name) else {
                continue;
            };
            let origin = origins
                .get(&name)
                .cloned()
                .unwrap_or_else(|| self.origin(Span::default()));
            for expectation in
                location_checks(credential, &what, &path, read_only || credential.read_only)
            {
                self.world.expectations.push(Expectation {
                    origin: origin.clone(),
                    ..expectation
                });
            }
        }
    }
}

/// The requests Unity Catalog makes on a location through a credential, each group its own
/// check: what `xacct check` asks, and what `explain --from storage-credential:NAME` asks.
pub fn location_checks(
    credential: &Credential,
    what: &str,
    path: &StoragePath,
    read_only: bool,
) -> Vec<Expectation> {
    let question = |code: &str, verb: &str, actions: &[&str], resource: String| Expectation {
        via: vec![credential.role.clone()],
        external_ids: BTreeMap::from([(credential.role.clone(), credential.external_id.clone())]),
        code: Some(code.to_owned()),
        ..Expectation::new(
            format!(
                "storage credential `{}` {verb} {what} ({path})",
                credential.name
            ),
            credential.master_role.clone(),
            actions.iter().map(|action| (*action).to_owned()).collect(),
            vec![resource],
        )
    };
    let mut out = vec![
        question(
            code::GET_BUCKET_LOCATION_MISSING,
            "finds the Region of",
            &["s3:GetBucketLocation"],
            path.bucket_arn(),
        ),
        Expectation {
            context: vec![(
                "s3:prefix".to_owned(),
                ContextValue::Single(path.list_prefix()),
            )],
            ..question(
                code::LIST_BUCKET_MISSING,
                "lists",
                &["s3:ListBucket"],
                path.bucket_arn(),
            )
        },
        question(
            code::LOCATION_NOT_READABLE,
            "reads",
            &["s3:GetObject"],
            path.object_arn("_unity_catalog_probe"),
        ),
    ];
    if !read_only {
        out.push(question(
            code::LOCATION_NOT_WRITABLE,
            "writes and deletes in",
            uc::WRITE_ACTIONS,
            path.object_arn("_unity_catalog_probe"),
        ));
    }
    out
}

impl Loader {
    /// For an intent whose `compute` is `storage-credential:NAME`: the credential's name, the
    /// master role that asks (now a role of the world), and the declared credential's external
    /// id. A credential the scenario does not declare is one the plan creates.
    pub(crate) fn uc_intent_credential(
        &mut self,
        entry: &manifest::IntentEntry,
    ) -> Option<(String, String, Option<String>)> {
        let name = entry
            .compute
            .get_ref()
            .strip_prefix("storage-credential:")?;
        let declared = self.world.unity_catalog.credentials.get(name).cloned();
        let master_role = declared.as_ref().map_or_else(
            || uc::MASTER_ROLE_COMMERCIAL.to_owned(),
            |credential| credential.master_role.clone(),
        );
        self.uc_master_role(&master_role, span_of(&entry.compute));
        Some((
            name.to_owned(),
            master_role,
            declared.map(|credential| credential.external_id),
        ))
    }
}
