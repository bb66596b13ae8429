//! One plan per mapped type (or group of types that attach to each other), read into a
//! manifest and loaded: the world holds what the resources say, and what cannot be read is
//! a warning naming the resource.

use super::{convert, convert_over, Base, Converted, Options, Side};
use crate::files::FileAccess;
use crate::load::{load_text_with, Loaded};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use xacct_policy::{Severity, SourceFile};

/// A resource: (type, name, values, provider, unknown attributes, references by attribute).
pub(super) struct R {
    kind: &'static str,
    name: &'static str,
    values: Value,
    provider: &'static str,
    unknown: &'static [&'static str],
    refs: Value,
}

pub(super) fn r(kind: &'static str, name: &'static str, values: Value) -> R {
    R {
        kind,
        name,
        values,
        provider: "aws",
        unknown: &[],
        refs: json!({}),
    }
}

impl R {
    pub(super) fn on(mut self, provider: &'static str) -> Self {
        self.provider = provider;
        self
    }
    pub(super) fn unknown(mut self, unknown: &'static [&'static str], refs: Value) -> Self {
        self.unknown = unknown;
        self.refs = refs;
        self
    }
}

/// A plan of `resources`: `aws` in 111111111111 (assume_role), `aws.b` in 222222222222
/// (allowed_account_ids), `aws.c` with no account.
pub(super) fn plan(resources: Vec<R>) -> String {
    let mut planned = Vec::new();
    let mut changes = Vec::new();
    let mut configs = Vec::new();
    for resource in resources {
        let address = format!("{}.{}", resource.kind, resource.name);
        planned.push(json!({"address": address, "mode": "managed", "type": resource.kind, "name": resource.name, "values": resource.values}));
        let unknown: serde_json::Map<String, Value> = resource
            .unknown
            .iter()
            .map(|name| ((*name).to_owned(), json!(true)))
            .collect();
        changes.push(json!({"address": address, "change": {"actions": ["create"], "after_unknown": unknown}}));
        let mut expressions = serde_json::Map::new();
        for (path, references) in resource.refs.as_object().unwrap() {
            let parts: Vec<&str> = path.split('.').collect();
            let expression = json!({"references": references});
            let value = parts.iter().rev().skip(1).fold(
                json!({parts[parts.len() - 1]: expression}),
                |inner, block| json!({*block: [inner]}),
            );
            for (key, value) in value.as_object().unwrap() {
                expressions.insert(key.clone(), value.clone());
            }
        }
        configs.push(json!({"address": address, "mode": "managed", "type": resource.kind, "name": resource.name,
            "provider_config_key": resource.provider, "expressions": expressions}));
    }
    json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "expressions": {"assume_role": [{"role_arn": {"constant_value": "arn:aws:iam::111111111111:role/deploy"}}]}},
                "aws.b": {"name": "aws", "alias": "b", "expressions": {"allowed_account_ids": {"constant_value": ["222222222222"]}, "region": {"constant_value": "eu-west-1"}}},
                "aws.c": {"name": "aws", "alias": "c", "expressions": {}},
                "databricks": {"name": "databricks", "expressions": {"account_id": {"constant_value": "0d26daa6-5e44-4c97-a497-ef015f91254a"}}},
                "databricks.ws": {"name": "databricks", "alias": "ws", "expressions": {}}
            },
            "root_module": {"resources": configs}
        }
    })
    .to_string()
}

pub(super) fn read(resources: Vec<R>) -> Converted {
    convert(
        &plan(resources),
        "plan.json",
        Side::After,
        &Options::default(),
    )
    .unwrap()
}

