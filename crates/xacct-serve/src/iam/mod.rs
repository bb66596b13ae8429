//! IAM on the query protocol, enough for the runbooks of `xacct plan --format cli` and the
//! reads Terraform makes: roles (trust, inline and managed policies, boundaries, tags), managed
//! policies and their versions, users and their access keys, instance profiles. Each call is
//! authorized by the engine as its IAM action on the ARN AWS evaluates (the role's, the
//! policy's, the user's, the instance profile's; `*` for the account-wide lists, as the
//! Service Authorization Reference lists them), and each change reaches the engine's world at
//! once, so the next AssumeRole or S3 request is decided on it. Every account of the scenario
//! gets an administrator, `xacct-admin` (profile `account-ID`), for the runbook to act as.
//! Changes live in memory: a restart starts again from the scenario.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html>

mod attachments;
mod deleted;
pub mod directory;
mod instance_profiles;
pub mod pass_role;
mod policies;
mod roles;
mod users;

#[cfg(test)]
mod tests;

pub use directory::Directory;
pub use pass_role::{authorize_pass_role, authorize_pass_role_for};

use crate::identity::Credential;
use crate::sts::Reply;
use crate::xml::element;
use crate::State;
use hyper::StatusCode;
use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{parse_policy, AccountId, PolicyKind, Severity, SourceFile};
use xacct_world::model::Origin;
use xacct_world::{Session, User};

const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The IAM actions served.
pub const ACTIONS: &[&str] = &[
    "GetRole",
    "CreateRole",
    "DeleteRole",
    "ListRoles",
    "UpdateAssumeRolePolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "CreatePolicy",
    "GetPolicy",
    "DeletePolicy",
    "ListPolicies",
    "CreatePolicyVersion",
    "GetPolicyVersion",
    "ListPolicyVersions",
    "SetDefaultPolicyVersion",
    "DeletePolicyVersion",
    "CreateUser",
    "GetUser",
    "DeleteUser",
    "ListUsers",
    "PutUserPolicy",
    "GetUserPolicy",
    "DeleteUserPolicy",
    "ListUserPolicies",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "ListAttachedUserPolicies",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "CreateInstanceProfile",
    "GetInstanceProfile",
    "DeleteInstanceProfile",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "ListInstanceProfiles",
    "ListInstanceProfilesForRole",
    "ListPolicyTags",
    "ListUserTags",
    "ListInstanceProfileTags",
];

/// The administrator of `account`, as the runbook's `account-ID` profile acts.
pub fn admin_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:user/xacct-admin")
}

pub(crate) fn origin(what: String) -> Origin {
    Origin::described("xacct serve", what)
}

/// A document as IAM reads it; one IAM would refuse is `MalformedPolicyDocument`.
fn sourced(text: &str, kind: PolicyKind, label: String) -> Result<SourcedPolicy, Reply> {
    let parsed = parse_policy(text, kind);
    if let Some(finding) = parsed
        .findings
        .iter()
        .find(|finding| finding.severity == Severity::Error)
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "MalformedPolicyDocument",
            &finding.message,
        ));
    }
    let source = SourceFile::new(label.clone(), text.to_owned());
    Ok(SourcedPolicy::new(Arc::new(parsed.policy), label).with_source(source))
}

/// Adds each account's administrator (a user allowed everything; SCPs still apply), and
/// reads the scenario's managed policies and instance profiles into the directory.
pub fn add_admins(state: &State) {
    {
        let mut world = state.engine.world_mut();
        let accounts: Vec<AccountId> = world.accounts.keys().copied().collect();
        for account in accounts {
            let arn = admin_arn(account.as_str());
            if world.users.contains_key(&arn) {
                continue;
            }
            let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
            let Ok(policy) = sourced(
                text,
                PolicyKind::Identity,
                format!("AdministratorAccess of {arn}"),
            ) else {
                continue;
            };
            world.users.insert(
                arn.clone(),
                User {
                    arn,
                    account,
                    name: "xacct-admin".to_owned(),
                    policies: vec![policy],
                    groups: Vec::new(),
                    boundary: None,
                    tags: xacct_world::Tags::new(),
                    origin: origin(format!(
                        "the administrator of account {account}, added by xacct serve"
                    )),
                },
            );
        }
    }
    state.iam.seed(&state.engine);
}

