//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}` and the `${*}`,
//! `${?}`, `${$}` escapes.
//!
//! Only policies with `"Version": "2012-10-17"` have variables; in older or unversioned
//! policies the same characters are literal text, so the reader decides which form to build.

use crate::intern::Interner;
use crate::wildcard::Pattern;
use std::cell::RefCell;
use std::sync::Arc;

/// Text that may contain policy variables, compiled once.
///
/// Templates are shared: every `o-abc123` or `arn:aws:s3:::bucket/*` of a loaded world is one
/// copy (`crate::intern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    inner: Arc<Compiled>,
}

#[derive(Debug, PartialEq, Eq)]
struct Compiled {
    parts: Vec<Part>,
    /// Text and wildcard pattern, compiled once when the template has no variables, so that
    /// evaluating a fixed value never allocates.
    fixed: Option<(String, Pattern)>,
}

thread_local! {
    /// Templates read with variables, and literal ones.
    static TEMPLATES: RefCell<[Interner<Compiled>; 2]> = RefCell::default();
}

/// The shared template of `text` in `table` (0: parsed, 1: literal).
fn interned(
    table: usize,
    text: &str,
    make: impl FnOnce() -> Result<Vec<Part>, TemplateError>,
) -> Result<Template, TemplateError> {
    let compile = || make().map(Compiled::new);
    let inner = TEMPLATES.with(|tables| match tables.borrow_mut().get_mut(table) {
        Some(interner) => interner.get_or_try(text, compile),
        None => compile().map(Arc::new),
    })?;
    Ok(Template { inner })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text as written; in wildcard contexts its `*` and `?` are wildcards.
    Text(String),
    /// A character written as an escape (`${*}`): always literal.
    Escaped(char),
    Variable(Variable),
}

/// A `${key}` or `${key, 'default'}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The key as written, for messages.
    pub key: String,
    /// The key lowercased: condition keys are case-insensitive.
    pub key_lowercase: String,
    pub default: Option<String>,
}

/// Something to read variable values from: the request context.
pub trait VariableValues {
    /// The value of a single-valued key, by lowercased name. Multivalued keys cannot be used
    /// as variables, so they answer `None` here.
    fn single_value(&self, key_lowercase: &str) -> Option<&str>;
}

/// Why the text of a template could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("`${{` at byte {0} is never closed by `}}`")]
    Unclosed(usize),
    #[error("empty policy variable `${{}}`")]
    Empty,
    #[error("malformed default value in `${{{0}}}`: write it as `${{key, 'default'}}`")]
    BadDefault(String),
}

impl Compiled {
    fn new(mut parts: Vec<Part>) -> Self {
        // Kept for the life of the world: no spare room (see `read::compact`).
        parts.shrink_to_fit();
        let fixed = if parts.iter().any(|part| matches!(part, Part::Variable(_))) {
            None
        } else {
            resolve_text(&parts, &NoValues).zip(resolve_pattern(&parts, &NoValues))
        };
        Self { parts, fixed }
    }
}

impl Template {
    /// Text without variables (legacy policy versions, or elements that do not take them).
    pub fn literal(text: &str) -> Self {
        let parts = || {
            Ok(if text.is_empty() {
                Vec::new()
            } else {
                vec![Part::Text(text.to_owned())]
            })
        };
        match interned(1, text, parts) {
            Ok(template) => template,
            // Unreachable: a literal has no reference to misread.
            Err(_) => Self {
                inner: Arc::new(Compiled::new(vec![Part::Text(text.to_owned())])),
            },
        }
    }

