//! Names TestRail would refuse: over 250 characters it answers `Field :name is too long (250
//! characters at most).` (testrail-observed 8.12) — after every read, so a sync would fail at
//! its first write. A name the tool makes (a run name template, a section from a long report
//! suite name) is shortened visibly and the dry run shows the final name; a name the user gave
//! literally is exit 2 before any request.

mod common;

use common::*;
use serde_json::{Value, json};
use testrail_api::models::Field;
use testrail_emulator::Fixture;

const MAX: usize = 250;

/// An empty single-suite project with a String Automation ID case field.
fn instance() -> Fixture {
    let mut f = fixture_with_cases([]);
    f.sections.clear();
    let field: Field = serde_json::from_value(json!({
        "id": 5, "system_name": "custom_automation_id", "name": "automation_id",
        "label": "Automation ID", "type_id": 1, "is_active": true, "include_all": true,
        "configs": [{"id": "5", "context": {"is_global": true, "project_ids": null},
                     "options": {"is_required": false, "default_value": ""}}]
    }))
    .unwrap();
    f.case_fields = vec![field];
    f
}

fn long_suite_name() -> String {
    format!(
        "integration {}",
        "very-long-parametrised-suite-name ".repeat(10)
    )
}

fn report_xml() -> String {
    format!(
        r#"<testsuites><testsuite name="{}"><testcase classname="t.Long" name="test_a"/><testcase classname="t.Long" name="test_b"/></testsuite></testsuites>"#,
        long_suite_name()
    )
}

/// A 300-character template: long literal text, a long branch, the build and the date.
fn long_template() -> String {
    let literal = format!("Nightly regression {} ", "of the whole shop ".repeat(15));
    let template = format!("{literal}{{branch}} #{{build}} {{date}}");
    assert!(template.chars().count() >= 300, "{}", template.len());
    template
}

fn sync(env: &Env, file: &str, extra: &[&str]) -> std::process::Output {
    env.cmd()
        .args([
            "report",
            file,
            "--project-id",
            "1",
            "--case-matcher",
            "auto",
        ])
        .args(["--create-cases", "--rate-limit", "0", "--format", "json"])
        .args(["--run-name", &long_template()])
        .env("JENKINS_URL", "http://ci.invalid/")
        .env("BUILD_NUMBER", "4711")
        .env(
            "BRANCH_NAME",
            format!("feature/{}", "long-branch-".repeat(12)),
        )
        .args(extra)
        .output()
        .unwrap()
}

/// The quoted name in a planned call such as `add_run: "NAME" with 2 cases`.
fn quoted(call: &str) -> String {
    let start = call.find('"').expect("a quoted name") + 1;
    let end = call.rfind('"').unwrap();
    call[start..end].to_owned()
}

fn planned(out: &std::process::Output, endpoint: &str) -> Vec<String> {
    json(out)["planned_calls"]
        .as_array()
        .expect("planned_calls")
        .iter()
        .filter_map(Value::as_str)
        .filter(|c| c.starts_with(endpoint))
        .map(quoted)
        .collect()
}

/// A 300-character run template and a 300-character report suite: the dry run shows the
/// shortened names, the sync creates the run and section under exactly those names (≤ 250,
/// cut with `…`, build number and date kept), and the next sync finds the section again.
#[test]
fn long_template_and_long_section_are_shortened_visibly_and_created() {
    let env = Env::start(instance());
    let file = env.write_file("r.xml", report_xml().as_bytes());
    let file = file.to_str().unwrap();

    let dry = sync(&env, file, &["--dry-run"]);
    assert_exit(&dry, 0);
    let run_names = planned(&dry, "add_run");
    let sections = planned(&dry, "add_section");
    assert_eq!(
        (run_names.len(), sections.len()),
        (1, 1),
        "{}",
        stdout(&dry)
    );
    let (run_name, section) = (&run_names[0], &sections[0]);
    assert!(run_name.chars().count() <= MAX, "{run_name}");
    assert!(run_name.contains('…'), "the cut is visible: {run_name}");
    let (today, _) = testrail_sync::text::utc_now();
    assert!(
        run_name.ends_with(&format!("#4711 {today}")),
        "build and date kept: {run_name}"
    );
    assert!(
        section.chars().count() <= MAX && section.ends_with('…'),
        "{section}"
    );
    assert_eq!(env.write_requests(), 0, "a dry run writes nothing");

    let out = sync(&env, file, &[]);
    assert_exit(&out, 0);
    let client = env.client();
    let runs = env.block(client.get_runs(1, None)).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(&runs[0].name, run_name, "the run has the dry run's name");
    let made = env.block(client.get_sections(1, Some(1))).unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(&made[0].name, section, "the section has the dry run's name");
    assert!(made[0].name.chars().count() <= MAX);

    let again = sync(&env, file, &["--dry-run"]);
    assert_exit(&again, 0);
    assert!(
        planned(&again, "add_section").is_empty(),
        "the shortened section is found again: {}",
        stdout(&again)
    );
}

/// Names the user typed are theirs to shorten: a literal `--run-name`, `--plan-name` or
/// `cases create --section` over 250 characters is exit 2 and not one request is sent.
#[test]
fn a_literal_name_over_250_characters_is_exit_2_before_any_request() {
    let env = Env::start(instance());
    let file = env.write_file("r.xml", report_xml().as_bytes());
    let file = file.to_str().unwrap();
    let long = "n".repeat(251);
    let section = format!("Automated/{long}");
    let attempts: [Vec<&str>; 3] = [
        vec!["report", file, "--project-id", "1", "--run-name", &long],
        vec!["report", file, "--project-id", "1", "--plan-name", &long],
        vec![
            "cases",
            "create",
            file,
            "--project-id",
            "1",
            "--section",
            &section,
        ],
    ];
    for args in attempts {
        let out = env.run(&args);
        assert_exit(&out, 2);
        assert!(
            stderr(&out).contains("251 characters"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(env.emulator().stats().requests, 0, "nothing was sent");
}
