//! A compact binary form of compiled policies, for the cache of a compiled world
//! (`xacct_world::cache`): reading it back is many times faster than reading the JSON and
//! compiling its patterns again, and gives the same values, spans included.
//!
//! What is shared in memory stays shared: a compiled pattern, a template, a policy or a
//! source file that many values point to is written once, the first time it is met, and
//! referred to by number afterwards; reading it back rebuilds one copy behind one `Arc`.
//!
//! A snapshot is only ever read by the build that wrote it (the cache key holds the version),
//! but the bytes come from a file anyone could have changed: every read is checked, and a
//! damaged snapshot is an error ([`Damaged`]), never a panic nor a huge allocation.

use crate::finding::SourceFile;
use crate::span::{Span, Spanned};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

mod policy;

/// The snapshot does not read back: it was cut short, changed, or written by another build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("damaged snapshot: {0}")]
pub struct Damaged(pub &'static str);

/// The kinds of shared values, each numbered on its own.
#[derive(Clone, Copy)]
pub(crate) enum Table {
    Action = 0,
    Arn = 1,
    Template = 2,
    Policy = 3,
    Source = 4,
}

const TABLES: usize = 5;

/// A content hash: SHA-256, as four words.
pub type ContentHash = [u64; 4];

/// The SHA-256 of `bytes`. A cached world is trusted only when every file it was made from
/// hashes the same, so the hash must resist a crafted collision: whoever may change a
/// scenario's files (a pull request) is not always who wrote its cache (a pipeline's cache of
/// the main branch), and a file made to collide would be answered with the world of the
/// file it replaced. SHA-256 runs at over a GB/s with the CPU's SHA extensions, which the
/// `sha2` crate uses when present.
pub fn content_hash(bytes: &[u8]) -> ContentHash {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    let mut words = [0u64; 4];
    for (word, chunk) in words.iter_mut().zip(digest.chunks_exact(8)) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        *word = u64::from_le_bytes(eight);
    }
    words
}

/// Writes values into bytes.
#[derive(Default)]
pub struct Encoder {
    bytes: Vec<u8>,
    /// Shared values already written, by address, with their number.
    seen: [HashMap<usize, u32>; TABLES],
    /// Texts of files the reader will have read itself, by content hash: a source file with
    /// one of these texts is written as the number, not the text.
    known_texts: HashMap<ContentHash, u32>,
}

