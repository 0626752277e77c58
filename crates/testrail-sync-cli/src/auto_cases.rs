//! `report --case-matcher auto [--create-cases]`: trcli's default workflow. Tests carry no case
//! IDs; each maps to the suite's case whose automation ID field equals the test's automation ID
//! (see `testrail_reports::automation_id`), read from a local case index instead of every page
//! of the suite. With `--create-cases`, a test no case has gets one — in a section per test
//! suite, the automation ID set — reusing `cases create`'s section logic. Only this module
//! knows the workflow; the engine sees ordinary case IDs.
//!
//! Where it sits: a pre-pass before the engine's sync, like `--match-by-title` was. Mapping
//! could move behind the engine's `ReportInput`; creating cases belongs in the write plan's
//! `cases_to_create` slot, which first needs the result plan to carry the executions of tests
//! whose case does not exist yet (they get their IDs only when the cases are created). Until
//! then the dry run lists the cases and sections here (stderr), not in `planned_calls`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use testrail_api::Client;
use testrail_api::models::{Case, CaseFields, Extra, Field, Id, Section};
use testrail_reports::{CaseIdMatcher, TestExecution};
use testrail_sync::automation::{AutomationIndex, Lookup, automation_field};
use testrail_sync::case_index::CaseIndex;
use testrail_sync::preflight::{FieldKind, FieldRules};
use testrail_sync::{Collected, Collector, ReportInput, SyncError, SyncOptions};

use crate::cases::{self, Target};
use crate::fail::{Failure, bad_input};

/// trcli's longest case title.
const MAX_TITLE: usize = 250;

/// What `--create-cases` asks for.
pub struct CreateSpec {
    /// Fields for every new case (`--case-field KEY=VALUE`).
    pub fields: Extra,
}

/// Where the auto matcher reads from and what it may write.
pub struct AutoSettings<'a> {
    /// The reports (its matcher is not used: the automation ID decides).
    pub input: &'a ReportInput,
    pub options: &'a SyncOptions,
    /// Where the case index lives; `None` keeps none.
    pub cache_dir: Option<&'a Path>,
    pub create: Option<CreateSpec>,
}

/// Several cases carry one automation ID: the test is left unmapped, never guessed.
#[derive(Debug, Clone, Serialize)]
pub struct Ambiguous {
    pub automation_id: String,
    pub case_ids: Vec<Id>,
    pub test: String,
    pub location: String,
}

/// A case `--create-cases` made (or, in a dry run, would make).
#[derive(Debug, Clone, Serialize)]
pub struct NewCase {
    pub automation_id: String,
    pub title: String,
    pub section: String,
    /// `None` in a dry run.
    pub case_id: Option<Id>,
}

/// What the auto matcher did, besides the executions it hands to the engine.
#[derive(Debug, Default, Serialize)]
pub struct AutoReport {
    pub field: String,
    pub cases_known: usize,
    pub ambiguous: Vec<Ambiguous>,
    pub new_sections: Vec<String>,
    pub new_cases: Vec<NewCase>,
    /// Case IDs that came from the index: if TestRail refuses one, the index is stale.
    #[serde(skip)]
    pub from_index: BTreeSet<Id>,
}

