//! `aws s3api get-bucket-policy`: `{"Policy": "<the document as a string>"}`, or the plain
//! policy document (what `--query Policy --output text` prints).

use super::{ensure_account, member, span_of, Export};
use crate::load::Loader;
use crate::manifest::ImportEntry;
use crate::model::Bucket;
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Finding, PolicyKind};

/// The bucket a policy belongs to, from the `[[import]]` table.
pub(super) struct Target {
    name: String,
    account: AccountId,
}

/// Reads `bucket` and `account` of the import; both are required.
pub(super) fn target(loader: &mut Loader, entry: &ImportEntry) -> Option<Target> {
    let span = span_of(&entry.kind);
    let missing: Vec<&str> = [
        ("bucket", entry.bucket.is_none()),
        ("account", entry.account.is_none()),
    ]
    .into_iter()
    .filter_map(|(key, absent)| absent.then_some(key))
    .collect();
    if !missing.is_empty() {
        loader
            .error(
                "incomplete-import",
                span,
                format!("a bucket-policy import needs `{}`: the policy does not say which bucket it belongs to", missing.join("` and `")),
            )
            .help = Some(
            "add `bucket = \"NAME\"` and `account = \"OWNER ACCOUNT ID\"` to this [[import]] table".to_owned(),
        );
        return None;
    }
    let name = entry.bucket.clone().unwrap_or_default();
    let account_text = entry.account.clone().unwrap_or_default();
    if name.is_empty() {
        loader.error(
            "incomplete-import",
            span,
            "`bucket` of a bucket-policy import is empty",
        );
        return None;
    }
    match account_text.parse::<AccountId>() {
        Ok(account) => Some(Target { name, account }),
        Err(error) => {
            loader.error(
                "invalid-account",
                span,
                format!("`account` of this import: {error}"),
            );
            None
        }
    }
}

pub(super) fn import(export: &mut Export<'_>, root: &Json, target: &Target) {
    let label = format!("bucket policy of {}", target.name);
    let document = match member(root, "Policy") {
        Some(policy) => {
            export.unknown_members(
                root,
                &["Policy", "ResponseMetadata"],
                "the output of get-bucket-policy",
            );
            policy
        }
        None if member(root, "Statement").is_some() => root,
        None => {
            export.report(
                Finding::error(
                    "invalid-export",
                    root.span(),
                    "expected the output of `aws s3api get-bucket-policy` (`{\"Policy\": \"...\"}`) or a policy document",
                )
                .with_help(format!("run `aws s3api get-bucket-policy --bucket {} --output json > FILE`", target.name)),
            );
            return;
        }
    };
    let Some(policy) = export.policy(document, PolicyKind::Resource, label, "Policy") else {
        return;
    };
    ensure_account(export, target.account, root.span());
    let origin = export.origin(root.span());
    let owner = export
        .loader
        .world
        .buckets
        .get(&target.name)
        .map(|bucket| bucket.account);
    match owner {
        Some(owner) if owner != target.account => {
            let message = format!(
                "bucket `{}` was imported before as owned by account {owner}, not {}",
                target.name, target.account
            );
            export.error("bucket-owner-mismatch", root.span(), message);
        }
        Some(_) => {
            let replaced = export
                .loader
                .world
                .buckets
                .get_mut(&target.name)
                .is_some_and(|bucket| {
                    bucket.origin = origin;
                    bucket.policy.replace(policy).is_some()
                });
            if replaced {
                export.warning(
                    "duplicate-bucket-policy",
                    root.span(),
                    format!(
                        "bucket `{}` has a policy imported before: this one replaces it",
                        target.name
                    ),
                );
            }
        }
        None => {
            export.loader.world.buckets.insert(
                target.name.clone(),
                Bucket {
                    name: target.name.clone(),
                    account: target.account,
                    region: None,
                    policy: Some(policy),
                    // get-bucket-policy says nothing of these: AWS's defaults for new buckets.
                    ownership: xacct_s3::ObjectOwnership::default(),
                    encryption: xacct_s3::DefaultEncryption::SseS3,
                    block_public_access: xacct_s3::BlockPublicAccess::ALL,
                    origin,
                },
            );
        }
    }
}
