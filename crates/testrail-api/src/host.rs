//! `TESTRAIL_HOST` checking and query-string encoding: pure functions, no network.

use std::net::IpAddr;

use crate::error::ApiError;

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

pub(crate) fn host_is_loopback(normalized: &str) -> bool {
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
}
