use super::*;
use crate::test_support::{credential, served};

const LAKE_KEY: &str =
    "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CLUSTER_ROLE: &str = "arn:aws:iam::111111111111:role/dbx-ip-role";

/// A served state of `examples/s3-sse-kms` (or one of its broken variants), with its store
/// in `dir`.
fn state(variant: &str, dir: &std::path::Path) -> Option<State> {
    Some(served(&format!("s3-sse-kms/{variant}"), dir))
}

fn call(state: &State, who: &Credential, op: &str, input: &Value) -> (StatusCode, Value) {
    let caller = Caller {
        credential: who,
        region: "us-east-1",
        via: None,
    };
    let reply = answer(
        state,
        &caller,
        &format!("TrentService.{op}"),
        input.to_string().as_bytes(),
    );
    let body = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, body)
}

fn field(value: &Value, name: &str) -> String {
    value
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_key_user_seals_and_opens_with_the_context_bound() {
    let dir = tempfile::tempdir().ok();
    let Some(state) = dir.as_ref().and_then(|dir| state("", dir.path())) else {
        panic!("the example loads");
    };
    let role = credential(CLUSTER_ROLE);
    // The role's key policy statement grants Decrypt and GenerateDataKey, not Encrypt.
    let context = json!({"purpose": "lake"});
    let (status, made) = call(
        &state,
        &role,
        "GenerateDataKey",
        &json!({"KeyId": LAKE_KEY, "KeySpec": "AES_256", "EncryptionContext": context}),
    );
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(field(&made, "KeyId"), LAKE_KEY);
    let blob = field(&made, "CiphertextBlob");
    let (status, opened) = call(
        &state,
        &role,
        "Decrypt",
        &json!({"CiphertextBlob": blob, "EncryptionContext": context}),
    );
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(field(&opened, "Plaintext"), field(&made, "Plaintext"));
    // Another context is another AAD: the blob does not open.
    let (status, wrong) = call(
        &state,
        &role,
        "Decrypt",
        &json!({"CiphertextBlob": blob, "EncryptionContext": {"purpose": "other"}}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&wrong, "__type"), "InvalidCiphertextException");
    // Encrypt is not in the role's key policy statement.
    let (_, refused) = call(
        &state,
        &role,
        "Encrypt",
        &json!({"KeyId": LAKE_KEY, "Plaintext": encode(b"x")}),
    );
    assert_eq!(field(&refused, "__type"), "AccessDeniedException");
}

#[test]
fn a_key_policy_without_the_role_refuses_its_decrypt_in_aws_words() {
    let dir = tempfile::tempdir().ok();
    let Some(state) = dir
        .as_ref()
        .and_then(|dir| state("broken/key-policy-missing-the-role", dir.path()))
    else {
        panic!("the broken variant loads");
    };
    let context = BTreeMap::new();
    let Ok(sealed) = seal(&state, LAKE_KEY, b"secret", &context) else {
        panic!("sealing needs no authorization");
    };
    let role = credential(CLUSTER_ROLE);
    let (status, refused) = call(
        &state,
        &role,
        "Decrypt",
        &json!({"CiphertextBlob": encode(&sealed)}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&refused, "__type"), "AccessDeniedException");
    let message = field(&refused, "message");
    assert!(
        message.starts_with("User: arn:aws:sts::111111111111:assumed-role/dbx-ip-role/test is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:222222222222:key/1234abcd"),
        "{message}"
    );
    assert!(
        message.ends_with("because no resource-based policy allows the kms:Decrypt action"),
        "{message}"
    );
    // B's administrator is allowed by the key policy's root statement.
    let admin = credential(&crate::iam::admin_arn("222222222222"));
    let (status, opened) = call(
        &state,
        &admin,
        "Decrypt",
        &json!({"CiphertextBlob": encode(&sealed)}),
    );
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(field(&opened, "Plaintext"), encode(b"secret"));
}

#[test]
fn a_created_key_is_its_accounts_and_comes_back_after_a_restart() {
    let dir = tempfile::tempdir().ok();
    let Some(path) = dir.as_ref().map(|dir| dir.path().to_path_buf()) else {
        panic!("a temporary folder");
    };
    let Some(state) = state("", &path) else {
        panic!("the example loads");
    };
    let admin = credential(&crate::iam::admin_arn("111111111111"));
    let (status, made) = call(&state, &admin, "CreateKey", &json!({"Description": "d"}));
    assert_eq!(status, StatusCode::OK, "{made}");
    let arn = made
        .pointer("/KeyMetadata/Arn")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    assert!(
        arn.starts_with("arn:aws:kms:us-east-1:111111111111:key/"),
        "{arn}"
    );
    let (status, _) = call(
        &state,
        &admin,
        "CreateAlias",
        &json!({"AliasName": "alias/etl", "TargetKeyId": arn}),
    );
    assert_eq!(status, StatusCode::OK);
    let (_, sealed) = call(
        &state,
        &admin,
        "Encrypt",
        &json!({"KeyId": "alias/etl", "Plaintext": encode(b"hello")}),
    );
    let blob = field(&sealed, "CiphertextBlob");
    // B's administrator is not allowed by A's default key policy.
    let other = credential(&crate::iam::admin_arn("222222222222"));
    let (_, refused) = call(&state, &other, "DescribeKey", &json!({"KeyId": arn}));
    assert_eq!(field(&refused, "__type"), "AccessDeniedException");
    drop(state);
    let Some(again) = self::state("", &path) else {
        panic!("the example loads again");
    };
    assert_eq!(restore(&again), Ok(()));
    let (status, opened) = call(&again, &admin, "Decrypt", &json!({"CiphertextBlob": blob}));
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(field(&opened, "Plaintext"), encode(b"hello"));
    let (_, aliases) = call(&again, &admin, "ListAliases", &json!({}));
    assert_eq!(
        aliases
            .pointer("/Aliases/0/AliasName")
            .and_then(Value::as_str),
        Some("alias/etl")
    );
}

#[test]
fn a_blob_that_is_not_ours_is_invalid_ciphertext() {
    assert!(blob_key(b"").is_err());
    assert!(blob_key(&[1, 0, 9, b'a']).is_err());
    assert!(blob_key(&[2, 0, 1, b'a']).is_err());
    assert_eq!(
        blob_key(&[1, 0, 1, b'a', 7])
            .map(|(arn, rest)| (arn, rest.to_vec()))
            .ok(),
        Some(("a".to_owned(), vec![7]))
    );
}

/// A grant and a key state outlive a restart: both are in the store, and the grant goes back
/// into the world at start, where the engine reads it.
#[test]
fn grants_and_key_states_come_back_after_a_restart() {
    let dir = tempfile::tempdir().ok();
    let Some(path) = dir.as_ref().map(|dir| dir.path().to_path_buf()) else {
        panic!("a temporary folder");
    };
    let variant = "broken/key-policy-missing-the-role";
    let Some(state) = state(variant, &path) else {
        panic!("the example loads");
    };
    let owner = credential(&crate::iam::admin_arn("222222222222"));
    let reader = credential(CLUSTER_ROLE);
    let context = json!({"purpose": "test"});
    let (_, sealed) = call(
        &state,
        &owner,
        "Encrypt",
        &json!({"KeyId": LAKE_KEY, "Plaintext": encode(b"hello"), "EncryptionContext": context}),
    );
    let blob = field(&sealed, "CiphertextBlob");
    let decrypt = json!({"CiphertextBlob": blob, "EncryptionContext": context});
    let (_, refused) = call(&state, &reader, "Decrypt", &decrypt);
    assert_eq!(field(&refused, "__type"), "AccessDeniedException");
    let (status, made) = call(
        &state,
        &owner,
        "CreateGrant",
        &json!({"KeyId": LAKE_KEY, "GranteePrincipal": CLUSTER_ROLE, "Operations": ["Decrypt"],
                "Constraints": {"EncryptionContextSubset": context}}),
    );
    assert_eq!(status, StatusCode::OK, "{made}");
    let (status, opened) = call(&state, &reader, "Decrypt", &decrypt);
    assert_eq!(status, StatusCode::OK, "{opened}");
    drop(state);
    let Some(again) = self::state(variant, &path) else {
        panic!("the example loads again");
    };
    assert_eq!(restore(&again), Ok(()));
    let (status, opened) = call(&again, &reader, "Decrypt", &decrypt);
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(field(&opened, "Plaintext"), encode(b"hello"));
    let (status, _) = call(&again, &owner, "DisableKey", &json!({"KeyId": LAKE_KEY}));
    assert_eq!(status, StatusCode::OK);
    drop(again);
    let Some(third) = self::state(variant, &path) else {
        panic!("the example loads a third time");
    };
    assert_eq!(restore(&third), Ok(()));
    let (_, disabled) = call(&third, &reader, "Decrypt", &decrypt);
    assert_eq!(
        field(&disabled, "__type"),
        "DisabledException",
        "{disabled}"
    );
    let (_, described) = call(&third, &owner, "DescribeKey", &json!({"KeyId": LAKE_KEY}));
    assert_eq!(
        described.pointer("/KeyMetadata/KeyState"),
        Some(&json!("Disabled"))
    );
}

/// A principal whose CreateGrant comes from a grant may create only grants within it: its
/// operations, and an encryption context constraint as strict or stricter.
#[test]
fn a_grant_that_allows_create_grant_allows_only_narrower_grants() {
    let dir = tempfile::tempdir().ok();
    let Some(state) = dir
        .as_ref()
        .and_then(|dir| state("broken/key-policy-missing-the-role", dir.path()))
    else {
        panic!("the example loads");
    };
    // The reader's own IAM policy allows every KMS action: only the key side is missing.
    let everything = parse_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        PolicyKind::Identity,
    );
    if let Some(role) = state.engine.world_mut().roles.get_mut(CLUSTER_ROLE) {
        role.policies.push(SourcedPolicy::new(
            Arc::new(everything.policy),
            "kms everything (test)",
        ));
    }
    let owner = credential(&crate::iam::admin_arn("222222222222"));
    let reader = credential(CLUSTER_ROLE);
    let grant = |who: &Credential, operations: Value, constraints: Value| {
        let mut input =
            json!({"KeyId": LAKE_KEY, "GranteePrincipal": CLUSTER_ROLE, "Operations": operations});
        if !constraints.is_null() {
            input["Constraints"] = constraints;
        }
        let (_, body) = call(&state, who, "CreateGrant", &input);
        if body.get("GrantId").is_some() {
            "ok".to_owned()
        } else {
            field(&body, "__type")
        }
    };
    let subset = json!({"EncryptionContextSubset": {"purpose": "test"}});
    assert_eq!(
        grant(&reader, json!(["Decrypt"]), subset.clone()),
        "AccessDeniedException"
    );
    assert_eq!(
        grant(&owner, json!(["CreateGrant", "Decrypt"]), subset.clone()),
        "ok"
    );
    // Within: the same operation, a constraint with one more pair, or equals on the same pairs.
    assert_eq!(
        grant(
            &reader,
            json!(["Decrypt"]),
            json!({"EncryptionContextSubset": {"purpose": "test", "team": "a"}})
        ),
        "ok"
    );
    assert_eq!(
        grant(
            &reader,
            json!(["Decrypt"]),
            json!({"EncryptionContextEquals": {"purpose": "test"}})
        ),
        "ok"
    );
    // Beyond: another operation, no constraint, another value.
    assert_eq!(
        grant(&reader, json!(["Encrypt"]), subset.clone()),
        "AccessDeniedException"
    );
    assert_eq!(
        grant(&reader, json!(["Decrypt"]), Value::Null),
        "AccessDeniedException"
    );
    assert_eq!(
        grant(
            &reader,
            json!(["Decrypt"]),
            json!({"EncryptionContextSubset": {"purpose": "other"}})
        ),
        "AccessDeniedException"
    );
    // The owner's CreateGrant comes from the key policy: no such limit.
    assert_eq!(grant(&owner, json!(["Encrypt"]), Value::Null), "ok");
}
