//! EMRFS role mappings decide the chain: with or without the cluster's describe-cluster file,
//! and for the OS user and groups a job runs as.

use crate::binding::binding_as;
use crate::check::check;
use crate::tests_support::{allow, load, trust};
use xacct_world::model::{Compute, ComputeSettings, Origin, OsUser};
use xacct_world::World;

const MAPPINGS: &str = r#"{"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [
    {"Role": "arn:aws:iam::222222222222:role/Engineers", "IdentifierType": "Group", "Identifiers": ["data-engineers"]},
    {"Role": "arn:aws:iam::222222222222:role/Reader", "IdentifierType": "Prefix", "Identifiers": ["s3://lake/"]}
]}}}"#;

/// A (the instance profile's role) may assume Reader (reads the lake), Engineers and Writer
/// (both write it). EMR's compute `emr` has only a security configuration.
fn world(expect: &str) -> World {
    let trust_ec2 = trust(r#"{"Service": "ec2.amazonaws.com"}"#);
    let assume = allow(r#""sts:AssumeRole""#, "*");
    let trust_a = trust(r#"{"AWS": "arn:aws:iam::111111111111:role/A"}"#);
    let read = allow(r#""s3:GetObject""#, "arn:aws:s3:::lake/*");
    let write = allow(r#"["s3:GetObject", "s3:PutObject"]"#, "arn:aws:s3:::lake/*");
    let mut world = load(&format!(
        r#"
[[role]]
arn = "arn:aws:iam::111111111111:role/A"
trust = {trust_ec2}
policies = [{assume}]

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/A"
role = "A"

[[role]]
arn = "arn:aws:iam::222222222222:role/Reader"
trust = {trust_a}
policies = [{read}]

[[role]]
arn = "arn:aws:iam::222222222222:role/Engineers"
trust = {trust_a}
policies = [{write}]

[[role]]
arn = "arn:aws:iam::222222222222:role/Writer"
trust = {trust_a}
policies = [{write}]

[[bucket]]
name = "lake"
account = "222222222222"
"#
    ));
    world.compute.insert("emr".to_owned(), emr());
    let with_expectations = load(&format!(
        "[[role]]\narn = \"arn:aws:iam::111111111111:role/A\"\ntrust = {trust_ec2}\n[[instance_profile]]\narn = \"arn:aws:iam::111111111111:instance-profile/A\"\nrole = \"A\"\n[[compute]]\nname = \"emr\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/A\"\n{expect}"
    ));
    world.expectations = with_expectations.expectations;
    world
}

fn emr() -> Compute {
    let security = xacct_compute::parse_security_configuration(MAPPINGS);
    Compute {
        name: "emr".to_owned(),
        instance_profile: Some("arn:aws:iam::111111111111:instance-profile/A".to_owned()),
        role: None,
        deployed_by: None,
        access_keys: None,
        settings: ComputeSettings {
            security_configuration: security.value,
            emr_user: "hadoop".to_owned(),
            ..ComputeSettings::default()
        },
        origin: Origin::default(),
    }
}

#[test]
fn a_security_configuration_without_the_cluster_file_still_decides_the_role() {
    let bound = binding_as(&emr(), "arn:aws:s3:::lake/x", None, None).and_then(Result::ok);
    assert_eq!(
        bound.map(|bound| bound.via),
        Some(vec!["arn:aws:iam::222222222222:role/Reader".to_owned()])
    );
    // Outside every prefix: the instance profile's role, not any chain.
    let other = binding_as(&emr(), "arn:aws:s3:::elsewhere/x", None, None).and_then(Result::ok);
    assert_eq!(other.map(|bound| bound.via), Some(Vec::new()));
}

#[test]
fn group_mappings_match_the_groups_the_job_runs_as() {
    let engineer = OsUser {
        user: "alice".to_owned(),
        groups: vec!["data-engineers".to_owned()],
    };
    let bound =
        binding_as(&emr(), "arn:aws:s3:::lake/x", None, Some(&engineer)).and_then(Result::ok);
    assert_eq!(
        bound.map(|bound| bound.via),
        Some(vec!["arn:aws:iam::222222222222:role/Engineers".to_owned()])
    );
}

#[test]
fn emrfs_writes_as_the_mapped_role_even_when_another_chain_could() {
    // Writer could write, but EMRFS maps the prefix to Reader: the write is denied.
    let denied = world(
        r#"
[[expect]]
name = "EMRFS cannot write as Reader"
from = "compute:emr"
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::lake/out/part-0"]
decision = "deny"
"#,
    );
    assert!(check(&denied).passed());
    let engineer = world(
        r#"
[[expect]]
name = "an engineer's job writes as Engineers"
from = "compute:emr"
os_user = "alice"
os_groups = ["data-engineers"]
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::lake/out/part-0"]
decision = "allow"
"#,
    );
    let report = check(&engineer);
    assert!(report.passed(), "{:?}", report.expectations);
}
