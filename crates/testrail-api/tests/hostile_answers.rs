//! Answers a hostile or broken server (or a proxy in between) can send, from raw sockets on
//! 127.0.0.1: a body that never ends, one declared far too large, a huge error page, and an
//! error page echoing the request's `Authorization` header. Each test asserts the error type,
//! that nothing was retried when retrying cannot help, that the server was stopped reading
//! from (bounded by the test), and that no form of the key reaches a message.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use testrail_api::{ApiError, ApiKey, Client, ClientConfig, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const EMAIL: &str = "qa@example.com";
const KEY: &str = "Echo-Me/Key+42 secret";
/// The test's own bound on what a peer sends, far above any cap under test.
const PEER_LIMIT: u64 = 1 << 30;

fn client(host: String, cap: usize) -> Client {
    let mut cfg = ClientConfig::new(host, EMAIL, ApiKey::new(KEY));
    cfg.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        deadline: Duration::from_secs(20),
    };
    cfg.timeout = Duration::from_secs(20);
    cfg.rate_limit_per_minute = None;
    cfg.max_response_bytes = cap;
    Client::new(cfg).unwrap()
}

/// Requests seen and body bytes sent by a peer.
#[derive(Clone, Default)]
struct Seen {
    requests: Arc<AtomicU64>,
    sent: Arc<AtomicU64>,
}

/// Reads the request head and returns it.
async fn read_head(socket: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A peer answering `head` and then 64 KiB chunks until the client hangs up or
/// [`PEER_LIMIT`] is reached.
async fn endless(head: &'static str) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let counts = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counts = counts.clone();
            tokio::spawn(async move {
                read_head(&mut socket).await;
                counts.requests.fetch_add(1, Ordering::SeqCst);
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                while counts.sent.load(Ordering::SeqCst) < PEER_LIMIT {
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    counts.sent.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
            });
        }
    });
    (host, seen)
}

const ENDLESS_200: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[\"";

#[tokio::test]
async fn an_endless_body_stops_at_the_cap_with_too_large_and_is_not_retried() {
    let (host, seen) = endless(ENDLESS_200).await;
    let cap = 4 << 20;
    let c = client(host, cap);
    let started = Instant::now();
    let err = c.get::<serde_json::Value>("get_cases/1").await.unwrap_err();
    assert!(
        matches!(err, ApiError::TooLarge { limit, .. } if limit == cap),
        "{err:?}"
    );
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1, "retried");
    let text = err.to_string();
    assert!(
        text.contains("larger than 4 MiB") && text.contains("check that TESTRAIL_HOST"),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    // The client hung up: the peer stopped well before its own bound (socket buffers aside).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = seen.sent.load(Ordering::SeqCst);
    assert!(sent < 64 << 20, "the peer kept sending: {sent} bytes");
}

#[tokio::test]
async fn an_endless_answer_to_a_write_is_ambiguous_not_resent() {
    let (host, seen) = endless(ENDLESS_200).await;
    let c = client(host, 2 << 20);
    let err = c
        .post::<_, serde_json::Value>("add_run/1", &serde_json::json!({"name": "x"}))
        .await
        .unwrap_err();
    match &err {
        ApiError::Ambiguous { cause, .. } => {
            assert!(matches!(**cause, ApiError::TooLarge { .. }), "{cause:?}")
        }
        other => panic!("expected Ambiguous(TooLarge), got {other:?}"),
    }
    assert_eq!(
        seen.requests.load(Ordering::SeqCst),
        1,
        "a 2xx write was re-sent"
    );
}

#[tokio::test]
async fn a_body_declared_larger_than_the_cap_is_refused_before_reading() {
    let (host, seen) = endless(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n[",
    )
    .await;
    let c = client(host, 8 << 20);
    let err = c.get::<serde_json::Value>("get_runs/1").await.unwrap_err();
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_finite_body_over_the_cap_fails_and_one_under_it_is_read() {
    // 3 MiB of valid JSON: over a 2 MiB cap, under a 4 MiB one.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                read_head(&mut socket).await;
                let body = format!("[\"{}\"]", "y".repeat(3 << 20));
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
                let _ = socket.write_all(b"\r\n0\r\n\r\n").await;
            });
        }
    });
    let err = client(host.clone(), 2 << 20)
        .get::<serde_json::Value>("get_cases/1")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    let ok = client(host, 4 << 20)
        .get::<Vec<String>>("get_cases/1")
        .await
        .unwrap();
    assert_eq!(ok[0].len(), 3 << 20);
}

#[tokio::test]
async fn an_endless_error_page_is_read_only_in_part_and_still_explained() {
    let (host, seen) = endless(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nupstream exploded ",
    )
    .await;
    let c = client(host, 64 << 20);
    let err = c.get::<serde_json::Value>("get_cases/1").await.unwrap_err();
    assert_eq!(err.status(), Some(502), "{err:?}");
    assert!(err.to_string().contains("upstream exploded"), "{err}");
    // A 502 is retried (3 attempts), each reading only the start of the page.
    assert_eq!(seen.requests.load(Ordering::SeqCst), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(seen.sent.load(Ordering::SeqCst) < 64 << 20);
}

/// Every form of the credential an echo could carry.
fn forms() -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let pair = format!("{EMAIL}:{KEY}");
    vec![
        KEY.to_owned(),
        pair.clone(),
        STANDARD.encode(&pair),
        STANDARD.encode(&pair)[..24].to_owned(),
        URL_SAFE_NO_PAD.encode(&pair),
        "Echo-Me%2FKey%2B42%20secret".to_owned(),
        "Key+42".to_owned(),
    ]
}

/// A peer answering `status` with a body quoting the request's Authorization header, the
/// key percent-encoded and the Basic value URL-safe.
async fn echoing(status: &'static str, json: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let head = read_head(&mut socket).await;
                let auth = head
                    .lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                            .map(|(_, v)| v.trim().to_owned())
                    })
                    .unwrap_or_default();
                let b64 = auth.trim_start_matches("Basic ");
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
                let text = format!(
                    "debug: got Authorization: {auth} (url-safe {url_safe}), key=Echo-Me%2FKey%2B42%20secret"
                );
                let body = if json {
                    serde_json::json!({ "error": text }).to_string()
                } else {
                    text
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    if json {
                        "application/json"
                    } else {
                        "text/plain"
                    },
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    host
}

#[tokio::test]
async fn an_error_page_echoing_the_authorization_header_shows_no_form_of_the_key() {
    for (status, json) in [
        ("400 Bad Request", true),
        ("500 Internal Server Error", false),
    ] {
        let host = echoing(status, json).await;
        let err = client(host, 64 << 20)
            .get::<serde_json::Value>("get_projects")
            .await
            .unwrap_err();
        let text = format!("{err} {err:?} {}", err.testrail_message().unwrap_or(""));
        for form in forms() {
            assert!(!text.contains(&form), "{status}: {form:?} leaked in {text}");
        }
        assert!(
            text.contains("Authorization: Basic ***"),
            "still explained: {text}"
        );
    }
}
