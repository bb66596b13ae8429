//! `aws iam get-account-authorization-details`: one account's roles, users, groups, instance
//! profiles and managed policies.

use super::{ensure_account, member, Export, LeftOut};
use crate::manifest::ImportEntry;
use crate::model::{Group, InstanceProfile, Role, User};
use crate::tags::Tags;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Finding, PolicyKind, Severity, Span, Spanned};

/// The top-level keys of the output (`NextToken` is what the CLI prints with `--max-items`;
/// `ResponseMetadata` is what boto3 adds when its response is dumped as is).
const KEYS: [&str; 8] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
    "IsTruncated",
    "Marker",
    "NextToken",
    "ResponseMetadata",
];

/// What the export says of one managed policy: its default version, or `None` when that
/// version could not be read (already reported).
type Managed = BTreeMap<String, Option<SourcedPolicy>>;

/// A group of the export, by name, as users name it in `GroupList`.
struct ExportedGroup {
    name: String,
    policies: Vec<SourcedPolicy>,
}

struct Reader<'e, 'l> {
    export: &'e mut Export<'l>,
    /// The account the manifest says the export belongs to.
    expected: Option<AccountId>,
    /// Whether the manifest named `expected` (else it is the first entity's account).
    declared: bool,
    /// Whether an entity of another account was already reported.
    mismatch_reported: bool,
    managed: Managed,
    /// Groups left out, by name: their members are left out too.
    groups_left_out: BTreeSet<String>,
    /// Why the entity being read depends on something left out, when it does.
    depends_on_left_out: Option<String>,
}

pub(super) fn import(export: &mut Export<'_>, root: &Json, entry: &ImportEntry) {
    if root.members().is_none() {
        export.report(
            Finding::error(
                "invalid-export",
                root.span(),
                format!(
                    "expected the JSON object that `aws iam get-account-authorization-details` prints, found {}",
                    root.kind_name()
                ),
            )
            .with_help("run `aws iam get-account-authorization-details --output json > FILE`"),
        );
        return;
    }
    export.unknown_members(
        root,
        &KEYS,
        "the output of get-account-authorization-details",
    );
    truncation(export, root);
    let expected = match &entry.account {
        Some(text) => match text.parse::<AccountId>() {
            Ok(account) => Some(account),
            Err(error) => {
                let span = super::span_of(&entry.path);
                export.loader.error(
                    "invalid-account",
                    span,
                    format!("`account` of this import: {error}"),
                );
                None
            }
        },
        None => None,
    };
    let mut reader = Reader {
        export,
        declared: expected.is_some(),
        expected,
        mismatch_reported: false,
        managed: BTreeMap::new(),
        groups_left_out: BTreeSet::new(),
        depends_on_left_out: None,
    };
    for (index, policy) in reader
        .export
        .list(root, "Policies", "the export")
        .iter()
        .enumerate()
    {
        reader.managed_policy(index, policy);
    }
    let mut groups = BTreeMap::new();
    for group in reader.export.list(root, "GroupDetailList", "the export") {
        if let Some(found) = reader.group(group) {
            groups.insert(found.name.clone(), found);
        }
    }
    for role in reader.export.list(root, "RoleDetailList", "the export") {
        reader.role(role);
    }
    for user in reader.export.list(root, "UserDetailList", "the export") {
        reader.user(user, &groups);
    }
}

/// An export cut short by paging misses entities: say so.
fn truncation(export: &mut Export<'_>, root: &Json) {
    let truncated = match member(root, "IsTruncated") {
        Some(Json::Bool { value: true, span }) => Some(*span),
        _ => None,
    };
    let token = member(root, "Marker")
        .or_else(|| member(root, "NextToken"))
        .map(Json::span);
    if let Some(span) = truncated.or(token) {
        export.report(
            Finding::warning(
                "truncated-export",
                span,
                "this export is one page of several: the entities of the other pages are missing",
            )
            .with_help("let the AWS CLI page through everything: run get-account-authorization-details without --max-items"),
        );
    }
}

