//! Credentials the endpoint knows: long-lived access keys of the scenario's users, the session
//! of each compute identity (what EC2 or Glue hands the code), and the sessions STS issues.
//! Each maps an access key id to a secret, a session token and the xacct [`Session`] its
//! requests are decided as.

use crate::store::{Store, StoreError};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use xacct_eval::SourcedPolicy;
use xacct_policy::{parse_policy, PolicyKind};
use xacct_world::{Principal, Session};

/// Who a credential acts as, in a form the store keeps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Identity {
    /// `role` or `user`.
    pub kind: String,
    pub arn: String,
    pub session_name: Option<String>,
    /// The session policy's text, as passed to AssumeRole.
    pub session_policy: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Which of `tags` are transitive (absent in credentials issued before they were kept).
    #[serde(default)]
    pub transitive_tag_keys: std::collections::BTreeSet<String>,
    pub source_identity: Option<String>,
    pub chained: bool,
    pub from_instance_profile: bool,
}

impl Identity {
    pub fn of(session: &Session, session_policy: Option<String>) -> Self {
        let (kind, arn) = match &session.principal {
            Principal::Role(arn) => ("role", arn.clone()),
            Principal::User(arn) => ("user", arn.clone()),
        };
        Self {
            kind: kind.to_owned(),
            arn,
            session_name: session.session_name.clone(),
            session_policy,
            tags: session.tags.clone(),
            transitive_tag_keys: session.transitive_tag_keys.clone(),
            source_identity: session.source_identity.clone(),
            chained: session.chained,
            from_instance_profile: session.from_instance_profile,
        }
    }

    /// The engine's session; a session policy AWS accepted when it was issued is read again.
    pub fn session(&self) -> Session {
        let principal = if self.kind == "user" {
            Principal::User(self.arn.clone())
        } else {
            Principal::Role(self.arn.clone())
        };
        let mut session = Session::of(principal);
        session.session_name.clone_from(&self.session_name);
        session.session_policy = self.session_policy.as_deref().map(session_policy);
        session.tags.clone_from(&self.tags);
        session
            .transitive_tag_keys
            .clone_from(&self.transitive_tag_keys);
        session.source_identity.clone_from(&self.source_identity);
        session.chained = self.chained;
        session.from_instance_profile = self.from_instance_profile;
        session
    }

    /// The ARN AWS reports for the caller (GetCallerIdentity, error messages).
    pub fn caller_arn(&self) -> String {
        self.session().display()
    }

    /// The account of the principal's ARN.
    pub fn account(&self) -> String {
        self.arn.split(':').nth(4).unwrap_or_default().to_owned()
    }
}

/// A session policy as the engine reads it.
pub fn session_policy(text: &str) -> SourcedPolicy {
    let parsed = parse_policy(text, PolicyKind::Session);
    SourcedPolicy::new(Arc::new(parsed.policy), "session policy")
}

/// One access key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credential {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Seconds since the epoch; `None` never expires (a user's key, a compute's session).
    pub expires: Option<i64>,
    pub identity: Identity,
}

/// Why a credential is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such access key (AWS: `InvalidClientTokenId` / S3 `InvalidAccessKeyId`).
    UnknownKey,
    /// A temporary key without its token, or with another one (AWS: `InvalidToken`).
    BadToken,
    /// The session has expired (AWS: `ExpiredToken`).
    Expired,
}

/// Every credential, cached in memory over the store.
pub struct Keys {
    store: Arc<Store>,
    cache: RwLock<HashMap<String, Credential>>,
    /// Access keys IAM's `UpdateAccessKey` made inactive: refused as unknown, as AWS refuses
    /// them, until made active again.
    inactive: RwLock<HashSet<String>>,
    /// Access keys IAM's `DeleteAccessKey` deleted: a key the store still holds (a scenario
    /// user's) does not come back from it.
    deleted: RwLock<HashSet<String>>,
}