impl Encoder {
    /// An encoder that writes the source files whose text is one of `texts` (by
    /// [`content_hash`]) as its index there; the decoder is given the same texts.
    pub fn with_known_texts(texts: &[ContentHash]) -> Self {
        let mut encoder = Self::default();
        for (index, hash) in (0u32..).zip(texts) {
            encoder.known_texts.entry(*hash).or_insert(index);
        }
        encoder
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub fn bool(&mut self, value: bool) {
        self.bytes.push(u8::from(value));
    }

    /// LEB128: small numbers (lengths, spans) take one or two bytes.
    pub fn u64(&mut self, mut value: u64) {
        loop {
            let low = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }

    pub fn usize(&mut self, value: usize) {
        self.u64(value as u64);
    }

    pub fn u32(&mut self, value: u32) {
        self.u64(u64::from(value));
    }

    pub fn i128(&mut self, value: i128) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn f64(&mut self, value: f64) {
        self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
    }

    pub fn raw(&mut self, bytes: &[u8]) {
        self.usize(bytes.len());
        self.bytes.extend_from_slice(bytes);
    }

    pub fn str(&mut self, text: &str) {
        self.raw(text.as_bytes());
    }

    pub fn span(&mut self, span: Span) {
        self.usize(span.start);
        self.usize(span.end);
    }

    pub fn option<T: ?Sized>(&mut self, value: Option<&T>, write: impl FnOnce(&mut Self, &T)) {
        match value {
            None => self.u8(0),
            Some(value) => {
                self.u8(1);
                write(self, value);
            }
        }
    }

    pub fn opt_str(&mut self, value: Option<&str>) {
        self.option(value, |encoder, text| encoder.str(text));
    }

    pub fn seq<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        self.usize(items.len());
        for item in items {
            write(self, item);
        }
    }

    pub fn strings(&mut self, items: &[String]) {
        self.seq(items, |encoder, text| encoder.str(text));
    }

    pub fn spanned<T>(&mut self, value: &Spanned<T>, write: impl FnOnce(&mut Self, &T)) {
        write(self, &value.value);
        self.span(value.span);
    }

    /// Writes `value` the first time it is met, its number afterwards.
    pub(crate) fn shared<T>(
        &mut self,
        table: Table,
        value: &Arc<T>,
        write: impl FnOnce(&mut Self, &T),
    ) {
        let address = Arc::as_ptr(value).cast::<()>() as usize;
        let Some(seen) = self.seen.get_mut(table as usize) else {
            return;
        };
        if let Some(number) = seen.get(&address).copied() {
            self.u64(u64::from(number) + 1);
            return;
        }
        let number = u32::try_from(seen.len()).unwrap_or(u32::MAX);
        seen.insert(address, number);
        self.u64(0);
        write(self, value);
    }

    /// A source file: its name, and its text or the number of a text the reader has.
    pub fn source(&mut self, source: &Arc<SourceFile>) {
        self.shared(Table::Source, source, |encoder, source| {
            encoder.str(&source.name);
            let known = encoder.known_texts.get(&source.content_hash()).copied();
            match known {
                Some(number) => encoder.u64(u64::from(number) + 1),
                None => {
                    encoder.u64(0);
                    encoder.str(source.text());
                }
            }
        });
    }
}

/// A text the reader has, given to the [`Decoder`] in the order the encoder was told of it.
#[derive(Clone)]
pub enum KnownText {
    Text(Arc<String>),
    /// A text being read again elsewhere, known so far by its length and hash: its source
    /// files are made [pending](SourceFile::pending) and listed by
    /// [`Decoder::pending_sources`], to be given the text (or its lines) once it is read.
    Pending {
        length: usize,
        hash: ContentHash,
        read_again: Arc<dyn Fn() -> Option<String> + Send + Sync>,
    },
}

/// Reads values back from bytes written by an [`Encoder`].
pub struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    tables: [Vec<Arc<dyn Any + Send + Sync>>; TABLES],
    known_texts: Vec<KnownText>,
    /// The source files made of a pending known text, with the text's number.
    pending: Vec<(usize, Arc<SourceFile>)>,
}

type Read<T> = Result<T, Damaged>;

impl<'a> Decoder<'a> {
    /// A decoder of `bytes`, with the texts the encoder was told of, in the same order.
    pub fn new(bytes: &'a [u8], known_texts: Vec<Arc<String>>) -> Self {
        Self::with_known(
            bytes,
            known_texts.into_iter().map(KnownText::Text).collect(),
        )
    }

    /// A decoder of `bytes`, with the texts the encoder was told of, in the same order, some
    /// of them perhaps still being read.
    pub fn with_known(bytes: &'a [u8], known_texts: Vec<KnownText>) -> Self {
        Self {
            bytes,
            at: 0,
            tables: Default::default(),
            known_texts,
            pending: Vec::new(),
        }
    }

    /// The source files made of pending known texts, with the number of the text (its place
    /// in the known texts), in the order they were read.
    pub fn pending_sources(&self) -> &[(usize, Arc<SourceFile>)] {
        &self.pending
    }

    /// Whether every byte was read: a snapshot with bytes left over is damaged too.
    pub fn finished(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn take(&mut self, count: usize) -> Read<&'a [u8]> {
        let end = self
            .at
            .checked_add(count)
            .ok_or(Damaged("length overflows"))?;
        let bytes = self.bytes.get(self.at..end).ok_or(Damaged("cut short"))?;
        self.at = end;
        Ok(bytes)
    }

    pub fn u8(&mut self) -> Read<u8> {
        let byte = *self.bytes.get(self.at).ok_or(Damaged("cut short"))?;
        self.at += 1;
        Ok(byte)
    }

