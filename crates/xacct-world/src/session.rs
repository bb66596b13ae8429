//! Sessions, and turning "this session does that on this resource" into an engine request with
//! every policy and context key the world implies.

use crate::model::World;
use std::collections::BTreeMap;
use xacct_eval::assumed::{requested_region, Assumption, RequestedRegion, DEFAULT_REGION};
use xacct_eval::{Caller, Context, ContextValue, PolicySet, Request, SourcedPolicy};
use xacct_policy::{AccountId, ActionName, Arn};

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Principal {
    /// A role, by ARN.
    Role(String),
    /// An IAM user, by ARN.
    User(String),
}

impl Principal {
    pub fn arn(&self) -> &str {
        match self {
            Self::Role(arn) | Self::User(arn) => arn,
        }
    }
}

/// A set of credentials making requests: a role session (possibly obtained by an EC2 instance
/// profile, possibly chained from another role) or an IAM user.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub session_name: Option<String>,
    pub session_policy: Option<SourcedPolicy>,
    /// Session tags passed to AssumeRole; they override role tags of the same key.
    pub tags: BTreeMap<String, String>,
    /// The keys of `tags` that are transitive: a session this one assumes inherits them
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>, "Chaining roles
    /// with session tags").
    pub transitive_tag_keys: std::collections::BTreeSet<String>,
    pub source_identity: Option<String>,
    /// Obtained with another role's credentials: capped at one hour.
    pub chained: bool,
    /// Obtained by EC2 for an instance profile.
    pub from_instance_profile: bool,
}

impl Session {
    pub fn of(principal: Principal) -> Self {
        Self {
            principal,
            session_name: None,
            session_policy: None,
            tags: BTreeMap::new(),
            transitive_tag_keys: std::collections::BTreeSet::new(),
            source_identity: None,
            chained: false,
            from_instance_profile: false,
        }
    }

    /// How the session reads in explanations: the session ARN when the name is known.
    pub fn display(&self) -> String {
        match (&self.principal, &self.session_name) {
            (Principal::Role(arn), Some(name)) => {
                let (prefix, role) = arn.split_once(":role/").unwrap_or((arn, ""));
                let role = role.rsplit('/').next().unwrap_or(role);
                format!(
                    "{}:assumed-role/{role}/{name}",
                    prefix.replacen(":iam:", ":sts:", 1)
                )
            }
            (principal, _) => principal.arn().to_owned(),
        }
    }
}

/// Why a request cannot be built from the world.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("`{0}` is not an action: expected `service:Action`")]
    Action(String),
    #[error("`{0}` is not an ARN")]
    Resource(String),
    #[error("bucket `{0}` is not in the scenario: declare it with [[bucket]] so its owner and policy are known")]
    UnknownBucket(String),
    #[error("`{0}` is not a role or user of the scenario")]
    UnknownPrincipal(String),
    #[error("the resource `{0}` names no account and is not a known resource")]
    UnknownAccount(String),
    #[error("{0}")]
    UnknownResource(String),
    #[error("{0}")]
    Invalid(String),
}

/// What the world knows about a resource: its owner and resource-based policy.
pub struct ResourceFacts {
    pub account: AccountId,
    pub policy: Option<SourcedPolicy>,
    /// The document to fix when the resource policy is missing a statement.
    pub policy_name: String,
    /// KMS grants on the key.
    pub grants: Vec<SourcedPolicy>,
}

impl World {
    /// A bucket policy as it reaches a principal of `requester`: with RestrictPublicBuckets on
    /// and a public policy, only principals of the bucket owner's account (and AWS services)
    /// get anything from it, so for the others its Allow statements are dropped; its Deny
    /// statements still apply.
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
    fn restrict_public_buckets(
        &self,
        resource: &Arn,
        policy: Option<SourcedPolicy>,
        requester: AccountId,
    ) -> Option<SourcedPolicy> {
        let policy = policy?;
        let Some(reason) = self.public_policy_cut_off(resource, requester) else {
            return Some(policy);
        };
        let mut cut = (*policy.policy).clone();
        cut.statements
            .retain(|statement| statement.effect == xacct_policy::Effect::Deny);
        let mut reduced = SourcedPolicy::new(
            cut,
            format!("{} (Allow statements cut off: {reason})", policy.label),
        );
        reduced.source = policy.source;
        Some(reduced)
    }

