//! The smallest change that makes a failing link pass, as a ready-to-paste statement with the
//! document and account it belongs to, and the means to apply it to a world.

use crate::search::{AssumeOptions, Link, Path, SessionPolicyPlace, Step};
use serde::Serialize;
use serde_json::{json, Value};
use xacct_eval::{Caller, Decision, Explanation, Gap, Layer, SourcedPolicy};
use xacct_policy::condition::BaseOperator;
use xacct_policy::{parse_policy, AccountId, Effect, PolicyKind, Statement};
use xacct_world::World;

/// The document a fix changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Target {
    TrustPolicy {
        role: String,
    },
    IdentityPolicy {
        principal: String,
    },
    BucketPolicy {
        bucket: String,
    },
    KeyPolicy {
        key: String,
    },
    StreamPolicy {
        stream: String,
    },
    ConsumerPolicy {
        consumer: String,
    },
    /// The policy of an S3 access point, by ARN.
    AccessPointPolicy {
        #[serde(rename = "accessPoint")]
        access_point: String,
    },
    /// An AWS managed key cannot be shared: encrypt the bucket with a new customer managed key
    /// whose key policy holds the statement.
    CustomerManagedKey {
        bucket: String,
        key: String,
    },
    PermissionBoundary {
        principal: String,
    },
    /// An SCP level of the principal's account: 0 is the root.
    ServiceControlPolicy {
        account: String,
        level: usize,
    },
    /// A Lake Formation grant made by the data lake administrator of `grantor`.
    LakeGrant {
        grantor: String,
        principal: String,
        /// The `Resource` of the `GrantPermissions` request, as JSON text.
        resource: String,
        permission: String,
        grantable: bool,
    },
    /// Assigning an LF-Tag value to a database, table or column, so that a grant's LF-Tag
    /// expression matches it.
    LakeTagAssignment(xacct_lake::TagAssignment),
    /// Raising the cross-account version of an account's data lake settings.
    CrossAccountVersion {
        account: String,
        region: String,
        version: u8,
    },
    /// Letting engines outside AWS's analytics services (EMR, third-party engines) get
    /// credentials from Lake Formation: `account`'s application integration settings.
    ExternalEngines {
        account: String,
        region: String,
        change: xacct_lake::SettingsChange,
    },
    /// Accepting a RAM share invitation in `account`.
    AcceptShare {
        share: Option<String>,
        account: String,
    },
    /// Not a document: the bucket's Object Ownership becomes BucketOwnerEnforced.
    ObjectOwnership {
        bucket: String,
    },
    /// Not a document: the caller must pass this `ExternalId` when assuming the role.
    ExternalId {
        role: String,
        value: String,
    },
    /// The session policy the caller passes: in a compute setting or an expectation.
    SessionPolicy {
        #[serde(flatten)]
        place: SessionPolicyPlace,
    },
}

/// One suggested change.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    pub target: Target,
    pub account: String,
    /// "add to the trust policy of arn:aws:iam::222222222222:role/MyRoleB".
    pub summary: String,
    /// The statement to add (absent for configuration fixes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Value>,
}

/// Why no fix can be suggested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoFix {
    #[error("an explicit deny decides: {0}; remove or narrow that statement (xacct does not weaken a deny for you)")]
    ExplicitDeny(String),
    #[error("{0}")]
    Other(String),
}

/// The `Resource` of an identity statement for `action`: `*` for an action without
/// resource-level permissions (the generated service table says which), where AWS requires it.
fn identity_resource(action: &str, resource: &str) -> String {
    let resource_level = action.split_once(':').and_then(|(service, name)| {
        xacct_catalog::catalog()
            .service(service)?
            .action(name)
            .map(|found| !found.resource_types.is_empty())
    });
    match resource_level {
        Some(false) => "*".to_owned(),
        _ => resource.to_owned(),
    }
}

/// A statement id from words: `Xacct` then each word capitalised, non-alphanumerics dropped.
pub fn sid(words: &[&str]) -> String {
    let mut out = String::from("Xacct");
    for word in words {
        for part in word.split(|c: char| !c.is_ascii_alphanumeric()) {
            let mut characters = part.chars();
            if let Some(first) = characters.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(characters);
            }
        }
    }
    out
}

