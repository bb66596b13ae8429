//! The documents that differ between two worlds, each with what it can affect: a role's trust
//! and own policies affect requests it makes and AssumeRoles into it, a bucket policy affects
//! that bucket, an SCP the principals of its accounts, an RCP the resources of its accounts,
//! Lake Formation grants the tables. Documents are compared by their text as written (or, for
//! generated ones, by their parsed form), so a document that moved in its file is not a change.

use super::questions::Subject;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::AccountId;
use xacct_world::World;

/// What a changed document can change: the requests it takes part in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Affects {
    /// Requests this role or user makes, and AssumeRoles into it.
    Principal { arn: String },
    /// Requests every principal of the account makes (its SCPs).
    PrincipalsOf { account: AccountId },
    /// Requests on resources of the account, AssumeRoles into its roles included (its RCPs,
    /// its Block Public Access).
    ResourcesOf { account: AccountId },
    /// Requests on one resource.
    Resource { subject: Subject },
    /// Requests on the Glue Data Catalog of an account in a Region (its resource policy).
    Catalog { account: AccountId, region: String },
    /// Requests on every table (Lake Formation grants and settings, RAM shares).
    Lake,
    /// What a compute entry reads through the credentials Lake Formation vends to it (its
    /// engine settings decide whether it asks, and as which role).
    Compute { name: String },
    /// Any request (the organization's structure, the accounts it has).
    Everything,
}

/// How a document changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// One document that differs between the two worlds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// What it is, as a reviewer names it: `trust policy of arn:aws:iam::1:role/r`.
    pub name: String,
    pub change: ChangeKind,
    /// Where it is written, `file:line:column` (in the world after the change, else before),
    /// when it has a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub affects: Vec<Affects>,
}

/// The same document text (or, without a source, the same parsed document).
fn same(left: &SourcedPolicy, right: &SourcedPolicy) -> bool {
    if Arc::ptr_eq(&left.policy, &right.policy) {
        return true;
    }
    match (text_of(left), text_of(right)) {
        (Some(left), Some(right)) => left == right,
        _ => left.policy == right.policy,
    }
}

fn text_of(policy: &SourcedPolicy) -> Option<&str> {
    let source = policy.source.as_ref()?;
    source
        .text()
        .get(policy.policy.span.start..policy.policy.span.end)
}

fn same_option(left: Option<&SourcedPolicy>, right: Option<&SourcedPolicy>) -> bool {
    match (left, right) {
        (Some(left), Some(right)) => same(left, right),
        (None, None) => true,
        _ => false,
    }
}

fn same_list<'a>(
    left: impl IntoIterator<Item = &'a SourcedPolicy>,
    right: impl IntoIterator<Item = &'a SourcedPolicy>,
) -> bool {
    let left: Vec<&SourcedPolicy> = left.into_iter().collect();
    let right: Vec<&SourcedPolicy> = right.into_iter().collect();
    left.len() == right.len() && left.iter().zip(&right).all(|(l, r)| same(l, r))
}

/// Where the first document of `after` that `before` does not hold is written (else the first
/// of `before` that `after` does not hold: a removed document).
fn first_difference<'a>(
    before: impl IntoIterator<Item = &'a SourcedPolicy>,
    after: impl IntoIterator<Item = &'a SourcedPolicy>,
) -> Option<String> {
    let before: Vec<&SourcedPolicy> = before.into_iter().collect();
    let after: Vec<&SourcedPolicy> = after.into_iter().collect();
    let new = |one: &[&'a SourcedPolicy], other: &[&'a SourcedPolicy]| {
        one.iter()
            .find(|policy| !other.iter().any(|held| same(policy, held)))
            .and_then(|policy| location_of(policy))
    };
    new(&after, &before).or_else(|| new(&before, &after))
}

/// `file:line:column` of a document.
fn location_of(policy: &SourcedPolicy) -> Option<String> {
    let source = policy.source.as_ref()?;
    let (line, column) = source.line_column(policy.policy.span.start);
    Some(format!("{}:{line}:{column}", source.name))
}

struct Collector {
    out: Vec<Document>,
}

impl Collector {
    fn push(
        &mut self,
        name: String,
        change: ChangeKind,
        location: Option<String>,
        affects: Affects,
    ) {
        self.out.push(Document {
            name,
            change,
            location,
            affects: vec![affects],
        });
    }

