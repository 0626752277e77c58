//! `testrail-sync.toml`, layered under the environment and flags: file < env < flags.
//! Unknown keys are errors naming the closest valid key, so a typo never silently does nothing.
//!
//! One layering rule: clap merges each setting's environment variable into its flag
//! (`#[arg(env = …)]`), and the command then takes `flag.or(file)`. trcli's `TR_CLI_*`
//! variables only fill what the file leaves open (the binary's `settings()`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use testrail_api::{ApiKey, Client, ClientConfig};
use testrail_sync::{ProjectRef, SuiteRef};

use crate::cli::Connection;
use crate::fail::{Failure, bad_input};

pub const DEFAULT_CONFIG: &str = "testrail-sync.toml";

/// The config file as written. Every field is optional: flags and the environment fill gaps.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub host: Option<String>,
    pub user: Option<String>,
    pub api_key: Option<String>,
    pub api_key_file: Option<PathBuf>,
    pub project_id: Option<u64>,
    pub project: Option<String>,
    pub suite_id: Option<u64>,
    pub suite: Option<String>,
    pub run_name: Option<String>,
    pub milestone_id: Option<u64>,
    pub case_patterns: Option<Vec<String>>,
    pub case_properties: Option<Vec<String>>,
    /// trcli's matcher name: auto, name or property.
    pub case_matcher: Option<String>,
    /// Where the case index of `case_matcher = "auto"` lives.
    pub cache_dir: Option<PathBuf>,
    pub batch_size: Option<usize>,
    pub concurrency: Option<usize>,
    pub rate_limit: Option<u32>,
    pub timeout_secs: Option<f64>,
    pub allow_insecure_http: Option<bool>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: Option<bool>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub close: Option<bool>,
    pub close_on_branch: Option<Vec<String>>,
    pub journal_dir: Option<PathBuf>,
    pub defects_from: Option<String>,
    pub assign_failures_to: Option<String>,
    pub comment_max_chars: Option<usize>,
    pub include_output: Option<bool>,
    pub statuses: Option<StatusesConfig>,
    pub result_fields: Option<BTreeMap<String, toml::Value>>,
    /// Result field = report property it takes its value from, per test.
    pub result_field_properties: Option<BTreeMap<String, String>>,
    /// Set when this file was found in the working directory rather than named by `--config`:
    /// the connection settings it holds, which a checkout must not be able to decide alone.
    #[serde(skip)]
    pub found_in_workdir: Option<FoundFile>,
    /// The file these settings were read from and whether it set `host` itself (trcli's
    /// config may fill it later), for the line that says where the host came from.
    #[serde(skip)]
    pub read_from: Option<(PathBuf, bool)>,
}

