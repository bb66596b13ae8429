//! `xacct eval`: one request, its decision, and why.

use crate::command::exit;
use crate::files::{read_source, RelativeFiles};
use crate::render::{self, json, stream};
use std::path::PathBuf;
use xacct_eval::assumed::denies_skipped_for_absent_keys;
use xacct_eval::wire::read_request_at;
use xacct_eval::{authorize, Decision, Explanation};
use xacct_policy::Severity;

#[derive(clap::Args)]
pub struct Args {
    /// The request: principal, action, resource, context and policies (see README); `-` reads
    /// it from standard input.
    request: PathBuf,
    /// How to report: text for people, JSON for programs (docs/output-format.md).
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

pub fn run(args: &Args) -> u8 {
    let source = match read_source(&args.request) {
        Ok(source) => source,
        Err(message) => {
            errln!("error: {message}");
            if matches!(args.format, Format::Json) {
                json::print(&json::failure("eval", &message, []));
            }
            return exit::BAD_INPUT;
        }
    };
    let read = read_request_at(&source, &RelativeFiles::of(&args.request), args.at.time());
    let Some(request) = read.request else {
        match args.format {
            Format::Text => {
                let colour = stream::stderr_colour();
                for finding in &read.findings {
                    err!("{}", render::finding(finding, colour));
                }
            }
            Format::Json => json::print(&json::failure("eval", "bad input", &read.findings)),
        }
        return exit::BAD_INPUT;
    };
    let response = authorize(&request);
    let explanation = Explanation::new(&request, &response);
    let skipped = denies_skipped_for_absent_keys(&request);
    // What the service catalog knows, as `validate` and scenarios say it: a misspelt action or
    // a statement whose resources the action never takes is decided (it matches nothing),
    // with the warning that says why.
    let services: Vec<_> = request
        .policies
        .every()
        .filter_map(|policy| {
            let source = policy.source.as_ref()?;
            let findings = xacct_catalog::service_findings(&policy.policy);
            Some(
                findings
                    .into_iter()
                    .map(|finding| finding.in_source(source)),
            )
        })
        .flatten()
        .collect();
    let warnings: Vec<_> = read
        .findings
        .iter()
        .filter(|finding| finding.finding.severity == Severity::Warning)
        .chain(&services)
        .chain(&skipped)
        .collect();
    match args.format {
        Format::Text => {
            let colour = stream::stderr_colour();
            if !stream::quiet() {
                for warning in &warnings {
                    err!("{}", render::finding(warning, colour));
                }
            }
            // `--quiet` prints a denial only.
            if !stream::quiet() || response.decision != Decision::Allow {
                let text = explanation.to_text();
                let name = response.decision.name();
                let verdict = if response.decision == Decision::Allow {
                    stream::style::PASS
                } else {
                    stream::style::FAIL
                };
                match text.strip_prefix(name) {
                    Some(rest) => out!("{}{rest}", stream::style::paint(verdict, name)),
                    None => out!("{text}"),
                }
                out!("{}", explanation.assumptions_text());
            }
        }
        Format::Json => {
            let body = serde_json::json!({
                "decision": response.decision.name(),
                "explanation": explanation,
            });
            json::print(&json::document("eval", warnings.iter().copied(), body));
        }
    }
    if response.decision == Decision::Allow {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
