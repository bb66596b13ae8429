//! Replays every file of `fuzz/corpus/<target>/` through the code of that fuzz target (see
//! `fuzz/src/replay.rs`). The targets' code is `fuzz/src/lib.rs`, included here as it is.

#[path = "../../../fuzz/src/lib.rs"]
mod fuzz_targets;
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

#[test]
fn parse_policy_corpus_never_panics() {
    replay::replay("parse_policy", &fuzz_targets::parse_policy);
}

#[test]
fn read_request_corpus_never_panics() {
    replay::replay("read_request", &fuzz_targets::read_request);
}
