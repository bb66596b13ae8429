//! Generates a synthetic organization, and times who-can and check on one, phase by phase.
//! Run it under `/usr/bin/time -v` for the peak memory.
//!
//! ```text
//! cargo run --release -p xacct-bench --example org -- generate --accounts 1000 --roles 100 DIR
//! cargo run --release -p xacct-bench --example org -- who-can DIR [ACTION RESOURCE] [--exhaustive] [--cache CACHE]
//! cargo run --release -p xacct-bench --example org -- check DIR [--cache CACHE]
//! ```
//!
//! With `--cache CACHE`, the world is loaded through the cache of compiled worlds in the
//! folder CACHE (`xacct_world::cache`): the first run writes it, a repeat run reads it back.

/// Loading a large organization allocates millions of small strings and vectors; the system
/// allocator spends more time than the parser on them (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use xacct_bench::{generate, read_summary, Layout, Spec};
use xacct_paths::{who_can, CallerIndex, WhoCanQuery};

fn usage() -> ExitCode {
    eprintln!("usage: org generate [--accounts N] [--roles N] [--buckets N] [--expectations N] [--seed N] [--manifest-layout] DIR");
    eprintln!("       org who-can DIR [ACTION RESOURCE] [--exhaustive] [--cache CACHE]");
    eprintln!("       org check DIR [--cache CACHE]");
    ExitCode::from(2)
}

/// Wall time since `start`, and the process's CPU time (user + system) so far, which is the
/// figure to read on a shared machine (Linux: `/proc/self/stat`, in ticks of 1/100 s).
fn seconds(start: Instant) -> String {
    let cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let after_name = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = after_name.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some(format!(", CPU {:.2} s so far", (user + system) / 100.0))
        })
        .unwrap_or_default();
    format!("{:.3} s{cpu}", start.elapsed().as_secs_f64())
}

fn load(dir: &Path, cache: Option<&Path>) -> Option<xacct_world::World> {
    let start = Instant::now();
    let access = xacct_world::FileAccess::anywhere();
    let result = match cache {
        Some(cache) => xacct_world::cache::load_cached(dir, &access, cache)
            .map(|(loaded, used)| (loaded, format!("{used:?}"))),
        None => xacct_world::load_with(dir, &access).map(|loaded| (loaded, "no".to_owned())),
    };
    let (loaded, used) = match result {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return None;
        }
    };
    println!(
        "load: {} (cache: {used}; {} roles, {} users, {} buckets, {} expectations, {} findings)",
        seconds(start),
        loaded.world.roles.len(),
        loaded.world.users.len(),
        loaded.world.buckets.len(),
        loaded.world.expectations.len(),
        loaded.findings.len()
    );
    Some(loaded.world)
}

fn main() -> ExitCode {
    let mut arguments: Vec<String> = std::env::args().skip(1).collect();
    let mut cache = None;
    if let Some(at) = arguments.iter().position(|argument| argument == "--cache") {
        if at + 1 >= arguments.len() {
            return usage();
        }
        cache = Some(PathBuf::from(arguments.remove(at + 1)));
        arguments.remove(at);
    }
    let cache = cache.as_deref();
    let Some((command, rest)) = arguments.split_first() else {
        return usage();
    };
    match command.as_str() {
        "generate" => {
            let mut spec = Spec::new(100, 100);
            spec.buckets = 0;
            let mut dir = None;
            let mut iter = rest.iter();
            while let Some(argument) = iter.next() {
                let mut number = || iter.next().and_then(|value| value.parse::<u64>().ok());
                match argument.as_str() {
                    "--accounts" => spec.accounts = number().map_or(spec.accounts, |n| n as usize),
                    "--roles" => {
                        spec.roles_per_account =
                            number().map_or(spec.roles_per_account, |n| n as usize)
                    }
                    "--buckets" => spec.buckets = number().map_or(spec.buckets, |n| n as usize),
                    "--expectations" => {
                        spec.expectations = number().map_or(spec.expectations, |n| n as usize)
                    }
                    "--seed" => spec.seed = number().unwrap_or(spec.seed),
                    "--manifest-layout" => spec.layout = Layout::Manifest,
                    other => dir = Some(PathBuf::from(other)),
                }
            }
            let Some(dir) = dir else { return usage() };
            if spec.buckets == 0 {
                spec.buckets = spec.accounts;
            }
            let start = Instant::now();
            match generate(&spec, &dir) {
                Ok(summary) => {
                    println!("generated in {}: {summary:?}", seconds(start));
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        "who-can" => {
            let exhaustive = rest.iter().any(|argument| argument == "--exhaustive");
            let rest: Vec<&String> = rest
                .iter()
                .filter(|argument| *argument != "--exhaustive")
                .collect();
            let Some(dir) = rest.first().map(PathBuf::from) else {
                return usage();
            };
            let (action, resource) = match (rest.get(1), rest.get(2)) {
                (Some(action), Some(resource)) => ((*action).clone(), (*resource).clone()),
                _ => match read_summary(&dir) {
                    Some(summary) => (summary.probe_action, summary.probe_resource),
                    None => return usage(),
                },
            };
            let total = Instant::now();
            let Some(world) = load(&dir, cache) else {
                return ExitCode::FAILURE;
            };
            let start = Instant::now();
            let callers = CallerIndex::new(&world);
            println!("index: {}", seconds(start));
            let start = Instant::now();
            let query = WhoCanQuery {
                exhaustive,
                ..WhoCanQuery::new(action.clone(), resource.clone())
            };
            match who_can(&world, &callers, &query) {
                Ok(answer) => {
                    let direct = answer
                        .principals
                        .iter()
                        .filter(|reach| reach.chain.is_empty())
                        .count();
                    let deepest = answer
                        .principals
                        .iter()
                        .map(xacct_paths::Reach::hops)
                        .max()
                        .unwrap_or(0);
                    println!(
                        "who-can {action} on {resource}: {} ({} principals can, {direct} directly, longest chain {deepest}; {} requests decided, {} screened out)",
                        seconds(start),
                        answer.principals.len(),
                        answer.evaluated,
                        answer.screened
                    );
                    println!("load + index + who-can: {}", seconds(total));
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        "check" => {
            let Some(dir) = rest.first().map(PathBuf::from) else {
                return usage();
            };
            let Some(world) = load(&dir, cache) else {
                return ExitCode::FAILURE;
            };
            let start = Instant::now();
            let report = xacct_paths::check::check(&world);
            let passed = report
                .expectations
                .iter()
                .filter(|result| result.passed())
                .count();
            println!(
                "check: {} ({passed} of {} expectations hold, {} compute checks)",
                seconds(start),
                report.expectations.len(),
                report.compute.len()
            );
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}
