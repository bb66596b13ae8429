//! The data lake: Glue catalog databases, tables and resource policy, Lake Formation
//! settings, registered locations and permissions, and RAM shares. Attribute names from the
//! AWS provider's documentation (`aws_glue_catalog_database`, `aws_glue_catalog_table`,
//! `aws_glue_resource_policy`, `aws_lakeformation_data_lake_settings`,
//! `aws_lakeformation_resource`, `aws_lakeformation_permissions`, `aws_ram_resource_share`,
//! `aws_ram_resource_association`, `aws_ram_principal_association`,
//! `aws_ram_resource_share_accepter`).

use super::emit::{quote, CatalogOut, Out, ShareOut};
use super::iam::document;
use super::plan::{strings, Resource};
use super::resolve::Resolver;
use serde_json::{Map, Value};

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_glue_catalog_database" => database(out, resource),
        "aws_glue_catalog_table" => table(out, resource),
        "aws_glue_resource_policy" => {
            if let Some(doc) = document(out, resolver, resource, "policy") {
                catalog(out, resource, None).policy = Some(doc);
            }
        }
        "aws_lakeformation_data_lake_settings" => settings(out, resolver, resource),
        "aws_lakeformation_resource" => location(out, resolver, resource),
        "aws_lakeformation_permissions" => permissions(out, resolver, resource),
        "aws_ram_resource_share" => share(out, resolver, resource),
        "aws_ram_resource_association" | "aws_ram_principal_association" => {
            association(out, resolver, resource);
        }
        "aws_ram_resource_share_accepter" => {
            let account = resource.account.clone().unwrap_or_default();
            if let Some(share) = find_share(out, resolver, resource, "share_arn") {
                share.accepted.push(account);
            }
        }
        _ => return false,
    }
    true
}

/// The `[[catalog]]` of `catalog_id` (the provider's account when absent) in the resource's
/// Region.
pub(super) fn catalog<'a>(
    out: &'a mut Out,
    resource: &Resource,
    catalog_id: Option<&str>,
) -> &'a mut CatalogOut {
    let account = catalog_id
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .or_else(|| resource.text("catalog_id").map(str::to_owned))
        .or_else(|| resource.account.clone())
        .unwrap_or_default();
    let base = out
        .base
        .get("catalog", &format!("{account}/{}", resource.region))
        .map(|entry| entry.table.clone());
    out.catalogs
        .entry((account, resource.region.clone()))
        .or_insert_with(|| CatalogOut {
            address: resource.address.clone(),
            base,
            ..CatalogOut::default()
        })
}

/// The `catalog_id` a resource block names.
fn catalog_of(block: &Map<String, Value>) -> Option<String> {
    text_of(Some(block), "catalog_id").map(str::to_owned)
}

pub(super) fn text_of<'a>(block: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a str> {
    block?.get(name)?.as_str().filter(|text| !text.is_empty())
}

fn database(out: &mut Out, resource: &Resource) {
    let Some(name) = resource.text("name") else {
        return;
    };
    let mut lines = vec![format!("[[catalog.database]]\nname = {}", quote(name))];
    let target = resource.block("target_database");
    if let (Some(account), Some(database)) = (
        text_of(target, "catalog_id"),
        text_of(target, "database_name"),
    ) {
        lines.push(format!(
            "link = {{ account = {}, database = {} }}",
            quote(account),
            quote(database)
        ));
    }
    let address = resource.address.clone();
    catalog(out, resource, None)
        .tables
        .push((address, lines.join("\n")));
}

