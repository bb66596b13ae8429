//! Kinesis in the store: each stream's record (shards, encryption, policies, consumers) and
//! its data records, keyed so a shard's records sort by their place in the shard. Appending
//! a record reads the shard's last place and writes the next in one write transaction; redb
//! runs one write transaction at a time, so places (and the sequence numbers made of them)
//! only grow, and the record is on disk before the client hears its sequence number.

use super::{decode, encode, Store, StoreError};
use rand::Rng as _;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// Stream ARN -> [`StreamRecord`] (JSON).
pub(super) const STREAMS: TableDefinition<&str, &[u8]> = TableDefinition::new("kinesis-streams");
/// `ARN SHARD PLACE` (see [`record_key`]) -> [`DataRecord`] (JSON).
pub(super) const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("kinesis-records");
/// `iterator-secret` -> the key shard iterators are signed with.
pub(super) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("kinesis-meta");
const ITERATOR_SECRET: &str = "iterator-secret";

/// A stream as the server keeps it (the scenario's streams are written at start).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StreamRecord {
    pub account: String,
    pub region: String,
    pub name: String,
    /// Seconds since the epoch.
    pub created: i64,
    pub shards: u32,
    /// `PROVISIONED` or `ON_DEMAND`.
    pub mode: String,
    /// The KMS key ARN the stream's records are sealed with (StartStreamEncryption).
    pub encryption_key: Option<String>,
    /// The stream's resource policy, as the client sent it.
    pub policy: Option<String>,
    pub consumers: Vec<ConsumerRecord>,
    /// A scenario stream a client deleted: it is not written again at the next start.
    pub deleted: bool,
}

/// A registered (enhanced fan-out) consumer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub name: String,
    pub arn: String,
    /// Seconds since the epoch.
    pub created: i64,
    pub policy: Option<String>,
}

/// One data record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DataRecord {
    /// The bytes as stored, base64: sealed under `key` when the stream was encrypted.
    pub data: String,
    pub partition_key: String,
    /// Milliseconds since the epoch.
    pub arrival: i64,
    /// The KMS key that sealed `data`.
    pub key: Option<String>,
}

/// Keys sort by stream, then shard, then place: the place is zero-padded to the width of a
/// `u64`.
fn record_key(stream: &str, shard: u32, place: u64) -> String {
    format!("{stream} {shard:06} {place:020}")
}

fn shard_prefix(stream: &str, shard: u32) -> String {
    format!("{stream} {shard:06} ")
}

fn place_of(key: &str) -> u64 {
    key.rsplit(' ')
        .next()
        .and_then(|place| place.parse().ok())
        .unwrap_or(0)
}

impl Store {
    /// The secret shard iterators are signed with (so a client cannot make one up and skip
    /// GetShardIterator's authorization), made the first time and kept, so an iterator handed
    /// out before a restart still reads after it, until it expires.
    pub fn iterator_secret(&self) -> Result<Vec<u8>, StoreError> {
        {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(META)?;
            if let Some(secret) = table.get(ITERATOR_SECRET)? {
                return Ok(secret.value().to_vec());
            }
        }
        let tx = self.db.begin_write()?;
        let secret = {
            let mut table = tx.open_table(META)?;
            let existing = table
                .get(ITERATOR_SECRET)?
                .map(|secret| secret.value().to_vec());
            match existing {
                Some(secret) => secret,
                None => {
                    let mut secret = vec![0_u8; 32];
                    rand::thread_rng().fill(secret.as_mut_slice());
                    table.insert(ITERATOR_SECRET, secret.as_slice())?;
                    secret
                }
            }
        };
        tx.commit()?;
        Ok(secret)
    }

    pub fn stream(&self, arn: &str) -> Result<Option<StreamRecord>, StoreError> {
        self.get(STREAMS, arn)
    }

    pub fn put_stream(&self, arn: &str, record: &StreamRecord) -> Result<(), StoreError> {
        self.put(STREAMS, arn, &encode(record)?)
    }

    /// The scenario's streams, each stored unless the store holds it already.
    pub fn keep_streams(&self, records: &[(String, StreamRecord)]) -> Result<(), StoreError> {
        self.insert_missing(STREAMS, records).map(|_| ())
    }

    /// Every stream the store holds (deleted scenario streams too), by ARN.
    pub fn streams(&self) -> Result<Vec<(String, StreamRecord)>, StoreError> {
        self.all(STREAMS)
    }

