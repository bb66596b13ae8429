//! Reading a scenario folder (`xacct.toml` and the policy files it names) into a [`World`].
//! Every problem is a finding with its file, line and column; nothing is silently dropped.

use crate::files::{self, FileAccess};
use crate::import::{self, LeftOut};
use crate::manifest::{self, Manifest, PolicyRef, PolicySource};
use crate::model::{
    Account, Bucket, Compute, Expectation, Group, InstanceProfile, Key, Organization, Origin, Role,
    Stream, Unit, User, World,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{
    parse_policy, AccountId, Arn, Finding, PolicyKind, Severity, SourceFile, SourcedFinding, Span,
};

/// A loaded world and everything found while loading it.
pub struct Loaded {
    pub world: World,
    pub findings: Vec<SourcedFinding>,
    /// The manifest, for diagnostics that point at expectations.
    pub manifest: Arc<SourceFile>,
    /// Entities of exports left out because of their own errors (see [`LeftOut`]).
    pub left_out: Vec<LeftOut>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.finding.severity == Severity::Error)
    }

    /// Errors that leave the world unusable: every error but those of an entity of an export
    /// that was left out, which cost only that entity.
    pub fn has_blocking_errors(&self) -> bool {
        self.findings.iter().enumerate().any(|(index, finding)| {
            finding.finding.severity == Severity::Error
                && !self
                    .left_out
                    .iter()
                    .any(|entity| entity.findings.contains(&index))
        })
    }
}

/// `FullAWSAccess`, attached by default at every level that lists no SCP of its own.
const FULL_AWS_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Loads `dir/xacct.toml` (or a manifest path given directly); the files it names must stay
/// inside the scenario's root (see [`crate::files`]).
pub fn load(path: &Path) -> Result<Loaded, String> {
    load_with(path, &FileAccess::anywhere())
}

/// [`load`], also reading the places `access` allows (`--allow-outside`).
pub fn load_with(path: &Path, access: &FileAccess) -> Result<Loaded, String> {
    let manifest_path = if path.is_dir() {
        path.join("xacct.toml")
    } else {
        path.to_path_buf()
    };
    // The manifest is named by the user: read from anywhere, but only a regular file.
    let text = FileAccess::anywhere()
        .read_text(&manifest_path, files::MANIFEST_LIMIT, "a scenario manifest")
        .map_err(|error| error.to_string())?;
    let source = SourceFile::new(manifest_path.display().to_string(), text);
    let base = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(load_text_with(source, &base, access))
}

/// Loads a manifest whose text is already read; policy paths are relative to `base`.
pub fn load_text(source: Arc<SourceFile>, base: &Path) -> Loaded {
    load_text_with(source, base, &FileAccess::anywhere())
}

/// [`load_text`], also reading the places `access` allows.
pub fn load_text_with(source: Arc<SourceFile>, base: &Path, access: &FileAccess) -> Loaded {
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let mut loader = Loader {
        manifest: Arc::clone(&source),
        base: base.to_path_buf(),
        files: access.confined_to(folder),
        findings: Vec::new(),
        world: World::default(),
        managed: BTreeMap::new(),
        left_out: Vec::new(),
    };
    match toml::from_str::<Manifest>(&source.text) {
        Ok(manifest) => {
            for problem in crate::names::check(&manifest) {
                let span = Span::new(problem.span.start, problem.span.end);
                loader.error(problem.code, span, problem.message).help = Some(problem.help);
            }
            loader.manifest_entries(manifest);
        }
        Err(error) => {
            let span = error
                .span()
                .map_or(Span::new(0, 0), |range| Span::new(range.start, range.end));
            let help = crate::suggest::unknown_field_help(error.message());
            let finding = loader.error("invalid-manifest", span, error.message().to_owned());
            if let Some(help) = help {
                finding.help = Some(help);
            }
        }
    }
    let exposed = crate::exposure::findings(&loader.world);
    loader.findings.extend(exposed);
    Loaded {
        world: loader.world,
        findings: loader.findings,
        manifest: source,
        left_out: loader.left_out,
    }
}

