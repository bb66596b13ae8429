//! Applying a plan to a copy of the world and running the intent there: the plan stands only
//! when its own checks pass, and keeps only the changes without which they fail.

use crate::generate::{candidates, Change, Context, Document};
use std::collections::BTreeMap;
use xacct_paths::check::{check_compute, run_expectation, ComputeCheck, ExpectationResult};
use xacct_paths::fix::{apply, Fix, Target};
use xacct_paths::{resolve, AssumeOptions, TrustIndex};
use xacct_policy::{parse_policy, AccountId, PolicyKind};
use xacct_world::model::{Intent, IntentTarget, Origin, Role, Route};
use xacct_world::{Expectation, Principal, World};

/// A proven plan: of one intent ([`plan`]), or of every intent of a scenario together
/// ([`crate::merge::plan_all`]).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The intents the plan sets up.
    pub intents: Vec<Intent>,
    /// The necessary changes, in the order they apply, each once.
    pub changes: Vec<Change>,
    /// The roles the plan creates, each once (account, ARN).
    pub created_roles: Vec<(AccountId, String)>,
    /// The intent's checks, as expectations.
    pub checks: Vec<Expectation>,
    /// The checks on the world with the changes applied; all pass.
    pub proof: Vec<ExpectationResult>,
    /// Candidates left out because the scenario already allows what they would.
    pub already_allowed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The intent names something the plan cannot set up yet.
    #[error("cannot plan this intent: {0}")]
    Unsupported(String),
    /// Even with every candidate change, the intent's checks fail (an SCP, an explicit deny).
    #[error("the plan would not work, so none is given: {}", .0.join("; "))]
    Unproven(Vec<String>),
}

fn role_name_for(intent: &Intent, caller: &str) -> String {
    if let Some(name) = &intent.role_name {
        return name.clone();
    }
    if let Some(credential) = &intent.credential {
        return role_name(&format!("xacct-uc-{credential}"));
    }
    let data = match &intent.target {
        IntentTarget::S3 { bucket, .. } => bucket.clone(),
        IntentTarget::Stream { arn } => arn.rsplit('/').next().unwrap_or("stream").to_owned(),
        IntentTarget::Table {
            database, table, ..
        } => format!("{database}-{table}"),
    };
    let caller = caller.rsplit('/').next().unwrap_or("caller");
    role_name(&format!("xacct-{caller}-{data}"))
}

/// A role name IAM takes from any text: characters it refuses become `-`, cut at 64.
pub(crate) fn role_name(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(64);
    name
}

