//! `xacct import`: write a scenario manifest from AWS exports.

use crate::command::exit;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Export files, or folders searched for them: `get-account-authorization-details`
    /// output, `<bucket>.bucket-policy.json` files in a folder named after the owning account,
    /// and an organizations bundle (see docs/scenario-format.md).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the manifest; standard output when absent.
    #[arg(long)]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> u8 {
    let output_dir = args
        .output
        .as_ref()
        .and_then(|path| path.parent())
        // A bare file name (`--output xacct.toml`) has the empty path as its parent.
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let manifest = match xacct_world::import::manifest_for(&args.inputs, &output_dir) {
        Ok(manifest) => manifest,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    match &args.output {
        Some(path) => match std::fs::write(path, manifest) {
            Ok(()) => {
                eprintln!(
                    "wrote {}: check it with `xacct check {}`",
                    path.display(),
                    output_dir.display()
                );
                exit::OK
            }
            Err(error) => {
                eprintln!("error: cannot write `{}`: {error}", path.display());
                exit::BAD_INPUT
            }
        },
        None => {
            print!("{manifest}");
            exit::OK
        }
    }
}
