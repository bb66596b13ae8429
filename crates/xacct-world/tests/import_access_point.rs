//! S3 access points read from `aws s3control list-access-points` and
//! `get-access-point-policy`, as the CLI prints them.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot write its files fails"
)]

use std::path::PathBuf;
use xacct_world::access_point::NetworkOrigin;
use xacct_world::{load, Loaded};

const LIST: &str = r#"{
    "AccessPointList": [
        {
            "Name": "analytics-ap",
            "NetworkOrigin": "Internet",
            "Bucket": "sales-data",
            "AccessPointArn": "arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap",
            "Alias": "analytics-ap-abcdefghijklmnopqrstuvwxyz0123euw1a-s3alias",
            "BucketAccountId": "222222222222"
        },
        {
            "Name": "ingest-ap",
            "NetworkOrigin": "VPC",
            "VpcConfiguration": {"VpcId": "vpc-0a1b2c3d4e5f60718"},
            "Bucket": "sales-data",
            "AccessPointArn": "arn:aws:s3:eu-west-1:222222222222:accesspoint/ingest-ap",
            "Alias": "ingest-ap-abcdefghijklmnopqrstuvwxyz01234euw1a-s3alias",
            "BucketAccountId": "222222222222"
        }
    ]
}"#;

const POLICY: &str = r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:role/reader\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap/object/*\"}]}"}"#;

/// A scenario folder with the two exports and `manifest`.
fn scenario(name: &str, manifest: &str) -> Loaded {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "xacct-import-access-point-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("access-points.json"), LIST).unwrap();
    std::fs::write(dir.join("analytics-ap.policy.json"), POLICY).unwrap();
    std::fs::write(dir.join("xacct.toml"), manifest).unwrap();
    let loaded = load(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    loaded
}

const BOTH: &str = r#"
[[import]]
kind = "access-points"
path = "access-points.json"

[[import]]
kind = "access-point-policy"
path = "analytics-ap.policy.json"
access_point = "arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap"

[[bucket]]
name = "sales-data"
account = "222222222222"
region = "eu-west-1"
"#;

#[test]
fn access_points_and_their_policy_are_imported() {
    let loaded = scenario("both", BOTH);
    assert!(!loaded.has_errors(), "{:?}", loaded.findings);
    let world = &loaded.world;
    let analytics = world
        .access_points
        .get("arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap")
        .unwrap();
    assert_eq!(analytics.bucket, "sales-data");
    assert_eq!(analytics.network_origin, NetworkOrigin::Internet);
    assert!(analytics.policy.is_some());
    assert_eq!(
        analytics.alias.as_deref(),
        Some("analytics-ap-abcdefghijklmnopqrstuvwxyz0123euw1a-s3alias")
    );
    let ingest = world
        .access_points
        .get("arn:aws:s3:eu-west-1:222222222222:accesspoint/ingest-ap")
        .unwrap();
    assert_eq!(
        ingest.network_origin,
        NetworkOrigin::Vpc("vpc-0a1b2c3d4e5f60718".to_owned())
    );
    assert!(ingest.policy.is_none());
    assert!(ingest.block_public_access.restrict_public_buckets);
}

#[test]
fn a_policy_before_its_access_point_is_an_error_with_the_fix() {
    let loaded = scenario(
        "order",
        r#"
[[import]]
kind = "access-point-policy"
path = "analytics-ap.policy.json"
access_point = "arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap"
"#,
    );
    let finding = loaded
        .findings
        .iter()
        .find(|finding| finding.finding.code == "unknown-access-point")
        .unwrap();
    assert!(finding
        .finding
        .help
        .as_deref()
        .unwrap()
        .contains("list-access-points"));
}

#[test]
fn a_policy_import_without_its_access_point_is_incomplete() {
    let loaded = scenario(
        "incomplete",
        r#"
[[import]]
kind = "access-point-policy"
path = "analytics-ap.policy.json"
"#,
    );
    assert!(loaded
        .findings
        .iter()
        .any(|finding| finding.finding.code == "incomplete-import"));
}

/// A folder laid out as `xacct collect` writes it, for `xacct import DIR`.
fn collected_folder(name: &str, with_list: bool) -> PathBuf {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "xacct-detect-access-point-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let region = dir.join("222222222222").join("eu-west-1");
    std::fs::create_dir_all(&region).unwrap();
    if with_list {
        std::fs::write(region.join("access-points.json"), LIST).unwrap();
    }
    std::fs::write(region.join("analytics-ap.access-point-policy.json"), POLICY).unwrap();
    dir
}

#[test]
fn import_tells_access_points_and_their_policies_by_shape_and_name() {
    let dir = collected_folder("listed", true);
    let manifest = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir).unwrap();
    let list = manifest.find("kind = \"access-points\"").unwrap();
    let policy = manifest.find("kind = \"access-point-policy\"").unwrap();
    assert!(
        list < policy,
        "the policy after its access point:\n{manifest}"
    );
    assert!(
        manifest.contains(
            "access_point = \"arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap\""
        ),
        "{manifest}"
    );
    std::fs::write(
        dir.join("xacct.toml"),
        format!("{manifest}\n[[bucket]]\nname = \"sales-data\"\naccount = \"222222222222\"\nregion = \"eu-west-1\"\n"),
    )
    .unwrap();
    let loaded = load(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!loaded.has_errors(), "{:?}", loaded.findings);
    let analytics = loaded
        .world
        .access_points
        .get("arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap")
        .unwrap();
    assert!(analytics.policy.is_some());
}

#[test]
fn a_policy_without_its_list_takes_its_arn_from_the_folders() {
    let dir = collected_folder("folders", false);
    let manifest = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        manifest.contains(
            "access_point = \"arn:aws:s3:eu-west-1:222222222222:accesspoint/analytics-ap\""
        ),
        "{manifest}"
    );
}

#[test]
fn a_policy_outside_account_and_region_folders_is_an_error() {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "xacct-detect-access-point-loose-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("analytics-ap.access-point-policy.json"), POLICY).unwrap();
    let error = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        error.contains("which access point this policy belongs to is unknown"),
        "{error}"
    );
}

#[test]
fn a_policy_file_not_named_after_an_access_point_is_an_error() {
    let dir = collected_folder("badname", false);
    let region = dir.join("222222222222").join("eu-west-1");
    std::fs::rename(
        region.join("analytics-ap.access-point-policy.json"),
        region.join("a\"b;$(id).access-point-policy.json"),
    )
    .unwrap();
    let error = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(error.contains("is not an access point name"), "{error}");
}
