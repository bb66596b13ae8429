//! Roles: create (with a permissions boundary and tags), read, list, delete, the trust policy,
//! inline policies, managed policy attachments, the boundary and tags.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>

use super::directory::managed_document;
use super::{
    element, encoded, error, members, ok, origin, policy_size, sourced, tag_context, tags_xml,
    text_of, unique_id, within, Call, CREATED, ROLE_INLINE_SIZE, TRUST_POLICY_SIZE,
};
use crate::sts::Reply;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{PolicyKind, PrincipalEntry};
use xacct_world::Role;

pub(super) fn answer(call: &Call<'_>, action: &str) -> Option<Result<Reply, Reply>> {
    Some(match action {
        "GetRole" => get_role(call),
        "CreateRole" => create_role(call),
        "DeleteRole" => delete_role(call),
        "ListRoles" => list_roles(call),
        "UpdateAssumeRolePolicy" => update_trust(call),
        "PutRolePolicy" => put_role_policy(call),
        "GetRolePolicy" => get_role_policy(call),
        "DeleteRolePolicy" => delete_role_policy(call),
        "ListRolePolicies" => list_role_policies(call),
        "AttachRolePolicy" | "DetachRolePolicy" => attach(call, action),
        "ListAttachedRolePolicies" => list_attached(call),
        "PutRolePermissionsBoundary" | "DeleteRolePermissionsBoundary" => boundary(call, action),
        "TagRole" | "UntagRole" => tag_role(call, action),
        "ListRoleTags" => list_role_tags(call),
        _ => return None,
    })
}

pub(super) fn no_such_role(name: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("The role with name {name} cannot be found."),
    )
}

/// The role named `name` in the caller's account.
pub(super) fn find(call: &Call<'_>, name: &str) -> Option<Role> {
    call.state
        .engine
        .world()
        .roles
        .values()
        // IAM names are unique in an account whatever their case, and found so.
        .find(|role| role.account.as_str() == call.account && role.name.eq_ignore_ascii_case(name))
        .map(|role| Role::clone(role))
}

/// The ARN a call on role `name` is authorized on: the role's, or the one it would get.
fn target(call: &Call<'_>, name: &str, path: &str) -> (String, Option<Role>) {
    let existing = find(call, name);
    let arn = existing.as_ref().map_or_else(
        || format!("arn:aws:iam::{}:role{path}{name}", call.account),
        |role| role.arn.clone(),
    );
    (arn, existing)
}

/// The role named by `RoleName`, after the caller is authorized `action` on it (AWS decides
/// before it looks: a caller not allowed learns nothing of the role).
fn authorized_role(
    call: &Call<'_>,
    action: &str,
    context: &[(String, ContextValue)],
) -> Result<Role, Reply> {
    let name = call.param("RoleName")?;
    let (arn, existing) = target(call, name, "/");
    let mut context = context.to_vec();
    if let Some(boundary) = existing.as_ref().and_then(boundary_arn) {
        context.push((
            "iam:PermissionsBoundary".to_owned(),
            ContextValue::Single(boundary),
        ));
    }
    call.authorize(action, &arn, &context)?;
    let role = existing.ok_or_else(|| no_such_role(name))?;
    // A service-linked role is changed by its service only
    // (<https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>).
    let reads = action.starts_with("Get") || action.starts_with("List");
    if role.service_linked && !reads {
        return Err(error(
            "UnmodifiableEntity",
            &format!(
                "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS",
                role.name
            ),
        ));
    }
    Ok(role)
}

/// The ARN of a role's boundary, when it is a managed policy.
fn boundary_arn(role: &Role) -> Option<String> {
    role.boundary
        .as_ref()
        .filter(|policy| policy.label.starts_with("arn:"))
        .map(|policy| policy.label.clone())
}

/// A role's inline policies: `(name, document)`. Those the scenario declared are named after
/// their file (`policies/s3-read.json` is `s3-read`).
pub(super) fn inline_policies(policies: &[SourcedPolicy], arn: &str) -> Vec<(String, String)> {
    policies
        .iter()
        .filter_map(|policy| inline_name(policy, arn).map(|name| (name, text_of(policy))))
        .collect()
}

pub(super) fn inline_name(policy: &SourcedPolicy, arn: &str) -> Option<String> {
    if let Some(rest) = policy.label.strip_prefix("inline policy ") {
        return rest.strip_suffix(&format!(" of {arn}")).map(str::to_owned);
    }
    if policy.label.starts_with("policies[") && policy.label.ends_with(&format!(" of {arn}")) {
        let file = policy
            .source
            .as_ref()
            .map_or(policy.label.as_str(), |source| source.name.as_str());
        let stem = std::path::Path::new(file)
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or(file);
        return Some(stem.to_owned());
    }
    None
}

