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
//! and point into the files themselves.
//!
//! **Trust.** The entry is read back only if its own content hash holds; anything that does
//! not read back (a cut or changed file, another format) is a miss, never a panic and never
//! a wrong world. Worlds with parts the snapshot does not write (see `codec::cacheable`),
//! and loads that listed a folder (bundle `include` patterns), are not kept.
//!
//! **Where.** One file per scenario (named by a hash of the manifest's full path) in the
//! folder the caller gives: the CLI uses `$XDG_CACHE_HOME/xacct` (else `~/.cache/xacct`),
//! never the scenario's own folder (docs/scenario-format.md, "The cache of compiled worlds").

mod codec;

use crate::files::{self, FileAccess, ReadOutcome, RecordedRead};
use crate::load::{load_text_with, Loaded};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xacct_policy::snapshot::{content_hash, ContentHash, Damaged, Decoder, Encoder};
use xacct_policy::SourceFile;

/// Changes whenever what the snapshot writes changes, with the crate version alongside.
const FORMAT: u32 = 3;
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
    hash(&mut encoder, content_hash(payload));
    encoder.into_bytes()
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

/// Each read made again, on as many threads as there are cores (up to four): its text, `None`
/// for a read refused as before, or which file changed.
fn read_again(files: &FileAccess, reads: &[RecordedRead]) -> Result<Vec<Option<String>>, String> {
    let threads = crate::import::ahead::workers();
    let part = reads.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<Option<String>>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = reads
            .chunks(part)
            .map(|part| {
                scope.spawn(|| {
                    part.iter()
                        .map(|read| read_one_again(files, read))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err("a file could not be read again".to_owned()))
            })
            .collect()
    });
    let mut texts = Vec::with_capacity(reads.len());
    for part in parts {
        texts.extend(part?);
    }
    Ok(texts)
}

fn read_one_again(files: &FileAccess, read: &RecordedRead) -> Result<Option<String>, String> {
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
    Ok(now.ok())
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
    let payload_hash = read_hash(&mut header).map_err(damaged)?;
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
    // The entry's own hash is checked while the files are read again: both are most of a
    // repeat load's time (a hundred MB each at 100,000 roles), and they do not depend on
    // each other.
    let (payload_whole, reread) = std::thread::scope(|scope| {
        let payload_whole = scope.spawn(|| payload_hash == content_hash(payload));
        let reread = read_again(&files, &reads);
        (payload_whole.join().unwrap_or(false), reread)
    });
    if !payload_whole {
        return Err(damaged(Damaged("its content does not match its hash")));
    }
    let mut texts: Vec<Arc<String>> = vec![Arc::new(manifest_text.to_owned())];
    texts.extend(reread?.into_iter().flatten().map(Arc::new));
    let mut decoder = Decoder::new(payload, texts);
    let loaded = codec::decode_loaded(&mut decoder).map_err(damaged)?;
    if !decoder.finished() {
        return Err(damaged(Damaged("longer than its world")));
    }
    Ok(loaded)
}
