//! Lake Formation, the Glue Data Catalog's resource policy and AWS RAM shares, from what the
//! AWS CLI prints:
//!
//! - `lakeformation-permissions`: `aws lakeformation list-permissions`, every grant held by
//!   one account's Lake Formation, read into [`xacct_lake::Grant`]s whose grantor is that
//!   account (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_ListPermissions.html>);
//! - `lakeformation-settings`: `aws lakeformation get-data-lake-settings`, the data lake
//!   administrators and the IAM-only defaults of one account's catalog in one Region
//!   (<https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataLakeSettings.html>);
//! - `glue-resource-policy`: `aws glue get-resource-policy`, the Data Catalog's resource policy
//!   (<https://docs.aws.amazon.com/glue/latest/webapi/API_GetResourcePolicy.html>);
//! - `ram-resource-shares`: the outputs of `aws ram get-resource-shares`, `list-resources`,
//!   `list-principals` and `get-resource-share-invitations` merged into one object, read into
//!   [`xacct_lake::Share`]s (<https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShare.html>).
//!
//! LF-Tags, their assignments and data cell filters are read by [`super::lake_tags`]. What the
//! exports hold and xacct does not model (saved LF-Tag expressions, conditions, nested
//! catalogs, RAM shares of other services) is a warning saying it is left out: a
//! principal that reads only through it then looks denied, and the warning says why.

use super::{ensure_account, member, span_of, Export};
use crate::load::Loader;
use crate::manifest::ImportEntry;
use std::collections::{BTreeMap, BTreeSet};
use xacct_lake::{
    Catalog, Grant, GrantPrincipal, GrantResource, InvitationState, Permission, Share, TableName,
};
use xacct_policy::json::{Json, Member};
use xacct_policy::{AccountId, Arn, Finding, PolicyKind, Spanned};

/// The import kinds this module reads.
pub(super) const KINDS: [&str; 7] = [
    "lakeformation-permissions",
    "lakeformation-settings",
    "glue-resource-policy",
    "ram-resource-shares",
    "lakeformation-lf-tags",
    "lakeformation-resource-lf-tags",
    "lakeformation-data-cells-filters",
];

/// The Region a catalog is in when the `[[import]]` table names none, as for `[[catalog]]`.
const DEFAULT_REGION: &str = "us-east-1";

/// What the `[[import]]` table says the export is of: the exports themselves do not say.
pub(super) struct Scope {
    /// Required for every kind but `ram-resource-shares`, whose shares name their owner.
    account: Option<AccountId>,
    region: String,
    /// For `lakeformation-resource-lf-tags`: the database and table the tags are of.
    database: Option<String>,
    table: Option<String>,
}

