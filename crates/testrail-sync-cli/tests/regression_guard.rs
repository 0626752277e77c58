//! Performance regression guard (issue #8), without a single timing assertion: what makes a sync
//! fast is the number of round trips and streaming, and both are counted here exactly.
//!
//! - API calls per endpoint for fixed scenarios, read from the emulator's stats: a change that
//!   stops batching, adds a look-up per result, or paginates something it need not, fails here.
//! - Peak memory of the real binary on a large generated report against the same report without
//!   its bulk: a change that reads the whole file or builds a DOM grows with the file and fails.
//!
//! The timings themselves live in bench/ and docs/PERFORMANCE.md.

// The peak-RSS reader traces the child with ptrace/waitpid (see `run_measuring_peak_rss`).
#![allow(unsafe_code)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use testrail_sync::DEFAULT_BATCH_SIZE;

const FIRST_ID: u64 = 1001;

/// A pytest-style JUnit report: `tests` testcases whose names carry IDs cycling over `ids`
/// cases from [`FIRST_ID`], 5 % failures with a trace, and `output_bytes` of captured stdout each.
fn junit(tests: u64, ids: u64, output_bytes: usize) -> String {
    let line = "INFO shop.checkout: step ok; cart=3 items; latency=12ms; trace=0123456789abcdef\n";
    let output = line.repeat(output_bytes / line.len());
    let mut s = String::with_capacity((tests as usize) * (300 + output.len()));
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites><testsuite name=\"pytest\">\n",
    );
    for i in 0..tests {
        let id = FIRST_ID + i % ids;
        let _ = write!(
            s,
            "<testcase classname=\"tests.test_mod_{m}\" name=\"test_C{id}_thing_{i}\" time=\"0.{t:03}\">",
            m = i % 37,
            t = 1 + i % 997
        );
        if i % 20 == 7 {
            s.push_str("<failure message=\"AssertionError: expected 200, got 500\">");
            s.push_str("  File \"tests/test_mod.py\", line 12, in test\nAssertionError</failure>");
        }
        if !output.is_empty() {
            let _ = write!(s, "<system-out>{output}</system-out>");
        }
        s.push_str("</testcase>\n");
    }
    s.push_str("</testsuite></testsuites>\n");
    s
}

fn endpoints(env: &Env) -> BTreeMap<String, u64> {
    env.emulator().stats().endpoints.into_iter().collect()
}

/// What trcli 1.15 spends on the same sync (bench notes §3): get_projects + get_suites + add_run
/// + one add_results_for_cases per 50 results.
fn trcli_calls(results: u64) -> u64 {
    3 + results.div_ceil(50)
}

fn sync(env: &Env, report: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "report",
        report.to_str().unwrap(),
        "--project-id",
        "1",
        "--format",
        "json",
        "--no-journal",
        // Pacing is not what is measured here; it would only make the test slow.
        "--rate-limit",
        "0",
    ];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_exit(&out, 0);
    json(&out)
}

#[test]
fn a_new_run_costs_statuses_one_lookup_the_run_and_one_call_per_batch() {
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + 2_500));
    let report = env.write_file("r.xml", junit(2_500, 2_500, 0).as_bytes());
    let summary = sync(&env, &report, &["--suite-id", "1", "--batch-size", "1000"]);
    assert_eq!(summary["posted"], 2_500);
    let got = endpoints(&env);
    assert_eq!(got.get("get_statuses"), Some(&1), "{got:?}");
    assert_eq!(got.get("get_result_fields"), Some(&1), "{got:?}");
    assert_eq!(got.get("add_run"), Some(&1), "{got:?}");
    assert_eq!(got.get("add_results_for_cases"), Some(&3), "{got:?}");
    let stats = env.emulator().stats();
    // The result-field preflight (required fields, issue 14) costs one read, sent together
    // with the statuses: without it a required field fails every batch after add_run.
    assert_eq!(
        stats.requests,
        4 + 3,
        "the floor for a new run is 4 + ⌈N/B⌉ (statuses, result fields, project or suite, run, \
         batches): {got:?}"
    );
    assert_eq!(stats.writes, 1 + 3);
    assert_eq!(summary["api_calls"], 7, "the summary counts what was sent");
    assert!(stats.requests <= trcli_calls(2_500));
}

#[test]
fn single_suite_project_without_suite_id_adds_one_lookup_and_close_adds_one() {
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + 2_500));
    let report = env.write_file("r.xml", junit(2_500, 2_500, 0).as_bytes());
    sync(&env, &report, &["--batch-size", "1000", "--close"]);
    let got = endpoints(&env);
    assert_eq!(got.get("add_results_for_cases"), Some(&3));
    assert_eq!(got.get("close_run"), Some(&1));
    assert_eq!(got.get("add_run"), Some(&1));
    let lookups: u64 = got
        .iter()
        .filter(|(k, _)| k.starts_with("get_"))
        .map(|(_, v)| v)
        .sum();
    assert!(
        lookups <= 4,
        "statuses, result fields, project, suites at most: {got:?}"
    );
    assert!(
        !got.keys()
            .any(|k| k.starts_with("get_cases") || k == "get_case" || k == "get_tests"),
        "{got:?}"
    );
}