impl Reader<'_, '_> {
    /// The account of an entity, checked against the account the manifest names.
    ///
    /// Without an `account` in the manifest, the first entity's account is the export's: the
    /// API lists one account's entities, so a second account means files were merged. Either
    /// way each entity keeps the account its ARN names, and the mix is reported once.
    fn account(&mut self, account: AccountId, span: Span) {
        match self.expected {
            Some(expected) if expected != account && !self.mismatch_reported => {
                self.mismatch_reported = true;
                let message = if self.declared {
                    format!("this entity belongs to account {account}, but the import says the export is of account {expected}")
                } else {
                    format!("this export mixes accounts {expected} and {account}: get-account-authorization-details lists one account's entities, so files were merged; each entity keeps the account its ARN names")
                };
                self.export.report(
                    Finding::warning("account-mismatch", span, message).with_help(
                        "import each account's export as its own [[import]] with its `account`",
                    ),
                );
            }
            Some(_) => {}
            None => self.expected = Some(account),
        }
        ensure_account(self.export, account, span);
    }

    fn managed_policy(&mut self, index: usize, policy: &Json) {
        let before = self.export.loader.findings.len();
        self.read_managed_policy(index, policy);
        let arn = member(policy, "Arn").and_then(Json::as_str);
        let entity = arn.map_or_else(|| format!("Policies[{index}]"), str::to_owned);
        if self.leave_out_on_errors(before, "managed policy", entity) {
            if let Some(arn) = arn {
                self.managed.insert(arn.to_owned(), None);
            }
        }
    }

    fn read_managed_policy(&mut self, index: usize, policy: &Json) {
        let owner = format!("Policies[{index}]");
        let Some(arn) = self.export.string(policy, "Arn", &owner) else {
            return;
        };
        let name = member(policy, "PolicyName")
            .and_then(Json::as_str)
            .map_or_else(
                || arn.value.rsplit('/').next().unwrap_or_default().to_owned(),
                str::to_owned,
            );
        let owner = format!("managed policy {name}");
        if self.managed.contains_key(&arn.value) {
            self.export.warning(
                "duplicate-managed-policy",
                arn.span,
                format!(
                    "managed policy `{}` is listed twice: the first one is used",
                    arn.value
                ),
            );
            return;
        }
        let default_id = member(policy, "DefaultVersionId").and_then(Json::as_str);
        let versions = self.export.list(policy, "PolicyVersionList", &owner);
        let flagged: Vec<(usize, &Json)> = versions
            .iter()
            .enumerate()
            .filter(|(_, version)| {
                matches!(
                    member(version, "IsDefaultVersion"),
                    Some(Json::Bool { value: true, .. })
                )
            })
            .collect();
        let chosen = match flagged.as_slice() {
            [one] => Some(*one),
            [first, ..] => {
                self.export.warning(
                    "several-default-versions",
                    first.1.span(),
                    format!("{owner} has more than one version with `IsDefaultVersion: true`: the first is used"),
                );
                Some(*first)
            }
            [] => versions.iter().enumerate().find(|(_, version)| {
                default_id.is_some()
                    && member(version, "VersionId").and_then(Json::as_str) == default_id
            }),
        };
        let Some((position, version)) = chosen else {
            self.export.report(
                Finding::error(
                    "missing-default-version",
                    arn.span,
                    format!("{owner} has no default version in `PolicyVersionList`: its permissions are unknown"),
                )
                .with_help("the export must list the default version with `IsDefaultVersion: true`"),
            );
            self.managed.insert(arn.value, None);
            return;
        };
        let version_id = member(version, "VersionId")
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_owned();
        if let Some(default_id) = default_id {
            if default_id != version_id {
                self.export.warning(
                    "default-version-mismatch",
                    version.span(),
                    format!("{owner}: `DefaultVersionId` is {default_id} but the version flagged as default is {version_id}; {version_id} is used"),
                );
            }
        }
        let document = self.export.required(
            version,
            "Document",
            &format!("PolicyVersionList[{position}] of {name}"),
        );
        let parsed = document.and_then(|document| {
            self.export.policy(
                document,
                PolicyKind::Identity,
                format!("managed policy {} ({version_id})", arn.value),
                &format!("PolicyVersionList[{position}] of {name}"),
            )
        });
        if let Some(parsed) = &parsed {
            // Manifest entries may attach it too.
            self.export
                .loader
                .managed
                .insert(arn.value.clone(), parsed.clone());
        }
        self.managed.insert(arn.value, parsed);
    }

