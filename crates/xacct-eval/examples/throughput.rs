//! Single-threaded evaluation throughput for one request file, for
//! `bench/compare-iam-simulate`:
//!
//! ```text
//! cargo run --release -p xacct-eval --example throughput -- <request.json> <iterations> [--cold]
//! ```
//!
//! prints one JSON line in the shape of `tools/iam-simulate/bench.mjs`:
//! `{"tool":"xacct","mode":"compiled","evaluations":N,"seconds":S,"per_second":R}`.
//!
//! `compiled` (the default) times only the `authorize(&request)` calls: reading the file and
//! compiling its policies happen before the clock starts, as `bench.mjs` does for iam-simulate.
//! `--cold` times parse + compile + evaluate per call: the REQUEST.json text (read once) is
//! parsed, its policies compiled and checked (their warnings included) and the request decided
//! on every call. A request that cannot be read is reported on stderr with exit code 1; bad
//! arguments exit with 2.
//!
//! `throughput --decision <request.json>` prints only the decision (`Allow`, `ExplicitDeny` or
//! `ImplicitDeny`), so that a comparison can check both tools decide the request alike.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;
use xacct_eval::authorize;
use xacct_eval::wire::{read_request, NoFiles};
use xacct_policy::SourceFile;

const USAGE: &str = "usage: throughput <request.json> <iterations> [--cold]\n       throughput --decision <request.json>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (file, iterations, cold) = match args.as_slice() {
        [flag, file] if flag == "--decision" => (file, None, false),
        [file, iterations, rest @ ..] if rest.is_empty() || rest == ["--cold"] => {
            match iterations.parse::<u64>() {
                Ok(count) if count >= 1 => (file, Some(count), !rest.is_empty()),
                _ => {
                    eprintln!("bad iteration count '{iterations}'\n{USAGE}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("missing arguments\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("cannot load request: {file}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let source = SourceFile::new(file.clone(), text);
    let read = read_request(&source, &NoFiles);
    let Some(request) = read.request else {
        eprintln!("xacct rejects this request:");
        for finding in &read.findings {
            eprintln!("  {}: {}", finding.location(), finding.finding.message);
        }
        return ExitCode::FAILURE;
    };
    let Some(iterations) = iterations else {
        println!("{}", authorize(&request).decision.name());
        return ExitCode::SUCCESS;
    };

    // Parse + compile + evaluate: what one `xacct eval` does with the file in memory.
    let cold_call = || {
        read_request(black_box(&source), &NoFiles)
            .request
            .map_or(0, |request| authorize(&request).allows.len())
    };
    let compiled_call = || authorize(black_box(&request)).allows.len();
    let call: &dyn Fn() -> usize = if cold { &cold_call } else { &compiled_call };

    // Warm-up: the same rule as bench.mjs (a tenth of the run, between 200 and 5,000 calls).
    let warmup = iterations.div_ceil(10).clamp(200, 5000);
    let mut sink = 0_usize;
    for _ in 0..warmup {
        sink = sink.wrapping_add(call());
    }

    let start = Instant::now();
    for _ in 0..iterations {
        sink = sink.wrapping_add(call());
    }
    let seconds = start.elapsed().as_secs_f64();
    black_box(sink);
    let mode = if cold { "cold" } else { "compiled" };

    // Counts below 2^53 convert to f64 exactly.
    let per_second = iterations as f64 / seconds;
    println!(
        "{{\"tool\":\"xacct\",\"mode\":\"{mode}\",\"evaluations\":{iterations},\"seconds\":{seconds:.6},\"per_second\":{per_second:.1}}}"
    );
    ExitCode::SUCCESS
}
