//! Databricks mounts: the arguments of `dbutils.fs.mount(source, mount_point, extra_configs)`.
//!
//! The file is a JSON array with one object per mount:
//!
//! ```json
//! [
//!   {
//!     "mount_point": "/mnt/cross-account-bucket",
//!     "source": "s3a://ty-databricks-cross-account-bucket",
//!     "extra_configs": {
//!       "fs.s3a.credentialsType": "AssumeRole",
//!       "fs.s3a.stsAssumeRole.arn": "arn:aws:iam::222222222222:role/MyRoleB",
//!       "fs.s3a.acl.default": "BucketOwnerFullControl"
//!     }
//!   }
//! ]
//! ```
//!
//! - `mount_point` (required): `/mnt/NAME` (`dbfs:/mnt/NAME` is accepted); Scala's
//!   `mountPoint` spelling too.
//! - `source` (required): `s3a://bucket[/prefix]` (or `s3://`, `s3n://`).
//! - `extra_configs` (optional; Scala: `extraConfigs`): Hadoop settings, with or without
//!   `spark.hadoop.`, layered over the cluster's `spark_conf` for paths under the mount.
//! - `encryption_type` (optional, as `dbutils.fs.mounts()` lists it): ignored.
//!
//! Any other key is an error: this is xacct's own format.

use crate::cluster::{DatabricksCluster, S3Access};
use crate::hadoop::{HadoopConf, S3aView, ViewChecks};
use crate::reader::{member, member_entry, Reader};
use crate::s3::S3Location;
use crate::{Layer, Parsed};
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{Finding, Span, Spanned};

const MOUNT_KEYS: [&str; 6] = [
    "mount_point",
    "mountPoint",
    "source",
    "extra_configs",
    "extraConfigs",
    "encryption_type",
];

/// One mount.
#[derive(Debug, Clone, Serialize)]
pub struct Mount {
    /// Normalised: `/mnt/NAME`, no trailing slash.
    pub mount_point: Spanned<String>,
    pub source: Spanned<String>,
    /// The S3 location of `source`; `None` when it is not an S3 URI (an error finding).
    pub location: Option<S3Location>,
    pub extra_configs: HadoopConf,
    pub span: Span,
}

/// The mounts of a workspace, in file order; entries with errors that leave no usable mount
/// point are left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Mounts {
    pub mounts: Vec<Mount>,
}

/// A DBFS path resolved through a mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MountedPath {
    /// Index of the mount in [`Mounts::mounts`].
    pub mount: usize,
    pub location: S3Location,
}

