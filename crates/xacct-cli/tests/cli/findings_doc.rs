//! docs/findings.md has one entry per finding code, and no entry for a code that does not
//! exist: SARIF rules link there (`docs/findings.md#CODE`) and carry the entry as their help.
//!
//! The codes are read from the source, where findings are made: the first argument of
//! `Finding::error`/`Finding::warning` and of the loaders' `.error`/`.warning`, `code: "..."`
//! fields, and the constants of a `mod code` block. Test modules are left out.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot read the sources fails"
)]

use super::workspace_root;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The `.rs` files under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// A finding code: lowercase words joined by `-`.
fn is_code(text: &str) -> bool {
    text.contains('-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The string literal at the start of `text` (after whitespace), when the call's argument list
/// goes on after it (a code is never a call's only argument).
fn leading_literal(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    let literal = rest.get(..end)?;
    let after = rest.get(end + 1..)?.trim_start();
    (after.starts_with(',') || after.starts_with('}') || after.starts_with('\n')).then_some(literal)
}

fn codes_in(text: &str, out: &mut BTreeSet<String>) {
    let body = text.split("#[cfg(test)]").next().unwrap_or_default();
    for needle in [
        "Finding::error(",
        "Finding::warning(",
        ".error(",
        ".warning(",
        "code: ",
    ] {
        for (index, _) in body.match_indices(needle) {
            if let Some(literal) = leading_literal(&body[index + needle.len()..]) {
                if is_code(literal) {
                    out.insert(literal.to_owned());
                }
            }
        }
    }
    // `self.read_file(path, limit, what, ("missing-policy-file", span))`: a code paired with
    // its place, for a finding made later.
    for (index, _) in body.match_indices("(\"") {
        let rest = &body[index + 1..];
        if let Some(literal) = leading_literal(rest) {
            let paired = rest
                .get(literal.len() + 2..)
                .is_some_and(|after| after.trim_start().starts_with(", span"));
            if paired && is_code(literal) {
                out.insert(literal.to_owned());
            }
        }
    }
    // `pub mod code { pub const UNKNOWN_ACTION: &str = "unknown-action"; ... }`
    for (index, _) in body.match_indices("mod code {") {
        let block = &body[index..];
        let block = &block[..block.find("\n}").unwrap_or(block.len())];
        for line in block.lines() {
            if let Some((_, value)) = line.split_once("&str = \"") {
                let literal = value.split('"').next().unwrap_or_default();
                if is_code(literal) {
                    out.insert(literal.to_owned());
                }
            }
        }
    }
}

/// The codes the CLI itself reports in SARIF.
const CLI_CODES: [&str; 7] = [
    "expectation-failed",
    "compute-check-failed",
    "nothing-to-check",
    "new-public-access",
    "new-cross-account-access",
    "new-access",
    "lost-access",
];

#[test]
fn every_finding_code_has_an_entry_in_docs_findings_md() {
    let root = workspace_root();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() && !src.starts_with(root.join("crates/xacct-cli")) {
            sources(&src, &mut files);
        }
    }
    let mut codes = BTreeSet::new();
    for file in &files {
        codes_in(&std::fs::read_to_string(file).unwrap(), &mut codes);
    }
    codes.extend(CLI_CODES.iter().map(|code| (*code).to_owned()));
    assert!(
        codes.len() > 150,
        "the scan found only {} codes",
        codes.len()
    );
    let doc = std::fs::read_to_string(root.join("docs/findings.md")).unwrap();
    let entries: BTreeSet<String> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .map(str::to_owned)
        .collect();
    let missing: Vec<&String> = codes.difference(&entries).collect();
    let stale: Vec<&String> = entries.difference(&codes).collect();
    assert!(
        missing.is_empty(),
        "codes without an entry in docs/findings.md (add `### CODE`, its severity and what it means): {missing:#?}"
    );
    assert!(
        stale.is_empty(),
        "entries of docs/findings.md for codes the source no longer has: {stale:#?}"
    );
}

#[test]
fn the_scan_finds_codes_in_each_way_they_are_written() {
    let mut codes = BTreeSet::new();
    codes_in(
        r#"
        let a = Finding::error("first-code", span, "message");
        loader.warning(
            "second-code",
            span,
            format!("{x}"),
        );
        let c = Finding { code: "third-code", severity };
        pub mod code {
            pub const FOURTH: &str = "fourth-code";
        }
        let not_a_code = region("us-east-1");
        #[cfg(test)]
        mod tests { fn t() { Finding::error("test-only", span, "m"); } }
        "#,
        &mut codes,
    );
    let expected: BTreeSet<String> = ["first-code", "second-code", "third-code", "fourth-code"]
        .iter()
        .map(|code| (*code).to_owned())
        .collect();
    assert_eq!(codes, expected);
}
