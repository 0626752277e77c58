//! The public [`Client`]: configuration and the generic calls (`get`, `post`, `paginate`,
//! `upload`). The typed calls live in `endpoints.rs`.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

use futures_util::{Stream, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::core::{Call, Core, Counters, Payload, RequestStats};
use crate::error::ApiError;
use crate::host::normalize_host;
use crate::models::{AttachmentCreated, Id};
use crate::network::{self, ProxyOptions, TlsOptions};
use crate::pacer::Pacer;
use crate::pagination;
use crate::retry::RetryPolicy;
use crate::secret::{ApiKey, SecretForms};

/// TestRail Cloud's documented limit for standard instances.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 180;

/// How to reach and pace one TestRail instance; [`ClientConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://example.testrail.io` (a path prefix is kept; `/index.php...` is ignored).
    pub host: String,
    /// The TestRail user's email.
    pub user: String,
    /// The user's API key (or password); only ever sent in the `Authorization` header.
    pub api_key: ApiKey,
    /// Per HTTP request, from connecting to the end of the response body.
    pub timeout: Duration,
    /// Which failures are retried, how often and how long to wait between attempts.
    pub retry: RetryPolicy,
    /// Client-side pacing shared by all clones; `None` (or `Some(0)`) turns it off.
    pub rate_limit_per_minute: Option<u32>,
    /// The window the limit counts in: TestRail's minute. Tests shorten it, together with the
    /// emulator's, to run a rate-limit scenario in seconds.
    pub rate_window: Duration,
    /// Allow plain `http://` to a non-loopback host (the key then travels in clear text).
    pub allow_insecure_http: bool,
    /// `User-Agent` header of every request (default `testrail-sync/VERSION`).
    pub user_agent: String,
    /// Private CAs, `--insecure`, client certificates.
    pub tls: TlsOptions,
    /// Proxy settings; [`ClientConfig::new`] reads the environment's.
    pub proxy: ProxyOptions,
    /// Successful answers larger than this fail with [`ApiError::TooLarge`] instead of being
    /// buffered (default [`crate::MAX_RESPONSE_BYTES`], 64 MiB: see there why).
    pub max_response_bytes: usize,
}

