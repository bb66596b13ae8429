//! Principals a policy lets in that the scenario does not hold: everyone (`"*"`), an account
//! the scenario does not declare (`333333333333`, `arn:aws:iam::333333333333:root`), a role or
//! user of such an account, and the other accounts of an organization a condition names.
//! who-can must never under-report, so each gets a stand-in: a principal of that account
//! whose own policies allow everything (what it may do is up to policies xacct cannot see),
//! decided by the engine like every other principal, so that the resource policy's
//! conditions, Block Public Access, RCPs and SCPs still cut it off where AWS would.
//!
//! The stand-ins trust nobody: what roles outside the scenario trust is unknown, so chains
//! through them are not searched.

use super::{Kind, Reach};
use std::collections::{BTreeMap, BTreeSet};
use xacct_eval::SourcedPolicy;
use xacct_policy::{
    parse_policy, AccountId, ActionName, Effect, PolicyKind, PrincipalEntry, Statement,
};
use xacct_world::model::{Account, Organization, Origin, Role, Unit, User};
use xacct_world::World;

/// The name of the stand-in for "any principal" of an account.
const ANY_PRINCIPAL: &str = "xacct-any-principal";

/// Allows everything: the stand-in's own policies are unknown, so they are taken to allow.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// What the stand-in for every other account stands for.
pub(super) const ANYONE: &str = "any principal of any account whose own policies allow it";

/// The same, reaching an S3 resource directly: a policy open to `*` lets anonymous requests
/// in too, and Block Public Access did not cut it off (the engine would have denied).
pub(super) const PUBLIC: &str = "anyone, anonymous requests included: the policy makes the resource public and Block Public Access does not cut it off";

/// Trusts nobody.
const TRUSTS_NOBODY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

/// Condition keys that tie a principal to an organization.
const ORGANIZATION_KEYS: [&str; 2] = ["aws:principalorgid", "aws:principalorgpaths"];

/// The world with stand-ins, and what each stands for.
pub(super) struct Outside {
    pub world: World,
    /// By stand-in ARN: what the answer says instead of the ARN.
    pub meaning: BTreeMap<String, String>,
    /// Organizations a condition names that are not the scenario's: no stand-in can carry
    /// their id (see [`add_foreign_organizations`]).
    pub foreign_organizations: BTreeSet<String>,
}

/// What the policies let in, before stand-ins are made: the world with stand-ins is a function
/// of it (and of the world), so questions that name the same are answered in the same one.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub(super) struct Named {
    everyone: bool,
    accounts: BTreeSet<AccountId>,
    /// (ARN, account, name, is_role) of roles and users of undeclared accounts.
    entities: BTreeSet<(String, AccountId, String, bool)>,
    organizations: BTreeSet<String>,
}

impl Named {
    /// Whether it names nobody outside the world (as the trusts of most worlds do).
    pub(super) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the world with stand-ins has the organization `world` has: it names no
    /// organization but the world's (another would bring an organization, or a foreign one,
    /// to the answer).
    pub(super) fn keeps_organization(&self, world: &World) -> bool {
        let ours = world.organization.as_ref().map(|found| found.id.as_str());
        self.organizations
            .iter()
            .all(|organization| Some(organization.as_str()) == ours)
    }
}

fn scan(world: &World, statement: &Statement, named: &mut Named) {
    let Some(principal) = &statement.principal else {
        return;
    };
    if statement.effect != Effect::Allow {
        return;
    }
    let mut opens = principal.negated;
    for entry in &principal.entries {
        match &entry.value {
            PrincipalEntry::Everyone => opens = true,
            PrincipalEntry::Account { account } if !world.accounts.contains_key(account) => {
                named.accounts.insert(*account);
            }
            PrincipalEntry::Role { account, name, arn }
                if !world.accounts.contains_key(account) =>
            {
                named
                    .entities
                    .insert((arn.clone(), *account, name.clone(), true));
            }
            PrincipalEntry::AssumedRole {
                account, role_name, ..
            } if !world.accounts.contains_key(account) => {
                let arn = format!("arn:aws:iam::{account}:role/{role_name}");
                named
                    .entities
                    .insert((arn, *account, role_name.clone(), true));
            }
            PrincipalEntry::User { account, name, arn }
                if !world.accounts.contains_key(account) =>
            {
                named
                    .entities
                    .insert((arn.clone(), *account, name.clone(), false));
            }
            _ => {}
        }
    }
    if !opens {
        return;
    }
    named.everyone = true;
    for condition in &statement.conditions {
        if !ORGANIZATION_KEYS.contains(&condition.key_lowercase.as_str()) {
            continue;
        }
        for value in &condition.values {
            // `o-abc/r-root/ou-x/` for the paths key: the organization is its first part.
            let id = value.text.split('/').next().unwrap_or_default();
            if id.starts_with("o-") && !id.contains(['*', '?']) {
                named.organizations.insert(id.to_owned());
            }
        }
    }
}

