//! Managed policies and their versions. The engine evaluates an attached policy's default
//! version, so a new default (CreatePolicyVersion with SetAsDefault, SetDefaultPolicyVersion)
//! is written into every role and user it is attached to at once.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html>

use super::directory::{apply, ManagedPolicy};
use super::{
    element, encoded, error, members, ok, policy_size, sourced, tag_context, tags_xml, unique_id,
    within, Call, CREATED, MANAGED_POLICY_SIZE,
};
use crate::sts::Reply;
use xacct_policy::PolicyKind;

/// IAM keeps at most five versions of a managed policy.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>
const MAX_VERSIONS: usize = 5;

pub(super) fn answer(call: &Call<'_>, action: &str) -> Option<Result<Reply, Reply>> {
    Some(match action {
        "CreatePolicy" => create_policy(call),
        "GetPolicy" => get_policy(call),
        "DeletePolicy" => delete_policy(call),
        "ListPolicies" => list_policies(call),
        "CreatePolicyVersion" => create_version(call),
        "GetPolicyVersion" => get_version(call),
        "ListPolicyVersions" => list_versions(call),
        "SetDefaultPolicyVersion" => set_default(call),
        "DeletePolicyVersion" => delete_version(call),
        "ListPolicyTags" => list_tags(call),
        _ => return None,
    })
}

fn not_found(arn: &str) -> Reply {
    error("NoSuchEntity", &format!("Policy {arn} was not found."))
}

/// How many roles, users and groups have `arn` attached, and how many it bounds.
fn usage(call: &Call<'_>, arn: &str) -> (usize, usize) {
    let world = call.state.engine.world();
    let has =
        |policies: &[xacct_eval::SourcedPolicy]| policies.iter().any(|policy| policy.label == arn);
    let bounds = |boundary: &Option<xacct_eval::SourcedPolicy>| {
        boundary.as_ref().is_some_and(|policy| policy.label == arn)
    };
    let attached = world
        .roles
        .values()
        .filter(|role| has(&role.policies))
        .count()
        + world
            .users
            .values()
            .filter(|user| has(&user.policies))
            .count()
        + world
            .groups
            .values()
            .filter(|group| has(&group.policies))
            .count();
    let bounded = world
        .roles
        .values()
        .filter(|role| bounds(&role.boundary))
        .count()
        + world
            .users
            .values()
            .filter(|user| bounds(&user.boundary))
            .count();
    (attached, bounded)
}

fn policy_xml(call: &Call<'_>, policy: &ManagedPolicy) -> String {
    let (attached, bounded) = usage(call, &policy.arn);
    let description = if policy.description.is_empty() {
        String::new()
    } else {
        element("Description", &policy.description)
    };
    format!(
        "{}{}{}{}{}{}{}{}{description}{}{}",
        element("PolicyName", &policy.name),
        element("PolicyId", &unique_id("ANPA", &policy.arn)),
        element("Arn", &policy.arn),
        element("Path", &policy.path),
        element("DefaultVersionId", &policy.default),
        element("AttachmentCount", &attached.to_string()),
        element("PermissionsBoundaryUsageCount", &bounded.to_string()),
        element("IsAttachable", "true"),
        element("CreateDate", CREATED),
        element("UpdateDate", CREATED),
    ) + &tags_xml(&policy.tags)
}

fn version_xml(version: &super::directory::Version, default: bool, document: bool) -> String {
    let document = if document {
        format!("<Document>{}</Document>", encoded(&version.text))
    } else {
        String::new()
    };
    format!(
        "{document}{}{}{}",
        element("VersionId", &version.id),
        element("IsDefaultVersion", if default { "true" } else { "false" }),
        element("CreateDate", CREATED),
    )
}

