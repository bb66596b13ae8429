//! LF-Tags, the tag expressions grants are made on, data cell filters, and the cross-account
//! version setting that decides how tag-based grants reach other accounts.
//!
//! - Tags and inheritance: a database's LF-Tags pass to its tables, a table's to its columns;
//!   a value assigned lower down replaces the inherited value of the same key, and a resource
//!   holds one value per key.
//!   <https://docs.aws.amazon.com/lake-formation/latest/dg/TBAC-assigning-tags.html>
//! - Expressions: a grant on an LF-Tag expression (`LFTagPolicy`) matches a resource when, for
//!   every key of the expression, the resource's value of that key is one of the expression's
//!   values (AND across keys, OR within a key).
//!   <https://docs.aws.amazon.com/lake-formation/latest/dg/tag-based-access-control.html>
//! - Data cell filters: a row filter expression (or every row) and included or excluded columns
//!   of one table; SELECT granted on a filter gives exactly those cells.
//!   <https://docs.aws.amazon.com/lake-formation/latest/dg/data-filters-about.html>
//! - Cross-account version: with versions 1 and 2, tag-based grants to another account do not
//!   use RAM (the producer's Data Catalog resource policy must let the consumer in when
//!   `glue:EvaluatedByLakeFormationTags` is true); version 3 moves them to RAM and is the first
//!   that lets a grant name an IAM principal of another account, or an organization or unit with
//!   the tag-based method. <https://docs.aws.amazon.com/lake-formation/latest/dg/optimize-ram.html>

use std::collections::BTreeMap;
use std::fmt;

/// The LF-Tags assigned directly to one resource: key to value (one value per key).
pub type TagSet = BTreeMap<String, String>;

/// The version AWS gives an account whose settings name none is 1; xacct answers with the
/// newest (4) when a scenario does not say, and says so in each answer it decides.
pub const ASSUMED_CROSS_ACCOUNT_VERSION: u8 = 4;

/// LF-Tags, filters and data lake settings (beyond administrators and defaults) of one
/// account's catalog in one Region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Governance {
    /// Tag keys and their allowed values (`aws lakeformation list-lf-tags`).
    pub keys: BTreeMap<String, Vec<String>>,
    /// Direct assignments on databases.
    pub databases: BTreeMap<String, TagSet>,
    /// Direct assignments on tables, by (database, table).
    pub tables: BTreeMap<(String, String), TagSet>,
    /// Direct assignments on columns, by (database, table) then column.
    pub columns: BTreeMap<(String, String), BTreeMap<String, TagSet>>,
    /// The columns of each table, when known (from a declaration or from column tags).
    pub table_columns: BTreeMap<(String, String), Vec<String>>,
    pub filters: Vec<DataCellsFilter>,
    /// `CROSS_ACCOUNT_VERSION` of the data lake settings, when the scenario states it.
    pub cross_account_version: Option<u8>,
    /// The application integration settings (engines outside AWS's analytics services).
    pub external_engines: crate::external::ExternalEngines,
}

impl Governance {
    /// The tags a database carries.
    pub fn database_tags(&self, database: &str) -> TagSet {
        self.databases.get(database).cloned().unwrap_or_default()
    }

    /// The tags a table carries: its database's, overridden key by key by its own.
    pub fn table_tags(&self, database: &str, table: &str) -> TagSet {
        let mut tags = self.database_tags(database);
        if let Some(own) = self.tables.get(&(database.to_owned(), table.to_owned())) {
            tags.extend(own.iter().map(|(key, value)| (key.clone(), value.clone())));
        }
        tags
    }

    /// The tags a column carries: its table's (inherited ones included), overridden key by key
    /// by its own.
    pub fn column_tags(&self, database: &str, table: &str, column: &str) -> TagSet {
        let mut tags = self.table_tags(database, table);
        if let Some(own) = self
            .columns
            .get(&(database.to_owned(), table.to_owned()))
            .and_then(|columns| columns.get(column))
        {
            tags.extend(own.iter().map(|(key, value)| (key.clone(), value.clone())));
        }
        tags
    }

