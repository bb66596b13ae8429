//! Accounts, the organization, roles, users and instance profiles of a manifest.

use super::*;

impl Loader {
    pub(super) fn organization(&mut self, entry: &manifest::OrganizationEntry) {
        let Some(management_account) = self.account(&entry.management_account) else {
            return;
        };
        if !entry.id.get_ref().starts_with("o-") {
            self.error(
                "invalid-organization",
                span_of(&entry.id),
                format!(
                    "`{}` is not an organization id: they start with `o-`",
                    entry.id.get_ref()
                ),
            );
        }
        let mut units = BTreeMap::new();
        let root_scps = self.scps(&entry.scps, "the root");
        let root_rcps = self.policies(&entry.rcps, PolicyKind::Rcp, "the root", "rcps");
        units.insert(
            "root".to_owned(),
            Unit {
                name: "root".to_owned(),
                id: "r-root".to_owned(),
                parent: None,
                scps: root_scps,
                rcps: root_rcps,
            },
        );
        for unit in &entry.unit {
            let name = unit.name.get_ref().clone();
            if units.contains_key(&name) {
                self.error(
                    "duplicate-unit",
                    span_of(&unit.name),
                    format!("organizational unit `{name}` is declared twice"),
                );
                continue;
            }
            let owner = format!("unit {name}");
            let scps = self.scps(&unit.scps, &owner);
            let rcps = self.policies(&unit.rcps, PolicyKind::Rcp, &owner, "rcps");
            let parent = unit
                .parent
                .as_ref()
                .map_or_else(|| "root".to_owned(), |parent| parent.get_ref().clone());
            units.insert(
                name.clone(),
                Unit {
                    id: unit.id.clone().unwrap_or_else(|| format!("ou-{name}")),
                    name,
                    parent: Some(parent),
                    scps,
                    rcps,
                },
            );
        }
        for unit in &entry.unit {
            if let Some(parent) = &unit.parent {
                if !units.contains_key(parent.get_ref()) {
                    self.error(
                        "unknown-unit",
                        span_of(parent),
                        format!("parent unit `{}` is not declared", parent.get_ref()),
                    );
                }
            }
            // Walk up from the unit; a walk longer than the number of units is a cycle.
            let mut current = Some(unit.name.get_ref().clone());
            let mut steps = 0;
            while let Some(name) = current {
                steps += 1;
                if steps > units.len() + 1 {
                    self.error(
                        "unit-cycle",
                        span_of(&unit.name),
                        format!("unit `{}` is its own ancestor", unit.name.get_ref()),
                    );
                    break;
                }
                current = units.get(&name).and_then(|unit| unit.parent.clone());
            }
        }
        self.world.organization = Some(Organization {
            id: entry.id.get_ref().clone(),
            management_account,
            units,
        });
    }

    pub(super) fn account_entry(&mut self, entry: &manifest::AccountEntry) {
        let Some(id) = self.account(&entry.id) else {
            return;
        };
        // An account an import already placed keeps its unit and policies; the manifest may
        // name it and attach more.
        if let Some(existing) = self.world.accounts.get(&id).cloned() {
            if existing.unit.is_some() && entry.unit.is_none() && !entry.outside_organization {
                let owner = format!("account {id}");
                let scps = self.policies(&entry.scps, PolicyKind::Scp, &owner, "scps");
                let rcps = self.policies(&entry.rcps, PolicyKind::Rcp, &owner, "rcps");
                if let Some(account) = self.world.accounts.get_mut(&id) {
                    account.name = entry.name.clone().or(existing.name);
                    account.scps.extend(scps);
                    account.rcps.extend(rcps);
                }
                return;
            }
        }
        let member = self.world.organization.is_some() && !entry.outside_organization;
        let unit = if member {
            let name = entry
                .unit
                .as_ref()
                .map_or_else(|| "root".to_owned(), |unit| unit.get_ref().clone());
            let known = self
                .world
                .organization
                .as_ref()
                .is_some_and(|organization| organization.units.contains_key(&name));
            if !known {
                if let Some(unit) = &entry.unit {
                    self.error(
                        "unknown-unit",
                        span_of(unit),
                        format!("unit `{name}` is not declared under [organization]"),
                    );
                }
            }
            Some(name)
        } else {
            if let Some(unit) = &entry.unit {
                self.error(
                    "unit-outside-organization",
                    span_of(unit),
                    "an account outside the organization has no unit",
                );
            }
            None
        };
        let owner = format!("account {id}");
        let scps = if member {
            self.scps(&entry.scps, &owner)
        } else {
            Vec::new()
        };
        let rcps = self.policies(&entry.rcps, PolicyKind::Rcp, &owner, "rcps");
        self.world.accounts.insert(
            id,
            Account {
                id,
                name: entry.name.clone(),
                unit,
                scps,
                rcps,
                block_public_access: entry
                    .block_public_access
                    .map(manifest::BlockPublicAccessEntry::switches)
                    .unwrap_or(xacct_s3::BlockPublicAccess::NONE),
            },
        );
    }

