//! Glue decided as `xacct check` decides the guide's read: each broken variant refused at its
//! link, in Glue's words; writes reach the world at once.

use crate::lake_tests_support::{glue, state, ADMIN_A, ADMIN_B, DEPLOYER, JOB};
use serde_json::json;

fn dir() -> tempfile::TempDir {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    dir
}

#[test]
fn the_job_reads_the_cur_table_through_the_resource_link() {
    let dir = dir();
    let state = state("", dir.path());
    let link = glue(
        &state,
        JOB,
        "GetDatabase",
        &json!({"Name": "cur_org_linked"}),
    );
    assert_eq!(link.code, "ok", "{}", link.body);
    assert_eq!(
        link.body["Database"]["TargetDatabase"],
        json!({"CatalogId": "111111111111", "DatabaseName": "cur_org"})
    );
    let target = glue(
        &state,
        JOB,
        "GetDatabase",
        &json!({"CatalogId": "111111111111", "Name": "cur_org"}),
    );
    assert_eq!(target.code, "ok", "{}", target.body);
    let table = glue(
        &state,
        JOB,
        "GetTable",
        &json!({"DatabaseName": "cur_org_linked", "Name": "legacy_all"}),
    );
    assert_eq!(table.code, "ok", "{}", table.body);
    assert_eq!(table.body["Table"]["CatalogId"], "111111111111");
    assert_eq!(
        table.body["Table"]["StorageDescriptor"]["Location"],
        "s3://cur-exports-a/cur/legacy_all/"
    );
    let partitions = glue(
        &state,
        JOB,
        "GetPartitions",
        &json!({"DatabaseName": "cur_org_linked", "TableName": "legacy_all"}),
    );
    assert_eq!(partitions.code, "ok", "{}", partitions.body);
}

#[test]
fn without_describe_on_the_link_lake_formation_refuses_even_a_direct_get_table() {
    let dir = dir();
    let state = state("broken/no-describe-on-resource-link", dir.path());
    let link = glue(
        &state,
        JOB,
        "GetDatabase",
        &json!({"Name": "cur_org_linked"}),
    );
    assert_eq!(link.code, "AccessDeniedException");
    assert_eq!(
        link.message(),
        "Insufficient Lake Formation permission(s) on cur_org_linked (Database name: cur_org_linked)"
    );
    assert!(link
        .explanation
        .as_deref()
        .is_some_and(|reason| reason.contains("has no DESCRIBE on database cur_org_linked")));
    // A client that skips GetDatabase does not get through the link either.
    let table = glue(
        &state,
        JOB,
        "GetTable",
        &json!({"DatabaseName": "cur_org_linked", "Name": "legacy_all"}),
    );
    assert_eq!(table.code, "AccessDeniedException", "{}", table.body);
}

#[test]
fn without_select_the_definition_is_readable_and_the_partitions_are_not() {
    let dir = dir();
    let state = state("broken/select-on-target-missing", dir.path());
    let input = json!({"DatabaseName": "cur_org_linked", "Name": "legacy_all"});
    assert_eq!(glue(&state, JOB, "GetTable", &input).code, "ok");
    let partitions = glue(
        &state,
        JOB,
        "GetPartitions",
        &json!({"DatabaseName": "cur_org_linked", "TableName": "legacy_all"}),
    );
    assert_eq!(partitions.code, "AccessDeniedException");
    assert_eq!(
        partitions.message(),
        "Insufficient Lake Formation permission(s) on legacy_all (Database name: cur_org, Table Name: legacy_all)"
    );
}

#[test]
fn a_pending_share_leaves_the_owner_catalog_closed_until_a_catalog_policy_opens_it() {
    let dir = dir();
    let state = state("broken/ram-invitation-pending", dir.path());
    let target = json!({"CatalogId": "111111111111", "Name": "cur_org"});
    let refused = glue(&state, JOB, "GetDatabase", &target);
    assert_eq!(refused.code, "AccessDeniedException");
    assert!(
        refused.message().contains(
            "is not authorized to perform: glue:GetDatabase on resource: arn:aws:glue:us-east-1:111111111111:catalog because no resource-based policy allows"
        ),
        "{}",
        refused.message()
    );
    // A's catalog policy lets B's job in on the IAM side at once; Lake Formation still waits
    // for the share.
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": JOB}, "Action": "glue:GetDatabase",
        "Resource": ["arn:aws:glue:us-east-1:111111111111:catalog", "arn:aws:glue:us-east-1:111111111111:database/cur_org"]}]});
    let put = glue(
        &state,
        ADMIN_A,
        "PutResourcePolicy",
        &json!({"PolicyInJson": policy.to_string()}),
    );
    assert_eq!(put.code, "ok", "{}", put.body);
    let read = glue(&state, ADMIN_A, "GetResourcePolicy", &json!({}));
    assert_eq!(read.body["PolicyInJson"], policy.to_string());
    assert_eq!(read.body["PolicyHash"], put.body["PolicyHash"]);
    let now = glue(&state, JOB, "GetDatabase", &target);
    assert_eq!(now.code, "AccessDeniedException");
    assert_eq!(
        now.message(),
        "Insufficient Lake Formation permission(s) on cur_org (Database name: cur_org)"
    );
    // Nobody else may put it.
    let denied = glue(
        &state,
        JOB,
        "PutResourcePolicy",
        &json!({"PolicyInJson": policy.to_string(), "ResourceArn": "arn:aws:glue:us-east-1:111111111111:catalog"}),
    );
    assert_eq!(denied.code, "AccessDeniedException");
}

