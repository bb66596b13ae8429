//! From strict JSON to a typed [`Policy`], collecting every finding rather than stopping at
//! the first.

use crate::action::ActionPattern;
use crate::arn::{check_resource_arn, ArnMatching, ArnPattern};
use crate::condition::{
    compile_value, edit_distance, parse_legacy_date, Condition, ConditionValue, Operator, Value,
};
use crate::document::{
    ActionClause, Effect, Policy, PolicyKind, PolicyVersion, PrincipalClause, ResourceClause,
    Statement,
};
use crate::finding::{Finding, Severity};
use crate::json::{self, Json, Member};
use crate::principal::{InvalidPrincipal, PrincipalEntry};
use crate::span::{Span, Spanned};
/// The small per-statement maps of a read, with a fast hasher: SipHash was a visible part of
/// reading the policies of a large organization.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A policy and everything found wrong with it.
#[derive(Debug, Clone)]
pub struct ParsedPolicy {
    pub policy: Policy,
    pub findings: Vec<Finding>,
}

impl ParsedPolicy {
    /// True when AWS would refuse the document, so it must not be evaluated.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    }
}

/// Reads a policy from its text.
pub fn parse_policy(text: &str, kind: PolicyKind) -> ParsedPolicy {
    match json::parse(text) {
        Ok(value) => read_policy(&value, kind),
        Err(error) => ParsedPolicy {
            policy: empty_policy(kind, error.span),
            findings: vec![Finding::error("invalid-json", error.span, error.message)],
        },
    }
}

fn empty_policy(kind: PolicyKind, span: Span) -> Policy {
    Policy {
        kind,
        version: PolicyVersion::Absent,
        id: None,
        statements: Vec::new(),
        span,
    }
}

/// Reads a policy from an already parsed JSON value (for policies embedded in other files,
/// whose spans then point into that file).
pub fn read_policy(value: &Json, kind: PolicyKind) -> ParsedPolicy {
    let mut reader = Reader {
        kind,
        version: PolicyVersion::Absent,
        findings: Vec::new(),
        sids: Vec::new(),
    };
    let mut policy = reader.policy(value);
    compact(&mut policy);
    let mut findings = reader.findings;
    findings.sort_by_key(|finding| (finding.span.start, finding.span.end));
    ParsedPolicy { policy, findings }
}

/// Gives back the room the reader's vectors grew into: a vector that is pushed to starts with
/// room for four, so a one-statement policy held four statements' worth (1,120 bytes) and a
/// one-principal trust four principals' (416). A loaded world keeps its policies for its whole
/// life, and at 100,000 roles the spare room was a third of the policies' memory.
fn compact(policy: &mut Policy) {
    policy.statements.shrink_to_fit();
    for statement in &mut policy.statements {
        if let Some(principal) = &mut statement.principal {
            principal.entries.shrink_to_fit();
        }
        statement.action.patterns.shrink_to_fit();
        if let Some(resource) = &mut statement.resource {
            resource.patterns.shrink_to_fit();
            resource.texts.shrink_to_fit();
        }
        statement.conditions.shrink_to_fit();
        for condition in &mut statement.conditions {
            condition.values.shrink_to_fit();
        }
    }
}

const POLICY_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_KEYS: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

struct Reader {
    kind: PolicyKind,
    version: PolicyVersion,
    findings: Vec<Finding>,
    /// Every `Sid`, including those of statements dropped for errors, so that duplicates are
    /// reported even then.
    sids: Vec<Spanned<String>>,
}

