//! How grants on LF-Tag expressions, data cell filters and column lists cover a database, a
//! table or a column; what the cross-account version setting allows; and the grants that
//! almost matched, said in an explanation. The rules and their pages are in [`crate::tags`].

use crate::catalog::TableRef;
use crate::grant::{Grant, GrantPrincipal, GrantResource, Permission, Target};
use crate::tags::{DataCellsFilter, TagAssignment, TagResourceType, TagSet};
use crate::{Lake, Remedy, Requester};
use xacct_policy::AccountId;

/// The newest cross-account version, which a fix raises an account to.
const NEWEST_VERSION: u8 = 4;

/// Whether a column list (`ColumnNames`, or every column but `excluded`) admits `column`.
fn column_admitted(columns: Option<&Vec<String>>, excluded: &[String], column: &str) -> bool {
    match columns {
        Some(names) => names.iter().any(|name| name == column),
        None => !excluded.iter().any(|name| name == column),
    }
}

impl Lake {
    /// A table that holds data (not a resource link) in its owner's catalog.
    fn holds_table(&self, table: &TableRef) -> bool {
        self.table(table)
            .is_some_and(|found| found.target.is_none())
    }

    /// The filter a `DataCellsFilter` resource names, when it is a filter of `table`.
    fn filter_of(&self, resource: &GrantResource, table: &TableRef) -> Option<&DataCellsFilter> {
        let GrantResource::DataCellsFilter {
            catalog,
            database,
            table: filtered,
            name,
        } = resource
        else {
            return None;
        };
        if *catalog != table.account || *database != table.database || *filtered != table.table {
            return None;
        }
        self.governance(table.account, &table.region)?
            .filter(database, filtered, name)
    }

    /// The tags `target` carries, inherited ones included.
    pub fn tags_of(&self, target: &Target) -> TagSet {
        let Some(governance) = self.governance(target.account(), target.region()) else {
            return TagSet::new();
        };
        match target {
            Target::Database { name, .. } => governance.database_tags(name),
            Target::Table(table) => governance.table_tags(&table.database, &table.table),
            Target::Column { table, column } => {
                governance.column_tags(&table.database, &table.table, column)
            }
        }
    }

    /// Coverage decided by LF-Tags, filters or column lists; `None` when the named-resource
    /// rules of [`Lake::covers`] decide.
    pub(crate) fn covers_by_tags_or_columns(
        &self,
        grantor: AccountId,
        resource: &GrantResource,
        target: &Target,
    ) -> Option<bool> {
        match (resource, target) {
            (_, Target::Column { table, column }) => Some(match resource {
                GrantResource::Table {
                    columns, excluded, ..
                } => {
                    self.covers(grantor, resource, &Target::Table(table.clone()))
                        && column_admitted(columns.as_ref(), excluded, column)
                }
                GrantResource::TagPolicy {
                    catalog,
                    resource_type: TagResourceType::Table,
                    expression,
                } => {
                    *catalog == table.account
                        && self.holds_table(table)
                        && expression.matches(&self.tags_of(target))
                }
                GrantResource::DataCellsFilter { .. } => self
                    .filter_of(resource, table)
                    .is_some_and(|filter| filter.admits_column(column)),
                _ => false,
            }),
            (
                GrantResource::TagPolicy {
                    catalog,
                    resource_type,
                    expression,
                },
                Target::Table(table),
            ) => Some(
                *resource_type == TagResourceType::Table
                    && *catalog == table.account
                    && self.holds_table(table)
                    && (expression.matches(&self.tags_of(target))
                        || self.columns_of(table).into_iter().any(|column| {
                            expression.matches(&self.tags_of(&Target::Column {
                                table: table.clone(),
                                column,
                            }))
                        })),
            ),
            (
                GrantResource::TagPolicy {
                    catalog,
                    resource_type,
                    expression,
                },
                Target::Database { account, name, .. },
            ) => Some(
                *resource_type == TagResourceType::Database
                    && catalog == account
                    && self
                        .database(*account, target.region(), name)
                        .is_some_and(|database| database.target.is_none())
                    && expression.matches(&self.tags_of(target)),
            ),
            (GrantResource::DataCellsFilter { .. }, Target::Table(table)) => {
                Some(self.filter_of(resource, table).is_some())
            }
            (GrantResource::DataCellsFilter { .. }, _) => Some(false),
            _ => None,
        }
    }

    /// Whether a grant resource held by `grantor`'s Lake Formation covers `target`.
    pub fn grant_covers(
        &self,
        grantor: AccountId,
        resource: &GrantResource,
        target: &Target,
    ) -> bool {
        self.covers(grantor, resource, target)
    }

    /// The columns of a table xacct knows.
    pub fn columns_of(&self, table: &TableRef) -> Vec<String> {
        self.governance(table.account, &table.region)
            .map(|governance| governance.known_columns(&table.database, &table.table))
            .unwrap_or_default()
    }

    /// The cross-account version of `account` in `region`, and whether the scenario states it.
    pub fn cross_account_version(&self, account: AccountId, region: &str) -> (u8, bool) {
        self.governance(account, region)
            .map_or((crate::tags::ASSUMED_CROSS_ACCOUNT_VERSION, false), |g| {
                g.version()
            })
    }

