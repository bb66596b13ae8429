//! `xacct collect`: read every account's access documents from AWS into a scenario folder.
//! The collection is `xacct_collect`'s; this module shows its progress (a bar per account on a
//! terminal, plain lines otherwise) and its summary.

use crate::command::exit;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use xacct_collect::{GapKind, Options, Progress, ServiceReport};

#[derive(clap::Args)]
pub struct Args {
    /// A profile of the shared AWS config (~/.aws/config, SSO and assume-role profiles
    /// included), one account each. Repeatable; the default credential chain when absent.
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// A Region to read KMS, Kinesis, Glue, Lake Formation and RAM in. Repeatable; the
    /// profile's Region (or us-east-1) when absent.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Collect every active account of the organization the (first) profile can list.
    #[arg(long, requires = "assume_role_name")]
    all_accounts: bool,
    /// With --all-accounts: the role to assume in each account (e.g. OrganizationAccountAccessRole).
    #[arg(long, value_name = "NAME", requires = "all_accounts")]
    assume_role_name: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator such as moto, a proxy or a VPC
    /// endpoint); S3 is then addressed path-style.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The scenario folder to write (new or empty).
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// At most this many AWS calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
}

pub fn run(args: &Args) -> u8 {
    let options = Options {
        profiles: args.profiles.clone(),
        regions: args.regions.clone(),
        assume_role_name: args.assume_role_name.clone(),
        all_accounts: args.all_accounts,
        endpoint_url: args.endpoint_url.clone(),
        output: args.output.clone(),
        concurrency: args.concurrency,
    };
    let progress = Shown::new();
    let result = xacct_collect::collect(&options, &progress);
    progress.clear();
    let summary = match result {
        Ok(summary) => summary,
        Err(error) => {
            errln!("error: {error}");
            if let Some(help) = error.help() {
                errln!("  help: {help}");
            }
            return exit::BAD_INPUT;
        }
    };
    outln!(
        "collected {} account{} in {:.1} s",
        summary.accounts.len(),
        if summary.accounts.len() == 1 { "" } else { "s" },
        summary.elapsed.as_secs_f64()
    );
    for account in &summary.accounts {
        outln!(
            "  {} ({}): {} calls, {} files, {:.1} s",
            account.account,
            account.source,
            account.calls,
            account.files,
            account.elapsed.as_secs_f64()
        );
    }
    outln!(
        "wrote {}: check it with `xacct check {}`",
        summary.manifest.display(),
        shown(&args.output)
    );
    if summary.gaps.is_empty() {
        return exit::OK;
    }
    outln!(
        "\nmissing ({}): these calls failed, so the questions named are not answered from AWS",
        summary.gaps.len()
    );
    for gap in &summary.gaps {
        let kind = match gap.kind {
            GapKind::Denied => "access denied: grant",
            GapKind::Failed => "failed:",
        };
        outln!(
            "  {}{} {kind} {} on {} ({}{})",
            gap.account,
            gap.region
                .as_ref()
                .map_or_else(String::new, |region| format!(" {region}")),
            gap.action,
            gap.resource,
            if gap.code.is_empty() {
                "no error code"
            } else {
                &gap.code
            },
            if gap.message.is_empty() {
                String::new()
            } else {
                format!(": {}", gap.message)
            }
        );
        outln!("    unanswerable: {}", gap.unanswerable);
    }
    outln!("the collector's least-privilege policy is in docs/collect.md");
    exit::FINDINGS
}

/// A path as a shell word.
fn shown(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    shlex::try_quote(&text).map_or_else(|_| text.clone(), |quoted| quoted.into_owned())
}

/// Progress on a terminal (a bar per account), or plain lines when stderr is not one.
struct Shown {
    bars: Option<(MultiProgress, Mutex<BTreeMap<String, ProgressBar>>)>,
}

impl Shown {
    fn new() -> Self {
        let terminal = std::io::stderr().is_terminal() && !crate::render::stream::quiet();
        Shown {
            bars: terminal.then(|| {
                (
                    MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                    Mutex::new(BTreeMap::new()),
                )
            }),
        }
    }

    fn bar(&self, account: &str) -> Option<ProgressBar> {
        let (_, bars) = self.bars.as_ref()?;
        bars.lock().ok()?.get(account).cloned()
    }

    fn line(&self, text: &str) {
        if crate::render::stream::quiet() {
            return;
        }
        match &self.bars {
            Some((multi, _)) => multi.suspend(|| errln!("{text}")),
            None => errln!("{text}"),
        }
    }

    fn clear(&self) {
        if let Some((multi, _)) = &self.bars {
            let _ = multi.clear();
        }
    }
}

impl Progress for Shown {
    fn account_started(&self, account: &str, source: &str, tasks: usize) {
        match &self.bars {
            Some((multi, bars)) => {
                let bar = multi.add(ProgressBar::new(tasks as u64));
                let style = ProgressStyle::with_template("{prefix} [{bar:20}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style.progress_chars("=> "));
                bar.set_prefix(account.to_owned());
                bar.set_message(source.to_owned());
                bar.enable_steady_tick(Duration::from_millis(200));
                if let Ok(mut bars) = bars.lock() {
                    bars.insert(account.to_owned(), bar);
                }
            }
            None => self.line(&format!("{account}: collecting ({source})")),
        }
    }

    fn service_finished(
        &self,
        account: &str,
        region: Option<&str>,
        service: &str,
        report: &ServiceReport,
    ) {
        let place = region.map_or_else(String::new, |region| format!(" {region}"));
        let text = format!(
            "{service}{place} done ({} files; {} calls, {} missing so far)",
            report.files.len(),
            report.calls,
            report.gaps
        );
        match self.bar(account) {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(text);
            }
            None => self.line(&format!("{account}: {text}")),
        }
    }

    fn account_finished(&self, account: &str, elapsed: Duration) {
        let text = format!("done in {:.1} s", elapsed.as_secs_f64());
        match self.bar(account) {
            Some(bar) => bar.finish_with_message(text),
            None => self.line(&format!("{account}: {text}")),
        }
    }

    fn note(&self, message: &str) {
        self.line(message);
    }
}
