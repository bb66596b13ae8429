//! Users and their access keys. A key `CreateAccessKey` makes signs requests at once, as the
//! user; an inactive one is refused as an unknown one (STS and IAM: `InvalidClientTokenId`,
//! S3: `InvalidAccessKeyId`), and a deleted one no longer exists.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html>

use super::directory::{managed_document, AccessKey};
use super::roles::{attached_xml, inline_label, inline_name, inline_policies, managed_text};
use super::{
    element, encoded, error, members, ok, origin, policy_size, sourced, tag_context, tags_xml,
    unique_id, within, Call, CREATED, USER_INLINE_SIZE,
};
use crate::identity::Identity;
use crate::sts::Reply;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::PolicyKind;
use xacct_world::{Principal, Session, User};

/// IAM allows two access keys per user.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>
const MAX_KEYS: usize = 2;

pub(super) fn answer(call: &Call<'_>, action: &str) -> Option<Result<Reply, Reply>> {
    Some(match action {
        "CreateUser" => create_user(call),
        "GetUser" => get_user(call),
        "DeleteUser" => delete_user(call),
        "ListUsers" => list_users(call),
        "PutUserPolicy" => put_user_policy(call),
        "GetUserPolicy" => get_user_policy(call),
        "DeleteUserPolicy" => delete_user_policy(call),
        "ListUserPolicies" => list_user_policies(call),
        "AttachUserPolicy" | "DetachUserPolicy" => attach(call, action),
        "ListAttachedUserPolicies" => list_attached(call),
        "CreateAccessKey" => create_key(call),
        "ListAccessKeys" => list_keys(call),
        "UpdateAccessKey" => update_key(call),
        "DeleteAccessKey" => delete_key(call),
        "ListUserTags" => list_tags(call),
        _ => return None,
    })
}

fn no_such_user(name: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("The user with name {name} cannot be found."),
    )
}

/// The user `UserName` names, or the caller when it is a user and names none (as
/// GetUser, CreateAccessKey and ListAccessKeys default to the caller).
fn user_name(call: &Call<'_>) -> Result<String, Reply> {
    if let Some(name) = call.optional("UserName") {
        return Ok(name.to_owned());
    }
    let identity = &call.caller.identity;
    if identity.kind == "user" {
        return Ok(identity
            .arn
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned());
    }
    Err(error(
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
    ))
}

fn find(call: &Call<'_>, name: &str) -> Option<User> {
    call.state
        .engine
        .world()
        .users
        .values()
        // IAM names are unique in an account whatever their case, and found so.
        .find(|user| user.account.as_str() == call.account && user.name.eq_ignore_ascii_case(name))
        .cloned()
}

/// The user named by the call, after the caller is authorized `action` on it.
fn authorized_user(
    call: &Call<'_>,
    action: &str,
    context: &[(String, ContextValue)],
) -> Result<User, Reply> {
    let name = user_name(call)?;
    let existing = find(call, &name);
    let arn = existing.as_ref().map_or_else(
        || format!("arn:aws:iam::{}:user/{name}", call.account),
        |user| user.arn.clone(),
    );
    call.authorize(action, &arn, context)?;
    existing.ok_or_else(|| no_such_user(&name))
}

fn user_xml(user: &User) -> String {
    let path = user
        .arn
        .split_once(":user")
        .map_or("/", |(_, rest)| {
            rest.strip_suffix(user.name.as_str()).unwrap_or("/")
        })
        .to_owned();
    format!(
        "{}{}{}{}{}{}",
        element("Path", &path),
        element("UserName", &user.name),
        element("UserId", &unique_id("AIDA", &user.arn)),
        element("Arn", &user.arn),
        element("CreateDate", CREATED),
        tags_xml(&user.tags),
    )
}

