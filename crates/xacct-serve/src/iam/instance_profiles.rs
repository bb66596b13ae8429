//! Instance profiles. AddRoleToInstanceProfile passes the role: "The caller of this operation
//! must be granted the PassRole permission on the IAM role by a permissions policy"
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html>).
//! A profile that holds a role is in the engine's world (the compute that names it runs as that
//! role); one that holds none lives in the directory only.

use super::directory::Profile;
use super::pass_role::authorize_pass_role_for;
use super::roles::{find as find_role, no_such_role, role_xml};
use super::{element, error, members, ok, unique_id, Call, CREATED};
use crate::sts::Reply;
use xacct_world::InstanceProfile;

pub(super) fn answer(call: &Call<'_>, action: &str) -> Option<Result<Reply, Reply>> {
    Some(match action {
        "CreateInstanceProfile" => create(call),
        "GetInstanceProfile" => get(call),
        "DeleteInstanceProfile" => delete(call),
        "AddRoleToInstanceProfile" | "RemoveRoleFromInstanceProfile" => change_role(call, action),
        "ListInstanceProfiles" => list(call, None),
        "ListInstanceProfilesForRole" => list_for_role(call),
        "ListInstanceProfileTags" => list_tags(call),
        _ => return None,
    })
}

fn no_such_profile(name: &str) -> Reply {
    error(
        "NoSuchEntity",
        &format!("Instance Profile {name} cannot be found."),
    )
}

fn find(call: &Call<'_>, name: &str) -> Option<Profile> {
    call.state
        .iam
        .lock()
        .profiles
        .values()
        .find(|profile| profile.account == call.account && profile.name.eq_ignore_ascii_case(name))
        .cloned()
}

/// The profile `InstanceProfileName` names, once the caller may `action` it.
fn authorized(call: &Call<'_>, action: &str) -> Result<Profile, Reply> {
    let name = call.param("InstanceProfileName")?;
    let existing = find(call, name);
    let arn = existing.as_ref().map_or_else(
        || format!("arn:aws:iam::{}:instance-profile/{name}", call.account),
        |profile| profile.arn.clone(),
    );
    call.authorize(action, &arn, &[])?;
    existing.ok_or_else(|| no_such_profile(name))
}

fn profile_xml(call: &Call<'_>, profile: &Profile) -> String {
    let world = call.state.engine.world();
    let roles: Vec<String> = profile
        .roles
        .iter()
        .filter_map(|arn| world.roles.get(arn))
        .map(|role| {
            let xml = role_xml("member", role);
            xml.trim_start_matches("<member>")
                .trim_end_matches("</member>")
                .to_owned()
        })
        .collect();
    let roles = members("Roles", &roles).replace("<IsTruncated>false</IsTruncated>", "");
    format!(
        "{}{}{}{}{}{roles}",
        element("Path", &profile.path),
        element("InstanceProfileName", &profile.name),
        element("InstanceProfileId", &unique_id("AIPA", &profile.arn)),
        element("Arn", &profile.arn),
        element("CreateDate", CREATED),
    ) + &super::tags_xml(&profile.tags)
}

/// Writes `profile` into the world: there when it holds a role, gone when it holds none.
fn sync(call: &Call<'_>, profile: &Profile) {
    let mut world = call.state.engine.world_mut();
    match (profile.roles.first(), profile.account.parse()) {
        (Some(role), Ok(account)) => {
            world.instance_profiles.insert(
                profile.arn.clone(),
                InstanceProfile {
                    arn: profile.arn.clone(),
                    account,
                    name: profile.name.clone(),
                    role: role.clone(),
                    origin: super::origin(format!(
                        "instance profile {}, changed through the endpoint",
                        profile.arn
                    )),
                },
            );
        }
        _ => {
            world.instance_profiles.remove(&profile.arn);
        }
    }
}

fn create(call: &Call<'_>) -> Result<Reply, Reply> {
    let name = call.name("InstanceProfileName", 128)?;
    let path = call.path()?;
    let arn = format!("arn:aws:iam::{}:instance-profile{path}{name}", call.account);
    let tags = call.tags();
    call.authorize("CreateInstanceProfile", &arn, &super::tag_context(&tags))?;
    if find(call, name).is_some() {
        return Err(error(
            "EntityAlreadyExists",
            &format!("Instance Profile {name} already exists."),
        ));
    }
    let profile = Profile {
        arn: arn.clone(),
        name: name.to_owned(),
        path: path.to_owned(),
        account: call.account.clone(),
        roles: Vec::new(),
        tags,
    };
    call.state.iam.lock().profiles.insert(arn, profile.clone());
    Ok(ok(
        "CreateInstanceProfile",
        &format!(
            "<InstanceProfile>{}</InstanceProfile>",
            profile_xml(call, &profile)
        ),
    ))
}