    /// `resolve_text` without allocating for fixed templates.
    pub fn text<'a>(&'a self, values: &dyn VariableValues) -> Option<std::borrow::Cow<'a, str>> {
        match &self.inner.fixed {
            Some((text, _)) => Some(std::borrow::Cow::Borrowed(text)),
            None => self.resolve_text(values).map(std::borrow::Cow::Owned),
        }
    }

    /// `resolve_pattern` without allocating for fixed templates.
    pub fn pattern<'a>(
        &'a self,
        values: &dyn VariableValues,
    ) -> Option<std::borrow::Cow<'a, Pattern>> {
        match &self.inner.fixed {
            Some((_, pattern)) => Some(std::borrow::Cow::Borrowed(pattern)),
            None => self.resolve_pattern(values).map(std::borrow::Cow::Owned),
        }
    }

    /// Reads `${...}` references and escapes out of `text`.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        interned(0, text, || parse_parts(text))
    }

    pub fn parts(&self) -> &[Part] {
        &self.inner.parts
    }

    pub fn has_variables(&self) -> bool {
        self.inner
            .parts
            .iter()
            .any(|part| matches!(part, Part::Variable(_)))
    }

    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.inner.parts.iter().filter_map(|part| match part {
            Part::Variable(variable) => Some(variable),
            _ => None,
        })
    }

    /// The text with variables substituted, every character literal. `None` when a variable
    /// has no value and no default: IAM then treats the element as not matching.
    pub fn resolve_text(&self, values: &dyn VariableValues) -> Option<String> {
        resolve_text(&self.inner.parts, values)
    }

    /// A wildcard pattern: `*` and `?` written in the policy are wildcards; escapes and
    /// substituted values are literal.
    pub fn resolve_pattern(&self, values: &dyn VariableValues) -> Option<Pattern> {
        resolve_pattern(&self.inner.parts, values)
    }

    /// The characters with variables substituted, each marked `true` when it was written in
    /// the policy text (so `*` and `?` among them are wildcards) and `false` when it came from
    /// an escape or a substituted value (always literal).
    pub fn resolve_marked(&self, values: &dyn VariableValues) -> Option<Vec<(char, bool)>> {
        let mut out = Vec::new();
        for part in &self.inner.parts {
            match part {
                Part::Text(text) => out.extend(text.chars().map(|character| (character, true))),
                Part::Escaped(character) => out.push((*character, false)),
                Part::Variable(variable) => {
                    out.extend(
                        lookup(variable, values)?
                            .chars()
                            .map(|character| (character, false)),
                    );
                }
            }
        }
        Some(out)
    }

    /// The pattern of a template known to have no variables.
    pub fn static_pattern(&self) -> Option<Pattern> {
        self.resolve_pattern(&NoValues)
    }

    /// The text of a template known to have no variables.
    pub fn static_text(&self) -> Option<String> {
        self.resolve_text(&NoValues)
    }
}

/// The parts of `text`: `${...}` references and escapes read out of it.
fn parse_parts(text: &str) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(Part::Text(rest.get(..start).unwrap_or_default().to_owned()));
        }
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            return Err(TemplateError::Unclosed(consumed + start));
        };
        let inner = after.get(..end).unwrap_or_default();
        parts.push(parse_reference(inner)?);
        let advance = start + 2 + end + 1;
        consumed += advance;
        rest = rest.get(advance..).unwrap_or_default();
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_owned()));
    }
    Ok(parts)
}

/// [`Template::resolve_text`] of parts.
fn resolve_text(parts: &[Part], values: &dyn VariableValues) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Escaped(character) => out.push(*character),
            Part::Variable(variable) => out.push_str(lookup(variable, values)?),
        }
    }
    Some(out)
}

/// [`Template::resolve_pattern`] of parts.
fn resolve_pattern(parts: &[Part], values: &dyn VariableValues) -> Option<Pattern> {
    let mut pattern = Pattern::default();
    for part in parts {
        match part {
            Part::Text(text) => pattern.push_wild_text(text),
            Part::Escaped(character) => pattern.push_literal(character.encode_utf8(&mut [0; 4])),
            Part::Variable(variable) => pattern.push_literal(lookup(variable, values)?),
        }
    }
    Some(pattern)
}

struct NoValues;

impl VariableValues for NoValues {
    fn single_value(&self, _key_lowercase: &str) -> Option<&str> {
        None
    }
}

fn lookup<'a>(variable: &'a Variable, values: &'a dyn VariableValues) -> Option<&'a str> {
    values
        .single_value(&variable.key_lowercase)
        .or(variable.default.as_deref())
}

