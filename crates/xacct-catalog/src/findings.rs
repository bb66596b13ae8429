//! Service-aware warnings about a policy: actions, condition keys and resource types that the
//! AWS reference does not know or that cannot go together.
//!
//! AWS accepts every one of these policies, so everything here is a warning. Only covered
//! services are judged; anything about another service, or anything uncertain, is left alone.

use crate::catalog::{Action, Catalog, ResourcePattern, ResourceType};
use xacct_policy::condition::{BaseOperator, Condition};
use xacct_policy::document::{ActionClause, ResourceClause};
use xacct_policy::{Finding, Policy, Statement};

/// Codes of the findings made here.
pub mod code {
    /// An action, or an action pattern, of a covered service that names no action.
    pub const UNKNOWN_ACTION: &str = "unknown-action";
    /// A condition key of a covered service, or an `aws:` key, that AWS does not document.
    pub const UNKNOWN_CONDITION_KEY: &str = "unknown-condition-key";
    /// A statement whose actions can never act on the resources it names.
    pub const RESOURCE_TYPE_MISMATCH: &str = "resource-type-mismatch";
    /// An operator without `ForAnyValue`/`ForAllValues` on a key the reference marks
    /// multivalued (`ArrayOf...`).
    pub const MULTIVALUED_KEY_WITHOUT_SET_OPERATOR: &str = "multivalued-key-without-set-operator";
}

impl Catalog {
    /// The service-aware warnings for a policy, in source order.
    pub fn findings(&self, policy: &Policy) -> Vec<Finding> {
        let mut findings = Vec::new();
        for statement in &policy.statements {
            self.action_findings(&statement.action, &mut findings);
            for condition in &statement.conditions {
                self.condition_finding(condition, &mut findings);
            }
            match self.mismatch_finding(statement) {
                Some(finding) => findings.push(finding),
                None => self.partial_mismatch_findings(statement, &mut findings),
            }
        }
        findings.sort_by_key(|finding| (finding.span.start, finding.span.end));
        findings
    }

    fn action_findings(&self, clause: &ActionClause, findings: &mut Vec<Finding>) {
        for pattern in &clause.patterns {
            let Some(service) = pattern
                .value
                .service()
                .and_then(|prefix| self.service(prefix))
            else {
                continue;
            };
            let text = pattern.value.as_str();
            let name = text.split_once(':').map_or(text, |(_, name)| name);
            if name.contains(['*', '?']) {
                if !service
                    .actions
                    .iter()
                    .any(|action| action.matches(&pattern.value))
                {
                    findings.push(Finding::warning(
                        code::UNKNOWN_ACTION,
                        pattern.span,
                        format!(
                            "`{text}` matches no action of {} (`{}`)",
                            service.name,
                            service.prefix()
                        ),
                    ));
                }
            } else if service.action(name).is_none() {
                let mut finding = Finding::warning(
                    code::UNKNOWN_ACTION,
                    pattern.span,
                    format!(
                        "`{text}` is not an action of {} (`{}`)",
                        service.name,
                        service.prefix()
                    ),
                );
                if let Some(suggestion) = self.suggest_action(text) {
                    finding = finding.with_help(format!("did you mean `{suggestion}`?"));
                }
                findings.push(finding);
            }
        }
    }

