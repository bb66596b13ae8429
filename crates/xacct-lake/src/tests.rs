//! The Lake Formation gate on small catalogs, one rule at a time
//! (docs/semantics.md section 7 and its rows 67-71 in section 10).

use crate::catalog::{Catalog, Database, Table, TableRef};
use crate::grant::{Grant, GrantPrincipal, GrantResource, Permission, TableName, Target};
use crate::share::{InvitationState, Share};
use crate::{Lake, Requester, Verdict};
use std::collections::BTreeMap;
use xacct_policy::AccountId;

pub(crate) fn account(text: &str) -> AccountId {
    text.parse().unwrap()
}

pub(crate) const OWNER: &str = "111111111111";
pub(crate) const CONSUMER: &str = "222222222222";
pub(crate) const JOB: &str = "arn:aws:iam::222222222222:role/job";
const ORG_ARN: &str = "arn:aws:organizations::111111111111:organization/o-example";

fn catalog(owner: &str, iam_only: bool) -> Catalog {
    Catalog {
        account: account(owner),
        region: "us-east-1".to_owned(),
        admins: vec![format!("arn:aws:iam::{owner}:role/lake-admin")],
        iam_allowed_by_default: iam_only,
        databases: BTreeMap::new(),
        tables: BTreeMap::new(),
        locations: Vec::new(),
    }
}

/// A sales table in the owner's catalog (Lake Formation governed unless `iam_only`), and a
/// resource link `sales_link` to its database in the consumer's.
pub(crate) fn lake(iam_only: bool) -> Lake {
    let mut owner = catalog(OWNER, iam_only);
    owner.databases.insert(
        "sales".to_owned(),
        Database {
            name: "sales".to_owned(),
            target: None,
            iam_allowed_principals: iam_only,
        },
    );
    owner.tables.insert(
        ("sales".to_owned(), "orders".to_owned()),
        Table {
            database: "sales".to_owned(),
            name: "orders".to_owned(),
            location: Some("s3://sales-a/orders/".to_owned()),
            target: None,
            iam_allowed_principals: iam_only,
        },
    );
    let mut consumer = catalog(CONSUMER, false);
    consumer.databases.insert(
        "sales_link".to_owned(),
        Database {
            name: "sales_link".to_owned(),
            target: Some((account(OWNER), "sales".to_owned())),
            iam_allowed_principals: false,
        },
    );
    let mut lake = Lake {
        organization: Some("o-example".to_owned()),
        organization_sharing: true,
        ..Lake::default()
    };
    lake.members.insert(account(OWNER));
    lake.members.insert(account(CONSUMER));
    lake.catalogs
        .insert((account(OWNER), "us-east-1".to_owned()), owner);
    lake.catalogs
        .insert((account(CONSUMER), "us-east-1".to_owned()), consumer);
    lake
}

pub(crate) fn job() -> Requester {
    Requester {
        arn: JOB.to_owned(),
        account: account(CONSUMER),
        organization: Some("o-example".to_owned()),
        organization_path: Some("o-example/r-root/ou-analytics/".to_owned()),
    }
}

pub(crate) fn orders() -> Target {
    Target::Table(TableRef {
        account: account(OWNER),
        region: "us-east-1".to_owned(),
        database: "sales".to_owned(),
        table: "orders".to_owned(),
    })
}

pub(crate) fn grant(
    grantor: &str,
    principal: GrantPrincipal,
    database: &str,
    permissions: &[Permission],
    grantable: &[Permission],
) -> Grant {
    Grant {
        grantor: account(grantor),
        principal,
        resource: GrantResource::Table {
            catalog: account(if database == "sales_link" {
                grantor
            } else {
                OWNER
            }),
            database: database.to_owned(),
            table: TableName::All,
            columns: None,
            excluded: Vec::new(),
        },
        permissions: permissions.to_vec(),
        grantable: grantable.to_vec(),
        origin: "test".to_owned(),
    }
}

