//! Every report in the shared corpus (`<root>/../shared/corpus`) and in this crate's own
//! `tests/corpus/` must read back exactly as its `expected.json` says.

use std::path::{Path, PathBuf};

use serde_json::Value;
use testrail_reports::{CaseIdMatcher, Outcome, ReadOptions, TestExecution, read_path};

fn corpus_dirs() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../../../shared/corpus"),
        manifest.join("tests/corpus"),
    ]
    .into_iter()
    .filter(|d| d.is_dir())
    .collect()
}

/// `(entry dir, report file, expected.json)` for every corpus entry.
fn entries() -> Vec<(PathBuf, PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for dir in corpus_dirs() {
        let mut subdirs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("expected.json").is_file())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            let report = std::fs::read_dir(&sub)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.is_file() && p.file_stem().is_some_and(|s| s == "report"));
            if let Some(report) = report {
                out.push((sub.clone(), report, sub.join("expected.json")));
            }
        }
    }
    out
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
    assert!(!entries.is_empty(), "no corpus found beside the project");
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
