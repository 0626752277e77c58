//! The server-time model and the gateway in front of it (issue 17): late commits behind a 504,
//! writes that survive a client hanging up, the 413 body limit, the 409 maintenance window,
//! per-instance vs per-user rate limits, 5xx after commit, and the stats that show all of it.
//! Every wait is bounded; no assertion depends on how fast the machine is.

mod common;

use std::time::Duration;

use common::{Tr, client, demo};
use serde_json::{Value, json};
use testrail_emulator::{Credential, EmulatorConfig, Faults, RateScope, demo_fixture};

/// Polls `get_results_for_run/1` until it holds `want` results (at most 5 s), returning the size.
async fn results_in_run_1(tr: &Tr, want: u64) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let size = tr.ok("get_results_for_run/1").await["size"]
            .as_u64()
            .unwrap();
        if size >= want || tokio::time::Instant::now() > deadline {
            return size;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn add_run_1(tr: &Tr) {
    tr.okp("add_run/1", json!({"name": "gateway", "include_all": true}))
        .await;
}

fn two_results() -> Value {
    json!({"results": [
        {"case_id": 1, "status_id": 1},
        {"case_id": 2, "status_id": 5, "comment": "late"}
    ]})
}

async fn post_faults(tr: &Tr, faults: Value) {
    let r = client()
        .post(format!("{}/_emulator/faults", tr.emu.url()))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "faults accepted: {faults}");
}

