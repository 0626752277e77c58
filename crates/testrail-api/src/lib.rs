//! testrail-api: typed TestRail API v2 models and the one async [`Client`] every other part uses.
//!
//! Owns: URLs and auth, JSON (de)serialisation, pagination, retries with backoff, client-side
//! pacing, secret handling and error messages a user can act on.
//! Must not know: report formats, case-ID mapping, or how a sync is planned.

mod client;
mod core;
pub mod error;
pub mod models;
mod pacer;
mod pagination;
pub mod retry;
pub mod secret;

pub use client::{Client, ClientConfig, DEFAULT_RATE_LIMIT_PER_MINUTE};
pub use core::RequestStats;
pub use error::ApiError;
pub use retry::RetryPolicy;
pub use secret::ApiKey;
