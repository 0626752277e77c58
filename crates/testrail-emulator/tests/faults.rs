//! Faults (latency, 5xx, drop-after-commit) and the per-user sliding-window rate limit.

mod common;

use std::time::{Duration, Instant};

use common::{client, demo};
use serde_json::json;
use testrail_emulator::{Credential, EmulatorConfig, Faults, demo_fixture};

#[tokio::test]
async fn fail_rate_answers_5xx_before_applying_anything() {
    let tr = demo().await;
    let http = client();
    let set = http
        .post(format!("{}/_emulator/faults", tr.emu.url()))
        .json(&json!({"fail_rate": 1.0, "seed": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(tr.emu.faults().fail_rate, 1.0);
    for _ in 0..5 {
        let r = tr.post("add_run/1", json!({"name": "never"})).await;
        assert!([500, 502, 503].contains(&r.status), "status {}", r.status);
        assert!(r.error().contains("nothing was applied"));
    }
    tr.emu.set_faults(Faults::default());
    assert_eq!(tr.ok("get_runs/1").await["size"], 0);
    let stats = tr.emu.stats();
    assert_eq!(
        (stats.requests, stats.writes, stats.endpoints["add_run"]),
        (6, 0, 5),
        "faulted requests are counted"
    );

    let bad = http
        .post(format!("{}/_emulator/faults", tr.emu.url()))
        .json(&json!({"fail_rate": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let bad = http
        .post(format!("{}/_emulator/faults", tr.emu.url()))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn dropped_writes_are_applied_but_the_client_sees_an_error() {
    let tr = demo().await;
    tr.emu.set_faults(Faults {
        drop_after_commit_rate: 1.0,
        seed: 1,
        ..Default::default()
    });
    let req = tr
        .http
        .post(tr.api("add_run/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .json(&json!({"name": "landed"}));
    let outcome = match req.send().await {
        Ok(resp) => resp.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(
        outcome.is_err(),
        "the client must not get a complete answer"
    );
    // Reads are never dropped.
    let runs = tr.ok("get_runs/1").await;
    assert_eq!(
        (runs["size"].as_u64(), runs["runs"][0]["name"].as_str()),
        (Some(1), Some("landed")),
        "the write landed"
    );
    let bulk = tr
        .http
        .post(tr.api("add_results_for_cases/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .json(&json!({"results": [{"case_id": 1, "status_id": 1}]}));
    let outcome = match bulk.send().await {
        Ok(resp) => resp.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(outcome.is_err());
    tr.emu.set_faults(Faults::default());
    assert_eq!(tr.ok("get_results_for_run/1").await["size"], 1);
    let stats = tr.emu.stats();
    assert_eq!((stats.writes, stats.status_codes["dropped"]), (2, 2));
    // Per endpoint: which call each fault hit (tests use this to prove their fault happened).
    assert_eq!(stats.answered("add_run", "dropped"), 1);
    assert_eq!(stats.answered("add_results_for_cases", "dropped"), 1);
    assert_eq!(stats.answered("get_runs", "200"), 1);
}

#[tokio::test]
async fn latency_delays_every_api_request() {
    let tr = demo().await;
    tr.emu.set_faults(Faults {
        latency_ms: 150,
        ..Default::default()
    });
    let t0 = Instant::now();
    tr.ok("get_statuses").await;
    assert!(t0.elapsed() >= Duration::from_millis(150));
}

fn limited(limit: u32, window: Duration) -> EmulatorConfig {
    EmulatorConfig {
        users: vec![
            Credential::new("a@x.test", "a"),
            Credential::new("b@x.test", "b"),
        ],
        fixture: Some(demo_fixture()),
        faults: Faults {
            rate_limit: limit,
            ..Default::default()
        },
        rate_window: window,
        ..Default::default()
    }
}

#[tokio::test]
async fn rate_limit_is_per_user_with_retry_after() {
    let tr = common::with_config(limited(3, Duration::from_millis(1500))).await;
    for _ in 0..3 {
        tr.ok("get_statuses").await;
    }
    let r = tr.get("get_statuses").await;
    assert_eq!(r.status, 429);
    assert!(
        r.error()
            .starts_with("API Rate Limit Exceeded - 3 per minute maximum allowed. Retry after")
    );
    let retry: u64 = r.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("integer seconds");
    assert!((1..=2).contains(&retry), "retry-after {retry}");
    let other = tr
        .send(
            tr.http
                .get(tr.api("get_statuses"))
                .basic_auth("b@x.test", Some("b")),
        )
        .await;
    assert_eq!(other.status, 200, "the limit is per user");
    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(
        tr.get("get_statuses").await.status,
        200,
        "waiting Retry-After is enough"
    );
    assert_eq!(tr.emu.stats().status_codes["429"], 1);
}

#[tokio::test]
async fn evenly_paced_client_never_sees_429() {
    let window = Duration::from_secs(2);
    let tr = common::with_config(limited(4, window)).await;
    let step = window / 4;
    let t0 = tokio::time::Instant::now();
    for i in 0..9u32 {
        tokio::time::sleep_until(t0 + step * i).await;
        let r = tr.get("get_statuses").await;
        assert_eq!(r.status, 200, "request {i} refused");
    }
    // Burst after that: the fifth request inside one window is refused.
    let codes: Vec<u16> = futures_burst(&tr, 5).await;
    assert!(codes.contains(&429));
}

async fn futures_burst(tr: &common::Tr, n: usize) -> Vec<u16> {
    let mut codes = vec![];
    for _ in 0..n {
        codes.push(tr.get("get_statuses").await.status);
    }
    codes
}

#[tokio::test]
async fn faults_at_start_from_config() {
    let config = EmulatorConfig {
        faults: Faults {
            fail_rate: 1.0,
            seed: 9,
            ..Default::default()
        },
        ..Default::default()
    };
    let tr = common::with_config(config).await;
    assert!(tr.get("get_statuses").await.status >= 500);
    let bad = testrail_emulator::start(EmulatorConfig {
        faults: Faults {
            fail_rate: 1.5,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    assert!(bad.is_err());
}
