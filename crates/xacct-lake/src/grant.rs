//! Lake Formation permissions and grants, and whether they give a principal a permission.
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html>

use crate::catalog::TableRef;
use crate::share::ShareState;
use crate::tags::{TagExpression, TagResourceType};
use crate::{Lake, MissingGrant, Requester, Verdict};
use std::fmt;
use std::str::FromStr;
use xacct_policy::AccountId;

/// A Lake Formation permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// `ALL` ("Super" in the console): every permission on the resource.
    All,
    Alter,
    CreateDatabase,
    CreateTable,
    DataLocationAccess,
    Delete,
    Describe,
    Drop,
    Insert,
    Select,
}

impl Permission {
    pub const NAMES: [&'static str; 10] = [
        "ALL",
        "ALTER",
        "CREATE_DATABASE",
        "CREATE_TABLE",
        "DATA_LOCATION_ACCESS",
        "DELETE",
        "DESCRIBE",
        "DROP",
        "INSERT",
        "SELECT",
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Alter => "ALTER",
            Self::CreateDatabase => "CREATE_DATABASE",
            Self::CreateTable => "CREATE_TABLE",
            Self::DataLocationAccess => "DATA_LOCATION_ACCESS",
            Self::Delete => "DELETE",
            Self::Describe => "DESCRIBE",
            Self::Drop => "DROP",
            Self::Insert => "INSERT",
            Self::Select => "SELECT",
        }
    }

    /// Whether holding `self` gives `wanted`: `ALL` gives every permission.
    pub fn gives(self, wanted: Permission) -> bool {
        self == wanted || self == Self::All
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Lake Formation permission (one of ALL, ALTER, CREATE_DATABASE, CREATE_TABLE, DATA_LOCATION_ACCESS, DELETE, DESCRIBE, DROP, INSERT, SELECT)")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let upper = text.trim().to_ascii_uppercase();
        Ok(match upper.as_str() {
            "ALL" | "SUPER" => Self::All,
            "ALTER" => Self::Alter,
            "CREATE_DATABASE" => Self::CreateDatabase,
            "CREATE_TABLE" => Self::CreateTable,
            "DATA_LOCATION_ACCESS" => Self::DataLocationAccess,
            "DELETE" => Self::Delete,
            "DESCRIBE" => Self::Describe,
            "DROP" => Self::Drop,
            "INSERT" => Self::Insert,
            "SELECT" => Self::Select,
            _ => return Err(UnknownPermission(text.to_owned())),
        })
    }
}

/// Who a grant is to (`DataLakePrincipalIdentifier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantPrincipal {
    /// An IAM role or user, by ARN.
    Principal(String),
    /// Another account: its data lake administrator may re-grant to its principals.
    Account(AccountId),
    /// An organization, by ARN (`arn:aws:organizations::MGMT:organization/o-xxx`) and id.
    Organization { arn: String, id: String },
    /// An organizational unit, by ARN and id (`ou-xxx`).
    Unit { arn: String, id: String },
    /// `IAM_ALLOWED_PRINCIPALS`: every principal IAM allows.
    IamAllowedPrincipals,
}

impl GrantPrincipal {
    /// Reads an identifier as `list-permissions` prints it.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "IAM_ALLOWED_PRINCIPALS" {
            return Some(Self::IamAllowedPrincipals);
        }
        if let Ok(account) = text.parse::<AccountId>() {
            return Some(Self::Account(account));
        }
        if let Some(rest) = text.strip_prefix("arn:aws:organizations::") {
            let (_, resource) = rest.split_once(':')?;
            if let Some(id) = resource.strip_prefix("organization/") {
                return Some(Self::Organization {
                    arn: text.to_owned(),
                    id: id.to_owned(),
                });
            }
            if let Some(path) = resource.strip_prefix("ou/") {
                let id = path.rsplit('/').next()?.to_owned();
                return Some(Self::Unit {
                    arn: text.to_owned(),
                    id,
                });
            }
            return None;
        }
        let iam = text.starts_with("arn:aws:iam::")
            && (text.contains(":role/") || text.contains(":user/"));
        iam.then(|| Self::Principal(text.to_owned()))
    }

    pub fn identifier(&self) -> String {
        match self {
            Self::Principal(arn) => arn.clone(),
            Self::Account(account) => account.to_string(),
            Self::Organization { arn, .. } | Self::Unit { arn, .. } => arn.clone(),
            Self::IamAllowedPrincipals => "IAM_ALLOWED_PRINCIPALS".to_owned(),
        }
    }

    /// Whether the grant reaches the requester's account (for cross-account grants).
    pub(crate) fn reaches_account(&self, requester: &Requester) -> bool {
        match self {
            Self::Account(account) => *account == requester.account,
            Self::Organization { id, .. } => requester.organization.as_deref() == Some(id),
            Self::Unit { id, .. } => requester
                .organization_path
                .as_deref()
                .is_some_and(|path| path.split('/').any(|part| part == id)),
            Self::Principal(arn) => *arn == requester.arn,
            Self::IamAllowedPrincipals => false,
        }
    }
}