/// Finds the closest known name, for "did you mean" help.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .copied()
        .map(|candidate| {
            (
                edit_distance(&name.to_ascii_lowercase(), &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

impl Reader {
    fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Members of an object by name, reporting duplicates and unknown names.
    fn members<'a>(
        &mut self,
        members: &'a [Member],
        known: &[&str],
        what: &str,
    ) -> HashMap<&'a str, &'a Member> {
        let mut by_name: HashMap<&str, &Member> = HashMap::default();
        for member in members {
            // Reported once for every object by `check_duplicates_deep`.
            if by_name.contains_key(member.name.as_str()) {
                continue;
            }
            if !known.is_empty() && !known.contains(&member.name.as_str()) {
                let mut finding = Finding::error(
                    "unknown-element",
                    member.name_span,
                    format!("unknown element `{}` in a {what}", member.name),
                );
                finding = match closest(&member.name, known) {
                    Some(suggestion) => finding.with_help(format!(
                        "element names are case-sensitive: did you mean `{suggestion}`?"
                    )),
                    None => finding.with_help(format!("allowed here: {}", known.join(", "))),
                };
                self.push(finding);
                continue;
            }
            by_name.insert(member.name.as_str(), member);
        }
        by_name
    }

    fn policy(&mut self, value: &Json) -> Policy {
        let span = value.span();
        let Some(members) = value.members() else {
            self.push(Finding::error(
                "not-an-object",
                span,
                format!(
                    "a policy must be a JSON object, found {}",
                    value.kind_name()
                ),
            ));
            return empty_policy(self.kind, span);
        };
        // Duplicates are checked for every object, known names or not.
        self.check_duplicates_deep(value);
        let elements = self.members(members, &POLICY_ELEMENTS, "policy");
        self.version = match elements.get("Version").map(|member| &member.value) {
            None if self.kind.needs_current_version() => {
                self.push(
                    Finding::error(
                        "legacy-version",
                        Span::new(span.start, span.start + 1),
                        format!("no `Version`: IAM refuses {} as a managed policy without \"Version\": \"2012-10-17\" (CreatePolicy: \"Policy document must be version 2012-10-17 or greater\")", self.kind.described()),
                    )
                    .with_help("add \"Version\": \"2012-10-17\"; an inline policy (`--kind inline`) may omit it"),
                );
                PolicyVersion::Absent
            }
            Some(Json::String { value, span })
                if value == "2008-10-17" && self.kind.needs_current_version() =>
            {
                self.push(
                    Finding::error(
                        "legacy-version",
                        *span,
                        format!("IAM refuses {} of version 2008-10-17 as a managed policy (CreatePolicy: \"Policy document must be version 2012-10-17 or greater\")", self.kind.described()),
                    )
                    .with_help("use \"Version\": \"2012-10-17\"; an inline policy (`--kind inline`) may keep the old version"),
                );
                PolicyVersion::Legacy
            }
            None => {
                self.push(
                    Finding::warning(
                        "missing-version",
                        Span::new(span.start, span.start + 1),
                        "no `Version`: AWS reads this policy as version 2008-10-17, where policy variables are literal text",
                    )
                    .with_help("add \"Version\": \"2012-10-17\""),
                );
                PolicyVersion::Absent
            }
            Some(Json::String { value, .. }) if value == "2012-10-17" => PolicyVersion::Current,
            Some(Json::String { value, .. }) if value == "2008-10-17" => PolicyVersion::Legacy,
            Some(other) => {
                self.push(
                    Finding::error(
                        "invalid-version",
                        other.span(),
                        format!(
                            "`Version` must be \"2012-10-17\" or \"2008-10-17\", found {}",
                            describe(other)
                        ),
                    )
                    .with_help("\"Version\" is the policy language date, not your document's version: use \"2012-10-17\""),
                );
                PolicyVersion::Current
            }
        };
        let id = elements.get("Id").and_then(|member| {
            if matches!(self.kind, PolicyKind::Identity | PolicyKind::Inline) {
                self.push(Finding::warning(
                    "id-in-identity-policy",
                    member.name_span,
                    "`Id` is meant for resource-based policies; IAM ignores or rejects it in identity policies",
                ));
            }
            self.string(&member.value, "Id")
        });
        let mut statements = Vec::new();
        match elements.get("Statement").map(|member| &member.value) {
            None => self.push(Finding::error(
                "missing-statement",
                Span::new(span.start, span.start + 1),
                "a policy needs a `Statement` element",
            )),
            Some(Json::Array { items, span }) => {
                if items.is_empty() {
                    // CreatePolicy refuses a managed policy with no statement ("Syntax errors
                    // in policy"). A boundary read from a request is decided all the same (it
                    // allows nothing), like the kinds for which no refusal is known.
                    let finding = if self.kind == PolicyKind::Identity {
                        Finding::error(
                            "empty-statement",
                            *span,
                            format!(
                                "`Statement` is empty: IAM refuses {} with no statement",
                                self.kind.described()
                            ),
                        )
                    } else {
                        Finding::warning(
                            "empty-statement",
                            *span,
                            "`Statement` is empty: this policy grants and denies nothing",
                        )
                    };
                    self.push(finding);
                }
                for item in items {
                    let index = statements.len();
                    if let Some(statement) = self.statement(item, index) {
                        statements.push(statement);
                    }
                }
            }
            Some(object @ Json::Object { .. }) => {
                if let Some(statement) = self.statement(object, 0) {
                    statements.push(statement);
                }
            }
            Some(other) => self.push(Finding::error(
                "invalid-statement",
                other.span(),
                format!(
                    "`Statement` must be an object or an array of objects, found {}",
                    other.kind_name()
                ),
            )),
        }
        self.check_sids();
        Policy {
            kind: self.kind,
            version: self.version,
            id,
            statements,
            span,
        }
    }

    fn check_duplicates_deep(&mut self, value: &Json) {
        match value {
            Json::Object { members, .. } => {
                // Known-name objects report duplicates in `members`; this catches nested ones
                // (Principal, Condition blocks) too, once per object.
                let mut seen: HashMap<&str, Span> = HashMap::default();
                for member in members {
                    if seen.insert(&member.name, member.name_span).is_some() {
                        self.push(
                            Finding::error(
                                "duplicate-key",
                                member.name_span,
                                format!("`{}` appears twice in the same object", member.name),
                            )
                            .with_help("AWS rejects a document with a repeated key instead of keeping the last value: merge the two"),
                        );
                    }
                    self.check_duplicates_deep(&member.value);
                }
            }
            Json::Array { items, .. } => {
                for item in items {
                    self.check_duplicates_deep(item);
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, value: &Json, element: &str) -> Option<Spanned<String>> {
        match value {
            Json::String { value, span } => Some(Spanned::new(value.clone(), *span)),
            other => {
                self.push(Finding::error(
                    "invalid-type",
                    other.span(),
                    format!("`{element}` must be a string, found {}", other.kind_name()),
                ));
                None
            }
        }
    }

    /// A string or a non-empty array of strings.
    fn string_list(&mut self, value: &Json, element: &str) -> Option<Vec<Spanned<String>>> {
        match value {
            Json::String { value, span } => Some(vec![Spanned::new(value.clone(), *span)]),
            Json::Array { items, span } => {
                if items.is_empty() {
                    self.push(Finding::error(
                        "empty-list",
                        *span,
                        format!("`{element}` is an empty list: it would match nothing"),
                    ));
                    return None;
                }
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match item {
                        Json::String { value, span } => {
                            out.push(Spanned::new(value.clone(), *span))
                        }
                        other => {
                            ok = false;
                            self.push(Finding::error(
                                "invalid-type",
                                other.span(),
                                format!(
                                    "values of `{element}` must be strings, found {}",
                                    other.kind_name()
                                ),
                            ));
                        }
                    }
                }
                ok.then_some(out)
            }
            other => {
                self.push(Finding::error(
                    "invalid-type",
                    other.span(),
                    format!(
                        "`{element}` must be a string or an array of strings, found {}",
                        other.kind_name()
                    ),
                ));
                None
            }
        }
    }

    fn statement(&mut self, value: &Json, index: usize) -> Option<Statement> {
        let span = value.span();
        let Some(members) = value.members() else {
            self.push(Finding::error(
                "invalid-statement",
                span,
                format!(
                    "a statement must be a JSON object, found {}",
                    value.kind_name()
                ),
            ));
            return None;
        };
        let errors_before = self.error_count();
        let elements = self.members(members, &STATEMENT_ELEMENTS, "statement");
        let start = Span::new(span.start, span.start + 1);

        let sid = elements
            .get("Sid")
            .and_then(|member| self.string(&member.value, "Sid"));
        if let Some(sid) = &sid {
            self.sids.push(sid.clone());
        }

        let (effect, effect_span) = match elements.get("Effect").map(|member| &member.value) {
            Some(Json::String { value, span }) if value == "Allow" => (Some(Effect::Allow), *span),
            Some(Json::String { value, span }) if value == "Deny" => (Some(Effect::Deny), *span),
            Some(Json::String { value, span }) => {
                let mut finding = Finding::error(
                    "invalid-effect",
                    *span,
                    format!("`Effect` must be exactly \"Allow\" or \"Deny\", found \"{value}\""),
                );
                if value.eq_ignore_ascii_case("allow") || value.eq_ignore_ascii_case("deny") {
                    let fixed = if value.eq_ignore_ascii_case("allow") {
                        "Allow"
                    } else {
                        "Deny"
                    };
                    finding =
                        finding.with_help(format!("`Effect` is case-sensitive: write \"{fixed}\""));
                }
                self.push(finding);
                (None, *span)
            }
            Some(other) => {
                self.push(Finding::error(
                    "invalid-effect",
                    other.span(),
                    format!(
                        "`Effect` must be the string \"Allow\" or \"Deny\", found {}",
                        other.kind_name()
                    ),
                ));
                (None, other.span())
            }
            None => {
                self.push(
                    Finding::error("missing-effect", start, "statement has no `Effect`")
                        .with_help("add \"Effect\": \"Allow\" or \"Effect\": \"Deny\""),
                );
                (None, start)
            }
        };

        let principal = self.principal_clause(&elements, effect, start);
        let action = self.action_clause(&elements, start);
        let resource = self.resource_clause(&elements, start, action.as_ref());
        let conditions = elements
            .get("Condition")
            .map(|member| self.conditions(&member.value))
            .unwrap_or_default();

        if self.error_count() > errors_before {
            return None;
        }
        Some(Statement {
            index,
            sid,
            effect: effect?,
            effect_span,
            principal,
            action: action?,
            resource,
            conditions,
            span,
        })
    }

    fn error_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .count()
    }

    fn principal_clause(
        &mut self,
        elements: &HashMap<&str, &Member>,
        effect: Option<Effect>,
        start: Span,
    ) -> Option<PrincipalClause> {
        let principal = elements.get("Principal");
        let not_principal = elements.get("NotPrincipal");
        if let (Some(_), Some(second)) = (principal, not_principal) {
            self.push(Finding::error(
                "principal-and-not-principal",
                second.name_span,
                "a statement may have `Principal` or `NotPrincipal`, not both",
            ));
            return None;
        }
        let (member, negated) = match (principal, not_principal) {
            (Some(member), None) => (*member, false),
            (None, Some(member)) => (*member, true),
            _ => {
                if self.kind.names_principals() {
                    self.push(
                        Finding::error(
                            "missing-principal",
                            start,
                            format!("a statement of {} must name a `Principal`", self.kind.described()),
                        )
                        .with_help("add \"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:role/NAME\"}, or \"*\" with conditions"),
                    );
                }
                return None;
            }
        };
        let element = if negated { "NotPrincipal" } else { "Principal" };
        if !self.kind.names_principals() {
            self.push(
                Finding::error(
                    "principal-not-allowed",
                    member.name_span,
                    format!("`{element}` is not allowed in {}", self.kind.described()),
                )
                .with_help(match self.kind {
                    PolicyKind::Identity
                    | PolicyKind::Inline
                    | PolicyKind::Boundary
                    | PolicyKind::Session => {
                        "the principal of an identity-based policy is whoever it is attached to: remove the element"
                    }
                    _ => "remove the element",
                }),
            );
            return None;
        }
        if negated {
            if effect == Some(Effect::Allow) {
                self.push(
                    Finding::error(
                        "not-principal-with-allow",
                        member.name_span,
                        "`NotPrincipal` with \"Effect\": \"Allow\" is not supported by AWS",
                    )
                    .with_help("name the principals to allow in `Principal` instead"),
                );
            }
            if matches!(self.kind, PolicyKind::Trust | PolicyKind::Rcp) {
                self.push(Finding::error(
                    "not-principal-not-allowed",
                    member.name_span,
                    format!("`NotPrincipal` is not allowed in {}", self.kind.described()),
                ).with_help("use \"Principal\": \"*\" with an `ArnNotLike` condition on `aws:PrincipalArn`"));
            } else {
                self.push(Finding::warning(
                    "not-principal",
                    member.name_span,
                    "`NotPrincipal` matches literal ARNs: a role's sessions are not exempted by the role ARN, and principals with a permissions boundary are always denied",
                ).with_help("AWS recommends \"Principal\": \"*\" with `ArnNotEquals`/`ArnNotLike` on `aws:PrincipalArn`"));
            }
        }
        let entries = self.principal_entries(&member.value, element)?;
        if self.kind == PolicyKind::Rcp
            && !entries
                .iter()
                .all(|entry| entry.value == PrincipalEntry::Everyone)
        {
            self.push(
                Finding::error(
                    "rcp-principal",
                    member.value.span(),
                    "a resource control policy must use \"Principal\": \"*\"",
                )
                .with_help("narrow the principals with conditions such as `aws:PrincipalOrgID`"),
            );
        }
        Some(PrincipalClause {
            negated,
            entries,
            span: member.value.span(),
        })
    }

    fn principal_entries(
        &mut self,
        value: &Json,
        element: &str,
    ) -> Option<Vec<Spanned<PrincipalEntry>>> {
        match value {
            Json::String { value: text, span } if text == "*" => {
                Some(vec![Spanned::new(PrincipalEntry::Everyone, *span)])
            }
            Json::Object { members, .. } => {
                let keys = self.members(members, &PRINCIPAL_KEYS, element);
                if keys.is_empty() {
                    self.push(Finding::error(
                        "empty-principal",
                        value.span(),
                        format!("`{element}` names no principal"),
                    ));
                    return None;
                }
                let mut entries = Vec::new();
                let mut ok = true;
                for key in PRINCIPAL_KEYS {
                    let Some(member) = keys.get(key) else {
                        continue;
                    };
                    let Some(values) = self.string_list(&member.value, &format!("{element}.{key}"))
                    else {
                        ok = false;
                        continue;
                    };
                    for text in values {
                        match self.principal_entry(key, &text) {
                            Some(entry) => entries.push(Spanned::new(entry, text.span)),
                            None => ok = false,
                        }
                    }
                }
                ok.then_some(entries)
            }
            Json::String { value: text, span } => {
                self.push(
                    Finding::error(
                        "invalid-principal",
                        *span,
                        format!("`{element}` as a string must be \"*\", found \"{text}\""),
                    )
                    .with_help(format!("write {{\"AWS\": \"{text}\"}}")),
                );
                None
            }
            other => {
                self.push(Finding::error(
                    "invalid-type",
                    other.span(),
                    format!(
                        "`{element}` must be \"*\" or an object, found {}",
                        other.kind_name()
                    ),
                ));
                None
            }
        }
    }

    fn principal_entry(&mut self, key: &str, text: &Spanned<String>) -> Option<PrincipalEntry> {
        match key {
            "AWS" => match PrincipalEntry::parse_aws(&text.value) {
                Ok(entry) => {
                    if let PrincipalEntry::UniqueId { id } = &entry {
                        self.push(Finding::warning(
                            "stale-principal",
                            text.span,
                            format!("`{id}` is a unique id: IAM shows one when the role or user the policy named was deleted, and it will not match a new entity of the same name"),
                        ).with_help("save the policy again with the current ARN of the principal"));
                    }
                    Some(entry)
                }
                Err(error @ InvalidPrincipal::PartialWildcard(_)) => {
                    self.push(
                        Finding::error("partial-wildcard-principal", text.span, error.to_string())
                            .with_help("use \"Principal\": {\"AWS\": \"*\"} with an `ArnLike` condition on `aws:PrincipalArn`"),
                    );
                    None
                }
                Err(error) => {
                    self.push(Finding::error(
                        "invalid-principal",
                        text.span,
                        error.to_string(),
                    ));
                    None
                }
            },
            "Service" => {
                if text.value.contains(['*', '?']) {
                    self.push(Finding::error(
                        "partial-wildcard-principal",
                        text.span,
                        format!("`{}`: service principals cannot use wildcards", text.value),
                    ));
                    return None;
                }
                if !text.value.contains('.') {
                    self.push(Finding::warning(
                        "unusual-service-principal",
                        text.span,
                        format!("`{}` does not look like a service principal such as `ec2.amazonaws.com`", text.value),
                    ));
                }
                Some(PrincipalEntry::Service {
                    name: text.value.to_ascii_lowercase(),
                })
            }
            "Federated" => Some(PrincipalEntry::Federated {
                provider: text.value.clone(),
            }),
            _ => Some(PrincipalEntry::CanonicalUser {
                id: text.value.clone(),
            }),
        }
    }

    fn action_clause(
        &mut self,
        elements: &HashMap<&str, &Member>,
        start: Span,
    ) -> Option<ActionClause> {
        let (member, negated) = match (elements.get("Action"), elements.get("NotAction")) {
            (Some(_), Some(second)) => {
                self.push(
                    Finding::error(
                        "action-and-not-action",
                        second.name_span,
                        "a statement may have `Action` or `NotAction`, not both",
                    )
                    .with_help("split it into two statements"),
                );
                return None;
            }
            (Some(member), None) => (*member, false),
            (None, Some(member)) => (*member, true),
            (None, None) => {
                self.push(Finding::error(
                    "missing-action",
                    start,
                    "statement has neither `Action` nor `NotAction`",
                ));
                return None;
            }
        };
        let element = if negated { "NotAction" } else { "Action" };
        let texts = self.string_list(&member.value, element)?;
        let mut patterns = Vec::with_capacity(texts.len());
        let mut ok = true;
        for text in texts {
            match text.value.parse::<ActionPattern>() {
                Ok(pattern) => {
                    if let Some(oddity) = pattern.oddity() {
                        let reading = if negated {
                            "in `NotAction` it excludes nothing, so the statement covers every action"
                        } else {
                            "in `Action` it matches no request"
                        };
                        self.push(
                            Finding::warning(
                                "action-matches-nothing",
                                text.span,
                                format!(
                                    "`{}` names no action ({}): AWS stores it, and {reading}",
                                    text.value,
                                    oddity.reason()
                                ),
                            )
                            .with_help("write one action per string, such as \"s3:GetObject\", with no spaces"),
                        );
                    }
                    // IAM refuses a trust policy naming another service's action when it is
                    // written (`MalformedPolicyDocument: AssumeRole policy may only specify STS
                    // AssumeRole actions`). That message is known from users' reports, not
                    // from the IAM reference, which does not say whether a Deny is held to it:
                    // a warning, and the statement decided as written (it matches no STS
                    // request).
                    let foreign = pattern
                        .service()
                        .filter(|service| !service.eq_ignore_ascii_case("sts"));
                    if let (PolicyKind::Trust, false, Some(service)) = (self.kind, negated, foreign)
                    {
                        self.push(
                            Finding::warning(
                                "non-sts-action-in-trust-policy",
                                text.span,
                                format!(
                                    "`{}` is an action of `{service}`: IAM refuses a trust policy whose actions are not STS's (\"AssumeRole policy may only specify STS AssumeRole actions\")",
                                    text.value
                                ),
                            )
                            .with_help("a trust policy says who may assume the role (`sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, `sts:AssumeRoleWithSAML`, `sts:TagSession`, ...); what the role may do goes in its permissions policies"),
                        );
                    }
                    patterns.push(Spanned::new(pattern, text.span));
                }
                Err(error) => {
                    ok = false;
                    self.push(Finding::error(
                        "invalid-action",
                        text.span,
                        error.to_string(),
                    ));
                }
            }
        }
        ok.then_some(ActionClause {
            negated,
            patterns,
            span: member.value.span(),
        })
    }

    fn resource_clause(
        &mut self,
        elements: &HashMap<&str, &Member>,
        start: Span,
        action: Option<&ActionClause>,
    ) -> Option<ResourceClause> {
        let (member, negated) = match (elements.get("Resource"), elements.get("NotResource")) {
            (Some(_), Some(second)) => {
                self.push(Finding::error(
                    "resource-and-not-resource",
                    second.name_span,
                    "a statement may have `Resource` or `NotResource`, not both",
                ));
                return None;
            }
            (Some(member), None) => (*member, false),
            (None, Some(member)) => (*member, true),
            (None, None) => {
                if self.kind == PolicyKind::Resource
                    && action.is_some_and(names_only_resourceless_services)
                {
                    self.push(
                        Finding::warning(
                            "no-resource",
                            start,
                            "statement has no `Resource`: as in an ECR repository policy, it applies to the resource the policy is attached to",
                        )
                        .with_help("ECR repository policies carry no `Resource`; in any other resource policy, add \"Resource\""),
                    );
                } else if self.kind != PolicyKind::Trust {
                    self.push(
                        Finding::error(
                            "missing-resource",
                            start,
                            format!(
                                "a {} policy statement needs `Resource` or `NotResource`",
                                self.kind
                            ),
                        )
                        .with_help("add \"Resource\": \"arn:...\" (or \"*\")"),
                    );
                }
                return None;
            }
        };
        let element = if negated { "NotResource" } else { "Resource" };
        if self.kind == PolicyKind::Trust {
            self.push(Finding::error(
                "resource-in-trust-policy",
                member.name_span,
                format!("`{element}` is not allowed in a trust policy: the resource is the role itself"),
            ).with_help("remove the element"));
            return None;
        }
        let texts = self.string_list(&member.value, element)?;
        let with_variables = self.version.has_variables();
        let mut patterns = Vec::with_capacity(texts.len());
        let mut written = Vec::with_capacity(texts.len());
        let mut ok = true;
        // "When you specify an incomplete ARN (one with fewer than the standard six fields) in an
        // identity-based policy, AWS automatically completes the ARN by adding wildcard
        // characters (*) to all missing fields."
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
        let completes_short_arns = self.kind.is_identity_based();
        for text in texts {
            if let Err(error) = check_resource_arn(&text.value) {
                ok = false;
                let help = error.help();
                self.push(
                    Finding::error("invalid-resource", text.span, error.to_string())
                        .with_help(help),
                );
                continue;
            }
            self.warn_literal_variables(&text);
            self.check_resource_variables(&text);
            let parts = text.value.split(':').count();
            let completed = if completes_short_arns && text.value.starts_with("arn:") && parts < 6 {
                format!("{}{}", text.value, ":*".repeat(6 - parts))
            } else {
                text.value.clone()
            };
            match ArnPattern::parse(&completed, with_variables, ArnMatching::Resource) {
                Ok(pattern) => {
                    if !pattern.can_match() {
                        self.push(Finding::warning(
                            "resource-never-matches",
                            text.span,
                            format!("`{}` has fewer than six colon-separated parts and no segment-final `*`, so it matches no ARN", text.value),
                        ));
                    }
                    if pattern.has_wildcard_in_service() {
                        self.push(Finding::warning(
                            "wildcard-in-service",
                            text.span,
                            format!("`{}` has a wildcard in the service segment, which AWS documents as not allowed", text.value),
                        ).with_help("name the service, e.g. `arn:aws:s3:::*`, or use `*`"));
                    }
                    written.push(text.value.clone());
                    patterns.push(Spanned::new(pattern, text.span));
                }
                Err(error) => {
                    ok = false;
                    self.push(
                        Finding::error("invalid-resource", text.span, error.to_string()).with_help(
                            "a resource is `*` or a full ARN, such as `arn:aws:s3:::bucket/*`",
                        ),
                    );
                }
            }
        }
        ok.then_some(ResourceClause {
            negated,
            patterns,
            texts: written,
            span: member.value.span(),
        })
    }

    /// "You can use a policy variable in the Resource element, but only in the resource portion
    /// of the ARN. This portion of the ARN appears after the fifth colon."
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
    fn check_resource_variables(&mut self, text: &Spanned<String>) {
        if !self.version.has_variables() {
            return;
        }
        let leading: Vec<&str> = text.value.splitn(6, ':').take(5).collect();
        if leading.len() == 5 && leading.iter().any(|part| part.contains("${")) {
            // AWS documents variables only after the fifth colon, yet stores them before it:
            // AWS managed policies use `arn:*:kms:*:${aws:PrincipalAccount}:key/*`
            // (AmazonTimestreamInfluxDBServiceRolePolicy). Stored, so read with the variable
            // substituted, and warned.
            self.push(
                Finding::warning(
                    "variable-outside-resource-part",
                    text.span,
                    format!("`{}` uses a policy variable before the fifth colon, where AWS documents none: AWS stores it, and xacct substitutes the variable before matching (an unresolved one matches nothing)", text.value),
                )
                .with_help("use a wildcard there and constrain it with a condition, e.g. `StringEquals` on `aws:ResourceAccount`"),
            );
        }
        // IAM ARNs: "IAM does not allow" a wildcard in the resource type (`u*` for `user`).
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
        let resource_part = text.value.splitn(6, ':').nth(5).unwrap_or_default();
        let is_iam = leading.get(2).is_some_and(|service| *service == "iam");
        let type_part = resource_part.split('/').next().unwrap_or_default();
        if is_iam && resource_part.contains('/') && type_part.contains(['*', '?']) {
            self.push(Finding::warning(
                "wildcard-in-resource-type",
                text.span,
                format!("`{}` has a wildcard in the IAM resource type, which IAM does not allow", text.value),
            ).with_help("write the type in full (`role/`, `user/`, `policy/`) and put wildcards in the name"));
        }
    }

    fn warn_literal_variables(&mut self, text: &Spanned<String>) {
        if !self.version.has_variables() && text.value.contains("${") {
            self.push(
                Finding::warning(
                    "literal-variable",
                    text.span,
                    format!(
                        "`{}` looks like a policy variable, but this policy is not version 2012-10-17, so AWS reads it as literal text",
                        text.value
                    ),
                )
                .with_help("set \"Version\": \"2012-10-17\""),
            );
        }
    }

    fn conditions(&mut self, value: &Json) -> Vec<Condition> {
        let Some(operators) = value.members() else {
            self.push(Finding::error(
                "invalid-type",
                value.span(),
                format!("`Condition` must be an object, found {}", value.kind_name()),
            ));
            return Vec::new();
        };
        let mut conditions = Vec::new();
        let operators = self.members(operators, &[], "Condition");
        let mut operators: Vec<_> = operators.into_values().collect();
        operators.sort_by_key(|member| member.name_span.start);
        for operator_member in operators {
            let operator = match Operator::parse(&operator_member.name) {
                Ok(operator) => operator,
                // IAM stores an operator it does not know when its block is empty: it tests
                // nothing, so it constrains nothing.
                Err(error)
                    if operator_member
                        .value
                        .members()
                        .is_some_and(<[Member]>::is_empty) =>
                {
                    let mut finding = Finding::warning(
                        "unknown-operator",
                        operator_member.name_span,
                        format!(
                            "{error}; its block is empty, so AWS stores it and it tests nothing"
                        ),
                    );
                    if let Some(suggestion) = error.suggestion() {
                        finding = finding.with_help(format!("did you mean `{suggestion}`?"));
                    }
                    self.push(finding);
                    continue;
                }
                Err(error) => {
                    let mut finding = Finding::error(
                        "unknown-operator",
                        operator_member.name_span,
                        error.to_string(),
                    );
                    if let Some(suggestion) = error.suggestion() {
                        finding = finding.with_help(format!("did you mean `{suggestion}`?"));
                    }
                    self.push(finding);
                    continue;
                }
            };
            let Some(keys) = operator_member.value.members() else {
                self.push(Finding::error(
                    "invalid-type",
                    operator_member.value.span(),
                    format!(
                        "`{}` must map condition keys to values, found {}",
                        operator_member.name,
                        operator_member.value.kind_name()
                    ),
                ));
                continue;
            };
            if keys.is_empty() {
                self.push(Finding::warning(
                    "empty-condition",
                    operator_member.value.span(),
                    format!("`{}` tests no key", operator_member.name),
                ));
            }
            for key in keys {
                if let Some(condition) = self.condition(operator, operator_member, key) {
                    conditions.push(condition);
                }
            }
        }
        conditions
    }

    fn condition(
        &mut self,
        operator: Operator,
        operator_member: &Member,
        key: &Member,
    ) -> Option<Condition> {
        if !key.name.contains(':') {
            self.push(Finding::warning(
                "invalid-condition-key",
                key.name_span,
                format!("`{}` has no service prefix, so no AWS request carries it: AWS stores it, and the condition reads it as absent", key.name),
            ).with_help("condition keys have a service prefix, such as `aws:SourceIp` or `s3:prefix`"));
        }
        let raw_values: Vec<&Json> = match &key.value {
            Json::Array { items, span } => {
                if items.is_empty() {
                    let reading = if operator.base == crate::condition::BaseOperator::Null
                        || !operator.base.is_negated()
                    {
                        "no value can match, so the condition never holds"
                    } else {
                        "no value can match, so the negated operator holds whenever it tests a value"
                    };
                    self.push(Finding::warning(
                        "empty-list",
                        *span,
                        format!("`{}` has no values: AWS stores it; {reading}", key.name),
                    ));
                }
                items
                    .iter()
                    .filter(|item| {
                        if matches!(item, Json::Null { .. }) {
                            self.push(Finding::warning(
                                "null-condition-value",
                                item.span(),
                                format!("`null` in the values of `{}`: AWS stores it, and it matches no request value", key.name),
                            ).with_help("remove it, or write the value as a string"));
                            false
                        } else {
                            true
                        }
                    })
                    .collect()
            }
            single => vec![single],
        };
        let with_variables = self.version.has_variables();
        let mut values = Vec::with_capacity(raw_values.len());
        let mut ok = true;
        for raw in raw_values {
            let Some(text) = raw.as_scalar_text() else {
                ok = false;
                self.push(Finding::error(
                    "invalid-type",
                    raw.span(),
                    format!(
                        "condition values must be strings, numbers or booleans, found {}",
                        raw.kind_name()
                    ),
                ));
                continue;
            };
            let spanned = Spanned::new(text.clone(), raw.span());
            if operator.base.takes_variables() {
                self.warn_literal_variables(&spanned);
            }
            match compile_value(operator.base, &text, with_variables) {
                Ok(value) => values.push(ConditionValue {
                    value,
                    text,
                    span: raw.span(),
                }),
                // IAM checks no ARN condition value when storing a policy; a value that is not
                // an ARN matches no request value, so `ArnLike` never holds and the negated
                // `ArnNotLike` holds ("negated matching", the operators page).
                Err(crate::condition::InvalidConditionValue::Arn { .. })
                    if !text.starts_with("arn:") =>
                {
                    let reading = if operator.base.is_negated() {
                        "it matches no request value, so this negated operator holds for every value"
                    } else {
                        "it matches no request value"
                    };
                    self.push(Finding::warning(
                        "not-an-arn",
                        raw.span(),
                        format!("`{text}` is not an ARN, as `{}` compares ARNs: AWS stores it, and {reading}", operator_member.name),
                    ).with_help("write an ARN such as `arn:aws:s3:::bucket`, or use a String operator"));
                    values.push(ConditionValue {
                        value: Value::Unreadable,
                        text,
                        span: raw.span(),
                    });
                }
                Err(crate::condition::InvalidConditionValue::Date { .. })
                    if parse_legacy_date(&text).is_some() =>
                {
                    let instant = parse_legacy_date(&text).flatten();
                    let reading = match instant {
                        Some(instant) => format!("read as {instant} (parts left out read as their first value: January, day 1, midnight, UTC)"),
                        None => "its year is beyond what a timestamp holds, so it matches no request date".to_owned(),
                    };
                    self.push(Finding::warning(
                        "loose-date",
                        raw.span(),
                        format!("`{text}` is not ISO 8601 or epoch seconds, but IAM's date reader stores it: {reading}"),
                    ).with_help("write the date in full, such as `2026-01-31T12:00:00Z`"));
                    values.push(ConditionValue {
                        value: instant.map_or(Value::Unreadable, Value::Date),
                        text,
                        span: raw.span(),
                    });
                }
                Err(error) => {
                    ok = false;
                    self.push(Finding::error(
                        "invalid-condition-value",
                        raw.span(),
                        error.to_string(),
                    ));
                }
            }
        }
        if operator.set.is_some() && operator.base == crate::condition::BaseOperator::Null {
            self.push(Finding::warning(
                "set-qualifier-on-null",
                operator_member.name_span,
                "`Null` tests whether a key exists; a set qualifier changes nothing",
            ));
        }
        ok.then(|| Condition {
            operator,
            operator_span: operator_member.name_span,
            key: key.name.clone(),
            key_lowercase: key.name.to_ascii_lowercase(),
            key_span: key.name_span,
            values,
        })
    }

    fn check_sids(&mut self) {
        let sids = std::mem::take(&mut self.sids);
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for sid in &sids {
            if self.kind.has_iam_sid_rules()
                && !sid.value.bytes().all(|byte| byte.is_ascii_alphanumeric())
            {
                self.push(Finding::error(
                    "invalid-sid",
                    sid.span,
                    format!("`Sid` \"{}\" may only contain the letters A-Z, a-z and the digits 0-9 in {}", sid.value, self.kind.described()),
                ));
            }
            if sid.value.is_empty() {
                continue;
            }
            if seen.insert(&sid.value, sid.span).is_some() {
                let finding = Finding::error(
                    "duplicate-sid",
                    sid.span,
                    format!("`Sid` \"{}\" is used by two statements", sid.value),
                )
                .with_help("statement ids must be unique within a policy");
                self.push(if self.kind.has_iam_sid_rules() {
                    finding
                } else {
                    Finding {
                        severity: Severity::Warning,
                        ..finding
                    }
                });
            }
        }
    }
}

/// Services whose resource policies carry no `Resource` element: the policy is set on one
/// repository, and every statement applies to it. Amazon ECR private and public repository
/// policies ("SetRepositoryPolicy"): the documented examples have no `Resource`.
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html>
/// <https://docs.aws.amazon.com/AmazonECR/latest/public/public-repository-policy-examples.html>
const RESOURCELESS_POLICY_SERVICES: [&str; 2] = ["ecr", "ecr-public"];

/// True when every action of the clause belongs to a service whose resource policies carry no
/// `Resource`: such a statement is stored by that service, and applies to its resource.
fn names_only_resourceless_services(action: &ActionClause) -> bool {
    !action.negated
        && !action.patterns.is_empty()
        && action.patterns.iter().all(|pattern| {
            pattern
                .value
                .service()
                .is_some_and(|service| RESOURCELESS_POLICY_SERVICES.contains(&service))
        })
}

fn describe(value: &Json) -> String {
    match value {
        Json::String { value, .. } => format!("\"{value}\""),
        other => other.kind_name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str, kind: PolicyKind) -> Vec<&'static str> {
        parse_policy(text, kind)
            .findings
            .iter()
            .map(|finding| finding.code)
            .collect()
    }

    #[test]
    fn reads_a_clean_policy() {
        let parsed = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}}"#,
            PolicyKind::Identity,
        );
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        assert_eq!(parsed.policy.statements.len(), 1);
        assert_eq!(parsed.policy.statements[0].conditions.len(), 1);
    }

    #[test]
    fn reports_each_classic_mistake() {
        let cases: [(&str, PolicyKind, &str); 13] = [
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Identity,
                "invalid-effect",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Identity,
                "duplicate-key",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Identity,
                "principal-not-allowed",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Resource,
                "not-principal-with-allow",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}}"#,
                PolicyKind::Identity,
                "action-and-not-action",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-*"},"Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Resource,
                "partial-wildcard-principal",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqual":{"aws:x":"y"}}}}"#,
                PolicyKind::Identity,
                "unknown-operator",
            ),
            (
                r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#,
                PolicyKind::Identity,
                "literal-variable",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket/*"}}"#,
                PolicyKind::Identity,
                "invalid-resource",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1111:root"},"Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Resource,
                "invalid-principal",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Resource":"*"}}"#,
                PolicyKind::Trust,
                "resource-in-trust-policy",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Rcp,
                "rcp-principal",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:AssumeRole","s3:GetObject"]}}"#,
                PolicyKind::Trust,
                "non-sts-action-in-trust-policy",
            ),
        ];
        for (text, kind, code) in cases {
            let found = codes(text, kind);
            assert!(found.contains(&code), "{code} not in {found:?} for {text}");
        }
    }

    #[test]
    fn finding_spans_point_at_the_offending_text() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}"#;
        let parsed = parse_policy(text, PolicyKind::Identity);
        let finding = &parsed.findings[0];
        assert_eq!(&text[finding.span.start..finding.span.end], "\"allow\"");
        assert_eq!(
            finding.help.as_deref(),
            Some("`Effect` is case-sensitive: write \"Allow\"")
        );
    }

    /// reference_identifiers.html: "specifying `arn:aws:sqs` is equivalent to
    /// `arn:aws:sqs:*:*:*`" in identity-based policies; nothing says so for resource policies.
    #[test]
    fn short_arns_are_completed_in_identity_policies_only() {
        struct NoValues;
        impl crate::template::VariableValues for NoValues {
            fn single_value(&self, _: &str) -> Option<&str> {
                None
            }
        }
        let identity = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs"}}"#,
            PolicyKind::Identity,
        );
        assert!(identity.findings.is_empty(), "{:?}", identity.findings);
        let pattern = &identity.policy.statements[0]
            .resource
            .as_ref()
            .unwrap()
            .patterns[0]
            .value;
        assert!(pattern.matches("arn:aws:sqs:us-east-1:111111111111:queue1", &NoValues));
        assert!(!pattern.matches("arn:aws:sns:us-east-1:111111111111:topic", &NoValues));
        let resource = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs"}}"#,
            PolicyKind::Resource,
        );
        assert_eq!(resource.findings[0].code, "resource-never-matches");
    }

    #[test]
    fn variables_before_the_fifth_colon_are_stored_with_a_warning() {
        let parsed = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:iam::${aws:PrincipalAccount}:role/x"}}"#,
            PolicyKind::Identity,
        );
        assert!(!parsed.has_errors(), "{:?}", parsed.findings);
        assert!(codes(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:iam::${aws:PrincipalAccount}:role/x"}}"#,
            PolicyKind::Identity
        )
        .contains(&"variable-outside-resource-part"));
        assert!(codes(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111111111111:ro*/app"}}"#,
            PolicyKind::Identity
        )
        .contains(&"wildcard-in-resource-type"));
    }

    #[test]
    fn missing_version_is_legacy_and_warned() {
        let parsed = parse_policy(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::Inline,
        );
        assert_eq!(parsed.policy.version, PolicyVersion::Absent);
        assert!(!parsed.has_errors());
        assert_eq!(parsed.findings[0].code, "missing-version");
    }

    /// CreatePolicy answers "Policy document must be version 2012-10-17 or greater" for a
    /// missing or legacy `Version`; inline and resource policies store both.
    #[test]
    fn managed_policies_need_the_current_version() {
        for version in ["", r#""Version":"2008-10-17","#] {
            let text = format!(
                r#"{{{version}"Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"*"}}}}"#
            );
            for kind in [PolicyKind::Identity, PolicyKind::Boundary] {
                assert!(
                    codes(&text, kind).contains(&"legacy-version"),
                    "{kind} {text}"
                );
            }
            for kind in [PolicyKind::Inline, PolicyKind::Session, PolicyKind::Scp] {
                assert!(!parse_policy(&text, kind).has_errors(), "{kind} {text}");
            }
        }
    }
}
