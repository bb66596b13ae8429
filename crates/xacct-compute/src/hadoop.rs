//! Hadoop S3A settings as Databricks takes them (`spark_conf`, mount `extra_configs`), and the
//! credentials they produce for one bucket.
//!
//! Keys may be written with Spark's `spark.hadoop.` prefix or without it; both name the same
//! Hadoop key. `fs.s3a.bucket.<bucket>.<option>` overrides `fs.s3a.<option>` for that bucket
//! (Hadoop's per-bucket configuration). Layers (a cluster's `spark_conf`, then a mount's
//! `extra_configs`) are merged key by key, later layers winning, before per-bucket options are
//! applied, as Hadoop merges configuration before it creates the filesystem for a bucket.

use crate::credentials::{AssumeRole, AssumeRoleVia, Credentials};
use crate::embedded::Embedded;
use crate::reader::Reader;
use crate::values::{
    check_external_id, check_session_name, parse_hadoop_duration, role_arn, suggest, CannedAcl,
};
use crate::{Layer, Located};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use xacct_policy::json::Member;
use xacct_policy::{parse_policy, Arn, Finding, PolicyKind, Span};

/// The Hadoop page every S3A assumed-role finding cites.
pub(crate) const ASSUMED_ROLES_PAGE: &str =
    "https://hadoop.apache.org/docs/current/hadoop-aws/tools/hadoop-aws/assumed_roles.html";

const SPARK_HADOOP: &str = "spark.hadoop.";
const S3A: &str = "fs.s3a.";
const BUCKET: &str = "bucket.";

/// Options after `fs.s3a.` that decide credentials or the ACL on writes: each is understood.
const CREDENTIAL_OPTIONS: [&str; 16] = [
    "aws.credentials.provider",
    "assumed.role.arn",
    "assumed.role.session.name",
    "assumed.role.session.duration",
    "assumed.role.sts.endpoint",
    "assumed.role.sts.endpoint.region",
    "assumed.role.policy",
    "assumed.role.credentials.provider",
    "assumed.role.external.id",
    "acl.default",
    "canned.acl",
    "credentialsType",
    "stsAssumeRole.arn",
    "access.key",
    "secret.key",
    "session.token",
];

/// Other S3A options: known, and not about credentials. Listed so that per-bucket keys of
/// buckets with dots in their names split right, and so that the credential-looking ones among
/// them are not reported.
const OTHER_OPTIONS: [&str; 26] = [
    "endpoint",
    "endpoint.region",
    "region",
    "path.style.access",
    "connection.ssl.enabled",
    "connection.maximum",
    "threads.max",
    "impl",
    "fast.upload",
    "fast.upload.buffer",
    "multipart.size",
    "multipart.threshold",
    "server-side-encryption-algorithm",
    "server-side-encryption.key",
    "encryption.algorithm",
    "encryption.key",
    "requester.pays.enabled",
    "committer.name",
    "committer.magic.enabled",
    "change.detection.mode",
    "security.credential.provider.path",
    "aws.credentials.provider.mapping",
    "delegation.token.binding",
    "signing-algorithm",
    "accesspoint.required",
    "create.storage.class",
];

/// Words that make an unknown option look like a credential setting.
const CREDENTIAL_WORDS: [&str; 12] = [
    "role",
    "assumed",
    "assume",
    "sts",
    "credential",
    "credentials",
    "credentialstype",
    "stsassumerole",
    "acl",
    "secret",
    "session",
    "externalid",
];

/// One `key: value` of a Hadoop configuration, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The key as Hadoop reads it: without `spark.hadoop.`.
    pub key: String,
    /// The key as written.
    pub written_key: String,
    pub value: String,
    pub key_span: Span,
    pub value_span: Span,
    pub layer: Layer,
}

impl Setting {
    fn located_value(&self) -> Located<String> {
        Located::new(self.value.clone(), self.value_span, self.layer)
    }

    fn located_key(&self) -> Located<String> {
        Located::new(self.written_key.clone(), self.key_span, self.layer)
    }
}

/// The settings of one layer, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HadoopConf {
    pub settings: Vec<Setting>,
    /// The classes of each provider-list setting, with their own spans, by the setting's key
    /// offset (read where the file's text is at hand, so that escapes are accounted for).
    #[serde(skip)]
    classes: BTreeMap<usize, Vec<Located<String>>>,
}

/// What an option name means once the key is taken apart.
enum Key<'k> {
    /// `fs.s3a.<option>` or `fs.s3a.bucket.<bucket>.<option>`.
    S3a {
        bucket: Option<&'k str>,
        option: &'k str,
    },
    /// `fs.s3.<option>` or `fs.s3n.<option>`: EMRFS and legacy keys that S3A does not read.
    OtherScheme {
        scheme: &'k str,
        option: &'k str,
    },
    Other,
}

fn classify(key: &str) -> Key<'_> {
    if let Some(option) = key.strip_prefix(S3A) {
        return match option.strip_prefix(BUCKET) {
            Some(rest) => {
                let (bucket, option) = split_bucket(rest);
                Key::S3a {
                    bucket: Some(bucket),
                    option,
                }
            }
            None => Key::S3a {
                bucket: None,
                option,
            },
        };
    }
    for scheme in ["fs.s3.", "fs.s3n."] {
        if let Some(option) = key.strip_prefix(scheme) {
            return Key::OtherScheme {
                scheme: scheme.trim_end_matches('.'),
                option,
            };
        }
    }
    Key::Other
}

