//! Databricks files that hold clusters, as the REST API and tools print them, and the cluster
//! policies that constrain them. Every cluster a file holds is read with the `clusters/get`
//! reader, under a label a user recognises:
//!
//! | Shape | Recognised by | Clusters, labelled |
//! |---|---|---|
//! | `clusters/get` | `cluster_id`, `spark_conf`, `aws_attributes`, … at the top | the one cluster |
//! | `clusters/list` | `{"clusters": [...]}` | each by `cluster_name` |
//! | `jobs/get` | `{"job_id", "settings": {...}}` (or the bare settings with `tasks`) | `job_clusters[].job_cluster_key`, and `tasks[].task_key` for a task's own `new_cluster` |
//! | `pipelines/get` | `{"pipeline_id", "spec": {...}}` (or the bare spec with `clusters`) | `clusters[].label` (`default`, `maintenance`) |
//! | dbx `deployment.json` (or `deployment.yml`, read by the bundle module) | `{"environments": {ENV: {"workflows": [...]}}}` | `ENV/WORKFLOW/KEY` |
//! | Asset Bundle, `bundle validate --output json` | `bundle` and `resources` | `jobs.KEY/…`, `pipelines.KEY/LABEL`, `clusters.KEY` |
//!
//! A task that runs on `existing_cluster_id` names a cluster whose settings are not in the file:
//! that is a finding (give its `clusters/get` output), never a cluster with no identity. A
//! cluster policy (`cluster-policies/get`, with its `definition` JSON string) is read by
//! [`parse_cluster_policy`]. Anything else is an error saying what xacct reads.
//! Databricks REST API: <https://docs.databricks.com/api/workspace/introduction>

use crate::cluster::{read_cluster, DatabricksCluster};
use crate::embedded::json_in_string;
use crate::hadoop::Setting;
use crate::reader::{member, Reader};
use crate::values::instance_profile_arn;
use crate::{Layer, Located, Parsed};
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{Arn, Finding, Spanned};

/// The shape of a Databricks file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatabricksShape {
    Cluster,
    ClusterList,
    Job,
    Pipeline,
    DbxDeployment,
    /// A Databricks Asset Bundle as `databricks bundle validate --output json` prints it: the
    /// target chosen and variables substituted by the Databricks CLI.
    Bundle,
}

impl DatabricksShape {
    pub fn name(self) -> &'static str {
        match self {
            DatabricksShape::Cluster => "a cluster (`clusters/get`)",
            DatabricksShape::ClusterList => "a cluster list (`clusters/list`)",
            DatabricksShape::Job => "a job (`jobs/get`)",
            DatabricksShape::Pipeline => "a Delta Live Tables pipeline (`pipelines/get`)",
            DatabricksShape::DbxDeployment => "a dbx deployment file",
            DatabricksShape::Bundle => {
                "a Databricks Asset Bundle (`bundle validate --output json`)"
            }
        }
    }
}

/// One cluster of a file, with the label that tells it from the file's others (empty for a
/// `clusters/get` file).
#[derive(Debug, Clone, Serialize)]
pub struct LabelledCluster {
    pub label: String,
    pub cluster: DatabricksCluster,
}

/// What a Databricks file holds.
#[derive(Debug, Clone, Serialize)]
pub struct DatabricksFile {
    pub shape: DatabricksShape,
    pub clusters: Vec<LabelledCluster>,
}

