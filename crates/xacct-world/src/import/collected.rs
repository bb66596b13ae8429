//! The files `xacct collect` writes that no earlier import kind reads: S3 settings, KMS keys,
//! Kinesis streams, the Glue catalog's databases and tables, Lake Formation's registered
//! locations, and the calls the collection could not make (see `docs/collect.md`). Each file
//! bundles raw responses keyed by the API operation that gave them, like the organizations
//! bundle.
//!
//! What these files hold and xacct does not model is named here, never dropped silently:
//! bucket ACLs are not read (a grant to anyone but the owner is a warning); a KMS key that is
//! not `Enabled` is read as if enabled, with a warning.

use super::{ensure_account, member, Export};
use crate::manifest::KeyGrantEntry;
use crate::model::{Bucket, Key, Stream};
use std::collections::BTreeMap;
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Finding, PolicyKind, Span};

/// The import kinds of this module.
pub(super) const KINDS: [&str; 6] = [
    "collect-gaps",
    "s3-settings",
    "kms-keys",
    "kinesis-streams",
    "glue-catalog",
    "lakeformation-resources",
];

/// Reads one collected file. `account` and `region` come from the `[[import]]` table.
pub(super) fn import(
    export: &mut Export<'_>,
    root: &Json,
    kind: &str,
    account: AccountId,
    region: &str,
) {
    if root.members().is_none() {
        export.error(
            "invalid-export",
            root.span(),
            format!("expected the JSON object `xacct collect` writes for {kind}"),
        );
        return;
    }
    match kind {
        "collect-gaps" => gaps(export, root),
        "s3-settings" => s3(export, root, account),
        "kms-keys" => kms(export, root, account, region),
        "kinesis-streams" => kinesis(export, root, account, region),
        "glue-catalog" => glue(export, root, account, region),
        "lakeformation-resources" => locations(export, root, account, region),
        _ => {}
    }
}

fn text<'j>(value: &'j Json, name: &str) -> Option<&'j str> {
    member(value, name).and_then(Json::as_str)
}

fn flag(value: &Json, name: &str) -> Option<bool> {
    match member(value, name) {
        Some(Json::Bool { value, .. }) => Some(*value),
        _ => None,
    }
}

fn items(value: Option<&Json>) -> &[Json] {
    match value {
        Some(Json::Array { items, .. }) => items,
        _ => &[],
    }
}

/// The named members of an object member (`{"name": {...}, ...}`).
fn entries(value: Option<&Json>) -> Vec<(&str, &Json)> {
    value
        .and_then(Json::members)
        .unwrap_or_default()
        .iter()
        .map(|member| (member.name.as_str(), &member.value))
        .collect()
}

// ---------------------------------------------------------------------------------------
// collect-gaps.json
// ---------------------------------------------------------------------------------------

/// Each call the collection could not make becomes a warning at its entry: what is missing
/// is then in every `check` of the folder, not only in the collection's output.
fn gaps(export: &mut Export<'_>, root: &Json) {
    for gap in items(member(root, "CollectGaps")) {
        let action = text(gap, "Action").unwrap_or("an AWS call");
        let resource = text(gap, "Resource").unwrap_or("*");
        let code = text(gap, "ErrorCode").unwrap_or_default();
        let said = text(gap, "Message").unwrap_or_default();
        let code = match (code, said) {
            ("", "") => "no answer".to_owned(),
            ("", said) => said.to_owned(),
            (code, "") => code.to_owned(),
            (code, said) => format!("{code}: {said}"),
        };
        let unanswerable = text(gap, "Unanswerable").unwrap_or_default();
        let place = match (text(gap, "Account"), text(gap, "Region")) {
            (Some(account), Some(region)) => format!("account {account} ({region})"),
            (Some(account), None) => format!("account {account}"),
            _ => "the collection".to_owned(),
        };
        let finding = if text(gap, "Kind") == Some("AccessDenied") {
            Finding::warning(
                "collect-access-denied",
                gap.span(),
                format!("{place}: the collector may not call {action} on {resource} ({code}): unanswerable: {unanswerable}"),
            )
            .with_help(format!("allow {action} to the collecting role (docs/collect.md has the whole policy) and collect again"))
        } else {
            Finding::warning(
                "collect-call-failed",
                gap.span(),
                format!(
                    "{place}: {action} on {resource} failed ({code}): unanswerable: {unanswerable}"
                ),
            )
            .with_help("collect again; if it keeps failing, the message above is AWS's")
        };
        export.report(finding);
    }
}