    /// Entities keyed alike in both worlds: added, removed, or compared with `compare`.
    fn keyed<'w, K: Ord + Clone, V>(
        &mut self,
        before: &'w BTreeMap<K, V>,
        after: &'w BTreeMap<K, V>,
        mut describe: impl FnMut(&K) -> (String, Affects),
        mut compare: impl FnMut(&mut Self, &K, &V, &V),
    ) {
        let keys: BTreeSet<&K> = before.keys().chain(after.keys()).collect();
        for key in keys {
            match (before.get(key), after.get(key)) {
                (Some(left), Some(right)) => compare(self, key, left, right),
                (left, _) => {
                    let (name, affects) = describe(key);
                    let change = if left.is_some() {
                        ChangeKind::Removed
                    } else {
                        ChangeKind::Added
                    };
                    self.push(name, change, None, affects);
                }
            }
        }
    }
}

/// Every document that differs between `before` and `after`, in a stable order.
pub fn between(before: &World, after: &World) -> Vec<Document> {
    let mut collect = Collector { out: Vec::new() };
    principals(&mut collect, before, after);
    resources(&mut collect, before, after);
    organization(&mut collect, before, after);
    let mut out = collect.out;
    out.sort();
    out.dedup();
    out
}

fn principals(collect: &mut Collector, before: &World, after: &World) {
    collect.keyed(
        &before.roles,
        &after.roles,
        |arn| (format!("role {arn}"), principal(arn)),
        |collect, _, left, right| {
            let affects = || principal(&right.arn);
            if !same(&left.trust, &right.trust) {
                let at = location_of(&right.trust);
                let name = format!("trust policy of {}", right.arn);
                collect.push(name, ChangeKind::Changed, at, affects());
            }
            if !same_list(&left.policies, &right.policies) {
                let at = first_difference(&left.policies, &right.policies);
                let name = format!("identity policies of {}", right.arn);
                collect.push(name, ChangeKind::Changed, at, affects());
            }
            if !same_option(left.boundary.as_ref(), right.boundary.as_ref()) {
                let at = first_difference(&left.boundary, &right.boundary);
                let name = format!("permissions boundary of {}", right.arn);
                collect.push(name, ChangeKind::Changed, at, affects());
            }
            if left.tags != right.tags
                || left.account != right.account
                || left.service_linked != right.service_linked
                || left.max_session_duration != right.max_session_duration
            {
                let name = format!("tags and settings of {}", right.arn);
                collect.push(name, ChangeKind::Changed, None, affects());
            }
        },
    );
    collect.keyed(
        &before.users,
        &after.users,
        |arn| (format!("user {arn}"), principal(arn)),
        |collect, _, left, right| {
            let affects = || principal(&right.arn);
            if !same_list(&left.policies, &right.policies) {
                let at = first_difference(&left.policies, &right.policies);
                let name = format!("identity policies of {} (its groups' included)", right.arn);
                collect.push(name, ChangeKind::Changed, at, affects());
            }
            if !same_option(left.boundary.as_ref(), right.boundary.as_ref()) {
                let at = first_difference(&left.boundary, &right.boundary);
                let name = format!("permissions boundary of {}", right.arn);
                collect.push(name, ChangeKind::Changed, at, affects());
            }
            if left.tags != right.tags || left.account != right.account {
                let name = format!("tags and settings of {}", right.arn);
                collect.push(name, ChangeKind::Changed, None, affects());
            }
        },
    );
    // An instance profile reaches what its role reaches: both roles, old and new, are touched.
    let profiles: BTreeSet<&String> = before
        .instance_profiles
        .keys()
        .chain(after.instance_profiles.keys())
        .collect();
    for arn in profiles {
        let left = before
            .instance_profiles
            .get(arn)
            .map(|profile| &profile.role);
        let right = after
            .instance_profiles
            .get(arn)
            .map(|profile| &profile.role);
        if left == right {
            continue;
        }
        let change = match (left, right) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        collect.out.push(Document {
            name: format!("instance profile {arn}"),
            change,
            location: None,
            affects: left
                .into_iter()
                .chain(right)
                .map(|role| principal(role))
                .collect(),
        });
    }
}

fn principal(arn: &str) -> Affects {
    Affects::Principal {
        arn: arn.to_owned(),
    }
}