fn caller_arn(caller: &Caller) -> String {
    caller
        .principal_arn()
        .unwrap_or_else(|| caller.identity_arn())
}

fn owner_account(step: &Step) -> String {
    step.request
        .caller
        .account()
        .map_or_else(String::new, |account| account.to_string())
}

/// An Allow statement in the trust policy that fails only on `sts:ExternalId`, and the value
/// it wants.
fn external_id_wanted(step: &Step) -> Option<String> {
    let trust = step.request.policies.resource.as_ref()?;
    let explanation = Explanation::new(&step.request, &step.response);
    for miss in &explanation.near_misses {
        if miss.reference.layer != Layer::ResourcePolicy || miss.reference.effect != Effect::Allow {
            continue;
        }
        let statement: &Statement = trust
            .policy
            .statements
            .iter()
            .find(|s| s.index == miss.reference.statement)?;
        let failing: Vec<_> = statement
            .conditions
            .iter()
            .filter(|condition| !condition.holds(&step.request.context, statement.effect))
            .collect();
        if let [condition] = failing.as_slice() {
            let plain_equals = matches!(
                condition.operator.base,
                BaseOperator::StringEquals | BaseOperator::StringLike
            ) && condition.operator.set.is_none();
            if condition.key_lowercase == "sts:externalid" && plain_equals {
                return condition.values.first().map(|value| value.text.clone());
            }
        }
    }
    None
}

/// For a request on an AWS managed `aws/s3` key: the bucket encrypted with it and the ARN of
/// the customer managed key to replace it with.
fn aws_managed_replacement(
    world: &World,
    request: &xacct_eval::Request,
) -> Option<(String, String)> {
    let key = world
        .keys
        .get(request.resource.as_str())
        .filter(|key| key.aws_managed)?;
    let bucket = world.buckets.values().find(|bucket| {
        bucket.account == key.account
            && bucket.encryption == xacct_s3::DefaultEncryption::AwsManagedKms
    })?;
    Some((
        bucket.name.clone(),
        format!(
            "arn:aws:kms:{}:{}:key/xacct-{}",
            key.region, key.account, bucket.name
        ),
    ))
}

/// The resource policy to add a grant to, how to say so, and the Resource to write in it
/// (`*` in a key policy, where it means "this key").
fn resource_policy_target(
    world: &World,
    request: &xacct_eval::Request,
) -> Option<(Target, String, String)> {
    let resource = &request.resource;
    match resource.service() {
        "s3" if resource.resource().starts_with("accesspoint/") => {
            let through = world.through_access_point(resource.as_str())?;
            Some((
                Target::AccessPointPolicy {
                    access_point: through.access_point.arn(),
                },
                format!(
                    "add to the access point policy of {}",
                    through.access_point.name
                ),
                resource.to_string(),
            ))
        }
        "s3" => {
            let bucket = resource.resource().split('/').next()?.to_owned();
            world.buckets.contains_key(&bucket).then(|| {
                (
                    Target::BucketPolicy {
                        bucket: bucket.clone(),
                    },
                    format!("add to the bucket policy of {bucket}"),
                    resource.to_string(),
                )
            })
        }
        "kms" => world
            .keys
            .get(resource.as_str())
            .filter(|key| !key.aws_managed)
            .map(|key| {
                (
                    Target::KeyPolicy {
                        key: key.arn.clone(),
                    },
                    format!("add to the key policy of {}", key.arn),
                    "*".to_owned(),
                )
            }),
        "kinesis" => match resource.as_str().split_once("/consumer/") {
            Some(_) => Some((
                Target::ConsumerPolicy {
                    consumer: resource.to_string(),
                },
                format!("add to the resource policy of the consumer {resource}"),
                resource.to_string(),
            )),
            None => world.streams.get(resource.as_str()).map(|stream| {
                (
                    Target::StreamPolicy {
                        stream: stream.arn.clone(),
                    },
                    format!("add to the stream policy of {}", stream.name),
                    resource.to_string(),
                )
            }),
        },
        _ => None,
    }
}

