//! JSON held in a JSON string (`"SecurityConfiguration": "{\"AuthorizationConfiguration\": ...}"`,
//! an S3A session policy), read so that spans still point into the outer file.
//!
//! The string literal is decoded again from the source text while recording, for every byte
//! of the decoded text, the offset in the file it came from; spans found in the decoded text
//! are then mapped back through that table. An escape such as `\"` maps to its backslash, so
//! a span that covers decoded characters covers their escapes in the file.

use xacct_policy::json::{Json, Member};
use xacct_policy::{Finding, Span};

#[derive(Debug, Clone)]
pub(crate) struct Embedded {
    pub(crate) text: String,
    /// `offsets[i]` is where decoded byte `i` starts in the file; one more entry for the end.
    offsets: Vec<usize>,
}

impl Embedded {
    /// Decodes the JSON string literal at `span` of `source` (quotes included).
    pub(crate) fn read(source: &str, span: Span) -> Option<Self> {
        let literal = source.get(span.start..span.end)?;
        if literal.len() < 2 || !literal.starts_with('"') || !literal.ends_with('"') {
            return None;
        }
        let body_start = span.start + 1;
        let body = literal.get(1..literal.len() - 1)?;
        let mut text = String::with_capacity(body.len());
        let mut offsets = Vec::with_capacity(body.len() + 1);
        let mut chars = body.char_indices().peekable();
        while let Some((index, character)) = chars.next() {
            let at = body_start + index;
            if character != '\\' {
                let before = text.len();
                text.push(character);
                offsets.extend((0..text.len() - before).map(|byte| at + byte));
                continue;
            }
            let (_, escape) = chars.next()?;
            let decoded = match escape {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => {
                    let high = hex4(&mut chars)?;
                    if (0xD800..0xDC00).contains(&high) {
                        if chars.next().map(|(_, c)| c) != Some('\\')
                            || chars.next().map(|(_, c)| c) != Some('u')
                        {
                            return None;
                        }
                        let low = hex4(&mut chars)?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                    } else {
                        char::from_u32(high)?
                    }
                }
                _ => return None,
            };
            let before = text.len();
            text.push(decoded);
            offsets.extend(std::iter::repeat_n(at, text.len() - before));
        }
        offsets.push(span.end - 1);
        Some(Self { text, offsets })
    }

    /// The span in the file of a span in the decoded text.
    pub(crate) fn outer(&self, inner: Span) -> Span {
        let last = self.offsets.last().copied().unwrap_or_default();
        let start = self.offsets.get(inner.start).copied().unwrap_or(last);
        let end = self.offsets.get(inner.end).copied().unwrap_or(last);
        Span::new(start, end.max(start))
    }

    /// The span in the file of a part of the decoded text, given by byte range.
    pub(crate) fn outer_range(&self, start: usize, end: usize) -> Span {
        self.outer(Span::new(start, end))
    }

    pub(crate) fn finding(&self, mut finding: Finding) -> Finding {
        finding.span = self.outer(finding.span);
        finding
    }

    /// The same JSON with every span mapped into the file.
    pub(crate) fn json(&self, value: &Json) -> Json {
        match value {
            Json::String { value, span } => Json::String {
                value: value.clone(),
                span: self.outer(*span),
            },
            Json::Number { text, span } => Json::Number {
                text: text.clone(),
                span: self.outer(*span),
            },
            Json::Bool { value, span } => Json::Bool {
                value: *value,
                span: self.outer(*span),
            },
            Json::Null { span } => Json::Null {
                span: self.outer(*span),
            },
            Json::Array { items, span } => Json::Array {
                items: items.iter().map(|item| self.json(item)).collect(),
                span: self.outer(*span),
            },
            Json::Object { members, span } => Json::Object {
                members: members
                    .iter()
                    .map(|member| Member {
                        name: member.name.clone(),
                        name_span: self.outer(member.name_span),
                        value: self.json(&member.value),
                    })
                    .collect(),
                span: self.outer(*span),
            },
        }
    }
}

/// The JSON document held in the JSON string at `span` of `source` (a `SecurityConfiguration`,
/// a cluster policy's `definition`), with spans into the file; a syntax error in it is a
/// finding that points into the string, naming `key`.
pub(crate) fn json_in_string(
    reader: &mut crate::reader::Reader,
    source: &str,
    span: Span,
    key: &str,
) -> Option<Json> {
    let embedded = Embedded::read(source, span)?;
    match xacct_policy::json::parse(&embedded.text) {
        Ok(inner) => Some(embedded.json(&inner)),
        Err(error) => {
            reader.error(
                "invalid-json",
                embedded.outer(error.span),
                format!("in `{key}`: {}", error.message),
            );
            None
        }
    }
}

fn hex4(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<u32> {
    let mut value = 0u32;
    for _ in 0..4 {
        let (_, digit) = chars.next()?;
        value = value * 16 + digit.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_policy::json;

    fn literal_span(source: &str) -> Span {
        let start = source.find('"').unwrap();
        let end = source.rfind('"').unwrap() + 1;
        Span::new(start, end)
    }

    #[test]
    fn decodes_escapes_and_maps_back() {
        let source = r#"  "{\"a\": \"x\\u00e9y\"}"  "#;
        let embedded = Embedded::read(source, literal_span(source)).unwrap();
        assert_eq!(embedded.text, r#"{"a": "x\u00e9y"}"#);
        let inner = json::parse(&embedded.text).unwrap();
        let outer = embedded.json(&inner);
        let value = outer.members().unwrap()[0].value.span();
        assert_eq!(&source[value.start..value.end], r#"\"x\\u00e9y\""#);
        let name = outer.members().unwrap()[0].name_span;
        assert_eq!(&source[name.start..name.end], r#"\"a\""#);
    }

    #[test]
    fn unicode_escapes_and_surrogate_pairs() {
        let source = r#""a\u00e9\ud83d\ude00b""#;
        let embedded = Embedded::read(source, literal_span(source)).unwrap();
        assert_eq!(embedded.text, "a\u{e9}\u{1F600}b");
        let b = embedded.text.find('b').unwrap();
        let span = embedded.outer_range(b, b + 1);
        assert_eq!(&source[span.start..span.end], "b");
        let smile = embedded.text.find('\u{1F600}').unwrap();
        let span = embedded.outer_range(smile, smile + 4);
        assert_eq!(&source[span.start..span.end], r"\ud83d\ude00");
    }

    #[test]
    fn multibyte_characters_keep_their_offsets() {
        let source = "\"é=x\"";
        let embedded = Embedded::read(source, literal_span(source)).unwrap();
        let x = embedded.text.find('x').unwrap();
        let span = embedded.outer_range(x, x + 1);
        assert_eq!(&source[span.start..span.end], "x");
    }

    #[test]
    fn not_a_string_literal() {
        assert!(Embedded::read("123", Span::new(0, 3)).is_none());
        assert!(Embedded::read(r#""\q""#, Span::new(0, 4)).is_none());
    }
}
