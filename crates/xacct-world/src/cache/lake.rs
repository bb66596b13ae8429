//! The Lake Formation and Glue parts of a world, and its S3 access points, in a snapshot: the
//! parts a collected organization holds besides IAM, so that a collected world is kept too.
//! Every struct is taken apart field by field without `..`, so a field added to one does not
//! compile here until the snapshot writes it.

use super::codec::{
    block_public_access, optional_policy, origin, read_block_public_access, read_optional_policy,
    read_origin, read_text_keyed, text_keyed, Read,
};
use crate::access_point::{AccessPoint, NetworkOrigin};
use std::collections::BTreeMap;
use xacct_lake::{
    Catalog, DataCellsFilter, Database, ExternalEngines, FilterColumns, Governance, Grant,
    GrantPrincipal, GrantResource, InvitationState, Lake, Location, Permission, RowFilter, Share,
    Table, TableName, TagCondition, TagExpression, TagResourceType, TagSet,
};
use xacct_policy::snapshot::{Damaged, Decoder, Encoder};
use xacct_policy::AccountId;

pub(super) fn access_point(encoder: &mut Encoder, point: &AccessPoint) {
    let AccessPoint {
        name,
        account,
        region,
        bucket,
        policy,
        network_origin,
        block_public_access: settings,
        alias,
        origin: from,
    } = point;
    encoder.str(name);
    encoder.account(*account);
    encoder.str(region);
    encoder.str(bucket);
    optional_policy(encoder, policy.as_ref());
    match network_origin {
        NetworkOrigin::Internet => encoder.u8(0),
        NetworkOrigin::Vpc(vpc) => {
            encoder.u8(1);
            encoder.str(vpc);
        }
    }
    block_public_access(encoder, settings);
    encoder.opt_str(alias.as_deref());
    origin(encoder, from);
}

pub(super) fn read_access_point(decoder: &mut Decoder<'_>) -> Read<AccessPoint> {
    Ok(AccessPoint {
        name: decoder.string()?,
        account: decoder.account()?,
        region: decoder.string()?,
        bucket: decoder.string()?,
        policy: read_optional_policy(decoder)?,
        network_origin: match decoder.u8()? {
            0 => NetworkOrigin::Internet,
            1 => NetworkOrigin::Vpc(decoder.string()?),
            _ => return Err(Damaged("not a network origin")),
        },
        block_public_access: read_block_public_access(decoder)?,
        alias: decoder.opt_string()?,
        origin: read_origin(decoder)?,
    })
}

/// Everything of the lake but the three fields the world's own part writes (organization
/// sharing, the organization, its members).
pub(super) fn lake(encoder: &mut Encoder, lake: &Lake) {
    let Lake {
        catalogs,
        grants,
        shares,
        organization_sharing: _,
        organization: _,
        members: _,
        governance,
    } = lake;
    encoder.usize(catalogs.len());
    for ((account, region), value) in catalogs {
        encoder.account(*account);
        encoder.str(region);
        catalog(encoder, value);
    }
    encoder.seq(grants, grant);
    encoder.seq(shares, share);
    encoder.usize(governance.len());
    for ((account, region), value) in governance {
        encoder.account(*account);
        encoder.str(region);
        governance_of(encoder, value);
    }
}

/// Reads what [`lake`] wrote into `lake`.
pub(super) fn read_lake(decoder: &mut Decoder<'_>, lake: &mut Lake) -> Read<()> {
    lake.catalogs = keyed_by_place(decoder, read_catalog)?;
    lake.grants = decoder.seq(read_grant)?;
    lake.shares = decoder.seq(read_share)?;
    lake.governance = keyed_by_place(decoder, read_governance)?;
    Ok(())
}

