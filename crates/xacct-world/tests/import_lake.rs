//! Lake Formation, Glue catalog policy and RAM exports read into the world's lake: a producer
//! account (222222222222) sharing its `sales` database with an analytics account
//! (333333333333), as `aws lakeformation list-permissions`, `get-data-lake-settings`,
//! `aws glue get-resource-policy` and the `aws ram` listings print them.
#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot read its fixture fails the test"
)]

use std::collections::BTreeMap;
mod common;

use common::{account, listing};
use std::path::PathBuf;
use xacct_lake::{
    Grant, GrantPrincipal, GrantResource, InvitationState, Permission, Requester, ShareState,
    TableName, TableRef, Target, Verdict,
};
use xacct_policy::{AccountId, Severity, SourceFile};
use xacct_world::{load, load_text, Loaded};

const PRODUCER: &str = "222222222222";
const CONSUMER: &str = "333333333333";
const REGION: &str = "eu-west-1";
const SALES_SHARE: &str =
    "arn:aws:ram:eu-west-1:222222222222:resource-share/7f3c2a10-4b1e-4d5a-9c2e-1a2b3c4d5e6f";
const ANALYST: &str = "arn:aws:iam::333333333333:role/AnalystRole";

fn fixtures() -> PathBuf {
    common::fixtures("lake")
}

fn scenario() -> Loaded {
    common::scenario_in(&fixtures())
}

/// A manifest written on the fly, with paths relative to the scenario's exports.
fn manifest(text: &str) -> Loaded {
    common::manifest_in(&fixtures(), text)
}

/// The code and the location (after the fixtures folder) of every finding.
fn places(loaded: &Loaded) -> Vec<(&'static str, String)> {
    let root = fixtures().display().to_string();
    loaded
        .findings
        .iter()
        .map(|finding| {
            let location = finding.location();
            let short = location
                .strip_prefix(&root)
                .map_or(location.clone(), |rest| {
                    rest.trim_start_matches('/').to_owned()
                });
            (finding.finding.code, short)
        })
        .collect()
}

/// A grant without its origin: grantor, principal, resource, permissions, grantable.
type GrantTuple = (
    AccountId,
    GrantPrincipal,
    GrantResource,
    Vec<Permission>,
    Vec<Permission>,
);

/// Grants as comparable tuples, origins left out.
fn grant_tuples(grants: &[Grant]) -> Vec<GrantTuple> {
    grants
        .iter()
        .map(|grant| {
            (
                grant.grantor,
                grant.principal.clone(),
                grant.resource.clone(),
                grant.permissions.clone(),
                grant.grantable.clone(),
            )
        })
        .collect()
}

fn role(account: &str, name: &str) -> GrantPrincipal {
    GrantPrincipal::Principal(format!("arn:aws:iam::{account}:role/{name}"))
}

fn table(catalog: &str, database: &str, name: Option<&str>) -> GrantResource {
    GrantResource::Table {
        catalog: account(catalog),
        database: database.to_owned(),
        table: name.map_or(TableName::All, |name| TableName::Named(name.to_owned())),
        columns: None,
        excluded: Vec::new(),
    }
}

fn database(catalog: &str, name: &str) -> GrantResource {
    GrantResource::Database {
        catalog: account(catalog),
        name: name.to_owned(),
    }
}

#[test]
fn the_scenario_loads_with_a_warning_for_each_thing_left_out() {
    let loaded = scenario();
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let permissions = "scenario/222222222222/eu-west-1/lakeformation-permissions.json";
    let ram = "scenario/222222222222/eu-west-1/ram-resource-shares.json";
    assert_eq!(
        places(&loaded),
        [
            // The `LFTag` key of the LF-Tag row (the `LFTagPolicy` row is a grant).
            ("unmodelled-lake-resource", format!("{permissions}:173:17")),
            // The `status` of the DELETED share, and the `type` of the shared subnet.
            ("inactive-resource-share", format!("{ram}:34:23")),
            ("unmodelled-share-resource", format!("{ram}:70:21")),
        ],
        "{}",
        listing(&loaded)
    );
    assert!(loaded
        .findings
        .iter()
        .all(|finding| finding.finding.severity == Severity::Warning));
    let lf_tag = &loaded.findings[0].finding;
    assert_eq!(
        lf_tag.message,
        "PrincipalResourcePermissions[8] grants on `LFTag`, the LF-Tag itself (to describe or assign it), which xacct does not model: it is left out"
    );
    assert!(lf_tag.help.as_deref().unwrap().contains("looks denied"));
    let subnet = &loaded.findings[2].finding;
    assert!(
        subnet
            .message
            .starts_with("`arn:aws:ec2:eu-west-1:222222222222:subnet/subnet-0a1b2c3d4e5f60718` (type `ec2:Subnet`) is not part of the Data Catalog"),
        "{}",
        subnet.message
    );
}

