//! Questions as users ask them: with the caller's own credentials (`direct`) or by any route,
//! and questions that are themselves an AssumeRole, whose request carries the caller's external
//! id and session parameters as every hop of a chain does.

use crate::answer::Route;
use crate::check::run_expectation;
use crate::search::{find, AssumeOptions, Query};
use crate::tests_support::{expectation, inline, load};
use crate::TrustIndex;
use xacct_world::{Principal, Session, World};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const EXTID: &str = "arn:aws:iam::222222222222:role/extid";

/// Alice may assume `extid` with external id `ext-42`, and `reader` (which reads `data-b`)
/// freely; she can also walk app-role -> relay, which no role of interest trusts.
fn world() -> World {
    let allow = |actions: &str, resources: &str| {
        inline(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":{resources}}}]}}"#
        ))
    };
    let trust = |principal: &str, condition: &str| {
        inline(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
        ))
    };
    load(&format!(
        r#"
[[user]]
arn = "{ALICE}"
policies = [{alice}]

[[role]]
arn = "{EXTID}"
trust = {extid}

[[role]]
arn = "arn:aws:iam::222222222222:role/reader"
trust = {reader}
policies = [{read}]

[[role]]
arn = "arn:aws:iam::111111111111:role/app-role"
trust = {app}
policies = [{any_role}]

[[role]]
arn = "arn:aws:iam::222222222222:role/relay"
trust = {relay}
policies = [{any_role}]

[[bucket]]
name = "data-b"
account = "222222222222"
"#,
        alice = allow(r#""sts:AssumeRole""#, r#""*""#),
        extid = trust(
            ALICE,
            r#","Condition":{"StringEquals":{"sts:ExternalId":"ext-42"}}"#
        ),
        reader = trust(ALICE, ""),
        read = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::data-b/*""#),
        app = trust(ALICE, ""),
        relay = trust("arn:aws:iam::111111111111:role/app-role", ""),
        any_role = allow(r#""sts:AssumeRole""#, r#""*""#),
    ))
}

fn assume_extid(options: AssumeOptions) -> Query {
    Query {
        start: Session::of(Principal::User(ALICE.to_owned())),
        via: Vec::new(),
        action: "sts:AssumeRole".to_owned(),
        resource: EXTID.to_owned(),
        context: Vec::new(),
        options,
        max_depth: 5,
    }
}

fn with_external_id(id: &str) -> AssumeOptions {
    let mut options = AssumeOptions::default();
    options.external_ids.insert(EXTID.to_owned(), id.to_owned());
    options
}

#[test]
fn the_questions_own_assume_role_passes_the_external_id() {
    let world = world();
    let index = TrustIndex::new(&world);
    let outcome = find(&world, &index, &assume_extid(with_external_id("ext-42")));
    assert!(outcome.allowed(), "{:?}", outcome.path.describe());
    assert!(outcome.path.hops.is_empty());
    let wrong = find(&world, &index, &assume_extid(with_external_id("ext-41")));
    assert!(!wrong.allowed());
}

#[test]
fn without_the_external_id_the_callers_own_request_is_the_closest() {
    let world = world();
    let index = TrustIndex::new(&world);
    let outcome = find(&world, &index, &assume_extid(AssumeOptions::default()));
    assert!(!outcome.allowed());
    // Not alice -> app-role -> relay, which passes more links but is no closer.
    assert_eq!(outcome.path.describe(), ALICE);
    assert_eq!(outcome.asked, Route::AnyRoute { max_depth: 5 });
}

#[test]
fn a_duration_sts_refuses_denies_the_question_whatever_the_policies_say() {
    let world = world();
    let index = TrustIndex::new(&world);
    let mut options = with_external_id("ext-42");
    options.duration_seconds = Some(7200);
    let outcome = find(&world, &index, &assume_extid(options));
    assert!(!outcome.allowed());
    let refusal = outcome.path.final_refusal.unwrap_or_default();
    assert!(refusal.contains("MaxSessionDuration (3600)"), "{refusal}");
    assert!(outcome.path.last.is_some_and(|step| step.allowed()));
}

#[test]
fn a_direct_expectation_searches_no_chain() {
    let world = world();
    let index = TrustIndex::new(&world);
    let mut asked = expectation(ALICE, &["s3:GetObject"], "arn:aws:s3:::data-b/x");
    let any = run_expectation(&world, &index, &asked);
    assert!(any.passed());
    assert_eq!(any.asked, [Route::AnyRoute { max_depth: 5 }]);
    asked.direct = true;
    let direct = run_expectation(&world, &index, &asked);
    assert!(!direct.passed());
    assert_eq!(direct.asked, [Route::Direct]);
    assert!(direct
        .cases
        .iter()
        .all(|case| case.outcome.path.hops.is_empty()));
    assert!(direct.assumptions.is_empty());
}

#[test]
fn an_action_listed_twice_is_asked_once() {
    let world = world();
    let index = TrustIndex::new(&world);
    let mut twice = expectation(
        ALICE,
        &["s3:GetObject", "s3:GetObject"],
        "arn:aws:s3:::data-b/x",
    );
    assert_eq!(run_expectation(&world, &index, &twice).cases.len(), 1);
    twice.resources.push("arn:aws:s3:::data-b/x".to_owned());
    assert_eq!(run_expectation(&world, &index, &twice).cases.len(), 1);
}

#[test]
fn one_fix_that_two_failures_need_is_one_fix_that_mends_both() {
    let mut world = world();
    let mut first = expectation(ALICE, &["sts:AssumeRole"], EXTID);
    first.name = "first".to_owned();
    let mut second = first.clone();
    second.name = "second".to_owned();
    world.expectations = vec![first, second];
    let report = crate::check::check(&world);
    assert!(!report.passed());
    let fixes = report.distinct_fixes();
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        fixes.first().map(|shared| shared.mends.clone()),
        Some(vec![
            crate::check::Mended::Expectation(0),
            crate::check::Mended::Expectation(1)
        ])
    );
    assert!(matches!(
        fixes.first().map(|shared| &shared.fix.target),
        Some(crate::fix::Target::ExternalId { .. })
    ));
}
