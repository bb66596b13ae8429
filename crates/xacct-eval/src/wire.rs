//! The REQUEST.json contract of `xacct eval`: one JSON object describing a request and the
//! policies that apply to it. Every problem is reported with its place in the file; nothing
//! is guessed or dropped.

use crate::assumed::{requested_region, RequestTime};
use crate::caller::Caller;
use crate::context::{Context, ContextValue};
use crate::request::{PolicySet, Request, SourcedPolicy};
use std::sync::Arc;
use xacct_policy::json::{self, Json, Member};
use xacct_policy::{
    read_policy, ActionName, Arn, Finding, PolicyKind, Severity, SourceFile, SourcedFinding, Span,
};

/// Loads policy files named by `{"file": "path"}`.
pub trait PolicyFiles {
    /// Returns the file, or a message saying why it cannot be read.
    fn load(&self, path: &str) -> Result<Arc<SourceFile>, String>;
}

/// For requests that must be self-contained.
pub struct NoFiles;

impl PolicyFiles for NoFiles {
    fn load(&self, path: &str) -> Result<Arc<SourceFile>, String> {
        Err(format!(
            "`{path}` cannot be read here: policy files are not available"
        ))
    }
}

/// The outcome of reading a request file: the request when it has no errors, and every finding.
pub struct ReadRequest {
    pub request: Option<Request>,
    pub findings: Vec<SourcedFinding>,
}

const FIELDS: [&str; 15] = [
    "principal",
    "roleArn",
    "action",
    "resource",
    "resourceAccount",
    "context",
    "identityPolicies",
    "resourcePolicy",
    "kmsGrants",
    "permissionBoundary",
    "sessionPolicy",
    "scps",
    "rcps",
    "principalIsManagementAccount",
    "principalIsServiceLinkedRole",
];

struct Reader<'a> {
    source: &'a Arc<SourceFile>,
    files: &'a dyn PolicyFiles,
    findings: Vec<SourcedFinding>,
}

