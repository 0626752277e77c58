//! Who may talk to an emulator left running: a middleware in front of every route.
//!
//! - **Host** (DNS rebinding): a web page at `http://evil.example` whose name is re-pointed at
//!   127.0.0.1 reaches this port with `Host: evil.example`, and the browser then lets that page
//!   read the answers (the web view, `/attachments/N`, `/_emulator/*`). Answered are only Host
//!   headers naming an IP address (127.0.0.1, [::1], the `--bind` address or any other: a
//!   page can only send an IP as Host from a URL of that very IP, so that is no rebinding),
//!   `localhost`, and the names given as `allowed_hosts` (`--allowed-host`). Any port: a TLS
//!   front or proxy on this machine forwards its own port, and a port never carries a name.
//!   Others get 421 saying how to add the name.
//! - **Origin** (cross-site request forgery): a page elsewhere can POST `text/plain` to any
//!   URL without a CORS preflight, e.g. `/_emulator/reset`, which wipes the store and the `--db`
//!   file. A write (any method but GET, HEAD, OPTIONS) carrying an `Origin` that is not this
//!   emulator's own (`Origin`'s host:port equal to `Host`), or `Sec-Fetch-Site: cross-site`
//!   or `same-site` (another port on the same host), gets 403. The API is covered too: it
//!   needs Basic auth, which a page cannot add without a preflight the emulator never answers,
//!   and the emulator sends no `WWW-Authenticate` a browser could cache credentials from; the
//!   check costs API clients nothing, as HTTP libraries send neither header.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The Host names an emulator answers beside IP addresses and `localhost`.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    /// Lower-case names, each `name` (any port) or `name:port`.
    extra: Vec<String>,
}

/// Why a request was refused before it reached a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The Host header names something that is not this emulator (the value, as sent).
    ForeignHost(String),
    /// A write from a page of another origin (what the request said it came from).
    CrossOrigin(String),
}

impl HostPolicy {
    /// The policy for these `--allowed-host` values; `Err` names the first one that is not a
    /// host name (a URL, a path, spaces).
    pub fn new(allowed: &[String]) -> Result<HostPolicy, String> {
        let mut extra = Vec::new();
        for name in allowed {
            let name = name.trim().to_ascii_lowercase();
            if !is_host_name(&name) {
                return Err(name);
            }
            extra.push(name.trim_end_matches('.').to_owned());
        }
        Ok(HostPolicy { extra })
    }

    /// Whether a request with these headers is answered.
    pub fn admit(&self, method: &Method, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = header_text(headers, header::HOST);
        if let Some(host) = &host
            && !self.host_allowed(host)
        {
            return Err(Refusal::ForeignHost(host.clone()));
        }
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        if let Some(site) = header_text(headers, "sec-fetch-site")
            && matches!(site.as_str(), "cross-site" | "same-site")
        {
            return Err(Refusal::CrossOrigin(format!("Sec-Fetch-Site: {site}")));
        }
        match (header_text(headers, header::ORIGIN), host) {
            (Some(origin), Some(host)) if same_authority(&origin, &host) => Ok(()),
            (Some(origin), _) => Err(Refusal::CrossOrigin(format!("Origin: {origin}"))),
            // No Origin: not a browser's cross-origin request (HTTP libraries, curl).
            (None, _) => Ok(()),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let Some((name, _port)) = split_host(&host) else {
            return false;
        };
        let name = name.trim_end_matches('.');
        if name == "localhost" || parse_ip(name).is_some() {
            return true;
        }
        let with_port = host.trim_end_matches('.');
        self.extra.iter().any(|e| e == name || e == with_port)
    }

    fn describe(&self) -> String {
        let mut names = vec![
            "localhost".to_owned(),
            "IP addresses (127.0.0.1, [::1], this machine's)".to_owned(),
        ];
        names.extend(self.extra.iter().cloned());
        names.join(", ")
    }

    /// The answer to a refused request: JSON like the emulator's other errors, saying what is
    /// answered and how to change it.
    pub fn refusal_response(&self, refusal: &Refusal) -> Response {
        let (status, text) = match refusal {
            Refusal::ForeignHost(host) => {
                let name = split_host(&host.to_ascii_lowercase())
                    .map_or(host.clone(), |(n, _)| n.to_owned());
                (
                    StatusCode::MISDIRECTED_REQUEST,
                    format!(
                        "This emulator answers only requests addressed to it by these names: {}. \
                         This one was addressed to Host {host:?} (a web page using DNS rebinding \
                         would look the same). If that is a name of this machine you use, \
                         restart the emulator with --allowed-host {name}.",
                        self.describe()
                    ),
                )
            }
            Refusal::CrossOrigin(from) => (
                StatusCode::FORBIDDEN,
                format!(
                    "Refused: a write from a web page of another site ({from}). The emulator \
                     takes writes from HTTP clients (no Origin header) and from its own pages \
                     only, so a page elsewhere cannot reset or change it."
                ),
            ),
        };
        let body = serde_json::json!({ "error": text }).to_string();
        let mut resp = (status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        resp
    }
}

/// The middleware: refuses before any route, counter or store is touched.
pub async fn check(State(policy): State<Arc<HostPolicy>>, req: Request, next: Next) -> Response {
    match policy.admit(req.method(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            tracing::warn!(?refusal, "emulator refused a request");
            policy.refusal_response(&refusal)
        }
    }
}

/// A header's text; a header that is not visible ASCII counts as `"?"` (never allowed).
fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| v.to_str().map_or("?".to_owned(), |s| s.trim().to_owned()))
}

