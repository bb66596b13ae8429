//! The served world's durable state in one redb file under `--data`: buckets, objects,
//! multipart parts, issued credentials, KMS keys, Kinesis streams and their records. Every
//! write is committed with redb's default durability (an fsync before `commit` returns), so a
//! write the server acknowledges has reached the disk and survives `kill -9`. Object writes
//! from requests go through [`crate::group_commit`], where concurrent writes share one such
//! commit.

use crate::group_commit::{Committer, Write};
use redb::{Database, ReadableTable, TableDefinition};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

mod kinesis;
pub use kinesis::{ConsumerRecord, DataRecord, StreamRecord};

/// Bucket name -> [`BucketRecord`] (JSON).
const BUCKETS: TableDefinition<&str, &[u8]> = TableDefinition::new("buckets");
/// `bucket/key` -> [`ObjectRecord`] (JSON). Bucket names hold no `/`, so the first `/` splits.
pub(crate) const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
/// `bucket/key` -> the object's bytes.
pub(crate) const DATA: TableDefinition<&str, &[u8]> = TableDefinition::new("data");
/// Upload id -> [`UploadRecord`] (JSON); `upload-id/00001` -> a part's bytes.
const UPLOADS: TableDefinition<&str, &[u8]> = TableDefinition::new("uploads");
pub(crate) const PARTS: TableDefinition<&str, &[u8]> = TableDefinition::new("parts");
/// Access key id -> a credential (JSON), so profiles and sessions outlive a restart.
const CREDENTIALS: TableDefinition<&str, &[u8]> = TableDefinition::new("credentials");
/// KMS key ARN -> [`KeyRecord`] (JSON): each key's secret, so ciphertexts outlive a restart.
const KMS_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("kms-keys");
/// The Glue, Lake Formation and RAM changes clients made, in order, replayed at start.
const LAKE_JOURNAL: TableDefinition<&str, &[u8]> = TableDefinition::new("lake-journal");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data store: {0}")]
    Redb(String),
    #[error("the data store holds a record it cannot read: {0}")]
    Record(#[from] serde_json::Error),
    /// A conditional write whose condition did not hold when it was applied.
    #[error("the object is not as the write's precondition requires")]
    PreconditionFailed,
    /// `If-Match` named an object that does not exist.
    #[error("the object the write's precondition names does not exist")]
    NoSuchObject,
}

macro_rules! redb_errors {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StoreError {
            fn from(error: $ty) -> Self {
                Self::Redb(error.to_string())
            }
        }
    )*};
}
redb_errors!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A bucket as the server keeps it (the scenario's buckets are written at start).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BucketRecord {
    pub account: String,
    pub region: String,
    /// Seconds since the epoch.
    pub created: i64,
    /// The bucket policy's text as the client sent it.
    pub policy: Option<String>,
    /// `BucketOwnerEnforced`, `BucketOwnerPreferred` or `ObjectWriter`.
    pub ownership: String,
    /// BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets.
    pub block_public_access: Option<[bool; 4]>,
    /// The default encryption: `AES256` or `aws:kms` with a key.
    pub encryption: Option<(String, Option<String>)>,
}

/// A KMS key as the server keeps it: the secret its ciphertexts are sealed with, and (for a
/// key CreateKey made) what the world needs to know it again after a restart.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyRecord {
    /// The 256-bit AES-GCM key, hex.
    pub secret: String,
    /// Seconds since the epoch.
    pub created: i64,
    pub description: String,
    /// The key policy's text, for a key the scenario does not declare.
    pub policy: Option<String>,
    pub aliases: Vec<String>,
    /// `Disabled` or `PendingDeletion`; absent when enabled.
    #[serde(default)]
    pub key_state: Option<String>,
    /// When a key pending deletion is deleted, seconds since the epoch.
    #[serde(default)]
    pub deletion_date: Option<i64>,
    /// An AWS managed key (`aws/s3`) the server made on first use.
    #[serde(default)]
    pub aws_managed: bool,
    /// The grants CreateGrant made on the key, in the order they were made.
    #[serde(default)]
    pub grants: Vec<GrantRecord>,
}

/// A grant CreateGrant made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: String,
    pub token: String,
    pub name: Option<String>,
    pub grantee: String,
    pub retiring: Option<String>,
    pub issuer: String,
    pub operations: Vec<String>,
    /// `EncryptionContextSubset` or `EncryptionContextEquals`, with its pairs.
    pub constraint: Option<(String, BTreeMap<String, String>)>,
    /// Seconds since the epoch.
    pub created: i64,
}

