//! Auth, projects/suites/sections/cases, pagination and request-level errors over real HTTP.

mod common;

use common::{demo, empty};
use serde_json::json;

#[tokio::test]
async fn auth_wrong_missing_and_other_keys() {
    let tr = demo().await;
    let url = tr.api("get_projects");
    let none = tr.send(tr.http.get(&url)).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.error(),
        "Authentication failed: invalid or missing user/password or session cookie."
    );
    let wrong = tr
        .send(
            tr.http
                .get(&url)
                .basic_auth(testrail_emulator::DEMO_EMAIL, Some("nope")),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let garbage = tr
        .send(tr.http.get(&url).header("authorization", "Basic %%%"))
        .await;
    assert_eq!(garbage.status, 401);
    // The email is matched case-insensitively, the key exactly.
    let upper = tr
        .send(
            tr.http
                .get(&url)
                .basic_auth("DEMO@testrail-sync.local", Some("demo-key")),
        )
        .await;
    assert_eq!(upper.status, 200);
}

#[tokio::test]
async fn several_keys_for_one_email_and_forbidden_writes() {
    use testrail_emulator::{Credential, EmulatorConfig, Fixture};
    let reader = testrail_api::models::User {
        id: 7,
        name: "Reader".into(),
        email: "reader@x.test".into(),
        is_active: true,
        role: Some("Read-only".into()),
        ..Default::default()
    };
    let mut fixture = testrail_emulator::demo_fixture();
    fixture.users.push(reader);
    let config = EmulatorConfig {
        users: vec![
            Credential::new("a@x.test", "k1"),
            Credential::new("a@x.test", "k2"),
            Credential::new("reader@x.test", "r"),
        ],
        fixture: Some(Fixture { ..fixture }),
        ..Default::default()
    };
    assert!(
        !format!("{:?}", config.users[0]).contains("k1"),
        "Debug hides the key"
    );
    let tr = common::with_config(config).await;
    let url = tr.api("get_current_user");
    for key in ["k1", "k2"] {
        let r = tr
            .send(tr.http.get(&url).basic_auth("a@x.test", Some(key)))
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json["email"], "a@x.test");
    }
    let read = tr
        .send(
            tr.http
                .get(tr.api("get_case/1"))
                .basic_auth("reader@x.test", Some("r")),
        )
        .await;
    assert_eq!(read.status, 200);
    let write = tr
        .send(
            tr.http
                .post(tr.api("add_run/1"))
                .basic_auth("reader@x.test", Some("r"))
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(write.status, 403);
    assert_eq!(
        write.error(),
        "You are not allowed to add test runs (insufficient permissions)."
    );
}

