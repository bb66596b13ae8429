//! `xacct diff BEFORE AFTER`: the access a change gives and takes away. New cross-account and
//! public access first, each with its chain and the changed documents on it; `--fail-on` turns
//! access gained or lost into exit code 1, so a pipeline can block the change.

use crate::command::exit;
use crate::render::{json, left_out, sarif};
use crate::scenario::{self, Output};
use serde_json::{json, Value};
use serde_sarif::sarif::ResultLevel;
use std::fmt::Write as _;
use std::path::PathBuf;
use xacct_paths::diff::{diff, AccessChange, Diff, Options};
use xacct_paths::who_can::{Kind, DEFAULT_DEPTH};
use xacct_plan::render::one_line;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder before the change (with `--terraform`: the scenario the plan is
    /// merged over).
    before: PathBuf,
    /// The scenario folder after the change; not with `--terraform`, where the plan's prior
    /// state and planned values are the two sides.
    #[arg(required_unless_present = "plan", conflicts_with = "plan")]
    after: Option<PathBuf>,
    #[command(flatten)]
    terraform: scenario::Terraform,
    /// Longest AssumeRole chain to search.
    #[arg(long, default_value_t = DEFAULT_DEPTH)]
    depth: usize,
    /// Exit with 1 when the change gives access (`new-access`), takes it away
    /// (`lost-access`), or either (`any`). Without it, a diff that could be made exits with 0.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Ask every question of both worlds again, not only those the changed documents can
    /// affect (slower, same answer).
    #[arg(long)]
    everything: bool,
    /// How to report: text for people, JSON for programs, SARIF for code scanning.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    at: crate::command::At,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    NewAccess,
    LostAccess,
    Any,
}

/// SARIF rules: one per kind of change, the most urgent first.
const NEW_PUBLIC_ACCESS: &str = "new-public-access";
const NEW_CROSS_ACCOUNT_ACCESS: &str = "new-cross-account-access";
const NEW_ACCESS: &str = "new-access";
const LOST_ACCESS: &str = "lost-access";

