//! `cases check`, `cases create` and `report --match-by-title` against the emulator: what they
//! print, what they create (read back with get_sections/get_cases) and that nothing is written
//! without `--yes`.

mod common;

use std::collections::BTreeMap;

use common::*;
use testrail_api::models::{Case, Suite};
use testrail_emulator::Fixture;

const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="checkout" tests="5">
    <testcase classname="tests.checkout" name="test_C1_pay_by_card" time="0.2"/>
    <testcase classname="tests.checkout" name="test_refund_to_card" time="0.3">
      <failure message="refund not booked">AssertionError: refund not booked
  at tests/checkout.py:40</failure>
    </testcase>
    <testcase classname="tests.checkout" name="test_apply_coupon" time="0.1"/>
    <testcase classname="tests.checkout" name="test_C99_gone" time="0.1"/>
    <testcase classname="tests.checkout" name="test_C50_in_other_suite" time="0.1"/>
  </testsuite>
</testsuites>
"#;

/// A multi-suite project: suite 1 holds C1..C3, suite 2 holds C50.
fn fixture() -> Fixture {
    let mut f = fixture_with_cases(1..=3);
    f.projects[0].suite_mode = 3;
    f.suites.push(Suite {
        id: 2,
        name: "Legacy".into(),
        project_id: 1,
        ..Default::default()
    });
    f.sections.push(testrail_api::models::Section {
        id: 2,
        suite_id: 2,
        name: "Old".into(),
        ..Default::default()
    });
    f.cases.push(Case {
        id: 50,
        title: "Old case".into(),
        section_id: 2,
        suite_id: 2,
        template_id: 1,
        type_id: 1,
        priority_id: 2,
        ..Default::default()
    });
    f
}

/// The emulator has no rate limit; pacing for TestRail Cloud would only slow the test down.
fn unpaced(env: &Env, args: &[&str]) -> std::process::Output {
    env.cmd()
        .args(args)
        .args(["--rate-limit", "0"])
        .output()
        .unwrap()
}

fn suite_cases(env: &Env) -> Vec<Case> {
    env.block(env.client().get_cases(1, Some(1))).unwrap()
}

