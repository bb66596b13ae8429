//! Tables and table reads: GetTable(s), GetPartitions, CreateTable, DeleteTable. GetTable and
//! GetPartitions are decided with the calls `xacct check` asks for a read
//! (`xacct_paths::table::calls_for`) of their own IAM action: through a database resource link,
//! the link's catalog, database and table ARNs, then the target's (any permission on the table
//! for its definition, SELECT for its partitions), and DESCRIBE on the link itself.
//! <https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html>

use super::{catalog_id, ensure_catalog, not_found, reference, required, text};
use crate::catalog_calls::{decide_calls, decide_iam, first_refusal, only, Caller};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use xacct_lake::catalog::ResolveError;
use xacct_lake::{CatalogObject, Grant, GrantPrincipal, GrantResource, Permission, Table, Target};
use xacct_paths::table::{calls_for, database_calls, lake_verdicts};
use xacct_policy::AccountId;

/// A table's definition; read through a link, the target's (its catalog, database and name).
fn table_json(state: &State, object: &CatalogObject) -> Value {
    let target = &object.target;
    let world = state.engine.world();
    let table = world.lake.table(target);
    let location = table.and_then(|table| table.location.clone());
    let registered = world.lake.registered_location(target).is_some();
    let mut value = json!({
        "Name": target.table,
        "DatabaseName": target.database,
        "CatalogId": target.account.to_string(),
        "TableType": "EXTERNAL_TABLE",
        "IsRegisteredWithLakeFormation": registered,
    });
    if let Some(location) = location {
        super::set(
            &mut value,
            "StorageDescriptor",
            json!({"Location": location}),
        );
    }
    if let Some(link) = &object.table_link {
        super::set(&mut value, "Name", json!(link.table));
        super::set(&mut value, "DatabaseName", json!(link.database));
        super::set(&mut value, "CatalogId", json!(link.account.to_string()));
        super::set(
            &mut value,
            "TargetTable",
            json!({
                "CatalogId": target.account.to_string(),
                "DatabaseName": target.database,
                "Name": target.table,
            }),
        );
    }
    value
}

/// The error of a name that does not resolve, after IAM has decided on the asked ARNs.
fn unresolved(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    asked: &xacct_lake::TableRef,
    error: &ResolveError,
) -> JsonReply {
    for resource in [asked.catalog_arn(), asked.database_arn(), asked.table_arn()] {
        if let Err(refusal) = decide_iam(state, caller, action, &resource, &[]) {
            return refusal;
        }
    }
    match error {
        ResolveError::NoDatabase { database, .. } => {
            not_found(format!("Database {database} not found."))
        }
        ResolveError::NoTable { table, .. } => not_found(format!("Table {table} not found.")),
        ResolveError::LinkToLink { .. } => {
            JsonReply::bad("InvalidInputException", &error.to_string())
        }
    }
}

/// The table a request names, resolved through resource links as check resolves it.
fn resolve(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    account: AccountId,
    database: &str,
    table: &str,
) -> Result<CatalogObject, JsonReply> {
    let resolved = state
        .engine
        .world()
        .lake
        .resolve(account, caller.region, database, table);
    resolved.map_err(|error| {
        unresolved(
            state,
            caller,
            action,
            &reference(caller, account, database, table),
            &error,
        )
    })
}

/// Reading through a database resource link needs DESCRIBE on the link, whatever the call
/// (check asks it with the engine's GetDatabase on the link; a client that skips that call is
/// still refused here, as Lake Formation refuses access through a link it cannot describe).
/// <https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-about.html>
fn link_describe(
    state: &State,
    requester: &xacct_lake::Requester,
    object: &CatalogObject,
) -> Result<(), JsonReply> {
    let Some(link) = &object.database_link else {
        return Ok(());
    };
    let need = database_calls(link, "")
        .into_iter()
        .find_map(|call| call.lake);
    let Some(need) = need else {
        return Ok(());
    };
    let verdicts = lake_verdicts(&state.engine.world(), requester, &need);
    first_refusal(&verdicts).map_or(Ok(()), Err)
}

