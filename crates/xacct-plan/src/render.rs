//! A plan as JSON documents per account, Terraform, an `aws` CLI script, or a runbook.

use crate::generate::{Change, Document};
use crate::prove::Plan;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use xacct_world::World;

/// The statements of the plan per (account, document), in order.
fn by_document(plan: &Plan) -> BTreeMap<(String, Document), Vec<&Change>> {
    let mut out: BTreeMap<(String, Document), Vec<&Change>> = BTreeMap::new();
    for change in &plan.changes {
        out.entry((change.account.to_string(), change.document.clone()))
            .or_default()
            .push(change);
    }
    out
}

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The document as it stands in the scenario, when it was read from a JSON file, so that the
/// output is the whole new document, not only what to add.
fn existing_document(world: &World, document: &Document) -> Option<Value> {
    let policy = match document {
        Document::BucketPolicy { bucket } => world.buckets.get(bucket)?.policy.as_ref()?,
        Document::KeyPolicy { key } => world.keys.get(key)?.policy.as_ref()?,
        Document::StreamPolicy { stream } => world.streams.get(stream)?.policy.as_ref()?,
        Document::Trust { role } => &world.roles.get(role)?.trust,
        _ => return None,
    };
    let source = policy.source.as_ref()?;
    serde_json::from_str(&source.text).ok()
}

/// The full document after the plan: the existing one (when known) with the new statements.
fn merged(world: &World, document: &Document, statements: &[&Change]) -> Value {
    let added: Vec<Value> = statements
        .iter()
        .map(|change| change.content.clone())
        .collect();
    let mut base = existing_document(world, document)
        .unwrap_or_else(|| json!({"Version": "2012-10-17", "Statement": []}));
    let existing = match base.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    if let Some(object) = base.as_object_mut() {
        object.insert(
            "Statement".to_owned(),
            Value::Array(existing.into_iter().chain(added).collect()),
        );
    }
    base
}

fn settings(statements: &[&Change]) -> Value {
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
fn grant_body(account: &str, change: &Change) -> Value {
    let mut body = change.content.clone();
    if let Some(object) = body.as_object_mut() {
        object.insert("CatalogId".to_owned(), Value::String(account.to_owned()));
    }
    body
}

/// The Terraform block of a grant's resource (`database { ... }` or `table { ... }`).
fn lake_resource_block(resource: &Value) -> String {
    let field = |value: &Value, key: &str| {
        hcl_string(value.get(key).and_then(Value::as_str).unwrap_or_default())
    };
    if let Some(database) = resource.get("Database") {
        return format!(
            "  database {{\n    catalog_id = {}\n    name       = {}\n  }}",
            field(database, "CatalogId"),
            field(database, "Name")
        );
    }
    if let Some(table) = resource.get("Table") {
        return format!(
            "  table {{\n    catalog_id    = {}\n    database_name = {}\n    name          = {}\n  }}",
            field(table, "CatalogId"),
            field(table, "DatabaseName"),
            field(table, "Name")
        );
    }
    String::new()
}

/// One JSON object per account: every document the plan touches, whole.
pub fn json(world: &World, plan: &Plan) -> Value {
    let mut accounts: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for ((account, document), statements) in by_document(plan) {
        let entry = accounts.entry(account.clone()).or_default();
        let (key, value) = match &document {
            Document::Trust { role } => (
                format!("roles/{}/trust-policy.json", role_name(role)),
                merged(world, &document, &statements),
            ),
            Document::RolePolicy { role, name } => (
                format!("roles/{}/{name}.json", role_name(role)),
                merged(world, &document, &statements),
            ),
            Document::BucketPolicy { bucket } => (
                format!("buckets/{bucket}/bucket-policy.json"),
                merged(world, &document, &statements),
            ),
            Document::KeyPolicy { key } => (
                format!("keys/{}/key-policy.json", role_name(key)),
                merged(world, &document, &statements),
            ),
            Document::StreamPolicy { stream } => (
                format!("streams/{}/stream-policy.json", role_name(stream)),
                merged(world, &document, &statements),
            ),
            Document::ClientSettings { compute, kind } => (
                format!("compute/{compute}/{kind}.json"),
                settings(&statements),
            ),
            Document::LakeGrants => (
                "lakeformation/grant-permissions.json".to_owned(),
                Value::Array(
                    statements
                        .iter()
                        .map(|change| grant_body(&account, change))
                        .collect(),
                ),
            ),
            Document::ResourceLink { name } => (
                format!("glue/resource-links/{name}.json"),
                statements
                    .first()
                    .map(|change| change.content.clone())
                    .unwrap_or_default(),
            ),
        };
        entry.insert(key, value);
    }
    json!({
        "intent": plan.intent.name,
        "accounts": accounts,
    })
}

/// HCL for a JSON value, as `jsonencode(...)` takes it. `${` and `%{` start templates in HCL
/// strings, so they are escaped.
fn hcl(value: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match value {
        Value::Object(map) => {
            out.push_str("{\n");
            for (key, item) in map {
                let _ = write!(out, "{pad}  {} = ", hcl_string(key));
                hcl(item, indent + 1, out);
                out.push('\n');
            }
            let _ = write!(out, "{pad}}}");
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                let _ = write!(out, "{pad}  ");
                hcl(item, indent + 1, out);
                out.push_str(",\n");
            }
            let _ = write!(out, "{pad}]");
        }
        Value::String(text) => out.push_str(&hcl_string(text)),
        other => out.push_str(&other.to_string()),
    }
}

