//! The files `xacct collect` writes that the import kinds of `collected.rs` read: S3 settings,
//! KMS keys with grants and aliases, Kinesis streams, the Glue catalog's databases and tables,
//! Lake Formation's registered locations, LF-Tags and data cell filters, and the calls a collection could not make. The
//! fixtures (tests/fixtures/import/collected) are in the shapes the AWS APIs answer.
#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot read its fixture fails the test"
)]

mod common;

use common::{account, listing};
use std::path::PathBuf;
use xacct_policy::Severity;
use xacct_world::Loaded;

const OWNER: &str = "222222222222";
const KEY: &str = "arn:aws:kms:eu-west-1:222222222222:key/0b8e4c1a-7d2f-4e3b-9a61-5c4d3e2f1a0b";

fn folder() -> PathBuf {
    common::fixtures("collected").join("scenario")
}

/// The fixtures imported with the manifest `xacct import` writes for them.
fn collected() -> Loaded {
    let manifest = xacct_world::import::manifest_for(&[folder()], &folder()).unwrap();
    common::manifest_in(&common::fixtures("collected"), &manifest)
}

fn codes(loaded: &Loaded) -> Vec<&'static str> {
    loaded
        .findings
        .iter()
        .map(|finding| finding.finding.code)
        .collect()
}

#[test]
fn the_manifest_names_each_collected_file_with_its_account_and_region() {
    let manifest = xacct_world::import::manifest_for(&[folder()], &folder()).unwrap();
    for (kind, path, region) in [
        ("s3-settings", "222222222222/s3.json", None),
        (
            "kms-keys",
            "222222222222/eu-west-1/kms.json",
            Some("eu-west-1"),
        ),
        (
            "kinesis-streams",
            "222222222222/eu-west-1/kinesis.json",
            Some("eu-west-1"),
        ),
        (
            "glue-catalog",
            "222222222222/eu-west-1/glue-catalog.json",
            Some("eu-west-1"),
        ),
        (
            "lakeformation-resources",
            "222222222222/eu-west-1/lakeformation-resources.json",
            Some("eu-west-1"),
        ),
        (
            "lakeformation-lf-tags",
            "222222222222/eu-west-1/lakeformation-lf-tags.json",
            Some("eu-west-1"),
        ),
        (
            "lakeformation-data-cells-filters",
            "222222222222/eu-west-1/lakeformation-data-cells-filters.json",
            Some("eu-west-1"),
        ),
        ("collect-gaps", "222222222222/collect-gaps.json", None),
    ] {
        let mut table = format!("kind = \"{kind}\"\npath = \"{path}\"\naccount = \"{OWNER}\"\n");
        if let Some(region) = region {
            table.push_str(&format!("region = \"{region}\"\n"));
        }
        assert!(
            manifest.contains(&table),
            "{kind} missing from:\n{manifest}"
        );
    }
    // Keys before the streams whose aliases they resolve; the gaps last.
    let at = |kind: &str| manifest.find(&format!("kind = \"{kind}\"")).unwrap();
    assert!(at("kms-keys") < at("kinesis-streams"));
    assert!(at("glue-catalog") < at("collect-gaps"));
}

#[test]
fn collected_lf_tags_and_data_cell_filters_are_the_accounts_governance() {
    let loaded = collected();
    let governance = &loaded.world.lake.governance[&(account(OWNER), "eu-west-1".to_owned())];
    assert_eq!(
        governance.keys["sensitivity"],
        vec!["public".to_owned(), "restricted".to_owned()]
    );
    assert_eq!(governance.filters.len(), 1, "{}", listing(&loaded));
    assert_eq!(governance.filters[0].name, "eu_orders");
}

#[test]
fn bucket_settings_and_the_accounts_block_public_access_are_read() {
    let loaded = collected();
    let world = &loaded.world;
    let sales = &world.buckets["sales-b"];
    assert_eq!(sales.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        sales.ownership,
        xacct_s3::ObjectOwnership::BucketOwnerPreferred
    );
    assert_eq!(sales.block_public_access, xacct_s3::BlockPublicAccess::ALL);
    assert_eq!(
        sales.encryption,
        xacct_s3::DefaultEncryption::SseKms {
            key_arn: KEY.to_owned(),
            bucket_key: true
        }
    );
    // No ownership controls: a bucket from before them, where ACLs decide. No public access
    // block: every switch off. The empty LocationConstraint is us-east-1.
    let legacy = &world.buckets["legacy-b"];
    assert_eq!(legacy.region.as_deref(), Some("us-east-1"));
    assert_eq!(legacy.ownership, xacct_s3::ObjectOwnership::ObjectWriter);
    assert_eq!(
        legacy.block_public_access,
        xacct_s3::BlockPublicAccess::NONE
    );
    assert_eq!(legacy.encryption, xacct_s3::DefaultEncryption::SseS3);
    // A bucket whose settings were not read keeps AWS's defaults for new buckets.
    let unread = &world.buckets["unread-b"];
    assert_eq!(unread.region, None);
    assert_eq!(unread.block_public_access, xacct_s3::BlockPublicAccess::ALL);
    // The owner's own grant is no news; a public one is said, since xacct does not read ACLs.
    let acl: Vec<_> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.code == "unmodelled-bucket-acl")
        .collect();
    assert_eq!(acl.len(), 1, "{}", listing(&loaded));
    assert!(acl[0]
        .finding
        .message
        .contains("grants READ to `http://acs.amazonaws.com/groups/global/AllUsers`"));
    let owner = &world.accounts[&account(OWNER)];
    assert!(owner.block_public_access.block_public_acls);
    assert!(!owner.block_public_access.block_public_policy);
}

