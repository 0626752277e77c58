//! `--dry-run` lists the writes the sync then makes: for every way a run is chosen, a dry run
//! and then the real sync run against the same emulator state (over real HTTP on 127.0.0.1),
//! and the test asserts that the dry run sent no write request and named exactly the write
//! endpoints — with their counts — that the real sync then called.
//!
//! The fault these guard against: a dry run that is a second implementation and promises
//! `add_run` where the sync does `update_run` (a `--run-key` run that exists) or
//! `add_plan` + `add_plan_entry` (a `--plan-name` plan that does not), or that leaves the
//! `add_section`/`add_case` calls of `--create-cases` out of its plan.

mod common;

use std::collections::BTreeMap;

use common::*;
use testrail_api::Client;
use testrail_api::models::{AddPlan, AddPlanEntry, Id, RunFields};
use testrail_emulator::Emulator;
use testrail_sync::{ClosePolicy, PlanRef, ReportInput, RunTarget, Summary, SyncOptions};

/// Endpoint name → requests, for the endpoints that write.
type Writes = BTreeMap<String, u64>;

fn new_run() -> RunTarget {
    RunTarget::New {
        name_template: "Nightly".into(),
    }
}

fn is_write(endpoint: &str) -> bool {
    ["add_", "update_", "close_", "delete_"]
        .iter()
        .any(|p| endpoint.starts_with(p))
}

/// Write requests the emulator received so far, per endpoint.
fn writes(emulator: &Emulator) -> Writes {
    emulator
        .stats()
        .endpoints
        .into_iter()
        .filter(|(e, _)| is_write(e))
        .collect()
}

