//! Coming from trcli: its `TR_CLI_*` environment variables and its YAML config
//! (`report --trcli-config FILE`) are taken where they map cleanly onto our settings, with a
//! warning naming every key that does not. They are the lowest layer:
//! flags > `TESTRAIL_*` env > testrail-sync.toml > `TR_CLI_*` env > trcli YAML.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::cli::ReportArgs;
use crate::config::{FileConfig, Loaded, StatusesConfig};
use crate::fail::{Failure, bad_input};

/// trcli's global options that every command of ours understands (host, user, key, project).
const GLOBAL_KEYS: &[&str] = &[
    "host",
    "username",
    "key",
    "password",
    "project",
    "project_id",
    "batch_size",
    "timeout",
];

/// trcli's options as click reads them from the environment. Its subcommands set the same
/// `auto_envvar_prefix` as the root, so `parse_junit --title` is `TR_CLI_TITLE` (checked
/// against trcli 1.15.3), not `TR_CLI_PARSE_JUNIT_TITLE`.
fn trcli_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(name, value)| name.starts_with("TR_CLI_") && !value.trim().is_empty())
        .map(|(name, value)| (name["TR_CLI_".len()..].to_ascii_lowercase(), value))
        .collect()
}

/// Fills what the config file left open from trcli's global `TR_CLI_*` variables.
pub fn fill_from_env(file: &mut FileConfig) {
    let mut sink = Settings::default();
    for (key, value) in trcli_env() {
        if GLOBAL_KEYS.contains(&key.as_str()) {
            // Every global key has a mapping; a malformed value is reported by `report`.
            let _ = sink.take(&key, &Value::String(value));
        }
    }
    sink.fill(file);
}

/// Applies the `TR_CLI_*` variables and the trcli YAML config (`--trcli-config FILE`, else
/// `TR_CLI_CONFIG` as trcli reads `-c`) under everything of ours, warning about each key that
/// does not map.
pub fn apply(args: &mut ReportArgs, mut loaded: Loaded) -> Result<Loaded, Failure> {
    let mut sink = Settings::default();
    let mut config_from_env = None;
    for (key, value) in trcli_env() {
        if key == "config" {
            config_from_env = Some(std::path::PathBuf::from(value));
            continue;
        }
        if let Err(why) = sink.take(&key, &Value::String(value)) {
            warn(&format!(
                "TR_CLI_{} ignored: {why} (see docs/migrating-from-trcli.md)",
                key.to_ascii_uppercase()
            ));
        }
    }
    if let Some(path) = args.trcli_config.clone().or(config_from_env) {
        let doc = read_yaml(&path)?;
        for (key, value) in &doc {
            // The environment was taken first and wins over the file.
            if sink.seen.contains(key.as_str()) {
                continue;
            }
            if let Err(why) = sink.take(key, value) {
                warn(&format!(
                    "{}: trcli key `{key}` ignored: {why}",
                    path.display()
                ));
            }
        }
    }
    sink.fill(&mut loaded.file);
    sink.fill_args(args);
    Ok(loaded)
}

fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Reads a trcli YAML config; several documents in one file are merged, later ones winning,
/// as trcli does.
fn read_yaml(path: &Path) -> Result<BTreeMap<String, Value>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad_input(format!(
            "{}: cannot read the trcli config: {e}",
            path.display()
        ))
    })?;
    let mut merged = BTreeMap::new();
    for document in serde_yaml_ng::Deserializer::from_str(&text) {
        let value = Value::deserialize(document).map_err(|e| {
            // The parser may quote the broken line's text: a `key:` line is the API key.
            let what = crate::errors::redact_config_message(&e.to_string(), &text);
            bad_input(format!("{}: not valid YAML: {what}", path.display()))
        })?;
        match value {
            Value::Mapping(map) => {
                for (k, v) in map {
                    if let Some(k) = k.as_str() {
                        merged.insert(k.to_owned(), v);
                    }
                }
            }
            Value::Null => {}
            _ => {
                return Err(bad_input(format!(
                    "{}: a trcli config is a mapping of `key: value` lines",
                    path.display()
                )));
            }
        }
    }
    Ok(merged)
}

