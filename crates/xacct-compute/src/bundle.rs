//! A Databricks Asset Bundle's `databricks.yml` and the files its `include` names: the
//! clusters of its `resources` (jobs, pipelines, clusters), with a target's overrides merged
//! in and `${var.NAME}` variables substituted, as `databricks bundle deploy --target T` would
//! deploy them. Other Databricks YAML (a dbx `deployment.yml`) is read as its JSON twin.
//!
//! YAML is read with `saphyr` (YAML 1.2, pure Rust), whose nodes carry their position, so
//! every finding points into the file it is about: the files of a bundle are laid end to end
//! in one [`BundleTexts`], whose spans tell the file and the place in it. Aliases are resolved
//! by saphyr; `<<` merge keys (YAML 1.1, which dbx files use) are merged here, keys written
//! beside `<<` winning. Merging follows the bundle documentation: an included file's
//! top-level mappings merge into `databricks.yml`'s (a resource key defined twice is an
//! error), a target's mappings override the top level key by key, and the sequences
//! Databricks merges by key (`job_clusters` by `job_cluster_key`, `tasks` by `task_key`, a
//! pipeline's `clusters` by `label`) are merged item by item; other values are replaced.
//! <https://docs.databricks.com/aws/en/dev-tools/bundles/settings>

use crate::reader::{member, Reader};
use crate::workspace::{read_bundle, read_file, DatabricksFile, DatabricksShape};
use crate::Parsed;
use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};
use std::collections::BTreeMap;
use xacct_policy::json::{Json, Member};
use xacct_policy::{Finding, Span};

/// The files of one bundle laid end to end, `databricks.yml` first, each after a newline:
/// one span then tells both the file and the place in it ([`BundleTexts::locate`]).
#[derive(Debug, Clone)]
pub struct BundleTexts {
    combined: String,
    starts: Vec<usize>,
}

impl BundleTexts {
    /// `texts[0]` is `databricks.yml` (or the one YAML file), the rest the included files.
    pub fn new<'t>(texts: impl IntoIterator<Item = &'t str>) -> Self {
        let mut combined = String::new();
        let mut starts = Vec::new();
        for text in texts {
            if !starts.is_empty() {
                combined.push('\n');
            }
            starts.push(combined.len());
            combined.push_str(text);
        }
        Self { combined, starts }
    }

    /// The file a span of the combined text lies in (its index in [`BundleTexts::new`]'s
    /// list), and the span within that file.
    pub fn locate(&self, span: Span) -> (usize, Span) {
        let index = self
            .starts
            .iter()
            .rposition(|start| *start <= span.start)
            .unwrap_or_default();
        let start = self.starts.get(index).copied().unwrap_or_default();
        (
            index,
            Span::new(span.start - start, span.end.saturating_sub(start)),
        )
    }

    fn file(&self, index: usize) -> Option<(usize, &str)> {
        let start = *self.starts.get(index)?;
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.combined.len(), |next| next - 1);
        Some((start, self.combined.get(start..end)?))
    }
}

/// Reads `databricks.yml` alone for `target` (the target marked `default: true` when `None`):
/// the files its `include` names are not read ([`parse_databricks_yaml`] reads them).
pub fn parse_bundle_yaml(text: &str, target: Option<&str>) -> Parsed<DatabricksFile> {
    parse_databricks_yaml(&BundleTexts::new([text]), target)
}

/// Reads a Databricks YAML file with the files its `include` names (`files`, made with
/// [`bundle_includes`]'s answer): a bundle for `target`, or a dbx deployment file. Spans of
/// the findings are in `files`' combined text: [`BundleTexts::locate`] tells the file.
pub fn parse_databricks_yaml(files: &BundleTexts, target: Option<&str>) -> Parsed<DatabricksFile> {
    let mut reader = Reader::default();
    let value = read(&mut reader, files, target);
    Parsed {
        value,
        findings: reader.finish(),
    }
}

