//! EMR clusters (with their security configuration's EMRFS role mappings) and Glue jobs,
//! written as `aws emr describe-cluster`, `aws emr describe-security-configuration` and
//! `aws glue get-job` print them, for the settings readers of `xacct-compute`. Attribute
//! names from the AWS provider's documentation (`aws_emr_cluster`,
//! `aws_emr_security_configuration`, `aws_glue_job`).

use super::emit::{ComputeOut, Out};
use super::plan::Resource;
use super::resolve::Resolver;
use serde_json::{json, Map, Value};

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_emr_security_configuration" => match (resource.text("name"), resource.text("configuration")) {
            (Some(name), Some(configuration)) => {
                let described = json!({"Name": name, "SecurityConfiguration": configuration});
                out.emr_security.insert(name.to_owned(), described);
            }
            _ => out.warn(&resource.address, format!("the name or configuration of {} is known only after apply: its EMRFS role mappings are left out", resource.address)),
        },
        "aws_emr_cluster" => emr_cluster(out, resolver, resource),
        "aws_glue_job" => glue_job(out, resolver, resource),
        _ => return false,
    }
    true
}

fn emr_cluster(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let name = resource
        .text("name")
        .unwrap_or(&resource.address)
        .to_owned();
    let mut cluster = Map::new();
    cluster.insert(
        "Id".to_owned(),
        json!(resource.text("id").unwrap_or("j-TERRAFORM")),
    );
    cluster.insert("Name".to_owned(), json!(name));
    let profile = resolver.nested(resource, "ec2_attributes", "instance_profile");
    if profile.is_none() {
        out.warn(
            &resource.address,
            format!(
                "the instance profile of {} is known only after apply: the cluster is left out",
                resource.address
            ),
        );
        return;
    }
    cluster.insert(
        "Ec2InstanceAttributes".to_owned(),
        json!({"IamInstanceProfile": profile}),
    );
    if let Some(role) = resolver.text(resource, "service_role") {
        cluster.insert("ServiceRole".to_owned(), json!(role));
    }
    if let Some(configurations) = resource
        .text("configurations_json")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        cluster.insert("Configurations".to_owned(), configurations);
    }
    let mut settings = Vec::new();
    if let Some(security) = resolver.text(resource, "security_configuration") {
        cluster.insert("SecurityConfiguration".to_owned(), json!(security));
        match out.emr_security.get(&security) {
            Some(described) => settings.push(("security_configuration", described.clone())),
            None => out.warn(&resource.address, format!("{} uses security configuration `{security}`, which is not in the plan: its EMRFS role mappings are left out", resource.address)),
        }
    }
    let (runtime_role, emr_steps) = runtime_role(out, resource, &name, &settings);
    settings.insert(
        0,
        ("emr_cluster", json!({"Cluster": Value::Object(cluster)})),
    );
    out.computes.insert(
        resource.address.clone(),
        ComputeOut {
            address: resource.address.clone(),
            name,
            settings,
            deployed_by: resource.deployer.clone(),
            runtime_role,
            emr_steps,
            ..ComputeOut::default()
        },
    );
}

/// The runtime role of a cluster whose security configuration enables runtime roles
/// (`EnableApplicationScopedIAMRole`). Each step names its own (`ExecutionRoleArn` of
/// `AddJobFlowSteps`), which a plan does not hold: the scenario's compute of the same name says
/// it (`runtime_role`, or the steps' exports as `emr_steps`), or the reader warns (and the
/// loader reports `runtime-role-required`).
fn runtime_role(
    out: &mut Out,
    resource: &Resource,
    name: &str,
    settings: &[(&'static str, Value)],
) -> (Option<String>, Option<String>) {
    let enabled = settings
        .iter()
        .filter(|(key, _)| *key == "security_configuration")
        .filter_map(|(_, described)| described.get("SecurityConfiguration")?.as_str())
        .filter_map(|text| serde_json::from_str::<Value>(text).ok())
        .any(|configuration| {
            configuration
                .pointer(
                    "/AuthorizationConfiguration/IAMConfiguration/EnableApplicationScopedIAMRole",
                )
                .and_then(Value::as_bool)
                == Some(true)
        });
    if !enabled {
        return (None, None);
    }
    let kept = |key: &str| {
        out.base
            .get("compute", name)
            .and_then(|entry| entry.table.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let (role, steps) = (kept("runtime_role"), kept("emr_steps"));
    if role.is_none() && steps.is_none() {
        out.warn(&resource.address, format!("{} enables runtime roles; its steps name their role when submitted, which the plan does not hold: give it as `runtime_role` on the scenario's compute `{name}`, or the steps' `aws emr describe-step` output as `emr_steps`", resource.address));
    }
    (role, steps)
}

fn glue_job(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(role) = resolver.text(resource, "role_arn") else {
        out.warn(
            &resource.address,
            format!(
                "the role of {} is known only after apply: the job is left out",
                resource.address
            ),
        );
        return;
    };
    let name = resource
        .text("name")
        .unwrap_or(&resource.address)
        .to_owned();
    let mut job = Map::new();
    job.insert("Name".to_owned(), json!(name));
    job.insert("Role".to_owned(), json!(role));
    if let Some(command) = resource.block("command") {
        let mut described = Map::new();
        for (from, to) in [
            ("name", "Name"),
            ("script_location", "ScriptLocation"),
            ("python_version", "PythonVersion"),
        ] {
            if let Some(value) = command.get(from).filter(|value| !value.is_null()) {
                described.insert(to.to_owned(), value.clone());
            }
        }
        job.insert("Command".to_owned(), Value::Object(described));
    }
    for (from, to) in [
        ("default_arguments", "DefaultArguments"),
        ("glue_version", "GlueVersion"),
        ("worker_type", "WorkerType"),
        ("number_of_workers", "NumberOfWorkers"),
        ("security_configuration", "SecurityConfiguration"),
    ] {
        if let Some(value) = resource.values.get(from).filter(|value| !value.is_null()) {
            job.insert(to.to_owned(), value.clone());
        }
    }
    out.computes.insert(
        resource.address.clone(),
        ComputeOut {
            address: resource.address.clone(),
            name,
            settings: vec![("glue_job", json!({"Job": Value::Object(job)}))],
            deployed_by: resource.deployer.clone(),
            ..ComputeOut::default()
        },
    );
}
