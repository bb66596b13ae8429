//! On a generated organization, the diff of a one-document change asks only what the change
//! can affect, and gets the same answer as asking every question of both worlds.

use xacct_bench::{change, generate_once, Spec};
use xacct_paths::diff::{diff, AccessChange, Options};
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
        // A trust widened to an account whose administrators reach the data anyway changes
        // nothing; the others do.
        assert!(
            *name == "trust" || !(all.gained.is_empty() && all.lost.is_empty()),
            "{name}: the change changes nothing"
        );
    }
}