/// Adds one change to `world`.
fn apply_change(world: &mut World, change: &Change) -> Result<(), String> {
    let target = match &change.document {
        Document::Trust { role } => Target::TrustPolicy { role: role.clone() },
        Document::RolePolicy { role, .. } => Target::IdentityPolicy {
            principal: role.clone(),
        },
        Document::BucketPolicy { bucket } => Target::BucketPolicy {
            bucket: bucket.clone(),
        },
        Document::AccessPoint { name, bucket } => {
            let region = world.buckets.get(bucket).map_or_else(
                || "us-east-1".to_owned(),
                |found| found.region_or_default().to_owned(),
            );
            let access_point = xacct_world::access_point::AccessPoint {
                name: name.clone(),
                account: change.account,
                region,
                bucket: bucket.clone(),
                policy: None,
                network_origin: xacct_world::access_point::NetworkOrigin::Internet,
                block_public_access: xacct_s3::BlockPublicAccess::ALL,
                alias: None,
                origin: Origin::default(),
            };
            world.access_points.insert(access_point.arn(), access_point);
            return Ok(());
        }
        Document::AccessPointPolicy { access_point } => Target::AccessPointPolicy {
            access_point: access_point.clone(),
        },
        Document::KeyPolicy { key } => Target::KeyPolicy { key: key.clone() },
        Document::StreamPolicy { stream } => Target::StreamPolicy {
            stream: stream.clone(),
        },
        Document::ClientSettings { .. } | Document::UnityCatalog { .. } => return Ok(()),
        Document::ResourceLink { name } => {
            let target = change
                .content
                .get("TargetDatabase")
                .and_then(|target| {
                    Some((
                        target
                            .get("CatalogId")?
                            .as_str()?
                            .parse::<AccountId>()
                            .ok()?,
                        target.get("DatabaseName")?.as_str()?.to_owned(),
                    ))
                })
                .ok_or_else(|| "a resource link without its target".to_owned())?;
            let catalog = world
                .lake
                .catalogs
                .entry((change.account, "us-east-1".to_owned()))
                .or_insert_with(|| xacct_lake::Catalog {
                    account: change.account,
                    region: "us-east-1".to_owned(),
                    admins: Vec::new(),
                    iam_allowed_by_default: true,
                    databases: BTreeMap::new(),
                    tables: BTreeMap::new(),
                    locations: Vec::new(),
                });
            let iam_allowed_principals = catalog.iam_allowed_by_default;
            catalog.databases.insert(
                name.clone(),
                xacct_lake::Database {
                    name: name.clone(),
                    target: Some(target),
                    iam_allowed_principals,
                },
            );
            return Ok(());
        }
        Document::LakeSettings { region } => {
            let settings = &mut world
                .lake
                .governance
                .entry((change.account, region.clone()))
                .or_default()
                .external_engines;
            for found in xacct_lake::SettingsChange::from_settings_json(&change.content) {
                found.apply(settings);
            }
            return Ok(());
        }
        Document::LakeGrants => {
            let body = &change.content;
            let text = |value: Option<&serde_json::Value>| {
                value.and_then(serde_json::Value::as_str).map(str::to_owned)
            };
            let principal = text(body.pointer("/Principal/DataLakePrincipalIdentifier"))
                .ok_or_else(|| "a grant without its principal".to_owned())?;
            let permission = text(body.pointer("/Permissions/0"))
                .ok_or_else(|| "a grant without its permission".to_owned())?;
            let resource = body
                .get("Resource")
                .map(serde_json::Value::to_string)
                .ok_or_else(|| "a grant without its resource".to_owned())?;
            Target::LakeGrant {
                grantor: change.account.to_string(),
                principal,
                resource,
                permission,
                grantable: body.get("PermissionsWithGrantOption").is_some(),
            }
        }
    };
    let fix = Fix {
        target,
        account: change.account.to_string(),
        summary: change.why.clone(),
        statement: Some(change.content.clone()),
    };
    apply(world, &mut AssumeOptions::default(), &fix)
}

/// The world with the roles to create (without statements) and the changes applied.
pub(crate) fn applied(
    world: &World,
    created: &[(AccountId, String)],
    changes: &[Change],
) -> Result<World, String> {
    let mut world = world.clone();
    for (account, arn) in created {
        let empty = parse_policy(
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            PolicyKind::Trust,
        );
        world.roles.insert(
            arn.clone(),
            Box::new(Role {
                arn: arn.clone(),
                account: *account,
                name: arn.rsplit('/').next().unwrap_or_default().to_owned(),
                path: "/".to_owned(),
                trust: xacct_eval::SourcedPolicy::new(
                    empty.policy,
                    format!("trust policy of {arn} (planned)"),
                ),
                policies: Vec::new(),
                boundary: None,
                tags: xacct_world::Tags::new(),
                max_session_duration: 3600,
                service_linked: false,
                origin: Origin::default(),
            }),
        );
    }
    for change in changes {
        apply_change(&mut world, change)?;
    }
    Ok(world)
}

