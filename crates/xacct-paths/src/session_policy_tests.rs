//! Session policies, tags and source identity reach the session the engine evaluates, from a
//! compute's settings and from an expectation.

use crate::binding::binding;
use crate::check::check;
use crate::search::{find, AssumeOptions, Query, SessionPolicy, SessionPolicyPlace};
use crate::tests_support::{allow, inline, load, trust};
use crate::TrustIndex;
use xacct_eval::SourcedPolicy;
use xacct_world::model::{Compute, ComputeSettings, Origin};

/// A cluster whose `spark_conf` is `spark_conf` (a JSON object's members).
fn cluster(spark_conf: &str) -> Compute {
    let parsed = xacct_compute::parse_databricks_cluster(&format!(
        r#"{{"cluster_name": "etl", "aws_attributes": {{"instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/A"}}, "spark_conf": {{{spark_conf}}}}}"#
    ));
    Compute {
        name: "etl".to_owned(),
        instance_profile: Some("arn:aws:iam::111111111111:instance-profile/A".to_owned()),
        role: None,
        deployed_by: None,
        access_keys: None,
        settings: ComputeSettings {
            databricks: parsed.value,
            ..ComputeSettings::default()
        },
        origin: Origin::default(),
    }
}

const ASSUMED: &str = r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider", "fs.s3a.assumed.role.arn": "arn:aws:iam::222222222222:role/B""#;

#[test]
fn the_per_bucket_session_policy_replaces_the_cluster_wide_one_for_its_bucket() {
    let compute = cluster(&format!(
        r#"{ASSUMED}, "fs.s3a.assumed.role.policy": "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}]}}", "fs.s3a.bucket.archive.assumed.role.policy": "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\"}}]}}""#
    ));
    let place = |bucket: &str| {
        binding(&compute, &format!("arn:aws:s3:::{bucket}/x"))
            .and_then(Result::ok)
            .and_then(|bound| bound.session_policy)
            .map(|stated| (stated.place, stated.policy.policy.statements.len()))
    };
    let key = |key: &str| SessionPolicyPlace::Setting {
        compute: "etl".to_owned(),
        key: key.to_owned(),
        layer: xacct_compute::Layer::Compute,
    };
    assert_eq!(place("lake"), Some((key("fs.s3a.assumed.role.policy"), 1)));
    assert_eq!(
        place("archive"),
        Some((key("fs.s3a.bucket.archive.assumed.role.policy"), 1))
    );
}

#[test]
fn a_session_policy_sts_refuses_fails_the_binding_instead_of_being_dropped() {
    let compute = cluster(&format!(
        r#"{ASSUMED}, "fs.s3a.assumed.role.policy": "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}}]}}""#
    ));
    let error = binding(&compute, "arn:aws:s3:::lake/x")
        .and_then(Result::err)
        .unwrap_or_default();
    assert!(error.contains("MalformedPolicyDocument"), "{error}");
}

#[test]
fn settings_without_a_session_policy_bind_none() {
    let compute = cluster(ASSUMED);
    let bound = binding(&compute, "arn:aws:s3:::lake/x").and_then(Result::ok);
    assert!(bound.is_some_and(|bound| bound.session_policy.is_none()));
}

