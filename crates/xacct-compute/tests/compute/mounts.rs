use super::{codes, fixture, is_error, only, snippet};
use xacct_compute::{
    parse_databricks_cluster, parse_mounts, AssumeRoleVia, CannedAcl, Credentials,
    DatabricksCluster, Layer, MountedPath, Mounts, S3Location,
};

fn mounts(name: &str) -> (String, Mounts) {
    let text = fixture(name);
    let parsed = parse_mounts(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    (text, parsed.value.unwrap())
}

fn cluster(name: &str) -> DatabricksCluster {
    parse_databricks_cluster(&fixture(name)).value.unwrap()
}

#[test]
fn mounts_read_both_spellings_and_normalise_mount_points() {
    let (text, mounts) = mounts("databricks-mounts.json");
    let points: Vec<&str> = mounts
        .mounts
        .iter()
        .map(|m| m.mount_point.value.as_str())
        .collect();
    assert_eq!(
        points,
        ["/mnt/cross-account-bucket", "/mnt/lake-b", "/mnt/scratch"]
    );
    assert_eq!(
        snippet(&text, mounts.mounts[1].mount_point.span),
        r#""/mnt/lake-b/""#
    );
    assert_eq!(
        mounts.mounts[1].location,
        Some(S3Location::new("lake-b", "curated"))
    );
    assert_eq!(mounts.mounts[1].extra_configs.settings.len(), 3);
    assert_eq!(
        mounts.mounts[1].extra_configs.settings[2].key,
        "fs.s3a.acl.default"
    );
    assert_eq!(
        mounts.mounts[1].extra_configs.settings[2].layer,
        Layer::Mount(1)
    );
    assert!(mounts.mounts[2].extra_configs.settings.is_empty());
}

#[test]
fn paths_resolve_through_mounts() {
    let (_, mounts) = mounts("databricks-mounts.json");
    let cases = [
        (
            "/mnt/cross-account-bucket/data/x.parquet",
            Some((0, "ty-databricks-cross-account-bucket", "data/x.parquet")),
        ),
        (
            "/mnt/cross-account-bucket",
            Some((0, "ty-databricks-cross-account-bucket", "")),
        ),
        (
            "dbfs:/mnt/lake-b/2024/01/",
            Some((1, "lake-b", "curated/2024/01/")),
        ),
        (
            "/dbfs/mnt/scratch/a.csv",
            Some((2, "dbx-a-scratch", "tmp/a.csv")),
        ),
        ("/mnt/lake-bx/y", None),
        ("/mnt/other/y", None),
        ("/FileStore/tables/x", None),
    ];
    for (path, expected) in cases {
        let resolved = mounts.resolve(path);
        let expected = expected.map(|(mount, bucket, key)| MountedPath {
            mount,
            location: S3Location::new(bucket, key),
        });
        assert_eq!(resolved, expected, "{path}");
    }
}

#[test]
fn extra_configs_layer_over_the_cluster_spark_conf() {
    let (text, mounts) = mounts("databricks-mounts.json");
    let cluster = cluster("databricks-cluster-instance-profile.json");
    // Mount 1 brings its own role; the cluster's instance profile assumes it.
    let access = mounts
        .access(&cluster, "/mnt/lake-b/sales/part-0.parquet")
        .unwrap();
    assert_eq!(access.mount, Some(1));
    assert_eq!(
        access.location,
        S3Location::new("lake-b", "curated/sales/part-0.parquet")
    );
    let assume = access.credentials.assumed_role().unwrap();
    assert_eq!(assume.via, AssumeRoleVia::DatabricksCredentialsType);
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/MyRoleB"
    );
    assert_eq!(assume.role_arn.layer, Layer::Mount(1));
    assert_eq!(
        snippet(&text, assume.role_arn.span),
        r#""arn:aws:iam::222222222222:role/MyRoleB""#
    );
    assert!(
        matches!(&assume.from, Credentials::InstanceProfile { profile: Some(p) } if p.value.as_str().ends_with("/dbx-ip-role"))
    );
    assert_eq!(
        access.canned_acl().unwrap().value,
        CannedAcl::BucketOwnerFullControl
    );
    assert!(!access.writes_without_bucket_owner_full_control());

    // Mount 2 has no extra configs: the cluster's settings decide.
    let access = mounts.access(&cluster, "/mnt/scratch/x").unwrap();
    assert!(access.credentials.is_instance_profile());
    assert!(access.writes_without_bucket_owner_full_control());

    // An S3 URI goes around the mounts.
    let access = mounts.access(&cluster, "s3a://lake-b/curated/x").unwrap();
    assert_eq!(access.mount, None);
    assert!(access.credentials.is_instance_profile());
    assert!(mounts.access(&cluster, "/FileStore/x").is_none());
}

