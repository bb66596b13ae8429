//! KMS on the AWS JSON 1.1 protocol (`X-Amz-Target: TrentService.<Op>`): the scenario's keys
//! (with their key policies, grants and aliases) and the keys CreateKey makes; every call is
//! decided by the engine on the key's ARN, so the key policy is the resource policy and the KMS
//! rule that IAM policies count only when the key policy allows the account applies as it does
//! for `xacct check`. Encrypt/Decrypt/GenerateDataKey seal with AES-256-GCM under a per-key
//! secret kept in the store; a ciphertext blob names its key, and the encryption context is
//! bound as additional authenticated data, so a wrong context fails as in AWS.
//! <https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html>

use crate::engine::Verdict;
use crate::identity::Credential;
use crate::store::KeyRecord;
use crate::State;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hyper::StatusCode;
use rand::Rng as _;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{parse_policy, AccountId, PolicyKind, Severity, SourceFile};
use xacct_world::model::Key;
use xacct_world::model::Origin;
use xacct_world::RequestError;

mod grants;
pub mod managed;
mod states;
pub use states::usable;

/// A KMS answer (AWS JSON 1.1, as Kinesis's).
pub use crate::json_reply::JsonReply as KmsReply;

/// Who calls KMS: the caller, and the service calling on its behalf (`s3` for SSE-KMS).
pub struct Caller<'a> {
    pub credential: &'a Credential,
    pub region: &'a str,
    pub via: Option<&'a str>,
}

/// Decides `action` on `resource` for the caller, with the encryption context's condition
/// keys and `kms:ViaService` when a service calls for it.
pub fn decide(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, String>,
) -> Result<Verdict, RequestError> {
    decide_with(state, caller, action, resource, context, Vec::new())
}

/// The condition keys of a KMS request: the encryption context, `kms:CallerAccount` (the
/// caller's account on every request, as KMS sets it), `kms:ViaService` when a service calls,
/// and `extra` (a grant's, for CreateGrant).
fn condition_keys(
    caller: &Caller<'_>,
    context: &BTreeMap<String, String>,
    extra: Vec<(String, ContextValue)>,
) -> Vec<(String, ContextValue)> {
    let mut keys: Vec<(String, ContextValue)> = context
        .iter()
        .map(|(key, value)| {
            (
                format!("kms:EncryptionContext:{key}"),
                ContextValue::Single(value.clone()),
            )
        })
        .collect();
    if !context.is_empty() {
        keys.push((
            "kms:EncryptionContextKeys".to_owned(),
            ContextValue::Multi(context.keys().cloned().collect()),
        ));
    }
    keys.push((
        "kms:CallerAccount".to_owned(),
        ContextValue::Single(caller.credential.identity.account()),
    ));
    keys.extend(extra);
    if let Some(service) = caller.via {
        keys.push((
            "kms:ViaService".to_owned(),
            ContextValue::Single(format!("{service}.{}.amazonaws.com", caller.region)),
        ));
    }
    keys
}

/// [`decide`] with more condition keys.
fn decide_with(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, String>,
    extra: Vec<(String, ContextValue)>,
) -> Result<Verdict, RequestError> {
    let keys = condition_keys(caller, context, extra);
    let session = caller.credential.identity.session();
    state.engine.decide(&session, action, resource, &keys)
}

/// [`decide`], with a refusal as KMS's AccessDeniedException in AWS's wording and the
/// engine's reason.
pub fn authorize(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, String>,
) -> Result<(), KmsReply> {
    authorize_with(state, caller, action, resource, context, Vec::new())
}

fn authorize_with(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, String>,
    extra: Vec<(String, ContextValue)>,
) -> Result<(), KmsReply> {
    let verdict = decide_with(state, caller, action, resource, context, extra)
        .map_err(|error| KmsReply::bad("ValidationException", &error.to_string()))?;
    if verdict.allowed {
        return Ok(());
    }
    let mut reply = KmsReply::bad("AccessDeniedException", &verdict.message);
    reply.explanation = Some(verdict.reason);
    Err(reply)
}

