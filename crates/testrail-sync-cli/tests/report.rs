//! `testrail-sync report` end to end: the real binary against the emulator over HTTP on
//! 127.0.0.1, then everything read back through the API.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use testrail_api::models::{RunFields, TestResult};

const PYTEST_CASES: [u64; 12] = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112];

fn pytest_report() -> String {
    corpus("pytest/report.xml").display().to_string()
}

/// Latest result per case of a run.
fn results_by_case(env: &Env, run_id: u64) -> BTreeMap<u64, Vec<TestResult>> {
    let client = env.client();
    env.block(async {
        let tests = client.get_tests(run_id).await.unwrap();
        let case_of: BTreeMap<u64, u64> = tests.iter().map(|t| (t.id, t.case_id)).collect();
        let mut by_case: BTreeMap<u64, Vec<TestResult>> = BTreeMap::new();
        for r in client.get_results_for_run(run_id).await.unwrap() {
            by_case.entry(case_of[&r.test_id]).or_default().push(r);
        }
        by_case
    })
}

fn run_cases(env: &Env, run_id: u64) -> BTreeSet<u64> {
    let client = env.client();
    env.block(client.get_tests(run_id))
        .unwrap()
        .into_iter()
        .map(|t| t.case_id)
        .collect()
}

#[test]
fn pytest_report_creates_a_run_scoped_to_its_cases_with_mapped_statuses() {
    let env = Env::start(with_skipped_status(fixture_with_cases(101..=120)));
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--version",
        "1.4.2",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let summary = json(&out);
    let run_id = summary["run_id"].as_u64().unwrap();
    assert_eq!(summary["posted"], 12);
    assert_eq!(summary["passed"], 5);
    assert_eq!(summary["failed"], 4);
    assert_eq!(summary["skipped"], 3);
    assert_eq!(summary["created_run"], true);
    assert_eq!(summary["dry_run"], false);
    assert_eq!(summary["closed"], false);
    assert_eq!(summary["unknown_case_ids"].as_array().unwrap().len(), 0);
    let unmapped: Vec<&str> = summary["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(unmapped.len(), 1);
    assert!(unmapped[0].contains("test_logout_no_case_id"));
    assert_eq!(summary["unmapped_count"], 1);
    let located = summary["unmapped_tests"][0]["location"].as_str().unwrap();
    assert!(located.contains("pytest/report.xml:"), "{located}");
    assert!(summary["run_url"].as_str().unwrap().contains("runs/view/"));
    assert!(summary["api_calls"].as_u64().unwrap() >= 4);

    // The run holds exactly the report's cases, not the whole suite.
    assert_eq!(run_cases(&env, run_id), BTreeSet::from(PYTEST_CASES));
    let results = results_by_case(&env, run_id);
    assert!(
        results.values().all(|r| r.len() == 1),
        "one result per case"
    );
    let status = |case: u64| results[&case][0].status_id.unwrap();
    for passed in [101, 105, 106, 108, 109] {
        assert_eq!(status(passed), 1, "C{passed}");
    }
    for failed in [102, 103, 107, 111] {
        assert_eq!(status(failed), 5, "C{failed}");
    }
    for skipped in [104, 110, 112] {
        assert_eq!(status(skipped), 6, "C{skipped} → custom Skipped");
    }
    let c107 = &results[&107][0];
    let comment = c107.comment.as_deref().unwrap();
    assert!(comment.contains("3 executions"), "{comment}");
    assert!(comment.contains("price mismatch for qty=3"), "{comment}");
    assert!(
        results[&111][0]
            .comment
            .as_deref()
            .unwrap()
            .contains("db fixture could not connect")
    );
    assert_eq!(c107.version.as_deref(), Some("1.4.2"));
    assert!(
        c107.elapsed
            .as_deref()
            .is_some_and(|e| e.ends_with('s') && e != "0s")
    );

    let run = env.block(env.client().get_run(run_id)).unwrap();
    assert_eq!(run.counts.passed_count, 5);
    assert_eq!(run.counts.failed_count, 4);
    assert_eq!(run.counts.custom_status1_count, 3);
    assert_eq!(run.counts.untested_count, 0);
    assert!(!run.include_all);
    assert!(run.description.unwrap().contains("testrail-sync"));
    // Fault: `run show` printed only the five system counters, so 3 results posted as the
    // custom "Skipped" status vanished and the counts did not add up to `posted`.
    let show = env.run(&["run", "show", "--run-id", &run_id.to_string()]);
    assert_exit(&show, 0);
    assert!(
        stdout(&show)
            .contains("passed 5 · failed 4 · blocked 0 · retest 0 · untested 0 · skipped 3"),
        "{}",
        stdout(&show)
    );
}

#[test]
fn skips_stay_untested_without_a_skipped_status_and_are_listed() {
    let env = Env::start(fixture_with_cases(101..=112));
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["posted"], 9);
    let not_posted: BTreeSet<u64> = summary["not_posted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_u64().unwrap())
        .collect();
    assert_eq!(not_posted, BTreeSet::from([104, 110, 112]));
    let run_id = summary["run_id"].as_u64().unwrap();
    assert_eq!(
        run_cases(&env, run_id).len(),
        12,
        "skipped cases stay in the run"
    );
    let run = env.block(env.client().get_run(run_id)).unwrap();
    assert_eq!(run.counts.untested_count, 3);
}

#[test]
fn unknown_case_ids_are_reported_and_left_out() {
    let env = Env::start(fixture_with_cases(101..=110));
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["unknown_case_ids"], serde_json::json!([111, 112]));
    // Counts cover what reached TestRail: C111 (error) and C112 (xfail) are left out.
    assert_eq!(summary["failed"], 3);
    assert_eq!(summary["skipped"], 2);
    let run_id = summary["run_id"].as_u64().unwrap();
    assert_eq!(run_cases(&env, run_id), (101..=110).collect());
}

