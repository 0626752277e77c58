//! Test plans with configurations, and attachments uploaded to the results they belong to.

mod common;

use common::*;
use testrail_api::models::{AddPlan, Config, ConfigGroup};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY};

fn browsers(mut fixture: testrail_emulator::Fixture) -> testrail_emulator::Fixture {
    fixture.config_groups.push(ConfigGroup {
        id: 1,
        name: "Browsers".into(),
        project_id: 1,
        configs: vec![
            Config {
                id: 1,
                name: "Chrome".into(),
                group_id: 1,
            },
            Config {
                id: 2,
                name: "Firefox".into(),
                group_id: 1,
            },
        ],
    });
    fixture
}

fn junit(cases: &[(u64, bool)]) -> String {
    let body: String = cases
        .iter()
        .map(|(id, ok)| {
            if *ok {
                format!("<testcase classname=\"t\" name=\"test_C{id}\" time=\"0.2\"/>")
            } else {
                format!("<testcase classname=\"t\" name=\"test_C{id}\" time=\"0.2\"><failure message=\"boom {id}\">trace</failure></testcase>")
            }
        })
        .collect();
    format!("<testsuite name=\"s\">{body}</testsuite>")
}

#[test]
fn each_configuration_gets_its_own_run_in_one_plan_entry() {
    let env = Env::start(browsers(fixture_with_cases(1..=10)));
    let client = env.client();
    let plan = env
        .block(client.add_plan(
            1,
            &AddPlan {
                name: "Release 2.8".into(),
                ..Default::default()
            },
        ))
        .unwrap();
    let chrome = env.write_file("chrome.xml", junit(&[(1, true), (2, false)]).as_bytes());
    let firefox = env.write_file("firefox.xml", junit(&[(1, true), (3, true)]).as_bytes());
    let plan_id = plan.id.to_string();
    for (file, config) in [(&chrome, "1"), (&firefox, "2")] {
        let out = env.run(&[
            "report",
            &file.display().to_string(),
            "--project-id",
            "1",
            "--plan-id",
            &plan_id,
            "--config-ids",
            config,
            "--format",
            "json",
        ]);
        assert_exit(&out, 0);
        assert_eq!(json(&out)["posted"], 2);
    }
    let plan = env.block(client.get_plan(plan.id)).unwrap();
    assert_eq!(plan.entries.len(), 1, "one entry for the suite");
    let runs = &plan.entries[0].runs;
    assert_eq!(runs.len(), 2);
    let chrome_run = runs
        .iter()
        .find(|r| r.config_ids == vec![1])
        .expect("a Chrome run");
    let firefox_run = runs
        .iter()
        .find(|r| r.config_ids == vec![2])
        .expect("a Firefox run");
    assert_eq!(chrome_run.counts.failed_count, 1);
    assert_eq!(firefox_run.counts.passed_count, 2);
    assert_eq!(plan.counts.passed_count, 3);

    // A second report for Chrome reuses its run.
    let again = env.write_file("chrome2.xml", junit(&[(4, true)]).as_bytes());
    let out = env.run(&[
        "report",
        &again.display().to_string(),
        "--project-id",
        "1",
        "--plan-id",
        &plan_id,
        "--config-ids",
        "1",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["run_id"], chrome_run.id);
    let tests = env.block(client.get_tests(chrome_run.id)).unwrap();
    assert_eq!(tests.len(), 3, "C4 was added to the Chrome run");
}

#[test]
fn plan_name_finds_or_creates_the_plan_and_close_closes_it() {
    let env = Env::start(fixture_with_cases(1..=5));
    let report = env.write_file("r.xml", junit(&[(1, true)]).as_bytes());
    let path = report.display().to_string();
    let first = env.run(&[
        "report",
        &path,
        "--project-id",
        "1",
        "--plan-name",
        "Nightly",
        "--format",
        "json",
    ]);
    assert_exit(&first, 0);
    let second = env.run(&[
        "report",
        &path,
        "--project-id",
        "1",
        "--plan-name",
        "Nightly",
        "--close",
        "--no-journal",
        "--format",
        "json",
    ]);
    assert_exit(&second, 0);
    assert_eq!(json(&second)["closed"], true);
    let client = env.client();
    let plans = env.block(client.get_plans(1)).unwrap();
    assert_eq!(plans.len(), 1, "the second report found the first plan");
    assert!(plans[0].is_completed);
}

#[test]
fn config_ids_without_a_plan_is_bad_input() {
    let env = Env::start(fixture_with_cases(1..=5));
    let report = env.write_file("r.xml", junit(&[(1, true)]).as_bytes());
    let out = env.run(&[
        "report",
        &report.display().to_string(),
        "--project-id",
        "1",
        "--config-ids",
        "1",
    ]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--plan-id"));
}

#[test]
fn linked_files_are_uploaded_to_their_results_and_missing_ones_warned() {
    let env = Env::start(fixture_with_cases(1..=5));
    let screenshot: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    env.write_file("shot.png", &screenshot);
    let report = format!(
        "<testsuite name=\"s\">\
           <testcase classname=\"t\" name=\"test_C1\" time=\"1\"><failure message=\"bad\">trace</failure>\
             <system-out>log line\n[[ATTACHMENT|{}]]\n</system-out></testcase>\
           <testcase classname=\"t\" name=\"test_C2\" time=\"1\">\
             <system-out>[[ATTACHMENT|gone.png]]</system-out></testcase>\
         </testsuite>",
        env.dir.join("shot.png").display()
    );
    let path = env.write_file("r.xml", report.as_bytes());
    let out = env.run(&[
        "report",
        &path.display().to_string(),
        "--project-id",
        "1",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["attachments_uploaded"], 1);
    let skipped = summary["attachments_skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["path"], "gone.png");
    assert_eq!(skipped[0]["kind"], "missing");

    let client = env.client();
    let run_id = summary["run_id"].as_u64().unwrap();
    let tests = env.block(client.get_tests(run_id)).unwrap();
    let c1 = tests.iter().find(|t| t.case_id == 1).unwrap();
    let attachments = env.block(client.get_attachments_for_test(c1.id)).unwrap();
    assert_eq!(attachments.len(), 1);
    let url = format!(
        "{}/index.php?/api/v2/get_attachment/{}",
        env.url, attachments[0].id
    );
    let bytes = env
        .block(async {
            reqwest::Client::new()
                .get(url)
                .basic_auth(DEMO_EMAIL, Some(DEMO_KEY))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        })
        .to_vec();
    assert_eq!(bytes, screenshot, "the bytes read back are the file's");

    let none = env.run(&[
        "report",
        &path.display().to_string(),
        "--project-id",
        "1",
        "--no-attachments",
        "--format",
        "json",
    ]);
    assert_exit(&none, 0);
    assert_eq!(json(&none)["attachments_uploaded"], 0);
}
