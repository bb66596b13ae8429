//! The routes of issue 14 read from a plan: S3 access points, Unity Catalog (Databricks provider), LF-Tags and
//! data cell filters, and the EMR security configuration runtime roles read. Each test loads
//! the manifest it gets, so a table the loader refuses fails it.

use super::tests::{load, plan, r, read, warned};
use super::{convert_over, Base, Options, Side};
use serde_json::json;

const ACCOUNT: &str = "0d26daa6-5e44-4c97-a497-ef015f91254a";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"},"Action":"sts:AssumeRole"}]}"#;

fn has(manifest: &str, expected: &[&str]) {
    for text in expected {
        assert!(manifest.contains(text), "{text}:\n{manifest}");
    }
}

#[test]
fn databricks_storage_credential_with_the_provider_account_and_a_computed_role() {
    let converted = read(vec![
        r(
            "aws_iam_role",
            "uc",
            json!({"name": "uc", "path": "/", "assume_role_policy": TRUST}),
        )
        .unknown(&["arn"], json!({})),
        r(
            "databricks_storage_credential",
            "s",
            json!({"name": "lake", "aws_iam_role": [{}], "read_only": true}),
        )
        .on("databricks")
        .unknown(
            &["aws_iam_role.role_arn"],
            json!({"aws_iam_role.role_arn": ["aws_iam_role.uc.arn", "aws_iam_role.uc"]}),
        ),
    ]);
    has(
        &converted.manifest,
        &[
            "# databricks_storage_credential.s\n[[storage_credential]]\nname = \"lake\"",
            "role = \"arn:aws:iam::111111111111:role/uc\"",
            &format!("databricks_account_id = \"{ACCOUNT}\""),
            "read_only = true",
        ],
    );
    load(&converted);
}