#[test]
fn settings_make_a_catalog_per_account_and_region_with_its_admins_and_default() {
    let world = scenario().world;
    let keys: Vec<(AccountId, &str)> = world
        .lake
        .catalogs
        .keys()
        .map(|(account, region)| (*account, region.as_str()))
        .collect();
    assert_eq!(
        keys,
        [(account(PRODUCER), REGION), (account(CONSUMER), REGION)]
    );
    let producer = world.lake.catalog(account(PRODUCER), REGION).unwrap();
    assert_eq!(
        producer.admins,
        [
            "arn:aws:iam::222222222222:role/LakeAdmin",
            "arn:aws:iam::222222222222:user/platform-oncall",
        ]
    );
    // Both default lists are empty: Lake Formation permissions decide.
    assert!(!producer.iam_allowed_by_default);
    let consumer = world.lake.catalog(account(CONSUMER), REGION).unwrap();
    assert_eq!(
        consumer.admins,
        ["arn:aws:iam::333333333333:role/AnalyticsLakeAdmin"]
    );
    // Both lists hold IAM_ALLOWED_PRINCIPALS with ALL: "Use only IAM access control".
    assert!(consumer.iam_allowed_by_default);
    assert!(consumer.databases.is_empty() && consumer.tables.is_empty());
    // The accounts exist in the world, outside any organization.
    assert!(world.accounts.contains_key(&account(PRODUCER)));
    assert!(world.accounts.contains_key(&account(CONSUMER)));
}

#[test]
fn every_modelled_list_permissions_row_becomes_a_grant_of_the_producer() {
    let world = scenario().world;
    let producer: Vec<Grant> = world
        .lake
        .grants
        .iter()
        .filter(|grant| grant.origin.contains("222222222222/eu-west-1/"))
        .cloned()
        .collect();
    let p = account(PRODUCER);
    let to_consumer = GrantPrincipal::Account(account(CONSUMER));
    assert_eq!(
        grant_tuples(&producer),
        [
            (
                p,
                to_consumer.clone(),
                database(PRODUCER, "sales"),
                vec![Permission::Describe],
                vec![Permission::Describe],
            ),
            // TableWithColumns `ALL_TABLES` with ColumnWildcard: every column of every table.
            (
                p,
                to_consumer.clone(),
                table(PRODUCER, "sales", None),
                vec![Permission::Select],
                vec![Permission::Select],
            ),
            // Table with TableWildcard.
            (
                p,
                to_consumer,
                table(PRODUCER, "sales", None),
                vec![Permission::Describe],
                vec![Permission::Describe],
            ),
            (
                p,
                role(PRODUCER, "ReportingRole"),
                GrantResource::Table {
                    catalog: p,
                    database: "sales".to_owned(),
                    table: TableName::Named("orders".to_owned()),
                    columns: Some(vec![
                        "order_id".to_owned(),
                        "order_date".to_owned(),
                        "amount".to_owned(),
                    ]),
                    excluded: Vec::new(),
                },
                vec![Permission::Select],
                vec![],
            ),
            // ColumnWildcard with exclusions: every column but those.
            (
                p,
                role(PRODUCER, "ReportingRole"),
                GrantResource::Table {
                    catalog: p,
                    database: "sales".to_owned(),
                    table: TableName::Named("customers".to_owned()),
                    columns: None,
                    excluded: vec!["email".to_owned(), "phone".to_owned()],
                },
                vec![Permission::Select],
                vec![],
            ),
            (
                p,
                role(PRODUCER, "GlueEtlRole"),
                GrantResource::DataLocation {
                    catalog: p,
                    path: "s3://lake-b-data/sales".to_owned(),
                },
                vec![Permission::DataLocationAccess],
                vec![],
            ),
            (
                p,
                role(PRODUCER, "GlueEtlRole"),
                GrantResource::Catalog { catalog: p },
                vec![Permission::CreateDatabase],
                vec![],
            ),
            (
                p,
                GrantPrincipal::IamAllowedPrincipals,
                database(PRODUCER, "legacy"),
                vec![Permission::All],
                vec![],
            ),
            // On an LF-Tag expression: the tables tagged domain=finance.
            (
                p,
                GrantPrincipal::Account(account(CONSUMER)),
                GrantResource::TagPolicy {
                    catalog: p,
                    resource_type: xacct_lake::TagResourceType::Table,
                    expression: xacct_lake::TagExpression(vec![xacct_lake::TagCondition {
                        key: "domain".to_owned(),
                        values: vec!["finance".to_owned()],
                    }]),
                },
                vec![Permission::Select, Permission::Describe],
                vec![Permission::Select, Permission::Describe],
            ),
            // No `CatalogId`: the grantor's own catalog.
            (
                p,
                GrantPrincipal::Principal("arn:aws:iam::222222222222:user/hr-admin".to_owned()),
                table(PRODUCER, "hr", Some("salaries")),
                vec![Permission::Alter, Permission::Drop, Permission::Describe],
                vec![],
            ),
        ]
    );
    // Each grant says where its row is.
    assert!(
        producer[0]
            .origin
            .ends_with("scenario/222222222222/eu-west-1/lakeformation-permissions.json:3:9"),
        "{}",
        producer[0].origin
    );
    assert!(
        producer[9]
            .origin
            .ends_with("lakeformation-permissions.json:222:9"),
        "{}",
        producer[9].origin
    );
}

