//! One error type for everything the client can hit. Every message says what went wrong, where
//! (the endpoint, never the full URL or any header) and what the user can do about it.

use std::path::PathBuf;
use std::time::Duration;

#[derive(thiserror::Error, Debug)]
pub enum ApiError {
    /// TestRail answered with a non-success status; `message` is its `{"error": "..."}` text.
    #[error("{}", http_message(*status, endpoint, message))]
    Http {
        status: u16,
        endpoint: String,
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
        endpoint: String,
        #[source]
        cause: Box<ApiError>,
        after: Duration,
    },

    #[error(
        "{endpoint}: no answer from TestRail within {after:?}; TestRail may be overloaded or the \
         network slow — try again, or raise the request timeout"
    )]
    Timeout { endpoint: String, after: Duration },

    #[error(
        "cannot connect to {host}: {cause}; check TESTRAIL_HOST (scheme, host name, port) and \
         that this machine can reach it"
    )]
    Connect { host: String, cause: String },

    /// The connection broke after the request went out (not a write: those become `Ambiguous`).
    #[error("{endpoint}: the connection to TestRail broke ({cause}); check the network or proxy")]
    Transport { endpoint: String, cause: String },

    #[error(
        "TLS handshake with {host} failed: {cause}; check that TESTRAIL_HOST is the right https \
         address and that its certificate is trusted by this machine"
    )]
    Tls { host: String, cause: String },

    /// Retries ran out (attempts or total time); `last` is the final failure.
    #[error("{endpoint}: gave up after {attempts} attempts; last error: {last}")]
    GaveUp {
        endpoint: String,
        attempts: u32,
        last: Box<ApiError>,
    },

    #[error(
        "{endpoint}: TestRail's answer could not be read ({cause}); is TESTRAIL_HOST the base \
         address of a TestRail instance with the API enabled (Administration → Site Settings → API)?"
    )]
    Decode { endpoint: String, cause: String },

    #[error("{endpoint}: the request body could not be encoded as JSON: {cause}")]
    Encode { endpoint: String, cause: String },

    #[error(
        "refusing to send the API key over plain http to {host}; use https://{host_only} \
         (plain http is only allowed for loopback addresses or with allow_insecure_http)",
        host_only = strip_scheme(host)
    )]
    InsecureHttp { host: String },

    #[error(
        "TESTRAIL_HOST {host:?} is not usable: {cause}; expected e.g. https://example.testrail.io"
    )]
    InvalidHost { host: String, cause: String },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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
