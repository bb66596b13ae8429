//! Single values of compute settings: ARNs, STS parameters, Hadoop durations, canned ACLs.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use xacct_policy::condition::edit_distance;
use xacct_policy::Arn;

/// Reads an IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
pub(crate) fn role_arn(text: &str) -> Result<Arn, String> {
    iam_arn(text, "role/", "a role ARN")
}

/// Reads an instance-profile ARN: `arn:PARTITION:iam::ACCOUNT:instance-profile/[PATH/]NAME`.
pub(crate) fn instance_profile_arn(text: &str) -> Result<Arn, String> {
    iam_arn(text, "instance-profile/", "an instance-profile ARN")
}

fn iam_arn(text: &str, prefix: &str, what: &str) -> Result<Arn, String> {
    let arn: Arn = text.trim().parse().map_err(|error| format!("{error}"))?;
    if text.trim() != text {
        return Err(format!("`{text}` has spaces around it"));
    }
    if arn.service() != "iam" {
        return Err(format!(
            "`{text}` is not {what}: its service is `{}`, not `iam`",
            arn.service()
        ));
    }
    if arn.account().is_none() {
        return Err(format!(
            "`{text}` is not {what}: it names no 12-digit account"
        ));
    }
    let name = arn.resource().strip_prefix(prefix).unwrap_or_default();
    if name.is_empty() || name.ends_with('/') {
        return Err(format!(
            "`{text}` is not {what}: expected `arn:{}:iam::{}:{prefix}NAME`",
            arn.partition(),
            arn.account_text()
        ));
    }
    Ok(arn)
}

/// `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
pub(crate) fn check_session_name(text: &str) -> Result<(), String> {
    check_sts_text(text, "a session name", 2, 64, "+=,.@-")
}

/// `ExternalId`: 2–1224 characters of `[\w+=,.@:/-]`.
pub(crate) fn check_external_id(text: &str) -> Result<(), String> {
    check_sts_text(text, "an external id", 2, 1224, "+=,.@:/-")
}

fn check_sts_text(
    text: &str,
    what: &str,
    min: usize,
    max: usize,
    punctuation: &str,
) -> Result<(), String> {
    let length = text.chars().count();
    if !(min..=max).contains(&length) {
        return Err(format!(
            "`{text}` is not {what} STS accepts: it has {length} characters, expected {min} to {max}"
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || punctuation.contains(*c)))
    {
        return Err(format!(
            "`{text}` is not {what} STS accepts: `{bad}` is not allowed (letters, digits and `_{punctuation}` are)"
        ));
    }
    Ok(())
}

/// A Hadoop duration that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: expected a whole number with an optional unit (`ns`, `us`, `ms`, `s`, `m`, `h`, `d`), such as `30m`, `1h` or `3600`")]
pub struct InvalidDuration {
    pub text: String,
}

/// Reads a duration as Hadoop's `Configuration.getTimeDuration` does (trimmed, case-insensitive,
/// a whole number and an optional unit suffix), with seconds as the unit of a plain number,
/// as for `fs.s3a.assumed.role.session.duration`. Sub-second parts are dropped.
pub fn parse_hadoop_duration(text: &str) -> Result<u64, InvalidDuration> {
    let invalid = || InvalidDuration {
        text: text.to_owned(),
    };
    let lower = text.trim().to_ascii_lowercase();
    // Longest suffixes first: `ms` also ends with `s`.
    const UNITS: [(&str, u64, u64); 7] = [
        ("ns", 1, 1_000_000_000),
        ("us", 1, 1_000_000),
        ("ms", 1, 1_000),
        ("s", 1, 1),
        ("m", 60, 1),
        ("h", 3_600, 1),
        ("d", 86_400, 1),
    ];
    let (number, multiply, divide) = UNITS
        .iter()
        .find_map(|(suffix, multiply, divide)| {
            lower
                .strip_suffix(suffix)
                .map(|number| (number, *multiply, *divide))
        })
        .unwrap_or((lower.as_str(), 1, 1));
    if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    let count: u64 = number.parse().map_err(|_| invalid())?;
    count
        .checked_mul(multiply)
        .map(|total| total / divide)
        .ok_or_else(invalid)
}

/// An S3 canned ACL, as Hadoop and EMRFS name them (`BucketOwnerFullControl`) and as the
/// `x-amz-acl` header spells them (`bucket-owner-full-control`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CannedAcl {
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
    LogDeliveryWrite,
    BucketOwnerRead,
    BucketOwnerFullControl,
    AwsExecRead,
}

/// A canned ACL name that is neither a Hadoop/EMRFS name nor an `x-amz-acl` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a canned ACL")]
pub struct InvalidCannedAcl {
    pub text: String,
}

impl CannedAcl {
    pub const ALL: [CannedAcl; 8] = [
        CannedAcl::Private,
        CannedAcl::PublicRead,
        CannedAcl::PublicReadWrite,
        CannedAcl::AuthenticatedRead,
        CannedAcl::LogDeliveryWrite,
        CannedAcl::BucketOwnerRead,
        CannedAcl::BucketOwnerFullControl,
        CannedAcl::AwsExecRead,
    ];