    pub fn bool(&mut self) -> Read<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Damaged("not a boolean")),
        }
    }

    pub fn u64(&mut self) -> Read<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Damaged("number too long"))
    }

    pub fn usize(&mut self) -> Read<usize> {
        usize::try_from(self.u64()?).map_err(|_| Damaged("number too large"))
    }

    pub fn u32(&mut self) -> Read<u32> {
        u32::try_from(self.u64()?).map_err(|_| Damaged("number too large"))
    }

    pub fn i128(&mut self) -> Read<i128> {
        let bytes: [u8; 16] = self
            .take(16)?
            .try_into()
            .map_err(|_| Damaged("cut short"))?;
        Ok(i128::from_le_bytes(bytes))
    }

    pub fn f64(&mut self) -> Read<f64> {
        let bytes: [u8; 8] = self.take(8)?.try_into().map_err(|_| Damaged("cut short"))?;
        Ok(f64::from_bits(u64::from_le_bytes(bytes)))
    }

    pub fn raw(&mut self) -> Read<&'a [u8]> {
        let length = self.usize()?;
        self.take(length)
    }

    pub fn str(&mut self) -> Read<&'a str> {
        std::str::from_utf8(self.raw()?).map_err(|_| Damaged("text is not UTF-8"))
    }

    pub fn string(&mut self) -> Read<String> {
        self.str().map(str::to_owned)
    }

    pub fn span(&mut self) -> Read<Span> {
        Ok(Span::new(self.usize()?, self.usize()?))
    }

    pub fn option<T>(&mut self, read: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        match self.u8()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err(Damaged("not an option")),
        }
    }

    pub fn opt_string(&mut self) -> Read<Option<String>> {
        self.option(Self::string)
    }

    /// A sequence; its length is checked against the bytes left (every item takes at least
    /// one), and the room reserved up front is capped, so that a damaged length cannot ask for
    /// a huge allocation: a repeat load decodes the entry while its check is still running.
    pub fn seq<T>(&mut self, mut read: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        const RESERVED_UP_TO: usize = 1 << 16;
        let length = self.usize()?;
        if length > self.bytes.len().saturating_sub(self.at) {
            return Err(Damaged("sequence longer than the snapshot"));
        }
        let mut items = Vec::with_capacity(length.min(RESERVED_UP_TO));
        for _ in 0..length {
            items.push(read(self)?);
        }
        Ok(items)
    }

    pub fn strings(&mut self) -> Read<Vec<String>> {
        self.seq(Self::string)
    }

    pub fn spanned<T>(&mut self, read: impl FnOnce(&mut Self) -> Read<T>) -> Read<Spanned<T>> {
        let value = read(self)?;
        Ok(Spanned::new(value, self.span()?))
    }

    /// Reads a value [`Encoder::shared`] wrote: the value itself the first time, its number
    /// afterwards.
    pub(crate) fn shared<T: Any + Send + Sync>(
        &mut self,
        table: Table,
        read: impl FnOnce(&mut Self) -> Read<T>,
    ) -> Read<Arc<T>> {
        let tag = self.u64()?;
        if tag == 0 {
            let value = Arc::new(read(self)?);
            let entry: Arc<dyn Any + Send + Sync> = Arc::clone(&value) as _;
            self.tables
                .get_mut(table as usize)
                .ok_or(Damaged("no such table"))?
                .push(entry);
            return Ok(value);
        }
        let number = usize::try_from(tag - 1).map_err(|_| Damaged("number too large"))?;
        let entry = self
            .tables
            .get(table as usize)
            .and_then(|entries| entries.get(number))
            .ok_or(Damaged("refers to nothing written before"))?;
        Arc::clone(entry)
            .downcast::<T>()
            .map_err(|_| Damaged("refers to a value of another kind"))
    }

    pub fn source(&mut self) -> Read<Arc<SourceFile>> {
        // The source file is built inside `shared`, which wants the value, not an `Arc`:
        // the `Arc` it makes wraps the `Arc` `SourceFile::shared` returns.
        let outer = self.shared(Table::Source, |decoder| {
            let name = decoder.str()?.to_owned();
            let number = decoder.u64()?;
            if number == 0 {
                return Ok(SourceFile::new(name, decoder.str()?));
            }
            let index = usize::try_from(number - 1).map_err(|_| Damaged("number too large"))?;
            match decoder.known_texts.get(index) {
                None => Err(Damaged("refers to a file not read")),
                Some(KnownText::Text(text)) => Ok(SourceFile::shared(name, Arc::clone(text))),
                Some(KnownText::Pending {
                    length,
                    hash,
                    read_again,
                }) => {
                    let read_again = Arc::clone(read_again);
                    let source = SourceFile::pending(name, *length, *hash, move || read_again());
                    decoder.pending.push((index, Arc::clone(&source)));
                    Ok(source)
                }
            }
        })?;
        Ok(Arc::clone(&outer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_texts_and_sequences_read_back_and_damage_is_an_error() {
        let mut encoder = Encoder::default();
        encoder.u64(0);
        encoder.u64(300);
        encoder.u64(u64::MAX);
        encoder.str("héllo");
        encoder.seq(&[1u32, 2, 3], |encoder, value| encoder.u32(*value));
        encoder.f64(-1.5);
        encoder.i128(-7);
        let bytes = encoder.into_bytes();
        let mut decoder = Decoder::new(&bytes, Vec::new());
        assert_eq!(decoder.u64(), Ok(0));
        assert_eq!(decoder.u64(), Ok(300));
        assert_eq!(decoder.u64(), Ok(u64::MAX));
        assert_eq!(decoder.str(), Ok("héllo"));
        assert_eq!(decoder.seq(Decoder::u32), Ok(vec![1, 2, 3]));
        assert_eq!(decoder.f64(), Ok(-1.5));
        assert_eq!(decoder.i128(), Ok(-7));
        assert!(decoder.finished());
        // Cut anywhere, the bytes are refused rather than misread into a panic.
        for end in 0..bytes.len() {
            let mut decoder = Decoder::new(&bytes[..end], Vec::new());
            let read = (|| {
                decoder.u64()?;
                decoder.u64()?;
                decoder.u64()?;
                decoder.str()?;
                decoder.seq(Decoder::u32)?;
                decoder.f64()?;
                decoder.i128()
            })();
            assert!(read.is_err(), "cut at {end} read back");
        }
        // A huge length is refused before any allocation.
        let mut decoder = Decoder::new(&[0xff, 0xff, 0xff, 0xff, 0x0f], Vec::new());
        assert_eq!(
            decoder.seq(Decoder::u8),
            Err(Damaged("sequence longer than the snapshot"))
        );
    }

    #[test]
    fn a_source_file_is_written_once_and_a_known_text_by_number() {
        let text = Arc::new("{\n}\n".to_owned());
        let known = SourceFile::shared("known.json", Arc::clone(&text));
        let other = SourceFile::new("other.json", "[]");
        let mut encoder = Encoder::with_known_texts(&[content_hash(text.as_bytes())]);
        encoder.source(&known);
        encoder.source(&other);
        encoder.source(&known);
        let bytes = encoder.into_bytes();
        assert!(bytes.len() < 40, "the known text is not written: {bytes:?}");
        let mut decoder = Decoder::new(&bytes, vec![Arc::clone(&text)]);
        let first = decoder.source().unwrap();
        let second = decoder.source().unwrap();
        let third = decoder.source().unwrap();
        assert!(decoder.finished());
        assert_eq!(first.name, "known.json");
        assert_eq!(first.text(), "{\n}\n");
        assert!(std::ptr::eq(first.text().as_ptr(), text.as_ptr()));
        assert_eq!(second.text(), "[]");
        assert!(Arc::ptr_eq(&first, &third));
        assert_eq!(first.location(Span::new(2, 3)), "known.json:2:1");
        // Without the text it refers to, the snapshot is refused.
        let mut decoder = Decoder::new(&bytes, Vec::new());
        assert!(decoder.source().is_err());
    }
}
