//! Amazon Resource Names: concrete ones in requests, patterns in policies.

use crate::account::AccountId;
use crate::intern::Interner;
use crate::template::{Template, TemplateError, VariableValues};
use crate::wildcard::{Pattern, Token};
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A concrete ARN: `arn:partition:service:region:account:resource`.
///
/// The resource part keeps any further colons (`log-group:x:log-stream:y`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    text: String,
    /// Byte offsets of the five separating colons.
    colons: [usize; 5],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidArn {
    #[error("`{0}` is not an ARN: it must start with `arn:`")]
    MissingPrefix(String),
    #[error(
        "`{0}` is not an ARN: expected six parts `arn:partition:service:region:account:resource`"
    )]
    TooFewParts(String),
    #[error("`{text}` has an empty {part}")]
    EmptyPart { text: String, part: &'static str },
    #[error("`{text}` has account `{account}`: expected 12 digits, `aws` or nothing")]
    BadAccount { text: String, account: String },
}

impl Arn {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn segment(&self, index: usize) -> &str {
        let start = match index {
            0 => 0,
            _ => self.colons.get(index - 1).map_or(0, |colon| colon + 1),
        };
        let end = self.colons.get(index).copied().unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or_default()
    }

    pub fn partition(&self) -> &str {
        self.segment(1)
    }

    pub fn service(&self) -> &str {
        self.segment(2)
    }

    pub fn region(&self) -> &str {
        self.segment(3)
    }

    pub fn account_text(&self) -> &str {
        self.segment(4)
    }

    /// The owning account, when the ARN names one (S3 ARNs do not).
    pub fn account(&self) -> Option<AccountId> {
        self.account_text().parse().ok()
    }

    /// Everything after the fifth colon.
    pub fn resource(&self) -> &str {
        self.colons
            .get(4)
            .and_then(|colon| self.text.get(colon + 1..))
            .unwrap_or_default()
    }

    /// The six parts in order, the last one being the resource.
    pub fn parts(&self) -> [&str; 6] {
        [
            self.segment(0),
            self.partition(),
            self.service(),
            self.region(),
            self.account_text(),
            self.resource(),
        ]
    }
}

impl FromStr for Arn {
    type Err = InvalidArn;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if !text.starts_with("arn:") {
            return Err(InvalidArn::MissingPrefix(text.to_owned()));
        }
        let mut colons = [0usize; 5];
        let mut found = 0;
        for (index, byte) in text.bytes().enumerate() {
            if byte == b':' {
                if let Some(slot) = colons.get_mut(found) {
                    *slot = index;
                    found += 1;
                } else {
                    break;
                }
            }
        }
        if found < 5 {
            return Err(InvalidArn::TooFewParts(text.to_owned()));
        }
        let arn = Arn {
            text: text.to_owned(),
            colons,
        };
        for (index, part) in [(1, "partition"), (2, "service"), (5, "resource")] {
            let value = if index == 5 {
                arn.resource()
            } else {
                arn.segment(index)
            };
            if value.is_empty() {
                return Err(InvalidArn::EmptyPart {
                    text: text.to_owned(),
                    part,
                });
            }
        }
        let account = arn.account_text();
        if !(account.is_empty() || account == "aws" || account.parse::<AccountId>().is_ok()) {
            return Err(InvalidArn::BadAccount {
                text: text.to_owned(),
                account: account.to_owned(),
            });
        }
        Ok(arn)
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Arn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// The AWS partitions: `aws`, China, GovCloud, the isolated regions and the European
/// Sovereign Cloud. An ARN in any other partition names nothing, and IAM refuses it in a
/// policy ("Partition ... is not valid for resource").
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>
pub const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Whether `partition` is one of [`PARTITIONS`].
pub fn is_known_partition(partition: &str) -> bool {
    PARTITIONS.contains(&partition)
}

/// A `Resource` or `NotResource` ARN that IAM refuses when the policy is written.
///
/// The rules are those of IAM's `MalformedPolicyDocument` answers: "Partition ... is not
/// valid", "Resource vendor must be fully qualified", "The policy failed legacy parsing" (an
/// empty service, or a short ARN with an empty segment), "IAM resource ... cannot contain
/// region information", "Resource ... can not contain region information" (S3 buckets and
/// objects), and "IAM resource path must either be "*" or start with" a resource type.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedResourceArn {
    #[error("`{text}` is in partition `{partition}`, which does not exist: AWS refuses it")]
    Partition { text: String, partition: String },
    #[error("`{0}` names no service: AWS refuses a resource ARN without its service")]
    NoService(String),
    #[error("`{0}` has an empty segment but fewer than six parts: AWS refuses it")]
    ShortWithEmptySegment(String),
    #[error("`{text}` has the region `{region}`, but {what} have no region: AWS refuses it")]
    Region {
        text: String,
        region: String,
        what: &'static str,
    },
    #[error("`{text}`: `{kind}` is not an IAM resource type, and AWS refuses it")]
    IamResourceType { text: String, kind: String },
}