#[tokio::test]
async fn projects_and_suite_modes() {
    let tr = empty().await;
    let page = tr.ok("get_projects").await;
    assert_eq!(page["projects"], json!([]));
    let p = tr
        .okp("add_project", json!({"name": "Single", "suite_mode": 1}))
        .await;
    assert_eq!(
        (p["id"].as_u64(), p["suite_mode"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        p["url"],
        format!("{}/index.php?/projects/overview/1", tr.emu.url())
    );
    let suites = tr.ok("get_suites/1").await;
    assert_eq!(suites["suites"][0]["name"], "Master");
    assert_eq!(suites["suites"][0]["is_master"], true);
    tr.bad(
        "add_suite/1",
        json!({"name": "Second"}),
        "Field :project_id is a single-suite project (suite_mode 1) and cannot have more test suites.",
    )
    .await;
    let multi = tr
        .okp("add_project", json!({"name": "Multi", "suite_mode": 3}))
        .await;
    assert_eq!(multi["id"], 2);
    assert_eq!(tr.ok("get_suites/2").await["size"], 0);
    let s = tr
        .okp("add_suite/2", json!({"name": "API", "description": "d"}))
        .await;
    assert_eq!(
        (s["id"].as_u64(), s["project_id"].as_u64()),
        (Some(2), Some(2))
    );
    // Multi-suite projects must name the suite.
    tr.bad(
        "add_run/2",
        json!({"name": "r"}),
        "Field :suite_id is a required field.",
    )
    .await;
    tr.bad_get("get_cases/2", "Field :suite_id is a required field.")
        .await;
    tr.bad(
        "add_project",
        json!({"name": "x", "suite_mode": 9}),
        "Field :suite_mode is not a valid suite mode (1, 2 or 3).",
    )
    .await;
    tr.bad("add_project", json!({}), "Field :name is a required field.")
        .await;
    tr.bad_get(
        "get_project/99",
        "Field :project_id is not a valid or accessible project.",
    )
    .await;
    let upd = tr
        .okp("update_project/2", json!({"is_completed": true}))
        .await;
    assert_eq!(upd["is_completed"], true);
    assert_eq!(tr.ok("get_projects&is_completed=0").await["size"], 1);
}

#[tokio::test]
async fn sections_and_cases_with_filters() {
    let tr = demo().await;
    let sections = tr.ok("get_sections/1").await;
    assert_eq!(sections["size"], 5);
    assert_eq!(sections["sections"][0]["name"], "Cart");
    let child = tr
        .okp("add_section/1", json!({"name": "Coupons", "parent_id": 1}))
        .await;
    assert_eq!(
        (
            child["id"].as_u64(),
            child["depth"].as_u64(),
            child["suite_id"].as_u64()
        ),
        (Some(6), Some(1), Some(1))
    );
    tr.bad(
        "add_section/1",
        json!({"name": "x", "parent_id": 99}),
        "Field :parent_id is not a valid section.",
    )
    .await;

    let all = tr.ok("get_cases/1&suite_id=1").await;
    assert_eq!(
        (all["size"].as_u64(), all["_links"]["next"].is_null()),
        (Some(40), true)
    );
    let cart = tr.ok("get_cases/1&section_id=1").await;
    assert_eq!(cart["size"], 8);
    let found = tr.ok("get_cases/1&filter=DISCOUNT").await;
    assert_eq!(
        found["size"], 2,
        "title filter is a case-insensitive substring"
    );
    let high = tr.ok("get_cases/1&priority_id=3,4").await;
    assert!(
        high["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["priority_id"] == 3 || c["priority_id"] == 4)
    );

    let c = tr
        .okp(
            "add_case/6",
            json!({"title": "Stack two coupons", "type_id": 3, "priority_id": 4, "estimate": "1m 30s",
                   "refs": "SHOP-1", "custom_preconds": "logged in", "custom_automation_id": "cart.coupons"}),
        )
        .await;
    assert_eq!(
        (
            c["id"].as_u64(),
            c["suite_id"].as_u64(),
            c["section_id"].as_u64()
        ),
        (Some(41), Some(1), Some(6))
    );
    assert_eq!(c["custom_automation_id"], "cart.coupons");
    assert_eq!(c["is_deleted"], 0);
    assert!(c["created_on"].as_i64().unwrap() > 1_600_000_000);
    let got = tr.ok("get_case/41").await;
    assert_eq!(got["custom_preconds"], "logged in");
    let upd = tr
        .okp(
            "update_case/41",
            json!({"title": "Stack coupons", "custom_preconds": null}),
        )
        .await;
    assert_eq!(
        (upd["title"].as_str(), upd["priority_id"].as_u64()),
        (Some("Stack coupons"), Some(4))
    );
    assert_eq!(tr.ok("get_cases/1&refs=SHOP-1").await["size"], 1);

    tr.bad(
        "add_case/6",
        json!({"title": "t", "type_id": 99}),
        "Field :type_id is not a valid case type.",
    )
    .await;
    tr.bad(
        "add_case/6",
        json!({"title": "t", "priority_id": 99}),
        "Field :priority_id is not a valid priority.",
    )
    .await;
    tr.bad(
        "add_case/6",
        json!({"title": "t", "estimate": "soon"}),
        "Field :estimate is not in a valid time span format.",
    )
    .await;
    tr.bad(
        "add_case/99",
        json!({"title": "t"}),
        "Field :section_id is not a valid section.",
    )
    .await;
    tr.bad("add_case/6", json!({}), "Field :title is a required field.")
        .await;

    assert_eq!(tr.post("delete_case/41", json!({})).await.status, 200);
    tr.bad_get("get_case/41", "Field :case_id is not a valid test case.")
        .await;
    assert_eq!(tr.ok("get_cases/1").await["size"], 40);
}

#[tokio::test]
async fn pagination_edges_and_links() {
    let tr = demo().await;
    let p1 = tr.ok("get_cases/1&suite_id=1&limit=15").await;
    assert_eq!(
        (
            p1["offset"].as_u64(),
            p1["limit"].as_u64(),
            p1["size"].as_u64()
        ),
        (Some(0), Some(15), Some(15))
    );
    assert_eq!(
        p1["_links"]["next"],
        "/api/v2/get_cases/1&suite_id=1&limit=15&offset=15"
    );
    assert!(p1["_links"]["prev"].is_null());
    // Follow next links the way trcli does.
    let mut ids = vec![];
    let mut next = Some("get_cases/1&suite_id=1&limit=15".to_owned());
    while let Some(path) = next {
        let page = tr.ok(&path).await;
        ids.extend(
            page["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_u64().unwrap()),
        );
        next = page["_links"]["next"]
            .as_str()
            .map(|n| n.trim_start_matches("/api/v2/").to_owned());
    }
    assert_eq!(ids, (1..=40).collect::<Vec<_>>());
    let last = tr.ok("get_cases/1&limit=15&offset=30").await;
    assert_eq!(last["size"], 10);
    assert!(last["_links"]["next"].is_null());
    assert_eq!(
        last["_links"]["prev"],
        "/api/v2/get_cases/1&limit=15&offset=15"
    );
    let exact = tr.ok("get_cases/1&limit=40").await;
    assert!(
        exact["_links"]["next"].is_null(),
        "no next link when the page ends exactly at the total"
    );
    let beyond = tr.ok("get_cases/1&offset=100").await;
    assert_eq!(beyond["size"], 0);
    assert_eq!(tr.ok("get_cases/1&limit=250").await["limit"], 250);
    assert_eq!(tr.ok("get_cases/1").await["limit"], 250);

    tr.bad_get(
        "get_cases/1&limit=0",
        "Field :limit is too small (minimum 1).",
    )
    .await;
    tr.bad_get(
        "get_cases/1&limit=251",
        "Field :limit is too large (maximum 250).",
    )
    .await;
    tr.bad_get(
        "get_cases/1&limit=-1",
        "Field :limit is not a valid natural number.",
    )
    .await;
    tr.bad_get(
        "get_cases/1&limit=o",
        "Field :limit is not a valid natural number.",
    )
    .await;
    tr.bad_get(
        "get_cases/1&offset=-1",
        "Field :offset is not a valid natural number.",
    )
    .await;
}

#[tokio::test]
async fn request_level_errors_never_break_the_store() {
    let tr = demo().await;
    let unknown = tr.get("get_everything").await;
    assert_eq!(
        (unknown.status, unknown.error()),
        (404, "Unknown method 'get_everything'")
    );
    // The wrong verb is a 404 with the verb lowercased, as real servers answer it.
    let wrong_method = tr.post("get_case/1", json!({})).await;
    assert_eq!(
        (wrong_method.status, wrong_method.error()),
        (404, "Unsupported HTTP method \"post\" for this action.")
    );
    let wrong_method = tr.get("add_run/1").await;
    assert_eq!(
        (wrong_method.status, wrong_method.error()),
        (404, "Unsupported HTTP method \"get\" for this action.")
    );
    let malformed = tr.post_raw("add_run/1", "{\"name\": ").await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed
            .error()
            .starts_with("The request body is not valid JSON"),
        "{}",
        malformed.error()
    );
    let array = tr.post_raw("add_run/1", "[1,2]").await;
    assert_eq!(
        (array.status, array.error()),
        (400, "The request body must be a JSON object.")
    );
    let non_utf8 = tr.post_raw("add_run/1", vec![0xff, 0xfe, 0x00]).await;
    assert_eq!(non_utf8.status, 400);
    tr.bad(
        "add_run/1",
        json!({"name": "r", "suite_id": "abc"}),
        "Field :suite_id is not a valid ID.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": ["r"]}),
        "Field :name is not a valid string.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": "r", "include_all": "maybe"}),
        "Field :include_all is not a valid boolean.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": "r", "include_all": false, "case_ids": "x,y"}),
        "Field :case_ids is not a valid ID.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": "r", "include_all": false, "case_ids": [1, 999]}),
        "Field :case_ids is not a valid ID.",
    )
    .await;
    tr.bad_get("get_case/abc", "Field :case_id is not a valid ID.")
        .await;
    tr.bad_get("get_case", "Field :case_id is a required field.")
        .await;

    // 65 MiB body: refused with a JSON error, and the server keeps working.
    let huge = vec![b' '; testrail_emulator::MAX_BODY + 1024 * 1024];
    let r = tr.post_raw("add_run/1", huge).await;
    assert_eq!(r.status, 413);
    assert!(r.error().contains("too large"));
    assert_eq!(
        tr.ok("get_runs/1").await["size"],
        0,
        "nothing was created by any bad request"
    );
    assert_eq!(tr.okp("add_run/1", json!({"name": "ok"})).await["id"], 1);
}

#[tokio::test]
async fn metadata_catalogues() {
    let tr = demo().await;
    let statuses = tr.ok("get_statuses").await;
    let names: Vec<&str> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "passed",
            "blocked",
            "untested",
            "retest",
            "failed",
            "custom_status1"
        ]
    );
    assert_eq!(statuses[5]["label"], "Skipped");
    assert_eq!(statuses[2]["is_untested"], true);
    assert!(
        tr.ok("get_priorities")
            .await
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["is_default"] == true)
    );
    assert!(tr.ok("get_case_types").await.as_array().unwrap().len() >= 10);
    assert_eq!(tr.ok("get_templates/1").await[0]["is_default"], true);
    let fields = tr.ok("get_case_fields").await;
    let auto = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["system_name"] == "custom_automation_id")
        .unwrap();
    assert_eq!(auto["is_active"], true);
    assert_eq!(auto["configs"][0]["context"]["is_global"], true);
    assert_eq!(
        tr.ok("get_result_fields").await[0]["system_name"],
        "custom_step_results"
    );
}
