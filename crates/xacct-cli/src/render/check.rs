//! Check results as text for people, JSON for programs, and SARIF for code-scanning tools.

use super::json::Location;
use super::stream::{self, style};
use serde_json::{json, Value};
use std::fmt::Write as _;
use xacct_eval::Explanation;
use xacct_paths::check::{same_fix, Case, ComputeCheck, ExpectationResult, Mended, Report};
use xacct_paths::fix::{Fix, NoFix};
use xacct_paths::{Assumptions, Link, Path, Route, Step};

/// The distinct fixes of one answer, each printed once: in full where it is first needed,
/// with what it mends when that is more than one thing, and referred to afterwards.
#[derive(Default, Clone)]
pub struct Fixes<'r> {
    /// Each fix, what it mends (in words), and whether it was printed.
    entries: Vec<(&'r Fix, Vec<String>, bool)>,
}

impl<'r> Fixes<'r> {
    /// Records that `fix` mends `what`.
    pub fn mends(&mut self, fix: &'r Fix, what: String) {
        match self
            .entries
            .iter_mut()
            .find(|(known, _, _)| same_fix(known, fix))
        {
            Some((_, mended, _)) => {
                if !mended.contains(&what) {
                    mended.push(what);
                }
            }
            None => self.entries.push((fix, vec![what], false)),
        }
    }

    /// The fixes of a report, with the expectations and compute checks each mends.
    pub fn of_report(report: &'r Report) -> Self {
        let mut fixes = Self::default();
        for shared in report.distinct_fixes() {
            for mended in &shared.mends {
                fixes.mends(shared.fix, mended_name(report, *mended));
            }
        }
        fixes
    }

    /// The number of a fix (1-based), in the order the fixes were first recorded.
    pub fn number(&self, fix: &Fix) -> Option<usize> {
        self.entries
            .iter()
            .position(|(known, _, _)| same_fix(known, fix))
            .map(|index| index + 1)
    }

    /// The fix in full the first time, a reference afterwards.
    fn text(&mut self, fix: &Fix) -> String {
        let Some(entry) = self
            .entries
            .iter_mut()
            .find(|(known, _, _)| same_fix(known, fix))
        else {
            return fix_text(fix);
        };
        let (_, mended, printed) = entry;
        if *printed {
            return format!(
                "fix: as printed above for {}\n",
                mended.first().map_or("", String::as_str)
            );
        }
        *printed = true;
        let mut out = fix_text(fix);
        if mended.len() > 1 {
            out.push_str(&format!("  mends: {}\n", mended.join("; ")));
        }
        out
    }

    /// Every distinct fix as JSON, numbered, with what it mends.
    pub fn json(&self) -> Value {
        self.entries
            .iter()
            .enumerate()
            .map(|(index, (fix, mended, _))| {
                let mut value = json!(fix);
                if let Some(object) = value.as_object_mut() {
                    object.insert("id".to_owned(), json!(index + 1));
                    object.insert("mends".to_owned(), json!(mended));
                }
                value
            })
            .collect()
    }
}

/// How a report names what a fix mends: "`expectation name` (file:line:column)".
fn mended_name(report: &Report, mended: Mended) -> String {
    match mended {
        Mended::Expectation(index) => {
            report
                .expectations
                .get(index)
                .map_or_else(String::new, |result| {
                    format!(
                        "`{}` ({})",
                        result.expectation.name,
                        result.expectation.origin.location()
                    )
                })
        }
        Mended::Compute(index) => report.compute.get(index).map_or_else(String::new, |check| {
            format!("compute {}: {}", check.compute, check.what)
        }),
    }
}

/// "asked: ..." and "assumed: ..." lines of an answer, each line prefixed with `by`. When the
/// requests were asked in more than one way (a table's Glue calls directly, its S3 reads by
/// any route), each way says how many requests it was.
pub fn asked_text(
    who: &str,
    asked: &[(Route, usize)],
    assumptions: &Assumptions,
    by: &str,
) -> String {
    let mut out = String::new();
    let routes: Vec<String> = match asked {
        [(route, _)] => vec![route.describe(who)],
        _ => asked
            .iter()
            .map(|(route, count)| {
                format!(
                    "{} for {count} request{}",
                    route.describe(who),
                    if *count == 1 { "" } else { "s" }
                )
            })
            .collect(),
    };
    let _ = writeln!(out, "{by}asked: {}", routes.join("; "));
    let _ = writeln!(out, "{by}assumed: {}", assumptions.describe());
    out
}

