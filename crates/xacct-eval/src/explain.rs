//! Explanations a person can act on: which layer decided, which statements matched, and for
//! statements that almost applied, the exact element that did not.

mod condition;

pub use condition::ConditionReport;

use crate::assumed::Assumption;
use crate::authorize::{Decision, Gap, Response, StatementRef};
use crate::matching::{check, Element, StatementMatch};
use crate::request::{Layer, Request, SourcedPolicy};
use serde::Serialize;
use std::fmt::Write as _;
use xacct_policy::{Effect, Span, Statement};

/// Everything known about one decision, for people (`to_text`) and programs (serde).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub decision: Decision,
    pub principal: String,
    pub action: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_account: Option<String>,
    pub resource_account: String,
    pub cross_account: bool,
    /// The layer whose verdict decided: the deny's layer, or the first missing allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deciding_layer: Option<Layer>,
    /// Sentences that say why, most important first.
    pub reasons: Vec<String>,
    pub gaps: Vec<Gap>,
    /// Statements that applied.
    pub matched: Vec<StatementReport>,
    /// Statements that failed on exactly one element.
    pub near_misses: Vec<StatementReport>,
    /// Facts about how the evaluation treated the request.
    pub notes: Vec<String>,
    /// What the request rests on that nobody stated: the time, the Region, ...
    pub assumptions: Vec<Assumption>,
}

/// One statement, located.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementReport {
    #[serde(flatten)]
    pub reference: StatementRef,
    /// The policy's place in the request, e.g. `identityPolicies[0]`.
    pub policy_label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `file:line:column` of the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub span: Span,
    pub misses: Vec<Miss>,
    /// For a statement that applied, each of its conditions and the values that met it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionReport>,
}

/// An element of a statement that did not match, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Miss {
    pub element: Element,
    pub detail: String,
    /// For a condition that did not hold: its key, operator and both sides' values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<ConditionReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub span: Span,
}

/// Every (reference, policy, statement) in the layers that took part.
fn every_statement<'r>(
    request: &'r Request,
    response: &Response,
) -> Vec<(StatementRef, &'r SourcedPolicy, &'r Statement)> {
    let mut out = Vec::new();
    let mut push_layer = |layer: Layer, level: Option<usize>| {
        for (index, policy) in request.policies.layer(layer, level).into_iter().enumerate() {
            for statement in &policy.policy.statements {
                out.push((
                    StatementRef {
                        layer,
                        level,
                        policy: index,
                        statement: statement.index,
                        effect: statement.effect,
                        naming: None,
                    },
                    policy,
                    statement,
                ));
            }
        }
    };
    if response.rcps_apply {
        for level in 0..request.policies.rcps.len() {
            push_layer(Layer::Rcp, Some(level));
        }
    }
    if response.scps_apply {
        for level in 0..request.policies.scps.len() {
            push_layer(Layer::Scp, Some(level));
        }
    }
    for layer in [
        Layer::ResourcePolicy,
        Layer::Identity,
        Layer::PermissionBoundary,
        Layer::SessionPolicy,
    ] {
        push_layer(layer, None);
    }
    out
}

fn find_statement<'r>(
    request: &'r Request,
    reference: &StatementRef,
) -> Option<(&'r SourcedPolicy, &'r Statement)> {
    let policy = *request
        .policies
        .layer(reference.layer, reference.level)
        .get(reference.policy)?;
    let statement = policy
        .policy
        .statements
        .iter()
        .find(|statement| statement.index == reference.statement)?;
    Some((policy, statement))
}

fn report(
    reference: StatementRef,
    policy: &SourcedPolicy,
    statement: &Statement,
    misses: Vec<Miss>,
    conditions: Vec<ConditionReport>,
) -> StatementReport {
    StatementReport {
        reference,
        policy_label: policy.label.clone(),
        sid: statement.sid.as_ref().map(|sid| sid.value.clone()),
        location: policy.location(statement.span),
        span: statement.span,
        misses,
        conditions,
    }
}

/// Every condition of a statement that applied, with the values that met it.
fn held_conditions(statement: &Statement, request: &Request) -> Vec<ConditionReport> {
    statement
        .conditions
        .iter()
        .map(|condition| ConditionReport::new(condition, statement.effect, request))
        .collect()
}

fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| format!("`{item}`")).collect();
    format!("[{}]", items.join(", "))
}

fn misses_of(
    statement: &Statement,
    policy: &SourcedPolicy,
    request: &Request,
    elements: &[Element],
) -> Vec<Miss> {
    let mut misses = Vec::new();
    let located = |span: Span| policy.location(span);
    for element in elements {
        match element {
            Element::Action | Element::NotAction => {
                let listed =
                    quoted_list(statement.action.patterns.iter().map(|p| p.value.as_str()));
                let detail = if *element == Element::Action {
                    format!("`{}` is not matched by Action {listed}", request.action)
                } else {
                    format!("`{}` is excluded by NotAction {listed}", request.action)
                };
                misses.push(Miss {
                    element: *element,
                    detail,
                    condition: None,
                    location: located(statement.action.span),
                    span: statement.action.span,
                });
            }
            Element::Resource | Element::NotResource => {
                if let Some(clause) = &statement.resource {
                    let listed = quoted_list(clause.texts.iter().map(String::as_str));
                    let detail = if *element == Element::Resource {
                        format!("`{}` does not match Resource {listed}", request.resource)
                    } else {
                        format!("`{}` is excluded by NotResource {listed}", request.resource)
                    };
                    misses.push(Miss {
                        element: *element,
                        detail,
                        condition: None,
                        location: located(clause.span),
                        span: clause.span,
                    });
                }
            }
            Element::Principal | Element::NotPrincipal => {
                if let Some(clause) = &statement.principal {
                    let listed = quoted_list(
                        clause
                            .entries
                            .iter()
                            .map(|entry| entry.value.describe())
                            .collect::<Vec<_>>()
                            .iter()
                            .map(String::as_str),
                    );
                    let detail = if *element == Element::Principal {
                        format!("`{}` is not named by Principal {listed}", request.caller)
                    } else {
                        format!("`{}` is exempted by NotPrincipal {listed}", request.caller)
                    };
                    misses.push(Miss {
                        element: *element,
                        detail,
                        condition: None,
                        location: located(clause.span),
                        span: clause.span,
                    });
                }
            }
            Element::Condition => {
                for condition in &statement.conditions {
                    let report = ConditionReport::new(condition, statement.effect, request);
                    if report.holds {
                        continue;
                    }
                    misses.push(Miss {
                        element: Element::Condition,
                        detail: format!("Condition: {}", report.sentence),
                        condition: Some(report),
                        location: located(condition.key_span),
                        span: condition.operator_span,
                    });
                }
            }
        }
    }
    misses
}

fn statement_name(policy: &SourcedPolicy, statement: &Statement) -> String {
    match &statement.sid {
        Some(sid) if !sid.value.is_empty() => {
            format!("statement `{}` of {}", sid.value, policy.label)
        }
        _ => format!("statement #{} of {}", statement.index, policy.label),
    }
}

fn level_name(level: Option<usize>) -> String {
    match level {
        Some(0) => " at the organization root".to_owned(),
        Some(level) => format!(" at organization level {level}"),
        None => String::new(),
    }
}

