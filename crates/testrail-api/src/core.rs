//! The request core: builds the URL, authenticates, paces, sends once, classifies the outcome
//! and retries what is safe to retry. Everything else in the crate goes through
//! [`Core::execute`].

use std::error::Error as StdError;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, DATE, LOCATION, RETRY_AFTER};
use reqwest::{Method, Url};
use tokio::time::Instant;

use crate::error::{ApiError, is_retryable_status};
use crate::network::ChosenProxy;
use crate::pacer::Pacer;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::secret::{ApiKey, SecretForms};

/// Bodies are logged at TRACE only, and only this much of them.
const LOG_BODY_LIMIT: usize = 2048;

/// The largest successful answer read (the default of `ClientConfig::max_response_bytes`).
/// The largest answers a sync reads are pages of 250 items (TestRail's page size): results
/// with comments, cases with steps. A comment this tool writes is at most 12,000 characters by
/// default; at 4 bytes per character (UTF-8's worst) and JSON escaping doubling it, that is
/// 96 KB, so a page of 250 such results is 24 MB. 64 MiB leaves room for comments written by
/// other tools and for long case steps, and is the emulator's request limit too; it keeps a
/// server or proxy sending an endless body from taking the machine's memory.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Of an error answer (non-2xx, or a 2xx web page) only this much is read: its message is
/// shown cut to a line anyway, and a huge error page must not cost memory either.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// What a call may do to TestRail, which decides what may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// A GET: retry everything retryable.
    Read,
    /// A POST that must not be applied twice: retry only when TestRail certainly did not apply it.
    Write,
    /// A POST whose repetition has the same effect (close_run, update_run with a full set).
    IdempotentWrite,
}

impl Call {
    fn method(self) -> Method {
        match self {
            Call::Read => Method::GET,
            Call::Write | Call::IdempotentWrite => Method::POST,
        }
    }
}

pub(crate) enum Payload {
    None,
    Json(Vec<u8>),
    /// One multipart file part named `attachment`, as TestRail expects.
    Attachment {
        file_name: String,
        bytes: Vec<u8>,
    },
}

/// Whether the server may have applied a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    /// Certainly not (429, 409, connect failure): safe to retry anything.
    No,
    /// Possibly (5xx, timeout or broken connection after sending): retry reads and idempotent
    /// writes only.
    Maybe,
    /// A final answer (4xx, TLS, decode): retrying cannot help.
    Final,
}

struct Failure {
    error: ApiError,
    applied: Applied,
    retry_after: Option<Duration>,
    /// From sending the request to the failure (a gateway's timeout shows here).
    elapsed: Duration,
}

/// A 2xx answer and how long its attempt took, from sending to the last byte: the server's
/// time for the call plus the network, without the pacing waits and earlier attempts.
pub(crate) struct Answer {
    pub(crate) body: Vec<u8>,
    pub(crate) elapsed: Duration,
}

/// The server's clock as its `Date` headers show it: seconds ahead of ours (negative when
/// behind). `i64::MIN` until a `Date` header was seen.
#[derive(Debug)]
pub(crate) struct ServerClock(AtomicI64);

impl Default for ServerClock {
    fn default() -> Self {
        ServerClock(AtomicI64::new(i64::MIN))
    }
}

impl ServerClock {
    /// Seconds the server's clock is ahead of ours, once a `Date` header was seen.
    pub(crate) fn offset_secs(&self) -> Option<i64> {
        Some(self.0.load(Ordering::Relaxed)).filter(|o| *o != i64::MIN)
    }

    fn observe(&self, date: &str) {
        let Ok(server) = httpdate::parse_http_date(date) else {
            return;
        };
        self.0.store(
            unix_secs(server) - unix_secs(SystemTime::now()),
            Ordering::Relaxed,
        );
    }
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Requests counted by outcome; `sent` includes retries.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    sent: AtomicU64,
    succeeded: AtomicU64,
    http_errors: AtomicU64,
    transport_errors: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    retry_after: AtomicU64,
}

