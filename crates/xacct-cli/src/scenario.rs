//! Loading a scenario folder for the commands that work on one, with its diagnostics.

use crate::render::{self, json, sarif, stream};
use std::path::Path;
use xacct_policy::Severity;
use xacct_world::Loaded;

/// How the command reports: with `Json` or `Sarif`, a scenario that cannot be loaded still
/// gives a whole document on standard output, with the findings that say why.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
    Sarif,
}

/// Loads the scenario. In text, its findings go to standard error (warnings left out with
/// `--quiet`); in JSON and SARIF they are the caller's to put in its document, and a scenario
/// that cannot be used is reported as a document here. `None` when it cannot be used.
pub fn load(path: &Path, command: &str, output: Output) -> Option<Loaded> {
    let loaded = match xacct_world::load_with(path, &crate::files::access()) {
        Ok(loaded) => loaded,
        Err(message) => {
            failed(command, output, &message, &[]);
            return None;
        }
    };
    if output == Output::Text {
        let colour = stream::stderr_colour();
        for finding in &loaded.findings {
            if !stream::quiet() || finding.finding.severity == Severity::Error {
                err!("{}", render::finding(finding, colour));
            }
        }
    }
    // An entity of an export with errors of its own is left out; the rest is answered.
    for entity in &loaded.left_out {
        errln!(
            "left out: {} `{}`: {}",
            entity.kind,
            entity.entity,
            entity.reason
        );
    }
    if loaded.has_blocking_errors() {
        let errors = loaded
            .findings
            .iter()
            .filter(|finding| finding.finding.severity == Severity::Error)
            .count();
        let message = format!("the scenario has {errors} error(s); fix them before checking");
        failed(command, output, &message, &loaded.findings);
        return None;
    }
    Some(loaded)
}

/// Reports a scenario that cannot be used, in the command's format.
fn failed(command: &str, output: Output, message: &str, findings: &[xacct_policy::SourcedFinding]) {
    match output {
        Output::Text => errln!("error: {message}"),
        Output::Json => {
            errln!("error: {message}");
            json::print(&json::failure(command, message, findings));
        }
        Output::Sarif => {
            errln!("error: {message}");
            let mut log = sarif::Log::default();
            log.findings(findings);
            log.failed(message);
            sarif::print(log);
        }
    }
}
