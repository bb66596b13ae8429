//! What the `render_plan` fuzz target does with its input, shared with the test that replays
//! its corpus (`crates/xacct-plan/tests/fuzz_corpus.rs` includes this file).
//!
//! The plan renderers write what users paste and run, from names the scenario chose: the
//! input supplies those names (and the intent's other values) to a fixed scenario, and every
//! renderer must cope with whatever loads. Nothing here may panic on any input.

use std::path::Path;
use xacct_policy::SourceFile;

/// The scenario of `examples/s3-role-chain/plan`, with the values an input sets in braces.
const TEMPLATE: &str = r#"
[[account]]
id = "111111111111"
name = {account_name}

[[account]]
id = "222222222222"

[[role]]
arn = "arn:aws:iam::111111111111:role/MyRoleA"
trust = "../policies/MyRoleA-trust.json"

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/MyRoleA"
role = "MyRoleA"

[[role]]
arn = "arn:aws:iam::111111111111:role/databricks-cross-account"
trust = "../policies/databricks-deployment-trust.json"

[[bucket]]
name = {bucket}
account = "222222222222"

[[compute]]
name = "etl"
databricks_cluster = "../databricks/cluster.json"
deployed_by = "arn:aws:iam::111111111111:role/databricks-cross-account"

[[intent]]
name = {name}
compute = "databricks:etl"
access = {access}
target = {target}
route = {route}
role_name = {role_name}
external_id = {external_id}
"#;

/// A TOML basic string holding `text` (JSON's escapes are TOML's).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The `render_plan` target. The input's lines are, in order: the intent's name, the bucket,
/// the prefix, the role name, the external id, the access (`read`, `write`, `read-write`), the
/// route and the first account's name; missing lines keep the example's values. Every intent
/// that loads is planned and rendered as JSON, Terraform, a CLI script and a runbook.
/// `scenario_dir` is `examples/s3-role-chain/plan` of the repository. Returns how many
/// intents were planned and rendered.
pub fn render_plan(data: &[u8], scenario_dir: &Path) -> usize {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let mut next = |default: &str| {
        lines
            .next()
            .map_or_else(|| default.to_owned(), str::to_owned)
    };
    let name = next("etl cluster reads the sales prefix");
    let bucket = next("lake-b");
    let prefix = next("sales/");
    let role_name = next("MyRoleB");
    let external_id = next("none");
    let access = next("read-write");
    let route = next("assume-role");
    let account_name = next("A");
    let manifest = TEMPLATE
        .replace("{account_name}", &quoted(&account_name))
        .replace("{bucket}", &quoted(&bucket))
        .replace("{name}", &quoted(&name))
        .replace("{access}", &quoted(&access))
        .replace("{target}", &quoted(&format!("s3://{bucket}/{prefix}")))
        .replace("{route}", &quoted(&route))
        .replace("{role_name}", &quoted(&role_name))
        .replace("{external_id}", &quoted(&external_id));
    let source = SourceFile::new(
        scenario_dir.join("xacct.toml").display().to_string(),
        manifest,
    );
    let loaded = xacct_world::load_text(source, scenario_dir);
    if loaded.has_errors() {
        return 0;
    }
    let world = &loaded.world;
    let mut rendered = 0;
    for intent in &world.intents {
        let Ok(plan) = xacct_plan::plan(world, intent) else {
            continue;
        };
        let json = xacct_plan::render::json(world, &plan);
        assert!(
            serde_json::to_string(&json).is_ok(),
            "the JSON plan cannot be written"
        );
        let terraform = xacct_plan::render::terraform(world, &plan);
        let cli = xacct_plan::render::cli(world, &plan);
        let runbook = xacct_plan::render::runbook(world, &plan);
        assert!(
            !terraform.is_empty() && !cli.is_empty() && !runbook.is_empty(),
            "an empty rendering"
        );
        rendered += 1;
    }
    rendered
}
