//! A Databricks Asset Bundle's `databricks.yml`: the clusters of its `resources` (jobs,
//! pipelines, clusters), with a target's overrides merged in and `${var.NAME}` variables
//! substituted, as `databricks bundle deploy --target T` would deploy them.
//!
//! YAML is read with `saphyr` (YAML 1.2, pure Rust), whose nodes carry their position, so
//! every finding points into `databricks.yml`. Merging follows the bundle documentation: a
//! target's mappings override the top level key by key, and the sequences Databricks merges by
//! key (`job_clusters` by `job_cluster_key`, `tasks` by `task_key`, a pipeline's `clusters` by
//! `label`) are merged item by item; other values are replaced.
//! <https://docs.databricks.com/aws/en/dev-tools/bundles/settings>
//! `include`d files are not read (a warning says so).

use crate::reader::{member, Reader};
use crate::workspace::{read_bundle, DatabricksFile, DatabricksShape};
use crate::Parsed;
use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};
use std::collections::BTreeMap;
use xacct_policy::json::{Json, Member};
use xacct_policy::{Finding, Span};

/// Reads `databricks.yml` for `target` (the target marked `default: true` when `None`).
pub fn parse_bundle_yaml(text: &str, target: Option<&str>) -> Parsed<DatabricksFile> {
    let mut reader = Reader::default();
    let value = read(&mut reader, text, target);
    Parsed {
        value,
        findings: reader.finish(),
    }
}

/// Byte offsets of each character of `text`, and one for the end: saphyr counts characters.
struct Offsets(Vec<usize>);

impl Offsets {
    fn of(text: &str) -> Self {
        let mut offsets: Vec<usize> = text.char_indices().map(|(index, _)| index).collect();
        offsets.push(text.len());
        Self(offsets)
    }

    fn byte(&self, char_index: usize) -> usize {
        self.0
            .get(char_index)
            .or(self.0.last())
            .copied()
            .unwrap_or_default()
    }

    fn span(&self, span: &saphyr::Marker, end: &saphyr::Marker) -> Span {
        let start = self.byte(span.index());
        Span::new(start, self.byte(end.index()).max(start))
    }
}

fn to_json(node: &MarkedYamlOwned, offsets: &Offsets, reader: &mut Reader) -> Json {
    let span = offsets.span(&node.span.start, &node.span.end);
    match &node.data {
        YamlDataOwned::Value(scalar) => match scalar {
            ScalarOwned::Null => Json::Null { span },
            ScalarOwned::Boolean(value) => Json::Bool {
                value: *value,
                span,
            },
            ScalarOwned::Integer(value) => Json::Number {
                text: value.to_string(),
                span,
            },
            ScalarOwned::FloatingPoint(value) => Json::Number {
                text: value.to_string(),
                span,
            },
            ScalarOwned::String(value) => Json::String {
                value: value.clone(),
                span,
            },
        },
        YamlDataOwned::Representation(text, _, _) => Json::String {
            value: text.clone(),
            span,
        },
        YamlDataOwned::Sequence(items) => Json::Array {
            items: items
                .iter()
                .map(|item| to_json(item, offsets, reader))
                .collect(),
            span,
        },
        YamlDataOwned::Mapping(entries) => Json::Object {
            members: entries
                .iter()
                .map(|(key, value)| {
                    let name_span = offsets.span(&key.span.start, &key.span.end);
                    let name = match &key.data {
                        YamlDataOwned::Value(ScalarOwned::String(text)) => text.clone(),
                        YamlDataOwned::Value(ScalarOwned::Integer(number)) => number.to_string(),
                        YamlDataOwned::Value(ScalarOwned::Boolean(flag)) => flag.to_string(),
                        _ => {
                            reader.error(
                                "invalid-value",
                                name_span,
                                "a mapping key of databricks.yml must be a plain name",
                            );
                            String::new()
                        }
                    };
                    Member {
                        name,
                        name_span,
                        value: to_json(value, offsets, reader),
                    }
                })
                .collect(),
            span,
        },
        YamlDataOwned::Tagged(_, inner) => to_json(inner, offsets, reader),
        YamlDataOwned::Alias(_) | YamlDataOwned::BadValue => {
            reader.error(
                "invalid-value",
                span,
                "an alias or value xacct cannot read in databricks.yml",
            );
            Json::Null { span }
        }
    }
}

