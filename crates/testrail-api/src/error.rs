//! One error type for everything the client can hit. Every message says what went wrong, where
//! (the endpoint, never the full URL or any header) and what the user can do about it.

use std::path::PathBuf;
use std::time::Duration;

/// Everything a TestRail call can fail with. Display says what went wrong, where (the endpoint,
/// never the URL or a header) and what to do; the methods let callers decide without parsing it.
#[derive(thiserror::Error, Debug)]
pub enum ApiError {
    /// TestRail answered with a non-success status; `message` is its `{"error": "..."}` text.
    #[error("{}", http_message(*status, endpoint, message))]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// TestRail's `error` text (empty when the body had none).
        message: String,
    },

    /// A write may or may not have been applied (timeout, connection dropped after sending, or
    /// a 5xx): it was deliberately not re-sent so nothing is created twice. `cause` is the
    /// failure as it happened (a [`ApiError::Timeout`], [`ApiError::Transport`] or
    /// [`ApiError::Http`] 5xx), so callers decide by its type, never by its wording; `after` is
    /// how long that last attempt waited for its answer (a gateway's timeout shows here).
    #[error(
        "{endpoint}: TestRail may or may not have applied this write ({cause}); it was not \
         re-sent to avoid a duplicate — check TestRail (or rerun so the journal can verify) before retrying"
    )]
    Ambiguous {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// What happened to the last attempt.
        #[source]
        cause: Box<ApiError>,
        /// How long that attempt waited for its answer.
        after: Duration,
    },

    /// No complete answer within the request timeout (a read: retried; a write: becomes
    /// `Ambiguous`).
    #[error(
        "{endpoint}: no answer from TestRail within {after:?}; TestRail may be overloaded or the \
         network slow — try again, or raise the request timeout"
    )]
    Timeout {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// The request timeout that ran out.
        after: Duration,
    },

    /// The connection could not be opened (refused, unreachable): nothing was sent.
    #[error(
        "cannot connect to {host}: {cause}; check TESTRAIL_HOST (scheme, host name, port) and \
         that this machine can reach it"
    )]
    Connect {
        /// The TestRail host as configured.
        host: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// The connection broke after the request went out (not a write: those become `Ambiguous`).
    #[error("{endpoint}: the connection to TestRail broke ({cause}); check the network or proxy")]
    Transport {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// The TLS handshake failed: certificate not trusted, wrong host name, protocol mismatch.
    #[error("TLS handshake with {host} failed: {cause}; {}", tls_hint(cause))]
    Tls {
        /// The TestRail host as configured.
        host: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// A TLS setting (`ca_cert`, `client_cert`, `client_key`) points at an unusable file.
    #[error("{setting} {}: {cause}", path.display())]
    TlsSetting {
        /// The setting at fault: `ca_cert`, `client_cert` or `client_key`.
        setting: String,
        /// The file it names.
        path: PathBuf,
        /// Why the file cannot be used (missing, unreadable, not PEM, …).
        cause: String,
    },

    /// The host name does not exist (NXDOMAIN): retrying cannot fix a typo.
    #[error(
        "cannot resolve the host name of {host}: {cause}; check TESTRAIL_HOST for a typo (the \
         address you open TestRail with in a browser), or this machine's DNS"
    )]
    Dns {
        /// The TestRail host as configured.
        host: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// The proxy could not be reached, or would not open a tunnel to TestRail.
    #[error(
        "cannot reach {host} through the proxy {proxy} (from {source_name}): {cause}; {}",
        proxy_hint(source_name)
    )]
    Proxy {
        /// The TestRail host as configured.
        host: String,
        /// The proxy address (printable form, no credentials).
        proxy: String,
        /// Where the proxy came from: `--proxy`, `HTTPS_PROXY`, …
        source_name: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// 407: the proxy wants credentials.
    #[error(
        "the proxy {proxy} (from {source_name}) requires authentication (407); put the proxy's \
         user and password in its URL, e.g. {source_name}=http://USER:PASSWORD@{} \
         (percent-encode special characters)",
        strip_scheme(proxy)
    )]
    ProxyAuth {
        /// The proxy address (printable form, no credentials).
        proxy: String,
        /// Where the proxy came from: `--proxy`, `HTTPS_PROXY`, …
        source_name: String,
    },

    /// The proxy setting is not a URL.
    #[error(
        "the proxy address from {source_name} ({proxy}) is not a valid URL; expected e.g. \
         http://proxy.example.com:3128"
    )]
    InvalidProxy {
        /// Where the proxy came from: `--proxy`, `HTTPS_PROXY`, …
        source_name: String,
        /// The proxy address (printable form, no credentials).
        proxy: String,
    },

    /// A 3xx: the address is not the instance's final one (http→https, a moved instance, SSO).
    #[error(
        "{endpoint}: TestRail's address redirected ({status}){}; set TESTRAIL_HOST to the final \
         https:// address of the instance",
        location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
    )]
    Redirect {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, when there was one.
        location: Option<String>,
    },

    /// A web page (an SSO login, a proxy's block page, another site) instead of the API's JSON.
    #[error(
        "{endpoint}: the answer ({status}) is {what}, not TestRail's API; TESTRAIL_HOST probably \
         points at a login (SSO) page, a proxy's page or another site — use the address you open \
         TestRail with (e.g. https://acme.testrail.io) and check that the API is enabled \
         (Administration → Site Settings → API)"
    )]
    NotTestRail {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// HTTP status of that answer.
        status: u16,
        /// What came back instead, e.g. `an HTML page (162 bytes)`.
        what: String,
    },

    /// A successful answer larger than the client's cap (`limit` bytes): not read to the end,
    /// never retried (the same request gets the same answer).
    #[error(
        "{endpoint}: the answer is larger than {} MiB and was not read to the end; TestRail's \
         answers are far smaller (a page of 250 results with long comments is a few MiB), so \
         the server at TESTRAIL_HOST or a proxy in between sends an endless or oversized body — \
         check that TESTRAIL_HOST is your TestRail instance and that no proxy rewrites answers",
        limit >> 20
    )]
    TooLarge {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// The cap, in bytes.
        limit: usize,
    },

    /// Retries ran out (attempts or total time); `last` is the final failure.
    #[error("{endpoint}: gave up after {attempts} attempts; last error: {last}")]
    GaveUp {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// Attempts made, the first included.
        attempts: u32,
        /// The last attempt's failure.
        last: Box<ApiError>,
    },

    /// The answer was not the JSON this call expects.
    #[error(
        "{endpoint}: TestRail's answer could not be read ({cause}); is TESTRAIL_HOST the base \
         address of a TestRail instance with the API enabled (Administration → Site Settings → API)?"
    )]
    Decode {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// The request body could not be serialized (a bug, or a non-finite number in a field).
    #[error("{endpoint}: the request body could not be encoded as JSON: {cause}")]
    Encode {
        /// The API endpoint called, e.g. `get_cases/1` (never the full URL).
        endpoint: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// Plain `http://` to a non-loopback host without `allow_insecure_http`: refused before sending
    /// the key.
    #[error(
        "refusing to send the API key over plain http to {host}; use https://{host_only} \
         (plain http is only allowed for loopback addresses or with allow_insecure_http)",
        host_only = strip_scheme(host)
    )]
    InsecureHttp {
        /// The TestRail host as configured.
        host: String,
    },

    /// The configured host is not a usable base address.
    #[error(
        "TESTRAIL_HOST {host:?} is not usable: {cause}; expected e.g. https://example.testrail.io"
    )]
    InvalidHost {
        /// The TestRail host as configured.
        host: String,
        /// What the HTTP, TLS or JSON library reported.
        cause: String,
    },

    /// A local file (an attachment) could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// An upload holds this client's own credentials (the API key, or `email:key` as the
    /// Basic header carries it): refused before it is sent.
    #[error(
        "{file_name} holds this job's TestRail API key (as written or as its Basic credentials) \
         and is never uploaded; a report that links it is asking for the key"
    )]
    HoldsCredentials {
        /// The upload's file name.
        file_name: String,
    },
}

