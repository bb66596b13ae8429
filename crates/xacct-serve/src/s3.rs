//! The S3 operations, on the s3s crate's protocol layer and the redb store. Authorization has
//! already happened in [`crate::access`] when an operation runs (DeleteObjects excepted: it
//! authorizes each key, as AWS does); the operation reads the caller from the request.

mod conditions;
pub(crate) mod object_context;
mod records;
mod tagging;

use crate::access::{authorize, Check};
use records::NewObject;
pub use tagging::{
    existing_context as existing_tag_context, reads_existing_tags,
    request_context as request_tag_context,
};

/// The tags of an `x-amz-tagging` header, or `None` when S3 would refuse them.
pub fn tags_of_header(header: &str) -> Option<BTreeMap<String, String>> {
    tagging::of_header(Some(header)).ok()
}
use crate::identity::Credential;
use crate::store::{BucketRecord, UploadRecord};
use crate::world_sync::PolicyRefusal;
use crate::State;
use futures::StreamExt as _;
use jiff::Timestamp;
use md5::Digest as _;
use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, Bucket, CompleteMultipartUploadInput,
    CompleteMultipartUploadOutput, CopyObjectInput, CopyObjectOutput, CopyObjectResult, CopySource,
    CreateBucketInput, CreateBucketOutput, CreateMultipartUploadInput, CreateMultipartUploadOutput,
    DeleteBucketInput, DeleteBucketOutput, DeleteBucketOwnershipControlsInput,
    DeleteBucketOwnershipControlsOutput, DeleteBucketPolicyInput, DeleteBucketPolicyOutput,
    DeleteObjectInput, DeleteObjectOutput, DeleteObjectTaggingInput, DeleteObjectTaggingOutput,
    DeleteObjectsInput, DeleteObjectsOutput, DeletePublicAccessBlockInput,
    DeletePublicAccessBlockOutput, DeletedObject, ETag, ETagCondition, GetBucketLocationInput,
    GetBucketLocationOutput, GetBucketOwnershipControlsInput, GetBucketOwnershipControlsOutput,
    GetBucketPolicyInput, GetBucketPolicyOutput, GetObjectInput, GetObjectOutput,
    GetObjectTaggingInput, GetObjectTaggingOutput, GetPublicAccessBlockInput,
    GetPublicAccessBlockOutput, HeadBucketInput, HeadBucketOutput, HeadObjectInput,
    HeadObjectOutput, ListBucketsInput, ListBucketsOutput, ListObjectsInput, ListObjectsOutput,
    ListObjectsV2Input, ListObjectsV2Output, Owner, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, PutBucketOwnershipControlsInput,
    PutBucketOwnershipControlsOutput, PutBucketPolicyInput, PutBucketPolicyOutput, PutObjectInput,
    PutObjectOutput, PutObjectTaggingInput, PutObjectTaggingOutput, PutPublicAccessBlockInput,
    PutPublicAccessBlockOutput, ServerSideEncryption, StreamingBlob, Timestamp as S3Timestamp,
    UploadPartInput, UploadPartOutput,
};
use s3s::{s3_error, S3Error, S3Request, S3Response, S3Result, S3};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// The S3 implementation.
pub struct Objects {
    pub state: Arc<State>,
}

fn internal(error: impl std::error::Error + Send + Sync + 'static) -> S3Error {
    S3Error::internal_error(error)
}

fn caller<T>(req: &S3Request<T>) -> S3Result<Credential> {
    req.extensions
        .get::<Credential>()
        .cloned()
        .ok_or_else(|| s3_error!(AccessDenied, "the request was not authorized"))
}

fn timestamp(seconds: i64) -> S3Timestamp {
    S3Timestamp::from(UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
}

fn etag(text: &str) -> ETag {
    ETag::Strong(text.to_owned())
}

async fn read_all(body: Option<StreamingBlob>) -> S3Result<Vec<u8>> {
    let mut data = Vec::new();
    if let Some(mut body) = body {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|error| s3_error!(IncompleteBody, "{error}"))?;
            data.extend_from_slice(&chunk);
        }
    }
    Ok(data)
}

fn md5_hex(data: &[u8]) -> String {
    hex::encode(md5::Md5::digest(data))
}

fn owner(account: &str) -> Owner {
    Owner {
        display_name: None,
        id: Some(account.to_owned()),
    }
}

