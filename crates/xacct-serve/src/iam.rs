//! The IAM subset the runbooks of `xacct plan --format cli` call (GetRole, CreateRole,
//! UpdateAssumeRolePolicy, PutRolePolicy, DeleteRolePolicy), on the query protocol. Each call
//! is authorized by the engine as its IAM action on the role's ARN, and each change reaches the
//! engine's world at once, so the next AssumeRole or S3 request is decided on it. Every account
//! of the scenario gets an administrator, `xacct-admin` (profile `account-ID`), for the
//! runbook to act as. Changes live in memory: a restart starts again from the scenario.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>

use crate::identity::Credential;
use crate::sts::Reply;
use crate::xml::element;
use crate::State;
use hyper::StatusCode;
use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, AccountId, PolicyKind, Severity, SourceFile};
use xacct_world::model::Origin;
use xacct_world::{Role, User};

const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The IAM actions served.
pub const ACTIONS: [&str; 5] = [
    "GetRole",
    "CreateRole",
    "UpdateAssumeRolePolicy",
    "PutRolePolicy",
    "DeleteRolePolicy",
];

/// The administrator of `account`, as the runbook's `account-ID` profile acts.
pub fn admin_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:user/xacct-admin")
}

pub(crate) fn origin(what: String) -> Origin {
    Origin {
        file: "xacct serve".to_owned(),
        span: xacct_policy::Span::default(),
        location: what,
    }
}

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

/// Adds each account's administrator (a user allowed everything; SCPs still apply).
pub fn add_admins(state: &State) {
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
                tags: BTreeMap::new(),
                origin: origin(format!(
                    "the administrator of account {account}, added by xacct serve"
                )),
            },
        );
    }
}

fn ok(action: &str, result: &str) -> Reply {
    let mut reply = Reply::ok(action, result);
    reply.body = reply
        .body
        .replacen("https://sts.amazonaws.com/doc/2011-06-15/", NAMESPACE, 1);
    reply
}

fn required<'p>(params: &'p BTreeMap<String, String>, name: &str) -> Result<&'p str, Reply> {
    params.get(name).map(String::as_str).ok_or_else(|| {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            &format!("1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

fn no_such_role(name: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "NoSuchEntity",
        &format!("The role with name {name} cannot be found."),
    )
}

/// The role's XML as GetRole and CreateRole return it (the trust policy URL-encoded).
fn role_xml(role: &Role) -> String {
    let trust = role
        .trust
        .source
        .as_ref()
        .map(|source| source.text.to_string())
        .unwrap_or_default();
    let encoded: String = form_urlencoded::byte_serialize(trust.as_bytes()).collect();
    format!(
        "<Role>{}{}{}{}{}<AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>{}</Role>",
        element("Path", &role.path),
        element("RoleName", &role.name),
        element("RoleId", &format!("AROA{}", role_id(&role.arn))),
        element("Arn", &role.arn),
        element("CreateDate", "2026-01-01T00:00:00Z"),
        encoded,
        element("MaxSessionDuration", &role.max_session_duration.to_string()),
    )
}

fn role_id(arn: &str) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(arn.as_bytes()))
        .to_ascii_uppercase()
        .chars()
        .take(17)
        .collect()
}

/// Answers one IAM action for `caller`.
pub fn answer(state: &State, caller: &Credential, params: &BTreeMap<String, String>) -> Reply {
    call(state, caller, params).unwrap_or_else(|reply| reply)
}

