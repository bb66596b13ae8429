//! A plan merged over a scenario (`--terraform` on `check`, `explain`, `who-can`): the
//! other account's side often lives in another state, or was collected. The plan's manifest
//! is appended to the scenario's in memory, so both are loaded as one; findings on what came
//! from the plan are then moved to the plan, with the resource address they are about.

use super::base::{blank, Base};
use super::{convert_over, Converted, Options, Side};
use crate::files::{self, FileAccess};
use crate::import::{normalize, LeftOut};
use crate::load::{load_text_with, Loaded};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xacct_policy::{Finding, SourceFile, SourcedFinding, Span};

/// A plan to merge over a scenario, and how to read it.
#[derive(Clone, Debug)]
pub struct Overlay {
    /// The JSON of `terraform show -json tfplan`.
    pub plan: PathBuf,
    pub options: Options,
}

/// The scenario at `scenario` (a folder or its manifest) with the plan's `side` merged over
/// it. `Err` when the scenario's manifest or the plan cannot be read at all.
pub fn load_over(
    scenario: &Path,
    access: &FileAccess,
    overlay: &Overlay,
    side: Side,
) -> Result<Loaded, String> {
    let plan = read_plan(&overlay.plan)?;
    load_with_plan(scenario, access, &plan, overlay, side)
}

/// The world before the plan (its prior state over the scenario) and after it (its planned
/// values over the scenario), for `xacct diff DIR --terraform plan.json`.
pub fn worlds(
    scenario: &Path,
    access: &FileAccess,
    overlay: &Overlay,
) -> Result<(Loaded, Loaded), String> {
    let plan = read_plan(&overlay.plan)?;
    let before = load_with_plan(scenario, access, &plan, overlay, Side::Before)?;
    let after = load_with_plan(scenario, access, &plan, overlay, Side::After)?;
    Ok((before, after))
}

fn read_plan(path: &Path) -> Result<Arc<SourceFile>, String> {
    let text = FileAccess::anywhere()
        .read_text(path, files::EXPORT_LIMIT, "a Terraform plan")
        .map_err(|error| error.to_string())?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

fn load_with_plan(
    scenario: &Path,
    access: &FileAccess,
    plan: &Arc<SourceFile>,
    overlay: &Overlay,
    side: Side,
) -> Result<Loaded, String> {
    let manifest_path = if scenario.is_dir() {
        scenario.join("xacct.toml")
    } else {
        scenario.to_path_buf()
    };
    let text = FileAccess::anywhere()
        .read_text(&manifest_path, files::MANIFEST_LIMIT, "a scenario manifest")
        .map_err(|error| error.to_string())?;
    let base = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let converted = convert_over(
        plan.text(),
        &plan.name,
        side,
        &overlay.options,
        Base::scan(&text),
    )
    .map_err(|error| format!("{}: {error}", plan.name))?;
    let offset = text.len() + 1;
    // The scenario's tables the plan replaces or adds to are blanked: the plan's part says
    // them again.
    let scenario = blank(&text, &converted.replaced);
    let merged = SourceFile::new(
        manifest_path.display().to_string(),
        format!("{scenario}\n{}", converted.manifest),
    );
    let generated: BTreeMap<PathBuf, String> = converted
        .files
        .iter()
        .map(|(path, text)| (normalize(&base.join(path)), text.clone()))
        .collect();
    let access = access.clone().with_generated(generated);
    let mut loaded = load_text_with(Arc::clone(&merged), &base, &access);
    relocate(&mut loaded, &merged, offset, plan, &converted);
    Ok(loaded)
}

/// Moves findings on the plan's part of the merged manifest to the manifest the plan was
/// read as (named after the plan), each naming its resource's address; the reader's own
/// warnings become findings on the plan, at the resource's address.
fn relocate(
    loaded: &mut Loaded,
    merged: &Arc<SourceFile>,
    offset: usize,
    plan: &Arc<SourceFile>,
    converted: &Converted,
) {
    let generated = SourceFile::new(
        format!("{} (as xacct reads it)", plan.name),
        converted.manifest.clone(),
    );
    for finding in &mut loaded.findings {
        if !Arc::ptr_eq(&finding.source, merged) || finding.finding.span.start < offset {
            continue;
        }
        let start = finding.finding.span.start - offset;
        let end = finding.finding.span.end.saturating_sub(offset).max(start);
        if let Some((_, address)) = converted
            .ranges
            .iter()
            .find(|(range, _)| range.contains(&start))
        {
            finding.finding.message = format!("{address}: {}", finding.finding.message);
        }
        finding.finding.span = Span::new(start, end);
        finding.source = Arc::clone(&generated);
    }
    let first = loaded.findings.len();
    loaded.findings.extend(warnings(plan, converted));
    // What the plan could not say is undecided, not absent: a document known only after
    // apply may be a Deny that takes away access an answer grants, or an Allow that adds some.
    // Each answer lists them (`left out`), so none reads as final.
    for (index, warning) in converted.warnings.iter().enumerate() {
        loaded.left_out.push(LeftOut {
            kind: PLAN_PART,
            entity: warning.address.clone(),
            reason: warning.message.clone(),
            findings: vec![first + index],
        });
    }
}

/// The kind of a [`LeftOut`] that is a part of a Terraform plan xacct could not read as it
/// will be once applied.
pub const PLAN_PART: &str = "Terraform resource";

/// The reader's warnings, as findings at each resource's address in the plan.
pub(crate) fn warnings(plan: &Arc<SourceFile>, converted: &Converted) -> Vec<SourcedFinding> {
    converted
        .warnings
        .iter()
        .map(|warning| {
            let quoted = serde_json::to_string(&warning.address).unwrap_or_default();
            let span = plan
                .text()
                .find(&quoted)
                .map_or(Span::new(0, 0), |at| Span::new(at, at + quoted.len()));
            let mut finding = Finding::warning("terraform-not-read", span, warning.message.clone());
            finding.help = Some(format!("resource `{}`", warning.address));
            finding.in_source(plan)
        })
        .collect()
}
