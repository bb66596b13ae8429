//! Running a scenario's expectations and its compute checks.

use crate::answer::{Assumptions, Route};
use crate::binding::binding_as;
use crate::fix::{suggest, Fix, NoFix, Target};
use crate::follow_up::{Asked, Entailed, Granted, ROUTES};
use crate::index::TrustIndex;
pub use crate::mends::{same_fix, Mended, SharedFix};
use crate::search::{find, AssumeOptions, Outcome, Query, Step};
use crate::start::resolve;
use serde_json::json;
use xacct_eval::authorize;
use xacct_world::{Expectation, Principal, Session, World};

/// Chains longer than this are not searched unless asked.
pub const DEFAULT_DEPTH: usize = 5;

/// One (action, resource) pair of an expectation.
#[derive(Debug, Clone)]
pub struct Case {
    pub action: String,
    pub resource: String,
    /// Why the case was checked, for cases the expectation implies (a KMS call S3 makes).
    pub note: Option<String>,
    /// For such an implied case, the index of the case it follows: together they are one
    /// operation, allowed only when every part is.
    pub follows: Option<usize>,
    pub outcome: Outcome,
    /// S3 refuses the request after the policies allow it, for a reason no policy decides:
    /// another account owns the object and its ACL grants the requester nothing.
    pub refusal: Option<String>,
    /// For a case that should be allowed and is not: the fixes, or why there is none.
    pub fixes: Option<Result<Vec<Fix>, NoFix>>,
    /// The same request as the case at this index (a follow-up the expectation also lists):
    /// asked once, its outcome copied, and shown once.
    pub same_as: Option<usize>,
}

impl Case {
    /// A case with nothing beyond what the search found.
    pub fn new(action: String, resource: String, outcome: Outcome) -> Self {
        Self {
            action,
            resource,
            note: None,
            follows: None,
            outcome,
            refusal: None,
            fixes: None,
            same_as: None,
        }
    }

    pub fn allowed(&self) -> bool {
        self.outcome.allowed() && self.refusal.is_none()
    }

    pub fn passed(&self, expect_allow: bool) -> bool {
        self.outcome.error.is_none() && self.allowed() == expect_allow
    }
}

#[derive(Debug, Clone)]
pub struct ExpectationResult {
    pub expectation: Expectation,
    pub cases: Vec<Case>,
    /// The starting identity could not be resolved.
    pub error: Option<String>,
    /// How the requests were asked, each way once (a compute's settings can route some of
    /// them and not others).
    pub asked: Vec<Route>,
    /// What the answer took as given: the external ids and session parameters passed.
    pub assumptions: Assumptions,
}

impl ExpectationResult {
    pub fn passed(&self) -> bool {
        if self.error.is_some() {
            return false;
        }
        if self.expectation.allow {
            return self.cases.iter().all(|case| case.passed(true));
        }
        // An operation is denied when any of its parts is.
        self.cases
            .iter()
            .enumerate()
            .filter(|(_, case)| case.follows.is_none())
            .all(|(index, primary)| {
                primary.passed(false)
                    || self
                        .cases
                        .iter()
                        .any(|case| case.follows == Some(index) && case.passed(false))
            })
    }

    /// The cases to report: for an allow expectation every case that is not allowed; for a
    /// deny expectation every part of an operation none of whose parts is denied. A request
    /// asked once for two reasons is reported once.
    pub fn failing_cases(&self) -> Vec<&Case> {
        if self.expectation.allow {
            return self
                .cases
                .iter()
                .filter(|case| !case.passed(true) && case.same_as.is_none())
                .collect();
        }
        self.cases
            .iter()
            .enumerate()
            .filter(|(index, case)| {
                let primary = case.follows.unwrap_or(*index);
                let group_denied = self.cases.iter().enumerate().any(|(other, candidate)| {
                    (other == primary || candidate.follows == Some(primary))
                        && candidate.passed(false)
                });
                !group_denied && case.same_as.is_none()
            })
            .map(|(_, case)| case)
            .collect()
    }

