//! Writes from a compute's settings: the headers its client sends decide both the policies'
//! conditions and which KMS key S3 uses.

use crate::check::check;
use crate::tests_support::{expectation, inline, load};
use xacct_world::model::{Compute, ComputeSettings, Origin};
use xacct_world::World;

const LAKE_KEY: &str =
    "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Account B's bucket refuses uploads that do not ask for SSE-KMS; its key policy lets the
/// cluster role of A use the key, and so does the role's own policy.
fn world(spark_conf: &str) -> World {
    let role_policy = inline(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::lake-b/*"}}, {{"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "{LAKE_KEY}"}}]}}"#
    ));
    let bucket_policy = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/etl"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::lake-b/*"}, {"Sid": "OnlySseKms", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::lake-b/*", "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}]}"#,
    );
    let key_policy = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/etl"}, "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}]}"#,
    );
    let trust = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#,
    );
    let mut world = load(&format!(
        r#"
[[account]]
id = "111111111111"

[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::111111111111:role/etl"
trust = {trust}
policies = [{role_policy}]

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/etl"
role = "etl"

[[bucket]]
name = "lake-b"
account = "222222222222"
policy = {bucket_policy}

[[key]]
arn = "{LAKE_KEY}"
policy = {key_policy}
"#
    ));
    let cluster = xacct_compute::parse_databricks_cluster(&format!(
        r#"{{"cluster_name": "etl", "aws_attributes": {{"instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/etl"}}, "spark_conf": {spark_conf}}}"#
    ));
    assert!(!cluster.has_errors(), "{:?}", cluster.findings);
    world.compute.insert(
        "etl".to_owned(),
        Compute {
            name: "etl".to_owned(),
            instance_profile: Some("arn:aws:iam::111111111111:instance-profile/etl".to_owned()),
            role: None,
            deployed_by: None,
            access_keys: None,
            settings: ComputeSettings {
                databricks: cluster.value,
                ..ComputeSettings::default()
            },
            origin: Origin::default(),
        },
    );
    let mut writes = expectation(
        "compute:etl",
        &["s3:PutObject"],
        "arn:aws:s3:::lake-b/out/part-0.parquet",
    );
    writes.name = "the cluster writes".to_owned();
    world.expectations.push(writes);
    world
}

/// (action, resource, allowed) of every case of the one expectation.
fn cases(world: &World) -> Vec<(String, String, bool)> {
    check(world)
        .expectations
        .iter()
        .flat_map(|result| &result.cases)
        .map(|case| (case.action.clone(), case.resource.clone(), case.allowed()))
        .collect()
}

#[test]
fn a_cluster_that_asks_for_sse_kms_with_a_key_passes_the_deny_and_uses_that_key() {
    let world = world(&format!(
        r#"{{"spark.hadoop.fs.s3a.encryption.algorithm": "SSE-KMS", "spark.hadoop.fs.s3a.encryption.key": "{LAKE_KEY}"}}"#
    ));
    assert_eq!(
        cases(&world),
        vec![
            (
                "s3:PutObject".to_owned(),
                "arn:aws:s3:::lake-b/out/part-0.parquet".to_owned(),
                true
            ),
            ("kms:GenerateDataKey".to_owned(), LAKE_KEY.to_owned(), true),
            ("kms:Decrypt".to_owned(), LAKE_KEY.to_owned(), true),
        ]
    );
}

#[test]
fn a_cluster_without_encryption_settings_meets_the_deny() {
    let world = world("{}");
    assert_eq!(
        cases(&world),
        vec![(
            "s3:PutObject".to_owned(),
            "arn:aws:s3:::lake-b/out/part-0.parquet".to_owned(),
            false
        )]
    );
}

/// SSE-KMS without a key: S3 uses the AWS managed key `aws/s3`, whose policy admits only its
/// own account, so the cross-account writer's KMS calls are refused.
#[test]
fn sse_kms_without_a_key_falls_back_to_aws_s3_which_other_accounts_cannot_use() {
    let world = world(r#"{"spark.hadoop.fs.s3a.server-side-encryption-algorithm": "SSE-KMS"}"#);
    let cases = cases(&world);
    assert_eq!(cases.first().map(|case| case.2), Some(true), "{cases:?}");
    let kms: Vec<&(String, String, bool)> = cases
        .iter()
        .filter(|case| case.0.starts_with("kms:"))
        .collect();
    assert!(!kms.is_empty(), "{cases:?}");
    assert!(
        kms.iter()
            .all(|case| case.1.ends_with("key/aws-managed-s3") && !case.2),
        "{cases:?}"
    );
}
