//! testrail-sync (engine): turns test executions into TestRail results, exactly once.
//!
//! Owns: collecting executions per case, status mapping, aggregation, comments and elapsed
//! (the pure plan), then the apply step — run creation/reuse, batching, ambiguity resolution,
//! the resume journal — and the summary.
//! Must not know: report file formats (testrail-reports does), HTTP details (testrail-api
//! does), command-line parsing or terminal output (the CLI does).

pub mod apply;
mod attachments;
pub mod ci;
pub mod collect;
pub mod error;
pub mod journal;
mod landing;
pub mod options;
pub mod plan;
mod plans;
mod poster;
mod server_model;
mod shared_run;
pub mod statuses;
pub mod summary;
pub mod text;

pub use apply::{OpenedRun, ResolvedTarget, RunScope, open_run, resolve_target, sync};
pub use ci::CiInfo;
pub use collect::{Collected, Collector};
pub use error::SyncError;
pub use options::*;
pub use summary::{Progress, Quiet, Summary};
