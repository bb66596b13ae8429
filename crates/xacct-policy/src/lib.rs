//! The AWS IAM policy language, read exactly.
//!
//! A policy is read from strict JSON ([`json`]) into a typed [`Policy`] with a source span on
//! every value, and every problem AWS would reject or a reader would regret is reported as a
//! [`Finding`]. The matching primitives that evaluation needs (actions, ARNs, wildcards,
//! condition operators, policy variables) live here too, compiled once per policy.
//!
//! This crate does no I/O and never prints.

pub mod account;
pub mod action;
pub mod arn;
pub mod condition;
pub mod document;
pub mod finding;
mod intern;
pub mod json;
pub mod principal;
pub mod read;
pub mod snapshot;
pub mod span;
pub mod template;
pub mod wildcard;

pub use account::AccountId;
pub use action::{ActionName, ActionPattern};
pub use arn::{Arn, ArnPattern};
pub use condition::{Condition, ConditionContext, RequestValues};
pub use document::{Effect, Policy, PolicyKind, PolicyVersion, Statement};
pub use finding::{one_line, Finding, Kept, LineStarts, Severity, SourceFile, SourcedFinding};
pub use principal::PrincipalEntry;
pub use read::{parse_policy, read_policy, ParsedPolicy};
pub use span::{Span, Spanned};
