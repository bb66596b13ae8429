use super::{codes, fixture, is_error, only, snippet};
use xacct_compute::{
    parse_databricks_cluster, parse_kinesis_options, AssumeRoleVia, ConsumerMode, Credentials,
    KinesisConnector, KinesisStream, Layer,
};
use xacct_policy::AccountId;

fn account(text: &str) -> AccountId {
    text.parse().unwrap()
}

#[test]
fn role_arn_with_external_id_is_assumed_from_the_instance_profile() {
    let text = fixture("kinesis-options.json");
    let parsed = parse_kinesis_options(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let reader = parsed.value.unwrap();
    assert_eq!(reader.streams.len(), 1);
    let stream = &reader.streams[0];
    assert!(
        matches!(stream, KinesisStream::Name { name, region: Some(region) } if name.value == "testStream" && region == "us-east-1")
    );
    assert_eq!(
        stream.arn(account("222222222222")).as_deref(),
        Some("arn:aws:kinesis:us-east-1:222222222222:stream/testStream")
    );
    assert_eq!(reader.consumer_mode(), ConsumerMode::Polling);

    let credentials = reader.credentials(None);
    let assume = credentials.assumed_role().unwrap();
    assert_eq!(assume.via, AssumeRoleVia::KinesisRoleArn);
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/KinesisCrossAccountRole"
    );
    assert_eq!(assume.role_arn.layer, Layer::KinesisOptions);
    assert_eq!(
        snippet(&text, assume.role_arn.span),
        r#""arn:aws:iam::222222222222:role/KinesisCrossAccountRole""#
    );
    assert_eq!(assume.external_id.as_ref().unwrap().value, "myExternalCode");
    assert_eq!(
        assume.session_name.as_ref().unwrap().value,
        "dbx-kinesis-reader"
    );
    assert_eq!(
        assume.sts_endpoint.as_ref().unwrap().value,
        "sts.us-east-1.amazonaws.com"
    );
    assert_eq!(assume.duration_seconds(), None);
    assert_eq!(assume.from, Credentials::InstanceProfile { profile: None });

    // On a cluster, the role is assumed with the cluster's instance profile.
    let cluster = parse_databricks_cluster(&fixture("databricks-cluster-instance-profile.json"))
        .value
        .unwrap();
    let credentials = reader.credentials(Some(&cluster));
    assert!(
        matches!(&credentials.assumed_role().unwrap().from, Credentials::InstanceProfile { profile: Some(p) } if p.value.as_str().ends_with("/dbx-ip-role"))
    );
}

