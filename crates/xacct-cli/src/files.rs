//! Reading user files, with paths relative to the file that names them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use xacct_eval::wire::PolicyFiles;
use xacct_policy::SourceFile;
use xacct_world::files::{FileAccess, FileError, MANIFEST_LIMIT, POLICY_LIMIT};

/// What `--allow-outside` allows, set once by `main` before any command runs.
static ALLOWED: OnceLock<FileAccess> = OnceLock::new();

/// Records the `--allow-outside` paths for every file read after this.
pub fn allow_outside(paths: &[PathBuf]) {
    let _ = ALLOWED.set(FileAccess::allowing(paths));
}

/// What files named by a scenario, a request or a folder of exports may be read: their root,
/// and the `--allow-outside` paths.
pub fn access() -> FileAccess {
    ALLOWED.get().cloned().unwrap_or_default()
}

fn message(error: &FileError) -> String {
    match error.help() {
        Some(help) => format!("{error}\n  help: {help}"),
        None => error.to_string(),
    }
}

/// Reads a file named on the command line as UTF-8 text: any place, but only a regular file
/// of at most 64 MiB.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, String> {
    let text = FileAccess::anywhere()
        .read_text(path, MANIFEST_LIMIT, "an input file")
        .map_err(|error| message(&error))?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

/// Loads `{"file": "..."}` policies relative to the request file's folder, and inside the
/// root holding it (its git repository, or the folder), unless `--allow-outside` says so.
pub struct RelativeFiles {
    pub base: PathBuf,
}

impl PolicyFiles for RelativeFiles {
    fn load(&self, path: &str) -> Result<Arc<SourceFile>, String> {
        let folder = if self.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            self.base.as_path()
        };
        let full = self.base.join(path);
        let text = access()
            .confined_to(folder)
            .read_text(&full, POLICY_LIMIT, "a policy file")
            .map_err(|error| message(&error))?;
        Ok(SourceFile::new(full.display().to_string(), text))
    }
}
