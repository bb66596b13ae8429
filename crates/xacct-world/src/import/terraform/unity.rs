//! Databricks Unity Catalog: storage and service credentials, external locations, metastores
//! and their catalogs, written as the `[[storage_credential]]`, `[[service_credential]]`,
//! `[[external_location]]` and `[[metastore]]` tables of the manifest (docs/scenario-format.md,
//! "Unity Catalog"). Attribute names from the Databricks provider's documentation
//! (`databricks_storage_credential`, `databricks_credential`, `databricks_external_location`,
//! `databricks_metastore`, `databricks_metastore_data_access`, `databricks_catalog`).
//!
//! A credential is assumed by the Unity Catalog master role with the Databricks account id as
//! external id, so the account id is needed: the databricks provider's `account_id` (or
//! `--account-of databricks=ID`); a credential without one is a warning naming it, and is left
//! out rather than checked against a guessed external id.

use super::emit::{quote, Out};
use super::plan::Resource;
use super::resolve::Resolver;
use serde_json::Value;
use std::collections::BTreeMap;

/// A metastore of the plan: its table and its catalogs, written at the end.
#[derive(Default)]
pub(crate) struct MetastoreOut {
    pub(crate) address: String,
    pub(crate) name: String,
    /// The id the plan knows, if any (else only references find it).
    pub(crate) id: Option<String>,
    pub(crate) lines: Vec<String>,
    pub(crate) credential: Option<String>,
    /// `[[metastore.catalog]]` blocks with their addresses.
    pub(crate) catalogs: Vec<(String, String)>,
}

/// Everything Unity Catalog of the plan: tables by address, metastores by address.
#[derive(Default)]
pub(crate) struct UnityOut {
    pub(crate) tables: Vec<(String, String)>,
    /// What the tables define, by manifest kind and name: they replace the scenario's.
    pub(crate) names: Vec<(&'static str, String)>,
    pub(crate) metastores: BTreeMap<String, MetastoreOut>,
}

impl UnityOut {
    /// The scenario entries the plan's tables replace: `(kind, name)`.
    pub(crate) fn identities(&self) -> Vec<(&'static str, String)> {
        let mut identities = self.names.clone();
        identities.extend(
            self.metastores
                .values()
                .map(|metastore| ("metastore", metastore.name.clone())),
        );
        identities
    }

    /// The tables to write, each with the address it comes from.
    pub(crate) fn blocks(&self) -> Vec<(String, String)> {
        let mut blocks = self.tables.clone();
        for metastore in self.metastores.values() {
            let mut lines = metastore.lines.clone();
            if let Some(credential) = &metastore.credential {
                lines.push(format!("credential = {}", quote(credential)));
            }
            blocks.push((
                metastore.address.clone(),
                format!("[[metastore]]\n{}", lines.join("\n")),
            ));
            blocks.extend(metastore.catalogs.iter().cloned());
        }
        blocks
    }
}

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "databricks_storage_credential" => {
            credential(out, resolver, resource, "storage_credential");
        }
        "databricks_credential" => match resource.text("purpose") {
            Some("STORAGE") => credential(out, resolver, resource, "storage_credential"),
            Some("SERVICE") => credential(out, resolver, resource, "service_credential"),
            other => out.warn(
                &resource.address,
                format!(
                    "{} has purpose {}, which xacct does not read (STORAGE or SERVICE): left out",
                    resource.address,
                    other.map_or_else(|| "unknown until apply".to_owned(), quote)
                ),
            ),
        },
        "databricks_external_location" => location(out, resolver, resource),
        "databricks_metastore" => metastore(out, resource),
        "databricks_metastore_data_access" => data_access(out, resolver, resource),
        "databricks_catalog" => catalog(out, resolver, resource),
        _ => return false,
    }
    true
}

/// The resource's `name`, or a warning that it is known only after apply.
fn named<'a>(out: &mut Out, resource: &'a Resource) -> Option<&'a str> {
    let name = resource.text("name");
    if name.is_none() {
        out.warn(
            &resource.address,
            format!(
                "the name of {} is known only after apply: left out",
                resource.address
            ),
        );
    }
    name
}

/// `read_only = true` when the resource says so.
fn read_only(resource: &Resource, lines: &mut Vec<String>) {
    if resource.values.get("read_only").and_then(Value::as_bool) == Some(true) {
        lines.push("read_only = true".to_owned());
    }
}

