//! testrail-reports: streaming readers that turn test reports into [`TestExecution`]s.
//!
//! Owns: format sniffing, JUnit XML in its dialects, Robot output.xml, Cucumber JSON, TAP, CTRF,
//! safe XML handling, `path:line:col` errors, and case-ID extraction from names/properties/tags.
//! Must not know: HTTP, TestRail, statuses or how results are posted.

pub mod execution;

pub use execution::{Outcome, ReportLocation, Sink, TestExecution};
