//! One condition of a statement, as the explanation shows it: the key, the operator, what the
//! request carried and what the policy wanted, and a sentence saying how they met.

use crate::request::Request;
use serde::Serialize;
use xacct_policy::condition::{BaseOperator, Condition, Family, SetQualifier};
use xacct_policy::{ConditionContext, Effect, RequestValues};

/// A condition with the values that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionReport {
    /// The key as the policy writes it.
    pub key: String,
    /// The operator as written, qualifiers included (`ForAnyValue:StringNotLikeIfExists`).
    pub operator: String,
    pub policy_values: Vec<String>,
    /// `None` when the request does not carry the key.
    pub request_values: Option<Vec<String>>,
    /// Whether the condition held for the request.
    pub holds: bool,
    /// The condition in words: "aws:SourceVpce is `vpce-0a11`, the policy requires `vpce-0b22`".
    pub sentence: String,
}

fn quoted(items: &[String]) -> String {
    match items {
        [one] => format!("`{one}`"),
        many => {
            let items: Vec<String> = many.iter().map(|item| format!("`{item}`")).collect();
            format!("one of [{}]", items.join(", "))
        }
    }
}

/// The request's values, all of them.
fn quoted_all(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    format!("[{}]", items.join(", "))
}

impl ConditionReport {
    /// Describes `condition` of a statement with `effect` against the request.
    pub fn new(condition: &Condition, effect: Effect, request: &Request) -> Self {
        let holds = condition.holds(&request.context, effect);
        let request_values = match request.context.lookup(&condition.key_lowercase) {
            RequestValues::Absent => None,
            RequestValues::Single(one) => Some(vec![one.to_owned()]),
            RequestValues::Multi(many) => Some(many.to_vec()),
        };
        let policy_values: Vec<String> = condition
            .values
            .iter()
            .map(|value| value.text.clone())
            .collect();
        let operator = condition.operator.name();
        let sentence = sentence(
            condition,
            &operator,
            &policy_values,
            request_values.as_deref(),
            holds,
        );
        Self {
            key: condition.key.clone(),
            operator,
            policy_values,
            request_values,
            holds,
            sentence,
        }
    }
}

