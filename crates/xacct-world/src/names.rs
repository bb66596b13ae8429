//! Names AWS would reject are errors at load, with the rule: a bucket, role or stream that
//! cannot exist must not be reasoned about (nor written into a plan a user runs).
//!
//! The rules, from the AWS documentation:
//! - S3 general purpose bucket names: "Bucket naming rules", Amazon S3 User Guide
//!   (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
//! - IAM role, user and instance profile names and paths: `CreateRole`, `CreateUser`,
//!   `CreateInstanceProfile` in the IAM API Reference, and "IAM and AWS STS quotas" (role and
//!   user names 64 characters, instance profile names 128, paths 512).
//! - IAM tags: `Tag` in the IAM API Reference (keys 1-128, values 0-256, letters, numbers,
//!   spaces and `_.:/=+-@`).
//! - External ids and session names: `AssumeRole` in the STS API Reference (`ExternalId`
//!   2-1224 characters of `[\w+=,.@:/-]`, `RoleSessionName` 2-64 of `[\w+=,.@-]`).
//! - KMS alias names: `CreateAlias` in the KMS API Reference (`alias/` then
//!   `[a-zA-Z0-9/_-]`, 256 characters in all).
//! - Kinesis stream names: `CreateStream` in the Kinesis API Reference (1-128 of
//!   `[a-zA-Z0-9_.-]`).

use crate::manifest::Manifest;
use std::ops::Range;
use toml::Spanned;

/// A name AWS would refuse, where it was written, and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
}

fn iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// Why `name` is not a general purpose bucket name, if it is not.
pub fn bucket_name_error(name: &str) -> Option<String> {
    let length = name.len();
    if !(3..=63).contains(&length) {
        return Some(format!(
            "is {length} characters long; bucket names are 3 to 63"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Some(format!(
            "holds {c:?}; bucket names hold only lowercase letters, digits, `.` and `-`"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("must begin and end with a letter or digit".to_owned());
    }
    if name.contains("..") {
        return Some("holds two adjacent periods".to_owned());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("is formatted as an IP address".to_owned());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Some(format!("starts with `{prefix}`, which S3 reserves"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!("ends with `{suffix}`, which S3 reserves"));
        }
    }
    None
}

/// Why `name` is not an IAM name of at most `max` characters, if it is not.
pub fn iam_name_error(name: &str, max: usize) -> Option<String> {
    let length = name.chars().count();
    if length == 0 || length > max {
        return Some(format!(
            "is {length} characters long; the limit is 1 to {max}"
        ));
    }
    name.chars()
        .find(|c| !iam_name_char(*c))
        .map(|c| format!("holds {c:?}; IAM names hold only letters, digits and `_+=,.@-`"))
}

/// Why `path` is not an IAM path (`/`, or `/.../` of printable ASCII, 512 at most).
pub fn iam_path_error(path: &str) -> Option<String> {
    if path.len() > 512 {
        return Some("is longer than 512 characters".to_owned());
    }
    if !(path.starts_with('/') && path.ends_with('/')) {
        return Some("must begin and end with `/`".to_owned());
    }
    path.chars()
        .find(|c| !('\u{21}'..='\u{7f}').contains(c))
        .map(|c| format!("holds {c:?}; paths hold printable ASCII without spaces"))
}

/// Why `id` is not an external id AWS accepts, if it is not.
pub fn external_id_error(id: &str) -> Option<String> {
    let length = id.chars().count();
    if !(2..=1224).contains(&length) {
        return Some(format!(
            "is {length} characters long; external ids are 2 to 1224"
        ));
    }
    id.chars()
        .find(|c| !(iam_name_char(*c) || *c == ':' || *c == '/'))
        .map(|c| format!("holds {c:?}; external ids hold only letters, digits and `_+=,.@:/-`"))
}

/// Why `name` is not a role session name, if it is not.
pub fn session_name_error(name: &str) -> Option<String> {
    let length = name.chars().count();
    if !(2..=64).contains(&length) {
        return Some(format!(
            "is {length} characters long; session names are 2 to 64"
        ));
    }
    name.chars()
        .find(|c| !iam_name_char(*c))
        .map(|c| format!("holds {c:?}; session names hold only letters, digits and `_+=,.@-`"))
}

/// Why `key` and `value` are not an IAM tag, if they are not.
pub fn tag_error(key: &str, value: &str) -> Option<String> {
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    let key_length = key.chars().count();
    if !(1..=128).contains(&key_length) {
        return Some(format!(
            "tag key `{key}` is {key_length} characters long; keys are 1 to 128"
        ));
    }
    if value.chars().count() > 256 {
        return Some(format!(
            "the value of tag `{key}` is longer than 256 characters"
        ));
    }
    if key.starts_with("aws:") {
        return Some(format!(
            "tag key `{key}` starts with `aws:`, which AWS reserves"
        ));
    }
    key.chars()
        .chain(value.chars())
        .find(|c| !allowed(*c))
        .map(|c| {
            format!(
                "tag `{key}` holds {c:?}; tags hold only letters, digits, spaces and `_.:/=+-@`"
            )
        })
}

/// Why `alias` is not a KMS alias name, if it is not.
pub fn alias_error(alias: &str) -> Option<String> {
    let Some(rest) = alias.strip_prefix("alias/") else {
        return Some("must start with `alias/`".to_owned());
    };
    if rest.is_empty() || alias.len() > 256 {
        return Some("must be `alias/` and 1 to 250 more characters".to_owned());
    }
    rest.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/_-".contains(*c)))
        .map(|c| format!("holds {c:?}; alias names hold only letters, digits and `/_-`"))
}

/// Why `name` is not a Glue database name (a resource link's), if it is not: 1 to 255
/// characters, none of them a control character but tab (Glue API, `DatabaseInput.Name`).
pub fn glue_name_error(name: &str) -> Option<String> {
    let length = name.chars().count();
    if !(1..=255).contains(&length) {
        return Some(format!(
            "is {length} characters long; Glue names are 1 to 255"
        ));
    }
    name.chars()
        .find(|c| c.is_control() && *c != '\t')
        .map(|c| format!("holds {c:?}; Glue names hold no control characters but tab"))
}

/// Why `name` is not a Kinesis stream name, if it is not.
pub fn stream_name_error(name: &str) -> Option<String> {
    let length = name.chars().count();
    if !(1..=128).contains(&length) {
        return Some(format!(
            "is {length} characters long; stream names are 1 to 128"
        ));
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c)))
        .map(|c| format!("holds {c:?}; stream names hold only letters, digits and `_.-`"))
}

/// A new external id from the operating system's random generator: 128 bits as 32 hex
/// digits after `xacct-`, which no one can predict (AWS's advice for external ids that a
/// third party must not guess).
pub fn generate_external_id() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| format!("the operating system's random generator failed: {error}"))?;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("xacct-{hex}"))
}

