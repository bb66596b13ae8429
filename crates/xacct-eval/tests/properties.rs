//! Properties every decision must have, checked on random but valid requests.
//!
//! Each case is a REQUEST.json text built from random statements (Allow and Deny, `Action` and
//! `NotAction` with wildcards, `Resource` and `NotResource`, conditions from every operator
//! family, resource policies with every `Principal` shape, boundaries, session policies, SCP
//! and RCP levels; callers in the resource's account and in another one). It is read with
//! [`read_request`] exactly as `xacct eval` reads a file, so a generated request that the reader
//! refuses is itself a failure.
//!
//! - adding a Deny statement, to any layer, never makes a decision more permissive;
//! - removing an Allow statement never makes a decision more permissive;
//! - the order of statements, of policies within a layer, and of JSON members never changes
//!   the decision;
//! - the decision is `ExplicitDeny` exactly when a deny matched, and the other fields of the
//!   response agree with it;
//! - [`Explanation`] never panics and always says something;
//! - condition keys, context keys and action names may be written in any case.
//!
//! `PROPTEST_CASES` sets the number of cases per property (512 by default).

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rand::seq::SliceRandom as _;
use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;
use xacct_eval::wire::{read_request, NoFiles};
use xacct_eval::{authorize, Decision, Explanation, Request, Response};
use xacct_policy::SourceFile;

const ACCOUNT_A: &str = "111111111111";
const ACCOUNT_B: &str = "222222222222";
const ACCOUNT_C: &str = "333333333333";
/// Callers and resources live in these two, so requests are same- and cross-account.
static ACCOUNTS: [&str; 2] = [ACCOUNT_A, ACCOUNT_B];
/// Resource policies also name an unrelated third account.
static NAMED_ACCOUNTS: [&str; 3] = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C];

// ---------------------------------------------------------------------------------------------
// A JSON writer that keeps members in the order given, so member order can be shuffled too.