/// The `include` entries of a `databricks.yml`, each with its span: the paths and glob
/// patterns (relative to the folder of `databricks.yml`) whose files belong to the bundle.
/// Empty for YAML that is no bundle or not YAML (reading it says why).
pub fn bundle_includes(text: &str) -> Vec<(String, Span)> {
    let mut reader = Reader::default();
    let Some(root) = load(&mut reader, text, 0) else {
        return Vec::new();
    };
    if member(&root, "bundle").is_none() {
        return Vec::new();
    }
    match member(&root, "include") {
        Some(Json::Array { items, .. }) => items
            .iter()
            .filter_map(|item| Some((item.as_str()?.to_owned(), item.span())))
            .collect(),
        _ => Vec::new(),
    }
}

/// Byte offsets of each character of one file, and one for the end, from the file's start
/// in the combined text: saphyr counts characters.
struct Offsets(Vec<usize>);

impl Offsets {
    fn of(text: &str, base: usize) -> Self {
        let mut offsets: Vec<usize> = text.char_indices().map(|(index, _)| base + index).collect();
        offsets.push(base + text.len());
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
        YamlDataOwned::Mapping(entries) => {
            let mut members: Vec<Member> = Vec::new();
            let mut merged: Vec<Member> = Vec::new();
            for (key, value) in entries {
                let name_span = offsets.span(&key.span.start, &key.span.end);
                let name = match &key.data {
                    YamlDataOwned::Value(ScalarOwned::String(text)) => text.clone(),
                    YamlDataOwned::Value(ScalarOwned::Integer(number)) => number.to_string(),
                    YamlDataOwned::Value(ScalarOwned::Boolean(flag)) => flag.to_string(),
                    _ => {
                        reader.error(
                            "invalid-value",
                            name_span,
                            "a mapping key of a Databricks YAML file must be a plain name",
                        );
                        String::new()
                    }
                };
                let value = to_json(value, offsets, reader);
                if name == "<<" {
                    merge_key_entries(reader, &value, &mut merged);
                } else {
                    members.push(Member {
                        name,
                        name_span,
                        value,
                    });
                }
            }
            // `<<: *anchor` (YAML 1.1 merge keys): the anchored mapping's keys, unless written
            // beside it. <https://yaml.org/type/merge.html>
            for entry in merged {
                if !members.iter().any(|own| own.name == entry.name) {
                    members.push(entry);
                }
            }
            Json::Object { members, span }
        }
        YamlDataOwned::Tagged(_, inner) => to_json(inner, offsets, reader),
        YamlDataOwned::Alias(_) | YamlDataOwned::BadValue => {
            reader.error(
                "invalid-value",
                span,
                "an alias or value xacct cannot read in a Databricks YAML file",
            );
            Json::Null { span }
        }
    }
}

/// The entries a `<<` merge key brings: a mapping's, or each of a sequence of mappings' (the
/// first one listed wins).
fn merge_key_entries(reader: &mut Reader, value: &Json, merged: &mut Vec<Member>) {
    let mappings: Vec<&Json> = match value {
        Json::Array { items, .. } => items.iter().collect(),
        other => vec![other],
    };
    for mapping in mappings {
        match mapping {
            Json::Object { members, .. } => {
                for entry in members {
                    if !merged.iter().any(|own| own.name == entry.name) {
                        merged.push(entry.clone());
                    }
                }
            }
            other => reader.error(
                "invalid-value",
                other.span(),
                format!("`<<` merges mappings, found {}", other.kind_name()),
            ),
        }
    }
}

/// Parses one YAML file whose text starts at `base` in the combined text: the first document,
/// as JSON values. Jinja-templated files (dbx renders `{{ ... }}` and `{% ... %}` before
/// reading) are refused: read as YAML they would be misread.
fn load(reader: &mut Reader, text: &str, base: usize) -> Option<Json> {
    let offsets = Offsets::of(text, base);
    if let Some(at) = jinja_at(text) {
        reader.push(
            Finding::error(
                "templated-yaml",
                Span::new(base + at, base + at + 2),
                "this file is a template (Jinja, as dbx renders, or a bundle template): xacct reads files as deployed, not templates",
            )
            .with_help("give the rendered file (dbx deploy renders Jinja; or write the values out): read as YAML, the template would be misread"),
        );
        return None;
    }
    let documents = match MarkedYamlOwned::load_from_str(text) {
        Ok(documents) => documents,
        Err(error) => {
            let at = offsets.byte(error.marker().index());
            reader.error(
                "invalid-yaml",
                Span::new(at, at),
                format!("the file is not YAML: {}", error.info()),
            );
            return None;
        }
    };
    let Some(document) = documents.first() else {
        reader.error(
            "invalid-yaml",
            Span::new(base, base),
            "the YAML file is empty",
        );
        return None;
    };
    let root = to_json(document, &offsets, reader);
    reader.object(&root, "a Databricks YAML file")?;
    Some(root)
}

