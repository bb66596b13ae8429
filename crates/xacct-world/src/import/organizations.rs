//! An organization from the outputs of `aws organizations` commands, bundled in one file:
//!
//! ```json
//! {
//!   "DescribeOrganization": <describe-organization>,
//!   "ListRoots": <list-roots>,
//!   "ListOrganizationalUnitsForParent": { "<parent id>": <list-organizational-units-for-parent>, ... },
//!   "ListAccountsForParent": { "<parent id>": <list-accounts-for-parent>, ... },
//!   "ListAccounts": <list-accounts>,
//!   "Policies": [ { "DescribePolicy": <describe-policy>, "ListTargetsForPolicy": <list-targets-for-policy> }, ... ]
//! }
//! ```
//!
//! Every value is exactly what the AWS CLI prints. `ListAccounts` is optional: an account it
//! lists that no `ListAccountsForParent` places is put at the root, with a warning.
//! Service control and resource control policies are read; other policy types (tag, backup,
//! ...) do not decide access and are skipped.

use super::{full_aws_access, member, Export};
use crate::model::{Account, Organization, Unit};
use std::collections::BTreeMap;
use xacct_eval::SourcedPolicy;
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Finding, PolicyKind, Span, Spanned};

const KEYS: [&str; 6] = [
    "DescribeOrganization",
    "ListRoots",
    "ListOrganizationalUnitsForParent",
    "ListAccountsForParent",
    "ListAccounts",
    "Policies",
];

const ROOT: &str = "root";

/// An account the listings place in a unit.
struct Member {
    unit: String,
    name: Option<String>,
    span: Span,
}

/// The tree as the listings describe it, before policies are attached.
struct Tree {
    /// Unit names by unit id (the root included).
    names: BTreeMap<String, String>,
    units: BTreeMap<String, Unit>,
    /// Where each unit was listed, for findings.
    spans: BTreeMap<String, Span>,
    accounts: BTreeMap<AccountId, Member>,
}

/// Policies attached to units (by name) and to accounts.
#[derive(Default)]
struct Attached {
    units: BTreeMap<String, Vec<SourcedPolicy>>,
    accounts: BTreeMap<AccountId, Vec<SourcedPolicy>>,
}

