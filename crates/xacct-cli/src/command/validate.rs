//! `xacct validate`: report what AWS would reject and what probably does not mean what it says.

use crate::command::exit;
use crate::files::read_source;
use crate::render::{self, JsonFinding};
use std::path::PathBuf;
use xacct_policy::{parse_policy, PolicyKind};

#[derive(clap::Args)]
pub struct Args {
    /// Policy documents (JSON) to check, or scenario folders (with xacct.toml): a folder is
    /// loaded whole, and its findings cover the manifest, every document and every settings
    /// file it names.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where the policies are attached; the rules differ (e.g. only resource-based policies
    /// name a Principal).
    #[arg(long, default_value = "identity", value_parser = parse_kind)]
    kind: PolicyKind,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_kind(text: &str) -> Result<PolicyKind, String> {
    text.parse()
}

pub fn run(args: &Args) -> u8 {
    let mut unreadable = false;
    let mut findings = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            match xacct_world::load_with(path, &crate::files::access()) {
                Ok(loaded) => findings.extend(loaded.findings),
                Err(message) => {
                    eprintln!("error: {message}");
                    unreadable = true;
                }
            }
            continue;
        }
        match read_source(path) {
            Ok(source) => {
                let parsed = parse_policy(&source.text, args.kind);
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
            Err(message) => {
                eprintln!("error: {message}");
                unreadable = true;
            }
        }
    }
    match args.format {
        Format::Text => {
            let terminal = render::stdout_is_terminal();
            for finding in &findings {
                print!("{}", render::finding(finding, terminal));
            }
            let errors = findings
                .iter()
                .filter(|finding| finding.finding.severity == xacct_policy::Severity::Error)
                .count();
            let warnings = findings.len() - errors;
            if findings.is_empty() && !unreadable {
                let folders = args.files.iter().filter(|path| path.is_dir()).count();
                if folders == 0 {
                    println!(
                        "{} file(s) checked as {} policies: no findings",
                        args.files.len(),
                        args.kind
                    );
                } else {
                    println!(
                        "{} file(s) and {folders} scenario(s) checked: no findings",
                        args.files.len() - folders
                    );
                }
            } else {
                println!("{errors} error(s), {warnings} warning(s)");
            }
        }
        Format::Json => {
            let json: Vec<JsonFinding<'_>> = findings.iter().map(JsonFinding::new).collect();
            match serde_json::to_string_pretty(&json) {
                Ok(text) => println!("{text}"),
                Err(error) => eprintln!("error: {error}"),
            }
        }
    }
    if unreadable {
        exit::BAD_INPUT
    } else if findings.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
