//! Turning findings and results into text for a terminal or a program.

pub mod check;
pub mod json;
pub mod left_out;
pub mod sarif;
pub mod stream;

use miette::{GraphicalReportHandler, GraphicalTheme};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use xacct_policy::{Severity, SourcedFinding};

/// Lines longer than this (in bytes) are not given to miette: its renderer pads columns in
/// `u16` and panics past column 65,535, and a snippet of a 200 KB one-line export helps nobody.
/// Such findings are shown as an excerpt cut around the span.
const LONGEST_RENDERED_LINE: usize = 2_000;

/// Characters of context kept on each side of the span in an excerpt of a long line.
const EXCERPT_CONTEXT: usize = 60;

/// Renders a finding as a miette report: message, code, the underlined snippet with
/// `file:line:column`, and the help. `colour` comes from `stream::stdout_colour` or
/// `stream::stderr_colour`, whichever the report is written to.
pub fn finding(finding: &SourcedFinding, colour: bool) -> String {
    if longest_line_of(finding) > LONGEST_RENDERED_LINE {
        return plain(finding);
    }
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    match without_panicking(|| handler.render_report(&mut out, finding)) {
        Some(Ok(())) => out,
        // A rendering failure must not hide the finding: say it plainly.
        _ => plain(finding),
    }
}

/// The length of the longest line the finding's span touches.
fn longest_line_of(finding: &SourcedFinding) -> usize {
    let text = finding.source.text();
    let start = finding.finding.span.start.min(text.len());
    let end = finding.finding.span.end.clamp(start, text.len());
    let first = text
        .get(..start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let last = text
        .get(end..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |i| end + i);
    text.get(first..last).map_or(0, |lines| {
        lines.split('\n').map(str::len).max().unwrap_or(0)
    })
}

/// Runs `render` with panics caught and their message kept off the terminal: a renderer's
/// bug becomes a plain report, never a backtrace.
fn without_panicking<T>(render: impl FnOnce() -> T) -> Option<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(AssertUnwindSafe(render)).ok();
    std::panic::set_hook(previous);
    result
}

/// A finding as plain text: severity, code, message, `file:line:column`, an excerpt of the line
/// cut around the span with the span underlined, and the help.
pub fn plain(finding: &SourcedFinding) -> String {
    let severity = match finding.finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!(
        "{severity}[{}]: {}\n  --> {}\n",
        finding.finding.code,
        finding.finding.message,
        finding.location()
    );
    if let Some((excerpt, offset, width)) = excerpt(finding) {
        let _ = writeln!(out, "   | {excerpt}");
        let _ = writeln!(
            out,
            "   | {}{}",
            " ".repeat(offset),
            "^".repeat(width.max(1))
        );
    }
    if let Some(help) = &finding.finding.help {
        let _ = writeln!(out, "  help: {help}");
    }
    out
}

/// The span's line cut to `EXCERPT_CONTEXT` characters either side of the span (which is cut
/// too when longer), with `…` where text was left out; the underline's offset and width in
/// characters.
fn excerpt(finding: &SourcedFinding) -> Option<(String, usize, usize)> {
    let text = finding.source.text();
    let start = finding.finding.span.start.min(text.len());
    let end = finding.finding.span.end.clamp(start, text.len());
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text
        .get(start..)?
        .find('\n')
        .map_or(text.len(), |i| start + i);
    let end = end.min(line_end);
    let before: Vec<char> = text.get(line_start..start)?.chars().collect();
    let inside: Vec<char> = text.get(start..end)?.chars().collect();
    let after: Vec<char> = text.get(end..line_end)?.chars().collect();
    let kept_before = before.len().min(EXCERPT_CONTEXT);
    let kept_inside = inside.len().min(2 * EXCERPT_CONTEXT);
    let kept_after = after.len().min(EXCERPT_CONTEXT);
    let mut line = String::new();
    let mut offset = 0;
    if kept_before < before.len() {
        line.push('…');
        offset += 1;
    }
    line.extend(before.iter().skip(before.len() - kept_before));
    offset += kept_before;
    line.extend(inside.iter().take(kept_inside));
    let mut width = kept_inside;
    if kept_inside < inside.len() {
        line.push('…');
        width += 1;
    }
    line.extend(after.iter().take(kept_after));
    if kept_after < after.len() {
        line.push('…');
    }
    Some((line, offset, width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_policy::{Finding, SourceFile, Span};

    fn sourced(text: String, span: Span) -> SourcedFinding {
        Finding::error("invalid-value", span, "bad value")
            .with_help("write a good one")
            .in_source(&SourceFile::new("one-line.json", text))
    }

    /// A 200 KB one-line document with a finding near its end renders as an excerpt with the
    /// real place, not a miette panic.
    #[test]
    fn a_finding_past_column_65535_renders_as_an_excerpt() {
        let mut text = format!("{{\"Statement\":[{}", "{\"Sid\":\"x\"},".repeat(18_000));
        let start = text.len();
        text.push_str("\"BAD\"]}");
        let report = sourced(text, Span::new(start, start + 5));
        let rendered = finding(&report, false);
        assert!(
            rendered.contains(&format!("one-line.json:1:{}", start + 1)),
            "{rendered}"
        );
        assert!(
            rendered.contains("   | …") && rendered.contains("{\"Sid\":\"x\"},\"BAD\"]}"),
            "{rendered}"
        );
        assert!(
            rendered.contains("\n   | ") && rendered.contains("^^^^^"),
            "{rendered}"
        );
        assert!(rendered.contains("help: write a good one"), "{rendered}");
        assert!(
            rendered.len() < 1_000,
            "the excerpt is short: {}",
            rendered.len()
        );
    }

    #[test]
    fn a_short_line_still_renders_with_miette() {
        let report = sourced("{\"Effect\": \"allow\"}".to_owned(), Span::new(11, 18));
        let rendered = finding(&report, false);
        assert!(rendered.contains("xacct::invalid-value"), "{rendered}");
        assert!(rendered.contains("[one-line.json:1:12]"), "{rendered}");
    }

    #[test]
    fn an_excerpt_underlines_the_span_in_characters() {
        let text = format!("{}é\"BAD\"{}", "a".repeat(100), "b".repeat(100));
        let start = 102;
        let report = sourced(text, Span::new(start, start + 5));
        let (line, offset, width) = excerpt(&report).unwrap();
        assert_eq!(width, 5);
        assert_eq!(
            line.chars().skip(offset).take(width).collect::<String>(),
            "\"BAD\""
        );
        assert!(line.starts_with('…') && line.ends_with('…'), "{line}");
    }
}
