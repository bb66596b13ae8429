//! A plan as JSON documents per account, Terraform, an `aws` CLI script, or a runbook; and as
//! the files of a folder ([`files`]).
//!
//! Every renderer writes each document whole: the statements the scenario already has, then
//! the plan's, each once and under a Sid of its own, so that applying it replaces the document
//! with one that keeps everything it granted.

mod files;
mod hcl;
mod runbook;
mod script;
mod terraform;

pub use files::{files, Format, OutputFile};
pub use runbook::runbook;
pub use script::{cli, cli_for_account};
pub use terraform::{terraform, terraform_for_account};

use crate::generate::{Change, Document};
use crate::prove::Plan;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use xacct_eval::SourcedPolicy;
use xacct_world::World;

/// The statements of the plan per (account, document): accounts in the order the plan first
/// touches them (the account that shares before the one that uses the share), documents in a
/// fixed order within an account (a role is created before the policies that name it).
pub(crate) fn by_document(plan: &Plan) -> Vec<((String, Document), Vec<&Change>)> {
    let mut accounts: Vec<String> = Vec::new();
    let mut documents: BTreeMap<(usize, Document), Vec<&Change>> = BTreeMap::new();
    for change in &plan.changes {
        let account = change.account.to_string();
        let position = match accounts.iter().position(|known| *known == account) {
            Some(position) => position,
            None => {
                accounts.push(account);
                accounts.len() - 1
            }
        };
        documents
            .entry((position, change.document.clone()))
            .or_default()
            .push(change);
    }
    documents
        .into_iter()
        .filter_map(|((position, document), changes)| {
            Some(((accounts.get(position)?.clone(), document), changes))
        })
        .collect()
}

/// The accounts of the plan, in the order [`by_document`] gives them.
pub(crate) fn accounts(plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ((account, _), _) in by_document(plan) {
        if !out.contains(&account) {
            out.push(account);
        }
    }
    out
}

/// The last part of an ARN (a role's or key's name, a stream's name).
pub(crate) fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub use xacct_policy::one_line;

/// JSON text IAM takes as it is: every character above U+00FF written as a `\uXXXX` escape.
/// IAM's policy-document parameters (`PutRolePolicy`, `CreatePolicy`, `CreateRole`,
/// `UpdateAssumeRolePolicy`) accept only tab, line feed, carriage return and U+0020 to U+00FF
/// (the `PolicyDocument` pattern of PutRolePolicy,
/// <https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-aws-sdk-client-iam/Interface/PutRolePolicyCommandInput>),
/// so a prefix such as `日本/` written raw is refused, while its escape is the same document.
/// Outside strings JSON text is ASCII, so escaping the whole text touches strings only.
pub(crate) fn iam_safe_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if u32::from(character) <= 0xFF {
            out.push(character);
        } else {
            let mut units = [0_u16; 2];
            for unit in character.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Whether the plan creates this role.
pub(crate) fn creates_role(plan: &Plan, role: &str) -> bool {
    plan.created_roles.iter().any(|(_, arn)| arn == role)
}

/// The policy the scenario already has for the document, when AWS has one.
fn existing_policy<'a>(
    world: &'a World,
    plan: &Plan,
    document: &Document,
) -> Option<&'a SourcedPolicy> {
    match document {
        Document::BucketPolicy { bucket } => world.buckets.get(bucket)?.policy.as_ref(),
        Document::AccessPointPolicy { access_point } => {
            world.access_points.get(access_point)?.policy.as_ref()
        }
        Document::KeyPolicy { key } => world.keys.get(key)?.policy.as_ref(),
        Document::StreamPolicy { stream } => world.streams.get(stream)?.policy.as_ref(),
        Document::Trust { role } if !creates_role(plan, role) => {
            Some(&world.roles.get(role)?.trust)
        }
        _ => None,
    }
}

