//! The world read from a plan, gathered per entity (a role and the inline policies other
//! resources attach to it), then written as a manifest whose every table says, in a comment,
//! the resource address it comes from.

use super::base::Base;
use super::{Converted, Warning};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A policy document and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Doc {
    pub(crate) text: String,
    /// `plan.json (terraform: aws_iam_role.x assume_role_policy)`: see [`super::origin`].
    pub(crate) origin: String,
}

#[derive(Default)]
pub(crate) struct Principal {
    pub(crate) address: String,
    /// The scenario's table this adds to, when the plan does not define the entity itself.
    pub(crate) base: Option<toml::Table>,
    pub(crate) trust: Option<Doc>,
    pub(crate) policies: Vec<Doc>,
    pub(crate) managed: Vec<String>,
    pub(crate) boundary: Option<String>,
    pub(crate) groups: Vec<String>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) max_session_duration: Option<u64>,
}

#[derive(Default)]
pub(crate) struct BucketOut {
    pub(crate) address: String,
    /// The scenario's table this adds to, when the plan does not define the entity itself.
    pub(crate) base: Option<toml::Table>,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) policy: Option<Doc>,
    pub(crate) ownership: Option<String>,
    pub(crate) encryption: Option<String>,
    pub(crate) bucket_key: bool,
    pub(crate) block_public_access: Option<[bool; 4]>,
}

#[derive(Default)]
pub(crate) struct KeyOut {
    pub(crate) address: String,
    /// The scenario's table this adds to, when the plan does not define the entity itself.
    pub(crate) base: Option<toml::Table>,
    pub(crate) policy: Option<Doc>,
    pub(crate) aliases: Vec<String>,
    /// Grants as TOML inline tables.
    pub(crate) grants: Vec<String>,
}

#[derive(Default)]
pub(crate) struct StreamOut {
    pub(crate) address: String,
    /// The scenario's table this adds to, when the plan does not define the entity itself.
    pub(crate) base: Option<toml::Table>,
    pub(crate) policy: Option<Doc>,
    pub(crate) key: Option<String>,
    /// Registered consumers: (address, ARN).
    pub(crate) consumers: Vec<(String, String)>,
}

#[derive(Default)]
pub(crate) struct CatalogOut {
    pub(crate) address: String,
    /// The scenario's table this adds to, when the plan does not define the entity itself.
    pub(crate) base: Option<toml::Table>,
    pub(crate) policy: Option<Doc>,
    pub(crate) admins: Vec<String>,
    pub(crate) iam_allowed_by_default: Option<bool>,
    /// `Parameters.CROSS_ACCOUNT_VERSION` of the data lake settings.
    pub(crate) cross_account_version: Option<u64>,
    /// The application integration settings, as the manifest keys they become.
    pub(crate) external_engines: Vec<String>,
    /// LF-Tags on databases, tables and columns, attached by [`super::lf_tags::attach`].
    pub(crate) tagged: Vec<super::lf_tags::Tagging>,
    /// Sub-tables (`[[catalog.database]]` ...) already written, with their addresses.
    pub(crate) tables: Vec<(String, String)>,
}

#[derive(Default)]
pub(crate) struct ShareOut {
    pub(crate) address: String,
    pub(crate) name: String,
    pub(crate) owner: String,
    pub(crate) allow_external_principals: bool,
    pub(crate) resources: Vec<String>,
    pub(crate) principals: Vec<String>,
    pub(crate) accepted: Vec<String>,
}

