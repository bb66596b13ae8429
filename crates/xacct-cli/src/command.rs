//! One module per subcommand.

pub mod check;
pub mod collect;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod graph;
pub mod import;
mod import_terraform;
pub mod plan;
pub mod serve;
pub mod validate;
pub mod who_can;

/// Exit codes shared by every command: 0 success, 1 a negative answer, 2 unusable input.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}

/// `--at TIME`, shared by the commands that decide requests (eval, check, explain, who-can).
#[derive(clap::Args, Clone, Copy)]
pub struct At {
    /// Decide as if every request were made at TIME (RFC 3339, e.g. 2026-12-07T09:30:00Z),
    /// for reproducible answers: it sets aws:CurrentTime and aws:EpochTime. Default: now.
    #[arg(long = "at", value_name = "TIME", value_parser = parse_at)]
    at: Option<xacct_eval::RequestTime>,
}

fn parse_at(text: &str) -> Result<xacct_eval::RequestTime, String> {
    xacct_eval::RequestTime::parse(text).map_err(|error| error.to_string())
}

impl At {
    /// The pinned time, or the clock now.
    pub fn time(&self) -> xacct_eval::RequestTime {
        self.at.unwrap_or_else(xacct_eval::RequestTime::now)
    }
}

/// Why an `--external-id ROLE_ARN=ID` cannot be used: the id is one STS refuses, or its role is
/// not in the scenario, so the id would be passed to no trust policy and the answer would read
/// as if it had been (a mistyped ARN changes nothing but looks taken). `None` when all is well.
pub fn unknown_external_id_role(
    world: &xacct_world::World,
    external_ids: &[(String, String)],
) -> Option<String> {
    // An id STS would refuse (AssumeRole's `ExternalId` pattern) can pass no trust policy.
    if let Some((role, id, problem)) = external_ids.iter().find_map(|(role, id)| {
        xacct_world::names::external_id_error(id).map(|problem| (role, id, problem))
    }) {
        return Some(format!(
            "`--external-id {role}={id}`: the external id {problem} (AssumeRole, STS API Reference)"
        ));
    }
    let (role, id) = external_ids
        .iter()
        .find(|(role, _)| !world.roles.contains_key(role.as_str()))?;
    let mut message =
        format!("`--external-id {role}={id}`: no role of the scenario has the ARN `{role}`");
    let roles: Vec<String> = world.roles.keys().map(ToString::to_string).collect();
    if let Some(near) = xacct_world::suggest::closest(role, &roles) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    Some(message)
}

/// `KEY=VALUE` of `--context` and `--external-id`, split at the first `=`: values hold `=`
/// often (a base64 external id ends in `==`, a tag value `k=v`), keys seldom (a condition key
/// never; a role name may, and such a role is then named as unknown, never silently wrong).
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("`{text}` is not `key=value`"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pair_splits_at_its_first_equals_sign() {
        assert_eq!(
            super::parse_pair("arn:aws:iam::1:role/r=c2VjcmV0==").unwrap(),
            ("arn:aws:iam::1:role/r".to_owned(), "c2VjcmV0==".to_owned())
        );
        assert_eq!(
            super::parse_pair("aws:PrincipalTag/team=a=b").unwrap(),
            ("aws:PrincipalTag/team".to_owned(), "a=b".to_owned())
        );
        assert!(super::parse_pair("no-equals").is_err());
    }
}
