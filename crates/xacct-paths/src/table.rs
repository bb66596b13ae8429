//! Reading a table through the Data Catalog: every Glue call the engine makes, each through
//! both gates (IAM, decided by the engine; Lake Formation, decided by `xacct_lake`), through
//! resource links and across accounts, then the data itself (credentials vended by Lake
//! Formation for a registered location, or the job role's own S3 access).
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-glue-apis.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html>

use crate::check::{Case, DEFAULT_DEPTH};
use crate::fix::{suggest, Fix, Target};
use crate::index::TrustIndex;
use crate::search::{find, AssumeOptions, Outcome, Query};
use xacct_lake::{Permission, ShareState, TableRef, Verdict};
use xacct_world::{Expectation, Session, World};

/// The Lake Formation permission a call needs, on what.
#[derive(Debug, Clone)]
pub struct LakeNeed {
    pub target: xacct_lake::Target,
    pub any_of: Vec<Permission>,
    /// For reading the data: the columns the query selects, each decided on its own (LF-Tags,
    /// filters and column lists give columns, not tables). The table as a whole when empty.
    pub columns: Vec<String>,
}

/// One call of the engine: an IAM action on an ARN, and the Lake Formation permission it needs.
/// `xacct serve` answers the same calls with the same list, so that a served Glue request is
/// decided exactly as `xacct check` decides the read.
#[derive(Debug, Clone)]
pub struct Call {
    pub action: &'static str,
    pub resource: String,
    pub why: String,
    pub lake: Option<LakeNeed>,
}

fn database_target(table: &TableRef) -> xacct_lake::Target {
    xacct_lake::Target::Database {
        account: table.account,
        region: table.region.clone(),
        name: table.database.clone(),
    }
}

/// Any permission on a table lets its metadata be read (`GetTable`).
const ANY_TABLE_PERMISSION: [Permission; 6] = [
    Permission::Describe,
    Permission::Select,
    Permission::Alter,
    Permission::Insert,
    Permission::Delete,
    Permission::Drop,
];

/// The calls `GetTable`-style requests make on a table's three ARNs: a table request is
/// authorized on the catalog, the database and the table together (semantics.md 7.1).
fn three_arns(
    calls: &mut Vec<Call>,
    action: &'static str,
    table: &TableRef,
    why: &str,
    lake: Option<LakeNeed>,
) {
    for resource in [table.catalog_arn(), table.database_arn()] {
        calls.push(Call {
            action,
            resource,
            why: why.to_owned(),
            lake: None,
        });
    }
    calls.push(Call {
        action,
        resource: table.table_arn(),
        why: why.to_owned(),
        lake,
    });
}

/// `glue:GetDatabase` on the catalog and the database of `database` (its table is not read),
/// the database needing DESCRIBE in Lake Formation.
pub fn database_calls(database: &TableRef, why: &str) -> Vec<Call> {
    [database.catalog_arn(), database.database_arn()]
        .into_iter()
        .map(|resource| {
            let lake = resource
                .ends_with(&format!("database/{}", database.database))
                .then(|| LakeNeed {
                    target: database_target(database),
                    any_of: vec![Permission::Describe],
                    columns: Vec::new(),
                });
            Call {
                action: "glue:GetDatabase",
                resource,
                why: why.to_owned(),
                lake,
            }
        })
        .collect()
}

