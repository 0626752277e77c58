//! Every report in this crate's `tests/corpus/` (the project's one corpus) must read back
//! exactly as its `expected.json` says. A missing or empty folder or entry is a failure, never
//! a skip: a clone that lost part of the corpus must not pass on a smaller one.

use std::path::{Path, PathBuf};

use serde_json::Value;
use testrail_reports::{CaseIdMatcher, Outcome, ReadOptions, TestExecution, read_path};

/// The corpus held 42 entries when this was written; fewer means a folder went missing.
const MIN_ENTRIES: usize = 42;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// `(entry dir, report file, expected.json)` for every corpus entry; panics on a missing or
/// incomplete entry.
fn entries() -> Vec<(PathBuf, PathBuf, PathBuf)> {
    let dir = corpus_dir();
    let listing = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus folder {} is missing: {e}", dir.display()));
    let mut subdirs: Vec<PathBuf> = listing
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    subdirs
        .into_iter()
        .map(|sub| {
            let reports: Vec<PathBuf> = std::fs::read_dir(&sub)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && p.file_stem().is_some_and(|s| s == "report"))
                .collect();
            assert_eq!(
                reports.len(),
                1,
                "{}: needs exactly one report.*",
                sub.display()
            );
            let report = reports.into_iter().next().unwrap();
            let expected = sub.join("expected.json");
            assert!(
                expected.is_file(),
                "{}: expected.json is missing",
                sub.display()
            );
            assert!(
                sub.join("src/gen.sh").is_file(),
                "{}: src/gen.sh is missing",
                sub.display()
            );
            (sub, report, expected)
        })
        .collect()
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Flaky => "passed",
        other => other.as_str(),
    }
}

fn haystack(e: &TestExecution) -> String {
    [&e.message, &e.details, &e.stderr, &e.stdout]
        .iter()
        .filter_map(|s| s.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compares one entry; returns the differences found.
fn check_entry(report: &Path, expected: &Path) -> Vec<String> {
    let mut got = Vec::new();
    let summary = read_path(report, None, &ReadOptions::default(), &mut |e| got.push(e));
    if let Err(e) = summary {
        return vec![format!("read failed: {e}")];
    }
    let expected: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
    if expected.is_empty() || got.is_empty() {
        return vec![format!(
            "empty entry: {} expected, {} read",
            expected.len(),
            got.len()
        )];
    }
    let matcher = CaseIdMatcher::default();
    let mut problems = Vec::new();
    let mut actual = got.iter().peekable();
    for (i, exp) in expected.iter().enumerate() {
        let name = exp["test"].as_str().unwrap_or_default();
        let optional = exp["optional"].as_bool().unwrap_or(false);
        let Some(&e) = actual.peek() else {
            if !optional {
                problems.push(format!("#{i} '{name}': missing (report ended)"));
            }
            continue;
        };
        if e.name != name {
            if !optional {
                problems.push(format!("#{i}: expected '{name}', got '{}'", e.name));
            }
            continue;
        }
        actual.next();
        problems.extend(compare(i, exp, e, &matcher));
    }
    for extra in actual {
        problems.push(format!("unexpected execution '{}'", extra.name));
    }
    problems
}

fn compare(i: usize, exp: &Value, e: &TestExecution, matcher: &CaseIdMatcher) -> Vec<String> {
    let mut problems = Vec::new();
    let ids: Vec<u64> = exp["case_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let got_ids = matcher.case_ids(e);
    if got_ids != ids {
        problems.push(format!(
            "#{i} '{}': case ids {got_ids:?}, expected {ids:?}",
            e.name
        ));
    }
    let outcome = exp["outcome"].as_str().unwrap_or_default();
    if outcome_name(e.outcome) != outcome {
        problems.push(format!(
            "#{i} '{}': outcome {:?}, expected {outcome}",
            e.name, e.outcome
        ));
    }
    if let Some(needle) = exp["message_contains"].as_str()
        && !haystack(e).contains(needle)
    {
        problems.push(format!(
            "#{i} '{}': text does not contain {needle:?}; message={:?} details={:?}",
            e.name, e.message, e.details
        ));
    }
    if e.location.line == 0 {
        problems.push(format!("#{i} '{}': no location", e.name));
    }
    problems
}

#[test]
fn every_corpus_report_reads_as_expected() {
    let entries = entries();
    assert!(
        entries.len() >= MIN_ENTRIES,
        "{} holds {} entries, at least {MIN_ENTRIES} expected",
        corpus_dir().display(),
        entries.len()
    );
    let mut failures = Vec::new();
    for (dir, report, expected) in &entries {
        let problems = check_entry(report, expected);
        let name = dir.file_name().unwrap().to_string_lossy();
        if problems.is_empty() {
            eprintln!("ok   {name}");
        } else {
            eprintln!("FAIL {name}");
            failures.push(format!("{}:\n  {}", dir.display(), problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
