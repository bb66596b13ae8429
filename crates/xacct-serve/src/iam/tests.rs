//! IAM answered in-process on `examples/emrfs-role-mapping`: each change is followed by the
//! engine's decision of the request it should change.

use super::*;
use crate::identity::Identity;
use crate::xml::first_text;
use xacct_world::Principal;

const ADMIN_B: &str = "arn:aws:iam::222222222222:user/xacct-admin";
const EMR_ROLE: &str = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole";
const MAPPED: &str = "arn:aws:iam::222222222222:role/role_in_destination_account";
const OBJECT: &str = "arn:aws:s3:::doc-example-bucket/output/part-00000";

fn state(dir: &std::path::Path) -> State {
    crate::test_support::served("emrfs-role-mapping", dir)
}

fn credential(arn: &str) -> Credential {
    let principal = if arn.contains(":user/") {
        Principal::User(arn.to_owned())
    } else {
        Principal::Role(arn.to_owned())
    };
    Credential {
        access_key_id: "AKIATEST".to_owned(),
        secret_access_key: "secret".to_owned(),
        session_token: None,
        expires: None,
        identity: Identity::of(&Session::of(principal), None),
    }
}

/// Calls `action` as `who`; `(code, body)` with `ok` for a success.
fn iam(state: &State, who: &str, action: &str, params: &[(&str, &str)]) -> (String, String) {
    let mut all: BTreeMap<String, String> = params
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    all.insert("Action".to_owned(), action.to_owned());
    let reply = answer(state, &credential(who), &all);
    let code = if reply.status.is_success() {
        "ok".to_owned()
    } else {
        first_text(&reply.body, "Code").unwrap_or_default()
    };
    (code, reply.body)
}

fn allowed(state: &State, who: &str, action: &str, resource: &str) -> bool {
    let session = Session::of(Principal::Role(who.to_owned()));
    match state.engine.decide(&session, action, resource, &[]) {
        Ok(verdict) => verdict.allowed,
        Err(error) => panic!("{error}"),
    }
}