pub(crate) fn organization() -> GrantPrincipal {
    GrantPrincipal::parse(ORG_ARN).unwrap()
}

#[test]
fn iam_allowed_principals_leaves_the_table_to_iam() {
    let verdict = lake(true).permits(&job(), &orders(), &[Permission::Select]);
    assert!(matches!(verdict, Verdict::IamOnly { .. }), "{verdict:?}");
}

#[test]
fn revoked_iam_allowed_principals_without_grants_is_insufficient() {
    let verdict = lake(false).permits(&job(), &orders(), &[Permission::Select]);
    let Verdict::Missing {
        reason, missing, ..
    } = verdict
    else {
        panic!("expected a missing grant");
    };
    assert!(
        reason.starts_with("Insufficient Lake Formation permission(s)"),
        "{reason}"
    );
    // The owner must grant the consumer account (with grant option), and its administrator the job.
    let grantors: Vec<String> = missing
        .iter()
        .map(|grant| grant.grantor.to_string())
        .collect();
    assert_eq!(grantors, vec![OWNER.to_owned(), CONSUMER.to_owned()]);
    assert!(missing.first().unwrap().grantable);
}

#[test]
fn a_cross_account_read_needs_the_owner_grant_the_share_and_the_local_regrant() {
    let mut lake = lake(false);
    lake.grants.push(grant(
        OWNER,
        organization(),
        "sales",
        &[Permission::Select],
        &[Permission::Select],
    ));
    // Without the consumer's re-grant.
    assert!(!lake
        .permits(&job(), &orders(), &[Permission::Select])
        .allowed());
    lake.grants.push(grant(
        CONSUMER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "sales",
        &[Permission::Select],
        &[],
    ));
    let verdict = lake.permits(&job(), &orders(), &[Permission::Select]);
    assert!(verdict.allowed(), "{verdict:?}");
}

#[test]
fn a_grant_through_the_resource_link_is_a_grant_on_its_target() {
    let mut lake = lake(false);
    lake.grants.push(grant(
        OWNER,
        organization(),
        "sales",
        &[Permission::All],
        &[Permission::All],
    ));
    lake.grants.push(grant(
        CONSUMER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "sales_link",
        &[Permission::Select],
        &[],
    ));
    assert!(lake
        .permits(&job(), &orders(), &[Permission::Select])
        .allowed());
}

/// Whether a re-grant needs the grant option is an open question (semantics.md 11, item 7):
/// xacct takes the stricter reading.
#[test]
fn a_grant_without_grant_option_cannot_be_passed_on() {
    let mut lake = lake(false);
    lake.grants.push(grant(
        OWNER,
        organization(),
        "sales",
        &[Permission::Select],
        &[],
    ));
    lake.grants.push(grant(
        CONSUMER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "sales",
        &[Permission::Select],
        &[],
    ));
    let verdict = lake.permits(&job(), &orders(), &[Permission::Select]);
    let Verdict::Missing { reason, .. } = verdict else {
        panic!("expected a missing grant option");
    };
    assert!(reason.contains("without grant option"), "{reason}");
}

#[test]
fn a_grant_to_the_principal_itself_needs_no_regrant() {
    let mut lake = lake(false);
    lake.grants.push(grant(
        OWNER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "sales",
        &[Permission::Select],
        &[],
    ));
    assert!(lake
        .permits(&job(), &orders(), &[Permission::Select])
        .allowed());
}

#[test]
fn a_grant_to_a_unit_reaches_accounts_under_it_only() {
    let unit =
        GrantPrincipal::parse("arn:aws:organizations::111111111111:ou/o-example/ou-analytics")
            .unwrap();
    let other =
        GrantPrincipal::parse("arn:aws:organizations::111111111111:ou/o-example/ou-finance")
            .unwrap();
    for (principal, expected) in [(unit, true), (other, false)] {
        let mut lake = lake(false);
        lake.grants.push(grant(
            OWNER,
            principal,
            "sales",
            &[Permission::Select],
            &[Permission::Select],
        ));
        lake.grants.push(grant(
            CONSUMER,
            GrantPrincipal::Principal(JOB.to_owned()),
            "sales",
            &[Permission::Select],
            &[],
        ));
        assert_eq!(
            lake.permits(&job(), &orders(), &[Permission::Select])
                .allowed(),
            expected
        );
    }
}

