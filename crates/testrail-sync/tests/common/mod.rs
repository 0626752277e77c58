//! Shared by the engine's tests: an emulator on 127.0.0.1 in this process with one project,
//! one suite and cases 101..=120 (plus two browser configurations), and a client for it.
#![allow(dead_code)]

use std::time::Duration;

use testrail_api::models::{Case, Config, ConfigGroup, Id, Project, Section, Suite};
use testrail_api::{ApiKey, Client, ClientConfig, RetryPolicy};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, Emulator, EmulatorConfig, Faults, Fixture};
use testrail_reports::{CaseIdMatcher, Outcome, TestExecution};
use testrail_sync::{Collected, Collector, ProjectRef, SuiteRef, SyncOptions};

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
    let mut config = ClientConfig::new(emulator.url(), DEMO_EMAIL, ApiKey::new(DEMO_KEY));
    config.rate_limit_per_minute = None;
    config.timeout = Duration::from_secs(10);
    config.retry = RetryPolicy {
        max_attempts: 8,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(30),
    };
    let client = Client::new(config).expect("client");
    Setup { emulator, client }
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
