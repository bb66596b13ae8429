//! EMR steps as the EMR API prints them, for the runtime role each step runs with.
//!
//! - `aws emr describe-step --cluster-id ID --step-id s-…` prints `{"Step": {…}}`, a
//!   [Step](https://docs.aws.amazon.com/emr/latest/APIReference/API_Step.html) with its
//!   `ExecutionRoleArn` when it was submitted with one: an absent key says the step has none.
//!   Several of them may be given as an array (`… | jq -s`).
//! - `aws emr list-steps --cluster-id ID` prints `{"Steps": […]}` of
//!   [StepSummary](https://docs.aws.amazon.com/emr/latest/APIReference/API_StepSummary.html),
//!   which does not carry `ExecutionRoleArn`: an absent key there says nothing about the step's
//!   role. A `Steps` entry that holds the key (a list assembled from describe-step outputs) is
//!   read like a `Step`.
//!
//! Each step runs as its own role: a cluster whose steps name several roles is several
//! identities, and [`EmrSteps::runtime_roles`] lists every one, with the steps that use it.

use crate::reader::{member, Reader};
use crate::runtime_role::RuntimeRoleSettings;
use crate::values::role_arn;
use crate::{Layer, Located, Parsed};
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{Arn, Finding, Span, Spanned};

/// Keys of a `Step` and of a `StepSummary` (the summary lacks `ExecutionRoleArn`).
const STEP_KEYS: [&str; 8] = [
    "Id",
    "Name",
    "Config",
    "ActionOnFailure",
    "Status",
    "ExecutionRoleArn",
    "LogUri",
    "EncryptionKeyArn",
];

/// What the file says about a step's runtime role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "role", rename_all = "kebab-case")]
pub enum StepRole {
    /// `ExecutionRoleArn`.
    Role(Located<Arn>),
    /// A `describe-step` output without `ExecutionRoleArn`: the step was submitted without one.
    None,
    /// A `list-steps` entry: `StepSummary` has no `ExecutionRoleArn`, so the role is not known.
    NotListed,
}

/// One step of the file.
#[derive(Debug, Clone, Serialize)]
pub struct EmrStep {
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    /// `Status.State`: `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, ...
    pub state: Option<Spanned<String>>,
    pub role: StepRole,
    /// The step object.
    pub span: Span,
}

impl EmrStep {
    /// `s-123 (nightly)`, or what the file gives of it.
    pub fn label(&self) -> String {
        match (&self.id, &self.name) {
            (Some(id), Some(name)) => format!("{} ({})", id.value, name.value),
            (Some(id), None) => id.value.clone(),
            (None, Some(name)) => format!("`{}`", name.value),
            (None, None) => "a step without `Id`".to_owned(),
        }
    }
}

/// The steps of one file, in file order.
#[derive(Debug, Clone, Serialize)]
pub struct EmrSteps {
    pub steps: Vec<EmrStep>,
}

impl EmrSteps {
    /// Every distinct runtime role, in order of first use, with the steps that run as it.
    pub fn runtime_roles(&self) -> Vec<(Located<Arn>, Vec<&EmrStep>)> {
        let mut out: Vec<(Located<Arn>, Vec<&EmrStep>)> = Vec::new();
        for step in &self.steps {
            let StepRole::Role(role) = &step.role else {
                continue;
            };
            match out.iter_mut().find(|(known, _)| known.value == role.value) {
                Some((_, steps)) => steps.push(step),
                None => out.push((role.clone(), vec![step])),
            }
        }
        out
    }