/// Every call reading `object` makes, in the order an engine makes them: through the resource
/// link (if any) to the target's database, table and partitions.
pub fn calls_for(object: &xacct_lake::CatalogObject, columns: &[String]) -> Vec<Call> {
    let mut calls = Vec::new();
    let target = &object.target;
    if let Some(link) = &object.database_link {
        calls.extend(database_calls(
            link,
            &format!("the engine opens the resource link `{}`", link.database),
        ));
        three_arns(
            &mut calls,
            "glue:GetTable",
            link,
            &format!(
                "the engine asks for `{}.{}` through the link",
                link.database, link.table
            ),
            None,
        );
    }
    if let Some(link) = &object.table_link {
        three_arns(
            &mut calls,
            "glue:GetTable",
            link,
            &format!(
                "the engine opens the table resource link `{}.{}`",
                link.database, link.table
            ),
            Some(LakeNeed {
                target: xacct_lake::Target::Table(link.clone()),
                any_of: vec![Permission::Describe],
                columns: Vec::new(),
            }),
        );
    }
    calls.extend(database_calls(
        target,
        &format!(
            "the target database `{}` of {}",
            target.database, target.account
        ),
    ));
    three_arns(
        &mut calls,
        "glue:GetTable",
        target,
        &format!("the table definition of {target}"),
        Some(LakeNeed {
            target: xacct_lake::Target::Table(target.clone()),
            any_of: ANY_TABLE_PERMISSION.to_vec(),
            columns: Vec::new(),
        }),
    );
    three_arns(
        &mut calls,
        "glue:GetPartitions",
        target,
        &format!("the partitions of {target}, to read its data"),
        Some(LakeNeed {
            target: xacct_lake::Target::Table(target.clone()),
            any_of: vec![Permission::Select],
            columns: columns.to_vec(),
        }),
    );
    calls
}

/// A case that could not be asked: the name does not resolve.
fn error_case(start: &Session, name: &str, message: String) -> Case {
    let mut case = Case::new(
        "glue:GetTable".to_owned(),
        name.to_owned(),
        Outcome::unanswered(start.clone(), message),
    );
    case.note = Some(format!("reading table `{name}`"));
    case
}

/// Accepting a pending RAM invitation, in the consumer account's terms.
fn accept_fix(state: &ShareState) -> Option<Fix> {
    let ShareState::Pending { account, share, .. } = state else {
        return None;
    };
    let command = state.accept_command()?;
    Some(Fix {
        target: Target::AcceptShare {
            share: share.clone(),
            account: account.to_string(),
        },
        account: account.to_string(),
        summary: format!("accept the RAM share invitation in {account}: `{command}`"),
        statement: None,
    })
}

/// The missing Lake Formation grants, in the granting account's terms.
fn grant_fixes(missing: &[xacct_lake::MissingGrant]) -> impl Iterator<Item = Fix> + '_ {
    missing.iter().map(|grant| Fix {
        target: Target::LakeGrant {
            grantor: grant.grantor.to_string(),
            principal: grant.principal.identifier(),
            resource: grant.resource.to_json().to_string(),
            permission: grant.permission.name().to_owned(),
            grantable: grant.grantable,
        },
        account: grant.grantor.to_string(),
        summary: format!(
            "grant in Lake Formation of {}: `{}`",
            grant.grantor,
            grant.cli()
        ),
        statement: Some(grant.to_json()),
    })
}

/// The session of the runtime role an EMR compute's steps run with, when the expectation
/// starts from such a compute.
fn runtime_session(world: &World, expectation: &Expectation) -> Option<Session> {
    let compute = world
        .compute
        .get(expectation.from.strip_prefix("compute:")?)?;
    let role = compute.settings.runtime_role.as_ref()?;
    Some(Session::of(xacct_world::Principal::Role(
        role.value.to_string(),
    )))
}

/// The chain to the runtime role, when the reader is an EMR step with one: the instance
/// profile's role assumes it for every request.
fn via_runtime(runtime: Option<&Session>) -> Vec<String> {
    runtime
        .into_iter()
        .map(|session| session.principal.arn().to_owned())
        .collect()
}

/// Whether an ARN is of `account`.
pub fn on_account(arn: &str, account: xacct_policy::AccountId) -> bool {
    arn.split(':')
        .nth(4)
        .is_some_and(|found| found == account.to_string())
}

