//! The cache of compiled worlds: a repeat load of an unchanged scenario reads its world back
//! instead of reading the JSON and compiling every policy again (docs/benchmarks.md, "Worlds
//! of real size").
//!
//! **Key.** A load depends on the manifest (its path as given, which names every file in
//! the answers, and its text), on the files it reads, and on nothing else: the loader reads
//! files only through [`FileAccess`], which records each read and its outcome (the text's
//! length and content hash, or the error as it reads). A cache entry holds those reads; a
//! repeat load makes the same reads again, in the same order, and uses the entry only when
//! every outcome is the same. So an edited, added (once missing) or removed file, a file now
//! refused, or another build of xacct, each means a fresh load, which writes the entry anew.
//! Source texts are not stored: they are the files just read, so explanations still quote
//! and point into the files themselves; a large export's text is let go once read, as the
//! loader lets it go (`import::ahead::export_source`), and read again only to quote it.
//!
//! **Trust.** The entry is read back only if the check of its own bytes holds (a fast hash
//! against damage, see `damage_check`); anything that does
//! not read back (a cut or changed file, another format) is a miss, never a panic and never
//! a wrong world. Worlds with parts the snapshot does not write (see `codec::cacheable`),
//! and loads that listed a folder (bundle `include` patterns), are not kept.
//!
//! **Where.** One file per scenario (named by a hash of the manifest's full path) in the
//! folder the caller gives: the CLI uses `$XDG_CACHE_HOME/xacct` (else `~/.cache/xacct`),
//! never the scenario's own folder (docs/scenario-format.md, "The cache of compiled worlds").

mod codec;
mod lake;

use crate::files::{self, FileAccess, ReadOutcome, RecordedRead};
use crate::load::{load_text_with, Loaded};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xacct_policy::snapshot::{content_hash, ContentHash, Damaged, Decoder, Encoder, KnownText};
use xacct_policy::{Kept, LineStarts, SourceFile};

/// Changes whenever what the snapshot writes changes, with the crate version alongside.
const FORMAT: u32 = 5;
const MAGIC: &str = "xacct compiled world";

/// What the cache did for a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheUse {
    /// The world was read back from the cache.
    Hit,
    /// The world was loaded from its files and the cache written; `why` says why the entry
    /// there (if any) was not used.
    Written { why: String },
    /// The world was loaded from its files and not kept, for the reason given.
    NotKept { why: String },
}

/// [`crate::load_with`] through the cache in `dir`.
pub fn load_cached(
    path: &Path,
    access: &FileAccess,
    dir: &Path,
) -> Result<(Loaded, CacheUse), String> {
    let manifest_path = if path.is_dir() {
        path.join("xacct.toml")
    } else {
        path.to_path_buf()
    };
    // As `load_with` reads it: the manifest is named by the user.
    let text = FileAccess::anywhere()
        .read_text(&manifest_path, files::MANIFEST_LIMIT, "a scenario manifest")
        .map_err(|error| error.to_string())?;
    let base = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let key = Key::new(&manifest_path);
    let entry = dir.join(key.file_name());
    let why = match read_entry(&entry, &key, &text, &base, access) {
        Ok(loaded) => return Ok((loaded, CacheUse::Hit)),
        Err(why) => why,
    };
    let source = SourceFile::new(manifest_path.display().to_string(), text);
    let (recorded, recording) = access.recorded();
    let loaded = load_text_with(source, &base, &recorded);
    let reads = match recording.lock() {
        Ok(recording) if recording.listed_folder => {
            let why = "the load listed a folder".to_owned();
            return Ok((loaded, CacheUse::NotKept { why }));
        }
        Ok(recording) => recording.reads.clone(),
        Err(_) => {
            let why = "the recording of reads was lost".to_owned();
            return Ok((loaded, CacheUse::NotKept { why }));
        }
    };
    if let Err(part) = codec::cacheable(&loaded.world) {
        let why = format!("the snapshot does not hold {part}");
        return Ok((loaded, CacheUse::NotKept { why }));
    }
    let used = match write_entry(dir, &entry, &key, &reads, &loaded) {
        Ok(()) => CacheUse::Written { why },
        Err(error) => CacheUse::NotKept {
            why: format!("cannot write `{}`: {error}", entry.display()),
        },
    };
    Ok((loaded, used))
}

