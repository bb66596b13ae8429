//! `xacct eval`: one request, its decision, and why.

use crate::command::exit;
use crate::files::{read_source, RelativeFiles};
use crate::render::{self, JsonFinding};
use serde::Serialize;
use std::path::PathBuf;
use xacct_eval::assumed::denies_skipped_for_absent_keys;
use xacct_eval::wire::read_request_at;
use xacct_eval::{authorize, Decision, Explanation};
use xacct_policy::Severity;

#[derive(clap::Args)]
pub struct Args {
    /// The request: principal, action, resource, context and policies (see README).
    request: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    at: crate::command::At,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    decision: &'static str,
    explanation: &'a Explanation,
    warnings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    error: &'static str,
    findings: Vec<JsonFinding<'a>>,
}

pub fn run(args: &Args) -> u8 {
    let source = match read_source(&args.request) {
        Ok(source) => source,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let base = args
        .request
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let read = read_request_at(&source, &RelativeFiles { base }, args.at.time());
    let Some(request) = read.request else {
        match args.format {
            Format::Text => {
                let terminal = render::stderr_is_terminal();
                for finding in &read.findings {
                    eprint!("{}", render::finding(finding, terminal));
                }
            }
            Format::Json => {
                let output = JsonError {
                    error: "bad input",
                    findings: read.findings.iter().map(JsonFinding::new).collect(),
                };
                if let Ok(text) = serde_json::to_string_pretty(&output) {
                    println!("{text}");
                }
            }
        }
        return exit::BAD_INPUT;
    };
    let response = authorize(&request);
    let explanation = Explanation::new(&request, &response);
    let skipped = denies_skipped_for_absent_keys(&request);
    let warnings: Vec<_> = read
        .findings
        .iter()
        .filter(|finding| finding.finding.severity == Severity::Warning)
        .chain(&skipped)
        .collect();
    match args.format {
        Format::Text => {
            let terminal = render::stderr_is_terminal();
            for warning in &warnings {
                eprint!("{}", render::finding(warning, terminal));
            }
            print!("{}", explanation.to_text());
            print!("{}", explanation.assumptions_text());
        }
        Format::Json => {
            let output = JsonOutput {
                decision: response.decision.name(),
                explanation: &explanation,
                warnings: warnings
                    .iter()
                    .map(|finding| JsonFinding::new(finding))
                    .collect(),
            };
            match serde_json::to_string_pretty(&output) {
                Ok(text) => println!("{text}"),
                Err(error) => eprintln!("error: {error}"),
            }
        }
    }
    if response.decision == Decision::Allow {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