impl fmt::Display for GrantPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Principal(arn) => f.write_str(arn),
            Self::Account(account) => write!(f, "account {account}"),
            Self::Organization { id, .. } => write!(f, "organization {id}"),
            Self::Unit { id, .. } => write!(f, "unit {id}"),
            Self::IamAllowedPrincipals => f.write_str("IAM_ALLOWED_PRINCIPALS"),
        }
    }
}

/// A table or every table of a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableName {
    Named(String),
    /// `TableWildcard`: every table, present and future.
    All,
}

/// What a grant is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantResource {
    Catalog {
        catalog: AccountId,
    },
    Database {
        catalog: AccountId,
        name: String,
    },
    Table {
        catalog: AccountId,
        database: String,
        table: TableName,
        /// `TableWithColumns`: only these columns.
        columns: Option<Vec<String>>,
        /// `TableWithColumns` with `ColumnWildcard.ExcludedColumnNames`: every column but these.
        excluded: Vec<String>,
    },
    /// `LFTagPolicy`: every database or table (and column) whose LF-Tags match the expression.
    TagPolicy {
        catalog: AccountId,
        resource_type: TagResourceType,
        expression: TagExpression,
    },
    /// `DataCellsFilter`: the rows and columns of one table a filter lets through.
    DataCellsFilter {
        catalog: AccountId,
        database: String,
        table: String,
        name: String,
    },
    DataLocation {
        catalog: AccountId,
        path: String,
    },
}

impl GrantResource {
    pub fn catalog(&self) -> AccountId {
        match self {
            Self::Catalog { catalog }
            | Self::Database { catalog, .. }
            | Self::Table { catalog, .. }
            | Self::TagPolicy { catalog, .. }
            | Self::DataCellsFilter { catalog, .. }
            | Self::DataLocation { catalog, .. } => *catalog,
        }
    }

    /// The `Resource` of a `GrantPermissions` request.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Catalog { .. } => serde_json::json!({"Catalog": {}}),
            Self::Database { catalog, name } => {
                serde_json::json!({"Database": {"CatalogId": catalog.to_string(), "Name": name}})
            }
            Self::Table {
                catalog,
                database,
                table,
                columns: None,
                excluded,
            } if !excluded.is_empty() => serde_json::json!({"TableWithColumns": {
                "CatalogId": catalog.to_string(),
                "DatabaseName": database,
                "Name": match table { TableName::Named(name) => name.as_str(), TableName::All => "ALL_TABLES" },
                "ColumnWildcard": {"ExcludedColumnNames": excluded},
            }}),
            Self::TagPolicy {
                catalog,
                resource_type,
                expression,
            } => serde_json::json!({"LFTagPolicy": {
                "CatalogId": catalog.to_string(),
                "ResourceType": resource_type.name(),
                "Expression": expression.to_json(),
            }}),
            Self::DataCellsFilter {
                catalog,
                database,
                table,
                name,
            } => serde_json::json!({"DataCellsFilter": {
                "TableCatalogId": catalog.to_string(),
                "DatabaseName": database,
                "TableName": table,
                "Name": name,
            }}),
            Self::Table {
                catalog,
                database,
                table,
                columns: Some(columns),
                ..
            } => serde_json::json!({"TableWithColumns": {
                "CatalogId": catalog.to_string(),
                "DatabaseName": database,
                "Name": match table { TableName::Named(name) => name.as_str(), TableName::All => "ALL_TABLES" },
                "ColumnNames": columns,
            }}),
            Self::Table {
                catalog,
                database,
                table: TableName::Named(name),
                columns: None,
                ..
            } => {
                serde_json::json!({"Table": {"CatalogId": catalog.to_string(), "DatabaseName": database, "Name": name}})
            }
            Self::Table {
                catalog,
                database,
                table: TableName::All,
                columns: None,
                ..
            } => {
                serde_json::json!({"Table": {"CatalogId": catalog.to_string(), "DatabaseName": database, "TableWildcard": {}}})
            }
            Self::DataLocation { catalog, path } => {
                let arn = format!(
                    "arn:aws:s3:::{}",
                    path.trim_start_matches("s3://").trim_end_matches('/')
                );
                serde_json::json!({"DataLocation": {"CatalogId": catalog.to_string(), "ResourceArn": arn}})
            }
        }
    }
}

