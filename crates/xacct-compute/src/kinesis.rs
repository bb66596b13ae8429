//! The options of a Databricks Kinesis source (`spark.readStream.format("kinesis").option(…)`,
//! or the named arguments of `read_kinesis`), as one JSON object of option name to value:
//!
//! ```json
//! {
//!   "streamName": "testStream",
//!   "region": "us-east-1",
//!   "roleArn": "arn:aws:iam::222222222222:role/KinesisCrossAccountRole",
//!   "roleExternalId": "myExternalCode",
//!   "initialPosition": "earliest"
//! }
//! ```
//!
//! Spark compares option names without regard to case, and so does this reader. Values are
//! strings (numbers and booleans are accepted as their text). Options that do not bear on
//! which identity reads which stream are accepted and ignored; unknown options that look like
//! a misspelling of one that does are reported.

mod connector;

pub use connector::KinesisConnector;

use crate::cluster::DatabricksCluster;
use crate::credentials::{AssumeRole, AssumeRoleVia, Credentials};
use crate::embedded::Embedded;
use crate::reader::Reader;
use crate::values::{check_external_id, check_session_name, role_arn, suggest};
use crate::{Layer, Located, Parsed};
use serde::Serialize;
use std::collections::HashMap;
use xacct_policy::json::{Json, Member};
use xacct_policy::{AccountId, Arn, Finding};

/// How the source reads shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsumerMode {
    /// `GetRecords` on the stream (the default).
    Polling,
    /// Enhanced fan-out: `SubscribeToShard` on a registered consumer, whose ARN is a resource
    /// of its own (semantics.md §6).
    Efo,
}

/// One stream the source reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum KinesisStream {
    /// By name, which Kinesis resolves in the account of the credentials that read it
    /// (semantics.md §6); `region` is the `region` option when set.
    Name {
        name: Located<String>,
        region: Option<String>,
    },
    /// By ARN, which may name a stream in another account.
    Arn { arn: Located<Arn> },
}

impl KinesisStream {
    /// The stream ARN, given the account of the credentials that read it (used for a stream
    /// named by name); `None` for a name without a `region` option.
    pub fn arn(&self, reader_account: AccountId) -> Option<String> {
        match self {
            KinesisStream::Arn { arn } => Some(arn.value.to_string()),
            KinesisStream::Name {
                name,
                region: Some(region),
            } => Some(format!(
                "arn:aws:kinesis:{region}:{reader_account}:stream/{}",
                name.value
            )),
            KinesisStream::Name { region: None, .. } => None,
        }
    }
}

/// The Kinesis source's identity and streams.
#[derive(Debug, Clone, Serialize)]
pub struct KinesisReader {
    /// The connector the options are written for: it decides which options are read and how
    /// credentials are taken.
    pub connector: KinesisConnector,
    pub streams: Vec<KinesisStream>,
    pub region: Option<Located<String>>,
    pub endpoint: Option<Located<String>>,
    pub role_arn: Option<Located<Arn>>,
    pub role_external_id: Option<Located<String>>,
    pub role_session_name: Option<Located<String>>,
    pub sts_endpoint: Option<Located<String>>,
    /// Where `awsAccessKey` is written (the name, never the key).
    pub access_key: Option<Located<String>>,
    pub use_instance_profile: Option<Located<bool>>,
    pub service_credential: Option<Located<String>>,
    pub consumer_mode: Option<Located<ConsumerMode>>,
    pub initial_position: Option<Located<String>>,
}

impl KinesisReader {
    /// `polling` unless `consumerMode` says `efo`.
    pub fn consumer_mode(&self) -> ConsumerMode {
        self.consumer_mode
            .as_ref()
            .map_or(ConsumerMode::Polling, |mode| mode.value)
    }

