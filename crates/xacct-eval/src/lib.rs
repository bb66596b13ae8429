//! Decides one AWS request the way AWS does, and says why.
//!
//! A [`Request`] holds the caller, the action, the resource, the context and every policy that
//! applies; [`authorize`] returns the [`Decision`] with the statements it rests on, and
//! [`Explanation`] turns that into sentences and near misses. [`wire`] reads the REQUEST.json
//! contract of `xacct eval`.

pub mod assumed;
pub mod authorize;
pub mod caller;
pub mod context;
pub mod coverage;
pub mod explain;
pub mod matching;
pub mod request;
pub mod service_rules;
pub mod wire;

pub use assumed::{Assumption, RequestTime};
pub use authorize::{authorize, Decision, Gap, Response, StatementRef};
pub use caller::Caller;
pub use context::{Context, ContextValue, InvalidContextValue};
pub use explain::Explanation;
pub use request::{Layer, PolicySet, Request, SourcedPolicy};
