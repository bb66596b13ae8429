//! Tag-based sharing under cross-account versions 1 and 2: no RAM share, the producer's catalog
//! policy lets the consumer in where `glue:EvaluatedByLakeFormationTags` is true.

use crate::check::check;
use std::path::PathBuf;
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, PolicyKind};
use xacct_world::World;

const PRODUCER: &str = "111111111111";

/// examples/lf-tags at version 2, without the RAM share version 3 made.
fn version_2() -> World {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/lf-tags");
    let mut world = xacct_world::load(&path).unwrap().world;
    let producer = PRODUCER.parse().unwrap();
    world
        .lake
        .governance
        .get_mut(&(producer, "us-east-1".to_owned()))
        .unwrap()
        .cross_account_version = Some(2);
    world.lake.shares.clear();
    world
}

fn catalog_policy(world: &mut World, condition: &str) {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::222222222222:root"}}, "Action": "glue:*", "Resource": ["arn:aws:glue:us-east-1:{PRODUCER}:catalog", "arn:aws:glue:us-east-1:{PRODUCER}:database/*", "arn:aws:glue:us-east-1:{PRODUCER}:table/*/*"]{condition}}}]}}"#
    );
    let parsed = parse_policy(&text, PolicyKind::Resource);
    assert!(!parsed.has_errors());
    world.catalog_policies.insert(
        (PRODUCER.parse().unwrap(), "us-east-1".to_owned()),
        SourcedPolicy::new(parsed.policy, "catalog policy".to_owned()),
    );
}

fn job_reads(world: &World) -> bool {
    check(world)
        .expectations
        .iter()
        .find(|result| {
            result
                .expectation
                .name
                .starts_with("the job reads the public columns")
        })
        .unwrap()
        .passed()
}

#[test]
fn without_the_catalog_policy_the_consumer_does_not_get_in() {
    assert!(!job_reads(&version_2()));
}

#[test]
fn the_catalog_policy_on_evaluated_by_tags_lets_the_consumer_in() {
    let mut world = version_2();
    catalog_policy(
        &mut world,
        r#", "Condition": {"Bool": {"glue:EvaluatedByLakeFormationTags": "true"}}"#,
    );
    assert!(job_reads(&world));
}

#[test]
fn a_condition_on_evaluated_by_tags_false_does_not() {
    let mut world = version_2();
    catalog_policy(
        &mut world,
        r#", "Condition": {"Bool": {"glue:EvaluatedByLakeFormationTags": "false"}}"#,
    );
    assert!(!job_reads(&world));
}
