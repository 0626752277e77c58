//! One typed call per TestRail endpoint the tool uses, all through the generic core calls:
//! lists via `get_all` (paginated or bare), creations via `post` (never re-sent when they may
//! have been applied), updates and closes via `post_idempotent`.

use std::fmt;

use serde::Serialize;

use crate::client::{Client, Timed};
use crate::core::Call;
use crate::error::ApiError;
use crate::host::encode_component;
use crate::models::*;

impl Client {
    /// The instance's result statuses, system and custom: map outcomes to IDs by name from this,
    /// never by number.
    pub async fn get_statuses(&self) -> Result<Vec<Status>, ApiError> {
        self.get("get_statuses").await
    }

    /// Every project the user can see, all pages.
    pub async fn get_projects(&self) -> Result<Vec<Project>, ApiError> {
        self.get_all("get_projects", "projects").await
    }

    /// One project; 400 when it does not exist or the user may not see it.
    pub async fn get_project(&self, project_id: Id) -> Result<Project, ApiError> {
        self.get(&format!("get_project/{project_id}")).await
    }

    /// Creates a project (administrators only). Not re-sent after a timeout: it may have been
    /// applied.
    pub async fn add_project(&self, project: &AddProject) -> Result<Project, ApiError> {
        self.post("add_project", project).await
    }

    /// Paginated on some servers, a bare array on others: both work.
    pub async fn get_suites(&self, project_id: Id) -> Result<Vec<Suite>, ApiError> {
        self.get_all(&format!("get_suites/{project_id}"), "suites")
            .await
    }

    /// One suite.
    pub async fn get_suite(&self, suite_id: Id) -> Result<Suite, ApiError> {
        self.get(&format!("get_suite/{suite_id}")).await
    }

    /// Creates a suite in a multi-suite project. Not re-sent after a timeout.
    pub async fn add_suite(&self, project_id: Id, suite: &AddSuite) -> Result<Suite, ApiError> {
        self.post(&format!("add_suite/{project_id}"), suite).await
    }

    /// Sections of a project, of one suite when given (required in multi-suite projects), all
    /// pages.
    pub async fn get_sections(
        &self,
        project_id: Id,
        suite_id: Option<Id>,
    ) -> Result<Vec<Section>, ApiError> {
        let endpoint = format!("get_sections/{project_id}{}", filter("suite_id", suite_id));
        self.get_all(&endpoint, "sections").await
    }

    /// Creates a section (top-level, or under `parent_id`). Not re-sent after a timeout.
    pub async fn add_section(
        &self,
        project_id: Id,
        section: &AddSection,
    ) -> Result<Section, ApiError> {
        self.post(&format!("add_section/{project_id}"), section)
            .await
    }

    /// Cases of a project, of one suite when given (required in multi-suite projects), all pages.
    pub async fn get_cases(
        &self,
        project_id: Id,
        suite_id: Option<Id>,
    ) -> Result<Vec<Case>, ApiError> {
        let endpoint = format!("get_cases/{project_id}{}", filter("suite_id", suite_id));
        self.get_all(&endpoint, "cases").await
    }

    /// Cases of a suite changed at or after `updated_after` (unix seconds): what a local case
    /// index needs to catch up, usually one short page.
    pub async fn get_cases_updated_after(
        &self,
        project_id: Id,
        suite_id: Option<Id>,
        updated_after: i64,
    ) -> Result<Vec<Case>, ApiError> {
        let endpoint = format!(
            "get_cases/{project_id}{}&updated_after={updated_after}",
            filter("suite_id", suite_id)
        );
        self.get_all(&endpoint, "cases").await
    }

    /// One case.
    pub async fn get_case(&self, case_id: Id) -> Result<Case, ApiError> {
        self.get(&format!("get_case/{case_id}")).await
    }

    /// Creates a case in a section. Not re-sent after a timeout: it may have been applied.
    pub async fn add_case(&self, section_id: Id, case: &CaseFields) -> Result<Case, ApiError> {
        self.post(&format!("add_case/{section_id}"), case).await
    }

