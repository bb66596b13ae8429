//! One module per subcommand.

pub mod check;
pub mod collect;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod graph;
pub mod import;
mod import_terraform;
pub mod plan;
pub mod serve;
pub mod validate;
pub mod who_can;

/// Exit codes shared by every command: 0 success, 1 a negative answer, 2 unusable input.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}

/// `--at TIME`, shared by the commands that decide requests (eval, check, explain, who-can).
#[derive(clap::Args, Clone, Copy)]
pub struct At {
    /// Decide as if every request were made at TIME (RFC 3339, e.g. 2026-12-07T09:30:00Z),
    /// for reproducible answers: it sets aws:CurrentTime and aws:EpochTime. Default: now.
    #[arg(long = "at", value_name = "TIME", value_parser = parse_at)]
    at: Option<xacct_eval::RequestTime>,
}

fn parse_at(text: &str) -> Result<xacct_eval::RequestTime, String> {
    xacct_eval::RequestTime::parse(text).map_err(|error| error.to_string())
}

impl At {
    /// The pinned time, or the clock now.
    pub fn time(&self) -> xacct_eval::RequestTime {
        self.at.unwrap_or_else(xacct_eval::RequestTime::now)
    }
}
