//! testrail-api: typed TestRail API v2 models and the one async [`Client`] every other part uses.
//!
//! Owns: URLs and auth, JSON (de)serialisation, pagination, retries with backoff, client-side
//! pacing, secret handling and error messages a user can act on.
//! Must not know: report formats, case-ID mapping, or how a sync is planned.
//!
//! ```no_run
//! use testrail_api::{ApiKey, Client, ClientConfig};
//! # async fn demo() -> Result<(), testrail_api::ApiError> {
//! let client = Client::new(ClientConfig::new(
//!     "https://example.testrail.io",
//!     "ci@example.com",
//!     ApiKey::new(std::env::var("TESTRAIL_API_KEY").unwrap_or_default()),
//! ))?;
//! let cases = client.get_cases(1, Some(2)).await?; // every page, paced and retried
//! match client.add_run(1, &Default::default()).await {
//!     Err(e) if e.is_ambiguous() => { /* may exist: look before creating another */ }
//!     other => { other?; }
//! }
//! # let _ = cases; Ok(()) }
//! ```

mod client;
mod core;
mod endpoints;
pub mod error;
pub mod fields;
mod host;
pub mod models;
pub mod network;
mod pacer;
mod pagination;
pub mod retry;
pub mod secret;

pub use client::{Client, ClientConfig, DEFAULT_RATE_LIMIT_PER_MINUTE, Timed};
pub use core::{MAX_RESPONSE_BYTES, RequestStats};
pub use error::{ApiError, ErrorKind};
pub use network::{ProxyOptions, TlsOptions};
pub use retry::RetryPolicy;
pub use secret::{ApiKey, SecretForms};
