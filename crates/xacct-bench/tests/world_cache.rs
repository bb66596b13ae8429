//! On generated organizations (both layouts), the world read back from the cache of compiled
//! worlds answers who-can and check exactly as the world loaded from the files.
#![expect(
    clippy::unwrap_used,
    reason = "a world that cannot be loaded or asked fails the test"
)]

use xacct_bench::{generate, Layout, Spec};
use xacct_paths::{who_can, CallerIndex, WhoCanQuery};
use xacct_world::cache::{load_cached, CacheUse};
use xacct_world::{load_with, FileAccess, World};

const AT: &str = "2026-12-07T00:00:00Z";

/// Every answer the test compares, as text.
fn answers(world: &mut World, questions: &[(String, String)]) -> String {
    world.request_time = xacct_eval::RequestTime::parse(AT).unwrap();
    let callers = CallerIndex::new(world);
    let mut out = String::new();
    for (action, resource) in questions {
        let answer = who_can(world, &callers, &WhoCanQuery::new(action, resource)).unwrap();
        assert!(
            !answer.principals.is_empty() || action != "s3:GetObject",
            "{action} on {resource}: nobody, the question tests nothing"
        );
        out.push_str(&format!("{action} {resource}\n{answer:#?}\n"));
    }
    let report = xacct_paths::check::check(world);
    out.push_str(&format!("{:#?}", report.expectations));
    out
}

#[test]
fn a_generated_organization_answers_the_same_from_the_cache() {
    for layout in [Layout::Exports, Layout::Manifest] {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let mut spec = Spec::new(8, 24);
        spec.expectations = 40;
        spec.layout = layout;
        let summary = generate(&spec, dir.path()).unwrap();
        let mut fresh = load_with(dir.path(), &FileAccess::anywhere()).unwrap();
        assert!(!fresh.has_errors());
        let role = fresh.world.roles.keys().nth(30).unwrap().clone();
        let questions = vec![
            (summary.probe_action.clone(), summary.probe_resource.clone()),
            (
                "s3:PutObject".to_owned(),
                summary.probe_resource.replace("/*", "/x/y.parquet"),
            ),
            ("sts:AssumeRole".to_owned(), role),
        ];
        let expected = answers(&mut fresh.world, &questions);

        let (mut first, used) =
            load_cached(dir.path(), &FileAccess::anywhere(), cache.path()).unwrap();
        assert!(matches!(used, CacheUse::Written { .. }), "{used:?}");
        assert_eq!(answers(&mut first.world, &questions), expected);
        let (mut second, used) =
            load_cached(dir.path(), &FileAccess::anywhere(), cache.path()).unwrap();
        assert_eq!(used, CacheUse::Hit);
        assert_eq!(second.world.roles.len(), fresh.world.roles.len());
        assert!(answers(&mut second.world, &questions) == expected);
    }
}