/// Whether the document (or the resource that holds it) already exists, so that it is
/// updated (and imported into Terraform) rather than created.
pub(crate) fn exists(world: &World, plan: &Plan, account: &str, document: &Document) -> bool {
    match document {
        Document::Trust { role } => !creates_role(plan, role) && world.roles.contains_key(role),
        // The plan creates only access points that do not exist.
        Document::AccessPoint { .. } => false,
        Document::ResourceLink { name } => {
            world.lake.catalogs.iter().any(|((owner, _), catalog)| {
                owner.to_string() == account && catalog.databases.contains_key(name)
            })
        }
        Document::RolePolicy { .. }
        | Document::ClientSettings { .. }
        | Document::LakeGrants
        | Document::LakeSettings { .. } => false,
        _ => existing_policy(world, plan, document).is_some(),
    }
}

/// The JSON text of a policy as the scenario wrote it: the whole file, or the part of it
/// the policy spans (a document inside an export, or a JSON string holding one).
fn policy_json(policy: &SourcedPolicy) -> Option<Value> {
    let source = policy.source.as_ref()?;
    let parse = |text: &str| -> Option<Value> {
        match serde_json::from_str::<Value>(text).ok()? {
            Value::String(inner) => serde_json::from_str(&inner).ok(),
            value @ Value::Object(_) => Some(value),
            _ => None,
        }
    };
    let spanned = source
        .text()
        .get(policy.policy.span.start..policy.policy.span.end)
        .and_then(parse);
    spanned
        .filter(|value| value.get("Statement").is_some())
        .or_else(|| parse(source.text()).filter(|value| value.get("Statement").is_some()))
}

/// Documents that exist but whose text xacct cannot read back: the plan would replace them
/// with its own statements alone, so it refuses instead.
pub(crate) fn unreadable_existing(world: &World, plan: &Plan) -> Vec<String> {
    by_document(plan)
        .into_iter()
        .filter_map(|((_, document), _)| {
            let policy = existing_policy(world, plan, &document)?;
            policy_json(policy)
                .is_none()
                .then(|| format!("the existing {} cannot be read back as JSON, and writing the plan's statements alone would drop its own", policy.label))
        })
        .collect()
}

/// The actions of a statement, as a list.
fn actions_of(statement: &Value) -> Vec<Value> {
    match statement.get("Action") {
        Some(Value::Array(items)) => items.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    }
}

/// Whether two statements are the same grant under the same Sid but for their `Action`
/// lists (a key user for reading, and for writing): one statement with both lists says the
/// same.
fn same_but_actions(left: &Value, right: &Value) -> bool {
    let strip = |statement: &Value| {
        let mut copy = statement.clone();
        if let Some(object) = copy.as_object_mut() {
            object.remove("Action");
        }
        copy
    };
    left.get("Action").is_some() && right.get("Action").is_some() && strip(left) == strip(right)
}

