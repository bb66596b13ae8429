//! The AWS config file `xacct serve` writes: one profile per principal the scenario declares
//! (users with their access key, compute identities with the session their instance profile
//! or role gives them), and one per role a profile may assume (reached by a real AssumeRole
//! call through the endpoint, with the ExternalId the trust policy asks for).

use crate::identity::{Credential, Identity};
use crate::store::StoreError;
use crate::State;
use xacct_paths::assume::{assume, short_name};
use xacct_paths::search::{AssumeOptions, Query};
use xacct_paths::{resolve, Start};

/// One profile of the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// What it acts as, for the listing.
    pub acts_as: String,
    pub kind: ProfileKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileKind {
    Keys {
        access_key_id: String,
        secret_access_key: String,
        session_token: Option<String>,
    },
    AssumeRole {
        role_arn: String,
        source_profile: String,
        external_id: Option<String>,
    },
}

/// A profile name from a scenario name: letters, digits and `-_.` only.
fn profile_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn keys_of(credential: &Credential) -> ProfileKind {
    ProfileKind::Keys {
        access_key_id: credential.access_key_id.clone(),
        secret_access_key: credential.secret_access_key.clone(),
        session_token: credential.session_token.clone(),
    }
}

/// The scenario's principals: `(profile name, label, start)`.
fn starts(state: &State) -> Vec<(String, String, Start)> {
    let world = state.engine.world();
    let mut out = Vec::new();
    for name in world.compute.keys() {
        if let Ok(mut start) = resolve(&world, &format!("compute:{name}")) {
            // EC2 names an instance profile's session after the instance; the compute's name
            // stands in for it.
            if matches!(start.session.principal, xacct_world::Principal::Role(_)) {
                start.session.session_name = Some(profile_name(name));
            }
            out.push((
                profile_name(&format!("compute-{name}")),
                format!("compute:{name}"),
                start,
            ));
        }
    }
    // The role that launches a compute (`deployed_by`: the Databricks workspace's
    // cross-account role, EMR's service role) is assumed by a service outside the scenario;
    // its session is given as keys, to rehearse the launch (EC2 RunInstances passes the
    // instance profile's role).
    for (name, compute) in &world.compute {
        let Some(deployer) = compute.deployed_by.as_deref() else {
            continue;
        };
        if let Ok(mut start) = resolve(&world, deployer) {
            start.session.session_name = Some(profile_name(&format!("deploy-{name}")));
            out.push((
                profile_name(&format!("deployer-{name}")),
                deployer.to_owned(),
                start,
            ));
        }
    }
    for user in world.users.values() {
        if user.arn == crate::iam::admin_arn(user.account.as_str()) {
            continue;
        }
        if let Ok(start) = resolve(&world, &user.arn) {
            out.push((
                profile_name(&format!("user-{}", user.name)),
                user.arn.clone(),
                start,
            ));
        }
    }
    out
}

/// Issues (or finds, with the same data folder) each principal's credential, and lists the
/// roles each may assume.
pub fn profiles(state: &State) -> Result<Vec<Profile>, StoreError> {
    let mut out = Vec::new();
    let accounts: Vec<String> = state
        .engine
        .world()
        .accounts
        .keys()
        .map(|account| account.to_string())
        .collect();
    for account in accounts {
        let arn = crate::iam::admin_arn(&account);
        let identity = Identity::of(
            &xacct_world::Session::of(xacct_world::Principal::User(arn.clone())),
            None,
        );
        let credential = state
            .keys
            .stable(&format!("admin/{account}"), identity, false)?;
        state.iam.register_key(&arn, &credential.access_key_id);
        out.push(Profile {
            name: format!("account-{account}"),
            acts_as: format!("{arn} (administrator, for runbooks)"),
            kind: keys_of(&credential),
        });
    }
    for (name, label, start) in starts(state) {
        let identity = Identity::of(&start.session, None);
        let temporary = identity.kind == "role";
        let credential = state.keys.stable(&label, identity, temporary)?;
        if !temporary {
            state
                .iam
                .register_key(&credential.identity.arn, &credential.access_key_id);
        }
        out.push(Profile {
            name: name.clone(),
            acts_as: format!("{label} ({})", credential.identity.caller_arn()),
            kind: keys_of(&credential),
        });
        let world = state.engine.world();
        let query = Query {
            start: start.session.clone(),
            via: Vec::new(),
            action: "sts:AssumeRole".to_owned(),
            resource: String::new(),
            context: Vec::new(),
            options: AssumeOptions::default(),
            max_depth: 1,
        };
        for role in world.roles.keys() {
            if start.session.principal.arn() == role {
                continue;
            }
            let Ok(attempt) = assume(&world, &query, &start.session, role) else {
                continue;
            };
            if attempt.passes() {
                out.push(Profile {
                    name: profile_name(&format!("{name}-as-{}", short_name(role))),
                    acts_as: format!("{role}, assumed from {name}"),
                    kind: ProfileKind::AssumeRole {
                        role_arn: role.clone(),
                        source_profile: name.clone(),
                        external_id: attempt.external_id,
                    },
                });
            }
        }
    }
    Ok(out)
}

