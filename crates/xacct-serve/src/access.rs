//! Every S3 request is authorized here before its operation runs: the operation becomes the
//! IAM action(s) AWS evaluates for it, on the bucket or object ARN, with the condition keys
//! the request carries, and the engine decides as `xacct check` does (identity policies,
//! bucket policy, SCPs, RCPs, boundary, session policy, the cross-account rule).
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html>

use crate::identity::{Credential, Refusal};
use crate::State;
use hyper::{HeaderMap, StatusCode};
use s3s::access::{S3Access, S3AccessContext};
use s3s::path::S3Path;
use s3s::{s3_error, S3Error, S3ErrorCode, S3Result};
use std::sync::Arc;
use xacct_eval::ContextValue;

/// The S3 access hook of the service.
pub struct Access {
    pub state: Arc<State>,
}

/// One request the engine decides for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub action: &'static str,
    pub resource: String,
    pub context: Vec<(String, ContextValue)>,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The requests AWS authorizes for operation `op` on `path`. `None`: an operation xacct serve
/// does not serve (refused, never let through unchecked). DeleteObjects is authorized per key
/// by the operation itself, as AWS does.
pub fn checks(
    op: &str,
    path: &S3Path,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Option<Vec<Check>> {
    let (bucket, key) = match path {
        S3Path::Root => ("", None),
        S3Path::Bucket { bucket } => (&**bucket, None),
        S3Path::Object { bucket, key } => (&**bucket, Some(&**key)),
    };
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let object_arn = format!("arn:aws:s3:::{bucket}/{}", key.unwrap_or_default());
    let single = |key: &str, value: &str| (key.to_owned(), ContextValue::Single(value.to_owned()));
    let on_bucket = |action: &'static str| Check {
        action,
        resource: bucket_arn.clone(),
        context: Vec::new(),
    };
    let on_object = |action: &'static str| Check {
        action,
        resource: object_arn.clone(),
        context: Vec::new(),
    };
    let write = || {
        let mut put = on_object("s3:PutObject");
        let mut out = Vec::new();
        if let Some(acl) = header(headers, "x-amz-acl") {
            put.context.push(single("s3:x-amz-acl", acl));
            let mut put_acl = on_object("s3:PutObjectAcl");
            put_acl.context.push(single("s3:x-amz-acl", acl));
            out.push(put_acl);
        }
        if let Some(sse) = header(headers, "x-amz-server-side-encryption") {
            put.context
                .push(single("s3:x-amz-server-side-encryption", sse));
        }
        if let Some(key_id) = header(headers, "x-amz-server-side-encryption-aws-kms-key-id") {
            put.context.push(single(
                "s3:x-amz-server-side-encryption-aws-kms-key-id",
                key_id,
            ));
        }
        // A tag-set written with the object: its tags are in the request, and writing them
        // is `s3:PutObjectTagging` as well (a malformed one is refused by the operation).
        let tagging = header(headers, "x-amz-tagging").filter(|tagging| !tagging.is_empty());
        if let Some(tags) = tagging.and_then(crate::s3::tags_of_header) {
            let context = crate::s3::request_tag_context(&tags);
            put.context.extend(context.iter().cloned());
            let mut put_tagging = on_object("s3:PutObjectTagging");
            put_tagging.context = context;
            out.push(put_tagging);
        }
        // Conditional writes, and whether the operation makes the object (bucket policies
        // enforce `If-None-Match` with both keys):
        // <https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html>
        let creates = matches!(op, "PutObject" | "CompleteMultipartUpload" | "CopyObject");
        put.context.push((
            "s3:ObjectCreationOperation".to_owned(),
            ContextValue::Single(creates.to_string()),
        ));
        if creates {
            for (name, key) in [
                ("if-none-match", "s3:if-none-match"),
                ("if-match", "s3:if-match"),
            ] {
                if let Some(value) = header(headers, name) {
                    put.context.push(single(key, value));
                }
            }
        }
        out.insert(0, put);
        out
    };
    let list = || {
        let mut check = on_bucket("s3:ListBucket");
        for (param, key) in [
            ("prefix", "s3:prefix"),
            ("delimiter", "s3:delimiter"),
            ("max-keys", "s3:max-keys"),
        ] {
            if let Some(value) = query_value(query, param) {
                check.context.push(single(key, &value));
            }
        }
        vec![check]
    };
    let copy_source = || -> Option<Check> {
        let source = header(headers, "x-amz-copy-source")?;
        let source = source.split('?').next().unwrap_or(source);
        let decoded = percent_encoding::percent_decode_str(source).decode_utf8_lossy();
        let decoded = decoded.trim_start_matches('/');
        Some(Check {
            action: "s3:GetObject",
            resource: format!("arn:aws:s3:::{decoded}"),
            context: Vec::new(),
        })
    };
    let checks = match op {
        "ListBuckets" => vec![Check {
            action: "s3:ListAllMyBuckets",
            resource: "*".to_owned(),
            context: Vec::new(),
        }],
        "CreateBucket" => vec![on_bucket("s3:CreateBucket")],
        "DeleteBucket" => vec![on_bucket("s3:DeleteBucket")],
        "HeadBucket" | "ListObjects" | "ListObjectsV2" => list(),
        "GetBucketLocation" => vec![on_bucket("s3:GetBucketLocation")],
        "ListMultipartUploads" => vec![on_bucket("s3:ListBucketMultipartUploads")],
        "GetBucketPolicy" => vec![on_bucket("s3:GetBucketPolicy")],
        "PutBucketPolicy" => vec![on_bucket("s3:PutBucketPolicy")],
        "DeleteBucketPolicy" => vec![on_bucket("s3:DeleteBucketPolicy")],
        "GetBucketOwnershipControls" => vec![on_bucket("s3:GetBucketOwnershipControls")],
        "PutBucketOwnershipControls" | "DeleteBucketOwnershipControls" => {
            vec![on_bucket("s3:PutBucketOwnershipControls")]
        }
        "GetPublicAccessBlock" => vec![on_bucket("s3:GetBucketPublicAccessBlock")],
        "PutPublicAccessBlock" | "DeletePublicAccessBlock" => {
            vec![on_bucket("s3:PutBucketPublicAccessBlock")]
        }
        "GetObject" | "HeadObject" => vec![on_object("s3:GetObject")],
        "PutObject" | "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" => write(),
        "CopyObject" | "UploadPartCopy" => {
            let mut out = write();
            out.extend(copy_source());
            out
        }
        "AbortMultipartUpload" => vec![on_object("s3:AbortMultipartUpload")],
        "ListParts" => vec![on_object("s3:ListMultipartUploadParts")],
        "DeleteObject" => vec![on_object("s3:DeleteObject")],
        "GetObjectTagging" => vec![on_object("s3:GetObjectTagging")],
        "DeleteObjectTagging" => vec![on_object("s3:DeleteObjectTagging")],
        // Authorized by the operations themselves: DeleteObjects per key, PutObjectTagging
        // with the tags of its body.
        "DeleteObjects" | "PutObjectTagging" => Vec::new(),
        _ => return None,
    };
    Some(checks)
}