/// Loads a converted plan as a scenario; its errors fail the test.
pub(super) fn load(converted: &Converted) -> Loaded {
    let files = converted
        .files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.clone()))
        .collect();
    let access = FileAccess::anywhere().with_generated(files);
    let loaded = load_text_with(
        SourceFile::new("plan.json (as xacct reads it)", converted.manifest.clone()),
        Path::new(""),
        &access,
    );
    let errors: Vec<String> = loaded
        .findings
        .iter()
        .filter(|finding| finding.finding.severity == Severity::Error)
        .map(|finding| format!("{}: {}", finding.location(), finding.finding.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{}", converted.manifest);
    loaded
}

pub(super) fn warned(converted: &Converted, address: &str, words: &str) -> bool {
    converted
        .warnings
        .iter()
        .any(|warning| warning.address == address && warning.message.contains(words))
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

#[test]
fn aws_iam_role_with_inline_blocks_managed_arns_and_a_computed_arn() {
    let converted = read(vec![r("aws_iam_role", "reader", json!({"name": "reader", "path": "/data/", "assume_role_policy": TRUST,
        "inline_policy": [{"name": "read", "policy": READ}], "managed_policy_arns": ["arn:aws:iam::111111111111:policy/p"], "max_session_duration": 7200, "tags": {"team": "x"}}))
        .unknown(&["arn", "id"], json!({})),
        r("aws_iam_policy", "p", json!({"name": "p", "path": "/", "policy": READ})).unknown(&["arn"], json!({}))]);
    let world = load(&converted).world;
    let role = &world.roles["arn:aws:iam::111111111111:role/data/reader"];
    assert_eq!(
        role.policies.len(),
        2,
        "the inline block and the managed policy"
    );
    assert!(converted
        .manifest
        .contains("# aws_iam_role.reader\n[[role]]"));
}

#[test]
fn aws_iam_role_policy_and_attachment_follow_references_to_computed_arns() {
    let converted = read(vec![
        r(
            "aws_iam_role",
            "r",
            json!({"name": "r", "path": "/", "assume_role_policy": TRUST}),
        )
        .unknown(&["arn"], json!({})),
        r(
            "aws_iam_role_policy",
            "inline",
            json!({"name": "i", "policy": READ}),
        )
        .unknown(
            &["role"],
            json!({"role": ["aws_iam_role.r.name", "aws_iam_role.r"]}),
        ),
        r(
            "aws_iam_policy",
            "p",
            json!({"name": "p", "path": "/team/", "policy": READ}),
        )
        .unknown(&["arn"], json!({})),
        r("aws_iam_role_policy_attachment", "a", json!({"role": "r"})).unknown(
            &["policy_arn"],
            json!({"policy_arn": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]}),
        ),
    ]);
    assert!(
        converted
            .manifest
            .contains(r#"managed = ["arn:aws:iam::111111111111:policy/team/p"]"#),
        "{}",
        converted.manifest
    );
    let world = load(&converted).world;
    assert_eq!(
        world.roles["arn:aws:iam::111111111111:role/r"]
            .policies
            .len(),
        2
    );
}

#[test]
fn aws_iam_instance_profile_holds_its_role() {
    let converted = read(vec![
        r(
            "aws_iam_role",
            "r",
            json!({"name": "r", "path": "/", "assume_role_policy": TRUST}),
        ),
        r(
            "aws_iam_instance_profile",
            "p",
            json!({"name": "p", "path": "/", "role": "r"}),
        )
        .unknown(&["arn"], json!({})),
    ]);
    let world = load(&converted).world;
    assert!(world
        .instance_profiles
        .contains_key("arn:aws:iam::111111111111:instance-profile/p"));
}

#[test]
fn users_groups_and_memberships() {
    let converted = read(vec![
        r(
            "aws_iam_user",
            "u",
            json!({"name": "u", "path": "/people/"}),
        ),
        r("aws_iam_group", "g", json!({"name": "g", "path": "/"})),
        r(
            "aws_iam_group_policy",
            "gp",
            json!({"group": "g", "name": "x", "policy": READ}),
        ),
        r(
            "aws_iam_user_policy",
            "up",
            json!({"user": "u", "name": "x", "policy": READ}),
        ),
        r(
            "aws_iam_policy",
            "p",
            json!({"name": "p", "path": "/", "policy": READ}),
        ),
        r(
            "aws_iam_user_policy_attachment",
            "ua",
            json!({"user": "u", "policy_arn": "arn:aws:iam::111111111111:policy/p"}),
        ),
        r(
            "aws_iam_group_policy_attachment",
            "ga",
            json!({"group": "g", "policy_arn": "arn:aws:iam::111111111111:policy/p"}),
        ),
        r(
            "aws_iam_group_membership",
            "m",
            json!({"group": "g", "users": ["u"]}),
        ),
    ]);
    let world = load(&converted).world;
    let user = &world.users["arn:aws:iam::111111111111:user/people/u"];
    // Its own inline and managed policy, and its group's two.
    assert_eq!(user.policies.len(), 4);
    assert_eq!(
        world.groups["arn:aws:iam::111111111111:group/g"]
            .policies
            .len(),
        2
    );
    assert!(converted.manifest.contains(r#"groups = ["g"]"#));
}

#[test]
fn s3_bucket_and_its_configuration_resources() {
    let converted = read(vec![
        r("aws_kms_key", "k", json!({})).on("aws.b").unknown(&["arn", "key_id"], json!({})),
        r("aws_s3_bucket", "b", json!({"bucket": "lake"})).on("aws.b"),
        r("aws_s3_bucket_policy", "b", json!({"policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake/*"}]}"#}))
            .on("aws.b").unknown(&["bucket"], json!({"bucket": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]})),
        r("aws_s3_bucket_ownership_controls", "b", json!({"bucket": "lake", "rule": [{"object_ownership": "ObjectWriter"}]})).on("aws.b"),
        r("aws_s3_bucket_public_access_block", "b", json!({"bucket": "lake", "block_public_acls": true, "ignore_public_acls": false, "block_public_policy": true, "restrict_public_buckets": false})).on("aws.b"),
        r("aws_s3_bucket_server_side_encryption_configuration", "b", json!({"bucket": "lake", "rule": [{"bucket_key_enabled": true, "apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}))
            .on("aws.b").unknown(&[], json!({"rule.apply_server_side_encryption_by_default.kms_master_key_id": ["aws_kms_key.k.arn"]})),
        r("aws_s3_account_public_access_block", "a", json!({"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true})),
    ]);
    let bucket_table = converted
        .manifest
        .split("# aws_s3_bucket.b\n")
        .nth(1)
        .unwrap();
    for expected in [
        r#"region = "eu-west-1""#,
        r#"ownership = "ObjectWriter""#,
        r#"encryption = "arn:aws:kms:eu-west-1:222222222222:key/terraform-aws_kms_key.k""#,
        "bucket_key = true",
        "BlockPublicAcls = true, IgnorePublicAcls = false",
    ] {
        assert!(
            bucket_table.contains(expected),
            "{expected}: {}",
            converted.manifest
        );
    }
    let world = load(&converted).world;
    assert!(world.buckets["lake"].policy.is_some());
    assert!(warned(&converted, "aws_kms_key.k", "made by AWS at apply"));
}

#[test]
fn kms_key_policy_alias_and_grant() {
    let key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let converted = read(vec![
        r(
            "aws_kms_key",
            "k",
            json!({"arn": key, "key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
        ),
        r(
            "aws_kms_key_policy",
            "k",
            json!({"key_id": "1234abcd-12ab-34cd-56ef-1234567890ab", "policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#}),
        ),
        r(
            "aws_kms_alias",
            "k",
            json!({"name": "alias/lake", "target_key_id": key}),
        ),
        r(
            "aws_kms_grant",
            "g",
            json!({"key_id": key, "name": "g", "grantee_principal": "arn:aws:iam::222222222222:role/x", "operations": ["Decrypt"], "constraints": [{"encryption_context_equals": {"a": "b"}}]}),
        ),
    ]);
    let world = load(&converted).world;
    let loaded_key = &world.keys[key];
    assert_eq!(loaded_key.grants.len(), 1);
    assert!(converted.manifest.contains(r#"aliases = ["alias/lake"]"#));
    assert!(converted
        .manifest
        .contains("(terraform: aws_kms_key_policy.k policy)"));
}

#[test]
fn a_key_without_a_policy_gets_the_default_key_policy() {
    let converted = read(vec![r(
        "aws_kms_key",
        "k",
        json!({"arn": "arn:aws:kms:us-east-1:111111111111:key/k1"}),
    )]);
    assert!(converted.manifest.contains("Enable IAM User Permissions"));
    load(&converted);
}

#[test]
fn kinesis_stream_policy_and_consumer() {
    let stream = "arn:aws:kinesis:eu-west-1:222222222222:stream/events";
    let converted = read(vec![
        r("aws_kinesis_stream", "s", json!({"name": "events", "encryption_type": "KMS", "kms_key_id": "alias/aws/kinesis"})).on("aws.b").unknown(&["arn"], json!({})),
        r("aws_kinesis_resource_policy", "s", json!({"policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kinesis:GetRecords","Resource":"arn:aws:kinesis:eu-west-1:222222222222:stream/events"}]}"#}))
            .on("aws.b").unknown(&["resource_arn"], json!({"resource_arn": ["aws_kinesis_stream.s.arn"]})),
        r("aws_kinesis_stream_consumer", "c", json!({"name": "c", "stream_arn": stream, "arn": format!("{stream}/consumer/c:1")})).on("aws.b"),
        r("aws_kinesis_stream_consumer", "new", json!({"name": "n", "stream_arn": stream})).on("aws.b").unknown(&["arn"], json!({})),
    ]);
    let world = load(&converted).world;
    assert!(world.streams[stream].policy.is_some());
    assert_eq!(world.streams[stream].consumers.len(), 1);
    assert!(warned(
        &converted,
        "aws_kinesis_stream_consumer.new",
        "creation time"
    ));
}

#[test]
fn glue_lake_formation_and_ram() {
    let converted = read(vec![
        r("aws_glue_catalog_database", "d", json!({"name": "sales"})).on("aws.b"),
        r("aws_glue_catalog_table", "t", json!({"name": "orders", "database_name": "sales", "storage_descriptor": [{"location": "s3a://lake/orders/"}]})).on("aws.b"),
        r("aws_glue_catalog_database", "link", json!({"name": "sales_link", "target_database": [{"catalog_id": "222222222222", "database_name": "sales"}]})),
        r("aws_glue_resource_policy", "p", json!({"policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"glue:GetTable","Resource":"*"}]}"#})).on("aws.b"),
        r("aws_lakeformation_data_lake_settings", "s", json!({"admins": ["arn:aws:iam::222222222222:role/admin"], "create_database_default_permissions": [], "create_table_default_permissions": [], "allow_external_data_filtering": true, "external_data_filtering_allow_list": ["111111111111"], "authorized_session_tag_value_list": ["Amazon EMR", "it's \"odd\""], "allow_full_table_external_data_access": false})).on("aws.b"),
        r("aws_lakeformation_resource", "l", json!({"arn": "arn:aws:s3:::lake/orders", "role_arn": "arn:aws:iam::222222222222:role/lf", "hybrid_access_enabled": true})).on("aws.b"),
        r("aws_lakeformation_permissions", "cols", json!({"principal": "111111111111", "permissions": ["SELECT"], "table_with_columns": [{"database_name": "sales", "name": "orders", "column_names": ["id"]}]})).on("aws.b"),
        r("aws_lakeformation_permissions", "loc", json!({"principal": "arn:aws:iam::222222222222:role/etl", "permissions": ["DATA_LOCATION_ACCESS"], "data_location": [{"arn": "arn:aws:s3:::lake/orders"}]})).on("aws.b"),
        r("aws_lakeformation_permissions", "tags", json!({"principal": "111111111111", "permissions": ["SELECT"], "lf_tag_policy": [{"resource_type": "TABLE"}]})).on("aws.b"),
        r("aws_ram_resource_share", "s", json!({"name": "sales", "allow_external_principals": true})).on("aws.b").unknown(&["arn"], json!({})),
        r("aws_ram_resource_association", "a", json!({"resource_arn": "arn:aws:glue:eu-west-1:222222222222:database/sales"})).on("aws.b").unknown(&["resource_share_arn"], json!({"resource_share_arn": ["aws_ram_resource_share.s.arn"]})),
        r("aws_ram_principal_association", "p", json!({"principal": "111111111111"})).on("aws.b").unknown(&["resource_share_arn"], json!({"resource_share_arn": ["aws_ram_resource_share.s.arn"]})),
        r("aws_ram_resource_share_accepter", "x", json!({})).unknown(&["share_arn"], json!({"share_arn": ["aws_ram_resource_share.s.arn"]})),
    ]);
    for expected in [
        "[[catalog.table]]\ndatabase = \"sales\"\nname = \"orders\"\nlocation = \"s3://lake/orders/\"",
        "link = { account = \"222222222222\", database = \"sales\" }",
        "columns = [\"id\"]",
        "location = \"s3://lake/orders\"",
        "hybrid = true",
        "iam_allowed_by_default = false",
        "invitations = { \"111111111111\" = \"ACCEPTED\" }",
        "allow_external_data_filtering = true",
        "external_data_filtering_allow_list = [\"111111111111\"]",
        "authorized_session_tag_value_list = [\"Amazon EMR\", \"\"\"it's \"odd\"\"\"\"]",
    ] {
        assert!(converted.manifest.contains(expected), "{expected}: {}", converted.manifest);
    }
    assert!(!converted
        .manifest
        .contains("allow_full_table_external_data_access"));
    assert!(warned(
        &converted,
        "aws_lakeformation_permissions.tags",
        "no LF-Tag expression"
    ));
    let loaded = load(&converted);
    let engines = loaded
        .world
        .lake
        .external_engines("222222222222".parse().unwrap(), "eu-west-1");
    assert!(engines.allow_filtering && !engines.allow_full_table);
    assert_eq!(
        engines.filtering_accounts,
        ["111111111111".parse().unwrap()]
    );
    assert_eq!(engines.session_tag_values, ["Amazon EMR", "it's \"odd\""]);
}

#[test]
fn organizations_policy_attached_to_an_account_keeps_full_aws_access() {
    let converted = read(vec![
        r("aws_organizations_policy", "deny", json!({"name": "d", "type": "SERVICE_CONTROL_POLICY", "content": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#})).unknown(&["id"], json!({})),
        r("aws_organizations_policy_attachment", "a", json!({"target_id": "222222222222"})).unknown(&["policy_id"], json!({"policy_id": ["aws_organizations_policy.deny.id"]})),
        r("aws_organizations_policy_attachment", "ou", json!({"target_id": "ou-ab12-cdef3456"})).unknown(&["policy_id"], json!({"policy_id": ["aws_organizations_policy.deny.id"]})),
    ]);
    let account = converted.manifest.split("[[account]]").nth(1).unwrap();
    assert!(
        account.contains("FullAWSAccess (attached by default)")
            && account.contains("aws_organizations_policy.deny content"),
        "{account}"
    );
    assert!(warned(
        &converted,
        "aws_organizations_policy_attachment.ou",
        "organizational unit"
    ));
    load(&converted);
}

#[test]
fn databricks_cluster_mount_and_workspace_role() {
    let converted = read(vec![
        r("aws_iam_role", "r", json!({"name": "r", "path": "/", "assume_role_policy": TRUST})),
        r("aws_iam_instance_profile", "p", json!({"name": "p", "path": "/", "role": "r"})).unknown(&["arn"], json!({})),
        r("aws_iam_role", "deploy", json!({"name": "deploy", "path": "/", "assume_role_policy": TRUST})),
        r("databricks_mws_credentials", "c", json!({})).on("databricks").unknown(&["role_arn"], json!({"role_arn": ["aws_iam_role.deploy.arn"]})),
        r("databricks_instance_profile", "p", json!({})).on("databricks").unknown(&["instance_profile_arn"], json!({"instance_profile_arn": ["aws_iam_instance_profile.p.arn"]})),
        r("databricks_cluster", "etl", json!({"cluster_name": "etl", "aws_attributes": [{}], "spark_conf": {"spark.hadoop.fs.s3a.acl.default": "BucketOwnerFullControl"}}))
            .on("databricks").unknown(&["id"], json!({"aws_attributes.instance_profile_arn": ["databricks_instance_profile.p.id"]})),
        r("databricks_mount", "m", json!({"name": "lake", "s3": [{"bucket_name": "lake"}], "extra_configs": {"fs.s3a.canned.acl": "BucketOwnerFullControl"}}))
            .on("databricks").unknown(&["cluster_id"], json!({"cluster_id": ["databricks_cluster.etl.id"]})),
    ]);
    let cluster = &converted.files["terraform/databricks_cluster.etl.databricks_cluster.json"];
    assert!(
        cluster.contains("arn:aws:iam::111111111111:instance-profile/p"),
        "{cluster}"
    );
    assert!(converted.files["terraform/databricks_cluster.etl.mounts.json"].contains("s3a://lake"));
    assert!(converted
        .manifest
        .contains(r#"deployed_by = "arn:aws:iam::111111111111:role/deploy""#));
    let world = load(&converted).world;
    assert!(world.compute.contains_key("etl"));
}

#[test]
fn emr_cluster_with_its_security_configuration_and_a_glue_job() {
    let converted = read(vec![
        r("aws_iam_role", "r", json!({"name": "emr", "path": "/", "assume_role_policy": TRUST})),
        r("aws_iam_instance_profile", "p", json!({"name": "emr", "path": "/", "role": "emr"})),
        r("aws_emr_security_configuration", "s", json!({"name": "maps", "configuration": r#"{"AuthorizationConfiguration":{"EmrFsConfiguration":{"RoleMappings":[]}}}"#})),
        r("aws_emr_cluster", "c", json!({"name": "writer", "security_configuration": "maps", "ec2_attributes": [{"instance_profile": "emr"}]})),
        r("aws_glue_job", "j", json!({"name": "job", "command": [{"name": "glueetl", "script_location": "s3://x/y.py"}]}))
            .unknown(&["role_arn"], json!({"role_arn": ["aws_iam_role.r.arn"]})),
    ]);
    assert!(
        converted.files["terraform/aws_emr_cluster.c.emr_cluster.json"]
            .contains("\"IamInstanceProfile\": \"emr\"")
    );
    assert!(converted
        .files
        .contains_key("terraform/aws_emr_cluster.c.security_configuration.json"));
    assert!(converted.files["terraform/aws_glue_job.j.glue_job.json"]
        .contains("arn:aws:iam::111111111111:role/emr"));
    let world = load(&converted).world;
    assert!(world.compute.contains_key("writer") && world.compute.contains_key("job"));
}

#[test]
fn what_cannot_be_read_is_a_warning_naming_the_resource() {
    let converted = read(vec![
        r("aws_iam_role", "late", json!({"name": "late", "path": "/"}))
            .unknown(&["assume_role_policy"], json!({})),
        r("aws_sqs_queue", "q", json!({"name": "q"})),
        r(
            "aws_iam_role",
            "nowhere",
            json!({"name": "n", "path": "/", "assume_role_policy": TRUST}),
        )
        .on("aws.c"),
        r(
            "aws_iam_role_policy",
            "orphan",
            json!({"role": "elsewhere", "name": "x", "policy": READ}),
        ),
    ]);
    assert!(warned(
        &converted,
        "aws_iam_role.late",
        "known only after apply"
    ));
    assert!(warned(
        &converted,
        "plan",
        "aws_sqs_queue (aws_sqs_queue.q)"
    ));
    assert!(warned(&converted, "aws.c", "--account-of aws.c=ACCOUNT_ID"));
    assert!(warned(
        &converted,
        "aws_iam_role_policy.orphan",
        "not in the plan"
    ));
    let with_account = convert(
        &plan(vec![r(
            "aws_iam_role",
            "nowhere",
            json!({"name": "n", "path": "/", "assume_role_policy": TRUST}),
        )
        .on("aws.c")]),
        "plan.json",
        Side::After,
        &Options {
            account_of: [("c".to_owned(), "333333333333".to_owned())].into(),
        },
    )
    .unwrap();
    assert!(with_account
        .manifest
        .contains("arn:aws:iam::333333333333:role/n"));
}

#[test]
fn the_prior_state_is_the_world_before() {
    let mut document: Value = serde_json::from_str(&plan(vec![r(
        "aws_iam_role",
        "new",
        json!({"name": "new", "path": "/", "assume_role_policy": TRUST}),
    )]))
    .unwrap();
    document["prior_state"] = json!({"values": {"root_module": {"resources": [
        {"address": "aws_iam_role.old", "mode": "managed", "type": "aws_iam_role", "name": "old",
         "values": {"name": "old", "path": "/", "assume_role_policy": TRUST, "arn": "arn:aws:iam::111111111111:role/old"}}]}}});
    let text = document.to_string();
    let before = convert(&text, "plan.json", Side::Before, &Options::default()).unwrap();
    let after = convert(&text, "plan.json", Side::After, &Options::default()).unwrap();
    assert!(before.manifest.contains("role/old") && !before.manifest.contains("role/new"));
    assert!(after.manifest.contains("role/new") && !after.manifest.contains("role/old"));
}

#[test]
fn over_a_scenario_the_plan_adds_to_its_roles_and_replaces_what_it_defines() {
    let scenario = "[[role]]\narn = \"arn:aws:iam::111111111111:role/kept\"\ntrust = \"kept-trust.json\"\npolicies = [\"a.json\"]\n\n[[role]]\narn = \"arn:aws:iam::111111111111:role/r\"\ntrust = \"old.json\"\n";
    let converted = convert_over(
        &plan(vec![
            r(
                "aws_iam_role_policy",
                "more",
                json!({"role": "kept", "name": "x", "policy": READ}),
            ),
            r(
                "aws_iam_role",
                "r",
                json!({"name": "r", "path": "/", "assume_role_policy": TRUST}),
            ),
        ]),
        "plan.json",
        Side::After,
        &Options::default(),
        Base::scan(scenario),
    )
    .unwrap();
    assert_eq!(
        converted.replaced.len(),
        2,
        "both tables are said again by the plan"
    );
    let blanked = super::base::blank(scenario, &converted.replaced);
    assert!(blanked.trim().is_empty());
    assert_eq!(blanked.lines().count(), scenario.lines().count());
    assert!(
        converted.manifest.contains("a.json")
            && converted
                .manifest
                .contains("aws_iam_role_policy.more policy"),
        "{}",
        converted.manifest
    );
    assert!(!converted.manifest.contains("old.json"));
}

#[test]
fn what_is_not_a_plan_is_an_error() {
    let options = Options::default();
    assert_eq!(
        convert("{}", "x", Side::After, &options).unwrap_err(),
        super::TerraformError::NotAPlan
    );
    assert!(matches!(
        convert("{", "x", Side::After, &options),
        Err(super::TerraformError::Json { .. })
    ));
    assert_eq!(
        convert(r#"{"format_version":"2.0"}"#, "x", Side::After, &options).unwrap_err(),
        super::TerraformError::Version("2.0".to_owned())
    );
}

#[test]
fn origins_name_the_plan_and_the_address() {
    let name = super::origin_name(
        "dir/plan.json",
        "module.x.aws_iam_role.y[0]",
        "inline_policy \"a b\"",
    );
    assert_eq!(
        super::origin(&name),
        Some(("dir/plan.json", "module.x.aws_iam_role.y[0]"))
    );
    assert_eq!(super::origin("policies/trust.json"), None);
}
