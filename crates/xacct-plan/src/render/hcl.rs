//! HCL through hcl-edit, laid out as `terraform fmt` lays it out: two spaces per level, the
//! `=` of consecutive one-line attributes aligned, a multi-line value ending the run. Every
//! string goes through hcl-edit's encoder, which escapes quotes, control characters and the
//! template sequences `${` and `%{`, so no value from the scenario can add HCL.

use hcl_edit::expr::{
    Array, Expression, FuncArgs, FuncCall, Object, ObjectKey, ObjectValue, ObjectValueAssignment,
    ObjectValueTerminator, Traversal, TraversalOperator,
};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body, Structure};
use hcl_edit::{Decorate, Decorated, Ident, Number};
use serde_json::Value;

/// A value of an attribute.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// A literal: strings, numbers, lists and objects.
    Json(Value),
    /// `jsonencode(...)` of a JSON document (how policies are written).
    JsonEncode(Value),
    /// A reference such as `aws.account_1` or `aws_iam_role.reader.name`, from identifiers
    /// (each sanitised).
    Reference(Vec<String>),
    /// A list of attribute names, as `lifecycle { ignore_changes = [...] }` takes them.
    Names(Vec<String>),
}

/// An attribute or a block of a body.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Attribute {
        key: String,
        value: Val,
    },
    Block {
        /// A one-line comment above the block (control characters are escaped).
        comment: Option<String>,
        kind: String,
        labels: Vec<String>,
        body: Vec<Node>,
    },
}

pub(crate) fn attribute(key: &str, value: Val) -> Node {
    Node::Attribute {
        key: key.to_owned(),
        value,
    }
}

pub(crate) fn string(text: &str) -> Val {
    Val::Json(Value::String(text.to_owned()))
}

pub(crate) fn block(kind: &str, labels: &[&str], body: Vec<Node>) -> Node {
    Node::Block {
        comment: None,
        kind: kind.to_owned(),
        labels: labels.iter().map(|label| (*label).to_owned()).collect(),
        body,
    }
}

/// A Terraform identifier from any text: letters, digits, `_` and `-`, not starting with a
/// digit.
pub(crate) fn identifier(text: &str) -> String {
    let lowered: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    Ident::new_sanitized(lowered).as_str().to_owned()
}

fn pad(level: usize) -> String {
    "  ".repeat(level)
}

/// Whether the value fits on one line as `terraform fmt` keeps it: scalars, empty
/// collections, references and lists of scalars.
fn one_line(value: &Val) -> bool {
    match value {
        Val::Json(json) => json_one_line(json),
        Val::JsonEncode(_) => false,
        Val::Reference(_) | Val::Names(_) => true,
    }
}

fn json_one_line(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items
            .iter()
            .all(|item| !matches!(item, Value::Object(_) | Value::Array(_))),
        _ => true,
    }
}

fn object_key(key: &str) -> ObjectKey {
    match Ident::try_new(key) {
        Ok(ident) => ObjectKey::Ident(Decorated::new(ident)),
        Err(_) => ObjectKey::Expression(Expression::String(Decorated::new(key.to_owned()))),
    }
}

/// How wide the key prints, for aligning the `=` after it.
fn key_width(key: &str) -> usize {
    match Ident::try_new(key) {
        Ok(_) => key.chars().count(),
        Err(_) => Expression::String(Decorated::new(key.to_owned()))
            .to_string()
            .chars()
            .count(),
    }
}

