//! Reading and writing the store's object records for the S3 operations: buckets, objects and
//! uploads looked up with S3's errors, an object written with its owner and encryption (and
//! its precondition, tested where it is committed), and listings with prefixes and delimiters.

use super::{conditions, etag, internal, object_context, owner, timestamp, Objects};
use crate::identity::Credential;
use crate::store::{BucketRecord, ObjectRecord, Precondition, UploadRecord};
use jiff::Timestamp;
use s3s::dto::{CommonPrefix, Object};
use s3s::{s3_error, S3Result};
use std::collections::BTreeMap;

/// What a PutObject, CopyObject or CompleteMultipartUpload writes.
pub(super) struct NewObject<'a> {
    /// The canned ACL (`x-amz-acl`), which decides the owner under `BucketOwnerPreferred`.
    pub acl: Option<&'a str>,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// `x-amz-server-side-encryption` and its key; the bucket's default when `None`.
    pub encryption: Option<(String, Option<String>)>,
    pub tags: BTreeMap<String, String>,
    pub data: Vec<u8>,
    /// Without quotes.
    pub etag: String,
    pub precondition: Option<Precondition>,
}

impl Objects {
    pub(super) fn bucket(&self, name: &str) -> S3Result<BucketRecord> {
        self.state
            .store
            .bucket(name)
            .map_err(internal)?
            .ok_or_else(|| s3_error!(NoSuchBucket, "The specified bucket does not exist"))
    }

    pub(super) fn object(&self, bucket: &str, key: &str) -> S3Result<ObjectRecord> {
        self.state
            .store
            .object(bucket, key)
            .map_err(internal)?
            .ok_or_else(|| s3_error!(NoSuchKey, "The specified key does not exist."))
    }

    pub(super) fn upload(&self, id: &str) -> S3Result<UploadRecord> {
        self.state
            .store
            .upload(id)
            .map_err(internal)?
            .ok_or_else(|| s3_error!(NoSuchUpload))
    }

    /// Stores an object written by `writer`, returning its record once it is durable (the
    /// commit may be shared with concurrent writes: [`crate::group_commit`]).
    pub(super) async fn write(
        &self,
        bucket: &str,
        key: &str,
        writer: &Credential,
        object: NewObject<'_>,
    ) -> S3Result<ObjectRecord> {
        let NewObject {
            acl,
            content_type,
            metadata,
            encryption,
            tags,
            data,
            etag,
            precondition,
        } = object;
        let record_bucket = self.bucket(bucket)?;
        let encryption = encryption.or_else(|| record_bucket.encryption.clone());
        // The key is kept by ARN (an alias or key id names a key in the writer's account, as
        // S3 reads it), so a reader's Decrypt is decided on the key the object was sealed with.
        let encryption = encryption.map(|(sse, key)| {
            let key = match key {
                Some(named) => Some(
                    crate::kms::resolve(
                        &self.state,
                        &named,
                        &writer.identity.account(),
                        &record_bucket.region,
                    )
                    .unwrap_or(named),
                ),
                // `aws:kms` without a key is the bucket account's `aws/s3` (made by the
                // access check already).
                None if sse.starts_with("aws:kms") => crate::kms::managed::s3_key(
                    &self.state,
                    &record_bucket.account,
                    &record_bucket.region,
                )
                .ok(),
                None => None,
            };
            (sse, key)
        });
        let record = ObjectRecord {
            size: data.len() as u64,
            etag,
            modified: Timestamp::now().as_second(),
            content_type,
            owner: object_context::on_write(&self.state, bucket, &writer.identity.account(), acl)?,
            metadata,
            encryption,
            tags,
            acl: acl.map(str::to_owned),
        };
        self.state
            .store
            .write_object(bucket, key, &record, data, precondition)
            .await
            .map_err(conditions::write_error)?;
        Ok(record)
    }

    pub(super) fn list(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        after: Option<&str>,
        max_keys: usize,
    ) -> S3Result<(Vec<Object>, Vec<CommonPrefix>, Option<String>)> {
        let mut contents = Vec::new();
        let mut prefixes: Vec<CommonPrefix> = Vec::new();
        let mut cursor = after.map(str::to_owned);
        let mut last = None;
        loop {
            let (page, more) = self
                .state
                .store
                .objects(bucket, prefix, cursor.as_deref(), 1000)
                .map_err(internal)?;
            for (key, record) in page {
                cursor = Some(key.clone());
                if contents.len() + prefixes.len() == max_keys {
                    return Ok((contents, prefixes, last));
                }
                let rest = key.get(prefix.len()..).unwrap_or_default();
                if let Some(at) = delimiter.and_then(|d| rest.find(d).map(|at| at + d.len())) {
                    let common = format!("{prefix}{}", rest.get(..at).unwrap_or_default());
                    if prefixes.last().and_then(|p| p.prefix.as_deref()) != Some(&common) {
                        prefixes.push(CommonPrefix {
                            prefix: Some(common.clone()),
                        });
                    }
                    // Skip the rest of this common prefix.
                    cursor = Some(format!("{common}\u{10FFFF}"));
                    last = Some(common);
                    continue;
                }
                last = Some(key.clone());
                contents.push(Object {
                    e_tag: Some(etag(&record.etag)),
                    key: Some(key),
                    last_modified: Some(timestamp(record.modified)),
                    owner: Some(owner(&record.owner)),
                    size: i64::try_from(record.size).ok(),
                    ..Object::default()
                });
            }
            if !more {
                return Ok((contents, prefixes, None));
            }
        }
    }
}