/// Reads `account` and `region` of a Lake Formation, Glue or RAM import. `None` when the
/// table cannot be used: the finding is made.
pub(super) fn scope(loader: &mut Loader, entry: &ImportEntry, kind: &str) -> Option<Scope> {
    let span = span_of(&entry.kind);
    if entry.bucket.is_some() {
        loader
            .warning(
                "unused-import-key",
                span,
                format!("`bucket` has no meaning for a {kind} import: it is ignored"),
            )
            .help = Some("`bucket` names the bucket of a bucket-policy import".to_owned());
    }
    // Grants and shares carry no Region in xacct's model of Lake Formation: say so rather
    // than let a `region` look as if it scoped them.
    let why_no_region = match kind {
        "lakeformation-permissions" => {
            Some("xacct holds Lake Formation grants by account, not by Region")
        }
        "ram-resource-shares" => Some("a share's resources name their Region in their ARNs"),
        _ => None,
    };
    if let (Some(why), Some(region)) = (why_no_region, &entry.region) {
        loader.warning(
            "unused-import-key",
            span,
            format!("`region = \"{region}\"` has no effect on a {kind} import: {why}"),
        );
    }
    let why_account = match kind {
        "lakeformation-permissions" => {
            Some("list-permissions does not say whose Lake Formation holds the grants")
        }
        "lakeformation-settings" => {
            Some("get-data-lake-settings does not say which account it describes")
        }
        "glue-resource-policy" => {
            Some("get-resource-policy does not say which catalog the policy belongs to")
        }
        "lakeformation-lf-tags" | "lakeformation-resource-lf-tags" => {
            Some("the LF-Tags of an account's catalog do not say which account they are of")
        }
        "lakeformation-data-cells-filters" => {
            Some("list-data-cells-filter is read as the filters of one account's catalog")
        }
        _ => None,
    };
    let account = match (&entry.account, why_account) {
        (Some(text), _) => match text.parse::<AccountId>() {
            Ok(account) => Some(account),
            Err(error) => {
                loader.error(
                    "invalid-account",
                    span,
                    format!("`account` of this import: {error}"),
                );
                return None;
            }
        },
        (None, Some(why)) => {
            loader
                .error(
                    "incomplete-import",
                    span,
                    format!("a {kind} import needs `account`: {why}"),
                )
                .help = Some(
                "add `account = \"ACCOUNT ID\"` to this [[import]] table: the account whose credentials made the export".to_owned(),
            );
            return None;
        }
        (None, None) => None,
    };
    let region = entry
        .region
        .clone()
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    if !is_region(&region) {
        loader
            .error(
                "invalid-region",
                span,
                format!("`region = \"{region}\"` of this import is not an AWS Region"),
            )
            .help = Some("write it as the CLI's `--region` takes it, e.g. `eu-west-1`".to_owned());
        return None;
    }
    if kind != "lakeformation-resource-lf-tags" {
        for (key, given) in [("database", &entry.database), ("table", &entry.table)] {
            if given.is_some() {
                loader.warning(
                    "unused-import-key",
                    span,
                    format!("`{key}` has no meaning for a {kind} import: it is ignored"),
                );
            }
        }
    }
    Some(Scope {
        account,
        region,
        database: entry.database.clone(),
        table: entry.table.clone(),
    })
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: letters, hyphens, a number.
pub(super) fn is_region(text: &str) -> bool {
    let mut parts = text.split('-');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let Some((number, middle)) = rest.split_last() else {
        return false;
    };
    first.len() == 2
        && first.bytes().all(|byte| byte.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|byte| byte.is_ascii_digit())
}

/// Reads one export of a kind of [`KINDS`].
pub(super) fn import(export: &mut Export<'_>, root: &Json, kind: &str, scope: &Scope) {
    match (kind, scope.account) {
        ("lakeformation-permissions", Some(account)) => permissions(export, root, account),
        ("lakeformation-settings", Some(account)) => {
            settings(export, root, account, &scope.region);
        }
        ("glue-resource-policy", Some(account)) => {
            catalog_policy(export, root, account, &scope.region);
        }
        ("ram-resource-shares", expected) => shares(export, root, expected),
        ("lakeformation-lf-tags", Some(account)) => {
            super::lake_tags::lf_tags(export, root, account, &scope.region);
        }
        ("lakeformation-resource-lf-tags", Some(account)) => super::lake_tags::resource_lf_tags(
            export,
            root,
            account,
            &scope.region,
            scope.database.as_deref(),
            scope.table.as_deref(),
        ),
        ("lakeformation-data-cells-filters", Some(account)) => {
            super::lake_tags::data_cells_filters(export, root, account, &scope.region);
        }
        _ => {}
    }
}

/// A `NextToken` (`nextToken` in RAM) with a value: the export is one page of several.
/// `commands` names what made it, for the help.
fn truncation(export: &mut Export<'_>, root: &Json, key: &str, commands: &str) {
    if let Some(Json::String { value, span }) = member(root, key) {
        if !value.is_empty() {
            export.report(
                Finding::warning(
                    "truncated-export",
                    *span,
                    format!("this export is one page of several (`{key}` is set): what the other pages hold is missing"),
                )
                .with_help(format!("let the AWS CLI page through everything: run {commands} without --max-items")),
            );
        }
    }
}

/// The identifier of a `{"DataLakePrincipalIdentifier": "..."}` object.
pub(super) fn principal_identifier(
    export: &mut Export<'_>,
    value: &Json,
    owner: &str,
) -> Option<Spanned<String>> {
    export.unknown_members(
        value,
        &["DataLakePrincipalIdentifier"],
        "a Lake Formation principal",
    );
    export.string(value, "DataLakePrincipalIdentifier", owner)
}

// ---------------------------------------------------------------------------------------
// aws lakeformation list-permissions
// ---------------------------------------------------------------------------------------

const PERMISSIONS_KEYS: [&str; 2] = ["PrincipalResourcePermissions", "NextToken"];

/// `PrincipalResourcePermissions` members.
/// <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_PrincipalResourcePermissions.html>
const ROW_KEYS: [&str; 8] = [
    "Principal",
    "Resource",
    "Condition",
    "Permissions",
    "PermissionsWithGrantOption",
    "AdditionalDetails",
    "LastUpdated",
    "LastUpdatedBy",
];

/// The `Resource` members xacct reads into a [`GrantResource`].
/// <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_Resource.html>
const MODELLED_RESOURCES: [&str; 7] = [
    "Catalog",
    "Database",
    "Table",
    "TableWithColumns",
    "DataLocation",
    "LFTagPolicy",
    "DataCellsFilter",
];

/// The `Resource` members AWS defines that xacct does not model, with what they are.
const LEFT_OUT_RESOURCES: [(&str, &str); 2] = [
    ("LFTag", "the LF-Tag itself (to describe or assign it)"),
    ("LFTagExpression", "a saved LF-Tag expression"),
];

/// Permissions AWS defines (`Permissions` valid values) that do not decide reads of
/// databases and tables in xacct's model: left out of a grant with a warning.
const UNMODELLED_PERMISSIONS: [&str; 7] = [
    "CREATE_LF_TAG",
    "ASSOCIATE",
    "GRANT_WITH_LF_TAG_EXPRESSION",
    "CREATE_LF_TAG_EXPRESSION",
    "CREATE_CATALOG",
    "SUPER_USER",
    "EXECUTE",
];

fn permissions(export: &mut Export<'_>, root: &Json, grantor: AccountId) {
    if member(root, "PrincipalResourcePermissions").is_none() {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                format!(
                    "expected the output of `aws lakeformation list-permissions` (`{{\"PrincipalResourcePermissions\": [...]}}`), found {} without it",
                    root.kind_name()
                ),
            )
            .with_help(format!("run `aws lakeformation list-permissions --catalog-id {grantor} --output json > FILE` with credentials of a data lake administrator of {grantor}")),
        );
        return;
    }
    export.unknown_members(root, &PERMISSIONS_KEYS, "the output of list-permissions");
    truncation(
        export,
        root,
        "NextToken",
        "`aws lakeformation list-permissions`",
    );
    ensure_account(export, grantor, root.span());
    let rows = export.list(
        root,
        "PrincipalResourcePermissions",
        "the output of list-permissions",
    );
    for (index, row) in rows.iter().enumerate() {
        if let Some(grant) = grant_row(export, row, grantor, index) {
            if grant.grantor != grantor {
                ensure_account(export, grant.grantor, row.span());
            }
            export.loader.world.lake.grants.push(grant);
        }
    }
}