/// The bucket whose policy has an Allow statement for this caller that failed only on its
/// action or resource.
fn bucket_near_miss(world: &World, step: &Step) -> Option<String> {
    let request = &step.request;
    if request.resource.service() != "s3" {
        return None;
    }
    let bucket = request.resource.resource().split('/').next()?.to_owned();
    world.buckets.get(&bucket)?.policy.as_ref()?;
    let explanation = Explanation::new(request, &step.response);
    explanation
        .near_misses
        .iter()
        .any(|miss| {
            miss.reference.layer == Layer::ResourcePolicy
                && miss.reference.effect == Effect::Allow
                && miss.misses.iter().all(|element| {
                    matches!(
                        element.element,
                        xacct_eval::matching::Element::Action
                            | xacct_eval::matching::Element::Resource
                    )
                })
        })
        .then_some(bucket)
}

/// Fixes for the failing link of a path: one per missing grant, which together make it pass.
pub fn suggest(world: &World, path: &Path, options: &AssumeOptions) -> Result<Vec<Fix>, NoFix> {
    let Some(link) = path.failing_link() else {
        return Ok(Vec::new());
    };
    let (step, hop_target) = match link {
        Link::Hop(index) => {
            let hop = path
                .hops
                .get(index)
                .ok_or_else(|| NoFix::Other("no such hop".to_owned()))?;
            if let Some(error) = &hop.duration_error {
                return Err(NoFix::Other(format!(
                    "{error}: ask for at most 3600 seconds"
                )));
            }
            (
                hop.failing_step()
                    .ok_or_else(|| NoFix::Other("the hop passes".to_owned()))?,
                Some(hop.to.as_str()),
            )
        }
        Link::Final => {
            if let Some(refusal) = &path.final_refusal {
                return Err(NoFix::Other(format!(
                    "{refusal}: ask for a duration STS accepts"
                )));
            }
            let step = path
                .last
                .as_ref()
                .ok_or_else(|| NoFix::Other("the path never reached its request".to_owned()))?;
            // A question that is itself an AssumeRole is mended like a hop to that role.
            let assumed = (step
                .request
                .action
                .as_str()
                .eq_ignore_ascii_case("sts:AssumeRole")
                && step.request.resource.service() == "iam")
                .then(|| step.request.resource.as_str());
            (step, assumed)
        }
    };
    if step.response.decision == Decision::ExplicitDeny {
        let explanation = Explanation::new(&step.request, &step.response);
        return Err(NoFix::ExplicitDeny(
            explanation.reasons.first().cloned().unwrap_or_default(),
        ));
    }
    let request = &step.request;
    if let Some(reason) = cut_off_by_restrict_public_buckets(world, request) {
        return Err(NoFix::Other(reason));
    }
    let action = request.action.to_string();
    // Grants on an AWS managed key are impossible; they go to the key that replaces it.
    let replacement = aws_managed_replacement(world, request);
    let resource = replacement
        .as_ref()
        .map_or_else(|| request.resource.to_string(), |(_, key)| key.clone());
    let principal = caller_arn(&request.caller);
    let resource_account = request.resource_account.to_string();
    let mut fixes = Vec::new();
    let delegation = delegation_fix(world, request);
    for gap in &step.response.gaps {
        let fix = match gap {
            // The bucket side of a request through an access point: the bucket delegates.
            Gap::ResourcePolicy | Gap::Identity if delegation.is_some() => {
                match &delegation {
                    Some(fix) if !fixes.iter().any(|seen: &Fix| seen.target == fix.target && seen.statement == fix.statement) => fix.clone(),
                    _ => continue,
                }
            }
            Gap::ResourcePolicy => match hop_target {
                Some(role) => {
                    // The trust wants an external id the caller does not pass, or passes differently.
                    // Databricks passes the external id of a Unity Catalog credential itself:
                    // the trust must change, not the caller.
                    let caller_chooses = world.unity_catalog.credential_of_role(role).is_none();
                    if let Some(value) = external_id_wanted(step).filter(|wanted| caller_chooses && options.external_ids.get(role) != Some(wanted)) {
                        Fix {
                            target: Target::ExternalId { role: role.to_owned(), value: value.clone() },
                            account: owner_account(step),
                            summary: format!("pass ExternalId `{value}` when assuming {role} (the trust policy requires it)"),
                            statement: None,
                        }
                    } else {
                        let mut statement = json!({
                            "Sid": sid(&["Allow", "AssumeRole"]),
                            "Effect": "Allow",
                            "Principal": {"AWS": principal},
                            "Action": action,
                        });
                        if let Some(external_id) = options.external_ids.get(role) {
                            if let Some(object) = statement.as_object_mut() {
                                object.insert(
                                    "Condition".to_owned(),
                                    json!({"StringEquals": {"sts:ExternalId": external_id}}),
                                );
                            }
                        }
                        Fix {
                            target: Target::TrustPolicy { role: role.to_owned() },
                            account: resource_account.clone(),
                            summary: format!("add to the trust policy of {role}"),
                            statement: Some(statement),
                        }
                    }
                }
                None if replacement.is_some() => {
                    let (bucket, key) = replacement.clone().unwrap_or_default();
                    Fix {
                        target: Target::CustomerManagedKey { bucket: bucket.clone(), key: key.clone() },
                        account: resource_account.clone(),
                        summary: format!(
                            "encrypt bucket {bucket} with a customer managed key instead of the AWS managed key aws/s3, which no other account can use: create {key} with this statement in its key policy (next to the statement enabling IAM policies in {resource_account}), and set it as the bucket's default encryption"
                        ),
                        statement: Some(json!({
                            "Sid": sid(&["Allow", &action]),
                            "Effect": "Allow",
                            "Principal": {"AWS": principal},
                            "Action": action,
                            "Resource": "*",
                        })),
                    }
                }
                None => {
                    let (target, summary, statement_resource) = resource_policy_target(world, request)
                        .ok_or_else(|| NoFix::Other(format!("{resource} needs a resource-based policy that xacct cannot edit yet")))?;
                    Fix {
                        target,
                        account: resource_account.clone(),
                        summary,
                        statement: Some(json!({
                            "Sid": sid(&["Allow", &action]),
                            "Effect": "Allow",
                            "Principal": {"AWS": principal},
                            "Action": action,
                            "Resource": statement_resource,
                        })),
                    }
                }
            },
            // In the bucket's own account, a bucket policy statement that names the caller but
            // misses the resource or action is the document the author meant to write.
            Gap::Identity if !step.response.cross_account && bucket_near_miss(world, step).is_some() => {
                let bucket = bucket_near_miss(world, step).unwrap_or_default();
                Fix {
                    target: Target::BucketPolicy { bucket: bucket.clone() },
                    account: resource_account.clone(),
                    summary: format!("add to the bucket policy of {bucket}"),
                    statement: Some(json!({
                        "Sid": sid(&["Allow", &action]),
                        "Effect": "Allow",
                        "Principal": {"AWS": principal},
                        "Action": action,
                        "Resource": resource,
                    })),
                }
            }
            Gap::Identity => Fix {
                target: Target::IdentityPolicy { principal: principal.clone() },
                account: owner_account(step),
                summary: format!("add to an identity policy of {principal}"),
                statement: Some(json!({"Sid": sid(&["Allow", &action]), "Effect": "Allow", "Action": action, "Resource": identity_resource(&action, &resource)})),
            },
            Gap::PermissionBoundary => Fix {
                target: Target::PermissionBoundary { principal: principal.clone() },
                account: owner_account(step),
                summary: format!("add to the permissions boundary of {principal}"),
                statement: Some(json!({"Sid": sid(&["Allow", &action]), "Effect": "Allow", "Action": action, "Resource": identity_resource(&action, &resource)})),
            },
            Gap::ScpLevel { level } => Fix {
                target: Target::ServiceControlPolicy { account: owner_account(step), level: *level },
                account: owner_account(step),
                summary: format!("add to an SCP at organization level {level} above account {} (SCPs affect every principal below them: review with the organization's administrators)", owner_account(step)),
                statement: Some(json!({"Sid": sid(&["Allow", &action]), "Effect": "Allow", "Action": action, "Resource": "*"})),
            },
            Gap::SessionPolicy => match (&options.session_policy, hop_target) {
                (Some(stated), None) => Fix {
                    target: Target::SessionPolicy { place: stated.place.clone() },
                    // The caller passes the policy: the change is made where it runs.
                    account: path
                        .hops
                        .last()
                        .map_or(&path.start, |hop| &hop.from)
                        .principal
                        .arn()
                        .parse::<xacct_policy::Arn>()
                        .ok()
                        .and_then(|arn| arn.account())
                        .map_or_else(|| owner_account(step), |account| account.to_string()),
                    summary: match &stated.place {
                        SessionPolicyPlace::Setting { compute, key, .. } => format!(
                            "add to the session policy in `{key}` of compute {compute} (the settings pass it when assuming {principal})"
                        ),
                        SessionPolicyPlace::Expectation { name } => {
                            format!("add to the session policy of expectation `{name}` (passed when assuming {principal})")
                        }
                    },
                    statement: Some(json!({"Sid": sid(&["Allow", &action]), "Effect": "Allow", "Action": action, "Resource": identity_resource(&action, &resource)})),
                },
                _ => {
                    return Err(NoFix::Other(format!("the session policy does not allow {action}: widen the session policy the caller passes")));
                }
            },
        };
        fixes.push(fix);
    }
    Ok(fixes)
}