    /// Setting fields to given values is repeatable, so this is retried like a read.
    pub async fn update_case(&self, case_id: Id, case: &CaseFields) -> Result<Case, ApiError> {
        self.post_idempotent(&format!("update_case/{case_id}"), case)
            .await
    }

    /// One run, standalone or in a plan, with its status counters.
    pub async fn get_run(&self, run_id: Id) -> Result<Run, ApiError> {
        self.get(&format!("get_run/{run_id}")).await
    }

    /// Runs outside plans (TestRail's rule), optionally only open or only closed ones.
    pub async fn get_runs(
        &self,
        project_id: Id,
        is_completed: Option<bool>,
    ) -> Result<Vec<Run>, ApiError> {
        let completed = is_completed.map(u8::from);
        let endpoint = format!("get_runs/{project_id}{}", filter("is_completed", completed));
        self.get_all(&endpoint, "runs").await
    }

    /// Creates a standalone run. Not re-sent after a timeout: it may have been applied.
    pub async fn add_run(&self, project_id: Id, run: &RunFields) -> Result<Run, ApiError> {
        self.post(&format!("add_run/{project_id}"), run).await
    }

    /// Idempotent as long as the caller sends the full intended state (`case_ids` replaces the
    /// run's selection).
    pub async fn update_run(&self, run_id: Id, run: &RunFields) -> Result<Run, ApiError> {
        self.post_idempotent(&format!("update_run/{run_id}"), run)
            .await
    }

    /// Closes a run. If a retry finds it already closed (the first attempt's answer was lost),
    /// the closed run is returned rather than TestRail's 400.
    pub async fn close_run(&self, run_id: Id) -> Result<Run, ApiError> {
        let closed = self
            .post_idempotent(&format!("close_run/{run_id}"), &serde_json::json!({}))
            .await;
        match closed {
            Err(e) if e.status() == Some(400) => match self.get_run(run_id).await {
                Ok(run) if run.is_completed => Ok(run),
                _ => Err(e),
            },
            other => other,
        }
    }

