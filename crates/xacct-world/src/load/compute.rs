//! Compute tables: Databricks clusters, EMR and Glue, the identity each runs as.

use super::*;

impl Loader {
    pub(super) fn compute_entry(&mut self, entry: &manifest::ComputeEntry) {
        let name = entry.name.get_ref().clone();
        if let Some(profile) = &entry.instance_profile {
            if !self.world.instance_profiles.contains_key(profile.get_ref()) {
                self.error(
                    "unknown-instance-profile",
                    span_of(profile),
                    format!("instance profile `{}` is not declared", profile.get_ref()),
                );
            }
        }
        for reference in [&entry.role, &entry.deployed_by].into_iter().flatten() {
            let known = self.world.roles.contains_key(reference.get_ref())
                || self.world.users.contains_key(reference.get_ref());
            if !known {
                self.error(
                    "unknown-principal",
                    span_of(reference),
                    format!(
                        "`{}` is not a role or user of the scenario",
                        reference.get_ref()
                    ),
                );
            }
        }
        let settings_name_identity = entry.databricks_cluster.is_some()
            || entry.emr_cluster.is_some()
            || entry.glue_job.is_some();
        if entry.instance_profile.is_none()
            && entry.role.is_none()
            && entry.access_keys.is_none()
            && !settings_name_identity
        {
            self.error(
                "compute-without-identity",
                span_of(&entry.name),
                format!("compute `{name}` names neither `instance_profile` nor `role`"),
            );
        }
        let settings = self.compute_settings(entry);
        let clusters = self.databricks_clusters(entry);
        if clusters.is_empty() {
            // An EMR cluster whose steps run as several runtime roles is one compute each,
            // named `NAME/ROLE`; `compute:NAME` then asks each of them.
            let computes = self.runtime_role_computes(entry, settings);
            let members: Vec<String> = computes
                .iter()
                .filter(|(label, _)| !label.is_empty())
                .map(|(label, _)| format!("{name}/{label}"))
                .collect();
            for (label, one) in computes {
                let compute_name = if label.is_empty() {
                    name.clone()
                } else {
                    format!("{name}/{label}")
                };
                self.insert_compute(entry, compute_name, one);
            }
            if !members.is_empty() {
                self.step_groups.insert(name, members);
            }
            return;
        }
        // A file with several clusters (a job's, a pipeline's, a list) is one compute each,
        // named `NAME/LABEL`.
        for (label, cluster) in clusters {
            let mut one = settings.clone();
            one.databricks = Some(cluster);
            let compute_name = if label.is_empty() {
                name.clone()
            } else {
                format!("{name}/{label}")
            };
            self.insert_compute(entry, compute_name, one);
        }
    }

    /// The clusters of the entry's Databricks file, each with its label and with the cluster
    /// policies of `cluster_policies` it names applied.
    pub(super) fn databricks_clusters(
        &mut self,
        entry: &manifest::ComputeEntry,
    ) -> Vec<(String, xacct_compute::DatabricksCluster)> {
        let path = entry.databricks_cluster.as_ref();
        let yaml = path.is_some_and(|path| {
            let path = path.get_ref().to_ascii_lowercase();
            path.ends_with(".yml") || path.ends_with(".yaml")
        });
        let file = if yaml {
            let target = entry.bundle_target.clone();
            path.and_then(|path| self.databricks_yaml(path, target.as_deref()))
        } else {
            self.settings_file(path, xacct_compute::parse_databricks_file)
        };
        let Some(file) = file else {
            return Vec::new();
        };
        let policies: Vec<xacct_compute::ClusterPolicy> = entry
            .cluster_policies
            .iter()
            .filter_map(|path| self.settings_file(Some(path), xacct_compute::parse_cluster_policy))
            .collect();
        let mut out = Vec::new();
        for labelled in file.clusters {
            let mut cluster = labelled.cluster;
            if let Some(id) = cluster.policy_id.clone() {
                let policy = policies.iter().find(|policy| {
                    policy
                        .policy_id
                        .as_ref()
                        .is_some_and(|policy_id| policy_id.value == id.value)
                });
                match policy {
                    Some(policy) => {
                        for attribute in cluster.apply_policy(policy) {
                            self.warning(
                                "cluster-policy-overrides",
                                span_of(entry.databricks_cluster.as_ref().unwrap_or(&entry.name)),
                                format!(
                                    "cluster `{}` sets `{attribute}`, which its policy {} fixes to another value: xacct uses the policy's",
                                    labelled.label,
                                    id.value
                                ),
                            );
                        }
                    }
                    None => {
                        self.warning(
                            "cluster-policy-not-given",
                            span_of(entry.databricks_cluster.as_ref().unwrap_or(&entry.name)),
                            format!(
                                "cluster `{}` is created under cluster policy {}, which is not in `cluster_policies`: the values it fixes are not applied",
                                if labelled.label.is_empty() { entry.name.get_ref() } else { &labelled.label },
                                id.value
                            ),
                        )
                        .help = Some("add the policy's `cluster-policies get` output to `cluster_policies`".to_owned());
                    }
                }
            }
            out.push((labelled.label, cluster));
        }
        out
    }