/// The intent's own checks, as expectations.
pub(crate) fn expectations(
    intent: &Intent,
    context: &Context<'_>,
    acl_required: bool,
) -> Vec<Expectation> {
    if intent.route == Route::UnityCatalog {
        return crate::unity_catalog::expectations(intent, context);
    }
    let via = match intent.route {
        Route::AssumeRole => vec![context.target_role.clone()],
        _ => Vec::new(),
    };
    let external_ids: BTreeMap<String, String> = intent
        .external_id
        .iter()
        .map(|id| (context.target_role.clone(), id.clone()))
        .collect();
    let base = |name: String,
                actions: Vec<&str>,
                resource: String,
                context: Vec<(String, xacct_eval::ContextValue)>,
                allow: bool| Expectation {
        via: via.clone(),
        context,
        allow,
        external_ids: external_ids.clone(),
        origin: intent.origin.clone(),
        ..Expectation::new(
            name,
            intent.from.clone(),
            actions.into_iter().map(str::to_owned).collect(),
            vec![resource],
        )
    };
    let single = |text: &str| xacct_eval::ContextValue::Single(text.to_owned());
    match &intent.target {
        IntentTarget::S3 { bucket, prefix } => {
            // The access-point route asks through the planned access point.
            let (bucket_arn, objects) = if intent.route == Route::AccessPoint {
                let (_, arn) = crate::generate::planned_access_point(context, bucket);
                (arn.clone(), format!("{arn}/object/"))
            } else {
                (
                    format!("arn:aws:s3:::{bucket}"),
                    format!("arn:aws:s3:::{bucket}/"),
                )
            };
            let mut out = vec![base(
                format!("{}: list s3://{bucket}/{prefix}", intent.name),
                vec!["s3:ListBucket"],
                bucket_arn,
                vec![("s3:prefix".to_owned(), single(prefix))],
                true,
            )];
            let object = format!("{objects}{prefix}xacct-plan-object");
            let mut actions = vec!["s3:GetObject"];
            if intent.write {
                actions.extend(["s3:PutObject", "s3:DeleteObject"]);
            }
            // The canned ACL the client already sends, or the one the plan requires.
            let sent = intent
                .from
                .strip_prefix("compute:")
                .and_then(|name| context.world.compute.get(name))
                .and_then(|compute| xacct_paths::binding::binding(compute, &object))
                .and_then(Result::ok)
                .and_then(|bound| bound.canned_acl);
            let acl = match (sent, acl_required) {
                (_, true) => vec![(
                    "s3:x-amz-acl".to_owned(),
                    single("bucket-owner-full-control"),
                )],
                (Some(header), false) if intent.write => {
                    vec![("s3:x-amz-acl".to_owned(), single(&header))]
                }
                _ => Vec::new(),
            };
            out.push(base(
                format!("{}: objects under s3://{bucket}/{prefix}", intent.name),
                actions,
                object.clone(),
                acl,
                true,
            ));
            if acl_required {
                out.push(base(
                    format!("{}: a write that keeps ownership is refused", intent.name),
                    vec!["s3:PutObject"],
                    object,
                    Vec::new(),
                    false,
                ));
            }
            out
        }
        IntentTarget::Stream { arn } => {
            let mut actions = vec!["kinesis:DescribeStream", "kinesis:ListShards"];
            if intent.read {
                actions.extend(["kinesis:GetShardIterator", "kinesis:GetRecords"]);
            }
            if intent.write {
                actions.extend(["kinesis:PutRecord", "kinesis:PutRecords"]);
            }
            vec![base(
                format!("{}: use {arn}", intent.name),
                actions,
                arn.clone(),
                Vec::new(),
                true,
            )]
        }
        IntentTarget::Table {
            catalog,
            database,
            table,
        } => {
            let name = if *catalog == context.caller_account {
                format!("{database}.{table}")
            } else {
                format!(
                    "{}.{table}",
                    intent
                        .link
                        .clone()
                        .unwrap_or_else(|| format!("{database}_link"))
                )
            };
            let mut read = base(
                format!("{}: read {name}", intent.name),
                Vec::new(),
                String::new(),
                Vec::new(),
                true,
            );
            read.resources = Vec::new();
            read.read_tables = vec![name];
            vec![read]
        }
    }
}

/// The checks of the compute the intent runs on (its role's trust of EC2, PassRole).
pub(crate) fn compute_checks(world: &World, intent: &Intent) -> Vec<ComputeCheck> {
    let Some(name) = intent.from.strip_prefix("compute:") else {
        return Vec::new();
    };
    check_compute(world)
        .into_iter()
        .filter(|check| check.compute == name)
        .collect()
}

pub(crate) fn run(world: &World, expectations: &[Expectation]) -> Vec<ExpectationResult> {
    let index = TrustIndex::new(world);
    expectations
        .iter()
        .map(|expectation| run_expectation(world, &index, expectation))
        .collect()
}

fn holds(
    world: &World,
    intents: &[Intent],
    created: &[(AccountId, String)],
    changes: &[Change],
    expectations: &[Expectation],
) -> bool {
    applied(world, created, changes)
        .map(|world| {
            run(&world, expectations)
                .iter()
                .all(ExpectationResult::passed)
                && intents.iter().all(|intent| {
                    compute_checks(&world, intent)
                        .iter()
                        .all(ComputeCheck::passed)
                })
        })
        .unwrap_or(false)
}

/// What planning and checking an intent share: who calls, what is read, the roles to create
/// and the intent's own checks.
struct Prepared<'a> {
    context: Context<'a>,
    created: Vec<(AccountId, String)>,
    expectations: Vec<Expectation>,
}

/// The intent's own checks on `world` as it stands: the same expectations the plan proves
/// itself with, so that `xacct check` and `xacct plan` share one definition of "the intent
/// holds".
pub fn intent_checks(world: &World, intent: &Intent) -> Result<Vec<Expectation>, PlanError> {
    prepare(world, intent).map(|prepared| prepared.expectations)
}