/// A config file the tool found on its own in the working directory. In CI that directory is
/// the checkout of the change under review, so whoever wrote the change wrote this file.
#[derive(Debug, Default, Clone)]
pub struct FoundFile {
    pub path: PathBuf,
    /// The settings of [`GUARDED_KEYS`] it sets, each with its `file:line:col`.
    pub guarded: Vec<(&'static str, String)>,
    /// It holds an inline `api_key`: a key the checkout brought along itself.
    pub holds_key: bool,
}

/// Settings that decide where the API key is sent or how it is protected on the way. A file
/// found in the working directory may set them only for a key it holds itself (see
/// [`refuse_found_routing`]).
pub const GUARDED_KEYS: &[&str] = &[
    "host",
    "proxy",
    "no_proxy",
    "insecure",
    "allow_insecure_http",
    "ca_cert",
    "client_cert",
    "client_key",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusesConfig {
    pub passed: Option<String>,
    pub failed: Option<String>,
    pub error: Option<String>,
    pub flaky: Option<String>,
    pub skipped: Option<String>,
}

/// The loaded config file (empty when there is none).
#[derive(Debug, Default)]
pub struct Loaded {
    pub file: FileConfig,
}

/// Loads `--config FILE`, else `./testrail-sync.toml` if it exists, else nothing. (The binary's
/// `settings()` then fills what is still open from trcli's `TR_CLI_*` variables.)
pub fn load_file(explicit: Option<&Path>) -> Result<Loaded, Failure> {
    let (path, found) = match explicit {
        Some(p) => (p.to_owned(), false),
        None if Path::new(DEFAULT_CONFIG).is_file() => (PathBuf::from(DEFAULT_CONFIG), true),
        None => return Ok(Loaded::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        bad_input(format!(
            "{}: cannot read the config file: {e}",
            path.display()
        ))
    })?;
    let mut file = parse(&text, &path)?;
    file.read_from = Some((path.clone(), file.host.is_some()));
    if found {
        file.found_in_workdir = Some(found_file(&text, &path));
    }
    if file.api_key.is_some() {
        warn_if_readable_by_others(&path);
    }
    Ok(Loaded { file })
}

pub fn parse(text: &str, path: &Path) -> Result<FileConfig, Failure> {
    let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    check_keys(&table, text, path)?;
    let file: FileConfig = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    if let Some(m) = &file.case_matcher
        && crate::cli::CaseMatcher::parse(m).is_none()
    {
        return Err(bad_input(format!(
            "{}: case_matcher = \"{m}\": use auto, name or property",
            at(path, text, None, "case_matcher")
        )));
    }
    Ok(file)
}

fn found_file(text: &str, path: &Path) -> FoundFile {
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let guarded = GUARDED_KEYS
        .iter()
        .filter(|key| table.contains_key(**key))
        .map(|key| (*key, at(path, text, None, key)))
        .collect();
    FoundFile {
        path: path.to_owned(),
        guarded,
        holds_key: table.contains_key("api_key"),
    }
}

/// A TOML error as `file:line:col: what`, without the source excerpt toml prints: that excerpt
/// is the broken line, and a broken `api_key = "…` line is the key.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Failure {
    let mut place = path.display().to_string();
    let mut setting = String::new();
    if let Some(span) = e.span() {
        let start = span.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        place = format!("{place}:{line}:{}", start - line_start + 1);
        // The setting's name helps find the line; its value is never shown.
        let line_text = text[line_start..].lines().next().unwrap_or("");
        if let Some((name, _)) = line_text.split_once('=') {
            setting = format!(" (in `{} = …`)", name.trim());
        }
    }
    let what = crate::errors::redact_config_message(e.message().trim_end(), text);
    bad_input(format!("{place}: TOML error: {what}{setting}"))
}

fn check_keys(table: &toml::Table, text: &str, path: &Path) -> Result<(), Failure> {
    for (key, value) in table {
        let place = at(path, text, None, key);
        unknown_key(key, struct_fields::<FileConfig>(), "", &place)?;
        if let (true, Some(inner)) = (key == "statuses", value.as_table()) {
            for k in inner.keys() {
                let place = at(path, text, Some("statuses"), k);
                unknown_key(k, struct_fields::<StatusesConfig>(), "statuses.", &place)?;
            }
        }
    }
    Ok(())
}

/// `path:line:col` of `key = …` (in `[section]`, or before any section), else just `path`: the
/// parsed table has no positions, and a config error must point at its line.
fn at(path: &Path, text: &str, section: Option<&str>, key: &str) -> String {
    let mut current: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(header) = trimmed.strip_prefix('[') {
            current = Some(header.split(']').next().unwrap_or_default().trim());
            if current == Some(key) && section.is_none() {
                return format!(
                    "{}:{}:{}",
                    path.display(),
                    i + 1,
                    line.len() - trimmed.len() + 1
                );
            }
            continue;
        }
        let is_key = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if current == section && is_key {
            return format!(
                "{}:{}:{}",
                path.display(),
                i + 1,
                line.len() - trimmed.len() + 1
            );
        }
    }
    path.display().to_string()
}