    /// The inline policies of an entity (`RolePolicyList`, `UserPolicyList`, `GroupPolicyList`).
    fn inline(&mut self, entity: &Json, list: &str, name: &str, arn: &str) -> Vec<SourcedPolicy> {
        let mut out = Vec::new();
        for (index, item) in self.export.list(entity, list, name).iter().enumerate() {
            let place = format!("{list}[{index}] of {name}");
            let policy_name = member(item, "PolicyName")
                .and_then(Json::as_str)
                .unwrap_or("?");
            let Some(document) = self.export.required(item, "PolicyDocument", &place) else {
                continue;
            };
            if let Some(policy) = self.export.policy(
                document,
                PolicyKind::Inline,
                format!("inline policy {policy_name} of {arn}"),
                &place,
            ) {
                out.push(policy);
            }
        }
        out
    }

    /// A managed policy by ARN: from this export, or from one imported before.
    fn lookup(&self, arn: &str) -> Option<Option<SourcedPolicy>> {
        self.managed
            .get(arn)
            .cloned()
            .or_else(|| self.export.loader.managed.get(arn).cloned().map(Some))
    }

    /// The attached managed policies of an entity; those the export lacks are reported.
    fn attached(&mut self, entity: &Json, what: &str, name: &str, arn: &str) -> Vec<SourcedPolicy> {
        let mut out = Vec::new();
        for item in self.export.list(entity, "AttachedManagedPolicies", name) {
            let Some(policy_arn) =
                self.export
                    .string(item, "PolicyArn", &format!("an attached policy of {name}"))
            else {
                continue;
            };
            match self.lookup(&policy_arn.value) {
                Some(Some(policy)) => out.push(policy),
                Some(None) => self.depends(format!(
                    "it attaches managed policy `{}`, which is left out",
                    policy_arn.value
                )),
                None => self.missing_managed(&policy_arn, what, arn, "it is evaluated without it"),
            }
        }
        out
    }

    fn missing_managed(
        &mut self,
        policy_arn: &Spanned<String>,
        what: &str,
        arn: &str,
        consequence: &str,
    ) {
        let aws_managed = policy_arn.value.starts_with("arn:aws:iam::aws:policy/");
        let help = if aws_managed {
            "AWS-managed policies are only in exports made without `--filter` (or with AWSManagedPolicy in it); import such an export before this one"
        } else {
            "the export lacks its `Policies` entry: export again without `--filter`, or import the export of the account that owns it first"
        };
        self.export.report(
            Finding::warning(
                "unexported-managed-policy",
                policy_arn.span,
                format!(
                    "{} policy `{}`, attached to {what} `{arn}`, is not in the export: {consequence}",
                    if aws_managed { "AWS-managed" } else { "managed" },
                    policy_arn.value
                ),
            )
            .with_help(help),
        );
    }

