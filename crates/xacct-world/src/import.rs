//! Loading what AWS exports: `aws iam get-account-authorization-details`, bucket policies
//! (`aws s3api get-bucket-policy`), `aws organizations` listings bundled in one file, and the
//! Lake Formation, Glue catalog policy and RAM share exports of the data lake (`lake`).
//!
//! Each `[[import]]` table of `xacct.toml` names one file and its kind. The file is read as
//! strict JSON with a span on every value, so a problem in a policy embedded in an export
//! points at its line and column in that export. Policies that AWS hands out as text (the raw
//! API's URL-encoded documents, the `Content` of an organizations policy, the `Policy` of
//! `get-bucket-policy`) get a file of their own, named after the export and the place.
//! The shapes and the commands that produce them are in `docs/scenario-format.md`.

mod access_point;
pub(crate) mod ahead;
mod authorization;
mod bucket;
mod collected;
mod databricks;
mod detect;
mod lake;
mod lake_engines;
mod lake_tags;
mod organizations;
pub mod terraform;

pub use detect::{manifest_and_skipped, manifest_for, manifest_for_with};

/// An entity of an export that was left out of the world because of an error of its own (an
/// ARN AWS never writes, a policy AWS would not store, a managed policy or group it depends on
/// that was left out): the error is reported, and the rest of the export stays usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// What it is: `role`, `user`, `group`, `instance profile`, `managed policy`.
    pub kind: &'static str,
    /// Its ARN, or where it sits in the export when it has none.
    pub entity: String,
    /// Why, in a few words, with `file:line:column` of the first error.
    pub reason: String,
    /// The indices in `Loaded::findings` of the errors this costs.
    pub findings: Vec<usize>,
}

use crate::load::Loader;
use crate::manifest::ImportEntry;
use crate::model::Origin;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use toml::Spanned as TomlSpanned;
use xacct_eval::SourcedPolicy;
use xacct_policy::json::{self, Json};
use xacct_policy::{parse_policy, AccountId, Arn, Finding, PolicyKind, SourceFile, Span, Spanned};

/// The kinds an `[[import]]` table may name.
pub const KINDS: [&str; 20] = [
    "authorization-details",
    "bucket-policy",
    "access-points",
    "access-point-policy",
    "organizations",
    "lakeformation-permissions",
    "lakeformation-settings",
    "glue-resource-policy",
    "ram-resource-shares",
    "lakeformation-lf-tags",
    "lakeformation-resource-lf-tags",
    "lakeformation-data-cells-filters",
    "collect-gaps",
    "s3-settings",
    "kms-keys",
    "kinesis-streams",
    "glue-catalog",
    "lakeformation-resources",
    "databricks-credentials",
    "databricks-external-locations",
];

/// `FullAWSAccess`, which AWS attaches at every level of an organization by default.
const FULL_AWS_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"FullAWSAccess","Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn span_of<T>(value: &TomlSpanned<T>) -> Span {
    let range = value.span();
    Span::new(range.start, range.end)
}