/// An object's metadata.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectRecord {
    pub size: u64,
    /// Hex MD5 (single part) or `md5-of-md5s-N` (multipart), without quotes.
    pub etag: String,
    /// Seconds since the epoch.
    pub modified: i64,
    pub content_type: Option<String>,
    /// The account that owns the object (the writer's, or the bucket owner's when ownership
    /// says so).
    pub owner: String,
    pub metadata: BTreeMap<String, String>,
    /// `AES256` or `aws:kms`, and the key.
    pub encryption: Option<(String, Option<String>)>,
    /// The object's tags (`s3:ExistingObjectTag/KEY` when it is read); absent in records
    /// written before tags were kept.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The canned ACL the writer sent (`x-amz-acl`), for the object context of later reads.
    #[serde(default)]
    pub acl: Option<String>,
}

/// What a conditional write requires of the object it replaces (S3's conditional writes,
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-None-Match: *`: no object under the key.
    Absent,
    /// `If-Match: ETAG`: an object whose ETag (without quotes) is this one.
    ETag(String),
}

/// A multipart upload in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadRecord {
    pub bucket: String,
    pub key: String,
    pub content_type: Option<String>,
    pub owner: String,
    /// The tags CreateMultipartUpload was given (`x-amz-tagging`), for the object it makes.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The canned ACL CreateMultipartUpload was given, for the object it makes.
    #[serde(default)]
    pub acl: Option<String>,
}

/// The store: a redb database, the committer that groups object writes, and the buckets
/// (read on every request) kept in memory as well.
pub struct Store {
    db: Arc<Database>,
    committer: Committer,
    /// Every bucket record, as the database holds it: written through on every change.
    buckets: RwLock<HashMap<String, BucketRecord>>,
}

fn object_key(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    Ok(serde_json::to_vec(value)?)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

impl Store {
    /// Opens (or creates) `dir/xacct-serve.redb` and its tables.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let db = Arc::new(Database::create(dir.join("xacct-serve.redb"))?);
        let tx = db.begin_write()?;
        for table in [
            BUCKETS,
            OBJECTS,
            DATA,
            UPLOADS,
            PARTS,
            CREDENTIALS,
            KMS_KEYS,
            LAKE_JOURNAL,
            kinesis::STREAMS,
            kinesis::RECORDS,
            kinesis::META,
        ] {
            tx.open_table(table)?;
        }
        tx.commit()?;
        let committer = Committer::start(db.clone())?;
        let mut store = Self {
            db,
            committer,
            buckets: RwLock::new(HashMap::new()),
        };
        let buckets = store.all(BUCKETS)?.into_iter().collect();
        store.buckets = RwLock::new(buckets);
        Ok(store)
    }

    fn get<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(table)?;
        let value = table.get(key)?;
        value.map(|value| decode(value.value())).transpose()
    }

    fn put(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(table)?.insert(key, value)?;
        tx.commit()?;
        Ok(())
    }

    /// Writes each record whose key `table` does not hold yet, in one transaction, and
    /// returns those it wrote: what a scenario declares is stored once, and what a client
    /// changed since (under the same `--data`) is kept.
    pub(crate) fn insert_missing<'r, T: Serialize>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        records: &'r [(String, T)],
    ) -> Result<Vec<&'r (String, T)>, StoreError> {
        let tx = self.db.begin_write()?;
        let mut written = Vec::new();
        {
            let mut open = tx.open_table(table)?;
            for entry in records {
                if open.get(entry.0.as_str())?.is_none() {
                    open.insert(entry.0.as_str(), encode(&entry.1)?.as_slice())?;
                    written.push(entry);
                }
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// The scenario's buckets, each stored unless the store holds it already.
    pub fn keep_buckets(&self, records: &[(String, BucketRecord)]) -> Result<(), StoreError> {
        let mut buckets = self
            .buckets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (name, record) in self.insert_missing(BUCKETS, records)? {
            buckets.insert(name.clone(), record.clone());
        }
        Ok(())
    }

    pub fn bucket(&self, name: &str) -> Result<Option<BucketRecord>, StoreError> {
        Ok(self
            .buckets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned())
    }

    /// Whether bucket `name` exists, without copying its record.
    pub fn has_bucket(&self, name: &str) -> bool {
        self.buckets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains_key(name)
    }

    pub fn put_bucket(&self, name: &str, record: &BucketRecord) -> Result<(), StoreError> {
        let mut buckets = self
            .buckets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.put(BUCKETS, name, &encode(record)?)?;
        buckets.insert(name.to_owned(), record.clone());
        Ok(())
    }

    /// Every record of `table`, by key.
    fn all<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
    ) -> Result<Vec<(String, T)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(table)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, record) = entry?;
            out.push((key.value().to_owned(), decode(record.value())?));
        }
        Ok(out)
    }

    pub fn buckets(&self) -> Result<Vec<(String, BucketRecord)>, StoreError> {
        let buckets = self
            .buckets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out: Vec<_> = buckets
            .iter()
            .map(|(name, record)| (name.clone(), record.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Removes an empty bucket; `false` when it still holds objects.
    pub fn delete_bucket(&self, name: &str) -> Result<bool, StoreError> {
        if !self.objects(name, "", None, 1)?.0.is_empty() {
            return Ok(false);
        }
        let mut buckets = self
            .buckets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = self.db.begin_write()?;
        tx.open_table(BUCKETS)?.remove(name)?;
        tx.commit()?;
        buckets.remove(name);
        Ok(true)
    }

    pub fn object(&self, bucket: &str, key: &str) -> Result<Option<ObjectRecord>, StoreError> {
        self.get(OBJECTS, &object_key(bucket, key))
    }

    pub fn object_data(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(DATA)?;
        let value = table.get(object_key(bucket, key).as_str())?;
        Ok(value.map(|value| value.value().to_vec()))
    }

    /// An object's record and its bytes, read in one transaction (so they agree).
    pub fn object_with_data(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<(ObjectRecord, Vec<u8>)>, StoreError> {
        let name = object_key(bucket, key);
        let tx = self.db.begin_read()?;
        let objects = tx.open_table(OBJECTS)?;
        let Some(record) = objects.get(name.as_str())? else {
            return Ok(None);
        };
        let record = decode(record.value())?;
        let table = tx.open_table(DATA)?;
        let data = table
            .get(name.as_str())?
            .map(|value| value.value().to_vec())
            .unwrap_or_default();
        Ok(Some((record, data)))
    }

    /// Writes an object and its bytes; answered once the (shared) commit is durable.
    /// With a `precondition`, the object is written only if it holds when the write is applied
    /// (in the committing transaction, so no other write comes between the test and the write).
    pub async fn write_object(
        &self,
        bucket: &str,
        key: &str,
        record: &ObjectRecord,
        data: Vec<u8>,
        precondition: Option<Precondition>,
    ) -> Result<(), StoreError> {
        let write = Write::PutObject {
            name: object_key(bucket, key),
            record: encode(record)?,
            data,
            precondition,
        };
        self.committer.write(write).await
    }

    /// Replaces an object's tags, read and written in the committing transaction (so a write
    /// in between is not undone); `NoSuchObject` when there is no object.
    pub async fn set_object_tags(
        &self,
        bucket: &str,
        key: &str,
        tags: BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let name = object_key(bucket, key);
        self.committer.write(Write::SetTags { name, tags }).await
    }

    /// Durable transactions the committer has made for object writes.
    pub fn commits(&self) -> usize {
        self.committer.commits()
    }

    /// Removes an object (only if `precondition` holds then); answered once the (shared)
    /// commit is durable.
    pub async fn remove_object(
        &self,
        bucket: &str,
        key: &str,
        precondition: Option<Precondition>,
    ) -> Result<(), StoreError> {
        let name = object_key(bucket, key);
        self.committer
            .write(Write::DeleteObject { name, precondition })
            .await
    }

    /// Writes a multipart part; answered once the (shared) commit is durable.
    pub async fn write_part(&self, id: &str, number: u32, data: Vec<u8>) -> Result<(), StoreError> {
        let name = format!("{id}/{number:05}");
        self.committer.write(Write::PutPart { name, data }).await
    }

    /// Writes an object and its bytes in one durable transaction of its own.
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        record: &ObjectRecord,
        data: &[u8],
    ) -> Result<(), StoreError> {
        let name = object_key(bucket, key);
        let tx = self.db.begin_write()?;
        tx.open_table(OBJECTS)?
            .insert(name.as_str(), encode(record)?.as_slice())?;
        tx.open_table(DATA)?.insert(name.as_str(), data)?;
        tx.commit()?;
        Ok(())
    }

    /// Up to `limit` objects of `bucket` whose keys start with `prefix`, after `after`, in
    /// key order; and whether more follow.
    pub fn objects(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<(String, ObjectRecord)>, bool), StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(OBJECTS)?;
        let start = object_key(bucket, prefix);
        let bucket_prefix = format!("{bucket}/");
        let mut out = Vec::new();
        for entry in table.range(start.as_str()..)? {
            let (name, record) = entry?;
            let name = name.value();
            if !name.starts_with(&start) {
                break;
            }
            let key = name.get(bucket_prefix.len()..).unwrap_or_default();
            if after.is_some_and(|after| key <= after) {
                continue;
            }
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push((key.to_owned(), decode(record.value())?));
        }
        Ok((out, false))
    }

    pub fn upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        self.get(UPLOADS, id)
    }

    pub fn put_upload(&self, id: &str, record: &UploadRecord) -> Result<(), StoreError> {
        self.put(UPLOADS, id, &encode(record)?)
    }

    pub fn put_part(&self, id: &str, number: u32, data: &[u8]) -> Result<(), StoreError> {
        self.put(PARTS, &format!("{id}/{number:05}"), data)
    }

    pub fn part(&self, id: &str, number: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(PARTS)?;
        let value = table.get(format!("{id}/{number:05}").as_str())?;
        Ok(value.map(|value| value.value().to_vec()))
    }

    /// Forgets an upload and its parts.
    pub fn delete_upload(&self, id: &str) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(UPLOADS)?.remove(id)?;
        {
            let mut parts = tx.open_table(PARTS)?;
            let start = format!("{id}/");
            let end = format!("{id}0");
            parts.retain_in(start.as_str()..end.as_str(), |_, _| false)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn credential<T: DeserializeOwned>(&self, key_id: &str) -> Result<Option<T>, StoreError> {
        self.get(CREDENTIALS, key_id)
    }

    /// Every stored record of the credentials table that reads as `T` (the index entries that
    /// name a principal's key do not read as a credential, and are left out).
    pub fn credentials<T: DeserializeOwned>(&self) -> Result<Vec<(String, T)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(CREDENTIALS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, record) = entry?;
            if let Ok(value) = decode(record.value()) {
                out.push((key.value().to_owned(), value));
            }
        }
        Ok(out)
    }

    pub fn put_credential<T: Serialize>(&self, key_id: &str, value: &T) -> Result<(), StoreError> {
        self.put(CREDENTIALS, key_id, &encode(value)?)
    }

    pub fn kms_key(&self, arn: &str) -> Result<Option<KeyRecord>, StoreError> {
        self.get(KMS_KEYS, arn)
    }

    pub fn put_kms_key(&self, arn: &str, record: &KeyRecord) -> Result<(), StoreError> {
        self.put(KMS_KEYS, arn, &encode(record)?)
    }

    /// Every key the store holds, by ARN.
    pub fn kms_keys(&self) -> Result<Vec<(String, KeyRecord)>, StoreError> {
        self.all(KMS_KEYS)
    }

    /// Appends a change to the lake journal, after the ones already there.
    pub fn append_lake_change<T: Serialize>(&self, change: &T) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(LAKE_JOURNAL)?;
            let next = match table.last()? {
                Some((key, _)) => key.value().parse::<u64>().unwrap_or(0) + 1,
                None => 0,
            };
            table.insert(format!("{next:020}").as_str(), encode(change)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The lake journal, oldest change first.
    pub fn lake_changes<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        Ok(self
            .all(LAKE_JOURNAL)?
            .into_iter()
            .map(|(_, change)| change)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(etag: &str) -> ObjectRecord {
        ObjectRecord {
            size: 3,
            etag: etag.to_owned(),
            modified: 0,
            content_type: None,
            owner: "111111111111".to_owned(),
            metadata: BTreeMap::new(),
            encryption: None,
            tags: BTreeMap::new(),
            acl: None,
        }
    }

    #[test]
    fn objects_list_by_prefix_in_key_order_and_stay_in_their_bucket() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let store = Store::open(dir.path())?;
        for (bucket, key) in [("a", "x/2"), ("a", "x/1"), ("a", "y"), ("ab", "x/0")] {
            store.put_object(bucket, key, &record(key), b"abc")?;
        }
        let (listed, more) = store.objects("a", "x/", None, 10)?;
        let keys: Vec<_> = listed.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys, ["x/1", "x/2"]);
        assert!(!more);
        let (listed, more) = store.objects("a", "", Some("x/1"), 1)?;
        assert_eq!(listed.first().map(|(key, _)| key.as_str()), Some("x/2"));
        assert!(more);
        assert_eq!(store.object_data("a", "y")?.as_deref(), Some(&b"abc"[..]));
        assert!(!store.delete_bucket("a")?, "a bucket with objects stays");
        Ok(())
    }

    #[test]
    fn an_upload_is_forgotten_with_its_parts() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let store = Store::open(dir.path())?;
        store.put_part("u1", 1, b"one")?;
        store.put_part("u10", 1, b"other")?;
        store.delete_upload("u1")?;
        assert_eq!(store.part("u1", 1)?, None);
        assert_eq!(store.part("u10", 1)?.as_deref(), Some(&b"other"[..]));
        Ok(())
    }
}
