//! `xacct serve`: a local multi-account AWS endpoint (STS, S3, IAM, KMS, Kinesis, Glue, Lake
//! Formation, RAM) for real
//! clients, where every request is authenticated with SigV4 and authorized by the same engine
//! and world as `xacct check`. The S3 protocol and SigV4 verification (headers, presigned URLs, streaming
//! chunked uploads, the 15-minute clock-skew window) come from the s3s crate; credentials,
//! session tokens, STS and authorization are xacct's; state is kept in redb under `--data`.

pub mod access;
pub mod catalog_calls;
pub mod ec2;
pub mod engine;
pub mod glue;
pub mod group_commit;
pub mod iam;
pub mod identity;
pub mod json_reply;
pub mod kinesis;
pub mod kms;
pub mod lake_journal;
#[cfg(test)]
mod lake_tests_support;
pub mod lakeformation;
pub mod profiles;
pub mod ram;
pub mod s3;
pub mod server;
pub mod sigv4;
pub mod store;
pub mod sts;
#[cfg(test)]
mod test_support;
pub mod world_sync;
pub mod xml;

use engine::Engine;
use identity::Keys;
use std::sync::Arc;
use store::Store;

pub use server::{serve, Options, ServeError};

/// What every request handler shares.
pub struct State {
    pub engine: Engine,
    pub keys: Keys,
    pub store: Arc<Store>,
    /// What IAM holds beyond the world: managed policies, instance profiles, access keys.
    pub iam: iam::Directory,
    /// See [`Options::session_cap`].
    pub session_cap: Option<u32>,
    /// Kinesis's enhanced fan-out subscriptions, for the five-second rule (in memory).
    pub subscriptions: kinesis::subscribe::Subscriptions,
}

impl State {
    /// The state of a server on `store` deciding with `engine`; what lives only in memory
    /// (IAM's directory, fan-out subscriptions) starts empty.
    pub fn new(engine: Engine, store: Arc<Store>, session_cap: Option<u32>) -> Self {
        Self {
            engine,
            keys: Keys::new(store.clone()),
            store,
            iam: iam::Directory::default(),
            session_cap,
            subscriptions: kinesis::subscribe::Subscriptions::default(),
        }
    }

    /// When a session asked to last `seconds` expires, in seconds since the epoch.
    pub fn expiry(&self, seconds: i64) -> i64 {
        let lifetime = match self.session_cap {
            Some(cap) => seconds.min(i64::from(cap)),
            None => seconds,
        };
        jiff::Timestamp::now().as_second() + lifetime
    }
}
