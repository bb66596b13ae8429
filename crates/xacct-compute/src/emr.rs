//! Amazon EMR: EMRFS role mappings of a security configuration (semantics.md §8), and the
//! cluster's EC2 instance profile and `emrfs-site` settings.
//!
//! Security configuration: the output of `aws emr describe-security-configuration`
//! (`{"Name": …, "SecurityConfiguration": "<the configuration as a JSON string>"}`), or the bare
//! configuration (`{"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": […]}}}`)
//! as passed to `create-security-configuration`.
//!
//! Cluster: the output of `aws emr describe-cluster` (`{"Cluster": {…}}`) or the bare cluster
//! object, of which `Id`, `Name`, `ClusterArn`, `Ec2InstanceAttributes.IamInstanceProfile`,
//! `SecurityConfiguration` and the `emrfs-site` classification of `Configurations` are read; or
//! just the `--configurations` array.

use crate::cluster::S3Access;
use crate::credentials::{AssumeRole, AssumeRoleVia, Credentials};
use crate::embedded::json_in_string;
use crate::hadoop::Setting;
use crate::reader::{member, Reader};
use crate::s3::S3Location;
use crate::values::{instance_profile_arn, role_arn, suggest, CannedAcl};
use crate::{Layer, Located, Parsed};
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{Arn, Finding, Span, Spanned};

const MAPPING_KEYS: [&str; 3] = ["Role", "IdentifierType", "Identifiers"];
const EMRFS_CREDENTIAL_KEYS: [&str; 2] = ["fs.s3.canned.acl", "fs.s3.customAWSCredentialsProvider"];

/// What a role mapping's identifiers are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IdentifierType {
    /// Hadoop (OS) user names on the cluster.
    User,
    /// Hadoop groups of the user.
    Group,
    /// S3 URI prefixes of any depth.
    Prefix,
}

impl IdentifierType {
    const ALL: [IdentifierType; 3] = [
        IdentifierType::User,
        IdentifierType::Group,
        IdentifierType::Prefix,
    ];

    fn name(self) -> &'static str {
        match self {
            IdentifierType::User => "User",
            IdentifierType::Group => "Group",
            IdentifierType::Prefix => "Prefix",
        }
    }
}

/// One entry of `RoleMappings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleMapping {
    /// Position in `RoleMappings` (mappings with errors are left out of
    /// [`SecurityConfiguration::role_mappings`], so this may differ from the vector index).
    pub index: usize,
    pub role: Located<Arn>,
    pub identifier_type: IdentifierType,
    pub identifiers: Vec<Located<String>>,
    /// The mapping object.
    pub span: Span,
}

/// The EMRFS part of a security configuration.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityConfiguration {
    pub name: Option<Spanned<String>>,
    pub role_mappings: Vec<RoleMapping>,
    /// `IAMConfiguration` and `LakeFormationConfiguration`: runtime roles for steps.
    pub runtime_roles: Option<crate::runtime_role::RuntimeRoleSettings>,
}

/// Which mapping decided an EMRFS request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedMapping {
    /// Position in `RoleMappings`.
    pub index: usize,
    /// The mapping object, in the security configuration file.
    pub span: Span,
    pub identifier_type: IdentifierType,
    /// The identifier that matched.
    pub identifier: Located<String>,
}

/// The role EMRFS uses for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmrfsResolution {
    /// An assumed role (via [`AssumeRoleVia::EmrfsRoleMapping`]) when a mapping matched, else
    /// the instance-profile role (or the custom provider of `emrfs-site`).
    pub credentials: Credentials,
    pub mapping: Option<MatchedMapping>,
}

/// `s3a://` and `s3n://` become `s3://`; the rest is kept as written. `None` for other text.
fn normalize_uri(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    ["s3", "s3a", "s3n"]
        .contains(&scheme.to_ascii_lowercase().as_str())
        .then(|| format!("s3://{rest}"))
}

