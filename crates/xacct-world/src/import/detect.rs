//! `xacct import DIR...`: a manifest importing every AWS export found, each file's kind told
//! by its shape.
//!
//! - an object with `DescribeOrganization` or `ListRoots`: an organizations bundle;
//! - an object with `RoleDetailList`, `UserDetailList` or `GroupDetailList`, or `Policies`
//!   with `PolicyVersionList`s: the output of `aws iam get-account-authorization-details`
//!   (its account is read from the ARNs);
//! - a file named `<bucket>.bucket-policy.json` holding `{"Policy": "..."}` or a policy
//!   document: the policy of that bucket, owned by the account whose id names the nearest
//!   folder above it (`222222222222/my-bucket.bucket-policy.json`);
//! - an object with `DataLakeSettings`: `aws lakeformation get-data-lake-settings`;
//! - an object with `PolicyInJson`, or a policy document whose resources are all Glue ARNs:
//!   `aws glue get-resource-policy`;
//! - an object with `PrincipalResourcePermissions`: `aws lakeformation list-permissions`;
//! - an object with `resourceShares` or `resourceShareInvitations` (or RAM `resources` and
//!   `principals`): a RAM bundle;
//! - an object with `AccessPointList` (or `AccessPointArn` and `Bucket`): `aws s3control
//!   list-access-points` (or `get-access-point`);
//! - a file named `<name>.access-point-policy.json` holding `{"Policy": "..."}`: the policy of
//!   that access point (`access_point_policy_kind`).
//!
//! The account of a Lake Formation or Glue export is the nearest folder above it named after
//! an account id, or else the one account its content names (the administrators' ARNs, the
//! grants' `CatalogId`s, the policy's Glue ARNs); its Region, where one matters, is the
//! nearest folder named after a Region (`222222222222/eu-west-1/lake-settings.json`), or the
//! one Region the policy's ARNs name, or else the default.

use super::lake::is_region;
use super::normalize;
use crate::files::FileAccess;
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// What a file is.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Organizations,
    AuthorizationDetails {
        account: Option<String>,
    },
    BucketPolicy {
        bucket: String,
        account: String,
    },
    LakeSettings {
        account: String,
        region: Option<String>,
    },
    CatalogPolicy {
        account: String,
        region: Option<String>,
    },
    LakePermissions {
        account: String,
    },
    /// `own_shares`: the bundle lists shares, not only invitations to other accounts' shares,
    /// which must be imported after the shares they name.
    RamShares {
        own_shares: bool,
    },
    /// `aws s3control list-access-points` (or `get-access-point`): each access point names its
    /// account and Region in its ARN.
    AccessPoints,
    /// `aws s3control get-access-point-policy` of the access point with this ARN.
    AccessPointPolicy {
        access_point: String,
    },
    /// A file `xacct collect` writes (`collected.rs`): its import kind, account and Region.
    Collected {
        kind: &'static str,
        account: String,
        region: Option<String>,
    },
}

impl Kind {
    /// The order of imports: the organization first, so that the accounts of the other
    /// exports find their units; then identities, bucket policies, catalogs, grants, and RAM
    /// shares before the invitations to them.
    fn rank(&self) -> u8 {
        match self {
            Kind::Organizations => 0,
            Kind::AuthorizationDetails { .. } => 1,
            Kind::BucketPolicy { .. } => 2,
            Kind::LakeSettings { .. } => 3,
            Kind::CatalogPolicy { .. } => 4,
            Kind::LakePermissions { .. } => 5,
            Kind::RamShares { own_shares: true } => 6,
            Kind::RamShares { own_shares: false } => 7,
            // After the buckets' settings; a policy after the access point it belongs to.
            Kind::AccessPoints => 3,
            Kind::AccessPointPolicy { .. } => 4,
            // S3 settings after the bucket policies, the catalog's tables after its settings,
            // the calls that failed last.
            Kind::Collected { kind, .. } => match *kind {
                "s3-settings" | "kms-keys" => 2,
                // After the keys, whose aliases name a stream's key.
                "kinesis-streams" => 3,
                // The LF-Tags and data cell filters before the grants that name them.
                "glue-catalog"
                | "lakeformation-resources"
                | "lakeformation-lf-tags"
                | "lakeformation-data-cells-filters"
                | "lakeformation-resource-lf-tags" => 4,
                _ => 8,
            },
        }
    }
}

