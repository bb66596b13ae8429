//! The HTTP server: binds the address, writes the profiles, and serves every connection with
//! the s3s service (S3 operations, the STS route, SigV4), rewriting the errors of STS
//! requests into STS's own error document.

use crate::access::Access;
use crate::engine::Engine;
use crate::profiles::{config_text, profiles, Profile, ProfileKind};
use crate::s3::Objects;
use crate::store::{Store, StoreError};
use crate::sts::{is_sts, Reply, Sts};
use crate::xml::{element, first_text};
use crate::{sigv4, world_sync, State};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::auth::{S3Auth, SecretKey};
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{s3_error, S3Result};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use xacct_world::World;

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: String,
    /// 0 picks a free port (printed).
    pub port: u16,
    /// Where the store and the config file live; a temporary folder when `None`.
    pub data: Option<PathBuf>,
    pub explain_log: Option<PathBuf>,
    /// Sessions STS issues expire after at most this many seconds, whatever DurationSeconds
    /// asks: for rehearsing how a workload refreshes expiring credentials.
    pub session_cap: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot use the data folder {path}: {source}")]
    Data {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot open the decision log {path}: {source}")]
    Log {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("the scenario's buckets cannot be served: {0}")]
    Buckets(String),
    #[error("the KMS keys of the data folder cannot be served: {0}")]
    Keys(String),
    #[error("the Kinesis streams of the scenario or the data folder cannot be served: {0}")]
    Streams(String),
    #[error("the Glue, Lake Formation and RAM changes of the data folder cannot be read: {0}")]
    Lake(String),
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}

/// Secret keys for s3s's SigV4 check, from the credentials the endpoint issued.
struct Auth {
    state: Arc<State>,
}

#[async_trait::async_trait]
impl S3Auth for Auth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        self.state
            .keys
            .lookup(access_key)
            // An inactive key is refused as an unknown one, as S3 refuses it.
            .filter(|_| !self.state.keys.is_inactive(access_key))
            .map(|credential| SecretKey::from(credential.secret_access_key))
            .ok_or_else(|| {
                s3_error!(
                    InvalidAccessKeyId,
                    "The AWS Access Key Id you provided does not exist in our records."
                )
            })
    }
}

/// The message AWS gives with a code when s3s gives none (or words it differently).
fn aws_message(code: &str, sts: bool, signed_at: Option<&str>) -> Option<String> {
    let now = jiff::Timestamp::now();
    let stamp = |at: jiff::Timestamp| at.strftime("%Y%m%dT%H%M%SZ").to_string();
    let window = jiff::SignedDuration::from_mins(15);
    Some(match code {
        "SignatureDoesNotMatch" if sts => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".to_owned(),
        "SignatureDoesNotMatch" => "The request signature we calculated does not match the signature you provided. Check your key and signing method.".to_owned(),
        // STS answers a stale request with SignatureDoesNotMatch, S3 with RequestTimeTooSkewed.
        "RequestTimeTooSkewed" if sts => {
            let signed = signed_at.unwrap_or_default();
            if signed < stamp(now).as_str() {
                format!("Signature expired: {signed} is now earlier than {} ({} - 15 min.)", stamp(now.checked_sub(window).unwrap_or(now)), stamp(now))
            } else {
                format!("Signature not yet current: {signed} is still later than {} ({} + 15 min.)", stamp(now.checked_add(window).unwrap_or(now)), stamp(now))
            }
        }
        "RequestTimeTooSkewed" => "The difference between the request time and the current time is too large.".to_owned(),
        "AccessDenied" => "Access Denied".to_owned(),
        _ => return None,
    })
}

