//! STS on the query protocol: AssumeRole decided by xacct-paths' `hop` (trust policy, the
//! caller's identity policies, SCPs and RCPs, boundary, ExternalId, session tags, source
//! identity and duration limits, the same evaluation `xacct check` makes for each link),
//! GetCallerIdentity and GetSessionToken. The signature was checked by s3s before a request
//! gets here; the session token and expiry are checked in [`check_token`].
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>

use crate::identity::{session_policy, Credential, Identity, Refusal};
use crate::xml::{element, escape};
use crate::State;
use hyper::header::CONTENT_TYPE;
use hyper::{HeaderMap, Method, StatusCode, Uri};
use jiff::Timestamp;
use s3s::route::S3Route;
use s3s::{Body, S3Request, S3Response, S3Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_paths::search::{hop, AssumeOptions, Query};
use xacct_policy::{parse_policy, PolicyKind};
use xacct_world::Principal;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// True for an STS query request: a form POST to `/`, or a GET of `/?Action=...`.
pub fn is_sts(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    if uri.path() != "/" {
        return false;
    }
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    (*method == Method::POST && form)
        || (*method == Method::GET && uri.query().is_some_and(|query| query.contains("Action=")))
}

/// An STS answer or error with its HTTP status.
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
}

impl Reply {
    pub fn ok(action: &str, result: &str) -> Self {
        Self {
            status: StatusCode::OK,
            body: format!(
                "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result>\
                 <ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
                request_id()
            ),
        }
    }

    /// STS's error document (`ErrorResponse`, as the query protocol's clients parse it).
    pub fn error(status: StatusCode, code: &str, message: &str) -> Self {
        let kind = if status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        };
        Self {
            status,
            body: format!(
                "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{kind}</Type>{}{}</Error>\
                 <RequestId>{}</RequestId></ErrorResponse>",
                element("Code", code),
                element("Message", message),
                request_id()
            ),
        }
    }
}

/// A request id as the query services give one (32 hex digits).
pub(crate) fn request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    hex::encode(bytes)
}

/// The refusal of a credential, as STS words it.
pub fn refusal_reply(refusal: Refusal) -> Reply {
    match refusal {
        Refusal::UnknownKey | Refusal::BadToken => Reply::error(
            StatusCode::FORBIDDEN,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        Refusal::Expired => Reply::error(
            StatusCode::FORBIDDEN,
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
    }
}

/// The credential a signed request was made with, if its token matches and it is current.
pub fn check_token(
    state: &State,
    key_id: &str,
    headers: &HeaderMap,
) -> Result<Credential, Refusal> {
    let token = headers
        .get("x-amz-security-token")
        .and_then(|value| value.to_str().ok());
    state
        .keys
        .check(key_id, token, Timestamp::now().as_second())
}

/// The STS route of the s3s service.
pub struct Sts {
    pub state: Arc<State>,
}

#[async_trait::async_trait]
impl S3Route for Sts {
    fn is_match(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        _: &mut hyper::http::Extensions,
    ) -> bool {
        is_sts(method, uri, headers)
    }

    async fn check_access(&self, _req: &mut S3Request<Body>) -> S3Result<()> {
        // Refusals are answered in `call`, in STS's own error document.
        Ok(())
    }

    async fn call(&self, mut req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        let mut text = req.uri.query().unwrap_or_default().to_owned();
        if req.method == Method::POST {
            let body =
                req.input.store_all_limited(1 << 20).await.map_err(|_| {
                    s3s::s3_error!(InvalidRequest, "the STS request body is too large")
                })?;
            text = String::from_utf8_lossy(&body).into_owned();
        }
        let params: BTreeMap<String, String> = form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect();
        let reply = match &req.credentials {
            None => Reply::error(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            Some(credentials) => {
                match check_token(&self.state, &credentials.access_key, &req.headers) {
                    Err(refusal) => refusal_reply(refusal),
                    Ok(caller) => answer(&self.state, &caller, &params),
                }
            }
        };
        let mut response = S3Response::with_status(Body::from(reply.body), reply.status);
        response.headers.insert(
            CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/xml"),
        );
        Ok(response)
    }
}

/// Answers one STS action for `caller`.
pub fn answer(state: &State, caller: &Credential, params: &BTreeMap<String, String>) -> Reply {
    match params.get("Action").map(String::as_str) {
        Some(action) if crate::iam::ACTIONS.contains(&action) => {
            crate::iam::answer(state, caller, params)
        }
        Some("GetCallerIdentity") => {
            let identity = &caller.identity;
            let result = format!(
                "{}{}{}",
                element("Arn", &identity.caller_arn()),
                element("UserId", &unique_id(identity)),
                element("Account", &identity.account())
            );
            Reply::ok("GetCallerIdentity", &result)
        }
        Some("AssumeRole") => assume_role(state, caller, params).unwrap_or_else(|reply| reply),
        Some("GetSessionToken") => {
            get_session_token(state, caller, params).unwrap_or_else(|reply| reply)
        }
        Some(other) => Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!("Could not find operation {other} for version 2011-06-15 (xacct serve answers AssumeRole, GetCallerIdentity and GetSessionToken)"),
        ),
        None => Reply::error(
            StatusCode::BAD_REQUEST,
            "MissingAction",
            "Missing Action",
        ),
    }
}

/// The principal's unique id as AWS shows it: `AIDA...` for a user, `AROA...:session` for a
/// role session (derived from the ARN, so stable).
fn unique_id(identity: &Identity) -> String {
    let digest = digest_hex(identity.arn.as_bytes());
    let id: String = digest.to_ascii_uppercase().chars().take(17).collect();
    match (&identity.kind[..], &identity.session_name) {
        ("user", _) => format!("AIDA{id}"),
        (_, Some(name)) => format!("AROA{id}:{name}"),
        _ => format!("AROA{id}"),
    }
}

fn digest_hex(bytes: &[u8]) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(bytes))
}