/// The request context a catalog call adds: `glue:EvaluatedByLakeFormationTags` is true on the
/// owner's resources when Lake Formation decides them by LF-Tags for the reader's account
/// (under cross-account versions 1 and 2 a table shared by LF-Tags reaches the reader through
/// the owner's catalog policy, on that condition).
/// <https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-share-prerequisistes.html>
pub fn catalog_call_context(
    world: &World,
    requester: &xacct_lake::Requester,
    object: &xacct_lake::CatalogObject,
    resource: &str,
) -> Vec<(String, xacct_eval::ContextValue)> {
    let owner = object.target.account;
    let by_tags = owner != requester.account
        && on_account(resource, owner)
        && world.lake.evaluated_by_tags(requester, &object.target);
    if by_tags {
        vec![(
            "glue:EvaluatedByLakeFormationTags".to_owned(),
            xacct_eval::ContextValue::Single("true".to_owned()),
        )]
    } else {
        Vec::new()
    }
}

/// The Lake Formation verdicts of a need: on its target, or on each column it selects.
pub fn lake_verdicts(
    world: &World,
    requester: &xacct_lake::Requester,
    need: &LakeNeed,
) -> Vec<(xacct_lake::Target, Verdict)> {
    let xacct_lake::Target::Table(table) = &need.target else {
        return vec![(
            need.target.clone(),
            world.lake.permits(requester, &need.target, &need.any_of),
        )];
    };
    if need.columns.is_empty() {
        return vec![(
            need.target.clone(),
            world.lake.permits(requester, &need.target, &need.any_of),
        )];
    }
    need.columns
        .iter()
        .map(|column| {
            let target = xacct_lake::Target::Column {
                table: table.clone(),
                column: column.clone(),
            };
            let verdict = world.lake.permits(requester, &target, &need.any_of);
            (target, verdict)
        })
        .collect()
}

/// A change other than a grant (an LF-Tag assignment, a cross-account version), as a fix.
fn remedy_fix(remedy: &xacct_lake::Remedy) -> Fix {
    let account = remedy.account().to_string();
    let (target, summary) = match remedy {
        xacct_lake::Remedy::AssignTag(assignment) => (
            Target::LakeTagAssignment(assignment.clone()),
            format!(
                "assign LF-Tag {}={} to {} in {}: `{}`",
                assignment.key,
                assignment.value,
                assignment.place(),
                assignment.account,
                remedy.cli()
            ),
        ),
        xacct_lake::Remedy::CrossAccountVersion {
            account: owner,
            region,
            from,
            to,
        } => (
            Target::CrossAccountVersion {
                account: owner.to_string(),
                region: region.clone(),
                version: *to,
            },
            format!(
                "raise the cross-account version of {owner} from {from} to {to}: `{}`",
                remedy.cli()
            ),
        ),
        xacct_lake::Remedy::ExternalEngines {
            account: owner,
            region,
            change,
        } => (
            Target::ExternalEngines {
                account: owner.to_string(),
                region: region.clone(),
                change: change.clone(),
            },
            format!(
                "let engines outside AWS's analytics services get credentials in the data lake settings of {owner} ({region}): `{}`",
                remedy.cli()
            ),
        ),
    };
    Fix {
        target,
        account,
        summary,
        statement: None,
    }
}

