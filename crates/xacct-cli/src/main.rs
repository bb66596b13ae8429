//! The `xacct` command.

use clap::{CommandFactory as _, Parser, Subcommand};
use std::process::ExitCode;

/// Loading a large scenario allocates millions of small strings and vectors; with the system
/// allocator that costs more than parsing them (docs/benchmarks.md, "World and paths").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `print!` through `render::stream`: a closed pipe ends the output quietly, colour is
/// stripped when standard output is not a terminal.
macro_rules! out {
    ($($arg:tt)*) => { $crate::render::stream::stdout(format_args!($($arg)*)) };
}

/// `println!` through `render::stream`.
macro_rules! outln {
    () => { $crate::render::stream::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::render::stream::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` through `render::stream`.
macro_rules! err {
    ($($arg:tt)*) => { $crate::render::stream::stderr(format_args!($($arg)*)) };
}

/// `eprintln!` through `render::stream`.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::render::stream::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

mod command;
mod files;
mod render;
mod scenario;
mod world_cache;

/// Plans, checks, explains and rehearses AWS cross-account access.
#[derive(Parser)]
#[command(name = "xacct", version, about, propagate_version = true)]
struct Cli {
    /// When to colour the output: `auto` colours on a terminal unless `NO_COLOR` is set.
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: render::stream::ColorWhen,
    /// Print failures only: failing checks, denied requests and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
    /// Also read files under PATH (a file or folder) when a scenario, a request or a folder of
    /// exports names them; without it they must stay in the scenario's folder, or the git
    /// repository holding it. Repeatable.
    #[arg(long = "allow-outside", value_name = "PATH", global = true)]
    allow_outside: Vec<std::path::PathBuf>,
    /// Load scenarios from their files only: neither read nor write the cache of compiled
    /// worlds in `$XDG_CACHE_HOME/xacct` (also `XACCT_NO_CACHE=1`).
    #[arg(long = "no-cache", global = true)]
    no_cache: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check IAM policy documents for errors and likely mistakes.
    Validate(command::validate::Args),
    /// Decide one request (REQUEST.json) against its policies and explain the decision.
    Eval(command::eval::Args),
    /// Run every expectation of a scenario folder and report the failing links with fixes.
    Check(command::check::Args),
    /// Answer one question about a scenario: can this identity do that, through which chain?
    // Boxed: the largest arguments by far, which would size every variant.
    Explain(Box<command::explain::Args>),
    /// Read every account's access documents from AWS into a scenario folder.
    Collect(command::collect::Args),
    /// Write a scenario manifest (xacct.toml) from AWS exports.
    Import(command::import::Args),
    /// List every principal that can do an action on a resource, with its shortest chain.
    WhoCan(command::who_can::Args),
    /// List the access a change gives and takes away between two scenarios (before, after).
    Diff(command::diff::Args),
    /// Draw the scenario: accounts, roles, AssumeRole edges (failing ones dashed) and buckets.
    Graph(command::graph::Args),
    /// Write the documents each [[intent]] needs, for every account, proven by the engine.
    Plan(command::plan::Args),
    /// Serve the scenario as a local AWS endpoint (STS, S3, IAM, KMS, Kinesis, Glue, Lake Formation, RAM) that enforces its exact access.
    Serve(command::serve::Args),
    /// Print a shell completion script, e.g. `xacct completions bash > ~/.local/share/bash-completion/completions/xacct`.
    Completions(CompletionsArgs),
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// The whole command tree, for completions and for the test that every option has help.
fn command_tree() -> clap::Command {
    Cli::command()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    render::stream::configure(cli.color, cli.quiet);
    files::allow_outside(&cli.allow_outside);
    world_cache::configure(cli.no_cache);
    let code = match cli.command {
        Command::Validate(args) => command::validate::run(&args),
        Command::Eval(args) => command::eval::run(&args),
        Command::Check(args) => command::check::run(&args),
        Command::Explain(args) => command::explain::run(&args),
        Command::WhoCan(args) => command::who_can::run(&args),
        Command::Diff(args) => command::diff::run(&args),
        Command::Graph(args) => command::graph::run(&args),
        Command::Import(args) => command::import::run(&args),
        Command::Collect(args) => command::collect::run(&args),
        Command::Plan(args) => command::plan::run(&args),
        Command::Serve(args) => command::serve::run(&args),
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command_tree(), "xacct", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            command::exit::OK
        }
    };
    if render::stream::write_failed() {
        return ExitCode::from(command::exit::BAD_INPUT);
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument of every subcommand says what it is for in `--help`.
    #[test]
    fn every_option_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for argument in command.get_arguments() {
                let builtin = matches!(argument.get_id().as_str(), "help" | "version");
                if !builtin && argument.get_help().is_none() && argument.get_long_help().is_none() {
                    missing.push(format!("{path} {}", argument.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (the command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        let command = command_tree();
        command.clone().debug_assert();
        walk(&command, "xacct", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }
}
