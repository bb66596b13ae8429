//! S3 access points: `aws_s3_access_point` and `aws_s3control_access_point_policy`, read into
//! `[[access_point]]`. Attribute names from the AWS provider's documentation; the ARN is built
//! as S3 builds it, `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME`
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-naming.html>).

use super::emit::{Doc, Out};
use super::iam::document;
use super::plan::{first_block, Resource};
use super::resolve::{partition, placeholder, Resolver};
use serde_json::Value;

/// One access point of the plan.
#[derive(Default)]
pub(crate) struct AccessPointOut {
    pub(crate) address: String,
    pub(crate) name: String,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) bucket: String,
    /// `Some(vpc id)` for a VPC network origin.
    pub(crate) vpc_id: Option<String>,
    /// The four switches, when the plan states them (absent: S3 turns all four on).
    pub(crate) block_public_access: Option<[bool; 4]>,
    pub(crate) policy: Option<Doc>,
    /// The scenario's `[[access_point]]` the plan attaches a policy to, without defining the
    /// access point itself: the plan's policy is added to that table.
    pub(crate) base: Option<toml::Table>,
}

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_s3_access_point" => access_point(out, resolver, resource),
        "aws_s3control_access_point_policy" => policy(out, resolver, resource),
        _ => return false,
    }
    true
}

fn access_point(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(name) = resolver.text(resource, "name") else {
        out.warn(
            &resource.address,
            format!(
                "the name of {} is known only after apply: the access point is left out",
                resource.address
            ),
        );
        return;
    };
    let Some(bucket) = resolver.text(resource, "bucket") else {
        out.warn(
            &resource.address,
            format!(
                "the bucket of {} is known only after apply: the access point is left out",
                resource.address
            ),
        );
        return;
    };
    if bucket.starts_with("arn:") {
        out.warn(&resource.address, format!("{} serves an S3 on Outposts bucket (`{bucket}`), which xacct does not model: left out", resource.address));
        return;
    }
    let account = resolver
        .text(resource, "account_id")
        .or_else(|| resource.account.clone())
        .unwrap_or_default();
    let vpc_id = resource
        .values
        .get("vpc_configuration")
        .and_then(first_block)
        .map(|_| {
            resolver
                .nested(resource, "vpc_configuration", "vpc_id")
                .unwrap_or_else(|| {
                    let vpc = format!("{}-vpc", placeholder(resource));
                    out.warn(&resource.address, format!("the VPC of {} is known only after apply: it is read as `{vpc}`, so conditions on `aws:SourceVpc` naming the real VPC do not match it", resource.address));
                    vpc
                })
        });
    let block_public_access = resource
        .values
        .get("public_access_block_configuration")
        .and_then(first_block)
        .map(|block| {
            // The provider's default for each switch is true, as S3's is.
            let on = |key: &str| block.get(key).and_then(Value::as_bool).unwrap_or(true);
            [
                on("block_public_acls"),
                on("ignore_public_acls"),
                on("block_public_policy"),
                on("restrict_public_buckets"),
            ]
        });
    let policy = resource
        .text("policy")
        .filter(|text| !text.is_empty())
        .is_some()
        .then(|| document(out, resolver, resource, "policy"))
        .flatten();
    let entry = AccessPointOut {
        address: resource.address.clone(),
        name,
        account,
        region: resource.region.clone(),
        bucket,
        vpc_id,
        block_public_access,
        policy,
        base: None,
    };
    out.access_points.insert(arn(&entry), entry);
}

/// `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME`.
pub(crate) fn arn(entry: &AccessPointOut) -> String {
    format!(
        "arn:{}:s3:{}:{}:accesspoint/{}",
        partition(&entry.region),
        entry.region,
        entry.account,
        entry.name
    )
}

fn policy(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(doc) = document(out, resolver, resource, "policy") else {
        return;
    };
    let arn = resolver.text(resource, "access_point_arn").or_else(|| {
        // The access point's ARN is computed: built from the resource it references.
        resource
            .references(&["access_point_arn"])
            .iter()
            .find_map(|reference| resolver.target(resource, reference))
            .filter(|(target, _)| target.kind == "aws_s3_access_point")
            .and_then(|(target, _)| {
                out.access_points
                    .iter()
                    .find(|(_, entry)| entry.address == target.address)
                    .map(|(arn, _)| arn.clone())
            })
    });
    if let Some(arn) = arn
        .as_ref()
        .filter(|arn| !out.access_points.contains_key(*arn))
    {
        // An access point of the scenario the plan is merged over: the plan adds to it.
        if let Some(entry) = out.base.get("access_point", arn) {
            let text = |key: &str| {
                entry
                    .table
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_default()
            };
            let point = AccessPointOut {
                address: resource.address.clone(),
                name: text("name"),
                account: text("account"),
                region: arn.split(':').nth(3).unwrap_or_default().to_owned(),
                bucket: text("bucket"),
                base: Some(entry.table.clone()),
                ..AccessPointOut::default()
            };
            out.access_points.insert(arn.clone(), point);
        }
    }
    match arn.and_then(|arn| out.access_points.get_mut(&arn)) {
        Some(entry) => entry.policy = Some(doc),
        None => out.warn(
            &resource.address,
            format!("{} sets the policy of an access point that is neither in the plan nor in the scenario it is merged over: left out (declare the access point, or give its policy in the scenario)", resource.address),
        ),
    }
}