/// An account id the world does not use, for the stand-in of everyone else.
fn free_account(world: &World, taken: &BTreeSet<AccountId>) -> Option<AccountId> {
    (0..1000u32)
        .map(|offset| format!("{:012}", 999_999_999_999u64 - u64::from(offset)))
        .filter_map(|text| text.parse::<AccountId>().ok())
        .find(|account| !world.accounts.contains_key(account) && !taken.contains(account))
}

fn account_entry(id: AccountId, unit: Option<String>) -> Account {
    Account {
        id,
        name: None,
        unit,
        scps: Vec::new(),
        rcps: Vec::new(),
        block_public_access: xacct_s3::BlockPublicAccess::NONE,
    }
}

fn policy(text: &str, kind: PolicyKind, label: String) -> SourcedPolicy {
    SourcedPolicy::new(parse_policy(text, kind).policy, label)
}

fn stand_in_role(account: AccountId, name: &str, arn: String) -> Role {
    Role {
        trust: policy(
            TRUSTS_NOBODY,
            PolicyKind::Trust,
            format!("trust policy of {arn} (outside the scenario: unknown)"),
        ),
        policies: vec![policy(
            ALLOW_ALL,
            PolicyKind::Identity,
            format!("the policies of {arn} (outside the scenario: taken to allow)"),
        )],
        arn,
        account,
        name: name.to_owned(),
        path: "/".to_owned(),
        boundary: None,
        tags: xacct_world::Tags::new(),
        max_session_duration: 3600,
        service_linked: false,
        origin: Origin::default(),
    }
}

/// What the trust policies of `world` let in that it does not hold: the same for every
/// question, so found once per world by a [`super::Prepared`].
pub(super) fn named_by_trusts(world: &World) -> Named {
    let mut named = Named::default();
    for role in world.roles.values() {
        for statement in &role.trust.policy.statements {
            scan(world, statement, &mut named);
        }
    }
    named
}

/// What `resource_side` (the final resource's policies) and the trust policies (`trusts`,
/// from [`named_by_trusts`]) let in that the world does not hold; `None` when nothing.
pub(super) fn named(
    world: &World,
    trusts: &Named,
    resource_side: &[&SourcedPolicy],
) -> Option<Named> {
    let mut named = trusts.clone();
    for policy in resource_side {
        for statement in &policy.policy.statements {
            scan(world, statement, &mut named);
        }
    }
    if !named.everyone && named.accounts.is_empty() && named.entities.is_empty() {
        return None;
    }
    Some(named)
}

/// The world with a stand-in for every principal `named` names.
pub(super) fn build(world: &World, named: &Named) -> Outside {
    let mut out = Outside {
        world: world.clone(),
        meaning: BTreeMap::new(),
        foreign_organizations: BTreeSet::new(),
    };
    let mut taken: BTreeSet<AccountId> = named.accounts.clone();
    taken.extend(named.entities.iter().map(|(_, account, _, _)| *account));
    for account in &taken {
        out.world
            .accounts
            .insert(*account, account_entry(*account, None));
    }
    for account in &named.accounts {
        let arn = format!("arn:aws:iam::{account}:role/{ANY_PRINCIPAL}");
        out.meaning.insert(
            arn.clone(),
            format!("every principal of account {account} allowed by its own policies (the account is not in the scenario)"),
        );
        out.world.roles.insert(
            arn.clone(),
            Box::new(stand_in_role(*account, ANY_PRINCIPAL, arn)),
        );
    }
    for (arn, account, name, is_role) in &named.entities {
        let kind = if *is_role { "role" } else { "user" };
        out.meaning.insert(
            arn.clone(),
            format!("{kind} {arn}, if its own policies allow it (account {account} is not in the scenario)"),
        );
        let role = stand_in_role(*account, name, arn.clone());
        if *is_role {
            out.world.roles.entry(arn.clone()).or_insert(Box::new(role));
        } else {
            out.world.users.entry(arn.clone()).or_insert(User {
                arn: arn.clone(),
                account: *account,
                name: name.clone(),
                policies: role.policies,
                groups: Vec::new(),
                boundary: None,
                tags: xacct_world::Tags::new(),
                origin: Origin::default(),
            });
        }
    }
    if named.everyone {
        add_everyone(world, named, &mut taken, &mut out);
    }
    out
}

