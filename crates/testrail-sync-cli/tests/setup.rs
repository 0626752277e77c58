//! Getting set up: the plans/milestones/users look-ups, `init`, coming from trcli (`TR_CLI_*`
//! variables and `--trcli-config`), and the man page — the real binary against the emulator.

mod common;

use std::process::Stdio;

use common::*;
use testrail_api::models::{AddPlan, Milestone, User};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Fixture};

fn fixture() -> Fixture {
    let mut f = with_skipped_status(fixture_with_cases(101..=120));
    f.users.push(User {
        id: 2,
        name: "Ana Tester".into(),
        email: "ana@shop.example".into(),
        is_active: true,
        role: Some("Tester".into()),
        ..Default::default()
    });
    f.milestones.push(Milestone {
        id: 1,
        name: "Release 2.0".into(),
        project_id: 1,
        due_on: Some(1_798_761_600), // 2027-01-01
        is_started: true,
        ..Default::default()
    });
    f
}

fn pytest_report() -> String {
    corpus("pytest/report.xml").display().to_string()
}

#[test]
fn plans_milestones_and_users_print_tables_and_json() {
    let env = Env::start(fixture());
    let plan = AddPlan {
        name: "Regression 2.0".into(),
        milestone_id: Some(1),
        ..Default::default()
    };
    env.block(env.client().add_plan(1, &plan)).unwrap();

    let plans = env.run(&["plans", "--project-id", "1"]);
    assert_exit(&plans, 0);
    let text = stdout(&plans);
    assert!(text.starts_with("ID  NAME"), "{text}");
    assert!(text.contains("Regression 2.0"), "{text}");
    let j = json(&env.run(&["plans", "--project-id", "1", "--format", "json"]));
    assert_eq!(j[0]["name"], "Regression 2.0");
    assert_eq!(j[0]["milestone_id"], 1);

    let milestones = env.run(&["milestones", "--project-id", "1"]);
    assert_exit(&milestones, 0);
    let text = stdout(&milestones);
    assert!(text.contains("Release 2.0"), "{text}");
    assert!(text.contains("started"), "{text}");
    assert!(text.contains("2027-01-01"), "{text}");
    let j = json(&env.run(&["milestones", "--project-id", "1", "--format", "json"]));
    assert_eq!(j[0]["name"], "Release 2.0");

    let users = env.run(&["users"]);
    assert_exit(&users, 0);
    let text = stdout(&users);
    assert!(text.contains("ana@shop.example"), "{text}");
    assert!(text.contains("Ana Tester"), "{text}");
    let j = json(&env.run(&["users", "--format", "json"]));
    let emails: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"ana@shop.example"), "{emails:?}");
    assert!(emails.contains(&DEMO_EMAIL), "{emails:?}");

    let no_project = env.run(&["plans"]);
    assert_exit(&no_project, 2);
    assert!(stderr(&no_project).contains("--project-id"));
}

