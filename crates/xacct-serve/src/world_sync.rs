//! Keeping the engine's world and the store in step: the scenario's buckets are written to
//! the store at start, buckets the store already holds (created or changed by clients on an
//! earlier run) are put back into the world, and every bucket setting a client changes
//! reaches both, so the next request is decided on it.

use crate::store::BucketRecord;
use crate::State;
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, AccountId, PolicyKind, Severity, SourceFile};
use xacct_s3::{BlockPublicAccess, BpaSettings, DefaultEncryption, ObjectOwnership};
use xacct_world::model::Origin;
use xacct_world::Bucket;

fn ownership_name(ownership: ObjectOwnership) -> &'static str {
    match ownership {
        ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
        ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
        ObjectOwnership::ObjectWriter => "ObjectWriter",
    }
}

fn ownership_of(name: &str) -> Result<ObjectOwnership, String> {
    match name {
        "BucketOwnerEnforced" => Ok(ObjectOwnership::BucketOwnerEnforced),
        "BucketOwnerPreferred" => Ok(ObjectOwnership::BucketOwnerPreferred),
        "ObjectWriter" => Ok(ObjectOwnership::ObjectWriter),
        other => Err(format!("`{other}` is not an object ownership setting: expected BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter")),
    }
}

fn switches(bpa: BlockPublicAccess) -> [bool; 4] {
    [
        bpa.block_public_acls,
        bpa.ignore_public_acls,
        bpa.block_public_policy,
        bpa.restrict_public_buckets,
    ]
}

fn block_public_access(switches: Option<[bool; 4]>) -> BlockPublicAccess {
    let [block_public_acls, ignore_public_acls, block_public_policy, restrict_public_buckets] =
        switches.unwrap_or_default();
    BlockPublicAccess {
        block_public_acls,
        ignore_public_acls,
        block_public_policy,
        restrict_public_buckets,
    }
}

/// The store's record of a scenario bucket.
pub fn record_of(bucket: &Bucket) -> BucketRecord {
    let encryption = match &bucket.encryption {
        DefaultEncryption::SseS3 => ("AES256".to_owned(), None),
        DefaultEncryption::SseKms { key_arn, .. } => ("aws:kms".to_owned(), Some(key_arn.clone())),
        DefaultEncryption::AwsManagedKms => ("aws:kms".to_owned(), None),
    };
    BucketRecord {
        account: bucket.account.to_string(),
        region: bucket.region_or_default().to_owned(),
        created: jiff::Timestamp::now().as_second(),
        policy: bucket
            .policy
            .as_ref()
            .and_then(|policy| policy.source.as_ref())
            .map(|source| source.text().to_string()),
        ownership: ownership_name(bucket.ownership).to_owned(),
        block_public_access: Some(switches(bucket.block_public_access)),
        encryption: Some(encryption),
    }
}

/// A bucket policy as the engine reads it; a document S3 would refuse is an error.
fn bucket_policy(name: &str, text: &str) -> Result<SourcedPolicy, String> {
    let parsed = parse_policy(text, PolicyKind::Resource);
    if let Some(finding) = parsed
        .findings
        .iter()
        .find(|finding| finding.severity == Severity::Error)
    {
        return Err(finding.message.clone());
    }
    let source = SourceFile::new(format!("bucket policy of {name}"), text.to_owned());
    Ok(
        SourcedPolicy::new(Arc::new(parsed.policy), format!("bucket policy of {name}"))
            .with_source(source),
    )
}

/// The world's bucket for a stored record.
fn bucket_of(name: &str, record: &BucketRecord) -> Result<Bucket, String> {
    let account: AccountId = record
        .account
        .parse()
        .map_err(|_| format!("`{}` is not an account id", record.account))?;
    let encryption = match &record.encryption {
        Some((kind, Some(key))) if kind == "aws:kms" => DefaultEncryption::SseKms {
            key_arn: key.clone(),
            bucket_key: false,
        },
        Some((kind, None)) if kind == "aws:kms" => DefaultEncryption::AwsManagedKms,
        _ => DefaultEncryption::SseS3,
    };
    Ok(Bucket {
        name: name.to_owned(),
        account,
        region: Some(record.region.clone()),
        policy: record
            .policy
            .as_deref()
            .map(|text| bucket_policy(name, text))
            .transpose()?,
        ownership: ownership_of(&record.ownership)?,
        encryption,
        block_public_access: block_public_access(record.block_public_access),
        origin: Origin::described(
            "xacct serve",
            format!("bucket {name}, created through the endpoint"),
        ),
    })
}