impl fmt::Display for GrantResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Catalog { catalog } => write!(f, "the catalog of {catalog}"),
            Self::Database { catalog, name } => write!(f, "database {name} in {catalog}"),
            Self::Table {
                catalog,
                database,
                table,
                columns,
                excluded,
            } => {
                match table {
                    TableName::Named(name) => write!(f, "table {database}.{name} in {catalog}")?,
                    TableName::All => write!(f, "every table of {database} in {catalog}")?,
                }
                if let Some(columns) = columns {
                    write!(f, " (columns {})", columns.join(", "))?;
                } else if !excluded.is_empty() {
                    write!(f, " (every column but {})", excluded.join(", "))?;
                }
                Ok(())
            }
            Self::TagPolicy {
                catalog,
                resource_type,
                expression,
            } => {
                let what = match resource_type {
                    TagResourceType::Database => "databases",
                    TagResourceType::Table => "tables and columns",
                };
                write!(f, "{what} with LF-Tags `{expression}` in {catalog}")
            }
            Self::DataCellsFilter {
                catalog,
                database,
                table,
                name,
            } => write!(
                f,
                "data cell filter `{name}` of {database}.{table} in {catalog}"
            ),
            Self::DataLocation { catalog, path } => write!(f, "data location {path} in {catalog}"),
        }
    }
}

/// One Lake Formation grant, held by the Lake Formation of `grantor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub grantor: AccountId,
    pub principal: GrantPrincipal,
    pub resource: GrantResource,
    pub permissions: Vec<Permission>,
    pub grantable: Vec<Permission>,
    /// Where the grant is written, for explanations (`xacct.toml:12:1`).
    pub origin: String,
}

impl Grant {
    pub(crate) fn gives(&self, wanted: Permission) -> bool {
        self.permissions.iter().any(|held| held.gives(wanted))
    }

    fn gives_with_grant_option(&self, wanted: Permission) -> bool {
        self.grantable.iter().any(|held| held.gives(wanted))
    }

    pub(crate) fn describe(&self) -> String {
        let permissions: Vec<&str> = self.permissions.iter().map(|p| p.name()).collect();
        format!(
            "{} on {} to {} granted in {} ({})",
            permissions.join(", "),
            self.resource,
            self.principal,
            self.grantor,
            self.origin
        )
    }
}

/// A resource a permission is checked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Database {
        account: AccountId,
        region: String,
        name: String,
    },
    Table(TableRef),
    /// One column of a table: a query that selects it needs SELECT on it.
    Column {
        table: TableRef,
        column: String,
    },
}

impl Target {
    /// The account whose catalog holds the resource.
    pub fn account(&self) -> AccountId {
        match self {
            Self::Database { account, .. } => *account,
            Self::Table(table) | Self::Column { table, .. } => table.account,
        }
    }

    pub(crate) fn region(&self) -> &str {
        match self {
            Self::Database { region, .. } => region,
            Self::Table(table) | Self::Column { table, .. } => &table.region,
        }
    }

    pub(crate) fn database(&self) -> &str {
        match self {
            Self::Database { name, .. } => name,
            Self::Table(table) | Self::Column { table, .. } => &table.database,
        }
    }

    /// The grant resource a missing grant would name.
    fn grant_resource(&self, catalog: AccountId) -> GrantResource {
        match self {
            Self::Database { name, .. } => GrantResource::Database {
                catalog,
                name: name.clone(),
            },
            Self::Table(table) => GrantResource::Table {
                catalog,
                database: table.database.clone(),
                table: TableName::Named(table.table.clone()),
                columns: None,
                excluded: Vec::new(),
            },
            Self::Column { table, column } => GrantResource::Table {
                catalog,
                database: table.database.clone(),
                table: TableName::Named(table.table.clone()),
                columns: Some(vec![column.clone()]),
                excluded: Vec::new(),
            },
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database { account, name, .. } => write!(f, "database {name} in {account}"),
            Self::Table(table) => write!(f, "table {table}"),
            Self::Column { table, column } => write!(f, "column `{column}` of table {table}"),
        }
    }
}