/// The stored objects a request's checks name (by object ARN), each read from the store once
/// however many checks need it (its tags, its owner and ACL).
pub struct NamedObjects<'s> {
    state: &'s State,
    read: std::collections::BTreeMap<String, Option<crate::store::ObjectRecord>>,
}

impl<'s> NamedObjects<'s> {
    pub fn new(state: &'s State) -> Self {
        Self {
            state,
            read: std::collections::BTreeMap::new(),
        }
    }

    /// The object `arn` (`arn:aws:s3:::BUCKET/KEY`) names, if it exists.
    pub fn get(&mut self, arn: &str) -> S3Result<Option<&crate::store::ObjectRecord>> {
        if !self.read.contains_key(arn) {
            let record = match arn
                .strip_prefix("arn:aws:s3:::")
                .and_then(|path| path.split_once('/'))
            {
                Some((bucket, key)) => self
                    .state
                    .store
                    .object(bucket, key)
                    .map_err(S3Error::internal_error)?,
                None => None,
            };
            self.read.insert(arn.to_owned(), record);
        }
        Ok(self.read.get(arn).and_then(Option::as_ref))
    }
}

/// Adds `s3:ExistingObjectTag/KEY` of the object each check names to the checks whose action
/// carries it (as AWS gives it when the object exists): a copy's read of its source carries
/// the source's tags, its write none.
pub fn existing_tags(objects: &mut NamedObjects<'_>, checks: &mut [Check]) -> S3Result<()> {
    for check in checks
        .iter_mut()
        .filter(|check| crate::s3::reads_existing_tags(check.action))
    {
        if let Some(object) = objects.get(&check.resource)? {
            check
                .context
                .extend(crate::s3::existing_tag_context(&object.tags));
        }
    }
    Ok(())
}