#[test]
fn cluster_per_bucket_settings_still_apply_under_a_mount() {
    let (_, mounts) = mounts("databricks-mounts.json");
    let cluster = cluster("databricks-cluster-assumed-role.json");
    // The cluster sends dbx-a-scratch through the instance profile with a Private ACL.
    let access = mounts.access(&cluster, "/mnt/scratch/out").unwrap();
    assert!(
        access.credentials.is_instance_profile(),
        "{:?}",
        access.credentials
    );
    assert_eq!(access.canned_acl().unwrap().value, CannedAcl::Private);
    // Mount 0 names the same role as the cluster, the Databricks way.
    let access = mounts
        .access(&cluster, "/mnt/cross-account-bucket/x")
        .unwrap();
    let assume = access.credentials.assumed_role().unwrap();
    assert_eq!(assume.via, AssumeRoleVia::DatabricksCredentialsType);
    assert_eq!(assume.role_arn.layer, Layer::Mount(0));
    // The cluster's session settings carry over to the mount's role.
    assert_eq!(assume.session_name.as_ref().unwrap().layer, Layer::Compute);
    assert_eq!(mounts.check(&cluster_without_conflict()), []);
}

fn cluster_without_conflict() -> DatabricksCluster {
    cluster("databricks-cluster-legacy.json")
}

#[test]
fn a_mount_that_names_another_role_than_the_cluster_is_reported_in_the_mounts_file() {
    let (text, mounts) = mounts("databricks-mounts.json");
    let cluster = cluster("databricks-cluster-assumed-role.json");
    let findings = mounts.check(&cluster);
    assert_eq!(codes(&findings), ["conflicting-assumed-role"]);
    let finding = &findings[0];
    assert_eq!(
        snippet(&text, finding.span),
        r#""arn:aws:iam::222222222222:role/MyRoleB""#
    );
    assert!(
        finding.message.contains("bucket-owner-acct-s3-access-role"),
        "{}",
        finding.message
    );
}

#[test]
fn mount_file_mistakes() {
    let text = fixture("databricks-mounts-mistakes.json");
    let parsed = parse_mounts(&text);
    assert_eq!(
        codes(&parsed.findings),
        [
            "duplicate-mount-point",
            "invalid-mount-point",
            "invalid-mount-source",
            "unknown-key"
        ]
    );
    assert!(parsed.findings.iter().all(is_error));
    let duplicate = only(&parsed.findings, "duplicate-mount-point");
    assert_eq!(snippet(&text, duplicate.span), r#""/mnt/lake-b-raw""#);
    assert_eq!(duplicate.span.line_column(&text), (11, 20));
    let unknown = only(&parsed.findings, "unknown-key");
    assert_eq!(snippet(&text, unknown.span), r#""extra_config""#);
    assert_eq!(
        unknown.help.as_deref(),
        Some("did you mean `extra_configs`?")
    );

    let mounts = parsed.value.unwrap();
    let points: Vec<&str> = mounts
        .mounts
        .iter()
        .map(|m| m.mount_point.value.as_str())
        .collect();
    assert_eq!(
        points,
        [
            "/mnt/lake-b-raw",
            "/mnt/adls",
            "/mnt/old-style",
            "/mnt/lake-b-unused-role"
        ]
    );
    assert_eq!(mounts.mounts[1].location, None);
    assert!(mounts
        .access(
            &cluster("databricks-cluster-instance-profile.json"),
            "/mnt/adls/x"
        )
        .is_none());
}

#[test]
fn layered_problems_point_into_the_mounts_file() {
    let text = fixture("databricks-mounts-mistakes.json");
    let mounts = parse_mounts(&text).value.unwrap();
    let cluster = cluster("databricks-cluster-instance-profile.json");
    let findings = mounts.check(&cluster);
    assert_eq!(
        codes(&findings),
        ["missing-assumed-role-arn", "unused-assumed-role-arn"]
    );
    let missing = only(&findings, "missing-assumed-role-arn");
    assert!(is_error(missing));
    assert_eq!(snippet(&text, missing.span), r#""AssumeRole""#);
    assert!(missing.message.contains("for bucket `lake-b`"));
    let unused = only(&findings, "unused-assumed-role-arn");
    assert_eq!(snippet(&text, unused.span), r#""fs.s3a.assumed.role.arn""#);

    let access = mounts.access(&cluster, "/mnt/lake-b-raw/x").unwrap();
    assert!(matches!(
        access.credentials,
        Credentials::Fails {
            code: "missing-assumed-role-arn",
            layer: Layer::Mount(0),
            ..
        }
    ));
    assert_eq!(
        access.canned_acl().unwrap().value,
        CannedAcl::BucketOwnerRead
    );
    assert!(access.writes_without_bucket_owner_full_control());
}

#[test]
fn a_mounts_file_must_be_an_array() {
    let parsed = parse_mounts(r#"{"mount_point": "/mnt/x", "source": "s3a://b"}"#);
    assert_eq!(codes(&parsed.findings), ["invalid-value"]);
    assert!(parsed.value.is_none());
    let parsed = parse_mounts(
        r#"[{"source": "s3a://b"}, {"mount_point": "/mnt/y", "mountPoint": "/mnt/y", "source": "s3a://b"}]"#,
    );
    assert_eq!(codes(&parsed.findings), ["missing-key", "conflicting-keys"]);
}
