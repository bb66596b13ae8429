//! An `aws` CLI script. Every argument is quoted with shlex (so a name holding `;`, `$(...)`,
//! backticks or quotes is passed as that one argument and never runs), comments are one line
//! each, and running the script again is harmless: roles and resource links are created only
//! when missing, and every policy is written whole with a `put-*` or `update-*` call.

use super::{
    access_point_name, by_document, creates_role, document_json, exists, one_line, role_name, title,
};
use crate::generate::Document;
use crate::key_writer::{key_policy_writer, role_profile, KeyPolicyWriter};
use crate::prove::Plan;
use serde_json::Value;
use std::fmt::Write as _;
use xacct_world::World;

/// The script for every account of the plan.
pub fn cli(world: &World, plan: &Plan) -> String {
    render(world, plan, None)
}

/// The script for one account, for `ACCOUNT.sh`.
pub fn cli_for_account(world: &World, plan: &Plan, account: &str) -> String {
    render(world, plan, Some(account))
}

/// One command line, each word quoted for a POSIX shell. A word shlex cannot quote (it
/// holds a NUL byte, which no argument can carry) makes the line fail instead of running
/// with something else.
fn command(words: &[&str]) -> String {
    shlex::try_join(words.iter().copied()).unwrap_or_else(|_| {
        "false # an argument held a NUL byte, which no command line can carry".to_owned()
    })
}

fn compact(value: &Value) -> String {
    super::iam_safe_json(&value.to_string())
}

/// Before any change: every role profile the script uses must assume the role it is named
/// for, or the script stops with nothing applied (a half-applied plan is worse than none).
fn preflight(out: &mut String, world: &World, plan: &Plan, only: Option<&str>) {
    let mut roles: Vec<(String, String)> = Vec::new();
    for ((account, document), _) in by_document(plan) {
        if only.is_some_and(|wanted| wanted != account) {
            continue;
        }
        if let Document::KeyPolicy { key } = &document {
            if let KeyPolicyWriter::Role(role) = key_policy_writer(world, plan, key) {
                if !roles.contains(&(account.clone(), role.clone())) {
                    roles.push((account, role));
                }
            }
        }
    }
    for (account, role) in roles {
        let profile = role_profile(&account, &role);
        let _ = writeln!(
            out,
            "# The profile {} must assume {} from account-{account} (in the AWS config: role_arn = {}, source_profile = account-{account}).",
            one_line(&profile),
            one_line(&role),
            one_line(&role)
        );
        let _ = writeln!(
            out,
            "if [ \"$({} 2>/dev/null)\" != {} ]; then\n  {} >&2\n  exit 1\nfi",
            command(&["aws", "configure", "get", "role_arn", "--profile", &profile]),
            command(&[&role]),
            command(&[
                "echo",
                &format!(
                    "xacct plan: the profile {profile} must assume {role}; nothing was changed"
                ),
            ])
        );
    }
}

