//! Unity Catalog tables of the manifest: what they become in the world, the checks derived
//! from them, and the findings of tables Databricks would refuse.

use std::path::Path;
use xacct_policy::{Severity, SourceFile};
use xacct_world::{load_text, Loaded};

const ACCOUNT_ID: &str = "0d26daa6-5e44-4c97-a497-ef015f91254a";
const MASTER: &str = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL";

/// A scenario with one storage credential `lake` (role `uc` in 111111111111, whose trust
/// requires `trust_id`) and the tables `rest` adds.
fn scenario(trust_id: &str, rest: &str) -> Loaded {
    let text = format!(
        r#"
[[account]]
id = "111111111111"

[[role]]
arn = "arn:aws:iam::111111111111:role/uc"
trust = {{ inline = '''{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{MASTER}","arn:aws:iam::111111111111:role/uc"]}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{trust_id}"}}}}}}]}}''' }}

[[bucket]]
name = "lake"
account = "111111111111"

[[storage_credential]]
name = "lake"
role = "arn:aws:iam::111111111111:role/uc"
databricks_account_id = "{ACCOUNT_ID}"
{rest}"#
    );
    load_text(SourceFile::new("xacct.toml", text), Path::new("."))
}

fn codes(loaded: &Loaded) -> Vec<(&str, Severity)> {
    loaded
        .findings
        .iter()
        .map(|finding| (finding.finding.code, finding.finding.severity))
        .collect()
}

#[test]
fn a_credential_and_a_location_become_their_checks() {
    let loaded = scenario(
        ACCOUNT_ID,
        r#"
[[external_location]]
name = "sales"
url = "s3://lake/sales"
credential = "lake"
read_only = true
"#,
    );
    assert!(!loaded.has_errors(), "{:?}", codes(&loaded));
    let world = &loaded.world;
    assert!(
        world.roles.contains_key(MASTER),
        "the master role is a role of the world"
    );
    let derived: Vec<(&str, &str, &[String])> = world
        .expectations
        .iter()
        .map(|expectation| {
            (
                expectation.code.as_deref().unwrap(),
                expectation.from.as_str(),
                expectation.via.as_slice(),
            )
        })
        .collect();
    let role = "arn:aws:iam::111111111111:role/uc".to_owned();
    let via = std::slice::from_ref(&role);
    assert_eq!(
        derived,
        vec![
            ("uc-master-role-cannot-assume", MASTER, &[][..]),
            ("uc-self-assume-missing", role.as_str(), &[][..]),
            ("uc-get-bucket-location-missing", MASTER, via),
            ("uc-list-bucket-missing", MASTER, via),
            ("uc-location-not-readable", MASTER, via),
        ],
        "a read-only location is not checked for writes"
    );
    // Every check passes the external id Databricks passes.
    assert!(world.expectations.iter().all(|expectation| expectation
        .external_ids
        .get(&role)
        .map(String::as_str)
        == Some(ACCOUNT_ID)));
    let list = &world.expectations[3];
    assert_eq!(list.resources, vec!["arn:aws:s3:::lake".to_owned()]);
    assert_eq!(list.context[0].0, "s3:prefix");
}

#[test]
fn a_trust_that_wants_another_accounts_id_is_a_warning_at_its_value() {
    let other = "9f1c2e77-3d4b-4a8e-b1c0-5a6b7c8d9e0f";
    let loaded = scenario(other, "");
    let finding = loaded
        .findings
        .iter()
        .find(|finding| finding.finding.code == "uc-external-id-mismatch")
        .unwrap();
    assert_eq!(finding.finding.severity, Severity::Warning);
    let source = &finding.source;
    let span = finding.finding.span;
    assert_eq!(source.text()[span.start..span.end], format!("\"{other}\""));
    assert!(finding.finding.message.contains(ACCOUNT_ID));
}

#[test]
fn overlapping_external_locations_are_refused_as_unity_catalog_refuses_them() {
    let loaded = scenario(
        ACCOUNT_ID,
        r#"
[[external_location]]
name = "sales"
url = "s3://lake/sales/"
credential = "lake"

[[external_location]]
name = "sales-eu"
url = "s3://lake/sales/eu"
credential = "lake"

[[external_location]]
name = "salesforce"
url = "s3://lake/salesforce"
credential = "lake"
"#,
    );
    let overlaps: Vec<&str> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.code == "uc-external-location-overlap")
        .map(|finding| finding.finding.message.as_str())
        .collect();
    assert_eq!(overlaps.len(), 1, "{overlaps:?}");
    assert!(overlaps[0].contains("`sales-eu`") && overlaps[0].contains("`sales`"));
    assert!(loaded.has_errors());
}

#[test]
fn tables_databricks_would_refuse_are_errors_with_their_fix() {
    let loaded = scenario(
        ACCOUNT_ID,
        r#"
[[service_credential]]
name = "glue"
role = "arn:aws:iam::111111111111:role/uc"
databricks_account_id = "x"

[[storage_credential]]
name = "ghost"
role = "arn:aws:iam::111111111111:role/not-declared"
databricks_account_id = "x"

[[external_location]]
name = "typo"
url = "s3://lake/a"
credential = "lak"

[[external_location]]
name = "service"
url = "s3://lake/b"
credential = "glue"

[[external_location]]
name = "scheme"
url = "s3a://lake/c"
credential = "lake"

[[metastore]]
name = "main"
storage_root = "s3://lake/root"

[[metastore.catalog]]
name = "sales"
storage_root = "s3://other/sales"
"#,
    );
    let found = codes(&loaded);
    for code in [
        "uc-credential-role-not-declared",
        "uc-unknown-credential",
        "uc-service-credential-for-storage",
        "uc-invalid-storage-path",
        "uc-managed-storage-without-credential",
        "uc-managed-storage-outside-external-location",
    ] {
        assert!(
            found.contains(&(code, Severity::Error)),
            "{code}: {found:?}"
        );
    }
    let typo = loaded
        .findings
        .iter()
        .find(|finding| finding.finding.code == "uc-unknown-credential")
        .unwrap();
    assert_eq!(typo.finding.help.as_deref(), Some("did you mean `lake`?"));
}

#[test]
fn an_intent_for_a_new_credential_needs_the_databricks_account_id() {
    let loaded = scenario(
        ACCOUNT_ID,
        r#"
[[intent]]
name = "new"
compute = "storage-credential:new"
access = "read"
target = "s3://lake/x/"
"#,
    );
    assert!(codes(&loaded).contains(&("uc-intent-without-account-id", Severity::Error)));
    let declared = scenario(
        ACCOUNT_ID,
        r#"
[[intent]]
name = "declared"
compute = "storage-credential:lake"
access = "read"
target = "s3://lake/x/"
"#,
    );
    assert!(!declared.has_errors(), "{:?}", codes(&declared));
    let intent = &declared.world.intents[0];
    assert_eq!(intent.from, MASTER);
    assert_eq!(intent.external_id.as_deref(), Some(ACCOUNT_ID));
    assert_eq!(intent.credential.as_deref(), Some("lake"));
}