impl ApiError {
    /// The HTTP status TestRail answered with (looking through `GaveUp`).
    pub fn status(&self) -> Option<u16> {
        match self.innermost() {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A write whose outcome is unknown and was deliberately not re-sent (see
    /// [`ApiError::Ambiguous`]).
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApiError::Ambiguous { .. })
    }

    /// The server (or a gateway in front of it) ran out of time: our own timeout, a gateway's
    /// 504, or TestRail Cloud's 500 `Request timed out`. Such a write is typically *still
    /// running* on the server and may commit later, and a smaller one would have answered in
    /// time. Looks through `Ambiguous` and `GaveUp`.
    pub fn timed_out(&self) -> bool {
        match self.innermost() {
            ApiError::Ambiguous { cause, .. } => cause.timed_out(),
            ApiError::Timeout { .. } => true,
            ApiError::Http {
                status: 504 | 408, ..
            } => true,
            ApiError::Http {
                status: 500,
                message,
                ..
            } => is_server_timeout_text(message),
            _ => false,
        }
    }

    /// The 5xx status a gateway or the server answered with, when that is what made the
    /// outcome unknown (`None` for a timeout or a dropped connection).
    pub fn gateway_status(&self) -> Option<u16> {
        match self.innermost() {
            ApiError::Ambiguous { cause, .. } => cause.gateway_status(),
            ApiError::Http { status, .. } if (500..=599).contains(status) => Some(*status),
            _ => None,
        }
    }

    /// How long the attempt that left a write ambiguous waited for its answer.
    pub fn ambiguous_after(&self) -> Option<Duration> {
        match self.innermost() {
            ApiError::Ambiguous { after, .. } => Some(*after),
            _ => None,
        }
    }

    /// Authentication failed (401): wrong user or key, key not saved, API disabled.
    pub fn is_auth(&self) -> bool {
        self.status() == Some(401)
    }

    /// The user is known but lacks the permission (403).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    /// A failure that a later attempt could fix (rate limit, maintenance, 5xx, network).
    /// `GaveUp` and `Ambiguous` are final: the client already decided not to retry.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Http { status, .. } => is_retryable_status(*status),
            ApiError::Timeout { .. } | ApiError::Connect { .. } | ApiError::Transport { .. } => {
                true
            }
            _ => false,
        }
    }

    /// TestRail's own `error` text, e.g. `Field :run_id is not a valid test run.`
    pub fn testrail_message(&self) -> Option<&str> {
        match self.innermost() {
            ApiError::Http { message, .. } if !message.is_empty() => Some(message),
            _ => None,
        }
    }

    /// The endpoint the error is about, when there is one.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            ApiError::Http { endpoint, .. }
            | ApiError::Ambiguous { endpoint, .. }
            | ApiError::Timeout { endpoint, .. }
            | ApiError::Transport { endpoint, .. }
            | ApiError::GaveUp { endpoint, .. }
            | ApiError::Decode { endpoint, .. }
            | ApiError::Redirect { endpoint, .. }
            | ApiError::NotTestRail { endpoint, .. }
            | ApiError::TooLarge { endpoint, .. }
            | ApiError::Encode { endpoint, .. } => Some(endpoint),
            _ => None,
        }
    }

    fn innermost(&self) -> &ApiError {
        match self {
            ApiError::GaveUp { last, .. } => last.innermost(),
            other => other,
        }
    }
}