/// A snapshot of the client's request counters (shared by all its clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// Every HTTP request sent, retries included.
    pub sent: u64,
    /// Requests answered with 2xx.
    pub succeeded: u64,
    /// Requests answered with any other status (429 included).
    pub http_errors: u64,
    /// Requests that got no complete answer (connect failure, timeout, dropped connection).
    pub transport_errors: u64,
    /// Attempts that were a retry of an earlier one.
    pub retries: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Answers carrying a `Retry-After` the client then honoured (429, 409, 503).
    pub retry_after_seen: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> RequestStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RequestStats {
            sent: get(&self.sent),
            succeeded: get(&self.succeeded),
            http_errors: get(&self.http_errors),
            transport_errors: get(&self.transport_errors),
            retries: get(&self.retries),
            rate_limited: get(&self.rate_limited),
            retry_after_seen: get(&self.retry_after),
        }
    }

    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) struct Core {
    pub(crate) http: reqwest::Client,
    /// Normalised host, e.g. `https://example.testrail.io` (no credentials, no trailing slash).
    pub(crate) host: String,
    /// `{host}/index.php?/api/v2/`
    pub(crate) api_base: String,
    pub(crate) user: String,
    pub(crate) api_key: ApiKey,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Pacer,
    pub(crate) counters: Counters,
    /// The proxy every request goes through, if any (named in errors).
    pub(crate) proxy: Option<ChosenProxy>,
    pub(crate) clock: ServerClock,
    /// Every form of the credential, masked in every body and header text before it is used.
    pub(crate) secrets: SecretForms,
    /// Successful answers larger than this fail with [`ApiError::TooLarge`].
    pub(crate) max_response_bytes: usize,
}

impl Core {
    /// Sends one API call, retrying per policy; returns the body of the 2xx answer.
    pub(crate) async fn execute(
        &self,
        call: Call,
        endpoint: &str,
        payload: &Payload,
    ) -> Result<Vec<u8>, ApiError> {
        Ok(self
            .execute_with(call, endpoint, payload, &self.retry)
            .await?
            .body)
    }

    /// [`Core::execute`] with another retry policy, answering how long the successful attempt
    /// took.
    pub(crate) async fn execute_with(
        &self,
        call: Call,
        endpoint: &str,
        payload: &Payload,
        retry: &RetryPolicy,
    ) -> Result<Answer, ApiError> {
        let url = self.url_for(endpoint)?;
        let started = Instant::now();
        let mut rng = fastrand::Rng::new();
        let mut previous_backoff = None;
        let mut attempt = 0;
        // Attempts that count against `max_attempts`: a 429 or 409 is TestRail saying "not
        // now" (rate limit, maintenance) without doing anything, so those are waited out for
        // as long as the deadline allows instead of using up the attempts.
        let mut counted = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                Counters::bump(&self.counters.retries);
            }
            self.pacer.acquire().await;
            let failure = match self.send_once(call, &url, endpoint, payload, attempt).await {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            self.share_throttling(&failure);
            let retry_after = failure.retry_after;
            if !is_not_now(&failure.error) {
                counted += 1;
            }
            let error = retry_candidate(call, endpoint, failure)?;
            let refusals_in_a_row = attempt - counted;
            let wait = retry.delay_before_retry_in_a_row(
                previous_backoff,
                retry_after,
                refusals_in_a_row,
                &mut rng,
            );
            // A single-attempt policy means it, 429 and 409 included: such a caller re-reads
            // before it writes again.
            if retry.max_attempts <= 1 || !retry.allows_another(counted, started.elapsed(), wait) {
                return Err(give_up(endpoint, attempt, error));
            }
            if retry_after.is_none() {
                previous_backoff = Some(wait);
            }
            tracing::debug!(
                endpoint,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying TestRail call"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// A 429 pauses everyone sharing this client, not just the request that met it.
    fn share_throttling(&self, failure: &Failure) {
        if failure.error.status() == Some(429) {
            let pause = failure.retry_after.unwrap_or(self.retry.base_delay);
            self.pacer.pause_for(pause);
        }
    }

    pub(crate) fn url_for(&self, endpoint: &str) -> Result<Url, ApiError> {
        let endpoint = endpoint.trim_start_matches('/');
        Url::parse(&format!("{}{endpoint}", self.api_base)).map_err(|e| ApiError::Encode {
            endpoint: endpoint.to_owned(),
            cause: format!("not a valid endpoint: {e}"),
        })
    }

    async fn send_once(
        &self,
        call: Call,
        url: &Url,
        endpoint: &str,
        payload: &Payload,
        attempt: u32,
    ) -> Result<Answer, Failure> {
        let method = call.method();
        let timeout = self.timeout_for(payload);
        let request = self
            .build_request(method.clone(), url, payload)
            .timeout(timeout);
        log_request_body(endpoint, payload);
        Counters::bump(&self.counters.sent);
        let sent_at = Instant::now();
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let failure = self.transport_failure(e, endpoint, &method, attempt, timeout);
                return Err(failure.after(sent_at.elapsed()));
            }
        };
        if let Some(date) = response.headers().get(DATE).and_then(|v| v.to_str().ok()) {
            self.clock.observe(date);
        }
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(RETRY_AFTER).as_deref().and_then(parse_retry_after);
        let heads = Heads {
            status,
            location: header(LOCATION).map(|l| self.secrets.mask(&l)),
            is_html: header(CONTENT_TYPE).is_some_and(|t| t.contains("text/html")),
        };
        let wanted = (200..300).contains(&status) && !heads.is_html;
        let body = match self.read_body(response, wanted).await {
            Ok(body) => body,
            Err(BodyError::Transport(e)) => {
                let failure = self.transport_failure(e, endpoint, &method, attempt, timeout);
                return Err(failure.after(sent_at.elapsed()));
            }
            Err(BodyError::TooLarge) => {
                return Err(self.too_large(call, endpoint, sent_at.elapsed()));
            }
        };
        let elapsed = sent_at.elapsed();
        tracing::debug!(
            method = %method,
            endpoint,
            status,
            attempt,
            elapsed_ms = elapsed.as_millis() as u64,
            "TestRail call"
        );
        tracing::trace!(endpoint, body = %truncate_for_log(&body), "TestRail response body");
        if wanted {
            Counters::bump(&self.counters.succeeded);
            return Ok(Answer { body, elapsed });
        }
        Counters::bump(&self.counters.http_errors);
        if status == 429 {
            Counters::bump(&self.counters.rate_limited);
        }
        if retry_after.is_some() {
            Counters::bump(&self.counters.retry_after);
        }
        if let Some(error) = self.not_an_api_answer(&heads, endpoint, &body) {
            return Err(Failure {
                error,
                applied: Applied::Final,
                retry_after: None,
                elapsed,
            });
        }
        Err(http_failure(status, endpoint, &body, retry_after).after(elapsed))
    }