// ---------------------------------------------------------------------------------------
// s3.json
// ---------------------------------------------------------------------------------------

fn block(value: Option<&Json>) -> Option<xacct_s3::BlockPublicAccess> {
    let configuration = member(value?, "PublicAccessBlockConfiguration")?;
    Some(xacct_s3::BlockPublicAccess {
        block_public_acls: flag(configuration, "BlockPublicAcls").unwrap_or(false),
        ignore_public_acls: flag(configuration, "IgnorePublicAcls").unwrap_or(false),
        block_public_policy: flag(configuration, "BlockPublicPolicy").unwrap_or(false),
        restrict_public_buckets: flag(configuration, "RestrictPublicBuckets").unwrap_or(false),
    })
}

fn s3(export: &mut Export<'_>, root: &Json, account: AccountId) {
    ensure_account(export, account, root.span());
    match member(root, "GetPublicAccessBlock") {
        // S3 says the account has none: every switch off.
        Some(Json::Null { .. }) => {}
        found @ Some(_) => {
            if let (Some(switches), Some(entry)) =
                (block(found), export.loader.world.accounts.get_mut(&account))
            {
                entry.block_public_access = switches;
            }
        }
        None => {}
    }
    for (name, settings) in entries(member(root, "Buckets")) {
        let region = member(settings, "GetBucketLocation").map(|location| {
            match text(location, "LocationConstraint") {
                None | Some("") => "us-east-1".to_owned(),
                Some("EU") => "eu-west-1".to_owned(),
                Some(other) => other.to_owned(),
            }
        });
        // No ownership controls: the bucket predates them, and ACLs decide (ObjectWriter).
        let ownership = match member(settings, "GetBucketOwnershipControls") {
            Some(Json::Null { .. }) => Some(xacct_s3::ObjectOwnership::ObjectWriter),
            Some(controls) => {
                items(member(controls, "OwnershipControls").and_then(|c| member(c, "Rules")))
                    .first()
                    .and_then(|rule| text(rule, "ObjectOwnership"))
                    .and_then(|value| value.parse().ok())
            }
            None => None,
        };
        let bucket_block = match member(settings, "GetPublicAccessBlock") {
            Some(Json::Null { .. }) => Some(xacct_s3::BlockPublicAccess::NONE),
            found @ Some(_) => block(found),
            None => None,
        };
        let encryption = match member(settings, "GetBucketEncryption") {
            Some(Json::Null { .. }) | None => None,
            Some(found) => {
                let rule = items(
                    member(found, "ServerSideEncryptionConfiguration")
                        .and_then(|c| member(c, "Rules")),
                )
                .first();
                let default =
                    rule.and_then(|rule| member(rule, "ApplyServerSideEncryptionByDefault"));
                let bucket_key = rule
                    .and_then(|rule| flag(rule, "BucketKeyEnabled"))
                    .unwrap_or(false);
                match default.and_then(|d| text(d, "SSEAlgorithm")) {
                    Some("aws:kms" | "aws:kms:dsse") => {
                        match default.and_then(|d| text(d, "KMSMasterKeyID")) {
                            Some(key) if key.starts_with("arn:") && key.contains(":key/") => {
                                Some(xacct_s3::DefaultEncryption::SseKms {
                                    key_arn: key.to_owned(),
                                    bucket_key,
                                })
                            }
                            Some(key) if key.starts_with("arn:") || key.starts_with("alias/") => {
                                export.warning(
                                    "unresolved-encryption-key",
                                    settings.span(),
                                    format!("bucket `{name}` encrypts with `{key}`, an alias: xacct needs the key ARN, so SSE-S3 is assumed and kms:Decrypt is not checked"),
                                );
                                None
                            }
                            Some(id) => {
                                let region = region.as_deref().unwrap_or("us-east-1");
                                Some(xacct_s3::DefaultEncryption::SseKms {
                                    key_arn: format!("arn:aws:kms:{region}:{account}:key/{id}"),
                                    bucket_key,
                                })
                            }
                            None => Some(xacct_s3::DefaultEncryption::AwsManagedKms),
                        }
                    }
                    _ => Some(xacct_s3::DefaultEncryption::SseS3),
                }
            }
        };
        acl(export, name, settings);
        let origin = export.origin(settings.span());
        let buckets = &mut export.loader.world.buckets;
        let bucket = buckets.entry(name.to_owned()).or_insert_with(|| Bucket {
            name: name.to_owned(),
            account,
            region: None,
            policy: None,
            ownership: xacct_s3::ObjectOwnership::default(),
            encryption: xacct_s3::DefaultEncryption::SseS3,
            block_public_access: xacct_s3::BlockPublicAccess::ALL,
            origin,
        });
        if bucket.account != account {
            let owner = bucket.account;
            export.error(
                "bucket-owner-mismatch",
                settings.span(),
                format!("bucket `{name}` was imported before as owned by account {owner}, not {account}"),
            );
            continue;
        }
        if region.is_some() {
            bucket.region = region;
        }
        if let Some(ownership) = ownership {
            bucket.ownership = ownership;
        }
        if let Some(switches) = bucket_block {
            bucket.block_public_access = switches;
        }
        if let Some(encryption) = encryption {
            bucket.encryption = encryption;
        }
    }
}