impl Lake {
    /// Whether `resource` (as a grant names it, in the Lake Formation of `grantor`) covers
    /// `target`. A table grant made through a database resource link of the grantor's own
    /// catalog is a grant on the link's target tables.
    pub(crate) fn covers(
        &self,
        grantor: AccountId,
        resource: &GrantResource,
        target: &Target,
    ) -> bool {
        if let Some(decided) = self.covers_by_tags_or_columns(grantor, resource, target) {
            return decided;
        }
        match (resource, target) {
            (
                GrantResource::Database { catalog, name },
                Target::Database {
                    account,
                    name: wanted,
                    ..
                },
            ) => catalog == account && name == wanted,
            (
                GrantResource::Table {
                    catalog,
                    database,
                    table,
                    ..
                },
                Target::Table(wanted),
            ) => {
                let (catalog, database) = match self
                    .database(*catalog, &wanted.region, database)
                    .and_then(|db| db.target.clone())
                {
                    Some((target_account, target_database)) if *catalog == grantor => {
                        (target_account, target_database)
                    }
                    _ => (*catalog, database.clone()),
                };
                catalog == wanted.account
                    && database == wanted.database
                    && match table {
                        TableName::All => true,
                        TableName::Named(name) => *name == wanted.table,
                    }
            }
            _ => false,
        }
    }

    /// Whether Lake Formation leaves `target` to IAM (`IAMAllowedPrincipals` holds ALL on it),
    /// unless the requester is opted in to Lake Formation in hybrid access mode.
    fn iam_only(&self, target: &Target, requester: &Requester) -> Option<String> {
        let catalog = self.catalog(target.account(), target.region())?;
        let (flag, table_location) = match target {
            Target::Database { name, .. } => {
                (catalog.databases.get(name)?.iam_allowed_principals, None)
            }
            Target::Table(table) | Target::Column { table, .. } => {
                let found = catalog
                    .tables
                    .get(&(table.database.clone(), table.table.clone()))?;
                (found.iam_allowed_principals, found.location.clone())
            }
        };
        let granted = self.grants.iter().any(|grant| {
            grant.grantor == target.account()
                && grant.principal == GrantPrincipal::IamAllowedPrincipals
                && grant.gives(Permission::All)
                && self.covers(grant.grantor, &grant.resource, target)
        });
        if !(flag || granted) {
            return None;
        }
        let opted_in = table_location.as_deref().is_some_and(|path| {
            catalog.locations.iter().any(|location| {
                location.hybrid
                    && location.covers(path)
                    && location.opted_in.contains(&requester.arn)
            })
        });
        if opted_in {
            return None;
        }
        Some(format!(
            "IAMAllowedPrincipals holds ALL on {target} (IAM-only mode), so Lake Formation leaves it to IAM"
        ))
    }