#[test]
fn check_sorts_tests_into_mapped_unmapped_unknown_and_other_suite() {
    let env = Env::start(fixture());
    let report = env.write_file("junit.xml", REPORT.as_bytes());
    let report = report.to_str().unwrap();
    let out = unpaced(
        &env,
        &[
            "cases",
            "check",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--format",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let j = json(&out);
    assert_eq!(j["tests"], 5);
    assert_eq!(j["mapped"][0]["test"], "tests.checkout test_C1_pay_by_card");
    assert_eq!(j["mapped"][0]["case_ids"], serde_json::json!([1]));
    let unmapped: Vec<&str> = j["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["test"].as_str().unwrap())
        .collect();
    assert_eq!(
        unmapped,
        [
            "tests.checkout test_refund_to_card",
            "tests.checkout test_apply_coupon"
        ]
    );
    assert!(
        j["unmapped"][0]["location"]
            .as_str()
            .unwrap()
            .contains("junit.xml:")
    );
    assert_eq!(j["unknown"][0]["case_id"], 99);
    assert_eq!(j["other_suite"][0]["case_id"], 50);
    assert_eq!(j["other_suite"][0]["suite_id"], 2);
    assert_eq!(env.write_requests(), 0);
    let gate = unpaced(
        &env,
        &[
            "cases",
            "check",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--fail-on-unmapped",
        ],
    );
    assert_exit(&gate, 5);

    let table = unpaced(
        &env,
        &[
            "cases",
            "check",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
        ],
    );
    assert_exit(&table, 0);
    let text = stdout(&table);
    assert!(text.starts_with("STATE"), "{text}");
    for line in [
        "mapped",
        "unmapped",
        "C99",
        "other suite",
        "C50 (suite S2)",
        "5 tests against suite S1 \"Master\": 1 mapped, 2 without a case ID; case IDs not in the suite: 1, of another suite: 1",
        "cases create",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn create_without_yes_prints_the_plan_and_writes_nothing() {
    let env = Env::start(fixture());
    let report = env.write_file("junit.xml", REPORT.as_bytes());
    let out = unpaced(
        &env,
        &[
            "cases",
            "create",
            report.to_str().unwrap(),
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--section",
            "Automated/Checkout",
        ],
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("Would create 2 cases in section \"Automated/Checkout\""),
        "{text}"
    );
    assert!(text.contains("new section  Automated\n"), "{text}");
    assert!(text.contains("new section  Automated/Checkout"), "{text}");
    assert!(
        text.contains("tests.checkout test_refund_to_card"),
        "{text}"
    );
    assert_eq!(env.write_requests(), 0, "nothing is written without --yes");
    assert_eq!(suite_cases(&env).len(), 3);
}

#[test]
fn create_with_yes_makes_nested_sections_and_cases_prints_the_mapping_and_is_idempotent() {
    let env = Env::start(fixture());
    let report = env.write_file("junit.xml", REPORT.as_bytes());
    let report = report.to_str().unwrap();
    let create = |extra: &[&str]| {
        let mut args = vec![
            "cases",
            "create",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--section",
            "Automated/Checkout",
            "--type",
            "Automated",
            "--priority",
            "High",
            "--case-field",
            "custom_automation_note=from CI",
            "--yes",
        ];
        args.extend_from_slice(extra);
        unpaced(&env, &args)
    };
    let out = create(&["--format", "json"]);
    assert_exit(&out, 0);
    let j = json(&out);
    assert_eq!(j["dry_run"], false);
    assert_eq!(
        j["created_sections"],
        serde_json::json!(["Automated", "Automated/Checkout"])
    );
    let mapping: BTreeMap<String, u64> = j["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_owned(),
                c["case_id"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        mapping.keys().collect::<Vec<_>>(),
        ["test_apply_coupon", "test_refund_to_card"]
    );

    // Sections nest through parent_id; the cases are in the inner one with the asked fields.
    let client = env.client();
    let sections = env.block(client.get_sections(1, Some(1))).unwrap();
    let automated = sections.iter().find(|s| s.name == "Automated").unwrap();
    let checkout = sections.iter().find(|s| s.name == "Checkout").unwrap();
    assert_eq!(automated.parent_id, None);
    assert_eq!(checkout.parent_id, Some(automated.id));
    assert_eq!(j["section_id"], checkout.id);
    let types = env.block(client.get_case_types()).unwrap();
    let automated_type = types.iter().find(|t| t.name == "Automated").unwrap().id;
    let priorities = env.block(client.get_priorities()).unwrap();
    let high = priorities
        .iter()
        .find(|p| p.short_name == "High")
        .unwrap()
        .id;
    let cases = suite_cases(&env);
    assert_eq!(cases.len(), 5);
    for (title, id) in &mapping {
        let case = cases.iter().find(|c| c.id == *id).expect("created case");
        assert_eq!(&case.title, title);
        assert_eq!(case.section_id, checkout.id);
        assert_eq!(case.type_id, automated_type);
        assert_eq!(case.priority_id, high);
        assert_eq!(case.extra["custom_automation_note"], "from CI");
    }

    // The human mapping names each test with its new ID; a second run creates nothing.
    let again = create(&[]);
    assert_exit(&again, 0);
    let text = stdout(&again);
    assert!(text.contains("already has a case for every test"), "{text}");
    for (title, id) in &mapping {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("C{id} ")) && l.contains(title.as_str())),
            "C{id} {title} in\n{text}"
        );
    }
    assert_eq!(suite_cases(&env).len(), 5, "no duplicates on a second run");
}

#[test]
fn report_match_by_title_posts_results_for_tests_without_ids() {
    let env = Env::start(fixture());
    let report = env.write_file("junit.xml", REPORT.as_bytes());
    let report = report.to_str().unwrap();
    let out = unpaced(
        &env,
        &[
            "cases",
            "create",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--section",
            "Automated",
            "--yes",
            "--format",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let created: BTreeMap<String, u64> = json(&out)["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_owned(),
                c["case_id"].as_u64().unwrap(),
            )
        })
        .collect();

    // Without the flag the two tests stay unmapped.
    let plain = unpaced(
        &env,
        &[
            "report",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--format",
            "json",
        ],
    );
    assert_exit(&plain, 0);
    assert_eq!(json(&plain)["unmapped"].as_array().unwrap().len(), 2);

    let out = unpaced(
        &env,
        &[
            "report",
            report,
            "--project-id",
            "1",
            "--suite-id",
            "1",
            "--match-by-title",
            "--format",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(
        summary["unmapped"].as_array().unwrap().len(),
        0,
        "{summary}"
    );
    assert_eq!(summary["posted"], 3, "C1 and the two cases found by title");
    let run_id = summary["run_id"].as_u64().unwrap();
    let client = env.client();
    let tests = env.block(client.get_tests(run_id)).unwrap();
    let refund = created["test_refund_to_card"];
    let refund_test = tests.iter().find(|t| t.case_id == refund).unwrap();
    let results = env.block(client.get_results(refund_test.id)).unwrap();
    assert_eq!(results[0].status_id, Some(5));
    assert!(
        results[0]
            .comment
            .as_deref()
            .unwrap()
            .contains("refund not booked")
    );
}
