//! Reading user files, with paths relative to the file that names them; `-` is standard input.
//!
//! Text must be UTF-8 without a byte order mark. IAM's policy-document parameters accept only
//! tab, line feed, carriage return and the characters U+0020 to U+00FF (the `PolicyDocument`
//! pattern of CreatePolicy; see the AWS SDK reference
//! <https://sdk.amazonaws.com/kotlin/api/1.0.65/iam/aws.sdk.kotlin.services.iam.model/-create-policy-request/-builder/policy-document.html>),
//! so a document starting with U+FEFF is one AWS rejects, and `aws iam ... file://x.json`
//! sends the mark as it is. Such files are refused with an error that names the mark and how to
//! drop it, never read as "matches nothing"; UTF-16 files (PowerShell's `>` writes them) are
//! named as UTF-16, and bytes that are not UTF-8 get their line and column.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use xacct_eval::wire::PolicyFiles;
use xacct_policy::SourceFile;
use xacct_world::files::{FileAccess, FileError, MANIFEST_LIMIT, POLICY_LIMIT};

/// What `--allow-outside` allows, set once by `main` before any command runs.
static ALLOWED: OnceLock<FileAccess> = OnceLock::new();

/// Records the `--allow-outside` paths for every file read after this.
pub fn allow_outside(paths: &[PathBuf]) {
    let _ = ALLOWED.set(FileAccess::allowing(paths));
}

/// What files named by a scenario, a request or a folder of exports may be read: their root,
/// and the `--allow-outside` paths.
pub fn access() -> FileAccess {
    ALLOWED.get().cloned().unwrap_or_default()
}

fn message(error: &FileError) -> String {
    match error.help() {
        Some(help) => format!("{error}\n  help: {help}"),
        None => error.to_string(),
    }
}

/// The path that means standard input.
pub const STDIN: &str = "-";

/// The name findings give standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether `path` is `-`.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// Reads a file named on the command line (or standard input for `-`) as UTF-8 text: any
/// place, but only a regular file of at most 64 MiB.
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, String> {
    let (name, bytes) = if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MANIFEST_LIMIT + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        if bytes.len() as u64 > MANIFEST_LIMIT {
            return Err(format!(
                "standard input holds more than {} MiB, the most xacct reads as one input",
                MANIFEST_LIMIT >> 20
            ));
        }
        (STDIN_NAME.to_owned(), bytes)
    } else {
        let bytes = FileAccess::anywhere()
            .read_bytes(path, MANIFEST_LIMIT, "an input file")
            .map_err(|error| message(&error))?;
        (path.display().to_string(), bytes)
    };
    let text = decode(&bytes).map_err(|problem| format!("`{name}` {problem}"))?;
    Ok(SourceFile::new(name, text))
}

/// The text of a file's bytes, or what is wrong with them (a sentence that follows the file's
/// name).
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err("starts with a UTF-8 byte order mark (BOM) at line 1, column 1, which AWS rejects in a policy document: save it as UTF-8 without a BOM (e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)".to_owned());
    }
    if let Some(order) = utf16(bytes) {
        return Err(format!(
            "is UTF-16 ({order}) text, and AWS reads policy documents as UTF-8 only: convert it, e.g. `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`"
        ));
    }
    match String::from_utf8(bytes.to_vec()) {
        Ok(text) => Ok(text),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let prefix = bytes.get(..valid).unwrap_or_default();
            let line = prefix.iter().filter(|byte| **byte == b'\n').count() + 1;
            let line_start = prefix
                .iter()
                .rposition(|byte| *byte == b'\n')
                .map_or(0, |index| index + 1);
            let column = std::str::from_utf8(prefix.get(line_start..).unwrap_or_default())
                .map_or(0, |text| text.chars().count())
                + 1;
            let byte = bytes.get(valid).copied().unwrap_or_default();
            Err(format!(
                "is not UTF-8: byte 0x{byte:02X} at line {line}, column {column} starts no UTF-8 character (a Latin-1 or Windows-1252 file?): save it as UTF-8"
            ))
        }
    }
}

/// `little-endian` or `big-endian` when the bytes are UTF-16: by their byte order mark, or,
/// without one, by JSON's first character being ASCII (`{`, `[`, space) next to a zero byte.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => Some("little-endian"),
        [0xFE, 0xFF, ..] => Some("big-endian"),
        [first, 0, ..] if first.is_ascii() && *first != 0 => {
            Some("little-endian, no byte order mark")
        }
        [0, second, ..] if second.is_ascii() && *second != 0 => {
            Some("big-endian, no byte order mark")
        }
        _ => None,
    }
}

/// Loads `{"file": "..."}` policies relative to the request file's folder, and inside the
/// root holding it (its git repository, or the folder), unless `--allow-outside` says so.
pub struct RelativeFiles {
    pub base: PathBuf,
}

impl RelativeFiles {
    /// The folder the policies of `request` are relative to.
    pub fn of(request: &Path) -> Self {
        let base = if is_stdin(request) {
            PathBuf::new()
        } else {
            request.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        Self { base }
    }
}

impl PolicyFiles for RelativeFiles {
    fn load(&self, path: &str) -> Result<Arc<SourceFile>, String> {
        let folder = if self.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            self.base.as_path()
        };
        let full = self.base.join(path);
        let bytes = access()
            .confined_to(folder)
            .read_bytes(&full, POLICY_LIMIT, "a policy file")
            .map_err(|error| message(&error))?;
        let name = full.display().to_string();
        let text = decode(&bytes).map_err(|problem| format!("`{name}` {problem}"))?;
        Ok(SourceFile::new(name, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_named_with_its_fix() {
        let error = decode(b"\xEF\xBB\xBF{}").unwrap_err();
        assert!(error.contains("byte order mark (BOM)"), "{error}");
        assert!(error.contains("without a BOM"), "{error}");
    }

    #[test]
    fn utf16_is_named_with_its_byte_order() {
        let little: Vec<u8> = "\u{feff}{}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(decode(&little)
            .unwrap_err()
            .contains("UTF-16 (little-endian)"));
        let big: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(decode(&big)
            .unwrap_err()
            .contains("UTF-16 (big-endian, no byte order mark)"));
    }

    #[test]
    fn invalid_utf8_gets_its_line_and_column() {
        let error = decode(b"{\n  \"Sid\": \"caf\xE9\"\n}").unwrap_err();
        assert!(error.contains("byte 0xE9 at line 2, column 14"), "{error}");
    }

    #[test]
    fn utf8_is_read_as_it_is() {
        assert_eq!(
            decode("{\"Sid\": \"é\"}".as_bytes()).unwrap(),
            "{\"Sid\": \"é\"}"
        );
    }
}
