//! Lake Formation: grants reach the next decision at once, and credentials are vended only as
//! check decides the data step, scoped to the table's location.

use super::vend::scope_policy;
use crate::identity::session_policy;
use crate::lake_tests_support::{glue, lakeformation, state, ADMIN_A, ADMIN_B, JOB};
use serde_json::json;

fn dir() -> tempfile::TempDir {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    dir
}

fn describe_link() -> serde_json::Value {
    json!({
        "Principal": {"DataLakePrincipalIdentifier": JOB},
        "Resource": {"Database": {"Name": "cur_org_linked"}},
        "Permissions": ["DESCRIBE"],
    })
}

#[test]
fn a_grant_by_the_administrator_lets_the_next_request_through_and_a_revoke_closes_it() {
    let dir = dir();
    let state = state("broken/no-describe-on-resource-link", dir.path());
    let link = json!({"Name": "cur_org_linked"});
    assert_eq!(
        glue(&state, JOB, "GetDatabase", &link).code,
        "AccessDeniedException"
    );
    // Only a data lake administrator of B grants in B's catalog.
    let refused = lakeformation(&state, JOB, "GrantPermissions", &describe_link());
    assert_eq!(refused.code, "AccessDeniedException");
    let granted = lakeformation(&state, ADMIN_B, "GrantPermissions", &describe_link());
    assert_eq!(granted.code, "ok", "{}", granted.body);
    assert_eq!(glue(&state, JOB, "GetDatabase", &link).code, "ok");
    let listed = lakeformation(
        &state,
        ADMIN_B,
        "ListPermissions",
        &json!({"Principal": {"DataLakePrincipalIdentifier": JOB}}),
    );
    let resources: Vec<String> = listed.body["PrincipalResourcePermissions"]
        .as_array()
        .map(|list| list.iter().map(|row| row["Resource"].to_string()).collect())
        .unwrap_or_default();
    assert!(
        resources
            .iter()
            .any(|resource| resource.contains("cur_org_linked")),
        "{resources:?}"
    );
    let revoked = lakeformation(&state, ADMIN_B, "RevokePermissions", &describe_link());
    assert_eq!(revoked.code, "ok", "{}", revoked.body);
    assert_eq!(
        glue(&state, JOB, "GetDatabase", &link).code,
        "AccessDeniedException"
    );
    let nothing = lakeformation(&state, ADMIN_B, "RevokePermissions", &describe_link());
    assert_eq!(nothing.code, "InvalidInputException");
}

#[test]
fn a_grant_on_a_missing_table_is_refused() {
    let dir = dir();
    let state = state("", dir.path());
    let grant = json!({
        "Principal": {"DataLakePrincipalIdentifier": JOB},
        "Resource": {"Table": {"DatabaseName": "analytics", "Name": "nothing"}},
        "Permissions": ["SELECT"],
    });
    let answer = lakeformation(&state, ADMIN_B, "GrantPermissions", &grant);
    assert_eq!(answer.code, "AccessDeniedException");
    assert_eq!(
        answer.message(),
        "Insufficient Lake Formation permission(s) on nothing"
    );
}

fn credentials_for_cur() -> serde_json::Value {
    json!({"TableArn": "arn:aws:glue:us-east-1:222222222222:table/cur_org_linked/legacy_all",
           "Permissions": ["SELECT"]})
}

#[test]
fn credentials_are_vended_only_for_a_registered_location() {
    let dir = dir();
    // This variant's bucket policy lets no one of the organization in: what the vended
    // credentials read, they read by the service-linked role's policy and the scope policy.
    let state = state("broken/bucket-policy-without-org-condition", dir.path());
    let unregistered = lakeformation(
        &state,
        JOB,
        "GetTemporaryGlueTableCredentials",
        &credentials_for_cur(),
    );
    assert_eq!(unregistered.code, "InvalidInputException");
    let register =
        json!({"ResourceArn": "arn:aws:s3:::cur-exports-a/cur/", "UseServiceLinkedRole": true});
    let registered = lakeformation(&state, ADMIN_A, "RegisterResource", &register);
    assert_eq!(registered.code, "ok", "{}", registered.body);
    let vended = lakeformation(
        &state,
        JOB,
        "GetTemporaryGlueTableCredentials",
        &credentials_for_cur(),
    );
    assert_eq!(vended.code, "ok", "{}", vended.body);
    assert_eq!(
        vended.body["VendedS3Path"],
        json!(["s3://cur-exports-a/cur/legacy_all/"])
    );
    let key = vended.body["AccessKeyId"].as_str().unwrap_or_default();
    let Some(issued) = state.keys.lookup(key) else {
        panic!("the vended key is known");
    };
    assert!(issued.identity.arn.ends_with(
        ":role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"
    ));
    let session = issued.identity.session();
    let decide = |action: &str, resource: &str| {
        state
            .engine
            .decide(&session, action, resource, &[])
            .map(|verdict| verdict.allowed)
            .unwrap_or(false)
    };
    assert!(decide(
        "s3:GetObject",
        "arn:aws:s3:::cur-exports-a/cur/legacy_all/part-00000.parquet"
    ));
    assert!(!decide(
        "s3:GetObject",
        "arn:aws:s3:::cur-exports-a/cur/other/part-00000.parquet"
    ));
    assert!(!decide(
        "s3:PutObject",
        "arn:aws:s3:::cur-exports-a/cur/legacy_all/part-00000.parquet"
    ));
}

