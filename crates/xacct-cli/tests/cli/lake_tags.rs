//! Reads of named columns of a tag-governed table (`explain --read-table ... --columns ...`):
//! the tag expression or data cell filter that decided is in the explanation.

use super::{transcript, xacct, AT};

const JOB: &str = "arn:aws:iam::222222222222:role/sales-report-job";
const ANALYST: &str = "arn:aws:iam::111111111111:role/eu-analyst";

#[test]
fn a_column_the_tag_expression_does_not_match_is_refused_with_the_expression() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/lf-tags",
        "--from",
        JOB,
        "--read-table",
        "sales_shared.customers",
        "--columns",
        "email",
    ]));
}

#[test]
fn public_columns_are_read_through_the_tag_expression() {
    let (code, stdout, stderr) = xacct(&[
        "explain",
        "--at",
        AT,
        "--format",
        "json",
        "examples/lf-tags",
        "--from",
        JOB,
        "--read-table",
        "sales_shared.customers",
        "--columns",
        "customer_id,name",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("column `name` of table sales.customers in 111111111111: SELECT, DESCRIBE on tables and columns with LF-Tags `domain=sales AND sensitivity=public` in 111111111111 to account 222222222222"),
        "{stdout}"
    );
}

#[test]
fn a_column_the_filter_excludes_is_refused_with_the_filter() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/lf-tags",
        "--from",
        ANALYST,
        "--read-table",
        "sales.orders",
        "--columns",
        "amount,card_number",
    ]));
}

#[test]
fn columns_without_a_table_are_a_usage_error() {
    let (code, _, stderr) = xacct(&[
        "explain",
        "examples/lf-tags",
        "--from",
        ANALYST,
        "--columns",
        "amount",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--read-table"), "{stderr}");
}

#[test]
fn the_version_warning_names_the_grant_it_keeps_from_the_principal() {
    let (code, stdout, stderr) = xacct(&[
        "check",
        "--at",
        AT,
        "examples/lf-tags/broken/cross-account-version-too-low",
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let output = format!("{stdout}{stderr}");
    assert!(output.contains("cross-account-version-too-low"), "{output}");
    assert!(
        stdout.contains("raise the cross-account version of 111111111111 from 2 to 4"),
        "{stdout}"
    );
}
