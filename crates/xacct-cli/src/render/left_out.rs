//! What an answer rests on besides the scenario: entities of exports left out for their own
//! errors, and parts of a Terraform plan that are undecided until apply. Every command that
//! answers from a world lists them with its answer, so none reads as final when it is not.

use serde_json::{json, Value};
use std::fmt::Write as _;
use xacct_world::import::terraform::PLAN_PART;
use xacct_world::import::LeftOut;

/// The lines `left out: KIND ENTITY (REASON)`, then, when a plan left parts undecided, what
/// that means for the answer.
pub fn text(left_out: &[LeftOut]) -> String {
    let mut out = String::new();
    // An address or an export's entity may hold any character (a `for_each` key): each line
    // stays one line.
    for entity in left_out {
        let _ = writeln!(
            out,
            "left out: {} {} ({})",
            entity.kind,
            xacct_plan::render::one_line(&entity.entity),
            xacct_plan::render::one_line(&entity.reason)
        );
    }
    let undecided = undecided_plan_parts(left_out);
    if undecided > 0 {
        let _ = writeln!(
            out,
            "note: {undecided} part(s) of the Terraform plan are undecided until apply: this answer \
             may change once they are applied (a Deny among them could take access away, an Allow \
             could grant more); check again after apply, or make them known in the plan"
        );
    }
    out
}

/// [`text`] set apart from the answer above it by a blank line, or nothing.
pub fn after_answer(left_out: &[LeftOut]) -> String {
    if left_out.is_empty() {
        String::new()
    } else {
        format!("\n{}", text(left_out))
    }
}

/// `[{kind, entity, reason, undecidedUntilApply}]`.
pub fn json(left_out: &[LeftOut]) -> Value {
    left_out
        .iter()
        .map(|entity| {
            json!({
                "kind": entity.kind,
                "entity": entity.entity,
                "reason": entity.reason,
                "undecidedUntilApply": entity.kind == PLAN_PART,
            })
        })
        .collect()
}

/// How many parts of a Terraform plan were left out: their effect on any answer is unknown.
pub fn undecided_plan_parts(left_out: &[LeftOut]) -> usize {
    left_out
        .iter()
        .filter(|entity| entity.kind == PLAN_PART)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(kind: &'static str) -> LeftOut {
        LeftOut {
            kind,
            entity: "aws_iam_role_policy.reader".to_owned(),
            reason: "`policy` is known only after apply".to_owned(),
            findings: vec![0],
        }
    }

    #[test]
    fn a_plan_part_makes_the_answer_provisional() {
        let text = text(&[part(PLAN_PART)]);
        assert!(text.contains("left out: Terraform resource aws_iam_role_policy.reader"));
        assert!(text.contains("note: 1 part(s) of the Terraform plan are undecided"));
        assert_eq!(json(&[part(PLAN_PART)])[0]["undecidedUntilApply"], true);
    }

    #[test]
    fn an_address_with_a_line_break_stays_on_its_line() {
        let mut entity = part(PLAN_PART);
        entity.entity = "aws_iam_role_policy.r[\"a\nnote: all clear\"]".to_owned();
        let text = text(&[entity]);
        assert!(!text.contains("\nnote: all clear"), "{text}");
        assert!(text.contains("\\nnote: all clear"), "{text}");
    }

    #[test]
    fn an_export_entity_left_out_is_listed_without_the_plan_note() {
        let text = text(&[part("role")]);
        assert!(text.starts_with("left out: role"));
        assert!(!text.contains("note:"));
        assert_eq!(json(&[part("role")])[0]["undecidedUntilApply"], false);
    }
}
