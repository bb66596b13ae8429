use super::{codes, fixture, is_error, only, snippet};
use xacct_compute::{
    parse_emr_cluster, parse_security_configuration, AssumeRoleVia, CannedAcl, Credentials,
    EmrCluster, IdentifierType, Layer, Located, SecurityConfiguration,
};
use xacct_policy::{Arn, Span};

fn security(name: &str) -> (String, SecurityConfiguration) {
    let text = fixture(name);
    let parsed = parse_security_configuration(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    (text, parsed.value.unwrap())
}

fn profile() -> Located<Arn> {
    Located::new(
        "arn:aws:iam::111111111111:instance-profile/EMR_EC2_DefaultRole"
            .parse()
            .unwrap(),
        Span::new(0, 0),
        Layer::Compute,
    )
}

fn emr_cluster() -> (String, EmrCluster) {
    let text = fixture("emr-cluster.json");
    let parsed = parse_emr_cluster(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    (text, parsed.value.unwrap())
}

#[test]
fn describe_output_with_the_configuration_as_a_string() {
    let (text, security) = security("emr-security-configuration.json");
    assert_eq!(
        security.name.as_ref().unwrap().value,
        "lake-b-role-mappings"
    );
    assert_eq!(security.role_mappings.len(), 4);
    let first = &security.role_mappings[0];
    assert_eq!(first.identifier_type, IdentifierType::Prefix);
    // Spans point into the escaped string of the file.
    assert_eq!(
        snippet(&text, first.identifiers[0].span),
        r#"\"s3://lake-b/sales/\""#
    );
    assert_eq!(
        snippet(&text, first.role.span),
        r#"\"arn:aws:iam::222222222222:role/lake-b-reader\""#
    );
    assert!(snippet(&text, first.span).starts_with(r#"{\"Role\":"#));
    assert!(snippet(&text, first.span).ends_with(r#"]}"#));
}

#[test]
fn first_match_wins_in_the_order_listed() {
    let (text, security) = security("emr-security-configuration.json");
    let profile = profile();
    /// User, groups, path, and the mapping (index, role name) expected to decide.
    type Case<'a> = (&'a str, &'a [&'a str], &'a str, Option<(usize, &'a str)>);
    let cases: [Case<'_>; 7] = [
        (
            "alice",
            &[],
            "s3://lake-b/sales/2024/part-0",
            Some((0, "lake-b-reader")),
        ),
        // The prefix mapping is listed before the group mapping.
        (
            "bob",
            &["analysts"],
            "s3a://lake-b/sales/x",
            Some((0, "lake-b-reader")),
        ),
        (
            "bob",
            &["analysts"],
            "s3://lake-b/finance/x",
            Some((1, "analysts")),
        ),
        ("etl", &[], "s3://anything/x", Some((2, "etl"))),
        ("hadoop", &["hadoop"], "s3n://other/x", Some((2, "etl"))),
        (
            "nobody",
            &[],
            "s3n://doc-example-bucket/out/x",
            Some((3, "role_in_destination_account")),
        ),
        ("nobody", &["staff"], "s3://lake-b/finance/x", None),
    ];
    for (user, groups, path, expected) in cases {
        let resolution = security.emrfs_role(Some(&profile), user, groups, path);
        match expected {
            Some((index, role)) => {
                let mapping = resolution.mapping.as_ref().expect(path);
                assert_eq!(mapping.index, index, "{user} {path}");
                let assume = resolution.credentials.assumed_role().unwrap();
                assert!(
                    assume
                        .role_arn
                        .value
                        .as_str()
                        .ends_with(&format!("role/{role}")),
                    "{user} {path}"
                );
                assert_eq!(assume.via, AssumeRoleVia::EmrfsRoleMapping { index });
                assert_eq!(
                    assume.from,
                    Credentials::InstanceProfile {
                        profile: Some(profile.clone())
                    }
                );
                assert_eq!(mapping.span, security.role_mappings[index].span);
            }
            None => {
                assert_eq!(resolution.mapping, None);
                assert_eq!(
                    resolution.credentials,
                    Credentials::InstanceProfile {
                        profile: Some(profile.clone())
                    }
                );
            }
        }
    }
    let matched = security
        .emrfs_role(None, "bob", &["analysts"], "s3://x/y")
        .mapping
        .unwrap();
    assert_eq!(matched.identifier_type, IdentifierType::Group);
    assert_eq!(snippet(&text, matched.identifier.span), r#"\"analysts\""#);
}

#[test]
fn a_user_mapping_listed_first_beats_a_prefix_mapping() {
    // semantics.md §10 case 75.
    let text = r#"{"AuthorizationConfiguration":{"EmrFsConfiguration":{"RoleMappings":[
      {"Role":"arn:aws:iam::111111111111:role/R1","IdentifierType":"User","Identifiers":["alice"]},
      {"Role":"arn:aws:iam::222222222222:role/R2","IdentifierType":"Prefix","Identifiers":["s3://lake-b/"]}]}}}"#;
    let security = parse_security_configuration(text).value.unwrap();
    let resolution = security.emrfs_role(None, "alice", &[], "s3://lake-b/x");
    assert!(resolution
        .credentials
        .assumed_role()
        .unwrap()
        .role_arn
        .value
        .as_str()
        .ends_with("role/R1"));
    let resolution = security.emrfs_role(None, "bob", &[], "s3://lake-b/x");
    assert!(resolution
        .credentials
        .assumed_role()
        .unwrap()
        .role_arn
        .value
        .as_str()
        .ends_with("role/R2"));
    // §10 case 76: no match, the instance profile.
    let resolution = security.emrfs_role(None, "bob", &[], "s3://lake-c/x");
    assert_eq!(
        resolution.credentials,
        Credentials::InstanceProfile { profile: None }
    );
}

