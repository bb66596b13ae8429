//! Storage paths as Unity Catalog compares them: `s3://bucket/prefix`, one path holding another
//! when it is the same bucket and a whole-segment prefix of its key.

use serde::Serialize;
use std::fmt;

/// A Unity Catalog storage path: a bucket and a key prefix without leading or trailing `/`
/// (empty for the whole bucket).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct StoragePath {
    pub bucket: String,
    pub key: String,
}

impl StoragePath {
    /// Reads `s3://bucket/prefix` (the scheme in any case). Unity Catalog takes `s3://` URLs
    /// only; `s3a://` and others are `None`, as is a URL without a bucket.
    pub fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("s3") {
            return None;
        }
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        Some(Self {
            bucket: bucket.to_owned(),
            key: key.trim_matches('/').to_owned(),
        })
    }

    /// Whether `other` is this path or lies below it. `s3://b/sales` holds `s3://b/sales/x`
    /// but not `s3://b/salesforce`: prefixes are compared by whole path segments.
    pub fn holds(&self, other: &Self) -> bool {
        if self.bucket != other.bucket {
            return false;
        }
        if self.key.is_empty() || self.key == other.key {
            return true;
        }
        other
            .key
            .strip_prefix(&self.key)
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// The bucket's ARN.
    pub fn bucket_arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.bucket)
    }

    /// The prefix as S3 lists it (`sales/`), empty for the whole bucket.
    pub fn list_prefix(&self) -> String {
        if self.key.is_empty() {
            String::new()
        } else {
            format!("{}/", self.key)
        }
    }

    /// The ARN of an object at `name` below the path.
    pub fn object_arn(&self, name: &str) -> String {
        format!("arn:aws:s3:::{}/{}{name}", self.bucket, self.list_prefix())
    }

    /// The ARN pattern of every object below the path (`arn:aws:s3:::b/sales/*`).
    pub fn objects_pattern(&self) -> String {
        self.object_arn("*")
    }
}

impl fmt::Display for StoragePath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "s3://{}/{}", self.bucket, self.list_prefix())
    }
}

/// Two declared paths one of which holds the other, by their indexes in the list given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overlap {
    pub first: usize,
    pub second: usize,
}

/// Every pair of `paths` that overlap (the same path twice included), each pair once, the
/// earlier path first.
pub fn overlaps(paths: &[&StoragePath]) -> Vec<Overlap> {
    let mut out = Vec::new();
    for (first, one) in paths.iter().enumerate() {
        for (offset, other) in paths.iter().skip(first + 1).enumerate() {
            if one.holds(other) || other.holds(one) {
                out.push(Overlap {
                    first,
                    second: first + 1 + offset,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(url: &str) -> StoragePath {
        StoragePath::parse(url).unwrap()
    }

    #[test]
    fn only_s3_urls_with_a_bucket_are_paths() {
        assert_eq!(path("S3://lake-b/sales/").key, "sales");
        assert_eq!(path("s3://lake-b").key, "");
        assert!(StoragePath::parse("s3a://lake-b/sales").is_none());
        assert!(StoragePath::parse("s3:///sales").is_none());
        assert!(StoragePath::parse("/mnt/lake").is_none());
    }

    #[test]
    fn prefixes_hold_by_whole_segments() {
        assert!(path("s3://b/sales").holds(&path("s3://b/sales/2026/x")));
        assert!(path("s3://b/sales/").holds(&path("s3://b/sales")));
        assert!(path("s3://b").holds(&path("s3://b/anything")));
        assert!(!path("s3://b/sales").holds(&path("s3://b/salesforce/x")));
        assert!(!path("s3://b/sales").holds(&path("s3://c/sales/x")));
        assert!(!path("s3://b/sales/2026").holds(&path("s3://b/sales")));
    }

    #[test]
    fn nested_and_equal_paths_overlap_siblings_do_not() {
        let paths = [
            path("s3://b/sales"),
            path("s3://b/sales/eu"),
            path("s3://b/salesforce"),
            path("s3://b/salesforce/"),
        ];
        let refs: Vec<&StoragePath> = paths.iter().collect();
        assert_eq!(
            overlaps(&refs),
            vec![
                Overlap {
                    first: 0,
                    second: 1
                },
                Overlap {
                    first: 2,
                    second: 3
                }
            ]
        );
    }

    #[test]
    fn arns_and_prefixes_follow_the_path() {
        let sales = path("s3://lake-b/sales/");
        assert_eq!(sales.to_string(), "s3://lake-b/sales/");
        assert_eq!(sales.objects_pattern(), "arn:aws:s3:::lake-b/sales/*");
        assert_eq!(sales.list_prefix(), "sales/");
        assert_eq!(path("s3://lake-b").object_arn("x"), "arn:aws:s3:::lake-b/x");
    }
}
