//! The collection of every account: the organization once, then each account's services and
//! Regions, all concurrently under one limit on calls in flight. Each service's files are
//! written as soon as it is done, so a failure later loses nothing already collected.

use crate::call::Recorder;
use crate::session::Session;
use crate::{folder, write, AccountSummary, CollectError, Gap, Options, Progress, ServiceReport};
use futures_util::future::join_all;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

pub(crate) async fn collect_all(
    options: &Options,
    progress: &dyn Progress,
) -> Result<(Vec<AccountSummary>, Vec<Gap>), CollectError> {
    crate::session::check_profiles(&options.profiles).await?;
    write::prepare(&options.output)?;
    let limit = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let sessions = crate::session::sessions(options, progress, |account| {
        Recorder::new(account, Arc::clone(&limit))
    })
    .await?;
    if sessions.is_empty() {
        return Err(CollectError::NoAccount);
    }
    let mut gaps = organization(options, &sessions, &limit, progress).await?;
    let results = join_all(
        sessions
            .iter()
            .map(|session| account(options, session, &limit, progress)),
    )
    .await;
    let mut summaries = Vec::new();
    for result in results {
        let (summary, account_gaps) = result?;
        summaries.push(summary);
        gaps.extend(account_gaps);
    }
    gaps.sort();
    Ok((summaries, gaps))
}

/// The organization, read by the first account allowed to (the management account or a
/// delegated administrator). Denials of member accounts are expected and dropped when
/// another account reads it; when none can, the first account's gaps are kept.
async fn organization(
    options: &Options,
    sessions: &[Session],
    limit: &Arc<tokio::sync::Semaphore>,
    progress: &dyn Progress,
) -> Result<Vec<Gap>, CollectError> {
    let mut first_gaps: Option<Vec<Gap>> = None;
    for session in sessions {
        let recorder = Recorder::new(&session.account, Arc::clone(limit));
        if let Some(bundle) = crate::organizations::bundle(session, &recorder).await {
            let path = write::json_file(&options.output, "organizations.json", &bundle)?;
            progress.service_finished(
                &session.account,
                None,
                "organizations",
                &ServiceReport {
                    files: vec![path],
                    calls: recorder.calls(),
                    gaps: recorder.gap_count(),
                },
            );
            return Ok(recorder.gaps());
        }
        first_gaps.get_or_insert_with(|| recorder.gaps());
    }
    let gaps = first_gaps.unwrap_or_default();
    if gaps.is_empty() {
        progress.note("no organization: the accounts are in none (or Organizations is not in use)");
    }
    Ok(gaps)
}

/// Every service of one account.
async fn account(
    options: &Options,
    session: &Session,
    limit: &Arc<tokio::sync::Semaphore>,
    progress: &dyn Progress,
) -> Result<(AccountSummary, Vec<Gap>), CollectError> {
    let started = Instant::now();
    let recorder = Recorder::new(&session.account, Arc::clone(limit));
    let regions = if options.regions.is_empty() {
        vec![session.region()]
    } else {
        options.regions.clone()
    };
    let root = folder(&options.output, &session.account, None);
    progress.account_started(&session.account, &session.source, 2 + 5 * regions.len());
    let done = |region: Option<&str>, service: &str, files: Vec<PathBuf>| {
        progress.service_finished(
            &session.account,
            region,
            service,
            &ServiceReport {
                files,
                calls: recorder.calls(),
                gaps: recorder.gap_count(),
            },
        );
    };
    let iam = async {
        let mut files = Vec::new();
        if let Some(export) = crate::iam::authorization_details(session, &recorder).await {
            files.push(write::json_file(
                &root,
                "authorization-details.json",
                &export,
            )?);
        }
        done(None, "iam", files.clone());
        Ok::<_, CollectError>(files)
    };
    let s3 = async {
        let collected =
            crate::s3::collect(session, &recorder, options.endpoint_url.as_deref()).await;
        let mut files = Vec::new();
        for (bucket, policy) in &collected.policies {
            if write::plain(bucket) {
                files.push(write::json_file(
                    &root,
                    &format!("{bucket}.bucket-policy.json"),
                    &serde_json::json!({ "Policy": policy }),
                )?);
            }
        }
        files.push(write::json_file(&root, "s3.json", &collected.bundle)?);
        done(None, "s3", files.clone());
        Ok::<_, CollectError>(files)
    };
    let regional = regions.iter().map(|region| {
        let recorder = recorder.in_region(region);
        let place = folder(&options.output, &session.account, Some(region));
        let done = &done;
        let endpoint_url = options.endpoint_url.as_deref();
        async move {
            let (kms, kinesis, glue, ram, access_points) = futures_util::future::join5(
                crate::kms::collect(session, &recorder, region),
                crate::kinesis::collect(session, &recorder, region),
                crate::glue::collect(session, &recorder, region),
                crate::ram::collect(session, &recorder, region),
                crate::access_point::collect(session, &recorder, region, endpoint_url),
            )
            .await;
            let mut all = Vec::new();
            let mut one = |service: &str, named: Vec<(&str, serde_json::Value)>| {
                let mut files = Vec::new();
                for (name, value) in named {
                    files.push(write::json_file(&place, name, &value)?);
                }
                done(Some(region), service, files.clone());
                all.extend(files);
                Ok::<_, CollectError>(())
            };
            one(
                "kms",
                kms.map(|value| vec![("kms.json", value)])
                    .unwrap_or_default(),
            )?;
            one(
                "kinesis",
                kinesis
                    .map(|value| vec![("kinesis.json", value)])
                    .unwrap_or_default(),
            )?;
            one("glue", glue)?;
            one("ram", ram)?;
            let policy_names: Vec<String> = access_points
                .iter()
                .flat_map(|collected| &collected.policies)
                .map(|(name, _)| format!("{name}.access-point-policy.json"))
                .collect();
            let mut named = Vec::new();
            if let Some(collected) = access_points {
                named.push(("access-points.json", collected.list));
                for ((name, policy), file) in collected.policies.into_iter().zip(&policy_names) {
                    if write::plain(&name) {
                        named.push((file.as_str(), serde_json::json!({ "Policy": policy })));
                    }
                }
            }
            one("access-points", named)?;
            Ok::<_, CollectError>(all)
        }
    });
    let (iam, s3, regional) = futures_util::future::join3(iam, s3, join_all(regional)).await;
    let mut files = iam?.len() + s3?.len();
    for result in regional {
        files += result?.len();
    }
    let gaps = recorder.gaps();
    if !gaps.is_empty() {
        write::gaps(&root, &gaps)?;
        files += 1;
    }
    let elapsed = started.elapsed();
    progress.account_finished(&session.account, elapsed);
    Ok((
        AccountSummary {
            account: session.account.clone(),
            source: session.source.clone(),
            calls: recorder.calls(),
            files,
            elapsed,
        },
        gaps,
    ))
}