    /// Adds one compute read from `entry` under `name`.
    pub(super) fn insert_compute(
        &mut self,
        entry: &manifest::ComputeEntry,
        name: String,
        mut settings: crate::model::ComputeSettings,
    ) {
        self.resolve_emr_profile_name(entry, &mut settings);
        self.one_instance_profile(entry, &mut settings);
        // The cluster file names the instance profile when the manifest does not.
        let from_cluster = settings
            .databricks
            .as_ref()
            .and_then(|cluster| cluster.instance_profile.as_ref())
            .or_else(|| {
                settings
                    .emr
                    .as_ref()
                    .and_then(|emr| emr.instance_profile.as_ref())
            })
            .map(|located| located.value.to_string());
        // A Glue job names its role; by name, the role is looked up among the scenario's.
        let glue_role = settings
            .glue
            .as_ref()
            .and_then(|job| match &job.role.value {
                xacct_compute::RoleRef::Arn(arn) => Some(arn.to_string()),
                xacct_compute::RoleRef::Name(role_name) => {
                    let mut found = self
                        .world
                        .roles
                        .values()
                        .filter(|role| &role.name == role_name);
                    match (found.next(), found.next()) {
                        (Some(role), None) => Some(role.arn.clone()),
                        _ => None,
                    }
                }
            });
        if let (Some(job), None, None) = (&settings.glue, &glue_role, &entry.role) {
            self.error(
                "unknown-glue-role",
                span_of(&entry.name),
                format!("the role of Glue job `{}` is not one role of the scenario", job.name.value),
            )
            .help = Some("declare the role, write its ARN in the job, or give `role` in the [[compute]] table".to_owned());
        }
        if let Some(role) = &glue_role {
            if !self.world.roles.contains_key(role) {
                self.error(
                    "unknown-role",
                    span_of(&entry.name),
                    format!("the Glue job's role `{role}` is not a role of the scenario"),
                );
            }
        }
        let access_keys = self.access_keys_owner(entry, &settings);
        let origin = self.origin(span_of(&entry.name));
        self.world.compute.insert(
            name.clone(),
            Compute {
                name,
                settings,
                instance_profile: entry
                    .instance_profile
                    .as_ref()
                    .map(|value| value.get_ref().clone())
                    .or(from_cluster),
                role: entry
                    .role
                    .as_ref()
                    .map(|value| value.get_ref().clone())
                    .or(glue_role),
                deployed_by: entry
                    .deployed_by
                    .as_ref()
                    .map(|value| value.get_ref().clone()),
                access_keys,
                origin,
            },
        );
    }

    /// An EMR cluster file that names its instance profile without the account (AMI-era
    /// `describe-cluster` output, or one without `ClusterArn`): the profile is the declared one
    /// of that name, when exactly one is.
    pub(super) fn resolve_emr_profile_name(
        &mut self,
        entry: &manifest::ComputeEntry,
        settings: &mut crate::model::ComputeSettings,
    ) {
        let Some(emr) = settings.emr.as_mut() else {
            return;
        };
        let span = entry
            .emr_cluster
            .as_ref()
            .map_or_else(|| span_of(&entry.name), span_of);
        let Some(name) = emr.instance_profile_name.clone() else {
            return;
        };
        let found: Vec<&InstanceProfile> = self
            .world
            .instance_profiles
            .values()
            .filter(|profile| profile.name == name.value)
            .collect();
        match found.as_slice() {
            [profile] => {
                if let Ok(arn) = profile.arn.parse::<Arn>() {
                    emr.instance_profile = Some(xacct_compute::Located::new(
                        arn,
                        name.span,
                        xacct_compute::Layer::Compute,
                    ));
                }
            }
            [] => {
                self.warning(
                    "instance-profile-account-unknown",
                    span,
                    format!(
                        "the EMR cluster file names instance profile `{}` without its account, and no declared [[instance_profile]] has that name",
                        name.value
                    ),
                )
                .help = Some("declare the profile with [[instance_profile]], keep `ClusterArn` in the file (describe-cluster prints it), or give `instance_profile` in the [[compute]] table".to_owned());
            }
            several => {
                let arns: Vec<&str> = several.iter().map(|profile| profile.arn.as_str()).collect();
                self.error(
                    "ambiguous-instance-profile",
                    span,
                    format!(
                        "the EMR cluster file names instance profile `{}` without its account, and several declared profiles have that name: {}",
                        name.value,
                        arns.join(", ")
                    ),
                )
                .help = Some("give `instance_profile` in the [[compute]] table, or keep `ClusterArn` in the file".to_owned());
            }
        }
    }

