//! The runtime roles of a `[[compute]]` EMR cluster's steps, named by hand (`runtime_role`) or
//! read from the steps' exports (`emr_steps`), against the cluster's security configuration:
//! AWS refuses a step with a runtime role on a cluster whose security configuration does not
//! enable them, and a step without one on a cluster that does ("Runtime roles are not supported
//! on this cluster" / "Runtime roles are required for this cluster", `AddJobFlowSteps`
//! ValidationException).
//! <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
//!
//! Each step runs as its own role. A cluster whose steps use several roles is one compute per
//! role, `NAME/ROLE` (the role's name; `NAME/ROLE@ACCOUNT` when two accounts' roles share it),
//! and a question asked of `compute:NAME` is asked of every one of them.

use crate::load::Loader;
use crate::manifest::ComputeEntry;
use crate::model::ComputeSettings;
use toml::Spanned;
use xacct_policy::{Arn, Span};

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

impl Loader {
    /// The computes of an EMR entry, one per runtime role its steps run with, each with its
    /// label (empty for the entry's own name); the settings unchanged when no step names a role.
    pub(crate) fn runtime_role_computes(
        &mut self,
        entry: &ComputeEntry,
        settings: ComputeSettings,
    ) -> Vec<(String, ComputeSettings)> {
        self.security_configuration_named(entry, &settings);
        if entry.emr_steps.is_none() {
            return vec![(String::new(), settings.with_runtime_role(self, entry))];
        }
        if let Some(written) = &entry.runtime_role {
            self.error(
                "runtime-role-with-steps",
                span_of(written),
                format!("compute `{}` names its runtime role by hand and reads its steps from `emr_steps`: the steps' exports say which role each step runs as", entry.name.get_ref()),
            )
            .help = Some("remove `runtime_role`".to_owned());
        }
        let Some((steps, source)) =
            self.settings_file_sourced(entry.emr_steps.as_ref(), xacct_compute::parse_emr_steps)
        else {
            return vec![(String::new(), settings)];
        };
        let runtime = settings
            .security_configuration
            .as_ref()
            .and_then(|security| security.runtime_roles.as_ref());
        let problems = steps.check(runtime);
        let refused = !problems.is_empty();
        for finding in problems {
            self.findings.push(finding.in_source(&source));
        }
        let roles = steps.runtime_roles();
        let enabled = runtime.is_some_and(|runtime| runtime.enabled);
        if enabled && !refused && roles.is_empty() {
            self.error(
                "runtime-role-required",
                entry.emr_steps.as_ref().map_or_else(|| span_of(&entry.name), span_of),
                format!("the security configuration of compute `{}` enables runtime roles (EnableApplicationScopedIAMRole), but its steps file lists no step: EMR runs no step without an ExecutionRoleArn", entry.name.get_ref()),
            )
            .help = Some("give the `describe-step` output of the steps that run on the cluster".to_owned());
        }
        if refused || roles.is_empty() {
            // No step runs with a runtime role (or EMR refuses them): the steps run with the
            // instance profile, as the settings say.
            return vec![(String::new(), settings)];
        }
        let mappings = settings
            .security_configuration
            .as_ref()
            .map_or(0, |security| security.role_mappings.len());
        if mappings > 0 {
            let names: Vec<String> = roles
                .iter()
                .map(|(role, _)| role.value.to_string())
                .collect();
            self.warning(
                "emrfs-mappings-set-aside",
                entry.emr_steps.as_ref().map_or_else(|| span_of(&entry.name), span_of),
                format!("the steps run with runtime role(s) {}: xacct decides their requests with those roles, and the {mappings} EMRFS role mapping(s) of the security configuration do not serve them", names.join(", ")),
            )
            .help = Some("a step with a runtime role can only reach what the runtime role's policies allow (EMR: runtime roles for steps); grant the role what the mappings gave".to_owned());
        }
        let labels = labels(roles.iter().map(|(role, _)| &role.value));
        let single = roles.len() == 1;
        roles
            .into_iter()
            .zip(labels)
            .map(|((role, used_by), label)| {
                let mut one = settings.clone();
                one.runtime_role_steps = used_by.iter().map(|step| step.label()).collect();
                one.runtime_role = Some(role);
                (if single { String::new() } else { label }, one)
            })
            .collect()
    }