/// The path and name of an IAM ARN of `kind` (`role`, `user`, `instance-profile`).
fn iam_path_and_name<'a>(arn: &'a str, kind: &str) -> Option<(String, &'a str)> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let rest = resource.strip_prefix(kind)?.strip_prefix('/')?;
    let (middle, name) = rest.rsplit_once('/').unwrap_or(("", rest));
    let path = if middle.is_empty() {
        "/".to_owned()
    } else {
        format!("/{middle}/")
    };
    Some((path, name))
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push<T>(
        &mut self,
        code: &'static str,
        at: &Spanned<T>,
        what: String,
        error: Option<String>,
        help: &str,
    ) {
        if let Some(error) = error {
            self.problems.push(Problem {
                code,
                span: at.span(),
                // Names may hold newlines: the message stays on one line.
                message: format!("{what} {error}")
                    .chars()
                    .map(|c| {
                        if c.is_control() {
                            c.escape_default().collect()
                        } else {
                            c.to_string()
                        }
                    })
                    .collect(),
                help: help.to_owned(),
            });
        }
    }

    fn iam_arn(&mut self, arn: &Spanned<String>, kind: &str, max: usize) {
        let Some((path, name)) = iam_path_and_name(arn.get_ref(), kind) else {
            return;
        };
        self.push(
            "invalid-name",
            arn,
            format!("the {kind} name `{name}`"),
            iam_name_error(name, max),
            "IAM names are letters, digits and `_+=,.@-` (IAM API Reference, CreateRole and CreateUser)",
        );
        self.push(
            "invalid-name",
            arn,
            format!("the path `{path}` of `{name}`"),
            iam_path_error(&path),
            "IAM paths are `/` or `/a/b/` of printable ASCII",
        );
    }

    fn bucket(&mut self, at: &Spanned<String>, name: &str) {
        self.push(
            "invalid-bucket-name",
            at,
            format!("the bucket name `{name}`"),
            bucket_name_error(name),
            "S3 bucket names are 3-63 lowercase letters, digits, `.` and `-` (Amazon S3 User Guide, bucket naming rules)",
        );
    }

    fn stream_arn(&mut self, arn: &Spanned<String>) {
        let Some(name) = arn.get_ref().split_once(":stream/").map(|(_, name)| name) else {
            return;
        };
        let name = name.split('/').next().unwrap_or(name);
        self.push(
            "invalid-name",
            arn,
            format!("the stream name `{name}`"),
            stream_name_error(name),
            "Kinesis stream names are 1-128 letters, digits and `_.-` (Kinesis API Reference, CreateStream)",
        );
    }

    fn tags(&mut self, at: &Spanned<String>, tags: &std::collections::BTreeMap<String, String>) {
        for (key, value) in tags {
            self.push(
                "invalid-tag",
                at,
                format!("on `{}`:", at.get_ref()),
                tag_error(key, value),
                "IAM tags are letters, digits, spaces and `_.:/=+-@`; keys 1-128, values up to 256 (IAM API Reference, Tag)",
            );
        }
    }
}