    /// The grantor accounts whose cross-account grants are decided under a cross-account
    /// version the scenario does not state (then [`crate::tags::ASSUMED_CROSS_ACCOUNT_VERSION`]):
    /// every answer about such a world must say so, since versions 1 and 2 carry fewer grants.
    pub fn unstated_cross_account_versions(&self) -> std::collections::BTreeSet<AccountId> {
        self.grants
            .iter()
            .filter(|grant| match &grant.principal {
                GrantPrincipal::Principal(arn) => !arn.contains(&format!(":{}:", grant.grantor)),
                GrantPrincipal::Account(account) => *account != grant.grantor,
                GrantPrincipal::Organization { .. } | GrantPrincipal::Unit { .. } => true,
                GrantPrincipal::IamAllowedPrincipals => false,
            })
            .filter(|grant| {
                !self
                    .cross_account_version(grant.grantor, &self.region_of_owner(grant.grantor))
                    .1
            })
            .map(|grant| grant.grantor)
            .collect()
    }

    /// Why a grant does not reach a requester of another account under the grantor's
    /// cross-account version: versions 1 and 2 refuse grants to IAM principals of other
    /// accounts, and tag-based grants to organizations and units.
    pub(crate) fn version_blocks(&self, grant: &Grant, requester: &Requester) -> Option<String> {
        if grant.grantor == requester.account {
            return None;
        }
        let region = self.region_of(grant.grantor)?;
        let (version, _) = self.cross_account_version(grant.grantor, &region);
        if version >= 3 {
            return None;
        }
        let owner = grant.grantor;
        match (&grant.principal, &grant.resource) {
            (GrantPrincipal::Principal(arn), _)
                if !arn.contains(&format!(":{owner}:")) =>
            {
                Some(format!(
                    "the grant to {arn} ({}) names an IAM principal of another account, which cross-account version {version} of {owner} does not allow (version 3 or later does)",
                    grant.origin
                ))
            }
            (
                GrantPrincipal::Organization { .. } | GrantPrincipal::Unit { .. },
                GrantResource::TagPolicy { .. },
            ) => Some(format!(
                "the tag-based grant to {} ({}) names an organization or unit, which cross-account version {version} of {owner} does not allow (version 3 or later does)",
                grant.principal, grant.origin
            )),
            _ => None,
        }
    }

    /// The Region of `account`'s catalog, for settings that RAM and grants do not name one for.
    pub(crate) fn region_of_owner(&self, account: AccountId) -> String {
        self.region_of(account)
            .or_else(|| {
                self.catalogs
                    .keys()
                    .find(|(owner, _)| *owner == account)
                    .map(|(_, region)| region.clone())
            })
            .unwrap_or_else(|| "us-east-1".to_owned())
    }

    /// Whether a tag-based grant of `owner` matches `database` or one of its tables.
    pub(crate) fn tag_grant_touches(
        &self,
        grant: &Grant,
        owner: AccountId,
        database: &str,
    ) -> bool {
        let region = self.region_of_owner(owner);
        let database_target = Target::Database {
            account: owner,
            region: region.clone(),
            name: database.to_owned(),
        };
        if self.covers(owner, &grant.resource, &database_target) {
            return true;
        }
        self.catalog(owner, &region).is_some_and(|catalog| {
            catalog
                .tables
                .keys()
                .filter(|(db, _)| db == database)
                .any(|(db, table)| {
                    let table = TableRef {
                        account: owner,
                        region: region.clone(),
                        database: db.clone(),
                        table: table.clone(),
                    };
                    self.covers(owner, &grant.resource, &Target::Table(table))
                })
        })
    }

    /// The Region of `account`'s governance settings (one per account in xacct's scenarios).
    fn region_of(&self, account: AccountId) -> Option<String> {
        self.governance
            .keys()
            .find(|(owner, _)| *owner == account)
            .map(|(_, region)| region.clone())
    }

    /// A grant that would give `wanted` on `target` but for the grantor's cross-account
    /// version: the reason, and raising the version.
    pub(crate) fn blocked_by_version(
        &self,
        requester: &Requester,
        target: &Target,
        wanted: &[Permission],
    ) -> Option<(String, Remedy)> {
        let owner = target.account();
        self.grants.iter().find_map(|grant| {
            let reaches = grant.principal.reaches_account(requester);
            if grant.grantor != owner
                || !reaches
                || !wanted.iter().any(|&permission| grant.gives(permission))
                || !self.covers(grant.grantor, &grant.resource, target)
            {
                return None;
            }
            let reason = self.version_blocks(grant, requester)?;
            let (from, _) = self.cross_account_version(owner, target.region());
            Some((
                reason,
                Remedy::CrossAccountVersion {
                    account: owner,
                    region: target.region().to_owned(),
                    from,
                    to: NEWEST_VERSION,
                },
            ))
        })
    }

