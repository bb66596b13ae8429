//! `xacct graph`: the scenario drawn as what can happen: accounts, roles, the AssumeRole
//! edges that pass (and the meant ones that fail, dashed with the reason), one edge per account
//! for account-wide trusts, and who reads and writes which bucket, key and stream.

use crate::command::exit;
use crate::scenario::{self, Output};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use xacct_paths::graph::{self, GraphQuery};
use xacct_policy::AccountId;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml).
    scenario: PathBuf,
    /// The drawing's language.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: Format,
    /// Only what this role or user (ARN) reaches, with every AssumeRole it could try decided.
    #[arg(long, value_name = "ARN")]
    from: Option<String>,
    /// Only what reaches this role, bucket (name), key, stream or table (ARN).
    #[arg(long, value_name = "ARN|BUCKET")]
    to: Option<String>,
    /// Only this account's nodes and the edges into or out of it.
    #[arg(long, value_name = "ID")]
    account: Option<AccountId>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// A Mermaid flowchart, e.g. for a Markdown file.
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
    /// A picture, drawn by Graphviz `dot` (which must be installed).
    Svg,
    /// A self-contained HTML page with the picture (no script, nothing fetched).
    Html,
}

pub fn run(args: &Args) -> u8 {
    let Some(loaded) = scenario::load(&args.scenario, "graph", Output::Text) else {
        return exit::BAD_INPUT;
    };
    let query = GraphQuery {
        from: args.from.clone(),
        to: args.to.clone(),
        account: args.account,
    };
    let built = match graph::build(&loaded.world, &query) {
        Ok(built) => built,
        Err(error) => {
            errln!("error: {error}");
            return exit::BAD_INPUT;
        }
    };
    let text = match args.format {
        Format::Mermaid => graph::mermaid(&built),
        Format::Dot => graph::dot(&built),
        Format::Html => graph::html(&built),
        Format::Svg => match svg(&graph::dot(&built)) {
            Ok(svg) => svg,
            Err(message) => {
                errln!("error: {message}");
                return exit::BAD_INPUT;
            }
        },
    };
    out!("{text}");
    exit::OK
}

/// Runs Graphviz `dot -Tsvg` on the DOT text (the program named by `XACCT_DOT`, or `dot`).
fn svg(dot: &str) -> Result<String, String> {
    let program = std::env::var_os("XACCT_DOT").unwrap_or_else(|| "dot".into());
    let shown = PathBuf::from(&program).display().to_string();
    let mut child = Command::new(&program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            format!(
                "`--format svg` runs Graphviz `{shown}`, which cannot be started ({error})\n  help: install Graphviz (`apt install graphviz`, `brew install graphviz`), or use `--format html` for a page that needs nothing"
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A `dot` that exits early closes the pipe: its status says why.
        let _ = stdin.write_all(dot.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|error| format!("Graphviz `{shown}` failed: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "Graphviz `{shown}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("Graphviz `{shown}` wrote something that is not UTF-8"))
}