fn since(after: &Writes, before: &Writes) -> Writes {
    after
        .iter()
        .map(|(e, n)| (e.clone(), n - before.get(e).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The endpoint each planned call starts with (`add_run/1: "Nightly" with 6 cases` → add_run).
fn planned(summary: &Summary) -> Writes {
    let mut out = Writes::new();
    for call in &summary.planned_calls {
        let endpoint = call
            .split(['/', ':'])
            .next()
            .expect("a call names its endpoint");
        assert!(is_write(endpoint), "not a write endpoint: {call}");
        *out.entry(endpoint.to_owned()).or_default() += 1;
    }
    out
}

/// Dry run, then the real sync on the same state: the dry run wrote nothing and its plan is
/// exactly what the sync did. Returns the plan (endpoint → calls) and both summaries.
async fn dry_run_then_sync(
    setup: &Setup,
    options: &SyncOptions,
    cases: impl IntoIterator<Item = Id> + Clone,
) -> (Writes, Summary, Summary) {
    let before = writes(&setup.emulator);
    let mut dry = options.clone();
    dry.dry_run = true;
    let preview = testrail_sync::sync(
        &setup.client,
        collected(cases.clone(), &dry),
        &dry,
        &testrail_sync::Quiet,
    )
    .await
    .expect("dry run");
    assert!(preview.dry_run);
    assert_eq!(
        writes(&setup.emulator),
        before,
        "the dry run sent write requests"
    );
    let plan = planned(&preview);
    let real = testrail_sync::sync(
        &setup.client,
        collected(cases, options),
        options,
        &testrail_sync::Quiet,
    )
    .await
    .expect("sync");
    let done = since(&writes(&setup.emulator), &before);
    assert_eq!(
        plan, done,
        "the dry run planned {:?}; the sync wrote {done:?}",
        preview.planned_calls
    );
    (plan, preview, real)
}

fn endpoints(plan: &Writes) -> Vec<&str> {
    plan.keys().map(String::as_str).collect()
}

/// Opens a run with some of the suite's cases, outside the sync (another job's run).
async fn run_with(client: &Client, cases: &[Id], description: Option<String>) -> Id {
    client
        .add_run(
            1,
            &RunFields {
                suite_id: Some(1),
                name: Some("Shared".into()),
                description,
                include_all: Some(false),
                case_ids: Some(cases.to_vec()),
                ..Default::default()
            },
        )
        .await
        .expect("add_run")
        .id
}

#[tokio::test]
async fn a_new_run_is_created_then_filled_batch_by_batch() {
    let setup = setup().await;
    let (plan, preview, real) = dry_run_then_sync(&setup, &options(new_run()), 101..=110).await;
    assert_eq!(endpoints(&plan), ["add_results_for_cases", "add_run"]);
    assert_eq!(
        plan["add_results_for_cases"], 3,
        "10 results in batches of 4"
    );
    assert!(preview.planned_calls[0].starts_with("add_run/1: \"Nightly\" with 10 cases"));
    assert!(real.created_run);
    assert_eq!(real.posted, 10);
}

#[tokio::test]
async fn a_run_key_seen_first_creates_the_keyed_run() {
    let setup = setup().await;
    let run = RunTarget::Key {
        key: "build-7".into(),
        name_template: "Nightly".into(),
    };
    let (plan, _, real) = dry_run_then_sync(&setup, &options(run), 101..=106).await;
    assert_eq!(endpoints(&plan), ["add_results_for_cases", "add_run"]);
    assert!(real.created_run);
}

#[tokio::test]
async fn a_run_key_of_an_existing_run_adds_the_missing_cases_to_it() {
    let setup = setup().await;
    let run = RunTarget::Key {
        key: "build-7".into(),
        name_template: "Nightly".into(),
    };
    let marker = Some("testrail-sync key: build-7".to_owned());
    let existing = run_with(&setup.client, &[101, 102, 103], marker).await;
    let (plan, preview, real) = dry_run_then_sync(&setup, &options(run), 101..=108).await;
    assert_eq!(endpoints(&plan), ["add_results_for_cases", "update_run"]);
    assert_eq!(
        preview.planned_calls[0],
        format!("update_run/{existing}: add 5 cases")
    );
    assert_eq!(preview.run_id, Some(existing));
    assert_eq!(real.run_id, Some(existing));
    assert!(!real.created_run);
}

#[tokio::test]
async fn a_run_id_missing_cases_gets_them_added_first() {
    let setup = setup().await;
    let existing = run_with(&setup.client, &[101, 102], None).await;
    let (plan, _, real) =
        dry_run_then_sync(&setup, &options(RunTarget::Existing(existing)), 101..=105).await;
    assert_eq!(endpoints(&plan), ["add_results_for_cases", "update_run"]);
    assert_eq!(real.run_id, Some(existing));
    assert_eq!(real.posted, 5);
}

#[tokio::test]
async fn a_run_id_with_every_case_already_only_gets_results() {
    let setup = setup().await;
    let existing = run_with(&setup.client, &[101, 102, 103], None).await;
    let (plan, _, _) =
        dry_run_then_sync(&setup, &options(RunTarget::Existing(existing)), 101..=103).await;
    assert_eq!(endpoints(&plan), ["add_results_for_cases"]);
}

#[tokio::test]
async fn a_plan_name_not_yet_open_creates_the_plan_and_its_entry() {
    let setup = setup().await;
    let run = RunTarget::Plan {
        plan: PlanRef::Name("Release 9".into()),
        config_ids: Vec::new(),
        name_template: "Nightly".into(),
    };
    let (plan, _, real) = dry_run_then_sync(&setup, &options(run), 101..=106).await;
    assert_eq!(
        endpoints(&plan),
        ["add_plan", "add_plan_entry", "add_results_for_cases"]
    );
    assert!(real.created_run);
}

#[tokio::test]
async fn a_plan_id_gets_an_entry_then_a_run_per_configuration() {
    let setup = setup().await;
    let test_plan = setup
        .client
        .add_plan(
            1,
            &AddPlan {
                name: "Release 9".into(),
                ..Default::default()
            },
        )
        .await
        .expect("add_plan");
    let in_plan = |configs: Vec<Id>| {
        options(RunTarget::Plan {
            plan: PlanRef::Id(test_plan.id),
            config_ids: configs,
            name_template: "Nightly".into(),
        })
    };
    let (plan, _, _) = dry_run_then_sync(&setup, &in_plan(vec![1]), 101..=104).await;
    assert_eq!(
        endpoints(&plan),
        ["add_plan_entry", "add_results_for_cases"]
    );
    // The suite's entry exists now: Firefox is a new run in it.
    let (plan, _, _) = dry_run_then_sync(&setup, &in_plan(vec![2]), 101..=104).await;
    assert_eq!(
        endpoints(&plan),
        ["add_results_for_cases", "add_run_to_plan_entry"]
    );
    // Chrome again, with more cases: its run is reused and gets the new ones.
    let (plan, _, real) = dry_run_then_sync(&setup, &in_plan(vec![1]), 101..=107).await;
    assert_eq!(
        endpoints(&plan),
        ["add_results_for_cases", "update_run_in_plan_entry"]
    );
    assert!(!real.created_run);
}

#[tokio::test]
async fn close_closes_the_run_or_the_plan_it_lives_in() {
    let setup = setup().await;
    let mut closing = options(new_run());
    closing.close = ClosePolicy::Always;
    let (plan, _, real) = dry_run_then_sync(&setup, &closing, 101..=103).await;
    assert_eq!(
        endpoints(&plan),
        ["add_results_for_cases", "add_run", "close_run"]
    );
    assert!(real.closed);

    let entry_plan = setup
        .client
        .add_plan(
            1,
            &AddPlan {
                name: "Release 10".into(),
                entries: vec![AddPlanEntry {
                    suite_id: 1,
                    include_all: Some(false),
                    case_ids: Some(vec![101]),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await
        .expect("add_plan");
    let mut closing = options(RunTarget::Plan {
        plan: PlanRef::Id(entry_plan.id),
        config_ids: Vec::new(),
        name_template: "Nightly".into(),
    });
    closing.close = ClosePolicy::Always;
    let (plan, _, real) = dry_run_then_sync(&setup, &closing, 101..=103).await;
    assert_eq!(
        endpoints(&plan),
        [
            "add_results_for_cases",
            "close_plan",
            "update_run_in_plan_entry"
        ]
    );
    assert!(real.closed);
}

fn calls_to(emulator: &Emulator, endpoint: &str) -> u64 {
    emulator
        .stats()
        .endpoints
        .get(endpoint)
        .copied()
        .unwrap_or(0)
}

/// Dry run then real sync of `--create-cases` on the same state, as [`dry_run_then_sync`].
async fn create_cases_dry_run_then_sync(
    setup: &Setup,
    options: &SyncOptions,
    input: &ReportInput,
) -> (Writes, Summary, Summary) {
    let before = writes(&setup.emulator);
    let mut dry = options.clone();
    dry.dry_run = true;
    let preview = sync_creating_cases(setup, input, &dry).await;
    assert!(preview.dry_run);
    assert_eq!(
        writes(&setup.emulator),
        before,
        "the dry run sent write requests"
    );
    assert!(preview.created_cases.is_empty());
    let plan = planned(&preview);
    let suites_before = calls_to(&setup.emulator, "get_suites");
    let real = sync_creating_cases(setup, input, options).await;
    assert_eq!(
        calls_to(&setup.emulator, "get_suites") - suites_before,
        1,
        "reading by automation ID and the sync share one suite lookup"
    );
    let done = since(&writes(&setup.emulator), &before);
    assert_eq!(
        plan, done,
        "the dry run planned {:?}; the sync wrote {done:?}",
        preview.planned_calls
    );
    (plan, preview, real)
}

#[tokio::test]
async fn create_cases_plans_sections_and_cases_before_the_run_and_posts_their_results() {
    let setup = automation_setup().await;
    let input = report_without_ids("new-run");
    let options = options(new_run());
    let (plan, preview, real) = create_cases_dry_run_then_sync(&setup, &options, &input).await;
    assert_eq!(
        plan,
        Writes::from([
            ("add_case".into(), 2),
            ("add_results_for_cases".into(), 1),
            ("add_run".into(), 1),
            ("add_section".into(), 3),
        ])
    );
    let first: Vec<&str> = preview.planned_calls[..5]
        .iter()
        .map(|c| c.split(':').next().unwrap())
        .collect();
    assert_eq!(
        first,
        [
            "add_section",
            "add_section",
            "add_section",
            "add_case",
            "add_case"
        ],
        "sections (parents first), then cases, then the run: {:?}",
        preview.planned_calls
    );
    assert!(
        preview.planned_calls.iter().any(|c| c
            == "add_case: \"test_by_price\" in \"search > filters\" \
                (automation ID tests.search.filters.test_by_price)"),
        "{:?}",
        preview.planned_calls
    );
    assert!(preview.planned_calls[5].starts_with("add_run/1: \"Nightly\" with 3 cases"));
    // The new cases' tests got their results in the same sync, in the run.
    assert_eq!(real.posted, 3);
    assert_eq!(real.created_cases.len(), 2);
    assert_eq!(real.created_sections, ["cart", "search", "search/filters"]);
    let run = real.run_id.expect("run");
    let in_run: Vec<Id> = setup
        .client
        .get_tests(run)
        .await
        .expect("tests")
        .iter()
        .map(|t| t.case_id)
        .collect();
    for c in &real.created_cases {
        assert!(in_run.contains(&c.case_id), "C{} is in the run", c.case_id);
    }

    // Exactly once: the created cases are found by automation ID, nothing is created again.
    let before = writes(&setup.emulator);
    let rerun = sync_creating_cases(&setup, &input, &options).await;
    assert_eq!(rerun.posted, 3);
    assert!(rerun.created_cases.is_empty());
    let again = since(&writes(&setup.emulator), &before);
    assert_eq!(endpoints(&again), ["add_results_for_cases", "add_run"]);
}

#[tokio::test]
async fn create_cases_into_an_existing_run_adds_the_new_cases_to_it() {
    let setup = automation_setup().await;
    let existing = run_with(&setup.client, &[101], None).await;
    let input = report_without_ids("existing-run");
    let (plan, preview, real) =
        create_cases_dry_run_then_sync(&setup, &options(RunTarget::Existing(existing)), &input)
            .await;
    assert_eq!(
        endpoints(&plan),
        [
            "add_case",
            "add_results_for_cases",
            "add_section",
            "update_run"
        ]
    );
    assert!(
        preview
            .planned_calls
            .contains(&format!("update_run/{existing}: add 2 cases")),
        "{:?}",
        preview.planned_calls
    );
    assert_eq!(real.run_id, Some(existing));
    assert_eq!(real.posted, 3);
}
