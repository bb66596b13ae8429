//! What the fuzz targets do with their input, shared with the test that replays the corpus
//! (`crates/xacct-eval/tests/fuzz_corpus.rs` includes this file), so that a file in
//! `fuzz/corpus/` goes through exactly the same code in both.
//!
//! Nothing here may panic on any input. Where a panic is raised on purpose (`assert!`), it
//! marks a broken invariant, which the fuzzer reports as a crash like any other.

use std::sync::Arc;
use xacct_eval::context::{Context, ContextValue};
use xacct_eval::wire::NoFiles;
use xacct_eval::{authorize, Caller, Decision, Explanation, PolicySet, Request, SourcedPolicy};
use xacct_policy::{json, Policy, PolicyKind, SourceFile};

#[path = "findings.rs"]
mod findings;
use findings::{check_span, render_finding};

/// Bytes as the text a user would have given: invalid UTF-8 replaced, as a file reader might.
fn text_of(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The context every fixed request carries, so that conditions have something to test.
fn context() -> Context {
    let mut context = Context::new();
    let single = |value: &str| ContextValue::Single(value.to_owned());
    for (key, value) in [
        ("aws:SourceIp", single("10.1.2.3")),
        ("aws:PrincipalTag/team", single("eng")),
        ("aws:PrincipalOrgID", single("o-abc123")),
        ("aws:CurrentTime", single("2026-01-01T00:00:00Z")),
        ("aws:EpochTime", single("1767225600")),
        ("aws:SecureTransport", single("true")),
        ("aws:MultiFactorAuthAge", single("300")),
        ("s3:prefix", single("docs/")),
        ("s3:max-keys", single("10")),
        (
            "aws:TagKeys",
            ContextValue::Multi(vec!["eng".to_owned(), "ops".to_owned()]),
        ),
    ] {
        // The values are all valid for their keys.
        let _ = context.insert(key, value);
    }
    context
}

/// One request the fuzzed policy takes part in: who asks, for what, and where the policy sits.
struct Fixed {
    caller: &'static str,
    action: &'static str,
    resource: &'static str,
    resource_account: Option<&'static str>,
}

const SAME_ACCOUNT: Fixed = Fixed {
    caller: "arn:aws:sts::111111111111:assumed-role/MyRoleA/s1",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::lake-a/docs/report.txt",
    resource_account: Some("111111111111"),
};

const CROSS_ACCOUNT: Fixed = Fixed {
    caller: "arn:aws:iam::222222222222:user/alice",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::lake-a/docs/report.txt",
    resource_account: Some("111111111111"),
};

const SERVICE: Fixed = Fixed {
    caller: "ec2.amazonaws.com",
    action: "sqs:SendMessage",
    resource: "arn:aws:sqs:us-east-1:111111111111:queue1",
    resource_account: None,
};

const ASSUME_ROLE: Fixed = Fixed {
    caller: "arn:aws:iam::222222222222:role/MyRoleA",
    action: "sts:AssumeRole",
    resource: "arn:aws:iam::111111111111:role/TargetRole",
    resource_account: None,
};

/// An identity policy that allows everything, so that other layers get evaluated in depth.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

fn sourced(policy: Policy, label: &str, source: &Arc<SourceFile>) -> SourcedPolicy {
    SourcedPolicy::new(policy, label).with_source(Arc::clone(source))
}

/// Places `policy` in the layer its kind belongs to.
fn policy_set(policy: Policy, source: &Arc<SourceFile>) -> PolicySet {
    let kind = policy.kind;
    let allow_all = xacct_policy::parse_policy(ALLOW_ALL, PolicyKind::Identity);
    let mut set = PolicySet::default();
    if !matches!(kind, PolicyKind::Identity | PolicyKind::Inline) && !allow_all.has_errors() {
        let allow_source = SourceFile::new("allow-all.json", ALLOW_ALL);
        set.identity.push(sourced(
            allow_all.policy,
            "identityPolicies[0]",
            &allow_source,
        ));
    }
    let policy = sourced(policy, "fuzzed", source);
    match kind {
        PolicyKind::Identity | PolicyKind::Inline => set.identity.push(policy),
        PolicyKind::Resource | PolicyKind::Trust => set.resource = Some(policy),
        PolicyKind::Scp => set.scps = vec![vec![policy]],
        PolicyKind::Rcp => set.rcps = vec![vec![policy]],
        PolicyKind::Boundary => set.permission_boundary = Some(policy),
        PolicyKind::Session => set.session = Some(policy),
    }
    set
}

fn build(fixed: &Fixed, policies: PolicySet) -> Option<Request> {
    let caller = Caller::parse(fixed.caller).ok()?;
    let action = fixed.action.parse().ok()?;
    let resource = fixed.resource.parse().ok()?;
    let resource_account = match fixed.resource_account {
        Some(account) => Some(account.parse().ok()?),
        None => None,
    };
    Request::new(
        caller,
        action,
        resource,
        resource_account,
        context(),
        policies,
    )
    .ok()
}

/// Decides a request and explains the decision, checking that the two agree.
pub fn decide(request: &Request) -> String {
    let response = authorize(request);
    assert_eq!(
        response.decision == Decision::ExplicitDeny,
        !response.denies.is_empty(),
        "the decision is {:?} with denies {:?}",
        response.decision,
        response.denies
    );
    if response.decision != Decision::ExplicitDeny {
        assert_eq!(
            response.decision == Decision::Allow,
            response.gaps.is_empty(),
            "the decision is {:?} with gaps {:?}",
            response.decision,
            response.gaps
        );
    }
    let explanation = Explanation::new(request, &response);
    let text = explanation.to_text();
    assert!(!text.trim().is_empty(), "an empty explanation");
    assert_eq!(
        explanation.matched.len(),
        response.denies.len() + response.allows.len(),
        "the explanation lost a matched statement:\n{text}"
    );
    for report in explanation.matched.iter().chain(&explanation.near_misses) {
        // Every statement the explanation points at must be in the text it points into.
        assert!(
            report.span.start <= report.span.end,
            "a statement span {:?} runs backwards",
            report.span
        );
        for miss in &report.misses {
            assert!(!miss.detail.is_empty(), "a miss without detail:\n{text}");
        }
    }
    let json = serde_json::to_string(&explanation).unwrap_or_default();
    assert!(
        !json.is_empty(),
        "the explanation cannot be written as JSON"
    );
    text
}

/// The `parse_policy` target: the bytes as a policy of every kind. A policy without errors is
/// evaluated in the layer of its kind, in the same account, across accounts and for a service
/// principal, and written back as compact JSON, which must read the same.
pub fn parse_policy(data: &[u8]) {
    let text = text_of(data);
    let source = SourceFile::new("POLICY.json", text.as_str());
    for kind in PolicyKind::ALL {
        let parsed = xacct_policy::parse_policy(&text, kind);
        for finding in &parsed.findings {
            render_finding(&finding.in_source(&source));
        }
        if parsed.has_errors() {
            continue;
        }
        check_span(&text, parsed.policy.span, "policy");
        for statement in &parsed.policy.statements {
            check_span(&text, statement.span, "statement");
        }
        let fixed: &[&Fixed] = if kind == PolicyKind::Trust {
            &[&ASSUME_ROLE, &SERVICE]
        } else {
            &[&SAME_ACCOUNT, &CROSS_ACCOUNT, &SERVICE]
        };
        for fixed in fixed {
            if let Some(request) = build(fixed, policy_set(parsed.policy.clone(), &source)) {
                decide(&request);
            }
        }
        round_trip(&text, kind, &parsed.findings);
    }
}

/// The compact form of a policy must read exactly as the policy did: same findings, same
/// statements.
fn round_trip(text: &str, kind: PolicyKind, findings: &[xacct_policy::Finding]) {
    let Ok(value) = json::parse(text) else {
        return;
    };
    let compact = value.to_compact_string();
    let again = json::parse(&compact);
    assert!(
        again.is_ok(),
        "the compact form does not parse: {compact:?} ({again:?})"
    );
    if let Ok(again) = again {
        assert_eq!(
            again.to_compact_string(),
            compact,
            "the compact form changes when read again"
        );
    }
    let reparsed = xacct_policy::parse_policy(&compact, kind);
    let codes = |findings: &[xacct_policy::Finding]| {
        let mut codes: Vec<&str> = findings.iter().map(|finding| finding.code).collect();
        codes.sort_unstable();
        codes
    };
    assert_eq!(
        codes(findings),
        codes(&reparsed.findings),
        "the compact form {compact:?} reads differently as a {kind} policy"
    );
}

/// The `read_request` target: the bytes as a REQUEST.json, read, decided and explained.
pub fn read_request(data: &[u8]) {
    let text = text_of(data);
    let source = SourceFile::new("REQUEST.json", text.as_str());
    let read = xacct_eval::wire::read_request(&source, &NoFiles);
    for finding in &read.findings {
        render_finding(finding);
    }
    if let Some(request) = &read.request {
        decide(request);
    }
}
