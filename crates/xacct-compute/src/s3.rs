//! S3 locations as Hadoop clients write them.

use serde::Serialize;
use std::fmt;

/// A bucket and a key (or key prefix; empty for the whole bucket).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// Reads `s3://bucket/key`, `s3a://…` or `s3n://…` (the scheme in any case): all three
    /// name the same object, whichever client reads it.
    pub fn parse(uri: &str) -> Option<Self> {
        let (scheme, rest) = uri.split_once("://")?;
        if !["s3", "s3a", "s3n"].contains(&scheme.to_ascii_lowercase().as_str()) {
            return None;
        }
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        Some(Self::new(bucket, key))
    }

    /// The `s3://bucket/key` form, which EMRFS role-mapping prefixes are compared with.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The ARN of the object or prefix (`arn:aws:s3:::bucket/key`), or of the bucket when the key
    /// is empty.
    pub fn arn(&self) -> String {
        if self.key.is_empty() {
            format!("arn:aws:s3:::{}", self.bucket)
        } else {
            format!("arn:aws:s3:::{}/{}", self.bucket, self.key)
        }
    }

    /// This location with `rest` appended as a path below it.
    pub(crate) fn join(&self, rest: &str) -> Self {
        let rest = rest.trim_start_matches('/');
        let key = match (self.key.trim_end_matches('/'), rest) {
            (_, "") => self.key.clone(),
            ("", rest) => rest.to_owned(),
            (base, rest) => format!("{base}/{rest}"),
        };
        Self::new(self.bucket.clone(), key)
    }
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_name_the_same_location() {
        for uri in [
            "s3://lake-b/sales/x",
            "s3a://lake-b/sales/x",
            "S3N://lake-b/sales/x",
        ] {
            assert_eq!(
                S3Location::parse(uri),
                Some(S3Location::new("lake-b", "sales/x")),
                "{uri}"
            );
        }
        assert_eq!(
            S3Location::parse("s3a://lake-b"),
            Some(S3Location::new("lake-b", ""))
        );
        for bad in ["gs://x/y", "s3:///key", "lake-b/x", "/mnt/x"] {
            assert_eq!(S3Location::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn join_keeps_one_slash() {
        let base = S3Location::new("b", "prefix/");
        assert_eq!(base.join("x/y").key, "prefix/x/y");
        assert_eq!(base.join("").key, "prefix/");
        assert_eq!(S3Location::new("b", "").join("/x").key, "x");
        assert_eq!(S3Location::new("b", "p").join("x").key, "p/x");
    }

    #[test]
    fn arns() {
        assert_eq!(S3Location::new("b", "").arn(), "arn:aws:s3:::b");
        assert_eq!(S3Location::new("b", "k").arn(), "arn:aws:s3:::b/k");
    }
}