fn create_user(call: &Call<'_>) -> Result<Reply, Reply> {
    let name = call.name("UserName", 64)?;
    let path = call.path()?;
    let arn = format!("arn:aws:iam::{}:user{path}{name}", call.account);
    let tags = call.tags();
    let boundary_param = call.optional("PermissionsBoundary");
    let mut context = tag_context(&tags);
    if let Some(boundary) = boundary_param {
        context.push((
            "iam:PermissionsBoundary".to_owned(),
            ContextValue::Single(boundary.to_owned()),
        ));
    }
    call.authorize("CreateUser", &arn, &context)?;
    if find(call, name).is_some() {
        return Err(error(
            "EntityAlreadyExists",
            &format!("User with name {name} already exists."),
        ));
    }
    let boundary = match boundary_param {
        Some(boundary) => Some(managed_document(
            boundary,
            &managed_text(call, boundary)?,
            PolicyKind::Boundary,
        )),
        None => None,
    };
    let user = User {
        arn: arn.clone(),
        account: call.account_id()?,
        name: name.to_owned(),
        policies: Vec::new(),
        groups: Vec::new(),
        boundary,
        tags: tags.into(),
        origin: origin(format!("user {arn}, created through the endpoint")),
    };
    let xml = user_xml(&user);
    call.state.engine.world_mut().users.insert(arn, user);
    Ok(ok("CreateUser", &format!("<User>{xml}</User>")))
}

fn get_user(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "GetUser", &[])?;
    Ok(ok("GetUser", &format!("<User>{}</User>", user_xml(&user))))
}

fn delete_user(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "DeleteUser", &[])?;
    // <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html>: a user's
    // keys, inline policies and attachments must go first.
    let iam = call.state.iam.lock();
    if iam.keys.get(&user.arn).is_some_and(|keys| !keys.is_empty()) {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must delete access keys first.",
        ));
    }
    if !inline_policies(&user.policies, &user.arn).is_empty() {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if user
        .policies
        .iter()
        .any(|policy| iam.policies.contains_key(&policy.label))
    {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    call.state.engine.world_mut().users.remove(&user.arn);
    drop(iam);
    super::deleted::forget(
        call.state,
        &super::deleted::Deleted {
            account: user.account,
            name: &user.name,
            arn: &user.arn,
            is_role: false,
        },
    );
    Ok(ok("DeleteUser", ""))
}

fn list_users(call: &Call<'_>) -> Result<Reply, Reply> {
    call.authorize("ListUsers", "*", &[])?;
    let items: Vec<String> = call
        .state
        .engine
        .world()
        .users
        .values()
        .filter(|user| user.account.as_str() == call.account)
        .map(user_xml)
        .collect();
    Ok(ok("ListUsers", &members("Users", &items)))
}

fn put_user_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "PutUserPolicy", &[])?;
    let policy_name = call.name("PolicyName", 128)?;
    let text = call.param("PolicyDocument")?;
    let policy = sourced(
        text,
        PolicyKind::Inline,
        inline_label(policy_name, &user.arn),
    )?;
    let others: usize = inline_policies(&user.policies, &user.arn)
        .iter()
        .filter(|(name, _)| name != policy_name)
        .map(|(_, text)| policy_size(text))
        .sum();
    within(
        others + policy_size(text),
        USER_INLINE_SIZE,
        &format!(
            "Maximum policy size of {USER_INLINE_SIZE} bytes exceeded for user {}",
            user.name
        ),
    )?;
    if let Some(user) = call.state.engine.world_mut().users.get_mut(&user.arn) {
        let arn = user.arn.clone();
        user.policies
            .retain(|existing| inline_name(existing, &arn).as_deref() != Some(policy_name));
        user.policies.insert(0, policy);
    }
    Ok(ok("PutUserPolicy", ""))
}

fn get_user_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "GetUserPolicy", &[])?;
    let policy_name = call.param("PolicyName")?;
    let (_, text) = inline_policies(&user.policies, &user.arn)
        .into_iter()
        .find(|(name, _)| name == policy_name)
        .ok_or_else(|| no_such_inline(policy_name))?;
    Ok(ok(
        "GetUserPolicy",
        &format!(
            "{}{}<PolicyDocument>{}</PolicyDocument>",
            element("UserName", &user.name),
            element("PolicyName", policy_name),
            encoded(&text)
        ),
    ))
}

fn no_such_inline(name: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("The user policy with name {name} cannot be found."),
    )
}

fn delete_user_policy(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "DeleteUserPolicy", &[])?;
    let policy_name = call.param("PolicyName")?;
    let mut world = call.state.engine.world_mut();
    let Some(user) = world.users.get_mut(&user.arn) else {
        return Err(no_such_user(&user.name));
    };
    let arn = user.arn.clone();
    let before = user.policies.len();
    user.policies
        .retain(|existing| inline_name(existing, &arn).as_deref() != Some(policy_name));
    if user.policies.len() == before {
        return Err(no_such_inline(policy_name));
    }
    Ok(ok("DeleteUserPolicy", ""))
}

