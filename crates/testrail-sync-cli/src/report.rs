//! `testrail-sync report`: read every report first (any error → exit 2, nothing sent), then sync.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use testrail_api::Client;
use testrail_reports::CaseIdMatcher;
use testrail_sync::auto_match::AutoSettings;
use testrail_sync::workspace::AttachmentRoots;
use testrail_sync::{
    CiInfo, ClosePolicy, Collected, Exit, PlanRef, Prepared, RunTarget, StatusChoice, Summary,
    SyncOptions,
};

use crate::auto_cases;
use crate::cli::{CaseMatcher, OutputFormat, ReportArgs};
use crate::config::{self, FileConfig, Loaded};
use crate::fail::{Failure, bad_input};
use crate::inputs::{self, ReportFlags};
use crate::output;

pub async fn run(mut args: ReportArgs, loaded: Loaded, quiet: bool) -> Result<Exit, Failure> {
    let loaded = crate::trcli::apply(&mut args, loaded)?;
    let file = &loaded.file;
    let mut input = inputs::report_input(
        &ReportFlags {
            files: &args.files,
            mapping: &args.mapping,
            match_by_title: args.match_by_title,
        },
        file,
    )?;
    let case_matcher = case_matcher(&args, file)?;
    if let Some(trcli_matcher) = case_matcher {
        input.matcher = matcher(&args, file, trcli_matcher)?;
    }
    let mut options = options(&args, file, &input.files)?;
    // From here on a signal stops the sync cleanly instead of killing it mid-write.
    options.stop = crate::signals::install();
    let client = config::client(&args.connection, file)?;
    if !quiet {
        eprintln!("{}", config::route_line(&args.connection, file, &client));
    }
    // The summary's time covers reading the reports too, not only talking to TestRail.
    let started = std::time::Instant::now();
    let mut auto = None;
    let (collected, prepared) = if case_matcher == Some(CaseMatcher::Auto) {
        let settings = AutoSettings {
            input: &input,
            options: &options,
            cache_dir: Some(&cache_dir(&args, file)),
            create: args
                .create_cases
                .then(|| auto_cases::case_field_flags(&args.case_field))
                .transpose()?,
        };
        let read =
            testrail_sync::auto_match::read_matching_automation_ids(&client, settings).await?;
        auto_cases::print_ambiguous(&read.report);
        auto = Some((read.report, read.index));
        (read.collected, read.prepared)
    } else {
        let collected = testrail_sync::read_reports(&client, &input, &options).await?;
        (collected, Prepared::default())
    };
    let annotations = args
        .github_annotations
        .then(|| crate::annotations::failures(&collected));
    let synced = sync(&client, collected, prepared, &options, &args, quiet).await;
    if let (Err(failure), Some((_, index))) = (&synced, &auto)
        && failure.code == Exit::Refused
    {
        // TestRail refused the target itself (e.g. none of the cases exist any more): an index
        // that may be stale must not be trusted by the next run.
        index.invalidate();
    }
    let mut summary = synced?;
    if let Some((report, index)) = &mut auto {
        auto_cases::update_index(index, report, &summary);
        auto_cases::print_created(&summary, &report.field);
        // JSON readers see the ambiguity too (people saw it on stderr already).
        summary.warnings.extend(report.warnings());
    }
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
    prepared: Prepared,
    options: &SyncOptions,
    args: &ReportArgs,
    quiet: bool,
) -> Result<Summary, Failure> {
    let show_bar = !quiet && args.format == OutputFormat::Human && std::io::stderr().is_terminal();
    let bar = output::Bar::new(show_bar);
    let progress = crate::signals::Counting(&bar);
    testrail_sync::sync_prepared(client, collected, options, &progress, prepared)
        .await
        .map_err(|e| {
            let interrupted = matches!(e, testrail_sync::SyncError::Interrupted { .. });
            let mut failure = Failure::from(e);
            if interrupted {
                failure.message.push_str(&format!(
                    "\n  {}\n  resume with: {}",
                    failure.hint.as_deref().unwrap_or_default(),
                    crate::signals::resume_command()
                ));
            }
            failure
        })
}

/// `--attachments-root DIR…`, else the working directory and the CI workspace. Not from the
/// config file: the checkout must not widen what its own reports may upload.
fn attachment_roots(dirs: &[PathBuf]) -> Result<AttachmentRoots, Failure> {
    if dirs.is_empty() {
        return Ok(AttachmentRoots::workspace(|k| std::env::var(k).ok()));
    }
    AttachmentRoots::new(dirs.iter().cloned()).map_err(|(dir, e)| {
        bad_input(format!(
            "--attachments-root {}: {e} (name an existing directory)",
            dir.display()
        ))
    })
}

