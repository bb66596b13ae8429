//! KMS keys (policies, aliases, grants) and Kinesis data streams (resource policies and
//! encryption). Attribute names from the AWS provider's documentation (`aws_kms_key`,
//! `aws_kms_key_policy`, `aws_kms_alias`, `aws_kms_grant`, `aws_kinesis_stream`,
//! `aws_kinesis_resource_policy`).

use super::emit::{quote, KeyOut, Out, StreamOut};
use super::iam::document;
use super::plan::{first_block, Resource};
use super::resolve::{key_arn, partition, Resolver};
use serde_json::Value;

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_kms_key" => key(out, resolver, resource),
        "aws_kms_key_policy" => {
            if let Some(doc) = document(out, resolver, resource, "policy") {
                if let Some(key) = find_key(out, resolver, resource, "key_id") {
                    key.policy = Some(doc);
                }
            }
        }
        "aws_kms_alias" => {
            let name = resource.text("name").map(str::to_owned);
            if let (Some(name), Some(key)) =
                (name, find_key(out, resolver, resource, "target_key_id"))
            {
                key.aliases.push(name);
            }
        }
        "aws_kms_grant" => grant(out, resolver, resource),
        "aws_kinesis_stream" => stream(out, resolver, resource),
        "aws_kinesis_stream_consumer" => consumer(out, resolver, resource),
        "aws_kinesis_resource_policy" => {
            let Some(doc) = document(out, resolver, resource, "policy") else {
                return true;
            };
            let arn = resolver.text(resource, "resource_arn");
            if let Some(arn) = &arn {
                adopt_stream(out, resource, arn);
            }
            match arn.and_then(|arn| out.streams.get_mut(&arn).map(|stream| (arn, stream))) {
                Some((_, stream)) => stream.policy = Some(doc),
                None => out.warn(&resource.address, format!("{} is a policy of a stream (or consumer) that is not in the plan, or known only after apply: left out", resource.address)),
            }
        }
        _ => return false,
    }
    true
}

/// The policy AWS gives a key created without one: the account may use IAM policies to
/// allow access (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>).
fn default_policy(partition: &str, account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:{partition}:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

fn key(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(arn) = resolver.attribute(resource, "arn") else {
        return;
    };
    if resource.text("arn").is_none() {
        out.warn(
            &resource.address,
            format!("the key id of {} is made by AWS at apply: xacct calls the key `{arn}` until then, and documents that name the new key by a literal ARN cannot match it", resource.address),
        );
    }
    let policy = if resolver.text(resource, "policy").is_some() {
        document(out, resolver, resource, "policy")
    } else if resource.is_unknown("policy") {
        // Set by an `aws_kms_key_policy` of the plan, or reported by the loader as missing.
        None
    } else {
        let account = resource.account.as_deref().unwrap_or_default();
        let text = default_policy(partition(&resource.region), account);
        Some(out.doc(&resource.address, "default key policy", text))
    };
    out.keys.insert(
        arn,
        KeyOut {
            address: resource.address.clone(),
            policy,
            ..KeyOut::default()
        },
    );
}

/// The key an attribute names (by ARN, id or alias), or a warning.
fn find_key<'a>(
    out: &'a mut Out,
    resolver: &Resolver<'_>,
    resource: &Resource,
    attribute: &str,
) -> Option<&'a mut KeyOut> {
    let id = resolver.text(resource, attribute);
    // A key of the scenario the plan is merged over: the plan adds to it.
    if let Some(id) = &id {
        let known = out
            .keys
            .keys()
            .any(|arn| arn == id || arn.ends_with(&format!("/{id}")));
        if !known {
            let adopted = out.base.entries.iter().find(|((kind, arn), entry)| {
                kind == "key"
                    && (arn == id
                        || arn.ends_with(&format!("/{id}"))
                        || entry
                            .table
                            .get("aliases")
                            .and_then(toml::Value::as_array)
                            .is_some_and(|aliases| {
                                aliases.iter().any(|alias| alias.as_str() == Some(id))
                            }))
            });
            if let Some(((_, arn), entry)) = adopted {
                let key = KeyOut {
                    address: resource.address.clone(),
                    base: Some(entry.table.clone()),
                    ..KeyOut::default()
                };
                out.keys.insert(arn.clone(), key);
            }
        }
    }
    let found = id.as_ref().and_then(|id| {
        out.keys
            .iter()
            .find(|(arn, key)| {
                *arn == id
                    || arn.ends_with(&format!("/{id}"))
                    || key.aliases.iter().any(|alias| alias == id)
            })
            .map(|(arn, _)| arn.clone())
    });
    match found {
        Some(arn) => out.keys.get_mut(&arn),
        None => {
            out.warn(&resource.address, format!("{} names key `{}`, which is not in the plan (or known only after apply): left out", resource.address, id.unwrap_or_default()));
            None
        }
    }
}

