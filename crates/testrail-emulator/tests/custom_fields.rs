//! Custom result and case fields from a fixture, validated as TestRail does (observed §3.13–3.16).

mod common;

use std::path::Path;

use common::with_config;
use serde_json::{Value, json};
use testrail_emulator::{EmulatorConfig, EmulatorError, Fixture, start};

fn fixture() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/required-fields.json");
    Fixture::from_file(&path).expect("fixtures/required-fields.json loads")
}

async fn emulator() -> common::Tr {
    with_config(EmulatorConfig {
        fixture: Some(fixture()),
        ..Default::default()
    })
    .await
}

fn ok_result(case_id: u64) -> Value {
    json!({"case_id": case_id, "status_id": 1, "custom_environment": 2})
}

async fn results_of_run(tr: &common::Tr, run: u64) -> usize {
    tr.ok(&format!("get_results_for_run/{run}")).await["results"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn fixture_fields_are_served_in_get_result_fields_shape() {
    let tr = emulator().await;
    let fields = tr.ok("get_result_fields").await;
    let env = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["system_name"] == "custom_environment")
        .expect("custom_environment listed");
    assert_eq!(
        (env["type_id"].as_u64(), env["label"].as_str()),
        (Some(6), Some("Environment"))
    );
    assert_eq!(env["name"], "environment");
    assert_eq!(
        env["configs"][0]["context"],
        json!({"is_global": false, "project_ids": [1]})
    );
    assert_eq!(env["configs"][0]["options"]["is_required"], true);
    assert_eq!(
        env["configs"][0]["options"]["items"],
        "1, staging\n2, production"
    );
    assert!(
        env["configs"][0]["id"].is_string(),
        "config IDs are strings as in TestRail"
    );
    let case_fields = tr.ok("get_case_fields").await;
    assert!(
        case_fields
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["system_name"] == "custom_area")
    );
    // The built-ins stay.
    assert!(
        fields
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["system_name"] == "custom_step_results")
    );
}

#[tokio::test]
async fn a_batch_without_a_required_field_is_refused_whole_with_testrails_text() {
    let tr = emulator().await;
    tr.okp("add_run/1", json!({"name": "R", "include_all": true}))
        .await;
    let writes_before = results_of_run(&tr, 1).await;
    // Two good results and one without the required dropdown: nothing may land.
    tr.bad(
        "add_results_for_cases/1",
        json!({"results": [ok_result(1), {"case_id": 2, "status_id": 5}, ok_result(3)]}),
        "Field :custom_environment is a required field.",
    )
    .await;
    assert_eq!(results_of_run(&tr, 1).await, writes_before);
    assert_eq!(tr.ok("get_run/1").await["untested_count"], 3);
    // Blank counts as missing, as TestRail treats "" as not given.
    tr.bad(
        "add_results_for_cases/1",
        json!({"results": [{"case_id": 1, "status_id": 1, "custom_environment": ""}]}),
        "Field :custom_environment is a required field.",
    )
    .await;
    let tests = tr.ok("get_tests/1").await;
    let t1 = tests["tests"][0]["id"].as_u64().unwrap();
    tr.bad(
        "add_results/1",
        json!({"results": [{"test_id": t1, "status_id": 1}]}),
        "Field :custom_environment is a required field.",
    )
    .await;
    tr.bad(
        "add_result_for_case/1/1",
        json!({"status_id": 1}),
        "Field :custom_environment is a required field.",
    )
    .await;
    tr.bad(
        &format!("add_result/{t1}"),
        json!({"status_id": 1}),
        "Field :custom_environment is a required field.",
    )
    .await;
    assert_eq!(results_of_run(&tr, 1).await, 0);
    let added = tr
        .okp(
            "add_results_for_cases/1",
            json!({"results": [ok_result(1), ok_result(2)]}),
        )
        .await;
    assert_eq!(added[0]["custom_environment"], 2);
    assert_eq!(results_of_run(&tr, 1).await, 2);
}

#[tokio::test]
async fn a_field_required_in_one_project_is_optional_in_another() {
    let tr = emulator().await;
    let run = tr
        .okp("add_run/2", json!({"name": "R2", "include_all": true}))
        .await;
    let run = run["id"].as_u64().unwrap();
    tr.okp(
        &format!("add_results_for_cases/{run}"),
        json!({"results": [{"case_id": 4, "status_id": 1}]}),
    )
    .await;
    // The field has no config for project 2, so even a bad value is not checked there.
    tr.okp(
        &format!("add_results_for_cases/{run}"),
        json!({"results": [{"case_id": 5, "status_id": 1, "custom_environment": "production"}]}),
    )
    .await;
    assert_eq!(results_of_run(&tr, run).await, 2);
}