#[test]
fn enhanced_fan_out_by_stream_arn_reads_with_the_instance_profile() {
    let text = fixture("kinesis-options-efo.json");
    let parsed = parse_kinesis_options(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let reader = parsed.value.unwrap();
    assert_eq!(reader.consumer_mode(), ConsumerMode::Efo);
    let KinesisStream::Arn { arn } = &reader.streams[0] else {
        panic!("{:?}", reader.streams);
    };
    assert_eq!(arn.value.account_text(), "222222222222");
    assert_eq!(
        reader.streams[0].arn(account("111111111111")).as_deref(),
        Some("arn:aws:kinesis:us-east-1:222222222222:stream/events")
    );
    assert_eq!(
        reader.credentials(None),
        Credentials::InstanceProfile { profile: None }
    );
}

#[test]
fn option_mistakes() {
    let text = fixture("kinesis-options-mistakes.json");
    let parsed = parse_kinesis_options(&text);
    assert_eq!(
        codes(&parsed.findings),
        [
            "unknown-kinesis-option",
            "unused-kinesis-option",
            "incomplete-access-keys",
            "invalid-value",
            "invalid-value",
        ]
    );
    let typo = only(&parsed.findings, "unknown-kinesis-option");
    assert_eq!(snippet(&text, typo.span), r#""roleAr""#);
    assert_eq!(typo.help.as_deref(), Some("did you mean `roleArn`?"));
    let unused = only(&parsed.findings, "unused-kinesis-option");
    assert_eq!(snippet(&text, unused.span), r#""roleExternalId""#);
    assert_eq!(unused.span.line_column(&text), (5, 3));
    let keys = only(&parsed.findings, "incomplete-access-keys");
    assert!(is_error(keys));

    let reader = parsed.value.unwrap();
    let names: Vec<&str> = reader
        .streams
        .iter()
        .map(|stream| match stream {
            KinesisStream::Name { name, .. } => snippet(&text, name.span),
            KinesisStream::Arn { .. } => panic!(),
        })
        .collect();
    assert_eq!(names, ["clicks", "orders"]);
    assert!(
        matches!(reader.credentials(None), Credentials::AccessKeys { source } if source.value == "awsAccessKey")
    );
    // The stream is named, so it is the stream of that name in the account of the keys.
    assert_eq!(
        reader.streams[1].arn(account("111111111111")).as_deref(),
        Some("arn:aws:kinesis:us-east-1:111111111111:stream/orders")
    );
}

#[test]
fn option_names_ignore_case() {
    let text = r#"{"STREAMNAME": "events", "rolearn": "arn:aws:iam::222222222222:role/reader", "roleExternalID": "x-123"}"#;
    let parsed = parse_kinesis_options(text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let credentials = parsed.value.unwrap().credentials(None);
    assert_eq!(
        credentials
            .assumed_role()
            .unwrap()
            .external_id
            .as_ref()
            .unwrap()
            .value,
        "x-123"
    );

    let text = r#"{"streamName": "a", "roleArn": "arn:aws:iam::222222222222:role/one", "ROLEARN": "arn:aws:iam::222222222222:role/two"}"#;
    let parsed = parse_kinesis_options(text);
    let duplicate = only(&parsed.findings, "duplicate-option");
    assert_eq!(snippet(text, duplicate.span), r#""roleArn""#);
    let credentials = parsed.value.unwrap().credentials(None);
    assert!(credentials
        .assumed_role()
        .unwrap()
        .role_arn
        .value
        .as_str()
        .ends_with("role/two"));
}

#[test]
fn other_identities() {
    let parsed = parse_kinesis_options(r#"{"streamName": "a", "serviceCredential": "kinesis-b"}"#);
    assert!(parsed.findings.is_empty());
    assert!(
        matches!(parsed.value.unwrap().credentials(None), Credentials::ServiceCredential { name } if name.value == "kinesis-b")
    );

    let text = r#"{"streamName": "a", "awsUseInstanceProfile": false}"#;
    let parsed = parse_kinesis_options(text);
    let finding = only(&parsed.findings, "no-kinesis-credentials");
    assert_eq!(snippet(text, finding.span), "false");
    assert!(matches!(
        parsed.value.unwrap().credentials(None),
        Credentials::None { .. }
    ));

    // Without an instance profile on the cluster, nothing signs.
    let cluster = parse_databricks_cluster(r#"{"cluster_name": "x"}"#)
        .value
        .unwrap();
    let reader = parse_kinesis_options(r#"{"streamName": "a"}"#)
        .value
        .unwrap();
    assert!(matches!(
        reader.credentials(Some(&cluster)),
        Credentials::None { .. }
    ));
}

#[test]
fn stream_and_role_errors() {
    let cases: [(&str, &str, &str); 5] = [
        (
            r#"{"region": "us-east-1"}"#,
            "missing-stream",
            r#"{"region": "us-east-1"}"#,
        ),
        (
            r#"{"streamARN": "arn:aws:kinesis:us-east-1:222222222222:events"}"#,
            "invalid-stream-arn",
            r#""arn:aws:kinesis:us-east-1:222222222222:events""#,
        ),
        (
            r#"{"streamARN": "arn:aws:kinesis:eu-west-1:222222222222:stream/e", "region": "us-east-1"}"#,
            "region-mismatch",
            r#""us-east-1""#,
        ),
        (
            r#"{"streamName": "a", "roleArn": "KinesisCrossAccountRole"}"#,
            "invalid-role-arn",
            r#""KinesisCrossAccountRole""#,
        ),
        (
            r#"{"streamName": "a", "roleArn": "arn:aws:iam::222222222222:role/r", "roleSessionName": "has spaces"}"#,
            "invalid-session-name",
            r#""has spaces""#,
        ),
    ];
    for (text, code, underlined) in cases {
        let parsed = parse_kinesis_options(text);
        let finding = only(&parsed.findings, code);
        assert_eq!(snippet(text, finding.span), underlined, "{text}");
    }
    let parsed = parse_kinesis_options(
        r#"{"streamName": "a", "roleArn": "arn:aws:iam::222222222222:role/r", "roleExternalId": "x"}"#,
    );
    assert_eq!(codes(&parsed.findings), ["invalid-external-id"]);
    assert!(parse_kinesis_options("[1]").value.is_none());
}

#[test]
fn glue_streaming_assumes_aws_sts_role_arn_with_its_session_name() {
    let text = fixture("kinesis-options-glue.json");
    let parsed = parse_kinesis_options(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let reader = parsed.value.unwrap();
    assert_eq!(reader.connector, KinesisConnector::GlueStreaming);
    let credentials = reader.credentials(None);
    let assume = credentials.assumed_role().unwrap();
    assert_eq!(assume.via, AssumeRoleVia::KinesisStsRoleArn);
    assert_eq!(
        assume.role_arn.value.as_str(),
        "arn:aws:iam::222222222222:role/KinesisReader"
    );
    assert_eq!(assume.session_name.as_ref().unwrap().value, "glue-clicks");
    // Assumed with the job's own credentials.
    assert_eq!(assume.from, Credentials::InstanceProfile { profile: None });
    assert_eq!(
        reader.streams[0].arn(account("111111111111")).as_deref(),
        Some("arn:aws:kinesis:us-east-1:222222222222:stream/clicks")
    );
}

#[test]
fn the_open_source_connector_reads_with_its_keys_before_its_role() {
    let text = fixture("kinesis-options-open-source.json");
    let parsed = parse_kinesis_options(&text);
    let reader = parsed.value.unwrap();
    assert_eq!(reader.connector, KinesisConnector::OpenSource);
    let ignored = only(&parsed.findings, "role-ignored-with-keys");
    assert_eq!(snippet(&text, ignored.span), r#""awsSTSRoleARN""#);
    match reader.credentials(None) {
        Credentials::AccessKeys { source } => {
            assert_eq!(snippet(&text, source.span), r#""awsAccessKeyId""#);
        }
        other => panic!("{other:?}"),
    }
    // A stream by name is in `regionName`.
    assert_eq!(
        reader.streams[0].arn(account("222222222222")).as_deref(),
        Some("arn:aws:kinesis:eu-west-1:222222222222:stream/clicks")
    );
}

#[test]
fn the_open_source_connector_assumes_its_role_in_us_east_1_by_default() {
    let text = fixture("kinesis-options-open-source-role.json");
    let parsed = parse_kinesis_options(&text);
    let reader = parsed.value.unwrap();
    assert_eq!(reader.connector, KinesisConnector::OpenSource);
    // Databricks' external-id option is not one kinesis-sql reads.
    let foreign = only(&parsed.findings, "kinesis-option-of-another-connector");
    assert_eq!(snippet(&text, foreign.span), r#""roleExternalId""#);
    let credentials = reader.credentials(None);
    let assume = credentials.assumed_role().unwrap();
    assert_eq!(assume.session_name.as_ref().unwrap().value, "spark-clicks");
    assert_eq!(assume.external_id, None);
    assert_eq!(
        reader.streams[0].arn(account("222222222222")).as_deref(),
        Some("arn:aws:kinesis:us-east-1:222222222222:stream/clicks")
    );
}