    fn boundary(
        &mut self,
        entity: &Json,
        what: &str,
        name: &str,
        arn: &str,
    ) -> Option<SourcedPolicy> {
        let boundary = member(entity, "PermissionsBoundary")?;
        let policy_arn = self.export.string(
            boundary,
            "PermissionsBoundaryArn",
            &format!("the permissions boundary of {name}"),
        )?;
        match self.lookup(&policy_arn.value) {
            Some(Some(mut policy)) => {
                Arc::make_mut(&mut policy.policy).kind = PolicyKind::Boundary;
                policy.label = format!("permissions boundary of {arn} ({})", policy.label);
                Some(policy)
            }
            Some(None) => {
                self.depends(format!(
                    "its permissions boundary `{}` is left out",
                    policy_arn.value
                ));
                None
            }
            None => {
                self.missing_managed(
                    &policy_arn,
                    what,
                    arn,
                    "it is its permissions boundary: until its document is added, the boundary is taken to allow nothing, so xacct never reports more access than it can prove",
                );
                let unknown = xacct_policy::parse_policy(
                    r#"{"Version": "2012-10-17", "Statement": []}"#,
                    PolicyKind::Boundary,
                );
                Some(SourcedPolicy::new(
                    unknown.policy,
                    format!(
                        "permissions boundary of {arn} ({}, document missing)",
                        policy_arn.value
                    ),
                ))
            }
        }
    }

    fn tags(&mut self, entity: &Json, name: &str) -> Tags {
        let mut tags = Vec::new();
        for tag in self.export.list(entity, "Tags", name) {
            let key = self.export.string(tag, "Key", &format!("a tag of {name}"));
            let value = self
                .export
                .string(tag, "Value", &format!("a tag of {name}"));
            if let (Some(key), Some(value)) = (key, value) {
                tags.push((key.value, value.value));
            }
        }
        tags.into_iter().collect()
    }

    fn group(&mut self, group: &Json) -> Option<ExportedGroup> {
        let before = self.export.loader.findings.len();
        self.depends_on_left_out = None;
        let found = self.read_group(group);
        let name = member(group, "GroupName").and_then(Json::as_str);
        let entity = member(group, "Arn")
            .and_then(Json::as_str)
            .or(name)
            .map_or_else(|| "a group of GroupDetailList".to_owned(), str::to_owned);
        if self.leave_out_on_errors(before, "group", entity) {
            if let Some(arn) = member(group, "Arn").and_then(Json::as_str) {
                self.export.loader.world.groups.remove(arn);
            }
            if let Some(found) = &found {
                self.groups_left_out.insert(found.name.clone());
            }
            if let Some(name) = name {
                self.groups_left_out.insert(name.to_owned());
            }
            return None;
        }
        found
    }

    fn read_group(&mut self, group: &Json) -> Option<ExportedGroup> {
        let arn = self
            .export
            .string(group, "Arn", "a group of GroupDetailList")?;
        let (account, name, _) = self.export.iam_arn(&arn, "group")?;
        if self.export.loader.world.groups.contains_key(&arn.value) {
            self.export.error(
                "duplicate-group",
                arn.span,
                format!("group `{}` is declared twice", arn.value),
            );
            return None;
        }
        self.account(account, arn.span);
        let owner = format!("group {name}");
        let mut policies = self.inline(group, "GroupPolicyList", &owner, &arn.value);
        policies.extend(self.attached(group, "group", &owner, &arn.value));
        self.export.loader.world.groups.insert(
            arn.value.clone(),
            Group {
                arn: arn.value,
                account,
                name: name.clone(),
                policies: policies.clone(),
            },
        );
        Some(ExportedGroup { name, policies })
    }

    fn role(&mut self, role: &Json) {
        let before = self.export.loader.findings.len();
        self.depends_on_left_out = None;
        let read = self.read_role(role);
        let entity = member(role, "Arn")
            .and_then(Json::as_str)
            .map_or_else(|| "a role of RoleDetailList".to_owned(), str::to_owned);
        if self.leave_out_on_errors(before, "role", entity) {
            return;
        }
        let Some((read, owner)) = read else {
            return;
        };
        // Its instance profiles, only once the role is known to be kept.
        for profile in self.export.list(role, "InstanceProfileList", &owner) {
            let before = self.export.loader.findings.len();
            self.instance_profile(profile, &read.arn);
            let entity = member(profile, "Arn")
                .and_then(Json::as_str)
                .map_or_else(|| format!("an instance profile of {owner}"), str::to_owned);
            self.leave_out_on_errors(before, "instance profile", entity);
        }
        self.export
            .loader
            .world
            .roles
            .insert(read.arn.clone(), Box::new(read));
    }

