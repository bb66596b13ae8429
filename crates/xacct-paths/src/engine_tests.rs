//! Which engine reads a table decides whether Lake Formation vends it credentials: AWS's own
//! analytics services always, EMR only where the data lake settings let it, Databricks and EMR
//! without Lake Formation never (they read the objects with their own S3 access).
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/using-cred-vending.html>

use crate::check::{apply_fixes, check, ExpectationResult};
use crate::table::{engine, Engine};
use std::path::PathBuf;
use xacct_world::World;

fn example(path: &str) -> World {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(path);
    let loaded = xacct_world::load(&path).unwrap();
    assert!(!loaded.has_errors());
    loaded.world
}

fn reading(world: &World) -> ExpectationResult {
    check(world)
        .expectations
        .into_iter()
        .find(|result| !result.expectation.read_tables.is_empty())
        .unwrap()
}

fn actions(result: &ExpectationResult) -> Vec<String> {
    result
        .cases
        .iter()
        .map(|case| case.action.clone())
        .collect()
}

#[test]
fn each_compute_reads_with_its_own_engine() {
    let emr = example("emr-runtime-role");
    let read = reading(&emr);
    assert_eq!(
        engine(&emr, &read.expectation),
        Engine::External {
            tag: "Amazon EMR".to_owned()
        }
    );
    let glue = example("glue-catalog-share");
    let read = reading(&glue);
    assert_eq!(engine(&glue, &read.expectation), Engine::Integrated);
    let mut by_role = read.expectation.clone();
    by_role.from = "arn:aws:iam::222222222222:role/cur-report-glue-job".to_owned();
    assert_eq!(engine(&glue, &by_role), Engine::Integrated);
    let databricks = example("s3-role-chain");
    let mut from_cluster = by_role;
    from_cluster.from = "compute:etl".to_owned();
    assert!(matches!(
        engine(&databricks, &from_cluster),
        Engine::OwnAccess { .. }
    ));
}

#[test]
fn the_settings_fix_lets_the_emr_step_read() {
    let mut world = example("emr-runtime-role/broken/lake-settings-leave-out-emr");
    let report = check(&world);
    let read = reading(&world);
    assert!(!read.passed());
    let refused = read
        .cases
        .iter()
        .find(|case| case.refusal.is_some())
        .unwrap();
    assert_eq!(refused.action, "lakeformation:GetDataAccess");
    assert!(apply_fixes(&mut world, &report).unwrap() > 0);
    let engines = world
        .lake
        .external_engines("111111111111".parse().unwrap(), "us-east-1");
    assert!(engines.allow_filtering);
    assert_eq!(engines.session_tag_values, ["Amazon EMR"]);
    assert!(reading(&world).passed());
}

/// Without `LakeFormationConfiguration` the cluster does not ask Lake Formation: the step
/// reads the registered location with the runtime role's own S3 access, which its policy
/// does not give, so the read fails at S3 whatever the grants say.
#[test]
fn emr_without_lake_formation_reads_with_the_runtime_role_s_own_access() {
    let mut world = example("emr-runtime-role");
    let Some(compute) = world.compute.get_mut("etl") else {
        panic!("the example's cluster");
    };
    let Some(runtime) = compute
        .settings
        .security_configuration
        .as_mut()
        .and_then(|security| security.runtime_roles.as_mut())
    else {
        panic!("the example's security configuration");
    };
    runtime.lake_formation_tag = None;
    let read = reading(&world);
    let found = actions(&read);
    assert!(
        !found
            .iter()
            .any(|action| action == "lakeformation:GetDataAccess"),
        "{found:?}"
    );
    assert!(
        found.iter().any(|action| action == "s3:GetObject"),
        "{found:?}"
    );
    let object_read = read
        .cases
        .iter()
        .find(|case| case.action == "s3:GetObject")
        .unwrap();
    // The runtime role may read only `output/`, not the table's `orders/`.
    assert!(!object_read.allowed());
    assert!(!read.passed());
    assert!(
        object_read
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("does not integrate Lake Formation"),
        "{:?}",
        object_read.note
    );
}
