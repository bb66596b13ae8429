//! Terraform for the AWS provider: one provider per account, one resource per document, and
//! an `import {}` block (Terraform 1.5 or newer) for each document that already exists, so
//! that Terraform takes it over and writes it whole instead of creating it again.

use super::hcl::{attribute, block, file, identifier, string, Node, Val};
use super::{
    access_point_name, accounts, by_document, creates_role, document_json, exists, role_name, title,
};
use crate::generate::Document;
use crate::key_writer::{key_policy_writer, KeyPolicyWriter};
use crate::prove::Plan;
use serde_json::Value;
use std::collections::BTreeSet;
use xacct_world::World;

/// Terraform for every account of the plan, in one file.
pub fn terraform(world: &World, plan: &Plan) -> String {
    render(world, plan, None)
}

/// Terraform for one account: its provider and its resources, for `ACCOUNT/main.tf`.
pub fn terraform_for_account(world: &World, plan: &Plan, account: &str) -> String {
    render(world, plan, Some(account))
}

fn provider_reference(account: &str) -> Val {
    Val::Reference(vec!["aws".to_owned(), format!("account_{account}")])
}

/// Resource names, each once per resource type.
#[derive(Default)]
struct Names(BTreeSet<(String, String)>);

impl Names {
    fn unique(&mut self, kind: &str, wanted: &str) -> String {
        let base = identifier(wanted);
        let mut name = base.clone();
        let mut number = 2;
        while !self.0.insert((kind.to_owned(), name.clone())) {
            name = format!("{base}_{number}");
            number += 1;
        }
        name
    }
}

/// The provider that assumes `role` from the account's profile, for a key policy only that
/// role may change.
fn role_provider_alias(account: &str, role: &str) -> String {
    identifier(&format!("account_{account}_{}", role_name(role)))
}

fn import(account: &str, kind: &str, name: &str, id: &str) -> Node {
    import_with(provider_reference(account), kind, name, id)
}

fn import_with(provider: Val, kind: &str, name: &str, id: &str) -> Node {
    block(
        "import",
        &[],
        vec![
            attribute("provider", provider),
            attribute("to", Val::Reference(vec![kind.to_owned(), name.to_owned()])),
            attribute("id", string(id)),
        ],
    )
}

