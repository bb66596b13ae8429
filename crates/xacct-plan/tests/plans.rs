//! Every plan example under `examples/*/plan/`: the plan is proven, every change in it is
//! necessary, and nothing is broader than needed (tests/merged.rs checks what the renderers
//! write).
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot read its example fails"
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use xacct_plan::{plan, prove::holds_without, Document};

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path().join("plan"))
        .filter(|path| path.join("xacct.toml").exists())
        .collect();
    out.sort();
    out
}

#[test]
fn there_is_a_plan_example_per_field_guide_that_xacct_can_plan() {
    let names: Vec<String> = examples()
        .iter()
        .map(|path| {
            path.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "emr-runtime-role",
            "emrfs-role-mapping",
            "glue-catalog-share",
            "kinesis-role-chain",
            "s3-access-point",
            "s3-bucket-policy",
            "s3-role-chain",
            "unity-catalog"
        ]
    );
}

#[test]
fn every_plan_is_proven_and_every_change_is_necessary() {
    for example in examples() {
        let loaded = xacct_world::load(&example).unwrap();
        assert!(
            !loaded.has_errors(),
            "{}: {:?}",
            example.display(),
            loaded.findings
        );
        let world = &loaded.world;
        assert!(!world.intents.is_empty(), "{}", example.display());
        for intent in &world.intents {
            let plan = plan(world, intent)
                .unwrap_or_else(|error| panic!("{}: {error}", example.display()));
            assert!(
                plan.proof.iter().all(|result| result.passed()),
                "{}",
                example.display()
            );
            assert!(
                holds_without(world, &plan, usize::MAX),
                "{}: the whole plan must hold",
                example.display()
            );
            for (index, change) in plan.changes.iter().enumerate() {
                // Settings and Databricks objects are outside what the engine proves.
                if matches!(
                    change.document,
                    Document::ClientSettings { .. } | Document::UnityCatalog { .. }
                ) {
                    continue;
                }
                assert!(
                    !holds_without(world, &plan, index),
                    "{}: {} is not necessary: {}",
                    example.display(),
                    intent.name,
                    change.content
                );
            }
        }
    }
}

/// No generated statement uses `*` in Action, nor in Resource except where AWS requires it:
/// in key policies, and for actions without resource-level permissions
/// (`lakeformation:GetDataAccess`), by the generated service table.
#[test]
fn no_generated_statement_is_broader_than_needed() {
    for example in examples() {
        let loaded = xacct_world::load(&example).unwrap();
        for intent in &loaded.world.intents {
            let plan = plan(&loaded.world, intent).unwrap();
            for change in &plan.changes {
                if matches!(change.document, Document::ClientSettings { .. }) {
                    continue;
                }
                let strings = |key: &str| -> Vec<String> {
                    match change.content.get(key) {
                        Some(Value::String(text)) => vec![text.clone()],
                        Some(Value::Array(items)) => items
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect(),
                        _ => Vec::new(),
                    }
                };
                for action in strings("Action") {
                    assert!(!action.contains('*'), "{}: {action}", example.display());
                }
                let no_resource_types = strings("Action").iter().all(|action| {
                    xacct_catalog::catalog()
                        .action_named(action)
                        .is_some_and(|found| found.resource_types.is_empty())
                });
                for resource in strings("Resource") {
                    let key_policy = matches!(change.document, Document::KeyPolicy { .. });
                    assert!(
                        resource != "*" || key_policy || no_resource_types,
                        "{}: {}",
                        example.display(),
                        change.content
                    );
                    assert!(
                        !resource.ends_with(":*"),
                        "{}: {resource}",
                        example.display()
                    );
                }
            }
        }
    }
}