/// Settings gathered from trcli sources; each fills only what is still unset.
#[derive(Default)]
struct Settings {
    file: FileConfig,
    run_id: Option<u64>,
    plan_id: Option<u64>,
    config_ids: Vec<u64>,
    seen: std::collections::BTreeSet<String>,
}

impl Settings {
    /// Takes one trcli key, or says why it has no equivalent.
    fn take(&mut self, key: &str, value: &Value) -> Result<(), String> {
        self.seen.insert(key.to_owned());
        let f = &mut self.file;
        match key {
            "host" => f.host = Some(text(value)?),
            "username" => f.user = Some(text(value)?),
            "key" => f.api_key = Some(text(value)?),
            // TestRail takes the password where the API key goes (Basic auth); an API key is
            // the better choice, but the value works as it is.
            "password" => {
                if f.api_key.is_none() {
                    f.api_key = Some(text(value)?);
                }
            }
            "project" => f.project = Some(text(value)?),
            "project_id" => f.project_id = Some(number(value)?),
            "suite_id" => f.suite_id = Some(number(value)?),
            "suite_name" => f.suite = Some(text(value)?),
            "run_id" => self.run_id = Some(number(value)?),
            "plan_id" => self.plan_id = Some(number(value)?),
            "config_ids" => self.config_ids = numbers(value)?,
            "title" => f.run_name = Some(literal_title(&text(value)?)),
            "milestone_id" => f.milestone_id = Some(number(value)?),
            "batch_size" => f.batch_size = Some(number(value)? as usize),
            "timeout" => f.timeout_secs = Some(seconds(value)?),
            "close_run" => f.close = Some(boolean(value)?),
            "case_result_statuses" => f.statuses = Some(statuses(value)?),
            "result_fields" => f.result_fields = Some(result_fields(value)?),
            "assign" => {
                let emails = list(value)?;
                match emails.as_slice() {
                    [one] => f.assign_failures_to = Some(one.clone()),
                    _ => {
                        return Err("testrail-sync assigns failures to one user (--assign-failures-to EMAIL), not round-robin to several".into());
                    }
                }
            }
            "case_matcher" => {
                let matcher = text(value)?;
                if crate::cli::CaseMatcher::parse(&matcher).is_none() {
                    return Err(format!(
                        "'{matcher}' is not one of trcli's matchers (auto, name, property)"
                    ));
                }
                f.case_matcher = Some(matcher.trim().to_ascii_lowercase());
            }
            _ => return Err(no_equivalent(key).to_string()),
        }
        Ok(())
    }