    /// The body, read chunk by chunk and never past its cap: [`Core::max_response_bytes`] for
    /// the answer a call wants (over it: [`BodyError::TooLarge`]), [`MAX_ERROR_BODY_BYTES`] for
    /// an error (cut there: only its start is shown). Every form of the credential is masked
    /// in it before anything parses, logs or quotes it.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        wanted: bool,
    ) -> Result<Vec<u8>, BodyError> {
        let cap = if wanted {
            self.max_response_bytes
        } else {
            MAX_ERROR_BODY_BYTES
        };
        let declared = response.content_length().unwrap_or(0);
        if wanted && declared > cap as u64 {
            return Err(BodyError::TooLarge);
        }
        let mut body = Vec::with_capacity((declared as usize).min(cap));
        while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
            let room = cap - body.len();
            if chunk.len() > room {
                if wanted {
                    return Err(BodyError::TooLarge);
                }
                body.extend_from_slice(&chunk[..room]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(self.secrets.mask_bytes(body))
    }

    /// An answer over the cap: final (the same request gets the same answer), and for a write
    /// ambiguous, as the server did answer 2xx and may have applied it.
    fn too_large(&self, call: Call, endpoint: &str, elapsed: Duration) -> Failure {
        Counters::bump(&self.counters.http_errors);
        let too_large = ApiError::TooLarge {
            endpoint: endpoint.to_owned(),
            limit: self.max_response_bytes,
        };
        let error = match call {
            Call::Write => ApiError::Ambiguous {
                endpoint: endpoint.to_owned(),
                cause: Box::new(too_large),
                after: elapsed,
            },
            Call::Read | Call::IdempotentWrite => too_large,
        };
        Failure {
            error,
            applied: Applied::Final,
            retry_after: None,
            elapsed,
        }
    }

    /// Answers no retry can fix and that are not TestRail's: a redirect, a 200 web page (SSO
    /// login, proxy block page), a 407 from a proxy on plain http.
    fn not_an_api_answer(&self, answer: &Heads, endpoint: &str, body: &[u8]) -> Option<ApiError> {
        match answer.status {
            300..=399 => Some(ApiError::Redirect {
                endpoint: endpoint.to_owned(),
                status: answer.status,
                location: answer.location.as_deref().map(base_of_location),
            }),
            407 => Some(match &self.proxy {
                Some(p) => ApiError::ProxyAuth {
                    proxy: p.shown.clone(),
                    source_name: p.source.clone(),
                },
                None => ApiError::ProxyAuth {
                    proxy: "between this machine and TestRail".into(),
                    source_name: "HTTPS_PROXY".into(),
                },
            }),
            200..=299 => Some(ApiError::NotTestRail {
                endpoint: endpoint.to_owned(),
                status: answer.status,
                what: page_description(body),
            }),
            _ => None,
        }
    }

    /// The configured timeout, plus a second per MB for uploads: a large attachment on a slow
    /// uplink must not time out (and turn ambiguous) just because it is large.
    fn timeout_for(&self, payload: &Payload) -> Duration {
        match payload {
            Payload::Attachment { bytes, .. } => {
                self.timeout + Duration::from_secs(bytes.len() as u64 / (1024 * 1024))
            }
            _ => self.timeout,
        }
    }

    fn build_request(
        &self,
        method: Method,
        url: &Url,
        payload: &Payload,
    ) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, url.clone())
            // The only place the key is read. reqwest marks the header sensitive.
            .basic_auth(&self.user, Some(self.api_key.expose()));
        match payload {
            Payload::None => request,
            Payload::Json(bytes) => request
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Payload::Attachment { file_name, bytes } => {
                let part =
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.clone());
                request.multipart(reqwest::multipart::Form::new().part("attachment", part))
            }
        }
    }

    fn transport_failure(
        &self,
        error: reqwest::Error,
        endpoint: &str,
        method: &Method,
        attempt: u32,
        timeout: Duration,
    ) -> Failure {
        Counters::bump(&self.counters.transport_errors);
        let error = error.without_url();
        let cause = self.secrets.mask(&describe(&error));
        tracing::debug!(method = %method, endpoint, attempt, cause = %cause, "TestRail call failed");
        let host = self.host.clone();
        let chain = cause.to_ascii_lowercase();
        let (error, applied) = if chain.contains("invalid server name") {
            // reqwest cannot start TLS to an IPv6 literal inside a proxy tunnel: final.
            (ApiError::Tls { host, cause }, Applied::Final)
        } else if let Some(proxied) = self.proxy_failure(&error, &chain, &cause) {
            proxied
        } else if is_tls_error(&error) {
            (ApiError::Tls { host, cause }, Applied::Final)
        } else if error.is_connect() && is_unknown_name(&chain) {
            (ApiError::Dns { host, cause }, Applied::Final)
        } else if error.is_connect() {
            // Failed while connecting: the request never left, so even a write may be re-sent.
            (ApiError::Connect { host, cause }, Applied::No)
        } else if error.is_timeout() {
            let after = timeout;
            (
                ApiError::Timeout {
                    endpoint: endpoint.to_owned(),
                    after,
                },
                Applied::Maybe,
            )
        } else if error.is_builder() {
            (
                ApiError::Encode {
                    endpoint: endpoint.to_owned(),
                    cause,
                },
                Applied::Final,
            )
        } else {
            (
                ApiError::Transport {
                    endpoint: endpoint.to_owned(),
                    cause,
                },
                Applied::Maybe,
            )
        };
        Failure {
            error,
            applied,
            retry_after: None,
            elapsed: Duration::ZERO,
        }
    }
}

