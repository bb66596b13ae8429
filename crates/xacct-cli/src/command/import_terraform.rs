//! `xacct import --terraform plan.json`: a scenario manifest from a Terraform plan, the world
//! once the plan is applied (docs/terraform.md).

use crate::command::exit;
use crate::scenario::Terraform;
use std::path::{Path, PathBuf};
use xacct_world::import::terraform::{self, Side};

pub fn run(plan: &Path, options: &Terraform, output: Option<&Path>) -> u8 {
    let text = match xacct_world::FileAccess::anywhere().read_text(
        plan,
        xacct_world::files::EXPORT_LIMIT,
        "a Terraform plan",
    ) {
        Ok(text) => text,
        Err(error) => {
            errln!("error: {error}");
            return exit::BAD_INPUT;
        }
    };
    let converted = match terraform::convert(
        &text,
        &plan.display().to_string(),
        Side::After,
        &options.options(),
    ) {
        Ok(converted) => converted,
        Err(error) => {
            errln!("error: {}: {error}", plan.display());
            return exit::BAD_INPUT;
        }
    };
    for warning in &converted.warnings {
        errln!("warning: {}: {}", warning.address, warning.message);
    }
    let Some(path) = output else {
        if !converted.files.is_empty() {
            errln!("error: the plan's Databricks clusters are written as files next to the manifest: give `--output DIR/xacct.toml`");
            return exit::BAD_INPUT;
        }
        out!("{}", converted.manifest);
        return exit::OK;
    };
    let dir = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    // The settings files' names are made of the address's plain characters only, under
    // `terraform/`: nothing is written outside the folder of `--output`.
    for (relative, content) in &converted.files {
        let target = dir.join(relative);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, content));
        if let Err(error) = written {
            errln!("error: cannot write `{}`: {error}", target.display());
            return exit::BAD_INPUT;
        }
    }
    match std::fs::write(path, &converted.manifest) {
        Ok(()) => {
            errln!(
                "wrote {} ({} resources read, {} warnings): check it with `xacct check {}`",
                path.display(),
                converted.resources,
                converted.warnings.len(),
                dir.display()
            );
            exit::OK
        }
        Err(error) => {
            errln!("error: cannot write `{}`: {error}", path.display());
            exit::BAD_INPUT
        }
    }
}