    fn fill(&self, file: &mut FileConfig) {
        let t = &self.file;
        fill(&mut file.host, &t.host);
        fill(&mut file.user, &t.user);
        if file.api_key.is_none() && file.api_key_file.is_none() {
            file.api_key.clone_from(&t.api_key);
        }
        if file.project_id.is_none() && file.project.is_none() {
            file.project_id = t.project_id;
            file.project.clone_from(&t.project);
        }
        if file.suite_id.is_none() && file.suite.is_none() {
            file.suite_id = t.suite_id;
            file.suite.clone_from(&t.suite);
        }
        fill(&mut file.run_name, &t.run_name);
        fill(&mut file.case_matcher, &t.case_matcher);
        fill(&mut file.milestone_id, &t.milestone_id);
        fill(&mut file.batch_size, &t.batch_size);
        fill(&mut file.timeout_secs, &t.timeout_secs);
        if file.close.is_none() && file.close_on_branch.is_none() {
            file.close = t.close;
        }
        fill(&mut file.assign_failures_to, &t.assign_failures_to);
        if let Some(theirs) = &t.statuses {
            let ours = file.statuses.get_or_insert_with(StatusesConfig::default);
            fill(&mut ours.passed, &theirs.passed);
            fill(&mut ours.failed, &theirs.failed);
            fill(&mut ours.error, &theirs.error);
            fill(&mut ours.skipped, &theirs.skipped);
        }
        if let Some(theirs) = &t.result_fields {
            let ours = file.result_fields.get_or_insert_with(BTreeMap::new);
            for (k, v) in theirs {
                ours.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }

    fn fill_args(&self, args: &mut ReportArgs) {
        let chose_run = args.run_id.is_some()
            || args.run_key.is_some()
            || args.plan_id.is_some()
            || args.plan_name.is_some();
        if chose_run {
            return;
        }
        if self.run_id.is_some() {
            args.run_id = self.run_id;
        } else if self.plan_id.is_some() {
            args.plan_id = self.plan_id;
            if args.config_ids.is_empty() {
                args.config_ids.clone_from(&self.config_ids);
            }
        }
    }
}

fn fill<T: Clone>(ours: &mut Option<T>, theirs: &Option<T>) {
    if ours.is_none() {
        ours.clone_from(theirs);
    }
}

/// Why a trcli key has no equivalent, for the warning.
fn no_equivalent(key: &str) -> &'static str {
    match key {
        "file" => "pass the report files (or globs) as arguments of `report`",
        "verbose" => "use -v (or RUST_LOG)",
        "silent" => "use -q",
        "insecure" | "verify" => {
            "certificates are always verified; install your CA in the system store instead"
        }
        "proxy" | "proxy_user" | "noproxy" => {
            "set HTTPS_PROXY / NO_PROXY in the environment instead"
        }
        "allow_ms" => "elapsed is rounded up to whole seconds (TestRail's format), never 0s",
        "special_parser" => {
            "formats are sniffed from content (JUnit dialects, Robot, Cucumber, TAP, CTRF)"
        }
        "section_id" | "case_fields" | "auto_creation_response" | "yes" | "y" | "no" | "n" => {
            "report never creates cases; use `testrail-sync cases create FILES --section PATH --yes`"
        }
        "run_description" => {
            "the run description is written from the CI build (URL, commit, branch)"
        }
        "config" => "chained config files are not followed; merge them into one file",
        "logging" => "use -v/-q or RUST_LOG",
        "update_existing_cases" | "update_strategy" => "report never changes cases",
        "parallel_pagination" => "listings are only read when needed",
        _ => "no testrail-sync equivalent",
    }
}

fn text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err("expected a single value".into()),
    }
}

fn number(v: &Value) -> Result<u64, String> {
    let t = text(v)?;
    t.trim()
        .parse()
        .map_err(|_| format!("expected a whole number, not `{t}`"))
}

fn seconds(v: &Value) -> Result<f64, String> {
    let t = text(v)?;
    t.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .ok_or_else(|| format!("expected seconds, not `{t}`"))
}

fn boolean(v: &Value) -> Result<bool, String> {
    match text(v)?.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        other => Err(format!("expected true or false, not `{other}`")),
    }
}

/// A YAML list, or one comma-separated string (as on trcli's command line).
fn list(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Sequence(items) => items.iter().map(text).collect(),
        other => Ok(text(other)?
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()),
    }
}

fn numbers(v: &Value) -> Result<Vec<u64>, String> {
    list(v)?
        .iter()
        .map(|s| {
            s.parse()
                .map_err(|_| format!("expected numbers, not `{s}`"))
        })
        .collect()
}

/// trcli titles are literal text; ours are templates without an escape for braces, so a
/// brace in a trcli title becomes a parenthesis rather than an unknown placeholder.
fn literal_title(title: &str) -> String {
    title.replace('{', "(").replace('}', ")")
}

