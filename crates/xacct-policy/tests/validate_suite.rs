//! The validate suite: `tests/validate/cases.json` at the workspace root lists policy documents
//! with what AWS does when they are written (refused, or stored), each with the AWS page it
//! follows. A refused document must have an error with the expected code; a stored one must
//! have no error, and exactly the warnings the case names.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use xacct_policy::{parse_policy, PolicyKind, Severity};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    doc: String,
    kind: String,
    expect: Expect,
    /// For `error`: the code of the error AWS's refusal maps to.
    code: Option<String>,
    /// For `accepted`: every warning code expected (none when absent).
    #[serde(default)]
    warnings: Vec<String>,
    policy: Option<serde_json::Value>,
    /// A document that is not JSON, given as text.
    text: Option<String>,
}

#[derive(Deserialize, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Error,
    Accepted,
}

#[test]
fn every_document_is_refused_or_stored_as_aws_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/validate/cases.json");
    let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        assert!(
            case.doc.starts_with("https://docs.aws.amazon.com/"),
            "{}: doc must be an AWS page",
            case.name
        );
        let kind: PolicyKind = case.kind.parse().unwrap();
        let text = match (&case.policy, &case.text) {
            (Some(policy), None) => serde_json::to_string_pretty(policy).unwrap(),
            (None, Some(text)) => text.clone(),
            _ => panic!("{}: give exactly one of policy and text", case.name),
        };
        let parsed = parse_policy(&text, kind);
        let codes = |severity: Severity| -> BTreeSet<&str> {
            parsed
                .findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .map(|finding| finding.code)
                .collect()
        };
        let (errors, warnings) = (codes(Severity::Error), codes(Severity::Warning));
        match case.expect {
            Expect::Error => {
                let code = case.code.as_deref().unwrap();
                if !errors.contains(code) {
                    failures.push(format!(
                        "{} ({kind}): expected error `{code}`, got errors {errors:?}, warnings {warnings:?}",
                        case.name
                    ));
                }
            }
            Expect::Accepted => {
                let expected: BTreeSet<&str> = case.warnings.iter().map(String::as_str).collect();
                if !errors.is_empty() || warnings != expected {
                    failures.push(format!(
                        "{} ({kind}): expected no error and warnings {expected:?}, got errors {errors:?}, warnings {warnings:?}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
