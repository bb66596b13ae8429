//! The files of a Databricks YAML file: `databricks.yml` and the files its `include` names,
//! found under the bundle's folder and read, like every file of a scenario, only inside the
//! scenario's root.
//!
//! `include` lists paths and glob patterns relative to the folder of `databricks.yml`; the
//! Databricks CLI expands them with Go's `filepath.Glob`, so a pattern is matched segment by
//! segment: `*` is any run of characters but `/` (`**` is no more), `?` one character, `[...]`
//! a class (`[^...]` its complement, `a-z` a range), `\` escapes the next character. Files
//! come in each pattern's name order, the same file once, `databricks.yml` itself never.
//! <https://docs.databricks.com/aws/en/dev-tools/bundles/settings> (include),
//! <https://pkg.go.dev/path/filepath#Match>

use crate::files::{self, FileError};
use crate::import::normalize;
use crate::load::Loader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use xacct_policy::{Finding, SourceFile, Span};

impl Loader {
    /// Reads a Databricks YAML file (`databricks_cluster` ending in `.yml`/`.yaml`) with the
    /// files its `include` names; every finding points into the file it is about.
    pub(crate) fn databricks_yaml(
        &mut self,
        path: &Spanned<String>,
        target: Option<&str>,
    ) -> Option<xacct_compute::DatabricksFile> {
        let range = path.span();
        let full = normalize(&self.base.join(path.get_ref()));
        let text = self.read_file(
            &full,
            files::POLICY_LIMIT,
            "a settings file",
            ("missing-settings-file", Span::new(range.start, range.end)),
        )?;
        let main = SourceFile::new(full.display().to_string(), text);
        let mut sources = vec![Arc::clone(&main)];
        let folder = full.parent().unwrap_or(Path::new("")).to_path_buf();
        let own = std::fs::canonicalize(&full).ok();
        let mut seen: Vec<PathBuf> = own.into_iter().collect();
        for (pattern, span) in xacct_compute::bundle_includes(main.text()) {
            let found = match expand(&self.files, &folder, &pattern) {
                Ok(found) => found,
                Err(finding) => {
                    self.findings
                        .push(finding.spanned(span, &pattern).in_source(&main));
                    continue;
                }
            };
            if found.is_empty() {
                self.findings.push(
                    Finding::warning(
                        "bundle-include-matches-nothing",
                        span,
                        format!("`{pattern}` in `include` matches no file: nothing is read from it"),
                    )
                    .with_help("paths and patterns in `include` are relative to the folder of databricks.yml; `databricks bundle validate` refuses a pattern that matches nothing")
                    .in_source(&main),
                );
            }
            for file in found {
                let resolved = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
                if seen.contains(&resolved) {
                    continue;
                }
                seen.push(resolved);
                match self
                    .files
                    .read_text(&file, files::POLICY_LIMIT, "a settings file")
                {
                    Ok(text) => sources.push(SourceFile::new(file.display().to_string(), text)),
                    Err(error) => {
                        let finding = refused(&error, &file, span);
                        self.findings.push(finding.in_source(&main));
                    }
                }
            }
        }
        let texts = xacct_compute::BundleTexts::new(sources.iter().map(|source| source.text()));
        let parsed = xacct_compute::parse_databricks_yaml(&texts, target);
        for mut finding in parsed.findings {
            let (index, span) = texts.locate(finding.span);
            finding.span = span;
            let source = sources.get(index).unwrap_or(&main);
            self.findings.push(finding.in_source(source));
        }
        parsed.value
    }
}

/// Why an included file was not read, as an error at the `include` entry.
fn refused(error: &FileError, file: &Path, span: Span) -> Finding {
    let (code, message) = match error {
        FileError::Io { error, .. } => (
            "missing-settings-file",
            format!(
                "cannot read the included file `{}`: {error}",
                file.display()
            ),
        ),
        other => ("file-refused", other.to_string()),
    };
    let mut finding = Finding::error(code, span, message);
    finding.help = error.help();
    finding
}

/// A pattern that cannot be expanded: the finding, placed at the `include` entry later.
struct Unexpanded {
    code: &'static str,
    message: String,
    help: Option<String>,
}

impl Unexpanded {
    fn spanned(self, span: Span, pattern: &str) -> Finding {
        let mut finding = Finding::error(self.code, span, self.message);
        finding.help = self.help.or_else(|| {
            Some(format!(
                "write `{pattern}` relative to the folder of databricks.yml"
            ))
        });
        finding
    }
}

