//! What a change does to access: every principal that can reach the data of a world (buckets
//! and the prefixes policies name, KMS keys, streams, Glue tables) for the actions that matter
//! (read, write, list, decrypt, consume, admin), through every AssumeRole chain up to the depth
//! limit, and the access gained and lost between two worlds, with the chain and the changed
//! documents on it.
//!
//! Each question is a who-can question ([`crate::who_can()`]), so the diff of two worlds is
//! exactly the set difference of their who-can answers (for tables, who-can's IAM answer
//! gated by Lake Formation). Only the questions the changed documents can affect are asked
//! again (see `scope`); [`Options::everything`] asks every one, which the tests use to check
//! the scope leaves nothing out.
//!
//! The API takes two loaded worlds, whatever they were loaded from: two scenario folders, or
//! one scenario before and after a Terraform plan.

pub mod changes;
pub mod compute;
pub mod questions;
mod scope;

pub use changes::{Affects, ChangeKind, Document};
pub use questions::{Group, Question, Subject};

use crate::callers::CallerIndex;
use crate::index::TrustIndex;
use crate::who_can::incremental::Changed;
use crate::who_can::incremental::Incremental;
use crate::who_can::{who_can_prepared, Kind, Prepared, Reach, WhoCanQuery, DEFAULT_DEPTH};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use xacct_lake::Target;
use xacct_world::{Principal, Session, World};

/// How to diff.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest chain, in AssumeRole hops.
    pub max_depth: usize,
    /// Ask every question of both worlds, not only those the changed documents can affect
    /// (slower, same answer).
    pub everything: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_DEPTH,
            everything: false,
        }
    }
}

/// One principal's access to one resource for one action, in one world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    pub principal: String,
    pub kind: Kind,
    pub group: Group,
    pub action: String,
    pub resource: String,
    pub subject: Subject,
    /// For an instance profile: its role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Roles assumed, in order; empty when the principal makes the request itself.
    pub chain: Vec<String>,
    /// The principal is in another account than the resource (or outside the scenario).
    pub cross_account: bool,
    /// The principal stands for anyone (a public resource, or any account's principals).
    pub public: bool,
}

impl Access {
    fn of(question: &Question, reach: &Reach, world: &World) -> Self {
        let resource_account = question.subject.account_in(world);
        // A compute stands for the role it starts as.
        let principal_account =
            account_of(&reach.principal).or_else(|| reach.role.as_deref().and_then(account_of));
        let cross_account = match reach.kind {
            Kind::Service => false,
            // Identities an identity provider vouches for are outside every account.
            Kind::Outside | Kind::Federated => true,
            _ => principal_account.is_some() && principal_account != resource_account,
        };
        Self {
            principal: reach.principal.clone(),
            kind: reach.kind,
            group: question.group,
            action: question.action.clone(),
            resource: question.resource.clone(),
            subject: question.subject.clone(),
            role: reach.role.clone(),
            chain: reach.chain.clone(),
            cross_account,
            public: reach.is_anyone(),
        }
    }

    /// Every role and user the request goes through: the principal, its instance profile's
    /// role, the chain.
    fn principals(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.principal)
            .chain(&self.role)
            .chain(&self.chain)
    }
}

/// The account of an IAM ARN (`arn:aws:iam::ACCOUNT:...`).
fn account_of(arn: &str) -> Option<xacct_policy::AccountId> {
    arn.strip_prefix("arn:aws:")?
        .split(':')
        .nth(2)?
        .parse()
        .ok()
}

/// An access gained or lost, with the changed documents that sit on it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessChange {
    #[serde(flatten)]
    pub access: Access,
    /// Indexes into [`Diff::documents`]: the changed documents of the principals on the chain,
    /// of the resource, and of the organization over them.
    pub causes: Vec<usize>,
}

/// What a change does to access.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// Public first, then cross-account, then the rest; each by resource, action, principal.
    pub gained: Vec<AccessChange>,
    pub lost: Vec<AccessChange>,
    /// The documents that differ between the two worlds.
    pub documents: Vec<Document>,
    /// Questions of both worlds (resources x actions).
    pub questions: usize,
    /// Questions asked again because a changed document can affect them.
    pub asked: usize,
    /// Of those, the questions answered by deciding only the principals whose answer can
    /// differ (`who_can::incremental`); not part of the output, which is the same either way.
    #[serde(skip)]
    pub incremental: usize,
    pub max_depth: usize,
}

/// Why a diff could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} on {resource}: {message}")]
pub struct DiffError {
    pub action: String,
    pub resource: String,
    pub message: String,
}