    /// The role as the export describes it, and the name to report its parts under.
    fn read_role(&mut self, role: &Json) -> Option<(Role, String)> {
        let arn = self
            .export
            .string(role, "Arn", "a role of RoleDetailList")?;
        let (account, name, arn_path) = self.export.iam_arn(&arn, "role")?;
        if self.export.loader.world.roles.contains_key(&arn.value) {
            self.export.error(
                "duplicate-role",
                arn.span,
                format!("role `{}` is declared twice", arn.value),
            );
            return None;
        }
        self.account(account, arn.span);
        let owner = format!("role {name}");
        let document = self
            .export
            .required(role, "AssumeRolePolicyDocument", &owner)?;
        let trust = self.export.policy(
            document,
            PolicyKind::Trust,
            format!("trust policy of {}", arn.value),
            &format!("AssumeRolePolicyDocument of {name}"),
        )?;
        let mut policies = self.inline(role, "RolePolicyList", &owner, &arn.value);
        policies.extend(self.attached(role, "role", &owner, &arn.value));
        // Pushed to, the vector has room for four: 160 bytes a role for one or two policies.
        policies.shrink_to_fit();
        let boundary = self.boundary(role, "role", &owner, &arn.value);
        let tags = self.tags(role, &owner);
        let path = member(role, "Path")
            .and_then(Json::as_str)
            .map_or(arn_path, str::to_owned);
        let max_session_duration = self.max_session_duration(role);
        let origin = self.export.origin(role.span());
        Some((
            Role {
                arn: arn.value,
                account,
                name,
                service_linked: path.starts_with("/aws-service-role/"),
                path,
                trust,
                policies,
                boundary,
                tags,
                max_session_duration,
                origin,
            },
            owner,
        ))
    }

    /// `RoleDetail` has no `MaxSessionDuration` (only `get-role` prints it): 3600 seconds, the
    /// default, unless the export was merged with `get-role` output.
    fn max_session_duration(&mut self, role: &Json) -> u32 {
        match member(role, "MaxSessionDuration") {
            None => 3600,
            Some(Json::Number { text, span }) => match text.parse::<u32>() {
                Ok(seconds) if (3600..=43200).contains(&seconds) => seconds,
                _ => {
                    self.export.error(
                        "invalid-duration",
                        *span,
                        format!("`MaxSessionDuration` must be between 3600 and 43200 seconds, found {text}"),
                    );
                    3600
                }
            },
            Some(other) => {
                self.export.error(
                    "invalid-export-value",
                    other.span(),
                    format!(
                        "`MaxSessionDuration` must be a number, found {}",
                        other.kind_name()
                    ),
                );
                3600
            }
        }
    }

    fn instance_profile(&mut self, profile: &Json, role_arn: &str) {
        let Some(arn) =
            self.export
                .string(profile, "Arn", "an instance profile of InstanceProfileList")
        else {
            return;
        };
        let Some((account, name, _)) = self.export.iam_arn(&arn, "instance-profile") else {
            return;
        };
        let holder = self
            .export
            .loader
            .world
            .instance_profiles
            .get(&arn.value)
            .map(|existing| existing.role.clone());
        if let Some(holder) = holder {
            if holder != role_arn {
                let message = format!(
                    "instance profile `{}` already holds role `{holder}`: a profile holds one role",
                    arn.value
                );
                self.export
                    .error("duplicate-instance-profile", arn.span, message);
            }
            return;
        }
        let origin = self.export.origin(profile.span());
        self.export.loader.world.instance_profiles.insert(
            arn.value.clone(),
            InstanceProfile {
                arn: arn.value,
                account,
                name,
                role: role_arn.to_owned(),
                origin,
            },
        );
    }

