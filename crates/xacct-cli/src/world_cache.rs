//! Where the cache of compiled worlds lives (`xacct_world::cache`), and whether it is used:
//! `$XDG_CACHE_HOME/xacct` (an absolute `XDG_CACHE_HOME`), else `$HOME/.cache/xacct`; off with
//! `--no-cache` or `XACCT_NO_CACHE=1`. Never the scenario's own folder, which is often a
//! repository someone else reviews.

use std::path::PathBuf;
use std::sync::OnceLock;

static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Decides once, before any command runs.
pub fn configure(no_cache: bool) {
    let dir = if no_cache || disabled_by_environment() {
        None
    } else {
        default_dir()
    };
    let _ = DIR.set(dir);
}

/// The cache folder, or `None` when scenarios are to be loaded from their files only.
pub fn dir() -> Option<PathBuf> {
    DIR.get().cloned().flatten()
}

fn disabled_by_environment() -> bool {
    std::env::var_os("XACCT_NO_CACHE").is_some_and(|value| !value.is_empty() && value != "0")
}

fn default_dir() -> Option<PathBuf> {
    // The XDG Base Directory Specification: a relative path in the variable is ignored.
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
            .map(|home| home.join(".cache"))
    })?;
    Some(base.join("xacct"))
}
