//! `report --github-annotations`: one GitHub Actions error annotation (`::error title=…::…`)
//! per failed test, so failures show on the workflow run's page and the pull request.
//!
//! They come from the executions read from the reports (the sync summary only counts failures),
//! are printed after the summary, and go to stdout — or to stderr with `--format json`, so
//! stdout stays one JSON document (the runner reads workflow commands from both).

use std::collections::BTreeMap;

use testrail_reports::Outcome;
use testrail_sync::Collected;

use crate::cli::OutputFormat;

/// GitHub shows at most 10 error annotations per step and 50 per job; more is noise.
const MAX_ANNOTATIONS: usize = 50;
/// The message GitHub displays is short; a whole stack trace does not help there.
const MAX_MESSAGE_CHARS: usize = 1500;

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub test: String,
    pub case_ids: Vec<u64>,
    pub message: String,
}

/// Failed and errored executions, one per test (several case IDs are listed together).
pub fn failures(collected: &Collected) -> Vec<Failure> {
    let mut by_test: BTreeMap<(String, String), Failure> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for id in &collected.first_seen {
        let Some(briefs) = collected.cases.get(id) else {
            continue;
        };
        for b in &briefs.kept {
            if !matches!(b.outcome, Outcome::Failed | Outcome::Error) {
                continue;
            }
            let key = (b.name.clone(), b.location.clone());
            let entry = by_test.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                Failure {
                    test: b.name.clone(),
                    case_ids: Vec::new(),
                    message: message(b.message.as_deref(), b.details.as_deref(), &b.location),
                }
            });
            if !entry.case_ids.contains(id) {
                entry.case_ids.push(*id);
            }
        }
    }
    let mut out: Vec<Failure> = order
        .into_iter()
        .filter_map(|k| by_test.remove(&k))
        .collect();
    out.extend(
        collected
            .unmapped
            .iter()
            .filter(|u| matches!(u.outcome, "failed" | "error"))
            .map(|u| Failure {
                test: u.name.clone(),
                case_ids: Vec::new(),
                message: format!(
                    "{} (no TestRail case ID, so not in the run) at {}",
                    u.outcome, u.location
                ),
            }),
    );
    out
}

fn message(message: Option<&str>, details: Option<&str>, location: &str) -> String {
    let mut text = String::new();
    for part in [message, details].into_iter().flatten() {
        let part = part.trim();
        if !part.is_empty() && !text.contains(part) {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(part);
        }
    }
    if text.is_empty() {
        text = format!("failed (no message in the report) at {location}");
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        text = text.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "\n…";
    }
    text
}

pub fn print(failures: &[Failure], format: OutputFormat) {
    let lines = lines(failures);
    if lines.is_empty() {
        return;
    }
    let text = lines.join("\n");
    match format {
        OutputFormat::Json => eprintln!("{text}"),
        OutputFormat::Human => println!("{text}"),
    }
}

/// The workflow-command lines, at most [`MAX_ANNOTATIONS`] plus a notice for the rest.
pub fn lines(failures: &[Failure]) -> Vec<String> {
    let mut lines: Vec<String> = failures
        .iter()
        .take(MAX_ANNOTATIONS)
        .map(|f| {
            let ids: Vec<String> = f.case_ids.iter().map(|i| format!("C{i}")).collect();
            let title = if ids.is_empty() {
                format!("Failed: {}", f.test)
            } else {
                format!("Failed: {} ({})", f.test, ids.join(", "))
            };
            format!(
                "::error title={}::{}",
                escape_property(&title),
                escape_data(&f.message)
            )
        })
        .collect();
    if failures.len() > MAX_ANNOTATIONS {
        lines.push(format!(
            "::notice title=TestRail::{} more failed tests are not annotated; see the TestRail run",
            failures.len() - MAX_ANNOTATIONS
        ));
    }
    lines
}

/// The escaping GitHub's runner undoes for a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values (`title=`) also escape the separators of the property list.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_newlines_percent_and_separators() {
        let lines = lines(&[Failure {
            test: "tests.cart: add, remove".into(),
            case_ids: vec![7, 8],
            message: "expected 100%\nbut got 3".into(),
        }]);
        assert_eq!(
            lines,
            [
                "::error title=Failed%3A tests.cart%3A add%2C remove (C7%2C C8)::expected 100%25%0Abut got 3"
            ]
        );
    }

    #[test]
    fn more_than_fifty_failures_end_with_a_notice() {
        let many: Vec<Failure> = (0..60)
            .map(|i| Failure {
                test: format!("t{i}"),
                case_ids: vec![],
                message: "m".into(),
            })
            .collect();
        let out = lines(&many);
        assert_eq!(out.len(), 51);
        assert!(out[50].starts_with("::notice") && out[50].contains("10 more"));
    }
}