/// One `PrincipalResourcePermissions` row as a grant, or `None` with a finding saying why.
fn grant_row(
    export: &mut Export<'_>,
    row: &Json,
    grantor: AccountId,
    index: usize,
) -> Option<Grant> {
    let owner = format!("PrincipalResourcePermissions[{index}]");
    if row.members().is_none() {
        export.error(
            "invalid-export-value",
            row.span(),
            format!("{owner} must be an object, found {}", row.kind_name()),
        );
        return None;
    }
    export.unknown_members(row, &ROW_KEYS, "a list-permissions row");
    let resource_value = export.required(row, "Resource", &owner)?;
    let resource = grant_resource(export, resource_value, grantor, &owner)?;
    // A condition narrows the grant to requests that satisfy it; reading the grant without
    // it would give more than AWS gives.
    if let Some(condition) = member(row, "Condition") {
        let empty = match condition {
            Json::Null { .. } => true,
            Json::Object { members, .. } => members.is_empty(),
            _ => false,
        };
        if !empty {
            export.report(
                Finding::warning(
                    "unmodelled-lake-condition",
                    condition.span(),
                    format!("{owner} holds only under a `Condition`, which xacct does not model: this grant is left out"),
                )
                .with_help("the principal looks denied where the condition would let it through; check the condition by hand"),
            );
            return None;
        }
    }
    let principal_value = export.required(row, "Principal", &owner)?;
    let identifier =
        principal_identifier(export, principal_value, &format!("`Principal` of {owner}"))?;
    let Some(principal) = GrantPrincipal::parse(&identifier.value) else {
        export.report(
            Finding::error(
                "invalid-lake-principal",
                identifier.span,
                format!("`{}` is not a Lake Formation principal xacct knows", identifier.value),
            )
            .with_help("a role or user ARN, an account id, an organization or OU ARN (arn:aws:organizations::MGMT:organization/o-..., .../ou/o-.../ou-...), or IAM_ALLOWED_PRINCIPALS"),
        );
        return None;
    };
    let (permissions, reported) = permission_list(export, row, "Permissions", &owner);
    let (grantable, _) = permission_list(export, row, "PermissionsWithGrantOption", &owner);
    if permissions.is_empty() {
        if !reported {
            export.warning(
                "empty-lake-grant",
                row.span(),
                format!("{owner} gives no permission: it is left out"),
            );
        }
        return None;
    }
    // A consumer's list-permissions also shows the grants it received: to its own account, on
    // another account's catalog. An account does not grant to itself, so such a row is held
    // by the Lake Formation of the catalog's owner.
    let grantor = match &principal {
        GrantPrincipal::Account(to) if *to == grantor && resource.catalog() != grantor => {
            resource.catalog()
        }
        _ => grantor,
    };
    Some(Grant {
        grantor,
        principal,
        resource,
        permissions,
        grantable,
        origin: export.source.location(row.span()),
    })
}

/// The permissions of `key`, and whether a finding was made about one of them.
fn permission_list(
    export: &mut Export<'_>,
    row: &Json,
    key: &str,
    owner: &str,
) -> (Vec<Permission>, bool) {
    let mut out = Vec::new();
    let mut reported = false;
    for item in export.list(row, key, owner) {
        let Some(text) = export.as_string(item, &format!("an item of `{key}` of {owner}")) else {
            reported = true;
            continue;
        };
        match text.value.parse::<Permission>() {
            Ok(permission) => {
                if !out.contains(&permission) {
                    out.push(permission);
                }
            }
            Err(_) if UNMODELLED_PERMISSIONS.contains(&text.value.as_str()) => {
                reported = true;
                export.report(
                    Finding::warning(
                        "unmodelled-lake-permission",
                        text.span,
                        format!("`{}` is a Lake Formation permission xacct does not model: it is left out of this grant", text.value),
                    )
                    .with_help("xacct decides reads and writes of databases and tables; LF-Tag, nested-catalog and EXECUTE permissions do not take part"),
                );
            }
            Err(error) => {
                reported = true;
                export.report(
                    Finding::error("unknown-lake-permission", text.span, error.to_string())
                        .with_help("Lake Formation writes permissions in upper case with underscores, such as `SELECT` or `DATA_LOCATION_ACCESS`"),
                );
            }
        }
    }
    (out, reported)
}