const BUCKET_SUFFIX: &str = ".bucket-policy.json";

/// The text of an `xacct.toml` importing the AWS exports in `paths` (files, or folders
/// searched recursively for `*.json`), with paths relative to `output_dir`, the folder the
/// manifest is written to.
///
/// A file named explicitly must be an export; a `.json` file found in a folder that is not
/// one is listed in a comment at the end. A bucket policy whose owner cannot be told from
/// its folder, or a Lake Formation or Glue export whose account cannot be told, is an error.
pub fn manifest_for(paths: &[PathBuf], output_dir: &Path) -> Result<String, String> {
    manifest_for_with(paths, output_dir, &FileAccess::anywhere())
}

/// [`manifest_for`], reading what `access` allows: a file named in `paths` is read wherever
/// it is; a file found in a folder must resolve (symlinks followed) inside that folder's
/// root, or a place `access` allows. Every file is read only if it is a regular file of at
/// most [`crate::files::EXPORT_LIMIT`] bytes.
pub fn manifest_for_with(
    paths: &[PathBuf],
    output_dir: &Path,
    access: &FileAccess,
) -> Result<String, String> {
    manifest_and_skipped(paths, output_dir, access).map(|(manifest, _)| manifest)
}

/// [`manifest_for_with`], with the files found in folders and skipped (`path: reason`, the
/// path as found), for the caller to say: a comment at the end of a manifest is easily
/// missed.
pub fn manifest_and_skipped(
    paths: &[PathBuf],
    output_dir: &Path,
    access: &FileAccess,
) -> Result<(String, Vec<String>), String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            let confined = access.confined_to(path);
            files.extend(
                found
                    .into_iter()
                    .map(|(file, _)| (file, false, confined.clone())),
            );
        } else if path.is_file() {
            files.push((path.clone(), true, FileAccess::anywhere()));
        } else {
            return Err(format!(
                "`{}` is neither a file nor a folder",
                path.display()
            ));
        }
    }
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for (file, explicit, access) in files {
        match detect(&file, &access)? {
            Ok(kind) => found.push((kind, relative(&file, output_dir)?)),
            Err(reason) if explicit => return Err(format!("`{}`: {reason}", file.display())),
            Err(reason) => skipped.push((relative(&file, output_dir)?, file, reason)),
        }
    }
    if found.is_empty() {
        let searched: Vec<String> = paths
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        let mut message = format!("no AWS export found in {}", searched.join(", "));
        for (_, file, reason) in &skipped {
            let _ = write!(message, "\n  skipped {}: {reason}", file.display());
        }
        return Err(message);
    }
    let bundles: Vec<&str> = found
        .iter()
        .filter(|(kind, _)| *kind == Kind::Organizations)
        .map(|(_, path)| path.as_str())
        .collect();
    if bundles.len() > 1 {
        return Err(format!(
            "more than one organizations bundle ({}): a scenario has one organization",
            bundles.join(", ")
        ));
    }
    found.sort_by(|left, right| (left.0.rank(), &left.1).cmp(&(right.0.rank(), &right.1)));
    let mut out = String::from(
        "# Written by `xacct import`: one [[import]] table per AWS export found.\n\
         # How each export is made: \"Importing from AWS\" in docs/scenario-format.md.\n",
    );
    for (kind, path) in &found {
        out.push_str("\n[[import]]\n");
        let (name, bucket, account, region) = match kind {
            Kind::Organizations => ("organizations", None, None, None),
            Kind::AccessPoints => ("access-points", None, None, None),
            Kind::AccessPointPolicy { .. } => ("access-point-policy", None, None, None),
            Kind::AuthorizationDetails { account } => {
                ("authorization-details", None, account.as_deref(), None)
            }
            Kind::BucketPolicy { bucket, account } => (
                "bucket-policy",
                Some(bucket.as_str()),
                Some(account.as_str()),
                None,
            ),
            Kind::LakeSettings { account, region } => (
                "lakeformation-settings",
                None,
                Some(account.as_str()),
                region.as_deref(),
            ),
            Kind::CatalogPolicy { account, region } => (
                "glue-resource-policy",
                None,
                Some(account.as_str()),
                region.as_deref(),
            ),
            Kind::LakePermissions { account } => (
                "lakeformation-permissions",
                None,
                Some(account.as_str()),
                None,
            ),
            Kind::RamShares { .. } => ("ram-resource-shares", None, None, None),
            Kind::Collected {
                kind,
                account,
                region,
            } => (*kind, None, Some(account.as_str()), region.as_deref()),
        };
        let _ = writeln!(out, "kind = {}", quote(name));
        let _ = writeln!(out, "path = {}", quote(path));
        if let Some(bucket) = bucket {
            let _ = writeln!(out, "bucket = {}", quote(bucket));
        }
        if let Some(account) = account {
            let _ = writeln!(out, "account = {}", quote(account));
        }
        if let Some(region) = region {
            let _ = writeln!(out, "region = {}", quote(region));
        }
        if let Kind::AccessPointPolicy { access_point } = kind {
            let _ = writeln!(out, "access_point = {}", quote(access_point));
        }
    }
    if !skipped.is_empty() {
        out.push_str("\n# Skipped: not an AWS export this command recognises.\n");
        for (path, _, reason) in &skipped {
            let _ = writeln!(out, "#   {path}: {reason}");
        }
    }
    // Said to the user as the files were found (the comment above names them from the
    // manifest's folder).
    let skipped = skipped
        .into_iter()
        .map(|(_, file, reason)| format!("{}: {reason}", file.display()))
        .collect();
    Ok((out, skipped))
}