    /// Deletes a case (TestRail keeps it only for the results it already has).
    pub async fn delete_case(&self, case_id: Id) -> Result<(), ApiError> {
        self.post_bytes(
            Call::IdempotentWrite,
            &format!("delete_case/{case_id}"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }

    /// Deletes a run with its tests and results; retried, since deleting twice ends the same way.
    pub async fn delete_run(&self, run_id: Id) -> Result<(), ApiError> {
        self.post_bytes(
            Call::IdempotentWrite,
            &format!("delete_run/{run_id}"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }

    /// Changes one run inside a plan entry (runs in plans refuse `update_run`).
    pub async fn update_run_in_plan_entry(
        &self,
        run_id: Id,
        fields: &RunFields,
    ) -> Result<Run, ApiError> {
        self.post_idempotent(&format!("update_run_in_plan_entry/{run_id}"), fields)
            .await
    }

    /// Adds a run for another configuration to an existing plan entry.
    pub async fn add_run_to_plan_entry(
        &self,
        plan_id: Id,
        entry_id: &str,
        fields: &RunFields,
    ) -> Result<PlanEntry, ApiError> {
        let entry = encode_component(entry_id);
        self.post(&format!("add_run_to_plan_entry/{plan_id}/{entry}"), fields)
            .await
    }

    /// One test (a case inside a run).
    pub async fn get_test(&self, test_id: Id) -> Result<Test, ApiError> {
        self.get(&format!("get_test/{test_id}")).await
    }

    /// Results of one test, newest first.
    pub async fn get_results(&self, test_id: Id) -> Result<Vec<TestResult>, ApiError> {
        self.get_all(&format!("get_results/{test_id}"), "results")
            .await
    }

    /// The tests of a run, all pages.
    pub async fn get_tests(&self, run_id: Id) -> Result<Vec<Test>, ApiError> {
        self.get_all(&format!("get_tests/{run_id}"), "tests").await
    }

    /// The tests of a run as of one moment, even while other jobs change the run's case set
    /// (see [`Client::get_all_snapshot`]): what a set written back with `update_run` is built on.
    pub async fn get_tests_snapshot(&self, run_id: Id) -> Result<Vec<Test>, ApiError> {
        self.get_all_snapshot(&format!("get_tests/{run_id}"), "tests", |t: &Test| t.id)
            .await
    }

    /// One bulk, atomic post; the answer lists the created results in request order.
    pub async fn add_results_for_cases(
        &self,
        run_id: Id,
        results: &[NewResult],
    ) -> Result<Vec<TestResult>, ApiError> {
        #[derive(Serialize)]
        struct Body<'a> {
            results: &'a [NewResult],
        }
        self.post(
            &format!("add_results_for_cases/{run_id}"),
            &Body { results },
        )
        .await
    }

    /// Every result of a run, newest first, all pages.
    pub async fn get_results_for_run(&self, run_id: Id) -> Result<Vec<TestResult>, ApiError> {
        self.get_all(&format!("get_results_for_run/{run_id}"), "results")
            .await
    }

    /// [`Client::add_results_for_cases`], also answering how long the attempt took.
    pub async fn add_results_for_cases_timed(
        &self,
        run_id: Id,
        results: &[NewResult],
    ) -> Result<Timed<Vec<TestResult>>, ApiError> {
        #[derive(Serialize)]
        struct Body<'a> {
            results: &'a [NewResult],
        }
        self.post_timed(
            &format!("add_results_for_cases/{run_id}"),
            &Body { results },
        )
        .await
    }

    /// The run's results created at or after `created_after` (the server's UNIX seconds) by
    /// `created_by`, newest first: what one sync could have written lately, whatever the size
    /// of the run.
    pub async fn get_results_for_run_since(
        &self,
        run_id: Id,
        created_after: Option<i64>,
        created_by: Option<Id>,
    ) -> Result<Vec<TestResult>, ApiError> {
        let endpoint = format!(
            "get_results_for_run/{run_id}{}{}",
            filter("created_after", created_after),
            filter("created_by", created_by)
        );
        self.get_all(&endpoint, "results").await
    }

    /// Results of one case in one run, newest first, all pages.
    pub async fn get_results_for_case(
        &self,
        run_id: Id,
        case_id: Id,
    ) -> Result<Vec<TestResult>, ApiError> {
        let endpoint = format!("get_results_for_case/{run_id}/{case_id}");
        self.get_all(&endpoint, "results").await
    }

    /// One plan with its entries and their runs.
    pub async fn get_plan(&self, plan_id: Id) -> Result<Plan, ApiError> {
        self.get(&format!("get_plan/{plan_id}")).await
    }

    /// Plans of a project, all pages (without entries: read one with [`Client::get_plan`]).
    pub async fn get_plans(&self, project_id: Id) -> Result<Vec<Plan>, ApiError> {
        self.get_all(&format!("get_plans/{project_id}"), "plans")
            .await
    }

    /// Creates a plan, with entries if given. Not re-sent after a timeout.
    pub async fn add_plan(&self, project_id: Id, plan: &AddPlan) -> Result<Plan, ApiError> {
        self.post(&format!("add_plan/{project_id}"), plan).await
    }

    /// Adds an entry (a suite's runs) to a plan. Not re-sent after a timeout.
    pub async fn add_plan_entry(
        &self,
        plan_id: Id,
        entry: &AddPlanEntry,
    ) -> Result<PlanEntry, ApiError> {
        self.post(&format!("add_plan_entry/{plan_id}"), entry).await
    }

    /// Changes every run of a plan entry (name, description, cases); retried like a read.
    pub async fn update_plan_entry(
        &self,
        plan_id: Id,
        entry_id: &str,
        fields: &RunFields,
    ) -> Result<PlanEntry, ApiError> {
        let endpoint = format!("update_plan_entry/{plan_id}/{}", encode_component(entry_id));
        self.post_idempotent(&endpoint, fields).await
    }

    /// Closes a plan and its runs. If a retry finds it already closed (the first attempt's answer
    /// was lost), the closed plan is returned rather than TestRail's 400.
    pub async fn close_plan(&self, plan_id: Id) -> Result<Plan, ApiError> {
        let closed = self
            .post_idempotent(&format!("close_plan/{plan_id}"), &serde_json::json!({}))
            .await;
        match closed {
            Err(e) if e.status() == Some(400) => match self.get_plan(plan_id).await {
                Ok(plan) if plan.is_completed => Ok(plan),
                _ => Err(e),
            },
            other => other,
        }
    }

    /// The user whose credentials the client uses: a cheap check that they work.
    pub async fn get_current_user(&self) -> Result<User, ApiError> {
        self.get("get_current_user").await
    }

    /// The user with this email; TestRail answers 400 when there is none.
    pub async fn get_user_by_email(&self, email: &str) -> Result<User, ApiError> {
        self.get(&format!(
            "get_user_by_email&email={}",
            encode_component(email)
        ))
        .await
    }

    /// All users, or those of one project (required for non-admins on TestRail 6.6+).
    pub async fn get_users(&self, project_id: Option<Id>) -> Result<Vec<User>, ApiError> {
        let endpoint = match project_id {
            Some(id) => format!("get_users/{id}"),
            None => "get_users".to_owned(),
        };
        self.get_all(&endpoint, "users").await
    }

    /// Milestones of a project, all pages.
    pub async fn get_milestones(&self, project_id: Id) -> Result<Vec<Milestone>, ApiError> {
        self.get_all(&format!("get_milestones/{project_id}"), "milestones")
            .await
    }

    /// Creates a milestone. Not re-sent after a timeout.
    pub async fn add_milestone(
        &self,
        project_id: Id,
        milestone: &AddMilestone,
    ) -> Result<Milestone, ApiError> {
        self.post(&format!("add_milestone/{project_id}"), milestone)
            .await
    }

    /// One user.
    pub async fn get_user(&self, user_id: Id) -> Result<User, ApiError> {
        self.get(&format!("get_user/{user_id}")).await
    }

    /// Configuration groups of a project, each with its configurations.
    pub async fn get_configs(&self, project_id: Id) -> Result<Vec<ConfigGroup>, ApiError> {
        self.get(&format!("get_configs/{project_id}")).await
    }

    /// Case field definitions, system and custom, with their per-project configs.
    pub async fn get_case_fields(&self) -> Result<Vec<Field>, ApiError> {
        self.get("get_case_fields").await
    }

    /// Result field definitions, system and custom, with their per-project configs.
    pub async fn get_result_fields(&self) -> Result<Vec<Field>, ApiError> {
        self.get("get_result_fields").await
    }

    /// The instance's case priorities.
    pub async fn get_priorities(&self) -> Result<Vec<Priority>, ApiError> {
        self.get("get_priorities").await
    }

    /// The instance's case types.
    pub async fn get_case_types(&self) -> Result<Vec<CaseType>, ApiError> {
        self.get("get_case_types").await
    }

    /// Case templates available in a project.
    pub async fn get_templates(&self, project_id: Id) -> Result<Vec<Template>, ApiError> {
        self.get(&format!("get_templates/{project_id}")).await
    }

    /// Uploads a file to a result (multipart). Not re-sent after a timeout.
    pub async fn add_attachment_to_result(
        &self,
        result_id: Id,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentCreated, ApiError> {
        self.upload(
            &format!("add_attachment_to_result/{result_id}"),
            file_name,
            bytes,
        )
        .await
    }

    /// Uploads a file to a run (multipart). Not re-sent after a timeout.
    pub async fn add_attachment_to_run(
        &self,
        run_id: Id,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentCreated, ApiError> {
        self.upload(&format!("add_attachment_to_run/{run_id}"), file_name, bytes)
            .await
    }

    /// Attachments of a test's results, all pages.
    pub async fn get_attachments_for_test(&self, test_id: Id) -> Result<Vec<Attachment>, ApiError> {
        self.get_all(
            &format!("get_attachments_for_test/{test_id}"),
            "attachments",
        )
        .await
    }
}

/// `&name=value` when a value is given, otherwise nothing.
fn filter(name: &str, value: Option<impl fmt::Display>) -> String {
    value.map_or_else(String::new, |v| format!("&{name}={v}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_appended_with_ampersands() {
        assert_eq!(filter("suite_id", Some(2)), "&suite_id=2");
        assert_eq!(filter("suite_id", None::<u64>), "");
    }
}
