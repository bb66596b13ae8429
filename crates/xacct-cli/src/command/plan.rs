//! `xacct plan`: the documents that make each `[[intent]]` of a scenario work, proven.

use crate::command::exit;
use crate::scenario::{self, Output};
use std::path::PathBuf;

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
    /// With `--format json`: write each document to DIR/ACCOUNT/PATH instead of printing.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Writes the documents of JSON plans as files, one folder per account.
fn write_documents(root: &std::path::Path, plans: &[serde_json::Value]) -> Result<usize, String> {
    let mut written = 0;
    for plan in plans {
        let Some(accounts) = plan.get("accounts").and_then(serde_json::Value::as_object) else {
            continue;
        };
        for (account, documents) in accounts {
            let Some(documents) = documents.as_object() else {
                continue;
            };
            for (path, document) in documents {
                let file = root.join(account).join(path);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
                }
                let text = serde_json::to_string_pretty(document).unwrap_or_default() + "\n";
                std::fs::write(&file, text)
                    .map_err(|error| format!("cannot write {}: {error}", file.display()))?;
                written += 1;
            }
        }
    }
    Ok(written)
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
        errln!(
            "error: {} has no [[intent]]{}",
            args.scenario.display(),
            args.intent
                .as_ref()
                .map(|name| format!(" named `{name}`"))
                .unwrap_or_default()
        );
        return exit::BAD_INPUT;
    }
    let mut failed = false;
    let mut json_plans = Vec::new();
    for intent in intents {
        match xacct_plan::plan(world, intent) {
            Ok(plan) => match args.format {
                Format::Json => json_plans.push(xacct_plan::render::json(world, &plan)),
                Format::Terraform => out!("{}", xacct_plan::render::terraform(world, &plan)),
                Format::Cli => out!("{}", xacct_plan::render::cli(world, &plan)),
                Format::Runbook => out!("{}", xacct_plan::render::runbook(world, &plan)),
            },
            Err(error) => {
                errln!(
                    "error: intent `{}` ({}): {error}",
                    intent.name,
                    intent.origin.location
                );
                failed = true;
            }
        }
    }
    if let (Format::Json, Some(root)) = (args.format, &args.output) {
        match write_documents(root, &json_plans) {
            Ok(count) => errln!("wrote {count} document(s) under {}", root.display()),
            Err(message) => {
                errln!("error: {message}");
                return exit::BAD_INPUT;
            }
        }
    } else if matches!(args.format, Format::Json) && !json_plans.is_empty() {
        // The plans' own shape, until the plan command adopts `json::document` (its output is
        // being reshaped into one plan per scenario).
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Array(json_plans)).unwrap_or_default()
        );
    }
    if failed {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