    /// Why RestrictPublicBuckets keeps the policy of the bucket `resource` is in from reaching
    /// principals of `requester`, when it does.
    pub fn public_policy_cut_off(&self, resource: &Arn, requester: AccountId) -> Option<String> {
        // An access point's own RestrictPublicBuckets guards its policy as a bucket's does
        // ("restricts access to an access point or bucket with a public policy", same page).
        if let Some(through) = self.through_access_point(resource.as_str()) {
            let access_point = through.access_point;
            let settings = self
                .block_public_access_with(access_point.account, access_point.block_public_access);
            return xacct_s3::restrict_public_buckets_blocks(
                &settings,
                &access_point.policy.as_ref()?.policy,
                Some(requester),
                access_point.account,
                false,
            )
            .map(|reason| {
                format!(
                    "for access point {} (its own settings; the owner is the access point's): {reason}",
                    access_point.name
                )
            });
        }
        if resource.service() != "s3" || resource.account().is_some() {
            return None;
        }
        let bucket = self.buckets.get(resource.resource().split('/').next()?)?;
        xacct_s3::restrict_public_buckets_blocks(
            &self.public_access_settings(bucket),
            &bucket.policy.as_ref()?.policy,
            Some(requester),
            bucket.account,
            false,
        )
    }

    /// The account of a role or user of the world.
    pub fn principal_account(&self, principal: &Principal) -> Option<AccountId> {
        match principal {
            Principal::Role(arn) => self.roles.get(arn).map(|role| role.account),
            Principal::User(arn) => self.users.get(arn).map(|user| user.account),
        }
    }

    /// Where a principal sits, as Lake Formation and RAM see it.
    pub fn lake_requester(&self, session: &Session) -> Option<xacct_lake::Requester> {
        let arn = session.principal.arn().to_owned();
        let account = self.principal_account(&session.principal)?;
        let member = self.in_organization(account);
        Some(xacct_lake::Requester {
            arn,
            account,
            organization: self
                .organization
                .as_ref()
                .filter(|_| member)
                .map(|organization| organization.id.clone()),
            organization_path: self.organization_path(account),
        })
    }

