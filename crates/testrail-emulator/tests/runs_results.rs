//! Runs, tests and results: scope, replace-on-update, counters, closing, atomic bulk adds.

mod common;

use common::demo;
use serde_json::json;

#[tokio::test]
async fn add_run_scope_include_all_and_case_ids() {
    let tr = demo().await;
    let all = tr
        .okp(
            "add_run/1",
            json!({"name": "Everything", "case_ids": [1, 2]}),
        )
        .await;
    assert_eq!(
        (all["include_all"].as_bool(), all["untested_count"].as_u64()),
        (Some(true), Some(40)),
        "include_all defaults to true"
    );
    let run = tr.okp("add_run/1", json!({"name": "Scoped", "include_all": false, "case_ids": [3, 1, 3, 7], "description": "ci"})).await;
    assert_eq!(run["id"], 2);
    assert_eq!(run["untested_count"], 3, "duplicates collapse");
    assert_eq!(
        run["url"],
        format!("{}/index.php?/runs/view/2", tr.emu.url())
    );
    for key in [
        "passed_count",
        "blocked_count",
        "retest_count",
        "failed_count",
        "custom_status1_count",
        "custom_status7_count",
    ] {
        assert_eq!(run[key], 0, "{key}");
    }
    assert!(
        run["plan_id"].is_null() && run["config_ids"] == json!([]) && run["completed_on"].is_null()
    );
    let tests = tr.ok("get_tests/2").await;
    let cases: Vec<u64> = tests["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["case_id"].as_u64().unwrap())
        .collect();
    assert_eq!(cases, [3, 1, 7]);
    assert_eq!(tests["tests"][0]["status_id"], 3);
    assert_eq!(
        tests["tests"][0]["title"],
        "Remove the last item empties the cart"
    );
    let t = tests["tests"][0]["id"].as_u64().unwrap();
    assert_eq!(tr.ok(&format!("get_test/{t}")).await["run_id"], 2);
    tr.bad(
        "add_run/1",
        json!({"include_all": false}),
        "Field :name is a required field.",
    )
    .await;
    tr.bad(
        "add_run/9",
        json!({"name": "x"}),
        "Field :project_id is not a valid or accessible project.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": "x", "suite_id": 5}),
        "Field :suite_id is not a valid test suite.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": "x", "milestone_id": 5}),
        "Field :milestone_id is not a valid milestone.",
    )
    .await;
    tr.bad(
        "add_run/1",
        json!({"name": "x", "assignedto_id": 5}),
        // testrail-observed 4.14: the runs text of TestRail's language file.
        "Field :assignedto_id is not a valid ID.",
    )
    .await;
    tr.bad_get("get_run/99", "Field :run is not a valid test run.")
        .await;
    tr.bad_get("get_test/9999", "Field :test_id is not a valid test.")
        .await;
    let runs = tr.ok("get_runs/1").await;
    assert_eq!(
        (runs["size"].as_u64(), runs["runs"][0]["id"].as_u64()),
        (Some(2), Some(2)),
        "newest first"
    );
}

#[tokio::test]
async fn update_run_replaces_the_case_set_and_keeps_results() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1, 2]}),
    )
    .await;
    tr.okp(
        "add_result_for_case/1/1",
        json!({"status_id": 5, "comment": "boom"}),
    )
    .await;
    let upd = tr.okp("update_run/1", json!({"case_ids": [2, 3]})).await;
    assert_eq!(
        (upd["untested_count"].as_u64(), upd["failed_count"].as_u64()),
        (Some(2), Some(0)),
        "case 1 dropped"
    );
    let cases: Vec<u64> = tr.ok("get_tests/1").await["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["case_id"].as_u64().unwrap())
        .collect();
    assert_eq!(cases, [2, 3]);
    tr.bad_get(
        "get_results_for_case/1/1",
        "No (active) test found for the run/case combination.",
    )
    .await;
    // Re-adding the case brings back the same test with its result.
    let back = tr
        .okp("update_run/1", json!({"case_ids": [1, 2, 3], "name": "R2"}))
        .await;
    assert_eq!(
        (back["failed_count"].as_u64(), back["name"].as_str()),
        (Some(1), Some("R2"))
    );
    assert_eq!(
        tr.ok("get_results_for_case/1/1").await["results"][0]["comment"],
        "boom"
    );
    let all = tr.okp("update_run/1", json!({"include_all": true})).await;
    assert_eq!(
        all["untested_count"].as_u64().unwrap() + all["failed_count"].as_u64().unwrap(),
        40
    );
    tr.bad(
        "update_run/1",
        json!({"include_all": false, "case_ids": [77]}),
        "Field :case_ids is not a valid ID.",
    )
    .await;
}

