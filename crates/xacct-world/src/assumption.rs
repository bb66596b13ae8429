//! What a question takes for granted when the scenario does not say: a bucket it names that
//! the scenario does not declare (an IAM-only export knows no buckets) is answered as if it
//! were in the requester's own account, with no bucket policy and default settings, rather
//! than refused. The assumption favours access (identity policies alone then decide), so an
//! answer never reports less access than the bucket could give; each answer says so. A KMS
//! key or Kinesis stream not declared is likewise taken to have the defaults AWS gives one
//! (the default key policy; no stream policy) in the account its ARN names.

use crate::model::{Key, Origin, Stream};
use crate::World;
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, AccountId, Arn, PolicyKind};

/// What an answer assumed: the engine's type, so that every part of xacct lists its
/// assumptions in one shape (`{ "kind": ..., "detail": ... }`, an `assumed:` line).
pub use xacct_eval::Assumption;

/// The bucket an S3 resource ARN names (`arn:aws:s3:::BUCKET[/KEY]`).
fn bucket_of(resource: &str) -> Option<&str> {
    let path = resource.strip_prefix("arn:aws:s3:::")?;
    let bucket = path.split('/').next().unwrap_or(path);
    (!bucket.is_empty()).then_some(bucket)
}

impl World {
    /// Marks the buckets of `resources` that the scenario does not declare as assumed (see
    /// the module), and says what was assumed.
    pub fn assume_undeclared<'r>(
        &mut self,
        resources: impl IntoIterator<Item = &'r str>,
    ) -> Vec<Assumption> {
        let mut out = Vec::new();
        for resource in resources {
            if let Some(assumed) = self.assume_key_or_stream(resource) {
                out.push(assumed);
                continue;
            }
            let Some(bucket) = bucket_of(resource) else {
                continue;
            };
            // An access point alias stands for its declared access point.
            if self.buckets.contains_key(bucket)
                || self.assumed_buckets.contains_key(bucket)
                || self.resolve_alias(resource).is_some()
            {
                continue;
            }
            let mut accounts = self.accounts.keys();
            let owner = match (accounts.next(), accounts.next()) {
                (Some(only), None) => Some(*only),
                _ => None,
            };
            self.assumed_buckets.insert(bucket.to_owned(), owner);
            let whose = owner.map_or_else(
                || "the requester's own account".to_owned(),
                |account| format!("account {account}, the scenario's only account"),
            );
            out.push(Assumption {
                kind: "undeclared-resource",
                detail: format!(
                    "bucket `{bucket}` is not in the scenario: it is taken to be in {whose}, with no bucket policy and the settings of a new bucket (SSE-S3, ACLs disabled); declare it with [[bucket]] for an exact answer"
                ),
            });
        }
        out
    }
}

/// The default key policy AWS gives a key created without one: the account's principals
/// get what their own policies allow.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>
fn default_key_policy(account: AccountId) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{account}:root"}}, "Action": "kms:*", "Resource": "*"}}]}}"#
    )
}

impl World {
    /// A KMS key or Kinesis stream (or consumer) ARN the scenario does not declare, added as
    /// assumed: the key with the default key policy, the stream with no stream policy, each in
    /// the account and Region its ARN names.
    fn assume_key_or_stream(&mut self, resource: &str) -> Option<Assumption> {
        let arn: Arn = resource.parse().ok()?;
        let account = arn.account()?;
        let region = arn.region().to_owned();
        match arn.service() {
            "kms" if arn.resource().starts_with("key/") => {
                if self.keys.contains_key(resource) {
                    return None;
                }
                let label = format!("key policy of {resource} (assumed: the default key policy)");
                let parsed = parse_policy(&default_key_policy(account), PolicyKind::Resource);
                self.keys.insert(
                    resource.to_owned(),
                    Key {
                        arn: resource.to_owned(),
                        account,
                        region,
                        policy: Some(SourcedPolicy::new(parsed.policy, label)),
                        aws_managed: false,
                        aliases: Vec::new(),
                        grants: Vec::new(),
                        origin: Origin::default(),
                    },
                );
                Some(Assumption {
                    kind: "undeclared-resource",
                    detail: format!("key `{resource}` is not in the scenario: it is taken to have the default key policy (its account's principals get what their own policies allow) and no grants; declare it with [[key]] for an exact answer"),
                })
            }
            "kinesis" if arn.resource().starts_with("stream/") => {
                let stream = resource.split("/consumer/").next().unwrap_or(resource);
                if self.streams.contains_key(stream) {
                    return None;
                }
                let name = stream.rsplit('/').next().unwrap_or(stream).to_owned();
                self.streams.insert(
                    stream.to_owned(),
                    Stream {
                        arn: stream.to_owned(),
                        account,
                        region,
                        name,
                        policy: None,
                        encryption_key: None,
                        consumers: Default::default(),
                        origin: Origin::default(),
                    },
                );
                Some(Assumption {
                    kind: "undeclared-resource",
                    detail: format!("stream `{stream}` is not in the scenario: it is taken to have no resource policy and no encryption; declare it with [[stream]] for an exact answer"),
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_undeclared_buckets_are_assumed_once() {
        let mut world = World::default();
        world.buckets.insert(
            "known".to_owned(),
            crate::Bucket {
                name: "known".to_owned(),
                account: "111111111111".parse().unwrap(),
                region: None,
                policy: None,
                ownership: xacct_s3::ObjectOwnership::default(),
                encryption: xacct_s3::DefaultEncryption::SseS3,
                block_public_access: xacct_s3::BlockPublicAccess::NONE,
                origin: crate::model::Origin::default(),
            },
        );
        let assumed = world.assume_undeclared([
            "arn:aws:s3:::known/x",
            "arn:aws:s3:::other",
            "arn:aws:s3:::other/y",
            "arn:aws:iam::111111111111:role/R",
        ]);
        assert_eq!(assumed.len(), 1);
        let key = "arn:aws:kms:eu-west-1:222222222222:key/0a1b2c3d-1111-2222-3333-444455556666";
        let stream = "arn:aws:kinesis:eu-west-1:222222222222:stream/clicks";
        let more = world.assume_undeclared([key, &format!("{stream}/consumer/app:1700000000")]);
        assert_eq!(more.len(), 2);
        assert!(world.keys[key].policy.is_some());
        assert_eq!(world.streams[stream].name, "clicks");
        assert_eq!(assumed[0].kind, "undeclared-resource");
        assert!(assumed[0].detail.starts_with("bucket `other`"));
        // No account in the scenario: each requester's own.
        assert_eq!(world.assumed_buckets.get("other"), Some(&None));
    }
}