    /// The cluster file names its security configuration: the one given must be it, and one
    /// must be given for runtime roles to be read.
    fn security_configuration_named(&mut self, entry: &ComputeEntry, settings: &ComputeSettings) {
        let Some(named) = settings
            .emr
            .as_ref()
            .and_then(|emr| emr.security_configuration.as_ref())
        else {
            return;
        };
        let at = entry
            .emr_cluster
            .as_ref()
            .map_or_else(|| span_of(&entry.name), span_of);
        match (
            &settings.security_configuration,
            &entry.security_configuration,
        ) {
            (None, None) => {
                self.warning(
                    "security-configuration-not-given",
                    at,
                    format!("the EMR cluster runs with security configuration `{}`, which is not given: its EMRFS role mappings and runtime-role settings are not read", named.value),
                )
                .help = Some(format!("add `security_configuration = \"emr/security-configuration.json\"` (aws emr describe-security-configuration --name {})", named.value));
            }
            (Some(security), Some(path)) => {
                let Some(name) = &security.name else {
                    return;
                };
                if name.value != named.value {
                    self.warning(
                        "security-configuration-disagrees",
                        span_of(path),
                        format!("the EMR cluster runs with security configuration `{}`, but `security_configuration` is `{}`: xacct reads the file given", named.value, name.value),
                    )
                    .help = Some(format!("give the output of `aws emr describe-security-configuration --name {}`", named.value));
                }
            }
            _ => {}
        }
    }
}

