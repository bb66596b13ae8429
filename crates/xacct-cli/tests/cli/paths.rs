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

/// Who can read a bucket's object is also asked through each access point of the bucket: the
/// analytics role reaches `sales/` only through its access point, and must be listed.
#[test]
fn who_can_on_a_bucket_lists_the_principals_that_reach_it_through_its_access_points() {
    insta::assert_snapshot!(transcript(&[
        "who-can",
        "--at",
        AT,
        "examples/s3-access-point",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::sales-data/sales/2026/q1.parquet",
    ]));
    let routes = |arguments: &[&str]| {
        let mut all = vec![
            "who-can",
            "--at",
            AT,
            "examples/s3-access-point",
            "--format",
            "json",
        ];
        all.extend_from_slice(arguments);
        let (code, stdout, stderr) = xacct(&all);
        assert!(code == 0 || code == 1, "{stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        json["principals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|reach| reach["kind"] == "role")
            .map(|reach| (reach["principal"].clone(), reach["accessPoint"].clone()))
            .collect::<Vec<_>>()
    };
    // The VPC access point is reached from its VPC, which the answer says it assumed.
    let write = [
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::sales-data/raw/2026/batch-1.json",
    ];
    assert_eq!(
        routes(&write),
        [(
            serde_json::json!("arn:aws:iam::222222222222:role/etl-writer"),
            serde_json::json!({
                "arn": "arn:aws:s3:us-east-1:222222222222:accesspoint/ingest-ap",
                "fromVpc": "vpc-0a1b2c3d4e5f60718"
            })
        )]
    );
    // From another VPC, S3 refuses the request whatever the policies say.
    let mut elsewhere = write.to_vec();
    elsewhere.extend(["--context", "aws:SourceVpc=vpc-99999999999999999"]);
    assert!(routes(&elsewhere).is_empty());
}
