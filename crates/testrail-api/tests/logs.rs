//! Everything the client logs at TRACE, across successes and every kind of failure, must be free
//! of the API key — raw or inside the Basic `Authorization` value. One test per binary so the
//! capturing subscriber sees every callsite.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use testrail_api::models::{NewResult, RunFields};
use testrail_api::{ApiKey, Client, ClientConfig, RetryPolicy};
use testrail_emulator::{Credential, EmulatorConfig, Faults};
use tracing_subscriber::fmt::MakeWriter;

const USER: &str = "logs@example.com";
const KEY: &str = "Zq7-very-secret-KEY-4711";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

fn client(url: String, key: &str, timeout: Duration) -> Client {
    let mut cfg = ClientConfig::new(url, USER, ApiKey::new(key));
    cfg.rate_limit_per_minute = None;
    cfg.timeout = timeout;
    cfg.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
    };
    Client::new(cfg).unwrap()
}

#[tokio::test]
async fn trace_logs_never_contain_the_key() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = testrail_emulator::start(EmulatorConfig {
        bind: ([127, 0, 0, 1], 0).into(),
        users: vec![Credential {
            email: USER.into(),
            key: KEY.into(),
        }],
        fixture: Some(testrail_emulator::demo_fixture()),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let c = client(emu.url(), KEY, Duration::from_secs(10));

    // Successes: reads, a paginated read, writes with bodies, an upload.
    c.get_statuses().await.unwrap();
    let project = c.get_projects().await.unwrap()[0].clone();
    let run = c
        .add_run(
            project.id,
            &RunFields {
                name: Some("logs".into()),
                include_all: Some(true),
                ..Default::default()
            },
        )
        .await;
    if let Ok(run) = &run {
        let _ = c
            .add_attachment_to_run(run.id, "log.txt", b"attached".to_vec())
            .await;
        let results = [NewResult {
            case_id: Some(1),
            status_id: Some(1),
            ..Default::default()
        }];
        let _ = c.add_results_for_cases(run.id, &results).await;
    }
    // Failures: 400, 404, 5xx with retries, a dropped connection, a timeout, a 401.
    let _ = c.get_run(999_999).await;
    let _ = c.get::<serde_json::Value>("get_nothing").await;
    emu.set_faults(Faults {
        fail_rate: 1.0,
        seed: 2,
        ..Faults::default()
    });
    let _ = c.get_statuses().await;
    let _ = c
        .add_run(
            project.id,
            &RunFields {
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .await;
    emu.set_faults(Faults {
        drop_after_commit_rate: 1.0,
        seed: 2,
        ..Faults::default()
    });
    let _ = c
        .add_run(
            project.id,
            &RunFields {
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .await;
    emu.set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });
    let _ = client(emu.url(), KEY, Duration::from_millis(100))
        .get_statuses()
        .await;
    emu.set_faults(Faults::default());
    let wrong_key = "Wr0ng-secret-KEY-0815";
    let _ = client(emu.url(), wrong_key, Duration::from_secs(10))
        .get_statuses()
        .await;
    // And the errors themselves, formatted every way.
    let e = c.get_run(999_999).await.unwrap_err();
    tracing::error!("{e} / {e:?} / {c:?}");

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    if std::env::var_os("SHOW_CAPTURED_LOGS").is_some() {
        eprintln!("{text}");
    }
    assert!(
        text.contains("get_statuses") && text.contains("TRACE"),
        "logging was captured:\n{text}"
    );
    assert!(text.contains("add_run"), "{text}");
    // Keep-alive: consecutive calls share one connection (hyper-util's own trace wording).
    assert!(text.contains("reuse idle connection"), "{text}");
    for secret in [KEY, wrong_key] {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{secret}"));
        assert!(!text.contains(secret), "the key leaked into the logs");
        assert!(
            !text.contains(&basic),
            "the Basic credentials leaked into the logs"
        );
        assert!(
            !text.contains(&basic[..basic.len() - 4]),
            "a Basic prefix leaked into the logs"
        );
    }
    assert!(
        !text.to_ascii_lowercase().contains("authorization"),
        "no headers in logs"
    );
}
