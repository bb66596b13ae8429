//! Key states: DisableKey, EnableKey, ScheduleKeyDeletion and CancelKeyDeletion. A disabled key
//! refuses cryptographic operations with `DisabledException`, a key pending deletion with
//! `KMSInvalidStateException`.
//! <https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html>

use super::{authorize, key_record, required, store, Caller, KmsReply};
use crate::State;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) const DISABLED: &str = "Disabled";
pub(super) const PENDING_DELETION: &str = "PendingDeletion";

/// The key's state as DescribeKey reports it.
pub(super) fn key_state(state: &State, arn: &str) -> String {
    state
        .store
        .kms_key(arn)
        .ok()
        .flatten()
        .and_then(|record| record.key_state)
        .unwrap_or_else(|| "Enabled".to_owned())
}

/// Whether the key may be used in a cryptographic operation now.
pub fn usable(state: &State, arn: &str) -> Result<(), KmsReply> {
    match key_state(state, arn).as_str() {
        DISABLED => Err(KmsReply::bad(
            "DisabledException",
            &format!("{arn} is disabled."),
        )),
        PENDING_DELETION => Err(KmsReply::bad(
            "KMSInvalidStateException",
            &format!("{arn} is pending deletion."),
        )),
        _ => Ok(()),
    }
}

fn pending(arn: &str) -> KmsReply {
    KmsReply::bad(
        "KMSInvalidStateException",
        &format!("{arn} is pending deletion."),
    )
}

/// One of the key state operations on `arn`, decided first on the key policy.
pub(super) fn change(
    state: &State,
    caller: &Caller<'_>,
    operation: &str,
    arn: &str,
    input: &Value,
) -> Result<Value, KmsReply> {
    authorize(
        state,
        caller,
        &format!("kms:{operation}"),
        arn,
        &BTreeMap::new(),
    )?;
    let mut record = key_record(state, arn)?;
    let current = record.key_state.clone();
    let is_pending = current.as_deref() == Some(PENDING_DELETION);
    let answer = match operation {
        "DisableKey" | "EnableKey" if is_pending => return Err(pending(arn)),
        "DisableKey" => {
            record.key_state = Some(DISABLED.to_owned());
            json!({})
        }
        "EnableKey" => {
            record.key_state = None;
            json!({})
        }
        "ScheduleKeyDeletion" => {
            if is_pending {
                return Err(pending(arn));
            }
            let days = input
                .get("PendingWindowInDays")
                .and_then(Value::as_i64)
                .unwrap_or(30);
            if !(7..=30).contains(&days) {
                return Err(KmsReply::bad(
                    "ValidationException",
                    &format!("1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30"),
                ));
            }
            let date = jiff::Timestamp::now().as_second() + days * 86_400;
            record.key_state = Some(PENDING_DELETION.to_owned());
            record.deletion_date = Some(date);
            json!({"KeyId": arn, "DeletionDate": date, "KeyState": PENDING_DELETION, "PendingWindowInDays": days})
        }
        // CancelKeyDeletion leaves the key disabled.
        _ => {
            if !is_pending {
                return Err(KmsReply::bad(
                    "KMSInvalidStateException",
                    &format!("{arn} is not pending deletion."),
                ));
            }
            record.key_state = Some(DISABLED.to_owned());
            record.deletion_date = None;
            json!({"KeyId": arn})
        }
    };
    store(state, arn, &record)?;
    Ok(answer)
}

/// The key a state operation names.
pub(super) fn named_key(
    state: &State,
    input: &Value,
    account: &str,
    region: &str,
) -> Result<String, KmsReply> {
    let named = required(input, "KeyId")?;
    super::resolve(state, named, account, region).ok_or_else(|| super::not_found(named))
}