/// The key a `KeyId` names for a caller in `account` and `region`: a key ARN, an alias ARN,
/// `alias/NAME` or a bare key id (the last two in the caller's account, as AWS reads them).
pub fn resolve(state: &State, key_id: &str, account: &str, region: &str) -> Option<String> {
    let world = state.engine.world();
    let (account, region, name) = match key_id.strip_prefix("arn:aws:kms:") {
        Some(rest) => {
            let mut parts = rest.splitn(3, ':');
            let region = parts.next()?;
            let account = parts.next()?;
            (
                account.to_owned(),
                region.to_owned(),
                parts.next()?.to_owned(),
            )
        }
        None if key_id.starts_with("alias/") => {
            (account.to_owned(), region.to_owned(), key_id.to_owned())
        }
        None => (
            account.to_owned(),
            region.to_owned(),
            format!("key/{key_id}"),
        ),
    };
    if name.starts_with("key/") {
        let arn = format!("arn:aws:kms:{region}:{account}:{name}");
        return world.keys.contains_key(&arn).then_some(arn);
    }
    world
        .keys
        .values()
        .find(|key| {
            key.account.as_str() == account && key.region == region && key.aliases.contains(&name)
        })
        .map(|key| key.arn.clone())
}

fn not_found(key_id: &str) -> KmsReply {
    KmsReply::bad(
        "NotFoundException",
        &format!("Key '{key_id}' does not exist"),
    )
}

fn text<'v>(input: &'v Value, field: &str) -> Option<&'v str> {
    input.get(field).and_then(Value::as_str)
}

