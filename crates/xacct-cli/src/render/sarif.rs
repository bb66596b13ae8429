//! SARIF 2.1.0 logs, built from the typed structures of `serde-sarif`, for code-scanning tools.
//! Every rule's help URI points at its entry in docs/findings.md (one anchor per code, checked
//! by a test); a failed check names the document to edit in `relatedLocations` and carries the
//! statement to add as a `fix` when xacct has one and can place it.

use serde_sarif::sarif as s;
use std::collections::BTreeMap;
use xacct_eval::Explanation;
use xacct_paths::check::{Case, Report};
use xacct_paths::fix::{Fix, Target};
use xacct_policy::{Severity, SourceFile, SourcedFinding, Span};
use xacct_world::{Loaded, World};

/// The rule of a failed expectation.
pub const EXPECTATION_FAILED: &str = "expectation-failed";
/// The rule of a failed compute check.
pub const COMPUTE_CHECK_FAILED: &str = "compute-check-failed";
/// The rule of a check that had nothing to verify (README, "Exit codes of check").
pub const NOTHING_TO_CHECK: &str = "nothing-to-check";

/// docs/findings.md, whose `### CODE` entries are the rules' help.
const FINDINGS_DOC: &str = include_str!("../../../../docs/findings.md");

/// Where a code's documentation lives: its anchor in docs/findings.md, as a reference relative
/// to the repository's root (the repository has no fixed public address to make it absolute;
/// the rule carries the entry's text as `help` too, so no viewer depends on the link).
pub fn help_uri(code: &str) -> String {
    format!("docs/findings.md#{code}")
}

/// The text of a code's entry in docs/findings.md.
pub fn help_text(code: &str) -> Option<&'static str> {
    let heading = format!("\n### {code}\n");
    let start = FINDINGS_DOC.find(&heading)? + heading.len();
    let rest = FINDINGS_DOC.get(start..)?;
    let end = rest.find("\n#").unwrap_or(rest.len());
    Some(rest.get(..end)?.trim())
}

/// A SARIF log being built: the rules used so far, the results, and whether the run could
/// answer at all.
#[derive(Default)]
pub struct Log {
    rules: BTreeMap<String, s::ReportingDescriptor>,
    results: Vec<s::Result>,
    /// Problems without a place in a file (a folder without `xacct.toml`); the run failed.
    notifications: Vec<String>,
}

impl Log {
    fn rule(&mut self, code: &str, description: &str) {
        self.rules.entry(code.to_owned()).or_insert_with(|| {
            let mut rule = s::ReportingDescriptor::builder()
                .id(code)
                .short_description(&description.to_owned())
                .help_uri(help_uri(code))
                .build();
            rule.help = help_text(code).map(|text| {
                s::MultiformatMessageString::builder()
                    .text(text)
                    .markdown(text)
                    .build()
            });
            rule
        });
    }

