//! Long-lived access keys in a compute's settings sign as the user the scenario says they
//! belong to.

use crate::binding::binding;
use crate::check::check;
use crate::tests_support::{inline, load};
use xacct_world::model::{Compute, ComputeSettings, Origin};
use xacct_world::World;

fn compute(access_keys: Option<&str>) -> Compute {
    let cluster = xacct_compute::parse_databricks_cluster(
        r#"{"cluster_name": "etl", "spark_conf": {"spark.hadoop.fs.s3a.access.key": "AKIAEXAMPLEEXAMPLE00", "spark.hadoop.fs.s3a.secret.key": "{{secrets/etl/s3}}"}}"#,
    );
    Compute {
        name: "etl".to_owned(),
        instance_profile: None,
        role: None,
        deployed_by: None,
        access_keys: access_keys.map(str::to_owned),
        settings: ComputeSettings {
            databricks: cluster.value,
            ..ComputeSettings::default()
        },
        origin: Origin::default(),
    }
}

/// User etl-bot may read lake/; the expectation asks compute etl to read it.
fn world(access_keys: Option<&str>) -> World {
    let read = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/*"}]}"#,
    );
    let mut world = load(&format!(
        r#"
[[user]]
arn = "arn:aws:iam::111111111111:user/etl-bot"
policies = [{read}]

[[user]]
arn = "arn:aws:iam::111111111111:user/someone-else"

[[bucket]]
name = "lake"
account = "111111111111"

[[role]]
arn = "arn:aws:iam::111111111111:role/Placeholder"
trust = {read_trust}

[[compute]]
name = "etl"
role = "arn:aws:iam::111111111111:role/Placeholder"

[[expect]]
name = "the cluster reads the lake with its keys"
from = "compute:etl"
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::lake/sales/x"]
decision = "allow"
"#,
        read_trust = inline(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#
        )
    ));
    world.compute.insert("etl".to_owned(), compute(access_keys));
    world
}

#[test]
fn keys_without_an_owner_leave_the_question_unanswered_and_say_how_to_answer_it() {
    let bound = binding(&compute(None), "arn:aws:s3:::lake/x");
    let error = bound.and_then(Result::err).unwrap_or_default();
    assert!(error.contains("`access_keys`"), "{error}");
    assert!(!check(&world(None)).passed());
}

#[test]
fn keys_sign_as_their_user() {
    let bot = "arn:aws:iam::111111111111:user/etl-bot";
    let bound = binding(&compute(Some(bot)), "arn:aws:s3:::lake/x").and_then(Result::ok);
    assert_eq!(bound.and_then(|bound| bound.start_as).as_deref(), Some(bot));
    let report = check(&world(Some(bot)));
    assert!(report.passed(), "{:?}", report.expectations);
    // Another user's keys are denied: the user decides, not the compute's role.
    let other = check(&world(Some("arn:aws:iam::111111111111:user/someone-else")));
    assert!(!other.passed());
}
