//! The automation ID and suite path every reader gives a test: what `--case-matcher auto`
//! matches on and where `--create-cases` puts a new case, as trcli 1.15.3 builds them.

use std::path::Path;

use testrail_reports::{Format, ReadOptions, TestExecution, read};

fn executions(text: &str, format: Format) -> Vec<TestExecution> {
    let mut seen = Vec::new();
    read(
        text.as_bytes(),
        Path::new("r"),
        format,
        &ReadOptions::default(),
        &mut |e| seen.push(e),
    )
    .unwrap();
    seen
}

#[test]
fn junit_nested_suites_give_the_path_and_classname_dot_name() {
    let xml = r#"<testsuites name="all">
  <testsuite name="api">
    <testsuite name="login">
      <testcase classname="tests.LoginTest" name="ok"/>
      <testcase classname="tests.LoginTest" name="stated" custom_automation_id="my.id"/>
      <testcase classname="tests.LoginTest" name="by property">
        <properties><property name="testrail_case_field" value="custom_automation_id:prop.id"/></properties>
      </testcase>
    </testsuite>
    <testcase classname="tests.Api" name="top"/>
  </testsuite>
  <testsuite><testcase classname="x" name="nameless suite"/></testsuite>
  <testsuite name="go"><testcase name="TestNoClass"/></testsuite>
</testsuites>"#;
    let got: Vec<(String, Vec<String>)> = executions(xml, Format::Junit)
        .iter()
        .map(|e| (e.automation_id().into_owned(), e.suite_path.to_vec()))
        .collect();
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            ("tests.LoginTest.ok".into(), path(&["api", "login"])),
            ("my.id".into(), path(&["api", "login"])),
            ("prop.id".into(), path(&["api", "login"])),
            ("tests.Api.top".into(), path(&["api"])),
            ("x.nameless suite".into(), path(&[])),
            // trcli formats the missing attribute as Python's None.
            ("None.TestNoClass".into(), path(&["go"])),
        ]
    );
}

#[test]
fn robot_uses_the_dotted_suite_path() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<robot generator="Robot 7.0">
<suite name="Tests" id="s1">
<suite name="Login" id="s1-s1">
<test name="Valid Login" id="s1-s1-t1"><status status="PASS" start="2024-01-01T00:00:00.000" elapsed="0.1"/></test>
</suite>
</suite>
</robot>"#;
    let e = &executions(xml, Format::Robot)[0];
    assert_eq!(e.automation_id(), "Tests.Login.Valid Login");
    assert_eq!(e.suite_path.to_vec(), ["Tests", "Login"]);
}

#[test]
fn cucumber_joins_feature_tags_as_written_then_scenario() {
    let json = r#"[{"name":"Checkout","uri":"f.feature","tags":[{"name":"@web"}],
      "elements":[{"name":"Pay","type":"scenario","tags":[{"name":"@smoke"},{"name":"@C12"}],
        "steps":[{"name":"s","result":{"status":"passed"}}]}]}]"#;
    let e = &executions(json, Format::Cucumber)[0];
    assert_eq!(e.automation_id(), "Checkout.@web.@smoke.@C12.Pay");
    assert_eq!(e.suite_path.to_vec(), ["Checkout"]);
}

/// Our automation IDs for every JUnit report of the corpus against the ones trcli 1.15.3's own
/// reader gives (`tests/corpus/trcli_automation_ids.py` wrote them with trcli installed).
/// Every ID trcli builds must be one of ours, or the cases trcli created would not be found;
/// ours may have more, because trcli skips tests of nested `<testsuite>`s (its reader iterates
/// direct children only) and keeps every rerun element where we fold reruns into one test.
#[test]
fn every_automation_id_trcli_builds_for_the_corpus_is_ours_too() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(corpus.join("trcli-automation-ids.json"))
        .expect("trcli-automation-ids.json is part of the corpus");
    let expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
    let reports = expected["reports"].as_object().unwrap();
    assert!(reports.len() >= 20, "the corpus lost its JUnit reports");
    let mut compared = 0;
    for (entry, theirs) in reports {
        let Some(ids) = theirs["automation_ids"].as_array() else {
            continue; // trcli cannot read it (recorded as trcli_error)
        };
        let text = std::fs::read_to_string(corpus.join(entry).join("report.xml")).unwrap();
        let ours: std::collections::BTreeSet<String> = executions(&text, Format::Junit)
            .iter()
            .map(|e| e.automation_id().into_owned())
            .collect();
        for id in ids {
            let id = id.as_str().unwrap();
            assert!(
                ours.contains(id),
                "{entry}: trcli builds {id:?}, we do not; ours: {ours:#?}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 20, "{compared}");
}
