//! Problems found while reading a policy, with the exact place they were written.

use crate::snapshot::{content_hash, ContentHash};
use crate::span::Span;
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity as MietteSeverity};
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, OnceLock};

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
    /// a copy (an `Arc<str>` is always a new allocation, 170 MB at 100,000 roles). Set from the
    /// start, or on first use for a text let go ([`SourceFile::let_go`]).
    text: OnceLock<Arc<String>>,
    again: Option<TextAgain>,
    named: OnceLock<NamedSource<Arc<String>>>,
    /// Byte offsets where lines start, so that locating a span is a binary search. In `u32`:
    /// a 100,000-role organization has six million lines, and no file read is over 4 GiB
    /// (`xacct_world::files` limits exports to 512 MiB). Made on the first lookup: a world
    /// read back from the cache of compiled worlds locates nothing unless it explains.
    line_starts: OnceLock<Vec<u32>>,
}

/// How a text that was let go is had again: the file read anew, taken only if it is the same
/// text, byte for byte (same length and content hash) as the one read at first.
struct TextAgain {
    read: Box<dyn Fn() -> Option<String> + Send + Sync>,
    length: usize,
    hash: ContentHash,
}

impl fmt::Debug for SourceFile {
    /// Name and text: the line table is derived from the text, made or not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.name)
            .field("text", &self.text())
            .finish_non_exhaustive()
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Self::shared(name, Arc::new(text.into()))
    }

    /// A file whose text is already shared, e.g. by the cache of compiled worlds.
    pub fn shared(name: impl Into<String>, text: Arc<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: OnceLock::from(text),
            again: None,
            named: OnceLock::new(),
            line_starts: OnceLock::new(),
        })
    }

    /// A file whose text is not kept once read: large exports, whose texts are most of a large
    /// world's memory (170 MB of 400 at 100,000 roles) and are needed only to quote or point
    /// into them. `read_again` reads the file anew when that happens; its text is used only if
    /// it is the one read at first, so a file changed since is never quoted as if it were that
    /// one. Its line table and content hash are made now, so that locations and the cache of
    /// compiled worlds never need the text again.
    pub fn let_go(
        name: impl Into<String>,
        text: &str,
        read_again: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) -> Arc<Self> {
        let source = Self::pending(name, text.len(), content_hash(text.as_bytes()), read_again);
        let _ = source.line_starts.set(line_starts_of(text));
        source
    }

    /// A file known at first by its text's length and content hash only: the cache of
    /// compiled worlds makes its files so while it reads them again, and gives each what it
    /// keeps once the read shows the same text ([`SourceFile::provide`]). Until then, and
    /// for good if nothing is provided, it behaves as a text let go
    /// ([`SourceFile::let_go`]): `read_again` is called when the text is wanted, and what it
    /// reads is used only if it has that length and hash.
    pub fn pending(
        name: impl Into<String>,
        length: usize,
        hash: ContentHash,
        read_again: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: OnceLock::new(),
            again: Some(TextAgain {
                read: Box::new(read_again),
                length,
                hash,
            }),
            named: OnceLock::new(),
            line_starts: OnceLock::new(),
        })
    }

    /// Gives a [pending](SourceFile::pending) file what it keeps of its text: the text itself,
    /// or the line table of a text let go. Refused (`false`) when the text is not the length
    /// announced, or something was kept already. The caller vouches that the text hashes as
    /// announced: the cache checks the hash of every text it reads before it provides it.
    pub fn provide(&self, kept: Kept) -> bool {
        let Some(again) = &self.again else {
            return false;
        };
        match kept {
            Kept::Text(text) => text.len() == again.length && self.text.set(text).is_ok(),
            Kept::Lines(lines) => {
                lines.length == again.length && self.line_starts.set(lines.starts).is_ok()
            }
        }
    }

    /// Whether the text is in memory now (not let go, or read again since).
    pub fn holds_text(&self) -> bool {
        self.text.get().is_some()
    }

    /// The text. For a text let go and since changed (or gone), the empty text: nothing is
    /// quoted, and locations still come from the line table made when it was read.
    pub fn text(&self) -> &str {
        self.text_shared().as_str()
    }

    fn text_shared(&self) -> &Arc<String> {
        self.text.get_or_init(|| {
            let again = self.again.as_ref();
            let read = again.and_then(|again| {
                (again.read)().filter(|text| {
                    text.len() == again.length && content_hash(text.as_bytes()) == again.hash
                })
            });
            Arc::new(read.unwrap_or_default())
        })
    }

    /// The content hash of the text (`snapshot::content_hash`), without reading a text let go.
    pub fn content_hash(&self) -> ContentHash {
        match &self.again {
            Some(again) => again.hash,
            None => content_hash(self.text().as_bytes()),
        }
    }

    fn named(&self) -> &NamedSource<Arc<String>> {
        self.named.get_or_init(|| {
            NamedSource::new(one_line(&self.name), Arc::clone(self.text_shared()))
                .with_language("json")
        })
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts_of(self.text()))
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let line_starts = self.line_starts();
        // A text let go and since changed is empty: count in bytes within what was read.
        let length = self.again.as_ref().map_or(text.len(), |again| again.length);
        let offset = offset.min(length);
        let line = line_starts
            .partition_point(|start| *start as usize <= offset)
            .max(1);
        let start = line_starts.get(line - 1).map_or(0, |start| *start as usize);
        let column = text
            .get(start..offset)
            .map_or(offset.saturating_sub(start), |before| {
                before.chars().count()
            })
            + 1;
        (line, column)
    }

    /// `file:line:column` of a span, as editors and terminals link it.
    pub fn location(&self, span: Span) -> String {
        let (line, column) = self.line_column(span.start);
        format!("{}:{line}:{column}", one_line(&self.name))
    }
}

