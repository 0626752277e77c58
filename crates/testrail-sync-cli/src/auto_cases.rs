//! `report --case-matcher auto [--create-cases]`: the CLI's side of trcli's default workflow.
//! The engine reads by automation ID (`testrail_sync::auto_match`) and, with `--create-cases`,
//! plans and creates the missing cases through its write plan (`testrail_sync::new_cases`), so
//! `--dry-run` lists them in `planned_calls`. This module only prints what people need to see
//! on stderr (ambiguous automation IDs, the cases created) and keeps the case index current.

use std::collections::BTreeMap;

use testrail_api::models::Extra;
use testrail_sync::Summary;
use testrail_sync::auto_match::AutoReport;
use testrail_sync::case_index::CaseIndex;

use crate::cases;
use crate::fail::Failure;

/// Ambiguous automation IDs, on stderr so `--format json` output stays one document.
pub fn print_ambiguous(report: &AutoReport) {
    if report.ambiguous.is_empty() {
        return;
    }
    eprintln!(
        "{} automation IDs are carried by several cases, so their tests were left unmapped \
         (which case is meant would be a guess); give each case its own automation ID \
         ({}) or delete the duplicates:",
        report.ambiguous.len(),
        report.field
    );
    for a in &report.ambiguous {
        let ids: Vec<String> = a.case_ids.iter().map(|i| format!("C{i}")).collect();
        eprintln!(
            "  ambiguous  {}  ->  {}  ({}, {})",
            a.automation_id,
            ids.join(", "),
            a.test,
            a.location
        );
    }
}

/// The sections and cases the sync created (a dry run lists them in its plan instead).
pub fn print_created(summary: &Summary, field: &str) {
    if summary.created_cases.is_empty() {
        return;
    }
    for s in &summary.created_sections {
        eprintln!("Created section \"{s}\"");
    }
    eprintln!(
        "Created {} cases (automation ID in {field}):",
        summary.created_cases.len()
    );
    for c in &summary.created_cases {
        eprintln!(
            "  C{}  {}  (section \"{}\", title \"{}\")",
            c.case_id, c.automation_id, c.section, c.title
        );
    }
}

/// After a sync: the index learns the cases it created, or is dropped when TestRail refused a
/// case ID it had handed out (deleted cases never show in `updated_after`).
pub fn update_index(index: &mut CaseIndex, report: &AutoReport, summary: &Summary) {
    if report.stale(&summary.unknown_case_ids) {
        index.invalidate();
    } else if !summary.created_case_records.is_empty() {
        index.add(&summary.created_case_records);
    }
}

/// `--case-field` values in a map, as `cases create` reads them.
pub fn case_field_flags(flags: &[String]) -> Result<Extra, Failure> {
    Ok(cases::case_fields(flags)?
        .into_iter()
        .collect::<BTreeMap<_, _>>())
}