    /// The columns of a table xacct knows: declared ones and those with tags of their own.
    pub fn known_columns(&self, database: &str, table: &str) -> Vec<String> {
        let key = (database.to_owned(), table.to_owned());
        let mut out: Vec<String> = self.table_columns.get(&key).cloned().unwrap_or_default();
        for column in self.columns.get(&key).into_iter().flat_map(BTreeMap::keys) {
            if !out.contains(column) {
                out.push(column.clone());
            }
        }
        out
    }

    pub fn filter(&self, database: &str, table: &str, name: &str) -> Option<&DataCellsFilter> {
        self.filters.iter().find(|filter| {
            filter.database == database && filter.table == table && filter.name == name
        })
    }

    /// The version that decides, and whether it was stated.
    pub fn version(&self) -> (u8, bool) {
        match self.cross_account_version {
            Some(version) => (version, true),
            None => (ASSUMED_CROSS_ACCOUNT_VERSION, false),
        }
    }
}

/// `key = value` assigned to a database, a table or a column of one account's catalog
/// (`aws lakeformation add-lf-tags-to-resource`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagAssignment {
    pub account: xacct_policy::AccountId,
    pub region: String,
    pub database: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub key: String,
    pub value: String,
}

impl TagAssignment {
    /// The resource in words: "column `email` of sales.customers".
    pub fn place(&self) -> String {
        let database = &self.database;
        match (&self.table, &self.column) {
            (Some(table), Some(column)) => format!("column `{column}` of {database}.{table}"),
            (Some(table), None) => format!("table {database}.{table}"),
            _ => format!("database {database}"),
        }
    }

    /// The `Resource` of `add-lf-tags-to-resource`.
    fn resource_json(&self) -> serde_json::Value {
        let catalog = self.account.to_string();
        match (&self.table, &self.column) {
            (Some(table), Some(column)) => {
                serde_json::json!({"TableWithColumns": {"CatalogId": catalog, "DatabaseName": self.database, "Name": table, "ColumnNames": [column]}})
            }
            (Some(table), None) => {
                serde_json::json!({"Table": {"CatalogId": catalog, "DatabaseName": self.database, "Name": table}})
            }
            _ => serde_json::json!({"Database": {"CatalogId": catalog, "Name": self.database}}),
        }
    }

    /// The AWS CLI command that makes the assignment.
    pub fn cli(&self) -> String {
        let tags = serde_json::json!([{"TagKey": self.key, "TagValues": [self.value]}]);
        format!(
            "aws lakeformation add-lf-tags-to-resource --region {} --catalog-id {} --resource {} --lf-tags {}",
            crate::shell(&self.region),
            self.account,
            crate::shell(&self.resource_json().to_string()),
            crate::shell(&tags.to_string())
        )
    }

    /// Records the assignment in `governance`.
    pub fn apply(&self, governance: &mut Governance) {
        let tags = match (&self.table, &self.column) {
            (Some(table), Some(column)) => governance
                .columns
                .entry((self.database.clone(), table.clone()))
                .or_default()
                .entry(column.clone())
                .or_default(),
            (Some(table), None) => governance
                .tables
                .entry((self.database.clone(), table.clone()))
                .or_default(),
            _ => governance
                .databases
                .entry(self.database.clone())
                .or_default(),
        };
        tags.insert(self.key.clone(), self.value.clone());
    }
}

/// Which resources an LF-Tag expression grant is on (`LFTagPolicy.ResourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagResourceType {
    Database,
    /// Tables and their columns.
    Table,
}

impl TagResourceType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Database => "DATABASE",
            Self::Table => "TABLE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "DATABASE" => Some(Self::Database),
            "TABLE" => Some(Self::Table),
            _ => None,
        }
    }
}

/// One key of an expression and the values any of which matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCondition {
    pub key: String,
    pub values: Vec<String>,
}