impl Reader<'_> {
    fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.findings
            .push(Finding::error(code, span, message).in_source(self.source));
        let last = self.findings.len() - 1;
        // The element was pushed just above.
        #[expect(
            clippy::indexing_slicing,
            reason = "index of the element pushed on the line above"
        )]
        &mut self.findings[last].finding
    }

    fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.finding.severity == Severity::Error)
    }

    fn string<'j>(&mut self, value: &'j Json, field: &str) -> Option<&'j str> {
        match value {
            Json::String { value, .. } => Some(value),
            other => {
                self.error(
                    "invalid-type",
                    other.span(),
                    format!("`{field}` must be a string, found {}", other.kind_name()),
                );
                None
            }
        }
    }

    fn bool(&mut self, value: &Json, field: &str) -> bool {
        match value {
            Json::Bool { value, .. } => *value,
            other => {
                self.error(
                    "invalid-type",
                    other.span(),
                    format!(
                        "`{field}` must be true or false, found {}",
                        other.kind_name()
                    ),
                );
                false
            }
        }
    }

    /// A policy written inline, or `{"file": "path"}`.
    fn policy(&mut self, value: &Json, kind: PolicyKind, label: String) -> Option<SourcedPolicy> {
        if let Some(
            [Member {
                name, value: path, ..
            }],
        ) = value.members()
        {
            if name == "file" {
                let path = self.string(path, "file")?.to_owned();
                return match self.files.load(&path) {
                    Ok(file) => self.policy_text(file, kind, label),
                    Err(message) => {
                        self.error("unreadable-policy-file", value.span(), message);
                        None
                    }
                };
            }
        }
        if !matches!(value, Json::Object { .. }) {
            self.error(
                "invalid-type",
                value.span(),
                format!(
                    "`{label}` must be a policy object or {{\"file\": \"path\"}}, found {}",
                    value.kind_name()
                ),
            );
            return None;
        }
        let parsed = read_policy(value, kind);
        for finding in &parsed.findings {
            self.findings.push(finding.in_source(self.source));
        }
        (!parsed.has_errors())
            .then(|| SourcedPolicy::new(parsed.policy, label).with_source(Arc::clone(self.source)))
    }

    fn policy_text(
        &mut self,
        file: Arc<SourceFile>,
        kind: PolicyKind,
        label: String,
    ) -> Option<SourcedPolicy> {
        let parsed = xacct_policy::parse_policy(file.text(), kind);
        for finding in &parsed.findings {
            self.findings.push(finding.in_source(&file));
        }
        (!parsed.has_errors()).then(|| SourcedPolicy::new(parsed.policy, label).with_source(file))
    }

    fn optional_policy(
        &mut self,
        value: Option<&Json>,
        kind: PolicyKind,
        field: &str,
    ) -> Option<SourcedPolicy> {
        match value {
            None | Some(Json::Null { .. }) => None,
            Some(value) => self.policy(value, kind, field.to_owned()),
        }
    }

    fn policy_list(
        &mut self,
        value: Option<&Json>,
        kind: PolicyKind,
        field: &str,
    ) -> Vec<SourcedPolicy> {
        match value {
            None | Some(Json::Null { .. }) => Vec::new(),
            Some(Json::Array { items, .. }) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| self.policy(item, kind, format!("{field}[{index}]")))
                .collect(),
            Some(other) => {
                self.error(
                    "invalid-type",
                    other.span(),
                    format!(
                        "`{field}` must be an array of policies, found {}",
                        other.kind_name()
                    ),
                );
                Vec::new()
            }
        }
    }

    fn levels(
        &mut self,
        value: Option<&Json>,
        kind: PolicyKind,
        field: &str,
    ) -> Vec<Vec<SourcedPolicy>> {
        match value {
            None | Some(Json::Null { .. }) => Vec::new(),
            Some(Json::Array { items, .. }) => items
                .iter()
                .enumerate()
                .map(|(level, item)| match item {
                    Json::Array { items, .. } => items
                        .iter()
                        .enumerate()
                        .filter_map(|(index, policy)| {
                            self.policy(policy, kind, format!("{field}[{level}][{index}]"))
                        })
                        .collect(),
                    other => {
                        self.error(
                            "invalid-type",
                            other.span(),
                            format!("`{field}[{level}]` must be an array: the policies attached at one organization level"),
                        )
                        .help = Some(format!("write `{field}` as [[root policies], [OU policies], [account policies]]"));
                        Vec::new()
                    }
                })
                .collect(),
            Some(other) => {
                self.error(
                    "invalid-type",
                    other.span(),
                    format!("`{field}` must be an array of levels, each an array of policies, found {}", other.kind_name()),
                );
                Vec::new()
            }
        }
    }

    fn context(&mut self, value: Option<&Json>) -> Context {
        let mut context = Context::new();
        let Some(value) = value else { return context };
        let Some(members) = value.members() else {
            if !matches!(value, Json::Null { .. }) {
                self.error(
                    "invalid-type",
                    value.span(),
                    format!(
                        "`context` must be an object of condition keys, found {}",
                        value.kind_name()
                    ),
                );
            }
            return context;
        };
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for member in members {
            let lowercase = member.name.to_ascii_lowercase();
            if seen.contains(&lowercase) {
                self.error(
                    "duplicate-key",
                    member.name_span,
                    format!(
                        "context key `{}` is given twice (keys are case-insensitive)",
                        member.name
                    ),
                );
                continue;
            }
            seen.insert(lowercase);
            let scalar = |json: &Json| json.as_scalar_text();
            let parsed = match &member.value {
                Json::Array { items, .. } => items
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<_>>>()
                    .map(ContextValue::Multi),
                other => scalar(other).map(ContextValue::Single),
            };
            let Some(parsed) = parsed else {
                self.error(
                    "invalid-context-value",
                    member.value.span(),
                    format!(
                        "context key `{}` must be a string, number, boolean or array of strings",
                        member.name
                    ),
                );
                continue;
            };
            if let Err(error) = context.insert(&member.name, parsed) {
                self.error(
                    "invalid-context-value",
                    member.value.span(),
                    error.to_string(),
                );
            }
        }
        context
    }
}

