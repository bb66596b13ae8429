//! Plans of every intent of a scenario together, as users paste and run them: one provider
//! per account and one resource per document, existing documents updated and imported, HCL
//! as `terraform fmt` writes it, scripts that pass hostile values as data and run nothing,
//! and intents that `xacct check` finds met once the plan is applied.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test that cannot read its fixture fails"
)]

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Body;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use xacct_plan::{applied_world, intent_results, plan_all, render, Plan};
use xacct_world::World;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(path: &Path) -> World {
    let loaded = xacct_world::load(path).unwrap();
    assert!(
        !loaded.has_errors(),
        "{}: {:?}",
        path.display(),
        loaded.findings
    );
    loaded.world
}

fn merged_plan(world: &World) -> Plan {
    let intents: Vec<_> = world.intents.iter().collect();
    let merged = plan_all(world, &intents);
    assert!(merged.refused.is_empty(), "{:?}", merged.refused);
    merged.plan.unwrap()
}

/// Every scenario with intents: the field guides' plan examples and the fixtures.
fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path().join("plan"))
        .filter(|path| path.join("xacct.toml").exists())
        .collect();
    out.sort();
    out.push(fixture("two-intents"));
    out.push(fixture("hostile-values"));
    out
}

fn to_json(expression: &Expression) -> Value {
    match expression {
        Expression::Null(_) => Value::Null,
        Expression::Bool(value) => Value::Bool(*value.value()),
        Expression::Number(number) => serde_json::from_str(&number.value().to_string()).unwrap(),
        Expression::String(text) => Value::String(text.value().clone()),
        Expression::Array(array) => Value::Array(array.iter().map(to_json).collect()),
        Expression::Object(object) => {
            let mut map = serde_json::Map::new();
            for (key, value) in object.iter() {
                let key = match key {
                    ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                    ObjectKey::Expression(expression) => expression.as_str().unwrap().to_owned(),
                };
                map.insert(key, to_json(value.expr()));
            }
            Value::Object(map)
        }
        Expression::FuncCall(call) if call.name.name.as_str() == "jsonencode" => {
            to_json(call.args.iter().next().unwrap())
        }
        other => panic!("unexpected expression {other:?}"),
    }
}

/// `(block type, labels)` of every top-level block, and the attributes of each.
fn blocks(body: &Body) -> Vec<(String, Vec<String>, BTreeMap<String, Expression>)> {
    body.blocks()
        .map(|block| {
            (
                block.ident.as_str().to_owned(),
                block
                    .labels
                    .iter()
                    .map(|label| label.as_str().to_owned())
                    .collect(),
                block
                    .body
                    .attributes()
                    .map(|attribute| (attribute.key.as_str().to_owned(), attribute.value.clone()))
                    .collect(),
            )
        })
        .collect()
}

fn statements(document: &Value) -> Vec<Value> {
    document["Statement"].as_array().unwrap().clone()
}

fn sids_are_unique(document: &Value) {
    let sids: Vec<&str> = document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|statement| statement["Sid"].as_str())
        .collect();
    let unique: BTreeSet<&str> = sids.iter().copied().collect();
    assert_eq!(sids.len(), unique.len(), "{document}");
}

