//! Replays every file of `fuzz/corpus/<target>/` through the code of that fuzz target, so that
//! an input the fuzzer once crashed on (or any seed) is checked on every `cargo test`, without
//! nightly or cargo-fuzz. The targets' code is `fuzz/src/lib.rs`, included here as it is.
#![expect(
    clippy::unwrap_used,
    reason = "an unreadable corpus directory is a failed test"
)]

#[path = "../../../fuzz/src/lib.rs"]
mod fuzz_targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
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

/// Runs `target` on every file of its corpus and reports each file that panics.
fn replay(name: &str, target: fn(&[u8])) {
    let files = corpus(name);
    assert!(
        files.len() >= 20,
        "fuzz/corpus/{name} has only {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| target(&data))) {
            failures.push(format!("{}: {}", path.display(), panic_message(&*payload)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files in fuzz/corpus/{name} panic:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn parse_policy_corpus_never_panics() {
    replay("parse_policy", fuzz_targets::parse_policy);
}

#[test]
fn read_request_corpus_never_panics() {
    replay("read_request", fuzz_targets::read_request);
}