/// For the bucket side of a request through an access point: the statement that delegates
/// the request to that access point, as AWS recommends ("Delegating access control to access
/// points", <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html>).
/// Pinned to the access point's ARN rather than its whole account: the least it takes.
fn delegation_fix(world: &World, request: &xacct_eval::Request) -> Option<Fix> {
    let access_point = world.bucket_side_of(request.resource.as_str(), &request.context)?;
    let action = request.action.to_string();
    Some(Fix {
        target: Target::BucketPolicy {
            bucket: access_point.bucket.clone(),
        },
        account: request.resource_account.to_string(),
        summary: format!(
            "add to the bucket policy of {}: delegate {action} to access point {}",
            access_point.bucket, access_point.name
        ),
        statement: Some(json!({
            "Sid": sid(&["Delegate", &action, "To", &access_point.name]),
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": action,
            "Resource": request.resource.to_string(),
            "Condition": {"StringEquals": {"s3:DataAccessPointArn": access_point.arn()}},
        })),
    })
}

fn append(policy: &mut SourcedPolicy, statement: &Value, kind: PolicyKind) -> Result<(), String> {
    let document = json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    let parsed = parse_policy(&document, kind);
    if parsed.has_errors() {
        return Err(format!(
            "the suggested statement is not a valid {kind} statement: {:?}",
            parsed.findings
        ));
    }
    for mut added in parsed.policy.statements {
        added.index = policy.policy.statements.len();
        std::sync::Arc::make_mut(&mut policy.policy)
            .statements
            .push(added);
    }
    Ok(())
}