    /// Each way the requests were asked, with how many requests were asked that way (0 when
    /// none could be asked).
    pub fn asked_counts(&self) -> Vec<(Route, usize)> {
        self.asked
            .iter()
            .map(|route| {
                let count = self
                    .cases
                    .iter()
                    .filter(|case| {
                        case.same_as.is_none()
                            && case.outcome.error.is_none()
                            && case.outcome.asked == *route
                    })
                    .count();
                (route.clone(), count)
            })
            .collect()
    }

    /// The cases that are not reported as failing, each request once.
    pub fn passing_cases(&self) -> Vec<&Case> {
        let failing = self.failing_cases();
        self.cases
            .iter()
            .filter(|case| {
                case.same_as.is_none() && !failing.iter().any(|shown| std::ptr::eq(*shown, *case))
            })
            .collect()
    }
}

/// A compute's identity must be usable: EC2 must be able to assume an instance profile's role,
/// and the principal that launches the compute must be allowed to pass it.
#[derive(Debug, Clone)]
pub struct ComputeCheck {
    pub compute: String,
    /// "role trusts ec2.amazonaws.com" or "deployer may iam:PassRole".
    pub what: String,
    pub step: Option<Step>,
    pub error: Option<String>,
    pub fix: Option<Fix>,
}

impl ComputeCheck {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.step.as_ref().is_some_and(Step::allowed)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub expectations: Vec<ExpectationResult>,
    pub compute: Vec<ComputeCheck>,
}

impl Report {
    /// No check failed. An empty report passes: see [`Report::is_empty`].
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(ExpectationResult::passed)
            && self.compute.iter().all(ComputeCheck::passed)
    }

    /// Nothing was checked: the scenario has no expectation and no compute to check, so a
    /// pass verifies nothing.
    pub fn is_empty(&self) -> bool {
        self.expectations.is_empty() && self.compute.is_empty()
    }
}

/// S3 actions on a bucket (ListBucket, GetBucketLocation, ...) take the bucket ARN; the others
/// an object ARN. Pairing them keeps an expectation from asking for `GetObject` on a bucket.
fn fits(action: &str, resource: &str) -> bool {
    let Some(name) = action.strip_prefix("s3:") else {
        return true;
    };
    // Through an access point, objects are `.../accesspoint/NAME/object/KEY`.
    let object_level = match resource.strip_prefix("arn:aws:s3:::") {
        Some(path) => path.contains('/'),
        None => match resource.split_once(":accesspoint/") {
            Some((_, rest)) => rest.contains("/object/"),
            None => return true,
        },
    };
    let bucket_level = name.contains("Bucket") || name == "ListAllMyBuckets";
    bucket_level != object_level
}

