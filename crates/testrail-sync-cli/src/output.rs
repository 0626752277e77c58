//! What people and scripts see after a sync: a summary readable in two seconds, the same data
//! as JSON, a GitHub step summary, and a progress bar on a terminal.

use std::fmt::Write as _;
use std::io::Write as _;

use indicatif::{ProgressBar, ProgressStyle};
use testrail_sync::{Progress, Summary};

use crate::cli::OutputFormat;
use crate::fail::{Failure, bad_input};

/// How many unmapped tests / omitted cases the human summary lists before "and N more".
const LIST_LIMIT: usize = 10;

pub fn print_summary(summary: &Summary, format: OutputFormat, quiet: bool) {
    match format {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(summary).expect("summary serialises");
            // Server texts (warnings, names) could quote a credential a server echoed back.
            println!("{}", crate::errors::mask(&json));
        }
        OutputFormat::Human if !quiet => print!("{}", crate::errors::mask(&human(summary))),
        OutputFormat::Human => {}
    }
}

pub fn human(s: &Summary) -> String {
    let mut out = String::new();
    let secs = s.elapsed_ms as f64 / 1000.0;
    let run = match (s.run_id, &s.run_name) {
        (Some(id), Some(name)) => format!("run R{id} \"{name}\""),
        (None, Some(name)) => format!("new run \"{name}\""),
        _ => "no run".to_string(),
    };
    if s.dry_run && s.planned_calls.is_empty() {
        // "no run would get:" followed by nothing read like a truncated plan.
        let _ = writeln!(
            out,
            "Dry run: nothing was written, and a sync would write nothing: no test maps to a case of the suite."
        );
    } else if s.dry_run {
        let _ = writeln!(out, "Dry run: nothing was written. {run} would get:");
        // The checks' findings (custom field values) describe what those writes carry.
        write_plan(&mut out, &s.planned_calls);
        for line in &s.checks {
            let _ = writeln!(out, "  {line}");
        }
    } else if s.run_id.is_some() {
        let verb = if s.created_run { "created" } else { "updated" };
        let _ = writeln!(
            out,
            "Synced {} results to {run} ({verb}) in {secs:.2}s with {} API calls{}",
            s.posted,
            s.api_calls,
            if s.resumed {
                ", resuming an interrupted sync"
            } else {
                ""
            }
        );
    } else {
        let _ = writeln!(
            out,
            "Nothing to sync: no test in the reports carries a case ID known to the suite."
        );
    }
    let _ = writeln!(
        out,
        "  {} read · passed {} · failed {} · skipped {}{}",
        plural(s.executions as usize, "execution", "executions"),
        s.counts.passed,
        s.counts.failed,
        s.counts.skipped,
        if s.counts.flaky > 0 {
            format!(" · flaky {}", s.counts.flaky)
        } else {
            String::new()
        }
    );
    if s.ambiguous_batches_resolved > 0 {
        let _ = writeln!(
            out,
            "  {} batches had an unknown outcome (timeout, gateway error or dropped connection): \
             each waited until it could no longer commit and was checked with {} filtered reads \
             before anything was sent again",
            s.ambiguous_batches_resolved, s.resolving_reads
        );
    }
    if s.comments_cut > 0 {
        let _ = writeln!(
            out,
            "  {} results were larger than the server accepts alone (413): their comments were \
             cut (each says so)",
            s.comments_cut
        );
    }
    if !s.not_posted.is_empty() {
        let _ = writeln!(
            out,
            "  {} left Untested (their outcome maps to no status; set [statuses] skipped = \"<status>\" to post them):",
            plural(s.not_posted.len(), "case", "cases")
        );
        list(
            &mut out,
            s.not_posted
                .iter()
                .map(|c| format!("C{} {} ({})", c.case_id, c.test, c.outcome)),
            s.not_posted.len(),
        );
    }
    if s.unmapped_count > 0 {
        let _ = writeln!(
            out,
            "  {} without a case ID (add C123 to the name or a test_id property):",
            plural(s.unmapped_count as usize, "test", "tests")
        );
        list(
            &mut out,
            s.unmapped_tests.iter().map(|t| match &t.why {
                Some(why) => format!("{} [{}] at {} ({why})", t.name, t.outcome, t.location),
                None => format!("{} [{}] at {}", t.name, t.outcome, t.location),
            }),
            s.unmapped_count as usize,
        );
    }
    if s.multi_id_count > 0 {
        let _ = writeln!(
            out,
            "  {} several case IDs, each posted the same result (check that every ID is meant):",
            plural(s.multi_id_count as usize, "test maps to", "tests map to")
        );
        list(
            &mut out,
            s.multi_id_tests.iter().map(|t| {
                let ids: Vec<String> = t.case_ids.iter().map(|i| format!("C{i}")).collect();
                format!("{} → {} at {}", t.name, ids.join(", "), t.location)
            }),
            s.multi_id_count as usize,
        );
    }
    if !s.unknown_case_ids.is_empty() {
        let ids: Vec<String> = s.unknown_case_ids.iter().map(|i| format!("C{i}")).collect();
        let _ = writeln!(
            out,
            "  case IDs not in the suite, left out: {}",
            ids.join(", ")
        );
    }
    if s.attachments_skipped_count > 0 {
        let _ = writeln!(
            out,
            "  {} not uploaded:",
            plural(
                s.attachments_skipped_count as usize,
                "attachment",
                "attachments"
            )
        );
        list(
            &mut out,
            s.attachments_skipped
                .iter()
                .map(|a| format!("{} (C{}): {}", a.path, a.case_id, a.reason)),
            s.attachments_skipped_count as usize,
        );
    }
    if s.closed {
        let _ = writeln!(out, "  run closed");
    }
    if let Some(url) = &s.run_url {
        let _ = writeln!(out, "  {url}");
    }
    out
}