#[test]
fn iam_decides_before_glue_says_a_name_is_missing() {
    let dir = dir();
    let state = state("", dir.path());
    let missing = json!({"DatabaseName": "analytics", "Name": "nothing"});
    let found = glue(&state, JOB, "GetTable", &missing);
    assert_eq!(found.code, "EntityNotFoundException");
    assert_eq!(found.message(), "Table nothing not found.");
    let denied = glue(&state, DEPLOYER, "GetTable", &missing);
    assert_eq!(denied.code, "AccessDeniedException");
    let no_database = glue(&state, JOB, "GetDatabase", &json!({"Name": "nowhere"}));
    assert_eq!(no_database.code, "EntityNotFoundException");
    assert_eq!(no_database.message(), "Database nowhere not found.");
}

#[test]
fn a_resource_link_created_by_the_administrator_resolves_at_once() {
    let dir = dir();
    let state = state("", dir.path());
    let input = json!({"DatabaseInput": {"Name": "cur_again",
        "TargetDatabase": {"CatalogId": "111111111111", "DatabaseName": "cur_org"}}});
    let refused = glue(&state, JOB, "CreateDatabase", &input);
    assert_eq!(refused.code, "AccessDeniedException");
    assert_eq!(glue(&state, ADMIN_B, "CreateDatabase", &input).code, "ok");
    let again = glue(&state, ADMIN_B, "CreateDatabase", &input);
    assert_eq!(again.code, "AlreadyExistsException");
    let table = glue(
        &state,
        ADMIN_B,
        "GetTable",
        &json!({"DatabaseName": "cur_again", "Name": "legacy_all"}),
    );
    // The administrator of B holds no grant from A on the table: Lake Formation refuses.
    assert_eq!(table.code, "AccessDeniedException", "{}", table.body);
    let listed = glue(&state, ADMIN_B, "GetDatabases", &json!({}));
    let names: Vec<&str> = listed.body["DatabaseList"]
        .as_array()
        .map(|list| list.iter().filter_map(|db| db["Name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"cur_again"), "{names:?}");
}

#[test]
fn an_operation_not_served_is_refused() {
    let dir = dir();
    let state = state("", dir.path());
    let answer = glue(&state, ADMIN_B, "GetCrawlers", &json!({}));
    assert_eq!(answer.code, "NotImplemented");
}

/// A data lake administrator creates databases, and tables in them, but a table in a
/// database someone else made needs CREATE_TABLE, which it may grant itself
/// (<https://docs.aws.amazon.com/lake-formation/latest/dg/implicit-permissions.html>).
#[test]
fn an_administrator_creates_tables_only_where_it_holds_create_table() {
    use crate::lake_tests_support::lakeformation;
    let dir = dir();
    let state = state("", dir.path());
    let table = |database: &str| {
        json!({"DatabaseName": database, "TableInput": {"Name": "new_table",
            "StorageDescriptor": {"Location": "s3://cur-exports-a/new/"}}})
    };
    let refused = glue(&state, ADMIN_A, "CreateTable", &table("cur_org"));
    assert_eq!(refused.code, "AccessDeniedException", "{}", refused.body);
    assert!(refused
        .message()
        .contains("Required Create Table on cur_org"));
    let granted = lakeformation(
        &state,
        ADMIN_A,
        "GrantPermissions",
        &json!({"Principal": {"DataLakePrincipalIdentifier": ADMIN_A},
            "Resource": {"Database": {"CatalogId": "111111111111", "Name": "cur_org"}},
            "Permissions": ["CREATE_TABLE"]}),
    );
    assert_eq!(granted.code, "ok", "{}", granted.body);
    let created = glue(&state, ADMIN_A, "CreateTable", &table("cur_org"));
    assert_eq!(created.code, "ok", "{}", created.body);
    // In a database it made itself, the creator holds every permission already.
    let own = glue(
        &state,
        ADMIN_A,
        "CreateDatabase",
        &json!({"DatabaseInput": {"Name": "own_db"}}),
    );
    assert_eq!(own.code, "ok", "{}", own.body);
    let in_own = glue(&state, ADMIN_A, "CreateTable", &table("own_db"));
    assert_eq!(in_own.code, "ok", "{}", in_own.body);
}