/// A cluster or job: its settings files as the service's API prints them.
#[derive(Default)]
pub(crate) struct ComputeOut {
    pub(crate) address: String,
    pub(crate) name: String,
    /// By the manifest key that names the file (`databricks_cluster`, `emr_cluster`,
    /// `security_configuration`, `glue_job`).
    pub(crate) settings: Vec<(&'static str, Value)>,
    pub(crate) mounts: Vec<Value>,
    /// Who launches it: the role the provider assumes, kept when it is a role of the plan.
    pub(crate) deployed_by: Option<String>,
    /// The steps' runtime role, kept from the scenario's compute of the same name.
    pub(crate) runtime_role: Option<String>,
    /// The steps' exports (`emr_steps`), kept from the scenario's compute of the same name.
    pub(crate) emr_steps: Option<String>,
    pub(crate) databricks: bool,
}

#[derive(Default)]
pub(crate) struct AccountOut {
    pub(crate) address: String,
    /// The scenario's table this adds to, when the plan does not define the entity itself.
    pub(crate) base: Option<toml::Table>,
    pub(crate) block_public_access: Option<[bool; 4]>,
    pub(crate) scps: Vec<Doc>,
    pub(crate) rcps: Vec<Doc>,
}

/// Everything read so far.
pub(crate) struct Out {
    pub(crate) plan_name: String,
    pub(crate) roles: BTreeMap<String, Principal>,
    pub(crate) users: BTreeMap<String, Principal>,
    pub(crate) groups: BTreeMap<String, Principal>,
    pub(crate) managed: BTreeMap<String, (String, Doc)>,
    pub(crate) profiles: BTreeMap<String, (String, String)>,
    pub(crate) buckets: BTreeMap<String, BucketOut>,
    /// By the access point's ARN.
    pub(crate) access_points: BTreeMap<String, super::access_point::AccessPointOut>,
    pub(crate) accounts: BTreeMap<String, AccountOut>,
    pub(crate) keys: BTreeMap<String, KeyOut>,
    pub(crate) streams: BTreeMap<String, StreamOut>,
    /// By `(account, region)`.
    pub(crate) catalogs: BTreeMap<(String, String), CatalogOut>,
    /// By the share's ARN (or its placeholder).
    pub(crate) shares: BTreeMap<String, ShareOut>,
    /// By the cluster's id (or its placeholder).
    pub(crate) computes: BTreeMap<String, ComputeOut>,
    /// Organization policies by id or placeholder: (address, type, document).
    pub(crate) org_policies: BTreeMap<String, (String, String, Doc)>,
    pub(crate) warnings: Vec<Warning>,
    /// The Databricks workspace's cross-account role (`databricks_mws_credentials`).
    pub(crate) deployer: Option<String>,
    /// EMR security configurations as `describe-security-configuration` prints them, by name.
    pub(crate) emr_security: BTreeMap<String, Value>,
    /// Unity Catalog credentials, locations and metastores.
    pub(crate) unity: super::unity::UnityOut,
    /// The scenario the plan is merged over, if any.
    pub(crate) base: Base,
    /// The scenario's tables the plan replaces or adds to: blanked in its text.
    pub(crate) replaced: Vec<std::ops::Range<usize>>,
}

/// Up to three addresses, and how many more.
pub(crate) fn few<S: AsRef<str>>(addresses: &[S]) -> String {
    let mut shown: Vec<&str> = addresses.iter().take(3).map(AsRef::as_ref).collect();
    let more = addresses.len().saturating_sub(3);
    let more_text = format!("and {more} more");
    if more > 0 {
        shown.push(&more_text);
    }
    shown.join(", ")
}

/// A TOML string, quoted and escaped by the TOML library.
pub(crate) fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

pub(crate) fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

fn doc(doc: &Doc) -> String {
    format!(
        "{{ inline = {}, origin = {} }}",
        quote(&doc.text),
        quote(&doc.origin)
    )
}

fn switches(values: [bool; 4]) -> String {
    let [acls, ignore, policy, restrict] = values;
    format!("{{ BlockPublicAcls = {acls}, IgnorePublicAcls = {ignore}, BlockPublicPolicy = {policy}, RestrictPublicBuckets = {restrict} }}")
}

/// A manifest being written, with the address of each table.
struct Writer {
    text: String,
    ranges: Vec<(std::ops::Range<usize>, String)>,
}

impl Writer {
    /// A table with its sub-tables (`[[catalog.grant]]` blocks, each with its address), added
    /// to the scenario's `base` table when there is one: lists are extended, other values
    /// replaced.
    fn entity(
        &mut self,
        address: &str,
        header: &str,
        base: Option<&toml::Table>,
        lines: &[String],
        subtables: &[(String, String)],
    ) {
        let Some(base) = base else {
            self.table(address, header, lines);
            for (address, block) in subtables {
                let start = self.text.len();
                let _ = writeln!(self.text, "# {address}\n{block}");
                self.ranges.push((start..self.text.len(), address.clone()));
            }
            return;
        };
        let mut text = format!("[[{header}]]\n{}\n", lines.join("\n"));
        for (_, block) in subtables {
            text.push_str(block);
            text.push('\n');
        }
        let extra = toml::from_str::<toml::Table>(&text)
            .ok()
            .and_then(|mut table| table.remove(header.split('.').next().unwrap_or(header)))
            .and_then(|value| match value {
                toml::Value::Array(items) => items.into_iter().next(),
                _ => None,
            })
            .and_then(|value| match value {
                toml::Value::Table(table) => Some(table),
                _ => None,
            })
            .unwrap_or_default();
        let mut merged = base.clone();
        for (key, value) in extra {
            match (merged.get_mut(&key), value) {
                (Some(toml::Value::Array(items)), toml::Value::Array(more)) => {
                    for item in more {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                }
                (_, value) => {
                    merged.insert(key, value);
                }
            }
        }
        let mut wrapper = toml::Table::new();
        wrapper.insert(
            header.to_owned(),
            toml::Value::Array(vec![toml::Value::Table(merged)]),
        );
        let start = self.text.len();
        let _ = write!(
            self.text,
            "\n# {address} (added to the scenario's table)\n{}",
            toml::to_string(&wrapper).unwrap_or_default()
        );
        self.ranges
            .push((start..self.text.len(), address.to_owned()));
    }

    /// A table written whole (`[[metastore]]` and its lines).
    fn block(&mut self, address: &str, block: &str) {
        let start = self.text.len();
        let _ = writeln!(self.text, "\n# {address}\n{block}");
        self.ranges
            .push((start..self.text.len(), address.to_owned()));
    }

    fn table(&mut self, address: &str, header: &str, lines: &[String]) {
        let start = self.text.len();
        let _ = writeln!(self.text, "\n# {address}\n[[{header}]]");
        for line in lines {
            let _ = writeln!(self.text, "{line}");
        }
        self.ranges
            .push((start..self.text.len(), address.to_owned()));
    }
}

impl Out {
    pub(crate) fn new(plan_name: &str) -> Self {
        Self {
            plan_name: plan_name.to_owned(),
            roles: BTreeMap::new(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            managed: BTreeMap::new(),
            profiles: BTreeMap::new(),
            buckets: BTreeMap::new(),
            access_points: BTreeMap::new(),
            accounts: BTreeMap::new(),
            keys: BTreeMap::new(),
            streams: BTreeMap::new(),
            catalogs: BTreeMap::new(),
            shares: BTreeMap::new(),
            computes: BTreeMap::new(),
            org_policies: BTreeMap::new(),
            warnings: Vec::new(),
            deployer: None,
            emr_security: BTreeMap::new(),
            unity: super::unity::UnityOut::default(),
            base: Base::default(),
            replaced: Vec::new(),
        }
    }

    /// The plan's entry for account `id`, made on first use (over the scenario's, if any).
    pub(crate) fn account(&mut self, id: &str, address: &str) -> &mut AccountOut {
        let base = self
            .base
            .get("account", id)
            .map(|entry| entry.table.clone());
        self.accounts
            .entry(id.to_owned())
            .or_insert_with(|| AccountOut {
                address: address.to_owned(),
                base,
                ..AccountOut::default()
            })
    }

    pub(crate) fn warn(&mut self, address: &str, message: String) {
        self.warnings.push(Warning {
            address: address.to_owned(),
            message,
        });
    }

    /// A document written at `attribute` of the resource at `address`.
    pub(crate) fn doc(&self, address: &str, attribute: &str, text: String) -> Doc {
        Doc {
            text,
            origin: super::origin_name(&self.plan_name, address, attribute),
        }
    }

    /// The ranges of the scenario's tables that the plan's entities replace or add to.
    fn replaced_ranges(&self) -> Vec<std::ops::Range<usize>> {
        let mut identities: Vec<(&str, String)> = Vec::new();
        identities.extend(self.accounts.keys().map(|id| ("account", id.clone())));
        identities.extend(
            self.managed
                .keys()
                .map(|arn| ("managed_policy", arn.clone())),
        );
        identities.extend(self.roles.keys().map(|arn| ("role", arn.clone())));
        identities.extend(self.users.keys().map(|arn| ("user", arn.clone())));
        identities.extend(self.groups.keys().map(|arn| ("group", arn.clone())));
        identities.extend(
            self.profiles
                .keys()
                .map(|arn| ("instance_profile", arn.clone())),
        );
        identities.extend(self.buckets.keys().map(|name| ("bucket", name.clone())));
        identities.extend(
            self.access_points
                .keys()
                .map(|arn| ("access_point", arn.clone())),
        );
        identities.extend(self.keys.keys().map(|arn| ("key", arn.clone())));
        identities.extend(self.streams.keys().map(|arn| ("stream", arn.clone())));
        identities.extend(
            self.catalogs
                .keys()
                .map(|(account, region)| ("catalog", format!("{account}/{region}"))),
        );
        identities.extend(
            self.shares
                .values()
                .map(|share| ("share", share.name.clone())),
        );
        identities.extend(
            self.computes
                .values()
                .map(|compute| ("compute", compute.name.clone())),
        );
        identities.extend(self.unity.identities());
        let mut ranges = self.replaced.clone();
        ranges.extend(
            identities
                .iter()
                .filter_map(|(kind, id)| self.base.get(kind, id))
                .map(|entry| entry.range.clone()),
        );
        ranges
    }

    /// The manifest.
    pub(crate) fn finish(self) -> Converted {
        let replaced = self.replaced_ranges();
        let mut writer = Writer {
            text: format!(
                "# Generated by `xacct import --terraform` from {}: one table per Terraform resource, its address in the comment above it.\n",
                self.plan_name
            ),
            ranges: Vec::new(),
        };
        for (id, account) in &self.accounts {
            let mut lines = vec![format!("id = {}", quote(id))];
            if let Some(values) = account.block_public_access {
                lines.push(format!("block_public_access = {}", switches(values)));
            }
            if !account.scps.is_empty() {
                let docs: Vec<String> = account.scps.iter().map(doc).collect();
                lines.push(format!("scps = [{}]", docs.join(", ")));
            }
            if !account.rcps.is_empty() {
                let docs: Vec<String> = account.rcps.iter().map(doc).collect();
                lines.push(format!("rcps = [{}]", docs.join(", ")));
            }
            writer.entity(
                &account.address,
                "account",
                account.base.as_ref(),
                &lines,
                &[],
            );
        }
        for (arn, (address, document)) in &self.managed {
            writer.table(
                address,
                "managed_policy",
                &[
                    format!("arn = {}", quote(arn)),
                    format!("document = {}", doc(document)),
                ],
            );
        }
        for (arn, role) in &self.roles {
            let mut lines = vec![format!("arn = {}", quote(arn))];
            if let Some(trust) = &role.trust {
                lines.push(format!("trust = {}", doc(trust)));
            }
            principal_lines(role, &self.managed, &mut lines);
            if let Some(seconds) = role.max_session_duration {
                lines.push(format!("max_session_duration = {seconds}"));
            }
            writer.entity(&role.address, "role", role.base.as_ref(), &lines, &[]);
        }
        for (arn, group) in &self.groups {
            let mut lines = vec![format!("arn = {}", quote(arn))];
            principal_lines(group, &self.managed, &mut lines);
            writer.entity(&group.address, "group", group.base.as_ref(), &lines, &[]);
        }
        for (arn, user) in &self.users {
            let mut lines = vec![format!("arn = {}", quote(arn))];
            principal_lines(user, &self.managed, &mut lines);
            if !user.groups.is_empty() {
                lines.push(format!("groups = {}", list(&user.groups)));
            }
            writer.entity(&user.address, "user", user.base.as_ref(), &lines, &[]);
        }
        for (arn, (address, role)) in &self.profiles {
            writer.table(
                address,
                "instance_profile",
                &[
                    format!("arn = {}", quote(arn)),
                    format!("role = {}", quote(role)),
                ],
            );
        }
        for (name, bucket) in &self.buckets {
            let mut lines = vec![
                format!("name = {}", quote(name)),
                format!("account = {}", quote(&bucket.account)),
                format!("region = {}", quote(&bucket.region)),
            ];
            if let Some(policy) = &bucket.policy {
                lines.push(format!("policy = {}", doc(policy)));
            }
            if let Some(ownership) = &bucket.ownership {
                lines.push(format!("ownership = {}", quote(ownership)));
            }
            if let Some(encryption) = &bucket.encryption {
                lines.push(format!("encryption = {}", quote(encryption)));
            }
            if bucket.bucket_key {
                lines.push("bucket_key = true".to_owned());
            }
            if let Some(values) = bucket.block_public_access {
                lines.push(format!("block_public_access = {}", switches(values)));
            }
            writer.entity(&bucket.address, "bucket", bucket.base.as_ref(), &lines, &[]);
        }
        for point in self.access_points.values() {
            if let Some(base) = &point.base {
                // The scenario's access point, with the policy the plan attaches.
                let lines: Vec<String> = point
                    .policy
                    .iter()
                    .map(|policy| format!("policy = {}", doc(policy)))
                    .collect();
                writer.entity(&point.address, "access_point", Some(base), &lines, &[]);
                continue;
            }
            let mut lines = vec![
                format!("name = {}", quote(&point.name)),
                format!("account = {}", quote(&point.account)),
                format!("bucket = {}", quote(&point.bucket)),
                format!("region = {}", quote(&point.region)),
            ];
            if let Some(vpc) = &point.vpc_id {
                lines.push("network_origin = \"VPC\"".to_owned());
                lines.push(format!("vpc_id = {}", quote(vpc)));
            }
            if let Some(values) = point.block_public_access {
                lines.push(format!("block_public_access = {}", switches(values)));
            }
            if let Some(policy) = &point.policy {
                lines.push(format!("policy = {}", doc(policy)));
            }
            writer.table(&point.address, "access_point", &lines);
        }
        for (arn, key) in &self.keys {
            let mut lines = vec![format!("arn = {}", quote(arn))];
            if let Some(policy) = &key.policy {
                lines.push(format!("policy = {}", doc(policy)));
            }
            if !key.aliases.is_empty() {
                lines.push(format!("aliases = {}", list(&key.aliases)));
            }
            if !key.grants.is_empty() {
                lines.push(format!("grant = [{}]", key.grants.join(", ")));
            }
            writer.entity(&key.address, "key", key.base.as_ref(), &lines, &[]);
        }
        for (arn, stream) in &self.streams {
            let mut lines = vec![format!("arn = {}", quote(arn))];
            if let Some(policy) = &stream.policy {
                lines.push(format!("policy = {}", doc(policy)));
            }
            if let Some(key) = &stream.key {
                lines.push(format!("encryption_key = {}", quote(key)));
            }
            let consumers: Vec<(String, String)> = stream
                .consumers
                .iter()
                .map(|(address, arn)| {
                    (
                        address.clone(),
                        format!("[[stream.consumer]]\narn = {}", quote(arn)),
                    )
                })
                .collect();
            writer.entity(
                &stream.address,
                "stream",
                stream.base.as_ref(),
                &lines,
                &consumers,
            );
        }
        for ((account, region), catalog) in &self.catalogs {
            let mut lines = vec![
                format!("account = {}", quote(account)),
                format!("region = {}", quote(region)),
            ];
            if let Some(policy) = &catalog.policy {
                lines.push(format!("policy = {}", doc(policy)));
            }
            if !catalog.admins.is_empty() {
                lines.push(format!("admins = {}", list(&catalog.admins)));
            }
            if let Some(default) = catalog.iam_allowed_by_default {
                lines.push(format!("iam_allowed_by_default = {default}"));
            }
            if let Some(version) = catalog.cross_account_version {
                lines.push(format!("cross_account_version = {version}"));
            }
            lines.extend(catalog.external_engines.iter().cloned());
            writer.entity(
                &catalog.address,
                "catalog",
                catalog.base.as_ref(),
                &lines,
                &catalog.tables,
            );
        }
        for share in self.shares.values() {
            let mut lines = vec![
                format!("name = {}", quote(&share.name)),
                format!("owner = {}", quote(&share.owner)),
                format!("resources = {}", list(&share.resources)),
                format!("principals = {}", list(&share.principals)),
            ];
            if share.allow_external_principals {
                lines.push("allow_external_principals = true".to_owned());
            }
            if !share.accepted.is_empty() {
                let accepted: Vec<String> = share
                    .accepted
                    .iter()
                    .map(|account| format!("{} = \"ACCEPTED\"", quote(account)))
                    .collect();
                lines.push(format!("invitations = {{ {} }}", accepted.join(", ")));
            }
            writer.table(&share.address, "share", &lines);
        }
        for (address, block) in self.unity.blocks() {
            writer.block(&address, &block);
        }
        let mut files = BTreeMap::new();
        for compute in self.computes.values() {
            let stem = file_stem(&compute.address);
            let mut lines = vec![format!("name = {}", quote(&compute.name))];
            for (key, content) in &compute.settings {
                let path = format!("terraform/{stem}.{key}.json");
                lines.push(format!("{key} = {}", quote(&path)));
                files.insert(
                    path,
                    serde_json::to_string_pretty(content).unwrap_or_default(),
                );
            }
            let deployer = if compute.databricks {
                self.deployer.as_ref()
            } else {
                compute
                    .deployed_by
                    .as_ref()
                    .filter(|role| self.roles.contains_key(*role))
            };
            if let Some(role) = deployer {
                lines.push(format!("deployed_by = {}", quote(role)));
            }
            if let Some(role) = &compute.runtime_role {
                lines.push(format!("runtime_role = {}", quote(role)));
            }
            if let Some(steps) = &compute.emr_steps {
                lines.push(format!("emr_steps = {}", quote(steps)));
            }
            if !compute.mounts.is_empty() {
                let mounts_path = format!("terraform/{stem}.mounts.json");
                lines.push(format!("mounts = {}", quote(&mounts_path)));
                files.insert(
                    mounts_path,
                    serde_json::to_string_pretty(&compute.mounts).unwrap_or_default(),
                );
            }
            writer.entity(&compute.address, "compute", None, &lines, &[]);
        }
        Converted {
            manifest: writer.text,
            files,
            warnings: self.warnings,
            ranges: writer.ranges,
            resources: 0,
            replaced,
        }
    }
}

/// The policies, managed policies, boundary and tags of a role, user or group.
fn principal_lines(
    principal: &Principal,
    managed: &BTreeMap<String, (String, Doc)>,
    lines: &mut Vec<String>,
) {
    if !principal.policies.is_empty() {
        let docs: Vec<String> = principal.policies.iter().map(doc).collect();
        lines.push(format!("policies = [{}]", docs.join(", ")));
    }
    if !principal.managed.is_empty() {
        lines.push(format!("managed = {}", list(&principal.managed)));
    }
    // The manifest takes the boundary's document; the plan names it by ARN.
    if let Some((_, document)) = principal.boundary.as_ref().and_then(|arn| managed.get(arn)) {
        lines.push(format!("boundary = {}", doc(document)));
    }
    if !principal.tags.is_empty() {
        let tags: Vec<String> = principal
            .tags
            .iter()
            .map(|(key, value)| format!("{} = {}", quote(key), quote(value)))
            .collect();
        lines.push(format!("tags = {{ {} }}", tags.join(", ")));
    }
}

/// A file name for a resource address: letters, digits, `-`, `_` and `.` only.
pub(crate) fn file_stem(address: &str) -> String {
    address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_plain_file_names() {
        assert_eq!(
            file_stem("module.x[\"a/b\"].databricks_cluster.etl"),
            "module.x__a_b__.databricks_cluster.etl"
        );
        assert!(!file_stem("../../etc").contains('/'));
    }

    #[test]
    fn few_counts_the_rest() {
        assert_eq!(few(&["a", "b"]), "a, b");
        assert_eq!(few(&["a", "b", "c", "d", "e"]), "a, b, c, and 2 more");
    }
}
