//! Glue catalogs, Lake Formation grants and RAM shares of a manifest.

use super::*;

impl Loader {
    pub(super) fn lake_account(&mut self, text: &Spanned<String>) -> Option<AccountId> {
        let account = self.account(text)?;
        self.ensure_account(account, span_of(text));
        Some(account)
    }

    /// A `[[catalog]]` table: the Data Catalog and Lake Formation of one account and Region.
    pub(super) fn catalog_entry(&mut self, entry: &manifest::CatalogEntry) {
        let Some(account) = self.lake_account(&entry.account) else {
            return;
        };
        let region = entry
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned());
        if let Some(reference) = &entry.policy {
            if let Some(policy) = self.policy(
                reference,
                PolicyKind::Resource,
                format!("Glue catalog policy of {account} ({region})"),
            ) {
                self.world
                    .catalog_policies
                    .insert((account, region.clone()), policy);
            }
        }
        let existing = self.world.lake.catalogs.remove(&(account, region.clone()));
        // An imported `get-data-lake-settings` decides unless the table says otherwise.
        let default = entry.iam_allowed_by_default.unwrap_or_else(|| {
            existing
                .as_ref()
                .is_none_or(|catalog| catalog.iam_allowed_by_default)
        });
        let mut catalog = existing.unwrap_or_else(|| xacct_lake::Catalog {
            account,
            region: region.clone(),
            admins: Vec::new(),
            iam_allowed_by_default: default,
            databases: BTreeMap::new(),
            tables: BTreeMap::new(),
            locations: Vec::new(),
        });
        catalog.iam_allowed_by_default = default;
        for admin in &entry.admins {
            if !admin.get_ref().starts_with("arn:aws:iam::") {
                self.error(
                    "invalid-principal",
                    span_of(admin),
                    format!(
                        "data lake administrator `{}` is not an IAM role or user ARN",
                        admin.get_ref()
                    ),
                );
                continue;
            }
            catalog.admins.push(admin.get_ref().clone());
        }
        for database in &entry.database {
            let name = database.name.get_ref().clone();
            let target = match &database.link {
                Some(link) => match self.lake_account(&link.account) {
                    Some(target_account) => Some((target_account, link.database.clone())),
                    None => continue,
                },
                None => None,
            };
            if catalog.databases.contains_key(&name) {
                self.error(
                    "duplicate-database",
                    span_of(&database.name),
                    format!("database `{name}` is declared twice in the catalog of {account}"),
                );
                continue;
            }
            catalog.databases.insert(
                name.clone(),
                xacct_lake::Database {
                    name,
                    // A resource link gets the defaults too: it is a database of this catalog.
                    iam_allowed_principals: database.iam_allowed_principals.unwrap_or(default),
                    target,
                },
            );
        }
        for table in &entry.table {
            let database = table.database.get_ref().clone();
            let name = table.name.get_ref().clone();
            let is_link_database = catalog
                .databases
                .get(&database)
                .map(|found| found.target.is_some());
            match is_link_database {
                None => {
                    self.error("unknown-database", span_of(&table.database), format!("table `{database}.{name}` names database `{database}`, which is not declared in the catalog of {account}"))
                        .help = Some("add a [[catalog.database]] with that name".to_owned());
                    continue;
                }
                Some(true) => {
                    self.error(
                        "table-in-resource-link",
                        span_of(&table.database),
                        format!(
                            "`{database}` is a resource link: its tables are the target database's"
                        ),
                    );
                    continue;
                }
                Some(false) => {}
            }
            if let Some(location) = &table.location {
                if !location.get_ref().starts_with("s3://") {
                    self.error(
                        "invalid-location",
                        span_of(location),
                        format!("`{}` is not an s3:// location", location.get_ref()),
                    );
                }
            }
            let target = match &table.link {
                Some(link) => match self.lake_account(&link.account) {
                    Some(target_account) => {
                        Some((target_account, link.database.clone(), link.table.clone()))
                    }
                    None => continue,
                },
                None => None,
            };
            catalog.tables.insert(
                (database.clone(), name.clone()),
                xacct_lake::Table {
                    database,
                    name,
                    location: table
                        .location
                        .as_ref()
                        .map(|location| location.get_ref().clone()),
                    target,
                    iam_allowed_principals: table.iam_allowed_principals.unwrap_or(default),
                },
            );
        }
        for location in &entry.location {
            if !location.path.get_ref().starts_with("s3://") {
                self.error(
                    "invalid-location",
                    span_of(&location.path),
                    format!("`{}` is not an s3:// location", location.path.get_ref()),
                );
                continue;
            }
            catalog.locations.push(xacct_lake::Location {
                path: location.path.get_ref().clone(),
                role: location.role.clone(),
                hybrid: location.hybrid,
                opted_in: location.opted_in.clone(),
            });
        }
        self.world
            .lake
            .catalogs
            .insert((account, region.clone()), catalog);
        self.lake_governance(account, &region, entry);
        for grant in &entry.grant {
            if let Some(made) = self.lake_grant(account, grant) {
                self.check_cross_account(&region, &made, span_of(&grant.principal));
                self.world.lake.grants.push(made);
            }
        }
    }

    pub(super) fn lake_permissions(
        &mut self,
        texts: &[Spanned<String>],
    ) -> Vec<xacct_lake::Permission> {
        let mut out = Vec::new();
        for text in texts {
            match text.get_ref().parse::<xacct_lake::Permission>() {
                Ok(permission) => out.push(permission),
                Err(error) => {
                    self.error("unknown-lake-permission", span_of(text), error.to_string());
                }
            }
        }
        out
    }

    pub(super) fn lake_grant(
        &mut self,
        grantor: AccountId,
        entry: &manifest::LakeGrantEntry,
    ) -> Option<xacct_lake::Grant> {
        let Some(principal) = xacct_lake::GrantPrincipal::parse(entry.principal.get_ref()) else {
            self.error("invalid-lake-principal", span_of(&entry.principal), format!("`{}` is not a Lake Formation principal", entry.principal.get_ref()))
                .help = Some("a role or user ARN, an account id, an organization or OU ARN (arn:aws:organizations::MGMT:organization/o-..., .../ou/o-.../ou-...), or IAM_ALLOWED_PRINCIPALS".to_owned());
            return None;
        };
        let catalog = match &entry.catalog_id {
            Some(text) => self.lake_account(text)?,
            None => grantor,
        };
        let tagged = self.tagged_resource(catalog, entry);
        let resource = match tagged {
            Some(resource) => resource?,
            None => match (
                &entry.location,
                &entry.database,
                &entry.table,
                entry.catalog_resource,
            ) {
                (Some(path), None, None, false) => xacct_lake::GrantResource::DataLocation {
                    catalog,
                    path: path.clone(),
                },
                (None, Some(database), None, false) => xacct_lake::GrantResource::Database {
                    catalog,
                    name: database.clone(),
                },
                (None, Some(database), Some(table), false) => xacct_lake::GrantResource::Table {
                    catalog,
                    database: database.clone(),
                    table: if table == "*" {
                        xacct_lake::TableName::All
                    } else {
                        xacct_lake::TableName::Named(table.clone())
                    },
                    columns: entry.columns.clone(),
                    excluded: entry.excluded_columns.clone().unwrap_or_default(),
                },
                (None, None, None, true) => xacct_lake::GrantResource::Catalog { catalog },
                _ => {
                    self.error("invalid-lake-resource", span_of(&entry.principal), "a grant is on exactly one resource: `catalog_resource = true`, a `database` (with `table` for tables), a data `location`, an `lf_tags` expression, or a `filter`");
                    return None;
                }
            },
        };
        let permissions = self.lake_permissions(&entry.permissions);
        let grantable = self.lake_permissions(&entry.grantable);
        if permissions.is_empty() {
            self.error(
                "empty-grant",
                span_of(&entry.principal),
                "a grant needs at least one permission",
            );
            return None;
        }
        Some(xacct_lake::Grant {
            grantor,
            principal,
            resource,
            permissions,
            grantable,
            origin: self.manifest.location(span_of(&entry.principal)),
        })
    }

    /// A `[[share]]` table: a RAM resource share.
    pub(super) fn share_entry(&mut self, entry: &manifest::ShareEntry) {
        let Some(owner) = self.lake_account(&entry.owner) else {
            return;
        };
        let mut principals = Vec::new();
        for text in &entry.principals {
            match xacct_lake::GrantPrincipal::parse(text.get_ref()) {
                Some(principal) => principals.push(principal),
                None => {
                    self.error(
                        "invalid-share-principal",
                        span_of(text),
                        format!(
                            "`{}` is not an account id, organization ARN or OU ARN",
                            text.get_ref()
                        ),
                    );
                }
            }
        }
        for resource in &entry.resources {
            if !resource.get_ref().starts_with("arn:aws:glue:") {
                self.warning("unmodelled-share-resource", span_of(resource), format!("`{}` is not a Glue resource: xacct models RAM shares of the Data Catalog only", resource.get_ref()));
            }
        }
        let mut invitations = BTreeMap::new();
        for (account, state) in &entry.invitations {
            let parsed_account = account.parse::<AccountId>();
            match (
                parsed_account,
                xacct_lake::InvitationState::parse(state.get_ref()),
            ) {
                (Ok(account), Some(state)) => {
                    invitations.insert(account, state);
                }
                (Err(error), _) => {
                    self.error("invalid-account", span_of(state), error.to_string());
                }
                (_, None) => {
                    self.error(
                        "invalid-invitation-state",
                        span_of(state),
                        format!(
                            "`{}` is not PENDING, ACCEPTED, REJECTED or EXPIRED",
                            state.get_ref()
                        ),
                    );
                }
            }
        }
        let invitation_arns = entry
            .invitation_arns
            .iter()
            .filter_map(|(account, arn)| Some((account.parse::<AccountId>().ok()?, arn.clone())))
            .collect();
        self.world.lake.shares.push(xacct_lake::Share {
            name: entry.name.get_ref().clone(),
            owner,
            arn: entry.arn.clone(),
            resources: entry
                .resources
                .iter()
                .map(|resource| resource.get_ref().clone())
                .collect(),
            principals,
            allow_external_principals: entry.allow_external_principals,
            invitations,
            invitation_arns,
            origin: self.manifest.location(span_of(&entry.name)),
        });
    }

    /// The organization as Lake Formation and RAM see it.
    pub(super) fn lake_membership(&mut self, manifest: &Manifest) {
        let Some(organization) = &self.world.organization else {
            return;
        };
        self.world.lake.organization = Some(organization.id.clone());
        self.world.lake.organization_sharing = manifest
            .organization
            .as_ref()
            .and_then(|entry| entry.ram_sharing)
            .unwrap_or(true);
        let members: Vec<AccountId> = self
            .world
            .accounts
            .keys()
            .copied()
            .filter(|account| self.world.in_organization(*account))
            .collect();
        self.world.lake.members = members.into_iter().collect();
    }
}
