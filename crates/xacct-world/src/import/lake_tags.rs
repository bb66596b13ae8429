//! LF-Tags, their assignments, data cell filters and the grants on them, from what the AWS CLI
//! prints:
//!
//! - `lakeformation-lf-tags`: `aws lakeformation list-lf-tags`, the keys and allowed values
//!   (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_ListLFTags.html>);
//! - `lakeformation-resource-lf-tags`: `aws lakeformation get-resource-lf-tags` of one database
//!   or table (the `[[import]]` table names it with `database` and `table`: the output does
//!   not) (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GetResourceLFTags.html>);
//! - `lakeformation-data-cells-filters`: `aws lakeformation list-data-cells-filter`
//!   (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataCellsFilter.html>);
//! - the `LFTagPolicy` and `DataCellsFilter` resources of `list-permissions` rows
//!   (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_LFTagPolicyResource.html>);
//! - `CROSS_ACCOUNT_VERSION` of `get-data-lake-settings`' `Parameters`.

use super::{member, Export};
use std::collections::BTreeMap;
use xacct_lake::{
    DataCellsFilter, FilterColumns, GrantResource, RowFilter, TagCondition, TagExpression,
    TagResourceType, TagSet,
};
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Finding, Spanned};

/// The governance of one account and Region, created when first written.
pub(super) fn governance<'l>(
    export: &'l mut Export<'_>,
    account: AccountId,
    region: &str,
) -> &'l mut xacct_lake::Governance {
    export
        .loader
        .world
        .lake
        .governance
        .entry((account, region.to_owned()))
        .or_default()
}

fn expect_list<'j>(
    export: &mut Export<'_>,
    root: &'j Json,
    key: &str,
    command: &str,
) -> Option<&'j [Json]> {
    if member(root, key).is_none() {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                format!(
                    "expected the output of `{command}` (`{{\"{key}\": [...]}}`), found {} without it",
                    root.kind_name()
                ),
            )
            .with_help(format!("run `{command} --output json > FILE`")),
        );
        return None;
    }
    if let Some(Json::String { value, span }) = member(root, "NextToken") {
        if !value.is_empty() {
            export.report(
                Finding::warning(
                    "truncated-export",
                    *span,
                    "this export is one page of several (`NextToken` is set): what the other pages hold is missing",
                )
                .with_help(format!("let the AWS CLI page through everything: run `{command}` without --max-items")),
            );
        }
    }
    Some(export.list(root, key, command))
}