#[test]
fn a_consumer_export_holds_its_regrants_and_the_grants_it_received() {
    let world = scenario().world;
    let consumer: Vec<Grant> = world
        .lake
        .grants
        .iter()
        .filter(|grant| grant.origin.contains("333333333333/eu-west-1/"))
        .cloned()
        .collect();
    assert_eq!(
        grant_tuples(&consumer),
        [
            // A grant to the consumer's own account on the producer's catalog is the
            // producer's grant, seen from the consumer.
            (
                account(PRODUCER),
                GrantPrincipal::Account(account(CONSUMER)),
                database(PRODUCER, "sales"),
                vec![Permission::Describe],
                vec![Permission::Describe],
            ),
            // The consumer's administrator passes the shared tables on to its analyst.
            (
                account(CONSUMER),
                role(CONSUMER, "AnalystRole"),
                table(PRODUCER, "sales", None),
                vec![Permission::Select],
                vec![],
            ),
            (
                account(CONSUMER),
                role(CONSUMER, "AnalystRole"),
                table(PRODUCER, "sales", None),
                vec![Permission::Describe],
                vec![],
            ),
            (
                account(CONSUMER),
                role(CONSUMER, "AnalystRole"),
                database(CONSUMER, "sales_link"),
                vec![Permission::Describe],
                vec![],
            ),
        ]
    );
}

#[test]
fn the_glue_catalog_policy_is_read_from_its_string_into_a_file_of_its_own() {
    let world = scenario().world;
    let keys: Vec<&(AccountId, String)> = world.catalog_policies.keys().collect();
    assert_eq!(keys, [&(account(PRODUCER), REGION.to_owned())]);
    let policy = &world.catalog_policies[&(account(PRODUCER), REGION.to_owned())];
    assert_eq!(
        policy.label,
        "Glue catalog policy of 222222222222 (eu-west-1)"
    );
    assert_eq!(policy.policy.kind, xacct_policy::PolicyKind::Resource);
    let sids: Vec<&str> = policy
        .policy
        .statements
        .iter()
        .map(|statement| statement.sid.as_ref().unwrap().value.as_str())
        .collect();
    assert_eq!(
        sids,
        [
            "AnalyticsReadsSalesMetadata",
            "LakeFormationSharesThroughRam"
        ]
    );
    let source = policy.source.as_ref().unwrap();
    assert!(
        source
            .name
            .ends_with("222222222222/eu-west-1/glue-resource-policy.json (PolicyInJson)"),
        "{}",
        source.name
    );
    assert!(source
        .text()
        .starts_with("{\n  \"Version\" : \"2012-10-17\""));
}

