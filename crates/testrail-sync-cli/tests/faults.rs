//! Exactly-once under faults: the real binary syncs thousands of results into an emulator that
//! fails requests (5xx), drops connections after committing writes, rate-limits (429 +
//! Retry-After) and answers slowly — and every case ends with exactly one result, the right
//! status, and no journal left behind. Then a `kill -9` mid-sync and a rerun that resumes.
//!
//! Seeds are fixed so a failure reproduces; sizes are chosen so the whole file runs in seconds.

mod common;
mod support;

use std::time::{Duration, Instant};

use common::*;
use support::*;
use testrail_emulator::{Faults, Stats};

struct Scenario {
    name: &'static str,
    cases: u64,
    faults: Faults,
    /// The emulator's rate window (its limit counts requests per window).
    window: Duration,
    args: &'static [&'static str],
}

/// Runs one scenario and checks everything exactly-once promises; returns the summary and the
/// emulator's stats (so a test can assert that its fault really happened).
fn run_scenario(s: &Scenario) -> (serde_json::Value, Stats) {
    let cases: Vec<u64> = (1..=s.cases).collect();
    let env = env_with_faults(cases.iter().copied(), s.faults, s.window);
    let report = env.write_file("junit.xml", junit_for(cases.iter().copied()).as_bytes());
    let journal = env.dir.join("journal");
    let started = Instant::now();
    let out = env
        .cmd()
        .args(["report", &report.display().to_string(), "--project-id", "1"])
        .args([
            "--journal",
            &journal.display().to_string(),
            "--format",
            "json",
        ])
        .args(s.args)
        .output()
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_exit(&out, 0);
    let stats = env.emulator().stats();
    env.set_faults(Faults::default());
    let summary = json(&out);
    let run_id = summary["run_id"].as_u64().unwrap();
    assert_eq!(summary["posted"], s.cases, "{}", s.name);
    let checked = assert_exactly_once(&env, run_id, &cases);
    assert!(
        journal_files(&journal).is_empty(),
        "{}: a finished sync leaves no journal: {:?}",
        s.name,
        journal_files(&journal)
    );
    let runs = env.block(env.client().get_runs(1, None)).unwrap();
    assert_eq!(runs.len(), 1, "{}: exactly one run", s.name);
    let code = |c: &str| stats.status_codes.get(c).copied().unwrap_or(0);
    record_figures(&format!(
        "{}: results={checked} duplicates=0 lost=0 requests={} 5xx={} dropped={} 429={} \
         batches={} ambiguous_resolved={} api_calls={} secs={secs:.1}",
        s.name,
        stats.requests,
        code("500") + code("502") + code("503"),
        code("dropped"),
        code("429"),
        summary["batches"],
        summary["ambiguous_batches_resolved"],
        summary["api_calls"],
    ));
    (summary, stats)
}

#[test]
fn twenty_percent_5xx_loses_and_duplicates_nothing() {
    let (summary, stats) = run_scenario(&Scenario {
        name: "5xx 20%",
        cases: 2000,
        faults: Faults {
            fail_rate: 0.2,
            seed: 11,
            ..Faults::default()
        },
        window: Duration::from_secs(60),
        args: &["--batch-size", "100", "--rate-limit", "0"],
    });
    assert!(
        server_errors(&stats) > 0,
        "the 5xx fault happened: {stats:?}"
    );
    assert!(summary["ambiguous_batches_resolved"].as_u64().unwrap() > 0);
}

fn server_errors(stats: &Stats) -> u64 {
    stats.status("500") + stats.status("502") + stats.status("503")
}

/// 5xx answers `endpoint` got.
fn server_errors_of(stats: &Stats, endpoint: &str) -> u64 {
    ["500", "502", "503"]
        .iter()
        .map(|code| stats.answered(endpoint, code))
        .sum()
}

#[test]
fn connections_dropped_after_commit_are_resolved_by_reading_not_resending() {
    let (summary, stats) = run_scenario(&Scenario {
        name: "dropped after commit 10%",
        cases: 2000,
        faults: Faults {
            drop_after_commit_rate: 0.1,
            seed: 12,
            ..Faults::default()
        },
        window: Duration::from_secs(60),
        args: &["--batch-size", "100", "--rate-limit", "0"],
    });
    assert!(
        stats.status("dropped") > 0,
        "the drop fault happened: {stats:?}"
    );
    assert!(summary["ambiguous_batches_resolved"].as_u64().unwrap() > 0);
}

