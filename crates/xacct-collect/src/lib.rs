//! `xacct collect`: reads what decides cross-account access from live AWS accounts (IAM,
//! the organization, S3, KMS, Kinesis, Glue, Lake Formation, RAM) and writes it as a scenario
//! folder: the raw responses, one folder per account, in the shapes `xacct import` reads, and
//! an `xacct.toml` importing them. The folder is an ordinary scenario: it can be checked
//! offline, diffed and committed.
//!
//! This is the only crate that talks to AWS (the AWS SDK for Rust). It prints nothing: what it
//! is doing is reported through [`Progress`], which the command line implements.

mod access_point;
mod account;
#[macro_use]
mod call;
mod capture;
mod glue;
mod iam;
mod kinesis;
mod kms;
mod lake_tags;
mod organizations;
mod ram;
mod s3;
mod session;
mod write;

pub mod policy;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to collect, from which credentials.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Named profiles of the shared AWS config, one account each; the default credential
    /// chain when empty.
    pub profiles: Vec<String>,
    /// Regions of the regional services (KMS, Kinesis, Glue, Lake Formation, RAM); the
    /// profile's Region (or us-east-1) when empty.
    pub regions: Vec<String>,
    /// With `all_accounts`: the role assumed in every account of the organization.
    pub assume_role_name: Option<String>,
    /// Every active account of the organization the first profile can list.
    pub all_accounts: bool,
    /// Send every call to this endpoint instead of AWS's (a local emulator such as moto, or
    /// a VPC endpoint / proxy): S3 is then addressed path-style.
    pub endpoint_url: Option<String>,
    /// The scenario folder written.
    pub output: PathBuf,
    /// At most this many calls in flight at once.
    pub concurrency: usize,
}

/// What a collection reports while it runs. Called from the collection's threads.
pub trait Progress: Send + Sync {
    /// Credentials of `account` are ready; `tasks` service-and-Region tasks will follow.
    fn account_started(&self, account: &str, source: &str, tasks: usize);
    /// One service of an account (in a Region, for regional services) is done.
    fn service_finished(
        &self,
        account: &str,
        region: Option<&str>,
        service: &str,
        report: &ServiceReport,
    );
    /// Every task of the account is done.
    fn account_finished(&self, account: &str, elapsed: Duration);
    /// A note that concerns no one account (the organization, credentials).
    fn note(&self, message: &str);
}

/// How one service's collection went.
#[derive(Debug, Clone, Default)]
pub struct ServiceReport {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Calls made so far in the account (all services).
    pub calls: usize,
    /// Gaps recorded so far in the account (all services).
    pub gaps: usize,
}

/// Why a piece is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GapKind {
    /// AWS refused the call (AccessDenied): the caller lacks the permission.
    Denied,
    /// The call failed otherwise (throttled past the retries, a network error, an answer
    /// that could not be read).
    Failed,
}

/// A call that could not be made: what is missing, and which questions it leaves unanswerable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    pub account: String,
    pub region: Option<String>,
    /// The IAM action the call needs (`kms:ListGrants`).
    pub action: String,
    /// The resource it was made on.
    pub resource: String,
    pub kind: GapKind,
    /// AWS's error code.
    pub code: String,
    pub message: String,
    /// What xacct cannot answer without it.
    pub unanswerable: String,
}

/// One account's collection.
#[derive(Debug, Clone)]
pub struct AccountSummary {
    pub account: String,
    /// The profile or role its credentials came from.
    pub source: String,
    pub calls: usize,
    pub files: usize,
    pub elapsed: Duration,
}

/// What a whole collection did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub accounts: Vec<AccountSummary>,
    pub gaps: Vec<Gap>,
    /// The manifest written.
    pub manifest: PathBuf,
    pub elapsed: Duration,
}

/// Why a collection could not run at all (a call that fails is a [`Gap`] instead).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("credentials of {source_name}: {message}")]
    Credentials {
        source_name: String,
        message: String,
    },
    #[error("cannot list the accounts of the organization: {0}")]
    Organization(String),
    #[error("cannot write `{}`: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error("no account could be read: every profile's credentials failed")]
    NoAccount,
    #[error("cannot write the manifest: {0}")]
    Manifest(String),
    #[error(
        "no such profile `{profile}` in the AWS config/credentials files ({})",
        describe_files(files)
    )]
    NoSuchProfile {
        profile: String,
        /// The files looked in, and whether each exists.
        files: Vec<(PathBuf, bool)>,
    },
    #[error("cannot read the AWS config/credentials files: {0}")]
    ProfileFiles(String),
}

/// `~/.aws/config, ~/.aws/credentials (not found)`.
fn describe_files(files: &[(PathBuf, bool)]) -> String {
    let listed: Vec<String> = files
        .iter()
        .map(|(path, exists)| {
            if *exists {
                path.display().to_string()
            } else {
                format!("{} (not found)", path.display())
            }
        })
        .collect();
    format!("looked in {}", listed.join(", "))
}

impl CollectError {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            CollectError::Credentials { .. } => Some("check the profile with `aws sts get-caller-identity --profile NAME`; for SSO profiles run `aws sso login` first".to_owned()),
            CollectError::Organization(_) => Some("--all-accounts needs organizations:ListAccounts: run it with the management account's (or a delegated administrator's) credentials".to_owned()),
            CollectError::Write { .. } => Some("choose an --output folder you can write".to_owned()),
            CollectError::NoSuchProfile { .. } => Some("list the profiles with `aws configure list-profiles`; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name other files".to_owned()),
            _ => None,
        }
    }
}

/// Collects every account and writes the scenario folder `options.output`.
pub fn collect(options: &Options, progress: &dyn Progress) -> Result<Summary, CollectError> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CollectError::Runtime)?;
    let (accounts, gaps) = runtime.block_on(account::collect_all(options, progress))?;
    let manifest = write::manifest(&options.output)?;
    Ok(Summary {
        accounts,
        gaps,
        manifest,
        elapsed: started.elapsed(),
    })
}

/// `DIR/ACCOUNT[/REGION]`.
pub(crate) fn folder(output: &Path, account: &str, region: Option<&str>) -> PathBuf {
    let mut path = output.join(account);
    if let Some(region) = region {
        path.push(region);
    }
    path
}
