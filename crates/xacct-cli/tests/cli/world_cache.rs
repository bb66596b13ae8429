//! The cache of compiled worlds changes no answer: a command prints the same with the cache
//! (first written, then read back) as without it, and `--no-cache` neither reads nor writes it.

use super::{workspace_root, AT};
use std::path::Path;
use std::process::Command;

/// Runs `xacct` from the workspace root, with the cache in `cache` or without any.
fn run(arguments: &[&str], cache: Option<&Path>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xacct"));
    command
        .args(arguments)
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .env_remove("XACCT_NO_CACHE");
    match cache {
        Some(dir) => command.env("XDG_CACHE_HOME", dir),
        None => command.env("XACCT_NO_CACHE", "1"),
    };
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn entries(cache: &Path) -> usize {
    std::fs::read_dir(cache.join("xacct")).map_or(0, Iterator::count)
}

#[test]
fn answers_are_the_same_with_the_cache_written_and_read_back() {
    let cache = tempfile::tempdir().unwrap();
    let exports = "crates/xacct-world/tests/fixtures/import/scenario";
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "who-can",
            exports,
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::shared-data-bucket/data.csv",
            "--at",
            AT,
        ],
        vec![
            "who-can",
            exports,
            "--action",
            "s3:ListBucket",
            "--resource",
            "arn:aws:s3:::shared-data-bucket",
            "--format",
            "json",
            "--at",
            AT,
        ],
        vec!["validate", exports],
        vec!["check", exports, "--format", "json"],
        vec![
            "check",
            "crates/xacct-world/tests/fixtures/import/left-out/scenario",
        ],
        vec!["check", "crates/xacct-world/tests/fixtures/import/broken"],
        // Not kept (compute settings): loaded from the files each time, the same answer.
        vec![
            "who-can",
            "examples/s3-role-chain",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::lake-b/x.parquet",
            "--at",
            AT,
        ],
    ];
    for command in &commands {
        let without = run(command, None);
        let written = run(command, Some(cache.path()));
        let read_back = run(command, Some(cache.path()));
        assert_eq!(written, without, "{command:?}: first run with the cache");
        assert_eq!(read_back, without, "{command:?}: read back from the cache");
    }
    // One entry per scenario kept: the three fixtures, not the example with compute.
    assert_eq!(entries(cache.path()), 3);
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let check = ["check", "crates/xacct-world/tests/fixtures/import/scenario"];
    let (code, stdout, _) = run(&[&check[..], &["--no-cache"]].concat(), Some(cache.path()));
    assert_eq!(entries(cache.path()), 0, "{code} {stdout}");
    let expected = run(&check, Some(cache.path()));
    assert_eq!(entries(cache.path()), 1);
    // A damaged entry is not read, with or without --no-cache, and is rewritten.
    let entry = std::fs::read_dir(cache.path().join("xacct"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&entry, b"damaged").unwrap();
    assert_eq!(
        run(&[&check[..], &["--no-cache"]].concat(), Some(cache.path())),
        expected
    );
    assert_eq!(std::fs::read(&entry).unwrap(), b"damaged");
    assert_eq!(run(&check, Some(cache.path())), expected);
    assert_ne!(std::fs::read(&entry).unwrap(), b"damaged");
}
