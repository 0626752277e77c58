//! A pull request controls the reports, the files they link and the working directory's
//! `testrail-sync.toml`. Each test here is one attack from issue #22, run as CI would run the
//! binary, asserting what reached TestRail (or the attacker's listener): nothing it must not.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Faults};

/// A report whose one test links every file in `links`.
fn report_linking(links: &[String]) -> String {
    let lines: String = links
        .iter()
        .map(|l| format!("[[ATTACHMENT|{l}]]\n"))
        .collect();
    format!(
        "<testsuite name=\"s\"><testcase classname=\"t\" name=\"test_C1\" time=\"1\">\
         <system-out>{lines}</system-out></testcase></testsuite>"
    )
}

/// Attack: a report names `/proc/self/environ` (the API key is in it), `/etc/passwd`, a file
/// outside the workspace through `..` and through a symlink, the checkout's `.git/config`
/// (the CI token), and a workspace file holding the key. Only the real screenshot may go.
#[test]
fn a_report_cannot_upload_system_files_files_outside_the_workspace_or_the_key() {
    let env = Env::start(fixture_with_cases(1..=3));
    let outside = env.dir.with_extension("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"outside secret").unwrap();
    let workspace = env.dir.join("ws");
    std::fs::create_dir_all(workspace.join(".git")).unwrap();
    std::fs::write(
        workspace.join(".git/config"),
        b"[http] extraheader = AUTHORIZATION: basic x",
    )
    .unwrap();
    std::fs::write(workspace.join("shot.png"), b"PNG bytes").unwrap();
    std::fs::write(workspace.join("notes.txt"), format!("key={DEMO_KEY}\n")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("secret"), workspace.join("link.png")).unwrap();
    let links = [
        "/proc/self/environ".to_owned(),
        "/etc/passwd".to_owned(),
        format!(
            "../../{}/secret",
            outside.file_name().unwrap().to_string_lossy()
        ),
        outside.join("secret").display().to_string(),
        "link.png".to_owned(),
        ".git/config".to_owned(),
        "notes.txt".to_owned(),
        "gone.png".to_owned(),
        "shot.png".to_owned(),
    ];
    std::fs::write(workspace.join("r.xml"), report_linking(&links)).unwrap();
    let out = env
        .cmd()
        .current_dir(&workspace)
        .args(["report", "r.xml", "--project-id", "1", "--format", "json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(
        summary["attachments_uploaded"], 1,
        "only shot.png: {summary:#}"
    );
    let kinds: Vec<(String, String)> = summary["attachments_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["path"].as_str().unwrap().to_owned(),
                a["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let kind_of = |path: &str| {
        kinds
            .iter()
            .find(|(p, _)| p.ends_with(path))
            .map(|(_, k)| k.as_str())
            .unwrap_or_else(|| panic!("{path} is not listed as skipped: {kinds:?}"))
    };
    assert_eq!(kind_of("/proc/self/environ"), "system_file");
    assert_eq!(kind_of("/etc/passwd"), "outside_workspace");
    assert_eq!(kind_of(&links[2]), "outside_workspace", "through ..");
    assert_eq!(kind_of("link.png"), "outside_workspace");
    assert_eq!(kind_of(".git/config"), "credentials");
    assert_eq!(kind_of("notes.txt"), "upload_failed");
    assert_eq!(kind_of("gone.png"), "missing");
    assert_eq!(summary["attachments_skipped_count"], 8);

    // What reached TestRail: one upload, the screenshot's bytes.
    let stats = env.emulator().stats();
    assert_eq!(stats.endpoints.get("add_attachment_to_result"), Some(&1));
    let client = env.client();
    let run_id = summary["run_id"].as_u64().unwrap();
    let tests = env.block(client.get_tests(run_id)).unwrap();
    let attachments = env
        .block(client.get_attachments_for_test(tests[0].id))
        .unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].name, "shot.png");
    let _ = std::fs::remove_dir_all(&outside);
}

/// The human summary names each file not uploaded and why (the README promised a warning for a
/// missing file; only `--format json` had one).
#[test]
fn the_summary_lists_every_attachment_not_uploaded_with_the_reason() {
    let env = Env::start(fixture_with_cases(1..=3));
    let path = env.write_file(
        "r.xml",
        report_linking(&["/etc/passwd".into(), "gone.png".into()]).as_bytes(),
    );
    let out = env.run(&["report", &path.display().to_string(), "--project-id", "1"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("2 attachments not uploaded:"), "{text}");
    assert!(
        text.contains("/etc/passwd (C1): outside the workspace")
            && text.contains("--attachments-root"),
        "{text}"
    );
    assert!(text.contains("gone.png (C1): no such file"), "{text}");
}

/// `--attachments-root DIR` is how a job grants a directory outside the working directory;
/// a root that does not exist is bad input before anything is sent.
#[test]
fn attachments_root_grants_a_directory_and_a_missing_root_is_bad_input() {
    let env = Env::start(fixture_with_cases(1..=3));
    let artifacts = env.dir.with_extension("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("trace.zip"), b"zip").unwrap();
    let path = env.write_file(
        "r.xml",
        report_linking(&[artifacts.join("trace.zip").display().to_string()]).as_bytes(),
    );
    let report = path.display().to_string();
    let root = artifacts.display().to_string();
    let granted = env.run(&[
        "report",
        &report,
        "--project-id",
        "1",
        "--format",
        "json",
        "--attachments-root",
        &root,
    ]);
    assert_exit(&granted, 0);
    assert_eq!(json(&granted)["attachments_uploaded"], 1);

    let writes = env.write_requests();
    let missing = env.run(&[
        "report",
        &report,
        "--project-id",
        "1",
        "--attachments-root",
        "/no/such/dir",
    ]);
    assert_exit(&missing, 2);
    assert!(stderr(&missing).contains("--attachments-root /no/such/dir"));
    assert_eq!(env.write_requests(), writes, "nothing written");
    let _ = std::fs::remove_dir_all(&artifacts);
}

/// A listener standing in for the attacker's proxy or host: counts connections and keeps
/// whatever arrived, answering 502 to each.
struct Attacker {
    addr: String,
    connections: Arc<AtomicU64>,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Attacker {
    fn start() -> Attacker {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let connections = Arc::new(AtomicU64::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (count, keep) = (connections.clone(), received.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().take(50) {
                let Ok(mut stream) = stream else { return };
                count.fetch_add(1, Ordering::Relaxed);
                stream
                    .set_read_timeout(Some(Duration::from_millis(500)))
                    .unwrap();
                let mut buf = [0u8; 4096];
                if let Ok(n) = stream.read(&mut buf) {
                    keep.lock().unwrap().extend_from_slice(&buf[..n]);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Attacker {
            addr,
            connections,
            received,
        }
    }
}

/// Attack: the checkout's `testrail-sync.toml` routes the job's key (from the environment)
/// through its own proxy, to its own host, or over unchecked TLS. Each is refused with the
/// file's line, exit 2, and the attacker's listener sees no connection at all.
#[test]
fn a_found_config_file_cannot_route_the_environment_key_elsewhere() {
    let env = Env::start(fixture_with_cases(1..=3));
    let attacker = Attacker::start();
    let report = env.write_file("r.xml", report_linking(&[]).as_bytes());
    let report = report.display().to_string();
    let cases = [
        (
            format!("project_id = 1\nproxy = \"http://{}\"\n", attacker.addr),
            "proxy",
            "2:1",
        ),
        ("insecure = true\n".to_owned(), "insecure", "1:1"),
        (
            "allow_insecure_http = true\n".to_owned(),
            "allow_insecure_http",
            "1:1",
        ),
        ("ca_cert = \"evil.pem\"\n".to_owned(), "ca_cert", "1:1"),
    ];
    for (toml, key, at) in cases {
        env.write_file("testrail-sync.toml", toml.as_bytes());
        let out = env.run(&["report", &report, "--project-id", "1"]);
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "testrail-sync.toml:{at}: `{key}` is set in testrail-sync.toml"
            )) && err.contains("TESTRAIL_API_KEY")
                && err.contains("--config testrail-sync.toml"),
            "{key}: {err}"
        );
    }
    // The host: only when the environment leaves it open does the file's host count.
    env.write_file(
        "testrail-sync.toml",
        format!(
            "host = \"http://{}\"\nallow_insecure_http = false\n",
            attacker.addr
        )
        .as_bytes(),
    );
    let out = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .args(["report", &report, "--project-id", "1"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("`host` is set in testrail-sync.toml"));
    assert_eq!(
        attacker.connections.load(Ordering::Relaxed),
        0,
        "nothing reached the attacker"
    );
    assert!(
        attacker.received.lock().unwrap().is_empty(),
        "no byte of the key left"
    );
    assert_eq!(env.write_requests(), 0);
}

/// The same settings are honoured when the job asks for them: from a file named with
/// `--config`, or in a found file that brings its own key (nothing of the job's to steal).
#[test]
fn a_named_config_file_or_one_with_its_own_key_is_trusted() {
    let env = Env::start(fixture_with_cases(1..=3));
    let report = env.write_file("r.xml", report_linking(&[]).as_bytes());
    let report = report.display().to_string();
    env.write_file(
        "testrail-sync.toml",
        format!(
            "host = \"{}\"\nuser = \"{DEMO_EMAIL}\"\napi_key = \"{DEMO_KEY}\"\n",
            env.url
        )
        .as_bytes(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = env.dir.join("testrail-sync.toml");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let own_key = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .env_remove("TESTRAIL_API_KEY")
        .args(["report", &report, "--project-id", "1"])
        .output()
        .unwrap();
    assert_exit(&own_key, 0);
    assert!(
        stderr(&own_key).contains(&format!(
            "TestRail {} (host from testrail-sync.toml), directly",
            env.url
        )),
        "{}",
        stderr(&own_key)
    );

    env.write_file(
        "testrail-sync.toml",
        format!("host = \"{}\"\n", env.url).as_bytes(),
    );
    let named = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .args([
            "--config",
            "testrail-sync.toml",
            "report",
            &report,
            "--project-id",
            "1",
        ])
        .output()
        .unwrap();
    assert_exit(&named, 0);
}

/// The route line says where the host came from, so a CI log shows who decided it.
#[test]
fn the_route_line_names_the_host_and_where_it_came_from() {
    let env = Env::start(fixture_with_cases(1..=3));
    let report = env.write_file("r.xml", report_linking(&[]).as_bytes());
    let out = env.run(&["report", &report.display().to_string(), "--project-id", "1"]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains(&format!(
            "TestRail {} (host from TESTRAIL_HOST), directly, no proxy",
            env.url
        )),
        "{}",
        stderr(&out)
    );
    let quiet = env.run(&[
        "-q",
        "report",
        &report.display().to_string(),
        "--project-id",
        "1",
    ]);
    assert!(!stderr(&quiet).contains("host from"));
}

#[cfg(target_os = "linux")]
/// An emulator slow enough (150 ms a request) that a sync of 200 cases in batches of 20 is
/// still posting when the signal comes, and the report for it.
fn slow_sync_of_200_cases() -> (Env, String) {
    let env = Env::start(fixture_with_cases(1..=200));
    env.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let report = many_cases_report(&env.dir, 200);
    (env, report)
}

#[cfg(target_os = "linux")]
fn many_cases_report(dir: &std::path::Path, n: u64) -> String {
    let body: String = (1..=n)
        .map(|id| format!("<testcase classname=\"t\" name=\"test_C{id}\" time=\"0.1\"/>"))
        .collect();
    let path = dir.join("many.xml");
    std::fs::write(&path, format!("<testsuite name=\"s\">{body}</testsuite>")).unwrap();
    path.display().to_string()
}

/// Sends `signal` once the first batch landed and returns the output and how long the process
/// took after the signal.
#[cfg(target_os = "linux")]
fn interrupt_after_first_batch(
    env: &Env,
    report: &str,
    signal: i32,
) -> (std::process::Output, Duration) {
    let child = env
        .cmd()
        .args([
            "report",
            report,
            "--project-id",
            "1",
            "--run-key",
            "nightly",
            "--batch-size",
            "20",
            "--concurrency",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while env
        .emulator()
        .stats()
        .answered("add_results_for_cases", "200")
        == 0
    {
        assert!(Instant::now() < deadline, "no batch landed in 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    assert_eq!(unsafe_kill(child.id(), signal), 0);
    let out = child.wait_with_output().unwrap();
    (out, sent.elapsed())
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn unsafe_kill(pid: u32, signal: i32) -> i32 {
    // SAFETY: kill(2) has no memory effects; the pid is our own child, not yet reaped.
    unsafe { libc::kill(pid as i32, signal) }
}

/// Fault: a cancelled CI job (SIGTERM) killed the process at once and said nothing. Now: no
/// write starts after the signal, the process says how many results were posted and the
/// command that resumes, exits 143 within the grace period, and the rerun posts the rest, each
/// case exactly once.
#[cfg(target_os = "linux")]
#[test]
fn sigterm_stops_new_writes_says_what_was_posted_and_the_rerun_posts_the_rest_once() {
    let (env, report) = slow_sync_of_200_cases();
    let (out, took) = interrupt_after_first_batch(&env, &report, libc::SIGTERM);
    assert_exit(&out, 143);
    assert!(
        took < Duration::from_secs(7),
        "exited {took:?} after SIGTERM"
    );
    let err = stderr(&out);
    assert!(
        err.contains("stopped by SIGTERM before the sync finished"),
        "{err}"
    );
    assert!(
        err.contains("resume with: ") && err.contains("--run-key nightly"),
        "{err}"
    );
    let posted: u64 = err
        .split("finished: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {err}"));
    assert!(posted < 200, "stopped before the end: {err}");

    let client = env.client();
    let run = env
        .block(client.get_runs(1, None))
        .unwrap()
        .into_iter()
        .next()
        .expect("the run exists");
    let results_now = env.block(client.get_results_for_run(run.id)).unwrap().len() as u64;
    assert_eq!(results_now, posted, "what it said is what TestRail has");

    env.set_faults(Faults::default());
    let rerun = env.run(&[
        "report",
        &report,
        "--project-id",
        "1",
        "--run-key",
        "nightly",
        "--batch-size",
        "20",
    ]);
    assert_exit(&rerun, 0);
    let results = env.block(client.get_results_for_run(run.id)).unwrap();
    assert_eq!(results.len(), 200, "every case once, none twice");
}

/// Ctrl-C is the same stop, with the shell's code for SIGINT.
#[cfg(target_os = "linux")]
#[test]
fn sigint_stops_with_exit_130() {
    let (env, report) = slow_sync_of_200_cases();
    let (out, _) = interrupt_after_first_batch(&env, &report, libc::SIGINT);
    assert_exit(&out, 130);
    assert!(stderr(&out).contains("stopped by SIGINT"));
}
