//! Company networks: which proxy (if any) carries the traffic to TestRail, and which
//! certificates are trusted. Decided once per client, because a client talks to one host, so
//! errors and `-v` logs can name the proxy actually used (never its password).

use std::net::IpAddr;
use std::path::PathBuf;

use reqwest::Url;

use crate::error::ApiError;

/// TLS settings beyond the platform's trust store (which already honours `SSL_CERT_FILE` and
/// `SSL_CERT_DIR`).
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM file(s) of private CAs, trusted in addition to the platform roots.
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate (trcli's `--insecure`). The caller must say so loudly.
    pub insecure: bool,
    /// mTLS: a PEM client certificate (chain), with `client_key` or with the key in the same file.
    pub client_cert: Option<PathBuf>,
    /// mTLS: the PEM private key of `client_cert`, when it is in a file of its own.
    pub client_key: Option<PathBuf>,
}

/// Where the proxy settings come from. The environment is read by [`ProxyOptions::from_env`]
/// so tests can pass their own.
#[derive(Clone, Default)]
pub struct ProxyOptions {
    /// An explicit proxy (`--proxy` / `proxy =`): used for every host, loopback included,
    /// unless the no-proxy list names it. Tests use it to put a proxy in front of the emulator.
    pub explicit: Option<String>,
    /// An explicit no-proxy list (`--noproxy`, trcli's name); else `NO_PROXY` / `no_proxy`.
    pub no_proxy: Option<String>,
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` (either case) as found.
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for ProxyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Proxy URLs may hold `user:pass@`: show only what `shown_proxy` keeps.
        f.debug_struct("ProxyOptions")
            .field("explicit", &self.explicit.as_deref().map(shown_proxy))
            .field("no_proxy", &self.no_proxy)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

const PROXY_VARS: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

impl ProxyOptions {
    /// The proxy variables of this process's environment.
    pub fn from_env() -> ProxyOptions {
        let env = PROXY_VARS
            .iter()
            .filter_map(|name| {
                let value = std::env::var(name).ok()?;
                (!value.trim().is_empty()).then(|| ((*name).to_owned(), value))
            })
            .collect();
        ProxyOptions {
            env,
            ..ProxyOptions::default()
        }
    }

    fn var(&self, names: &[&str]) -> Option<(&str, &str)> {
        names.iter().find_map(|name| {
            self.env
                .iter()
                .find(|(k, _)| k == name)
                .map(|(k, v)| (k.as_str(), v.as_str()))
        })
    }
}

/// The proxy a client goes through.
#[derive(Clone)]
pub(crate) struct ChosenProxy {
    /// As configured, credentials included: only ever handed to reqwest.
    pub(crate) url: String,
    /// `http://proxy.corp:3128`: safe to print.
    pub(crate) shown: String,
    /// Where it came from: `--proxy`, `HTTPS_PROXY`, …
    pub(crate) source: String,
}

/// Picks the proxy for `target` like curl does: an explicit proxy first, else `HTTPS_PROXY`
/// (or `HTTP_PROXY` for http) then `ALL_PROXY`; none when the no-proxy list matches the host
/// (`*` matches every host, IP literals and CIDR ranges included). Environment proxies are
/// skipped for loopback targets so the emulator and `demo` never go through a company proxy.
pub(crate) fn choose_proxy(
    options: &ProxyOptions,
    target: &Url,
) -> Result<Option<ChosenProxy>, ApiError> {
    let host = target.host_str().unwrap_or_default();
    let no_proxy = options
        .no_proxy
        .as_deref()
        .or_else(|| options.var(&["NO_PROXY", "no_proxy"]).map(|(_, v)| v));
    if no_proxy.is_some_and(|list| no_proxy_matches(list, host)) {
        return Ok(None);
    }
    let (source, url) = if let Some(explicit) = &options.explicit {
        ("--proxy".to_owned(), explicit.clone())
    } else {
        if crate::host::host_is_loopback(target.as_str()) {
            return Ok(None);
        }
        let names: &[&str] = if target.scheme() == "https" {
            &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        } else {
            &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        };
        match options.var(names) {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => return Ok(None),
        }
    };
    let url = url.trim().to_owned();
    let with_scheme = if url.contains("://") {
        url
    } else {
        // curl's default for a bare `host:port`.
        format!("http://{url}")
    };
    if Url::parse(&with_scheme).is_err() {
        return Err(ApiError::InvalidProxy {
            source_name: source,
            proxy: shown_proxy(&with_scheme),
        });
    }
    Ok(Some(ChosenProxy {
        shown: shown_proxy(&with_scheme),
        url: with_scheme,
        source,
    }))
}

