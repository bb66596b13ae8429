//! The one shape every `--format json` document shares (docs/output-format.md): a top-level
//! object with `schemaVersion` and `command` first, the input's `findings` (never `null`,
//! empty when there are none), an `error` when the command could not answer, and locations as
//! `{file, line, column, span: {start, end}}` wherever a place in a file is named.

use serde::Serialize;
use serde_json::{Map, Value};
use xacct_policy::{Severity, SourceFile, SourcedFinding, Span};

/// Bumped when a field changes meaning or goes away; adding fields does not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// A place in a file: one-based line and column (in characters), and the byte span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub span: Span,
}

impl Location {
    pub fn new(source: &SourceFile, span: Span) -> Self {
        let (line, column) = source.line_column(span.start);
        Self {
            file: source.name.clone(),
            line,
            column,
            span,
        }
    }

    /// From the `file:line:column` text the engine's explanations carry, with their span.
    pub fn parse(location: &str, span: Span) -> Option<Self> {
        let mut parts = location.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        let file = parts.next()?.to_owned();
        Some(Self {
            file,
            line,
            column,
            span,
        })
    }
}

/// A finding as JSON: stable fields for programs.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    pub location: Location,
}

impl<'a> JsonFinding<'a> {
    pub fn new(finding: &'a SourcedFinding) -> Self {
        Self {
            severity: finding.finding.severity,
            code: finding.finding.code,
            message: &finding.finding.message,
            help: finding.finding.help.as_deref(),
            location: Location::new(&finding.source, finding.finding.span),
        }
    }
}

/// The document of `command`: `schemaVersion`, `command`, `findings`, then the fields of
/// `body` (an object; anything else is kept under `result`). Locations written by the engine as
/// `"location": "file:line:column"` next to a `"span"` are turned into the shared shape.
pub fn document<'a>(
    command: &str,
    findings: impl IntoIterator<Item = &'a SourcedFinding>,
    body: Value,
) -> Value {
    let mut out = Map::new();
    out.insert("schemaVersion".to_owned(), Value::from(SCHEMA_VERSION));
    out.insert("command".to_owned(), Value::from(command));
    let findings: Vec<Value> = findings
        .into_iter()
        .map(|finding| serde_json::to_value(JsonFinding::new(finding)).unwrap_or(Value::Null))
        .collect();
    out.insert("findings".to_owned(), Value::Array(findings));
    match body {
        Value::Object(fields) => {
            for (key, value) in fields {
                out.insert(key, value);
            }
        }
        Value::Null => {}
        other => {
            out.insert("result".to_owned(), other);
        }
    }
    let mut value = Value::Object(out);
    shared_locations(&mut value);
    value
}

/// The document of a command that could not answer: the findings that say why, and `error`
/// for what has no place in a file (a folder without `xacct.toml`).
pub fn failure<'a>(
    command: &str,
    error: &str,
    findings: impl IntoIterator<Item = &'a SourcedFinding>,
) -> Value {
    let mut body = Map::new();
    body.insert("error".to_owned(), Value::from(error));
    document(command, findings, Value::Object(body))
}

/// Prints a document, pretty, with a final newline.
pub fn print(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => outln!("{text}"),
        Err(error) => errln!("error: cannot write JSON: {error}"),
    }
}

/// Rewrites every `{"location": "file:line:column", "span": {...}}` pair into
/// `{"location": {file, line, column, span}}`.
fn shared_locations(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let parsed = match (fields.get("location"), fields.get("span")) {
                (Some(Value::String(text)), Some(span)) => {
                    serde_json::from_value::<SpanFields>(span.clone())
                        .ok()
                        .and_then(|span| Location::parse(text, Span::new(span.start, span.end)))
                }
                _ => None,
            };
            if let Some(location) = parsed {
                fields.remove("span");
                if let Ok(location) = serde_json::to_value(location) {
                    fields.insert("location".to_owned(), location);
                }
            }
            fields.values_mut().for_each(shared_locations);
        }
        Value::Array(items) => items.iter_mut().for_each(shared_locations),
        _ => {}
    }
}

#[derive(serde::Deserialize)]
struct SpanFields {
    start: usize,
    end: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn engine_locations_take_the_shared_shape() {
        let value = document(
            "eval",
            [],
            json!({"matched": [{"sid": "A", "location": "dir/p:1.json:3:7", "span": {"start": 40, "end": 90}}]}),
        );
        assert_eq!(
            value,
            json!({
                "schemaVersion": SCHEMA_VERSION,
                "command": "eval",
                "findings": [],
                "matched": [{"sid": "A", "location": {"file": "dir/p:1.json", "line": 3, "column": 7, "span": {"start": 40, "end": 90}}}],
            })
        );
    }

    #[test]
    fn a_failure_carries_its_findings_and_error() {
        let source = SourceFile::new("x.toml", "[[role]]\nname = 1\n");
        let finding = xacct_policy::Finding::error("invalid-manifest", Span::new(16, 17), "bad")
            .in_source(&source);
        let value = failure("check", "the scenario has 1 error(s)", [&finding]);
        assert_eq!(
            value["findings"][0]["location"],
            json!({"file": "x.toml", "line": 2, "column": 8, "span": {"start": 16, "end": 17}})
        );
        assert_eq!(value["error"], "the scenario has 1 error(s)");
    }
}