#[test]
fn mapping_mistakes() {
    let text = fixture("emr-security-configuration-mistakes.json");
    let parsed = parse_security_configuration(&text);
    assert_eq!(
        codes(&parsed.findings),
        [
            "mixed-identifier-kinds",
            "prefix-crosses-buckets",
            "mixed-identifier-kinds",
            "shadowed-role-mapping",
            "unknown-identifier-type",
            "invalid-role-arn",
            "shadowed-role-mapping",
            "unknown-key",
        ]
    );
    let mixed: Vec<&str> = parsed
        .findings
        .iter()
        .filter(|f| f.code == "mixed-identifier-kinds")
        .map(|f| snippet(&text, f.span))
        .collect();
    assert_eq!(mixed, [r#""s3://lake-b/alice/""#, r#""analysts""#]);
    let crosses = only(&parsed.findings, "prefix-crosses-buckets");
    assert_eq!(snippet(&text, crosses.span), r#""s3://lake-b""#);
    assert_eq!(crosses.span.line_column(&text), (13, 27));
    let kind = only(&parsed.findings, "unknown-identifier-type");
    assert!(is_error(kind));
    assert_eq!(snippet(&text, kind.span), r#""prefix""#);
    assert_eq!(kind.help.as_deref(), Some("did you mean `Prefix`?"));
    let role = only(&parsed.findings, "invalid-role-arn");
    assert_eq!(snippet(&text, role.span), r#""lake-b-writer""#);

    let security = parsed.value.unwrap();
    let indexes: Vec<usize> = security.role_mappings.iter().map(|m| m.index).collect();
    assert_eq!(indexes, [0, 1, 2, 5]);
    // The bucket-only prefix matches a bucket it was not meant for, as the warning says.
    let resolution = security.emrfs_role(None, "bob", &[], "s3://lake-b-archive/x");
    assert_eq!(resolution.mapping.unwrap().index, 1);
    let resolution = security.emrfs_role(None, "alice", &[], "s3://lake-b/alice/x");
    assert_eq!(resolution.mapping.unwrap().index, 0);
}

#[test]
fn an_invalid_embedded_configuration_points_into_the_file() {
    let text =
        r#"{"Name": "broken", "SecurityConfiguration": "{\"AuthorizationConfiguration\": {,}}"}"#;
    let parsed = parse_security_configuration(text);
    let finding = only(&parsed.findings, "invalid-json");
    assert!(finding.message.starts_with("in `SecurityConfiguration`"));
    assert_eq!(snippet(text, finding.span), ",");
    assert!(parsed.value.is_none());

    let parsed = parse_security_configuration(r#"{"Name": "x", "Other": 1}"#);
    assert_eq!(codes(&parsed.findings), ["invalid-value"]);
    // A configuration without authorization settings has no mappings.
    let parsed = parse_security_configuration(
        r#"{"EncryptionConfiguration": {"EnableAtRestEncryption": false}}"#,
    );
    assert!(parsed.findings.is_empty());
    assert!(parsed.value.unwrap().role_mappings.is_empty());
    let parsed = parse_security_configuration(
        r#"{"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [{"Role": "arn:aws:iam::1:role/x", "IdentifierType": "User", "Identifiers": []}]}}}"#,
    );
    assert_eq!(
        codes(&parsed.findings),
        ["invalid-role-arn", "empty-identifiers"]
    );
}

#[test]
fn describe_cluster_gives_the_instance_profile_and_emrfs_site() {
    let (text, cluster) = emr_cluster();
    let profile = cluster.instance_profile.as_ref().unwrap();
    assert_eq!(
        profile.value.as_str(),
        "arn:aws:iam::111111111111:instance-profile/EMR_EC2_DefaultRole"
    );
    assert_eq!(snippet(&text, profile.span), r#""EMR_EC2_DefaultRole""#);
    assert_eq!(
        cluster.security_configuration.as_ref().unwrap().value,
        "lake-b-role-mappings"
    );
    assert_eq!(cluster.id.as_ref().unwrap().value, "j-2AXXXXXXGAPLF");
    assert_eq!(
        cluster.canned_acl.as_ref().unwrap().value,
        CannedAcl::BucketOwnerFullControl
    );
    assert!(!cluster.writes_without_bucket_owner_full_control("lake-b"));
    assert_eq!(cluster.emrfs_site.len(), 2);

    let (_, security) = security("emr-security-configuration.json");
    let resolution = cluster.emrfs_role(Some(&security), "alice", &[], "s3://lake-b/sales/x");
    let assume = resolution.credentials.assumed_role().unwrap();
    assert!(
        matches!(&assume.from, Credentials::InstanceProfile { profile: Some(p) } if p.value.as_str().ends_with("/EMR_EC2_DefaultRole"))
    );
    let fallback = cluster.emrfs_role(Some(&security), "alice", &[], "s3://mine/x");
    assert!(fallback.credentials.is_instance_profile());
    assert!(cluster
        .emrfs_role(None, "etl", &[], "s3://lake-b/sales/x")
        .credentials
        .is_instance_profile());

    let access = cluster
        .s3_access(Some(&security), "alice", &[], "s3://lake-b/sales/out/")
        .unwrap();
    assert_eq!(access.location.bucket, "lake-b");
    assert!(!access.writes_without_bucket_owner_full_control());
    assert!(cluster.s3_access(None, "alice", &[], "hdfs:///x").is_none());
}

#[test]
fn a_configurations_array_alone() {
    let text = fixture("emr-configurations.json");
    let parsed = parse_emr_cluster(&text);
    assert_eq!(
        codes(&parsed.findings),
        ["unknown-emrfs-key", "wrong-scheme-key"]
    );
    let typo = only(&parsed.findings, "unknown-emrfs-key");
    assert_eq!(snippet(&text, typo.span), r#""fs.s3.cannedAcl""#);
    assert_eq!(
        typo.help.as_deref(),
        Some("did you mean `fs.s3.canned.acl`?")
    );
    let cluster = parsed.value.unwrap();
    assert_eq!(cluster.instance_profile, None);
    assert_eq!(cluster.canned_acl, None);
    assert!(cluster.writes_without_bucket_owner_full_control("lake-b"));
}

#[test]
fn cluster_details() {
    // A profile named without ClusterArn cannot be placed in an account here: the name is
    // kept for the caller, who knows the declared profiles.
    let text = r#"{"Ec2InstanceAttributes": {"IamInstanceProfile": "EMR_EC2_DefaultRole"}}"#;
    let parsed = parse_emr_cluster(text);
    assert!(parsed.findings.is_empty());
    let name = parsed.value.unwrap().instance_profile_name.unwrap();
    assert_eq!(snippet(text, name.span), r#""EMR_EC2_DefaultRole""#);
    // An ARN is taken as written.
    let text = r#"{"Ec2InstanceAttributes": {"IamInstanceProfile": "arn:aws:iam::111111111111:instance-profile/emr-ec2"}, "Configurations": [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "PublicRead", "fs.s3.customAWSCredentialsProvider": "com.example.EmrfsCredentials"}}]}"#;
    let parsed = parse_emr_cluster(text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let cluster = parsed.value.unwrap();
    assert!(cluster
        .instance_profile
        .as_ref()
        .unwrap()
        .value
        .as_str()
        .ends_with("/emr-ec2"));
    assert_eq!(
        cluster.canned_acl.as_ref().unwrap().value,
        CannedAcl::PublicRead
    );
    assert!(cluster.writes_without_bucket_owner_full_control("b"));
    let EmrCluster {
        custom_credentials_provider,
        ..
    } = &cluster;
    assert_eq!(
        custom_credentials_provider.as_ref().unwrap().value,
        "com.example.EmrfsCredentials"
    );
    // With no mapping, the custom provider is what EMRFS uses.
    assert!(matches!(
        cluster.emrfs_role(None, "u", &[], "s3://b/k").credentials,
        Credentials::CustomProvider { .. }
    ));

    let parsed = parse_emr_cluster(
        r#"{"Configurations": [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "OwnerFullControl"}}]}"#,
    );
    assert_eq!(codes(&parsed.findings), ["invalid-canned-acl"]);
    let parsed = parse_emr_cluster(r#""j-1""#);
    assert_eq!(codes(&parsed.findings), ["invalid-value"]);
}

#[test]
fn an_instance_fleet_cluster_is_read_like_an_instance_group_one() {
    let parsed = parse_emr_cluster(&fixture("emr-cluster-instance-fleet.json"));
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let cluster = parsed.value.unwrap();
    assert_eq!(
        cluster.instance_profile.unwrap().value.as_str(),
        "arn:aws:iam::111111111111:instance-profile/EMR_EC2_LakeRole"
    );
    assert_eq!(
        cluster.security_configuration.unwrap().value,
        "lake-b-role-mappings"
    );
    assert_eq!(
        cluster.canned_acl.unwrap().value,
        CannedAcl::BucketOwnerFullControl
    );
}

#[test]
fn an_ami_era_cluster_keeps_the_profile_name_for_the_caller_to_resolve() {
    let text = fixture("emr-cluster-ami.json");
    let parsed = parse_emr_cluster(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let cluster = parsed.value.unwrap();
    assert!(cluster.instance_profile.is_none());
    let name = cluster.instance_profile_name.unwrap();
    assert_eq!(name.value, "EMR_EC2_DefaultRole");
    assert_eq!(snippet(&text, name.span), r#""EMR_EC2_DefaultRole""#);
}
