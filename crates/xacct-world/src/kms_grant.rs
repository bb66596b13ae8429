//! A KMS grant as the policy statements it amounts to, shared by the loader (grants a scenario
//! declares) and `xacct serve` (grants CreateGrant makes), so both are decided by one rule.
//! <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>

use std::collections::BTreeMap;

/// The operations a KMS grant can allow.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations>
pub const GRANT_OPERATIONS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
];

/// The grant operation `name` names (with or without `kms:`, in any case), as KMS spells it.
pub fn grant_operation(name: &str) -> Option<&'static str> {
    let name = name.trim_start_matches("kms:");
    GRANT_OPERATIONS
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(name))
}

/// A grant's encryption context constraint (`Constraints` of CreateGrant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantConstraint {
    /// `EncryptionContextSubset`: the request's context holds these pairs (and maybe more).
    Subset(BTreeMap<String, String>),
    /// `EncryptionContextEquals`: the request's context is exactly these pairs.
    Equals(BTreeMap<String, String>),
}

/// The policy document a grant amounts to: an Allow naming the grantee for the grant's
/// operations (KMS spellings, as [`grant_operation`] gives them). Encryption context
/// constraints become conditions on the cryptographic operations only, which are the operations
/// KMS applies them to
/// (<https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html>);
/// `DescribeKey` and `RetireGrant` are allowed without them, and so is `CreateGrant`, whose
/// request carries no encryption context: the constraint limits instead the grants it may
/// create, to constraints as strict or stricter (which `xacct serve` checks at CreateGrant,
/// <https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html>).
/// `None` for no operation.
pub fn grant_document(
    grantee: &str,
    operations: &[&str],
    constraint: Option<&GrantConstraint>,
) -> Option<serde_json::Value> {
    let mut constrained = Vec::new();
    let mut unconstrained = Vec::new();
    for &operation in operations {
        if ["DescribeKey", "RetireGrant", "CreateGrant"].contains(&operation) {
            unconstrained.push(format!("kms:{operation}"));
        } else {
            constrained.push(format!("kms:{operation}"));
        }
    }
    let mut condition = serde_json::Map::new();
    if let Some(GrantConstraint::Subset(pairs) | GrantConstraint::Equals(pairs)) = constraint {
        let equals: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(key, value)| {
                (
                    format!("kms:EncryptionContext:{key}"),
                    serde_json::Value::from(value.clone()),
                )
            })
            .collect();
        condition.insert("StringEquals".to_owned(), serde_json::Value::Object(equals));
        if matches!(constraint, Some(GrantConstraint::Equals(_))) {
            let keys: Vec<serde_json::Value> = pairs
                .keys()
                .map(|key| serde_json::Value::from(key.clone()))
                .collect();
            condition.insert(
                "ForAllValues:StringEquals".to_owned(),
                serde_json::json!({ "kms:EncryptionContextKeys": keys }),
            );
        }
    }
    let mut statements = Vec::new();
    if !constrained.is_empty() {
        let mut statement = serde_json::json!({
            "Sid": "GrantOperations",
            "Effect": "Allow",
            "Principal": {"AWS": grantee},
            "Action": constrained,
            "Resource": "*",
        });
        if !condition.is_empty() {
            if let Some(object) = statement.as_object_mut() {
                object.insert("Condition".to_owned(), serde_json::Value::Object(condition));
            }
        }
        statements.push(statement);
    }
    if !unconstrained.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "GrantOperationsWithoutContext",
            "Effect": "Allow",
            "Principal": {"AWS": grantee},
            "Action": unconstrained,
            "Resource": "*",
        }));
    }
    if statements.is_empty() {
        return None;
    }
    Some(serde_json::json!({"Version": "2012-10-17", "Statement": statements}))
}
