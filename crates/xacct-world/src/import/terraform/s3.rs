//! S3: buckets, their policies, Object Ownership, Block Public Access (bucket and account)
//! and default encryption. Attribute names from the AWS provider's documentation
//! (`aws_s3_bucket`, `aws_s3_bucket_policy`, `aws_s3_bucket_ownership_controls`,
//! `aws_s3_bucket_public_access_block`, `aws_s3_account_public_access_block`,
//! `aws_s3_bucket_server_side_encryption_configuration`).

use super::emit::{BucketOut, Out};
use super::iam::document;
use super::plan::{first_block, Resource};
use super::resolve::{key_arn, Resolver};
use serde_json::Value;

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_s3_bucket" => bucket(out, resolver, resource),
        "aws_s3_bucket_policy" => {
            if let Some(doc) = document(out, resolver, resource, "policy") {
                if let Some(bucket) = target(out, resolver, resource) {
                    bucket.policy = Some(doc);
                }
            }
        }
        "aws_s3_bucket_ownership_controls" => {
            let ownership = resource
                .block("rule")
                .and_then(|rule| rule.get("object_ownership"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(bucket) = target(out, resolver, resource) {
                bucket.ownership = ownership;
            }
        }
        "aws_s3_bucket_public_access_block" => {
            let values = switches(resource);
            if let Some(bucket) = target(out, resolver, resource) {
                bucket.block_public_access = Some(values);
            }
        }
        "aws_s3_account_public_access_block" => {
            let id = resource
                .text("account_id")
                .or(resource.account.as_deref())
                .unwrap_or_default()
                .to_owned();
            let values = switches(resource);
            out.account(&id, &resource.address).block_public_access = Some(values);
        }
        "aws_s3_bucket_server_side_encryption_configuration" => {
            encryption(out, resolver, resource);
        }
        _ => return false,
    }
    true
}

fn bucket(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(name) = resolver.text(resource, "bucket") else {
        out.warn(&resource.address, format!("the name of {} is known only after apply (a `bucket_prefix`?): the bucket is left out", resource.address));
        return;
    };
    let mut entry = BucketOut {
        address: resource.address.clone(),
        account: resource.account.clone().unwrap_or_default(),
        region: resource.region.clone(),
        ..BucketOut::default()
    };
    // The provider's older inline `policy` argument.
    if resource.text("policy").is_some() {
        entry.policy = document(out, resolver, resource, "policy");
    }
    out.buckets.insert(name, entry);
}

/// The bucket an attachment resource names, or a warning.
fn target<'a>(
    out: &'a mut Out,
    resolver: &Resolver<'_>,
    resource: &Resource,
) -> Option<&'a mut BucketOut> {
    let name = resolver.text(resource, "bucket");
    // A bucket of the scenario the plan is merged over: the plan adds to it.
    if let Some(name) = name
        .as_ref()
        .filter(|name| !out.buckets.contains_key(*name))
    {
        if let Some(entry) = out.base.get("bucket", name) {
            let text = |key: &str| {
                entry
                    .table
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned)
            };
            let bucket = BucketOut {
                address: resource.address.clone(),
                base: Some(entry.table.clone()),
                account: text("account").unwrap_or_default(),
                region: text("region").unwrap_or_else(|| "us-east-1".to_owned()),
                ..BucketOut::default()
            };
            out.buckets.insert(name.clone(), bucket);
        }
    }
    match name {
        Some(name) if out.buckets.contains_key(&name) => out.buckets.get_mut(&name),
        Some(name) => {
            out.warn(
                &resource.address,
                format!("{} configures bucket `{name}`, which is not in the plan: left out (nor in the scenario it is merged over)", resource.address),
            );
            None
        }
        None => {
            out.warn(
                &resource.address,
                format!(
                    "the bucket of {} is known only after apply: left out",
                    resource.address
                ),
            );
            None
        }
    }
}

/// The four Block Public Access switches; the provider's default for each is false.
fn switches(resource: &Resource) -> [bool; 4] {
    let on = |name: &str| {
        resource
            .values
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    [
        on("block_public_acls"),
        on("ignore_public_acls"),
        on("block_public_policy"),
        on("restrict_public_buckets"),
    ]
}

fn encryption(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let rule = resource.block("rule");
    let default = rule
        .and_then(|rule| rule.get("apply_server_side_encryption_by_default"))
        .and_then(first_block);
    let algorithm = default
        .and_then(|block| block.get("sse_algorithm"))
        .and_then(Value::as_str)
        .unwrap_or("AES256")
        .to_owned();
    let key = default
        .and_then(|block| block.get("kms_master_key_id"))
        .and_then(Value::as_str)
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            resolver.nested_path(
                resource,
                &[
                    "rule",
                    "apply_server_side_encryption_by_default",
                    "kms_master_key_id",
                ],
            )
        });
    let bucket_key = rule
        .and_then(|rule| rule.get("bucket_key_enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let value = if algorithm.starts_with("aws:kms") {
        match key {
            Some(key) => key_arn(resource, key),
            None => "aws/s3".to_owned(),
        }
    } else {
        "sse-s3".to_owned()
    };
    if let Some(bucket) = target(out, resolver, resource) {
        bucket.encryption = Some(value);
        bucket.bucket_key = bucket_key;
    }
}
