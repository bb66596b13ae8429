//! One module per subcommand.

pub mod check;
pub mod eval;
pub mod explain;
pub mod graph;
pub mod import;
pub mod plan;
pub mod validate;
pub mod who_can;

/// Exit codes shared by every command: 0 success, 1 a negative answer, 2 unusable input.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}