/// Stand-ins for any other account, and for another account of each organization a
/// condition names.
fn add_everyone(world: &World, named: &Named, taken: &mut BTreeSet<AccountId>, out: &mut Outside) {
    if let Some(account) = free_account(world, taken) {
        taken.insert(account);
        let arn = format!("arn:aws:iam::{account}:role/{ANY_PRINCIPAL}");
        out.meaning.insert(arn.clone(), ANYONE.to_owned());
        out.world
            .accounts
            .insert(account, account_entry(account, None));
        out.world.roles.insert(
            arn.clone(),
            Box::new(stand_in_role(account, ANY_PRINCIPAL, arn)),
        );
    }
    for organization in &named.organizations {
        // The first organization named becomes the world's when it has none.
        let ours = out
            .world
            .organization
            .as_ref()
            .is_none_or(|existing| existing.id == *organization);
        if !ours {
            out.foreign_organizations.insert(organization.clone());
            continue;
        }
        let Some(account) = free_account(world, taken) else {
            continue;
        };
        taken.insert(account);
        let organization_entry = out.world.organization.get_or_insert_with(|| Organization {
            id: organization.clone(),
            management_account: account,
            units: BTreeMap::from([(
                "root".to_owned(),
                Unit {
                    name: "root".to_owned(),
                    id: "r-root".to_owned(),
                    parent: None,
                    scps: Vec::new(),
                    rcps: Vec::new(),
                },
            )]),
        });
        // A member outside every unit the scenario names: under the root, with its SCPs.
        let _ = organization_entry;
        let arn = format!("arn:aws:iam::{account}:role/{ANY_PRINCIPAL}");
        out.meaning.insert(
            arn.clone(),
            format!("any principal of another account of organization {organization} whose own policies allow it"),
        );
        out.world
            .accounts
            .insert(account, account_entry(account, Some("root".to_owned())));
        out.world.roles.insert(
            arn.clone(),
            Box::new(stand_in_role(account, ANY_PRINCIPAL, arn)),
        );
    }
}

/// Whether the statement opens to everyone with an `aws:PrincipalOrgID`/`PrincipalOrgPaths`
/// condition naming `organization`, for `action`.
fn opens_to_organization(statement: &Statement, organization: &str, action: &ActionName) -> bool {
    let Some(principal) = &statement.principal else {
        return false;
    };
    statement.effect == Effect::Allow
        && principal.admits_everyone()
        && statement.action.covers(action)
        && statement.conditions.iter().any(|condition| {
            ORGANIZATION_KEYS.contains(&condition.key_lowercase.as_str())
                && condition
                    .values
                    .iter()
                    .any(|value| value.text.split('/').next() == Some(organization))
        })
}

/// Organizations a condition names that are not the scenario's: their accounts cannot be
/// stood in for (a world has one organization), so the answer lists them where a policy lets
/// them in, undecided by the engine: directly when the resource's policy does, else through
/// each role that can whose trust does. Never fewer than AWS would allow; the other
/// conditions of those statements are not checked.
pub(super) fn add_foreign_organizations(
    world: &World,
    foreign: &BTreeSet<String>,
    action: &str,
    resource_side: &[&SourcedPolicy],
    answer: &mut super::WhoCan,
) {
    let (Ok(action), Ok(assume)) = (
        action.parse::<ActionName>(),
        "sts:AssumeRole".parse::<ActionName>(),
    ) else {
        return;
    };
    let mut added = Vec::new();
    for organization in foreign {
        let principal = format!("any principal of organization {organization} whose own policies allow it (not in the scenario: the policy's other conditions are not checked)");
        let direct = resource_side.iter().any(|policy| {
            policy
                .policy
                .statements
                .iter()
                .any(|statement| opens_to_organization(statement, organization, &action))
        });
        let mut chains: Vec<Vec<String>> = Vec::new();
        if direct {
            chains.push(Vec::new());
        }
        for reach in answer
            .principals
            .iter()
            .filter(|reach| reach.kind == Kind::Role)
        {
            let Some(role) = world.roles.get(&reach.principal) else {
                continue;
            };
            if role
                .trust
                .policy
                .statements
                .iter()
                .any(|statement| opens_to_organization(statement, organization, &assume))
            {
                let mut chain = vec![reach.principal.clone()];
                chain.extend(reach.chain.iter().cloned());
                chains.push(chain);
            }
        }
        if let Some(chain) = chains.into_iter().min_by_key(Vec::len) {
            added.push(Reach {
                principal,
                kind: Kind::Outside,
                role: None,
                chain,
                external_ids: BTreeMap::new(),
                allowed_by: Vec::new(),
                session_names: BTreeMap::new(),
                through: Vec::new(),
                access_point: None,
            });
        }
    }
    answer.principals.extend(added);
}