/// An error in the shape its service's clients read, with AWS's wording: STS's
/// `ErrorResponse` for STS requests (s3s answers signature and key errors in S3's `<Error>`,
/// which query-protocol clients do not read), S3's `<Error>` with its message filled in.
async fn aws_error(
    response: Response<s3s::Body>,
    sts: bool,
    signed_at: Option<&str>,
) -> Response<s3s::Body> {
    let (parts, mut body) = response.into_parts();
    let bytes = body.store_all_limited(1 << 20).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if text.contains("<ErrorResponse") || !text.contains("<Code>") {
        return Response::from_parts(parts, s3s::Body::from(text));
    }
    let mut code = first_text(&text, "Code").unwrap_or_else(|| "InternalError".to_owned());
    let mut message = first_text(&text, "Message").unwrap_or_default();
    if sts {
        match code.as_str() {
            "InvalidAccessKeyId" | "NotSignedUp" => {
                code = "InvalidClientTokenId".to_owned();
                message = "The security token included in the request is invalid.".to_owned();
            }
            "RequestTimeTooSkewed" => {
                message = aws_message(&code, sts, signed_at).unwrap_or_default();
                code = "SignatureDoesNotMatch".to_owned();
            }
            _ => {}
        }
    } else if code == "RequestTimeTooSkewed" {
        message = aws_message(&code, sts, signed_at).unwrap_or_default();
    }
    if message.is_empty() {
        message = aws_message(&code, sts, signed_at).unwrap_or_default();
    }
    let body = if sts {
        Reply::error(parts.status, &code, &message).body
    } else {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>{}{}</Error>",
            element("Code", &code),
            element("Message", &message)
        )
    };
    let mut response = Response::from_parts(parts, s3s::Body::from(body));
    response.headers_mut().remove(hyper::header::CONTENT_LENGTH);
    response
}

fn text_response(status: StatusCode, body: String) -> Response<s3s::Body> {
    let mut response = Response::new(s3s::Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/xml"),
    );
    response
}

/// When the request says it was signed: `X-Amz-Date` in a header or the query.
fn signed_at(request: &Request<Incoming>) -> Option<String> {
    if let Some(date) = request.headers().get("x-amz-date") {
        return date.to_str().ok().map(str::to_owned);
    }
    form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "X-Amz-Date")
        .map(|(_, value)| value.into_owned())
}

/// A query-protocol request signed for a service s3s does not verify (IAM): verified here,
/// then answered.
async fn query_service(
    state: &State,
    request: Request<Incoming>,
    auth: sigv4::Authorization,
) -> Response<s3s::Body> {
    let json = matches!(
        auth.service.as_str(),
        "kms" | "kinesis" | "glue" | "lakeformation" | "ram"
    );
    let cbor = auth.service == "kinesis" && is_cbor(request.headers());
    let mut explanation = None;
    let mut events = None;
    let reply = query_reply(state, request, &auth, &mut explanation, &mut events).await;
    if let Some(events) = events {
        let mut response = Response::new(s3s::Body::from(events));
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(crate::kinesis::event_stream::CONTENT_TYPE),
        );
        return response;
    }
    if !json {
        return text_response(reply.status, reply.body);
    }
    // KMS and Kinesis speak JSON: an error of the shared checks (signature, token) is said in
    // their shape.
    let body = if reply.body.starts_with('{') {
        reply.body
    } else {
        crate::kms::KmsReply::error(
            reply.status,
            &first_text(&reply.body, "Code").unwrap_or_default(),
            &first_text(&reply.body, "Message").unwrap_or_default(),
        )
        .body
    };
    let rest_json = matches!(auth.service.as_str(), "lakeformation" | "ram");
    let error_code = (!reply.status.is_success())
        .then(|| serde_json::from_str::<serde_json::Value>(&body).ok())
        .flatten()
        .and_then(|value| value.get("__type")?.as_str().map(str::to_owned));
    let mut response = if cbor {
        cbor_response(reply.status, &body)
    } else {
        let mut response = text_response(reply.status, body);
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(if rest_json {
                "application/json"
            } else {
                "application/x-amz-json-1.1"
            }),
        );
        response
    };
    // REST-JSON clients (Lake Formation, RAM) read an error's code from this header.
    if let Some(value) = error_code
        .filter(|_| rest_json)
        .and_then(|code| hyper::header::HeaderValue::from_str(&code).ok())
    {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    if let Some(value) =
        explanation.and_then(|reason| hyper::header::HeaderValue::from_str(&reason).ok())
    {
        response.headers_mut().insert("x-xacct-explanation", value);
    }
    response
}