/// A bucket ACL that grants anyone but the owner is a warning: xacct does not read bucket ACLs
/// (a bucket with Object Ownership `BucketOwnerEnforced` ignores them; others may not).
fn acl(export: &mut Export<'_>, name: &str, settings: &Json) {
    let Some(acl) = member(settings, "GetBucketAcl") else {
        return;
    };
    let owner = member(acl, "Owner").and_then(|owner| text(owner, "ID"));
    for grant in items(member(acl, "Grants")) {
        let Some(grantee) = member(grant, "Grantee") else {
            continue;
        };
        let who = text(grantee, "URI")
            .or_else(|| text(grantee, "EmailAddress"))
            .or_else(|| text(grantee, "ID"));
        if who.is_none() || who == owner {
            continue;
        }
        let permission = text(grant, "Permission").unwrap_or("a permission");
        export.report(
            Finding::warning(
                "unmodelled-bucket-acl",
                grant.span(),
                format!("the ACL of bucket `{name}` grants {permission} to `{}`: xacct does not read bucket ACLs, so access through it is not shown", who.unwrap_or_default()),
            )
            .with_help("set Object Ownership to BucketOwnerEnforced to turn ACLs off, and grant the access in the bucket policy"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// kms.json
// ---------------------------------------------------------------------------------------

fn kms(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(listed) = member(root, "ListAliases") {
        for alias in items(member(listed, "Aliases")) {
            if let (Some(name), Some(target)) =
                (text(alias, "AliasName"), text(alias, "TargetKeyId"))
            {
                aliases
                    .entry(target.to_owned())
                    .or_default()
                    .push(name.to_owned());
            }
        }
    }
    for (id, key) in entries(member(root, "Keys")) {
        let metadata = member(key, "DescribeKey").and_then(|d| member(d, "KeyMetadata"));
        let arn = metadata.and_then(|m| text(m, "Arn")).map_or_else(
            || format!("arn:aws:kms:{region}:{account}:key/{id}"),
            str::to_owned,
        );
        let aws_managed = metadata.and_then(|m| text(m, "KeyManager")) == Some("AWS");
        if let Some(state) = metadata.and_then(|m| text(m, "KeyState")) {
            if state != "Enabled" {
                export.warning(
                    "key-not-enabled",
                    key.span(),
                    format!("key `{arn}` is {state}: xacct reads it as enabled, but KMS refuses every cryptographic operation with it"),
                );
            }
        }
        let policy = match member(key, "GetKeyPolicy").and_then(|p| member(p, "Policy")) {
            Some(document) => export.policy(
                document,
                PolicyKind::Resource,
                format!("key policy of {arn}"),
                &format!("Policy of key {id}"),
            ),
            None => {
                export.warning(
                    "missing-key-policy",
                    key.span(),
                    format!("the policy of key `{arn}` was not collected: nobody can be shown to use the key"),
                );
                None
            }
        };
        let mut grants = Vec::new();
        let listed = member(key, "ListGrants")
            .map(|g| items(member(g, "Grants")))
            .unwrap_or_default();
        for (index, grant) in listed.iter().enumerate() {
            let Some(grantee) = text(grant, "GranteePrincipal") else {
                continue;
            };
            let span = grant.span();
            let spanned = |value: String| toml::Spanned::new(span.start..span.end, value);
            let operations = items(member(grant, "Operations"))
                .iter()
                .filter_map(Json::as_str)
                .map(|operation| spanned(operation.to_owned()))
                .collect();
            let context = |name: &str| {
                member(grant, "Constraints")
                    .and_then(|c| member(c, name))
                    .map(|pairs| {
                        entries(Some(pairs))
                            .into_iter()
                            .filter_map(|(key, value)| {
                                Some((key.to_owned(), value.as_str()?.to_owned()))
                            })
                            .collect::<BTreeMap<_, _>>()
                    })
            };
            let entry = KeyGrantEntry {
                name: text(grant, "Name")
                    .filter(|name| !name.is_empty())
                    .or_else(|| text(grant, "GrantId"))
                    .map(str::to_owned),
                grantee: spanned(grantee.to_owned()),
                operations,
                encryption_context_subset: context("EncryptionContextSubset"),
                encryption_context_equals: context("EncryptionContextEquals"),
            };
            if let Some(policy) = export.loader.key_grant(&arn, index, &entry) {
                grants.push(policy);
            }
        }
        let key_aliases = aliases.remove(id).unwrap_or_default();
        let policy = match (policy, aws_managed) {
            (Some(policy), _) => Some(policy),
            (None, true) => Some(crate::load::aws_managed_key_policy(
                account,
                region,
                &key_aliases,
                &arn,
            )),
            (None, false) => None,
        };
        ensure_account(export, account, key.span());
        let origin = export.origin(key.span());
        export.loader.world.keys.insert(
            arn.clone(),
            Key {
                arn,
                account,
                region: region.to_owned(),
                policy,
                aws_managed,
                aliases: key_aliases,
                grants,
                origin,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// kinesis.json
// ---------------------------------------------------------------------------------------

/// A `GetResourcePolicy` answer's policy; `{}` (what Kinesis answers for none) is none.
fn resource_policy(
    export: &mut Export<'_>,
    answer: Option<&Json>,
    label: String,
    place: &str,
) -> Option<xacct_eval::SourcedPolicy> {
    let document = member(answer?, "Policy")?;
    if let Json::String { value, .. } = document {
        let trimmed: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if trimmed.is_empty() || trimmed == "{}" {
            return None;
        }
    }
    export.policy(document, PolicyKind::Resource, label, place)
}

/// The key ARN of a stream's `KeyId`: a key ARN, a key id, or an alias (name or ARN) that a
/// key imported before carries. An alias no key carries is a warning, and the stream is read
/// as unencrypted (its readers' kms:Decrypt is not checked).
fn stream_key(
    export: &mut Export<'_>,
    key: &str,
    account: AccountId,
    region: &str,
    stream: &str,
    span: Span,
) -> Option<String> {
    let alias = key
        .strip_prefix(&format!("arn:aws:kms:{region}:{account}:"))
        .unwrap_or(key);
    if !alias.starts_with("alias/") {
        return Some(if key.starts_with("arn:") {
            key.to_owned()
        } else {
            format!("arn:aws:kms:{region}:{account}:key/{key}")
        });
    }
    let found = export
        .loader
        .world
        .keys
        .values()
        .find(|candidate| {
            candidate.account == account
                && candidate.region == region
                && candidate.aliases.iter().any(|name| name == alias)
        })
        .map(|found| found.arn.clone());
    if found.is_none() {
        export.warning(
            "unresolved-encryption-key",
            span,
            format!("stream `{stream}` is encrypted with `{key}`, an alias no collected key of {account} ({region}) carries: kms:Decrypt on its reads is not checked"),
        );
    }
    found
}

fn kinesis(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    for (name, stream) in entries(member(root, "Streams")) {
        let summary = member(stream, "DescribeStreamSummary")
            .and_then(|d| member(d, "StreamDescriptionSummary"));
        let arn = summary.and_then(|s| text(s, "StreamARN")).map_or_else(
            || format!("arn:aws:kinesis:{region}:{account}:stream/{name}"),
            str::to_owned,
        );
        let encryption_key = summary
            .filter(|s| text(s, "EncryptionType") == Some("KMS"))
            .and_then(|s| text(s, "KeyId"))
            .and_then(|key| stream_key(export, key, account, region, name, stream.span()));
        let policy = resource_policy(
            export,
            member(stream, "GetResourcePolicy"),
            format!("stream policy of {name}"),
            &format!("Policy of stream {name}"),
        );
        let mut consumers = BTreeMap::new();
        let listed = member(stream, "ListStreamConsumers")
            .map(|c| items(member(c, "Consumers")))
            .unwrap_or_default();
        let policies = member(stream, "ConsumerPolicies");
        for consumer in listed {
            let Some(consumer_arn) = text(consumer, "ConsumerARN") else {
                continue;
            };
            let answer = policies.and_then(|p| member(p, consumer_arn));
            let policy = resource_policy(
                export,
                answer,
                format!("consumer policy of {consumer_arn}"),
                &format!("Policy of consumer {consumer_arn}"),
            );
            consumers.insert(consumer_arn.to_owned(), policy);
        }
        ensure_account(export, account, stream.span());
        let origin = export.origin(stream.span());
        export.loader.world.streams.insert(
            arn.clone(),
            Stream {
                arn,
                account,
                region: region.to_owned(),
                name: name.to_owned(),
                policy,
                encryption_key,
                consumers,
                origin,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// glue-catalog.json and lakeformation-resources.json
// ---------------------------------------------------------------------------------------

/// The catalog of (`account`, `region`), created with Lake Formation's defaults when no
/// settings were imported for it.
fn catalog<'w>(
    export: &'w mut Export<'_>,
    account: AccountId,
    region: &str,
    span: Span,
) -> &'w mut xacct_lake::Catalog {
    ensure_account(export, account, span);
    export
        .loader
        .world
        .lake
        .catalogs
        .entry((account, region.to_owned()))
        .or_insert_with(|| xacct_lake::Catalog {
            account,
            region: region.to_owned(),
            admins: Vec::new(),
            iam_allowed_by_default: true,
            databases: BTreeMap::new(),
            tables: BTreeMap::new(),
            locations: Vec::new(),
        })
}

/// Whether `CreateTableDefaultPermissions` gives `IAM_ALLOWED_PRINCIPALS` ALL.
fn iam_allowed(value: &Json) -> Option<bool> {
    let list = member(value, "CreateTableDefaultPermissions")?;
    Some(items(Some(list)).iter().any(|entry| {
        member(entry, "Principal").and_then(|p| text(p, "DataLakePrincipalIdentifier"))
            == Some("IAM_ALLOWED_PRINCIPALS")
            && items(member(entry, "Permissions"))
                .iter()
                .any(|permission| permission.as_str() == Some("ALL"))
    }))
}

fn glue(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    let databases = member(root, "GetDatabases")
        .map(|d| items(member(d, "DatabaseList")))
        .unwrap_or_default();
    let mut defaults = BTreeMap::new();
    let mut found = Vec::new();
    for database in databases {
        let Some(name) = text(database, "Name") else {
            continue;
        };
        let target = member(database, "TargetDatabase").and_then(|target| {
            let catalog = text(target, "CatalogId")?.parse::<AccountId>().ok()?;
            Some((catalog, text(target, "DatabaseName")?.to_owned()))
        });
        found.push((name.to_owned(), target, iam_allowed(database)));
    }
    let mut tables = Vec::new();
    for (database, listed) in entries(member(root, "GetTables")) {
        for table in items(member(listed, "TableList")) {
            let Some(name) = text(table, "Name") else {
                continue;
            };
            let location = member(table, "StorageDescriptor")
                .and_then(|s| text(s, "Location"))
                .map(str::to_owned);
            let target = member(table, "TargetTable").and_then(|target| {
                let catalog = text(target, "CatalogId")?.parse::<AccountId>().ok()?;
                Some((
                    catalog,
                    text(target, "DatabaseName")?.to_owned(),
                    text(target, "Name")?.to_owned(),
                ))
            });
            tables.push((database.to_owned(), name.to_owned(), location, target));
        }
    }
    let catalog = catalog(export, account, region, root.span());
    let default = catalog.iam_allowed_by_default;
    for (name, target, iam) in found {
        let iam = iam.unwrap_or(default);
        defaults.insert(name.clone(), iam);
        catalog.databases.insert(
            name.clone(),
            xacct_lake::Database {
                name,
                target,
                iam_allowed_principals: iam,
            },
        );
    }
    for (database, name, location, target) in tables {
        let iam = defaults.get(&database).copied().unwrap_or(default);
        catalog.tables.insert(
            (database.clone(), name.clone()),
            xacct_lake::Table {
                database,
                name,
                location,
                target,
                iam_allowed_principals: iam,
            },
        );
    }
}

fn locations(export: &mut Export<'_>, root: &Json, account: AccountId, region: &str) {
    let mut found = Vec::new();
    for resource in items(member(root, "ResourceInfoList")) {
        let Some(arn) = text(resource, "ResourceArn") else {
            continue;
        };
        let Some(path) = arn.strip_prefix("arn:aws:s3:::") else {
            export.warning(
                "unmodelled-location",
                resource.span(),
                format!("`{arn}` is not an S3 location: it is left out"),
            );
            continue;
        };
        found.push(xacct_lake::Location {
            path: format!("s3://{path}"),
            role: text(resource, "RoleArn").map(str::to_owned),
            hybrid: flag(resource, "HybridAccessEnabled").unwrap_or(false),
            opted_in: Vec::new(),
        });
    }
    catalog(export, account, region, root.span())
        .locations
        .extend(found);
}