impl MalformedResourceArn {
    /// How to write it instead.
    pub fn help(&self) -> String {
        match self {
            Self::Partition { .. } => format!(
                "the partition is one of {}: `aws` outside China and GovCloud",
                PARTITIONS.join(", ")
            ),
            Self::NoService(_) => {
                "write the whole ARN, such as `arn:aws:s3:::bucket/*`, or `*`".to_owned()
            }
            Self::ShortWithEmptySegment(_) => {
                "an ARN has six parts, `arn:partition:service:region:account:resource`: an S3 bucket is `arn:aws:s3:::bucket`".to_owned()
            }
            Self::Region { .. } => {
                "leave the region empty: `arn:aws:s3:::bucket`, `arn:aws:iam::ACCOUNT:role/NAME`"
                    .to_owned()
            }
            Self::IamResourceType { .. } => format!(
                "IAM resources start with one of: {}",
                IAM_RESOURCE_TYPES.join(", ")
            ),
        }
    }
}

/// The resource types IAM accepts after the fifth colon of an `arn:aws:iam` resource: those of
/// IAM's refusal message ("IAM resource path must either be "*" or start with ..."), those of the
/// Service Authorization Reference for IAM, and `root`, which AWS managed policies name
/// (`arn:aws:iam::*:root` in IAMAuditRootUserCredentials).
const IAM_RESOURCE_TYPES: [&str; 17] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
    "assumed-role/",
    "delegation-request/",
    "role-template/",
    "root",
];

/// True when the text may stand for anything (a wildcard or a policy variable).
fn is_open(text: &str) -> bool {
    text.contains(['*', '?']) || text.contains("${")
}

