//! `report --case-matcher auto [--create-cases]` against the emulator, seeded the way trcli 1.15.3
//! seeds a suite (`parse_junit -y`: a section per `<testsuite>`, cases titled by the test name,
//! `custom_automation_id` = `classname.name`) on an instance that stores Text fields as
//! `<p>…</p>` (9.8+). `scripts/check-trcli-auto.sh` runs the same workflow with trcli itself.

mod common;

use common::*;
use serde_json::json;
use testrail_api::models::{AddSection, Case, CaseFields, Extra, Field, Id};
use testrail_emulator::Fixture;

/// The first build: what trcli saw and created cases for.
const BUILD_1: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="shop">
  <testsuite name="checkout" tests="3">
    <testcase classname="tests.checkout.TestPay" name="test_card" time="0.2"/>
    <testcase classname="tests.checkout.TestPay" name="test_voucher &amp; card" time="0.1"/>
    <testcase classname="tests.checkout.TestRefund" name="test_refund" time="0.3"/>
  </testsuite>
  <testsuite name="search" tests="1">
    <testcase classname="tests.search" name="test_by_name" time="0.1"/>
  </testsuite>
</testsuites>
"#;

/// The next build: the same tests (one failing now, one with a C-number trcli ignores in auto
/// mode), plus two new ones, one inside a nested suite.
const BUILD_2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="shop">
  <testsuite name="checkout" tests="4">
    <testcase classname="tests.checkout.TestPay" name="test_card" time="0.2">
      <failure message="declined">AssertionError: declined</failure>
    </testcase>
    <testcase classname="tests.checkout.TestPay" name="test_voucher &amp; card" time="0.1"/>
    <testcase classname="tests.checkout.TestRefund" name="test_refund" time="0.3"/>
    <testcase classname="tests.checkout.TestPay" name="test_C999_paypal" time="0.4"/>
  </testsuite>
  <testsuite name="search" tests="2">
    <testcase classname="tests.search" name="test_by_name" time="0.1"/>
    <testsuite name="filters" tests="1">
      <testcase classname="tests.search.filters" name="test_by_price" time="0.1"/>
    </testsuite>
  </testsuite>
</testsuites>
"#;

/// An empty single-suite project whose Automation ID field is a Text field, on an instance
/// that stores text as rich text.
fn rich_text_instance() -> Fixture {
    let mut f = fixture_with_cases([]);
    f.sections.clear();
    f.case_fields = vec![automation_field(
        3,
        json!({"is_global": true, "project_ids": null}),
    )];
    f.rich_text = true;
    f
}

fn automation_field(type_id: u32, context: serde_json::Value) -> Field {
    serde_json::from_value(json!({
        "id": 5, "system_name": "custom_automation_id", "name": "automation_id",
        "label": "Automation ID", "type_id": type_id, "is_active": true, "include_all": true,
        "configs": [{"id": "5", "context": context,
                     "options": {"is_required": false, "default_value": ""}}]
    }))
    .unwrap()
}

/// What trcli's `parse_junit -y` writes for `BUILD_1`: `add_section` per `<testsuite>`, then
/// `add_case` with title and automation ID per test case.
fn seed_like_trcli(env: &Env) -> Vec<Case> {
    let client = env.client();
    let mut cases = Vec::new();
    let suites: [(&str, &[(&str, &str)]); 2] = [
        (
            "checkout",
            &[
                ("tests.checkout.TestPay", "test_card"),
                ("tests.checkout.TestPay", "test_voucher & card"),
                ("tests.checkout.TestRefund", "test_refund"),
            ],
        ),
        ("search", &[("tests.search", "test_by_name")]),
    ];
    for (suite, tests) in suites {
        let section = env
            .block(client.add_section(
                1,
                &AddSection {
                    name: suite.into(),
                    description: None,
                    suite_id: Some(1),
                    parent_id: None,
                },
            ))
            .unwrap();
        for (classname, name) in tests {
            let mut custom = Extra::new();
            custom.insert(
                "custom_automation_id".into(),
                json!(format!("{classname}.{name}")),
            );
            let fields = CaseFields {
                title: Some(name.to_string()),
                custom,
                ..CaseFields::default()
            };
            cases.push(env.block(client.add_case(section.id, &fields)).unwrap());
        }
    }
    cases
}

