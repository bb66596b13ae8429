//! `xacct check`: run every expectation of a scenario and the compute checks.

use crate::command::exit;
use crate::render::{check as render, json, left_out, sarif, stream};
use crate::scenario::{self, Output};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml) or the manifest itself.
    scenario: PathBuf,
    /// How to report: text for people, JSON or SARIF for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also list the requests that passed, and the details of the expectations that passed.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    at: crate::command::At,
    #[command(flatten)]
    terraform: crate::scenario::Terraform,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

pub fn run(args: &Args) -> u8 {
    let output = match args.format {
        Format::Text => Output::Text,
        Format::Json => Output::Json,
        Format::Sarif => Output::Sarif,
    };
    let Some(mut loaded) = scenario::load_planned(&args.scenario, "check", output, &args.terraform)
    else {
        return exit::BAD_INPUT;
    };
    loaded.world.request_time = args.at.time();
    let mut report = xacct_paths::check::check(&loaded.world);
    // Each [[intent]] is a check too, the same one `xacct plan` proves its plan with.
    let (intent_results, unchecked) = xacct_plan::intent_results(&loaded.world);
    report.expectations.extend(intent_results);
    for (intent, error) in unchecked {
        let message = format!(
            "intent `{}` ({}) cannot be checked: {error}",
            intent.name,
            intent.origin.location()
        );
        errln!("warning: {}", xacct_plan::render::one_line(&message));
    }
    let assumptions = loaded.world.request_assumptions(None);
    let intents = loaded.world.intents.len();
    match args.format {
        Format::Text => {
            let mut text = render::text(&report, intents, args.verbose);
            // `--quiet` leaves them out of a check that passed, with everything else.
            if !report.is_empty() && (!stream::quiet() || !report.passed()) {
                for assumption in &assumptions {
                    text.push_str(&format!("assumed: {}\n", assumption.detail));
                }
            }
            // Even with `--quiet`: a pass that rests on an undecided plan is not final.
            text.push_str(&left_out::after_answer(&loaded.left_out));
            out!("{text}");
        }
        Format::Json => {
            let mut body = render::json(&report, intents, &assumptions);
            if let Some(body) = body.as_object_mut() {
                body.insert("leftOut".to_owned(), left_out::json(&loaded.left_out));
            }
            json::print(&json::document("check", &loaded.findings, body))
        }
        Format::Sarif => {
            let mut log = sarif::Log::default();
            log.findings(&loaded.findings);
            log.report(&report, &loaded);
            if report.is_empty() {
                log.nothing_to_check(&loaded);
            }
            sarif::print(log);
        }
    }
    // A check that verified nothing does not pass: a pipeline pointed at a folder without
    // expectations must not go green (README, "Exit codes of check").
    if report.passed() && !report.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
