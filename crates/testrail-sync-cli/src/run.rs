//! `testrail-sync run open|close|show`: sharded CI opens one run, N jobs `report --run-id` into
//! it in parallel, and one job closes it.

use std::io::Write as _;

use serde::Serialize;
use testrail_api::models::{Id, Run, Status, StatusCounts};
use testrail_sync::{Exit, RunScope, RunTarget, SyncOptions};

use crate::cli::{OpenArgs, OutputFormat, RunCommand, RunIdArgs};
use crate::config::{self, FileConfig, Loaded};
use crate::fail::{Failure, api_failure, bad_input};
use crate::inputs::{self, ReportFlags};

pub async fn run(command: RunCommand, loaded: Loaded, quiet: bool) -> Result<Exit, Failure> {
    match command {
        RunCommand::Open(args) => open(*args, &loaded.file, quiet).await,
        RunCommand::Close(args) => close(args, &loaded.file, quiet).await,
        RunCommand::Show(args) => show(args, &loaded.file).await,
    }
}

#[derive(Serialize)]
struct Opened<'a> {
    run_id: Id,
    name: &'a str,
    url: &'a str,
    include_all: bool,
    case_count: usize,
    unknown_case_ids: &'a [Id],
}

async fn open(args: OpenArgs, file: &FileConfig, quiet: bool) -> Result<Exit, Failure> {
    // Everything local first: files read, patterns and settings checked, before any request.
    let options = open_options(&args, file)?;
    let scope = scope(&args, file, &options)?;
    let client = config::client(&args.connection, file)?;
    let case_count = match &scope {
        RunScope::Cases(ids) => ids.len(),
        _ => 0,
    };
    let opened = testrail_sync::open_run(&client, &options, scope).await?;
    let run = &opened.run;
    write_github_output(run.id)?;
    let unknown = &opened.unknown_case_ids;
    match args.format {
        OutputFormat::Json => print_json(&Opened {
            run_id: run.id,
            name: &run.name,
            url: &run.url,
            include_all: run.include_all,
            case_count: case_count - unknown.len(),
            unknown_case_ids: unknown,
        }),
        // The ID alone on stdout, so `RUN_ID=$(testrail-sync run open …)` works.
        OutputFormat::Human => {
            println!("{}", run.id);
            if !quiet {
                eprintln!("opened run R{} \"{}\" {}", run.id, run.name, run.url);
                if !unknown.is_empty() {
                    let ids: Vec<String> = unknown.iter().map(|i| format!("C{i}")).collect();
                    eprintln!("  case IDs not in the suite, left out: {}", ids.join(", "));
                }
            }
        }
    }
    Ok(Exit::Ok)
}

fn open_options(args: &OpenArgs, file: &FileConfig) -> Result<SyncOptions, Failure> {
    let mut options = SyncOptions::new(args.target.project_ref(file)?);
    options.suite = args.target.suite_ref(file);
    let name_template = config::run_name_template(args.run_name.as_deref(), file)?;
    options.run = match &args.run_key {
        Some(key) => RunTarget::Key {
            key: key.clone(),
            name_template,
        },
        None => RunTarget::New { name_template },
    };
    options.milestone_id = args.milestone_id.or(file.milestone_id);
    options.ci = testrail_sync::CiInfo::detect(|k| std::env::var(k).ok());
    Ok(options)
}

fn scope(args: &OpenArgs, file: &FileConfig, options: &SyncOptions) -> Result<RunScope, Failure> {
    if args.include_all {
        return Ok(RunScope::AllCases);
    }
    if !args.case_ids.is_empty() {
        return Ok(RunScope::Cases(args.case_ids.iter().copied().collect()));
    }
    if args.files.is_empty() {
        return Ok(RunScope::Empty);
    }
    let input = inputs::report_input(
        &ReportFlags {
            files: &args.files,
            mapping: &args.mapping,
            match_by_title: false,
        },
        file,
    )?;
    let collected = testrail_sync::collect_reports(&input, options)?;
    if collected.cases.is_empty() {
        return Err(bad_input(format!(
            "no test in {} carries a case ID; add C123 to test names or pass --case-ids",
            args.files.join(" ")
        )));
    }
    Ok(RunScope::Cases(collected.cases.keys().copied().collect()))
}

/// `run_id=N` for later steps (`${{ steps.<id>.outputs.run_id }}`).
fn write_github_output(run_id: Id) -> Result<(), Failure> {
    let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| writeln!(f, "run_id={run_id}"))
        .map_err(|e| {
            bad_input(format!(
                "GITHUB_OUTPUT {}: cannot append run_id: {e}",
                path.to_string_lossy()
            ))
        })
}

async fn close(args: RunIdArgs, file: &FileConfig, quiet: bool) -> Result<Exit, Failure> {
    let client = config::client(&args.connection, file)?;
    let before = get_run(&client, args.run_id).await?;
    let run = if before.is_completed {
        before
    } else {
        client
            .close_run(args.run_id)
            .await
            .map_err(|e| api_failure(format!("closing run R{}", args.run_id), e))?
    };
    match args.format {
        OutputFormat::Json => print_json(&run),
        OutputFormat::Human if !quiet => {
            println!("closed run R{} \"{}\" {}", run.id, run.name, run.url)
        }
        OutputFormat::Human => {}
    }
    Ok(Exit::Ok)
}

async fn show(args: RunIdArgs, file: &FileConfig) -> Result<Exit, Failure> {
    let client = config::client(&args.connection, file)?;
    let run = get_run(&client, args.run_id).await?;
    match args.format {
        OutputFormat::Json => print_json(&run),
        OutputFormat::Human => {
            // Custom statuses (a "Skipped" one) have counters too: without their labels the
            // counts shown did not add up to the results posted. A failed read only loses labels.
            let statuses = client.get_statuses().await.unwrap_or_default();
            print!("{}", human(&run, &statuses));
        }
    }
    Ok(Exit::Ok)
}

async fn get_run(client: &testrail_api::Client, run_id: Id) -> Result<Run, Failure> {
    client.get_run(run_id).await.map_err(|e| {
        api_failure(
            format!("run R{run_id} (check --run-id; `testrail-sync runs` lists open runs)"),
            e,
        )
    })
}

fn human(run: &Run, statuses: &[Status]) -> String {
    let c = &run.counts;
    let state = if run.is_completed { "closed" } else { "open" };
    let mut out = format!("R{} \"{}\" ({state})\n", run.id, run.name);
    out.push_str(&format!(
        "  passed {} · failed {} · blocked {} · retest {} · untested {}{}\n",
        c.passed_count,
        c.failed_count,
        c.blocked_count,
        c.retest_count,
        c.untested_count,
        custom_counts(c, statuses)
    ));
    out.push_str(&format!("  {}\n", run.url));
    out
}

/// ` · skipped 2` for each custom status with results, by label (by slot if the labels are
/// unknown); TestRail counts custom statuses in slots `custom_status1_count`….
fn custom_counts(c: &StatusCounts, statuses: &[Status]) -> String {
    let custom = (1..=7u64).map(|slot| {
        let name = format!("custom_status{slot}");
        let label = statuses
            .iter()
            .find(|s| s.name == name)
            .map_or(name.clone(), |s| s.label.to_lowercase());
        (label, c.get(slot + 5))
    });
    custom
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!(" · {label} {n}"))
        .collect()
}

fn print_json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("serialisable")
    );
}