/// `scheme://host:port` of a proxy URL: no user, no password, no path.
pub(crate) fn shown_proxy(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("?");
            match url.port_or_known_default() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            }
        }
        // Unparsable: keep only what precedes any `@` so a password cannot slip through.
        Err(_) => match raw.rsplit_once('@') {
            Some((_, after)) => format!("…@{after}"),
            None => raw.to_owned(),
        },
    }
}

/// curl's `NO_PROXY` rules: comma- or space-separated; `*` alone matches everything; a name
/// matches itself and its subdomains (a leading dot is optional); IPs match exactly or by CIDR;
/// IPv6 literals may be written with or without brackets; a `:port` suffix is ignored.
pub(crate) fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host_ip = host.parse::<IpAddr>().ok();
    list.split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            match host_ip {
                Some(ip) => ip_entry_matches(entry, ip),
                None => name_entry_matches(entry, host),
            }
        })
}

fn ip_entry_matches(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim_start_matches('[');
    let (addr, prefix) = match entry.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (entry, None),
    };
    // `[::1]:8080` or `10.0.0.1:8080`: drop the port (a bare IPv6 keeps its colons).
    let addr = match addr.split_once(']') {
        Some((inside, _)) => inside,
        None if addr.matches(':').count() == 1 => addr.split(':').next().unwrap_or(addr),
        None => addr,
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match prefix {
        None => net == ip,
        Some(bits) => same_prefix(net, ip, bits),
    }
}

fn same_prefix(net: IpAddr, ip: IpAddr, bits: u8) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

fn name_entry_matches(entry: &str, host: &str) -> bool {
    let entry = entry.split(':').next().unwrap_or(entry);
    let entry = entry.trim_start_matches("*.").trim_start_matches('.');
    if entry.is_empty() {
        return false;
    }
    let host = host.to_ascii_lowercase();
    let entry = entry.to_ascii_lowercase();
    host == entry || host.ends_with(&format!(".{entry}"))
}