    /// The name Hadoop S3A and EMRFS settings take.
    pub fn hadoop_name(self) -> &'static str {
        match self {
            CannedAcl::Private => "Private",
            CannedAcl::PublicRead => "PublicRead",
            CannedAcl::PublicReadWrite => "PublicReadWrite",
            CannedAcl::AuthenticatedRead => "AuthenticatedRead",
            CannedAcl::LogDeliveryWrite => "LogDeliveryWrite",
            CannedAcl::BucketOwnerRead => "BucketOwnerRead",
            CannedAcl::BucketOwnerFullControl => "BucketOwnerFullControl",
            CannedAcl::AwsExecRead => "AwsExecRead",
        }
    }

    /// The `x-amz-acl` header value, which the `s3:x-amz-acl` condition key compares.
    pub fn header_value(self) -> &'static str {
        match self {
            CannedAcl::Private => "private",
            CannedAcl::PublicRead => "public-read",
            CannedAcl::PublicReadWrite => "public-read-write",
            CannedAcl::AuthenticatedRead => "authenticated-read",
            CannedAcl::LogDeliveryWrite => "log-delivery-write",
            CannedAcl::BucketOwnerRead => "bucket-owner-read",
            CannedAcl::BucketOwnerFullControl => "bucket-owner-full-control",
            CannedAcl::AwsExecRead => "aws-exec-read",
        }
    }

    /// Reads a setting value; the second value is false when the spelling is not the Hadoop
    /// one (a header spelling, or different case), which older clients reject.
    pub(crate) fn read(text: &str) -> Result<(CannedAcl, bool), InvalidCannedAcl> {
        let trimmed = text.trim();
        if let Some(acl) = CannedAcl::ALL
            .into_iter()
            .find(|acl| acl.hadoop_name() == trimmed)
        {
            return Ok((acl, trimmed == text));
        }
        let folded = trimmed.to_ascii_lowercase().replace(['-', '_'], "");
        CannedAcl::ALL
            .into_iter()
            .find(|acl| acl.hadoop_name().to_ascii_lowercase() == folded)
            .map(|acl| (acl, false))
            .ok_or_else(|| InvalidCannedAcl {
                text: text.to_owned(),
            })
    }
}

impl FromStr for CannedAcl {
    type Err = InvalidCannedAcl;

    /// Accepts the Hadoop name and the header value, in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CannedAcl::read(text).map(|(acl, _)| acl)
    }
}

impl fmt::Display for CannedAcl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hadoop_name())
    }
}

impl Serialize for CannedAcl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.header_value())
    }
}

/// The candidate a mistyped word most likely meant: same text in another case, or within a
/// small edit distance (one edit for short words, two otherwise).
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .iter()
        .filter(|candidate| **candidate != word)
        .map(|candidate| {
            (
                edit_distance(&lower, &candidate.to_ascii_lowercase()),
                *candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= if candidate.len() < 8 { 1 } else { 2 })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadoop_durations() {
        for (text, seconds) in [
            ("30m", 1800),
            ("1h", 3600),
            ("3600s", 3600),
            ("900", 900),
            (" 45M ", 2700),
            ("900000ms", 900),
            ("1d", 86_400),
            ("2h", 7200),
        ] {
            assert_eq!(parse_hadoop_duration(text), Ok(seconds), "{text}");
        }
        for bad in ["", "m", "1.5h", "-5m", "30 minutes", "1w", "h1"] {
            assert!(parse_hadoop_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn canned_acl_spellings() {
        assert_eq!(
            CannedAcl::read("BucketOwnerFullControl"),
            Ok((CannedAcl::BucketOwnerFullControl, true))
        );
        assert_eq!(
            CannedAcl::read("bucket-owner-full-control"),
            Ok((CannedAcl::BucketOwnerFullControl, false))
        );
        assert_eq!(
            "public-read".parse::<CannedAcl>(),
            Ok(CannedAcl::PublicRead)
        );
        assert!(CannedAcl::read("BucketOwnerFull").is_err());
    }

    #[test]
    fn role_arns() {
        assert!(role_arn("arn:aws:iam::222222222222:role/lake-b-reader").is_ok());
        assert!(role_arn("arn:aws:iam::222222222222:role/path/x").is_ok());
        for bad in [
            "lake-b-reader",
            "arn:aws:iam::222222222222:user/alice",
            "arn:aws:iam::2222:role/x",
            "arn:aws:sts::222222222222:assumed-role/x/s",
            "arn:aws:iam::222222222222:role/",
            " arn:aws:iam::222222222222:role/x",
        ] {
            assert!(role_arn(bad).is_err(), "{bad}");
        }
        assert!(instance_profile_arn("arn:aws:iam::111111111111:instance-profile/MyRoleA").is_ok());
        assert!(instance_profile_arn("arn:aws:iam::111111111111:role/MyRoleA").is_err());
    }

    #[test]
    fn sts_text() {
        assert!(check_session_name("dbx-etl@lake.b").is_ok());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name("has space").is_err());
        assert!(check_external_id("lake-7f3a").is_ok());
        assert!(check_external_id("urn:x/y").is_ok());
        assert!(check_external_id("x").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("assumed.role.arm", &["assumed.role.arn", "acl.default"]),
            Some("assumed.role.arn")
        );
        assert_eq!(
            suggest("credentialstype", &["credentialsType"]),
            Some("credentialsType")
        );
        assert_eq!(suggest("endpoint", &["assumed.role.arn"]), None);
    }
}
