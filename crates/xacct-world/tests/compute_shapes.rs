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