/// What an entry is for: the scenario as named, from where, in which build.
struct Key {
    /// The manifest's path as given and the working folder: file names in the answers are
    /// made from them.
    manifest_path: Vec<u8>,
    working_folder: Vec<u8>,
    /// The manifest's full path, which names the entry.
    full_path: PathBuf,
}

impl Key {
    fn new(manifest_path: &Path) -> Self {
        let working_folder = std::env::current_dir().unwrap_or_default();
        let full_path = std::fs::canonicalize(manifest_path)
            .unwrap_or_else(|_| working_folder.join(manifest_path));
        Self {
            manifest_path: manifest_path.as_os_str().as_encoded_bytes().to_vec(),
            working_folder: working_folder.as_os_str().as_encoded_bytes().to_vec(),
            full_path,
        }
    }

    fn file_name(&self) -> String {
        let [first, second, ..] = content_hash(self.full_path.as_os_str().as_encoded_bytes());
        format!("world-{first:016x}{second:016x}.bin")
    }
}

/// The header of an entry: everything its world depends on, and the hash of the world.
fn header(key: &Key, manifest_text: &str, reads: &[RecordedRead], payload: &[u8]) -> Vec<u8> {
    let mut encoder = Encoder::default();
    encoder.str(MAGIC);
    encoder.u32(FORMAT);
    encoder.str(env!("CARGO_PKG_VERSION"));
    encoder.raw(&key.manifest_path);
    encoder.raw(&key.working_folder);
    hash(&mut encoder, content_hash(manifest_text.as_bytes()));
    encoder.seq(reads, |encoder, read| {
        encoder.raw(read.path.as_os_str().as_encoded_bytes());
        encoder.u64(read.limit);
        encoder.str(read.what);
        match &read.outcome {
            ReadOutcome::Text { length, hash } => {
                encoder.u8(0);
                encoder.u64(*length);
                self::hash(encoder, *hash);
            }
            ReadOutcome::Refused(error) => {
                encoder.u8(1);
                encoder.str(error);
            }
        }
    });
    encoder.u64(damage_check(payload));
    encoder.into_bytes()
}

/// The check of an entry's own bytes: against damage (a cut or a changed byte), not against
/// anyone, since whoever can write the entry can write its check too. So a fast hash does,
/// where SHA-256 of the hundred MB of a 100,000-role world took a tenth of a repeat load's CPU
/// time (docs/benchmarks.md, "Fifth pass"). The hashes of the files, which key the cache by
/// content and must resist a crafted collision, stay SHA-256.
fn damage_check(payload: &[u8]) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::quality::FixedState::with_seed(0x7861_6363_7400_0004).hash_one(payload)
}

fn hash(encoder: &mut Encoder, hash: ContentHash) {
    for word in hash {
        encoder.u64(word);
    }
}

fn read_hash(decoder: &mut Decoder<'_>) -> Result<ContentHash, Damaged> {
    Ok([
        decoder.u64()?,
        decoder.u64()?,
        decoder.u64()?,
        decoder.u64()?,
    ])
}

/// The hashes of the texts the reader will have, in order: the manifest's, then each read
/// that gave a text.
fn known_hashes(manifest_text: &str, reads: &[RecordedRead]) -> Vec<ContentHash> {
    std::iter::once(content_hash(manifest_text.as_bytes()))
        .chain(reads.iter().filter_map(|read| match &read.outcome {
            ReadOutcome::Text { hash, .. } => Some(*hash),
            ReadOutcome::Refused(_) => None,
        }))
        .collect()
}

fn write_entry(
    dir: &Path,
    entry: &Path,
    key: &Key,
    reads: &[RecordedRead],
    loaded: &Loaded,
) -> std::io::Result<()> {
    let mut encoder = Encoder::with_known_texts(&known_hashes(loaded.manifest.text(), reads));
    codec::encode_loaded(&mut encoder, loaded);
    let payload = encoder.into_bytes();
    let header = header(key, loaded.manifest.text(), reads, &payload);
    std::fs::create_dir_all(dir)?;
    // Written whole under another name, then renamed over the entry: a reader sees the old
    // entry or the new one, never half of one. In three writes, not one copy of the world
    // (which is a hundred MB at 100,000 roles).
    let partial = entry.with_extension(format!("partial-{}", std::process::id()));
    let written = std::fs::File::create(&partial).and_then(|mut file| {
        use std::io::Write as _;
        file.write_all(&(header.len() as u64).to_le_bytes())?;
        file.write_all(&header)?;
        file.write_all(&payload)
    });
    written
        .and_then(|()| std::fs::rename(&partial, entry))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&partial);
        })
}