    /// One result per finding, located at its span.
    pub fn findings<'a>(&mut self, findings: impl IntoIterator<Item = &'a SourcedFinding>) {
        for finding in findings {
            self.rule(
                finding.finding.code,
                &format!("xacct::{}", finding.finding.code),
            );
            let mut text = finding.finding.message.clone();
            if let Some(help) = &finding.finding.help {
                text = format!("{text}\nhelp: {help}");
            }
            let level = match finding.finding.severity {
                Severity::Error => s::ResultLevel::Error,
                Severity::Warning => s::ResultLevel::Warning,
            };
            self.results.push(
                s::Result::builder()
                    .rule_id(finding.finding.code)
                    .level(level)
                    .message(&text)
                    .locations(vec![location(&finding.source, finding.finding.span, None)])
                    .build(),
            );
        }
    }

    /// A problem that stopped the run and has no place in a file.
    pub fn failed(&mut self, message: &str) {
        self.notifications.push(message.to_owned());
    }

    /// One result per failed expectation or compute check, at its manifest line; the
    /// documents to edit and the denying statements as related locations; fixes that can be
    /// placed in a file as SARIF fixes.
    pub fn report(&mut self, report: &Report, loaded: &Loaded) {
        let manifest = &loaded.manifest;
        for result in report.expectations.iter().filter(|result| !result.passed()) {
            // A check xacct derived (Unity Catalog) is reported under its own rule.
            let rule =
                xacct_paths::unity_catalog::finding_code(result).unwrap_or(EXPECTATION_FAILED);
            self.rule(
                rule,
                if rule == EXPECTATION_FAILED {
                    "An expectation of the scenario does not hold"
                } else {
                    "A check the scenario's Unity Catalog credentials and locations imply does not hold"
                },
            );
            let mut message = format!("expectation `{}` fails", result.expectation.name);
            if let Some(error) = &result.error {
                message.push_str(&format!(": {error}"));
            }
            let mut related = Vec::new();
            let mut fixes = Vec::new();
            for case in result.failing_cases() {
                message.push_str(&format!("; {} on {}", case.action, case.resource));
                let (reason, denying) = deciding(case);
                if let Some(reason) = reason {
                    message.push_str(&format!(": {reason}"));
                }
                related.extend(denying);
                for fix in case.fixes.iter().flatten().flatten() {
                    if let Some((source, span)) =
                        document_to_edit(&loaded.world, &loaded.manifest, fix)
                    {
                        related.push(location(&source, span, Some(&fix.summary)));
                        fixes.extend(sarif_fix(&loaded.world, fix, &source));
                    }
                }
            }
            dedup(&mut related);
            dedup(&mut fixes);
            let mut built = s::Result::builder()
                .rule_id(rule)
                .level(s::ResultLevel::Error)
                .message(&message)
                .locations(vec![location(
                    manifest,
                    result.expectation.origin.span,
                    None,
                )])
                .related_locations(related)
                .build();
            if !fixes.is_empty() {
                built.fixes = Some(fixes);
            }
            self.results.push(built);
        }
        for check in report.compute.iter().filter(|check| !check.passed()) {
            self.rule(
                COMPUTE_CHECK_FAILED,
                "A compute identity cannot be launched or assumed",
            );
            let span = loaded
                .world
                .compute
                .get(&check.compute)
                .map(|compute| compute.origin.span)
                .unwrap_or_default();
            let mut related = Vec::new();
            let mut fixes = Vec::new();
            if let Some(fix) = &check.fix {
                if let Some((source, span)) = document_to_edit(&loaded.world, &loaded.manifest, fix)
                {
                    related.push(location(&source, span, Some(&fix.summary)));
                    fixes.extend(sarif_fix(&loaded.world, fix, &source));
                }
            }
            let mut built = s::Result::builder()
                .rule_id(COMPUTE_CHECK_FAILED)
                .level(s::ResultLevel::Error)
                .message(&format!(
                    "compute `{}`: {} does not hold",
                    check.compute, check.what
                ))
                .locations(vec![location(manifest, span, None)])
                .related_locations(related)
                .build();
            if !fixes.is_empty() {
                built.fixes = Some(fixes);
            }
            self.results.push(built);
        }
    }

    /// A check that verified nothing is a warning at the manifest, not an empty (green) log.
    pub fn nothing_to_check(&mut self, loaded: &Loaded) {
        self.rule(
            NOTHING_TO_CHECK,
            "The scenario has nothing for check to verify",
        );
        self.results.push(
            s::Result::builder()
                .rule_id(NOTHING_TO_CHECK)
                .level(s::ResultLevel::Warning)
                .message(crate::render::check::NOTHING_TO_CHECK)
                .locations(vec![location(&loaded.manifest, Span::default(), None)])
                .build(),
        );
    }

    /// One result of a rule that is no finding of a document (an access `diff` found), at
    /// `location` (`file:line:column`) when it has one.
    pub fn result(
        &mut self,
        code: &str,
        description: &str,
        level: s::ResultLevel,
        message: &str,
        location: Option<&str>,
    ) {
        self.rule(code, description);
        let mut built = s::Result::builder()
            .rule_id(code)
            .level(level)
            .message(message)
            .build();
        built.locations = location
            .and_then(|text| located_text(text, Span::default(), "the changed document"))
            .map(|found| vec![found]);
        self.results.push(built);
    }

    /// The finished log: one run of xacct.
    pub fn build(self) -> s::Sarif {
        let driver = s::ToolComponent::builder()
            .name("xacct")
            .version(env!("CARGO_PKG_VERSION"))
            .rules(self.rules.into_values().collect::<Vec<_>>())
            .build();
        let notifications: Vec<s::Notification> = self
            .notifications
            .iter()
            .map(|message| {
                s::Notification::builder()
                    .message(message.as_str())
                    .level(serde_json::json!("error"))
                    .build()
            })
            .collect();
        let invocation = s::Invocation::builder()
            .execution_successful(notifications.is_empty())
            .tool_execution_notifications(notifications)
            .build();
        let run = s::Run::builder()
            .tool(driver)
            .results(self.results)
            .invocations(vec![invocation])
            .build();
        s::Sarif::builder()
            .schema("https://json.schemastore.org/sarif-2.1.0.json")
            .version(serde_json::json!("2.1.0"))
            .runs(vec![run])
            .build()
    }
}