/// What failed, for `--format json`'s `error.kind` and for choosing an exit code: the thing the
/// user has to fix, not the call that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401: user, key or API switch.
    Auth,
    /// 403: the user's role.
    Permission,
    /// 404 / 400 naming an ID: a project, suite, run or endpoint TestRail does not know.
    NotFound,
    /// 400: TestRail refused the request's content.
    Rejected,
    /// Connection refused/reset, timeouts: the network or the server's availability.
    Network,
    /// The host name does not resolve.
    Dns,
    /// Certificate trust or the TLS handshake.
    Tls,
    /// The proxy: unreachable, refusing the tunnel, or wanting credentials.
    Proxy,
    /// A 3xx answer.
    Redirect,
    /// An HTML page or other non-API answer.
    NotTestRail,
    /// 429 or 409: not now.
    RateLimited,
    /// 5xx.
    Server,
    /// A write whose outcome is unknown.
    Ambiguous,
    /// A setting is unusable before anything is sent (host, TLS files, proxy URL).
    Config,
    /// A local file could not be read.
    Io,
}

impl ErrorKind {
    /// The name `--format json` prints as `error.kind` (`auth`, `tls`, `proxy`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Network => "network",
            ErrorKind::Dns => "dns",
            ErrorKind::Tls => "tls",
            ErrorKind::Proxy => "proxy",
            ErrorKind::Redirect => "redirect",
            ErrorKind::NotTestRail => "not_testrail",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Ambiguous => "ambiguous",
            ErrorKind::Config => "config",
            ErrorKind::Io => "io",
        }
    }
}