/// Splits `<bucket>.<option>`; bucket names may hold dots, so the split is where a known option
/// starts, or else where the closest near-miss of a credential option starts, or else at the
/// first dot.
fn split_bucket(rest: &str) -> (&str, &str) {
    let splits: Vec<(&str, &str)> = rest
        .match_indices('.')
        .filter_map(|(index, _)| Some((rest.get(..index)?, rest.get(index + 1..)?)))
        .collect();
    if let Some(split) = splits.iter().find(|(_, option)| is_known_option(option)) {
        return *split;
    }
    if let Some(split) = splits
        .iter()
        .find(|(_, option)| suggest(option, &CREDENTIAL_OPTIONS).is_some())
    {
        return *split;
    }
    splits.first().copied().unwrap_or((rest, ""))
}

fn is_known_option(option: &str) -> bool {
    CREDENTIAL_OPTIONS.contains(&option)
        || OTHER_OPTIONS.contains(&option)
        || option.starts_with("delegation.")
        || option.starts_with("committer.")
}

fn looks_like_credentials(option: &str) -> bool {
    option
        .split(['.', '-', '_'])
        .any(|word| CREDENTIAL_WORDS.contains(&word.to_ascii_lowercase().as_str()))
}

/// What a credentials provider class does, by its simple name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    AssumedRole,
    Instance,
    ConfigKeys,
    TemporaryKeys,
    Environment,
    Anonymous,
    DefaultChain,
    Custom,
}

const PROVIDER_CLASSES: [(&str, Provider); 14] = [
    ("AssumedRoleCredentialProvider", Provider::AssumedRole),
    ("InstanceProfileCredentialsProvider", Provider::Instance),
    ("IAMInstanceCredentialsProvider", Provider::Instance),
    ("EC2ContainerCredentialsProviderWrapper", Provider::Instance),
    ("ContainerCredentialsProvider", Provider::Instance),
    ("SimpleAWSCredentialsProvider", Provider::ConfigKeys),
    ("BasicAWSCredentialsProvider", Provider::ConfigKeys),
    ("TemporaryAWSCredentialsProvider", Provider::TemporaryKeys),
    (
        "EnvironmentVariableCredentialsProvider",
        Provider::Environment,
    ),
    ("AnonymousAWSCredentialsProvider", Provider::Anonymous),
    ("AnonymousCredentialsProvider", Provider::Anonymous),
    ("DefaultAWSCredentialsProviderChain", Provider::DefaultChain),
    ("DefaultCredentialsProvider", Provider::DefaultChain),
    ("ProfileCredentialsProvider", Provider::Custom),
];

fn simple_name(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

fn provider_of(class: &str) -> Provider {
    let simple = simple_name(class);
    PROVIDER_CLASSES
        .iter()
        .find(|(name, _)| *name == simple)
        .map_or(Provider::Custom, |(_, provider)| *provider)
}

/// The classes of a provider list (Hadoop splits on commas and trims), with their spans.
fn provider_classes(setting: &Setting, source: Option<&str>) -> Vec<Located<String>> {
    let embedded = source.and_then(|source| Embedded::read(source, setting.value_span));
    let text = embedded
        .as_ref()
        .map_or(setting.value.as_str(), |embedded| embedded.text.as_str());
    let mut classes = Vec::new();
    let mut start = 0;
    for part in text.split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let offset = start + (part.len() - part.trim_start().len());
            let span = embedded.as_ref().map_or(setting.value_span, |embedded| {
                embedded.outer_range(offset, offset + trimmed.len())
            });
            classes.push(Located::new(trimmed.to_owned(), span, setting.layer));
        }
        start += part.len() + 1;
    }
    classes
}

impl HadoopConf {
    /// Reads an object of settings (`spark_conf`, `extra_configs`) into one layer and reports
    /// every setting that S3A would refuse or that looks like a mistyped credential setting.
    pub(crate) fn read(
        reader: &mut Reader,
        source: &str,
        members: &[Member],
        layer: Layer,
        what: &str,
    ) -> Self {
        reader.duplicates(members, what);
        let mut settings = Vec::new();
        for member in members {
            let Some(value) = reader.scalar(&member.value, &format!("`{}` in {what}", member.name))
            else {
                continue;
            };
            let key = member
                .name
                .strip_prefix(SPARK_HADOOP)
                .unwrap_or(&member.name)
                .to_owned();
            settings.push(Setting {
                key,
                written_key: member.name.clone(),
                value: value.value,
                key_span: member.name_span,
                value_span: value.span,
                layer,
            });
        }
        let classes = settings
            .iter()
            .filter(|setting| {
                matches!(classify(&setting.key), Key::S3a { option, .. } if option.ends_with("credentials.provider"))
            })
            .map(|setting| {
                (
                    setting.key_span.start,
                    provider_classes(setting, Some(source)),
                )
            })
            .collect();
        let conf = Self { settings, classes };
        conf.conflicts(reader, what);
        for setting in &conf.settings {
            check_setting(reader, source, setting);
        }
        conf
    }