/// The lines of a credential table, or `None` (with a warning) when it cannot be checked.
fn credential_lines(
    out: &mut Out,
    resolver: &Resolver<'_>,
    resource: &Resource,
    name: &str,
) -> Option<Vec<String>> {
    let Some(role) = resolver.nested(resource, "aws_iam_role", "role_arn") else {
        out.warn(
            &resource.address,
            format!(
                "the role of {} (`aws_iam_role.role_arn`) is known only after apply: the credential is left out",
                resource.address
            ),
        );
        return None;
    };
    let Some(account) = resource.account.clone() else {
        out.warn(
            &resource.address,
            format!(
                "the Databricks account id of {} is not known (the master role assumes its role with it as external id): give the databricks provider `account_id`, or `--account-of databricks=ACCOUNT_ID`; the credential is left out",
                resource.address
            ),
        );
        return None;
    };
    let mut lines = vec![
        format!("name = {}", quote(name)),
        format!("role = {}", quote(&role)),
        format!("databricks_account_id = {}", quote(&account)),
    ];
    // Databricks sets the external id itself (the account id): read it when the plan knows it.
    if let Some(external) = resource
        .block("aws_iam_role")
        .and_then(|block| block.get("external_id"))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && *id != account)
    {
        lines.push(format!("external_id = {}", quote(external)));
    }
    read_only(resource, &mut lines);
    Some(lines)
}

fn credential(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource, table: &'static str) {
    let Some(name) = named(out, resource) else {
        return;
    };
    if let Some(lines) = credential_lines(out, resolver, resource, name) {
        out.unity.names.push((table, name.to_owned()));
        out.unity.tables.push((
            resource.address.clone(),
            format!("[[{table}]]\n{}", lines.join("\n")),
        ));
    }
}

fn location(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let (Some(name), Some(url), Some(credential)) = (
        resource.text("name"),
        resolver.text(resource, "url"),
        resolver.text(resource, "credential_name"),
    ) else {
        out.warn(
            &resource.address,
            format!(
                "the name, url or credential_name of {} is known only after apply: left out",
                resource.address
            ),
        );
        return;
    };
    let mut lines = vec![
        format!("name = {}", quote(name)),
        format!("url = {}", quote(&url)),
        format!("credential = {}", quote(&credential)),
    ];
    read_only(resource, &mut lines);
    out.unity.names.push(("external_location", name.to_owned()));
    out.unity.tables.push((
        resource.address.clone(),
        format!("[[external_location]]\n{}", lines.join("\n")),
    ));
}

fn metastore(out: &mut Out, resource: &Resource) {
    let name = resource.text("name").unwrap_or(&resource.address);
    let mut lines = vec![format!("name = {}", quote(name))];
    if let Some(root) = resource.text("storage_root") {
        lines.push(format!("storage_root = {}", quote(root)));
    }
    out.unity.metastores.insert(
        resource.address.clone(),
        MetastoreOut {
            address: resource.address.clone(),
            name: name.to_owned(),
            id: resource.text("id").map(str::to_owned),
            lines,
            ..MetastoreOut::default()
        },
    );
}

/// The metastore a resource names in `metastore_id` (by reference or by its known id), or the
/// plan's only metastore when it names none.
fn metastore_of<'a>(
    out: &'a mut Out,
    resolver: &Resolver<'_>,
    resource: &Resource,
) -> Option<&'a mut MetastoreOut> {
    let by_reference = resource
        .references(&["metastore_id"])
        .iter()
        .find_map(|reference| resolver.target(resource, reference))
        .map(|(target, _)| target.address.clone());
    let id = resource.text("metastore_id");
    let only = (out.unity.metastores.len() == 1 && id.is_none())
        .then(|| out.unity.metastores.keys().next().cloned())
        .flatten();
    let address = by_reference.or(only).or_else(|| {
        out.unity
            .metastores
            .values()
            .find(|metastore| metastore.id.is_some() && metastore.id.as_deref() == id)
            .map(|metastore| metastore.address.clone())
    })?;
    out.unity.metastores.get_mut(&address)
}

fn data_access(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(name) = named(out, resource) else {
        return;
    };
    let Some(lines) = credential_lines(out, resolver, resource, name) else {
        return;
    };
    out.unity
        .names
        .push(("storage_credential", name.to_owned()));
    out.unity.tables.push((
        resource.address.clone(),
        format!("[[storage_credential]]\n{}", lines.join("\n")),
    ));
    let name = name.to_owned();
    match metastore_of(out, resolver, resource) {
        Some(metastore) => metastore.credential = Some(name),
        None => out.warn(
            &resource.address,
            format!(
                "{} names no metastore of the plan: its credential is read, but no metastore's storage root is checked with it",
                resource.address
            ),
        ),
    }
}

fn catalog(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(name) = named(out, resource) else {
        return;
    };
    let Some(root) = resource.text("storage_root") else {
        // A catalog without its own storage keeps managed tables in the metastore's root,
        // which the metastore's credential is checked on: nothing more to check.
        return;
    };
    let block = format!(
        "[[metastore.catalog]]\nname = {}\nstorage_root = {}",
        quote(name),
        quote(root)
    );
    let address = resource.address.clone();
    match metastore_of(out, resolver, resource) {
        Some(metastore) => metastore.catalogs.push((address, block)),
        None => out.warn(
            &address,
            format!(
                "{address} has a storage_root but names no metastore of the plan: declare the metastore in the scenario; the catalog is left out"
            ),
        ),
    }
}