/// Reads the file an `[[import]]` table names and adds what it describes to the world;
/// `prepared` is the file read ahead (`ahead`), if it was. Returns what was read and is no
/// longer needed, for the thread that made it to free (`ahead::each_import`).
pub(crate) fn load_import(
    loader: &mut Loader,
    entry: &ImportEntry,
    prepared: Option<ahead::Prepared>,
) -> Option<ahead::Leftovers> {
    let kind = entry.kind.get_ref().as_str();
    let kind_span = span_of(&entry.kind);
    if !KINDS.contains(&kind) {
        loader
            .error(
                "unsupported-import",
                kind_span,
                format!("import kind `{kind}` is not supported"),
            )
            .help = Some({
            let kinds: Vec<String> = KINDS.iter().map(|kind| (*kind).to_owned()).collect();
            match crate::suggest::closest(kind, &kinds) {
                Some(near) => format!(
                    "did you mean `{near}`? supported kinds: {}",
                    KINDS.join(", ")
                ),
                None => format!("supported kinds: {}", KINDS.join(", ")),
            }
        });
        return None;
    }
    // A bucket policy says nothing of the bucket it belongs to: the manifest must.
    let bucket = if kind == "bucket-policy" {
        match bucket::target(loader, entry) {
            Some(target) => Some(target),
            None => return None,
        }
    } else {
        None
    };
    // Nor do the Lake Formation and Glue exports say which account (and Region) they are of.
    let scope = if lake::KINDS.contains(&kind) {
        match lake::scope(loader, entry, kind) {
            Some(scope) => Some(scope),
            None => return None,
        }
    } else {
        None
    };
    // Nor does an access point policy say which access point it is of.
    let access_point = if kind == "access-point-policy" {
        match access_point::policy_target(loader, entry) {
            Some(arn) => Some(arn),
            None => return None,
        }
    } else {
        None
    };
    // The files `xacct collect` writes: their account and Region are the table's.
    let collected = if collected::KINDS.contains(&kind) {
        let Some(text) = &entry.account else {
            loader.error(
                "incomplete-import",
                kind_span,
                format!(
                    "a {kind} import needs `account`: the file does not say which account it is of"
                ),
            );
            return None;
        };
        match text.parse::<AccountId>() {
            Ok(account) => Some((
                account,
                entry
                    .region
                    .clone()
                    .unwrap_or_else(|| "us-east-1".to_owned()),
            )),
            Err(error) => {
                loader.error(
                    "invalid-account",
                    kind_span,
                    format!("`account` of this import: {error}"),
                );
                return None;
            }
        }
    } else {
        None
    };
    let (source, root, policies) = read(loader, entry, prepared)?;
    let mut export = Export {
        loader,
        source,
        policies,
    };
    match (kind, bucket, scope) {
        ("authorization-details", _, _) => authorization::import(&mut export, &root, entry),
        ("access-points", _, _) => access_point::import_list(&mut export, &root),
        ("access-point-policy", _, _) => {
            if let Some(arn) = &access_point {
                access_point::import_policy(&mut export, &root, arn);
            }
        }
        ("organizations", _, _) => organizations::import(&mut export, &root),
        ("databricks-credentials", _, _) => databricks::credentials(&mut export, &root, entry),
        ("databricks-external-locations", _, _) => {
            databricks::external_locations(&mut export, &root);
        }
        (_, Some(target), _) => bucket::import(&mut export, &root, &target),
        _ if collected.is_some() => {
            if let Some((account, region)) = &collected {
                collected::import(&mut export, &root, kind, *account, region);
            }
        }
        (_, _, Some(scope)) => lake::import(&mut export, &root, kind, &scope),
        _ => {}
    }
    Some(ahead::Leftovers {
        root,
        policies: export.policies,
    })
}

/// Reads and parses the export file, or takes it as read ahead; problems are findings.
fn read(
    loader: &mut Loader,
    entry: &ImportEntry,
    prepared: Option<ahead::Prepared>,
) -> Option<(Arc<SourceFile>, Json, ahead::PolicyMemo)> {
    let full = ahead::full_path(&loader.base, entry);
    let missing = ("missing-import-file", span_of(&entry.path));
    let parsed = match prepared.filter(|prepared| prepared.full == full) {
        Some(prepared) => {
            loader.files.record(prepared.record);
            match prepared.outcome {
                Ok(parsed) => parsed,
                Err(error) => {
                    loader.take_read(&full, ahead::WHAT, missing, Err(error));
                    return None;
                }
            }
        }
        None => {
            let text = loader.read_file(&full, crate::files::EXPORT_LIMIT, ahead::WHAT, missing)?;
            let root = json::parse(&text);
            let source = ahead::export_source(&loader.files, &full, text);
            ahead::Parsed {
                source,
                root,
                policies: ahead::PolicyMemo::default(),
            }
        }
    };
    match parsed.root {
        Ok(root) => Some((parsed.source, root, parsed.policies)),
        Err(error) => {
            let finding = Finding::error("invalid-json", error.span, error.message);
            loader.findings.push(finding.in_source(&parsed.source));
            None
        }
    }
}