fn policy_refusal(refusal: PolicyRefusal) -> S3Error {
    match refusal {
        PolicyRefusal::Malformed(message) => s3_error!(MalformedPolicy, "{message}"),
        PolicyRefusal::Denied(message) => s3_error!(AccessDenied, "{message}"),
    }
}

fn metadata_map(metadata: Option<s3s::dto::Metadata>) -> BTreeMap<String, String> {
    metadata.unwrap_or_default().into_iter().collect()
}

fn encryption(
    sse: Option<&ServerSideEncryption>,
    key: Option<&String>,
) -> Option<(String, Option<String>)> {
    sse.map(|sse| (sse.as_str().to_owned(), key.cloned()))
}

#[async_trait::async_trait]
impl S3 for Objects {
    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let account = caller(&req)?.identity.account();
        let buckets = self
            .state
            .store
            .buckets()
            .map_err(internal)?
            .into_iter()
            .filter(|(_, record)| record.account == account)
            .map(|(name, record)| Bucket {
                bucket_region: Some(record.region),
                creation_date: Some(timestamp(record.created)),
                name: Some(name),
            })
            .collect();
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            owner: Some(owner(&account)),
            ..ListBucketsOutput::default()
        }))
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let credential = caller(&req)?;
        let input = req.input;
        let region = input
            .create_bucket_configuration
            .and_then(|config| config.location_constraint)
            .map_or_else(
                || "us-east-1".to_owned(),
                |region| region.as_str().to_owned(),
            );
        let record = BucketRecord {
            account: credential.identity.account(),
            region,
            created: Timestamp::now().as_second(),
            policy: None,
            ownership: input.object_ownership.map_or_else(
                || "BucketOwnerEnforced".to_owned(),
                |o| o.as_str().to_owned(),
            ),
            // New buckets block public access (the default since April 2023).
            block_public_access: Some([true; 4]),
            encryption: Some(("AES256".to_owned(), None)),
        };
        self.state
            .add_bucket(&input.bucket, &record)
            .map_err(|message| s3_error!(InvalidRequest, "{message}"))?;
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", input.bucket)),
        }))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let bucket = req.input.bucket;
        if !self.state.store.delete_bucket(&bucket).map_err(internal)? {
            return Err(s3_error!(
                BucketNotEmpty,
                "The bucket you tried to delete is not empty"
            ));
        }
        self.state.engine.world_mut().buckets.remove(&bucket);
        Ok(S3Response::new(DeleteBucketOutput {}))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        let record = self.bucket(&req.input.bucket)?;
        Ok(S3Response::new(HeadBucketOutput {
            bucket_region: Some(record.region),
            ..HeadBucketOutput::default()
        }))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        let record = self.bucket(&req.input.bucket)?;
        // us-east-1 is answered with an empty LocationConstraint.
        let location = (record.region != "us-east-1").then(|| record.region.into());
        Ok(S3Response::new(GetBucketLocationOutput {
            location_constraint: location,
        }))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        self.bucket(&input.bucket)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let after = input
            .continuation_token
            .clone()
            .or_else(|| input.start_after.clone());
        let max_keys = input.max_keys.unwrap_or(1000).clamp(0, 1000);
        let (contents, prefixes, next) = self.list(
            &input.bucket,
            &prefix,
            input.delimiter.as_deref(),
            after.as_deref(),
            usize::try_from(max_keys).unwrap_or(1000),
        )?;
        let count = i32::try_from(contents.len() + prefixes.len()).unwrap_or(i32::MAX);
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: Some(prefix),
            max_keys: Some(max_keys),
            key_count: Some(count),
            continuation_token: input.continuation_token,
            is_truncated: Some(next.is_some()),
            next_continuation_token: next,
            contents: Some(contents),
            common_prefixes: Some(prefixes),
            delimiter: input.delimiter,
            encoding_type: input.encoding_type,
            start_after: input.start_after,
            ..ListObjectsV2Output::default()
        }))
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        self.bucket(&input.bucket)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max_keys = input.max_keys.unwrap_or(1000).clamp(0, 1000);
        let (contents, prefixes, next) = self.list(
            &input.bucket,
            &prefix,
            input.delimiter.as_deref(),
            input.marker.as_deref(),
            usize::try_from(max_keys).unwrap_or(1000),
        )?;
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket),
            prefix: Some(prefix),
            marker: input.marker,
            max_keys: Some(max_keys),
            is_truncated: Some(next.is_some()),
            contents: Some(contents),
            common_prefixes: Some(prefixes),
            next_marker: if input.delimiter.is_some() {
                next
            } else {
                None
            },
            delimiter: input.delimiter,
            encoding_type: input.encoding_type,
            ..ListObjectsOutput::default()
        }))
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let credential = caller(&req)?;
        let input = req.input;
        let precondition =
            conditions::of_write(input.if_none_match.as_ref(), input.if_match.as_ref())?;
        let data = read_all(input.body).await?;
        let etag_text = md5_hex(&data);
        let record = self
            .write(
                &input.bucket,
                &input.key,
                &credential,
                NewObject {
                    acl: input.acl.as_ref().map(|acl| acl.as_str()),
                    content_type: input.content_type.map(|value| value.to_string()),
                    metadata: metadata_map(input.metadata),
                    encryption: encryption(
                        input.server_side_encryption.as_ref(),
                        input.ssekms_key_id.as_ref(),
                    ),
                    tags: tagging::of_header(input.tagging.as_deref())?,
                    data,
                    etag: etag_text,
                    precondition,
                },
            )
            .await?;
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(etag(&record.etag)),
            server_side_encryption: record
                .encryption
                .as_ref()
                .map(|(sse, _)| ServerSideEncryption::from(sse.clone())),
            ssekms_key_id: record.encryption.and_then(|(_, key)| key),
            ..PutObjectOutput::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        let (record, data) = self
            .state
            .store
            .object_with_data(&input.bucket, &input.key)
            .map_err(internal)?
            .ok_or_else(|| s3_error!(NoSuchKey, "The specified key does not exist."))?;
        conditions::ReadConditions {
            if_match: input.if_match.as_ref(),
            if_none_match: input.if_none_match.as_ref(),
            if_modified_since: input.if_modified_since.as_ref(),
            if_unmodified_since: input.if_unmodified_since.as_ref(),
        }
        .check(&record)?;
        let tags = record.tags.clone();
        let (body, range) = match &input.range {
            Some(range) => {
                let span = range
                    .check(data.len() as u64)
                    .map_err(|_| s3_error!(InvalidRange))?;
                let start = usize::try_from(span.start).unwrap_or(0);
                let end = usize::try_from(span.end).unwrap_or(0);
                let part = data.get(start..end).unwrap_or_default().to_vec();
                let header = format!(
                    "bytes {}-{}/{}",
                    span.start,
                    span.end.saturating_sub(1),
                    data.len()
                );
                (part, Some(header))
            }
            None => (data, None),
        };
        let length = i64::try_from(body.len()).unwrap_or(i64::MAX);
        Ok(S3Response::new(GetObjectOutput {
            body: Some(StreamingBlob::from(s3s::Body::from(body))),
            content_length: Some(length),
            content_range: range,
            content_type: record.content_type.and_then(|value| value.parse().ok()),
            e_tag: Some(etag(&record.etag)),
            last_modified: Some(timestamp(record.modified)),
            metadata: Some(record.metadata.into_iter().collect()),
            server_side_encryption: record
                .encryption
                .as_ref()
                .map(|(sse, _)| ServerSideEncryption::from(sse.clone())),
            accept_ranges: Some("bytes".to_owned()),
            tag_count: (!tags.is_empty()).then(|| i32::try_from(tags.len()).unwrap_or(i32::MAX)),
            ..GetObjectOutput::default()
        }))
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = req.input;
        let record = self.object(&input.bucket, &input.key)?;
        conditions::ReadConditions {
            if_match: input.if_match.as_ref(),
            if_none_match: input.if_none_match.as_ref(),
            if_modified_since: input.if_modified_since.as_ref(),
            if_unmodified_since: input.if_unmodified_since.as_ref(),
        }
        .check(&record)?;
        Ok(S3Response::new(HeadObjectOutput {
            content_length: i64::try_from(record.size).ok(),
            content_type: record.content_type.and_then(|value| value.parse().ok()),
            e_tag: Some(etag(&record.etag)),
            last_modified: Some(timestamp(record.modified)),
            metadata: Some(record.metadata.into_iter().collect()),
            server_side_encryption: record
                .encryption
                .map(|(sse, _)| ServerSideEncryption::from(sse)),
            ..HeadObjectOutput::default()
        }))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = req.input;
        let precondition = conditions::of_delete(
            input.if_match.as_ref(),
            input.if_match_last_modified_time.is_some() || input.if_match_size.is_some(),
        )?;
        self.state
            .store
            .remove_object(&input.bucket, &input.key, precondition)
            .await
            .map_err(conditions::write_error)?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let credential = caller(&req)?;
        let input = req.input;
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for object in input.delete.objects {
            let check = Check {
                action: "s3:DeleteObject",
                resource: format!("arn:aws:s3:::{}/{}", input.bucket, object.key),
                context: Vec::new(),
            };
            // Each key's own `ETag` is its conditional delete; a version is not served.
            let authorized = if object.version_id.is_some() {
                Err(s3_error!(NotImplemented, "object versions are not served"))
            } else {
                authorize(&self.state, &credential, &[check])
            };
            let removed = match authorized {
                Ok(()) => {
                    let precondition = conditions::of_delete(
                        object.e_tag.clone().map(ETagCondition::ETag).as_ref(),
                        object.last_modified_time.is_some() || object.size.is_some(),
                    );
                    match precondition {
                        Ok(precondition) => self
                            .state
                            .store
                            .remove_object(&input.bucket, &object.key, precondition)
                            .await
                            .map_err(conditions::write_error),
                        Err(error) => Err(error),
                    }
                }
                Err(error) => Err(error),
            };
            match removed {
                Ok(()) => {
                    deleted.push(DeletedObject {
                        key: Some(object.key),
                        ..DeletedObject::default()
                    });
                }
                Err(error) => errors.push(s3s::dto::Error {
                    code: Some(error.code().as_str().to_owned()),
                    key: Some(object.key),
                    message: error.message().map(str::to_owned),
                    version_id: None,
                }),
            }
        }
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: Some(deleted),
            errors: Some(errors),
            ..DeleteObjectsOutput::default()
        }))
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let credential = caller(&req)?;
        // As AWS: "CopyObject requests made with those HTTP headers fail with a 501" (s3s
        // does not parse them for a copy, so they are looked for here, never ignored).
        if req.headers.contains_key(hyper::header::IF_NONE_MATCH)
            || req.headers.contains_key(hyper::header::IF_MATCH)
        {
            return Err(s3_error!(
                NotImplemented,
                "A header you provided implies functionality that is not implemented"
            ));
        }
        let input = req.input;
        let CopySource::Bucket {
            bucket: source_bucket,
            key: source_key,
            ..
        } = &input.copy_source
        else {
            return Err(s3_error!(
                NotImplemented,
                "copies from access points are not served"
            ));
        };
        let (source, data) = self
            .state
            .store
            .object_with_data(source_bucket, source_key)
            .map_err(internal)?
            .ok_or_else(|| s3_error!(NoSuchKey, "The specified key does not exist."))?;
        conditions::ReadConditions {
            if_match: input.copy_source_if_match.as_ref(),
            if_none_match: input.copy_source_if_none_match.as_ref(),
            if_modified_since: input.copy_source_if_modified_since.as_ref(),
            if_unmodified_since: input.copy_source_if_unmodified_since.as_ref(),
        }
        .check_copy_source(&source)?;
        let replace = input
            .metadata_directive
            .as_ref()
            .is_some_and(|directive| directive.as_str() == "REPLACE");
        // `x-amz-tagging-directive`: the source's tags unless REPLACE says the request's.
        let tags = if input
            .tagging_directive
            .as_ref()
            .is_some_and(|directive| directive.as_str() == "REPLACE")
        {
            tagging::of_header(input.tagging.as_deref())?
        } else {
            source.tags.clone()
        };
        let (content_type, metadata) = if replace {
            (
                input.content_type.map(|value| value.to_string()),
                metadata_map(input.metadata),
            )
        } else {
            (source.content_type.clone(), source.metadata.clone())
        };
        let record = self
            .write(
                &input.bucket,
                &input.key,
                &credential,
                NewObject {
                    acl: input.acl.as_ref().map(|acl| acl.as_str()),
                    content_type,
                    metadata,
                    encryption: encryption(
                        input.server_side_encryption.as_ref(),
                        input.ssekms_key_id.as_ref(),
                    ),
                    tags,
                    data,
                    etag: source.etag.clone(),
                    precondition: None,
                },
            )
            .await?;
        Ok(S3Response::new(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(etag(&record.etag)),
                last_modified: Some(timestamp(record.modified)),
                ..CopyObjectResult::default()
            }),
            ..CopyObjectOutput::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let credential = caller(&req)?;
        let input = req.input;
        self.bucket(&input.bucket)?;
        let mut id = [0u8; 16];
        rand::Rng::fill(&mut rand::thread_rng(), &mut id);
        let id = hex::encode(id);
        let record = UploadRecord {
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            content_type: input.content_type.map(|value| value.to_string()),
            owner: object_context::on_write(
                &self.state,
                &input.bucket,
                &credential.identity.account(),
                input.acl.as_ref().map(|acl| acl.as_str()),
            )?,
            tags: tagging::of_header(input.tagging.as_deref())?,
            acl: input.acl.as_ref().map(|acl| acl.as_str().to_owned()),
        };
        self.state
            .store
            .put_upload(&id, &record)
            .map_err(internal)?;
        Ok(S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(id),
            ..CreateMultipartUploadOutput::default()
        }))
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let input = req.input;
        let upload = self.upload(&input.upload_id)?;
        if upload.bucket != input.bucket || upload.key != input.key {
            return Err(s3_error!(NoSuchUpload));
        }
        let number = u32::try_from(input.part_number)
            .ok()
            .filter(|number| (1..=10_000).contains(number))
            .ok_or_else(|| {
                s3_error!(
                    InvalidArgument,
                    "Part number must be an integer between 1 and 10000, inclusive"
                )
            })?;
        let data = read_all(input.body).await?;
        let part_etag = md5_hex(&data);
        self.state
            .store
            .write_part(&input.upload_id, number, data)
            .await
            .map_err(internal)?;
        Ok(S3Response::new(UploadPartOutput {
            e_tag: Some(etag(&part_etag)),
            ..UploadPartOutput::default()
        }))
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let credential = caller(&req)?;
        let input = req.input;
        let precondition =
            conditions::of_write(input.if_none_match.as_ref(), input.if_match.as_ref())?;
        let upload = self.upload(&input.upload_id)?;
        let parts = input
            .multipart_upload
            .and_then(|upload| upload.parts)
            .unwrap_or_default();
        let mut data = Vec::new();
        let mut digests = Vec::new();
        for part in &parts {
            let number = part
                .part_number
                .and_then(|number| u32::try_from(number).ok())
                .ok_or_else(|| s3_error!(InvalidPart))?;
            let bytes = self
                .state
                .store
                .part(&input.upload_id, number)
                .map_err(internal)?
                .ok_or_else(|| s3_error!(InvalidPart))?;
            digests.extend_from_slice(&md5::Md5::digest(&bytes));
            data.extend_from_slice(&bytes);
        }
        let etag_text = format!("{}-{}", md5_hex(&digests), parts.len());
        let record = self
            .write(
                &upload.bucket,
                &upload.key,
                &credential,
                NewObject {
                    acl: upload.acl.as_deref(),
                    content_type: upload.content_type,
                    metadata: BTreeMap::new(),
                    encryption: None,
                    tags: upload.tags,
                    data,
                    etag: etag_text,
                    precondition,
                },
            )
            .await?;
        self.state
            .store
            .delete_upload(&input.upload_id)
            .map_err(internal)?;
        Ok(S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            e_tag: Some(etag(&record.etag)),
            ..CompleteMultipartUploadOutput::default()
        }))
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.state
            .store
            .delete_upload(&req.input.upload_id)
            .map_err(internal)?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    async fn get_object_tagging(
        &self,
        req: S3Request<GetObjectTaggingInput>,
    ) -> S3Result<S3Response<GetObjectTaggingOutput>> {
        Ok(S3Response::new(tagging::get(self, &req.input)?))
    }

    async fn put_object_tagging(
        &self,
        req: S3Request<PutObjectTaggingInput>,
    ) -> S3Result<S3Response<PutObjectTaggingOutput>> {
        tagging::put(self, req).await
    }

    async fn delete_object_tagging(
        &self,
        req: S3Request<DeleteObjectTaggingInput>,
    ) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
        Ok(S3Response::new(tagging::delete(self, &req.input).await?))
    }

    async fn get_bucket_policy(
        &self,
        req: S3Request<GetBucketPolicyInput>,
    ) -> S3Result<S3Response<GetBucketPolicyOutput>> {
        let record = self.bucket(&req.input.bucket)?;
        let policy = record
            .policy
            .ok_or_else(|| s3_error!(NoSuchBucketPolicy, "The bucket policy does not exist"))?;
        Ok(S3Response::new(GetBucketPolicyOutput {
            policy: Some(policy),
        }))
    }

    async fn put_bucket_policy(
        &self,
        req: S3Request<PutBucketPolicyInput>,
    ) -> S3Result<S3Response<PutBucketPolicyOutput>> {
        let input = req.input;
        self.state
            .set_bucket_policy(&input.bucket, Some(input.policy))
            .map_err(policy_refusal)?;
        Ok(S3Response::new(PutBucketPolicyOutput {}))
    }

    async fn delete_bucket_policy(
        &self,
        req: S3Request<DeleteBucketPolicyInput>,
    ) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
        self.state
            .set_bucket_policy(&req.input.bucket, None)
            .map_err(policy_refusal)?;
        Ok(S3Response::new(DeleteBucketPolicyOutput {}))
    }

    async fn get_bucket_ownership_controls(
        &self,
        req: S3Request<GetBucketOwnershipControlsInput>,
    ) -> S3Result<S3Response<GetBucketOwnershipControlsOutput>> {
        let record = self.bucket(&req.input.bucket)?;
        Ok(S3Response::new(GetBucketOwnershipControlsOutput {
            ownership_controls: Some(OwnershipControls {
                rules: vec![OwnershipControlsRule {
                    object_ownership: record.ownership.into(),
                }],
            }),
        }))
    }

    async fn put_bucket_ownership_controls(
        &self,
        req: S3Request<PutBucketOwnershipControlsInput>,
    ) -> S3Result<S3Response<PutBucketOwnershipControlsOutput>> {
        let input = req.input;
        let ownership = input
            .ownership_controls
            .rules
            .first()
            .map(|rule| rule.object_ownership.as_str().to_owned())
            .ok_or_else(|| s3_error!(MalformedXML))?;
        self.state
            .set_ownership(&input.bucket, &ownership)
            .map_err(|message| s3_error!(InvalidRequest, "{message}"))?;
        Ok(S3Response::new(PutBucketOwnershipControlsOutput {}))
    }

    async fn delete_bucket_ownership_controls(
        &self,
        req: S3Request<DeleteBucketOwnershipControlsInput>,
    ) -> S3Result<S3Response<DeleteBucketOwnershipControlsOutput>> {
        // Without controls a bucket behaves as ObjectWriter.
        self.state
            .set_ownership(&req.input.bucket, "ObjectWriter")
            .map_err(|message| s3_error!(InvalidRequest, "{message}"))?;
        Ok(S3Response::new(DeleteBucketOwnershipControlsOutput {}))
    }

    async fn get_public_access_block(
        &self,
        req: S3Request<GetPublicAccessBlockInput>,
    ) -> S3Result<S3Response<GetPublicAccessBlockOutput>> {
        let record = self.bucket(&req.input.bucket)?;
        let [a, b, c, d] = record.block_public_access.ok_or_else(|| {
            let mut error = S3Error::with_message(
                s3s::S3ErrorCode::Custom("NoSuchPublicAccessBlockConfiguration".into()),
                "The public access block configuration was not found",
            );
            error.set_status_code(hyper::StatusCode::NOT_FOUND);
            error
        })?;
        Ok(S3Response::new(GetPublicAccessBlockOutput {
            public_access_block_configuration: Some(PublicAccessBlockConfiguration {
                block_public_acls: Some(a),
                ignore_public_acls: Some(b),
                block_public_policy: Some(c),
                restrict_public_buckets: Some(d),
            }),
        }))
    }

    async fn put_public_access_block(
        &self,
        req: S3Request<PutPublicAccessBlockInput>,
    ) -> S3Result<S3Response<PutPublicAccessBlockOutput>> {
        let input = req.input;
        let config = input.public_access_block_configuration;
        let switches = [
            config.block_public_acls.unwrap_or(false),
            config.ignore_public_acls.unwrap_or(false),
            config.block_public_policy.unwrap_or(false),
            config.restrict_public_buckets.unwrap_or(false),
        ];
        self.state
            .set_block_public_access(&input.bucket, Some(switches))
            .map_err(|message| s3_error!(InvalidRequest, "{message}"))?;
        Ok(S3Response::new(PutPublicAccessBlockOutput {}))
    }

    async fn delete_public_access_block(
        &self,
        req: S3Request<DeletePublicAccessBlockInput>,
    ) -> S3Result<S3Response<DeletePublicAccessBlockOutput>> {
        self.state
            .set_block_public_access(&req.input.bucket, None)
            .map_err(|message| s3_error!(InvalidRequest, "{message}"))?;
        Ok(S3Response::new(DeletePublicAccessBlockOutput {}))
    }
}
