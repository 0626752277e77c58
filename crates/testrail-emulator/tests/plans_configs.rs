//! Configurations, plans, plan entries (with configurations and runs), closing plans.

mod common;

use common::demo;
use serde_json::json;

async fn browsers(tr: &common::Tr) -> (u64, u64) {
    let g = tr
        .okp("add_config_group/1", json!({"name": "Browsers"}))
        .await;
    assert_eq!(
        (g["id"].as_u64(), g["project_id"].as_u64()),
        (Some(1), Some(1))
    );
    let chrome = tr.okp("add_config/1", json!({"name": "Chrome"})).await;
    let firefox = tr.okp("add_config/1", json!({"name": "Firefox"})).await;
    assert_eq!(chrome["group_id"], 1);
    (
        chrome["id"].as_u64().unwrap(),
        firefox["id"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn configs_list_and_errors() {
    let tr = demo().await;
    let (c, f) = browsers(&tr).await;
    assert_eq!((c, f), (1, 2));
    let configs = tr.ok("get_configs/1").await;
    assert_eq!(configs[0]["configs"][1]["name"], "Firefox");
    tr.bad(
        "add_config/9",
        json!({"name": "x"}),
        "Field :config_group_id is not a valid configuration group.",
    )
    .await;
    tr.bad(
        "add_config_group/1",
        json!({}),
        "Field :name is a required field.",
    )
    .await;
}

#[tokio::test]
async fn plan_with_entries_runs_and_counters() {
    let tr = demo().await;
    let (chrome, firefox) = browsers(&tr).await;
    let plan = tr
        .okp(
            "add_plan/1",
            json!({"name": "Release 1.0", "entries": [
                {"suite_id": 1, "include_all": false, "case_ids": [1, 2], "config_ids": [chrome, firefox],
                 "runs": [{"config_ids": [chrome]}, {"config_ids": [firefox], "case_ids": [3]}]}
            ]}),
        )
        .await;
    assert_eq!(plan["id"], 1);
    assert_eq!(
        plan["url"],
        format!("{}/index.php?/plans/view/1", tr.emu.url())
    );
    let entry = &plan["entries"][0];
    let entry_id = entry["id"].as_str().unwrap().to_owned();
    assert_eq!(entry_id.len(), 36, "entry IDs are UUID strings");
    assert_eq!(
        entry["name"], "Master",
        "entry name defaults to the suite name"
    );
    let runs = entry["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (
            runs[0]["config"].as_str(),
            runs[0]["untested_count"].as_u64()
        ),
        (Some("Chrome"), Some(2))
    );
    assert_eq!(
        (
            runs[1]["config"].as_str(),
            runs[1]["untested_count"].as_u64()
        ),
        (Some("Firefox"), Some(1))
    );
    assert_eq!(
        (runs[0]["plan_id"].as_u64(), runs[0]["entry_index"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(runs[0]["entry_id"], entry_id.as_str());
    assert_eq!(plan["untested_count"], 3);

    let run1 = runs[0]["id"].as_u64().unwrap();
    tr.okp(
        &format!("add_result_for_case/{run1}/1"),
        json!({"status_id": 1}),
    )
    .await;
    let got = tr.ok("get_plan/1").await;
    assert_eq!(
        (got["passed_count"].as_u64(), got["untested_count"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        got["entries"][0]["runs"][0]["id"], run1,
        "trcli reads entries[].runs[].id"
    );
    let list = tr.ok("get_plans/1").await;
    assert_eq!(list["size"], 1);
    assert!(
        list["plans"][0].get("entries").is_none(),
        "get_plans items have no entries"
    );
    assert_eq!(
        tr.ok("get_runs/1").await["size"],
        0,
        "plan runs are not in get_runs"
    );

    let plan_msg = "This operation is not allowed. The test run belongs to a test plan and cannot be edited independently.";
    tr.bad(
        &format!("update_run/{run1}"),
        json!({"case_ids": [1]}),
        plan_msg,
    )
    .await;
    let upd = tr
        .okp(
            &format!("update_plan_entry/1/{entry_id}"),
            json!({"case_ids": [1, 4], "name": "Renamed"}),
        )
        .await;
    assert_eq!(upd["name"], "Renamed");
    assert!(
        upd["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(
                |r| r["untested_count"].as_u64().unwrap() + r["passed_count"].as_u64().unwrap()
                    == 2
            )
    );
    let one = tr
        .okp(
            &format!("update_run_in_plan_entry/{run1}"),
            json!({"case_ids": [1, 4, 5]}),
        )
        .await;
    assert_eq!(one["untested_count"], 2);
    tr.bad(
        "update_plan_entry/1/not-an-entry",
        json!({}),
        "Field :entry_id is not a valid test plan entry.",
    )
    .await;
    tr.bad_get("get_plan/9", "Field :plan_id is not a valid test plan.")
        .await;
}

#[tokio::test]
async fn add_plan_entry_like_trcli_and_close_plan() {
    let tr = demo().await;
    let (chrome, _) = browsers(&tr).await;
    tr.okp("add_plan/1", json!({"name": "Nightly"})).await;
    // trcli --plan-id without configs: the run body itself.
    let e1 = tr.okp("add_plan_entry/1", json!({"suite_id": 1, "name": "CI run", "include_all": false, "case_ids": [1, 2, 3], "description": "d"})).await;
    let r1 = e1["runs"][0]["id"].as_u64().unwrap();
    assert_eq!(
        (
            e1["runs"][0]["untested_count"].as_u64(),
            e1["runs"][0]["name"].as_str()
        ),
        (Some(3), Some("CI run"))
    );
    // trcli --plan-id --config-ids.
    let e2 = tr
        .okp(
            "add_plan_entry/1",
            json!({"suite_id": 1, "name": "CI run", "config_ids": [chrome],
        "runs": [{"include_all": false, "case_ids": [1], "config_ids": [chrome]}]}),
        )
        .await;
    assert_eq!(
        (
            e2["runs"][0]["entry_index"].as_u64(),
            e2["runs"][0]["config_ids"].clone()
        ),
        (Some(2), json!([chrome]))
    );
    tr.bad(
        "add_plan_entry/1",
        json!({"name": "x"}),
        "Field :suite_id is a required field.",
    )
    .await;
    tr.bad(
        "add_plan_entry/1",
        json!({"suite_id": 1, "config_ids": [99]}),
        "Field :config_ids is not a valid ID.",
    )
    .await;
    tr.bad(
        "add_plan_entry/1",
        json!({"suite_id": 1, "include_all": false, "case_ids": [99]}),
        "Field :case_ids is not a valid ID.",
    )
    .await;
    tr.bad(&format!("close_run/{r1}"), json!({}), "This operation is not allowed. The test run belongs to a test plan and cannot be closed independently.").await;

    let closed = tr.okp("close_plan/1", json!({})).await;
    assert_eq!(closed["is_completed"], true);
    assert!(
        closed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["runs"][0]["is_completed"] == true)
    );
    tr.bad(
        &format!("add_result_for_case/{r1}/1"),
        json!({"status_id": 1}),
        "This operation is not allowed. The test run is already completed.",
    )
    .await;
    let closed_plan = tr.post("add_plan_entry/1", json!({"suite_id": 1})).await;
    assert_eq!(
        (closed_plan.status, closed_plan.error()),
        (
            403,
            "You are not allowed to edit test plans (insufficient permissions)."
        ),
        "a closed plan answers as a permission error"
    );
    assert_eq!(tr.ok("get_plans/1&is_completed=1").await["size"], 1);
    assert_eq!(tr.post("delete_plan/1", json!({})).await.status, 200);
    tr.bad_get(
        &format!("get_run/{r1}"),
        "Field :run is not a valid test run.",
    )
    .await;
}

#[tokio::test]
async fn add_plan_is_all_or_nothing() {
    let tr = demo().await;
    tr.bad(
        "add_plan/1",
        json!({"name": "P", "entries": [{"suite_id": 1}, {"suite_id": 42}]}),
        "Field :suite_id is not a valid test suite.",
    )
    .await;
    assert_eq!(tr.ok("get_plans/1").await["size"], 0);
    assert_eq!(tr.okp("add_plan/1", json!({"name": "P"})).await["id"], 1);
    assert_eq!(tr.ok("get_runs/1").await["size"], 0);
}

#[tokio::test]
async fn runs_can_be_added_to_and_removed_from_an_entry() {
    let tr = demo().await;
    let (chrome, firefox) = browsers(&tr).await;
    let plan = tr.okp("add_plan/1", json!({"name": "P", "entries": [{"suite_id": 1, "config_ids": [chrome], "runs": [{"config_ids": [chrome]}]}]})).await;
    let entry = plan["entries"][0]["id"].as_str().unwrap().to_owned();
    let e = tr
        .okp(
            &format!("add_run_to_plan_entry/1/{entry}"),
            json!({"config_ids": [firefox], "include_all": false, "case_ids": [1]}),
        )
        .await;
    let runs = e["runs"].as_array().unwrap();
    assert_eq!(
        (
            runs.len(),
            runs[1]["config"].as_str(),
            runs[1]["untested_count"].as_u64()
        ),
        (2, Some("Firefox"), Some(1))
    );
    tr.bad(
        &format!("add_run_to_plan_entry/1/{entry}"),
        json!({}),
        "Field :config_ids is a required field.",
    )
    .await;
    let second = runs[1]["id"].as_u64().unwrap();
    assert_eq!(
        tr.post(&format!("delete_run_from_plan_entry/{second}"), json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        tr.ok("get_plan/1").await["entries"][0]["runs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let run = tr
        .okp(
            "add_run/1",
            json!({"name": "dated", "start_on": 1_800_000_000}),
        )
        .await;
    assert_eq!(
        (run["start_on"].as_i64(), run["due_on"].is_null()),
        (Some(1_800_000_000), true)
    );
}