#[derive(Debug, Clone, PartialEq)]
enum J {
    Str(String),
    /// A number or boolean, written without quotes.
    Raw(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn s(text: impl Into<String>) -> J {
    J::Str(text.into())
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            control if u32::from(control) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(control)));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

fn write_json(value: &J, out: &mut String) {
    match value {
        J::Str(text) => write_string(text, out),
        J::Raw(text) => out.push_str(text),
        J::Arr(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            for (index, (name, item)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// A scalar as text, or (when `raw`) as a JSON number or boolean where it is one.
fn scalar(text: &str, raw: bool) -> J {
    let is_number = text.parse::<f64>().is_ok_and(f64::is_finite)
        && !text.starts_with(['+', '.'])
        && !text.ends_with('.')
        && !text.starts_with("-.")
        && text.bytes().all(|byte| b"0123456789-.eE".contains(&byte));
    if raw && (is_number || text == "true" || text == "false") {
        J::Raw(text.to_owned())
    } else {
        s(text)
    }
}

// ---------------------------------------------------------------------------------------------
// The model of a request.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Identity,
    Resource,
    Trust,
    Scp,
    Rcp,
    Boundary,
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
struct Cond {
    operator: String,
    key: String,
    values: Vec<J>,
    /// Writes a single value as a one-element array.
    as_list: bool,
}

#[derive(Debug, Clone)]
struct Stmt {
    /// Unique in the whole request; names the `Sid` when there is one.
    id: usize,
    sid: bool,
    effect: Effect,
    /// `(negated, value)`: `NotPrincipal` when negated.
    principal: Option<(bool, J)>,
    action: (bool, Vec<String>),
    resource: Option<(bool, Vec<String>)>,
    conditions: Vec<Cond>,
}

#[derive(Debug, Clone)]
struct Policy {
    version: Option<&'static str>,
    statements: Vec<Stmt>,
    /// Writes a lone statement as an object rather than an array of one.
    single_object: bool,
}

#[derive(Debug, Clone)]
struct Header {
    principal: String,
    action: String,
    resource: String,
    /// `resourceAccount`, written whenever the ARN carries no account and sometimes otherwise.
    resource_account: Option<String>,
    management: Option<bool>,
    service_linked: Option<bool>,
    resource_kind: Kind,
}

#[derive(Debug, Clone)]
struct Model {
    header: Header,
    context: Vec<(String, J)>,
    identity: Vec<Policy>,
    resource: Option<Policy>,
    boundary: Option<Policy>,
    session: Option<Policy>,
    scps: Option<Vec<Vec<Policy>>>,
    rcps: Option<Vec<Vec<Policy>>>,
}

/// Makes a generic statement valid for a policy kind: principals only where they are named,
/// `NotPrincipal` only with Deny in resource policies, `"*"` in RCPs, no resource in trust
/// policies.
fn fit(mut statement: Stmt, kind: Kind) -> Stmt {
    let everyone = || Some((false, s("*")));
    match kind {
        Kind::Identity | Kind::Scp | Kind::Boundary | Kind::Session => statement.principal = None,
        Kind::Resource => match statement.principal.take() {
            None => statement.principal = everyone(),
            Some((true, _)) if statement.effect == Effect::Allow => {
                statement.principal = everyone()
            }
            other => statement.principal = other,
        },
        Kind::Trust => {
            statement.principal = match statement.principal.take() {
                Some((_, value)) => Some((false, value)),
                None => everyone(),
            }
        }
        Kind::Rcp => {
            statement.principal = match statement.principal {
                Some((false, J::Obj(_))) => Some((false, J::Obj(vec![("AWS".into(), s("*"))]))),
                _ => everyone(),
            }
        }
    }
    if kind == Kind::Trust {
        statement.resource = None;
    } else if statement.resource.is_none() {
        statement.resource = Some((false, vec!["*".to_owned()]));
    }
    statement
}

impl Model {
    fn policies_mut(&mut self) -> Vec<&mut Policy> {
        let mut out: Vec<&mut Policy> = self.identity.iter_mut().collect();
        out.extend(self.resource.as_mut());
        out.extend(self.boundary.as_mut());
        out.extend(self.session.as_mut());
        for levels in [self.scps.as_mut(), self.rcps.as_mut()]
            .into_iter()
            .flatten()
        {
            out.extend(levels.iter_mut().flatten());
        }
        out
    }

    fn policies(&self) -> Vec<&Policy> {
        let mut out: Vec<&Policy> = self.identity.iter().collect();
        out.extend(self.resource.as_ref());
        out.extend(self.boundary.as_ref());
        out.extend(self.session.as_ref());
        for levels in [self.scps.as_ref(), self.rcps.as_ref()]
            .into_iter()
            .flatten()
        {
            out.extend(levels.iter().flatten());
        }
        out
    }

    /// Gives every statement a distinct id, so that `Sid`s never collide.
    fn number(mut self) -> Self {
        let mut next = 0;
        for policy in self.policies_mut() {
            for statement in &mut policy.statements {
                statement.id = next;
                next += 1;
            }
        }
        self
    }

    fn statement_count(&self) -> usize {
        self.policies()
            .iter()
            .map(|policy| policy.statements.len())
            .sum()
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering the model as REQUEST.json.

struct Render {
    rng: Option<ChaCha8Rng>,
}

impl Render {
    fn obj(&mut self, mut members: Vec<(String, J)>) -> J {
        if let Some(rng) = &mut self.rng {
            members.shuffle(rng);
        }
        J::Obj(members)
    }

    fn list(items: &[String]) -> J {
        match items {
            [one] => s(one.clone()),
            many => J::Arr(many.iter().cloned().map(J::Str).collect()),
        }
    }

    fn statement(&mut self, statement: &Stmt) -> J {
        let mut members = Vec::new();
        if statement.sid {
            members.push(("Sid".to_owned(), s(format!("S{}", statement.id))));
        }
        let effect = match statement.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        members.push(("Effect".to_owned(), s(effect)));
        if let Some((negated, principal)) = &statement.principal {
            let name = if *negated {
                "NotPrincipal"
            } else {
                "Principal"
            };
            members.push((name.to_owned(), principal.clone()));
        }
        let (negated, actions) = &statement.action;
        let name = if *negated { "NotAction" } else { "Action" };
        members.push((name.to_owned(), Self::list(actions)));
        if let Some((negated, resources)) = &statement.resource {
            let name = if *negated { "NotResource" } else { "Resource" };
            members.push((name.to_owned(), Self::list(resources)));
        }
        if !statement.conditions.is_empty() {
            // Grouped by operator, in order of first appearance.
            let mut operators: Vec<(String, Vec<(String, J)>)> = Vec::new();
            for condition in &statement.conditions {
                let value = match condition.values.as_slice() {
                    [one] if !condition.as_list => one.clone(),
                    values => J::Arr(values.to_vec()),
                };
                let entry = (condition.key.clone(), value);
                match operators
                    .iter_mut()
                    .find(|(operator, _)| *operator == condition.operator)
                {
                    Some((_, keys)) => keys.push(entry),
                    None => operators.push((condition.operator.clone(), vec![entry])),
                }
            }
            let operators = operators
                .into_iter()
                .map(|(operator, keys)| (operator, self.obj(keys)))
                .collect();
            let block = self.obj(operators);
            members.push(("Condition".to_owned(), block));
        }
        self.obj(members)
    }

    fn policy(&mut self, policy: &Policy) -> J {
        let mut members = Vec::new();
        if let Some(version) = policy.version {
            members.push(("Version".to_owned(), s(version)));
        }
        let statements = match policy.statements.as_slice() {
            [one] if policy.single_object => self.statement(one),
            many => J::Arr(many.iter().map(|one| self.statement(one)).collect()),
        };
        members.push(("Statement".to_owned(), statements));
        self.obj(members)
    }

    fn levels(&mut self, levels: &[Vec<Policy>]) -> J {
        J::Arr(
            levels
                .iter()
                .map(|level| J::Arr(level.iter().map(|policy| self.policy(policy)).collect()))
                .collect(),
        )
    }

    fn request(&mut self, model: &Model) -> String {
        let header = &model.header;
        let mut members = vec![
            ("principal".to_owned(), s(header.principal.clone())),
            ("action".to_owned(), s(header.action.clone())),
            ("resource".to_owned(), s(header.resource.clone())),
        ];
        if let Some(account) = &header.resource_account {
            members.push(("resourceAccount".to_owned(), s(account.clone())));
        }
        if !model.context.is_empty() {
            let context = self.obj(model.context.clone());
            members.push(("context".to_owned(), context));
        }
        if !model.identity.is_empty() {
            let policies = model
                .identity
                .iter()
                .map(|policy| self.policy(policy))
                .collect();
            members.push(("identityPolicies".to_owned(), J::Arr(policies)));
        }
        for (name, policy) in [
            ("resourcePolicy", &model.resource),
            ("permissionBoundary", &model.boundary),
            ("sessionPolicy", &model.session),
        ] {
            if let Some(policy) = policy {
                let policy = self.policy(policy);
                members.push((name.to_owned(), policy));
            }
        }
        if let Some(levels) = &model.scps {
            let levels = self.levels(levels);
            members.push(("scps".to_owned(), levels));
        }
        if let Some(levels) = &model.rcps {
            let levels = self.levels(levels);
            members.push(("rcps".to_owned(), levels));
        }
        for (name, flag) in [
            ("principalIsManagementAccount", header.management),
            ("principalIsServiceLinkedRole", header.service_linked),
        ] {
            if let Some(flag) = flag {
                members.push((name.to_owned(), J::Raw(flag.to_string())));
            }
        }
        let mut out = String::new();
        write_json(&self.obj(members), &mut out);
        out
    }
}

fn render(model: &Model) -> String {
    Render { rng: None }.request(model)
}

// ---------------------------------------------------------------------------------------------
// Strategies.

/// The pools statements draw from, which depend on the request so that a fair share of them
/// match it.
#[derive(Debug, Clone)]
struct Pools {
    caller: String,
    actions: Vec<String>,
    resources: Vec<String>,
}

fn pools(header: &Header) -> Pools {
    let action = header.action.clone();
    let (service, name) = action.split_once(':').unwrap_or(("s3", "GetObject"));
    let prefix: String = name.chars().take(3).collect();
    let question: String = name
        .chars()
        .enumerate()
        .map(|(index, character)| if index == 1 { '?' } else { character })
        .collect();
    let account = header
        .resource_account
        .clone()
        .or_else(|| header.resource.split(':').nth(4).map(str::to_owned))
        .unwrap_or_else(|| ACCOUNT_B.to_owned());
    let resource = header.resource.clone();
    // The resource part in capitals: ARNs match case-sensitively after the account.
    let upper_resource_part = match resource.splitn(6, ':').collect::<Vec<_>>().as_slice() {
        [head @ .., last] => format!("{}:{}", head.join(":"), last.to_ascii_uppercase()),
        [] => resource.clone(),
    };
    let mut truncated: String = resource
        .chars()
        .take(resource.chars().count().saturating_sub(3))
        .collect();
    truncated.push('*');
    Pools {
        caller: header.principal.clone(),
        actions: vec![
            action.clone(),
            action.to_ascii_lowercase(),
            format!("{service}:*"),
            format!("{service}:{prefix}*"),
            format!("{service}:{question}"),
            "*".to_owned(),
            "*".to_owned(),
            "ec2:RunInstances".to_owned(),
            "s3:Put*".to_owned(),
            "sts:AssumeRole".to_owned(),
            "kms:Encrypt".to_owned(),
            "iam:*".to_owned(),
        ],
        resources: vec![
            "*".to_owned(),
            "*".to_owned(),
            resource.clone(),
            upper_resource_part,
            truncated,
            "arn:aws:s3:::lake-a/*".to_owned(),
            "arn:aws:s3:::lake-a".to_owned(),
            "arn:aws:s3:::lake-?/docs/*".to_owned(),
            "arn:aws:sqs:*:*:queue?".to_owned(),
            format!("arn:aws:*:us-east-1:{account}:*"),
            format!("arn:aws:iam::{account}:role/*"),
            format!("arn:aws:kms:*:{ACCOUNT_C}:key/*"),
            "arn:aws:s3:::lake-a/${aws:username}/*".to_owned(),
            format!("arn:aws:dynamodb:us-east-1:{account}:table/${{aws:PrincipalTag/team}}"),
            "arn:aws:s3:::${aws:PrincipalTag/team, 'lake-a'}/*".to_owned(),
        ],
    }
}

/// One operator family: its operators, the keys it is written against, and its values.
#[derive(Debug, Clone)]
struct Family {
    operators: &'static [&'static str],
    keys: &'static [&'static str],
    values: &'static [&'static str],
}

static FAMILIES: [Family; 8] = [
    Family {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ],
        keys: &[
            "aws:PrincipalOrgID",
            "aws:PrincipalTag/team",
            "aws:username",
            "aws:PrincipalAccount",
            "aws:ResourceAccount",
            "aws:PrincipalType",
            "s3:prefix",
            "aws:TagKeys",
        ],
        values: &[
            "o-abc123",
            "o-xyz",
            "o-*",
            "eng",
            "ENG",
            "ops",
            "?ps",
            "alice",
            "111111111111",
            "222222222222",
            "docs/*",
            "AssumedRole",
            "User",
            "*",
            "${aws:username}",
            "${aws:PrincipalTag/team}",
            "${aws:PrincipalAccount}",
            "${aws:PrincipalTag/team, 'eng'}",
            "o-${*}",
        ],
    },
    Family {
        operators: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        keys: &["s3:max-keys", "aws:MultiFactorAuthAge"],
        values: &["10", "100", "1.5", "-3", "3600", "1e2"],
    },
    Family {
        operators: &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ],
        keys: &["aws:CurrentTime", "aws:TokenIssueTime", "aws:EpochTime"],
        values: &[
            "2026-01-01T00:00:00Z",
            "1767225600",
            "2025-06-01",
            "2026-01-01T01:00:00+01:00",
            "2030-12-31T23:59:59Z",
        ],
    },
    Family {
        operators: &["Bool"],
        keys: &[
            "aws:SecureTransport",
            "aws:MultiFactorAuthPresent",
            "aws:ViaAWSService",
            "aws:PrincipalIsAWSService",
        ],
        values: &["true", "false"],
    },
    Family {
        operators: &["BinaryEquals"],
        keys: &["ex:Blob"],
        values: &["QmluYXJ5", "AAEC"],
    },
    Family {
        operators: &["IpAddress", "NotIpAddress"],
        keys: &["aws:SourceIp"],
        values: &[
            "10.0.0.0/8",
            "203.0.113.7",
            "2001:db8::/32",
            "10.1.2.0/23",
            "0.0.0.0/0",
        ],
    },
    Family {
        operators: &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
        keys: &["aws:PrincipalArn", "aws:SourceArn"],
        values: &[
            "arn:aws:iam::111111111111:role/MyRoleA",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::111111111111:*",
            "arn:aws:sqs:*:*:queue1",
            "arn:aws:iam::222222222222:user/alice",
            "arn:aws:iam::${aws:PrincipalAccount}:root",
        ],
    },
    Family {
        operators: &["Null"],
        keys: &[
            "aws:PrincipalTag/team",
            "aws:SourceIp",
            "aws:PrincipalOrgID",
            "aws:TagKeys",
            "aws:username",
        ],
        values: &["true", "false"],
    },
];

fn condition() -> impl Strategy<Value = Cond> {
    select(FAMILIES.as_slice())
        .prop_flat_map(|family| {
            let is_null = family.operators == ["Null"];
            (
                select(family.operators),
                select(family.keys),
                prop::collection::vec((select(family.values), any::<bool>()), 1..3),
                prop_oneof![6 => Just(""), 1 => Just("ForAnyValue:"), 1 => Just("ForAllValues:")],
                prop::bool::weighted(if is_null { 0.0 } else { 0.2 }),
                prop::bool::weighted(0.15),
                prop::bool::weighted(0.2),
            )
        })
        .prop_map(
            |(operator, key, values, qualifier, if_exists, lowercase_key, as_list)| Cond {
                operator: format!(
                    "{qualifier}{operator}{}",
                    if if_exists { "IfExists" } else { "" }
                ),
                key: if lowercase_key {
                    key.to_ascii_lowercase()
                } else {
                    key.to_owned()
                },
                values: values
                    .into_iter()
                    .map(|(text, raw)| scalar(text, raw))
                    .collect(),
                as_list,
            },
        )
}

/// `Principal` values: every shape, and often the caller itself or its account.
fn principal_value(caller: &str) -> BoxedStrategy<J> {
    let aws = select(NAMED_ACCOUNTS.as_slice())
        .prop_flat_map(|account| {
            select(vec![
                "*".to_owned(),
                account.to_owned(),
                format!("arn:aws:iam::{account}:root"),
                format!("arn:aws:iam::{account}:role/MyRoleA"),
                format!("arn:aws:iam::{account}:role/team/MyRoleA"),
                format!("arn:aws:iam::{account}:role/OtherRole"),
                format!("arn:aws:sts::{account}:assumed-role/MyRoleA/s1"),
                format!("arn:aws:sts::{account}:assumed-role/MyRoleA/s2"),
                format!("arn:aws:iam::{account}:user/alice"),
                format!("arn:aws:iam::{account}:user/bob"),
                format!("arn:aws:sts::{account}:federated-user/bob"),
                "AROAEXAMPLEID1234567".to_owned(),
            ])
        })
        .boxed();
    let caller_account = caller
        .split(':')
        .nth(4)
        .filter(|account| !account.is_empty())
        .unwrap_or(caller)
        .to_owned();
    let aws = if caller.contains(".amazonaws.com") {
        aws
    } else {
        prop_oneof![
            3 => aws,
            2 => Just(caller.to_owned()),
            1 => Just(caller_account),
        ]
        .boxed()
    };
    let service = select(vec!["ec2.amazonaws.com", "lambda.amazonaws.com"]).prop_map(s);
    let list = |strategy: BoxedStrategy<String>| {
        prop::collection::vec(strategy, 1..4).prop_map(|mut items| {
            items.dedup();
            match items.as_slice() {
                [one] => s(one.clone()),
                _ => J::Arr(items.into_iter().map(J::Str).collect()),
            }
        })
    };
    prop_oneof![
        2 => Just(s("*")),
        5 => list(aws.clone()).prop_map(|value| J::Obj(vec![("AWS".into(), value)])),
        1 => service.clone().prop_map(|value| J::Obj(vec![("Service".into(), value)])),
        1 => (list(aws), service).prop_map(|(aws, service)| J::Obj(vec![
            ("AWS".into(), aws),
            ("Service".into(), service),
        ])),
        1 => Just(J::Obj(vec![(
            "Federated".into(),
            s("cognito-identity.amazonaws.com")
        )])),
        1 => Just(J::Obj(vec![(
            "CanonicalUser".into(),
            s("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be")
        )])),
    ]
    .boxed()
}

/// A statement with every element; [`fit`] drops what a policy kind does not allow.
fn statement(pools: &Pools, effect: BoxedStrategy<Effect>) -> BoxedStrategy<Stmt> {
    (
        any::<bool>(),
        effect,
        (prop::bool::weighted(0.2), principal_value(&pools.caller)),
        (
            prop::bool::weighted(0.15),
            prop::collection::vec(select(pools.actions.clone()), 1..3),
        ),
        (
            prop::bool::weighted(0.15),
            prop::collection::vec(select(pools.resources.clone()), 1..3),
        ),
        prop_oneof![
            3 => Just(Vec::new()),
            2 => prop::collection::vec(condition(), 1..4),
        ],
    )
        .prop_map(
            |(sid, effect, principal, action, resource, mut conditions)| {
                // One key per operator: a repeated key is a JSON error, not a condition. Keys
                // are compared ignoring case so that recasing them cannot make a repeat.
                let mut seen: Vec<(String, String)> = Vec::new();
                conditions.retain(|condition| {
                    let id = (
                        condition.operator.clone(),
                        condition.key.to_ascii_lowercase(),
                    );
                    let fresh = !seen.contains(&id);
                    seen.push(id);
                    fresh
                });
                Stmt {
                    id: 0,
                    sid,
                    effect,
                    principal: Some(principal),
                    action,
                    resource: Some(resource),
                    conditions,
                }
            },
        )
        .boxed()
}

fn effect(allow: f64) -> BoxedStrategy<Effect> {
    prop::bool::weighted(allow)
        .prop_map(|allow| if allow { Effect::Allow } else { Effect::Deny })
        .boxed()
}

/// A statement that grants the request outright: without it, a policy that names the caller,
/// the action and the resource is too rare for the properties to say much.
fn grant(pools: &Pools) -> BoxedStrategy<Stmt> {
    let principal = if pools.caller.contains(".amazonaws.com") {
        J::Obj(vec![("Service".to_owned(), s(pools.caller.clone()))])
    } else {
        J::Obj(vec![("AWS".to_owned(), s(pools.caller.clone()))])
    };
    let resource = pools.resources.get(2).cloned().unwrap_or_default();
    // The first six actions of the pool all match the request's action.
    let actions: Vec<String> = pools.actions.iter().take(6).cloned().collect();
    (
        select(vec![principal, s("*")]),
        select(actions),
        select(vec!["*".to_owned(), resource]),
        prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(condition(), 1..2)],
    )
        .prop_map(|(principal, action, resource, conditions)| Stmt {
            id: 0,
            sid: false,
            effect: Effect::Allow,
            principal: Some((false, principal)),
            action: (false, vec![action]),
            resource: Some((false, vec![resource])),
            conditions,
        })
        .boxed()
}

fn policy(pools: &Pools, kind: Kind, allow: f64) -> BoxedStrategy<Policy> {
    let granting = match kind {
        Kind::Identity | Kind::Resource | Kind::Trust => {
            prop::option::weighted(0.4, grant(pools)).boxed()
        }
        Kind::Boundary | Kind::Session => prop::option::weighted(0.3, grant(pools)).boxed(),
        Kind::Scp | Kind::Rcp => Just(None).boxed(),
    };
    (
        prop_oneof![8 => Just(Some("2012-10-17")), 1 => Just(Some("2008-10-17")), 1 => Just(None)],
        prop::collection::vec(statement(pools, effect(allow)), 1..4),
        granting,
        any::<Index>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            move |(version, mut statements, grant, position, single_object)| {
                if let Some(grant) = grant {
                    statements.insert(position.index(statements.len() + 1), grant);
                }
                Policy {
                    // A permissions boundary is a managed policy: CreatePolicy refuses any
                    // `Version` but 2012-10-17.
                    version: if kind == Kind::Boundary {
                        Some("2012-10-17")
                    } else {
                        version
                    },
                    statements: statements
                        .into_iter()
                        .map(|statement| fit(statement, kind))
                        .collect(),
                    single_object,
                }
            },
        )
        .boxed()
}

/// The policy every organization starts with at each level (`FullAWSAccess`,
/// `RCPFullAWSAccess`).
fn full_access(kind: Kind) -> Policy {
    let policy = Policy {
        version: Some("2012-10-17"),
        statements: vec![Stmt {
            id: 0,
            sid: true,
            effect: Effect::Allow,
            principal: None,
            action: (false, vec!["*".to_owned()]),
            resource: Some((false, vec!["*".to_owned()])),
            conditions: Vec::new(),
        }],
        single_object: false,
    };
    Policy {
        statements: policy
            .statements
            .into_iter()
            .map(|statement| fit(statement, kind))
            .collect(),
        ..policy
    }
}

fn levels(pools: &Pools, kind: Kind, allow: f64) -> BoxedStrategy<Vec<Vec<Policy>>> {
    prop::collection::vec(
        (
            prop::bool::weighted(0.8),
            prop::collection::vec(policy(pools, kind, allow), 0..3),
        )
            .prop_map(move |(full_access_attached, mut policies)| {
                if full_access_attached {
                    policies.insert(0, full_access(kind));
                }
                policies
            }),
        1..4,
    )
    .boxed()
}

/// The (action, resource) pairs requests are made of; `{R}` is the resource account.
static TARGETS: [(&str, &str); 9] = [
    ("s3:GetObject", "arn:aws:s3:::lake-a/docs/report.txt"),
    ("s3:ListBucket", "arn:aws:s3:::lake-a"),
    ("s3:PutObject", "arn:aws:s3:::lake-b/tmp/x.csv"),
    ("sqs:SendMessage", "arn:aws:sqs:us-east-1:{R}:queue1"),
    (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-east-1:{R}:table/eng",
    ),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:{R}:key/1234abcd"),
    ("sts:AssumeRole", "arn:aws:iam::{R}:role/TargetRole"),
    ("sts:TagSession", "arn:aws:iam::{R}:role/TargetRole"),
    ("iam:GetRole", "arn:aws:iam::{R}:role/TargetRole"),
];

fn header() -> impl Strategy<Value = Header> {
    (
        select(ACCOUNTS.as_slice()),
        select(ACCOUNTS.as_slice()),
        0..6usize,
        select(TARGETS.as_slice()),
        any::<bool>(),
        prop_oneof![6 => Just(None), 1 => Just(Some(false)), 1 => Just(Some(true))],
        prop_oneof![6 => Just(None), 1 => Just(Some(false)), 1 => Just(Some(true))],
    )
        .prop_map(
            |(
                caller_account,
                resource_account,
                caller_shape,
                (action, resource),
                say_account,
                management,
                service_linked,
            )| {
                let principal = match caller_shape {
                    0 if say_account => caller_account.to_owned(),
                    0 => format!("arn:aws:iam::{caller_account}:root"),
                    1 => format!("arn:aws:iam::{caller_account}:user/alice"),
                    2 => format!("arn:aws:iam::{caller_account}:role/MyRoleA"),
                    3 => format!("arn:aws:sts::{caller_account}:assumed-role/MyRoleA/s1"),
                    4 => format!("arn:aws:sts::{caller_account}:federated-user/bob"),
                    _ => "ec2.amazonaws.com".to_owned(),
                };
                let arn_has_account = resource.contains("{R}");
                let resource = resource.replace("{R}", resource_account);
                let resource_kind = if action.starts_with("sts:") && resource.contains(":role/") {
                    Kind::Trust
                } else {
                    Kind::Resource
                };
                Header {
                    principal,
                    action: action.to_owned(),
                    resource,
                    resource_account: (!arn_has_account || say_account)
                        .then(|| resource_account.to_owned()),
                    management,
                    service_linked,
                    resource_kind,
                }
            },
        )
}

fn context() -> impl Strategy<Value = Vec<(String, J)>> {
    let entry = |key: &'static str, values: &'static [&'static str]| {
        (
            prop::bool::weighted(0.5),
            select(values),
            any::<bool>(),
            prop::bool::weighted(0.1),
        )
            .prop_map(move |(present, value, raw, lowercase)| {
                present.then(|| {
                    let key = if lowercase {
                        key.to_ascii_lowercase()
                    } else {
                        key.to_owned()
                    };
                    (key, scalar(value, raw))
                })
            })
            .boxed()
    };
    let tag_keys = (
        prop::bool::weighted(0.35),
        prop::collection::vec(select(vec!["eng", "ops", "alice", "o-abc123"]), 0..3),
    )
        .prop_map(|(present, values)| {
            present.then(|| {
                (
                    "aws:TagKeys".to_owned(),
                    J::Arr(values.into_iter().map(s).collect()),
                )
            })
        })
        .boxed();
    vec![
        entry("aws:PrincipalOrgID", &["o-abc123", "o-xyz"]),
        entry("aws:PrincipalTag/team", &["eng", "ops", "lake-a", ""]),
        entry("s3:prefix", &["docs/", "tmp/"]),
        entry(
            "aws:SourceIp",
            &["10.1.2.3", "203.0.113.7", "2001:db8::1", "192.0.2.1"],
        ),
        entry("aws:SecureTransport", &["true", "false"]),
        entry("aws:MultiFactorAuthPresent", &["true", "false"]),
        entry(
            "aws:CurrentTime",
            &["2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "1767225600"],
        ),
        entry("aws:EpochTime", &["1767225600", "1700000000"]),
        entry("s3:max-keys", &["10", "100", "5"]),
        entry("aws:MultiFactorAuthAge", &["300", "7200"]),
        entry(
            "aws:SourceArn",
            &[
                "arn:aws:sqs:us-east-1:222222222222:queue1",
                "arn:aws:iam::111111111111:role/MyRoleA",
            ],
        ),
        entry("ex:Blob", &["QmluYXJ5", "Binary"]),
        tag_keys,
    ]
    .prop_map(|entries| entries.into_iter().flatten().collect())
}

fn model() -> impl Strategy<Value = Model> {
    header()
        .prop_flat_map(|header| {
            let pools = pools(&header);
            let resource_kind = header.resource_kind;
            (
                Just(header),
                context(),
                prop::collection::vec(policy(&pools, Kind::Identity, 0.85), 0..3),
                prop::option::weighted(0.7, policy(&pools, resource_kind, 0.8)),
                prop::option::weighted(0.25, policy(&pools, Kind::Boundary, 0.85)),
                prop::option::weighted(0.25, policy(&pools, Kind::Session, 0.85)),
                prop::option::weighted(0.35, levels(&pools, Kind::Scp, 0.7)),
                prop::option::weighted(0.25, levels(&pools, Kind::Rcp, 0.5)),
            )
        })
        .prop_map(
            |(header, context, identity, resource, boundary, session, scps, rcps)| {
                Model {
                    header,
                    context,
                    identity,
                    resource,
                    boundary,
                    session,
                    scps,
                    rcps,
                }
                .number()
            },
        )
}

/// A model, and a Deny statement from the same pools to add to it.
fn model_and_deny() -> impl Strategy<Value = (Model, Stmt)> {
    model().prop_flat_map(|model| {
        let pools = pools(&model.header);
        (Just(model), statement(&pools, Just(Effect::Deny).boxed()))
    })
}

// ---------------------------------------------------------------------------------------------
// Changes to a model.

/// Where to add a statement: the layer, and indices into what the layer already has.
#[derive(Debug, Clone)]
struct Place {
    layer: u8,
    level: Index,
    policy: Index,
    position: Index,
    /// Put the statement into a policy of its own (or a level of its own) instead.
    fresh: bool,
}

fn place() -> impl Strategy<Value = Place> {
    (
        0..6u8,
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(layer, level, policy, position, fresh)| Place {
            layer,
            level,
            policy,
            position,
            fresh,
        })
}

fn lone(statement: Stmt) -> Policy {
    Policy {
        version: Some("2012-10-17"),
        statements: vec![statement],
        single_object: false,
    }
}

fn insert_into(policy: &mut Policy, position: &Index, statement: Stmt) {
    let at = position.index(policy.statements.len() + 1);
    policy.statements.insert(at, statement);
}

fn insert_into_list(policies: &mut Vec<Policy>, place: &Place, statement: Stmt) {
    if place.fresh || policies.is_empty() {
        let at = place.policy.index(policies.len() + 1);
        policies.insert(at, lone(statement));
    } else {
        let at = place.policy.index(policies.len());
        if let Some(policy) = policies.get_mut(at) {
            insert_into(policy, &place.position, statement);
        }
    }
}

fn insert_into_levels(levels: &mut Option<Vec<Vec<Policy>>>, place: &Place, statement: Stmt) {
    let levels = levels.get_or_insert_with(Vec::new);
    if levels.is_empty() || (place.fresh && place.position.index(4) == 0) {
        let at = place.level.index(levels.len() + 1);
        levels.insert(at, vec![lone(statement)]);
        return;
    }
    let at = place.level.index(levels.len());
    if let Some(level) = levels.get_mut(at) {
        insert_into_list(level, place, statement);
    }
}

/// Adds `statement` (fitted to the layer's kind) at `place`; returns a description.
fn add_statement(model: &mut Model, place: &Place, statement: Stmt) -> &'static str {
    let mut statement = statement;
    statement.id = 10_000;
    statement.sid = true;
    let optional = |slot: &mut Option<Policy>, statement: Stmt| match slot {
        Some(policy) if !place.fresh => insert_into(policy, &place.position, statement),
        Some(policy) => policy.statements.push(statement),
        None => *slot = Some(lone(statement)),
    };
    match place.layer {
        0 => {
            insert_into_list(&mut model.identity, place, fit(statement, Kind::Identity));
            "identity"
        }
        1 => {
            let kind = model.header.resource_kind;
            optional(&mut model.resource, fit(statement, kind));
            "resource"
        }
        2 => {
            optional(&mut model.boundary, fit(statement, Kind::Boundary));
            "boundary"
        }
        3 => {
            optional(&mut model.session, fit(statement, Kind::Session));
            "session"
        }
        4 => {
            insert_into_levels(&mut model.scps, place, fit(statement, Kind::Scp));
            "scps"
        }
        _ => {
            insert_into_levels(&mut model.rcps, place, fit(statement, Kind::Rcp));
            "rcps"
        }
    }
}

/// Removes the `which`-th Allow statement of the model; false when it has none.
fn remove_allow(model: &mut Model, which: &Index) -> bool {
    let allows: Vec<(usize, usize)> = model
        .policies()
        .iter()
        .enumerate()
        .flat_map(|(policy, statements)| {
            statements
                .statements
                .iter()
                .enumerate()
                .filter(|(_, statement)| statement.effect == Effect::Allow)
                .map(move |(statement, _)| (policy, statement))
        })
        .collect();
    if allows.is_empty() {
        return false;
    }
    let Some(&(policy, statement)) = allows.get(which.index(allows.len())) else {
        return false;
    };
    let mut policies = model.policies_mut();
    let Some(policy) = policies.get_mut(policy) else {
        return false;
    };
    policy.statements.remove(statement);
    true
}

/// Shuffles statements within every policy, policies within every layer (and SCP or RCP
/// level), context keys, and, when rendered with the same generator, JSON members.
fn shuffle(model: &mut Model, rng: &mut ChaCha8Rng) {
    for policy in model.policies_mut() {
        policy.statements.shuffle(rng);
    }
    model.identity.shuffle(rng);
    for levels in [model.scps.as_mut(), model.rcps.as_mut()]
        .into_iter()
        .flatten()
    {
        for level in levels {
            level.shuffle(rng);
        }
    }
    model.context.shuffle(rng);
}

/// Writes condition keys, context keys, action patterns and the request's action in another
/// case: AWS compares all of them ignoring case.
fn recase(model: &mut Model, rng: &mut ChaCha8Rng) {
    use rand::Rng as _;
    let mut recased = |text: &str| -> String {
        match rng.gen_range(0..3) {
            0 => text.to_ascii_lowercase(),
            1 => text.to_ascii_uppercase(),
            _ => text
                .chars()
                .map(|character| {
                    if rng.gen_bool(0.5) {
                        character.to_ascii_uppercase()
                    } else {
                        character.to_ascii_lowercase()
                    }
                })
                .collect(),
        }
    };
    model.header.action = recased(&model.header.action);
    for (key, _) in &mut model.context {
        *key = recased(key);
    }
    for policy in model.policies_mut() {
        for statement in &mut policy.statements {
            for action in &mut statement.action.1 {
                *action = recased(action);
            }
            for condition in &mut statement.conditions {
                condition.key = recased(&condition.key);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation and the invariants of one response.

struct Evaluated {
    response: Response,
}

fn read(text: &str) -> Result<Request, TestCaseError> {
    let source = SourceFile::new("REQUEST.json", text);
    let read = read_request(&source, &NoFiles);
    match read.request {
        Some(request) => Ok(request),
        None => {
            let findings: Vec<String> = read
                .findings
                .iter()
                .map(|finding| {
                    format!(
                        "{} {}: {}",
                        finding.location(),
                        finding.finding.code,
                        finding.finding.message
                    )
                })
                .collect();
            Err(TestCaseError::fail(format!(
                "a generated request was refused:\n{}\n{text}",
                findings.join("\n")
            )))
        }
    }
}

/// Reads and decides a request, checking the properties every single response has.
fn evaluate(text: &str) -> Result<Evaluated, TestCaseError> {
    let request = read(text)?;
    let response = authorize(&request);
    let decision = response.decision;
    // (d) ExplicitDeny exactly when a deny matched or a service refuses the call (credentials
    // that can never make it); Allow exactly when nothing is missing.
    prop_assert_eq!(
        decision == Decision::ExplicitDeny,
        !response.denies.is_empty() || response.refused_by_service.is_some(),
        "denies {:?} for {}",
        response.denies,
        text
    );
    if decision != Decision::ExplicitDeny {
        prop_assert_eq!(
            decision == Decision::Allow,
            response.gaps.is_empty(),
            "gaps {:?} for {}",
            response.gaps,
            text
        );
    }
    prop_assert!(response
        .denies
        .iter()
        .all(|reference| reference.effect == xacct_policy::Effect::Deny));
    prop_assert!(response
        .allows
        .iter()
        .all(|reference| reference.effect == xacct_policy::Effect::Allow));
    // (e) The explanation never panics, says something, and finds every matched statement.
    let explanation = Explanation::new(&request, &response);
    let prose = explanation.to_text();
    prop_assert!(!prose.trim().is_empty());
    prop_assert!(
        prose.starts_with(decision.name()),
        "explanation does not start with the decision: {}",
        prose
    );
    prop_assert!(
        !explanation.reasons.is_empty(),
        "no reason given for {}:\n{}",
        decision.name(),
        prose
    );
    prop_assert_eq!(
        explanation.matched.len(),
        response.denies.len() + response.allows.len(),
        "matched statements missing from the explanation of {}",
        text
    );
    // A service's refusal rests on no policy layer, unless a deny matched as well.
    if response.refused_by_service.is_none() || !response.denies.is_empty() {
        prop_assert_eq!(
            explanation.deciding_layer.is_some(),
            decision != Decision::Allow,
            "{}",
            prose
        );
    }
    Ok(Evaluated { response })
}

/// How permissive a decision is: adding denies or removing allows may only lower it.
fn permissiveness(decision: Decision) -> u8 {
    match decision {
        Decision::ExplicitDeny => 0,
        Decision::ImplicitDeny => 1,
        Decision::Allow => 2,
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(Config { cases: cases(), ..Config::default() })]

    /// (d), (e): every response agrees with itself, and every explanation can be written.
    #[test]
    fn every_response_is_consistent_and_explained(model in model()) {
        evaluate(&render(&model))?;
    }

    /// (a): a Deny statement added anywhere never turns a decision into Allow, nor an
    /// explicit deny into an implicit one.
    #[test]
    fn adding_a_deny_never_grants((model, deny) in model_and_deny(), place in place()) {
        let before = evaluate(&render(&model))?.response;
        let mut changed = model.clone();
        let layer = add_statement(&mut changed, &place, deny);
        let text = render(&changed);
        let after = evaluate(&text)?.response;
        prop_assert!(
            after.decision != Decision::Allow || before.decision == Decision::Allow,
            "adding a Deny to the {} layer turned {} into Allow:\n{}",
            layer,
            before.decision.name(),
            text
        );
        prop_assert!(
            permissiveness(after.decision) <= permissiveness(before.decision),
            "adding a Deny to the {} layer turned {} into {}:\n{}",
            layer,
            before.decision.name(),
            after.decision.name(),
            text
        );
    }

    /// (b): removing an Allow statement never turns a denied request into Allow, nor an
    /// explicit deny into an implicit one.
    #[test]
    fn removing_an_allow_never_grants(model in model(), which in any::<Index>()) {
        let before = evaluate(&render(&model))?.response;
        let mut changed = model.clone();
        if !remove_allow(&mut changed, &which) {
            return Ok(());
        }
        let text = render(&changed);
        let after = evaluate(&text)?.response;
        prop_assert!(
            permissiveness(after.decision) <= permissiveness(before.decision),
            "removing an Allow turned {} into {}:\nbefore: {}\nafter: {}",
            before.decision.name(),
            after.decision.name(),
            render(&model),
            text
        );
    }

    /// (c): shuffling statements, policies within a layer, context keys and JSON members
    /// changes nothing about the decision or what it rests on.
    #[test]
    fn order_never_matters(model in model(), seed in any::<u64>()) {
        let text = render(&model);
        let before = evaluate(&text)?.response;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut shuffled = model.clone();
        shuffle(&mut shuffled, &mut rng);
        let shuffled_text = Render { rng: Some(rng) }.request(&shuffled);
        let after = evaluate(&shuffled_text)?.response;
        prop_assert_eq!(
            before.decision,
            after.decision,
            "\nbefore: {}\nafter: {}",
            text,
            shuffled_text
        );
        prop_assert_eq!(&before.gaps, &after.gaps, "\nbefore: {}\nafter: {}", text, shuffled_text);
        prop_assert_eq!(before.denies.len(), after.denies.len());
        prop_assert_eq!(before.allows.len(), after.allows.len());
    }

    /// Condition keys, context keys and action names are case-insensitive: writing them in
    /// another case changes nothing.
    #[test]
    fn case_of_keys_and_actions_never_matters(model in model(), seed in any::<u64>()) {
        let text = render(&model);
        let before = evaluate(&text)?.response;
        let mut recased_model = model.clone();
        recase(&mut recased_model, &mut ChaCha8Rng::seed_from_u64(seed));
        let recased_text = render(&recased_model);
        let after = evaluate(&recased_text)?.response;
        prop_assert_eq!(
            before.decision,
            after.decision,
            "\nbefore: {}\nafter: {}",
            text,
            recased_text
        );
        prop_assert_eq!(&before.gaps, &after.gaps);
        prop_assert_eq!(before.denies.len(), after.denies.len());
        prop_assert_eq!(before.allows.len(), after.allows.len());
    }
}

/// The generator is worth something only if it reaches every decision, both same- and
/// cross-account, and every layer decides some requests.
#[test]
fn generated_requests_reach_every_decision_and_layer() {
    let mut runner = TestRunner::deterministic();
    let strategy = model();
    let mut counts = [0usize; 3];
    let mut cross_account_allows = 0;
    let mut deciders = std::collections::BTreeSet::new();
    let mut statements = 0;
    let total = 600;
    for _ in 0..total {
        let model = strategy.new_tree(&mut runner).unwrap().current();
        statements += model.statement_count();
        let response = evaluate(&render(&model)).unwrap().response;
        counts[usize::from(permissiveness(response.decision))] += 1;
        if response.decision == Decision::Allow && response.cross_account {
            cross_account_allows += 1;
        }
        if let Some(deny) = response.denies.first() {
            deciders.insert(format!("deny in {:?}", deny.layer));
        }
        if let Some(gap) = response.gaps.first() {
            deciders.insert(format!("no allow in {:?}", gap.layer()));
        }
    }
    let [explicit, implicit, allow] = counts;
    assert!(
        counts.iter().all(|count| *count * 100 >= total * 15),
        "each decision should be at least 15% of the cases: {allow} Allow, {implicit} ImplicitDeny, {explicit} ExplicitDeny"
    );
    assert!(
        cross_account_allows * 100 >= total * 3,
        "only {cross_account_allows} cross-account Allow in {total}"
    );
    assert_eq!(deciders.len(), 11, "some layer never decides: {deciders:?}");
    assert!(
        statements > total * 3,
        "{statements} statements in {total} requests"
    );
}
