//! Identity providers a role's trust lets in: an OIDC provider (GitHub Actions, EKS, Google),
//! a SAML provider, or Cognito, named in a `Federated` entry, reach whatever the role reaches
//! through `sts:AssumeRoleWithWebIdentity` or `sts:AssumeRoleWithSAML`
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html>). Who they
//! let in is whoever the provider vouches for and the statement's conditions accept, which
//! depends on tokens xacct never sees, so each way in is listed with its conditions as written:
//! a trust that pins `token.actions.githubusercontent.com:sub` to one repository and one that
//! accepts `repo:*` (any repository on GitHub) are different principals, and `diff` shows a
//! trust widened from one to the other as access gained. Under-reporting is the worse error,
//! so the conditions are not decided (an answer may list a way in the conditions close); an
//! unconditional Deny of the provider in the same trust policy does close it. A trust open to
//! `"*"` for these calls lets any provider's tokens in.

use super::{Kind, Reach, WhoCan};
use std::collections::BTreeMap;
use xacct_policy::{ActionName, Effect, PrincipalEntry, Statement};
use xacct_world::World;

/// The STS calls an identity provider's users make.
const CALLS: [&str; 2] = ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"];

/// Whether any role of `world` lets an identity provider in (when none does, who-can's
/// answers are what they were without this module).
pub fn trusted_anywhere(world: &World) -> bool {
    world
        .roles
        .values()
        .any(|role| !ways_in(&role.trust.policy.statements).is_empty())
}

/// A way in: the provider, the call, and the statement that lets it in.
struct WayIn<'p> {
    provider: &'p str,
    call: &'static str,
    statement: &'p Statement,
}

fn calls_of(statement: &Statement) -> impl Iterator<Item = &'static str> + '_ {
    CALLS.into_iter().filter(|call| {
        call.parse::<ActionName>()
            .is_ok_and(|action| statement.action.covers(&action))
    })
}

/// Whether `call` is the one a provider's users make: SAML providers'
/// (`arn:aws:iam::ACCOUNT:saml-provider/...`) `AssumeRoleWithSAML`, every other provider's
/// (OIDC providers, Cognito, the public web identity providers named by name)
/// `AssumeRoleWithWebIdentity`; `"*"` lets either in.
fn call_fits(provider: &str, call: &str) -> bool {
    if provider == ANY_PROVIDER {
        return true;
    }
    let saml = provider.contains(":saml-provider/");
    (call == "sts:AssumeRoleWithSAML") == saml
}

/// What a trust's `"Principal": "*"` lets in through these calls: a token of any provider.
const ANY_PROVIDER: &str = "any identity provider (\"Principal\": \"*\")";

fn providers(statement: &Statement) -> impl Iterator<Item = &str> {
    statement
        .principal
        .iter()
        .filter(|principal| !principal.negated)
        .flat_map(|principal| &principal.entries)
        .filter_map(|entry| match &entry.value {
            PrincipalEntry::Federated { provider } => Some(provider.as_str()),
            PrincipalEntry::Everyone => Some(ANY_PROVIDER),
            _ => None,
        })
}

/// Whether an unconditional Deny of the trust names the provider (or everyone) for the call.
fn denied(statements: &[Statement], provider: &str, call: &str) -> bool {
    statements.iter().any(|statement| {
        statement.effect == Effect::Deny
            && statement.conditions.is_empty()
            && calls_of(statement).any(|denied| denied == call)
            && statement.principal.as_ref().is_some_and(|principal| {
                !principal.negated
                    && principal.entries.iter().any(|entry| match &entry.value {
                        PrincipalEntry::Federated { provider: named } => named == provider,
                        // A trust open to everyone is closed only by a Deny of everyone.
                        PrincipalEntry::Everyone => true,
                        _ => false,
                    })
            })
    })
}

fn ways_in(statements: &[Statement]) -> Vec<WayIn<'_>> {
    let mut out = Vec::new();
    for statement in statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
    {
        for provider in providers(statement) {
            for call in calls_of(statement).filter(|call| call_fits(provider, call)) {
                if !denied(statements, provider, call) {
                    out.push(WayIn {
                        provider,
                        call,
                        statement,
                    });
                }
            }
        }
    }
    out
}