pub fn run(args: &Args) -> u8 {
    let output = match args.format {
        Format::Text => Output::Text,
        Format::Json => Output::Json,
        Format::Sarif => Output::Sarif,
    };
    let (before, after) = match &args.after {
        Some(after) => (
            scenario::load(&args.before, "diff", output),
            scenario::load(after, "diff", output),
        ),
        // One plan read twice: each problem is reported once.
        None => match scenario::load_sides(&args.before, "diff", output, &args.terraform) {
            Some((before, after)) => (Some(before), Some(after)),
            None => (None, None),
        },
    };
    let (Some(before), Some(after)) = (before, after) else {
        return exit::BAD_INPUT;
    };
    // With a plan, both sides come from the same files.
    let shown = args.after.is_none().then_some(&before);
    let time = args.at.time();
    let mut worlds = [before.world.clone(), after.world.clone()];
    for world in &mut worlds {
        world.request_time = time;
    }
    let [world_before, world_after] = &worlds;
    let options = Options {
        max_depth: args.depth,
        everything: args.everything,
    };
    let found = match diff(world_before, world_after, &options) {
        Ok(found) => found,
        Err(error) => {
            let message = error.to_string();
            errln!("error: {message}");
            match args.format {
                Format::Text => {}
                Format::Json => json::print(&json::failure("diff", &message, &after.findings)),
                Format::Sarif => {
                    let mut log = sarif::Log::default();
                    log.failed(&message);
                    sarif::print(log);
                }
            }
            return exit::BAD_INPUT;
        }
    };
    let assumed: Vec<String> = world_after
        .request_assumptions(None)
        .into_iter()
        .map(|assumption| assumption.detail)
        .collect();
    // Both sides' parts left out, each once: with a plan, the same resource is often
    // undecided on both.
    let mut undecided: Vec<xacct_world::import::LeftOut> = Vec::new();
    for entity in before.left_out.iter().chain(&after.left_out) {
        if !undecided.iter().any(|seen| {
            seen.kind == entity.kind && seen.entity == entity.entity && seen.reason == entity.reason
        }) {
            undecided.push(entity.clone());
        }
    }
    match args.format {
        Format::Text => out!(
            "{}{}",
            text(&found, &assumed),
            left_out::after_answer(&undecided)
        ),
        Format::Json => json::print(&json::document(
            "diff",
            before
                .findings
                .iter()
                .chain(scenario::new_findings(shown, &after)),
            json_of(args, &found, &assumed, &undecided),
        )),
        Format::Sarif => {
            let mut log = sarif::Log::default();
            log.findings(&after.findings);
            results(&mut log, &found);
            sarif::print(log);
        }
    }
    let fails = match args.fail_on {
        None => false,
        Some(FailOn::NewAccess) => !found.gained.is_empty(),
        Some(FailOn::LostAccess) => !found.lost.is_empty(),
        Some(FailOn::Any) => !(found.gained.is_empty() && found.lost.is_empty()),
    };
    // A gate cannot pass a change it cannot see whole: a part of the plan known only after
    // apply may be the very Allow or Deny the gate is for.
    let blind = args.fail_on.is_some() && left_out::undecided_plan_parts(&undecided) > 0;
    if blind {
        errln!(
            "error: --fail-on cannot pass: {} part(s) of the Terraform plan are undecided until apply (listed as `left out`)",
            left_out::undecided_plan_parts(&undecided)
        );
    }
    let fails = fails || blind;
    if fails {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// `role arn:... can read arn:aws:s3:::b/* (s3:GetObject)`, on one line: names come from the
/// scenario (a compute's name may hold a newline or an escape sequence).
fn sentence(change: &AccessChange, verb: &str) -> String {
    let access = &change.access;
    let who = match (access.kind, &access.role) {
        (Kind::InstanceProfile, Some(role)) => {
            format!("instance profile {} (role {role})", access.principal)
        }
        (Kind::Compute, Some(role)) => format!(
            "compute {} (as {role})",
            access
                .principal
                .strip_prefix("compute:")
                .unwrap_or(&access.principal)
        ),
        (kind, _) => format!("{} {}", kind.name(), access.principal),
    };
    one_line(&format!(
        "{who} {verb} {} {} ({})",
        access.group.name(),
        access.resource,
        access.action
    ))
}

fn causes_text(change: &AccessChange) -> String {
    let numbers: Vec<String> = change
        .causes
        .iter()
        .map(|index| format!("[{}]", index + 1))
        .collect();
    if numbers.is_empty() {
        "no changed document on its chain".to_owned()
    } else {
        numbers.join(" ")
    }
}

fn section(out: &mut String, title: &str, changes: &[&AccessChange], sign: &str) {
    if changes.is_empty() {
        return;
    }
    let verb = if sign == "+" {
        "can now"
    } else {
        "can no longer"
    };
    let _ = writeln!(out, "\n{title}:");
    for change in changes {
        let _ = writeln!(out, "  {sign} {}", sentence(change, verb));
        if !change.access.chain.is_empty() {
            let chain = one_line(&change.access.chain.join(" -> "));
            let _ = writeln!(out, "      through {chain}");
        }
        let _ = writeln!(out, "      changed: {}", causes_text(change));
    }
}

fn text(found: &Diff, assumed: &[String]) -> String {
    let mut out = String::new();
    for assumption in assumed {
        let _ = writeln!(out, "assumed: {assumption}");
    }
    let called_out: Vec<&AccessChange> = found
        .gained
        .iter()
        .filter(|change| change.access.public || change.access.cross_account)
        .collect();
    let _ = writeln!(
        out,
        "{} gained ({} cross-account or public), {} lost; {} changed document(s)",
        plural(found.gained.len(), "access"),
        called_out.len(),
        found.lost.len(),
        found.documents.len()
    );
    if !found.documents.is_empty() {
        let _ = writeln!(out, "\nchanged documents:");
        for (index, document) in found.documents.iter().enumerate() {
            let at = document
                .location
                .as_ref()
                .map(|location| format!(" ({location})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  [{}] {} {}{at}",
                index + 1,
                document.change.name(),
                one_line(&document.name)
            );
        }
    }
    let others: Vec<&AccessChange> = found
        .gained
        .iter()
        .filter(|change| !(change.access.public || change.access.cross_account))
        .collect();
    let lost: Vec<&AccessChange> = found.lost.iter().collect();
    section(
        &mut out,
        "new cross-account or public access",
        &called_out,
        "+",
    );
    section(&mut out, "new access", &others, "+");
    section(&mut out, "access lost", &lost, "-");
    let _ = writeln!(
        out,
        "\n{} of {} questions asked again (the others cannot change); chains of up to {} AssumeRoles searched",
        found.asked, found.questions, found.max_depth
    );
    out
}

fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}")
}

fn json_of(
    args: &Args,
    found: &Diff,
    assumed: &[String],
    undecided: &[xacct_world::import::LeftOut],
) -> Value {
    json!({
        "leftOut": left_out::json(undecided),
        "assumptions": assumed,
        "before": args.before.display().to_string(),
        "after": args.after.as_ref().map(|after| after.display().to_string()),
        "terraform": args.terraform.plan.as_ref().map(|plan| plan.display().to_string()),
        "depth": found.max_depth,
        "gained": found.gained,
        "lost": found.lost,
        "documents": found.documents,
        "questions": found.questions,
        "asked": found.asked,
    })
}

/// One SARIF result per access gained or lost, at the first changed document on it.
fn results(log: &mut sarif::Log, found: &Diff) {
    for change in &found.gained {
        let (code, description, level) = if change.access.public {
            (
                NEW_PUBLIC_ACCESS,
                "The change gives anyone access to data",
                ResultLevel::Error,
            )
        } else if change.access.cross_account {
            (
                NEW_CROSS_ACCOUNT_ACCESS,
                "The change gives another account access to data",
                ResultLevel::Error,
            )
        } else {
            (
                NEW_ACCESS,
                "The change gives a principal access to data",
                ResultLevel::Warning,
            )
        };
        result(log, found, change, code, description, level, "can now");
    }
    for change in &found.lost {
        result(
            log,
            found,
            change,
            LOST_ACCESS,
            "The change takes access to data away",
            ResultLevel::Warning,
            "can no longer",
        );
    }
}

fn result(
    log: &mut sarif::Log,
    found: &Diff,
    change: &AccessChange,
    code: &str,
    description: &str,
    level: ResultLevel,
    verb: &str,
) {
    let mut message = sentence(change, verb);
    if !change.access.chain.is_empty() {
        message.push_str(&format!(", through {}", change.access.chain.join(" -> ")));
    }
    let documents: Vec<&xacct_paths::diff::Document> = change
        .causes
        .iter()
        .filter_map(|index| found.documents.get(*index))
        .collect();
    if !documents.is_empty() {
        let names: Vec<String> = documents
            .iter()
            .map(|document| format!("{} ({})", document.name, document.change.name()))
            .collect();
        message.push_str(&format!("; because of: {}", names.join(", ")));
    }
    let location = documents
        .iter()
        .find_map(|document| document.location.as_deref());
    log.result(code, description, level, &message, location);
}
