//! Where a question starts: the identity compute runs as.

use xacct_world::{Principal, Session, World};

/// A resolved starting identity.
#[derive(Debug, Clone)]
pub struct Start {
    /// What the user wrote (`compute:etl`, an instance profile ARN, ...).
    pub label: String,
    pub session: Session,
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