#[tokio::test]
async fn wrong_types_are_refused_per_field_type() {
    let tr = emulator().await;
    tr.okp("add_run/1", json!({"name": "R", "include_all": true}))
        .await;
    let cases: [(&str, Value, &str); 9] = [
        (
            "custom_environment",
            json!("production"),
            "Field :custom_environment is not a valid ID.",
        ),
        (
            "custom_environment",
            json!(3),
            "Field :custom_environment is invalid option (available options 1, 2).",
        ),
        (
            "custom_browser",
            json!("x".repeat(251)),
            "Field :custom_browser is too long (250 characters at most).",
        ),
        (
            "custom_build_number",
            json!("12b"),
            "Field :custom_build_number is not a valid integer.",
        ),
        (
            "custom_retried",
            json!("yes"),
            "Field :custom_retried is not a valid boolean.",
        ),
        (
            "custom_ci_link",
            json!("ci/42"),
            "Field :custom_ci_link is not a valid URL.",
        ),
        (
            "custom_platforms",
            json!(1),
            "Field :custom_platforms is not a valid array.",
        ),
        (
            "custom_platforms",
            json!([1, 9]),
            "Field :custom_platforms is invalid option (available options 1, 2, 3).",
        ),
        (
            "custom_release_date",
            json!("someday"),
            "Field :custom_release_date is not in a valid date format.",
        ),
    ];
    for (field, value, error) in cases {
        let mut bad = ok_result(2);
        bad[field] = value;
        tr.bad(
            "add_results_for_cases/1",
            json!({"results": [ok_result(1), bad]}),
            error,
        )
        .await;
    }
    assert_eq!(
        results_of_run(&tr, 1).await,
        0,
        "every refused batch added nothing"
    );
    let mut good = ok_result(1);
    for (k, v) in [
        ("custom_browser", json!("x".repeat(250))),
        ("custom_build_number", json!(42)),
        ("custom_retried", json!(true)),
        ("custom_ci_link", json!("https://ci.example/42")),
        ("custom_platforms", json!([1, 3])),
        ("custom_release_date", json!("2026-11-30")),
    ] {
        good[k] = v;
    }
    tr.okp("add_results_for_cases/1", json!({"results": [good]}))
        .await;
}

#[tokio::test]
async fn required_case_fields_apply_to_add_case_not_to_updates() {
    let tr = emulator().await;
    tr.bad(
        "add_case/1",
        json!({"title": "New"}),
        "Field :custom_area is a required field.",
    )
    .await;
    tr.bad(
        "add_case/1",
        json!({"title": "New", "custom_area": 7}),
        "Field :custom_area is invalid option (available options 1, 2).",
    )
    .await;
    let case = tr
        .okp("add_case/1", json!({"title": "New", "custom_area": 2}))
        .await;
    assert_eq!(case["custom_area"], 2);
    let id = case["id"].as_u64().unwrap();
    tr.okp(&format!("update_case/{id}"), json!({"title": "Renamed"}))
        .await;
    // Project 2 has no such requirement.
    tr.okp("add_case/2", json!({"title": "Free"})).await;
}

#[tokio::test]
async fn a_fixture_with_only_result_fields_loads() {
    let only: Fixture = serde_json::from_value(json!({
        "result_fields": [{"system_name": "custom_env", "type_id": 1,
            "configs": [{"context": {"is_global": true}, "options": {"is_required": true}}]}]
    }))
    .unwrap();
    let tr = with_config(EmulatorConfig {
        fixture: Some(only),
        ..Default::default()
    })
    .await;
    let fields = tr.ok("get_result_fields").await;
    assert!(
        fields
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["system_name"] == "custom_env")
    );
}

#[tokio::test]
async fn malformed_fixture_fields_stop_the_emulator_at_start_with_the_fix() {
    let bad_items: Fixture = serde_json::from_value(json!({
        "result_fields": [{"system_name": "custom_environment", "type_id": 6,
            "configs": [{"context": {"is_global": true},
                         "options": {"is_required": true, "items": "1, staging\nproduction"}}]}]
    }))
    .unwrap();
    let err = start(EmulatorConfig {
        fixture: Some(bad_items),
        ..Default::default()
    })
    .await
    .err()
    .expect("a malformed field refuses to start");
    assert!(matches!(err, EmulatorError::Fixture(_)));
    let text = err.to_string();
    assert!(
        text.contains("result field \"custom_environment\"")
            && text.contains("configs[0].options.items")
            && text.contains("\"production\" is not \"ID, Label\""),
        "{text}"
    );
    // A wrong JSON type is caught while reading the file, with its position.
    let dir = std::env::temp_dir().join(format!("fields-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        r#"{"result_fields": [{"system_name": "custom_x", "type_id": "dropdown"}]}"#,
    )
    .unwrap();
    let err = Fixture::from_file(&path).unwrap_err().to_string();
    assert!(err.contains("bad.json") && err.contains("line 1"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn fields_are_configuration_so_a_reopened_database_enforces_them_too() {
    let dir = std::env::temp_dir().join(format!("fields-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = || EmulatorConfig {
        db: Some(dir.join("emu.sqlite")),
        fixture: Some(fixture()),
        ..Default::default()
    };
    let tr = with_config(config()).await;
    tr.okp("add_run/1", json!({"name": "R", "include_all": true}))
        .await;
    tr.emu.shutdown().await;
    // Reopened: the state comes from the database, the fields from the fixture.
    let tr = with_config(config()).await;
    tr.bad(
        "add_results_for_cases/1",
        json!({"results": [{"case_id": 1, "status_id": 1}]}),
        "Field :custom_environment is a required field.",
    )
    .await;
    tr.okp(
        "add_results_for_cases/1",
        json!({"results": [ok_result(1)]}),
    )
    .await;
    tr.emu.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