#[tokio::test]
async fn results_move_counters_and_validate() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1, 2, 3, 4]}),
    )
    .await;
    let tests = tr.ok("get_tests/1").await;
    let t1 = tests["tests"][0]["id"].as_u64().unwrap();
    let r = tr
        .okp(
            &format!("add_result/{t1}"),
            json!({"status_id": 1, "elapsed": "1m 5s", "version": "abc", "defects": "BUG-1",
        "custom_step_results": [{"content": "a", "status_id": 1}]}),
        )
        .await;
    assert_eq!(
        (
            r["id"].as_u64(),
            r["test_id"].as_u64(),
            r["status_id"].as_u64()
        ),
        (Some(1), Some(t1), Some(1))
    );
    assert_eq!(
        (
            r["elapsed"].as_str(),
            r["version"].as_str(),
            r["created_by"].as_u64()
        ),
        (Some("1m 5s"), Some("abc"), Some(1))
    );
    assert_eq!(r["attachment_ids"], json!([]));
    assert_eq!(r["custom_step_results"][0]["content"], "a");
    let for_case = tr
        .okp(
            "add_result_for_case/1/2",
            json!({"status_id": 6, "comment": "skipped"}),
        )
        .await;
    assert_eq!(for_case["status_id"], 6);
    let run = tr.ok("get_run/1").await;
    assert_eq!(
        (
            run["passed_count"].as_u64(),
            run["custom_status1_count"].as_u64(),
            run["untested_count"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let test = tr.ok(&format!("get_test/{t1}")).await;
    assert_eq!(test["status_id"], 1);

    tr.bad(
        &format!("add_result/{t1}"),
        json!({"status_id": 3}),
        "Field :status_id is not a valid status.",
    )
    .await;
    tr.bad(
        &format!("add_result/{t1}"),
        json!({"status_id": 42}),
        "Field :status_id is not a valid status.",
    )
    .await;
    tr.bad(
        &format!("add_result/{t1}"),
        json!({"status_id": 1, "elapsed": "0s"}),
        "Field :elapsed is not in a valid time span format.",
    )
    .await;
    tr.bad(
        &format!("add_result/{t1}"),
        json!({"status_id": 1, "elapsed": "fast"}),
        "Field :elapsed is not in a valid time span format.",
    )
    .await;
    tr.bad(
        &format!("add_result/{t1}"),
        json!({"status_id": "passed"}),
        "Field :status_id is not a valid ID.",
    )
    .await;
    tr.bad(
        "add_result/9999",
        json!({"status_id": 1}),
        "Field :test_id is not a valid test.",
    )
    .await;
    tr.bad(
        "add_result_for_case/1/30",
        json!({"status_id": 1}),
        "No (active) test found for the run/case combination.",
    )
    .await;
    tr.bad(
        "add_result_for_case/1/999",
        json!({"status_id": 1}),
        "Field :case_id is not a valid test case.",
    )
    .await;
    tr.bad(
        "add_result_for_case/9/1",
        json!({"status_id": 1}),
        "Field :run_id is not a valid test run.",
    )
    .await;
    assert_eq!(
        tr.ok("get_results_for_run/1").await["size"],
        2,
        "no failed add stored anything"
    );
}

#[tokio::test]
async fn bulk_results_are_atomic_and_in_request_order() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1, 2, 3]}),
    )
    .await;
    let body = json!({"results": [
        {"case_id": 3, "status_id": 5, "comment": "c3", "attachments": ["/tmp/x.png"]},
        {"case_id": 1, "status_id": 1},
        {"case_id": 3, "status_id": 1, "comment": "c3 again"},
    ]});
    let res = tr.okp("add_results_for_cases/1", body).await;
    let ids: Vec<u64> = res
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(res[0]["comment"], "c3");
    let run = tr.ok("get_run/1").await;
    assert_eq!(
        (run["passed_count"].as_u64(), run["untested_count"].as_u64()),
        (Some(2), Some(1)),
        "latest result wins"
    );

    let before = tr.ok("get_results_for_run/1").await["size"].clone();
    let cases = "add_results_for_cases/1";
    tr.bad(cases, json!({"results": [{"case_id": 1, "status_id": 1}, {"case_id": 30, "status_id": 1}]}),
        "Field :results contains one or more invalid results (case C30 unknown or not part of the test run)").await;
    tr.bad(
        cases,
        json!({"results": [{"case_id": 1, "status_id": 1}, {"status_id": 1}]}),
        "Field :results.case_id is a required field.",
    )
    .await;
    tr.bad(
        cases,
        json!({"results": [{"case_id": "C1", "status_id": 1}]}),
        "Field :results.case_id is not a valid ID.",
    )
    .await;
    tr.bad(
        cases,
        json!({"results": [{"case_id": 1, "status_id": 3}]}),
        "Field :results.status_id is not a valid status.",
    )
    .await;
    tr.bad(
        cases,
        json!({"results": [{"case_id": 1, "status_id": 1, "elapsed": "0s"}]}),
        "Field :results.elapsed is not in a valid time span format.",
    )
    .await;
    tr.bad(
        cases,
        json!({"results": []}),
        "Field :results cannot be empty (one result is required)",
    )
    .await;
    tr.bad(cases, json!({}), "Field :results is a required field.")
        .await;
    // Double-wrapped or not a list of objects: real servers say the case_id is missing.
    tr.bad(
        cases,
        json!({"results": {"results": [{"case_id": 1, "status_id": 1}]}}),
        "Field :results.case_id is a required field.",
    )
    .await;
    tr.bad(
        cases,
        json!({"results": [[{"case_id": 1, "status_id": 1}]]}),
        "Field :results.case_id is a required field.",
    )
    .await;
    tr.bad(
        cases,
        json!({"results": "1"}),
        "Field :results is not a valid array.",
    )
    .await;
    assert_eq!(
        tr.ok("get_results_for_run/1").await["size"],
        before,
        "a refused batch adds nothing"
    );

    let tests = tr.ok("get_tests/1").await;
    let t2 = tests["tests"][1]["id"].as_u64().unwrap();
    let by_test = tr
        .okp(
            "add_results/1",
            json!({"results": [{"test_id": t2, "status_id": 4}]}),
        )
        .await;
    assert_eq!(by_test[0]["test_id"], t2);
    tr.bad(
        "add_results/1",
        json!({"results": [{"status_id": 4}]}),
        "Field :results.test_id is a required field.",
    )
    .await;
    tr.bad("add_results/1", json!({"results": [{"test_id": 9999, "status_id": 4}]}),
        "Field :results contains one or more invalid results (test T9999 unknown or not part of the test run)").await;
}