/// Builds the TLS and proxy part of the reqwest client.
pub(crate) fn configure(
    mut builder: reqwest::ClientBuilder,
    tls: &TlsOptions,
    proxy: Option<&ChosenProxy>,
) -> Result<reqwest::ClientBuilder, ApiError> {
    // Our own choice replaces reqwest's reading of the environment (which would also proxy
    // loopback and ignores `NO_PROXY=*` for IP literals).
    builder = builder.no_proxy();
    if let Some(chosen) = proxy {
        let proxy =
            reqwest::Proxy::all(chosen.url.as_str()).map_err(|_| ApiError::InvalidProxy {
                source_name: chosen.source.clone(),
                proxy: chosen.shown.clone(),
            })?;
        builder = builder.proxy(proxy);
    }
    let tls_setting = |setting: &str, path: &PathBuf, cause: String| ApiError::TlsSetting {
        setting: setting.to_owned(),
        path: path.clone(),
        cause,
    };
    let mut extra = Vec::new();
    for path in &tls.ca_certs {
        let pem = std::fs::read(path).map_err(|e| tls_setting("ca_cert", path, e.to_string()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| tls_setting("ca_cert", path, e.to_string()))?;
        if certs.is_empty() {
            return Err(tls_setting(
                "ca_cert",
                path,
                "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
            ));
        }
        extra.extend(certs);
    }
    if !extra.is_empty() {
        builder = builder.tls_certs_merge(extra);
    }
    if tls.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(cert_path) = &tls.client_cert {
        let mut pem = std::fs::read(cert_path)
            .map_err(|e| tls_setting("client_cert", cert_path, e.to_string()))?;
        if let Some(key_path) = &tls.client_key {
            let key = std::fs::read(key_path)
                .map_err(|e| tls_setting("client_key", key_path, e.to_string()))?;
            pem.push(b'\n');
            pem.extend(key);
        }
        let identity = reqwest::Identity::from_pem(&pem).map_err(|_| {
            tls_setting(
                "client_cert",
                cert_path,
                "no usable PEM certificate and private key (give the key with --client-key if it is in its own file)".into(),
            )
        })?;
        builder = builder.identity(identity);
    } else if let Some(key_path) = &tls.client_key {
        return Err(tls_setting(
            "client_key",
            key_path,
            "a client key needs its certificate: add --client-cert FILE".into(),
        ));
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(env: &[(&str, &str)]) -> ProxyOptions {
        ProxyOptions {
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ProxyOptions::default()
        }
    }

    fn chosen(o: &ProxyOptions, target: &str) -> Option<String> {
        choose_proxy(o, &Url::parse(target).unwrap())
            .unwrap()
            .map(|c| c.shown)
    }

    #[test]
    fn no_proxy_follows_curl() {
        assert!(no_proxy_matches("*", "10.1.2.3"));
        assert!(no_proxy_matches("*", "[::1]"));
        assert!(no_proxy_matches("*", "tr.corp"));
        assert!(no_proxy_matches("corp", "tr.corp"));
        assert!(no_proxy_matches(".corp", "tr.corp"));
        assert!(!no_proxy_matches("corp", "trcorp"));
        assert!(no_proxy_matches("a.b, 10.0.0.0/8", "10.9.9.9"));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
        assert!(no_proxy_matches("::1", "[::1]"));
        assert!(no_proxy_matches("[::1]", "::1"));
        assert!(no_proxy_matches("fd00::/8", "[fd12::5]"));
        assert!(!no_proxy_matches("fd00::/8", "[fe80::1]"));
        assert!(no_proxy_matches("tr.corp:443", "tr.corp"));
        assert!(!no_proxy_matches("", "tr.corp"));
    }

    #[test]
    fn the_proxy_is_chosen_like_curl_and_shown_without_credentials() {
        let o = opts(&[
            ("HTTPS_PROXY", "http://bob:s3cret@proxy.corp:3128"),
            ("ALL_PROXY", "socks5://other:1080"),
        ]);
        assert_eq!(
            chosen(&o, "https://tr.example.com").as_deref(),
            Some("http://proxy.corp:3128")
        );
        assert_eq!(
            chosen(&o, "http://tr.example.com").as_deref(),
            Some("socks5://other:1080")
        );
        // Environment proxies never carry loopback traffic; an explicit one does.
        assert_eq!(chosen(&o, "https://127.0.0.1:8443"), None);
        let explicit = ProxyOptions {
            explicit: Some("127.0.0.1:9".into()),
            ..o.clone()
        };
        assert_eq!(
            chosen(&explicit, "https://127.0.0.1:8443").as_deref(),
            Some("http://127.0.0.1:9")
        );
        let star = opts(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "*")]);
        assert_eq!(chosen(&star, "https://10.0.0.5"), None);
        assert_eq!(chosen(&star, "https://[fd00::5]"), None);
        assert!(!format!("{o:?}").contains("s3cret"));
    }

    #[test]
    fn shown_proxies_never_hold_passwords() {
        assert_eq!(
            shown_proxy("http://u:pw@p.corp:8080/x"),
            "http://p.corp:8080"
        );
        assert_eq!(shown_proxy("http://p.corp"), "http://p.corp:80");
        assert!(!shown_proxy("::bad::u:pw@h").contains("pw"));
    }
}