/// Reads a REQUEST.json document, made now by the system clock.
pub fn read_request(source: &Arc<SourceFile>, files: &dyn PolicyFiles) -> ReadRequest {
    read_request_at(source, files, RequestTime::now())
}

/// Reads a REQUEST.json document made at `time` (`xacct eval --at`): `aws:CurrentTime`,
/// `aws:EpochTime`, `aws:RequestedRegion` and the other keys AWS always sends are filled
/// unless the request's `context` gives them.
pub fn read_request_at(
    source: &Arc<SourceFile>,
    files: &dyn PolicyFiles,
    time: RequestTime,
) -> ReadRequest {
    let mut reader = Reader {
        source,
        files,
        findings: Vec::new(),
    };
    let request = match json::parse(source.text()) {
        Ok(value) => read(&mut reader, &value, time),
        Err(error) => {
            reader.error("invalid-json", error.span, error.message);
            None
        }
    };
    let request = if reader.has_errors() { None } else { request };
    ReadRequest {
        request,
        findings: reader.findings,
    }
}

fn read(reader: &mut Reader<'_>, value: &Json, time: RequestTime) -> Option<Request> {
    let Some(members) = value.members() else {
        reader.error(
            "not-an-object",
            value.span(),
            format!(
                "a request must be a JSON object, found {}",
                value.kind_name()
            ),
        );
        return None;
    };
    let mut fields: Vec<(&str, &Member)> = Vec::new();
    for member in members {
        if fields.iter().any(|(name, _)| *name == member.name) {
            reader.error(
                "duplicate-key",
                member.name_span,
                format!("`{}` is given twice", member.name),
            );
            continue;
        }
        if !FIELDS.contains(&member.name.as_str()) {
            let suggestion = FIELDS
                .iter()
                .find(|field| field.eq_ignore_ascii_case(&member.name))
                .map(|field| format!("did you mean `{field}`?"))
                .unwrap_or_else(|| format!("known fields: {}", FIELDS.join(", ")));
            reader
                .error(
                    "unknown-field",
                    member.name_span,
                    format!("unknown field `{}` in the request", member.name),
                )
                .help = Some(suggestion);
            continue;
        }
        fields.push((member.name.as_str(), member));
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, member)| &member.value)
    };
    let whole = Span::new(value.span().start, value.span().start + 1);

    let required = |reader: &mut Reader<'_>, name: &str, example: &str| -> Option<(String, Span)> {
        match get(name) {
            Some(value) => reader
                .string(value, name)
                .map(|text| (text.to_owned(), value.span())),
            None => {
                reader
                    .error(
                        "missing-field",
                        whole,
                        format!("the request has no `{name}`"),
                    )
                    .help = Some(format!("add \"{name}\": \"{example}\""));
                None
            }
        }
    };
    let principal = required(
        reader,
        "principal",
        "arn:aws:iam::111111111111:role/MyRoleA",
    );
    let action = required(reader, "action", "s3:GetObject");
    let resource = required(reader, "resource", "arn:aws:s3:::bucket/key");

    let principal_span = principal.as_ref().map(|(_, span)| *span);
    let caller = principal.and_then(|(text, span)| match Caller::parse(&text) {
        Ok(caller) => Some(caller),
        Err(error) => {
            reader.error("invalid-principal", span, error.to_string());
            None
        }
    });
    let caller = match (caller, get("roleArn")) {
        (Some(caller), Some(value)) if !matches!(value, Json::Null { .. }) => reader
            .string(value, "roleArn")
            .map(str::to_owned)
            .and_then(|text| match caller.with_role_arn(&text) {
                Ok(caller) => Some(caller),
                Err(error) => {
                    reader.error("invalid-role-arn", value.span(), error.to_string());
                    None
                }
            }),
        (caller, _) => caller,
    };
    let action = action.and_then(|(text, span)| match text.parse::<ActionName>() {
        Ok(action) => Some(action),
        Err(error) => {
            reader.error("invalid-action", span, error.to_string());
            None
        }
    });
    let resource_span = resource.as_ref().map(|(_, span)| *span).unwrap_or(whole);
    let resource = resource.and_then(|(text, span)| match text.parse::<Arn>() {
        Ok(arn) => Some(arn),
        Err(error) => {
            reader
                .error("invalid-resource", span, error.to_string())
                .help = Some(
                "a request names one concrete ARN, such as `arn:aws:s3:::bucket/key`".to_owned(),
            );
            None
        }
    });
    let resource_account = match get("resourceAccount") {
        None | Some(Json::Null { .. }) => None,
        Some(value) => {
            reader
                .string(value, "resourceAccount")
                .and_then(|text| match text.parse() {
                    Ok(account) => Some(account),
                    Err(error) => {
                        reader.error("invalid-account", value.span(), format!("{error}"));
                        None
                    }
                })
        }
    };
    let context = reader.context(get("context"));
    let policies = PolicySet {
        identity: reader.policy_list(
            get("identityPolicies"),
            // Inline or managed is not said: read them as inline, which stores a legacy
            // `Version` (a managed policy cannot have one, so nothing is lost).
            PolicyKind::Inline,
            "identityPolicies",
        ),
        resource: reader.optional_policy(
            get("resourcePolicy"),
            resource_kind(action.as_ref(), resource.as_ref()),
            "resourcePolicy",
        ),
        grants: reader.policy_list(get("kmsGrants"), PolicyKind::Resource, "kmsGrants"),
        permission_boundary: reader.optional_policy(
            get("permissionBoundary"),
            PolicyKind::Boundary,
            "permissionBoundary",
        ),
        session: reader.optional_policy(get("sessionPolicy"), PolicyKind::Session, "sessionPolicy"),
        scps: reader.levels(get("scps"), PolicyKind::Scp, "scps"),
        rcps: reader.levels(get("rcps"), PolicyKind::Rcp, "rcps"),
    };
    let management = get("principalIsManagementAccount")
        .is_some_and(|value| reader.bool(value, "principalIsManagementAccount"));
    let service_linked = get("principalIsServiceLinkedRole")
        .is_some_and(|value| reader.bool(value, "principalIsServiceLinkedRole"));

    let (caller, action, resource) = (caller?, action?, resource?);
    match Request::new(
        caller,
        action,
        resource,
        resource_account,
        context,
        policies,
    ) {
        Ok(mut request) => {
            request.principal_is_management_account = management;
            request.principal_is_service_linked_role = service_linked;
            let region = requested_region(&request.action, &request.resource);
            request.assumptions = request.context.fill_always_present(time, &region);
            if get("roleArn").is_none() {
                if let (Some(span), Some(warning)) = (principal_span, role_path_warning(&request)) {
                    reader.findings.push(
                        Finding::warning("role-path-unknown", span, warning.0)
                            .with_help(warning.1)
                            .in_source(reader.source),
                    );
                }
            }
            Some(request)
        }
        Err(error) => {
            let span = match get("resourceAccount") {
                Some(value) => value.span(),
                None => resource_span,
            };
            reader.error("invalid-request", span, error.to_string());
            None
        }
    }
}

