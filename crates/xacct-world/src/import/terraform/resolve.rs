//! Values known only after apply, derived where AWS's formats make them certain: an
//! attribute the plan marks unknown is followed through the configuration's `references` to
//! the resource it comes from, whose ARN or name is then built as AWS builds it.

use super::plan::Resource;
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) struct Resolver<'a> {
    by_address: BTreeMap<&'a str, &'a Resource>,
}

/// The ARN partition of a Region.
pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The ARN of a KMS key named by ARN, key id or alias in the resource's account and Region.
pub(crate) fn key_arn(resource: &Resource, key: String) -> String {
    if key.starts_with("arn:") {
        return key;
    }
    let name = if key.starts_with("alias/") {
        key
    } else {
        format!("key/{key}")
    };
    format!(
        "arn:{}:kms:{}:{}:{name}",
        partition(&resource.region),
        resource.region,
        resource.account.as_deref().unwrap_or_default()
    )
}

/// A placeholder for a value no one knows before apply, named after the resource.
pub(crate) fn placeholder(resource: &Resource) -> String {
    format!("terraform-{}", resource.address.replace(['"', ' '], ""))
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(resources: &'a [Resource]) -> Self {
        Self {
            by_address: resources
                .iter()
                .map(|resource| (resource.address.as_str(), resource))
                .collect(),
        }
    }

    /// Attribute `name` of `resource`: as planned, or derived from what it references.
    pub(crate) fn text(&self, resource: &Resource, name: &str) -> Option<String> {
        if let Some(text) = resource.text(name) {
            return Some(text.to_owned());
        }
        self.follow(resource, &resource.references(&[name]))
    }

    /// `block[0].name` of `resource`, as planned or derived.
    pub(crate) fn nested(&self, resource: &Resource, block: &str, name: &str) -> Option<String> {
        if let Some(text) = resource
            .block(block)
            .and_then(|map| map.get(name))
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
        {
            return Some(text.to_owned());
        }
        self.follow(resource, &resource.references(&[block, name]))
    }

    /// A value of nested blocks `path` (`rule`, `apply_...`, `kms_master_key_id`) derived
    /// from what the configuration references there.
    pub(crate) fn nested_path(&self, resource: &Resource, path: &[&str]) -> Option<String> {
        self.follow(resource, &resource.references(path))
    }

    /// The value of the first reference that leads somewhere.
    fn follow(&self, resource: &Resource, references: &[String]) -> Option<String> {
        references.iter().find_map(|reference| {
            let (target, attribute) = self.target(resource, reference)?;
            self.attribute(target, &attribute)
        })
    }

    /// The resource a reference names, and the attribute it reads.
    pub(crate) fn target(
        &self,
        from: &Resource,
        reference: &str,
    ) -> Option<(&'a Resource, String)> {
        let (data, rest) = match reference.strip_prefix("data.") {
            Some(rest) => ("data.", rest),
            None => ("", reference),
        };
        let mut parts = rest.splitn(3, '.');
        let kind = parts.next()?;
        let name_part = parts.next()?;
        let attribute = parts.next()?.split(['.', '[']).next()?.to_owned();
        if !kind.contains('_') {
            return None; // var., local., module. and the like
        }
        let (name, index) = match name_part.split_once('[') {
            Some((name, index)) => (name, Some(format!("[{index}"))),
            None => (name_part, None),
        };
        let prefix = if from.module.is_empty() {
            String::new()
        } else {
            format!("{}.", from.module)
        };
        let base = format!("{prefix}{data}{kind}.{name}");
        let own_index = from
            .address
            .rfind('[')
            .and_then(|at| from.address.get(at..))
            .filter(|_| from.address.ends_with(']'));
        let candidates = [
            index.map(|index| format!("{base}{index}")),
            Some(base.clone()),
            own_index.map(|index| format!("{base}{index}")),
            Some(format!("{base}[0]")),
        ];
        candidates
            .into_iter()
            .flatten()
            .find_map(|address| self.by_address.get(address.as_str()).copied())
            .map(|target| (target, attribute))
    }

    /// An attribute of `target`: as planned, or derived when AWS's format makes it certain.
    pub(crate) fn attribute(&self, target: &Resource, attribute: &str) -> Option<String> {
        if let Some(text) = target.text(attribute) {
            return Some(text.to_owned());
        }
        if !matches!(
            attribute,
            "arn" | "id" | "name" | "key_id" | "bucket" | "role"
        ) {
            // Followed once more: an attribute set from another resource's.
            let references = target.references(&[attribute]);
            return references.iter().find_map(|reference| {
                let (next, name) = self.target(target, reference)?;
                (next.address != target.address)
                    .then(|| next.text(&name).map(str::to_owned))
                    .flatten()
            });
        }
        self.derived(target, attribute)
    }

    /// The ARN, id or name of `target` as AWS will make it, where that is certain (or a
    /// placeholder the resource's own warning names, for KMS keys and resource shares).
    pub(crate) fn derived(&self, target: &Resource, attribute: &str) -> Option<String> {
        if target.kind == "databricks_cluster" && attribute == "id" {
            return Some(placeholder(target));
        }
        if target.kind == "databricks_instance_profile" && attribute == "id" {
            return self.text(target, "instance_profile_arn");
        }
        let account = target.account.as_deref()?;
        let part = partition(&target.region);
        let named = |name: &str| {
            self.text(target, name)
                .or_else(|| self.text(target, "name"))
        };
        let iam = |kind: &str| {
            let name = named("name")?;
            let path = target.text("path").unwrap_or("/");
            Some(format!("arn:{part}:iam::{account}:{kind}{path}{name}"))
        };
        match (target.kind.as_str(), attribute) {
            ("aws_iam_role", "arn") => iam("role"),
            ("aws_iam_policy", "arn" | "id") => iam("policy"),
            ("aws_iam_user", "arn") => iam("user"),
            ("aws_iam_group", "arn") => iam("group"),
            ("aws_iam_instance_profile", "arn") => iam("instance-profile"),
            (
                "aws_iam_role" | "aws_iam_user" | "aws_iam_group" | "aws_iam_instance_profile",
                "id" | "name",
            ) => named("name"),
            ("aws_s3_bucket", "arn") => self
                .text(target, "bucket")
                .map(|bucket| format!("arn:{part}:s3:::{bucket}")),
            ("aws_s3_bucket", "id" | "bucket") => self.text(target, "bucket"),
            ("aws_kinesis_stream", "arn" | "id") => self.text(target, "name").map(|name| {
                format!(
                    "arn:{part}:kinesis:{}:{account}:stream/{name}",
                    target.region
                )
            }),
            ("aws_kms_key", "arn") => Some(format!(
                "arn:{part}:kms:{}:{account}:key/{}",
                target.region,
                placeholder(target)
            )),
            ("aws_kms_key", "key_id" | "id") => Some(placeholder(target)),
            ("aws_glue_catalog_database", "name") => self.text(target, "name"),
            ("aws_ram_resource_share", "arn" | "id") => Some(format!(
                "arn:{part}:ram:{}:{account}:resource-share/{}",
                target.region,
                placeholder(target)
            )),
            _ => None,
        }
    }
}