/// Fault: with no report case ID in the suite (wrong --suite-id), the real sync exits 3 after
/// TestRail refuses the run, but `--dry-run` planned `add_run … with 0 cases` and exited 0, so
/// the preview hid the mistake it exists to catch.
#[test]
fn dry_run_fails_like_the_sync_when_no_case_id_is_in_the_suite() {
    let env = Env::start(fixture_with_cases(1..=3));
    let real = env.run(&["report", &pytest_report(), "--project-id", "1"]);
    let preview = env.run(&["report", &pytest_report(), "--project-id", "1", "--dry-run"]);
    for out in [&real, &preview] {
        assert_exit(out, 3);
        assert!(
            stderr(out).contains("none of the report's 12 case IDs exist in the suite"),
            "{}",
            stderr(out)
        );
    }
    assert!(
        !stdout(&preview).contains("add_run"),
        "{}",
        stdout(&preview)
    );
    assert_eq!(
        env.write_requests(),
        1,
        "only the real sync's refused add_run"
    );
}

/// Fault: lists serialised only when non-empty made `jq '.planned_calls[]'` fail on a real
/// sync and `.created_cases | length` fail without `--create-cases`: scripts need every key.
#[test]
fn json_output_has_every_list_key_whether_or_not_it_is_empty() {
    let env = Env::start(fixture_with_cases(101..=112));
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["report", "PATH", "--project-id", "1", "--format", "json"];
        let report = pytest_report();
        args[1] = &report;
        args.extend_from_slice(extra);
        let out = env.run(&args);
        assert_exit(&out, 0);
        let summary = json(&out);
        for key in [
            "planned_calls",
            "checks",
            "created_cases",
            "created_sections",
            "multi_id_tests",
            "unmapped_tests",
            "warnings",
        ] {
            assert!(
                summary[key].is_array(),
                "{key} missing with {extra:?}: {summary}"
            );
        }
    }
}

#[test]
fn dry_run_reads_but_writes_nothing() {
    let env = Env::start(fixture_with_cases(101..=112));
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["dry_run"], true);
    assert!(
        summary["planned_calls"][0]
            .as_str()
            .unwrap()
            .starts_with("add_run/1")
    );
    assert_eq!(env.write_requests(), 0);
    let human = env.run(&["report", &pytest_report(), "--project-id", "1", "--dry-run"]);
    assert_exit(&human, 0);
    assert!(stdout(&human).contains("Dry run: nothing was written"));
    assert_eq!(env.write_requests(), 0);
}

#[test]
fn run_id_reuses_an_open_run_and_adds_missing_cases_without_dropping_others() {
    let env = Env::start(fixture_with_cases(101..=120));
    let client = env.client();
    let run = env
        .block(client.add_run(
            1,
            &RunFields {
                name: Some("nightly".into()),
                include_all: Some(false),
                case_ids: Some(vec![101, 120]),
                ..Default::default()
            },
        ))
        .unwrap();
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--run-id",
        &run.id.to_string(),
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["run_id"], run.id);
    assert_eq!(summary["created_run"], false);
    let mut expected: BTreeSet<u64> = PYTEST_CASES.into();
    expected.insert(120);
    assert_eq!(run_cases(&env, run.id), expected);
}