/// The cases of reading `name` (`database.table`) for an expectation.
pub fn read_table(
    world: &World,
    index: &TrustIndex,
    expectation: &Expectation,
    start: &Session,
    options: &AssumeOptions,
    name: &str,
) -> Vec<Case> {
    // `CATALOG_ID:database.table` names a table in another account's catalog directly, as an
    // engine that passes `CatalogId` does; otherwise the name is looked up in the reader's own.
    let (catalog, qualified) = match name.split_once(':') {
        Some((catalog, rest)) => match catalog.parse::<xacct_policy::AccountId>() {
            Ok(account) => (Some(account), rest),
            Err(error) => return vec![error_case(start, name, error.to_string())],
        },
        None => (None, name),
    };
    let Some((database, table)) = qualified.split_once('.') else {
        return vec![error_case(
            start,
            name,
            format!("`{name}` is not `database.table` or `CATALOG_ID:database.table`"),
        )];
    };
    // An EMR step with a runtime role reads as that role: it is the Lake Formation principal,
    // and the instance profile's role is not available to the step.
    // <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
    let runtime = runtime_session(world, expectation);
    let Some(requester) = world.lake_requester(runtime.as_ref().unwrap_or(start)) else {
        return vec![error_case(
            start,
            name,
            "the reader is not a role or user of the scenario".to_owned(),
        )];
    };
    let catalog = catalog.unwrap_or(requester.account);
    let object = match world
        .lake
        .resolve(catalog, &expectation.region, database, table)
    {
        Ok(object) => object,
        Err(error) => return vec![error_case(start, name, error.to_string())],
    };
    // Across accounts, the Glue catalog policy statements that let the reader in come from the
    // RAM share: while it is not active, accepting it is the fix for the IAM side too.
    let owner = object.target.account;
    let pending_share = (owner != requester.account)
        .then(|| {
            world
                .lake
                .share_state(owner, &requester, &object.target.database)
        })
        .filter(|state| !matches!(state, ShareState::Active { .. }));
    let mut cases = Vec::new();
    for call in calls_for(&object, &expectation.columns) {
        let query = Query {
            start: start.clone(),
            via: via_runtime(runtime.as_ref()),
            action: call.action.to_owned(),
            resource: call.resource.clone(),
            context: expectation
                .context
                .iter()
                .cloned()
                .chain(catalog_call_context(
                    world,
                    &requester,
                    &object,
                    &call.resource,
                ))
                .collect(),
            options: options.clone(),
            max_depth: 0,
        };
        let outcome = find(world, index, &query);
        let mut case = Case::new(call.action.to_owned(), call.resource.clone(), outcome);
        case.note = Some(call.why.clone());
        let mut fixes = Vec::new();
        let on_owner = on_account(&call.resource, owner);
        if expectation.allow && !case.outcome.allowed() && case.outcome.error.is_none() {
            match (&pending_share, on_owner) {
                (Some(state), true) => fixes.extend(accept_fix(state)),
                _ => match suggest(world, &case.outcome.path, options) {
                    Ok(found) => fixes.extend(found),
                    Err(reason) => case.fixes = Some(Err(reason)),
                },
            }
        }
        if let Some(need) = &call.lake {
            let mut refusals = Vec::new();
            let mut granted = Vec::new();
            for (target, verdict) in lake_verdicts(world, &requester, need) {
                match verdict {
                    Verdict::Missing {
                        reason,
                        missing,
                        remedies,
                    } => {
                        refusals.push(reason);
                        if expectation.allow {
                            // A resource of another account reaches the reader only through
                            // the share of the table's owner.
                            if target.account() != requester.account {
                                fixes.extend(pending_share.as_ref().and_then(accept_fix));
                            }
                            fixes.extend(grant_fixes(&missing));
                            fixes.extend(remedies.iter().map(remedy_fix));
                        }
                    }
                    Verdict::Granted { by } | Verdict::IamOnly { reason: by } => {
                        granted.push(if need.columns.is_empty() {
                            by
                        } else {
                            format!("{target}: {by}")
                        });
                    }
                }
            }
            if refusals.is_empty() {
                case.note = Some(format!(
                    "{}; Lake Formation: {}",
                    call.why,
                    granted.join("; ")
                ));
            } else {
                case.refusal = Some(refusals.join("; "));
            }
        }
        let mut distinct: Vec<Fix> = Vec::new();
        for fix in fixes {
            if !distinct
                .iter()
                .any(|seen| seen.target == fix.target && seen.statement == fix.statement)
            {
                distinct.push(fix);
            }
        }
        let fixes = distinct;
        if case.fixes.is_none() && (!fixes.is_empty() || (expectation.allow && !case.allowed())) {
            case.fixes = Some(Ok(fixes));
        }
        cases.push(case);
    }
    cases.extend(data_cases(
        world,
        index,
        expectation,
        (start, runtime.as_ref()),
        options,
        &requester,
        &object,
    ));
    // Every call is part of one operation, the read, which is denied when any call is: a deny
    // expectation holds when one part is refused. (An allow expectation needs every case to
    // pass either way; its cases stay primary so that each says how it was asked.)
    if !expectation.allow {
        for case in cases.iter_mut().skip(1) {
            if case.follows.is_none() {
                case.follows = Some(0);
            }
        }
    }
    cases
}