#[test]
fn the_default_batch_size_is_what_the_engine_uses() {
    let n = 2 * DEFAULT_BATCH_SIZE as u64 + 1;
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + n));
    let report = env.write_file("r.xml", junit(n, n, 0).as_bytes());
    let summary = sync(&env, &report, &["--suite-id", "1"]);
    assert_eq!(summary["posted"], n);
    // With no --batch-size the first write to an unknown server is 100 results, alone; sizes
    // then grow ×4 per answer up to B: 100, 4 × 400 in flight, 1600, the last 701.
    assert_eq!(
        endpoints(&env).get("add_results_for_cases"),
        Some(&7),
        "100 + 4 × 400 + 1600 + 701"
    );
    assert!(env.emulator().stats().requests <= trcli_calls(n));
}

#[test]
fn repeated_case_ids_become_one_result_each() {
    // 3,000 executions of 500 cases (parametrized tests): 500 results, one batch.
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + 500));
    let report = env.write_file("r.xml", junit(3_000, 500, 0).as_bytes());
    let summary = sync(&env, &report, &["--suite-id", "1", "--batch-size", "1000"]);
    assert_eq!(summary["posted"], 500);
    assert_eq!(summary["executions"], 3_000);
    assert_eq!(endpoints(&env).get("add_results_for_cases"), Some(&1));
}

#[test]
fn a_dry_run_only_reads() {
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + 2_500));
    let report = env.write_file("r.xml", junit(2_500, 2_500, 0).as_bytes());
    sync(&env, &report, &["--suite-id", "1", "--dry-run"]);
    assert_eq!(env.write_requests(), 0, "not even one write request");
    let stats = env.emulator().stats();
    // Statuses, result fields, one look-up, and the suite's cases (250 a page) to name
    // unknown IDs.
    assert!(
        stats.requests <= 3 + 2_500u64.div_ceil(250),
        "{:?}",
        stats.endpoints
    );
}

/// A TCP forwarder on 127.0.0.1 that counts the connections it accepts: the emulator has no
/// connection counter, and keep-alive is invisible in its request stats.
fn counting_proxy(upstream: &str) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let target = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = accepted.clone();
    // Lives until the test binary exits; it only ever serves this test's child.
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let Ok(server) = TcpStream::connect(&target) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            };
            pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
            pipe(server, client);
        }
    });
    (url, accepted)
}

#[test]
fn connections_are_kept_alive_and_bounded_by_the_batches_in_flight() {
    // 14 calls (4 + 10 batches), 4 batches in flight: at most 4 connections, not 14.
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + 5_000));
    let report = env.write_file("r.xml", junit(5_000, 5_000, 0).as_bytes());
    let (proxy_url, accepted) = counting_proxy(&env.url);
    let out = env
        .cmd()
        .env("TESTRAIL_HOST", &proxy_url)
        .args([
            "report",
            report.to_str().unwrap(),
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--format",
            "json",
            "--no-journal",
            "--rate-limit",
            "0",
            "--batch-size",
            "500",
            "--concurrency",
            "4",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let requests = env.emulator().stats().requests;
    let connections = accepted.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(requests, 14);
    assert!(
        (1..=4).contains(&connections),
        "{connections} TCP connections for {requests} requests: keep-alive or the in-flight \
         bound is broken"
    );
}

/// Peak resident set of a child, read exactly. The child is traced (`PTRACE_TRACEME` before
/// exec, then `PTRACE_O_TRACEEXIT`), so it stops on its way out while its memory is still mapped,
/// and its VmHWM (the kernel's own high-water mark, which a sampler can miss between two samples)
/// is read then. wait4's `ru_maxrss` would not do: the spawn runs on the test process's memory
/// until exec, and Linux folds that memory's high-water mark (the ~100 MB report built here)
/// into the child's `ru_maxrss`.
#[cfg(target_os = "linux")]
fn run_measuring_peak_rss(mut cmd: Command) -> (std::process::ExitStatus, u64, String) {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    // SAFETY: ptrace(PTRACE_TRACEME) is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Reaped below by waitpid, which must see the exit stop that `Child::wait` would hide.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // Drain the pipes on threads so a large summary cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    // Bounded in time: a hung child is killed (and then reaped below).
    let done = Arc::new(AtomicBool::new(false));
    let watchdog_done = done.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if watchdog_done.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if !watchdog_done.load(Ordering::SeqCst) {
            // SAFETY: plain kill(2) of our own, not yet reaped, child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut peak_kib = None;
    let status = loop {
        let mut raw = 0;
        // SAFETY: waitpid/ptrace on our own traced child; `raw` outlives the call.
        let got = unsafe { libc::waitpid(pid, &mut raw, 0) };
        assert_eq!(got, pid, "waitpid: {}", std::io::Error::last_os_error());
        if libc::WIFEXITED(raw) || libc::WIFSIGNALED(raw) {
            break std::process::ExitStatus::from_raw(raw);
        }
        let signal = libc::WSTOPSIG(raw);
        let event = raw >> 16;
        let forward = if event == libc::PTRACE_EVENT_EXIT {
            peak_kib = vm_hwm_kib(pid);
            0
        } else if signal == libc::SIGTRAP && event == 0 && peak_kib.is_none() {
            // The stop at exec: from here on, stop once more at exit.
            let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
            unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, options) };
            0
        } else {
            signal // anything else is the child's own signal: deliver it
        };
        unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, forward) };
    };
    done.store(true, Ordering::SeqCst);
    let _ = out.join();
    let stderr = err.join().unwrap_or_default();
    let peak_kib = peak_kib.expect("the child never stopped at its exit to have VmHWM read");
    (status, peak_kib, stderr)
}