/// Appends the statement to a resource policy, or makes it the whole policy when there is none.
fn append_or_create(
    slot: &mut Option<SourcedPolicy>,
    statement: &Value,
    label: &str,
) -> Result<(), String> {
    match slot {
        Some(policy) => append(policy, statement, PolicyKind::Resource),
        None => {
            *slot = Some(new_policy(statement, PolicyKind::Resource, label)?);
            Ok(())
        }
    }
}

fn new_policy(statement: &Value, kind: PolicyKind, label: &str) -> Result<SourcedPolicy, String> {
    let document = json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
    let parsed = parse_policy(&document, kind);
    if parsed.has_errors() {
        return Err(format!(
            "the suggested statement is not a valid {kind} statement"
        ));
    }
    Ok(SourcedPolicy::new(parsed.policy, label))
}

/// A statement naming the caller would not help when RestrictPublicBuckets cuts a public
/// bucket policy off from other accounts: "even those that name it specifically". What helps is
/// a choice xacct leaves to the bucket owner, so it says what the choices are.
fn cut_off_by_restrict_public_buckets(
    world: &World,
    request: &xacct_eval::Request,
) -> Option<String> {
    let reason = world.public_policy_cut_off(&request.resource, request.caller.account()?)?;
    let document = match world.through_access_point(request.resource.as_str()) {
        Some(through) => format!("the access point policy of {}", through.access_point.name),
        None => format!(
            "the bucket policy of {}",
            request.resource.resource().split('/').next()?
        ),
    };
    Some(format!(
        "{reason}. A statement naming the caller would be cut off too: make {document} non-public first (name principals, or pin each public statement with a fixed-value key such as aws:PrincipalOrgID or aws:SourceVpce), then grant the caller; or turn RestrictPublicBuckets off, which opens the bucket to every account the public statements reach"
    ))
}