/// The full document after the plan: the existing one with the plan's statements, each
/// once; a statement whose Sid another already holds gets a numbered Sid of its own.
pub(crate) fn merged(
    world: &World,
    plan: &Plan,
    document: &Document,
    statements: &[&Change],
) -> Value {
    let mut base = existing_policy(world, plan, document)
        .and_then(policy_json)
        .unwrap_or_else(|| json!({"Version": "2012-10-17", "Statement": []}));
    let mut all: Vec<Value> = match base.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    let existing = all.len();
    for change in statements {
        let mut statement = change.content.clone();
        if all.contains(&statement) {
            continue;
        }
        // Two of the plan's statements under one Sid that differ only in their actions are one
        // statement with both lists; the scenario's own statements are never changed.
        if let Some(kept) = all
            .iter_mut()
            .skip(existing)
            .find(|kept| same_but_actions(kept, &statement))
        {
            let mut actions = actions_of(kept);
            for action in actions_of(&statement) {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            if let Some(object) = kept.as_object_mut() {
                object.insert("Action".to_owned(), json!(actions));
            }
            continue;
        }
        let sid_of = |value: &Value| value.get("Sid").and_then(Value::as_str).map(str::to_owned);
        if let Some(sid) = sid_of(&statement) {
            let taken = |candidate: &str| {
                all.iter()
                    .any(|kept| sid_of(kept).as_deref() == Some(candidate))
            };
            if taken(&sid) {
                let mut number = 2;
                while taken(&format!("{sid}{number}")) {
                    number += 1;
                }
                if let Some(object) = statement.as_object_mut() {
                    object.insert("Sid".to_owned(), Value::String(format!("{sid}{number}")));
                }
            }
        }
        all.push(statement);
    }
    if let Some(object) = base.as_object_mut() {
        object.insert("Statement".to_owned(), Value::Array(all));
    }
    base
}

pub(crate) fn settings(statements: &[&Change]) -> Value {
    let mut map = Map::new();
    for change in statements {
        if let (Some(key), Some(value)) = (
            change.content.get("key").and_then(Value::as_str),
            change.content.get("value"),
        ) {
            map.insert(key.to_owned(), value.clone());
        }
    }
    Value::Object(map)
}

/// A `GrantPermissions` request body, with the granting catalog.
pub(crate) fn grant_body(account: &str, change: &Change) -> Value {
    let mut body = change.content.clone();
    if let Some(object) = body.as_object_mut() {
        object.insert("CatalogId".to_owned(), Value::String(account.to_owned()));
    }
    body
}

/// The grants of a document, each once.
pub(crate) fn grants(account: &str, statements: &[&Change]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for change in statements {
        let body = grant_body(account, change);
        if !out.contains(&body) {
            out.push(body);
        }
    }
    out
}

/// The parts of `DataLakeSettings` the statements add, merged: switches on, lists joined.
fn lake_settings(statements: &[&Change]) -> Value {
    let mut out = serde_json::Map::new();
    for change in statements {
        for (key, value) in change.content.as_object().into_iter().flatten() {
            match (out.get_mut(key), value) {
                (Some(Value::Array(items)), Value::Array(more)) => {
                    for item in more {
                        if !items.contains(item) {
                            items.push(item.clone());
                        }
                    }
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// The body of the document as JSON: a policy whole, settings as an object, grants as a list.
pub(crate) fn document_json(
    world: &World,
    plan: &Plan,
    account: &str,
    document: &Document,
    statements: &[&Change],
) -> Value {
    match document {
        Document::ClientSettings { .. } => settings(statements),
        Document::LakeGrants => Value::Array(grants(account, statements)),
        Document::LakeSettings { .. } => lake_settings(statements),
        Document::ResourceLink { .. }
        | Document::UnityCatalog { .. }
        | Document::AccessPoint { .. } => statements
            .first()
            .map(|change| change.content.clone())
            .unwrap_or_default(),
        _ => merged(world, plan, document, statements),
    }
}

/// The path of a document under its account's folder, as the scenario's names make it (the
/// files writer makes every part safe).
pub(crate) fn document_path(document: &Document) -> Vec<String> {
    let parts: Vec<&str> = match document {
        Document::Trust { role } => vec!["roles", role_name(role), "trust-policy.json"],
        Document::RolePolicy { role, name } => {
            return vec![
                "roles".to_owned(),
                role_name(role).to_owned(),
                format!("{name}.json"),
            ]
        }
        Document::BucketPolicy { bucket } => vec!["buckets", bucket, "bucket-policy.json"],
        Document::AccessPoint { name, .. } => vec!["access-points", name, "access-point.json"],
        Document::AccessPointPolicy { access_point } => vec![
            "access-points",
            access_point_name(access_point),
            "access-point-policy.json",
        ],
        Document::KeyPolicy { key } => vec!["keys", role_name(key), "key-policy.json"],
        Document::StreamPolicy { stream } => {
            vec!["streams", role_name(stream), "stream-policy.json"]
        }
        Document::ClientSettings { compute, kind } => {
            return vec![
                "compute".to_owned(),
                compute.clone(),
                format!("{kind}.json"),
            ]
        }
        Document::LakeGrants => vec!["lakeformation", "grant-permissions.json"],
        Document::LakeSettings { region } => {
            return vec![
                "lakeformation".to_owned(),
                format!("data-lake-settings-{region}.json"),
            ]
        }
        Document::UnityCatalog { kind, name, .. } => {
            return vec![
                "databricks".to_owned(),
                format!("{kind}s"),
                format!("{name}.json"),
            ]
        }
        Document::ResourceLink { name } => {
            return vec![
                "glue".to_owned(),
                "resource-links".to_owned(),
                format!("{name}.json"),
            ]
        }
    };
    parts.into_iter().map(str::to_owned).collect()
}

/// The names of the intents, for headings.
pub(crate) fn title(plan: &Plan) -> String {
    plan.intents
        .iter()
        .map(|intent| intent.name.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One JSON object per account: every document the plan touches, whole, under its path.
pub fn json(world: &World, plan: &Plan) -> Value {
    let mut accounts: Map<String, Value> = Map::new();
    for ((account, document), statements) in by_document(plan) {
        let body = document_json(world, plan, &account, &document, &statements);
        if let Value::Object(entry) = accounts
            .entry(account.clone())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            entry.insert(document_path(&document).join("/"), body);
        }
    }
    json!({
        "intents": plan.intents.iter().map(|intent| intent.name.clone()).collect::<Vec<_>>(),
        "accounts": accounts,
    })
}

/// The name of an access point, from its ARN.
pub(crate) fn access_point_name(arn: &str) -> &str {
    arn.rsplit_once(":accesspoint/")
        .map_or(arn, |(_, name)| name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn iam_safe_json_is_the_same_document_in_latin_1() {
        let value = serde_json::json!({"Resource": "arn:aws:s3:::b/日本/\u{1F600}é/*"});
        let safe = super::iam_safe_json(&value.to_string());
        assert!(safe.chars().all(|c| u32::from(c) <= 0xFF), "{safe}");
        assert!(
            safe.contains("\\u65e5\\u672c") && safe.contains("\\ud83d\\ude00é"),
            "{safe}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&safe).unwrap(),
            value
        );
    }

    use super::*;
    use xacct_policy::{parse_policy, PolicyKind, SourceFile};

    fn sourced(file: &str, start: usize, end: usize) -> SourcedPolicy {
        let text = file.get(start..end).unwrap_or_default();
        let mut parsed = parse_policy(text, PolicyKind::Resource).policy;
        parsed.span = xacct_policy::Span::new(start, end);
        SourcedPolicy::new(parsed, "bucket policy of lake-b")
            .with_source(SourceFile::new("f", file))
    }

    #[test]
    fn an_existing_policy_is_read_back_from_its_file_or_its_span() {
        let document = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        let whole = sourced(document, 0, document.len());
        assert_eq!(policy_json(&whole).unwrap()["Statement"][0]["Sid"], "A");
        let export = format!(r#"{{"Policies":[{{"Document":{document}}}]}}"#);
        let start = export.find(document).unwrap();
        let inside = sourced(&export, start, start + document.len());
        assert_eq!(policy_json(&inside).unwrap()["Statement"][0]["Sid"], "A");
        // No file to read it from: the plan must refuse rather than drop its statements.
        let unknown = SourcedPolicy::new(
            parse_policy(document, PolicyKind::Resource).policy,
            "bucket policy of lake-b",
        );
        assert!(policy_json(&unknown).is_none());
    }

    #[test]
    fn one_line_escapes_every_control_character() {
        assert_eq!(
            one_line("a\nb\rc\u{1b}[31md\u{85}"),
            "a\\nb\\rc\\u{1b}[31md\\u{85}"
        );
        assert_eq!(one_line("plain; $(x) `y`"), "plain; $(x) `y`");
    }
}