impl Explanation {
    /// Builds the explanation of `response`, which must come from `authorize(request)`.
    pub fn new(request: &Request, response: &Response) -> Self {
        let caller = request.caller.to_string();
        let owner = request.caller.policy_owner();
        let action = request.action.to_string();
        let resource = request.resource.to_string();
        let mut reasons: Vec<String> = response
            .refused_by_service
            .iter()
            .map(|refusal| refusal.explanation.clone())
            .collect();
        let mut matched = Vec::new();
        for reference in response.denies.iter().chain(&response.allows) {
            if let Some((policy, statement)) = find_statement(request, reference) {
                let conditions = held_conditions(statement, request);
                if reference.effect == Effect::Deny {
                    let location = policy
                        .location(statement.span)
                        .map(|location| format!(" ({location})"))
                        .unwrap_or_default();
                    let because = if conditions.is_empty() {
                        String::new()
                    } else {
                        let sentences: Vec<&str> = conditions
                            .iter()
                            .map(|condition| condition.sentence.as_str())
                            .collect();
                        format!(": {}", sentences.join("; "))
                    };
                    reasons.push(format!(
                        "explicitly denied by {}{} in the {}{location}{because}",
                        statement_name(policy, statement),
                        level_name(reference.level),
                        reference.layer.describe(),
                    ));
                }
                matched.push(report(
                    *reference,
                    policy,
                    statement,
                    Vec::new(),
                    conditions,
                ));
            }
        }
        let resource_allowed = response
            .allows
            .iter()
            .any(|reference| reference.layer == Layer::ResourcePolicy);
        let identity_allowed = response
            .allows
            .iter()
            .any(|reference| reference.layer == Layer::Identity);
        let is_trust = response.resource_policy_required && request.action.service() == "sts";
        let resource_policy_name = match &request.policies.resource {
            _ if is_trust => format!("the trust policy of `{resource}`"),
            // Policies from a scenario carry their owner in the label ("bucket policy of lake-b").
            Some(policy) if policy.label.contains(" of ") => format!("the {}", policy.label),
            _ => "the resource-based policy".to_owned(),
        };
        for gap in &response.gaps {
            let sentence = match gap {
                Gap::ScpLevel { level } => format!(
                    "no service control policy{} allows `{action}`: every level from the root to the account must allow it",
                    level_name(Some(*level))
                ),
                Gap::ResourcePolicy if request.policies.resource.is_none() => {
                    if request.caller.is_outside_iam() {
                        let kind = if request.caller.is_service() { "a service principal" } else { "an identity provider" };
                        format!("`{caller}` is {kind}, so only a resource-based policy can grant it access, and there is none")
                    } else if response.cross_account {
                        format!("cross-account: `{resource}` belongs to {}, which has no resource-based policy here, so nothing on the resource side allows `{caller}`", request.resource_account)
                    } else {
                        format!("{resource_policy_name} is required for `{action}`, and there is none")
                    }
                }
                Gap::ResourcePolicy if response.cross_account => format!(
                    "cross-account: {resource_policy_name} (account {}) does not allow `{caller}` to `{action}`{}",
                    request.resource_account,
                    if identity_allowed && !request.caller.is_outside_iam() { ", although an identity-based policy does" } else { "" }
                ),
                Gap::ResourcePolicy => format!(
                    "{resource_policy_name} does not allow `{caller}` to `{action}`, and it must: identity-based policies alone cannot grant this"
                ),
                Gap::Identity if response.cross_account => format!(
                    "cross-account: {}no identity-based policy of `{owner}` allows `{action}` on `{resource}`",
                    if resource_allowed { "the resource policy allows, but " } else { "" }
                ),
                Gap::Identity if resource_allowed => format!(
                    "the resource policy names only the account {}, which delegates to the account's own policies, and no identity-based policy of `{owner}` allows `{action}` on `{resource}`",
                    request.resource_account
                ),
                Gap::Identity => format!(
                    "no identity-based policy of `{owner}` allows `{action}` on `{resource}`, and no resource-based policy names `{caller}`"
                ),
                Gap::PermissionBoundary => format!(
                    "the permissions boundary does not allow `{action}` on `{resource}`; it caps what identity-based policies{} grant",
                    if response.cross_account { "" } else { " and resource policies naming the role ARN" }
                ),
                Gap::SessionPolicy if request.policies.session.is_none() => format!(
                    "`{caller}` is a federated-user session without a session policy, which has no permissions"
                ),
                Gap::SessionPolicy => format!(
                    "the session policy does not allow `{action}` on `{resource}`; it caps what the role's policies grant"
                ),
            };
            reasons.push(sentence);
        }
        if response.decision == Decision::Allow {
            let mut by: Vec<String> = response
                .allows
                .iter()
                .filter(|reference| {
                    matches!(reference.layer, Layer::Identity | Layer::ResourcePolicy)
                })
                .filter_map(|reference| {
                    find_statement(request, reference)
                        .map(|(policy, statement)| statement_name(policy, statement))
                })
                .collect();
            by.dedup();
            let how = if request.caller.is_outside_iam() || !response.cross_account {
                "allowed"
            } else {
                "allowed on both sides of the account boundary"
            };
            if by.is_empty() {
                reasons.push(format!("{how}: `{caller}` is the account's root user, which needs no identity-based policy"));
            } else {
                reasons.push(format!("{how} by {}", by.join(", ")));
            }
        }

        let mut near_misses = Vec::new();
        for (reference, policy, statement) in every_statement(request, response) {
            if let StatementMatch::Misses(elements) = check(statement, request) {
                let relevant = elements.len() == 1
                    && (statement.effect == Effect::Allow)
                        == (response.decision != Decision::Allow);
                if relevant {
                    let misses = misses_of(statement, policy, request, &elements);
                    near_misses.push(report(reference, policy, statement, misses, Vec::new()));
                }
            }
        }

        let mut notes = Vec::new();
        if !request.policies.scps.is_empty() && !response.scps_apply {
            notes.push(if request.principal_is_management_account {
                "SCPs were not applied: they do not affect principals of the organization's management account".to_owned()
            } else if request.principal_is_service_linked_role {
                "SCPs were not applied: they do not affect service-linked roles".to_owned()
            } else {
                "SCPs were not applied: they do not affect service principals".to_owned()
            });
        }
        if !request.policies.rcps.is_empty() && !response.rcps_apply {
            notes.push(if request.principal_is_service_linked_role {
                "RCPs were not applied: they do not affect service-linked roles".to_owned()
            } else {
                format!(
                    "RCPs were not applied: `{}` is not among the actions RCPs restrict (see crates/xacct-eval/src/coverage.rs)",
                    request.action
                )
            });
        }
        if response.rcps_apply {
            notes.push("RCPFullAWSAccess is attached at every level and cannot be detached, so RCPs only deny".to_owned());
        }

        let deciding_layer = response
            .denies
            .first()
            .map(|reference| reference.layer)
            .or_else(|| response.gaps.first().map(|gap| gap.layer()));
        Self {
            decision: response.decision,
            principal: caller,
            action,
            resource,
            principal_account: request.caller.account().map(|account| account.to_string()),
            resource_account: request.resource_account.to_string(),
            cross_account: response.cross_account,
            deciding_layer,
            reasons,
            gaps: response.gaps.clone(),
            matched,
            near_misses,
            notes,
            assumptions: request.assumptions.clone(),
        }
    }