/// The grant resource of a `GrantPermissions` request body, as `LakeGrant` carries it.
fn lake_resource(text: &str) -> Result<xacct_lake::GrantResource, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
    let account = |value: &serde_json::Value| -> Result<xacct_policy::AccountId, String> {
        value
            .get("CatalogId")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| "no CatalogId".to_owned())?
            .parse()
            .map_err(|_| "bad CatalogId".to_owned())
    };
    let text_of = |value: &serde_json::Value, key: &str| -> Result<String, String> {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {key}"))
    };
    if let Some(database) = value.get("Database") {
        return Ok(xacct_lake::GrantResource::Database {
            catalog: account(database)?,
            name: text_of(database, "Name")?,
        });
    }
    if let Some(table) = value.get("Table") {
        return Ok(xacct_lake::GrantResource::Table {
            catalog: account(table)?,
            database: text_of(table, "DatabaseName")?,
            table: match table.get("Name").and_then(serde_json::Value::as_str) {
                Some(name) => xacct_lake::TableName::Named(name.to_owned()),
                None => xacct_lake::TableName::All,
            },
            columns: None,
            excluded: Vec::new(),
        });
    }
    if let Some(table) = value.get("TableWithColumns") {
        let columns = table
            .get("ColumnNames")
            .and_then(serde_json::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(str::to_owned)
                    .collect()
            });
        return Ok(xacct_lake::GrantResource::Table {
            catalog: account(table)?,
            database: text_of(table, "DatabaseName")?,
            table: xacct_lake::TableName::Named(text_of(table, "Name")?),
            columns,
            excluded: Vec::new(),
        });
    }
    Err(format!("a grant on {text} is not one xacct suggests"))
}

