//! S3 access points as `aws s3control` prints them:
//! - `list-access-points --account-id ID`: `{"AccessPointList": [{"Name", "NetworkOrigin",
//!   "VpcConfiguration": {"VpcId"}, "Bucket", "AccessPointArn", "Alias", "BucketAccountId"}]}`,
//!   or one `get-access-point` object (which adds `PublicAccessBlockConfiguration`);
//! - `get-access-point-policy --account-id ID --name NAME`: `{"Policy": "<the document>"}`, for
//!   an access point imported before (the `[[import]]` table names it with `access_point`).
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_AccessPoint.html>

use super::{ensure_account, member, span_of, Export};
use crate::access_point::{AccessPoint, NetworkOrigin};
use crate::manifest::ImportEntry;
use xacct_policy::json::Json;
use xacct_policy::{Finding, PolicyKind};

/// The keys of one access point in `list-access-points` and `get-access-point`.
const KNOWN: [&str; 12] = [
    "Name",
    "NetworkOrigin",
    "VpcConfiguration",
    "Bucket",
    "AccessPointArn",
    "Alias",
    "BucketAccountId",
    "PublicAccessBlockConfiguration",
    "CreationDate",
    "Endpoints",
    "DataSourceId",
    "DataSourceType",
];

/// `list-access-points` (or one `get-access-point`).
pub(super) fn import_list(export: &mut Export<'_>, root: &Json) {
    if member(root, "AccessPointList").is_some() {
        export.unknown_members(
            root,
            &["AccessPointList", "NextToken", "ResponseMetadata"],
            "the output of list-access-points",
        );
        let items = export.list(root, "AccessPointList", "the output of list-access-points");
        for item in items {
            one(export, item);
        }
    } else if member(root, "Name").is_some() {
        one(export, root);
    } else {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                "expected the output of `aws s3control list-access-points` (`{\"AccessPointList\": [...]}`) or of `get-access-point`",
            )
            .with_help("run `aws s3control list-access-points --account-id ID --output json > FILE`"),
        );
    }
}

fn one(export: &mut Export<'_>, item: &Json) {
    export.unknown_members(item, &KNOWN, "an access point");
    let Some(name) = export.string(item, "Name", "an access point") else {
        return;
    };
    let owner = format!("access point `{}`", name.value);
    let Some(bucket) = export.string(item, "Bucket", &owner) else {
        return;
    };
    let Some(arn) = export.string(item, "AccessPointArn", &owner) else {
        return;
    };
    // `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`: the owner and Region are in the ARN.
    let parts: Vec<&str> = arn.value.splitn(6, ':').collect();
    let (Some(region), Some(account_text), Some(resource)) =
        (parts.get(3), parts.get(4), parts.get(5))
    else {
        export.error(
            "invalid-arn",
            arn.span,
            format!("`{}` is not an access point ARN", arn.value),
        );
        return;
    };
    if *resource != format!("accesspoint/{}", name.value) {
        export.error(
            "invalid-arn",
            arn.span,
            format!(
                "`{}` is not the ARN of access point `{}`",
                arn.value, name.value
            ),
        );
        return;
    }
    let Some(account) = export.account(&xacct_policy::Spanned::new(
        (*account_text).to_owned(),
        arn.span,
    )) else {
        return;
    };
    let vpc = member(item, "VpcConfiguration")
        .and_then(|config| member(config, "VpcId"))
        .and_then(Json::as_str)
        .map(str::to_owned);
    let origin_text = member(item, "NetworkOrigin").and_then(Json::as_str);
    let network_origin = match (origin_text, vpc) {
        (Some("VPC") | None, Some(vpc)) => NetworkOrigin::Vpc(vpc),
        (Some("Internet") | None, None) => NetworkOrigin::Internet,
        (Some(other), _) => {
            export.error(
                "access-point-origin",
                member(item, "NetworkOrigin").map_or(item.span(), Json::span),
                format!("network origin `{other}` of {owner} is not Internet, or VPC with its VpcConfiguration"),
            );
            return;
        }
    };
    let flag = |config: &Json, key: &str| {
        matches!(member(config, key), Some(Json::Bool { value: true, .. }))
    };
    // list-access-points does not print the settings: S3 turns them all on for a new access
    // point, and they cannot be changed afterwards.
    let block_public_access = member(item, "PublicAccessBlockConfiguration").map_or(
        xacct_s3::BlockPublicAccess::ALL,
        |config| xacct_s3::BlockPublicAccess {
            block_public_acls: flag(config, "BlockPublicAcls"),
            ignore_public_acls: flag(config, "IgnorePublicAcls"),
            block_public_policy: flag(config, "BlockPublicPolicy"),
            restrict_public_buckets: flag(config, "RestrictPublicBuckets"),
        },
    );
    ensure_account(export, account, item.span());
    let access_point = AccessPoint {
        name: name.value.clone(),
        account,
        region: (*region).to_owned(),
        bucket: bucket.value,
        policy: None,
        network_origin,
        block_public_access,
        alias: member(item, "Alias")
            .and_then(Json::as_str)
            .map(str::to_owned),
        origin: export.origin(item.span()),
    };
    let key = access_point.arn();
    if export.loader.world.access_points.contains_key(&key) {
        export.error(
            "duplicate-access-point",
            item.span(),
            format!("access point `{key}` is imported twice"),
        );
        return;
    }
    export.loader.world.access_points.insert(key, access_point);
}

/// The access point a policy import names (`access_point = "ARN"`), which must be imported
/// before it.
pub(super) fn policy_target(
    loader: &mut crate::load::Loader,
    entry: &ImportEntry,
) -> Option<String> {
    let span = span_of(&entry.kind);
    let Some(arn) = entry.access_point.clone() else {
        loader
            .error(
                "incomplete-import",
                span,
                "an access-point-policy import needs `access_point`: the policy does not say which access point it belongs to",
            )
            .help = Some("add `access_point = \"arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME\"` to this [[import]] table".to_owned());
        return None;
    };
    if !loader.world.access_points.contains_key(&arn) {
        loader
            .error(
                "unknown-access-point",
                span,
                format!("access point `{arn}` is not imported before its policy"),
            )
            .help = Some("import `aws s3control list-access-points` (kind `access-points`) in an [[import]] table above this one".to_owned());
        return None;
    }
    Some(arn)
}

/// `get-access-point-policy`.
pub(super) fn import_policy(export: &mut Export<'_>, root: &Json, arn: &str) {
    let Some(document) = member(root, "Policy") else {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                "expected the output of `aws s3control get-access-point-policy` (`{\"Policy\": \"...\"}`)",
            )
            .with_help("run `aws s3control get-access-point-policy --account-id ID --name NAME --output json > FILE`"),
        );
        return;
    };
    export.unknown_members(
        root,
        &["Policy", "ResponseMetadata"],
        "the output of get-access-point-policy",
    );
    let name = arn.rsplit('/').next().unwrap_or(arn).to_owned();
    let label = format!("access point policy of {name}");
    let Some(policy) = export.policy(document, PolicyKind::Resource, label, "Policy") else {
        return;
    };
    let replaced = export
        .loader
        .world
        .access_points
        .get_mut(arn)
        .is_some_and(|access_point| access_point.policy.replace(policy).is_some());
    if replaced {
        export.warning(
            "duplicate-access-point-policy",
            root.span(),
            format!("access point `{name}` has a policy imported before: this one replaces it"),
        );
    }
}