fn call(
    state: &State,
    caller: &Credential,
    params: &BTreeMap<String, String>,
) -> Result<Reply, Reply> {
    let action = params.get("Action").map(String::as_str).unwrap_or_default();
    let account = caller.identity.account();
    let name = required(params, "RoleName")?;
    let path = params.get("Path").map_or("/", String::as_str);
    let arn = format!("arn:aws:iam::{account}:role{path}{name}");
    let existing = {
        let world = state.engine.world();
        world
            .roles
            .values()
            .find(|role| role.account.as_str() == account && role.name == name)
            .cloned()
    };
    let target = existing
        .as_ref()
        .map_or(arn.clone(), |role| role.arn.clone());
    let session = caller.identity.session();
    let verdict = state
        .engine
        .decide(&session, &format!("iam:{action}"), &target, &[])
        .map_err(|error| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                "ValidationError",
                &error.to_string(),
            )
        })?;
    if !verdict.allowed {
        return Err(Reply::error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            &verdict.message,
        ));
    }
    match action {
        "GetRole" => {
            let role = existing.ok_or_else(|| no_such_role(name))?;
            Ok(ok("GetRole", &role_xml(&role)))
        }
        "CreateRole" => {
            if existing.is_some() {
                return Err(Reply::error(
                    StatusCode::CONFLICT,
                    "EntityAlreadyExists",
                    &format!("Role with name {name} already exists."),
                ));
            }
            for unsupported in ["PermissionsBoundary", "Tags.member.1.Key"] {
                if params.contains_key(unsupported) {
                    return Err(Reply::error(
                        StatusCode::BAD_REQUEST,
                        "NotImplemented",
                        &format!(
                            "xacct serve does not carry out CreateRole's {} yet",
                            unsupported.split('.').next().unwrap_or(unsupported)
                        ),
                    ));
                }
            }
            let trust_text = required(params, "AssumeRolePolicyDocument")?;
            let trust = sourced(
                trust_text,
                PolicyKind::Trust,
                format!("trust policy of {arn}"),
            )?;
            let max_session_duration = params
                .get("MaxSessionDuration")
                .and_then(|text| text.parse().ok())
                .unwrap_or(3600);
            let role = Role {
                arn: arn.clone(),
                account: account.parse().map_err(|_| {
                    Reply::error(
                        StatusCode::BAD_REQUEST,
                        "ValidationError",
                        "the caller has no account",
                    )
                })?,
                name: name.to_owned(),
                path: path.to_owned(),
                trust,
                policies: Vec::new(),
                boundary: None,
                tags: BTreeMap::new(),
                max_session_duration,
                service_linked: false,
                origin: origin(format!("role {arn}, created through the endpoint")),
            };
            let xml = role_xml(&role);
            state.engine.world_mut().roles.insert(arn, role);
            Ok(ok("CreateRole", &xml))
        }
        "UpdateAssumeRolePolicy" => {
            let role = existing.ok_or_else(|| no_such_role(name))?;
            let text = required(params, "PolicyDocument")?;
            let trust = sourced(
                text,
                PolicyKind::Trust,
                format!("trust policy of {}", role.arn),
            )?;
            if let Some(role) = state.engine.world_mut().roles.get_mut(&role.arn) {
                role.trust = trust;
            }
            Ok(ok("UpdateAssumeRolePolicy", ""))
        }
        "PutRolePolicy" | "DeleteRolePolicy" => {
            let role = existing.ok_or_else(|| no_such_role(name))?;
            let policy_name = required(params, "PolicyName")?;
            let label = format!("inline policy {policy_name} of {}", role.arn);
            let policy = if action == "PutRolePolicy" {
                let text = required(params, "PolicyDocument")?;
                Some(sourced(text, PolicyKind::Inline, label.clone())?)
            } else {
                None
            };
            let mut world = state.engine.world_mut();
            let Some(role) = world.roles.get_mut(&role.arn) else {
                return Err(no_such_role(name));
            };
            let had = role.policies.iter().any(|existing| existing.label == label);
            if policy.is_none() && !had {
                return Err(Reply::error(
                    StatusCode::NOT_FOUND,
                    "NoSuchEntity",
                    &format!("The role policy with name {policy_name} cannot be found."),
                ));
            }
            role.policies.retain(|existing| existing.label != label);
            role.policies.extend(policy);
            Ok(ok(action, ""))
        }
        _ => Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!("xacct serve does not serve IAM's {action} yet"),
        )),
    }
}