fn render(world: &World, plan: &Plan, only: Option<&str>) -> String {
    let mut nodes = Vec::new();
    let mut names = Names::default();
    let mut imports = Vec::new();
    let documents: Vec<_> = by_document(plan)
        .into_iter()
        .filter(|((account, _), _)| only.is_none_or(|wanted| wanted == account))
        .collect();
    for account in accounts(plan)
        .iter()
        .filter(|account| only.is_none_or(|wanted| wanted == account.as_str()))
    {
        nodes.push(block(
            "provider",
            &["aws"],
            vec![
                attribute("alias", string(&format!("account_{account}"))),
                attribute("profile", string(&format!("account-{account}"))),
            ],
        ));
    }
    // A provider per key administrator role a key-policy step runs as.
    let mut role_providers: Vec<String> = Vec::new();
    for ((account, document), _) in &documents {
        if let Document::KeyPolicy { key } = document {
            if let KeyPolicyWriter::Role(role) = key_policy_writer(world, plan, key) {
                let alias = role_provider_alias(account, &role);
                if role_providers.contains(&alias) {
                    continue;
                }
                nodes.push(block(
                    "provider",
                    &["aws"],
                    vec![
                        attribute("alias", string(&alias)),
                        attribute("profile", string(&format!("account-{account}"))),
                        block(
                            "assume_role",
                            &[],
                            vec![attribute("role_arn", string(&role))],
                        ),
                    ],
                ));
                role_providers.push(alias);
            }
        }
    }
    // Resource names of the roles the plan creates, for the policies that reference them.
    let mut role_resources: Vec<(String, String)> = Vec::new();
    // Resource names of the storage credentials, for the external locations that name them.
    let mut credential_resources: Vec<(String, String)> = Vec::new();
    // The same for the access points it creates (account, name, resource).
    let mut access_point_resources: Vec<(String, String, String)> = Vec::new();
    for ((account, document), statements) in &documents {
        let provider = attribute("provider", provider_reference(account));
        let body = document_json(world, plan, account, document, statements);
        let existing = exists(world, plan, account, document);
        let policy = || Val::JsonEncode(body.clone());
        match document {
            Document::Trust { role } => {
                let kind = "aws_iam_role";
                let name = names.unique(kind, role_name(role));
                role_resources.push((role.clone(), name.clone()));
                let mut attributes = vec![provider, attribute("name", string(role_name(role)))];
                if let Some(found) = world.roles.get(role).filter(|_| existing) {
                    // A new path would replace the role: it is stated as it is.
                    attributes.push(attribute("path", string(&found.path)));
                }
                attributes.push(attribute("assume_role_policy", policy()));
                if existing {
                    // What the scenario may not know of the role (its description, its
                    // permissions boundary, its session length, tags set elsewhere) stays as
                    // it is: Terraform would otherwise reset it on the first apply.
                    attributes.push(block(
                        "lifecycle",
                        &[],
                        vec![attribute(
                            "ignore_changes",
                            Val::Names(
                                [
                                    "description",
                                    "max_session_duration",
                                    "permissions_boundary",
                                    "tags",
                                ]
                                .iter()
                                .map(|name| (*name).to_owned())
                                .collect(),
                            ),
                        )],
                    ));
                }
                if existing {
                    imports.push(import(account, kind, &name, role_name(role)));
                }
                nodes.push(block("resource", &[kind, &name], attributes));
            }
            Document::RolePolicy {
                role,
                name: policy_name,
            } => {
                let kind = "aws_iam_role_policy";
                let name = names.unique(kind, &format!("{}_{policy_name}", role_name(role)));
                // A role the plan creates is referenced, so that Terraform creates it first.
                let role_value = match role_resources.iter().find(|(arn, _)| arn == role) {
                    Some((_, resource)) if creates_role(plan, role) => Val::Reference(vec![
                        "aws_iam_role".to_owned(),
                        resource.clone(),
                        "name".to_owned(),
                    ]),
                    _ => string(role_name(role)),
                };
                nodes.push(block(
                    "resource",
                    &[kind, &name],
                    vec![
                        provider,
                        attribute("name", string(policy_name)),
                        attribute("role", role_value),
                        attribute("policy", policy()),
                    ],
                ));
            }
            Document::BucketPolicy { bucket } => {
                let kind = "aws_s3_bucket_policy";
                let name = names.unique(kind, bucket);
                if existing {
                    imports.push(import(account, kind, &name, bucket));
                }
                nodes.push(block(
                    "resource",
                    &[kind, &name],
                    vec![
                        provider,
                        attribute("bucket", string(bucket)),
                        attribute("policy", policy()),
                    ],
                ));
            }
            Document::AccessPoint {
                name: access_point,
                bucket,
            } => {
                let kind = "aws_s3_access_point";
                let name = names.unique(kind, access_point);
                access_point_resources.push((account.clone(), access_point.clone(), name.clone()));
                nodes.push(block(
                    "resource",
                    &[kind, &name],
                    vec![
                        provider,
                        attribute("bucket", string(bucket)),
                        attribute("name", string(access_point)),
                        // Its policy is the aws_s3control_access_point_policy below: an inline
                        // one would overwrite it.
                        block(
                            "lifecycle",
                            &[],
                            vec![attribute(
                                "ignore_changes",
                                Val::Names(vec!["policy".to_owned()]),
                            )],
                        ),
                    ],
                ));
            }
            Document::AccessPointPolicy { access_point } => {
                let kind = "aws_s3control_access_point_policy";
                let short = access_point_name(access_point);
                let name = names.unique(kind, short);
                // An access point the plan creates is referenced, so that Terraform creates it
                // first.
                let arn = match access_point_resources
                    .iter()
                    .find(|(owner, created, _)| owner == account && created == short)
                {
                    Some((_, _, resource)) => Val::Reference(vec![
                        "aws_s3_access_point".to_owned(),
                        resource.clone(),
                        "arn".to_owned(),
                    ]),
                    None => string(access_point),
                };
                if existing {
                    imports.push(import(account, kind, &name, access_point));
                }
                nodes.push(block(
                    "resource",
                    &[kind, &name],
                    vec![
                        provider,
                        attribute("access_point_arn", arn),
                        attribute("policy", policy()),
                    ],
                ));
            }
            Document::KeyPolicy { key } => {
                let kind = "aws_kms_key_policy";
                let name = names.unique(kind, role_name(key));
                // KMS lets only whom the key policy allows change it: the account's
                // provider, a provider assuming a key administrator role, or nobody the
                // scenario holds (then the resource is written with `count = 0`, to apply
                // by hand, and never imported).
                let (provider_value, comment, manual) = match key_policy_writer(world, plan, key) {
                    KeyPolicyWriter::Administrator => (provider_reference(account), None, false),
                    KeyPolicyWriter::Role(role) => (
                        Val::Reference(vec!["aws".to_owned(), role_provider_alias(account, &role)]),
                        Some(format!("as {role}, which the key policy allows to change it (KMS does not let the account's IAM policies decide)")),
                        false,
                    ),
                    KeyPolicyWriter::Manual(reason) => (
                        provider_reference(account),
                        Some(format!("MANUAL STEP, not applied (count = 0): {reason}")),
                        true,
                    ),
                };
                if existing && !manual {
                    imports.push(import_with(
                        provider_value.clone(),
                        kind,
                        &name,
                        role_name(key),
                    ));
                }
                let mut body = vec![attribute("provider", provider_value)];
                if manual {
                    body.push(attribute("count", Val::Json(Value::from(0))));
                }
                body.push(attribute("key_id", string(role_name(key))));
                body.push(attribute("policy", policy()));
                nodes.push(Node::Block {
                    comment,
                    kind: "resource".to_owned(),
                    labels: vec![kind.to_owned(), name],
                    body,
                });
            }
            Document::StreamPolicy { stream } => {
                let kind = "aws_kinesis_resource_policy";
                let name = names.unique(kind, role_name(stream));
                if existing {
                    imports.push(import(account, kind, &name, stream));
                }
                nodes.push(block(
                    "resource",
                    &[kind, &name],
                    vec![
                        provider,
                        attribute("resource_arn", string(stream)),
                        attribute("policy", policy()),
                    ],
                ));
            }
            Document::LakeGrants => {
                let kind = "aws_lakeformation_permissions";
                for grant in body.as_array().into_iter().flatten() {
                    let name = names.unique(kind, &format!("account_{account}_grant"));
                    nodes.push(block(
                        "resource",
                        &[kind, &name],
                        lake_grant(account, grant),
                    ));
                }
            }
            Document::ResourceLink { name: link } => {
                let kind = "aws_glue_catalog_database";
                let name = names.unique(kind, link);
                let target = body.get("TargetDatabase").cloned().unwrap_or_default();
                let field =
                    |key: &str| string(target.get(key).and_then(Value::as_str).unwrap_or_default());
                if existing {
                    imports.push(import(account, kind, &name, &format!("{account}:{link}")));
                }
                nodes.push(block(
                    "resource",
                    &[kind, &name],
                    vec![
                        provider,
                        attribute("name", string(link)),
                        block(
                            "target_database",
                            &[],
                            vec![
                                attribute("catalog_id", field("CatalogId")),
                                attribute("database_name", field("DatabaseName")),
                            ],
                        ),
                    ],
                ));
            }
            Document::UnityCatalog { kind, name, .. } => {
                nodes.push(unity_catalog(
                    kind,
                    name,
                    &body,
                    &mut names,
                    &role_resources,
                    &mut credential_resources,
                ));
            }
            Document::LakeSettings { region } => {
                // `aws_lakeformation_data_lake_settings` replaces every setting (administrators
                // included), so xacct does not write one: these are what to add to the
                // account's own.
                let local = names.unique("locals", &format!("account_{account}_lake_settings"));
                let attributes: serde_json::Map<String, Value> = body
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(key, value)| (terraform_setting(key), terraform_value(value)))
                    .collect();
                nodes.push(Node::Block {
                    comment: Some(format!(
                        "Add to the aws_lakeformation_data_lake_settings of account {account} ({region}): it replaces every setting, so xacct does not write one"
                    )),
                    kind: "locals".to_owned(),
                    labels: Vec::new(),
                    body: vec![attribute(&local, Val::Json(Value::Object(attributes)))],
                });
            }
            Document::ClientSettings { compute, kind } => {
                let local = names.unique("locals", &format!("{compute}_{kind}"));
                nodes.push(Node::Block {
                    comment: Some(format!(
                        "Client settings of {compute} ({kind}), for the cluster or job definition"
                    )),
                    kind: "locals".to_owned(),
                    labels: Vec::new(),
                    body: vec![attribute(&local, Val::Json(body.clone()))],
                });
            }
        }
    }
    let mut settings = Vec::new();
    if !imports.is_empty() {
        settings.push(attribute("required_version", string(">= 1.5.0")));
    }
    // Unity Catalog objects need the Databricks provider, which is not in the hashicorp
    // namespace Terraform looks in by default.
    if !credential_resources.is_empty()
        || documents
            .iter()
            .any(|((_, document), _)| matches!(document, Document::UnityCatalog { .. }))
    {
        settings.push(block(
            "required_providers",
            &[],
            vec![
                attribute(
                    "aws",
                    Val::Json(serde_json::json!({"source": "hashicorp/aws"})),
                ),
                attribute(
                    "databricks",
                    Val::Json(serde_json::json!({"source": "databricks/databricks"})),
                ),
            ],
        ));
    }
    if !settings.is_empty() {
        nodes.insert(0, block("terraform", &[], settings));
    }
    nodes.extend(imports);
    file(&format!("xacct plan: {}", title(plan)), &nodes)
}