/// The `Resource` of a row. `None` with a finding: an error for a malformed resource, a
/// warning for one xacct does not model.
fn grant_resource(
    export: &mut Export<'_>,
    value: &Json,
    grantor: AccountId,
    owner: &str,
) -> Option<GrantResource> {
    let Some(members) = value.members() else {
        export.error(
            "invalid-export-value",
            value.span(),
            format!(
                "`Resource` of {owner} must be an object, found {}",
                value.kind_name()
            ),
        );
        return None;
    };
    let known: Vec<&str> = MODELLED_RESOURCES
        .iter()
        .copied()
        .chain(LEFT_OUT_RESOURCES.iter().map(|(name, _)| *name))
        .collect();
    export.unknown_members(value, &known, "a Lake Formation resource");
    let present: Vec<&Member> = members
        .iter()
        .filter(|found| known.contains(&found.name.as_str()))
        .collect();
    let one = match present.as_slice() {
        [one] => *one,
        [] => {
            export.warning(
                "unmodelled-lake-resource",
                value.span(),
                format!(
                    "`Resource` of {owner} names no resource xacct reads: this grant is left out"
                ),
            );
            return None;
        }
        several => {
            let names: Vec<&str> = several.iter().map(|found| found.name.as_str()).collect();
            export.report(
                Finding::error(
                    "invalid-export-value",
                    value.span(),
                    format!(
                        "`Resource` of {owner} names {} resources (`{}`): a grant is on exactly one",
                        names.len(),
                        names.join("`, `")
                    ),
                )
                .with_help("list-permissions prints one row per resource: export the file again rather than edit it"),
            );
            return None;
        }
    };
    let what = format!("`{}` of {owner}", one.name);
    let body = &one.value;
    if let Some((_, meaning)) = LEFT_OUT_RESOURCES
        .iter()
        .find(|(name, _)| *name == one.name)
    {
        export.report(
            Finding::warning(
                "unmodelled-lake-resource",
                one.name_span,
                format!("{owner} grants on `{}`, {meaning}, which xacct does not model: it is left out", one.name),
            )
            .with_help("xacct reads grants on the catalog, databases, tables (with columns), LF-Tag expressions, data cell filters and data locations; a principal that reads only through this grant looks denied"),
        );
        return None;
    }
    if body.members().is_none() {
        export.error(
            "invalid-export-value",
            body.span(),
            format!("{what} must be an object, found {}", body.kind_name()),
        );
        return None;
    }
    match one.name.as_str() {
        "LFTagPolicy" => {
            let catalog = catalog_id(export, body, "CatalogId", grantor, &what)?;
            super::lake_tags::tag_policy_resource(export, body, catalog, &what)
        }
        "DataCellsFilter" => super::lake_tags::filter_resource(export, body, grantor, &what),
        "Catalog" => {
            export.unknown_members(body, &["Id"], "a Catalog resource");
            let catalog = catalog_id(export, body, "Id", grantor, &what)?;
            Some(GrantResource::Catalog { catalog })
        }
        "Database" => {
            export.unknown_members(body, &["CatalogId", "Name"], "a Database resource");
            let catalog = catalog_id(export, body, "CatalogId", grantor, &what)?;
            let name = export.string(body, "Name", &what)?;
            Some(GrantResource::Database {
                catalog,
                name: name.value,
            })
        }
        "Table" => {
            export.unknown_members(
                body,
                &["CatalogId", "DatabaseName", "Name", "TableWildcard"],
                "a Table resource",
            );
            let catalog = catalog_id(export, body, "CatalogId", grantor, &what)?;
            let database = export.string(body, "DatabaseName", &what)?;
            let wildcard =
                member(body, "TableWildcard").filter(|found| !matches!(found, Json::Null { .. }));
            let table = match (wildcard, member(body, "Name")) {
                (Some(wildcard), name) => {
                    if let Some(name) = name {
                        export.warning(
                            "ambiguous-lake-resource",
                            name.span(),
                            format!("{what} has both `Name` and `TableWildcard`: it is read as every table of `{}`", database.value),
                        );
                    }
                    if wildcard.members().is_none() {
                        export.error(
                            "invalid-export-value",
                            wildcard.span(),
                            format!(
                                "`TableWildcard` of {what} must be an object (`{{}}`), found {}",
                                wildcard.kind_name()
                            ),
                        );
                        return None;
                    }
                    TableName::All
                }
                (None, Some(name)) => {
                    TableName::Named(export.as_string(name, &format!("`Name` of {what}"))?.value)
                }
                (None, None) => {
                    export.error(
                        "missing-export-key",
                        body.span(),
                        format!("{what} has neither `Name` nor `TableWildcard`"),
                    );
                    return None;
                }
            };
            Some(GrantResource::Table {
                catalog,
                database: database.value,
                table,
                columns: None,
                excluded: Vec::new(),
            })
        }
        "TableWithColumns" => {
            export.unknown_members(
                body,
                &[
                    "CatalogId",
                    "DatabaseName",
                    "Name",
                    "ColumnNames",
                    "ColumnWildcard",
                ],
                "a TableWithColumns resource",
            );
            let catalog = catalog_id(export, body, "CatalogId", grantor, &what)?;
            let database = export.string(body, "DatabaseName", &what)?;
            let name = export.string(body, "Name", &what)?;
            // list-permissions prints a grant on every table of a database as `ALL_TABLES`.
            let table = if name.value == "ALL_TABLES" {
                TableName::All
            } else {
                TableName::Named(name.value)
            };
            let (columns, excluded) = columns(export, body, &what)?;
            Some(GrantResource::Table {
                catalog,
                database: database.value,
                table,
                columns,
                excluded,
            })
        }
        "DataLocation" => {
            export.unknown_members(
                body,
                &["CatalogId", "ResourceArn"],
                "a DataLocation resource",
            );
            let catalog = catalog_id(export, body, "CatalogId", grantor, &what)?;
            let arn = export.string(body, "ResourceArn", &what)?;
            let path = arn
                .value
                .parse::<Arn>()
                .ok()
                .filter(|parsed| parsed.service() == "s3" && !parsed.resource().is_empty())
                .map(|parsed| format!("s3://{}", parsed.resource()));
            let Some(path) = path else {
                export.report(
                    Finding::error(
                        "invalid-arn",
                        arn.span,
                        format!("`{}` is not the ARN of an S3 location", arn.value),
                    )
                    .with_help(
                        "Lake Formation registers S3 locations: `arn:aws:s3:::BUCKET/PREFIX`",
                    ),
                );
                return None;
            };
            Some(GrantResource::DataLocation { catalog, path })
        }
        _ => None,
    }
}

/// The columns of a `TableWithColumns`: `Some(names)` for `ColumnNames`, `None` (every
/// column) for `ColumnWildcard`, with the columns it excludes.
/// <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_TableWithColumnsResource.html>
fn columns(
    export: &mut Export<'_>,
    body: &Json,
    what: &str,
) -> Option<(Option<Vec<String>>, Vec<String>)> {
    let mut names = Vec::new();
    for item in export.list(body, "ColumnNames", what) {
        names.push(
            export
                .as_string(item, &format!("an item of `ColumnNames` of {what}"))?
                .value,
        );
    }
    if !names.is_empty() {
        return Some((Some(names), Vec::new()));
    }
    let Some(wildcard) =
        member(body, "ColumnWildcard").filter(|found| !matches!(found, Json::Null { .. }))
    else {
        export.error(
            "missing-export-key",
            body.span(),
            format!("{what} has neither `ColumnNames` nor `ColumnWildcard`"),
        );
        return None;
    };
    if wildcard.members().is_none() {
        export.error(
            "invalid-export-value",
            wildcard.span(),
            format!(
                "`ColumnWildcard` of {what} must be an object, found {}",
                wildcard.kind_name()
            ),
        );
        return None;
    }
    export.unknown_members(wildcard, &["ExcludedColumnNames"], "a ColumnWildcard");
    let mut excluded = Vec::new();
    for item in export.list(wildcard, "ExcludedColumnNames", what) {
        excluded.push(
            export
                .as_string(item, &format!("an item of `ExcludedColumnNames` of {what}"))?
                .value,
        );
    }
    Some((None, excluded))
}