/// Prints a log, pretty, with a final newline.
pub fn print(log: Log) {
    match serde_json::to_string_pretty(&log.build()) {
        Ok(text) => outln!("{text}"),
        Err(error) => errln!("error: cannot write SARIF: {error}"),
    }
}

fn region(source: &SourceFile, span: Span) -> s::Region {
    let (start_line, start_column) = source.line_column(span.start);
    let (end_line, end_column) = source.line_column(span.end.max(span.start));
    s::Region::builder()
        .start_line(to_i64(start_line))
        .start_column(to_i64(start_column))
        .end_line(to_i64(end_line))
        .end_column(to_i64(end_column))
        .byte_offset(to_i64(span.start))
        .byte_length(to_i64(span.end.saturating_sub(span.start)))
        .build()
}

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn artifact(file: &str) -> s::ArtifactLocation {
    s::ArtifactLocation::builder().uri(file).build()
}

fn location(source: &SourceFile, span: Span, message: Option<&str>) -> s::Location {
    // A document of a Terraform plan: the plan file, and the resource by its address (the
    // span is in the document, not in the plan's JSON).
    if let Some((file, address)) = xacct_world::import::terraform::origin(&source.name) {
        return terraform_location(file, address, message);
    }
    let physical = s::PhysicalLocation::builder()
        .artifact_location(artifact(&source.name))
        .region(region(source, span))
        .build();
    let mut location = s::Location::builder().physical_location(physical).build();
    location.message = message.map(s::Message::from);
    location
}

/// The plan file, with the Terraform resource address as the logical location.
fn terraform_location(file: &str, address: &str, message: Option<&str>) -> s::Location {
    let physical = s::PhysicalLocation::builder()
        .artifact_location(artifact(file))
        .build();
    let logical = s::LogicalLocation::builder()
        .fully_qualified_name(address)
        .kind("resource")
        .build();
    let mut location = s::Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    location.message = message.map(s::Message::from);
    location
}

/// A location from the `file:line:column` text of an explanation.
fn located_text(text: &str, span: Span, message: &str) -> Option<s::Location> {
    let found = super::json::Location::parse(text, span)?;
    if let Some((file, address)) = xacct_world::import::terraform::origin(&found.file) {
        return Some(terraform_location(file, address, Some(message)));
    }
    let region = s::Region::builder()
        .start_line(to_i64(found.line))
        .start_column(to_i64(found.column))
        .byte_offset(to_i64(span.start))
        .byte_length(to_i64(span.end.saturating_sub(span.start)))
        .build();
    let physical = s::PhysicalLocation::builder()
        .artifact_location(artifact(&found.file))
        .region(region)
        .build();
    Some(
        s::Location::builder()
            .physical_location(physical)
            .message(message)
            .build(),
    )
}

/// The first reason of the deciding step, and the places of the statements that denied.
fn deciding(case: &Case) -> (Option<String>, Vec<s::Location>) {
    let path = &case.outcome.path;
    let step = match path.failing_link() {
        Some(xacct_paths::Link::Hop(index)) => {
            path.hops.get(index).and_then(|hop| hop.failing_step())
        }
        _ => path.last.as_ref(),
    };
    let Some(step) = step else {
        return (case.outcome.error.clone(), Vec::new());
    };
    let explanation = Explanation::new(&step.request, &step.response);
    let denying = explanation
        .matched
        .iter()
        .filter(|statement| statement.reference.effect == xacct_policy::Effect::Deny)
        .filter_map(|statement| {
            let text = statement.location.as_deref()?;
            located_text(text, statement.span, "this statement denies")
        })
        .collect();
    (explanation.reasons.first().cloned(), denying)
}

