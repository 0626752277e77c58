//! `--case-matcher auto [--create-cases]`, trcli's default workflow, as the engine's reading
//! step: each test maps to the suite's case whose automation ID field equals the test's
//! automation ID (see `testrail_reports::automation_id`), read from the local case index
//! instead of every page of the suite. With `--create-cases`, a test no case has is read under
//! a provisional case ID and its case goes into the write plan (see `new_cases`).
//!
//! The target it resolves is handed on to the sync ([`Prepared`]), so the suite is read once.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use testrail_api::Client;
use testrail_api::models::{Extra, Id};
use testrail_reports::{CaseIdMatcher, TestExecution};

use crate::automation::{AutomationIndex, Lookup, automation_field};
use crate::case_index::CaseIndex;
use crate::collect::{Collected, Collector};
use crate::error::SyncError;
use crate::new_cases::{CaseCreation, new_case_fields};
use crate::options::SyncOptions;
use crate::reading::{ReportInput, read_each};
use crate::target::{ResolvedTarget, resolve_target};

/// Where the auto matcher reads from and what it may create.
pub struct AutoSettings<'a> {
    /// The reports (its matcher is not used: the automation ID decides).
    pub input: &'a ReportInput,
    /// Sync options: the target to resolve, defects, comment budget and result fields.
    pub options: &'a SyncOptions,
    /// Where the case index lives; `None` keeps none.
    pub cache_dir: Option<&'a Path>,
    /// `--create-cases` with the fields every new case gets (`--case-field`).
    pub create: Option<Extra>,
}

/// Several cases carry one automation ID: the test is left unmapped, never guessed.
#[derive(Debug, Clone, Serialize)]
pub struct Ambiguous {
    /// The automation ID the test carries.
    pub automation_id: String,
    /// Every case carrying it, ascending.
    pub case_ids: Vec<Id>,
    /// The test's full name.
    pub test: String,
    /// Where the report has it, `file:line:col`.
    pub location: String,
}

/// What the auto matcher found, besides the executions.
#[derive(Debug, Default, Serialize)]
pub struct AutoReport {
    /// System name of the case field holding automation IDs (`custom_automation_id`, …).
    pub field: String,
    /// Cases in the suite, as the case index holds them.
    pub cases_known: usize,
    /// Automation IDs carried by several cases, with the test left unmapped for each.
    pub ambiguous: Vec<Ambiguous>,
    /// Case IDs that came from the index: if TestRail refuses one, the index is stale.
    #[serde(skip)]
    pub from_index: BTreeSet<Id>,
}

impl AutoReport {
    /// The report's case IDs TestRail refused and the index had handed out: the index is stale
    /// (deleted cases never show in `updated_after`).
    pub fn stale(&self, refused: &[Id]) -> bool {
        refused.iter().any(|id| self.from_index.contains(id))
    }

    /// One line per ambiguous automation ID, for the summary's warnings.
    pub fn warnings(&self) -> Vec<String> {
        self.ambiguous
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
}

/// What reading learnt that the sync needs: the target it confirmed and the cases to create.
#[derive(Debug, Default)]
pub struct Prepared {
    /// A target already confirmed by reads (the sync does not read it again).
    pub target: Option<ResolvedTarget>,
    /// `--create-cases`: the cases tests are waiting for.
    pub creation: Option<CaseCreation>,
}

/// The result of reading by automation ID.
pub struct AutoRead {
    /// The executions, grouped by the case each automation ID matched.
    pub collected: Collected,
    /// What matching found: the field used, the cases known, the ambiguous IDs.
    pub report: AutoReport,
    /// The case index, to be told about the cases the sync creates (or dropped when stale).
    pub index: CaseIndex,
    /// The confirmed target and the cases to create, for the sync.
    pub prepared: Prepared,
}

/// Reads the reports, mapping each test by automation ID. Writes nothing.
pub async fn read_matching_automation_ids(
    client: &Client,
    settings: AutoSettings<'_>,
) -> Result<AutoRead, SyncError> {
    let options = settings.options;
    let target = resolve_target(client, &options.project, options.suite.as_ref()).await?;
    let fields = client
        .get_case_fields()
        .await
        .map_err(|e| SyncError::api("reading the case fields (get_case_fields)", e))?;
    let field = automation_field(&fields, target.project_id)?;
    let mut creation = match &settings.create {
        Some(given) => {
            let checked = new_case_fields(&fields, target.project_id, &field, given)?;
            Some(CaseCreation::new(field.clone(), checked))
        }
        None => None,
    };
    let index = CaseIndex::load(
        client,
        settings.cache_dir,
        target.project_id,
        target.suite_id,
    )
    .await?;
    let by_automation_id = AutomationIndex::new(
        index
            .cases()
            .filter_map(|c| c.automation_id.as_deref().map(|a| (c.id, a))),
    );
    let mut report = AutoReport {
        field,
        cases_known: index.len(),
        ..AutoReport::default()
    };
    let matcher = CaseIdMatcher::tagged_only();
    let mut collector = Collector::new(&matcher, options);
    let mut ambiguous_seen = BTreeSet::new();
    let mut sink = |mut e: TestExecution| {
        let automation_id = e.automation_id().into_owned();
        // trcli's auto matcher ignores IDs in names and tags: the automation ID decides.
        e.tagged_case_ids.clear();
        // Why an unmatched test is unmapped: the generic "add C123 to the name" hint is wrong
        // advice under the auto matcher, which ignores names.
        let mut why = None;
        match by_automation_id.lookup(&automation_id) {
            Lookup::One(id) => {
                e.tagged_case_ids.push(id);
                report.from_index.insert(id);
            }
            Lookup::Ambiguous(ids) => {
                why = Some(format!(
                    "automation ID {automation_id} is carried by {} cases",
                    ids.len()
                ));
                if ambiguous_seen.insert(automation_id.clone()) {
                    report.ambiguous.push(Ambiguous {
                        automation_id,
                        case_ids: ids.to_vec(),
                        test: e.full_name(),
                        location: e.location.to_string(),
                    });
                }
            }
            Lookup::None => {
                if let Some(creation) = creation.as_mut() {
                    let id = creation.provisional_for(&automation_id, &e);
                    e.tagged_case_ids.push(id);
                } else {
                    why = Some(format!(
                        "no case has automation ID {automation_id}; --create-cases creates it"
                    ));
                }
            }
        }
        let listed = collector.collected.unmapped.len();
        collector.add(e);
        if let (Some(why), Some(entry)) = (why, collector.collected.unmapped.get_mut(listed)) {
            entry.why = Some(why);
        }
    };
    read_each(settings.input, &mut sink)?;
    Ok(AutoRead {
        collected: collector.collected,
        report,
        index,
        prepared: Prepared {
            target: Some(target),
            creation,
        },
    })
}