    /// For a tag-based grant under cross-account version 1 or 2: how it reaches the consumer
    /// without RAM. `None` when RAM carries the grant.
    pub(crate) fn without_ram(&self, grant: &Grant, requester: &Requester) -> Option<String> {
        if !matches!(grant.resource, GrantResource::TagPolicy { .. }) {
            return None;
        }
        let owner = grant.grantor;
        let region = self.region_of(owner)?;
        let (version, _) = self.cross_account_version(owner, &region);
        (version < 3).then(|| format!(
            "under cross-account version {version} of {owner}, a tag-based grant uses no RAM share: the Glue catalog policy of {owner} must let {} in where glue:EvaluatedByLakeFormationTags is true",
            requester.account
        ))
    }

    /// Whether Lake Formation evaluates `table` by LF-Tags for the requester's account: a
    /// tag-based grant of its owner reaches the account and covers the table or its database,
    /// so Glue sets `glue:EvaluatedByLakeFormationTags` to true on its catalog requests.
    pub fn evaluated_by_tags(&self, requester: &Requester, table: &TableRef) -> bool {
        let database = Target::Database {
            account: table.account,
            region: table.region.clone(),
            name: table.database.clone(),
        };
        self.grants.iter().any(|grant| {
            grant.grantor == table.account
                && matches!(grant.resource, GrantResource::TagPolicy { .. })
                && grant.principal.reaches_account(requester)
                && (self.covers(
                    grant.grantor,
                    &grant.resource,
                    &Target::Table(table.clone()),
                ) || self.covers(grant.grantor, &grant.resource, &database))
        })
    }

    /// A grant with what it gives, a filter's rows and columns included.
    pub(crate) fn describe_grant(&self, grant: &Grant) -> String {
        let base = grant.describe();
        let filter = self.governance.values().find_map(|governance| {
            let GrantResource::DataCellsFilter {
                database,
                table,
                name,
                ..
            } = &grant.resource
            else {
                return None;
            };
            governance.filter(database, table, name)
        });
        match filter {
            Some(filter) => format!("{base}, which gives {}", filter.describe()),
            None => base,
        }
    }

    /// Grants to the requester (or its account) that give `wanted` on a related resource but
    /// do not cover `target`, each with why: the tag expression that does not match, the
    /// filter or column list that leaves the column out. With the tag assignments that would
    /// make an expression match.
    pub(crate) fn near_misses(
        &self,
        requester: &Requester,
        target: &Target,
        wanted: &[Permission],
    ) -> (String, Vec<Remedy>) {
        let mut reasons = Vec::new();
        let mut remedies = Vec::new();
        for grant in &self.grants {
            let to_requester = grant.principal == GrantPrincipal::Principal(requester.arn.clone())
                || grant.principal.reaches_account(requester);
            if !to_requester
                || !wanted.iter().any(|&permission| grant.gives(permission))
                || self.covers(grant.grantor, &grant.resource, target)
            {
                continue;
            }
            let permissions: Vec<&str> = grant.permissions.iter().map(|p| p.name()).collect();
            match (&grant.resource, target) {
                (
                    GrantResource::TagPolicy {
                        catalog,
                        resource_type,
                        expression,
                    },
                    _,
                ) if *catalog == target.account()
                    && (*resource_type == TagResourceType::Database)
                        == matches!(target, Target::Database { .. }) =>
                {
                    let tags = self.tags_of(target);
                    let Some(why) = expression.mismatch(&tags) else {
                        continue;
                    };
                    reasons.push(format!(
                        "the grant of {} on LF-Tags `{expression}` ({}) does not match {target}: {why}",
                        permissions.join(", "),
                        grant.origin
                    ));
                    if let Some((key, value)) = expression.first_missing(&tags) {
                        let (table, column) = match target {
                            Target::Database { .. } => (None, None),
                            Target::Table(table) => (Some(table.table.clone()), None),
                            Target::Column { table, column } => {
                                (Some(table.table.clone()), Some(column.clone()))
                            }
                        };
                        remedies.push(Remedy::AssignTag(TagAssignment {
                            account: target.account(),
                            region: target.region().to_owned(),
                            database: target.database().to_owned(),
                            table,
                            column,
                            key,
                            value,
                        }));
                    }
                }
                (GrantResource::DataCellsFilter { .. }, Target::Column { table, column }) => {
                    if let Some(why) = self
                        .filter_of(&grant.resource, table)
                        .and_then(|filter| filter.refusal(column))
                    {
                        reasons.push(format!(
                            "{} is granted through a filter, but {why}",
                            permissions.join(", ")
                        ));
                    }
                }
                (GrantResource::Table { .. }, Target::Column { table, column })
                    if self.covers(
                        grant.grantor,
                        &grant.resource,
                        &Target::Table(table.clone()),
                    ) =>
                {
                    reasons.push(format!(
                        "the grant of {} on {} ({}) leaves out column `{column}`",
                        permissions.join(", "),
                        grant.resource,
                        grant.origin
                    ));
                }
                _ => {}
            }
        }
        if reasons.is_empty() {
            return (String::new(), remedies);
        }
        (format!(". Near misses: {}", reasons.join("; ")), remedies)
    }
}