/// Text for one line of a terminal, a comment or a heading: control characters (a newline
/// in a file name, an escape sequence) are written as escapes, so that the text stays on its
/// line, cannot move the cursor or recolour what follows, and never ends a comment to start
/// a command. Other text is unchanged.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|character| {
            if character.is_control() {
                character.escape_default().to_string()
            } else {
                character.to_string()
            }
        })
        .collect()
}

/// What a [pending](SourceFile::pending) file keeps of its text once read again.
#[derive(Clone)]
pub enum Kept {
    Text(Arc<String>),
    /// The text is let go: its lines, for locations.
    Lines(LineStarts),
}

/// Where the lines of a text start, made from the text (on whichever thread read it).
#[derive(Clone)]
pub struct LineStarts {
    starts: Vec<u32>,
    length: usize,
}

impl LineStarts {
    pub fn of(text: &str) -> Self {
        Self {
            starts: line_starts_of(text),
            length: text.len(),
        }
    }
}

/// Byte offsets where lines start. Eight bytes at a time: at 100,000 roles the exports are
/// 170 MB of six million short lines, and a search for each newline in turn
/// (`match_indices`) was a tenth of a repeat load's CPU time.
fn line_starts_of(text: &str) -> Vec<u32> {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let offset = |index: usize| u32::try_from(index + 1).unwrap_or(u32::MAX);
    let bytes = text.as_bytes();
    // Counted first, so the table is made at its size: grown by doubling, it took fresh pages
    // at each step, a twentieth of a 300,000-role load (docs/benchmarks.md, "Seventh pass").
    let lines = bytes.iter().filter(|byte| **byte == b'\n').count();
    let mut starts = Vec::with_capacity(lines + 1);
    starts.push(0);
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight) ^ NEWLINES;
        // The high bit of each byte that was a newline (now zero), exactly: no carry crosses
        // bytes, as each byte's low seven bits plus 0x7f stay under 0x100.
        let mut found = !(((word & LOW) + LOW) | word | LOW);
        while found != 0 {
            let byte = (found.trailing_zeros() / 8) as usize;
            starts.push(offset(at + byte));
            found &= found - 1;
        }
        at += 8;
    }
    for (index, byte) in chunks.remainder().iter().enumerate() {
        if *byte == b'\n' {
            starts.push(offset(at + index));
        }
    }
    starts
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
        Some(self.source.named())
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
    fn a_text_let_go_is_read_again_only_to_quote_and_only_if_unchanged() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let text = "{\n  \"Effect\": \"Alow\"\n}\n";
        let reads = Arc::new(AtomicUsize::new(0));
        let on_disk = Arc::new(std::sync::Mutex::new(text.to_owned()));
        let source = {
            let (reads, on_disk) = (Arc::clone(&reads), Arc::clone(&on_disk));
            SourceFile::let_go("big.json", text, move || {
                reads.fetch_add(1, Ordering::SeqCst);
                on_disk.lock().ok().map(|text| text.clone())
            })
        };
        // Its hash and its lines are known without reading it again.
        assert_eq!(source.content_hash(), content_hash(text.as_bytes()));
        assert_eq!(reads.load(Ordering::SeqCst), 0);
        // Quoting reads it once, and keeps it.
        assert_eq!(source.text(), text);
        assert_eq!(source.location(Span::new(15, 21)), "big.json:2:14");
        assert_eq!(source.text(), text);
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        // Changed on disk before it is quoted: nothing of the new text is shown, and the
        // location is still the one in the text that was read.
        let changed = {
            let on_disk = Arc::clone(&on_disk);
            SourceFile::let_go("big.json", text, move || {
                on_disk.lock().ok().map(|text| text.clone())
            })
        };
        if let Ok(mut on_disk) = on_disk.lock() {
            *on_disk = text.replace("Alow", "Deny");
        }
        assert_eq!(changed.text(), "");
        assert_eq!(changed.location(Span::new(15, 21)), "big.json:2:14");
        assert_eq!(changed.content_hash(), content_hash(text.as_bytes()));
    }

    #[test]
    fn a_name_with_control_characters_stays_on_its_line() {
        let text = "{\n  \"Effect\": \"Alow\"\n}\n";
        let odd = SourceFile::new("we\"ird;$(x)\nname\u{1b}[31m.json", text);
        assert_eq!(
            odd.location(Span::new(15, 21)),
            "we\"ird;$(x)\\nname\\u{1b}[31m.json:2:14"
        );
        assert_eq!(
            SourceFile::new("plain name.json", text).location(Span::new(15, 21)),
            "plain name.json:2:14"
        );
        let finding = SourcedFinding {
            finding: Finding::error("invalid-effect", Span::new(15, 21), "bad effect"),
            source: odd,
        };
        // The name miette puts in the header of the quoted snippet.
        let Some(code) = finding.source_code() else {
            panic!("a finding quotes its file");
        };
        let Ok(contents) = code.read_span(&miette::SourceSpan::from(15..21), 0, 0) else {
            panic!("the span is in the text");
        };
        assert_eq!(contents.name(), Some("we\"ird;$(x)\\nname\\u{1b}[31m.json"));
    }

    #[test]
    fn line_starts_are_found_eight_bytes_at_a_time_as_one_at_a_time() {
        let texts = [
            String::new(),
            "\n".to_owned(),
            "a\nb".to_owned(),
            "\n\n\n\n\n\n\n\n\n\n".to_owned(),
            "{\n  \"é\": \"\u{8a}\u{10a0a}\\n\"\n}\n".to_owned(),
            (0u8..=127).map(char::from).collect::<String>().repeat(3),
            "ÿ\n".repeat(17),
        ];
        for text in texts {
            let one_at_a_time: Vec<u32> = std::iter::once(0)
                .chain(
                    text.match_indices('\n')
                        .map(|(index, _)| (index + 1) as u32),
                )
                .collect();
            assert_eq!(line_starts_of(&text), one_at_a_time, "{text:?}");
        }
    }

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