/// An `aws_lakeformation_permissions` body for a `GrantPermissions` request.
fn lake_grant(account: &str, grant: &Value) -> Vec<Node> {
    let text = |value: Option<&Value>| string(value.and_then(Value::as_str).unwrap_or_default());
    let mut out = vec![
        attribute("provider", provider_reference(account)),
        attribute("catalog_id", string(account)),
        attribute(
            "principal",
            text(grant.pointer("/Principal/DataLakePrincipalIdentifier")),
        ),
        attribute(
            "permissions",
            Val::Json(grant.get("Permissions").cloned().unwrap_or_default()),
        ),
    ];
    if let Some(grantable) = grant.get("PermissionsWithGrantOption") {
        out.push(attribute(
            "permissions_with_grant_option",
            Val::Json(grantable.clone()),
        ));
    }
    if let Some(database) = grant.pointer("/Resource/Database") {
        out.push(block(
            "database",
            &[],
            vec![
                attribute("catalog_id", text(database.get("CatalogId"))),
                attribute("name", text(database.get("Name"))),
            ],
        ));
    }
    if let Some(table) = grant.pointer("/Resource/Table") {
        out.push(block(
            "table",
            &[],
            vec![
                attribute("catalog_id", text(table.get("CatalogId"))),
                attribute("database_name", text(table.get("DatabaseName"))),
                attribute("name", text(table.get("Name"))),
            ],
        ));
    }
    out
}