/// What STS accepts as an external id (`[\w+=,.@:/-]{2,1224}`); anything else, a line
/// break above all, would write a line of its own into the config file, where
/// `credential_process` runs a command.
fn is_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
}

/// A scenario's names and ARNs as one comment line: control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The config file's text (credentials included, which the AWS config file allows).
pub fn config_text(profiles: &[Profile], endpoint: &str, region: &str) -> String {
    let mut text = String::from(
        "# Written by `xacct serve`: profiles for the principals of the served scenario.\n\
         # Use with: export AWS_CONFIG_FILE=THIS_FILE (and --profile NAME, or AWS_PROFILE).\n",
    );
    for profile in profiles {
        text.push_str(&format!(
            "\n# {}\n[profile {}]\nregion = {region}\nendpoint_url = {endpoint}\n",
            one_line(&profile.acts_as),
            profile.name
        ));
        match &profile.kind {
            ProfileKind::Keys {
                access_key_id,
                secret_access_key,
                session_token,
            } => {
                text.push_str(&format!(
                    "aws_access_key_id = {access_key_id}\naws_secret_access_key = {secret_access_key}\n"
                ));
                if let Some(token) = session_token {
                    text.push_str(&format!("aws_session_token = {token}\n"));
                }
            }
            ProfileKind::AssumeRole {
                role_arn,
                source_profile,
                external_id,
            } => {
                text.push_str(&format!(
                    "role_arn = {role_arn}\nsource_profile = {source_profile}\nrole_session_name = xacct-serve\n"
                ));
                match external_id {
                    Some(id) if is_external_id(id) => {
                        text.push_str(&format!("external_id = {id}\n"));
                    }
                    Some(_) => text.push_str(
                        "# external_id left out: the trust policy asks for one STS would refuse (2-1224 of A-Z a-z 0-9 +=,.@:/-)\n",
                    ),
                    None => {}
                }
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scenario_cannot_write_lines_of_its_own_into_the_config_file() {
        let profiles = [
            super::Profile {
                name: "role-b".to_owned(),
                acts_as: "role\ncredential_process = sh -c id".to_owned(),
                kind: super::ProfileKind::AssumeRole {
                    role_arn: "arn:aws:iam::222222222222:role/B".to_owned(),
                    source_profile: "compute-etl".to_owned(),
                    external_id: Some("x\ncredential_process = sh -c id".to_owned()),
                },
            },
            super::Profile {
                name: "role-c".to_owned(),
                acts_as: "role c".to_owned(),
                kind: super::ProfileKind::AssumeRole {
                    role_arn: "arn:aws:iam::222222222222:role/C".to_owned(),
                    source_profile: "compute-etl".to_owned(),
                    external_id: Some("etl-42".to_owned()),
                },
            },
        ];
        let text = super::config_text(&profiles, "http://127.0.0.1:1", "us-east-1");
        assert!(
            !text
                .lines()
                .any(|line| line.starts_with("credential_process")),
            "{text}"
        );
        assert!(text.contains("external_id = etl-42\n"), "{text}");
    }

    use super::*;

    #[test]
    fn profile_names_keep_to_safe_characters() {
        assert_eq!(profile_name("compute-my etl/1"), "compute-my-etl-1");
    }

    #[test]
    fn a_role_profile_names_its_source_and_external_id() {
        let profiles = [Profile {
            name: "compute-etl-as-B".to_owned(),
            acts_as: "B".to_owned(),
            kind: ProfileKind::AssumeRole {
                role_arn: "arn:aws:iam::222222222222:role/B".to_owned(),
                source_profile: "compute-etl".to_owned(),
                external_id: Some("id-1".to_owned()),
            },
        }];
        let text = config_text(&profiles, "http://127.0.0.1:1", "us-east-1");
        assert!(text.contains(
            "[profile compute-etl-as-B]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:1\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = compute-etl\nrole_session_name = xacct-serve\nexternal_id = id-1\n"
        ));
    }
}
