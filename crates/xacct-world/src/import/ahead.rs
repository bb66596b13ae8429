//! Reading exports ahead of their turn, on the other cores.
//!
//! A collected organization is hundreds of `get-account-authorization-details` exports, and
//! most of a load is reading each file, parsing its JSON and reading the policies embedded in
//! it: work that depends on the file alone. So while the loader adds one export to the world,
//! other threads read, parse and read the policies of the next ones. What they make is taken
//! in the manifest's order, and every finding and every recorded read (the key of the cache
//! of compiled worlds) is added when the loader takes it: the world, the findings and their
//! order are the same as a load on one thread (docs/benchmarks.md, "Worlds of real size").

use crate::files::{FileAccess, FileError, RecordedRead, EXPORT_LIMIT};
use crate::manifest::ImportEntry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xacct_policy::json::{self, Json, JsonSyntaxError};
use xacct_policy::{read_policy, ParsedPolicy, PolicyKind, SourceFile};

/// What `read` says of an export file, in its error messages.
pub(crate) const WHAT: &str = "an export file";

/// An export file read and parsed ahead.
pub(crate) struct Prepared {
    /// The file as the loader names it, to check it is the one the loader asks for.
    pub(super) full: PathBuf,
    /// The read, to be recorded when the loader takes it.
    pub(super) record: Option<RecordedRead>,
    pub(super) outcome: Result<Parsed, FileError>,
}

pub(super) struct Parsed {
    pub(super) source: Arc<SourceFile>,
    pub(super) root: Result<Json, JsonSyntaxError>,
    pub(super) policies: PolicyMemo,
}

/// What the loader is done with: the export's JSON tree and the policies it did not take.
/// Sent back to be freed on the thread that allocated them, where freeing is cheap and the
/// memory is reused for the next export, instead of on the loader's thread, where every
/// free is a cross-thread one and the pages go back to the system to be zeroed again (a fifth
/// of the load's CPU at 100,000 roles).
#[expect(
    dead_code,
    reason = "held only to be dropped on the thread that allocated them"
)]
pub(crate) struct Leftovers {
    pub(super) root: Json,
    pub(super) policies: PolicyMemo,
}

/// Which imports are read ahead: the exports of IAM, where the time goes. The other kinds
/// are few and small, and some are checked against the manifest before their file is read.
fn read_ahead(entry: &ImportEntry) -> bool {
    entry.kind.get_ref() == "authorization-details"
}

/// The file an import names, as the loader reads it.
pub(super) fn full_path(base: &Path, entry: &ImportEntry) -> PathBuf {
    super::normalize(&base.join(entry.path.get_ref()))
}

fn prepare(files: &FileAccess, base: &Path, entry: &ImportEntry) -> Option<Prepared> {
    if !read_ahead(entry) {
        return None;
    }
    let full = full_path(base, entry);
    let (read, record) = files.read_text_to_record(&full, EXPORT_LIMIT, WHAT);
    let outcome = read.map(|text| {
        let root = json::parse(&text);
        let source = export_source(files, &full, text);
        let policies = root
            .as_ref()
            .map(PolicyMemo::of_authorization_details)
            .unwrap_or_default();
        Parsed {
            source,
            root,
            policies,
        }
    });
    Some(Prepared {
        full,
        record,
        outcome,
    })
}

/// Threads for reading files side by side: one per core, up to four (past that the loader,
/// adding what they made to the world in order, or the repeat load, decoding, is the limit).
pub(crate) fn workers() -> usize {
    #[cfg(test)]
    if let Some(workers) = tests::WORKERS.get() {
        return workers;
    }
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 4)
}

/// Exports larger than this are let go once read, and read again only to quote them
/// (`SourceFile::let_go`): at 100,000 roles their texts were 170 MB of a 560 MB load, and an
/// answer quotes few of them, if any. Smaller ones, which most scenarios have, are kept.
pub(crate) const KEEP_TEXTS_UP_TO: usize = 64 << 10;

/// The source file of an export read as `text`.
pub(super) fn export_source(files: &FileAccess, full: &Path, text: String) -> Arc<SourceFile> {
    let name = full.display().to_string();
    if text.len() <= KEEP_TEXTS_UP_TO {
        return SourceFile::new(name, text);
    }
    let files = files.clone();
    let path = full.to_path_buf();
    SourceFile::let_go(name, &text, move || {
        files.read_text_again(&path, EXPORT_LIMIT, WHAT).ok()
    })
}