/// Runs of consecutive one-line entries: the padding after each key so that their `=` align.
fn alignment<'a>(entries: impl Iterator<Item = (Option<&'a str>, bool)>) -> Vec<usize> {
    let entries: Vec<(Option<&str>, bool)> = entries.collect();
    let mut out = vec![0; entries.len()];
    let mut start = 0;
    while start < entries.len() {
        let aligned = |index: usize| {
            entries
                .get(index)
                .is_some_and(|(key, single)| key.is_some() && *single)
        };
        if !aligned(start) {
            start += 1;
            continue;
        }
        let mut end = start;
        while aligned(end) {
            end += 1;
        }
        let widest = (start..end)
            .filter_map(|index| entries.get(index).and_then(|(key, _)| *key))
            .map(key_width)
            .max()
            .unwrap_or(0);
        for index in start..end {
            let width = entries
                .get(index)
                .and_then(|(key, _)| *key)
                .map_or(0, key_width);
            if let Some(slot) = out.get_mut(index) {
                *slot = widest - width;
            }
        }
        start = end;
    }
    out
}

/// The expression of a JSON value whose first line is at `level`.
fn json_expression(value: &Value, level: usize) -> Expression {
    match value {
        Value::Null => Expression::Null(Decorated::new(hcl_edit::expr::Null)),
        Value::Bool(flag) => Expression::Bool(Decorated::new(*flag)),
        Value::Number(number) => {
            let parsed = number
                .as_i64()
                .map(Number::from)
                .or_else(|| number.as_u64().map(Number::from))
                .or_else(|| number.as_f64().and_then(Number::from_f64));
            match parsed {
                Some(number) => Expression::Number(hcl_edit::Formatted::new(number)),
                None => Expression::String(Decorated::new(number.to_string())),
            }
        }
        Value::String(text) => Expression::String(Decorated::new(text.clone())),
        Value::Array(items) => {
            let mut array = Array::new();
            let multi_line = !json_one_line(value);
            for item in items {
                let mut expression = json_expression(item, level + 1);
                if multi_line {
                    expression
                        .decor_mut()
                        .set_prefix(format!("\n{}", pad(level + 1)));
                }
                array.push(expression);
            }
            if multi_line && !items.is_empty() {
                array.set_trailing_comma(true);
                array.set_trailing(format!("\n{}", pad(level)));
            }
            Expression::Array(array)
        }
        Value::Object(map) => {
            let mut object = Object::new();
            let paddings = alignment(
                map.iter()
                    .map(|(key, item)| (Some(key.as_str()), json_one_line(item))),
            );
            for (index, (key, item)) in map.iter().enumerate() {
                let mut object_key = object_key(key);
                let newline = if index == 0 { "\n" } else { "" };
                object_key
                    .decor_mut()
                    .set_prefix(format!("{newline}{}", pad(level + 1)));
                let padding = paddings.get(index).copied().unwrap_or(0);
                object_key.decor_mut().set_suffix(" ".repeat(padding + 1));
                let mut entry = ObjectValue::new(json_expression(item, level + 1));
                entry.set_assignment(ObjectValueAssignment::Equals);
                entry.set_terminator(ObjectValueTerminator::Newline);
                object.insert(object_key, entry);
            }
            if !map.is_empty() {
                object.set_trailing(pad(level));
            }
            Expression::Object(object)
        }
    }
}

fn value_expression(value: &Val, level: usize) -> Expression {
    match value {
        Val::Json(json) => json_expression(json, level),
        Val::JsonEncode(json) => {
            let mut args = FuncArgs::new();
            args.push(json_expression(json, level));
            Expression::FuncCall(Box::new(FuncCall::new(
                Ident::new_sanitized("jsonencode"),
                args,
            )))
        }
        Val::Names(names) => {
            let mut array = Array::new();
            for name in names {
                array.push(Expression::Variable(Decorated::new(Ident::new_sanitized(
                    name,
                ))));
            }
            Expression::Array(array)
        }
        Val::Reference(parts) => {
            let mut parts = parts.iter().map(Ident::new_sanitized);
            let root = parts.next().unwrap_or_else(|| Ident::new_sanitized("_"));
            let operators: Vec<Decorated<TraversalOperator>> = parts
                .map(|part| Decorated::new(TraversalOperator::GetAttr(Decorated::new(part))))
                .collect();
            let variable = Expression::Variable(Decorated::new(root));
            if operators.is_empty() {
                variable
            } else {
                Expression::Traversal(Box::new(Traversal::new(variable, operators)))
            }
        }
    }
}