/// Splits on at most `limit - 1` colons, skipping colons inside `${...}` (a variable such as
/// `${aws:PrincipalAccount}` is one segment).
fn split_outside_variables(text: &str, limit: usize) -> Vec<&str> {
    let mut parts = Vec::with_capacity(limit);
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        match byte {
            b'{' if index > 0 && bytes.get(index - 1) == Some(&b'$') => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 && parts.len() + 1 < limit => {
                parts.push(text.get(start..index).unwrap_or_default());
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// Checks a `Resource`/`NotResource` value as IAM does when the policy is written. `*` and
/// text that does not start with `arn:` are left to the pattern parser.
pub fn check_resource_arn(text: &str) -> Result<(), MalformedResourceArn> {
    let Some(rest) = text.strip_prefix("arn:") else {
        return Ok(());
    };
    let parts = split_outside_variables(rest, 5);
    let partition = parts.first().copied().unwrap_or_default();
    if !is_known_partition(partition) && !is_open(partition) {
        return Err(MalformedResourceArn::Partition {
            text: text.to_owned(),
            partition: partition.to_owned(),
        });
    }
    let Some(service) = parts.get(1).copied() else {
        return Err(MalformedResourceArn::NoService(text.to_owned()));
    };
    if service.is_empty() {
        return Err(MalformedResourceArn::NoService(text.to_owned()));
    }
    if parts.len() < 5 && text.contains("::") {
        return Err(MalformedResourceArn::ShortWithEmptySegment(text.to_owned()));
    }
    let region = parts.get(2).copied().unwrap_or_default();
    let account = parts.get(3).copied().unwrap_or_default();
    if parts.len() >= 4 && !region.is_empty() {
        let what = match service {
            "iam" => Some("IAM resources"),
            // Access points, batch jobs and Storage Lens have a region and an account;
            // buckets and objects have neither.
            "s3" if account.is_empty() => Some("S3 buckets and objects"),
            _ => None,
        };
        if let Some(what) = what {
            return Err(MalformedResourceArn::Region {
                text: text.to_owned(),
                region: region.to_owned(),
                what,
            });
        }
    }
    if service == "iam" {
        if let Some(resource) = parts.get(4) {
            let kind = resource.split('/').next().unwrap_or_default();
            // Compared without case: whether IAM refuses `ROLE/` is not known, so it is not
            // refused.
            let known = IAM_RESOURCE_TYPES.iter().any(|prefix| {
                resource
                    .get(..prefix.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
            });
            if !known && !is_open(kind) && !resource.is_empty() {
                return Err(MalformedResourceArn::IamResourceType {
                    text: text.to_owned(),
                    kind: kind.to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// How an ARN pattern is matched: the two documented rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArnMatching {
    /// The `Resource` element: wildcards work within each colon-separated segment, and a `*`
    /// that is the last character of a segment may run on across colons (so `arn:aws:s3:*`
    /// covers `arn:aws:s3:::bucket/key`). After the fifth colon, colons are ordinary.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
    Resource,
    /// `ArnLike`/`ArnEquals`: "each of the six colon-delimited components of the ARN is
    /// checked separately", so no wildcard crosses a colon between them.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
    Components,
}

/// A `Resource` value or an `Arn*` condition value: an ARN whose segments may hold `*` and `?`,
/// and policy variables in 2012-10-17 policies (substituted before the ARN is split, so a
/// variable may stand for an account id).
///
/// Compiled patterns are shared: every `arn:aws:s3:::bucket/*` of a loaded world is one copy
/// (`crate::intern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnPattern {
    parts: Arc<ArnParts>,
}

thread_local! {
    /// One table per way of reading the text: (with variables, matching).
    static ARN_PATTERNS: RefCell<[Interner<ArnParts>; 4]> = RefCell::default();
}

/// A compiled ARN pattern.
#[derive(Debug, PartialEq, Eq)]
struct ArnParts {
    template: Template,
    matching: ArnMatching,
    /// The compiled form when the pattern has no variables.
    compiled: Option<Compiled>,
    /// For Resource matching with variables only in the resource part: the first five
    /// segments compiled once, and the resource part's template.
    leading_and_resource: Option<(Pattern, Template)>,
    can_match: bool,
    wildcard_in_service: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Compiled {
    /// Resource matching: the first five segments with their colons, and the resource part
    /// (absent when the pattern has fewer than six segments).
    Resource {
        leading: Pattern,
        resource: Option<Pattern>,
    },
    /// Component matching: exactly six patterns, or none when the pattern has fewer parts.
    Components(Option<Vec<Pattern>>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidArnPattern {
    #[error("`{0}` is not an ARN pattern: it must be `*` or start with `arn:`")]
    NotAnArn(String),
    #[error("in `{text}`: {error}")]
    Template { text: String, error: TemplateError },
}

/// Splits marked characters on the first five colons.
fn split_marked(characters: &[(char, bool)]) -> Vec<&[(char, bool)]> {
    let mut parts = Vec::with_capacity(6);
    let mut start = 0;
    for (index, (character, _)) in characters.iter().enumerate() {
        if *character == ':' && parts.len() < 5 {
            parts.push(characters.get(start..index).unwrap_or_default());
            start = index + 1;
        }
    }
    parts.push(characters.get(start..).unwrap_or_default());
    parts
}

fn push_marked(pattern: &mut Pattern, characters: &[(char, bool)], star: Token, question: Token) {
    for (character, wild) in characters {
        match (character, wild) {
            ('*', true) => pattern.push_token(star.clone()),
            ('?', true) => pattern.push_token(question.clone()),
            (other, _) => pattern.push_literal(other.encode_utf8(&mut [0; 4])),
        }
    }
}

fn compile(characters: &[(char, bool)], matching: ArnMatching) -> Compiled {
    let parts = split_marked(characters);
    match matching {
        ArnMatching::Components => Compiled::Components((parts.len() == 6).then(|| {
            parts
                .iter()
                .map(|part| {
                    let mut pattern = Pattern::default();
                    push_marked(&mut pattern, part, Token::AnyRun, Token::AnyChar);
                    pattern
                })
                .collect()
        })),
        ArnMatching::Resource => {
            let mut leading = Pattern::default();
            for (index, part) in parts.iter().take(5).enumerate() {
                if index > 0 {
                    leading.push_literal(":");
                }
                let (body, last) = match part.split_last() {
                    Some((last, body)) => (body, Some(last)),
                    None => (*part, None),
                };
                push_marked(&mut leading, body, Token::SegmentRun, Token::SegmentChar);
                if let Some(last) = last {
                    // A star that ends a segment may run on across colons.
                    push_marked(
                        &mut leading,
                        std::slice::from_ref(last),
                        Token::AnyRun,
                        Token::SegmentChar,
                    );
                }
            }
            let resource = parts.get(5).map(|part| {
                let mut pattern = Pattern::default();
                push_marked(&mut pattern, part, Token::AnyRun, Token::AnyChar);
                pattern
            });
            Compiled::Resource { leading, resource }
        }
    }
}

/// An ARN against compiled leading segments and a resource part.
fn resource_matches(leading: &Pattern, resource: &Pattern, arn: &str) -> bool {
    // The common case: fixed leading segments, compared as a prefix.
    if let Some(prefix) = leading.as_literal() {
        return arn
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|rest| resource.matches(rest));
    }
    let mut whole = leading.clone();
    whole.push_literal(":");
    whole.extend(resource);
    whole.matches(arn)
}

impl Compiled {
    fn matches(&self, arn: &str) -> bool {
        match self {
            Compiled::Components(None) => false,
            Compiled::Components(Some(patterns)) => {
                let mut rest = arn;
                let mut components = [""; 6];
                for slot in components.iter_mut().take(5) {
                    let Some((component, after)) = rest.split_once(':') else {
                        return false;
                    };
                    *slot = component;
                    rest = after;
                }
                if let Some(last) = components.last_mut() {
                    *last = rest;
                }
                patterns
                    .iter()
                    .zip(components)
                    .all(|(pattern, component)| pattern.matches(component))
            }
            Compiled::Resource {
                leading,
                resource: None,
            } => leading.matches(arn),
            Compiled::Resource {
                leading,
                resource: Some(resource),
            } => resource_matches(leading, resource, arn),
        }
    }
}

impl ArnPattern {
    /// Compiles `text`; `with_variables` is true for policies of version 2012-10-17.
    pub fn parse(
        text: &str,
        with_variables: bool,
        matching: ArnMatching,
    ) -> Result<Self, InvalidArnPattern> {
        let table =
            usize::from(with_variables) * 2 + usize::from(matching == ArnMatching::Resource);
        let parts = ARN_PATTERNS.with(|tables| {
            let mut tables = tables.borrow_mut();
            match tables.get_mut(table) {
                Some(interner) => {
                    interner.get_or_try(text, || ArnParts::compile(text, with_variables, matching))
                }
                None => ArnParts::compile(text, with_variables, matching).map(Arc::new),
            }
        })?;
        Ok(Self { parts })
    }

    /// False for a pattern with fewer than six segments and no segment-final `*`: it can
    /// never match a real ARN.
    pub fn can_match(&self) -> bool {
        self.parts.can_match
    }

    /// AWS documents that the service segment cannot hold a wildcard.
    pub fn has_wildcard_in_service(&self) -> bool {
        self.parts.wildcard_in_service
    }

    pub fn has_variables(&self) -> bool {
        self.parts.template.has_variables()
    }

    pub fn template(&self) -> &Template {
        &self.parts.template
    }

    /// Matches a concrete ARN given as text (it need not be well formed: a malformed value in
    /// a request context simply does not match). An unresolved variable matches nothing.
    pub fn matches(&self, arn: &str, values: &dyn VariableValues) -> bool {
        let parts = &*self.parts;
        if let Some(compiled) = &parts.compiled {
            return compiled.matches(arn);
        }
        if let Some((leading, resource)) = &parts.leading_and_resource {
            let Some(resource) = resource.pattern(values) else {
                return false;
            };
            return resource_matches(leading, &resource, arn);
        }
        parts
            .template
            .resolve_marked(values)
            .is_some_and(|marked| compile(&marked, parts.matching).matches(arn))
    }
}

impl ArnParts {
    fn compile(
        text: &str,
        with_variables: bool,
        matching: ArnMatching,
    ) -> Result<Self, InvalidArnPattern> {
        if text != "*" && !text.starts_with("arn:") {
            return Err(InvalidArnPattern::NotAnArn(text.to_owned()));
        }
        let template = if with_variables {
            Template::parse(text).map_err(|error| InvalidArnPattern::Template {
                text: text.to_owned(),
                error,
            })?
        } else {
            Template::literal(text)
        };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let wildcard_in_service = parts
            .get(2)
            .is_some_and(|service| service.contains(['*', '?']));
        let can_match = text == "*"
            || parts.len() == 6
            || (matching == ArnMatching::Resource
                && parts.iter().take(5).any(|part| part.ends_with('*')));
        let compiled = if text == "*" {
            Some(Compiled::Resource {
                leading: Pattern::new("*"),
                resource: None,
            })
        } else {
            template
                .static_text()
                .filter(|_| !template.has_variables())
                .map(|_| {
                    let marked = template.resolve_marked(&NoVariables).unwrap_or_default();
                    compile(&marked, matching)
                })
        };
        let leading_and_resource =
            if compiled.is_none() && matching == ArnMatching::Resource && parts.len() == 6 {
                let leading_text = parts.iter().take(5).copied().collect::<Vec<_>>().join(":");
                let resource_text = parts.get(5).copied().unwrap_or_default();
                let resource = Template::parse(resource_text).ok();
                let leading = Template::literal(&leading_text)
                    .resolve_marked(&NoVariables)
                    .filter(|_| !leading_text.contains("${"))
                    .map(|marked| match compile(&marked, ArnMatching::Resource) {
                        Compiled::Resource { leading, .. } => leading,
                        Compiled::Components(_) => Pattern::default(),
                    });
                leading.zip(resource)
            } else {
                None
            };
        Ok(Self {
            template,
            matching,
            compiled,
            leading_and_resource,
            can_match,
            wildcard_in_service,
        })
    }
}

struct NoVariables;

impl VariableValues for NoVariables {
    fn single_value(&self, _key_lowercase: &str) -> Option<&str> {
        None
    }
}

impl ArnPattern {
    /// Writes the compiled pattern once per shared copy (see `crate::snapshot`).
    pub(crate) fn encode(&self, encoder: &mut crate::snapshot::Encoder) {
        encoder.shared(
            crate::snapshot::Table::Arn,
            &self.parts,
            |encoder, parts| {
                parts.template.encode(encoder);
                encoder.bool(parts.matching == ArnMatching::Resource);
                encoder.option(
                    parts.compiled.as_ref(),
                    |encoder, compiled| match compiled {
                        Compiled::Resource { leading, resource } => {
                            encoder.u8(0);
                            leading.encode(encoder);
                            encoder.option(resource.as_ref(), |encoder, pattern| {
                                pattern.encode(encoder)
                            });
                        }
                        Compiled::Components(patterns) => {
                            encoder.u8(1);
                            encoder.option(patterns.as_ref(), |encoder, patterns| {
                                encoder.seq(patterns, |encoder, pattern| pattern.encode(encoder));
                            });
                        }
                    },
                );
                encoder.option(
                    parts.leading_and_resource.as_ref(),
                    |encoder, (leading, resource)| {
                        leading.encode(encoder);
                        resource.encode(encoder);
                    },
                );
                encoder.bool(parts.can_match);
                encoder.bool(parts.wildcard_in_service);
            },
        );
    }

    pub(crate) fn decode(
        decoder: &mut crate::snapshot::Decoder<'_>,
    ) -> Result<Self, crate::snapshot::Damaged> {
        let parts = decoder.shared(crate::snapshot::Table::Arn, |decoder| {
            let template = Template::decode(decoder)?;
            let matching = if decoder.bool()? {
                ArnMatching::Resource
            } else {
                ArnMatching::Components
            };
            let compiled = decoder.option(|decoder| {
                Ok(match decoder.u8()? {
                    0 => Compiled::Resource {
                        leading: Pattern::decode(decoder)?,
                        resource: decoder.option(Pattern::decode)?,
                    },
                    1 => Compiled::Components(
                        decoder.option(|decoder| decoder.seq(Pattern::decode))?,
                    ),
                    _ => return Err(crate::snapshot::Damaged("not a compiled ARN pattern")),
                })
            })?;
            let leading_and_resource = decoder
                .option(|decoder| Ok((Pattern::decode(decoder)?, Template::decode(decoder)?)))?;
            Ok(ArnParts {
                template,
                matching,
                compiled,
                leading_and_resource,
                can_match: decoder.bool()?,
                wildcard_in_service: decoder.bool()?,
            })
        })?;
        Ok(Self { parts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct None_;
    impl VariableValues for None_ {
        fn single_value(&self, _: &str) -> Option<&str> {
            None
        }
    }

    #[test]
    fn parses_parts() {
        let arn: Arn = "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:s"
            .parse()
            .unwrap();
        assert_eq!(arn.service(), "logs");
        assert_eq!(arn.region(), "us-east-1");
        assert_eq!(arn.account().unwrap().as_str(), "111111111111");
        assert_eq!(arn.resource(), "log-group:g:log-stream:s");
        let s3: Arn = "arn:aws:s3:::lake-b/a/b".parse().unwrap();
        assert_eq!(s3.account(), None);
        assert_eq!(s3.resource(), "lake-b/a/b");
    }

    #[test]
    fn rejects_malformed_arns() {
        for bad in [
            "arn:aws:s3",
            "s3:::b",
            "arn::s3:::b",
            "arn:aws:s3:::",
            "arn:aws:iam::12:role/x",
        ] {
            assert!(bad.parse::<Arn>().is_err(), "{bad}");
        }
    }

    #[test]
    fn resource_arns_aws_refuses_are_named() {
        for bad in [
            "arn:aws-us:s3:::payroll/*",
            "arn:aws",
            "arn:aws::s3:::b",
            "arn:aws::fdsasf",
            "arn:aws:s3::b",
            "arn:aws:s3:us-east-1::b",
            "arn:aws:iam:us-east-1:111111111111:role/r",
            "arn:aws:iam:::example",
            "arn:aws:iam::111111111111:reader",
        ] {
            assert!(check_resource_arn(bad).is_err(), "{bad}");
        }
        for good in [
            "arn:aws:sqs",
            "arn:aws:s3:::b/*",
            "arn:aws-cn:s3:::b",
            "arn:aws-us-gov:iam::111111111111:role/r",
            "arn:*:s3:::b",
            "arn:aws:s3:us-west-2:111111111111:accesspoint/ap",
            "arn:aws:iam::*:*",
            "arn:aws:iam::*:ro*/app",
            "arn:aws:iam:::user/x",
            "arn:aws:iam::*:root",
            "arn:*:kms:*:${aws:PrincipalAccount}:key/*",
            "arn:aws:ec2:us-east-1::x",
            "arn:aws:ec2:region:account-id:instance/*",
        ] {
            assert_eq!(check_resource_arn(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn pattern_matching_is_segment_aware() {
        let cases = [
            ("arn:aws:s3:::lake-b/*", "arn:aws:s3:::lake-b/a/b/c", true),
            ("arn:aws:s3:::lake-b/*", "arn:aws:s3:::lake-b", false),
            ("arn:aws:s3:::lake-b", "arn:aws:s3:::lake-b/x", false),
            (
                "arn:aws:s3:::lake-b/Sales/*",
                "arn:aws:s3:::lake-b/sales/x",
                false,
            ),
            (
                "arn:aws:iam::*:role/*",
                "arn:aws:iam::111111111111:role/a/b",
                true,
            ),
            // A segment-final star runs on across colons...
            (
                "arn:aws:kinesis:*:stream/x",
                "arn:aws:kinesis:us-east-1:111111111111:stream/x",
                true,
            ),
            // ...but a star inside a segment does not.
            (
                "arn:aws:kinesis:us-*1:stream/x",
                "arn:aws:kinesis:us-east-1:111111111111:stream/x",
                false,
            ),
            (
                "arn:aws:iam::1111*1111:role/r",
                "arn:aws:iam::111111111111:role/r",
                true,
            ),
            ("arn:aws:s3:*", "arn:aws:s3:::lake-b/x", true),
            (
                "arn:aws:*",
                "arn:aws:kinesis:us-east-1:111111111111:stream/x",
                true,
            ),
            (
                "arn:aws:logs:*:*:*",
                "arn:aws:logs:us-east-1:111111111111:log-group:g:x",
                true,
            ),
            ("arn:aws:s3:::lake-?", "arn:aws:s3:::lake-b", true),
        ];
        for (pattern, arn, expected) in cases {
            let compiled = ArnPattern::parse(pattern, true, ArnMatching::Resource).unwrap();
            assert_eq!(
                compiled.matches(arn, &None_),
                expected,
                "{pattern} vs {arn}"
            );
        }
    }

    #[test]
    fn short_patterns_without_a_final_star_never_match() {
        let pattern = ArnPattern::parse("arn:aws:s3", true, ArnMatching::Resource).unwrap();
        assert!(!pattern.can_match());
        assert!(!pattern.matches("arn:aws:s3:::b", &None_));
        assert!(ArnPattern::parse("bucket/*", true, ArnMatching::Resource).is_err());
    }

    #[test]
    fn arn_conditions_match_component_by_component() {
        // The documented example: the region star may not swallow the account.
        let pattern = ArnPattern::parse(
            "arn:aws:someservice:*:111122223333:finance/*",
            true,
            ArnMatching::Components,
        )
        .unwrap();
        assert!(!pattern.matches(
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/x",
            &None_
        ));
        assert!(pattern.matches(
            "arn:aws:someservice:us-east-2:111122223333:finance/x",
            &None_
        ));
    }

    #[test]
    fn variables_are_substituted_before_splitting() {
        struct Account;
        impl VariableValues for Account {
            fn single_value(&self, key: &str) -> Option<&str> {
                (key == "aws:principalaccount").then_some("111111111111")
            }
        }
        let pattern = ArnPattern::parse(
            "arn:aws:iam::${aws:PrincipalAccount}:role/*",
            true,
            ArnMatching::Components,
        )
        .unwrap();
        assert!(pattern.matches("arn:aws:iam::111111111111:role/x", &Account));
        assert!(!pattern.matches("arn:aws:iam::222222222222:role/x", &Account));
        assert!(!pattern.matches("arn:aws:iam::111111111111:role/x", &None_));
    }
}
