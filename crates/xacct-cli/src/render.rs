//! Turning findings and results into text for a terminal or a program.

pub mod check;

use miette::{GraphicalReportHandler, GraphicalTheme};
use serde::Serialize;
use std::io::IsTerminal;
use xacct_policy::SourcedFinding;

/// Renders a finding as a miette report: message, code, the underlined snippet with
/// `file:line:column`, and the help. Colour only on a terminal and never with `NO_COLOR`.
pub fn finding(finding: &SourcedFinding, to_terminal: bool) -> String {
    let colour = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, finding).is_err() {
        out = format!("{}: {}\n", finding.location(), finding.finding.message);
    }
    out
}

pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A finding as JSON: stable fields for programs.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub severity: xacct_policy::Severity,
    pub code: &'a str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
}

impl<'a> JsonFinding<'a> {
    pub fn new(finding: &'a SourcedFinding) -> Self {
        let (line, column) = finding.finding.span.line_column(&finding.source.text);
        Self {
            severity: finding.finding.severity,
            code: finding.finding.code,
            message: &finding.finding.message,
            help: finding.finding.help.as_deref(),
            file: &finding.source.name,
            line,
            column,
            start: finding.finding.span.start,
            end: finding.finding.span.end,
        }
    }
}
