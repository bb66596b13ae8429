//! Group commit for object writes: concurrent PUTs share one durable redb commit instead of
//! paying one fsync each, and each is acknowledged only once the commit that holds it has
//! returned (redb's default durability: the data is on disk), so a write the server
//! acknowledges still survives `kill -9`.
//!
//! One thread owns the writing: it takes the first queued write, then every write queued
//! behind it (up to [`MAX_WRITES`] or [`MAX_BYTES`]), applies them all in one transaction,
//! commits, and answers every waiter. No write waits for company: a lone write is committed at
//! once, and writes queue only while a commit is already on its way to the disk.

use crate::store::{ObjectRecord, Precondition, StoreError, DATA, OBJECTS, PARTS};
use redb::{Database, ReadableTable};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// At most this many writes share a commit.
const MAX_WRITES: usize = 512;
/// A commit stops taking writes once it holds this many bytes.
const MAX_BYTES: usize = 64 << 20;

/// One write the committer applies.
#[derive(Debug)]
pub enum Write {
    /// An object's record (JSON) and bytes, under `bucket/key`.
    PutObject {
        name: String,
        record: Vec<u8>,
        data: Vec<u8>,
        precondition: Option<Precondition>,
    },
    DeleteObject {
        name: String,
        precondition: Option<Precondition>,
    },
    /// New tags for the object under `bucket/key`.
    SetTags {
        name: String,
        tags: std::collections::BTreeMap<String, String>,
    },
    /// A multipart part, under `upload-id/00001`.
    PutPart { name: String, data: Vec<u8> },
}

impl Write {
    fn size(&self) -> usize {
        match self {
            Write::PutObject {
                name, record, data, ..
            } => name.len() + record.len() + data.len(),
            Write::DeleteObject { name, .. } => name.len(),
            Write::PutPart { name, data } => name.len() + data.len(),
            Write::SetTags { name, tags } => {
                name.len() + tags.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
            }
        }
    }
}

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// The committing thread and the queue to it. Dropping it drains the queue and joins the
/// thread, so the database is closed when the store is.
pub struct Committer {
    queue: Mutex<Option<mpsc::Sender<(Write, Reply)>>>,
    thread: Option<JoinHandle<()>>,
    /// Shared transactions begun so far (how well writes were grouped).
    commits: Arc<AtomicUsize>,
}

impl Committer {
    pub fn start(db: Arc<Database>) -> Result<Self, StoreError> {
        let (queue, receiver) = mpsc::channel();
        let commits = Arc::new(AtomicUsize::new(0));
        let counted = commits.clone();
        let thread = std::thread::Builder::new()
            .name("xacct-serve-commit".to_owned())
            .spawn(move || run(&db, &receiver, &counted))
            .map_err(|error| StoreError::Redb(format!("cannot start the committer: {error}")))?;
        Ok(Self {
            queue: Mutex::new(Some(queue)),
            thread: Some(thread),
            commits,
        })
    }

    /// Transactions committed so far.
    pub fn commits(&self) -> usize {
        self.commits.load(Ordering::Relaxed)
    }

    /// Queues `write`; the answer comes once the commit holding it is durable.
    pub fn submit(&self, write: Write) -> oneshot::Receiver<Result<(), StoreError>> {
        let (reply, answer) = oneshot::channel();
        let queue = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match queue.as_ref() {
            Some(queue) => {
                if let Err(mpsc::SendError((_, reply))) = queue.send((write, reply)) {
                    let _ = reply.send(Err(stopped()));
                }
            }
            None => {
                let _ = reply.send(Err(stopped()));
            }
        }
        answer
    }