#[test]
fn keys_carry_their_policy_aliases_and_grants() {
    let loaded = collected();
    let key = &loaded.world.keys[KEY];
    assert!(!key.aws_managed);
    assert_eq!(key.aliases, ["alias/sales"]);
    assert!(key.policy.is_some());
    assert_eq!(key.grants.len(), 1);
    assert!(
        key.grants[0].label.contains("etl-reads-sales"),
        "{}",
        key.grants[0].label
    );
    // A key pending deletion is read, with a warning that KMS refuses to use it.
    let pending = loaded
        .findings
        .iter()
        .find(|finding| finding.finding.code == "key-not-enabled")
        .unwrap();
    assert!(pending.finding.message.contains("PendingDeletion"));
}

#[test]
fn streams_resolve_their_key_alias_and_keep_their_consumers() {
    let loaded = collected();
    let stream = &loaded.world.streams["arn:aws:kinesis:eu-west-1:222222222222:stream/orders"];
    assert_eq!(stream.encryption_key.as_deref(), Some(KEY));
    assert!(stream.policy.is_some());
    let consumer = "arn:aws:kinesis:eu-west-1:222222222222:stream/orders/consumer/spark:1764547200";
    // `{}` is Kinesis's answer for a consumer without a policy.
    assert!(stream.consumers[consumer].is_none());
}

#[test]
fn the_catalog_has_its_databases_links_tables_and_locations() {
    let loaded = collected();
    let catalog = &loaded.world.lake.catalogs[&(account(OWNER), "eu-west-1".to_owned())];
    assert!(!catalog.databases["sales"].iam_allowed_principals);
    assert!(catalog.databases["legacy"].iam_allowed_principals);
    assert_eq!(
        catalog.databases["shared_link"].target,
        Some((account("111111111111"), "cur_org".to_owned()))
    );
    let orders = &catalog.tables[&("sales".to_owned(), "orders".to_owned())];
    assert_eq!(orders.location.as_deref(), Some("s3://sales-b/orders/"));
    assert!(!orders.iam_allowed_principals);
    let events = &catalog.tables[&("legacy".to_owned(), "events".to_owned())];
    assert!(events.iam_allowed_principals);
    let link = &catalog.tables[&("sales".to_owned(), "cur_link".to_owned())];
    assert_eq!(
        link.target,
        Some((
            account("111111111111"),
            "cur_org".to_owned(),
            "legacy_all".to_owned()
        ))
    );
    assert_eq!(catalog.locations.len(), 1, "{}", listing(&loaded));
    assert_eq!(catalog.locations[0].path, "s3://sales-b/orders");
    assert!(codes(&loaded).contains(&"unmodelled-location"));
}

#[test]
fn calls_the_collection_could_not_make_are_warnings_that_say_what_is_missing() {
    let loaded = collected();
    let gaps: Vec<_> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.code.starts_with("collect-"))
        .collect();
    assert_eq!(gaps.len(), 2, "{}", listing(&loaded));
    assert_eq!(gaps[0].finding.code, "collect-access-denied");
    assert_eq!(gaps[0].finding.severity, Severity::Warning);
    assert_eq!(
        gaps[0].finding.message,
        "account 222222222222: the collector may not call s3:GetBucketPolicy on arn:aws:s3:::unread-b (AccessDenied: Access Denied): unanswerable: who the bucket policy lets in: cross-account reads of the bucket look denied"
    );
    assert_eq!(gaps[1].finding.code, "collect-call-failed");
    assert!(gaps[1]
        .finding
        .message
        .contains("(HTTP 404: the endpoint does not implement this call)"));
    // Nothing else is wrong with the fixtures.
    let errors: Vec<_> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{}", listing(&loaded));
}