    /// Warns when `spark.hadoop.K` and `K` are both written with different values.
    fn conflicts(&self, reader: &mut Reader, what: &str) {
        for (index, setting) in self.settings.iter().enumerate() {
            let later =
                self.settings.iter().skip(index + 1).find(|other| {
                    other.key == setting.key && other.written_key != setting.written_key
                });
            if let Some(later) = later {
                if later.value != setting.value {
                    reader.push(
                        Finding::warning(
                            "conflicting-setting",
                            setting.key_span,
                            format!(
                                "`{}` is also set as `{}` in {what}, to `{}`: both name the Hadoop key `{}`",
                                setting.written_key, later.written_key, later.value, setting.key
                            ),
                        )
                        .with_help("keep one of them; xacct takes the one written last"),
                    );
                }
            }
        }
    }

    /// The last setting of a Hadoop key (without `spark.hadoop.`).
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|setting| setting.key == key)
    }

    /// The S3A options that apply to `bucket` (`None`: to a bucket with no overrides).
    pub fn view(&self, bucket: Option<&str>) -> S3aView<'_> {
        S3aView::layered(&[self], bucket)
    }

    /// Buckets named in `fs.s3a.bucket.<bucket>.<option>` keys, in order of first mention.
    pub fn buckets(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut buckets = Vec::new();
        for setting in &self.settings {
            if let Key::S3a {
                bucket: Some(bucket),
                ..
            } = classify(&setting.key)
            {
                if seen.insert(bucket.to_owned()) {
                    buckets.push(bucket.to_owned());
                }
            }
        }
        buckets
    }
}

/// Checks one setting on its own.
fn check_setting(reader: &mut Reader, source: &str, setting: &Setting) {
    match classify(&setting.key) {
        Key::S3a { bucket, option } => {
            if CREDENTIAL_OPTIONS.contains(&option) {
                check_credential_option(reader, source, setting, option);
            } else if !is_known_option(option) {
                unknown_option(reader, setting, bucket, option);
            }
        }
        Key::OtherScheme { scheme, option } => {
            let meant = if CREDENTIAL_OPTIONS.contains(&option) {
                Some(option)
            } else {
                suggest(option, &CREDENTIAL_OPTIONS)
            };
            if let Some(meant) = meant {
                let prefix = if setting.written_key.starts_with(SPARK_HADOOP) {
                    SPARK_HADOOP
                } else {
                    ""
                };
                reader.push(
                    Finding::warning(
                        "wrong-scheme-key",
                        setting.key_span,
                        format!(
                            "`{}` is not read by S3A, which Databricks uses for `s3://`, `s3a://` and `s3n://` paths: S3A settings start with `fs.s3a.`, not `{scheme}.`",
                            setting.written_key
                        ),
                    )
                    .with_help(format!("did you mean `{prefix}{S3A}{meant}`?")),
                );
            }
        }
        Key::Other => {}
    }
}

fn unknown_option(reader: &mut Reader, setting: &Setting, bucket: Option<&str>, option: &str) {
    let written_prefix = setting
        .written_key
        .strip_suffix(option)
        .unwrap_or_default()
        .to_owned();
    if let Some(meant) = suggest(option, &CREDENTIAL_OPTIONS) {
        reader.push(
            Finding::warning(
                "unknown-s3a-key",
                setting.key_span,
                format!(
                    "`{}` is not an S3A setting: it is ignored",
                    setting.written_key
                ),
            )
            .with_help(format!("did you mean `{written_prefix}{meant}`?")),
        );
    } else if looks_like_credentials(option) {
        let scope = bucket.map_or(String::new(), |bucket| format!(" (for bucket `{bucket}`)"));
        reader.push(
            Finding::warning(
                "unknown-s3a-key",
                setting.key_span,
                format!(
                    "`{}`{scope} looks like a credential setting but is not one xacct knows: it is ignored when resolving credentials",
                    setting.written_key
                ),
            )
            .with_help(format!("known credential settings: fs.s3a.{}", CREDENTIAL_OPTIONS.join(", fs.s3a."))),
        );
    }
}

