//! `--create-cases`: cases (and the sections they go into) for tests no case has yet, decided
//! as part of the write plan and created before the run, exactly once.
//!
//! A test waiting for its case is read like any other, under a *provisional* case ID (one per
//! automation ID, far above any real ID): its results are aggregated, planned and batched before
//! the case exists, so the dry run's batch counts are the real sync's. Creating a case replaces
//! its provisional ID by the real one everywhere in the result plan; nothing with a provisional
//! ID is ever sent.
//!
//! Exactly once: a rerun finds the created cases by automation ID (the case index), so it plans
//! none. `add_case`/`add_section` are not retried by the client (a POST that timed out may have
//! landed); an ambiguous one is looked up by what it would have created (the automation ID in
//! the section, the section's name under its parent) before it is sent once more.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use testrail_api::models::{AddSection, Case, CaseFields, Extra, Field, Id, Section};
use testrail_reports::TestExecution;

use crate::automation::stored_value;
use crate::context::Context;
use crate::error::SyncError;
use crate::preflight::{FieldKind, FieldRules};
use crate::results::ResultPlan;
use crate::write_plan::{CaseToCreate, SectionToCreate};

/// Provisional case IDs start here: TestRail's IDs are 32-bit, so no real case is up here.
const PROVISIONAL_FROM: Id = 1 << 48;

/// trcli's longest case title.
const MAX_TITLE: usize = 250;

/// Recorded in the description of every section `--create-cases` makes.
const SECTION_DESCRIPTION: &str = "Created by testrail-sync report --create-cases";

/// Whether a case ID stands for a case still to be created.
pub fn is_provisional(id: Id) -> bool {
    id >= PROVISIONAL_FROM
}

/// A case to create: the first test with an automation ID decides title and section.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCase {
    /// The ID the test's results carry until the case exists.
    pub provisional: Id,
    /// The automation ID written into the new case.
    pub automation_id: String,
    /// Case title: trcli's form of the test name, at most 250 characters.
    pub title: String,
    /// Section path under the suite.
    pub section: Vec<String>,
}

/// What `--create-cases` creates, gathered while the reports are read.
#[derive(Debug, Clone, Default)]
pub struct CaseCreation {
    /// The case field that carries the automation ID (`custom_automation_id` or newer name).
    pub automation_field: String,
    /// Fields every new case gets, already checked against the project's case fields.
    pub fields: Extra,
    /// The cases to create, one per automation ID, in the order their tests were read.
    pub pending: Vec<PendingCase>,
    by_automation_id: BTreeMap<String, Id>,
}

impl CaseCreation {
    /// Nothing pending yet; `automation_field` and `fields` go into every new case.
    pub fn new(automation_field: String, fields: Extra) -> Self {
        CaseCreation {
            automation_field,
            fields,
            ..CaseCreation::default()
        }
    }

    /// The provisional ID of the case for this automation ID (one case per automation ID).
    pub fn provisional_for(&mut self, automation_id: &str, e: &TestExecution) -> Id {
        if let Some(id) = self.by_automation_id.get(automation_id) {
            return *id;
        }
        let id = PROVISIONAL_FROM + self.pending.len() as Id;
        let mut title = trcli_title(&e.name);
        if title.trim().is_empty() {
            // TestRail requires a title; a nameless test still has its automation ID.
            title = trcli_title(automation_id);
        }
        self.pending.push(PendingCase {
            provisional: id,
            automation_id: automation_id.to_owned(),
            title,
            section: section_path(e),
        });
        self.by_automation_id.insert(automation_id.to_owned(), id);
        id
    }
}

/// A case this sync created, for the summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CreatedCase {
    /// ID of the created case.
    pub case_id: Id,
    /// The automation ID it carries.
    pub automation_id: String,
    /// Its title.
    pub title: String,
    /// Section path, parts joined with `/` (as `cases create --section` takes it).
    pub section: String,
}

