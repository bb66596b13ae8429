//! Where a question starts: the identity compute runs as.

use xacct_world::{Expectation, Principal, Session, World};

/// A resolved starting identity.
#[derive(Debug, Clone)]
pub struct Start {
    /// What the user wrote (`compute:etl`, an instance profile ARN, ...).
    pub label: String,
    pub session: Session,
}

impl Start {
    /// The starting session as an expectation states it. A role session the expectation
    /// names itself (a role or assumed-role ARN) was obtained by an AssumeRole the scenario
    /// does not show, so it carries the session tags and source identity the expectation
    /// gives (as `aws:PrincipalTag/*` and `aws:SourceIdentity`); a compute's session (EC2 for
    /// an instance profile, Glue for a job role) and a user's carry none. The session policy
    /// is added where the final request is made (`AssumeOptions::session_policy`).
    #[must_use]
    pub fn stated_by(mut self, expectation: &Expectation) -> Self {
        let stated_role_session = matches!(self.session.principal, Principal::Role(_))
            && !self.session.from_instance_profile
            && !expectation.from.starts_with("compute:");
        if stated_role_session {
            if !expectation.session_tags.is_empty() {
                self.session.tags.clone_from(&expectation.session_tags);
            }
            if let Some(source_identity) = &expectation.source_identity {
                self.session.source_identity = Some(source_identity.clone());
            }
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an instance profile, role, user, role session or compute of the scenario")]
pub struct UnknownStart(pub String);

/// Resolves `from`: an instance profile ARN (its role, as EC2 obtains it), a role ARN, an
/// assumed-role session ARN, a user ARN, or `compute:NAME`.
pub fn resolve(world: &World, from: &str) -> Result<Start, UnknownStart> {
    let unknown = || UnknownStart(from.to_owned());
    if let Some(name) = from.strip_prefix("compute:") {
        let compute = world.compute.get(name).ok_or_else(unknown)?;
        let inner = compute
            .instance_profile
            .as_deref()
            .or(compute.role.as_deref())
            // A compute whose only credentials are long-lived keys is their user.
            .or(compute.access_keys.as_deref())
            .ok_or_else(unknown)?;
        let mut start = resolve(world, inner)?;
        start.label = from.to_owned();
        return Ok(start);
    }
    if let Some(profile) = world.instance_profiles.get(from) {
        let mut session = Session::of(Principal::Role(profile.role.clone()));
        session.from_instance_profile = true;
        return Ok(Start {
            label: from.to_owned(),
            session,
        });
    }
    if world.roles.contains_key(from) {
        return Ok(Start {
            label: from.to_owned(),
            session: Session::of(Principal::Role(from.to_owned())),
        });
    }
    if world.users.contains_key(from) {
        return Ok(Start {
            label: from.to_owned(),
            session: Session::of(Principal::User(from.to_owned())),
        });
    }
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    let (prefix, rest) = from.split_once(":assumed-role/").ok_or_else(unknown)?;
    let account = prefix.strip_prefix("arn:aws:sts::").ok_or_else(unknown)?;
    let (role_name, session_name) = rest.split_once('/').ok_or_else(unknown)?;
    let role = world
        .roles
        .values()
        .find(|role| role.account.as_str() == account && role.name == role_name)
        .ok_or_else(unknown)?;
    let mut session = Session::of(Principal::Role(role.arn.clone()));
    session.session_name = Some(session_name.to_owned());
    Ok(Start {
        label: from.to_owned(),
        session,
    })
}