#[test]
fn without_get_data_access_nothing_is_vended() {
    let dir = dir();
    let state = state("broken/job-role-lacks-get-data-access", dir.path());
    let answer = lakeformation(
        &state,
        JOB,
        "GetTemporaryGlueTableCredentials",
        &credentials_for_cur(),
    );
    assert_eq!(answer.code, "AccessDeniedException");
    assert!(
        answer
            .message()
            .contains("is not authorized to perform: lakeformation:GetDataAccess on resource: arn:aws:lakeformation:us-east-1:222222222222:catalog:222222222222"),
        "{}",
        answer.message()
    );
}

#[test]
fn without_select_nothing_is_vended() {
    let dir = dir();
    let state = state("broken/select-on-target-missing", dir.path());
    let register = json!({"ResourceArn": "arn:aws:s3:::cur-exports-a/cur/"});
    assert_eq!(
        lakeformation(&state, ADMIN_A, "RegisterResource", &register).code,
        "ok"
    );
    let answer = lakeformation(
        &state,
        JOB,
        "GetTemporaryGlueTableCredentials",
        &credentials_for_cur(),
    );
    assert_eq!(answer.code, "AccessDeniedException");
    assert!(answer
        .message()
        .starts_with("Insufficient Lake Formation permission(s) on legacy_all"));
}

#[test]
fn the_scope_policy_keeps_to_the_prefix() {
    let policy = session_policy(&scope_policy("s3://bucket/data/table/"));
    let text = scope_policy("s3://bucket/data/table/");
    assert!(text.contains("arn:aws:s3:::bucket/data/table/*"), "{text}");
    assert!(!text.contains("arn:aws:s3:::bucket/*"), "{text}");
    // It parses as a session policy the engine reads.
    assert!(!policy.policy.statements.is_empty());
    let whole = scope_policy("s3://bucket");
    assert!(whole.contains("arn:aws:s3:::bucket/*"), "{whole}");
}

#[test]
fn the_data_lake_settings_keep_the_serve_administrator() {
    let dir = dir();
    let state = state("", dir.path());
    let put = lakeformation(
        &state,
        ADMIN_B,
        "PutDataLakeSettings",
        &json!({"DataLakeSettings": {"DataLakeAdmins": [{"DataLakePrincipalIdentifier": JOB}],
            "Parameters": {"CROSS_ACCOUNT_VERSION": "3"}}}),
    );
    assert_eq!(put.code, "ok", "{}", put.body);
    let got = lakeformation(&state, ADMIN_B, "GetDataLakeSettings", &json!({}));
    let admins = got.body["DataLakeSettings"]["DataLakeAdmins"].to_string();
    assert!(admins.contains(JOB) && admins.contains(ADMIN_B), "{admins}");
    assert_eq!(
        got.body["DataLakeSettings"]["Parameters"]["CROSS_ACCOUNT_VERSION"],
        "3"
    );
    let bad = lakeformation(
        &state,
        ADMIN_B,
        "PutDataLakeSettings",
        &json!({"DataLakeSettings": {"Parameters": {"CROSS_ACCOUNT_VERSION": "9"}}}),
    );
    assert_eq!(bad.code, "InvalidInputException");
    // The job role, now an administrator in Lake Formation, is still refused by IAM.
    let grant = lakeformation(&state, JOB, "GrantPermissions", &describe_link());
    assert_eq!(grant.code, "AccessDeniedException");
    assert!(grant
        .message()
        .contains("is not authorized to perform: lakeformation:GrantPermissions"));
}

