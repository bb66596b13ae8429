//! The Data Catalog's resource policy: GetResourcePolicy and PutResourcePolicy, decided as
//! `glue:GetResourcePolicy` / `glue:PutResourcePolicy` on the catalog ARN. A policy put reaches
//! the world at once: the next cross-account Glue request is decided with it.
//! <https://docs.aws.amazon.com/glue/latest/dg/cross-account-access.html>

use super::{catalog_id, not_found, reference, required, text};
use crate::catalog_calls::{decide_iam, Caller};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use sha2::Digest as _;
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, AccountId, PolicyKind, Severity, SourceFile};

/// The catalog a policy request is on: `ResourceArn` (a catalog ARN), else `CatalogId`, else
/// the caller's own.
fn catalog_of(caller: &Caller<'_>, input: &Value) -> Result<AccountId, JsonReply> {
    let Some(arn) = text(input, "ResourceArn") else {
        return catalog_id(caller, input);
    };
    arn.strip_prefix("arn:aws:glue:")
        .and_then(|rest| {
            let mut fields = rest.split(':');
            let _region = fields.next()?;
            let account = fields.next()?;
            (fields.next()? == "catalog").then_some(account)
        })
        .and_then(|account| account.parse().ok())
        .ok_or_else(|| {
            JsonReply::bad(
                "InvalidInputException",
                &format!("ResourceArn `{arn}` is not a Data Catalog ARN (arn:aws:glue:REGION:ACCOUNT:catalog)"),
            )
        })
}

fn hash(text: &str) -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(text.as_bytes()),
    )
}

/// GetResourcePolicy.
pub fn get(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let account = catalog_of(caller, input)?;
    let arn = reference(caller, account, "", "").catalog_arn();
    decide_iam(state, caller, "glue:GetResourcePolicy", &arn, &[])?;
    let text = state
        .engine
        .world()
        .catalog_policies
        .get(&(account, caller.region.to_owned()))
        .and_then(|policy| {
            policy
                .source
                .as_ref()
                .map(|source| source.text().to_string())
        });
    let Some(text) = text else {
        return Err(not_found("Policy not found".to_owned()));
    };
    Ok(json!({"PolicyInJson": text, "PolicyHash": hash(&text)}))
}

/// PutResourcePolicy: a document Glue would refuse is `InvalidInputException`.
pub fn put(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    let text = required(input, "PolicyInJson")?.to_owned();
    let account = catalog_of(caller, input)?;
    let arn = reference(caller, account, "", "").catalog_arn();
    decide_iam(state, caller, "glue:PutResourcePolicy", &arn, &[])?;
    let parsed = parse_policy(&text, PolicyKind::Resource);
    if let Some(finding) = parsed
        .findings
        .iter()
        .find(|finding| finding.severity == Severity::Error)
    {
        return Err(JsonReply::bad("InvalidInputException", &finding.message));
    }
    let label = format!("the Glue catalog policy of {account}, put through xacct serve");
    let source = SourceFile::new(label.clone(), text.clone());
    let policy = SourcedPolicy::new(Arc::new(parsed.policy), label).with_source(source);
    state
        .engine
        .world_mut()
        .catalog_policies
        .insert((account, caller.region.to_owned()), policy);
    Ok(json!({"PolicyHash": hash(&text)}))
}