/// Every name of the manifest that AWS would refuse.
pub fn check(manifest: &Manifest) -> Vec<Problem> {
    let mut checker = Checker {
        problems: Vec::new(),
    };
    for role in &manifest.role {
        checker.iam_arn(&role.arn, "role", 64);
        checker.tags(&role.arn, &role.tags);
    }
    for user in &manifest.user {
        checker.iam_arn(&user.arn, "user", 64);
        checker.tags(&user.arn, &user.tags);
    }
    for profile in &manifest.instance_profile {
        checker.iam_arn(&profile.arn, "instance-profile", 128);
    }
    for group in &manifest.group {
        checker.iam_arn(&group.arn, "group", 128);
    }
    for policy in &manifest.managed_policy {
        // AWS managed policies (account `aws`) follow the same rules.
        checker.iam_arn(&policy.arn, "policy", 128);
    }
    for bucket in &manifest.bucket {
        checker.bucket(&bucket.name, bucket.name.get_ref());
    }
    for key in &manifest.key {
        for alias in &key.aliases {
            // AWS managed keys carry the `alias/aws/...` names AWS reserves for itself.
            let reserved = alias.starts_with("alias/aws/") && !key.aws_managed;
            let error = alias_error(alias).or_else(|| {
                reserved.then(|| {
                    "starts with `alias/aws/`, which AWS reserves for its managed keys".to_owned()
                })
            });
            checker.push(
                "invalid-name",
                &key.arn,
                format!("the alias `{alias}` of this key"),
                error,
                "KMS alias names are `alias/` and letters, digits and `/_-` (KMS API Reference, CreateAlias)",
            );
        }
    }
    for stream in &manifest.stream {
        checker.stream_arn(&stream.arn);
    }
    for expect in &manifest.expect {
        for id in expect.external_ids.values() {
            checker.push(
                "invalid-external-id",
                &expect.name,
                format!("the external id `{id}`"),
                external_id_error(id),
                "external ids are 2-1224 letters, digits and `_+=,.@:/-` (STS API Reference, AssumeRole)",
            );
        }
        if let Some(name) = &expect.session_name {
            checker.push(
                "invalid-session-name",
                &expect.name,
                format!("the session name `{name}`"),
                session_name_error(name),
                "session names are 2-64 letters, digits and `_+=,.@-` (STS API Reference, AssumeRole)",
            );
        }
    }
    for intent in &manifest.intent {
        if let Some(name) = &intent.role_name {
            checker.push(
                "invalid-name",
                name,
                format!("the role name `{}`", name.get_ref()),
                iam_name_error(name.get_ref(), 64),
                "IAM role names are 1-64 letters, digits and `_+=,.@-` (IAM API Reference, CreateRole)",
            );
        }
        if let Some(id) = &intent.external_id {
            if !["none", "generate"].contains(&id.get_ref().as_str()) {
                checker.push(
                    "invalid-external-id",
                    id,
                    format!("the external id `{}`", id.get_ref()),
                    external_id_error(id.get_ref()),
                    "external ids are 2-1224 letters, digits and `_+=,.@:/-` (STS API Reference, AssumeRole); or write `generate`",
                );
            }
        }
        if let Some(link) = &intent.link {
            checker.push(
                "invalid-name",
                link,
                format!("the resource link name `{}`", link.get_ref()),
                glue_name_error(link.get_ref()),
                "Glue database names are 1-255 characters without control characters (Glue API Reference, DatabaseInput)",
            );
        }
        let target = intent.target.get_ref();
        if let Some(path) = target.strip_prefix("s3://") {
            let bucket = path.split('/').next().unwrap_or(path);
            checker.bucket(&intent.target, bucket);
        } else if target.starts_with("arn:") {
            checker.stream_arn(&intent.target);
        }
    }
    checker.problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_every_s3_rule() {
        for good in ["lake-b", "a.b.c", "abc", "my-bucket-2026", &"a".repeat(63)] {
            assert_eq!(bucket_name_error(good), None, "{good}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Lake",
            "lake_b",
            "lake-b;touch PWNED;",
            "-lake",
            "lake-",
            "a..b",
            "192.168.5.4",
            "xn--lake",
            "sthree-lake",
            "amzn-s3-demo-lake",
            "lake-s3alias",
            "lake--ol-s3",
            "lake.mrap",
            "lake--x-s3",
            "lake--table-s3",
        ] {
            assert!(bucket_name_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn iam_names_paths_and_arns() {
        assert_eq!(iam_name_error("MyRole_+=,.@-1", 64), None);
        assert!(iam_name_error("my role", 64).is_some());
        assert!(iam_name_error("a$(b)", 64).is_some());
        assert!(iam_name_error(&"a".repeat(65), 64).is_some());
        assert_eq!(iam_name_error(&"a".repeat(128), 128), None);
        assert_eq!(iam_path_error("/"), None);
        assert_eq!(iam_path_error("/team/etl/"), None);
        assert!(iam_path_error("/team").is_some());
        assert!(iam_path_error("/a b/").is_some());
        assert_eq!(
            iam_path_and_name("arn:aws:iam::111111111111:role/team/etl/Reader", "role"),
            Some(("/team/etl/".to_owned(), "Reader"))
        );
        assert_eq!(
            iam_path_and_name("arn:aws:iam::111111111111:role/Reader", "role"),
            Some(("/".to_owned(), "Reader"))
        );
    }

    #[test]
    fn external_ids_session_names_tags_aliases_streams() {
        assert_eq!(external_id_error("Unique:ID/with=+,.@_-"), None);
        assert!(external_id_error("a").is_some());
        assert!(external_id_error("x$(id)").is_some());
        assert!(external_id_error(&"a".repeat(1225)).is_some());
        assert_eq!(session_name_error("xacct-etl"), None);
        assert!(session_name_error("x").is_some());
        assert!(session_name_error("a:b").is_some());
        assert_eq!(tag_error("team name", "data lake: a/b=c+d-e@f_g.h"), None);
        assert!(tag_error("team", "$(id)").is_some());
        assert!(tag_error("aws:x", "y").is_some());
        assert_eq!(alias_error("alias/lake-key_1/x"), None);
        assert!(alias_error("lake").is_some());
        assert!(alias_error("alias/a b").is_some());
        assert_eq!(stream_name_error("clicks.v1_raw-2"), None);
        assert!(stream_name_error("clicks;x").is_some());
        assert_eq!(glue_name_error("cur_org linked; $(x)\t"), None);
        assert!(glue_name_error("a\nb").is_some());
        assert!(glue_name_error("").is_some());
    }

    #[test]
    fn generated_external_ids_are_valid_and_differ() {
        let first = generate_external_id().unwrap();
        let second = generate_external_id().unwrap();
        assert_ne!(first, second);
        assert_eq!(first.len(), "xacct-".len() + 32);
        assert_eq!(external_id_error(&first), None);
    }
}
