//! testrail-sync (engine): turns test executions into TestRail results, exactly once.
//!
//! Owns: reading reports into one collection per case (`reading`, `collect`), status mapping,
//! aggregation, comments and elapsed (`results`: the result bodies), the target (`target`),
//! the typed plan of writes decided after the reads (`write_plan`) that both the dry run and
//! the real sync consume (`sync`), opening runs (`run_opening`, `test_plans`, `shared_run`),
//! posting batches exactly once (`poster`), the resume journal and the summary.
//! Also the automation-ID matching trcli users rely on (`automation`, `auto_match`), the local
//! case index that keeps it cheap on big suites (`case_index`) and the cases `--create-cases`
//! makes through the write plan (`new_cases`).
//! Must not know: report file formats (testrail-reports does), HTTP details (testrail-api
//! does), command-line parsing or terminal output (the CLI does).

mod attachments;
pub mod auto_match;
pub mod automation;
pub mod case_index;
pub mod ci;
pub mod collect;
mod context;
pub mod error;
pub mod journal;
mod landing;
pub mod new_cases;
pub mod options;
mod poster;
pub mod preflight;
mod reading;
pub mod results;
mod run_naming;
mod run_opening;
mod server_model;
mod shared_run;
pub mod statuses;
pub mod summary;
mod sync;
pub mod target;
mod test_plans;
pub mod text;
pub mod workspace;
pub mod write_plan;

pub use auto_match::Prepared;
pub use ci::CiInfo;
pub use collect::{Collected, Collector};
pub use error::{Exit, SyncError};
pub use options::*;
pub use reading::{ReportInput, by_title, collect_reports, read_each, read_reports, titles};
pub use run_opening::{OpenedRun, RunScope, open_run};
pub use summary::{Progress, Quiet, Summary};
pub use sync::{sync, sync_prepared};
pub use target::{ResolvedTarget, resolve_target};
pub use write_plan::{PlannedCall, RunAction, WritePlan};