    /// Which identity reads the streams. With `roleArn`, the role is assumed with the access
    /// keys if given, else with the cluster's credentials (the instance profile). `cluster` is
    /// the cluster the source runs on; without it, the instance profile is reported unnamed.
    pub fn credentials(&self, cluster: Option<&DatabricksCluster>) -> Credentials {
        if let Some(name) = &self.service_credential {
            return Credentials::ServiceCredential { name: name.clone() };
        }
        // kinesis-sql takes `awsAccessKeyId` before `awsSTSRoleARN`: the keys read the stream.
        if let (KinesisConnector::OpenSource, Some(key)) = (self.connector, &self.access_key) {
            return Credentials::AccessKeys {
                source: key.clone(),
            };
        }
        let base = if let Some(key) = &self.access_key {
            Credentials::AccessKeys {
                source: key.clone(),
            }
        } else if self
            .use_instance_profile
            .as_ref()
            .is_some_and(|use_profile| !use_profile.value)
        {
            Credentials::None {
                reason: "`awsUseInstanceProfile` is false and no access keys are given: the AWS default chain decides, which xacct cannot see".to_owned(),
            }
        } else {
            match cluster {
                Some(cluster) => cluster.default_credentials(),
                None => Credentials::InstanceProfile { profile: None },
            }
        };
        match &self.role_arn {
            Some(role) => Credentials::AssumeRole(Box::new(AssumeRole {
                role_arn: role.clone(),
                via: match self.connector {
                    KinesisConnector::Databricks => AssumeRoleVia::KinesisRoleArn,
                    KinesisConnector::GlueStreaming | KinesisConnector::OpenSource => {
                        AssumeRoleVia::KinesisStsRoleArn
                    }
                },
                from: base,
                session_name: self.role_session_name.clone(),
                duration: None,
                sts_endpoint: self.sts_endpoint.clone(),
                sts_region: None,
                session_policy: None,
                session_policy_key: None,
                external_id: self.role_external_id.clone(),
            })),
            None => base,
        }
    }
}

/// Reads a Kinesis options file.
pub fn parse_kinesis_options(text: &str) -> Parsed<KinesisReader> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_options(&mut reader, text, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

struct Options<'j> {
    by_name: HashMap<String, (&'j Member, Located<String>)>,
}

impl Options<'_> {
    fn get(&self, name: &str) -> Option<&Located<String>> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|(_, value)| value)
            .filter(|value| !value.value.trim().is_empty())
    }

    fn member(&self, name: &str) -> Option<&Member> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|(member, _)| *member)
    }
}

