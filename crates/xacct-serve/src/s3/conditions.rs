//! S3's conditional requests: writes that apply only if the object is absent (`If-None-Match:
//! *`) or unchanged (`If-Match: ETAG`), tested where the write is committed so no other write
//! comes between; and reads that answer only if the object matches (`If-Match`,
//! `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`).
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html>

use crate::store::{ObjectRecord, Precondition, StoreError};
use s3s::dto::{ETagCondition, Timestamp, TimestampFormat};
use s3s::{s3_error, S3Error, S3Result};

/// The precondition of a PutObject or CompleteMultipartUpload. `If-None-Match` takes only `*`
/// and `If-Match` only an ETag; both at once is refused, never half-honoured.
pub fn of_write(
    if_none_match: Option<&ETagCondition>,
    if_match: Option<&ETagCondition>,
) -> S3Result<Option<Precondition>> {
    match (if_none_match, if_match) {
        (None, None) => Ok(None),
        (Some(ETagCondition::Any), None) => Ok(Some(Precondition::Absent)),
        (None, Some(ETagCondition::ETag(etag))) => {
            Ok(Some(Precondition::ETag(etag.value().to_owned())))
        }
        (Some(ETagCondition::ETag(_)), None) => Err(s3_error!(
            NotImplemented,
            "If-None-Match on a write takes only `*`"
        )),
        (None, Some(ETagCondition::Any)) => Err(s3_error!(
            NotImplemented,
            "If-Match on a write takes an ETag, not `*`"
        )),
        (Some(_), Some(_)) => Err(s3_error!(
            InvalidRequest,
            "a write takes If-None-Match or If-Match, not both"
        )),
    }
}

/// The precondition of a DeleteObject (or of one key of DeleteObjects): `If-Match` with an
/// ETag. The last-modified-time and size conditions are for directory buckets, which are not
/// served: refused rather than ignored.
pub fn of_delete(
    if_match: Option<&ETagCondition>,
    directory_conditions: bool,
) -> S3Result<Option<Precondition>> {
    if directory_conditions {
        return Err(s3_error!(
            NotImplemented,
            "the last-modified-time and size conditions of a delete are for directory buckets, which xacct serve does not serve"
        ));
    }
    match if_match {
        None => Ok(None),
        Some(ETagCondition::ETag(etag)) => Ok(Some(Precondition::ETag(etag.value().to_owned()))),
        Some(ETagCondition::Any) => Err(s3_error!(
            NotImplemented,
            "If-Match on a delete takes an ETag, not `*`"
        )),
    }
}

/// S3's answer to a write whose precondition did not hold, or any other store error.
pub fn write_error(error: StoreError) -> S3Error {
    match error {
        StoreError::PreconditionFailed => s3_error!(
            PreconditionFailed,
            "At least one of the pre-conditions you specified did not hold"
        ),
        StoreError::NoSuchObject => s3_error!(NoSuchKey, "The specified key does not exist."),
        other => S3Error::internal_error(other),
    }
}

/// The conditions of a GetObject or HeadObject, in the order RFC 9110 §13.2.2 tests them
/// (S3 follows it: an `If-Match` that holds makes `If-Unmodified-Since` moot, an
/// `If-None-Match` that fails makes `If-Modified-Since` moot).
pub struct ReadConditions<'a> {
    pub if_match: Option<&'a ETagCondition>,
    pub if_none_match: Option<&'a ETagCondition>,
    pub if_modified_since: Option<&'a Timestamp>,
    pub if_unmodified_since: Option<&'a Timestamp>,
}

fn matches(condition: &ETagCondition, record: &ObjectRecord) -> bool {
    match condition {
        ETagCondition::Any => true,
        ETagCondition::ETag(etag) => etag.value() == record.etag,
    }
}

/// Whole seconds since the epoch (S3 keeps an object's time to the second).
fn seconds(time: &Timestamp) -> Option<i64> {
    let mut text = Vec::new();
    time.format(TimestampFormat::EpochSeconds, &mut text).ok()?;
    let text = String::from_utf8(text).ok()?;
    let whole = text.split('.').next()?;
    whole.parse().ok()
}