/// Whether the intent already holds in `world`: its checks, and the checks of the compute it
/// runs on. The results are those of the intent's checks, in order.
pub fn intent_holds(
    world: &World,
    intent: &Intent,
) -> Result<(bool, Vec<ExpectationResult>), PlanError> {
    let expectations = intent_checks(world, intent)?;
    let results = run(world, &expectations);
    let holds = results.iter().all(ExpectationResult::passed)
        && compute_checks(world, intent)
            .iter()
            .all(ComputeCheck::passed);
    Ok((holds, results))
}

fn prepare<'a>(world: &'a World, intent: &'a Intent) -> Result<Prepared<'a>, PlanError> {
    let table = matches!(intent.target, IntentTarget::Table { .. });
    if table != (intent.route == Route::LakeFormation) {
        return Err(PlanError::Unsupported(
            "a Glue table is shared with `route = \"lake-formation\"`, and that route is for Glue tables only".to_owned(),
        ));
    }
    let start = resolve(world, &intent.from)
        .map_err(|error| PlanError::Unsupported(format!("`{}` does not resolve", error.0)))?;
    let Principal::Role(host_role) = &start.session.principal else {
        return Err(PlanError::Unsupported(
            "the compute must run as a role".to_owned(),
        ));
    };
    // An EMR step with a runtime role reaches S3, Glue and Lake Formation as that role only:
    // it is the caller the documents are for (the host role's part is the compute's checks).
    // <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
    let runtime_role = intent
        .from
        .strip_prefix("compute:")
        .and_then(|name| world.compute.get(name))
        .and_then(|compute| compute.settings.runtime_role.as_ref())
        .map(|role| role.value.to_string());
    let caller_role = runtime_role.as_ref().unwrap_or(host_role);
    let caller_principal = Principal::Role(caller_role.clone());
    let caller_account = world.principal_account(&caller_principal).ok_or_else(|| {
        PlanError::Unsupported(format!("role {caller_role} is not in the scenario"))
    })?;
    let data_account = match &intent.target {
        IntentTarget::S3 { bucket, .. } => world.buckets.get(bucket).map(|found| found.account),
        IntentTarget::Stream { arn } => world.streams.get(arn).map(|found| found.account),
        IntentTarget::Table { catalog, .. } => Some(*catalog),
    }
    .ok_or_else(|| PlanError::Unsupported("the target is not in the scenario".to_owned()))?;
    if intent.route == Route::AccessPoint && !matches!(intent.target, IntentTarget::S3 { .. }) {
        return Err(PlanError::Unsupported(
            "`route = \"access-point\"` is for s3:// targets".to_owned(),
        ));
    }
    if matches!(intent.route, Route::ResourcePolicy | Route::AccessPoint)
        && matches!(intent.target, IntentTarget::S3 { .. })
        && intent.external_id.is_some()
    {
        return Err(PlanError::Unsupported(
            "an external id only applies to the assume-role route".to_owned(),
        ));
    }
    // Spark's S3 clients assume roles from their settings, which have no place for an external
    // id (the Databricks S3A keys, EMRFS role mappings): a trust that asks for one would lock
    // the cluster out.
    let spark_client = intent
        .engine
        .as_deref()
        .is_some_and(|engine| engine != "glue-job")
        || intent
            .from
            .strip_prefix("compute:")
            .and_then(|name| world.compute.get(name))
            .is_some_and(|compute| {
                compute.settings.databricks.is_some() || compute.settings.emr.is_some()
            });
    if intent.external_id.is_some()
        && spark_client
        && matches!(intent.target, IntentTarget::S3 { .. })
    {
        return Err(PlanError::Unsupported(
            "Spark's S3 clients (S3A, EMRFS) cannot pass an external id when they assume a role: leave `external_id` out for S3 targets".to_owned(),
        ));
    }
    // Role names are unique in an account whatever their path, and regardless of case: a role
    // of that name already there is the one to extend (creating another would fail).
    let wanted = role_name_for(intent, caller_role);
    let target_role = world
        .roles
        .values()
        .find(|role| role.account == data_account && role.name.eq_ignore_ascii_case(&wanted))
        .map_or_else(
            || format!("arn:aws:iam::{data_account}:role/{wanted}"),
            |role| role.arn.clone(),
        );
    // A Unity Catalog credential the scenario declares keeps its role, wherever it is.
    let declared_role = intent
        .credential
        .as_ref()
        .and_then(|name| world.unity_catalog.credentials.get(name))
        .and_then(|credential| world.roles.get(&credential.role));
    let (target_role, role_account) = declared_role.map_or((target_role, data_account), |role| {
        (role.arn.clone(), role.account)
    });
    let compute = intent.from.strip_prefix("compute:").map(str::to_owned);
    let context = Context {
        world,
        intent,
        caller_role: caller_role.clone(),
        caller_account,
        target_role: target_role.clone(),
        role_account,
        data_account,
        compute,
    };
    let created: Vec<(AccountId, String)> =
        (matches!(intent.route, Route::AssumeRole | Route::UnityCatalog)
            && !world.roles.contains_key(&target_role))
        .then(|| (role_account, target_role.clone()))
        .into_iter()
        .collect();
    // Writes from another account into a bucket with ACLs enabled must carry
    // bucket-owner-full-control, and the bucket policy makes sure of it.
    let writer_account = match intent.route {
        Route::AssumeRole | Route::UnityCatalog => role_account,
        _ => caller_account,
    };
    let acl_required = intent.write
        && writer_account != data_account
        && matches!(&intent.target, IntentTarget::S3 { bucket, .. } if world.buckets.get(bucket).is_some_and(|found| found.ownership.acls_enabled()));
    let expectations = expectations(intent, &context, acl_required);
    Ok(Prepared {
        context,
        created,
        expectations,
    })
}

