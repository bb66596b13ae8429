//! The scenario a plan is merged over: its tables by identity, with the bytes each spans, so
//! that the plan can replace an entity (a role it defines too) or add to one (a policy it
//! attaches to a role the scenario declares). The entity's table is then blanked in the
//! scenario's text (spaces, newlines kept, so every other line and column stays) and written
//! again with the plan's part.

use std::collections::BTreeMap;
use std::ops::Range;

/// One table of the scenario's manifest.
#[derive(Clone, Debug)]
pub struct Entry {
    pub(crate) range: Range<usize>,
    pub(crate) table: toml::Table,
}

/// The scenario's entities by `(kind, identity)`: `("role", ARN)`, `("bucket", NAME)`,
/// `("catalog", "ACCOUNT/REGION")`, `("account", ID)`, `("compute", NAME)`.
#[derive(Clone, Debug, Default)]
pub struct Base {
    pub(crate) entries: BTreeMap<(String, String), Entry>,
}

/// The kinds a plan can replace or add to, and the key that names each entry.
const KINDS: [(&str, &str); 16] = [
    ("role", "arn"),
    ("user", "arn"),
    ("group", "arn"),
    ("managed_policy", "arn"),
    ("instance_profile", "arn"),
    ("bucket", "name"),
    ("key", "arn"),
    ("stream", "arn"),
    ("compute", "name"),
    ("account", "id"),
    ("catalog", "account"),
    ("share", "name"),
    ("storage_credential", "name"),
    ("service_credential", "name"),
    ("external_location", "name"),
    ("metastore", "name"),
];

impl Base {
    /// Reads the scenario manifest's text; a manifest that is not valid TOML gives an empty
    /// base (the loader reports it).
    pub fn scan(text: &str) -> Self {
        let Ok(document) = toml::from_str::<toml::Table>(text) else {
            return Self::default();
        };
        let headers = headers(text);
        let mut entries = BTreeMap::new();
        for (kind, key) in KINDS {
            let Some(tables) = document.get(kind).and_then(toml::Value::as_array) else {
                continue;
            };
            let ranges = entry_ranges(&headers, kind, text.len());
            for (table, range) in tables.iter().zip(ranges) {
                let Some(table) = table.as_table() else {
                    continue;
                };
                let Some(mut identity) = table
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned)
                else {
                    continue;
                };
                if kind == "catalog" {
                    let region = table
                        .get("region")
                        .and_then(toml::Value::as_str)
                        .unwrap_or("us-east-1");
                    identity = format!("{identity}/{region}");
                }
                entries.insert(
                    (kind.to_owned(), identity),
                    Entry {
                        range,
                        table: table.clone(),
                    },
                );
            }
        }
        Self { entries }
    }

    /// The entry of `kind` named `identity`.
    pub(crate) fn get(&self, kind: &str, identity: &str) -> Option<&Entry> {
        self.entries.get(&(kind.to_owned(), identity.to_owned()))
    }

    /// The IAM entity of `kind` named `name` in `account`, whatever its path.
    pub(crate) fn iam_named(
        &self,
        kind: &str,
        account: &str,
        name: &str,
    ) -> Option<(String, &Entry)> {
        let prefix = format!(":iam::{account}:{kind}/");
        self.entries
            .iter()
            .find(|((entry_kind, arn), _)| {
                entry_kind == kind && arn.contains(&prefix) && arn.rsplit('/').next() == Some(name)
            })
            .map(|((_, arn), entry)| (arn.clone(), entry))
    }
}

/// Each table header line outside multi-line strings: (byte offset, name).
fn headers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut open: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if open.is_none() && trimmed.starts_with('[') {
            let name: String = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            out.push((offset, name));
        }
        // Multi-line strings open and close on delimiters counted along the line.
        let mut rest = line;
        loop {
            let next = match open {
                Some(delimiter) => rest.find(delimiter).map(|at| (at, delimiter)),
                None => ["'''", "\"\"\""]
                    .iter()
                    .filter_map(|delimiter| rest.find(delimiter).map(|at| (at, *delimiter)))
                    .min_by_key(|(at, _)| *at),
            };
            let Some((at, delimiter)) = next else {
                break;
            };
            open = if open.is_some() {
                None
            } else {
                Some(delimiter)
            };
            rest = rest.get(at + delimiter.len()..).unwrap_or_default();
        }
        offset += line.len();
    }
    out
}

/// The byte range of every `[[kind]]` table with its sub-tables (`[[kind.x]]`), in order.
fn entry_ranges(headers: &[(usize, String)], kind: &str, end: usize) -> Vec<Range<usize>> {
    let sub = format!("{kind}.");
    let mut out = Vec::new();
    for (index, (start, name)) in headers.iter().enumerate() {
        if name != kind {
            continue;
        }
        let stop = headers
            .iter()
            .skip(index + 1)
            .find(|(_, next)| !next.starts_with(&sub))
            .map_or(end, |(at, _)| *at);
        out.push(*start..stop);
    }
    out
}

/// `text` with `ranges` blanked: spaces, newlines kept.
pub(crate) fn blank(text: &str, ranges: &[Range<usize>]) -> String {
    let mut bytes: Vec<u8> = text.as_bytes().to_vec();
    for range in ranges {
        for byte in bytes.get_mut(range.clone()).into_iter().flatten() {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Whole tables are blanked, so no character is cut: the text stays UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"[[role]]
arn = "arn:aws:iam::111111111111:role/a"
trust = { inline = '''
[not a header]
''' }

[[stream]]
arn = "arn:aws:kinesis:us-east-1:1:stream/s"

[[stream.consumer]]
arn = "c"

[[role]]
arn = "arn:aws:iam::111111111111:role/path/b"
trust = "b.json"
"#;

    #[test]
    fn tables_are_found_with_their_sub_tables_and_not_inside_strings() {
        let base = Base::scan(SCENARIO);
        let a = base
            .get("role", "arn:aws:iam::111111111111:role/a")
            .map(|entry| entry.range.clone());
        assert_eq!(
            a.and_then(|range| SCENARIO.get(range))
                .map(|text| text.ends_with("''' }\n\n")),
            Some(true)
        );
        let stream = base
            .get("stream", "arn:aws:kinesis:us-east-1:1:stream/s")
            .map(|entry| entry.range.clone());
        assert!(stream
            .and_then(|range| SCENARIO.get(range))
            .is_some_and(|text| text.contains("[[stream.consumer]]")));
        let (arn, _) = base
            .iam_named("role", "111111111111", "b")
            .unwrap_or_default_pair();
        assert_eq!(arn, "arn:aws:iam::111111111111:role/path/b");
    }

    #[test]
    fn blanking_keeps_every_other_position() {
        let blanked = blank("ab\ncd\nef", std::slice::from_ref(&(3..6)));
        assert_eq!(blanked, "ab\n  \nef");
    }

    trait Pair {
        fn unwrap_or_default_pair(self) -> (String, ());
    }

    impl Pair for Option<(String, &Entry)> {
        fn unwrap_or_default_pair(self) -> (String, ()) {
            self.map_or_else(|| (String::new(), ()), |(arn, _)| (arn, ()))
        }
    }
}