impl ClientConfig {
    /// Defaults: 30 s per request, the default [`RetryPolicy`], 180 requests per minute, and plain
    /// http allowed only to loopback hosts.
    pub fn new(host: impl Into<String>, user: impl Into<String>, api_key: ApiKey) -> Self {
        ClientConfig {
            host: host.into(),
            user: user.into(),
            api_key,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit_per_minute: Some(DEFAULT_RATE_LIMIT_PER_MINUTE),
            rate_window: Duration::from_secs(60),
            allow_insecure_http: false,
            user_agent: format!("testrail-sync/{}", env!("CARGO_PKG_VERSION")),
            tls: TlsOptions::default(),
            proxy: ProxyOptions::from_env(),
            max_response_bytes: crate::core::MAX_RESPONSE_BYTES,
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
    /// Builds the client: checks and normalizes the host (refusing plain http to a remote host
    /// unless allowed) and sets up TLS and the connection pool. Sends nothing.
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        install_crypto_provider();
        let host = normalize_host(&cfg.host, cfg.allow_insecure_http)?;
        let target = reqwest::Url::parse(&host).map_err(|e| ApiError::InvalidHost {
            host: host.clone(),
            cause: e.to_string(),
        })?;
        // The emulator/demo on this machine is never sent through an environment proxy.
        let proxy = network::choose_proxy(&cfg.proxy, &target)?;
        match &proxy {
            Some(p) => {
                tracing::info!(proxy = %p.shown, from = %p.source, "connecting to TestRail through a proxy")
            }
            None => tracing::info!("connecting to TestRail directly (no proxy)"),
        }
        let builder = network::configure(reqwest::Client::builder(), &cfg.tls, proxy.as_ref())?;
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
        let secrets = SecretForms::of(&cfg.user, &cfg.api_key);
        let core = Core {
            http,
            host,
            api_base,
            user: cfg.user,
            api_key: cfg.api_key,
            timeout: cfg.timeout,
            retry: cfg.retry,
            pacer: Pacer::new(cfg.rate_limit_per_minute, cfg.rate_window),
            counters: Counters::default(),
            clock: Default::default(),
            proxy,
            secrets,
            max_response_bytes: cfg.max_response_bytes,
        };
        Ok(Client {
            core: Arc::new(core),
        })
    }

    /// The normalised host, e.g. `https://example.testrail.io`.
    pub fn host(&self) -> &str {
        &self.core.host
    }

    /// The proxy requests go through, as `(http://proxy:3128, HTTPS_PROXY)`: no credentials.
    pub fn proxy(&self) -> Option<(&str, &str)> {
        self.core
            .proxy
            .as_ref()
            .map(|p| (p.shown.as_str(), p.source.as_str()))
    }

    /// HTTP requests sent so far by this client and its clones, retries included.
    pub fn request_count(&self) -> u64 {
        self.stats().sent
    }

    /// Requests by outcome.
    pub fn stats(&self) -> RequestStats {
        self.core.counters.snapshot()
    }

    /// Seconds the server's clock is ahead of this machine's (negative: behind), from the
    /// `Date` header of its latest answer; `None` before any answer carried one. TestRail's
    /// `created_after` filters take the server's time.
    pub fn server_clock_offset_secs(&self) -> Option<i64> {
        self.core.clock.offset_secs()
    }

    /// The per-request timeout this client was built with.
    pub fn timeout(&self) -> Duration {
        self.core.timeout
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

    /// [`Client::post`] that also answers how long the successful attempt took (the server's
    /// time plus the network, without pacing waits): what a caller needs to size its next
    /// write below a gateway's timeout.
    pub async fn post_timed<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &B,
    ) -> Result<Timed<T>, ApiError> {
        let json = encode(endpoint, body)?;
        let answer = self
            .core
            .execute_with(
                Call::Write,
                endpoint,
                &Payload::Json(json),
                &self.core.retry,
            )
            .await?;
        Ok(Timed {
            value: decode(endpoint, &answer.body)?,
            elapsed: answer.elapsed,
        })
    }

    /// A write sent once, even when TestRail refused it with 429 or 409 (the pacer still
    /// waits out the `Retry-After` before the next request). For a write built from a read
    /// (`update_run` with a case set): sent after a wait, it would carry a stale set, so the
    /// caller reads again instead.
    pub async fn post_once<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let json = encode(endpoint, body)?;
        let answer = self
            .core
            .execute_with(
                Call::Write,
                endpoint,
                &Payload::Json(json),
                &RetryPolicy::no_retries(),
            )
            .await?;
        decode(endpoint, &answer.body)
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

    pub(crate) async fn post_bytes<B: Serialize + ?Sized>(
        &self,
        call: Call,
        endpoint: &str,
        body: &B,
    ) -> Result<Vec<u8>, ApiError> {
        let json = encode(endpoint, body)?;
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

    /// All items of a bulk GET collected into one list: every page of a paginated answer, or the
    /// bare array older servers send.
    pub async fn get_all<T: DeserializeOwned + Send + 'static>(
        &self,
        endpoint: &str,
        key: &'static str,
    ) -> Result<Vec<T>, ApiError> {
        self.paginate(endpoint, key).try_collect().await
    }

    /// All items of a bulk GET as of one moment, while other clients may be changing the list
    /// (pages overlap by one item; a read under which the list moved is made again). `id`
    /// tells items apart. Use it where a skipped item would be written back as missing.
    pub async fn get_all_snapshot<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        key: &'static str,
        id: impl Fn(&T) -> u64,
    ) -> Result<Vec<T>, ApiError> {
        pagination::snapshot(
            |offset| {
                let page = pagination::page_at(endpoint, offset);
                async move { pagination::fetch_page(self, &page, key).await }
            },
            id,
        )
        .await
    }

    /// A multipart upload (file part `attachment`). Not re-sent when it may have been applied.
    pub async fn upload(
        &self,
        endpoint: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentCreated, ApiError> {
        if self.core.secrets.found_in(&bytes) {
            return Err(ApiError::HoldsCredentials {
                file_name: file_name.to_owned(),
            });
        }
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
}

/// A successful answer and how long its attempt took.
#[derive(Debug, Clone)]
pub struct Timed<T> {
    /// The decoded answer.
    pub value: T,
    /// From sending the request to the last byte of the answer.
    pub elapsed: Duration,
}

fn encode<B: Serialize + ?Sized>(endpoint: &str, body: &B) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|e| ApiError::Encode {
        endpoint: endpoint.to_owned(),
        cause: e.to_string(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
