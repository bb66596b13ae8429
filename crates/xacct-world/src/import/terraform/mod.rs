//! Terraform plans as input: the JSON of `terraform show -json tfplan` read into the same
//! manifest (`xacct.toml`) that `xacct import` writes and scenarios are loaded from, so the
//! engine sees ordinary documents. Each resource type the mapping knows is read by the module
//! of its service; the mapping table is in `docs/terraform.md`.
//!
//! A plan has two worlds: before (its `prior_state`) and after (its `planned_values`), read
//! with [`Side`]. Values known only after apply are derived where AWS's ARN format makes them
//! certain (a role's, a policy's, a bucket's ARN); anything else is a warning naming the
//! resource's address, never a silent drop. Every policy document keeps the address it came
//! from, so findings on it name the resource as well as the plan file.

mod access_point;
mod base;
mod databricks;
mod emit;
mod iam;
mod jobs;
mod lake;
mod lf_tags;
mod organizations;
mod overlay;
mod plan;
mod resolve;
mod s3;
mod streams;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_routes;
mod unity;

pub use base::Base;
pub use overlay::{load_over, worlds, Overlay, PLAN_PART};

use std::collections::BTreeMap;

/// The name a document of the plan is known by in findings and explanations:
/// `plan.json (terraform: aws_iam_role.reader assume_role_policy)`.
pub(crate) fn origin_name(plan: &str, address: &str, attribute: &str) -> String {
    format!("{plan} (terraform: {address} {attribute})")
}

/// The plan file and the resource address of a document named by [`origin_name`], for
/// outputs that point at files (SARIF) and name the resource apart.
pub fn origin(name: &str) -> Option<(&str, &str)> {
    let (file, rest) = name.rsplit_once(" (terraform: ")?;
    let address = rest.strip_suffix(')')?.split(' ').next()?;
    Some((file, address))
}

/// Which world of the plan to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The prior state: the world as it is before apply.
    Before,
    /// The planned values: the world once the plan is applied.
    After,
}

/// What the reader needs besides the plan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Accounts of provider configurations (`aws.lake`, or the bare alias `lake`), for those
    /// whose configuration does not say (`--account-of`).
    pub account_of: BTreeMap<String, String>,
}

/// A plan that cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TerraformError {
    /// `message` is serde_json's, which ends with the line and column.
    #[error("not JSON: {message} (write the plan with `terraform show -json tfplan > plan.json`)")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not a Terraform plan: it has no `format_version` (write it with `terraform show -json tfplan > plan.json`)")]
    NotAPlan,
    #[error("plan format version {0} is not supported: xacct reads version 1.x of Terraform's JSON output")]
    Version(String),
}

/// Something the mapping could not carry over exactly, with the resource it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The resource's address (`module.x.aws_iam_role.y[0]`), or the provider's key.
    pub address: String,
    pub message: String,
}

/// One side of a plan as a manifest.
#[derive(Debug, Default)]
pub struct Converted {
    /// The manifest text (TOML).
    pub manifest: String,
    /// Settings files the manifest names (Databricks clusters and mounts), by relative path.
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<Warning>,
    /// The byte range of each table of the manifest, with the address it was read from.
    pub ranges: Vec<(std::ops::Range<usize>, String)>,
    /// How many resources of the side were read.
    pub resources: usize,
    /// The byte ranges of the scenario's tables the plan replaces or adds to.
    pub replaced: Vec<std::ops::Range<usize>>,
}

/// Reads `text`, the JSON of a plan shown as `plan_name`, for `side`.
pub fn convert(
    text: &str,
    plan_name: &str,
    side: Side,
    options: &Options,
) -> Result<Converted, TerraformError> {
    convert_over(text, plan_name, side, options, Base::default())
}

/// [`convert`], merged over the scenario `base`: what the plan attaches to the scenario's
/// entities is added to them, and what it defines again replaces them.
pub fn convert_over(
    text: &str,
    plan_name: &str,
    side: Side,
    options: &Options,
    base: Base,
) -> Result<Converted, TerraformError> {
    let plan = plan::read(text, side, &options.account_of)?;
    let mut world = emit::Out::new(plan_name);
    world.base = base;
    for (provider, addresses) in &plan.unaccounted {
        world.warn(
            provider,
            format!(
                "the account of provider `{provider}` is not known: its configuration has no `assume_role.role_arn` nor a single `allowed_account_ids`; {} of its resources are left out ({}); give it with `--account-of {provider}=ACCOUNT_ID`",
                addresses.len(),
                emit::few(addresses)
            ),
        );
    }
    let resolver = resolve::Resolver::new(&plan.resources);
    // Resources that others attach to come first, so that attachments find them.
    let mut order: Vec<&plan::Resource> = plan
        .resources
        .iter()
        .filter(|resource| resource.mode == "managed")
        .collect();
    order.sort_by_key(|resource| stage(&resource.kind));
    let mut unknown_types: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for resource in &order {
        let known = resource.account.is_some() || resource.kind.starts_with("databricks_");
        if !known {
            continue;
        }
        let mapped = iam::read(&mut world, &resolver, resource)
            || s3::read(&mut world, &resolver, resource)
            || access_point::read(&mut world, &resolver, resource)
            || streams::read(&mut world, &resolver, resource)
            || lake::read(&mut world, &resolver, resource)
            || organizations::read(&mut world, &resolver, resource)
            || lf_tags::read(&mut world, &resolver, resource)
            || databricks::read(&mut world, &resolver, resource)
            || unity::read(&mut world, &resolver, resource)
            || jobs::read(&mut world, &resolver, resource);
        if !mapped && !IGNORED.contains(&resource.kind.as_str()) {
            unknown_types
                .entry(resource.kind.as_str())
                .or_default()
                .push(resource.address.as_str());
        }
    }
    if !unknown_types.is_empty() {
        let list: Vec<String> = unknown_types
            .iter()
            .map(|(kind, addresses)| format!("{kind} ({})", emit::few(addresses)))
            .collect();
        world.warn(
            "plan",
            format!(
                "resource types xacct does not read, left out of the world: {}",
                list.join("; ")
            ),
        );
    }
    lf_tags::attach(&mut world);
    let mut converted = world.finish();
    converted.resources = plan.resources.len();
    Ok(converted)
}

/// Types that grant nothing and hold nothing xacct reads (documented in docs/terraform.md).
const IGNORED: [&str; 4] = [
    "aws_s3_object",
    "aws_s3_bucket_versioning",
    "aws_cloudwatch_log_group",
    "databricks_mws_workspaces",
];

/// The order resources are read in: principals and resources before what attaches to them.
fn stage(kind: &str) -> u8 {
    match kind {
        "aws_iam_policy" | "aws_kms_key" | "aws_organizations_policy" => 0,
        "aws_iam_role"
        | "aws_iam_user"
        | "aws_iam_group"
        | "aws_s3_bucket"
        | "aws_kinesis_stream"
        | "aws_ram_resource_share"
        | "databricks_cluster"
        | "aws_glue_catalog_database"
        | "aws_lakeformation_data_lake_settings"
        | "databricks_metastore" => 1,
        // LF-Tags are attached to databases and tables once those are read.
        "aws_lakeformation_resource_lf_tags" => 3,
        // A policy attaches to an access point read before it.
        "aws_s3control_access_point_policy" => 3,
        _ => 2,
    }
}
