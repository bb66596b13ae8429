//! docs/semantics.md §10 rows 45–53 (and 57, 60, 84), each as function calls: the policies go
//! through `xacct_eval::authorize`, and this crate's rules decide what S3 adds around it.

use crate::*;
use xacct_eval::{authorize, Caller, Decision, Gap, PolicySet, Request, SourcedPolicy};
use xacct_policy::{parse_policy, AccountId, PolicyKind};

const A: &str = "111111111111";
const B: &str = "222222222222";
const WRITER: &str = "arn:aws:sts::111111111111:assumed-role/dbx-writer/i-0abc";
const READER_B: &str = "arn:aws:sts::222222222222:assumed-role/lake-reader/s1";
const OBJECT: &str = "arn:aws:s3:::lake-b/sales/part-0000.parquet";

fn account(text: &str) -> AccountId {
    text.parse().unwrap()
}

fn policy(text: &str, kind: PolicyKind, label: &str) -> SourcedPolicy {
    let parsed = parse_policy(text, kind);
    assert!(!parsed.has_errors(), "{label}: {:?}", parsed.findings);
    SourcedPolicy::new(parsed.policy, label)
}

fn statements(kind: PolicyKind, statements: &str) -> xacct_policy::Policy {
    let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    let parsed = parse_policy(&text, kind);
    assert!(!parsed.has_errors(), "{:?}", parsed.findings);
    parsed.policy
}

fn identity(statement_list: &str) -> SourcedPolicy {
    let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statement_list}]}}"#);
    policy(&text, PolicyKind::Identity, "identityPolicies[0]")
}

fn bucket_policy(statement_list: &str) -> SourcedPolicy {
    let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statement_list}]}}"#);
    policy(&text, PolicyKind::Resource, "bucket policy of lake-b")
}

fn decide(
    caller: &str,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    context: &ContextPairs,
    identity: Vec<SourcedPolicy>,
    resource_policy: Option<SourcedPolicy>,
) -> xacct_eval::Response {
    let request = Request::new(
        Caller::parse(caller).unwrap(),
        action.parse().unwrap(),
        resource.parse().unwrap(),
        resource_account.map(account),
        context_of(context).unwrap(),
        PolicySet {
            identity,
            resource: resource_policy,
            ..PolicySet::default()
        },
    )
    .unwrap();
    authorize(&request)
}