pub(super) fn import(export: &mut Export<'_>, root: &Json) {
    if root.members().is_none() {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                format!("expected the JSON object of an organizations bundle, found {}", root.kind_name()),
            )
            .with_help("see \"Importing from AWS\" in docs/scenario-format.md for the bundle and the commands that fill it"),
        );
        return;
    }
    export.unknown_members(root, &KEYS, "an organizations bundle");
    if export.loader.world.organization.is_some() {
        export.error(
            "duplicate-organization",
            root.span(),
            "an organization was already imported: a scenario has one",
        );
        return;
    }
    let Some((id, management_account)) = organization(export, root) else {
        return;
    };
    let Some((root_id, root_span, scps_enabled, rcps_enabled)) = root_unit(export, root) else {
        return;
    };
    let mut tree = Tree {
        names: BTreeMap::from([(root_id.clone(), ROOT.to_owned())]),
        units: BTreeMap::from([(
            ROOT.to_owned(),
            Unit {
                name: ROOT.to_owned(),
                id: root_id,
                parent: None,
                scps: Vec::new(),
                rcps: Vec::new(),
            },
        )]),
        spans: BTreeMap::from([(ROOT.to_owned(), root_span)]),
        accounts: BTreeMap::new(),
    };
    units(export, root, &mut tree);
    accounts(export, root, &mut tree);
    let mut scps = Attached::default();
    let mut rcps = Attached::default();
    for (index, entry) in export
        .list(root, "Policies", "the bundle")
        .iter()
        .enumerate()
    {
        policy(export, index, entry, &tree, &mut scps, &mut rcps);
    }

    let mut levels = |owner: &str,
                      span: Span,
                      attached: Option<Vec<SourcedPolicy>>|
     -> Vec<SourcedPolicy> {
        if !scps_enabled {
            return vec![full_aws_access(format!(
                "FullAWSAccess (SCPs are not enabled) at {owner}"
            ))];
        }
        match attached {
            Some(list) if !list.is_empty() => list,
            _ => {
                export.report(
                    Finding::warning(
                        "no-scp-exported",
                        span,
                        format!("no service control policy of the bundle is attached to {owner}: AWS requires one at every level, so FullAWSAccess is assumed"),
                    )
                    .with_help("the bundle must hold describe-policy and list-targets-for-policy for every policy that list-policies --filter SERVICE_CONTROL_POLICY lists"),
                );
                vec![full_aws_access(format!(
                    "FullAWSAccess (default) at {owner}"
                ))]
            }
        }
    };
    let unit_names: Vec<String> = tree.units.keys().cloned().collect();
    for name in unit_names {
        let owner = if name == ROOT {
            "the root".to_owned()
        } else {
            format!("unit {name}")
        };
        let span = tree.spans.get(&name).copied().unwrap_or(root_span);
        let unit_scps = levels(&owner, span, scps.units.remove(&name));
        let unit_rcps = if rcps_enabled {
            rcps.units.remove(&name).unwrap_or_default()
        } else {
            Vec::new()
        };
        if let Some(unit) = tree.units.get_mut(&name) {
            unit.scps = unit_scps;
            unit.rcps = unit_rcps;
        }
    }
    let mut members = Vec::new();
    for (account, entry) in &tree.accounts {
        let account_scps = levels(
            &format!("account {account}"),
            entry.span,
            scps.accounts.remove(account),
        );
        let account_rcps = if rcps_enabled {
            rcps.accounts.remove(account).unwrap_or_default()
        } else {
            Vec::new()
        };
        members.push((
            *account,
            entry.unit.clone(),
            entry.name.clone(),
            account_scps,
            account_rcps,
        ));
    }
    let world = &mut export.loader.world;
    world.organization = Some(Organization {
        id,
        management_account,
        units: tree.units,
    });
    for (account, unit, name, scps, rcps) in members {
        let entry = world.accounts.entry(account).or_insert_with(|| Account {
            id: account,
            name: None,
            unit: None,
            scps: Vec::new(),
            rcps: Vec::new(),
            block_public_access: xacct_s3::BlockPublicAccess::NONE,
        });
        entry.unit = Some(unit);
        entry.name = name.or(entry.name.take());
        entry.scps = scps;
        entry.rcps = rcps;
    }
}

/// The organization id and the management account, from `DescribeOrganization`.
fn organization(export: &mut Export<'_>, root: &Json) -> Option<(String, AccountId)> {
    let described = export.required(root, "DescribeOrganization", "the bundle")?;
    let organization = export.required(described, "Organization", "DescribeOrganization")?;
    let id = export.string(organization, "Id", "the organization")?;
    if !id.value.starts_with("o-") {
        export.error(
            "invalid-organization",
            id.span,
            format!(
                "`{}` is not an organization id: they start with `o-`",
                id.value
            ),
        );
    }
    let management = match member(organization, "ManagementAccountId") {
        Some(value) => export.as_string(value, "`ManagementAccountId` of the organization"),
        None => export.string(organization, "MasterAccountId", "the organization"),
    }?;
    let management = export.account(&management)?;
    Some((id.value, management))
}

/// The root's id and span, and whether SCPs and RCPs are enabled in it.
fn root_unit(export: &mut Export<'_>, root: &Json) -> Option<(String, Span, bool, bool)> {
    let listing = export.required(root, "ListRoots", "the bundle")?;
    let roots = export.list(listing, "Roots", "ListRoots");
    let Some(first) = roots.first() else {
        export.error("missing-root", listing.span(), "`ListRoots` lists no root");
        return None;
    };
    if roots.len() > 1 {
        export.warning(
            "several-roots",
            listing.span(),
            "`ListRoots` lists more than one root: the first is used",
        );
    }
    let id = export.string(first, "Id", "the root")?;
    // Without `PolicyTypes` nothing says a type is off: both are taken as enabled.
    let enabled = |kind: &str| match member(first, "PolicyTypes") {
        Some(Json::Array { items, .. }) => items.iter().any(|item| {
            member(item, "Type").and_then(Json::as_str) == Some(kind)
                && member(item, "Status").and_then(Json::as_str) == Some("ENABLED")
        }),
        _ => true,
    };
    Some((
        id.value,
        id.span,
        enabled("SERVICE_CONTROL_POLICY"),
        enabled("RESOURCE_CONTROL_POLICY"),
    ))
}

