//! LF-Tags, their assignments, data cell filters, tag-expression and filter grants, and the
//! cross-account version of a `[[catalog]]` table; the rules are in `xacct_lake::tags`.
//! What AWS refuses to store (a value outside a tag's allowed values, a filter of a table that
//! does not exist) is an error; what AWS stores but leaves without effect (an expression that
//! matches nothing, a grant the cross-account version cannot carry) is a warning.

use crate::load::Loader;
use crate::manifest::{CatalogEntry, LakeGrantEntry};
use std::collections::BTreeMap;
use toml::Spanned;
use xacct_lake::{
    DataCellsFilter, FilterColumns, GrantPrincipal, GrantResource, RowFilter, TagCondition,
    TagExpression, TagResourceType, TagSet, Target,
};
use xacct_policy::{AccountId, Span};

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

impl Loader {
    fn governance_mut(&mut self, account: AccountId, region: &str) -> &mut xacct_lake::Governance {
        self.world
            .lake
            .governance
            .entry((account, region.to_owned()))
            .or_default()
    }

    /// Whether AWS would store `key = value` on a resource of the catalog: the key exists and
    /// allows the value. Unchecked while the catalog defines no keys at all.
    fn assignable(
        &mut self,
        account: AccountId,
        region: &str,
        key: &str,
        value: &Spanned<String>,
    ) -> bool {
        let keys = &self.governance_mut(account, region).keys;
        if keys.is_empty() {
            return true;
        }
        match keys.get(key) {
            None => {
                let known: Vec<String> = keys.keys().cloned().collect();
                self.error(
                    "unknown-lf-tag",
                    span_of(value),
                    format!("LF-Tag `{key}` is not defined in the catalog of {account}: AWS refuses to assign it"),
                )
                .help = Some(format!("define it with a [[catalog.lf_tag]] table (keys defined: {})", known.join(", ")));
                false
            }
            Some(allowed) if !allowed.contains(value.get_ref()) => {
                let allowed = allowed.join(", ");
                self.error(
                    "unknown-lf-tag-value",
                    span_of(value),
                    format!("`{}` is not an allowed value of LF-Tag `{key}` ({allowed}): AWS refuses it", value.get_ref()),
                )
                .help = Some("add the value to the tag's `values` (aws lakeformation update-lf-tag --tag-values-to-add)".to_owned());
                false
            }
            Some(_) => true,
        }
    }

    fn tag_set(
        &mut self,
        account: AccountId,
        region: &str,
        tags: &BTreeMap<String, Spanned<String>>,
    ) -> TagSet {
        let mut out = TagSet::new();
        for (key, value) in tags {
            if self.assignable(account, region, key, value) {
                out.insert(key.clone(), value.get_ref().clone());
            }
        }
        out
    }

    /// The LF-Tags, assignments, filters, cross-account version and application integration
    /// settings of a `[[catalog]]` table.
    pub(crate) fn lake_governance(
        &mut self,
        account: AccountId,
        region: &str,
        entry: &CatalogEntry,
    ) {
        self.external_engines(account, region, entry);
        if let Some(version) = &entry.cross_account_version {
            match u8::try_from(*version.get_ref()) {
                Ok(value @ 1..=4) => {
                    self.governance_mut(account, region).cross_account_version = Some(value);
                }
                _ => {
                    self.error(
                        "invalid-cross-account-version",
                        span_of(version),
                        format!(
                            "cross-account version {} does not exist: Lake Formation's are 1 to 4",
                            version.get_ref()
                        ),
                    );
                }
            }
        }
        for tag in &entry.lf_tag {
            if tag.values.is_empty() {
                self.error(
                    "invalid-lf-tag",
                    span_of(&tag.key),
                    format!(
                        "LF-Tag `{}` has no values: AWS needs at least one",
                        tag.key.get_ref()
                    ),
                );
                continue;
            }
            let values = tag
                .values
                .iter()
                .map(|value| value.get_ref().clone())
                .collect();
            self.governance_mut(account, region)
                .keys
                .insert(tag.key.get_ref().clone(), values);
        }
        for database in &entry.database {
            let tags = self.tag_set(account, region, &database.lf_tags);
            if !tags.is_empty() {
                self.governance_mut(account, region)
                    .databases
                    .insert(database.name.get_ref().clone(), tags);
            }
        }
        for table in &entry.table {
            let key = (
                table.database.get_ref().clone(),
                table.name.get_ref().clone(),
            );
            let tags = self.tag_set(account, region, &table.lf_tags);
            let mut columns = BTreeMap::new();
            for (column, assigned) in &table.column_lf_tags {
                if !table.columns.is_empty() && !table.columns.contains(column) {
                    let span = assigned
                        .values()
                        .next()
                        .map_or(span_of(&table.name), span_of);
                    self.error("unknown-column", span, format!("`column_lf_tags` names column `{column}`, which is not in `columns` of {}.{}", key.0, key.1));
                    continue;
                }
                columns.insert(column.clone(), self.tag_set(account, region, assigned));
            }
            let governance = self.governance_mut(account, region);
            if !tags.is_empty() {
                governance.tables.insert(key.clone(), tags);
            }
            if !table.columns.is_empty() {
                governance
                    .table_columns
                    .insert(key.clone(), table.columns.clone());
            }
            if !columns.is_empty() {
                governance.columns.insert(key, columns);
            }
        }
        for filter in &entry.filter {
            self.filter_entry(account, region, filter);
        }
    }