const ALLOW_ALL_S3: &str = r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::lake-b/*"}"#;

/// Row 45: B's policy names A specifically and also has an unconditioned `Principal: "*"`
/// Allow; with RestrictPublicBuckets on, A gets nothing through it.
#[test]
fn row_45_restrict_public_buckets_voids_cross_account_grants_of_a_public_policy() {
    let policy_b = bucket_policy(
        r#"{"Sid":"GrantA","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-writer"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"},
           {"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
    );
    // The policies alone allow A.
    let response = decide(
        WRITER,
        "s3:GetObject",
        OBJECT,
        Some(B),
        &Vec::new(),
        vec![identity(ALLOW_ALL_S3)],
        Some(policy_b.clone()),
    );
    assert_eq!(response.decision, Decision::Allow);
    // Block Public Access takes it away: ImplicitDeny for A.
    let settings = BpaSettings {
        account: BlockPublicAccess {
            restrict_public_buckets: true,
            ..BlockPublicAccess::NONE
        },
        bucket: BlockPublicAccess::NONE,
    };
    let blocked = restrict_public_buckets_blocks(
        &settings,
        &policy_b.policy,
        Some(account(A)),
        account(B),
        false,
    )
    .unwrap();
    assert!(
        blocked.contains("statement `Everyone` grants to Principal `*`"),
        "{blocked}"
    );
    assert!(
        blocked.contains("even those that name it specifically"),
        "{blocked}"
    );
    // B's own principals and AWS services keep access.
    assert!(restrict_public_buckets_blocks(
        &settings,
        &policy_b.policy,
        Some(account(B)),
        account(B),
        false
    )
    .is_none());
    assert!(
        restrict_public_buckets_blocks(&settings, &policy_b.policy, None, account(B), true)
            .is_none()
    );
    // Without the public statement, the grant to A works again.
    let without_public = statements(
        PolicyKind::Resource,
        r#"{"Sid":"GrantA","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-writer"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
    );
    assert!(restrict_public_buckets_blocks(
        &settings,
        &without_public,
        Some(account(A)),
        account(B),
        false
    )
    .is_none());
}

/// Row 46: BlockPublicPolicy on; PutBucketPolicy with an unconditioned `Principal: "*"` fails
/// with AccessDenied.
#[test]
fn row_46_block_public_policy_rejects_the_put() {
    let settings = BpaSettings {
        account: BlockPublicAccess::NONE,
        bucket: BlockPublicAccess {
            block_public_policy: true,
            ..BlockPublicAccess::NONE
        },
    };
    let public = statements(
        PolicyKind::Resource,
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
    );
    let error = put_bucket_policy_allowed(&settings, &public).unwrap_err();
    assert_eq!((error.status(), error.code()), (403, "AccessDenied"));
    assert!(error
        .to_string()
        .contains("BlockPublicPolicy is on at the bucket level"));
    let pinned = statements(
        PolicyKind::Resource,
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#,
    );
    assert!(put_bucket_policy_allowed(&settings, &pinned).is_ok());
    assert!(put_bucket_policy_allowed(&BpaSettings::default(), &public).is_ok());
}

fn b_reads(written: &WriteOutcome, ownership: ObjectOwnership) -> (Decision, ObjectDecision) {
    let response = decide(
        READER_B,
        "s3:GetObject",
        OBJECT,
        Some(B),
        &Vec::new(),
        vec![identity(ALLOW_ALL_S3)],
        Some(bucket_policy(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/lake-reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
        )),
    );
    let object = object_access(
        ownership,
        account(B),
        &written.stored(),
        Requester::Account {
            account: account(B),
        },
        AclPermission::for_object_action("s3:GetObject").unwrap(),
        false,
    );
    (response.decision, object)
}

/// Row 47: ObjectWriter bucket; A uploads without an ACL; B's role, allowed by the bucket
/// policy and its identity policy, still gets 403.
#[test]
fn row_47_object_writer_without_acl_locks_the_bucket_owner_out() {
    let written = put_object(ObjectOwnership::ObjectWriter, None, account(A), account(B)).unwrap();
    assert_eq!(written.object_owner, account(A));
    let (policies, object) = b_reads(&written, ObjectOwnership::ObjectWriter);
    assert_eq!(policies, Decision::Allow);
    assert_eq!(object.verdict, ObjectVerdict::Denied);
    assert!(object.reason().contains(
        "the object is owned by 111111111111 (written by 111111111111 under ObjectWriter without bucket-owner-full-control); the bucket owner's policy cannot grant access to it"
    ));
}

/// Row 48: BucketOwnerPreferred; A uploads with `bucket-owner-full-control`; B reads.
#[test]
fn row_48_bucket_owner_preferred_with_bofc_moves_ownership_to_b() {
    let written = put_object(
        ObjectOwnership::BucketOwnerPreferred,
        Some(CannedAcl::BucketOwnerFullControl),
        account(A),
        account(B),
    )
    .unwrap();
    assert_eq!(written.object_owner, account(B));
    let (policies, object) = b_reads(&written, ObjectOwnership::BucketOwnerPreferred);
    assert_eq!(policies, Decision::Allow);
    assert_eq!(object.verdict, ObjectVerdict::PoliciesDecide);
    assert!(object.bucket_policy_can_grant);
}

/// Row 49: BucketOwnerPreferred; A uploads without the ACL; B is denied.
#[test]
fn row_49_bucket_owner_preferred_without_bofc_leaves_a_owning_it() {
    let written = put_object(
        ObjectOwnership::BucketOwnerPreferred,
        None,
        account(A),
        account(B),
    )
    .unwrap();
    assert_eq!(written.object_owner, account(A));
    let (policies, object) = b_reads(&written, ObjectOwnership::BucketOwnerPreferred);
    assert_eq!(policies, Decision::Allow);
    assert_eq!(object.verdict, ObjectVerdict::Denied);
    assert!(object
        .reason()
        .contains("under BucketOwnerPreferred without bucket-owner-full-control"));
}

/// Row 50: BucketOwnerEnforced; `x-amz-acl: public-read` fails with 400.
#[test]
fn row_50_bucket_owner_enforced_refuses_public_read() {
    let error = put_object(
        ObjectOwnership::BucketOwnerEnforced,
        Some(CannedAcl::PublicRead),
        account(A),
        account(B),
    )
    .unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (400, "AccessControlListNotSupported")
    );
}

/// Row 51: BucketOwnerEnforced; A uploads with BOFC: allowed when the policies allow; B owns it.
#[test]
fn row_51_bucket_owner_enforced_accepts_bofc_and_b_owns_the_object() {
    let written = put_object(
        ObjectOwnership::BucketOwnerEnforced,
        Some(CannedAcl::BucketOwnerFullControl),
        account(A),
        account(B),
    )
    .unwrap();
    assert_eq!(written.object_owner, account(B));
    let policy_b = bucket_policy(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-writer"},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::lake-b/*"}"#,
    );
    for action in std::iter::once("s3:PutObject")
        .chain(written.extra_actions.iter().map(|extra| extra.action))
    {
        let response = decide(
            WRITER,
            action,
            OBJECT,
            Some(B),
            &written.context,
            vec![identity(ALLOW_ALL_S3)],
            Some(policy_b.clone()),
        );
        assert_eq!(response.decision, Decision::Allow, "{action}");
    }
}

/// Row 52: the bucket denies PutObject unless `s3:x-amz-acl` is BOFC; a writer that omits the
/// header is explicitly denied, because the key is absent and the operator negated.
#[test]
fn row_52_missing_acl_header_meets_the_require_bofc_deny() {
    let policy_b = bucket_policy(
        r#"{"Sid":"AllowA","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-writer"},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::lake-b/*"},
           {"Sid":"RequireBOFC","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::lake-b/*","Condition":{"StringNotEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}"#,
    );
    let without = put_object(ObjectOwnership::ObjectWriter, None, account(A), account(B)).unwrap();
    assert!(without.context.is_empty());
    let denied = decide(
        WRITER,
        "s3:PutObject",
        OBJECT,
        Some(B),
        &without.context,
        vec![identity(ALLOW_ALL_S3)],
        Some(policy_b.clone()),
    );
    assert_eq!(denied.decision, Decision::ExplicitDeny);
    // Sending the header (as fs.s3a.acl.default=BucketOwnerFullControl does) passes.
    let acl = CannedAcl::from_hadoop("BucketOwnerFullControl").unwrap();
    let with = put_object(
        ObjectOwnership::ObjectWriter,
        Some(acl),
        account(A),
        account(B),
    )
    .unwrap();
    let allowed = decide(
        WRITER,
        "s3:PutObject",
        OBJECT,
        Some(B),
        &with.context,
        vec![identity(ALLOW_ALL_S3)],
        Some(policy_b),
    );
    assert_eq!(allowed.decision, Decision::Allow);
}

/// Row 53: ACL-enabled bucket; the writer sends BOFC but lacks `s3:PutObjectAcl`.
#[test]
fn row_53_bofc_needs_put_object_acl() {
    let policy_b = bucket_policy(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-writer"},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::lake-b/*"}"#,
    );
    let only_put = identity(
        r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
    );
    for ownership in ObjectOwnership::ALL {
        let written = put_object(
            ownership,
            Some(CannedAcl::BucketOwnerFullControl),
            account(A),
            account(B),
        )
        .unwrap();
        let put = decide(
            WRITER,
            "s3:PutObject",
            OBJECT,
            Some(B),
            &written.context,
            vec![only_put.clone()],
            Some(policy_b.clone()),
        );
        assert_eq!(put.decision, Decision::Allow);
        let [extra] = written.extra_actions.as_slice() else {
            panic!("{ownership}: {:?}", written.extra_actions)
        };
        assert_eq!(extra.action, "s3:PutObjectAcl");
        // Undocumented only under BucketOwnerEnforced.
        assert_eq!(
            extra.uncertain,
            ownership == ObjectOwnership::BucketOwnerEnforced
        );
        let acl = decide(
            WRITER,
            extra.action,
            OBJECT,
            Some(B),
            &written.context,
            vec![only_put.clone()],
            Some(policy_b.clone()),
        );
        assert_eq!(acl.decision, Decision::ImplicitDeny, "{ownership}");
        assert_eq!(acl.gaps, vec![Gap::Identity]);
    }
}

fn kms_decide(
    need: &KmsNeed,
    caller: &str,
    identity: Vec<SourcedPolicy>,
    key_policy: &str,
) -> xacct_eval::Response {
    decide(
        caller,
        need.action,
        &need
            .key
            .evaluation_arn("0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"),
        None,
        &need.context,
        identity,
        Some(policy(key_policy, PolicyKind::Resource, "key policy")),
    )
}

/// Row 57: an object encrypted with B's `aws/s3` key cannot be read by A: the key policy admits
/// only callers of account B.
#[test]
fn row_57_aws_managed_key_refuses_other_accounts() {
    let object = EncryptedObject {
        bucket: "lake-b".to_owned(),
        key: "sales/part-0000.parquet".to_owned(),
        region: "us-east-1".to_owned(),
        bucket_owner: account(B),
        encryption: DefaultEncryption::AwsManagedKms,
    };
    let key_policy = aws_managed_s3_key_policy(account(B), "us-east-1");
    let kms_all = identity(r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"}"#);
    let needs = kms_actions_for(&S3Operation::GetObject(object.clone()), account(A));
    let [decrypt] = needs.as_slice() else {
        panic!("{needs:?}")
    };
    let a = kms_decide(decrypt, WRITER, vec![kms_all.clone()], &key_policy);
    assert_eq!(a.decision, Decision::ImplicitDeny);
    assert_eq!(a.gaps, vec![Gap::ResourcePolicy]);
    // B's own reader, through S3, is allowed by the key policy alone.
    let needs = kms_actions_for(&S3Operation::GetObject(object), account(B));
    let b = kms_decide(&needs[0], READER_B, Vec::new(), &key_policy);
    assert_eq!(b.decision, Decision::Allow);
}

/// Row 60: a multipart SSE-KMS upload with GenerateDataKey but no Decrypt fails.
#[test]
fn row_60_multipart_needs_decrypt_too() {
    let key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let object = EncryptedObject {
        bucket: "lake-b".to_owned(),
        key: "sales/part-0000.parquet".to_owned(),
        region: "us-east-1".to_owned(),
        bucket_owner: account(B),
        encryption: DefaultEncryption::SseKms {
            key_arn: key.to_owned(),
            bucket_key: false,
        },
    };
    let key_policy = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"AllowWriter","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/dbx-writer"},
         "Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*",
         "Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}"#;
    let only_generate = identity(&format!(
        r#"{{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"{key}"}}"#
    ));
    let needs = kms_actions_for(&S3Operation::MultipartUpload(object.clone()), account(A));
    let decisions: Vec<Decision> = needs
        .iter()
        .map(|need| kms_decide(need, WRITER, vec![only_generate.clone()], key_policy).decision)
        .collect();
    assert_eq!(decisions, [Decision::Allow, Decision::ImplicitDeny]);
    // A single PutObject needs only GenerateDataKey, so it succeeds.
    let single = kms_actions_for(&S3Operation::PutObject(object), account(A));
    assert_eq!(
        kms_decide(&single[0], WRITER, vec![only_generate], key_policy).decision,
        Decision::Allow
    );
}

/// Row 84: ListBucket allowed with `StringLike s3:prefix "sales/*"`; listing the bucket root
/// (empty prefix) is not allowed, listing `sales/` is.
#[test]
fn row_84_prefix_condition_and_the_bucket_root() {
    let list_sales = identity(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::lake-b","Condition":{"StringLike":{"s3:prefix":"sales/*"}}}"#,
    );
    let caller = "arn:aws:sts::222222222222:assumed-role/lake-reader/s1";
    for (path, expected) in [
        ("s3://lake-b", Decision::ImplicitDeny),
        ("s3a://lake-b/sales/2024/", Decision::Allow),
    ] {
        let path = S3Path::parse(path).unwrap();
        let mut context = list_bucket_context(&path, Some("/"));
        context.extend(secure_transport_context(true));
        let response = decide(
            caller,
            "s3:ListBucket",
            &path.bucket_arn(),
            Some(B),
            &context,
            vec![list_sales.clone()],
            None,
        );
        assert_eq!(response.decision, expected, "{path}");
    }
}
