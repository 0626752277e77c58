//! Target resolution: the project (by ID or name) and the suite (by ID, by name, or the
//! project's only one), confirmed with reads before anything is written.

use testrail_api::Client;
use testrail_api::models::Id;

use crate::error::SyncError;
use crate::options::{ProjectRef, SuiteRef};

/// A project and suite TestRail confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedTarget {
    /// Project ID.
    pub project_id: Id,
    /// Known when the project was looked up by name.
    pub project_name: Option<String>,
    /// Suite ID.
    pub suite_id: Id,
    /// Suite name, for run names (`{suite}`) and messages.
    pub suite_name: String,
}

/// Confirms the project (by ID, or found by name) and the suite (by ID or name, or the only
/// one) with reads: `get_suites` alone when the project is given by ID.
pub async fn resolve_target(
    client: &Client,
    project: &ProjectRef,
    suite: Option<&SuiteRef>,
) -> Result<ResolvedTarget, SyncError> {
    let (project_id, project_name) = resolve_project(client, project).await?;
    let (suite_id, suite_name) = resolve_suite(client, project_id, suite).await?;
    Ok(ResolvedTarget {
        project_id,
        project_name,
        suite_id,
        suite_name,
    })
}

/// The project's ID, and its name when it was read on the way (a name lookup reads it).
async fn resolve_project(
    client: &Client,
    project: &ProjectRef,
) -> Result<(Id, Option<String>), SyncError> {
    let name = match project {
        ProjectRef::Id(id) => return Ok((*id, None)),
        ProjectRef::Name(name) => name,
    };
    let projects = client
        .get_projects()
        .await
        .map_err(|e| SyncError::api("listing projects (get_projects)", e))?;
    let found = projects
        .iter()
        .find(|p| p.name == *name)
        .or_else(|| projects.iter().find(|p| p.name.eq_ignore_ascii_case(name)));
    match found {
        Some(p) => Ok((p.id, Some(p.name.clone()))),
        None => Err(SyncError::Target(format!(
            "no project named \"{name}\"; projects you can see: {}",
            trim_list(
                &projects
                    .iter()
                    .map(|p| format!("{} (P{})", p.name, p.id))
                    .collect::<Vec<_>>(),
                20
            )
        ))),
    }
}

/// One `get_suites` call confirms the project exists and is visible, confirms the suite, and
/// names it — so a sync by IDs needs no separate `get_project`.
async fn resolve_suite(
    client: &Client,
    project_id: Id,
    suite: Option<&SuiteRef>,
) -> Result<(Id, String), SyncError> {
    let suites = client.get_suites(project_id).await.map_err(|e| {
        SyncError::api_about(
            format!("project {project_id}"),
            "check --project-id; `testrail-sync projects` lists them",
            e,
        )
    })?;
    let listing = || {
        trim_list(
            &suites
                .iter()
                .map(|s| format!("{} (S{})", s.name, s.id))
                .collect::<Vec<_>>(),
            20,
        )
    };
    let found = match suite {
        Some(SuiteRef::Id(id)) => suites.iter().find(|s| s.id == *id),
        Some(SuiteRef::Name(name)) => suites
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| suites.iter().find(|s| s.name.eq_ignore_ascii_case(name))),
        None if suites.len() > 1 => {
            return Err(SyncError::Config {
                setting: "suite".into(),
                message: format!(
                    "project {project_id} has several suites; pass --suite-id or --suite NAME (suites: {})",
                    listing()
                ),
            });
        }
        None => suites.first(),
    };
    match found {
        Some(s) => Ok((s.id, s.name.clone())),
        None => Err(SyncError::Target(format!(
            "project {project_id} has no such suite (check --suite-id/--suite); suites: {}",
            listing()
        ))),
    }
}

pub(crate) fn trim_list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, … and {} more",
            items[..max].join(", "),
            items.len() - max
        )
    }
}

pub(crate) fn list_ids(ids: &std::collections::BTreeSet<Id>) -> String {
    trim_list(&ids.iter().map(|i| format!("C{i}")).collect::<Vec<_>>(), 20)
}