fn random_text(length: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..length)
        .map(|_| {
            let index = rng.gen_range(0..alphabet.len());
            char::from(*alphabet.get(index).unwrap_or(&b'A'))
        })
        .collect()
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Keys {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            cache: RwLock::new(HashMap::new()),
            inactive: RwLock::new(HashSet::new()),
            deleted: RwLock::new(HashSet::new()),
        }
    }

    /// A user's access key made by IAM's `CreateAccessKey`: kept in memory only, as every
    /// other IAM change, so a restart starts again from the scenario.
    pub fn issue_volatile(&self, identity: Identity) -> Credential {
        let credential = Credential {
            access_key_id: format!("AKIA{}", random_text(16, UPPER)),
            secret_access_key: random_text(40, SECRET),
            session_token: None,
            expires: None,
            identity,
        };
        self.remember(credential.clone());
        credential
    }

    /// Marks `key_id` active or inactive (IAM's `UpdateAccessKey`).
    pub fn set_active(&self, key_id: &str, active: bool) {
        if let Ok(mut inactive) = self.inactive.write() {
            if active {
                inactive.remove(key_id);
            } else {
                inactive.insert(key_id.to_owned());
            }
        }
    }

    /// Whether `key_id` was made inactive.
    pub fn is_inactive(&self, key_id: &str) -> bool {
        self.inactive
            .read()
            .is_ok_and(|inactive| inactive.contains(key_id))
    }

    /// Forgets a key made by `CreateAccessKey` (IAM's `DeleteAccessKey`): it no longer signs.
    pub fn forget(&self, key_id: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(key_id);
        }
        self.set_active(key_id, true);
        if let Ok(mut deleted) = self.deleted.write() {
            deleted.insert(key_id.to_owned());
        }
    }

    /// Forgets every credential of `arn` (its keys and its sessions, in memory and in the
    /// store), as when IAM deletes the role or user: none signs again, whatever name a later
    /// entity takes.
    pub fn retire(&self, arn: &str) {
        let mut ids: Vec<String> = self
            .cache
            .read()
            .map(|cache| {
                cache
                    .values()
                    .filter(|credential| credential.identity.arn == arn)
                    .map(|credential| credential.access_key_id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Ok(stored) = self.store.credentials::<Credential>() {
            ids.extend(
                stored
                    .into_iter()
                    .filter(|(_, credential)| credential.identity.arn == arn)
                    .map(|(id, _)| id),
            );
        }
        for id in ids {
            self.forget(&id);
        }
    }

    fn deleted(&self, key_id: &str) -> bool {
        self.deleted
            .read()
            .is_ok_and(|deleted| deleted.contains(key_id))
    }

    /// A new credential for `identity`: `AKIA` keys for a user's long-lived key, `ASIA` keys
    /// with a session token for sessions. Stored before it is returned.
    pub fn issue(
        &self,
        identity: Identity,
        temporary: bool,
        expires: Option<i64>,
    ) -> Result<Credential, StoreError> {
        let prefix = if temporary { "ASIA" } else { "AKIA" };
        let credential = Credential {
            access_key_id: format!("{prefix}{}", random_text(16, UPPER)),
            secret_access_key: random_text(40, SECRET),
            session_token: temporary.then(|| random_text(120, SECRET)),
            expires,
            identity,
        };
        self.store
            .put_credential(&credential.access_key_id, &credential)?;
        self.remember(credential.clone());
        Ok(credential)
    }

    /// The stable credential of a scenario principal (`label`, e.g. `user/alice`): the one
    /// issued on an earlier start with the same data folder, else a new one.
    pub fn stable(
        &self,
        label: &str,
        identity: Identity,
        temporary: bool,
    ) -> Result<Credential, StoreError> {
        let index = format!("principal:{label}");
        if let Some(key_id) = self.store.credential::<String>(&index)? {
            if let Some(credential) = self.store.credential::<Credential>(&key_id)? {
                if credential.identity == identity {
                    self.remember(credential.clone());
                    return Ok(credential);
                }
            }
        }
        let credential = self.issue(identity, temporary, None)?;
        self.store
            .put_credential(&index, &credential.access_key_id)?;
        Ok(credential)
    }

    fn remember(&self, credential: Credential) {
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(credential.access_key_id.clone(), credential);
        }
    }

    /// The credential of `key_id`, whatever its state.
    pub fn lookup(&self, key_id: &str) -> Option<Credential> {
        if self.deleted(key_id) {
            return None;
        }
        if let Some(found) = self
            .cache
            .read()
            .ok()
            .and_then(|cache| cache.get(key_id).cloned())
        {
            return Some(found);
        }
        let stored = self.store.credential::<Credential>(key_id).ok().flatten()?;
        self.remember(stored.clone());
        Some(stored)
    }

    /// The credential of `key_id` if `token` is its session token and it has not expired at
    /// `now` (seconds since the epoch).
    pub fn check(
        &self,
        key_id: &str,
        token: Option<&str>,
        now: i64,
    ) -> Result<Credential, Refusal> {
        let credential = self.lookup(key_id).ok_or(Refusal::UnknownKey)?;
        // AWS answers an inactive key as it answers an unknown one.
        if self.is_inactive(key_id) {
            return Err(Refusal::UnknownKey);
        }
        if credential.session_token.as_deref() != token {
            return Err(Refusal::BadToken);
        }
        if credential.expires.is_some_and(|expires| expires <= now) {
            return Err(Refusal::Expired);
        }
        Ok(credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Result<(tempfile::TempDir, Keys), StoreError> {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let store = Arc::new(Store::open(dir.path())?);
        Ok((dir, Keys::new(store)))
    }

    fn user() -> Identity {
        Identity::of(
            &Session::of(Principal::User(
                "arn:aws:iam::111111111111:user/alice".to_owned(),
            )),
            None,
        )
    }

    #[test]
    fn a_session_needs_its_own_token_and_expires() -> Result<(), StoreError> {
        let (_dir, keys) = keys()?;
        let issued = keys.issue(user(), true, Some(100))?;
        let id = issued.access_key_id.as_str();
        assert!(id.starts_with("ASIA"));
        let token = issued.session_token.as_deref();
        assert!(keys.check(id, token, 99).is_ok());
        assert_eq!(keys.check(id, None, 99).err(), Some(Refusal::BadToken));
        assert_eq!(
            keys.check(id, Some("forged"), 99).err(),
            Some(Refusal::BadToken)
        );
        assert_eq!(keys.check(id, token, 100).err(), Some(Refusal::Expired));
        assert_eq!(
            keys.check("AKIAUNKNOWN", None, 0).err(),
            Some(Refusal::UnknownKey)
        );
        Ok(())
    }

    #[test]
    fn a_principal_keeps_its_key_across_restarts() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|error| StoreError::Redb(error.to_string()))?;
        let first = {
            let keys = Keys::new(Arc::new(Store::open(dir.path())?));
            keys.stable("user/alice", user(), false)?
        };
        let keys = Keys::new(Arc::new(Store::open(dir.path())?));
        let again = keys.stable("user/alice", user(), false)?;
        assert_eq!(first.access_key_id, again.access_key_id);
        assert!(again.access_key_id.starts_with("AKIA"));
        assert_eq!(
            again.identity.caller_arn(),
            "arn:aws:iam::111111111111:user/alice"
        );
        Ok(())
    }
}