fn sentence(
    condition: &Condition,
    operator: &str,
    policy: &[String],
    request: Option<&[String]>,
    holds: bool,
) -> String {
    let key = &condition.key;
    let base = condition.operator.base;
    let negated = base.is_negated();
    let Some(request) = request else {
        let verdict = if base == BaseOperator::Null {
            if holds {
                format!("which `{operator}` {} asks for", quoted(policy))
            } else {
                format!("and `{operator}` {} asks for the key", quoted(policy))
            }
        } else if holds {
            format!(
                "and `{operator}` {} holds for an absent key",
                quoted(policy)
            )
        } else {
            format!("so `{operator}` {} does not hold", quoted(policy))
        };
        return format!("{key} is absent from the request, {verdict}");
    };
    let has = match request {
        [one] => format!("`{one}`"),
        many => quoted_all(many),
    };
    let several_without_set =
        request.len() > 1 && condition.operator.set.is_none() && base != BaseOperator::Null;
    if several_without_set {
        return format!(
            "{key} is {has}, several values, which `{operator}` without ForAnyValue/ForAllValues reads as a whole; the policy gives {}; the condition {}",
            quoted(policy),
            if holds { "holds" } else { "does not hold" }
        );
    }
    if base == BaseOperator::Null {
        return format!(
            "{key} is {has} (present), and `{operator}` {} {}",
            quoted(policy),
            if holds {
                "holds"
            } else {
                "asks for it to be absent"
            }
        );
    }
    let set = match condition.operator.set {
        Some(SetQualifier::ForAllValues) => " every value",
        Some(SetQualifier::ForAnyValue) => " some value",
        None => "",
    };
    // An ordering (`DateGreaterThan`, `NumericLessThan`) reads as the operator with its bound.
    let ordered = matches!(base.family(), Family::Numeric | Family::Date)
        && !matches!(
            base,
            BaseOperator::NumericEquals
                | BaseOperator::NumericNotEquals
                | BaseOperator::DateEquals
                | BaseOperator::DateNotEquals
        );
    if ordered {
        return format!(
            "{key} is {has}, {} `{operator}` {}",
            if holds {
                "which meets"
            } else {
                "the policy requires"
            },
            quoted(policy)
        );
    }
    match (negated, holds) {
        (true, true) => format!(
            "{key} is {has}, the policy requires {} (`{operator}`)",
            quoted(policy)
        ),
        (true, false) => format!(
            "{key} is {has}, which matches {}, so `{operator}` does not hold",
            quoted(policy)
        ),
        (false, true) => format!(
            "{key} is {has}, which matches `{operator}` {}",
            quoted(policy)
        ),
        (false, false) => format!(
            "{key} is {has}, the policy requires{set} {} (`{operator}`)",
            quoted(policy)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caller::Caller;
    use crate::context::{Context, ContextValue};
    use crate::request::PolicySet;
    use xacct_policy::{parse_policy, PolicyKind};

    fn report(condition_json: &str, context: &[(&str, ContextValue)]) -> ConditionReport {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{condition_json}}}]}}"#
        );
        let parsed = parse_policy(&text, PolicyKind::Identity);
        let statement = parsed.policy.statements.first().unwrap();
        let mut values = Context::new();
        for (key, value) in context {
            values.insert(key, value.clone()).unwrap();
        }
        let request = Request::new(
            Caller::parse("arn:aws:iam::111111111111:role/r").unwrap(),
            "s3:GetObject".parse().unwrap(),
            "arn:aws:s3:::b/k".parse().unwrap(),
            Some("111111111111".parse().unwrap()),
            values,
            PolicySet::default(),
        )
        .unwrap();
        ConditionReport::new(
            statement.conditions.first().unwrap(),
            Effect::Deny,
            &request,
        )
    }

    #[test]
    fn a_vpc_endpoint_deny_names_both_values() {
        let report = report(
            r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-0b22"}}"#,
            &[("aws:SourceVpce", ContextValue::Single("vpce-0a11".into()))],
        );
        assert!(report.holds);
        assert_eq!(report.request_values, Some(vec!["vpce-0a11".to_owned()]));
        assert_eq!(report.policy_values, ["vpce-0b22"]);
        assert_eq!(
            report.sentence,
            "aws:SourceVpce is `vpce-0a11`, the policy requires `vpce-0b22` (`StringNotEquals`)"
        );
    }

    #[test]
    fn an_absent_key_is_said_to_be_absent() {
        let negated = report(r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-0b22"}}"#, &[]);
        assert!(negated.holds);
        assert_eq!(negated.request_values, None);
        assert_eq!(
            negated.sentence,
            "aws:SourceVpce is absent from the request, and `StringNotEquals` `vpce-0b22` holds for an absent key"
        );
        let positive = report(r#"{"StringEquals":{"aws:SourceVpce":"vpce-0b22"}}"#, &[]);
        assert!(!positive.holds);
        assert_eq!(
            positive.sentence,
            "aws:SourceVpce is absent from the request, so `StringEquals` `vpce-0b22` does not hold"
        );
    }

    #[test]
    fn a_positive_miss_says_what_was_required() {
        let report = report(
            r#"{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-west-3"]}}"#,
            &[(
                "aws:RequestedRegion",
                ContextValue::Single("us-east-1".into()),
            )],
        );
        assert!(!report.holds);
        assert_eq!(
            report.sentence,
            "aws:RequestedRegion is `us-east-1`, the policy requires one of [`eu-west-1`, `eu-west-3`] (`StringEquals`)"
        );
    }

    #[test]
    fn an_ordering_reads_as_the_operator_and_its_bound() {
        let report = report(
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}"#,
            &[(
                "aws:CurrentTime",
                ContextValue::Single("2026-12-07T09:00:00Z".into()),
            )],
        );
        assert_eq!(
            report.sentence,
            "aws:CurrentTime is `2026-12-07T09:00:00Z`, the policy requires `DateGreaterThan` `2027-01-01T00:00:00Z`"
        );
    }

    #[test]
    fn a_negated_miss_says_the_value_matched() {
        let report = report(
            r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}}"#,
            &[],
        );
        assert!(!report.holds);
        assert_eq!(
            report.sentence,
            "aws:PrincipalArn is `arn:aws:iam::111111111111:role/r`, which matches `arn:aws:iam::111111111111:role/*`, so `ArnNotLike` does not hold"
        );
    }
}