/// An assumed-role ARN does not show the role's path, so `aws:PrincipalArn` built from it
/// lacks one: warn when a policy of the request tests that key (a condition on it, or
/// `${aws:PrincipalArn}` in a Resource or condition value) and the user did not give the
/// role's ARN. Returns the message and the help.
fn role_path_warning(request: &Request) -> Option<(String, String)> {
    let Caller::RoleSession {
        session_name: Some(_),
        role_arn,
        ..
    } = &request.caller
    else {
        return None;
    };
    let given = request
        .context
        .entry("aws:principalarn")
        .is_some_and(|entry| !entry.derived);
    let policies = &request.policies;
    let names_variable = |text: &str| text.to_ascii_lowercase().contains("${aws:principalarn");
    let tests_principal_arn = policies
        .every()
        .flat_map(|policy| &policy.policy.statements)
        .any(|statement| {
            statement.conditions.iter().any(|condition| {
                condition.key_lowercase == "aws:principalarn"
                    || condition
                        .values
                        .iter()
                        .any(|value| names_variable(&value.text))
            }) || statement
                .resource
                .as_ref()
                .is_some_and(|clause| clause.texts.iter().any(|text| names_variable(text)))
        });
    (tests_principal_arn && !given).then(|| {
        (
            format!("aws:PrincipalArn is taken to be `{role_arn}`: an assumed-role ARN does not show the role's path, so a role under a path (`role/restricted/NAME`) would be compared wrongly"),
            "give the role's ARN with its path as \"roleArn\", e.g. \"arn:aws:iam::111111111111:role/restricted/NAME\"".to_owned(),
        )
    })
}

