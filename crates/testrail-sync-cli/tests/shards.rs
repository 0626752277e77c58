//! Sharded CI end to end: `run open` → N parallel `report --run-id` (or `--run-key`) → `run
//! close`, with `run show` in between. Concurrent shards add their cases with `update_run`,
//! which *replaces* the case set, so a shard must never remove another's cases (or results).

mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::*;
use support::*;
use testrail_emulator::Faults;

const SHARDS: u64 = 8;
const PER_SHARD: u64 = 60;

fn shard_cases(shard: u64) -> Vec<u64> {
    (1..=PER_SHARD).map(|i| shard * 1000 + i).collect()
}

fn all_cases() -> Vec<u64> {
    (0..SHARDS).flat_map(shard_cases).collect()
}

fn env_for_shards(latency_ms: u64) -> Env {
    env_with_faults(
        all_cases().into_iter().chain(9000..9010),
        Faults {
            latency_ms,
            ..Faults::default()
        },
        Duration::from_secs(60),
    )
}

fn write_shard_reports(env: &Env) -> Vec<String> {
    (0..SHARDS)
        .map(|s| {
            env.write_file(
                &format!("shard{s}.xml"),
                junit_for(shard_cases(s)).as_bytes(),
            )
            .display()
            .to_string()
        })
        .collect()
}

/// Starts every shard at once; each gets its own journal directory (as separate CI jobs would).
fn spawn_shards(env: &Env, reports: &[String], target: &[&str]) -> Vec<Child> {
    reports
        .iter()
        .enumerate()
        .map(|(i, report)| {
            env.cmd()
                .args(["report", report, "--project-id", "1", "--format", "json"])
                .args(["--rate-limit", "0", "--batch-size", "25"])
                .args(["--journal", &format!("journal-{i}")])
                .args(target)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

fn wait_all(children: Vec<Child>) -> Vec<serde_json::Value> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_exit(&out, 0);
            json(&out)
        })
        .collect()
}

fn open_runs(env: &Env) -> Vec<testrail_api::models::Run> {
    env.block(env.client().get_runs(1, Some(false))).unwrap()
}

#[test]
fn run_open_show_close_with_github_output() {
    let env = env_for_shards(0);
    let github_output = env.dir.join("github_output");
    let out = env
        .cmd()
        .args([
            "run",
            "open",
            "--project-id",
            "1",
            "--run-name",
            "nightly {date}",
        ])
        .args(["--case-ids", "1001,1002,1003,4242"])
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let run_id: u64 = stdout(&out)
        .trim()
        .parse()
        .expect("the run ID alone on stdout");
    assert!(
        stderr(&out).contains("C4242"),
        "unknown IDs are named: {}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        format!("run_id={run_id}\n")
    );
    let run = env.block(env.client().get_run(run_id)).unwrap();
    assert!(run.name.starts_with("nightly "), "{}", run.name);
    assert!(!run.include_all);

    let report = env.write_file("r.xml", junit_for([1001, 1002, 1007]).as_bytes());
    let out = env.run(&[
        "report",
        &report.display().to_string(),
        "--project-id",
        "1",
        "--run-id",
        &run_id.to_string(),
        "--rate-limit",
        "0",
    ]);
    assert_exit(&out, 0);

    let show = env.run(&[
        "run",
        "show",
        "--run-id",
        &run_id.to_string(),
        "--format",
        "json",
    ]);
    assert_exit(&show, 0);
    let shown = json(&show);
    assert_eq!(shown["passed_count"], 2);
    assert_eq!(shown["failed_count"], 1, "C1007 fails (every 7th)");
    assert_eq!(
        shown["untested_count"], 1,
        "C1003 was opened but not reported"
    );
    let human = env.run(&["run", "show", "--run-id", &run_id.to_string()]);
    assert!(
        stdout(&human).contains("passed 2 · failed 1"),
        "{}",
        stdout(&human)
    );

    let close = env.run(&["run", "close", "--run-id", &run_id.to_string()]);
    assert_exit(&close, 0);
    assert!(
        env.block(env.client().get_run(run_id))
            .unwrap()
            .is_completed
    );
    let again = env.run(&["run", "close", "--run-id", &run_id.to_string()]);
    assert_exit(&again, 0);
    let show = env.run(&["run", "show", "--run-id", &run_id.to_string()]);
    assert!(stdout(&show).contains("(closed)"), "{}", stdout(&show));
    let late = env.run(&[
        "report",
        &report.display().to_string(),
        "--project-id",
        "1",
        "--run-id",
        &run_id.to_string(),
    ]);
    assert_exit(&late, 3);
}

