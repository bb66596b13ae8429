//! `xacct plan`: an intent in, the documents that make it work out, for every account involved.
//!
//! [`plan`] generates candidate statements for the intent's route ([`generate`]), applies them
//! to a copy of the world, and keeps only those without which the intent's own checks fail
//! ([`prove`]): what comes out is necessary, proven, and merged into what the scenario already
//! has. [`render`] writes it as JSON documents per account, Terraform, an `aws` CLI script or a
//! runbook. [`plan_all`] plans every intent of a scenario as one plan, proven as a whole.

pub mod generate;
pub mod holds;
pub mod key_writer;
pub mod merge;
pub mod prove;
pub mod render;
mod unity_catalog;

pub use generate::{Change, Document};
pub use holds::intent_results;
pub use merge::{plan_all, Merged};
pub use prove::{applied_world, intent_checks, intent_holds, plan, Plan, PlanError};