    fn condition_finding(&self, condition: &Condition, findings: &mut Vec<Finding>) {
        self.multivalued_finding(condition, findings);
        let key = condition.key.as_str();
        let Some((prefix, _)) = key.split_once(':') else {
            return;
        };
        let message = if prefix.eq_ignore_ascii_case("aws") {
            if self.global_condition_key(key).is_some() {
                return;
            }
            format!("`{key}` is not a documented global condition key")
        } else {
            let Some(service) = self.service(prefix) else {
                return;
            };
            if self.condition_key(key).is_some() {
                return;
            }
            format!(
                "`{key}` is not a condition key of {} (`{}`)",
                service.name,
                service.prefix()
            )
        };
        let help = match self.suggest_condition_key(key) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => "no request carries this key, so it is always absent: the condition holds only where an absent key passes (`Null`, `...IfExists`, negated operators)".to_owned(),
        };
        findings.push(
            Finding::warning(code::UNKNOWN_CONDITION_KEY, condition.key_span, message)
                .with_help(help),
        );
    }

    /// A plain operator on a multivalued key: "to compare your condition against a request
    /// context with multiple key values, you must use the ForAllValues or ForAnyValue set
    /// operators" (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>).
    /// AWS stores the policy; a request with one value is compared as usual, one with several
    /// values never meets a positive operator, which users rarely mean.
    fn multivalued_finding(&self, condition: &Condition, findings: &mut Vec<Finding>) {
        let operator = condition.operator;
        if operator.set.is_some() || operator.base == BaseOperator::Null {
            return;
        }
        let Some(key) = self.condition_key(&condition.key) else {
            return;
        };
        if !key.value_type.starts_with("ArrayOf") {
            return;
        }
        let name = operator.name();
        findings.push(
            Finding::warning(
                code::MULTIVALUED_KEY_WITHOUT_SET_OPERATOR,
                condition.operator_span,
                format!(
                    "`{name}` on `{}`, a multivalued key ({}), without ForAnyValue or ForAllValues: AWS compares a request with a single value as usual, but a request with several values never matches a positive operator{}",
                    condition.key,
                    key.value_type,
                    if operator.base.is_negated() { " (and a negated one is undocumented)" } else { "" }
                ),
            )
            .with_help(format!(
                "write `ForAnyValue:{name}` (some value of the request is listed) or `ForAllValues:{name}` (every value is listed; also true when the key is absent or empty)"
            )),
        );
    }

    /// A warning when no action of the statement can act on any resource it names. Silent
    /// whenever that is not certain: `NotAction`, `NotResource`, `*`, uncovered services,
    /// unknown actions, actions without resource types (AWS reads their `Resource`
    /// loosely), and patterns this crate cannot reason about.
    fn mismatch_finding(&self, statement: &Statement) -> Option<Finding> {
        let resource = statement.resource.as_ref()?;
        if statement.action.negated || resource.negated || statement.action.patterns.is_empty() {
            return None;
        }
        let mut actions: Vec<&Action> = Vec::new();
        for pattern in &statement.action.patterns {
            let service = pattern.value.service()?;
            let service = self.service(service)?;
            let matched: Vec<&Action> = service
                .actions
                .iter()
                .filter(|action| action.matches(&pattern.value))
                .collect();
            if matched.is_empty()
                || matched
                    .iter()
                    .any(|action| action.resource_types.is_empty())
            {
                return None;
            }
            actions.extend(matched);
        }

        // Patterns that match no ARN at all are reported by the policy reader; they count as
        // mismatches here but are not enough on their own.
        let patterns: Vec<(usize, ResourcePattern)> = resource
            .patterns
            .iter()
            .enumerate()
            .filter(|(_, pattern)| pattern.value.can_match())
            .map(|(index, pattern)| (index, ResourcePattern::from_arn_pattern(&pattern.value)))
            .collect();
        if patterns.is_empty()
            || patterns
                .iter()
                .any(|(_, pattern)| pattern.is_unconstrained())
        {
            return None;
        }
        let action_types: Vec<Vec<&ResourceType>> = actions
            .iter()
            .map(|action| self.resource_types_for(action))
            .collect();
        if action_types.iter().any(Vec::is_empty) {
            return None;
        }
        let applies = action_types.iter().any(|types| {
            types.iter().any(|resource_type| {
                patterns
                    .iter()
                    .any(|(_, pattern)| resource_type.can_be_named_by(pattern))
            })
        });
        if applies {
            return None;
        }
        Some(self.describe_mismatch(statement, resource, &actions, &action_types, &patterns))
    }

    fn describe_mismatch(
        &self,
        statement: &Statement,
        resource: &ResourceClause,
        actions: &[&Action],
        action_types: &[Vec<&ResourceType>],
        patterns: &[(usize, ResourcePattern)],
    ) -> Finding {
        let home = actions
            .first()
            .map(|action| action.service())
            .unwrap_or_default();

        // What the actions act on, each type once.
        let mut wanted: Vec<&ResourceType> = Vec::new();
        for resource_type in action_types.iter().flatten() {
            if !wanted
                .iter()
                .any(|seen| std::ptr::eq(*seen, *resource_type))
            {
                wanted.push(resource_type);
            }
        }

        // What the resources name, among all covered types, each ARN format once.
        let mut named: Vec<&ResourceType> = Vec::new();
        for service in self.services() {
            for resource_type in &service.resource_types {
                let names_it = patterns
                    .iter()
                    .any(|(_, pattern)| resource_type.can_be_named_by(pattern));
                if !names_it {
                    continue;
                }
                match named
                    .iter_mut()
                    .find(|seen| seen.arn.eq_ignore_ascii_case(&resource_type.arn))
                {
                    // Prefer the type listed by the ARN's own service.
                    Some(seen) => {
                        if resource_type.service() == resource_type.arn_service()
                            && seen.service() != seen.arn_service()
                        {
                            *seen = resource_type;
                        }
                    }
                    None => named.push(resource_type),
                }
            }
        }

        let single_action = match statement.action.patterns.as_slice() {
            [only] if !only.value.as_str().contains(['*', '?']) => Some(only.value.as_str()),
            _ => None,
        };
        let subject = match single_action {
            Some(action) => format!("`{action}` acts on"),
            None => {
                let listed: Vec<String> = statement
                    .action
                    .patterns
                    .iter()
                    .take(3)
                    .map(|pattern| format!("`{}`", pattern.value.as_str()))
                    .collect();
                let more = if statement.action.patterns.len() > 3 {
                    ", ..."
                } else {
                    ""
                };
                format!("its actions ({}{more}) act on", listed.join(", "))
            }
        };
        let object = if wanted.len() <= 3 {
            alternatives(
                wanted
                    .iter()
                    .map(|resource_type| {
                        format!(
                            "{} (`{}`)",
                            label(resource_type, home),
                            resource_type.arn_display()
                        )
                    })
                    .collect(),
            )
        } else {
            format!("{} resource types", wanted.len())
        };
        let resources = if named.is_empty() || named.len() > 3 {
            let texts: Vec<String> = patterns
                .iter()
                .take(3)
                .filter_map(|(index, _)| resource.texts.get(*index))
                .map(|text| format!("`{text}`"))
                .collect();
            let more = if patterns.len() > 3 { ", ..." } else { "" };
            let what = if named.is_empty() {
                "no resource of those types"
            } else {
                "other resources"
            };
            format!("Resource ({}{more}) names {what}", texts.join(", "))
        } else {
            format!(
                "Resource names {}",
                alternatives(
                    named
                        .iter()
                        .map(|resource_type| label(resource_type, home))
                        .collect()
                )
            )
        };
        let mut finding = Finding::warning(
            code::RESOURCE_TYPE_MISMATCH,
            resource.span,
            format!("statement can never apply: {subject} {object} but {resources}"),
        );
        // The plainest ARN the actions take: the one with the fewest placeholders.
        if let Some(simplest) = wanted
            .iter()
            .min_by_key(|resource_type| resource_type.arn.matches("${").count())
        {
            finding = finding.with_help(format!(
                "name a resource the action acts on, such as `{}`, or move the action to a statement whose Resource does",
                simplest.arn_display()
            ));
        }
        finding
    }
}