fn list_user_policies(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "ListUserPolicies", &[])?;
    let names: Vec<String> = inline_policies(&user.policies, &user.arn)
        .into_iter()
        .map(|(name, _)| crate::xml::escape(&name))
        .collect();
    Ok(ok("ListUserPolicies", &members("PolicyNames", &names)))
}

fn attach(call: &Call<'_>, action: &str) -> Result<Reply, Reply> {
    let policy_arn = call.param("PolicyArn")?;
    let context = [(
        "iam:PolicyARN".to_owned(),
        ContextValue::Single(policy_arn.to_owned()),
    )];
    let user = authorized_user(call, action, &context)?;
    super::attachments::change(
        call,
        action,
        action == "AttachUserPolicy",
        &super::attachments::Holder::User(&user.arn),
        &user.policies,
        policy_arn,
    )
}

fn list_attached(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "ListAttachedUserPolicies", &[])?;
    let policies: Vec<SourcedPolicy> = user.policies.clone();
    Ok(ok(
        "ListAttachedUserPolicies",
        &attached_xml(call, &policies),
    ))
}

fn key_xml(user: &str, key: &AccessKey) -> String {
    format!(
        "{}{}{}{}",
        element("UserName", user),
        element("AccessKeyId", &key.id),
        element("Status", if key.active { "Active" } else { "Inactive" }),
        element("CreateDate", CREATED),
    )
}

fn create_key(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "CreateAccessKey", &[])?;
    let mut iam = call.state.iam.lock();
    let keys = iam.keys.entry(user.arn.clone()).or_default();
    if keys.len() >= MAX_KEYS {
        return Err(error(
            "LimitExceeded",
            "Cannot exceed quota for AccessKeysPerUser: 2",
        ));
    }
    let identity = Identity::of(&Session::of(Principal::User(user.arn.clone())), None);
    let credential = call.state.keys.issue_volatile(identity);
    let key = AccessKey {
        id: credential.access_key_id.clone(),
        active: true,
    };
    keys.push(key.clone());
    Ok(ok(
        "CreateAccessKey",
        &format!(
            "<AccessKey>{}{}</AccessKey>",
            key_xml(&user.name, &key),
            element("SecretAccessKey", &credential.secret_access_key)
        ),
    ))
}

fn list_keys(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "ListAccessKeys", &[])?;
    let items: Vec<String> = call
        .state
        .iam
        .lock()
        .keys
        .get(&user.arn)
        .map(|keys| keys.iter().map(|key| key_xml(&user.name, key)).collect())
        .unwrap_or_default();
    Ok(ok("ListAccessKeys", &members("AccessKeyMetadata", &items)))
}

fn no_such_key(id: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("The Access Key with id {id} cannot be found."),
    )
}

fn update_key(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "UpdateAccessKey", &[])?;
    let id = call.param("AccessKeyId")?;
    let active = match call.param("Status")? {
        "Active" => true,
        "Inactive" => false,
        other => {
            return Err(error(
                "ValidationError",
                &format!("1 validation error detected: Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"),
            ))
        }
    };
    let mut iam = call.state.iam.lock();
    let key = iam
        .keys
        .get_mut(&user.arn)
        .and_then(|keys| keys.iter_mut().find(|key| key.id == id))
        .ok_or_else(|| no_such_key(id))?;
    key.active = active;
    call.state.keys.set_active(id, active);
    Ok(ok("UpdateAccessKey", ""))
}

fn delete_key(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "DeleteAccessKey", &[])?;
    let id = call.param("AccessKeyId")?;
    let mut iam = call.state.iam.lock();
    let keys = iam.keys.entry(user.arn.clone()).or_default();
    let before = keys.len();
    keys.retain(|key| key.id != id);
    if keys.len() == before {
        return Err(no_such_key(id));
    }
    call.state.keys.forget(id);
    Ok(ok("DeleteAccessKey", ""))
}

fn list_tags(call: &Call<'_>) -> Result<Reply, Reply> {
    let user = authorized_user(call, "ListUserTags", &[])?;
    Ok(ok("ListUserTags", &super::tags_list(&user.tags)))
}
