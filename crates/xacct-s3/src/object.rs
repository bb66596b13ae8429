//! The object context of an S3 request: who can grant access to an object.
//!
//! S3 authorizes an object operation in three contexts
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html>):
//! the user context (the requester's own account must allow), the bucket context (the bucket
//! owner may deny), and the object context, where the object owner decides. When the object
//! owner is the bucket owner, the bucket policy speaks for it; when another account owns the
//! object (possible only with ACLs enabled), only that account's object ACL can grant access,
//! and the bucket policy cannot. Under `BucketOwnerEnforced` the bucket owner owns every
//! object and ACLs are not evaluated
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>).

use crate::ownership::{
    canned_grants, AclPermission, CannedAcl, Grant, Grantee, ObjectOwnership, Provenance,
};
use serde::Serialize;
use std::fmt;
use xacct_policy::AccountId;

/// An object as stored: its owner and ACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredObject {
    pub owner: AccountId,
    pub acl: Vec<Grant>,
    /// How it was written, when known, for explanations.
    pub provenance: Option<Provenance>,
}

impl StoredObject {
    /// An object whose ACL came from a canned ACL (`private` when none was sent).
    pub fn with_canned_acl(
        owner: AccountId,
        bucket_owner: AccountId,
        acl: Option<CannedAcl>,
    ) -> Self {
        Self {
            owner,
            acl: canned_grants(acl.unwrap_or(CannedAcl::Private), owner, bucket_owner),
            provenance: None,
        }
    }
}

/// Who sends the request, as ACLs see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Requester {
    /// A principal of this account (root, user, role session).
    Account { account: AccountId },
    /// An unsigned request.
    Anonymous,
}

impl Requester {
    pub fn account(self) -> Option<AccountId> {
        match self {
            Self::Account { account } => Some(account),
            Self::Anonymous => None,
        }
    }

    /// Whether an ACL grantee includes this requester.
    pub fn is_in(self, grantee: Grantee) -> bool {
        match (grantee, self) {
            (Grantee::AllUsers, _) => true,
            (Grantee::AuthenticatedUsers, Self::Account { .. }) => true,
            (Grantee::Account { account }, Self::Account { account: requester }) => {
                account == requester
            }
            _ => false,
        }
    }
}

impl fmt::Display for Requester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account { account } => write!(f, "account {account}"),
            Self::Anonymous => f.write_str("an anonymous requester"),
        }
    }
}

/// What the object context says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ObjectVerdict {
    /// The bucket owner owns the object: the bucket policy and the requester's policies decide,
    /// as `xacct_eval::authorize` evaluates them.
    PoliciesDecide,
    /// The object ACL grants the permission to the requester's account or to a group that
    /// includes it. The requester's own account must still allow the action (user context),
    /// and an explicit deny in the bucket policy still applies (bucket context).
    AclGrants,
    /// Another account owns the object and its ACL grants the requester nothing: S3 answers
    /// 403 whatever the bucket policy says.
    Denied,
}

/// The object context of one request, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDecision {
    pub verdict: ObjectVerdict,
    /// The owner S3 uses: the bucket owner under BucketOwnerEnforced, else the stored owner.
    pub object_owner: AccountId,
    pub bucket_owner: AccountId,
    pub acls_enabled: bool,
    /// Whether grants in the bucket policy reach this object.
    pub bucket_policy_can_grant: bool,
    /// The ACL grant that gives the requester the permission.
    pub matching_grant: Option<Grant>,
    /// Public grants skipped because IgnorePublicAcls is on.
    pub ignored_public_grants: Vec<Grant>,
    /// Why, most important first.
    pub reasons: Vec<String>,
}

impl ObjectDecision {
    /// The reasons as one sentence.
    pub fn reason(&self) -> String {
        self.reasons.join("; ")
    }
}

