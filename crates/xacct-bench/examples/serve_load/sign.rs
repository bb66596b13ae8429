//! Signed requests over one HTTP/1.1 connection: every request is signed with SigV4 by the AWS
//! SDK's own signer (aws-sigv4), with the session token when the credentials carry one, as an
//! SDK client signs it (S3: `x-amz-content-sha256`, no path normalisation, single encoding).

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::time::SystemTime;

/// Where requests go and who signs them.
#[derive(Clone)]
pub struct Target {
    pub name: &'static str,
    /// `127.0.0.1:PORT`.
    pub authority: String,
    pub identity: Identity,
    pub region: String,
}

impl Target {
    pub fn new(name: &'static str, port: u16, credentials: Credentials) -> Self {
        Self {
            name,
            authority: format!("127.0.0.1:{port}"),
            identity: credentials.into(),
            region: "us-east-1".to_owned(),
        }
    }
}

/// One keep-alive connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

impl Connection {
    pub async fn open(authority: &str) -> Result<Self, Error> {
        let stream = tokio::net::TcpStream::connect(authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection ends when the server closes it; the next request reconnects.
            let _ = connection.await;
        });
        Ok(Self { sender })
    }

    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Signs and sends one request; the status and the whole body.
    pub async fn send(
        &mut self,
        target: &Target,
        service: &str,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), Error> {
        let mut request = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header("host", &target.authority);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = request.body(Full::new(body.clone()))?;
        let mut settings = SigningSettings::default();
        if service == "s3" {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }
        let params = v4::SigningParams::builder()
            .identity(&target.identity)
            .region(&target.region)
            .name(service)
            .time(SystemTime::now())
            .settings(settings)
            .build()?
            .into();
        let url = format!("http://{}{path_and_query}", target.authority);
        let signable = SignableRequest::new(
            method,
            url,
            request
                .headers()
                .iter()
                .map(|(name, value)| (name.as_str(), value.to_str().unwrap_or_default())),
            SignableBody::Bytes(&body),
        )?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        instructions.apply_to_request_http1x(&mut request);
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// The text of the first `<name>` element of an XML document.
pub fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml.get(start..)?.find(&format!("</{name}>"))? + start;
    xml.get(start..end)
}