#[tokio::test]
async fn gateway_timeout_answers_504_html_and_the_write_commits_late() {
    let tr = demo().await;
    add_run_1(&tr).await;
    // 2 results × 400 ms of server work against a gateway that waits 50 ms.
    post_faults(
        &tr,
        json!({"server_ms_per_result": 400, "gateway_timeout_ms": 50}),
    )
    .await;
    let resp = tr
        .http
        .post(tr.api("add_results_for_cases/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .json(&two_results())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 504);
    assert_eq!(resp.headers()["content-type"], "text/html");
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("<title>504 Gateway Time-out</title>"),
        "{page}"
    );
    assert_eq!(tr.emu.stats().late_commits, 0, "not committed yet");

    assert_eq!(
        results_in_run_1(&tr, 2).await,
        2,
        "the batch committed after the 504"
    );
    // The late commit is counted once the work finishes; give the watcher a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while tr.emu.stats().late_commits == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = tr.emu.stats();
    assert_eq!(
        (stats.gateway_timeouts, stats.late_commits, stats.writes),
        (1, 1, 2),
        "one 504, one late commit (add_run + the batch written)"
    );
    assert_eq!(stats.answered("add_results_for_cases", "504"), 1);
    assert!(stats.server_ms_total >= 800);
}

#[tokio::test]
async fn a_cloud_style_gateway_answers_500_request_timed_out_and_the_write_still_commits() {
    let tr = demo().await;
    add_run_1(&tr).await;
    post_faults(
        &tr,
        json!({"server_ms_per_result": 200, "gateway_timeout_ms": 50, "gateway_timeout_status": 500}),
    )
    .await;
    let r = tr.post("add_results_for_cases/1", two_results()).await;
    assert_eq!((r.status, r.error()), (500, "Request timed out"));
    assert_eq!(results_in_run_1(&tr, 2).await, 2, "committed after the 500");
    let stats = tr.emu.stats();
    assert_eq!(stats.gateway_timeouts, 1);
    assert_eq!(stats.in_flight, 0, "every answered request left");
    assert!(stats.max_in_flight >= 1);
    let bad = client()
        .post(format!("{}/_emulator/faults", tr.emu.url()))
        .json(&json!({"gateway_timeout_status": 501}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "only statuses a gateway gives");
}

#[tokio::test]
async fn a_client_hanging_up_never_cancels_a_write_in_progress() {
    let tr = demo().await;
    add_run_1(&tr).await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    // Open the connection first, so the timeout below can only strike during the server work.
    let warm = impatient
        .get(tr.api("get_statuses"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);
    warm.bytes().await.unwrap();
    tr.emu.set_faults(Faults {
        server_ms: 1000,
        ..Default::default()
    });
    let err = impatient
        .post(tr.api("add_results_for_cases/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .json(&two_results())
        .send()
        .await
        .expect_err("the client gives up before the server answers");
    assert!(err.is_timeout(), "{err}");
    tr.emu.set_faults(Faults::default());
    assert_eq!(
        results_in_run_1(&tr, 2).await,
        2,
        "the write committed anyway, once"
    );
    let stats = tr.emu.stats();
    assert_eq!(stats.writes, 2, "add_run + the batch");
    assert_eq!(
        stats.answered("add_results_for_cases", "499"),
        1,
        "the hang-up was seen: {stats:?}"
    );
}

#[tokio::test]
async fn body_over_the_gateway_limit_gets_an_html_413_and_nothing_is_written() {
    let tr = demo().await;
    add_run_1(&tr).await;
    tr.emu.set_faults(Faults {
        body_limit_bytes: 4096,
        ..Default::default()
    });
    let big = json!({"results": [
        {"case_id": 1, "status_id": 1, "comment": "x".repeat(5000)}
    ]});
    let resp = tr
        .http
        .post(tr.api("add_results_for_cases/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["content-type"], "text/html");
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("<title>413 Request Entity Too Large</title>"),
        "{page}"
    );
    assert_eq!(results_in_run_1(&tr, 0).await, 0, "nothing written");
    let small = json!({"results": [
        {"case_id": 1, "status_id": 1, "comment": "x".repeat(3000)}
    ]});
    tr.okp("add_results_for_cases/1", small).await;
    let stats = tr.emu.stats();
    assert_eq!(stats.answered("add_results_for_cases", "413"), 1);
    assert_eq!(stats.answered("add_results_for_cases", "200"), 1);
}

#[tokio::test]
async fn maintenance_answers_409_with_retry_after_until_the_window_ends() {
    let tr = demo().await;
    post_faults(&tr, json!({"maintenance_secs": 1.0})).await;
    let r = tr.get("get_statuses").await;
    assert_eq!(r.status, 409);
    assert_eq!(r.headers["retry-after"], "1");
    assert!(r.error().contains("maintenance"), "{}", r.json);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut status = r.status;
    while status == 409 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = tr.get("get_statuses").await.status;
    }
    assert_eq!(status, 200, "the window ended");
    assert!(tr.emu.stats().status_codes["409"] >= 1);
}

fn two_users(limit: u32, scope: RateScope) -> EmulatorConfig {
    EmulatorConfig {
        users: vec![
            Credential::new("a@x.test", "a"),
            Credential::new("b@x.test", "b"),
        ],
        fixture: Some(demo_fixture()),
        faults: Faults {
            rate_limit: limit,
            rate_limit_scope: scope,
            ..Default::default()
        },
        rate_window: Duration::from_secs(60),
        ..Default::default()
    }
}

async fn as_b(tr: &Tr) -> u16 {
    tr.send(
        tr.http
            .get(tr.api("get_statuses"))
            .basic_auth("b@x.test", Some("b")),
    )
    .await
    .status
}

#[tokio::test]
async fn instance_rate_limit_is_shared_by_all_users_unlike_the_user_scope() {
    let tr = common::with_config(two_users(2, RateScope::Instance)).await;
    tr.ok("get_statuses").await;
    tr.ok("get_statuses").await;
    let refused = tr
        .send(
            tr.http
                .get(tr.api("get_statuses"))
                .basic_auth("b@x.test", Some("b")),
        )
        .await;
    assert_eq!(refused.status, 429, "b shares a's budget");
    assert!(
        refused
            .error()
            .starts_with("API Rate Limit Exceeded - 2 per minute maximum allowed. Retry after "),
        "{}",
        refused.json
    );
    assert!(refused.headers.contains_key("retry-after"));

    let tr = common::with_config(two_users(2, RateScope::User)).await;
    tr.ok("get_statuses").await;
    tr.ok("get_statuses").await;
    assert_eq!(tr.get("get_statuses").await.status, 429);
    assert_eq!(as_b(&tr).await, 200, "b has a budget of its own");

    let http = client();
    let set = http
        .post(format!("{}/_emulator/faults", tr.emu.url()))
        .json(&json!({"rate_limit": 2, "rate_limit_scope": "instance"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(tr.emu.faults().rate_limit_scope, RateScope::Instance);
}

#[tokio::test]
async fn failure_after_commit_answers_5xx_but_the_write_is_applied_once() {
    let tr = demo().await;
    add_run_1(&tr).await;
    post_faults(&tr, json!({"fail_after_commit_rate": 1.0, "seed": 5})).await;
    let r = tr.post("add_results_for_cases/1", two_results()).await;
    assert!([500, 502, 503].contains(&r.status), "status {}", r.status);
    // Reads are never failed after commit (they commit nothing).
    assert_eq!(results_in_run_1(&tr, 2).await, 2, "applied despite the 5xx");
    let stats = tr.emu.stats();
    assert_eq!((stats.failed_after_commit, stats.writes), (1, 2));
    assert_eq!(
        stats.answered("add_results_for_cases", &r.status.to_string()),
        1
    );
}

#[tokio::test]
async fn stats_count_per_status_and_per_connection() {
    let tr = demo().await;
    // One client: three requests over one kept-alive connection.
    for _ in 0..3 {
        tr.ok("get_statuses").await;
    }
    assert_eq!(tr.get("no_such_method").await.status, 404);
    // A second client opens a connection of its own.
    let other = client();
    let r = other
        .get(tr.api("get_statuses"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats: testrail_emulator::Stats = client()
        .get(format!("{}/_emulator/stats", tr.emu.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats.requests, 5);
    assert_eq!(stats.answered("get_statuses", "200"), 4);
    assert_eq!(stats.answered("no_such_method", "404"), 1);
    assert_eq!(stats.status_codes["200"], 4);
    assert_eq!(stats.connections_used, 2);
    assert_eq!(stats.max_requests_per_connection, 4);
    assert_eq!(
        stats
            .requests_per_connection
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(1, 1), (4, 1)]
    );
    // The stats request itself came on a third client's connection.
    assert!(stats.connections_opened >= 3);
}

#[tokio::test]
async fn error_texts_follow_real_servers() {
    let tr = demo().await;
    let r = tr.get("get_cases/1?suite_id=1").await;
    assert_eq!(
        (r.status, r.error()),
        (
            400,
            "Invalid characters in URI: [/api/v2/get_cases/1?suite_id]"
        )
    );
    let r = tr.get("non_existent_endpoint").await;
    assert_eq!(
        (r.status, r.error()),
        (404, "Unknown method 'non_existent_endpoint'")
    );
    tr.bad_get("get_run/99", "Field :run is not a valid test run.")
        .await;
    let bare = tr
        .send(
            tr.http
                .post(tr.api("add_run/1"))
                .basic_auth(&tr.user.0, Some(&tr.user.1))
                .body(r#"{"name": "no content type"}"#),
        )
        .await;
    assert_eq!(
        (bare.status, bare.error()),
        (
            400,
            "Content-Type header missing (use Content-Type: application/json)"
        )
    );
    let wrong = tr
        .send(
            tr.http
                .post(tr.api("add_run/1"))
                .basic_auth(&tr.user.0, Some(&tr.user.1))
                .header("content-type", "text/plain")
                .body(r#"{"name": "wrong content type"}"#),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.error()),
        (
            400,
            "Content-Type header invalid (use Content-Type: application/json)"
        )
    );
    add_run_1(&tr).await;
    tr.bad(
        "add_results_for_cases/1",
        json!({"results": [{"case_id": 999, "status_id": 1}]}),
        "Field :results contains one or more invalid results (case C999 unknown or not part of the test run)",
    )
    .await;
    tr.bad(
        "add_results_for_cases/1",
        json!({"results": [{"case_id": 1, "elapsed": "5s"}]}),
        "Field :results contains one or more invalid results (one of Status ID, Assigned To or Comment is required)",
    )
    .await;
    assert_eq!(tr.ok("get_runs/1").await["size"], 1, "only the valid run");
    assert_eq!(tr.ok("get_results_for_run/1").await["size"], 0, "no result");
}