/// An LF-Tag expression: every condition must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagExpression(pub Vec<TagCondition>);

impl TagExpression {
    pub fn matches(&self, tags: &TagSet) -> bool {
        self.mismatch(tags).is_none()
    }

    /// Why `tags` do not match, for the first condition that fails; `None` when they match.
    pub fn mismatch(&self, tags: &TagSet) -> Option<String> {
        self.0.iter().find_map(|condition| {
            let wanted = condition.values.join(", ");
            match tags.get(&condition.key) {
                None => Some(format!(
                    "LF-Tag `{}` is not assigned (the expression wants {wanted})",
                    condition.key
                )),
                Some(value) if condition.values.contains(value) => None,
                Some(value) => Some(format!(
                    "LF-Tag `{}` is `{value}`, not {wanted}",
                    condition.key
                )),
            }
        })
    }

    /// For the first key of the expression the resource does not carry at all: the key and a
    /// value that would make that condition hold. A key that carries another value is not
    /// offered: re-tagging classified data changes who else reaches it.
    pub fn first_missing(&self, tags: &TagSet) -> Option<(String, String)> {
        self.0.iter().find_map(|condition| {
            if tags.contains_key(&condition.key) {
                return None;
            }
            let value = condition.values.first()?;
            Some((condition.key.clone(), value.clone()))
        })
    }

    /// `Expression` of an `LFTagPolicy` resource.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.0
                .iter()
                .map(|condition| {
                    serde_json::json!({"TagKey": condition.key, "TagValues": condition.values})
                })
                .collect(),
        )
    }
}

impl fmt::Display for TagExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|condition| match condition.values.as_slice() {
                [one] => format!("{}={one}", condition.key),
                values => format!("{} IN ({})", condition.key, values.join(", ")),
            })
            .collect();
        f.write_str(&parts.join(" AND "))
    }
}

/// The rows a data cell filter lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFilter {
    /// `AllRowsWildcard`.
    AllRows,
    /// `FilterExpression`, kept as text: xacct does not evaluate rows.
    Expression(String),
}

/// The columns a data cell filter lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterColumns {
    /// `ColumnWildcard` with no exclusions.
    All,
    /// `ColumnNames`.
    Included(Vec<String>),
    /// `ColumnWildcard.ExcludedColumnNames`.
    Excluded(Vec<String>),
}

/// A data cell filter of one table (`aws lakeformation list-data-cells-filter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCellsFilter {
    pub database: String,
    pub table: String,
    pub name: String,
    pub rows: RowFilter,
    pub columns: FilterColumns,
    /// Where the filter is written, for explanations.
    pub origin: String,
}

impl DataCellsFilter {
    pub fn admits_column(&self, column: &str) -> bool {
        match &self.columns {
            FilterColumns::All => true,
            FilterColumns::Included(names) => names.iter().any(|name| name == column),
            FilterColumns::Excluded(names) => !names.iter().any(|name| name == column),
        }
    }

    /// Why the filter refuses a column, when it does.
    pub fn refusal(&self, column: &str) -> Option<String> {
        if self.admits_column(column) {
            return None;
        }
        Some(match &self.columns {
            FilterColumns::Excluded(_) => format!(
                "data cell filter `{}` ({}) excludes column `{column}`",
                self.name, self.origin
            ),
            _ => format!(
                "data cell filter `{}` ({}) includes only {}, not column `{column}`",
                self.name,
                self.origin,
                self.columns_text()
            ),
        })
    }

    fn columns_text(&self) -> String {
        match &self.columns {
            FilterColumns::All => "every column".to_owned(),
            FilterColumns::Included(names) => format!("columns {}", names.join(", ")),
            FilterColumns::Excluded(names) => format!("every column but {}", names.join(", ")),
        }
    }