/// `dbfs:/mnt/x/y`, `/dbfs/mnt/x/y` (the FUSE path) and `/mnt/x/y` all name `/mnt/x/y`.
fn dbfs_path(path: &str) -> &str {
    let path = path.strip_prefix("dbfs:").unwrap_or(path);
    match path.strip_prefix("/dbfs") {
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

impl Mounts {
    /// The mount a DBFS path is under and the S3 location it names.
    pub fn resolve(&self, path: &str) -> Option<MountedPath> {
        let path = dbfs_path(path);
        self.mounts
            .iter()
            .enumerate()
            .filter_map(|(index, mount)| {
                let point = mount.mount_point.value.as_str();
                let rest = path.strip_prefix(point)?;
                if !(rest.is_empty() || rest.starts_with('/')) {
                    return None;
                }
                let location = mount.location.as_ref()?.join(rest);
                Some((
                    point.len(),
                    MountedPath {
                        mount: index,
                        location,
                    },
                ))
            })
            .max_by_key(|(length, _)| *length)
            .map(|(_, resolved)| resolved)
    }

    /// How `cluster` reaches a path: a mounted DBFS path (the mount's extra configs layered
    /// over the cluster's `spark_conf`) or an `s3://`, `s3a://` or `s3n://` URI (the cluster's
    /// settings alone). `None` for a path that is neither.
    pub fn access(&self, cluster: &DatabricksCluster, path: &str) -> Option<S3Access> {
        if let Some(location) = S3Location::parse(path) {
            return Some(cluster.access(&location, &[&cluster.spark_conf], None));
        }
        let resolved = self.resolve(path)?;
        let mount = self.mounts.get(resolved.mount)?;
        Some(cluster.access(
            &resolved.location,
            &[&cluster.spark_conf, &mount.extra_configs],
            Some(resolved.mount),
        ))
    }

    /// Problems that appear only once each mount's extra configs are layered over the
    /// cluster's `spark_conf` (an assume-role setting without its role, a role ARN nothing
    /// uses, …). Spans point into the mounts file; problems that lie wholly in the cluster's
    /// settings are reported by [`crate::parse_databricks_cluster`] instead.
    pub fn check(&self, cluster: &DatabricksCluster) -> Vec<Finding> {
        let mut reader = Reader::default();
        for (index, mount) in self.mounts.iter().enumerate() {
            let Some(location) = &mount.location else {
                continue;
            };
            let mut checks = ViewChecks::new(&mut reader, Layer::Mount(index));
            checks.check(&S3aView::layered(
                &[&cluster.spark_conf, &mount.extra_configs],
                Some(&location.bucket),
            ));
            checks.unused_role_arns(&[&mount.extra_configs]);
        }
        reader.finish()
    }
}

/// Reads a mounts file.
pub fn parse_mounts(text: &str) -> Parsed<Mounts> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_mounts(&mut reader, text, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

fn read_mounts(reader: &mut Reader, text: &str, root: &Json) -> Option<Mounts> {
    let Json::Array { items, .. } = root else {
        reader.push(
            Finding::error(
                "invalid-value",
                root.span(),
                format!("a mounts file must be an array of mounts, found {}", root.kind_name()),
            )
            .with_help(r#"write [{"mount_point": "/mnt/NAME", "source": "s3a://BUCKET/PREFIX", "extra_configs": {...}}]"#),
        );
        return None;
    };
    let mut mounts: Vec<Mount> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(members) = reader.object(item, "a mount") else {
            continue;
        };
        reader.unknown_members(members, &MOUNT_KEYS, "a mount", true);
        reader.duplicates(members, "a mount");
        let owner = format!("mount {index}");
        let Some(point) = spelled(reader, item, "mount_point", "mountPoint", &owner) else {
            reader.error(
                "missing-key",
                item.span(),
                format!("{owner} has no `mount_point`"),
            );
            continue;
        };
        let Some(mount_point) = reader
            .string(point, &format!("`mount_point` of {owner}"))
            .and_then(|point| mount_point(reader, point))
        else {
            continue;
        };
        if let Some(earlier) = mounts
            .iter()
            .find(|mount| mount.mount_point.value == mount_point.value)
        {
            let (line, _) = earlier.mount_point.span.line_column(text);
            reader.push(
                Finding::error(
                    "duplicate-mount-point",
                    mount_point.span,
                    format!("`{}` is mounted twice", mount_point.value),
                )
                .with_help(format!(
                    "the earlier mount is on line {line}; a mount point can hold one mount"
                )),
            );
            continue;
        }
        let Some(source) = reader.required_string(item, "source", &owner) else {
            continue;
        };
        let location = S3Location::parse(&source.value);
        if location.is_none() {
            reader.push(
                Finding::error(
                    "invalid-mount-source",
                    source.span,
                    format!("`{}` is not an S3 URI", source.value),
                )
                .with_help("xacct reads S3 mounts: `s3a://BUCKET/PREFIX` (or `s3://`, `s3n://`)"),
            );
        }
        let extra_configs = match spelled(reader, item, "extra_configs", "extraConfigs", &owner) {
            None | Some(Json::Null { .. }) => HadoopConf::default(),
            Some(configs) => match reader.object(configs, "`extra_configs`") {
                Some(members) => HadoopConf::read(
                    reader,
                    text,
                    members,
                    Layer::Mount(mounts.len()),
                    "`extra_configs`",
                ),
                None => HadoopConf::default(),
            },
        };
        mounts.push(Mount {
            mount_point,
            source,
            location,
            extra_configs,
            span: item.span(),
        });
    }
    Some(Mounts { mounts })
}

/// A member under its Python or its Scala name; both at once is an error.
fn spelled<'j>(
    reader: &mut Reader,
    object: &'j Json,
    python: &str,
    scala: &str,
    owner: &str,
) -> Option<&'j Json> {
    match (member(object, python), member_entry(object, scala)) {
        (Some(_), Some(second)) => {
            reader.error(
                "conflicting-keys",
                second.name_span,
                format!("{owner} has both `{python}` and `{scala}`: write one"),
            );
            member(object, python)
        }
        (Some(value), None) => Some(value),
        (None, Some(entry)) => Some(&entry.value),
        (None, None) => None,
    }
}

fn mount_point(reader: &mut Reader, point: Spanned<String>) -> Option<Spanned<String>> {
    let path = point.value.strip_prefix("dbfs:").unwrap_or(&point.value);
    let trimmed = path.trim_end_matches('/');
    let name = trimmed.strip_prefix("/mnt/").unwrap_or_default();
    if name.is_empty() {
        reader.push(
            Finding::error(
                "invalid-mount-point",
                point.span,
                format!("`{}` is not a mount point", point.value),
            )
            .with_help("Databricks mounts live under `/mnt/`: write `/mnt/NAME`"),
        );
        return None;
    }
    Some(Spanned::new(trimmed.to_owned(), point.span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbfs_spellings() {
        assert_eq!(dbfs_path("dbfs:/mnt/x/y"), "/mnt/x/y");
        assert_eq!(dbfs_path("/dbfs/mnt/x/y"), "/mnt/x/y");
        assert_eq!(dbfs_path("/mnt/x"), "/mnt/x");
        assert_eq!(dbfs_path("/dbfsx/mnt"), "/dbfsx/mnt");
    }
}
