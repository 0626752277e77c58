//! Transport failures the emulator cannot produce (nothing listening, a non-TLS peer, a peer that
//! never answers or hangs up), driven by raw sockets on 127.0.0.1. These check how each failure
//! is classified and whether a write is re-sent.

use std::time::Duration;

use testrail_api::{ApiError, ApiKey, Client, ClientConfig, ErrorKind, ProxyOptions, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        deadline: Duration::from_secs(10),
    }
}

fn client(host: String, attempts: u32, timeout: Duration) -> Client {
    let mut cfg = ClientConfig::new(host, "qa@example.com", ApiKey::new("k3y"));
    cfg.retry = quick_retries(attempts);
    cfg.timeout = timeout;
    cfg.rate_limit_per_minute = None;
    Client::new(cfg).unwrap()
}

/// A peer that reads the request head, then does `answer` with the socket.
async fn peer<F>(answer: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> tokio::task::JoinHandle<()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            answer(socket);
        }
    });
    format!("{addr}")
}

async fn read_some(socket: &mut tokio::net::TcpStream) {
    let mut buf = vec![0u8; 8192];
    let _ = socket.read(&mut buf).await;
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_writes_then_reported() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let c = client(
        format!("http://127.0.0.1:{port}"),
        3,
        Duration::from_secs(5),
    );
    let err = c
        .post::<_, serde_json::Value>("add_run/1", &serde_json::json!({"name": "x"}))
        .await
        .unwrap_err();
    assert_eq!(
        c.request_count(),
        3,
        "a write that never left may be re-sent"
    );
    match &err {
        ApiError::GaveUp {
            attempts: 3, last, ..
        } => {
            assert!(matches!(**last, ApiError::Connect { .. }), "{last:?}")
        }
        other => panic!("expected GaveUp(Connect), got {other:?}"),
    }
    assert!(err.to_string().contains("check TESTRAIL_HOST"), "{err}");
}

#[tokio::test]
async fn a_non_tls_peer_is_a_tls_error_and_not_retried() {
    let addr = peer(|mut socket| {
        tokio::spawn(async move {
            read_some(&mut socket).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]")
                .await;
        })
    })
    .await;
    let c = client(format!("https://{addr}"), 3, Duration::from_secs(5));
    let err = c.get_statuses().await.unwrap_err();
    assert!(matches!(err, ApiError::Tls { .. }), "{err:?}");
    assert_eq!(c.request_count(), 1);
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn a_silent_server_times_out_reads_retry_and_writes_are_ambiguous() {
    let addr = peer(|mut socket| {
        tokio::spawn(async move {
            read_some(&mut socket).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
    })
    .await;
    let c = client(format!("http://{addr}"), 2, Duration::from_millis(200));
    let err = c.get_run(1).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::GaveUp { attempts: 2, last, .. } if matches!(**last, ApiError::Timeout { .. })),
        "{err:?}"
    );
    assert_eq!(c.request_count(), 2);

    let err = c.add_run(1, &Default::default()).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(c.request_count(), 3, "the timed-out write was not re-sent");
}

#[tokio::test]
async fn a_peer_hanging_up_after_the_request_makes_writes_ambiguous() {
    let addr = peer(|mut socket| {
        tokio::spawn(async move {
            read_some(&mut socket).await;
            drop(socket);
        })
    })
    .await;
    let c = client(format!("http://{addr}"), 3, Duration::from_secs(5));
    let err = c.add_results_for_cases(1, &[]).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(c.request_count(), 1);

    let err = c.get_tests(1).await.unwrap_err();
    assert!(
        matches!(err, ApiError::GaveUp { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(c.request_count(), 4);

    // Idempotent writes are retried like reads.
    let err = c.update_run(1, &Default::default()).await.unwrap_err();
    assert!(
        matches!(err, ApiError::GaveUp { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(c.request_count(), 7);
}

/// A peer answering every request with `answer` (a whole HTTP/1.1 response).
async fn answering(answer: &'static [u8]) -> String {
    peer(move |mut socket| {
        tokio::spawn(async move {
            read_some(&mut socket).await;
            let _ = socket.write_all(answer).await;
        })
    })
    .await
}

#[tokio::test]
async fn a_proxy_asking_for_credentials_is_final_and_named_without_its_password() {
    let proxy = answering(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\
          Content-Length: 0\r\n\r\n",
    )
    .await;
    let mut cfg = ClientConfig::new("https://127.0.0.1:9", "qa@example.com", ApiKey::new("k3y"));
    cfg.retry = quick_retries(3);
    cfg.rate_limit_per_minute = None;
    cfg.proxy = ProxyOptions {
        explicit: Some(format!("http://bob:wrong-pass@{proxy}")),
        ..ProxyOptions::default()
    };
    let c = Client::new(cfg).unwrap();
    assert_eq!(
        c.proxy(),
        Some((format!("http://{proxy}").as_str(), "--proxy"))
    );
    let err = c.get_statuses().await.unwrap_err();
    assert!(matches!(err, ApiError::ProxyAuth { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Proxy);
    assert_eq!(c.request_count(), 1, "a 407 is not retried");
    let text = err.to_string();
    assert!(
        text.contains(&format!("http://{proxy}")) && text.contains("407"),
        "{text}"
    );
    assert!(!text.contains("wrong-pass") && !format!("{err:?}").contains("wrong-pass"));
}

#[tokio::test]
async fn redirects_and_web_pages_are_final_and_say_what_they_are() {
    let moved = answering(
        b"HTTP/1.1 302 Found\r\nLocation: https://sso.example.com/login?return=%2Fapi\r\n\
          Content-Length: 0\r\n\r\n",
    )
    .await;
    let c = client(format!("http://{moved}"), 3, Duration::from_secs(5));
    let err = c.get_statuses().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    assert!(
        err.to_string()
            .contains("to https://sso.example.com/login;"),
        "{err}"
    );
    assert_eq!(c.request_count(), 1);

    let page = answering(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n\
          <html><title>Acme Login</title></html>\n\n",
    )
    .await;
    let c = client(format!("http://{page}"), 3, Duration::from_secs(5));
    let err = c.get_statuses().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotTestRail, "{err:?}");
    assert!(err.to_string().contains("\"Acme Login\""), "{err}");
    assert_eq!(c.request_count(), 1);
}