/// Applies a fix: documents change in `world`, caller settings in `options`.
pub fn apply(world: &mut World, options: &mut AssumeOptions, fix: &Fix) -> Result<(), String> {
    let statement = fix.statement.as_ref();
    let need = || statement.ok_or_else(|| "the fix has no statement".to_owned());
    match &fix.target {
        Target::ExternalId { role, value } => {
            options.external_ids.insert(role.clone(), value.clone());
        }
        Target::SessionPolicy {
            place: SessionPolicyPlace::Expectation { .. },
        } => {
            let stated = options
                .session_policy
                .as_mut()
                .ok_or_else(|| "the caller passes no session policy".to_owned())?;
            append(&mut stated.policy, need()?, PolicyKind::Session)?;
        }
        Target::SessionPolicy {
            place:
                SessionPolicyPlace::Setting {
                    compute,
                    key,
                    layer,
                },
        } => widen_session_policy_setting(world, compute, key, *layer, need()?)?,
        Target::LakeGrant {
            grantor,
            principal,
            resource,
            permission,
            grantable,
        } => {
            let grantor: xacct_policy::AccountId = grantor
                .parse()
                .map_err(|_| format!("bad account {grantor}"))?;
            let principal = xacct_lake::GrantPrincipal::parse(principal)
                .ok_or_else(|| format!("bad principal {principal}"))?;
            let permission: xacct_lake::Permission = permission
                .parse()
                .map_err(|error: xacct_lake::grant::UnknownPermission| error.to_string())?;
            let resource = lake_resource(resource)?;
            world.lake.grants.push(xacct_lake::Grant {
                grantor,
                principal,
                resource,
                permissions: vec![permission],
                grantable: if *grantable {
                    vec![permission]
                } else {
                    Vec::new()
                },
                origin: "a fix xacct applied".to_owned(),
            });
        }
        Target::LakeTagAssignment(assignment) => {
            let governance = world
                .lake
                .governance
                .entry((assignment.account, assignment.region.clone()))
                .or_default();
            assignment.apply(governance);
        }
        Target::CrossAccountVersion {
            account,
            region,
            version,
        } => {
            let account: xacct_policy::AccountId = account
                .parse()
                .map_err(|_| format!("bad account {account}"))?;
            world
                .lake
                .governance
                .entry((account, region.clone()))
                .or_default()
                .cross_account_version = Some(*version);
        }
        Target::ExternalEngines {
            account,
            region,
            change,
        } => {
            let account: xacct_policy::AccountId = account
                .parse()
                .map_err(|_| format!("bad account {account}"))?;
            change.apply(
                &mut world
                    .lake
                    .governance
                    .entry((account, region.clone()))
                    .or_default()
                    .external_engines,
            );
        }
        Target::AcceptShare { share, account } => {
            let account: xacct_policy::AccountId = account
                .parse()
                .map_err(|_| format!("bad account {account}"))?;
            match share {
                Some(name) => {
                    for found in world
                        .lake
                        .shares
                        .iter_mut()
                        .filter(|found| &found.name == name)
                    {
                        found
                            .invitations
                            .insert(account, xacct_lake::InvitationState::Accepted);
                    }
                }
                // A share Lake Formation made: in the organization, enabling sharing with it
                // is what accepts on the account's behalf.
                None => world.lake.organization_sharing = true,
            }
        }
        Target::ObjectOwnership { bucket } => {
            world
                .buckets
                .get_mut(bucket)
                .ok_or_else(|| format!("no bucket {bucket}"))?
                .ownership = xacct_s3::ObjectOwnership::BucketOwnerEnforced;
        }
        Target::TrustPolicy { role } => {
            let role = world
                .roles
                .get_mut(role)
                .ok_or_else(|| format!("no role {role}"))?;
            append(&mut role.trust, need()?, PolicyKind::Trust)?;
        }
        Target::IdentityPolicy { principal } => {
            let policy = new_policy(need()?, PolicyKind::Identity, "suggested fix")?;
            if let Some(role) = world.roles.get_mut(principal) {
                role.policies.push(policy);
            } else if let Some(user) = world.users.get_mut(principal) {
                user.policies.push(policy);
            } else {
                return Err(format!("no role or user {principal}"));
            }
        }
        Target::PermissionBoundary { principal } => {
            let boundary = world
                .roles
                .get_mut(principal)
                .and_then(|role| role.boundary.as_mut())
                .or_else(|| {
                    world
                        .users
                        .get_mut(principal)
                        .and_then(|user| user.boundary.as_mut())
                })
                .ok_or_else(|| format!("{principal} has no permissions boundary"))?;
            append(boundary, need()?, PolicyKind::Boundary)?;
        }
        Target::BucketPolicy { bucket } => {
            let bucket = world
                .buckets
                .get_mut(bucket)
                .ok_or_else(|| format!("no bucket {bucket}"))?;
            append_or_create(&mut bucket.policy, need()?, "suggested bucket policy")?;
        }
        Target::CustomerManagedKey { bucket, key } => {
            if !world.keys.contains_key(key) {
                let arn: xacct_policy::Arn =
                    key.parse().map_err(|_| format!("bad key ARN {key}"))?;
                let account = arn
                    .account()
                    .ok_or_else(|| format!("no account in {key}"))?;
                let enable_iam = json!({
                    "Sid": "EnableIamPolicies",
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
                    "Action": "kms:*",
                    "Resource": "*",
                });
                let policy = new_policy(&enable_iam, PolicyKind::Resource, "suggested key policy")?;
                world.keys.insert(
                    key.clone(),
                    xacct_world::model::Key {
                        arn: key.clone(),
                        account,
                        region: arn.region().to_owned(),
                        policy: Some(policy),
                        aws_managed: false,
                        aliases: Vec::new(),
                        grants: Vec::new(),
                        origin: xacct_world::model::Origin::default(),
                    },
                );
            }
            if let Some(policy) = world.keys.get_mut(key).and_then(|key| key.policy.as_mut()) {
                append(policy, need()?, PolicyKind::Resource)?;
            }
            let bucket = world
                .buckets
                .get_mut(bucket)
                .ok_or_else(|| format!("no bucket {bucket}"))?;
            bucket.encryption = xacct_s3::DefaultEncryption::SseKms {
                key_arn: key.clone(),
                bucket_key: false,
            };
        }
        Target::KeyPolicy { key } => {
            let key = world
                .keys
                .get_mut(key)
                .ok_or_else(|| format!("no key {key}"))?;
            append_or_create(&mut key.policy, need()?, "suggested key policy")?;
        }
        Target::AccessPointPolicy { access_point } => {
            let access_point = world
                .access_points
                .get_mut(access_point)
                .ok_or_else(|| format!("no access point {access_point}"))?;
            append_or_create(
                &mut access_point.policy,
                need()?,
                "suggested access point policy",
            )?;
        }
        Target::StreamPolicy { stream } => {
            let stream = world
                .streams
                .get_mut(stream)
                .ok_or_else(|| format!("no stream {stream}"))?;
            append_or_create(&mut stream.policy, need()?, "suggested stream policy")?;
        }
        Target::ConsumerPolicy { consumer } => {
            let stream_arn = consumer
                .split("/consumer/")
                .next()
                .unwrap_or_default()
                .to_owned();
            let stream = world
                .streams
                .get_mut(&stream_arn)
                .ok_or_else(|| format!("no stream {stream_arn}"))?;
            let slot = stream.consumers.entry(consumer.clone()).or_insert(None);
            match slot {
                Some(policy) => append(policy, need()?, PolicyKind::Resource)?,
                None => {
                    *slot = Some(new_policy(
                        need()?,
                        PolicyKind::Resource,
                        "suggested consumer policy",
                    )?)
                }
            }
        }
        Target::ServiceControlPolicy { account, level } => {
            let account: AccountId = account
                .parse()
                .map_err(|_| format!("bad account {account}"))?;
            let policy = new_policy(need()?, PolicyKind::Scp, "suggested SCP")?;
            let unit_chain = unit_chain(world, account);
            match unit_chain.get(*level) {
                Some(unit) => {
                    if let Some(unit) = world
                        .organization
                        .as_mut()
                        .and_then(|o| o.units.get_mut(unit))
                    {
                        unit.scps.push(policy);
                    }
                }
                None => {
                    if let Some(entry) = world.accounts.get_mut(&account) {
                        entry.scps.push(policy);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Adds `statement` to the session policy a compute setting holds (its JSON text, in the
/// cluster's `spark_conf` or a mount's `extra_configs`), as the user would edit it.
fn widen_session_policy_setting(
    world: &mut World,
    compute: &str,
    key: &str,
    layer: xacct_compute::Layer,
    statement: &Value,
) -> Result<(), String> {
    let settings = &mut world
        .compute
        .get_mut(compute)
        .ok_or_else(|| format!("no compute {compute}"))?
        .settings;
    let conf = match layer {
        xacct_compute::Layer::Compute => settings
            .databricks
            .as_mut()
            .map(|cluster| &mut cluster.spark_conf),
        xacct_compute::Layer::Mount(index) => settings
            .mounts
            .as_mut()
            .and_then(|mounts| mounts.mounts.get_mut(index))
            .map(|mount| &mut mount.extra_configs),
        _ => None,
    }
    .ok_or_else(|| format!("compute {compute} has no settings file holding `{key}`"))?;
    let setting = conf
        .settings
        .iter_mut()
        .rev()
        .find(|setting| setting.written_key == key)
        .ok_or_else(|| format!("compute {compute} has no setting `{key}`"))?;
    let mut document: Value = serde_json::from_str(&setting.value)
        .map_err(|error| format!("the session policy in `{key}` is not JSON: {error}"))?;
    let statements = document
        .as_object_mut()
        .ok_or_else(|| format!("the session policy in `{key}` is not a JSON object"))?
        .entry("Statement")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !statements.is_array() {
        *statements = Value::Array(vec![statements.take()]);
    }
    if let Some(list) = statements.as_array_mut() {
        list.push(statement.clone());
    }
    setting.value = document.to_string();
    Ok(())
}

/// Unit names from the root down to the account's unit.
fn unit_chain(world: &World, account: AccountId) -> Vec<String> {
    let mut chain = Vec::new();
    let Some(organization) = &world.organization else {
        return chain;
    };
    let mut current = world
        .accounts
        .get(&account)
        .and_then(|entry| entry.unit.clone());
    while let Some(name) = current {
        if chain.len() > organization.units.len() {
            break;
        }
        current = organization
            .units
            .get(&name)
            .and_then(|unit| unit.parent.clone());
        chain.push(name);
    }
    chain.reverse();
    chain
}