/// The catalog a resource is in: `key` (`CatalogId`, or `Id` of a `Catalog`) when present,
/// the grantor's own catalog when not, as AWS defaults it.
fn catalog_id(
    export: &mut Export<'_>,
    body: &Json,
    key: &str,
    grantor: AccountId,
    what: &str,
) -> Option<AccountId> {
    let Some(value) = member(body, key).filter(|found| !matches!(found, Json::Null { .. })) else {
        return Some(grantor);
    };
    let text = export.as_string(value, &format!("`{key}` of {what}"))?;
    if let Ok(account) = text.value.parse::<AccountId>() {
        return Some(account);
    }
    // `111122223333:s3tablescatalog/bucket` and other catalogs inside an account's catalog.
    let nested = text
        .value
        .split_once(':')
        .is_some_and(|(account, _)| account.parse::<AccountId>().is_ok());
    if nested {
        export.report(
            Finding::warning(
                "unmodelled-catalog",
                text.span,
                format!("`{}` is a catalog inside an account's Data Catalog (federated or S3 Tables), which xacct does not model: this grant is left out", text.value),
            )
            .with_help("xacct models each account's default Data Catalog"),
        );
        return None;
    }
    export.report(Finding::error(
        "invalid-account",
        text.span,
        format!(
            "`{}` of {what} is not a catalog id: expected the 12-digit account id",
            text.value
        ),
    ));
    None
}

// ---------------------------------------------------------------------------------------
// aws lakeformation get-data-lake-settings
// ---------------------------------------------------------------------------------------

/// `DataLakeSettings` members.
/// <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataLakeSettings.html>
const SETTINGS_KEYS: [&str; 10] = [
    "DataLakeAdmins",
    "ReadOnlyAdmins",
    "CreateDatabaseDefaultPermissions",
    "CreateTableDefaultPermissions",
    "Parameters",
    "TrustedResourceOwners",
    "AllowExternalDataFiltering",
    "ExternalDataFilteringAllowList",
    "AuthorizedSessionTagValueList",
    "AllowFullTableExternalDataAccess",
];

fn settings(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    let settings = match member(root, "DataLakeSettings") {
        Some(settings) => {
            export.unknown_members(
                root,
                &["DataLakeSettings"],
                "the output of get-data-lake-settings",
            );
            settings
        }
        // `--query DataLakeSettings` prints the settings alone.
        None if SETTINGS_KEYS.iter().any(|key| member(root, key).is_some()) => root,
        None => {
            export.report(
                Finding::error(
                    "invalid-export",
                    root.span(),
                    "expected the output of `aws lakeformation get-data-lake-settings` (`{\"DataLakeSettings\": {...}}`)",
                )
                .with_help(format!("run `aws lakeformation get-data-lake-settings --region {region} --output json > FILE` with credentials of {account}")),
            );
            return;
        }
    };
    if settings.members().is_none() {
        export.error(
            "invalid-export-value",
            settings.span(),
            format!(
                "`DataLakeSettings` must be an object, found {}",
                settings.kind_name()
            ),
        );
        return;
    }
    export.unknown_members(settings, &SETTINGS_KEYS, "DataLakeSettings");
    let mut admins = Vec::new();
    for (index, admin) in export
        .list(settings, "DataLakeAdmins", "DataLakeSettings")
        .iter()
        .enumerate()
    {
        let Some(identifier) =
            principal_identifier(export, admin, &format!("DataLakeAdmins[{index}]"))
        else {
            continue;
        };
        match GrantPrincipal::parse(&identifier.value) {
            Some(GrantPrincipal::Principal(arn)) => {
                if !admins.contains(&arn) {
                    admins.push(arn);
                }
            }
            _ => export.report(
                Finding::error(
                    "invalid-lake-principal",
                    identifier.span,
                    format!("data lake administrator `{}` is not an IAM role or user ARN", identifier.value),
                )
                .with_help("Lake Formation administrators are IAM users and roles: `arn:aws:iam::ACCOUNT:role/NAME`"),
            ),
        }
    }
    if let Some(first) = export
        .list(settings, "ReadOnlyAdmins", "DataLakeSettings")
        .first()
    {
        export.report(
            Finding::warning(
                "unmodelled-lake-setting",
                first.span(),
                "read-only administrators are not modelled: they are left out",
            )
            .with_help("AWS shows them every database and table; xacct treats them as principals without grants"),
        );
    }
    super::lake_engines::external_engines(export, settings, account, region);
    let database_default = iam_only_default(export, settings, "CreateDatabaseDefaultPermissions");
    let table_default = iam_only_default(export, settings, "CreateTableDefaultPermissions");
    // xacct keeps one default per catalog. Tables are what engines read, so their default is
    // the one that decides; a database created under the other default is a warning away.
    if database_default != table_default {
        let span =
            member(settings, "CreateTableDefaultPermissions").map_or(settings.span(), Json::span);
        let says = |iam_only: bool| {
            if iam_only {
                "IAMAllowedPrincipals with ALL (IAM only)"
            } else {
                "no IAMAllowedPrincipals (Lake Formation permissions)"
            }
        };
        export.report(
            Finding::warning(
                "mixed-lake-defaults",
                span,
                format!(
                    "new databases get {} but new tables get {}: xacct keeps one default per catalog and takes the tables' one",
                    says(database_default),
                    says(table_default)
                ),
            )
            .with_help("declare a database's own setting with `iam_allowed_principals` in a [[catalog.database]] table when it differs"),
        );
    }
    super::lake_tags::cross_account_version(export, settings, account, region);
    ensure_account(export, account, settings.span());
    let key = (account, region.to_owned());
    let catalogs = &mut export.loader.world.lake.catalogs;
    let replaced = match catalogs.get_mut(&key) {
        Some(catalog) => {
            catalog.admins = admins;
            catalog.iam_allowed_by_default = table_default;
            true
        }
        None => {
            catalogs.insert(
                key,
                Catalog {
                    account,
                    region: region.to_owned(),
                    admins,
                    iam_allowed_by_default: table_default,
                    databases: BTreeMap::new(),
                    tables: BTreeMap::new(),
                    locations: Vec::new(),
                },
            );
            false
        }
    };
    if replaced {
        export.warning(
            "duplicate-lake-settings",
            settings.span(),
            format!("the Lake Formation settings of {account} ({region}) were imported before: these replace them"),
        );
    }
}

