//! Look-ups to fill in a config: statuses, projects, suites, runs — a table for people,
//! `--format json` for scripts.

use std::path::Path;

use serde::Serialize;

use crate::cli::{LookupArgs, OutputFormat, ProjectLookupArgs};
use crate::config;
use crate::fail::{Failure, bad_input};

pub async fn statuses(args: LookupArgs, config_path: Option<&Path>) -> Result<u8, Failure> {
    let loaded = config::load(config_path)?;
    let client = config::client(&args.connection, &loaded.file)?;
    let statuses = client.get_statuses().await?;
    let rows = statuses
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.name.clone(),
                s.label.clone(),
                flag(s.is_untested, "cannot be posted"),
            ]
        })
        .collect();
    print(
        args.format,
        &statuses,
        &["ID", "NAME", "LABEL", "NOTE"],
        rows,
    );
    Ok(0)
}

pub async fn projects(args: LookupArgs, config_path: Option<&Path>) -> Result<u8, Failure> {
    let loaded = config::load(config_path)?;
    let client = config::client(&args.connection, &loaded.file)?;
    let projects = client.get_projects().await?;
    let rows = projects
        .iter()
        .map(|p| {
            let mode = match p.suite_mode {
                3 => "multiple suites",
                2 => "single suite + baselines",
                _ => "single suite",
            };
            vec![
                p.id.to_string(),
                p.name.clone(),
                mode.to_string(),
                flag(p.is_completed, "completed"),
            ]
        })
        .collect();
    print(
        args.format,
        &projects,
        &["ID", "NAME", "SUITES", "NOTE"],
        rows,
    );
    Ok(0)
}

pub async fn suites(args: ProjectLookupArgs, config_path: Option<&Path>) -> Result<u8, Failure> {
    let loaded = config::load(config_path)?;
    let client = config::client(&args.connection, &loaded.file)?;
    let project = project_id(&args, &loaded.file)?;
    let suites = client.get_suites(project).await?;
    let rows = suites
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.name.clone(),
                flag(s.is_master, "master"),
            ]
        })
        .collect();
    print(args.format, &suites, &["ID", "NAME", "NOTE"], rows);
    Ok(0)
}

pub async fn runs(args: ProjectLookupArgs, config_path: Option<&Path>) -> Result<u8, Failure> {
    let loaded = config::load(config_path)?;
    let client = config::client(&args.connection, &loaded.file)?;
    let project = project_id(&args, &loaded.file)?;
    let runs = client.get_runs(project, Some(false)).await?;
    let rows = runs
        .iter()
        .map(|r| {
            let c = &r.counts;
            vec![
                r.id.to_string(),
                r.name.clone(),
                r.suite_id.to_string(),
                format!("{}/{}/{}", c.passed_count, c.failed_count, c.untested_count),
            ]
        })
        .collect();
    print(
        args.format,
        &runs,
        &["ID", "NAME", "SUITE", "PASSED/FAILED/UNTESTED"],
        rows,
    );
    Ok(0)
}

fn project_id(args: &ProjectLookupArgs, file: &config::FileConfig) -> Result<u64, Failure> {
    args.project_id.or(file.project_id).ok_or_else(|| {
        bad_input(
            "pass --project-id N (or set TESTRAIL_PROJECT_ID); `testrail-sync projects` lists them",
        )
    })
}

fn flag(on: bool, text: &str) -> String {
    if on { text.to_string() } else { String::new() }
}

fn print<T: Serialize>(format: OutputFormat, items: &T, headers: &[&str], rows: Vec<Vec<String>>) {
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(items).expect("serialisable")
        ),
        OutputFormat::Human => print!("{}", table(headers, &rows)),
    }
}

/// A plain aligned table, like `gh` prints.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