/// The planned writes, each endpoint's run of calls cut after `LIST_LIMIT` lines: 2000 new
/// cases must not bury the `add_run` and batch lines a person looks for.
fn write_plan(out: &mut String, calls: &[String]) {
    let endpoint = |call: &str| call.split([':', '/']).next().unwrap_or_default().to_owned();
    let mut i = 0;
    while i < calls.len() {
        let kind = endpoint(&calls[i]);
        let same = calls[i..]
            .iter()
            .take_while(|c| endpoint(c) == kind)
            .count();
        for call in &calls[i..i + same.min(LIST_LIMIT)] {
            let _ = writeln!(out, "  {call}");
        }
        if same > LIST_LIMIT {
            let _ = writeln!(
                out,
                "  … and {} more {kind} (--format json lists every call in planned_calls)",
                same - LIST_LIMIT
            );
        }
        i += same;
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Lists the first items of `total` (which may be more than `items` holds).
fn list(out: &mut String, items: impl Iterator<Item = String>, total: usize) {
    for item in items.take(LIST_LIMIT) {
        let _ = writeln!(out, "    - {item}");
    }
    if total > LIST_LIMIT {
        let _ = writeln!(
            out,
            "    … and {} more (--format json lists up to 1000)",
            total - LIST_LIMIT
        );
    }
}

/// Appends markdown to `$GITHUB_STEP_SUMMARY` (what GitHub shows on the job's page).
pub fn append_github_summary(s: &Summary) -> Result<(), Failure> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Err(bad_input(
            "--github-summary: GITHUB_STEP_SUMMARY is not set (it is, inside a GitHub Actions step)",
        ));
    };
    let mut md = String::from("### TestRail\n\n");
    if let (Some(url), Some(name)) = (&s.run_url, &s.run_name) {
        let _ = writeln!(md, "Run: [{name}]({url})\n");
    }
    let _ = writeln!(
        md,
        "| posted | passed | failed | skipped | unmapped | unknown IDs |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    let _ = writeln!(
        md,
        "| {} | {} | {} | {} | {} | {} |\n",
        s.posted,
        s.counts.passed,
        s.counts.failed,
        s.counts.skipped,
        s.unmapped_count,
        s.unknown_case_ids.len()
    );
    if !s.unmapped.is_empty() {
        md.push_str("<details><summary>Tests without a case ID</summary>\n\n");
        for t in &s.unmapped {
            let _ = writeln!(md, "- `{}`", t.replace('`', "'"));
        }
        md.push_str("\n</details>\n");
    }
    if !s.multi_id_tests.is_empty() {
        md.push_str("<details><summary>Tests mapped to several case IDs</summary>\n\n");
        for t in &s.multi_id_tests {
            let ids: Vec<String> = t.case_ids.iter().map(|i| format!("C{i}")).collect();
            let _ = writeln!(md, "- `{}`: {}", t.name.replace('`', "'"), ids.join(", "));
        }
        md.push_str("\n</details>\n");
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(md.as_bytes()))
        .map_err(|e| {
            bad_input(format!(
                "--github-summary: cannot write {}: {e}",
                path.to_string_lossy()
            ))
        })
}

/// A progress bar on stderr, or nothing.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new(visible: bool) -> Bar {
        Bar(visible.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} posting results {bar:30} {pos}/{len} ({eta})",
                )
                .expect("valid template"),
            );
            bar
        }))
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
        }
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fault: a `--create-cases` dry run over a big suite printed one line per new case, so the
    /// `add_run` and batch lines scrolled out of sight.
    #[test]
    fn a_long_run_of_one_endpoint_is_cut_in_the_dry_run_plan() {
        let mut calls = vec!["add_section: \"pytest\"".to_owned()];
        calls.extend((0..25).map(|i| format!("add_case: \"t{i}\" in \"pytest\"")));
        calls.push("add_run/1: \"Nightly\" with 25 cases".to_owned());
        calls.push("add_results_for_cases: batch 1 with 25 results".to_owned());
        let summary = Summary {
            dry_run: true,
            run_name: Some("Nightly".into()),
            planned_calls: calls,
            ..Summary::default()
        };
        let text = human(&summary);
        assert_eq!(text.matches("add_case:").count(), LIST_LIMIT, "{text}");
        assert!(
            text.contains("… and 15 more add_case (--format json"),
            "{text}"
        );
        assert!(text.contains("add_section: \"pytest\""), "{text}");
        assert!(
            text.contains("add_run/1: \"Nightly\" with 25 cases"),
            "{text}"
        );
        assert!(text.contains("batch 1 with 25 results"), "{text}");
    }

    #[test]
    fn a_dry_run_with_nothing_to_write_says_so() {
        let summary = Summary {
            dry_run: true,
            ..Summary::default()
        };
        let text = human(&summary);
        assert!(
            text.starts_with("Dry run: nothing was written, and a sync would write nothing"),
            "{text}"
        );
        assert!(!text.contains("no run would get"), "{text}");
        let one = Summary {
            executions: 1,
            ..Summary::default()
        };
        assert!(
            human(&one).contains("  1 execution read ·"),
            "{}",
            human(&one)
        );
    }
}