/// `name[:port]` or `[v6][:port]` → (name, port); `None` for anything else.
fn split_host(host: &str) -> Option<(&str, Option<&str>)> {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let close = rest.find(']')?;
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return None,
        };
        (&host[..close + 2], port)
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if name.is_empty() {
        return None;
    }
    Some((name, port))
}

/// `127.0.0.1` or `[::1]` (the bracketed form a Host header carries).
fn parse_ip(name: &str) -> Option<IpAddr> {
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    name.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A DNS name or IP, optionally with `:port`: letters, digits, `-`, `.`, brackets for IPv6.
fn is_host_name(s: &str) -> bool {
    let Some((name, _)) = split_host(s) else {
        return false;
    };
    parse_ip(name).is_some()
        || name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            && name.bytes().any(|b| b.is_ascii_alphanumeric())
}

/// Whether `Origin: scheme://host[:port]` names the same host and port as `Host`. The scheme
/// is not compared: behind a TLS front the page is https and the emulator plain http.
fn same_authority(origin: &str, host: &str) -> bool {
    let Some((_, authority)) = origin.split_once("://") else {
        return false; // `null` (a sandboxed or file page) and anything malformed
    };
    authority.trim_end_matches('/').eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn ip_addresses_and_localhost_are_answered_other_names_only_when_added() {
        let p = HostPolicy::new(&["ci-box.internal".into(), "other:8080".into()]).unwrap();
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "[::1]:9",
            "LOCALHOST:1",
            "localhost.",
            "10.1.2.3:8080",
            "ci-box.internal:5",
            "other:8080",
        ] {
            assert!(p.host_allowed(ok), "{ok}");
        }
        for refused in [
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "other:9090",
            "[::1",
            "::1",
            "a:b",
            "",
            "?",
        ] {
            assert!(!p.host_allowed(refused), "{refused}");
        }
        assert!(HostPolicy::new(&["http://x/".into()]).is_err());
        assert!(HostPolicy::new(&["a b".into()]).is_err());
    }

    #[test]
    fn writes_from_other_origins_are_refused_reads_and_plain_clients_are_not() {
        let p = HostPolicy::default();
        let host = ("host", "127.0.0.1:8080");
        assert!(p.admit(&Method::POST, &headers(&[host])).is_ok());
        assert!(
            p.admit(
                &Method::POST,
                &headers(&[host, ("origin", "http://127.0.0.1:8080")])
            )
            .is_ok()
        );
        for bad in [
            ("origin", "http://evil.example"),
            ("origin", "null"),
            ("origin", "http://127.0.0.1:3000"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ] {
            let refused = p.admit(&Method::POST, &headers(&[host, bad]));
            assert!(matches!(refused, Err(Refusal::CrossOrigin(_))), "{bad:?}");
            assert!(p.admit(&Method::GET, &headers(&[host, bad])).is_ok());
        }
        assert!(matches!(
            p.admit(&Method::GET, &headers(&[("host", "rebound.example:8080")])),
            Err(Refusal::ForeignHost(_))
        ));
    }
}
