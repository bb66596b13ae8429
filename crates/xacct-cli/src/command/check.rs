//! `xacct check`: run every expectation of a scenario and the compute checks.

use crate::command::exit;
use crate::render::check as render;
use crate::scenario;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml) or the manifest itself.
    scenario: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also list the requests that passed, and the details of the expectations that passed.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

pub fn run(args: &Args) -> u8 {
    let Some(loaded) = scenario::load(&args.scenario) else {
        return exit::BAD_INPUT;
    };
    let report = xacct_paths::check::check(&loaded.world);
    let intents = loaded.world.intents.len();
    let output = match args.format {
        Format::Text => render::text(&report, intents, args.verbose),
        Format::Json => render::json(&report, intents),
        Format::Sarif => render::sarif(&report, &loaded),
    };
    print!("{output}");
    // A check that verified nothing does not pass: a pipeline pointed at a folder without
    // expectations must not go green (README, "Exit codes of check").
    if report.passed() && !report.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