fn read(reader: &mut Reader, text: &str, target: Option<&str>) -> Option<DatabricksFile> {
    let offsets = Offsets::of(text);
    let documents = match MarkedYamlOwned::load_from_str(text) {
        Ok(documents) => documents,
        Err(error) => {
            let at = offsets.byte(error.marker().index());
            reader.error(
                "invalid-yaml",
                Span::new(at, at),
                format!("databricks.yml is not YAML: {}", error.info()),
            );
            return None;
        }
    };
    let Some(document) = documents.first() else {
        reader.error("invalid-yaml", Span::new(0, 0), "databricks.yml is empty");
        return None;
    };
    let mut root = to_json(document, &offsets, reader);
    reader.object(&root, "databricks.yml")?;
    if member(&root, "bundle").is_none() {
        reader.push(
            Finding::error(
                "unread-databricks-shape",
                root.span(),
                "this YAML file has no `bundle` mapping: it is not a databricks.yml xacct reads",
            )
            .with_help("give the bundle's root databricks.yml, or `databricks bundle validate --output json`"),
        );
        return None;
    }
    if let Some(include) = member(&root, "include") {
        reader.push(
            Finding::warning(
                "bundle-include-not-read",
                include.span(),
                "files named in `include` are not read: resources defined there are missing",
            )
            .with_help("give `databricks bundle validate --output json` instead, which holds every included resource"),
        );
    }
    let chosen = choose_target(reader, &root, target)?;
    let mut variables = declared_variables(&root);
    if let Some(target) = &chosen {
        if let Some(overrides) = member(target, "variables").and_then(Json::members) {
            for entry in overrides {
                let value = member(&entry.value, "default").unwrap_or(&entry.value);
                if let Some(text) = value.as_scalar_text() {
                    variables.insert(entry.name.clone(), text);
                }
            }
        }
        if let Some(resources) = member(target, "resources").cloned() {
            match root_member_mut(&mut root, "resources") {
                Some(base) => merge(base, &resources, ""),
                None => push_member(&mut root, "resources", resources),
            }
        }
    }
    let mut resources = member(&root, "resources").cloned()?;
    substitute(reader, &mut resources, &variables);
    let mut clusters = Vec::new();
    read_bundle(reader, text, &resources, &mut clusters);
    Some(DatabricksFile {
        shape: DatabricksShape::Bundle,
        clusters,
    })
}

/// The target to deploy: the one named, else the one marked `default: true`; `None` when the
/// bundle has no targets (or none is chosen, with a warning).
fn choose_target(reader: &mut Reader, root: &Json, named: Option<&str>) -> Option<Option<Json>> {
    let targets = member(root, "targets")
        .and_then(Json::members)
        .unwrap_or_default();
    if let Some(name) = named {
        return match targets.iter().find(|entry| entry.name == name) {
            Some(entry) => Some(Some(entry.value.clone())),
            None => {
                let names: Vec<&str> = targets.iter().map(|entry| entry.name.as_str()).collect();
                reader.push(
                    Finding::error(
                        "unknown-bundle-target",
                        member(root, "targets").map_or(root.span(), Json::span),
                        format!("the bundle has no target `{name}`"),
                    )
                    .with_help(format!("targets: {}", names.join(", "))),
                );
                None
            }
        };
    }
    let default = targets.iter().find(|entry| {
        matches!(
            member(&entry.value, "default"),
            Some(Json::Bool { value: true, .. })
        )
    });
    match (default, targets.first()) {
        (Some(entry), _) => Some(Some(entry.value.clone())),
        (None, Some(first)) => {
            reader.push(
                Finding::warning(
                    "no-bundle-target",
                    first.name_span,
                    "no target is marked `default: true` and none is named: only the top-level resources are read",
                )
                .with_help("set `bundle_target` in the [[compute]] table"),
            );
            Some(None)
        }
        (None, None) => Some(None),
    }
}

fn declared_variables(root: &Json) -> BTreeMap<String, String> {
    member(root, "variables")
        .and_then(Json::members)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let value = member(&entry.value, "default")?.as_scalar_text()?;
            Some((entry.name.clone(), value))
        })
        .collect()
}