/// Role A (an instance profile's) may assume B; B may read and write every object.
fn two_accounts(extra: &str) -> String {
    let trust_a = trust(r#"{"Service": "ec2.amazonaws.com"}"#);
    let assume = allow(r#""sts:AssumeRole""#, "*");
    let trust_b = trust(r#"{"AWS": "arn:aws:iam::111111111111:role/A"}"#);
    let everything = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::lake/*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/team": "data"}}}]}"#,
    );
    format!(
        r#"
[[role]]
arn = "arn:aws:iam::111111111111:role/A"
trust = {trust_a}
policies = [{assume}]

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/A"
role = "A"

[[role]]
arn = "arn:aws:iam::222222222222:role/B"
trust = {trust_b}
policies = [{everything}]

[[bucket]]
name = "lake"
account = "222222222222"
{extra}
"#
    )
}

fn read_only() -> SessionPolicy {
    let parsed = xacct_policy::parse_policy(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        xacct_policy::PolicyKind::Session,
    );
    SessionPolicy {
        policy: SourcedPolicy::new(parsed.policy, "read only"),
        place: SessionPolicyPlace::Expectation {
            name: "test".to_owned(),
        },
    }
}

fn query(world: &xacct_world::World, from: &str, via: &[&str], action: &str) -> Query {
    let start = crate::start::resolve(world, from).map(|start| start.session);
    Query {
        start: start.unwrap_or_else(|_| {
            xacct_world::Session::of(xacct_world::Principal::Role(from.to_owned()))
        }),
        via: via.iter().map(|role| (*role).to_owned()).collect(),
        action: action.to_owned(),
        resource: "arn:aws:s3:::lake/sales/x".to_owned(),
        context: Vec::new(),
        options: AssumeOptions {
            session_policy: Some(read_only()),
            ..AssumeOptions::default()
        },
        max_depth: 3,
    }
}

#[test]
fn a_session_policy_caps_the_last_session_of_a_searched_chain() {
    let world = load(&two_accounts(""));
    let index = TrustIndex::new(&world);
    let profile = "arn:aws:iam::111111111111:instance-profile/A";
    let read = find(&world, &index, &query(&world, profile, &[], "s3:GetObject"));
    assert!(read.allowed(), "{:?}", read.error);
    assert_eq!(read.path.hops.len(), 1);
    let write = find(&world, &index, &query(&world, profile, &[], "s3:PutObject"));
    assert!(!write.allowed());
    // Without the session policy, B writes.
    let mut unrestricted = query(&world, profile, &[], "s3:PutObject");
    unrestricted.options.session_policy = None;
    assert!(find(&world, &index, &unrestricted).allowed());
}

#[test]
fn an_instance_profile_session_carries_no_session_policy() {
    let world = load(&two_accounts(""));
    let index = TrustIndex::new(&world);
    let mut asked = query(
        &world,
        "arn:aws:iam::111111111111:instance-profile/A",
        &[],
        "s3:GetObject",
    );
    asked.max_depth = 0;
    let outcome = find(&world, &index, &asked);
    assert!(!outcome.allowed());
    assert!(outcome
        .error
        .is_some_and(|error| error.contains("carries no session policy")));
}

#[test]
fn tags_stated_for_a_role_session_reach_its_requests() {
    // B's policy allows only sessions tagged team=data (or untagged: IfExists): a session
    // tagged otherwise is denied, which it would not be if the tags were dropped.
    let expect = |tags: &str| {
        format!(
            r#"
[[expect]]
name = "B reads"
from = "arn:aws:iam::222222222222:role/B"
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::lake/sales/x"]
session_tags = {tags}
decision = "deny"
"#
        )
    };
    let tagged_other = load(&two_accounts(&expect(r#"{ team = "finance" }"#)));
    assert!(check(&tagged_other).passed());
    let tagged_data = load(&two_accounts(&expect(r#"{ team = "data" }"#)));
    assert!(!check(&tagged_data).passed());
}

#[test]
fn an_expectation_states_a_session_policy_inline() {
    let policy = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    let world = load(&two_accounts(&format!(
        r#"
[[expect]]
name = "the job cannot write"
from = "arn:aws:iam::111111111111:role/A"
via = ["arn:aws:iam::222222222222:role/B"]
session_policy = {policy}
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::lake/sales/x"]
decision = "deny"

[[expect]]
name = "the job reads"
from = "arn:aws:iam::111111111111:role/A"
via = ["arn:aws:iam::222222222222:role/B"]
session_policy = {policy}
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::lake/sales/x"]
decision = "allow"
"#
    )));
    let report = check(&world);
    assert!(report.passed());
    assert_eq!(report.expectations.len(), 2);
}

/// Transitive session tags (`TransitiveTagKeys`) pass down a role chain: the next session
/// inherits them, still transitive, whatever it passes itself; a tag passed with an inherited
/// key (compared without case) is refused; `sts:TransitiveTagKeys` is in the request.
#[test]
fn transitive_session_tags_pass_down_the_chain_and_cannot_be_overridden() {
    use crate::search::hop;
    use std::collections::{BTreeMap, BTreeSet};
    let everyone = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": {"ForAllValues:StringEquals": {"sts:TransitiveTagKeys": ["team"]}}}]}"#,
    );
    let assume = allow(r#"["sts:AssumeRole", "sts:TagSession"]"#, "*");
    let world = load(&format!(
        r#"
[[user]]
arn = "arn:aws:iam::111111111111:user/alice"
policies = [{assume}]

[[role]]
arn = "arn:aws:iam::111111111111:role/X"
trust = {everyone}
policies = [{assume}]

[[role]]
arn = "arn:aws:iam::111111111111:role/Y"
trust = {everyone}
"#
    ));
    let alice = xacct_world::Session::of(xacct_world::Principal::User(
        "arn:aws:iam::111111111111:user/alice".to_owned(),
    ));
    let tagged = |tags: &[(&str, &str)], transitive: &[&str]| Query {
        start: alice.clone(),
        via: Vec::new(),
        action: "sts:AssumeRole".to_owned(),
        resource: String::new(),
        context: Vec::new(),
        options: AssumeOptions {
            session_tags: tags
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            transitive_tag_keys: transitive
                .iter()
                .map(|key| (*key).to_owned())
                .collect::<BTreeSet<_>>(),
            ..AssumeOptions::default()
        },
        max_depth: 1,
    };
    let first = hop(
        &world,
        &tagged(&[("team", "data"), ("job", "etl")], &["team"]),
        &alice,
        "arn:aws:iam::111111111111:role/X",
    );
    let Ok(first) = first else {
        panic!("the first hop is asked");
    };
    assert!(first.passes(), "alice tags her session of X");
    let has_keys = first.steps.iter().any(|step| {
        step.request
            .context
            .entry("sts:transitivetagkeys")
            .is_some_and(|entry| {
                entry.value == xacct_eval::ContextValue::Multi(vec!["team".to_owned()])
            })
    });
    assert!(has_keys, "the request carries sts:TransitiveTagKeys");
    let x = first.session;
    // X's session passes nothing: Y's session still has `team`, not `job`.
    let Ok(second) = hop(
        &world,
        &tagged(&[], &[]),
        &x,
        "arn:aws:iam::111111111111:role/Y",
    ) else {
        panic!("the second hop is asked");
    };
    assert!(second.passes());
    assert_eq!(
        second.session.tags,
        BTreeMap::from([("team".to_owned(), "data".to_owned())])
    );
    assert!(second.session.transitive_tag_keys.contains("team"));
    // Passing `Team` again from X's session is refused.
    let refused = hop(
        &world,
        &tagged(&[("Team", "ops")], &[]),
        &x,
        "arn:aws:iam::111111111111:role/Y",
    );
    assert!(refused.is_err_and(|message| message.contains("transitive")));
    // A transitive key the trust does not allow fails the trust's condition.
    let Ok(other) = hop(
        &world,
        &tagged(&[("job", "etl")], &["job"]),
        &alice,
        "arn:aws:iam::111111111111:role/X",
    ) else {
        panic!("the hop is asked");
    };
    assert!(
        !other.passes(),
        "the trust allows only `team` as transitive"
    );
}
