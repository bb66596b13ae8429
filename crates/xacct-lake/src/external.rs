//! Engines outside AWS's own analytics services (Amazon EMR on EC2, third-party query engines)
//! get credentials for a table's data from Lake Formation only where the data lake settings of
//! the accounts involved let them: Lake Formation's "application integration settings".
//!
//! - **Session tags** (`AllowExternalDataFiltering`, `ExternalDataFilteringAllowList`,
//!   `AuthorizedSessionTagValueList`): the engine's session carries the tag
//!   `LakeFormationAuthorizedCaller` with a listed value, and the caller's account is on the
//!   allow list. The engine then filters columns and rows itself, so any SELECT will do.
//! - **Full table access** (`AllowFullTableExternalDataAccess`): no tag, but the caller must hold
//!   SELECT on the whole table (no column list, no data cell filter).
//!
//! Both are off by default. Across accounts xacct asks the settings of the table's owner and of
//! the caller's account: AWS says so of full table access ("must be enabled in both producer and
//! consumer accounts"); for session tags it says the owner lists the consumer's account, and
//! xacct asks the consumer's own settings too, as the consumer's engine reads through its own
//! catalog (a stricter reading, recorded in docs/research-notes.md).
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/using-cred-vending.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/permitting-third-party-call.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/full-table-credential-vending.html>
//! <https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/lake-formation-unfiltered-access.html>

use crate::grant::{GrantResource, Permission, Target};
use crate::tags::TagResourceType;
use crate::{Lake, Remedy, Requester, TableRef, Verdict};
use xacct_policy::AccountId;

/// The session tag key Lake Formation reads to recognise an authorized engine.
pub const AUTHORIZED_CALLER_TAG: &str = "LakeFormationAuthorizedCaller";

/// The application integration part of one account's data lake settings in one Region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalEngines {
    /// `AllowExternalDataFiltering`.
    pub allow_filtering: bool,
    /// `ExternalDataFilteringAllowList`: the accounts whose engines may ask.
    pub filtering_accounts: Vec<AccountId>,
    /// `AuthorizedSessionTagValueList`.
    pub session_tag_values: Vec<String>,
    /// `AllowFullTableExternalDataAccess`.
    pub allow_full_table: bool,
}

impl ExternalEngines {
    /// Whether an engine of `caller` whose session carries `tag` is admitted by these settings.
    fn admits_tag(&self, caller: AccountId, tag: &str) -> bool {
        self.allow_filtering
            && self.filtering_accounts.contains(&caller)
            && self.session_tag_values.iter().any(|value| value == tag)
    }
}

/// A change to one account's application integration settings that lets an engine in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "setting", rename_all = "camelCase")]
pub enum SettingsChange {
    /// Turn on `AllowExternalDataFiltering`, and add `caller` to the allow list and `tag` to the
    /// authorized session tag values.
    SessionTag { caller: AccountId, tag: String },
    /// Turn on `AllowFullTableExternalDataAccess`.
    FullTable,
}

impl SettingsChange {
    pub fn apply(&self, settings: &mut ExternalEngines) {
        match self {
            Self::SessionTag { caller, tag } => {
                settings.allow_filtering = true;
                if !settings.filtering_accounts.contains(caller) {
                    settings.filtering_accounts.push(*caller);
                }
                if !settings.session_tag_values.iter().any(|value| value == tag) {
                    settings.session_tag_values.push(tag.clone());
                }
            }
            Self::FullTable => settings.allow_full_table = true,
        }
    }

    /// The change as the part of `DataLakeSettings` it sets: switches turned on, lists to add
    /// to (see [`MERGE_SETTINGS`]).
    pub fn settings_json(&self) -> serde_json::Value {
        match self {
            Self::SessionTag { caller, tag } => serde_json::json!({
                "AllowExternalDataFiltering": true,
                "ExternalDataFilteringAllowList": [{"DataLakePrincipalIdentifier": caller.to_string()}],
                "AuthorizedSessionTagValueList": [tag],
            }),
            Self::FullTable => serde_json::json!({"AllowFullTableExternalDataAccess": true}),
        }
    }

    /// The changes a [`SettingsChange::settings_json`] part (or several merged) makes.
    pub fn from_settings_json(value: &serde_json::Value) -> Vec<Self> {
        let mut out = Vec::new();
        if value.get("AllowFullTableExternalDataAccess") == Some(&serde_json::Value::Bool(true)) {
            out.push(Self::FullTable);
        }
        if value.get("AllowExternalDataFiltering") == Some(&serde_json::Value::Bool(true)) {
            let tags: Vec<&str> = value
                .get("AuthorizedSessionTagValueList")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .collect();
            let callers = value
                .get("ExternalDataFilteringAllowList")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|item| {
                    item.get("DataLakePrincipalIdentifier")?
                        .as_str()?
                        .parse::<AccountId>()
                        .ok()
                });
            for caller in callers {
                for tag in &tags {
                    out.push(Self::SessionTag {
                        caller,
                        tag: (*tag).to_owned(),
                    });
                }
            }
        }
        out
    }
}

/// A `jq` program that adds a part of `DataLakeSettings` (`$change`) to the settings read: a
/// switch is set, a list gets the new items (without repeats), everything else is kept, since
/// `put-data-lake-settings` replaces the whole settings.
pub const MERGE_SETTINGS: &str = "reduce ($change | to_entries[]) as $entry (.; if ($entry.value | type) == \"array\" then .[$entry.key] = ((.[$entry.key] // []) + $entry.value | unique) else .[$entry.key] = $entry.value end)";

/// How an external engine was let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Through the session tag `LakeFormationAuthorizedCaller` with this value.
    SessionTag(String),
    /// Through full table access, without a tag.
    FullTable,
}

