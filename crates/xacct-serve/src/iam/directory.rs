//! What IAM holds that the engine's world does not: managed policies with their versions (the
//! world holds only each attached policy's default document, labelled with its ARN, as the
//! loader puts a `[[managed_policy]]` there), instance profiles that hold no role yet, and
//! which access keys each user has. The world stays the one thing requests are decided on:
//! every change here writes the documents it changes into the world at once.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use xacct_eval::SourcedPolicy;
use xacct_policy::PolicyKind;
use xacct_world::World;

/// A managed policy (customer managed, or an AWS managed one the scenario declares).
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// The account in the ARN (`aws` for AWS managed policies).
    pub account: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    pub versions: Vec<Version>,
    /// The id of the version the engine evaluates.
    pub default: String,
    /// The number the next version gets (`v{next}`): IAM never reuses one.
    pub next: u32,
}

impl ManagedPolicy {
    pub fn new(arn: &str, text: &str, description: &str) -> Option<Self> {
        let (account, name, path) = split_arn(arn, "policy")?;
        Some(Self {
            arn: arn.to_owned(),
            name,
            path,
            account,
            description: description.to_owned(),
            tags: BTreeMap::new(),
            versions: vec![Version {
                id: "v1".to_owned(),
                text: text.to_owned(),
            }],
            default: "v1".to_owned(),
            next: 2,
        })
    }

    pub fn version(&self, id: &str) -> Option<&Version> {
        self.versions.iter().find(|version| version.id == id)
    }

    /// The default version's document.
    pub fn default_text(&self) -> &str {
        self.version(&self.default)
            .map_or("", |version| version.text.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub text: String,
}

/// An instance profile, with its role (IAM allows one) or none.
#[derive(Debug, Clone)]
pub struct Profile {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub account: String,
    pub roles: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// A user's access key, as `ListAccessKeys` shows it.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
}

/// Everything the directory holds.
#[derive(Debug, Default)]
pub struct Inner {
    /// Managed policies by ARN.
    pub policies: BTreeMap<String, ManagedPolicy>,
    /// Instance profiles by ARN.
    pub profiles: BTreeMap<String, Profile>,
    /// Each user's access keys, by the user's ARN.
    pub keys: BTreeMap<String, Vec<AccessKey>>,
}

/// The directory, shared by the request handlers. Lock order: the directory, then the world.
#[derive(Debug, Default)]
pub struct Directory {
    inner: Mutex<Inner>,
}

/// `(account, name, path)` of `arn:aws:iam::ACCOUNT:KIND/PATH/NAME`.
pub fn split_arn(arn: &str, kind: &str) -> Option<(String, String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let resource = resource.strip_prefix(kind)?.strip_prefix('/')?;
    let name = resource.rsplit('/').next()?.to_owned();
    if name.is_empty() {
        return None;
    }
    let path = format!(
        "/{}",
        resource.strip_suffix(name.as_str()).unwrap_or_default()
    );
    Some((account.to_owned(), name, path))
}

/// A managed policy's document as the engine reads it, labelled with the policy's ARN as the
/// loader labels a `[[managed_policy]]`: so the label is how an attachment is found again.
pub fn managed_document(arn: &str, text: &str, kind: PolicyKind) -> SourcedPolicy {
    let parsed = xacct_policy::parse_policy(text, kind);
    let source = xacct_policy::SourceFile::new(arn.to_owned(), text.to_owned());
    SourcedPolicy::new(std::sync::Arc::new(parsed.policy), arn.to_owned()).with_source(source)
}

/// Writes the default document of `arn` (or, with `None`, its removal) into every role and
/// user it is attached to or bounds.
pub fn apply(world: &mut World, arn: &str, text: Option<&str>) {
    let identity = text.map(|text| managed_document(arn, text, PolicyKind::Identity));
    let boundary = text.map(|text| managed_document(arn, text, PolicyKind::Boundary));
    let replace = |policies: &mut Vec<SourcedPolicy>| {
        for policy in policies.iter_mut().filter(|policy| policy.label == arn) {
            if let Some(document) = &identity {
                *policy = document.clone();
            }
        }
        if identity.is_none() {
            policies.retain(|policy| policy.label != arn);
        }
    };
    let bound = |current: &mut Option<SourcedPolicy>| {
        if current.as_ref().is_some_and(|policy| policy.label == arn) {
            *current = boundary.clone();
        }
    };
    for role in world.roles.values_mut() {
        replace(&mut role.policies);
        bound(&mut role.boundary);
    }
    for user in world.users.values_mut() {
        replace(&mut user.policies);
        bound(&mut user.boundary);
    }
    for group in world.groups.values_mut() {
        replace(&mut group.policies);
    }
}

impl Directory {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the scenario's managed policies (every attached document labelled with a policy
    /// ARN) and instance profiles. Takes the directory, then the world, as every handler does.
    pub fn seed(&self, engine: &crate::engine::Engine) {
        let mut inner = self.lock();
        let world = engine.world();
        let attached = world
            .roles
            .values()
            .flat_map(|role| role.policies.iter().chain(&role.boundary))
            .chain(
                world
                    .users
                    .values()
                    .flat_map(|user| user.policies.iter().chain(&user.boundary)),
            )
            .chain(
                world
                    .groups
                    .values()
                    .flat_map(|group| group.policies.iter()),
            );
        for policy in attached {
            if inner.policies.contains_key(&policy.label) {
                continue;
            }
            let text = policy
                .source
                .as_ref()
                .map(|source| source.text().to_string())
                .unwrap_or_default();
            if let Some(managed) = ManagedPolicy::new(&policy.label, &text, "") {
                inner.policies.insert(policy.label.clone(), managed);
            }
        }
        for profile in world.instance_profiles.values() {
            let Some((account, name, path)) = split_arn(&profile.arn, "instance-profile") else {
                continue;
            };
            inner.profiles.insert(
                profile.arn.clone(),
                Profile {
                    arn: profile.arn.clone(),
                    name,
                    path,
                    account,
                    roles: vec![profile.role.clone()],
                    tags: BTreeMap::new(),
                },
            );
        }
    }

    /// Records an access key of `user` (a scenario user's or an administrator's key, issued
    /// when the server starts).
    pub fn register_key(&self, user: &str, key_id: &str) {
        let mut inner = self.lock();
        let keys = inner.keys.entry(user.to_owned()).or_default();
        if !keys.iter().any(|key| key.id == key_id) {
            keys.push(AccessKey {
                id: key_id.to_owned(),
                active: true,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_gives_its_account_name_and_path() {
        assert_eq!(
            split_arn("arn:aws:iam::111111111111:policy/team/a/Read", "policy"),
            Some((
                "111111111111".to_owned(),
                "Read".to_owned(),
                "/team/a/".to_owned()
            ))
        );
        assert_eq!(
            split_arn("arn:aws:iam::aws:policy/ReadOnlyAccess", "policy"),
            Some((
                "aws".to_owned(),
                "ReadOnlyAccess".to_owned(),
                "/".to_owned()
            ))
        );
        assert_eq!(
            split_arn("arn:aws:iam::111111111111:role/R", "policy"),
            None
        );
        assert_eq!(
            split_arn("policies[0] of arn:aws:iam::1:role/R", "policy"),
            None
        );
    }
}