/// Every `*.json` file under `folder`, sorted, hidden entries left out.
fn walk(folder: &Path, files: &mut Vec<(PathBuf, bool)>) -> Result<(), String> {
    let entries = std::fs::read_dir(folder)
        .map_err(|error| format!("cannot read folder `{}`: {error}", folder.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(|error| format!("cannot read folder `{}`: {error}", folder.display()))?;
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        // A symlinked folder is not followed: it could loop, or lead anywhere.
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_symlink());
        if path.is_dir() && !is_link {
            walk(&path, files)?;
        } else if name.to_ascii_lowercase().ends_with(".json") {
            files.push((path, false));
        }
    }
    Ok(())
}

/// The kind of an export, or why it is not one. The outer error is a file that cannot be
/// read, or a bucket policy, Lake Formation or Glue export whose account is unknown.
fn detect(file: &Path, access: &FileAccess) -> Result<Result<Kind, String>, String> {
    let text = access
        .read_text(file, crate::files::EXPORT_LIMIT, "an AWS export")
        .map_err(|error| match error.help() {
            Some(help) => format!("{error}\n  help: {help}"),
            None => error.to_string(),
        })?;
    // A file named as an export is one: what keeps it from being read is an error, not a
    // line in the manifest's comments that nobody reads.
    let claimed = claimed_export(file);
    let refuse = |reason: String| match claimed {
        Some(what) => Err(format!(
            "`{}`: named as {what}, but {reason}",
            file.display()
        )),
        None => Ok(Err(reason)),
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(_) if text.trim().is_empty() => return refuse("empty: not JSON".to_owned()),
        Err(error) => return refuse(format!("not JSON ({error})")),
    };
    let Some(object) = value.as_object() else {
        return refuse("not a JSON object".to_owned());
    };
    if object.contains_key("DescribeOrganization") || object.contains_key("ListRoots") {
        return Ok(Ok(Kind::Organizations));
    }
    if let Some(kind) = collected_kind(file, object)? {
        return Ok(Ok(kind));
    }
    let lists = ["RoleDetailList", "UserDetailList", "GroupDetailList"];
    // `--filter LocalManagedPolicy` leaves only `Policies`, whose items have versions (those
    // of `aws organizations list-policies` do not).
    let managed_only = object
        .get("Policies")
        .and_then(Value::as_array)
        .and_then(|policies| policies.first())
        .is_some_and(|policy| policy.get("PolicyVersionList").is_some());
    if managed_only || lists.iter().any(|list| object.contains_key(*list)) {
        let mut accounts: Vec<&str> = lists
            .iter()
            .filter_map(|list| object.get(*list)?.as_array())
            .flatten()
            .filter_map(|entity| entity.get("Arn")?.as_str()?.split(':').nth(4))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let account = match accounts.as_slice() {
            [one] => Some((*one).to_owned()),
            _ => None,
        };
        return Ok(Ok(Kind::AuthorizationDetails { account }));
    }
    if let Some(kind) = lake_kind(file, object)? {
        return Ok(Ok(kind));
    }
    if object.contains_key("AccessPointList")
        || (object.contains_key("AccessPointArn") && object.contains_key("Bucket"))
    {
        return Ok(Ok(Kind::AccessPoints));
    }
    if let Some(kind) = access_point_policy_kind(file, object, access)? {
        return Ok(Ok(kind));
    }
    let bucket_shaped =
        object.get("Policy").is_some_and(Value::is_string) || object.contains_key("Statement");
    let file_name = file
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let Some(bucket) = file_name
        .strip_suffix(BUCKET_SUFFIX)
        .filter(|bucket| !bucket.is_empty())
    else {
        if claimed.is_some() {
            return refuse(
                "holds no string `Policy` (`aws s3control get-access-point-policy` writes one)"
                    .to_owned(),
            );
        }
        return Ok(Err(if bucket_shaped {
            format!("a policy, but which bucket it belongs to is unknown: name it `<bucket>{BUCKET_SUFFIX}`")
        } else {
            "not an organizations bundle, authorization details, bucket policy, Lake Formation permissions or settings, Glue catalog policy or RAM bundle".to_owned()
        }));
    };
    if !bucket_shaped {
        return refuse("holds neither `Policy` nor `Statement`".to_owned());
    }
    let account = file
        .parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .filter_map(|folder| folder.file_name()?.to_str())
        .find(|name| name.len() == 12 && name.bytes().all(|byte| byte.is_ascii_digit()));
    match account {
        Some(account) => Ok(Ok(Kind::BucketPolicy { bucket: bucket.to_owned(), account: account.to_owned() })),
        None => Err(format!(
            "`{}`: which account owns bucket `{bucket}` is unknown: put the file in a folder named after the account id, e.g. `222222222222/{file_name}`",
            file.display()
        )),
    }
}