/// Where a template expression or statement opens, outside comment lines: `{% ... %}`, or
/// `{{ ... }}` other than a Databricks dynamic value reference (`{{job.id}}`,
/// `{{tasks.ingest.values.rows}}`), which jobs resolve at run time and files keep as written.
/// <https://docs.databricks.com/aws/en/jobs/dynamic-value-references>
fn jinja_at(text: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('#') {
            if let Some(at) = line.find("{%") {
                return Some(line_start + at);
            }
            let mut from = 0;
            while let Some(open) = line.get(from..).and_then(|rest| rest.find("{{")) {
                let at = from + open;
                let inner = line.get(at + 2..).unwrap_or_default();
                let Some(close) = inner.find("}}") else {
                    return Some(line_start + at);
                };
                if !is_dynamic_value_reference(inner.get(..close).unwrap_or_default()) {
                    return Some(line_start + at);
                }
                from = at + 2 + close + 2;
            }
        }
        line_start += line.len();
    }
    None
}

/// `job.id`, `tasks.KEY.values.NAME`, `run_id`, ...: a dotted name in one of the namespaces
/// Databricks jobs resolve.
fn is_dynamic_value_reference(inner: &str) -> bool {
    const NAMESPACES: [&str; 13] = [
        "job",
        "task",
        "tasks",
        "run",
        "workspace",
        "backend",
        "job_id",
        "run_id",
        "parent_run_id",
        "task_key",
        "task_retry_count",
        "start_date",
        "start_time",
    ];
    let inner = inner.trim();
    let first = inner.split('.').next().unwrap_or_default();
    NAMESPACES.contains(&first)
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn read(reader: &mut Reader, files: &BundleTexts, target: Option<&str>) -> Option<DatabricksFile> {
    let (_, text) = files.file(0)?;
    let mut root = load(reader, text, 0)?;
    if member(&root, "bundle").is_none() {
        // dbx `deployment.yml` and any other shape, as its JSON twin is read.
        return read_file(reader, &files.combined, &root);
    }
    check_include(reader, &root);
    for index in 1..files.starts.len() {
        let Some((base, text)) = files.file(index) else {
            continue;
        };
        if let Some(included) = load(reader, text, base) {
            include(reader, &mut root, &included);
        }
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
    read_bundle(reader, &files.combined, &resources, &mut clusters);
    Some(DatabricksFile {
        shape: DatabricksShape::Bundle,
        clusters,
    })
}

/// `include` is a list of paths: anything else is an error, never an include read as none.
fn check_include(reader: &mut Reader, root: &Json) {
    let items = match member(root, "include") {
        None | Some(Json::Null { .. }) => return,
        Some(Json::Array { items, .. }) => items,
        Some(other) => {
            reader.error(
                "invalid-value",
                other.span(),
                format!(
                    "`include` must be a list of paths and glob patterns, found {}",
                    other.kind_name()
                ),
            );
            return;
        }
    };
    for item in items.iter().filter(|item| item.as_str().is_none()) {
        reader.error(
            "invalid-value",
            item.span(),
            format!(
                "an entry of `include` must be a path or glob pattern, found {}",
                item.kind_name()
            ),
        );
    }
}

/// Merges an included file's top-level mappings into the bundle's: a resource defined in two
/// files is an error, as `databricks bundle validate` says; `variables`, `targets` and the
/// rest merge key by key.
fn include(reader: &mut Reader, root: &mut Json, included: &Json) {
    for entry in included.members().unwrap_or_default() {
        match entry.name.as_str() {
            "include" => {
                reader.push(
                    Finding::warning(
                        "bundle-include-not-read",
                        entry.name_span,
                        "`include` of an included file is not read: Databricks reads the `include` of databricks.yml only",
                    )
                    .with_help("list these files in the `include` of databricks.yml"),
                );
            }
            "resources" => {
                if root_member_mut(root, "resources").is_none() {
                    push_member(
                        root,
                        "resources",
                        Json::Object {
                            members: Vec::new(),
                            span: entry.value.span(),
                        },
                    );
                }
                let Some(resources) = root_member_mut(root, "resources") else {
                    continue;
                };
                add_resources(reader, resources, &entry.value);
            }
            name => match root_member_mut(root, name) {
                Some(own) => merge(own, &entry.value, name),
                None => push_member(root, name, entry.value.clone()),
            },
        }
    }
}

/// Adds each `KIND.KEY` of `over` to `resources`; a key `resources` already has is an error.
fn add_resources(reader: &mut Reader, resources: &mut Json, over: &Json) {
    for kind in over.members().unwrap_or_default() {
        if root_member_mut(resources, &kind.name).is_none() {
            push_member(
                resources,
                &kind.name,
                Json::Object {
                    members: Vec::new(),
                    span: kind.value.span(),
                },
            );
        }
        let Some(Json::Object { members, .. }) = root_member_mut(resources, &kind.name) else {
            continue;
        };
        for entry in kind.value.members().unwrap_or_default() {
            if members.iter().any(|own| own.name == entry.name) {
                reader.push(
                    Finding::error(
                        "duplicate-bundle-resource",
                        entry.name_span,
                        format!(
                            "`resources.{}.{}` is defined in more than one file of the bundle",
                            kind.name, entry.name
                        ),
                    )
                    .with_help("Databricks refuses such a bundle: keep one definition (a target may override it)"),
                );
            } else {
                members.push(entry.clone());
            }
        }
    }
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
    fn an_include_that_is_not_a_list_of_paths_is_an_error() {
        for text in [
            "bundle:\n  name: x\ninclude: resources/*.yml\n",
            "bundle:\n  name: x\ninclude:\n  - {path: a.yml}\n",
        ] {
            let parsed = parse_bundle_yaml(text, None);
            assert!(
                parsed
                    .findings
                    .iter()
                    .any(|finding| finding.code == "invalid-value"),
                "{text}"
            );
            assert!(bundle_includes(text).is_empty());
        }
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

    fn profiles(parsed: &Parsed<DatabricksFile>) -> Vec<(String, String)> {
        parsed
            .value
            .as_ref()
            .map(|file| {
                file.clusters
                    .iter()
                    .map(|labelled| {
                        let profile = labelled
                            .cluster
                            .instance_profile
                            .as_ref()
                            .map(|located| located.value.to_string())
                            .unwrap_or_default();
                        (labelled.label.clone(), profile)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    const ROOT: &str = "bundle:\n  name: orders\ninclude:\n  - resources/*.yml\nvariables:\n  profile:\n    default: arn:aws:iam::111122223333:instance-profile/dev\ntargets:\n  prod:\n    variables:\n      profile: arn:aws:iam::111122223333:instance-profile/prod\n    resources:\n      jobs:\n        refresh:\n          job_clusters:\n            - job_cluster_key: small\n              new_cluster:\n                aws_attributes:\n                  instance_profile_arn: arn:aws:iam::111122223333:instance-profile/small-prod\n";

    const JOB: &str = "resources:\n  jobs:\n    refresh:\n      job_clusters:\n        - job_cluster_key: small\n          new_cluster:\n            aws_attributes:\n              instance_profile_arn: ${var.profile}\n        - job_cluster_key: large\n          new_cluster:\n            aws_attributes:\n              instance_profile_arn: ${var.profile}\n";

    #[test]
    fn included_resources_merge_with_targets_and_variables() {
        let at = ROOT.find("resources/*.yml").unwrap_or_default();
        assert_eq!(
            bundle_includes(ROOT),
            vec![("resources/*.yml".to_owned(), Span::new(at, at + 15))]
        );
        let files = BundleTexts::new([ROOT, JOB]);
        let parsed = parse_databricks_yaml(&files, Some("prod"));
        assert_eq!(
            profiles(&parsed),
            vec![
                (
                    "jobs.refresh/small".to_owned(),
                    "arn:aws:iam::111122223333:instance-profile/small-prod".to_owned()
                ),
                (
                    "jobs.refresh/large".to_owned(),
                    "arn:aws:iam::111122223333:instance-profile/prod".to_owned()
                ),
            ]
        );
        // Without a target the variable keeps its default.
        let files = BundleTexts::new([
            ROOT.replace("  prod:", "  prod:\n    default: false")
                .as_str(),
            JOB,
        ]);
        let parsed = parse_databricks_yaml(&files, None);
        assert!(profiles(&parsed)
            .iter()
            .all(|(_, profile)| profile.ends_with("instance-profile/dev")));
    }

    #[test]
    fn findings_of_an_included_file_point_into_it() {
        let pipeline = "resources:\n  pipelines:\n    dlt:\n      clusters:\n        - label: default\n          spark_conf:\n            fs.s3a.stsAssumeRole.arn: not-an-arn\n";
        let files = BundleTexts::new([ROOT, JOB, pipeline]);
        let parsed = parse_databricks_yaml(&files, Some("prod"));
        let finding = parsed
            .findings
            .iter()
            .find(|finding| finding.code == "invalid-role-arn");
        let (index, span) = files.locate(finding.map(|finding| finding.span).unwrap_or_default());
        assert_eq!(index, 2);
        assert_eq!(pipeline.get(span.start..span.end), Some("not-an-arn"));
    }

    #[test]
    fn a_resource_defined_in_two_files_is_an_error() {
        let files = BundleTexts::new([ROOT, JOB, JOB]);
        let parsed = parse_databricks_yaml(&files, Some("prod"));
        let duplicate = parsed
            .findings
            .iter()
            .find(|finding| finding.code == "duplicate-bundle-resource");
        let (index, span) = files.locate(duplicate.map(|finding| finding.span).unwrap_or_default());
        assert_eq!((index, JOB.get(span.start..span.end)), (2, Some("refresh")));
    }

    #[test]
    fn a_dbx_deployment_yml_resolves_anchors_and_merge_keys() {
        let text = "custom:\n  basic: &basic\n    spark_version: 13.3.x-scala2.12\n    aws_attributes:\n      instance_profile_arn: arn:aws:iam::111122223333:instance-profile/etl\nenvironments:\n  default:\n    workflows:\n      - name: nightly\n        job_clusters:\n          - job_cluster_key: main\n            new_cluster: *basic\n          - job_cluster_key: wide\n            new_cluster:\n              <<: *basic\n              aws_attributes:\n                instance_profile_arn: arn:aws:iam::111122223333:instance-profile/wide\n";
        let parsed = parse_bundle_yaml(text, None);
        assert_eq!(
            parsed.value.as_ref().map(|file| file.shape),
            Some(DatabricksShape::DbxDeployment)
        );
        assert_eq!(
            profiles(&parsed),
            vec![
                (
                    "default/nightly/main".to_owned(),
                    "arn:aws:iam::111122223333:instance-profile/etl".to_owned()
                ),
                (
                    "default/nightly/wide".to_owned(),
                    "arn:aws:iam::111122223333:instance-profile/wide".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_jinja_template_is_refused_not_misread() {
        let text = "# {{ a comment }} is fine\nparams: [\"{{job.id}}\", \"{{ tasks.ingest.values.rows }}\"]\nenvironments:\n  default:\n    workflows:\n      - name: \"{{ env['NAME'] }}\"\n";
        let parsed = parse_bundle_yaml(text, None);
        assert!(parsed.value.is_none());
        let finding = parsed
            .findings
            .iter()
            .find(|finding| finding.code == "templated-yaml");
        let span = finding.map(|finding| finding.span).unwrap_or_default();
        assert_eq!(text.get(span.start..span.end), Some("{{"));
        assert!(span.start > 80);
        // Dynamic value references are not templates.
        let text = "environments:\n  default:\n    workflows:\n      - name: w\n        tasks:\n          - task_key: t\n            new_cluster: {spark_version: x}\n            notebook_task:\n              base_parameters: {run: \"{{job.run_id}}-{{ job.start_time.iso_date }}\"}\n";
        let parsed = parse_bundle_yaml(text, None);
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        assert_eq!(profiles(&parsed).len(), 1);
    }
}