impl SecurityConfiguration {
    /// The role EMRFS uses when `user` (in `groups`) touches `s3_path`: mappings are evaluated
    /// in the order listed and the first match wins; no match → the instance-profile role.
    /// `Prefix` identifiers match the path as a string prefix once `s3a://`/`s3n://` are read
    /// as `s3://`. `instance_profile` is the cluster's, when known.
    pub fn emrfs_role(
        &self,
        instance_profile: Option<&Located<Arn>>,
        user: &str,
        groups: &[&str],
        s3_path: &str,
    ) -> EmrfsResolution {
        self.resolve(
            Credentials::InstanceProfile {
                profile: instance_profile.cloned(),
            },
            user,
            groups,
            s3_path,
        )
    }

    fn resolve(
        &self,
        fallback: Credentials,
        user: &str,
        groups: &[&str],
        s3_path: &str,
    ) -> EmrfsResolution {
        let path = normalize_uri(s3_path);
        for mapping in &self.role_mappings {
            let matched =
                mapping
                    .identifiers
                    .iter()
                    .find(|identifier| match mapping.identifier_type {
                        IdentifierType::User => identifier.value == user,
                        IdentifierType::Group => groups.contains(&identifier.value.as_str()),
                        IdentifierType::Prefix => match (&path, normalize_uri(&identifier.value)) {
                            (Some(path), Some(prefix)) => path.starts_with(&prefix),
                            _ => false,
                        },
                    });
            if let Some(identifier) = matched {
                return EmrfsResolution {
                    credentials: Credentials::AssumeRole(Box::new(AssumeRole::plain(
                        mapping.role.clone(),
                        AssumeRoleVia::EmrfsRoleMapping {
                            index: mapping.index,
                        },
                        fallback,
                    ))),
                    mapping: Some(MatchedMapping {
                        index: mapping.index,
                        span: mapping.span,
                        identifier_type: mapping.identifier_type,
                        identifier: identifier.clone(),
                    }),
                };
            }
        }
        EmrfsResolution {
            credentials: fallback,
            mapping: None,
        }
    }
}