/// The structures of a body whose entries are at `level`.
fn structures(nodes: &[Node], level: usize, top: bool) -> Vec<Structure> {
    let paddings = alignment(nodes.iter().map(|node| match node {
        Node::Attribute { key, value } => (Some(key.as_str()), one_line(value)),
        Node::Block { .. } => (None, false),
    }));
    let mut out = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let blank = if top && index > 0 { "\n" } else { "" };
        match node {
            Node::Attribute { key, value } => {
                let mut ident = Decorated::new(Ident::new_sanitized(key));
                ident
                    .decor_mut()
                    .set_prefix(format!("{blank}{}", pad(level)));
                let padding = paddings.get(index).copied().unwrap_or(0);
                ident.decor_mut().set_suffix(" ".repeat(padding + 1));
                out.push(Structure::Attribute(Attribute::new(
                    ident,
                    value_expression(value, level),
                )));
            }
            Node::Block {
                comment,
                kind,
                labels,
                body,
            } => {
                let mut ident = Decorated::new(Ident::new_sanitized(kind));
                let comment = comment
                    .as_deref()
                    .map(|text| format!("{}# {}\n", pad(level), super::one_line(text)))
                    .unwrap_or_default();
                ident
                    .decor_mut()
                    .set_prefix(format!("{blank}{comment}{}", pad(level)));
                let mut built = Block::new(ident);
                built.labels = labels
                    .iter()
                    .map(|label| BlockLabel::String(Decorated::new(label.clone())))
                    .collect();
                let mut inner = Body::new();
                for structure in structures(body, level + 1, false) {
                    inner.push(structure);
                }
                inner.set_prefer_oneline(false);
                inner.decor_mut().set_suffix(pad(level));
                built.body = inner;
                out.push(Structure::Block(built));
            }
        }
    }
    out
}

/// The text of a file of `nodes`, top-level blocks separated by a blank line.
pub(crate) fn file(header: &str, nodes: &[Node]) -> String {
    let mut body = Body::new();
    for structure in structures(nodes, 0, true) {
        body.push(structure);
    }
    let mut out = String::new();
    if !header.is_empty() {
        out.push_str("# ");
        out.push_str(&super::one_line(header));
        out.push_str("\n\n");
    }
    out.push_str(&body.to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_sequences_and_quotes_are_escaped() {
        let text = file(
            "",
            &[block(
                "locals",
                &[],
                vec![attribute(
                    "x",
                    Val::Json(json!({"a": "${path.cwd}\"\n%{if}"})),
                )],
            )],
        );
        assert!(text.contains(r#""$${path.cwd}\"\n%%{if}""#), "{text}");
        let body: Body = text.parse().unwrap();
        assert_eq!(body.blocks().count(), 1);
    }

    #[test]
    fn consecutive_one_line_entries_align_and_multi_line_ones_break_the_run() {
        let text = file(
            "",
            &[block(
                "resource",
                &["t", "n"],
                vec![
                    attribute("provider", Val::Reference(vec!["aws".into(), "a_1".into()])),
                    attribute("name", string("r")),
                    attribute(
                        "policy",
                        Val::JsonEncode(
                            json!({"Version": "1", "Statement": [{"Sid": "A", "Effect": "Allow"}]}),
                        ),
                    ),
                ],
            )],
        );
        assert_eq!(
            text,
            "resource \"t\" \"n\" {\n  provider = aws.a_1\n  name     = \"r\"\n  policy = jsonencode({\n    Version = \"1\"\n    Statement = [\n      {\n        Sid    = \"A\"\n        Effect = \"Allow\"\n      },\n    ]\n  })\n}\n"
        );
    }

    #[test]
    fn identifiers_never_start_with_a_digit_or_hold_punctuation() {
        assert_eq!(identifier("1lake.b-c"), "_1lake_b_c");
        assert_eq!(identifier("../x"), "___x");
    }
}