    /// Marks a stream deleted and forgets its records, in one transaction.
    pub fn delete_stream(&self, arn: &str, record: &StreamRecord) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        tx.open_table(STREAMS)?
            .insert(arn, encode(record)?.as_slice())?;
        {
            let mut records = tx.open_table(RECORDS)?;
            let start = format!("{arn} ");
            let end = format!("{arn}!");
            records.retain_in(start.as_str()..end.as_str(), |_, _| false)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The last place written in a shard (0 when it holds none).
    pub fn last_place(&self, stream: &str, shard: u32) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECORDS)?;
        let start = shard_prefix(stream, shard);
        let end = record_key(stream, shard, u64::MAX);
        let last = table.range(start.as_str()..=end.as_str())?.next_back();
        match last {
            Some(entry) => Ok(place_of(entry?.0.value())),
            None => Ok(0),
        }
    }

    /// Appends records, each to its shard, in one durable transaction; returns each one's
    /// place, in order.
    pub fn append_records(
        &self,
        stream: &str,
        records: &[(u32, DataRecord)],
    ) -> Result<Vec<u64>, StoreError> {
        let tx = self.db.begin_write()?;
        let mut places = Vec::with_capacity(records.len());
        {
            let mut table = tx.open_table(RECORDS)?;
            for (shard, record) in records {
                let start = shard_prefix(stream, *shard);
                let end = record_key(stream, *shard, u64::MAX);
                let last = match table.range(start.as_str()..=end.as_str())?.next_back() {
                    Some(entry) => place_of(entry?.0.value()),
                    None => 0,
                };
                let place = last.saturating_add(1);
                table.insert(
                    record_key(stream, *shard, place).as_str(),
                    encode(record)?.as_slice(),
                )?;
                places.push(place);
            }
        }
        tx.commit()?;
        Ok(places)
    }

    /// Up to `limit` records of a shard from place `from` on, in order.
    pub fn records(
        &self,
        stream: &str,
        shard: u32,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, DataRecord)>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECORDS)?;
        let start = record_key(stream, shard, from);
        let end = record_key(stream, shard, u64::MAX);
        let mut out = Vec::new();
        for entry in table.range(start.as_str()..=end.as_str())? {
            if out.len() == limit {
                break;
            }
            let (key, value) = entry?;
            out.push((place_of(key.value()), decode(value.value())?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str) -> DataRecord {
        DataRecord {
            data: text.to_owned(),
            partition_key: "p".to_owned(),
            arrival: 0,
            key: None,
        }
    }

    #[test]
    fn places_grow_per_shard_and_survive_a_reopen() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let stream = "arn:aws:kinesis:us-east-1:222222222222:stream/s";
        let other = "arn:aws:kinesis:us-east-1:222222222222:stream/s2";
        {
            let store = Store::open(dir.path())?;
            let places = store.append_records(
                stream,
                &[(0, record("a")), (1, record("b")), (0, record("c"))],
            )?;
            assert_eq!(places, [1, 1, 2]);
            store.append_records(other, &[(0, record("x"))])?;
        }
        let store = Store::open(dir.path())?;
        assert_eq!(store.last_place(stream, 0)?, 2);
        assert_eq!(store.append_records(stream, &[(0, record("d"))])?, [3]);
        let read: Vec<_> = store
            .records(stream, 0, 2, 10)?
            .into_iter()
            .map(|(place, record)| (place, record.data))
            .collect();
        assert_eq!(read, [(2, "c".to_owned()), (3, "d".to_owned())]);
        // A stream whose ARN extends another's keeps its own records.
        assert_eq!(store.records(other, 0, 0, 10)?.len(), 1);
        let deleted = StreamRecord {
            account: "222222222222".to_owned(),
            region: "us-east-1".to_owned(),
            name: "s".to_owned(),
            created: 0,
            shards: 2,
            mode: "PROVISIONED".to_owned(),
            encryption_key: None,
            policy: None,
            consumers: Vec::new(),
            deleted: true,
        };
        store.delete_stream(stream, &deleted)?;
        assert!(store.records(stream, 0, 0, 10)?.is_empty());
        assert_eq!(store.records(other, 0, 0, 10)?.len(), 1);
        assert_eq!(
            store.stream(stream)?.map(|record| record.deleted),
            Some(true)
        );
        Ok(())
    }

    #[test]
    fn concurrent_writers_get_distinct_growing_places() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let store = std::sync::Arc::new(Store::open(dir.path())?);
        let stream = "arn:aws:kinesis:us-east-1:222222222222:stream/s";
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .map(|_| store.append_records(stream, &[(0, record("x"))]))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        for writer in writers {
            let Ok(places) = writer.join() else {
                panic!("a writer panicked");
            };
            let places: Vec<u64> = places?.into_iter().flatten().collect();
            // Each writer sees its own places grow.
            assert!(
                places.windows(2).all(|pair| pair[0] < pair[1]),
                "{places:?}"
            );
            all.extend(places);
        }
        all.sort_unstable();
        assert_eq!(all, (1..=100).collect::<Vec<u64>>());
        Ok(())
    }
}
