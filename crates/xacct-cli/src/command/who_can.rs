//! `xacct who-can`: every principal of a scenario that can do an action on a resource, with
//! its shortest AssumeRole chain.

use crate::command::exit;
use crate::render::json;
use crate::scenario::{self, Output};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;
use xacct_eval::ContextValue;
use xacct_paths::who_can::{Kind, DEFAULT_DEPTH};
use xacct_paths::{who_can, CallerIndex, Reach, WhoCan, WhoCanQuery};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml).
    scenario: PathBuf,
    /// The AWS action, e.g. `s3:GetObject`.
    #[arg(long)]
    action: String,
    /// The resource ARN; for objects, a key or a representative `arn:aws:s3:::BUCKET/*`.
    #[arg(long)]
    resource: String,
    /// A context key for every request of every chain, `key=value` (repeatable).
    #[arg(long = "context", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    /// The external id callers pass when assuming a role, `ROLE_ARN=ID` (repeatable). Without
    /// it, the values the role's trust policy asks for are used.
    #[arg(long = "external-id", value_parser = parse_pair)]
    external_ids: Vec<(String, String)>,
    /// Longest AssumeRole chain to search.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    depth: usize,
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

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.rsplit_once('=')
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not `key=value`"))
}

pub fn run(args: &Args) -> u8 {
    let output = match args.format {
        Format::Text => Output::Text,
        Format::Json => Output::Json,
    };
    let Some(mut loaded) = scenario::load(&args.scenario, "who-can", output) else {
        return exit::BAD_INPUT;
    };
    loaded.world.request_time = args.at.time();
    let world = &loaded.world;
    let query = WhoCanQuery {
        context: args
            .context
            .iter()
            .map(|(key, value)| (key.clone(), ContextValue::Single(value.clone())))
            .collect(),
        external_ids: args.external_ids.iter().cloned().collect(),
        max_depth: args.depth,
        ..WhoCanQuery::new(args.action.clone(), args.resource.clone())
    };
    let assumptions = world.request_assumptions(Some((&query.action, &query.resource)));
    let answer = match who_can(world, &CallerIndex::new(world), &query) {
        Ok(answer) => answer,
        Err(error) => {
            errln!("error: {error}");
            if matches!(args.format, Format::Json) {
                json::print(&json::failure(
                    "who-can",
                    &error.to_string(),
                    &loaded.findings,
                ));
            }
            return exit::BAD_INPUT;
        }
    };
    match args.format {
        Format::Text => {
            out!("{}", text(&query, &answer));
            for assumption in &assumptions {
                outln!("assumed: {}", assumption.detail);
            }
        }
        Format::Json => {
            let mut value = json_of(&query, &answer);
            if let Some(object) = value.as_object_mut() {
                object.insert("assumptions".to_owned(), json!(assumptions));
            }
            json::print(&json::document("who-can", &loaded.findings, value));
        }
    }
    // "Nobody can" is an answer, not a failure: the exit code says the question was answered.
    exit::OK
}

fn hops_word(hops: usize) -> String {
    match hops {
        0 => "directly".to_owned(),
        1 => "through 1 AssumeRole".to_owned(),
        more => format!("through {more} AssumeRoles"),
    }
}

fn chain_text(reach: &Reach) -> String {
    reach
        .chain
        .iter()
        .map(|role| match reach.external_ids.get(role) {
            Some(id) => format!("{role} (ExternalId {id})"),
            None => role.clone(),
        })
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn text(query: &WhoCanQuery, answer: &WhoCan) -> String {
    let mut out = String::new();
    let count = answer.principals.len();
    let _ = match count {
        0 => writeln!(
            out,
            "{} on {}: no principal can",
            query.action, query.resource
        ),
        1 => writeln!(
            out,
            "{} on {}: 1 principal can",
            query.action, query.resource
        ),
        _ => writeln!(
            out,
            "{} on {}: {count} principals can",
            query.action, query.resource
        ),
    };
    let mut heading = None;
    for reach in &answer.principals {
        if heading != Some(reach.hops()) {
            heading = Some(reach.hops());
            let _ = writeln!(out, "\n{}:", hops_word(reach.hops()));
        }
        let role = match (&reach.kind, &reach.role) {
            (Kind::InstanceProfile, Some(role)) => format!(" (role {role})"),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {} {}{role}", reach.kind.name(), reach.principal);
        if reach.chain.is_empty() {
            for statement in &reach.allowed_by {
                let _ = writeln!(out, "    allowed by {statement}");
            }
        } else {
            let _ = writeln!(out, "    -> {}", chain_text(reach));
        }
    }
    let _ = writeln!(
        out,
        "\nchains of up to {} AssumeRoles searched; {} requests decided, {} ruled out without evaluation",
        query.max_depth, answer.evaluated, answer.screened
    );
    out
}

fn json_of(query: &WhoCanQuery, answer: &WhoCan) -> Value {
    let principals: Vec<Value> = answer
        .principals
        .iter()
        .map(|reach| {
            json!({
                "principal": reach.principal,
                "kind": reach.kind,
                "role": reach.role,
                "hops": reach.hops(),
                "chain": reach.chain,
                "externalIds": reach.external_ids,
                "allowedBy": reach.allowed_by,
            })
        })
        .collect();
    json!({
        "action": query.action,
        "resource": query.resource,
        "depth": query.max_depth,
        "can": !answer.principals.is_empty(),
        "principals": principals,
        "evaluated": answer.evaluated,
        "screened": answer.screened,
    })
}
