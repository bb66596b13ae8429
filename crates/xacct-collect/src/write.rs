//! Writing the scenario folder: JSON files inside it only, and the manifest.

use crate::{CollectError, Gap, GapKind};
use serde_json::{json, Value};
use std::path::{Component, Path, PathBuf};

/// The folder must be new or empty: a collection never mixes with other files, and never
/// overwrites what it did not write.
pub(crate) fn prepare(output: &Path) -> Result<(), CollectError> {
    let failed = |message: String| CollectError::Write {
        path: output.to_path_buf(),
        message,
    };
    if output.exists() {
        let mut entries = std::fs::read_dir(output).map_err(|error| failed(error.to_string()))?;
        if entries.next().is_some() {
            return Err(failed(
                "the folder is not empty: collect into a new folder (a collection is a whole scenario)".to_owned(),
            ));
        }
    }
    std::fs::create_dir_all(output).map_err(|error| failed(error.to_string()))
}

/// A name AWS gave (a bucket, a key id) that is one plain path component.
pub(crate) fn plain(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !name.contains(['/', '\\'])
}

/// Writes `value` as pretty JSON at `folder/name`.
pub(crate) fn json_file(folder: &Path, name: &str, value: &Value) -> Result<PathBuf, CollectError> {
    let path = folder.join(name);
    let failed = |message: String| CollectError::Write {
        path: path.clone(),
        message,
    };
    if !plain(name) {
        return Err(failed("not a plain file name".to_owned()));
    }
    std::fs::create_dir_all(folder).map_err(|error| failed(error.to_string()))?;
    let mut text =
        serde_json::to_string_pretty(value).map_err(|error| failed(error.to_string()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|error| failed(error.to_string()))?;
    Ok(path)
}

/// `collect-gaps.json` of one account: the calls that failed, which the importer turns into
/// `collect-access-denied` / `collect-call-failed` findings.
pub(crate) fn gaps(folder: &Path, gaps: &[Gap]) -> Result<PathBuf, CollectError> {
    let items: Vec<Value> = gaps
        .iter()
        .map(|gap| {
            json!({
                "Account": gap.account,
                "Region": gap.region,
                "Action": gap.action,
                "Resource": gap.resource,
                "Kind": match gap.kind { GapKind::Denied => "AccessDenied", GapKind::Failed => "Failed" },
                "ErrorCode": gap.code,
                "Message": gap.message,
                "Unanswerable": gap.unanswerable,
            })
        })
        .collect();
    json_file(
        folder,
        "collect-gaps.json",
        &json!({ "CollectGaps": items }),
    )
}

/// Writes `output/xacct.toml`, importing every file of the folder with `xacct import`'s own
/// detection, so a collected folder and one imported by hand read the same.
pub(crate) fn manifest(output: &Path) -> Result<PathBuf, CollectError> {
    let body = xacct_world::import::manifest_for(&[output.to_path_buf()], output)
        .map_err(CollectError::Manifest)?;
    let text = format!(
        "# Written by `xacct collect`: the raw AWS responses in this folder, imported.\n\
         # Re-create it with `xacct import {} --output {}`.\n{body}",
        ".", "xacct.toml"
    );
    let path = output.join("xacct.toml");
    std::fs::write(&path, text).map_err(|error| CollectError::Write {
        path: path.clone(),
        message: error.to_string(),
    })?;
    Ok(path)
}