#[test]
fn ram_bundles_become_shares_of_glue_resources_with_principals_and_invitations() {
    let world = scenario().world;
    let names: Vec<&str> = world
        .lake
        .shares
        .iter()
        .map(|share| share.name.as_str())
        .collect();
    // The DELETED share is left out.
    assert_eq!(names, ["LakeFormation-V4-7RQ2K9XW1M", "shared-subnets"]);
    let sales = &world.lake.shares[0];
    assert_eq!(sales.owner, account(PRODUCER));
    assert_eq!(sales.arn.as_deref(), Some(SALES_SHARE));
    assert_eq!(
        sales.resources,
        [
            "arn:aws:glue:eu-west-1:222222222222:database/sales",
            "arn:aws:glue:eu-west-1:222222222222:table/sales/*",
            "arn:aws:glue:eu-west-1:222222222222:catalog",
        ]
    );
    assert_eq!(
        sales.principals,
        [GrantPrincipal::Account(account(CONSUMER))]
    );
    assert!(sales.allow_external_principals);
    // The invitation comes from the consumer's own bundle, imported after the producer's.
    assert_eq!(
        sales.invitations,
        BTreeMap::from([(account(CONSUMER), InvitationState::Accepted)])
    );
    assert_eq!(
        sales.invitation_arns[&account(CONSUMER)],
        "arn:aws:ram:eu-west-1:222222222222:resource-share-invitation/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819"
    );
    assert!(
        sales
            .origin
            .ends_with("222222222222/eu-west-1/ram-resource-shares.json:3:9"),
        "{}",
        sales.origin
    );
    // A share of subnets keeps its principals but no resource: xacct models Glue shares only.
    let subnets = &world.lake.shares[1];
    assert!(subnets.resources.is_empty());
    assert!(!subnets.allow_external_principals);
    assert_eq!(
        subnets.principals,
        [GrantPrincipal::Unit {
            arn: "arn:aws:organizations::999999999999:ou/o-a1b2c3d4e5/ou-a1b2-k3m4n5p6".to_owned(),
            id: "ou-a1b2-k3m4n5p6".to_owned(),
        }]
    );
}

fn orders() -> Target {
    Target::Table(TableRef {
        account: account(PRODUCER),
        region: REGION.to_owned(),
        database: "sales".to_owned(),
        table: "orders".to_owned(),
    })
}

fn requester(arn: &str) -> Requester {
    Requester {
        arn: arn.to_owned(),
        account: arn.split(':').nth(4).unwrap().parse().unwrap(),
        organization: None,
        organization_path: None,
    }
}

#[test]
fn the_imported_lake_decides_who_reads_the_shared_table() {
    let world = scenario().world;
    // Across accounts: the producer's grant with grant option, the accepted RAM share, and
    // the consumer administrator's re-grant.
    let verdict = world
        .lake
        .permits(&requester(ANALYST), &orders(), &[Permission::Select]);
    let Verdict::Granted { by } = &verdict else {
        panic!("{verdict:?}");
    };
    assert!(
        by.contains("RAM share `LakeFormation-V4-7RQ2K9XW1M` of 222222222222 reaches 333333333333: its invitation is accepted"),
        "{by}"
    );
    // Another role of the consumer has no re-grant.
    let verdict = world.lake.permits(
        &requester("arn:aws:iam::333333333333:role/Intern"),
        &orders(),
        &[Permission::Select],
    );
    let Verdict::Missing { missing, .. } = &verdict else {
        panic!("{verdict:?}");
    };
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].grantor, account(CONSUMER));
    // In the producer's account: the column grant on `orders` counts, and an administrator
    // sees every table.
    assert!(world
        .lake
        .permits(
            &requester("arn:aws:iam::222222222222:role/ReportingRole"),
            &orders(),
            &[Permission::Select],
        )
        .allowed());
    assert!(world
        .lake
        .permits(
            &requester("arn:aws:iam::222222222222:role/LakeAdmin"),
            &orders(),
            &[Permission::Describe],
        )
        .allowed());
    assert!(!world
        .lake
        .permits(
            &requester("arn:aws:iam::222222222222:role/LakeAdmin"),
            &orders(),
            &[Permission::Select],
        )
        .allowed());
}

#[test]
fn without_the_consumers_invitations_the_share_waits_for_them() {
    let loaded = manifest(
        "[[import]]\nkind = \"ram-resource-shares\"\npath = \"222222222222/eu-west-1/ram-resource-shares.json\"\naccount = \"222222222222\"\n",
    );
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let state = loaded
        .world
        .lake
        .share_state(account(PRODUCER), &requester(ANALYST), "sales");
    let ShareState::Pending {
        share,
        account: waiting,
        ..
    } = &state
    else {
        panic!("{state:?}");
    };
    assert_eq!(share.as_deref(), Some("LakeFormation-V4-7RQ2K9XW1M"));
    assert_eq!(*waiting, account(CONSUMER));
}

