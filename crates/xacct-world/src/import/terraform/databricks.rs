//! The Databricks provider: clusters (their instance profile and `spark_conf`) and S3 mounts,
//! written as the Clusters API and `dbutils.fs.mounts()` print them, so that the settings
//! reader of `xacct-compute` reads them as it reads a workspace's. Attribute names from the
//! Databricks provider's documentation (`databricks_cluster`, `databricks_mount`,
//! `databricks_instance_profile`).

use super::emit::{ComputeOut, Out};
use super::plan::Resource;
use super::resolve::{placeholder, Resolver};
use serde_json::{json, Map, Value};

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        // Registering a profile with the workspace grants nothing in AWS: the cluster that
        // names it is what runs as its role.
        "databricks_instance_profile" => {}
        "databricks_cluster" => cluster(out, resolver, resource),
        "databricks_mount" => mount(out, resolver, resource),
        // The workspace's cross-account role launches its clusters: it must pass their roles.
        "databricks_mws_credentials" => match resolver.text(resource, "role_arn") {
            Some(role) => out.deployer = Some(role),
            None => out.warn(&resource.address, format!("the role of {} is known only after apply: clusters are read without the role that launches them", resource.address)),
        },
        _ => return false,
    }
    true
}

fn cluster(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let id = resource
        .text("id")
        .map_or_else(|| placeholder(resource), str::to_owned);
    let name = resource
        .text("cluster_name")
        .map_or_else(|| resource.address.clone(), str::to_owned);
    let mut cluster = Map::new();
    cluster.insert("cluster_id".to_owned(), json!(id));
    cluster.insert("cluster_name".to_owned(), json!(name));
    let profile = resolver.nested(resource, "aws_attributes", "instance_profile_arn");
    if profile.is_none()
        && resource
            .block("aws_attributes")
            .is_some_and(|block| block.get("instance_profile_arn").is_none_or(Value::is_null))
        && !resource
            .references(&["aws_attributes", "instance_profile_arn"])
            .is_empty()
    {
        out.warn(&resource.address, format!("the instance profile of {} is known only after apply: the cluster is read without one", resource.address));
    }
    let mut attributes = Map::new();
    if let Some(profile) = profile {
        attributes.insert("instance_profile_arn".to_owned(), json!(profile));
    }
    cluster.insert("aws_attributes".to_owned(), Value::Object(attributes));
    for field in [
        "spark_conf",
        "spark_env_vars",
        "policy_id",
        "data_security_mode",
        "single_user_name",
    ] {
        if let Some(value) = resource.values.get(field).filter(|value| !value.is_null()) {
            cluster.insert(field.to_owned(), value.clone());
        }
    }
    if resource.is_unknown("spark_conf") {
        out.warn(
            &resource.address,
            format!(
                "the spark_conf of {} is known only after apply: the cluster is read without it",
                resource.address
            ),
        );
    }
    out.computes.insert(
        id,
        ComputeOut {
            address: resource.address.clone(),
            name,
            settings: vec![("databricks_cluster", Value::Object(cluster))],
            databricks: true,
            ..ComputeOut::default()
        },
    );
}

fn mount(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let name = resource.text("name").unwrap_or_default();
    let s3 = resource.block("s3");
    let bucket = s3
        .and_then(|block| block.get("bucket_name"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| resolver.nested(resource, "s3", "bucket_name"));
    let source = bucket
        .map(|bucket| format!("s3a://{bucket}"))
        .or_else(|| resource.text("uri").map(str::to_owned));
    let Some(source) = source else {
        out.warn(
            &resource.address,
            format!(
                "{} mounts no S3 bucket xacct can name before apply: left out",
                resource.address
            ),
        );
        return;
    };
    let mut mount = Map::new();
    mount.insert("mount_point".to_owned(), json!(format!("/mnt/{name}")));
    mount.insert("source".to_owned(), json!(source));
    if let Some(extra) = resource
        .values
        .get("extra_configs")
        .filter(|value| value.is_object())
    {
        mount.insert("extra_configs".to_owned(), extra.clone());
    }
    let cluster = resolver.text(resource, "cluster_id");
    match cluster.and_then(|id| out.computes.get_mut(&id)) {
        Some(compute) => compute.mounts.push(Value::Object(mount)),
        None => {
            let profile = s3
                .and_then(|block| block.get("instance_profile"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.warn(
                &resource.address,
                format!("{} names no cluster of the plan{}: the mount is left out (xacct checks a mount through the cluster that reads it)", resource.address,
                    if profile.is_empty() { String::new() } else { format!(" (it names instance profile `{profile}`)") }),
            );
        }
    }
}