fn table(out: &mut Out, resource: &Resource) {
    let (Some(name), Some(database)) = (resource.text("name"), resource.text("database_name"))
    else {
        return;
    };
    let mut lines = vec![format!(
        "[[catalog.table]]\ndatabase = {}\nname = {}",
        quote(database),
        quote(name)
    )];
    let descriptor = resource.block("storage_descriptor");
    if let Some(location) = text_of(descriptor, "location") {
        let location = location.replacen("s3a://", "s3://", 1);
        lines.push(format!("location = {}", quote(&location)));
    }
    // The columns Lake Formation grants on: the descriptor's, then the partition keys.
    let columns: Vec<String> = [
        descriptor.and_then(|block| block.get("columns")),
        resource.values.get("partition_keys"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_array)
    .flatten()
    .filter_map(|column| column.get("name").and_then(Value::as_str))
    .map(quote)
    .collect();
    if !columns.is_empty() {
        lines.push(format!("columns = [{}]", columns.join(", ")));
    }
    let target = resource.block("target_table");
    if let (Some(account), Some(database), Some(table)) = (
        text_of(target, "catalog_id"),
        text_of(target, "database_name"),
        text_of(target, "name"),
    ) {
        lines.push(format!(
            "link = {{ account = {}, database = {}, table = {} }}",
            quote(account),
            quote(database),
            quote(table)
        ));
    }
    let address = resource.address.clone();
    catalog(out, resource, None)
        .tables
        .push((address, lines.join("\n")));
}

fn settings(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let mut admins = resource.strings("admins");
    if admins.is_empty() && resource.is_unknown("admins") {
        out.warn(
            &resource.address,
            format!(
                "the data lake administrators of {} are known only after apply: none are read",
                resource.address
            ),
        );
    }
    admins.extend(resolver.text(resource, "admins"));
    // IAMAllowedPrincipals keeps ALL on new databases and tables only while the defaults name it.
    let iam_allowed = [
        "create_database_default_permissions",
        "create_table_default_permissions",
    ]
    .iter()
    .flat_map(|name| {
        resource
            .values
            .get(*name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    })
    .any(|block| block.get("principal").and_then(Value::as_str) == Some("IAM_ALLOWED_PRINCIPALS"));
    // `parameters = { CROSS_ACCOUNT_VERSION = "3" }`: the settings' Parameters map.
    let given = resource
        .values
        .get("parameters")
        .and_then(|parameters| parameters.get("CROSS_ACCOUNT_VERSION"));
    let version = given.and_then(|value| match value {
        Value::String(text) => text.trim().parse::<u64>().ok(),
        other => other.as_u64(),
    });
    if let (Some(value), None) = (given, version) {
        out.warn(&resource.address, format!("the CROSS_ACCOUNT_VERSION {value} of {} is not a version number: the catalog is read without one (xacct then answers with version 4)", resource.address));
    }
    let engines = external_engines(out, resource);
    let entry = catalog(out, resource, None);
    entry.cross_account_version = version.or(entry.cross_account_version);
    entry.admins.extend(admins);
    entry.iam_allowed_by_default = Some(iam_allowed);
    entry.external_engines = engines;
}

/// The application integration settings of `aws_lakeformation_data_lake_settings`, as manifest
/// lines. Off unless stated, as in AWS; a value known only after apply is a warning and read as
/// off, which can only refuse an engine.
/// <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lakeformation_data_lake_settings>
fn external_engines(out: &mut Out, resource: &Resource) -> Vec<String> {
    let mut lines = Vec::new();
    for name in [
        "allow_external_data_filtering",
        "allow_full_table_external_data_access",
    ] {
        match resource.values.get(name) {
            Some(Value::Bool(true)) => lines.push(format!("{name} = true")),
            _ if resource.is_unknown(name) => out.warn(
                &resource.address,
                format!(
                    "`{name}` of {} is known only after apply: it is read as false",
                    resource.address
                ),
            ),
            _ => {}
        }
    }
    for name in [
        "external_data_filtering_allow_list",
        "authorized_session_tag_value_list",
    ] {
        let values = resource.strings(name);
        if !values.is_empty() {
            lines.push(format!("{name} = {}", super::emit::list(&values)));
        } else if resource.is_unknown(name) {
            out.warn(
                &resource.address,
                format!(
                    "`{name}` of {} is known only after apply: it is read as empty",
                    resource.address
                ),
            );
        }
    }
    lines
}

/// `s3://bucket/prefix` of `arn:aws:s3:::bucket/prefix`.
fn s3_path(arn: &str) -> String {
    let rest = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    format!("s3://{rest}")
}

fn location(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(arn) = resolver.text(resource, "arn") else {
        out.warn(
            &resource.address,
            format!(
                "the location of {} is known only after apply: left out",
                resource.address
            ),
        );
        return;
    };
    let mut lines = vec![format!(
        "[[catalog.location]]\npath = {}",
        quote(&s3_path(&arn))
    )];
    if let Some(role) = resolver.text(resource, "role_arn") {
        lines.push(format!("role = {}", quote(&role)));
    }
    if resource
        .values
        .get("hybrid_access_enabled")
        .and_then(Value::as_bool)
        == Some(true)
    {
        lines.push("hybrid = true".to_owned());
    }
    let address = resource.address.clone();
    catalog(out, resource, None)
        .tables
        .push((address, lines.join("\n")));
}

fn permissions(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(principal) = resolver.text(resource, "principal") else {
        out.warn(
            &resource.address,
            format!(
                "the principal of {} is known only after apply: the grant is left out",
                resource.address
            ),
        );
        return;
    };
    // A grant on an LF-Tag itself (ASSOCIATE, DESCRIBE on the key) lets the principal tag
    // resources, not read them.
    if resource
        .values
        .get("lf_tag")
        .and_then(Value::as_array)
        .is_some_and(|items| !items.is_empty())
    {
        out.warn(
            &resource.address,
            format!(
                "{} grants on an LF-Tag itself (who may assign or describe it), which xacct does not read: left out",
                resource.address
            ),
        );
        return;
    }
    let quoted = |items: Vec<String>| {
        items
            .iter()
            .map(|item| quote(item))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![format!(
        "[[catalog.grant]]\nprincipal = {}",
        quote(&principal)
    )];
    let mut catalog_id = resource.text("catalog_id").map(str::to_owned);
    let database = resource.block("database");
    let table = resource.block("table");
    let columns = resource.block("table_with_columns");
    let data = resource.block("data_location");
    if let Some(target) = super::lf_tags::grant_target(resource) {
        let Ok((target, id)) = target.map_err(|reason| out.warn(&resource.address, reason)) else {
            return;
        };
        catalog_id = id.or(catalog_id);
        lines.extend(target);
    } else if resource
        .values
        .get("catalog_resource")
        .and_then(Value::as_bool)
        == Some(true)
    {
        lines.push("catalog_resource = true".to_owned());
    } else if let Some(block) = columns {
        catalog_id = catalog_of(block).or(catalog_id);
        lines.push(format!(
            "database = {}",
            quote(text_of(Some(block), "database_name").unwrap_or_default())
        ));
        lines.push(format!(
            "table = {}",
            quote(text_of(Some(block), "name").unwrap_or("*"))
        ));
        let names = strings(block.get("column_names"));
        let excluded = strings(block.get("excluded_column_names"));
        if !names.is_empty() {
            lines.push(format!("columns = [{}]", quoted(names)));
        } else if !excluded.is_empty() {
            lines.push(format!("excluded_columns = [{}]", quoted(excluded)));
        }
    } else if let Some(block) = table {
        catalog_id = catalog_of(block).or(catalog_id);
        lines.push(format!(
            "database = {}",
            quote(text_of(Some(block), "database_name").unwrap_or_default())
        ));
        let wildcard = block.get("wildcard").and_then(Value::as_bool) == Some(true);
        let name = if wildcard {
            "*"
        } else {
            text_of(Some(block), "name").unwrap_or("*")
        };
        lines.push(format!("table = {}", quote(name)));
    } else if let Some(block) = database {
        catalog_id = catalog_of(block).or(catalog_id);
        lines.push(format!(
            "database = {}",
            quote(text_of(Some(block), "name").unwrap_or_default())
        ));
    } else if let Some(block) = data {
        catalog_id = catalog_of(block).or(catalog_id);
        let arn = text_of(Some(block), "arn")
            .map(str::to_owned)
            .or_else(|| resolver.nested(resource, "data_location", "arn"));
        let Some(arn) = arn else {
            out.warn(
                &resource.address,
                format!(
                    "the data location of {} is known only after apply: the grant is left out",
                    resource.address
                ),
            );
            return;
        };
        lines.push(format!("location = {}", quote(&s3_path(&arn))));
    } else {
        out.warn(
            &resource.address,
            format!(
                "{} names no resource xacct reads: the grant is left out",
                resource.address
            ),
        );
        return;
    }
    if let Some(id) = &catalog_id {
        lines.push(format!("catalog_id = {}", quote(id)));
    }
    lines.push(format!(
        "permissions = [{}]",
        quoted(resource.strings("permissions"))
    ));
    let grantable = resource.strings("permissions_with_grant_option");
    if !grantable.is_empty() {
        lines.push(format!("grantable = [{}]", quoted(grantable)));
    }
    let address = resource.address.clone();
    // The grant is made by the provider's account, whatever catalog its resource is in.
    let account = resource.account.clone();
    catalog(out, resource, account.as_deref())
        .tables
        .push((address, lines.join("\n")));
}

fn share(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(arn) = resolver.attribute(resource, "arn") else {
        return;
    };
    out.shares.insert(
        arn,
        ShareOut {
            address: resource.address.clone(),
            name: resource.text("name").unwrap_or_default().to_owned(),
            owner: resource.account.clone().unwrap_or_default(),
            allow_external_principals: resource
                .values
                .get("allow_external_principals")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ..ShareOut::default()
        },
    );
}

fn find_share<'a>(
    out: &'a mut Out,
    resolver: &Resolver<'_>,
    resource: &Resource,
    attribute: &str,
) -> Option<&'a mut ShareOut> {
    let arn = resolver.text(resource, attribute);
    match arn {
        Some(arn) if out.shares.contains_key(&arn) => out.shares.get_mut(&arn),
        _ => {
            out.warn(&resource.address, format!("{} names a resource share that is not in the plan (or known only after apply): left out", resource.address));
            None
        }
    }
}

fn association(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let principal = resource.kind == "aws_ram_principal_association";
    let attribute = if principal {
        "principal"
    } else {
        "resource_arn"
    };
    let Some(value) = resolver.text(resource, attribute) else {
        out.warn(
            &resource.address,
            format!(
                "`{attribute}` of {} is known only after apply: left out",
                resource.address
            ),
        );
        return;
    };
    if let Some(share) = find_share(out, resolver, resource, "resource_share_arn") {
        if principal {
            share.principals.push(value);
        } else {
            share.resources.push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn s3_paths_of_arns() {
        assert_eq!(super::s3_path("arn:aws:s3:::lake/sales"), "s3://lake/sales");
    }
}
