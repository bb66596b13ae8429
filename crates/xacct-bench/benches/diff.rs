//! `xacct diff` of a one-document change, on organizations written by the seeded generator of
//! this crate, with as many buckets as the issue asks (1,000 at 100 x 100):
//!
//! - `diff_trust_widened/AxR`: the trust policy of a role that reads the probe bucket is
//!   replaced by one that lets in every principal of another member account;
//! - `diff_trust_opened/AxR`: that trust is opened to everyone (`"AWS": "*"`);
//! - `diff_bucket_policy/AxR`: the probe bucket's policy is removed;
//! - `diff_scp/AxR`: an SCP denying object reads and writes is attached to that role's account.
//!
//! Both worlds are loaded beforehand (loading is measured by the `paths` benchmark); what is
//! measured is `xacct_paths::diff::diff`: comparing the worlds, working out which questions the
//! changed document can affect, and asking those of both worlds.
//!
//! A accounts of R roles each and B buckets: by default 10 x 20 with 10 buckets, so that
//! `cargo test --benches` runs each once in seconds; `XACCT_BENCH_LARGE=1` adds 100 x 100 with
//! 1,000 buckets.
//!
//! ```text
//! XACCT_BENCH_LARGE=1 cargo bench -p xacct-bench --bench diff
//! ```

use criterion::{Criterion, SamplingMode};
use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use xacct_bench::{change, generate_once, load, Spec};
use xacct_paths::diff::{diff, Options};

fn sizes() -> Vec<(usize, usize, usize)> {
    let mut sizes = vec![(10, 20, 10)];
    if std::env::var_os("XACCT_BENCH_LARGE").is_some_and(|value| value != "0") {
        sizes.push((100, 100, 1000));
    }
    sizes
}

fn bench_size(
    criterion: &mut Criterion,
    accounts: usize,
    roles: usize,
    buckets: usize,
) -> Result<(), String> {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xacct-bench");
    let spec = Spec {
        buckets,
        ..Spec::new(accounts, roles)
    };
    let summary = generate_once(&spec, &parent).map_err(|error| error.to_string())?;
    let id = format!("{accounts}x{roles}");
    let before = load(&summary)?;

    let (reader, other) = change::probe_reader(&before, &summary)?;
    let widened = change::trust_widened(&before, &reader, other)?;
    let opened = change::trust_opened(&before, &reader)?;
    let emptied = change::bucket_policy_removed(&before, &change::probe_bucket(&summary))?;
    let own = before
        .roles
        .get(&reader)
        .map(|role| role.account)
        .ok_or_else(|| format!("no role {reader}"))?;
    let scp = change::scp_added(&before, own)?;
    let changes = [
        ("bucket_policy", &emptied),
        ("trust_widened", &widened),
        ("scp", &scp),
        ("trust_opened", &opened),
    ];
    // One timed run each; criterion then samples the changes that take less than 5 s (a
    // slower one is reported here, once, instead of ten times).
    let mut sampled = Vec::new();
    for (name, after) in changes {
        let started = Instant::now();
        let found = diff(&before, after, &Options::default()).map_err(|error| error.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "{id} {name}: {seconds:.2} s, {} of {} questions asked again, {} gained, {} lost",
            found.asked,
            found.questions,
            found.gained.len(),
            found.lost.len()
        );
        if seconds < 5.0 {
            sampled.push((name, after));
        }
    }

    let mut group = criterion.benchmark_group("diff");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_secs(10));
    for (name, after) in sampled {
        group.bench_function(format!("diff_{name}/{id}"), |bencher| {
            bencher.iter(|| black_box(diff(&before, after, &Options::default()).map(|d| d.asked)));
        });
    }
    group.finish();
    Ok(())
}

fn main() -> ExitCode {
    let mut criterion = Criterion::default().configure_from_args();
    for (accounts, roles, buckets) in sizes() {
        if let Err(error) = bench_size(&mut criterion, accounts, roles, buckets) {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }
    criterion.final_summary();
    ExitCode::SUCCESS
}