/// The label of each role: its name, with `@ACCOUNT` when another role of the list has the
/// same name.
fn labels<'a>(roles: impl Iterator<Item = &'a Arn> + Clone) -> Vec<String> {
    let name = |arn: &Arn| {
        arn.resource()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    roles
        .clone()
        .map(|arn| {
            let shared = roles
                .clone()
                .filter(|other| name(other) == name(arn))
                .count()
                > 1;
            if shared {
                format!("{}@{}", name(arn), arn.account_text())
            } else {
                name(arn)
            }
        })
        .collect()
}

impl ComputeSettings {
    /// These settings with the entry's runtime role, checked against the security
    /// configuration; findings go to `loader`.
    fn with_runtime_role(mut self, loader: &mut Loader, entry: &ComputeEntry) -> Self {
        let enabled = self
            .security_configuration
            .as_ref()
            .and_then(|security| security.runtime_roles.as_ref())
            .is_some_and(|settings| settings.enabled);
        let Some(text) = &entry.runtime_role else {
            if enabled {
                let span = entry
                    .security_configuration
                    .as_ref()
                    .map_or(span_of(&entry.name), span_of);
                loader
                    .error(
                        "runtime-role-required",
                        span,
                        format!("the security configuration of compute `{}` enables runtime roles (EnableApplicationScopedIAMRole): EMR refuses a step without an ExecutionRoleArn", entry.name.get_ref()),
                    )
                    .help = Some("name the step's role with `runtime_role = \"arn:aws:iam::ACCOUNT:role/NAME\"`".to_owned());
            }
            return self;
        };
        let span = span_of(text);
        let role = text
            .get_ref()
            .parse::<Arn>()
            .ok()
            .filter(|arn| arn.service() == "iam" && arn.resource().starts_with("role/"));
        let Some(role) = role else {
            loader.error(
                "invalid-arn",
                span,
                format!("runtime role `{}` is not an IAM role ARN", text.get_ref()),
            );
            return self;
        };
        if !enabled {
            loader
                .error(
                    "runtime-roles-not-enabled",
                    span,
                    format!("compute `{}` names a runtime role, but its security configuration does not enable runtime roles: EMR refuses the step (\"Runtime roles are not supported on this cluster\")", entry.name.get_ref()),
                )
                .help = Some(r#"give the cluster a security configuration with {"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": true}}} (`security_configuration`)"#.to_owned());
            return self;
        }
        let mappings = self
            .security_configuration
            .as_ref()
            .map_or(0, |security| security.role_mappings.len());
        if mappings > 0 {
            loader
                .warning(
                    "emrfs-mappings-set-aside",
                    span,
                    format!("the steps run with runtime role {role}: xacct decides their requests with that role, and the {mappings} EMRFS role mapping(s) of the security configuration do not serve them"),
                )
                .help = Some("a step with a runtime role can only reach what the runtime role's policies allow (EMR: runtime roles for steps); grant the role what the mappings gave".to_owned());
        }
        self.runtime_role = Some(xacct_compute::Located::new(
            role,
            span,
            xacct_compute::Layer::Manifest,
        ));
        self
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use xacct_policy::SourceFile;

    fn codes(folder: &str, manifest: &str) -> Vec<&'static str> {
        let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(folder);
        let loaded = crate::load_text(SourceFile::new("test.toml", manifest), &base);
        loaded
            .findings
            .iter()
            .map(|finding| finding.finding.code)
            .collect()
    }

    const PROFILE: &str = r#"
[[role]]
arn = "arn:aws:iam::111111111111:role/host"
trust = { inline = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}' }

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/host"
role = "host"
"#;

    #[test]
    fn a_runtime_role_on_a_cluster_without_them_is_refused() {
        let manifest = format!("{PROFILE}\n[[compute]]\nname = \"c\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/host\"\nsecurity_configuration = \"emr/security-configuration.json\"\nruntime_role = \"arn:aws:iam::111111111111:role/step\"\n");
        assert_eq!(
            codes("emrfs-role-mapping", &manifest),
            ["runtime-roles-not-enabled"]
        );
    }

    #[test]
    fn a_cluster_with_runtime_roles_needs_one_for_its_steps() {
        let manifest = format!("{PROFILE}\n[[compute]]\nname = \"c\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/host\"\nsecurity_configuration = \"emr/security-configuration.json\"\n");
        assert_eq!(
            codes("emr-runtime-role", &manifest),
            ["runtime-role-required"]
        );
        let named = format!("{manifest}runtime_role = \"arn:aws:iam::111111111111:role/step\"\n");
        assert!(codes("emr-runtime-role", &named).is_empty());
        let wrong = format!("{manifest}runtime_role = \"arn:aws:iam::111111111111:user/step\"\n");
        assert_eq!(codes("emr-runtime-role", &wrong), ["invalid-arn"]);
    }

    fn load(folder: &str, manifest: &str) -> crate::Loaded {
        let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(folder);
        crate::load_text(SourceFile::new("test.toml", manifest), &base)
    }

    const STEPS: &str = "emr_steps = \"from-exports/emr/steps.json\"\n";
    const CLUSTER: &str = "[[compute]]\nname = \"etl\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/host\"\nsecurity_configuration = \"emr/security-configuration.json\"\n";

    #[test]
    fn each_step_role_is_a_compute_and_a_question_of_the_cluster_asks_each() {
        let manifest = format!("{PROFILE}\n{CLUSTER}{STEPS}\n[[expect]]\nname = \"no step reads finance\"\nfrom = \"compute:etl\"\nactions = [\"s3:GetObject\"]\nresources = [\"arn:aws:s3:::finance-a/x\"]\ndecision = \"deny\"\n");
        let loaded = load("emr-runtime-role", &manifest);
        let errors: Vec<_> = loaded
            .findings
            .iter()
            .filter(|finding| finding.finding.severity == xacct_policy::Severity::Error)
            .map(|finding| finding.finding.code)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let computes: Vec<(&str, String, Vec<String>)> = loaded
            .world
            .compute
            .values()
            .map(|compute| {
                let role = compute.settings.runtime_role.as_ref().unwrap();
                (
                    compute.name.as_str(),
                    role.value.to_string(),
                    compute.settings.runtime_role_steps.clone(),
                )
            })
            .collect();
        assert_eq!(
            computes,
            [
                (
                    "etl/etl-step",
                    "arn:aws:iam::111111111111:role/etl-step".to_owned(),
                    vec!["s-0LOADORDERS01 (load orders)".to_owned()]
                ),
                (
                    "etl/report-step",
                    "arn:aws:iam::111111111111:role/report-step".to_owned(),
                    vec!["s-0SALESREPORT1 (sales report)".to_owned()]
                ),
            ]
        );
        let asked: Vec<(&str, &str)> = loaded
            .world
            .expectations
            .iter()
            .map(|expectation| (expectation.name.as_str(), expectation.from.as_str()))
            .collect();
        assert_eq!(
            asked,
            [
                (
                    "no step reads finance (as etl/etl-step)",
                    "compute:etl/etl-step"
                ),
                (
                    "no step reads finance (as etl/report-step)",
                    "compute:etl/report-step"
                ),
            ]
        );
    }

    #[test]
    fn steps_and_a_hand_written_role_conflict() {
        let manifest = format!("{PROFILE}\n{CLUSTER}{STEPS}runtime_role = \"arn:aws:iam::111111111111:role/etl-step\"\n");
        assert_eq!(
            codes("emr-runtime-role", &manifest),
            ["runtime-role-with-steps"]
        );
    }

    #[test]
    fn step_roles_on_a_cluster_without_runtime_roles_are_refused_in_the_steps_file() {
        let manifest = format!("{PROFILE}\n[[compute]]\nname = \"c\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/host\"\nsecurity_configuration = \"emr/security-configuration.json\"\nemr_steps = \"../emr-runtime-role/from-exports/emr/steps.json\"\n");
        let loaded = load("emrfs-role-mapping", &manifest);
        let refused: Vec<String> = loaded
            .findings
            .iter()
            .filter(|finding| finding.finding.code == "runtime-roles-not-enabled")
            .map(|finding| finding.location())
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(
            refused
                .iter()
                .all(|at| at.contains("from-exports/emr/steps.json:")),
            "{refused:?}"
        );
        // The steps run with the instance profile, as the cluster's settings say.
        let compute = loaded.world.compute.get("c").unwrap();
        assert!(compute.settings.runtime_role.is_none());
    }

    #[test]
    fn the_cluster_names_the_security_configuration_it_runs_with() {
        let cluster = "emr_cluster = \"../emr-runtime-role/from-exports/emr/cluster.json\"\n";
        let other = format!("{PROFILE}\n[[compute]]\nname = \"c\"\nsecurity_configuration = \"emr/security-configuration.json\"\n{cluster}");
        assert_eq!(
            codes("emrfs-role-mapping", &other),
            ["security-configuration-disagrees"]
        );
        let none = format!("{PROFILE}\n[[compute]]\nname = \"c\"\n{cluster}");
        assert_eq!(
            codes("emrfs-role-mapping", &none),
            ["security-configuration-not-given"]
        );
        let same = format!("{PROFILE}\n[[compute]]\nname = \"c\"\nsecurity_configuration = \"emr/security-configuration.json\"\n{cluster}{STEPS}");
        assert!(codes("emr-runtime-role", &same).is_empty());
    }

    #[test]
    fn roles_of_two_accounts_with_one_name_are_told_apart() {
        let arns: Vec<xacct_policy::Arn> = [
            "arn:aws:iam::111111111111:role/etl",
            "arn:aws:iam::222222222222:role/jobs/etl",
            "arn:aws:iam::111111111111:role/report",
        ]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
        assert_eq!(
            super::labels(arns.iter()),
            ["etl@111111111111", "etl@222222222222", "report"]
        );
    }
}