/// The members of a `{"<parent id>": <listing>}` map.
fn by_parent<'j>(
    export: &mut Export<'_>,
    root: &'j Json,
    key: &str,
) -> &'j [xacct_policy::json::Member] {
    match member(root, key) {
        None => &[],
        Some(Json::Object { members, .. }) => members,
        Some(other) => {
            export.error(
                "invalid-export-value",
                other.span(),
                format!(
                    "`{key}` must be an object whose keys are parent ids, found {}",
                    other.kind_name()
                ),
            );
            &[]
        }
    }
}

fn units(export: &mut Export<'_>, root: &Json, tree: &mut Tree) {
    let mut parents = Vec::new();
    for parent in by_parent(export, root, "ListOrganizationalUnitsForParent") {
        let owner = format!("the units of {}", parent.name);
        for unit in export.list(&parent.value, "OrganizationalUnits", &owner) {
            let Some(id) = export.string(unit, "Id", &owner) else {
                continue;
            };
            let Some(name) = export.string(unit, "Name", &owner) else {
                continue;
            };
            if tree.names.contains_key(&id.value) {
                export.error(
                    "duplicate-unit",
                    id.span,
                    format!(
                        "organizational unit {} is listed twice: a unit has one parent",
                        id.value
                    ),
                );
                continue;
            }
            // Names key the units; a name used twice (under different parents) gets its id.
            let key = if tree.units.contains_key(&name.value) {
                format!("{} ({})", name.value, id.value)
            } else {
                name.value.clone()
            };
            tree.names.insert(id.value.clone(), key.clone());
            tree.spans.insert(key.clone(), name.span);
            tree.units.insert(
                key.clone(),
                Unit {
                    name: key.clone(),
                    id: id.value.clone(),
                    parent: None,
                    scps: Vec::new(),
                    rcps: Vec::new(),
                },
            );
            parents.push((key, Spanned::new(parent.name.clone(), parent.name_span)));
        }
    }
    for (key, parent) in parents {
        let parent_name = match tree.names.get(&parent.value) {
            Some(name) => name.clone(),
            None => {
                export.error(
                    "unknown-unit",
                    parent.span,
                    format!("parent `{}` is neither the root nor a unit the bundle lists: its units are put under the root", parent.value),
                );
                ROOT.to_owned()
            }
        };
        if let Some(unit) = tree.units.get_mut(&key) {
            unit.parent = Some(parent_name);
        }
    }
    // A unit listed under one of its own descendants never reaches the root.
    let keys: Vec<String> = tree.units.keys().cloned().collect();
    for key in keys {
        let mut current = Some(key.clone());
        let mut steps = 0;
        while let Some(name) = current {
            steps += 1;
            if steps > tree.units.len() + 1 {
                let span = tree.spans.get(&key).copied().unwrap_or_default();
                export.error(
                    "unit-cycle",
                    span,
                    format!("unit `{key}` is its own ancestor"),
                );
                if let Some(unit) = tree.units.get_mut(&key) {
                    unit.parent = Some(ROOT.to_owned());
                }
                break;
            }
            current = tree.units.get(&name).and_then(|unit| unit.parent.clone());
        }
    }
}

fn accounts(export: &mut Export<'_>, root: &Json, tree: &mut Tree) {
    for parent in by_parent(export, root, "ListAccountsForParent") {
        let Some(unit) = tree.names.get(&parent.name).cloned() else {
            export.error(
                "unknown-unit",
                parent.name_span,
                format!(
                    "parent `{}` is neither the root nor a unit the bundle lists",
                    parent.name
                ),
            );
            continue;
        };
        let owner = format!("the accounts of {}", parent.name);
        for account in export.list(&parent.value, "Accounts", &owner) {
            let Some(id) = export.string(account, "Id", &owner) else {
                continue;
            };
            let Some(parsed) = export.account(&id) else {
                continue;
            };
            if tree.accounts.contains_key(&parsed) {
                export.error(
                    "duplicate-account",
                    id.span,
                    format!("account {parsed} is listed under two parents: an account has one"),
                );
                continue;
            }
            let name = member(account, "Name")
                .and_then(Json::as_str)
                .map(str::to_owned);
            tree.accounts.insert(
                parsed,
                Member {
                    unit: unit.clone(),
                    name,
                    span: id.span,
                },
            );
        }
    }
    let Some(listing) = member(root, "ListAccounts") else {
        return;
    };
    for account in export.list(listing, "Accounts", "ListAccounts") {
        let Some(id) = export.string(account, "Id", "ListAccounts") else {
            continue;
        };
        let Some(parsed) = export.account(&id) else {
            continue;
        };
        let name = member(account, "Name")
            .and_then(Json::as_str)
            .map(str::to_owned);
        match tree.accounts.get_mut(&parsed) {
            Some(known) => {
                if known.name.is_none() {
                    known.name = name;
                }
            }
            None => {
                export.report(
                    Finding::warning(
                        "unplaced-account",
                        id.span,
                        format!("account {parsed} is in the organization but no ListAccountsForParent lists it: it is put at the root, so the SCPs of its units are missing"),
                    )
                    .with_help("add the output of list-accounts-for-parent for its parent unit"),
                );
                tree.accounts.insert(
                    parsed,
                    Member {
                        unit: ROOT.to_owned(),
                        name,
                        span: id.span,
                    },
                );
            }
        }
    }
}