/// What the name of `file` says it is: `NAME.bucket-policy.json` or
/// `NAME.access-point-policy.json` (a name before the suffix).
fn claimed_export(file: &Path) -> Option<&'static str> {
    let name = file.file_name()?.to_str()?;
    let named = |suffix: &str| {
        name.strip_suffix(suffix)
            .is_some_and(|stem| !stem.is_empty())
    };
    if named(BUCKET_SUFFIX) {
        Some("a bucket policy")
    } else if named(ACCESS_POINT_SUFFIX) {
        Some("an access point policy")
    } else {
        None
    }
}

/// The Lake Formation, Glue or RAM export `object` is, if it is one. The outer error is an
/// export whose account cannot be told.
fn lake_kind(file: &Path, object: &Map<String, Value>) -> Result<Option<Kind>, String> {
    let folder_account = ancestor(file, |name| {
        name.len() == 12 && name.bytes().all(|byte| byte.is_ascii_digit())
    });
    let folder_region = ancestor(file, is_region);
    let unknown = |what: &str| {
        format!(
            "`{}`: which account {what} is unknown: put the file in a folder named after the account id, e.g. `222222222222/{}`",
            file.display(),
            file.file_name().and_then(|name| name.to_str()).unwrap_or_default()
        )
    };
    if let Some(settings) = object.get("DataLakeSettings") {
        let admins = settings
            .get("DataLakeAdmins")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|admin| {
                admin
                    .get("DataLakePrincipalIdentifier")?
                    .as_str()?
                    .split(':')
                    .nth(4)
            });
        let account = folder_account
            .or_else(|| single(admins))
            .ok_or_else(|| unknown("these Lake Formation settings are of"))?;
        return Ok(Some(Kind::LakeSettings {
            account,
            region: folder_region,
        }));
    }
    if let Some(rows) = object.get("PrincipalResourcePermissions") {
        // Every resource kind holds its catalog as `CatalogId`, but `Catalog` as `Id`.
        let catalogs = rows
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row.get("Resource")?.as_object()?.values().next())
            .filter_map(|resource| {
                resource
                    .get("CatalogId")
                    .or_else(|| resource.get("Id"))?
                    .as_str()
            });
        let account = folder_account
            .or_else(|| single(catalogs))
            .ok_or_else(|| unknown("holds these Lake Formation grants"))?;
        return Ok(Some(Kind::LakePermissions { account }));
    }
    let glue_policy = match object.get("PolicyInJson") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text)
            .ok()
            .or(Some(Value::Null)),
        _ if object.contains_key("Statement") => {
            let arns = resource_arns(&Value::Object(object.clone()));
            let all_glue =
                !arns.is_empty() && arns.iter().all(|arn| arn.starts_with("arn:aws:glue:"));
            all_glue.then(|| Value::Object(object.clone()))
        }
        _ => None,
    };
    if let Some(policy) = glue_policy {
        let arns = resource_arns(&policy);
        let glue = || arns.iter().filter(|arn| arn.starts_with("arn:aws:glue:"));
        let account = folder_account
            .or_else(|| single(glue().filter_map(|arn| arn.split(':').nth(4))))
            .ok_or_else(|| unknown("this Glue catalog policy belongs to"))?;
        let region =
            folder_region.or_else(|| single(glue().filter_map(|arn| arn.split(':').nth(3))));
        return Ok(Some(Kind::CatalogPolicy { account, region }));
    }
    let ram_items = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_array)
            .and_then(|items| items.first())
            .is_some_and(|item| item.get("resourceShareArn").is_some())
    };
    let own_shares = object
        .get("resourceShares")
        .and_then(Value::as_array)
        .is_some_and(|shares| !shares.is_empty());
    if object.contains_key("resourceShares")
        || object.contains_key("resourceShareInvitations")
        || ram_items("resources")
        || ram_items("principals")
    {
        return Ok(Some(Kind::RamShares { own_shares }));
    }
    Ok(None)
}

