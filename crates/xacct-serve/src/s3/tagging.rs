//! Object tags: set with `x-amz-tagging` on a write or with PutObjectTagging, read with
//! GetObjectTagging, removed with DeleteObjectTagging; and, since a policy may decide on them,
//! given to the engine as `s3:ExistingObjectTag/KEY` when an object is read and as
//! `s3:RequestObjectTag/KEY` and `s3:RequestObjectTagKeys` when tags are written.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html>
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html>

use super::{caller, conditions, Objects};
use crate::access::{authorize, existing_tags, Check, NamedObjects};
use s3s::dto::{
    DeleteObjectTaggingInput, DeleteObjectTaggingOutput, GetObjectTaggingInput,
    GetObjectTaggingOutput, PutObjectTaggingInput, PutObjectTaggingOutput, Tag, TagSet,
};
use s3s::{S3Error, S3Request, S3Response, S3Result};
use std::collections::BTreeMap;
use xacct_eval::ContextValue;

/// At most this many tags on an object.
const MOST_TAGS: usize = 10;
/// Longest key and value, in UTF-16 code units (S3 counts them so).
const LONGEST_KEY: usize = 128;
const LONGEST_VALUE: usize = 256;

fn invalid(message: &str) -> S3Error {
    let mut error = S3Error::with_message(
        s3s::S3ErrorCode::Custom("InvalidTag".into()),
        message.to_owned(),
    );
    error.set_status_code(hyper::StatusCode::BAD_REQUEST);
    error
}

/// The tags of `pairs`, checked as S3 checks them.
fn checked(pairs: Vec<(String, String)>) -> S3Result<BTreeMap<String, String>> {
    if pairs.len() > MOST_TAGS {
        return Err(invalid("Object tags cannot be greater than 10"));
    }
    let mut tags = BTreeMap::new();
    for (key, value) in pairs {
        if key.is_empty() || key.encode_utf16().count() > LONGEST_KEY {
            return Err(invalid("The TagKey you have provided is invalid"));
        }
        if value.encode_utf16().count() > LONGEST_VALUE {
            return Err(invalid("The TagValue you have provided is invalid"));
        }
        if key.starts_with("aws:") {
            return Err(invalid("Your TagKey cannot be prefixed with aws:"));
        }
        if tags.insert(key, value).is_some() {
            return Err(invalid("Cannot provide multiple Tags with the same key"));
        }
    }
    Ok(tags)
}