fn check_credential_option(reader: &mut Reader, source: &str, setting: &Setting, option: &str) {
    let value = setting.value.as_str();
    if value.trim().is_empty() {
        return;
    }
    let key = &setting.written_key;
    match option {
        "assumed.role.arn" | "stsAssumeRole.arn" => {
            if let Err(error) = role_arn(value) {
                reader.push(
                    Finding::error("invalid-role-arn", setting.value_span, error).with_help(
                        format!("`{key}` takes the ARN of the role to assume, `arn:aws:iam::ACCOUNT:role/NAME`"),
                    ),
                );
            }
        }
        "assumed.role.session.duration" => match parse_hadoop_duration(value) {
            Err(error) => reader.error("invalid-duration", setting.value_span, error.to_string()),
            Ok(seconds) if !(900..=3600).contains(&seconds) => reader.push(
                Finding::error(
                    "session-duration-out-of-range",
                    setting.value_span,
                    format!(
                        "`{key}` is `{value}` ({seconds} s): S3A assumed-role sessions last 15 minutes to 1 hour"
                    ),
                )
                .with_help(format!(
                    "STS refuses DurationSeconds below 900, and above 3600 for a session assumed with another role's credentials; use a value from `15m` to `1h` (see {ASSUMED_ROLES_PAGE})"
                )),
            ),
            Ok(_) => {}
        },
        "assumed.role.session.name" => {
            if let Err(error) = check_session_name(value) {
                reader.error("invalid-session-name", setting.value_span, error);
            }
        }
        "assumed.role.external.id" => {
            if let Err(error) = check_external_id(value) {
                reader.error("invalid-external-id", setting.value_span, error);
            }
        }
        "assumed.role.policy" => session_policy(reader, source, setting),
        "aws.credentials.provider" | "assumed.role.credentials.provider" => {
            provider_list(reader, source, setting, option == "assumed.role.credentials.provider");
        }
        "acl.default" | "canned.acl" => match CannedAcl::read(value) {
            Err(error) => reader.push(
                Finding::error("invalid-canned-acl", setting.value_span, format!("`{key}`: {error}"))
                    .with_help(format!(
                        "expected one of: {}",
                        CannedAcl::ALL.map(CannedAcl::hadoop_name).join(", ")
                    )),
            ),
            Ok((acl, false)) => reader.push(
                Finding::warning(
                    "canned-acl-spelling",
                    setting.value_span,
                    format!(
                        "`{value}` is not how Hadoop spells the canned ACL: write `{}`",
                        acl.hadoop_name()
                    ),
                )
                .with_help("Hadoop reads the enum name; other spellings are rejected by some versions"),
            ),
            Ok(_) => {}
        },
        "credentialsType" if value.trim() != "AssumeRole" => {
            let help = if value.eq_ignore_ascii_case("assumerole") || suggest(value, &["AssumeRole"]).is_some() {
                "did you mean `AssumeRole`?".to_owned()
            } else {
                "xacct knows only `AssumeRole` (with `fs.s3a.stsAssumeRole.arn`)".to_owned()
            };
            reader.push(
                Finding::warning(
                    "unknown-credentials-type",
                    setting.value_span,
                    format!("`{key}` is `{value}`: xacct does not treat it as an assume-role setting"),
                )
                .with_help(help),
            );
        }
        _ => {}
    }
}

fn session_policy(reader: &mut Reader, source: &str, setting: &Setting) {
    let Some(embedded) = Embedded::read(source, setting.value_span) else {
        return;
    };
    let parsed = parse_policy(&embedded.text, PolicyKind::Session);
    for finding in parsed.findings {
        let mut finding = embedded.finding(finding);
        finding.message = format!(
            "session policy in `{}`: {}",
            setting.written_key, finding.message
        );
        reader.push(finding);
    }
}

fn provider_list(reader: &mut Reader, source: &str, setting: &Setting, for_sts: bool) {
    let known: Vec<&str> = PROVIDER_CLASSES.iter().map(|(name, _)| *name).collect();
    for class in provider_classes(setting, Some(source)) {
        let provider = provider_of(&class.value);
        if provider == Provider::Custom {
            if let Some(meant) = suggest(simple_name(&class.value), &known) {
                reader.push(
                    Finding::warning(
                        "unknown-credentials-provider",
                        class.span,
                        format!("`{}` is not a credentials provider class xacct knows", class.value),
                    )
                    .with_help(format!("did you mean `{meant}`? A class that does not exist fails the filesystem when it starts")),
                );
            }
        }
        if !for_sts {
            continue;
        }
        match provider {
            Provider::Instance => reader.push(
                Finding::warning(
                    "instance-credentials-for-sts",
                    class.span,
                    format!(
                        "`{}` names instance credentials (`{}`) to call STS: the Hadoop documentation says short-lived credentials such as EC2 instance credentials cannot be used to assume the role",
                        setting.written_key,
                        simple_name(&class.value)
                    ),
                )
                .with_help(format!(
                    "see {ASSUMED_ROLES_PAGE}; whether current Hadoop and Databricks runtimes still refuse them is unverified, so test the role with this cluster"
                )),
            ),
            Provider::AssumedRole => reader.push(
                Finding::error(
                    "recursive-assumed-role-provider",
                    class.span,
                    "AssumedRoleCredentialProvider cannot be in fs.s3a.assumed.role.credentials.provider",
                )
                .with_help(format!(
                    "this setting lists the credentials that call STS; use long-lived credentials such as SimpleAWSCredentialsProvider (see {ASSUMED_ROLES_PAGE})"
                )),
            ),
            _ => {}
        }
    }
}

/// The S3A options in force for one bucket, each with the setting it comes from.
#[derive(Debug, Clone)]
pub struct S3aView<'a> {
    bucket: Option<String>,
    options: BTreeMap<String, &'a Setting>,
    classes: BTreeMap<(Layer, usize), &'a [Located<String>]>,
}