#[test]
fn a_pending_invitation_keeps_the_share_from_reaching_the_account() {
    let mut lake = lake(false);
    lake.organization_sharing = false;
    lake.grants.push(grant(
        OWNER,
        organization(),
        "sales",
        &[Permission::Select],
        &[Permission::Select],
    ));
    lake.grants.push(grant(
        CONSUMER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "sales",
        &[Permission::Select],
        &[],
    ));
    let mut share = Share {
        name: "sales-share".to_owned(),
        owner: account(OWNER),
        arn: None,
        resources: vec!["arn:aws:glue:us-east-1:111111111111:database/sales".to_owned()],
        principals: vec![organization()],
        allow_external_principals: false,
        invitations: BTreeMap::new(),
        invitation_arns: BTreeMap::new(),
        origin: "test".to_owned(),
    };
    share
        .invitations
        .insert(account(CONSUMER), InvitationState::Pending);
    lake.shares.push(share.clone());
    let verdict = lake.permits(&job(), &orders(), &[Permission::Select]);
    let Verdict::Missing { reason, .. } = verdict else {
        panic!("expected the pending invitation to deny");
    };
    assert!(reason.contains("invitation is pending"), "{reason}");
    share
        .invitations
        .insert(account(CONSUMER), InvitationState::Accepted);
    lake.shares = vec![share];
    assert!(lake
        .permits(&job(), &orders(), &[Permission::Select])
        .allowed());
}

#[test]
fn data_lake_administrators_see_every_table_but_do_not_read_it() {
    let lake = lake(false);
    let admin = Requester {
        arn: "arn:aws:iam::111111111111:role/lake-admin".to_owned(),
        account: account(OWNER),
        organization: Some("o-example".to_owned()),
        organization_path: None,
    };
    assert!(lake
        .permits(&admin, &orders(), &[Permission::Describe])
        .allowed());
    assert!(!lake
        .permits(&admin, &orders(), &[Permission::Select])
        .allowed());
}

#[test]
fn names_resolve_through_a_database_link_once() {
    let lake = lake(false);
    let object = lake
        .resolve(account(CONSUMER), "us-east-1", "sales_link", "orders")
        .unwrap();
    assert_eq!(object.target.account, account(OWNER));
    assert_eq!(object.target.database, "sales");
    assert!(object.database_link.is_some());
    assert!(lake
        .resolve(account(CONSUMER), "us-east-1", "sales_link", "missing")
        .is_err());
}

#[test]
fn grant_commands_and_bodies_name_the_catalog_and_grant_option() {
    let missing = crate::MissingGrant {
        grantor: account(OWNER),
        principal: GrantPrincipal::Account(account(CONSUMER)),
        resource: GrantResource::Table {
            catalog: account(OWNER),
            database: "sales".to_owned(),
            table: TableName::Named("orders".to_owned()),
            columns: None,
            excluded: Vec::new(),
        },
        permission: Permission::Select,
        grantable: true,
    };
    assert_eq!(
        missing.cli(),
        r#"aws lakeformation grant-permissions --catalog-id 111111111111 --principal DataLakePrincipalIdentifier=222222222222 --permissions SELECT --permissions-with-grant-option SELECT --resource '{"Table":{"CatalogId":"111111111111","DatabaseName":"sales","Name":"orders"}}'"#
    );
    assert_eq!(
        missing.to_json()["PermissionsWithGrantOption"],
        serde_json::json!(["SELECT"])
    );
}
