//! Problems found while reading a policy, with the exact place they were written.

use crate::span::Span;
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity as MietteSeverity};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in a document. Errors make the document unusable for evaluation (AWS would
/// refuse it); warnings describe something AWS accepts but that probably does not do what the
/// author meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable kebab-case identifier, e.g. `duplicate-key`.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
}

impl Finding {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            span,
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            code,
            message: message.into(),
            help: None,
            span,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the source text so that the finding renders with file, line and column.
    pub fn in_source(&self, source: &Arc<SourceFile>) -> SourcedFinding {
        SourcedFinding {
            finding: self.clone(),
            source: Arc::clone(source),
        }
    }
}

/// A file's name and text, shared by every finding made in it.
pub struct SourceFile {
    pub name: String,
    /// An `Arc<String>` rather than an `Arc<str>`: the text read from a file moves in without
    /// a copy (an `Arc<str>` is always a new allocation, 170 MB at 100,000 roles).
    pub text: Arc<String>,
    named: NamedSource<Arc<String>>,
    /// Byte offsets where lines start, so that locating a span is a binary search. In `u32`:
    /// a 100,000-role organization has six million lines, and no file read is over 4 GiB
    /// (`xacct_world::files` limits exports to 512 MiB). Made on the first lookup: a world
    /// read back from the cache of compiled worlds locates nothing unless it explains.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl fmt::Debug for SourceFile {
    /// Name and text: the line table is derived from the text, made or not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.name)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Self::shared(name, Arc::new(text.into()))
    }

    /// A file whose text is already shared, e.g. by the cache of compiled worlds.
    pub fn shared(name: impl Into<String>, text: Arc<String>) -> Arc<Self> {
        let name = name.into();
        Arc::new(Self {
            named: NamedSource::new(name.clone(), Arc::clone(&text)).with_language("json"),
            name,
            text,
            line_starts: std::sync::OnceLock::new(),
        })
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .match_indices('\n')
                        .map(|(index, _)| u32::try_from(index + 1).unwrap_or(u32::MAX)),
                )
                .collect()
        })
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts
            .partition_point(|start| *start as usize <= offset)
            .max(1);
        let start = line_starts.get(line - 1).map_or(0, |start| *start as usize);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |before| before.chars().count())
            + 1;
        (line, column)
    }

    /// `file:line:column` of a span, as editors and terminals link it.
    pub fn location(&self, span: Span) -> String {
        let (line, column) = self.line_column(span.start);
        format!("{}:{line}:{column}", self.name)
    }
}

/// A finding together with its file: this is what gets rendered.
#[derive(Debug, Clone)]
pub struct SourcedFinding {
    pub finding: Finding,
    pub source: Arc<SourceFile>,
}

impl SourcedFinding {
    pub fn location(&self) -> String {
        self.source.location(self.finding.span)
    }
}

impl fmt::Display for SourcedFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for SourcedFinding {}

impl Diagnostic for SourcedFinding {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("xacct::{}", self.finding.code)))
    }

    fn severity(&self) -> Option<MietteSeverity> {
        Some(match self.finding.severity {
            Severity::Warning => MietteSeverity::Warning,
            Severity::Error => MietteSeverity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source.named)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("here".to_owned()),
            self.finding.span,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookup_agrees_with_counting() {
        let text = "{\n  \"a\": \"é\",\n\n  \"b\": 1\n}";
        let source = SourceFile::new("x.json", text);
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) {
                assert_eq!(
                    source.line_column(offset),
                    Span::new(offset, offset).line_column(text),
                    "{offset}"
                );
            }
        }
    }
}
