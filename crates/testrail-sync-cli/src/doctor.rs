//! `testrail-sync doctor`: checks, one line each with its fix, whether a sync would work from
//! this machine — name resolution, proxy, TLS trust, API and credentials, project and suite,
//! status mapping, required result fields, the automation ID field, what the user may do, and
//! the rate limit. Only reads: nothing is ever written to TestRail.

use serde::Serialize;
use testrail_api::models::{Project, Status, User};
use testrail_api::{ApiError, Client, ErrorKind};
use testrail_sync::statuses::StatusMap;
use testrail_sync::{Exit, SyncError, automation, preflight};

use crate::cli::{CaseMatcher, DoctorArgs, OutputFormat, TargetArgs};
use crate::config::{self, FileConfig, Loaded};
use crate::fail::{Failure, api_failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Ok,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Serialize)]
struct Check {
    check: &'static str,
    status: Verdict,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
    /// Exit code of a failure (set-up, refused, unreachable).
    #[serde(skip)]
    code: Exit,
}

#[derive(Default)]
struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.push(check, Verdict::Ok, detail.into(), None, Exit::Ok);
    }
    fn warn(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(
            check,
            Verdict::Warn,
            detail.into(),
            Some(fix.into()),
            Exit::Ok,
        );
    }
    fn skip(&mut self, check: &'static str, detail: impl Into<String>) {
        self.push(check, Verdict::Skip, detail.into(), None, Exit::Ok);
    }
    fn fail(
        &mut self,
        check: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
        code: Exit,
    ) {
        self.push(check, Verdict::Fail, detail.into(), Some(fix.into()), code);
    }
    /// A failed step of the engine: its message as the detail, its hint (if any) as the fix.
    fn failed_sync(&mut self, check: &'static str, e: SyncError) {
        let failure = Failure::from(e);
        let fix = failure
            .hint
            .clone()
            .unwrap_or_else(|| "see the message".into());
        self.fail(
            check,
            crate::errors::mask(&failure.message),
            fix,
            failure.code,
        );
    }
    /// A failed call: its message as the detail, its hint as the fix, its exit code.
    fn failed_call(&mut self, check: &'static str, what: &str, e: ApiError) {
        let hint = e.hint();
        let failure = api_failure(what, e);
        let detail = crate::errors::mask(&failure.message);
        self.fail(check, detail, hint, failure.code);
    }
    fn push(
        &mut self,
        check: &'static str,
        status: Verdict,
        detail: String,
        fix: Option<String>,
        code: Exit,
    ) {
        self.checks.push(Check {
            check,
            status,
            detail,
            fix,
            code,
        });
    }
    /// The first failing check's exit code (never below "bad input"), or Ok.
    fn exit(&self) -> Exit {
        self.checks
            .iter()
            .filter(|c| c.status == Verdict::Fail)
            .map(|c| {
                if c.code.code() < Exit::BadInput.code() {
                    Exit::BadInput
                } else {
                    c.code
                }
            })
            .min_by_key(|e| e.code())
            .unwrap_or(Exit::Ok)
    }
}

pub async fn run(args: DoctorArgs, loaded: Loaded) -> Result<Exit, Failure> {
    let file = &loaded.file;
    let client = config::client(&args.connection, file)?;
    let mut report = Report::default();
    let reachable = connection_checks(&client, &mut report).await;
    if let Some(user) = reachable {
        account_checks(&client, &args, file, &user, &mut report).await;
    }
    rate_check(&client, &mut report);
    print(&report, args.format);
    Ok(report.exit())
}

