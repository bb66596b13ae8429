//! Check results as text for people, JSON for programs, and SARIF for code-scanning tools.

use serde_json::{json, Value};
use std::fmt::Write as _;
use xacct_eval::Explanation;
use xacct_paths::check::{Case, ComputeCheck, ExpectationResult, Report};
use xacct_paths::fix::{Fix, NoFix};
use xacct_paths::{Link, Path, Step};
use xacct_world::Loaded;

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|line| format!("{by}{line}\n")).collect()
}

/// The step that decided a case: the failing link, or the final request when allowed.
fn deciding_step(path: &Path) -> Option<(&Step, Option<usize>)> {
    match path.failing_link() {
        Some(Link::Hop(index)) => path
            .hops
            .get(index)
            .and_then(|hop| hop.failing_step().map(|step| (step, Some(index)))),
        _ => path.last.as_ref().map(|step| (step, None)),
    }
}

fn fix_text(fix: &Fix) -> String {
    let mut out = format!("fix: {} (account {})", fix.summary, fix.account);
    if let Some(statement) = &fix.statement {
        out.push_str(":\n");
        out.push_str(&indent(
            &serde_json::to_string_pretty(statement).unwrap_or_default(),
            "  ",
        ));
    } else {
        out.push('\n');
    }
    out
}

pub fn case_text(case: &Case, expect_allow: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} on {}", case.action, case.resource);
    if let Some(note) = &case.note {
        let _ = writeln!(out, "  ({note})");
    }
    if let Some(error) = &case.outcome.error {
        let _ = writeln!(out, "  error: {error}");
        return out;
    }
    let path = &case.outcome.path;
    if let (Some(refusal), true) = (&case.refusal, case.outcome.allowed()) {
        let _ = writeln!(
            out,
            "  the policies allow it through: {}\n  but {refusal}",
            path.describe()
        );
        out.push_str(&fixes_text(case));
        return out;
    }
    let verdict = if case.allowed() { "allowed" } else { "denied" };
    let _ = writeln!(out, "  {verdict} through: {}", path.describe());
    if !expect_allow && case.allowed() {
        let _ = writeln!(out, "  expected a deny, but every link allows:");
    }
    match path.failing_link() {
        Some(Link::Hop(index)) => {
            if let Some(hop) = path.hops.get(index) {
                let _ = writeln!(
                    out,
                    "  failing link: hop {}, {} assumes {}",
                    index + 1,
                    hop.from.display(),
                    hop.to
                );
                if let Some(error) = &hop.duration_error {
                    let _ = writeln!(out, "    {error}");
                }
            }
        }
        Some(Link::Final) => {
            let _ = writeln!(
                out,
                "  failing link: the request itself, made by {}",
                path.final_session().display()
            );
        }
        None => {}
    }
    if let Some((step, _)) = deciding_step(path) {
        if !expect_allow || !step.allowed() {
            let explanation = Explanation::new(&step.request, &step.response);
            out.push_str(&indent(&explanation.to_text(), "    "));
        }
    }
    if let Some(refusal) = &case.refusal {
        let _ = writeln!(out, "  and besides: {refusal}");
    }
    out.push_str(&fixes_text(case));
    out
}

fn fixes_text(case: &Case) -> String {
    let mut out = String::new();
    match &case.fixes {
        Some(Ok(fixes)) => {
            for fix in fixes {
                out.push_str(&indent(&fix_text(fix), "  "));
            }
        }
        Some(Err(NoFix::ExplicitDeny(reason))) => {
            let _ = writeln!(
                out,
                "  no automatic fix: an explicit deny decides ({reason})"
            );
        }
        Some(Err(NoFix::Other(reason))) => {
            let _ = writeln!(out, "  no automatic fix: {reason}");
        }
        None => {}
    }
    out
}

/// What makes two failing requests read the same: the resource, the layer that decided, and
/// the reasons with the action left out.
fn same_reason_key(case: &Case) -> Option<String> {
    if case.outcome.error.is_some()
        || !matches!(case.outcome.path.failing_link(), Some(Link::Final) | None)
    {
        return None;
    }
    let step = case.outcome.path.last.as_ref()?;
    let explanation = Explanation::new(&step.request, &step.response);
    let reasons = explanation.reasons.join("; ").replace(&case.action, "*");
    // Requests whose fixes differ (another action to allow) are shown apart.
    Some(format!(
        "{}|{:?}|{reasons}|{}|{}",
        step.request.resource,
        explanation.deciding_layer,
        case.refusal.as_deref().unwrap_or_default(),
        fixes_text(case)
    ))
}