fn root_member_mut<'j>(root: &'j mut Json, name: &str) -> Option<&'j mut Json> {
    match root {
        Json::Object { members, .. } => members
            .iter_mut()
            .rev()
            .find(|entry| entry.name == name)
            .map(|entry| &mut entry.value),
        _ => None,
    }
}

fn push_member(root: &mut Json, name: &str, value: Json) {
    if let Json::Object { members, .. } = root {
        members.push(Member {
            name: name.to_owned(),
            name_span: value.span(),
            value,
        });
    }
}

/// The key a sequence's items are merged by, for the sequences bundles merge item by item.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "job_clusters" => Some("job_cluster_key"),
        "tasks" => Some("task_key"),
        "clusters" => Some("label"),
        _ => None,
    }
}

fn merge(base: &mut Json, over: &Json, field: &str) {
    match (base, over) {
        (Json::Object { members, .. }, Json::Object { members: overs, .. }) => {
            for entry in overs {
                match members.iter_mut().rev().find(|own| own.name == entry.name) {
                    Some(own) => merge(&mut own.value, &entry.value, &entry.name),
                    None => members.push(entry.clone()),
                }
            }
        }
        (Json::Array { items, .. }, Json::Array { items: overs, .. })
            if merge_key(field).is_some() =>
        {
            let key = merge_key(field).unwrap_or_default();
            for item in overs {
                let id = member(item, key).and_then(Json::as_str).map(str::to_owned);
                let own = id.as_deref().and_then(|id| {
                    items
                        .iter_mut()
                        .find(|own| member(own, key).and_then(Json::as_str) == Some(id))
                });
                match own {
                    Some(own) => merge(own, item, ""),
                    None => items.push(item.clone()),
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

/// Replaces `${var.NAME}` in every string with the variable's value.
fn substitute(reader: &mut Reader, value: &mut Json, variables: &BTreeMap<String, String>) {
    match value {
        Json::String { value: text, span } if text.contains("${var.") => {
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("${var.") {
                out.push_str(rest.get(..start).unwrap_or_default());
                let after = rest.get(start + 6..).unwrap_or_default();
                let Some(end) = after.find('}') else {
                    out.push_str(rest.get(start..).unwrap_or_default());
                    rest = "";
                    break;
                };
                let name = after.get(..end).unwrap_or_default();
                match variables.get(name) {
                    Some(found) => out.push_str(found),
                    None => {
                        reader.warning(
                            "unknown-bundle-variable",
                            *span,
                            format!("`${{var.{name}}}` has no value in the bundle: it is kept as written"),
                        );
                        out.push_str(rest.get(start..start + 6 + end + 1).unwrap_or_default());
                    }
                }
                rest = after.get(end + 1..).unwrap_or_default();
            }
            out.push_str(rest);
            *text = out;
        }
        Json::Array { items, .. } => {
            for item in items {
                substitute(reader, item, variables);
            }
        }
        Json::Object { members, .. } => {
            for entry in members {
                substitute(reader, &mut entry.value, variables);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_point_into_the_yaml_past_multibyte_text() {
        let text = "# Données d'équipe\nbundle:\n  name: é\nresources:\n  clusters:\n    adhoc:\n      spark_conf:\n        fs.s3a.credentialsType: AssumeRole\n        fs.s3a.stsAssumeRole.arn: not-an-arn\n";
        let parsed = parse_bundle_yaml(text, None);
        let finding = parsed
            .findings
            .iter()
            .find(|finding| finding.code == "invalid-role-arn");
        let span = finding.map(|finding| finding.span).unwrap_or_default();
        assert_eq!(text.get(span.start..span.end), Some("not-an-arn"));
        let file = parsed.value.unwrap_or_else(|| DatabricksFile {
            shape: DatabricksShape::Cluster,
            clusters: Vec::new(),
        });
        assert_eq!(file.shape, DatabricksShape::Bundle);
        assert_eq!(file.clusters.len(), 1);
    }

    #[test]
    fn a_target_not_in_the_bundle_is_an_error() {
        let text = "bundle:\n  name: x\nresources: {}\ntargets:\n  dev:\n    default: true\n";
        let parsed = parse_bundle_yaml(text, Some("prod"));
        assert!(parsed.value.is_none());
        assert!(parsed
            .findings
            .iter()
            .any(|finding| finding.code == "unknown-bundle-target"));
    }
}
