//! The Glue Data Catalog, Lake Formation and AWS RAM, as data and pure decisions.
//!
//! A table read by an integrated engine (Glue ETL, Athena, EMR with Lake Formation) passes two
//! gates: IAM (the Glue calls, `lakeformation:GetDataAccess`), which `xacct_eval` decides, and
//! Lake Formation grants, which this crate decides ([`Lake::permits`]). Across accounts, a
//! grant reaches the consumer only through an accepted RAM share ([`Lake::share_state`]); through
//! a resource link, the link and its target are separate resources ([`Lake::resolve`]).
//! docs/semantics.md section 7 gives the rules, with the AWS pages they come from.

pub mod catalog;
pub mod external;
#[cfg(test)]
mod external_tests;
pub mod grant;
pub mod share;
mod tag_grant;
#[cfg(test)]
mod tag_grant_tests;
pub mod tags;
#[cfg(test)]
mod tests;

pub use catalog::{Catalog, CatalogObject, Database, Location, Table, TableRef};
pub use external::{
    Admission, EngineRefusal, ExternalEngines, SettingsChange, AUTHORIZED_CALLER_TAG,
};
pub use grant::{Grant, GrantPrincipal, GrantResource, Permission, TableName, Target};
pub use share::{InvitationState, Share, ShareState};
pub use tags::{
    DataCellsFilter, FilterColumns, Governance, RowFilter, TagAssignment, TagCondition,
    TagExpression, TagResourceType, TagSet,
};

use std::collections::BTreeMap;
use xacct_policy::AccountId;

/// Every catalog of the scenario, with the Lake Formation grants and RAM shares.
#[derive(Debug, Clone, Default)]
pub struct Lake {
    /// By (account, Region).
    pub catalogs: BTreeMap<(AccountId, String), Catalog>,
    pub grants: Vec<Grant>,
    pub shares: Vec<Share>,
    /// Whether RAM sharing with the organization is enabled
    /// (`aws ram enable-sharing-with-aws-organization`): shares to the organization or its
    /// units are then accepted without invitations.
    pub organization_sharing: bool,
    /// The organization's id and member accounts, when the scenario has one.
    pub organization: Option<String>,
    pub members: std::collections::BTreeSet<AccountId>,
    /// LF-Tags, data cell filters and the cross-account version, by (account, Region).
    pub governance: BTreeMap<(AccountId, String), Governance>,
}

/// Where a principal sits, for grants to accounts, organizations and units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// The IAM role or user ARN Lake Formation grants name (the role, for a role session).
    pub arn: String,
    pub account: AccountId,
    pub organization: Option<String>,
    /// `o-xxx/r-xxx/ou-xxx/.../`, as `aws:PrincipalOrgPaths` has it.
    pub organization_path: Option<String>,
}

/// What a Lake Formation check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Lake Formation does not gate this resource for this principal: `IAMAllowedPrincipals`
    /// holds its permissions (IAM-only mode), so IAM alone decides.
    IamOnly { reason: String },
    /// A grant gives the permission.
    Granted { by: String },
    /// No grant gives it; `missing` describes the grants that would, in Lake Formation terms.
    Missing {
        reason: String,
        missing: Vec<MissingGrant>,
        /// Changes other than grants that would close the gap.
        remedies: Vec<Remedy>,
    },
}

/// A change other than a grant that closes a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Assign an LF-Tag value to a database, table or column, so that a grant's LF-Tag
    /// expression matches it.
    AssignTag(TagAssignment),
    /// Raise the cross-account version of `account`'s data lake settings.
    CrossAccountVersion {
        account: AccountId,
        region: String,
        from: u8,
        to: u8,
    },
    /// Change the application integration settings of `account`'s data lake settings so that
    /// Lake Formation vends credentials to an engine outside AWS's analytics services.
    ExternalEngines {
        account: AccountId,
        region: String,
        change: SettingsChange,
    },
}