/// Whether a default-permissions list puts new resources in IAM-only mode: it holds
/// `IAM_ALLOWED_PRINCIPALS` with `ALL`. An empty or absent list means Lake Formation
/// permissions. <https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html>
fn iam_only_default(export: &mut Export<'_>, settings: &Json, key: &str) -> bool {
    let mut iam_only = false;
    for (index, entry) in export
        .list(settings, key, "DataLakeSettings")
        .iter()
        .enumerate()
    {
        let owner = format!("{key}[{index}]");
        export.unknown_members(entry, &["Principal", "Permissions"], "a default permission");
        let Some(principal) = export.required(entry, "Principal", &owner) else {
            continue;
        };
        let Some(identifier) =
            principal_identifier(export, principal, &format!("`Principal` of {owner}"))
        else {
            continue;
        };
        let (permissions, _) = permission_list(export, entry, "Permissions", &owner);
        match GrantPrincipal::parse(&identifier.value) {
            Some(GrantPrincipal::IamAllowedPrincipals) if permissions.contains(&Permission::All) => {
                iam_only = true;
            }
            Some(GrantPrincipal::IamAllowedPrincipals) => export.report(
                Finding::warning(
                    "unmodelled-lake-setting",
                    identifier.span,
                    format!("`{key}` gives IAM_ALLOWED_PRINCIPALS less than ALL: only ALL puts new resources in IAM-only mode, so this entry is left out"),
                ),
            ),
            _ => export.report(
                Finding::warning(
                    "unmodelled-lake-setting",
                    identifier.span,
                    format!("`{key}` names `{}`: xacct models only IAM_ALLOWED_PRINCIPALS defaults, so this entry is left out", identifier.value),
                )
                .with_help("grant the principal its permissions on the resources themselves (list-permissions shows them)"),
            ),
        }
    }
    iam_only
}

// ---------------------------------------------------------------------------------------
// aws glue get-resource-policy
// ---------------------------------------------------------------------------------------