/// Whether Lake Formation gates reading `target` for the requester (not left to IAM by
/// `IAMAllowedPrincipals` or hybrid access mode).
pub fn governed(
    world: &World,
    requester: &xacct_lake::Requester,
    target: &xacct_lake::TableRef,
) -> bool {
    !matches!(
        world.lake.permits(
            requester,
            &xacct_lake::Target::Table(target.clone()),
            &[Permission::Select]
        ),
        Verdict::IamOnly { .. }
    )
}

/// The registered location Lake Formation vends credentials for when the requester reads
/// `target`: none when the location is not registered or Lake Formation leaves the table to IAM
/// (the reader then uses its own S3 access).
/// <https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html>
pub fn vended_location<'w>(
    world: &'w World,
    requester: &xacct_lake::Requester,
    target: &xacct_lake::TableRef,
) -> Option<&'w xacct_lake::Location> {
    if !governed(world, requester, target) {
        return None;
    }
    world.lake.registered_location(target)
}

/// `lakeformation:GetDataAccess` is asked on the requester's own Lake Formation catalog.
pub fn data_access_arn(requester: &xacct_lake::Requester, region: &str) -> String {
    format!(
        "arn:aws:lakeformation:{region}:{}:catalog:{}",
        requester.account, requester.account
    )
}

/// Who asks Lake Formation for the data's credentials decides whether it gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// One of AWS's analytics services (Glue ETL, Athena): a reader named by role or a Glue
    /// job. Lake Formation vends to them with no settings to turn on.
    Integrated,
    /// An EMR cluster whose security configuration integrates Lake Formation: its runtime
    /// role sessions carry `LakeFormationAuthorizedCaller` with this value, and Lake Formation
    /// vends only where the application integration settings let it.
    /// <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-lf-iam-role.html>
    External { tag: String },
    /// An engine that does not ask Lake Formation for credentials (Databricks, EMR without
    /// Lake Formation configured): it reads the table's objects with its own S3 access.
    OwnAccess { why: String },
}

/// The engine an expectation reads with.
pub fn engine(world: &World, expectation: &Expectation) -> Engine {
    engine_of(world, &expectation.from)
}

/// The engine a reader named as expectations and intents name it (`from`) reads with.
pub fn engine_of(world: &World, from: &str) -> Engine {
    let Some(compute) = from
        .strip_prefix("compute:")
        .and_then(|name| world.compute.get(name))
    else {
        return Engine::Integrated;
    };
    let settings = &compute.settings;
    if settings.glue.is_some() {
        return Engine::Integrated;
    }
    let lake_tag = settings
        .security_configuration
        .as_ref()
        .and_then(|security| security.runtime_roles.as_ref())
        .and_then(|runtime| runtime.lake_formation_tag.as_ref());
    if settings.runtime_role.is_some() {
        return match lake_tag {
            Some(tag) => Engine::External {
                tag: tag.value.clone(),
            },
            None => Engine::OwnAccess {
                why: format!("the security configuration of `{}` does not integrate Lake Formation (no `LakeFormationConfiguration`), so EMRFS reads the table's objects as the runtime role", compute.name),
            },
        };
    }
    if settings.databricks.is_some() || settings.mounts.is_some() {
        return Engine::OwnAccess {
            why: format!("`{}` is a Databricks cluster, which reads a Glue table's objects with its own S3 access (Lake Formation vends nothing to it)", compute.name),
        };
    }
    if settings.emr.is_some() || settings.security_configuration.is_some() {
        return Engine::OwnAccess {
            why: format!("`{}` is an EMR cluster without runtime roles and Lake Formation, so EMRFS reads the table's objects with the cluster's own S3 access", compute.name),
        };
    }
    Engine::Integrated
}