    /// One `assumed:` line for each assumption.
    pub fn assumptions_text(&self) -> String {
        self.assumptions
            .iter()
            .map(|assumption| format!("  assumed: {}\n", assumption.detail))
            .collect()
    }

    /// The explanation as plain text, one fact a line. The assumptions are left to the caller,
    /// which says them once for an answer made of many explanations
    /// ([`Explanation::assumptions_text`]).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: `{}` -> `{}` on `{}`",
            self.decision.name(),
            self.principal,
            self.action,
            self.resource
        );
        let principal_account = self
            .principal_account
            .as_deref()
            .unwrap_or("(service principal)");
        let _ = writeln!(
            out,
            "  {}: principal account {principal_account}, resource account {}",
            if self.cross_account {
                "cross-account"
            } else {
                "same account"
            },
            self.resource_account
        );
        if let Some(layer) = self.deciding_layer {
            let _ = writeln!(out, "  decided by: {}", layer.describe());
        }
        for reason in &self.reasons {
            let _ = writeln!(out, "  - {reason}");
        }
        let write_report = |out: &mut String, report: &StatementReport| {
            let name = match &report.sid {
                Some(sid) => format!("`{sid}`"),
                None => format!("#{}", report.reference.statement),
            };
            let location = report
                .location
                .as_deref()
                .map(|location| format!(" at {location}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {} {} statement {name} of {}{location}",
                report.reference.layer.describe(),
                report.reference.effect,
                report.policy_label
            );
            for miss in &report.misses {
                let _ = writeln!(out, "      {}", miss.detail);
            }
            for condition in &report.conditions {
                let _ = writeln!(out, "      Condition: {}", condition.sentence);
            }
        };
        if !self.matched.is_empty() {
            let _ = writeln!(out, "  matched:");
            for report in &self.matched {
                write_report(&mut out, report);
            }
        }
        if !self.near_misses.is_empty() {
            let _ = writeln!(out, "  near misses:");
            for report in &self.near_misses {
                write_report(&mut out, report);
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        out
    }
}
