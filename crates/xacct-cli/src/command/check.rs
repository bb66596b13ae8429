//! `xacct check`: run every expectation of a scenario and the compute checks.

use crate::command::exit;
use crate::render::{check as render, json, sarif};
use crate::scenario::{self, Output};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml) or the manifest itself.
    scenario: PathBuf,
    /// How to report: text for people, JSON or SARIF for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
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
    let Some(loaded) = scenario::load(&args.scenario, "check", output) else {
        return exit::BAD_INPUT;
    };
    let report = xacct_paths::check::check(&loaded.world);
    match args.format {
        Format::Text => out!("{}", render::text(&report)),
        Format::Json => json::print(&json::document(
            "check",
            &loaded.findings,
            render::json(&report),
        )),
        Format::Sarif => {
            let mut log = sarif::Log::default();
            log.findings(&loaded.findings);
            log.report(&report, &loaded);
            sarif::print(log);
        }
    }
    if report.passed() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