/// Whether the text of `read` is let go once read, as the loader lets it go
/// (`import::ahead::export_source`): a large export's.
fn lets_go(read: &RecordedRead, length: u64) -> bool {
    read.what == crate::import::ahead::WHAT
        && usize::try_from(length)
            .is_ok_and(|length| length > crate::import::ahead::KEEP_TEXTS_UP_TO)
}

fn read_one_again(files: &FileAccess, read: &RecordedRead) -> Result<Option<Kept>, String> {
    let now = files.read_text(&read.path, read.limit, read.what);
    let same = match (&now, &read.outcome) {
        (Ok(text), ReadOutcome::Text { length, hash }) => {
            text.len() as u64 == *length && content_hash(text.as_bytes()) == *hash
        }
        (Err(error), ReadOutcome::Refused(before)) => error.to_string() == *before,
        _ => false,
    };
    if !same {
        return Err(format!("`{}` changed", read.path.display()));
    }
    // Made here, on the reading thread, as the loader's reading threads make them.
    Ok(now.ok().map(|text| {
        if lets_go(read, text.len() as u64) {
            Kept::Lines(LineStarts::of(&text))
        } else {
            Kept::Text(Arc::new(text))
        }
    }))
}

/// The texts the snapshot may refer to, in the encoder's order (`known_hashes`): the
/// manifest's, then each read that gave a text, still to be read again.
fn known_texts(files: &FileAccess, manifest_text: &str, reads: &[RecordedRead]) -> Vec<KnownText> {
    let mut known = vec![KnownText::Text(Arc::new(manifest_text.to_owned()))];
    for read in reads {
        let ReadOutcome::Text { length, hash } = &read.outcome else {
            continue;
        };
        let (files, path, limit, what) = (files.clone(), read.path.clone(), read.limit, read.what);
        known.push(KnownText::Pending {
            length: usize::try_from(*length).unwrap_or(usize::MAX),
            hash: *hash,
            read_again: Arc::new(move || files.read_text_again(&path, limit, what).ok()),
        });
    }
    known
}

/// Gives each source file of the world what it keeps of its text read again (`kept`, by
/// read); `false` if one does not take it.
fn provide(pending: &[(usize, Arc<SourceFile>)], kept: Vec<Option<Kept>>) -> bool {
    // By the known text's number: the manifest's is 0 and is given whole.
    let mut texts: Vec<Option<Kept>> = std::iter::once(None)
        .chain(kept.into_iter().flatten().map(Some))
        .collect();
    let mut uses = vec![0usize; texts.len()];
    for (index, _) in pending {
        if let Some(count) = uses.get_mut(*index) {
            *count += 1;
        }
    }
    pending.iter().all(|(index, source)| {
        let (Some(slot), Some(count)) = (texts.get_mut(*index), uses.get_mut(*index)) else {
            return false;
        };
        *count -= 1;
        // Moved to its last user; copied for the others (two files with the same text).
        let kept = if *count == 0 {
            slot.take()
        } else {
            slot.clone()
        };
        kept.is_some_and(|kept| source.provide(kept))
    })
}

