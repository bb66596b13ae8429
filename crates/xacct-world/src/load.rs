//! Reading a scenario folder (`xacct.toml` and the policy files it names) into a [`World`].
//! Every problem is a finding with its file, line and column; nothing is silently dropped.

use crate::files::{self, FileAccess};
use crate::import::{self, LeftOut};
use crate::kms_grant::GRANT_OPERATIONS;
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

mod compute;
mod expectations;
mod identities;
mod lake;
mod resources;

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
        step_groups: BTreeMap::new(),
        imported_unity_catalog: Default::default(),
    };
    match toml::from_str::<Manifest>(source.text()) {
        Ok(manifest) => {
            // An empty file (or one of comments only) loads as an empty world, where every
            // question has an answer ("no principal can"): say so, or the answer reads as one
            // about the user's accounts.
            if toml::from_str::<toml::Table>(source.text()).is_ok_and(|table| table.is_empty()) {
                loader
                    .warning(
                        "empty-manifest",
                        Span::new(0, 0),
                        "the manifest declares nothing: every answer is about an empty world, with no principal and no policy",
                    )
                    .help = Some(
                    "declare accounts, roles and buckets (docs/scenario-format.md), or write the manifest from AWS exports with `xacct import EXPORTS --output DIR`"
                        .to_owned(),
                );
            }
            let names = crate::names::check(&manifest);
            let duplicates = crate::duplicates::check(&manifest, source.text());
            for problem in names.into_iter().chain(duplicates) {
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
    /// EMR computes whose steps run as several runtime roles: `NAME` to its `NAME/ROLE`
    /// computes, so that a question of `compute:NAME` is asked of each.
    pub(crate) step_groups: BTreeMap<String, Vec<String>>,
    /// Unity Catalog objects read from Databricks' exports, checked with the manifest's own
    /// once the roles are known.
    pub(crate) imported_unity_catalog: crate::unity_catalog::Imported,
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
        Origin::in_file(&self.manifest, span)
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
        let read = self.files.read_text(full, limit, what);
        self.take_read(full, what, (code, span), read)
    }

    /// The text of a read, or `None` with the read's error reported at `span`.
    pub(crate) fn take_read(
        &mut self,
        full: &Path,
        what: &'static str,
        (code, span): (&'static str, Span),
        read: Result<String, files::FileError>,
    ) -> Option<String> {
        match read {
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
                    .text()
                    .get(span.start..span.end)
                    .unwrap_or_default();
                match raw.find(value.as_str()).filter(|_| !value.is_empty()) {
                    Some(at) => {
                        let masked =
                            mask_outside(self.manifest.text(), span.start + at, value.len());
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
        let files = self.files.clone();
        let base = self.base.clone();
        import::ahead::each_import(&manifest.import, &files, &base, |entry, prepared| {
            import::load_import(self, entry, prepared)
        });
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
        // A second [[account]] of the same id would replace the first whole: its SCPs, RCPs
        // and Block Public Access gone without a word, and denials with them.
        let mut declared = BTreeMap::new();
        for entry in &manifest.account {
            let id = entry.id.get_ref().trim().to_owned();
            if let Some(first) = declared.get(&id) {
                let message = format!("account {id} is declared twice (first at {first})");
                self.error("duplicate-account", span_of(&entry.id), message)
                    .help = Some(
                    "merge the two [[account]] tables: the second would replace the first's SCPs, RCPs and settings"
                        .to_owned(),
                );
                continue;
            }
            declared.insert(id, self.origin(span_of(&entry.id)).location());
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
}

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
