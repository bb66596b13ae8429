//! LF-Tags, their assignments, data cell filters and the grants on them, read from what
//! `aws lakeformation list-lf-tags`, `get-resource-lf-tags`, `list-data-cells-filter`,
//! `list-permissions` and `get-data-lake-settings` print, then deciding column reads.
mod common;

use common::{account, listing};
use xacct_lake::{FilterColumns, Permission, Requester, RowFilter, TableRef, Target, Verdict};
use xacct_world::Loaded;

const OWNER: &str = "444444444444";
const REGION: &str = "eu-west-1";

fn scenario() -> Loaded {
    common::scenario_in(&common::fixtures("lake-tags"))
}

fn requester(name: &str) -> Requester {
    Requester {
        arn: format!("arn:aws:iam::{OWNER}:role/{name}"),
        account: account(OWNER),
        organization: None,
        organization_path: None,
    }
}

fn column(name: &str) -> Target {
    Target::Column {
        table: TableRef {
            account: account(OWNER),
            region: REGION.to_owned(),
            database: "hr".to_owned(),
            table: "staff".to_owned(),
        },
        column: name.to_owned(),
    }
}

#[test]
fn the_exports_load_into_tags_assignments_filters_and_the_version() {
    let loaded = scenario();
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    let governance = loaded
        .world
        .lake
        .governance(account(OWNER), REGION)
        .unwrap();
    assert_eq!(governance.cross_account_version, Some(2));
    assert_eq!(
        governance.keys.get("confidentiality").unwrap(),
        &vec!["low".to_owned(), "high".to_owned()]
    );
    assert_eq!(
        governance
            .column_tags("hr", "staff", "salary")
            .get("confidentiality"),
        Some(&"high".to_owned())
    );
    assert_eq!(
        governance.known_columns("hr", "staff"),
        vec!["employee_id".to_owned(), "salary".to_owned()]
    );
    let filter = governance.filter("hr", "staff", "berlin_office").unwrap();
    assert_eq!(
        filter.rows,
        RowFilter::Expression("office = 'Berlin'".to_owned())
    );
    assert_eq!(
        filter.columns,
        FilterColumns::Excluded(vec!["salary".to_owned()])
    );
    let ids = governance.filter("hr", "staff", "ids_only").unwrap();
    assert_eq!(ids.rows, RowFilter::AllRows);
    assert_eq!(
        ids.columns,
        FilterColumns::Included(vec!["employee_id".to_owned()])
    );
}

#[test]
fn imported_tag_and_filter_grants_decide_column_reads() {
    let lake = scenario().world.lake;
    let select = [Permission::Select];
    let recruiter = requester("Recruiter");
    assert!(lake
        .permits(&recruiter, &column("employee_id"), &select)
        .allowed());
    let verdict = lake.permits(&recruiter, &column("salary"), &select);
    let Verdict::Missing { reason, .. } = verdict else {
        panic!("salary is confidentiality=high: {verdict:?}");
    };
    assert!(
        reason.contains("`confidentiality` is `high`, not low"),
        "{reason}"
    );
    let manager = requester("OfficeManager");
    let Verdict::Granted { by } = lake.permits(&manager, &column("employee_id"), &select) else {
        panic!("the filter admits employee_id");
    };
    assert!(by.contains("rows where `office = 'Berlin'`"), "{by}");
    assert!(!lake.permits(&manager, &column("salary"), &select).allowed());
}

#[test]
fn resource_tags_need_the_resource_they_are_of() {
    let loaded = common::manifest_in(
        &common::fixtures("lake-tags"),
        "[[import]]\nkind = \"lakeformation-resource-lf-tags\"\npath = \"exports/staff-tags.json\"\naccount = \"444444444444\"\n",
    );
    let codes: Vec<&str> = loaded.findings.iter().map(|f| f.finding.code).collect();
    assert_eq!(codes, ["incomplete-import"], "{}", listing(&loaded));
}

/// The file `xacct collect` writes keeps each answer with the resource it was asked of: the
/// `[[import]]` table names none, a resource without tags (`{}`) has none, and a column's
/// tag overrides its table's.
#[test]
fn collected_resource_tags_name_their_resources() {
    let loaded = common::manifest_in(
        &common::fixtures("lake-tags"),
        "[[import]]\nkind = \"lakeformation-resource-lf-tags\"\npath = \"exports/collected-resource-lf-tags.json\"\naccount = \"444444444444\"\nregion = \"eu-west-1\"\n",
    );
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    let governance = loaded
        .world
        .lake
        .governance(account(OWNER), REGION)
        .unwrap();
    assert_eq!(
        governance.database_tags("hr").get("confidentiality"),
        Some(&"low".to_owned())
    );
    assert!(governance.database_tags("scratch").is_empty());
    assert_eq!(
        governance
            .column_tags("hr", "staff", "salary")
            .get("confidentiality"),
        Some(&"high".to_owned())
    );
    assert_eq!(
        governance
            .column_tags("hr", "staff", "employee_id")
            .get("confidentiality"),
        Some(&"low".to_owned())
    );
}

/// An answer whose resource is neither a database nor a table is an error at its place, and
/// the other answers are still read.
#[test]
fn a_collected_answer_without_its_resource_is_an_error() {
    let folder =
        std::env::temp_dir().join(format!("xacct-collected-lf-tags-{}", std::process::id()));
    let scenario = folder.join("scenario");
    std::fs::create_dir_all(&scenario).unwrap();
    std::fs::write(
        scenario.join("tags.json"),
        r#"{"ResourceLFTags": [
            {"Resource": {"DataLocation": {"ResourceArn": "arn:aws:s3:::x"}}, "GetResourceLFTags": {}},
            {"Resource": {"Database": {"Name": "hr"}}, "GetResourceLFTags": {"LFTagOnDatabase": [{"TagKey": "confidentiality", "TagValues": ["low"]}]}}
        ]}"#,
    )
    .unwrap();
    let loaded = common::manifest_in(
        &folder,
        "[[import]]\nkind = \"lakeformation-resource-lf-tags\"\npath = \"tags.json\"\naccount = \"444444444444\"\nregion = \"eu-west-1\"\n",
    );
    let _ = std::fs::remove_dir_all(&folder);
    let codes: Vec<&str> = loaded.findings.iter().map(|f| f.finding.code).collect();
    assert_eq!(codes, ["invalid-export"], "{}", listing(&loaded));
    let governance = loaded
        .world
        .lake
        .governance(account(OWNER), REGION)
        .unwrap();
    assert_eq!(
        governance.database_tags("hr").get("confidentiality"),
        Some(&"low".to_owned())
    );
}
