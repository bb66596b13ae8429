//! The application integration settings of `aws lakeformation get-data-lake-settings`: whether
//! Lake Formation vends credentials to engines outside AWS's analytics services (EMR, third
//! parties), which `xacct_lake::external` decides with.
//! <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataLakeSettings.html>

use super::lake::principal_identifier;
use super::{member, Export};
use xacct_lake::ExternalEngines;
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Finding};

/// Reads the four settings; absent ones are off (AWS's default).
pub(super) fn external_engines(
    export: &mut Export<'_>,
    settings: &Json,
    account: AccountId,
    region: &str,
) {
    let mut found = ExternalEngines {
        allow_filtering: flag(export, settings, "AllowExternalDataFiltering"),
        allow_full_table: flag(export, settings, "AllowFullTableExternalDataAccess"),
        ..ExternalEngines::default()
    };
    for (index, item) in export
        .list(
            settings,
            "ExternalDataFilteringAllowList",
            "DataLakeSettings",
        )
        .iter()
        .enumerate()
    {
        let Some(identifier) = principal_identifier(
            export,
            item,
            &format!("ExternalDataFilteringAllowList[{index}]"),
        ) else {
            continue;
        };
        match identifier.value.parse::<AccountId>() {
            Ok(allowed) => {
                if !found.filtering_accounts.contains(&allowed) {
                    found.filtering_accounts.push(allowed);
                }
            }
            Err(_) => export.report(
                Finding::error(
                    "invalid-lake-principal",
                    identifier.span,
                    format!(
                        "`{}` in ExternalDataFilteringAllowList is not an AWS account ID",
                        identifier.value
                    ),
                )
                .with_help("the allow list names accounts: `{\"DataLakePrincipalIdentifier\": \"111122223333\"}`"),
            ),
        }
    }
    for (index, item) in export
        .list(
            settings,
            "AuthorizedSessionTagValueList",
            "DataLakeSettings",
        )
        .iter()
        .enumerate()
    {
        let what = format!("AuthorizedSessionTagValueList[{index}]");
        if let Some(value) = export.as_string(item, &what) {
            if !found.session_tag_values.contains(&value.value) {
                found.session_tag_values.push(value.value);
            }
        }
    }
    super::lake_tags::governance(export, account, region).external_engines = found;
}

/// A boolean setting; `null` or absent is off.
fn flag(export: &mut Export<'_>, settings: &Json, key: &str) -> bool {
    match member(settings, key) {
        None | Some(Json::Null { .. }) => false,
        Some(Json::Bool { value, .. }) => *value,
        Some(other) => {
            export.error(
                "invalid-export-value",
                other.span(),
                format!(
                    "`{key}` of DataLakeSettings must be true or false, found {}",
                    other.kind_name()
                ),
            );
            false
        }
    }
}
