//! Every bundled scenario: the field-guide examples pass, each broken variant fails with its
//! failing link and fix (snapshot-tested), and applying the suggested fixes makes it pass.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use super::{workspace_root, AT};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Scenario folders under `examples/`: (guide folder, broken variants).
fn scenarios() -> Vec<(PathBuf, Vec<PathBuf>)> {
    let mut out = Vec::new();
    let mut guides: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("xacct.toml").is_file())
        .collect();
    guides.sort();
    for guide in guides {
        let mut broken: Vec<PathBuf> = match std::fs::read_dir(guide.join("broken")) {
            Ok(entries) => entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.join("xacct.toml").is_file())
                .collect(),
            Err(_) => Vec::new(),
        };
        broken.sort();
        out.push((guide, broken));
    }
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap()
        .display()
        .to_string()
}

fn check(path: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xacct"))
        .args(["check", "--at", AT, &relative(path)])
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn every_field_guide_example_passes() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 2, "expected the field-guide examples");
    for (guide, _) in &scenarios {
        let (code, stdout, stderr) = check(guide);
        assert_eq!(code, 0, "{}:\n{stdout}\n{stderr}", relative(guide));
    }
}

#[test]
fn every_broken_variant_fails_with_its_link_and_fix() {
    let mut count = 0;
    for (guide, broken) in scenarios() {
        assert!(
            broken.len() >= 3,
            "{} needs at least three broken variants",
            relative(&guide)
        );
        for variant in broken {
            let (code, stdout, stderr) = check(&variant);
            assert_eq!(
                code,
                1,
                "{} should fail:\n{stdout}\n{stderr}",
                relative(&variant)
            );
            assert!(
                stdout.contains("fix: "),
                "{} prints no fix:\n{stdout}",
                relative(&variant)
            );
            let name = relative(&variant).replace('/', "__");
            insta::assert_snapshot!(name, stdout);
            count += 1;
        }
    }
    assert!(count >= 6);
}

#[test]
fn applying_the_suggested_fixes_makes_every_broken_variant_pass() {
    for (_, broken) in scenarios() {
        for variant in broken {
            let loaded = xacct_world::load(&variant).unwrap();
            assert!(!loaded.has_errors(), "{}", relative(&variant));
            let mut world = loaded.world;
            let report = xacct_paths::check::check(&world);
            assert!(
                !report.passed(),
                "{} should fail before fixing",
                relative(&variant)
            );
            let applied = xacct_paths::check::apply_fixes(&mut world, &report).unwrap();
            assert!(applied > 0, "{}: no fix to apply", relative(&variant));
            let after = xacct_paths::check::check(&world);
            assert!(
                after.passed(),
                "{}: still failing after applying {applied} fix(es)",
                relative(&variant)
            );
        }
    }
}
