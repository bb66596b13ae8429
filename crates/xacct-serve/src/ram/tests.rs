//! RAM: the guide's pending invitation accepted through the endpoint opens the share at once;
//! shares with principals outside the organization, and organization sharing, as RAM allows.

use crate::lake_tests_support::{glue, lakeformation, ram, state, ADMIN_A, ADMIN_B, JOB};
use serde_json::json;

fn dir() -> tempfile::TempDir {
    let Ok(dir) = tempfile::tempdir() else {
        panic!("a temporary folder");
    };
    dir
}

const INVITATION: &str = "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/7a1c9e2b-cur0-4e1b-9d3f-5b8a6c2e4f10";

#[test]
fn accepting_the_pending_invitation_opens_the_owner_catalog() {
    let dir = dir();
    let state = state("broken/ram-invitation-pending", dir.path());
    let target = json!({"CatalogId": "111111111111", "Name": "cur_org"});
    assert_eq!(
        glue(&state, JOB, "GetDatabase", &target).code,
        "AccessDeniedException"
    );
    let listed = ram(&state, ADMIN_B, "GetResourceShareInvitations", &json!({}));
    assert_eq!(
        listed.body["resourceShareInvitations"][0]["resourceShareInvitationArn"],
        INVITATION
    );
    assert_eq!(
        listed.body["resourceShareInvitations"][0]["status"],
        "PENDING"
    );
    // The owner cannot accept for B.
    let wrong = ram(
        &state,
        ADMIN_A,
        "AcceptResourceShareInvitation",
        &json!({"resourceShareInvitationArn": INVITATION}),
    );
    assert_eq!(wrong.code, "ResourceShareInvitationArnNotFoundException");
    let accepted = ram(
        &state,
        ADMIN_B,
        "AcceptResourceShareInvitation",
        &json!({"resourceShareInvitationArn": INVITATION}),
    );
    assert_eq!(accepted.code, "ok", "{}", accepted.body);
    assert_eq!(
        accepted.body["resourceShareInvitation"]["status"],
        "ACCEPTED"
    );
    assert_eq!(glue(&state, JOB, "GetDatabase", &target).code, "ok");
}

#[test]
fn a_cross_account_grant_outside_organization_sharing_waits_for_its_invitation() {
    let dir = dir();
    let state = state("broken/ram-invitation-pending", dir.path());
    // A grants B's account DESCRIBE on a database no declared share covers.
    assert_eq!(
        glue(
            &state,
            ADMIN_A,
            "CreateDatabase",
            &json!({"DatabaseInput": {"Name": "more_cur"}})
        )
        .code,
        "ok"
    );
    let grant = json!({
        "Principal": {"DataLakePrincipalIdentifier": "222222222222"},
        "Resource": {"Database": {"Name": "more_cur"}},
        "Permissions": ["DESCRIBE"],
        "PermissionsWithGrantOption": ["DESCRIBE"],
    });
    assert_eq!(
        lakeformation(&state, ADMIN_A, "GrantPermissions", &grant).code,
        "ok"
    );
    let listed = ram(&state, ADMIN_B, "GetResourceShareInvitations", &json!({}));
    let names: Vec<&str> = listed.body["resourceShareInvitations"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|invitation| invitation["resourceShareName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        names
            .iter()
            .any(|name| name.starts_with("LakeFormation-V4-")),
        "{names:?}"
    );
}

#[test]
fn organization_sharing_is_enabled_by_the_management_account_only() {
    let dir = dir();
    let state = state("broken/ram-invitation-pending", dir.path());
    let member = ram(
        &state,
        ADMIN_B,
        "EnableSharingWithAwsOrganization",
        &json!({}),
    );
    assert_eq!(member.code, "OperationNotPermittedException");
    let management = ram(
        &state,
        ADMIN_A,
        "EnableSharingWithAwsOrganization",
        &json!({}),
    );
    assert_eq!(management.code, "ok", "{}", management.body);
    // A share with the organization made now reaches B with no invitation; the invitation B
    // already holds stays pending until B answers it.
    let created = ram(
        &state,
        ADMIN_A,
        "CreateResourceShare",
        &json!({"name": "org-wide", "resourceArns": ["arn:aws:glue:us-east-1:111111111111:database/cur_org"],
                "principals": ["arn:aws:organizations::111111111111:organization/o-cur0example"]}),
    );
    assert_eq!(created.code, "ok", "{}", created.body);
    let listed = ram(&state, ADMIN_B, "GetResourceShareInvitations", &json!({}));
    let names = listed.body["resourceShareInvitations"].to_string();
    assert!(
        names.contains("cur-org-share") && !names.contains("org-wide"),
        "{names}"
    );
    let shared = ram(
        &state,
        ADMIN_B,
        "GetResourceShares",
        &json!({"resourceOwner": "OTHER-ACCOUNTS"}),
    );
    assert!(shared.body["resourceShares"]
        .to_string()
        .contains("org-wide"));
    let target = json!({"CatalogId": "111111111111", "Name": "cur_org"});
    assert_eq!(glue(&state, JOB, "GetDatabase", &target).code, "ok");
}

#[test]
fn a_share_takes_glue_resources_of_its_owner_and_principals_it_allows() {
    let dir = dir();
    let state = state("", dir.path());
    let foreign = ram(
        &state,
        ADMIN_A,
        "CreateResourceShare",
        &json!({"name": "s", "resourceArns": ["arn:aws:glue:us-east-1:222222222222:catalog"]}),
    );
    assert_eq!(foreign.code, "InvalidParameterException");
    let outside = ram(
        &state,
        ADMIN_A,
        "CreateResourceShare",
        &json!({"name": "s", "resourceArns": ["arn:aws:glue:us-east-1:111111111111:database/cur_org"],
                "principals": ["999999999999"], "allowExternalPrincipals": false}),
    );
    assert_eq!(outside.code, "OperationNotPermittedException");
    let created = ram(
        &state,
        ADMIN_A,
        "CreateResourceShare",
        &json!({"name": "s", "resourceArns": ["arn:aws:glue:us-east-1:111111111111:database/cur_org"],
                "principals": ["222222222222"]}),
    );
    assert_eq!(created.code, "ok", "{}", created.body);
    let own = ram(
        &state,
        ADMIN_A,
        "GetResourceShares",
        &json!({"resourceOwner": "SELF"}),
    );
    let names = own.body["resourceShares"].to_string();
    assert!(names.contains("\"s\""), "{names}");
}
