//! Catalogs, databases, tables, resource links and registered locations.

use std::collections::BTreeMap;
use xacct_policy::AccountId;

/// The Data Catalog and Lake Formation settings of one account in one Region.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub account: AccountId,
    pub region: String,
    /// Data lake administrators (role or user ARNs).
    pub admins: Vec<String>,
    /// Whether new databases and tables get `IAMAllowedPrincipals` with ALL (the
    /// `CreateDatabaseDefaultPermissions` / `CreateTableDefaultPermissions` defaults, "Use only
    /// IAM access control"). Each database or table can say otherwise.
    pub iam_allowed_by_default: bool,
    pub databases: BTreeMap<String, Database>,
    /// By (database, table).
    pub tables: BTreeMap<(String, String), Table>,
    /// S3 locations registered with Lake Formation.
    pub locations: Vec<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub name: String,
    /// For a resource link: the database it points at (account, name).
    pub target: Option<(AccountId, String)>,
    /// `IAMAllowedPrincipals` holds ALL on it: Lake Formation leaves it to IAM.
    pub iam_allowed_principals: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub database: String,
    pub name: String,
    /// `s3://bucket/prefix/` of the data.
    pub location: Option<String>,
    /// For a resource link: the table it points at (account, database, table).
    pub target: Option<(AccountId, String, String)>,
    pub iam_allowed_principals: bool,
}

/// A registered data location: Lake Formation vends credentials of `role` for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// `s3://bucket/prefix/`.
    pub path: String,
    pub role: Option<String>,
    /// Hybrid access mode: only the opted-in principals are governed by Lake Formation.
    pub hybrid: bool,
    pub opted_in: Vec<String>,
}

impl Location {
    pub fn covers(&self, path: &str) -> bool {
        let prefix = self.path.trim_end_matches('/');
        path == prefix || path.starts_with(&format!("{prefix}/"))
    }
}

/// A table in one account's catalog, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableRef {
    pub account: AccountId,
    pub region: String,
    pub database: String,
    pub table: String,
}

impl TableRef {
    pub fn catalog_arn(&self) -> String {
        format!("arn:aws:glue:{}:{}:catalog", self.region, self.account)
    }
    pub fn database_arn(&self) -> String {
        format!(
            "arn:aws:glue:{}:{}:database/{}",
            self.region, self.account, self.database
        )
    }
    pub fn table_arn(&self) -> String {
        format!(
            "arn:aws:glue:{}:{}:table/{}/{}",
            self.region, self.account, self.database, self.table
        )
    }
}

impl std::fmt::Display for TableRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{} in {}", self.database, self.table, self.account)
    }
}

/// A name as the engine asks for it, resolved: the resource link it went through (database
/// link, table link, or none) and the table it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogObject {
    /// The name asked for, in the requester's own catalog.
    pub asked: TableRef,
    /// The database resource link the name went through, when it did.
    pub database_link: Option<TableRef>,
    /// The table resource link the name went through, when it did.
    pub table_link: Option<TableRef>,
    /// The table that holds the data.
    pub target: TableRef,
}

/// Why a name does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("there is no database `{database}` in the Data Catalog of {account} ({region})")]
    NoDatabase {
        account: AccountId,
        region: String,
        database: String,
    },
    #[error("there is no table `{database}.{table}` in the Data Catalog of {account} ({region})")]
    NoTable {
        account: AccountId,
        region: String,
        database: String,
        table: String,
    },
    #[error("the resource link `{name}` in {account} points at a link again: Glue resolves one level only")]
    LinkToLink { account: AccountId, name: String },
}

impl crate::Lake {
    /// Resolves `database.table` as asked by a principal of `account` in `region`, following at
    /// most one resource link (a link to a link does not resolve in Glue).
    pub fn resolve(
        &self,
        account: AccountId,
        region: &str,
        database: &str,
        table: &str,
    ) -> Result<CatalogObject, ResolveError> {
        let asked = TableRef {
            account,
            region: region.to_owned(),
            database: database.to_owned(),
            table: table.to_owned(),
        };
        let no_database = |account: AccountId, database: &str| ResolveError::NoDatabase {
            account,
            region: region.to_owned(),
            database: database.to_owned(),
        };
        let catalog = self
            .catalog(account, region)
            .ok_or_else(|| no_database(account, database))?;
        let local = catalog
            .databases
            .get(database)
            .ok_or_else(|| no_database(account, database))?;
        if let Some((target_account, target_database)) = &local.target {
            let target_catalog = self
                .catalog(*target_account, region)
                .ok_or_else(|| no_database(*target_account, target_database))?;
            let target_db = target_catalog
                .databases
                .get(target_database)
                .ok_or_else(|| no_database(*target_account, target_database))?;
            if target_db.target.is_some() {
                return Err(ResolveError::LinkToLink {
                    account,
                    name: database.to_owned(),
                });
            }
            let target = TableRef {
                account: *target_account,
                region: region.to_owned(),
                database: target_database.clone(),
                table: table.to_owned(),
            };
            if !target_catalog
                .tables
                .contains_key(&(target_database.clone(), table.to_owned()))
            {
                return Err(ResolveError::NoTable {
                    account: *target_account,
                    region: region.to_owned(),
                    database: target_database.clone(),
                    table: table.to_owned(),
                });
            }
            return Ok(CatalogObject {
                database_link: Some(asked.clone()),
                asked,
                table_link: None,
                target,
            });
        }
        let found = catalog
            .tables
            .get(&(database.to_owned(), table.to_owned()))
            .ok_or_else(|| ResolveError::NoTable {
                account,
                region: region.to_owned(),
                database: database.to_owned(),
                table: table.to_owned(),
            })?;
        match &found.target {
            None => Ok(CatalogObject {
                asked: asked.clone(),
                database_link: None,
                table_link: None,
                target: asked,
            }),
            Some((target_account, target_database, target_table)) => {
                let target = TableRef {
                    account: *target_account,
                    region: region.to_owned(),
                    database: target_database.clone(),
                    table: target_table.clone(),
                };
                let exists = self
                    .catalog(*target_account, region)
                    .is_some_and(|target_catalog| {
                        target_catalog
                            .tables
                            .get(&(target_database.clone(), target_table.clone()))
                            .is_some_and(|table| table.target.is_none())
                    });
                if !exists {
                    return Err(ResolveError::NoTable {
                        account: *target_account,
                        region: region.to_owned(),
                        database: target_database.clone(),
                        table: target_table.clone(),
                    });
                }
                Ok(CatalogObject {
                    asked: asked.clone(),
                    database_link: None,
                    table_link: Some(asked),
                    target,
                })
            }
        }
    }

    pub fn table(&self, reference: &TableRef) -> Option<&Table> {
        self.catalog(reference.account, &reference.region)?
            .tables
            .get(&(reference.database.clone(), reference.table.clone()))
    }

    pub fn database(&self, account: AccountId, region: &str, name: &str) -> Option<&Database> {
        self.catalog(account, region)?.databases.get(name)
    }

    /// The registered location that holds a table's data, when one does.
    pub fn registered_location(&self, table: &TableRef) -> Option<&Location> {
        let path = self.table(table)?.location.as_deref()?;
        self.catalog(table.account, &table.region)?
            .locations
            .iter()
            .filter(|location| location.covers(path))
            .max_by_key(|location| location.path.len())
    }
}