/// The (action, resource) pairs an expectation asks about.
pub fn pairs(expectation: &Expectation) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for action in &expectation.actions {
        let fitting: Vec<&String> = expectation
            .resources
            .iter()
            .filter(|resource| fits(action, resource))
            .collect();
        let chosen = if fitting.is_empty() {
            expectation.resources.iter().collect()
        } else {
            fitting
        };
        for resource in chosen {
            // An action or resource listed twice is asked once.
            let pair = (action.clone(), resource.clone());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}

/// The caller settings an expectation describes.
pub fn options_of(expectation: &Expectation) -> AssumeOptions {
    AssumeOptions {
        external_ids: expectation.external_ids.clone(),
        session_name: expectation.session_name.clone(),
        duration_seconds: expectation.duration_seconds,
        session_tags: expectation.session_tags.clone(),
        transitive_tag_keys: std::collections::BTreeSet::new(),
        source_identity: expectation.source_identity.clone(),
        session_policy: expectation.session_policy.clone().map(|policy| {
            crate::search::SessionPolicy {
                policy,
                place: crate::search::SessionPolicyPlace::Expectation {
                    name: expectation.name.clone(),
                },
            }
        }),
    }
}

/// Runs one expectation.
pub fn run_expectation(
    world: &World,
    index: &TrustIndex,
    expectation: &Expectation,
) -> ExpectationResult {
    run_expectation_with_depth(world, index, expectation, DEFAULT_DEPTH)
}

/// Runs one expectation, searching chains of up to `max_depth` AssumeRoles.
pub fn run_expectation_with_depth(
    world: &World,
    index: &TrustIndex,
    expectation: &Expectation,
    max_depth: usize,
) -> ExpectationResult {
    let start = match resolve(world, &expectation.from) {
        Ok(start) => start.stated_by(expectation),
        Err(error) => {
            return ExpectationResult {
                expectation: expectation.clone(),
                cases: Vec::new(),
                error: Some(error.to_string()),
                asked: vec![asked_of(expectation, max_depth)],
                assumptions: Assumptions::default(),
            };
        }
    };
    // `direct` asks with the caller's own credentials: no chain is searched.
    let max_depth = if expectation.direct { 0 } else { max_depth };
    let options = options_of(expectation);
    // The context and caller settings each case was checked with (a compute's settings add
    // its canned ACL and external id): the requests S3 or Kinesis make for it use the same.
    let mut asked: Vec<Query> = Vec::new();
    let mut cases: Vec<Case> = pairs(expectation)
        .into_iter()
        .map(|(action, resource)| {
            let mut query = Query {
                start: start.session.clone(),
                via: expectation.via.clone(),
                action: action.clone(),
                resource: resource.clone(),
                context: expectation.context.clone(),
                options: options.clone(),
                max_depth,
            };
            // A compute whose settings name how it reaches the resource takes that chain only,
            // unless the question pins its own (`via`) or asks without any (`direct`).
            let compute = expectation
                .from
                .strip_prefix("compute:")
                .and_then(|name| world.compute.get(name));
            let mut note = None;
            let client_path = expectation.client_path.as_deref();
            let runs_as = expectation.runs_as.as_ref();
            let bound =
                compute.and_then(|compute| binding_as(compute, &resource, client_path, runs_as));
            let settings_apply = expectation.via.is_empty() && !expectation.direct;
            if let (Some(Ok(bound)), true) = (&bound, expectation.direct) {
                if !bound.via.is_empty() {
                    note = Some(format!(
                        "asked directly, as `direct` says: {} assume {} for it",
                        expectation
                            .from
                            .replace("compute:", "the settings of compute "),
                        bound.via.join(" -> ")
                    ));
                }
            }
            let mut settings_route = None;
            match bound.filter(|_| settings_apply) {
                Some(Err(message)) => {
                    let outcome = Outcome::unanswered(start.session.clone(), message);
                    asked.push(query.clone());
                    return Case::new(action, resource, outcome);
                }
                Some(Ok(bound)) => {
                    settings_route = Some(Route::Settings(bound.via.clone()));
                    if bound.via.is_empty() {
                        query.max_depth = 0;
                    }
                    // Requests signed with a user's long-lived keys are that user's.
                    if let Some(user) = &bound.start_as {
                        query.start = Session::of(Principal::User(user.clone()));
                    }
                    query.via = bound.via;
                    query.options.session_name = bound.session_name.or(query.options.session_name);
                    query.options.duration_seconds =
                        bound.duration_seconds.or(query.options.duration_seconds);
                    // The session policy the settings pass is the one the client sends.
                    if bound.session_policy.is_some() {
                        query.options.session_policy = bound.session_policy;
                    }
                    // An external id the expectation names wins over the settings' own.
                    if let Some((role, id)) = bound.external_id {
                        query.options.external_ids.entry(role).or_insert(id);
                    }
                    // The client sends its canned ACL on every write (and an ACL write asked of
                    // it carries the same header).
                    let acl_given = query
                        .context
                        .iter()
                        .any(|(key, _)| key.eq_ignore_ascii_case("s3:x-amz-acl"));
                    let writes = action == "s3:PutObject" || action == "s3:PutObjectAcl";
                    if let (Some(acl), true, false) = (&bound.canned_acl, writes, acl_given) {
                        query.context.push((
                            "s3:x-amz-acl".to_owned(),
                            xacct_eval::ContextValue::Single(acl.clone()),
                        ));
                    }
                    // And its encryption headers, which also decide the KMS key of the write.
                    let sse_given = query.context.iter().any(|(key, _)| {
                        key.eq_ignore_ascii_case("s3:x-amz-server-side-encryption")
                    });
                    if action == "s3:PutObject" && !sse_given {
                        query
                            .context
                            .extend(xacct_s3::sse_context(bound.encryption.as_ref()));
                    }
                    note = Some(bound.describe);
                }
                None => {}
            }
            let mut outcome = find(world, index, &query);
            if let Some(route) = settings_route {
                outcome.asked = route;
            }
            asked.push(query.clone());
            let fixes = (expectation.allow && !outcome.allowed() && outcome.error.is_none())
                .then(|| suggest(world, &outcome.path, &query.options));
            let mut case = Case::new(action, resource, outcome);
            case.fixes = fixes;
            case.note = note;
            if case.outcome.allowed() {
                crate::written::apply_object_context(world, expectation, &mut case);
            }
            case
        })
        .collect();
    let mut refusals: Vec<(usize, String)> = Vec::new();
    let follow_ups: Vec<Case> = cases
        .iter()
        .enumerate()
        .flat_map(|(position, case)| {
            // Follow-ups start where the case's chain did (a compute's access keys start
            // from their user, not from `from`).
            let start = &case.outcome.path.start;
            let (context, options) = asked.get(position).map_or_else(
                || (Vec::new(), options.clone()),
                |query| (query.context.clone(), query.options.clone()),
            );
            let granted = Granted {
                world,
                expectation,
                case,
                context: &context,
            };
            let chain = OnChain {
                world,
                index,
                expectation,
                start,
                options: &options,
                primary: case,
            };
            let mut entailed: Vec<Case> = Vec::new();
            for item in ROUTES.iter().flat_map(|route| route.entailed(&granted)) {
                match item {
                    Entailed::Refusal { reason } => refusals.push((position, reason)),
                    Entailed::Refused { error, note } => entailed.push(chain.refused(error, note)),
                    Entailed::Request {
                        action,
                        resource,
                        context,
                        note,
                    } => entailed.push(chain.request(action, resource, context, note)),
                }
            }
            for follow_up in &mut entailed {
                follow_up.follows = Some(position);
            }
            entailed
        })
        .collect();
    for (position, reason) in refusals {
        if let Some(case) = cases.get_mut(position) {
            case.refusal.get_or_insert(reason);
        }
    }
    for mut follow_up in follow_ups {
        // A request the expectation also lists (`s3:PutObjectAcl` next to `s3:PutObject`) is
        // the same request when it goes the same way: it is asked once.
        follow_up.same_as = cases.iter().position(|case| {
            case.follows.is_none() && case.same_as.is_none() && same_request(case, &follow_up)
        });
        if let Some(original) = follow_up.same_as.and_then(|position| cases.get(position)) {
            follow_up.outcome = original.outcome.clone();
            follow_up.refusal = original.refusal.clone();
            follow_up.fixes = original.fixes.clone();
        }
        cases.push(follow_up);
    }
    let before_alongside = cases.len();
    let asked_alongside = Asked {
        world,
        index,
        expectation,
        start: &start.session,
        options: &options,
    };
    for route in ROUTES {
        let base = cases.len();
        cases.extend(
            route
                .alongside(&asked_alongside)
                .into_iter()
                .map(|mut case| {
                    case.follows = case.follows.map(|follows| follows + base);
                    case
                }),
        );
    }
    let mut routes: Vec<Route> = Vec::new();
    for case in cases.iter().filter(|case| case.follows.is_none()) {
        if case.outcome.error.is_none() && !routes.contains(&case.outcome.asked) {
            routes.push(case.outcome.asked.clone());
        }
    }
    if routes.is_empty() {
        routes.push(asked_of(expectation, max_depth));
    }
    // What each request passed: the primary requests come first, one per query asked, then
    // their follow-ups (same chain), then the table reads (the expectation's own settings).
    let assumes = |case: &Case| {
        !case.outcome.path.hops.is_empty() || case.action.eq_ignore_ascii_case("sts:AssumeRole")
    };
    let mut assumptions = Assumptions::default();
    for (case, query) in cases.iter().zip(&asked) {
        assumptions.add_caller_settings(&query.options, assumes(case));
    }
    if cases.len() > before_alongside {
        let tables = cases
            .iter()
            .skip(asked.len())
            .filter(|case| case.follows.is_none());
        let assumed = tables.clone().any(assumes);
        assumptions.add_caller_settings(&options, assumed);
    }
    ExpectationResult {
        expectation: expectation.clone(),
        cases,
        error: None,
        asked: routes,
        assumptions,
    }
}

/// How an expectation asks, before any compute setting routes a request.
fn asked_of(expectation: &Expectation, max_depth: usize) -> Route {
    if expectation.direct {
        Route::Direct
    } else if !expectation.via.is_empty() {
        Route::Via(expectation.via.clone())
    } else if max_depth == 0 {
        Route::Direct
    } else {
        Route::AnyRoute { max_depth }
    }
}

/// Two cases ask the same request: same action, resource, chain and context.
fn same_request(one: &Case, other: &Case) -> bool {
    let request = |case: &Case| {
        case.outcome
            .path
            .last
            .as_ref()
            .map(|step| step.request.context.clone())
    };
    let chain = |case: &Case| -> Vec<String> {
        case.outcome
            .path
            .hops
            .iter()
            .map(|hop| hop.to.clone())
            .collect()
    };
    one.action == other.action
        && one.resource == other.resource
        && one.outcome.error.is_none()
        && other.outcome.error.is_none()
        && chain(one) == chain(other)
        && request(one) == request(other)
}

/// The account of the session that made a case's final request.
pub(crate) fn requester_account(world: &World, case: &Case) -> Option<xacct_policy::AccountId> {
    world.principal_account(&case.outcome.path.final_session().principal)
}

/// Where a follow-up request is checked: by the session of the primary request, on exactly the
/// chain it took (none when it was made directly).
struct OnChain<'a> {
    world: &'a World,
    index: &'a TrustIndex,
    expectation: &'a Expectation,
    start: &'a Session,
    options: &'a AssumeOptions,
    primary: &'a Case,
}

