//! IAM-only Data Catalog sharing: another account's catalog policy and the reader's own policy,
//! both naming the catalog, database and table ARNs (semantics.md 7.1, rows 66 and 70).
//! <https://docs.aws.amazon.com/glue/latest/dg/cross-account-access.html>

use crate::check::check;
use crate::tests_support::{inline, load, trust};

/// B's catalog, in IAM-only mode, with a policy granting the reader in A the Glue reads on
/// `resources`; the reader's own policy allows the same on B's three ARNs.
fn scenario(resources: &str) -> String {
    let reader = inline(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"], "Resource": ["arn:aws:glue:us-east-1:222222222222:catalog", "arn:aws:glue:us-east-1:222222222222:database/sales", "arn:aws:glue:us-east-1:222222222222:table/sales/*"]}]}"#,
    );
    let catalog_policy = inline(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111111111111:role/reader"}}, "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"], "Resource": {resources}}}]}}"#
    ));
    let trust = trust(r#"{"AWS": "111111111111"}"#);
    format!(
        r#"
[[account]]
id = "111111111111"

[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::111111111111:role/reader"
trust = {trust}
policies = [{reader}]

[[catalog]]
account = "222222222222"
policy = {catalog_policy}

[[catalog.database]]
name = "sales"

[[catalog.table]]
database = "sales"
name = "orders"

[[expect]]
name = "the reader in A reads B's table by catalog id"
from = "arn:aws:iam::111111111111:role/reader"
read_tables = ["222222222222:sales.orders"]
decision = "allow"
"#
    )
}

fn passes(manifest: &str) -> bool {
    check(&load(manifest))
        .expectations
        .first()
        .is_some_and(crate::check::ExpectationResult::passed)
}

#[test]
fn a_catalog_policy_naming_catalog_database_and_table_lets_the_reader_in() {
    let all_three = r#"["arn:aws:glue:us-east-1:222222222222:catalog", "arn:aws:glue:us-east-1:222222222222:database/sales", "arn:aws:glue:us-east-1:222222222222:table/sales/*"]"#;
    assert!(passes(&scenario(all_three)));
}

/// Row 66: a table request is authorized on the three ARNs together.
#[test]
fn a_catalog_policy_naming_only_the_table_does_not() {
    let table_only = r#"["arn:aws:glue:us-east-1:222222222222:table/sales/*"]"#;
    let report = check(&load(&scenario(table_only)));
    let result = report.expectations.first().unwrap();
    assert!(!result.passed());
    let failing: Vec<&str> = result
        .failing_cases()
        .iter()
        .map(|case| case.resource.as_str())
        .collect();
    assert!(
        failing.contains(&"arn:aws:glue:us-east-1:222222222222:catalog"),
        "{failing:?}"
    );
    assert!(
        failing.contains(&"arn:aws:glue:us-east-1:222222222222:database/sales"),
        "{failing:?}"
    );
    assert!(
        !failing.contains(&"arn:aws:glue:us-east-1:222222222222:table/sales/orders"),
        "{failing:?}"
    );
}

/// In an organization with RAM sharing enabled, nothing is shared until the owner shares it:
/// without a catalog policy, a grant or a share, another member's reader is refused.
#[test]
fn an_organization_alone_shares_no_catalog() {
    let manifest = scenario(r#"["arn:aws:glue:us-east-1:222222222222:catalog"]"#)
        .replace(
            "[[account]]\nid = \"111111111111\"\n",
            "[organization]\nid = \"o-example\"\nmanagement_account = \"111111111111\"\n\n[[account]]\nid = \"111111111111\"\n",
        )
        .replace("policy = {", "# no catalog policy\nunused = {");
    let manifest = manifest
        .lines()
        .filter(|line| !line.starts_with("unused = "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(manifest.contains("[organization]"));
    assert!(!manifest.contains("policy = {\"Version\""));
    let report = check(&load(&manifest));
    let result = report.expectations.first().unwrap();
    assert!(!result.passed());
    assert!(result
        .failing_cases()
        .iter()
        .any(|case| case.resource == "arn:aws:glue:us-east-1:222222222222:table/sales/orders"));
}