fn required<'v>(input: &'v Value, field: &str) -> Result<&'v str, KmsReply> {
    text(input, field).ok_or_else(|| {
        KmsReply::bad(
            "ValidationException",
            &format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

fn blob(input: &Value, field: &str) -> Result<Vec<u8>, KmsReply> {
    base64::engine::general_purpose::STANDARD
        .decode(required(input, field)?)
        .map_err(|_| {
            KmsReply::bad(
                "SerializationException",
                &format!("`{field}` is not base64"),
            )
        })
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The encryption context of a request (string to string, as KMS requires).
fn encryption_context(input: &Value) -> Result<BTreeMap<String, String>, KmsReply> {
    let Some(value) = input.get("EncryptionContext") else {
        return Ok(BTreeMap::new());
    };
    let Some(map) = value.as_object() else {
        return Err(KmsReply::bad(
            "SerializationException",
            "EncryptionContext must be a map of strings",
        ));
    };
    map.iter()
        .map(|(key, value)| match value.as_str() {
            Some(value) => Ok((key.clone(), value.to_owned())),
            None => Err(KmsReply::bad(
                "SerializationException",
                "EncryptionContext must be a map of strings",
            )),
        })
        .collect()
}

/// The key's secret, made (and stored) the first time the key is used.
fn secret(state: &State, arn: &str) -> Result<[u8; 32], KmsReply> {
    let internal = |error: crate::store::StoreError| {
        KmsReply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "KMSInternalException",
            &error.to_string(),
        )
    };
    let record = match state.store.kms_key(arn).map_err(internal)? {
        Some(record) => record,
        None => {
            let record = new_record(String::new(), None, Vec::new());
            state.store.put_kms_key(arn, &record).map_err(internal)?;
            record
        }
    };
    let mut out = [0_u8; 32];
    hex::decode_to_slice(&record.secret, &mut out).map_err(|_| {
        KmsReply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "KMSInternalException",
            "the stored key secret is not 32 bytes of hex",
        )
    })?;
    Ok(out)
}

/// The stored record of a key (made with its secret when the key has none yet).
fn key_record(state: &State, arn: &str) -> Result<KeyRecord, KmsReply> {
    secret(state, arn)?;
    state
        .store
        .kms_key(arn)
        .ok()
        .flatten()
        .ok_or_else(|| not_found(arn))
}

fn new_record(description: String, policy: Option<String>, aliases: Vec<String>) -> KeyRecord {
    let mut secret = [0_u8; 32];
    rand::thread_rng().fill(&mut secret);
    KeyRecord {
        secret: hex::encode(secret),
        created: jiff::Timestamp::now().as_second(),
        description,
        policy,
        aliases,
        key_state: None,
        deletion_date: None,
        aws_managed: false,
        grants: Vec::new(),
    }
}

/// The additional authenticated data: the encryption context, sorted, as JSON.
fn aad(context: &BTreeMap<String, String>) -> Vec<u8> {
    serde_json::to_vec(context).unwrap_or_default()
}

const BLOB_VERSION: u8 = 1;

/// Seals `plaintext` under `arn`: version, key ARN length and ARN, nonce, AES-GCM output.
pub fn seal(
    state: &State,
    arn: &str,
    plaintext: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, KmsReply> {
    usable(state, arn)?;
    let cipher = Aes256Gcm::new(&secret(state, arn)?.into());
    let mut nonce = [0_u8; 12];
    rand::thread_rng().fill(&mut nonce);
    let aad = aad(context);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| {
            KmsReply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "KMSInternalException",
                "encryption failed",
            )
        })?;
    let length = u16::try_from(arn.len())
        .map_err(|_| KmsReply::bad("ValidationException", "the key ARN is too long"))?;
    let mut out = vec![BLOB_VERSION];
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(arn.as_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn invalid_ciphertext() -> KmsReply {
    KmsReply::bad("InvalidCiphertextException", "")
}

/// The key ARN a ciphertext blob names.
pub fn blob_key(blob: &[u8]) -> Result<(String, &[u8]), KmsReply> {
    let (&version, rest) = blob.split_first().ok_or_else(invalid_ciphertext)?;
    let (length, rest) = rest.split_at_checked(2).ok_or_else(invalid_ciphertext)?;
    let length = match length {
        [high, low] => usize::from(u16::from_be_bytes([*high, *low])),
        _ => return Err(invalid_ciphertext()),
    };
    let (arn, rest) = rest
        .split_at_checked(length)
        .ok_or_else(invalid_ciphertext)?;
    if version != BLOB_VERSION {
        return Err(invalid_ciphertext());
    }
    let arn = std::str::from_utf8(arn).map_err(|_| invalid_ciphertext())?;
    Ok((arn.to_owned(), rest))
}

/// Opens a blob sealed by [`seal`] with the key it names.
pub fn open(
    state: &State,
    arn: &str,
    rest: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, KmsReply> {
    usable(state, arn)?;
    let (nonce, sealed) = rest.split_at_checked(12).ok_or_else(invalid_ciphertext)?;
    let cipher = Aes256Gcm::new(&secret(state, arn)?.into());
    let aad = aad(context);
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map_err(|_| invalid_ciphertext())
}

fn key_policy(text: &str, label: String) -> Result<SourcedPolicy, KmsReply> {
    let parsed = parse_policy(text, PolicyKind::Resource);
    if let Some(finding) = parsed
        .findings
        .iter()
        .find(|finding| finding.severity == Severity::Error)
    {
        return Err(KmsReply::bad(
            "MalformedPolicyDocumentException",
            &finding.message,
        ));
    }
    let source = SourceFile::new(label.clone(), text.to_owned());
    Ok(SourcedPolicy::new(Arc::new(parsed.policy), label).with_source(source))
}

/// The default key policy AWS gives a key created without one.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>
fn default_policy(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

fn origin(arn: &str) -> Origin {
    Origin::described("xacct serve", format!("CreateKey {arn}"))
}

/// A key CreateKey made, into the world.
fn add_key(state: &State, arn: &str, record: &KeyRecord) -> Result<(), KmsReply> {
    let mut parts = arn.trim_start_matches("arn:aws:kms:").splitn(3, ':');
    let region = parts.next().unwrap_or_default().to_owned();
    let account: AccountId = parts
        .next()
        .unwrap_or_default()
        .parse()
        .map_err(|_| KmsReply::bad("ValidationException", "the key ARN names no account"))?;
    let text = record
        .policy
        .clone()
        .unwrap_or_else(|| default_policy(account.as_str()));
    let policy = key_policy(&text, format!("the key policy of {arn}"))?;
    state.engine.world_mut().keys.insert(
        arn.to_owned(),
        Key {
            arn: arn.to_owned(),
            account,
            region,
            policy: Some(policy),
            aws_managed: record.aws_managed,
            aliases: record.aliases.clone(),
            grants: Vec::new(),
            origin: origin(arn),
        },
    );
    Ok(())
}

/// At start: the keys CreateKey made in an earlier run come back into the world, and each
/// scenario key gets its secret now (not at its first use, where two concurrent first calls
/// could each make one).
pub fn restore(state: &State) -> Result<(), String> {
    let records = state.store.kms_keys().map_err(|error| error.to_string())?;
    for (arn, record) in &records {
        if record.policy.is_some() && !state.engine.world().keys.contains_key(arn) {
            add_key(state, arn, record).map_err(|reply| reply.body)?;
        }
    }
    let scenario: Vec<String> = state.engine.world().keys.keys().cloned().collect();
    for arn in scenario {
        secret(state, &arn).map_err(|reply| reply.body)?;
    }
    for (arn, record) in &records {
        for grant in &record.grants {
            grants::add_to_world(state, arn, grant);
        }
    }
    Ok(())
}

fn key_id(arn: &str) -> &str {
    arn.rsplit_once("key/").map_or(arn, |(_, id)| id)
}

fn metadata(state: &State, arn: &str) -> Value {
    let world = state.engine.world();
    let key = world.keys.get(arn);
    let record = state.store.kms_key(arn).ok().flatten();
    let key_state = states::key_state(state, arn);
    let deletion = record.as_ref().and_then(|record| record.deletion_date);
    let mut out = json!({
        "KeyId": key_id(arn),
        "Arn": arn,
        "AWSAccountId": key.map(|key| key.account.to_string()).unwrap_or_default(),
        "CreationDate": record.as_ref().map_or(0, |record| record.created),
        "Description": record.map(|record| record.description).unwrap_or_default(),
        "Enabled": key_state == "Enabled",
        "KeyState": key_state,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "Origin": "AWS_KMS",
        "KeyManager": if key.is_some_and(|key| key.aws_managed) { "AWS" } else { "CUSTOMER" },
        "MultiRegion": false,
    });
    if let (Some(date), Some(object)) = (deletion, out.as_object_mut()) {
        object.insert("DeletionDate".to_owned(), json!(date));
    }
    out
}

/// The operations served.
pub const OPERATIONS: [&str; 18] = [
    "CreateKey",
    "DescribeKey",
    "ListKeys",
    "ListAliases",
    "CreateAlias",
    "GetKeyPolicy",
    "PutKeyPolicy",
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "CreateGrant",
    "ListGrants",
    "RetireGrant",
    "RevokeGrant",
    "DisableKey",
    "EnableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
];

/// Answers one KMS call: `target` is the `X-Amz-Target` header, `body` the JSON request.
pub fn answer(state: &State, caller: &Caller<'_>, target: &str, body: &[u8]) -> KmsReply {
    let Some(operation) = target.strip_prefix("TrentService.") else {
        return KmsReply::bad(
            "UnknownOperationException",
            &format!("`{target}` is not a KMS operation"),
        );
    };
    let input: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(error) => return KmsReply::bad("SerializationException", &error.to_string()),
        }
    };
    match run(state, caller, operation, &input) {
        Ok(value) => KmsReply::ok(&value),
        Err(reply) => reply,
    }
}

fn run(
    state: &State,
    caller: &Caller<'_>,
    operation: &str,
    input: &Value,
) -> Result<Value, KmsReply> {
    let account = caller.credential.identity.account();
    let region = caller.region;
    let action = format!("kms:{operation}");
    let key = |field: &str| -> Result<String, KmsReply> {
        let named = required(input, field)?;
        resolve(state, named, &account, region).ok_or_else(|| not_found(named))
    };
    let no_context = BTreeMap::new();
    match operation {
        "CreateKey" => {
            authorize(state, caller, &action, "*", &no_context)?;
            let mut id = [0_u8; 16];
            rand::thread_rng().fill(&mut id);
            let uuid = [0..4, 4..6, 6..8, 8..10, 10..16]
                .map(|range| hex::encode(id.get(range).unwrap_or_default()))
                .join("-");
            let arn = format!("arn:aws:kms:{region}:{account}:key/{uuid}");
            let policy =
                text(input, "Policy").map_or_else(|| default_policy(&account), str::to_owned);
            let record = new_record(
                text(input, "Description").unwrap_or_default().to_owned(),
                Some(policy),
                Vec::new(),
            );
            add_key(state, &arn, &record)?;
            store(state, &arn, &record)?;
            Ok(json!({"KeyMetadata": metadata(state, &arn)}))
        }
        "DescribeKey" => {
            let arn = key("KeyId")?;
            authorize(state, caller, &action, &arn, &no_context)?;
            Ok(json!({"KeyMetadata": metadata(state, &arn)}))
        }
        "ListKeys" => {
            authorize(state, caller, &action, "*", &no_context)?;
            let world = state.engine.world();
            let keys: Vec<Value> = world
                .keys
                .values()
                .filter(|key| key.account.as_str() == account && key.region == region)
                .map(|key| json!({"KeyId": key_id(&key.arn), "KeyArn": key.arn}))
                .collect();
            Ok(json!({"Keys": keys, "Truncated": false}))
        }
        "ListAliases" => {
            authorize(state, caller, &action, "*", &no_context)?;
            let only = match text(input, "KeyId") {
                Some(named) => {
                    Some(resolve(state, named, &account, region).ok_or_else(|| not_found(named))?)
                }
                None => None,
            };
            let world = state.engine.world();
            let aliases: Vec<Value> = world
                .keys
                .values()
                .filter(|key| key.account.as_str() == account && key.region == region)
                .filter(|key| only.as_ref().is_none_or(|arn| *arn == key.arn))
                .flat_map(|key| {
                    key.aliases.iter().map(|alias| {
                        json!({
                            "AliasName": alias,
                            "AliasArn": format!("arn:aws:kms:{region}:{account}:{alias}"),
                            "TargetKeyId": key_id(&key.arn),
                        })
                    })
                })
                .collect();
            Ok(json!({"Aliases": aliases, "Truncated": false}))
        }
        "CreateAlias" => {
            let alias = required(input, "AliasName")?;
            if !alias.starts_with("alias/") || alias.starts_with("alias/aws/") {
                return Err(KmsReply::bad(
                    "ValidationException",
                    "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
                ));
            }
            let arn = key("TargetKeyId")?;
            authorize(state, caller, &action, &arn, &no_context)?;
            if resolve(state, alias, &account, region).is_some() {
                return Err(KmsReply::bad(
                    "AlreadyExistsException",
                    &format!("An alias with the name arn:aws:kms:{region}:{account}:{alias} already exists"),
                ));
            }
            if let Some(key) = state.engine.world_mut().keys.get_mut(&arn) {
                key.aliases.push(alias.to_owned());
            }
            if let Ok(Some(mut record)) = state.store.kms_key(&arn) {
                record.aliases.push(alias.to_owned());
                store(state, &arn, &record)?;
            }
            Ok(json!({}))
        }
        "GetKeyPolicy" => {
            let arn = key("KeyId")?;
            authorize(state, caller, &action, &arn, &no_context)?;
            let world = state.engine.world();
            let policy = world
                .keys
                .get(&arn)
                .and_then(|key| key.policy.as_ref())
                .and_then(|policy| policy.source.as_ref())
                .map(|source| source.text().to_string())
                .unwrap_or_else(|| default_policy(&account));
            Ok(json!({"Policy": policy, "PolicyName": "default"}))
        }
        "PutKeyPolicy" => {
            let arn = key("KeyId")?;
            let text = required(input, "Policy")?;
            authorize(state, caller, &action, &arn, &no_context)?;
            let policy = key_policy(text, format!("the key policy of {arn}"))?;
            if let Some(key) = state.engine.world_mut().keys.get_mut(&arn) {
                key.policy = Some(policy);
            }
            if let Ok(Some(mut record)) = state.store.kms_key(&arn) {
                if record.policy.is_some() {
                    record.policy = Some(text.to_owned());
                    store(state, &arn, &record)?;
                }
            }
            Ok(json!({}))
        }
        "Encrypt" => {
            let arn = key("KeyId")?;
            let context = encryption_context(input)?;
            let plaintext = blob(input, "Plaintext")?;
            authorize(state, caller, &action, &arn, &context)?;
            let sealed = seal(state, &arn, &plaintext, &context)?;
            Ok(
                json!({"CiphertextBlob": encode(&sealed), "KeyId": arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
            )
        }
        "Decrypt" => {
            let context = encryption_context(input)?;
            let sealed = blob(input, "CiphertextBlob")?;
            let (arn, rest) = blob_key(&sealed)?;
            if !state.engine.world().keys.contains_key(&arn) {
                return Err(invalid_ciphertext());
            }
            if let Some(named) = text(input, "KeyId") {
                if resolve(state, named, &account, region).as_deref() != Some(arn.as_str()) {
                    return Err(KmsReply::bad(
                        "IncorrectKeyException",
                        "The key ID in the request does not identify a CMK that can perform this operation.",
                    ));
                }
            }
            authorize(state, caller, &action, &arn, &context)?;
            let plaintext = open(state, &arn, rest, &context)?;
            Ok(
                json!({"KeyId": arn, "Plaintext": encode(&plaintext), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
            )
        }
        "GenerateDataKey" => {
            let arn = key("KeyId")?;
            let context = encryption_context(input)?;
            let length =
                match (
                    text(input, "KeySpec"),
                    input.get("NumberOfBytes").and_then(Value::as_u64),
                ) {
                    (Some("AES_256"), None) => 32,
                    (Some("AES_128"), None) => 16,
                    (None, Some(bytes)) if (1..=1024).contains(&bytes) => {
                        usize::try_from(bytes).unwrap_or(32)
                    }
                    _ => return Err(KmsReply::bad(
                        "ValidationException",
                        "Please specify either number of bytes or key spec (AES_256 or AES_128).",
                    )),
                };
            authorize(state, caller, &action, &arn, &context)?;
            let mut data_key = vec![0_u8; length];
            rand::thread_rng().fill(data_key.as_mut_slice());
            let sealed = seal(state, &arn, &data_key, &context)?;
            Ok(
                json!({"CiphertextBlob": encode(&sealed), "Plaintext": encode(&data_key), "KeyId": arn}),
            )
        }
        "CreateGrant" => grants::create(state, caller, &key("KeyId")?, input),
        "ListGrants" => grants::list(state, caller, &key("KeyId")?),
        "RetireGrant" => grants::retire(state, caller, input, &account, region),
        "RevokeGrant" => grants::revoke(state, caller, &key("KeyId")?, input),
        "DisableKey" | "EnableKey" | "ScheduleKeyDeletion" | "CancelKeyDeletion" => {
            let arn = states::named_key(state, input, &account, region)?;
            states::change(state, caller, operation, &arn, input)
        }
        other => Err(KmsReply::bad(
            "UnsupportedOperationException",
            &format!(
                "xacct serve does not serve KMS {other} yet: it serves {}",
                OPERATIONS.join(", ")
            ),
        )),
    }
}

fn store(state: &State, arn: &str, record: &KeyRecord) -> Result<(), KmsReply> {
    state.store.put_kms_key(arn, record).map_err(|error| {
        KmsReply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "KMSInternalException",
            &error.to_string(),
        )
    })
}

#[cfg(test)]
mod tests;