/// A role's trust policy is read with the trust-policy rules (no Resource element).
fn resource_kind(action: Option<&ActionName>, resource: Option<&Arn>) -> PolicyKind {
    let is_role =
        resource.is_some_and(|arn| arn.service() == "iam" && arn.resource().starts_with("role/"));
    let is_sts = action.is_some_and(|action| action.service() == "sts");
    if is_role && is_sts {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        let source = SourceFile::new("request.json", text.to_owned());
        let read = read_request(&source, &NoFiles);
        assert!(read.request.is_some(), "{:?}", read.findings);
        read.findings
            .iter()
            .map(|finding| finding.finding.code)
            .collect()
    }

    fn request(principal_fields: &str, statement: &str) -> String {
        format!(
            r#"{{{principal_fields}, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
            "resourceAccount": "111111111111",
            "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{statement}]}}]}}"#
        )
    }

    const SESSION: &str = r#""principal": "arn:aws:sts::111111111111:assumed-role/Analyst/s""#;

    #[test]
    fn a_possibly_missing_role_path_is_warned_only_where_a_policy_reads_it() {
        let condition = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/restricted/*"}}}"#;
        let variable = r#"{"Effect": "Allow", "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/${aws:PrincipalArn}/*"}"#;
        let neither = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#;
        assert_eq!(codes(&request(SESSION, condition)), ["role-path-unknown"]);
        assert_eq!(codes(&request(SESSION, variable)), ["role-path-unknown"]);
        assert!(codes(&request(SESSION, neither)).is_empty());
        let with_role =
            format!(r#"{SESSION}, "roleArn": "arn:aws:iam::111111111111:role/restricted/Analyst""#);
        assert!(codes(&request(&with_role, condition)).is_empty());
        // A role ARN as the principal carries its own path.
        let role = r#""principal": "arn:aws:iam::111111111111:role/restricted/Analyst""#;
        assert!(codes(&request(role, condition)).is_empty());
    }

    #[test]
    fn role_arn_must_name_the_sessions_own_role() {
        let text = request(
            &format!(r#"{SESSION}, "roleArn": "arn:aws:iam::111111111111:role/Other""#),
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#,
        );
        let source = SourceFile::new("request.json", text);
        let read = read_request(&source, &NoFiles);
        assert!(read.request.is_none());
        assert!(read
            .findings
            .iter()
            .any(|finding| finding.finding.code == "invalid-role-arn"));
    }
}
