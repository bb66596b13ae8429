//! On a generated organization, the diff of a one-document change asks only what the change
//! can affect, and gets the same answer as asking every question of both worlds, which is the
//! set difference of `who_can` run on each side.

use std::collections::BTreeSet;
use xacct_bench::{change, generate_once, Spec};
use xacct_paths::diff::{diff, questions, Access, AccessChange, Options, Question};
use xacct_paths::{who_can, CallerIndex, WhoCanQuery};
use xacct_world::World;

fn keys(changes: &[AccessChange]) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = changes
        .iter()
        .map(|change| {
            let access = &change.access;
            (
                access.principal.clone(),
                access.action.clone(),
                access.resource.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

type Key = (String, String, String);

/// The principals `who_can` finds for `question` in `world`, straight from who-can (none when
/// the world lacks the resource). The generated organization has no Glue tables, so no Lake
/// Formation gate applies.
#[expect(
    clippy::unwrap_used,
    reason = "a question who-can cannot answer fails the test"
)]
fn who_can_answer(
    world: &World,
    callers: &CallerIndex<'_>,
    question: &Question,
) -> BTreeSet<String> {
    if !question.subject.exists_in(world) {
        return BTreeSet::new();
    }
    assert!(
        question.subject.table().is_none(),
        "a table: gate it by Lake Formation"
    );
    let query = WhoCanQuery::new(question.action.clone(), question.resource.clone());
    who_can(world, callers, &query)
        .unwrap()
        .principals
        .into_iter()
        .map(|reach| reach.principal)
        .collect()
}

/// Gained and lost, as the set difference of who-can's answers on each side.
fn set_difference(before: &World, after: &World) -> (Vec<Key>, Vec<Key>) {
    let callers = [CallerIndex::new(before), CallerIndex::new(after)];
    let mut gained = BTreeSet::new();
    let mut lost = BTreeSet::new();
    for question in questions::of_worlds(before, after) {
        let was = who_can_answer(before, &callers[0], &question);
        let is = who_can_answer(after, &callers[1], &question);
        let key = |principal: &String| {
            (
                principal.clone(),
                question.action.clone(),
                question.resource.clone(),
            )
        };
        gained.extend(is.difference(&was).map(key));
        lost.extend(was.difference(&is).map(key));
    }
    (gained.into_iter().collect(), lost.into_iter().collect())
}

#[test]
fn the_scoped_diff_of_a_generated_organization_equals_asking_everything() {
    let parent = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xacct-bench");
    let spec = Spec {
        buckets: 10,
        ..Spec::new(10, 20)
    };
    let summary = generate_once(&spec, &parent).unwrap();
    let before: World = xacct_world::load(&summary.dir).unwrap().world;
    let (reader, other) = change::probe_reader(&before, &summary).unwrap();
    let own = before.roles[&reader].account;
    let changes = [
        (
            "trust",
            change::trust_widened(&before, &reader, other).unwrap(),
        ),
        (
            "trust opened",
            change::trust_opened(&before, &reader).unwrap(),
        ),
        (
            "bucket policy",
            change::bucket_policy_removed(&before, &change::probe_bucket(&summary)).unwrap(),
        ),
        ("scp", change::scp_added(&before, own).unwrap()),
    ];
    let everything = Options {
        everything: true,
        ..Options::default()
    };
    for (name, after) in &changes {
        let scoped = diff(&before, after, &Options::default()).unwrap();
        let all = diff(&before, after, &everything).unwrap();
        assert_eq!(keys(&scoped.gained), keys(&all.gained), "{name}: gained");
        assert_eq!(keys(&scoped.lost), keys(&all.lost), "{name}: lost");
        let (gained, lost) = set_difference(&before, after);
        assert_eq!(
            keys(&scoped.gained),
            gained,
            "{name}: gained, against who-can"
        );
        assert_eq!(keys(&scoped.lost), lost, "{name}: lost, against who-can");
        // A trust widened to an account whose administrators reach the data anyway changes
        // nothing; the others do.
        assert!(
            *name == "trust" || !(all.gained.is_empty() && all.lost.is_empty()),
            "{name}: the change changes nothing"
        );
    }
}

/// Changes to principals only (SCPs on an account and on a unit, for the data actions and for
/// `sts:AssumeRole`; identity policies of a reader and of a role many chains start from) are
/// answered by deciding only the principals whose answer can differ: the diff is the same,
/// access by access (principal, kind, instance profile's role, chain), as asking every
/// question of both whole worlds, and the same principals as who-can's set difference.
#[test]
fn the_incremental_diff_of_principal_changes_equals_asking_everything() {
    let parent = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("xacct-bench");
    let spec = Spec {
        buckets: 10,
        ..Spec::new(10, 20)
    };
    let summary = generate_once(&spec, &parent).unwrap();
    let before: World = xacct_world::load(&summary.dir).unwrap().world;
    let (reader, _) = change::probe_reader(&before, &summary).unwrap();
    let own = before.roles[&reader].account;
    let deny_assume = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}"#;
    let deny_objects = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]}"#;
    let reads_nothing = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]}"#;
    let objects_only = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
    let administrator = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let rcp = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["sts:AssumeRole", "s3:GetObject"], "Resource": "*"}]}"#;
    // The security account's administrator: it may assume `readonly` in every account.
    let hub = before
        .roles
        .values()
        .find(|role| role.name == "platform-admin" && role.account.to_string() == "200000000001")
        .map(|role| role.arn.clone())
        .unwrap();
    let changes = [
        ("scp", change::scp_added(&before, own).unwrap()),
        (
            "scp on assume role",
            change::scp_added_with(&before, own, deny_assume).unwrap(),
        ),
        (
            "scp on a unit",
            change::unit_scp_added(&before, "workloads", deny_objects).unwrap(),
        ),
        (
            "reader's policies",
            change::identity_replaced(&before, &reader, reads_nothing).unwrap(),
        ),
        (
            "hub's policies",
            change::identity_replaced(&before, &hub, objects_only).unwrap(),
        ),
        (
            "reader made administrator",
            change::identity_replaced(&before, &reader, administrator).unwrap(),
        ),
        ("rcp", change::rcp_added_with(&before, own, rcp).unwrap()),
    ];
    let everything = Options {
        everything: true,
        ..Options::default()
    };
    for (name, after) in &changes {
        let scoped = diff(&before, after, &Options::default()).unwrap();
        let all = diff(&before, after, &everything).unwrap();
        eprintln!(
            "{name}: {} asked, {} incrementally, {} gained, {} lost",
            scoped.asked,
            scoped.incremental,
            scoped.gained.len(),
            scoped.lost.len()
        );
        assert!(scoped.incremental > 0, "{name}: never incremental");
        assert!(
            !(all.gained.is_empty() && all.lost.is_empty()),
            "{name}: the change changes nothing"
        );
        let whole = |changes: &[AccessChange]| -> Vec<Access> {
            changes.iter().map(|change| change.access.clone()).collect()
        };
        assert_eq!(whole(&scoped.gained), whole(&all.gained), "{name}: gained");
        assert_eq!(whole(&scoped.lost), whole(&all.lost), "{name}: lost");
        let (gained, lost) = set_difference(&before, after);
        assert_eq!(
            keys(&scoped.gained),
            gained,
            "{name}: gained, against who-can"
        );
        assert_eq!(keys(&scoped.lost), lost, "{name}: lost, against who-can");
    }
}
