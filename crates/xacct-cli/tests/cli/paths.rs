//! `xacct who-can` and `xacct graph` end to end on the bundled scenarios. Outputs are
//! snapshot-tested so that every change to a chain or a drawing is reviewed.

use super::{transcript, xacct, AT};

#[test]
fn who_can_read_the_lake_lists_the_role_the_chain_and_the_instance_profile() {
    insta::assert_snapshot!(transcript(&[
        "who-can",
        "--at",
        AT,
        "examples/s3-role-chain",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/*",
    ]));
}

#[test]
fn who_can_json_is_the_stable_contract() {
    let (code, stdout, _) = xacct(&[
        "who-can",
        "--at",
        AT,
        "examples/s3-role-chain",
        "--action",
        "s3:ListBucket",
        "--resource",
        "arn:aws:s3:::lake-b",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["can"], true);
    insta::assert_json_snapshot!(json);
}

#[test]
fn who_can_with_a_depth_of_zero_counts_only_direct_access() {
    let (code, stdout, _) = xacct(&[
        "who-can",
        "--at",
        AT,
        "examples/s3-role-chain",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/*",
        "--depth",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let principals: Vec<&str> = json["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reach| reach["principal"].as_str().unwrap())
        .collect();
    assert_eq!(principals, ["arn:aws:iam::222222222222:role/MyRoleB"]);
}

#[test]
fn who_can_delete_the_bucket_is_nobody() {
    insta::assert_snapshot!(transcript(&[
        "who-can",
        "--at",
        AT,
        "examples/s3-role-chain",
        "--action",
        "s3:DeleteBucket",
        "--resource",
        "arn:aws:s3:::lake-b",
    ]));
}

#[test]
fn who_can_an_undeclared_bucket_is_assumed_and_said_so() {
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        "--at",
        AT,
        "examples/s3-role-chain",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::no-such-bucket/*",
    ]);
    assert_ne!(code, 2, "{stderr}");
    assert!(
        stdout.starts_with("assumed: bucket `no-such-bucket` is not in the scenario: it is taken to be in the requester's own account"),
        "{stdout}"
    );
}

#[test]
fn graph_mermaid_of_the_role_chain() {
    insta::assert_snapshot!(transcript(&[
        "graph",
        "examples/s3-role-chain",
        "--format",
        "mermaid"
    ]));
}

#[test]
fn graph_mermaid_dashes_a_trust_that_names_the_wrong_role() {
    insta::assert_snapshot!(transcript(&[
        "graph",
        "examples/s3-role-chain/broken/trust-names-wrong-role",
        "--format",
        "mermaid",
    ]));
}

#[test]
fn graph_dot_of_the_role_chain() {
    insta::assert_snapshot!(transcript(&[
        "graph",
        "examples/s3-role-chain",
        "--format",
        "dot"
    ]));
}