fn parse_reference(inner: &str) -> Result<Part, TemplateError> {
    match inner {
        "*" => return Ok(Part::Escaped('*')),
        "?" => return Ok(Part::Escaped('?')),
        "$" => return Ok(Part::Escaped('$')),
        "" => return Err(TemplateError::Empty),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        None => (inner.trim(), None),
        Some((key, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|rest| rest.strip_suffix('\''))
                .ok_or_else(|| TemplateError::BadDefault(inner.to_owned()))?;
            (key.trim(), Some(quoted.to_owned()))
        }
    };
    if key.is_empty() {
        return Err(TemplateError::Empty);
    }
    Ok(Part::Variable(Variable {
        key: key.to_owned(),
        key_lowercase: key.to_ascii_lowercase(),
        default,
    }))
}

impl Template {
    /// Writes the compiled template once per shared copy (see `crate::snapshot`).
    pub(crate) fn encode(&self, encoder: &mut crate::snapshot::Encoder) {
        encoder.shared(
            crate::snapshot::Table::Template,
            &self.inner,
            |encoder, compiled| {
                encoder.seq(&compiled.parts, |encoder, part| match part {
                    Part::Text(text) => {
                        encoder.u8(0);
                        encoder.str(text);
                    }
                    Part::Escaped(character) => {
                        encoder.u8(1);
                        encoder.u32(u32::from(*character));
                    }
                    Part::Variable(variable) => {
                        encoder.u8(2);
                        encoder.str(&variable.key);
                        encoder.str(&variable.key_lowercase);
                        encoder.opt_str(variable.default.as_deref());
                    }
                });
                encoder.option(compiled.fixed.as_ref(), |encoder, (text, pattern)| {
                    encoder.str(text);
                    pattern.encode(encoder);
                });
            },
        );
    }

    pub(crate) fn decode(
        decoder: &mut crate::snapshot::Decoder<'_>,
    ) -> Result<Self, crate::snapshot::Damaged> {
        use crate::snapshot::Damaged;
        let inner = decoder.shared(crate::snapshot::Table::Template, |decoder| {
            let mut parts = decoder.seq(|decoder| {
                Ok(match decoder.u8()? {
                    0 => Part::Text(decoder.string()?),
                    1 => Part::Escaped(
                        char::from_u32(decoder.u32()?).ok_or(Damaged("not a character"))?,
                    ),
                    2 => Part::Variable(Variable {
                        key: decoder.string()?,
                        key_lowercase: decoder.string()?,
                        default: decoder.opt_string()?,
                    }),
                    _ => return Err(Damaged("not a template part")),
                })
            })?;
            parts.shrink_to_fit();
            let fixed = decoder.option(|decoder| {
                Ok((
                    decoder.string()?,
                    crate::wildcard::Pattern::decode(decoder)?,
                ))
            })?;
            Ok(Compiled { parts, fixed })
        })?;
        Ok(Self { inner })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, &'static str>);

    impl VariableValues for Map {
        fn single_value(&self, key: &str) -> Option<&str> {
            self.0.get(key).copied()
        }
    }

    fn values() -> Map {
        Map(HashMap::from([
            ("aws:username", "alice"),
            ("aws:principaltag/team", "a*b"),
        ]))
    }

    #[test]
    fn substitutes_variables_case_insensitively() {
        let template = Template::parse("home/${aws:UserName}/*").unwrap();
        assert_eq!(template.resolve_text(&values()).unwrap(), "home/alice/*");
        let pattern = template.resolve_pattern(&values()).unwrap();
        assert!(pattern.matches("home/alice/x/y"));
        assert!(!pattern.matches("home/bob/x"));
    }

    #[test]
    fn unresolved_variable_without_default_is_none() {
        let template = Template::parse("${aws:PrincipalTag/missing}").unwrap();
        assert_eq!(template.resolve_text(&values()), None);
    }

    #[test]
    fn default_value_is_used_when_key_is_absent() {
        let template = Template::parse("${aws:PrincipalTag/missing, 'none'}/x").unwrap();
        assert_eq!(template.resolve_text(&values()).unwrap(), "none/x");
    }

    #[test]
    fn escapes_and_substituted_values_are_literal() {
        let template = Template::parse("${*}${aws:PrincipalTag/team}").unwrap();
        let pattern = template.resolve_pattern(&values()).unwrap();
        assert!(pattern.matches("*a*b"));
        assert!(!pattern.matches("xaxb"));
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(Template::parse("${aws:username").is_err());
        assert!(Template::parse("${}").is_err());
        assert!(Template::parse("${k, none}").is_err());
    }
}
