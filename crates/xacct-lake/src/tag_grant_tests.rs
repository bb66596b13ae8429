//! Grants on LF-Tag expressions, data cell filters and column lists, decided column by column,
//! in one account and across accounts under each cross-account version.

use crate::catalog::TableRef;
use crate::grant::{Grant, GrantPrincipal, GrantResource, Permission, Target};
use crate::tags::{
    DataCellsFilter, FilterColumns, Governance, RowFilter, TagCondition, TagExpression,
    TagResourceType,
};
use crate::tests::{account, job, lake, orders, organization, CONSUMER, JOB, OWNER};
use crate::{Lake, Remedy, Requester, Verdict};

fn table() -> TableRef {
    TableRef {
        account: account(OWNER),
        region: "us-east-1".to_owned(),
        database: "sales".to_owned(),
        table: "orders".to_owned(),
    }
}

fn column(name: &str) -> Target {
    Target::Column {
        table: table(),
        column: name.to_owned(),
    }
}

fn expression(key: &str, values: &[&str]) -> TagExpression {
    TagExpression(vec![TagCondition {
        key: key.to_owned(),
        values: values.iter().map(|value| (*value).to_owned()).collect(),
    }])
}

/// The owner's catalog with `sales` tagged domain=sales and level=public, the `card` column of
/// `orders` overridden to level=secret, and the given cross-account version.
fn tagged(version: Option<u8>) -> Lake {
    let mut lake = lake(false);
    let mut governance = Governance {
        cross_account_version: version,
        ..Governance::default()
    };
    governance.keys.insert(
        "level".to_owned(),
        vec!["public".to_owned(), "secret".to_owned()],
    );
    governance.databases.insert(
        "sales".to_owned(),
        [("domain", "sales"), ("level", "public")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    governance
        .columns
        .entry(("sales".to_owned(), "orders".to_owned()))
        .or_default()
        .insert(
            "card".to_owned(),
            [("level".to_owned(), "secret".to_owned())].into(),
        );
    governance.table_columns.insert(
        ("sales".to_owned(), "orders".to_owned()),
        vec!["id".to_owned(), "amount".to_owned(), "card".to_owned()],
    );
    governance.filters.push(DataCellsFilter {
        database: "sales".to_owned(),
        table: "orders".to_owned(),
        name: "no_card".to_owned(),
        rows: RowFilter::Expression("region = 'EU'".to_owned()),
        columns: FilterColumns::Excluded(vec!["card".to_owned()]),
        origin: "filter.json:1:1".to_owned(),
    });
    lake.governance
        .insert((account(OWNER), "us-east-1".to_owned()), governance);
    lake
}

fn tag_grant(grantor: &str, principal: GrantPrincipal, key: &str, values: &[&str]) -> Grant {
    Grant {
        grantor: account(grantor),
        principal,
        resource: GrantResource::TagPolicy {
            catalog: account(OWNER),
            resource_type: TagResourceType::Table,
            expression: expression(key, values),
        },
        permissions: vec![Permission::Select],
        grantable: vec![Permission::Select],
        origin: "grant.toml:1:1".to_owned(),
    }
}

fn analyst() -> Requester {
    Requester {
        arn: "arn:aws:iam::111111111111:role/analyst".to_owned(),
        account: account(OWNER),
        organization: Some("o-example".to_owned()),
        organization_path: None,
    }
}

fn analyst_principal() -> GrantPrincipal {
    GrantPrincipal::Principal(analyst().arn)
}

#[test]
fn a_tag_grant_covers_the_columns_whose_inherited_tags_match() {
    let mut lake = tagged(None);
    lake.grants
        .push(tag_grant(OWNER, analyst_principal(), "level", &["public"]));
    let select = [Permission::Select];
    assert!(lake
        .permits(&analyst(), &column("amount"), &select)
        .allowed());
    assert!(lake.permits(&analyst(), &orders(), &select).allowed());
    let verdict = lake.permits(&analyst(), &column("card"), &select);
    let Verdict::Missing {
        reason, remedies, ..
    } = verdict
    else {
        panic!("the secret column is not covered: {verdict:?}");
    };
    assert!(
        reason.contains("LF-Tags `level=public`") && reason.contains("`level` is `secret`"),
        "{reason}"
    );
    // `card` carries another value: re-tagging it is not offered.
    assert!(remedies.is_empty(), "{remedies:?}");
}

#[test]
fn an_unassigned_key_is_offered_as_a_tag_assignment() {
    let mut lake = tagged(None);
    lake.grants
        .push(tag_grant(OWNER, analyst_principal(), "owner", &["finance"]));
    let verdict = lake.permits(&analyst(), &column("amount"), &[Permission::Select]);
    let Verdict::Missing {
        reason, remedies, ..
    } = verdict
    else {
        panic!("no column carries owner: {verdict:?}");
    };
    assert!(
        reason.contains("LF-Tag `owner` is not assigned"),
        "{reason}"
    );
    assert_eq!(
        remedies,
        vec![Remedy::AssignTag(crate::TagAssignment {
            account: account(OWNER),
            region: "us-east-1".to_owned(),
            database: "sales".to_owned(),
            table: Some("orders".to_owned()),
            column: Some("amount".to_owned()),
            key: "owner".to_owned(),
            value: "finance".to_owned(),
        })]
    );
}

#[test]
fn an_expression_needs_every_key_and_one_value_of_each() {
    let mut lake = tagged(None);
    let mut both = tag_grant(OWNER, analyst_principal(), "level", &["public", "secret"]);
    if let GrantResource::TagPolicy { expression, .. } = &mut both.resource {
        expression.0.push(TagCondition {
            key: "domain".to_owned(),
            values: vec!["marketing".to_owned()],
        });
    }
    lake.grants.push(both);
    let verdict = lake.permits(&analyst(), &column("card"), &[Permission::Select]);
    assert!(!verdict.allowed(), "{verdict:?}");
    let Verdict::Missing { reason, .. } = verdict else {
        return;
    };
    assert!(
        reason.contains("`domain` is `sales`, not marketing"),
        "{reason}"
    );
}

#[test]
fn a_database_expression_does_not_give_tables_and_a_table_one_not_databases() {
    let mut lake = tagged(None);
    lake.grants
        .push(tag_grant(OWNER, analyst_principal(), "domain", &["sales"]));
    let database = Target::Database {
        account: account(OWNER),
        region: "us-east-1".to_owned(),
        name: "sales".to_owned(),
    };
    assert!(!lake
        .permits(&analyst(), &database, &[Permission::Select])
        .allowed());
    assert!(lake
        .permits(&analyst(), &orders(), &[Permission::Select])
        .allowed());
}

#[test]
fn a_filter_gives_its_columns_and_says_its_rows() {
    let mut lake = tagged(None);
    lake.grants.push(Grant {
        grantor: account(OWNER),
        principal: analyst_principal(),
        resource: GrantResource::DataCellsFilter {
            catalog: account(OWNER),
            database: "sales".to_owned(),
            table: "orders".to_owned(),
            name: "no_card".to_owned(),
        },
        permissions: vec![Permission::Select],
        grantable: Vec::new(),
        origin: "grant.toml:2:1".to_owned(),
    });
    let granted = lake.permits(&analyst(), &column("amount"), &[Permission::Select]);
    let Verdict::Granted { by } = granted else {
        panic!("the filter admits amount: {granted:?}");
    };
    assert!(by.contains("rows where `region = 'EU'`"), "{by}");
    let refused = lake.permits(&analyst(), &column("card"), &[Permission::Select]);
    let Verdict::Missing { reason, .. } = refused else {
        panic!("the filter excludes card: {refused:?}");
    };
    assert!(reason.contains("data cell filter `no_card`"), "{reason}");
    assert!(reason.contains("excludes column `card`"), "{reason}");
}

#[test]
fn a_column_grant_covers_only_its_columns_and_an_exclusion_all_others() {
    let mut lake = tagged(None);
    let mut named = tag_grant(OWNER, analyst_principal(), "x", &["y"]);
    named.resource = GrantResource::Table {
        catalog: account(OWNER),
        database: "sales".to_owned(),
        table: crate::TableName::Named("orders".to_owned()),
        columns: None,
        excluded: vec!["card".to_owned()],
    };
    lake.grants.push(named);
    assert!(lake
        .permits(&analyst(), &column("id"), &[Permission::Select])
        .allowed());
    assert!(!lake
        .permits(&analyst(), &column("card"), &[Permission::Select])
        .allowed());
}

/// A tag grant to the consumer account, re-granted there to the job.
fn shared(version: Option<u8>, to: GrantPrincipal) -> Lake {
    let mut lake = tagged(version);
    lake.grants.push(tag_grant(OWNER, to, "level", &["public"]));
    lake.grants.push(tag_grant(
        CONSUMER,
        GrantPrincipal::Principal(JOB.to_owned()),
        "level",
        &["public"],
    ));
    lake
}

#[test]
fn under_version_1_or_2_a_tag_grant_to_an_account_uses_no_ram_share() {
    let mut lake = shared(Some(2), GrantPrincipal::Account(account(CONSUMER)));
    // Sharing with the organization off: a RAM share would wait for its invitation.
    lake.organization_sharing = false;
    let verdict = lake.permits(&job(), &column("amount"), &[Permission::Select]);
    let Verdict::Granted { by } = verdict else {
        panic!("version 2 needs no RAM share: {verdict:?}");
    };
    assert!(by.contains("glue:EvaluatedByLakeFormationTags"), "{by}");
    assert!(lake.evaluated_by_tags(&job(), &table()));
    let mut v3 = shared(Some(3), GrantPrincipal::Account(account(CONSUMER)));
    v3.organization_sharing = false;
    assert!(!v3
        .permits(&job(), &column("amount"), &[Permission::Select])
        .allowed());
}

#[test]
fn versions_below_3_refuse_tag_grants_to_organizations_and_external_principals() {
    let lake = shared(Some(1), organization());
    let verdict = lake.permits(&job(), &column("amount"), &[Permission::Select]);
    let Verdict::Missing {
        reason, remedies, ..
    } = verdict
    else {
        panic!("version 1 refuses a tag grant to the organization: {verdict:?}");
    };
    assert!(reason.contains("cross-account version 1"), "{reason}");
    assert!(remedies.contains(&Remedy::CrossAccountVersion {
        account: account(OWNER),
        region: "us-east-1".to_owned(),
        from: 1,
        to: 4,
    }));
    let raised = shared(Some(3), organization());
    assert!(raised
        .permits(&job(), &column("amount"), &[Permission::Select])
        .allowed());
    let direct = shared(Some(2), GrantPrincipal::Principal(JOB.to_owned()));
    assert!(!direct
        .permits(&job(), &column("amount"), &[Permission::Select])
        .allowed());
}