#[test]
fn databricks_credential_by_purpose() {
    let converted = read(vec![
        r("databricks_credential", "st", json!({"name": "st", "purpose": "STORAGE", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/st"}]})).on("databricks"),
        r("databricks_credential", "sv", json!({"name": "sv", "purpose": "SERVICE", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/sv"}]})).on("databricks"),
        r("databricks_credential", "x", json!({"name": "x", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/x"}]})).on("databricks"),
    ]);
    has(
        &converted.manifest,
        &[
            "[[storage_credential]]\nname = \"st\"",
            "[[service_credential]]\nname = \"sv\"",
        ],
    );
    assert!(!converted.manifest.contains("role/x"));
    assert!(warned(&converted, "databricks_credential.x", "purpose"));
}

#[test]
fn a_credential_without_a_databricks_account_is_a_warning_naming_it() {
    let converted = read(vec![r(
        "databricks_storage_credential",
        "s",
        json!({"name": "lake", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/uc"}]}),
    )
    .on("databricks.ws")]);
    assert!(!converted.manifest.contains("[[storage_credential]]"));
    assert!(warned(
        &converted,
        "databricks_storage_credential.s",
        "--account-of databricks=ACCOUNT_ID"
    ));
}

#[test]
fn databricks_external_location_metastore_data_access_and_catalog() {
    let converted = read(vec![
        r("aws_iam_role", "uc", json!({"name": "uc", "path": "/", "assume_role_policy": TRUST})),
        r("aws_iam_role", "root", json!({"name": "root", "path": "/", "assume_role_policy": TRUST})),
        r("databricks_storage_credential", "s", json!({"name": "lake", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/uc"}]})).on("databricks"),
        r("databricks_external_location", "l", json!({"name": "sales", "url": "s3://lake-b/sales/", "read_only": true}))
            .on("databricks").unknown(&["credential_name"], json!({"credential_name": ["databricks_storage_credential.s.name", "databricks_storage_credential.s"]})),
        r("databricks_metastore", "m", json!({"name": "main", "storage_root": "s3://root/metastore"})).on("databricks").unknown(&["id"], json!({})),
        r("databricks_metastore_data_access", "root", json!({"name": "root", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/root"}]}))
            .on("databricks").unknown(&["metastore_id"], json!({"metastore_id": ["databricks_metastore.m.id", "databricks_metastore.m"]})),
        r("databricks_catalog", "c", json!({"name": "sales", "storage_root": "s3://lake-b/sales/managed"}))
            .on("databricks").unknown(&["metastore_id"], json!({"metastore_id": ["databricks_metastore.m.id", "databricks_metastore.m"]})),
        r("databricks_catalog", "plain", json!({"name": "plain"})).on("databricks"),
    ]);
    has(
        &converted.manifest,
        &[
            "[[external_location]]\nname = \"sales\"\nurl = \"s3://lake-b/sales/\"\ncredential = \"lake\"\nread_only = true",
            "[[storage_credential]]\nname = \"root\"",
            "[[metastore]]\nname = \"main\"\nstorage_root = \"s3://root/metastore\"\ncredential = \"root\"",
            "# databricks_catalog.c\n[[metastore.catalog]]\nname = \"sales\"\nstorage_root = \"s3://lake-b/sales/managed\"",
        ],
    );
    // A catalog without its own storage keeps its tables in the metastore's root.
    assert!(!converted.manifest.contains("\"plain\""));
    load(&converted);
}

#[test]
fn a_catalog_with_storage_but_no_metastore_is_a_warning() {
    let converted = read(vec![r(
        "databricks_catalog",
        "c",
        json!({"name": "sales", "storage_root": "s3://lake/managed", "metastore_id": "abc"}),
    )
    .on("databricks")]);
    assert!(warned(
        &converted,
        "databricks_catalog.c",
        "names no metastore"
    ));
}

#[test]
fn lf_tags_their_assignment_and_cross_account_version() {
    let converted = read(vec![
        r(
            "aws_lakeformation_data_lake_settings",
            "s",
            json!({"admins": [], "parameters": {"CROSS_ACCOUNT_VERSION": "3"}}),
        ),
        r(
            "aws_lakeformation_lf_tag",
            "domain",
            json!({"key": "domain", "values": ["sales", "marketing"]}),
        ),
        r(
            "aws_lakeformation_lf_tag",
            "sensitivity",
            json!({"key": "sensitivity", "values": ["public", "pii"]}),
        ),
        r("aws_glue_catalog_database", "d", json!({"name": "sales"})),
        r(
            "aws_glue_catalog_table",
            "t",
            json!({"name": "customers", "database_name": "sales",
            "storage_descriptor": [{"location": "s3://lake/customers/", "columns": [{"name": "id", "type": "int"}, {"name": "email", "type": "string"}]}],
            "partition_keys": [{"name": "day", "type": "string"}]}),
        ),
        r(
            "aws_lakeformation_resource_lf_tags",
            "db",
            json!({"database": [{"name": "sales"}], "lf_tag": [{"key": "domain", "value": "sales"}, {"key": "sensitivity", "value": "public"}]}),
        ),
        r(
            "aws_lakeformation_resource_lf_tags",
            "email",
            json!({"table_with_columns": [{"database_name": "sales", "name": "customers", "column_names": ["email"]}],
            "lf_tag": [{"key": "sensitivity", "value": "pii"}]}),
        ),
        r(
            "aws_lakeformation_resource_lf_tags",
            "elsewhere",
            json!({"database": [{"name": "not_in_plan"}], "lf_tag": [{"key": "domain", "value": "sales"}]}),
        ),
    ]);
    has(
        &converted.manifest,
        &[
            "cross_account_version = 3",
            "[[catalog.lf_tag]]\nkey = \"domain\"\nvalues = [\"sales\", \"marketing\"]",
            "[[catalog.database]]\nname = \"sales\"\nlf_tags = { \"domain\" = \"sales\", \"sensitivity\" = \"public\" }",
            "columns = [\"id\", \"email\", \"day\"]\ncolumn_lf_tags = { \"email\" = { \"sensitivity\" = \"pii\" } }",
        ],
    );
    assert!(warned(
        &converted,
        "aws_lakeformation_resource_lf_tags.elsewhere",
        "does not define"
    ));
    load(&converted);
    let odd = read(vec![r(
        "aws_lakeformation_data_lake_settings",
        "s",
        json!({"admins": [], "parameters": {"CROSS_ACCOUNT_VERSION": "three"}}),
    )]);
    assert!(!odd.manifest.contains("cross_account_version"));
    assert!(warned(
        &odd,
        "aws_lakeformation_data_lake_settings.s",
        "not a version number"
    ));
}

#[test]
fn data_cells_filter_and_grants_on_tags_filters_and_excluded_columns() {
    let converted = read(vec![
        r("aws_glue_catalog_database", "d", json!({"name": "sales"})),
        r(
            "aws_glue_catalog_table",
            "t",
            json!({"name": "orders", "database_name": "sales",
            "storage_descriptor": [{"columns": [{"name": "id"}, {"name": "region"}, {"name": "card"}]}]}),
        ),
        r(
            "aws_lakeformation_data_cells_filter",
            "eu",
            json!({"table_data": [{"name": "eu", "database_name": "sales", "table_name": "orders",
            "table_catalog_id": "111111111111", "row_filter": [{"filter_expression": "region = 'EU'"}], "column_wildcard": [{"excluded_column_names": ["card"]}]}]}),
        ),
        r(
            "aws_lakeformation_permissions",
            "tags",
            json!({"principal": "222222222222", "permissions": ["SELECT"], "permissions_with_grant_option": ["SELECT"],
            "lf_tag_policy": [{"resource_type": "DATABASE", "expression": [{"key": "domain", "values": ["sales"]}]}]}),
        ),
        r(
            "aws_lakeformation_permissions",
            "filter",
            json!({"principal": "arn:aws:iam::111111111111:role/analyst", "permissions": ["SELECT"],
            "data_cells_filter": [{"database_name": "sales", "table_name": "orders", "name": "eu", "table_catalog_id": "111111111111"}]}),
        ),
        r(
            "aws_lakeformation_permissions",
            "excluded",
            json!({"principal": "arn:aws:iam::111111111111:role/analyst", "permissions": ["SELECT"],
            "table_with_columns": [{"database_name": "sales", "name": "orders", "wildcard": true, "excluded_column_names": ["card"]}]}),
        ),
        r(
            "aws_lakeformation_permissions",
            "tag_itself",
            json!({"principal": "222222222222", "permissions": ["ASSOCIATE"],
            "lf_tag": [{"key": "domain", "values": ["sales"]}]}),
        ),
    ]);
    has(
        &converted.manifest,
        &[
            "[[catalog.filter]]\nname = \"eu\"\ndatabase = \"sales\"\ntable = \"orders\"\nrow_filter = \"region = 'EU'\"\nexcluded_columns = [\"card\"]",
            "lf_tags = { \"domain\" = [\"sales\"] }\nlf_tag_resource = \"DATABASE\"",
            "grantable = [\"SELECT\"]",
            "database = \"sales\"\ntable = \"orders\"\nfilter = \"eu\"",
            "table = \"orders\"\nexcluded_columns = [\"card\"]",
        ],
    );
    assert!(warned(
        &converted,
        "aws_lakeformation_permissions.tag_itself",
        "LF-Tag itself"
    ));
    load(&converted);
}

#[test]
fn emr_runtime_role_settings_pass_through_the_security_configuration() {
    let configuration = r#"{"AuthorizationConfiguration":{"IAMConfiguration":{"EnableApplicationScopedIAMRole":true},"LakeFormationConfiguration":{"AuthorizedSessionTagValue":"Amazon EMR"}}}"#;
    let converted = read(vec![
        r(
            "aws_iam_role",
            "r",
            json!({"name": "emr", "path": "/", "assume_role_policy": TRUST}),
        ),
        r(
            "aws_iam_instance_profile",
            "p",
            json!({"name": "emr", "path": "/", "role": "emr"}),
        ),
        r(
            "aws_emr_security_configuration",
            "s",
            json!({"name": "runtime", "configuration": configuration}),
        ),
        r(
            "aws_emr_cluster",
            "c",
            json!({"name": "steps", "security_configuration": "runtime", "ec2_attributes": [{"instance_profile": "emr"}]}),
        ),
    ]);
    // Terraform holds no step, so no runtime role: said, and the scenario's is kept (below).
    assert!(warned(&converted, "aws_emr_cluster.c", "runtime_role"));
    let security = &converted.files["terraform/aws_emr_cluster.c.security_configuration.json"];
    let described: serde_json::Value = serde_json::from_str(security).unwrap();
    let inner: serde_json::Value =
        serde_json::from_str(described["SecurityConfiguration"].as_str().unwrap()).unwrap();
    assert_eq!(
        inner["AuthorizationConfiguration"]["IAMConfiguration"]["EnableApplicationScopedIAMRole"],
        json!(true)
    );
    assert!(!converted.manifest.contains("runtime_role ="));
}

/// Over a scenario whose compute of the cluster's name gives its steps' exports, the plan's
/// cluster keeps them: no Terraform attribute holds a step's runtime role.
#[test]
fn over_a_scenario_an_emr_cluster_keeps_the_steps_of_the_scenario_s_compute() {
    let configuration = r#"{"AuthorizationConfiguration":{"IAMConfiguration":{"EnableApplicationScopedIAMRole":true}}}"#;
    let scenario = "[[compute]]\nname = \"steps\"\ninstance_profile = \"arn:aws:iam::111111111111:instance-profile/emr\"\nemr_steps = \"emr/steps.json\"\n";
    let converted = convert_over(
        &plan(vec![
            r(
                "aws_emr_security_configuration",
                "s",
                json!({"name": "runtime", "configuration": configuration}),
            ),
            r(
                "aws_emr_cluster",
                "c",
                json!({"name": "steps", "security_configuration": "runtime", "ec2_attributes": [{"instance_profile": "emr"}]}),
            ),
        ]),
        "plan.json",
        Side::After,
        &Options::default(),
        Base::scan(scenario),
    )
    .unwrap();
    assert!(
        converted
            .manifest
            .contains("emr_steps = \"emr/steps.json\""),
        "{}",
        converted.manifest
    );
    assert!(!warned(&converted, "aws_emr_cluster.c", "runtime_role"));
}

#[test]
fn over_a_scenario_the_plan_replaces_its_unity_catalog_tables_of_the_same_name() {
    let scenario = "[[storage_credential]]\nname = \"lake\"\nrole = \"arn:aws:iam::111111111111:role/old\"\ndatabricks_account_id = \"x\"\n\n[[external_location]]\nname = \"other\"\nurl = \"s3://b/\"\ncredential = \"lake\"\n";
    let converted = convert_over(
        &plan(vec![r(
            "databricks_storage_credential",
            "s",
            json!({"name": "lake", "aws_iam_role": [{"role_arn": "arn:aws:iam::111111111111:role/uc"}]}),
        )
        .on("databricks")]),
        "plan.json",
        Side::After,
        &Options::default(),
        Base::scan(scenario),
    )
    .unwrap();
    let blanked = super::base::blank(scenario, &converted.replaced);
    assert!(
        !blanked.contains("role/old") && blanked.contains("name = \"other\""),
        "{blanked}"
    );
}

const AP_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:111111111111:accesspoint/reports/object/*"}]}"#;

#[test]
fn an_access_point_with_its_vpc_switches_and_a_separate_policy() {
    let converted = read(vec![
        r("aws_s3_bucket", "data", json!({"bucket": "data"})),
        r(
            "aws_s3_access_point",
            "reports",
            json!({"name": "reports", "vpc_configuration": [{"vpc_id": "vpc-0a1b"}],
                "public_access_block_configuration": [{"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": false, "restrict_public_buckets": false}]}),
        )
        .unknown(&["bucket"], json!({"bucket": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]})),
        r(
            "aws_s3control_access_point_policy",
            "reports",
            json!({"policy": AP_POLICY}),
        )
        .unknown(
            &["access_point_arn"],
            json!({"access_point_arn": ["aws_s3_access_point.reports.arn", "aws_s3_access_point.reports"]}),
        ),
    ]);
    has(
        &converted.manifest,
        &[
            "# aws_s3_access_point.reports\n[[access_point]]\nname = \"reports\"\naccount = \"111111111111\"\nbucket = \"data\"\nregion = \"us-east-1\"",
            "network_origin = \"VPC\"\nvpc_id = \"vpc-0a1b\"",
            "BlockPublicPolicy = false",
            "origin = \"plan.json (terraform: aws_s3control_access_point_policy.reports policy)\"",
        ],
    );
    let loaded = load(&converted);
    let point = loaded
        .world
        .access_points
        .get("arn:aws:s3:us-east-1:111111111111:accesspoint/reports")
        .unwrap();
    assert!(point.policy.is_some());
    assert!(!point.block_public_access.block_public_policy);
    assert_eq!(point.network_origin.key_value(), "VPC");
}

#[test]
fn an_internet_access_point_keeps_its_inline_policy_and_the_default_switches() {
    let converted = read(vec![
        r("aws_s3_bucket", "data", json!({"bucket": "data"})).on("aws.b"),
        r(
            "aws_s3_access_point",
            "open",
            json!({"name": "open", "bucket": "data", "policy": AP_POLICY, "vpc_configuration": [], "public_access_block_configuration": []}),
        )
        .on("aws.b"),
    ]);
    has(
        &converted.manifest,
        &["account = \"222222222222\"", "region = \"eu-west-1\""],
    );
    assert!(!converted.manifest.contains("network_origin"));
    assert!(!converted.manifest.contains("block_public_access"));
    let loaded = load(&converted);
    let point = loaded
        .world
        .access_points
        .get("arn:aws:s3:eu-west-1:222222222222:accesspoint/open")
        .unwrap();
    assert!(point.policy.is_some());
    assert!(point.block_public_access.block_public_policy);
    assert_eq!(point.network_origin.key_value(), "Internet");
}

#[test]
fn an_access_point_policy_for_an_access_point_outside_the_plan_is_a_warning() {
    let converted = read(vec![r(
        "aws_s3control_access_point_policy",
        "elsewhere",
        json!({"access_point_arn": "arn:aws:s3:us-east-1:111111111111:accesspoint/gone", "policy": AP_POLICY}),
    )]);
    assert!(!converted.manifest.contains("[[access_point]]"));
    assert!(warned(
        &converted,
        "aws_s3control_access_point_policy.elsewhere",
        "neither in the plan nor in the scenario"
    ));
}
