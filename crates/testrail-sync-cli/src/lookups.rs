//! Look-ups to fill in a config: statuses, fields, projects, suites, runs — a table for people,
//! `--format json` for scripts.

use serde::Serialize;

use testrail_sync::Exit;
use testrail_sync::preflight::{FieldKind, FieldRules};

use crate::cli::{FieldsArgs, LookupArgs, OutputFormat, ProjectLookupArgs};
use crate::config::{self, Loaded};
use crate::fail::{Failure, bad_input};

pub async fn statuses(args: LookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
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
    Ok(Exit::Ok)
}

/// One custom field as it applies in the project (`--format json`).
#[derive(Debug, Serialize)]
struct FieldRow {
    id: u64,
    system_name: String,
    label: String,
    type_id: u32,
    #[serde(rename = "type")]
    type_name: &'static str,
    required: bool,
    /// Dropdown and multi-select choices (give a label or an ID).
    options: Vec<testrail_api::models::FieldItem>,
    default_value: Option<serde_json::Value>,
    /// `global`, or `project` when configured for this project only.
    context: &'static str,
}

pub async fn fields(args: FieldsArgs, loaded: Loaded) -> Result<Exit, Failure> {
    let lookup = &args.lookup;
    let client = config::client(&lookup.connection, &loaded.file)?;
    let project = project_id(lookup, &loaded.file)?;
    let (kind, all) = if args.cases {
        (FieldKind::Case, client.get_case_fields().await?)
    } else {
        (FieldKind::Result, client.get_result_fields().await?)
    };
    let rules = FieldRules::for_project(kind, &all, project);
    let items: Vec<FieldRow> = rules
        .fields
        .iter()
        .map(|f| FieldRow {
            id: f.field.id,
            system_name: f.field.system_name.clone(),
            label: f.field.label.clone(),
            type_id: f.field.type_id,
            type_name: f.field.field_type().label(),
            required: f.is_required(),
            options: f.items(),
            default_value: f
                .config
                .options
                .default_value
                .clone()
                .filter(|v| !testrail_api::fields::is_missing(Some(v))),
            context: if f.config.context.is_global {
                "global"
            } else {
                "project"
            },
        })
        .collect();
    let rows = items
        .iter()
        .map(|f| {
            let options: Vec<String> = f
                .options
                .iter()
                .map(|i| format!("{} {}", i.id, i.label))
                .collect();
            vec![
                f.system_name.clone(),
                f.label.clone(),
                f.type_name.to_string(),
                flag(f.required, "required"),
                options.join(", "),
            ]
        })
        .collect();
    print(
        lookup.format,
        &items,
        &["NAME", "LABEL", "TYPE", "REQUIRED", "OPTIONS"],
        rows,
    );
    Ok(Exit::Ok)
}

pub async fn projects(args: LookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
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
    Ok(Exit::Ok)
}

pub async fn suites(args: ProjectLookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
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
    Ok(Exit::Ok)
}

pub async fn runs(args: ProjectLookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
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
    Ok(Exit::Ok)
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
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
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

pub async fn plans(args: ProjectLookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
    let client = config::client(&args.connection, &loaded.file)?;
    let project = project_id(&args, &loaded.file)?;
    let plans = client.get_plans(project).await?;
    let rows = plans
        .iter()
        .map(|p| {
            let c = &p.counts;
            vec![
                p.id.to_string(),
                p.name.clone(),
                p.milestone_id.map(|m| m.to_string()).unwrap_or_default(),
                format!("{}/{}/{}", c.passed_count, c.failed_count, c.untested_count),
                flag(p.is_completed, "completed"),
            ]
        })
        .collect();
    print(
        args.format,
        &plans,
        &["ID", "NAME", "MILESTONE", "PASSED/FAILED/UNTESTED", "NOTE"],
        rows,
    );
    Ok(Exit::Ok)
}

pub async fn milestones(args: ProjectLookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
    let client = config::client(&args.connection, &loaded.file)?;
    let project = project_id(&args, &loaded.file)?;
    let milestones = client.get_milestones(project).await?;
    let mut rows = Vec::new();
    for m in &milestones {
        rows.push(milestone_row(m, ""));
        // Sub-milestones come nested in their parent; list them indented under it.
        for sub in &m.milestones {
            rows.push(milestone_row(sub, "  "));
        }
    }
    print(
        args.format,
        &milestones,
        &["ID", "NAME", "STATE", "DUE"],
        rows,
    );
    Ok(Exit::Ok)
}

fn milestone_row(m: &testrail_api::models::Milestone, indent: &str) -> Vec<String> {
    let state = if m.is_completed {
        "completed"
    } else if m.is_started {
        "started"
    } else {
        "upcoming"
    };
    vec![
        m.id.to_string(),
        format!("{indent}{}", m.name),
        state.to_string(),
        m.due_on.map(date).unwrap_or_default(),
    ]
}

/// A Unix timestamp as a UTC date (YYYY-MM-DD), without a date crate.
fn date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub async fn users(args: ProjectLookupArgs, loaded: Loaded) -> Result<Exit, Failure> {
    let client = config::client(&args.connection, &loaded.file)?;
    let project = args.project_id.or(loaded.file.project_id);
    let users = client.get_users(project).await?;
    let rows = users
        .iter()
        .map(|u| {
            let mut note = Vec::new();
            if !u.is_active {
                note.push("inactive");
            }
            if u.is_admin {
                note.push("admin");
            }
            vec![
                u.id.to_string(),
                u.name.clone(),
                u.email.clone(),
                u.role.clone().unwrap_or_default(),
                note.join(", "),
            ]
        })
        .collect();
    print(
        args.format,
        &users,
        &["ID", "NAME", "EMAIL", "ROLE", "NOTE"],
        rows,
    );
    Ok(Exit::Ok)
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_798_761_600), "2027-01-01");
        assert_eq!(super::date(951_782_400), "2000-02-29");
    }
}