/// Calls `take` with each import and what was prepared of it, in order, while other threads
/// prepare the imports after it (at most one ahead each). What `take` returns it is done with
/// goes back to the thread that prepared it, to be freed there ([`Leftovers`]).
pub(crate) fn each_import(
    imports: &[ImportEntry],
    files: &FileAccess,
    base: &Path,
    mut take: impl FnMut(&ImportEntry, Option<Prepared>) -> Option<Leftovers>,
) {
    let ahead = imports.iter().filter(|entry| read_ahead(entry)).count();
    let workers = workers().min(ahead);
    if workers < 2 {
        for entry in imports {
            take(entry, None);
        }
        return;
    }
    std::thread::scope(|scope| {
        let (receivers, returns): (Vec<_>, Vec<_>) = (0..workers)
            .map(|worker| {
                let (sender, receiver) = std::sync::mpsc::sync_channel(1);
                let (give_back, given_back) = std::sync::mpsc::channel::<Leftovers>();
                scope.spawn(move || {
                    for entry in imports.iter().skip(worker).step_by(workers) {
                        let prepared = prepare(files, base, entry);
                        given_back.try_iter().for_each(drop);
                        if sender.send(prepared).is_err() {
                            break;
                        }
                    }
                    drop(sender);
                    // Until the loader is done: it sends back the last exports.
                    given_back.iter().for_each(drop);
                });
                (receiver, give_back)
            })
            .unzip();
        for (index, entry) in imports.iter().enumerate() {
            // A worker that stopped (it can only have panicked) leaves its imports to be read
            // here, as without workers.
            let worker = index % workers;
            let prepared = receivers
                .get(worker)
                .and_then(|receiver| receiver.recv().ok())
                .flatten();
            let read_there = prepared.is_some();
            let leftovers = take(entry, prepared);
            // Freed here instead only if that worker stopped.
            if let (true, Some(leftovers), Some(back)) =
                (read_there, leftovers, returns.get(worker))
            {
                let _unsent = back.send(leftovers);
            }
        }
        drop(returns);
    });
}

/// The policies of an export, read ahead: each document by where it starts and the rules it
/// was read with. The loader takes a document from here when it is the one it asks for, and
/// reads it itself otherwise, so a guess here can cost time but never change an answer.
#[derive(Default)]
pub(super) struct PolicyMemo(
    HashMap<(usize, PolicyKind), ParsedPolicy, foldhash::fast::RandomState>,
);

impl PolicyMemo {
    /// The documents of `get-account-authorization-details`: trust policies, inline policies
    /// and managed policy versions, with the rules the authorization import reads them with.
    fn of_authorization_details(root: &Json) -> Self {
        // The documents found first, then the map made at its size: grown one document at a
        // time, its table was rebuilt eight times per export, each time on fresh pages
        // (docs/benchmarks.md, "Seventh pass").
        let mut documents = Vec::new();
        Self::walk(root, &mut documents);
        let mut memo = HashMap::with_capacity_and_hasher(documents.len(), Default::default());
        for (start, kind, document) in documents {
            memo.insert((start, kind), read_policy(document, kind));
        }
        Self(memo)
    }

    fn walk<'j>(value: &'j Json, found: &mut Vec<(usize, PolicyKind, &'j Json)>) {
        match value {
            Json::Array { items, .. } => items.iter().for_each(|item| Self::walk(item, found)),
            Json::Object { members, .. } => {
                for member in members {
                    let kind = match member.name.as_str() {
                        "AssumeRolePolicyDocument" => Some(PolicyKind::Trust),
                        "PolicyDocument" => Some(PolicyKind::Inline),
                        "Document" => Some(PolicyKind::Identity),
                        _ => None,
                    };
                    match (kind, &member.value) {
                        (Some(kind), document @ Json::Object { span, .. }) => {
                            found.push((span.start, kind, document));
                        }
                        (_, other) => Self::walk(other, found),
                    }
                }
            }
            _ => {}
        }
    }

