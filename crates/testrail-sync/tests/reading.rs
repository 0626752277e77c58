//! Reading reports through the engine's one collector, against the emulator over real HTTP on
//! 127.0.0.1 where title matching needs the suite's cases.

mod common;

use std::path::PathBuf;

use common::*;
use testrail_emulator::Faults;
use testrail_reports::CaseIdMatcher;
use testrail_sync::{ProjectRef, ReportInput, SuiteRef, SyncOptions};

/// A JUnit report with one failing test named like case 101's title (no ID in its name).
fn report_with_long_failure(chars: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "testrail-sync-reading-{}-{chars}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("junit.xml");
    let trace = "x".repeat(chars);
    std::fs::write(
        &path,
        format!(
            "<testsuite name=\"s\" tests=\"1\"><testcase classname=\"c\" name=\"checkout works\">\
             <failure message=\"boom\">{trace}</failure></testcase></testsuite>"
        ),
    )
    .unwrap();
    path
}

/// The fault: `--match-by-title` built its own collector and kept the default 12,000-character
/// comment budget whatever `comment_max_chars` said.
#[tokio::test]
async fn match_by_title_keeps_the_comment_budget_of_the_options() {
    let Setup { emulator, client } =
        setup_with(vec![case(101, "checkout works")], Faults::default()).await;
    let mut options = SyncOptions::new(ProjectRef::Id(1));
    options.suite = Some(SuiteRef::Id(1));
    options.comments.max_chars = 60_000;
    let input = ReportInput {
        files: vec![report_with_long_failure(15_000)],
        format: None,
        matcher: CaseIdMatcher::default(),
        match_by_title: true,
    };
    let collected = testrail_sync::read_reports(&client, &input, &options)
        .await
        .unwrap();
    let case = &collected.cases[&101];
    let details = case.kept[0].details.as_deref().unwrap_or_default();
    assert_eq!(details.len(), 15_000, "the trace was trimmed");
    assert_eq!(
        emulator.stats().endpoints.get("get_cases"),
        Some(&1),
        "the title was matched through one listing"
    );

    // The same report with the default budget is trimmed: the budget is what changed it.
    options.comments.max_chars = 12_000;
    let collected = testrail_sync::read_reports(&client, &input, &options)
        .await
        .unwrap();
    let details = collected.cases[&101].kept[0]
        .details
        .as_deref()
        .unwrap_or_default();
    assert!(details.len() < 15_000);
}