/// The entry's world, if the entry is there, reads back, and every read it depends on has
/// the same outcome now; otherwise why not.
fn read_entry(
    entry: &Path,
    key: &Key,
    manifest_text: &str,
    base: &Path,
    access: &FileAccess,
) -> Result<Loaded, String> {
    let bytes = match std::fs::read(entry) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err("no cache entry".to_owned())
        }
        Err(error) => return Err(format!("cannot read the cache entry: {error}")),
    };
    let damaged = |error: Damaged| format!("the cache entry is {error}");
    let (header_length, rest) = bytes
        .split_first_chunk::<8>()
        .ok_or_else(|| damaged(Damaged("cut short")))?;
    let header_length = usize::try_from(u64::from_le_bytes(*header_length))
        .map_err(|_| damaged(Damaged("header too long")))?;
    if header_length > rest.len() {
        return Err(damaged(Damaged("cut short")));
    }
    let (header_bytes, payload) = rest.split_at(header_length);
    let mut header = Decoder::new(header_bytes, Vec::new());
    if header.str().map_err(damaged)? != MAGIC || header.u32().map_err(damaged)? != FORMAT {
        return Err("the cache entry is of another format".to_owned());
    }
    if header.str().map_err(damaged)? != env!("CARGO_PKG_VERSION") {
        return Err("the cache entry was written by another version".to_owned());
    }
    if header.raw().map_err(damaged)? != key.manifest_path.as_slice()
        || header.raw().map_err(damaged)? != key.working_folder.as_slice()
    {
        return Err("the scenario was named another way".to_owned());
    }
    let manifest_hash = read_hash(&mut header).map_err(damaged)?;
    if manifest_hash != content_hash(manifest_text.as_bytes()) {
        return Err("the manifest changed".to_owned());
    }
    let reads = header
        .seq(|header| {
            let path = header.raw()?;
            // Written from this platform's own paths; read back the same way.
            let path = PathBuf::from(
                String::from_utf8(path.to_vec()).map_err(|_| Damaged("path is not UTF-8"))?,
            );
            let limit = header.u64()?;
            let what = codec::static_text(header.str()?);
            let outcome = match header.u8()? {
                0 => ReadOutcome::Text {
                    length: header.u64()?,
                    hash: read_hash(header)?,
                },
                1 => ReadOutcome::Refused(header.string()?),
                _ => return Err(Damaged("not a read outcome")),
            };
            Ok(RecordedRead {
                path,
                limit,
                what,
                outcome,
            })
        })
        .map_err(damaged)?;
    let payload_check = header.u64().map_err(damaged)?;
    if !header.finished() {
        return Err(damaged(Damaged("header longer than written")));
    }
    // The same reads, with the same permissions as the loader's.
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let files = access.confined_to(folder);
    let known = known_texts(&files, manifest_text, &reads);
    let (payload_whole, reread, decoded) =
        check_while_decoding(payload, payload_check, &files, &reads, known);
    if !payload_whole {
        return Err(damaged(Damaged("its content does not match its hash")));
    }
    let kept = reread?;
    let (loaded, pending) = decoded.map_err(damaged)?;
    if !provide(&pending, kept) {
        return Err(damaged(Damaged("a file read again does not fit its world")));
    }
    Ok(loaded)
}

/// The entry's own hash checked, and the files read again, while the world is read back:
/// the three are most of a repeat load's time (a hundred MB each at 100,000 roles) and do not
/// depend on each other. The caller uses the world only if both checks hold; until then its
/// source files know their texts by length and hash only.
///
/// The checks are jobs taken in turn by as many threads as there are cores (up to four), less
/// the one decoding, which takes the jobs left once it is done: the exports are a thousand
/// files of a few hundred KB and the other reads are small, so no thread is left with most of
/// the bytes, and no core idles while another hashes.
fn check_while_decoding(
    payload: &[u8],
    payload_check: u64,
    files: &FileAccess,
    reads: &[RecordedRead],
    known: Vec<KnownText>,
) -> (bool, Result<Vec<Option<Kept>>, String>, Decoded) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;
    // Job 0 is the entry's hash, job `i + 1` the read `i`.
    let next = AtomicUsize::new(0);
    let whole = OnceLock::new();
    let kept: Vec<OnceLock<Result<Option<Kept>, String>>> =
        reads.iter().map(|_| OnceLock::new()).collect();
    let work = || loop {
        let job = next.fetch_add(1, Ordering::Relaxed);
        if job == 0 {
            let _ = whole.set(payload_check == damage_check(payload));
            continue;
        }
        let (Some(read), Some(slot)) = (reads.get(job - 1), kept.get(job - 1)) else {
            return;
        };
        let _ = slot.set(read_one_again(files, read));
    };
    let helpers = crate::import::ahead::workers().saturating_sub(1).max(1);
    let decoded = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers).map(|_| scope.spawn(work)).collect();
        let decoded = decode(payload, known);
        work();
        // Joined here, so that a helper that panicked is a job left undone, not a panic.
        for handle in handles {
            let _ = handle.join();
        }
        decoded
    });
    let kept = kept
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|| Err("a file could not be read again".to_owned()))
        })
        .collect();
    (whole.get().copied().unwrap_or(false), kept, decoded)
}

type Decoded = Result<(Loaded, Vec<(usize, Arc<SourceFile>)>), Damaged>;

/// The world in `payload`, with the source files made of texts still being read.
fn decode(payload: &[u8], known: Vec<KnownText>) -> Decoded {
    let mut decoder = Decoder::with_known(payload, known);
    let loaded = codec::decode_loaded(&mut decoder)?;
    if !decoder.finished() {
        return Err(Damaged("longer than its world"));
    }
    Ok((loaded, decoder.pending_sources().to_vec()))
}