impl std::fmt::Display for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SessionTag(value) => write!(
                f,
                "the session tag {AUTHORIZED_CALLER_TAG}={value} is authorized in the data lake settings"
            ),
            Self::FullTable => write!(
                f,
                "the caller has full table access and the data lake settings allow it without session tags"
            ),
        }
    }
}

/// Why Lake Formation gives an external engine no credentials, and the settings that would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineRefusal {
    pub reason: String,
    pub remedies: Vec<Remedy>,
}

impl Lake {
    /// The application integration settings of `account` in `region` (all off when the scenario
    /// gives none, as in a new account).
    pub fn external_engines(&self, account: AccountId, region: &str) -> ExternalEngines {
        self.governance(account, region)
            .map(|governance| governance.external_engines.clone())
            .unwrap_or_default()
    }

    /// Whether Lake Formation vends an external engine credentials for `table`, asked by
    /// `requester` whose session carries `tag` (`LakeFormationAuthorizedCaller`), if any.
    pub fn admit_external_engine(
        &self,
        requester: &Requester,
        tag: Option<&str>,
        table: &TableRef,
    ) -> Result<Admission, EngineRefusal> {
        let region = table.region.as_str();
        let mut accounts = vec![table.account];
        if requester.account != table.account {
            accounts.push(requester.account);
        }
        let settings: Vec<(AccountId, ExternalEngines)> = accounts
            .iter()
            .map(|&account| (account, self.external_engines(account, region)))
            .collect();
        if let Some(tag) = tag {
            if settings
                .iter()
                .all(|(_, found)| found.admits_tag(requester.account, tag))
            {
                return Ok(Admission::SessionTag(tag.to_owned()));
            }
        }
        let full_table = self.full_table_select(requester, table);
        let full_table_allowed = settings.iter().all(|(_, found)| found.allow_full_table);
        if full_table_allowed && full_table.allowed() {
            return Ok(Admission::FullTable);
        }
        let mut reasons = Vec::new();
        match tag {
            Some(tag) => {
                for (account, found) in &settings {
                    if !found.admits_tag(requester.account, tag) {
                        reasons.push(format!(
                            "the data lake settings of {account} ({region}) do not authorize the session tag {AUTHORIZED_CALLER_TAG}={tag} for engines of {}{}",
                            requester.account,
                            missing_parts(found, requester.account, tag)
                        ));
                    }
                }
            }
            None => reasons.push(format!(
                "the session carries no {AUTHORIZED_CALLER_TAG} tag"
            )),
        }
        if !full_table_allowed {
            let off: Vec<String> = settings
                .iter()
                .filter(|(_, found)| !found.allow_full_table)
                .map(|(account, _)| account.to_string())
                .collect();
            reasons.push(format!(
                "AllowFullTableExternalDataAccess is off in {}",
                off.join(" and ")
            ));
        } else if let Verdict::Missing { reason, .. } = &full_table {
            reasons.push(format!("no full table access: {reason}"));
        }
        let remedies = match tag {
            Some(tag) => settings
                .iter()
                .filter(|(_, found)| !found.admits_tag(requester.account, tag))
                .map(|(account, _)| Remedy::ExternalEngines {
                    account: *account,
                    region: region.to_owned(),
                    change: SettingsChange::SessionTag {
                        caller: requester.account,
                        tag: tag.to_owned(),
                    },
                })
                .collect(),
            None if full_table.allowed() => settings
                .iter()
                .filter(|(_, found)| !found.allow_full_table)
                .map(|(account, _)| Remedy::ExternalEngines {
                    account: *account,
                    region: region.to_owned(),
                    change: SettingsChange::FullTable,
                })
                .collect(),
            None => Vec::new(),
        };
        Err(EngineRefusal {
            reason: format!(
                "Lake Formation vends no credentials of {table} to an engine outside AWS's analytics services: {}",
                reasons.join("; ")
            ),
            remedies,
        })
    }

    /// SELECT on the whole of `table`: the grants that would give it through a column list, a
    /// data cell filter or an LF-Tag expression some column escapes do not count.
    pub fn full_table_select(&self, requester: &Requester, table: &TableRef) -> Verdict {
        let mut whole = self.clone();
        whole
            .grants
            .retain(|grant| self.reaches_whole_table(&grant.resource, table));
        whole.permits(
            requester,
            &Target::Table(table.clone()),
            &[Permission::Select],
        )
    }

    fn reaches_whole_table(&self, resource: &GrantResource, table: &TableRef) -> bool {
        match resource {
            GrantResource::Table {
                columns, excluded, ..
            } => columns.is_none() && excluded.is_empty(),
            GrantResource::DataCellsFilter { .. } => false,
            GrantResource::TagPolicy {
                resource_type: TagResourceType::Table,
                expression,
                ..
            } => {
                expression.matches(&self.tags_of(&Target::Table(table.clone())))
                    && self.columns_of(table).into_iter().all(|column| {
                        expression.matches(&self.tags_of(&Target::Column {
                            table: table.clone(),
                            column,
                        }))
                    })
            }
            // Database grants and the rest decide what they decide; a table is not reached
            // through them.
            _ => true,
        }
    }
}

/// What the settings lack, for the reason.
fn missing_parts(found: &ExternalEngines, caller: AccountId, tag: &str) -> String {
    let mut parts = Vec::new();
    if !found.allow_filtering {
        parts.push("AllowExternalDataFiltering is off".to_owned());
    }
    if !found.filtering_accounts.contains(&caller) {
        parts.push(format!("{caller} is not in ExternalDataFilteringAllowList"));
    }
    if !found.session_tag_values.iter().any(|value| value == tag) {
        parts.push(format!("`{tag}` is not in AuthorizedSessionTagValueList"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
