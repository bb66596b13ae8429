//! Replays every file of `fuzz/corpus/<target>/` through the code of that fuzz target, so that
//! an input the fuzzer once crashed on (or any seed) is checked on every `cargo test`, without
//! nightly or cargo-fuzz. Included by the `fuzz_corpus.rs` test of each crate that owns a
//! target's code (`#[path = "../../../fuzz/src/replay.rs"] mod replay;`); the corpus is found
//! from that crate's folder.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The corpus files of `target`, sorted. A missing folder is an empty corpus.
pub fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
        })
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs `target` on each input and returns one line per input that panics.
pub fn panics(inputs: &[(String, Vec<u8>)], target: &dyn Fn(&[u8])) -> Vec<String> {
    inputs
        .iter()
        .filter_map(|(name, data)| {
            catch_unwind(AssertUnwindSafe(|| target(data)))
                .err()
                .map(|payload| format!("{name}: {}", panic_message(&*payload)))
        })
        .collect()
}

/// Runs `target` on every file of its corpus (at least 20) and reports each file that panics.
pub fn replay(name: &str, target: &dyn Fn(&[u8])) {
    let files = corpus(name);
    assert!(
        files.len() >= 20,
        "fuzz/corpus/{name} has only {} files",
        files.len()
    );
    let inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| {
            let data = std::fs::read(path).unwrap_or_default();
            (path.display().to_string(), data)
        })
        .collect();
    let failures = panics(&inputs, target);
    assert!(
        failures.is_empty(),
        "{} of {} files in fuzz/corpus/{name} panic:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