/// An AWS managed policy (`arn:aws:iam::aws:policy/...`) belongs to no account: reading one
/// needs only the caller's own permission, so the request is made as on a policy of the
/// caller's account, with the policy's ARN as its resource (what the caller's statements are
/// matched against).
fn authorize_aws_managed(call: &Call<'_>, action: &str, arn: &str) -> Result<(), Reply> {
    let Some(rest) = arn.strip_prefix("arn:aws:iam::aws:") else {
        return call.authorize(action, arn, &[]);
    };
    let stand_in = format!("arn:aws:iam::{}:{rest}", call.account);
    let engine = &call.state.engine;
    let request = engine
        .world()
        .request(&call.session(), &format!("iam:{action}"), &stand_in, &[]);
    let mut request = request.map_err(|failure| error("ValidationError", &failure.to_string()))?;
    request.resource = arn
        .parse()
        .map_err(|_| error("InvalidInput", &format!("ARN {arn} is not valid.")))?;
    let response = xacct_eval::authorize(&request);
    let verdict = engine.verdict(request, response);
    if verdict.allowed {
        Ok(())
    } else {
        Err(error("AccessDenied", &verdict.message))
    }
}

/// The policy `PolicyArn` names, once the caller may `action` it.
fn authorized_policy(call: &Call<'_>, action: &str) -> Result<ManagedPolicy, Reply> {
    let arn = call.param("PolicyArn")?;
    if matches!(
        action,
        "GetPolicy" | "GetPolicyVersion" | "ListPolicyVersions"
    ) {
        authorize_aws_managed(call, action, arn)?;
    } else {
        call.authorize(action, arn, &[])?;
    }
    call.state
        .iam
        .lock()
        .policies
        .get(arn)
        .cloned()
        .ok_or_else(|| not_found(arn))
}

/// A policy document IAM would accept as a managed policy.
fn document(call: &Call<'_>, arn: &str) -> Result<String, Reply> {
    let text = call.param("PolicyDocument")?;
    sourced(text, PolicyKind::Identity, arn.to_owned())?;
    within(
        policy_size(text),
        MANAGED_POLICY_SIZE,
        "Cannot exceed quota for PolicySize: 6144",
    )?;
    Ok(text.to_owned())
}

fn create_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let name = call.name("PolicyName", 128)?;
    let path = call.path()?;
    let arn = format!("arn:aws:iam::{}:policy{path}{name}", call.account);
    let tags = call.tags();
    call.authorize_shown(
        "CreatePolicy",
        &arn,
        &tag_context(&tags),
        &format!("policy {name}"),
    )?;
    let text = document(call, &arn)?;
    let mut iam = call.state.iam.lock();
    let exists = iam
        .policies
        .values()
        .any(|policy| policy.account == call.account && policy.name.eq_ignore_ascii_case(name));
    if exists {
        return Err(error(
            "EntityAlreadyExists",
            &format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let description = call.optional("Description").unwrap_or_default();
    let mut policy = ManagedPolicy::new(&arn, &text, description)
        .ok_or_else(|| error("InvalidInput", &format!("ARN {arn} is not valid.")))?;
    policy.tags = tags;
    iam.policies.insert(arn, policy.clone());
    drop(iam);
    Ok(ok(
        "CreatePolicy",
        &format!("<Policy>{}</Policy>", policy_xml(call, &policy)),
    ))
}

fn get_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "GetPolicy")?;
    Ok(ok(
        "GetPolicy",
        &format!("<Policy>{}</Policy>", policy_xml(call, &policy)),
    ))
}

fn delete_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "DeletePolicy")?;
    // <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html>: detach it
    // from every user, group and role, and delete its other versions, first.
    let (attached, bounded) = usage(call, &policy.arn);
    if attached + bounded > 0 {
        return Err(error(
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
        ));
    }
    if policy.versions.len() > 1 {
        return Err(error(
            "DeleteConflict",
            "This policy has more than one version. Before you delete a policy, you must delete the policy's non-default versions.",
        ));
    }
    call.state.iam.lock().policies.remove(&policy.arn);
    Ok(ok("DeletePolicy", ""))
}