    /// The steps read against the cluster's runtime-role settings (`None`: the security
    /// configuration does not enable them). EMR refuses a step with a runtime role on a cluster
    /// without them, and one without on a cluster with them ("Runtime roles are not supported
    /// on this cluster" / "are required for this cluster"); a listed step whose role the file
    /// cannot say leaves the cluster's identity unknown.
    /// <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
    pub fn check(&self, settings: Option<&RuntimeRoleSettings>) -> Vec<Finding> {
        let enabled = settings.is_some_and(|settings| settings.enabled);
        let mut out = Vec::new();
        for step in &self.steps {
            let label = step.label();
            match (&step.role, enabled) {
                (StepRole::Role(role), false) => out.push(
                    Finding::error(
                        "runtime-roles-not-enabled",
                        role.span,
                        format!("step {label} runs with runtime role {}, but the cluster's security configuration does not enable runtime roles: EMR refuses the step (\"Runtime roles are not supported on this cluster\")", role.value),
                    )
                    .with_help(r#"give the cluster's security configuration (`security_configuration`), with {"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": true}}}"#),
                ),
                (StepRole::None, true) => out.push(
                    Finding::error(
                        "runtime-role-required",
                        step.span,
                        format!("step {label} has no ExecutionRoleArn, but the cluster's security configuration enables runtime roles (EnableApplicationScopedIAMRole): EMR refuses it (\"Runtime roles are required for this cluster\")"),
                    )
                    .with_help("submit the step with `--execution-role-arn arn:aws:iam::ACCOUNT:role/NAME`"),
                ),
                (StepRole::NotListed, true) => out.push(
                    Finding::error(
                        "step-role-not-listed",
                        step.span,
                        format!("step {label} is a `list-steps` entry, which does not carry ExecutionRoleArn (StepSummary): its runtime role is not known, so what it can reach is not decided"),
                    )
                    .with_help("give `aws emr describe-step --cluster-id ID --step-id STEP` output for each step (an array of them, `jq -s`, is read too)"),
                ),
                _ => {}
            }
        }
        out
    }
}

/// Reads `describe-step` output, an array of such outputs, or `list-steps` output.
pub fn parse_emr_steps(text: &str) -> Parsed<EmrSteps> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_steps(&mut reader, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

fn read_steps(reader: &mut Reader, root: &Json) -> Option<EmrSteps> {
    let mut steps = Vec::new();
    match root {
        Json::Array { items, .. } => {
            for item in items {
                if reader.object(item, "an entry of the steps array").is_none() {
                    continue;
                }
                match member(item, "Step") {
                    Some(step) => {
                        if let Some(members) = item.members() {
                            reader.unknown_members(
                                members,
                                &["Step"],
                                "`describe-step` output",
                                false,
                            );
                        }
                        steps.extend(read_step(reader, step, true));
                    }
                    None => steps.extend(read_step(reader, item, true)),
                }
            }
        }
        Json::Object { members, .. } => {
            if let Some(step) = member(root, "Step") {
                reader.unknown_members(members, &["Step"], "`describe-step` output", false);
                steps.extend(read_step(reader, step, true));
            } else if let Some(list) = member(root, "Steps") {
                reader.unknown_members(
                    members,
                    &["Steps", "Marker", "NextToken"],
                    "`list-steps` output",
                    false,
                );
                let Json::Array { items, .. } = list else {
                    reader.error(
                        "invalid-value",
                        list.span(),
                        format!("`Steps` must be an array, found {}", list.kind_name()),
                    );
                    return None;
                };
                for item in items {
                    steps.extend(read_step(reader, item, false));
                }
            } else {
                reader.push(
                    Finding::error(
                        "invalid-value",
                        root.span(),
                        "expected `aws emr describe-step` output ({\"Step\": {...}}), an array of them, or `aws emr list-steps` output ({\"Steps\": [...]})",
                    )
                    .with_help("aws emr describe-step --cluster-id ID --step-id s-... > emr/step.json"),
                );
                return None;
            }
        }
        other => {
            reader.error(
                "invalid-value",
                other.span(),
                format!(
                    "expected `aws emr describe-step` or `aws emr list-steps` output, found {}",
                    other.kind_name()
                ),
            );
            return None;
        }
    }
    Some(EmrSteps { steps })
}

/// One `Step` (`described`) or `StepSummary`.
fn read_step(reader: &mut Reader, step: &Json, described: bool) -> Option<EmrStep> {
    let members = reader.object(step, "a step")?;
    reader.unknown_members(members, &STEP_KEYS, "a step", false);
    reader.duplicates(members, "a step");
    let id = reader.optional_string(step, "Id", "a step");
    let name = reader.optional_string(step, "Name", "a step");
    let state = member(step, "Status").and_then(|status| {
        reader.object(status, "`Status`")?;
        reader.optional_string(status, "State", "`Status`")
    });
    let role = match reader.optional_string(step, "ExecutionRoleArn", "a step") {
        Some(text) => match role_arn(&text.value) {
            Ok(arn) => StepRole::Role(Located::new(arn, text.span, Layer::Steps)),
            Err(error) => {
                reader.push(
                    Finding::error("invalid-role-arn", text.span, error).with_help(
                        "`ExecutionRoleArn` takes the ARN of the step's runtime role, `arn:aws:iam::ACCOUNT:role/NAME`",
                    ),
                );
                return None;
            }
        },
        None if described => StepRole::None,
        None => StepRole::NotListed,
    };
    Some(EmrStep {
        id,
        name,
        state,
        role,
        span: step.span(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_security_configuration;

    const ENABLED: &str = r#"{"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": true}}}"#;

    fn settings(text: &str) -> Option<RuntimeRoleSettings> {
        parse_security_configuration(text)
            .value
            .and_then(|config| config.runtime_roles)
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|finding| finding.code).collect()
    }

    #[test]
    fn describe_step_outputs_give_each_distinct_role_with_its_steps() {
        let text = r#"[
            {"Step": {"Id": "s-1", "Name": "load", "ExecutionRoleArn": "arn:aws:iam::111111111111:role/etl-step", "Status": {"State": "COMPLETED"}}},
            {"Step": {"Id": "s-2", "Name": "report", "ExecutionRoleArn": "arn:aws:iam::222222222222:role/report-step", "Status": {"State": "FAILED"}}},
            {"Step": {"Id": "s-3", "Name": "load again", "ExecutionRoleArn": "arn:aws:iam::111111111111:role/etl-step"}}
        ]"#;
        let parsed = parse_emr_steps(text);
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        let steps = parsed.value.unwrap();
        let roles = steps.runtime_roles();
        let summary: Vec<(String, Vec<String>)> = roles
            .iter()
            .map(|(role, steps)| {
                (
                    role.value.to_string(),
                    steps.iter().map(|step| step.label()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "arn:aws:iam::111111111111:role/etl-step".to_owned(),
                    vec!["s-1 (load)".to_owned(), "s-3 (load again)".to_owned()]
                ),
                (
                    "arn:aws:iam::222222222222:role/report-step".to_owned(),
                    vec!["s-2 (report)".to_owned()]
                ),
            ]
        );
        assert_eq!(
            steps.steps[1]
                .state
                .as_ref()
                .map(|state| state.value.as_str()),
            Some("FAILED")
        );
        // The role's span is its value in the file, so a finding points at it.
        let (role, _) = &roles[0];
        assert_eq!(
            text.get(role.span.start..role.span.end),
            Some("\"arn:aws:iam::111111111111:role/etl-step\"")
        );
        assert!(steps.check(settings(ENABLED).as_ref()).is_empty());
        assert_eq!(codes(&steps.check(None)), ["runtime-roles-not-enabled"; 3]);
    }

    #[test]
    fn a_described_step_without_a_role_is_refused_on_a_cluster_that_requires_one() {
        let parsed = parse_emr_steps(r#"{"Step": {"Id": "s-9", "Name": "legacy"}}"#);
        let steps = parsed.value.unwrap();
        assert_eq!(steps.steps[0].role, StepRole::None);
        assert_eq!(
            codes(&steps.check(settings(ENABLED).as_ref())),
            ["runtime-role-required"]
        );
        // Without runtime roles the step runs with the instance profile: nothing to say.
        assert!(steps.check(None).is_empty());
    }

    #[test]
    fn list_steps_entries_do_not_say_the_role() {
        let parsed = parse_emr_steps(
            r#"{"Steps": [{"Id": "s-1", "Name": "load", "ActionOnFailure": "CONTINUE", "Config": {"Jar": "command-runner.jar", "Args": ["spark-submit"]}, "Status": {"State": "PENDING"}}]}"#,
        );
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        let steps = parsed.value.unwrap();
        assert_eq!(steps.steps[0].role, StepRole::NotListed);
        assert!(steps.runtime_roles().is_empty());
        assert_eq!(
            codes(&steps.check(settings(ENABLED).as_ref())),
            ["step-role-not-listed"]
        );
        assert!(steps.check(None).is_empty());
    }

    #[test]
    fn bad_input_is_pointed_at() {
        let text = "{\"Steps\": [{\"Id\": \"s-1\", \"ExecutionRoleArn\": \"arn:aws:iam::111111111111:user/bob\", \"Nmae\": \"x\"}]}";
        let parsed = parse_emr_steps(text);
        assert_eq!(codes(&parsed.findings), ["invalid-role-arn", "unknown-key"]);
        let unknown = &parsed.findings[1];
        assert_eq!(
            text.get(unknown.span.start..unknown.span.end),
            Some("\"Nmae\"")
        );
        assert_eq!(
            codes(&parse_emr_steps(r#"{"Cluster": {}}"#).findings),
            ["invalid-value"]
        );
        assert_eq!(codes(&parse_emr_steps("[1").findings), ["invalid-json"]);
        assert_eq!(
            codes(&parse_emr_steps(r#"{"Steps": {}}"#).findings),
            ["invalid-value"]
        );
    }
}
