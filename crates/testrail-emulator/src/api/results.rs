//! Adding and reading results.

use serde_json::Value;
use testrail_api::models::NewResult;

use super::{Ctx, Handler, Reply, json};
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::store::ResultFilter;

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "add_result" => add_result,
        "add_result_for_case" => add_result_for_case,
        "add_results" => add_results,
        "add_results_for_cases" => add_results_for_cases,
        "get_results" => get_results,
        "get_results_for_case" => get_results_for_case,
        "get_results_for_run" => get_results_for_run,
        _ => return None,
    })
}

/// One result body; unknown non-`custom_*` keys (trcli's `attachments`) are ignored.
fn result_body(f: &Fields) -> ApiResult<NewResult> {
    Ok(NewResult {
        case_id: f.opt_id("case_id")?,
        test_id: f.opt_id("test_id")?,
        status_id: f.opt_status("status_id")?,
        comment: f.opt_str("comment")?,
        version: f.opt_str("version")?,
        elapsed: f.opt_str("elapsed")?,
        defects: f.opt_str("defects")?,
        assignedto_id: f.opt_id("assignedto_id")?,
        custom: f.custom(),
    })
}

/// The `results` list. An entry that is not an object, or `results` given as an object (a
/// double-wrapped `{"results": {"results": [...]}}`), fails as real servers answer it: the
/// entry's `id_field` (`case_id` or `test_id`) is missing.
fn bulk_body(c: &Ctx, id_field: &str) -> ApiResult<Vec<NewResult>> {
    let missing_id = || ApiError::required(&format!("results.{id_field}"));
    match c.fields().raw("results") {
        None => Err(ApiError::required("results")),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                let obj = v.as_object().ok_or_else(missing_id)?;
                result_body(&Fields::nested(obj, "results."))
            })
            .collect(),
        Some(Value::Object(_)) => Err(missing_id()),
        Some(_) => Err(ApiError::bad("Field :results is not a valid array.")),
    }
}

fn add_result(c: &mut Ctx) -> ApiResult<Reply> {
    let test = c.id(0, "test_id")?;
    let body = result_body(&c.fields())?;
    json(c.state.add_result(test, body, c.user, c.now)?)
}

fn add_result_for_case(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    let case = c.id(1, "case_id")?;
    let body = result_body(&c.fields())?;
    json(
        c.state
            .add_result_for_case(run, case, body, c.user, c.now)?,
    )
}

fn add_results(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    let body = bulk_body(c, "test_id")?;
    json(c.state.add_results(run, body, c.user, c.now)?)
}

fn add_results_for_cases(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    let body = bulk_body(c, "case_id")?;
    json(c.state.add_results_for_cases(run, body, c.user, c.now)?)
}

fn filter(c: &Ctx) -> ApiResult<ResultFilter> {
    Ok(ResultFilter {
        status_id: c.param_ids("status_id")?,
        defects_filter: c.param_str("defects_filter"),
        created_after: c.param_ts("created_after")?,
        created_before: c.param_ts("created_before")?,
        created_by: c.param_ids("created_by")?,
    })
}

fn get_results(c: &mut Ctx) -> ApiResult<Reply> {
    let test = c.id(0, "test_id")?;
    c.state.test(test)?;
    let items = c.state.results_of_test(test, &filter(c)?);
    c.page("results", items)
}

fn get_results_for_case(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    let case = c.id(1, "case_id")?;
    c.state.run(run)?;
    let test = c
        .state
        .active_test_for_case(run, case)
        .map(|t| t.id)
        // LANG only (`tests_na_run_case`, testrail-observed 3.18): text and 400 UNVERIFIED.
        .ok_or_else(|| ApiError::bad("No (active) test found for the run/case combination."))?;
    let items = c.state.results_of_test(test, &filter(c)?);
    c.page("results", items)
}

fn get_results_for_run(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    c.state.run(run)?;
    let items = c.state.results_of_run(run, &filter(c)?);
    c.page("results", items)
}