/// A Kinesis request whose body is CBOR (the AWS SDK for Java's default).
fn is_cbor(headers: &hyper::HeaderMap) -> bool {
    headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("cbor"))
}

/// A Kinesis answer (JSON) written as CBOR, an error's code also in `x-amzn-ErrorType`.
fn cbor_response(status: StatusCode, json: &str) -> Response<s3s::Body> {
    let mut response = Response::new(s3s::Body::from(crate::kinesis::cbor::from_json(json)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-amz-cbor-1.1"),
    );
    if !status.is_success() {
        let code = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|value| value.get("__type")?.as_str().map(str::to_owned));
        if let Some(value) = code.and_then(|code| hyper::header::HeaderValue::from_str(&code).ok())
        {
            headers.insert("x-amzn-errortype", value);
        }
    }
    response
}

async fn query_reply(
    state: &State,
    request: Request<Incoming>,
    auth: &sigv4::Authorization,
    explanation: &mut Option<String>,
    events: &mut Option<Vec<u8>>,
) -> Reply {
    let (parts, body) = request.into_parts();
    let mut body = s3s::Body::from(body);
    // A PutRecords request carries up to 5 MiB of data, base64.
    let limit = if auth.service == "kinesis" {
        8 << 20
    } else {
        1 << 20
    };
    let Ok(bytes) = body.store_all_limited(limit).await else {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "the request body is too large",
        );
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let amz_date = parts
        .headers
        .get("x-amz-date")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Some(credential) = state
        .keys
        .lookup(&auth.access_key)
        .filter(|_| !state.keys.is_inactive(&auth.access_key))
    else {
        return crate::sts::refusal_reply(crate::identity::Refusal::UnknownKey);
    };
    let signed = sigv4::Signed {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers: &headers,
        body: &bytes,
        amz_date: &amz_date,
    };
    let expected = sigv4::signature(&signed, auth, &credential.secret_access_key);
    if !sigv4::matches(&expected, &auth.signature) {
        let message = aws_message("SignatureDoesNotMatch", true, None).unwrap_or_default();
        return Reply::error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", &message);
    }
    let signed_at = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", &amz_date)
        .and_then(|time| time.to_datetime())
        .and_then(|time| time.to_zoned(jiff::tz::TimeZone::UTC))
        .map(|time| time.timestamp());
    let fresh = signed_at.is_ok_and(|at| {
        jiff::Timestamp::now().duration_since(at).abs() <= jiff::SignedDuration::from_mins(15)
    });
    if !fresh {
        let message =
            aws_message("RequestTimeTooSkewed", true, Some(&amz_date)).unwrap_or_default();
        return Reply::error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", &message);
    }
    let caller = match crate::sts::check_token(state, &auth.access_key, &parts.headers) {
        Ok(caller) => caller,
        Err(refusal) => return crate::sts::refusal_reply(refusal),
    };
    if auth.service == "kms" {
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let caller = crate::kms::Caller {
            credential: &caller,
            region: &auth.region,
            via: None,
        };
        let reply = crate::kms::answer(state, &caller, target, &bytes);
        *explanation = reply.explanation;
        return Reply {
            status: reply.status,
            body: reply.body,
        };
    }
    if matches!(auth.service.as_str(), "glue" | "lakeformation" | "ram") {
        let caller = crate::catalog_calls::Caller {
            credential: &caller,
            region: &auth.region,
        };
        let operation = match auth.service.as_str() {
            "glue" => parts
                .headers
                .get("x-amz-target")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            // REST-JSON (`POST /GrantPermissions`), as botocore sends it; a JSON 1.1 client
            // names the operation in `X-Amz-Target: AWSLakeFormation.<Op>`.
            "lakeformation" => parts
                .headers
                .get("x-amz-target")
                .and_then(|value| value.to_str().ok())
                .and_then(|target| target.strip_prefix("AWSLakeFormation."))
                .map_or_else(|| parts.uri.path().to_owned(), |op| format!("/{op}")),
            _ => parts.uri.path().to_owned(),
        };
        let reply = crate::lake_journal::answer(state, &caller, &auth.service, &operation, &bytes);
        // IAM's decisions were logged by the engine; a Lake Formation refusal is decided on
        // the world's grants, outside it, and is logged here.
        if let Some(reason) = reply
            .explanation
            .as_deref()
            .filter(|reason| reason.starts_with("Lake Formation"))
        {
            let op = operation
                .rsplit(['.', '/'])
                .next()
                .unwrap_or(operation.as_str());
            state.engine.log_refusal(
                &caller.credential.identity.caller_arn(),
                &format!("{}:{op}", auth.service),
                reason,
                &reply.body,
            );
        }
        *explanation = reply.explanation;
        return Reply {
            status: reply.status,
            body: reply.body,
        };
    }
    if auth.service == "kinesis" {
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let caller = crate::kinesis::Caller {
            credential: &caller,
            region: &auth.region,
        };
        let reply = if is_cbor(&parts.headers) && target.ends_with(".SubscribeToShard") {
            // Its events would have to be CBOR too, over HTTP/2 (the AWS SDK for Java's way).
            crate::kinesis::KinesisReply::bad(
                "UnknownOperationException",
                "xacct serve answers SubscribeToShard in JSON only (the AWS CLI, boto3, the AWS SDK for Rust): set the SDK's CBOR off (AWS_CBOR_DISABLE=true)",
            )
        } else if is_cbor(&parts.headers) {
            match crate::kinesis::cbor::to_json(&bytes) {
                Ok(input) => {
                    crate::kinesis::answer(state, &caller, target, input.to_string().as_bytes())
                }
                Err(error) => {
                    crate::kinesis::KinesisReply::bad("SerializationException", &error.to_string())
                }
            }
        } else {
            crate::kinesis::answer(state, &caller, target, &bytes)
        };
        *explanation = reply.explanation;
        *events = reply.event_stream;
        return Reply {
            status: reply.status,
            body: reply.body,
        };
    }
    let mut text = parts.uri.query().unwrap_or_default().to_owned();
    if !bytes.is_empty() {
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let params: std::collections::BTreeMap<String, String> =
        form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect();
    match auth.service.as_str() {
        "iam" => crate::iam::answer(state, &caller, &params),
        "ec2" => crate::ec2::answer(state, &caller, &params, &auth.region),
        other => Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!(
                "xacct serve does not serve `{other}` yet: it serves STS, S3, IAM, KMS, Kinesis, Glue, Lake Formation, RAM and EC2's RunInstances"
            ),
        ),
    }
}