impl<'a> S3aView<'a> {
    /// Merges layers in order, then applies the bucket's overrides from every layer.
    pub(crate) fn layered(layers: &[&'a HadoopConf], bucket: Option<&str>) -> Self {
        let mut options = BTreeMap::new();
        for conf in layers {
            for setting in &conf.settings {
                if let Some(option) = setting.key.strip_prefix(S3A) {
                    if !option.starts_with(BUCKET) {
                        options.insert(option.to_owned(), setting);
                    }
                }
            }
        }
        if let Some(bucket) = bucket {
            let prefix = format!("{S3A}{BUCKET}{bucket}.");
            for conf in layers {
                for setting in &conf.settings {
                    if let Some(option) = setting.key.strip_prefix(&prefix) {
                        options.insert(option.to_owned(), setting);
                    }
                }
            }
        }
        let classes = layers
            .iter()
            .flat_map(|conf| {
                conf.settings.iter().filter_map(|setting| {
                    conf.classes.get(&setting.key_span.start).map(|classes| {
                        ((setting.layer, setting.key_span.start), classes.as_slice())
                    })
                })
            })
            .collect();
        Self {
            bucket: bucket.map(str::to_owned),
            options,
            classes,
        }
    }

    /// The classes of a provider-list setting.
    fn classes_of(&self, setting: &Setting) -> Vec<Located<String>> {
        self.classes
            .get(&(setting.layer, setting.key_span.start))
            .map_or_else(
                || provider_classes(setting, None),
                |classes| classes.to_vec(),
            )
    }

    pub fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// The setting in force for an option (the part after `fs.s3a.`), ignoring empty values,
    /// which Hadoop treats as unset.
    pub fn get(&self, option: &str) -> Option<&'a Setting> {
        self.options
            .get(option)
            .copied()
            .filter(|setting| !setting.value.trim().is_empty())
    }

    /// Every option in force, by name after `fs.s3a.`.
    pub fn options(&self) -> impl Iterator<Item = (&str, &'a Setting)> + '_ {
        self.options
            .iter()
            .map(|(option, setting)| (option.as_str(), *setting))
    }

    /// The canned ACLs set for writes: `fs.s3a.acl.default` first, then Databricks'
    /// `fs.s3a.canned.acl`. Values that are not canned ACLs are left out (they are findings).
    pub fn canned_acls(&self) -> Vec<Located<CannedAcl>> {
        ["acl.default", "canned.acl"]
            .into_iter()
            .filter_map(|option| {
                let setting = self.get(option)?;
                let acl = setting.value.parse::<CannedAcl>().ok()?;
                Some(Located::new(acl, setting.value_span, setting.layer))
            })
            .collect()
    }

    /// The encryption requested on writes. SSE-C and client-side encryption send no
    /// `x-amz-server-side-encryption` header and are left out, as are values Hadoop rejects
    /// (those are findings).
    pub fn write_encryption(&self) -> Option<Located<crate::cluster::WriteEncryption>> {
        use crate::cluster::WriteEncryption;
        let algorithm = self
            .get("encryption.algorithm")
            .or_else(|| self.get("server-side-encryption-algorithm"))?;
        let key = self
            .get("encryption.key")
            .or_else(|| self.get("server-side-encryption.key"))
            .map(|setting| setting.value.trim().to_owned());
        let value = algorithm.value.trim();
        let encryption = if value.eq_ignore_ascii_case("SSE-S3") || value == "AES256" {
            WriteEncryption::SseS3
        } else if value.eq_ignore_ascii_case("SSE-KMS") {
            WriteEncryption::SseKms { key }
        } else if value.eq_ignore_ascii_case("DSSE-KMS") {
            WriteEncryption::DsseKms { key }
        } else {
            return None;
        };
        Some(Located::new(
            encryption,
            algorithm.value_span,
            algorithm.layer,
        ))
    }

    fn assume_role_type(&self) -> Option<&'a Setting> {
        self.get("credentialsType")
            .filter(|setting| setting.value.trim() == "AssumeRole")
    }

    fn providers(&self) -> Vec<Located<String>> {
        self.get("aws.credentials.provider")
            .map(|setting| self.classes_of(setting))
            .unwrap_or_default()
    }

    fn for_bucket(&self) -> String {
        self.bucket
            .as_ref()
            .map_or(String::new(), |bucket| format!(" for bucket `{bucket}`"))
    }
}

/// What the compute supplies when settings do not: its instance profile and environment.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Compute<'a> {
    pub(crate) profile: Option<&'a Located<Arn>>,
    /// `AWS_ACCESS_KEY_ID` in the compute's environment.
    pub(crate) env_keys: Option<&'a Located<String>>,
}

impl Compute<'_> {
    /// The AWS default chain as a cluster sees it: environment keys, then the instance profile.
    pub(crate) fn default_chain(&self) -> Credentials {
        if let Some(keys) = self.env_keys {
            return Credentials::AccessKeys {
                source: keys.clone(),
            };
        }
        match self.profile {
            Some(profile) => Credentials::InstanceProfile {
                profile: Some(profile.clone()),
            },
            None => Credentials::None {
                reason: "the cluster has no instance profile and no access keys are configured"
                    .to_owned(),
            },
        }
    }
}