impl OnChain<'_> {
    /// The case of a request the service refuses after the policies allowed it: the primary
    /// request, on its chain, answered with the service's error.
    fn refused(&self, error: String, note: String) -> Case {
        let primary = self.primary;
        let outcome = Outcome {
            path: crate::search::Path {
                start: self.start.clone(),
                hops: primary.outcome.path.hops.clone(),
                last: None,
                final_refusal: None,
            },
            explored: 0,
            error: Some(error),
            asked: primary.outcome.asked.clone(),
        };
        let mut case = Case::new(primary.action.clone(), primary.resource.clone(), outcome);
        case.note = Some(note);
        case
    }

    /// The case of a request the service makes with the same session.
    fn request(
        &self,
        action: String,
        resource: String,
        context: Vec<(String, xacct_eval::ContextValue)>,
        note: String,
    ) -> Case {
        let query = Query {
            start: self.start.clone(),
            via: self
                .primary
                .outcome
                .path
                .hops
                .iter()
                .map(|hop| hop.to.clone())
                .collect(),
            action,
            resource,
            context,
            options: self.options.clone(),
            max_depth: 0,
        };
        let outcome = find(self.world, self.index, &query);
        let fixes = (self.expectation.allow && !outcome.allowed() && outcome.error.is_none())
            .then(|| suggest(self.world, &outcome.path, self.options));
        let mut case = Case::new(query.action, query.resource, outcome);
        case.fixes = fixes;
        case.note = Some(note);
        case
    }
}

