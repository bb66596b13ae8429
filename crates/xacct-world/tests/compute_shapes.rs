//! Compute settings files of every shape the loader reads: the chain each names.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot load its scenario fails"
)]

mod common;

use common::listing;
use std::path::Path;
use xacct_world::{load, Loaded};

fn scenario(name: &str) -> Loaded {
    load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compute")
            .join(name),
    )
    .unwrap()
}

#[test]
fn an_ami_era_cluster_names_its_profile_by_name_and_a_fleet_cluster_is_read() {
    let loaded = scenario("emr-ami");
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let profile = |name: &str| {
        loaded
            .world
            .compute
            .get(name)
            .unwrap()
            .instance_profile
            .clone()
    };
    assert_eq!(
        profile("legacy").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/EMR_EC2_DefaultRole")
    );
    assert_eq!(
        profile("fleet").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/EMR_EC2_LakeRole")
    );
    let fleet = loaded.world.compute.get("fleet").unwrap();
    let emr = fleet.settings.emr.as_ref().unwrap();
    assert_eq!(
        emr.canned_acl.as_ref().map(|acl| acl.value),
        Some(xacct_compute::CannedAcl::BucketOwnerFullControl)
    );
}

#[test]
fn the_manifest_completes_a_cluster_file_without_aws_attributes_and_overrides_another() {
    let loaded = scenario("databricks-pool");
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let etl = "arn:aws:iam::111111111111:instance-profile/Etl";
    for name in ["pool", "other"] {
        let compute = loaded.world.compute.get(name).unwrap();
        let access = compute.s3_access("lake", "x", None).unwrap();
        match access.credentials {
            xacct_compute::Credentials::InstanceProfile { profile } => {
                assert_eq!(profile.unwrap().value.as_str(), etl, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    let disagreements: Vec<_> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.code == "instance-profile-disagrees")
        .collect();
    assert_eq!(disagreements.len(), 1, "{}", listing(&loaded));
    assert!(disagreements[0]
        .finding
        .message
        .contains("instance-profile/Old"));
}
