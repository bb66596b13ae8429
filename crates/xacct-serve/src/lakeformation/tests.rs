//! Lake Formation: grants reach the next decision at once, and credentials are vended only as
//! check decides the data step, scoped to the table's location.

use super::vend::scope_policy;
use crate::identity::session_policy;
use crate::lake_tests_support::{
    credential, glue, lakeformation, lakeformation_as, state, ADMIN_A, ADMIN_B, JOB,
};
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

/// The administrator's data lake settings with `change` made, through the API.
fn change_settings(
    state: &crate::State,
    admin: &str,
    change: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    let got = lakeformation(state, admin, "GetDataLakeSettings", &json!({}));
    assert_eq!(got.code, "ok", "{}", got.body);
    let mut settings = got.body["DataLakeSettings"].clone();
    let Some(object) = settings.as_object_mut() else {
        panic!("settings are an object: {settings}");
    };
    change(object);
    let put = lakeformation(
        state,
        admin,
        "PutDataLakeSettings",
        &json!({"DataLakeSettings": settings}),
    );
    assert_eq!(put.code, "ok", "{}", put.body);
}

fn full_table_access(settings: &mut serde_json::Map<String, serde_json::Value>) {
    settings.insert("AllowFullTableExternalDataAccess".to_owned(), json!(true));
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
    // An engine outside AWS's analytics services gets nothing while the settings of both
    // accounts leave it out.
    let closed = lakeformation(
        &state,
        JOB,
        "GetTemporaryGlueTableCredentials",
        &credentials_for_cur(),
    );
    assert_eq!(closed.code, "AccessDeniedException", "{}", closed.body);
    assert!(
        closed
            .message()
            .contains("AllowFullTableExternalDataAccess is off in 111111111111 and 222222222222"),
        "{}",
        closed.message()
    );
    change_settings(&state, ADMIN_A, full_table_access);
    let half_open = lakeformation(
        &state,
        JOB,
        "GetTemporaryGlueTableCredentials",
        &credentials_for_cur(),
    );
    assert_eq!(half_open.code, "AccessDeniedException");
    assert!(
        half_open
            .message()
            .contains("AllowFullTableExternalDataAccess is off in 222222222222"),
        "{}",
        half_open.message()
    );
    change_settings(&state, ADMIN_B, full_table_access);
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
    // In one account, its own settings alone decide.
    change_settings(&state, ADMIN_B, full_table_access);
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

/// The session-tag route: the engine's session carries `LakeFormationAuthorizedCaller`, and the
/// settings of the table's owner and of the caller's account authorize the value for the
/// caller's account. Any other value, or one account's settings short, vends nothing.
#[test]
fn a_session_tag_the_settings_authorize_lets_an_engine_in() {
    let dir = dir();
    let state = state("broken/bucket-policy-without-org-condition", dir.path());
    let register =
        json!({"ResourceArn": "arn:aws:s3:::cur-exports-a/cur/", "UseServiceLinkedRole": true});
    assert_eq!(
        lakeformation(&state, ADMIN_A, "RegisterResource", &register).code,
        "ok"
    );
    let tagged = |value: &str| {
        let mut who = credential(JOB);
        who.identity
            .tags
            .insert("LakeFormationAuthorizedCaller".to_owned(), value.to_owned());
        who
    };
    let authorize = |settings: &mut serde_json::Map<String, serde_json::Value>| {
        settings.insert("AllowExternalDataFiltering".to_owned(), json!(true));
        settings.insert(
            "ExternalDataFilteringAllowList".to_owned(),
            json!([{"DataLakePrincipalIdentifier": "222222222222"}]),
        );
        settings.insert(
            "AuthorizedSessionTagValueList".to_owned(),
            json!(["engine1"]),
        );
    };
    change_settings(&state, ADMIN_A, authorize);
    let ask = |value: &str| {
        lakeformation_as(
            &state,
            &tagged(value),
            "GetTemporaryGlueTableCredentials",
            &credentials_for_cur(),
        )
    };
    let consumer_closed = ask("engine1");
    assert_eq!(consumer_closed.code, "AccessDeniedException");
    assert!(
        consumer_closed.message().contains(
            "the data lake settings of 222222222222 (us-east-1) do not authorize the session tag LakeFormationAuthorizedCaller=engine1"
        ),
        "{}",
        consumer_closed.message()
    );
    // The refusal says how to let it in, without dropping the other settings.
    let explanation = consumer_closed.explanation.unwrap_or_default();
    assert!(
        explanation.contains("--catalog-id 222222222222")
            && explanation.contains(r#""AuthorizedSessionTagValueList":["engine1"]"#),
        "{explanation}"
    );
    change_settings(&state, ADMIN_B, authorize);
    assert_eq!(ask("engine1").code, "ok");
    let other = ask("engine2");
    assert_eq!(other.code, "AccessDeniedException");
    // The settings read back as they were put.
    let got = lakeformation(&state, ADMIN_A, "GetDataLakeSettings", &json!({}));
    assert_eq!(
        got.body["DataLakeSettings"]["AuthorizedSessionTagValueList"],
        json!(["engine1"])
    );
    assert_eq!(
        got.body["DataLakeSettings"]["ExternalDataFilteringAllowList"],
        json!([{"DataLakePrincipalIdentifier": "222222222222"}])
    );
    // AWS refuses filtering turned on with nobody on the allow list.
    let empty = lakeformation(
        &state,
        ADMIN_A,
        "PutDataLakeSettings",
        &json!({"DataLakeSettings": {"AllowExternalDataFiltering": true}}),
    );
    assert_eq!(empty.code, "InvalidInputException");
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