fn resources(collect: &mut Collector, before: &World, after: &World) {
    let bucket = |name: &String| Affects::Resource {
        subject: Subject::Bucket { name: name.clone() },
    };
    collect.keyed(
        &before.buckets,
        &after.buckets,
        |name| (format!("bucket {name}"), bucket(name)),
        |collect, _, left, right| {
            if !same_option(left.policy.as_ref(), right.policy.as_ref()) {
                let at = first_difference(&left.policy, &right.policy);
                let change = presence(left.policy.as_ref(), right.policy.as_ref());
                let name = format!("bucket policy of {}", right.name);
                collect.push(name, change, at, bucket(&right.name));
            }
            if left.block_public_access != right.block_public_access
                || left.ownership != right.ownership
                || left.encryption != right.encryption
                || left.account != right.account
                || left.region != right.region
            {
                let name = format!("settings of bucket {}", right.name);
                let at = declared_at(&right.origin);
                collect.push(name, ChangeKind::Changed, at, bucket(&right.name));
            }
        },
    );
    // An access point's policy and network origin decide who reaches its bucket's data
    // through it: a change is a change of the bucket's answers.
    let served = |world: &World, arn: &String| {
        world
            .access_points
            .get(arn)
            .map(|access_point| bucket(&access_point.bucket))
    };
    collect.keyed(
        &before.access_points,
        &after.access_points,
        |arn| {
            let affects = served(after, arn)
                .or_else(|| served(before, arn))
                .unwrap_or(Affects::Everything);
            (format!("access point {arn}"), affects)
        },
        |collect, arn, left, right| {
            if !same_option(left.policy.as_ref(), right.policy.as_ref()) {
                let at = first_difference(&left.policy, &right.policy);
                let change = presence(left.policy.as_ref(), right.policy.as_ref());
                let name = format!("access point policy of {arn}");
                collect.push(name, change, at, bucket(&right.bucket));
            }
            if left.network_origin != right.network_origin
                || left.block_public_access != right.block_public_access
                || left.bucket != right.bucket
                || left.alias != right.alias
            {
                let name = format!("settings of access point {arn}");
                collect.push(name, ChangeKind::Changed, None, bucket(&right.bucket));
                if left.bucket != right.bucket {
                    let name = format!("bucket of access point {arn}");
                    collect.push(name, ChangeKind::Changed, None, bucket(&left.bucket));
                }
            }
        },
    );
    let key = |arn: &String| Affects::Resource {
        subject: Subject::Key { arn: arn.clone() },
    };
    collect.keyed(
        &before.keys,
        &after.keys,
        |arn| (format!("key {arn}"), key(arn)),
        |collect, _, left, right| {
            if !same_option(left.policy.as_ref(), right.policy.as_ref()) {
                let at = first_difference(&left.policy, &right.policy);
                let change = presence(left.policy.as_ref(), right.policy.as_ref());
                let name = format!("key policy of {}", right.arn);
                collect.push(name, change, at, key(&right.arn));
            }
            if !same_list(&left.grants, &right.grants) {
                let at = first_difference(&left.grants, &right.grants);
                let name = format!("grants of {}", right.arn);
                collect.push(name, ChangeKind::Changed, at, key(&right.arn));
            }
            if left.account != right.account || left.aws_managed != right.aws_managed {
                let name = format!("settings of key {}", right.arn);
                collect.push(name, ChangeKind::Changed, None, key(&right.arn));
            }
        },
    );
    let stream = |arn: &String| Affects::Resource {
        subject: Subject::Stream { arn: arn.clone() },
    };
    collect.keyed(
        &before.streams,
        &after.streams,
        |arn| (format!("stream {arn}"), stream(arn)),
        |collect, _, left, right| {
            if !same_option(left.policy.as_ref(), right.policy.as_ref()) {
                let at = first_difference(&left.policy, &right.policy);
                let change = presence(left.policy.as_ref(), right.policy.as_ref());
                let name = format!("stream policy of {}", right.arn);
                collect.push(name, change, at, stream(&right.arn));
            }
            let consumers_same = left.consumers.len() == right.consumers.len()
                && left.consumers.iter().all(|(arn, policy)| {
                    right
                        .consumers
                        .get(arn)
                        .is_some_and(|other| same_option(policy.as_ref(), other.as_ref()))
                });
            if !consumers_same {
                let name = format!("consumers of {}", right.arn);
                collect.push(name, ChangeKind::Changed, None, stream(&right.arn));
            }
            if left.account != right.account || left.encryption_key != right.encryption_key {
                let name = format!("settings of stream {}", right.arn);
                collect.push(name, ChangeKind::Changed, None, stream(&right.arn));
            }
        },
    );
    collect.keyed(
        &before.catalog_policies,
        &after.catalog_policies,
        |(account, region)| {
            (
                format!("Glue catalog policy of {account} ({region})"),
                Affects::Catalog {
                    account: *account,
                    region: region.clone(),
                },
            )
        },
        |collect, (account, region), left, right| {
            if !same(left, right) {
                let (account, region) = (*account, region.clone());
                let at = location_of(right);
                let name = format!("Glue catalog policy of {account} ({region})");
                collect.push(
                    name,
                    ChangeKind::Changed,
                    at,
                    Affects::Catalog { account, region },
                );
            }
        },
    );
    // A compute's settings are compared as read, without where each was read from.
    collect.keyed(
        &before.compute,
        &after.compute,
        |name| {
            (
                format!("compute {name}"),
                Affects::Compute { name: name.clone() },
            )
        },
        |collect, name, left, right| {
            if (
                &left.instance_profile,
                &left.role,
                &left.deployed_by,
                &left.access_keys,
            ) != (
                &right.instance_profile,
                &right.role,
                &right.deployed_by,
                &right.access_keys,
            ) || settings_as_read(&left.settings) != settings_as_read(&right.settings)
            {
                collect.push(
                    format!("settings of compute {name}"),
                    ChangeKind::Changed,
                    declared_at(&right.origin),
                    Affects::Compute { name: name.clone() },
                );
            }
        },
    );
    // The lake's parts have no text of their own: compared as read.
    if format!("{:?}", before.lake) != format!("{:?}", after.lake) {
        collect.push(
            "Lake Formation grants and settings, Glue catalogs, RAM shares".to_owned(),
            ChangeKind::Changed,
            None,
            Affects::Lake,
        );
    }
}

