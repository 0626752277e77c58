//! Custom result and case fields through the real binary against the emulator: nothing is
//! written until TestRail would accept all of it (required fields, types, dropdown labels).
//! The emulator's fixture makes `custom_environment` a required dropdown in project 1 only.

mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};
use testrail_emulator::Fixture;

fn fixture() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testrail-emulator/fixtures/required-fields.json");
    Fixture::from_file(&path).expect("the emulator's required-fields fixture loads")
}

/// C1..C3 live in project 1, C4..C5 in project 2; `browser`/`env` are per-test properties.
fn report(env: &Env, cases: &[(u64, Option<&str>, Option<&str>)]) -> String {
    let mut xml = String::from("<testsuite name=\"s\">\n");
    for (id, browser, environment) in cases {
        xml.push_str(&format!(
            "<testcase classname=\"shop\" name=\"C{id} works\"><properties>"
        ));
        if let Some(b) = browser {
            xml.push_str(&format!("<property name=\"browser\" value=\"{b}\"/>"));
        }
        if let Some(e) = environment {
            xml.push_str(&format!("<property name=\"env\" value=\"{e}\"/>"));
        }
        xml.push_str("</properties></testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    env.write_file("r.xml", xml.as_bytes())
        .to_string_lossy()
        .into_owned()
}

fn sync(env: &Env, report: &str, project: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "report",
        report,
        "--project-id",
        project,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// Every result the run got, by case ID, as TestRail returns them.
fn results(env: &Env, run_id: u64) -> Vec<(u64, Value)> {
    let client = env.client();
    env.block(async {
        let tests = client.get_tests(run_id).await.unwrap();
        let mut out = Vec::new();
        for t in tests {
            for r in client.get_results(t.id).await.unwrap() {
                out.push((t.case_id, serde_json::to_value(&r).unwrap()));
            }
        }
        out
    })
}

fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

#[test]
fn a_missing_required_dropdown_exits_2_before_any_write_request() {
    let env = Env::start(fixture());
    let r = report(&env, &[(1, None, None), (2, None, None)]);
    let out = sync(&env, &r, "1", &[]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    for part in [
        "custom_environment",
        "\"Environment\", Dropdown",
        "required in project 1",
        "staging (1), production (2)",
        "--result-field custom_environment=production",
        "[result_fields]",
    ] {
        assert!(err.contains(part), "{part:?} missing from:\n{err}");
    }
    assert_eq!(
        env.write_requests(),
        0,
        "not one write request (no add_run)"
    );
    // A dry run refuses the same way: it would have sent the same results.
    assert_exit(&sync(&env, &r, "1", &["--dry-run"]), 2);
}

#[test]
fn an_unknown_label_exits_2_listing_the_labels() {
    let env = Env::start(fixture());
    let r = report(&env, &[(1, None, None)]);
    let out = sync(
        &env,
        &r,
        "1",
        &["--result-field", "custom_environment=prod"],
    );
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("\"prod\" is neither a label nor an ID"),
        "{err}"
    );
    assert!(err.contains("staging (1), production (2)"), "{err}");
    let too_long = format!("custom_browser={}", "x".repeat(251));
    let out = sync(
        &env,
        &r,
        "1",
        &[
            "--result-field",
            "environment=staging",
            "--result-field",
            &too_long,
        ],
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("251 characters"), "{}", stderr(&out));
    assert_eq!(env.write_requests(), 0);
}

/// Fault: TestRail silently ignores a result key no field has, so a misspelt field name
/// (`custom_enviroment`) would post every result without its value and report success.
#[test]
fn a_field_name_the_project_does_not_have_exits_2_before_any_write() {
    let env = Env::start(fixture());
    let r = report(&env, &[(1, None, None)]);
    let typo = sync(
        &env,
        &r,
        "1",
        &[
            "--result-field",
            "environment=staging",
            "--result-field",
            "custom_enviroment=staging",
        ],
    );
    assert_exit(&typo, 2);
    let err = stderr(&typo);
    for part in [
        "\"custom_enviroment\"",
        "is not a result field of project 1",
        "custom_environment (Environment)",
        "testrail-sync fields --project-id 1",
    ] {
        assert!(err.contains(part), "{part:?} missing from:\n{err}");
    }
    let property = sync(
        &env,
        &r,
        "1",
        &[
            "--result-field",
            "environment=staging",
            "--result-field-from-property",
            "custom_brwser=browser",
            "--dry-run",
        ],
    );
    assert_exit(&property, 2);
    assert!(
        stderr(&property).contains("--result-field-from-property"),
        "{}",
        stderr(&property)
    );
    assert_eq!(
        env.write_requests(),
        0,
        "nothing written for a misspelt field"
    );
}

#[test]
fn a_label_is_sent_as_its_item_id_in_every_result() {
    let env = Env::start(fixture());
    let r = report(&env, &[(1, None, None), (2, None, None), (3, None, None)]);
    let out = sync(
        &env,
        &r,
        "1",
        &[
            "--result-field",
            "environment=production",
            "--result-field",
            "custom_platforms=Linux,Windows",
        ],
    );
    assert_exit(&out, 0);
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    let got = results(&env, run_id);
    assert_eq!(got.len(), 3);
    for (case, r) in &got {
        assert_eq!(r["custom_environment"], json!(2), "C{case}: {r}");
        assert_eq!(r["custom_platforms"], json!([1, 3]), "C{case}: {r}");
    }
}

#[test]
fn the_config_file_sets_fields_by_label_too() {
    let env = Env::start(fixture());
    env.write_file(
        "testrail-sync.toml",
        b"[result_fields]\nenvironment = \"staging\"\ncustom_build_number = 42\n",
    );
    let r = report(&env, &[(1, None, None)]);
    let out = sync(&env, &r, "1", &[]);
    assert_exit(&out, 0);
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    let got = results(&env, run_id);
    assert_eq!(got[0].1["custom_environment"], json!(1));
    assert_eq!(got[0].1["custom_build_number"], json!(42));
}

#[test]
fn a_field_required_in_one_project_does_not_apply_to_another() {
    let env = Env::start(fixture());
    let r = report(&env, &[(4, None, None), (5, None, None)]);
    let out = sync(&env, &r, "2", &[]);
    assert_exit(&out, 0);
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    assert_eq!(results(&env, run_id).len(), 2);
}

#[test]
fn per_test_values_come_from_report_properties() {
    let env = Env::start(fixture());
    let r = report(
        &env,
        &[
            (1, Some("chrome"), Some("staging")),
            (2, Some("firefox"), Some("production")),
        ],
    );
    let out = sync(
        &env,
        &r,
        "1",
        &[
            "--result-field-from-property",
            "custom_browser=browser",
            "--result-field-from-property",
            "environment=env",
        ],
    );
    assert_exit(&out, 0);
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    let mut got = results(&env, run_id);
    got.sort_by_key(|(c, _)| *c);
    assert_eq!(
        (
            got[0].1["custom_browser"].clone(),
            got[0].1["custom_environment"].clone()
        ),
        (json!("chrome"), json!(1))
    );
    assert_eq!(
        (
            got[1].1["custom_browser"].clone(),
            got[1].1["custom_environment"].clone()
        ),
        (json!("firefox"), json!(2))
    );
}

#[test]
fn a_test_without_the_property_for_a_required_field_is_named() {
    let env = Env::start(fixture());
    let r = report(&env, &[(1, None, Some("staging")), (2, None, None)]);
    let out = sync(
        &env,
        &r,
        "1",
        &["--result-field-from-property", "environment=env"],
    );
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("test \"shop.C2 works\"") || err.contains("C2 works"),
        "{err}"
    );
    assert!(
        err.contains("r.xml:"),
        "the test's location is given: {err}"
    );
    assert_eq!(env.write_requests(), 0);
}

#[test]
fn dry_run_shows_the_field_values_it_would_send() {
    let env = Env::start(fixture());
    let r = report(&env, &[(1, None, None), (2, None, None)]);
    let out = env.run(&[
        "report",
        &r,
        "--project-id",
        "1",
        "--dry-run",
        "--result-field",
        "environment=production",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("result field custom_environment = 2 (\"production\") on every result"),
        "{text}"
    );
    assert_eq!(env.write_requests(), 0);
    // In JSON the values are `checks`, apart from `planned_calls` (which only lists writes).
    let out = sync(
        &env,
        &r,
        "1",
        &["--dry-run", "--result-field", "environment=production"],
    );
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(
        summary["checks"],
        json!(["result field custom_environment = 2 (\"production\") on every result"])
    );
    assert!(
        summary["planned_calls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c.as_str().unwrap().contains("custom_environment")),
        "{summary}"
    );
}

#[test]
fn fields_lists_a_projects_fields_as_a_table_and_json() {
    let env = Env::start(fixture());
    let out = env.run(&["fields", "--project-id", "1"]);
    assert_exit(&out, 0);
    let table = stdout(&out);
    let line = table
        .lines()
        .find(|l| l.starts_with("custom_environment"))
        .unwrap_or_else(|| panic!("no environment row:\n{table}"));
    for part in [
        "Environment",
        "Dropdown",
        "required",
        "1 staging, 2 production",
    ] {
        assert!(line.contains(part), "{part:?} missing from {line:?}");
    }
    let out = env.run(&["fields", "--project-id", "2", "--format", "json"]);
    assert_exit(&out, 0);
    let listed = json(&out);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["system_name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"custom_environment"),
        "project 2 has no environment: {names:?}"
    );
    let platforms = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["system_name"] == "custom_platforms")
        .unwrap();
    assert_eq!(platforms["type"], "Multi-select");
    assert_eq!(
        platforms["options"][2],
        json!({"id": 3, "label": "Windows"})
    );
    let out = env.run(&["fields", "--project-id", "1", "--cases", "--format", "json"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("custom_area"));
}

#[test]
fn cases_create_refuses_before_the_first_write_without_a_required_case_field() {
    let env = Env::start(fixture());
    let r = env
        .write_file(
            "new.xml",
            b"<testsuite><testcase classname=\"shop\" name=\"brand new test\"/></testsuite>",
        )
        .to_string_lossy()
        .into_owned();
    let create = |extra: &[&str]| {
        let mut args = vec![
            "cases",
            "create",
            &r,
            "--project-id",
            "1",
            "--section",
            "Automated",
            "--yes",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    let out = create(&[]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("custom_area")
            && err.contains("Frontend (1), Backend (2)")
            && err.contains("--case-field custom_area="),
        "{err}"
    );
    assert_eq!(
        env.write_requests(),
        0,
        "no section and no case was created"
    );
    let out = create(&["--case-field", "area=Backend", "--format", "json"]);
    assert_exit(&out, 0);
    let id = json(&out)["cases"][0]["case_id"].as_u64().unwrap();
    let case = env.block(env.client().get_case(id)).unwrap();
    assert_eq!(case.extra["custom_area"], json!(2));
}

#[test]
fn the_emulator_command_refuses_a_fixture_with_malformed_fields_at_start() {
    let env = Env::start(fixture());
    let bad = env.write_file(
        "bad-fields.json",
        br#"{"result_fields": [{"system_name": "custom_environment", "type_id": 6,
            "configs": [{"context": {"is_global": true},
                         "options": {"is_required": true, "items": "1, staging\nproduction"}}]}]}"#,
    );
    let out = env.run(&[
        "emulator",
        "--port",
        "0",
        "--fixture",
        bad.to_str().unwrap(),
    ]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("error: {}: ", bad.display())),
        "the message names the fixture file: {err}"
    );
    assert!(
        err.contains("result field \"custom_environment\"")
            && err.contains("configs[0].options.items")
            && err.contains("\"production\" is not \"ID, Label\""),
        "{err}"
    );
}
