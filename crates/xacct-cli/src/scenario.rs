//! Loading a scenario folder for the commands that work on one, with its diagnostics.

use crate::render::{self, json, sarif, stream};
use std::path::Path;
use xacct_policy::Severity;
use xacct_world::Loaded;

/// How the command reports: with `Json` or `Sarif`, a scenario that cannot be loaded still
/// gives a whole document on standard output, with the findings that say why.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
    Sarif,
}

/// Loads the scenario. In text, its findings go to standard error (warnings left out with
/// `--quiet`); in JSON and SARIF they are the caller's to put in its document, and a scenario
/// that cannot be used is reported as a document here. `None` when it cannot be used.
pub fn load(path: &Path, command: &str, output: Output) -> Option<Loaded> {
    load_planned(path, command, output, &Terraform::default())
}

/// `--terraform PLAN` and `--account-of`: a Terraform plan merged over the scenario, as the
/// world will be once it is applied (docs/terraform.md). One line in a command's `Args`:
/// `#[command(flatten)] terraform: crate::scenario::Terraform`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Terraform {
    /// Merge a Terraform plan (`terraform show -json tfplan > plan.json`) over the scenario:
    /// the world once the plan is applied.
    #[arg(long = "terraform", value_name = "PLAN.json")]
    pub plan: Option<std::path::PathBuf>,
    /// The account of a provider configuration the plan does not say (no
    /// `assume_role.role_arn` nor single `allowed_account_ids`): `aws.lake=222222222222` or
    /// `lake=222222222222`. Repeatable.
    #[arg(long = "account-of", value_name = "PROVIDER=ACCOUNT_ID", value_parser = parse_account_of)]
    pub account_of: Vec<(String, String)>,
}

impl Terraform {
    /// The plan to merge, with its reading options.
    pub fn overlay(&self) -> Option<xacct_world::import::terraform::Overlay> {
        let plan = self.plan.clone()?;
        Some(xacct_world::import::terraform::Overlay {
            plan,
            options: self.options(),
        })
    }

    pub fn options(&self) -> xacct_world::import::terraform::Options {
        xacct_world::import::terraform::Options {
            account_of: self.account_of.iter().cloned().collect(),
        }
    }
}

/// `ALIAS=ACCOUNT_ID`, the account a 12-digit id.
pub fn parse_account_of(text: &str) -> Result<(String, String), String> {
    let (alias, account) = text.split_once('=').ok_or_else(|| {
        format!("`{text}` is not PROVIDER=ACCOUNT_ID (e.g. aws.lake=222222222222)")
    })?;
    account
        .parse::<xacct_policy::AccountId>()
        .map_err(|error| format!("`{account}`: {error}"))?;
    if alias.is_empty() {
        return Err(format!(
            "`{text}` names no provider (e.g. aws.lake=222222222222)"
        ));
    }
    Ok((alias.to_owned(), account.to_owned()))
}

/// [`load`], with the plan of `terraform` (if any) merged over the scenario.
pub fn load_planned(
    path: &Path,
    command: &str,
    output: Output,
    terraform: &Terraform,
) -> Option<Loaded> {
    load_side(
        path,
        command,
        output,
        terraform,
        xacct_world::import::terraform::Side::After,
    )
}

/// Both sides of the plan of `terraform` merged over the scenario (`xacct diff DIR
/// --terraform PLAN`): the prior state and the planned values. The two are read from the same
/// files, so a problem they share is reported once, and the second is not read when the first
/// cannot be used.
pub fn load_sides(
    path: &Path,
    command: &str,
    output: Output,
    terraform: &Terraform,
) -> Option<(Loaded, Loaded)> {
    use xacct_world::import::terraform::Side;
    let before = load_side_after(path, command, output, terraform, Side::Before, None)?;
    let after = load_side_after(path, command, output, terraform, Side::After, Some(&before))?;
    Some((before, after))
}