fn hcl_string(text: &str) -> String {
    let escaped = serde_json::to_string(text).unwrap_or_default();
    escaped.replace("${", "$${").replace("%{", "%%{")
}

fn identifier(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Terraform for the AWS provider, one provider alias per account.
pub fn terraform(world: &World, plan: &Plan) -> String {
    let documents = by_document(plan);
    let mut out = String::new();
    let _ = writeln!(out, "# xacct plan: {}", plan.intent.name);
    let accounts: std::collections::BTreeSet<&String> =
        documents.keys().map(|(account, _)| account).collect();
    for account in &accounts {
        let _ = writeln!(
            out,
            "\nprovider \"aws\" {{\n  alias   = \"account_{account}\"\n  profile = \"account-{account}\"\n}}"
        );
    }
    for ((account, document), statements) in &documents {
        let provider = format!("aws.account_{account}");
        let mut body = String::new();
        hcl(&merged(world, document, statements), 1, &mut body);
        match document {
            Document::Trust { role } => {
                let name = role_name(role);
                let created = plan
                    .created_role
                    .as_ref()
                    .is_some_and(|(_, arn)| arn == role);
                if created {
                    let _ = writeln!(out, "\nresource \"aws_iam_role\" \"{}\" {{\n  provider           = {provider}\n  name               = {}\n  assume_role_policy = jsonencode({body})\n}}", identifier(name), hcl_string(name));
                } else {
                    let _ = writeln!(out, "\n# The trust policy of the existing role {role}, whole.\nresource \"aws_iam_role\" \"{}\" {{\n  provider           = {provider}\n  name               = {}\n  assume_role_policy = jsonencode({body})\n}}", identifier(name), hcl_string(name));
                }
            }
            Document::RolePolicy { role, name } => {
                // A role the plan creates is referenced, so that Terraform creates it first.
                let created = plan
                    .created_role
                    .as_ref()
                    .is_some_and(|(_, arn)| arn == role);
                let role_reference = if created {
                    format!("aws_iam_role.{}.name", identifier(role_name(role)))
                } else {
                    hcl_string(role_name(role))
                };
                let _ = writeln!(out, "\nresource \"aws_iam_role_policy\" \"{}_{}\" {{\n  provider = {provider}\n  name     = {}\n  role     = {role_reference}\n  policy   = jsonencode({body})\n}}", identifier(role_name(role)), identifier(name), hcl_string(name));
            }
            Document::BucketPolicy { bucket } => {
                let _ = writeln!(out, "\nresource \"aws_s3_bucket_policy\" \"{}\" {{\n  provider = {provider}\n  bucket   = {}\n  policy   = jsonencode({body})\n}}", identifier(bucket), hcl_string(bucket));
            }
            Document::KeyPolicy { key } => {
                let _ = writeln!(out, "\nresource \"aws_kms_key_policy\" \"{}\" {{\n  provider = {provider}\n  key_id   = {}\n  policy   = jsonencode({body})\n}}", identifier(role_name(key)), hcl_string(role_name(key)));
            }
            Document::StreamPolicy { stream } => {
                let _ = writeln!(out, "\nresource \"aws_kinesis_resource_policy\" \"{}\" {{\n  provider     = {provider}\n  resource_arn = {}\n  policy       = jsonencode({body})\n}}", identifier(role_name(stream)), hcl_string(stream));
            }
            Document::LakeGrants => {
                for (index, change) in statements.iter().enumerate() {
                    let body = &change.content;
                    let principal = body
                        .pointer("/Principal/DataLakePrincipalIdentifier")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let mut permissions = String::new();
                    hcl(
                        &body.get("Permissions").cloned().unwrap_or_default(),
                        1,
                        &mut permissions,
                    );
                    let grantable = body
                        .get("PermissionsWithGrantOption")
                        .map(|value| {
                            let mut text = String::new();
                            hcl(value, 1, &mut text);
                            format!("\n  permissions_with_grant_option = {text}")
                        })
                        .unwrap_or_default();
                    let resource = body
                        .get("Resource")
                        .map(lake_resource_block)
                        .unwrap_or_default();
                    let _ = writeln!(out, "\nresource \"aws_lakeformation_permissions\" \"account_{account}_grant_{index}\" {{\n  provider    = {provider}\n  catalog_id  = {}\n  principal   = {}\n  permissions = {permissions}{grantable}\n{resource}\n}}", hcl_string(account), hcl_string(principal));
                }
            }
            Document::ResourceLink { name } => {
                let target = statements
                    .first()
                    .and_then(|change| change.content.get("TargetDatabase").cloned())
                    .unwrap_or_default();
                let field = |key: &str| {
                    hcl_string(target.get(key).and_then(Value::as_str).unwrap_or_default())
                };
                let _ = writeln!(out, "\nresource \"aws_glue_catalog_database\" \"{}\" {{\n  provider = {provider}\n  name     = {}\n  target_database {{\n    catalog_id    = {}\n    database_name = {}\n  }}\n}}", identifier(name), hcl_string(name), field("CatalogId"), field("DatabaseName"));
            }
            Document::ClientSettings { compute, kind } => {
                let mut settings_body = String::new();
                hcl(&settings(statements), 0, &mut settings_body);
                let _ = writeln!(out, "\n# Client settings of {compute} ({kind}), for the cluster or job definition:\nlocals {{\n  {}_{} = {settings_body}\n}}", identifier(compute), identifier(kind));
            }
        }
    }
    out
}

fn shell_quote(value: &Value) -> String {
    format!("'{}'", value.to_string().replace('\'', "'\\''"))
}

/// An ordered shell script of `aws` commands, one profile per account.
pub fn cli(world: &World, plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#!/bin/sh\n# xacct plan: {}\nset -eu",
        plan.intent.name
    );
    for ((account, document), statements) in by_document(plan) {
        let profile = format!("--profile account-{account}");
        let merged = merged(world, &document, &statements);
        match &document {
            Document::Trust { role } => {
                let created = plan
                    .created_role
                    .as_ref()
                    .is_some_and(|(_, arn)| arn == role);
                if created {
                    let _ = writeln!(out, "\n# account {account}: create {role}\naws iam create-role {profile} --role-name {} --assume-role-policy-document {}", role_name(role), shell_quote(&merged));
                } else {
                    let _ = writeln!(out, "\n# account {account}: the trust policy of {role}, whole\naws iam update-assume-role-policy {profile} --role-name {} --policy-document {}", role_name(role), shell_quote(&merged));
                }
            }
            Document::RolePolicy { role, name } => {
                let _ = writeln!(out, "\n# account {account}: inline policy {name} of {role}\naws iam put-role-policy {profile} --role-name {} --policy-name {name} --policy-document {}", role_name(role), shell_quote(&merged));
            }
            Document::BucketPolicy { bucket } => {
                let _ = writeln!(out, "\n# account {account}: the bucket policy of {bucket}, whole\naws s3api put-bucket-policy {profile} --bucket {bucket} --policy {}", shell_quote(&merged));
            }
            Document::KeyPolicy { key } => {
                let _ = writeln!(out, "\n# account {account}: the key policy of {key}, whole\naws kms put-key-policy {profile} --key-id {key} --policy-name default --policy {}", shell_quote(&merged));
            }
            Document::StreamPolicy { stream } => {
                let _ = writeln!(out, "\n# account {account}: the resource policy of {stream}, whole\naws kinesis put-resource-policy {profile} --resource-arn {stream} --policy {}", shell_quote(&merged));
            }
            Document::ClientSettings { compute, kind } => {
                let _ = writeln!(
                    out,
                    "\n# {compute}: set in its {kind}:\n# {}",
                    settings(&statements)
                );
            }
            Document::LakeGrants => {
                for change in &statements {
                    let _ = writeln!(out, "\n# account {account}: a Lake Formation grant\naws lakeformation grant-permissions {profile} --cli-input-json {}", shell_quote(&grant_body(&account, change)));
                }
            }
            Document::ResourceLink { name } => {
                let body = statements
                    .first()
                    .map(|change| change.content.clone())
                    .unwrap_or_default();
                let _ = writeln!(out, "\n# account {account}: the resource link {name}\naws glue create-database {profile} --database-input {}", shell_quote(&body));
            }
        }
    }
    out
}

