//! Check results as text for people, JSON for programs, and SARIF for code-scanning tools.

use super::json::Location;
use super::stream::{self, style};
use serde_json::{json, Value};
use std::fmt::Write as _;
use xacct_eval::Explanation;
use xacct_paths::check::{Case, ComputeCheck, ExpectationResult, Report};
use xacct_paths::fix::{Fix, NoFix};
use xacct_paths::{Link, Path, Step};

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

/// `PASS` or `FAIL`, coloured (the colour is stripped when the output is not a terminal).
fn status(passed: bool) -> String {
    if passed {
        style::paint(style::PASS, "PASS")
    } else {
        style::paint(style::FAIL, "FAIL")
    }
}

/// One line per expectation and compute check, then the details of each failure.
/// With `--quiet`, passing checks and the count are left out.
pub fn text(report: &Report) -> String {
    let quiet = stream::quiet();
    let mut out = String::new();
    for result in &report.expectations {
        if quiet && result.passed() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}  {}  ({})",
            status(result.passed()),
            result.expectation.name,
            result.expectation.origin.location
        );
    }
    for check in &report.compute {
        if quiet && check.passed() {
            continue;
        }
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
    if !quiet {
        let _ = writeln!(out, "\n{} of {total} checks passed", total - failed);
    }
    for result in report.expectations.iter().filter(|result| !result.passed()) {
        let _ = writeln!(
            out,
            "\n{} {} ({}): expected {}",
            status(false),
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
        let _ = writeln!(
            out,
            "\n{} compute {}: {}",
            status(false),
            check.compute,
            check.what
        );
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
    // `fixes` is always a list; `noFix` says why it is empty when xacct looked for one.
    let (fixes, no_fix) = match &case.fixes {
        Some(Ok(fixes)) => (json!(fixes), Value::Null),
        Some(Err(reason)) => (json!([]), json!(reason.to_string())),
        None => (json!([]), Value::Null),
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
        "noFix": no_fix,
    })
}

fn expectation_json(result: &ExpectationResult) -> Value {
    json!({
        "name": result.expectation.name,
        "location": origin_location(&result.expectation.origin),
        "expected": if result.expectation.allow { "allow" } else { "deny" },
        "passed": result.passed(),
        "error": result.error,
        "cases": result.cases.iter().map(|case| case_json(case, result.expectation.allow)).collect::<Vec<_>>(),
    })
}

/// A manifest place in the shared JSON shape.
fn origin_location(origin: &xacct_world::model::Origin) -> Value {
    Location::parse(&origin.location, origin.span)
        .and_then(|location| serde_json::to_value(location).ok())
        .unwrap_or(Value::Null)
}

/// The body of `check --format json`; `render::json::document` adds the shared fields.
pub fn json(report: &Report) -> Value {
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
                "fixes": check.fix.iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "passed": report.passed(),
        "expectations": report.expectations.iter().map(expectation_json).collect::<Vec<_>>(),
        "compute": compute,
    })
}
