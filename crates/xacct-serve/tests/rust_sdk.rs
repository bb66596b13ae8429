//! The AWS SDK for Rust against `xacct serve`: on the Databricks-to-Kinesis field guide, the
//! cluster's session in A assumes the reader role in B with the external id and reads, with
//! `aws-sdk-kinesis` (AWS JSON 1.1), what B's administrator wrote; the reader's own write is
//! refused with Kinesis's AccessDeniedException.
#![expect(
    clippy::expect_used,
    reason = "a test that cannot set up its server fails"
)]

use aws_sdk_kinesis::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kinesis::error::ProvideErrorMetadata as _;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_smithy_http_client::tls;
use std::sync::mpsc;
use xacct_serve::profiles::ProfileKind;

const STREAM: &str = "arn:aws:kinesis:us-east-1:222222222222:stream/testStream";
const READER: &str = "arn:aws:iam::222222222222:role/KinesisCrossAccountRole";

struct Keys {
    id: String,
    secret: String,
    token: Option<String>,
}

/// Serves `examples/kinesis-role-chain` on a free port (on a thread of its own, for the rest
/// of the test process): the endpoint and each profile's keys.
fn start(data: &std::path::Path) -> (String, Vec<(String, Keys)>) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kinesis-role-chain");
    let world = xacct_world::load(&path).expect("the example loads").world;
    let options = xacct_serve::Options {
        host: "127.0.0.1".to_owned(),
        port: 0,
        data: Some(data.to_path_buf()),
        explain_log: None,
        session_cap: None,
    };
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let result = xacct_serve::serve(world, &options, |started| {
            let keys = started
                .profiles
                .iter()
                .filter_map(|profile| match &profile.kind {
                    ProfileKind::Keys {
                        access_key_id,
                        secret_access_key,
                        session_token,
                    } => Some((
                        profile.name.clone(),
                        Keys {
                            id: access_key_id.clone(),
                            secret: secret_access_key.clone(),
                            token: session_token.clone(),
                        },
                    )),
                    ProfileKind::AssumeRole { .. } => None,
                })
                .collect::<Vec<_>>();
            let _ = sender.send((started.endpoint.clone(), keys));
        });
        // Only reached when the server could not start: the receiver then fails the test.
        drop(result);
    });
    receiver.recv().expect("the server starts")
}

fn http_client() -> aws_sdk_kinesis::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

fn credentials(keys: &Keys) -> Credentials {
    Credentials::new(
        &keys.id,
        &keys.secret,
        keys.token.clone(),
        None,
        "xacct-serve",
    )
}

fn kinesis(endpoint: &str, credentials: Credentials) -> aws_sdk_kinesis::Client {
    let config = aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .http_client(http_client())
        .build();
    aws_sdk_kinesis::Client::from_conf(config)
}

#[tokio::test]
async fn the_rust_sdk_reads_the_stream_through_the_role_chain() {
    let data = tempfile::tempdir().expect("a temporary folder");
    let (endpoint, keys) = start(data.path());
    let keys_of = |name: &str| {
        keys.iter()
            .find(|(profile, _)| profile == name)
            .map(|(_, keys)| credentials(keys))
            .expect("the profile is printed")
    };
    let producer = kinesis(&endpoint, keys_of("account-222222222222"));
    let written = producer
        .put_record()
        .stream_arn(STREAM)
        .data(Blob::new(b"from the rust sdk".to_vec()))
        .partition_key("k")
        .send()
        .await
        .expect("B's administrator writes");
    // The cluster's session assumes the reader role with the external id its options pass.
    let sts_config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .credentials_provider(keys_of("compute-streaming"))
        .http_client(http_client())
        .build();
    let assumed = aws_sdk_sts::Client::from_conf(sts_config)
        .assume_role()
        .role_arn(READER)
        .role_session_name("databricks-streaming")
        .external_id("dbx-kinesis-7f3a")
        .send()
        .await
        .expect("the reader role is assumed");
    let session = assumed.credentials().expect("credentials");
    let reader = kinesis(
        &endpoint,
        Credentials::new(
            session.access_key_id(),
            session.secret_access_key(),
            Some(session.session_token().to_owned()),
            None,
            "assumed",
        ),
    );
    let shards = reader
        .list_shards()
        .stream_name("testStream")
        .send()
        .await
        .expect("the reader lists the shards");
    let shard = shards.shards()[0].shard_id().to_owned();
    let iterator = reader
        .get_shard_iterator()
        .stream_name("testStream")
        .shard_id(shard)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .starting_sequence_number(written.sequence_number())
        .send()
        .await
        .expect("an iterator");
    let records = reader
        .get_records()
        .shard_iterator(iterator.shard_iterator().unwrap_or_default())
        .send()
        .await
        .expect("the reader reads");
    let first = &records.records()[0];
    assert_eq!(first.data().as_ref(), b"from the rust sdk");
    assert_eq!(first.sequence_number(), written.sequence_number());
    // The reader may not write: Kinesis's AccessDeniedException with AWS's sentence.
    let refused = reader
        .put_record()
        .stream_arn(STREAM)
        .data(Blob::new(b"x".to_vec()))
        .partition_key("k")
        .send()
        .await
        .expect_err("the reader may not write");
    assert_eq!(refused.code(), Some("AccessDeniedException"));
    assert!(
        refused
            .message()
            .unwrap_or_default()
            .contains("is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:222222222222:stream/testStream"),
        "{:?}",
        refused.message()
    );
}