/// A numbered procedure, account by account, like the field guides but exact.
pub fn runbook(world: &World, plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", plan.intent.name);
    let _ = writeln!(out, "Generated by `xacct plan` and proven by its checks: each step is needed, and together they pass.\n");
    let mut step = 1;
    for ((account, document), statements) in by_document(plan) {
        let what = match &document {
            Document::Trust { role } => {
                if plan
                    .created_role
                    .as_ref()
                    .is_some_and(|(_, arn)| arn == role)
                {
                    format!(
                        "Create the role `{}` with this trust policy",
                        role_name(role)
                    )
                } else {
                    format!("Add to the trust policy of `{role}`")
                }
            }
            Document::RolePolicy { role, name } => {
                format!("Attach the inline policy `{name}` to `{role}`")
            }
            Document::BucketPolicy { bucket } => format!("Set the bucket policy of `{bucket}` to"),
            Document::KeyPolicy { key } => format!("Set the key policy of `{key}` to"),
            Document::StreamPolicy { stream } => {
                format!("Set the resource policy of `{stream}` to")
            }
            Document::ClientSettings { compute, kind } => {
                format!("Set in the {kind} of `{compute}`")
            }
            Document::LakeGrants => {
                "Grant in Lake Formation (as a data lake administrator)".to_owned()
            }
            Document::ResourceLink { name } => format!("Create the resource link `{name}`"),
        };
        let _ = writeln!(out, "{step}. **Account {account}.** {what}:\n");
        let reasons: Vec<&str> = statements
            .iter()
            .map(|change| change.why.as_str())
            .collect();
        let mut unique = reasons.clone();
        unique.dedup();
        let _ = writeln!(out, "   Why: {}.\n", unique.join("; "));
        let body = match &document {
            Document::ClientSettings { .. } => settings(&statements),
            Document::LakeGrants => Value::Array(
                statements
                    .iter()
                    .map(|change| grant_body(&account, change))
                    .collect(),
            ),
            Document::ResourceLink { .. } => statements
                .first()
                .map(|change| change.content.clone())
                .unwrap_or_default(),
            _ => merged(world, &document, &statements),
        };
        let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
        let _ = writeln!(out, "   ```json");
        for line in pretty.lines() {
            let _ = writeln!(out, "   {line}");
        }
        let _ = writeln!(out, "   ```\n");
        step += 1;
    }
    let checks: Vec<String> = plan
        .proof
        .iter()
        .map(|result| {
            format!(
                "- {}: {}",
                result.expectation.name,
                if result.passed() { "passes" } else { "FAILS" }
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "{step}. **Check** with `xacct check`:\n\n{}",
        checks.join("\n")
    );
    out
}