/// The statement's conditions as written, one `key operator values` per test.
fn conditions_of(statement: &Statement) -> String {
    if statement.conditions.is_empty() {
        return "no condition: anyone the provider vouches for".to_owned();
    }
    statement
        .conditions
        .iter()
        .map(|condition| {
            let values: Vec<&str> = condition
                .values
                .iter()
                .map(|value| value.text.as_str())
                .collect();
            format!(
                "{} {} {}",
                condition.key,
                condition.operator.name(),
                values.join(" | ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds, for every role in `answer` (by its shortest chain), the identity providers its trust
/// lets in, each the principal `PROVIDER when CONDITIONS`.
pub fn add(world: &World, answer: &mut WhoCan) {
    let mut added: BTreeMap<String, Reach> = BTreeMap::new();
    for reach in &answer.principals {
        if reach.kind != Kind::Role {
            continue;
        }
        let Some(role) = world.roles.get(&reach.principal) else {
            continue;
        };
        for way in ways_in(&role.trust.policy.statements) {
            // Policy text, so one line: a value holding a newline or an escape sequence stays
            // on its line of the answer.
            let principal = xacct_policy::one_line(&format!(
                "{} when {}",
                way.provider,
                conditions_of(way.statement)
            ));
            let chain: Vec<String> = std::iter::once(role.arn.clone())
                .chain(reach.chain.iter().cloned())
                .collect();
            let shorter = added
                .get(&principal)
                .is_none_or(|kept| chain.len() < kept.chain.len());
            if !shorter {
                continue;
            }
            added.insert(
                principal.clone(),
                Reach {
                    principal,
                    kind: Kind::Federated,
                    role: None,
                    chain,
                    external_ids: reach.external_ids.clone(),
                    allowed_by: reach.allowed_by.clone(),
                    session_names: BTreeMap::new(),
                    through: vec![format!(
                        "{} into {}, let in by statement `{}` of its trust policy",
                        way.call,
                        role.arn,
                        way.statement.label()
                    )],
                    access_point: reach.access_point.clone(),
                },
            );
        }
    }
    answer.principals.extend(added.into_values());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callers::CallerIndex;
    use crate::tests_support::{inline, load};
    use crate::who_can::{who_can, WhoCanQuery};

    const GITHUB: &str =
        "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";

    fn world(statements: &str) -> World {
        crate::tests_support::role_reading_data(statements)
    }

    fn providers_of(world: &World) -> Vec<(String, Vec<String>)> {
        let query = WhoCanQuery::new("s3:GetObject", "arn:aws:s3:::data/x");
        who_can(world, &CallerIndex::new(world), &query)
            .unwrap()
            .principals
            .into_iter()
            .filter(|reach| reach.kind == Kind::Federated)
            .map(|reach| (reach.principal, reach.chain))
            .collect()
    }

    fn allow_github(condition: &str) -> String {
        format!(
            r#"{{"Effect": "Allow", "Principal": {{"Federated": "{GITHUB}"}}, "Action": "sts:AssumeRoleWithWebIdentity"{condition}}}"#
        )
    }

    #[test]
    fn a_github_trust_is_a_way_in_named_with_its_conditions() {
        let world = world(&allow_github(
            r#", "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}"#,
        ));
        assert_eq!(
            providers_of(&world),
            [(
                format!("{GITHUB} when token.actions.githubusercontent.com:sub StringLike repo:*"),
                vec!["arn:aws:iam::111111111111:role/deploy".to_owned()]
            )]
        );
    }

    #[test]
    fn an_unconditional_deny_of_the_provider_closes_the_way_in() {
        let deny = format!(
            r#"{{"Effect": "Deny", "Principal": {{"Federated": "{GITHUB}"}}, "Action": "sts:AssumeRoleWithWebIdentity"}}"#
        );
        let world = world(&format!("{},{deny}", allow_github("")));
        assert!(providers_of(&world).is_empty());
    }

    #[test]
    fn a_saml_provider_is_let_in_only_through_the_saml_call() {
        let saml = "arn:aws:iam::111111111111:saml-provider/corporate";
        let web_identity_only = format!(
            r#"{{"Effect": "Allow", "Principal": {{"Federated": "{saml}"}}, "Action": "sts:AssumeRoleWithWebIdentity"}}"#
        );
        // A SAML provider's users call AssumeRoleWithSAML: a trust that allows it only the
        // web identity call lets nobody in.
        assert!(providers_of(&world(&web_identity_only)).is_empty());
        let assume_role_only = format!(
            r#"{{"Effect": "Allow", "Principal": {{"Federated": "{saml}"}}, "Action": "sts:AssumeRole"}}"#
        );
        assert!(providers_of(&world(&assume_role_only)).is_empty());
        let saml_call = format!(
            r#"{{"Effect": "Allow", "Principal": {{"Federated": "{saml}"}}, "Action": "sts:AssumeRoleWithSAML"}}"#
        );
        assert_eq!(
            providers_of(&world(&saml_call)),
            [(
                format!("{saml} when no condition: anyone the provider vouches for"),
                vec!["arn:aws:iam::111111111111:role/deploy".to_owned()]
            )]
        );
    }

    #[test]
    fn a_condition_value_holding_a_newline_stays_on_one_line() {
        let world = world(&allow_github(
            r#", "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:a\nb\u001b[31m"}}"#,
        ));
        let found = providers_of(&world);
        assert_eq!(found.len(), 1);
        assert!(
            !found[0].0.chars().any(char::is_control),
            "{:?}",
            found[0].0
        );
        assert!(
            found[0].0.ends_with(r"repo:a\nb\u{1b}[31m"),
            "{:?}",
            found[0].0
        );
    }

    #[test]
    fn a_trust_open_to_everyone_lets_any_provider_in() {
        let open =
            r#"{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}"#;
        let found = providers_of(&world(open));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.starts_with(ANY_PROVIDER));
    }

    #[test]
    fn a_role_that_cannot_reach_the_data_brings_no_provider() {
        let manifest = format!(
            r#"
[[account]]
id = "111111111111"

[[role]]
arn = "arn:aws:iam::111111111111:role/deploy"
trust = {trust}

[[bucket]]
name = "data"
account = "111111111111"
"#,
            trust = inline(&format!(
                r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
                allow_github("")
            )),
        );
        assert!(providers_of(&load(&manifest)).is_empty());
    }
}
