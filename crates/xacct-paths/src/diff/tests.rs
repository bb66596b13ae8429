use super::*;
use crate::who_can::incremental::Incremental;
use crate::who_can::who_can;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The before/after scenario pairs the CLI tests use too.
const PAIRS: [&str; 8] = [
    "trust-widened",
    "trust-opened",
    "bucket-policy-narrowed",
    "scp-added",
    "lf-grant-revoked",
    "key-policy-edited",
    "bucket-made-public",
    "no-change",
];

fn load(pair: &str, side: &str) -> World {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../xacct-cli/tests/fixtures/diff")
        .join(pair)
        .join(side);
    let loaded = xacct_world::load(&dir).unwrap();
    assert!(!loaded.has_errors(), "{}: errors", dir.display());
    let mut world = loaded.world;
    world.request_time = xacct_eval::RequestTime::parse("2026-12-07T09:30:00Z").unwrap();
    world
}

fn pair(name: &str) -> (World, World) {
    (load(name, "before"), load(name, "after"))
}

type Key = (String, String, String);

fn keys(changes: &[AccessChange]) -> BTreeSet<Key> {
    changes
        .iter()
        .map(|change| {
            let access = &change.access;
            (
                access.principal.clone(),
                access.action.clone(),
                access.resource.clone(),
            )
        })
        .collect()
}

/// Who can, straight from `who_can`: for a table, only those whose requester Lake Formation
/// lets in as well (the two gates of a table read).
fn who_can_answer(world: &World, question: &Question) -> BTreeSet<String> {
    if !question.subject.exists_in(world) {
        return BTreeSet::new();
    }
    let query = WhoCanQuery::new(question.action.clone(), question.resource.clone());
    let answer = who_can(world, &CallerIndex::new(world), &query).unwrap();
    answer
        .principals
        .into_iter()
        .filter(|reach| {
            let Some(table) = question.subject.table() else {
                return true;
            };
            let requester = reach.chain.last().unwrap_or(&reach.principal);
            let Some(requester) =
                world.lake_requester(&Session::of(Principal::Role(requester.clone())))
            else {
                return true;
            };
            world
                .lake
                .permits(&requester, &Target::Table(table), &question.lake)
                .allowed()
        })
        .map(|reach| reach.principal)
        .collect()
}

