//! The API key never leaves the process: every command at -vvv (and with RUST_LOG=trace, which
//! also opens the HTTP libraries' logs), on success and on failure (dead port, 401, 400),
//! prints neither the key nor its Basic-auth form (base64 of "email:key"), and neither does the
//! journal. A config file holding a key that others can read gets a warning.

mod common;
mod support;

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use support::*;
use testrail_emulator::{Credential, EmulatorConfig, Faults};

const EMAIL: &str = "secret.tester@example.com";
const KEY: &str = "Zk9-distinctive-SECRET-key-7731";

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The key, its Basic-auth header value, and a distinctive slice of the key (catches a key
/// printed in pieces or trimmed).
fn forbidden() -> Vec<String> {
    let basic = base64(format!("{EMAIL}:{KEY}").as_bytes());
    assert_eq!(base64(b"a:b"), "YTpi");
    vec![
        KEY.to_owned(),
        basic.clone(),
        basic[8..].to_owned(),
        "SECRET-key".to_owned(),
    ]
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for f in forbidden() {
        assert!(
            !text.contains(&f),
            "{what}: the key leaked ({f:?}) in:\n{text}"
        );
    }
}

fn env_accepting(key: &str, faults: Faults) -> Env {
    Env::with_config(EmulatorConfig {
        fixture: Some(fixture_with_cases(1..=40)),
        users: vec![Credential::new(EMAIL, key)],
        faults,
        ..EmulatorConfig::default()
    })
}

/// Every command, with the distinctive key, against `host`.
fn commands(report: &str, run_id: u64, project: &str) -> Vec<Vec<String>> {
    let run = run_id.to_string();
    let lists: Vec<Vec<&str>> = vec![
        vec!["report", report, "--project-id", project, "--journal", "j"],
        vec![
            "report",
            report,
            "--project-id",
            project,
            "--format",
            "json",
            "--journal",
            "j2",
        ],
        vec!["report", report, "--project-id", project, "--dry-run"],
        vec!["run", "open", "--project-id", project, "--case-ids", "1,2"],
        vec!["run", "show", "--run-id", &run],
        vec!["run", "show", "--run-id", &run, "--format", "json"],
        vec!["run", "close", "--run-id", &run],
        vec!["statuses"],
        vec!["projects", "--format", "json"],
        vec!["suites", "--project-id", project],
        vec!["runs", "--project-id", project],
        vec!["plans", "--project-id", project],
        vec!["milestones", "--project-id", project],
        vec!["users"],
    ];
    lists
        .into_iter()
        .map(|l| {
            let mut v = vec!["-vvv".to_owned()];
            v.extend(l.into_iter().map(str::to_owned));
            v
        })
        .collect()
}

fn spawn(env: &Env, host: &str, args: &[String], rust_log: bool) -> Child {
    let mut cmd = env.cmd();
    cmd.args(args)
        .env("TESTRAIL_HOST", host)
        .env("TESTRAIL_USER", EMAIL)
        .env("TESTRAIL_API_KEY", KEY)
        .args(["--rate-limit", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if rust_log {
        cmd.env("RUST_LOG", "trace");
    }
    cmd.spawn().unwrap()
}

fn check_all(env: &Env, host: &str, commands: &[Vec<String>], rust_log: bool) -> Vec<Output> {
    // Concurrently: the dead-port case retries each command for a while.
    let children: Vec<Child> = commands
        .iter()
        .map(|c| spawn(env, host, c, rust_log))
        .collect();
    children
        .into_iter()
        .zip(commands)
        .map(|(child, args)| {
            let out = child.wait_with_output().unwrap();
            let what = format!("{args:?} (RUST_LOG=trace: {rust_log})");
            assert!(
                !stderr(&out).contains("panicked"),
                "{what}: {}",
                stderr(&out)
            );
            assert_clean(&what, &stdout(&out));
            assert_clean(&what, &stderr(&out));
            out
        })
        .collect()
}

fn journal_text(dir: &Path) -> String {
    let mut text = String::new();
    for sub in ["j", "j2", ".testrail-sync"] {
        for f in journal_files(&dir.join(sub)) {
            text.push_str(&std::fs::read_to_string(f).unwrap_or_default());
        }
    }
    text
}

#[test]
fn the_key_never_shows_on_success_or_on_401_or_400() {
    let env = env_accepting(KEY, Faults::default());
    let report = env.write_file("r.xml", junit_for(1..=20).as_bytes());
    let report = report.display().to_string();
    // `run show`/`run close` get a run of their own: the commands run concurrently, and closing
    // a run a `report` is posting into would fail that report.
    let client = testrail_api::Client::new(testrail_api::ClientConfig {
        rate_limit_per_minute: None,
        ..testrail_api::ClientConfig::new(env.url.clone(), EMAIL, testrail_api::ApiKey::new(KEY))
    })
    .unwrap();
    let own_run = env
        .block(client.add_run(
            1,
            &testrail_api::models::RunFields {
                name: Some("closed by the test".into()),
                ..Default::default()
            },
        ))
        .unwrap()
        .id;
    for rust_log in [false, true] {
        let outs = check_all(&env, &env.url, &commands(&report, own_run, "1"), rust_log);
        // The successful runs really did talk to TestRail at trace level.
        let report_out = &outs[0];
        assert_exit(report_out, 0);
        assert!(stderr(report_out).contains("add_results_for_cases"));
        assert!(stderr(&outs[4]).contains("TRACE") || stderr(&outs[4]).contains("DEBUG"));
    }
    // 400s: a project and a run that do not exist.
    let unknown = commands(&report, 999, "99");
    let outs = check_all(&env, &env.url, &unknown, false);
    for (o, args) in outs.iter().zip(&unknown) {
        if is_listing(args) {
            assert_exit(o, 0);
        } else {
            assert_ne!(o.status.code(), Some(0), "{args:?} must fail on a 400");
        }
    }
    // 401: the emulator knows another key for this user.
    let refusing = env_accepting("another-key", Faults::default());
    let outs = check_all(&refusing, &refusing.url, &commands(&report, 1, "1"), true);
    for o in &outs {
        assert_eq!(o.status.code(), Some(3), "401 → exit 3: {}", stderr(o));
        assert!(stderr(o).contains("401") || stderr(o).contains("TESTRAIL_API_KEY"));
    }
    assert_clean("journal", &journal_text(&env.dir));
    assert_clean("journal", &journal_text(&refusing.dir));
}

/// `users`/`statuses`/`projects` need no project or run, so they succeed even in the 400 round;
/// every other command names the unknown project or run and must fail.
fn is_listing(args: &[String]) -> bool {
    matches!(args[1].as_str(), "users" | "statuses" | "projects")
}

/// A port where another web server answers `status` (HTML) to everything.
fn wrong_service(status: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let body = "<html><body>Not Found</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nRetry-After: 0\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn the_key_never_shows_when_the_host_port_is_wrong() {
    let env = env_accepting(KEY, Faults::default());
    let report = env.write_file("r.xml", junit_for(1..=5).as_bytes());
    let report = report.display().to_string();
    // Another service on the port: refused at once (404) or "unavailable" until the client
    // gives up (503, Retry-After: 0 keeps it quick).
    for status in ["404 Not Found", "503 Service Unavailable"] {
        let outs = check_all(
            &env,
            &wrong_service(status),
            &commands(&report, 1, "1"),
            true,
        );
        for o in &outs {
            assert_ne!(o.status.code(), Some(0), "{}", stderr(o));
        }
        // Look-ups keep no journal, so they must not tell people to "resume" from one.
        let statuses = &outs[7];
        assert!(
            !stderr(statuses).contains("journal"),
            "{}",
            stderr(statuses)
        );
        if status.starts_with("503") {
            assert_eq!(statuses.status.code(), Some(4), "{}", stderr(statuses));
        }
    }
    assert_clean("journal", &journal_text(&env.dir));
}

/// A sync killed mid-way leaves its journal behind: host, IDs and case numbers only.
#[test]
fn the_journal_of_an_interrupted_sync_holds_no_key() {
    let env = env_accepting(
        KEY,
        Faults {
            latency_ms: 150,
            ..Faults::default()
        },
    );
    let report = env.write_file("r.xml", junit_for(1..=40).as_bytes());
    let args: Vec<String> = [
        "-vvv",
        "report",
        &report.display().to_string(),
        "--project-id",
        "1",
    ]
    .into_iter()
    .chain(["--batch-size", "5", "--concurrency", "1"])
    .map(str::to_owned)
    .collect();
    let mut child = spawn(&env, &env.url, &args, false);
    let deadline = Instant::now() + Duration::from_secs(30);
    while env
        .emulator()
        .stats()
        .endpoints
        .get("add_results_for_cases")
        .copied()
        .unwrap_or(0)
        < 2
    {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_clean("stderr of the killed sync", &stderr(&out));
    let journal = journal_text(&env.dir);
    assert!(
        journal.contains("\"run_id\""),
        "a journal was left: {journal}"
    );
    assert_clean("journal", &journal);
}

#[cfg(unix)]
#[test]
fn a_config_file_with_a_key_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let env = env_accepting(KEY, Faults::default());
    let config = env.write_file(
        "testrail-sync.toml",
        format!(
            "host = \"{}\"\nuser = \"{EMAIL}\"\napi_key = \"{KEY}\"\n",
            env.url
        )
        .as_bytes(),
    );
    let run = |mode: u32| {
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = env
            .cmd()
            .args(["-vvv", "statuses"])
            .env_remove("TESTRAIL_API_KEY")
            .env_remove("TESTRAIL_HOST")
            .env_remove("TESTRAIL_USER")
            .output()
            .unwrap();
        assert_exit(&out, 0);
        assert_clean("config-file key", &stderr(&out));
        assert_clean("config-file key", &stdout(&out));
        stderr(&out)
    };
    let open = run(0o644);
    assert!(open.contains("readable by other users"), "{open}");
    assert!(open.contains("chmod 600"), "{open}");
    let private = run(0o600);
    assert!(!private.contains("readable by other users"), "{private}");
}

#[cfg(unix)]
#[test]
fn an_api_key_file_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let env = env_accepting(KEY, Faults::default());
    let key_file = env.write_file("key", KEY.as_bytes());
    let run = |mode: u32| {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = env
            .cmd()
            .args(["statuses", "--api-key-file"])
            .arg(&key_file)
            .env_remove("TESTRAIL_API_KEY")
            .env("TESTRAIL_USER", EMAIL)
            .output()
            .unwrap();
        assert_exit(&out, 0);
        assert_clean("key file", &stderr(&out));
        stderr(&out)
    };
    assert!(run(0o644).contains("readable by other users"));
    assert!(!run(0o600).contains("readable by other users"));
}