/// Name resolution, proxy, then one read that proves TLS, the API switch and the credentials.
async fn connection_checks(client: &Client, report: &mut Report) -> Option<User> {
    let url = reqwest_free_url(client.host());
    match client.proxy() {
        Some((proxy, from)) => report.ok("proxy", format!("through {proxy} (from {from})")),
        None => report.ok(
            "proxy",
            "none: connecting directly (HTTPS_PROXY / --proxy to use one)",
        ),
    }
    resolve_check(&url, client.proxy().is_some(), report).await;
    let user = match current_user(client).await {
        Ok(user) => user,
        Err(e) => {
            let check = match e.kind() {
                ErrorKind::Tls => "tls",
                ErrorKind::Dns | ErrorKind::Network | ErrorKind::Proxy => "connection",
                ErrorKind::Auth => "credentials",
                _ => "api",
            };
            report.failed_call(check, "get_current_user", e);
            return None;
        }
    };
    if url.https {
        report.ok("tls", "the certificate is trusted");
    } else {
        report.warn(
            "tls",
            "plain http: the API key travels unencrypted",
            "use the https:// address",
        );
    }
    report.ok(
        "credentials",
        format!(
            "the API answers; signed in as {} ({})",
            user.name, user.email
        ),
    );
    Some(user)
}

async fn current_user(client: &Client) -> Result<User, ApiError> {
    match client.get::<User>("get_current_user").await {
        // TestRail before 6.6 has no get_current_user: the API answers 400/404 for it.
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Rejected) => Ok(User {
            name: "?".into(),
            email: "?".into(),
            is_active: true,
            ..User::default()
        }),
        other => other,
    }
}

struct HostPort {
    name: String,
    port: u16,
    https: bool,
}