impl ApiError {
    /// What failed (looking through `GaveUp`).
    pub fn kind(&self) -> ErrorKind {
        match self.innermost() {
            // TestRail answers an unknown or invisible ID with 400 "Field :project_id is not a
            // valid or accessible project."
            ApiError::Http {
                status: 400,
                message,
                ..
            } if message.contains("is not a valid") => ErrorKind::NotFound,
            ApiError::Http { status, .. } => match status {
                401 => ErrorKind::Auth,
                403 => ErrorKind::Permission,
                404 => ErrorKind::NotFound,
                407 => ErrorKind::Proxy,
                409 | 429 => ErrorKind::RateLimited,
                300..=399 => ErrorKind::Redirect,
                500..=599 => ErrorKind::Server,
                _ => ErrorKind::Rejected,
            },
            ApiError::Ambiguous { .. } => ErrorKind::Ambiguous,
            ApiError::Timeout { .. } | ApiError::Connect { .. } | ApiError::Transport { .. } => {
                ErrorKind::Network
            }
            ApiError::Tls { .. } => ErrorKind::Tls,
            ApiError::Dns { .. } => ErrorKind::Dns,
            ApiError::Proxy { .. } | ApiError::ProxyAuth { .. } => ErrorKind::Proxy,
            ApiError::Redirect { .. } => ErrorKind::Redirect,
            ApiError::NotTestRail { .. } | ApiError::Decode { .. } | ApiError::TooLarge { .. } => {
                ErrorKind::NotTestRail
            }
            ApiError::TlsSetting { .. }
            | ApiError::InvalidProxy { .. }
            | ApiError::InsecureHttp { .. }
            | ApiError::InvalidHost { .. }
            | ApiError::Encode { .. } => ErrorKind::Config,
            ApiError::Io { .. } => ErrorKind::Io,
            ApiError::HoldsCredentials { .. } => ErrorKind::Config,
            ApiError::GaveUp { .. } => unreachable!("innermost looks through GaveUp"),
        }
    }

    /// The one thing to do about it, as a sentence (also part of the message).
    pub fn hint(&self) -> String {
        let inner = self.innermost();
        match inner {
            ApiError::Tls { cause, .. } => tls_hint(cause).to_owned(),
            ApiError::Proxy { source_name, .. } => proxy_hint(source_name).to_owned(),
            ApiError::TooLarge { .. } => "check that TESTRAIL_HOST is your TestRail instance and that no proxy rewrites its answers".into(),
            ApiError::ProxyAuth { source_name, .. } => format!(
                "put the proxy's user and password in {source_name}: http://USER:PASSWORD@host:port"
            ),
            _ => match inner.kind() {
                ErrorKind::Auth => "check TESTRAIL_USER / TESTRAIL_API_KEY (My Settings → API Keys) and that the API is enabled".into(),
                ErrorKind::Permission => "ask a TestRail admin for a role with access to the project".into(),
                ErrorKind::NotFound => "check the IDs and that TESTRAIL_HOST is the TestRail base address".into(),
                ErrorKind::Rejected => "fix the value TestRail names".into(),
                ErrorKind::Network => "check TESTRAIL_HOST and that this machine can reach it (a proxy? set HTTPS_PROXY)".into(),
                ErrorKind::Dns => "check TESTRAIL_HOST for a typo, or this machine's DNS".into(),
                ErrorKind::Tls => "check the certificate settings".into(),
                ErrorKind::Proxy => "check the proxy settings".into(),
                ErrorKind::Redirect => "set TESTRAIL_HOST to the final https:// address of the instance".into(),
                ErrorKind::NotTestRail => "set TESTRAIL_HOST to the address you open TestRail with, and enable the API".into(),
                ErrorKind::RateLimited => "run fewer jobs at once with this TestRail user, or lower --rate-limit".into(),
                ErrorKind::Server => "TestRail had a server-side error; try again later".into(),
                ErrorKind::Ambiguous => "rerun the same command: the journal checks what landed before re-sending".into(),
                ErrorKind::Config => "fix the setting named in the message".into(),
                ErrorKind::Io => "check the file path and its permissions".into(),
            },
        }
    }

    /// Retrying cannot help and the cause is this machine's settings (exit 2, not 4).
    pub fn is_setup_problem(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Dns | ErrorKind::Tls | ErrorKind::Redirect | ErrorKind::Config
        )
    }
}