#[test]
fn invitations_before_their_share_are_left_out_with_a_warning() {
    let loaded = manifest(
        "[[import]]\nkind = \"ram-resource-shares\"\npath = \"333333333333/eu-west-1/ram-invitations.json\"\n",
    );
    assert_eq!(
        places(&loaded),
        [(
            "unknown-resource-share",
            "scenario/333333333333/eu-west-1/ram-invitations.json:6:33".to_owned()
        )],
        "{}",
        listing(&loaded)
    );
    assert!(loaded.findings[0]
        .finding
        .help
        .as_deref()
        .unwrap()
        .contains("before this one"));
    assert!(loaded.world.lake.shares.is_empty());
}

#[test]
fn findings_in_broken_exports_point_at_their_place() {
    let loaded = load(&fixtures().join("broken")).unwrap();
    assert!(loaded.has_errors());
    let permissions = "broken/lakeformation-permissions.json";
    let settings = "broken/lake-settings.json";
    let ram = "broken/ram-resource-shares.json";
    let found = places(&loaded);
    let expected: Vec<(&str, String)> = vec![
        ("truncated-export", format!("{permissions}:133:18")),
        // `"READ"` in `Permissions`.
        ("unknown-lake-permission", format!("{permissions}:16:17")),
        // An IAM group is no Lake Formation principal.
        ("invalid-lake-principal", format!("{permissions}:22:48")),
        ("unmodelled-lake-resource", format!("{permissions}:43:39")),
        ("unknown-export-key", format!("{permissions}:63:13")),
        ("unmodelled-lake-permission", format!("{permissions}:60:17")),
        // A Glue ARN where an S3 location belongs.
        ("invalid-arn", format!("{permissions}:71:36")),
        ("unmodelled-catalog", format!("{permissions}:85:34")),
        ("unmodelled-lake-condition", format!("{permissions}:106:26")),
        ("invalid-export-value", format!("{permissions}:118:25")),
        ("invalid-lake-principal", format!("{settings}:8:48")),
        // The allow list names accounts.
        ("invalid-lake-principal", format!("{settings}:25:48")),
        ("mixed-lake-defaults", format!("{settings}:21:42")),
        ("unknown-resource-share", format!("{ram}:15:33")),
        ("invalid-share-principal", format!("{ram}:21:19")),
        ("invalid-invitation-state", format!("{ram}:32:23")),
        // `"Effect": "Allowed"` in the policy string: a place in the decoded text.
        (
            "invalid-effect",
            "broken/glue-resource-policy.json (PolicyInJson):4:16".to_owned(),
        ),
    ];
    assert_eq!(found, expected, "{}", listing(&loaded));

    let finding = |code: &str| {
        &loaded
            .findings
            .iter()
            .find(|finding| finding.finding.code == code)
            .unwrap()
            .finding
    };
    let unknown = finding("unknown-lake-permission");
    assert_eq!(unknown.severity, Severity::Error);
    assert!(
        unknown
            .message
            .starts_with("`READ` is not a Lake Formation permission"),
        "{}",
        unknown.message
    );
    assert!(unknown.help.as_deref().unwrap().contains("`SELECT`"));
    let principal = finding("invalid-lake-principal");
    assert_eq!(
        principal.message,
        "`arn:aws:iam::222222222222:group/Analysts` is not a Lake Formation principal xacct knows"
    );
    assert!(principal
        .help
        .as_deref()
        .unwrap()
        .contains("IAM_ALLOWED_PRINCIPALS"));
    let lf_tag = finding("unmodelled-lake-resource");
    assert_eq!(lf_tag.severity, Severity::Warning);
    assert!(
        lf_tag.message.contains("saved LF-Tag expression"),
        "{}",
        lf_tag.message
    );

    // What survives: the valid permission of a row with an unknown one, the modelled
    // permission of a row with an LF-Tag one. Nothing else.
    assert_eq!(
        grant_tuples(&loaded.world.lake.grants),
        [
            (
                account(PRODUCER),
                role(PRODUCER, "ReportingRole"),
                table(PRODUCER, "sales", Some("orders")),
                vec![Permission::Select],
                vec![],
            ),
            (
                account(PRODUCER),
                role(PRODUCER, "GlueEtlRole"),
                GrantResource::Catalog {
                    catalog: account(PRODUCER)
                },
                vec![Permission::CreateDatabase],
                vec![],
            ),
        ]
    );
    // The administrator that is not an ARN is left out; the tables' default wins.
    let catalog = loaded
        .world
        .lake
        .catalog(account(PRODUCER), "us-east-1")
        .unwrap();
    assert_eq!(catalog.admins, ["arn:aws:iam::222222222222:role/LakeAdmin"]);
    assert!(!catalog.iam_allowed_by_default);
    // The share keeps nothing that was wrong; the policy AWS would refuse is not stored.
    let share = &loaded.world.lake.shares[0];
    assert!(share.resources.is_empty() && share.principals.is_empty());
    assert!(share.invitations.is_empty());
    assert!(loaded.world.catalog_policies.is_empty());
}

