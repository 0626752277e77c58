//! Exactly once, tested on the engine without the binary: the emulator (over real HTTP on
//! 127.0.0.1) applies writes and then drops the connection, so the sync cannot know whether a
//! batch landed; and shards race for one keyed run. Counts and time are bounded (a few dozen
//! requests, settle pauses of half a second).

mod common;

use std::collections::BTreeMap;

use common::*;
use testrail_api::models::Id;
use testrail_emulator::Faults;
use testrail_sync::{RunTarget, Summary, SyncOptions};

/// Results per case in a run.
async fn results_per_case(setup: &Setup, run_id: Id) -> BTreeMap<Id, usize> {
    let tests = setup.client.get_tests(run_id).await.expect("get_tests");
    let case_of: BTreeMap<Id, Id> = tests.iter().map(|t| (t.id, t.case_id)).collect();
    let mut per_case = BTreeMap::new();
    for r in setup
        .client
        .get_results_for_run(run_id)
        .await
        .expect("get_results_for_run")
    {
        *per_case.entry(case_of[&r.test_id]).or_default() += 1;
    }
    per_case
}

async fn sync(
    setup: &Setup,
    options: &SyncOptions,
    cases: impl IntoIterator<Item = Id>,
) -> Summary {
    testrail_sync::sync(
        &setup.client,
        collected(cases, options),
        options,
        &testrail_sync::Quiet,
    )
    .await
    .expect("sync")
}

#[tokio::test]
async fn batches_whose_answer_was_lost_after_landing_are_not_posted_twice() {
    let setup = setup_with(
        numbered_cases(),
        Faults {
            drop_after_commit_rate: 0.4,
            seed: 7,
            ..Faults::default()
        },
    )
    .await;
    let mut options = options(RunTarget::New {
        name_template: "Nightly".into(),
    });
    options.batch_size = 2;
    let summary = sync(&setup, &options, 101..=120).await;
    let stats = setup.emulator.stats();
    assert!(
        stats.status_codes.get("dropped").copied().unwrap_or(0) > 0,
        "the fault never happened: {:?}",
        stats.status_codes
    );
    setup.emulator.set_faults(Faults::default());
    let run_id = summary.run_id.expect("a run");
    let per_case = results_per_case(&setup, run_id).await;
    assert_eq!(per_case.len(), 20, "every case got a result: {per_case:?}");
    assert!(
        per_case.values().all(|n| *n == 1),
        "a case got two results: {per_case:?}"
    );
    assert_eq!(summary.posted, 20);
    let runs = setup.client.get_runs(1, None).await.expect("get_runs");
    assert_eq!(runs.len(), 1, "a lost add_run answer left a second run");
}

#[tokio::test]
async fn shards_racing_for_one_run_key_end_in_one_run_with_every_case_once() {
    // Every request takes 30 ms, so the shards' reads (statuses, result fields, suite, then the
    // key's run) finish together and all of them look for the keyed run before any creates
    // it: the race happens on every run instead of depending on how the reads interleave.
    let setup = setup_with(
        numbered_cases(),
        Faults {
            latency_ms: 30,
            ..Faults::default()
        },
    )
    .await;
    let options = options(RunTarget::Key {
        key: "build-42".into(),
        name_template: "Nightly".into(),
    });
    let shards: Vec<Vec<Id>> = vec![
        (101..=105).collect(),
        (106..=110).collect(),
        (111..=115).collect(),
        (116..=120).collect(),
    ];
    let summaries = futures_util::future::join_all(
        shards
            .iter()
            .map(|cases| sync(&setup, &options, cases.iter().copied())),
    )
    .await;
    let deleted = setup.emulator.stats().endpoints.get("delete_run").copied();
    assert!(
        deleted.unwrap_or(0) >= 1,
        "no race happened: every shard found the first one's run"
    );
    let run_ids: std::collections::BTreeSet<Id> =
        summaries.iter().filter_map(|s| s.run_id).collect();
    assert_eq!(
        run_ids.len(),
        1,
        "the shards ended in several runs: {run_ids:?}"
    );
    let run_id = *run_ids.first().unwrap();
    let open = setup
        .client
        .get_runs(1, Some(false))
        .await
        .expect("get_runs");
    assert_eq!(open.len(), 1, "a losing shard's run was left behind");
    let per_case = results_per_case(&setup, run_id).await;
    assert_eq!(
        per_case.len(),
        20,
        "a shard's cases were dropped: {per_case:?}"
    );
    assert!(per_case.values().all(|n| *n == 1), "{per_case:?}");
}

#[tokio::test]
async fn create_cases_whose_answers_are_lost_are_created_once() {
    let setup = automation_setup().await;
    // Every write is applied and its connection then dropped: add_section and add_case cannot
    // know whether they landed (TestRail has no idempotency key for them).
    setup.emulator.set_faults(Faults {
        drop_after_commit_rate: 1.0,
        seed: 7,
        ..Faults::default()
    });
    let input = report_without_ids("answers-lost");
    let options = options(RunTarget::New {
        name_template: "Nightly".into(),
    });
    let summary = sync_creating_cases(&setup, &input, &options).await;
    let stats = setup.emulator.stats();
    assert_eq!(
        stats.answered("add_case", "dropped"),
        2,
        "the fault hit add_case"
    );
    assert_eq!(stats.answered("add_section", "dropped"), 3);
    assert_eq!(stats.endpoints["add_case"], 2, "no add_case was sent twice");
    assert_eq!(
        stats.endpoints["add_section"], 3,
        "no add_section was sent twice"
    );
    setup.emulator.set_faults(Faults::default());
    let cases = setup.client.get_cases(1, Some(1)).await.expect("get_cases");
    assert_eq!(cases.len(), 22, "20 seeded + 2 created, no duplicate");
    assert_eq!(summary.created_cases.len(), 2);
    let per_case = results_per_case(&setup, summary.run_id.expect("run")).await;
    for c in &summary.created_cases {
        assert_eq!(
            per_case.get(&c.case_id),
            Some(&1),
            "C{} has one result",
            c.case_id
        );
    }
}

#[tokio::test]
async fn cases_created_by_a_sync_that_died_are_found_by_the_index_on_the_rerun() {
    let setup = automation_setup().await;
    let input = report_without_ids("index-after-crash");
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("index-after-crash");
    let _ = std::fs::remove_dir_all(&cache);
    let options = options(RunTarget::New {
        name_template: "Nightly".into(),
    });
    let read = |options| {
        testrail_sync::auto_match::read_matching_automation_ids(
            &setup.client,
            testrail_sync::auto_match::AutoSettings {
                input: &input,
                options,
                cache_dir: Some(&cache),
                create: Some(Default::default()),
            },
        )
    };
    let first = read(&options).await.expect("read");
    assert_eq!(first.prepared.creation.as_ref().unwrap().pending.len(), 2);
    let summary = testrail_sync::sync_prepared(
        &setup.client,
        first.collected,
        &options,
        &testrail_sync::Quiet,
        first.prepared,
    )
    .await
    .expect("sync");
    assert_eq!(summary.created_cases.len(), 2);
    // The caller never told the index about the new cases (as if it died right after the
    // sync): the rerun's refresh (`updated_after`) still finds them by automation ID.
    let rerun = read(&options).await.expect("reread");
    assert!(rerun.prepared.creation.unwrap().pending.is_empty());
    assert!(rerun.collected.unmapped.is_empty());
    assert_eq!(rerun.collected.cases.len(), 3);
}
