//! SQLite persistence: everything acknowledged survives a restart; cost of 10,000 results.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use testrail_api::models::{Case, Section};
use testrail_emulator::{EmulatorConfig, Fixture, demo_fixture};

fn db_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("testrail-emulator-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("emu.sqlite")
}

fn config(db: &Path) -> EmulatorConfig {
    EmulatorConfig {
        db: Some(db.to_path_buf()),
        fixture: Some(demo_fixture()),
        ..Default::default()
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let db = db_path("restart");
    let tr = common::with_config(config(&db)).await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1, 2, 3]}),
    )
    .await;
    let res = tr.okp("add_results_for_cases/1", json!({"results": [{"case_id": 1, "status_id": 5, "comment": "x"}, {"case_id": 2, "status_id": 1}]})).await;
    tr.okp("update_run/1", json!({"case_ids": [1, 2, 4]})).await;
    tr.okp(
        "add_case/2",
        json!({"title": "persisted case", "custom_preconds": "p"}),
    )
    .await;
    tr.okp("add_config_group/1", json!({"name": "OS"})).await;
    tr.okp("add_config/1", json!({"name": "Linux"})).await;
    let plan = tr.okp("add_plan/1", json!({"name": "P", "entries": [{"suite_id": 1, "config_ids": [1], "runs": [{"config_ids": [1]}]}]})).await;
    let part = reqwest::multipart::Part::bytes(b"log".to_vec()).file_name("a.log");
    let form = reqwest::multipart::Form::new().part("attachment", part);
    let rid = res[0]["id"].as_u64().unwrap();
    let up = tr
        .send(
            tr.http
                .post(tr.api(&format!("add_attachment_to_result/{rid}")))
                .basic_auth(&tr.user.0, Some(&tr.user.1))
                .multipart(form),
        )
        .await;
    assert_eq!(up.status, 200);
    tr.okp("close_run/1", json!({})).await;
    let before_run = tr.ok("get_run/1").await;
    let before_plan = tr.ok("get_plan/1").await;
    tr.emu.shutdown().await;

    let tr = common::with_config(config(&db)).await;
    let run = tr.ok("get_run/1").await;
    let strip_url = |mut v: serde_json::Value| {
        v["url"] = json!("");
        v
    };
    assert_eq!(
        strip_url(run.clone()),
        strip_url(before_run),
        "run identical after restart (only the port in its URL differs)"
    );
    assert_eq!(
        (
            run["failed_count"].as_u64(),
            run["passed_count"].as_u64(),
            run["untested_count"].as_u64(),
            run["is_completed"].as_bool()
        ),
        (Some(1), Some(1), Some(1), Some(true))
    );
    let tests = tr.ok("get_tests/1").await;
    let cases: Vec<u64> = tests["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["case_id"].as_u64().unwrap())
        .collect();
    assert_eq!(cases, [1, 2, 4]);
    assert_eq!(
        tr.ok("get_results_for_case/1/1").await["results"][0]["attachment_ids"],
        json!([1])
    );
    let raw = tr
        .http
        .get(tr.api("get_attachment/1"))
        .basic_auth(&tr.user.0, Some(&tr.user.1))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.bytes().await.unwrap().as_ref(), b"log");
    assert_eq!(tr.ok("get_case/41").await["custom_preconds"], "p");
    let plan_after = tr.ok("get_plan/1").await;
    assert_eq!(
        plan_after["entries"][0]["id"],
        before_plan["entries"][0]["id"]
    );
    assert_eq!(plan_after["entries"][0]["runs"][0]["config"], "Linux");
    assert_eq!(plan["id"], 1);
    // IDs continue, the fixture is not re-applied over stored data.
    assert_eq!(tr.okp("add_run/1", json!({"name": "after"})).await["id"], 3);
    assert_eq!(tr.okp("add_case/1", json!({"title": "c"})).await["id"], 42);
    assert_eq!(
        tr.okp("add_config/1", json!({"name": "Mac"})).await["id"],
        2
    );

    // A reset empties the database too.
    testrail_emulator::Emulator::reset(&tr.emu);
    tr.emu.shutdown().await;
    let tr = common::with_config(config(&db)).await;
    tr.bad_get("get_run/1", "Field :run is not a valid test run.")
        .await;
    assert_eq!(tr.ok("get_cases/1").await["size"], 40);
    tr.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

/// 1,000 cases, 10,000 results in 40 batches of 250, persisted after each batch, then a restart.
#[tokio::test]
async fn ten_thousand_results_persist_at_reasonable_cost() {
    let db = db_path("bulk");
    let mut fixture = Fixture { ..demo_fixture() };
    fixture.sections.push(Section {
        id: 6,
        suite_id: 1,
        name: "Bulk".into(),
        ..Default::default()
    });
    for id in 41..=1000 {
        fixture.cases.push(Case {
            id,
            title: format!("bulk case {id}"),
            section_id: 6,
            ..Default::default()
        });
    }
    let tr = common::with_config(EmulatorConfig {
        db: Some(db.clone()),
        fixture: Some(fixture.clone()),
        ..Default::default()
    })
    .await;
    tr.okp("add_run/1", json!({"name": "bulk"})).await;
    let t0 = Instant::now();
    for batch in 0..40u64 {
        let results: Vec<_> = (0..250u64)
            .map(|i| json!({"case_id": (batch * 250 + i) % 1000 + 1, "status_id": if i % 7 == 0 { 5 } else { 1 }, "comment": "x".repeat(200), "elapsed": "2s"}))
            .collect();
        let r = tr
            .okp("add_results_for_cases/1", json!({ "results": results }))
            .await;
        assert_eq!(r.as_array().unwrap().len(), 250);
    }
    let bulk = t0.elapsed();
    let t1 = Instant::now();
    for i in 0..200u64 {
        tr.okp(
            &format!("add_result_for_case/1/{}", i + 1),
            json!({"status_id": 1}),
        )
        .await;
    }
    let singles = t1.elapsed();
    tr.emu.shutdown().await;
    let t2 = Instant::now();
    let tr = common::with_config(EmulatorConfig {
        db: Some(db.clone()),
        fixture: Some(fixture),
        ..Default::default()
    })
    .await;
    let reload = t2.elapsed();
    eprintln!(
        "sqlite: 10,000 results in 40 requests: {bulk:?} ({:?}/request); 200 single results: {singles:?}; restart with 10,200 results: {reload:?}; db {} KiB",
        bulk / 40,
        std::fs::metadata(&db).map(|m| m.len() / 1024).unwrap_or(0)
    );
    let run = tr.ok("get_run/1").await;
    assert_eq!(
        run["passed_count"].as_u64().unwrap() + run["failed_count"].as_u64().unwrap(),
        1000
    );
    assert_eq!(
        tr.ok("get_results_for_run/1&limit=1").await["results"][0]["id"],
        10_200
    );
    tr.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
