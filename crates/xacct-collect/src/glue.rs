//! The Glue Data Catalog and Lake Formation of one account and Region. Written as:
//!
//! - `glue-resource-policy.json`: `aws glue get-resource-policy`;
//! - `glue-catalog.json`: `{"GetDatabases": <glue get-databases>, "GetTables": {"<database>":
//!   <glue get-tables --database-name ...>}}`, resource links included (`TargetDatabase`,
//!   `TargetTable`);
//! - `lake-settings.json`: `aws lakeformation get-data-lake-settings`;
//! - `lakeformation-permissions.json`: `aws lakeformation list-permissions`;
//! - `lakeformation-resources.json`: `aws lakeformation list-resources`;
//! - `lakeformation-lf-tags.json`: `aws lakeformation list-lf-tags`;
//! - `lakeformation-data-cells-filters.json`: `aws lakeformation list-data-cells-filter`;
//! - `lakeformation-resource-lf-tags.json`: `aws lakeformation get-resource-lf-tags` of every
//!   database and table (`lake_tags.rs`).
//!
//! Each value is the raw JSON response.

use crate::call::{Call, Recorder};
use crate::session::Session;
use serde_json::{Map, Value};

/// The files of one Region, by file name.
pub(crate) async fn collect(
    session: &Session,
    recorder: &Recorder,
    region: &str,
) -> Vec<(&'static str, Value)> {
    let config = session.in_region(region);
    let glue = aws_sdk_glue::Client::new(&config);
    let lake = aws_sdk_lakeformation::Client::new(&config);
    let account = &recorder.account;
    let catalog = format!("arn:{}:glue:{region}:{account}:catalog", session.partition);
    let mut files = Vec::new();
    // The databases and tables (resource links left out) whose LF-Tags are read at the end.
    let mut tagged_databases = Vec::new();
    let mut tagged_tables = Vec::new();
    if let Some(policy) = recorder
        .raw(
            &Call {
                action: "glue:GetResourcePolicy",
                resource: &catalog,
                unanswerable: "whom the catalog policy lets read the catalog from other accounts",
                absent: &["EntityNotFoundException"],
            },
            once!(glue.get_resource_policy()),
        )
        .await
        .got()
        // An answer without a policy (some endpoints send `{}` rather than an error) is none.
        .filter(|policy| policy.get("PolicyInJson").is_some())
    {
        files.push(("glue-resource-policy.json", policy));
    }
    let databases = recorder
        .raw_pages(
            &Call {
                action: "glue:GetDatabases",
                resource: &catalog,
                unanswerable:
                    "the catalog's databases and resource links: table reads cannot be checked",
                absent: &[],
            },
            &["DatabaseList"],
            "NextToken",
            page!(glue.get_databases(), set_next_token),
        )
        .await
        .got();
    if let Some(databases) = databases {
        let names: Vec<String> = databases
            .get("DatabaseList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|database| database.get("TargetDatabase").is_none())
            .filter_map(|database| database.get("Name")?.as_str().map(str::to_owned))
            .collect();
        let mut tables = Map::new();
        tagged_databases.clone_from(&names);
        for name in names {
            let resource = format!(
                "arn:{}:glue:{region}:{account}:database/{name}",
                session.partition
            );
            if let Some(listed) = recorder
                .raw_pages(
                    &Call {
                        action: "glue:GetTables",
                        resource: &resource,
                        unanswerable: "the database's tables, their locations and links",
                        absent: &["EntityNotFoundException"],
                    },
                    &["TableList"],
                    "NextToken",
                    page!(glue.get_tables().database_name(&name), set_next_token),
                )
                .await
                .got()
            {
                tagged_tables.extend(
                    listed
                        .get("TableList")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|item| crate::lake_tags::Table::listed(&name, item)),
                );
                tables.insert(name, listed);
            }
        }
        let mut bundle = Map::new();
        bundle.insert("GetDatabases".to_owned(), databases);
        bundle.insert("GetTables".to_owned(), Value::Object(tables));
        files.push(("glue-catalog.json", Value::Object(bundle)));
    }
    if let Some(settings) = recorder
        .raw(
            &Call {
                action: "lakeformation:GetDataLakeSettings",
                resource: "*",
                unanswerable: "the data lake administrators and whether new tables are IAM-only",
                absent: &[],
            },
            once!(lake.get_data_lake_settings()),
        )
        .await
        .got()
    {
        files.push(("lake-settings.json", settings));
    }
    if let Some(permissions) = recorder
        .raw_pages(
            &Call {
                action: "lakeformation:ListPermissions",
                resource: "*",
                unanswerable: "the Lake Formation grants: every Lake Formation-governed table read looks denied",
                absent: &[],
            },
            &["PrincipalResourcePermissions"],
            "NextToken",
            page!(lake.list_permissions().catalog_id(account), set_next_token),
        )
        .await
        .got()
    {
        files.push(("lakeformation-permissions.json", permissions));
    }
    if let Some(resources) = recorder
        .raw_pages(
            &Call {
                action: "lakeformation:ListResources",
                resource: "*",
                unanswerable: "which S3 locations Lake Formation governs (credential vending)",
                absent: &[],
            },
            &["ResourceInfoList"],
            "NextToken",
            page!(lake.list_resources(), set_next_token),
        )
        .await
        .got()
    {
        files.push(("lakeformation-resources.json", resources));
    }
    if let Some(tags) = recorder
        .raw_pages(
            &Call {
                action: "lakeformation:ListLFTags",
                resource: "*",
                unanswerable:
                    "the LF-Tags and their values: grants by LF-Tag expression cannot be checked",
                absent: &[],
            },
            &["LFTags"],
            "NextToken",
            page!(lake.list_lf_tags().catalog_id(account), set_next_token),
        )
        .await
        .got()
    {
        files.push(("lakeformation-lf-tags.json", tags));
    }
    if let Some(filters) = recorder
        .raw_pages(
            &Call {
                action: "lakeformation:ListDataCellsFilter",
                resource: "*",
                unanswerable:
                    "the data cell filters: the rows and columns a filtered grant reaches",
                absent: &[],
            },
            &["DataCellsFilters"],
            "NextToken",
            page!(lake.list_data_cells_filter(), set_next_token),
        )
        .await
        .got()
    {
        files.push(("lakeformation-data-cells-filters.json", filters));
    }
    if let Some(tags) =
        crate::lake_tags::collect(&lake, recorder, &tagged_databases, &tagged_tables).await
    {
        files.push(("lakeformation-resource-lf-tags.json", tags));
    }
    files
}