/// The credentials S3A uses for the bucket of `view`.
pub(crate) fn resolve(view: &S3aView<'_>, compute: Compute<'_>) -> Credentials {
    // Databricks' own keys are taken first when both styles are set: which one the Databricks
    // S3A fork prefers is not documented (semantics.md §9); `check_view` warns when they differ.
    if let Some(kind) = view.assume_role_type() {
        return match view.get("stsAssumeRole.arn") {
            None => Credentials::Fails {
                code: "missing-assumed-role-arn",
                message: format!(
                    "`fs.s3a.credentialsType` is AssumeRole but `fs.s3a.stsAssumeRole.arn` is unset{}",
                    view.for_bucket()
                ),
                span: kind.value_span,
                layer: kind.layer,
            },
            Some(arn) => assume(view, compute, arn, AssumeRoleVia::DatabricksCredentialsType),
        };
    }
    let providers = view.providers();
    if providers.is_empty() {
        return default_chain(view, compute);
    }
    // S3A builds every provider of the list when the filesystem starts, so a broken
    // AssumedRoleCredentialProvider fails the bucket wherever it is in the list.
    if let Some(class) = providers
        .iter()
        .find(|class| provider_of(&class.value) == Provider::AssumedRole)
    {
        match view.get("assumed.role.arn") {
            None => {
                return Credentials::Fails {
                    code: "missing-assumed-role-arn",
                    message: format!(
                        "Unset property fs.s3a.assumed.role.arn{}",
                        view.for_bucket()
                    ),
                    span: class.span,
                    layer: class.layer,
                }
            }
            Some(arn) if role_arn(&arn.value).is_err() => {
                return Credentials::Fails {
                    code: "invalid-role-arn",
                    message: format!("`{}` is not a role ARN", arn.value),
                    span: arn.value_span,
                    layer: arn.layer,
                }
            }
            Some(_) => {}
        }
    }
    chain(&providers, view, compute, "fs.s3a.aws.credentials.provider")
}

/// The first provider of a list that has credentials.
fn chain(
    providers: &[Located<String>],
    view: &S3aView<'_>,
    compute: Compute<'_>,
    setting: &str,
) -> Credentials {
    for class in providers {
        match provider_of(&class.value) {
            Provider::AssumedRole => {
                if let Some(arn) = view.get("assumed.role.arn") {
                    return assume(view, compute, arn, AssumeRoleVia::S3aAssumedRoleProvider);
                }
            }
            Provider::Instance => {
                if let Some(profile) = compute.profile {
                    return Credentials::InstanceProfile {
                        profile: Some(profile.clone()),
                    };
                }
            }
            Provider::ConfigKeys => {
                if let (Some(key), Some(_)) = (view.get("access.key"), view.get("secret.key")) {
                    return Credentials::AccessKeys {
                        source: key.located_key(),
                    };
                }
            }
            Provider::TemporaryKeys => {
                if let (Some(key), Some(_), Some(_)) = (
                    view.get("access.key"),
                    view.get("secret.key"),
                    view.get("session.token"),
                ) {
                    return Credentials::AccessKeys {
                        source: key.located_key(),
                    };
                }
            }
            Provider::Environment => {
                if let Some(keys) = compute.env_keys {
                    return Credentials::AccessKeys {
                        source: keys.clone(),
                    };
                }
            }
            Provider::Anonymous => {
                return Credentials::Anonymous {
                    source: class.clone(),
                }
            }
            Provider::DefaultChain => return default_chain(view, compute),
            Provider::Custom => {
                return Credentials::CustomProvider {
                    class: class.clone(),
                }
            }
        }
    }
    Credentials::None {
        reason: format!(
            "no provider in `{setting}` has credentials{}",
            view.for_bucket()
        ),
    }
}

/// S3A's default list: keys in the settings, environment keys, then the instance profile.
fn default_chain(view: &S3aView<'_>, compute: Compute<'_>) -> Credentials {
    if let (Some(key), Some(_)) = (view.get("access.key"), view.get("secret.key")) {
        return Credentials::AccessKeys {
            source: key.located_key(),
        };
    }
    compute.default_chain()
}

fn assume(
    view: &S3aView<'_>,
    compute: Compute<'_>,
    arn_setting: &Setting,
    via: AssumeRoleVia,
) -> Credentials {
    let role = match role_arn(&arn_setting.value) {
        Ok(role) => role,
        Err(error) => {
            return Credentials::Fails {
                code: "invalid-role-arn",
                message: error,
                span: arn_setting.value_span,
                layer: arn_setting.layer,
            }
        }
    };
    // Credentials that call STS: `fs.s3a.assumed.role.credentials.provider` when set, else keys
    // in the settings or environment, else the instance profile. Plain Hadoop would fail
    // without keys; Databricks documents the instance-profile role assuming the role
    // (semantics.md §9), so that is what a cluster gets.
    let from = match view
        .get("assumed.role.credentials.provider")
        .filter(|_| via == AssumeRoleVia::S3aAssumedRoleProvider)
    {
        Some(setting) => {
            let classes: Vec<Located<String>> = view
                .classes_of(setting)
                .into_iter()
                .filter(|class| provider_of(&class.value) != Provider::AssumedRole)
                .collect();
            chain(
                &classes,
                view,
                compute,
                "fs.s3a.assumed.role.credentials.provider",
            )
        }
        None => default_chain(view, compute),
    };
    let located = |option: &str| view.get(option).map(Setting::located_value);
    let duration = view
        .get("assumed.role.session.duration")
        .and_then(|setting| {
            parse_hadoop_duration(&setting.value)
                .ok()
                .map(|seconds| Located::new(seconds, setting.value_span, setting.layer))
        });
    Credentials::AssumeRole(Box::new(AssumeRole {
        role_arn: Located::new(role, arn_setting.value_span, arn_setting.layer),
        via,
        from,
        session_name: located("assumed.role.session.name"),
        duration,
        sts_endpoint: located("assumed.role.sts.endpoint"),
        sts_region: located("assumed.role.sts.endpoint.region"),
        session_policy: located("assumed.role.policy"),
        session_policy_key: view
            .get("assumed.role.policy")
            .map(|setting| setting.written_key.clone()),
        external_id: located("assumed.role.external.id"),
    }))
}