/// The document a fix edits, when the scenario has it in a file: its whole span, or the
/// manifest entry that declares the resource when the document does not exist yet.
fn document_to_edit(
    world: &World,
    manifest: &std::sync::Arc<SourceFile>,
    fix: &Fix,
) -> Option<(std::sync::Arc<SourceFile>, Span)> {
    let policy_or_origin = |policy: Option<&xacct_eval::SourcedPolicy>,
                            origin: &xacct_world::model::Origin| {
        policy
            .and_then(|policy| {
                policy
                    .source
                    .clone()
                    .map(|source| (source, policy.policy.span))
            })
            .or_else(|| in_manifest(manifest, origin))
    };
    match &fix.target {
        Target::TrustPolicy { role } => {
            let role = world.roles.get(role)?;
            policy_or_origin(Some(&role.trust), &role.origin)
        }
        Target::IdentityPolicy { principal } => {
            if let Some(role) = world.roles.get(principal) {
                return policy_or_origin(role.policies.first(), &role.origin);
            }
            let user = world.users.get(principal)?;
            policy_or_origin(user.policies.first(), &user.origin)
        }
        Target::BucketPolicy { bucket } => {
            let bucket = world.buckets.get(bucket)?;
            policy_or_origin(bucket.policy.as_ref(), &bucket.origin)
        }
        Target::KeyPolicy { key } => {
            let key = world.keys.get(key)?;
            policy_or_origin(key.policy.as_ref(), &key.origin)
        }
        Target::StreamPolicy { stream } => {
            let stream = world.streams.get(stream)?;
            policy_or_origin(stream.policy.as_ref(), &stream.origin)
        }
        _ => None,
    }
}

/// The manifest entry of an origin, when its file is the manifest the loader kept spans for.
fn in_manifest(
    manifest: &std::sync::Arc<SourceFile>,
    origin: &xacct_world::model::Origin,
) -> Option<(std::sync::Arc<SourceFile>, Span)> {
    (origin.file() == manifest.name).then(|| (std::sync::Arc::clone(manifest), origin.span))
}

/// A fix that adds a statement, as a SARIF replacement: the statement inserted after the last
/// statement of the document's `Statement` array. Only when the document is that file's whole
/// policy with a `Statement` array; otherwise the fix stays in the message and the text output.
fn sarif_fix(world: &World, fix: &Fix, source: &SourceFile) -> Option<s::Fix> {
    let statement = fix.statement.as_ref()?;
    let policy = policy_of(world, &fix.target)?;
    // An edit of a plan's document is made in the Terraform source, which the plan does not
    // locate: the fix is said in words only.
    if xacct_world::import::terraform::origin(&source.name).is_some() {
        return None;
    }
    let last = policy.statements.last()?;
    let end = last.span.end;
    let after = source.text().get(end..)?;
    if !after.trim_start().starts_with(']') {
        return None;
    }
    let indent = indent_of(source.text(), last.span.start);
    let body = serde_json::to_string_pretty(statement).ok()?;
    let body = body.replace('\n', &format!("\n{indent}"));
    let inserted = format!(",\n{indent}{body}");
    let replacement = s::Replacement::builder()
        .deleted_region(region(source, Span::new(end, end)))
        .inserted_content(s::ArtifactContent::builder().text(inserted).build())
        .build();
    let change = s::ArtifactChange::builder()
        .artifact_location(artifact(&source.name))
        .replacements(vec![replacement])
        .build();
    Some(
        s::Fix::builder()
            .description(fix.summary.as_str())
            .artifact_changes(vec![change])
            .build(),
    )
}

fn policy_of<'w>(world: &'w World, target: &Target) -> Option<&'w xacct_policy::Policy> {
    let policy = match target {
        Target::TrustPolicy { role } => Some(&world.roles.get(role)?.trust),
        Target::IdentityPolicy { principal } => match world.roles.get(principal) {
            Some(role) => role.policies.first(),
            None => world.users.get(principal)?.policies.first(),
        },
        Target::BucketPolicy { bucket } => world.buckets.get(bucket)?.policy.as_ref(),
        Target::KeyPolicy { key } => world.keys.get(key)?.policy.as_ref(),
        Target::StreamPolicy { stream } => world.streams.get(stream)?.policy.as_ref(),
        _ => None,
    }?;
    Some(&policy.policy)
}

/// The whitespace before `offset` on its line.
fn indent_of(text: &str, offset: usize) -> String {
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |index| index + 1);
    text.get(line_start..offset)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect()
}

/// Keeps the first of equal items (several requests of one expectation share a fix).
fn dedup<T: serde::Serialize>(items: &mut Vec<T>) {
    let mut seen = Vec::new();
    items.retain(|item| {
        let key = serde_json::to_string(item).unwrap_or_default();
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
}