impl Catalog {
    /// A warning for each action, named without wildcards, that can act on none of the
    /// statement's resources while other actions of the statement can (the classic
    /// `s3:ListBucket` listed with object actions on `bucket/*`). Silent on the same
    /// uncertain cases as [`Catalog::mismatch_finding`].
    fn partial_mismatch_findings(&self, statement: &Statement, findings: &mut Vec<Finding>) {
        let Some(resource) = statement.resource.as_ref() else {
            return;
        };
        if statement.action.negated || resource.negated {
            return;
        }
        let patterns: Vec<ResourcePattern> = resource
            .patterns
            .iter()
            .filter(|pattern| pattern.value.can_match())
            .map(|pattern| ResourcePattern::from_arn_pattern(&pattern.value))
            .collect();
        if patterns.is_empty() || patterns.iter().any(ResourcePattern::is_unconstrained) {
            return;
        }
        for pattern in &statement.action.patterns {
            let text = pattern.value.as_str();
            if text.contains(['*', '?']) {
                continue;
            }
            let Some(service) = pattern
                .value
                .service()
                .and_then(|service| self.service(service))
            else {
                continue;
            };
            let Some(action) = service
                .actions
                .iter()
                .find(|action| action.matches(&pattern.value))
            else {
                continue;
            };
            let types = self.resource_types_for(action);
            if types.is_empty() {
                continue;
            }
            let applies = types.iter().any(|resource_type| {
                patterns
                    .iter()
                    .any(|pattern| resource_type.can_be_named_by(pattern))
            });
            if applies {
                continue;
            }
            let home = action.service();
            let wanted: Vec<String> = types
                .iter()
                .map(|resource_type| label(resource_type, home))
                .collect();
            let mut finding = Finding::warning(
                code::RESOURCE_TYPE_MISMATCH,
                pattern.span,
                format!(
                    "`{text}` in this statement can never apply: it acts on {}, and no Resource of the statement names one",
                    alternatives(wanted)
                ),
            );
            if let Some(simplest) = types
                .iter()
                .min_by_key(|resource_type| resource_type.arn.matches("${").count())
            {
                finding = finding.with_help(format!(
                    "add a Resource such as `{}`, or move the action to a statement whose Resource names one",
                    simplest.arn_display()
                ));
            }
            findings.push(finding);
        }
    }
}

/// `bucket` → `buckets`; a type of another service than the actions' gets its service:
/// `kms keys`.
fn label(resource_type: &ResourceType, home: &str) -> String {
    let plural = plural(&resource_type.name);
    let service = resource_type.arn_service();
    if service.eq_ignore_ascii_case(home) {
        plural
    } else {
        format!("{service} {plural}")
    }
}

fn plural(name: &str) -> String {
    if name.ends_with('s') || name.ends_with('x') {
        format!("{name}es")
    } else if let Some(stem) = name
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{name}s")
    }
}

/// `a`, `a or b`, `a, b or c`.
fn alternatives(items: Vec<String>) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