#[test]
fn close_policy_closes_always_or_only_on_the_named_branch() {
    let env = Env::start(fixture_with_cases(101..=112));
    let report = pytest_report();
    let base = [
        "report",
        report.as_str(),
        "--project-id",
        "1",
        "--format",
        "json",
    ];
    let feature = env
        .cmd()
        .args(base)
        .args(["--close-on-branch", "main"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REF_NAME", "feature/x")
        .output()
        .unwrap();
    assert_exit(&feature, 0);
    assert_eq!(json(&feature)["closed"], false);
    let main = env
        .cmd()
        .args(base)
        .args(["--close-on-branch", "main", "--no-journal"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REF_NAME", "main")
        .output()
        .unwrap();
    assert_exit(&main, 0);
    let summary = json(&main);
    assert_eq!(summary["closed"], true);
    let run = env
        .block(env.client().get_run(summary["run_id"].as_u64().unwrap()))
        .unwrap();
    assert!(run.is_completed);
    assert!(run.name.contains("main"), "{}", run.name);
}

#[test]
fn a_closed_run_is_refused_with_exit_3_and_nothing_written() {
    let env = Env::start(fixture_with_cases(101..=112));
    let client = env.client();
    let run = env
        .block(client.add_run(
            1,
            &RunFields {
                name: Some("old".into()),
                ..Default::default()
            },
        ))
        .unwrap();
    env.block(client.close_run(run.id)).unwrap();
    let writes = env.write_requests();
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--run-id",
        &run.id.to_string(),
    ]);
    assert_exit(&out, 3);
    assert!(stderr(&out).contains("is closed"), "{}", stderr(&out));
    assert_eq!(env.write_requests(), writes);
}

#[test]
fn fail_on_unmapped_exits_5_after_syncing() {
    let env = Env::start(fixture_with_cases(101..=112));
    let out = env.run(&[
        "report",
        &pytest_report(),
        "--project-id",
        "1",
        "--fail-on-unmapped",
    ]);
    assert_exit(&out, 5);
    assert!(stdout(&out).contains("test_logout_no_case_id"));
    // "After syncing": exit 5 reports the unmapped test, it does not hold the mapped ones back.
    let runs = env.block(env.client().get_runs(1, None)).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let results = env
        .block(env.client().get_results_for_run(runs[0].id))
        .unwrap();
    assert_eq!(
        results.len(),
        9,
        "every mapped result was posted: {results:?}"
    );
}

/// The default journal directory exists only while a sync is unfinished: a successful sync
/// removes its journal and then the directory it made, so the checkout is left as it was.
#[test]
fn a_successful_sync_leaves_no_journal_directory() {
    let env = Env::start(fixture_with_cases(101..=112));
    let out = env.run(&["report", &pytest_report(), "--project-id", "1"]);
    assert_exit(&out, 0);
    let journal = env.dir.join(".testrail-sync");
    assert!(
        !journal.exists(),
        "{} is left behind: {:?}",
        journal.display(),
        std::fs::read_dir(&journal).map(|d| d.count())
    );
}

#[test]
fn human_summary_names_the_run_counts_and_the_unmapped_test() {
    let env = Env::start(fixture_with_cases(101..=112));
    let out = env.run(&["report", &pytest_report(), "--project-id", "1"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("Synced 9 results to run R1"), "{text}");
    assert!(text.contains("passed 5 · failed 4 · skipped 3"), "{text}");
    assert!(text.contains("1 test without a case ID"), "{text}");
    assert!(text.contains("/index.php?/runs/view/1"), "{text}");
}

#[test]
fn bad_input_exits_2_and_sends_nothing() {
    let env = Env::start(fixture_with_cases(101..=112));
    let broken = env.write_file(
        "broken.xml",
        b"<testsuite><testcase name=\"a\">\n<failure>\n</testsuite>",
    );
    let empty = env.write_file("empty.xml", b"");
    let good = pytest_report();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "report".into(),
                broken.display().to_string(),
                "--project-id".into(),
                "1".into(),
            ],
            "broken.xml:",
        ),
        (
            vec![
                "report".into(),
                empty.display().to_string(),
                "--project-id".into(),
                "1".into(),
            ],
            "empty.xml",
        ),
        (
            vec![
                "report".into(),
                "missing.xml".into(),
                "--project-id".into(),
                "1".into(),
            ],
            "no such file",
        ),
        (
            vec![
                "report".into(),
                "nothing/*.xml".into(),
                "--project-id".into(),
                "1".into(),
            ],
            "no file matches",
        ),
        (
            vec![
                "report".into(),
                env.dir.display().to_string(),
                "--project-id".into(),
                "1".into(),
            ],
            "is a directory",
        ),
        (
            vec![
                "report".into(),
                good.clone(),
                "--project-id".into(),
                "1".into(),
                "--case-pattern".into(),
                "C(\\d+".into(),
            ],
            "invalid case pattern",
        ),
        (
            vec![
                "report".into(),
                good.clone(),
                "--project-id".into(),
                "1".into(),
                "--run-name".into(),
                "{sute}".into(),
            ],
            "unknown placeholder",
        ),
        (vec!["report".into(), good.clone()], "no project"),
        (
            vec![
                "report".into(),
                good.clone(),
                "--project-id".into(),
                "1".into(),
                "--batch-size".into(),
                "0".into(),
            ],
            "batch-size",
        ),
    ];
    for (args, expected) in cases {
        let out = env.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(
        env.emulator().stats().requests,
        0,
        "bad input must not even reach TestRail"
    );
}

#[test]
fn malformed_xml_is_located_by_line_and_column() {
    let env = Env::start(fixture_with_cases(101..=112));
    let broken = env.write_file(
        "broken.xml",
        b"<testsuite>\n  <testcase name=\"a\">\n    <failure>x</fail>\n",
    );
    let out = env.run(&["report", &broken.display().to_string(), "--project-id", "1"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("broken.xml:3:"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn refusals_exit_3_naming_the_fix() {
    let env = Env::start(fixture_with_cases(101..=112));
    let report = pytest_report();
    let wrong_key = env
        .cmd()
        .args(["report", &report, "--project-id", "1"])
        .env("TESTRAIL_API_KEY", "not-the-key")
        .output()
        .unwrap();
    assert_exit(&wrong_key, 3);
    assert!(
        stderr(&wrong_key).contains("TESTRAIL_API_KEY"),
        "{}",
        stderr(&wrong_key)
    );
    let project = env.run(&["report", &report, "--project-id", "77"]);
    assert_exit(&project, 3);
    assert!(
        stderr(&project).contains("project 77"),
        "{}",
        stderr(&project)
    );
    let run = env.run(&["report", &report, "--project-id", "1", "--run-id", "999"]);
    assert_exit(&run, 3);
    assert!(stderr(&run).contains("R999"), "{}", stderr(&run));
    assert_eq!(env.write_requests(), 0);
}

#[test]
fn missing_credentials_and_insecure_hosts_are_config_errors() {
    let env = Env::start(fixture_with_cases(101..=112));
    let report = pytest_report();
    let no_key = env
        .cmd()
        .args(["report", &report, "--project-id", "1"])
        .env_remove("TESTRAIL_API_KEY")
        .output()
        .unwrap();
    assert_exit(&no_key, 2);
    assert!(stderr(&no_key).contains("TESTRAIL_API_KEY"));
    let insecure = env
        .cmd()
        .args(["report", &report, "--project-id", "1"])
        .env("TESTRAIL_HOST", "http://testrail.example.com")
        .output()
        .unwrap();
    assert_exit(&insecure, 2);
    assert!(stderr(&insecure).contains("https"), "{}", stderr(&insecure));
}

#[test]
fn demo_syncs_the_bundled_report_and_exits() {
    let out = std::process::Command::new(BIN)
        .args(["demo", "--exit"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("Synced"), "{text}");
    assert!(text.contains("without a case ID"), "{text}");
    assert!(
        text.contains("case IDs not in the suite, left out: C999"),
        "{text}"
    );
    assert!(text.contains("http://127.0.0.1:"), "{text}");
    // With --exit the emulator is gone: no "point the real command at it" with a dead address.
    assert!(text.contains("The emulator has stopped (--exit)"), "{text}");
    assert!(!text.contains("TESTRAIL_HOST="), "{text}");
}

/// Fault: `-v` logs written to a CI log or a file (stderr not a terminal) carried terminal
/// colour codes (`\x1b[2m…`), unreadable in Jenkins and in `2> log.txt`.
#[test]
fn verbose_logs_to_a_pipe_carry_no_colour_codes() {
    let env = Env::start(fixture_with_cases(101..=112));
    let out = env.run(&["report", &pytest_report(), "--project-id", "1", "-vv"]);
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("TestRail call"), "-vv logs the calls:\n{err}");
    assert!(
        !err.contains('\u{1b}'),
        "colour codes in piped logs:\n{err}"
    );
}