fn compute_text(check: &ComputeCheck) -> String {
    let mut out = String::new();
    if let Some(error) = &check.error {
        let _ = writeln!(out, "  error: {error}");
    }
    if let Some(step) = &check.step {
        let explanation = Explanation::new(&step.request, &step.response);
        out.push_str(&indent(&explanation.to_text(), "    "));
    }
    if let Some(fix) = &check.fix {
        out.push_str(&indent(&fix_text(fix), "  "));
    }
    out
}

fn status(passed: bool) -> &'static str {
    if passed {
        "PASS"
    } else {
        "FAIL"
    }
}

/// One line per expectation and compute check, then the details of each failure.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for result in &report.expectations {
        let _ = writeln!(
            out,
            "{}  {}  ({})",
            status(result.passed()),
            result.expectation.name,
            result.expectation.origin.location
        );
    }
    for check in &report.compute {
        let _ = writeln!(
            out,
            "{}  compute {}: {}",
            status(check.passed()),
            check.compute,
            check.what
        );
    }
    let total = report.expectations.len() + report.compute.len();
    let failed = report
        .expectations
        .iter()
        .filter(|result| !result.passed())
        .count()
        + report
            .compute
            .iter()
            .filter(|check| !check.passed())
            .count();
    let _ = writeln!(out, "\n{} of {total} checks passed", total - failed);
    for result in report.expectations.iter().filter(|result| !result.passed()) {
        let _ = writeln!(
            out,
            "\nFAIL {} ({}): expected {}",
            result.expectation.name,
            result.expectation.origin.location,
            if result.expectation.allow {
                "allow"
            } else {
                "deny"
            }
        );
        if let Some(error) = &result.error {
            let _ = writeln!(out, "  error: {error}");
        }
        // Cases that fail at the same AssumeRole hop share its explanation and fix, and so do
        // requests on one resource that fail for the same reasons (a Glue table's three ARNs).
        let mut shown_hops: Vec<(String, String)> = Vec::new();
        let mut shown_reasons: Vec<String> = Vec::new();
        for case in result.failing_cases() {
            if let Some(key) = same_reason_key(case) {
                if shown_reasons.contains(&key) {
                    let _ = writeln!(
                        out,
                        "  {} on {}\n    denied for the same reason as above",
                        case.action, case.resource
                    );
                    continue;
                }
                shown_reasons.push(key);
            }
            let hop = match case.outcome.path.failing_link() {
                Some(Link::Hop(index)) => case
                    .outcome
                    .path
                    .hops
                    .get(index)
                    .map(|hop| (hop.from.display(), hop.to.clone())),
                _ => None,
            };
            match hop {
                Some(hop) if shown_hops.contains(&hop) => {
                    let _ = writeln!(
                        out,
                        "  {} on {}\n    denied at the same link: {} assumes {}",
                        case.action, case.resource, hop.0, hop.1
                    );
                }
                _ => {
                    out.push_str(&indent(&case_text(case, result.expectation.allow), "  "));
                    shown_hops.extend(hop);
                }
            }
        }
    }
    for check in report.compute.iter().filter(|check| !check.passed()) {
        let _ = writeln!(out, "\nFAIL compute {}: {}", check.compute, check.what);
        out.push_str(&compute_text(check));
    }
    out
}

fn step_json(step: &Step) -> Value {
    let explanation = Explanation::new(&step.request, &step.response);
    serde_json::to_value(&explanation).unwrap_or(Value::Null)
}

pub fn case_json(case: &Case, expect_allow: bool) -> Value {
    let path = &case.outcome.path;
    let failing = match path.failing_link() {
        Some(Link::Hop(index)) => json!({"hop": index + 1}),
        Some(Link::Final) => json!("request"),
        None => Value::Null,
    };
    let hops: Vec<Value> = path
        .hops
        .iter()
        .map(|hop| json!({"from": hop.from.display(), "to": hop.to, "passes": hop.passes(), "durationError": hop.duration_error}))
        .collect();
    let fixes = match &case.fixes {
        Some(Ok(fixes)) => json!(fixes),
        Some(Err(reason)) => json!({"none": reason.to_string()}),
        None => Value::Null,
    };
    json!({
        "action": case.action,
        "resource": case.resource,
        "note": case.note,
        "passed": case.passed(expect_allow),
        "allowed": case.allowed(),
        "error": case.outcome.error,
        "refusal": case.refusal,
        "chain": path.describe(),
        "hops": hops,
        "failingLink": failing,
        "explanation": deciding_step(path).map(|(step, _)| step_json(step)),
        "fixes": fixes,
    })
}