/// Reads any Databricks file that holds clusters.
pub fn parse_databricks_file(text: &str) -> Parsed<DatabricksFile> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_file(&mut reader, text, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

/// Reads the clusters of a Databricks file's root (JSON, or YAML read as JSON values).
pub(crate) fn read_file(reader: &mut Reader, text: &str, root: &Json) -> Option<DatabricksFile> {
    reader.object(root, "a Databricks file")?;
    let mut clusters = Vec::new();
    let shape = if member(root, "definition").is_some() && member(root, "policy_id").is_some() {
        reader.push(
            Finding::error(
                "cluster-policy-is-not-a-cluster",
                root.span(),
                "this is a cluster policy, not a cluster",
            )
            .with_help("list it in `cluster_policies` of the [[compute]] table: its fixed and default values apply to the clusters that name its `policy_id`"),
        );
        return None;
    } else if let Some(list) = member(root, "clusters").filter(|_| !is_pipeline(root)) {
        for item in array(reader, list, "`clusters`") {
            let cluster = read_cluster(reader, text, item)?;
            let label = cluster
                .cluster_name
                .as_ref()
                .or(cluster.cluster_id.as_ref())
                .map_or_else(|| format!("#{}", clusters.len()), |name| name.value.clone());
            clusters.push(LabelledCluster { label, cluster });
        }
        DatabricksShape::ClusterList
    } else if let Some(settings) = job_settings(root) {
        read_job(reader, text, settings, "", &mut clusters);
        DatabricksShape::Job
    } else if is_pipeline(root) {
        let spec = member(root, "spec").unwrap_or(root);
        read_pipeline(reader, text, spec, "", &mut clusters);
        DatabricksShape::Pipeline
    } else if let Some(resources) =
        member(root, "resources").filter(|_| member(root, "bundle").is_some())
    {
        read_bundle(reader, text, resources, &mut clusters);
        DatabricksShape::Bundle
    } else if let Some(environments) = member(root, "environments") {
        for environment in reader
            .object(environments, "`environments`")
            .unwrap_or_default()
        {
            let workflows = member(&environment.value, "workflows")
                .or_else(|| member(&environment.value, "jobs"))
                .map(|list| array(reader, list, "`workflows`"))
                .unwrap_or_default();
            for workflow in workflows {
                let name = member(workflow, "name")
                    .and_then(Json::as_str)
                    .unwrap_or("workflow");
                let prefix = format!("{}/{name}/", environment.name);
                read_job(reader, text, workflow, &prefix, &mut clusters);
            }
        }
        DatabricksShape::DbxDeployment
    } else if [
        "cluster_id",
        "cluster_name",
        "spark_conf",
        "aws_attributes",
        "spark_version",
        "node_type_id",
        "instance_pool_id",
    ]
    .iter()
    .any(|key| member(root, key).is_some())
    {
        let cluster = read_cluster(reader, text, root)?;
        clusters.push(LabelledCluster {
            label: String::new(),
            cluster,
        });
        DatabricksShape::Cluster
    } else {
        reader.push(
            Finding::error(
                "unread-databricks-shape",
                root.span(),
                "this file is not a shape xacct reads: it holds no cluster settings",
            )
            .with_help("xacct reads clusters/get, clusters/list, jobs/get, pipelines/get, dbx deployment.json/.yml and Asset Bundles (databricks.yml, or `bundle validate --output json`); cluster policies go in `cluster_policies`"),
        );
        return None;
    };
    if clusters.is_empty() && shape != DatabricksShape::Cluster {
        reader.push(Finding::warning(
            "no-clusters",
            root.span(),
            format!(
                "{} with no cluster settings: no compute is read from it",
                shape.name()
            ),
        ));
    }
    Some(DatabricksFile { shape, clusters })
}

/// The clusters of a bundle's `resources`: `jobs.KEY` (job settings), `pipelines.KEY` (a
/// pipeline spec) and `clusters.KEY` (a cluster), labelled `jobs.KEY/...`.
pub(crate) fn read_bundle(
    reader: &mut Reader,
    text: &str,
    resources: &Json,
    clusters: &mut Vec<LabelledCluster>,
) {
    let entries = |kind: &str| -> Vec<(String, Json)> {
        member(resources, kind)
            .and_then(Json::members)
            .map(|members| {
                members
                    .iter()
                    .map(|entry| (entry.name.clone(), entry.value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (key, job) in entries("jobs") {
        read_job(reader, text, &job, &format!("jobs.{key}/"), clusters);
    }
    for (key, pipeline) in entries("pipelines") {
        read_pipeline(
            reader,
            text,
            &pipeline,
            &format!("pipelines.{key}/"),
            clusters,
        );
    }
    for (key, spec) in entries("clusters") {
        if let Some(cluster) = read_cluster(reader, text, &spec) {
            clusters.push(LabelledCluster {
                label: format!("clusters.{key}"),
                cluster,
            });
        }
    }
}

/// The clusters of a pipeline spec, labelled by `label` (`default` when absent).
fn read_pipeline(
    reader: &mut Reader,
    text: &str,
    spec: &Json,
    prefix: &str,
    clusters: &mut Vec<LabelledCluster>,
) {
    let Some(list) = member(spec, "clusters") else {
        return;
    };
    for item in array(reader, list, "`clusters`") {
        let label = member(item, "label")
            .and_then(Json::as_str)
            .unwrap_or("default");
        if let Some(cluster) = read_cluster(reader, text, item) {
            clusters.push(LabelledCluster {
                label: format!("{prefix}{label}"),
                cluster,
            });
        }
    }
}

fn is_pipeline(root: &Json) -> bool {
    member(root, "pipeline_id").is_some()
        || member(root, "spec").is_some_and(|spec| member(spec, "clusters").is_some())
        || (member(root, "libraries").is_some() && member(root, "clusters").is_some())
}

/// The job settings of `jobs/get` (`settings`), or a bare settings object (`jobs/create`).
fn job_settings(root: &Json) -> Option<&Json> {
    match member(root, "settings") {
        Some(settings) if member(root, "job_id").is_some() => Some(settings),
        _ => (member(root, "tasks").is_some() || member(root, "job_clusters").is_some())
            .then_some(root),
    }
}

fn array<'j>(reader: &mut Reader, value: &'j Json, what: &str) -> Vec<&'j Json> {
    match value {
        Json::Array { items, .. } => items.iter().collect(),
        Json::Null { .. } => Vec::new(),
        other => {
            reader.error(
                "invalid-value",
                other.span(),
                format!("{what} must be an array, found {}", other.kind_name()),
            );
            Vec::new()
        }
    }
}

/// The clusters of a job's settings: shared job clusters, then tasks' own new clusters.
fn read_job(
    reader: &mut Reader,
    text: &str,
    settings: &Json,
    prefix: &str,
    clusters: &mut Vec<LabelledCluster>,
) {
    if let Some(list) = member(settings, "job_clusters") {
        for item in array(reader, list, "`job_clusters`") {
            let key = member(item, "job_cluster_key")
                .and_then(Json::as_str)
                .unwrap_or("job_cluster");
            if let Some(cluster) =
                member(item, "new_cluster").and_then(|spec| read_cluster(reader, text, spec))
            {
                clusters.push(LabelledCluster {
                    label: format!("{prefix}{key}"),
                    cluster,
                });
            }
        }
    }
    let Some(list) = member(settings, "tasks") else {
        return;
    };
    for task in array(reader, list, "`tasks`") {
        let key = member(task, "task_key")
            .and_then(Json::as_str)
            .unwrap_or("task");
        if let Some(cluster) =
            member(task, "new_cluster").and_then(|spec| read_cluster(reader, text, spec))
        {
            clusters.push(LabelledCluster {
                label: format!("{prefix}{key}"),
                cluster,
            });
        }
        if let Some(existing) = member(task, "existing_cluster_id") {
            reader.push(
                Finding::warning(
                    "existing-cluster-not-read",
                    existing.span(),
                    format!(
                        "task `{key}` runs on the existing cluster {}, whose settings are not in this file",
                        existing.as_str().unwrap_or("?")
                    ),
                )
                .with_help("give that cluster's `clusters/get` output as a [[compute]] of its own"),
            );
        }
    }
}

/// How a cluster policy sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyValueKind {
    /// `fixed`: every cluster under the policy has this value.
    Fixed,
    /// A `default` (of any type): the value when the cluster does not set one.
    Default,
}

/// A Databricks cluster policy (`cluster-policies/get`): the values it fixes or defaults.
/// <https://docs.databricks.com/aws/en/admin/clusters/policy-definition>
#[derive(Debug, Clone, Serialize)]
pub struct ClusterPolicy {
    pub policy_id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub instance_profile: Option<(PolicyValueKind, Located<Arn>)>,
    /// `spark_conf.KEY` attributes, as settings of the policy file.
    pub spark_conf: Vec<(PolicyValueKind, Setting)>,
}

/// Reads a cluster policy, with its `definition` string (or object).
pub fn parse_cluster_policy(text: &str) -> Parsed<ClusterPolicy> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_policy(&mut reader, text, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

fn read_policy(reader: &mut Reader, text: &str, root: &Json) -> Option<ClusterPolicy> {
    reader.object(root, "a cluster policy")?;
    let policy_id = reader.optional_string(root, "policy_id", "the cluster policy");
    let name = reader.optional_string(root, "name", "the cluster policy");
    let definition = match member(root, "definition") {
        Some(Json::String { span, .. }) => json_in_string(reader, text, *span, "definition")?,
        Some(object @ Json::Object { .. }) => object.clone(),
        _ => {
            reader.push(
                Finding::error(
                    "missing-key",
                    root.span(),
                    "the cluster policy has no `definition`",
                )
                .with_help("give the output of `databricks cluster-policies get`"),
            );
            return None;
        }
    };
    let mut policy = ClusterPolicy {
        policy_id,
        name,
        instance_profile: None,
        spark_conf: Vec::new(),
    };
    for attribute in reader.object(&definition, "`definition`")? {
        let kind = match member(&attribute.value, "type").and_then(Json::as_str) {
            Some("fixed") => Some(PolicyValueKind::Fixed),
            _ if member(&attribute.value, "defaultValue").is_some() => {
                Some(PolicyValueKind::Default)
            }
            _ => None,
        };
        let value_key = if kind == Some(PolicyValueKind::Fixed) {
            "value"
        } else {
            "defaultValue"
        };
        let (Some(kind), Some(value)) = (kind, member(&attribute.value, value_key)) else {
            continue;
        };
        let Some(written) =
            reader.scalar(value, &format!("`{}` of `{}`", value_key, attribute.name))
        else {
            continue;
        };
        if attribute.name == "aws_attributes.instance_profile_arn" {
            match instance_profile_arn(&written.value) {
                Ok(arn) => {
                    policy.instance_profile =
                        Some((kind, Located::new(arn, written.span, Layer::ClusterPolicy)));
                }
                Err(error) => reader.error("invalid-instance-profile-arn", written.span, error),
            }
        } else if let Some(key) = attribute.name.strip_prefix("spark_conf.") {
            policy.spark_conf.push((
                kind,
                Setting {
                    key: key.strip_prefix("spark.hadoop.").unwrap_or(key).to_owned(),
                    written_key: key.to_owned(),
                    value: written.value,
                    key_span: attribute.name_span,
                    value_span: written.span,
                    layer: Layer::ClusterPolicy,
                },
            ));
        }
    }
    Some(policy)
}

impl DatabricksCluster {
    /// Applies a cluster policy the cluster names: fixed values replace the cluster's, default
    /// values fill what the cluster leaves unset. Returns the attributes whose cluster value
    /// the policy replaced (the cluster could not have been created with them).
    pub fn apply_policy(&mut self, policy: &ClusterPolicy) -> Vec<String> {
        let mut replaced = Vec::new();
        if let Some((kind, profile)) = &policy.instance_profile {
            match (&self.instance_profile, kind) {
                (Some(own), PolicyValueKind::Fixed) if own.value != profile.value => {
                    replaced.push("aws_attributes.instance_profile_arn".to_owned());
                    self.instance_profile = Some(profile.clone());
                }
                (None, _) => self.instance_profile = Some(profile.clone()),
                _ => {}
            }
        }
        for (kind, setting) in &policy.spark_conf {
            let own = self.spark_conf.get(&setting.key).cloned();
            match (own, kind) {
                (Some(own), PolicyValueKind::Fixed) => {
                    if own.value != setting.value {
                        replaced.push(format!("spark_conf.{}", setting.written_key));
                    }
                    self.spark_conf.settings.push(setting.clone());
                }
                (None, _) => self.spark_conf.settings.push(setting.clone()),
                (Some(_), PolicyValueKind::Default) => {}
            }
        }
        replaced
    }
}