/// The default STS endpoint: a client needs no signing region for it.
fn is_default_sts_endpoint(endpoint: &str) -> bool {
    let host = endpoint
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    host == "sts.amazonaws.com"
}

/// The Region in `sts.<region>.amazonaws.com` (or `sts-fips.<region>…`, `sts.<region>.amazonaws.com.cn`).
fn endpoint_region(endpoint: &str) -> Option<&str> {
    let host = endpoint
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()?;
    let mut parts = host.split('.');
    let service = parts.next()?;
    let region = parts.next()?;
    (matches!(service, "sts" | "sts-fips") && parts.next() == Some("amazonaws")).then_some(region)
}

/// Problems that show only once layers and per-bucket overrides are merged. Findings are
/// kept only when the setting at fault is in `layer`, so that a mount's check does not repeat
/// the cluster's; `consumed` collects the role-ARN settings some view uses.
pub(crate) struct ViewChecks<'r> {
    reader: &'r mut Reader,
    layer: Layer,
    consumed: HashSet<(Layer, usize)>,
}

impl<'r> ViewChecks<'r> {
    pub(crate) fn new(reader: &'r mut Reader, layer: Layer) -> Self {
        Self {
            reader,
            layer,
            consumed: HashSet::new(),
        }
    }

    /// Keeps a finding about a setting of the reporting layer, once: the views of several
    /// buckets often share the setting at fault.
    fn push(&mut self, layer: Layer, finding: Finding) {
        let seen = self
            .reader
            .findings
            .iter()
            .any(|seen| seen.code == finding.code && seen.span == finding.span);
        if layer == self.layer && !seen {
            self.reader.push(finding);
        }
    }

    pub(crate) fn check(&mut self, view: &S3aView<'_>) {
        let for_bucket = view.for_bucket();
        let hadoop_arn = view.get("assumed.role.arn");
        let databricks_arn = view.get("stsAssumeRole.arn");
        let providers = view.providers();
        let assumed_provider = providers
            .iter()
            .find(|class| provider_of(&class.value) == Provider::AssumedRole);
        if let Some(class) = assumed_provider {
            match hadoop_arn {
                Some(arn) => {
                    self.consumed.insert((arn.layer, arn.key_span.start));
                }
                None => self.push(
                    class.layer,
                    Finding::error(
                        "missing-assumed-role-arn",
                        class.span,
                        format!(
                            "`fs.s3a.aws.credentials.provider` is AssumedRoleCredentialProvider but `fs.s3a.assumed.role.arn` is unset{for_bucket}: S3A fails with \"Unset property fs.s3a.assumed.role.arn\""
                        ),
                    )
                    .with_help(format!(
                        "set `fs.s3a.assumed.role.arn` (or `fs.s3a.bucket.BUCKET.assumed.role.arn`) to the ARN of the role to assume; see {ASSUMED_ROLES_PAGE}"
                    )),
                ),
            }
        }
        let databricks_type = view.assume_role_type();
        if let Some(kind) = databricks_type {
            match databricks_arn {
                Some(arn) => {
                    self.consumed.insert((arn.layer, arn.key_span.start));
                }
                None => self.push(
                    kind.layer,
                    Finding::error(
                        "missing-assumed-role-arn",
                        kind.value_span,
                        format!(
                            "`fs.s3a.credentialsType` is AssumeRole but `fs.s3a.stsAssumeRole.arn` is unset{for_bucket}"
                        ),
                    )
                    .with_help("set `fs.s3a.stsAssumeRole.arn` to the ARN of the role to assume"),
                ),
            }
        }
        if let (Some(_), Some(_), Some(hadoop), Some(databricks)) = (
            assumed_provider,
            databricks_type,
            hadoop_arn,
            databricks_arn,
        ) {
            if hadoop.value.trim() != databricks.value.trim() {
                // Point at the setting of the layer being checked: a mount that brings the
                // second role is where the conflict is made.
                let (here, other) = if databricks.layer == self.layer {
                    (databricks, hadoop)
                } else {
                    (hadoop, databricks)
                };
                self.push(
                    here.layer,
                    Finding::warning(
                        "conflicting-assumed-role",
                        here.value_span,
                        format!(
                            "two roles to assume{for_bucket}: `{}` here and `{}` in `{}`",
                            here.value, other.value, other.written_key
                        ),
                    )
                    .with_help(format!(
                        "xacct takes `{}` (from `fs.s3a.credentialsType` = AssumeRole); which one the Databricks runtime uses is not documented, so keep one",
                        databricks.value
                    )),
                );
            }
        }
        if let Some(endpoint) = view.get("assumed.role.sts.endpoint") {
            let region = view.get("assumed.role.sts.endpoint.region");
            if region.is_none() && !is_default_sts_endpoint(&endpoint.value) {
                self.push(
                    endpoint.layer,
                    Finding::warning(
                        "sts-endpoint-without-region",
                        endpoint.value_span,
                        format!(
                            "STS endpoint `{}` is not the default one but `fs.s3a.assumed.role.sts.endpoint.region` is unset{for_bucket}",
                            endpoint.value
                        ),
                    )
                    .with_help(format!(
                        "S3A needs the endpoint's signing region with a non-default endpoint: set `fs.s3a.assumed.role.sts.endpoint.region`{} (see {ASSUMED_ROLES_PAGE})",
                        endpoint_region(&endpoint.value).map_or(String::new(), |region| format!(" to `{region}`"))
                    )),
                );
            }
            if let (Some(region), Some(named)) = (region, endpoint_region(&endpoint.value)) {
                if region.value.trim() != named {
                    self.push(
                        region.layer,
                        Finding::warning(
                            "sts-region-mismatch",
                            region.value_span,
                            format!(
                                "signing region `{}` does not match STS endpoint `{}` (Region `{named}`){for_bucket}",
                                region.value, endpoint.value
                            ),
                        )
                        .with_help(format!("set the region to `{named}`")),
                    );
                }
            }
        }
        let acls = view.canned_acls();
        if let [first, second] = acls.as_slice() {
            if first.value != second.value {
                let (here, other, here_key, other_key) = if first.layer == self.layer {
                    (first, second, "fs.s3a.acl.default", "fs.s3a.canned.acl")
                } else {
                    (second, first, "fs.s3a.canned.acl", "fs.s3a.acl.default")
                };
                self.push(
                    here.layer,
                    Finding::warning(
                        "conflicting-canned-acl",
                        here.span,
                        format!(
                            "`{here_key}` is `{}` but `{other_key}` is `{}`{for_bucket}",
                            here.value, other.value
                        ),
                    )
                    .with_help("which of the two the Databricks runtime reads is not documented: set both to the same ACL"),
                );
            }
        }
    }