    /// Whether Lake Formation gives `requester` one of `wanted` on `target`.
    ///
    /// - `IAMAllowedPrincipals` with ALL on the resource: IAM alone decides.
    /// - Same account: a grant to the principal; data lake administrators see every
    ///   database and table (DESCRIBE) without one.
    /// - Across accounts: the owner grants to the requester's account, organization or unit
    ///   (with grant option, so that the consumer's administrator may pass it on) or to the
    ///   principal itself; the grant reaches the account only through an active RAM share;
    ///   and, unless the owner granted the principal directly, the consumer account's
    ///   administrator grants it to the principal.
    pub fn permits(
        &self,
        requester: &Requester,
        target: &Target,
        wanted: &[Permission],
    ) -> Verdict {
        if let Some(reason) = self.iam_only(target, requester) {
            return Verdict::IamOnly { reason };
        }
        let owner = target.account();
        let Some(&first) = wanted.first() else {
            return Verdict::Granted {
                by: "nothing is needed".to_owned(),
            };
        };
        let names: Vec<&str> = wanted.iter().map(|permission| permission.name()).collect();
        let wanted_text = names.join(" or ");
        let find = |grantor: AccountId,
                    principal_matches: &dyn Fn(&GrantPrincipal) -> bool,
                    grant_option: bool| {
            self.grants.iter().find(|grant| {
                grant.grantor == grantor
                    && principal_matches(&grant.principal)
                    && self.covers(grant.grantor, &grant.resource, target)
                    && self.version_blocks(grant, requester).is_none()
                    && wanted.iter().any(|&permission| {
                        if grant_option {
                            grant.gives_with_grant_option(permission)
                        } else {
                            grant.gives(permission)
                        }
                    })
            })
        };
        let is_requester = |principal: &GrantPrincipal| {
            *principal == GrantPrincipal::Principal(requester.arn.clone())
        };
        if owner == requester.account {
            if let Some(grant) = find(owner, &is_requester, false) {
                return Verdict::Granted {
                    by: self.describe_grant(grant),
                };
            }
            let admin = self
                .catalog(owner, target.region())
                .is_some_and(|catalog| catalog.admins.contains(&requester.arn));
            if admin && wanted.contains(&Permission::Describe) {
                return Verdict::Granted {
                    by: format!("{} is a data lake administrator of {owner}, who sees every database and table", requester.arn),
                };
            }
            let (near, remedies) = self.near_misses(requester, target, wanted);
            return Verdict::Missing {
                reason: format!(
                    "Insufficient Lake Formation permission(s): {} has no {wanted_text} on {target}, and IAMAllowedPrincipals does not hold it{near}",
                    requester.arn
                ),
                remedies,
                missing: vec![MissingGrant {
                    grantor: owner,
                    principal: GrantPrincipal::Principal(requester.arn.clone()),
                    resource: target.grant_resource(owner),
                    permission: first,
                    grantable: false,
                }],
            };
        }
        // Across accounts.
        let mut missing = Vec::new();
        let mut reasons = Vec::new();
        let direct = find(owner, &is_requester, false);
        let to_account = find(
            owner,
            &|principal| principal.reaches_account(requester) && !is_requester(principal),
            false,
        );
        let producer = direct.or(to_account);
        let mut remedies = Vec::new();
        if producer.is_none() {
            if let Some((reason, remedy)) = self.blocked_by_version(requester, target, wanted) {
                reasons.push(reason);
                remedies.push(remedy);
            }
        }
        let share = match producer.and_then(|grant| self.without_ram(grant, requester)) {
            Some(by) => ShareState::Active { by },
            None => self.share_state(owner, requester, target.database()),
        };
        if producer.is_none() {
            reasons.push(format!(
                    "{owner} has not granted {wanted_text} on {target} to {}'s account {} (or its organization or unit)",
                    requester.arn, requester.account
                ));
            missing.push(MissingGrant {
                grantor: owner,
                principal: GrantPrincipal::Account(requester.account),
                resource: target.grant_resource(owner),
                permission: first,
                grantable: true,
            });
        }
        if let ShareState::Pending { .. } | ShareState::NotShared { .. } = &share {
            reasons.push(share.describe());
        }
        if direct.is_none() {
            match find(requester.account, &is_requester, false) {
                None => {
                    reasons.push(format!(
                        "the data lake administrator of {} has not granted {wanted_text} on {target} to {}",
                        requester.account, requester.arn
                    ));
                    missing.push(MissingGrant {
                        grantor: requester.account,
                        principal: GrantPrincipal::Principal(requester.arn.clone()),
                        resource: target.grant_resource(owner),
                        permission: first,
                        grantable: false,
                    });
                }
                Some(_) => {
                    let passable = find(
                        owner,
                        &|principal| {
                            principal.reaches_account(requester) && !is_requester(principal)
                        },
                        true,
                    );
                    if producer.is_some() && passable.is_none() {
                        reasons.push(format!(
                            "{owner} granted {wanted_text} on {target} to {} without grant option, so its administrator cannot pass it on to {}",
                            requester.account, requester.arn
                        ));
                        missing.push(MissingGrant {
                            grantor: owner,
                            principal: GrantPrincipal::Account(requester.account),
                            resource: target.grant_resource(owner),
                            permission: first,
                            grantable: true,
                        });
                    }
                }
            }
        }
        if reasons.is_empty() {
            let mut by = Vec::new();
            by.extend(producer.map(|grant| self.describe_grant(grant)));
            if direct.is_none() {
                by.extend(
                    find(requester.account, &is_requester, false)
                        .map(|grant| self.describe_grant(grant)),
                );
            }
            by.push(share.describe());
            return Verdict::Granted { by: by.join("; ") };
        }
        let (near, more) = self.near_misses(requester, target, wanted);
        remedies.extend(more);
        Verdict::Missing {
            reason: format!(
                "Insufficient Lake Formation permission(s) for {} on {target}: {}{near}",
                requester.arn,
                reasons.join("; ")
            ),
            missing,
            remedies,
        }
    }
}
