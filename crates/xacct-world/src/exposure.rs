//! Trust and resource policies open to everyone: an Allow statement whose principal is `"*"`
//! or `{"AWS": "*"}` (or a `NotPrincipal`) with no condition that narrows who the caller is.
//! AWS stores such policies, so they are warnings, but they are the first thing a security
//! review looks for: a role anyone in any account may assume, a bucket or key anyone may use
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>,
//! "Anonymous (public) principals": use a condition to narrow `*`).

use crate::World;
use xacct_eval::SourcedPolicy;
use xacct_policy::{Effect, Finding, SourcedFinding, Statement};

/// Condition keys that do not say who the caller is: a statement narrowed only by them is
/// still open to every principal of every account.
const NOT_NARROWING: [&str; 6] = [
    "aws:securetransport",
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:useragent",
    "aws:referer",
];

/// Whether the statement lets in every principal with nothing narrowing it.
pub fn open_to_everyone(statement: &Statement) -> bool {
    let Some(principal) = &statement.principal else {
        return false;
    };
    if statement.effect != Effect::Allow {
        return false;
    }
    principal.admits_everyone()
        && statement
            .conditions
            .iter()
            .all(|condition| NOT_NARROWING.contains(&condition.key_lowercase.as_str()))
}

fn findings_of(policy: &SourcedPolicy, what: &str, out: &mut Vec<SourcedFinding>) {
    let Some(source) = &policy.source else {
        return;
    };
    for statement in policy
        .policy
        .statements
        .iter()
        .filter(|s| open_to_everyone(s))
    {
        let span = statement
            .principal
            .as_ref()
            .map_or(statement.span, |principal| principal.span);
        let finding = Finding::warning(
            "open-to-everyone",
            span,
            format!(
                "statement {} of {what} lets in every principal of every account (`*`) with no condition on who the caller is",
                statement.label()
            ),
        )
        .with_help("name the principals, or narrow `*` with a condition such as aws:PrincipalOrgID or aws:PrincipalAccount");
        out.push(finding.in_source(source));
    }
}

/// The `open-to-everyone` findings of every trust and resource policy of the world.
pub fn findings(world: &World) -> Vec<SourcedFinding> {
    let mut out = Vec::new();
    for role in world.roles.values() {
        findings_of(
            &role.trust,
            &format!("the trust policy of {}", role.arn),
            &mut out,
        );
    }
    for bucket in world.buckets.values() {
        if let Some(policy) = &bucket.policy {
            findings_of(
                policy,
                &format!("the bucket policy of {}", bucket.name),
                &mut out,
            );
        }
    }
    for key in world.keys.values() {
        if let Some(policy) = &key.policy {
            findings_of(policy, &format!("the key policy of {}", key.arn), &mut out);
        }
    }
    for stream in world.streams.values() {
        if let Some(policy) = &stream.policy {
            findings_of(
                policy,
                &format!("the stream policy of {}", stream.arn),
                &mut out,
            );
        }
    }
    for ((account, region), policy) in &world.catalog_policies {
        findings_of(
            policy,
            &format!("the Glue catalog policy of {account} ({region})"),
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_policy::{parse_policy, PolicyKind};

    fn first_statement_open(json: &str) -> bool {
        let parsed = parse_policy(json, PolicyKind::Trust);
        open_to_everyone(&parsed.policy.statements[0])
    }

    #[test]
    fn everyone_without_a_narrowing_condition_is_open() {
        let open = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}"#;
        assert!(first_statement_open(open));
        let star = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}"#;
        assert!(first_statement_open(star));
        let narrowed = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}"#;
        assert!(!first_statement_open(narrowed));
        let named = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}]}"#;
        assert!(!first_statement_open(named));
        let deny = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}"#;
        assert!(!first_statement_open(deny));
    }
}