const ACCESS_POINT_SUFFIX: &str = ".access-point-policy.json";

/// `NAME.access-point-policy.json` holding `{"Policy": "..."}`: the policy of access point NAME.
/// Its ARN is the one `access-points.json` beside it lists for NAME (as `xacct collect`
/// writes them), or else built from the account and Region folders above the file.
fn access_point_policy_kind(
    file: &Path,
    object: &Map<String, Value>,
    access: &FileAccess,
) -> Result<Option<Kind>, String> {
    let file_name = file
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let Some(name) = file_name
        .strip_suffix(ACCESS_POINT_SUFFIX)
        .filter(|name| !name.is_empty())
    else {
        return Ok(None);
    };
    if !object.get("Policy").is_some_and(Value::is_string) {
        return Ok(None);
    }
    // Access point names are 3 to 50 lowercase letters, digits and hyphens
    // (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-restrictions-limitations-naming-rules.html>).
    let named = (3..=50).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if !named {
        return Err(format!(
            "`{}`: `{name}` is not an access point name (3 to 50 lowercase letters, digits and hyphens): rename the file `NAME.access-point-policy.json` after its access point",
            file.display()
        ));
    }
    let suffix = format!(":accesspoint/{name}");
    let listed = file
        .parent()
        .map(|folder| folder.join("access-points.json"))
        .filter(|list| list.is_file())
        .and_then(|list| {
            access
                .read_text(&list, crate::files::EXPORT_LIMIT, "an AWS export")
                .ok()
        })
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|list| {
            list.get("AccessPointList")?
                .as_array()?
                .iter()
                .filter_map(|item| item.get("AccessPointArn")?.as_str())
                .find(|arn| arn.ends_with(&suffix))
                .map(str::to_owned)
        });
    if let Some(access_point) = listed {
        return Ok(Some(Kind::AccessPointPolicy { access_point }));
    }
    let account = ancestor(file, |name| {
        name.len() == 12 && name.bytes().all(|byte| byte.is_ascii_digit())
    });
    let region = ancestor(file, is_region);
    match (account, region) {
        (Some(account), Some(region)) => Ok(Some(Kind::AccessPointPolicy {
            access_point: format!("arn:aws:s3:{region}:{account}{suffix}"),
        })),
        _ => Err(format!(
            "`{}`: which access point this policy belongs to is unknown: put it in the account and Region folders of its access point (`222222222222/us-east-1/{file_name}`), beside the `access-points.json` that lists it",
            file.display()
        )),
    }
}

