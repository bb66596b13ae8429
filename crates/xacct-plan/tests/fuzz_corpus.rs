//! The `render_plan` fuzz target (`fuzz/src/plan.rs`, included as it is) on every file of its
//! corpus, and on random lines: no names or values may make a renderer panic.

#[path = "../../../fuzz/src/plan.rs"]
mod plan;
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/s3-role-chain/plan")
}

#[test]
fn render_plan_corpus_never_panics() {
    let scenario = scenario();
    replay::replay("render_plan", &|data| {
        let _ = plan::render_plan(data, &scenario);
    });
}

/// The seeds reach the renderers: the example's own values plan and render.
#[test]
fn render_plan_seed_of_the_example_is_rendered() {
    let seed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/render_plan/plain.txt"),
    )
    .unwrap_or_default();
    assert_eq!(plan::render_plan(&seed, &scenario()), 1);
    // A bucket name AWS would reject never reaches a renderer unquoted: it loads or not, and
    // whatever loads renders.
    let _ = plan::render_plan(
        b"x
lake-b;touch PWNED;
sales/",
        &scenario(),
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn render_plan_survives_random_names(
        lines in proptest::collection::vec("[ -~\t\u{e9}\u{2603}]{0,40}", 0..9),
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let scenario = scenario();
        let _ = plan::render_plan(lines.join("\n").as_bytes(), &scenario);
        let _ = plan::render_plan(&bytes, &scenario);
    }
}