    fn filter_entry(
        &mut self,
        account: AccountId,
        region: &str,
        filter: &crate::manifest::FilterEntry,
    ) {
        let key = (filter.database.clone(), filter.table.clone());
        let exists = self
            .world
            .lake
            .catalog(account, region)
            .is_some_and(|catalog| catalog.tables.contains_key(&key));
        if !exists {
            self.error(
                "unknown-table",
                span_of(&filter.name),
                format!("data cell filter `{}` is of table {}.{}, which is not declared in the catalog of {account}: AWS creates filters of existing tables only", filter.name.get_ref(), key.0, key.1),
            )
            .help = Some("add a [[catalog.table]] with that database and name".to_owned());
            return;
        }
        let columns = match (&filter.columns, &filter.excluded_columns) {
            (Some(_), Some(_)) => {
                self.error(
                    "invalid-filter",
                    span_of(&filter.name),
                    "a data cell filter has either `columns` or `excluded_columns`, not both",
                );
                return;
            }
            (Some(names), None) if names.is_empty() => {
                self.error("invalid-filter", span_of(&filter.name), "`columns = []` lets no column through: AWS needs at least one (leave it out for every column)");
                return;
            }
            (Some(names), None) => FilterColumns::Included(names.clone()),
            (None, Some(names)) if !names.is_empty() => FilterColumns::Excluded(names.clone()),
            _ => FilterColumns::All,
        };
        let rows = match &filter.row_filter {
            Some(text) if !text.trim().is_empty() => RowFilter::Expression(text.clone()),
            _ => RowFilter::AllRows,
        };
        let origin = self.manifest.location(span_of(&filter.name));
        let governance = self.governance_mut(account, region);
        if governance
            .filter(&key.0, &key.1, filter.name.get_ref())
            .is_some()
        {
            self.error(
                "duplicate-filter",
                span_of(&filter.name),
                format!(
                    "data cell filter `{}` of {}.{} is declared twice",
                    filter.name.get_ref(),
                    key.0,
                    key.1
                ),
            );
            return;
        }
        governance.filters.push(DataCellsFilter {
            database: key.0,
            table: key.1,
            name: filter.name.get_ref().clone(),
            rows,
            columns,
            origin,
        });
    }

