//! Strict JSON with a span on every node.
//!
//! AWS rejects comments, trailing commas and the other JSON5 leniencies, so every one of them
//! is switched off here; a document that parses here is one AWS would also read. Object members
//! are kept in order and duplicates are kept too, so that the policy reader can report them
//! instead of silently keeping the last value.

use crate::span::Span;
use jsonc_parser::ast;

mod direct;

/// A JSON value with the span of the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    String {
        value: String,
        span: Span,
    },
    /// Numbers keep their literal text: IAM compares numeric condition values as decimals and
    /// a policy value such as `1.50` must not be rewritten.
    Number {
        text: String,
        span: Span,
    },
    Bool {
        value: bool,
        span: Span,
    },
    Null {
        span: Span,
    },
    Array {
        items: Vec<Json>,
        span: Span,
    },
    Object {
        members: Vec<Member>,
        span: Span,
    },
}

/// One `"name": value` pair of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub name: String,
    pub name_span: Span,
    pub value: Json,
}

/// The text is not JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonSyntaxError {
    pub message: String,
    pub span: Span,
}

impl Json {
    pub fn span(&self) -> Span {
        match self {
            Json::String { span, .. }
            | Json::Number { span, .. }
            | Json::Bool { span, .. }
            | Json::Null { span }
            | Json::Array { span, .. }
            | Json::Object { span, .. } => *span,
        }
    }

    /// What a user would call this kind of value, for messages such as "expected a string, found an array".
    pub fn kind_name(&self) -> &'static str {
        match self {
            Json::String { .. } => "a string",
            Json::Number { .. } => "a number",
            Json::Bool { .. } => "a boolean",
            Json::Null { .. } => "null",
            Json::Array { .. } => "an array",
            Json::Object { .. } => "an object",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The members of an object, or `None` for any other value.
    pub fn members(&self) -> Option<&[Member]> {
        match self {
            Json::Object { members, .. } => Some(members),
            _ => None,
        }
    }

    /// Converts to `serde_json`-free plain text for values that IAM treats as strings:
    /// strings, numbers and booleans (IAM accepts `"Bool": {"aws:SecureTransport": false}`).
    pub fn as_scalar_text(&self) -> Option<String> {
        match self {
            Json::String { value, .. } => Some(value.clone()),
            Json::Number { text, .. } => Some(text.clone()),
            Json::Bool { value, .. } => Some(value.to_string()),
            _ => None,
        }
    }

    /// Writes the value back as compact JSON (used to embed policies in generated output).
    pub fn to_compact_string(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Json::String { value, .. } => write_json_string(value, out),
            Json::Number { text, .. } => out.push_str(text),
            Json::Bool { value, .. } => out.push_str(if *value { "true" } else { "false" }),
            Json::Null { .. } => out.push_str("null"),
            Json::Array { items, .. } => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Object { members, .. } => {
                out.push('{');
                for (index, member) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_json_string(&member.name, out);
                    out.push(':');
                    member.value.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_json_string(value: &str, out: &mut String) {
    out.push('"');
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", control as u32));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// Parses `text` as strict JSON (RFC 8259): no comments, trailing commas, single quotes,
/// unquoted names, hexadecimal or non-finite numbers.
///
/// Plain JSON is read in one pass (`direct`); anything else goes to `jsonc_parser`, which
/// then decides, so the documents accepted and the error messages are its own.
pub fn parse(text: &str) -> Result<Json, JsonSyntaxError> {
    match direct::parse(text) {
        Some(json) => Ok(json),
        None => parse_with_jsonc(text),
    }
}

/// [`parse`] through `jsonc_parser`'s syntax tree.
fn parse_with_jsonc(text: &str) -> Result<Json, JsonSyntaxError> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = jsonc_parser::CollectOptions::default();
    let parsed = jsonc_parser::parse_to_ast(text, &collect, &options).map_err(|error| {
        let range = error.range();
        JsonSyntaxError {
            message: format!("invalid JSON: {}", error.kind()),
            span: Span::new(range.start, range.end.max(range.start)),
        }
    })?;
    match parsed.value {
        Some(value) => Ok(convert(value)),
        None => Err(JsonSyntaxError {
            message: "the file is empty: expected a JSON value".to_owned(),
            span: Span::new(0, text.len()),
        }),
    }
}

fn span_of(range: jsonc_parser::common::Range) -> Span {
    Span::new(range.start, range.end)
}

fn convert(value: ast::Value<'_>) -> Json {
    match value {
        ast::Value::StringLit(literal) => Json::String {
            value: literal.value.into_owned(),
            span: span_of(literal.range),
        },
        ast::Value::NumberLit(literal) => Json::Number {
            text: literal.value.to_owned(),
            span: span_of(literal.range),
        },
        ast::Value::BooleanLit(literal) => Json::Bool {
            value: literal.value,
            span: span_of(literal.range),
        },
        ast::Value::NullKeyword(keyword) => Json::Null {
            span: span_of(keyword.range),
        },
        ast::Value::Array(array) => Json::Array {
            span: span_of(array.range),
            items: array.elements.into_iter().map(convert).collect(),
        },
        ast::Value::Object(object) => Json::Object {
            span: span_of(object.range),
            members: object
                .properties
                .into_iter()
                .map(|property| {
                    let (name, name_span) = match property.name {
                        ast::ObjectPropName::String(literal) => {
                            (literal.value.into_owned(), span_of(literal.range))
                        }
                        ast::ObjectPropName::Word(word) => {
                            (word.value.to_owned(), span_of(word.range))
                        }
                    };
                    Member {
                        name,
                        name_span,
                        value: convert(property.value),
                    }
                })
                .collect(),
        },
    }
}

/// What JSON5 and `jsonc_parser`'s defaults allow and AWS refuses.
#[cfg(test)]
const JSON5_LENIENCIES: [&str; 9] = [
    "{\"a\": 1,}",
    "{a: 1}",
    "{'a': 1}",
    "// c\n{}",
    "[0x10]",
    "[+1]",
    "[.5]",
    "[NaN]",
    "{\"a\": 1 \"b\": 2}",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicate_members_in_order() {
        let json = parse(r#"{"a": 1, "a": 2}"#).unwrap();
        let names: Vec<_> = json
            .members()
            .unwrap()
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["a", "a"]);
    }

    #[test]
    fn rejects_json5_leniencies() {
        for text in JSON5_LENIENCIES {
            assert!(parse(text).is_err(), "{text} must be rejected");
        }
    }

    #[test]
    fn error_points_at_the_offending_character() {
        let text = "{\"a\": 1,\n \"b\" 2}";
        let error = parse(text).unwrap_err();
        assert_eq!(error.span.line_column(text).0, 2, "{error:?}");
    }

    #[test]
    fn compact_output_round_trips() {
        let text = r#"{"a":[1,true,null,"x\"y"],"b":{}}"#;
        assert_eq!(parse(text).unwrap().to_compact_string(), text);
    }
}