/// Reads the reports, mapping each test by automation ID; creates missing cases when asked
/// (not in a dry run). Returns the executions, the report of what happened and the index.
pub async fn read_matching_automation_ids(
    client: &Client,
    settings: AutoSettings<'_>,
) -> Result<(Collected, AutoReport, CaseIndex), Failure> {
    let options = settings.options;
    let target = cases::resolve(client, &options.project, options.suite.as_ref()).await?;
    let fields = client
        .get_case_fields()
        .await
        .map_err(|e| SyncError::api("reading the case fields (get_case_fields)", e))?;
    let field = automation_field(&fields, target.project_id)?;
    let new_case_fields = match &settings.create {
        Some(spec) => Some(new_case_fields(
            &fields,
            target.project_id,
            &field,
            &spec.fields,
        )?),
        None => None,
    };
    let mut index = CaseIndex::load(
        client,
        settings.cache_dir,
        target.project_id,
        target.suite_id,
    )
    .await?;
    let mut by_automation_id = AutomationIndex::new(
        index
            .cases()
            .filter_map(|c| c.automation_id.as_deref().map(|a| (c.id, a))),
    );
    let mut report = AutoReport {
        field: field.clone(),
        cases_known: index.len(),
        ..AutoReport::default()
    };

    let matcher = CaseIdMatcher::tagged_only();
    let mut collector = Collector::new(&matcher, options);
    // Tests no case has yet, held (only with --create-cases) until their case exists.
    let mut held: Vec<(String, TestExecution)> = Vec::new();
    let mut ambiguous_seen = BTreeSet::new();
    {
        let mut sink = |mut e: TestExecution| {
            let automation_id = e.automation_id().into_owned();
            // trcli's auto matcher ignores IDs in names and tags: the automation ID decides.
            e.tagged_case_ids.clear();
            match by_automation_id.lookup(&automation_id) {
                Lookup::One(id) => {
                    e.tagged_case_ids.push(id);
                    report.from_index.insert(id);
                    collector.add(e);
                }
                Lookup::Ambiguous(ids) => {
                    if ambiguous_seen.insert(automation_id.clone()) {
                        report.ambiguous.push(Ambiguous {
                            automation_id,
                            case_ids: ids.to_vec(),
                            test: e.full_name(),
                            location: e.location.to_string(),
                        });
                    }
                    collector.add(e);
                }
                Lookup::None if settings.create.is_some() => held.push((automation_id, e)),
                Lookup::None => collector.add(e),
            }
        };
        testrail_sync::read_each(settings.input, &mut sink)?;
    }
    if let Some(case_fields) = new_case_fields
        && !held.is_empty()
    {
        let created = create_missing(
            client,
            &target,
            &field,
            &case_fields,
            &held,
            options.dry_run,
            &mut report,
        )
        .await?;
        for (automation_id, id) in created.iter().map(|c| (c.1.as_str(), c.0.id)) {
            by_automation_id.insert(automation_id, id);
        }
        index.add(&created.into_iter().map(|c| c.0).collect::<Vec<_>>());
    }
    for (automation_id, mut e) in held {
        if let Lookup::One(id) = by_automation_id.lookup(&automation_id) {
            e.tagged_case_ids.push(id);
        }
        collector.add(e);
    }
    print_report(&report, options.dry_run);
    Ok((collector.collected, report, index))
}

/// One case to create: the first test with an automation ID decides title and section.
struct Planned {
    automation_id: String,
    title: String,
    path: Vec<String>,
}

fn plan(held: &[(String, TestExecution)]) -> Vec<Planned> {
    let mut seen = BTreeSet::new();
    held.iter()
        .filter(|(automation_id, _)| seen.insert(automation_id.clone()))
        .map(|(automation_id, e)| {
            let mut title = trcli_title(&e.name);
            if title.trim().is_empty() {
                // TestRail requires a title; a nameless test still has its automation ID.
                title = trcli_title(automation_id);
            }
            Planned {
                automation_id: automation_id.clone(),
                title,
                path: section_path(e),
            }
        })
        .collect()
}

/// The sections a test's case goes into: its suites, nested as the report nests them. A test
/// outside any named suite (TAP, CTRF, a nameless `<testsuite>`) goes by its class, else into
/// "Automated tests".
fn section_path(e: &TestExecution) -> Vec<String> {
    if !e.suite_path.is_empty() {
        return e.suite_path.to_vec();
    }
    let fallback = if e.classname.trim().is_empty() {
        "Automated tests"
    } else {
        e.classname.trim()
    };
    vec![fallback.to_owned()]
}

/// Creates sections and cases for the held tests (or, in a dry run, lists them).
async fn create_missing(
    client: &Client,
    target: &Target,
    field: &str,
    case_fields: &Extra,
    held: &[(String, TestExecution)],
    dry_run: bool,
    report: &mut AutoReport,
) -> Result<Vec<(Case, String)>, Failure> {
    let planned = plan(held);
    let mut sections: Vec<Section> = client
        .get_sections(target.project_id, Some(target.suite_id))
        .await
        .map_err(|e| SyncError::api("reading the suite's sections (get_sections)", e))?;
    let mut would_create: BTreeSet<String> = BTreeSet::new();
    let mut created = Vec::new();
    for p in planned {
        let (existing, to_create) = cases::walk(&sections, &p.path);
        let section_name = p.path.join("/");
        if dry_run {
            for &i in &to_create {
                if would_create.insert(p.path[..=i].join("/")) {
                    report.new_sections.push(p.path[..=i].join("/"));
                }
            }
            report.new_cases.push(NewCase {
                automation_id: p.automation_id,
                title: p.title,
                section: section_name,
                case_id: None,
            });
            continue;
        }
        let section_id = if to_create.is_empty() {
            existing.expect("a found path has a deepest section")
        } else {
            let (id, made) = cases::create_sections(
                client,
                target,
                &p.path,
                existing,
                &to_create,
                "Created by testrail-sync report --create-cases",
            )
            .await?;
            for s in made {
                report.new_sections.push(s.path);
                sections.push(s.section);
            }
            id
        };
        let mut custom = case_fields.clone();
        custom.insert(field.to_owned(), Value::String(p.automation_id.clone()));
        let fields = CaseFields {
            title: Some(p.title.clone()),
            custom,
            ..CaseFields::default()
        };
        let case = client
            .add_case(section_id, &fields)
            .await
            .map_err(|e| SyncError::api(format!("creating a case for {}", p.automation_id), e))?;
        report.new_cases.push(NewCase {
            automation_id: p.automation_id.clone(),
            title: p.title,
            section: section_name,
            case_id: Some(case.id),
        });
        created.push((case, p.automation_id));
    }
    Ok(created)
}