fn list_policies(call: &Call<'_>) -> Result<Reply, Reply> {
    call.authorize("ListPolicies", "*", &[])?;
    let scope = call.optional("Scope").unwrap_or("All");
    let only_attached = call.optional("OnlyAttached") == Some("true");
    let prefix = call.optional("PathPrefix").unwrap_or("/");
    let listed: Vec<ManagedPolicy> = call
        .state
        .iam
        .lock()
        .policies
        .values()
        .filter(|policy| match scope {
            "Local" => policy.account == call.account,
            "AWS" => policy.account == "aws",
            _ => policy.account == call.account || policy.account == "aws",
        })
        .filter(|policy| policy.path.starts_with(prefix))
        .cloned()
        .collect();
    let items: Vec<String> = listed
        .iter()
        .filter(|policy| !only_attached || usage(call, &policy.arn).0 > 0)
        .map(|policy| policy_xml(call, policy))
        .collect();
    Ok(ok("ListPolicies", &members("Policies", &items)))
}

fn create_version(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "CreatePolicyVersion")?;
    let text = document(call, &policy.arn)?;
    let set_default = call.optional("SetAsDefault") == Some("true");
    let mut iam = call.state.iam.lock();
    let Some(policy) = iam.policies.get_mut(&policy.arn) else {
        return Err(not_found(&policy.arn));
    };
    if policy.versions.len() >= MAX_VERSIONS {
        return Err(error(
            "LimitExceeded",
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
        ));
    }
    let id = format!("v{}", policy.next);
    policy.next += 1;
    policy.versions.push(super::directory::Version {
        id: id.clone(),
        text: text.clone(),
    });
    let version = policy.versions.last().cloned();
    if set_default {
        policy.default.clone_from(&id);
        let arn = policy.arn.clone();
        apply(&mut call.state.engine.world_mut(), &arn, Some(&text));
    }
    let xml = version.map_or_else(String::new, |version| {
        version_xml(&version, set_default, false)
    });
    Ok(ok(
        "CreatePolicyVersion",
        &format!("<PolicyVersion>{xml}</PolicyVersion>"),
    ))
}

fn no_such_version(arn: &str, id: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("Policy {arn} version {id} does not exist or is not attachable."),
    )
}

fn get_version(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "GetPolicyVersion")?;
    let id = call.param("VersionId")?;
    let version = policy
        .version(id)
        .ok_or_else(|| no_such_version(&policy.arn, id))?;
    Ok(ok(
        "GetPolicyVersion",
        &format!(
            "<PolicyVersion>{}</PolicyVersion>",
            version_xml(version, policy.default == id, true)
        ),
    ))
}

fn list_versions(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "ListPolicyVersions")?;
    let items: Vec<String> = policy
        .versions
        .iter()
        .rev()
        .map(|version| version_xml(version, policy.default == version.id, false))
        .collect();
    Ok(ok("ListPolicyVersions", &members("Versions", &items)))
}

fn set_default(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "SetDefaultPolicyVersion")?;
    let id = call.param("VersionId")?;
    let mut iam = call.state.iam.lock();
    let Some(policy) = iam.policies.get_mut(&policy.arn) else {
        return Err(not_found(&policy.arn));
    };
    let text = policy
        .version(id)
        .map(|version| version.text.clone())
        .ok_or_else(|| no_such_version(&policy.arn, id))?;
    policy.default = id.to_owned();
    let arn = policy.arn.clone();
    apply(&mut call.state.engine.world_mut(), &arn, Some(&text));
    Ok(ok("SetDefaultPolicyVersion", ""))
}

fn delete_version(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "DeletePolicyVersion")?;
    let id = call.param("VersionId")?;
    if policy.version(id).is_none() {
        return Err(no_such_version(&policy.arn, id));
    }
    if policy.default == id {
        return Err(error(
            "DeleteConflict",
            "Cannot delete the default version of a policy.",
        ));
    }
    if let Some(policy) = call.state.iam.lock().policies.get_mut(&policy.arn) {
        policy.versions.retain(|version| version.id != id);
    }
    Ok(ok("DeletePolicyVersion", ""))
}

fn list_tags(call: &Call<'_>) -> Result<Reply, Reply> {
    let policy = authorized_policy(call, "ListPolicyTags")?;
    Ok(ok("ListPolicyTags", &super::tags_list(&policy.tags)))
}
