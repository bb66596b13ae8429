//! IAM: roles, users, groups, their inline and managed policies, and instance profiles.
//! Attribute names from the AWS provider's documentation (registry.terraform.io,
//! `aws_iam_role`, `aws_iam_role_policy`, `aws_iam_policy`, `aws_iam_role_policy_attachment`,
//! `aws_iam_instance_profile`, `aws_iam_user*`, `aws_iam_group*`).

use super::emit::{Out, Principal};
use super::plan::Resource;
use super::resolve::{partition, Resolver};
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads `resource` when it is an IAM type; false for any other type.
pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_iam_policy" => policy(out, resolver, resource),
        "aws_iam_role" => principal(out, resolver, resource, Kind::Role),
        "aws_iam_user" => principal(out, resolver, resource, Kind::User),
        "aws_iam_group" => principal(out, resolver, resource, Kind::Group),
        "aws_iam_role_policy" => inline(out, resolver, resource, Kind::Role),
        "aws_iam_user_policy" => inline(out, resolver, resource, Kind::User),
        "aws_iam_group_policy" => inline(out, resolver, resource, Kind::Group),
        "aws_iam_role_policy_attachment" => attachment(out, resolver, resource, Kind::Role),
        "aws_iam_user_policy_attachment" => attachment(out, resolver, resource, Kind::User),
        "aws_iam_group_policy_attachment" => attachment(out, resolver, resource, Kind::Group),
        "aws_iam_instance_profile" => profile(out, resolver, resource),
        "aws_iam_user_group_membership" => {
            if let Some(user) = resolver.text(resource, "user") {
                for group in resource.strings("groups") {
                    add_to_group(out, resource, &user, &group);
                }
            }
        }
        "aws_iam_group_membership" => {
            if let Some(group) = resolver.text(resource, "group") {
                for user in resource.strings("users") {
                    add_to_group(out, resource, &user, &group);
                }
            }
        }
        _ => return false,
    }
    true
}

#[derive(Clone, Copy)]
enum Kind {
    Role,
    User,
    Group,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::User => "user",
            Self::Group => "group",
        }
    }

    fn map(self, out: &mut Out) -> &mut BTreeMap<String, Principal> {
        match self {
            Self::Role => &mut out.roles,
            Self::User => &mut out.users,
            Self::Group => &mut out.groups,
        }
    }
}

/// The account of a resource the caller checked has one.
fn account(resource: &Resource) -> &str {
    resource.account.as_deref().unwrap_or_default()
}

/// A policy document at `attribute`, or a warning that it is known only after apply.
pub(super) fn document(
    out: &mut Out,
    resolver: &Resolver<'_>,
    resource: &Resource,
    attribute: &str,
) -> Option<super::emit::Doc> {
    if let Some(text) = resolver.text(resource, attribute) {
        return Some(out.doc(&resource.address, attribute, text));
    }
    let why = if resource.is_unknown(attribute) {
        "is known only after apply (it uses values computed then)"
    } else {
        "is not set"
    };
    out.warn(
        &resource.address,
        format!(
            "`{}` of {} {why}: the document is left out, and what it grants or denies is not decided",
            attribute, resource.address
        ),
    );
    None
}

fn policy(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(arn) = resolver.attribute(resource, "arn") else {
        out.warn(&resource.address, format!("the ARN of {} is not known before apply (a `name_prefix`?): the policy is left out", resource.address));
        return;
    };
    if let Some(doc) = document(out, resolver, resource, "policy") {
        out.managed.insert(arn, (resource.address.clone(), doc));
    }
}

fn principal(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource, kind: Kind) {
    let Some(arn) = resolver.attribute(resource, "arn") else {
        out.warn(
            &resource.address,
            format!(
                "the ARN of {} is not known before apply (a `name_prefix`?): the {} is left out",
                resource.address,
                kind.noun()
            ),
        );
        return;
    };
    let mut entry = Principal {
        address: resource.address.clone(),
        ..Principal::default()
    };
    if let Kind::Role = kind {
        entry.trust = document(out, resolver, resource, "assume_role_policy");
        if entry.trust.is_none() {
            out.warn(&resource.address, format!("role {} is left out: xacct cannot decide who may assume it without its trust policy", resource.address));
            return;
        }
        entry.max_session_duration = resource
            .values
            .get("max_session_duration")
            .and_then(Value::as_u64);
        // The deprecated inline_policy blocks and managed_policy_arns argument.
        for block in resource
            .values
            .get("inline_policy")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = block
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match block
                .get("policy")
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
            {
                Some(text) => {
                    let doc = out.doc(
                        &resource.address,
                        &format!("inline_policy {name:?}"),
                        text.to_owned(),
                    );
                    entry.policies.push(doc);
                }
                None if !name.is_empty() => out.warn(
                    &resource.address,
                    format!(
                        "inline_policy `{name}` of {} is known only after apply: it is left out",
                        resource.address
                    ),
                ),
                None => {}
            }
        }
        entry.managed = resource.strings("managed_policy_arns");
    }
    if let Some(boundary) = resolver.text(resource, "permissions_boundary") {
        if !out.managed.contains_key(&boundary) {
            out.warn(
                &resource.address,
                format!(
                    "the permissions boundary `{boundary}` of {} is not a policy of the plan: xacct does not know its document, and reads the {} without it (it may allow more than AWS will)",
                    resource.address,
                    kind.noun()
                ),
            );
        }
        entry.boundary = Some(boundary);
    }
    if let Some(tags) = resource.values.get("tags").and_then(Value::as_object) {
        entry.tags = tags
            .iter()
            .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
            .collect();
    }
    kind.map(out).insert(arn, entry);
}