pub(super) fn inline_label(name: &str, arn: &str) -> String {
    format!("inline policy {name} of {arn}")
}

/// The role's XML as GetRole, CreateRole and ListRoles return it (the trust policy
/// URL-encoded), in an element named `tag`.
pub(super) fn role_xml(tag: &str, role: &Role) -> String {
    let boundary = boundary_arn(role).map_or_else(String::new, |arn| {
        format!(
            "<PermissionsBoundary>{}{}</PermissionsBoundary>",
            element("PermissionsBoundaryType", "Policy"),
            element("PermissionsBoundaryArn", &arn)
        )
    });
    format!(
        "<{tag}>{}{}{}{}{}<AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>{}{boundary}{}</{tag}>",
        element("Path", &role.path),
        element("RoleName", &role.name),
        element("RoleId", &unique_id("AROA", &role.arn)),
        element("Arn", &role.arn),
        element("CreateDate", CREATED),
        encoded(&text_of(&role.trust)),
        element("MaxSessionDuration", &role.max_session_duration.to_string()),
        tags_xml(&role.tags),
    )
}

/// IAM saves a trust policy's role and user principals as their unique ids, so one naming a
/// role or user that does not exist is refused: `MalformedPolicyDocument`, `Invalid principal
/// in policy: "AWS":"ARN"` (as reported in
/// <https://github.com/hashicorp/terraform-provider-aws/issues/8905>). Only the scenario's own
/// accounts are known; a principal of another account is taken as it is.
fn principals_exist(call: &Call<'_>, trust: &SourcedPolicy) -> Result<(), Reply> {
    let world = call.state.engine.world();
    for statement in &trust.policy.statements {
        let Some(clause) = &statement.principal else {
            continue;
        };
        for entry in &clause.entries {
            let (account, name, arn, is_role) = match &entry.value {
                PrincipalEntry::Role { account, name, arn } => (account, name, arn, true),
                PrincipalEntry::User { account, name, arn } => (account, name, arn, false),
                _ => continue,
            };
            if !world.accounts.contains_key(account) {
                continue;
            }
            let exists =
                if is_role {
                    world.roles.values().any(|role| {
                        role.account == *account && role.name.eq_ignore_ascii_case(name)
                    })
                } else {
                    world.users.values().any(|user| {
                        user.account == *account && user.name.eq_ignore_ascii_case(name)
                    })
                };
            if !exists {
                return Err(error(
                    "MalformedPolicyDocument",
                    &format!("Invalid principal in policy: \"AWS\":\"{arn}\""),
                ));
            }
        }
    }
    Ok(())
}

fn trust_within_quota(text: &str) -> Result<(), Reply> {
    within(
        policy_size(text),
        TRUST_POLICY_SIZE,
        "Cannot exceed quota for ACLSizePerRole: 2048",
    )
}

fn get_role(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "GetRole", &[])?;
    Ok(ok("GetRole", &role_xml("Role", &role)))
}

/// A managed policy's default document, for a boundary or an attachment; unknown is
/// NoSuchEntity as IAM words it.
pub(super) fn managed_text(call: &Call<'_>, arn: &str) -> Result<String, Reply> {
    call.state
        .iam
        .lock()
        .policies
        .get(arn)
        .filter(|policy| policy.account == call.account || policy.account == "aws")
        .map(|policy| policy.default_text().to_owned())
        .ok_or_else(|| {
            error(
                "NoSuchEntity",
                &format!("Policy {arn} does not exist or is not attachable."),
            )
        })
}

fn create_role(call: &Call<'_>) -> Result<Reply, Reply> {
    let name = call.name("RoleName", 64)?;
    let path = call.path()?;
    let (arn, existing) = target(call, name, path);
    let tags = call.tags();
    let boundary_param = call.optional("PermissionsBoundary");
    let mut context = tag_context(&tags);
    if let Some(boundary) = boundary_param {
        context.push((
            "iam:PermissionsBoundary".to_owned(),
            ContextValue::Single(boundary.to_owned()),
        ));
    }
    call.authorize("CreateRole", &arn, &context)?;
    if existing.is_some() {
        return Err(error(
            "EntityAlreadyExists",
            &format!("Role with name {name} already exists."),
        ));
    }
    let trust_text = call.param("AssumeRolePolicyDocument")?;
    let trust = sourced(
        trust_text,
        PolicyKind::Trust,
        format!("trust policy of {arn}"),
    )?;
    trust_within_quota(trust_text)?;
    principals_exist(call, &trust)?;
    let max_session_duration = match call.optional("MaxSessionDuration") {
        None => 3600,
        Some(text) => text
            .parse()
            .ok()
            .filter(|seconds| (3600..=43200).contains(seconds))
            .ok_or_else(|| error("ValidationError", &format!("1 validation error detected: Value '{text}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200")))?,
    };
    let boundary = match boundary_param {
        Some(boundary) => Some(managed_document(
            boundary,
            &managed_text(call, boundary)?,
            PolicyKind::Boundary,
        )),
        None => None,
    };
    let role = Role {
        arn: arn.clone(),
        account: call.account_id()?,
        name: name.to_owned(),
        path: path.to_owned(),
        trust,
        policies: Vec::new(),
        boundary,
        tags: tags.into(),
        max_session_duration,
        service_linked: false,
        origin: origin(format!("role {arn}, created through the endpoint")),
    };
    let xml = role_xml("Role", &role);
    call.state
        .engine
        .world_mut()
        .roles
        .insert(arn, Box::new(role));
    Ok(ok("CreateRole", &xml))
}