fn read_options(reader: &mut Reader, text: &str, root: &Json) -> Option<KinesisReader> {
    let members = reader.object(root, "Kinesis source options")?;
    let layer = Layer::KinesisOptions;
    let mut by_name: HashMap<String, (&Member, Located<String>)> = HashMap::new();
    for member in members {
        let Some(value) = reader.scalar(&member.value, &format!("option `{}`", member.name)) else {
            continue;
        };
        let lower = member.name.to_ascii_lowercase();
        if let Some((earlier, _)) = by_name.get(&lower) {
            reader.push(
                Finding::warning(
                    "duplicate-option",
                    earlier.name_span,
                    format!(
                        "option `{}` is set again as `{}`: Spark ignores case in option names, so this one is ignored",
                        earlier.name, member.name
                    ),
                )
                .with_help("the last value is the one that applies"),
            );
        }
        by_name.insert(
            lower,
            (member, Located::new(value.value, value.span, layer)),
        );
    }
    let connector = KinesisConnector::detect(members.iter().map(|member| member.name.as_str()));
    for member in members {
        if connector.reads(&member.name) {
            continue;
        }
        if let Some(other) = connector.other_reading(&member.name) {
            reader.push(
                Finding::warning(
                    "kinesis-option-of-another-connector",
                    member.name_span,
                    format!(
                        "`{}` is an option of {}, but this file's options are those of {}, which ignores it",
                        member.name,
                        other.name(),
                        connector.name()
                    ),
                )
                .with_help(format!(
                    "write the options of one connector: {} reads {}",
                    connector.name(),
                    connector.options().join(", ")
                )),
            );
        } else if let Some(meant) = suggest(&member.name, &connector.options()) {
            reader.push(
                Finding::warning(
                    "unknown-kinesis-option",
                    member.name_span,
                    format!(
                        "`{}` is not an option of {}: it is ignored",
                        member.name,
                        connector.name()
                    ),
                )
                .with_help(format!("did you mean `{meant}`?")),
            );
        }
    }
    let options = Options { by_name };
    let names = OptionNames::of(connector);

    let region = match connector {
        KinesisConnector::Databricks => options.get("region").cloned(),
        KinesisConnector::GlueStreaming => None,
        // kinesis-sql reads streams in `regionName`, `us-east-1` unless set.
        KinesisConnector::OpenSource => Some(
            options
                .get("regionName")
                .cloned()
                .unwrap_or_else(|| Located::new("us-east-1".to_owned(), root.span(), layer)),
        ),
    };
    let mut streams = Vec::new();
    if let Some(names) = options.get("streamName") {
        streams.extend(
            stream_names(text, names)
                .into_iter()
                .map(|name| KinesisStream::Name {
                    name,
                    region: region.as_ref().map(|region| region.value.clone()),
                }),
        );
    }
    if let Some(arn) = options
        .get("streamARN")
        .filter(|_| connector != KinesisConnector::OpenSource)
    {
        match stream_arn(&arn.value) {
            Ok(parsed) => {
                if let Some(region) = &region {
                    if parsed.region() != region.value {
                        reader.push(
                            Finding::warning(
                                "region-mismatch",
                                region.span,
                                format!(
                                    "`region` is `{}` but the stream ARN is in `{}`",
                                    region.value,
                                    parsed.region()
                                ),
                            )
                            .with_help("the client signs for `region`; make them the same"),
                        );
                    }
                }
                streams.push(KinesisStream::Arn {
                    arn: Located::new(parsed, arn.span, layer),
                });
            }
            Err(error) => reader.push(
                Finding::error("invalid-stream-arn", arn.span, error)
                    .with_help("expected `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`"),
            ),
        }
    }
    if options.get("streamName").is_none() && options.get("streamARN").is_none() {
        reader.push(
            Finding::error("missing-stream", root.span(), "the options name no stream")
                .with_help("set `streamName` (a comma-separated list) or `streamARN`"),
        );
    }

    let role = options.get(names.role).and_then(|arn| match role_arn(&arn.value) {
        Ok(parsed) => Some(Located::new(parsed, arn.span, layer)),
        Err(error) => {
            reader.push(
                Finding::error("invalid-role-arn", arn.span, error)
                    .with_help(format!("`{}` takes the ARN of the role to assume, `arn:aws:iam::ACCOUNT:role/NAME`", names.role)),
            );
            None
        }
    });
    let external_id = names
        .external_id
        .and_then(|name| options.get(name))
        .cloned();
    if let Some(id) = &external_id {
        if let Err(error) = check_external_id(&id.value) {
            reader.error("invalid-external-id", id.span, error);
        }
    }
    let session_name = options.get(names.session_name).cloned();
    if let Some(name) = &session_name {
        if let Err(error) = check_session_name(&name.value) {
            reader.error("invalid-session-name", name.span, error);
        }
    }
    let sts_endpoint = names
        .sts_endpoint
        .and_then(|name| options.get(name))
        .cloned();
    if options.get(names.role).is_none() {
        let dependent = [
            Some(names.session_name),
            names.external_id,
            names.sts_endpoint,
        ];
        for option in dependent.into_iter().flatten() {
            if let Some(member) = options.member(option) {
                reader.push(
                    Finding::warning(
                        "unused-kinesis-option",
                        member.name_span,
                        format!(
                            "`{}` is set but `{}` is not: no role is assumed",
                            member.name, names.role
                        ),
                    )
                    .with_help(format!(
                        "set `{}` to the role to assume, or remove this option",
                        names.role
                    )),
                );
            }
        }
    }

    let access_key = names.access_key.and_then(|name| {
        options
            .member(name)
            .filter(|_| options.get(name).is_some())
            .map(|member| Located::new(member.name.clone(), member.name_span, layer))
    });
    if let Some(key_name) = names.access_key {
        match (options.get(key_name), options.get("awsSecretKey")) {
            (Some(key), None) => reader.push(
                Finding::error(
                    "incomplete-access-keys",
                    key.span,
                    format!("`{key_name}` is set without `awsSecretKey`"),
                )
                .with_help("set both, or neither to use the instance profile"),
            ),
            (None, Some(secret)) => reader.push(
                Finding::error(
                    "incomplete-access-keys",
                    secret.span,
                    format!("`awsSecretKey` is set without `{key_name}`"),
                )
                .with_help("set both, or neither to use the instance profile"),
            ),
            _ => {}
        }
    }
    if let (KinesisConnector::OpenSource, Some(key), Some(role)) =
        (connector, &access_key, options.member(names.role))
    {
        reader.push(
            Finding::warning(
                "role-ignored-with-keys",
                role.name_span,
                format!(
                    "`{}` is ignored: kinesis-sql reads the stream with the access keys of `{}` when they are set, and assumes no role",
                    role.name, key.value
                ),
            )
            .with_help("remove the keys to read as the role, or remove the role"),
        );
    }
    let use_instance_profile = options.get("awsUseInstanceProfile").and_then(|flag| {
        match flag.value.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Located::new(true, flag.span, layer)),
            "false" => Some(Located::new(false, flag.span, layer)),
            _ => {
                reader.error(
                    "invalid-value",
                    flag.span,
                    format!(
                        "`awsUseInstanceProfile` is `{}`: expected `true` or `false`",
                        flag.value
                    ),
                );
                None
            }
        }
    });
    if let Some(flag) = &use_instance_profile {
        let other = access_key.is_some() || options.get("serviceCredential").is_some();
        if !flag.value && !other {
            reader.push(
                Finding::warning(
                    "no-kinesis-credentials",
                    flag.span,
                    "`awsUseInstanceProfile` is false and neither access keys nor a service credential are given",
                )
                .with_help("the AWS default chain then decides who reads the stream, which xacct cannot see; set `awsAccessKey`/`awsSecretKey` or remove the option"),
            );
        }
    }
    let consumer_mode = options.get("consumerMode").and_then(|mode| {
        match mode.value.trim().to_ascii_lowercase().as_str() {
            "polling" => Some(Located::new(ConsumerMode::Polling, mode.span, layer)),
            "efo" => Some(Located::new(ConsumerMode::Efo, mode.span, layer)),
            _ => {
                reader.error(
                    "invalid-value",
                    mode.span,
                    format!(
                        "`consumerMode` is `{}`: expected `polling` or `efo`",
                        mode.value
                    ),
                );
                None
            }
        }
    });
    Some(KinesisReader {
        connector,
        streams,
        region,
        endpoint: options.get("endpoint").cloned(),
        role_arn: role,
        role_external_id: external_id,
        role_session_name: session_name,
        sts_endpoint,
        access_key,
        use_instance_profile,
        service_credential: options.get("serviceCredential").cloned(),
        consumer_mode,
        initial_position: options.get("initialPosition").cloned(),
    })
}