/// The keys serde accepts for `T`, as its derived `Deserialize` names them to the deserializer:
/// the valid keys can never drift from the struct's fields.
fn struct_fields<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that only records the field names a struct asks for, then stops.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("only struct fields are read"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

fn unknown_key(key: &str, valid: &[&str], prefix: &str, place: &str) -> Result<(), Failure> {
    if valid.contains(&key) {
        return Ok(());
    }
    let closest = valid
        .iter()
        .map(|v| (strsim::jaro_winkler(key, v), *v))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.7)
        .map(|(_, v)| format!("; did you mean `{prefix}{v}`?"))
        .unwrap_or_else(|| format!("; valid keys: {}", valid.join(", ")));
    Err(bad_input(format!(
        "{place}: unknown key `{prefix}{key}`{closest}"
    )))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let readable_by_others = std::fs::metadata(path)
        .map(|meta| meta.permissions().mode() & 0o044 != 0)
        .unwrap_or(false);
    if readable_by_others {
        eprintln!(
            "warning: {} holds an API key and is readable by other users; run `chmod 600 {}` or use TESTRAIL_API_KEY",
            path.display(),
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

impl crate::cli::TargetArgs {
    /// The project from flags/env, else the config file.
    pub fn project_ref(&self, file: &FileConfig) -> Result<ProjectRef, Failure> {
        match (
            self.project_id.or(file.project_id),
            self.project.clone().or(file.project.clone()),
        ) {
            (Some(id), _) => Ok(ProjectRef::Id(id)),
            (None, Some(name)) => Ok(ProjectRef::Name(name)),
            (None, None) => Err(bad_input(
                "no project: pass --project-id N or --project NAME (or set TESTRAIL_PROJECT_ID); \
                 `testrail-sync projects` lists them",
            )),
        }
    }

    /// The suite from flags/env, else the config file; `None` for single-suite projects.
    pub fn suite_ref(&self, file: &FileConfig) -> Option<SuiteRef> {
        match (
            self.suite_id.or(file.suite_id),
            self.suite.clone().or(file.suite.clone()),
        ) {
            (Some(id), _) => Some(SuiteRef::Id(id)),
            (None, Some(name)) => Some(SuiteRef::Name(name)),
            (None, None) => None,
        }
    }
}

/// The new run's name template, flag over file over the default, checked before any request.
pub fn run_name_template(flag: Option<&str>, file: &FileConfig) -> Result<String, Failure> {
    let template = flag
        .map(str::to_owned)
        .or(file.run_name.clone())
        .unwrap_or_else(|| testrail_sync::options::DEFAULT_RUN_NAME.into());
    testrail_sync::text::check_template(&template)?;
    Ok(template)
}

/// Builds the API client from flags > env > file.
pub fn client(conn: &Connection, file: &FileConfig) -> Result<Client, Failure> {
    let host = conn.host.clone().or_else(|| file.host.clone()).ok_or_else(|| {
        bad_input(
            "no TestRail host: set TESTRAIL_HOST (e.g. https://acme.testrail.io), pass --host, or put host = \"…\" in testrail-sync.toml"
                .to_string(),
        )
    })?;
    let user = conn
        .user
        .clone()
        .or_else(|| file.user.clone())
        .ok_or_else(|| {
            bad_input(
                "no TestRail user: set TESTRAIL_USER to the email you log in with, or pass --user"
                    .to_string(),
            )
        })?;
    let (key, key_source) = api_key(conn, file)?;
    if let Some(found) = &file.found_in_workdir {
        refuse_found_routing(conn, file, found, key_source)?;
    }
    crate::errors::register_credential(&user, &key);
    let mut config = ClientConfig::new(host, user, key);
    if let Some(limit) = conn.rate_limit.or(file.rate_limit) {
        config.rate_limit_per_minute = (limit > 0).then_some(limit);
    }
    if let Some(secs) = conn.rate_window {
        config.rate_window = positive_seconds("rate-window", secs)?;
    }
    if let Some(secs) = conn.timeout.or(file.timeout_secs) {
        config.timeout = positive_seconds("timeout", secs)?;
    }
    config.allow_insecure_http = conn.allow_insecure_http || file.allow_insecure_http == Some(true);
    config.user_agent = format!("testrail-sync/{}", env!("CARGO_PKG_VERSION"));
    crate::network::apply(conn, file, &mut config);
    Client::new(config).map_err(|e| crate::fail::api_failure("setting up the connection", e))
}

/// One line saying where requests go and who decided it: `TestRail https://acme.testrail.io
/// (host from TESTRAIL_HOST), through proxy http://proxy:3128 (from HTTPS_PROXY)`. Printed
/// before a sync so a CI log shows at a glance whether a setting took the key somewhere else.
pub fn route_line(conn: &Connection, file: &FileConfig, client: &Client) -> String {
    let host_source = match (&conn.host, &file.read_from) {
        (Some(host), _) if std::env::var("TESTRAIL_HOST").ok().as_ref() == Some(host) => {
            "TESTRAIL_HOST".to_owned()
        }
        (Some(_), _) => "--host".to_owned(),
        (None, Some((path, true))) => path.display().to_string(),
        (None, _) => "trcli's config".to_owned(),
    };
    let via = match client.proxy() {
        Some((proxy, "--proxy")) if conn.proxy.is_none() => {
            let file_name = file.read_from.as_ref().map_or_else(
                || "trcli's config".to_owned(),
                |(p, _)| p.display().to_string(),
            );
            format!("through proxy {proxy} (from {file_name})")
        }
        Some((proxy, source)) => format!("through proxy {proxy} (from {source})"),
        None => "directly, no proxy".to_owned(),
    };
    format!(
        "TestRail {} (host from {host_source}), {via}",
        client.host()
    )
}

fn positive_seconds(setting: &str, secs: f64) -> Result<Duration, Failure> {
    if secs.is_finite() && secs > 0.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(bad_input(format!(
            "{setting} must be a positive number of seconds, not {secs}"
        )))
    }
}

/// Where the API key came from: only a key from the config file itself lets that file decide
/// where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    KeyFileFlag,
    Stdin,
    Environment,
    /// `api_key_file = …` of the config file: a file elsewhere on the machine.
    ConfigKeyFile,
    /// `api_key = …` inline in the config file.
    ConfigInline,
}

impl KeySource {
    fn describe(self) -> &'static str {
        match self {
            KeySource::KeyFileFlag => "--api-key-file",
            KeySource::Stdin => "--api-key-stdin",
            KeySource::Environment => "TESTRAIL_API_KEY",
            KeySource::ConfigKeyFile => "the key file the config file names",
            KeySource::ConfigInline => "the config file",
        }
    }
}

