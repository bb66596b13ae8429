//! GrantPermissions, RevokePermissions, ListPermissions: the grants of the world
//! (`[[catalog.grant]]`), changed at once so the next Glue request is decided on them.
//! <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GrantPermissions.html>

use super::{authorize, invalid};
use crate::catalog_calls::Caller;
use crate::glue::{lake_admin, required, text};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use xacct_lake::{Grant, GrantPrincipal, GrantResource, Permission, TableName};
use xacct_policy::AccountId;

/// A `CatalogId` inside a resource, the request's catalog when absent.
fn catalog_in(value: &Value, default: AccountId) -> Result<AccountId, JsonReply> {
    match text(value, "CatalogId") {
        Some(id) => id
            .parse()
            .map_err(|_| invalid(&format!("CatalogId `{id}` is not an account id"))),
        None => Ok(default),
    }
}

/// The `Resource` of a grant request, in the world's terms.
pub(crate) fn resource_of(
    resource: &Value,
    catalog: AccountId,
) -> Result<GrantResource, JsonReply> {
    if resource.get("Catalog").is_some() {
        return Ok(GrantResource::Catalog { catalog });
    }
    if let Some(database) = resource.get("Database") {
        return Ok(GrantResource::Database {
            catalog: catalog_in(database, catalog)?,
            name: required(database, "Name")?.to_owned(),
        });
    }
    if let Some(table) = resource.get("Table") {
        let name = match (text(table, "Name"), table.get("TableWildcard")) {
            (Some(name), None) => TableName::Named(name.to_owned()),
            (None, Some(_)) => TableName::All,
            _ => return Err(invalid("Table needs exactly one of Name and TableWildcard")),
        };
        return Ok(GrantResource::Table {
            catalog: catalog_in(table, catalog)?,
            database: required(table, "DatabaseName")?.to_owned(),
            table: name,
            columns: None,
            excluded: Vec::new(),
        });
    }
    if let Some(table) = resource.get("TableWithColumns") {
        let names = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let wildcard = table.get("ColumnWildcard");
        let columns = match wildcard {
            Some(_) => None,
            None => Some(names(table.get("ColumnNames"))),
        };
        return Ok(GrantResource::Table {
            catalog: catalog_in(table, catalog)?,
            database: required(table, "DatabaseName")?.to_owned(),
            table: TableName::Named(required(table, "Name")?.to_owned()),
            columns,
            excluded: names(wildcard.and_then(|w| w.get("ExcludedColumnNames"))),
        });
    }
    if let Some(location) = resource.get("DataLocation") {
        let arn = required(location, "ResourceArn")?;
        let path = arn
            .strip_prefix("arn:aws:s3:::")
            .ok_or_else(|| invalid(&format!("`{arn}` is not an S3 ARN")))?;
        return Ok(GrantResource::DataLocation {
            catalog: catalog_in(location, catalog)?,
            path: format!("s3://{path}"),
        });
    }
    Err(invalid(
        "xacct serve grants on Catalog, Database, Table, TableWithColumns and DataLocation resources; LF-Tag policies and data cells filters are not served",
    ))
}

fn permissions(input: &Value, field: &str) -> Result<Vec<Permission>, JsonReply> {
    input
        .get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let name = item.as_str().unwrap_or_default();
                    name.parse::<Permission>().map_err(|_| {
                        invalid(&format!("`{name}` is not a Lake Formation permission"))
                    })
                })
                .collect()
        })
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// The grant a request describes, held by the Lake Formation of its `CatalogId`.
fn requested(caller: &Caller<'_>, input: &Value) -> Result<Grant, JsonReply> {
    let grantor = crate::glue::catalog_id(caller, input)?;
    let identifier = input
        .get("Principal")
        .and_then(|principal| text(principal, "DataLakePrincipalIdentifier"))
        .ok_or_else(|| invalid("Principal.DataLakePrincipalIdentifier is required"))?;
    let principal = GrantPrincipal::parse(identifier).ok_or_else(|| {
        invalid(&format!(
            "`{identifier}` is not a data lake principal (an IAM ARN, an account id, an organization or unit ARN, IAM_ALLOWED_PRINCIPALS)"
        ))
    })?;
    let resource = resource_of(input.get("Resource").unwrap_or(&Value::Null), grantor)?;
    Ok(Grant {
        grantor,
        principal,
        resource,
        permissions: permissions(input, "Permissions")?,
        grantable: permissions(input, "PermissionsWithGrantOption")?,
        origin: "GrantPermissions through xacct serve".to_owned(),
    })
}

/// Only the data lake administrators of a catalog grant and revoke in it here (a principal
/// holding a permission with grant option may too in AWS: not served).
fn administers(state: &State, caller: &Caller<'_>, grantor: AccountId) -> Result<(), JsonReply> {
    if caller.account() != grantor.to_string() {
        return Err(JsonReply::bad(
            "AccessDeniedException",
            &format!("Grants are held by the Lake Formation of {grantor}: call it as a principal of that account"),
        ));
    }
    if lake_admin(state, caller, grantor) {
        return Ok(());
    }
    Err(JsonReply::bad(
        "AccessDeniedException",
        "Resource does not exist or requester is not authorized to access requested permissions.",
    ))
}

