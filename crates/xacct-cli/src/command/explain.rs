//! `xacct explain`: one question about a scenario, answered with the chain, the failing link,
//! the engine's explanation and the fix.

use crate::command::exit;
use crate::render::check as render;
use crate::scenario;
use std::path::PathBuf;
use xacct_eval::ContextValue;
use xacct_paths::check::{Case, DEFAULT_DEPTH};
use xacct_paths::{find, resolve, suggest, AssumeOptions, Query, TrustIndex};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml).
    scenario: PathBuf,
    /// Who asks: an instance profile, role, user or session ARN, or `compute:NAME`.
    #[arg(long)]
    from: String,
    #[arg(long)]
    action: String,
    #[arg(long)]
    resource: String,
    /// A context key for every request of the chain, `key=value` (repeatable).
    #[arg(long = "context", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    /// Pin the chain through these roles, in order (repeatable).
    #[arg(long)]
    via: Vec<String>,
    /// An external id passed when assuming a role, `ROLE_ARN=ID` (repeatable).
    #[arg(long = "external-id", value_parser = parse_pair)]
    external_ids: Vec<(String, String)>,
    /// Longest AssumeRole chain to search.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    depth: usize,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.rsplit_once('=')
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not `key=value`"))
}

pub fn run(args: &Args) -> u8 {
    let Some(loaded) = scenario::load(&args.scenario) else {
        return exit::BAD_INPUT;
    };
    let world = &loaded.world;
    let start = match resolve(world, &args.from) {
        Ok(start) => start,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::BAD_INPUT;
        }
    };
    let options = AssumeOptions {
        external_ids: args.external_ids.iter().cloned().collect(),
        ..AssumeOptions::default()
    };
    let query = Query {
        start: start.session,
        via: args.via.clone(),
        action: args.action.clone(),
        resource: args.resource.clone(),
        context: args
            .context
            .iter()
            .map(|(key, value)| (key.clone(), ContextValue::Single(value.clone())))
            .collect(),
        options: options.clone(),
        max_depth: args.depth,
    };
    let outcome = find(world, &TrustIndex::new(world), &query);
    if let Some(error) = &outcome.error {
        eprintln!("error: {error}");
        return exit::BAD_INPUT;
    }
    let fixes = (!outcome.allowed()).then(|| suggest(world, &outcome.path, &options));
    let allowed = outcome.allowed();
    let case = Case {
        note: None,
        follows: None,
        action: args.action.clone(),
        resource: args.resource.clone(),
        outcome,
        fixes,
        refusal: None,
    };
    match args.format {
        Format::Text => print!("{}", render::case_text(&case, true)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&render::case_json(&case, true)).unwrap_or_default()
        ),
    }
    if allowed {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