/// One export file being read: its findings point into it.
pub(super) struct Export<'a> {
    pub(super) loader: &'a mut Loader,
    pub(super) source: Arc<SourceFile>,
    /// Its policies as read ahead, if they were.
    policies: ahead::PolicyMemo,
}

impl Export<'_> {
    pub(super) fn report(&mut self, finding: Finding) {
        self.loader.findings.push(finding.in_source(&self.source));
    }

    pub(super) fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.report(Finding::error(code, span, message));
    }

    pub(super) fn warning(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.report(Finding::warning(code, span, message));
    }

    pub(super) fn origin(&self, span: Span) -> Origin {
        Origin::in_file(&self.source, span)
    }

    /// Warns about every member of `object` whose name is not in `known`.
    pub(super) fn unknown_members(&mut self, object: &Json, known: &[&str], what: &str) {
        for member in object.members().unwrap_or_default() {
            if !known.contains(&member.name.as_str()) {
                self.report(
                    Finding::warning(
                        "unknown-export-key",
                        member.name_span,
                        format!("`{}` is not a key of {what}: it is ignored", member.name),
                    )
                    .with_help(format!("expected one of: {}", known.join(", "))),
                );
            }
        }
    }

    /// A member that must be there.
    pub(super) fn required<'j>(
        &mut self,
        object: &'j Json,
        name: &str,
        owner: &str,
    ) -> Option<&'j Json> {
        let found = member(object, name);
        if found.is_none() {
            self.error(
                "missing-export-key",
                object.span(),
                format!("{owner} has no `{name}`"),
            );
        }
        found
    }

    /// A string member that must be there.
    pub(super) fn string(
        &mut self,
        object: &Json,
        name: &str,
        owner: &str,
    ) -> Option<Spanned<String>> {
        let value = self.required(object, name, owner)?;
        self.as_string(value, &format!("`{name}` of {owner}"))
    }

    pub(super) fn as_string(&mut self, value: &Json, what: &str) -> Option<Spanned<String>> {
        match value {
            Json::String { value, span } => Some(Spanned::new(value.clone(), *span)),
            other => {
                self.error(
                    "invalid-export-value",
                    other.span(),
                    format!("{what} must be a string, found {}", other.kind_name()),
                );
                None
            }
        }
    }

    /// The items of an optional array member; a member of another type is an error.
    pub(super) fn list<'j>(&mut self, object: &'j Json, name: &str, owner: &str) -> &'j [Json] {
        match member(object, name) {
            None | Some(Json::Null { .. }) => &[],
            Some(Json::Array { items, .. }) => items,
            Some(other) => {
                self.error(
                    "invalid-export-value",
                    other.span(),
                    format!(
                        "`{name}` of {owner} must be an array, found {}",
                        other.kind_name()
                    ),
                );
                &[]
            }
        }
    }

    /// An account id, as written in an export.
    pub(super) fn account(&mut self, text: &Spanned<String>) -> Option<AccountId> {
        match text.value.parse::<AccountId>() {
            Ok(account) => Some(account),
            Err(error) => {
                self.error("invalid-account", text.span, error.to_string());
                None
            }
        }
    }

    /// Parses an IAM ARN of the given resource type (`role`, `user`, `group`,
    /// `instance-profile`): its account, name and path.
    pub(super) fn iam_arn(
        &mut self,
        text: &Spanned<String>,
        kind: &str,
    ) -> Option<(AccountId, String, String)> {
        let parsed = parse_iam_arn(&text.value, kind);
        if parsed.is_none() {
            self.report(
                Finding::error(
                    "invalid-arn",
                    text.span,
                    format!("`{}` is not an IAM {kind} ARN", text.value),
                )
                .with_help(format!(
                    "AWS writes it as `arn:aws:iam::ACCOUNT:{kind}/NAME`"
                )),
            );
        }
        parsed
    }

    /// Reads a policy document embedded in the export: a JSON object (what the AWS CLI
    /// prints), or a string holding the document, URL-encoded (what the raw API and most SDKs
    /// return) or not (`Content` of an organizations policy, `Policy` of a bucket).
    ///
    /// `place` says where the document sits (`RolePolicyList[0] of MyRole`), for the name of
    /// the file made for a document read from a string. `None` when the document has errors:
    /// they are findings.
    pub(super) fn policy(
        &mut self,
        value: &Json,
        kind: PolicyKind,
        label: String,
        place: &str,
    ) -> Option<SourcedPolicy> {
        match value {
            Json::Object { .. } => {
                let parsed = self.policies.read(value, kind);
                for finding in &parsed.findings {
                    self.report(finding.clone());
                }
                (!parsed.has_errors()).then(|| {
                    SourcedPolicy::new(parsed.policy, label).with_source(Arc::clone(&self.source))
                })
            }
            Json::String { value: text, span } => {
                let (decoded, how) = if text.trim_start().starts_with('{') {
                    (text.clone(), "")
                } else {
                    match percent_encoding::percent_decode_str(text).decode_utf8() {
                        Ok(decoded) => (decoded.into_owned(), ", decoded"),
                        Err(error) => {
                            self.error(
                                "invalid-policy-encoding",
                                *span,
                                format!("the policy document of {place} is not URL-encoded UTF-8: {error}"),
                            );
                            return None;
                        }
                    }
                };
                let name = format!("{} ({place}{how})", self.source.name);
                let source = SourceFile::new(name, decoded);
                let parsed = parse_policy(source.text(), kind);
                for finding in &parsed.findings {
                    self.loader.findings.push(finding.in_source(&source));
                }
                (!parsed.has_errors())
                    .then(|| SourcedPolicy::new(parsed.policy, label).with_source(source))
            }
            other => {
                self.error(
                    "invalid-export-value",
                    other.span(),
                    format!(
                        "the policy document of {place} must be a JSON object or a string holding one, found {}",
                        other.kind_name()
                    ),
                );
                None
            }
        }
    }
}