    fn user(&mut self, user: &Json, groups: &BTreeMap<String, ExportedGroup>) {
        let before = self.export.loader.findings.len();
        self.depends_on_left_out = None;
        let read = self.read_user(user, groups);
        let entity = member(user, "Arn")
            .and_then(Json::as_str)
            .map_or_else(|| "a user of UserDetailList".to_owned(), str::to_owned);
        if self.leave_out_on_errors(before, "user", entity) {
            return;
        }
        if let Some(read) = read {
            self.export
                .loader
                .world
                .users
                .insert(read.arn.clone(), read);
        }
    }

    fn read_user(&mut self, user: &Json, groups: &BTreeMap<String, ExportedGroup>) -> Option<User> {
        let arn = self
            .export
            .string(user, "Arn", "a user of UserDetailList")?;
        let (account, name, _) = self.export.iam_arn(&arn, "user")?;
        if self.export.loader.world.users.contains_key(&arn.value) {
            self.export.error(
                "duplicate-user",
                arn.span,
                format!("user `{}` is declared twice", arn.value),
            );
            return None;
        }
        self.account(account, arn.span);
        let owner = format!("user {name}");
        let mut policies = self.inline(user, "UserPolicyList", &owner, &arn.value);
        policies.extend(self.attached(user, "user", &owner, &arn.value));
        let mut group_names = Vec::new();
        for group in self.export.list(user, "GroupList", &owner) {
            let Some(group_name) = self.export.as_string(group, &format!("a group of {owner}"))
            else {
                continue;
            };
            if self.groups_left_out.contains(&group_name.value) {
                self.depends(format!(
                    "it is a member of group `{}`, which is left out",
                    group_name.value
                ));
                continue;
            }
            match groups.get(&group_name.value) {
                Some(found) => {
                    policies.extend(found.policies.iter().cloned());
                    group_names.push(found.name.clone());
                }
                None => {
                    self.export.report(
                        Finding::warning(
                            "unexported-group",
                            group_name.span,
                            format!(
                                "group `{}` of user `{}` is not in the export's GroupDetailList: the user is evaluated without its policies",
                                group_name.value, arn.value
                            ),
                        )
                        .with_help("export again without `--filter`, or with Group in it"),
                    );
                }
            }
        }
        policies.shrink_to_fit();
        let boundary = self.boundary(user, "user", &owner, &arn.value);
        let tags = self.tags(user, &owner);
        let origin = self.export.origin(user.span());
        Some(User {
            arn: arn.value,
            account,
            name,
            policies,
            groups: group_names,
            boundary,
            tags,
            origin,
        })
    }

    /// Notes that the entity being read depends on something left out.
    fn depends(&mut self, reason: String) {
        if self.depends_on_left_out.is_none() {
            self.depends_on_left_out = Some(reason);
        }
    }

    /// Leaves the entity out when reading it raised errors (since finding `before`) or it
    /// depends on something left out; true when it did.
    fn leave_out_on_errors(&mut self, before: usize, kind: &'static str, entity: String) -> bool {
        let findings = &self.export.loader.findings;
        let errors: Vec<usize> = (before..findings.len())
            .filter(|index| {
                findings
                    .get(*index)
                    .is_some_and(|finding| finding.finding.severity == Severity::Error)
            })
            .collect();
        let dependency = self.depends_on_left_out.take();
        let reason = match (
            errors.first().and_then(|index| findings.get(*index)),
            dependency,
        ) {
            (Some(first), _) => format!("{} ({})", first.finding.message, first.location()),
            (None, Some(dependency)) => dependency,
            (None, None) => return false,
        };
        self.export.loader.left_out.push(LeftOut {
            kind,
            entity,
            reason,
            findings: errors,
        });
        true
    }
}
