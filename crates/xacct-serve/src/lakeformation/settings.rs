//! GetDataLakeSettings and PutDataLakeSettings: the data lake administrators, the IAM-only
//! defaults for new databases and tables, and the cross-account version.
//! <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataLakeSettings.html>

use super::{authorize, invalid};
use crate::catalog_calls::Caller;
use crate::glue::{catalog_id, ensure_catalog, text};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use xacct_lake::ExternalEngines;
use xacct_policy::AccountId;

/// `[{Principal: IAM_ALLOWED_PRINCIPALS, Permissions: [ALL]}]`, the IAM-only default.
fn iam_only_default() -> Value {
    json!([{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}])
}

/// Whether a default-permissions list gives IAMAllowedPrincipals ALL.
fn gives_iam_only(value: Option<&Value>) -> bool {
    value.and_then(Value::as_array).is_some_and(|items| {
        items.iter().any(|item| {
            item.get("Principal")
                .and_then(|principal| text(principal, "DataLakePrincipalIdentifier"))
                == Some("IAM_ALLOWED_PRINCIPALS")
                && item
                    .get("Permissions")
                    .and_then(Value::as_array)
                    .is_some_and(|permissions| permissions.iter().any(|p| p == "ALL"))
        })
    })
}

/// GetDataLakeSettings.
pub fn get(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "GetDataLakeSettings")?;
    let account = catalog_id(caller, input)?;
    ensure_catalog(state, account, caller.region);
    let world = state.engine.world();
    let Some(catalog) = world.lake.catalog(account, caller.region) else {
        return Err(invalid("the catalog does not exist"));
    };
    let defaults = if catalog.iam_allowed_by_default {
        iam_only_default()
    } else {
        json!([])
    };
    let (version, _) = world.lake.cross_account_version(account, caller.region);
    let engines = world.lake.external_engines(account, caller.region);
    Ok(json!({"DataLakeSettings": {
        "DataLakeAdmins": catalog.admins.iter().map(|arn| json!({"DataLakePrincipalIdentifier": arn})).collect::<Vec<_>>(),
        "CreateDatabaseDefaultPermissions": defaults,
        "CreateTableDefaultPermissions": defaults,
        "Parameters": {"CROSS_ACCOUNT_VERSION": version.to_string()},
        "AllowExternalDataFiltering": engines.allow_filtering,
        "ExternalDataFilteringAllowList": engines.filtering_accounts.iter().map(|allowed| json!({"DataLakePrincipalIdentifier": allowed.to_string()})).collect::<Vec<_>>(),
        "AuthorizedSessionTagValueList": engines.session_tag_values,
        "AllowFullTableExternalDataAccess": engines.allow_full_table,
    }}))
}

/// PutDataLakeSettings: replaces the administrators (the account's administrator profile of
/// xacct serve stays one, as an IAM administrator can always make itself one again), the
/// IAM-only default, the cross-account version and the application integration settings.
pub fn put(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "PutDataLakeSettings")?;
    let account = catalog_id(caller, input)?;
    let settings = input
        .get("DataLakeSettings")
        .ok_or_else(|| invalid("DataLakeSettings is required"))?;
    let mut admins: Vec<String> = settings
        .get("DataLakeAdmins")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| text(item, "DataLakePrincipalIdentifier"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let serve_admin = crate::iam::admin_arn(&account.to_string());
    if !admins.contains(&serve_admin) {
        admins.push(serve_admin);
    }
    let version = match settings
        .get("Parameters")
        .and_then(|parameters| text(parameters, "CROSS_ACCOUNT_VERSION"))
    {
        Some(text) => Some(
            text.parse::<u8>()
                .ok()
                .filter(|v| (1..=4).contains(v))
                .ok_or_else(|| {
                    invalid(&format!(
                        "CROSS_ACCOUNT_VERSION `{text}` is not 1, 2, 3 or 4"
                    ))
                })?,
        ),
        None => None,
    };
    let engines = external_engines(settings)?;
    let iam_only = gives_iam_only(settings.get("CreateDatabaseDefaultPermissions"))
        || gives_iam_only(settings.get("CreateTableDefaultPermissions"));
    ensure_catalog(state, account, caller.region);
    let mut world = state.engine.world_mut();
    if let Some(catalog) = world
        .lake
        .catalogs
        .get_mut(&(account, caller.region.to_owned()))
    {
        catalog.admins = admins;
        catalog.iam_allowed_by_default = iam_only;
    }
    let governance = world
        .lake
        .governance
        .entry((account, caller.region.to_owned()))
        .or_default();
    if let Some(version) = version {
        governance.cross_account_version = Some(version);
    }
    governance.external_engines = engines;
    Ok(json!({}))
}

/// The application integration settings of a `PutDataLakeSettings` request: the whole settings
/// are replaced, so what the request leaves out is off.
fn external_engines(settings: &Value) -> Result<ExternalEngines, JsonReply> {
    let flag = |key: &str| -> Result<bool, JsonReply> {
        match settings.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(value)) => Ok(*value),
            Some(_) => Err(invalid(&format!("{key} must be true or false"))),
        }
    };
    let mut engines = ExternalEngines {
        allow_filtering: flag("AllowExternalDataFiltering")?,
        allow_full_table: flag("AllowFullTableExternalDataAccess")?,
        ..ExternalEngines::default()
    };
    for item in list(settings, "ExternalDataFilteringAllowList")? {
        let identifier = text(item, "DataLakePrincipalIdentifier").ok_or_else(|| {
            invalid("ExternalDataFilteringAllowList items are {\"DataLakePrincipalIdentifier\": \"ACCOUNT_ID\"}")
        })?;
        let account: AccountId = identifier.parse().map_err(|_| {
            invalid(&format!(
                "`{identifier}` in ExternalDataFilteringAllowList is not an AWS account ID"
            ))
        })?;
        if !engines.filtering_accounts.contains(&account) {
            engines.filtering_accounts.push(account);
        }
    }
    for item in list(settings, "AuthorizedSessionTagValueList")? {
        let value = item
            .as_str()
            .filter(|value| (1..=255).contains(&value.chars().count()))
            .ok_or_else(|| {
                invalid("AuthorizedSessionTagValueList holds strings of 1 to 255 characters")
            })?;
        if !engines.session_tag_values.iter().any(|seen| seen == value) {
            engines.session_tag_values.push(value.to_owned());
        }
    }
    if engines.allow_filtering && engines.filtering_accounts.is_empty() {
        return Err(invalid(
            "ExternalDataFilteringAllowList must name at least one account when AllowExternalDataFiltering is true",
        ));
    }
    Ok(engines)
}

fn list<'v>(settings: &'v Value, key: &str) -> Result<&'v [Value], JsonReply> {
    match settings.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(&format!("{key} must be a list"))),
    }
}