/// Reading the data: through credentials Lake Formation vends for a registered location
/// (`lakeformation:GetDataAccess`; the reader needs no S3 permission of its own), or with the
/// reader's own S3 access when the location is not registered or Lake Formation leaves the table
/// to IAM.
fn data_cases(
    world: &World,
    index: &TrustIndex,
    expectation: &Expectation,
    (start, runtime): (&Session, Option<&Session>),
    options: &AssumeOptions,
    requester: &xacct_lake::Requester,
    object: &xacct_lake::CatalogObject,
) -> Vec<Case> {
    let target = &object.target;
    let governed = governed(world, requester, target);
    let engine = engine(world, expectation);
    let vended = match &engine {
        Engine::OwnAccess { .. } => None,
        _ => vended_location(world, requester, target),
    };
    if let Some(location) = vended {
        let query = Query {
            start: start.clone(),
            via: via_runtime(runtime),
            action: "lakeformation:GetDataAccess".to_owned(),
            resource: data_access_arn(requester, &target.region),
            context: expectation.context.clone(),
            options: options.clone(),
            max_depth: 0,
        };
        let outcome = find(world, index, &query);
        let mut case = Case::new(query.action.clone(), query.resource.clone(), outcome);
        case.note = Some(format!(
            "{} is registered with Lake Formation: the engine asks it for credentials of {} scoped to the table",
            location.path,
            location.role.as_deref().unwrap_or("the registering role")
        ));
        if expectation.allow && !case.outcome.allowed() && case.outcome.error.is_none() {
            case.fixes = Some(suggest(world, &case.outcome.path, options));
        }
        if let Engine::External { tag } = &engine {
            match world
                .lake
                .admit_external_engine(requester, Some(tag), target)
            {
                Ok(admission) => {
                    case.note = case.note.take().map(|note| {
                        format!("{note}; Lake Formation vends to the EMR cluster: {admission}")
                    });
                }
                Err(refusal) => {
                    case.refusal = Some(refusal.reason);
                    if expectation.allow {
                        let mut fixes = match case.fixes.take() {
                            Some(Ok(fixes)) => fixes,
                            Some(Err(reason)) => {
                                case.fixes = Some(Err(reason));
                                return vec![case];
                            }
                            None => Vec::new(),
                        };
                        fixes.extend(refusal.remedies.iter().map(remedy_fix));
                        case.fixes = Some(Ok(fixes));
                    }
                }
            }
        }
        return vec![case];
    }
    let Some(location) = world
        .lake
        .table(target)
        .and_then(|table| table.location.clone())
    else {
        return Vec::new();
    };
    let Some(path) = location.strip_prefix("s3://") else {
        return Vec::new();
    };
    let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    };
    let why = if let Engine::OwnAccess { why } = &engine {
        why.clone()
    } else if governed {
        format!("{location} is not registered with Lake Formation: the job reads it with its own S3 access")
    } else {
        format!("Lake Formation leaves the table to IAM: the job reads {location} with its own S3 access")
    };
    let reads = [
        (
            "s3:ListBucket",
            format!("arn:aws:s3:::{bucket}"),
            vec![(
                "s3:prefix".to_owned(),
                xacct_eval::ContextValue::Single(prefix.clone()),
            )],
        ),
        (
            "s3:GetObject",
            format!("arn:aws:s3:::{bucket}/{prefix}part-00000.parquet"),
            Vec::new(),
        ),
    ];
    let mut cases = Vec::new();
    for (action, resource, extra) in reads {
        let mut read = expectation.clone();
        read.actions = vec![action.to_owned()];
        read.resources = vec![resource];
        read.read_tables = Vec::new();
        read.context.extend(extra);
        read.via = Vec::new();
        let result = crate::check::run_expectation_with_depth(world, index, &read, DEFAULT_DEPTH);
        let base = cases.len();
        for mut case in result.cases {
            case.follows = case.follows.map(|follows| follows + base);
            case.note = Some(match case.note.take() {
                Some(note) => format!("{why}; {note}"),
                None => why.clone(),
            });
            cases.push(case);
        }
    }
    cases
}