/// `case_result_statuses: {passed: 1, skipped: 6, error: 7, failure: 5}` — status IDs per
/// JUnit outcome. IDs become the system names TestRail gives them (1 passed … 5 failed,
/// 6.. custom_status1..), which our status mapping looks up by name.
fn statuses(v: &Value) -> Result<StatusesConfig, String> {
    let Value::Mapping(map) = v else {
        return Err("expected a mapping such as {skipped: 6, error: 5}".into());
    };
    let mut out = StatusesConfig::default();
    for (k, v) in map {
        let name = status_name(number(v)?)?;
        match k.as_str().unwrap_or_default() {
            "passed" => out.passed = Some(name),
            "failure" | "failed" => out.failed = Some(name),
            "error" => out.error = Some(name),
            "skipped" => out.skipped = Some(name),
            other => return Err(format!("unknown outcome `{other}` in case_result_statuses")),
        }
    }
    Ok(out)
}

fn status_name(id: u64) -> Result<String, String> {
    Ok(match id {
        1 => "passed".into(),
        2 => "blocked".into(),
        3 => return Err("status 3 is Untested, which cannot be posted as a result".into()),
        4 => "retest".into(),
        5 => "failed".into(),
        n => format!("custom_status{}", n - 5),
    })
}

/// `result_fields: ["custom_env:staging"]` (trcli's `name:value` form).
fn result_fields(v: &Value) -> Result<BTreeMap<String, toml::Value>, String> {
    let items = match v {
        // From the environment click splits a repeatable option on whitespace.
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        other => list(other)?,
    };
    let mut out = BTreeMap::new();
    for item in items {
        let (k, val) = item
            .split_once(':')
            .ok_or_else(|| format!("expected name:value, not `{item}`"))?;
        out.insert(
            k.trim().to_owned(),
            toml::Value::String(val.trim().to_owned()),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml_ng::from_str(s).unwrap()
    }

    #[test]
    fn status_ids_become_system_names() {
        let s = statuses(&yaml("{skipped: 6, error: 2, failure: 5, passed: 1}")).unwrap();
        assert_eq!(s.skipped.as_deref(), Some("custom_status1"));
        assert_eq!(s.error.as_deref(), Some("blocked"));
        assert_eq!(s.failed.as_deref(), Some("failed"));
        assert!(statuses(&yaml("{skipped: 3}")).is_err());
    }

    #[test]
    fn keys_map_or_say_why_not() {
        let mut s = Settings::default();
        s.take("project_id", &yaml("'7'")).unwrap();
        s.take("close_run", &yaml("yes")).unwrap();
        s.take("result_fields", &yaml("[custom_env:staging]"))
            .unwrap();
        s.take("title", &yaml("Nightly {x}")).unwrap();
        assert_eq!(s.file.project_id, Some(7));
        assert_eq!(s.file.close, Some(true));
        assert_eq!(s.file.run_name.as_deref(), Some("Nightly (x)"));
        let why = s.take("insecure", &yaml("true")).unwrap_err();
        assert!(why.contains("verified"), "{why}");
        assert!(s.take("case_matcher", &yaml("fuzzy")).is_err());
        assert!(s.take("case_matcher", &yaml("name")).is_ok());
        assert!(s.take("case_matcher", &yaml("AUTO")).is_ok());
        assert_eq!(s.file.case_matcher.as_deref(), Some("auto"));
    }

    #[test]
    fn ours_win_over_theirs() {
        let mut s = Settings::default();
        s.take("host", &yaml("https://old.example")).unwrap();
        s.take("suite_id", &yaml("9")).unwrap();
        let mut file = FileConfig {
            host: Some("https://ours.example".into()),
            suite: Some("Main".into()),
            ..FileConfig::default()
        };
        s.fill(&mut file);
        assert_eq!(file.host.as_deref(), Some("https://ours.example"));
        assert_eq!(
            file.suite_id, None,
            "our suite name wins over their suite ID"
        );
    }
}
