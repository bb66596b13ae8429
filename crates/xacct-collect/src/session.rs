//! Credentials and clients: one [`Session`] per account, from a profile or a role assumed in
//! each account of the organization.

use crate::call::{Call, Outcome, Recorder};
use crate::{CollectError, Options};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use serde_json::Value;

/// The Region of a profile that names none.
const DEFAULT_REGION: &str = "us-east-1";

/// The credentials of one account.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) account: String,
    /// The profile, or the role assumed.
    pub(crate) source: String,
    pub(crate) config: SdkConfig,
    /// `aws` unless the caller's ARN says otherwise (`aws-cn`, `aws-us-gov`).
    pub(crate) partition: String,
}

impl Session {
    pub(crate) fn region(&self) -> String {
        self.config.region().map_or_else(
            || DEFAULT_REGION.to_owned(),
            |region| region.as_ref().to_owned(),
        )
    }

    /// The configuration for `region`.
    pub(crate) fn in_region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build()
    }
}

/// One HTTPS client for every service: rustls on ring, so no C crypto library is built.
fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The configuration of a profile (or the default chain), with the endpoint override.
async fn load(profile: Option<&str>, options: &Options, client: &SharedHttpClient) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(client.clone());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    let config = loader.load().await;
    if config.region().is_some() {
        return config;
    }
    config
        .to_builder()
        .region(Region::new(
            options
                .regions
                .first()
                .cloned()
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
        ))
        .build()
}

/// Every `--profile` must be in the config or credentials file, read as the SDK reads them
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and
/// `~/.aws/credentials`). A profile they do not define would otherwise fall through to the
/// default chain (environment, then instance metadata): this fails before any call or write.
pub(crate) async fn check_profiles(names: &[String]) -> Result<(), CollectError> {
    if names.is_empty() {
        return Ok(());
    }
    let fs = aws_types::os_shim_internal::Fs::real();
    let env = aws_types::os_shim_internal::Env::real();
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = aws_config::profile::load(&fs, &env, &files, None)
        .await
        .map_err(|error| {
            CollectError::ProfileFiles(
                aws_smithy_types::error::display::DisplayErrorContext(&error).to_string(),
            )
        })?;
    match names.iter().find(|name| set.get_profile(name).is_none()) {
        None => Ok(()),
        Some(missing) => Err(CollectError::NoSuchProfile {
            profile: missing.clone(),
            files: profile_file_paths()
                .into_iter()
                .map(|path| {
                    let exists = path.is_file();
                    (path, exists)
                })
                .collect(),
        }),
    }
}

/// The config and credentials files the SDK reads, for the message: the environment's, else
/// those under the home folder.
fn profile_file_paths() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(std::path::PathBuf::from);
    [
        ("AWS_CONFIG_FILE", "config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .map(|(variable, file)| match std::env::var_os(variable) {
        Some(path) => expand_home(std::path::PathBuf::from(path), home.as_deref()),
        None => home
            .as_deref()
            .map_or_else(
                || std::path::PathBuf::from("~"),
                std::path::Path::to_path_buf,
            )
            .join(".aws")
            .join(file),
    })
    .collect()
}

/// `~/x` as the SDK expands it.
fn expand_home(path: std::path::PathBuf, home: Option<&std::path::Path>) -> std::path::PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path,
    }
}

/// Who the configuration's credentials are: the account and the partition.
async fn identify(config: &SdkConfig, source: &str) -> Result<(String, String), CollectError> {
    let sts = aws_sdk_sts::Client::new(config);
    let identity =
        sts.get_caller_identity()
            .send()
            .await
            .map_err(|error| CollectError::Credentials {
                source_name: source.to_owned(),
                message: aws_smithy_types::error::display::DisplayErrorContext(&error).to_string(),
            })?;
    let account = identity.account().unwrap_or_default().to_owned();
    let partition = identity
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .unwrap_or("aws")
        .to_owned();
    Ok((account, partition))
}

