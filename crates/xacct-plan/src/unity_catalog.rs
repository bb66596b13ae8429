//! The unity-catalog route: a storage credential's role, trusted by the Unity Catalog master
//! role of the Databricks control plane with the Databricks account id as external id and by
//! itself, its S3 and KMS permissions on exactly the location, the bucket policy when the role
//! is in another account, and the Databricks objects (the storage credential and the external
//! location). The checks are the ones `xacct check` derives for a declared credential
//! (`xacct_world::unity_catalog::location_checks`), so the plan and the check agree.

use crate::generate::{Change, Context, Document};
use serde_json::json;
use std::collections::BTreeMap;
use xacct_compute::unity_catalog::{Credential, Purpose, StoragePath};
use xacct_paths::fix::sid;
use xacct_world::model::{Intent, IntentTarget};
use xacct_world::unity_catalog::{code, location_checks};
use xacct_world::Expectation;

/// The location the intent targets, as Unity Catalog names it.
fn path_of(intent: &Intent) -> Option<StoragePath> {
    match &intent.target {
        IntentTarget::S3 { bucket, prefix } => {
            StoragePath::parse(&format!("s3://{bucket}/{prefix}"))
        }
        _ => None,
    }
}

/// The credential the plan sets up (or extends), as the checks see it.
fn credential(intent: &Intent, context: &Context<'_>) -> Credential {
    let external_id = intent.external_id.clone().unwrap_or_default();
    Credential {
        name: intent.credential.clone().unwrap_or_default(),
        purpose: Purpose::Storage,
        role: context.target_role.clone(),
        databricks_account_id: external_id.clone(),
        external_id,
        master_role: intent.from.clone(),
        read_only: !intent.write,
    }
}

/// The intent's checks: the role trusts itself, and Unity Catalog's requests on the location.
pub(crate) fn expectations(intent: &Intent, context: &Context<'_>) -> Vec<Expectation> {
    let credential = credential(intent, context);
    let Some(path) = path_of(intent) else {
        return Vec::new();
    };
    let self_assume = Expectation {
        direct: true,
        external_ids: BTreeMap::from([(credential.role.clone(), credential.external_id.clone())]),
        code: Some(code::SELF_ASSUME_MISSING.to_owned()),
        ..Expectation::new(
            format!("{}: the credential's role assumes itself", intent.name),
            credential.role.clone(),
            vec!["sts:AssumeRole".to_owned()],
            vec![credential.role.clone()],
        )
    };
    std::iter::once(self_assume)
        .chain(location_checks(
            &credential,
            "the location",
            &path,
            !intent.write,
        ))
        .map(|expectation| Expectation {
            name: if expectation.name.starts_with(&intent.name) {
                expectation.name
            } else {
                format!("{}: {}", intent.name, expectation.name)
            },
            origin: intent.origin.clone(),
            ..expectation
        })
        .collect()
}

/// The changes only this route needs (the trust of the master role, the S3 and KMS statements
/// are the assume-role route's): self-assumption, `s3:GetBucketLocation`, and the Databricks
/// objects.
pub(crate) fn candidates(context: &Context<'_>) -> Vec<Change> {
    let intent = context.intent;
    let credential = credential(intent, context);
    let Some(path) = path_of(intent) else {
        return Vec::new();
    };
    let role_policy = Document::RolePolicy {
        role: credential.role.clone(),
        name: "xacct-plan".to_owned(),
    };
    let change = |account, document, content, why: &str| Change {
        account,
        document,
        content,
        why: why.to_owned(),
    };
    let mut out = vec![
        change(
            context.role_account,
            Document::Trust {
                role: credential.role.clone(),
            },
            json!({
                "Sid": sid(&["Self", "Assume"]),
                "Effect": "Allow",
                "Principal": {"AWS": credential.role},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": credential.external_id}},
            }),
            "Unity Catalog refuses a storage credential whose role does not trust itself (since 2025-01-20)",
        ),
        change(
            context.role_account,
            role_policy,
            json!({
                "Sid": sid(&["Location", &path.bucket]),
                "Effect": "Allow",
                "Action": "s3:GetBucketLocation",
                "Resource": path.bucket_arn(),
            }),
            "Unity Catalog finds the bucket's Region before it reads",
        ),
    ];
    if context.role_account != context.data_account {
        out.push(change(
            context.data_account,
            Document::BucketPolicy {
                bucket: path.bucket.clone(),
            },
            json!({
                "Sid": sid(&["Location", &path.bucket]),
                "Effect": "Allow",
                "Principal": {"AWS": credential.role},
                "Action": "s3:GetBucketLocation",
                "Resource": path.bucket_arn(),
            }),
            "the bucket policy lets the credential's role find the bucket's Region",
        ));
    }
    let catalog = &context.world.unity_catalog;
    if !catalog.credentials.contains_key(&credential.name) {
        out.push(change(
            context.role_account,
            Document::UnityCatalog {
                step: 0,
                kind: "storage-credential".to_owned(),
                name: credential.name.clone(),
            },
            json!({
                "name": credential.name,
                "aws_iam_role": {"role_arn": credential.role},
                "read_only": credential.read_only,
            }),
            "the storage credential Unity Catalog assumes the role for",
        ));
    }
    let served = catalog
        .external_locations
        .iter()
        .any(|location| location.path == path && location.credential == credential.name);
    if !served {
        let name: String = format!("{}-{}", path.bucket, path.key)
            .trim_end_matches('-')
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        out.push(change(
            context.role_account,
            Document::UnityCatalog {
                step: 1,
                kind: "external-location".to_owned(),
                name: name.clone(),
            },
            json!({
                "name": name,
                "url": path.to_string(),
                "credential_name": credential.name,
                "read_only": credential.read_only,
            }),
            "the external location binds the path to the credential",
        ));
    }
    out
}
