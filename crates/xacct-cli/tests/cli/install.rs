//! The README and Cargo.toml say what the code is: every crate in the table, the real minimum
//! Rust version, a release profile fit to install, a LICENSE matching the declared license.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot read the workspace fails"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

fn workspace_toml() -> toml::Table {
    read("Cargo.toml").parse().unwrap()
}

#[test]
fn the_readme_crate_table_lists_every_crate() {
    let readme = read("README.md");
    let mut crates: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    crates.sort();
    assert_eq!(crates.len(), 13, "{crates:?}");
    for name in &crates {
        let row = format!("| `crates/{name}` |");
        assert!(
            readme.contains(&row),
            "the README's crate table lacks {name}"
        );
    }
}

#[test]
fn the_license_file_is_the_apache_license_cargo_toml_declares() {
    let manifest = workspace_toml();
    assert_eq!(
        manifest["workspace"]["package"]["license"].as_str(),
        Some("Apache-2.0")
    );
    let license = read("LICENSE");
    assert!(
        license.contains("Apache License\n                           Version 2.0, January 2004")
    );
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
    assert!(license.contains("9. Accepting Warranty or Additional Liability."));
    assert!(!read("Cargo.toml").contains("example.invalid"));
}

#[test]
fn the_release_profile_strips_and_links_once_and_benches_keep_symbols() {
    let manifest = workspace_toml();
    let release = &manifest["profile"]["release"];
    assert_eq!(release["strip"].as_str(), Some("symbols"));
    assert_eq!(release["lto"].as_str(), Some("fat"));
    let bench = &manifest["profile"]["bench"];
    assert_eq!(bench["debug"].as_integer(), Some(1));
    assert_eq!(bench["strip"].as_str(), Some("none"));
}

fn version(text: &str) -> (u64, u64) {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap_or(0))
}

/// The minimum is the highest `rust-version` of any locked package (our own crates included,
/// which inherit it): a lower one promises a build that fails.
#[test]
fn rust_version_is_the_highest_any_locked_dependency_needs_and_the_readme_says_it() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let highest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|package| !package["source"].is_null())
        .filter_map(|package| package["rust_version"].as_str())
        .map(version)
        .max()
        .unwrap();
    let declared = workspace_toml()["workspace"]["package"]["rust-version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(version(&declared), highest, "Cargo.toml says {declared}");
    let readme = read("README.md");
    assert!(
        readme.contains(&format!("Rust toolchain ({declared} or newer")),
        "the README does not say {declared}"
    );
    assert!(readme.contains("cargo install --locked --path crates/xacct-cli"));
}