#[test]
fn init_from_flags_writes_a_working_config_without_the_key_and_never_overwrites() {
    let env = Env::start(fixture());
    let out = env.run(&[
        "init",
        "--host",
        &env.url,
        "--user",
        DEMO_EMAIL,
        "--project-id",
        "1",
        "--suite-id",
        "1",
        "--yes",
    ]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("TESTRAIL_API_KEY"));
    let path = env.dir.join("testrail-sync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&format!("host = \"{}\"", env.url)), "{text}");
    assert!(text.contains("project_id = 1\n"), "{text}");
    assert!(text.contains("suite_id = 1\n"), "{text}");
    assert!(
        text.contains("# close_on_branch"),
        "commented examples: {text}"
    );
    assert!(!text.contains(DEMO_KEY), "the API key is never written");

    // Found on its own, the file may not say where the environment's key goes (issue #22).
    let found = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .env_remove("TESTRAIL_USER")
        .args(["report", &pytest_report()])
        .output()
        .unwrap();
    assert_exit(&found, 2);
    assert!(stderr(&found).contains("--config testrail-sync.toml"));
    // Named, the file drives a real report: host, user, project and suite come from it alone.
    let report = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .env_remove("TESTRAIL_USER")
        .args([
            "--config",
            "testrail-sync.toml",
            "report",
            &pytest_report(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&report, 0);
    assert_eq!(json(&report)["posted"], 12);

    let again = env.run(&["init", "--host", "https://other.example", "--yes"]);
    assert_exit(&again, 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "unchanged");

    let elsewhere = env.run(&[
        "--config",
        "ci.toml",
        "init",
        "--host",
        "https://ci.example",
        "--yes",
    ]);
    assert_exit(&elsewhere, 0);
    let ci = std::fs::read_to_string(env.dir.join("ci.toml")).unwrap();
    assert!(
        ci.contains("host = \"https://ci.example\""),
        "--config names the file: {ci}"
    );

    let forced = env.run(&[
        "init",
        "--host",
        "https://other.example",
        "--yes",
        "--force",
    ]);
    assert_exit(&forced, 0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("host = \"https://other.example\""), "{text}");
    assert!(
        text.contains("# project_id = 1"),
        "unset keys stay commented: {text}"
    );
}

#[test]
fn init_asks_and_lists_projects_from_the_api() {
    let env = Env::start(fixture());
    let mut child = env
        .cmd()
        .args(["init"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Host and user: keep the defaults from the environment; project: 1.
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"\n\n1\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);
    let questions = stderr(&out);
    assert!(questions.contains("TestRail address"), "{questions}");
    assert!(questions.contains("Shop"), "projects listed: {questions}");
    assert!(
        questions.contains("Master"),
        "the only suite is named: {questions}"
    );
    let text = std::fs::read_to_string(env.dir.join("testrail-sync.toml")).unwrap();
    assert!(text.contains("# Project \"Shop\""), "{text}");
    assert!(text.contains("project_id = 1\n"), "{text}");
    assert!(text.contains("suite_id = 1\n"), "{text}");
    assert!(text.contains(&format!("user = \"{DEMO_EMAIL}\"")), "{text}");
    assert!(!text.contains(DEMO_KEY));
}

/// String result fields in every project: report refuses a result field the project lacks
/// (TestRail would drop its value silently), so the trcli settings' fields must exist.
fn with_string_result_fields(mut f: Fixture, names: &[&str]) -> Fixture {
    for (i, name) in names.iter().enumerate() {
        let short = name.trim_start_matches("custom_");
        f.result_fields.push(
            serde_json::from_value(serde_json::json!({
                "id": 100 + i, "system_name": name, "name": short, "label": short,
                "type_id": 1, "is_active": true, "include_all": true,
                "configs": [{"id": format!("{}", 100 + i),
                             "context": {"is_global": true, "project_ids": null},
                             "options": {"is_required": false}}]
            }))
            .expect("a valid String field"),
        );
    }
    f
}

#[test]
fn a_trcli_yaml_config_drives_a_real_report_and_warns_about_keys_that_do_not_map() {
    let env = Env::start(with_string_result_fields(
        fixture(),
        &["custom_environment"],
    ));
    let yaml = format!(
        "host: {}\nusername: {DEMO_EMAIL}\nkey: {DEMO_KEY}\nproject_id: 1\n\
         title: Nightly from trcli\nclose_run: true\nbatch_size: 5\ntimeout: 30\n\
         case_result_statuses:\n  skipped: 6\n\
         result_fields:\n  - custom_environment:staging\n\
         insecure: true\nspecial_parser: junit\n",
        env.url
    );
    let config = env.write_file("trcli.yml", yaml.as_bytes());
    let out = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .env_remove("TESTRAIL_USER")
        .env_remove("TESTRAIL_API_KEY")
        .args([
            "report",
            &pytest_report(),
            "--trcli-config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let warnings = stderr(&out);
    assert!(warnings.contains("`insecure` ignored"), "{warnings}");
    assert!(warnings.contains("`special_parser` ignored"), "{warnings}");
    assert!(
        !warnings.contains("`title`"),
        "mapped keys do not warn: {warnings}"
    );
    let summary = json(&out);
    assert_eq!(summary["run_name"], "Nightly from trcli");
    assert_eq!(summary["closed"], true);
    assert_eq!(summary["posted"], 12);
    assert!(summary["batches"].as_u64().unwrap() >= 3, "batch_size 5");
    let run_id = summary["run_id"].as_u64().unwrap();
    let client = env.client();
    let results = env.block(client.get_results_for_run(run_id)).unwrap();
    assert_eq!(
        results.iter().filter(|r| r.status_id == Some(6)).count(),
        3,
        "skipped -> status 6 from case_result_statuses"
    );
    assert!(
        results
            .iter()
            .all(|r| r.extra.get("custom_environment").and_then(|v| v.as_str()) == Some("staging"))
    );
}

#[test]
fn trcli_environment_variables_work_and_ours_win() {
    let env = Env::start(with_string_result_fields(
        fixture(),
        &["custom_env", "custom_os"],
    ));
    // Only trcli's variables: host, user, key, project and the run title.
    let out = env
        .cmd()
        .env_remove("TESTRAIL_HOST")
        .env_remove("TESTRAIL_USER")
        .env_remove("TESTRAIL_API_KEY")
        .env("TR_CLI_HOST", &env.url)
        .env("TR_CLI_USERNAME", DEMO_EMAIL)
        .env("TR_CLI_KEY", DEMO_KEY)
        .env("TR_CLI_PROJECT_ID", "1")
        .env("TR_CLI_TITLE", "From TR_CLI")
        .env("TR_CLI_RESULT_FIELDS", "custom_env:ci custom_os:linux")
        .env("TR_CLI_PROXY", "http://proxy.invalid:3128")
        .args(["report", &pytest_report(), "--format", "json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let summary = json(&out);
    assert_eq!(summary["run_name"], "From TR_CLI");
    let run_id = summary["run_id"].as_u64().unwrap();
    let results = env.block(env.client().get_results_for_run(run_id)).unwrap();
    assert!(
        results
            .iter()
            .all(|r| r.extra.get("custom_os").and_then(|v| v.as_str()) == Some("linux")),
        "TR_CLI_RESULT_FIELDS, split on whitespace like click"
    );
    assert!(
        stderr(&out).contains("TR_CLI_PROXY ignored: set HTTPS_PROXY"),
        "{}",
        stderr(&out)
    );

    // Ours win: a wrong trcli host/key/project is ignored when TESTRAIL_* and flags are set.
    let yaml = "host: http://127.0.0.1:9\nkey: wrong\nproject_id: 77\ntitle: Theirs\n";
    let config = env.write_file("trcli.yml", yaml.as_bytes());
    let out = env
        .cmd()
        .env("TR_CLI_HOST", "http://127.0.0.1:9")
        .args([
            "report",
            &pytest_report(),
            "--project-id",
            "1",
            "--run-name",
            "Ours",
            "--trcli-config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(json(&out)["run_name"], "Ours");

    // TR_CLI_CONFIG names the YAML file, as trcli's -c does.
    let yaml = "title: From TR_CLI_CONFIG\nmilestone_id: 1\n";
    let config = env.write_file("trcli-env.yml", yaml.as_bytes());
    let out = env
        .cmd()
        .env("TR_CLI_CONFIG", &config)
        .args([
            "report",
            &pytest_report(),
            "--project-id",
            "1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let run_id = json(&out)["run_id"].as_u64().unwrap();
    let run = env.block(env.client().get_run(run_id)).unwrap();
    assert_eq!(run.name, "From TR_CLI_CONFIG");
    assert_eq!(run.milestone_id, Some(1));
}

#[test]
fn man_prints_a_roff_page_naming_the_commands() {
    let out = std::process::Command::new(BIN).arg("man").output().unwrap();
    assert_exit(&out, 0);
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH testrail-sync"),
        "{page}"
    );
    for command in ["report", "cases", "init", "milestones"] {
        assert!(page.contains(command), "{command} in the man page");
    }
    let report = std::process::Command::new(BIN)
        .args(["man", "report"])
        .output()
        .unwrap();
    assert_exit(&report, 0);
    let page = stdout(&report);
    assert!(page.contains(".TH testrail-sync-report"), "{page}");
    assert!(
        page.contains("match\\-by\\-title"),
        "report's flags: {page}"
    );
    let unknown = std::process::Command::new(BIN)
        .args(["man", "nope"])
        .output()
        .unwrap();
    assert_exit(&unknown, 2);
}
