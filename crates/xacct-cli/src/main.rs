//! The `xacct` command.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Loading a large scenario allocates millions of small strings and vectors; with the system
/// allocator that costs more than parsing them (docs/benchmarks.md, "World and paths").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod command;
mod files;
mod render;
mod scenario;

/// Plans, checks, explains and rehearses AWS cross-account access.
#[derive(Parser)]
#[command(name = "xacct", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Also read files under PATH (a file or folder) when a scenario, a request or a folder of
    /// exports names them; without it they must stay in the scenario's folder, or the git
    /// repository holding it. Repeatable.
    #[arg(long = "allow-outside", value_name = "PATH", global = true)]
    allow_outside: Vec<std::path::PathBuf>,
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
    Explain(command::explain::Args),
    /// Write a scenario manifest (xacct.toml) from AWS exports.
    Import(command::import::Args),
    /// List every principal that can do an action on a resource, with its shortest chain.
    WhoCan(command::who_can::Args),
    /// Draw the scenario: accounts, roles, AssumeRole edges (failing ones dashed) and buckets.
    Graph(command::graph::Args),
    /// Write the documents each [[intent]] needs, for every account, proven by the engine.
    Plan(command::plan::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    files::allow_outside(&cli.allow_outside);
    let code = match cli.command {
        Command::Validate(args) => command::validate::run(&args),
        Command::Eval(args) => command::eval::run(&args),
        Command::Check(args) => command::check::run(&args),
        Command::Explain(args) => command::explain::run(&args),
        Command::WhoCan(args) => command::who_can::run(&args),
        Command::Graph(args) => command::graph::run(&args),
        Command::Import(args) => command::import::run(&args),
        Command::Plan(args) => command::plan::run(&args),
    };
    ExitCode::from(code)
}