fn grant(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(grantee) = resolver.text(resource, "grantee_principal") else {
        out.warn(
            &resource.address,
            format!(
                "the grantee of {} is known only after apply: the grant is left out",
                resource.address
            ),
        );
        return;
    };
    let operations: Vec<String> = resource
        .strings("operations")
        .iter()
        .map(|op| quote(op))
        .collect();
    let mut fields = vec![
        format!("grantee = {}", quote(&grantee)),
        format!("operations = [{}]", operations.join(", ")),
    ];
    if let Some(name) = resource.text("name") {
        fields.push(format!("name = {}", quote(name)));
    }
    if let Some(constraints) = resource.values.get("constraints").and_then(first_block) {
        for (from, to) in [
            ("encryption_context_equals", "encryption_context_equals"),
            ("encryption_context_subset", "encryption_context_subset"),
        ] {
            if let Some(map) = constraints.get(from).and_then(Value::as_object) {
                let pairs: Vec<String> = map
                    .iter()
                    .filter_map(|(key, value)| {
                        Some(format!("{} = {}", quote(key), quote(value.as_str()?)))
                    })
                    .collect();
                fields.push(format!("{to} = {{ {} }}", pairs.join(", ")));
            }
        }
    }
    let text = format!("{{ {} }}", fields.join(", "));
    if let Some(key) = find_key(out, resolver, resource, "key_id") {
        key.grants.push(text);
    }
}

fn stream(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let Some(arn) = resolver.attribute(resource, "arn") else {
        out.warn(
            &resource.address,
            format!(
                "the ARN of {} is not known before apply: the stream is left out",
                resource.address
            ),
        );
        return;
    };
    let encrypted = resource.text("encryption_type") == Some("KMS");
    let key = if encrypted {
        match resolver.text(resource, "kms_key_id") {
            Some(key) if key == "alias/aws/kinesis" => Some("aws/kinesis".to_owned()),
            Some(key) => Some(key_arn(resource, key)),
            None => {
                out.warn(&resource.address, format!("the encryption key of {} is known only after apply: the stream is read as unencrypted", resource.address));
                None
            }
        }
    } else {
        None
    };
    out.streams.insert(
        arn,
        StreamOut {
            address: resource.address.clone(),
            policy: None,
            key,
            consumers: Vec::new(),
            base: None,
        },
    );
}

/// A registered consumer: its ARN ends in the time it was made, so a new one is known only
/// after apply.
fn consumer(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let stream = resolver.text(resource, "stream_arn");
    let Some(arn) = resource.text("arn").map(str::to_owned) else {
        out.warn(&resource.address, format!("the ARN of {} ends in its creation time, known only after apply: the consumer is left out", resource.address));
        return;
    };
    if let Some(stream) = &stream {
        adopt_stream(out, resource, stream);
    }
    match stream.and_then(|stream| out.streams.get_mut(&stream)) {
        Some(entry) => entry.consumers.push((resource.address.clone(), arn)),
        None => out.warn(
            &resource.address,
            format!(
                "{} is a consumer of a stream that is not in the plan: left out",
                resource.address
            ),
        ),
    }
}

/// The scenario's stream `arn`, taken into the plan's world so that the plan adds to it.
fn adopt_stream(out: &mut Out, resource: &Resource, arn: &str) {
    if out.streams.contains_key(arn) {
        return;
    }
    if let Some(entry) = out.base.get("stream", arn) {
        let stream = StreamOut {
            address: resource.address.clone(),
            base: Some(entry.table.clone()),
            ..StreamOut::default()
        };
        out.streams.insert(arn.to_owned(), stream);
    }
}
