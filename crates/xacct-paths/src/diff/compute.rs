//! Computes as readers of table data. Whether Lake Formation vends credentials for a table's
//! registered location depends on who asks, not only on the role: an EMR cluster that
//! integrates Lake Formation gets them only where the data lake settings admit engines outside
//! AWS's analytics services, while the same runtime role used from Athena gets them regardless
//! (<https://docs.aws.amazon.com/lake-formation/latest/dg/using-cred-vending.html>). The
//! principal questions cannot see that difference, so every compute entry that asks Lake
//! Formation for credentials is asked, for every table with a registered location, the whole
//! read `check` decides for it: the Glue calls, both gates, and the vended data.
//!
//! A compute that reads with its own S3 access (Databricks, EMR without Lake Formation) is
//! not asked for tables: the bucket and prefix questions of its roles answer for it.
//!
//! A compute whose own settings changed (its instance profile, a mount's or the S3A
//! settings' role, its EMRFS role mappings, its runtime role; or the compute added or
//! removed) reaches the data through other roles while no principal's documents changed, so
//! such a compute is also asked every other question of the diff, as `check` decides a
//! request from it: through the route its settings give for that data, else any chain from
//! the role it starts as.

use super::questions::{Group, Question, Subject};
use crate::assume::allowed_by;
use crate::check::run_expectation_with_depth;
use crate::index::TrustIndex;
use crate::table::{engine_of, Engine};
use crate::who_can::{Kind, Reach};
use std::collections::{BTreeMap, BTreeSet};
use xacct_lake::Permission;
use xacct_world::{Expectation, World};

/// The action a compute's table question names: the call that hands it the data.
pub const DATA_ACTION: &str = "lakeformation:GetDataAccess";

/// The principal a compute stands as in a diff (`compute:NAME`, as expectations name it).
pub fn principal_of(name: &str) -> String {
    format!("compute:{name}")
}

/// One question per table either world holds with a registered location: who reads its data
/// through credentials Lake Formation vends.
pub fn questions(before: &World, after: &World, asked: &[Question]) -> Vec<Question> {
    let tables: BTreeSet<&Subject> = asked
        .iter()
        .map(|question| &question.subject)
        .filter(|subject| {
            subject.table().is_some_and(|table| {
                [before, after]
                    .iter()
                    .any(|world| world.lake.registered_location(&table).is_some())
            })
        })
        .collect();
    tables
        .into_iter()
        .filter_map(|subject| {
            let table = subject.table()?;
            Some(Question {
                subject: subject.clone(),
                group: Group::Read,
                action: DATA_ACTION.to_owned(),
                resource: table.table_arn(),
                lake: vec![Permission::Select],
            })
        })
        .collect()
}

/// The computes whose own settings changed between the two worlds, by name.
pub fn changed(documents: &[super::Document]) -> BTreeSet<String> {
    documents
        .iter()
        .flat_map(|document| &document.affects)
        .filter_map(|affects| match affects {
            super::Affects::Compute { name } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Whether `name`, a compute of `world`, can make `question`'s request, and through which
/// roles: as `check` decides an expectation from it (the route its settings give, else any
/// chain from its starting role), for the questions on buckets, keys and streams. Empty when
/// the world does not hold the compute or the resource.
pub fn answer_request(
    world: &World,
    index: &TrustIndex,
    name: &str,
    question: &Question,
    max_depth: usize,
) -> BTreeMap<String, Reach> {
    let mut out = BTreeMap::new();
    if question.subject.table().is_some()
        || !world.compute.contains_key(name)
        || !question.subject.exists_in(world)
    {
        return out;
    }
    let from = principal_of(name);
    let expectation = Expectation::new(
        format!("{from} {} {}", question.action, question.resource),
        from.clone(),
        vec![question.action.clone()],
        vec![question.resource.clone()],
    );
    let result = run_expectation_with_depth(world, index, &expectation, max_depth);
    let Some(primary) = result.cases.first() else {
        return out;
    };
    if result.passed() {
        out.insert(from.clone(), reach_of(from, primary));
    }
    out
}

/// A compute's reach, from the case that decided its request.
fn reach_of(from: String, case: &crate::check::Case) -> Reach {
    let path = &case.outcome.path;
    Reach {
        principal: from,
        kind: Kind::Compute,
        role: Some(path.start.principal.arn().to_owned()),
        chain: path.hops.iter().map(|hop| hop.to.clone()).collect(),
        external_ids: BTreeMap::new(),
        allowed_by: path.last.as_ref().map(allowed_by).unwrap_or_default(),
        session_names: BTreeMap::new(),
        through: Vec::new(),
        access_point: None,
    }
}

/// The computes of `world` that read `question`'s table through vended credentials, by
/// principal (`compute:NAME`).
pub fn answer(
    world: &World,
    index: &TrustIndex,
    question: &Question,
    max_depth: usize,
) -> BTreeMap<String, Reach> {
    let mut out = BTreeMap::new();
    let Some(table) = question.subject.table() else {
        return out;
    };
    if world.lake.table(&table).is_none() || world.lake.registered_location(&table).is_none() {
        return out;
    }
    for compute in world.compute.values() {
        let from = principal_of(&compute.name);
        if matches!(engine_of(world, &from), Engine::OwnAccess { .. }) {
            continue;
        }
        let expectation = Expectation {
            read_tables: vec![format!(
                "{}:{}.{}",
                table.account, table.database, table.table
            )],
            region: table.region.clone(),
            ..Expectation::new(
                format!("{from} reads {}", question.resource),
                from.clone(),
                Vec::new(),
                Vec::new(),
            )
        };
        let result = run_expectation_with_depth(world, index, &expectation, max_depth);
        // Read through vended credentials only: a table Lake Formation leaves to IAM for this
        // reader is read with its own S3 access, which the bucket questions answer.
        let Some(data) = result.cases.iter().find(|case| case.action == DATA_ACTION) else {
            continue;
        };
        if !result.passed() {
            continue;
        }
        out.insert(from.clone(), reach_of(from, data));
    }
    out
}
