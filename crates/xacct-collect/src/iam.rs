//! `aws iam get-account-authorization-details`, every page merged, written as the AWS CLI
//! prints it. IAM answers in XML, so its typed output is turned back into the CLI's JSON;
//! policy documents stay URL-encoded strings, as the API returns them (the importer decodes
//! them, as it does for any SDK-made export).

use crate::call::{Call, Outcome, Recorder};
use crate::session::Session;
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, InstanceProfile, ManagedPolicyDetail,
    PolicyDetail, Role, RoleDetail, Tag, UserDetail,
};
use aws_smithy_types::DateTime;
use serde_json::{json, Map, Value};

/// The export, or `None` when no page could be read. A page that fails after others keeps
/// what was read, marked `IsTruncated` so the importer warns that it is partial.
pub(crate) async fn authorization_details(session: &Session, recorder: &Recorder) -> Option<Value> {
    let client = aws_sdk_iam::Client::new(&session.config);
    let call = Call {
        action: "iam:GetAccountAuthorizationDetails",
        resource: "*",
        unanswerable:
            "every question: the account's roles, users, groups and their policies are unknown",
        absent: &[],
    };
    let (mut users, mut groups, mut roles, mut policies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut marker: Option<String> = None;
    let mut truncated = false;
    for _ in 0..10_000 {
        let page = recorder
            .send(
                &call,
                client
                    .get_account_authorization_details()
                    .set_marker(marker.clone())
                    .send(),
            )
            .await;
        // A first page that fails is no export; a later one leaves the export cut short.
        let page = match (page, &marker) {
            (Outcome::Got(page), _) => page,
            (_, None) => return None,
            (_, Some(_)) => {
                truncated = true;
                break;
            }
        };
        users.extend(page.user_detail_list().iter().map(user));
        groups.extend(page.group_detail_list().iter().map(group));
        roles.extend(page.role_detail_list().iter().map(role_detail));
        policies.extend(page.policies().iter().map(managed_policy));
        let next = page
            .marker()
            .filter(|_| page.is_truncated())
            .map(str::to_owned);
        if next.is_none() || next == marker {
            break;
        }
        marker = next;
    }
    let mut export = Map::new();
    export.insert("UserDetailList".to_owned(), Value::Array(users));
    export.insert("GroupDetailList".to_owned(), Value::Array(groups));
    export.insert("RoleDetailList".to_owned(), Value::Array(roles));
    export.insert("Policies".to_owned(), Value::Array(policies));
    if truncated {
        export.insert("IsTruncated".to_owned(), Value::Bool(true));
        export.insert("Marker".to_owned(), json!(marker));
    }
    Some(Value::Object(export))
}

/// An ISO 8601 date, as the CLI prints it.
fn date(value: Option<&DateTime>) -> Value {
    value
        .and_then(|date| date.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        .map_or(Value::Null, Value::String)
}

fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |text| Value::String(text.to_owned()))
}

/// An object without its null members (the CLI leaves absent members out).
pub(crate) fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

fn inline(list: &[PolicyDetail]) -> Value {
    list.iter()
        .map(|policy| {
            object(vec![
                ("PolicyName", text(policy.policy_name())),
                ("PolicyDocument", text(policy.policy_document())),
            ])
        })
        .collect()
}

fn attached(list: &[AttachedPolicy]) -> Value {
    list.iter()
        .map(|policy| {
            object(vec![
                ("PolicyName", text(policy.policy_name())),
                ("PolicyArn", text(policy.policy_arn())),
            ])
        })
        .collect()
}

fn boundary(value: Option<&AttachedPermissionsBoundary>) -> Value {
    value.map_or(Value::Null, |boundary| {
        object(vec![
            (
                "PermissionsBoundaryType",
                text(
                    boundary
                        .permissions_boundary_type()
                        .map(|kind| kind.as_str()),
                ),
            ),
            (
                "PermissionsBoundaryArn",
                text(boundary.permissions_boundary_arn()),
            ),
        ])
    })
}

fn tags(list: &[Tag]) -> Value {
    if list.is_empty() {
        return Value::Null;
    }
    list.iter()
        .map(|tag| json!({"Key": tag.key(), "Value": tag.value()}))
        .collect()
}