async fn handle(
    state: Arc<State>,
    service: S3Service,
    request: Request<Incoming>,
) -> Result<Response<s3s::Body>, Infallible> {
    let other_service = request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(sigv4::parse)
        .filter(|auth| !matches!(auth.service.as_str(), "s3" | "sts"));
    if let Some(auth) = other_service {
        return Ok(query_service(&state, request, auth).await);
    }
    let sts = is_sts(request.method(), request.uri(), request.headers());
    let signed = signed_at(&request);
    let response = match service.call(request.map(s3s::Body::from)).await {
        Ok(response) => response,
        Err(error) => text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "<Error><Code>InternalError</Code><Message>{}</Message></Error>",
                crate::xml::escape(&format!("{error:?}"))
            ),
        ),
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        return Ok(aws_error(response, sts, signed.as_deref()).await);
    }
    Ok(response)
}

/// What a started endpoint tells its user.
pub struct Started {
    pub endpoint: String,
    pub config_file: PathBuf,
    pub profiles: Vec<Profile>,
    pub data: PathBuf,
    /// Glue, Lake Formation and RAM changes of an earlier run the world refuses now.
    pub refused_changes: Vec<String>,
}

impl Started {
    /// The text `xacct serve` prints: the endpoint, the profiles and how to use them.
    pub fn banner(&self) -> String {
        let mut text = format!(
            "endpoint: {}\ndata: {}\nconfig: {}\n\nprofiles:\n",
            self.endpoint,
            self.data.display(),
            self.config_file.display()
        );
        for profile in &self.profiles {
            let how = match &profile.kind {
                ProfileKind::Keys { .. } => "keys",
                ProfileKind::AssumeRole { .. } => "AssumeRole",
            };
            text.push_str(&format!(
                "  {:<32} {how:<10} {}\n",
                profile.name, profile.acts_as
            ));
        }
        let example = self
            .profiles
            .iter()
            .find(|profile| matches!(profile.kind, ProfileKind::AssumeRole { .. }))
            .or_else(|| self.profiles.first())
            .map_or("PROFILE", |profile| profile.name.as_str());
        if !self.refused_changes.is_empty() {
            text.push_str("\nnot made again (the world refuses them now):\n");
            for change in &self.refused_changes {
                text.push_str(&format!("  {change}\n"));
            }
        }
        text.push_str(&format!(
            "\nuse it:\n  export AWS_CONFIG_FILE={}\n  aws --profile {example} sts get-caller-identity\n  aws --profile {example} s3 ls s3://BUCKET/\n",
            self.config_file.display()
        ));
        text
    }
}

