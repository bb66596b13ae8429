//! The organization, as the bundle `xacct import` reads (`organizations.json`): the outputs
//! of `describe-organization`, `list-roots`, `list-organizational-units-for-parent` and
//! `list-accounts-for-parent` for every parent, `list-accounts`, and `describe-policy` with
//! `list-targets-for-policy` for every SCP and RCP.

use crate::call::{Call, Outcome, Recorder};
use crate::session::Session;
use serde_json::{json, Map, Value};

const NOT_IN_USE: &[&str] = &["AWSOrganizationsNotInUseException"];
const TREE: &str = "the organization's tree: which SCPs and RCPs apply to each account";

/// The bundle, or `None` when the account is in no organization or may not read it (a gap
/// is recorded for a denied call).
pub(crate) async fn bundle(session: &Session, recorder: &Recorder) -> Option<Value> {
    let client = aws_sdk_organizations::Client::new(&session.config);
    let organization = recorder
        .raw(
            &call("organizations:DescribeOrganization", "*"),
            once!(client.describe_organization()),
        )
        .await
        .got()?;
    let roots = recorder
        .raw_pages(
            &call("organizations:ListRoots", "*"),
            &["Roots"],
            "NextToken",
            page!(client.list_roots(), set_next_token),
        )
        .await
        .got()?;
    let mut parents: Vec<String> = ids(&roots, "Roots");
    let mut units = Map::new();
    let mut accounts = Map::new();
    while let Some(parent) = parents.pop() {
        let listed = recorder
            .raw_pages(
                &call("organizations:ListOrganizationalUnitsForParent", &parent),
                &["OrganizationalUnits"],
                "NextToken",
                page!(
                    client
                        .list_organizational_units_for_parent()
                        .parent_id(&parent),
                    set_next_token
                ),
            )
            .await;
        if let Outcome::Got(listed) = listed {
            parents.extend(ids(&listed, "OrganizationalUnits"));
            units.insert(parent.clone(), listed);
        }
        let members = recorder
            .raw_pages(
                &call("organizations:ListAccountsForParent", &parent),
                &["Accounts"],
                "NextToken",
                page!(
                    client.list_accounts_for_parent().parent_id(&parent),
                    set_next_token
                ),
            )
            .await;
        if let Outcome::Got(members) = members {
            accounts.insert(parent.clone(), members);
        }
    }
    let all_accounts = recorder
        .raw_pages(
            &call("organizations:ListAccounts", "*"),
            &["Accounts"],
            "NextToken",
            page!(client.list_accounts(), set_next_token),
        )
        .await
        .got();
    let mut policies = Vec::new();
    for filter in [
        aws_sdk_organizations::types::PolicyType::ServiceControlPolicy,
        aws_sdk_organizations::types::PolicyType::ResourceControlPolicy,
    ] {
        let listed = recorder
            .raw_pages(
                &call("organizations:ListPolicies", "*"),
                &["Policies"],
                "NextToken",
                page!(
                    client.list_policies().filter(filter.clone()),
                    set_next_token
                ),
            )
            .await;
        let Outcome::Got(listed) = listed else {
            continue;
        };
        for id in ids(&listed, "Policies") {
            let described = recorder
                .raw(
                    &call("organizations:DescribePolicy", &id),
                    once!(client.describe_policy().policy_id(&id)),
                )
                .await
                .got();
            let targets = recorder
                .raw_pages(
                    &call("organizations:ListTargetsForPolicy", &id),
                    &["Targets"],
                    "NextToken",
                    page!(
                        client.list_targets_for_policy().policy_id(&id),
                        set_next_token
                    ),
                )
                .await
                .got();
            if let (Some(described), Some(targets)) = (described, targets) {
                policies.push(json!({
                    "DescribePolicy": described,
                    "ListTargetsForPolicy": targets,
                }));
            }
        }
    }
    let mut bundle = Map::new();
    bundle.insert("DescribeOrganization".to_owned(), organization);
    bundle.insert("ListRoots".to_owned(), roots);
    bundle.insert(
        "ListOrganizationalUnitsForParent".to_owned(),
        Value::Object(units),
    );
    bundle.insert("ListAccountsForParent".to_owned(), Value::Object(accounts));
    if let Some(all_accounts) = all_accounts {
        bundle.insert("ListAccounts".to_owned(), all_accounts);
    }
    bundle.insert("Policies".to_owned(), Value::Array(policies));
    Some(Value::Object(bundle))
}

fn call<'a>(action: &'static str, resource: &'a str) -> Call<'a> {
    Call {
        action,
        resource,
        unanswerable: TREE,
        absent: NOT_IN_USE,
    }
}

/// The `Id`s of the items of `list`.
fn ids(page: &Value, list: &str) -> Vec<String> {
    page.get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("Id")?.as_str().map(str::to_owned))
        .collect()
}
