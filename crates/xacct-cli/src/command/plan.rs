//! `xacct plan`: the documents that make the `[[intent]]`s of a scenario work, as one plan
//! proven as a whole.

use crate::command::exit;
use crate::render::json;
use crate::scenario::{self, Output};
use std::path::PathBuf;
use xacct_plan::render;

mod confined;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml and its [[intent]] tables).
    scenario: PathBuf,
    /// Plan only the intent with this name.
    #[arg(long)]
    intent: Option<String>,
    /// What to write: the documents as JSON, Terraform, an AWS CLI script or a runbook.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Write files under DIR instead of printing: json, one file per document under
    /// DIR/ACCOUNT/; terraform, DIR/ACCOUNT/main.tf; cli, DIR/ACCOUNT.sh and DIR/run-all.sh;
    /// runbook, DIR/runbook.md. Nothing is written outside DIR.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Every document each account needs, whole.
    Json,
    /// HCL for the AWS provider, one provider alias per account.
    Terraform,
    /// A shell script of `aws` commands, one profile per account.
    Cli,
    /// A numbered procedure in Markdown.
    Runbook,
}

impl Format {
    fn files(self) -> render::Format {
        match self {
            Self::Json => render::Format::Json,
            Self::Terraform => render::Format::Terraform,
            Self::Cli => render::Format::Cli,
            Self::Runbook => render::Format::Runbook,
        }
    }
}

pub fn run(args: &Args) -> u8 {
    let output = match args.format {
        Format::Json => Output::Json,
        Format::Terraform | Format::Cli | Format::Runbook => Output::Text,
    };
    let Some(loaded) = scenario::load(&args.scenario, "plan", output) else {
        return exit::BAD_INPUT;
    };
    let world = &loaded.world;
    let intents: Vec<_> = world
        .intents
        .iter()
        .filter(|intent| args.intent.as_ref().is_none_or(|name| &intent.name == name))
        .collect();
    if intents.is_empty() {
        let names: Vec<String> = world
            .intents
            .iter()
            .map(|intent| intent.name.clone())
            .collect();
        let message = render::one_line(&format!(
            "{} has no [[intent]]{}{}",
            args.scenario.display(),
            args.intent
                .as_ref()
                .map(|name| format!(" named `{name}`"))
                .unwrap_or_default(),
            args.intent
                .as_ref()
                .and_then(|name| xacct_world::suggest::closest(name, &names))
                .map(|near| format!("; did you mean `{near}`?"))
                .unwrap_or_default()
        ));
        errln!("error: {message}");
        // A program reading JSON gets a document whatever happened (docs/output-format.md).
        if matches!(output, Output::Json) && args.output.is_none() {
            json::print(&json::failure("plan", &message, &loaded.findings));
        }
        return exit::BAD_INPUT;
    }
    for intent in &intents {
        if intent.external_id_generated {
            if let Some(id) = &intent.external_id {
                errln!(
                    "note: intent `{}` ({}): generated the external id {id}; pin it in the manifest with `external_id = \"{id}\"`, or each run draws a new one",
                    render::one_line(&intent.name), intent.origin.location()
                );
            }
        }
    }
    let merged = xacct_plan::plan_all(world, &intents);
    for (intent, error) in &merged.refused {
        // Names and prefixes may hold newlines: one line per error, control characters escaped.
        errln!(
            "error: {}",
            render::one_line(&format!(
                "intent `{}` ({}): {error}",
                intent.name,
                intent.origin.location()
            ))
        );
    }
    if args.output.is_none() && matches!(args.format, Format::Json) {
        print_json(&loaded, &merged);
    } else if let Some(plan) = &merged.plan {
        if let Some(root) = &args.output {
            let files = render::files(world, plan, args.format.files());
            match confined::write_files(root, &files) {
                Ok(count) => errln!("wrote {count} file(s) under {}", root.display()),
                Err(message) => {
                    errln!("error: {message}");
                    return exit::BAD_INPUT;
                }
            }
        } else {
            match args.format {
                // Printed above, with or without a plan.
                Format::Json => {}
                Format::Terraform => out!("{}", render::terraform(world, plan)),
                Format::Cli => out!("{}", render::cli(world, plan)),
                Format::Runbook => out!("{}", render::runbook(world, plan)),
            }
        }
    }
    if merged.refused.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

/// The plan's JSON document, with `refused` (each intent that cannot be planned: `intent`,
/// `location`, `error`) whether or not a plan was made; when none was, `error` says so, and
/// `intents` and `accounts` are absent, as for any command that could not answer.
fn print_json(loaded: &xacct_world::Loaded, merged: &xacct_plan::Merged) {
    let refused: Vec<serde_json::Value> = merged
        .refused
        .iter()
        .map(|(intent, error)| {
            serde_json::json!({
                "intent": intent.name,
                "location": intent.origin.location(),
                "span": intent.origin.span,
                "error": error.to_string(),
            })
        })
        .collect();
    let mut body = match &merged.plan {
        Some(plan) => render::json(&loaded.world, plan),
        None => serde_json::json!({ "error": "no intent can be planned" }),
    };
    if let serde_json::Value::Object(fields) = &mut body {
        fields.insert("refused".to_owned(), serde_json::Value::Array(refused));
    }
    json::print(&json::document("plan", &loaded.findings, body));
}