/// The fix for a failed handshake, by what rustls reported.
fn tls_hint(cause: &str) -> &'static str {
    let lower = cause.to_ascii_lowercase();
    if lower.contains("unknownissuer")
        || lower.contains("unknown issuer")
        || lower.contains("self-signed")
        || lower.contains("selfsigned")
        || lower.contains("badsignature")
    {
        "the certificate is signed by a CA this machine does not trust (a company CA?): pass \
         --ca-cert FILE (or ca_cert = \"FILE\" in testrail-sync.toml) with the CA's PEM, or set \
         SSL_CERT_FILE / SSL_CERT_DIR; --insecure skips the check (not for production)"
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        "the certificate is for another name: set TESTRAIL_HOST to a name the certificate \
         covers (the address you open TestRail with in a browser)"
    } else if lower.contains("expired") || lower.contains("notvalidyet") {
        "the server's certificate is expired or not yet valid (or this machine's clock is wrong); \
         ask the TestRail admins to renew it"
    } else if lower.contains("certificaterequired")
        || lower.contains("certificate required")
        || lower.contains("handshakefailure") && lower.contains("alert")
    {
        "the server may require a client certificate (mTLS): pass --client-cert FILE and \
         --client-key FILE (or client_cert / client_key in testrail-sync.toml)"
    } else if lower.contains("invalid server name") || lower.contains("invalid dns name") {
        "TLS cannot use this host literally (an IPv6 address through a proxy?): use a host name, \
         or list the address in NO_PROXY"
    } else {
        "check that TESTRAIL_HOST is the right https address and that its certificate is trusted \
         by this machine (--ca-cert FILE, SSL_CERT_FILE, or --insecure to skip the check)"
    }
}

fn proxy_hint(source_name: &str) -> &'static str {
    if source_name == "--proxy" {
        "check the --proxy address (or `proxy` in testrail-sync.toml), or leave it out to connect directly"
    } else {
        "check the proxy variable's address, or list TestRail's host in NO_PROXY to connect directly"
    }
}

/// TestRail Cloud's own gateway texts for a request that ran out of time (observed verbatim:
/// `Request timed out`, `Underlying connection error: Connection timeout`).
fn is_server_timeout_text(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("timed out") || message.contains("timeout")
}

pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || status == 409 || (500..=599).contains(&status)
}

fn strip_scheme(host: &str) -> &str {
    host.split_once("://").map_or(host, |(_, rest)| rest)
}