pub(crate) struct Loader {
    pub(crate) manifest: Arc<SourceFile>,
    pub(crate) base: PathBuf,
    /// Where the files the manifest names may be read from.
    pub(crate) files: FileAccess,
    pub(crate) findings: Vec<SourcedFinding>,
    pub(crate) world: World,
    /// Managed policy documents by ARN.
    pub(crate) managed: BTreeMap<String, SourcedPolicy>,
    pub(crate) left_out: Vec<LeftOut>,
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

impl Loader {
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(Finding::error(code, span, message))
    }

    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(Finding::warning(code, span, message))
    }

    pub(crate) fn push(&mut self, finding: Finding) -> &mut Finding {
        self.findings.push(finding.in_source(&self.manifest));
        let last = self.findings.len() - 1;
        #[expect(
            clippy::indexing_slicing,
            reason = "index of the element pushed on the line above"
        )]
        &mut self.findings[last].finding
    }

    pub(crate) fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.manifest.name.clone(),
            span,
            location: self.manifest.location(span),
        }
    }

    /// Reads a file the manifest names at `span`, confined to the scenario's root; a refusal
    /// is an error finding `code` that names the file, never its content.
    pub(crate) fn read_file(
        &mut self,
        full: &Path,
        limit: u64,
        what: &'static str,
        (code, span): (&'static str, Span),
    ) -> Option<String> {
        match self.files.read_text(full, limit, what) {
            Ok(text) => Some(text),
            Err(error) => {
                let (code, message) = match &error {
                    files::FileError::Io { error, .. } => {
                        let noun = what.trim_start_matches("an ").trim_start_matches("a ");
                        (
                            code,
                            format!("cannot read {noun} `{}`: {error}", full.display()),
                        )
                    }
                    _ => ("file-refused", error.to_string()),
                };
                let help = error
                    .help()
                    .unwrap_or_else(|| "paths are relative to the folder of xacct.toml".to_owned());
                self.error(code, span, message).help = Some(help);
                None
            }
        }
    }

    /// Reads a policy document named by the manifest, with the rules of `kind`.
    pub(crate) fn policy(
        &mut self,
        reference: &PolicyRef,
        kind: PolicyKind,
        label: String,
    ) -> Option<SourcedPolicy> {
        let span = span_of(reference);
        let (source, text) = match reference.get_ref() {
            PolicySource::Path(path) => {
                let full = normalize(&self.base.join(path));
                let text = self.read_file(
                    &full,
                    files::POLICY_LIMIT,
                    "a policy file",
                    ("missing-policy-file", span),
                )?;
                (
                    SourceFile::new(full.display().to_string(), text.clone()),
                    text,
                )
            }
            // A document from elsewhere (a Terraform plan) is a file of its own, named after it.
            PolicySource::Inline(inline) if inline.origin.is_some() => {
                let name = inline.origin.clone().unwrap_or_default();
                (
                    SourceFile::new(name, inline.inline.clone()),
                    inline.inline.clone(),
                )
            }
            PolicySource::Inline(inline) => {
                let value = &inline.inline;
                // A literal string holds the JSON verbatim: parse the manifest with everything
                // around it blanked, so spans, lines and columns point into the manifest
                // itself. Other strings (with escapes) get a file of their own.
                let raw = self
                    .manifest
                    .text
                    .get(span.start..span.end)
                    .unwrap_or_default();
                match raw.find(value.as_str()).filter(|_| !value.is_empty()) {
                    Some(at) => {
                        let masked =
                            mask_outside(&self.manifest.text, span.start + at, value.len());
                        (Arc::clone(&self.manifest), masked)
                    }
                    None => {
                        let name = format!(
                            "{} (inline policy at {})",
                            self.manifest.name,
                            self.manifest.location(span)
                        );
                        (SourceFile::new(name, value.clone()), value.clone())
                    }
                }
            }
        };
        let parsed = parse_policy(&text, kind);
        let service_findings = xacct_catalog::service_findings(&parsed.policy);
        for finding in parsed.findings.iter().chain(&service_findings) {
            self.findings.push(finding.in_source(&source));
        }
        (!parsed.has_errors()).then(|| SourcedPolicy::new(parsed.policy, label).with_source(source))
    }

    fn policies(
        &mut self,
        references: &[PolicyRef],
        kind: PolicyKind,
        owner: &str,
        what: &str,
    ) -> Vec<SourcedPolicy> {
        references
            .iter()
            .enumerate()
            .filter_map(|(index, reference)| {
                self.policy(reference, kind, format!("{what}[{index}] of {owner}"))
            })
            .collect()
    }

    pub(crate) fn account(&mut self, text: &Spanned<String>) -> Option<AccountId> {
        match text.get_ref().parse::<AccountId>() {
            Ok(account) => Some(account),
            Err(error) => {
                self.error("invalid-account", span_of(text), error.to_string());
                None
            }
        }
    }

    /// Parses an IAM ARN of the given resource type (`role`, `user`, ...).
    fn iam_arn(
        &mut self,
        text: &Spanned<String>,
        kind: &str,
    ) -> Option<(AccountId, String, String)> {
        let parsed = text.get_ref().parse::<Arn>().ok().and_then(|arn| {
            let account = arn.account()?;
            let rest = arn.resource().strip_prefix(kind)?.strip_prefix('/')?;
            let name = rest.rsplit('/').next()?.to_owned();
            let path = format!("/{}", rest.strip_suffix(name.as_str()).unwrap_or_default());
            (arn.service() == "iam" && !name.is_empty()).then_some((account, name, path))
        });
        if parsed.is_none() {
            self.error(
                "invalid-arn",
                span_of(text),
                format!("`{}` is not an IAM {kind} ARN", text.get_ref()),
            )
            .help = Some(format!("write it as `arn:aws:iam::ACCOUNT:{kind}/NAME`"));
        }
        parsed
    }

    fn ensure_account(&mut self, account: AccountId, span: Span) {
        if self.world.accounts.contains_key(&account) {
            return;
        }
        if self.world.organization.is_some() {
            self.warning(
                "undeclared-account",
                span,
                format!("account {account} is not declared with [[account]]: it is treated as outside the organization"),
            )
            .help = Some(format!("add [[account]] id = \"{account}\" (with `unit` when it is a member)"));
        }
        self.world.accounts.insert(
            account,
            Account {
                id: account,
                name: None,
                unit: None,
                scps: Vec::new(),
                rcps: Vec::new(),
                block_public_access: xacct_s3::BlockPublicAccess::NONE,
            },
        );
    }

    fn full_access(&self, owner: &str) -> SourcedPolicy {
        let parsed = parse_policy(FULL_AWS_ACCESS, PolicyKind::Scp);
        SourcedPolicy::new(parsed.policy, format!("FullAWSAccess (default) at {owner}"))
    }

    fn scps(&mut self, references: &[PolicyRef], owner: &str) -> Vec<SourcedPolicy> {
        if references.is_empty() {
            return vec![self.full_access(owner)];
        }
        self.policies(references, PolicyKind::Scp, owner, "scps")
    }

    fn manifest_entries(&mut self, manifest: Manifest) {
        // Managed policy documents first, so that imported roles can use those the export lacks.
        for entry in &manifest.managed_policy {
            if let Some(policy) = self.policy(
                &entry.document,
                PolicyKind::Identity,
                entry.arn.get_ref().clone(),
            ) {
                self.managed.insert(entry.arn.get_ref().clone(), policy);
            }
        }
        for import in &manifest.import {
            import::load_import(self, import);
        }
        if let Some(organization) = &manifest.organization {
            if self.world.organization.is_some() {
                self.error(
                    "duplicate-organization",
                    span_of(&organization.id),
                    "the organization is both imported and declared in [organization]",
                )
                .help =
                    Some("keep one: remove [organization] or the organizations import".to_owned());
            } else {
                self.organization(organization);
            }
        }
        for entry in &manifest.account {
            self.account_entry(entry);
        }
        let mut groups = BTreeMap::new();
        for entry in &manifest.group {
            if let Some((account, name, _)) = self.iam_arn(&entry.arn, "group") {
                let arn = entry.arn.get_ref().clone();
                let mut policies =
                    self.policies(&entry.policies, PolicyKind::Inline, &arn, "policies");
                policies.extend(self.managed_policies(&entry.managed));
                groups.insert(
                    name.clone(),
                    Group {
                        arn: arn.clone(),
                        account,
                        name,
                        policies,
                    },
                );
            }
        }
        for entry in &manifest.role {
            self.role_entry(entry);
        }
        for entry in &manifest.user {
            self.user_entry(entry, &groups);
        }
        for group in groups.into_values() {
            self.world.groups.insert(group.arn.clone(), group);
        }
        for entry in &manifest.instance_profile {
            self.instance_profile_entry(entry);
        }
        for entry in &manifest.bucket {
            self.bucket_entry(entry);
        }
        for entry in &manifest.access_point {
            self.access_point_entry(entry);
        }
        for entry in &manifest.key {
            self.key_entry(entry);
        }
        for entry in &manifest.stream {
            self.stream_entry(entry);
        }
        for entry in &manifest.compute {
            self.compute_entry(entry);
        }
        for entry in &manifest.catalog {
            self.catalog_entry(entry);
        }
        for entry in &manifest.share {
            self.share_entry(entry);
        }
        self.lake_membership(&manifest);
        self.unity_catalog_entries(&manifest);
        for entry in &manifest.intent {
            self.intent_entry(entry);
        }
        for entry in &manifest.expect {
            self.expect_entry(entry);
        }
        self.check_trust_references();
    }

    fn organization(&mut self, entry: &manifest::OrganizationEntry) {
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

    fn account_entry(&mut self, entry: &manifest::AccountEntry) {
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

    fn managed_policies(&mut self, arns: &[Spanned<String>]) -> Vec<SourcedPolicy> {
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
            Role {
                arn,
                account,
                name,
                path,
                trust,
                policies,
                boundary,
                tags: entry.tags.clone(),
                max_session_duration,
                service_linked: entry.service_linked,
                origin,
            },
        );
    }

    fn user_entry(&mut self, entry: &manifest::UserEntry, groups: &BTreeMap<String, Group>) {
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
                tags: entry.tags.clone(),
                origin,
            },
        );
    }

    fn instance_profile_entry(&mut self, entry: &manifest::InstanceProfileEntry) {
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

    fn bucket_entry(&mut self, entry: &manifest::BucketEntry) {
        let Some(account) = self.account(&entry.account) else {
            return;
        };
        let name = entry.name.get_ref().clone();
        self.ensure_account(account, span_of(&entry.account));
        let policy = entry.policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Resource,
                format!("bucket policy of {name}"),
            )
        });
        let ownership = match &entry.ownership {
            None => xacct_s3::ObjectOwnership::default(),
            Some(text) => match text.get_ref().parse::<xacct_s3::ObjectOwnership>() {
                Ok(ownership) => ownership,
                Err(error) => {
                    self.error("invalid-ownership", span_of(text), error.to_string())
                        .help = Some(
                        "one of BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter".to_owned(),
                    );
                    xacct_s3::ObjectOwnership::default()
                }
            },
        };
        let region = entry
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned());
        let encryption = self.bucket_encryption(entry, account, &region);
        let origin = self.origin(span_of(&entry.name));
        let block_public_access = entry.block_public_access.map_or(
            xacct_s3::BlockPublicAccess::ALL,
            manifest::BlockPublicAccessEntry::switches,
        );
        if let (Some(policy), Some(reference)) = (&policy, &entry.policy) {
            let settings = self
                .world
                .block_public_access_with(account, block_public_access);
            if let Err(error) = xacct_s3::put_bucket_policy_allowed(&settings, &policy.policy) {
                self.push(Finding::warning(
                    "public-policy-blocked",
                    span_of(reference),
                    format!("S3 refuses to save this bucket policy of `{name}`: {error}"),
                ))
                .help = Some("a bucket created since April 2023 has every Block Public Access switch on unless it was turned off: say which are on with `block_public_access = { BlockPublicPolicy = false, ... }`, or make the policy non-public (name principals, or pin it with aws:PrincipalOrgID, aws:SourceVpce, ...)".to_owned());
            }
        }
        self.world.buckets.insert(
            name.clone(),
            Bucket {
                name,
                account,
                // Kept unset when the manifest says nothing, so answers can say the Region is
                // assumed (`Bucket::region_or_default`).
                region: entry.region.clone(),
                policy,
                ownership,
                encryption,
                block_public_access,
                origin,
            },
        );
    }

    /// The AWS managed key `aws/s3` of an account and Region, with the policy AWS gives it. It
    /// exists implicitly wherever S3 may use it: as a bucket's default encryption, or for an
    /// upload that asks for SSE-KMS without naming a key.
    fn ensure_aws_managed_s3_key(&mut self, account: AccountId, region: &str, span: Span) {
        let key_arn = aws_managed_s3_key_arn(account, region);
        if self.world.keys.contains_key(&key_arn) {
            return;
        }
        let document = xacct_s3::aws_managed_s3_key_policy(account, region);
        let parsed = parse_policy(&document, PolicyKind::Resource);
        let origin = self.origin(span);
        let label = format!("key policy of {key_arn} (AWS managed aws/s3)");
        self.world.keys.insert(
            key_arn.clone(),
            Key {
                arn: key_arn,
                account,
                region: region.to_owned(),
                policy: Some(SourcedPolicy::new(parsed.policy, label)),
                aws_managed: true,
                aliases: vec!["alias/aws/s3".to_owned()],
                grants: Vec::new(),
                origin,
            },
        );
    }

    fn bucket_encryption(
        &mut self,
        entry: &manifest::BucketEntry,
        account: AccountId,
        region: &str,
    ) -> xacct_s3::DefaultEncryption {
        self.ensure_aws_managed_s3_key(account, region, span_of(&entry.name));
        let Some(text) = &entry.encryption else {
            return xacct_s3::DefaultEncryption::SseS3;
        };
        match text.get_ref().as_str() {
            "sse-s3" | "AES256" => xacct_s3::DefaultEncryption::SseS3,
            "aws/s3" | "alias/aws/s3" => xacct_s3::DefaultEncryption::AwsManagedKms,
            key if key.starts_with("arn:aws:kms:") => {
                if !key.contains(":key/") {
                    self.error(
                        "invalid-encryption-key",
                        span_of(text),
                        format!("`{key}` is not a key ARN: S3 default encryption must name the key by its full ARN (an alias resolves in the caller's account)"),
                    );
                }
                xacct_s3::DefaultEncryption::SseKms {
                    key_arn: key.to_owned(),
                    bucket_key: entry.bucket_key,
                }
            }
            other => {
                self.error(
                    "invalid-encryption",
                    span_of(text),
                    format!("`{other}` is not a default encryption"),
                )
                .help = Some("write `sse-s3`, `aws/s3`, or the ARN of a KMS key".to_owned());
                xacct_s3::DefaultEncryption::SseS3
            }
        }
    }

    /// Reads one settings file of a compute entry with `parse`, reporting its findings.
    fn settings_file<T>(
        &mut self,
        path: Option<&Spanned<String>>,
        parse: impl Fn(&str) -> xacct_compute::Parsed<T>,
    ) -> Option<T> {
        let path = path?;
        let full = normalize(&self.base.join(path.get_ref()));
        let text = self.read_file(
            &full,
            files::POLICY_LIMIT,
            "a settings file",
            ("missing-settings-file", span_of(path)),
        )?;
        let source = SourceFile::new(full.display().to_string(), text);
        let parsed = parse(&source.text);
        for finding in &parsed.findings {
            self.findings.push(finding.in_source(&source));
        }
        parsed.value
    }

    fn compute_settings(
        &mut self,
        entry: &manifest::ComputeEntry,
    ) -> crate::model::ComputeSettings {
        crate::model::ComputeSettings {
            // Read by `databricks_clusters`: a file may hold several.
            databricks: None,
            mounts: self.settings_file(entry.mounts.as_ref(), xacct_compute::parse_mounts),
            kinesis: self
                .settings_file(entry.kinesis.as_ref(), xacct_compute::parse_kinesis_options),
            emr: self.settings_file(entry.emr_cluster.as_ref(), xacct_compute::parse_emr_cluster),
            security_configuration: self.settings_file(
                entry.security_configuration.as_ref(),
                xacct_compute::parse_security_configuration,
            ),
            emr_user: entry
                .emr_user
                .clone()
                .unwrap_or_else(|| "hadoop".to_owned()),
            glue: self.settings_file(entry.glue_job.as_ref(), xacct_compute::parse_glue_job),
            runtime_role: None,
        }
        .with_runtime_role(self, entry)
    }

    /// A regional ARN of `service` whose resource starts with `prefix`.
    fn regional_arn(
        &mut self,
        text: &Spanned<String>,
        service: &str,
        prefix: &str,
    ) -> Option<(AccountId, String, String)> {
        let parsed = text.get_ref().parse::<Arn>().ok().and_then(|arn| {
            let account = arn.account()?;
            let rest = arn.resource().strip_prefix(prefix)?;
            (arn.service() == service && !arn.region().is_empty() && !rest.is_empty())
                .then(|| (account, arn.region().to_owned(), rest.to_owned()))
        });
        if parsed.is_none() {
            self.error(
                "invalid-arn",
                span_of(text),
                format!("`{}` is not a {service} `{prefix}` ARN", text.get_ref()),
            )
            .help = Some(format!(
                "write it as `arn:aws:{service}:REGION:ACCOUNT:{prefix}NAME`"
            ));
        }
        parsed
    }

    fn key_entry(&mut self, entry: &manifest::KeyEntry) {
        let Some((account, region, _)) = self.regional_arn(&entry.arn, "kms", "key/") else {
            return;
        };
        let arn = entry.arn.get_ref().clone();
        self.ensure_account(account, span_of(&entry.arn));
        let policy = match (&entry.policy, entry.aws_managed) {
            (Some(reference), false) => self.policy(
                reference,
                PolicyKind::Resource,
                format!("key policy of {arn}"),
            ),
            (Some(reference), true) => {
                self.error("aws-managed-key-policy", span_of(reference), "an AWS managed key's policy is AWS's own: remove `policy`, or set `aws_managed = false`");
                None
            }
            (None, true) => Some(aws_managed_key_policy(
                account,
                &region,
                &entry.aliases,
                &arn,
            )),
            (None, false) => {
                self.error("missing-key-policy", span_of(&entry.arn), format!("key `{arn}` has no key policy: every KMS key has exactly one, and it is the root of authority over the key"))
                    .help = Some("add `policy = \"key-policy.json\"` (aws kms get-key-policy --key-id ... --policy-name default)".to_owned());
                None
            }
        };
        let grants = entry
            .grant
            .iter()
            .enumerate()
            .filter_map(|(index, grant)| self.key_grant(&arn, index, grant))
            .collect();
        let origin = self.origin(span_of(&entry.arn));
        self.world.keys.insert(
            arn.clone(),
            Key {
                arn,
                account,
                region,
                policy,
                aws_managed: entry.aws_managed,
                aliases: entry.aliases.clone(),
                grants,
                origin,
            },
        );
    }

    /// A KMS grant as the policy statements it amounts to: an Allow naming the grantee for the
    /// grant's operations. Encryption context constraints become conditions on the
    /// cryptographic operations only, which are the operations KMS applies them to
    /// (<https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html>);
    /// `DescribeKey` and `RetireGrant` are allowed without them.
    /// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>
    pub(crate) fn key_grant(
        &mut self,
        key: &str,
        index: usize,
        grant: &manifest::KeyGrantEntry,
    ) -> Option<SourcedPolicy> {
        let grantee = grant.grantee.get_ref();
        if grantee
            .parse::<Arn>()
            .ok()
            .and_then(|arn| arn.account())
            .is_none()
        {
            self.error(
                "invalid-grantee",
                span_of(&grant.grantee),
                format!("grantee `{grantee}` is not the ARN of an AWS principal"),
            )
            .help = Some(
                "a grant names a role, user, assumed-role session or account root by its ARN"
                    .to_owned(),
            );
            return None;
        }
        let mut constrained = Vec::new();
        let mut unconstrained = Vec::new();
        for operation in &grant.operations {
            let name = operation.get_ref().trim_start_matches("kms:");
            match GRANT_OPERATIONS
                .iter()
                .find(|known| known.eq_ignore_ascii_case(name))
            {
                Some(&known) if ["DescribeKey", "RetireGrant"].contains(&known) => {
                    unconstrained.push(format!("kms:{known}"));
                }
                Some(&known) => constrained.push(format!("kms:{known}")),
                None => {
                    self.error(
                        "unknown-grant-operation",
                        span_of(operation),
                        format!("`{name}` is not a KMS grant operation"),
                    )
                    .help = Some(format!("one of {}", GRANT_OPERATIONS.join(", ")));
                }
            }
        }
        let mut condition = serde_json::Map::new();
        match (
            &grant.encryption_context_subset,
            &grant.encryption_context_equals,
        ) {
            (Some(_), Some(_)) => {
                self.error(
                    "conflicting-grant-constraints",
                    span_of(&grant.grantee),
                    "a grant has either `encryption_context_subset` or `encryption_context_equals`, not both",
                );
                return None;
            }
            (Some(pairs), None) | (None, Some(pairs)) => {
                let equals: serde_json::Map<String, serde_json::Value> = pairs
                    .iter()
                    .map(|(key, value)| {
                        (
                            format!("kms:EncryptionContext:{key}"),
                            serde_json::Value::from(value.clone()),
                        )
                    })
                    .collect();
                condition.insert("StringEquals".to_owned(), serde_json::Value::Object(equals));
                if grant.encryption_context_equals.is_some() {
                    let keys: Vec<serde_json::Value> = pairs
                        .keys()
                        .map(|key| serde_json::Value::from(key.clone()))
                        .collect();
                    condition.insert(
                        "ForAllValues:StringEquals".to_owned(),
                        serde_json::json!({ "kms:EncryptionContextKeys": keys }),
                    );
                }
            }
            (None, None) => {}
        }
        let name = grant
            .name
            .clone()
            .unwrap_or_else(|| format!("grant[{index}]"));
        let mut statements = Vec::new();
        if !constrained.is_empty() {
            let mut statement = serde_json::json!({
                "Sid": "GrantOperations",
                "Effect": "Allow",
                "Principal": {"AWS": grantee},
                "Action": constrained,
                "Resource": "*",
            });
            if !condition.is_empty() {
                if let Some(object) = statement.as_object_mut() {
                    object.insert("Condition".to_owned(), serde_json::Value::Object(condition));
                }
            }
            statements.push(statement);
        }
        if !unconstrained.is_empty() {
            statements.push(serde_json::json!({
                "Sid": "GrantOperationsWithoutContext",
                "Effect": "Allow",
                "Principal": {"AWS": grantee},
                "Action": unconstrained,
                "Resource": "*",
            }));
        }
        if statements.is_empty() {
            return None;
        }
        let document = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        let label = format!("KMS grant `{name}` on {key}");
        let source = SourceFile::new(
            format!("{} ({label}, as policy statements)", self.manifest.name),
            text,
        );
        let parsed = parse_policy(&source.text, PolicyKind::Resource);
        Some(SourcedPolicy::new(parsed.policy, label).with_source(source))
    }

    fn stream_entry(&mut self, entry: &manifest::StreamEntry) {
        let Some((account, region, name)) = self.regional_arn(&entry.arn, "kinesis", "stream/")
        else {
            return;
        };
        let arn = entry.arn.get_ref().clone();
        self.ensure_account(account, span_of(&entry.arn));
        let policy = entry.policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Resource,
                format!("stream policy of {name}"),
            )
        });
        let mut consumers = BTreeMap::new();
        for consumer in &entry.consumer {
            let consumer_arn = consumer.arn.get_ref();
            if !consumer_arn.starts_with(&format!("{arn}/consumer/")) {
                self.error(
                    "invalid-arn",
                    span_of(&consumer.arn),
                    format!("`{consumer_arn}` is not a consumer of `{arn}`"),
                )
                .help = Some(format!(
                    "consumer ARNs look like `{arn}/consumer/NAME:CREATION_TIMESTAMP`"
                ));
                continue;
            }
            let policy = consumer.policy.as_ref().and_then(|reference| {
                self.policy(
                    reference,
                    PolicyKind::Resource,
                    format!("consumer policy of {consumer_arn}"),
                )
            });
            consumers.insert(consumer_arn.clone(), policy);
        }
        let origin = self.origin(span_of(&entry.arn));
        self.world.streams.insert(
            arn.clone(),
            Stream {
                arn,
                account,
                region,
                name,
                policy,
                encryption_key: entry
                    .encryption_key
                    .as_ref()
                    .map(|key| key.get_ref().clone()),
                consumers,
                origin,
            },
        );
    }

    fn compute_entry(&mut self, entry: &manifest::ComputeEntry) {
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
            self.insert_compute(entry, name, settings);
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
    fn databricks_clusters(
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
    fn insert_compute(
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
    fn resolve_emr_profile_name(
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
    fn access_keys_owner(
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
    fn one_instance_profile(
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

    fn expect_entry(&mut self, entry: &manifest::ExpectEntry) {
        let allow = match entry.decision.get_ref().as_str() {
            "allow" => true,
            "deny" => false,
            other => {
                self.error(
                    "invalid-decision",
                    span_of(&entry.decision),
                    format!("`decision` must be \"allow\" or \"deny\", found \"{other}\""),
                );
                return;
            }
        };
        let mut context = Vec::new();
        for (key, value) in &entry.context {
            let converted = match value {
                toml::Value::String(text) => Some(ContextValue::Single(text.clone())),
                toml::Value::Integer(number) => Some(ContextValue::Single(number.to_string())),
                toml::Value::Float(number) => Some(ContextValue::Single(number.to_string())),
                toml::Value::Boolean(flag) => Some(ContextValue::Single(flag.to_string())),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(ContextValue::Multi),
                _ => None,
            };
            match converted {
                Some(value) => context.push((key.clone(), value)),
                None => {
                    self.error("invalid-context-value", span_of(&entry.name), format!("context key `{key}` must be a string, number, boolean or array of strings"));
                }
            }
        }
        let from = entry.from.get_ref();
        if !self.known_principal(from) {
            self.error("unknown-principal", span_of(&entry.from), format!("`{from}` is not an instance profile, role, user, session or compute of the scenario"))
                .help = Some("declare it, or write `compute:NAME` for a [[compute]] entry".to_owned());
            return;
        }
        let via: &[Spanned<String>] = entry.via.as_ref().map_or(&[], |via| via.get_ref());
        let direct = entry
            .direct
            .as_ref()
            .is_some_and(|direct| *direct.get_ref());
        if let Some(listed) = entry.via.as_ref().filter(|via| via.get_ref().is_empty()) {
            // `via = []` reads as "no AssumeRole", but an absent or empty `via` lets xacct
            // search every chain: the user must say which question they mean.
            self.error(
                "empty-via",
                span_of(listed),
                "`via = []` is ambiguous: it does not mean \"no AssumeRole\"",
            )
            .help = Some("to ask with the caller's own credentials only, write `direct = true`; to search every AssumeRole chain, remove `via`".to_owned());
            return;
        }
        if let (Some(flag), false) = (entry.direct.as_ref().filter(|_| direct), via.is_empty()) {
            self.error(
                "direct-with-via",
                span_of(flag),
                "`direct = true` asks without any AssumeRole, but `via` names roles to assume",
            )
            .help = Some("remove `via` to ask with the caller's own credentials, or remove `direct` to ask through the roles `via` names".to_owned());
            return;
        }
        for via in via {
            if !self.world.roles.contains_key(via.get_ref()) {
                self.error(
                    "unknown-role",
                    span_of(via),
                    format!("`{}` in `via` is not a role of the scenario", via.get_ref()),
                );
            }
        }
        let asks_requests = !entry.actions.is_empty() || !entry.resources.is_empty();
        if (asks_requests || entry.read_tables.is_empty())
            && (entry.actions.is_empty() || entry.resources.is_empty())
        {
            self.error(
                "empty-expectation",
                span_of(&entry.name),
                "an expectation needs at least one action and one resource, or `read_tables`",
            );
            return;
        }
        for table in &entry.read_tables {
            let name = table.get_ref();
            let qualified = name.split_once(':').map_or(name.as_str(), |(_, rest)| rest);
            let valid = qualified
                .split_once('.')
                .is_some_and(|(database, name)| !database.is_empty() && !name.is_empty());
            if !valid {
                self.error(
                    "invalid-table-name",
                    span_of(table),
                    format!(
                        "`{}` is not `database.table` or `CATALOG_ID:database.table`",
                        table.get_ref()
                    ),
                );
                return;
            }
        }
        if !self.check_question(entry) {
            return;
        }
        self.check_compute_writes(entry);
        let written_by = self.writer(entry);
        let session_policy = entry.session_policy.as_ref().and_then(|reference| {
            self.policy(
                reference,
                PolicyKind::Session,
                format!(
                    "the session policy of expectation `{}`",
                    entry.name.get_ref()
                ),
            )
        });
        let runs_as = self.runs_as(entry);
        let origin = self.origin(span_of(&entry.name));
        self.world.expectations.push(Expectation {
            name: entry.name.get_ref().clone(),
            from: from.clone(),
            via: via.iter().map(|via| via.get_ref().clone()).collect(),
            direct,
            actions: entry
                .actions
                .iter()
                .map(|action| action.get_ref().clone())
                .collect(),
            resources: entry
                .resources
                .iter()
                .map(|resource| resource.get_ref().clone())
                .collect(),
            context,
            allow,
            external_ids: entry.external_ids.clone(),
            session_name: entry.session_name.clone(),
            duration_seconds: entry
                .duration_seconds
                .as_ref()
                .map(|value| *value.get_ref()),
            session_tags: entry.session_tags.clone(),
            source_identity: entry.source_identity.clone(),
            session_policy,
            runs_as,
            written_by,
            client_path: None,
            read_tables: entry
                .read_tables
                .iter()
                .map(|table| table.get_ref().clone())
                .collect(),
            columns: entry.columns.clone(),
            region: entry
                .region
                .clone()
                .unwrap_or_else(|| "us-east-1".to_owned()),
            code: None,
            origin,
        });
    }

    /// The OS user and groups an expectation says the job runs as.
    fn runs_as(&mut self, entry: &manifest::ExpectEntry) -> Option<crate::model::OsUser> {
        let groups: Vec<String> = entry
            .os_groups
            .iter()
            .map(|group| group.get_ref().clone())
            .collect();
        match &entry.os_user {
            Some(user) => {
                let maps_users = entry
                    .from
                    .get_ref()
                    .strip_prefix("compute:")
                    .and_then(|name| self.world.compute.get(name))
                    .is_some_and(|compute| compute.settings.security_configuration.is_some());
                if !maps_users {
                    self.warning(
                        "os-user-not-used",
                        span_of(user),
                        format!(
                            "`os_user` is `{}`, but `{}` is not a compute with an EMR security configuration: no EMRFS role mapping reads it",
                            user.get_ref(),
                            entry.from.get_ref()
                        ),
                    )
                    .help = Some("give the compute's `security_configuration`, or remove `os_user` and `os_groups`".to_owned());
                }
                Some(crate::model::OsUser {
                    user: user.get_ref().clone(),
                    groups,
                })
            }
            None => {
                if let Some(first) = entry.os_groups.first() {
                    self.error(
                        "groups-without-user",
                        span_of(first),
                        "`os_groups` names the groups of the user the job runs as, but `os_user` is not given",
                    )
                    .help = Some("add `os_user` (EMR runs jobs as `hadoop` unless told otherwise)".to_owned());
                }
                None
            }
        }
    }

    fn lake_account(&mut self, text: &Spanned<String>) -> Option<AccountId> {
        let account = self.account(text)?;
        self.ensure_account(account, span_of(text));
        Some(account)
    }

    /// A `[[catalog]]` table: the Data Catalog and Lake Formation of one account and Region.
    fn catalog_entry(&mut self, entry: &manifest::CatalogEntry) {
        let Some(account) = self.lake_account(&entry.account) else {
            return;
        };
        let region = entry
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned());
        if let Some(reference) = &entry.policy {
            if let Some(policy) = self.policy(
                reference,
                PolicyKind::Resource,
                format!("Glue catalog policy of {account} ({region})"),
            ) {
                self.world
                    .catalog_policies
                    .insert((account, region.clone()), policy);
            }
        }
        let existing = self.world.lake.catalogs.remove(&(account, region.clone()));
        // An imported `get-data-lake-settings` decides unless the table says otherwise.
        let default = entry.iam_allowed_by_default.unwrap_or_else(|| {
            existing
                .as_ref()
                .is_none_or(|catalog| catalog.iam_allowed_by_default)
        });
        let mut catalog = existing.unwrap_or_else(|| xacct_lake::Catalog {
            account,
            region: region.clone(),
            admins: Vec::new(),
            iam_allowed_by_default: default,
            databases: BTreeMap::new(),
            tables: BTreeMap::new(),
            locations: Vec::new(),
        });
        catalog.iam_allowed_by_default = default;
        for admin in &entry.admins {
            if !admin.get_ref().starts_with("arn:aws:iam::") {
                self.error(
                    "invalid-principal",
                    span_of(admin),
                    format!(
                        "data lake administrator `{}` is not an IAM role or user ARN",
                        admin.get_ref()
                    ),
                );
                continue;
            }
            catalog.admins.push(admin.get_ref().clone());
        }
        for database in &entry.database {
            let name = database.name.get_ref().clone();
            let target = match &database.link {
                Some(link) => match self.lake_account(&link.account) {
                    Some(target_account) => Some((target_account, link.database.clone())),
                    None => continue,
                },
                None => None,
            };
            if catalog.databases.contains_key(&name) {
                self.error(
                    "duplicate-database",
                    span_of(&database.name),
                    format!("database `{name}` is declared twice in the catalog of {account}"),
                );
                continue;
            }
            catalog.databases.insert(
                name.clone(),
                xacct_lake::Database {
                    name,
                    // A resource link gets the defaults too: it is a database of this catalog.
                    iam_allowed_principals: database.iam_allowed_principals.unwrap_or(default),
                    target,
                },
            );
        }
        for table in &entry.table {
            let database = table.database.get_ref().clone();
            let name = table.name.get_ref().clone();
            let is_link_database = catalog
                .databases
                .get(&database)
                .map(|found| found.target.is_some());
            match is_link_database {
                None => {
                    self.error("unknown-database", span_of(&table.database), format!("table `{database}.{name}` names database `{database}`, which is not declared in the catalog of {account}"))
                        .help = Some("add a [[catalog.database]] with that name".to_owned());
                    continue;
                }
                Some(true) => {
                    self.error(
                        "table-in-resource-link",
                        span_of(&table.database),
                        format!(
                            "`{database}` is a resource link: its tables are the target database's"
                        ),
                    );
                    continue;
                }
                Some(false) => {}
            }
            if let Some(location) = &table.location {
                if !location.get_ref().starts_with("s3://") {
                    self.error(
                        "invalid-location",
                        span_of(location),
                        format!("`{}` is not an s3:// location", location.get_ref()),
                    );
                }
            }
            let target = match &table.link {
                Some(link) => match self.lake_account(&link.account) {
                    Some(target_account) => {
                        Some((target_account, link.database.clone(), link.table.clone()))
                    }
                    None => continue,
                },
                None => None,
            };
            catalog.tables.insert(
                (database.clone(), name.clone()),
                xacct_lake::Table {
                    database,
                    name,
                    location: table
                        .location
                        .as_ref()
                        .map(|location| location.get_ref().clone()),
                    target,
                    iam_allowed_principals: table.iam_allowed_principals.unwrap_or(default),
                },
            );
        }
        for location in &entry.location {
            if !location.path.get_ref().starts_with("s3://") {
                self.error(
                    "invalid-location",
                    span_of(&location.path),
                    format!("`{}` is not an s3:// location", location.path.get_ref()),
                );
                continue;
            }
            catalog.locations.push(xacct_lake::Location {
                path: location.path.get_ref().clone(),
                role: location.role.clone(),
                hybrid: location.hybrid,
                opted_in: location.opted_in.clone(),
            });
        }
        self.world
            .lake
            .catalogs
            .insert((account, region.clone()), catalog);
        self.lake_governance(account, &region, entry);
        for grant in &entry.grant {
            if let Some(made) = self.lake_grant(account, grant) {
                self.check_cross_account(&region, &made, span_of(&grant.principal));
                self.world.lake.grants.push(made);
            }
        }
    }

    fn lake_permissions(&mut self, texts: &[Spanned<String>]) -> Vec<xacct_lake::Permission> {
        let mut out = Vec::new();
        for text in texts {
            match text.get_ref().parse::<xacct_lake::Permission>() {
                Ok(permission) => out.push(permission),
                Err(error) => {
                    self.error("unknown-lake-permission", span_of(text), error.to_string());
                }
            }
        }
        out
    }

    fn lake_grant(
        &mut self,
        grantor: AccountId,
        entry: &manifest::LakeGrantEntry,
    ) -> Option<xacct_lake::Grant> {
        let Some(principal) = xacct_lake::GrantPrincipal::parse(entry.principal.get_ref()) else {
            self.error("invalid-lake-principal", span_of(&entry.principal), format!("`{}` is not a Lake Formation principal", entry.principal.get_ref()))
                .help = Some("a role or user ARN, an account id, an organization or OU ARN (arn:aws:organizations::MGMT:organization/o-..., .../ou/o-.../ou-...), or IAM_ALLOWED_PRINCIPALS".to_owned());
            return None;
        };
        let catalog = match &entry.catalog_id {
            Some(text) => self.lake_account(text)?,
            None => grantor,
        };
        let tagged = self.tagged_resource(catalog, entry);
        let resource = match tagged {
            Some(resource) => resource?,
            None => match (
                &entry.location,
                &entry.database,
                &entry.table,
                entry.catalog_resource,
            ) {
                (Some(path), None, None, false) => xacct_lake::GrantResource::DataLocation {
                    catalog,
                    path: path.clone(),
                },
                (None, Some(database), None, false) => xacct_lake::GrantResource::Database {
                    catalog,
                    name: database.clone(),
                },
                (None, Some(database), Some(table), false) => xacct_lake::GrantResource::Table {
                    catalog,
                    database: database.clone(),
                    table: if table == "*" {
                        xacct_lake::TableName::All
                    } else {
                        xacct_lake::TableName::Named(table.clone())
                    },
                    columns: entry.columns.clone(),
                    excluded: entry.excluded_columns.clone().unwrap_or_default(),
                },
                (None, None, None, true) => xacct_lake::GrantResource::Catalog { catalog },
                _ => {
                    self.error("invalid-lake-resource", span_of(&entry.principal), "a grant is on exactly one resource: `catalog_resource = true`, a `database` (with `table` for tables), a data `location`, an `lf_tags` expression, or a `filter`");
                    return None;
                }
            },
        };
        let permissions = self.lake_permissions(&entry.permissions);
        let grantable = self.lake_permissions(&entry.grantable);
        if permissions.is_empty() {
            self.error(
                "empty-grant",
                span_of(&entry.principal),
                "a grant needs at least one permission",
            );
            return None;
        }
        Some(xacct_lake::Grant {
            grantor,
            principal,
            resource,
            permissions,
            grantable,
            origin: self.manifest.location(span_of(&entry.principal)),
        })
    }

    /// A `[[share]]` table: a RAM resource share.
    fn share_entry(&mut self, entry: &manifest::ShareEntry) {
        let Some(owner) = self.lake_account(&entry.owner) else {
            return;
        };
        let mut principals = Vec::new();
        for text in &entry.principals {
            match xacct_lake::GrantPrincipal::parse(text.get_ref()) {
                Some(principal) => principals.push(principal),
                None => {
                    self.error(
                        "invalid-share-principal",
                        span_of(text),
                        format!(
                            "`{}` is not an account id, organization ARN or OU ARN",
                            text.get_ref()
                        ),
                    );
                }
            }
        }
        for resource in &entry.resources {
            if !resource.get_ref().starts_with("arn:aws:glue:") {
                self.warning("unmodelled-share-resource", span_of(resource), format!("`{}` is not a Glue resource: xacct models RAM shares of the Data Catalog only", resource.get_ref()));
            }
        }
        let mut invitations = BTreeMap::new();
        for (account, state) in &entry.invitations {
            let parsed_account = account.parse::<AccountId>();
            match (
                parsed_account,
                xacct_lake::InvitationState::parse(state.get_ref()),
            ) {
                (Ok(account), Some(state)) => {
                    invitations.insert(account, state);
                }
                (Err(error), _) => {
                    self.error("invalid-account", span_of(state), error.to_string());
                }
                (_, None) => {
                    self.error(
                        "invalid-invitation-state",
                        span_of(state),
                        format!(
                            "`{}` is not PENDING, ACCEPTED, REJECTED or EXPIRED",
                            state.get_ref()
                        ),
                    );
                }
            }
        }
        let invitation_arns = entry
            .invitation_arns
            .iter()
            .filter_map(|(account, arn)| Some((account.parse::<AccountId>().ok()?, arn.clone())))
            .collect();
        self.world.lake.shares.push(xacct_lake::Share {
            name: entry.name.get_ref().clone(),
            owner,
            arn: entry.arn.clone(),
            resources: entry
                .resources
                .iter()
                .map(|resource| resource.get_ref().clone())
                .collect(),
            principals,
            allow_external_principals: entry.allow_external_principals,
            invitations,
            invitation_arns,
            origin: self.manifest.location(span_of(&entry.name)),
        });
    }

    /// The organization as Lake Formation and RAM see it.
    fn lake_membership(&mut self, manifest: &Manifest) {
        let Some(organization) = &self.world.organization else {
            return;
        };
        self.world.lake.organization = Some(organization.id.clone());
        self.world.lake.organization_sharing = manifest
            .organization
            .as_ref()
            .and_then(|entry| entry.ram_sharing)
            .unwrap_or(true);
        let members: Vec<AccountId> = self
            .world
            .accounts
            .keys()
            .copied()
            .filter(|account| self.world.in_organization(*account))
            .collect();
        self.world.lake.members = members.into_iter().collect();
    }

    /// Every action of an expectation must exist and act on one of its resources
    /// ([`crate::question`]): errors at the action otherwise. False when one was found.
    fn check_question(&mut self, entry: &manifest::ExpectEntry) -> bool {
        let actions: Vec<&str> = entry.actions.iter().map(|a| a.get_ref().as_str()).collect();
        let resources: Vec<&str> = entry
            .resources
            .iter()
            .map(|r| r.get_ref().as_str())
            .collect();
        let problems = crate::question::check_all(&actions, &resources);
        for (index, problem) in &problems {
            if let Some(action) = entry.actions.get(*index) {
                self.error("invalid-question", span_of(action), problem.message.clone())
                    .help = problem.help.clone();
            }
        }
        problems.is_empty()
    }

    /// A compute that writes to a bucket of another account with ACLs enabled, without
    /// sending `bucket-owner-full-control`, leaves the objects owned by its own account: the
    /// bucket owner's policy then cannot grant anyone access to them
    /// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>).
    /// The writes come from the expectation: a `s3:PutObject` from `compute:NAME`.
    fn check_compute_writes(&mut self, entry: &manifest::ExpectEntry) {
        let Some(compute) = entry
            .from
            .get_ref()
            .strip_prefix("compute:")
            .and_then(|name| self.world.compute.get(name))
        else {
            return;
        };
        let writes = entry
            .actions
            .iter()
            .any(|action| action.get_ref().eq_ignore_ascii_case("s3:PutObject"));
        if !writes {
            return;
        }
        let mut problems = Vec::new();
        for resource in &entry.resources {
            let Some((bucket_name, key)) = resource
                .get_ref()
                .strip_prefix("arn:aws:s3:::")
                .and_then(|path| path.split_once('/'))
            else {
                continue;
            };
            let Some(bucket) = self.world.buckets.get(bucket_name) else {
                continue;
            };
            if !bucket.ownership.acls_enabled() {
                continue;
            }
            let Some((writer, without_bofc)) =
                compute_write(compute, &self.world, bucket_name, key)
            else {
                continue;
            };
            let given = entry.context.iter().find_map(|(name, value)| {
                name.eq_ignore_ascii_case("s3:x-amz-acl")
                    .then(|| value.as_str())
                    .flatten()
            });
            if given.is_some() || !without_bofc || writer == bucket.account {
                continue;
            }
            problems.push(format!(
                "compute `{}` writes to `{bucket_name}` (account {}, Object Ownership {}) as account {writer} without `bucket-owner-full-control`: the objects it writes will belong to {writer}, and the bucket policy of {} cannot grant access to them: only their ACLs can",
                compute.name,
                bucket.account,
                bucket.ownership.name(),
                bucket.account,
            ));
        }
        for message in problems {
            self.push(Finding::warning(
                "cross-account-write-without-bucket-owner-full-control",
                span_of(&entry.from),
                message,
            ))
            .help = Some("set `fs.s3a.acl.default` to `BucketOwnerFullControl` in the cluster's spark_conf (EMR: `fs.s3.canned.acl`), or set the bucket's Object Ownership to BucketOwnerEnforced".to_owned());
        }
    }

    /// An `[[intent]]` table, checked as far as the world allows; `xacct plan` does the rest.
    fn intent_entry(&mut self, entry: &manifest::IntentEntry) {
        let text = entry.compute.get_ref();
        // A Unity Catalog storage credential: the master role asks, through the credential's role.
        let credential = self.uc_intent_credential(entry);
        let from = ["databricks:", "emr:", "glue-job:", "job:", "cluster:"]
            .iter()
            .find_map(|prefix| text.strip_prefix(prefix))
            .map_or_else(|| text.clone(), |name| format!("compute:{name}"));
        let from = credential
            .as_ref()
            .map_or(from, |(_, master_role, _)| master_role.clone());
        if !self.known_principal(&from) {
            self.error("unknown-principal", span_of(&entry.compute), format!("`{text}` is not a compute, instance profile or role of the scenario"))
                .help = Some("write `databricks:NAME` (or emr:, glue-job:) for a [[compute]] entry, or an instance profile or role ARN".to_owned());
            return;
        }
        let (read, write) = match entry.access.get_ref().as_str() {
            "read" => (true, false),
            "write" => (false, true),
            "read-write" => (true, true),
            other => {
                self.error(
                    "invalid-access",
                    span_of(&entry.access),
                    format!("`access` is read, write or read-write, not `{other}`"),
                );
                return;
            }
        };
        let target_text = entry.target.get_ref();
        let target = if let Some(path) = target_text.strip_prefix("s3://") {
            let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
            if !self.world.buckets.contains_key(bucket) {
                self.error(
                    "unknown-bucket",
                    span_of(&entry.target),
                    format!("bucket `{bucket}` is not declared"),
                )
                .help = Some(
                    "declare it with [[bucket]] (name, account), so the plan knows whose it is"
                        .to_owned(),
                );
                return;
            }
            crate::model::IntentTarget::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            }
        } else if target_text.starts_with("arn:aws:kinesis:") {
            if !self.world.streams.contains_key(target_text) {
                self.error(
                    "unknown-stream",
                    span_of(&entry.target),
                    format!("stream `{target_text}` is not declared"),
                );
                return;
            }
            crate::model::IntentTarget::Stream {
                arn: target_text.clone(),
            }
        } else if let Some((database, table)) = target_text
            .split_once(':')
            .map_or(target_text.as_str(), |(_, rest)| rest)
            .split_once('.')
        {
            let named = target_text
                .split_once(':')
                .and_then(|(catalog, _)| catalog.parse::<AccountId>().ok());
            // The table's owner: the catalog named, or the one catalog that holds the table.
            let owners: Vec<AccountId> = self
                .world
                .lake
                .catalogs
                .values()
                .filter(|catalog| named.is_none_or(|account| catalog.account == account))
                .filter(|catalog| {
                    catalog
                        .tables
                        .get(&(database.to_owned(), table.to_owned()))
                        .is_some_and(|found| found.target.is_none())
                })
                .map(|catalog| catalog.account)
                .collect();
            match owners.as_slice() {
                [owner] => crate::model::IntentTarget::Table {
                    catalog: *owner,
                    database: database.to_owned(),
                    table: table.to_owned(),
                },
                [] => {
                    self.error(
                        "unknown-table",
                        span_of(&entry.target),
                        format!("no catalog of the scenario holds the table `{database}.{table}`"),
                    )
                    .help = Some(
                        "declare it in a [[catalog.table]], or write CATALOG_ID:database.table"
                            .to_owned(),
                    );
                    return;
                }
                _ => {
                    self.error("ambiguous-table", span_of(&entry.target), format!("several catalogs hold `{database}.{table}`: write CATALOG_ID:database.table"));
                    return;
                }
            }
        } else {
            self.error("invalid-target", span_of(&entry.target), format!("`{target_text}` is not an s3:// location, a Kinesis stream ARN or a `database.table`"));
            return;
        };
        let written = entry.route.as_ref().map(|route| route.get_ref().as_str());
        let route = match (credential.is_some(), written) {
            (true, None | Some("unity-catalog")) => crate::model::Route::UnityCatalog,
            (false, None | Some("assume-role")) => crate::model::Route::AssumeRole,
            (false, Some("resource-policy")) => crate::model::Route::ResourcePolicy,
            (false, Some("lake-formation")) => crate::model::Route::LakeFormation,
            (false, Some("access-point")) => crate::model::Route::AccessPoint,
            (_, other) => {
                let other = other.unwrap_or_default();
                if let Some(route) = &entry.route {
                    self.error("invalid-route", span_of(route), format!("`route` is assume-role, resource-policy, lake-formation, access-point or (for `compute = \"storage-credential:NAME\"`) unity-catalog, not `{other}`"));
                }
                return;
            }
        };
        let external_id_generated = entry
            .external_id
            .as_ref()
            .is_some_and(|id| id.get_ref() == "generate");
        let external_id = match entry.external_id.as_ref().map(|id| id.get_ref().as_str()) {
            None | Some("none") => None,
            Some("generate") => match crate::names::generate_external_id() {
                Ok(id) => Some(id),
                Err(message) => {
                    if let Some(id) = &entry.external_id {
                        self.error("external-id-not-generated", span_of(id), message);
                    }
                    return;
                }
            },
            Some(value) => Some(value.to_owned()),
        };
        // The external id of a Unity Catalog credential is Databricks': the declared
        // credential's, or the Databricks account id the intent gives.
        let external_id = match (&credential, external_id) {
            (Some((_, _, Some(declared))), _) => Some(declared.clone()),
            (Some(_), None) => {
                self.error("uc-intent-without-account-id", span_of(&entry.compute), "a new storage credential needs the Databricks account id, which Unity Catalog passes as external id")
                    .help = Some("write `external_id = \"DATABRICKS_ACCOUNT_ID\"` in the intent".to_owned());
                return;
            }
            (_, external_id) => external_id,
        };
        let encryption_key = match &entry.encryption {
            None => None,
            Some(text) => match text.get_ref().strip_prefix("kms:") {
                Some(key) if key.starts_with("arn:aws:kms:") => Some(key.to_owned()),
                _ => {
                    self.error(
                        "invalid-encryption",
                        span_of(text),
                        "`encryption` is `kms:KEY_ARN`",
                    );
                    return;
                }
            },
        };
        let origin = self.origin(span_of(&entry.name));
        self.world.intents.push(crate::model::Intent {
            name: entry.name.get_ref().clone(),
            from,
            read,
            write,
            target,
            route,
            external_id,
            external_id_generated,
            encryption_key,
            role_name: entry.role_name.as_ref().map(|name| name.get_ref().clone()),
            engine: ["databricks", "emr", "glue-job"]
                .iter()
                .find(|engine| text.starts_with(&format!("{engine}:")))
                .map(|engine| (*engine).to_owned()),
            link: entry.link.as_ref().map(|link| link.get_ref().clone()),
            organization_wide: match entry
                .audience
                .as_ref()
                .map(|audience| audience.get_ref().as_str())
            {
                None | Some("account") => false,
                Some("organization") => true,
                Some(other) => {
                    if let Some(audience) = &entry.audience {
                        self.error(
                            "invalid-audience",
                            span_of(audience),
                            format!("`audience` is account or organization, not `{other}`"),
                        );
                    }
                    return;
                }
            },
            credential: credential.map(|(name, _, _)| name),
            origin,
        });
    }

    fn known_principal(&self, from: &str) -> bool {
        from.strip_prefix("compute:")
            .map(|name| self.world.compute.contains_key(name))
            .unwrap_or_else(|| {
                self.world.roles.contains_key(from)
                    || self.world.users.contains_key(from)
                    || self.world.instance_profiles.contains_key(from)
                    || from.starts_with("arn:aws:sts::")
            })
    }

    fn writer(&mut self, entry: &manifest::ExpectEntry) -> Option<crate::model::Writer> {
        let acl = match &entry.written_acl {
            None => None,
            Some(text) => match xacct_s3::CannedAcl::from_header(text.get_ref()) {
                Ok(acl) => Some(acl),
                Err(error) => {
                    self.error("invalid-canned-acl", span_of(text), error.to_string());
                    None
                }
            },
        };
        let Some(from) = &entry.written_by else {
            if let Some(text) = &entry.written_acl {
                self.error(
                    "written-acl-without-writer",
                    span_of(text),
                    "`written_acl` says which ACL the writer sent, but `written_by` does not name the writer",
                )
                .help = Some("add `written_by = \"compute:NAME\"` or the writer's ARN".to_owned());
            }
            return None;
        };
        if !self.known_principal(from.get_ref()) {
            self.error("unknown-principal", span_of(from), format!("`{}` is not an instance profile, role, user, session or compute of the scenario", from.get_ref()))
                .help = Some("declare it, or write `compute:NAME` for a [[compute]] entry".to_owned());
            return None;
        }
        Some(crate::model::Writer {
            from: from.get_ref().clone(),
            acl,
        })
    }

    /// A trust policy that names a role or user in an account the world knows, which the world
    /// does not have, is almost always a typo (AWS itself refuses to save it).
    fn check_trust_references(&mut self) {
        // Roles are keyed by ARN, which carries the path; a trust policy names the role by
        // account and name only, so index those once rather than scanning per principal.
        let role_names: std::collections::HashSet<(AccountId, &str)> = self
            .world
            .roles
            .values()
            .map(|role| (role.account, role.name.as_str()))
            .collect();
        let mut dangling = Vec::new();
        for role in self.world.roles.values() {
            for statement in &role.trust.policy.statements {
                let Some(principal) = &statement.principal else {
                    continue;
                };
                for entry in &principal.entries {
                    let (account, arn, kind) = match &entry.value {
                        xacct_policy::PrincipalEntry::Role { account, arn, .. } => {
                            (*account, arn, "role")
                        }
                        xacct_policy::PrincipalEntry::User { account, arn, .. } => {
                            (*account, arn, "user")
                        }
                        _ => continue,
                    };
                    let exists = match kind {
                        "role" => arn
                            .rsplit('/')
                            .next()
                            .is_some_and(|name| role_names.contains(&(account, name))),
                        _ => self.world.users.contains_key(arn),
                    };
                    if !exists && self.world.accounts.contains_key(&account) {
                        dangling.push((role.trust.source.clone(), entry.span, format!("the trust policy of `{}` names {kind} `{arn}`, which is not in the scenario although account {account} is", role.arn)));
                    }
                }
            }
        }
        for (source, span, message) in dangling {
            let finding = Finding::warning("dangling-principal", span, message)
                .with_help("AWS refuses to save a trust policy naming a principal that does not exist: declare it or fix the ARN");
            match source {
                Some(source) => self.findings.push(finding.in_source(&source)),
                None => {
                    self.push(finding);
                }
            }
        }
    }
}

/// The operations a KMS grant can allow.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations>
const GRANT_OPERATIONS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
];

/// The key policy AWS gives an AWS managed key such as `aws/s3`: usable only by principals of
/// the owning account, only through the service. "You cannot [...] use AWS managed keys in
/// cross-account access" follows from it.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key>
pub(crate) fn aws_managed_key_policy(
    account: AccountId,
    region: &str,
    aliases: &[String],
    arn: &str,
) -> SourcedPolicy {
    let service = aliases
        .iter()
        .find_map(|alias| {
            alias
                .strip_prefix("alias/aws/")
                .or_else(|| alias.strip_prefix("aws/"))
        })
        .unwrap_or("s3");
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AllowThroughServiceForAccount","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{account}","kms:ViaService":"{service}.{region}.amazonaws.com"}}}}}},{{"Sid":"AllowDirectReadOnly","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}}]}}"#
    );
    let parsed = parse_policy(&document, PolicyKind::Resource);
    SourcedPolicy::new(parsed.policy, format!("key policy of {arn} (AWS managed)"))
}

