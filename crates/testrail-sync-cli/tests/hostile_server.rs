//! `report` against servers (or proxies) that answer badly on purpose, on 127.0.0.1:
//! - an error page echoing the request's `Authorization` header and the key percent-encoded:
//!   no form of the key (plain, `email:key`, base64 in any alphabet, percent-encoded) appears
//!   on stdout or stderr, with `--format json` or at trace level, and the failure is still
//!   explained;
//! - a 200 whose body never ends: the sync stops with the size error, quickly, retrying nothing,
//!   and the server sees the client hang up.

mod common;
mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use support::*;

const EMAIL: &str = "echo.tester@example.com";
const KEY: &str = "Pq7/echoed+KEY 9931";

fn forms() -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let pair = format!("{EMAIL}:{KEY}");
    let mut out = vec![KEY.to_owned(), pair.clone(), "echoed+KEY".to_owned()];
    for e in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        out.push(e.encode(&pair));
        out.push(e.encode(KEY));
    }
    out.push(STANDARD.encode(&pair)[4..28].to_owned());
    out.push("Pq7%2Fechoed%2BKEY%209931".to_owned());
    out.push("Pq7%2fechoed%2bKEY+9931".to_owned());
    out
}

fn read_head(socket: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Answers every request with `status` and a body quoting its Authorization header (JSON
/// `{"error": …}` or plain text), the Basic value URL-safe, and the key percent-encoded.
fn echoing(status: &'static str, json: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let head = read_head(&mut stream);
            let auth = head
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                        .map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_default();
            let raw = base64::engine::general_purpose::STANDARD
                .decode(auth.trim_start_matches("Basic "))
                .unwrap_or_default();
            let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
            let text = format!(
                "Invalid request. Debug: Authorization: {auth}; token={url_safe}; \
                 query key=Pq7%2Fechoed%2BKEY%209931"
            );
            let body = if json {
                serde_json::json!({ "error": text }).to_string()
            } else {
                text
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {}\r\nRetry-After: 0\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                if json {
                    "application/json"
                } else {
                    "text/plain"
                },
                body.len()
            );
        }
    });
    url
}

fn run(env: &Env, host: &str, args: &[&str], trace: bool) -> Output {
    let mut cmd = env.cmd();
    cmd.env("TESTRAIL_HOST", host)
        .env("TESTRAIL_USER", EMAIL)
        .env("TESTRAIL_API_KEY", KEY)
        .args(args);
    if trace {
        cmd.env("RUST_LOG", "trace");
    }
    cmd.output().unwrap()
}

#[test]
fn an_error_page_echoing_the_authorization_header_prints_no_form_of_the_key() {
    let env = Env::start(fixture_with_cases(1..=3));
    let report = env.write_file("r.xml", junit_for(1..=3).as_bytes());
    let report = report.to_str().unwrap();
    for (status, json) in [
        ("400 Bad Request", true),
        ("503 Service Unavailable", false),
    ] {
        let host = echoing(status, json);
        for (args, trace) in [
            (vec!["report", report, "--project-id", "1"], false),
            (
                vec![
                    "-vvv",
                    "report",
                    report,
                    "--project-id",
                    "1",
                    "--format",
                    "json",
                ],
                true,
            ),
        ] {
            let o = run(&env, &host, &args, trace);
            let all = format!("{}\n{}", stdout(&o), stderr(&o));
            assert_ne!(o.status.code(), Some(0), "{all}");
            for form in forms() {
                assert!(
                    !all.contains(&form),
                    "{status} {args:?}: {form:?} leaked:\n{all}"
                );
            }
            // Still explained: the status and the server's text, with the secret masked.
            assert!(
                all.contains("Authorization: Basic ***") && all.contains(&status[..3]),
                "{status} {args:?}:\n{all}"
            );
            if args.contains(&"json") {
                let message = json_error_message(&o);
                assert!(message.contains("***"), "{message}");
            }
        }
    }
}

fn json_error_message(o: &Output) -> String {
    let v = json(o);
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A 200 whose body never ends: 64 KiB chunks until the client hangs up, at most 1 GiB.
/// Answers its URL, the request lines seen and the body bytes sent.
fn endless() -> (String, Arc<Mutex<Vec<String>>>, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let sent = Arc::new(AtomicU64::new(0));
    let (r, s) = (Arc::clone(&requests), sent.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let head = read_head(&mut stream);
            let line = head.lines().next().unwrap_or("").to_owned();
            r.lock().unwrap().push(line);
            let chunk = vec![b' '; 64 * 1024];
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
            );
            while s.load(Ordering::SeqCst) < 1 << 30 && stream.write_all(&chunk).is_ok() {
                s.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
    });
    (url, requests, sent)
}

#[test]
fn an_endless_answer_stops_the_sync_at_the_cap_without_retrying() {
    let env = Env::start(fixture_with_cases(1..=3));
    let report = env.write_file("r.xml", junit_for(1..=3).as_bytes());
    let (host, requests, sent) = endless();
    let started = Instant::now();
    let o = run(
        &env,
        &host,
        &[
            "report",
            report.to_str().unwrap(),
            "--project-id",
            "1",
            "--format",
            "json",
        ],
        false,
    );
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
    assert!(json_error_message(&o).contains("larger than 64 MiB"));
    // The start-up reads each met the endless body once: none was retried.
    let mut lines = requests.lock().unwrap().clone();
    let total = lines.len();
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), total, "retried: {lines:?}\n{err}");
    assert!(started.elapsed() < Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    let sent = sent.load(Ordering::SeqCst);
    assert!(sent < 128 << 20, "the client kept reading: {sent} bytes");
}
