//! Paths through the AssumeRole graph: from a compute identity, every chain to a target, the
//! shortest that works, or the closest broken one with its first failing link and the
//! smallest fix; and the reverse question, who can reach a resource.

pub mod check;
pub mod fix;
pub mod index;
pub mod search;
pub mod start;

pub use fix::{apply, suggest, Fix, Target};
pub use index::TrustIndex;
pub use search::{find, AssumeOptions, Hop, Link, Outcome, Path, Query, Step};
pub use start::{resolve, Start};