/// The strings of `key` of `object`, each with its span.
fn strings(export: &mut Export<'_>, object: &Json, key: &str, owner: &str) -> Vec<Spanned<String>> {
    let mut out = Vec::new();
    for item in export.list(object, key, owner) {
        if let Some(text) = export.as_string(item, &format!("an item of `{key}` of {owner}")) {
            out.push(text);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// aws lakeformation list-lf-tags
// ---------------------------------------------------------------------------------------

pub(super) fn lf_tags(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    let Some(items) = expect_list(export, root, "LFTags", "aws lakeformation list-lf-tags") else {
        return;
    };
    export.unknown_members(root, &["LFTags", "NextToken"], "the output of list-lf-tags");
    let mut keys = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let owner = format!("LFTags[{index}]");
        export.unknown_members(item, &["CatalogId", "TagKey", "TagValues"], "an LF-Tag");
        let Some(key) = export.string(item, "TagKey", &owner) else {
            continue;
        };
        let values: Vec<String> = strings(export, item, "TagValues", &owner)
            .into_iter()
            .map(|value| value.value)
            .collect();
        if values.is_empty() {
            export.error(
                "invalid-export-value",
                item.span(),
                format!(
                    "LF-Tag `{}` has no `TagValues`: AWS keeps at least one",
                    key.value
                ),
            );
            continue;
        }
        keys.insert(key.value, values);
    }
    super::ensure_account(export, account, root.span());
    governance(export, account, region).keys.extend(keys);
}

// ---------------------------------------------------------------------------------------
// aws lakeformation get-resource-lf-tags
// ---------------------------------------------------------------------------------------

/// The tags of an `LFTagPair` list: one value per key, as AWS assigns them.
fn tag_pairs(export: &mut Export<'_>, list: &[Json], owner: &str) -> TagSet {
    let mut tags = TagSet::new();
    for (index, pair) in list.iter().enumerate() {
        let what = format!("{owner}[{index}]");
        export.unknown_members(
            pair,
            &["CatalogId", "TagKey", "TagValues"],
            "an LF-Tag pair",
        );
        let Some(key) = export.string(pair, "TagKey", &what) else {
            continue;
        };
        let values = strings(export, pair, "TagValues", &what);
        match values.as_slice() {
            [one] => {
                tags.insert(key.value, one.value.clone());
            }
            _ => export.report(
                Finding::error(
                    "invalid-export-value",
                    pair.span(),
                    format!("{what} assigns {} values of `{}`: a resource holds exactly one value of each LF-Tag", values.len(), key.value),
                )
                .with_help("export the file again with `aws lakeformation get-resource-lf-tags` rather than edit it"),
            ),
        }
    }
    tags
}

pub(super) fn resource_lf_tags(
    export: &mut Export<'_>,
    root: &Json,
    account: AccountId,
    region: &str,
    database: Option<&str>,
    table: Option<&str>,
) {
    const KEYS: [&str; 3] = ["LFTagOnDatabase", "LFTagsOnTable", "LFTagsOnColumns"];
    if member(root, "ResourceLFTags").is_some() {
        collected_resource_lf_tags(export, root, account, region, database.or(table));
        return;
    }
    // A resource without LF-Tags may be answered with an empty object.
    let empty = root.members().is_some_and(|members| members.is_empty());
    if empty && database.is_some() {
        return;
    }
    if !KEYS.iter().any(|key| member(root, key).is_some()) {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                "expected the output of `aws lakeformation get-resource-lf-tags` (`LFTagOnDatabase`, `LFTagsOnTable` or `LFTagsOnColumns`)",
            )
            .with_help("run `aws lakeformation get-resource-lf-tags --resource '{\"Table\": {...}}' --output json > FILE`"),
        );
        return;
    }
    export.unknown_members(root, &KEYS, "the output of get-resource-lf-tags");
    let Some(database) = database else {
        export.report(
            Finding::error(
                "incomplete-import",
                root.span(),
                "a lakeformation-resource-lf-tags import needs `database` (and `table` for a table's tags): get-resource-lf-tags does not say which resource it describes",
            )
            .with_help("add `database = \"NAME\"` and `table = \"NAME\"` to the [[import]] table, as passed to --resource"),
        );
        return;
    };
    let on_database = tag_pairs(
        export,
        export_list(root, "LFTagOnDatabase"),
        "LFTagOnDatabase",
    );
    let on_table = tag_pairs(export, export_list(root, "LFTagsOnTable"), "LFTagsOnTable");
    let mut columns = BTreeMap::new();
    for (index, column) in export_list(root, "LFTagsOnColumns").iter().enumerate() {
        let owner = format!("LFTagsOnColumns[{index}]");
        export.unknown_members(column, &["Name", "LFTags"], "a column's LF-Tags");
        let Some(name) = export.string(column, "Name", &owner) else {
            continue;
        };
        let tags = tag_pairs(
            export,
            export_list(column, "LFTags"),
            &format!("{owner}.LFTags"),
        );
        columns.insert(name.value, tags);
    }
    if table.is_none() && (!on_table.is_empty() || !columns.is_empty()) {
        export.report(
            Finding::error(
                "incomplete-import",
                root.span(),
                "this export holds a table's LF-Tags, but the [[import]] table names no `table`",
            )
            .with_help("add `table = \"NAME\"` to the [[import]] table, as passed to --resource"),
        );
        return;
    }
    super::ensure_account(export, account, root.span());
    let governance = governance(export, account, region);
    if !on_database.is_empty() {
        governance
            .databases
            .insert(database.to_owned(), on_database);
    }
    if let Some(table) = table {
        let key = (database.to_owned(), table.to_owned());
        if !on_table.is_empty() {
            governance.tables.insert(key.clone(), on_table);
        }
        let known = governance.table_columns.entry(key.clone()).or_default();
        for name in columns.keys() {
            if !known.contains(name) {
                known.push(name.clone());
            }
        }
        // A column whose tags are all inherited has nothing of its own to record.
        let table_tags = governance.table_tags(database, table);
        let own: BTreeMap<String, TagSet> = columns
            .into_iter()
            .map(|(name, tags)| {
                let differs: TagSet = tags
                    .into_iter()
                    .filter(|(key, value)| table_tags.get(key) != Some(value))
                    .collect();
                (name, differs)
            })
            .filter(|(_, tags)| !tags.is_empty())
            .collect();
        governance.columns.entry(key).or_default().extend(own);
    }
}

