//! `xacct graph`: the scenario drawn as accounts, roles, AssumeRole edges (failing ones dashed
//! with the reason) and the buckets each principal reaches.

use crate::command::exit;
use crate::scenario::{self, Output};
use std::path::PathBuf;
use xacct_paths::graph;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml).
    scenario: PathBuf,
    /// The drawing's language.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// A Mermaid flowchart, e.g. for a Markdown file.
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
}

pub fn run(args: &Args) -> u8 {
    let Some(loaded) = scenario::load(&args.scenario, "graph", Output::Text) else {
        return exit::BAD_INPUT;
    };
    let built = graph::build(&loaded.world);
    let text = match args.format {
        Format::Mermaid => graph::mermaid(&built),
        Format::Dot => graph::dot(&built),
    };
    out!("{text}");
    exit::OK
}
