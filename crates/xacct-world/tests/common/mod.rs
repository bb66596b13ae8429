//! What the import tests share: reading fixtures and listing findings.
#![allow(dead_code, reason = "each test file uses the helpers it needs")]
#![expect(
    clippy::unwrap_used,
    reason = "a helper that cannot read its fixture fails the test"
)]

use std::path::{Path, PathBuf};
use xacct_policy::{AccountId, SourceFile};
use xacct_world::{load, load_text, Loaded};

/// `tests/fixtures/import/<under>`.
pub fn fixtures(under: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(under)
}

/// The scenario folder below a fixture folder, loaded.
pub fn scenario_in(folder: &Path) -> Loaded {
    load(&folder.join("scenario")).unwrap()
}

pub fn account(id: &str) -> AccountId {
    id.parse().unwrap()
}

/// `code: location: message` of every finding, for assertion messages.
pub fn listing(loaded: &Loaded) -> String {
    loaded
        .findings
        .iter()
        .map(|finding| {
            format!(
                "{}: {}: {}\n",
                finding.finding.code,
                finding.location(),
                finding.finding.message
            )
        })
        .collect()
}

/// A manifest written on the fly, with paths relative to the fixture's scenario folder.
pub fn manifest_in(folder: &Path, text: &str) -> Loaded {
    load_text(
        SourceFile::new("xacct.toml", text),
        &folder.join("scenario"),
    )
}
