//! What trcli's auto matcher (and `report --case-matcher auto`) needs from the emulator: the
//! Automation ID field in `get_case_fields`, `get_cases` filtered by `updated_after` /
//! `updated_before` on a maintained `updated_on`, and, as an option, TestRail 9.8+'s rich-text
//! storage of Text fields (`<p>…</p>`, testrail-observed §8.16).

mod common;

use serde_json::{Value, json};
use testrail_emulator::{EmulatorConfig, Fixture, demo_fixture};

async fn with_fixture(fixture: Fixture) -> common::Tr {
    common::with_config(EmulatorConfig {
        fixture: Some(fixture),
        ..Default::default()
    })
    .await
}

fn text_automation_field() -> Value {
    json!({"id": 5, "system_name": "custom_automation_id", "name": "automation_id",
           "label": "Automation ID", "type_id": 3, "is_active": true, "include_all": true,
           "configs": [{"id": "5", "context": {"is_global": false, "project_ids": [1]},
                        "options": {"is_required": false, "default_value": ""}}]})
}

/// `custom_automation_id` as `get_case_fields` lists it.
async fn automation_field(tr: &common::Tr) -> Value {
    let fields = tr.ok("get_case_fields").await;
    fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["system_name"] == "custom_automation_id")
        .cloned()
        .expect("trcli's auto matcher needs it")
}

#[tokio::test]
async fn the_default_instance_lists_a_global_automation_id_field() {
    let tr = common::demo().await;
    let field = automation_field(&tr).await;
    assert_eq!(field["is_active"], true);
    assert_eq!(field["configs"][0]["context"]["is_global"], true);
}

#[tokio::test]
async fn rich_text_wraps_text_fields_and_updated_after_filters_on_updated_on() {
    let mut fixture = demo_fixture();
    fixture.case_fields = vec![serde_json::from_value(text_automation_field()).unwrap()];
    fixture.rich_text = true;
    let tr = with_fixture(fixture).await;
    let field = automation_field(&tr).await;
    assert_eq!(field["configs"][0]["context"]["project_ids"], json!([1]));

    let section = tr.ok("get_sections/1&suite_id=1").await["sections"][0]["id"]
        .as_u64()
        .unwrap();
    let case = tr
        .okp(
            &format!("add_case/{section}"),
            json!({"title": "t", "custom_automation_id": "a.B.test_x & y"}),
        )
        .await;
    assert_eq!(
        case["custom_automation_id"], "<p>a.B.test_x &amp; y</p>\n",
        "stored as 9.8+ stores rich text"
    );
    let id = case["id"].as_u64().unwrap();
    let updated_on = case["updated_on"].as_i64().unwrap();
    assert!(updated_on > 0);

    let newer = tr
        .ok(&format!(
            "get_cases/1&suite_id=1&updated_after={updated_on}"
        ))
        .await;
    let ids: Vec<u64> = newer["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert!(ids.contains(&id), "{ids:?}");
    let future = tr
        .ok(&format!(
            "get_cases/1&suite_id=1&updated_after={}",
            updated_on + 3600
        ))
        .await;
    assert_eq!(future["cases"], json!([]));
    let before = tr
        .ok(&format!(
            "get_cases/1&suite_id=1&updated_before={}",
            updated_on - 3600
        ))
        .await;
    assert!(
        !before["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );

    // An update keeps HTML that is sent as HTML, and moves updated_on (never backwards).
    let updated = tr
        .okp(
            &format!("update_case/{id}"),
            json!({"custom_automation_id": "<p>kept</p>\n"}),
        )
        .await;
    assert_eq!(updated["custom_automation_id"], "<p>kept</p>\n");
    assert!(updated["updated_on"].as_i64().unwrap() >= updated_on);
}