/// The bundle `xacct collect` writes: each `get-resource-lf-tags` answer with the `Resource`
/// it was asked of (`{"Database": {"Name"}}` or `{"Table": {"DatabaseName", "Name"}}`), so
/// the `[[import]]` table names no resource.
fn collected_resource_lf_tags(
    export: &mut Export<'_>,
    root: &Json,
    account: AccountId,
    region: &str,
    named: Option<&str>,
) {
    const WHAT: &str = "the lakeformation-resource-lf-tags file `xacct collect` writes";
    export.unknown_members(root, &["ResourceLFTags"], WHAT);
    if named.is_some() {
        export.warning(
            "unused-import-key",
            root.span(),
            "this file names the resource of each answer: `database` and `table` of the [[import]] table are ignored",
        );
    }
    let items = export.list(root, "ResourceLFTags", WHAT);
    for (index, item) in items.iter().enumerate() {
        let owner = format!("ResourceLFTags[{index}]");
        export.unknown_members(item, &["Resource", "GetResourceLFTags"], &owner);
        let (Some(resource), Some(answer)) =
            (member(item, "Resource"), member(item, "GetResourceLFTags"))
        else {
            export.error(
                "invalid-export",
                item.span(),
                format!("{owner} needs `Resource` and `GetResourceLFTags`"),
            );
            continue;
        };
        let (database, table) = if let Some(database) = member(resource, "Database") {
            (member(database, "Name").and_then(Json::as_str), None)
        } else if let Some(table) =
            member(resource, "Table").or_else(|| member(resource, "TableWithColumns"))
        {
            (
                member(table, "DatabaseName").and_then(Json::as_str),
                member(table, "Name").and_then(Json::as_str),
            )
        } else {
            (None, None)
        };
        let Some(database) = database.map(str::to_owned) else {
            export.error(
                "invalid-export",
                resource.span(),
                format!("{owner}.Resource is none of `{{\"Database\": {{\"Name\"}}}}`, `{{\"Table\": {{\"DatabaseName\", \"Name\"}}}}` or `TableWithColumns`"),
            );
            continue;
        };
        let table = table.map(str::to_owned);
        resource_lf_tags(
            export,
            answer,
            account,
            region,
            Some(&database),
            table.as_deref(),
        );
    }
}

/// An array member, or nothing (problems with its type are reported by the callers' lists).
fn export_list<'j>(object: &'j Json, key: &str) -> &'j [Json] {
    match member(object, key) {
        Some(Json::Array { items, .. }) => items,
        _ => &[],
    }
}

// ---------------------------------------------------------------------------------------
// aws lakeformation list-data-cells-filter
// ---------------------------------------------------------------------------------------

const FILTER_KEYS: [&str; 8] = [
    "TableCatalogId",
    "DatabaseName",
    "TableName",
    "Name",
    "RowFilter",
    "ColumnNames",
    "ColumnWildcard",
    "VersionId",
];

