//! S3 PUT and GET of small objects against `xacct serve` and moto's server, started in the same
//! run on free loopback ports, driven by one compiled client (see docs/benchmarks.md).
//!
//! ```text
//! cargo build --profile bench -p xacct-bench --example serve_load
//! target/release/examples/serve_load --python target/python-venv/bin/python \
//!     [--xacct target/release/xacct] [--connections 32] [--seconds 10] [--size 1024] [--seed 2000]
//! ```
//!
//! Every request is signed with SigV4 (aws-sigv4, the AWS SDK for Rust's signer). Against
//! xacct serve the caller is the cluster's role chain of examples/s3-role-chain
//! (`compute-etl-as-MyRoleB`: the session AssumeRole returns, with its session token), so every
//! request is verified and authorized by the engine; moto runs as it ships (it verifies no
//! signature and enforces no policy). For each server: SEED objects are written first
//! (untimed), then CONNECTIONS keep-alive connections PUT new objects for SECONDS, then GET
//! seeded objects (chosen at random) for SECONDS. Latency is taken per request from before it
//! is signed until its whole answer is read. Without `--xacct` the server is this program in
//! `serve-child` mode: the `xacct_serve::serve` the CLI calls, on the same scenario loader,
//! without building the CLI's AWS SDK crates.

/// As the CLI: the allocator `xacct` ships with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod servers;
mod sign;

use bytes::Bytes;
use servers::{create_bucket, credentials, start_moto, start_xacct};
use sign::{Connection, Error, Target};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Options {
    xacct: Option<PathBuf>,
    python: Option<PathBuf>,
    scenario: PathBuf,
    profile: String,
    bucket: String,
    connections: usize,
    seconds: f64,
    size: usize,
    seed: usize,
}

fn parse(arguments: &[String]) -> Result<Options, String> {
    let mut options = Options {
        xacct: None,
        python: None,
        scenario: PathBuf::from("examples/s3-role-chain"),
        profile: "compute-etl-as-MyRoleB".to_owned(),
        bucket: "lake-b".to_owned(),
        connections: 32,
        seconds: 10.0,
        size: 1024,
        seed: 2000,
    };
    let mut rest = arguments.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: `{value}` is not a number"))
        };
        match flag.as_str() {
            "--xacct" => options.xacct = Some(PathBuf::from(value)),
            "--python" => options.python = Some(PathBuf::from(value)),
            "--scenario" => options.scenario = PathBuf::from(value),
            "--profile" => options.profile.clone_from(value),
            "--bucket" => options.bucket.clone_from(value),
            "--connections" => options.connections = number()?.max(1),
            "--seconds" => {
                options.seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds: `{value}` is not a number"))?;
            }
            "--size" => options.size = number()?,
            "--seed" => options.seed = number()?.max(1),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Get,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Put => "PUT",
            Op::Get => "GET",
        }
    }
}

/// What one phase measured.
struct Figures {
    requests: usize,
    errors: usize,
    seconds: f64,
    /// Microseconds, sorted.
    latencies: Vec<u32>,
}