impl Core {
    /// A failure on the way through the proxy, named after it: 407 and a refused tunnel are
    /// final (no retry makes the proxy accept), an unreachable proxy is retried like a refused
    /// connection.
    fn proxy_failure(
        &self,
        error: &reqwest::Error,
        chain: &str,
        cause: &str,
    ) -> Option<(ApiError, Applied)> {
        let proxy = self.proxy.as_ref()?;
        if chain.contains("proxy authorization required") {
            let error = ApiError::ProxyAuth {
                proxy: proxy.shown.clone(),
                source_name: proxy.source.clone(),
            };
            return Some((error, Applied::Final));
        }
        let named = |cause: String| ApiError::Proxy {
            host: self.host.clone(),
            proxy: proxy.shown.clone(),
            source_name: proxy.source.clone(),
            cause,
        };
        if chain.contains("unsuccessful tunnel") || chain.contains("tunnel") && !error.is_timeout()
        {
            let cause = format!(
                "the proxy refused to open a tunnel to TestRail (it answered CONNECT with an error: \
                 the host may be blocked or unknown to the proxy) [{cause}]"
            );
            return Some((named(cause), Applied::Final));
        }
        if error.is_connect() && !is_tls_error(error) {
            return Some((named(cause.to_owned()), Applied::No));
        }
        None
    }
}

