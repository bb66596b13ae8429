//! Unity Catalog questions in the user's terms: `explain --from storage-credential:NAME`,
//! `explain --location PATH`, `who-can` naming credentials, and the finding codes `check`
//! reports for the classic failures.

use super::{transcript, workspace_root, xacct, AT};
use serde_json::Value;

const EXAMPLE: &str = "examples/unity-catalog";

#[test]
fn location_says_which_external_location_and_credential_serve_a_path() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        EXAMPLE,
        "--location",
        "s3://lake-b/sales/2026/part-0.parquet"
    ]));
    // The catalog's managed storage (the longest prefix) lies in the location: the location's
    // credential serves it.
    let (code, stdout, _) = xacct(&[
        "explain",
        EXAMPLE,
        "--location",
        "s3://lake-b/sales/managed/t/x",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(answer["credential"]["name"], "lake-b-sales");
    assert_eq!(answer["servedBy"]["kind"], "managed-storage");
    assert_eq!(answer["servedBy"]["storage"]["owner"], "catalog sales");
    // Whole path segments: `salesforce` is not under `sales`.
    let (code, stdout, _) = xacct(&["explain", EXAMPLE, "--location", "s3://lake-b/salesforce/x"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("no external location or managed storage"),
        "{stdout}"
    );
    let (code, _, stderr) = xacct(&["explain", EXAMPLE, "--location", "/mnt/lake"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not an S3 URL"), "{stderr}");
}

#[test]
fn a_credential_is_asked_as_unity_catalog_uses_it() {
    let (code, stdout, stderr) = xacct(&[
        "explain",
        EXAMPLE,
        "--from",
        "storage-credential:lake-b-sales",
        "--write",
        "s3://lake-b/sales/2026/",
        "--at",
        AT,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL -> arn:aws:iam::111111111111:role/uc-lake-b"), "{stdout}");
    assert!(
        stdout.contains("external id `0d26daa6-5e44-4c97-a497-ef015f91254a` passed"),
        "{stdout}"
    );
    // The metastore's credential does not reach lake-b: the answer is the failing link and fix.
    insta::assert_snapshot!(transcript(&[
        "explain",
        EXAMPLE,
        "--from",
        "storage-credential:metastore-root",
        "--read",
        "s3://lake-b/sales/",
        "--at",
        AT,
    ]));
    let (code, _, stderr) = xacct(&[
        "explain",
        EXAMPLE,
        "--from",
        "storage-credential:lake-b-sale",
        "--read",
        "s3://lake-b/sales/",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `lake-b-sales`?"), "{stderr}");
}

#[test]
fn who_can_names_the_credential_and_the_master_role() {
    let (code, stdout, _) = xacct(&[
        "who-can",
        EXAMPLE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/sales/x",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    let notes: Vec<&str> = answer["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|principal| principal["unityCatalog"].as_str())
        .collect();
    assert_eq!(
        notes,
        vec![
            "Unity Catalog: the role of storage credential `lake-b-sales`",
            "Unity Catalog: the master role of the Databricks control plane, which assumes credential roles"
        ]
    );
}

#[test]
fn check_reports_each_classic_failure_under_its_code() {
    for (variant, code) in [
        (
            "external-id-of-another-account",
            "uc-master-role-cannot-assume",
        ),
        ("role-does-not-trust-itself", "uc-self-assume-missing"),
        (
            "role-lacks-get-bucket-location",
            "uc-get-bucket-location-missing",
        ),
        ("bucket-policy-lacks-list-bucket", "uc-list-bucket-missing"),
        (
            "key-policy-without-the-role",
            "uc-kms-key-policy-missing-role",
        ),
    ] {
        let folder = format!("{EXAMPLE}/broken/{variant}");
        let (exit, stdout, _) = xacct(&["check", &folder, "--at", AT, "--format", "json"]);
        assert_eq!(exit, 1, "{variant}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        let codes: Vec<&str> = report["expectations"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|expectation| expectation["code"].as_str())
            .collect();
        assert!(codes.contains(&code), "{variant}: {codes:?}");
        let (_, sarif, _) = xacct(&["check", &folder, "--at", AT, "--format", "sarif"]);
        assert!(
            sarif.contains(&format!("\"ruleId\": \"{code}\"")),
            "{variant}"
        );
    }
    // The trust's value is pointed at before the checks run.
    let (_, stdout, _) = xacct(&[
        "check",
        &format!("{EXAMPLE}/broken/external-id-of-another-account"),
        "--at",
        AT,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["findings"][0]["code"], "uc-external-id-mismatch");
}

/// Databricks passes its own external id: the fix for a trust that wants another one changes
/// the trust, never asks the caller to pass something else.
#[test]
fn the_fix_for_a_wrong_external_id_is_the_trust() {
    let loaded = xacct_world::load(
        &workspace_root().join(format!("{EXAMPLE}/broken/external-id-of-another-account")),
    )
    .unwrap();
    let report = xacct_paths::check::check(&loaded.world);
    let fixes: Vec<&xacct_paths::Fix> = report
        .expectations
        .iter()
        .flat_map(|result| &result.cases)
        .filter_map(|case| case.fixes.as_ref())
        .filter_map(|fixes| fixes.as_ref().ok())
        .flatten()
        .collect();
    assert!(!fixes.is_empty());
    assert!(
        fixes
            .iter()
            .all(|fix| matches!(fix.target, xacct_paths::Target::TrustPolicy { .. })),
        "{fixes:?}"
    );
    let wanted = fixes.iter().any(|fix| {
        fix.statement.as_ref().is_some_and(|statement| {
            statement["Condition"]["StringEquals"]["sts:ExternalId"]
                == "0d26daa6-5e44-4c97-a497-ef015f91254a"
        })
    });
    assert!(wanted, "{fixes:?}");
}

/// `check --format json`: each expectation's name and whether it passed, and the finding codes.
#[expect(
    clippy::indexing_slicing,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test whose command does not answer in JSON fails"
)]
fn checked(dir: &str) -> (Vec<(String, bool)>, Vec<String>) {
    let (_, stdout, stderr) = xacct(&["check", dir, "--at", AT, "--format", "json"]);
    let answer: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let results = answer["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|expectation| {
            (
                expectation["name"].as_str().unwrap().to_owned(),
                expectation["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    let codes = answer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["code"].as_str().unwrap().to_owned())
        .collect();
    (results, codes)
}

/// The same workspace described by Databricks' own exports (`storage-credentials list`,
/// `credentials list-credentials`, `external-locations list`) checks as the hand-written one.
#[test]
fn databricks_exports_check_as_the_declared_credentials_and_locations() {
    let (declared, _) = checked(EXAMPLE);
    let (imported, codes) = checked("examples/unity-catalog/from-exports");
    assert!(codes.is_empty(), "{codes:?}");
    assert!(!declared.is_empty());
    assert_eq!(imported, declared);
}

/// A credential whose role the scenario does not declare is an error at the role's place in
/// the export; an Azure credential is left out with a warning; without an external id or a
/// `databricks_account_id` the credential cannot be checked.
#[test]
fn problems_of_a_databricks_export_point_into_it() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("uc-export-problems");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("credentials.json"),
        r#"[
  {"name": "ghost", "aws_iam_role": {"role_arn": "arn:aws:iam::111111111111:role/not-declared", "external_id": "0d26daa6-5e44-4c97-a497-ef015f91254a"}},
  {"name": "azure", "azure_managed_identity": {"access_connector_id": "/subscriptions/x"}},
  {"name": "no-id", "aws_iam_role": {"role_arn": "arn:aws:iam::111111111111:role/not-declared"}}
]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("xacct.toml"),
        "[[account]]\nid = \"111111111111\"\n\n[[import]]\nkind = \"databricks-credentials\"\npath = \"credentials.json\"\n",
    )
    .unwrap();
    let (code, stdout, _) = xacct(&["validate", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    let found: Vec<(String, String, u64)> = answer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["code"].as_str().unwrap().to_owned(),
                finding["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                finding["location"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "uc-credential-role-not-declared".to_owned(),
            "credentials.json".to_owned(),
            2
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "databricks-credential-not-aws".to_owned(),
            "credentials.json".to_owned(),
            3
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "incomplete-import".to_owned(),
            "credentials.json".to_owned(),
            4
        )),
        "{found:?}"
    );
}