fn presence(left: Option<&SourcedPolicy>, right: Option<&SourcedPolicy>) -> ChangeKind {
    match (left, right) {
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Removed,
        _ => ChangeKind::Changed,
    }
}

fn organization(collect: &mut Collector, before: &World, after: &World) {
    let structure = |world: &World| {
        world.organization.as_ref().map(|organization| {
            let units: Vec<(&String, &String, &Option<String>)> = organization
                .units
                .values()
                .map(|unit| (&unit.name, &unit.id, &unit.parent))
                .collect();
            format!(
                "{} {} {units:?}",
                organization.id, organization.management_account
            )
        })
    };
    if structure(before) != structure(after) {
        collect.push(
            "the organization's structure".to_owned(),
            ChangeKind::Changed,
            None,
            Affects::Everything,
        );
    }
    collect.keyed(
        &before.accounts,
        &after.accounts,
        |account| (format!("account {account}"), Affects::Everything),
        |collect, _, left, right| {
            if left.unit != right.unit {
                let name = format!("organizational unit of account {}", right.id);
                collect.push(name, ChangeKind::Changed, None, Affects::Everything);
            }
            if left.block_public_access != right.block_public_access {
                let name = format!("Block Public Access of account {}", right.id);
                let affects = Affects::ResourcesOf { account: right.id };
                collect.push(name, ChangeKind::Changed, None, affects);
            }
        },
    );
    // SCPs and RCPs: what applies to each account, whichever level of the organization moved.
    let accounts: BTreeSet<AccountId> = before
        .accounts
        .keys()
        .chain(after.accounts.keys())
        .copied()
        .collect();
    for account in accounts {
        let (scps_before, scps_after) = (before.scp_levels(account), after.scp_levels(account));
        if !same_levels(&scps_before, &scps_after) {
            collect.out.push(Document {
                name: format!("SCPs that apply to account {account}"),
                change: ChangeKind::Changed,
                location: first_difference(
                    scps_before.iter().flatten(),
                    scps_after.iter().flatten(),
                ),
                affects: vec![Affects::PrincipalsOf { account }],
            });
        }
        let (rcps_before, rcps_after) = (before.rcp_levels(account), after.rcp_levels(account));
        if !same_levels(&rcps_before, &rcps_after) {
            collect.out.push(Document {
                name: format!("RCPs that apply to account {account}"),
                change: ChangeKind::Changed,
                location: first_difference(
                    rcps_before.iter().flatten(),
                    rcps_after.iter().flatten(),
                ),
                affects: vec![Affects::ResourcesOf { account }],
            });
        }
    }
    if before.request_time != after.request_time || before.assumed_buckets != after.assumed_buckets
    {
        collect.push(
            "the time requests are made, or the buckets assumed".to_owned(),
            ChangeKind::Changed,
            None,
            Affects::Everything,
        );
    }
}

fn same_levels(left: &[Vec<SourcedPolicy>], right: &[Vec<SourcedPolicy>]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .all(|(left, right)| same_list(left, right))
}

/// Where an entity is declared, when it is declared in a file (its table of the manifest, or
/// its entry in an export): the place a reviewer opens for a change of its settings.
fn declared_at(origin: &xacct_world::model::Origin) -> Option<String> {
    Some(origin.location()).filter(|location| !location.is_empty())
}

/// A compute's settings as values, without the positions and layers each was read at (a setting
/// that moved in its file, or a file that moved, is not a change).
fn settings_as_read(settings: &xacct_world::model::ComputeSettings) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("span");
                map.remove("layer");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let fields = (
        &settings.databricks,
        &settings.mounts,
        &settings.kinesis,
        &settings.emr,
        &settings.security_configuration,
        &settings.emr_user,
        &settings.glue,
        &settings.runtime_role,
        &settings.runtime_role_steps,
    );
    // Settings that do not serialize are compared as they print, positions included.
    let mut value = serde_json::to_value(fields)
        .unwrap_or_else(|_| serde_json::Value::String(format!("{settings:?}")));
    strip(&mut value);
    value
}