/// The ARN xacct gives the AWS managed key `aws/s3` of an account and Region (its real id is
/// not known in advance).
pub fn aws_managed_s3_key_arn(account: AccountId, region: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/aws-managed-s3")
}

/// `a/b/../c` as `a/c`, without touching the file system, so that locations read cleanly.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The text with every byte outside `[start, start + length)` turned into a space, except
/// line breaks: byte offsets, lines and columns stay those of the original.
fn mask_outside(text: &str, start: usize, length: usize) -> String {
    let end = start + length;
    let bytes: Vec<u8> = text
        .bytes()
        .enumerate()
        .map(|(index, byte)| {
            if (start..end).contains(&index) || byte == b'\n' {
                byte
            } else {
                b' '
            }
        })
        .collect();
    // Whole characters are kept or blanked byte by byte, so the result is valid UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// The account a compute's writes to `bucket`/`key` come from, and whether they go without
/// `bucket-owner-full-control`, when its settings say how it reaches S3.
fn compute_write(
    compute: &Compute,
    world: &World,
    bucket: &str,
    key: &str,
) -> Option<(AccountId, bool)> {
    let access = compute.s3_access(bucket, key, None)?;
    let account = match &access.credentials {
        xacct_compute::Credentials::AssumeRole(assume) => assume.role_arn.value.account()?,
        xacct_compute::Credentials::InstanceProfile { .. } => {
            let profile = compute.instance_profile.as_ref()?;
            world.instance_profiles.get(profile)?.account
        }
        _ => return None,
    };
    Some((account, access.writes_without_bucket_owner_full_control()))
}
