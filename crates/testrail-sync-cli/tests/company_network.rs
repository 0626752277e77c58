//! Company networks and honest errors, against the emulator behind real TLS (a private CA made
//! by tests/fixtures/tls/gen.sh), a CONNECT proxy that may demand credentials, and canned web
//! servers for a redirect and an SSO page. Each failure asserts its message, its exit code, the
//! `--format json` error object, that it was not retried, and that no journal is claimed.

mod common;
#[path = "common/net.rs"]
mod net;
mod support;

use std::process::Output;

use common::*;
use net::*;
use support::*;

const KEY_FOR_TESTS: &str = testrail_emulator::DEMO_KEY;

fn env_with_cases() -> Env {
    Env::start(fixture_with_cases(1..=5))
}

fn report_file(env: &Env) -> String {
    env.write_file("r.xml", junit_for(1..=5).as_bytes())
        .display()
        .to_string()
}

/// The CLI with `args`, pointed at `host` instead of the emulator.
fn run_at(env: &Env, host: &str, args: &[&str]) -> Output {
    env.cmd()
        .env("TESTRAIL_HOST", host)
        .args(args)
        .output()
        .unwrap()
}

/// The `error` object printed on stdout with `--format json`.
fn json_error(o: &Output) -> serde_json::Value {
    let v = json(o);
    assert!(v["error"].is_object(), "no error object: {v}");
    v["error"].clone()
}

/// A failure that made no claim about a journal and did not leak the key.
fn assert_honest(o: &Output) {
    let all = format!("{}{}", stdout(o), stderr(o));
    assert!(
        !all.contains("journal"),
        "no journal holds anything:\n{all}"
    );
    assert!(
        !all.contains("check --project-id"),
        "the project is fine:\n{all}"
    );
    assert!(!all.contains(KEY_FOR_TESTS), "the key leaked:\n{all}");
}