/// The calls of check's read that are `action` (a served operation decides its own IAM
/// action; check's GetDatabase calls are the client's own GetDatabase requests).
fn op_calls(object: &CatalogObject, action: &str) -> Vec<xacct_paths::table::Call> {
    only(calls_for(object, &[]), |call| call.action == action)
}

/// GetTable: check's `glue:GetTable` calls: the link's catalog, database and table ARNs, then
/// the target's, with any permission on the target table in Lake Formation.
pub fn get(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let database = required(input, "DatabaseName")?;
    let name = required(input, "Name")?;
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let object = resolve(state, caller, "glue:GetTable", account, database, name)?;
    let calls = op_calls(&object, "glue:GetTable");
    decide_calls(state, caller, &requester, Some(&object), &calls)?;
    link_describe(state, &requester, &object)?;
    Ok(json!({"Table": table_json(state, &object)}))
}

/// GetPartitions: check's `glue:GetPartitions` calls on the target, SELECT in Lake Formation.
/// Tables of the served world have no partitions: the answer is an empty list.
pub fn partitions(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let database = required(input, "DatabaseName")?;
    let name = required(input, "TableName")?;
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let object = resolve(state, caller, "glue:GetPartitions", account, database, name)?;
    let calls = op_calls(&object, "glue:GetPartitions");
    decide_calls(state, caller, &requester, Some(&object), &calls)?;
    link_describe(state, &requester, &object)?;
    Ok(json!({"Partitions": []}))
}

/// GetTables: `glue:GetTables` on the asked catalog and database, then each table of the
/// database (its target's, through a link) that GetTable would show.
pub fn list(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let database = required(input, "DatabaseName")?;
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let asked = reference(caller, account, database, "");
    for resource in [asked.catalog_arn(), asked.database_arn()] {
        decide_iam(state, caller, "glue:GetTables", &resource, &[])?;
    }
    let names: Option<Vec<String>> = {
        let world = state.engine.world();
        world
            .lake
            .database(account, caller.region, database)
            .map(|found| {
                let (owner, name) = found
                    .target
                    .clone()
                    .unwrap_or((account, database.to_owned()));
                world
                    .lake
                    .catalog(owner, caller.region)
                    .map(|catalog| {
                        catalog
                            .tables
                            .keys()
                            .filter(|(held, _)| *held == name)
                            .map(|(_, table)| table.clone())
                            .collect()
                    })
                    .unwrap_or_default()
            })
    };
    let Some(names) = names else {
        return Err(not_found(format!("Database {database} not found.")));
    };
    let mut listed = Vec::new();
    for name in names {
        let Ok(object) = resolve(state, caller, "glue:GetTable", account, database, &name) else {
            continue;
        };
        let calls = op_calls(&object, "glue:GetTable");
        if decide_calls(state, caller, &requester, Some(&object), &calls).is_ok()
            && link_describe(state, &requester, &object).is_ok()
        {
            listed.push(table_json(state, &object));
        }
    }
    Ok(json!({"TableList": listed}))
}

/// A `TableInput.TargetTable` (a table resource link).
fn target_table(
    account: AccountId,
    input: &Value,
) -> Result<Option<(AccountId, String, String)>, JsonReply> {
    let Some(target) = input.get("TargetTable") else {
        return Ok(None);
    };
    let catalog = text(target, "CatalogId")
        .map(str::to_owned)
        .unwrap_or_else(|| account.to_string());
    let catalog: AccountId = catalog.parse().map_err(|_| {
        JsonReply::bad(
            "InvalidInputException",
            &format!("TargetTable.CatalogId `{catalog}` is not an account id"),
        )
    })?;
    Ok(Some((
        catalog,
        required(target, "DatabaseName")?.to_owned(),
        required(target, "Name")?.to_owned(),
    )))
}

