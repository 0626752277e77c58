//! Company-network settings from flags > config file (> the environment, read by the client):
//! private CAs, `--insecure`, client certificates, the proxy.

use testrail_api::{ClientConfig, ProxyOptions, TlsOptions};

use crate::cli::Connection;
use crate::config::FileConfig;

/// Fills the TLS and proxy parts of the client's config; warns about `--insecure` every time.
pub fn apply(conn: &Connection, file: &FileConfig, config: &mut ClientConfig) {
    let insecure = conn.insecure || file.insecure == Some(true);
    if insecure {
        // Not silenced by -q: a CI log must show every run that skipped the check.
        eprintln!(
            "WARNING: --insecure: TestRail's TLS certificate is NOT checked; anyone on the network \
             path can read the API key. Use --ca-cert FILE for a company CA instead."
        );
    }
    config.tls = TlsOptions {
        ca_certs: conn
            .ca_cert
            .clone()
            .or(file.ca_cert.clone())
            .into_iter()
            .collect(),
        insecure,
        client_cert: conn.client_cert.clone().or(file.client_cert.clone()),
        client_key: conn.client_key.clone().or(file.client_key.clone()),
    };
    let mut proxy = ProxyOptions::from_env();
    proxy.explicit = conn.proxy.clone().or(file.proxy.clone());
    proxy.no_proxy = conn.noproxy.clone().or(file.no_proxy.clone());
    for (_, value) in proxy
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(proxy.explicit.as_deref().map(|v| ("--proxy", v)))
    {
        register_proxy_password(value);
    }
    config.proxy = proxy;
}

/// A proxy URL's password (`http://user:PASSWORD@host`) is a secret like the API key.
fn register_proxy_password(url: &str) {
    let Some((userinfo, _)) = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .and_then(|rest| rest.rsplit_once('@'))
    else {
        return;
    };
    if let Some((_, password)) = userinfo.split_once(':') {
        crate::errors::register_secret(password);
    }
}
