//! `testrail-sync report`: read every report first (any error → exit 2, nothing sent), then sync.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use testrail_api::Client;
use testrail_sync::{
    CiInfo, ClosePolicy, Collected, Exit, PlanRef, RunTarget, StatusChoice, Summary, SyncOptions,
};

use crate::cli::{OutputFormat, ReportArgs};
use crate::config::{self, FileConfig, Loaded};
use crate::fail::{Failure, bad_input};
use crate::inputs::{self, ReportFlags};
use crate::output;

pub async fn run(mut args: ReportArgs, loaded: Loaded, quiet: bool) -> Result<Exit, Failure> {
    let loaded = crate::trcli::apply(&mut args, loaded)?;
    let file = &loaded.file;
    let input = inputs::report_input(
        &ReportFlags {
            files: &args.files,
            mapping: &args.mapping,
            match_by_title: args.match_by_title,
        },
        file,
    )?;
    let options = options(&args, file, &input.files)?;
    let client = config::client(&args.connection, file)?;
    // The summary's time covers reading the reports too, not only talking to TestRail.
    let started = std::time::Instant::now();
    let collected = testrail_sync::read_reports(&client, &input, &options).await?;
    let annotations = args
        .github_annotations
        .then(|| crate::annotations::failures(&collected));
    let mut summary = sync(&client, collected, &options, &args, quiet).await?;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    output::print_summary(&summary, args.format, quiet);
    if let Some(failures) = annotations {
        crate::annotations::print(&failures, args.format);
    }
    if args.github_summary {
        output::append_github_summary(&summary)?;
    }
    Ok(if args.fail_on_unmapped && summary.unmapped_count > 0 {
        Exit::Unmapped
    } else {
        Exit::Ok
    })
}

async fn sync(
    client: &Client,
    collected: Collected,
    options: &SyncOptions,
    args: &ReportArgs,
    quiet: bool,
) -> Result<Summary, Failure> {
    let show_bar = !quiet && args.format == OutputFormat::Human && std::io::stderr().is_terminal();
    let progress = output::Bar::new(show_bar);
    Ok(testrail_sync::sync(client, collected, options, &progress).await?)
}

/// Layers flags over the config file into engine options, rejecting bad values before any I/O.
fn options(
    args: &ReportArgs,
    file: &FileConfig,
    files: &[PathBuf],
) -> Result<SyncOptions, Failure> {
    let mut o = SyncOptions::new(args.target.project_ref(file)?);
    o.suite = args.target.suite_ref(file);
    let name_template = config::run_name_template(args.run_name.as_deref(), file)?;
    let plan = match (args.plan_id, &args.plan_name) {
        (Some(id), _) => Some(PlanRef::Id(id)),
        (None, Some(name)) => Some(PlanRef::Name(name.clone())),
        (None, None) => None,
    };
    if plan.is_none() && !args.config_ids.is_empty() {
        return Err(bad_input(
            "--config-ids goes with --plan-id or --plan-name: configurations live in test plans",
        ));
    }
    o.run = match (args.run_id, &args.run_key, plan) {
        (Some(id), _, _) => RunTarget::Existing(id),
        (None, Some(key), _) => RunTarget::Key {
            key: key.clone(),
            name_template,
        },
        (None, None, Some(plan)) => RunTarget::Plan {
            plan,
            config_ids: args.config_ids.clone(),
            name_template,
        },
        (None, None, None) => RunTarget::New { name_template },
    };
    o.attachments = !args.no_attachments;
    o.max_attachment_bytes = args.max_attachment_mb.saturating_mul(1024 * 1024);
    o.milestone_id = args.milestone_id.or(file.milestone_id);
    o.ci = CiInfo::detect(|k| std::env::var(k).ok());
    o.close = close_policy(args, file);
    o.statuses = statuses(file)?;
    if let Some(max) = file.comment_max_chars {
        o.comments.max_chars = max.max(200);
    }
    o.comments.include_output = file.include_output.unwrap_or(false);
    // `--version` or BUILD_VERSION (clap reads it; an empty one counts as unset).
    o.version = args
        .build_version
        .clone()
        .filter(|v| !v.is_empty())
        .or_else(|| o.ci.short_commit().map(str::to_owned));
    o.defects_from = args.defects_from.clone().or(file.defects_from.clone());
    o.assign_failures_to = args
        .assign_failures_to
        .clone()
        .or(file.assign_failures_to.clone());
    o.result_fields = result_fields(&args.result_field, file)?;
    o.batch_size = positive(
        "batch-size",
        args.batch_size.or(file.batch_size),
        o.batch_size,
    )?;
    o.concurrency = positive(
        "concurrency",
        args.concurrency.or(file.concurrency),
        o.concurrency,
    )?;
    o.dry_run = args.dry_run;
    o.journal_dir = if args.no_journal || args.dry_run {
        None
    } else {
        Some(
            args.journal
                .clone()
                .or(file.journal_dir.clone())
                .unwrap_or_else(|| PathBuf::from(".testrail-sync")),
        )
    };
    o.report_files = files.to_vec();
    Ok(o)
}

fn positive(name: &str, value: Option<usize>, default: usize) -> Result<usize, Failure> {
    match value {
        Some(0) => Err(bad_input(format!("--{name} must be at least 1"))),
        Some(v) => Ok(v),
        None => Ok(default),
    }
}

fn close_policy(args: &ReportArgs, file: &FileConfig) -> ClosePolicy {
    if args.close {
        return ClosePolicy::Always;
    }
    if !args.close_on_branch.is_empty() {
        return ClosePolicy::OnBranches(args.close_on_branch.clone());
    }
    match (&file.close_on_branch, file.close) {
        (Some(branches), _) if !branches.is_empty() => ClosePolicy::OnBranches(branches.clone()),
        (_, Some(true)) => ClosePolicy::Always,
        _ => ClosePolicy::Never,
    }
}

pub(crate) fn statuses(file: &FileConfig) -> Result<testrail_sync::StatusConfig, Failure> {
    let mut config = testrail_sync::StatusConfig::default();
    let Some(s) = &file.statuses else {
        return Ok(config);
    };
    let choice = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
        "omit" | "none" | "" => StatusChoice::Omit,
        "auto" => StatusChoice::Auto,
        _ => StatusChoice::Status(v.trim().to_owned()),
    };
    for (slot, value) in [
        (&mut config.passed, &s.passed),
        (&mut config.failed, &s.failed),
        (&mut config.error, &s.error),
        (&mut config.flaky, &s.flaky),
        (&mut config.skipped, &s.skipped),
    ] {
        if let Some(v) = value {
            *slot = choice(v);
        }
    }
    Ok(config)
}

fn result_fields(
    flags: &[String],
    file: &FileConfig,
) -> Result<BTreeMap<String, serde_json::Value>, Failure> {
    let mut fields = BTreeMap::new();
    if let Some(from_file) = &file.result_fields {
        for (k, v) in from_file {
            let json = serde_json::to_value(v)
                .map_err(|e| bad_input(format!("result_fields.{k}: {e}")))?;
            fields.insert(k.clone(), json);
        }
    }
    for flag in flags {
        let Some((key, value)) = flag.split_once('=') else {
            return Err(bad_input(format!(
                "--result-field {flag}: expected KEY=VALUE, e.g. custom_environment=staging"
            )));
        };
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        fields.insert(key.trim().to_owned(), value);
    }
    Ok(fields)
}
