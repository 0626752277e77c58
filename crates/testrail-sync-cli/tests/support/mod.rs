//! Helpers for the reliability tests (faults, crashes, shards, bad input, secrets): generated
//! reports with known statuses, and read-backs that count results per case.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::Env;
use testrail_emulator::{EmulatorConfig, Faults};

/// TestRail's system status IDs.
pub const PASSED: u64 = 1;
pub const FAILED: u64 = 5;

/// The status a generated test for `case` gets: every 7th fails, the rest pass.
pub fn expected_status(case: u64) -> u64 {
    if case.is_multiple_of(7) {
        FAILED
    } else {
        PASSED
    }
}

/// A JUnit report with one test per case ID, statuses per [`expected_status`].
pub fn junit_for(cases: impl IntoIterator<Item = u64>) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    xml.push_str("<testsuite name=\"generated\">\n");
    for case in cases {
        if expected_status(case) == FAILED {
            let _ = writeln!(
                xml,
                "  <testcase classname=\"gen.Suite\" name=\"test_{case} C{case}\" time=\"0.012\">\
                 <failure message=\"boom {case}\">trace of {case}</failure></testcase>"
            );
        } else {
            let _ = writeln!(
                xml,
                "  <testcase classname=\"gen.Suite\" name=\"test_{case} C{case}\" time=\"0.012\"/>"
            );
        }
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    xml
}

/// An emulator seeded with these cases and these faults; the rate window is `window`.
pub fn env_with_faults(
    cases: impl IntoIterator<Item = u64>,
    faults: Faults,
    window: Duration,
) -> Env {
    Env::with_config(EmulatorConfig {
        fixture: Some(crate::common::fixture_with_cases(cases)),
        faults,
        rate_window: window,
        ..EmulatorConfig::default()
    })
}

/// Every result of the run, grouped by case ID (read with faults off).
pub fn results_per_case(env: &Env, run_id: u64) -> BTreeMap<u64, Vec<u64>> {
    let client = env.client();
    env.block(async {
        let tests = client.get_tests(run_id).await.unwrap();
        let case_of: BTreeMap<u64, u64> = tests.iter().map(|t| (t.id, t.case_id)).collect();
        let mut by_case: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for r in client.get_results_for_run(run_id).await.unwrap() {
            by_case
                .entry(case_of[&r.test_id])
                .or_default()
                .push(r.status_id.unwrap_or(0));
        }
        by_case
    })
}

/// What exactly-once means, checked: every case has one result, with the right status.
/// Returns the number of results checked.
#[track_caller]
pub fn assert_exactly_once(env: &Env, run_id: u64, cases: &[u64]) -> usize {
    let by_case = results_per_case(env, run_id);
    let duplicated: Vec<_> = by_case
        .iter()
        .filter(|(_, r)| r.len() > 1)
        .map(|(c, r)| (*c, r.len()))
        .collect();
    assert!(
        duplicated.is_empty(),
        "duplicates (case, results): {:?}",
        &duplicated[..duplicated.len().min(20)]
    );
    let lost: Vec<u64> = cases
        .iter()
        .copied()
        .filter(|c| !by_case.contains_key(c))
        .collect();
    assert!(
        lost.is_empty(),
        "{} cases lost: {:?}",
        lost.len(),
        &lost[..lost.len().min(20)]
    );
    let wrong: Vec<u64> = cases
        .iter()
        .copied()
        .filter(|c| by_case[c][0] != expected_status(*c))
        .collect();
    assert!(wrong.is_empty(), "wrong statuses: {wrong:?}");
    assert_eq!(
        by_case.len(),
        cases.len(),
        "results for cases not in the report"
    );
    cases.len()
}

/// Files left in a journal directory (a finished sync leaves none).
pub fn journal_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Appends one line of figures to `target/reliability-figures.txt` (for docs/RELIABILITY.md).
pub fn record_figures(line: &str) {
    eprintln!("figures: {line}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/reliability-figures.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        use std::io::Write as _;
        let _ = writeln!(f, "{line}");
    }
}
