//! Reading the files a scenario, a request or an import names, and only those.
//!
//! A manifest is often someone else's (a pull request, a downloaded example), and xacct prints
//! snippets of the files it reads in its diagnostics. So a path in a manifest may not leave
//! the scenario's *root* (the git repository holding the scenario folder, or the folder itself
//! when it is in no repository) unless the user names the place with `--allow-outside PATH`;
//! symlinks are resolved before the check, only regular files are read (a FIFO or
//! `/dev/zero` would hang or never end), and each file is capped in size. A file that is
//! refused is never opened, so nothing of it can be echoed.

use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest policy, settings, manifest or request file xacct reads: 1 MiB. AWS caps every
/// policy document at tens of KB (a managed policy at 6,144 characters, a bucket policy at
/// 20 KB, a key policy at 32 KB), so a larger file is not a policy.
pub const POLICY_LIMIT: u64 = 1 << 20;

/// The largest scenario manifest: 64 MiB (a generated manifest of 3,000 roles is a few MB).
pub const MANIFEST_LIMIT: u64 = 64 << 20;

/// The largest AWS export (`get-account-authorization-details` of a large account, a Lake
/// Formation or Glue listing): 512 MiB.
pub const EXPORT_LIMIT: u64 = 512 << 20;

/// Why a file was not read. The messages name the file and the way out, never its content.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("`{path}` lies outside `{root}` (it resolves to `{resolved}`)")]
    Outside {
        path: String,
        resolved: String,
        root: String,
    },
    #[error("`{path}` is not a regular file (it is {kind}); only regular files are read")]
    NotRegular { path: String, kind: &'static str },
    #[error("`{path}` is larger than {limit}, the most xacct reads for {what}")]
    TooLarge {
        path: String,
        limit: String,
        what: &'static str,
    },
    #[error("`{path}` is not UTF-8 text (invalid byte at line {line}, column {column})")]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
    },
    #[error("cannot read `{path}`: {error}")]
    Io { path: String, error: std::io::Error },
}

impl FileError {
    /// What the user can do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            Self::Outside { resolved, .. } => Some(format!(
                "paths in a scenario stay inside its folder, or the git repository holding it; \
                 to read this file anyway, pass `--allow-outside {}`",
                Path::new(resolved)
                    .parent()
                    .map_or_else(|| resolved.clone(), |parent| parent.display().to_string())
            )),
            Self::TooLarge { .. } => Some(
                "AWS caps a policy at tens of KB: check that the path names the intended file"
                    .to_owned(),
            ),
            Self::NotRegular { .. } | Self::NotUtf8 { .. } | Self::Io { .. } => None,
        }
    }
}

/// The places files may be read from, and how much of each.
#[derive(Clone, Debug, Default)]
pub struct FileAccess {
    /// Canonical folders: the scenario's root and every `--allow-outside` path. Empty means
    /// anywhere (a file named by the user on the command line).
    roots: Vec<PathBuf>,
    /// The folders `--allow-outside` names, kept to add to every root.
    allowed: Vec<PathBuf>,
    /// Files made in memory (the settings of a Terraform plan's Databricks clusters, read as
    /// a scenario's own files) by the path the manifest names them with, joined to its folder.
    generated: std::sync::Arc<std::collections::BTreeMap<PathBuf, String>>,
    /// Every read made, with its outcome, when a load is being recorded for the cache of
    /// compiled worlds (`crate::cache`): shared by every copy of this access.
    recording: Option<std::sync::Arc<std::sync::Mutex<Recording>>>,
}

/// The reads of one load, in order: what a cached world depends on.
#[derive(Debug, Default)]
pub(crate) struct Recording {
    pub(crate) reads: Vec<RecordedRead>,
    /// A folder was listed (a bundle's `include` pattern): what it holds is an input too,
    /// which the reads alone do not say, so the world is not cached.
    pub(crate) listed_folder: bool,
}

/// One file read, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedRead {
    pub(crate) path: PathBuf,
    pub(crate) limit: u64,
    pub(crate) what: &'static str,
    pub(crate) outcome: ReadOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadOutcome {
    /// The text's length and content hash (`xacct_policy::snapshot::content_hash`).
    Text {
        length: u64,
        hash: xacct_policy::snapshot::ContentHash,
    },
    /// The error, as it reads.
    Refused(String),
}

impl FileAccess {
    /// Reads from anywhere: for files the user names on the command line.
    pub fn anywhere() -> Self {
        Self::default()
    }

