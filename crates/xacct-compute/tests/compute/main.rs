//! Tests of every reader, resolution and finding, against the fixtures in `tests/fixtures`
//! (realistic files modelled on the field guides) and small inline documents.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "helpers that cannot read a fixture or find a finding fail the test"
)]

mod databricks;
mod emr;
mod glue;
mod kinesis;
mod mounts;

use xacct_policy::{Finding, Severity, Span};

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The text a span underlines.
pub fn snippet(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

/// The codes of the findings, in order.
pub fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|finding| finding.code).collect()
}

/// The one finding with this code.
pub fn only<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    let matching: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "expected one `{code}` in {findings:#?}");
    matching[0]
}

pub fn is_error(finding: &Finding) -> bool {
    finding.severity == Severity::Error
}
