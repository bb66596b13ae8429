//! Tables of the manifest that declare the same thing twice. The loader keeps one of the two
//! (the first for some kinds, the last for others), so a bucket declared again without its
//! policy loses the policy's denials without a word: each second declaration is an error that
//! names the first.
//!
//! IAM names are unique in an account whatever their path and regardless of case ("IAM object
//! identifiers", IAM User Guide:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html>), so users,
//! groups, instance profiles and managed policies are compared by account and lowercased name.
//! Roles have their own check (`duplicate-role`).

use crate::manifest::Manifest;
use crate::names::Problem;
use std::collections::BTreeMap;
use toml::Spanned;

/// Every second (third, ...) declaration of a name in `manifest`, whose text is `text`.
pub fn check(manifest: &Manifest, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut table = |kind: &str, table: &str, names: Vec<(&Spanned<String>, String)>| {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (name, key) in names {
            let start = name.span().start;
            match seen.get(&key) {
                Some(first) => problems.push(Problem {
                    code: "duplicate-declaration",
                    span: name.span(),
                    message: format!(
                        "{kind} `{}` is declared twice (first at line {})",
                        name.get_ref(),
                        line_of(text, *first)
                    ),
                    help: format!(
                        "keep one [[{table}]] table: the loader would use one of the two and drop the other's settings"
                    ),
                }),
                None => {
                    seen.insert(key, start);
                }
            }
        }
    };
    let exact = |name: &Spanned<String>| name.get_ref().clone();
    table(
        "bucket",
        "bucket",
        manifest
            .bucket
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    table(
        "compute",
        "compute",
        manifest
            .compute
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    table(
        "KMS key",
        "key",
        manifest
            .key
            .iter()
            .map(|entry| (&entry.arn, exact(&entry.arn)))
            .collect(),
    );
    table(
        "stream",
        "stream",
        manifest
            .stream
            .iter()
            .map(|entry| (&entry.arn, exact(&entry.arn)))
            .collect(),
    );
    table(
        "user",
        "user",
        manifest
            .user
            .iter()
            .map(|entry| (&entry.arn, iam_key(&entry.arn)))
            .collect(),
    );
    table(
        "group",
        "group",
        manifest
            .group
            .iter()
            .map(|entry| (&entry.arn, iam_key(&entry.arn)))
            .collect(),
    );
    table(
        "instance profile",
        "instance_profile",
        manifest
            .instance_profile
            .iter()
            .map(|entry| (&entry.arn, iam_key(&entry.arn)))
            .collect(),
    );
    table(
        "managed policy",
        "managed_policy",
        manifest
            .managed_policy
            .iter()
            .map(|entry| (&entry.arn, iam_key(&entry.arn)))
            .collect(),
    );
    table(
        "storage credential",
        "storage_credential",
        manifest
            .storage_credential
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    table(
        "service credential",
        "service_credential",
        manifest
            .service_credential
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    table(
        "external location",
        "external_location",
        manifest
            .external_location
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    table(
        "metastore",
        "metastore",
        manifest
            .metastore
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    // `xacct plan --intent NAME` picks an intent by name.
    table(
        "intent",
        "intent",
        manifest
            .intent
            .iter()
            .map(|entry| (&entry.name, exact(&entry.name)))
            .collect(),
    );
    problems
}

/// `ACCOUNT TYPE NAME` of an IAM ARN, the name lowercased and without its path; the ARN as
/// written when it is not one (its own check reports it).
fn iam_key(arn: &Spanned<String>) -> String {
    let text = arn.get_ref();
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", _, account, resource] => {
            let (kind, path) = resource.split_once('/').unwrap_or((resource, ""));
            let name = path.rsplit('/').next().unwrap_or_default();
            format!("{account} {kind} {}", name.to_lowercase())
        }
        _ => text.clone(),
    }
}

/// The one-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let manifest: Manifest = toml::from_str(text).unwrap();
        check(&manifest, text)
            .into_iter()
            .map(|problem| problem.message)
            .collect()
    }

    #[test]
    fn a_name_declared_twice_is_named_with_its_first_line() {
        let text = "[[bucket]]\nname = \"lake\"\naccount = \"222222222222\"\n\n[[bucket]]\nname = \"lake\"\naccount = \"222222222222\"\n";
        assert_eq!(
            problems(text),
            ["bucket `lake` is declared twice (first at line 2)"]
        );
        let other = "[[bucket]]\nname = \"lake\"\naccount = \"222222222222\"\n\n[[bucket]]\nname = \"lake-2\"\naccount = \"222222222222\"\n";
        assert!(problems(other).is_empty());
    }

    #[test]
    fn iam_names_are_one_whatever_their_path_and_case() {
        let text = "[[user]]\narn = \"arn:aws:iam::111111111111:user/alice\"\n\n[[user]]\narn = \"arn:aws:iam::111111111111:user/team/Alice\"\n\n[[user]]\narn = \"arn:aws:iam::222222222222:user/alice\"\n";
        assert_eq!(
            problems(text),
            ["user `arn:aws:iam::111111111111:user/team/Alice` is declared twice (first at line 2)"]
        );
    }
}
