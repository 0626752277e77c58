//! Run naming and the marks a sync leaves in what it creates: the name from its template, the
//! description (CI facts, the `--run-key` marker, this sync's token) and the journal key.
//! Pure functions of the options and the resolved target: no I/O besides file metadata.

use crate::context::Context;
use crate::options::RunTarget;
use crate::target::trim_list;
use crate::text::{MAX_NAME_CHARS, render_template_fitted, utc_now};

impl Context<'_> {
    /// The run (or plan entry) name from its template, at most 250 characters: TestRail refuses
    /// longer names, and only after every read was done.
    pub(crate) fn run_name(&self, template: &str) -> String {
        let (date, time) = utc_now();
        let ci = &self.options.ci;
        let value = |key: &str| match key {
            "project" => Some(self.project_name.clone()),
            "suite" => self.suite_name.clone(),
            "branch" => ci.branch.clone(),
            "build" => ci.build_number.clone(),
            "commit" => ci.short_commit().map(str::to_owned),
            "provider" => ci.provider.clone(),
            "date" => Some(date.clone()),
            "time" => Some(time.clone()),
            _ => None,
        };
        let name = render_template_fitted(template, value, MAX_NAME_CHARS);
        if name.is_empty() {
            format!("Automated run {date} {time}")
        } else {
            name
        }
    }

    pub(crate) fn description(&self, key: Option<&str>) -> String {
        let ci = &self.options.ci;
        let mut lines = vec![format!(
            "Results uploaded by testrail-sync {}",
            env!("CARGO_PKG_VERSION")
        )];
        let mut add = |label: &str, value: Option<&str>| {
            if let Some(v) = value {
                lines.push(format!("{label}: {v}"));
            }
        };
        add("CI", ci.provider.as_deref());
        add("Build", ci.build_url.as_deref());
        add("Commit", ci.commit.as_deref());
        add("Branch", ci.branch.as_deref());
        add("Version", self.options.version.as_deref());
        if ci.pull_request {
            lines.push("Pull request: yes".into());
        }
        let files: Vec<String> = self
            .options
            .report_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        if !files.is_empty() {
            lines.push(format!("Reports: {}", trim_list(&files, 10)));
        }
        if let Some(key) = key {
            lines.push(key_marker(key));
        }
        lines.push(format!("testrail-sync sync: {}", self.token));
        lines.join("\n")
    }

    /// Same command, same reports, same target → same journal.
    pub(crate) fn journal_key(&self) -> String {
        let files: Vec<String> = self
            .options
            .report_files
            .iter()
            .map(|p| {
                let meta = std::fs::metadata(p).ok();
                let size = meta.as_ref().map_or(0, |m| m.len());
                let mtime = meta
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs());
                let path = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                format!("{}:{size}:{mtime}", path.display())
            })
            .collect();
        format!(
            "{}|{}|{:?}|{:?}|{}",
            self.client.host(),
            self.project_id,
            self.suite_id,
            self.options.run,
            files.join(",")
        )
    }
}

/// The run name templates the target uses (none for an existing run).
pub(crate) fn run_templates(run: &RunTarget) -> impl Iterator<Item = &str> {
    match run {
        RunTarget::New { name_template }
        | RunTarget::Key { name_template, .. }
        | RunTarget::Plan { name_template, .. } => Some(name_template.as_str()),
        RunTarget::Existing(_) => None,
    }
    .into_iter()
}

/// The description line that marks a run as the one for `--run-key KEY`.
pub(crate) fn key_marker(key: &str) -> String {
    format!("testrail-sync key: {key}")
}

/// Unique per sync: time and process ID, hashed.
pub(crate) fn sync_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    crate::journal::fnv1a_hex(&format!("{nanos}-{}", std::process::id()))
}