    /// The user `access_keys` names: it must be a user of the scenario, and some setting must
    /// hold keys for it to be used.
    pub(super) fn access_keys_owner(
        &mut self,
        entry: &manifest::ComputeEntry,
        settings: &crate::model::ComputeSettings,
    ) -> Option<String> {
        let written = entry.access_keys.as_ref()?;
        let user = written.get_ref().clone();
        if !self.world.users.contains_key(&user) {
            self.error(
                "unknown-user",
                span_of(written),
                format!("`access_keys` names `{user}`, which is not a user of the scenario"),
            )
            .help = Some(
                "long-lived access keys belong to an IAM user: declare it with [[user]]".to_owned(),
            );
            return None;
        }
        let s3a_keys = |conf: &xacct_compute::HadoopConf| {
            conf.settings.iter().any(|setting| {
                setting.key == "fs.s3a.access.key"
                    || (setting.key.starts_with("fs.s3a.bucket.")
                        && setting.key.ends_with(".access.key"))
            })
        };
        let holds_keys = settings.databricks.as_ref().is_some_and(|cluster| {
            cluster.env_access_key.is_some() || s3a_keys(&cluster.spark_conf)
        }) || settings.mounts.as_ref().is_some_and(|mounts| {
            mounts
                .mounts
                .iter()
                .any(|mount| s3a_keys(&mount.extra_configs))
        }) || settings
            .kinesis
            .as_ref()
            .is_some_and(|reader| reader.access_key.is_some());
        if !holds_keys {
            self.warning(
                "access-keys-not-used",
                span_of(written),
                format!("`access_keys` names `{user}`, but no settings file of this compute holds access keys: it is not used"),
            )
            .help = Some("remove `access_keys`, or give the settings file that holds the keys".to_owned());
        }
        Some(user)
    }

    /// One source of truth for a compute's instance profile: the manifest's `instance_profile`
    /// completes a settings file that names none (instance pools, minimal cluster specs) and
    /// overrides one that names another, with a warning, so that the chain checked starts
    /// where the manifest says.
    pub(super) fn one_instance_profile(
        &mut self,
        entry: &manifest::ComputeEntry,
        settings: &mut crate::model::ComputeSettings,
    ) {
        let Some(written) = &entry.instance_profile else {
            return;
        };
        let Ok(arn) = written.get_ref().parse::<Arn>() else {
            return;
        };
        let from_manifest =
            xacct_compute::Located::new(arn, span_of(written), xacct_compute::Layer::Manifest);
        let files = [
            (
                "databricks_cluster",
                settings
                    .databricks
                    .as_mut()
                    .map(|cluster| &mut cluster.instance_profile),
            ),
            (
                "emr_cluster",
                settings.emr.as_mut().map(|emr| &mut emr.instance_profile),
            ),
        ];
        let mut disagreements = Vec::new();
        for (key, slot) in files {
            let Some(slot) = slot else {
                continue;
            };
            if let Some(in_file) = slot.as_ref() {
                if in_file.value != from_manifest.value {
                    disagreements.push(format!("`{key}` names `{}`", in_file.value));
                }
            }
            *slot = Some(from_manifest.clone());
        }
        if !disagreements.is_empty() {
            self.warning(
                "instance-profile-disagrees",
                span_of(written),
                format!(
                    "`instance_profile` is `{}` but {}: xacct uses the manifest's",
                    written.get_ref(),
                    disagreements.join(", ")
                ),
            )
            .help = Some("make them the same, or remove one: the settings file is what the cluster runs with".to_owned());
        }
    }
}