/// The option names a connector reads its credentials from.
struct OptionNames {
    role: &'static str,
    session_name: &'static str,
    external_id: Option<&'static str>,
    sts_endpoint: Option<&'static str>,
    access_key: Option<&'static str>,
}

impl OptionNames {
    fn of(connector: KinesisConnector) -> Self {
        match connector {
            KinesisConnector::Databricks => Self {
                role: "roleArn",
                session_name: "roleSessionName",
                external_id: Some("roleExternalId"),
                sts_endpoint: Some("stsEndpoint"),
                access_key: Some("awsAccessKey"),
            },
            KinesisConnector::GlueStreaming => Self {
                role: "awsSTSRoleARN",
                session_name: "awsSTSSessionName",
                external_id: None,
                sts_endpoint: None,
                access_key: None,
            },
            KinesisConnector::OpenSource => Self {
                role: "awsSTSRoleARN",
                session_name: "awsSTSSessionName",
                external_id: None,
                sts_endpoint: None,
                access_key: Some("awsAccessKeyId"),
            },
        }
    }
}

/// The names of a comma-separated `streamName`, each with its own span when the value is a
/// JSON string in the file.
fn stream_names(text: &str, names: &Located<String>) -> Vec<Located<String>> {
    let embedded = Embedded::read(text, names.span);
    let decoded = embedded
        .as_ref()
        .map_or(names.value.as_str(), |embedded| embedded.text.as_str());
    let mut result = Vec::new();
    let mut start = 0;
    for part in decoded.split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let offset = start + (part.len() - part.trim_start().len());
            let span = embedded.as_ref().map_or(names.span, |embedded| {
                embedded.outer_range(offset, offset + trimmed.len())
            });
            result.push(Located::new(trimmed.to_owned(), span, names.layer));
        }
        start += part.len() + 1;
    }
    result
}

fn stream_arn(text: &str) -> Result<Arn, String> {
    let arn: Arn = text.parse().map_err(|error| format!("{error}"))?;
    let name = arn.resource().strip_prefix("stream/").unwrap_or_default();
    if arn.service() != "kinesis" || name.is_empty() || name.contains('/') {
        return Err(format!("`{text}` is not a Kinesis stream ARN"));
    }
    if arn.account().is_none() || arn.region().is_empty() {
        return Err(format!(
            "`{text}` is not a Kinesis stream ARN: it needs a Region and an account"
        ));
    }
    Ok(arn)
}
