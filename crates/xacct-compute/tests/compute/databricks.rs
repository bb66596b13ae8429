use super::{codes, fixture, is_error, only, snippet};
use xacct_compute::{
    parse_databricks_cluster, AssumeRoleVia, CannedAcl, Credentials, DatabricksCluster, Layer,
};

fn cluster(text: &str) -> DatabricksCluster {
    let parsed = parse_databricks_cluster(text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    parsed.value.unwrap()
}

/// A cluster with an instance profile and these `spark_conf` entries.
fn with_conf(conf: &str) -> String {
    format!(
        r#"{{"cluster_name": "c", "aws_attributes": {{"instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/dbx-ip-role"}}, "spark_conf": {{{conf}}}}}"#
    )
}

#[test]
fn assumed_role_cluster_resolves_the_bucket_to_the_role_from_the_instance_profile() {
    let text = fixture("databricks-cluster-assumed-role.json");
    let cluster = cluster(&text);
    assert_eq!(
        cluster.cluster_name.as_ref().unwrap().value,
        "cross-account-s3"
    );
    assert_eq!(
        cluster.instance_profile.as_ref().unwrap().value.as_str(),
        "arn:aws:iam::111111111111:instance-profile/deployment-acct-cross-account-s3-role"
    );
    let credentials = cluster.credentials("ty-databricks-cross-account-bucket");
    let assume = credentials.assumed_role().expect("an assumed role");
    assert_eq!(assume.via, AssumeRoleVia::S3aAssumedRoleProvider);
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/bucket-owner-acct-s3-access-role"
    );
    assert_eq!(
        snippet(&text, assume.role_arn.span),
        r#""arn:aws:iam::222222222222:role/bucket-owner-acct-s3-access-role""#
    );
    assert_eq!(assume.role_arn.layer, Layer::Compute);
    let Credentials::InstanceProfile {
        profile: Some(profile),
    } = &assume.from
    else {
        panic!("assumed from {:?}", assume.from);
    };
    assert!(profile
        .value
        .as_str()
        .ends_with("instance-profile/deployment-acct-cross-account-s3-role"));
    assert_eq!(
        assume.session_name.as_ref().unwrap().value,
        "dbx-cross-account-s3"
    );
    assert_eq!(assume.duration_seconds(), Some(3600));
    assert_eq!(
        snippet(&text, assume.duration.as_ref().unwrap().span),
        r#""1h""#
    );
    assert_eq!(
        assume.sts_endpoint.as_ref().unwrap().value,
        "sts.us-east-1.amazonaws.com"
    );
    assert_eq!(assume.sts_region.as_ref().unwrap().value, "us-east-1");
    assert!(assume
        .session_policy
        .as_ref()
        .unwrap()
        .value
        .contains("s3:PutObjectAcl"));
    assert_eq!(assume.external_id, None);

    let acl = cluster
        .canned_acl("ty-databricks-cross-account-bucket")
        .unwrap();
    assert_eq!(acl.value, CannedAcl::BucketOwnerFullControl);
    assert!(!cluster.writes_without_bucket_owner_full_control("ty-databricks-cross-account-bucket"));
}

#[test]
fn per_bucket_overrides_win_for_their_bucket_only() {
    let text = fixture("databricks-cluster-assumed-role.json");
    let cluster = cluster(&text);
    // dbx-a-scratch: the instance profile directly, and a Private ACL.
    let scratch = cluster.s3_access("dbx-a-scratch");
    assert!(
        scratch.credentials.is_instance_profile(),
        "{:?}",
        scratch.credentials
    );
    assert_eq!(scratch.canned_acl().unwrap().value, CannedAcl::Private);
    assert!(scratch.writes_without_bucket_owner_full_control());
    // A bucket name with dots takes its own role; the rest stays global.
    let logs = cluster.credentials("lake.b.logs");
    let assume = logs.assumed_role().unwrap();
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/lake-b-log-reader"
    );
    assert_eq!(
        assume.session_name.as_ref().unwrap().value,
        "dbx-cross-account-s3"
    );
    assert_eq!(
        cluster.spark_conf.buckets(),
        ["dbx-a-scratch", "lake.b.logs"]
    );
    let view = cluster.s3a_view("lake.b.logs");
    assert_eq!(
        view.get("assumed.role.arn").unwrap().written_key,
        "spark.hadoop.fs.s3a.bucket.lake.b.logs.assumed.role.arn"
    );
    assert_eq!(view.bucket(), Some("lake.b.logs"));
}