/// The findings of `loaded` that `shown` (loaded from the same files) does not already have.
pub fn new_findings<'a>(
    shown: Option<&'a Loaded>,
    loaded: &'a Loaded,
) -> impl Iterator<Item = &'a xacct_policy::SourcedFinding> + 'a {
    loaded.findings.iter().filter(move |finding| {
        !shown.is_some_and(|shown| shown.findings.iter().any(|seen| same(seen, finding)))
    })
}

/// The same problem at the same place of the same file.
fn same(a: &xacct_policy::SourcedFinding, b: &xacct_policy::SourcedFinding) -> bool {
    a.finding.code == b.finding.code
        && a.finding.span == b.finding.span
        && a.finding.message == b.finding.message
        && a.source.name == b.source.name
        && a.source.text() == b.source.text()
}

/// [`load`], with one side of the plan of `terraform` (if any) merged over the scenario: the
/// prior state (`Before`) or the planned values (`After`).
pub fn load_side(
    path: &Path,
    command: &str,
    output: Output,
    terraform: &Terraform,
    side: xacct_world::import::terraform::Side,
) -> Option<Loaded> {
    load_side_after(path, command, output, terraform, side, None)
}

/// [`load_side`], leaving out what `shown` (the other side, already reported) reported.
fn load_side_after(
    path: &Path,
    command: &str,
    output: Output,
    terraform: &Terraform,
    side: xacct_world::import::terraform::Side,
    shown: Option<&Loaded>,
) -> Option<Loaded> {
    let access = crate::files::access();
    let result = match terraform.overlay() {
        Some(overlay) => xacct_world::import::terraform::load_over(path, &access, &overlay, side),
        None => match crate::world_cache::dir() {
            Some(dir) => {
                xacct_world::cache::load_cached(path, &access, &dir).map(|(loaded, _)| loaded)
            }
            None => xacct_world::load_with(path, &access),
        },
    };
    let loaded = match result {
        Ok(loaded) => loaded,
        Err(message) => {
            failed(command, output, &message, &[]);
            return None;
        }
    };
    if output == Output::Text {
        let colour = stream::stderr_colour();
        for finding in new_findings(shown, &loaded) {
            if !stream::quiet() || finding.finding.severity == Severity::Error {
                err!("{}", render::finding(finding, colour));
            }
        }
    }
    // An entity of an export with errors of its own is left out; the rest is answered.
    for entity in &loaded.left_out {
        let reported = shown.is_some_and(|shown| {
            shown.left_out.iter().any(|seen| {
                seen.kind == entity.kind
                    && seen.entity == entity.entity
                    && seen.reason == entity.reason
            })
        });
        // A part of a plan is a warning already, and every answer lists it (`render::left_out`).
        if reported || entity.kind == xacct_world::import::terraform::PLAN_PART {
            continue;
        }
        errln!(
            "left out: {} `{}`: {}",
            entity.kind,
            xacct_plan::render::one_line(&entity.entity),
            xacct_plan::render::one_line(&entity.reason)
        );
    }
    if loaded.has_blocking_errors() {
        let errors = loaded
            .findings
            .iter()
            .filter(|finding| finding.finding.severity == Severity::Error)
            .count();
        let message = format!("the scenario has {errors} error(s); fix them before checking");
        failed(command, output, &message, &loaded.findings);
        return None;
    }
    Some(loaded)
}

/// Reports a scenario that cannot be used, in the command's format.
fn failed(command: &str, output: Output, message: &str, findings: &[xacct_policy::SourcedFinding]) {
    match output {
        Output::Text => errln!("error: {message}"),
        Output::Json => {
            errln!("error: {message}");
            json::print(&json::failure(command, message, findings));
        }
        Output::Sarif => {
            errln!("error: {message}");
            let mut log = sarif::Log::default();
            log.findings(findings);
            log.failed(message);
            sarif::print(log);
        }
    }
}
