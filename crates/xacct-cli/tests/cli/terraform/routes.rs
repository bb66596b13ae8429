//! examples/unity-catalog and examples/lf-tags as Terraform plans (Databricks Unity Catalog
//! objects, LF-Tags, tag assignments, data cell filters and grants on them): the same verdicts
//! as the hand-written examples, broken variants included, and nothing left unread.

use super::checks_as_the_example_does;
use crate::xacct;

#[test]
fn unity_catalog_and_lf_tags_as_plans_check_as_the_examples_do() {
    for (folder, passes, count) in [
        ("unity-catalog", true, 19),
        ("unity-catalog/broken/role-does-not-trust-itself", false, 19),
        ("lf-tags", true, 4),
        ("lf-tags/broken/grant-expression-not-matching", false, 4),
    ] {
        assert_eq!(
            checks_as_the_example_does(folder, passes),
            count,
            "{folder}"
        );
    }
}

/// What `import --terraform` writes for the LF-Tag plan: the tags on the database and the
/// column, the filter, and the grants on the expression and the filter.
#[test]
fn import_writes_the_lf_tag_routes() {
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("terraform-import-lf-tags");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let output = folder.join("xacct.toml");
    let (code, _, stderr) = xacct(&[
        "import",
        "--terraform",
        "crates/xacct-cli/tests/fixtures/terraform/lf-tags/plan.json",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let manifest = std::fs::read_to_string(&output).unwrap();
    for expected in [
        "cross_account_version = 3",
        "lf_tags = { \"domain\" = \"sales\", \"sensitivity\" = \"public\" }",
        "column_lf_tags = { \"email\" = { \"sensitivity\" = \"pii\" } }",
        "row_filter = \"region = 'EU'\"\nexcluded_columns = [\"card_number\"]",
        "lf_tag_resource = \"DATABASE\"",
        "filter = \"eu_orders\"",
    ] {
        assert!(manifest.contains(expected), "{expected}:\n{manifest}");
    }
}