#[test]
fn lake_imports_need_the_account_the_export_is_of() {
    let loaded = manifest(
        "[[import]]\nkind = \"lakeformation-permissions\"\npath = \"222222222222/eu-west-1/lakeformation-permissions.json\"\n\n\
         [[import]]\nkind = \"lakeformation-settings\"\npath = \"222222222222/eu-west-1/lake-settings.json\"\n\n\
         [[import]]\nkind = \"glue-resource-policy\"\npath = \"222222222222/eu-west-1/glue-resource-policy.json\"\n\n\
         [[import]]\nkind = \"ram-resource-shares\"\npath = \"333333333333/eu-west-1/ram-invitations.json\"\naccount = \"33333333333x\"\n",
    );
    assert_eq!(
        places(&loaded),
        [
            ("incomplete-import", "xacct.toml:2:8".to_owned()),
            ("incomplete-import", "xacct.toml:6:8".to_owned()),
            ("incomplete-import", "xacct.toml:10:8".to_owned()),
            ("invalid-account", "xacct.toml:14:8".to_owned()),
        ],
        "{}",
        listing(&loaded)
    );
    let first = &loaded.findings[0].finding;
    assert_eq!(
        first.message,
        "a lakeformation-permissions import needs `account`: list-permissions does not say whose Lake Formation holds the grants"
    );
    assert!(first
        .help
        .as_deref()
        .unwrap()
        .starts_with("add `account = \"ACCOUNT ID\"`"));
    assert!(loaded.world.lake.grants.is_empty());
    assert!(loaded.world.lake.catalogs.is_empty());
    assert!(loaded.world.catalog_policies.is_empty());
}