    /// What RAM adds to another account's Glue catalog policy for a share that reaches the
    /// requester's account: the catalog reads on the shared catalog, databases and tables
    /// (<https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-read-data.html>).
    /// Only a share that is active for the account (accepted, or within the organization with
    /// sharing enabled) adds anything.
    fn ram_shared_catalog(
        &self,
        resource: &Arn,
        session: &Session,
        requester: AccountId,
    ) -> Option<SourcedPolicy> {
        let owner = resource.account()?;
        if resource.service() != "glue" || owner == requester {
            return None;
        }
        let region = resource.region();
        let lake_requester = self.lake_requester(session)?;
        let path = resource.resource();
        let databases: Vec<String> = if let Some(name) = path.strip_prefix("database/") {
            vec![name.to_owned()]
        } else if let Some(rest) = path.strip_prefix("table/") {
            vec![rest.split('/').next().unwrap_or_default().to_owned()]
        } else {
            self.lake
                .catalog(owner, region)
                .map(|catalog| catalog.databases.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (database, state) = databases.iter().find_map(|database| {
            if !self.lake.shares_with(owner, &lake_requester, database) {
                return None;
            }
            match self.lake.share_state(owner, &lake_requester, database) {
                state @ xacct_lake::ShareState::Active { .. } => Some((database.clone(), state)),
                _ => None,
            }
        })?;
        let document = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "RamSharedCatalogRead",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{requester}:root")},
                "Action": ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"],
                "Resource": [
                    format!("arn:aws:glue:{region}:{owner}:catalog"),
                    format!("arn:aws:glue:{region}:{owner}:database/{database}"),
                    format!("arn:aws:glue:{region}:{owner}:table/{database}/*"),
                ],
            }],
        });
        let text = serde_json::to_string_pretty(&document).ok()?;
        let label = format!(
            "statements RAM adds to the Glue catalog policy of {owner} ({})",
            state.describe()
        );
        let source = xacct_policy::SourceFile::new(label.clone(), text);
        let parsed = xacct_policy::parse_policy(source.text(), xacct_policy::PolicyKind::Resource);
        Some(SourcedPolicy::new(parsed.policy, label).with_source(source))
    }

    /// The facts of a request for an action that takes no resource (asked with `*`): made
    /// on the service as a whole in the requester's own account, with no resource policy.
    fn facts_of_everything(&self, requester: &Principal) -> Result<ResourceFacts, RequestError> {
        let account = self
            .principal_account(requester)
            .ok_or_else(|| RequestError::UnknownPrincipal(requester.arn().to_owned()))?;
        Ok(ResourceFacts {
            account,
            policy: None,
            policy_name: String::new(),
            grants: Vec::new(),
        })
    }

    /// An undeclared bucket a question asked about, as assumed: in the requester's account,
    /// with no bucket policy.
    pub fn assumed_bucket_facts(
        &self,
        name: &str,
        requester: &Principal,
    ) -> Result<ResourceFacts, RequestError> {
        let account = match self.assumed_buckets.get(name).copied().flatten() {
            Some(account) => account,
            None => self
                .principal_account(requester)
                .ok_or_else(|| RequestError::UnknownPrincipal(requester.arn().to_owned()))?,
        };
        Ok(ResourceFacts {
            account,
            policy: None,
            policy_name: format!("the bucket policy of {name} (assumed: none)"),
            grants: Vec::new(),
        })
    }

    /// The owner and policy of a resource, for an action on it.
    pub fn resource_facts(
        &self,
        action: &ActionName,
        resource: &Arn,
    ) -> Result<ResourceFacts, RequestError> {
        match resource.service() {
            "s3" if resource.account().is_none() => {
                let bucket_name = resource.resource().split('/').next().unwrap_or_default();
                let bucket = self
                    .buckets
                    .get(bucket_name)
                    .ok_or_else(|| RequestError::UnknownBucket(bucket_name.to_owned()))?;
                Ok(ResourceFacts {
                    account: bucket.account,
                    policy: bucket.policy.clone(),
                    policy_name: format!("the bucket policy of {}", bucket.name),
                    grants: Vec::new(),
                })
            }
            "s3" if resource.resource().starts_with("accesspoint/") => {
                let through = self.through_access_point(resource.as_str()).ok_or_else(|| {
                    RequestError::UnknownResource(format!(
                        "access point `{resource}` is not in the scenario: declare it with [[access_point]] so its owner, bucket and policy are known"
                    ))
                })?;
                Ok(ResourceFacts {
                    account: through.access_point.account,
                    policy: through.access_point.policy.clone(),
                    policy_name: format!(
                        "the access point policy of {}",
                        through.access_point.name
                    ),
                    grants: Vec::new(),
                })
            }
            "iam" if resource.resource().starts_with("role/") => {
                let account = resource
                    .account()
                    .ok_or_else(|| RequestError::UnknownAccount(resource.to_string()))?;
                let role = self.roles.get(resource.as_str());
                let trust = (action.service() == "sts")
                    .then(|| role.map(|role| role.trust.clone()))
                    .flatten();
                Ok(ResourceFacts {
                    account,
                    policy: trust,
                    policy_name: format!("the trust policy of {resource}"),
                    grants: Vec::new(),
                })
            }
            "kms" if resource.resource().starts_with("key/") => {
                let key = self.keys.get(resource.as_str()).ok_or_else(|| {
                    RequestError::UnknownResource(format!(
                        "key `{resource}` is not in the scenario: declare it with [[key]] so its key policy is known"
                    ))
                })?;
                Ok(ResourceFacts {
                    account: key.account,
                    policy: key.policy.clone(),
                    policy_name: format!("the key policy of {resource}"),
                    grants: key.grants.clone(),
                })
            }
            "glue" => {
                let account = resource
                    .account()
                    .ok_or_else(|| RequestError::UnknownAccount(resource.to_string()))?;
                Ok(ResourceFacts {
                    account,
                    policy: self
                        .catalog_policies
                        .get(&(account, resource.region().to_owned()))
                        .cloned(),
                    policy_name: format!(
                        "the Glue catalog policy of {account} ({})",
                        resource.region()
                    ),
                    grants: Vec::new(),
                })
            }
            "kinesis" if resource.resource().starts_with("stream/") => {
                let (stream_arn, consumer) = match resource.as_str().split_once("/consumer/") {
                    Some((stream, _)) => (stream, true),
                    None => (resource.as_str(), false),
                };
                let stream = self.streams.get(stream_arn).ok_or_else(|| {
                    RequestError::UnknownResource(format!(
                        "stream `{stream_arn}` is not in the scenario: declare it with [[stream]] so its owner and policy are known"
                    ))
                })?;
                // A consumer has its own resource policy; the stream's does not cover it.
                let (policy, policy_name) = if consumer {
                    let policy = stream.consumers.get(resource.as_str()).cloned().flatten();
                    (policy, format!("the consumer policy of {resource}"))
                } else {
                    (
                        stream.policy.clone(),
                        format!("the stream policy of {}", stream.name),
                    )
                };
                Ok(ResourceFacts {
                    account: stream.account,
                    policy,
                    policy_name,
                    grants: Vec::new(),
                })
            }
            _ => {
                let account = resource
                    .account()
                    .ok_or_else(|| RequestError::UnknownAccount(resource.to_string()))?;
                Ok(ResourceFacts {
                    account,
                    policy: None,
                    policy_name: format!("the resource policy of {resource}"),
                    grants: Vec::new(),
                })
            }
        }
    }

    /// Builds the request `session` makes for `action` on `resource`, with `extra` context
    /// keys (from the expectation or the command line) on top of what the world implies.
    pub fn request(
        &self,
        session: &Session,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
    ) -> Result<Request, RequestError> {
        let action: ActionName = action
            .parse()
            .map_err(|_| RequestError::Action(action.to_owned()))?;
        // An access point alias stands for its access point wherever a bucket name goes.
        let aliased = self.resolve_alias(resource);
        let resource = aliased.as_deref().unwrap_or(resource);
        // An action that takes no resource is asked with `*`.
        let everything = resource == "*";
        let resource: Arn = if everything {
            everything_of(&action)?
        } else {
            resource
                .parse()
                .map_err(|_| RequestError::Resource(resource.to_owned()))?
        };
        let mut facts = match self.resource_facts(&action, &resource) {
            _ if everything => self.facts_of_everything(&session.principal)?,
            Err(RequestError::UnknownBucket(name)) if self.assumed_buckets.contains_key(&name) => {
                self.assumed_bucket_facts(&name, &session.principal)?
            }
            other => other?,
        };

        let (caller, account, policies, boundary, tags, service_linked) = match &session.principal {
            Principal::Role(arn) => {
                let role = self
                    .roles
                    .get(arn)
                    .ok_or_else(|| RequestError::UnknownPrincipal(arn.clone()))?;
                let caller = Caller::RoleSession {
                    account: role.account,
                    role_name: role.name.clone(),
                    role_arn: role.arn.clone(),
                    session_name: session.session_name.clone(),
                };
                (
                    caller,
                    role.account,
                    role.policies.clone(),
                    role.boundary.clone(),
                    role.tags.clone(),
                    role.service_linked,
                )
            }
            Principal::User(arn) => {
                let user = self
                    .users
                    .get(arn)
                    .ok_or_else(|| RequestError::UnknownPrincipal(arn.clone()))?;
                let caller = Caller::User {
                    account: user.account,
                    name: user.name.clone(),
                    arn: user.arn.clone(),
                };
                (
                    caller,
                    user.account,
                    user.policies.clone(),
                    user.boundary.clone(),
                    user.tags.clone(),
                    false,
                )
            }
        };

        facts.policy = self.restrict_public_buckets(&resource, facts.policy, account);
        if let Some(shared) = self.ram_shared_catalog(&resource, session, account) {
            facts.grants.push(shared);
        }

        let mut context = Context::new();
        let insert = |context: &mut Context, key: &str, value: ContextValue| {
            context
                .insert(key, value)
                .map_err(|error| RequestError::Invalid(error.to_string()))
        };
        for (key, value) in extra {
            insert(&mut context, key, value.clone())?;
        }
        let supplied =
            |context: &Context, key: &str| context.entry(&key.to_ascii_lowercase()).is_some();
        let mut implied: Vec<(String, ContextValue)> = Vec::new();
        if let Some(organization) = &self.organization {
            if self.in_organization(account) {
                implied.push((
                    "aws:PrincipalOrgID".to_owned(),
                    ContextValue::Single(organization.id.clone()),
                ));
                if let Some(path) = self.organization_path(account) {
                    implied.push((
                        "aws:PrincipalOrgPaths".to_owned(),
                        ContextValue::Multi(vec![path]),
                    ));
                }
            }
            if self.in_organization(facts.account) {
                implied.push((
                    "aws:ResourceOrgID".to_owned(),
                    ContextValue::Single(organization.id.clone()),
                ));
                if let Some(path) = self.organization_path(facts.account) {
                    implied.push((
                        "aws:ResourceOrgPaths".to_owned(),
                        ContextValue::Multi(vec![path]),
                    ));
                }
            }
        }
        let mut principal_tags = tags;
        principal_tags.extend(session.tags.clone());
        for (key, value) in principal_tags {
            implied.push((
                format!("aws:PrincipalTag/{key}"),
                ContextValue::Single(value),
            ));
        }
        if let Some(source_identity) = &session.source_identity {
            implied.push((
                "aws:SourceIdentity".to_owned(),
                ContextValue::Single(source_identity.clone()),
            ));
        }
        // S3 names the access point a request came through, on both of its sides.
        if let Some(through) = self.through_access_point(resource.as_str()) {
            implied.extend(through.access_point.context());
        }
        // KMS evaluates the caller's account (AWS managed keys allow only their own account).
        if action.service() == "kms" {
            implied.push((
                "kms:CallerAccount".to_owned(),
                ContextValue::Single(account.to_string()),
            ));
        }
        for (key, value) in implied {
            if !supplied(&context, &key) {
                insert(&mut context, &key, value)?;
            }
        }
        let assumed = context.fill_always_present(
            self.request_time,
            &self.requested_region(&action, &resource),
        );

        let is_management = self
            .organization
            .as_ref()
            .is_some_and(|organization| organization.management_account == account);
        let mut policies = policies;
        if let Some(access_point) = self.bucket_side_of(resource.as_str(), &context) {
            if account != facts.account {
                policies.push(decided_at_access_point(access_point, &action, &resource)?);
            }
        }
        let policy_set = PolicySet {
            identity: policies,
            resource: facts.policy,
            grants: facts.grants,
            permission_boundary: boundary,
            session: session.session_policy.clone(),
            scps: self.scp_levels(account),
            rcps: self.rcp_levels(facts.account),
        };
        let mut request = Request::new(
            caller,
            action,
            resource,
            Some(facts.account),
            context,
            policy_set,
        )
        .map_err(|error| RequestError::Invalid(error.to_string()))?;
        request.principal_is_management_account = is_management;
        request.principal_is_service_linked_role = service_linked;
        request.assumptions = assumed;
        Ok(request)
    }
}