#[test]
fn a_private_ca_is_refused_once_with_every_way_to_trust_it() {
    let env = env_with_cases();
    let (https, front) = env.block(tls_front(&env.url, false));
    let file = report_file(&env);
    let o = run_at(
        &env,
        &https,
        &["report", &file, "--project-id", "1", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for way in [
        "--ca-cert",
        "ca_cert",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "--insecure",
    ] {
        assert!(err.contains(way), "{way} not named:\n{err}");
    }
    let e = json_error(&o);
    assert_eq!(e["kind"], "tls");
    assert!(e["hint"].as_str().unwrap().contains("--ca-cert"), "{e}");
    assert_honest(&o);
    assert_eq!(env.write_requests(), 0);
    // One read alone: exactly one handshake, so the trust failure was not retried.
    let before = front.connections();
    let o = run_at(&env, &https, &["statuses"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(front.connections() - before, 1, "retried");
}

#[test]
fn ca_cert_by_flag_or_config_key_trusts_the_private_ca_and_the_sync_works() {
    let env = env_with_cases();
    let (https, front) = env.block(tls_front(&env.url, false));
    let ca = tls_fixture("ca.pem");
    let o = env
        .cmd()
        .env("TESTRAIL_HOST", &https)
        .args(["statuses", "--ca-cert"])
        .arg(&ca)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("passed"), "{}", stdout(&o));

    env.write_file(
        "testrail-sync.toml",
        format!("ca_cert = {:?}\n", ca.display().to_string()).as_bytes(),
    );
    let file = report_file(&env);
    // Found in the working directory, the file may not add a CA for the environment's key;
    // named with --config, the job trusts it.
    let found = run_at(&env, &https, &["report", &file, "--project-id", "1"]);
    assert_eq!(found.status.code(), Some(2), "{}", stderr(&found));
    assert_eq!(env.write_requests(), 0);
    let o = run_at(
        &env,
        &https,
        &[
            "--config",
            "testrail-sync.toml",
            "report",
            &file,
            "--project-id",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(env.write_requests() > 0, "the sync wrote nothing");
    assert!(front.connections() >= 2, "not through the TLS front");
}

#[test]
fn insecure_skips_the_check_and_says_so_on_every_run() {
    let env = env_with_cases();
    let (https, _front) = env.block(tls_front(&env.url, false));
    for _ in 0..2 {
        let o = run_at(&env, &https, &["-q", "statuses", "--insecure"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("certificate is NOT checked"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_server_demanding_a_client_certificate_gets_one_with_client_cert_and_key() {
    let env = env_with_cases();
    let (https, front) = env.block(tls_front(&env.url, true));
    let ca = tls_fixture("ca.pem");
    let without = env
        .cmd()
        .env("TESTRAIL_HOST", &https)
        .args(["statuses", "--ca-cert"])
        .arg(&ca)
        .output()
        .unwrap();
    assert_ne!(
        without.status.code(),
        Some(0),
        "the server let us in without a certificate"
    );
    assert!(front.connections() >= 1);
    assert!(!stderr(&without).contains("journal"));
    assert!(
        stderr(&without).contains("--client-cert FILE and --client-key FILE"),
        "{}",
        stderr(&without)
    );
    let with = env
        .cmd()
        .env("TESTRAIL_HOST", &https)
        .args(["statuses", "--ca-cert"])
        .arg(&ca)
        .arg("--client-cert")
        .arg(tls_fixture("client.pem"))
        .arg("--client-key")
        .arg(tls_fixture("client.key"))
        .output()
        .unwrap();
    assert_eq!(with.status.code(), Some(0), "{}", stderr(&with));
}

#[test]
fn a_proxy_carries_the_sync_and_v_names_it_without_its_password() {
    let env = env_with_cases();
    let (https, _front) = env.block(tls_front(&env.url, false));
    let (proxy, seen) = env.block(connect_proxy(Some("YWxpY2U6cHctczNjcmV0")));
    let with_password = proxy.replace("http://", "http://alice:pw-s3cret@");
    let file = report_file(&env);
    let o = env
        .cmd()
        .env("TESTRAIL_HOST", &https)
        .args([
            "-v",
            "report",
            &file,
            "--project-id",
            "1",
            "--proxy",
            &with_password,
            "--ca-cert",
        ])
        .arg(tls_fixture("ca.pem"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("through a proxy") && err.contains(&proxy),
        "{err}"
    );
    assert!(
        !err.contains("pw-s3cret") && !stdout(&o).contains("pw-s3cret"),
        "{err}"
    );
    let requests = seen.requests();
    assert!(
        !requests.is_empty() && requests.iter().all(|r| r.ends_with(" auth")),
        "{requests:?}"
    );
    assert!(env.write_requests() > 0);
}

#[test]
fn a_407_fails_at_once_with_exit_3_naming_the_proxy_and_the_fix() {
    let env = env_with_cases();
    let (https, _front) = env.block(tls_front(&env.url, false));
    let (proxy, seen) = env.block(connect_proxy(Some("YWxpY2U6cHctczNjcmV0")));
    let file = report_file(&env);
    let o = run_at(
        &env,
        &https,
        &[
            "report",
            &file,
            "--project-id",
            "1",
            "--format",
            "json",
            "--proxy",
            &proxy,
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("407") && err.contains(&proxy), "{err}");
    assert!(err.contains("USER:PASSWORD@"), "{err}");
    let e = json_error(&o);
    assert_eq!(e["kind"], "proxy");
    assert_honest(&o);
    assert_eq!(env.write_requests(), 0);
    // One read alone: exactly one CONNECT, so the 407 was not retried.
    let before = seen.requests().len();
    let o = run_at(&env, &https, &["statuses", "--proxy", &proxy]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let requests = seen.requests();
    assert_eq!(
        requests.len() - before,
        1,
        "retried through the proxy: {requests:?}"
    );
}

#[test]
fn no_proxy_star_bypasses_even_an_explicit_proxy_like_curl() {
    let env = env_with_cases();
    let (proxy, seen) = env.block(connect_proxy(None));
    let o = env
        .cmd()
        .env("NO_PROXY", "*")
        .args(["statuses", "--proxy", &proxy])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(seen.connections(), 0, "went through the proxy");
}

#[test]
fn an_ipv6_literal_host_is_bypassed_by_no_proxy_and_fails_fast_through_a_proxy() {
    let env = env_with_cases();
    let (https, _front) = env.block(tls_front_on("[::1]:0", &env.url, false));
    assert!(https.starts_with("https://[::1]:"), "{https}");
    let ca = tls_fixture("ca.pem");
    // NO_PROXY names the address without brackets, as people write it: direct, and it works.
    let (proxy, seen) = env.block(connect_proxy(None));
    let o = env
        .cmd()
        .env("TESTRAIL_HOST", &https)
        .env("NO_PROXY", "localhost,::1")
        .args(["statuses", "--proxy", &proxy, "--ca-cert"])
        .arg(&ca)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        seen.connections(),
        0,
        "NO_PROXY=::1 did not bypass the proxy"
    );
    // Through the proxy, TLS to an IPv6 literal cannot start (reqwest): said at once, once.
    let o = env
        .cmd()
        .env("TESTRAIL_HOST", &https)
        .args([
            "statuses",
            "--format",
            "json",
            "--proxy",
            &proxy,
            "--ca-cert",
        ])
        .arg(&ca)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("NO_PROXY"), "{}", stderr(&o));
    assert_eq!(json_error(&o)["kind"], "tls");
    assert_eq!(seen.connections(), 1, "retried: {:?}", seen.requests());
}

const REDIRECT: &str = "HTTP/1.1 301 Moved Permanently\r\n\
    Location: https://new.example.com/index.php?/api/v2/get_statuses\r\n\
    Content-Length: 0\r\n\r\n";

const SSO_PAGE: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
    Content-Length: 84\r\n\r\n\
    <html><head><title>Sign in - Acme SSO</title></head><body>Log in</body></html>\n\n\n\n\n\n";

#[test]
fn a_redirect_is_blamed_on_the_address_at_once_with_exit_2() {
    let env = env_with_cases();
    let (web, seen) = env.block(canned(REDIRECT));
    let file = report_file(&env);
    let o = run_at(
        &env,
        &web,
        &["report", &file, "--project-id", "1", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("redirected (301) to https://new.example.com"),
        "{err}"
    );
    assert!(
        !err.contains("get_statuses&"),
        "the query is not echoed: {err}"
    );
    assert_eq!(json_error(&o)["kind"], "redirect");
    assert_honest(&o);
    assert_not_retried(&seen);
}

/// Each endpoint was asked once: the first reads go out together, none is repeated.
fn assert_not_retried(seen: &Seen) {
    let requests = seen.requests();
    let distinct: std::collections::BTreeSet<_> = requests.iter().collect();
    assert_eq!(distinct.len(), requests.len(), "retried: {requests:?}");
}

#[test]
fn an_sso_login_page_is_named_as_not_testrail_with_exit_3() {
    let env = env_with_cases();
    let (web, seen) = env.block(canned(SSO_PAGE));
    let file = report_file(&env);
    let o = run_at(
        &env,
        &web,
        &["report", &file, "--project-id", "1", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("\"Sign in - Acme SSO\"") && err.contains("SSO"),
        "{err}"
    );
    let e = json_error(&o);
    assert_eq!(e["kind"], "not_testrail");
    assert!(e["hint"].as_str().is_some_and(|h| !h.is_empty()), "{e}");
    assert_honest(&o);
    assert_not_retried(&seen);
}

#[test]
fn every_failure_prints_an_error_object_with_json_even_bad_input() {
    let env = env_with_cases();
    let o = env
        .cmd()
        .env("TESTRAIL_API_KEY", "wrong-key-0123456789")
        .args(["projects", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let e = json_error(&o);
    assert_eq!(e["kind"], "auth");
    assert!(!stdout(&o).contains("wrong-key-0123456789"));
    let o = env.run(&[
        "report",
        "missing.xml",
        "--project-id",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json_error(&o)["exit_code"], 2);
    // Even a flag clap does not know.
    let o = env.run(&["report", "r.xml", "--format", "json", "--project-idd", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let e = json_error(&o);
    assert_eq!(e["kind"], "usage");
    assert!(
        e["message"].as_str().unwrap().contains("--project-idd"),
        "{e}"
    );
    assert!(stderr(&o).contains("--project-idd"), "{}", stderr(&o));
}

#[test]
fn broken_config_files_never_echo_the_key() {
    const KEY: &str = "S3cr3tKeyValue-42abcXYZ";
    let env = env_with_cases();
    let file = report_file(&env);
    let shapes = [
        format!(
            "host = \"{}\"\napi_key = \"{KEY}\nproject_id = 1\n",
            env.url
        ),
        format!("api_key = [\"{KEY}\"]\n"),
        format!("api_key = {KEY}\n"),
        format!("api_key = '{KEY}\n"),
        format!("api_key = \"\"\"{KEY}\n"),
        format!("[api_key]\n{KEY} = 1\n"),
        format!("api_key = {{ value = \"{KEY}\" }}\n"),
        format!("api_kee = \"{KEY}\"\n"),
    ];
    for shape in &shapes {
        env.write_file("testrail-sync.toml", shape.as_bytes());
        let o = env
            .cmd()
            .env_remove("TESTRAIL_API_KEY")
            .args(["report", &file, "--project-id", "1", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{shape}\n{}", stderr(&o));
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            !all.contains(KEY),
            "config {shape:?} leaked the key:\n{all}"
        );
        assert!(
            !all.contains("S3cr3t"),
            "config {shape:?} leaked part of the key:\n{all}"
        );
        assert_eq!(json_error(&o)["kind"], "bad_input");
    }
    let _ = std::fs::remove_file(env.dir.join("testrail-sync.toml"));
    let yaml_shapes = [
        format!("host: {}\nkey: [{KEY}\n", env.url),
        format!("key: \"{KEY}\nproject_id: 1\n"),
        format!("key:\n  - {KEY}\n  bad: [\n"),
        format!("key: {KEY}\n  - x\n"),
    ];
    for shape in &yaml_shapes {
        let path = env.write_file("trcli.yml", shape.as_bytes());
        let o = env
            .cmd()
            .env_remove("TESTRAIL_API_KEY")
            .args(["report", &file, "--project-id", "1", "--trcli-config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_ne!(o.status.code(), Some(0), "{shape}");
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            !all.contains(KEY),
            "trcli config {shape:?} leaked the key:\n{all}"
        );
    }
    // trcli's environment: a malformed TR_CLI_* value never shows the key either.
    let o = env
        .cmd()
        .env_remove("TESTRAIL_API_KEY")
        .env("TR_CLI_KEY", KEY)
        .env("TR_CLI_HOST", "not a host at all")
        .env_remove("TESTRAIL_HOST")
        .args(["report", &file, "--project-id", "1"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(!all.contains(KEY), "TR_CLI_KEY leaked:\n{all}");
}

#[test]
fn a_trcli_command_line_never_passes_doing_nothing() {
    let env = env_with_cases();
    let o = env.run(&[
        "-h",
        "https://acme.testrail.io",
        "--project",
        "Shop",
        "-u",
        "ci@acme.io",
        "-k",
        "TrcliKey-0987654321",
        "parse_junit",
        "-f",
        "r.xml",
        "--title",
        "Nightly run",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "TESTRAIL_API_KEY=<your API key> testrail-sync report r.xml --host \
             https://acme.testrail.io --project Shop --user ci@acme.io --run-name 'Nightly run'"
        ),
        "{err}"
    );
    assert!(!err.contains("TrcliKey-0987654321"), "{err}");
    assert_eq!(env.emulator().stats().requests, 0);
}

#[test]
fn doctor_passes_a_healthy_setup_and_writes_nothing() {
    let env = env_with_cases();
    let o = env.run(&["doctor", "--project-id", "1", "--case-matcher", "auto"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for check in [
        "proxy",
        "name resolution",
        "tls",
        "credentials",
        "project and suite",
        "status mapping",
        "result fields",
        "automation ID field",
        "permissions",
        "rate limit",
    ] {
        assert!(
            out.contains(&format!("] {check}:")),
            "no {check} line:\n{out}"
        );
    }
    assert!(out.contains("A sync would work"), "{out}");
    assert_eq!(env.write_requests(), 0, "doctor wrote to TestRail");
    let stats = env.emulator().stats();
    assert!(
        stats.endpoints.keys().all(|e| e.starts_with("get_")),
        "only reads: {:?}",
        stats.endpoints
    );
}

#[test]
fn doctor_names_what_is_broken_with_its_fix() {
    let env = env_with_cases();
    // Wrong key: the credentials line fails, exit 3.
    let o = env
        .cmd()
        .env("TESTRAIL_API_KEY", "not-the-key-123456")
        .args(["doctor", "--project-id", "1", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let v = json(&o);
    let failed: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["credentials"], "{v}");
    assert!(!stdout(&o).contains("not-the-key-123456"));
    // No project at all: a sync could not run.
    let o = env.run(&["doctor"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("--project-id N"), "{}", stdout(&o));
    // Unknown project.
    let o = env.run(&["doctor", "--project-id", "99"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("[FAIL] project and suite"),
        "{}",
        stdout(&o)
    );
    // Untrusted certificate: exit 2 with the TLS fix.
    let (https, _front) = env.block(tls_front(&env.url, false));
    let o = run_at(&env, &https, &["doctor", "--project-id", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("[FAIL] tls") && stdout(&o).contains("--ca-cert"),
        "{}",
        stdout(&o)
    );
    assert_eq!(env.write_requests(), 0);
}

#[test]
fn doctor_reports_the_429s_it_met_and_that_retry_after_was_honoured() {
    let faults = testrail_emulator::Faults {
        rate_limit: 3,
        ..Default::default()
    };
    let env = env_with_faults(1..=5, faults, std::time::Duration::from_secs(1));
    let o = env.run(&["doctor", "--project-id", "1", "--rate-limit", "0"]);
    let stats = env.emulator().stats();
    assert!(
        stats.status_codes.get("429").copied().unwrap_or(0) > 0,
        "the emulator never rate-limited: {stats:?}"
    );
    // 429s are headroom information, not a broken set-up.
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("[warn] rate limit:") && out.contains("with Retry-After (honoured)"),
        "{out}"
    );
    assert_eq!(env.write_requests(), 0);
}

#[test]
fn doctor_names_a_required_result_field_the_configuration_leaves_empty() {
    let fixture = testrail_emulator::Fixture::from_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testrail-emulator/fixtures/required-fields.json"),
    )
    .expect("the emulator's required-fields fixture loads");
    let env = Env::start(fixture);
    let o = env.run(&["doctor", "--project-id", "1"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("[FAIL] result fields") && out.contains("custom_environment"),
        "{out}"
    );
    let o = env.run(&[
        "doctor",
        "--project-id",
        "1",
        "--result-field",
        "custom_environment=production",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A label the dropdown does not have is named too.
    let o = env.run(&[
        "doctor",
        "--project-id",
        "1",
        "--result-field",
        "custom_environment=prod",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert_eq!(env.write_requests(), 0);
}