/// A Unity Catalog object of the Databricks provider (configured for the workspace, apart from
/// the AWS accounts): `databricks_storage_credential` or `databricks_external_location`, with
/// references to the role and credential the plan makes, so Terraform orders them.
fn unity_catalog(
    kind: &str,
    name: &str,
    body: &Value,
    names: &mut Names,
    roles: &[(String, String)],
    credentials: &mut Vec<(String, String)>,
) -> Node {
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let read_only = body
        .get("read_only")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (resource, mut attributes) = if kind == "storage-credential" {
        let role = body
            .pointer("/aws_iam_role/role_arn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let role_arn = roles.iter().find(|(arn, _)| arn == role).map_or_else(
            || string(role),
            |(_, resource)| {
                Val::Reference(vec![
                    "aws_iam_role".to_owned(),
                    resource.clone(),
                    "arn".to_owned(),
                ])
            },
        );
        let resource = names.unique("databricks_storage_credential", name);
        credentials.push((name.to_owned(), resource.clone()));
        (
            ("databricks_storage_credential", resource),
            vec![
                attribute("name", string(name)),
                block("aws_iam_role", &[], vec![attribute("role_arn", role_arn)]),
            ],
        )
    } else {
        let credential = text("credential_name");
        let credential_name = credentials
            .iter()
            .find(|(wanted, _)| *wanted == credential)
            .map_or_else(
                || string(&credential),
                |(_, resource)| {
                    Val::Reference(vec![
                        "databricks_storage_credential".to_owned(),
                        resource.clone(),
                        "name".to_owned(),
                    ])
                },
            );
        let resource = names.unique("databricks_external_location", name);
        (
            ("databricks_external_location", resource),
            vec![
                attribute("name", string(name)),
                attribute("url", string(&text("url"))),
                attribute("credential_name", credential_name),
            ],
        )
    };
    if read_only {
        attributes.push(attribute("read_only", Val::Json(Value::Bool(true))));
    }
    Node::Block {
        comment: Some(format!(
            "Unity Catalog {} (the Databricks provider of the workspace, as a metastore admin)",
            kind.replace('-', " ")
        )),
        kind: "resource".to_owned(),
        labels: vec![resource.0.to_owned(), resource.1],
        body: attributes,
    }
}

/// The Terraform attribute of a `DataLakeSettings` member
/// (`AuthorizedSessionTagValueList` is `authorized_session_tag_value_list`).
fn terraform_setting(key: &str) -> String {
    let mut out = String::new();
    for (index, character) in key.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(character.to_ascii_lowercase());
        } else {
            out.push(character);
        }
    }
    out
}

/// A settings value as the Terraform provider takes it: principals by their identifier.
fn terraform_value(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| {
                    item.get("DataLakePrincipalIdentifier")
                        .cloned()
                        .unwrap_or_else(|| item.clone())
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