/// CreateTable: `glue:CreateTable` on the catalog, database and table, Lake Formation's
/// CREATE_TABLE on the database (a database in IAM-only mode needs none); the creator gets ALL
/// on the table. A data lake administrator is no exception: Lake Formation gives them
/// databases, not tables in databases others created
/// (<https://docs.aws.amazon.com/lake-formation/latest/dg/implicit-permissions.html>); they
/// grant themselves CREATE_TABLE first.
pub fn create(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let database = required(input, "DatabaseName")?.to_owned();
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let table_input = input.get("TableInput").cloned().unwrap_or(json!({}));
    let name = required(&table_input, "Name")?.to_owned();
    let location = table_input
        .get("StorageDescriptor")
        .and_then(|descriptor| text(descriptor, "Location"))
        .map(str::to_owned);
    let target = target_table(account, &table_input)?;
    let asked = reference(caller, account, &database, &name);
    for resource in [asked.catalog_arn(), asked.database_arn(), asked.table_arn()] {
        decide_iam(state, caller, "glue:CreateTable", &resource, &[])?;
    }
    if state
        .engine
        .world()
        .lake
        .database(account, caller.region, &database)
        .is_none()
    {
        return Err(not_found(format!("Database {database} not found.")));
    }
    {
        let on = Target::Database {
            account,
            region: caller.region.to_owned(),
            name: database.clone(),
        };
        let verdict =
            state
                .engine
                .world()
                .lake
                .permits(&requester, &on, &[Permission::CreateTable]);
        if !verdict.allowed() {
            let mut reply = JsonReply::bad(
                "AccessDeniedException",
                &format!("Insufficient Lake Formation permission(s): Required Create Table on {database}"),
            );
            reply.explanation = first_refusal(&[(on, verdict)]).and_then(|r| r.explanation);
            return Err(reply);
        }
    }
    ensure_catalog(state, account, caller.region);
    let mut world = state.engine.world_mut();
    let Some(catalog) = world
        .lake
        .catalogs
        .get_mut(&(account, caller.region.to_owned()))
    else {
        return Err(not_found(format!("Database {database} not found.")));
    };
    let key = (database.clone(), name.clone());
    if catalog.tables.contains_key(&key) {
        return Err(JsonReply::bad(
            "AlreadyExistsException",
            "Table already exists.",
        ));
    }
    let iam_allowed_principals = catalog.iam_allowed_by_default;
    catalog.tables.insert(
        key,
        Table {
            database: database.clone(),
            name: name.clone(),
            location,
            target,
            iam_allowed_principals,
        },
    );
    world.lake.grants.push(Grant {
        grantor: account,
        principal: GrantPrincipal::Principal(caller.credential.identity.arn.clone()),
        resource: GrantResource::Table {
            catalog: account,
            database,
            table: xacct_lake::TableName::Named(name),
            columns: None,
            excluded: Vec::new(),
        },
        permissions: vec![Permission::All],
        grantable: vec![Permission::All],
        origin: "the creator's permissions, given by CreateTable through xacct serve".to_owned(),
    });
    Ok(json!({}))
}

/// DeleteTable: `glue:DeleteTable` on the catalog, database and table, and DROP on the table
/// in Lake Formation.
pub fn delete(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let database = required(input, "DatabaseName")?;
    let name = required(input, "Name")?;
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let asked = reference(caller, account, database, name);
    for resource in [asked.catalog_arn(), asked.database_arn(), asked.table_arn()] {
        decide_iam(state, caller, "glue:DeleteTable", &resource, &[])?;
    }
    if state.engine.world().lake.table(&asked).is_none() {
        return Err(not_found(format!("Table {name} not found.")));
    }
    let target = Target::Table(asked);
    let verdict = state
        .engine
        .world()
        .lake
        .permits(&requester, &target, &[Permission::Drop]);
    if let Some(refusal) = first_refusal(&[(target, verdict)]) {
        return Err(refusal);
    }
    let mut world = state.engine.world_mut();
    if let Some(catalog) = world
        .lake
        .catalogs
        .get_mut(&(account, caller.region.to_owned()))
    {
        catalog
            .tables
            .remove(&(database.to_owned(), name.to_owned()));
    }
    Ok(json!({}))
}
