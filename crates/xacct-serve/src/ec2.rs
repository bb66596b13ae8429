//! EC2's RunInstances, enough to rehearse the one launch the field guides depend on: a
//! deployer (the Databricks workspace's cross-account role, EMR's service role) starting an
//! instance with an instance profile, which IAM allows only when the deployer may pass the
//! profile's role to EC2 (`iam:PassRole` with `iam:PassedToService = ec2.amazonaws.com`,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>). Both
//! `ec2:RunInstances` and the PassRole are decided by the engine, the PassRole exactly as
//! `xacct check` decides a compute's `deployed_by` (`iam::pass_role`). No instance runs: the
//! answer says it is pending, and the instance's credentials are the `compute-NAME` profile's.

use crate::identity::Credential;
use crate::sts::{request_id, Reply};
use crate::xml::escape;
use crate::State;
use hyper::StatusCode;
use std::collections::BTreeMap;
use xacct_world::model::InstanceProfile;

/// Most instances one RunInstances answers with.
const MOST_INSTANCES: u32 = 100;

/// EC2's error document (`Response/Errors/Error`, as botocore's EC2 parser reads it).
fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply {
        status,
        body: format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            escape(code),
            escape(message),
            request_id()
        ),
    }
}

/// A refusal as EC2 words it: `UnauthorizedOperation` (403) with IAM's sentence. AWS also
/// appends an encoded authorization message (`sts:DecodeAuthorizationMessage`); xacct's
/// reason is in the `x-xacct-explanation` header instead.
fn unauthorized(message: &str) -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "UnauthorizedOperation",
        &format!("You are not authorized to perform this operation. {message}"),
    )
}

fn invalid(parameter: &str, value: &str, why: &str) -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        "InvalidParameterValue",
        &format!("Value ({value}) for parameter {parameter} is invalid. {why}"),
    )
}

/// The instance profile a RunInstances names (`IamInstanceProfile.Arn` or `.Name`, a name
/// being the caller's account's).
fn named_profile(
    state: &State,
    params: &BTreeMap<String, String>,
    account: &str,
) -> Result<Option<InstanceProfile>, Reply> {
    let world = state.engine.world();
    if let Some(arn) = params.get("IamInstanceProfile.Arn") {
        return world
            .instance_profiles
            .get(arn)
            .cloned()
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    "iamInstanceProfile.arn",
                    arn,
                    "Invalid IAM Instance Profile ARN",
                )
            });
    }
    if let Some(name) = params.get("IamInstanceProfile.Name") {
        return world
            .instance_profiles
            .values()
            .find(|profile| profile.name == *name && profile.account.as_str() == account)
            .cloned()
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    "iamInstanceProfile.name",
                    name,
                    "Invalid IAM Instance Profile name",
                )
            });
    }
    Ok(None)
}

/// Answers one EC2 call.
pub fn answer(
    state: &State,
    caller: &Credential,
    params: &BTreeMap<String, String>,
    region: &str,
) -> Reply {
    match params.get("Action").map(String::as_str) {
        Some("RunInstances") => run_instances(state, caller, params, region),
        other => error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!(
                "xacct serve answers EC2's RunInstances only (to rehearse passing a role to an instance), not {}",
                other.unwrap_or("a request without Action")
            ),
        ),
    }
}

fn run_instances(
    state: &State,
    caller: &Credential,
    params: &BTreeMap<String, String>,
    region: &str,
) -> Reply {
    let account = caller.identity.account();
    let count = |name: &str| params.get(name).and_then(|value| value.parse::<u32>().ok());
    let (Some(min), Some(max)) = (count("MinCount"), count("MaxCount")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "The request must contain the parameters MinCount and MaxCount",
        );
    };
    if min == 0 || min > max {
        return invalid(
            "MinCount",
            &min.to_string(),
            "MinCount must be from 1 to MaxCount",
        );
    }
    // Nothing runs, but each instance is an item of the answer: a rehearsal launches few.
    if min > MOST_INSTANCES {
        return error(
            StatusCode::BAD_REQUEST,
            "InstanceLimitExceeded",
            &format!(
                "xacct serve launches at most {MOST_INSTANCES} instances per request, not {min}"
            ),
        );
    }
    let Some(image) = params.get("ImageId") else {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "The request must contain the parameter ImageId",
        );
    };
    let session = caller.identity.session();
    let instances = format!("arn:aws:ec2:{region}:{account}:instance/*");
    let launch = match state
        .engine
        .decide(&session, "ec2:RunInstances", &instances, &[])
    {
        Ok(verdict) => verdict,
        Err(refused) => return invalid("RunInstances", &instances, &refused.to_string()),
    };
    if !launch.allowed {
        return unauthorized(&launch.message);
    }
    let profile = match named_profile(state, params, &account) {
        Ok(profile) => profile,
        Err(reply) => return reply,
    };
    if let Some(profile) = &profile {
        match crate::iam::authorize_pass_role(
            &state.engine,
            &session,
            &profile.role,
            "ec2.amazonaws.com",
        ) {
            Ok(verdict) if verdict.allowed => {}
            Ok(verdict) => return unauthorized(&verdict.message),
            Err(refused) => {
                return invalid("iamInstanceProfile", &profile.arn, &refused.to_string())
            }
        }
    }
    let mut items = String::new();
    for _ in 0..min {
        let mut id = [0u8; 8];
        rand::Rng::fill(&mut rand::thread_rng(), &mut id);
        let profile_xml = profile.as_ref().map_or_else(String::new, |profile| {
            format!(
                "<iamInstanceProfile><arn>{}</arn><id>{}</id></iamInstanceProfile>",
                escape(&profile.arn),
                escape(&profile.name)
            )
        });
        items.push_str(&format!(
            "<item><instanceId>i-{}</instanceId><imageId>{}</imageId><instanceState><code>0</code><name>pending</name></instanceState>{profile_xml}</item>",
            &hex::encode(id)[..15],
            escape(image)
        ));
    }
    Reply {
        status: StatusCode::OK,
        body: format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RunInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{}</requestId><reservationId>r-{}</reservationId><ownerId>{account}</ownerId><instancesSet>{items}</instancesSet></RunInstancesResponse>",
            request_id(),
            &request_id()[..15]
        ),
    }
}