    /// Reports role ARNs of the reporting layer that no checked view uses.
    pub(crate) fn unused_role_arns(self, confs: &[&HadoopConf]) {
        let mut findings = Vec::new();
        for conf in confs {
            for setting in &conf.settings {
                if setting.layer != self.layer
                    || setting.value.trim().is_empty()
                    || self
                        .consumed
                        .contains(&(setting.layer, setting.key_span.start))
                {
                    continue;
                }
                let Key::S3a { option, bucket } = classify(&setting.key) else {
                    continue;
                };
                let (enabler, value) = match option {
                    "assumed.role.arn" => (
                        "`fs.s3a.aws.credentials.provider` does not name AssumedRoleCredentialProvider",
                        "set `fs.s3a.aws.credentials.provider` to `org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider`",
                    ),
                    "stsAssumeRole.arn" => (
                        "`fs.s3a.credentialsType` is not `AssumeRole`",
                        "set `fs.s3a.credentialsType` to `AssumeRole`",
                    ),
                    _ => continue,
                };
                let scope =
                    bucket.map_or(String::new(), |bucket| format!(" for bucket `{bucket}`"));
                findings.push(
                    Finding::warning(
                        "unused-assumed-role-arn",
                        setting.key_span,
                        format!(
                            "`{}` is set but {enabler}{scope}: the role is not assumed",
                            setting.written_key
                        ),
                    )
                    .with_help(format!("{value}, or remove the role ARN")),
                );
            }
        }
        for finding in findings {
            self.reader.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_with_dots_split_at_a_known_option() {
        assert_eq!(
            split_bucket("my.lake.b.assumed.role.arn"),
            ("my.lake.b", "assumed.role.arn")
        );
        assert_eq!(
            split_bucket("lake.assumed.role.arm"),
            ("lake", "assumed.role.arm")
        );
        assert_eq!(split_bucket("lake.something"), ("lake", "something"));
    }

    #[test]
    fn provider_classes_by_simple_name() {
        assert_eq!(
            provider_of("org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider"),
            Provider::AssumedRole
        );
        assert_eq!(
            provider_of("com.amazonaws.auth.InstanceProfileCredentialsProvider"),
            Provider::Instance
        );
        assert_eq!(provider_of("com.example.Mine"), Provider::Custom);
    }

    #[test]
    fn sts_endpoints() {
        assert!(is_default_sts_endpoint("https://sts.amazonaws.com"));
        assert!(!is_default_sts_endpoint("sts.eu-west-1.amazonaws.com"));
        assert_eq!(
            endpoint_region("https://sts.eu-west-1.amazonaws.com"),
            Some("eu-west-1")
        );
        assert_eq!(endpoint_region("vpce-1.sts.example"), None);
    }
}