/// trcli's case title: the last words of the test name that fit in 250 characters, words split
/// at spaces, tabs and `;:>/.`; the name's tail when no word fits.
fn trcli_title(name: &str) -> String {
    let words: Vec<&str> = name
        .split([' ', '\t', ';', ':', '>', '/', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut length = 0;
    for word in words.iter().rev() {
        let n = word.chars().count();
        if length + n > MAX_TITLE {
            break;
        }
        kept.push(word);
        length += n + 1;
    }
    kept.reverse();
    let title = kept.join(" ");
    if title.trim().is_empty() {
        let chars: Vec<char> = name.chars().collect();
        return chars[chars.len().saturating_sub(MAX_TITLE)..]
            .iter()
            .collect();
    }
    title
}

/// The fields every new case gets: the user's `--case-field`s and the automation ID,
/// checked with the same rules `cases create` uses (labels → IDs, types, every field the
/// project requires), so a required field nobody gives stops everything before the first case.
fn new_case_fields(
    fields: &[Field],
    project_id: Id,
    automation_field: &str,
    given: &Extra,
) -> Result<Extra, Failure> {
    let rules = FieldRules::for_project(FieldKind::Case, fields, project_id).for_template(1);
    let mut values = given.clone();
    // A placeholder for the check; each case gets its own automation ID.
    values.insert(automation_field.to_owned(), Value::String("x".into()));
    let mut resolved = rules
        .prepare(&values, "the cases --create-cases makes")
        .map_err(|e| bad_input(format!("--create-cases: {e} (nothing was created)")))?;
    resolved.remove(automation_field);
    Ok(resolved)
}

/// The auto matcher's own lines, on stderr so `--format json` output stays one document.
fn print_report(report: &AutoReport, dry_run: bool) {
    if !report.ambiguous.is_empty() {
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
    if report.new_cases.is_empty() {
        return;
    }
    let verb = if dry_run { "Would create" } else { "Created" };
    for s in &report.new_sections {
        eprintln!("{verb} section \"{s}\"");
    }
    eprintln!(
        "{verb} {} cases (automation ID in {}):",
        report.new_cases.len(),
        report.field
    );
    for c in &report.new_cases {
        let id = c.case_id.map_or("new".to_owned(), |i| format!("C{i}"));
        eprintln!(
            "  {id}  {}  (section \"{}\", title \"{}\")",
            c.automation_id, c.section, c.title
        );
    }
}

/// One line per ambiguous automation ID, for the summary's warnings.
pub fn warnings(report: &AutoReport) -> Vec<String> {
    report
        .ambiguous
        .iter()
        .map(|a| {
            let ids: Vec<String> = a.case_ids.iter().map(|i| format!("C{i}")).collect();
            format!(
                "automation ID {} is carried by {}: {} ({}) left unmapped",
                a.automation_id,
                ids.join(", "),
                a.test,
                a.location
            )
        })
        .collect()
}

/// The report's case IDs TestRail refused and the index had handed out: the index is stale
/// (deleted cases never show in `updated_after`).
pub fn stale(report: &AutoReport, refused: &[Id]) -> bool {
    refused.iter().any(|id| report.from_index.contains(id))
}

/// `--case-field` values in a map, as `cases create` reads them.
pub fn case_field_flags(flags: &[String]) -> Result<Extra, Failure> {
    Ok(cases::case_fields(flags)?
        .into_iter()
        .collect::<BTreeMap<_, _>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trcli_last_words() {
        assert_eq!(trcli_title("test_login"), "test_login");
        assert_eq!(trcli_title("a.b: c  d"), "a b c d");
        let long = format!("{} end", "w".repeat(300));
        assert_eq!(trcli_title(&long), "end");
        assert_eq!(trcli_title(&"x".repeat(300)).chars().count(), MAX_TITLE);
    }
}