/// The object context of a request for `permission` on `object` in a bucket owned by
/// `bucket_owner` with Object Ownership `ownership`.
///
/// With ACLs enabled and an object owned by another account than the bucket's, the bucket
/// policy cannot grant access to the object; only the object owner's ACL can
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html>,
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>).
/// `ignore_public_acls` is the effective IgnorePublicAcls setting, which makes S3 ignore grants
/// to AllUsers and AuthenticatedUsers
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>).
pub fn object_access(
    ownership: ObjectOwnership,
    bucket_owner: AccountId,
    object: &StoredObject,
    requester: Requester,
    permission: AclPermission,
    ignore_public_acls: bool,
) -> ObjectDecision {
    let mut reasons = Vec::new();
    let written = object
        .provenance
        .map(|provenance| format!(" ({})", provenance.describe()))
        .unwrap_or_default();
    if !ownership.acls_enabled() {
        reasons.push(format!(
            "Object Ownership is BucketOwnerEnforced: ACLs are disabled and the bucket owner {bucket_owner} owns the object, so the bucket policy and the requester's policies decide"
        ));
        if object.owner != bucket_owner {
            reasons.push(format!(
                "the object was stored as owned by {}{written}; under BucketOwnerEnforced that no longer matters",
                object.owner
            ));
        }
        return ObjectDecision {
            verdict: ObjectVerdict::PoliciesDecide,
            object_owner: bucket_owner,
            bucket_owner,
            acls_enabled: false,
            bucket_policy_can_grant: true,
            matching_grant: None,
            ignored_public_grants: Vec::new(),
            reasons,
        };
    }

    let mut ignored_public_grants = Vec::new();
    let mut matching_grant = None;
    for grant in &object.acl {
        if !grant.permission.covers(permission) || !requester.is_in(grant.grantee) {
            continue;
        }
        if ignore_public_acls && grant.grantee.is_public() {
            ignored_public_grants.push(*grant);
            continue;
        }
        // Prefer the most specific grant: the requester's own account over a group.
        let specific = matches!(grant.grantee, Grantee::Account { .. });
        if matching_grant.is_none() || specific {
            matching_grant = Some(*grant);
        }
    }
    let ignored_note = (!ignored_public_grants.is_empty()).then(|| {
        let listed: Vec<String> = ignored_public_grants.iter().map(Grant::to_string).collect();
        format!(
            "IgnorePublicAcls is on, so the public grant{} {} {} ignored",
            if listed.len() == 1 { "" } else { "s" },
            listed.join(", "),
            if listed.len() == 1 { "is" } else { "are" }
        )
    });

    let owner = object.owner;
    let requester_account = requester.account();
    let verdict = if owner == bucket_owner {
        reasons.push(format!(
            "the bucket owner {bucket_owner} owns the object{written}, so its bucket policy governs the object"
        ));
        match matching_grant {
            Some(grant) if requester_account != Some(bucket_owner) => {
                reasons.push(format!(
                    "the object ACL also grants {grant}, which covers {requester}; {requester} must still allow the action in its own policies"
                ));
                ObjectVerdict::AclGrants
            }
            _ => ObjectVerdict::PoliciesDecide,
        }
    } else {
        reasons.push(format!(
            "the object is owned by {owner}{written}; the bucket owner's policy cannot grant access to it"
        ));
        match matching_grant {
            Some(grant) => {
                reasons.push(format!(
                    "the object owner's ACL grants {grant}, which covers {requester}; {requester} must still allow the action in its own policies, and the bucket owner {bucket_owner} can still deny it"
                ));
                ObjectVerdict::AclGrants
            }
            None => {
                reasons.push(format!(
                    "the object ACL grants {permission} to nothing that includes {requester}, so S3 denies the request (403)"
                ));
                if requester_account == Some(bucket_owner) {
                    reasons.push(format!(
                        "the writer should have uploaded with `bucket-owner-full-control` (or the bucket use BucketOwnerEnforced) for {bucket_owner} to read it"
                    ));
                }
                ObjectVerdict::Denied
            }
        }
    };
    reasons.extend(ignored_note);
    ObjectDecision {
        verdict,
        object_owner: owner,
        bucket_owner,
        acls_enabled: true,
        bucket_policy_can_grant: owner == bucket_owner,
        matching_grant,
        ignored_public_grants,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ownership::put_object;

    const A: &str = "111111111111";
    const B: &str = "222222222222";
    const C: &str = "333333333333";

    fn account(text: &str) -> AccountId {
        text.parse().unwrap()
    }

    fn requester(text: &str) -> Requester {
        Requester::Account {
            account: account(text),
        }
    }

    #[test]
    fn object_writer_without_bofc_is_out_of_the_bucket_owners_reach() {
        let (a, b) = (account(A), account(B));
        let written = put_object(ObjectOwnership::ObjectWriter, None, a, b).unwrap();
        let decision = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &written.stored(),
            requester(B),
            AclPermission::Read,
            false,
        );
        assert_eq!(decision.verdict, ObjectVerdict::Denied);
        assert!(!decision.bucket_policy_can_grant);
        assert_eq!(decision.object_owner, a);
        assert!(decision.reason().starts_with(
            "the object is owned by 111111111111 (written by 111111111111 under ObjectWriter without bucket-owner-full-control); the bucket owner's policy cannot grant access to it"
        ), "{}", decision.reason());
        // The writer's own account still reads it through the owner's FULL_CONTROL grant.
        let own = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &written.stored(),
            requester(A),
            AclPermission::Read,
            false,
        );
        assert_eq!(own.verdict, ObjectVerdict::AclGrants);
        assert_eq!(
            own.matching_grant,
            Some(Grant::account(a, AclPermission::FullControl))
        );
    }

    #[test]
    fn object_writer_with_bofc_lets_the_bucket_owner_in_through_the_acl() {
        let (a, b) = (account(A), account(B));
        let written = put_object(
            ObjectOwnership::ObjectWriter,
            Some(CannedAcl::BucketOwnerFullControl),
            a,
            b,
        )
        .unwrap();
        let decision = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &written.stored(),
            requester(B),
            AclPermission::Read,
            false,
        );
        assert_eq!(decision.verdict, ObjectVerdict::AclGrants);
        assert!(!decision.bucket_policy_can_grant);
        assert_eq!(
            decision.matching_grant,
            Some(Grant::account(b, AclPermission::FullControl))
        );
        // A third account named only in the bucket policy gets nothing.
        let third = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &written.stored(),
            requester(C),
            AclPermission::Read,
            false,
        );
        assert_eq!(third.verdict, ObjectVerdict::Denied);
    }

    #[test]
    fn bucket_owner_read_grants_read_but_not_acl_access() {
        let (a, b) = (account(A), account(B));
        let object = StoredObject::with_canned_acl(a, b, Some(CannedAcl::BucketOwnerRead));
        let read = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &object,
            requester(B),
            AclPermission::Read,
            false,
        );
        assert_eq!(read.verdict, ObjectVerdict::AclGrants);
        let read_acp = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &object,
            requester(B),
            AclPermission::ReadAcp,
            false,
        );
        assert_eq!(read_acp.verdict, ObjectVerdict::Denied);
    }

    #[test]
    fn public_read_reaches_everyone_unless_ignored() {
        let (a, b) = (account(A), account(B));
        let object = StoredObject::with_canned_acl(a, b, Some(CannedAcl::PublicRead));
        for who in [Requester::Anonymous, requester(C)] {
            let decision = object_access(
                ObjectOwnership::ObjectWriter,
                b,
                &object,
                who,
                AclPermission::Read,
                false,
            );
            assert_eq!(decision.verdict, ObjectVerdict::AclGrants, "{who}");
            assert_eq!(decision.matching_grant.unwrap().grantee, Grantee::AllUsers);
            let ignored = object_access(
                ObjectOwnership::ObjectWriter,
                b,
                &object,
                who,
                AclPermission::Read,
                true,
            );
            assert_eq!(ignored.verdict, ObjectVerdict::Denied, "{who}");
            assert_eq!(ignored.ignored_public_grants.len(), 1);
            assert!(ignored.reason().contains("IgnorePublicAcls is on"));
        }
        // authenticated-read excludes anonymous requests.
        let authenticated = StoredObject::with_canned_acl(a, b, Some(CannedAcl::AuthenticatedRead));
        let anonymous = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &authenticated,
            Requester::Anonymous,
            AclPermission::Read,
            false,
        );
        assert_eq!(anonymous.verdict, ObjectVerdict::Denied);
        let signed = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &authenticated,
            requester(C),
            AclPermission::Read,
            false,
        );
        assert_eq!(signed.verdict, ObjectVerdict::AclGrants);
    }

    #[test]
    fn bucket_owned_objects_leave_it_to_the_policies() {
        let b = account(B);
        let object = StoredObject::with_canned_acl(b, b, None);
        for ownership in [
            ObjectOwnership::BucketOwnerPreferred,
            ObjectOwnership::ObjectWriter,
        ] {
            for who in [requester(A), requester(B)] {
                let decision =
                    object_access(ownership, b, &object, who, AclPermission::Read, false);
                assert_eq!(decision.verdict, ObjectVerdict::PoliciesDecide);
                assert!(decision.bucket_policy_can_grant);
            }
        }
        // A public-read object owned by the bucket owner: the ACL adds access the policy may not.
        let public = StoredObject::with_canned_acl(b, b, Some(CannedAcl::PublicRead));
        let decision = object_access(
            ObjectOwnership::ObjectWriter,
            b,
            &public,
            Requester::Anonymous,
            AclPermission::Read,
            false,
        );
        assert_eq!(decision.verdict, ObjectVerdict::AclGrants);
        assert!(decision.bucket_policy_can_grant);
    }

    #[test]
    fn bucket_owner_enforced_makes_the_bucket_owner_the_owner_of_old_objects() {
        let (a, b) = (account(A), account(B));
        let written = put_object(ObjectOwnership::ObjectWriter, None, a, b).unwrap();
        let decision = object_access(
            ObjectOwnership::BucketOwnerEnforced,
            b,
            &written.stored(),
            requester(B),
            AclPermission::Read,
            false,
        );
        assert_eq!(decision.verdict, ObjectVerdict::PoliciesDecide);
        assert_eq!(decision.object_owner, b);
        assert!(!decision.acls_enabled);
        assert!(decision.reason().contains("no longer matters"));
    }
}