/// The rule for a config file found in the working directory (the checkout, in CI): it may
/// say where a key goes, and how it is protected, only for a key it holds itself. A key from
/// the environment, a flag or stdin belongs to whoever set up the job, and a change under
/// review must not be able to send it to another host, through a proxy of its choosing or
/// over unchecked TLS. A setting that a flag or the environment overrides is harmless.
fn refuse_found_routing(
    conn: &Connection,
    file: &FileConfig,
    found: &FoundFile,
    key_source: KeySource,
) -> Result<(), Failure> {
    // A key written into the found file itself is the checkout's own: nothing to steal. A key
    // file it names is not (it could name the job's own key file).
    if key_source == KeySource::ConfigInline && found.holds_key {
        return Ok(());
    }
    let in_effect = |key: &str| match key {
        "host" => conn.host.is_none(),
        "proxy" => conn.proxy.is_none(),
        "no_proxy" => conn.noproxy.is_none(),
        "insecure" => !conn.insecure && file.insecure == Some(true),
        "allow_insecure_http" => {
            !conn.allow_insecure_http && file.allow_insecure_http == Some(true)
        }
        "ca_cert" => conn.ca_cert.is_none(),
        "client_cert" => conn.client_cert.is_none(),
        "client_key" => conn.client_key.is_none(),
        _ => false,
    };
    let Some((key, place)) = found.guarded.iter().find(|(key, _)| in_effect(key)) else {
        return Ok(());
    };
    let name = found.path.display();
    Err(bad_input(format!(
        "{place}: `{key}` is set in {name}, a file found in the working directory, while the \
         API key comes from {}. A file in the checkout cannot decide where the key is sent or \
         weaken how it is protected (in CI the change under review wrote it). Give `{key}` as \
         {}, or trust the file by naming it: --config {name}",
        key_source.describe(),
        flag_for(key),
    )))
}

/// The flag or environment variable that sets a guarded key.
fn flag_for(key: &str) -> &'static str {
    match key {
        "host" => "--host or TESTRAIL_HOST",
        "proxy" => "--proxy or HTTPS_PROXY",
        "no_proxy" => "--noproxy or NO_PROXY",
        "insecure" => "--insecure",
        "allow_insecure_http" => "--allow-insecure-http",
        "ca_cert" => "--ca-cert (or SSL_CERT_FILE)",
        "client_cert" => "--client-cert",
        _ => "--client-key",
    }
}

