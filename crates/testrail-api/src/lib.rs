//! testrail-api: typed TestRail API v2 models and the one async [`Client`] every other part uses.
//!
//! Owns: URLs and auth, JSON (de)serialisation, pagination, retries with backoff, client-side
//! pacing, secret handling and error messages a user can act on.
//! Must not know: report formats, case-ID mapping, or how a sync is planned.

pub mod models;
pub mod secret;

pub use secret::ApiKey;
