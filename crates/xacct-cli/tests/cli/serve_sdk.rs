//! `xacct serve` with the AWS SDK for Rust (aws-sdk-sts, aws-sdk-s3, aws-config's profile
//! provider): the role chain of examples/s3-role-chain end to end, and refusals with AWS's
//! error codes as the SDK reads them. Needs no Python: it runs everywhere.
//!
//! Every client is built on an HTTP client whose DNS resolver knows `localhost` only, so a
//! request the SDK would send anywhere but the served loopback endpoint fails here instead of
//! leaving the machine.

use super::serve::Server;
use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, Region};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ObjectCannedAcl;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

const ROLE_B: &str = "arn:aws:iam::222222222222:role/MyRoleB";

/// Resolves `localhost` to 127.0.0.1 and refuses every other name.
#[derive(Debug, Clone)]
struct LoopbackOnly;

impl ResolveDns for LoopbackOnly {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        if name == "localhost" {
            return DnsFuture::ready(Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]));
        }
        DnsFuture::ready(Err(ResolveDnsError::new(format!(
            "the test reaches the loopback endpoint only, not {name}"
        ))))
    }
}

fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_with_resolver(LoopbackOnly)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The keys of profile `name` in the config file the server wrote.
fn profile_keys(config: &Path, name: &str) -> Credentials {
    let text = std::fs::read_to_string(config).unwrap();
    let header = format!("[profile {name}]");
    let mut values = HashMap::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == header;
        } else if let (true, Some((key, value))) = (inside, line.split_once('=')) {
            values.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    let value = |key: &str| {
        assert!(
            values.contains_key(key),
            "profile {name} has no {key}: {text}"
        );
        values.get(key).cloned().unwrap()
    };
    Credentials::new(
        value("aws_access_key_id"),
        value("aws_secret_access_key"),
        values.get("aws_session_token").cloned(),
        None,
        "xacct-serve-profile",
    )
}

fn sts(
    server: &Server,
    credentials: Credentials,
    client: &SharedHttpClient,
) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint())
        .credentials_provider(credentials)
        .http_client(client.clone())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn s3(
    server: &Server,
    credentials: SharedCredentialsProvider,
    client: &SharedHttpClient,
) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint())
        .force_path_style(true)
        .credentials_provider(credentials)
        .http_client(client.clone())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Writes, lists and reads `key` in lake-b with `s3`: what the chained session may do.
async fn write_list_read(s3: &aws_sdk_s3::Client, key: &str, body: &str) {
    s3.put_object()
        .bucket("lake-b")
        .key(key)
        .acl(ObjectCannedAcl::BucketOwnerFullControl)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .unwrap();
    let listed = s3
        .list_objects_v2()
        .bucket("lake-b")
        .prefix("sales/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert!(keys.contains(&key), "{keys:?}");
    let read = s3
        .get_object()
        .bucket("lake-b")
        .key(key)
        .send()
        .await
        .unwrap();
    let bytes = read.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[..], body.as_bytes());
}

#[test]
fn serve_the_role_chain_with_the_aws_sdk_for_rust() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let client = http_client();
    runtime().block_on(async {
        // The cluster's instance-profile session (MyRoleA) assumes MyRoleB through the served STS.
        let cluster = profile_keys(server.config(), "compute-etl");
        let sts_a = sts(&server, cluster.clone(), &client);
        let caller = sts_a.get_caller_identity().send().await.unwrap();
        assert_eq!(caller.account(), Some("111111111111"));
        assert!(
            caller
                .arn()
                .unwrap_or_default()
                .starts_with("arn:aws:sts::111111111111:assumed-role/MyRoleA/"),
            "{caller:?}"
        );
        let assumed = sts_a
            .assume_role()
            .role_arn(ROLE_B)
            .role_session_name("sdk-etl")
            .send()
            .await
            .unwrap();
        assert_eq!(
            assumed.assumed_role_user().map(|user| user.arn()),
            Some("arn:aws:sts::222222222222:assumed-role/MyRoleB/sdk-etl")
        );
        let session = assumed.credentials().unwrap();
        assert!(session.access_key_id().starts_with("ASIA"));
        let chained = Credentials::new(
            session.access_key_id(),
            session.secret_access_key(),
            Some(session.session_token().to_owned()),
            None,
            "assumed MyRoleB",
        );
        let lake = s3(&server, SharedCredentialsProvider::new(chained.clone()), &client);
        write_list_read(&lake, "sales/2026/part-sdk.parquet", "rows from the SDK").await;

        // The chained session is B's role: GetCallerIdentity says so.
        let who = sts(&server, chained, &client)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(who.account(), Some("222222222222"));

        // MyRoleB may not delete the bucket: S3's AccessDenied with AWS's message.
        let refused = lake
            .delete_bucket()
            .bucket("lake-b")
            .send()
            .await
            .unwrap_err();
        let error = refused.into_service_error();
        assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
        assert!(
            error.message().unwrap_or_default().contains(
                "assumed-role/MyRoleB/sdk-etl is not authorized to perform: s3:DeleteBucket on resource: arn:aws:s3:::lake-b"
            ),
            "{error:?}"
        );

        // The cluster's own role is not the lake's: B's bucket policy names MyRoleB only.
        let direct = s3(&server, SharedCredentialsProvider::new(cluster.clone()), &client);
        let refused = direct
            .list_objects_v2()
            .bucket("lake-b")
            .send()
            .await
            .unwrap_err();
        let error = refused.into_service_error();
        assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
        assert!(
            error
                .message()
                .unwrap_or_default()
                .contains("s3:ListBucket on resource: arn:aws:s3:::lake-b"),
            "{error:?}"
        );

        // STS refuses a role MyRoleA may not assume, with STS's own error code.
        let refused = sts_a
            .assume_role()
            .role_arn("arn:aws:iam::111111111111:role/databricks-cross-account")
            .role_session_name("sdk-etl")
            .send()
            .await
            .unwrap_err();
        let error = refused.into_service_error();
        assert_eq!(error.code(), Some("AccessDenied"), "{error:?}");
        assert!(
            error
                .message()
                .unwrap_or_default()
                .contains("is not authorized to perform: sts:AssumeRole"),
            "{error:?}"
        );

        // A wrong secret: the signature does not match, as AWS says it.
        let forged = Credentials::new(
            cluster.access_key_id(),
            "not-the-secret-key-of-this-access-key-id",
            cluster.session_token().map(str::to_owned),
            None,
            "forged",
        );
        let refused = s3(&server, SharedCredentialsProvider::new(forged), &client)
            .get_object()
            .bucket("lake-b")
            .key("sales/2026/part-sdk.parquet")
            .send()
            .await
            .unwrap_err();
        let error = refused.into_service_error();
        assert_eq!(error.code(), Some("SignatureDoesNotMatch"), "{error:?}");
    });
}

/// The config file as users point the SDK at it: aws-config's profile provider reads the
/// AssumeRole profile, calls the served STS (the profile's `endpoint_url`) with the source
/// profile's session, and S3 is called with what it returns.
#[test]
fn serve_the_role_chain_through_an_sdk_profile() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let client = http_client();
    runtime().block_on(async {
        let files = EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, server.config())
            .build();
        let provider_config = ProviderConfig::empty()
            .with_http_client(client.clone())
            .with_region(Some(Region::new("us-east-1")));
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_files(files)
            .profile_name("compute-etl-as-MyRoleB")
            .build();
        let lake = s3(&server, SharedCredentialsProvider::new(provider), &client);
        write_list_read(
            &lake,
            "sales/2026/part-profile.parquet",
            "rows from a profile",
        )
        .await;
    });
}