/// S3's error for a refused credential.
pub fn refusal_error(refusal: Refusal) -> S3Error {
    match refusal {
        Refusal::UnknownKey => s3_error!(
            InvalidAccessKeyId,
            "The AWS Access Key Id you provided does not exist in our records."
        ),
        Refusal::BadToken => {
            let mut error = S3Error::with_message(
                S3ErrorCode::Custom("InvalidToken".into()),
                "The provided token is malformed or otherwise invalid.",
            );
            error.set_status_code(StatusCode::BAD_REQUEST);
            error
        }
        Refusal::Expired => {
            let mut error = S3Error::with_message(
                S3ErrorCode::Custom("ExpiredToken".into()),
                "The provided token has expired.",
            );
            error.set_status_code(StatusCode::BAD_REQUEST);
            error
        }
    }
}

/// AccessDenied with AWS's message and xacct's reason in `x-xacct-explanation`.
pub fn access_denied(message: &str, reason: &str) -> S3Error {
    let mut error = S3Error::with_message(S3ErrorCode::AccessDenied, message.to_owned());
    let mut headers = HeaderMap::new();
    if let Ok(value) = hyper::header::HeaderValue::from_str(reason) {
        headers.insert("x-xacct-explanation", value);
    }
    error.set_headers(headers);
    error
}

/// Decides `checks` for `credential`; the first refusal is the answer.
pub fn authorize(state: &State, credential: &Credential, checks: &[Check]) -> S3Result<()> {
    let session = credential.identity.session();
    for check in checks {
        let verdict = state
            .engine
            .decide(&session, check.action, &check.resource, &check.context)
            .map_err(|error| match error {
                xacct_world::RequestError::UnknownBucket(_) => s3_error!(NoSuchBucket),
                other => s3_error!(InvalidRequest, "{other}"),
            })?;
        if !verdict.allowed {
            return Err(access_denied(&verdict.message, &verdict.reason));
        }
    }
    Ok(())
}

/// One KMS call S3 makes as the requester: the action, the key ARN, and the object whose ARN
/// is the encryption context (`aws:s3:arn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsCall {
    pub action: &'static str,
    pub key: String,
    pub object: String,
}

