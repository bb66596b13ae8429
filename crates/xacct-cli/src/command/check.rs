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
    #[command(flatten)]
    at: crate::command::At,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

pub fn run(args: &Args) -> u8 {
    let Some(mut loaded) = scenario::load(&args.scenario) else {
        return exit::BAD_INPUT;
    };
    loaded.world.request_time = args.at.time();
    let report = xacct_paths::check::check(&loaded.world);
    let assumptions = loaded.world.request_assumptions(None);
    let output = match args.format {
        Format::Text => {
            let mut text = render::text(&report);
            for assumption in &assumptions {
                text.push_str(&format!("assumed: {}\n", assumption.detail));
            }
            text
        }
        Format::Json => render::json(&report, &assumptions),
        Format::Sarif => render::sarif(&report, &loaded),
    };
    print!("{output}");
    if report.passed() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
