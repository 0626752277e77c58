//! A wrong API key against a server that locks accounts, as real TestRail does after repeated
//! failed logins (testrail-observed 2.1, 2.2). The client must never retry a 401 — each retry
//! would count towards the lockout of the user's real account — so every command makes exactly
//! one authentication attempt, exits 3, and says what the server said, including the lockout
//! message once the account is locked.

mod common;

use common::{Env, assert_exit, fixture_with_cases, stderr, stdout};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, EmulatorConfig};

const LOCKED: &str =
    "The maximum number of failed login attempts has been reached. Please try again in 10 minutes.";

/// The commands that talk to TestRail first thing: doctor, every look-up and a sync.
const COMMANDS: &[&[&str]] = &[
    &["doctor", "--project-id", "1"],
    &["projects"],
    &["suites", "--project-id", "1"],
    &["runs", "--project-id", "1"],
    &["plans", "--project-id", "1"],
    &["milestones", "--project-id", "1"],
    &["users", "--project-id", "1"],
    &["statuses"],
    &["fields", "--project-id", "1"],
    &["report", "--project-id", "1", "results.xml"],
];

fn env(lockout_after: u32) -> Env {
    let env = Env::with_config(EmulatorConfig {
        fixture: Some(fixture_with_cases([1, 2])),
        lockout_after,
        ..EmulatorConfig::default()
    });
    env.write_file(
        "results.xml",
        b"<testsuite name=\"s\"><testcase classname=\"c\" name=\"t C1\"/></testsuite>",
    );
    env
}

/// One command with a wrong key: (exit code, what it printed — `doctor` reports on stdout,
/// the others on stderr —, requests the server saw).
fn run_with_wrong_key(env: &Env, args: &[&str]) -> (Option<i32>, String, u64) {
    let before = env.emulator().stats().requests;
    let out = env
        .cmd()
        .env("TESTRAIL_API_KEY", "not-the-key")
        .args(args)
        .output()
        .unwrap();
    let requests = env.emulator().stats().requests - before;
    let said = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.code(), said, requests)
}

/// A wrong key: every command sends one request, is refused with 401, never retries it, and
/// exits 3 with TestRail's message.
#[test]
fn a_wrong_key_costs_one_request_per_command_and_exits_3() {
    let env = env(0);
    for args in COMMANDS {
        let (code, err, requests) = run_with_wrong_key(&env, args);
        assert_eq!(code, Some(3), "{args:?}: {err}");
        assert_eq!(requests, 1, "{args:?} retried or probed on: {err}");
        assert!(
            err.contains("Authentication failed"),
            "{args:?} hides TestRail's message: {err}"
        );
    }
    assert_eq!(env.write_requests(), 0, "nothing was written");
}

/// After the server's threshold of failed logins the account is locked: the next command is
/// still one request, still exit 3, and shows the lockout message, so the user knows that
/// even the right key will not work for 10 minutes.
#[test]
fn the_lockout_message_reaches_the_user_once_the_account_is_locked() {
    let env = env(3);
    for args in &COMMANDS[..3] {
        let (code, err, requests) = run_with_wrong_key(&env, args);
        assert_eq!((code, requests), (Some(3), 1), "{args:?}: {err}");
        assert!(!err.contains(LOCKED), "{args:?} locked too early: {err}");
    }
    let (code, err, requests) = run_with_wrong_key(&env, &["doctor", "--project-id", "1"]);
    assert_eq!((code, requests), (Some(3), 1), "{err}");
    assert!(err.contains(LOCKED), "lockout message missing: {err}");
    // The right key is refused too while the lock lasts.
    let out = env
        .cmd()
        .env("TESTRAIL_USER", DEMO_EMAIL)
        .env("TESTRAIL_API_KEY", DEMO_KEY)
        .arg("projects")
        .output()
        .unwrap();
    assert_exit(&out, 3);
    assert!(stderr(&out).contains(LOCKED), "{}", stderr(&out));
}
