//! `xacct import`: write a scenario manifest from AWS exports.

use crate::command::exit;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Export files, or folders searched for them: `get-account-authorization-details`
    /// output, `<bucket>.bucket-policy.json` files in a folder named after the owning account,
    /// and an organizations bundle (see docs/scenario-format.md).
    #[arg(required_unless_present = "plan", conflicts_with = "plan")]
    inputs: Vec<PathBuf>,
    /// Where to write the manifest (a folder: its `xacct.toml`); standard output when absent.
    #[arg(long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    terraform: crate::scenario::Terraform,
}

pub fn run(args: &Args) -> u8 {
    // `--output DIR`, as `plan` takes it: the manifest is DIR/xacct.toml, not an error.
    let output = args.output.as_ref().map(|path| {
        if path.is_dir() {
            path.join("xacct.toml")
        } else {
            path.clone()
        }
    });
    if let Some(plan) = &args.terraform.plan {
        return super::import_terraform::run(plan, &args.terraform, output.as_deref());
    }
    let output_dir = output
        .as_ref()
        .and_then(|path| path.parent())
        // A bare file name (`--output xacct.toml`) has the empty path as its parent.
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let access = crate::files::access();
    let manifest =
        match xacct_world::import::manifest_and_skipped(&args.inputs, &output_dir, &access) {
            Ok((manifest, skipped)) => {
                if !crate::render::stream::quiet() {
                    for skipped in skipped {
                        errln!("warning: skipped {skipped}");
                    }
                }
                manifest
            }
            Err(message) => {
                errln!("error: {message}");
                return exit::BAD_INPUT;
            }
        };
    match &output {
        Some(path) => match std::fs::write(path, manifest) {
            Ok(()) => {
                errln!(
                    "wrote {}: check it with `xacct check {}{}`",
                    path.display(),
                    output_dir.display(),
                    outside_hint(&args.inputs, &output_dir)
                );
                exit::OK
            }
            Err(error) => {
                errln!("error: cannot write `{}`: {error}", path.display());
                exit::BAD_INPUT
            }
        },
        None => {
            out!("{manifest}");
            exit::OK
        }
    }
}

/// ` --allow-outside PATH ...` for the exports the scenario's own root does not hold: the
/// scenario reads them only when told to (docs/scenario-format.md).
fn outside_hint(inputs: &[PathBuf], output_dir: &Path) -> String {
    let scenario = xacct_world::FileAccess::anywhere().confined_to(output_dir);
    let Some(root) = scenario.root() else {
        return String::new();
    };
    inputs
        .iter()
        .filter_map(|input| std::fs::canonicalize(input).ok())
        .filter(|input| !input.starts_with(root))
        .map(|input| {
            let shown = input.display().to_string();
            let quoted =
                shlex::try_quote(&shown).map_or_else(|_| shown.clone(), |q| q.into_owned());
            format!(" --allow-outside {quoted}")
        })
        .collect()
}