fn delete_role(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "DeleteRole", &[])?;
    // AWS deletes nothing a role holds: each must go first.
    // <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html>
    if !inline_policies(&role.policies, &role.arn).is_empty() {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if role
        .policies
        .iter()
        .any(|policy| policy.label.starts_with("arn:"))
    {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    let iam = call.state.iam.lock();
    if iam
        .profiles
        .values()
        .any(|profile| profile.roles.contains(&role.arn))
    {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must remove roles from instance profile first.",
        ));
    }
    call.state.engine.world_mut().roles.remove(&role.arn);
    drop(iam);
    super::deleted::forget(
        call.state,
        &super::deleted::Deleted {
            account: role.account,
            name: &role.name,
            arn: &role.arn,
            is_role: true,
        },
    );
    Ok(ok("DeleteRole", ""))
}

fn list_roles(call: &Call<'_>) -> Result<Reply, Reply> {
    call.authorize("ListRoles", "*", &[])?;
    let prefix = call.optional("PathPrefix").unwrap_or("/");
    let items: Vec<String> = call
        .state
        .engine
        .world()
        .roles
        .values()
        .filter(|role| role.account.as_str() == call.account && role.path.starts_with(prefix))
        .map(|role| role_xml("member", role))
        .map(|xml| {
            xml.trim_start_matches("<member>")
                .trim_end_matches("</member>")
                .to_owned()
        })
        .collect();
    Ok(ok("ListRoles", &members("Roles", &items)))
}

fn update_trust(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "UpdateAssumeRolePolicy", &[])?;
    let text = call.param("PolicyDocument")?;
    let trust = sourced(
        text,
        PolicyKind::Trust,
        format!("trust policy of {}", role.arn),
    )?;
    trust_within_quota(text)?;
    principals_exist(call, &trust)?;
    if let Some(role) = call.state.engine.world_mut().roles.get_mut(&role.arn) {
        role.trust = trust;
    }
    Ok(ok("UpdateAssumeRolePolicy", ""))
}

fn put_role_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "PutRolePolicy", &[])?;
    let policy_name = call.name("PolicyName", 128)?;
    let text = call.param("PolicyDocument")?;
    let label = inline_label(policy_name, &role.arn);
    let policy = sourced(text, PolicyKind::Inline, label)?;
    // The role's inline policies together, the one replaced left out, are within the quota.
    let others: usize = inline_policies(&role.policies, &role.arn)
        .iter()
        .filter(|(name, _)| name != policy_name)
        .map(|(_, text)| policy_size(text))
        .sum();
    within(
        others + policy_size(text),
        ROLE_INLINE_SIZE,
        &format!(
            "Maximum policy size of {ROLE_INLINE_SIZE} bytes exceeded for role {}",
            role.name
        ),
    )?;
    let mut world = call.state.engine.world_mut();
    let Some(role) = world.roles.get_mut(&role.arn) else {
        return Err(no_such_role(&role.name));
    };
    let arn = role.arn.clone();
    role.policies
        .retain(|existing| inline_name(existing, &arn).as_deref() != Some(policy_name));
    // Inline policies first, then the attached managed ones, as the loader orders them.
    let managed_from = role
        .policies
        .iter()
        .position(|existing| existing.label.starts_with("arn:"))
        .unwrap_or(role.policies.len());
    role.policies.insert(managed_from, policy);
    Ok(ok("PutRolePolicy", ""))
}

fn no_such_inline(name: &str, kind: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("The {kind} policy with name {name} cannot be found."),
    )
}

fn get_role_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "GetRolePolicy", &[])?;
    let policy_name = call.param("PolicyName")?;
    let (_, text) = inline_policies(&role.policies, &role.arn)
        .into_iter()
        .find(|(name, _)| name == policy_name)
        .ok_or_else(|| no_such_inline(policy_name, "role"))?;
    Ok(ok(
        "GetRolePolicy",
        &format!(
            "{}{}<PolicyDocument>{}</PolicyDocument>",
            element("RoleName", &role.name),
            element("PolicyName", policy_name),
            encoded(&text)
        ),
    ))
}