fn expectation_json(result: &ExpectationResult) -> Value {
    json!({
        "name": result.expectation.name,
        "location": result.expectation.origin.location,
        "expected": if result.expectation.allow { "allow" } else { "deny" },
        "passed": result.passed(),
        "error": result.error,
        "cases": result.cases.iter().map(|case| case_json(case, result.expectation.allow)).collect::<Vec<_>>(),
    })
}

pub fn json(report: &Report, assumptions: &[xacct_eval::Assumption]) -> String {
    let compute: Vec<Value> = report
        .compute
        .iter()
        .map(|check| {
            json!({
                "compute": check.compute,
                "check": check.what,
                "passed": check.passed(),
                "error": check.error,
                "explanation": check.step.as_ref().map(step_json),
                "fix": check.fix,
            })
        })
        .collect();
    let value = json!({
        "passed": report.passed(),
        "expectations": report.expectations.iter().map(expectation_json).collect::<Vec<_>>(),
        "compute": compute,
        "assumptions": assumptions,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

fn sarif_location(file: &str, line: usize, column: usize) -> Value {
    json!({"physicalLocation": {"artifactLocation": {"uri": file}, "region": {"startLine": line, "startColumn": column}}})
}

/// SARIF 2.1.0: one result per failed expectation or compute check, located at the manifest
/// line of the expectation and, where known, at the statement that denied.
pub fn sarif(report: &Report, loaded: &Loaded) -> String {
    let manifest = &loaded.manifest;
    let mut results = Vec::new();
    for result in report.expectations.iter().filter(|result| !result.passed()) {
        let (line, column) = result.expectation.origin.span.line_column(&manifest.text);
        let mut related = Vec::new();
        let mut message = format!("expectation `{}` fails", result.expectation.name);
        for case in result.failing_cases() {
            let _ = write!(message, "; {} on {}", case.action, case.resource);
            if let Some((step, _)) = deciding_step(&case.outcome.path) {
                let explanation = Explanation::new(&step.request, &step.response);
                if let Some(reason) = explanation.reasons.first() {
                    let _ = write!(message, ": {reason}");
                }
                for statement in explanation
                    .matched
                    .iter()
                    .filter(|statement| statement.reference.effect == xacct_policy::Effect::Deny)
                {
                    if let Some(location) = &statement.location {
                        let mut parts = location.rsplitn(3, ':');
                        let column = parts
                            .next()
                            .and_then(|c| c.parse::<usize>().ok())
                            .unwrap_or(1);
                        let line = parts
                            .next()
                            .and_then(|l| l.parse::<usize>().ok())
                            .unwrap_or(1);
                        let file = parts.next().unwrap_or_default();
                        related.push(sarif_location(file, line, column));
                    }
                }
            }
        }
        results.push(json!({
            "ruleId": "expectation-failed",
            "level": "error",
            "message": {"text": message},
            "locations": [sarif_location(&manifest.name, line, column)],
            "relatedLocations": related,
        }));
    }
    for check in report.compute.iter().filter(|check| !check.passed()) {
        let origin = loaded
            .world
            .compute
            .get(&check.compute)
            .map(|compute| compute.origin.span)
            .unwrap_or_default();
        let (line, column) = origin.line_column(&manifest.text);
        results.push(json!({
            "ruleId": "compute-check-failed",
            "level": "error",
            "message": {"text": format!("compute `{}`: {} does not hold", check.compute, check.what)},
            "locations": [sarif_location(&manifest.name, line, column)],
        }));
    }
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "xacct",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/xacct",
                "rules": [
                    {"id": "expectation-failed", "shortDescription": {"text": "An expectation of the scenario does not hold"}},
                    {"id": "compute-check-failed", "shortDescription": {"text": "A compute identity cannot be launched or assumed"}}
                ]
            }},
            "results": results,
        }],
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}