fn validation(message: &str) -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, "ValidationError", message)
}

/// `Tags.member.N.Key` / `.Value` pairs.
fn session_tags(params: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, Reply> {
    let mut tags = BTreeMap::new();
    for (name, key) in params {
        let Some(number) = name
            .strip_prefix("Tags.member.")
            .and_then(|rest| rest.strip_suffix(".Key"))
        else {
            continue;
        };
        let value = params
            .get(&format!("Tags.member.{number}.Value"))
            .ok_or_else(|| validation(&format!("Tags.member.{number}.Value is missing")))?;
        tags.insert(key.clone(), value.clone());
    }
    Ok(tags)
}

/// Parameters xacct serve does not carry out yet: refused rather than silently dropped.
const NOT_CARRIED: [&str; 2] = ["SerialNumber", "ProvidedContexts.member.1.ProviderArn"];

/// The session policies of an AssumeRole as one document: the inline `Policy` and the default
/// version of each managed policy `PolicyArns` names (the role's account's, or AWS managed),
/// their statements side by side. Several session policies are evaluated as one set (an
/// allow in any, a deny in any), which is what one document with all their statements is.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session>
fn session_policy_text(
    state: &State,
    role_arn: &str,
    params: &BTreeMap<String, String>,
) -> Result<Option<String>, Reply> {
    let role_account = role_arn.split(':').nth(4).unwrap_or_default();
    let mut texts: Vec<String> = params.get("Policy").cloned().into_iter().collect();
    let mut arns: Vec<&String> = params
        .iter()
        .filter(|(name, _)| name.starts_with("PolicyArns.member.") && name.ends_with(".arn"))
        .map(|(_, arn)| arn)
        .collect();
    arns.sort();
    arns.dedup();
    if arns.len() > 10 {
        return Err(validation(
            "PolicyArns may name at most 10 managed policies",
        ));
    }
    for arn in arns {
        let directory = state.iam.lock();
        let text = directory
            .policies
            .get(arn.as_str())
            .filter(|policy| policy.account == role_account || policy.account == "aws")
            .map(|policy| policy.default_text().to_owned());
        let Some(text) = text else {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValue",
                &format!("PolicyArns names {arn}, which is not a managed policy of the role's account nor an AWS managed policy"),
            ));
        };
        texts.push(text);
    }
    if texts.len() <= 1 {
        return Ok(texts.pop());
    }
    let mut version = None;
    let mut statements = Vec::new();
    for text in &texts {
        let document: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                "MalformedPolicyDocument",
                &error.to_string(),
            )
        })?;
        let this = document
            .get("Version")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("2008-10-17")
            .to_owned();
        if version.as_ref().is_some_and(|first| *first != this) {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "NotImplemented",
                "the session policies have different policy language versions: xacct serve evaluates them as one document, which needs one version",
            ));
        }
        version = Some(this);
        match document.get("Statement") {
            Some(serde_json::Value::Array(items)) => statements.extend(items.iter().cloned()),
            Some(one) => statements.push(one.clone()),
            None => {}
        }
    }
    Ok(Some(
        serde_json::json!({"Version": version.unwrap_or_else(|| "2012-10-17".to_owned()), "Statement": statements})
            .to_string(),
    ))
}

