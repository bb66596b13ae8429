//! Databases and database resource links: GetDatabase(s), CreateDatabase (a `TargetDatabase`
//! makes a resource link), DeleteDatabase.
//! <https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDatabase.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/create-resource-link-database.html>

use super::{catalog_id, ensure_catalog, lake_admin, not_found, reference, required, text};
use crate::catalog_calls::{decide_calls, decide_iam, first_refusal, Caller};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use xacct_lake::{Database, Grant, GrantPrincipal, GrantResource, Permission, Target};
use xacct_paths::table::database_calls;
use xacct_policy::AccountId;

/// A database as Glue describes it; a resource link names its target.
pub(crate) fn database_json(account: AccountId, database: &Database) -> Value {
    let mut value = json!({"Name": database.name, "CatalogId": account.to_string()});
    if let Some((target_account, target_name)) = &database.target {
        super::set(
            &mut value,
            "TargetDatabase",
            json!({"CatalogId": target_account.to_string(), "DatabaseName": target_name}),
        );
    }
    value
}

/// GetDatabase: `glue:GetDatabase` on the catalog and the database, and DESCRIBE on the
/// database in Lake Formation (for a resource link, on the link: it is a database of its own).
pub fn get(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let name = required(input, "Name")?;
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let asked = reference(caller, account, name, "");
    let calls = database_calls(&asked, "GetDatabase");
    let found = state
        .engine
        .world()
        .lake
        .database(account, caller.region, name)
        .cloned();
    let Some(database) = found else {
        // IAM decides before Glue looks the name up.
        for call in &calls {
            decide_iam(state, caller, call.action, &call.resource, &[])?;
        }
        return Err(not_found(format!("Database {name} not found.")));
    };
    decide_calls(state, caller, &requester, None, &calls)?;
    Ok(json!({"Database": database_json(account, &database)}))
}

/// GetDatabases: `glue:GetDatabases` on the catalog; each database is listed when IAM allows
/// `glue:GetDatabases` on it and Lake Formation lets the caller describe it (Lake Formation
/// filters what a listing shows).
pub fn list(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let catalog_arn = reference(caller, account, "", "").catalog_arn();
    decide_iam(state, caller, "glue:GetDatabases", &catalog_arn, &[])?;
    let databases: Vec<Database> = state
        .engine
        .world()
        .lake
        .catalog(account, caller.region)
        .map(|catalog| catalog.databases.values().cloned().collect())
        .unwrap_or_default();
    let mut listed = Vec::new();
    for database in databases {
        let arn = reference(caller, account, &database.name, "").database_arn();
        if decide_iam(state, caller, "glue:GetDatabases", &arn, &[]).is_err() {
            continue;
        }
        let target = Target::Database {
            account,
            region: caller.region.to_owned(),
            name: database.name.clone(),
        };
        let verdict =
            state
                .engine
                .world()
                .lake
                .permits(&requester, &target, &[Permission::Describe]);
        if verdict.allowed() {
            listed.push(database_json(account, &database));
        }
    }
    Ok(json!({"DatabaseList": listed}))
}

/// Whether Lake Formation lets the caller create databases in `account`'s catalog: a data lake
/// administrator, a database creator (CREATE_DATABASE on the catalog, to the caller or to
/// IAMAllowedPrincipals), or a catalog in IAM-only mode.
/// <https://docs.aws.amazon.com/lake-formation/latest/dg/upgrade-glue-lake-formation-background.html>
fn may_create_database(state: &State, caller: &Caller<'_>, account: AccountId) -> bool {
    if lake_admin(state, caller, account) {
        return true;
    }
    let arn = caller.credential.identity.arn.clone();
    let world = state.engine.world();
    if world
        .lake
        .catalog(account, caller.region)
        .is_none_or(|catalog| catalog.iam_allowed_by_default)
    {
        return true;
    }
    world.lake.grants.iter().any(|grant| {
        grant.grantor == account
            && matches!(grant.resource, GrantResource::Catalog { catalog } if catalog == account)
            && (grant.principal == GrantPrincipal::Principal(arn.clone())
                || grant.principal == GrantPrincipal::IamAllowedPrincipals)
            && grant
                .permissions
                .iter()
                .any(|held| matches!(held, Permission::All | Permission::CreateDatabase))
    })
}

/// CreateDatabase: `glue:CreateDatabase` on the catalog and the new database, Lake
/// Formation's CREATE_DATABASE; the creator gets ALL on it, as Lake Formation gives a
/// database's creator.
pub fn create(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let account = catalog_id(caller, input)?;
    let database_input = input.get("DatabaseInput").cloned().unwrap_or(json!({}));
    let name = required(&database_input, "Name")?.to_owned();
    let target = match database_input.get("TargetDatabase") {
        Some(target) => {
            let database = required(target, "DatabaseName")?.to_owned();
            let catalog = text(target, "CatalogId")
                .map(str::to_owned)
                .unwrap_or_else(|| account.to_string());
            let catalog: AccountId = catalog.parse().map_err(|_| {
                JsonReply::bad(
                    "InvalidInputException",
                    &format!("TargetDatabase.CatalogId `{catalog}` is not an account id"),
                )
            })?;
            Some((catalog, database))
        }
        None => None,
    };
    let asked = reference(caller, account, &name, "");
    for resource in [asked.catalog_arn(), asked.database_arn()] {
        decide_iam(state, caller, "glue:CreateDatabase", &resource, &[])?;
    }
    if !may_create_database(state, caller, account) {
        return Err(JsonReply::bad(
            "AccessDeniedException",
            "Insufficient Lake Formation permission(s): Required Create Database on Catalog",
        ));
    }
    ensure_catalog(state, account, caller.region);
    let mut world = state.engine.world_mut();
    let Some(catalog) = world
        .lake
        .catalogs
        .get_mut(&(account, caller.region.to_owned()))
    else {
        return Err(not_found(format!("Catalog {account} not found.")));
    };
    if catalog.databases.contains_key(&name) {
        return Err(JsonReply::bad(
            "AlreadyExistsException",
            "Database already exists.",
        ));
    }
    let iam_allowed_principals = catalog.iam_allowed_by_default;
    catalog.databases.insert(
        name.clone(),
        Database {
            name: name.clone(),
            target,
            iam_allowed_principals,
        },
    );
    world.lake.grants.push(Grant {
        grantor: account,
        principal: GrantPrincipal::Principal(caller.credential.identity.arn.clone()),
        resource: GrantResource::Database {
            catalog: account,
            name,
        },
        permissions: vec![Permission::All],
        grantable: vec![Permission::All],
        origin: "the creator's permissions, given by CreateDatabase through xacct serve".to_owned(),
    });
    Ok(json!({}))
}

/// DeleteDatabase: `glue:DeleteDatabase` on the catalog and the database, and DROP on it in
/// Lake Formation; its tables go with it.
pub fn delete(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let name = required(input, "Name")?;
    let account = catalog_id(caller, input)?;
    let requester = caller.requester(state)?;
    let asked = reference(caller, account, name, "");
    for resource in [asked.catalog_arn(), asked.database_arn()] {
        decide_iam(state, caller, "glue:DeleteDatabase", &resource, &[])?;
    }
    let target = Target::Database {
        account,
        region: caller.region.to_owned(),
        name: name.to_owned(),
    };
    if state
        .engine
        .world()
        .lake
        .database(account, caller.region, name)
        .is_none()
    {
        return Err(not_found(format!("Database {name} not found.")));
    }
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
        catalog.databases.remove(name);
        catalog.tables.retain(|(database, _), _| database != name);
    }
    Ok(json!({}))
}
