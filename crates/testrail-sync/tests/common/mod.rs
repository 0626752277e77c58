//! Shared by the engine's tests: an emulator on 127.0.0.1 in this process with one project,
//! one suite and cases 101..=120 (plus two browser configurations), and a client for it.
#![allow(dead_code)]

use std::time::Duration;

use testrail_api::models::{Case, Config, ConfigGroup, Field, Id, Project, Section, Suite};
use testrail_api::{ApiKey, Client, ClientConfig, RetryPolicy};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Emulator, EmulatorConfig, Faults, Fixture};
use testrail_reports::{CaseIdMatcher, Outcome, TestExecution};
use testrail_sync::auto_match::{AutoSettings, read_matching_automation_ids};
use testrail_sync::{
    Collected, Collector, ProjectRef, ReportInput, SuiteRef, Summary, SyncOptions,
};

pub struct Setup {
    pub emulator: Emulator,
    pub client: Client,
}

pub fn case(id: Id, title: &str) -> Case {
    Case {
        id,
        title: title.into(),
        section_id: 1,
        suite_id: 1,
        template_id: 1,
        type_id: 1,
        priority_id: 2,
        ..Default::default()
    }
}

pub fn fixture(cases: Vec<Case>) -> Fixture {
    Fixture {
        projects: vec![Project {
            id: 1,
            name: "Shop".into(),
            suite_mode: 1,
            ..Default::default()
        }],
        suites: vec![Suite {
            id: 1,
            name: "Master".into(),
            project_id: 1,
            is_master: true,
            ..Default::default()
        }],
        sections: vec![Section {
            id: 1,
            suite_id: 1,
            name: "Tests".into(),
            ..Default::default()
        }],
        cases,
        config_groups: vec![ConfigGroup {
            id: 1,
            name: "Browsers".into(),
            project_id: 1,
            configs: ["Chrome", "Firefox"]
                .iter()
                .zip(1..)
                .map(|(name, id)| Config {
                    id,
                    name: (*name).into(),
                    group_id: 1,
                })
                .collect(),
        }],
        ..Default::default()
    }
}

/// Cases 101..=120, titled "Case N".
pub fn numbered_cases() -> Vec<Case> {
    (101..=120)
        .map(|id| case(id, &format!("Case {id}")))
        .collect()
}

pub async fn setup_with(cases: Vec<Case>, faults: Faults) -> Setup {
    let emulator = testrail_emulator::start(EmulatorConfig {
        fixture: Some(fixture(cases)),
        faults,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let client = client_for(&emulator);
    Setup { emulator, client }
}

/// A client for the emulator: no pacing, quick retries.
pub fn client_for(emulator: &Emulator) -> Client {
    let mut config = ClientConfig::new(emulator.url(), DEMO_EMAIL, ApiKey::new(DEMO_KEY));
    config.rate_limit_per_minute = None;
    config.timeout = Duration::from_secs(10);
    config.retry = RetryPolicy {
        max_attempts: 8,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(30),
    };
    Client::new(config).expect("client")
}

pub async fn setup() -> Setup {
    setup_with(numbered_cases(), Faults::default()).await
}

/// Options for project 1, suite 1, small batches (a plan must name every batch, not one).
pub fn options(run: testrail_sync::RunTarget) -> SyncOptions {
    let mut o = SyncOptions::new(ProjectRef::Id(1));
    o.suite = Some(SuiteRef::Id(1));
    o.run = run;
    o.batch_size = 4;
    o
}

/// One execution per case, named `test_C<id>_works`; every third one failed.
pub fn collected(cases: impl IntoIterator<Item = Id>, options: &SyncOptions) -> Collected {
    let matcher = CaseIdMatcher::default();
    let mut collector = Collector::new(&matcher, options);
    for case in cases {
        let outcome = if case % 3 == 0 {
            Outcome::Failed
        } else {
            Outcome::Passed
        };
        collector.add(TestExecution::new(format!("test_C{case}_works"), outcome));
    }
    collector.collected
}

/// A report without case IDs: `test_add` has a case (by automation ID), `test_remove` and the
/// nested `test_by_price` have none.
pub const NO_IDS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="shop">
  <testsuite name="cart" tests="2">
    <testcase classname="tests.cart.TestCart" name="test_add" time="0.2"/>
    <testcase classname="tests.cart.TestCart" name="test_remove" time="0.1">
      <failure message="still there">AssertionError</failure>
    </testcase>
  </testsuite>
  <testsuite name="search" tests="1">
    <testsuite name="filters" tests="1">
      <testcase classname="tests.search.filters" name="test_by_price" time="0.1"/>
    </testsuite>
  </testsuite>
</testsuites>
"#;

/// Cases 101..=120, 101 carrying the automation ID of `test_add`, on an instance with the
/// automation ID field.
pub async fn automation_setup() -> Setup {
    let mut cases = numbered_cases();
    cases[0].extra.insert(
        "custom_automation_id".into(),
        "tests.cart.TestCart.test_add".into(),
    );
    let mut fixture = fixture(cases);
    let field: Field = serde_json::from_value(serde_json::json!({
        "id": 5, "system_name": "custom_automation_id", "name": "automation_id",
        "label": "Automation ID", "type_id": 1, "is_active": true, "include_all": true,
        "configs": [{"id": "5", "context": {"is_global": true, "project_ids": null},
                     "options": {"is_required": false, "default_value": ""}}]
    }))
    .expect("field");
    fixture.case_fields = vec![field];
    let emulator = testrail_emulator::start(EmulatorConfig {
        fixture: Some(fixture),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let client = client_for(&emulator);
    Setup { emulator, client }
}

pub fn report_without_ids(name: &str) -> ReportInput {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dry-run-is-the-plan");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, NO_IDS).expect("report written");
    ReportInput {
        files: vec![file],
        format: None,
        matcher: CaseIdMatcher::tagged_only(),
        match_by_title: false,
    }
}

/// `--case-matcher auto --create-cases`: read by automation ID, then sync, as the CLI does.
pub async fn sync_creating_cases(
    setup: &Setup,
    input: &ReportInput,
    options: &SyncOptions,
) -> Summary {
    let settings = AutoSettings {
        input,
        options,
        cache_dir: None,
        create: Some(Default::default()),
    };
    let read = read_matching_automation_ids(&setup.client, settings)
        .await
        .expect("read by automation ID");
    testrail_sync::sync_prepared(
        &setup.client,
        read.collected,
        options,
        &testrail_sync::Quiet,
        read.prepared,
    )
    .await
    .expect("sync")
}