#[test]
fn run_open_scopes_by_reports_or_all_or_nothing() {
    let env = env_for_shards(0);
    let reports = write_shard_reports(&env);
    let out = env.run(&[
        "run",
        "open",
        "--project-id",
        "1",
        &reports[0],
        &reports[1],
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let opened = json(&out);
    assert_eq!(opened["case_count"], 2 * PER_SHARD);
    let run_id = opened["run_id"].as_u64().unwrap();
    let cases: BTreeSet<u64> = env
        .block(env.client().get_tests(run_id))
        .unwrap()
        .iter()
        .map(|t| t.case_id)
        .collect();
    assert_eq!(
        cases,
        shard_cases(0).into_iter().chain(shard_cases(1)).collect()
    );

    let all = env.run(&["run", "open", "--project-id", "1", "--include-all"]);
    assert_exit(&all, 0);
    let id: u64 = stdout(&all).trim().parse().unwrap();
    assert!(env.block(env.client().get_run(id)).unwrap().include_all);

    let empty = env.run(&["run", "open", "--project-id", "1"]);
    assert_exit(&empty, 0);
    let id: u64 = stdout(&empty).trim().parse().unwrap();
    assert!(env.block(env.client().get_tests(id)).unwrap().is_empty());

    let writes = env.write_requests();
    let broken = env.write_file("broken.xml", b"<testsuite><testcase name=\"C1\">");
    let bad = env.run(&[
        "run",
        "open",
        "--project-id",
        "1",
        &broken.display().to_string(),
    ]);
    assert_exit(&bad, 2);
    assert!(stderr(&bad).contains("broken.xml"), "{}", stderr(&bad));
    let unknown = env.run(&["run", "open", "--project-id", "1", "--case-ids", "77,78"]);
    assert_exit(&unknown, 3);
    let no_run = env.run(&["run", "show", "--run-id", "999"]);
    assert_exit(&no_run, 3);
    assert!(stderr(&no_run).contains("R999"), "{}", stderr(&no_run));
    assert_eq!(env.write_requests(), writes, "refused opens write nothing");
}

/// 8 shards report into one empty run at once; each must add its cases without removing the
/// others' (update_run replaces the whole set), and every result must survive.
#[test]
fn eight_concurrent_shards_into_one_run_id_keep_every_case_and_result() {
    let env = env_for_shards(15);
    let reports = write_shard_reports(&env);
    let open = env.run(&["run", "open", "--project-id", "1", "--rate-limit", "0"]);
    assert_exit(&open, 0);
    let run_id = stdout(&open).trim().to_owned();
    let summaries = wait_all(spawn_shards(&env, &reports, &["--run-id", &run_id]));
    let run_id: u64 = run_id.parse().unwrap();
    for s in &summaries {
        assert_eq!(s["run_id"], run_id);
        assert_eq!(s["posted"], PER_SHARD);
    }
    let checked = assert_exactly_once(&env, run_id, &all_cases());
    assert_eq!(open_runs(&env).len(), 1);
    // The race this test is about happened: every shard had to add its cases to the one run's
    // case set (update_run replaces it), so at least one update_run per shard reached it.
    let stats = env.emulator().stats();
    let updates = stats.endpoints.get("update_run").copied().unwrap_or(0);
    assert!(updates >= SHARDS, "{updates} update_run calls: {stats:?}");
    record_figures(&format!(
        "8 shards --run-id: results={checked} duplicates=0 lost=0 runs=1 update_run calls={updates}"
    ));
}

/// 8 shards with the same `--run-key` and no run yet: one run ends up carrying the key (the
/// others' runs are deleted before they hold results), with every shard's cases and results.
#[test]
fn eight_concurrent_shards_with_one_run_key_share_one_run() {
    let env = env_for_shards(15);
    let reports = write_shard_reports(&env);
    let summaries = wait_all(spawn_shards(&env, &reports, &["--run-key", "build-4711"]));
    let runs = open_runs(&env);
    assert_eq!(runs.len(), 1, "one run for the key: {runs:?}");
    let run_id = runs[0].id;
    for s in &summaries {
        assert_eq!(s["run_id"], run_id);
    }
    let checked = assert_exactly_once(&env, run_id, &all_cases());
    // A rerun of one shard with the same key lands in the same run (and adds no duplicates
    // because its journal was removed: it posts a second result, as a rerun should).
    let created = summaries
        .iter()
        .filter(|s| s["created_run"] == true)
        .count();
    // The race this test is about: one shard created the run everyone used, every run created
    // in a tie was deleted again, and the other shards added their cases to it (update_run).
    let stats = env.emulator().stats();
    let calls = |endpoint: &str| stats.endpoints.get(endpoint).copied().unwrap_or(0);
    assert_eq!(
        created, 1,
        "exactly one shard reports creating the run: {summaries:?}"
    );
    assert_eq!(
        calls("add_run"),
        1 + calls("delete_run"),
        "every run but the winner was deleted: {stats:?}"
    );
    assert!(
        calls("update_run") >= SHARDS - 1,
        "the other shards added their cases to the shared run: {stats:?}"
    );
    record_figures(&format!(
        "8 shards --run-key: results={checked} duplicates=0 lost=0 runs=1 created_run_reported_by={created} add_run={} delete_run={}",
        calls("add_run"),
        calls("delete_run")
    ));
}

/// The same race with the network misbehaving: 10% 5xx (so `update_run` is retried — possibly
/// with a case set that is stale by then), 5% connections dropped after commit.
#[test]
fn eight_concurrent_shards_under_faults_lose_nothing() {
    let env = env_with_faults(
        all_cases(),
        Faults {
            latency_ms: 10,
            fail_rate: 0.1,
            drop_after_commit_rate: 0.05,
            seed: 21,
            ..Faults::default()
        },
        Duration::from_secs(60),
    );
    let reports = write_shard_reports(&env);
    let open = env.run(&["run", "open", "--project-id", "1", "--rate-limit", "0"]);
    assert_exit(&open, 0);
    let run_id = stdout(&open).trim().to_owned();
    let summaries = wait_all(spawn_shards(&env, &reports, &["--run-id", &run_id]));
    let stats = env.emulator().stats();
    env.set_faults(Faults::default());
    let run_id: u64 = run_id.parse().unwrap();
    let checked = assert_exactly_once(&env, run_id, &all_cases());
    let ambiguous: u64 = summaries
        .iter()
        .map(|s| s["ambiguous_batches_resolved"].as_u64().unwrap())
        .sum();
    let code = |c: &str| stats.status_codes.get(c).copied().unwrap_or(0);
    record_figures(&format!(
        "8 shards --run-id under 5xx 10% + dropped 5%: results={checked} duplicates=0 lost=0 \
         5xx={} dropped={} ambiguous_resolved={ambiguous}",
        code("500") + code("502") + code("503"),
        code("dropped")
    ));
}

#[test]
fn run_open_with_a_key_finds_the_run_it_opened_before() {
    let env = env_for_shards(0);
    let open = || {
        let out = env.run(&[
            "run",
            "open",
            "--project-id",
            "1",
            "--run-key",
            "pipeline-77",
        ]);
        assert_exit(&out, 0);
        stdout(&out).trim().parse::<u64>().unwrap()
    };
    let first = open();
    assert_eq!(open(), first, "a retried open job reuses the run");
    let other = env.run(&[
        "run",
        "open",
        "--project-id",
        "1",
        "--run-key",
        "pipeline-78",
    ]);
    assert_exit(&other, 0);
    assert_ne!(stdout(&other).trim().parse::<u64>().unwrap(), first);
}

/// One shard's requests into a shared run are the floor issue #17 counts on (every shard of a
/// CI pipeline pays them against one instance-wide limit): no `get_suites` (the run names its
/// suite), one read of the run's tests, one `update_run`, one post, one look at the end. A run
/// of another project or suite is still refused before anything is written.
#[test]
fn a_shard_into_a_shared_run_makes_seven_requests_and_checks_whose_run_it_is() {
    let env = env_for_shards(0);
    let reports = write_shard_reports(&env);
    let open = env.run(&["run", "open", "--project-id", "1"]);
    assert_exit(&open, 0);
    let run_id = stdout(&open).trim().to_owned();
    let before = env.emulator().stats().endpoints;
    let out = env.run(&[
        "report",
        &reports[0],
        "--project-id",
        "1",
        "--run-id",
        &run_id,
        "--no-journal",
    ]);
    assert_exit(&out, 0);
    let after = env.emulator().stats().endpoints;
    let made: BTreeMap<String, u64> = after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let expected: BTreeMap<String, u64> = [
        "get_statuses",
        "get_result_fields",
        "get_run",
        "get_tests",
        "update_run",
        "add_results_for_cases",
        "get_results_for_case",
    ]
    .into_iter()
    .map(|e| (e.to_owned(), 1))
    .collect();
    assert_eq!(made, expected);
    assert_exactly_once(&env, run_id.parse().unwrap(), &shard_cases(0));

    let writes = env.write_requests();
    for (flags, says) in [
        (
            ["--project-id", "2", "--suite-id", "1"],
            "belongs to project 1, not 2",
        ),
        (
            ["--project-id", "1", "--suite-id", "7"],
            "is a run of suite S1, not S7",
        ),
    ] {
        let out = env.run(&[&["report", &reports[1]][..], &flags, &["--run-id", &run_id]].concat());
        assert_exit(&out, 3);
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    assert_eq!(
        env.write_requests(),
        writes,
        "a wrong run is refused before any write"
    );
}