/// The files `pattern` names under `folder`, in name order; no folder outside the scenario's
/// root is listed.
fn expand(
    access: &files::FileAccess,
    folder: &Path,
    pattern: &str,
) -> Result<Vec<PathBuf>, Unexpanded> {
    if Path::new(pattern).is_absolute() {
        return Err(Unexpanded {
            code: "file-refused",
            message: format!("`{pattern}` in `include` is an absolute path"),
            help: None,
        });
    }
    let mut candidates = vec![folder.to_path_buf()];
    let segments: Vec<&str> = pattern
        .split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect();
    for (at, segment) in segments.iter().enumerate() {
        let last = at + 1 == segments.len();
        if !segment.contains(['*', '?', '[', '\\']) {
            candidates = candidates
                .into_iter()
                .map(|candidate| normalize(&candidate.join(segment)))
                .collect();
            continue;
        }
        let mut next = Vec::new();
        for candidate in candidates {
            if !candidate.is_dir() {
                continue;
            }
            if let Err(error) = access.confine(&candidate) {
                return Err(Unexpanded {
                    code: "file-refused",
                    message: format!(
                        "`{pattern}` in `include` lists a folder outside the scenario: {error}"
                    ),
                    help: error.help(),
                });
            }
            access.note_listing();
            let Ok(entries) = std::fs::read_dir(&candidate) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.file_name().into_string().ok())
                .collect();
            names.sort();
            for name in names {
                match matches(segment, &name) {
                    Some(true) => {
                        let path = candidate.join(&name);
                        if last || path.is_dir() {
                            next.push(path);
                        }
                    }
                    Some(false) => {}
                    None => {
                        return Err(Unexpanded {
                            code: "invalid-value",
                            message: format!("`{pattern}` in `include` is not a glob pattern: a `[` class or `\\` escape is unfinished"),
                            help: None,
                        })
                    }
                }
            }
        }
        candidates = next;
    }
    Ok(candidates
        .into_iter()
        .filter(|path| path.exists() && !path.is_dir())
        .collect())
}

/// Whether `name` matches one segment of a pattern, as Go's `filepath.Match` decides;
/// `None` for a malformed pattern.
fn matches(pattern: &str, name: &str) -> Option<bool> {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pattern, &name)
}

fn match_from(pattern: &[char], name: &[char]) -> Option<bool> {
    let Some((first, rest)) = pattern.split_first() else {
        return Some(name.is_empty());
    };
    match first {
        '*' => {
            for skip in 0..=name.len() {
                if match_from(rest, name.get(skip..).unwrap_or_default())? {
                    return Some(true);
                }
            }
            Some(false)
        }
        '?' => match name.split_first() {
            Some((_, tail)) => match_from(rest, tail),
            None => check(rest).map(|()| false),
        },
        '[' => {
            let (class, after) = class_end(rest)?;
            match name.split_first() {
                Some((one, tail)) if in_class(class, *one) => match_from(after, tail),
                _ => check(after).map(|()| false),
            }
        }
        '\\' => {
            let (literal, after) = rest.split_first()?;
            match name.split_first() {
                Some((one, tail)) if one == literal => match_from(after, tail),
                _ => check(after).map(|()| false),
            }
        }
        literal => match name.split_first() {
            Some((one, tail)) if one == literal => match_from(rest, tail),
            _ => check(rest).map(|()| false),
        },
    }
}

/// Checks the rest of a pattern is well formed (a mismatch stops early; a bad pattern is
/// still an error, as in Go).
fn check(pattern: &[char]) -> Option<()> {
    let mut rest = pattern;
    while let Some((first, tail)) = rest.split_first() {
        rest = match first {
            '[' => class_end(tail)?.1,
            '\\' => tail.split_first()?.1,
            _ => tail,
        };
    }
    Some(())
}

/// The class after a `[` and the pattern after its `]`.
fn class_end(pattern: &[char]) -> Option<(&[char], &[char])> {
    let mut at = usize::from(pattern.first() == Some(&'^'));
    let mut first = true;
    loop {
        match pattern.get(at)? {
            ']' if !first => break,
            '\\' => at += 2,
            _ => at += 1,
        }
        first = false;
    }
    Some((pattern.get(..at)?, pattern.get(at + 1..)?))
}

fn in_class(class: &[char], one: char) -> bool {
    let (negated, mut rest) = match class.split_first() {
        Some(('^', tail)) => (true, tail),
        _ => (false, class),
    };
    let mut found = false;
    while let Some((first, tail)) = rest.split_first() {
        let (low, tail) = match (first, tail.split_first()) {
            ('\\', Some((escaped, after))) => (*escaped, after),
            _ => (*first, tail),
        };
        let (high, tail) = match tail {
            ['-', high, after @ ..] if *high != ']' => (*high, after),
            _ => (low, tail),
        };
        found |= low <= one && one <= high;
        rest = tail;
    }
    found != negated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_match_as_go_filepath_match_does() {
        let cases = [
            ("*.yml", "jobs.yml", Some(true)),
            ("*.yml", "jobs.yaml", Some(false)),
            ("*", ".hidden", Some(true)),
            ("**.yml", "a.yml", Some(true)),
            ("job?.yml", "job1.yml", Some(true)),
            ("job?.yml", "job10.yml", Some(false)),
            ("job[0-9].yml", "job7.yml", Some(true)),
            ("job[^0-9].yml", "job7.yml", Some(false)),
            ("job[^0-9].yml", "jobs.yml", Some(true)),
            ("\\*.yml", "*.yml", Some(true)),
            ("\\*.yml", "a.yml", Some(false)),
            ("job[0-9.yml", "job1.yml", None),
            ("a[", "b", None),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(matches(pattern, name), expected, "{pattern} against {name}");
        }
    }
}