/// Checks the instance profiles and deployers of every compute entry.
pub fn check_compute(world: &World) -> Vec<ComputeCheck> {
    let mut checks = Vec::new();
    for compute in world.compute.values() {
        // The service that assumes the compute's role: EC2 for an instance profile, Glue for a
        // Glue job's role.
        let (service, role, holder, account) = if let Some(profile) = compute
            .instance_profile
            .as_ref()
            .and_then(|arn| world.instance_profiles.get(arn))
        {
            (
                "ec2.amazonaws.com",
                profile.role.clone(),
                profile.arn.clone(),
                profile.account,
            )
        } else if let (Some(_), Some(role)) = (
            &compute.settings.glue,
            compute.role.as_ref().and_then(|arn| world.roles.get(arn)),
        ) {
            (
                "glue.amazonaws.com",
                role.arn.clone(),
                format!("Glue job {}", compute.name),
                role.account,
            )
        } else {
            continue;
        };
        let what = format!("the role of {holder} trusts {service}");
        match world.service_request(service, "sts:AssumeRole", &role) {
            Ok(request) => {
                let response = authorize(&request);
                let step = Step { request, response };
                let fix = (!step.allowed()).then(|| Fix {
                    target: Target::TrustPolicy { role: role.clone() },
                    account: account.to_string(),
                    summary: format!("add to the trust policy of {role}"),
                    statement: Some(json!({"Sid": if service == "ec2.amazonaws.com" { "XacctAllowEc2" } else { "XacctAllowGlue" }, "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})),
                });
                checks.push(ComputeCheck {
                    compute: compute.name.clone(),
                    what,
                    step: Some(step),
                    error: None,
                    fix,
                });
            }
            Err(error) => checks.push(ComputeCheck {
                compute: compute.name.clone(),
                what,
                step: None,
                error: Some(error.to_string()),
                fix: None,
            }),
        }
        let Some(deployer) = &compute.deployed_by else {
            continue;
        };
        let principal = if world.users.contains_key(deployer) {
            Principal::User(deployer.clone())
        } else {
            Principal::Role(deployer.clone())
        };
        let service_name = if service == "ec2.amazonaws.com" {
            "EC2"
        } else {
            "Glue"
        };
        let what = format!("{deployer} may iam:PassRole {role} to {service_name}");
        let context = vec![(
            "iam:PassedToService".to_owned(),
            xacct_eval::ContextValue::Single(service.to_owned()),
        )];
        match world.request(&Session::of(principal), "iam:PassRole", &role, &context) {
            Ok(request) => {
                let response = authorize(&request);
                let step = Step { request, response };
                let fix = (!step.allowed() && step.response.decision != xacct_eval::Decision::ExplicitDeny).then(|| Fix {
                    target: Target::IdentityPolicy { principal: deployer.clone() },
                    account: account.to_string(),
                    summary: format!("add to an identity policy of {deployer}"),
                    statement: Some(json!({"Sid": "XacctAllowPassRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": role, "Condition": {"StringEquals": {"iam:PassedToService": service}}})),
                });
                checks.push(ComputeCheck {
                    compute: compute.name.clone(),
                    what,
                    step: Some(step),
                    error: None,
                    fix,
                });
            }
            Err(error) => checks.push(ComputeCheck {
                compute: compute.name.clone(),
                what,
                step: None,
                error: Some(error.to_string()),
                fix: None,
            }),
        }
    }
    checks
}

/// Runs every expectation and compute check of a world.
pub fn check(world: &World) -> Report {
    let index = TrustIndex::new(world);
    Report {
        expectations: world
            .expectations
            .iter()
            .map(|expectation| run_expectation(world, &index, expectation))
            .collect(),
        compute: [check_compute(world), crate::runtime_role::checks(world)].concat(),
    }
}

/// Applies every fix a report suggests (each distinct fix once) to `world`: documents change,
/// and external ids the callers must pass are added to the expectations that need them.
/// Returns how many fixes were applied.
pub fn apply_fixes(world: &mut World, report: &Report) -> Result<usize, String> {
    let mut applied: Vec<(Target, Option<serde_json::Value>)> = Vec::new();
    let mut apply_once =
        |world: &mut World, options: &mut AssumeOptions, fix: &Fix| -> Result<(), String> {
            let key = (fix.target.clone(), fix.statement.clone());
            // Documents change once; caller settings belong to each expectation.
            let per_caller = matches!(fix.target, Target::ExternalId { .. });
            if applied.contains(&key) && !per_caller {
                return Ok(());
            }
            crate::fix::apply(world, options, fix)?;
            if !applied.contains(&key) {
                applied.push(key);
            }
            Ok(())
        };
    for (index, result) in report.expectations.iter().enumerate() {
        let mut options = options_of(&result.expectation);
        for case in &result.cases {
            if let Some(Ok(fixes)) = &case.fixes {
                for fix in fixes {
                    apply_once(world, &mut options, fix)?;
                }
            }
        }
        if let Some(expectation) = world.expectations.get_mut(index) {
            expectation.external_ids = options.external_ids;
            expectation.session_policy = options.session_policy.map(|stated| stated.policy);
        }
    }
    for check in &report.compute {
        if let Some(fix) = &check.fix {
            apply_once(world, &mut AssumeOptions::default(), fix)?;
        }
    }
    Ok(applied.len())
}
