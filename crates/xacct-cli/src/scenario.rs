//! Loading a scenario folder for the commands that work on one, with its diagnostics.

use crate::render;
use std::path::Path;
use xacct_policy::Severity;
use xacct_world::Loaded;

/// Loads the scenario and prints its findings to stderr. `None` when it cannot be used.
pub fn load(path: &Path) -> Option<Loaded> {
    let loaded = match xacct_world::load(path) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return None;
        }
    };
    let terminal = render::stderr_is_terminal();
    for finding in &loaded.findings {
        eprint!("{}", render::finding(finding, terminal));
    }
    // An entity of an export with errors of its own is left out; the rest is answered.
    for entity in &loaded.left_out {
        eprintln!(
            "left out: {} `{}`: {}",
            entity.kind, entity.entity, entity.reason
        );
    }
    if loaded.has_blocking_errors() {
        let errors = loaded
            .findings
            .iter()
            .filter(|finding| finding.finding.severity == Severity::Error)
            .count();
        eprintln!("error: the scenario has {errors} error(s); fix them before checking");
        return None;
    }
    Some(loaded)
}