pub(super) fn data_cells_filters(
    export: &mut Export<'_>,
    root: &Json,
    account: AccountId,
    region: &str,
) {
    let Some(items) = expect_list(
        export,
        root,
        "DataCellsFilters",
        "aws lakeformation list-data-cells-filter",
    ) else {
        return;
    };
    export.unknown_members(
        root,
        &["DataCellsFilters", "NextToken"],
        "the output of list-data-cells-filter",
    );
    let mut filters = Vec::new();
    for (index, item) in items.iter().enumerate() {
        if let Some(filter) = data_cells_filter(export, item, account, index) {
            filters.push(filter);
        }
    }
    super::ensure_account(export, account, root.span());
    governance(export, account, region).filters.extend(filters);
}

fn data_cells_filter(
    export: &mut Export<'_>,
    item: &Json,
    account: AccountId,
    index: usize,
) -> Option<DataCellsFilter> {
    let owner = format!("DataCellsFilters[{index}]");
    export.unknown_members(item, &FILTER_KEYS, "a data cell filter");
    let catalog = export.string(item, "TableCatalogId", &owner)?;
    if export.account(&catalog)? != account {
        export.report(
            Finding::warning(
                "account-mismatch",
                catalog.span,
                format!("this filter is of catalog {}, but the import says the export is of account {account}", catalog.value),
            ),
        );
    }
    let database = export.string(item, "DatabaseName", &owner)?;
    let table = export.string(item, "TableName", &owner)?;
    let name = export.string(item, "Name", &owner)?;
    let rows = match member(item, "RowFilter") {
        None | Some(Json::Null { .. }) => RowFilter::AllRows,
        Some(row) => {
            export.unknown_members(row, &["FilterExpression", "AllRowsWildcard"], "a RowFilter");
            match (
                member(row, "FilterExpression"),
                member(row, "AllRowsWildcard"),
            ) {
                (Some(text), _) => RowFilter::Expression(
                    export
                        .as_string(text, &format!("`FilterExpression` of {owner}"))?
                        .value,
                ),
                (None, Some(_)) => RowFilter::AllRows,
                (None, None) => {
                    export.error(
                        "missing-export-key",
                        row.span(),
                        format!("`RowFilter` of {owner} has neither `FilterExpression` nor `AllRowsWildcard`"),
                    );
                    return None;
                }
            }
        }
    };
    let included: Vec<String> = strings(export, item, "ColumnNames", &owner)
        .into_iter()
        .map(|text| text.value)
        .collect();
    let columns = match member(item, "ColumnWildcard") {
        Some(wildcard) if !matches!(wildcard, Json::Null { .. }) => {
            if !included.is_empty() {
                export.error(
                    "invalid-export-value",
                    wildcard.span(),
                    format!(
                        "{owner} has both `ColumnNames` and `ColumnWildcard`: a filter has one"
                    ),
                );
                return None;
            }
            export.unknown_members(wildcard, &["ExcludedColumnNames"], "a ColumnWildcard");
            let excluded: Vec<String> = strings(export, wildcard, "ExcludedColumnNames", &owner)
                .into_iter()
                .map(|text| text.value)
                .collect();
            if excluded.is_empty() {
                FilterColumns::All
            } else {
                FilterColumns::Excluded(excluded)
            }
        }
        _ if included.is_empty() => {
            export.error(
                "missing-export-key",
                item.span(),
                format!("{owner} has neither `ColumnNames` nor `ColumnWildcard`"),
            );
            return None;
        }
        _ => FilterColumns::Included(included),
    };
    Some(DataCellsFilter {
        database: database.value,
        table: table.value,
        name: name.value,
        rows,
        columns,
        origin: export.source.location(item.span()),
    })
}

// ---------------------------------------------------------------------------------------
// list-permissions resources and data lake settings
// ---------------------------------------------------------------------------------------