/// Plans one intent: candidates, proof, and the necessary subset.
pub fn plan(world: &World, intent: &Intent) -> Result<Plan, PlanError> {
    let Prepared {
        context,
        created,
        expectations,
    } = prepare(world, intent)?;
    let all = candidates(&context);
    let full = applied(world, &created, &all).map_err(|error| PlanError::Unproven(vec![error]))?;
    let proof = run(&full, &expectations);
    let compute_failures: Vec<String> = compute_checks(&full, intent)
        .into_iter()
        .filter(|check| !check.passed())
        .map(|check| format!("compute {}: {} does not hold", check.compute, check.what))
        .collect();
    if !proof.iter().all(ExpectationResult::passed) || !compute_failures.is_empty() {
        let reasons = proof
            .iter()
            .filter(|result| !result.passed())
            .flat_map(|result| {
                result.failing_cases().into_iter().map(|case| {
                    format!(
                        "{} on {} stays denied{}{}",
                        case.action,
                        case.resource,
                        case.outcome
                            .error
                            .as_ref()
                            .map(|error| format!(" ({error})"))
                            .unwrap_or_default(),
                        // The policies may allow it and another gate refuse (Lake Formation).
                        case.refusal
                            .as_ref()
                            .map(|refusal| format!(": {refusal}"))
                            .unwrap_or_default()
                    )
                })
            })
            .chain(compute_failures)
            .collect();
        return Err(PlanError::Unproven(reasons));
    }
    // Keep a change only when the checks fail without it.
    let mut kept = all.clone();
    let mut index = 0;
    let mut dropped = 0;
    while index < kept.len() {
        // Settings and Databricks objects are outside what the engine proves: kept.
        let is_setting = matches!(
            kept.get(index).map(|change| &change.document),
            Some(Document::ClientSettings { .. } | Document::UnityCatalog { .. })
        );
        if is_setting {
            index += 1;
            continue;
        }
        let mut without = kept.clone();
        without.remove(index);
        if holds(
            world,
            std::slice::from_ref(intent),
            &created,
            &without,
            &expectations,
        ) {
            kept = without;
            dropped += 1;
        } else {
            index += 1;
        }
    }
    let final_world =
        applied(world, &created, &kept).map_err(|error| PlanError::Unproven(vec![error]))?;
    let proof = run(&final_world, &expectations);
    Ok(Plan {
        intents: vec![intent.clone()],
        changes: kept,
        created_roles: created,
        checks: expectations,
        proof,
        already_allowed: dropped,
    })
}

/// The intent's checks with one change left out, for the necessity test.
pub fn holds_without(world: &World, plan: &Plan, left_out: usize) -> bool {
    let mut changes = plan.changes.clone();
    if left_out < changes.len() {
        changes.remove(left_out);
    }
    holds(
        world,
        &plan.intents,
        &plan.created_roles,
        &changes,
        &plan.checks,
    )
}

/// The world as it will be once the plan is applied (roles created, every change made): what
/// `xacct check` will see after the user runs the plan.
pub fn applied_world(world: &World, plan: &Plan) -> Result<World, String> {
    applied(world, &plan.created_roles, &plan.changes)
}