/// The emulator allows 20 requests per 1 s window; the client is told 25 per 1 s so it
/// overshoots in bursts, gets 429 + Retry-After, and must wait them out rather than give up.
#[test]
fn rate_limit_bursts_are_waited_out() {
    let cases: u64 = 2000;
    let faults = Faults {
        rate_limit: 20,
        seed: 13,
        ..Faults::default()
    };
    let cases_list: Vec<u64> = (1..=cases).collect();
    let env = env_with_faults(cases_list.iter().copied(), faults, Duration::from_secs(1));
    let report = env.write_file(
        "junit.xml",
        junit_for(cases_list.iter().copied()).as_bytes(),
    );
    let out = env
        .cmd()
        .args(["report", &report.display().to_string(), "--project-id", "1"])
        .args(["--format", "json", "--batch-size", "50"])
        .args([
            "--rate-limit",
            "25",
            "--rate-window",
            "1",
            "--concurrency",
            "4",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let stats = env.emulator().stats();
    env.set_faults(Faults::default());
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    assert_exactly_once(&env, run_id, &cases_list);
    let limited = stats.status_codes.get("429").copied().unwrap_or(0);
    assert!(
        limited > 0,
        "the scenario must actually hit the limit: {stats:?}"
    );
    record_figures(&format!(
        "429 bursts (20 per 1 s, client told 25 per 1 s): results={cases} duplicates=0 lost=0 \
         requests={} 429={limited}",
        stats.requests
    ));
}

/// Paced to exactly the server's limit, the client is never refused (docs/RELIABILITY.md:
/// "0 × 429"), while the limit really binds: 2,000 results in batches of 25 and the look-ups
/// are 83 requests, nearly three windows' worth.
#[test]
fn pacing_to_the_limit_meets_no_429() {
    let (summary, stats) = run_scenario(&Scenario {
        name: "paced at the limit (30 per 1 s on both sides) + 20 ms latency",
        cases: 2000,
        faults: Faults {
            rate_limit: 30,
            latency_ms: 20,
            seed: 14,
            ..Faults::default()
        },
        window: Duration::from_secs(1),
        args: &[
            "--batch-size",
            "25",
            "--rate-limit",
            "30",
            "--rate-window",
            "1",
        ],
    });
    assert_eq!(stats.status("429"), 0, "paced → 0 × 429: {stats:?}");
    assert!(
        stats.requests > 2 * 30,
        "the limit must bind (more requests than two windows allow): {stats:?}"
    );
    assert_eq!(summary["ambiguous_batches_resolved"], 0);
}

/// Everything at once on a bigger report.
#[test]
fn all_faults_together_on_3000_results() {
    let (summary, stats) = run_scenario(&Scenario {
        name: "all: 5xx 20% + dropped 25% + 429 (40 per 1 s, client 50 per 1 s) + 10 ms latency",
        cases: 3000,
        faults: Faults {
            fail_rate: 0.2,
            // The order in which concurrent requests roll the faults varies from run to run; at
            // 25% the ~30 applied writes see no drop at all about once in 5,000 runs (at 10%
            // it was once in 25, and the assertion below that the fault happened then failed).
            drop_after_commit_rate: 0.25,
            rate_limit: 40,
            latency_ms: 10,
            seed: 15,
            ..Faults::default()
        },
        window: Duration::from_secs(1),
        args: &[
            "--batch-size",
            "100",
            "--rate-limit",
            "50",
            "--rate-window",
            "1",
        ],
    });
    assert!(
        server_errors(&stats) > 0 && stats.status("dropped") > 0,
        "{stats:?}"
    );
    assert!(summary["ambiguous_batches_resolved"].as_u64().unwrap() > 0);
}

/// `add_run` answered 5xx (nothing applied) or lost its answer (applied): the run is looked up
/// by the sync's token and only created again when it certainly does not exist. With one batch
/// in flight the request order is fixed, so the seeds hit exactly that: seed 1 drops the
/// connection after `add_run` committed, seed 5 answers its first `add_run` with a 5xx (with
/// the reads before it: statuses, result fields, suite).
#[test]
fn a_lost_add_run_answer_neither_fails_the_sync_nor_makes_a_second_run() {
    for seed in [1, 5] {
        let (summary, stats) = run_scenario(&Scenario {
            name: "add_run faults (5xx 20% + dropped 10%, 40 cases, batch 5, 1 in flight)",
            cases: 40,
            faults: Faults {
                fail_rate: 0.2,
                drop_after_commit_rate: 0.1,
                seed,
                ..Faults::default()
            },
            window: Duration::from_secs(60),
            args: &[
                "--batch-size",
                "5",
                "--concurrency",
                "1",
                "--rate-limit",
                "0",
            ],
        });
        assert_eq!(summary["created_run"], true);
        // The fault this test is about really hit add_run.
        let hit = if seed == 1 {
            stats.answered("add_run", "dropped")
        } else {
            server_errors_of(&stats, "add_run")
        };
        assert!(hit > 0, "seed {seed}: the fault missed add_run: {stats:?}");
    }
}

/// `kill -9` after some batches were acknowledged (and others were in flight), then the same
/// command again: it resumes into the same run, re-sends nothing that landed, loses nothing.
#[test]
fn kill_9_mid_sync_then_rerun_resumes_without_duplicates() {
    let cases: Vec<u64> = (1..=2000).collect();
    let faults = Faults {
        latency_ms: 100,
        ..Faults::default()
    };
    let env = env_with_faults(cases.iter().copied(), faults, Duration::from_secs(60));
    let report = env.write_file("junit.xml", junit_for(cases.iter().copied()).as_bytes());
    let report = report.display().to_string();
    let args = [
        "report",
        report.as_str(),
        "--project-id",
        "1",
        "--batch-size",
        "50",
        "--concurrency",
        "2",
        "--rate-limit",
        "0",
        "--format",
        "json",
    ];
    let mut child = env
        .cmd()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let posts = || {
        env.emulator()
            .stats()
            .endpoints
            .get("add_results_for_cases")
            .copied()
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while posts() < 6 {
        assert!(Instant::now() < deadline, "the sync never got going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no flush, no journal cleanup
    child.wait().unwrap();
    let journal = env.dir.join(".testrail-sync");
    assert_eq!(
        journal_files(&journal).len(),
        1,
        "the journal survives the kill"
    );
    let landed_before = results_per_case(&env, 1).len();
    assert!(landed_before > 0 && landed_before < cases.len());

    env.set_faults(Faults::default());
    let out = env.run(&args);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["resumed"], true);
    assert_eq!(summary["run_id"], 1, "resumed into the same run");
    let checked = assert_exactly_once(&env, 1, &cases);
    assert_eq!(env.block(env.client().get_runs(1, None)).unwrap().len(), 1);
    assert!(journal_files(&journal).is_empty());
    record_figures(&format!(
        "kill -9 after {} posts: results={checked} landed_before_kill={landed_before} \
         posted_on_rerun={} duplicates=0 lost=0 resumed=true",
        6, summary["posted"]
    ));
}

/// Another client of the same user keeps the rate window full for ~8 s, so the sync's first
/// request is refused with 429 more often than the client's six attempts: 429 means "not now",
/// not "failed", so it is waited out (honouring Retry-After) while the deadline allows.
#[test]
fn a_429_storm_longer_than_six_attempts_is_waited_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use testrail_api::{ApiKey, Client, ClientConfig, RetryPolicy};
    use testrail_emulator::{DEMO_EMAIL, DEMO_KEY};

    let cases: Vec<u64> = (1..=20).collect();
    let faults = Faults {
        rate_limit: 5,
        ..Faults::default()
    };
    let env = env_with_faults(cases.iter().copied(), faults, Duration::from_secs(1));
    let report = env.write_file("junit.xml", junit_for(cases.iter().copied()).as_bytes());
    let hog = Client::new(ClientConfig {
        rate_limit_per_minute: None,
        retry: RetryPolicy::no_retries(),
        ..ClientConfig::new(env.url.clone(), DEMO_EMAIL, ApiKey::new(DEMO_KEY))
    })
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let hog_refused = Arc::new(AtomicU64::new(0));
    let hogging = {
        let (stop, refused) = (stop.clone(), hog_refused.clone());
        env.rt.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if hog.get_statuses().await.is_err() {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    let child = env
        .cmd()
        .args(["report", &report.display().to_string(), "--project-id", "1"])
        .args(["--format", "json", "--rate-limit", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(8));
    stop.store(true, Ordering::Relaxed);
    env.block(hogging).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);
    let stats = env.emulator().stats();
    env.set_faults(Faults::default());
    let refused_sync =
        stats.status_codes.get("429").copied().unwrap_or(0) - hog_refused.load(Ordering::Relaxed);
    assert!(refused_sync > 6, "the sync met {refused_sync} 429s");
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    assert_exactly_once(&env, run_id, &cases);
    record_figures(&format!(
        "429 storm (window held full by another client for 8 s): results=20 duplicates=0 lost=0 \
         429s met by the sync={refused_sync} exit=0"
    ));
}