fn ok(action: &str, result: &str) -> Reply {
    let mut reply = Reply::ok(action, result);
    reply.body = reply
        .body
        .replacen("https://sts.amazonaws.com/doc/2011-06-15/", NAMESPACE, 1);
    reply
}

/// An error with IAM's status for its code.
fn error(code: &str, message: &str) -> Reply {
    let status = match code {
        "NoSuchEntity" => StatusCode::NOT_FOUND,
        "EntityAlreadyExists" | "DeleteConflict" | "LimitExceeded" => StatusCode::CONFLICT,
        "AccessDenied" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    Reply::error(status, code, message)
}

fn validation(message: &str) -> Reply {
    error("ValidationError", message)
}

/// The listing members of a list answer, untruncated.
fn members(name: &str, items: &[String]) -> String {
    format!(
        "<{name}>{}</{name}><IsTruncated>false</IsTruncated>",
        items
            .iter()
            .map(|item| format!("<member>{item}</member>"))
            .collect::<String>()
    )
}

/// A document URL-encoded as IAM returns policy documents: RFC 3986 percent-encoding, a space
/// as `%20`. botocore decodes it with `urllib.parse.unquote`, which leaves a `+` as is, so a
/// form-encoded space would reach the client as `+` and its JSON would not parse.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html>
fn encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The text a policy was read from.
fn text_of(policy: &SourcedPolicy) -> String {
    policy
        .source
        .as_ref()
        .map(|source| source.text().to_string())
        .unwrap_or_default()
}

/// A stable unique id (`AROA...`, `AIDA...`, `ANPA...`, `AIPA...`) for an entity's ARN.
fn unique_id(prefix: &str, arn: &str) -> String {
    use md5::Digest as _;
    let digits: String = hex::encode(md5::Md5::digest(arn.as_bytes()))
        .to_ascii_uppercase()
        .chars()
        .take(17)
        .collect();
    format!("{prefix}{digits}")
}

/// IAM's size quotas count the characters of a document that are not white space
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>): a
/// document over one is refused with `LimitExceeded`, as AWS refuses it, so a runbook that
/// passes here does not fail there.
fn policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// `LimitExceeded` with `message` when `size` is over `max`.
fn within(size: usize, max: usize, message: &str) -> Result<(), Reply> {
    if size > max {
        Err(error("LimitExceeded", message))
    } else {
        Ok(())
    }
}

/// The quotas AWS applies by default (each can be raised in AWS; the defaults are what a new
/// account gets).
const MANAGED_POLICY_SIZE: usize = 6144;
const ROLE_INLINE_SIZE: usize = 10240;
const USER_INLINE_SIZE: usize = 2048;
const TRUST_POLICY_SIZE: usize = 2048;
const ATTACHED_PER_ENTITY: usize = 10;

const CREATED: &str = "2026-01-01T00:00:00Z";

/// One request: who calls, with what.
struct Call<'a> {
    state: &'a State,
    caller: &'a Credential,
    params: &'a BTreeMap<String, String>,
    /// The caller's account, where names are looked up.
    account: String,
}

