//! Paths through the AssumeRole graph: from a compute identity, every chain to a target, the
//! shortest that works, or the closest broken one with its first failing link and the
//! smallest fix; and the reverse question, who can reach a resource.

#[cfg(test)]
mod access_keys_tests;
#[cfg(test)]
mod access_point_tests;
pub mod answer;
pub mod assume;
pub mod binding;
pub mod callers;
#[cfg(test)]
mod catalog_policy_tests;
pub mod check;
#[cfg(test)]
mod compute_write_tests;
pub mod diff;
#[cfg(test)]
mod emrfs_tests;
#[cfg(test)]
mod engine_tests;
pub mod fix;
pub mod follow_up;
pub mod graph;
pub mod index;
#[cfg(test)]
mod kms_grant_tests;
#[cfg(test)]
mod lake_tags_tests;
pub mod mends;
#[cfg(test)]
mod public_access_tests;
#[cfg(test)]
mod question_tests;
pub mod runtime_role;
pub mod search;
#[cfg(test)]
mod session_policy_tests;
pub mod start;
pub mod table;
#[cfg(test)]
mod tests_support;
pub mod unity_catalog;
pub mod who_can;
pub mod written;

pub use answer::{Assumption, AssumptionKind, Assumptions, Route};
pub use callers::CallerIndex;
pub use fix::{apply, suggest, Fix, Target};
pub use index::TrustIndex;
pub use search::{find, AssumeOptions, Hop, Link, Outcome, Path, Query, Step};
pub use start::{resolve, Start};
pub use who_can::{who_can, who_can_prepared, Prepared, Reach, WhoCan, WhoCanQuery};
