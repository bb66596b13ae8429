//! The runtime role of a `[[compute]]` EMR cluster's steps (`runtime_role`), read against the
//! cluster's security configuration: AWS refuses a step with a runtime role on a cluster whose
//! security configuration does not enable them, and a step without one on a cluster that does
//! ("Runtime roles are not supported on this cluster" / "Runtime roles are required for this
//! cluster", `AddJobFlowSteps` ValidationException).
//! <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>

use crate::load::Loader;
use crate::manifest::ComputeEntry;
use crate::model::ComputeSettings;
use toml::Spanned;
use xacct_policy::{Arn, Span};

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

impl ComputeSettings {
    /// These settings with the entry's runtime role, checked against the security
    /// configuration; findings go to `loader`.
    pub(crate) fn with_runtime_role(mut self, loader: &mut Loader, entry: &ComputeEntry) -> Self {
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
}