/// `--case-matcher`, else `case_matcher` of the config file (or trcli's); `--create-cases`
/// only goes with `auto`, the one matcher that knows what a new case is for.
fn case_matcher(args: &ReportArgs, file: &FileConfig) -> Result<Option<CaseMatcher>, Failure> {
    let matcher = match (args.case_matcher, &file.case_matcher) {
        (Some(m), _) => Some(m),
        (None, Some(text)) => Some(CaseMatcher::parse(text).ok_or_else(|| {
            bad_input(format!(
                "case_matcher = \"{text}\" (config file): use auto, name or property"
            ))
        })?),
        (None, None) => None,
    };
    if args.create_cases && matcher != Some(CaseMatcher::Auto) {
        return Err(bad_input(
            "--create-cases goes with --case-matcher auto: only automation IDs tell a new case \
             from an existing one on the next run (for C123 IDs in names use `testrail-sync cases create`)",
        ));
    }
    if matcher == Some(CaseMatcher::Auto) && args.match_by_title {
        return Err(bad_input(
            "--match-by-title and case_matcher auto both map tests without IDs; pick one",
        ));
    }
    Ok(matcher)
}

/// The local case index's directory: `--cache-dir`, `cache_dir`, else the journal's.
fn cache_dir(args: &ReportArgs, file: &FileConfig) -> PathBuf {
    args.cache_dir
        .clone()
        .or(file.cache_dir.clone())
        .or(args.journal.clone())
        .or(file.journal_dir.clone())
        .unwrap_or_else(|| PathBuf::from(".testrail-sync"))
}

/// trcli's matchers: `name` looks in names only, `property` in properties only, `auto` lets
/// only the automation-ID mapping put IDs in (see `testrail_sync::auto_match`).
fn matcher(
    args: &ReportArgs,
    file: &FileConfig,
    case_matcher: CaseMatcher,
) -> Result<CaseIdMatcher, Failure> {
    // An empty list keeps the built-in rule / properties.
    let mapping = &args.mapping;
    let from_flags = !mapping.case_pattern.is_empty();
    let pick = |flags: &[String], from_file: &Option<Vec<String>>| {
        if flags.is_empty() {
            from_file.clone().unwrap_or_default()
        } else {
            flags.to_vec()
        }
    };
    let patterns = pick(&mapping.case_pattern, &file.case_patterns);
    let properties = pick(&mapping.case_property, &file.case_properties);
    let built = match case_matcher {
        CaseMatcher::Name => CaseIdMatcher::names_only(&patterns),
        CaseMatcher::Property => Ok(CaseIdMatcher::properties_only(&properties)),
        CaseMatcher::Auto => Ok(CaseIdMatcher::tagged_only()),
    };
    built.map_err(|e| {
        // Name the setting the pattern came from, so the fix is found where it was made.
        let setting = if from_flags {
            "--case-pattern"
        } else {
            "case_patterns (config file)"
        };
        bad_input(format!("{setting}: {e}"))
    })
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
        (None, Some(name)) => {
            crate::inputs::check_name_length("--plan-name", [name.as_str()])?;
            Some(PlanRef::Name(name.clone()))
        }
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
    o.attachment_roots = attachment_roots(&args.attachments_root)?;
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
    o.result_field_properties = result_field_properties(&args.result_field_from_property, file)?;
    o.batch_size = positive(
        "batch-size",
        args.batch_size.or(file.batch_size),
        o.batch_size,
    )?;
    o.batch_size_chosen = args.batch_size.or(file.batch_size).is_some();
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

/// `--result-field-from-property FIELD=PROPERTY` over the config's `[result_field_properties]`.
pub(crate) fn result_field_properties(
    flags: &[String],
    file: &FileConfig,
) -> Result<BTreeMap<String, String>, Failure> {
    let mut map = file.result_field_properties.clone().unwrap_or_default();
    for flag in flags {
        match flag.split_once('=') {
            Some((field, property)) if !field.trim().is_empty() && !property.trim().is_empty() => {
                map.insert(field.trim().to_owned(), property.trim().to_owned());
            }
            _ => {
                return Err(bad_input(format!(
                    "--result-field-from-property {flag}: expected FIELD=PROPERTY, e.g. custom_browser=browser"
                )));
            }
        }
    }
    Ok(map)
}

pub(crate) fn result_fields(
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