#[test]
fn a_registered_role_that_does_not_trust_lake_formation_vends_nothing() {
    let dir = dir();
    let state = state("broken/iam-allowed-principals-revoked", dir.path());
    let grant = json!({
        "Principal": {"DataLakePrincipalIdentifier": JOB},
        "Resource": {"Table": {"DatabaseName": "analytics", "Name": "daily_costs"}},
        "Permissions": ["SELECT"],
    });
    assert_eq!(
        lakeformation(&state, ADMIN_B, "GrantPermissions", &grant).code,
        "ok"
    );
    // The job's role trusts Glue only.
    let register = json!({"ResourceArn": "arn:aws:s3:::analytics-b/daily_costs/", "RoleArn": JOB});
    assert_eq!(
        lakeformation(&state, ADMIN_B, "RegisterResource", &register).code,
        "ok"
    );
    let ask =
        json!({"TableArn": "arn:aws:glue:us-east-1:222222222222:table/analytics/daily_costs"});
    let refused = lakeformation(&state, JOB, "GetTemporaryGlueTableCredentials", &ask);
    assert_eq!(refused.code, "AccessDeniedException");
    assert!(
        refused
            .message()
            .contains("does not let lakeformation.amazonaws.com assume it"),
        "{}",
        refused.message()
    );
    // Registered with the service-linked role instead, the location's credentials are vended.
    let arn = json!({"ResourceArn": "arn:aws:s3:::analytics-b/daily_costs/"});
    assert_eq!(
        lakeformation(&state, ADMIN_B, "DeregisterResource", &arn).code,
        "ok"
    );
    let register = json!({"ResourceArn": "arn:aws:s3:::analytics-b/daily_costs/", "UseServiceLinkedRole": true});
    assert_eq!(
        lakeformation(&state, ADMIN_B, "RegisterResource", &register).code,
        "ok"
    );
    let vended = lakeformation(&state, JOB, "GetTemporaryGlueTableCredentials", &ask);
    assert_eq!(vended.code, "ok", "{}", vended.body);
}

/// Registering a location makes IAM calls with the caller's permissions: passing its own role
/// to Lake Formation (`iam:PassedToService`), or creating and extending the service-linked
/// role. A principal allowed `lakeformation:RegisterResource` alone is refused at those.
#[test]
fn registering_a_location_needs_the_iam_calls_lake_formation_makes() {
    let dir = dir();
    let state = state("", dir.path());
    let only_lake_formation = |passed_to: &str| {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [
                {{"Effect": "Allow", "Action": "lakeformation:RegisterResource", "Resource": "*"}},
                {{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                  "Condition": {{"StringEquals": {{"iam:PassedToService": "{passed_to}"}}}}}}]}}"#
        );
        let parsed = xacct_policy::parse_policy(&text, xacct_policy::PolicyKind::Identity);
        let policy = xacct_eval::SourcedPolicy::new(std::sync::Arc::new(parsed.policy), "test");
        if let Some(role) = state.engine.world_mut().roles.get_mut(JOB) {
            role.policies = vec![policy];
        }
    };
    let location = |extra: serde_json::Value| {
        let mut input = json!({"ResourceArn": "arn:aws:s3:::analytics-b/lake/"});
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        input
    };
    only_lake_formation("lakeformation.amazonaws.com");
    let service_linked = lakeformation(
        &state,
        JOB,
        "RegisterResource",
        &location(json!({"UseServiceLinkedRole": true})),
    );
    assert_eq!(
        service_linked.code, "AccessDeniedException",
        "{}",
        service_linked.body
    );
    assert!(
        service_linked
            .message()
            .contains("iam:CreateServiceLinkedRole"),
        "{}",
        service_linked.body
    );
    let own_role = json!({"RoleArn": "arn:aws:iam::222222222222:role/glue-deployer"});
    only_lake_formation("glue.amazonaws.com");
    let wrong_service = lakeformation(&state, JOB, "RegisterResource", &location(own_role.clone()));
    assert_eq!(
        wrong_service.code, "AccessDeniedException",
        "{}",
        wrong_service.body
    );
    assert!(wrong_service.message().contains("iam:PassRole"));
    only_lake_formation("lakeformation.amazonaws.com");
    let passed = lakeformation(&state, JOB, "RegisterResource", &location(own_role));
    assert_eq!(passed.code, "ok", "{}", passed.body);
}