/// `a/b/../c` as `a/c`, without touching the file system, so that locations read cleanly.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The first member of an object with that name.
pub(super) fn member<'j>(value: &'j Json, name: &str) -> Option<&'j Json> {
    value
        .members()?
        .iter()
        .find(|member| member.name == name)
        .map(|member| &member.value)
}

/// `arn:aws:iam::ACCOUNT:KIND/[PATH/]NAME` as account, name and path (`/` or `/a/b/`).
pub(super) fn parse_iam_arn(text: &str, kind: &str) -> Option<(AccountId, String, String)> {
    let arn = text.parse::<Arn>().ok()?;
    let account = arn.account()?;
    let rest = arn.resource().strip_prefix(kind)?.strip_prefix('/')?;
    let name = rest.rsplit('/').next()?.to_owned();
    let path = format!("/{}", rest.strip_suffix(name.as_str()).unwrap_or_default());
    (arn.service() == "iam" && !name.is_empty()).then_some((account, name, path))
}

/// `FullAWSAccess`, as AWS attaches it where no other SCP is.
pub(super) fn full_aws_access(label: String) -> SourcedPolicy {
    SourcedPolicy::new(parse_policy(FULL_AWS_ACCESS, PolicyKind::Scp).policy, label)
}

/// Adds an account the world does not know yet, outside the organization unless an
/// organizations import places it.
pub(super) fn ensure_account(export: &mut Export<'_>, account: AccountId, span: Span) {
    if export.loader.world.accounts.contains_key(&account) {
        return;
    }
    if export.loader.world.organization.is_some() {
        export.report(
            Finding::warning(
                "undeclared-account",
                span,
                format!("account {account} is not in the organizations import: it is treated as outside the organization"),
            )
            .with_help("when it is a member, export the listings again: the account is missing from ListAccountsForParent"),
        );
    }
    export.loader.world.accounts.insert(
        account,
        crate::model::Account {
            id: account,
            name: None,
            unit: None,
            scps: Vec::new(),
            rcps: Vec::new(),
            block_public_access: xacct_s3::BlockPublicAccess::NONE,
        },
    );
}
