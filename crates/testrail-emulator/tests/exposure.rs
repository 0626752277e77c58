//! An emulator left running on a developer's machine is not a door for web pages: a page using
//! DNS rebinding (its own name re-pointed at 127.0.0.1, so the browser sends `Host: its-name`)
//! reads nothing, and a page elsewhere POSTing `text/plain` (no CORS preflight) resets and
//! changes nothing, not even the `--db` file. Requests are written by hand over TCP, so the
//! test controls the Host, Origin and Sec-Fetch-Site headers exactly as a browser would send
//! them.

mod common;

use std::path::PathBuf;

use serde_json::{Value, json};
use testrail_emulator::{EmulatorConfig, demo_fixture};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one HTTP/1.1 request with exactly these `headers`; answers (status, body).
async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[&str],
) -> (u16, String) {
    raw_with_body(addr, method, path, headers, "").await
}

async fn raw_with_body(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

fn db_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("testrail-emulator-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("emu.sqlite")
}

async fn run_count(tr: &common::Tr) -> usize {
    tr.ok("get_runs/1").await["runs"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_dns_rebinding_page_reads_nothing_and_resets_nothing() {
    let tr = common::demo().await;
    tr.okp("add_run/1", json!({"name": "kept", "include_all": true}))
        .await;
    let before = run_count(&tr).await;
    let addr = tr.emu.addr();
    let rebound = format!("Host: attacker.example:{}", addr.port());
    let auth = "Authorization: Basic ZGVtb0B0ZXN0cmFpbC1zeW5jLmxvY2FsOmRlbW8ta2V5";
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/index.php?/runs/view/1"),
        ("GET", "/attachments/1"),
        ("GET", "/_emulator/stats"),
        ("GET", "/index.php?/api/v2/get_runs/1"),
        ("POST", "/_emulator/reset"),
    ] {
        let (status, body) = raw(addr, method, path, &[&rebound, auth]).await;
        assert_eq!(status, 421, "{method} {path}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        let error = error["error"].as_str().unwrap();
        assert!(
            error.contains("--allowed-host attacker.example") && error.contains("localhost"),
            "{error}"
        );
    }
    assert_eq!(run_count(&tr).await, before, "the reset went through");
    // Names this machine answers to by default: IP addresses and localhost, any port (a TLS
    // front or proxy on this machine forwards its own).
    for host in ["localhost:1", "127.0.0.1", "[::1]:8443", "LocalHost"] {
        let (status, body) = raw(addr, "GET", "/", &[&format!("Host: {host}")]).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
}

#[tokio::test]
async fn an_allowed_host_name_is_answered_and_others_still_are_not() {
    let tr = common::with_config(EmulatorConfig {
        fixture: Some(demo_fixture()),
        allowed_hosts: vec!["ci-box.internal".into()],
        ..Default::default()
    })
    .await;
    let addr = tr.emu.addr();
    let (status, body) = raw(addr, "GET", "/", &["Host: CI-BOX.internal:8080"]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = raw(addr, "GET", "/", &["Host: ci-box.internal.evil.example"]).await;
    assert_eq!(status, 421, "{body}");
    assert!(
        body.contains("ci-box.internal"),
        "the allowed names are listed: {body}"
    );
    let bad = testrail_emulator::start(EmulatorConfig {
        allowed_hosts: vec!["http://ci-box/".into()],
        ..Default::default()
    })
    .await;
    let Err(e) = bad else {
        panic!("a URL is not a host name")
    };
    assert!(e.to_string().contains("--allowed-host"), "{e}");
}

#[tokio::test]
async fn a_cross_site_text_plain_reset_wipes_neither_the_store_nor_the_db_file() {
    let db = db_path("cross-site");
    let config = || EmulatorConfig {
        db: Some(db.clone()),
        fixture: Some(demo_fixture()),
        ..Default::default()
    };
    let tr = common::with_config(config()).await;
    tr.okp("add_run/1", json!({"name": "kept", "include_all": true}))
        .await;
    let before = run_count(&tr).await;
    let addr = tr.emu.addr();
    let host = format!("Host: 127.0.0.1:{}", addr.port());
    let plain = "Content-Type: text/plain";
    let cross_site = [
        vec![
            "Origin: https://attacker.example",
            "Sec-Fetch-Site: cross-site",
        ],
        vec!["Origin: https://attacker.example"],
        vec!["Sec-Fetch-Site: cross-site"],
        // A page served by another program on this machine (another port): same-site.
        vec!["Origin: http://127.0.0.1:3000", "Sec-Fetch-Site: same-site"],
        vec!["Origin: null"],
    ];
    for from in &cross_site {
        let mut headers = vec![host.as_str(), plain];
        headers.extend(from.iter().copied());
        for path in ["/_emulator/reset", "/_emulator/faults"] {
            let (status, body) =
                raw_with_body(addr, "POST", path, &headers, r#"{"fail_rate": 1}"#).await;
            assert_eq!(status, 403, "{path} {from:?}: {body}");
            assert!(body.contains("another site"), "{body}");
        }
        let auth = "Authorization: Basic ZGVtb0B0ZXN0cmFpbC1zeW5jLmxvY2FsOmRlbW8ta2V5";
        headers.push(auth);
        let (status, body) = raw_with_body(
            addr,
            "POST",
            "/index.php?/api/v2/add_run/1",
            &headers,
            r#"{"name": "forged"}"#,
        )
        .await;
        assert_eq!(status, 403, "API write {from:?}: {body}");
    }
    assert_eq!(tr.emu.faults().fail_rate, 0.0, "faults were changed");
    assert_eq!(
        run_count(&tr).await,
        before,
        "the store was reset or written"
    );
    tr.emu.shutdown().await;
    // The database file still holds the run.
    let again = common::with_config(config()).await;
    assert_eq!(run_count(&again).await, before, "the db file was wiped");
    // The emulator's own origin, and plain HTTP clients (no Origin), still may.
    let addr = again.emu.addr();
    let own = format!("Origin: http://127.0.0.1:{}", addr.port());
    let host = format!("Host: 127.0.0.1:{}", addr.port());
    let (status, body) = raw(
        addr,
        "POST",
        "/_emulator/reset",
        &[&host, &own, "Sec-Fetch-Site: same-origin"],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        run_count(&again).await,
        before - 1,
        "a same-origin reset works"
    );
}