impl<'a> Call<'a> {
    fn param(&self, name: &str) -> Result<&'a str, Reply> {
        self.params.get(name).map(String::as_str).ok_or_else(|| {
            validation(&format!("1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"))
        })
    }

    fn optional(&self, name: &str) -> Option<&'a str> {
        self.params.get(name).map(String::as_str)
    }

    /// `Path`, `/` when absent; a path IAM refuses is `ValidationError`.
    fn path(&self) -> Result<&'a str, Reply> {
        let path = self.optional("Path").unwrap_or("/");
        if path.starts_with('/') && path.ends_with('/') && path.len() <= 512 {
            Ok(path)
        } else {
            Err(validation(&format!("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters. ({path})")))
        }
    }

    /// A name IAM accepts (`[\w+=,.@-]+`, up to `max` characters).
    fn name(&self, param: &str, max: usize) -> Result<&'a str, Reply> {
        let name = self.param(param)?;
        let valid = (1..=max).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if valid {
            Ok(name)
        } else {
            Err(validation(&format!("1 validation error detected: Value '{name}' at '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", lower_first(param))))
        }
    }

    fn session(&self) -> Session {
        self.caller.identity.session()
    }

    fn account_id(&self) -> Result<AccountId, Reply> {
        self.account
            .parse()
            .map_err(|_| validation("the caller has no account"))
    }

    /// The engine's decision of `iam:ACTION` on `resource`; a refusal is AWS's AccessDenied.
    fn authorize(
        &self,
        action: &str,
        resource: &str,
        context: &[(String, ContextValue)],
    ) -> Result<(), Reply> {
        self.authorize_shown(action, resource, context, resource)
    }

    /// [`Call::authorize`], naming the resource in AWS's sentence as `shown`: IAM names a
    /// policy being created `policy NAME`, not by its ARN ("is not authorized to perform:
    /// iam:CreatePolicy on resource: policy NAME", as reported in
    /// <https://github.com/galaxyproject/cloudlaunch/issues/205> and
    /// <https://github.com/kubernetes-retired/kube-aws/issues/1506>).
    fn authorize_shown(
        &self,
        action: &str,
        resource: &str,
        context: &[(String, ContextValue)],
        shown: &str,
    ) -> Result<(), Reply> {
        let verdict = self
            .state
            .engine
            .decide(&self.session(), &format!("iam:{action}"), resource, context)
            .map_err(|error| validation(&error.to_string()))?;
        if verdict.allowed {
            Ok(())
        } else {
            let message = verdict.message.replacen(
                &format!("on resource: {resource} "),
                &format!("on resource: {shown} "),
                1,
            );
            Err(error("AccessDenied", &message))
        }
    }

    /// The caller's `Tags.member.N.Key`/`Value` pairs.
    fn tags(&self) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        for index in 1.. {
            let Some(key) = self.optional(&format!("Tags.member.{index}.Key")) else {
                break;
            };
            let value = self
                .optional(&format!("Tags.member.{index}.Value"))
                .unwrap_or_default();
            tags.insert(key.to_owned(), value.to_owned());
        }
        tags
    }

    /// The `NAME.member.N` values of a list parameter.
    fn list(&self, name: &str) -> Vec<&'a str> {
        (1..)
            .map_while(|index| self.optional(&format!("{name}.member.{index}")))
            .collect()
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// `aws:RequestTag/KEY` and `aws:TagKeys` for a call that tags what it creates.
fn tag_context(tags: &BTreeMap<String, String>) -> Vec<(String, ContextValue)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut context: Vec<(String, ContextValue)> = tags
        .iter()
        .map(|(key, value)| {
            (
                format!("aws:RequestTag/{key}"),
                ContextValue::Single(value.clone()),
            )
        })
        .collect();
    context.push((
        "aws:TagKeys".to_owned(),
        ContextValue::Multi(tags.keys().cloned().collect()),
    ));
    context
}

/// `<Tags>` of an entity.
fn tags_xml<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let items: Vec<String> = tags
        .into_iter()
        .map(|(key, value)| format!("{}{}", element("Key", key), element("Value", value)))
        .collect();
    if items.is_empty() {
        return String::new();
    }
    format!(
        "<Tags>{}</Tags>",
        items
            .iter()
            .map(|item| format!("<member>{item}</member>"))
            .collect::<String>()
    )
}

/// The `<Tags>` list of a `List*Tags` answer.
fn tags_list<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let items: Vec<String> = tags
        .into_iter()
        .map(|(key, value)| format!("{}{}", element("Key", key), element("Value", value)))
        .collect();
    members("Tags", &items)
}

/// Answers one IAM action for `caller`.
pub fn answer(state: &State, caller: &Credential, params: &BTreeMap<String, String>) -> Reply {
    let call = Call {
        state,
        caller,
        params,
        account: caller.identity.account(),
    };
    let action = params.get("Action").map(String::as_str).unwrap_or_default();
    let result = roles::answer(&call, action)
        .or_else(|| policies::answer(&call, action))
        .or_else(|| users::answer(&call, action))
        .or_else(|| instance_profiles::answer(&call, action))
        .unwrap_or_else(|| {
            Err(error(
                "InvalidAction",
                &format!("xacct serve does not serve IAM's {action} yet"),
            ))
        });
    result.unwrap_or_else(|reply| reply)
}
