//! who-can on small worlds written by hand.

use super::*;
use crate::tests_support::{allow, inline, load, trust};

/// A in 111 (an EC2 role with an instance profile) may assume B in 222, which may assume C
/// in 333; only C can read the bucket in 333. D in 111 trusts nobody useful and cannot.
fn chain_world() -> World {
    let assume = |target: &str| allow(r#""sts:AssumeRole""#, target);
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
            // EC2 assumes A for its instance profile: the service, one hop further.
            ("ec2.amazonaws.com".to_owned(), strings(&["A", "B", "C"])),
        ]
    );
    let service = answer.principals.last().unwrap();
    assert_eq!(service.kind, Kind::Service);
    assert_eq!(
        service.through,
        ["instance profile arn:aws:iam::111111111111:instance-profile/A"]
    );
    let profile = &answer.principals[3];
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

/// The error of a question the chain world refuses.
fn refused(action: &str, resource: &str) -> String {
    let world = chain_world();
    let callers = CallerIndex::new(&world);
    who_can(&world, &callers, &WhoCanQuery::new(action, resource))
        .unwrap_err()
        .0
}

#[test]
fn an_unknown_bucket_is_an_error_until_it_is_assumed() {
    let error = refused("s3:GetObject", "arn:aws:s3:::nope/x");
    assert!(error.contains("nope"), "{error}");
}

/// Roles of 111 that read `data` (a bucket of 111), each trusting someone else.
fn trusting_world(trusts: &[(&str, &str)]) -> World {
    let read = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}"#,
    );
    let mut manifest = String::from(
        "[[account]]\nid = \"111111111111\"\n\n[[bucket]]\nname = \"data\"\naccount = \"111111111111\"\n\n",
    );
    for (name, principal) in trusts {
        manifest.push_str(&format!(
            "[[role]]\narn = \"arn:aws:iam::111111111111:role/{name}\"\ntrust = {}\npolicies = [{read}]\n\n",
            trust(principal)
        ));
    }
    load(&manifest)
}

fn outside_principals(answer: &WhoCan) -> Vec<(String, Vec<String>)> {
    summary(answer)
        .into_iter()
        .zip(&answer.principals)
        .filter(|(_, reach)| reach.kind == Kind::Outside)
        .map(|(entry, reach)| (reach.principal.clone(), entry.1))
        .collect()
}