fn keyed_by_place<V>(
    decoder: &mut Decoder<'_>,
    mut read: impl FnMut(&mut Decoder<'_>) -> Read<V>,
) -> Read<BTreeMap<(AccountId, String), V>> {
    let pairs = decoder.seq(|decoder| {
        let place = (decoder.account()?, decoder.string()?);
        Ok((place, read(decoder)?))
    })?;
    unique(pairs)
}

fn unique<K: Ord, V>(pairs: Vec<(K, V)>) -> Read<BTreeMap<K, V>> {
    let count = pairs.len();
    let map: BTreeMap<K, V> = pairs.into_iter().collect();
    if map.len() == count {
        Ok(map)
    } else {
        Err(Damaged("a key written twice"))
    }
}

fn catalog(encoder: &mut Encoder, catalog: &Catalog) {
    let Catalog {
        account,
        region,
        admins,
        iam_allowed_by_default,
        databases,
        tables,
        locations,
    } = catalog;
    encoder.account(*account);
    encoder.str(region);
    encoder.strings(admins);
    encoder.bool(*iam_allowed_by_default);
    text_keyed(encoder, databases, |encoder, database| {
        let Database {
            name,
            target,
            iam_allowed_principals,
        } = database;
        encoder.str(name);
        encoder.option(target.as_ref(), |encoder, (account, name)| {
            encoder.account(*account);
            encoder.str(name);
        });
        encoder.bool(*iam_allowed_principals);
    });
    encoder.usize(tables.len());
    for ((database, name), value) in tables {
        encoder.str(database);
        encoder.str(name);
        table(encoder, value);
    }
    encoder.seq(locations, |encoder, location| {
        let Location {
            path,
            role,
            hybrid,
            opted_in,
        } = location;
        encoder.str(path);
        encoder.opt_str(role.as_deref());
        encoder.bool(*hybrid);
        encoder.strings(opted_in);
    });
}

fn table(encoder: &mut Encoder, table: &Table) {
    let Table {
        database,
        name,
        location,
        target,
        iam_allowed_principals,
    } = table;
    encoder.str(database);
    encoder.str(name);
    encoder.opt_str(location.as_deref());
    encoder.option(target.as_ref(), |encoder, (account, database, table)| {
        encoder.account(*account);
        encoder.str(database);
        encoder.str(table);
    });
    encoder.bool(*iam_allowed_principals);
}

fn read_catalog(decoder: &mut Decoder<'_>) -> Read<Catalog> {
    let account = decoder.account()?;
    let region = decoder.string()?;
    let admins = decoder.strings()?;
    let iam_allowed_by_default = decoder.bool()?;
    let databases = read_text_keyed(decoder, |decoder| {
        Ok(Database {
            name: decoder.string()?,
            target: decoder.option(|decoder| Ok((decoder.account()?, decoder.string()?)))?,
            iam_allowed_principals: decoder.bool()?,
        })
    })?;
    let tables = unique(decoder.seq(|decoder| {
        let key = (decoder.string()?, decoder.string()?);
        Ok((key, read_table(decoder)?))
    })?)?;
    let locations = decoder.seq(|decoder| {
        Ok(Location {
            path: decoder.string()?,
            role: decoder.opt_string()?,
            hybrid: decoder.bool()?,
            opted_in: decoder.strings()?,
        })
    })?;
    Ok(Catalog {
        account,
        region,
        admins,
        iam_allowed_by_default,
        databases,
        tables,
        locations,
    })
}

fn read_table(decoder: &mut Decoder<'_>) -> Read<Table> {
    Ok(Table {
        database: decoder.string()?,
        name: decoder.string()?,
        location: decoder.opt_string()?,
        target: decoder
            .option(|decoder| Ok((decoder.account()?, decoder.string()?, decoder.string()?)))?,
        iam_allowed_principals: decoder.bool()?,
    })
}

/// Every permission, in the order their index is written.
const PERMISSIONS: [Permission; 10] = [
    Permission::All,
    Permission::Alter,
    Permission::CreateDatabase,
    Permission::CreateTable,
    Permission::DataLocationAccess,
    Permission::Delete,
    Permission::Describe,
    Permission::Drop,
    Permission::Insert,
    Permission::Select,
];

/// A value of an enum without data, as its index in `table` (which lists every variant).
fn indexed<T: PartialEq>(encoder: &mut Encoder, table: &[T], value: &T) {
    encoder.usize(
        table
            .iter()
            .position(|known| known == value)
            .unwrap_or(usize::MAX),
    );
}

fn read_indexed<T: Copy>(decoder: &mut Decoder<'_>, table: &[T], what: &'static str) -> Read<T> {
    table.get(decoder.usize()?).copied().ok_or(Damaged(what))
}

fn permissions(encoder: &mut Encoder, permissions: &[Permission]) {
    encoder.seq(permissions, |encoder, permission| {
        indexed(encoder, &PERMISSIONS, permission);
    });
}

fn read_permissions(decoder: &mut Decoder<'_>) -> Read<Vec<Permission>> {
    decoder.seq(|decoder| read_indexed(decoder, &PERMISSIONS, "not a Lake Formation permission"))
}

fn principal(encoder: &mut Encoder, principal: &GrantPrincipal) {
    match principal {
        GrantPrincipal::Principal(arn) => {
            encoder.u8(0);
            encoder.str(arn);
        }
        GrantPrincipal::Account(account) => {
            encoder.u8(1);
            encoder.account(*account);
        }
        GrantPrincipal::Organization { arn, id } => {
            encoder.u8(2);
            encoder.str(arn);
            encoder.str(id);
        }
        GrantPrincipal::Unit { arn, id } => {
            encoder.u8(3);
            encoder.str(arn);
            encoder.str(id);
        }
        GrantPrincipal::IamAllowedPrincipals => encoder.u8(4),
    }
}

fn read_principal(decoder: &mut Decoder<'_>) -> Read<GrantPrincipal> {
    Ok(match decoder.u8()? {
        0 => GrantPrincipal::Principal(decoder.string()?),
        1 => GrantPrincipal::Account(decoder.account()?),
        2 => GrantPrincipal::Organization {
            arn: decoder.string()?,
            id: decoder.string()?,
        },
        3 => GrantPrincipal::Unit {
            arn: decoder.string()?,
            id: decoder.string()?,
        },
        4 => GrantPrincipal::IamAllowedPrincipals,
        _ => return Err(Damaged("not a Lake Formation principal")),
    })
}

fn expression(encoder: &mut Encoder, expression: &TagExpression) {
    encoder.seq(&expression.0, |encoder, condition| {
        let TagCondition { key, values } = condition;
        encoder.str(key);
        encoder.strings(values);
    });
}

fn read_expression(decoder: &mut Decoder<'_>) -> Read<TagExpression> {
    Ok(TagExpression(decoder.seq(|decoder| {
        Ok(TagCondition {
            key: decoder.string()?,
            values: decoder.strings()?,
        })
    })?))
}

fn resource(encoder: &mut Encoder, resource: &GrantResource) {
    match resource {
        GrantResource::Catalog { catalog } => {
            encoder.u8(0);
            encoder.account(*catalog);
        }
        GrantResource::Database { catalog, name } => {
            encoder.u8(1);
            encoder.account(*catalog);
            encoder.str(name);
        }
        GrantResource::Table {
            catalog,
            database,
            table,
            columns,
            excluded,
        } => {
            encoder.u8(2);
            encoder.account(*catalog);
            encoder.str(database);
            match table {
                TableName::Named(name) => {
                    encoder.u8(0);
                    encoder.str(name);
                }
                TableName::All => encoder.u8(1),
            }
            encoder.option(columns.as_ref(), |encoder, columns| {
                encoder.strings(columns);
            });
            encoder.strings(excluded);
        }
        GrantResource::TagPolicy {
            catalog,
            resource_type,
            expression: tags,
        } => {
            encoder.u8(3);
            encoder.account(*catalog);
            encoder.bool(*resource_type == TagResourceType::Table);
            expression(encoder, tags);
        }
        GrantResource::DataCellsFilter {
            catalog,
            database,
            table,
            name,
        } => {
            encoder.u8(4);
            encoder.account(*catalog);
            encoder.str(database);
            encoder.str(table);
            encoder.str(name);
        }
        GrantResource::DataLocation { catalog, path } => {
            encoder.u8(5);
            encoder.account(*catalog);
            encoder.str(path);
        }
    }
}

fn read_resource(decoder: &mut Decoder<'_>) -> Read<GrantResource> {
    Ok(match decoder.u8()? {
        0 => GrantResource::Catalog {
            catalog: decoder.account()?,
        },
        1 => GrantResource::Database {
            catalog: decoder.account()?,
            name: decoder.string()?,
        },
        2 => GrantResource::Table {
            catalog: decoder.account()?,
            database: decoder.string()?,
            table: match decoder.u8()? {
                0 => TableName::Named(decoder.string()?),
                1 => TableName::All,
                _ => return Err(Damaged("not a table name")),
            },
            columns: decoder.option(Decoder::strings)?,
            excluded: decoder.strings()?,
        },
        3 => GrantResource::TagPolicy {
            catalog: decoder.account()?,
            resource_type: if decoder.bool()? {
                TagResourceType::Table
            } else {
                TagResourceType::Database
            },
            expression: read_expression(decoder)?,
        },
        4 => GrantResource::DataCellsFilter {
            catalog: decoder.account()?,
            database: decoder.string()?,
            table: decoder.string()?,
            name: decoder.string()?,
        },
        5 => GrantResource::DataLocation {
            catalog: decoder.account()?,
            path: decoder.string()?,
        },
        _ => return Err(Damaged("not a Lake Formation resource")),
    })
}

fn grant(encoder: &mut Encoder, grant: &Grant) {
    let Grant {
        grantor,
        principal: to,
        resource: on,
        permissions: given,
        grantable,
        origin,
    } = grant;
    encoder.account(*grantor);
    principal(encoder, to);
    resource(encoder, on);
    permissions(encoder, given);
    permissions(encoder, grantable);
    encoder.str(origin);
}

fn read_grant(decoder: &mut Decoder<'_>) -> Read<Grant> {
    Ok(Grant {
        grantor: decoder.account()?,
        principal: read_principal(decoder)?,
        resource: read_resource(decoder)?,
        permissions: read_permissions(decoder)?,
        grantable: read_permissions(decoder)?,
        origin: decoder.string()?,
    })
}

const INVITATION_STATES: [InvitationState; 4] = [
    InvitationState::Pending,
    InvitationState::Accepted,
    InvitationState::Rejected,
    InvitationState::Expired,
];

fn share(encoder: &mut Encoder, share: &Share) {
    let Share {
        name,
        owner,
        arn,
        resources,
        principals,
        allow_external_principals,
        invitations,
        invitation_arns,
        origin,
    } = share;
    encoder.str(name);
    encoder.account(*owner);
    encoder.opt_str(arn.as_deref());
    encoder.strings(resources);
    encoder.seq(principals, principal);
    encoder.bool(*allow_external_principals);
    encoder.usize(invitations.len());
    for (account, state) in invitations {
        encoder.account(*account);
        indexed(encoder, &INVITATION_STATES, state);
    }
    encoder.usize(invitation_arns.len());
    for (account, arn) in invitation_arns {
        encoder.account(*account);
        encoder.str(arn);
    }
    encoder.str(origin);
}

fn read_share(decoder: &mut Decoder<'_>) -> Read<Share> {
    Ok(Share {
        name: decoder.string()?,
        owner: decoder.account()?,
        arn: decoder.opt_string()?,
        resources: decoder.strings()?,
        principals: decoder.seq(read_principal)?,
        allow_external_principals: decoder.bool()?,
        invitations: unique(decoder.seq(|decoder| {
            let account = decoder.account()?;
            let state = read_indexed(decoder, &INVITATION_STATES, "not an invitation state")?;
            Ok((account, state))
        })?)?,
        invitation_arns: unique(
            decoder.seq(|decoder| Ok((decoder.account()?, decoder.string()?)))?,
        )?,
        origin: decoder.string()?,
    })
}

fn tag_set(encoder: &mut Encoder, tags: &TagSet) {
    encoder.usize(tags.len());
    for (key, value) in tags {
        encoder.str(key);
        encoder.str(value);
    }
}

fn read_tag_set(decoder: &mut Decoder<'_>) -> Read<TagSet> {
    unique(decoder.seq(|decoder| Ok((decoder.string()?, decoder.string()?)))?)
}

fn governance_of(encoder: &mut Encoder, governance: &Governance) {
    let Governance {
        keys,
        databases,
        tables,
        columns,
        table_columns,
        filters,
        cross_account_version,
        external_engines,
    } = governance;
    text_keyed(encoder, keys, |encoder, values| encoder.strings(values));
    text_keyed(encoder, databases, tag_set);
    encoder.usize(tables.len());
    for ((database, table), tags) in tables {
        encoder.str(database);
        encoder.str(table);
        tag_set(encoder, tags);
    }
    encoder.usize(columns.len());
    for ((database, table), by_column) in columns {
        encoder.str(database);
        encoder.str(table);
        text_keyed(encoder, by_column, tag_set);
    }
    encoder.usize(table_columns.len());
    for ((database, table), names) in table_columns {
        encoder.str(database);
        encoder.str(table);
        encoder.strings(names);
    }
    encoder.seq(filters, filter);
    encoder.option(cross_account_version.as_ref(), |encoder, version| {
        encoder.u8(*version);
    });
    let ExternalEngines {
        allow_filtering,
        filtering_accounts,
        session_tag_values,
        allow_full_table,
    } = external_engines;
    encoder.bool(*allow_filtering);
    encoder.seq(filtering_accounts, |encoder, account| {
        encoder.account(*account)
    });
    encoder.strings(session_tag_values);
    encoder.bool(*allow_full_table);
}

fn by_table<V>(
    decoder: &mut Decoder<'_>,
    mut read: impl FnMut(&mut Decoder<'_>) -> Read<V>,
) -> Read<BTreeMap<(String, String), V>> {
    unique(decoder.seq(|decoder| {
        let key = (decoder.string()?, decoder.string()?);
        Ok((key, read(decoder)?))
    })?)
}

fn read_governance(decoder: &mut Decoder<'_>) -> Read<Governance> {
    Ok(Governance {
        keys: read_text_keyed(decoder, |decoder| decoder.strings())?,
        databases: read_text_keyed(decoder, read_tag_set)?,
        tables: by_table(decoder, read_tag_set)?,
        columns: by_table(decoder, |decoder| read_text_keyed(decoder, read_tag_set))?,
        table_columns: by_table(decoder, |decoder| decoder.strings())?,
        filters: decoder.seq(read_filter)?,
        cross_account_version: decoder.option(Decoder::u8)?,
        external_engines: ExternalEngines {
            allow_filtering: decoder.bool()?,
            filtering_accounts: decoder.seq(Decoder::account)?,
            session_tag_values: decoder.strings()?,
            allow_full_table: decoder.bool()?,
        },
    })
}

fn filter(encoder: &mut Encoder, filter: &DataCellsFilter) {
    let DataCellsFilter {
        database,
        table,
        name,
        rows,
        columns,
        origin,
    } = filter;
    encoder.str(database);
    encoder.str(table);
    encoder.str(name);
    match rows {
        RowFilter::AllRows => encoder.u8(0),
        RowFilter::Expression(expression) => {
            encoder.u8(1);
            encoder.str(expression);
        }
    }
    match columns {
        FilterColumns::All => encoder.u8(0),
        FilterColumns::Included(names) => {
            encoder.u8(1);
            encoder.strings(names);
        }
        FilterColumns::Excluded(names) => {
            encoder.u8(2);
            encoder.strings(names);
        }
    }
    encoder.str(origin);
}

fn read_filter(decoder: &mut Decoder<'_>) -> Read<DataCellsFilter> {
    Ok(DataCellsFilter {
        database: decoder.string()?,
        table: decoder.string()?,
        name: decoder.string()?,
        rows: match decoder.u8()? {
            0 => RowFilter::AllRows,
            1 => RowFilter::Expression(decoder.string()?),
            _ => return Err(Damaged("not a row filter")),
        },
        columns: match decoder.u8()? {
            0 => FilterColumns::All,
            1 => FilterColumns::Included(decoder.strings()?),
            2 => FilterColumns::Excluded(decoder.strings()?),
            _ => return Err(Damaged("not a column filter")),
        },
        origin: decoder.string()?,
    })
}