/// The same as JSON: `asked` (one object per way the requests were asked) and `assumptions`.
pub fn asked_json(who: &str, asked: &[(Route, usize)]) -> Value {
    asked
        .iter()
        .map(|(route, count)| {
            let mut value =
                json!({"route": route.kind(), "text": route.describe(who), "requests": count});
            if let (Route::Via(roles) | Route::Settings(roles), Some(object)) =
                (route, value.as_object_mut())
            {
                object.insert("roles".to_owned(), json!(roles));
            }
            value
        })
        .collect()
}

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

/// One request: its chain, the failing link with the engine's explanation, and the fixes
/// (each printed once across the answer, through `fixes`).
pub fn case_text(case: &Case, expect_allow: bool, fixes: &mut Fixes<'_>) -> String {
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
        out.push_str(&fixes_text(case, fixes));
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
            if let Some(refusal) = &path.final_refusal {
                let _ = writeln!(out, "    STS refuses it: {refusal}");
            }
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
    out.push_str(&fixes_text(case, fixes));
    out
}

/// A request that passed, in one line: its verdict, chain, and for a deny the reason.
pub fn passing_line(case: &Case) -> String {
    let path = &case.outcome.path;
    let verdict = if case.allowed() { "allowed" } else { "denied" };
    let reason = if let Some(error) = &case.outcome.error {
        format!(": {error}")
    } else if let Some(refusal) = path.final_refusal.as_ref().or(case.refusal.as_ref()) {
        format!(": {refusal}")
    } else if let Some((step, _)) = deciding_step(path).filter(|(step, _)| !step.allowed()) {
        let reason = xacct_paths::assume::step_reason(step);
        let action = step.request.action.as_str();
        if action.eq_ignore_ascii_case(&case.action) {
            format!(": {reason}")
        } else {
            format!(": {action}: {reason}")
        }
    } else {
        String::new()
    };
    format!(
        "{} on {}: {verdict} through {}{reason}\n",
        case.action,
        case.resource,
        path.describe()
    )
}

