//! Company-network pieces in front of the emulator, all on 127.0.0.1: a TLS terminator using a
//! private CA (tests/fixtures/tls, made by its gen.sh), optionally demanding a client
//! certificate, and a CONNECT proxy that can demand credentials (407). Each counts what it saw,
//! so a test can assert that the fault it is about actually happened.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub fn tls_fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name);
    assert!(
        path.is_file(),
        "missing fixture {} (run its gen.sh)",
        path.display()
    );
    path
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Counts handshakes started at the TLS front.
#[derive(Clone, Default)]
pub struct Seen {
    pub connections: Arc<AtomicU64>,
    /// For the proxy: CONNECT targets, and whether credentials came.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Seen {
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// `https://127.0.0.1:PORT` serving the emulator at `backend` with the private CA's server
/// certificate; with `require_client_cert`, only clients holding a certificate of that CA.
pub async fn tls_front(backend: &str, require_client_cert: bool) -> (String, Seen) {
    tls_front_on("127.0.0.1:0", backend, require_client_cert).await
}

/// [`tls_front`] listening on `bind` (`[::1]:0` for an IPv6 literal host).
pub async fn tls_front_on(bind: &str, backend: &str, require_client_cert: bool) -> (String, Seen) {
    let backend: SocketAddr = backend
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(tls_fixture("server.pem"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_fixture("server.key")).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_file_iter(tls_fixture("ca.pem")).unwrap() {
            roots.add(ca.unwrap()).unwrap();
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder.with_single_cert(certs, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.connections.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    (format!("https://{addr}"), seen)
}

/// A CONNECT proxy on 127.0.0.1; with `credentials` (base64 of `user:pass`) it answers 407 to
/// any CONNECT without exactly those. Records `CONNECT host:port [auth|no auth]` per request.
pub async fn connect_proxy(credentials: Option<&'static str>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            log.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_connect(socket, credentials, log.clone()));
        }
    });
    (format!("http://127.0.0.1:{}", addr.port()), seen)
}

async fn serve_connect(mut socket: TcpStream, credentials: Option<&'static str>, seen: Seen) {
    let Some(head) = read_head(&mut socket).await else {
        return;
    };
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("CONNECT "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("")
        .to_owned();
    let auth = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("proxy-authorization:"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().trim_start_matches("Basic ").to_owned());
    seen.requests.lock().unwrap().push(format!(
        "CONNECT {target} {}",
        if auth.is_some() { "auth" } else { "no auth" }
    ));
    if let Some(expected) = credentials
        && auth.as_deref() != Some(expected)
    {
        let _ = socket
            .write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n",
            )
            .await;
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(target.as_str()).await else {
        let _ = socket.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    if socket
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut socket, &mut upstream).await;
}

async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 16 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// A web server on 127.0.0.1 that answers every request with `response` (a full HTTP/1.1
/// answer) and counts them: a redirecting front, an SSO login page.
pub async fn canned(response: &'static str) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                while let Some(head) = read_head(&mut socket).await {
                    counter.connections.fetch_add(1, Ordering::SeqCst);
                    let line = head.lines().next().unwrap_or("").to_owned();
                    counter.requests.lock().unwrap().push(line);
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://127.0.0.1:{}", addr.port()), seen)
}