/// Reads a security configuration.
pub fn parse_security_configuration(text: &str) -> Parsed<SecurityConfiguration> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_security_configuration(&mut reader, text, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

fn read_security_configuration(
    reader: &mut Reader,
    text: &str,
    root: &Json,
) -> Option<SecurityConfiguration> {
    reader.object(root, "a security configuration")?;
    let name = reader.optional_string(root, "Name", "the security configuration");
    let configuration = match member(root, "SecurityConfiguration") {
        Some(Json::String { span, .. }) => {
            json_in_string(reader, text, *span, "SecurityConfiguration")?
        }
        Some(object @ Json::Object { .. }) => object.clone(),
        Some(other) => {
            reader.error(
                "invalid-value",
                other.span(),
                format!(
                    "`SecurityConfiguration` must be a string holding JSON, found {}",
                    other.kind_name()
                ),
            );
            return None;
        }
        None => root.clone(),
    };
    let mut config = SecurityConfiguration {
        name,
        role_mappings: Vec::new(),
        runtime_roles: None,
    };
    let Some(authorization) = member(&configuration, "AuthorizationConfiguration") else {
        let known = [
            "EncryptionConfiguration",
            "AuthenticationConfiguration",
            "InstanceMetadataServiceConfiguration",
        ];
        if !known
            .iter()
            .any(|key| member(&configuration, key).is_some())
        {
            reader.push(
                Finding::error(
                    "invalid-value",
                    configuration.span(),
                    "expected `aws emr describe-security-configuration` output or a security configuration",
                )
                .with_help(r#"EMRFS role mappings are in {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [...]}}}"#),
            );
            return None;
        }
        return Some(config);
    };
    reader.object(authorization, "`AuthorizationConfiguration`")?;
    config.runtime_roles = crate::runtime_role::read(reader, authorization);
    let Some(emrfs) = member(authorization, "EmrFsConfiguration") else {
        return Some(config);
    };
    let emrfs_members = reader.object(emrfs, "`EmrFsConfiguration`")?;
    reader.unknown_members(
        emrfs_members,
        &["RoleMappings"],
        "`EmrFsConfiguration`",
        false,
    );
    let mappings = match member(emrfs, "RoleMappings") {
        None | Some(Json::Null { .. }) => return Some(config),
        Some(Json::Array { items, .. }) => items,
        Some(other) => {
            reader.error(
                "invalid-value",
                other.span(),
                format!(
                    "`RoleMappings` must be an array, found {}",
                    other.kind_name()
                ),
            );
            return None;
        }
    };
    for (index, item) in mappings.iter().enumerate() {
        if let Some(mapping) = read_mapping(reader, index, item) {
            check_mapping(reader, &config.role_mappings, &mapping);
            config.role_mappings.push(mapping);
        }
    }
    Some(config)
}

fn read_mapping(reader: &mut Reader, index: usize, item: &Json) -> Option<RoleMapping> {
    let members = reader.object(item, "a role mapping")?;
    reader.unknown_members(members, &MAPPING_KEYS, "a role mapping", true);
    reader.duplicates(members, "a role mapping");
    let owner = format!("role mapping {index}");
    let role = reader.required_string(item, "Role", &owner);
    let kind = reader.required_string(item, "IdentifierType", &owner);
    let identifiers = match member(item, "Identifiers") {
        None | Some(Json::Null { .. }) => {
            reader.error(
                "missing-key",
                item.span(),
                format!("{owner} has no `Identifiers`"),
            );
            None
        }
        Some(Json::Array { items, span }) => {
            let identifiers: Vec<Located<String>> = items
                .iter()
                .filter_map(|identifier| reader.string(identifier, "an identifier"))
                .map(|identifier| {
                    Located::new(
                        identifier.value,
                        identifier.span,
                        Layer::SecurityConfiguration,
                    )
                })
                .collect();
            if items.is_empty() {
                reader.warning(
                    "empty-identifiers",
                    *span,
                    format!("{owner} has no identifiers: it never matches"),
                );
            }
            Some(identifiers)
        }
        Some(other) => {
            reader.error(
                "invalid-value",
                other.span(),
                format!(
                    "`Identifiers` of {owner} must be an array, found {}",
                    other.kind_name()
                ),
            );
            None
        }
    };
    let role = role.and_then(|role| match role_arn(&role.value) {
        Ok(arn) => Some(Located::new(arn, role.span, Layer::SecurityConfiguration)),
        Err(error) => {
            reader.push(
                Finding::error("invalid-role-arn", role.span, error)
                    .with_help("`Role` takes the ARN of the role EMRFS assumes, `arn:aws:iam::ACCOUNT:role/NAME`"),
            );
            None
        }
    });
    let identifier_type = kind.and_then(|kind| {
        match IdentifierType::ALL
            .into_iter()
            .find(|candidate| candidate.name() == kind.value)
        {
            Some(found) => Some(found),
            None => {
                let names = IdentifierType::ALL.map(IdentifierType::name);
                let help = match suggest(&kind.value, &names) {
                    Some(meant) => format!("did you mean `{meant}`?"),
                    None => "expected `User`, `Group` or `Prefix`".to_owned(),
                };
                reader.push(
                    Finding::error(
                        "unknown-identifier-type",
                        kind.span,
                        format!("`{}` is not an identifier type", kind.value),
                    )
                    .with_help(help),
                );
                None
            }
        }
    });
    Some(RoleMapping {
        index,
        role: role?,
        identifier_type: identifier_type?,
        identifiers: identifiers?,
        span: item.span(),
    })
}

/// Identifiers that cannot match, and mappings an earlier one always wins over.
fn check_mapping(reader: &mut Reader, earlier: &[RoleMapping], mapping: &RoleMapping) {
    let kind = mapping.identifier_type.name();
    for identifier in &mapping.identifiers {
        let value = identifier.value.as_str();
        match mapping.identifier_type {
            IdentifierType::Prefix => match S3Location::parse(value) {
                None => reader.push(
                    Finding::warning(
                        "mixed-identifier-kinds",
                        identifier.span,
                        format!("`{value}` is not an S3 URI, but this mapping's IdentifierType is `Prefix`: it never matches"),
                    )
                    .with_help("all identifiers of a mapping are of one type: put user or group names in a mapping of IdentifierType `User` or `Group`"),
                ),
                Some(location) if location.key.is_empty() && !value.ends_with('/') => reader.push(
                    Finding::warning(
                        "prefix-crosses-buckets",
                        identifier.span,
                        format!("prefix `{value}` also matches buckets whose names start with `{}`, such as `{value}-archive`", location.bucket),
                    )
                    .with_help(format!("write `{value}/` to match this bucket only")),
                ),
                Some(_) => {}
            },
            IdentifierType::User | IdentifierType::Group => {
                if value.contains("://") || value.starts_with("arn:") {
                    reader.push(
                        Finding::warning(
                            "mixed-identifier-kinds",
                            identifier.span,
                            format!("`{value}` looks like an S3 prefix or an ARN, but this mapping's IdentifierType is `{kind}`: it is compared with {} names and never matches", kind.to_ascii_lowercase()),
                        )
                        .with_help("put S3 prefixes in a mapping of IdentifierType `Prefix`"),
                    );
                }
            }
        }
        let shadow = earlier.iter().find_map(|before| {
            if before.identifier_type != mapping.identifier_type {
                return None;
            }
            before.identifiers.iter().find_map(|other| {
                let covers = match mapping.identifier_type {
                    IdentifierType::Prefix => {
                        match (normalize_uri(value), normalize_uri(&other.value)) {
                            (Some(this), Some(that)) => this.starts_with(&that),
                            _ => false,
                        }
                    }
                    IdentifierType::User | IdentifierType::Group => other.value == value,
                };
                covers.then_some((before.index, other.value.as_str()))
            })
        });
        if let Some((index, other)) = shadow {
            reader.push(
                Finding::warning(
                    "shadowed-role-mapping",
                    identifier.span,
                    format!("`{value}` never decides: role mapping {index} (`{other}`) matches first, and the first match wins"),
                )
                .with_help("mappings are evaluated in the order listed: put narrower prefixes and specific users first"),
            );
        }
    }
}

/// An EMR cluster's identity and EMRFS settings.
#[derive(Debug, Clone, Serialize)]
pub struct EmrCluster {
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    /// The EC2 instance profile; from a name, the ARN is built with the account and partition
    /// of `ClusterArn`.
    pub instance_profile: Option<Located<Arn>>,
    /// The instance profile's name as written, when the file gives a name and no `ClusterArn`
    /// to take the account from (AMI-era outputs, trimmed files): the caller looks it up among
    /// the profiles it knows.
    pub instance_profile_name: Option<Spanned<String>>,
    /// The name of the cluster's security configuration.
    pub security_configuration: Option<Spanned<String>>,
    /// The `emrfs-site` properties.
    pub emrfs_site: Vec<Setting>,
    /// `fs.s3.canned.acl`.
    pub canned_acl: Option<Located<CannedAcl>>,
    /// `fs.s3.customAWSCredentialsProvider`.
    pub custom_credentials_provider: Option<Located<String>>,
}

impl EmrCluster {
    /// The role EMRFS uses for `user` (in `groups`) on `s3_path`; see
    /// [`SecurityConfiguration::emrfs_role`]. With no mapping (or no security configuration),
    /// a custom credentials provider from `emrfs-site` is reported if set, else the
    /// instance-profile role.
    pub fn emrfs_role(
        &self,
        security: Option<&SecurityConfiguration>,
        user: &str,
        groups: &[&str],
        s3_path: &str,
    ) -> EmrfsResolution {
        let fallback = match &self.custom_credentials_provider {
            Some(class) => Credentials::CustomProvider {
                class: class.clone(),
            },
            None => Credentials::InstanceProfile {
                profile: self.instance_profile.clone(),
            },
        };
        match security {
            Some(security) => security.resolve(fallback, user, groups, s3_path),
            None => EmrfsResolution {
                credentials: fallback,
                mapping: None,
            },
        }
    }

    /// How EMRFS reaches `s3_path` for `user`: credentials and the canned ACL on writes.
    pub fn s3_access(
        &self,
        security: Option<&SecurityConfiguration>,
        user: &str,
        groups: &[&str],
        s3_path: &str,
    ) -> Option<S3Access> {
        let location = S3Location::parse(s3_path)?;
        Some(S3Access {
            location,
            mount: None,
            credentials: self.emrfs_role(security, user, groups, s3_path).credentials,
            canned_acls: self.canned_acl.iter().cloned().collect(),
            // EMRFS encrypts as the security configuration's at-rest settings say, which
            // xacct does not read yet: the bucket default is assumed.
            encryption: None,
        })
    }

    /// True unless `fs.s3.canned.acl` is `BucketOwnerFullControl` (the setting is cluster-wide,
    /// so `bucket` only keeps the signature the same as the Databricks one).
    pub fn writes_without_bucket_owner_full_control(&self, _bucket: &str) -> bool {
        self.canned_acl
            .as_ref()
            .is_none_or(|acl| acl.value != CannedAcl::BucketOwnerFullControl)
    }
}

/// Reads an EMR cluster description (or a configurations array).
pub fn parse_emr_cluster(text: &str) -> Parsed<EmrCluster> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_emr_cluster(&mut reader, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

fn read_emr_cluster(reader: &mut Reader, root: &Json) -> Option<EmrCluster> {
    let mut cluster = EmrCluster {
        id: None,
        name: None,
        instance_profile: None,
        instance_profile_name: None,
        security_configuration: None,
        emrfs_site: Vec::new(),
        canned_acl: None,
        custom_credentials_provider: None,
    };
    let configurations = match root {
        Json::Array { .. } => Some(root),
        Json::Object { .. } => {
            let object = member(root, "Cluster").unwrap_or(root);
            reader.object(object, "`Cluster`")?;
            let owner = "the cluster";
            cluster.id = reader.optional_string(object, "Id", owner);
            cluster.name = reader.optional_string(object, "Name", owner);
            cluster.security_configuration =
                reader.optional_string(object, "SecurityConfiguration", owner);
            let cluster_arn = reader
                .optional_string(object, "ClusterArn", owner)
                .and_then(|arn| match arn.value.parse::<Arn>() {
                    Ok(parsed)
                        if parsed.service() == "elasticmapreduce" && parsed.account().is_some() =>
                    {
                        Some(parsed)
                    }
                    _ => {
                        reader.error(
                            "invalid-value",
                            arn.span,
                            format!("`{}` is not an EMR cluster ARN", arn.value),
                        );
                        None
                    }
                });
            if let Some(attributes) = member(object, "Ec2InstanceAttributes") {
                reader.object(attributes, "`Ec2InstanceAttributes`")?;
                if let Some(profile) = reader.optional_string(
                    attributes,
                    "IamInstanceProfile",
                    "`Ec2InstanceAttributes`",
                ) {
                    if !profile.value.starts_with("arn:") && cluster_arn.is_none() {
                        cluster.instance_profile_name = Some(profile);
                    } else {
                        cluster.instance_profile =
                            instance_profile(reader, &profile, cluster_arn.as_ref());
                    }
                }
            }
            member(object, "Configurations")
        }
        other => {
            reader.error(
                "invalid-value",
                other.span(),
                format!(
                    "expected `aws emr describe-cluster` output or a configurations array, found {}",
                    other.kind_name()
                ),
            );
            return None;
        }
    };
    if let Some(configurations) = configurations {
        read_configurations(reader, configurations, &mut cluster);
    }
    Some(cluster)
}

fn instance_profile(
    reader: &mut Reader,
    profile: &Spanned<String>,
    cluster_arn: Option<&Arn>,
) -> Option<Located<Arn>> {
    let text = profile.value.as_str();
    let arn = if text.starts_with("arn:") {
        instance_profile_arn(text)
    } else {
        match cluster_arn {
            Some(cluster) => instance_profile_arn(&format!(
                "arn:{}:iam::{}:instance-profile/{text}",
                cluster.partition(),
                cluster.account_text()
            )),
            // Read into `instance_profile_name` by the caller before getting here.
            None => return None,
        }
    };
    match arn {
        Ok(arn) => Some(Located::new(arn, profile.span, Layer::Compute)),
        Err(error) => {
            reader.error("invalid-instance-profile-arn", profile.span, error);
            None
        }
    }
}

fn read_configurations(reader: &mut Reader, configurations: &Json, cluster: &mut EmrCluster) {
    let Json::Array { items, .. } = configurations else {
        reader.error(
            "invalid-value",
            configurations.span(),
            format!(
                "`Configurations` must be an array, found {}",
                configurations.kind_name()
            ),
        );
        return;
    };
    for item in items {
        if reader.object(item, "a configuration").is_none() {
            continue;
        }
        let classification = reader.optional_string(item, "Classification", "a configuration");
        if classification.as_ref().map(|c| c.value.as_str()) != Some("emrfs-site") {
            continue;
        }
        let Some(properties) = reader.optional_object(item, "Properties", "`Properties`") else {
            continue;
        };
        reader.duplicates(properties, "`emrfs-site`");
        for property in properties {
            let Some(value) = reader.scalar(&property.value, &format!("`{}`", property.name))
            else {
                continue;
            };
            let setting = Setting {
                key: property.name.clone(),
                written_key: property.name.clone(),
                value: value.value,
                key_span: property.name_span,
                value_span: value.span,
                layer: Layer::Compute,
            };
            emrfs_setting(reader, cluster, &setting);
            cluster.emrfs_site.push(setting);
        }
    }
}

fn emrfs_setting(reader: &mut Reader, cluster: &mut EmrCluster, setting: &Setting) {
    match setting.key.as_str() {
        "fs.s3.canned.acl" => match CannedAcl::read(&setting.value) {
            Ok((acl, spelled)) => {
                if !spelled {
                    reader.warning(
                        "canned-acl-spelling",
                        setting.value_span,
                        format!(
                            "`{}` is not how EMRFS spells the canned ACL: write `{}`",
                            setting.value,
                            acl.hadoop_name()
                        ),
                    );
                }
                cluster.canned_acl = Some(Located::new(acl, setting.value_span, setting.layer));
            }
            Err(error) => reader.push(
                Finding::error(
                    "invalid-canned-acl",
                    setting.value_span,
                    format!("`fs.s3.canned.acl`: {error}"),
                )
                .with_help(format!(
                    "expected one of: {}",
                    CannedAcl::ALL.map(CannedAcl::hadoop_name).join(", ")
                )),
            ),
        },
        "fs.s3.customAWSCredentialsProvider" => {
            cluster.custom_credentials_provider = Some(Located::new(
                setting.value.clone(),
                setting.value_span,
                setting.layer,
            ));
        }
        "fs.s3a.acl.default" | "fs.s3a.canned.acl" => reader.push(
            Finding::warning(
                "wrong-scheme-key",
                setting.key_span,
                format!(
                    "`{}` is an S3A setting: EMRFS reads `fs.s3.canned.acl`",
                    setting.key
                ),
            )
            .with_help("did you mean `fs.s3.canned.acl`?"),
        ),
        key => {
            if let Some(meant) = suggest(key, &EMRFS_CREDENTIAL_KEYS) {
                reader.push(
                    Finding::warning(
                        "unknown-emrfs-key",
                        setting.key_span,
                        format!("`{key}` is not an EMRFS setting: it is ignored"),
                    )
                    .with_help(format!("did you mean `{meant}`?")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_normalise() {
        assert_eq!(normalize_uri("s3a://b/k").as_deref(), Some("s3://b/k"));
        assert_eq!(normalize_uri("S3N://b").as_deref(), Some("s3://b"));
        assert_eq!(normalize_uri("hdfs://x"), None);
        assert_eq!(normalize_uri("alice"), None);
    }
}