#[test]
fn legacy_databricks_keys_assume_the_role() {
    let text = fixture("databricks-cluster-legacy.json");
    let cluster = cluster(&text);
    let credentials = cluster.credentials("my-bucket");
    let assume = credentials.assumed_role().unwrap();
    assert_eq!(assume.via, AssumeRoleVia::DatabricksCredentialsType);
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/MyRoleB"
    );
    assert_eq!(assume.duration, None);
    assert_eq!(
        assume.duration_seconds(),
        Some(1800),
        "S3A's default of 30 minutes"
    );
    assert!(
        matches!(&assume.from, Credentials::InstanceProfile { profile: Some(p) } if p.value.as_str().ends_with("instance-profile/MyRoleA"))
    );
    assert!(!cluster.writes_without_bucket_owner_full_control("my-bucket"));
}

#[test]
fn a_cluster_without_s3a_settings_uses_its_instance_profile() {
    let cluster = cluster(&fixture("databricks-cluster-instance-profile.json"));
    let access = cluster.s3_access("lake-b");
    assert!(
        matches!(&access.credentials, Credentials::InstanceProfile { profile: Some(p) } if p.value.as_str() == "arn:aws:iam::111111111111:instance-profile/dbx-ip-role")
    );
    assert_eq!(access.canned_acl(), None);
    assert!(access.writes_without_bucket_owner_full_control());
    assert_eq!(cluster.default_credentials(), access.credentials);
}