    /// What the filter gives, in words: rows and columns.
    pub fn describe(&self) -> String {
        let rows = match &self.rows {
            RowFilter::AllRows => "every row".to_owned(),
            RowFilter::Expression(text) => format!("rows where `{text}`"),
        };
        format!("{rows}, {}", self.columns_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> TagSet {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn expression(conditions: &[(&str, &[&str])]) -> TagExpression {
        TagExpression(
            conditions
                .iter()
                .map(|(key, values)| TagCondition {
                    key: (*key).to_owned(),
                    values: values.iter().map(|value| (*value).to_owned()).collect(),
                })
                .collect(),
        )
    }

    fn governance() -> Governance {
        let mut governance = Governance::default();
        governance.databases.insert(
            "sales".to_owned(),
            tags(&[("domain", "sales"), ("level", "internal")]),
        );
        governance.tables.insert(
            ("sales".to_owned(), "customers".to_owned()),
            tags(&[("level", "public")]),
        );
        governance
            .columns
            .entry(("sales".to_owned(), "customers".to_owned()))
            .or_default()
            .insert("ssn".to_owned(), tags(&[("level", "secret")]));
        governance
    }

    #[test]
    fn tables_inherit_database_tags_and_override_them_key_by_key() {
        let governance = governance();
        assert_eq!(
            governance.table_tags("sales", "customers"),
            tags(&[("domain", "sales"), ("level", "public")])
        );
        assert_eq!(
            governance.table_tags("sales", "orders"),
            tags(&[("domain", "sales"), ("level", "internal")])
        );
        assert_eq!(
            governance.column_tags("sales", "customers", "ssn"),
            tags(&[("domain", "sales"), ("level", "secret")])
        );
        assert_eq!(
            governance.column_tags("sales", "customers", "name"),
            tags(&[("domain", "sales"), ("level", "public")])
        );
    }

    #[test]
    fn an_expression_is_and_across_keys_and_or_within_a_key() {
        let governance = governance();
        let both = expression(&[("domain", &["sales"]), ("level", &["public", "internal"])]);
        assert!(both.matches(&governance.table_tags("sales", "customers")));
        assert!(both.matches(&governance.table_tags("sales", "orders")));
        assert!(!both.matches(&governance.column_tags("sales", "customers", "ssn")));
        let reason = both
            .mismatch(&governance.column_tags("sales", "customers", "ssn"))
            .unwrap_or_default();
        assert!(reason.contains("`level` is `secret`"), "{reason}");
        let other = expression(&[("domain", &["marketing"])]);
        assert!(!other.matches(&governance.table_tags("sales", "orders")));
        let unassigned = expression(&[("owner", &["ops"])]);
        let reason = unassigned.mismatch(&TagSet::new()).unwrap_or_default();
        assert!(reason.contains("not assigned"), "{reason}");
        assert_eq!(
            unassigned.first_missing(&TagSet::new()),
            Some(("owner".to_owned(), "ops".to_owned()))
        );
        assert_eq!(
            both.to_string(),
            "domain=sales AND level IN (public, internal)"
        );
    }

    #[test]
    fn a_filter_admits_included_columns_or_all_but_the_excluded_ones() {
        let mut filter = DataCellsFilter {
            database: "sales".to_owned(),
            table: "customers".to_owned(),
            name: "no_pii".to_owned(),
            rows: RowFilter::Expression("country = 'DE'".to_owned()),
            columns: FilterColumns::Excluded(vec!["ssn".to_owned()]),
            origin: "xacct.toml:1:1".to_owned(),
        };
        assert!(filter.admits_column("name"));
        assert!(!filter.admits_column("ssn"));
        assert!(filter
            .refusal("ssn")
            .is_some_and(|reason| reason.contains("excludes column `ssn`")));
        filter.columns = FilterColumns::Included(vec!["name".to_owned()]);
        assert!(filter.admits_column("name"));
        assert!(!filter.admits_column("email"));
        assert_eq!(
            filter.describe(),
            "rows where `country = 'DE'`, columns name"
        );
    }
}