/// Why a bucket policy was not put.
#[derive(Debug)]
pub enum PolicyRefusal {
    /// S3 refuses the document (MalformedPolicy).
    Malformed(String),
    /// Block Public Access refuses a public policy (AccessDenied).
    Denied(String),
}

/// Writes the scenario's buckets the store lacks, and puts the store's buckets into the world.
pub fn sync(state: &State) -> Result<(), String> {
    let scenario: Vec<(String, BucketRecord)> = state
        .engine
        .world()
        .buckets
        .values()
        .map(|bucket| (bucket.name.clone(), record_of(bucket)))
        .collect();
    state
        .store
        .keep_buckets(&scenario)
        .map_err(|e| e.to_string())?;
    let stored = state.store.buckets().map_err(|e| e.to_string())?;
    let mut world = state.engine.world_mut();
    for (name, record) in stored {
        let mut bucket = bucket_of(&name, &record)?;
        if let Some(declared) = world.buckets.get(&name) {
            bucket.origin = declared.origin.clone();
        }
        world.buckets.insert(name, bucket);
    }
    Ok(())
}

impl State {
    /// Lets a CreateBucket for an unknown bucket be decided as a bucket of the requester's
    /// account (or the scenario's only account).
    pub fn assume_new_bucket(&self, name: &str) {
        let mut world = self.engine.world_mut();
        if !world.buckets.contains_key(name) {
            world.assumed_buckets.insert(name.to_owned(), None);
        }
    }

    /// Records a bucket a client created.
    pub fn add_bucket(&self, name: &str, record: &BucketRecord) -> Result<(), String> {
        let bucket = bucket_of(name, record)?;
        self.store
            .put_bucket(name, record)
            .map_err(|e| e.to_string())?;
        let mut world = self.engine.world_mut();
        world.assumed_buckets.remove(name);
        world.buckets.insert(name.to_owned(), bucket);
        Ok(())
    }

    fn change_bucket(
        &self,
        name: &str,
        change: impl FnOnce(&mut BucketRecord) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut record = self
            .store
            .bucket(name)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("bucket {name} does not exist"))?;
        change(&mut record)?;
        let mut bucket = bucket_of(name, &record)?;
        self.store
            .put_bucket(name, &record)
            .map_err(|e| e.to_string())?;
        let mut world = self.engine.world_mut();
        if let Some(old) = world.buckets.get(name) {
            bucket.origin = old.origin.clone();
        }
        world.buckets.insert(name.to_owned(), bucket);
        Ok(())
    }

    /// PutBucketPolicy (refused under BlockPublicPolicy when the policy is public) and
    /// DeleteBucketPolicy.
    pub fn set_bucket_policy(&self, name: &str, text: Option<String>) -> Result<(), PolicyRefusal> {
        if let Some(text) = &text {
            let policy = bucket_policy(name, text).map_err(PolicyRefusal::Malformed)?;
            let record = self
                .store
                .bucket(name)
                .map_err(|e| PolicyRefusal::Malformed(e.to_string()))?
                .ok_or_else(|| PolicyRefusal::Malformed(format!("bucket {name} does not exist")))?;
            // The account's switches count too (the scenario's `[[account]]` Block Public
            // Access), as S3 applies the stricter of the two.
            let settings = match record.account.parse() {
                Ok(account) => self.engine.world().block_public_access_with(
                    account,
                    block_public_access(record.block_public_access),
                ),
                Err(_) => BpaSettings {
                    account: BlockPublicAccess::default(),
                    bucket: block_public_access(record.block_public_access),
                },
            };
            xacct_s3::put_bucket_policy_allowed(&settings, &policy.policy)
                .map_err(|error| PolicyRefusal::Denied(error.to_string()))?;
        }
        self.change_bucket(name, |record| {
            record.policy = text;
            Ok(())
        })
        .map_err(PolicyRefusal::Malformed)
    }

    pub fn set_ownership(&self, name: &str, ownership: &str) -> Result<(), String> {
        ownership_of(ownership)?;
        self.change_bucket(name, |record| {
            ownership.clone_into(&mut record.ownership);
            Ok(())
        })
    }

    pub fn set_block_public_access(
        &self,
        name: &str,
        switches: Option<[bool; 4]>,
    ) -> Result<(), String> {
        self.change_bucket(name, |record| {
            record.block_public_access = switches;
            Ok(())
        })
    }
}