/// The tags of an `x-amz-tagging` header: a URL-encoded query (`k1=v1&k2=v2`).
pub fn of_header(header: Option<&str>) -> S3Result<BTreeMap<String, String>> {
    let Some(header) = header.filter(|header| !header.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    checked(
        form_urlencoded::parse(header.as_bytes())
            .into_owned()
            .collect(),
    )
}

/// The tags of a PutObjectTagging body.
pub fn of_tag_set(tag_set: &TagSet) -> S3Result<BTreeMap<String, String>> {
    checked(
        tag_set
            .iter()
            .map(|tag| {
                (
                    tag.key.clone().unwrap_or_default(),
                    tag.value.clone().unwrap_or_default(),
                )
            })
            .collect(),
    )
}

pub fn tag_set(tags: &BTreeMap<String, String>) -> TagSet {
    tags.iter()
        .map(|(key, value)| Tag {
            key: Some(key.clone()),
            value: Some(value.clone()),
        })
        .collect()
}

/// `s3:RequestObjectTag/KEY` for each tag, and `s3:RequestObjectTagKeys` (several values).
pub fn request_context(tags: &BTreeMap<String, String>) -> Vec<(String, ContextValue)> {
    let mut context: Vec<(String, ContextValue)> = tags
        .iter()
        .map(|(key, value)| {
            (
                format!("s3:RequestObjectTag/{key}"),
                ContextValue::Single(value.clone()),
            )
        })
        .collect();
    context.push((
        "s3:RequestObjectTagKeys".to_owned(),
        ContextValue::Multi(tags.keys().cloned().collect()),
    ));
    context
}

/// `s3:ExistingObjectTag/KEY` for each tag of the stored object.
pub fn existing_context(tags: &BTreeMap<String, String>) -> Vec<(String, ContextValue)> {
    tags.iter()
        .map(|(key, value)| {
            (
                format!("s3:ExistingObjectTag/{key}"),
                ContextValue::Single(value.clone()),
            )
        })
        .collect()
}

/// The actions whose requests carry `s3:ExistingObjectTag/KEY` (the Service Authorization
/// Reference for S3, as xacct's catalog holds it), among those served.
pub fn reads_existing_tags(action: &str) -> bool {
    matches!(
        action,
        "s3:GetObject"
            | "s3:GetObjectAcl"
            | "s3:GetObjectTagging"
            | "s3:PutObjectAcl"
            | "s3:PutObjectTagging"
            | "s3:DeleteObjectTagging"
    )
}

/// GetObjectTagging (authorized as `s3:GetObjectTagging` by the access hook).
pub fn get(objects: &Objects, input: &GetObjectTaggingInput) -> S3Result<GetObjectTaggingOutput> {
    let record = objects.object(&input.bucket, &input.key)?;
    Ok(GetObjectTaggingOutput {
        tag_set: tag_set(&record.tags),
        version_id: None,
    })
}

/// PutObjectTagging: authorized here, once the body's tags are known, as
/// `s3:PutObjectTagging` with `s3:RequestObjectTag/KEY`, `s3:RequestObjectTagKeys` and the
/// object's `s3:ExistingObjectTag/KEY`.
pub async fn put(
    objects: &Objects,
    req: S3Request<PutObjectTaggingInput>,
) -> S3Result<S3Response<PutObjectTaggingOutput>> {
    let credential = caller(&req)?;
    let input = req.input;
    let tags = of_tag_set(&input.tagging.tag_set)?;
    let mut checks = [Check {
        action: "s3:PutObjectTagging",
        resource: format!("arn:aws:s3:::{}/{}", input.bucket, input.key),
        context: request_context(&tags),
    }];
    existing_tags(&mut NamedObjects::new(&objects.state), &mut checks)?;
    authorize(&objects.state, &credential, &checks)?;
    objects
        .state
        .store
        .set_object_tags(&input.bucket, &input.key, tags)
        .await
        .map_err(conditions::write_error)?;
    Ok(S3Response::new(PutObjectTaggingOutput { version_id: None }))
}

/// DeleteObjectTagging (authorized as `s3:DeleteObjectTagging` by the access hook).
pub async fn delete(
    objects: &Objects,
    input: &DeleteObjectTaggingInput,
) -> S3Result<DeleteObjectTaggingOutput> {
    objects
        .state
        .store
        .set_object_tags(&input.bucket, &input.key, BTreeMap::new())
        .await
        .map_err(conditions::write_error)?;
    Ok(DeleteObjectTaggingOutput { version_id: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: S3Result<BTreeMap<String, String>>) -> String {
        result
            .err()
            .map(|error| error.code().as_str().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn a_header_is_read_as_a_query_and_checked_as_s3_checks_tags() {
        let tags = of_header(Some("team=data%20eng&class=pii")).unwrap_or_default();
        assert_eq!(tags.get("team").map(String::as_str), Some("data eng"));
        assert_eq!(tags.len(), 2);
        let eleven: Vec<String> = (0..11).map(|n| format!("k{n}=v")).collect();
        assert_eq!(code(of_header(Some(&eleven.join("&")))), "InvalidTag");
        assert_eq!(code(of_header(Some("a=1&a=2"))), "InvalidTag");
        assert_eq!(code(of_header(Some("aws:x=1"))), "InvalidTag");
        assert_eq!(
            code(of_header(Some(&format!("{}=v", "k".repeat(129))))),
            "InvalidTag"
        );
        assert_eq!(code(of_header(Some(&format!("k={}", "v".repeat(256))))), "");
        assert_eq!(
            code(of_header(Some(&format!("k={}", "v".repeat(257))))),
            "InvalidTag"
        );
        // Counted in UTF-16: 129 characters outside the BMP are 258 units.
        assert_eq!(
            code(of_header(Some(&format!("k={}", "\u{1D11E}".repeat(129))))),
            "InvalidTag"
        );
        assert_eq!(of_header(None).ok(), Some(BTreeMap::new()));
    }

    #[test]
    fn tags_become_the_condition_keys_policies_name() {
        let tags = of_header(Some("class=pii")).unwrap_or_default();
        assert_eq!(
            request_context(&tags),
            [
                (
                    "s3:RequestObjectTag/class".to_owned(),
                    ContextValue::Single("pii".to_owned())
                ),
                (
                    "s3:RequestObjectTagKeys".to_owned(),
                    ContextValue::Multi(vec!["class".to_owned()])
                ),
            ]
        );
        assert_eq!(
            existing_context(&tags),
            [(
                "s3:ExistingObjectTag/class".to_owned(),
                ContextValue::Single("pii".to_owned())
            )]
        );
        assert!(reads_existing_tags("s3:GetObject") && !reads_existing_tags("s3:PutObject"));
    }
}