/// A file `xacct collect` writes that no other kind reads, told by its top-level keys.
fn collected_kind(file: &Path, object: &Map<String, Value>) -> Result<Option<Kind>, String> {
    let is_object = |key: &str| object.get(key).is_some_and(Value::is_object);
    let kind = if object.contains_key("CollectGaps") {
        "collect-gaps"
    } else if object.contains_key("ListBuckets") && is_object("Buckets") {
        "s3-settings"
    } else if is_object("Keys") {
        "kms-keys"
    } else if is_object("Streams") {
        "kinesis-streams"
    } else if object.contains_key("GetDatabases") {
        "glue-catalog"
    } else if object.contains_key("ResourceInfoList") {
        "lakeformation-resources"
    } else if object.contains_key("LFTags") {
        "lakeformation-lf-tags"
    } else if object.contains_key("DataCellsFilters") {
        "lakeformation-data-cells-filters"
    } else if object.contains_key("ResourceLFTags") {
        "lakeformation-resource-lf-tags"
    } else {
        return Ok(None);
    };
    let account = ancestor(file, |name| {
        name.len() == 12 && name.bytes().all(|byte| byte.is_ascii_digit())
    })
    .ok_or_else(|| {
        format!(
            "`{}`: which account this {kind} file is of is unknown: put it in a folder named after the account id, as `xacct collect` does",
            file.display()
        )
    })?;
    let region = ancestor(file, is_region);
    Ok(Some(Kind::Collected {
        kind,
        account,
        region,
    }))
}

/// The name of the nearest folder above `file` that `fits`.
fn ancestor(file: &Path, fits: impl Fn(&str) -> bool) -> Option<String> {
    file.parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .filter_map(|folder| folder.file_name()?.to_str())
        .find(|name| fits(name))
        .map(str::to_owned)
}

/// The one value `values` hold (repeated or not), if exactly one; empty values do not count.
fn single<'v>(values: impl Iterator<Item = &'v str>) -> Option<String> {
    let mut distinct: Vec<&str> = values.filter(|value| !value.is_empty()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    match distinct.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

/// The `Resource` strings of a policy document's statements.
fn resource_arns(policy: &Value) -> Vec<String> {
    let statements = match policy.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect(),
        Some(statement) => vec![statement],
        None => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|statement| statement.get("Resource"))
        .flat_map(|resource| match resource {
            Value::String(arn) => vec![arn.clone()],
            Value::Array(arns) => arns
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// `path` relative to `base`, with `/` separators, as the manifest writes paths.
fn relative(path: &Path, base: &Path) -> Result<String, String> {
    let absolute = |path: &Path| {
        std::path::absolute(path)
            .map(|path| normalize(&path))
            .map_err(|error| format!("cannot resolve `{}`: {error}", path.display()))
    };
    let path = absolute(path)?;
    let base = absolute(base)?;
    let path_parts: Vec<Component<'_>> = path.components().collect();
    let base_parts: Vec<Component<'_>> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(left, right)| left == right)
        .count();
    if common == 0 {
        // Another drive: only an absolute path reaches it.
        return Ok(path.display().to_string());
    }
    let mut parts: Vec<String> = vec!["..".to_owned(); base_parts.len().saturating_sub(common)];
    for part in path_parts.iter().skip(common) {
        let text = part
            .as_os_str()
            .to_str()
            .ok_or_else(|| format!("`{}` is not valid UTF-8", path.display()))?;
        parts.push(text.to_owned());
    }
    Ok(parts.join("/"))
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            control if control.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        let base = Path::new("/a/b/out");
        assert_eq!(
            relative(Path::new("/a/b/out/x.json"), base).unwrap(),
            "x.json"
        );
        assert_eq!(
            relative(Path::new("/a/c/y.json"), base).unwrap(),
            "../../c/y.json"
        );
        assert_eq!(
            relative(Path::new("/a/b/out/./d/../z.json"), base).unwrap(),
            "z.json"
        );
    }

    #[test]
    fn quotes_escape() {
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