fn kms_state_error(reply: crate::kms::KmsReply) -> S3Error {
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    let field = |name: &str| {
        body.get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut error = S3Error::with_message(
        S3ErrorCode::Custom(format!("KMS.{}", field("__type")).into()),
        field("message"),
    );
    error.set_status_code(StatusCode::BAD_REQUEST);
    error
}

fn kms_not_found(named: &str) -> S3Error {
    let mut error = S3Error::with_message(
        S3ErrorCode::Custom("KMS.NotFoundException".into()),
        format!("Invalid keyId '{named}'"),
    );
    error.set_status_code(StatusCode::BAD_REQUEST);
    error
}

/// The KMS calls S3 makes for an SSE-KMS operation, as the requester: GenerateDataKey for a
/// write sealed with a KMS key (the header's key, or the bucket's default key when the request
/// names no encryption), Decrypt for reading an object sealed with one (a GetObject, or the
/// source of a copy). A key named by alias or key id is the requester's, as S3 reads it.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html>
pub fn kms_calls(
    state: &State,
    op: &str,
    path: &S3Path,
    headers: &HeaderMap,
    credential: &Credential,
) -> S3Result<Vec<KmsCall>> {
    let S3Path::Object { bucket, key } = path else {
        return Ok(Vec::new());
    };
    let Some(record) = state
        .store
        .bucket(bucket)
        .map_err(S3Error::internal_error)?
    else {
        return Ok(Vec::new());
    };
    let account = credential.identity.account();
    let resolve = |named: &str| {
        crate::kms::resolve(state, named, &account, &record.region)
            .ok_or_else(|| kms_not_found(named))
    };
    let mut calls = Vec::new();
    if matches!(op, "PutObject" | "CreateMultipartUpload" | "CopyObject") {
        // `aws:kms` without a key: the bucket account's `aws/s3`, made on first use.
        let managed = || {
            crate::kms::managed::s3_key(state, &record.account, &record.region)
                .map_err(|reply| s3_error!(InternalError, "{}", reply.body))
        };
        let sealed_with = match header(headers, "x-amz-server-side-encryption") {
            Some(sse) if sse.starts_with("aws:kms") => {
                match header(headers, "x-amz-server-side-encryption-aws-kms-key-id") {
                    Some(named) => Some(resolve(named)?),
                    None => Some(managed()?),
                }
            }
            Some(_) => None,
            None => match &record.encryption {
                Some((sse, Some(key))) if sse.starts_with("aws:kms") => Some(resolve(key)?),
                Some((sse, None)) if sse.starts_with("aws:kms") => Some(managed()?),
                _ => None,
            },
        };
        if let Some(arn) = sealed_with {
            calls.push(KmsCall {
                action: "kms:GenerateDataKey",
                key: arn,
                object: format!("arn:aws:s3:::{bucket}/{key}"),
            });
        }
    }
    let read = match op {
        "GetObject" => Some((bucket.to_string(), key.to_string())),
        "CopyObject" => header(headers, "x-amz-copy-source").and_then(|source| {
            let source = source.split('?').next().unwrap_or(source);
            let decoded = percent_encoding::percent_decode_str(source).decode_utf8_lossy();
            let (bucket, key) = decoded.trim_start_matches('/').split_once('/')?;
            Some((bucket.to_owned(), key.to_owned()))
        }),
        _ => None,
    };
    if let Some((bucket, key)) = read {
        let object = state
            .store
            .object(&bucket, &key)
            .map_err(S3Error::internal_error)?;
        if let Some(Some((sse, Some(named)))) = object.map(|object| object.encryption) {
            if sse.starts_with("aws:kms") {
                calls.push(KmsCall {
                    action: "kms:Decrypt",
                    key: resolve(&named)?,
                    object: format!("arn:aws:s3:::{bucket}/{key}"),
                });
            }
        }
    }
    Ok(calls)
}

/// Decides each KMS call as the requester through S3 (`kms:ViaService`); a refusal is S3's
/// AccessDenied with KMS's message.
pub fn authorize_kms(state: &State, credential: &Credential, calls: &[KmsCall]) -> S3Result<()> {
    for call in calls {
        let region = call
            .key
            .strip_prefix("arn:aws:kms:")
            .and_then(|rest| rest.split(':').next())
            .unwrap_or("us-east-1");
        let caller = crate::kms::Caller {
            credential,
            region,
            via: Some("s3"),
        };
        let context =
            std::collections::BTreeMap::from([("aws:s3:arn".to_owned(), call.object.clone())]);
        let verdict = crate::kms::decide(state, &caller, call.action, &call.key, &context)
            .map_err(|error| s3_error!(InvalidRequest, "{error}"))?;
        if !verdict.allowed {
            return Err(access_denied(&verdict.message, &verdict.reason));
        }
        // A disabled key, or one pending deletion, refuses S3's call as it refuses the
        // caller's: S3 answers with KMS's error code under `KMS.`.
        crate::kms::usable(state, &call.key).map_err(kms_state_error)?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl S3Access for Access {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let Some(credentials) = cx.credentials() else {
            return Err(s3_error!(
                AccessDenied,
                "Anonymous access is not served: sign requests with a profile xacct serve printed"
            ));
        };
        // The session token: a header, or the query of a presigned URL.
        let presigned_token = query_value(cx.uri().query(), "X-Amz-Security-Token");
        let token = presigned_token
            .as_deref()
            .or_else(|| header(cx.headers(), "x-amz-security-token"));
        let credential = self
            .state
            .keys
            .check(
                &credentials.access_key,
                token,
                jiff::Timestamp::now().as_second(),
            )
            .map_err(refusal_error)?;
        let op = cx.s3_op().name();
        let Some(checks) = checks(op, cx.s3_path(), cx.headers(), cx.uri().query()) else {
            return Err(s3_error!(
                NotImplemented,
                "xacct serve does not serve {op} yet"
            ));
        };
        if let Some(bucket) = cx.s3_path().get_bucket_name() {
            let exists = self.state.store.has_bucket(bucket);
            if op == "CreateBucket" {
                if exists {
                    return Err(s3_error!(
                        BucketAlreadyExists,
                        "The requested bucket name is not available."
                    ));
                }
                self.state.assume_new_bucket(bucket);
            } else if !exists {
                return Err(s3_error!(
                    NoSuchBucket,
                    "The specified bucket does not exist"
                ));
            }
        }
        // Explicit grants would change who may read the object; they are not modelled, so a
        // request carrying one is refused rather than stored without them.
        if let Some(name) = cx
            .headers()
            .keys()
            .find(|name| name.as_str().starts_with("x-amz-grant-"))
        {
            return Err(s3_error!(
                NotImplemented,
                "`{name}` (an explicit ACL grant) is not served: send a canned ACL (`x-amz-acl`) or none"
            ));
        }
        if query_value(cx.uri().query(), "versionId").is_some() {
            return Err(s3_error!(
                NotImplemented,
                "object versions are not served (nor is versioning): a request naming a versionId is refused, not answered with the latest object"
            ));
        }
        let mut checks = checks;
        let mut objects = NamedObjects::new(&self.state);
        existing_tags(&mut objects, &mut checks)?;
        authorize(&self.state, &credential, &checks)?;
        crate::s3::object_context::on_read(
            &self.state,
            &mut objects,
            &checks,
            &credential.identity.account(),
        )?;
        let calls = kms_calls(&self.state, op, cx.s3_path(), cx.headers(), &credential)?;
        authorize_kms(&self.state, &credential, &calls)?;
        cx.extensions_mut().insert(credential);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(bucket: &str, key: &str) -> S3Path {
        S3Path::Object {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    #[test]
    fn a_put_with_a_canned_acl_needs_put_object_acl_too() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-acl",
            hyper::header::HeaderValue::from_static("bucket-owner-full-control"),
        );
        let found = checks("PutObject", &object("lake", "a/b"), &headers, None).unwrap_or_default();
        let actions: Vec<_> = found.iter().map(|check| check.action).collect();
        assert_eq!(actions, ["s3:PutObject", "s3:PutObjectAcl"]);
        assert!(found
            .iter()
            .all(|check| check.resource == "arn:aws:s3:::lake/a/b"));
        let acl = (
            "s3:x-amz-acl".to_owned(),
            ContextValue::Single("bucket-owner-full-control".to_owned()),
        );
        let creates = (
            "s3:ObjectCreationOperation".to_owned(),
            ContextValue::Single("true".to_owned()),
        );
        let contexts: Vec<_> = found.iter().map(|check| check.context.clone()).collect();
        assert_eq!(contexts, [vec![acl.clone(), creates], vec![acl]]);
    }

    /// The keys a bucket policy enforces conditional writes with: `s3:if-none-match` and
    /// `s3:if-match` on the operations that make the object, `s3:ObjectCreationOperation`
    /// false on the multipart steps that cannot carry them.
    #[test]
    fn conditional_writes_carry_their_headers_and_whether_they_create() {
        let mut headers = HeaderMap::new();
        headers.insert(
            hyper::header::IF_NONE_MATCH,
            hyper::header::HeaderValue::from_static("*"),
        );
        let context = |op: &str| {
            checks(op, &object("lake", "k"), &headers, None)
                .unwrap_or_default()
                .first()
                .map(|check| check.context.clone())
                .unwrap_or_default()
        };
        let single =
            |key: &str, value: &str| (key.to_owned(), ContextValue::Single(value.to_owned()));
        for op in ["PutObject", "CompleteMultipartUpload"] {
            assert_eq!(
                context(op),
                [
                    single("s3:ObjectCreationOperation", "true"),
                    single("s3:if-none-match", "*")
                ],
                "{op}"
            );
        }
        for op in ["CreateMultipartUpload", "UploadPart"] {
            assert_eq!(
                context(op),
                [single("s3:ObjectCreationOperation", "false")],
                "{op}"
            );
        }
    }

    #[test]
    fn a_listing_carries_its_prefix_and_a_copy_reads_its_source() {
        let bucket = S3Path::Bucket {
            bucket: "lake".into(),
        };
        let found = checks(
            "ListObjectsV2",
            &bucket,
            &HeaderMap::new(),
            Some("list-type=2&prefix=sales%2F&delimiter=%2F"),
        )
        .unwrap_or_default();
        let context = found.first().map(|check| check.context.clone());
        assert_eq!(
            context,
            Some(vec![
                (
                    "s3:prefix".to_owned(),
                    ContextValue::Single("sales/".to_owned())
                ),
                (
                    "s3:delimiter".to_owned(),
                    ContextValue::Single("/".to_owned())
                ),
            ])
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-copy-source",
            hyper::header::HeaderValue::from_static("/src/a%20b?versionId=1"),
        );
        let found = checks("CopyObject", &object("dst", "k"), &headers, None).unwrap_or_default();
        let pairs: Vec<_> = found
            .iter()
            .map(|check| (check.action, check.resource.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("s3:PutObject", "arn:aws:s3:::dst/k"),
                ("s3:GetObject", "arn:aws:s3:::src/a b")
            ]
        );
    }

    #[test]
    fn an_sse_kms_write_and_read_call_kms_on_the_key_the_bucket_names() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("a temporary folder");
        };
        let state = crate::test_support::served("s3-sse-kms", dir.path());
        assert_eq!(crate::world_sync::sync(&state), Ok(()));
        let session = xacct_world::Session::of(xacct_world::Principal::Role(
            "arn:aws:iam::111111111111:role/dbx-ip-role".to_owned(),
        ));
        let credential = Credential {
            access_key_id: "AKIATEST".to_owned(),
            secret_access_key: "secret".to_owned(),
            session_token: None,
            expires: None,
            identity: crate::identity::Identity::of(&session, None),
        };
        let key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        // No SSE header: the bucket's default key.
        let calls = kms_calls(
            &state,
            "PutObject",
            &object("lake-b", "a"),
            &HeaderMap::new(),
            &credential,
        );
        assert_eq!(
            calls.ok(),
            Some(vec![KmsCall {
                action: "kms:GenerateDataKey",
                key: key.to_owned(),
                object: "arn:aws:s3:::lake-b/a".to_owned(),
            }])
        );
        // SSE-S3 asked for: no KMS call.
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-server-side-encryption",
            hyper::header::HeaderValue::from_static("AES256"),
        );
        let calls = kms_calls(
            &state,
            "PutObject",
            &object("lake-b", "a"),
            &headers,
            &credential,
        );
        assert_eq!(calls.ok(), Some(Vec::new()));
        // A key id the requester's account does not hold.
        headers.insert(
            "x-amz-server-side-encryption",
            hyper::header::HeaderValue::from_static("aws:kms"),
        );
        headers.insert(
            "x-amz-server-side-encryption-aws-kms-key-id",
            hyper::header::HeaderValue::from_static("alias/none"),
        );
        let refused = kms_calls(
            &state,
            "PutObject",
            &object("lake-b", "a"),
            &headers,
            &credential,
        );
        assert_eq!(
            refused.err().map(|error| error.code().as_str().to_owned()),
            Some("KMS.NotFoundException".to_owned())
        );
    }

    #[test]
    fn an_operation_not_served_is_refused_not_let_through() {
        assert_eq!(
            checks(
                "PutBucketLifecycleConfiguration",
                &S3Path::Root,
                &HeaderMap::new(),
                None
            ),
            None
        );
    }
}