impl Remedy {
    /// The account whose administrator makes the change.
    pub fn account(&self) -> AccountId {
        match self {
            Self::AssignTag(assignment) => assignment.account,
            Self::CrossAccountVersion { account, .. } | Self::ExternalEngines { account, .. } => {
                *account
            }
        }
    }

    /// The AWS CLI command that makes the change.
    pub fn cli(&self) -> String {
        match self {
            Self::AssignTag(assignment) => assignment.cli(),
            Self::CrossAccountVersion {
                account,
                region,
                to,
                ..
            } => settings_edit(
                *account,
                region,
                "",
                &format!(".Parameters.CROSS_ACCOUNT_VERSION = \"{to}\""),
            ),
            Self::ExternalEngines {
                account,
                region,
                change,
            } => settings_edit(
                *account,
                region,
                &format!(
                    " --argjson change {}",
                    shell(&change.settings_json().to_string())
                ),
                external::MERGE_SETTINGS,
            ),
        }
    }
}

/// Quoted for a POSIX shell: names in a world may hold quotes, spaces or `$`.
pub(crate) fn shell(word: &str) -> String {
    shlex::try_quote(word).map_or_else(
        // Only a NUL byte cannot be quoted; AWS names cannot hold one.
        |_| "''".to_owned(),
        |quoted| quoted.into_owned(),
    )
}

/// The commands that edit `account`'s data lake settings with a `jq` program (after its
/// arguments, quoted): read them, change only what the program says, write them back
/// (`put-data-lake-settings` replaces them all).
fn settings_edit(account: AccountId, region: &str, arguments: &str, program: &str) -> String {
    let region = shell(region);
    format!(
        "aws lakeformation get-data-lake-settings --region {region} --catalog-id {account} --query DataLakeSettings > settings.json && jq{arguments} {} settings.json > changed.json && aws lakeformation put-data-lake-settings --region {region} --catalog-id {account} --data-lake-settings file://changed.json",
        shell(program)
    )
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        !matches!(self, Verdict::Missing { .. })
    }
}

/// A grant that would close a gap: to whom, on what, which permission, in whose Lake Formation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGrant {
    /// The account whose data lake administrator must grant it.
    pub grantor: AccountId,
    pub principal: GrantPrincipal,
    pub resource: GrantResource,
    pub permission: Permission,
    pub grantable: bool,
}

impl MissingGrant {
    /// `aws lakeformation grant-permissions ...` for the grantor account's profile.
    pub fn cli(&self) -> String {
        let grantable = if self.grantable {
            format!(
                " --permissions-with-grant-option {}",
                self.permission.name()
            )
        } else {
            String::new()
        };
        format!(
            "aws lakeformation grant-permissions --catalog-id {} --principal DataLakePrincipalIdentifier={} --permissions {}{grantable} --resource {}",
            self.grantor,
            shell(&self.principal.identifier()),
            self.permission.name(),
            shell(&self.resource.to_json().to_string())
        )
    }

    /// The same grant as the `GrantPermissions` request body.
    pub fn to_json(&self) -> serde_json::Value {
        let mut request = serde_json::json!({
            "CatalogId": self.grantor.to_string(),
            "Principal": {"DataLakePrincipalIdentifier": self.principal.identifier()},
            "Resource": self.resource.to_json(),
            "Permissions": [self.permission.name()],
        });
        if self.grantable {
            if let Some(object) = request.as_object_mut() {
                object.insert(
                    "PermissionsWithGrantOption".to_owned(),
                    serde_json::json!([self.permission.name()]),
                );
            }
        }
        request
    }
}

impl Lake {
    pub fn governance(&self, account: AccountId, region: &str) -> Option<&Governance> {
        self.governance.get(&(account, region.to_owned()))
    }

    pub fn catalog(&self, account: AccountId, region: &str) -> Option<&Catalog> {
        self.catalogs.get(&(account, region.to_owned()))
    }
}
