//! What a question takes for granted when the scenario does not say: a bucket it names that
//! the scenario does not declare (an IAM-only export knows no buckets) is answered as if it
//! were in the requester's own account, with no bucket policy and default settings, rather
//! than refused. The assumption favours access (identity policies alone then decide), so an
//! answer never reports less access than the bucket could give; each answer says so.

use crate::World;
use serde::Serialize;

/// One thing an answer assumed, as `{ "kind": ..., "detail": ... }` in JSON and an
/// `assumed:` line in text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    /// `undeclared-resource` here; other parts of xacct add their own kinds.
    pub kind: &'static str,
    pub detail: String,
}

impl Assumption {
    /// The text line: `assumed: DETAIL`.
    pub fn line(&self) -> String {
        format!("assumed: {}", self.detail)
    }
}

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
            let Some(bucket) = bucket_of(resource) else {
                continue;
            };
            if self.buckets.contains_key(bucket) || self.assumed_buckets.contains_key(bucket) {
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
        assert_eq!(assumed[0].kind, "undeclared-resource");
        assert!(assumed[0].line().starts_with("assumed: bucket `other`"));
        // No account in the scenario: each requester's own.
        assert_eq!(world.assumed_buckets.get("other"), Some(&None));
    }
}