fn get(call: &Call<'_>) -> Result<Reply, Reply> {
    let profile = authorized(call, "GetInstanceProfile")?;
    Ok(ok(
        "GetInstanceProfile",
        &format!(
            "<InstanceProfile>{}</InstanceProfile>",
            profile_xml(call, &profile)
        ),
    ))
}

fn delete(call: &Call<'_>) -> Result<Reply, Reply> {
    let profile = authorized(call, "DeleteInstanceProfile")?;
    // <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html>
    if !profile.roles.is_empty() {
        return Err(error(
            "DeleteConflict",
            "Cannot delete entity, must remove roles from instance profile first.",
        ));
    }
    call.state.iam.lock().profiles.remove(&profile.arn);
    sync(
        call,
        &Profile {
            roles: Vec::new(),
            ..profile
        },
    );
    Ok(ok("DeleteInstanceProfile", ""))
}

fn change_role(call: &Call<'_>, action: &str) -> Result<Reply, Reply> {
    let profile = authorized(call, action)?;
    let role_name = call.param("RoleName")?;
    let role = find_role(call, role_name).ok_or_else(|| no_such_role(role_name))?;
    let mut profile = profile;
    if action == "AddRoleToInstanceProfile" {
        if !profile.roles.is_empty() {
            return Err(error(
                "LimitExceeded",
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            ));
        }
        // The role is handed to EC2 through the profile. The API reference says the
        // associated resource is then `arn:aws:ec2:*:CallerAccountId:instance/*`, wildcards
        // and all; which service principal IAM names as `iam:PassedToService` it does not say:
        // EC2's, the service that uses an instance profile, is assumed.
        let associated = format!("arn:aws:ec2:*:{}:instance/*", call.account);
        let verdict = authorize_pass_role_for(
            &call.state.engine,
            &call.session(),
            &role.arn,
            "ec2.amazonaws.com",
            Some(&associated),
        )
        .map_err(|failure| error("ValidationError", &failure.to_string()))?;
        if !verdict.allowed {
            return Err(error("AccessDenied", &verdict.message));
        }
        profile.roles.push(role.arn.clone());
    } else {
        if !profile.roles.contains(&role.arn) {
            return Err(error(
                "NoSuchEntity",
                &format!(
                    "The role with name {role_name} cannot be found in instance profile {}.",
                    profile.name
                ),
            ));
        }
        profile.roles.retain(|arn| arn != &role.arn);
    }
    call.state
        .iam
        .lock()
        .profiles
        .insert(profile.arn.clone(), profile.clone());
    sync(call, &profile);
    Ok(ok(action, ""))
}

fn list(call: &Call<'_>, role: Option<&str>) -> Result<Reply, Reply> {
    if role.is_none() {
        call.authorize("ListInstanceProfiles", "*", &[])?;
    }
    let prefix = call.optional("PathPrefix").unwrap_or("/");
    let profiles: Vec<Profile> = call
        .state
        .iam
        .lock()
        .profiles
        .values()
        .filter(|profile| profile.account == call.account && profile.path.starts_with(prefix))
        .filter(|profile| role.is_none_or(|arn| profile.roles.iter().any(|held| held == arn)))
        .cloned()
        .collect();
    let items: Vec<String> = profiles
        .iter()
        .map(|profile| profile_xml(call, profile))
        .collect();
    let action = if role.is_some() {
        "ListInstanceProfilesForRole"
    } else {
        "ListInstanceProfiles"
    };
    Ok(ok(action, &members("InstanceProfiles", &items)))
}

fn list_for_role(call: &Call<'_>) -> Result<Reply, Reply> {
    let name = call.param("RoleName")?;
    let existing = find_role(call, name);
    let arn = existing.as_ref().map_or_else(
        || format!("arn:aws:iam::{}:role/{name}", call.account),
        |role| role.arn.clone(),
    );
    call.authorize("ListInstanceProfilesForRole", &arn, &[])?;
    let role = existing.ok_or_else(|| no_such_role(name))?;
    list(call, Some(&role.arn))
}

fn list_tags(call: &Call<'_>) -> Result<Reply, Reply> {
    let profile = authorized(call, "ListInstanceProfileTags")?;
    Ok(ok(
        "ListInstanceProfileTags",
        &super::tags_list(&profile.tags),
    ))
}
