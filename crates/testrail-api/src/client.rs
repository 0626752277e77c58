//! The public [`Client`]: configuration, the generic calls (`get`, `post`, `paginate`, `upload`)
//! and one typed wrapper per TestRail endpoint the tool uses.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

use futures_util::{Stream, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::core::{Call, Core, Counters, Payload, RequestStats};
use crate::error::ApiError;
use crate::models::*;
use crate::pacer::Pacer;
use crate::pagination;
use crate::retry::RetryPolicy;
use crate::secret::ApiKey;

/// TestRail Cloud's documented limit for standard instances.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 180;

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://example.testrail.io` (a path prefix is kept; `/index.php...` is ignored).
    pub host: String,
    /// The TestRail user's email.
    pub user: String,
    pub api_key: ApiKey,
    /// Per HTTP request, from connecting to the end of the response body.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Client-side pacing shared by all clones; `None` (or `Some(0)`) turns it off.
    pub rate_limit_per_minute: Option<u32>,
    /// Allow plain `http://` to a non-loopback host (the key then travels in clear text).
    pub allow_insecure_http: bool,
    pub user_agent: String,
}

impl ClientConfig {
    pub fn new(host: impl Into<String>, user: impl Into<String>, api_key: ApiKey) -> Self {
        ClientConfig {
            host: host.into(),
            user: user.into(),
            api_key,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit_per_minute: Some(DEFAULT_RATE_LIMIT_PER_MINUTE),
            allow_insecure_http: false,
            user_agent: format!("testrail-sync/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// One TestRail connection: cheap to clone, clones share the connection pool, the pacer and the
/// request counters.
#[derive(Clone)]
pub struct Client {
    core: Arc<Core>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.core.host)
            .field("user", &self.core.user)
            .finish_non_exhaustive()
    }
}

fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already installed by the application: keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        install_crypto_provider();
        let host = normalize_host(&cfg.host, cfg.allow_insecure_http)?;
        let mut builder = reqwest::Client::builder();
        if host_is_loopback(&host) {
            // The emulator/demo on this machine must not be sent through HTTP(S)_PROXY.
            builder = builder.no_proxy();
        }
        let http = builder
            .tls_backend_rustls()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            // A redirect would turn a POST into a GET and could carry the key elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            // Shorter than common server keep-alive timeouts (Apache: 5 s), so a request is
            // rarely written into a connection the server is closing; for a write that race
            // would surface as an ambiguous outcome.
            .pool_idle_timeout(Duration::from_secs(4))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ApiError::Tls {
                host: host.clone(),
                cause: format!("cannot set up the HTTP client: {e}"),
            })?;
        let api_base = format!("{host}/index.php?/api/v2/");
        let core = Core {
            http,
            host,
            api_base,
            user: cfg.user,
            api_key: cfg.api_key,
            timeout: cfg.timeout,
            retry: cfg.retry,
            pacer: Pacer::new(cfg.rate_limit_per_minute),
            counters: Counters::default(),
        };
        Ok(Client {
            core: Arc::new(core),
        })
    }

    /// The normalised host, e.g. `https://example.testrail.io`.
    pub fn host(&self) -> &str {
        &self.core.host
    }

    /// HTTP requests sent so far by this client and its clones, retries included.
    pub fn request_count(&self) -> u64 {
        self.stats().sent
    }

    /// Requests by outcome.
    pub fn stats(&self) -> RequestStats {
        self.core.counters.snapshot()
    }

    /// The web address of a run, for summaries.
    pub fn run_url(&self, run_id: Id) -> String {
        format!("{}/index.php?/runs/view/{run_id}", self.core.host)
    }

    // -----------------------------------------------------------------------------------------
    // Generic calls
    // -----------------------------------------------------------------------------------------

    /// `endpoint` as in TestRail's docs, with filters appended by `&`: `get_cases/1&suite_id=2`.
    pub async fn get<T: DeserializeOwned>(&self, endpoint: &str) -> Result<T, ApiError> {
        let body = self.get_bytes(endpoint).await?;
        decode(endpoint, &body)
    }

    pub(crate) async fn get_bytes(&self, endpoint: &str) -> Result<Vec<u8>, ApiError> {
        self.core
            .execute(Call::Read, endpoint, &Payload::None)
            .await
    }

    /// A write that must not happen twice: retried only when TestRail certainly did not apply it
    /// (429, 409, connection refused). A timeout, a dropped connection or a 5xx returns
    /// [`ApiError::Ambiguous`].
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.post_as(Call::Write, endpoint, body).await
    }

    /// A write whose repetition is harmless (closing, updating with the full state): retried like
    /// a GET.
    pub async fn post_idempotent<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.post_as(Call::IdempotentWrite, endpoint, body).await
    }

    async fn post_as<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        call: Call,
        endpoint: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let response = self.post_bytes(call, endpoint, body).await?;
        decode(endpoint, &response)
    }

    async fn post_bytes<B: Serialize + ?Sized>(
        &self,
        call: Call,
        endpoint: &str,
        body: &B,
    ) -> Result<Vec<u8>, ApiError> {
        let json = serde_json::to_vec(body).map_err(|e| ApiError::Encode {
            endpoint: endpoint.to_owned(),
            cause: e.to_string(),
        })?;
        self.core
            .execute(call, endpoint, &Payload::Json(json))
            .await
    }

    /// All items of a bulk GET, page by page (`key` is the list's name: `cases`, `runs`, …).
    pub fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        endpoint: &str,
        key: &'static str,
    ) -> impl Stream<Item = Result<T, ApiError>> + Send + use<T> {
        pagination::stream(self.clone(), endpoint.to_owned(), key)
    }

    pub async fn get_all<T: DeserializeOwned + Send + 'static>(
        &self,
        endpoint: &str,
        key: &'static str,
    ) -> Result<Vec<T>, ApiError> {
        self.paginate(endpoint, key).try_collect().await
    }

    /// A multipart upload (file part `attachment`). Not re-sent when it may have been applied.
    pub async fn upload(
        &self,
        endpoint: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentCreated, ApiError> {
        let payload = Payload::Attachment {
            file_name: file_name.to_owned(),
            bytes,
        };
        let body = self.core.execute(Call::Write, endpoint, &payload).await?;
        decode(endpoint, &body)
    }

    /// Reads a file and uploads it under its own file name.
    pub async fn upload_file(
        &self,
        endpoint: &str,
        path: &Path,
    ) -> Result<AttachmentCreated, ApiError> {
        let bytes = tokio::fs::read(path).await.map_err(|source| ApiError::Io {
            path: path.to_owned(),
            source,
        })?;
        let name = path.file_name().map_or_else(
            || "attachment".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.upload(endpoint, &name, bytes).await
    }

    // -----------------------------------------------------------------------------------------
    // Typed endpoints
    // -----------------------------------------------------------------------------------------

    pub async fn get_statuses(&self) -> Result<Vec<Status>, ApiError> {
        self.get("get_statuses").await
    }

    pub async fn get_projects(&self) -> Result<Vec<Project>, ApiError> {
        self.get_all("get_projects", "projects").await
    }

    pub async fn get_project(&self, project_id: Id) -> Result<Project, ApiError> {
        self.get(&format!("get_project/{project_id}")).await
    }

    pub async fn add_project(&self, project: &AddProject) -> Result<Project, ApiError> {
        self.post("add_project", project).await
    }

    /// Paginated on some servers, a bare array on others: both work.
    pub async fn get_suites(&self, project_id: Id) -> Result<Vec<Suite>, ApiError> {
        self.get_all(&format!("get_suites/{project_id}"), "suites")
            .await
    }

    pub async fn get_suite(&self, suite_id: Id) -> Result<Suite, ApiError> {
        self.get(&format!("get_suite/{suite_id}")).await
    }

    pub async fn add_suite(&self, project_id: Id, suite: &AddSuite) -> Result<Suite, ApiError> {
        self.post(&format!("add_suite/{project_id}"), suite).await
    }

    pub async fn get_sections(
        &self,
        project_id: Id,
        suite_id: Option<Id>,
    ) -> Result<Vec<Section>, ApiError> {
        let endpoint = format!("get_sections/{project_id}{}", filter("suite_id", suite_id));
        self.get_all(&endpoint, "sections").await
    }

    pub async fn add_section(
        &self,
        project_id: Id,
        section: &AddSection,
    ) -> Result<Section, ApiError> {
        self.post(&format!("add_section/{project_id}"), section)
            .await
    }

    pub async fn get_cases(
        &self,
        project_id: Id,
        suite_id: Option<Id>,
    ) -> Result<Vec<Case>, ApiError> {
        let endpoint = format!("get_cases/{project_id}{}", filter("suite_id", suite_id));
        self.get_all(&endpoint, "cases").await
    }

    pub async fn get_case(&self, case_id: Id) -> Result<Case, ApiError> {
        self.get(&format!("get_case/{case_id}")).await
    }

    pub async fn add_case(&self, section_id: Id, case: &CaseFields) -> Result<Case, ApiError> {
        self.post(&format!("add_case/{section_id}"), case).await
    }

    /// Setting fields to given values is repeatable, so this is retried like a read.
    pub async fn update_case(&self, case_id: Id, case: &CaseFields) -> Result<Case, ApiError> {
        self.post_idempotent(&format!("update_case/{case_id}"), case)
            .await
    }

    pub async fn get_run(&self, run_id: Id) -> Result<Run, ApiError> {
        self.get(&format!("get_run/{run_id}")).await
    }

    /// Runs outside plans (TestRail's rule), optionally only open or only closed ones.
    pub async fn get_runs(
        &self,
        project_id: Id,
        is_completed: Option<bool>,
    ) -> Result<Vec<Run>, ApiError> {
        let completed = is_completed.map(u8::from);
        let endpoint = format!("get_runs/{project_id}{}", filter("is_completed", completed));
        self.get_all(&endpoint, "runs").await
    }

    pub async fn add_run(&self, project_id: Id, run: &RunFields) -> Result<Run, ApiError> {
        self.post(&format!("add_run/{project_id}"), run).await
    }

    /// Idempotent as long as the caller sends the full intended state (`case_ids` replaces the
    /// run's selection).
    pub async fn update_run(&self, run_id: Id, run: &RunFields) -> Result<Run, ApiError> {
        self.post_idempotent(&format!("update_run/{run_id}"), run)
            .await
    }

    /// Closes a run. If a retry finds it already closed (the first attempt's answer was lost),
    /// the closed run is returned rather than TestRail's 400.
    pub async fn close_run(&self, run_id: Id) -> Result<Run, ApiError> {
        let closed = self
            .post_idempotent(&format!("close_run/{run_id}"), &serde_json::json!({}))
            .await;
        match closed {
            Err(e) if e.status() == Some(400) => match self.get_run(run_id).await {
                Ok(run) if run.is_completed => Ok(run),
                _ => Err(e),
            },
            other => other,
        }
    }

    pub async fn delete_run(&self, run_id: Id) -> Result<(), ApiError> {
        self.post_bytes(
            Call::IdempotentWrite,
            &format!("delete_run/{run_id}"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }

    /// Changes one run inside a plan entry (runs in plans refuse `update_run`).
    pub async fn update_run_in_plan_entry(
        &self,
        run_id: Id,
        fields: &RunFields,
    ) -> Result<Run, ApiError> {
        self.post_idempotent(&format!("update_run_in_plan_entry/{run_id}"), fields)
            .await
    }

    /// Adds a run for another configuration to an existing plan entry.
    pub async fn add_run_to_plan_entry(
        &self,
        plan_id: Id,
        entry_id: &str,
        fields: &RunFields,
    ) -> Result<PlanEntry, ApiError> {
        let entry = encode_component(entry_id);
        self.post(&format!("add_run_to_plan_entry/{plan_id}/{entry}"), fields)
            .await
    }

    pub async fn get_test(&self, test_id: Id) -> Result<Test, ApiError> {
        self.get(&format!("get_test/{test_id}")).await
    }

    /// Results of one test, newest first.
    pub async fn get_results(&self, test_id: Id) -> Result<Vec<TestResult>, ApiError> {
        self.get_all(&format!("get_results/{test_id}"), "results")
            .await
    }

    pub async fn get_tests(&self, run_id: Id) -> Result<Vec<Test>, ApiError> {
        self.get_all(&format!("get_tests/{run_id}"), "tests").await
    }

    /// One bulk, atomic post; the answer lists the created results in request order.
    pub async fn add_results_for_cases(
        &self,
        run_id: Id,
        results: &[NewResult],
    ) -> Result<Vec<TestResult>, ApiError> {
        #[derive(Serialize)]
        struct Body<'a> {
            results: &'a [NewResult],
        }
        self.post(
            &format!("add_results_for_cases/{run_id}"),
            &Body { results },
        )
        .await
    }

    pub async fn get_results_for_run(&self, run_id: Id) -> Result<Vec<TestResult>, ApiError> {
        self.get_all(&format!("get_results_for_run/{run_id}"), "results")
            .await
    }

    pub async fn get_results_for_case(
        &self,
        run_id: Id,
        case_id: Id,
    ) -> Result<Vec<TestResult>, ApiError> {
        let endpoint = format!("get_results_for_case/{run_id}/{case_id}");
        self.get_all(&endpoint, "results").await
    }

    pub async fn get_plan(&self, plan_id: Id) -> Result<Plan, ApiError> {
        self.get(&format!("get_plan/{plan_id}")).await
    }

    pub async fn get_plans(&self, project_id: Id) -> Result<Vec<Plan>, ApiError> {
        self.get_all(&format!("get_plans/{project_id}"), "plans")
            .await
    }

    pub async fn add_plan(&self, project_id: Id, plan: &AddPlan) -> Result<Plan, ApiError> {
        self.post(&format!("add_plan/{project_id}"), plan).await
    }

    pub async fn add_plan_entry(
        &self,
        plan_id: Id,
        entry: &AddPlanEntry,
    ) -> Result<PlanEntry, ApiError> {
        self.post(&format!("add_plan_entry/{plan_id}"), entry).await
    }

    pub async fn update_plan_entry(
        &self,
        plan_id: Id,
        entry_id: &str,
        fields: &RunFields,
    ) -> Result<PlanEntry, ApiError> {
        let endpoint = format!("update_plan_entry/{plan_id}/{}", encode_component(entry_id));
        self.post_idempotent(&endpoint, fields).await
    }

    pub async fn close_plan(&self, plan_id: Id) -> Result<Plan, ApiError> {
        let closed = self
            .post_idempotent(&format!("close_plan/{plan_id}"), &serde_json::json!({}))
            .await;
        match closed {
            Err(e) if e.status() == Some(400) => match self.get_plan(plan_id).await {
                Ok(plan) if plan.is_completed => Ok(plan),
                _ => Err(e),
            },
            other => other,
        }
    }

    pub async fn get_current_user(&self) -> Result<User, ApiError> {
        self.get("get_current_user").await
    }

    pub async fn get_user_by_email(&self, email: &str) -> Result<User, ApiError> {
        self.get(&format!(
            "get_user_by_email&email={}",
            encode_component(email)
        ))
        .await
    }

    /// All users, or those of one project (required for non-admins on TestRail 6.6+).
    pub async fn get_users(&self, project_id: Option<Id>) -> Result<Vec<User>, ApiError> {
        let endpoint = match project_id {
            Some(id) => format!("get_users/{id}"),
            None => "get_users".to_owned(),
        };
        self.get_all(&endpoint, "users").await
    }

    pub async fn get_milestones(&self, project_id: Id) -> Result<Vec<Milestone>, ApiError> {
        self.get_all(&format!("get_milestones/{project_id}"), "milestones")
            .await
    }

    pub async fn add_milestone(
        &self,
        project_id: Id,
        milestone: &AddMilestone,
    ) -> Result<Milestone, ApiError> {
        self.post(&format!("add_milestone/{project_id}"), milestone)
            .await
    }

    pub async fn get_user(&self, user_id: Id) -> Result<User, ApiError> {
        self.get(&format!("get_user/{user_id}")).await
    }

    pub async fn get_configs(&self, project_id: Id) -> Result<Vec<ConfigGroup>, ApiError> {
        self.get(&format!("get_configs/{project_id}")).await
    }

    pub async fn get_case_fields(&self) -> Result<Vec<Field>, ApiError> {
        self.get("get_case_fields").await
    }

    pub async fn get_result_fields(&self) -> Result<Vec<Field>, ApiError> {
        self.get("get_result_fields").await
    }

    pub async fn get_priorities(&self) -> Result<Vec<Priority>, ApiError> {
        self.get("get_priorities").await
    }

    pub async fn get_case_types(&self) -> Result<Vec<CaseType>, ApiError> {
        self.get("get_case_types").await
    }

    pub async fn get_templates(&self, project_id: Id) -> Result<Vec<Template>, ApiError> {
        self.get(&format!("get_templates/{project_id}")).await
    }

    pub async fn add_attachment_to_result(
        &self,
        result_id: Id,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentCreated, ApiError> {
        self.upload(
            &format!("add_attachment_to_result/{result_id}"),
            file_name,
            bytes,
        )
        .await
    }

    pub async fn add_attachment_to_run(
        &self,
        run_id: Id,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentCreated, ApiError> {
        self.upload(&format!("add_attachment_to_run/{run_id}"), file_name, bytes)
            .await
    }

    pub async fn get_attachments_for_test(&self, test_id: Id) -> Result<Vec<Attachment>, ApiError> {
        self.get_all(
            &format!("get_attachments_for_test/{test_id}"),
            "attachments",
        )
        .await
    }
}

fn decode<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::Decode {
        endpoint: endpoint.to_owned(),
        cause: format!(
            "{e} (the answer began with: {})",
            crate::core::error_text(body)
        ),
    })
}

/// `&name=value` when a value is given, otherwise nothing.
fn filter(name: &str, value: Option<impl fmt::Display>) -> String {
    value.map_or_else(String::new, |v| format!("&{name}={v}"))
}

/// Percent-encodes everything except RFC 3986 unreserved characters, so an email such as
/// `qa+ci@example.com` survives TestRail's query-string routing.
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Checks and normalises `TESTRAIL_HOST`: adds `https://` when no scheme is given, drops
/// `/index.php…` and trailing slashes, refuses credentials in the address, and refuses plain
/// http to anything but loopback unless explicitly allowed.
pub(crate) fn normalize_host(raw: &str, allow_insecure_http: bool) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let invalid = |cause: &str| ApiError::InvalidHost {
        host: trimmed.to_owned(),
        cause: cause.to_owned(),
    };
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let without_page = match with_scheme.find("/index.php") {
        Some(at) => &with_scheme[..at],
        None => with_scheme.as_str(),
    };
    let url = reqwest::Url::parse(without_page).map_err(|e| invalid(&e.to_string()))?;
    let host_name = url
        .host_str()
        .ok_or_else(|| invalid("it has no host name"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the address back: it holds a password.
        return Err(ApiError::InvalidHost {
            host: format!("{}://{host_name}", url.scheme()),
            cause: "it contains credentials; put them in TESTRAIL_USER / TESTRAIL_API_KEY".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "it has a query or fragment; give only the base address",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host_name) => {}
        "http" => {
            return Err(ApiError::InsecureHttp {
                host: without_page.trim_end_matches('/').to_owned(),
            });
        }
        other => return Err(invalid(&format!("unsupported scheme {other}; use https"))),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn host_is_loopback(normalized: &str) -> bool {
    reqwest::Url::parse(normalized)
        .ok()
        .and_then(|url| url.host_str().map(is_loopback))
        .unwrap_or(false)
}

fn is_loopback(host_name: &str) -> bool {
    let bare = host_name.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised() {
        let n = |h| normalize_host(h, false).unwrap();
        assert_eq!(n("https://x.testrail.io/"), "https://x.testrail.io");
        assert_eq!(n("x.testrail.io"), "https://x.testrail.io");
        assert_eq!(
            n(" https://x.testrail.io/index.php?/dashboard "),
            "https://x.testrail.io"
        );
        assert_eq!(
            n("https://corp.example/testrail/"),
            "https://corp.example/testrail"
        );
        assert_eq!(n("https://corp.example:8443"), "https://corp.example:8443");
    }

    #[test]
    fn plain_http_only_for_loopback_or_when_allowed() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://localhost:1",
            "http://[::1]:80",
        ] {
            assert!(normalize_host(ok, false).is_ok(), "{ok}");
        }
        let err = normalize_host("http://tr.example.com", false).unwrap_err();
        assert!(matches!(err, ApiError::InsecureHttp { .. }));
        assert!(err.to_string().contains("https://tr.example.com"), "{err}");
        assert!(normalize_host("http://10.0.0.1", false).is_err());
        assert!(normalize_host("http://tr.example.com", true).is_ok());
        assert!(host_is_loopback("http://127.0.0.1:9"));
        assert!(host_is_loopback("http://[::1]:9"));
        assert!(!host_is_loopback("https://x.testrail.io"));
    }

    #[test]
    fn bad_hosts_are_refused_without_echoing_secrets() {
        assert!(matches!(
            normalize_host("", false),
            Err(ApiError::InvalidHost { .. })
        ));
        assert!(normalize_host("ftp://x", false).is_err());
        assert!(normalize_host("https://", false).is_err());
        let err = normalize_host("https://me:hunter2@x.testrail.io", false).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"));
    }

    #[test]
    fn emails_are_encoded_for_the_query_string() {
        assert_eq!(
            encode_component("qa+ci@example.com"),
            "qa%2Bci%40example.com"
        );
        assert_eq!(encode_component("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_component("plain-name_1.x~"), "plain-name_1.x~");
    }

    #[test]
    fn filters_are_appended_with_ampersands() {
        assert_eq!(filter("suite_id", Some(2)), "&suite_id=2");
        assert_eq!(filter("suite_id", None::<u64>), "");
    }

    #[tokio::test]
    async fn urls_use_the_query_string_scheme_and_clients_never_print_the_key() {
        let cfg = ClientConfig::new(
            "https://x.testrail.io/",
            "me@example.com",
            ApiKey::new("SECRETKEY"),
        );
        assert!(!format!("{cfg:?}").contains("SECRETKEY"));
        let client = Client::new(cfg).unwrap();
        assert!(!format!("{client:?}").contains("SECRETKEY"));
        assert_eq!(client.host(), "https://x.testrail.io");
        let url = client.core.url_for("get_cases/1&suite_id=2").unwrap();
        assert_eq!(
            url.as_str(),
            "https://x.testrail.io/index.php?/api/v2/get_cases/1&suite_id=2"
        );
        assert_eq!(client.request_count(), 0);
    }
}