impl Figures {
    fn ops(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    fn percentile_ms(&self, fraction: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let at = ((self.latencies.len() as f64 * fraction) as usize).min(self.latencies.len() - 1);
        self.latencies
            .get(at)
            .map_or(f64::NAN, |&us| f64::from(us) / 1000.0)
    }
}

/// A small deterministic generator (xorshift), so the keys read need no shared state.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// One connection's loop until `deadline` (or `count` requests, for seeding).
#[expect(clippy::too_many_arguments, reason = "one worker's whole brief")]
async fn worker(
    target: Arc<Target>,
    bucket: Arc<str>,
    op: Op,
    number: usize,
    body: Bytes,
    seed: usize,
    deadline: Instant,
    count: Option<usize>,
) -> Result<(Vec<u32>, usize), Error> {
    let mut connection = Connection::open(&target.authority).await?;
    let mut latencies = Vec::with_capacity(4096);
    let mut errors = 0;
    let mut random = Xorshift(0x9E37_79B9_7F4A_7C15 ^ (number as u64 + 1));
    let put_headers = [
        ("x-amz-acl", "bucket-owner-full-control"),
        ("content-type", "application/octet-stream"),
    ];
    let mut sent = 0usize;
    while Instant::now() < deadline && count.is_none_or(|count| sent < count) {
        let (method, path, headers, payload): (&str, String, &[(&str, &str)], Bytes) = match op {
            Op::Put if count.is_some() => (
                "PUT",
                format!("/{bucket}/bench/seed/{}", number + sent * 1_000_000),
                &put_headers,
                body.clone(),
            ),
            Op::Put => (
                "PUT",
                format!("/{bucket}/bench/{number}/{sent}"),
                &put_headers,
                body.clone(),
            ),
            Op::Get => (
                "GET",
                format!("/{bucket}/bench/seed/{}", seed_key(random.next(), seed)),
                &[],
                Bytes::new(),
            ),
        };
        sent += 1;
        if connection.is_closed() {
            connection = Connection::open(&target.authority).await?;
        }
        let start = Instant::now();
        match connection
            .send(&target, "s3", method, &path, headers, payload)
            .await
        {
            Ok((status, answer)) if status.is_success() => {
                if op == Op::Get && answer.len() != body.len() {
                    errors += 1;
                    continue;
                }
                let micros = start.elapsed().as_micros();
                latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
            }
            Ok((status, answer)) => {
                if errors == 0 {
                    eprintln!(
                        "{} {method} {path}: {status} {}",
                        target.name,
                        String::from_utf8_lossy(&answer)
                    );
                }
                errors += 1;
            }
            Err(error) => {
                if errors == 0 {
                    eprintln!("{} {method} {path}: {error}", target.name);
                }
                errors += 1;
                connection = Connection::open(&target.authority).await?;
            }
        }
    }
    Ok((latencies, errors))
}

/// Seeded objects are `bench/seed/{worker + i * 1_000_000}`, `per` by each seeding worker:
/// the one `random` picks.
fn seed_key(random: u64, seed: usize) -> usize {
    let (workers, per) = count_per(seed);
    let index = usize::try_from(random).unwrap_or(0) % (workers * per);
    index % workers + (index / workers) * 1_000_000
}

/// How seeding splits `seed` objects: (workers, objects per worker).
fn count_per(seed: usize) -> (usize, usize) {
    let workers = seed.min(16);
    (workers, seed / workers)
}

async fn phase(
    target: &Arc<Target>,
    bucket: &Arc<str>,
    op: Op,
    connections: usize,
    seconds: f64,
    body: &Bytes,
    seed: usize,
) -> Result<Figures, Error> {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for number in 0..connections {
        tasks.push(tokio::spawn(worker(
            target.clone(),
            bucket.clone(),
            op,
            number,
            body.clone(),
            seed,
            deadline,
            None,
        )));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut part, failed) = task.await??;
        latencies.append(&mut part);
        errors += failed;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok(Figures {
        requests: latencies.len() + errors,
        errors,
        seconds: elapsed,
        latencies,
    })
}

/// Writes the objects GETs read: `count_per(seed)` workers, each its share.
async fn seed_objects(
    target: &Arc<Target>,
    bucket: &Arc<str>,
    body: &Bytes,
    seed: usize,
) -> Result<(), Error> {
    let (workers, per) = count_per(seed);
    let far = Instant::now() + Duration::from_secs(600);
    let mut tasks = Vec::new();
    for number in 0..workers {
        tasks.push(tokio::spawn(worker(
            target.clone(),
            bucket.clone(),
            Op::Put,
            number,
            body.clone(),
            seed,
            far,
            Some(per),
        )));
    }
    for task in tasks {
        let (_, errors) = task.await??;
        if errors > 0 {
            return Err(format!("{}: {errors} seed writes failed", target.name).into());
        }
    }
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

async fn run(options: Options) -> Result<(), Error> {
    let data = tempfile::Builder::new().prefix("serve-load-").tempdir()?;
    let xacct = start_xacct(options.xacct.as_deref(), &options.scenario, data.path())?;
    let mut targets = vec![Arc::new(Target::new(
        "xacct serve",
        xacct.port,
        credentials(data.path(), xacct.port, &options.profile).await?,
    ))];
    let moto = match &options.python {
        Some(python) => {
            let moto = start_moto(python)?;
            let target = Target::new(
                "moto",
                moto.port,
                aws_credential_types::Credentials::new("bench", "bench", None, None, "moto"),
            );
            create_bucket(&target, &options.bucket).await?;
            targets.push(Arc::new(target));
            Some(moto)
        }
        None => None,
    };
    let bucket: Arc<str> = Arc::from(options.bucket.as_str());
    let body = Bytes::from(
        (0..options.size)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<_>>(),
    );
    for target in &targets {
        seed_objects(target, &bucket, &body, options.seed).await?;
    }
    println!(
        "{} connections, {} s per phase, objects of {} bytes, {} seeded; load average before: {}",
        options.connections,
        options.seconds,
        options.size,
        options.seed,
        load_average()
    );
    println!(
        "{:<12} {:<4} {:>9} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "server", "op", "requests", "errors", "ops/s", "p50 ms", "p99 ms", "max ms"
    );
    let mut ops = Vec::new();
    for op in [Op::Put, Op::Get] {
        for target in &targets {
            let figures = phase(
                target,
                &bucket,
                op,
                options.connections,
                options.seconds,
                &body,
                options.seed,
            )
            .await?;
            println!(
                "{:<12} {:<4} {:>9} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>8.2}",
                target.name,
                op.name(),
                figures.requests,
                figures.errors,
                figures.ops(),
                figures.percentile_ms(0.50),
                figures.percentile_ms(0.99),
                figures.percentile_ms(1.0),
            );
            ops.push((op, target.name, figures.ops()));
        }
    }
    println!("load average after: {}", load_average());
    for op in [Op::Put, Op::Get] {
        let of = |name: &str| {
            ops.iter()
                .find(|(o, n, _)| *o == op && *n == name)
                .map(|(_, _, ops)| *ops)
        };
        if let (Some(xacct), Some(moto)) = (of("xacct serve"), of("moto")) {
            println!(
                "{}: xacct serve / moto = {:.1}x ops/s",
                op.name(),
                xacct / moto
            );
        }
    }
    drop(moto);
    drop(xacct);
    Ok(())
}

/// `serve-child SCENARIO --port PORT --data DIR`: what `xacct serve` runs, in this binary.
fn serve_child(arguments: &[String]) -> Result<(), Error> {
    let [scenario, port_flag, port, data_flag, data] = arguments else {
        return Err("usage: serve-child SCENARIO --port PORT --data DIR".into());
    };
    if port_flag != "--port" || data_flag != "--data" {
        return Err("usage: serve-child SCENARIO --port PORT --data DIR".into());
    }
    let loaded = xacct_world::load(Path::new(scenario))?;
    let options = xacct_serve::Options {
        host: "127.0.0.1".to_owned(),
        port: port.parse()?,
        data: Some(PathBuf::from(data)),
        explain_log: None,
        session_cap: None,
    };
    xacct_serve::serve(loaded.world, &options, |started| {
        println!("{}", started.banner());
    })?;
    Ok(())
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.first().map(String::as_str) == Some("serve-child") {
        return match serve_child(arguments.get(1..).unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("serve-child: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let options = match parse(&arguments) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("serve_load: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("serve_load: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("serve_load: {error}");
            ExitCode::FAILURE
        }
    }
}