impl World {
    /// A request made by an AWS service principal (e.g. EC2 assuming an instance profile's
    /// role): only the resource policy and the resource side's RCPs take part.
    pub fn service_request(
        &self,
        service: &str,
        action: &str,
        resource: &str,
    ) -> Result<Request, RequestError> {
        let action: ActionName = action
            .parse()
            .map_err(|_| RequestError::Action(action.to_owned()))?;
        let resource: Arn = resource
            .parse()
            .map_err(|_| RequestError::Resource(resource.to_owned()))?;
        let facts = self.resource_facts(&action, &resource)?;
        let policy_set = PolicySet {
            resource: facts.policy,
            grants: facts.grants,
            rcps: self.rcp_levels(facts.account),
            ..PolicySet::default()
        };
        let mut context = Context::new();
        let assumed = context.fill_always_present(
            self.request_time,
            &self.requested_region(&action, &resource),
        );
        let mut request = Request::new(
            Caller::Service {
                name: service.to_owned(),
            },
            action,
            resource,
            Some(facts.account),
            context,
            policy_set,
        )
        .map_err(|error| RequestError::Invalid(error.to_string()))?;
        request.assumptions = assumed;
        Ok(request)
    }

    /// What every answer about this world rests on: the time its requests are made, and the
    /// Region they go to (for one question, that of its resource; otherwise the rule, with the
    /// buckets whose Region is assumed).
    pub fn request_assumptions(&self, question: Option<(&str, &str)>) -> Vec<Assumption> {
        let mut assumed = vec![self.request_time.assumption()];
        let parsed = question.and_then(|(action, resource)| {
            Some((
                action.parse::<ActionName>().ok()?,
                resource.parse::<Arn>().ok()?,
            ))
        });
        match parsed {
            Some((action, resource)) => {
                assumed.push(self.requested_region(&action, &resource).assumption());
            }
            None => {
                let undeclared: Vec<&str> = self
                    .buckets
                    .values()
                    .filter(|bucket| bucket.region.is_none())
                    .map(|bucket| bucket.name.as_str())
                    .collect();
                let buckets = if undeclared.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", undeclared.join(", "))
                };
                assumed.push(Assumption::new(
                    "region",
                    format!("aws:RequestedRegion is each request's resource Region: the Region in its ARN or the bucket's declared Region; {DEFAULT_REGION} for IAM, for STS and for buckets that declare none{buckets}"),
                ));
            }
        }
        let unstated = self.lake.unstated_cross_account_versions();
        if !unstated.is_empty() {
            let accounts: Vec<String> = unstated.iter().map(ToString::to_string).collect();
            assumed.push(Assumption::new(
                "lake-cross-account-version",
                format!(
                    "Lake Formation cross-account grants of account {} are decided under cross-account version {} (the newest), which the scenario does not state; AWS gives an account whose settings name none version 1, which carries fewer grants: set `cross_account_version` on its [[catalog]] for an exact answer",
                    accounts.join(", "),
                    xacct_lake::tags::ASSUMED_CROSS_ACCOUNT_VERSION
                ),
            ));
        }
        assumed.push(Assumption::new(
            "secure-transport",
            "aws:SecureTransport is true: SDKs and the CLI call AWS over TLS",
        ));
        assumed
    }

    /// The Region a request on `resource` is sent to: a bucket's declared Region (clients
    /// follow S3's redirect to it), else what the request alone says
    /// ([`requested_region`]: a global service's endpoint, the ARN's Region, or the default,
    /// us-east-1, said as an assumption).
    pub fn requested_region(&self, action: &ActionName, resource: &Arn) -> RequestedRegion {
        let from_request = requested_region(action, resource);
        if resource.service() != "s3" || !resource.region().is_empty() || action.service() != "s3" {
            return from_request;
        }
        let bucket_name = resource.resource().split('/').next().unwrap_or_default();
        match self.buckets.get(bucket_name).map(|bucket| &bucket.region) {
            Some(Some(region)) => {
                RequestedRegion::new(region.clone(), format!("the Region of bucket {bucket_name}"))
            }
            Some(None) => RequestedRegion::new(
                DEFAULT_REGION,
                format!("bucket {bucket_name} declares no Region, so {DEFAULT_REGION} is assumed; set `region` on the bucket to change it"),
            ),
            None => from_request,
        }
    }
}

