//! Writing the plan's files under `--output DIR` and nowhere else.
//!
//! A folder already in DIR may be a symbolic link to elsewhere, and a file already there may be
//! a link, or a hard link shared with a file outside. `create_dir_all` and `fs::write` follow
//! all of these, so every path is walked part by part from DIR's real path before anything is
//! written (a refusal leaves nothing behind), folders are made one at a time, and each file is
//! written to a new temporary file beside it and renamed over the name: the rename replaces the
//! directory entry and never writes through whatever the old entry pointed at.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use xacct_plan::render::OutputFile;

/// Writes `files` under `root`; the count written, or why nothing (or, on an I/O error midway,
/// not everything) was written.
pub fn write_files(root: &Path, files: &[OutputFile]) -> Result<usize, String> {
    for file in files {
        let plain = file
            .path
            .components()
            .all(|part| matches!(part, Component::Normal(_)));
        if !plain || file.path.file_name().is_none() {
            return Err(format!(
                "refusing to write {} outside {}",
                file.path.display(),
                root.display()
            ));
        }
    }
    // DIR itself is the user's choice, wherever a link of theirs leads it.
    std::fs::create_dir_all(root)
        .map_err(|error| format!("cannot create {}: {error}", root.display()))?;
    let real_root = root
        .canonicalize()
        .map_err(|error| format!("cannot read {}: {error}", root.display()))?;
    for file in files {
        check(root, &real_root, &file.path)?;
    }
    for file in files {
        write(root, &real_root, file)?;
    }
    Ok(files.len())
}

/// What is at a path, without following a link there.
enum Entry {
    Missing,
    Folder,
    File,
    Link,
}

fn entry(path: &Path) -> Result<Entry, String> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Ok(Entry::Link),
        Ok(metadata) if metadata.is_dir() => Ok(Entry::Folder),
        Ok(_) => Ok(Entry::File),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Entry::Missing),
        Err(error) => Err(format!("cannot read {}: {error}", path.display())),
    }
}

fn link_refusal(shown: &Path, root: &Path) -> String {
    format!(
        "refusing to write {}: a symbolic link leads outside {}",
        shown.display(),
        root.display()
    )
}

/// Refuses `relative` when a folder on its way is a link or a file, or the file's own name is
/// a link or a folder. Nothing is created.
fn check(root: &Path, real_root: &Path, relative: &Path) -> Result<(), String> {
    let shown = root.join(relative);
    let mut real = real_root.to_path_buf();
    let parts: Vec<&OsStr> = relative.iter().collect();
    let Some((name, folders)) = parts.split_last() else {
        return Ok(());
    };
    for folder in folders {
        real.push(folder);
        match entry(&real)? {
            Entry::Folder => {}
            Entry::Missing => return Ok(()),
            Entry::Link => return Err(link_refusal(&shown, root)),
            Entry::File => {
                return Err(format!(
                    "cannot write {}: {} is a file, not a folder",
                    shown.display(),
                    real.display()
                ))
            }
        }
    }
    real.push(name);
    match entry(&real)? {
        Entry::Missing | Entry::File => Ok(()),
        Entry::Link => Err(link_refusal(&shown, root)),
        Entry::Folder => Err(format!("cannot write {}: it is a folder", shown.display())),
    }
}

fn write(root: &Path, real_root: &Path, file: &OutputFile) -> Result<(), String> {
    let shown = root.join(&file.path);
    let mut folder = real_root.to_path_buf();
    let parts: Vec<&OsStr> = file.path.iter().collect();
    let Some((name, folders)) = parts.split_last() else {
        return Ok(());
    };
    for part in folders {
        folder.push(part);
        match std::fs::create_dir(&folder) {
            Ok(()) => {}
            // Made by an earlier file, or there before: still a real folder, not a link.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                if !matches!(entry(&folder)?, Entry::Folder) {
                    return Err(link_refusal(&shown, root));
                }
            }
            Err(error) => return Err(format!("cannot create {}: {error}", folder.display())),
        }
    }
    let target = folder.join(name);
    if matches!(entry(&target)?, Entry::Link | Entry::Folder) {
        return Err(link_refusal(&shown, root));
    }
    let temporary = temporary_beside(&folder, name);
    let written = write_new(&temporary, file).and_then(|()| {
        std::fs::rename(&temporary, &target)
            .map_err(|error| format!("cannot write {}: {error}", shown.display()))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A name in `folder` no other run uses: the file's, hidden, with this process's id.
fn temporary_beside(folder: &Path, name: &OsStr) -> PathBuf {
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".xacct-{}.tmp", std::process::id()));
    folder.join(temporary)
}

/// Creates `path`, which must not exist (`create_new` does not follow a link there either).
fn write_new(path: &Path, file: &OutputFile) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if file.executable { 0o755 } else { 0o666 });
    }
    let mut handle = options
        .open(path)
        .map_err(|error| format!("cannot create {}: {error}", path.display()))?;
    handle
        .write_all(file.text.as_bytes())
        .and_then(|()| handle.sync_all())
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    #[cfg(unix)]
    if file.executable {
        // The mode given at creation is masked by the umask; a script must run.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|error| format!("cannot make {} executable: {error}", path.display()))?;
    }
    Ok(())
}
