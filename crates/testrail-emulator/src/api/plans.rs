//! Plans and plan entries.

use serde_json::Value;
use testrail_api::models::AddPlanEntry;

use super::runs::run_fields;
use super::{Ctx, Handler, Reply, empty, json};
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::store::{NewPlan, PlanFilter};

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "get_plan" => get_plan,
        "get_plans" => get_plans,
        "add_plan" => add_plan,
        "update_plan" => update_plan,
        "add_plan_entry" => add_plan_entry,
        "update_plan_entry" => update_plan_entry,
        "update_run_in_plan_entry" => update_run_in_plan_entry,
        "add_run_to_plan_entry" => add_run_to_plan_entry,
        "delete_run_from_plan_entry" => delete_run_from_plan_entry,
        "close_plan" => close_plan,
        "delete_plan" => delete_plan,
        "delete_plan_entry" => delete_plan_entry,
        _ => return None,
    })
}

fn entry_body(f: &Fields) -> ApiResult<AddPlanEntry> {
    let runs = match f.raw("runs") {
        None => vec![],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                let obj = v
                    .as_object()
                    .ok_or_else(|| ApiError::bad("Field :runs is not a valid array of runs."))?;
                run_fields(&Fields::nested(obj, "runs."))
            })
            .collect::<ApiResult<_>>()?,
        Some(_) => return Err(ApiError::bad("Field :runs is not a valid array of runs.")),
    };
    Ok(AddPlanEntry {
        suite_id: f.req_id("suite_id")?,
        name: f.opt_str("name")?,
        description: f.opt_str("description")?,
        include_all: f.opt_bool("include_all")?,
        case_ids: f.opt_ids("case_ids")?,
        config_ids: f.opt_ids("config_ids")?,
        refs: f.opt_str("refs")?,
        runs,
    })
}

fn get_plan(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "plan_id")?;
    c.state.plan(id)?;
    full_plan(c, id)
}

/// A plan with its entries, as get_plan/add_plan/update_plan/close_plan answer. A plan without
/// entries still carries `"entries": []` (the shared model skips an empty list, which is right
/// only for get_plans items): clients such as the Python testrail-api users read
/// `plan["entries"]` straight after add_plan.
fn full_plan(c: &Ctx, id: u64) -> ApiResult<Reply> {
    let mut plan =
        serde_json::to_value(c.state.plan_json(id, c.base, true)).expect("models serialize");
    if let Value::Object(fields) = &mut plan {
        fields
            .entry("entries")
            .or_insert_with(|| Value::Array(vec![]));
    }
    Ok(Reply::Json(plan))
}

fn get_plans(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    let filter = PlanFilter {
        created_after: c.param_ts("created_after")?,
        created_before: c.param_ts("created_before")?,
        created_by: c.param_ids("created_by")?,
        is_completed: c.param_bool("is_completed")?,
        milestone_id: c.param_ids("milestone_id")?,
    };
    let ids = c.state.plans_of(project, &filter)?;
    let items: Vec<_> = ids
        .into_iter()
        .map(|id| c.state.plan_json(id, c.base, false))
        .collect();
    c.page("plans", items)
}

fn add_plan(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    let f = c.fields();
    let entries = match f.raw("entries") {
        None => vec![],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                let obj = v.as_object().ok_or_else(|| {
                    ApiError::bad("Field :entries is not a valid array of entries.")
                })?;
                entry_body(&Fields::nested(obj, "entries."))
            })
            .collect::<ApiResult<_>>()?,
        Some(_) => {
            return Err(ApiError::bad(
                "Field :entries is not a valid array of entries.",
            ));
        }
    };
    let req = NewPlan {
        name: f.req_str("name")?,
        description: f.opt_str("description")?,
        milestone_id: f.opt_id("milestone_id")?,
        entries,
    };
    let id = c.state.add_plan(project, req, c.user, c.now)?;
    full_plan(c, id)
}

fn update_plan(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "plan_id")?;
    let f = c.fields();
    let (name, desc, milestone) = (
        f.opt_str("name")?,
        f.opt_str("description")?,
        f.opt_id("milestone_id")?,
    );
    let project = c.state.plan(id)?.plan.project_id;
    c.state.check_milestone(project, milestone)?;
    let row = c.state.plans.get_mut(&id).expect("checked");
    if row.plan.is_completed {
        return Err(ApiError::forbidden(crate::error::PLAN_COMPLETED));
    }
    if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
        row.plan.name = n;
    }
    if desc.is_some() {
        row.plan.description = desc;
    }
    if milestone.is_some() {
        row.plan.milestone_id = milestone;
    }
    c.state.touch(crate::store::Kind::Plan, id);
    full_plan(c, id)
}

fn add_plan_entry(c: &mut Ctx) -> ApiResult<Reply> {
    let plan = c.id(0, "plan_id")?;
    let body = entry_body(&c.fields())?;
    let entry_id = c.state.add_plan_entry(plan, body, c.user, c.now)?;
    entry_reply(c, plan, &entry_id)
}

fn entry_reply(c: &Ctx, plan: u64, entry_id: &str) -> ApiResult<Reply> {
    let row = c.state.plan(plan)?;
    let entry = row
        .entries
        .iter()
        .find(|e| e.id == entry_id)
        .expect("just written");
    json(c.state.entry_json(entry, c.base))
}

/// The plan entry's UUID, the second path segment (`…/{plan_id}/{entry_id}`).
fn entry_id(c: &Ctx) -> ApiResult<String> {
    c.call
        .ids
        .get(1)
        .cloned()
        .ok_or_else(|| ApiError::required("entry_id"))
}

fn add_run_to_plan_entry(c: &mut Ctx) -> ApiResult<Reply> {
    let plan = c.id(0, "plan_id")?;
    let entry_id = entry_id(c)?;
    let body = run_fields(&c.fields())?;
    c.state
        .add_run_to_plan_entry(plan, &entry_id, body, c.user, c.now)?;
    entry_reply(c, plan, &entry_id)
}

fn update_plan_entry(c: &mut Ctx) -> ApiResult<Reply> {
    let plan = c.id(0, "plan_id")?;
    let entry_id = entry_id(c)?;
    let body = run_fields(&c.fields())?;
    c.state.update_plan_entry(plan, &entry_id, body, c.now)?;
    entry_reply(c, plan, &entry_id)
}

fn update_run_in_plan_entry(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    let body = run_fields(&c.fields())?;
    c.state.update_run_in_plan_entry(run, body, c.now)?;
    json(c.state.run_json(run, c.base))
}

fn delete_run_from_plan_entry(c: &mut Ctx) -> ApiResult<Reply> {
    let run = c.id(0, "run_id")?;
    c.state.delete_run_from_plan_entry(run)?;
    empty()
}

fn close_plan(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "plan_id")?;
    c.state.close_plan(id, c.now)?;
    full_plan(c, id)
}

fn delete_plan(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "plan_id")?;
    c.state.delete_plan(id)?;
    empty()
}

fn delete_plan_entry(c: &mut Ctx) -> ApiResult<Reply> {
    let plan = c.id(0, "plan_id")?;
    let entry_id = entry_id(c)?;
    c.state.delete_plan_entry(plan, &entry_id)?;
    empty()
}