#[tokio::test]
async fn reading_results_newest_first_with_filters() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1, 2]}),
    )
    .await;
    for s in [1, 5, 4] {
        tr.okp(
            "add_result_for_case/1/1",
            json!({"status_id": s, "defects": if s == 5 { "BUG-9" } else { "" }}),
        )
        .await;
    }
    tr.okp(
        "add_result_for_case/1/2",
        json!({"comment": "only a comment"}),
    )
    .await;
    let case = tr.ok("get_results_for_case/1/1").await;
    let statuses: Vec<u64> = case["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status_id"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [4, 5, 1]);
    assert_eq!(
        tr.ok("get_results_for_case/1/1&status_id=4,5").await["size"],
        2
    );
    assert_eq!(
        tr.ok("get_results_for_run/1&defects_filter=BUG-9").await["size"],
        1
    );
    let t = case["results"][0]["test_id"].as_u64().unwrap();
    let page = tr.ok(&format!("get_results/{t}&limit=1")).await;
    assert_eq!(
        page["_links"]["next"],
        format!("/api/v2/get_results/{t}&limit=1&offset=1")
    );
    let run = tr.ok("get_results_for_run/1").await;
    assert_eq!(run["results"][0]["comment"], "only a comment");
    assert!(run["results"][0]["status_id"].is_null());
    assert_eq!(
        tr.ok("get_run/1").await["untested_count"],
        1,
        "a comment-only result keeps the status"
    );
}