/// `TransitiveTagKeys.member.N`: keys of the tags this call passes (STS refuses others).
fn transitive_tag_keys(
    params: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> Result<std::collections::BTreeSet<String>, Reply> {
    let mut keys = std::collections::BTreeSet::new();
    for (name, key) in params {
        if !name.starts_with("TransitiveTagKeys.member.") {
            continue;
        }
        // Kept as the tag's own key: keys are compared without case.
        let Some(tag) = tags.keys().find(|tag| tag.eq_ignore_ascii_case(key)) else {
            return Err(validation(&format!(
                "TransitiveTagKeys names `{key}`, which is not the key of a tag this request passes"
            )));
        };
        keys.insert(tag.clone());
    }
    Ok(keys)
}

fn assume_role(
    state: &State,
    caller: &Credential,
    params: &BTreeMap<String, String>,
) -> Result<Reply, Reply> {
    for name in NOT_CARRIED {
        if params.contains_key(name) {
            let parameter = name.split('.').next().unwrap_or(name);
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "NotImplemented",
                &format!("xacct serve does not carry out AssumeRole's {parameter} yet; it would change the decision, so the call is refused"),
            ));
        }
    }
    let role_arn = params
        .get("RoleArn")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?;
    let session_name = params
        .get("RoleSessionName")
        .ok_or_else(|| validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"))?;
    let name_ok = (2..=64).contains(&session_name.len())
        && session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=,.@-_".contains(c));
    if !name_ok {
        return Err(validation(&format!("1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")));
    }
    let duration = match params.get("DurationSeconds") {
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            validation(&format!(
                "DurationSeconds `{text}` is not a whole number of seconds"
            ))
        })?),
        None => None,
    };
    let policy_text = session_policy_text(state, role_arn, params)?;
    if let Some(text) = &policy_text {
        let parsed = parse_policy(text, PolicyKind::Session);
        if parsed.has_errors() {
            let first = parsed
                .findings
                .iter()
                .find(|finding| finding.severity == xacct_policy::Severity::Error)
                .map(|finding| finding.message.clone())
                .unwrap_or_default();
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "MalformedPolicyDocument",
                &first,
            ));
        }
    }
    let tags = session_tags(params)?;
    let transitive_tag_keys = transitive_tag_keys(params, &tags)?;
    let options = AssumeOptions {
        external_ids: params
            .get("ExternalId")
            .map(|id| BTreeMap::from([(role_arn.clone(), id.clone())]))
            .unwrap_or_default(),
        session_name: Some(session_name.clone()),
        duration_seconds: duration,
        session_tags: tags,
        transitive_tag_keys,
        source_identity: params.get("SourceIdentity").cloned(),
        session_policy: None,
    };
    let from = caller.identity.session();
    let world = state.engine.world();
    let not_authorized = || {
        Reply::error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            &format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                caller.identity.caller_arn()
            ),
        )
    };
    // AWS answers a role that does not exist as it answers one the caller may not assume.
    if !world.roles.contains_key(role_arn) {
        return Err(not_authorized());
    }
    let query = Query {
        start: from.clone(),
        via: Vec::new(),
        action: "sts:AssumeRole".to_owned(),
        resource: role_arn.clone(),
        context: Vec::new(),
        options,
        max_depth: 1,
    };
    let found = hop(&world, &query, &from, role_arn);
    drop(world);
    let found = found
        .map_err(|message| Reply::error(StatusCode::BAD_REQUEST, "ValidationError", &message))?;
    if let Some(step) = found.failing_step().cloned() {
        let verdict = state.engine.verdict(step.request, step.response);
        let mut reply = Reply::error(StatusCode::FORBIDDEN, "AccessDenied", &verdict.message);
        reply.body = with_explanation(&reply.body, &verdict.reason);
        return Err(reply);
    }
    for step in &found.steps {
        state
            .engine
            .verdict(step.request.clone(), step.response.clone());
    }
    if let Some(message) = &found.duration_error {
        return Err(validation(message));
    }
    let mut session = found.session;
    session.session_policy = policy_text.as_deref().map(session_policy);
    let expires = state.expiry(i64::from(duration.unwrap_or(3600)));
    let identity = Identity::of(&session, policy_text);
    let credential = issue_session(state, identity, expires)?;
    let assumed = &credential.identity;
    let mut result = String::new();
    if let Some(source) = &assumed.source_identity {
        result.push_str(&element("SourceIdentity", source));
    }
    result.push_str(&format!(
        "<AssumedRoleUser>{}{}</AssumedRoleUser>{}",
        element("Arn", &assumed.caller_arn()),
        element("AssumedRoleId", &unique_id(assumed)),
        credentials_xml(&credential)
    ));
    Ok(Reply::ok("AssumeRole", &result))
}