fn delete_role_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "DeleteRolePolicy", &[])?;
    let policy_name = call.param("PolicyName")?;
    let mut world = call.state.engine.world_mut();
    let Some(role) = world.roles.get_mut(&role.arn) else {
        return Err(no_such_role(&role.name));
    };
    let arn = role.arn.clone();
    let before = role.policies.len();
    role.policies
        .retain(|existing| inline_name(existing, &arn).as_deref() != Some(policy_name));
    if role.policies.len() == before {
        return Err(no_such_inline(policy_name, "role"));
    }
    Ok(ok("DeleteRolePolicy", ""))
}

fn list_role_policies(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "ListRolePolicies", &[])?;
    let names: Vec<String> = inline_policies(&role.policies, &role.arn)
        .into_iter()
        .map(|(name, _)| crate::xml::escape(&name))
        .collect();
    Ok(ok("ListRolePolicies", &members("PolicyNames", &names)))
}

/// `<AttachedPolicies>` of a role's or user's policies.
pub(super) fn attached_xml(call: &Call<'_>, policies: &[SourcedPolicy]) -> String {
    let iam = call.state.iam.lock();
    let items: Vec<String> = policies
        .iter()
        .filter_map(|policy| iam.policies.get(&policy.label))
        .map(|policy| {
            format!(
                "{}{}",
                element("PolicyName", &policy.name),
                element("PolicyArn", &policy.arn)
            )
        })
        .collect();
    members("AttachedPolicies", &items)
}

fn attach(call: &Call<'_>, action: &str) -> Result<Reply, Reply> {
    let policy_arn = call.param("PolicyArn")?;
    let context = [(
        "iam:PolicyARN".to_owned(),
        ContextValue::Single(policy_arn.to_owned()),
    )];
    let role = authorized_role(call, action, &context)?;
    super::attachments::change(
        call,
        action,
        action == "AttachRolePolicy",
        &super::attachments::Holder::Role(&role.arn),
        &role.policies,
        policy_arn,
    )
}

fn list_attached(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "ListAttachedRolePolicies", &[])?;
    Ok(ok(
        "ListAttachedRolePolicies",
        &attached_xml(call, &role.policies),
    ))
}

fn boundary(call: &Call<'_>, action: &str) -> Result<Reply, Reply> {
    let mut context = Vec::new();
    let new = if action == "PutRolePermissionsBoundary" {
        let arn = call.param("PermissionsBoundary")?;
        // The boundary being set is the key's value (its current one for a delete).
        context.push((
            "iam:PermissionsBoundary".to_owned(),
            ContextValue::Single(arn.to_owned()),
        ));
        Some(arn)
    } else {
        None
    };
    let name = call.param("RoleName")?;
    let (role_arn, existing) = target(call, name, "/");
    if new.is_none() {
        if let Some(current) = existing.as_ref().and_then(boundary_arn) {
            context.push((
                "iam:PermissionsBoundary".to_owned(),
                ContextValue::Single(current),
            ));
        }
    }
    call.authorize(action, &role_arn, &context)?;
    let role = existing.ok_or_else(|| no_such_role(name))?;
    let document = match new {
        Some(arn) => Some(managed_document(
            arn,
            &managed_text(call, arn)?,
            PolicyKind::Boundary,
        )),
        None => None,
    };
    if let Some(role) = call.state.engine.world_mut().roles.get_mut(&role.arn) {
        role.boundary = document;
    }
    Ok(ok(action, ""))
}

fn tag_role(call: &Call<'_>, action: &str) -> Result<Reply, Reply> {
    let tags = call.tags();
    let keys: Vec<String> = call
        .list("TagKeys")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let context = if action == "TagRole" {
        tag_context(&tags)
    } else {
        vec![("aws:TagKeys".to_owned(), ContextValue::Multi(keys.clone()))]
    };
    let role = authorized_role(call, action, &context)?;
    let mut world = call.state.engine.world_mut();
    if let Some(role) = world.roles.get_mut(&role.arn) {
        if action == "TagRole" {
            if role.tags.len()
                + tags
                    .keys()
                    .filter(|key| !role.tags.contains_key(key))
                    .count()
                > 50
            {
                return Err(error(
                    "LimitExceeded",
                    "Cannot exceed quota for TagsPerRole: 50",
                ));
            }
            role.tags.extend(tags);
        } else {
            for key in &keys {
                role.tags.remove(key);
            }
        }
    }
    Ok(ok(action, ""))
}

fn list_role_tags(call: &Call<'_>) -> Result<Reply, Reply> {
    let role = authorized_role(call, "ListRoleTags", &[])?;
    Ok(ok("ListRoleTags", &super::tags_list(&role.tags)))
}