#[test]
fn principals_of_undeclared_accounts_are_listed_with_the_role_they_assume() {
    let world = trusting_world(&[
        ("by-account", r#"{"AWS": "333333333333"}"#),
        ("by-root", r#"{"AWS": "arn:aws:iam::555555555555:root"}"#),
        (
            "by-role",
            r#"{"AWS": "arn:aws:iam::444444444444:role/etl"}"#,
        ),
    ]);
    let answer = ask(&world, "s3:GetObject", "arn:aws:s3:::data/x", false);
    let strings = |items: &[&str]| {
        items
            .iter()
            .map(|item| (*item).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        outside_principals(&answer),
        vec![
            (
                "every principal of account 333333333333 allowed by its own policies (the account is not in the scenario)".to_owned(),
                strings(&["by-account"])
            ),
            (
                "every principal of account 555555555555 allowed by its own policies (the account is not in the scenario)".to_owned(),
                strings(&["by-root"])
            ),
            (
                "role arn:aws:iam::444444444444:role/etl, if its own policies allow it (account 444444444444 is not in the scenario)".to_owned(),
                strings(&["by-role"])
            ),
        ]
    );
    // The screen skips nothing the engine would allow.
    let exhaustive = ask(&world, "s3:GetObject", "arn:aws:s3:::data/x", true);
    assert_eq!(summary(&answer), summary(&exhaustive));
}

#[test]
fn everyone_is_listed_unless_a_condition_narrows_it_to_known_accounts() {
    let open = trusting_world(&[("open", r#"{"AWS": "*"}"#)]);
    let answer = ask(&open, "s3:GetObject", "arn:aws:s3:::data/x", false);
    assert_eq!(
        outside_principals(&answer),
        vec![(
            "any principal of any account whose own policies allow it".to_owned(),
            vec!["open".to_owned()]
        )]
    );
    // Narrowed to the scenario's own account: nobody outside.
    let narrowed = load(&format!(
        "[[account]]\nid = \"111111111111\"\n\n[[bucket]]\nname = \"data\"\naccount = \"111111111111\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/narrow\"\ntrust = {}\npolicies = [{}]\n",
        inline(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalAccount": "111111111111"}}}]}"#),
        allow(r#""s3:GetObject""#, "arn:aws:s3:::data/*"),
    ));
    let answer = ask(&narrowed, "s3:GetObject", "arn:aws:s3:::data/x", false);
    assert!(
        outside_principals(&answer).is_empty(),
        "{:?}",
        summary(&answer)
    );
}

#[test]
fn an_organization_condition_lets_in_the_other_accounts_of_the_organization() {
    let world = load(&format!(
        "[[account]]\nid = \"111111111111\"\n\n[[bucket]]\nname = \"data\"\naccount = \"111111111111\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/org\"\ntrust = {}\npolicies = [{}]\n",
        inline(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}"#),
        allow(r#""s3:GetObject""#, "arn:aws:s3:::data/*"),
    ));
    let answer = ask(&world, "s3:GetObject", "arn:aws:s3:::data/x", false);
    assert_eq!(
        outside_principals(&answer),
        vec![(
            "any principal of another account of organization o-a1b2c3d4e5 whose own policies allow it".to_owned(),
            vec!["org".to_owned()]
        )]
    );
}

#[test]
fn a_trust_naming_one_session_is_reached_with_that_session_name() {
    let world = load(&format!(
        "[[account]]\nid = \"111111111111\"\n\n[[bucket]]\nname = \"data\"\naccount = \"111111111111\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Analyst_0123456789abcdef\"\ntrust = {}\npolicies = [{}]\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/reader\"\ntrust = {}\npolicies = [{}]\n",
        trust(r#"{"Federated": "arn:aws:iam::111111111111:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"}"#),
        allow(r#""sts:AssumeRole""#, "arn:aws:iam::111111111111:role/reader"),
        trust(r#"{"AWS": "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Analyst_0123456789abcdef/bob@example.com"}"#),
        allow(r#""s3:GetObject""#, "arn:aws:s3:::data/*"),
    ));
    let answer = ask(&world, "s3:GetObject", "arn:aws:s3:::data/x", false);
    let sso = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Analyst_0123456789abcdef";
    let reach = answer
        .principals
        .iter()
        .find(|reach| reach.principal == sso)
        .unwrap_or_else(|| panic!("{:?}", summary(&answer)));
    assert_eq!(reach.chain, ["arn:aws:iam::111111111111:role/reader"]);
    assert_eq!(
        reach.session_names,
        BTreeMap::from([(sso.to_owned(), "bob@example.com".to_owned())])
    );
}

#[test]
fn a_role_only_a_service_assumes_is_answered_with_the_service() {
    let world = trusting_world(&[("lambda-reader", r#"{"Service": "lambda.amazonaws.com"}"#)]);
    let answer = ask(
        &world,
        "sts:AssumeRole",
        "arn:aws:iam::111111111111:role/lambda-reader",
        false,
    );
    assert_eq!(answer.principals.len(), 1, "{:?}", summary(&answer));
    assert_eq!(answer.principals[0].kind, Kind::Service);
    assert_eq!(answer.principals[0].principal, "lambda.amazonaws.com");
    // Nobody in the scenario may pass the role: the service is listed, with no way in.
    assert!(answer.principals[0].through.is_empty());
}

#[test]
fn an_assumed_bucket_is_read_with_identity_policies_alone() {
    let any_bucket = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}]}"#,
    );
    let mut world = load(&format!(
        "[[account]]\nid = \"111111111111\"\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/reader\"\ntrust = {}\npolicies = [{any_bucket}]\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/idle\"\ntrust = {}\n",
        trust(r#"{"Service": "ec2.amazonaws.com"}"#),
        trust(r#"{"Service": "ec2.amazonaws.com"}"#),
    ));
    let callers = CallerIndex::new(&world);
    assert!(who_can(
        &world,
        &callers,
        &WhoCanQuery::new("s3:GetObject", "arn:aws:s3:::elsewhere/x")
    )
    .is_err());
    let assumed = world.assume_undeclared(["arn:aws:s3:::elsewhere/x"]);
    assert_eq!(assumed.len(), 1);
    let answer = ask(&world, "s3:GetObject", "arn:aws:s3:::elsewhere/x", false);
    let roles: Vec<String> = summary(&answer)
        .into_iter()
        .zip(&answer.principals)
        .filter(|(_, reach)| reach.kind == Kind::Role)
        .map(|((name, _), _)| name)
        .collect();
    assert_eq!(roles, ["reader"]);
    let exhaustive = ask(&world, "s3:GetObject", "arn:aws:s3:::elsewhere/x", true);
    assert_eq!(summary(&answer), summary(&exhaustive));
}

#[test]
fn a_misspelt_action_is_refused_with_the_closest_one() {
    let error = refused("s3:GetObjekt", "arn:aws:s3:::data/x");
    assert!(error.contains("did you mean s3:GetObject"), "{error}");
}

#[test]
fn an_organization_the_world_cannot_stand_in_for_is_listed_through_its_role() {
    let org_trust = |organization: &str| {
        inline(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": "sts:AssumeRole", "Condition": {{"StringEquals": {{"aws:PrincipalOrgID": "{organization}"}}}}}}]}}"#
        ))
    };
    let read = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}"#,
    );
    let idle = inline(r#"{"Version": "2012-10-17", "Statement": []}"#);
    let world = load(&format!(
        "[[account]]\nid = \"111111111111\"\n\n[[bucket]]\nname = \"data\"\naccount = \"111111111111\"\n\n\
         [[role]]\narn = \"arn:aws:iam::111111111111:role/org-a\"\ntrust = {}\npolicies = [{read}]\n\n\
         [[role]]\narn = \"arn:aws:iam::111111111111:role/org-b\"\ntrust = {}\npolicies = [{read}]\n\n\
         [[role]]\narn = \"arn:aws:iam::111111111111:role/org-c\"\ntrust = {}\npolicies = [{idle}]\n",
        org_trust("o-aaaaaaaaaa"),
        org_trust("o-bbbbbbbbbb"),
        org_trust("o-cccccccccc"),
    ));
    let answer = ask(&world, "s3:GetObject", "arn:aws:s3:::data/x", false);
    assert_eq!(
        outside_principals(&answer),
        vec![
            (
                "any principal of another account of organization o-aaaaaaaaaa whose own policies allow it".to_owned(),
                vec!["org-a".to_owned()]
            ),
            (
                "any principal of organization o-bbbbbbbbbb whose own policies allow it (not in the scenario: the policy's other conditions are not checked)".to_owned(),
                vec!["org-b".to_owned()]
            ),
        ],
        "o-cccccccccc reaches a role that cannot read"
    );
}
