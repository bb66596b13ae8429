//! A plan as the files of a folder, for `xacct plan --output DIR`. Every path is built from
//! parts that cannot leave the folder: names from the scenario (compute names, resource
//! links, buckets) are made safe first, so `../../x` becomes a file name, not a way out.

use super::{accounts, by_document, cli_for_account, document_json, document_path, runbook};
use super::{terraform_for_account, title};
use crate::prove::Plan;
use std::path::PathBuf;
use xacct_world::World;

/// The format of the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `ACCOUNT/PATH.json` per document.
    Json,
    /// `ACCOUNT/main.tf` per account.
    Terraform,
    /// `ACCOUNT.sh` per account, and `run-all.sh` that runs them in order.
    Cli,
    /// `runbook.md`.
    Runbook,
}

/// A file to write, at a path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative, made of safe parts only (no `..`, no separators, no leading dot).
    pub path: PathBuf,
    pub text: String,
    /// Whether it is a script to make executable.
    pub executable: bool,
}

/// One part of a path: letters, digits, `.`, `_`, `-`, `+`, `=`, `@` and `,` are kept,
/// anything else (separators, control characters) becomes `_`; a part that is empty or
/// starts with a dot (`.`, `..`, hidden files) is prefixed with `_`.
pub fn safe_part(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+=@,".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
    }
    out
}

fn path(parts: &[String]) -> PathBuf {
    parts.iter().map(|part| safe_part(part)).collect()
}

/// The files of the plan in `format`.
pub fn files(world: &World, plan: &Plan, format: Format) -> Vec<OutputFile> {
    let file = |parts: &[String], text: String, executable: bool| OutputFile {
        path: path(parts),
        text,
        executable,
    };
    match format {
        Format::Json => {
            let mut out: Vec<OutputFile> = Vec::new();
            for ((account, document), statements) in by_document(plan) {
                let body = document_json(world, plan, &account, &document, &statements);
                let mut parts = vec![account.clone()];
                parts.extend(document_path(&document));
                // Read with `file://` by the aws CLI, which sends the text as it is.
                let text =
                    super::iam_safe_json(&serde_json::to_string_pretty(&body).unwrap_or_default())
                        + "\n";
                out.push(file(&parts, text, false));
            }
            out
        }
        Format::Terraform => accounts(plan)
            .into_iter()
            .map(|account| {
                let text = terraform_for_account(world, plan, &account);
                file(&[account, "main.tf".to_owned()], text, false)
            })
            .collect(),
        Format::Cli => {
            let accounts = accounts(plan);
            let mut out: Vec<OutputFile> = accounts
                .iter()
                .map(|account| {
                    file(
                        &[format!("{account}.sh")],
                        cli_for_account(world, plan, account),
                        true,
                    )
                })
                .collect();
            let mut order = String::from("#!/bin/sh\n");
            order.push_str(&format!(
                "# xacct plan: {}\n# The accounts' scripts in the order they must run.\nset -eu\ncd \"$(dirname \"$0\")\"\n",
                super::one_line(&title(plan))
            ));
            for account in &accounts {
                order.push_str(&format!("sh ./{}\n", safe_part(&format!("{account}.sh"))));
            }
            out.push(file(&["run-all.sh".to_owned()], order, true));
            out
        }
        Format::Runbook => vec![file(
            &["runbook.md".to_owned()],
            runbook(world, plan),
            false,
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Component;

    #[test]
    fn no_part_leaves_the_folder() {
        for hostile in [
            "..",
            "../../../x",
            "/etc/passwd",
            ".hidden",
            "",
            "a/b\\c",
            "x\n/y",
        ] {
            let built = path(&[hostile.to_owned(), "f.json".to_owned()]);
            assert!(
                built
                    .components()
                    .all(|part| matches!(part, Component::Normal(_))),
                "{hostile:?} gave {}",
                built.display()
            );
            assert_eq!(built.components().count(), 2, "{hostile:?}");
        }
        assert_eq!(safe_part("../../../x"), "_.._.._.._x");
        assert_eq!(safe_part("lake-b"), "lake-b");
    }
}