fn api_key(conn: &Connection, file: &FileConfig) -> Result<(ApiKey, KeySource), Failure> {
    let from_file = |path: &Path| {
        warn_if_readable_by_others(path);
        std::fs::read_to_string(path).map(ApiKey::new).map_err(|e| {
            bad_input(format!(
                "{}: cannot read the API key file: {e}",
                path.display()
            ))
        })
    };
    let (key, source) = if let Some(path) = &conn.api_key_file {
        (from_file(path)?, KeySource::KeyFileFlag)
    } else if conn.api_key_stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| bad_input(format!("cannot read the API key from stdin: {e}")))?;
        (ApiKey::new(text), KeySource::Stdin)
    } else if let Some(key) = std::env::var("TESTRAIL_API_KEY")
        .ok()
        .filter(|k| !k.is_empty())
    {
        (ApiKey::new(key), KeySource::Environment)
    } else if let Some(path) = &file.api_key_file {
        (from_file(path)?, KeySource::ConfigKeyFile)
    } else if let Some(key) = &file.api_key {
        (ApiKey::new(key.clone()), KeySource::ConfigInline)
    } else {
        return Err(bad_input(
            "no API key: set TESTRAIL_API_KEY, or pass --api-key-file FILE / --api-key-stdin \
             (create a key in TestRail under My Settings → API Keys and save it)"
                .to_string(),
        ));
    };
    if key.is_empty() {
        return Err(bad_input("the API key is empty".to_string()));
    }
    crate::errors::register_secret(key.expose());
    Ok((key, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_closest_valid_one() {
        let err = parse("projct_id = 1\n", Path::new("t.toml")).unwrap_err();
        assert!(
            err.message.contains("did you mean `project_id`"),
            "{}",
            err.message
        );
        let err = parse("[statuses]\nskiped = \"omit\"\n", Path::new("t.toml")).unwrap_err();
        assert!(
            err.message.contains("`statuses.skipped`"),
            "{}",
            err.message
        );
    }

    /// Fault: config errors said only `t.toml: …`, leaving the user to hunt for the line.
    #[test]
    fn unknown_keys_and_bad_case_matcher_point_at_their_line() {
        let text = "host = \"x\"\n  projct_id = 1\n";
        let err = parse(text, Path::new("t.toml")).unwrap_err();
        assert!(
            err.message.starts_with("t.toml:2:3: unknown key"),
            "{}",
            err.message
        );
        let text = "host = \"x\"\n\n[statuses]\nfailed = \"failed\"\nskiped = \"omit\"\n";
        let err = parse(text, Path::new("t.toml")).unwrap_err();
        assert!(
            err.message.starts_with("t.toml:5:1: unknown key"),
            "{}",
            err.message
        );
        let err = parse("[result_fieldz]\nx = 1\n", Path::new("t.toml")).unwrap_err();
        assert!(
            err.message.starts_with("t.toml:1:1: unknown key"),
            "{}",
            err.message
        );
        let err = parse(
            "host = \"x\"\ncase_matcher = \"bogus\"\n",
            Path::new("t.toml"),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "t.toml:2:1: case_matcher = \"bogus\": use auto, name or property"
        );
        assert_eq!(err.code, 2);
    }

    #[test]
    fn the_valid_keys_are_the_structs_fields() {
        let top = struct_fields::<FileConfig>();
        assert!(top.contains(&"project_id") && top.contains(&"result_fields"));
        assert_eq!(
            struct_fields::<StatusesConfig>(),
            ["passed", "failed", "error", "flaky", "skipped"]
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse("host = \"x\"\nproject_id = \n", Path::new("t.toml")).unwrap_err();
        assert!(err.message.starts_with("t.toml:2:"), "{}", err.message);
        assert_eq!(err.code, 2);
    }

    #[test]
    fn a_full_file_parses() {
        let cfg = parse(
            "host = \"https://x.testrail.io\"\nproject_id = 3\nsuite_id = 4\nclose_on_branch = [\"main\"]\n\
             [statuses]\nskipped = \"omit\"\n[result_fields]\ncustom_env = \"staging\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(cfg.project_id, Some(3));
        assert_eq!(cfg.statuses.unwrap().skipped.as_deref(), Some("omit"));
    }
}