/// VmHWM of a live process, in KiB.
#[cfg(target_os = "linux")]
fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
}

#[cfg(target_os = "linux")]
fn dry_run_peak_kib(env: &Env, report: &Path) -> u64 {
    let mut cmd = env.cmd();
    cmd.args([
        "report",
        report.to_str().unwrap(),
        "--project-id",
        "1",
        "--suite-id",
        "1",
        "--dry-run",
        "--format",
        "json",
        "--no-journal",
        "--rate-limit",
        "0",
    ]);
    let (status, peak, stderr) = run_measuring_peak_rss(cmd);
    assert!(status.success(), "{status}: {stderr}");
    assert!(peak > 0, "VmHWM was never read");
    peak
}

/// The measure itself: dd fills a 16 MiB buffer and exits at once, so the top of its peak comes
/// right before its exit. Sampling /proc every 2 ms read less than the buffer in about one run
/// of five; the exit stop reads the whole peak every time.
#[test]
#[cfg(target_os = "linux")]
fn the_peak_measure_sees_a_peak_reached_just_before_exit() {
    for _ in 0..20 {
        let mut cmd = Command::new("dd");
        cmd.args([
            "if=/dev/zero",
            "of=/dev/null",
            "bs=16M",
            "count=1",
            "status=none",
        ]);
        let (status, peak_kib, stderr) = run_measuring_peak_rss(cmd);
        assert!(status.success(), "{status}: {stderr}");
        assert!(
            peak_kib >= 16 * 1024,
            "dd's 16 MiB peak read as {peak_kib} KiB"
        );
    }
}

#[test]
#[cfg(target_os = "linux")]
fn memory_does_not_grow_with_report_size() {
    // Same 4,000 testcases (so the engine's per-case state is the same), once bare and once with
    // ~24 KB of captured output each: ~96 MB of XML. Streaming keeps the difference to the
    // reader's bounded buffers; reading the file whole (or a DOM) adds at least its size.
    const TESTS: u64 = 4_000;
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + TESTS));
    let small = env.write_file("small.xml", junit(TESTS, TESTS, 0).as_bytes());
    let big_xml = junit(TESTS, TESTS, 24 * 1024);
    let big_mib = big_xml.len() as u64 / (1024 * 1024);
    let big = env.write_file("big.xml", big_xml.as_bytes());
    drop(big_xml);

    let small_kib = dry_run_peak_kib(&env, &small);
    let big_kib = dry_run_peak_kib(&env, &big);
    let growth_mib = big_kib.saturating_sub(small_kib) / 1024;
    eprintln!(
        "peak RSS: {} MiB for the bare report, {} MiB for {big_mib} MiB of XML (+{growth_mib} MiB)",
        small_kib / 1024,
        big_kib / 1024
    );
    assert!(big_mib >= 90, "the big report is {big_mib} MiB");
    assert!(
        growth_mib < big_mib / 2,
        "peak RSS grew by {growth_mib} MiB for a {big_mib} MiB report: the report is no longer \
         streamed (or the reader holds too many executions)"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn memory_per_case_does_not_grow_with_its_executions() {
    // 200 cases hit once each, then 500 times each (parametrized tests, repeated reports): the
    // engine keeps a bounded summary per case. Keeping every execution (~300 bytes each) would
    // add ~30 MiB for the 100,000.
    let env = Env::start(fixture_with_cases(FIRST_ID..FIRST_ID + 200));
    let once = env.write_file("once.xml", junit(200, 200, 0).as_bytes());
    let many = env.write_file("many.xml", junit(100_000, 200, 0).as_bytes());
    let once_kib = dry_run_peak_kib(&env, &once);
    let many_kib = dry_run_peak_kib(&env, &many);
    let growth_mib = many_kib.saturating_sub(once_kib) / 1024;
    eprintln!(
        "peak RSS: {} MiB for 200 executions, {} MiB for 100,000 over the same 200 cases",
        once_kib / 1024,
        many_kib / 1024
    );
    assert!(
        growth_mib < 16,
        "peak RSS grew by {growth_mib} MiB for 500 executions per case: the engine keeps every \
         execution instead of a bounded summary per case"
    );
}