/// The `LFTagPolicy` resource of a grant.
pub(super) fn tag_policy_resource(
    export: &mut Export<'_>,
    body: &Json,
    catalog: AccountId,
    what: &str,
) -> Option<GrantResource> {
    export.unknown_members(
        body,
        &["CatalogId", "ResourceType", "Expression", "ExpressionName"],
        "an LFTagPolicy resource",
    );
    let kind = export.string(body, "ResourceType", what)?;
    let Some(resource_type) = TagResourceType::parse(&kind.value) else {
        export.report(Finding::error(
            "invalid-export-value",
            kind.span,
            format!(
                "`ResourceType` of {what} is `{}`, not DATABASE or TABLE",
                kind.value
            ),
        ));
        return None;
    };
    let conditions = export_list(body, "Expression");
    if conditions.is_empty() {
        let span = member(body, "ExpressionName").map_or(body.span(), Json::span);
        export.report(
            Finding::warning(
                "unmodelled-lake-resource",
                span,
                format!("{what} names a saved LF-Tag expression, which xacct does not read: this grant is left out"),
            )
            .with_help("list the grant with its expression inlined (`Expression`), as list-permissions prints for grants made on an expression"),
        );
        return None;
    }
    let mut expression = TagExpression::default();
    for (index, condition) in conditions.iter().enumerate() {
        let owner = format!("`Expression[{index}]` of {what}");
        export.unknown_members(condition, &["TagKey", "TagValues"], "an LF-Tag condition");
        let key = export.string(condition, "TagKey", &owner)?;
        let values: Vec<String> = strings(export, condition, "TagValues", &owner)
            .into_iter()
            .map(|value| value.value)
            .collect();
        if values.is_empty() {
            export.error(
                "invalid-export-value",
                condition.span(),
                format!("{owner} has no `TagValues`: a condition names at least one value"),
            );
            return None;
        }
        expression.0.push(TagCondition {
            key: key.value,
            values,
        });
    }
    Some(GrantResource::TagPolicy {
        catalog,
        resource_type,
        expression,
    })
}

/// The `DataCellsFilter` resource of a grant.
pub(super) fn filter_resource(
    export: &mut Export<'_>,
    body: &Json,
    grantor: AccountId,
    what: &str,
) -> Option<GrantResource> {
    export.unknown_members(
        body,
        &["TableCatalogId", "DatabaseName", "TableName", "Name"],
        "a DataCellsFilter resource",
    );
    let catalog = match member(body, "TableCatalogId") {
        Some(value) => {
            let text = export.as_string(value, &format!("`TableCatalogId` of {what}"))?;
            export.account(&text)?
        }
        None => grantor,
    };
    Some(GrantResource::DataCellsFilter {
        catalog,
        database: export.string(body, "DatabaseName", what)?.value,
        table: export.string(body, "TableName", what)?.value,
        name: export.string(body, "Name", what)?.value,
    })
}

/// `Parameters.CROSS_ACCOUNT_VERSION` of the data lake settings.
/// <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataLakeSettings.html>
pub(super) fn cross_account_version(
    export: &mut Export<'_>,
    settings: &Json,
    account: AccountId,
    region: &str,
) {
    let Some(parameters) = member(settings, "Parameters") else {
        return;
    };
    let Some(value) = member(parameters, "CROSS_ACCOUNT_VERSION") else {
        return;
    };
    let Some(text) = export.as_string(value, "`CROSS_ACCOUNT_VERSION` of Parameters") else {
        return;
    };
    match text.value.parse::<u8>() {
        Ok(version @ 1..=4) => {
            governance(export, account, region).cross_account_version = Some(version);
        }
        _ => export.report(Finding::error(
            "invalid-export-value",
            text.span,
            format!(
                "`CROSS_ACCOUNT_VERSION` is `{}`: Lake Formation's versions are 1 to 4",
                text.value
            ),
        )),
    }
}