/// The sections a test's case goes into: its suites, nested as the report nests them. A test
/// outside any named suite (TAP, CTRF, a nameless `<testsuite>`) goes by its class, else into
/// "Automated tests".
/// Each part at most 250 characters (TestRail refuses longer section names), a longer one cut
/// visibly with `…` — here, not when sending, so later syncs find the section by the same name.
pub fn section_path(e: &TestExecution) -> Vec<String> {
    if !e.suite_path.is_empty() {
        return e
            .suite_path
            .to_vec()
            .iter()
            .map(|p| crate::text::fit_name(p))
            .collect();
    }
    let fallback = if e.classname.trim().is_empty() {
        "Automated tests"
    } else {
        e.classname.trim()
    };
    vec![crate::text::fit_name(fallback)]
}

/// trcli's case title: the last words of the test name that fit in 250 characters, words split
/// at spaces, tabs and `;:>/.`; the name's tail when no word fits.
pub fn trcli_title(name: &str) -> String {
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

/// The fields every new case gets: the user's `--case-field`s, checked with the same rules
/// `cases create` uses (labels → IDs, types, every field the project requires, the automation
/// ID counted as given), so a required field nobody gives stops everything before the first
/// write.
pub fn new_case_fields(
    fields: &[Field],
    project_id: Id,
    automation_field: &str,
    given: &Extra,
) -> Result<Extra, SyncError> {
    let rules = FieldRules::for_project(FieldKind::Case, fields, project_id).for_template(1);
    let mut values = given.clone();
    // A placeholder for the check; each case gets its own automation ID.
    values.insert(automation_field.to_owned(), Value::String("x".into()));
    let mut resolved = rules
        .prepare(&values, "the cases --create-cases makes")
        .map_err(|e| SyncError::Config {
            setting: "--create-cases".into(),
            message: format!("{e} (nothing was created)"),
        })?;
    resolved.remove(automation_field);
    Ok(resolved)
}

/// The deepest existing section along `path`, and the indexes of the parts still to create.
pub fn walk(sections: &[Section], path: &[String]) -> (Option<Id>, Vec<usize>) {
    let mut parent: Option<Id> = None;
    for (i, name) in path.iter().enumerate() {
        let child = sections
            .iter()
            .find(|s| s.parent_id == parent && s.name.trim() == name);
        match child {
            Some(s) => parent = Some(s.id),
            None => return (parent, (i..path.len()).collect()),
        }
    }
    (parent, Vec::new())
}

impl Context<'_> {
    /// The write plan's sections and cases to create (reads the suite's sections only).
    pub(crate) async fn plan_case_creation(
        &mut self,
        results: &ResultPlan,
    ) -> Result<(Vec<SectionToCreate>, Vec<CaseToCreate>), SyncError> {
        let Some(creation) = self.creation.as_ref() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let wanted = results.case_ids();
        let pending: Vec<PendingCase> = creation
            .pending
            .iter()
            .filter(|p| wanted.contains(&p.provisional))
            .cloned()
            .collect();
        if pending.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let sections = self.suite_sections().await?.to_vec();
        let mut seen = BTreeSet::new();
        let mut sections_to_create = Vec::new();
        for p in &pending {
            for i in walk(&sections, &p.section).1 {
                let path = p.section[..=i].to_vec();
                if seen.insert(path.clone()) {
                    sections_to_create.push(SectionToCreate { path });
                }
            }
        }
        let cases = pending
            .into_iter()
            .map(|p| CaseToCreate {
                provisional: p.provisional,
                automation_id: p.automation_id,
                title: p.title,
                section: p.section,
            })
            .collect();
        Ok((sections_to_create, cases))
    }

    async fn suite_sections(&mut self) -> Result<&[Section], SyncError> {
        if self.sections.is_none() {
            let sections = self
                .client
                .get_sections(self.project_id, self.suite_id)
                .await
                .map_err(|e| SyncError::api("reading the suite's sections (get_sections)", e))?;
            self.sections = Some(sections);
        }
        Ok(self.sections.as_deref().expect("read above"))
    }

    /// Creates the planned sections (parents first) and cases, and gives their results the
    /// real case IDs.
    pub(crate) async fn create_planned_cases(
        &mut self,
        results: &mut ResultPlan,
        sections: Vec<SectionToCreate>,
        cases: Vec<CaseToCreate>,
    ) -> Result<(), SyncError> {
        for s in sections {
            self.create_section(&s.path).await?;
        }
        for c in cases {
            let sections = self.suite_sections().await?;
            let section_id = match walk(sections, &c.section) {
                (Some(id), rest) if rest.is_empty() => id,
                _ => {
                    return Err(SyncError::Target(format!(
                        "section \"{}\" is missing right after it was created; rerun the sync",
                        c.section.join(" > ")
                    )));
                }
            };
            let case = self.create_case(section_id, &c).await?;
            results.rename_case(c.provisional, case.id);
            self.created_cases.push(case);
            self.created.push(CreatedCase {
                case_id: self.created_cases.last().expect("pushed").id,
                automation_id: c.automation_id,
                title: c.title,
                section: c.section.join("/"),
            });
        }
        Ok(())
    }

    /// `add_section` for the last part of `path` (its parents exist by now); a timed-out one
    /// is looked up by name under its parent before it is sent again.
    async fn create_section(&mut self, path: &[String]) -> Result<(), SyncError> {
        let (last, parents) = path.split_last().expect("a section path has a part");
        let parent_id = walk(self.suite_sections().await?, parents).0;
        let body = AddSection {
            name: last.clone(),
            description: Some(SECTION_DESCRIPTION.into()),
            suite_id: self.suite_id,
            parent_id,
        };
        let what = || format!("creating section \"{}\"", path.join(" > "));
        let section = match self.client.add_section(self.project_id, &body).await {
            Ok(section) => section,
            Err(e) if e.is_ambiguous() => {
                self.sections = None;
                let found = walk(self.suite_sections().await?, path);
                match found {
                    (Some(_), rest) if rest.is_empty() => {
                        tracing::info!("section {} had been created before the timeout", what());
                        self.created_sections.push(path.join("/"));
                        return Ok(());
                    }
                    _ => self
                        .client
                        .add_section(self.project_id, &body)
                        .await
                        .map_err(|e| SyncError::api(what(), e))?,
                }
            }
            Err(e) => return Err(SyncError::api(what(), e)),
        };
        self.sections.get_or_insert_with(Vec::new).push(section);
        self.created_sections.push(path.join("/"));
        Ok(())
    }

    /// `add_case` with the automation ID set; a timed-out one is looked up by automation ID
    /// among the section's recently changed cases before it is sent again.
    async fn create_case(&self, section_id: Id, c: &CaseToCreate) -> Result<Case, SyncError> {
        let creation = self
            .creation
            .as_ref()
            .expect("cases are planned with --create-cases");
        let mut custom = creation.fields.clone();
        custom.insert(
            creation.automation_field.clone(),
            Value::String(c.automation_id.clone()),
        );
        let fields = CaseFields {
            title: Some(c.title.clone()),
            custom,
            ..CaseFields::default()
        };
        let what = || format!("creating a case for {}", c.automation_id);
        let sent_at = unix_now();
        match self.client.add_case(section_id, &fields).await {
            Ok(case) => Ok(case),
            Err(e) if e.is_ambiguous() => {
                if let Some(case) = self.landed_case(section_id, c, sent_at).await? {
                    tracing::info!("case C{} for {} had been created", case.id, c.automation_id);
                    return Ok(case);
                }
                self.client
                    .add_case(section_id, &fields)
                    .await
                    .map_err(|e| SyncError::api(what(), e))
            }
            Err(e) => Err(SyncError::api(what(), e)),
        }
    }

    /// The case an ambiguous `add_case` may have created: in the section, with our automation
    /// ID, changed since shortly before we sent it (clocks differ; a minute of margin).
    async fn landed_case(
        &self,
        section_id: Id,
        c: &CaseToCreate,
        sent_at: i64,
    ) -> Result<Option<Case>, SyncError> {
        let recent = self
            .client
            .get_cases_updated_after(self.project_id, self.suite_id, sent_at - 60)
            .await
            .map_err(|e| SyncError::api("looking for a case whose add_case timed out", e))?;
        Ok(recent.into_iter().find(|case| {
            case.section_id == section_id
                && stored_value(&case.extra).as_deref() == Some(c.automation_id.as_str())
        }))
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

    #[test]
    fn provisional_ids_are_far_above_real_ones() {
        assert!(!is_provisional(u32::MAX as Id));
        assert!(is_provisional(PROVISIONAL_FROM));
    }
}