fn role(role: &Role) -> Value {
    object(vec![
        ("Path", json!(role.path())),
        ("RoleName", json!(role.role_name())),
        ("RoleId", json!(role.role_id())),
        ("Arn", json!(role.arn())),
        ("CreateDate", date(Some(role.create_date()))),
        (
            "AssumeRolePolicyDocument",
            text(role.assume_role_policy_document()),
        ),
        ("MaxSessionDuration", json!(role.max_session_duration())),
        ("PermissionsBoundary", boundary(role.permissions_boundary())),
        ("Tags", tags(role.tags())),
    ])
}

fn instance_profile(profile: &InstanceProfile) -> Value {
    object(vec![
        ("Path", json!(profile.path())),
        (
            "InstanceProfileName",
            json!(profile.instance_profile_name()),
        ),
        ("InstanceProfileId", json!(profile.instance_profile_id())),
        ("Arn", json!(profile.arn())),
        ("CreateDate", date(Some(profile.create_date()))),
        (
            "Roles",
            profile.roles().iter().map(role).collect::<Vec<_>>().into(),
        ),
    ])
}

fn role_detail(role: &RoleDetail) -> Value {
    object(vec![
        ("Path", text(role.path())),
        ("RoleName", text(role.role_name())),
        ("RoleId", text(role.role_id())),
        ("Arn", text(role.arn())),
        ("CreateDate", date(role.create_date())),
        (
            "AssumeRolePolicyDocument",
            text(role.assume_role_policy_document()),
        ),
        (
            "InstanceProfileList",
            role.instance_profile_list()
                .iter()
                .map(instance_profile)
                .collect::<Vec<_>>()
                .into(),
        ),
        ("RolePolicyList", inline(role.role_policy_list())),
        (
            "AttachedManagedPolicies",
            attached(role.attached_managed_policies()),
        ),
        ("PermissionsBoundary", boundary(role.permissions_boundary())),
        ("Tags", tags(role.tags())),
    ])
}

fn user(user: &UserDetail) -> Value {
    object(vec![
        ("Path", text(user.path())),
        ("UserName", text(user.user_name())),
        ("UserId", text(user.user_id())),
        ("Arn", text(user.arn())),
        ("CreateDate", date(user.create_date())),
        ("UserPolicyList", inline(user.user_policy_list())),
        ("GroupList", json!(user.group_list())),
        (
            "AttachedManagedPolicies",
            attached(user.attached_managed_policies()),
        ),
        ("PermissionsBoundary", boundary(user.permissions_boundary())),
        ("Tags", tags(user.tags())),
    ])
}

fn group(group: &GroupDetail) -> Value {
    object(vec![
        ("Path", text(group.path())),
        ("GroupName", text(group.group_name())),
        ("GroupId", text(group.group_id())),
        ("Arn", text(group.arn())),
        ("CreateDate", date(group.create_date())),
        ("GroupPolicyList", inline(group.group_policy_list())),
        (
            "AttachedManagedPolicies",
            attached(group.attached_managed_policies()),
        ),
    ])
}

fn managed_policy(policy: &ManagedPolicyDetail) -> Value {
    object(vec![
        ("PolicyName", text(policy.policy_name())),
        ("PolicyId", text(policy.policy_id())),
        ("Arn", text(policy.arn())),
        ("Path", text(policy.path())),
        ("DefaultVersionId", text(policy.default_version_id())),
        ("AttachmentCount", json!(policy.attachment_count())),
        (
            "PermissionsBoundaryUsageCount",
            json!(policy.permissions_boundary_usage_count()),
        ),
        ("IsAttachable", json!(policy.is_attachable())),
        ("Description", text(policy.description())),
        ("CreateDate", date(policy.create_date())),
        ("UpdateDate", date(policy.update_date())),
        (
            "PolicyVersionList",
            policy
                .policy_version_list()
                .iter()
                .map(|version| {
                    object(vec![
                        ("Document", text(version.document())),
                        ("VersionId", text(version.version_id())),
                        ("IsDefaultVersion", json!(version.is_default_version())),
                        ("CreateDate", date(version.create_date())),
                    ])
                })
                .collect::<Vec<_>>()
                .into(),
        ),
    ])
}
