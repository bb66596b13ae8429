//! The typed form of a policy document.

use crate::action::{ActionName, ActionPattern};
use crate::arn::ArnPattern;
use crate::condition::Condition;
use crate::principal::PrincipalEntry;
use crate::span::{Span, Spanned};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Where a policy is attached, which decides the rules it must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// A managed policy attached to a user, group or role (CreatePolicy), or any identity-based
    /// policy when it is not known to be inline: CreatePolicy refuses a `Version` other than
    /// 2012-10-17.
    Identity,
    /// An inline policy of a user, group or role (PutUserPolicy, PutRolePolicy,
    /// PutGroupPolicy): the same rules as [`PolicyKind::Identity`], except that a legacy or
    /// missing `Version` is stored (and read as 2008-10-17).
    Inline,
    /// Attached to a resource (bucket, key, stream, catalog): names principals.
    Resource,
    /// A role's trust policy: a resource policy whose resource is the role.
    Trust,
    /// A service control policy: caps principals of member accounts.
    Scp,
    /// A resource control policy: caps resources of member accounts.
    Rcp,
    /// A permissions boundary of a user or role.
    Boundary,
    /// A session policy passed to AssumeRole or GetFederationToken.
    Session,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 8] = [
        PolicyKind::Identity,
        PolicyKind::Inline,
        PolicyKind::Resource,
        PolicyKind::Trust,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::Boundary,
        PolicyKind::Session,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Inline => "inline",
            Self::Resource => "resource",
            Self::Trust => "trust",
            Self::Scp => "scp",
            Self::Rcp => "rcp",
            Self::Boundary => "boundary",
            Self::Session => "session",
        }
    }

    /// The kind with its article, for messages: "an identity policy".
    pub fn described(self) -> &'static str {
        match self {
            Self::Identity => "an identity-based policy",
            Self::Inline => "an inline identity-based policy",
            Self::Resource => "a resource-based policy",
            Self::Trust => "a trust policy",
            Self::Scp => "a service control policy",
            Self::Rcp => "a resource control policy",
            Self::Boundary => "a permissions boundary",
            Self::Session => "a session policy",
        }
    }

    /// Resource-based kinds name principals; the others must not.
    pub fn names_principals(self) -> bool {
        matches!(self, Self::Resource | Self::Trust | Self::Rcp)
    }

    /// Kinds whose `Sid` IAM restricts to ASCII letters and digits.
    pub fn has_iam_sid_rules(self) -> bool {
        matches!(
            self,
            Self::Identity | Self::Inline | Self::Boundary | Self::Session | Self::Trust
        )
    }

    /// Kinds that grant or cap a principal's own permissions and name no principal.
    pub fn is_identity_based(self) -> bool {
        matches!(
            self,
            Self::Identity | Self::Inline | Self::Boundary | Self::Session
        )
    }

    /// Kinds stored as IAM managed policies, which CreatePolicy refuses unless their `Version`
    /// is 2012-10-17 ("Policy document must be version 2012-10-17 or greater").
    pub fn needs_current_version(self) -> bool {
        matches!(self, Self::Identity | Self::Boundary)
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PolicyKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!(
                    "unknown policy kind `{text}`: expected one of identity, inline, resource, trust, scp, rcp, boundary, session"
                )
            })
    }
}

/// The `Version` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PolicyVersion {
    #[serde(rename = "2012-10-17")]
    Current,
    #[serde(rename = "2008-10-17")]
    Legacy,
    /// No `Version`: IAM reads the policy as the legacy version.
    Absent,
}

impl PolicyVersion {
    /// Policy variables exist only in 2012-10-17 policies; elsewhere `${...}` is literal text.
    pub fn has_variables(self) -> bool {
        self == Self::Current
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        })
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub kind: PolicyKind,
    pub version: PolicyVersion,
    pub id: Option<Spanned<String>>,
    pub statements: Vec<Statement>,
    pub span: Span,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalClause {
    pub negated: bool,
    pub entries: Vec<Spanned<PrincipalEntry>>,
    pub span: Span,
}

impl PrincipalClause {
    /// Whether every principal is let in: `"*"` (or `{"AWS": "*"}`) in `Principal`, or any
    /// `NotPrincipal`, which names only the principals it leaves out.
    pub fn admits_everyone(&self) -> bool {
        self.negated
            || self
                .entries
                .iter()
                .any(|entry| entry.value == PrincipalEntry::Everyone)
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionClause {
    pub negated: bool,
    pub patterns: Vec<Spanned<ActionPattern>>,
    pub span: Span,
}

impl ActionClause {
    /// Whether the clause covers `action`: listed in `Action`, or not listed in `NotAction`.
    pub fn covers(&self, action: &ActionName) -> bool {
        self.patterns
            .iter()
            .any(|pattern| pattern.value.matches(action))
            != self.negated
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceClause {
    pub negated: bool,
    pub patterns: Vec<Spanned<ArnPattern>>,
    /// The patterns as written, for explanations.
    pub texts: Vec<String>,
    pub span: Span,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the policy's statement list, from zero.
    pub index: usize,
    pub sid: Option<Spanned<String>>,
    pub effect: Effect,
    pub effect_span: Span,
    pub principal: Option<PrincipalClause>,
    pub action: ActionClause,
    /// Absent in trust policies, where the resource is the role itself.
    pub resource: Option<ResourceClause>,
    /// All must hold.
    pub conditions: Vec<Condition>,
    pub span: Span,
}

impl Statement {
    /// `Sid` when present, otherwise `#index`, for messages.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.value.is_empty() => sid.value.clone(),
            _ => format!("#{}", self.index),
        }
    }
}