/// Why a body was not read to its end.
enum BodyError {
    /// The connection broke or timed out while reading.
    Transport(reqwest::Error),
    /// More than the cap for a wanted answer.
    TooLarge,
}

/// What the answer's headers say beyond the status.
struct Heads {
    status: u16,
    location: Option<String>,
    is_html: bool,
}

/// `https://new.example/index.php?/api/v2/get_x` → `https://new.example`: the base address to
/// put in TESTRAIL_HOST, without the query (which could carry anything).
fn base_of_location(location: &str) -> String {
    let cut = location
        .find("/index.php")
        .or_else(|| location.find('?'))
        .unwrap_or(location.len());
    location[..cut].trim_end_matches('/').to_owned()
}

/// "an HTML page titled "Login – Acme SSO"" or the first words of another answer.
fn page_description(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title").and_then(|start| {
        let open_end = start + lower[start..].find('>')? + 1;
        let close = open_end + lower[open_end..].find("</title")?;
        Some(
            text[open_end..close]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    });
    match title {
        Some(t) if !t.is_empty() => {
            let t: String = t.chars().take(80).collect();
            format!("an HTML page titled \"{t}\"")
        }
        _ => format!("an HTML page ({} bytes)", body.len()),
    }
}

/// The resolver said the name does not exist (not a temporary failure, which is retried).
fn is_unknown_name(chain: &str) -> bool {
    chain.contains("dns error")
        && (chain.contains("not known")
            || chain.contains("no address associated")
            || chain.contains("nodename nor servname")
            || chain.contains("no such host"))
}

impl Failure {
    fn after(self, elapsed: Duration) -> Failure {
        Failure { elapsed, ..self }
    }
}

/// The error to retry after, or (Err) the final outcome: a final answer as it is, and a write
/// that may have been applied as `Ambiguous` — re-sending it could apply it twice.
fn retry_candidate(call: Call, endpoint: &str, failure: Failure) -> Result<ApiError, ApiError> {
    match (failure.applied, call) {
        (Applied::Final, _) => Err(failure.error),
        (Applied::Maybe, Call::Write) => Err(ApiError::Ambiguous {
            endpoint: endpoint.to_owned(),
            cause: Box::new(failure.error),
            after: failure.elapsed,
        }),
        _ => Ok(failure.error),
    }
}

