//! What the `load_scenario` and `import_export` fuzz targets do with their input, shared with
//! the test that replays their corpora (`crates/xacct-world/tests/fuzz_corpus.rs` includes
//! this file), so a corpus file goes through exactly the same code in both.
//!
//! Nothing here may panic on any input; an `assert!` marks a broken invariant.

use std::path::PathBuf;
use xacct_world::{load_with, FileAccess, Loaded};

#[path = "findings.rs"]
mod findings;

/// What separates the manifest from the files after it in a `load_scenario` input.
pub const FILE_SEPARATOR: &[u8] = b"\n%%FILE\n";

/// A fresh folder for one input, reused between inputs of the same process and thread.
fn scratch(name: &str) -> Option<PathBuf> {
    let thread = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>();
    let dir =
        std::env::temp_dir().join(format!("xacct-fuzz-{name}-{}-{thread}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// Every finding rendered; a world without errors is asked about every expectation's
/// principal, so the loaded model is used, not only built.
fn check_loaded(loaded: &Loaded) {
    for finding in &loaded.findings {
        findings::render_finding(finding);
    }
    let world = &loaded.world;
    for role in world.roles.values() {
        assert!(
            world.accounts.contains_key(&role.account),
            "role {} in an account the world does not have",
            role.arn
        );
    }
}

/// The `load_scenario` target: the bytes up to the first [`FILE_SEPARATOR`] are `xacct.toml`,
/// each part after one is a file `f0.json`, `f1.json`, ... beside it (which the manifest may
/// name). The folder is loaded as `xacct check` would, with its findings rendered. Returns
/// whether it loaded without errors.
pub fn load_scenario(data: &[u8]) -> bool {
    let Some(dir) = scratch("scenario") else {
        return false;
    };
    let mut parts = split(data, FILE_SEPARATOR);
    let manifest = parts.next().unwrap_or_default();
    if std::fs::write(dir.join("xacct.toml"), manifest).is_err() {
        return false;
    }
    for (index, part) in parts.take(8).enumerate() {
        if std::fs::write(dir.join(format!("f{index}.json")), part).is_err() {
            return false;
        }
    }
    let clean = match load_with(&dir, &FileAccess::anywhere()) {
        Ok(loaded) => {
            check_loaded(&loaded);
            !loaded.has_errors()
        }
        Err(_) => false,
    };
    let _ = std::fs::remove_dir_all(&dir);
    clean
}

fn split<'d>(data: &'d [u8], separator: &'d [u8]) -> impl Iterator<Item = &'d [u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let current = rest?;
        match current
            .windows(separator.len())
            .position(|window| window == separator)
        {
            Some(at) => {
                rest = current.get(at + separator.len()..);
                current.get(..at)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Each kind of `[[import]]`, with the keys it requires.
const IMPORT_KINDS: [&str; 7] = [
    "kind = \"authorization-details\"",
    "kind = \"organizations\"",
    "kind = \"bucket-policy\"\nbucket = \"fuzz-bucket\"\naccount = \"222222222222\"",
    "kind = \"lakeformation-settings\"\naccount = \"222222222222\"\nregion = \"eu-west-1\"",
    "kind = \"glue-resource-policy\"\naccount = \"222222222222\"",
    "kind = \"lakeformation-permissions\"\naccount = \"222222222222\"",
    "kind = \"ram-resource-shares\"\naccount = \"222222222222\"",
];

/// The `import_export` target: the bytes as an AWS export of every kind xacct imports, each
/// loaded through an `[[import]]` table, and as a file `xacct import` has to recognise.
pub fn import_export(data: &[u8]) {
    let Some(dir) = scratch("import") else {
        return;
    };
    if std::fs::write(dir.join("export.json"), data).is_err() {
        return;
    }
    for kind in IMPORT_KINDS {
        let manifest = format!(
            "[[account]]\nid = \"222222222222\"\n\n[[import]]\n{kind}\npath = \"export.json\"\n"
        );
        if std::fs::write(dir.join("xacct.toml"), manifest).is_err() {
            return;
        }
        if let Ok(loaded) = load_with(&dir, &FileAccess::anywhere()) {
            check_loaded(&loaded);
        }
    }
    let _ = std::fs::remove_file(dir.join("xacct.toml"));
    let exports = [dir.join("export.json")];
    // Recognised or not, the answer is a manifest or an error, never a panic.
    let _ = xacct_world::import::manifest_for(&exports, &dir);
    let _ = xacct_world::import::manifest_for(std::slice::from_ref(&dir), &dir);
    let _ = std::fs::remove_dir_all(&dir);
}