fn reqwest_free_url(host: &str) -> HostPort {
    let https = host.starts_with("https://");
    let rest = host.split_once("://").map_or(host, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let (name, port) = match authority.rsplit_once(':') {
        Some((n, p))
            if !n.ends_with(':') && p.parse::<u16>().is_ok() && !authority.ends_with(']') =>
        {
            (n.to_owned(), p.parse().unwrap_or(443))
        }
        _ => (authority.to_owned(), if https { 443 } else { 80 }),
    };
    HostPort {
        name: name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
        https,
    }
}

async fn resolve_check(url: &HostPort, proxied: bool, report: &mut Report) {
    match tokio::net::lookup_host((url.name.as_str(), url.port)).await {
        Ok(addrs) => {
            let addrs: Vec<String> = addrs.map(|a| a.ip().to_string()).take(3).collect();
            report.ok(
                "name resolution",
                format!("{} → {}", url.name, addrs.join(", ")),
            );
        }
        Err(e) if proxied => report.skip(
            "name resolution",
            format!(
                "{} does not resolve here ({e}); the proxy resolves it",
                url.name
            ),
        ),
        Err(e) => report.fail(
            "name resolution",
            format!("{} does not resolve: {e}", url.name),
            "check TESTRAIL_HOST for a typo, or this machine's DNS",
            Exit::BadInput,
        ),
    }
}

/// Project, suite, statuses, fields and what the user may do: only reads.
async fn account_checks(
    client: &Client,
    args: &DoctorArgs,
    file: &FileConfig,
    user: &User,
    report: &mut Report,
) {
    if !user.is_active {
        report.fail(
            "permissions",
            format!("the user {} is deactivated", user.email),
            "ask a TestRail admin to reactivate the user",
            Exit::Refused,
        );
    }
    let project_id = project_checks(client, &args.target, file, report).await;
    statuses_check(client, file, report).await;
    result_fields_check(client, args, file, project_id, report).await;
    let matcher = args
        .case_matcher
        .or_else(|| file.case_matcher.as_deref().and_then(CaseMatcher::parse));
    automation_field_check(client, matcher, project_id, report).await;
    let role = user.role.clone().unwrap_or_else(|| "unknown role".into());
    report.ok(
        "permissions",
        format!(
            "role: {role}{}; whether it may add runs and results is not readable through the API: \
             `report --dry-run` reads everything, the first sync proves it",
            if user.is_admin {
                " (administrator)"
            } else {
                ""
            }
        ),
    );
}

async fn project_checks(
    client: &Client,
    target: &TargetArgs,
    file: &FileConfig,
    report: &mut Report,
) -> Option<u64> {
    let project = match target.project_ref(file) {
        Ok(p) => p,
        Err(_) => {
            // A sync needs one: doctor does not pass without it.
            report.fail(
                "project and suite",
                "no project given",
                "pass --project-id N or --project NAME (or set TESTRAIL_PROJECT_ID, or project_id in testrail-sync.toml); `testrail-sync projects` lists them",
                Exit::BadInput,
            );
            return None;
        }
    };
    let suite = target.suite_ref(file);
    match testrail_sync::resolve_target(client, &project, suite.as_ref()).await {
        Ok(resolved) => {
            report.ok(
                "project and suite",
                format!(
                    "project P{} with suite S{} \"{}\"",
                    resolved.project_id, resolved.suite_id, resolved.suite_name
                ),
            );
            completed_check(client, resolved.project_id, report).await;
            Some(resolved.project_id)
        }
        Err(e) => {
            let failure = Failure::from(e);
            report.fail(
                "project and suite",
                crate::errors::mask(&failure.message),
                failure
                    .hint
                    .unwrap_or_else(|| "`testrail-sync projects` / `suites` list them".into()),
                failure.code,
            );
            None
        }
    }
}

/// A completed project takes no new runs: visible by reading.
async fn completed_check(client: &Client, project_id: u64, report: &mut Report) {
    if let Ok(project) = client
        .get::<Project>(&format!("get_project/{project_id}"))
        .await
        && project.is_completed
    {
        report.fail(
            "permissions",
            format!("project P{project_id} is completed: TestRail takes no new runs in it"),
            "reopen the project (Administration → Projects) or pick another",
            Exit::Refused,
        );
    }
}

async fn statuses_check(client: &Client, file: &FileConfig, report: &mut Report) {
    let statuses = match client.get::<Vec<Status>>("get_statuses").await {
        Ok(s) => s,
        Err(e) => return report.failed_call("status mapping", "get_statuses", e),
    };
    let config = match crate::report::statuses(file) {
        Ok(c) => c,
        Err(f) => {
            return report.fail(
                "status mapping",
                f.message,
                "fix [statuses] in testrail-sync.toml",
                Exit::BadInput,
            );
        }
    };
    match StatusMap::resolve(&config, &statuses) {
        Ok(map) => {
            let name = |r: &Option<testrail_sync::statuses::Resolved>| {
                r.as_ref().map_or("(not posted)".to_owned(), |r| {
                    format!("{} ({})", r.label, r.id)
                })
            };
            report.ok(
                "status mapping",
                format!(
                    "passed → {}, failed → {}, skipped → {}",
                    name(&map.passed),
                    name(&map.failed),
                    name(&map.skipped)
                ),
            );
        }
        Err(e) => {
            let failure = Failure::from(e);
            report.fail(
                "status mapping",
                failure.message,
                "set [statuses] in testrail-sync.toml to names `testrail-sync statuses` lists",
                Exit::BadInput,
            );
        }
    }
}

/// Required result fields a sync does not fill, and configured values that do not fit their
/// field, would make TestRail refuse every batch: the `fields` preflight's doctor half.
async fn result_fields_check(
    client: &Client,
    args: &DoctorArgs,
    file: &FileConfig,
    project_id: Option<u64>,
    report: &mut Report,
) {
    let Some(project_id) = project_id else {
        report.skip("result fields", "needs the project");
        return;
    };
    let fields = match preflight::result_fields_of_project(client, project_id).await {
        Ok(f) => f,
        Err(e) => return report.failed_sync("result fields", e),
    };
    let configured = crate::report::result_fields(&args.result_field, file)
        .and_then(|given| Ok((given, crate::report::result_field_properties(&[], file)?)));
    let (given, from_properties) = match configured {
        Ok(c) => c,
        Err(f) => {
            let fix = "fix result_fields / --result-field";
            return report.fail("result fields", f.message, fix, Exit::BadInput);
        }
    };
    let mut problems =
        preflight::missing_required_result_fields(&fields, project_id, &given, &from_properties);
    problems.extend(preflight::invalid_result_field_values(
        &fields, project_id, &given,
    ));
    if problems.is_empty() {
        report.ok(
            "result fields",
            "every required result field has a value; configured values fit",
        );
    } else {
        report.fail(
            "result fields",
            problems.join("; "),
            "set them under [result_fields] in testrail-sync.toml (or --result-field KEY=VALUE); \
             `testrail-sync fields` lists each field's allowed values",
            Exit::Refused,
        );
    }
}

/// With `--case-matcher auto` (or `case_matcher = "auto"`), tests are matched on the automation
/// ID case field: it must exist, be active and be enabled for the project (trcli's rule).
async fn automation_field_check(
    client: &Client,
    matcher: Option<CaseMatcher>,
    project_id: Option<u64>,
    report: &mut Report,
) {
    if matcher != Some(CaseMatcher::Auto) {
        report.skip("automation ID field", "not needed (no --case-matcher auto)");
        return;
    }
    let Some(project_id) = project_id else {
        report.skip("automation ID field", "needs the project");
        return;
    };
    let fields = match client.get_case_fields().await {
        Ok(f) => f,
        Err(e) => return report.failed_call("automation ID field", "get_case_fields", e),
    };
    match automation::automation_field(&fields, project_id) {
        Ok(name) => report.ok(
            "automation ID field",
            format!("{name} is active for P{project_id}"),
        ),
        Err(e) => report.failed_sync("automation ID field", e),
    }
}

/// 429 headroom: did TestRail already rate-limit these few reads?
fn rate_check(client: &Client, report: &mut Report) {
    let stats = client.stats();
    if stats.rate_limited == 0 && stats.retry_after_seen == 0 {
        report.ok(
            "rate limit",
            format!(
                "{} requests, no 429; syncs pace themselves to --rate-limit (default 180/min)",
                stats.sent
            ),
        );
    } else {
        report.warn(
            "rate limit",
            format!(
                "{} of {} requests answered 429, {} with Retry-After (honoured): other jobs use this user's budget",
                stats.rate_limited, stats.sent, stats.retry_after_seen
            ),
            "lower --rate-limit, or give CI its own TestRail user",
        );
    }
}

fn print(report: &Report, format: OutputFormat) {
    match format {
        OutputFormat::Json => {
            let json = serde_json::json!({
                "ok": report.exit() == Exit::Ok,
                "checks": report.checks,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("serialises")
            );
        }
        OutputFormat::Human => {
            for c in &report.checks {
                let mark = match c.status {
                    Verdict::Ok => "ok  ",
                    Verdict::Warn => "warn",
                    Verdict::Fail => "FAIL",
                    Verdict::Skip => "skip",
                };
                match &c.fix {
                    Some(fix) => println!("[{mark}] {}: {} — fix: {fix}", c.check, c.detail),
                    None => println!("[{mark}] {}: {}", c.check, c.detail),
                }
            }
            if report.exit() == Exit::Ok {
                println!("A sync would work from here.");
            } else {
                println!("A sync would fail: fix the FAIL lines above.");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_split_into_name_and_port() {
        let h = reqwest_free_url("https://x.testrail.io");
        assert_eq!(
            (h.name.as_str(), h.port, h.https),
            ("x.testrail.io", 443, true)
        );
        let h = reqwest_free_url("http://127.0.0.1:8080/sub");
        assert_eq!((h.name.as_str(), h.port), ("127.0.0.1", 8080));
        let h = reqwest_free_url("https://[::1]:9443");
        assert_eq!((h.name.as_str(), h.port), ("::1", 9443));
    }
}
