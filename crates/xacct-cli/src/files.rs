//! Reading user files, with paths relative to the file that names them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use xacct_eval::wire::PolicyFiles;
use xacct_policy::SourceFile;

/// Reads a file as UTF-8 text.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

/// Loads `{"file": "..."}` policies relative to the request file's folder.
pub struct RelativeFiles {
    pub base: PathBuf,
}

impl PolicyFiles for RelativeFiles {
    fn load(&self, path: &str) -> Result<Arc<SourceFile>, String> {
        read_source(&self.base.join(path))
    }
}