#[tokio::test]
async fn closed_runs_refuse_changes_and_delete_removes_everything() {
    let tr = demo().await;
    tr.okp(
        "add_run/1",
        json!({"name": "R", "include_all": false, "case_ids": [1]}),
    )
    .await;
    tr.okp("add_result_for_case/1/1", json!({"status_id": 1}))
        .await;
    let closed = tr.okp("close_run/1", json!({})).await;
    assert_eq!(closed["is_completed"], true);
    assert!(closed["completed_on"].as_i64().unwrap() > 0);
    assert_eq!(closed["passed_count"], 1);
    let msg = "This operation is not allowed. The test run is already completed.";
    tr.bad("add_result_for_case/1/1", json!({"status_id": 5}), msg)
        .await;
    tr.bad(
        "add_results_for_cases/1",
        json!({"results": [{"case_id": 1, "status_id": 5}]}),
        msg,
    )
    .await;
    tr.bad("update_run/1", json!({"name": "x"}), msg).await;
    tr.bad("close_run/1", json!({}), msg).await;
    assert_eq!(tr.ok("get_runs/1&is_completed=1").await["size"], 1);
    assert_eq!(tr.ok("get_runs/1&is_completed=0").await["size"], 0);
    let soft = tr.okp("delete_run/1&soft=1", json!({})).await;
    assert_eq!(soft["tests"], 1);
    // A completed run cannot be deleted (testrail-observed 4.11).
    let del = tr.post("delete_run/1", json!({})).await;
    assert_eq!(del.status, 403);
    tr.okp(
        "add_run/1",
        json!({"name": "open", "include_all": false, "case_ids": [1]}),
    )
    .await;
    tr.okp("add_result_for_case/2/1", json!({"status_id": 1}))
        .await;
    let del = tr.post("delete_run/2", json!({})).await;
    assert_eq!(del.status, 200);
    tr.bad_get("get_run/2", "Field :run is not a valid test run.")
        .await;
    tr.bad_get(
        "get_results_for_run/2",
        "Field :run_id is not a valid test run.",
    )
    .await;
    // IDs are never reused.
    assert_eq!(tr.okp("add_run/1", json!({"name": "next"})).await["id"], 3);
}

#[tokio::test]
async fn include_all_runs_pick_up_new_cases() {
    let tr = demo().await;
    tr.okp("add_run/1", json!({"name": "All"})).await;
    tr.okp(
        "add_run/1",
        json!({"name": "Some", "include_all": false, "case_ids": [1]}),
    )
    .await;
    tr.okp("add_case/1", json!({"title": "New cart case"}))
        .await;
    assert_eq!(tr.ok("get_run/1").await["untested_count"], 41);
    assert_eq!(tr.ok("get_run/2").await["untested_count"], 1);
    let failed = tr.ok("get_tests/1&status_id=5").await;
    assert_eq!(failed["size"], 0);
}

#[tokio::test]
async fn concurrent_writers_are_serialised_without_losing_results() {
    let tr = std::sync::Arc::new(demo().await);
    tr.okp("add_run/1", json!({"name": "R"})).await;
    let mut tasks = vec![];
    for w in 0..8u64 {
        let tr = tr.clone();
        tasks.push(tokio::spawn(async move {
            for b in 0..5u64 {
                let results: Vec<_> = (0..10u64)
                    .map(|i| json!({"case_id": (w * 50 + b * 10 + i) % 40 + 1, "status_id": 1}))
                    .collect();
                let r = tr
                    .okp("add_results_for_cases/1", json!({ "results": results }))
                    .await;
                assert_eq!(r.as_array().unwrap().len(), 10);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut ids: Vec<u64> = vec![];
    for offset in [0, 250] {
        let page = tr
            .ok(&format!("get_results_for_run/1&offset={offset}"))
            .await;
        ids.extend(
            page["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_u64().unwrap()),
        );
    }
    assert_eq!(
        ids,
        (1..=400).rev().collect::<Vec<_>>(),
        "400 results, IDs unique and dense, newest first"
    );
    assert_eq!(tr.emu.stats().writes, 41);
}
