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
/// `("catalog", "ACCOUNT/REGION")`, `("account", ID)`, `("compute", NAME)`,
/// `("access_point", ARN)`.
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
        scan_access_points(&document, &headers, text.len(), &mut entries);
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

/// The scenario's `[[access_point]]` tables, by the ARN S3 gives them
/// (`arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME`, the key the plan's access points have):
/// the Region is the table's, else its bucket's (as the loader reads it), else `us-east-1`.
fn scan_access_points(
    document: &toml::Table,
    headers: &[(usize, String)],
    end: usize,
    entries: &mut BTreeMap<(String, String), Entry>,
) {
    let Some(points) = document.get("access_point").and_then(toml::Value::as_array) else {
        return;
    };
    let text = |table: &toml::Table, key: &str| {
        table
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let bucket_region = |bucket: &str| {
        document
            .get("bucket")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
            .find(|table| text(table, "name").as_deref() == Some(bucket))
            .and_then(|table| text(table, "region"))
    };
    let ranges = entry_ranges(headers, "access_point", end);
    for (table, range) in points.iter().zip(ranges) {
        let Some(table) = table.as_table() else {
            continue;
        };
        let (Some(name), Some(account)) = (text(table, "name"), text(table, "account")) else {
            continue;
        };
        let region = text(table, "region")
            .or_else(|| text(table, "bucket").and_then(|bucket| bucket_region(&bucket)))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let arn = format!(
            "arn:{}:s3:{region}:{account}:accesspoint/{name}",
            super::resolve::partition(&region)
        );
        entries.insert(
            ("access_point".to_owned(), arn),
            Entry {
                range,
                table: table.clone(),
            },
        );
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
    fn access_points_are_known_by_the_arn_s3_gives_them() {
        let scenario = r#"[[bucket]]
name = "eu-data"
account = "222222222222"
region = "eu-west-1"

[[access_point]]
name = "reader"
account = "222222222222"
bucket = "eu-data"

[[access_point]]
name = "gov"
account = "222222222222"
bucket = "elsewhere"
region = "us-gov-west-1"

[[access_point]]
name = "plain"
account = "222222222222"
bucket = "undeclared"
"#;
        let base = Base::scan(scenario);
        let found: Vec<&str> = base
            .entries
            .keys()
            .filter(|(kind, _)| kind == "access_point")
            .map(|(_, arn)| arn.as_str())
            .collect();
        assert_eq!(
            found,
            [
                "arn:aws-us-gov:s3:us-gov-west-1:222222222222:accesspoint/gov",
                "arn:aws:s3:eu-west-1:222222222222:accesspoint/reader",
                "arn:aws:s3:us-east-1:222222222222:accesspoint/plain",
            ]
        );
        let reader = base
            .get(
                "access_point",
                "arn:aws:s3:eu-west-1:222222222222:accesspoint/reader",
            )
            .and_then(|entry| scenario.get(entry.range.clone()));
        assert!(reader.is_some_and(|text| text.starts_with("[[access_point]]\nname = \"reader\"")));
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