fn http_failure(
    status: u16,
    endpoint: &str,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Failure {
    let applied = match status {
        // TestRail refused before doing anything: rate limit, maintenance.
        429 | 409 => Applied::No,
        s if is_retryable_status(s) => Applied::Maybe,
        _ => Applied::Final,
    };
    Failure {
        error: ApiError::Http {
            status,
            endpoint: endpoint.to_owned(),
            message: error_text(body),
        },
        applied,
        retry_after,
        elapsed: Duration::ZERO,
    }
}

/// TestRail's `{"error": "..."}` text, or a short, single-line excerpt of whatever came back.
pub(crate) fn error_text(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        return parsed.error;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.starts_with('<') {
        return format!("an HTML page ({} bytes) instead of JSON", body.len());
    }
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// Rate limited (429) or in maintenance (409): refused before anything was done, to be waited
/// out within the deadline rather than counted as a failed attempt.
fn is_not_now(error: &ApiError) -> bool {
    matches!(error.status(), Some(429 | 409))
}

fn give_up(endpoint: &str, attempts: u32, last: ApiError) -> ApiError {
    if attempts <= 1 {
        return last;
    }
    ApiError::GaveUp {
        endpoint: endpoint.to_owned(),
        attempts,
        last: Box::new(last),
    }
}

/// The error chain as one line, without the URL (reqwest's top-level text adds nothing).
fn describe(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts.join(": ")
}

fn is_tls_error(error: &reqwest::Error) -> bool {
    error.source().is_some_and(contains_rustls_error)
}

/// Looks through the source chain and through `io::Error` wrappers (hyper-rustls wraps
/// tokio-rustls's `io::Error`, which wraps the `rustls::Error`; `io::Error::source` skips it).
fn contains_rustls_error(error: &(dyn StdError + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
        && contains_rustls_error(inner)
    {
        return true;
    }
    error.source().is_some_and(contains_rustls_error)
}

fn log_request_body(endpoint: &str, payload: &Payload) {
    if !tracing::enabled!(tracing::Level::TRACE) {
        return;
    }
    match payload {
        Payload::None => {}
        Payload::Json(bytes) => {
            tracing::trace!(endpoint, body = %truncate_for_log(bytes), "TestRail request body");
        }
        Payload::Attachment { file_name, bytes } => {
            tracing::trace!(
                endpoint,
                file_name,
                size = bytes.len(),
                "TestRail attachment upload"
            );
        }
    }
}

fn truncate_for_log(body: &[u8]) -> String {
    if body.len() <= LOG_BODY_LIMIT {
        return String::from_utf8_lossy(body).into_owned();
    }
    format!(
        "{}… ({} bytes in total)",
        String::from_utf8_lossy(&body[..LOG_BODY_LIMIT]),
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_prefers_testrail_json() {
        assert_eq!(
            error_text(br#"{"error":"Field :run_id is not a valid test run."}"#),
            "Field :run_id is not a valid test run."
        );
        assert_eq!(error_text(b"  Bad\n gateway  "), "Bad gateway");
        assert!(error_text(b"<html><body>502</body></html>").contains("HTML page"));
        assert_eq!(error_text(b""), "");
        let long = "x".repeat(500);
        assert_eq!(error_text(long.as_bytes()).chars().count(), 201);
    }

    #[test]
    fn statuses_are_classified_by_what_the_server_may_have_done() {
        let applied = |s| http_failure(s, "e", b"", None).applied;
        assert_eq!(applied(429), Applied::No);
        assert_eq!(applied(409), Applied::No);
        assert_eq!(applied(500), Applied::Maybe);
        assert_eq!(applied(503), Applied::Maybe);
        assert_eq!(applied(400), Applied::Final);
        assert_eq!(applied(401), Applied::Final);
        assert_eq!(applied(404), Applied::Final);
    }

    #[test]
    fn only_writes_that_may_have_been_applied_become_ambiguous() {
        let verdict = |call, status| {
            retry_candidate(
                call,
                "add_run/1",
                http_failure(status, "add_run/1", b"", None),
            )
        };
        assert!(matches!(
            verdict(Call::Write, 502),
            Err(ApiError::Ambiguous { .. })
        ));
        assert!(matches!(
            verdict(Call::Write, 429),
            Ok(ApiError::Http { status: 429, .. })
        ));
        assert!(verdict(Call::Write, 409).is_ok());
        assert!(verdict(Call::IdempotentWrite, 502).is_ok());
        assert!(verdict(Call::Read, 503).is_ok());
        assert!(matches!(
            verdict(Call::Read, 400),
            Err(ApiError::Http { status: 400, .. })
        ));
        assert!(matches!(
            verdict(Call::Write, 403),
            Err(ApiError::Http { status: 403, .. })
        ));
    }

    #[test]
    fn single_attempts_are_not_wrapped() {
        let e = || ApiError::Http {
            status: 500,
            endpoint: "get_x".into(),
            message: String::new(),
        };
        assert!(matches!(give_up("get_x", 1, e()), ApiError::Http { .. }));
        assert!(matches!(
            give_up("get_x", 3, e()),
            ApiError::GaveUp { attempts: 3, .. }
        ));
    }

    #[test]
    fn only_a_name_that_does_not_exist_is_final() {
        assert!(is_unknown_name(
            "dns error: failed to lookup address information: name or service not known"
        ));
        assert!(!is_unknown_name(
            "dns error: failed to lookup address information: temporary failure in name resolution"
        ));
        assert!(!is_unknown_name("tcp connect error: connection refused"));
    }

    #[test]
    fn redirects_and_pages_are_described_without_their_query() {
        assert_eq!(
            base_of_location("https://new.example/index.php?/api/v2/get_x&token=abc"),
            "https://new.example"
        );
        assert_eq!(
            base_of_location("https://sso.example/login?next=/x"),
            "https://sso.example/login"
        );
        assert_eq!(
            page_description(b"<html><TITLE>\n Sign in  </title></html>"),
            "an HTML page titled \"Sign in\""
        );
        assert!(page_description(b"<html></html>").contains("13 bytes"));
    }

    #[test]
    fn log_bodies_are_truncated() {
        let body = vec![b'a'; 10_000];
        let logged = truncate_for_log(&body);
        assert!(logged.len() < 2100 && logged.ends_with("(10000 bytes in total)"));
        assert_eq!(truncate_for_log(b"{}"), "{}");
    }
}