/// The principals that can do `question` in `world`, by principal: who-can's answer, gated by
/// Lake Formation for a table. Empty when the world does not hold the resource.
pub fn answer(
    world: &World,
    callers: &CallerIndex<'_>,
    prepared: &Prepared,
    question: &Question,
    max_depth: usize,
) -> Result<BTreeMap<String, Reach>, DiffError> {
    if !question.subject.exists_in(world) {
        return Ok(BTreeMap::new());
    }
    let query = WhoCanQuery {
        max_depth,
        ..WhoCanQuery::new(question.action.clone(), question.resource.clone())
    };
    let found = who_can_prepared(world, callers, prepared, &query).map_err(|error| DiffError {
        action: question.action.clone(),
        resource: question.resource.clone(),
        message: error.to_string(),
    })?;
    Ok(found
        .principals
        .into_iter()
        .filter(|reach| lake_permits(world, question, reach))
        .map(|reach| (reach.principal.clone(), reach))
        .collect())
}

/// Whether Lake Formation lets the principal that makes the request do what a table question
/// needs. A principal the world cannot place (outside the scenario) is kept: IAM lets it in and
/// what Lake Formation holds for it is not known, and under-reporting access is a false Allow.
fn lake_permits(world: &World, question: &Question, reach: &Reach) -> bool {
    let Some(table) = question.subject.table() else {
        return true;
    };
    let requester = reach
        .chain
        .last()
        .or(reach.role.as_ref())
        .unwrap_or(&reach.principal);
    let principal = if world.roles.contains_key(requester) {
        Principal::Role(requester.clone())
    } else if world.users.contains_key(requester) {
        Principal::User(requester.clone())
    } else {
        return true;
    };
    let Some(requester) = world.lake_requester(&Session::of(principal)) else {
        return true;
    };
    world
        .lake
        .permits(&requester, &Target::Table(table), &question.lake)
        .allowed()
}

/// Every access of a world: every question's answer, in question order.
pub fn access(world: &World, options: &Options) -> Result<Vec<Access>, DiffError> {
    let callers = CallerIndex::new(world);
    let prepared = Prepared::new(world);
    let mut out = Vec::new();
    let asked = questions::of_worlds(world, world);
    for question in &asked {
        for reach in answer(world, &callers, &prepared, question, options.max_depth)?.values() {
            out.push(Access::of(question, reach, world));
        }
    }
    let reads = compute::questions(world, world, &asked);
    if !reads.is_empty() {
        let index = TrustIndex::new(world);
        for question in &reads {
            for reach in compute::answer(world, &index, question, options.max_depth).values() {
                out.push(Access::of(question, reach, world));
            }
        }
    }
    Ok(out)
}

/// The access gained and lost from `before` to `after`.
pub fn diff(before: &World, after: &World, options: &Options) -> Result<Diff, DiffError> {
    let documents = changes::between(before, after);
    let questions = questions::of_worlds(before, after);
    let callers_before = CallerIndex::new(before);
    let callers_after = CallerIndex::new(after);
    let scope = if options.everything {
        scope::Scope::everything()
    } else {
        scope::Scope::of(&documents)
    };
    let asked = scope
        .plan(
            &questions,
            [(before, &callers_before), (after, &callers_after)],
            options.max_depth,
        )
        .map_err(|error| DiffError {
            action: "sts:AssumeRole".to_owned(),
            resource: "the roles the changed principals may assume".to_owned(),
            message: error.to_string(),
        })?;
    let mut out = Diff {
        questions: questions.len(),
        asked: asked.len(),
        max_depth: options.max_depth,
        ..Diff::default()
    };
    let prepared = [Prepared::new(before), Prepared::new(after)];
    let whole = [
        (before, &callers_before, &prepared[0]),
        (after, &callers_after, &prepared[1]),
    ];
    let incremental = Incremental::new(whole, options.max_depth);
    let worlds = [(before, &callers_before), (after, &callers_after)];
    let by_principals = scope.incremental(before, after);
    let mut changed: HashMap<&str, Changed> = HashMap::new();
    for question in asked {
        // Asked again for changed principals alone: only the principals whose answer can
        // differ are decided (who_can::incremental), the others' answers being the same.
        let kept = if by_principals
            && !scope.resource_side_changed(question, worlds)
            && question.subject.exists_in(before)
            && question.subject.exists_in(after)
        {
            let changed = changed
                .entry(question.action.as_str())
                .or_insert_with(|| scope.changed_principals(worlds, &question.action));
            let query = WhoCanQuery {
                max_depth: options.max_depth,
                ..WhoCanQuery::new(question.action.clone(), question.resource.clone())
            };
            incremental.answers(changed, &query)
        } else {
            None
        };
        let [was, is] = match kept {
            Some(kept) => {
                out.incremental += 1;
                kept
            }
            None => {
                let [was, is] = whole.map(|(world, callers, prepared)| {
                    answer(world, callers, prepared, question, options.max_depth)
                });
                [was?, is?]
            }
        };
        out.compare(question, &was, &is, &documents, [before, after]);
    }
    out.ask_computes(&questions, &documents, [before, after], options.max_depth);
    out.documents = documents;
    for list in [&mut out.gained, &mut out.lost] {
        list.sort_by(|left, right| order(&left.access).cmp(&order(&right.access)));
    }
    Ok(out)
}

