//! The conformance corpus: every case under `tests/corpus/` at the workspace root is a request
//! with the decision AWS documents for it. Each case names the AWS page it follows.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a corpus file that cannot be read is a failed test"
)]

use std::path::{Path, PathBuf};
use xacct_eval::wire::{read_request, NoFiles};
use xacct_eval::{authorize, Explanation};
use xacct_policy::json::{self, Json};
use xacct_policy::SourceFile;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            case_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            out.push(path);
        }
    }
}

struct Case {
    expect: String,
    doc: String,
    request_text: String,
}

/// Reads a case strictly: exactly the keys `description`, `doc`, `expect`, `request`. The
/// request is cut out of the raw text so that duplicate keys inside it survive.
fn read_case(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).unwrap();
    let value = json::parse(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let members = value
        .members()
        .unwrap_or_else(|| panic!("{}: not an object", path.display()));
    let mut names: Vec<&str> = members.iter().map(|member| member.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["description", "doc", "expect", "request"],
        "{}",
        path.display()
    );
    let get = |name: &str| {
        &members
            .iter()
            .find(|member| member.name == name)
            .unwrap()
            .value
    };
    let string = |value: &Json| value.as_str().unwrap().to_owned();
    let span = get("request").span();
    Case {
        expect: string(get("expect")),
        doc: string(get("doc")),
        request_text: text[span.start..span.end].to_owned(),
    }
}

#[test]
fn every_corpus_case_gets_the_documented_decision() {
    let mut files = Vec::new();
    case_files(&corpus_root(), &mut files);
    assert!(
        files.len() >= 200,
        "the corpus has only {} cases",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let case = read_case(path);
        assert!(
            case.doc.starts_with("https://docs.aws.amazon.com/")
                || case.doc.starts_with("https://"),
            "{}: `doc` must name the AWS page the case follows",
            path.display()
        );
        let source = SourceFile::new(path.display().to_string(), case.request_text);
        let read = read_request(&source, &NoFiles);
        let got = match &read.request {
            None => "Error".to_owned(),
            Some(request) => authorize(request).decision.name().to_owned(),
        };
        if got != case.expect {
            let detail = match &read.request {
                Some(request) => Explanation::new(request, &authorize(request)).to_text(),
                None => read
                    .findings
                    .iter()
                    .map(|finding| format!("{}: {}\n", finding.location(), finding.finding.message))
                    .collect(),
            };
            failures.push(format!(
                "{}: expected {}, got {got}\n{detail}",
                path.strip_prefix(corpus_root()).unwrap_or(path).display(),
                case.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases disagree:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
