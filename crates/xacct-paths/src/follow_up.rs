//! The requests a granted request entails, one route per service: the KMS calls S3 makes for
//! an SSE-KMS object, the ACL rules S3 applies to a write, the KMS call Kinesis makes for an
//! encrypted stream, the catalog and data requests of a table read. The checker
//! ([`crate::check`]) asks every route in [`ROUTES`] and checks what they return on the chain
//! the first request took; a new route is a new module here and one line in [`ROUTES`], and the
//! checker does not change.
//!
//! Why the trait lives here and not in the service crates: a route reads the [`World`]
//! (buckets, streams, Block Public Access, the Lake Formation state) to know what a request
//! entails, and `xacct-world` depends on the service crates (`xacct-s3`, `xacct-compute`,
//! `xacct-lake`), so they cannot see it without a cycle. The service rules themselves stay in
//! the service crates (`xacct_s3::kms_actions_for`, `xacct_s3::put_object`,
//! `xacct_lake::Verdict`); each module below is the thin adapter from the world to those rules,
//! and data keeps flowing one way: sources -> world -> engine -> paths -> reports.

pub mod access_point;
mod acl;
mod sse_kms;
mod stream_kms;
mod table_data;

use crate::check::Case;
use crate::index::TrustIndex;
use crate::search::AssumeOptions;
use xacct_eval::ContextValue;
use xacct_world::{Expectation, Session, World};

/// A request the policies allowed (or not: a route decides whether it cares), with what it was
/// asked with.
pub struct Granted<'a> {
    pub world: &'a World,
    pub expectation: &'a Expectation,
    pub case: &'a Case,
    /// The context the request was asked with (the expectation's, plus what a compute's
    /// settings send: canned ACL, encryption headers).
    pub context: &'a [(String, ContextValue)],
}

impl<'a> Granted<'a> {
    /// The access point the request went through, named by its ARN or its alias.
    pub fn access_point(&self) -> Option<xacct_world::access_point::ThroughAccessPoint<'a>> {
        let world: &'a World = self.world;
        match world.resolve_alias(&self.case.resource) {
            Some(arn) => world.through_access_point(&arn),
            None => world.through_access_point(&self.case.resource),
        }
    }

    /// The bucket the request reaches, directly or through an access point, and the object
    /// key for an object request.
    pub fn bucket_and_key(&self) -> Option<(&'a xacct_world::Bucket, Option<String>)> {
        let world: &'a World = self.world;
        if let Some(through) = self.access_point() {
            let bucket = world.buckets.get(&through.access_point.bucket)?;
            return Some((bucket, through.key));
        }
        let path = self.case.resource.strip_prefix("arn:aws:s3:::")?;
        let (name, key) = match path.split_once('/') {
            Some((name, key)) => (name, Some(key.to_owned())),
            None => (path, None),
        };
        Some((world.buckets.get(name)?, key))
    }

    /// The account of the session that made the request.
    pub fn requester(&self) -> Option<xacct_policy::AccountId> {
        crate::check::requester_account(self.world, self.case)
    }

    /// The single value of a context key the request was asked with, the key compared as IAM
    /// does (ignoring case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.context.iter().find_map(|(key, value)| match value {
            ContextValue::Single(text) if key.eq_ignore_ascii_case(name) => Some(text.clone()),
            _ => None,
        })
    }
}

/// What a granted request entails.
#[derive(Debug, Clone)]
pub enum Entailed {
    /// Another request the service makes with the same session: checked on exactly the chain
    /// the first request took.
    Request {
        action: String,
        resource: String,
        context: Vec<(String, ContextValue)>,
        /// Why it is made, shown with the case.
        note: String,
    },
    /// The service refuses the request itself whatever the policies say (an access point
    /// with network origin VPC and a request from elsewhere): set on the request's own case,
    /// which is then denied.
    Refusal { reason: String },
    /// The service answers the request with an error after the policies allowed it, for a
    /// reason no policy decides (an ACL header a bucket without ACLs rejects).
    Refused {
        /// The service's answer: "S3 answers 400 AccessControlListNotSupported: ...".
        error: String,
        note: String,
    },
}

/// What an expectation asks beyond its (action, resource) pairs, with the caller settings it
/// states.
pub struct Asked<'a> {
    pub world: &'a World,
    pub index: &'a TrustIndex,
    pub expectation: &'a Expectation,
    pub start: &'a Session,
    pub options: &'a AssumeOptions,
}

/// One service's follow-up requests. Both methods default to nothing, so a route implements
/// the one it needs.
pub trait FollowUp: Sync {
    /// The requests (or the refusal) a request of the expectation entails, in the order they
    /// are shown.
    fn entailed(&self, _granted: &Granted<'_>) -> Vec<Entailed> {
        Vec::new()
    }

    /// The cases of the operations an expectation names beyond its (action, resource) pairs
    /// (`read_tables`), each group's follow-ups marked with `follows` relative to the group.
    fn alongside(&self, _asked: &Asked<'_>) -> Vec<Case> {
        Vec::new()
    }
}

/// Every route, in the order its follow-ups are shown.
pub static ROUTES: &[&dyn FollowUp] = &[
    &access_point::AccessPointRoute,
    &sse_kms::SseKms,
    &stream_kms::StreamKms,
    &acl::ObjectAcl,
    &table_data::TableData,
];