fn render(world: &World, plan: &Plan, only: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/bin/sh");
    let _ = writeln!(out, "# xacct plan: {}", one_line(&title(plan)));
    let _ = writeln!(
        out,
        "# Running it again is harmless: what exists is updated, and every document is written whole."
    );
    let _ = writeln!(out, "set -eu");
    preflight(&mut out, world, plan, only);
    for ((account, document), statements) in by_document(plan) {
        if only.is_some_and(|wanted| wanted != account) {
            continue;
        }
        let profile = format!("account-{account}");
        let body = document_json(world, plan, &account, &document, &statements);
        let text = compact(&body);
        let existing = exists(world, plan, &account, &document);
        let as_profile =
            |service: &'static str, operation: &'static str, profile: &str| -> Vec<String> {
                vec![
                    "aws".to_owned(),
                    service.to_owned(),
                    operation.to_owned(),
                    "--profile".to_owned(),
                    profile.to_owned(),
                ]
            };
        let base = |service: &'static str, operation: &'static str| -> Vec<String> {
            as_profile(service, operation, &profile)
        };
        let line = |mut words: Vec<String>, rest: &[&str]| -> String {
            words.extend(rest.iter().map(|word| (*word).to_owned()));
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            command(&refs)
        };
        let _ = writeln!(out);
        match &document {
            Document::Trust { role } => {
                let name = role_name(role);
                let update = line(
                    base("iam", "update-assume-role-policy"),
                    &["--role-name", name, "--policy-document", &text],
                );
                if creates_role(plan, role) {
                    let _ = writeln!(out, "# account {account}: the role {}, created when missing, with its trust policy whole", one_line(role));
                    let _ = writeln!(
                        out,
                        "if {} >/dev/null 2>&1; then\n  {update}\nelse\n  {}\nfi",
                        line(base("iam", "get-role"), &["--role-name", name]),
                        line(
                            base("iam", "create-role"),
                            &["--role-name", name, "--assume-role-policy-document", &text]
                        )
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "# account {account}: the trust policy of {}, whole",
                        one_line(role)
                    );
                    let _ = writeln!(out, "{update}");
                }
            }
            Document::RolePolicy { role, name } => {
                let _ = writeln!(
                    out,
                    "# account {account}: the inline policy {} of {}, whole",
                    one_line(name),
                    one_line(role)
                );
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        base("iam", "put-role-policy"),
                        &[
                            "--role-name",
                            role_name(role),
                            "--policy-name",
                            name,
                            "--policy-document",
                            &text
                        ]
                    )
                );
            }
            Document::BucketPolicy { bucket } => {
                let _ = writeln!(
                    out,
                    "# account {account}: the bucket policy of {}, whole{}",
                    one_line(bucket),
                    if existing {
                        " (the existing statements kept)"
                    } else {
                        ""
                    }
                );
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        base("s3api", "put-bucket-policy"),
                        &["--bucket", bucket, "--policy", &text]
                    )
                );
            }
            Document::AccessPoint { name, bucket } => {
                let _ = writeln!(
                    out,
                    "# account {account}: the access point {} of bucket {}, created when missing",
                    one_line(name),
                    one_line(bucket)
                );
                let _ = writeln!(
                    out,
                    "{} >/dev/null 2>&1 || {}",
                    line(
                        base("s3control", "get-access-point"),
                        &["--account-id", &account, "--name", name]
                    ),
                    line(
                        base("s3control", "create-access-point"),
                        &["--account-id", &account, "--name", name, "--bucket", bucket]
                    )
                );
            }
            Document::AccessPointPolicy { access_point } => {
                let _ = writeln!(
                    out,
                    "# account {account}: the policy of the access point {}, whole{}",
                    one_line(access_point),
                    if existing {
                        " (the existing statements kept)"
                    } else {
                        ""
                    }
                );
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        base("s3control", "put-access-point-policy"),
                        &[
                            "--account-id",
                            &account,
                            "--name",
                            access_point_name(access_point),
                            "--policy",
                            &text
                        ]
                    )
                );
            }
            Document::KeyPolicy { key } => {
                let _ = writeln!(out, "# account {account}: the key policy of {}, whole (the existing statements kept)", one_line(key));
                let words = match key_policy_writer(world, plan, key) {
                    KeyPolicyWriter::Administrator => base("kms", "put-key-policy"),
                    KeyPolicyWriter::Role(role) => {
                        let writer = role_profile(&account, &role);
                        let _ = writeln!(out, "# as {}, which the key policy allows to change it (KMS does not let the account's IAM policies decide), through the profile {}", one_line(&role), one_line(&writer));
                        as_profile("kms", "put-key-policy", &writer)
                    }
                    KeyPolicyWriter::Manual(reason) => {
                        let _ = writeln!(out, "# MANUAL STEP, not run: {}", one_line(&reason));
                        let _ = writeln!(out, "# the policy to put: {}", one_line(&text));
                        let _ = writeln!(
                            out,
                            "{}",
                            command(&[
                                "echo",
                                &format!("manual step: the key policy of {} must be replaced by a principal its key policy allows (see the comment above)", one_line(key)),
                            ])
                        );
                        continue;
                    }
                };
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        words,
                        &[
                            "--key-id",
                            key,
                            "--policy-name",
                            "default",
                            "--policy",
                            &text
                        ]
                    )
                );
            }
            Document::StreamPolicy { stream } => {
                let _ = writeln!(
                    out,
                    "# account {account}: the resource policy of {}, whole",
                    one_line(stream)
                );
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        base("kinesis", "put-resource-policy"),
                        &["--resource-arn", stream, "--policy", &text]
                    )
                );
            }
            Document::UnityCatalog { kind, name, .. } => {
                // The Databricks CLI, with the workspace's profile: not an AWS account.
                let _ = writeln!(
                    out,
                    "# in Databricks (a metastore admin's workspace profile): the {} {}",
                    one_line(&kind.replace('-', " ")),
                    one_line(name)
                );
                let group = format!("{kind}s");
                let _ = writeln!(
                    out,
                    "{}",
                    command(&["databricks", &group, "create", "--json", &text])
                );
            }
            Document::ClientSettings { compute, kind } => {
                let _ = writeln!(
                    out,
                    "# {}: set in its {}:",
                    one_line(compute),
                    one_line(kind)
                );
                let _ = writeln!(out, "# {}", one_line(&text));
            }
            Document::LakeGrants => {
                for (index, grant) in body.as_array().into_iter().flatten().enumerate() {
                    if index > 0 {
                        let _ = writeln!(out);
                    }
                    let _ = writeln!(out, "# account {account}: a Lake Formation grant (granting again changes nothing)");
                    let _ = writeln!(
                        out,
                        "{}",
                        line(
                            base("lakeformation", "grant-permissions"),
                            &["--cli-input-json", &compact(grant)]
                        )
                    );
                }
            }
            Document::LakeSettings { region } => {
                let _ = writeln!(
                    out,
                    "# account {account}: Lake Formation's application integration settings in {}, added to the settings there (put-data-lake-settings replaces them all)",
                    one_line(region)
                );
                let mut read = base("lakeformation", "get-data-lake-settings");
                let mut write = base("lakeformation", "put-data-lake-settings");
                for words in [&mut read, &mut write] {
                    words.extend(["--region".to_owned(), region.clone()]);
                    words.extend(["--catalog-id".to_owned(), account.clone()]);
                }
                let _ = writeln!(
                    out,
                    "{} > data-lake-settings.json",
                    line(read, &["--query", "DataLakeSettings", "--output", "json"])
                );
                let _ = writeln!(
                    out,
                    "{} > data-lake-settings.changed.json",
                    command(&[
                        "jq",
                        "--argjson",
                        "change",
                        &compact(&body),
                        xacct_lake::external::MERGE_SETTINGS,
                        "data-lake-settings.json",
                    ])
                );
                let _ = writeln!(
                    out,
                    "{}",
                    line(
                        write,
                        &[
                            "--data-lake-settings",
                            "file://data-lake-settings.changed.json"
                        ]
                    )
                );
            }
            Document::ResourceLink { name } => {
                let _ = writeln!(
                    out,
                    "# account {account}: the resource link {}, created when missing",
                    one_line(name)
                );
                let _ = writeln!(
                    out,
                    "{} >/dev/null 2>&1 || {}",
                    line(base("glue", "get-database"), &["--name", name]),
                    line(
                        base("glue", "create-database"),
                        &["--database-input", &text]
                    )
                );
            }
        }
    }
    out
}
