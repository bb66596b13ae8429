//! Lake Formation tag-based access control and data cell filters: LF-Tags, their assignment
//! to databases, tables and columns, grants on tag expressions and on filters, and the filters
//! themselves, written as `[[catalog.lf_tag]]`, `lf_tags`/`column_lf_tags`, `[[catalog.filter]]`
//! and `[[catalog.grant]]` with `lf_tags`/`filter` (docs/routes.md, "Lake Formation tags and
//! data filters"). Attribute names from the AWS provider's documentation
//! (`aws_lakeformation_lf_tag`, `aws_lakeformation_resource_lf_tags`,
//! `aws_lakeformation_data_cells_filter`, and the `lf_tag_policy` and `data_cells_filter`
//! blocks of `aws_lakeformation_permissions`).

use super::emit::{quote, Out};
use super::lake::{catalog, text_of};
use super::plan::{first_block, strings, Resource};
use super::resolve::Resolver;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// LF-Tags a resource of the plan assigns, attached to the database or table once every table
/// of the plan is read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tagging {
    pub(crate) address: String,
    pub(crate) database: String,
    /// `None` for the database itself; `*` for every table of it.
    pub(crate) table: Option<String>,
    /// Columns the tags are on (empty: the table or database itself).
    pub(crate) columns: Vec<String>,
    pub(crate) tags: BTreeMap<String, String>,
}

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_lakeformation_lf_tag" => lf_tag(out, resource),
        "aws_lakeformation_resource_lf_tags" => assignment(out, resolver, resource),
        "aws_lakeformation_data_cells_filter" => filter(out, resource),
        _ => return false,
    }
    true
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The blocks of a nested block list (`lf_tag`, `expression`): Terraform writes sets of
/// blocks as arrays of objects.
fn blocks(value: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn lf_tag(out: &mut Out, resource: &Resource) {
    let (Some(key), values) = (resource.text("key"), resource.strings("values")) else {
        out.warn(
            &resource.address,
            format!(
                "the key of {} is known only after apply: left out",
                resource.address
            ),
        );
        return;
    };
    let block = format!(
        "[[catalog.lf_tag]]\nkey = {}\nvalues = {}",
        quote(key),
        list(&values)
    );
    let address = resource.address.clone();
    catalog(out, resource, None).tables.push((address, block));
}

fn assignment(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let mut tags = BTreeMap::new();
    for block in blocks(resource.values.get("lf_tag")) {
        if let (Some(key), Some(value)) =
            (text_of(Some(block), "key"), text_of(Some(block), "value"))
        {
            tags.insert(key.to_owned(), value.to_owned());
        }
    }
    if tags.is_empty() {
        out.warn(
            &resource.address,
            format!(
                "the LF-Tags of {} are known only after apply: none are read",
                resource.address
            ),
        );
        return;
    }
    let database = resource.block("database");
    let table = resource.block("table");
    let columns = resource.block("table_with_columns");
    let database_name = |block: Option<&Map<String, Value>>, attribute: &str, path: &str| {
        text_of(block, attribute)
            .map(str::to_owned)
            .or_else(|| resolver.nested(resource, path, attribute))
    };
    let (name, table_name, column_names, catalog_id) = if let Some(block) = columns {
        (
            database_name(Some(block), "database_name", "table_with_columns"),
            text_of(Some(block), "name").map(str::to_owned),
            strings(block.get("column_names")),
            text_of(Some(block), "catalog_id"),
        )
    } else if let Some(block) = table {
        let wildcard = block.get("wildcard").and_then(Value::as_bool) == Some(true);
        (
            database_name(Some(block), "database_name", "table"),
            if wildcard {
                Some("*".to_owned())
            } else {
                text_of(Some(block), "name").map(str::to_owned)
            },
            Vec::new(),
            text_of(Some(block), "catalog_id"),
        )
    } else {
        (
            database.and_then(|block| text_of(Some(block), "name").map(str::to_owned)),
            None,
            Vec::new(),
            database.and_then(|block| text_of(Some(block), "catalog_id")),
        )
    };
    let Some(name) = name else {
        out.warn(
            &resource.address,
            format!(
                "{} names no database xacct can read before apply: its LF-Tags are left out",
                resource.address
            ),
        );
        return;
    };
    let tagging = Tagging {
        address: resource.address.clone(),
        database: name,
        table: table_name,
        columns: column_names,
        tags,
    };
    let catalog_id = catalog_id.map(str::to_owned);
    catalog(out, resource, catalog_id.as_deref())
        .tagged
        .push(tagging);
}

fn filter(out: &mut Out, resource: &Resource) {
    let data = resource.block("table_data");
    let (Some(name), Some(database), Some(table)) = (
        text_of(data, "name"),
        text_of(data, "database_name"),
        text_of(data, "table_name"),
    ) else {
        out.warn(
            &resource.address,
            format!(
                "the name, database or table of {} is known only after apply: the filter is left out",
                resource.address
            ),
        );
        return;
    };
    let mut lines = vec![format!(
        "[[catalog.filter]]\nname = {}\ndatabase = {}\ntable = {}",
        quote(name),
        quote(database),
        quote(table)
    )];
    let row = data
        .and_then(|data| data.get("row_filter"))
        .and_then(first_block);
    if let Some(expression) = text_of(row, "filter_expression") {
        lines.push(format!("row_filter = {}", quote(expression)));
    }
    let columns = strings(data.and_then(|data| data.get("column_names")));
    let excluded = strings(
        data.and_then(|data| data.get("column_wildcard"))
            .and_then(first_block)
            .and_then(|wildcard| wildcard.get("excluded_column_names")),
    );
    if !columns.is_empty() {
        lines.push(format!("columns = {}", list(&columns)));
    } else if !excluded.is_empty() {
        lines.push(format!("excluded_columns = {}", list(&excluded)));
    }
    let catalog_id = text_of(data, "table_catalog_id").map(str::to_owned);
    let address = resource.address.clone();
    catalog(out, resource, catalog_id.as_deref())
        .tables
        .push((address, lines.join("\n")));
}

/// A grant's target: its lines, and the catalog it names.
pub(super) type Target = (Vec<String>, Option<String>);

/// Tags by key.
type Tags = BTreeMap<String, String>;

/// A database (`None`) or table: what it is tagged with, and each column's tags.
type Assigned = BTreeMap<(String, Option<String>), (Tags, BTreeMap<String, Tags>)>;

/// The target lines of an `aws_lakeformation_permissions` grant on a tag expression
/// (`lf_tag_policy`) or a data cell filter (`data_cells_filter`), with the catalog it names;
/// `Err` with the reason when the grant cannot be read (Lake Formation refuses an empty
/// expression: `Expression` takes 1 to 5 conditions).
pub(super) fn grant_target(resource: &Resource) -> Option<Result<Target, String>> {
    if let Some(policy) = resource.block("lf_tag_policy") {
        let mut expression = Vec::new();
        for block in blocks(policy.get("expression")) {
            if let Some(key) = text_of(Some(block), "key") {
                let values = strings(block.get("values"));
                expression.push(format!("{} = {}", quote(key), list(&values)));
            }
        }
        if expression.is_empty() {
            return Some(Err(format!(
                "{} grants on an lf_tag_policy with no LF-Tag expression xacct can read before apply: left out",
                resource.address
            )));
        }
        let kind = text_of(Some(policy), "resource_type").unwrap_or("TABLE");
        let lines = vec![
            format!("lf_tags = {{ {} }}", expression.join(", ")),
            format!("lf_tag_resource = {}", quote(kind)),
        ];
        return Some(Ok((
            lines,
            text_of(Some(policy), "catalog_id").map(str::to_owned),
        )));
    }
    let filter = resource.block("data_cells_filter")?;
    let (Some(database), Some(table), Some(name)) = (
        text_of(Some(filter), "database_name"),
        text_of(Some(filter), "table_name"),
        text_of(Some(filter), "name"),
    ) else {
        return Some(Err(format!(
            "the data cell filter {} grants on is known only after apply: left out",
            resource.address
        )));
    };
    let lines = vec![
        format!("database = {}", quote(database)),
        format!("table = {}", quote(table)),
        format!("filter = {}", quote(name)),
    ];
    Some(Ok((
        lines,
        text_of(Some(filter), "table_catalog_id").map(str::to_owned),
    )))
}

/// `{ "k" = "v", ... }`.
fn inline(tags: &Tags) -> String {
    let pairs: Vec<String> = tags
        .iter()
        .map(|(key, value)| format!("{} = {}", quote(key), quote(value)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// Adds the LF-Tags the plan assigns to the databases and tables of the plan: `lf_tags` on
/// the database or table, `column_lf_tags` on the table. An assignment to a database or table
/// the plan does not define is a warning (the scenario's own tables say their tags).
pub(super) fn attach(out: &mut Out) {
    let mut warnings = Vec::new();
    for catalog in out.catalogs.values_mut() {
        let mut on = Assigned::new();
        let mut sources: BTreeMap<(String, Option<String>), Vec<String>> = BTreeMap::new();
        for tagging in std::mem::take(&mut catalog.tagged) {
            let tables: Vec<Option<String>> = match tagging.table.as_deref() {
                Some("*") => catalog
                    .tables
                    .iter()
                    .filter_map(|(_, block)| table_of(block))
                    .filter(|(database, _)| *database == tagging.database)
                    .map(|(_, table)| Some(table))
                    .collect(),
                other => vec![other.map(str::to_owned)],
            };
            for table in tables {
                let key = (tagging.database.clone(), table);
                sources
                    .entry(key.clone())
                    .or_default()
                    .push(tagging.address.clone());
                let entry = on.entry(key).or_default();
                if tagging.columns.is_empty() {
                    entry.0.extend(tagging.tags.clone());
                } else {
                    for column in &tagging.columns {
                        entry
                            .1
                            .entry(column.clone())
                            .or_default()
                            .extend(tagging.tags.clone());
                    }
                }
            }
        }
        for ((database, table), (tags, columns)) in on {
            let header = match &table {
                None => format!("[[catalog.database]]\nname = {}", quote(&database)),
                Some(table) => format!(
                    "[[catalog.table]]\ndatabase = {}\nname = {}",
                    quote(&database),
                    quote(table)
                ),
            };
            let found = catalog.tables.iter_mut().find(|(_, block)| {
                block
                    .strip_prefix(&header)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('\n'))
            });
            let Some((_, block)) = found else {
                let addresses = sources
                    .get(&(database.clone(), table.clone()))
                    .cloned()
                    .unwrap_or_default();
                let what = table.map_or_else(
                    || format!("database `{database}`"),
                    |table| format!("table `{database}.{table}`"),
                );
                for address in addresses {
                    warnings.push((address.clone(), format!("{address} tags {what}, which the plan does not define: its LF-Tags are left out (give them as `lf_tags` on the scenario's table)")));
                }
                continue;
            };
            if !tags.is_empty() {
                block.push_str(&format!("\nlf_tags = {}", inline(&tags)));
            }
            if !columns.is_empty() {
                let pairs: Vec<String> = columns
                    .iter()
                    .map(|(column, tags)| format!("{} = {}", quote(column), inline(tags)))
                    .collect();
                block.push_str(&format!("\ncolumn_lf_tags = {{ {} }}", pairs.join(", ")));
            }
        }
    }
    for (address, message) in warnings {
        out.warn(&address, message);
    }
}

/// The database and table of a `[[catalog.table]]` block written by `lake.rs`.
fn table_of(block: &str) -> Option<(String, String)> {
    let parsed: toml::Table = toml::from_str(block).ok()?;
    let table = parsed
        .get("catalog")?
        .get("table")?
        .as_array()?
        .first()?
        .as_table()?;
    Some((
        table.get("database")?.as_str()?.to_owned(),
        table.get("name")?.as_str()?.to_owned(),
    ))
}