    /// The document at `value` read as `kind`: from here if it was read ahead.
    pub(super) fn read(&mut self, value: &Json, kind: PolicyKind) -> ParsedPolicy {
        self.0
            .remove(&(value.span().start, kind))
            .unwrap_or_else(|| read_policy(value, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// How many threads read ahead in this test's loads, whatever the machine has.
        pub(super) static WORKERS: Cell<Option<usize>> = const { Cell::new(None) };
    }

    fn load_with_workers(manifest: &Path, workers: usize) -> crate::Loaded {
        WORKERS.set(Some(workers));
        let loaded = crate::load(manifest);
        WORKERS.set(None);
        loaded.unwrap_or_else(|error| unreachable!("the manifest reads: {error}"))
    }

    /// What a load says, in order: its findings where they point, the roles and users it
    /// kept, and what it left out.
    fn told(loaded: &crate::Loaded) -> Vec<String> {
        let findings = loaded.findings.iter().map(|finding| {
            format!(
                "{} {} {}",
                finding.finding.code,
                finding.location(),
                finding.finding.message
            )
        });
        let kept = loaded
            .world
            .roles
            .values()
            .map(|role| format!("role {} {:?}", role.arn, role.policies.len()))
            .chain(loaded.world.users.keys().map(|user| format!("user {user}")));
        let left_out = loaded.left_out.iter().map(|left| {
            format!(
                "left out {} {} {:?}",
                left.entity, left.reason, left.findings
            )
        });
        findings.chain(kept).chain(left_out).collect()
    }

    #[test]
    fn exports_read_ahead_load_as_on_one_thread() {
        let folder = tempfile::tempdir().unwrap_or_else(|error| unreachable!("{error}"));
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        // Five exports with findings and left-out entities of their own, entities declared in two
        // of them, a file that is missing and one that is not JSON: the order of everything
        // said must not depend on the threads.
        let mut manifest = String::new();
        for (index, fixture) in [
            "broken",
            "scenario/111111111111",
            "left-out",
            "scenario/222222222222",
            "broken",
        ]
        .iter()
        .enumerate()
        {
            let text =
                std::fs::read_to_string(fixtures.join(fixture).join("authorization-details.json"))
                    .unwrap_or_else(|error| unreachable!("{error}"));
            // Two of them large enough to be let go once read.
            let text = if index % 2 == 0 {
                text + &" ".repeat(KEEP_TEXTS_UP_TO) + "\n"
            } else {
                text
            };
            let name = format!("export-{index}.json");
            std::fs::write(folder.path().join(&name), text)
                .unwrap_or_else(|error| unreachable!("{error}"));
            manifest.push_str(&format!(
                "[[import]]\nkind = \"authorization-details\"\npath = \"{name}\"\n\n"
            ));
            if index == 1 {
                manifest.push_str(
                    "[[import]]\nkind = \"authorization-details\"\npath = \"missing.json\"\n\n\
                     [[import]]\nkind = \"authorization-details\"\npath = \"not-json.json\"\n\n",
                );
            }
        }
        std::fs::write(
            folder.path().join("not-json.json"),
            "{\"RoleDetailList\": [",
        )
        .unwrap_or_else(|error| unreachable!("{error}"));
        let manifest_path = folder.path().join("xacct.toml");
        std::fs::write(&manifest_path, manifest).unwrap_or_else(|error| unreachable!("{error}"));

        let alone = told(&load_with_workers(&manifest_path, 1));
        for codes in ["duplicate-user", "missing-import-file", "invalid-json"] {
            assert!(
                alone.iter().any(|line| line.starts_with(codes)),
                "the scenario says {codes}: {alone:#?}"
            );
        }
        for workers in [2, 3, 4] {
            let loaded = load_with_workers(&manifest_path, workers);
            assert_eq!(told(&loaded), alone);
            // A finding in an export let go quotes it, read again.
            let quoted = loaded
                .findings
                .iter()
                .find(|finding| finding.source.name.ends_with("export-0.json"))
                .map(|finding| finding.source.text().len());
            assert!(quoted > Some(KEEP_TEXTS_UP_TO), "{quoted:?}");
        }
    }

    #[test]
    fn the_documents_of_an_export_are_read_ahead_with_the_rules_the_import_uses() {
        let text = r#"{"RoleDetailList": [{
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]
        }], "Policies": [{"PolicyVersionList": [{"Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]}"#;
        let root = json::parse(text).unwrap_or_else(|error| unreachable!("{error}"));
        let mut memo = PolicyMemo::of_authorization_details(&root);
        let mut kinds: Vec<PolicyKind> = memo.0.keys().map(|(_, kind)| *kind).collect();
        kinds.sort_by_key(|kind| format!("{kind:?}"));
        assert_eq!(
            kinds,
            [PolicyKind::Identity, PolicyKind::Inline, PolicyKind::Trust]
        );
        // Taken once, then read again when asked again or with other rules.
        let trust = root
            .members()
            .and_then(|members| members.first())
            .and_then(|member| match &member.value {
                Json::Array { items, .. } => items.first(),
                _ => None,
            })
            .and_then(|role| role.members())
            .and_then(|members| members.first())
            .map(|member| &member.value)
            .unwrap_or_else(|| unreachable!("the role's trust policy"));
        assert!(!memo.read(trust, PolicyKind::Trust).has_errors());
        assert_eq!(memo.0.len(), 2);
        let as_identity = memo.read(trust, PolicyKind::Identity);
        assert!(
            as_identity.has_errors(),
            "a Principal in an identity policy"
        );
        assert_eq!(memo.0.len(), 2);
    }
}
