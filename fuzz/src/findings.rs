//! Checks shared by the fuzz targets: a finding's span lies in its text, and the finding
//! renders every way a person or program reads it. Included with `#[path]` by `lib.rs` and
//! `world.rs`.

use std::fmt::Write as _;
use xacct_policy::{SourcedFinding, Span};

/// A span must lie inside its text and on character boundaries: every renderer slices the
/// text with it.
pub fn check_span(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} cuts a character"
    );
}

/// Renders a finding the ways a program or person would read it.
pub fn render_finding(finding: &SourcedFinding) -> String {
    check_span(
        finding.source.text(),
        finding.finding.span,
        finding.finding.code,
    );
    let mut out = finding.location();
    let _ = miette::NarratableReportHandler::new().render_report(&mut out, finding);
    let _ = miette::JSONReportHandler::new().render_report(&mut out, finding);
    let _ = write!(out, "{finding}");
    out
}