fn catalog_policy(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    let label = format!("Glue catalog policy of {account} ({region})");
    let document = match member(root, "PolicyInJson") {
        Some(policy) => {
            export.unknown_members(
                root,
                &["PolicyInJson", "PolicyHash", "CreateTime", "UpdateTime"],
                "the output of get-resource-policy",
            );
            policy
        }
        // `--query PolicyInJson --output text` prints the plain document.
        None if member(root, "Statement").is_some() => root,
        None => {
            export.report(
                Finding::error(
                    "invalid-export",
                    root.span(),
                    "expected the output of `aws glue get-resource-policy` (`{\"PolicyInJson\": \"...\"}`) or a policy document",
                )
                .with_help(format!("run `aws glue get-resource-policy --region {region} --output json > FILE` with credentials of {account}")),
            );
            return;
        }
    };
    let Some(policy) = export.policy(document, PolicyKind::Resource, label, "PolicyInJson") else {
        return;
    };
    ensure_account(export, account, root.span());
    let replaced = export
        .loader
        .world
        .catalog_policies
        .insert((account, region.to_owned()), policy)
        .is_some();
    if replaced {
        export.warning(
            "duplicate-catalog-policy",
            root.span(),
            format!("the Glue catalog of {account} ({region}) has a policy imported before: this one replaces it"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// aws ram get-resource-shares / list-resources / list-principals / get-resource-share-invitations
// ---------------------------------------------------------------------------------------

const BUNDLE_LISTS: [&str; 4] = [
    "resourceShares",
    "resources",
    "principals",
    "resourceShareInvitations",
];

/// <https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShare.html>
const SHARE_KEYS: [&str; 10] = [
    "resourceShareArn",
    "name",
    "owningAccountId",
    "allowExternalPrincipals",
    "status",
    "statusMessage",
    "tags",
    "creationTime",
    "lastUpdatedTime",
    "featureSet",
];

/// <https://docs.aws.amazon.com/ram/latest/APIReference/API_Resource.html>
const RESOURCE_KEYS: [&str; 9] = [
    "arn",
    "type",
    "resourceShareArn",
    "resourceGroupArn",
    "status",
    "statusMessage",
    "creationTime",
    "lastUpdatedTime",
    "resourceRegionScope",
];

/// <https://docs.aws.amazon.com/ram/latest/APIReference/API_Principal.html>
const PRINCIPAL_KEYS: [&str; 5] = [
    "id",
    "resourceShareArn",
    "creationTime",
    "lastUpdatedTime",
    "external",
];

/// <https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShareInvitation.html>
const INVITATION_KEYS: [&str; 9] = [
    "resourceShareInvitationArn",
    "resourceShareName",
    "resourceShareArn",
    "senderAccountId",
    "receiverAccountId",
    "receiverArn",
    "invitationTimestamp",
    "status",
    "resourceShareAssociations",
];

/// The RAM resource types of the Data Catalog (RAM compares types case-insensitively).
const GLUE_TYPES: [&str; 3] = ["glue:catalog", "glue:database", "glue:table"];

/// Where the share an association names is.
enum Found {
    /// A share of this bundle, by index.
    Here(usize),
    /// A share of an earlier import, by index in the world.
    Before(usize),
    /// A share this bundle lists but leaves out (not active): its associations go with it.
    LeftOut,
    Unknown,
}

struct Bundle<'e, 'l> {
    export: &'e mut Export<'l>,
    shares: Vec<Share>,
    left_out: BTreeSet<String>,
}

impl Bundle<'_, '_> {
    fn find(&self, arn: &str) -> Found {
        if let Some(index) = self
            .shares
            .iter()
            .position(|share| share.arn.as_deref() == Some(arn))
        {
            return Found::Here(index);
        }
        if self.left_out.contains(arn) {
            return Found::LeftOut;
        }
        self.export
            .loader
            .world
            .lake
            .shares
            .iter()
            .position(|share| share.arn.as_deref() == Some(arn))
            .map_or(Found::Unknown, Found::Before)
    }

    fn share_mut(&mut self, found: &Found) -> Option<&mut Share> {
        match found {
            Found::Here(index) => self.shares.get_mut(*index),
            Found::Before(index) => self.export.loader.world.lake.shares.get_mut(*index),
            Found::LeftOut | Found::Unknown => None,
        }
    }

    /// The share an association names, or `None` with a warning when no import lists it.
    fn share_of(&mut self, item: &Json, owner: &str, what: &str) -> Option<Found> {
        let arn = self.export.string(item, "resourceShareArn", owner)?;
        match self.find(&arn.value) {
            Found::LeftOut => None,
            Found::Unknown => {
                self.export.report(
                    Finding::warning(
                        "unknown-resource-share",
                        arn.span,
                        format!("{owner} is for share `{}`, which no ram-resource-shares import up to this one lists: {what} is left out", arn.value),
                    )
                    .with_help("import the owner's bundle (with `aws ram get-resource-shares --resource-owner SELF`) before this one"),
                );
                None
            }
            found => Some(found),
        }
    }
}

fn shares(export: &mut Export<'_>, root: &Json, expected: Option<AccountId>) {
    let lists: Vec<&str> = BUNDLE_LISTS
        .iter()
        .copied()
        .filter(|key| member(root, key).is_some())
        .collect();
    if lists.is_empty() {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                "expected a RAM bundle: an object with `resourceShares`, `resources`, `principals` and optionally `resourceShareInvitations`",
            )
            .with_help("merge the outputs of `aws ram get-resource-shares --resource-owner SELF`, `aws ram list-resources --resource-owner SELF`, `aws ram list-principals --resource-owner SELF` and `aws ram get-resource-share-invitations` with `jq -s add`"),
        );
        return;
    }
    let mut keys = BUNDLE_LISTS.to_vec();
    keys.push("nextToken");
    export.unknown_members(root, &keys, "a RAM bundle");
    truncation(export, root, "nextToken", "the `aws ram` commands");
    let listed = export.list(root, "resourceShares", "the RAM bundle");
    if !listed.is_empty() {
        for (key, command) in [
            ("resources", "aws ram list-resources --resource-owner SELF"),
            (
                "principals",
                "aws ram list-principals --resource-owner SELF",
            ),
        ] {
            if member(root, key).is_none() {
                export.report(
                    Finding::warning(
                        "missing-export-key",
                        root.span(),
                        format!(
                            "the RAM bundle lists shares but has no `{key}`: the shares have none"
                        ),
                    )
                    .with_help(format!("add the output of `{command}`")),
                );
            }
        }
    }
    let mut bundle = Bundle {
        export,
        shares: Vec::new(),
        left_out: BTreeSet::new(),
    };
    let mut mismatch_reported = false;
    for (index, item) in listed.iter().enumerate() {
        bundle.share(item, index, expected, &mut mismatch_reported);
    }
    for (index, item) in bundle
        .export
        .list(root, "resources", "the RAM bundle")
        .iter()
        .enumerate()
    {
        bundle.resource(item, index);
    }
    for (index, item) in bundle
        .export
        .list(root, "principals", "the RAM bundle")
        .iter()
        .enumerate()
    {
        bundle.principal(item, index);
    }
    for (index, item) in bundle
        .export
        .list(root, "resourceShareInvitations", "the RAM bundle")
        .iter()
        .enumerate()
    {
        bundle.invitation(item, index);
    }
    let Bundle { export, shares, .. } = bundle;
    export.loader.world.lake.shares.extend(shares);
}

impl Bundle<'_, '_> {
    fn share(
        &mut self,
        item: &Json,
        index: usize,
        expected: Option<AccountId>,
        mismatch_reported: &mut bool,
    ) {
        let owner = format!("resourceShares[{index}]");
        self.export
            .unknown_members(item, &SHARE_KEYS, "a RAM resource share");
        let Some(arn) = self.export.string(item, "resourceShareArn", &owner) else {
            return;
        };
        let Some(name) = self.export.string(item, "name", &owner) else {
            return;
        };
        let Some(account_text) = self.export.string(item, "owningAccountId", &owner) else {
            return;
        };
        let Some(account) = self.export.account(&account_text) else {
            return;
        };
        // Only an active share makes its resources visible to its principals.
        if let Some(status) = member(item, "status").and_then(Json::as_str) {
            if status != "ACTIVE" {
                self.export.report(
                    Finding::warning(
                        "inactive-resource-share",
                        member(item, "status").map_or(item.span(), Json::span),
                        format!("RAM share `{}` is {status}, not ACTIVE: it is left out with its resources and principals", name.value),
                    )
                    .with_help("only an active share makes its resources visible to its principals"),
                );
                self.left_out.insert(arn.value);
                return;
            }
        }
        if !matches!(self.find(&arn.value), Found::Unknown) {
            self.export.warning(
                "duplicate-resource-share",
                arn.span,
                format!(
                    "RAM share `{}` is listed before: this entry is left out",
                    arn.value
                ),
            );
            return;
        }
        if let Some(expected) = expected {
            if expected != account && !*mismatch_reported {
                *mismatch_reported = true;
                self.export.warning(
                    "account-mismatch",
                    account_text.span,
                    format!("this share is owned by account {account}, but the import says the export is of account {expected}"),
                );
            }
        }
        // RAM's default for a share created without the flag is to allow external principals.
        let allow_external_principals = match member(item, "allowExternalPrincipals") {
            Some(Json::Bool { value, .. }) => *value,
            None | Some(Json::Null { .. }) => true,
            Some(other) => {
                self.export.error(
                    "invalid-export-value",
                    other.span(),
                    format!(
                        "`allowExternalPrincipals` of {owner} must be a boolean, found {}",
                        other.kind_name()
                    ),
                );
                return;
            }
        };
        ensure_account(self.export, account, account_text.span);
        self.shares.push(Share {
            name: name.value,
            owner: account,
            arn: Some(arn.value),
            resources: Vec::new(),
            principals: Vec::new(),
            allow_external_principals,
            invitations: BTreeMap::new(),
            invitation_arns: BTreeMap::new(),
            origin: self.export.source.location(item.span()),
        });
    }

    fn resource(&mut self, item: &Json, index: usize) {
        let owner = format!("resources[{index}]");
        self.export
            .unknown_members(item, &RESOURCE_KEYS, "a RAM resource");
        let Some(arn) = self.export.string(item, "arn", &owner) else {
            return;
        };
        let Some(kind) = self.export.string(item, "type", &owner) else {
            return;
        };
        let Some(found) = self.share_of(item, &owner, "the resource") else {
            return;
        };
        if !GLUE_TYPES.contains(&kind.value.to_ascii_lowercase().as_str()) {
            self.export.report(
                Finding::warning(
                    "unmodelled-share-resource",
                    kind.span,
                    format!("`{}` (type `{}`) is not part of the Data Catalog: it is left out", arn.value, kind.value),
                )
                .with_help("xacct models RAM shares of Glue resources (glue:Catalog, glue:Database, glue:Table) only"),
            );
            return;
        }
        if let Some(status) = member(item, "status").and_then(Json::as_str) {
            if status != "AVAILABLE" {
                self.export.warning(
                    "unavailable-share-resource",
                    member(item, "status").map_or(item.span(), Json::span),
                    format!(
                        "`{}` is {status} in its share, not AVAILABLE: it is left out",
                        arn.value
                    ),
                );
                return;
            }
        }
        if let Some(share) = self.share_mut(&found) {
            if !share.resources.contains(&arn.value) {
                share.resources.push(arn.value);
            }
        }
    }

    fn principal(&mut self, item: &Json, index: usize) {
        let owner = format!("principals[{index}]");
        self.export
            .unknown_members(item, &PRINCIPAL_KEYS, "a RAM principal");
        let Some(id) = self.export.string(item, "id", &owner) else {
            return;
        };
        let principal = match GrantPrincipal::parse(&id.value) {
            Some(GrantPrincipal::IamAllowedPrincipals) | None => {
                self.export.report(
                    Finding::error(
                        "invalid-share-principal",
                        id.span,
                        format!("`{}` is not an account id, organization ARN, OU ARN or IAM principal ARN", id.value),
                    )
                    .with_help("RAM shares with account ids, organizations (arn:aws:organizations::MGMT:organization/o-...), units (.../ou/o-.../ou-...) and, for some resource types, IAM roles and users"),
                );
                return;
            }
            Some(principal) => principal,
        };
        let Some(found) = self.share_of(item, &owner, "the principal") else {
            return;
        };
        if let Some(share) = self.share_mut(&found) {
            if !share.principals.contains(&principal) {
                share.principals.push(principal);
            }
        }
    }

    fn invitation(&mut self, item: &Json, index: usize) {
        let owner = format!("resourceShareInvitations[{index}]");
        self.export
            .unknown_members(item, &INVITATION_KEYS, "a RAM resource share invitation");
        let Some(receiver_text) = self.export.string(item, "receiverAccountId", &owner) else {
            return;
        };
        let Some(receiver) = self.export.account(&receiver_text) else {
            return;
        };
        let Some(status) = self.export.string(item, "status", &owner) else {
            return;
        };
        let Some(state) = InvitationState::parse(&status.value) else {
            self.export.report(
                Finding::error(
                    "invalid-invitation-state",
                    status.span,
                    format!("`{}` is not PENDING, ACCEPTED, REJECTED or EXPIRED", status.value),
                )
                .with_help("`status` of a resource share invitation, as get-resource-share-invitations prints it"),
            );
            return;
        };
        let invitation_arn = match member(item, "resourceShareInvitationArn") {
            Some(value) => Some(
                self.export
                    .as_string(value, &format!("`resourceShareInvitationArn` of {owner}")),
            ),
            None => None,
        };
        let Some(found) = self.share_of(item, &owner, "the invitation") else {
            return;
        };
        if let Some(share) = self.share_mut(&found) {
            share.invitations.insert(receiver, state);
            if let Some(Some(arn)) = invitation_arn {
                share.invitation_arns.insert(receiver, arn.value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_region;

    #[test]
    fn regions_are_told_from_other_text() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(is_region(region), "{region}");
        }
        for text in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us--1",
            "east-1",
            "us-east-1a",
        ] {
            assert!(!is_region(text), "{text}");
        }
    }
}