fn all_cases(env: &Env) -> Vec<Case> {
    env.block(env.client().get_cases(1, Some(1))).unwrap()
}

fn report(env: &Env, file: &str, extra: &[&str]) -> std::process::Output {
    env.cmd()
        .args([
            "report",
            file,
            "--project-id",
            "1",
            "--case-matcher",
            "auto",
        ])
        .args(["--rate-limit", "0", "--format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

fn get_cases_calls(env: &Env) -> u64 {
    env.emulator()
        .stats()
        .endpoints
        .get("get_cases")
        .copied()
        .unwrap_or(0)
}

#[test]
fn cases_trcli_created_map_new_tests_are_unmapped_until_created_once() {
    let env = Env::start(rich_text_instance());
    let seeded = seed_like_trcli(&env);
    // The instance really stored the rich-text form trcli has to strip.
    let stored = all_cases(&env);
    assert_eq!(
        stored[1].extra["custom_automation_id"],
        json!("<p>tests.checkout.TestPay.test_voucher &amp; card</p>\n")
    );
    let build_2 = env.write_file("build-2.xml", BUILD_2.as_bytes());
    let build_2 = build_2.to_str().unwrap();

    let out = report(&env, build_2, &[]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["posted"], 4, "{summary}");
    let unmapped: Vec<&str> = summary["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(unmapped.len(), 2, "{unmapped:?}");
    assert!(unmapped.iter().any(|t| t.contains("test_C999_paypal")));
    assert!(unmapped.iter().any(|t| t.contains("test_by_price")));
    // The auto matcher ignores names, so the "add C123 to the name" advice would mislead:
    // each unmapped entry says which automation ID no case has and how to create it.
    for entry in summary["unmapped_tests"].as_array().unwrap() {
        let why = entry["why"].as_str().unwrap_or_default();
        assert!(
            why.starts_with("no case has automation ID ") && why.contains("--create-cases"),
            "{entry}"
        );
    }
    assert_eq!(
        all_cases(&env).len(),
        seeded.len(),
        "no case without --create-cases"
    );
    let run_id = summary["run_id"].as_u64().unwrap();
    let tests = env.block(env.client().get_tests(run_id)).unwrap();
    let mut in_run: Vec<Id> = tests.iter().map(|t| t.case_id).collect();
    in_run.sort_unstable();
    let mut expected: Vec<Id> = seeded.iter().map(|c| c.id).collect();
    expected.sort_unstable();
    assert_eq!(in_run, expected, "C999 in a name means nothing to auto");

    let out = report(&env, build_2, &["--create-cases"]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["posted"], 6, "{summary}");
    assert_eq!(summary["unmapped_count"], 0, "{summary}");
    let err = stderr(&out);
    assert!(err.contains("Created 2 cases"), "{err}");
    assert!(err.contains("Created section \"search/filters\""), "{err}");
    let after = all_cases(&env);
    let new: Vec<&Case> = after
        .iter()
        .filter(|c| !seeded.iter().any(|s| s.id == c.id))
        .collect();
    assert_eq!(new.len(), 2);
    let mut ids: Vec<&str> = new
        .iter()
        .map(|c| c.extra["custom_automation_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "<p>tests.checkout.TestPay.test_C999_paypal</p>\n",
            "<p>tests.search.filters.test_by_price</p>\n"
        ]
    );
    for c in &new {
        assert!(
            err.contains(&format!("C{}", c.id)),
            "new IDs are listed: {err}"
        );
    }
    // The nested suite became a section inside "search"; "checkout" was reused.
    let sections = env.block(env.client().get_sections(1, Some(1))).unwrap();
    let filters = sections.iter().find(|s| s.name == "filters").unwrap();
    let search = sections.iter().find(|s| s.name == "search").unwrap();
    assert_eq!(filters.parent_id, Some(search.id));
    assert_eq!(sections.iter().filter(|s| s.name == "checkout").count(), 1);

    let writes_before = env.write_requests();
    let out = report(&env, build_2, &["--create-cases"]);
    assert_exit(&out, 0);
    assert!(!stderr(&out).contains("Created"), "{}", stderr(&out));
    assert_eq!(
        all_cases(&env).len(),
        after.len(),
        "a rerun creates nothing"
    );
    assert_eq!(json(&out)["posted"], 6);
    assert!(
        env.write_requests() > writes_before,
        "results were still posted"
    );
}

#[test]
fn dry_run_lists_what_it_would_create_and_writes_nothing() {
    let env = Env::start(rich_text_instance());
    seed_like_trcli(&env);
    let build_2 = env.write_file("build-2.xml", BUILD_2.as_bytes());
    let writes = env.write_requests();
    let out = report(
        &env,
        build_2.to_str().unwrap(),
        &["--create-cases", "--dry-run"],
    );
    assert_exit(&out, 0);
    // The cases and sections are part of the write plan: listed in `planned_calls`, each
    // entry starting with its endpoint, before the run they go into.
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls: Vec<&str> = summary["planned_calls"]
        .as_array()
        .expect("planned_calls")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let sections: Vec<&&str> = calls
        .iter()
        .filter(|c| c.starts_with("add_section"))
        .collect();
    assert_eq!(
        sections,
        [&"add_section: \"search > filters\""],
        "{calls:?}"
    );
    let cases: Vec<&&str> = calls.iter().filter(|c| c.starts_with("add_case")).collect();
    assert_eq!(cases.len(), 2, "{calls:?}");
    assert!(
        cases.iter().any(|c| c.contains("in \"search > filters\"")
            && c.contains("automation ID tests.search.filters.test_by_price")),
        "{calls:?}"
    );
    let run_at = calls
        .iter()
        .position(|c| c.starts_with("add_run"))
        .expect("add_run");
    let last_case = calls
        .iter()
        .rposition(|c| c.starts_with("add_case"))
        .unwrap();
    assert!(last_case < run_at, "cases come before the run: {calls:?}");
    assert!(
        !stderr(&out).contains("Would create"),
        "the plan is the one listing"
    );
    assert_eq!(env.write_requests(), writes, "a dry run writes nothing");
}

#[test]
fn an_unchanged_suite_is_read_from_the_index_in_one_page() {
    // 600 cases: three pages of get_cases when read in full.
    let mut f = fixture_with_cases(1..=600);
    for c in &mut f.cases {
        // Written over weeks, as a real suite is (the fixture would date them all now).
        c.created_on = 1_700_000_000 + c.id as i64 * 3_600;
        c.extra.insert(
            "custom_automation_id".into(),
            json!(format!("tests.bulk.test_{}", c.id)),
        );
    }
    let env = Env::start(f);
    let mut xml = String::from("<testsuite name=\"bulk\">");
    for i in [1, 2, 300, 600] {
        xml.push_str(&format!(
            "<testcase classname=\"tests.bulk\" name=\"test_{i}\"/>"
        ));
    }
    xml.push_str("</testsuite>");
    let file = env.write_file("bulk.xml", xml.as_bytes());
    let file = file.to_str().unwrap();

    let out = report(&env, file, &["-v"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["posted"], 4);
    assert_eq!(get_cases_calls(&env), 3, "first sync reads every page");
    assert!(
        stderr(&out).contains("read all 600 cases of suite S1"),
        "{}",
        stderr(&out)
    );

    let out = report(&env, file, &["-v"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["posted"], 4);
    assert_eq!(get_cases_calls(&env), 4, "second sync: one page of changes");
    let err = stderr(&out);
    assert!(
        err.contains("case index") && err.contains("600 cases"),
        "{err}"
    );
    assert!(err.contains("changed since the last read"), "{err}");

    // A case deleted since: updated_after cannot show it; TestRail refusing it does.
    env.block(env.client().delete_case(300)).unwrap();
    let out = report(&env, file, &["-v"]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["posted"], 3, "{summary}");
    assert!(stderr(&out).contains("dropped"), "{}", stderr(&out));
    let before = get_cases_calls(&env);
    let out = report(&env, file, &["-v"]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("read all 599 cases"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        get_cases_calls(&env) - before,
        3,
        "one full read after that"
    );
    assert_eq!(json(&out)["posted"], 3);
}

#[test]
fn shared_automation_ids_are_listed_as_ambiguous_never_guessed() {
    let mut f = fixture_with_cases(1..=3);
    for (case, aid) in f.cases.iter_mut().zip(["t.dup", "t.dup", "t.one"]) {
        case.extra.insert("custom_automation_id".into(), json!(aid));
    }
    let env = Env::start(f);
    let xml = r#"<testsuite name="t"><testcase classname="t" name="dup"/><testcase classname="t" name="one"/></testsuite>"#;
    let file = env.write_file("dup.xml", xml.as_bytes());
    let out = report(&env, file.to_str().unwrap(), &["--create-cases"]);
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("ambiguous  t.dup  ->  C1, C2"), "{err}");
    let summary = json(&out);
    assert_eq!(summary["posted"], 1, "{summary}");
    assert_eq!(summary["unmapped_count"], 1, "{summary}");
    assert_eq!(
        summary["unmapped_tests"][0]["why"], "automation ID t.dup is carried by 2 cases",
        "{summary}"
    );
    let warning = summary["warnings"][0].as_str().unwrap_or_default();
    assert!(
        warning.contains("automation ID t.dup is carried by C1, C2"),
        "{summary}"
    );
    assert_eq!(
        all_cases(&env).len(),
        3,
        "an ambiguous test gets no new case either"
    );
}

#[test]
fn auto_without_an_automation_id_field_says_which_and_how_to_add_it() {
    let mut f = fixture_with_cases(1..=1);
    // The field exists but only for another project.
    f.projects.push(testrail_api::models::Project {
        id: 2,
        name: "Other".into(),
        suite_mode: 1,
        ..Default::default()
    });
    f.case_fields = vec![automation_field(
        1,
        json!({"is_global": false, "project_ids": [2]}),
    )];
    let env = Env::start(f);
    let file = env.write_file("r.xml", BUILD_1.as_bytes());
    let out = report(&env, file.to_str().unwrap(), &[]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("custom_automation_id") && err.contains("not enabled for project P1"),
        "{err}"
    );
    assert!(err.contains("Administration > Customizations"), "{err}");
    assert_eq!(env.write_requests(), 0);
}

#[test]
fn create_cases_needs_auto() {
    let env = Env::start(fixture_with_cases(1..=1));
    let file = env.write_file("r.xml", BUILD_1.as_bytes());
    let out = env
        .cmd()
        .args(["report", file.to_str().unwrap(), "--project-id", "1"])
        .arg("--create-cases")
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("--case-matcher auto"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn trcli_settings_choose_the_matcher_too() {
    let mut f = fixture_with_cases(1..=2);
    for (case, aid) in f.cases.iter_mut().zip(["t.a", "t.b C1"]) {
        case.extra.insert("custom_automation_id".into(), json!(aid));
    }
    let env = Env::start(f);
    let xml = r#"<testsuite name="t"><testcase classname="t" name="a"/><testcase classname="t" name="b C1"/></testsuite>"#;
    let file = env.write_file("r.xml", xml.as_bytes());
    let file = file.to_str().unwrap();
    let base = ["report", file, "--project-id", "1", "--format", "json"];
    let out = env
        .cmd()
        .args(base)
        .env("TR_CLI_CASE_MATCHER", "auto")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(
        json(&out)["posted"],
        2,
        "TR_CLI_CASE_MATCHER=auto: both by automation ID"
    );
    let yaml = env.write_file("config.yml", b"case_matcher: name\n");
    let out = env
        .cmd()
        .args(base)
        .args(["--trcli-config", yaml.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(
        summary["posted"], 1,
        "trcli YAML name: only C1 in a name {summary}"
    );
}
