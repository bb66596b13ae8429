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
    let mut report = xacct_paths::check::check(&loaded.world);
    // Each [[intent]] is a check too, the same one `xacct plan` proves its plan with.
    let (intents, unchecked) = xacct_plan::intent_results(&loaded.world);
    report.expectations.extend(intents);
    for (intent, error) in unchecked {
        let message = format!(
            "intent `{}` ({}) cannot be checked: {error}",
            intent.name, intent.origin.location
        );
        eprintln!("warning: {}", xacct_plan::render::one_line(&message));
    }
    let output = match args.format {
        Format::Text => render::text(&report),
        Format::Json => render::json(&report),
        Format::Sarif => render::sarif(&report, &loaded),
    };
    print!("{output}");
    if report.passed() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