/// Whether a database or table of the grantor's own catalog exists (a grant on a missing
/// one is refused, as Lake Formation refuses it).
fn exists(state: &State, region: &str, resource: &GrantResource) -> bool {
    let world = state.engine.world();
    match resource {
        GrantResource::Database { catalog, name } => {
            world.lake.database(*catalog, region, name).is_some()
        }
        GrantResource::Table {
            catalog,
            database,
            table,
            ..
        } => match table {
            TableName::All => world.lake.database(*catalog, region, database).is_some(),
            TableName::Named(name) => world
                .lake
                .catalog(*catalog, region)
                .is_some_and(|found| found.tables.contains_key(&(database.clone(), name.clone()))),
        },
        _ => true,
    }
}

fn resource_name(resource: &GrantResource) -> String {
    match resource {
        GrantResource::Database { name, .. } => name.clone(),
        GrantResource::Table {
            table: TableName::Named(name),
            ..
        } => name.clone(),
        other => other.to_string(),
    }
}

/// GrantPermissions: the permissions are added to the grant of the same principal and
/// resource (granting again changes nothing).
pub fn grant(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "GrantPermissions")?;
    let grant = requested(caller, input)?;
    administers(state, caller, grant.grantor)?;
    if grant.permissions.is_empty() {
        return Err(invalid("Permissions must not be empty"));
    }
    // A resource of the grantor's own catalog must exist; a resource of another account's
    // catalog is re-granted, and the read decides whether the owner's grant allows it.
    if grant.resource.catalog() == grant.grantor && !exists(state, caller.region, &grant.resource) {
        return Err(JsonReply::bad(
            "AccessDeniedException",
            &format!(
                "Insufficient Lake Formation permission(s) on {}",
                resource_name(&grant.resource)
            ),
        ));
    }
    crate::ram::share_for_grant(state, caller.region, &grant);
    let mut world = state.engine.world_mut();
    let held = world.lake.grants.iter_mut().find(|held| {
        held.grantor == grant.grantor
            && held.principal == grant.principal
            && held.resource == grant.resource
    });
    match held {
        Some(held) => {
            for permission in grant.permissions {
                if !held.permissions.contains(&permission) {
                    held.permissions.push(permission);
                }
            }
            for permission in grant.grantable {
                if !held.grantable.contains(&permission) {
                    held.grantable.push(permission);
                }
            }
        }
        None => world.lake.grants.push(grant),
    }
    Ok(json!({}))
}

/// RevokePermissions: the permissions are taken from the grant; a grant left with none goes.
pub fn revoke(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "RevokePermissions")?;
    let revoked = requested(caller, input)?;
    administers(state, caller, revoked.grantor)?;
    let mut world = state.engine.world_mut();
    let mut found = false;
    for held in world.lake.grants.iter_mut().filter(|held| {
        held.grantor == revoked.grantor
            && held.principal == revoked.principal
            && held.resource == revoked.resource
    }) {
        found = true;
        held.permissions
            .retain(|permission| !revoked.permissions.contains(permission));
        held.grantable.retain(|permission| {
            !revoked.permissions.contains(permission) && !revoked.grantable.contains(permission)
        });
    }
    if !found {
        return Err(invalid(
            "No permissions revoked. Grantee has no permissions on resource.",
        ));
    }
    world
        .lake
        .grants
        .retain(|held| !held.permissions.is_empty() || !held.grantable.is_empty());
    Ok(json!({}))
}

/// ListPermissions: the grants of the catalog (a data lake administrator sees them all, anyone
/// else their own), optionally of one principal.
pub fn list(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "ListPermissions")?;
    let grantor = crate::glue::catalog_id(caller, input)?;
    let admin = lake_admin(state, caller, grantor);
    let own = caller.credential.identity.arn.clone();
    let wanted = input
        .get("Principal")
        .and_then(|principal| text(principal, "DataLakePrincipalIdentifier"))
        .map(str::to_owned);
    let world = state.engine.world();
    let listed: Vec<Value> = world
        .lake
        .grants
        .iter()
        .filter(|grant| grant.grantor == grantor)
        .filter(|grant| admin || grant.principal.identifier() == own)
        .filter(|grant| {
            wanted
                .as_deref()
                .is_none_or(|wanted| grant.principal.identifier() == wanted)
        })
        .map(|grant| {
            json!({
                "Principal": {"DataLakePrincipalIdentifier": grant.principal.identifier()},
                "Resource": grant.resource.to_json(),
                "Permissions": grant.permissions.iter().map(|p| p.name()).collect::<Vec<_>>(),
                "PermissionsWithGrantOption": grant.grantable.iter().map(|p| p.name()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json!({"PrincipalResourcePermissions": listed}))
}