impl Diff {
    /// The compute questions (`compute`): the reads through Lake Formation whenever anything
    /// changed, and every other question of a compute whose settings changed. The trust indexes
    /// they need are made once, and only when one is asked.
    fn ask_computes(
        &mut self,
        questions: &[Question],
        documents: &[Document],
        worlds: [&World; 2],
        max_depth: usize,
    ) {
        let [before, after] = worlds;
        let indexes = std::cell::OnceCell::new();
        let sides = || {
            let [index_before, index_after] = indexes.get_or_init(|| worlds.map(TrustIndex::new));
            [(before, index_before), (after, index_after)]
        };
        let reads = compute::questions(before, after, questions);
        self.questions += reads.len();
        if !documents.is_empty() {
            self.asked += reads.len();
            for question in &reads {
                let [was, is] = sides()
                    .map(|(world, index)| compute::answer(world, index, question, max_depth));
                self.compare(question, &was, &is, documents, worlds);
            }
        }
        // A compute whose settings changed reaches the data through other roles: every other
        // question is asked of it, in both worlds.
        let computes = compute::changed(documents);
        let others: Vec<&Question> = questions
            .iter()
            .filter(|question| question.subject.table().is_none())
            .collect();
        self.questions += computes.len() * others.len();
        self.asked += computes.len() * others.len();
        for name in &computes {
            for question in others.iter().copied() {
                let [was, is] = sides().map(|(world, index)| {
                    compute::answer_request(world, index, name, question, max_depth)
                });
                self.compare(question, &was, &is, documents, worlds);
            }
        }
    }

    /// Adds what `is` has and `was` lacks as gained, and the reverse as lost.
    fn compare(
        &mut self,
        question: &Question,
        was: &BTreeMap<String, Reach>,
        is: &BTreeMap<String, Reach>,
        documents: &[Document],
        [before, after]: [&World; 2],
    ) {
        for (principal, reach) in is {
            if !was.contains_key(principal) {
                let access = Access::of(question, reach, after);
                let causes = causes(&access, documents, before, after);
                self.gained.push(AccessChange { access, causes });
            }
        }
        for (principal, reach) in was {
            if !is.contains_key(principal) {
                let access = Access::of(question, reach, before);
                let causes = causes(&access, documents, before, after);
                self.lost.push(AccessChange { access, causes });
            }
        }
    }
}

/// Public first, then cross-account, then by resource, action and principal.
fn order(access: &Access) -> (bool, bool, &str, &str, &str) {
    (
        !access.public,
        !access.cross_account,
        &access.resource,
        &access.action,
        &access.principal,
    )
}

/// The changed documents on an access: those of a principal it goes through, of the
/// resource, of the organization over the principals' or the resource's accounts.
fn causes(access: &Access, documents: &[Document], before: &World, after: &World) -> Vec<usize> {
    let principals: Vec<&String> = access.principals().collect();
    let principal_accounts: Vec<_> = principals
        .iter()
        .filter_map(|arn| account_of(arn))
        .collect();
    let resource_account = access
        .subject
        .account_in(after)
        .or_else(|| access.subject.account_in(before));
    let table = access.subject.table();
    let touches = |affects: &Affects| match affects {
        Affects::Principal { arn } => principals.contains(&arn),
        Affects::PrincipalsOf { account } => principal_accounts.contains(account),
        // AssumeRole into a role of the account is a request on one of its resources.
        Affects::ResourcesOf { account } => {
            resource_account == Some(*account)
                || access
                    .chain
                    .iter()
                    .any(|role| account_of(role) == Some(*account))
        }
        Affects::Resource { subject } => *subject == access.subject,
        Affects::Catalog { account, region } => table
            .as_ref()
            .is_some_and(|table| table.account == *account && table.region == *region),
        Affects::Lake => table.is_some(),
        Affects::Compute { name } => access.principal == compute::principal_of(name),
        Affects::Everything => true,
    };
    documents
        .iter()
        .enumerate()
        .filter(|(_, document)| document.affects.iter().any(touches))
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests;
