//! S3 access points: both the access point and the underlying bucket must allow a request
//! through it; a VPC access point refuses requests from elsewhere.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html>

use crate::check::{apply_fixes, check, Case};
use crate::tests_support::{allow, expectation, inline, load, trust};
use crate::who_can::{who_can, Kind, WhoCanQuery};
use crate::CallerIndex;
use xacct_world::World;

const READER: &str = "arn:aws:iam::111111111111:role/reader";
const OWNER_ROLE: &str = "arn:aws:iam::222222222222:role/owner-app";
const AP: &str = "arn:aws:s3:us-east-1:222222222222:accesspoint/reports-ap";
const OBJECT: &str = "arn:aws:s3:us-east-1:222222222222:accesspoint/reports-ap/object/q1.csv";

/// A bucket policy of `reports` in 222222222222 delegating every request through an access
/// point of `account`.
fn delegating_to(account: &str) -> String {
    inline(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"*","Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"],"Condition":{{"StringEquals":{{"s3:DataAccessPointAccount":"{account}"}}}}}}]}}"#
    ))
}

/// An access point policy letting `principal` do `action` on `resource`.
fn access_point_policy(principal: &str, action: &str, resource: &str) -> String {
    inline(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

/// The reader of 111111111111 and an app of 222222222222, the bucket `reports` of
/// 222222222222 with `bucket_policy` (a manifest value or none), and `access_point` (the
/// `[[access_point]]` table).
fn world(reader_resource: &str, bucket_policy: Option<&str>, access_point: &str) -> World {
    let policy = bucket_policy.map_or_else(String::new, |policy| format!("policy = {policy}"));
    load(&format!(
        r#"
[[account]]
id = "111111111111"

[[account]]
id = "222222222222"

[[account]]
id = "333333333333"

[[role]]
arn = "{READER}"
trust = {trust}
policies = [{reader}]

[[role]]
arn = "{OWNER_ROLE}"
trust = {trust}
policies = [{owner}]

[[bucket]]
name = "reports"
account = "222222222222"
{policy}

{access_point}
"#,
        trust = trust(r#"{"Service": "ec2.amazonaws.com"}"#),
        reader = allow(r#""s3:GetObject""#, reader_resource),
        owner = allow(
            r#""s3:GetObject""#,
            "arn:aws:s3:us-east-1:222222222222:accesspoint/*"
        ),
    ))
}

/// `reports-ap` of 222222222222, letting the reader and the app read.
fn reports_ap(extra: &str) -> String {
    format!(
        r#"[[access_point]]
name = "reports-ap"
account = "222222222222"
bucket = "reports"
alias = "reports-ap-abcdefghijklmnopqrstuvwxyz0123use1a-s3alias"
policy = {{ inline = '''{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{READER}","{OWNER_ROLE}"]}},"Action":"s3:GetObject","Resource":"{AP}/object/*"}}]}}''' }}
{extra}"#
    )
}

fn ask(world: &World, from: &str, resource: &str, context: &[(&str, &str)]) -> Vec<Case> {
    let mut question = expectation(from, &["s3:GetObject"], resource);
    question.direct = true;
    question.context = context
        .iter()
        .map(|(key, value)| {
            (
                (*key).to_owned(),
                xacct_eval::ContextValue::Single((*value).to_owned()),
            )
        })
        .collect();
    let index = crate::TrustIndex::new(world);
    let result = crate::check::run_expectation(world, &index, &question);
    assert!(result.error.is_none(), "{:?}", result.error);
    result.cases
}

/// Every part of the operation is allowed.
fn all_allowed(cases: &[Case]) -> bool {
    cases.iter().all(Case::allowed)
}

#[test]
fn a_read_through_a_delegating_bucket_is_allowed_and_asks_the_bucket_too() {
    let world = world(
        &format!("{AP}/object/*"),
        Some(&delegating_to("222222222222")),
        &reports_ap(""),
    );
    let cases = ask(&world, READER, OBJECT, &[]);
    assert!(all_allowed(&cases), "{cases:#?}");
    let bucket_side: Vec<&Case> = cases
        .iter()
        .filter(|case| case.resource == "arn:aws:s3:::reports/q1.csv")
        .collect();
    assert_eq!(bucket_side.len(), 1);
    assert_eq!(bucket_side.first().and_then(|case| case.follows), Some(0));
}

#[test]
fn without_delegation_the_bucket_refuses_and_the_fix_delegates_to_the_access_point() {
    let mut world = world(&format!("{AP}/object/*"), None, &reports_ap(""));
    let cases = ask(&world, READER, OBJECT, &[]);
    let denied: Vec<&Case> = cases.iter().filter(|case| !case.allowed()).collect();
    assert_eq!(denied.len(), 1, "{cases:#?}");
    let denied = denied.first().copied().unwrap();
    assert_eq!(denied.resource, "arn:aws:s3:::reports/q1.csv");
    let Some(Ok(fixes)) = &denied.fixes else {
        panic!("no fix: {denied:#?}");
    };
    let statement = fixes.first().and_then(|fix| fix.statement.clone()).unwrap();
    assert_eq!(
        statement["Condition"]["StringEquals"]["s3:DataAccessPointArn"],
        AP
    );
    // Applied, the read passes; a direct read of the bucket is still refused.
    let mut question = expectation(READER, &["s3:GetObject"], OBJECT);
    question.direct = true;
    world.expectations = vec![question];
    let report = check(&world);
    assert!(!report.passed());
    apply_fixes(&mut world, &report).unwrap();
    assert!(check(&world).passed());
    assert!(!all_allowed(&ask(
        &world,
        READER,
        "arn:aws:s3:::reports/q1.csv",
        &[]
    )));
}

#[test]
fn in_the_bucket_account_an_identity_policy_on_the_bucket_serves_the_bucket_side() {
    // No bucket policy: the app's policy allows only the access point ARN, so the bucket
    // side is refused; allowing the bucket ARN too lets it through.
    let narrow = world(&format!("{AP}/object/*"), None, &reports_ap(""));
    assert!(!all_allowed(&ask(&narrow, OWNER_ROLE, OBJECT, &[])));
    let mut wide = narrow.clone();
    let role = wide.roles.get_mut(OWNER_ROLE).unwrap();
    let both = load(&format!(
        "[[role]]\narn = \"{OWNER_ROLE}\"\ntrust = {}\npolicies = [{}]\n",
        trust(r#"{"Service": "ec2.amazonaws.com"}"#),
        allow(r#""s3:GetObject""#, "*")
    ));
    role.policies = both.roles.get(OWNER_ROLE).unwrap().policies.clone();
    assert!(all_allowed(&ask(&wide, OWNER_ROLE, OBJECT, &[])));
}

#[test]
fn a_cross_account_access_point_needs_the_bucket_owner_to_delegate_to_its_account() {
    let partner_ap = "arn:aws:s3:us-east-1:333333333333:accesspoint/partner-ap";
    let access_point = format!(
        "[[access_point]]\nname = \"partner-ap\"\naccount = \"333333333333\"\nbucket = \"reports\"\npolicy = {}\n",
        access_point_policy(READER, "s3:GetObject", &format!("{partner_ap}/object/*"))
    );
    let object = format!("{partner_ap}/object/q1.csv");
    let own_only = world(
        &format!("{partner_ap}/object/*"),
        Some(&delegating_to("222222222222")),
        &access_point,
    );
    let cases = ask(&own_only, READER, &object, &[]);
    assert!(
        cases
            .iter()
            .any(|case| !case.allowed() && case.resource == "arn:aws:s3:::reports/q1.csv"),
        "{cases:#?}"
    );
    let partner = world(
        &format!("{partner_ap}/object/*"),
        Some(&delegating_to("333333333333")),
        &access_point,
    );
    assert!(all_allowed(&ask(&partner, READER, &object, &[])));
}

#[test]
fn the_access_point_policy_must_name_the_caller() {
    let access_point = format!(
        "[[access_point]]\nname = \"reports-ap\"\naccount = \"222222222222\"\nbucket = \"reports\"\npolicy = {}\n",
        access_point_policy(OWNER_ROLE, "s3:GetObject", &format!("{AP}/object/*"))
    );
    let world = world(
        &format!("{AP}/object/*"),
        Some(&delegating_to("222222222222")),
        &access_point,
    );
    let cases = ask(&world, READER, OBJECT, &[]);
    let primary = cases.first().unwrap();
    assert!(!primary.allowed());
    let Some(Ok(fixes)) = &primary.fixes else {
        panic!("no fix: {primary:#?}");
    };
    assert!(fixes.iter().any(|fix| matches!(
        &fix.target,
        crate::Target::AccessPointPolicy { access_point } if access_point == AP
    )));
}

#[test]
fn a_vpc_access_point_refuses_requests_from_anywhere_else() {
    let world = world(
        &format!("{AP}/object/*"),
        Some(&delegating_to("222222222222")),
        &reports_ap("network_origin = \"VPC\"\nvpc_id = \"vpc-0123456789abcdef0\"\n"),
    );
    for context in [vec![], vec![("aws:SourceVpc", "vpc-0fedcba9876543210")]] {
        let cases = ask(&world, READER, OBJECT, &context);
        let primary = cases.first().unwrap();
        assert!(primary.outcome.allowed(), "the policies allow it");
        assert!(
            primary
                .refusal
                .as_deref()
                .is_some_and(|reason| reason.contains("vpc-0123456789abcdef0")),
            "{primary:#?}"
        );
    }
    let from_vpc = ask(
        &world,
        READER,
        OBJECT,
        &[("aws:SourceVpc", "vpc-0123456789abcdef0")],
    );
    assert!(all_allowed(&from_vpc));
}

#[test]
fn the_network_origin_is_a_condition_key_of_the_request() {
    // The bucket delegates to Internet access points only; a VPC one is refused by it.
    let only_internet = inline(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"arn:aws:s3:::reports/*","Condition":{"StringEquals":{"s3:DataAccessPointAccount":"222222222222","s3:AccessPointNetworkOrigin":"Internet"}}}]}"#,
    );
    let internet = world(
        &format!("{AP}/object/*"),
        Some(&only_internet),
        &reports_ap(""),
    );
    assert!(all_allowed(&ask(&internet, READER, OBJECT, &[])));
    let vpc = world(
        &format!("{AP}/object/*"),
        Some(&only_internet),
        &reports_ap("network_origin = \"VPC\"\nvpc_id = \"vpc-0123456789abcdef0\"\n"),
    );
    let cases = ask(
        &vpc,
        READER,
        OBJECT,
        &[("aws:SourceVpc", "vpc-0123456789abcdef0")],
    );
    assert!(cases
        .iter()
        .any(|case| !case.outcome.allowed() && case.resource == "arn:aws:s3:::reports/q1.csv"));
}

#[test]
fn the_alias_is_asked_as_its_access_point() {
    let world = world(
        &format!("{AP}/object/*"),
        Some(&delegating_to("222222222222")),
        &reports_ap(""),
    );
    let alias = "arn:aws:s3:::reports-ap-abcdefghijklmnopqrstuvwxyz0123use1a-s3alias/q1.csv";
    let cases = ask(&world, READER, alias, &[]);
    assert!(all_allowed(&cases), "{cases:#?}");
    let primary = cases.first().unwrap();
    let step = primary.outcome.path.last.as_ref().unwrap();
    assert_eq!(step.request.resource.as_str(), OBJECT);
}

#[test]
fn sse_kms_behind_an_access_point_needs_the_key() {
    let mut world = world(
        &format!("{AP}/object/*"),
        Some(&delegating_to("222222222222")),
        &reports_ap(""),
    );
    let key = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555";
    world.buckets.get_mut("reports").unwrap().encryption = xacct_s3::DefaultEncryption::SseKms {
        key_arn: key.to_owned(),
        bucket_key: false,
    };
    let keys = load(&format!(
        "[[key]]\narn = \"{key}\"\npolicy = {}\n",
        inline(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"kms:*","Resource":"*"}]}"#
        )
    ));
    world.keys = keys.keys;
    let cases = ask(&world, READER, OBJECT, &[]);
    let decrypt = cases
        .iter()
        .find(|case| case.action == "kms:Decrypt")
        .unwrap_or_else(|| panic!("no kms:Decrypt: {cases:#?}"));
    assert_eq!(decrypt.resource, key);
    assert!(
        !decrypt.allowed(),
        "the key policy does not name the reader"
    );
}

