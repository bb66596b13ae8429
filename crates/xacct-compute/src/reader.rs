//! Reading JSON shapes while collecting findings instead of stopping at the first.

use std::collections::HashSet;
use xacct_policy::json::{self, Json, Member};
use xacct_policy::{Finding, Span, Spanned};

/// Findings of one file.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub(crate) findings: Vec<Finding>,
}

impl Reader {
    pub(crate) fn push(&mut self, finding: Finding) {
        let duplicate = self.findings.iter().any(|seen| {
            seen.code == finding.code
                && seen.span == finding.span
                && seen.message == finding.message
        });
        if !duplicate {
            self.findings.push(finding);
        }
    }

    pub(crate) fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.push(Finding::error(code, span, message));
    }

    pub(crate) fn warning(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.push(Finding::warning(code, span, message));
    }

    /// Findings in source order, as a reader expects them.
    pub(crate) fn finish(mut self) -> Vec<Finding> {
        self.findings
            .sort_by_key(|finding| (finding.span.start, finding.span.end));
        self.findings
    }

    /// Parses the file; a syntax error is the one finding.
    pub(crate) fn parse(&mut self, text: &str) -> Option<Json> {
        match json::parse(text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.error("invalid-json", error.span, error.message);
                None
            }
        }
    }

    /// The members of an object; anything else is an error.
    pub(crate) fn object<'j>(&mut self, value: &'j Json, what: &str) -> Option<&'j [Member]> {
        match value {
            Json::Object { members, .. } => Some(members),
            other => {
                self.error(
                    "invalid-value",
                    other.span(),
                    format!("{what} must be an object, found {}", other.kind_name()),
                );
                None
            }
        }
    }

    /// The members of an optional object member: absent or `null` is empty.
    pub(crate) fn optional_object<'j>(
        &mut self,
        object: &'j Json,
        name: &str,
        what: &str,
    ) -> Option<&'j [Member]> {
        match member(object, name) {
            None | Some(Json::Null { .. }) => None,
            Some(value) => self.object(value, what),
        }
    }

    pub(crate) fn string(&mut self, value: &Json, what: &str) -> Option<Spanned<String>> {
        match value {
            Json::String { value, span } => Some(Spanned::new(value.clone(), *span)),
            other => {
                self.error(
                    "invalid-value",
                    other.span(),
                    format!("{what} must be a string, found {}", other.kind_name()),
                );
                None
            }
        }
    }

    /// A string, number or boolean as text (Spark options and Hadoop settings are strings, but
    /// hand-written files often hold `true` or `3600`).
    pub(crate) fn scalar(&mut self, value: &Json, what: &str) -> Option<Spanned<String>> {
        match value.as_scalar_text() {
            Some(text) => Some(Spanned::new(text, value.span())),
            None => {
                self.error(
                    "invalid-value",
                    value.span(),
                    format!("{what} must be a string, found {}", value.kind_name()),
                );
                None
            }
        }
    }

    /// An optional string member; another type is an error.
    pub(crate) fn optional_string(
        &mut self,
        object: &Json,
        name: &str,
        owner: &str,
    ) -> Option<Spanned<String>> {
        match member(object, name) {
            None | Some(Json::Null { .. }) => None,
            Some(value) => self.string(value, &format!("`{name}` of {owner}")),
        }
    }

    /// A string member that must be there.
    pub(crate) fn required_string(
        &mut self,
        object: &Json,
        name: &str,
        owner: &str,
    ) -> Option<Spanned<String>> {
        match member(object, name) {
            None | Some(Json::Null { .. }) => {
                self.error(
                    "missing-key",
                    object.span(),
                    format!("{owner} has no `{name}`"),
                );
                None
            }
            Some(value) => self.string(value, &format!("`{name}` of {owner}")),
        }
    }

    /// Reports every member whose name is not in `known`.
    pub(crate) fn unknown_members(
        &mut self,
        members: &[Member],
        known: &[&str],
        what: &str,
        error: bool,
    ) {
        for entry in members {
            if known.contains(&entry.name.as_str()) {
                continue;
            }
            let message = format!("`{}` is not a key of {what}", entry.name);
            let help = match crate::values::suggest(&entry.name, known) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("expected one of: {}", known.join(", ")),
            };
            let finding = if error {
                Finding::error("unknown-key", entry.name_span, message)
            } else {
                Finding::warning(
                    "unknown-key",
                    entry.name_span,
                    format!("{message}: it is ignored"),
                )
            };
            self.push(finding.with_help(help));
        }
    }

    /// Warns about names written twice in one object; the last one is used.
    pub(crate) fn duplicates(&mut self, members: &[Member], what: &str) {
        let mut seen = HashSet::new();
        for entry in members.iter().rev() {
            if !seen.insert(entry.name.as_str()) {
                self.push(
                    Finding::warning(
                        "duplicate-key",
                        entry.name_span,
                        format!(
                            "`{}` is written twice in {what}: this one is ignored",
                            entry.name
                        ),
                    )
                    .with_help("the last value is the one that applies"),
                );
            }
        }
    }
}

/// The last member of that name (the one JSON readers keep).
pub(crate) fn member<'j>(object: &'j Json, name: &str) -> Option<&'j Json> {
    object
        .members()?
        .iter()
        .rev()
        .find(|entry| entry.name == name)
        .map(|entry| &entry.value)
}

/// The last member of that name, with its name span.
pub(crate) fn member_entry<'j>(object: &'j Json, name: &str) -> Option<&'j Member> {
    object
        .members()?
        .iter()
        .rev()
        .find(|entry| entry.name == name)
}
