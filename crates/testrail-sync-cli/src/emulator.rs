//! `testrail-sync emulator`: the TestRail emulator as a standalone server.

use std::net::SocketAddr;

use testrail_emulator::{Credential, EmulatorConfig, Faults, RateScope};

use testrail_sync::Exit;

use crate::cli::{EmulatorArgs, FaultArgs};
use crate::fail::{Failure, bad_input};

pub async fn run(args: EmulatorArgs) -> Result<Exit, Failure> {
    let config = config(&args)?;
    let emulator =
        testrail_emulator::start(config)
            .await
            .map_err(|e| match (&e, &args.fixture) {
                // Name the file: "fixture: result field …" alone does not say which one to fix.
                (testrail_emulator::EmulatorError::Fixture(_), Some(path)) => bad_input(format!(
                    "{}: cannot start the emulator: {e}",
                    path.display()
                )),
                _ => bad_input(format!("cannot start the emulator: {e}")),
            })?;
    if let Some(warning) = exposure_warning(emulator.addr()) {
        eprintln!("{warning}");
    }
    // First line of stdout is the address, so scripts can read it with `--port 0`.
    println!("{}", emulator.url());
    print_credentials(&args.users);
    eprintln!(
        "TestRail API at {}/index.php?/api/v2/  web view at {}/  (Ctrl-C stops)",
        emulator.url(),
        emulator.url()
    );
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    Ok(Exit::Ok)
}

/// Bound beyond loopback, anyone who can reach the port can reset the store, read every run
/// and attachment and log in with the printed demo key: say so.
fn exposure_warning(addr: SocketAddr) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "warning: the emulator listens on {addr}, reachable from other machines: anyone who can \
         reach it can read and change every project, wipe it with POST /_emulator/reset (and the \
         --db file with it) and log in with the keys printed here. It has no TLS. Use the default \
         --bind 127.0.0.1 unless other machines must reach it."
    ))
}

fn print_credentials(users: &[String]) {
    if users.is_empty() {
        println!(
            "user: {}  api key: {}",
            testrail_emulator::DEMO_EMAIL,
            testrail_emulator::DEMO_KEY
        );
    }
}

fn config(args: &EmulatorArgs) -> Result<EmulatorConfig, Failure> {
    let users = args
        .users
        .iter()
        .map(|u| parse_pair(u, "--user", "EMAIL:KEY").map(|(email, key)| Credential { email, key }))
        .collect::<Result<Vec<_>, _>>()?;
    let custom_statuses = args
        .statuses
        .iter()
        .map(|s| parse_pair(s, "--status", "NAME:LABEL"))
        .collect::<Result<Vec<_>, _>>()?;
    let fixture = match (&args.fixture, args.demo_data) {
        (Some(path), _) => Some(load_fixture(path)?),
        (None, true) => Some(testrail_emulator::demo_fixture()),
        (None, false) => None,
    };
    Ok(EmulatorConfig {
        bind: SocketAddr::new(args.bind, args.port),
        users,
        db: args.db.clone(),
        fixture,
        custom_statuses,
        faults: faults(&args.faults)?,
        lockout_after: args.lockout_after,
        allowed_hosts: args.allowed_hosts.clone(),
        ..EmulatorConfig::default()
    })
}

pub fn faults(f: &FaultArgs) -> Result<Faults, Failure> {
    for (name, rate) in [
        ("--fail-rate", f.fail_rate),
        ("--drop-after-commit-rate", f.drop_after_commit_rate),
        ("--fail-after-commit-rate", f.fail_after_commit_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(bad_input(format!(
                "{name} must be between 0 and 1, not {rate}"
            )));
        }
    }
    if !(f.maintenance_secs >= 0.0 && f.maintenance_secs.is_finite()) {
        return Err(bad_input(format!(
            "--maintenance-secs must be 0 or more seconds, not {}",
            f.maintenance_secs
        )));
    }
    if ![500, 502, 503, 504].contains(&f.gateway_timeout_status) {
        return Err(bad_input(format!(
            "--gateway-timeout-status must be 500, 502, 503 or 504, not {}",
            f.gateway_timeout_status
        )));
    }
    let rate_limit_scope = match f.rate_limit_scope.as_str() {
        "instance" => RateScope::Instance,
        _ => RateScope::User,
    };
    Ok(Faults {
        latency_ms: f.latency_ms,
        fail_rate: f.fail_rate,
        drop_after_commit_rate: f.drop_after_commit_rate,
        fail_after_commit_rate: f.fail_after_commit_rate,
        rate_limit: f.rate_limit,
        rate_limit_scope,
        server_ms: f.server_ms,
        server_ms_per_result: f.server_ms_per_result,
        gateway_timeout_ms: f.gateway_timeout_ms,
        gateway_timeout_status: f.gateway_timeout_status,
        body_limit_bytes: f.body_limit_bytes,
        maintenance_secs: f.maintenance_secs,
        seed: f.seed,
    })
}

fn load_fixture(path: &std::path::Path) -> Result<testrail_emulator::Fixture, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad_input(format!("{}: cannot read the fixture: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        bad_input(format!(
            "{}:{}:{}: not a valid fixture: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

fn parse_pair(value: &str, flag: &str, shape: &str) -> Result<(String, String), Failure> {
    match value.split_once(':') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
        _ => Err(bad_input(format!(
            "{flag} takes {shape}, e.g. {flag} {}",
            example(shape)
        ))),
    }
}

fn example(shape: &str) -> &'static str {
    if shape.starts_with("EMAIL") {
        "ci@example.com:my-key"
    } else {
        "skipped:Skipped"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_beyond_loopback_is_warned_about_loopback_is_not() {
        for quiet in ["127.0.0.1:8080", "127.0.0.2:1", "[::1]:8080"] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for loud in ["0.0.0.0:8080", "[::]:8080", "192.168.1.5:8080"] {
            let w = exposure_warning(loud.parse().unwrap()).expect(loud);
            assert!(w.contains("reachable from other machines") && w.contains("--bind 127.0.0.1"));
        }
    }
}
