use super::{codes, fixture, only, snippet};
use xacct_compute::{parse_glue_job, RoleRef};
use xacct_policy::AccountId;

fn account() -> AccountId {
    "111111111111".parse().unwrap()
}

#[test]
fn get_job_output_with_a_role_name() {
    let text = fixture("glue-job.json");
    let parsed = parse_glue_job(&text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let job = parsed.value.unwrap();
    assert_eq!(job.name.value, "lake-b-daily-export");
    assert_eq!(
        job.role.value,
        RoleRef::Name("AWSGlueServiceRole-lake-b-export".to_owned())
    );
    assert_eq!(
        snippet(&text, job.role.span),
        r#""AWSGlueServiceRole-lake-b-export""#
    );
    assert_eq!(
        job.role_arn(account()).unwrap().as_str(),
        "arn:aws:iam::111111111111:role/AWSGlueServiceRole-lake-b-export"
    );
    assert_eq!(
        job.argument("--conf").unwrap().value,
        "spark.hadoop.fs.s3.canned.acl=BucketOwnerFullControl"
    );
    assert_eq!(job.default_arguments.len(), 4);
}

#[test]
fn a_bare_job_with_a_role_arn() {
    let parsed = parse_glue_job(&fixture("glue-job-arn.json"));
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let job = parsed.value.unwrap();
    // The ARN says the account; the one passed is not used.
    assert_eq!(
        job.role_arn("222222222222".parse().unwrap())
            .unwrap()
            .as_str(),
        "arn:aws:iam::111111111111:role/service-role/AWSGlueServiceRole-compaction"
    );
}

#[test]
fn job_mistakes() {
    let parsed = parse_glue_job(r#"{"Job": {"Name": "x"}}"#);
    assert_eq!(codes(&parsed.findings), ["missing-key"]);
    assert!(parsed.value.is_none());
    let text = r#"{"Name": "x", "Role": "arn:aws:iam::111111111111:user/glue"}"#;
    let parsed = parse_glue_job(text);
    let finding = only(&parsed.findings, "invalid-role-arn");
    assert_eq!(
        snippet(text, finding.span),
        r#""arn:aws:iam::111111111111:user/glue""#
    );
    let text = r#"{"Name": "x", "Role": "glue role"}"#;
    let parsed = parse_glue_job(text);
    assert_eq!(codes(&parsed.findings), ["invalid-role-name"]);
    assert!(parsed.has_errors());
}
