//! Whether one statement applies to a request, and if not, which element stopped it.

use crate::caller::Caller;
use crate::request::Request;
use serde::Serialize;
use xacct_policy::document::{PrincipalClause, ResourceClause};
use xacct_policy::{Effect, PrincipalEntry, Statement};

/// How a resource-based policy statement named the caller. It decides, in the caller's own
/// account, whether the resource policy grants by itself (see semantics.md section 2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Naming {
    /// The account (bare id or `:root`): delegation to the account's own policies.
    Account,
    /// The role ARN, for a session of that role: limited by boundary and session policy.
    Role,
    /// Exactly this caller (user, session, federated user, service) or `*`: grants alone in
    /// the same account.
    Direct,
}

/// Does `entry` name `caller`? Returns how, when it does.
pub fn entry_names(entry: &PrincipalEntry, caller: &Caller) -> Option<Naming> {
    match (entry, caller) {
        (PrincipalEntry::Everyone, _) => Some(Naming::Direct),
        (PrincipalEntry::Account { account }, _) => {
            (caller.account() == Some(*account)).then_some(Naming::Account)
        }
        (
            PrincipalEntry::Role { account, name, .. },
            Caller::RoleSession {
                account: caller_account,
                role_name,
                ..
            },
        ) => (account == caller_account && name == role_name).then_some(Naming::Role),
        (
            PrincipalEntry::AssumedRole {
                account,
                role_name,
                session_name,
                ..
            },
            Caller::RoleSession {
                account: caller_account,
                role_name: caller_role,
                session_name: Some(caller_session),
                ..
            },
        ) => (account == caller_account
            && role_name == caller_role
            && session_name == caller_session)
            .then_some(Naming::Direct),
        (
            PrincipalEntry::User { account, name, .. },
            Caller::User {
                account: caller_account,
                name: caller_name,
                ..
            },
        ) => (account == caller_account && name == caller_name).then_some(Naming::Direct),
        (
            PrincipalEntry::FederatedUser { account, name, .. },
            Caller::FederatedUser {
                account: caller_account,
                name: caller_name,
                ..
            },
        ) => (account == caller_account && name == caller_name).then_some(Naming::Direct),
        (PrincipalEntry::Service { name }, Caller::Service { name: caller_name }) => {
            (name == caller_name).then_some(Naming::Direct)
        }
        // Provider ARNs and names are compared without case: IAM's provider names are host
        // names, which DNS reads without case.
        (PrincipalEntry::Federated { provider }, Caller::IdentityProvider { provider: caller }) => {
            provider
                .eq_ignore_ascii_case(caller)
                .then_some(Naming::Direct)
        }
        _ => None,
    }
}

/// The strongest way any entry of a `Principal` element names the caller.
pub fn principal_names(clause: &PrincipalClause, caller: &Caller) -> Option<Naming> {
    clause
        .entries
        .iter()
        .filter_map(|entry| entry_names(&entry.value, caller))
        .max()
}

/// Whether a `NotPrincipal` list exempts the caller. AWS matches it literally against every
/// identity the request carries, so a role session is exempt only when its session ARN, its
/// role ARN and its account are all listed, and a user only with its account; a principal with
/// a permissions boundary is never exempt.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
pub fn not_principal_exempts(clause: &PrincipalClause, request: &Request) -> bool {
    if request.policies.permission_boundary.is_some() {
        return false;
    }
    let listed = |wanted: &dyn Fn(&PrincipalEntry) -> bool| {
        clause.entries.iter().any(|entry| wanted(&entry.value))
    };
    let caller = &request.caller;
    let account_listed = || {
        listed(
            &|entry| matches!(entry, PrincipalEntry::Account { account } if Some(*account) == caller.account()),
        )
    };
    match caller {
        Caller::AccountRoot { .. } => account_listed(),
        Caller::User { .. } | Caller::FederatedUser { .. } => {
            account_listed() && listed(&|entry| entry_names(entry, caller) == Some(Naming::Direct))
        }
        Caller::RoleSession { .. } => {
            account_listed()
                && listed(&|entry| entry_names(entry, caller) == Some(Naming::Role))
                && listed(&|entry| {
                    matches!(entry, PrincipalEntry::AssumedRole { .. })
                        && entry_names(entry, caller) == Some(Naming::Direct)
                })
        }
        Caller::Service { .. } | Caller::IdentityProvider { .. } => {
            listed(&|entry| entry_names(entry, caller).is_some())
        }
    }
}

/// The element of a statement that did not match, for near-miss explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Element {
    Principal,
    NotPrincipal,
    Action,
    NotAction,
    Resource,
    NotResource,
    Condition,
}

/// The result of checking one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementMatch {
    /// Every element matched; for resource policies, how the caller was named.
    Applies(Option<Naming>),
    /// The first elements that failed, in the order AWS documents them.
    Misses(Vec<Element>),
}

fn action_applies(statement: &Statement, request: &Request) -> bool {
    statement.action.covers(&request.action)
}

fn resource_applies(clause: Option<&ResourceClause>, request: &Request) -> bool {
    let Some(clause) = clause else {
        // Trust policies have no Resource: the resource is the role the policy belongs to.
        return true;
    };
    let arn = request.resource.as_str();
    let listed = clause
        .patterns
        .iter()
        .any(|pattern| pattern.value.matches(arn, &request.context));
    listed != clause.negated
}

fn principal_applies(statement: &Statement, request: &Request) -> Result<Option<Naming>, Element> {
    match &statement.principal {
        None => Ok(None),
        Some(clause) if clause.negated => {
            if not_principal_exempts(clause, request) {
                Err(Element::NotPrincipal)
            } else {
                Ok(Some(Naming::Direct))
            }
        }
        Some(clause) => principal_names(clause, &request.caller)
            .map(Some)
            .ok_or(Element::Principal),
    }
}

fn conditions_hold(statement: &Statement, request: &Request) -> bool {
    statement
        .conditions
        .iter()
        .all(|condition| condition.holds(&request.context, statement.effect))
}

/// Fast check used by the authorizer: does the statement apply?
pub fn applies(statement: &Statement, request: &Request) -> Option<Option<Naming>> {
    if !action_applies(statement, request)
        || !resource_applies(statement.resource.as_ref(), request)
    {
        return None;
    }
    let naming = principal_applies(statement, request).ok()?;
    conditions_hold(statement, request).then_some(naming)
}

/// Full check used for explanations: every element that failed.
pub fn check(statement: &Statement, request: &Request) -> StatementMatch {
    let mut misses = Vec::new();
    let naming = match principal_applies(statement, request) {
        Ok(naming) => naming,
        Err(element) => {
            misses.push(element);
            None
        }
    };
    if !action_applies(statement, request) {
        misses.push(if statement.action.negated {
            Element::NotAction
        } else {
            Element::Action
        });
    }
    if !resource_applies(statement.resource.as_ref(), request) {
        misses.push(match &statement.resource {
            Some(clause) if clause.negated => Element::NotResource,
            _ => Element::Resource,
        });
    }
    if !conditions_hold(statement, request) {
        misses.push(Element::Condition);
    }
    if misses.is_empty() {
        StatementMatch::Applies(naming)
    } else {
        StatementMatch::Misses(misses)
    }
}

/// Statements of this effect that can apply at all (used to skip work).
pub fn is_effect(statement: &Statement, effect: Effect) -> bool {
    statement.effect == effect
}
