//! The `load_scenario` and `import_export` fuzz targets (`fuzz/src/world.rs`, included as it
//! is) on every file of their corpora, and on random mutations of them: no input may panic.
//! CI runs this; cargo-fuzz (nightly) explores further.

#[path = "../../../fuzz/src/replay.rs"]
mod replay;
#[path = "../../../fuzz/src/world.rs"]
mod world;

use proptest::prelude::*;

#[test]
fn load_scenario_corpus_never_panics() {
    replay::replay("load_scenario", &|data| {
        let _ = world::load_scenario(data);
    });
}

/// The seeds are scenarios that load: the generator rewrote their paths right.
#[test]
fn load_scenario_seeds_of_the_examples_load_cleanly() {
    let clean = replay::corpus("load_scenario")
        .iter()
        .filter(|path| world::load_scenario(&std::fs::read(path).unwrap_or_default()))
        .count();
    assert!(clean >= 20, "only {clean} seeds load without errors");
}

#[test]
fn import_export_corpus_never_panics() {
    replay::replay("import_export", &world::import_export);
}

/// A corpus file with some bytes replaced, inserted or cut: inputs near the valid ones, where
/// the loader goes deepest.
fn mutated(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<Vec<u8>> = replay::corpus(target)
        .iter()
        .map(|path| std::fs::read(path).unwrap_or_default())
        .collect();
    let count = seeds.len().max(1);
    (
        0..count,
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8),
    )
        .prop_map(move |(seed, edits)| {
            let mut data = seeds.get(seed).cloned().unwrap_or_default();
            for (at, byte, how) in edits {
                let at = if data.is_empty() {
                    0
                } else {
                    at.index(data.len())
                };
                match how {
                    0 if !data.is_empty() => {
                        if let Some(slot) = data.get_mut(at) {
                            *slot = byte;
                        }
                    }
                    1 => data.insert(at, byte),
                    _ if !data.is_empty() => {
                        data.remove(at);
                    }
                    _ => data.push(byte),
                }
            }
            data
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn load_scenario_survives_random_and_mutated_bytes(
        random in proptest::collection::vec(any::<u8>(), 0..512),
        near in mutated("load_scenario"),
    ) {
        let _ = world::load_scenario(&random);
        let _ = world::load_scenario(&near);
    }

    #[test]
    fn import_export_survives_random_and_mutated_bytes(
        random in proptest::collection::vec(any::<u8>(), 0..512),
        near in mutated("import_export"),
    ) {
        world::import_export(&random);
        world::import_export(&near);
    }
}
