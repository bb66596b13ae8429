//! Deciding Glue and Lake Formation requests with the calls `xacct check` asks for a table read
//! (`xacct_paths::table`): each call is an IAM action on a catalog, database or table ARN,
//! decided by the engine (identity policies, the Glue catalog policy of the owner and what a
//! RAM share adds to it, SCPs), and most carry a Lake Formation permission, decided by
//! `xacct_lake` on the grants of the world. A served request passes only when every call passes
//! both gates, in check's order, so the first refusal is the link `xacct check` names.
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-glue-apis.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-overview.html>

use crate::engine::header_safe;
use crate::identity::Credential;
use crate::json_reply::JsonReply;
use crate::State;
use xacct_lake::{CatalogObject, Requester, Target, Verdict};
use xacct_paths::table::{catalog_call_context, lake_verdicts, Call};
use xacct_world::RequestError;

/// Who calls Glue or Lake Formation, and in which Region.
pub struct Caller<'a> {
    pub credential: &'a Credential,
    pub region: &'a str,
}

impl Caller<'_> {
    /// The caller's account, the default `CatalogId`.
    pub fn account(&self) -> String {
        self.credential.identity.account()
    }

    /// Where the caller sits for Lake Formation and RAM; a principal the world does not know
    /// (it cannot hold grants) is refused.
    pub fn requester(&self, state: &State) -> Result<Requester, JsonReply> {
        let session = self.credential.identity.session();
        state.engine.world().lake_requester(&session).ok_or_else(|| {
            JsonReply::bad(
                "AccessDeniedException",
                &format!(
                    "{} is not a role or user of the served world, so Lake Formation holds no permission of it",
                    self.credential.identity.caller_arn()
                ),
            )
        })
    }
}

/// AWS's message when Lake Formation refuses a Data Catalog request (Glue answers it with
/// `AccessDeniedException`).
pub fn insufficient(target: &Target) -> String {
    match target {
        Target::Database { name, .. } => {
            format!("Insufficient Lake Formation permission(s) on {name} (Database name: {name})")
        }
        Target::Table(table) | Target::Column { table, .. } => format!(
            "Insufficient Lake Formation permission(s) on {} (Database name: {}, Table Name: {})",
            table.table, table.database, table.table
        ),
    }
}

/// The engine's IAM decision of one call, as a Glue or Lake Formation error when it refuses.
pub fn decide_iam(
    state: &State,
    caller: &Caller<'_>,
    action: &str,
    resource: &str,
    context: &[(String, xacct_eval::ContextValue)],
) -> Result<(), JsonReply> {
    let session = caller.credential.identity.session();
    let verdict = state
        .engine
        .decide(&session, action, resource, context)
        .map_err(|error| refused_request(&error))?;
    if verdict.allowed {
        return Ok(());
    }
    let mut reply = JsonReply::bad("AccessDeniedException", &verdict.message);
    reply.explanation = Some(verdict.reason);
    Err(reply)
}

/// A request the engine cannot build (an unknown principal, a malformed ARN): refused.
fn refused_request(error: &RequestError) -> JsonReply {
    JsonReply::bad("AccessDeniedException", &error.to_string())
}

/// Decides each call in order, the IAM gate then the Lake Formation gate; the first refusal is
/// the answer.
pub fn decide_calls(
    state: &State,
    caller: &Caller<'_>,
    requester: &Requester,
    object: Option<&CatalogObject>,
    calls: &[Call],
) -> Result<(), JsonReply> {
    for call in calls {
        let context = match object {
            Some(object) => {
                catalog_call_context(&state.engine.world(), requester, object, &call.resource)
            }
            None => Vec::new(),
        };
        decide_iam(state, caller, call.action, &call.resource, &context)?;
        let Some(need) = &call.lake else {
            continue;
        };
        let verdicts = lake_verdicts(&state.engine.world(), requester, need);
        if let Some(refusal) = first_refusal(&verdicts) {
            return Err(refusal);
        }
    }
    Ok(())
}

/// The Glue error of the first Lake Formation verdict that refuses, with xacct's reason.
pub fn first_refusal(verdicts: &[(Target, Verdict)]) -> Option<JsonReply> {
    verdicts.iter().find_map(|(target, verdict)| match verdict {
        Verdict::Missing { reason, .. } => {
            let mut reply = JsonReply::bad("AccessDeniedException", &insufficient(target));
            reply.explanation = Some(header_safe(&format!("Lake Formation: {reason}")));
            Some(reply)
        }
        Verdict::Granted { .. } | Verdict::IamOnly { .. } => None,
    })
}

/// The calls of `calls` an operation makes (check's read, cut to what the operation asks).
pub fn only(calls: Vec<Call>, keep: impl Fn(&Call) -> bool) -> Vec<Call> {
    calls.into_iter().filter(|call| keep(call)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_lake::TableRef;
    use xacct_policy::AccountId;

    fn account() -> AccountId {
        let Ok(account) = "111111111111".parse() else {
            panic!("an account id");
        };
        account
    }

    fn table() -> TableRef {
        TableRef {
            account: account(),
            region: "us-east-1".to_owned(),
            database: "cur_org".to_owned(),
            table: "legacy_all".to_owned(),
        }
    }

    #[test]
    fn lake_formation_refusals_are_worded_as_glue_words_them() {
        let database = Target::Database {
            account: account(),
            region: "us-east-1".to_owned(),
            name: "cur_org".to_owned(),
        };
        assert_eq!(
            insufficient(&database),
            "Insufficient Lake Formation permission(s) on cur_org (Database name: cur_org)"
        );
        let expected = "Insufficient Lake Formation permission(s) on legacy_all (Database name: cur_org, Table Name: legacy_all)";
        assert_eq!(insufficient(&Target::Table(table())), expected);
        let column = Target::Column {
            table: table(),
            column: "cost".to_owned(),
        };
        assert_eq!(insufficient(&column), expected);
    }

    #[test]
    fn the_first_missing_permission_is_the_refusal() {
        let granted = (
            Target::Table(table()),
            Verdict::Granted {
                by: "a grant".to_owned(),
            },
        );
        let iam_only = (
            Target::Table(table()),
            Verdict::IamOnly {
                reason: "IAMAllowedPrincipals".to_owned(),
            },
        );
        assert!(first_refusal(&[granted.clone(), iam_only.clone()]).is_none());
        let missing = (
            Target::Column {
                table: table(),
                column: "cost".to_owned(),
            },
            Verdict::Missing {
                reason: "no SELECT on cost".to_owned(),
                missing: Vec::new(),
                remedies: Vec::new(),
            },
        );
        let Some(reply) = first_refusal(&[granted, missing, iam_only]) else {
            panic!("a missing permission refuses");
        };
        assert_eq!(reply.status, hyper::StatusCode::BAD_REQUEST);
        assert!(reply.body.contains("AccessDeniedException"));
        assert_eq!(
            reply.explanation.as_deref(),
            Some("Lake Formation: no SELECT on cost")
        );
    }
}