    /// The resource of a grant on an LF-Tag expression or a data cell filter: `None` when the
    /// grant is on neither, `Some(None)` when it is but cannot be read (the finding is made).
    pub(crate) fn tagged_resource(
        &mut self,
        catalog: AccountId,
        entry: &LakeGrantEntry,
    ) -> Option<Option<GrantResource>> {
        let span = span_of(&entry.principal);
        let others = entry.location.is_some() || entry.catalog_resource || entry.columns.is_some();
        if let Some(expression) = &entry.lf_tags {
            if others || entry.database.is_some() || entry.table.is_some() || entry.filter.is_some()
            {
                self.error("invalid-lake-resource", span, "a grant on `lf_tags` names no `database`, `table`, `columns`, `location` or `filter`: the expression selects the resources");
                return Some(None);
            }
            let resource_type = match &entry.lf_tag_resource {
                None => TagResourceType::Table,
                Some(text) => match TagResourceType::parse(text.get_ref()) {
                    Some(kind) => kind,
                    None => {
                        self.error(
                            "invalid-lake-resource",
                            span_of(text),
                            format!(
                                "`lf_tag_resource` is `{}`, not TABLE or DATABASE",
                                text.get_ref()
                            ),
                        );
                        return Some(None);
                    }
                },
            };
            if expression.get_ref().is_empty() {
                self.error(
                    "invalid-lake-resource",
                    span_of(expression),
                    "an LF-Tag expression needs at least one key",
                );
                return Some(None);
            }
            let region = self.region_of(catalog);
            let mut conditions = Vec::new();
            for (key, values) in expression.get_ref() {
                if values.is_empty() {
                    self.error(
                        "invalid-lake-resource",
                        span_of(expression),
                        format!("LF-Tag `{key}` of the expression has no values"),
                    );
                    return Some(None);
                }
                for value in values {
                    let spanned = Spanned::new(
                        span_of(expression).start..span_of(expression).end,
                        value.clone(),
                    );
                    if !self.assignable(catalog, &region, key, &spanned) {
                        return Some(None);
                    }
                }
                conditions.push(TagCondition {
                    key: key.clone(),
                    values: values.clone(),
                });
            }
            let resource = GrantResource::TagPolicy {
                catalog,
                resource_type,
                expression: TagExpression(conditions),
            };
            self.warn_if_matches_nothing(catalog, &region, &resource, span_of(expression));
            return Some(Some(resource));
        }
        if let Some(lf_tag_resource) = &entry.lf_tag_resource {
            self.error(
                "invalid-lake-resource",
                span_of(lf_tag_resource),
                "`lf_tag_resource` belongs to a grant on `lf_tags`",
            );
            return Some(None);
        }
        let filter = entry.filter.as_ref()?;
        let (Some(database), Some(table), false) = (&entry.database, &entry.table, others) else {
            self.error(
                "invalid-lake-resource",
                span_of(filter),
                "a grant on a `filter` names its `database` and `table`, and nothing else",
            );
            return Some(None);
        };
        let region = self.region_of(catalog);
        let known = self
            .world
            .lake
            .governance(catalog, &region)
            .and_then(|governance| governance.filter(database, table, filter.get_ref()))
            .is_some();
        if !known {
            self.error(
                "unknown-data-cells-filter",
                span_of(filter),
                format!("there is no data cell filter `{}` of {database}.{table} in the catalog of {catalog}: AWS refuses a grant on it", filter.get_ref()),
            )
            .help = Some("declare it with a [[catalog.filter]] table of the catalog that holds the table".to_owned());
            return Some(None);
        }
        Some(Some(GrantResource::DataCellsFilter {
            catalog,
            database: database.clone(),
            table: table.clone(),
            name: filter.get_ref().clone(),
        }))
    }

    /// The Region of `account`'s catalog declared so far (`us-east-1` when none is).
    fn region_of(&self, account: AccountId) -> String {
        self.world
            .lake
            .catalogs
            .keys()
            .find(|(owner, _)| *owner == account)
            .map_or_else(|| "us-east-1".to_owned(), |(_, region)| region.clone())
    }

    /// An expression AWS stores but that matches no database, table or column of the catalog
    /// as declared: the grant gives nothing (yet).
    fn warn_if_matches_nothing(
        &mut self,
        catalog: AccountId,
        region: &str,
        resource: &GrantResource,
        span: Span,
    ) {
        let lake = &self.world.lake;
        let Some(found) = lake.catalog(catalog, region) else {
            return;
        };
        let matches = match resource {
            GrantResource::TagPolicy {
                resource_type: TagResourceType::Database,
                ..
            } => found.databases.keys().any(|name| {
                lake_covers(
                    lake,
                    resource,
                    &Target::Database {
                        account: catalog,
                        region: region.to_owned(),
                        name: name.clone(),
                    },
                )
            }),
            _ => found.tables.keys().any(|(database, table)| {
                lake_covers(
                    lake,
                    resource,
                    &Target::Table(xacct_lake::TableRef {
                        account: catalog,
                        region: region.to_owned(),
                        database: database.clone(),
                        table: table.clone(),
                    }),
                )
            }),
        };
        if !matches {
            if let GrantResource::TagPolicy { expression, .. } = resource {
                self.warning(
                    "lf-tag-expression-matches-nothing",
                    span,
                    format!("the LF-Tag expression `{expression}` matches no database, table or column of the catalog of {catalog}: the grant gives nothing"),
                )
                .help = Some("assign the tag values to the resources (lf_tags of [[catalog.database]] or [[catalog.table]]), or correct the expression".to_owned());
            }
        }
    }

