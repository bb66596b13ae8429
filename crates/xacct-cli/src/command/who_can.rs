//! `xacct who-can`: every principal of a scenario that can do an action on a resource, with
//! its shortest AssumeRole chain.

use crate::command::exit;
use crate::render::{json, left_out};
use crate::scenario::{self, Output};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;
use xacct_eval::ContextValue;
use xacct_paths::who_can::{Kind, DEFAULT_DEPTH};
use xacct_paths::{who_can, CallerIndex, Reach, WhoCan, WhoCanQuery};
use xacct_world::import::LeftOut;
use xacct_world::{Assumption, World};

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
    #[arg(long = "context", value_parser = crate::command::parse_pair)]
    context: Vec<(String, String)>,
    /// The external id callers pass when assuming a role, `ROLE_ARN=ID` (repeatable). Without
    /// it, the values the role's trust policy asks for are used.
    #[arg(long = "external-id", value_parser = crate::command::parse_pair)]
    external_ids: Vec<(String, String)>,
    /// Longest AssumeRole chain to search.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    depth: usize,
    /// How to report: text for people, JSON for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    at: crate::command::At,
    #[command(flatten)]
    terraform: crate::scenario::Terraform,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: &Args) -> u8 {
    if let Err(error) = xacct_world::question::check(&args.action, &args.resource) {
        let message = error.with_help();
        errln!("error: {message}");
        if matches!(args.format, Format::Json) {
            json::print(&json::failure("who-can", &message, []));
        }
        return exit::BAD_INPUT;
    }
    let output = match args.format {
        Format::Text => Output::Text,
        Format::Json => Output::Json,
    };
    let Some(mut loaded) =
        scenario::load_planned(&args.scenario, "who-can", output, &args.terraform)
    else {
        return exit::BAD_INPUT;
    };
    // The world is taken, not cloned: at 100,000 roles a copy costs as much as the search.
    // Nor is it freed: the process ends after the answer, and freeing millions of small
    // values one by one took a tenth of the command (docs/benchmarks.md).
    if let Some(message) =
        crate::command::unknown_external_id_role(&loaded.world, &args.external_ids)
    {
        errln!("error: {message}");
        if matches!(args.format, Format::Json) {
            json::print(&json::failure("who-can", &message, &loaded.findings));
        }
        return exit::BAD_INPUT;
    }
    let mut world = std::mem::ManuallyDrop::new(std::mem::take(&mut loaded.world));
    world.request_time = args.at.time();
    let mut assumptions = world.assume_undeclared([args.resource.as_str()]);
    let world = &world;
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
    assumptions.extend(world.request_assumptions(Some((&query.action, &query.resource))));
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
    let notes = Notes {
        assumptions: &assumptions,
        left_out: &loaded.left_out,
    };
    match args.format {
        Format::Text => out!("{}", text(world, &query, &answer, &notes)),
        Format::Json => json::print(&json::document(
            "who-can",
            &loaded.findings,
            json_of(world, &query, &answer, &notes),
        )),
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

/// What the answer rests on besides the scenario: assumptions, and entities left out.
struct Notes<'a> {
    assumptions: &'a [Assumption],
    left_out: &'a [LeftOut],
}

impl Notes<'_> {
    fn text(&self, out: &mut String) {
        for assumption in self.assumptions {
            let _ = writeln!(out, "assumed: {}", assumption.detail);
        }
        out.push_str(&left_out::text(self.left_out));
    }

    fn json(&self) -> (Value, Value) {
        (json!(self.assumptions), left_out::json(self.left_out))
    }
}

fn text(world: &World, query: &WhoCanQuery, answer: &WhoCan, notes: &Notes<'_>) -> String {
    let mut out = String::new();
    notes.text(&mut out);
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
            (Kind::Service, Some(role)) if reach.through.is_empty() => {
                format!(" (assumes {role}; nothing in the scenario hands it the role)")
            }
            (Kind::Service, Some(role)) => {
                format!(" (assumes {role}, through {})", reach.through.join(" / "))
            }
            (Kind::Federated, _) if !reach.through.is_empty() => {
                format!(" ({})", reach.through.join(" / "))
            }
            _ => String::new(),
        };
        let _ = writeln!(out, "  {} {}{role}", reach.kind.name(), reach.principal);
        if let Some(route) = &reach.access_point {
            match &route.from_vpc {
                Some(vpc) => {
                    let _ = writeln!(
                        out,
                        "    through access point {} (from {vpc}, its network origin)",
                        route.arn
                    );
                }
                None => {
                    let _ = writeln!(out, "    through access point {}", route.arn);
                }
            }
        }
        if let Some(note) = xacct_paths::unity_catalog::principal_note(world, &reach.principal) {
            let _ = writeln!(out, "    {note}");
        }
        for (role, session) in &reach.session_names {
            if *role == reach.principal {
                let _ = writeln!(out, "    as its session `{session}`");
            } else {
                let _ = writeln!(out, "    as session `{session}` of {role}");
            }
        }
        if reach.kind == Kind::Service {
            if reach.chain.len() > 1 {
                let _ = writeln!(out, "    -> {}", reach.chain.join(" -> "));
            }
        } else if reach.chain.is_empty() {
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

fn json_of(world: &World, query: &WhoCanQuery, answer: &WhoCan, notes: &Notes<'_>) -> Value {
    let principals: Vec<Value> = answer
        .principals
        .iter()
        .map(|reach| {
            let mut principal = json!({
                "principal": reach.principal,
                "kind": reach.kind,
                "role": reach.role,
                "hops": reach.hops(),
                "chain": reach.chain,
                "externalIds": reach.external_ids,
                "allowedBy": reach.allowed_by,
                "sessionNames": reach.session_names,
                "through": reach.through,
            });
            if let (Some(route), Some(object)) = (&reach.access_point, principal.as_object_mut()) {
                object.insert("accessPoint".to_owned(), json!(route));
            }
            // What the principal is to Unity Catalog, when it is a credential's role or the
            // master role.
            let note = xacct_paths::unity_catalog::principal_note(world, &reach.principal);
            if let (Some(note), Some(object)) = (note, principal.as_object_mut()) {
                object.insert("unityCatalog".to_owned(), json!(note));
            }
            principal
        })
        .collect();
    let (assumptions, left_out) = notes.json();
    json!({
        "assumptions": assumptions,
        "leftOut": left_out,
        "action": query.action,
        "resource": query.resource,
        "depth": query.max_depth,
        "can": !answer.principals.is_empty(),
        "principals": principals,
        "evaluated": answer.evaluated,
        "screened": answer.screened,
    })
}
