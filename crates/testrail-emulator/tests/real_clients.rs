//! Regressions found by running clients we did not write (scripts/check-real-clients.sh:
//! trcli and the Python testrail-api library) against the emulator.

mod common;

use common::demo;
use serde_json::json;

/// testrail-api users read `plan["entries"]` right after add_plan; an empty plan must still
/// carry the key (only get_plans items go without it).
#[tokio::test]
async fn plan_without_entries_still_has_an_entries_list() {
    let tr = demo().await;
    let plan = tr.okp("add_plan/1", json!({"name": "empty"})).await;
    assert_eq!(plan["entries"], json!([]));
    let id = plan["id"].as_u64().unwrap();
    assert_eq!(tr.ok(&format!("get_plan/{id}")).await["entries"], json!([]));
    let closed = tr.okp(&format!("close_plan/{id}"), json!({})).await;
    assert_eq!(closed["entries"], json!([]));
    let listed = tr.ok("get_plans/1").await;
    assert!(listed["plans"][0].get("entries").is_none());
}