#[test]
fn the_diff_is_the_set_difference_of_the_who_can_answers() {
    for name in PAIRS {
        let (before, after) = pair(name);
        let found = diff(&before, &after, &Options::default()).unwrap();
        let mut gained = BTreeSet::new();
        let mut lost = BTreeSet::new();
        for question in questions::of_worlds(&before, &after) {
            let was = who_can_answer(&before, &question);
            let is = who_can_answer(&after, &question);
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
        assert_eq!(keys(&found.gained), gained, "{name}: gained");
        assert_eq!(keys(&found.lost), lost, "{name}: lost");
        assert!(
            name == "no-change" || !(gained.is_empty() && lost.is_empty()),
            "{name}: the pair changes nothing"
        );
    }
}

#[test]
fn every_action_asked_is_one_the_catalog_knows_on_its_resource() {
    let mut asked = BTreeSet::new();
    for name in PAIRS {
        let (before, after) = pair(name);
        for question in questions::of_worlds(&before, &after) {
            let known = xacct_world::question::known_action(&question.action).unwrap();
            assert!(known.is_some(), "{}: not in the catalog", question.action);
            xacct_world::question::check(&question.action, &question.resource)
                .unwrap_or_else(|error| panic!("{}", error.with_help()));
            asked.insert(question.action);
        }
    }
    let listed: BTreeSet<String> = questions::actions()
        .into_iter()
        .map(|(action, _)| action.to_owned())
        .collect();
    assert!(asked.is_subset(&listed), "{asked:?}");
    // Those no pair asks (no pair has every kind of resource), on a resource of their kind.
    for (action, resource) in questions::actions() {
        let known = xacct_world::question::known_action(action).unwrap();
        assert!(known.is_some(), "{action}: not in the catalog");
        xacct_world::question::check(action, resource)
            .unwrap_or_else(|error| panic!("{}", error.with_help()));
    }
}

#[test]
fn a_change_to_one_action_of_a_kind_is_listed() {
    // Only `s3:DeleteObject` is granted: a diff asking one representative write action
    // (`s3:PutObject`) would list nothing.
    let (before, _) = pair("trust-widened");
    let mut after = before.clone();
    let reader = "arn:aws:iam::111111111111:role/lake-reader";
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::lake-a/*"}]}"#;
    let source = xacct_policy::SourceFile::new("delete.json".to_owned(), text.to_owned());
    let parsed = xacct_policy::parse_policy(source.text(), xacct_policy::PolicyKind::Identity);
    after.roles.get_mut(reader).unwrap().policies.push(
        xacct_eval::SourcedPolicy::new(parsed.policy, "delete.json".to_owned()).with_source(source),
    );
    let found = diff(&before, &after, &Options::default()).unwrap();
    let gained = keys(&found.gained);
    assert!(gained.contains(&(
        reader.to_owned(),
        "s3:DeleteObject".to_owned(),
        "arn:aws:s3:::lake-a/*".to_owned()
    )));
    assert!(
        gained
            .iter()
            .all(|(_, action, _)| action == "s3:DeleteObject"),
        "{gained:?}"
    );
    assert!(found.lost.is_empty());
}

#[test]
fn asking_only_what_the_changes_affect_gives_the_whole_answer() {
    for name in PAIRS {
        let (before, after) = pair(name);
        let scoped = diff(&before, &after, &Options::default()).unwrap();
        let everything = Options {
            everything: true,
            ..Options::default()
        };
        let all = diff(&before, &after, &everything).unwrap();
        assert_eq!(keys(&scoped.gained), keys(&all.gained), "{name}");
        assert_eq!(keys(&scoped.lost), keys(&all.lost), "{name}");
        assert_eq!(all.asked, all.questions, "{name}");
        // Access by access, chains included: the questions answered incrementally give the
        // same as the whole worlds.
        let whole = |changes: &[AccessChange]| -> Vec<Access> {
            changes.iter().map(|change| change.access.clone()).collect()
        };
        assert_eq!(whole(&scoped.gained), whole(&all.gained), "{name}");
        assert_eq!(whole(&scoped.lost), whole(&all.lost), "{name}");
        assert_eq!(
            all.incremental, 0,
            "{name}: everything is asked of the whole worlds"
        );
        // A changed principal and an added SCP (their questions' resources unchanged, no
        // principal outside the scenario trusted) are answered incrementally.
        if matches!(name, "trust-widened" | "scp-added") {
            assert_eq!(scoped.incremental, scoped.asked, "{name}");
            assert!(scoped.asked > 0, "{name}");
        }
    }
}

fn cause_names(diff: &Diff, change: &AccessChange) -> Vec<String> {
    change
        .causes
        .iter()
        .map(|index| diff.documents[*index].name.clone())
        .collect()
}

#[test]
fn a_widened_trust_gives_the_other_account_the_roles_reach_through_it() {
    let (before, after) = pair("trust-widened");
    let found = diff(&before, &after, &Options::default()).unwrap();
    assert!(found.lost.is_empty());
    let read = found
        .gained
        .iter()
        .find(|change| {
            change.access.principal == "arn:aws:iam::222222222222:role/analyst"
                && change.access.action == "s3:GetObject"
        })
        .unwrap();
    assert_eq!(
        read.access.chain,
        ["arn:aws:iam::111111111111:role/lake-reader"]
    );
    assert!(read.access.cross_account);
    assert_eq!(
        cause_names(&found, read),
        ["trust policy of arn:aws:iam::111111111111:role/lake-reader"]
    );
    // Only the bucket's questions could change: the rest were not asked again.
    assert!(found.asked < found.questions || found.questions <= 4);
}

#[test]
fn a_narrowed_bucket_policy_loses_the_objects_outside_the_prefix_it_keeps() {
    let (before, after) = pair("bucket-policy-narrowed");
    let found = diff(&before, &after, &Options::default()).unwrap();
    let lost = keys(&found.lost);
    let analyst = "arn:aws:iam::222222222222:role/analyst".to_owned();
    assert!(lost.contains(&(
        analyst.clone(),
        "s3:GetObject".to_owned(),
        "arn:aws:s3:::lake-a/*".to_owned()
    )));
    assert!(!lost.contains(&(
        analyst,
        "s3:GetObject".to_owned(),
        "arn:aws:s3:::lake-a/shared/*".to_owned()
    )));
    assert!(found.gained.is_empty());
}

#[test]
fn an_added_scp_takes_writes_away_and_names_itself_as_the_cause() {
    let (before, after) = pair("scp-added");
    let found = diff(&before, &after, &Options::default()).unwrap();
    let write = found
        .lost
        .iter()
        .find(|change| change.access.action == "s3:PutObject")
        .unwrap();
    assert_eq!(
        cause_names(&found, write),
        ["SCPs that apply to account 222222222222"]
    );
    assert!(found
        .lost
        .iter()
        .all(|change| change.access.action != "s3:GetObject"));
}

#[test]
fn a_revoked_lake_formation_grant_loses_the_table_read() {
    let (before, after) = pair("lf-grant-revoked");
    let found = diff(&before, &after, &Options::default()).unwrap();
    let read = found
        .lost
        .iter()
        .find(|change| change.access.group == Group::Read)
        .unwrap();
    assert_eq!(
        read.access.resource,
        "arn:aws:glue:us-east-1:111111111111:table/sales/orders"
    );
    assert_eq!(found.documents[read.causes[0]].affects, [Affects::Lake]);
}

#[test]
fn public_access_comes_first() {
    let (before, after) = pair("bucket-made-public");
    let found = diff(&before, &after, &Options::default()).unwrap();
    let first = &found.gained[0].access;
    assert!(first.public && first.cross_account, "{first:?}");
}

#[test]
fn an_opened_trust_gives_anyone_the_roles_reach() {
    let (before, after) = pair("trust-opened");
    let found = diff(&before, &after, &Options::default()).unwrap();
    assert!(found.lost.is_empty());
    let read = found
        .gained
        .iter()
        .find(|change| change.access.public && change.access.action == "s3:GetObject")
        .unwrap();
    assert_eq!(
        read.access.chain,
        ["arn:aws:iam::111111111111:role/lake-reader"]
    );
    // Public first.
    assert!(found.gained[0].access.public);
}

#[test]
fn no_change_asks_nothing_again() {
    let (before, after) = pair("no-change");
    let found = diff(&before, &after, &Options::default()).unwrap();
    assert!(found.documents.is_empty());
    assert_eq!(found.asked, 0);
    assert!(found.gained.is_empty() && found.lost.is_empty());
}

/// The accesses one answer has and the other lacks: principal, kind, chain.
fn differences(
    has: &BTreeMap<String, Reach>,
    lacks: &BTreeMap<String, Reach>,
) -> Vec<(String, Kind, Option<String>, Vec<String>)> {
    has.iter()
        .filter(|(principal, _)| !lacks.contains_key(*principal))
        .map(|(principal, reach)| {
            (
                principal.clone(),
                reach.kind,
                reach.role.clone(),
                reach.chain.clone(),
            )
        })
        .collect()
}

/// Each question a principal change asks again, answered incrementally (with the exact search
/// kept to the principals it must decide and the roles they reach, and with the search of the
/// whole world), gains and loses what who-can's whole answers on each side do, chains
/// included.
#[test]
fn the_incremental_answers_differ_as_the_whole_answers_do() {
    let mut differing = 0;
    for name in ["scp-added", "trust-widened"] {
        let (before, after) = pair(name);
        let callers = [CallerIndex::new(&before), CallerIndex::new(&after)];
        let worlds = [(&before, &callers[0]), (&after, &callers[1])];
        let scope = scope::Scope::of(&changes::between(&before, &after));
        assert!(scope.incremental(&before, &after), "{name}");
        let questions = questions::of_worlds(&before, &after);
        let asked = scope.plan(&questions, worlds, DEFAULT_DEPTH).unwrap();
        let mut compared = 0;
        for limit in [0, usize::MAX] {
            let prepared = [Prepared::new(&before), Prepared::new(&after)];
            let incremental = Incremental::new(
                [
                    (&before, &callers[0], &prepared[0]),
                    (&after, &callers[1], &prepared[1]),
                ],
                DEFAULT_DEPTH,
            )
            .with_focus_limit(limit);
            for question in &asked {
                if scope.resource_side_changed(question, worlds) {
                    continue;
                }
                let changed = scope.changed_principals(worlds, &question.action);
                let query = WhoCanQuery::new(question.action.clone(), question.resource.clone());
                let [was, is] = incremental.answers(&changed, &query).unwrap();
                let [whole_was, whole_is] = worlds.map(|(world, callers)| {
                    let prepared = Prepared::new(world);
                    answer(world, callers, &prepared, question, DEFAULT_DEPTH).unwrap()
                });
                let gained = differences(&whole_is, &whole_was);
                let lost = differences(&whole_was, &whole_is);
                assert_eq!(
                    differences(&is, &was),
                    gained,
                    "{name}, {limit}: {question:?}"
                );
                assert_eq!(
                    differences(&was, &is),
                    lost,
                    "{name}, {limit}: {question:?}"
                );
                differing += gained.len() + lost.len();
                compared += 1;
            }
        }
        assert!(compared > 0, "{name}: nothing answered incrementally");
    }
    assert!(differing > 0, "the changes change nothing");
}

fn example(path: &str) -> World {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(path);
    let loaded = xacct_world::load(&dir).unwrap();
    assert!(!loaded.has_errors(), "{}: errors", dir.display());
    let mut world = loaded.world;
    world.request_time = xacct_eval::RequestTime::parse("2026-12-07T09:30:00Z").unwrap();
    world
}

/// `(principal, action, resource)` of every compute access in `changes`.
fn compute_keys(changes: &[AccessChange]) -> BTreeSet<Key> {
    keys(changes)
        .into_iter()
        .filter(|(principal, _, _)| principal.starts_with("compute:"))
        .collect()
}

const ORDERS: &str = "arn:aws:glue:us-east-1:111111111111:table/sales/orders";

#[test]
fn lake_settings_that_leave_out_emr_lose_the_clusters_table_read_and_nothing_else() {
    let before = example("emr-runtime-role");
    let after = example("emr-runtime-role/broken/lake-settings-leave-out-emr");
    let found = diff(&before, &after, &Options::default()).unwrap();
    // The runtime role keeps its grants (from Athena it still reads): only the cluster,
    // which Lake Formation no longer vends to, loses the data.
    let lost: Vec<&AccessChange> = found.lost.iter().collect();
    assert_eq!(lost.len(), 1, "{lost:#?}");
    let read = lost[0];
    assert_eq!(read.access.kind, Kind::Compute);
    assert_eq!(read.access.principal, "compute:etl");
    assert_eq!(read.access.action, "lakeformation:GetDataAccess");
    assert_eq!(read.access.resource, ORDERS);
    assert_eq!(
        read.access.chain,
        ["arn:aws:iam::111111111111:role/etl-step"]
    );
    assert_eq!(
        cause_names(&found, read),
        ["Lake Formation grants and settings, Glue catalogs, RAM shares"]
    );
    assert!(found.gained.is_empty());
    // Turned back on, the same read is gained.
    let back = diff(&after, &before, &Options::default()).unwrap();
    assert_eq!(compute_keys(&back.gained), compute_keys(&found.lost));
    assert!(back.lost.is_empty());
}

#[test]
fn a_cluster_that_stops_integrating_lake_formation_loses_the_vended_read() {
    let before = example("emr-runtime-role");
    let mut after = before.clone();
    let compute = after.compute.get_mut("etl").unwrap();
    compute
        .settings
        .security_configuration
        .as_mut()
        .and_then(|security| security.runtime_roles.as_mut())
        .unwrap()
        .lake_formation_tag = None;
    let found = diff(&before, &after, &Options::default()).unwrap();
    assert_eq!(
        compute_keys(&found.lost),
        BTreeSet::from([(
            "compute:etl".to_owned(),
            "lakeformation:GetDataAccess".to_owned(),
            ORDERS.to_owned()
        )])
    );
    let read = found
        .lost
        .iter()
        .find(|change| change.access.kind == Kind::Compute)
        .unwrap();
    assert_eq!(cause_names(&found, read), ["settings of compute etl"]);
}

#[test]
fn a_compute_moved_in_its_files_is_not_a_changed_document() {
    // The broken variant names the same settings files by other relative paths and holds
    // its manifest's lines elsewhere: only the lake settings differ.
    let before = example("emr-runtime-role");
    let after = example("emr-runtime-role/broken/lake-settings-leave-out-emr");
    let documents = changes::between(&before, &after);
    let names: Vec<&str> = documents.iter().map(|doc| doc.name.as_str()).collect();
    assert_eq!(
        names,
        ["Lake Formation grants and settings, Glue catalogs, RAM shares"]
    );
}

#[test]
fn an_emrfs_mapping_that_stops_matching_loses_the_clusters_reach_through_it() {
    // The field guide's EMRFS role mapping: the cluster reaches the other account's bucket
    // through the role its mapping names for the prefix. The broken variant's mapping names
    // another prefix, and no principal's documents change: only the cluster loses the data.
    let before = example("emrfs-role-mapping");
    let after = example("emrfs-role-mapping/broken/prefix-does-not-match");
    let found = diff(&before, &after, &Options::default()).unwrap();
    assert!(found.gained.is_empty(), "{:#?}", found.gained);
    let lost = keys(&found.lost);
    let bucket = "arn:aws:s3:::doc-example-bucket";
    let objects = "arn:aws:s3:::doc-example-bucket/*";
    let expected: BTreeSet<Key> = [
        ("s3:ListBucket", bucket),
        ("s3:GetObject", objects),
        ("s3:PutObject", objects),
        ("s3:DeleteObject", objects),
    ]
    .into_iter()
    .map(|(action, resource)| {
        (
            "compute:writer".to_owned(),
            action.to_owned(),
            resource.to_owned(),
        )
    })
    .collect();
    assert_eq!(lost, expected);
    for change in &found.lost {
        assert_eq!(
            change.access.chain,
            ["arn:aws:iam::222222222222:role/role_in_destination_account"]
        );
        assert_eq!(cause_names(&found, change), ["settings of compute writer"]);
    }
    // Each answer is check's own: the mapped write allowed before, refused after.
    let write = xacct_world::Expectation::new(
        "write",
        "compute:writer",
        vec!["s3:PutObject".to_owned()],
        vec![objects.to_owned()],
    );
    let passes = |world: &World| {
        crate::check::run_expectation(world, &crate::index::TrustIndex::new(world), &write).passed()
    };
    assert!(passes(&before));
    assert!(!passes(&after));
}

fn github_world(subject: &str) -> World {
    crate::tests_support::role_reading_data(&format!(
        r#"{{"Effect": "Allow", "Principal": {{"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {{"StringLike": {{"token.actions.githubusercontent.com:sub": "{subject}"}}}}}}"#
    ))
}

#[test]
fn a_github_trust_widened_to_every_repository_is_new_access_from_outside() {
    let before = github_world("repo:example/deploy:ref:refs/heads/main");
    let after = github_world("repo:*");
    let found = diff(&before, &after, &Options::default()).unwrap();
    let gained: Vec<&Access> = found
        .gained
        .iter()
        .map(|change| &change.access)
        .filter(|access| access.action == "s3:GetObject")
        .collect();
    assert_eq!(gained.len(), 1, "{gained:#?}");
    assert_eq!(gained[0].kind, Kind::Federated);
    assert!(gained[0]
        .principal
        .ends_with("token.actions.githubusercontent.com:sub StringLike repo:*"));
    assert!(gained[0].cross_account);
    assert_eq!(gained[0].chain, ["arn:aws:iam::111111111111:role/deploy"]);
    let lost: Vec<&String> = found
        .lost
        .iter()
        .map(|change| &change.access.principal)
        .collect();
    assert_eq!(lost.len(), 1);
    assert!(lost[0].ends_with("repo:example/deploy:ref:refs/heads/main"));
    // Scoped or not, the same diff.
    let everything = diff(
        &before,
        &after,
        &Options {
            everything: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(keys(&everything.gained), keys(&found.gained));
    assert_eq!(keys(&everything.lost), keys(&found.lost));
}