/// The `x-xacct` explanation rides in the error document as a comment-free extra element
/// clients ignore.
fn with_explanation(body: &str, reason: &str) -> String {
    body.replacen(
        "</Error>",
        &format!(
            "<XacctExplanation>{}</XacctExplanation></Error>",
            escape(reason)
        ),
        1,
    )
}

/// A new session credential, expiring at `expires` (seconds since the epoch).
fn issue_session(state: &State, identity: Identity, expires: i64) -> Result<Credential, Reply> {
    state
        .keys
        .issue(identity, true, Some(expires))
        .map_err(|error| {
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                &error.to_string(),
            )
        })
}

fn credentials_xml(credential: &Credential) -> String {
    let expiration = credential
        .expires
        .and_then(|seconds| Timestamp::from_second(seconds).ok())
        .map(|at| at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    format!(
        "<Credentials>{}{}{}{}</Credentials>",
        element("AccessKeyId", &credential.access_key_id),
        element("SecretAccessKey", &credential.secret_access_key),
        element(
            "SessionToken",
            credential.session_token.as_deref().unwrap_or_default()
        ),
        element("Expiration", &expiration)
    )
}

/// GetSessionToken: a user's temporary credentials, acting as the user. Role sessions
/// cannot call it (AWS refuses it with session credentials).
fn get_session_token(
    state: &State,
    caller: &Credential,
    params: &BTreeMap<String, String>,
) -> Result<Reply, Reply> {
    if caller.session_token.is_some() || caller.identity.kind != "user" {
        return Err(Reply::error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    if params.contains_key("SerialNumber") {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "NotImplemented",
            "xacct serve does not carry out MFA (SerialNumber) yet",
        ));
    }
    let duration = match params.get("DurationSeconds") {
        Some(text) => text.parse::<i64>().map_err(|_| {
            validation(&format!(
                "DurationSeconds `{text}` is not a whole number of seconds"
            ))
        })?,
        None => 43_200,
    };
    if !(900..=129_600).contains(&duration) {
        return Err(validation(&format!("1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600")));
    }
    let user = Principal::User(caller.identity.arn.clone());
    let identity = Identity::of(&xacct_world::Session::of(user), None);
    let credential = issue_session(state, identity, state.expiry(duration))?;
    Ok(Reply::ok("GetSessionToken", &credentials_xml(&credential)))
}
