//! Compute settings files of every shape the loader reads: the chain each names.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
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
    assert_eq!(
        profile(&loaded, "legacy").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/EMR_EC2_DefaultRole")
    );
    assert_eq!(
        profile(&loaded, "fleet").as_deref(),
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

/// The instance profile of a compute.
fn profile(loaded: &Loaded, compute: &str) -> Option<String> {
    loaded
        .world
        .compute
        .get(compute)
        .unwrap_or_else(|| panic!("no compute {compute}: {:?}", loaded.world.compute.keys()))
        .instance_profile
        .clone()
}

/// The role a compute's settings assume for `bucket`, or `""` for its instance profile's.
fn assumed(loaded: &Loaded, compute: &str, bucket: &str) -> String {
    let compute = loaded
        .world
        .compute
        .get(compute)
        .unwrap_or_else(|| panic!("no compute {compute}: {:?}", loaded.world.compute.keys()));
    match compute.s3_access(bucket, "x", None).unwrap().credentials {
        xacct_compute::Credentials::AssumeRole(assume) => assume.role_arn.value.to_string(),
        xacct_compute::Credentials::InstanceProfile { .. } => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn every_cluster_of_a_job_pipeline_list_dbx_file_and_bundle_is_a_compute() {
    let loaded = scenario("databricks-shapes");
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let names: Vec<&String> = loaded.world.compute.keys().collect();
    assert_eq!(
        names,
        [
            "bundle/jobs.orders_refresh/refresh",
            "bundle/pipelines.orders_dlt/default",
            "dbx-yaml/default/orders-batch/main",
            "dbx-yaml/default/orders-batch/side",
            "dbx/default/orders-batch/main",
            "dlt/default",
            "dlt/maintenance",
            "nightly/ingest",
            "nightly/publish",
            "nightly/transform",
            "workspace/adhoc",
            "workspace/bi",
        ]
    );
    let writer = "arn:aws:iam::222222222222:role/LakeWriter";
    let reader = "arn:aws:iam::222222222222:role/LakeReader";
    assert_eq!(assumed(&loaded, "nightly/ingest", "lake-b"), writer);
    assert_eq!(assumed(&loaded, "nightly/transform", "lake-b"), "");
    assert_eq!(assumed(&loaded, "dlt/default", "lake-b"), writer);
    assert_eq!(assumed(&loaded, "workspace/bi", "lake-b"), reader);
    assert_eq!(assumed(&loaded, "workspace/bi", "other"), "");
    assert_eq!(
        assumed(&loaded, "dbx/default/orders-batch/main", "lake-b"),
        reader
    );
    // deployment.yml reads as deployment.json does; its anchor and `<<` merge resolve.
    assert_eq!(
        assumed(&loaded, "dbx-yaml/default/orders-batch/main", "lake-b"),
        reader
    );
    assert_eq!(
        assumed(&loaded, "dbx-yaml/default/orders-batch/side", "lake-b"),
        ""
    );
    for side in ["main", "side"] {
        assert_eq!(
            profile(&loaded, &format!("dbx-yaml/default/orders-batch/{side}")).as_deref(),
            Some("arn:aws:iam::111111111111:instance-profile/Etl")
        );
    }
    assert_eq!(
        assumed(&loaded, "bundle/jobs.orders_refresh/refresh", "lake-b"),
        reader
    );
    assert_eq!(
        assumed(&loaded, "bundle/pipelines.orders_dlt/default", "lake-b"),
        ""
    );
    // The cluster policy fixes the publish cluster's instance profile and assumed role.
    assert_eq!(
        assumed(&loaded, "nightly/publish", "lake-b"),
        "arn:aws:iam::222222222222:role/LakePublisher"
    );
    assert_eq!(
        profile(&loaded, "nightly/publish").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/Publisher")
    );
    // The task on an existing cluster is said, not read as a cluster without identity.
    assert!(listing(&loaded).contains("existing-cluster-not-read"));
}

#[test]
fn a_file_of_another_shape_is_an_error_not_an_empty_cluster() {
    let loaded = scenario("databricks-unread");
    assert!(loaded.has_errors());
    assert!(
        listing(&loaded).contains("unread-databricks-shape"),
        "{}",
        listing(&loaded)
    );
}

#[test]
fn a_bundle_is_read_for_its_target_with_variables_substituted() {
    let loaded = scenario("databricks-bundle");
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    let names: Vec<&String> = loaded.world.compute.keys().collect();
    assert_eq!(
        names,
        [
            "dev/jobs.orders_refresh/reader",
            "dev/jobs.orders_refresh/writer",
            "prod/jobs.orders_refresh/audit",
            "prod/jobs.orders_refresh/reader",
            "prod/jobs.orders_refresh/writer",
        ]
    );
    assert_eq!(
        assumed(&loaded, "dev/jobs.orders_refresh/writer", "lake-b"),
        "arn:aws:iam::222222222222:role/LakeWriterDev"
    );
    // The prod target's variable replaces the default; its writer override keeps the rest.
    assert_eq!(
        assumed(&loaded, "prod/jobs.orders_refresh/writer", "lake-b"),
        "arn:aws:iam::222222222222:role/LakeWriter"
    );
    assert_eq!(
        assumed(&loaded, "prod/jobs.orders_refresh/audit", "lake-b"),
        "arn:aws:iam::222222222222:role/LakeAuditor"
    );
    assert_eq!(
        assumed(&loaded, "prod/jobs.orders_refresh/reader", "lake-b"),
        ""
    );
    assert_eq!(
        profile(&loaded, "prod/jobs.orders_refresh/reader").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/Etl")
    );
}

#[test]
fn a_bundle_reads_the_resources_of_its_included_files() {
    let loaded = scenario("databricks-bundle-include");
    assert!(!loaded.has_errors(), "{}", listing(&loaded));
    assert!(loaded.findings.is_empty(), "{}", listing(&loaded));
    let names: Vec<&String> = loaded.world.compute.keys().collect();
    assert_eq!(
        names,
        [
            "dev/jobs.orders_refresh/reader",
            "dev/jobs.orders_refresh/writer",
            "dev/pipelines.orders_dlt/default",
            "prod/jobs.orders_refresh/reader",
            "prod/jobs.orders_refresh/writer",
            "prod/pipelines.orders_dlt/default",
        ]
    );
    // The writer's chain is written in the included file, its role by databricks.yml's
    // variable, overridden by the prod target.
    assert_eq!(
        assumed(&loaded, "dev/jobs.orders_refresh/writer", "lake-b"),
        "arn:aws:iam::222222222222:role/LakeWriterDev"
    );
    assert_eq!(
        assumed(&loaded, "prod/jobs.orders_refresh/writer", "lake-b"),
        "arn:aws:iam::222222222222:role/LakeWriter"
    );
    assert_eq!(
        profile(&loaded, "prod/pipelines.orders_dlt/default").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/Pipelines")
    );
    assert_eq!(
        profile(&loaded, "prod/jobs.orders_refresh/reader").as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/Etl")
    );
    assert_eq!(
        assumed(&loaded, "prod/pipelines.orders_dlt/default", "lake-b"),
        ""
    );
}

/// A scenario in a fresh folder outside any git repository, so its root is the folder.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let folder = std::env::temp_dir().join(format!("xacct-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        Self(folder)
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.0.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn an_include_leaving_the_scenario_is_refused_and_included_findings_point_into_their_file() {
    let scratch = Scratch::new("bundle-include");
    let stolen = "resources:\n  clusters:\n    stolen:\n      aws_attributes:\n        instance_profile_arn: arn:aws:iam::111111111111:instance-profile/Stolen\n";
    scratch.write("outside/stolen.yml", stolen);
    scratch.write("secret.yml", stolen);
    scratch.write(
        "scenario/xacct.toml",
        "[[compute]]\nname = \"b\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/Etl\"\ndatabricks_cluster = \"bundle/databricks.yml\"\n",
    );
    scratch.write(
        "scenario/bundle/databricks.yml",
        "bundle:\n  name: b\ninclude:\n  - resources/*.yml\n  - ../../outside/*.yml\n  - ../../secret.yml\n  - missing/*.yml\n",
    );
    scratch.write(
        "scenario/bundle/resources/job.yml",
        "resources:\n  clusters:\n    adhoc:\n      spark_conf:\n        fs.s3a.credentialsType: AssumeRole\n        fs.s3a.stsAssumeRole.arn: not-an-arn\n",
    );
    let loaded = load(&scratch.0.join("scenario")).unwrap();
    let listed = listing(&loaded);
    let names: Vec<&String> = loaded.world.compute.keys().collect();
    assert_eq!(names, ["b/clusters.adhoc"], "{listed}");
    let at = |code: &str| -> Vec<String> {
        loaded
            .findings
            .iter()
            .filter(|finding| finding.finding.code == code)
            .map(|finding| finding.location())
            .collect()
    };
    let refused = at("file-refused");
    assert_eq!(refused.len(), 2, "{listed}");
    assert!(refused[0].ends_with("databricks.yml:5:5"), "{listed}");
    assert!(refused[1].ends_with("databricks.yml:6:5"), "{listed}");
    let nothing = at("bundle-include-matches-nothing");
    assert_eq!(nothing.len(), 1, "{listed}");
    assert!(nothing[0].ends_with("databricks.yml:7:5"), "{listed}");
    let bad_arn = at("invalid-role-arn");
    assert_eq!(bad_arn.len(), 1, "{listed}");
    assert!(bad_arn[0].ends_with("resources/job.yml:6:35"), "{listed}");
}
