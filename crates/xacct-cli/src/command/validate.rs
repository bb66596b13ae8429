//! `xacct validate`: report what AWS would reject and what probably does not mean what it says.

use crate::command::exit;
use crate::files::read_source;
use crate::render::{self, json, sarif, stream};
use std::path::PathBuf;
use xacct_policy::{parse_policy, PolicyKind, Severity, SourcedFinding};

#[derive(clap::Args)]
pub struct Args {
    /// Policy documents (JSON) to check, `-` for standard input, or scenario folders (with
    /// xacct.toml): a folder is loaded whole, and its findings cover the manifest, every
    /// document and every settings file it names.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where the policies are attached, one of identity, inline, resource, trust, scp, rcp,
    /// boundary, session; the rules differ (e.g. only resource-based policies name a
    /// Principal). A scenario folder's documents are checked as the manifest attaches them.
    #[arg(long, default_value = "identity", value_parser = parse_kind)]
    kind: PolicyKind,
    /// How to report: text for people, JSON or SARIF for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

fn parse_kind(text: &str) -> Result<PolicyKind, String> {
    text.parse()
}

/// A finding that means the document could not be read as JSON at all: bad input (exit 2),
/// not a finding about a policy (exit 1).
fn unreadable_json(finding: &SourcedFinding) -> bool {
    finding.finding.code == "invalid-json"
}

pub fn run(args: &Args) -> u8 {
    // Files that could not be read, with why: they have no place to point at.
    let mut unreadable: Vec<String> = Vec::new();
    let mut findings = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            // A folder of policy documents is what a newcomer gives first: say what is read.
            if !path.join("xacct.toml").exists() {
                unreadable.push(format!(
                    "`{}` is a folder without xacct.toml: give the policy files themselves (`{}`) or a scenario folder",
                    path.display(),
                    path.join("*.json").display()
                ));
                continue;
            }
            match xacct_world::load_with(path, &crate::files::access()) {
                Ok(loaded) => findings.extend(loaded.findings),
                Err(message) => unreadable.push(message),
            }
            continue;
        }
        match read_source(path) {
            Ok(source) => {
                let parsed = parse_policy(source.text(), args.kind);
                findings.extend(
                    parsed
                        .findings
                        .iter()
                        .map(|finding| finding.in_source(&source)),
                );
                // Service-aware checks: unknown actions and keys, statements that can never apply.
                findings.extend(
                    xacct_catalog::service_findings(&parsed.policy)
                        .iter()
                        .map(|finding| finding.in_source(&source)),
                );
            }
            Err(message) => unreadable.push(message),
        }
    }
    let errors = findings
        .iter()
        .filter(|finding| finding.finding.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    for message in &unreadable {
        errln!("error: {message}");
    }
    match args.format {
        Format::Text => {
            let colour = stream::stdout_colour();
            for finding in &findings {
                out!("{}", render::finding(finding, colour));
            }
            if findings.is_empty() && unreadable.is_empty() {
                if !stream::quiet() {
                    let folders = args.files.iter().filter(|path| path.is_dir()).count();
                    if folders == 0 {
                        outln!(
                            "{} file(s) checked as {} policies: no findings",
                            args.files.len(),
                            args.kind
                        );
                    } else {
                        outln!(
                            "{} file(s) and {folders} scenario(s) checked: no findings",
                            args.files.len() - folders
                        );
                    }
                }
            } else {
                let errors = format!("{errors} error(s)");
                let errors = if errors.starts_with('0') {
                    errors
                } else {
                    stream::style::paint(stream::style::ERROR, &errors)
                };
                let warnings = format!("{warnings} warning(s)");
                let warnings = if warnings.starts_with('0') {
                    warnings
                } else {
                    stream::style::paint(stream::style::WARNING, &warnings)
                };
                if unreadable.is_empty() {
                    outln!("{errors}, {warnings}");
                } else {
                    // "0 error(s)" alone would read as a clean run after a file that could not
                    // be read at all.
                    let unread = stream::style::paint(
                        stream::style::ERROR,
                        &format!("{} file(s) unreadable", unreadable.len()),
                    );
                    outln!("{errors}, {warnings}, {unread}");
                }
            }
        }
        Format::Json => {
            let body = serde_json::json!({
                "unreadable": unreadable,
                "summary": {"errors": errors, "warnings": warnings, "unreadable": unreadable.len()},
            });
            json::print(&json::document("validate", &findings, body));
        }
        Format::Sarif => {
            let mut log = sarif::Log::default();
            log.findings(&findings);
            for message in &unreadable {
                log.failed(message);
            }
            sarif::print(log);
        }
    }
    if !unreadable.is_empty() || findings.iter().any(unreadable_json) {
        exit::BAD_INPUT
    } else if findings.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