#[test]
fn who_can_through_an_access_point_counts_the_bucket_side() {
    let roles = |world: &World| -> Vec<String> {
        let callers = CallerIndex::new(world);
        who_can(world, &callers, &WhoCanQuery::new("s3:GetObject", OBJECT))
            .unwrap()
            .principals
            .into_iter()
            .filter(|reach| reach.kind == Kind::Role)
            .map(|reach| reach.principal)
            .collect()
    };
    let delegating = world(
        &format!("{AP}/object/*"),
        Some(&delegating_to("222222222222")),
        &reports_ap(""),
    );
    assert_eq!(
        roles(&delegating),
        vec![READER.to_owned(), OWNER_ROLE.to_owned()]
    );
    let not_delegating = world(&format!("{AP}/object/*"), None, &reports_ap(""));
    assert!(roles(&not_delegating).is_empty());
}

#[test]
fn restrict_public_buckets_of_the_access_point_cuts_a_public_policy_off_from_other_accounts() {
    // A public access point policy (anyone may read), saved with BlockPublicPolicy off.
    let public = |restrict: bool| {
        format!(
            r#"[[access_point]]
name = "reports-ap"
account = "222222222222"
bucket = "reports"
block_public_access = {{ RestrictPublicBuckets = {restrict} }}
policy = {{ inline = '''{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"{AP}/object/*"}}]}}''' }}
"#
        )
    };
    let bucket_policy = delegating_to("222222222222");
    let open = world(
        &format!("{AP}/object/*"),
        Some(&bucket_policy),
        &public(false),
    );
    assert!(all_allowed(&ask(&open, READER, OBJECT, &[])));
    let restricted = world(
        &format!("{AP}/object/*"),
        Some(&bucket_policy),
        &public(true),
    );
    let cases = ask(&restricted, READER, OBJECT, &[]);
    let primary = cases.first().unwrap();
    assert!(!primary.outcome.allowed(), "{primary:#?}");
    let Some(Err(reason)) = &primary.fixes else {
        panic!("expected no fix: {primary:#?}");
    };
    assert!(reason
        .to_string()
        .contains("access point policy of reports-ap"));
    // The access point's own account is not cut off.
    assert!(all_allowed(&ask(&restricted, OWNER_ROLE, OBJECT, &[])));
}