/// The sentence for an HTTP error: TestRail's text plus the hint that fits the status.
fn http_message(status: u16, endpoint: &str, message: &str) -> String {
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    match status {
        400 => format!("TestRail rejected {endpoint} (400){said}"),
        401 => format!(
            "401 from TestRail{said} — check TESTRAIL_USER / TESTRAIL_API_KEY; the key must be \
             saved under My Settings → API Keys (and the API enabled under Administration → \
             Site Settings → API)"
        ),
        403 => format!(
            "403 from TestRail on {endpoint}{said} — the TestRail user lacks the permission for \
             this; ask a TestRail admin for a role with access to the project"
        ),
        404 => format!(
            "404 from TestRail: unknown endpoint {endpoint}{said} — check that TESTRAIL_HOST is \
             the TestRail base address and that this TestRail version supports the call"
        ),
        409 => format!(
            "409 from TestRail on {endpoint}{said} — TestRail Cloud is in its maintenance window; \
             try again in a few minutes"
        ),
        413 => format!(
            "413 from TestRail on {endpoint}{said} — the request body is larger than the server \
             or a proxy in front of it accepts (e.g. nginx `client_max_body_size`); send less \
             per request"
        ),
        429 => format!(
            "429 from TestRail on {endpoint}{said} — the API rate limit was hit; lower the rate \
             limit setting or run fewer jobs at once with the same TestRail user"
        ),
        300..=399 => format!(
            "TestRail redirected {endpoint} ({status}) — set TESTRAIL_HOST to the final https:// \
             address of the instance"
        ),
        500..=599 => format!(
            "{status} from TestRail on {endpoint}{said} — a server-side error; TestRail may be \
             overloaded, try again later"
        ),
        _ => format!("{status} from TestRail on {endpoint}{said}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, message: &str) -> ApiError {
        ApiError::Http {
            status,
            endpoint: "get_run/7".into(),
            message: message.into(),
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let auth = http(401, "Authentication failed").to_string();
        assert!(auth.contains("TESTRAIL_USER / TESTRAIL_API_KEY"), "{auth}");
        assert!(auth.contains("My Settings → API Keys"), "{auth}");
        let bad = http(400, "Field :run_id is not a valid test run.").to_string();
        assert!(
            bad.contains("get_run/7") && bad.contains("not a valid test run"),
            "{bad}"
        );
        assert!(http(403, "x").to_string().contains("permission"));
        assert!(
            http(404, "")
                .to_string()
                .contains("unknown endpoint get_run/7")
        );
        assert!(http(409, "").to_string().contains("maintenance"));
        assert!(http(429, "").to_string().contains("rate limit"));
        assert!(http(502, "").to_string().contains("server-side"));
        let insecure = ApiError::InsecureHttp {
            host: "http://tr.example.com".into(),
        };
        assert!(insecure.to_string().contains("https://tr.example.com"));
        let refused = ApiError::Connect {
            host: "https://h".into(),
            cause: "connection refused".into(),
        };
        assert!(refused.to_string().contains("check TESTRAIL_HOST"));
    }

    fn ambiguous(cause: ApiError) -> ApiError {
        ApiError::Ambiguous {
            endpoint: "add_results_for_cases/1".into(),
            cause: Box::new(cause),
            after: Duration::from_secs(2),
        }
    }

    #[test]
    fn an_ambiguous_write_says_by_type_whether_the_server_ran_out_of_time() {
        let timeout = ambiguous(ApiError::Timeout {
            endpoint: "add_results_for_cases/1".into(),
            after: Duration::from_secs(30),
        });
        assert!(timeout.timed_out());
        assert_eq!(timeout.gateway_status(), None);
        assert_eq!(timeout.ambiguous_after(), Some(Duration::from_secs(2)));
        let gateway = ambiguous(http(504, "an HTML page (162 bytes) instead of JSON"));
        assert!(gateway.timed_out());
        assert_eq!(gateway.gateway_status(), Some(504));
        // TestRail Cloud's own wording for the same thing (observed verbatim).
        assert!(ambiguous(http(500, "Request timed out")).timed_out());
        let crashed = ambiguous(http(500, "Undefined property: stdClass::$sso_enabled"));
        assert!(!crashed.timed_out());
        assert_eq!(crashed.gateway_status(), Some(500));
        let dropped = ambiguous(ApiError::Transport {
            endpoint: "add_results_for_cases/1".into(),
            cause: "connection closed before message completed".into(),
        });
        assert!(!dropped.timed_out());
        assert_eq!(dropped.gateway_status(), None);
        assert!(
            std::error::Error::source(&dropped).is_some(),
            "the cause stays typed"
        );
        assert!(!http(413, "").to_string().contains("256 MB"));
    }

    #[test]
    fn kinds_name_what_failed() {
        let unknown = http(
            400,
            "Field :project_id is not a valid or accessible project.",
        );
        assert_eq!(unknown.kind(), ErrorKind::NotFound);
        assert_eq!(
            http(400, "Field :name is required.").kind(),
            ErrorKind::Rejected
        );
        assert_eq!(http(401, "").kind().as_str(), "auth");
        assert_eq!(http(504, "").kind(), ErrorKind::Server);
        let wrapped = ApiError::GaveUp {
            endpoint: "x".into(),
            attempts: 2,
            last: Box::new(http(503, "")),
        };
        assert_eq!(wrapped.kind(), ErrorKind::Server);
        assert!(
            ApiError::Tls {
                host: "h".into(),
                cause: "invalid peer certificate: UnknownIssuer".into()
            }
            .to_string()
            .contains("--ca-cert FILE")
        );
    }

    #[test]
    fn accessors_look_through_gave_up() {
        let e = ApiError::GaveUp {
            endpoint: "get_run/7".into(),
            attempts: 6,
            last: Box::new(http(429, "API rate limit reached")),
        };
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.testrail_message(), Some("API rate limit reached"));
        assert!(!e.is_retryable(), "giving up is final");
        assert!(e.to_string().contains("6 attempts"));
        assert!(http(401, "").is_auth());
        assert!(http(503, "").is_retryable());
        assert!(!http(400, "").is_retryable());
        assert_eq!(http(400, "").testrail_message(), None);
    }
}
