//! World and paths at scale, on organizations written by the seeded generator of this crate
//! (one `get-account-authorization-details` export per account, see `xacct_bench`):
//!
//! - `who_can/AxR`: load the scenario folder, build the caller index, answer who can
//!   `s3:GetObject` the objects of the bucket with the most readers: what `xacct who-can` does;
//! - `load_cached/AxR` and `who_can_cached/AxR`: the same through the cache of compiled
//!   worlds, written before (`xacct_world::cache`): what a repeat `xacct who-can` does;
//! - `who_can_query/AxR`: the index and the question alone, on a world loaded beforehand;
//! - `check/AxR`: `check` of the scenario's 1,000 expectations, on a world loaded beforehand;
//! - `graph/AxR`: the graph `xacct graph` draws, built and written as Mermaid, on a world
//!   loaded beforehand.
//!
//! A accounts of R roles each. By default one small organization (10 x 20), so that
//! `cargo test --benches` runs every benchmark once in seconds; `XACCT_BENCH_LARGE=1` adds
//! 100 x 100 (10,000 roles) and 1,000 x 100 (100,000 roles). Organizations are generated once
//! under `target/tmp/xacct-bench/` and reused.
//!
//! ```text
//! XACCT_BENCH_LARGE=1 cargo bench -p xacct-bench --bench paths
//! ```

use criterion::{Criterion, SamplingMode};
use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use xacct_bench::{generate_once, load, Spec, Summary};
use xacct_paths::{who_can, CallerIndex, WhoCanQuery};

fn sizes() -> Vec<(usize, usize)> {
    let mut sizes = vec![(10, 20)];
    if std::env::var_os("XACCT_BENCH_LARGE").is_some_and(|value| value != "0") {
        sizes.extend([(100, 100), (1000, 100)]);
    }
    sizes
}

fn query(summary: &Summary) -> WhoCanQuery {
    WhoCanQuery::new(summary.probe_action.clone(), summary.probe_resource.clone())
}

/// Load, index and ask, as `xacct who-can` does; the number of principals that can.
fn load_and_ask(summary: &Summary) -> Result<usize, String> {
    let world = load(summary)?;
    let callers = CallerIndex::new(&world);
    let answer = who_can(&world, &callers, &query(summary)).map_err(|error| error.to_string())?;
    Ok(answer.principals.len())
}

fn bench_size(criterion: &mut Criterion, accounts: usize, roles: usize) -> Result<(), String> {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xacct-bench");
    let summary =
        generate_once(&Spec::new(accounts, roles), &parent).map_err(|error| error.to_string())?;
    let id = format!("{accounts}x{roles}");
    let mut group = criterion.benchmark_group("world_and_paths");
    // Ten samples of one iteration each at the large sizes, where one iteration takes seconds.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_secs(if accounts >= 1000 { 60 } else { 10 }));

    // The load step alone: reading the exports into a world (docs/benchmarks.md, "Where the
    // load time goes").
    group.bench_function(format!("load/{id}"), |bencher| {
        bencher.iter(|| black_box(load(&summary).map(|world| world.roles.len())));
    });
    group.bench_function(format!("who_can/{id}"), |bencher| {
        bencher.iter(|| black_box(load_and_ask(&summary)));
    });
    // The repeat run: the cache is written once, then every iteration reads it back.
    let cache = parent.join(format!("cache-{id}"));
    let access = xacct_world::FileAccess::anywhere();
    xacct_world::cache::load_cached(&summary.dir, &access, &cache)?;
    let (_, used) = xacct_world::cache::load_cached(&summary.dir, &access, &cache)?;
    if used != xacct_world::cache::CacheUse::Hit {
        return Err(format!("{id}: the cache is not read back: {used:?}"));
    }
    group.bench_function(format!("load_cached/{id}"), |bencher| {
        bencher.iter(|| {
            black_box(
                xacct_world::cache::load_cached(&summary.dir, &access, &cache)
                    .map(|(loaded, _)| loaded.world.roles.len()),
            )
        });
    });
    group.bench_function(format!("who_can_cached/{id}"), |bencher| {
        bencher.iter(|| {
            black_box(
                xacct_world::cache::load_cached(&summary.dir, &access, &cache).map(
                    |(loaded, _)| {
                        let world = &loaded.world;
                        who_can(world, &CallerIndex::new(world), &query(&summary))
                            .map(|answer| answer.principals.len())
                    },
                ),
            )
        });
    });

    // Loaded after the benchmark above, so that only one world is in memory at a time.
    let world = load(&summary)?;
    let question = query(&summary);
    let answer =
        who_can(&world, &CallerIndex::new(&world), &question).map_err(|error| error.to_string())?;
    if answer.principals.is_empty() {
        return Err(format!(
            "{id}: nobody can {} {}",
            summary.probe_action, summary.probe_resource
        ));
    }

    group.bench_function(format!("who_can_query/{id}"), |bencher| {
        bencher.iter(|| {
            let callers = CallerIndex::new(&world);
            black_box(who_can(&world, &callers, &question).map(|answer| answer.principals.len()))
        });
    });
    group.bench_function(format!("check/{id}"), |bencher| {
        bencher.iter(|| black_box(xacct_paths::check::check(&world).expectations.len()));
    });
    group.bench_function(format!("graph/{id}"), |bencher| {
        bencher.iter(|| {
            let graph = xacct_paths::graph::build(&world, &Default::default());
            black_box(graph.map(|graph| xacct_paths::graph::mermaid(&graph).len()))
        });
    });
    group.finish();
    Ok(())
}

fn main() -> ExitCode {
    let mut criterion = Criterion::default().configure_from_args();
    for (accounts, roles) in sizes() {
        if let Err(error) = bench_size(&mut criterion, accounts, roles) {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }
    criterion.final_summary();
    ExitCode::SUCCESS
}
