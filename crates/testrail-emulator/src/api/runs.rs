//! Runs and tests.

use testrail_api::models::RunFields;

use super::{Ctx, Handler, Reply, empty, json};
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::store::RunFilter;

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "get_run" => get_run,
        "get_runs" => get_runs,
        "add_run" => add_run,
        "update_run" => update_run,
        "close_run" => close_run,
        "delete_run" => delete_run,
        "get_test" => get_test,
        "get_tests" => get_tests,
        _ => return None,
    })
}

/// The body of add_run / update_run / plan entry runs.
pub fn run_fields(f: &Fields) -> ApiResult<RunFields> {
    Ok(RunFields {
        suite_id: f.opt_id("suite_id")?,
        name: f.opt_str("name")?,
        description: f.opt_str("description")?,
        milestone_id: f.opt_id("milestone_id")?,
        assignedto_id: f.opt_id("assignedto_id")?,
        include_all: f.opt_bool("include_all")?,
        case_ids: f.opt_ids("case_ids")?,
        config_ids: f.opt_ids("config_ids")?,
        refs: f.opt_str("refs")?,
        start_on: f.opt_timestamp("start_on")?,
        due_on: f.opt_timestamp("due_on")?,
    })
}

fn get_run(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "run_id")?;
    // get_run names the field `:run`, not `:run_id` (seen verbatim from live servers); the
    // other run endpoints keep `:run_id`, which is unverified.
    c.state
        .run(id)
        .map_err(|_| ApiError::not_valid("run", "test run"))?;
    json(c.state.run_json(id, c.base))
}

fn get_runs(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    let filter = RunFilter {
        created_after: c.param_ts("created_after")?,
        created_before: c.param_ts("created_before")?,
        created_by: c.param_ids("created_by")?,
        is_completed: c.param_bool("is_completed")?,
        milestone_id: c.param_ids("milestone_id")?,
        suite_id: c.param_ids("suite_id")?,
        refs_filter: c.param_str("refs_filter"),
    };
    let ids = c.state.runs_of(project, &filter)?;
    let items: Vec<_> = ids
        .into_iter()
        .map(|id| c.state.run_json(id, c.base))
        .collect();
    c.page("runs", items)
}

fn add_run(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    let body = run_fields(&c.fields())?;
    let run = c.state.add_run(project, body, c.user, c.now)?;
    json(c.state.run_json(run.id, c.base))
}

fn update_run(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "run_id")?;
    let body = run_fields(&c.fields())?;
    c.state.update_run(id, body, false, c.now)?;
    json(c.state.run_json(id, c.base))
}

fn close_run(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "run_id")?;
    c.state.close_run(id, false, c.now)?;
    json(c.state.run_json(id, c.base))
}

fn delete_run(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "run_id")?;
    if c.param_bool("soft")? == Some(true) {
        c.state.run(id)?;
        let tests = c.state.active_tests(id).len();
        return json(serde_json::json!({"tests": tests, "deleted": false}));
    }
    c.state.delete_run(id, false)?;
    empty()
}

fn get_test(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "test_id")?;
    let t = c.state.test(id)?;
    json(c.state.test_json(t))
}

fn get_tests(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    c.state.run(run)?;
    let status = c.param_ids("status_id")?;
    let items: Vec<_> = c
        .state
        .active_tests(run)
        .into_iter()
        .filter(|t| status.as_ref().is_none_or(|s| s.contains(&t.status_id)))
        .map(|t| c.state.test_json(t))
        .collect();
    c.page("tests", items)
}