const TRUST_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;
const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-example-bucket/*"}]}"#;
const LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::doc-example-bucket"}]}"#;
const POLICY: &str = "arn:aws:iam::222222222222:policy/lake/read-lake";
const READER: &str = "arn:aws:iam::222222222222:role/reader";

#[test]
fn the_default_version_of_an_attached_policy_decides_at_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let create = [
        ("RoleName", "reader"),
        ("AssumeRolePolicyDocument", TRUST_A),
    ];
    assert_eq!(iam(&state, ADMIN_B, "CreateRole", &create).0, "ok");
    let policy = [
        ("PolicyName", "read-lake"),
        ("Path", "/lake/"),
        ("PolicyDocument", READ),
    ];
    let (code, body) = iam(&state, ADMIN_B, "CreatePolicy", &policy);
    assert_eq!(code, "ok", "{body}");
    assert!(body.contains(&format!("<Arn>{POLICY}</Arn>")), "{body}");
    assert_eq!(
        iam(&state, ADMIN_B, "CreatePolicy", &policy).0,
        "EntityAlreadyExists"
    );
    assert!(!allowed(&state, READER, "s3:GetObject", OBJECT));
    let attach = [("RoleName", "reader"), ("PolicyArn", POLICY)];
    assert_eq!(iam(&state, ADMIN_B, "AttachRolePolicy", &attach).0, "ok");
    assert!(allowed(&state, READER, "s3:GetObject", OBJECT));
    let (_, listed) = iam(
        &state,
        ADMIN_B,
        "ListAttachedRolePolicies",
        &[("RoleName", "reader")],
    );
    assert!(
        listed.contains("<PolicyName>read-lake</PolicyName>"),
        "{listed}"
    );

    // A new default version without the read takes it away; the old default gives it back.
    let version = [
        ("PolicyArn", POLICY),
        ("PolicyDocument", LIST),
        ("SetAsDefault", "true"),
    ];
    let (code, body) = iam(&state, ADMIN_B, "CreatePolicyVersion", &version);
    assert_eq!(code, "ok", "{body}");
    assert!(body.contains("<VersionId>v2</VersionId>"), "{body}");
    assert!(!allowed(&state, READER, "s3:GetObject", OBJECT));
    assert!(allowed(
        &state,
        READER,
        "s3:ListBucket",
        "arn:aws:s3:::doc-example-bucket"
    ));
    let (_, got) = iam(
        &state,
        ADMIN_B,
        "GetPolicyVersion",
        &[("PolicyArn", POLICY), ("VersionId", "v1")],
    );
    assert!(
        got.contains("<IsDefaultVersion>false</IsDefaultVersion>"),
        "{got}"
    );
    assert!(got.contains("s3%3AGetObject"), "{got}");
    let back = [("PolicyArn", POLICY), ("VersionId", "v1")];
    // v2 is the default: IAM refuses to delete it, and nothing changes.
    let current = [("PolicyArn", POLICY), ("VersionId", "v2")];
    assert_eq!(
        iam(&state, ADMIN_B, "DeletePolicyVersion", &current).0,
        "DeleteConflict"
    );
    assert!(!allowed(&state, READER, "s3:GetObject", OBJECT));
    assert_eq!(
        iam(&state, ADMIN_B, "SetDefaultPolicyVersion", &back).0,
        "ok"
    );
    assert!(allowed(&state, READER, "s3:GetObject", OBJECT));
}

#[test]
fn versions_deletes_and_conflicts_answer_as_iam() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let policy = [
        ("PolicyName", "read-lake"),
        ("Path", "/lake/"),
        ("PolicyDocument", READ),
    ];
    assert_eq!(iam(&state, ADMIN_B, "CreatePolicy", &policy).0, "ok");
    for _ in 2..=5 {
        let version = [("PolicyArn", POLICY), ("PolicyDocument", READ)];
        assert_eq!(
            iam(&state, ADMIN_B, "CreatePolicyVersion", &version).0,
            "ok"
        );
    }
    let version = [("PolicyArn", POLICY), ("PolicyDocument", READ)];
    assert_eq!(
        iam(&state, ADMIN_B, "CreatePolicyVersion", &version).0,
        "LimitExceeded"
    );
    let default = [("PolicyArn", POLICY), ("VersionId", "v1")];
    assert_eq!(
        iam(&state, ADMIN_B, "DeletePolicyVersion", &default).0,
        "DeleteConflict"
    );
    // Attached, and with other versions: DeletePolicy refuses.
    let attach = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyArn", POLICY),
    ];
    assert_eq!(iam(&state, ADMIN_B, "AttachRolePolicy", &attach).0, "ok");
    let arn = [("PolicyArn", POLICY)];
    assert_eq!(
        iam(&state, ADMIN_B, "DeletePolicy", &arn).0,
        "DeleteConflict"
    );
    let role = [("RoleName", "role_in_destination_account")];
    assert_eq!(
        iam(&state, ADMIN_B, "DeleteRole", &role).0,
        "DeleteConflict"
    );
    assert_eq!(iam(&state, ADMIN_B, "DetachRolePolicy", &attach).0, "ok");
    assert_eq!(
        iam(&state, ADMIN_B, "DetachRolePolicy", &attach).0,
        "NoSuchEntity"
    );
    assert_eq!(
        iam(&state, ADMIN_B, "DeletePolicy", &arn).0,
        "DeleteConflict"
    );
    for id in ["v2", "v3", "v4", "v5"] {
        let version = [("PolicyArn", POLICY), ("VersionId", id)];
        assert_eq!(
            iam(&state, ADMIN_B, "DeletePolicyVersion", &version).0,
            "ok"
        );
    }
    assert_eq!(iam(&state, ADMIN_B, "DeletePolicy", &arn).0, "ok");
    assert_eq!(iam(&state, ADMIN_B, "GetPolicy", &arn).0, "NoSuchEntity");
    // The scenario's inline policy (named after its file) must go before the role.
    let (_, names) = iam(&state, ADMIN_B, "ListRolePolicies", &role);
    assert!(
        names.contains("<member>destination-role-s3</member>"),
        "{names}"
    );
    let inline = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyName", "destination-role-s3"),
    ];
    assert_eq!(iam(&state, ADMIN_B, "DeleteRolePolicy", &inline).0, "ok");
    assert_eq!(iam(&state, ADMIN_B, "DeleteRole", &role).0, "ok");
    assert_eq!(iam(&state, ADMIN_B, "GetRole", &role).0, "NoSuchEntity");
    assert!(!state.engine.world().roles.contains_key(MAPPED));
}

#[test]
fn a_boundary_limits_what_the_role_policies_allow() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let boundary = [("PolicyName", "only-list"), ("PolicyDocument", LIST)];
    assert_eq!(iam(&state, ADMIN_B, "CreatePolicy", &boundary).0, "ok");
    let bounded = "arn:aws:iam::222222222222:policy/only-list";
    let create = [
        ("RoleName", "reader"),
        ("AssumeRolePolicyDocument", TRUST_A),
        ("PermissionsBoundary", bounded),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "lake"),
    ];
    let (code, body) = iam(&state, ADMIN_B, "CreateRole", &create);
    assert_eq!(code, "ok", "{body}");
    assert!(
        body.contains(&format!(
            "<PermissionsBoundaryArn>{bounded}</PermissionsBoundaryArn>"
        )),
        "{body}"
    );
    let everything = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let put = [
        ("RoleName", "reader"),
        ("PolicyName", "all-s3"),
        ("PolicyDocument", everything),
    ];
    assert_eq!(iam(&state, ADMIN_B, "PutRolePolicy", &put).0, "ok");
    assert!(!allowed(&state, READER, "s3:GetObject", OBJECT));
    assert!(allowed(
        &state,
        READER,
        "s3:ListBucket",
        "arn:aws:s3:::doc-example-bucket"
    ));
    // The tag reached the world: a principal tag the engine evaluates.
    assert_eq!(
        state
            .engine
            .world()
            .roles
            .get(READER)
            .and_then(|role| role.tags.get("team").cloned()),
        Some("lake".to_owned())
    );
    let remove = [("RoleName", "reader")];
    assert_eq!(
        iam(&state, ADMIN_B, "DeleteRolePermissionsBoundary", &remove).0,
        "ok"
    );
    assert!(allowed(&state, READER, "s3:GetObject", OBJECT));
    // A boundary that is not a policy of the account is NoSuchEntity.
    let unknown = [
        ("RoleName", "reader"),
        (
            "PermissionsBoundary",
            "arn:aws:iam::222222222222:policy/nope",
        ),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "PutRolePermissionsBoundary", &unknown).0,
        "NoSuchEntity"
    );
}

#[test]
fn a_user_acts_with_its_new_key_until_it_is_made_inactive() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let user = [("UserName", "loader")];
    assert_eq!(iam(&state, ADMIN_B, "CreateUser", &user).0, "ok");
    assert_eq!(
        iam(&state, ADMIN_B, "CreateUser", &user).0,
        "EntityAlreadyExists"
    );
    let (code, body) = iam(&state, ADMIN_B, "CreateAccessKey", &user);
    assert_eq!(code, "ok", "{body}");
    let id = first_text(&body, "AccessKeyId").unwrap_or_default();
    let secret = first_text(&body, "SecretAccessKey").unwrap_or_default();
    assert!(id.starts_with("AKIA") && secret.len() == 40, "{body}");
    let Ok(signer) = state.keys.check(&id, None, 0) else {
        panic!("the new key signs");
    };
    assert_eq!(signer.identity.arn, "arn:aws:iam::222222222222:user/loader");
    let put = [
        ("UserName", "loader"),
        ("PolicyName", "read"),
        ("PolicyDocument", READ),
    ];
    assert_eq!(iam(&state, ADMIN_B, "PutUserPolicy", &put).0, "ok");
    let verdict = state
        .engine
        .decide(&signer.identity.session(), "s3:GetObject", OBJECT, &[])
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(verdict.allowed);

    let inactive = [
        ("UserName", "loader"),
        ("AccessKeyId", &id),
        ("Status", "Inactive"),
    ];
    assert_eq!(iam(&state, ADMIN_B, "UpdateAccessKey", &inactive).0, "ok");
    assert_eq!(
        state.keys.check(&id, None, 0).err(),
        Some(crate::identity::Refusal::UnknownKey)
    );
    let (_, listed) = iam(&state, ADMIN_B, "ListAccessKeys", &user);
    assert!(listed.contains("<Status>Inactive</Status>"), "{listed}");
    let active = [
        ("UserName", "loader"),
        ("AccessKeyId", &id),
        ("Status", "Active"),
    ];
    assert_eq!(iam(&state, ADMIN_B, "UpdateAccessKey", &active).0, "ok");
    assert!(state.keys.check(&id, None, 0).is_ok());

    assert_eq!(iam(&state, ADMIN_B, "CreateAccessKey", &user).0, "ok");
    assert_eq!(
        iam(&state, ADMIN_B, "CreateAccessKey", &user).0,
        "LimitExceeded"
    );
    assert_eq!(
        iam(&state, ADMIN_B, "DeleteUser", &user).0,
        "DeleteConflict"
    );
    let (_, listed) = iam(&state, ADMIN_B, "ListAccessKeys", &user);
    for key in listed.split("<AccessKeyId>").skip(1) {
        let key = key.split('<').next().unwrap_or_default();
        let delete = [("UserName", "loader"), ("AccessKeyId", key)];
        assert_eq!(iam(&state, ADMIN_B, "DeleteAccessKey", &delete).0, "ok");
    }
    assert!(state.keys.lookup(&id).is_none());
    assert_eq!(
        iam(&state, ADMIN_B, "DeleteUser", &user).0,
        "DeleteConflict"
    );
    let inline = [("UserName", "loader"), ("PolicyName", "read")];
    assert_eq!(iam(&state, ADMIN_B, "DeleteUserPolicy", &inline).0, "ok");
    assert_eq!(iam(&state, ADMIN_B, "DeleteUser", &user).0, "ok");
    assert_eq!(iam(&state, ADMIN_B, "GetUser", &user).0, "NoSuchEntity");
}

#[test]
fn a_principal_without_iam_grants_is_refused_in_aws_words() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let policy = [("PolicyName", "mine"), ("PolicyDocument", READ)];
    let (code, body) = iam(&state, MAPPED, "CreatePolicy", &policy);
    assert_eq!(code, "AccessDenied");
    let message = first_text(&body, "Message").unwrap_or_default();
    assert!(
        message.contains("is not authorized to perform: iam:CreatePolicy on resource: policy mine because no identity-based policy allows the iam:CreatePolicy action"),
        "{message}"
    );
    // Refused before the role is looked up: a missing role is not revealed.
    let role = [("RoleName", "nope")];
    assert_eq!(iam(&state, MAPPED, "GetRole", &role).0, "AccessDenied");
    // A's administrator cannot act on B's role: names resolve in the caller's account.
    let admin_a = "arn:aws:iam::111111111111:user/xacct-admin";
    let role = [("RoleName", "role_in_destination_account")];
    assert_eq!(iam(&state, admin_a, "GetRole", &role).0, "NoSuchEntity");
    // A document IAM would refuse.
    let bad = [
        ("PolicyName", "bad"),
        ("PolicyDocument", r#"{"Statement":[{"Effect":"Allow"}]}"#),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "CreatePolicy", &bad).0,
        "MalformedPolicyDocument"
    );
}

#[test]
fn adding_a_role_to_an_instance_profile_passes_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let profile_arn = "arn:aws:iam::111111111111:instance-profile/etl";
    let profile = [("InstanceProfileName", "etl")];
    let admin_a = "arn:aws:iam::111111111111:user/xacct-admin";
    assert_eq!(
        iam(&state, admin_a, "CreateInstanceProfile", &profile).0,
        "ok"
    );
    // A role allowed to manage instance profiles but not to pass the role.
    let manage = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:AddRoleToInstanceProfile","iam:GetInstanceProfile"],"Resource":"*"}]}"#;
    let grant = [
        ("RoleName", "EMR_EC2_DefaultRole"),
        ("PolicyName", "manage"),
        ("PolicyDocument", manage),
    ];
    assert_eq!(iam(&state, admin_a, "PutRolePolicy", &grant).0, "ok");
    let add = [
        ("InstanceProfileName", "etl"),
        ("RoleName", "EMR_EC2_DefaultRole"),
    ];
    let (code, body) = iam(&state, EMR_ROLE, "AddRoleToInstanceProfile", &add);
    assert_eq!(code, "AccessDenied");
    assert!(
        body.contains(&format!("iam:PassRole on resource: {EMR_ROLE}")),
        "{body}"
    );
    assert!(!state
        .engine
        .world()
        .instance_profiles
        .contains_key(profile_arn));
    let pass = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:AddRoleToInstanceProfile","iam:GetInstanceProfile"],"Resource":"*"},{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}"#;
    let grant = [
        ("RoleName", "EMR_EC2_DefaultRole"),
        ("PolicyName", "manage"),
        ("PolicyDocument", pass),
    ];
    assert_eq!(iam(&state, admin_a, "PutRolePolicy", &grant).0, "ok");
    assert_eq!(
        iam(&state, EMR_ROLE, "AddRoleToInstanceProfile", &add).0,
        "ok"
    );
    assert_eq!(
        state
            .engine
            .world()
            .instance_profiles
            .get(profile_arn)
            .map(|profile| profile.role.clone()),
        Some(EMR_ROLE.to_owned())
    );
    let (_, got) = iam(&state, EMR_ROLE, "GetInstanceProfile", &profile);
    assert!(
        got.contains("<RoleName>EMR_EC2_DefaultRole</RoleName>"),
        "{got}"
    );
    assert_eq!(
        iam(&state, admin_a, "AddRoleToInstanceProfile", &add).0,
        "LimitExceeded"
    );
    assert_eq!(
        iam(&state, admin_a, "DeleteInstanceProfile", &profile).0,
        "DeleteConflict"
    );
    let (_, for_role) = iam(
        &state,
        admin_a,
        "ListInstanceProfilesForRole",
        &[("RoleName", "EMR_EC2_DefaultRole")],
    );
    assert!(
        for_role.contains("<InstanceProfileName>etl</InstanceProfileName>"),
        "{for_role}"
    );
    assert!(
        for_role.contains("<InstanceProfileName>EMR_EC2_DefaultRole</InstanceProfileName>"),
        "{for_role}"
    );
    assert_eq!(
        iam(&state, admin_a, "RemoveRoleFromInstanceProfile", &add).0,
        "ok"
    );
    assert!(!state
        .engine
        .world()
        .instance_profiles
        .contains_key(profile_arn));
    assert_eq!(
        iam(&state, admin_a, "DeleteInstanceProfile", &profile).0,
        "ok"
    );
    assert_eq!(
        iam(&state, admin_a, "GetInstanceProfile", &profile).0,
        "NoSuchEntity"
    );
}

#[test]
fn quotas_refuse_what_iam_refuses_and_names_ignore_case() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    // IAM counts the characters that are not white space.
    let statement = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-example-bucket/*"}"#;
    let document = |count: usize| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            vec![statement; count].join(",")
        )
    };
    let big = document(80);
    assert!(policy_size(&big) > MANAGED_POLICY_SIZE);
    let spaced = document(60).replace(',', ",                ");
    assert!(spaced.len() > MANAGED_POLICY_SIZE && policy_size(&spaced) <= MANAGED_POLICY_SIZE);
    let too_big = [("PolicyName", "big"), ("PolicyDocument", big.as_str())];
    assert_eq!(
        iam(&state, ADMIN_B, "CreatePolicy", &too_big).0,
        "LimitExceeded"
    );
    let fits = [("PolicyName", "big"), ("PolicyDocument", spaced.as_str())];
    assert_eq!(iam(&state, ADMIN_B, "CreatePolicy", &fits).0, "ok");
    // Names are unique whatever their case, and found so.
    let again = [("PolicyName", "BIG"), ("PolicyDocument", READ)];
    assert_eq!(
        iam(&state, ADMIN_B, "CreatePolicy", &again).0,
        "EntityAlreadyExists"
    );
    let role = [("RoleName", "ROLE_IN_DESTINATION_ACCOUNT")];
    assert_eq!(iam(&state, ADMIN_B, "GetRole", &role).0, "ok");
    // A role's inline policies together: 10,240 characters. The scenario's inline policy
    // counts; replacing a policy counts its new document only.
    let half = document(55);
    let put = |name: &'static str| {
        [
            ("RoleName", "role_in_destination_account"),
            ("PolicyName", name),
            ("PolicyDocument", half.as_str()),
        ]
    };
    assert_eq!(iam(&state, ADMIN_B, "PutRolePolicy", &put("one")).0, "ok");
    assert_eq!(iam(&state, ADMIN_B, "PutRolePolicy", &put("one")).0, "ok");
    assert_eq!(
        iam(&state, ADMIN_B, "PutRolePolicy", &put("two")).0,
        "LimitExceeded"
    );
    // The refused put changed nothing.
    let (_, names) = iam(
        &state,
        ADMIN_B,
        "ListRolePolicies",
        &[("RoleName", "role_in_destination_account")],
    );
    assert!(
        names.contains("<member>one</member>") && !names.contains("<member>two</member>"),
        "{names}"
    );
    // A trust policy: 2,048 characters.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        vec![r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}"#; 30].join(",")
    );
    let create = [
        ("RoleName", "wide"),
        ("AssumeRolePolicyDocument", trust.as_str()),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "CreateRole", &create).0,
        "LimitExceeded"
    );
}

#[test]
fn lists_and_tags_answer_for_the_callers_account() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let (code, roles) = iam(&state, ADMIN_B, "ListRoles", &[]);
    assert_eq!(code, "ok", "{roles}");
    assert!(
        roles.contains("<RoleName>role_in_destination_account</RoleName>"),
        "{roles}"
    );
    assert!(!roles.contains("<RoleName>EMR_EC2_DefaultRole"), "{roles}");
    // Documents are percent-encoded, a space as %20 (botocore's unquote keeps a `+`).
    assert!(
        roles.contains("%22Version%22%3A%20%222012-10-17%22"),
        "{roles}"
    );
    let policy = [("PolicyName", "read-lake"), ("PolicyDocument", READ)];
    assert_eq!(iam(&state, ADMIN_B, "CreatePolicy", &policy).0, "ok");
    let (_, local) = iam(&state, ADMIN_B, "ListPolicies", &[("Scope", "Local")]);
    assert!(
        local.contains("<PolicyName>read-lake</PolicyName>"),
        "{local}"
    );
    let (_, attached_only) = iam(
        &state,
        ADMIN_B,
        "ListPolicies",
        &[("Scope", "Local"), ("OnlyAttached", "true")],
    );
    assert!(!attached_only.contains("read-lake"), "{attached_only}");
    let admin_a = "arn:aws:iam::111111111111:user/xacct-admin";
    let (_, other) = iam(&state, admin_a, "ListPolicies", &[("Scope", "Local")]);
    assert!(!other.contains("read-lake"), "{other}");
    let (_, versions) = iam(
        &state,
        ADMIN_B,
        "ListPolicyVersions",
        &[("PolicyArn", "arn:aws:iam::222222222222:policy/read-lake")],
    );
    assert!(
        versions.contains("<VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion>"),
        "{versions}"
    );
    let (_, users) = iam(&state, ADMIN_B, "ListUsers", &[]);
    assert!(
        users.contains("<UserName>xacct-admin</UserName>"),
        "{users}"
    );
    let (_, profiles) = iam(&state, admin_a, "ListInstanceProfiles", &[]);
    assert!(
        profiles.contains("<InstanceProfileName>EMR_EC2_DefaultRole</InstanceProfileName>"),
        "{profiles}"
    );
    // Tags reach the world as the role's principal tags.
    let tag = [
        ("RoleName", "role_in_destination_account"),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "lake"),
    ];
    assert_eq!(iam(&state, ADMIN_B, "TagRole", &tag).0, "ok");
    let session = Session::of(Principal::Role(MAPPED.to_owned()));
    let tagged = state
        .engine
        .world()
        .request(&session, "s3:GetObject", OBJECT, &[])
        .map(|request| request.context.entry("aws:principaltag/team").is_some());
    assert_eq!(tagged.ok(), Some(true));
    let (_, listed) = iam(
        &state,
        ADMIN_B,
        "ListRoleTags",
        &[("RoleName", "role_in_destination_account")],
    );
    assert!(
        listed.contains("<Key>team</Key><Value>lake</Value>"),
        "{listed}"
    );
    let untag = [
        ("RoleName", "role_in_destination_account"),
        ("TagKeys.member.1", "team"),
    ];
    assert_eq!(iam(&state, ADMIN_B, "UntagRole", &untag).0, "ok");
    assert!(state
        .engine
        .world()
        .roles
        .get(MAPPED)
        .is_some_and(|role| role.tags.is_empty()));
}

#[test]
fn scenario_and_aws_managed_policies_are_read_attached_and_listed() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    // As the loader leaves a `[[managed_policy]]` attached to a role: labelled with its ARN.
    let declared = "arn:aws:iam::222222222222:policy/declared";
    let aws_managed = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    {
        let mut world = state.engine.world_mut();
        let Some(role) = world.roles.get_mut(MAPPED) else {
            panic!("the mapped role is declared");
        };
        role.policies.push(directory::managed_document(
            declared,
            LIST,
            PolicyKind::Identity,
        ));
        role.policies.push(directory::managed_document(
            aws_managed,
            READ,
            PolicyKind::Identity,
        ));
    }
    state.iam.seed(&state.engine);
    let role = [("RoleName", "role_in_destination_account")];
    let (_, attached) = iam(&state, ADMIN_B, "ListAttachedRolePolicies", &role);
    assert!(
        attached.contains("<PolicyName>declared</PolicyName>"),
        "{attached}"
    );
    assert!(
        attached.contains("<PolicyName>AmazonS3ReadOnlyAccess</PolicyName>"),
        "{attached}"
    );
    // Both are read with GetPolicy; an AWS managed one by any account's principal its own
    // policy allows, and by none other.
    for (who, arn) in [(ADMIN_B, declared), (ADMIN_B, aws_managed)] {
        let (code, body) = iam(&state, who, "GetPolicy", &[("PolicyArn", arn)]);
        assert_eq!(code, "ok", "{body}");
        assert!(
            body.contains("<AttachmentCount>1</AttachmentCount>"),
            "{body}"
        );
    }
    let admin_a = "arn:aws:iam::111111111111:user/xacct-admin";
    assert_eq!(
        iam(&state, admin_a, "GetPolicy", &[("PolicyArn", aws_managed)]).0,
        "ok"
    );
    assert_eq!(
        iam(&state, admin_a, "GetPolicy", &[("PolicyArn", declared)]).0,
        "AccessDenied"
    );
    let (code, body) = iam(&state, EMR_ROLE, "GetPolicy", &[("PolicyArn", aws_managed)]);
    assert_eq!(code, "AccessDenied");
    assert!(
        body.contains(&format!("iam:GetPolicy on resource: {aws_managed}")),
        "{body}"
    );
    // Detached, the AWS managed read is gone from the role's decisions.
    assert!(allowed(&state, MAPPED, "s3:GetObject", OBJECT));
    let detach = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyArn", aws_managed),
    ];
    assert_eq!(iam(&state, ADMIN_B, "DetachRolePolicy", &detach).0, "ok");
    let inline = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyName", "destination-role-s3"),
    ];
    assert_eq!(iam(&state, ADMIN_B, "DeleteRolePolicy", &inline).0, "ok");
    assert!(!allowed(&state, MAPPED, "s3:GetObject", OBJECT));
    assert_eq!(iam(&state, ADMIN_B, "AttachRolePolicy", &detach).0, "ok");
    assert!(allowed(&state, MAPPED, "s3:GetObject", OBJECT));
}

#[test]
fn a_delegated_administrator_creates_roles_only_within_its_boundary_and_tags() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let boundary = "arn:aws:iam::222222222222:policy/only-list";
    let create = [("PolicyName", "only-list"), ("PolicyDocument", LIST)];
    assert_eq!(iam(&state, ADMIN_B, "CreatePolicy", &create).0, "ok");
    // The pattern AWS documents for delegating role creation: only with the boundary set.
    let delegate = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:CreateRole","Resource":"*","Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{boundary}","aws:RequestTag/team":"lake"}}}}}}]}}"#
    );
    let grant = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyName", "delegate"),
        ("PolicyDocument", delegate.as_str()),
    ];
    assert_eq!(iam(&state, ADMIN_B, "PutRolePolicy", &grant).0, "ok");
    let with = |boundary: Option<&'static str>, team: &'static str| {
        let mut params = vec![
            ("RoleName", "made"),
            ("AssumeRolePolicyDocument", TRUST_A),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", team),
        ];
        params.extend(boundary.map(|arn| ("PermissionsBoundary", arn)));
        iam(&state, MAPPED, "CreateRole", &params).0
    };
    assert_eq!(with(None, "lake"), "AccessDenied");
    assert_eq!(with(Some(boundary), "other"), "AccessDenied");
    assert_eq!(
        with(Some("arn:aws:iam::222222222222:policy/nope"), "lake"),
        "AccessDenied"
    );
    assert_eq!(
        with(Some("arn:aws:iam::222222222222:policy/only-list"), "lake"),
        "ok"
    );
    let made = "arn:aws:iam::222222222222:role/made";
    // Made with no policy of its own: the boundary alone allows nothing.
    assert!(!allowed(
        &state,
        made,
        "s3:ListBucket",
        "arn:aws:s3:::doc-example-bucket"
    ));
    let everything = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let put = [
        ("RoleName", "made"),
        ("PolicyName", "all"),
        ("PolicyDocument", everything),
    ];
    assert_eq!(iam(&state, ADMIN_B, "PutRolePolicy", &put).0, "ok");
    assert!(allowed(
        &state,
        made,
        "s3:ListBucket",
        "arn:aws:s3:::doc-example-bucket"
    ));
    assert!(!allowed(&state, made, "s3:GetObject", OBJECT));
}

#[test]
fn a_service_linked_role_is_read_but_not_changed() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    if let Some(role) = state.engine.world_mut().roles.get_mut(MAPPED) {
        role.service_linked = true;
    }
    let role = [("RoleName", "role_in_destination_account")];
    assert_eq!(iam(&state, ADMIN_B, "GetRole", &role).0, "ok");
    let put = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyName", "more"),
        ("PolicyDocument", READ),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "PutRolePolicy", &put).0,
        "UnmodifiableEntity"
    );
    assert_eq!(
        iam(&state, ADMIN_B, "DeleteRole", &role).0,
        "UnmodifiableEntity"
    );
    assert!(state.engine.world().roles.contains_key(MAPPED));
}

#[test]
fn a_trust_policy_naming_a_missing_role_of_a_known_account_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let naming = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let missing = "arn:aws:iam::111111111111:role/not-yet";
    let trust = naming(missing);
    let create = [
        ("RoleName", "reader"),
        ("AssumeRolePolicyDocument", trust.as_str()),
    ];
    let (code, body) = iam(&state, ADMIN_B, "CreateRole", &create);
    assert_eq!(code, "MalformedPolicyDocument");
    assert_eq!(
        first_text(&body, "Message").unwrap_or_default(),
        format!("Invalid principal in policy: \"AWS\":\"{missing}\"")
    );
    // The role itself does not exist before CreateRole either.
    let itself = naming("arn:aws:iam::222222222222:role/reader");
    let create = [
        ("RoleName", "reader"),
        ("AssumeRolePolicyDocument", itself.as_str()),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "CreateRole", &create).0,
        "MalformedPolicyDocument"
    );
    // An existing role (whatever the case of its name), an account, another account's role.
    for principal in [
        "arn:aws:iam::111111111111:role/emr_ec2_defaultrole",
        "arn:aws:iam::111111111111:root",
        "arn:aws:iam::333333333333:role/elsewhere",
    ] {
        let trust = naming(principal);
        let update = [
            ("RoleName", "role_in_destination_account"),
            ("PolicyDocument", trust.as_str()),
        ];
        assert_eq!(
            iam(&state, ADMIN_B, "UpdateAssumeRolePolicy", &update).0,
            "ok",
            "{principal}"
        );
    }
    let trust = naming(missing);
    let update = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyDocument", trust.as_str()),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "UpdateAssumeRolePolicy", &update).0,
        "MalformedPolicyDocument"
    );
}

#[test]
fn a_role_made_again_under_a_deleted_ones_name_is_not_the_principal_policies_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let state = state(dir.path());
    let admin_a = "arn:aws:iam::111111111111:user/xacct-admin";
    let emr = Session::of(Principal::Role(EMR_ROLE.to_owned()));
    let assumes = |state: &State| {
        state
            .engine
            .decide(&emr, "sts:AssumeRole", MAPPED, &[])
            .map(|verdict| verdict.allowed)
            .unwrap_or_else(|error| panic!("{error}"))
    };
    assert!(assumes(&state));
    let session = state
        .keys
        .issue(Identity::of(&emr, None), true, None)
        .unwrap_or_else(|error| panic!("{error}"));
    let token = session.session_token.clone();
    assert!(state
        .keys
        .check(&session.access_key_id, token.as_deref(), 0)
        .is_ok());
    let role = [("RoleName", "EMR_EC2_DefaultRole")];
    assert_eq!(
        iam(&state, admin_a, "DeleteRole", &role).0,
        "DeleteConflict"
    );
    let inline = [
        ("RoleName", "EMR_EC2_DefaultRole"),
        ("PolicyName", "EMR_EC2_DefaultRole-assume"),
    ];
    assert_eq!(iam(&state, admin_a, "DeleteRolePolicy", &inline).0, "ok");
    assert_eq!(
        iam(&state, admin_a, "DeleteRole", &role).0,
        "DeleteConflict"
    );
    let remove = [
        ("InstanceProfileName", "EMR_EC2_DefaultRole"),
        ("RoleName", "EMR_EC2_DefaultRole"),
    ];
    assert_eq!(
        iam(&state, admin_a, "RemoveRoleFromInstanceProfile", &remove).0,
        "ok"
    );
    assert_eq!(iam(&state, admin_a, "DeleteRole", &role).0, "ok");
    // Its session no longer signs.
    assert!(state
        .keys
        .check(&session.access_key_id, token.as_deref(), 0)
        .is_err());
    // Made again with the same name and a grant to assume B's role: B's trust named the old
    // role, so it does not let the new one in.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let create = [
        ("RoleName", "EMR_EC2_DefaultRole"),
        ("AssumeRolePolicyDocument", trust),
    ];
    assert_eq!(iam(&state, admin_a, "CreateRole", &create).0, "ok");
    let grant = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    let put = [
        ("RoleName", "EMR_EC2_DefaultRole"),
        ("PolicyName", "assume"),
        ("PolicyDocument", grant),
    ];
    assert_eq!(iam(&state, admin_a, "PutRolePolicy", &put).0, "ok");
    assert!(!assumes(&state));
    // B names the new role again: it is let in.
    let trust_b = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"},"Action":"sts:AssumeRole"}]}"#;
    let update = [
        ("RoleName", "role_in_destination_account"),
        ("PolicyDocument", trust_b),
    ];
    assert_eq!(
        iam(&state, ADMIN_B, "UpdateAssumeRolePolicy", &update).0,
        "ok"
    );
    assert!(assumes(&state));
}