/// Serves `world` until the process is stopped. `started` is told the endpoint once it is
/// listening (the CLI prints it).
pub fn serve(
    world: World,
    options: &Options,
    started: impl FnOnce(&Started),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(run(world, options, started))
}

async fn run(
    world: World,
    options: &Options,
    started: impl FnOnce(&Started),
) -> Result<(), ServeError> {
    // A temporary folder lives as long as the server.
    let temporary;
    let data = match &options.data {
        Some(path) => {
            std::fs::create_dir_all(path).map_err(|source| ServeError::Data {
                path: path.display().to_string(),
                source,
            })?;
            path.clone()
        }
        None => {
            temporary = tempfile::Builder::new()
                .prefix("xacct-serve-")
                .tempdir()
                .map_err(|source| ServeError::Data {
                    path: std::env::temp_dir().display().to_string(),
                    source,
                })?;
            temporary.path().to_path_buf()
        }
    };
    let store = Arc::new(Store::open(&data)?);
    let engine =
        Engine::new(world, options.explain_log.as_deref()).map_err(|source| ServeError::Log {
            path: options
                .explain_log
                .as_deref()
                .map(|path| path.display().to_string())
                .unwrap_or_default(),
            source,
        })?;
    let state = Arc::new(State::new(engine, store, options.session_cap));
    world_sync::sync(&state).map_err(ServeError::Buckets)?;
    crate::iam::add_admins(&state);
    crate::kms::restore(&state).map_err(ServeError::Keys)?;
    crate::kinesis::sync(&state).map_err(ServeError::Streams)?;
    crate::glue::add_lake_admins(&state);
    let (_, refused_changes) = crate::lake_journal::replay(&state).map_err(ServeError::Lake)?;

    let address = format!("{}:{}", options.host, options.port);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|source| ServeError::Bind {
            address: address.clone(),
            source,
        })?;
    let bound: SocketAddr = listener.local_addr().map_err(|source| ServeError::Bind {
        address: address.clone(),
        source,
    })?;
    let endpoint = format!("http://{bound}");
    let profiles = profiles(&state)?;
    let region = "us-east-1";
    let config_file = data.join("aws-config");
    std::fs::write(&config_file, config_text(&profiles, &endpoint, region)).map_err(|source| {
        ServeError::Data {
            path: config_file.display().to_string(),
            source,
        }
    })?;
    started(&Started {
        endpoint,
        config_file,
        profiles,
        data: data.clone(),
        refused_changes,
    });

    let mut builder = S3ServiceBuilder::new(Objects {
        state: state.clone(),
    });
    builder.set_auth(Auth {
        state: state.clone(),
    });
    builder.set_access(Access {
        state: state.clone(),
    });
    builder.set_route(Sts {
        state: state.clone(),
    });
    let service = builder.build();
    let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                eprintln!("xacct serve: a connection could not be accepted: {error}");
                continue;
            }
        };
        let service = service.clone();
        let http = http.clone();
        let state = state.clone();
        tokio::spawn(async move {
            let io = TokioIo::new(stream);
            let handler =
                service_fn(move |request| handle(state.clone(), service.clone(), request));
            // A client that hangs up mid-request ends its connection only.
            let _ = http.serve_connection(io, handler).await;
        });
    }
}