fn fixes_text(case: &Case, shown: &mut Fixes<'_>) -> String {
    let mut out = String::new();
    match &case.fixes {
        Some(Ok(fixes)) => {
            for fix in fixes {
                out.push_str(&indent(&shown.text(fix), "  "));
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
    let fixes = match &case.fixes {
        Some(Ok(fixes)) => fixes
            .iter()
            .map(|fix| format!("{}|{:?}", fix.summary, fix.statement))
            .collect::<Vec<_>>()
            .join(";"),
        Some(Err(reason)) => reason.to_string(),
        None => String::new(),
    };
    Some(format!(
        "{}|{:?}|{reasons}|{}|{fixes}",
        step.request.resource,
        explanation.deciding_layer,
        case.refusal.as_deref().unwrap_or_default(),
    ))
}

fn compute_text(check: &ComputeCheck, fixes: &mut Fixes<'_>) -> String {
    let mut out = String::new();
    if let Some(error) = &check.error {
        let _ = writeln!(out, "  error: {error}");
    }
    if let Some(step) = &check.step {
        let explanation = Explanation::new(&step.request, &step.response);
        out.push_str(&indent(&explanation.to_text(), "    "));
    }
    if let Some(fix) = &check.fix {
        out.push_str(&indent(&fixes.text(fix), "  "));
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

/// What `check` says when a scenario gives it nothing to verify.
pub const NOTHING_TO_CHECK: &str = "nothing to check: the scenario has no [[expect]] table and no compute whose identity can be checked, so nothing was verified";

/// The ways forward from an empty check.
fn nothing_to_check_help(intents: usize) -> String {
    let mut out = String::from(
        "  ask a question: `xacct who-can DIR --action ACTION --resource ARN`, or\n  `xacct explain DIR --from WHO --action ACTION --resource ARN`;\n  or add [[expect]] tables that say what must (not) be possible (docs/scenario-format.md)\n",
    );
    if intents > 0 {
        let _ = writeln!(
            out,
            "  the {intents} [[intent]] table(s) could not be checked (see the warnings above);\n  `xacct plan DIR` writes what they need"
        );
    }
    out
}

/// Failures first: one line per expectation and compute check, the failing ones leading, then
/// the details of each failure (with `verbose`, of every expectation), each fix printed once.
/// With `--quiet`, passing checks and the count are left out.
pub fn text(report: &Report, intents: usize, verbose: bool) -> String {
    let quiet = stream::quiet();
    let mut out = String::new();
    if report.is_empty() {
        let _ = writeln!(out, "{NOTHING_TO_CHECK}");
        out.push_str(&nothing_to_check_help(intents));
        return out;
    }
    let failing: Vec<&ExpectationResult> = report
        .expectations
        .iter()
        .filter(|result| !result.passed())
        .collect();
    let failing_compute: Vec<&ComputeCheck> = report
        .compute
        .iter()
        .filter(|check| !check.passed())
        .collect();
    let shown: &[bool] = if quiet { &[false] } else { &[false, true] };
    for &passed in shown {
        for result in report
            .expectations
            .iter()
            .filter(|result| result.passed() == passed)
        {
            let _ = writeln!(
                out,
                "{}  {}  ({})  [asked {}]",
                status(passed),
                result.expectation.name,
                result.expectation.origin.location(),
                route_tag(&result.asked)
            );
        }
        for check in report
            .compute
            .iter()
            .filter(|check| check.passed() == passed)
        {
            let _ = writeln!(
                out,
                "{}  compute {}: {}",
                status(passed),
                check.compute,
                check.what
            );
        }
    }
    let total = report.expectations.len() + report.compute.len();
    let failed = failing.len() + failing_compute.len();
    if !quiet {
        if failed == 0 {
            let _ = writeln!(out, "\nall {total} checks passed");
        } else {
            let _ = writeln!(out, "\n{failed} of {total} checks failed");
        }
    }
    let mut fixes = Fixes::of_report(report);
    for result in &failing {
        out.push_str(&expectation_text(result, verbose, &mut fixes));
    }
    for check in &failing_compute {
        let _ = writeln!(out, "\nFAIL compute {}: {}", check.compute, check.what);
        out.push_str(&compute_text(check, &mut fixes));
    }
    if verbose {
        for result in report.expectations.iter().filter(|result| result.passed()) {
            out.push_str(&expectation_text(result, verbose, &mut fixes));
        }
    }
    out
}

/// How an expectation was asked, in a word or two for its summary line: `directly`, `by any
/// route`, through `via`, or on the chain a compute's settings name.
fn route_tag(asked: &[Route]) -> String {
    let words: Vec<&str> = asked
        .iter()
        .map(|route| match route {
            Route::Direct => "directly",
            Route::AnyRoute { .. } => "by any route",
            Route::Via(_) => "through `via`",
            Route::Settings(_) => "on its settings' chain",
        })
        .collect();
    words.join(" + ")
}

/// One expectation in detail: how it was asked and what was assumed, the requests that failed
/// (each explained once), then the ones that passed, listed with `verbose` or counted.
fn expectation_text(result: &ExpectationResult, verbose: bool, fixes: &mut Fixes<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} {} ({}): expected {}",
        status(result.passed()),
        result.expectation.name,
        result.expectation.origin.location(),
        if result.expectation.allow {
            "allow"
        } else {
            "deny"
        }
    );
    out.push_str(&asked_text(
        &result.expectation.from,
        &result.asked_counts(),
        &result.assumptions,
        "  ",
    ));
    if let Some(error) = &result.error {
        let _ = writeln!(out, "  error: {error}");
    }
    // A check xacct derived (Unity Catalog) says which classic failure it is.
    if let (false, Some(code)) = (
        result.passed(),
        xacct_paths::unity_catalog::finding_code(result),
    ) {
        let _ = writeln!(out, "  xacct::{code} (docs/findings.md#{code})");
    }
    let failing = if result.passed() {
        Vec::new()
    } else {
        result.failing_cases()
    };
    out.push_str(&failures_text(
        &failing,
        result.expectation.allow,
        fixes,
        &mut Shown::default(),
    ));
    let others = if result.passed() {
        result
            .cases
            .iter()
            .filter(|case| case.same_as.is_none())
            .collect()
    } else {
        result.passing_cases()
    };
    out.push_str(&others_text(
        &others,
        !failing.is_empty(),
        result.expectation.allow,
        verbose,
        "  ",
    ));
    out
}

/// What an answer has explained so far: a failing hop or reason is explained once.
#[derive(Default)]
pub struct Shown {
    hops: Vec<(String, String)>,
    reasons: Vec<String>,
}

/// The failing requests, each explained in full once: requests that fail at the same
/// AssumeRole hop share its explanation and fix, and so do requests on one resource that fail
/// for the same reasons (a Glue table's three ARNs).
pub fn failures_text(
    failing: &[&Case],
    expect_allow: bool,
    fixes: &mut Fixes<'_>,
    shown: &mut Shown,
) -> String {
    let mut out = String::new();
    for case in failing {
        if let Some(key) = same_reason_key(case) {
            if shown.reasons.contains(&key) {
                let _ = writeln!(
                    out,
                    "  {} on {}\n    denied for the same reason as above",
                    case.action, case.resource
                );
                continue;
            }
            shown.reasons.push(key);
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
            Some(hop) if shown.hops.contains(&hop) => {
                let _ = writeln!(
                    out,
                    "  {} on {}\n    denied at the same link: {} assumes {}",
                    case.action, case.resource, hop.0, hop.1
                );
            }
            _ => {
                out.push_str(&indent(&case_text(case, expect_allow, fixes), "  "));
                shown.hops.extend(hop);
            }
        }
    }
    out
}

/// The requests that passed: listed with `verbose`, else counted with how to list them.
pub fn others_text(
    others: &[&Case],
    after_failures: bool,
    expect_allow: bool,
    verbose: bool,
    by: &str,
) -> String {
    let mut out = String::new();
    if others.is_empty() {
        return out;
    }
    if verbose {
        for case in others {
            let _ = write!(out, "{by}{}", passing_line(case));
        }
        return out;
    }
    let _ = writeln!(
        out,
        "{by}{} {}request{} {} (--verbose lists them)",
        others.len(),
        if after_failures { "other " } else { "" },
        if others.len() == 1 { "" } else { "s" },
        if expect_allow {
            "allowed"
        } else {
            "as expected"
        },
    );
    out
}

fn step_json(step: &Step) -> Value {
    let explanation = Explanation::new(&step.request, &step.response);
    serde_json::to_value(&explanation).unwrap_or(Value::Null)
}

/// One request as JSON; its fixes are the numbers of the answer's `fixes` entries.
pub fn case_json(case: &Case, expect_allow: bool, fixes: &Fixes<'_>) -> Value {
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
    let (fix_ids, no_fix) = match &case.fixes {
        Some(Ok(found)) => (
            json!(found
                .iter()
                .filter_map(|fix| fixes.number(fix))
                .collect::<Vec<_>>()),
            Value::Null,
        ),
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
        "asked": case.outcome.asked.kind(),
        "chain": path.describe(),
        "hops": hops,
        "failingLink": failing,
        "finalRefusal": path.final_refusal,
        "explanation": deciding_step(path).map(|(step, _)| step_json(step)),
        "fixes": fix_ids,
        "noFix": no_fix,
    })
}

/// The requests of an answer as JSON, each request once.
pub fn cases_json(cases: &[Case], expect_allow: bool, fixes: &Fixes<'_>) -> Vec<Value> {
    cases
        .iter()
        .filter(|case| case.same_as.is_none())
        .map(|case| case_json(case, expect_allow, fixes))
        .collect()
}

fn expectation_json(result: &ExpectationResult, fixes: &Fixes<'_>) -> Value {
    let mut out = expectation_fields(result, fixes);
    // A failed check xacct derived (Unity Catalog) carries its finding code.
    let code = (!result.passed())
        .then(|| xacct_paths::unity_catalog::finding_code(result))
        .flatten();
    if let (Some(code), Some(object)) = (code, out.as_object_mut()) {
        object.insert("code".to_owned(), json!(code));
    }
    out
}

fn expectation_fields(result: &ExpectationResult, fixes: &Fixes<'_>) -> Value {
    json!({
        "name": result.expectation.name,
        "location": origin_location(&result.expectation.origin),
        "expected": if result.expectation.allow { "allow" } else { "deny" },
        "passed": result.passed(),
        "error": result.error,
        "asked": asked_json(&result.expectation.from, &result.asked_counts()),
        "assumptions": result.assumptions,
        "cases": cases_json(&result.cases, result.expectation.allow, fixes),
    })
}

/// A manifest place in the shared JSON shape.
fn origin_location(origin: &xacct_world::model::Origin) -> Value {
    Location::parse(&origin.location(), origin.span)
        .and_then(|location| serde_json::to_value(location).ok())
        .unwrap_or(Value::Null)
}

/// The body of `check --format json`; `render::json::document` adds the shared fields.
/// `passed` is false when nothing was checked (`nothingToCheck`): an empty check verifies
/// nothing, and says so.
pub fn json(report: &Report, intents: usize, assumptions: &[xacct_eval::Assumption]) -> Value {
    let fixes = Fixes::of_report(report);
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
                "fixes": check.fix.as_ref().and_then(|fix| fixes.number(fix)).into_iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut value = json!({
        "passed": report.passed() && !report.is_empty(),
        "checked": report.expectations.len() + report.compute.len(),
        "expectations": report.expectations.iter().map(|result| expectation_json(result, &fixes)).collect::<Vec<_>>(),
        "compute": compute,
        "fixes": fixes.json(),
        "assumptions": assumptions,
    });
    if let (true, Some(object)) = (report.is_empty(), value.as_object_mut()) {
        object.insert("nothingToCheck".to_owned(), json!(true));
        object.insert(
            "note".to_owned(),
            json!(format!(
                "{NOTHING_TO_CHECK}\n{}",
                nothing_to_check_help(intents)
            )),
        );
    }
    value
}
