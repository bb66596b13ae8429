//! `xacct serve`: the scenario as a local AWS endpoint that real clients call,
//! every request decided by the engine `xacct check` uses (crate xacct-serve).

use crate::command::exit;
use crate::scenario::{self, Output};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario folder (with xacct.toml); its accounts, principals and buckets are served.
    scenario: PathBuf,
    /// The port to listen on; 0 picks a free one (printed as `endpoint:`).
    #[arg(long, default_value_t = 4566)]
    port: u16,
    /// The address to listen on. Keep it on loopback: the endpoint is for rehearsals.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Where objects, buckets, keys, streams, issued credentials and the catalog changes are kept (created if missing); a
    /// temporary folder, removed on exit, when not given.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Append every decision (principal, action, resource, decision, explanation) to FILE
    /// as JSON lines.
    #[arg(long, value_name = "FILE")]
    explain_log: Option<PathBuf>,
    /// Sessions STS issues expire after at most SECONDS, whatever DurationSeconds asks: to
    /// rehearse how a workload renews expiring credentials.
    #[arg(long, value_name = "SECONDS")]
    expire_sessions_after: Option<u32>,
}

pub fn run(args: &Args) -> u8 {
    let Some(loaded) = scenario::load(&args.scenario, "serve", Output::Text) else {
        return exit::BAD_INPUT;
    };
    let options = xacct_serve::Options {
        host: args.host.clone(),
        port: args.port,
        data: args.data.clone(),
        explain_log: args.explain_log.clone(),
        session_cap: args.expire_sessions_after,
    };
    let result = xacct_serve::serve(loaded.world, &options, |started| {
        outln!("{}", started.banner());
    });
    match result {
        Ok(()) => exit::OK,
        Err(error) => {
            errln!("error: {error}");
            exit::BAD_INPUT
        }
    }
}