#[test]
fn several_intents_make_one_plan_that_updates_what_exists() {
    let world = load(&fixture("two-intents"));
    let plan = merged_plan(&world);
    assert_eq!(plan.intents.len(), 3);
    assert!(plan.proof.iter().all(|result| result.passed()));
    // The proof covers every intent's checks.
    let checked: BTreeSet<&str> = plan
        .checks
        .iter()
        .map(|check| check.name.split(':').next().unwrap())
        .collect();
    assert_eq!(checked.len(), 3, "{checked:?}");
    assert!(xacct_plan::prove::holds_without(&world, &plan, usize::MAX));

    let json = render::json(&world, &plan);
    let data = &json["accounts"]["222222222222"];
    // The existing role (path /team/) is extended, not created again.
    assert!(plan.created_roles.is_empty(), "{:?}", plan.created_roles);
    let trust = &data["roles/lake-reader/trust-policy.json"];
    let trust_sids: Vec<String> = statements(trust)
        .iter()
        .map(|statement| statement["Sid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        trust_sids,
        ["Auditor", "XacctTrustEtl"],
        "one trust statement for both intents"
    );
    let bucket = &data["buckets/lake-b/bucket-policy.json"];
    assert_eq!(
        statements(bucket)[0]["Sid"],
        "AuditRead",
        "existing statements kept"
    );
    let key = &data["keys/1234abcd-12ab-34cd-56ef-1234567890ab/key-policy.json"];
    assert_eq!(statements(key)[0]["Sid"], "KeyAdmins");
    // The reading and the writing intent need the same key user: one statement says both.
    let key_user: Vec<Value> = statements(key)
        .into_iter()
        .filter(|statement| {
            statement["Principal"]["AWS"] == "arn:aws:iam::222222222222:role/team/lake-reader"
        })
        .collect();
    assert_eq!(key_user.len(), 1, "{key}");
    assert_eq!(
        key_user[0]["Action"],
        serde_json::json!(["kms:Decrypt", "kms:GenerateDataKey"])
    );
    let reader_policy = &data["roles/lake-reader/xacct-plan.json"];
    for document in [trust, bucket, key, reader_policy] {
        sids_are_unique(document);
        let all = statements(document);
        let unique: BTreeSet<String> = all.iter().map(Value::to_string).collect();
        assert_eq!(all.len(), unique.len(), "no statement twice: {document}");
    }
    // Both S3 intents' prefixes are in the one inline policy of the role.
    let text = reader_policy.to_string();
    assert!(
        text.contains("sales/*") && text.contains("staging/*"),
        "{text}"
    );

    // Terraform: one provider per account (and one assuming the key's administrator role,
    // the only principal its key policy lets change it), one resource per address, imports
    // for what exists.
    let terraform = render::terraform(&world, &plan);
    let body: Body = terraform.parse().unwrap();
    let blocks = blocks(&body);
    let providers: Vec<String> = blocks
        .iter()
        .filter(|(kind, _, _)| kind == "provider")
        .map(|(_, _, attributes)| attributes["alias"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        providers,
        [
            "account_222222222222",
            "account_111111111111",
            "account_222222222222_auditor"
        ]
    );
    let resources: Vec<String> = blocks
        .iter()
        .filter(|(kind, _, _)| kind == "resource")
        .map(|(_, labels, _)| labels.join("."))
        .collect();
    let unique: BTreeSet<&String> = resources.iter().collect();
    assert_eq!(resources.len(), unique.len(), "{resources:?}");
    let imports: BTreeSet<String> = blocks
        .iter()
        .filter(|(kind, _, _)| kind == "import")
        .map(|(_, _, attributes)| {
            format!(
                "{} {}",
                attributes["to"].to_string().trim(),
                attributes["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        imports,
        BTreeSet::from([
            "aws_iam_role.lake_reader lake-reader".to_owned(),
            "aws_s3_bucket_policy.lake_b lake-b".to_owned(),
            "aws_kms_key_policy._1234abcd_12ab_34cd_56ef_1234567890ab 1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
        ])
    );
    for import in &imports {
        let address = import.split(' ').next().unwrap();
        assert!(
            resources.iter().any(|resource| resource == address),
            "{address}"
        );
    }
    let role = blocks
        .iter()
        .find(|(kind, labels, _)| kind == "resource" && labels[0] == "aws_iam_role")
        .unwrap();
    assert_eq!(
        role.2["path"].as_str(),
        Some("/team/"),
        "an imported role keeps its path"
    );
    assert_eq!(to_json(&role.2["assume_role_policy"]), *trust);

    // The script updates what exists and never creates it.
    let script = render::cli(&world, &plan);
    assert!(!script.contains("create-role"), "{script}");
    assert_eq!(
        script.matches("update-assume-role-policy").count(),
        1,
        "{script}"
    );
    assert_eq!(script.matches("put-bucket-policy").count(), 1);
    assert_eq!(script.matches("put-key-policy").count(), 1);
}

/// Stand-in for `aws`: records each call as its argument count and arguments, each ended by
/// NUL, and fails `get-*` calls when `XACCT_STUB_MISSING` is set (nothing exists yet).
const STUB: &str = r#"#!/bin/sh
printf '%s\0' "$#" >> "$XACCT_STUB_LOG"
for argument in "$@"; do printf '%s\0' "$argument" >> "$XACCT_STUB_LOG"; done
case "$2" in get-*) [ -z "${XACCT_STUB_MISSING:-}" ] || exit 254 ;; esac
exit 0
"#;

/// Runs the script with the stub `aws` first on PATH, in an empty folder; the calls made.
fn run_script(script: &str, missing: bool) -> (Vec<Vec<String>>, PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let folder = std::env::temp_dir().join(format!(
        "xacct-plan-script-{}-{missing}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.join("bin")).unwrap();
    let stub = folder.join("bin/aws");
    std::fs::write(&stub, STUB).unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(folder.join("plan.sh"), script).unwrap();
    let log = folder.join("calls");
    let mut command = std::process::Command::new("sh");
    command
        .arg("plan.sh")
        .current_dir(&folder)
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", folder.join("bin").display()),
        )
        .env("XACCT_STUB_LOG", &log);
    if missing {
        command.env("XACCT_STUB_MISSING", "1");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&log).unwrap_or_default();
    let mut fields = bytes
        .split(|byte| *byte == 0)
        .map(|field| String::from_utf8(field.to_vec()).unwrap());
    let mut calls = Vec::new();
    while let Some(count) = fields.next().filter(|count| !count.is_empty()) {
        let count: usize = count.parse().unwrap();
        calls.push((0..count).map(|_| fields.next().unwrap()).collect());
    }
    (calls, folder)
}

/// The policy document each call passes, by the option that carries it.
fn passed_document(call: &[String]) -> Option<Value> {
    let at = call.iter().position(|argument| {
        [
            "--policy-document",
            "--assume-role-policy-document",
            "--policy",
            "--cli-input-json",
            "--database-input",
        ]
        .contains(&argument.as_str())
    })?;
    Some(serde_json::from_str(&call[at + 1]).unwrap())
}

#[test]
fn hostile_values_reach_aws_exactly_and_run_nothing() {
    let world = load(&fixture("hostile-values"));
    let plan = merged_plan(&world);
    let script = render::cli(&world, &plan);
    for line in script.lines().filter(|line| line.starts_with('#')) {
        assert!(!line.contains('\r'), "{line}");
    }
    let hostile_prefix = match &world.intents[0].target {
        xacct_world::model::IntentTarget::S3 { prefix, .. } => prefix.clone(),
        other => panic!("{other:?}"),
    };
    assert!(hostile_prefix.contains('\n') && hostile_prefix.contains("$(touch CANARY)"));
    let json = render::json(&world, &plan);
    let mut expected: Vec<Value> = json["accounts"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|documents| documents.as_object().unwrap().iter())
        .filter(|(path, _)| !path.starts_with("compute/"))
        .map(|(_, document)| document.clone())
        .collect();
    expected.sort_by_key(Value::to_string);
    for missing in [true, false] {
        let (calls, folder) = run_script(&script, missing);
        assert!(
            !folder.join("CANARY").exists(),
            "the script ran a command from a value"
        );
        // Every call is `aws SERVICE OPERATION --profile account-ID ...`.
        for call in &calls {
            assert_eq!(call[2], "--profile", "{call:?}");
            assert!(call[3].starts_with("account-"), "{call:?}");
        }
        let mut passed: Vec<Value> = calls
            .iter()
            .filter_map(|call| passed_document(call))
            .collect();
        passed.sort_by_key(Value::to_string);
        assert_eq!(passed, expected, "missing = {missing}");
        // The role to create: created when missing, updated when there.
        let operations: Vec<&str> = calls.iter().map(|call| call[1].as_str()).collect();
        assert_eq!(
            operations.contains(&"create-role"),
            missing,
            "{operations:?}"
        );
        // The prefix reaches AWS exactly, with the policy escapes for `$`.
        let text: String = passed.iter().map(Value::to_string).collect();
        let quoted = serde_json::to_string(&hostile_prefix.replace('$', "${$}")).unwrap();
        assert!(text.contains(&quoted[1..quoted.len() - 1]), "{text}");
        let external = calls
            .iter()
            .filter_map(|call| passed_document(call))
            .find(|document| document.to_string().contains("sts:ExternalId"))
            .unwrap();
        assert!(external
            .to_string()
            .contains("\"Ext=id,with.all@chars:/-+_\""));
        let _ = std::fs::remove_dir_all(&folder);
    }
}

/// Data lake settings as the Terraform provider names them: `AllowExternalDataFiltering` is
/// `allow_external_data_filtering`, and the allow list holds account ids.
fn as_terraform_settings(settings: &Value) -> Value {
    let names = [
        (
            "AllowExternalDataFiltering",
            "allow_external_data_filtering",
        ),
        (
            "ExternalDataFilteringAllowList",
            "external_data_filtering_allow_list",
        ),
        (
            "AuthorizedSessionTagValueList",
            "authorized_session_tag_value_list",
        ),
        (
            "AllowFullTableExternalDataAccess",
            "allow_full_table_external_data_access",
        ),
    ];
    let mut out = serde_json::Map::new();
    for (key, value) in settings.as_object().unwrap() {
        let name = names.iter().find(|(api, _)| api == key).unwrap().1;
        let value = match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| {
                        item.get("DataLakePrincipalIdentifier")
                            .cloned()
                            .unwrap_or_else(|| item.clone())
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        out.insert(name.to_owned(), value);
    }
    Value::Object(out)
}

/// Every document of the JSON plan is in the Terraform, as `jsonencode(...)` or a local,
/// and parses back to the same value.
#[test]
fn terraform_parses_back_to_the_json_documents() {
    for scenario in scenarios() {
        let world = load(&scenario);
        let plan = merged_plan(&world);
        let body: Body = render::terraform(&world, &plan).parse().unwrap();
        let mut from_terraform = Vec::new();
        for (kind, _, attributes) in blocks(&body) {
            for (key, value) in attributes {
                if ["policy", "assume_role_policy"].contains(&key.as_str()) || kind == "locals" {
                    from_terraform.push(to_json(&value));
                }
            }
        }
        let json = render::json(&world, &plan);
        let mut from_json: Vec<Value> = json["accounts"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|documents| documents.as_object().unwrap().iter())
            // Grants, links, Databricks objects and access points are Terraform resources of
            // their own (`databricks_objects_are_terraform_resources`).
            .filter(|(path, _)| {
                (path.starts_with("lakeformation/data-lake-settings-")
                    || !["lakeformation/", "glue/", "databricks/"]
                        .iter()
                        .any(|prefix| path.starts_with(prefix)))
                    && !path.ends_with("/access-point.json")
            })
            .map(|(path, document)| {
                if path.starts_with("lakeformation/data-lake-settings-") {
                    as_terraform_settings(document)
                } else {
                    document.clone()
                }
            })
            .collect();
        from_terraform.sort_by_key(Value::to_string);
        from_json.sort_by_key(Value::to_string);
        assert_eq!(from_terraform, from_json, "{}", scenario.display());
    }
}

/// Every Unity Catalog object of the JSON plan is a `databricks_*` resource of the Terraform
/// with the same name (and, for an external location, URL); the credential and the location
/// refer to the role and the credential the plan makes, so Terraform makes them in order.
#[test]
fn databricks_objects_are_terraform_resources() {
    let world =
        load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/unity-catalog/plan"));
    let plan = merged_plan(&world);
    let text = render::terraform(&world, &plan);
    let body: Body = text.parse().unwrap();
    let resources: Vec<(String, BTreeMap<String, Expression>)> = blocks(&body)
        .into_iter()
        .filter(|(kind, labels, _)| kind == "resource" && labels[0].starts_with("databricks_"))
        .map(|(_, labels, attributes)| (labels[0].clone(), attributes))
        .collect();
    let json = render::json(&world, &plan);
    let mut objects = 0;
    for (path, document) in json["accounts"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|documents| documents.as_object().unwrap().iter())
        .filter(|(path, _)| path.starts_with("databricks/"))
    {
        objects += 1;
        let kind = if path.starts_with("databricks/storage-credentials/") {
            "databricks_storage_credential"
        } else {
            "databricks_external_location"
        };
        let found = resources
            .iter()
            .find(|(resource, attributes)| {
                resource == kind
                    && attributes.get("name").map(to_json) == document.get("name").cloned()
            })
            .unwrap_or_else(|| panic!("{path} is not in the Terraform:\n{text}"));
        if let Some(url) = document.get("url") {
            assert_eq!(found.1.get("url").map(to_json).as_ref(), Some(url));
        }
    }
    assert_eq!(objects, 3, "{json}");
    assert!(
        text.contains("role_arn = aws_iam_role.uc_lake_b_sales.arn"),
        "{text}"
    );
    assert!(
        text.contains("credential_name = databricks_storage_credential.lake_b_sales.name"),
        "{text}"
    );
}

#[test]
fn hostile_values_parse_back_from_the_terraform() {
    let world = load(&fixture("hostile-values"));
    let plan = merged_plan(&world);
    let text = render::terraform(&world, &plan);
    let body: Body = text.parse().unwrap();
    // Only the blocks a plan writes: nothing the values could have added.
    let kinds: BTreeSet<String> = blocks(&body).into_iter().map(|(kind, _, _)| kind).collect();
    assert_eq!(
        kinds,
        ["import", "locals", "provider", "resource", "terraform"]
            .into_iter()
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
    );
    assert!(!text.contains("provisioner"));
    // The prefix parses back exactly (with the policy escape for `$`).
    let prefix = match &world.intents[0].target {
        xacct_world::model::IntentTarget::S3 { prefix, .. } => prefix.replace('$', "${$}"),
        other => panic!("{other:?}"),
    };
    let resources: Vec<Value> = blocks(&body)
        .into_iter()
        .filter_map(|(_, _, attributes)| attributes.get("policy").map(to_json))
        .flat_map(|document| statements(&document))
        .map(|statement| statement["Resource"].clone())
        .collect();
    assert!(
        resources.contains(&Value::String(format!("arn:aws:s3:::lake-b/{prefix}*"))),
        "{resources:?}"
    );
    // The existing role is imported, and what the scenario may not know of it is left alone.
    let role = blocks(&body)
        .into_iter()
        .find(|(kind, labels, _)| kind == "resource" && labels[1] == "stream_reader")
        .unwrap();
    assert!(!role.2.contains_key("tags"));
    assert!(text.contains(
        "ignore_changes = [description, max_session_duration, permissions_boundary, tags]"
    ));
    // The header comment is one line.
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with("# xacct plan: etl\\n$(touch"));
    assert!(text.lines().nth(1).unwrap().is_empty());
}

/// HCL as `terraform fmt` formats it: compared with terraform's own output where terraform
/// is installed (CI installs it), and in any case parsed back unchanged by hcl-edit.
#[test]
fn terraform_is_formatted_as_terraform_fmt_formats_it() {
    let terraform = std::process::Command::new("terraform")
        .arg("version")
        .output()
        .is_ok();
    for scenario in scenarios() {
        let world = load(&scenario);
        let plan = merged_plan(&world);
        let mut texts = vec![render::terraform(&world, &plan)];
        for file in render::files(&world, &plan, render::Format::Terraform) {
            texts.push(file.text);
        }
        for text in texts {
            let body: Body = text.parse().unwrap();
            assert_eq!(body.to_string(), text, "{}", scenario.display());
            if terraform {
                use std::io::Write as _;
                let mut child = std::process::Command::new("terraform")
                    .args(["fmt", "-no-color", "-"])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
                let output = child.wait_with_output().unwrap();
                assert!(output.status.success(), "{}", scenario.display());
                assert_eq!(
                    String::from_utf8(output.stdout).unwrap(),
                    text,
                    "{}: terraform fmt changes the plan",
                    scenario.display()
                );
            }
        }
    }
    if !terraform {
        eprintln!("terraform is not installed: compared with hcl-edit's parse only");
    }
}

#[test]
fn intents_are_met_once_the_plan_is_applied() {
    for scenario in [fixture("two-intents"), fixture("hostile-values")] {
        let world = load(&scenario);
        let (before, unchecked) = intent_results(&world);
        assert!(unchecked.is_empty(), "{unchecked:?}");
        assert!(!before.is_empty());
        assert!(
            before.iter().all(|result| !result.passed()),
            "{}",
            scenario.display()
        );
        assert!(before.iter().all(|result| result
            .expectation
            .name
            .contains("not yet met: `xacct plan`")));
        let plan = merged_plan(&world);
        let after_world = applied_world(&world, &plan).unwrap();
        let (after, _) = intent_results(&after_world);
        assert_eq!(after.len(), before.len());
        for result in &after {
            assert!(
                result.passed(),
                "{}: {}",
                scenario.display(),
                result.expectation.name
            );
            assert!(result.expectation.name.ends_with("(met)"));
        }
    }
}

/// `--output` files are relative paths of plain parts for every scenario and format.
#[test]
fn every_file_stays_inside_the_folder() {
    for scenario in scenarios() {
        let world = load(&scenario);
        let plan = merged_plan(&world);
        for format in [
            render::Format::Json,
            render::Format::Terraform,
            render::Format::Cli,
            render::Format::Runbook,
        ] {
            for file in render::files(&world, &plan, format) {
                assert!(
                    file.path
                        .components()
                        .all(|part| matches!(part, std::path::Component::Normal(_))),
                    "{}",
                    file.path.display()
                );
            }
        }
    }
}

/// An existing document whose statements xacct cannot read back is refused, never replaced
/// by the plan's statements alone.
#[test]
fn a_document_that_cannot_be_read_back_is_not_replaced() {
    let mut world = load(&fixture("two-intents"));
    if let Some(policy) = world
        .buckets
        .get_mut("lake-b")
        .and_then(|bucket| bucket.policy.as_mut())
    {
        policy.source = None;
    }
    let intents: Vec<_> = world.intents.iter().collect();
    let merged = plan_all(&world, &intents);
    assert!(merged.plan.is_none());
    assert_eq!(merged.refused.len(), 3);
    for (_, error) in &merged.refused {
        assert!(
            error.to_string().contains("cannot be read back as JSON"),
            "{error}"
        );
    }
}
