//! `testrail-sync demo`: the whole product in one command, with no TestRail account — start the
//! emulator in-process, sync a bundled report into it, show the summary and where to look.

use std::io::BufReader;
use std::path::Path;

use testrail_api::{ApiKey, Client, ClientConfig};
use testrail_emulator::{DEMO_EMAIL, DEMO_KEY, EmulatorConfig};
use testrail_reports::{CaseIdMatcher, Format, ReadOptions};
use testrail_sync::{CiInfo, Collector, Exit, ProjectRef, RunTarget, SyncError, SyncOptions};

use crate::cli::{DemoArgs, OutputFormat};
use crate::fail::{Failure, bad_input};
use crate::output;

const REPORT_NAME: &str = "examples/demo/junit.xml";
// A copy of examples/demo/junit.xml inside the crate, so the published crate builds on its own
// (scripts/check-dist.sh fails when the two differ).
const REPORT: &str = include_str!("demo/junit.xml");

pub async fn run(args: DemoArgs, quiet: bool) -> Result<Exit, Failure> {
    let emulator = testrail_emulator::start(EmulatorConfig {
        bind: ([127, 0, 0, 1], args.port).into(),
        fixture: Some(testrail_emulator::demo_fixture()),
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| bad_input(format!("cannot start the emulator: {e}")))?;
    let url = emulator.url();
    let client = Client::new(ClientConfig {
        rate_limit_per_minute: None,
        ..ClientConfig::new(url.clone(), DEMO_EMAIL, ApiKey::new(DEMO_KEY))
    })?;
    let matcher = CaseIdMatcher::default();
    let options = demo_options();
    let mut collector = Collector::new(&matcher, &options);
    testrail_reports::read(
        BufReader::new(REPORT.as_bytes()),
        Path::new(REPORT_NAME),
        Format::Junit,
        &ReadOptions::default(),
        &mut collector,
    )
    .map_err(SyncError::from)?;
    let summary = testrail_sync::sync(
        &client,
        collector.collected,
        &options,
        &testrail_sync::Quiet,
    )
    .await?;
    output::print_summary(&summary, args.format, quiet);
    let human = args.format == OutputFormat::Human && !quiet;
    if args.exit {
        emulator.shutdown().await;
        // The addresses printed above are dead now: say so rather than invite a curl that fails.
        if human {
            println!(
                "\nThe emulator has stopped (--exit). `testrail-sync demo` keeps it serving, to browse the run and try the real command against it."
            );
        }
        return Ok(Exit::Ok);
    }
    if human {
        println!(
            "\nThe emulator is a TestRail API server: point the real command at it from another shell:"
        );
        println!(
            "  TESTRAIL_HOST={url} TESTRAIL_USER={DEMO_EMAIL} TESTRAIL_API_KEY={DEMO_KEY} \\\n    testrail-sync report {REPORT_NAME} --project-id 1"
        );
    }
    println!("\nOpen {url}/ to browse projects, runs and results. Ctrl-C stops the emulator.");
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    Ok(Exit::Ok)
}

fn demo_options() -> SyncOptions {
    let mut options = SyncOptions::new(ProjectRef::Id(1));
    options.run = RunTarget::New {
        name_template: "{project} {branch} #{build} {date} {time}".into(),
    };
    options.ci = CiInfo {
        provider: Some("demo".into()),
        build_url: None,
        build_number: Some("42".into()),
        commit: Some("4f1c2e9a7b3d".into()),
        branch: Some("main".into()),
        pull_request: false,
    };
    options.version = Some("2.8.0".into());
    options.report_files = vec![REPORT_NAME.into()];
    options
}