    pub(super) fn managed_policies(&mut self, arns: &[Spanned<String>]) -> Vec<SourcedPolicy> {
        let mut out = Vec::new();
        for arn in arns {
            match self.managed.get(arn.get_ref()) {
                Some(policy) => out.push(policy.clone()),
                None => {
                    let aws_managed = arn.get_ref().starts_with("arn:aws:iam::aws:policy/");
                    self.error(
                        "unknown-managed-policy",
                        span_of(arn),
                        format!("managed policy `{}` is attached but its document is not in the scenario", arn.get_ref()),
                    )
                    .help = Some(if aws_managed {
                        "AWS-managed policies are not bundled: add [[managed_policy]] with its current document (aws iam get-policy-version)".to_owned()
                    } else {
                        "add [[managed_policy]] arn = \"...\" document = \"path.json\"".to_owned()
                    });
                }
            }
        }
        out
    }

    pub(crate) fn role_entry(&mut self, entry: &manifest::RoleEntry) {
        let Some((account, name, path)) = self.iam_arn(&entry.arn, "role") else {
            return;
        };
        let arn = entry.arn.get_ref().clone();
        if self.world.roles.contains_key(&arn) {
            self.error(
                "duplicate-role",
                span_of(&entry.arn),
                format!("role `{arn}` is declared twice"),
            );
            return;
        }
        self.ensure_account(account, span_of(&entry.arn));
        let Some(trust) = self.policy(
            &entry.trust,
            PolicyKind::Trust,
            format!("trust policy of {arn}"),
        ) else {
            return;
        };
        let mut policies = self.policies(&entry.policies, PolicyKind::Inline, &arn, "policies");
        policies.extend(self.managed_policies(&entry.managed));
        let boundary = entry.boundary.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Boundary,
                format!("permissions boundary of {arn}"),
            )
        });
        let max_session_duration = match &entry.max_session_duration {
            Some(value) if !(3600..=43200).contains(value.get_ref()) => {
                self.error(
                    "invalid-duration",
                    span_of(value),
                    format!(
                        "`max_session_duration` must be between 3600 and 43200 seconds, found {}",
                        value.get_ref()
                    ),
                );
                3600
            }
            Some(value) => *value.get_ref(),
            None => 3600,
        };
        let origin = self.origin(span_of(&entry.arn));
        self.world.roles.insert(
            arn.clone(),
            Box::new(Role {
                arn,
                account,
                name,
                path,
                trust,
                policies,
                boundary,
                tags: entry.tags.clone().into(),
                max_session_duration,
                service_linked: entry.service_linked,
                origin,
            }),
        );
    }

    pub(super) fn user_entry(
        &mut self,
        entry: &manifest::UserEntry,
        groups: &BTreeMap<String, Group>,
    ) {
        let Some((account, name, _)) = self.iam_arn(&entry.arn, "user") else {
            return;
        };
        let arn = entry.arn.get_ref().clone();
        self.ensure_account(account, span_of(&entry.arn));
        let mut policies = self.policies(&entry.policies, PolicyKind::Inline, &arn, "policies");
        policies.extend(self.managed_policies(&entry.managed));
        let mut group_names = Vec::new();
        for group in &entry.groups {
            match groups.get(group.get_ref()) {
                Some(found) => {
                    policies.extend(found.policies.iter().cloned());
                    group_names.push(found.name.clone());
                }
                None => {
                    self.error(
                        "unknown-group",
                        span_of(group),
                        format!("group `{}` is not declared", group.get_ref()),
                    );
                }
            }
        }
        let boundary = entry.boundary.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Boundary,
                format!("permissions boundary of {arn}"),
            )
        });
        let origin = self.origin(span_of(&entry.arn));
        self.world.users.insert(
            arn.clone(),
            User {
                arn,
                account,
                name,
                policies,
                groups: group_names,
                boundary,
                tags: entry.tags.clone().into(),
                origin,
            },
        );
    }

    pub(super) fn instance_profile_entry(&mut self, entry: &manifest::InstanceProfileEntry) {
        let Some((account, name, _)) = self.iam_arn(&entry.arn, "instance-profile") else {
            return;
        };
        let role = entry.role.get_ref();
        let role_arn = if role.starts_with("arn:") {
            role.clone()
        } else {
            format!("arn:aws:iam::{account}:role/{role}")
        };
        if !self.world.roles.contains_key(&role_arn) {
            self.error(
                "unknown-role",
                span_of(&entry.role),
                format!("role `{role_arn}` of the instance profile is not declared"),
            )
            .help = Some("declare it with [[role]]".to_owned());
            return;
        }
        let origin = self.origin(span_of(&entry.arn));
        self.world.instance_profiles.insert(
            entry.arn.get_ref().clone(),
            InstanceProfile {
                arn: entry.arn.get_ref().clone(),
                account,
                name,
                role: role_arn,
                origin,
            },
        );
    }
}
