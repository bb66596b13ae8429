//! The LF-Tags assigned to each database and table of one account and Region, written as
//! `lakeformation-resource-lf-tags.json`:
//!
//! ```json
//! { "ResourceLFTags": [
//!     { "Resource": {"Database": {"CatalogId": "...", "Name": "sales"}},
//!       "GetResourceLFTags": <lakeformation get-resource-lf-tags> },
//!     { "Resource": {"Table": {"CatalogId": "...", "DatabaseName": "sales", "Name": "orders"}},
//!       "GetResourceLFTags": <...> } ] }
//! ```
//!
//! `get-resource-lf-tags` does not say which resource it describes, so each answer is kept
//! with the `Resource` it was asked of. A table with columns is asked twice: as `Table` (its
//! database's and its own tags) and as `TableWithColumns` naming every column and partition
//! key (the columns' tags), since the API reference does not say that the first answer
//! holds the columns. Resource links are skipped: LF-Tags govern the resources they point to
//! (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GetResourceLFTags.html>).

use crate::call::{Call, Recorder};
use aws_sdk_lakeformation::types::{
    DatabaseResource, Resource, TableResource, TableWithColumnsResource,
};
use serde_json::{json, Value};

/// A table whose tags are read: its database, name and columns (partition keys included).
pub(crate) struct Table {
    pub(crate) database: String,
    pub(crate) name: String,
    pub(crate) columns: Vec<String>,
}

impl Table {
    /// The table of one `TableList` item of `glue get-tables`, unless it is a resource link.
    pub(crate) fn listed(database: &str, item: &Value) -> Option<Table> {
        if item.get("TargetTable").is_some() {
            return None;
        }
        let names = |list: Option<&Value>| -> Vec<String> {
            list.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|column| column.get("Name")?.as_str().map(str::to_owned))
                .collect()
        };
        let mut columns = names(
            item.get("StorageDescriptor")
                .and_then(|descriptor| descriptor.get("Columns")),
        );
        columns.extend(names(item.get("PartitionKeys")));
        Some(Table {
            database: database.to_owned(),
            name: item.get("Name")?.as_str()?.to_owned(),
            columns,
        })
    }
}

/// The tags of `databases` and of `tables`, or `None` when no answer came.
pub(crate) async fn collect(
    lake: &aws_sdk_lakeformation::Client,
    recorder: &Recorder,
    databases: &[String],
    tables: &[Table],
) -> Option<Value> {
    let account = &recorder.account;
    let call = Call {
        action: "lakeformation:GetResourceLFTags",
        resource: "*",
        unanswerable: "which LF-Tags the databases, tables and columns carry: grants by LF-Tag expression match nothing",
        absent: &["EntityNotFoundException"],
    };
    // Each request with the `Resource` it is written with.
    let mut asked: Vec<(Resource, Value)> = Vec::new();
    for name in databases {
        if let Ok(database) = DatabaseResource::builder()
            .catalog_id(account)
            .name(name)
            .build()
        {
            asked.push((
                Resource::builder().database(database).build(),
                json!({"Database": {"CatalogId": account, "Name": name}}),
            ));
        }
    }
    for table in tables {
        let (database, name) = (&table.database, &table.name);
        if let Ok(resource) = TableResource::builder()
            .catalog_id(account)
            .database_name(database)
            .name(name)
            .build()
        {
            asked.push((
                Resource::builder().table(resource).build(),
                json!({"Table": {"CatalogId": account, "DatabaseName": database, "Name": name}}),
            ));
        }
        if table.columns.is_empty() {
            continue;
        }
        if let Ok(resource) = TableWithColumnsResource::builder()
            .catalog_id(account)
            .database_name(database)
            .name(name)
            .set_column_names(Some(table.columns.clone()))
            .build()
        {
            asked.push((
                Resource::builder().table_with_columns(resource).build(),
                json!({"TableWithColumns": {
                    "CatalogId": account, "DatabaseName": database, "Name": name,
                    "ColumnNames": table.columns,
                }}),
            ));
        }
    }
    let mut items = Vec::new();
    for (resource, written) in asked {
        if let Some(tags) = recorder
            .raw(
                &call,
                once!(lake.get_resource_lf_tags().resource(resource.clone())),
            )
            .await
            .got()
        {
            items.push(json!({ "Resource": written, "GetResourceLFTags": tags }));
        }
    }
    (!items.is_empty()).then(|| json!({ "ResourceLFTags": items }))
}
