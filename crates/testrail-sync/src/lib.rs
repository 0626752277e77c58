//! testrail-sync (engine): turns test executions into TestRail results, exactly once.
//!
//! Owns: collecting executions per case, status mapping, aggregation, comments and elapsed
//! (the pure plan), then the apply step — run creation/reuse, batching, ambiguity resolution,
//! the resume journal — and the summary.
//! Must not know: report file formats (testrail-reports does), HTTP details (testrail-api
//! does), command-line parsing or terminal output (the CLI does).

mod attachments;
pub mod ci;
pub mod collect;
mod context;
pub mod error;
pub mod journal;
pub mod options;
mod poster;
mod reading;
pub mod results;
mod run_naming;
mod run_opening;
mod shared_run;
pub mod statuses;
pub mod summary;
mod sync;
pub mod target;
mod test_plans;
pub mod text;
pub mod write_plan;

pub use ci::CiInfo;
pub use collect::{Collected, Collector};
pub use error::{Exit, SyncError};
pub use options::*;
pub use reading::{ReportInput, by_title, collect_reports, read_each, read_reports, titles};
pub use run_opening::{OpenedRun, RunScope, open_run};
pub use summary::{Progress, Quiet, Summary};
pub use sync::sync;
pub use target::{ResolvedTarget, resolve_target};
pub use write_plan::{PlannedCall, RunAction, WritePlan};
