//! who-can on small worlds written by hand.

use super::*;
use crate::tests_support::{inline, load, trust};

/// A in 111 (an EC2 role with an instance profile) may assume B in 222, which may assume C
/// in 333; only C can read the bucket in 333. D in 111 trusts nobody useful and cannot.
fn chain_world() -> World {
    let assume = |target: &str| {
        inline(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "{target}"}}]}}"#
        ))
    };
    let read = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}]}"#,
    );
    let manifest = format!(
        r#"
[[account]]
id = "111111111111"
[[account]]
id = "222222222222"
[[account]]
id = "333333333333"

[[role]]
arn = "arn:aws:iam::111111111111:role/A"
trust = {trust_a}
policies = [{assume_b}]

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/A"
role = "A"

[[role]]
arn = "arn:aws:iam::222222222222:role/B"
trust = {trust_b}
policies = [{assume_c}]

[[role]]
arn = "arn:aws:iam::333333333333:role/C"
trust = {trust_c}
policies = [{read}]

[[role]]
arn = "arn:aws:iam::111111111111:role/D"
trust = {trust_d}
policies = [{read}]

[[bucket]]
name = "data"
account = "333333333333"
"#,
        trust_a = trust(r#"{"Service": "ec2.amazonaws.com"}"#),
        trust_b = inline(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/A"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "shared-id"}}}]}"#
        ),
        trust_c = trust(r#"{"AWS": "arn:aws:iam::222222222222:root"}"#),
        trust_d = trust(r#"{"AWS": "arn:aws:iam::111111111111:root"}"#),
        assume_b = assume("arn:aws:iam::222222222222:role/B"),
        assume_c = assume("arn:aws:iam::333333333333:role/C"),
    );
    load(&manifest)
}

fn ask(world: &World, action: &str, resource: &str, exhaustive: bool) -> WhoCan {
    let callers = CallerIndex::new(world);
    let query = WhoCanQuery {
        exhaustive,
        ..WhoCanQuery::new(action, resource)
    };
    who_can(world, &callers, &query).unwrap()
}

fn summary(answer: &WhoCan) -> Vec<(String, Vec<String>)> {
    answer
        .principals
        .iter()
        .map(|reach| {
            (
                crate::assume::short_name(&reach.principal).to_owned(),
                reach
                    .chain
                    .iter()
                    .map(|arn| crate::assume::short_name(arn).to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn only_the_chain_reaches_the_bucket() {
    let world = chain_world();
    let answer = ask(
        &world,
        "s3:GetObject",
        "arn:aws:s3:::data/report.csv",
        false,
    );
    let strings = |items: &[&str]| {
        items
            .iter()
            .map(|item| (*item).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        summary(&answer),
        vec![
            ("C".to_owned(), Vec::new()),
            ("B".to_owned(), strings(&["C"])),
            ("A".to_owned(), strings(&["B", "C"])),
            ("A".to_owned(), strings(&["B", "C"])),
        ]
    );
    let profile = answer.principals.last().unwrap();
    assert_eq!(profile.kind, Kind::InstanceProfile);
    assert_eq!(
        profile.principal,
        "arn:aws:iam::111111111111:instance-profile/A"
    );
    assert_eq!(
        profile.role.as_deref(),
        Some("arn:aws:iam::111111111111:role/A")
    );
    // B asks for an ExternalId: A passes the one its trust names.
    assert_eq!(
        answer.principals[2].external_ids,
        BTreeMap::from([(
            "arn:aws:iam::222222222222:role/B".to_owned(),
            "shared-id".to_owned()
        )])
    );
    // D can read in its policy, but the bucket is in another account with no bucket policy.
    assert!(answer
        .principals
        .iter()
        .all(|reach| !reach.principal.ends_with("role/D")));
    assert!(answer.principals[0]
        .allowed_by
        .iter()
        .any(|label| label.contains("policies[0] of arn:aws:iam::333333333333:role/C")));
}

#[test]
fn the_depth_limits_the_chain() {
    let world = chain_world();
    let callers = CallerIndex::new(&world);
    let query = WhoCanQuery {
        max_depth: 1,
        ..WhoCanQuery::new("s3:GetObject", "arn:aws:s3:::data/x")
    };
    let answer = who_can(&world, &callers, &query).unwrap();
    assert_eq!(
        summary(&answer),
        vec![
            ("C".to_owned(), Vec::new()),
            ("B".to_owned(), vec!["C".to_owned()])
        ]
    );
}

#[test]
fn a_wrong_external_id_breaks_the_chain() {
    let world = chain_world();
    let callers = CallerIndex::new(&world);
    let mut query = WhoCanQuery::new("s3:GetObject", "arn:aws:s3:::data/x");
    query.external_ids.insert(
        "arn:aws:iam::222222222222:role/B".to_owned(),
        "wrong".to_owned(),
    );
    let answer = who_can(&world, &callers, &query).unwrap();
    assert_eq!(answer.principals.len(), 2, "{:?}", summary(&answer));
}

#[test]
fn the_screen_changes_nothing_but_the_work() {
    let world = chain_world();
    for (action, resource) in [
        ("s3:GetObject", "arn:aws:s3:::data/x"),
        ("s3:ListBucket", "arn:aws:s3:::data"),
        ("s3:PutObject", "arn:aws:s3:::data/x"),
        ("sts:AssumeRole", "arn:aws:iam::333333333333:role/C"),
    ] {
        let screened = ask(&world, action, resource, false);
        let exhaustive = ask(&world, action, resource, true);
        assert_eq!(
            summary(&screened),
            summary(&exhaustive),
            "{action} on {resource}"
        );
        assert!(screened.evaluated <= exhaustive.evaluated);
    }
}

#[test]
fn nobody_can_write() {
    let world = chain_world();
    assert!(ask(&world, "s3:PutObject", "arn:aws:s3:::data/x", false)
        .principals
        .is_empty());
}

#[test]
fn an_unknown_bucket_is_an_error() {
    let world = chain_world();
    let callers = CallerIndex::new(&world);
    let error = who_can(
        &world,
        &callers,
        &WhoCanQuery::new("s3:GetObject", "arn:aws:s3:::nope/x"),
    )
    .unwrap_err();
    assert!(error.0.contains("nope"), "{error}");
}
