//! Unity Catalog answers in the user's terms: the finding code of a failed Unity Catalog check
//! (which classic failure it is), and which credential a `storage-credential:NAME` question
//! starts from. The checks themselves are expectations the world derives
//! (`xacct_world::unity_catalog`), run like every other.

use crate::check::ExpectationResult;
use xacct_eval::Gap;
use xacct_world::unity_catalog::code;

/// The finding code of a failed check: the expectation's own code (a Unity Catalog check), made
/// precise where the failing request says more (a read refused by the KMS key policy of the
/// bucket's key), or `None` for an `[[expect]]` of the scenario.
pub fn finding_code(result: &ExpectationResult) -> Option<&str> {
    let own = result.expectation.code.as_deref()?;
    let refused_by_key_policy = result.failing_cases().iter().any(|case| {
        case.action.starts_with("kms:")
            && case
                .outcome
                .path
                .last
                .as_ref()
                .is_some_and(|step| step.response.gaps.contains(&Gap::ResourcePolicy))
    });
    if refused_by_key_policy {
        return Some(code::KMS_KEY_POLICY_MISSING_ROLE);
    }
    Some(own)
}

/// What a principal is to Unity Catalog, for `who-can`: "the Unity Catalog master role of the
/// Databricks control plane" or "the role of storage credential `NAME`", `None` otherwise.
pub fn principal_note(world: &xacct_world::World, arn: &str) -> Option<String> {
    let catalog = &world.unity_catalog;
    let names: Vec<String> = catalog
        .credentials
        .values()
        .filter(|credential| credential.role == arn)
        .map(|credential| format!("{} `{}`", credential.purpose.noun(), credential.name))
        .collect();
    if !names.is_empty() {
        return Some(format!("Unity Catalog: the role of {}", names.join(", ")));
    }
    // A principal outside the scenario is described in words around its ARN.
    let words: Vec<&str> = arn.split([' ', ',']).collect();
    catalog
        .credentials
        .values()
        .any(|credential| words.contains(&credential.master_role.as_str()))
        .then(|| {
            "Unity Catalog: the master role of the Databricks control plane, which assumes credential roles".to_owned()
        })
}
