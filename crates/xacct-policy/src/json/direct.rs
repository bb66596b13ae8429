//! One pass from text to [`Json`], for the documents that are plain RFC 8259 JSON.
//!
//! `jsonc_parser` builds its own syntax tree, which [`super::parse`] then copies into ours: two
//! trees and twice the allocations for every value of a 170 MB export (docs/benchmarks.md,
//! "World and paths"). This reader builds our tree directly. It accepts only what it is sure
//! of: anything it does not read cleanly (a syntax error, a raw control character in a string,
//! a lone surrogate escape, a byte-order mark, nesting deeper than [`MAX_DEPTH`]) returns
//! `None`, and the caller parses the text again with `jsonc_parser`, whose answer (the tree or
//! the error message) is then the one given. So what is accepted or refused, and every error
//! message, is `jsonc_parser`'s; a unit test checks that both build the same tree, spans
//! included.

use super::{Json, Member};
use crate::span::Span;

/// Deeper than this, the reader gives up and lets `jsonc_parser` decide: no policy or export
/// nests anywhere near it, and the reader recurses once per level.
const MAX_DEPTH: usize = 256;

/// The tree of `text`, or `None` when it is not plain JSON this reader is sure of.
pub(super) fn parse(text: &str) -> Option<Json> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    reader.whitespace();
    let value = reader.value(0)?;
    reader.whitespace();
    (reader.at == reader.bytes.len()).then_some(value)
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => {
                let (value, span) = self.string()?;
                Some(Json::String { value, span })
            }
            b't' => self.keyword("true", |span| Json::Bool { value: true, span }),
            b'f' => self.keyword("false", |span| Json::Bool { value: false, span }),
            b'n' => self.keyword("null", |span| Json::Null { span }),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn keyword(&mut self, word: &str, make: impl FnOnce(Span) -> Json) -> Option<Json> {
        let start = self.at;
        let end = start + word.len();
        if self.bytes.get(start..end)? != word.as_bytes() {
            return None;
        }
        // `truex` is not `true` followed by something: leave it to jsonc_parser.
        if self.bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        self.at = end;
        Some(make(Span::new(start, end)))
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as written.
    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // `01`, `1a`, `1.5.2`: not a number that ends here.
        if self
            .peek()
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'.')
        {
            return None;
        }
        let text = self.text.get(start..self.at)?;
        Some(Json::Number {
            text: text.to_owned(),
            span: Span::new(start, self.at),
        })
    }

    /// A string literal: its decoded value and the span of the literal, quotes included.
    fn string(&mut self) -> Option<(String, Span)> {
        let start = self.at;
        self.eat(b'"')?;
        let body = self.at;
        // The common case: no escape, so the value is the text between the quotes.
        loop {
            match self.peek()? {
                b'"' => {
                    let value = self.text.get(body..self.at)?.to_owned();
                    self.at += 1;
                    return Some((value, Span::new(start, self.at)));
                }
                b'\\' => break,
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let mut value = self.text.get(body..self.at)?.to_owned();
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some((value, Span::new(start, self.at)));
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = match self.peek()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.at += 1;
                            let character = self.unicode_escape()?;
                            value.push(character);
                            continue;
                        }
                        _ => return None,
                    };
                    self.at += 1;
                    value.push(escaped);
                }
                0..=0x1f => return None,
                _ => {
                    // Copy the run up to the next quote or backslash at once.
                    let run = self.at;
                    while self
                        .peek()
                        .is_some_and(|byte| byte != b'"' && byte != b'\\' && byte >= 0x20)
                    {
                        self.at += 1;
                    }
                    value.push_str(self.text.get(run..self.at)?);
                }
            }
        }
    }

    /// The four hex digits after `\u` (and a second escape for a surrogate pair); a lone
    /// surrogate is left to jsonc_parser.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.at..self.at + 2)? != b"\\u" {
                return None;
            }
            self.at += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code);
        }
        char::from_u32(first)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let start = self.at;
        self.eat(b'[')?;
        self.whitespace();
        let mut items = Vec::new();
        if self.eat(b']').is_none() {
            loop {
                self.whitespace();
                items.push(self.value(depth + 1)?);
                self.whitespace();
                match self.peek()? {
                    b',' => self.at += 1,
                    b']' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        Some(Json::Array {
            items,
            span: Span::new(start, self.at),
        })
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let start = self.at;
        self.eat(b'{')?;
        self.whitespace();
        let mut members = Vec::new();
        if self.eat(b'}').is_none() {
            loop {
                self.whitespace();
                let (name, name_span) = self.string()?;
                self.whitespace();
                self.eat(b':')?;
                self.whitespace();
                let value = self.value(depth + 1)?;
                members.push(Member {
                    name,
                    name_span,
                    value,
                });
                self.whitespace();
                match self.peek()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        Some(Json::Object {
            members,
            span: Span::new(start, self.at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_with_jsonc;
    use super::*;
    use proptest::prelude::*;

    /// What the reader builds is what jsonc_parser builds, spans included; where the reader
    /// gives up, jsonc_parser decides.
    fn same_as_jsonc(text: &str) {
        if let Some(direct) = parse(text) {
            assert_eq!(Ok(direct), parse_with_jsonc(text), "{text:?}");
        }
    }

    #[test]
    fn builds_the_tree_jsonc_builds() {
        for text in [
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#,
            "  {\n \"a\" : [ 1 , -2.5e+3 , 0 , 0.0 , 1E9 , true , false , null , { } , [ ] ] }\n",
            r#"{"a": 1, "a": 2}"#,
            r#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00x""#,
            r#"["é", "日本", "a\u0000b"]"#,
            "[]",
            "-0",
            "\"\"",
        ] {
            assert!(parse(text).is_some(), "{text}");
            same_as_jsonc(text);
        }
    }

    #[test]
    fn gives_up_on_what_is_not_plain_json() {
        let others = [
            "",
            "  ",
            "[01]",
            "[1.]",
            "[1e]",
            "[truex]",
            "\u{feff}{}",
            "\"a\u{1}b\"",
            r#""\ud800""#,
            r#""\x""#,
            "[1] [2]",
        ];
        for text in super::super::JSON5_LENIENCIES.into_iter().chain(others) {
            assert!(parse(text).is_none(), "{text:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep).is_none());
        assert!(super::super::parse(&deep).is_ok(), "jsonc_parser decides");
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |n| n.is_finite())
                .prop_map(serde_json::Value::from),
            ".*".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::vec((".*", inner), 0..6)
                    .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn agrees_with_jsonc_on_any_document(value in json_value(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            prop_assert!(parse(&text).is_some(), "{}", text);
            same_as_jsonc(&text);
        }

        #[test]
        fn never_disagrees_on_arbitrary_text(text in r#"[\[\]{}",:0-9a-z\\. \n-]{0,40}"#) {
            same_as_jsonc(&text);
        }
    }
}
