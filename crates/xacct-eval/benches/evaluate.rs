//! Evaluation throughput on realistic requests: a role session reading an S3 object through
//! ten identity statements with conditions, a bucket policy and two SCP levels
//! (`bench/requests/*.json` at the workspace root).
//!
//! Each request file is read and compiled once, outside the timed loop; the benchmarks time
//! `authorize(&request)` alone and `authorize` followed by `Explanation::new`, and, as `cold`,
//! parse + compile + evaluate from the file's text on every call. Throughput is reported in
//! evaluations per second.
//!
//! `cargo bench -p xacct-eval --bench evaluate` measures; `cargo test --benches` runs every
//! benchmark once as a smoke test.

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use xacct_eval::wire::{read_request, NoFiles};
use xacct_eval::{authorize, Decision, Explanation, Request};
use xacct_policy::SourceFile;

/// The benchmarked requests: file stem under `bench/requests/`, and the decision it must get.
const REQUESTS: [(&str, Decision); 3] = [
    ("realistic-cross-account", Decision::Allow),
    ("realistic-same-account", Decision::Allow),
    ("realistic-identity-only", Decision::Allow),
];

fn requests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/requests")
}

/// A request compiled once, and its file's text for the cold benchmark.
struct Loaded {
    request: Request,
    source: Arc<SourceFile>,
}

/// Reads one request file, or says why it cannot be benchmarked.
fn load(name: &str, expected: Decision) -> Result<Loaded, String> {
    let path = requests_dir().join(format!("{name}.json"));
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let source = SourceFile::new(path.display().to_string(), text);
    let read = read_request(&source, &NoFiles);
    let Some(request) = read.request else {
        let findings: Vec<String> = read
            .findings
            .iter()
            .map(|finding| format!("  {}: {}", finding.location(), finding.finding.message))
            .collect();
        return Err(format!(
            "{} is not a valid request:\n{}",
            path.display(),
            findings.join("\n")
        ));
    };
    let decision = authorize(&request).decision;
    if decision != expected {
        return Err(format!(
            "{}: expected {}, got {}",
            path.display(),
            expected.name(),
            decision.name()
        ));
    }
    Ok(Loaded { request, source })
}

fn bench(criterion: &mut Criterion, requests: &[(&str, Loaded)]) {
    let mut group = criterion.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (name, Loaded { request, source }) in requests {
        group.bench_function(format!("authorize/{name}"), |bencher| {
            bencher.iter(|| authorize(black_box(request)));
        });
        group.bench_function(format!("authorize+explanation/{name}"), |bencher| {
            bencher.iter(|| {
                let request = black_box(request);
                let response = authorize(request);
                Explanation::new(request, &response)
            });
        });
        group.bench_function(format!("cold/{name}"), |bencher| {
            bencher.iter(|| {
                read_request(black_box(source), &NoFiles)
                    .request
                    .map(|request| authorize(&request).decision)
            });
        });
    }
    group.finish();
}

fn main() -> ExitCode {
    let mut requests = Vec::new();
    for (name, expected) in REQUESTS {
        match load(name, expected) {
            Ok(request) => requests.push((name, request)),
            Err(message) => {
                eprintln!("cannot benchmark: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &requests);
    criterion.final_summary();
    ExitCode::SUCCESS
}