/// The sessions of `options`: one per profile, or one per account of the organization with
/// `all_accounts`. A profile whose credentials fail is reported and skipped.
pub(crate) async fn sessions(
    options: &Options,
    progress: &dyn crate::Progress,
    recorder: impl Fn(&str) -> Recorder,
) -> Result<Vec<Session>, CollectError> {
    let client = http_client();
    let profiles: Vec<Option<&str>> = if options.profiles.is_empty() {
        vec![None]
    } else {
        options
            .profiles
            .iter()
            .map(|name| Some(name.as_str()))
            .collect()
    };
    let mut sessions = Vec::new();
    for profile in profiles {
        let source = profile.map_or_else(
            || "the default credentials".to_owned(),
            |name| format!("profile {name}"),
        );
        let config = load(profile, options, &client).await;
        match identify(&config, &source).await {
            Ok((account, partition)) => {
                if sessions
                    .iter()
                    .any(|known: &Session| known.account == account)
                {
                    progress.note(&format!(
                        "{source} is account {account} again: collected once"
                    ));
                    continue;
                }
                sessions.push(Session {
                    account,
                    source,
                    config,
                    partition,
                });
            }
            Err(error) if options.all_accounts => return Err(error),
            Err(error) => progress.note(&format!("skipped: {error}")),
        }
    }
    if !options.all_accounts {
        return Ok(sessions);
    }
    let Some(base) = sessions.first().cloned() else {
        return Err(CollectError::NoAccount);
    };
    let accounts = organization_accounts(&base, recorder(&base.account)).await?;
    let mut all = Vec::new();
    for account in accounts {
        if account == base.account {
            all.push(base.clone());
            continue;
        }
        let Some(role) = &options.assume_role_name else {
            progress.note(&format!(
                "account {account}: no --assume-role-name, so it is not collected"
            ));
            continue;
        };
        match assume(&base, &account, role).await {
            Ok(session) => all.push(session),
            Err(error) => progress.note(&format!("skipped: {error}")),
        }
    }
    Ok(all)
}

/// The active accounts of the organization, listed with `base`'s credentials.
async fn organization_accounts(
    base: &Session,
    recorder: Recorder,
) -> Result<Vec<String>, CollectError> {
    let client = aws_sdk_organizations::Client::new(&base.config);
    let call = Call {
        action: "organizations:ListAccounts",
        resource: "*",
        unanswerable: "which accounts the organization has",
        absent: &[],
    };
    let listed = recorder
        .raw_pages(
            &call,
            &["Accounts"],
            "NextToken",
            page!(client.list_accounts(), set_next_token),
        )
        .await;
    let Outcome::Got(listed) = listed else {
        let reason = recorder.gaps().first().map_or_else(
            || "no answer".to_owned(),
            |gap| format!("{}: {}", gap.code, gap.message),
        );
        return Err(CollectError::Organization(reason));
    };
    Ok(listed
        .get("Accounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|account| {
            account
                .get("Status")
                .and_then(Value::as_str)
                .is_none_or(|status| status == "ACTIVE")
        })
        .filter_map(|account| account.get("Id")?.as_str().map(str::to_owned))
        .collect())
}

/// `role` in `account`, assumed with `base`'s credentials.
async fn assume(base: &Session, account: &str, role: &str) -> Result<Session, CollectError> {
    let arn = format!("arn:{}:iam::{account}:role/{role}", base.partition);
    let failed = |message: String| CollectError::Credentials {
        source_name: format!("role {arn}"),
        message,
    };
    let sts = aws_sdk_sts::Client::new(&base.config);
    let assumed = sts
        .assume_role()
        .role_arn(&arn)
        .role_session_name("xacct-collect")
        .send()
        .await
        .map_err(|error| {
            failed(aws_smithy_types::error::display::DisplayErrorContext(&error).to_string())
        })?;
    let Some(credentials) = assumed.credentials() else {
        return Err(failed("AssumeRole returned no credentials".to_owned()));
    };
    let expiry = std::time::SystemTime::try_from(*credentials.expiration()).ok();
    let provider = SharedCredentialsProvider::new(Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        expiry,
        "xacct-collect-assume-role",
    ));
    let config = base
        .config
        .to_builder()
        .credentials_provider(provider)
        .build();
    Ok(Session {
        account: account.to_owned(),
        source: format!("role {arn}"),
        config,
        partition: base.partition.clone(),
    })
}
