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
    for line in created_lines(summary, field) {
        eprintln!("{line}");
    }
}

fn created_lines(summary: &Summary, field: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if summary.created_cases.is_empty() {
        return lines;
    }
    for s in &summary.created_sections {
        lines.push(format!("Created section \"{s}\""));
    }
    let count = summary.created_cases.len();
    let noun = if count == 1 { "case" } else { "cases" };
    lines.push(format!(
        "Created {count} {noun} (automation ID in {field}):"
    ));
    // A first sync of a big suite creates thousands: the terminal gets a sample, the JSON
    // summary (`created_cases`) every one of them.
    for c in summary.created_cases.iter().take(CREATED_LISTED) {
        lines.push(format!(
            "  C{}  {}  (section \"{}\", title \"{}\")",
            c.case_id, c.automation_id, c.section, c.title
        ));
    }
    if count > CREATED_LISTED {
        lines.push(format!(
            "  … and {} more (all of them: --format json, `created_cases`)",
            count - CREATED_LISTED
        ));
    }
    lines
}

/// How many created cases the human output lists one by one.
const CREATED_LISTED: usize = 20;

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

#[cfg(test)]
mod tests {
    use testrail_sync::new_cases::CreatedCase;

    use super::*;

    fn summary_with(created: usize) -> Summary {
        Summary {
            created_cases: (0..created as u64)
                .map(|i| CreatedCase {
                    case_id: 100 + i,
                    automation_id: format!("shop.test_{i}"),
                    title: format!("test_{i}"),
                    section: "shop".into(),
                })
                .collect(),
            ..Summary::default()
        }
    }

    #[test]
    fn one_created_case_is_one_case_and_thousands_are_a_sample() {
        let one = created_lines(&summary_with(1), "custom_automation_id");
        assert_eq!(
            one[0],
            "Created 1 case (automation ID in custom_automation_id):"
        );
        let many = created_lines(&summary_with(2000), "custom_automation_id");
        assert_eq!(many.len(), 1 + CREATED_LISTED + 1, "{many:?}");
        assert!(many[0].starts_with("Created 2000 cases"));
        assert!(many.last().unwrap().contains("1980 more"), "{many:?}");
        assert!(created_lines(&summary_with(0), "f").is_empty());
    }
}