#[test]
fn region_is_checked_and_said_to_be_unused_where_it_has_no_effect() {
    let loaded = manifest(
        "[[import]]\nkind = \"lakeformation-permissions\"\npath = \"222222222222/eu-west-1/lakeformation-permissions.json\"\naccount = \"222222222222\"\nregion = \"eu-west-1\"\n\n\
         [[import]]\nkind = \"lakeformation-settings\"\npath = \"222222222222/eu-west-1/lake-settings.json\"\naccount = \"222222222222\"\nregion = \"Ireland\"\n",
    );
    let found: Vec<(&str, Severity, String)> = loaded
        .findings
        .iter()
        .filter(|finding| finding.source.name == "xacct.toml")
        .map(|finding| {
            (
                finding.finding.code,
                finding.finding.severity,
                finding.location(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "unused-import-key",
                Severity::Warning,
                "xacct.toml:2:8".to_owned()
            ),
            (
                "invalid-region",
                Severity::Error,
                "xacct.toml:8:8".to_owned()
            ),
        ],
        "{}",
        listing(&loaded)
    );
    // The grants are read all the same; the settings with a bad Region are not.
    assert_eq!(loaded.world.lake.grants.len(), 10);
    assert!(loaded.world.lake.catalogs.is_empty());
}

#[test]
fn an_export_of_another_kind_is_an_error_that_says_how_to_make_the_right_one() {
    let loaded = manifest(
        "[[import]]\nkind = \"lakeformation-permissions\"\npath = \"222222222222/eu-west-1/lake-settings.json\"\naccount = \"222222222222\"\n",
    );
    let finding = &loaded.findings[0];
    assert_eq!(finding.finding.code, "invalid-export");
    assert!(
        finding.location().ends_with("lake-settings.json:1:1"),
        "{}",
        finding.location()
    );
    assert_eq!(
        finding.finding.help.as_deref(),
        Some("run `aws lakeformation list-permissions --catalog-id 222222222222 --output json > FILE` with credentials of a data lake administrator of 222222222222")
    );
    // And the kinds an import may name include the lake's.
    let loaded = manifest("[[import]]\nkind = \"lakeformation\"\npath = \"x.json\"\n");
    let help = loaded.findings[0].finding.help.as_deref().unwrap();
    for kind in [
        "lakeformation-permissions",
        "lakeformation-settings",
        "glue-resource-policy",
        "ram-resource-shares",
    ] {
        assert!(help.contains(kind), "{help}");
    }
}

/// A folder of files written on the fly, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("xacct-lake-{name}-{}", std::process::id()));
        for (path, text) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_plain_forms_the_cli_prints_with_query_are_read_too() {
    let dir = TempDir::new(
        "plain",
        &[
            (
                "settings.json",
                r#"{"DataLakeAdmins": [{"DataLakePrincipalIdentifier": "arn:aws:iam::444444444444:role/Admin"}], "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []}"#,
            ),
            (
                "policy.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "555555555555"}, "Action": "glue:GetTable", "Resource": "arn:aws:glue:us-east-1:444444444444:table/x/*"}]}"#,
            ),
        ],
    );
    let text = "[[import]]\nkind = \"lakeformation-settings\"\npath = \"settings.json\"\naccount = \"444444444444\"\n\n\
                [[import]]\nkind = \"glue-resource-policy\"\npath = \"policy.json\"\naccount = \"444444444444\"\n";
    let loaded = load_text(SourceFile::new("xacct.toml", text), &dir.0);
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    // No `region`: us-east-1.
    let catalog = loaded
        .world
        .lake
        .catalog(account("444444444444"), "us-east-1")
        .unwrap();
    assert_eq!(catalog.admins, ["arn:aws:iam::444444444444:role/Admin"]);
    assert!(!catalog.iam_allowed_by_default);
    let policy = &loaded.world.catalog_policies[&(account("444444444444"), "us-east-1".to_owned())];
    // Read in place: its spans point into the file.
    assert!(policy
        .source
        .as_ref()
        .unwrap()
        .name
        .ends_with("policy.json"));
}

#[test]
fn a_manifest_is_written_for_a_folder_of_lake_exports() {
    let folder = fixtures().join("scenario");
    let text = xacct_world::import::manifest_for(std::slice::from_ref(&folder), &folder).unwrap();
    let expected = "\
[[import]]
kind = \"lakeformation-settings\"
path = \"222222222222/eu-west-1/lake-settings.json\"
account = \"222222222222\"
region = \"eu-west-1\"

[[import]]
kind = \"lakeformation-settings\"
path = \"333333333333/eu-west-1/lake-settings.json\"
account = \"333333333333\"
region = \"eu-west-1\"

[[import]]
kind = \"glue-resource-policy\"
path = \"222222222222/eu-west-1/glue-resource-policy.json\"
account = \"222222222222\"
region = \"eu-west-1\"

[[import]]
kind = \"lakeformation-permissions\"
path = \"222222222222/eu-west-1/lakeformation-permissions.json\"
account = \"222222222222\"

[[import]]
kind = \"lakeformation-permissions\"
path = \"333333333333/eu-west-1/lakeformation-permissions.json\"
account = \"333333333333\"

[[import]]
kind = \"ram-resource-shares\"
path = \"222222222222/eu-west-1/ram-resource-shares.json\"

[[import]]
kind = \"ram-resource-shares\"
path = \"333333333333/eu-west-1/ram-invitations.json\"
";
    assert!(text.ends_with(expected), "{text}");
    // The written manifest loads the same lake as the hand-written one.
    let written = load_text(SourceFile::new("xacct.toml", text), &folder);
    let original = scenario();
    assert_eq!(places(&written), places(&original));
    assert_eq!(
        grant_tuples(&written.world.lake.grants),
        grant_tuples(&original.world.lake.grants)
    );
    assert_eq!(written.world.lake.shares, original.world.lake.shares);
    assert_eq!(
        written.world.lake.catalogs.keys().collect::<Vec<_>>(),
        original.world.lake.catalogs.keys().collect::<Vec<_>>()
    );
    assert_eq!(written.world.catalog_policies.len(), 1);
}

#[test]
fn without_account_folders_the_manifest_writer_reads_the_account_from_the_content() {
    let dir = TempDir::new(
        "detect",
        &[
            (
                "settings.json",
                r#"{"DataLakeSettings": {"DataLakeAdmins": [{"DataLakePrincipalIdentifier": "arn:aws:iam::444444444444:role/Admin"}]}}"#,
            ),
            (
                "policy.json",
                r#"{"PolicyInJson": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"555555555555\"},\"Action\":\"glue:GetTable\",\"Resource\":\"arn:aws:glue:ap-south-1:444444444444:table/x/*\"}]}", "PolicyHash": "abc"}"#,
            ),
            (
                "grants.json",
                r#"{"PrincipalResourcePermissions": [{"Principal": {"DataLakePrincipalIdentifier": "555555555555"}, "Resource": {"Database": {"CatalogId": "444444444444", "Name": "x"}}, "Permissions": ["DESCRIBE"]}]}"#,
            ),
            (
                "ram.json",
                r#"{"resourceShares": [], "resources": [], "principals": []}"#,
            ),
        ],
    );
    let text = xacct_world::import::manifest_for(std::slice::from_ref(&dir.0), &dir.0).unwrap();
    let expected = "\
[[import]]
kind = \"lakeformation-settings\"
path = \"settings.json\"
account = \"444444444444\"

[[import]]
kind = \"glue-resource-policy\"
path = \"policy.json\"
account = \"444444444444\"
region = \"ap-south-1\"

[[import]]
kind = \"lakeformation-permissions\"
path = \"grants.json\"
account = \"444444444444\"

[[import]]
kind = \"ram-resource-shares\"
path = \"ram.json\"
";
    assert!(text.ends_with(expected), "{text}");
    let loaded = load_text(SourceFile::new("xacct.toml", text), &dir.0);
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    assert_eq!(loaded.world.lake.grants.len(), 1);

    // Settings that name no administrator, outside an account's folder: the writer cannot
    // tell whose they are.
    let orphan = TempDir::new(
        "orphan",
        &[(
            "settings.json",
            r#"{"DataLakeSettings": {"DataLakeAdmins": [], "CreateTableDefaultPermissions": []}}"#,
        )],
    );
    let error =
        xacct_world::import::manifest_for(std::slice::from_ref(&orphan.0), &orphan.0).unwrap_err();
    assert!(
        error.contains("which account these Lake Formation settings are of is unknown"),
        "{error}"
    );
}

#[test]
fn importing_settings_or_a_catalog_policy_twice_says_the_second_replaces_the_first() {
    let settings = "kind = \"lakeformation-settings\"\npath = \"222222222222/eu-west-1/lake-settings.json\"\naccount = \"222222222222\"\nregion = \"eu-west-1\"\n";
    let policy = "kind = \"glue-resource-policy\"\npath = \"222222222222/eu-west-1/glue-resource-policy.json\"\naccount = \"222222222222\"\nregion = \"eu-west-1\"\n";
    let loaded = manifest(&format!(
        "[[import]]\n{settings}\n[[import]]\n{settings}\n[[import]]\n{policy}\n[[import]]\n{policy}"
    ));
    let codes: Vec<&str> = loaded
        .findings
        .iter()
        .map(|finding| finding.finding.code)
        .collect();
    assert_eq!(
        codes,
        ["duplicate-lake-settings", "duplicate-catalog-policy"],
        "{}",
        listing(&loaded)
    );
    assert_eq!(
        loaded.findings[0].finding.message,
        "the Lake Formation settings of 222222222222 (eu-west-1) were imported before: these replace them"
    );
    assert_eq!(loaded.world.lake.catalogs.len(), 1);
    assert_eq!(
        loaded.world.lake.catalogs[&(account(PRODUCER), REGION.to_owned())]
            .admins
            .len(),
        2
    );
    assert_eq!(loaded.world.catalog_policies.len(), 1);
}

#[test]
fn the_application_integration_settings_are_read_as_stated() {
    let dir = TempDir::new(
        "engines",
        &[(
            "settings.json",
            r#"{"DataLakeSettings": {"DataLakeAdmins": [], "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": [],
                "AllowExternalDataFiltering": true,
                "ExternalDataFilteringAllowList": [{"DataLakePrincipalIdentifier": "555555555555"}, {"DataLakePrincipalIdentifier": "444444444444"}],
                "AuthorizedSessionTagValueList": ["Amazon EMR", "engine's \"quoted\" $(value)"],
                "AllowFullTableExternalDataAccess": false}}"#,
        )],
    );
    let text = "[[import]]\nkind = \"lakeformation-settings\"\npath = \"settings.json\"\naccount = \"444444444444\"\nregion = \"eu-west-1\"\n";
    let loaded = load_text(SourceFile::new("xacct.toml", text), &dir.0);
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    let engines = loaded
        .world
        .lake
        .external_engines(account("444444444444"), "eu-west-1");
    assert!(engines.allow_filtering);
    assert!(!engines.allow_full_table);
    assert_eq!(
        engines.filtering_accounts,
        [account("555555555555"), account("444444444444")]
    );
    assert_eq!(
        engines.session_tag_values,
        ["Amazon EMR", "engine's \"quoted\" $(value)"]
    );
    // Another Region's settings are their own: all off.
    assert_eq!(
        loaded
            .world
            .lake
            .external_engines(account("444444444444"), "us-east-1"),
        xacct_lake::ExternalEngines::default()
    );
}
