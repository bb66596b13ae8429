//! What every answer states besides its verdict: how the question was asked (directly with the
//! caller's own credentials, or by any AssumeRole route) and what xacct assumed to answer it
//! (the external ids and session parameters passed, and more kinds as they are modelled).
//!
//! A new kind of assumption is one variant of [`AssumptionKind`]; the renderers print every
//! kind the same way (text: an `assumed:` line; JSON: `{ "kind": ..., "detail": ... }`).

use crate::search::{AssumeOptions, Query};
use serde::Serialize;

/// How a question was asked: which AssumeRole chains it let xacct follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// With the caller's own credentials: no AssumeRole at all (`direct = true`, `--direct`).
    Direct,
    /// Through any chain of at most `max_depth` AssumeRoles, the caller's own credentials
    /// (no hop) included.
    AnyRoute { max_depth: usize },
    /// Through exactly these roles, in order (`via`).
    Via(Vec<String>),
    /// Through the roles a compute's own settings name for the resource (an S3A assumed role,
    /// an EMRFS role mapping, a Kinesis `roleArn`); empty when they use the compute's identity.
    Settings(Vec<String>),
}

impl Route {
    /// The route a search query asks: its `via`, else none when `max_depth` is 0, else any.
    pub fn of(query: &Query) -> Self {
        if !query.via.is_empty() {
            Self::Via(query.via.clone())
        } else if query.max_depth == 0 {
            Self::Direct
        } else {
            Self::AnyRoute {
                max_depth: query.max_depth,
            }
        }
    }

    /// A stable name for programs: `direct`, `any-route`, `via` or `settings`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::AnyRoute { .. } => "any-route",
            Self::Via(_) => "via",
            Self::Settings(_) => "settings",
        }
    }

    /// The question in words, for `who` (the caller as the user named it): "directly, with
    /// alice's own credentials (no AssumeRole)" or "by any route (AssumeRole chains up to 5
    /// hops)".
    pub fn describe(&self, who: &str) -> String {
        let who = display_name(who);
        match self {
            Self::Direct => format!("directly, with {who}'s own credentials (no AssumeRole)"),
            Self::AnyRoute { max_depth } => format!(
                "by any route from {who} (AssumeRole chains up to {max_depth} hop{})",
                if *max_depth == 1 { "" } else { "s" }
            ),
            Self::Via(roles) => format!(
                "through the chain `via` names: {who} -> {}",
                roles.join(" -> ")
            ),
            Self::Settings(roles) if roles.is_empty() => format!(
                "as {who}'s settings make the request: with its own credentials (no AssumeRole)"
            ),
            Self::Settings(roles) => format!(
                "as {who}'s settings make the request: {who} -> {}",
                roles.join(" -> ")
            ),
        }
    }
}

/// `compute:etl` as written; a principal ARN by its last segment (`alice`).
fn display_name(who: &str) -> &str {
    if who.starts_with("arn:") {
        crate::assume::short_name(who)
    } else {
        who
    }
}

/// What an assumption is about. One variant per kind; the wire name is its kebab-case form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssumptionKind {
    /// An `ExternalId` passed when assuming a role.
    ExternalId,
    /// The `RoleSessionName` of the sessions xacct assumed.
    SessionName,
    /// Session tags passed with `sts:TagSession`.
    SessionTags,
    /// The source identity set with `sts:SetSourceIdentity`.
    SourceIdentity,
    /// The `DurationSeconds` asked of each AssumeRole.
    DurationSeconds,
}

/// One thing an answer took as given, with what exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    pub kind: AssumptionKind,
    pub detail: String,
}

/// The assumptions of one answer, each once, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Assumptions(Vec<Assumption>);

impl Assumptions {
    /// Adds one assumption unless it is already listed.
    pub fn add(&mut self, kind: AssumptionKind, detail: impl Into<String>) {
        let assumption = Assumption {
            kind,
            detail: detail.into(),
        };
        if !self.0.contains(&assumption) {
            self.0.push(assumption);
        }
    }

    /// Adds every assumption of `other` not yet listed.
    pub fn merge(&mut self, other: &Self) {
        for assumption in &other.0 {
            self.add(assumption.kind, assumption.detail.clone());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Assumption> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What the caller passed to STS: every external id by role, and the session parameters.
    /// `assumed_a_role` says whether any AssumeRole was made: only then is the session name
    /// xacct uses when none is given an assumption.
    pub fn add_caller_settings(&mut self, options: &AssumeOptions, assumed_a_role: bool) {
        for (role, id) in &options.external_ids {
            self.add(
                AssumptionKind::ExternalId,
                format!("external id `{id}` passed when assuming {role}"),
            );
        }
        match &options.session_name {
            Some(name) => self.add(
                AssumptionKind::SessionName,
                format!("session name `{name}` for every AssumeRole"),
            ),
            None if assumed_a_role => self.add(
                AssumptionKind::SessionName,
                format!(
                    "session name `{}` for every AssumeRole (none was given)",
                    crate::search::DEFAULT_SESSION_NAME
                ),
            ),
            None => {}
        }
        if !options.session_tags.is_empty() {
            let tags: Vec<String> = options
                .session_tags
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect();
            self.add(
                AssumptionKind::SessionTags,
                format!(
                    "session tags {} passed with every AssumeRole",
                    tags.join(", ")
                ),
            );
        }
        if let Some(identity) = &options.source_identity {
            self.add(
                AssumptionKind::SourceIdentity,
                format!("source identity `{identity}` set with every AssumeRole"),
            );
        }
        if let Some(seconds) = options.duration_seconds {
            self.add(
                AssumptionKind::DurationSeconds,
                format!("DurationSeconds {seconds} asked of every AssumeRole"),
            );
        }
    }

    /// One line for people: `a; b; c`, or a plain statement that nothing was assumed.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "no external id or session parameter passed".to_owned();
        }
        self.0
            .iter()
            .map(|assumption| assumption.detail.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_read_as_the_question_was_asked() {
        let alice = "arn:aws:iam::111111111111:user/alice";
        assert_eq!(
            Route::Direct.describe(alice),
            "directly, with alice's own credentials (no AssumeRole)"
        );
        assert_eq!(
            Route::AnyRoute { max_depth: 5 }.describe("compute:etl"),
            "by any route from compute:etl (AssumeRole chains up to 5 hops)"
        );
        assert_eq!(Route::AnyRoute { max_depth: 5 }.kind(), "any-route");
    }

    #[test]
    fn assumptions_are_listed_once_and_name_the_default_session_name_only_when_used() {
        let mut options = AssumeOptions::default();
        options
            .external_ids
            .insert("arn:aws:iam::2:role/r".to_owned(), "x-1".to_owned());
        let mut assumptions = Assumptions::default();
        assumptions.add_caller_settings(&options, false);
        assumptions.add_caller_settings(&options, false);
        assert_eq!(assumptions.iter().count(), 1);
        assumptions.add_caller_settings(&options, true);
        let kinds: Vec<AssumptionKind> = assumptions.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [AssumptionKind::ExternalId, AssumptionKind::SessionName]
        );
        let json = serde_json::to_value(&assumptions).unwrap_or_default();
        assert_eq!(json[0]["kind"], "external-id");
        assert_eq!(
            json[1]["detail"],
            "session name `xacct-session` for every AssumeRole (none was given)"
        );
    }
}