    /// Queues `write` and waits until it is durable.
    pub async fn write(&self, write: Write) -> Result<(), StoreError> {
        self.submit(write).await.unwrap_or_else(|_| Err(stopped()))
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Redb("the store's committer has stopped".to_owned())
}

fn run(db: &Database, receiver: &mpsc::Receiver<(Write, Reply)>, commits: &AtomicUsize) {
    while let Ok(first) = receiver.recv() {
        let mut bytes = first.0.size();
        let mut batch = vec![first];
        while batch.len() < MAX_WRITES && bytes < MAX_BYTES {
            match receiver.try_recv() {
                Ok(next) => {
                    bytes += next.0.size();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        // Counted before the waiters are answered, so a waiter never sees too few.
        commits.fetch_add(1, Ordering::Relaxed);
        commit_batch(db, batch);
    }
}

/// Commits `batch` in one transaction and answers each waiter. Should the shared transaction
/// fail, each write is tried again in a transaction of its own, so one bad write never fails
/// the others (and none is answered before its own commit).
fn commit_batch(db: &Database, batch: Vec<(Write, Reply)>) {
    let writes: Vec<&Write> = batch.iter().map(|(write, _)| write).collect();
    match commit(db, &writes) {
        Ok(outcomes) => {
            for ((_, reply), outcome) in batch.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        Err(error) if batch.len() == 1 => {
            if let Some((_, reply)) = batch.into_iter().next() {
                let _ = reply.send(Err(error));
            }
        }
        Err(_) => {
            for (write, reply) in batch {
                let outcome = commit(db, &[&write])
                    .and_then(|outcomes| outcomes.into_iter().next().unwrap_or(Ok(())));
                let _ = reply.send(outcome);
            }
        }
    }
}

/// Whether the object stored under `name` (its JSON record) is as `precondition` requires.
fn holds(stored: Option<&[u8]>, precondition: &Precondition) -> Result<(), StoreError> {
    match (precondition, stored) {
        (Precondition::Absent, None) => Ok(()),
        (Precondition::Absent, Some(_)) => Err(StoreError::PreconditionFailed),
        (Precondition::ETag(_), None) => Err(StoreError::NoSuchObject),
        (Precondition::ETag(expected), Some(bytes)) => {
            let record: ObjectRecord = serde_json::from_slice(bytes)?;
            if record.etag == *expected {
                Ok(())
            } else {
                Err(StoreError::PreconditionFailed)
            }
        }
    }
}

/// Applies `writes` in one transaction and commits it durably. A conditional write whose
/// condition does not hold (tested in this transaction, after the writes before it) is left
/// out and answered with why; the others are committed.
pub fn commit(db: &Database, writes: &[&Write]) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let tx = db.begin_write()?;
    let mut outcomes = Vec::with_capacity(writes.len());
    {
        let mut objects = tx.open_table(OBJECTS)?;
        let mut data = tx.open_table(DATA)?;
        let mut parts = tx.open_table(PARTS)?;
        for write in writes {
            match write {
                Write::PutObject {
                    name,
                    record,
                    data: bytes,
                    precondition,
                } => {
                    if let Some(precondition) = precondition {
                        let stored = objects.get(name.as_str())?;
                        let verdict =
                            holds(stored.as_ref().map(|value| value.value()), precondition);
                        drop(stored);
                        if let Err(refused) = verdict {
                            outcomes.push(Err(refused));
                            continue;
                        }
                    }
                    objects.insert(name.as_str(), record.as_slice())?;
                    data.insert(name.as_str(), bytes.as_slice())?;
                }
                Write::DeleteObject { name, precondition } => {
                    if let Some(precondition) = precondition {
                        let stored = objects.get(name.as_str())?;
                        let verdict =
                            holds(stored.as_ref().map(|value| value.value()), precondition);
                        drop(stored);
                        if let Err(refused) = verdict {
                            outcomes.push(Err(refused));
                            continue;
                        }
                    }
                    objects.remove(name.as_str())?;
                    data.remove(name.as_str())?;
                }
                Write::PutPart { name, data: bytes } => {
                    parts.insert(name.as_str(), bytes.as_slice())?;
                }
                Write::SetTags { name, tags } => {
                    let stored = objects.get(name.as_str())?;
                    let record: Option<ObjectRecord> = match &stored {
                        Some(value) => Some(serde_json::from_slice(value.value())?),
                        None => None,
                    };
                    drop(stored);
                    let Some(mut record) = record else {
                        outcomes.push(Err(StoreError::NoSuchObject));
                        continue;
                    };
                    record.tags = tags.clone();
                    objects.insert(name.as_str(), serde_json::to_vec(&record)?.as_slice())?;
                }
            }
            outcomes.push(Ok(()));
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use crate::store::{ObjectRecord, Store, StoreError};
    use std::collections::BTreeMap;

    fn record(size: usize) -> ObjectRecord {
        ObjectRecord {
            size: size as u64,
            etag: "e".to_owned(),
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
    fn concurrent_writes_share_commits_and_each_is_on_disk_when_answered() -> Result<(), StoreError>
    {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let writes = 64;
        {
            let store = Store::open(dir.path())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .map_err(|error| StoreError::Redb(error.to_string()))?;
            runtime.block_on(async {
                let all = (0..writes).map(|number| {
                    let body = format!("object {number}").into_bytes();
                    let store = &store;
                    async move {
                        store
                            .write_object(
                                "b",
                                &format!("k/{number}"),
                                &record(body.len()),
                                body,
                                None,
                            )
                            .await
                    }
                });
                for result in futures::future::join_all(all).await {
                    result?;
                }
                store.remove_object("b", "k/0", None).await
            })?;
            assert!(
                store.commits() < writes,
                "{} commits for {writes} concurrent writes",
                store.commits()
            );
        }
        // Reopened: every answered write is there, the removal too.
        let store = Store::open(dir.path())?;
        assert_eq!(store.object_with_data("b", "k/0")?, None);
        for number in 1..writes {
            let found = store.object_with_data("b", &format!("k/{number}"))?;
            assert_eq!(
                found.map(|(_, data)| data),
                Some(format!("object {number}").into_bytes())
            );
        }
        Ok(())
    }
}