fn policy(
    export: &mut Export<'_>,
    index: usize,
    entry: &Json,
    tree: &Tree,
    scps: &mut Attached,
    rcps: &mut Attached,
) {
    let owner = format!("Policies[{index}]");
    let Some(described) = export.required(entry, "DescribePolicy", &owner) else {
        return;
    };
    let Some(policy) = export.required(described, "Policy", &format!("DescribePolicy of {owner}"))
    else {
        return;
    };
    let Some(summary) = export.required(policy, "PolicySummary", &owner) else {
        return;
    };
    let Some(id) = export.string(summary, "Id", &owner) else {
        return;
    };
    let name = member(summary, "Name")
        .and_then(Json::as_str)
        .unwrap_or(id.value.as_str())
        .to_owned();
    let Some(kind_text) = export.string(summary, "Type", &owner) else {
        return;
    };
    let (kind, attached, short) = match kind_text.value.as_str() {
        "SERVICE_CONTROL_POLICY" => (PolicyKind::Scp, scps, "SCP"),
        "RESOURCE_CONTROL_POLICY" => (PolicyKind::Rcp, rcps, "RCP"),
        // Tag, backup, AI opt-out, chat and declarative policies do not decide access.
        _ => return,
    };
    let Some(targets) = member(entry, "ListTargetsForPolicy") else {
        export.report(
            Finding::warning(
                "missing-policy-targets",
                id.span,
                format!("{short} {name} ({}) has no `ListTargetsForPolicy`: where it is attached is unknown, so it is left out", id.value),
            )
            .with_help(format!("add the output of `aws organizations list-targets-for-policy --policy-id {}`", id.value)),
        );
        return;
    };
    let targets = export.list(
        targets,
        "Targets",
        &format!("ListTargetsForPolicy of {owner}"),
    );
    if targets.is_empty() {
        return;
    }
    let Some(content) = export.required(policy, "Content", &owner) else {
        return;
    };
    let Some(document) = export.policy(
        content,
        kind,
        format!("{short} {name} ({})", id.value),
        &format!("Content of {short} {name}"),
    ) else {
        return;
    };
    for target in targets {
        let Some(target_id) = export.string(target, "TargetId", &owner) else {
            continue;
        };
        let target_type = member(target, "Type")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let attached_to = |label: String| {
            let mut copy = document.clone();
            copy.label = format!("{} at {label}", document.label);
            copy
        };
        if target_type == "ACCOUNT" {
            let Some(account) = export.account(&target_id) else {
                continue;
            };
            if tree.accounts.contains_key(&account) {
                let copy = attached_to(format!("account {account}"));
                attached.accounts.entry(account).or_default().push(copy);
                continue;
            }
        } else if let Some(unit) = tree.names.get(&target_id.value) {
            let copy = attached_to(if unit == ROOT {
                "the root".to_owned()
            } else {
                format!("unit {unit}")
            });
            attached.units.entry(unit.clone()).or_default().push(copy);
            continue;
        }
        export.warning(
            "unknown-policy-target",
            target_id.span,
            format!("{short} {name} is attached to `{}`, which the bundle's listings do not contain: that attachment is ignored", target_id.value),
        );
    }
}