impl ReadConditions<'_> {
    /// `Ok` to answer with the object, else `PreconditionFailed` (412) or `NotModified` (304).
    pub fn check(&self, record: &ObjectRecord) -> S3Result<()> {
        let failed = || {
            s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            )
        };
        match self.if_match {
            Some(condition) if !matches(condition, record) => return Err(failed()),
            Some(_) => {}
            None => {
                if let Some(since) = self.if_unmodified_since.and_then(seconds) {
                    if record.modified > since {
                        return Err(failed());
                    }
                }
            }
        }
        match self.if_none_match {
            Some(condition) if matches(condition, record) => return Err(s3_error!(NotModified)),
            Some(_) => {}
            None => {
                if let Some(since) = self.if_modified_since.and_then(seconds) {
                    if record.modified <= since {
                        return Err(s3_error!(NotModified));
                    }
                }
            }
        }
        Ok(())
    }

    /// The `x-amz-copy-source-if-*` conditions of a copy, tested on its source: each one
    /// that fails is `PreconditionFailed` (a copy has no "not modified" answer).
    /// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html>
    pub fn check_copy_source(&self, source: &ObjectRecord) -> S3Result<()> {
        self.check(source).map_err(|error| {
            if *error.code() == s3s::S3ErrorCode::NotModified {
                s3_error!(
                    PreconditionFailed,
                    "At least one of the pre-conditions you specified did not hold"
                )
            } else {
                error
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use s3s::dto::ETag;
    use std::collections::BTreeMap;
    use std::time::SystemTime;

    fn record() -> ObjectRecord {
        ObjectRecord {
            size: 1,
            etag: "abc".to_owned(),
            modified: 1_000,
            content_type: None,
            owner: "111111111111".to_owned(),
            metadata: BTreeMap::new(),
            encryption: None,
            tags: BTreeMap::new(),
            acl: None,
        }
    }

    fn at(seconds: u64) -> Timestamp {
        Timestamp::from(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
    }

    fn code(result: S3Result<()>) -> String {
        result
            .err()
            .map(|error| error.code().as_str().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn writes_take_star_for_none_match_and_an_etag_for_match() {
        let star = ETagCondition::Any;
        let etag = ETagCondition::ETag(ETag::Strong("abc".to_owned()));
        assert_eq!(
            of_write(Some(&star), None).ok(),
            Some(Some(Precondition::Absent))
        );
        assert_eq!(
            of_write(None, Some(&etag)).ok(),
            Some(Some(Precondition::ETag("abc".to_owned())))
        );
        assert!(of_write(Some(&etag), None).is_err());
        assert!(of_write(None, Some(&star)).is_err());
        assert!(of_write(Some(&star), Some(&etag)).is_err());
        assert_eq!(of_write(None, None).ok(), Some(None));
    }

    #[test]
    fn reads_answer_412_and_304_as_rfc_9110_orders_them() {
        let same = ETagCondition::ETag(ETag::Strong("abc".to_owned()));
        let other = ETagCondition::ETag(ETag::Strong("xyz".to_owned()));
        let (before, after) = (at(500), at(2_000));
        let read = |if_match, if_none_match, if_modified_since, if_unmodified_since| {
            ReadConditions {
                if_match,
                if_none_match,
                if_modified_since,
                if_unmodified_since,
            }
            .check(&record())
        };
        assert_eq!(
            code(read(Some(&other), None, None, None)),
            "PreconditionFailed"
        );
        assert_eq!(code(read(Some(&same), None, None, Some(&before))), "");
        assert_eq!(
            code(read(None, None, None, Some(&before))),
            "PreconditionFailed"
        );
        assert_eq!(code(read(None, Some(&same), None, None)), "NotModified");
        assert_eq!(code(read(None, Some(&other), Some(&after), None)), "");
        assert_eq!(code(read(None, None, Some(&after), None)), "NotModified");
        assert_eq!(code(read(None, None, Some(&before), None)), "");
    }
}
