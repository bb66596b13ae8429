//! EMR runtime roles for steps: the security configuration's `IAMConfiguration`
//! (`EnableApplicationScopedIAMRole`, `ApplicationScopedIAMRoleConfiguration.PropagateSourceIdentity`)
//! and `LakeFormationConfiguration.AuthorizedSessionTagValue`.
//! <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
//!
//! With runtime roles enabled, every step names its execution role, and the cluster's EC2
//! instance profile role assumes it for the step: `sts:AssumeRole`, plus `sts:SetSourceIdentity`
//! when the source identity is propagated and `sts:TagSession` with the session tag
//! `LakeFormationAuthorizedCaller` = the authorized value when Lake Formation is configured. The
//! step then reaches AWS only with the runtime role's permissions, not the instance profile's.

use crate::credentials::{AssumeRole, AssumeRoleVia, Credentials};
use crate::reader::{member, Reader};
use crate::Located;
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{Arn, Spanned};

/// The credentials of a step that runs with `role`: the instance profile's role assumes it.
pub fn runtime_role_credentials(
    role: Located<Arn>,
    instance_profile: Option<Located<Arn>>,
) -> Credentials {
    Credentials::AssumeRole(Box::new(AssumeRole::plain(
        role,
        AssumeRoleVia::EmrRuntimeRole,
        Credentials::InstanceProfile {
            profile: instance_profile,
        },
    )))
}

/// The session tag EMR sets when Lake Formation is configured for runtime roles.
pub const LAKE_FORMATION_TAG: &str = "LakeFormationAuthorizedCaller";

/// What a security configuration says about runtime roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeRoleSettings {
    /// `EnableApplicationScopedIAMRole`: steps must (and may only then) name a runtime role.
    pub enabled: bool,
    /// `PropagateSourceIdentity`: EMR sets the submitter as the session's source identity.
    pub propagate_source_identity: bool,
    /// `LakeFormationConfiguration.AuthorizedSessionTagValue` (the docs use `Amazon EMR`).
    pub lake_formation_tag: Option<Spanned<String>>,
}

/// Reads the runtime-role settings of an `AuthorizationConfiguration`; `None` when it names
/// neither `IAMConfiguration` nor `LakeFormationConfiguration`.
pub(crate) fn read(reader: &mut Reader, authorization: &Json) -> Option<RuntimeRoleSettings> {
    let iam = member(authorization, "IAMConfiguration");
    let lake = member(authorization, "LakeFormationConfiguration");
    if iam.is_none() && lake.is_none() {
        return None;
    }
    let mut settings = RuntimeRoleSettings {
        enabled: false,
        propagate_source_identity: false,
        lake_formation_tag: None,
    };
    if let Some(iam) = iam {
        if let Some(members) = reader.object(iam, "`IAMConfiguration`") {
            reader.unknown_members(
                members,
                &[
                    "EnableApplicationScopedIAMRole",
                    "ApplicationScopedIAMRoleConfiguration",
                ],
                "`IAMConfiguration`",
                false,
            );
        }
        settings.enabled = flag(reader, iam, "EnableApplicationScopedIAMRole");
        if let Some(scoped) = member(iam, "ApplicationScopedIAMRoleConfiguration") {
            if let Some(members) = reader.object(scoped, "`ApplicationScopedIAMRoleConfiguration`")
            {
                reader.unknown_members(
                    members,
                    &["PropagateSourceIdentity"],
                    "`ApplicationScopedIAMRoleConfiguration`",
                    false,
                );
            }
            settings.propagate_source_identity = flag(reader, scoped, "PropagateSourceIdentity");
        }
    }
    if let Some(lake) = lake {
        if let Some(members) = reader.object(lake, "`LakeFormationConfiguration`") {
            reader.unknown_members(
                members,
                &["AuthorizedSessionTagValue"],
                "`LakeFormationConfiguration`",
                false,
            );
        }
        settings.lake_formation_tag = member(lake, "AuthorizedSessionTagValue")
            .and_then(|value| reader.string(value, "`AuthorizedSessionTagValue`"));
    }
    Some(settings)
}

/// A boolean member; absent is false, another type an error.
fn flag(reader: &mut Reader, object: &Json, key: &str) -> bool {
    match member(object, key) {
        None | Some(Json::Null { .. }) => false,
        Some(Json::Bool { value, .. }) => *value,
        Some(other) => {
            reader.error(
                "invalid-value",
                other.span(),
                format!("`{key}` must be true or false, found {}", other.kind_name()),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_security_configuration;

    #[test]
    fn runtime_roles_lake_formation_and_source_identity_are_read() {
        let parsed = parse_security_configuration(
            r#"{"AuthorizationConfiguration": {
                "IAMConfiguration": {"EnableApplicationScopedIAMRole": true,
                    "ApplicationScopedIAMRoleConfiguration": {"PropagateSourceIdentity": true}},
                "LakeFormationConfiguration": {"AuthorizedSessionTagValue": "Amazon EMR"}}}"#,
        );
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        let settings = parsed
            .value
            .and_then(|config| config.runtime_roles)
            .unwrap_or_else(|| panic!("runtime roles are configured"));
        assert!(settings.enabled);
        assert!(settings.propagate_source_identity);
        assert_eq!(
            settings.lake_formation_tag.map(|tag| tag.value),
            Some("Amazon EMR".to_owned())
        );
    }

    #[test]
    fn a_configuration_without_iam_configuration_has_no_runtime_roles() {
        let parsed = parse_security_configuration(
            r#"{"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}"#,
        );
        assert!(parsed
            .value
            .is_some_and(|config| config.runtime_roles.is_none()));
        let wrong = parse_security_configuration(
            r#"{"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": "yes"}}}"#,
        );
        assert_eq!(wrong.findings.len(), 1);
    }
}
