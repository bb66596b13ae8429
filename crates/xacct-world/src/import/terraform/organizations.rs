//! AWS Organizations: service and resource control policies and their attachments to
//! accounts. Attribute names from the AWS provider's documentation
//! (`aws_organizations_policy`, `aws_organizations_policy_attachment`).

use super::emit::Out;
use super::iam::document;
use super::plan::Resource;
use super::resolve::{placeholder, Resolver};

/// `FullAWSAccess`, which stays attached at every level unless detached: attaching another
/// SCP to an account adds to it (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_strategies.html>).
const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

pub(super) fn read(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) -> bool {
    match resource.kind.as_str() {
        "aws_organizations_policy" => {
            let id = resource
                .text("id")
                .map_or_else(|| placeholder(resource), str::to_owned);
            let kind = resource
                .text("type")
                .unwrap_or("SERVICE_CONTROL_POLICY")
                .to_owned();
            if !matches!(
                kind.as_str(),
                "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY"
            ) {
                return true; // Tag, backup and AI opt-out policies grant nothing.
            }
            if let Some(doc) = document(out, resolver, resource, "content") {
                out.org_policies
                    .insert(id, (resource.address.clone(), kind, doc));
            }
        }
        "aws_organizations_policy_attachment" => attachment(out, resolver, resource),
        _ => return false,
    }
    true
}

fn attachment(out: &mut Out, resolver: &Resolver<'_>, resource: &Resource) {
    let policy = resource.text("policy_id").map(str::to_owned).or_else(|| {
        let reference = resource.references(&["policy_id"]);
        reference.iter().find_map(|reference| {
            let (target, _) = resolver.target(resource, reference)?;
            Some(
                target
                    .text("id")
                    .map_or_else(|| placeholder(target), str::to_owned),
            )
        })
    });
    let target = resolver.text(resource, "target_id");
    let found = policy.and_then(|id| out.org_policies.get(&id).cloned());
    let (Some((_, kind, doc)), Some(target)) = (found, target) else {
        out.warn(&resource.address, format!("{} attaches a policy that is not in the plan, or to a target known only after apply: left out", resource.address));
        return;
    };
    if !(target.len() == 12 && target.bytes().all(|byte| byte.is_ascii_digit())) {
        out.warn(
            &resource.address,
            format!("{} attaches a policy to `{target}`, a root or organizational unit: xacct reads attachments to accounts only; declare the unit's policies in the scenario's [organization]", resource.address),
        );
        return;
    }
    let full = out.doc(
        &resource.address,
        "FullAWSAccess (attached by default)",
        FULL_AWS_ACCESS.to_owned(),
    );
    let entry = out.account(&target, &resource.address);
    // An account of the scenario with SCPs of its own already says what is attached.
    let listed = entry
        .base
        .as_ref()
        .and_then(|table| table.get("scps"))
        .and_then(toml::Value::as_array)
        .is_some_and(|scps| !scps.is_empty());
    if kind == "RESOURCE_CONTROL_POLICY" {
        entry.rcps.push(doc);
    } else {
        if entry.scps.is_empty() && !listed {
            entry.scps.push(full);
        }
        entry.scps.push(doc);
    }
}