    /// Also reads under each of `paths` (files or folders), as `--allow-outside` says.
    /// A path that does not exist is kept as given (it then matches nothing that exists).
    pub fn allowing(paths: &[PathBuf]) -> Self {
        let allowed: Vec<PathBuf> = paths
            .iter()
            .map(|path| std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
            .collect();
        Self {
            roots: Vec::new(),
            allowed,
            generated: std::sync::Arc::default(),
            recording: None,
        }
    }

    /// The same permissions, with `files` readable as if they were on disk (keys are the
    /// paths the loader asks for: the scenario's folder joined with the manifest's path).
    #[must_use]
    pub fn with_generated(mut self, files: std::collections::BTreeMap<PathBuf, String>) -> Self {
        self.generated = std::sync::Arc::new(files);
        self
    }

    /// The same permissions, confined to the root holding `folder`: the git repository
    /// around it, or `folder` itself.
    pub fn confined_to(&self, folder: &Path) -> Self {
        let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
        let root = repository_of(&folder).unwrap_or(folder);
        let mut roots = vec![root];
        roots.extend(self.allowed.iter().cloned());
        Self {
            roots,
            allowed: self.allowed.clone(),
            generated: std::sync::Arc::clone(&self.generated),
            recording: self.recording.clone(),
        }
    }

    /// The same permissions, recording every read from now on (for `crate::cache`).
    pub(crate) fn recorded(&self) -> (Self, std::sync::Arc<std::sync::Mutex<Recording>>) {
        let recording = std::sync::Arc::default();
        let mut access = self.clone();
        access.recording = Some(std::sync::Arc::clone(&recording));
        (access, recording)
    }

    /// Notes that a folder was listed: the load then depends on more than its reads.
    pub(crate) fn note_listing(&self) {
        if let Some(recording) = &self.recording {
            if let Ok(mut recording) = recording.lock() {
                recording.listed_folder = true;
            }
        }
    }

    /// The folder files must stay in (the first root), if any.
    pub fn root(&self) -> Option<&Path> {
        self.roots.first().map(PathBuf::as_path)
    }

    /// Reads `path` as UTF-8 text, with `limit` bytes at most (`what` names the kind of file
    /// in the error).
    pub fn read_text(
        &self,
        path: &Path,
        limit: u64,
        what: &'static str,
    ) -> Result<String, FileError> {
        let (read, record) = self.read_text_to_record(path, limit, what);
        self.record(record);
        read
    }

    /// [`FileAccess::read_text`] without recording the read yet: the record to pass to
    /// [`FileAccess::record`] when its turn comes, so that reads made ahead on other threads
    /// are recorded in the order the loader takes them (the cache replays them in it).
    pub(crate) fn read_text_to_record(
        &self,
        path: &Path,
        limit: u64,
        what: &'static str,
    ) -> (Result<String, FileError>, Option<RecordedRead>) {
        let read = self.read_text_unrecorded(path, limit, what);
        let record = self.recording.as_ref().map(|_| {
            let outcome = match &read {
                Ok(text) => ReadOutcome::Text {
                    length: text.len() as u64,
                    hash: xacct_policy::snapshot::content_hash(text.as_bytes()),
                },
                Err(error) => ReadOutcome::Refused(error.to_string()),
            };
            RecordedRead {
                path: path.to_path_buf(),
                limit,
                what,
                outcome,
            }
        });
        (read, record)
    }

    /// Reads a file again, after the load (to quote a text it let go): never recorded, as
    /// the load it belongs to is over.
    pub(crate) fn read_text_again(
        &self,
        path: &Path,
        limit: u64,
        what: &'static str,
    ) -> Result<String, FileError> {
        self.read_text_unrecorded(path, limit, what)
    }

    pub(crate) fn record(&self, record: Option<RecordedRead>) {
        if let (Some(recording), Some(record)) = (&self.recording, record) {
            if let Ok(mut recording) = recording.lock() {
                recording.reads.push(record);
            }
        }
    }

    fn read_text_unrecorded(
        &self,
        path: &Path,
        limit: u64,
        what: &'static str,
    ) -> Result<String, FileError> {
        if let Some(text) = self.generated.get(path) {
            return Ok(text.clone());
        }
        let bytes = self.read_bytes(path, limit, what)?;
        String::from_utf8(bytes).map_err(|error| {
            let valid = error.utf8_error().valid_up_to();
            let before = error.as_bytes().get(..valid).unwrap_or_default();
            let line = before.iter().filter(|byte| **byte == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|byte| *byte == b'\n')
                .map_or(0, |at| at + 1);
            let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
                .chars()
                .count()
                + 1;
            FileError::NotUtf8 {
                path: path.display().to_string(),
                line,
                column,
            }
        })
    }

    /// Where `path` (a file or folder) leads, when that is inside the roots: the check made
    /// before reading a file or listing a folder.
    pub fn confine(&self, path: &Path) -> Result<PathBuf, FileError> {
        let resolved = std::fs::canonicalize(path).map_err(|error| FileError::Io {
            path: path.display().to_string(),
            error,
        })?;
        if let Some(root) = self.root() {
            if !self.roots.iter().any(|root| resolved.starts_with(root)) {
                return Err(FileError::Outside {
                    path: path.display().to_string(),
                    resolved: resolved.display().to_string(),
                    root: root.display().to_string(),
                });
            }
        }
        Ok(resolved)
    }

    /// Reads `path` after checking where it leads, what it is and how large it is.
    pub fn read_bytes(
        &self,
        path: &Path,
        limit: u64,
        what: &'static str,
    ) -> Result<Vec<u8>, FileError> {
        let shown = || path.display().to_string();
        let io = |error| FileError::Io {
            path: shown(),
            error,
        };
        let resolved = self.confine(path)?;
        // Checked before opening: opening a FIFO for reading blocks until a writer comes.
        let metadata = std::fs::metadata(&resolved).map_err(io)?;
        check_regular(&metadata, path)?;
        let file = std::fs::File::open(&resolved).map_err(io)?;
        // And again on the open file, in case the path was swapped in between.
        check_regular(&file.metadata().map_err(io)?, path)?;
        let too_large = || FileError::TooLarge {
            path: shown(),
            limit: human_size(limit),
            what,
        };
        if metadata.len() > limit {
            return Err(too_large());
        }
        // Room for the whole file up front: growing by doubling copies a 170 KB export five
        // times over and, at 1,000 exports, was a quarter of a large world's load.
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        // Files under /proc report a size of 0: the cap holds while reading too.
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

fn check_regular(metadata: &std::fs::Metadata, path: &Path) -> Result<(), FileError> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    Err(FileError::NotRegular {
        path: path.display().to_string(),
        kind: if kind.is_dir() {
            "a folder"
        } else {
            special_kind(&kind)
        },
    })
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// The nearest folder at or above `folder` holding `.git` (a folder, or a file in a worktree).
fn repository_of(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|ancestor| ancestor.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `1 MiB`, `512 MiB`: how the limits are said in errors.
fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    const KIB: u64 = 1 << 10;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xacct-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("scenario")).unwrap();
        // A `.git` marks the repository, so the root does not depend on where /tmp sits.
        std::fs::create_dir_all(dir.join("scenario/.git")).unwrap();
        dir
    }

    #[test]
    fn a_file_inside_is_read_and_one_outside_is_refused_unopened() {
        let dir = scratch("outside");
        std::fs::write(dir.join("scenario/p.json"), "{}").unwrap();
        std::fs::write(dir.join("secret.json"), "SECRET").unwrap();
        let access = FileAccess::anywhere().confined_to(&dir.join("scenario"));
        let read = access.read_text(&dir.join("scenario/p.json"), POLICY_LIMIT, "a policy");
        assert_eq!(read.unwrap(), "{}");
        let error = access
            .read_text(
                &dir.join("scenario/../secret.json"),
                POLICY_LIMIT,
                "a policy",
            )
            .unwrap_err();
        assert!(matches!(error, FileError::Outside { .. }), "{error}");
        assert!(!error.to_string().contains("SECRET"));
        assert!(error.help().unwrap().contains("--allow-outside"));
        let allowed =
            FileAccess::allowing(&[dir.join("secret.json")]).confined_to(&dir.join("scenario"));
        let read = allowed.read_text(&dir.join("secret.json"), POLICY_LIMIT, "a policy");
        assert_eq!(read.unwrap(), "SECRET");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_judged_by_where_it_leads() {
        let dir = scratch("symlink");
        std::fs::write(dir.join("secret.json"), "SECRET").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.json"), dir.join("scenario/link.json"))
            .unwrap();
        let access = FileAccess::anywhere().confined_to(&dir.join("scenario"));
        let error = access
            .read_text(&dir.join("scenario/link.json"), POLICY_LIMIT, "a policy")
            .unwrap_err();
        assert!(matches!(error, FileError::Outside { .. }), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_not_read() {
        let access = FileAccess::anywhere();
        let error = access
            .read_bytes(Path::new("/dev/zero"), POLICY_LIMIT, "a policy")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`/dev/zero` is not a regular file (it is a character device); only regular files are read"
        );
        let error = access
            .read_bytes(&std::env::temp_dir(), POLICY_LIMIT, "a policy")
            .unwrap_err();
        assert!(matches!(
            error,
            FileError::NotRegular {
                kind: "a folder",
                ..
            }
        ));
    }

    #[test]
    fn a_file_past_the_cap_is_refused_with_the_cap() {
        let dir = scratch("large");
        std::fs::write(dir.join("scenario/big.json"), vec![b' '; 2048]).unwrap();
        let access = FileAccess::anywhere().confined_to(&dir.join("scenario"));
        let error = access
            .read_text(&dir.join("scenario/big.json"), 1024, "a policy file")
            .unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("is larger than 1 KiB, the most xacct reads for a policy file"),
            "{error}"
        );
        assert_eq!(human_size(POLICY_LIMIT), "1 MiB");
        assert_eq!(human_size(EXPORT_LIMIT), "512 MiB");
    }

    #[test]
    fn invalid_utf8_is_placed() {
        let dir = scratch("utf8");
        std::fs::write(dir.join("scenario/bad.json"), b"{\n  \"a\xff\": 1}").unwrap();
        let access = FileAccess::anywhere().confined_to(&dir.join("scenario"));
        let error = access
            .read_text(&dir.join("scenario/bad.json"), POLICY_LIMIT, "a policy")
            .unwrap_err();
        assert!(
            matches!(
                error,
                FileError::NotUtf8 {
                    line: 2,
                    column: 5,
                    ..
                }
            ),
            "{error}"
        );
    }
}