/// The ARN of the role, user or group `name` (or ARN) of the resource's account.
fn principal_arn(resource: &Resource, kind: Kind, name: &str) -> String {
    if name.starts_with("arn:") {
        return name.to_owned();
    }
    format!(
        "arn:{}:iam::{}:{}/{name}",
        partition(&resource.region),
        account(resource),
        kind.noun()
    )
}

/// The entry of the principal named `name` in the resource's account, whatever its path:
/// the plan's, or the scenario's, which the plan then adds to.
fn find<'a>(
    out: &'a mut Out,
    resource: &Resource,
    kind: Kind,
    name: &str,
) -> Option<&'a mut Principal> {
    let exact = principal_arn(resource, kind, name);
    let prefix = format!(
        "arn:{}:iam::{}:{}/",
        partition(&resource.region),
        account(resource),
        kind.noun()
    );
    // The ARN with the path `/` first: one lookup for most; then any path.
    let key = if kind.map(out).contains_key(&exact) {
        Some(exact.clone())
    } else {
        kind.map(out)
            .keys()
            .find(|arn| arn.starts_with(&prefix) && arn.rsplit('/').next() == Some(name))
            .cloned()
    };
    let key = match key {
        Some(key) => key,
        None => {
            let found = match out.base.get(kind.noun(), &exact) {
                Some(entry) => Some((exact.clone(), entry.table.clone())),
                None => out
                    .base
                    .iam_named(kind.noun(), account(resource), name)
                    .map(|(arn, entry)| (arn, entry.table.clone())),
            };
            let (arn, table) = found?;
            kind.map(out).insert(
                arn.clone(),
                Principal {
                    address: resource.address.clone(),
                    base: Some(table),
                    ..Principal::default()
                },
            );
            arn
        }
    };
    kind.map(out).get_mut(&key)
}

fn missing(out: &mut Out, resource: &Resource, kind: Kind, name: &str, what: &str) {
    out.warn(
        &resource.address,
        format!(
            "{} attaches {what} to {} `{name}`, which is not in the plan: left out (nor in the scenario it is merged over)",
            resource.address,
            kind.noun()
        ),
    );
}

fn inline(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource, kind: Kind) {
    let Some(name) = resolver.text(resource, kind.noun()) else {
        out.warn(
            &resource.address,
            format!(
                "the {} of {} is known only after apply: its policy is left out",
                kind.noun(),
                resource.address
            ),
        );
        return;
    };
    let name = name.split(':').next().unwrap_or_default().to_owned();
    let Some(doc) = document(out, resolver, resource, "policy") else {
        return;
    };
    match find(out, resource, kind, &name) {
        Some(entry) => entry.policies.push(doc),
        None => missing(out, resource, kind, &name, "an inline policy"),
    }
}

fn attachment(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource, kind: Kind) {
    let (Some(name), Some(policy_arn)) = (
        resolver.text(resource, kind.noun()),
        resolver.text(resource, "policy_arn"),
    ) else {
        out.warn(
            &resource.address,
            format!(
                "the {} or policy of {} is known only after apply: the attachment is left out",
                kind.noun(),
                resource.address
            ),
        );
        return;
    };
    match find(out, resource, kind, &name) {
        Some(entry) => {
            if !entry.managed.contains(&policy_arn) {
                entry.managed.push(policy_arn);
            }
        }
        None => missing(
            out,
            resource,
            kind,
            &name,
            &format!("managed policy `{policy_arn}`"),
        ),
    }
}

fn add_to_group(out: &mut Out, resource: &Resource, user: &str, group: &str) {
    match find(out, resource, Kind::User, user) {
        Some(entry) => {
            if !entry.groups.contains(&group.to_owned()) {
                entry.groups.push(group.to_owned());
            }
        }
        None => missing(
            out,
            resource,
            Kind::User,
            user,
            &format!("membership of group `{group}`"),
        ),
    }
}

fn profile(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(arn) = resolver.attribute(resource, "arn") else {
        out.warn(
            &resource.address,
            format!(
                "the ARN of {} is not known before apply: the instance profile is left out",
                resource.address
            ),
        );
        return;
    };
    match resolver.text(resource, "role") {
        Some(role) => {
            out.profiles.insert(arn, (resource.address.clone(), role));
        }
        None => out.warn(
            &resource.address,
            format!("{} holds no role (or one known only after apply): the instance profile is left out", resource.address),
        ),
    }
}