    /// Grants that the grantor's cross-account version cannot carry: to an IAM principal of
    /// another account, or tag-based to an organization or unit, under version 1 or 2.
    pub(crate) fn check_cross_account(
        &mut self,
        region: &str,
        grant: &xacct_lake::Grant,
        span: Span,
    ) {
        let (version, stated) = self.world.lake.cross_account_version(grant.grantor, region);
        if version >= 3 || !stated {
            return;
        }
        let external_principal = matches!(&grant.principal, GrantPrincipal::Principal(arn) if !arn.contains(&format!(":{}:", grant.grantor)));
        let tag_to_organization = matches!(
            grant.principal,
            GrantPrincipal::Organization { .. } | GrantPrincipal::Unit { .. }
        ) && matches!(grant.resource, GrantResource::TagPolicy { .. });
        if external_principal || tag_to_organization {
            let what = if external_principal {
                "a grant to an IAM principal of another account"
            } else {
                "a tag-based grant to an organization or unit"
            };
            self.warning(
                "cross-account-version-too-low",
                span,
                format!("{what} needs cross-account version 3 or later, but {} is at version {version}: the grant does not reach the principal", grant.grantor),
            )
            .help = Some("raise CROSS_ACCOUNT_VERSION in the data lake settings (`cross_account_version = 4`), or grant to the account and let its administrator re-grant".to_owned());
        }
    }
}

/// Whether a grant resource of `catalog`'s own Lake Formation covers `target`.
fn lake_covers(lake: &xacct_lake::Lake, resource: &GrantResource, target: &Target) -> bool {
    lake.grant_covers(target.account(), resource, target)
}

impl Loader {
    /// The application integration settings: what a `[[catalog]]` table states replaces what an
    /// imported `get-data-lake-settings` said, setting by setting.
    fn external_engines(&mut self, account: AccountId, region: &str, entry: &CatalogEntry) {
        let mut accounts = Vec::new();
        for text in &entry.external_data_filtering_allow_list {
            if let Some(found) = self.account(text) {
                if !accounts.contains(&found) {
                    accounts.push(found);
                }
            }
        }
        let mut values: Vec<String> = Vec::new();
        for value in &entry.authorized_session_tag_value_list {
            let text = value.get_ref();
            if text.is_empty() || text.chars().count() > 255 {
                self.error(
                    "invalid-lake-setting",
                    span_of(value),
                    format!("session tag value `{text}` must be 1 to 255 characters long"),
                );
            } else if !values.contains(text) {
                values.push(text.clone());
            }
        }
        let settings = &mut self.governance_mut(account, region).external_engines;
        if let Some(allow) = entry.allow_external_data_filtering {
            settings.allow_filtering = allow;
        }
        if !entry.external_data_filtering_allow_list.is_empty() {
            settings.filtering_accounts = accounts;
        }
        if !entry.authorized_session_tag_value_list.is_empty() {
            settings.session_tag_values = values;
        }
        if let Some(allow) = entry.allow_full_table_external_data_access {
            settings.allow_full_table = allow;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load_text;
    use xacct_policy::SourceFile;

    /// The four manifest keys become the catalog's application integration settings; a tag
    /// value Lake Formation would refuse is an error at its place, and the rest still load.
    #[test]
    fn the_application_integration_settings_of_a_catalog_table() {
        let manifest = r#"
[[account]]
id = "111111111111"

[[catalog]]
account = "111111111111"
region = "eu-west-1"
allow_external_data_filtering = true
external_data_filtering_allow_list = ["111111111111", "222222222222", "111111111111"]
authorized_session_tag_value_list = ["Amazon EMR", ""]
allow_full_table_external_data_access = true
"#;
        let loaded = load_text(
            SourceFile::new("test.toml", manifest),
            std::path::Path::new(""),
        );
        let codes: Vec<(&str, String)> = loaded
            .findings
            .iter()
            .map(|finding| (finding.finding.code, finding.location().to_string()))
            .collect();
        assert_eq!(
            codes,
            [("invalid-lake-setting", "test.toml:10:52".to_owned())]
        );
        let engines = loaded
            .world
            .lake
            .external_engines("111111111111".parse().unwrap(), "eu-west-1");
        assert!(engines.allow_filtering && engines.allow_full_table);
        assert_eq!(
            engines.filtering_accounts,
            [
                "111111111111".parse().unwrap(),
                "222222222222".parse().unwrap()
            ]
        );
        assert_eq!(engines.session_tag_values, ["Amazon EMR"]);
    }
}
