//! An AWS Glue job, from `aws glue get-job --job-name NAME` (`{"Job": {…}}`) or the bare job
//! object: its name, role and default arguments.

use crate::reader::{member, Reader};
use crate::values::role_arn;
use crate::{Layer, Located, Parsed};
use serde::Serialize;
use xacct_policy::json::Json;
use xacct_policy::{AccountId, Arn, Finding, Spanned};

/// A job's `Role`: Glue takes a role name or a role ARN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "kebab-case")]
pub enum RoleRef {
    Arn(Arn),
    /// A name (with an optional path, `service-role/NAME`) in the job's own account.
    Name(String),
}

/// A Glue job.
#[derive(Debug, Clone, Serialize)]
pub struct GlueJob {
    pub name: Spanned<String>,
    pub role: Located<RoleRef>,
    /// `DefaultArguments` (`--conf`, `--TempDir`, `--enable-glue-datacatalog`, …), as written.
    pub default_arguments: Vec<(Spanned<String>, Spanned<String>)>,
}

impl GlueJob {
    /// The job role's ARN. A role given by name is in the job's account, `account`; the
    /// partition is then `aws`.
    pub fn role_arn(&self, account: AccountId) -> Option<Arn> {
        match &self.role.value {
            RoleRef::Arn(arn) => Some(arn.clone()),
            RoleRef::Name(name) => format!("arn:aws:iam::{account}:role/{name}").parse().ok(),
        }
    }

    /// A default argument by name (`--conf`, …).
    pub fn argument(&self, name: &str) -> Option<&Spanned<String>> {
        self.default_arguments
            .iter()
            .rev()
            .find(|(key, _)| key.value == name)
            .map(|(_, value)| value)
    }
}

/// Reads a Glue job.
pub fn parse_glue_job(text: &str) -> Parsed<GlueJob> {
    let mut reader = Reader::default();
    let value = reader
        .parse(text)
        .and_then(|root| read_job(&mut reader, &root));
    Parsed {
        value,
        findings: reader.finish(),
    }
}

fn read_job(reader: &mut Reader, root: &Json) -> Option<GlueJob> {
    reader.object(root, "a Glue job (the output of `aws glue get-job`)")?;
    let job = member(root, "Job").unwrap_or(root);
    reader.object(job, "`Job`")?;
    let name = reader.required_string(job, "Name", "the job");
    let role = reader.required_string(job, "Role", "the job")?;
    let role_ref = if role.value.starts_with("arn:") {
        match role_arn(&role.value) {
            Ok(arn) => RoleRef::Arn(arn),
            Err(error) => {
                reader.push(
                    Finding::error("invalid-role-arn", role.span, error)
                        .with_help("`Role` takes a role name or `arn:aws:iam::ACCOUNT:role/NAME`"),
                );
                return None;
            }
        }
    } else {
        let valid = !role.value.is_empty()
            && !role.value.starts_with('/')
            && !role.value.ends_with('/')
            && role
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c));
        if !valid {
            reader.push(
                Finding::error(
                    "invalid-role-name",
                    role.span,
                    format!("`{}` is not a role name", role.value),
                )
                .with_help("role names use letters, digits and `_+=,.@-`; or write the role ARN"),
            );
            return None;
        }
        RoleRef::Name(role.value.clone())
    };
    let default_arguments = reader
        .optional_object(job, "DefaultArguments", "`DefaultArguments`")
        .map(|members| {
            members
                .iter()
                .filter_map(|entry| {
                    let value =
                        reader.scalar(&entry.value, &format!("argument `{}`", entry.name))?;
                    Some((Spanned::new(entry.name.clone(), entry.name_span), value))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(GlueJob {
        name: name?,
        role: Located::new(role_ref, role.span, Layer::Compute),
        default_arguments,
    })
}