#[test]
fn mistakes_are_reported_with_exact_spans() {
    let text = fixture("databricks-cluster-mistakes.json");
    let parsed = parse_databricks_cluster(&text);
    assert_eq!(
        codes(&parsed.findings),
        [
            "missing-assumed-role-arn",
            "unknown-s3a-key",
            "session-duration-out-of-range",
            "sts-endpoint-without-region",
            "instance-credentials-for-sts",
            "invalid-effect",
            "invalid-role-arn",
            "unused-assumed-role-arn",
            "canned-acl-spelling",
            "wrong-scheme-key",
        ]
    );
    assert!(parsed.has_errors());

    let missing = only(&parsed.findings, "missing-assumed-role-arn");
    assert!(is_error(missing));
    assert_eq!(
        snippet(&text, missing.span),
        "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider"
    );
    assert!(
        missing
            .message
            .contains("Unset property fs.s3a.assumed.role.arn"),
        "{}",
        missing.message
    );

    let typo = only(&parsed.findings, "unknown-s3a-key");
    assert!(!is_error(typo));
    assert_eq!(
        snippet(&text, typo.span),
        r#""spark.hadoop.fs.s3a.assumed.role.arm""#
    );
    assert_eq!(
        typo.help.as_deref(),
        Some("did you mean `spark.hadoop.fs.s3a.assumed.role.arn`?")
    );
    assert_eq!(typo.span.line_column(&text), (14, 5));

    let duration = only(&parsed.findings, "session-duration-out-of-range");
    assert!(is_error(duration));
    assert_eq!(snippet(&text, duration.span), r#""2h""#);
    assert!(duration.message.contains("7200 s"));

    let endpoint = only(&parsed.findings, "sts-endpoint-without-region");
    assert_eq!(
        snippet(&text, endpoint.span),
        r#""sts.eu-west-1.amazonaws.com""#
    );
    assert!(endpoint.help.as_deref().unwrap().contains("to `eu-west-1`"));

    let instance = only(&parsed.findings, "instance-credentials-for-sts");
    assert!(!is_error(instance));
    assert_eq!(
        snippet(&text, instance.span),
        "com.amazonaws.auth.InstanceProfileCredentialsProvider"
    );
    assert!(instance.help.as_deref().unwrap().contains(
        "https://hadoop.apache.org/docs/current/hadoop-aws/tools/hadoop-aws/assumed_roles.html"
    ));

    // A finding inside the session policy points into the escaped JSON string of the file.
    let effect = only(&parsed.findings, "invalid-effect");
    assert_eq!(snippet(&text, effect.span), r#"\"Allowed\""#);
    assert!(effect
        .message
        .starts_with("session policy in `spark.hadoop.fs.s3a.assumed.role.policy`"));

    let role = only(&parsed.findings, "invalid-role-arn");
    assert_eq!(
        snippet(&text, role.span),
        r#""arn:aws:iam::222222222222:user/archiver""#
    );

    let unused = only(&parsed.findings, "unused-assumed-role-arn");
    assert_eq!(
        snippet(&text, unused.span),
        r#""spark.hadoop.fs.s3a.stsAssumeRole.arn""#
    );

    let spelling = only(&parsed.findings, "canned-acl-spelling");
    assert_eq!(
        snippet(&text, spelling.span),
        r#""bucket-owner-full-control""#
    );

    let scheme = only(&parsed.findings, "wrong-scheme-key");
    assert_eq!(snippet(&text, scheme.span), r#""fs.s3.canned.acl""#);
    assert_eq!(
        scheme.help.as_deref(),
        Some("did you mean `fs.s3a.canned.acl`?")
    );
}

#[test]
fn broken_assume_role_settings_make_the_bucket_fail() {
    let text = fixture("databricks-cluster-mistakes.json");
    let cluster = parse_databricks_cluster(&text).value.unwrap();
    let Credentials::Fails {
        code,
        message,
        span,
        layer,
    } = cluster.credentials("lake-b")
    else {
        panic!("expected a failure");
    };
    assert_eq!(code, "missing-assumed-role-arn");
    assert_eq!(
        message,
        "Unset property fs.s3a.assumed.role.arn for bucket `lake-b`"
    );
    assert_eq!(
        snippet(&text, span),
        "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider"
    );
    assert_eq!(layer, Layer::Compute);
    let archive = cluster.credentials("lake-b-archive");
    assert!(
        matches!(
            archive,
            Credentials::Fails {
                code: "invalid-role-arn",
                ..
            }
        ),
        "{archive:?}"
    );
    // The header spelling still counts as bucket-owner-full-control.
    assert!(!cluster.writes_without_bucket_owner_full_control("lake-b"));
}

#[test]
fn duration_bounds() {
    for (value, ok) in [
        ("15m", true),
        ("900", true),
        ("3600s", true),
        ("60m", true),
        ("10m", false),
        ("61m", false),
    ] {
        let text = with_conf(&format!(
            r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider", "fs.s3a.assumed.role.arn": "arn:aws:iam::222222222222:role/r", "fs.s3a.assumed.role.session.duration": "{value}""#
        ));
        let parsed = parse_databricks_cluster(&text);
        assert_eq!(
            parsed.findings.is_empty(),
            ok,
            "{value}: {:#?}",
            parsed.findings
        );
    }
    let parsed = parse_databricks_cluster(&with_conf(
        r#""fs.s3a.assumed.role.session.duration": "90 minutes""#,
    ));
    assert_eq!(codes(&parsed.findings), ["invalid-duration"]);
}

#[test]
fn keys_in_settings_and_the_environment() {
    let keys = with_conf(
        r#""fs.s3a.access.key": "AKIAEXAMPLE", "fs.s3a.secret.key": "{{secrets/s3/secret}}""#,
    );
    let cluster = parse_databricks_cluster(&keys).value.unwrap();
    assert!(
        matches!(cluster.credentials("b"), Credentials::AccessKeys { source } if source.value == "fs.s3a.access.key")
    );

    let env = r#"{"aws_attributes": {"instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/p"}, "spark_env_vars": {"AWS_ACCESS_KEY_ID": "{{secrets/s3/id}}", "AWS_SECRET_ACCESS_KEY": "{{secrets/s3/key}}"}}"#;
    let cluster = parse_databricks_cluster(env).value.unwrap();
    assert!(
        matches!(cluster.credentials("b"), Credentials::AccessKeys { source } if source.value == "AWS_ACCESS_KEY_ID")
    );

    // Assumed with keys from the settings, not the instance profile.
    let text = with_conf(
        r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider", "fs.s3a.assumed.role.arn": "arn:aws:iam::222222222222:role/r", "fs.s3a.access.key": "AKIAEXAMPLE", "fs.s3a.secret.key": "s""#,
    );
    let cluster = parse_databricks_cluster(&text).value.unwrap();
    let credentials = cluster.credentials("b");
    assert!(matches!(
        credentials.assumed_role().unwrap().from,
        Credentials::AccessKeys { .. }
    ));
}

#[test]
fn without_an_instance_profile_nothing_signs() {
    let cluster = parse_databricks_cluster(r#"{"cluster_name": "no-profile"}"#)
        .value
        .unwrap();
    assert!(matches!(cluster.credentials("b"), Credentials::None { .. }));
}

#[test]
fn provider_lists_take_the_first_provider_with_credentials() {
    // No keys in the settings: SimpleAWSCredentialsProvider has nothing, the instance profile does.
    let text = with_conf(
        r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider,\n  com.amazonaws.auth.InstanceProfileCredentialsProvider""#,
    );
    let parsed = parse_databricks_cluster(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    assert!(parsed.value.unwrap().credentials("b").is_instance_profile());

    let text = with_conf(
        r#""fs.s3a.bucket.open-data.aws.credentials.provider": "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider""#,
    );
    let cluster = parse_databricks_cluster(&text).value.unwrap();
    assert!(matches!(
        cluster.credentials("open-data"),
        Credentials::Anonymous { .. }
    ));
    assert!(cluster.credentials("other").is_instance_profile());

    let text = with_conf(
        r#""fs.s3a.aws.credentials.provider": "com.example.auth.VaultCredentialsProvider""#,
    );
    let cluster = parse_databricks_cluster(&text).value.unwrap();
    assert!(
        matches!(cluster.credentials("b"), Credentials::CustomProvider { class } if class.value == "com.example.auth.VaultCredentialsProvider")
    );
}

#[test]
fn setting_problems() {
    let cases: [(&str, &str, &str); 9] = [
        (
            r#""spark.hadoop.fs.s3a.acl.default": "BucketOwnerFullControl", "fs.s3a.acl.default": "Private""#,
            "conflicting-setting",
            r#""spark.hadoop.fs.s3a.acl.default""#,
        ),
        (
            r#""fs.s3a.acl.default": "Private", "fs.s3a.acl.default": "BucketOwnerFullControl""#,
            "duplicate-key",
            r#""fs.s3a.acl.default""#,
        ),
        (
            r#""fs.s3a.acl.default": "BucketOwnerFullControl", "fs.s3a.canned.acl": "BucketOwnerRead""#,
            "conflicting-canned-acl",
            r#""BucketOwnerFullControl""#,
        ),
        (
            r#""fs.s3a.acl.default": "FullControl""#,
            "invalid-canned-acl",
            r#""FullControl""#,
        ),
        (
            r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialsProvider""#,
            "unknown-credentials-provider",
            "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialsProvider",
        ),
        (
            r#""fs.s3a.credentialsType": "assumeRole", "fs.s3a.stsAssumeRole.arn": "arn:aws:iam::222222222222:role/r""#,
            "unknown-credentials-type",
            r#""assumeRole""#,
        ),
        (
            r#""fs.s3a.assumed.role.session.name": "etl job""#,
            "invalid-session-name",
            r#""etl job""#,
        ),
        (
            r#""fs.s3a.assumed.role.sts.endpoint": "https://sts.eu-west-1.amazonaws.com", "fs.s3a.assumed.role.sts.endpoint.region": "us-east-1""#,
            "sts-region-mismatch",
            r#""us-east-1""#,
        ),
        (
            r#""fs.s3a.assumed.role.external.identifier": "x""#,
            "unknown-s3a-key",
            r#""fs.s3a.assumed.role.external.identifier""#,
        ),
    ];
    for (conf, code, underlined) in cases {
        let text = with_conf(conf);
        let parsed = parse_databricks_cluster(&text);
        let finding = only(&parsed.findings, code);
        assert_eq!(snippet(&text, finding.span), underlined, "{conf}");
    }
}

#[test]
fn recursive_provider_is_an_error() {
    let text = with_conf(
        r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider", "fs.s3a.assumed.role.arn": "arn:aws:iam::222222222222:role/r", "fs.s3a.assumed.role.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider""#,
    );
    let parsed = parse_databricks_cluster(&text);
    let finding = only(&parsed.findings, "recursive-assumed-role-provider");
    assert!(is_error(finding));
    assert_eq!(
        finding.message,
        "AssumedRoleCredentialProvider cannot be in fs.s3a.assumed.role.credentials.provider"
    );
}

#[test]
fn both_assume_role_styles_with_different_roles() {
    let text = with_conf(
        r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider", "fs.s3a.assumed.role.arn": "arn:aws:iam::222222222222:role/one", "fs.s3a.credentialsType": "AssumeRole", "fs.s3a.stsAssumeRole.arn": "arn:aws:iam::222222222222:role/two""#,
    );
    let parsed = parse_databricks_cluster(&text);
    let finding = only(&parsed.findings, "conflicting-assumed-role");
    assert_eq!(
        snippet(&text, finding.span),
        r#""arn:aws:iam::222222222222:role/two""#
    );
    let cluster = parsed.value.unwrap();
    let credentials = cluster.credentials("b");
    let assume = credentials.assumed_role().unwrap();
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/two"
    );
    assert_eq!(assume.via, AssumeRoleVia::DatabricksCredentialsType);
}

#[test]
fn the_external_id_of_newer_hadoop_is_read() {
    let text = with_conf(
        r#""fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.auth.AssumedRoleCredentialProvider", "fs.s3a.assumed.role.arn": "arn:aws:iam::222222222222:role/r", "fs.s3a.assumed.role.external.id": "lake-7f3a""#,
    );
    let cluster = cluster(&text);
    let credentials = cluster.credentials("b");
    assert_eq!(
        credentials
            .assumed_role()
            .unwrap()
            .external_id
            .as_ref()
            .unwrap()
            .value,
        "lake-7f3a"
    );
}

#[test]
fn file_shape_errors() {
    let parsed = parse_databricks_cluster("{\"cluster_name\": \"x\",}");
    assert_eq!(codes(&parsed.findings), ["invalid-json"]);
    assert!(parsed.value.is_none());
    let parsed = parse_databricks_cluster("[]");
    assert_eq!(codes(&parsed.findings), ["invalid-value"]);
    assert!(parsed.value.is_none());
    let text = r#"{"aws_attributes": {"instance_profile_arn": "arn:aws:iam::111111111111:role/dbx-ip-role"}, "spark_conf": {"fs.s3a.acl.default": ["Private"]}}"#;
    let parsed = parse_databricks_cluster(text);
    assert_eq!(
        codes(&parsed.findings),
        ["invalid-instance-profile-arn", "invalid-value"]
    );
    let cluster = parsed.value.unwrap();
    assert_eq!(cluster.instance_profile, None);
}

#[test]
fn credentials_serialize_with_a_kind() {
    let cluster = cluster(&fixture("databricks-cluster-legacy.json"));
    let json = serde_json::to_value(cluster.credentials("b")).unwrap();
    assert_eq!(json["kind"], "assume-role");
    assert_eq!(
        json["role_arn"]["value"],
        "arn:aws:iam::222222222222:role/MyRoleB"
    );
    assert_eq!(json["via"], "databricks-credentials-type");
    assert_eq!(json["from"]["kind"], "instance-profile");
}