/// The resource a request for an action that takes no resource names: `arn:aws:SERVICE:::*`.
/// The engine needs an ARN; AWS matches such a request against `"Resource": "*"`, and a
/// pattern for the whole service (`arn:aws:s3:::*`) matches it here too.
pub fn everything_of(action: &ActionName) -> Result<Arn, RequestError> {
    format!("arn:aws:{}:::*", action.service())
        .parse()
        .map_err(|_| RequestError::Resource("*".to_owned()))
}

/// The bucket side of a request through an access point, for a caller of another account than
/// the bucket's: the caller's identity policies were asked on the access point ARN, and S3 asks
/// the bucket owner's policy alone here ("the permissions granted in an access point policy are
/// effective only if the underlying bucket also allows the same access",
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html>). The
/// identity side of this request is therefore an Allow that says where it was decided; the
/// caller's own Deny statements still apply.
fn decided_at_access_point(
    access_point: &crate::access_point::AccessPoint,
    action: &ActionName,
    resource: &Arn,
) -> Result<SourcedPolicy, RequestError> {
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DecidedAtTheAccessPoint",
            "Effect": "Allow",
            "Action": action.to_string(),
            "Resource": resource.to_string(),
        }],
    });
    let parsed =
        xacct_policy::parse_policy(&document.to_string(), xacct_policy::PolicyKind::Identity);
    if parsed.has_errors() {
        return Err(RequestError::Invalid(format!(
            "the access point side of {action} on {resource} is not a valid policy"
        )));
    }
    Ok(SourcedPolicy::new(
        parsed.policy,
        format!(
            "the caller's identity policies, asked on access point {} (S3 asks the bucket owner's policy alone for the bucket side)",
            access_point.arn()
        ),
    ))
}
