//! Cases and the metadata catalogues (statuses, fields, priorities, types, templates).

use testrail_api::models::{CaseFields, Field};

use super::{Ctx, Handler, Reply, empty, json};
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::store::{CaseFilter, case_types, priorities, templates};

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "get_case" => get_case,
        "get_cases" => get_cases,
        "add_case" => add_case,
        "update_case" => update_case,
        "delete_case" => delete_case,
        "delete_cases" => delete_cases,
        "get_statuses" => get_statuses,
        "get_case_fields" => |c| json(&c.state.custom_fields.case),
        "get_result_fields" => |c| json(&c.state.custom_fields.result),
        "get_priorities" => |_| json(priorities()),
        "get_case_types" => |_| json(case_types()),
        "get_templates" => get_templates,
        "add_case_field" => add_case_field,
        "get_history_for_case" => get_history_for_case,
        _ => return None,
    })
}

fn case_body(f: &Fields) -> ApiResult<CaseFields> {
    Ok(CaseFields {
        title: f.opt_str("title")?,
        section_id: f.opt_id("section_id")?,
        template_id: f.opt_id("template_id")?,
        type_id: f.opt_id("type_id")?,
        priority_id: f.opt_id("priority_id")?,
        estimate: f.opt_str("estimate")?,
        milestone_id: f.opt_id("milestone_id")?,
        refs: f.opt_str("refs")?,
        custom: f.custom(),
    })
}

/// `get_history_for_case/{case_id}`: paginated under `history` (testrail-observed 6.5). The
/// emulator keeps no edit history, so the list is empty; what real entries hold is UNVERIFIED
/// here (the docs list `id`, `type_id`, `created_on`, `user_id`, `changes`).
fn get_history_for_case(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "case_id")?;
    c.state.case(id)?;
    c.page("history", Vec::<serde_json::Value>::new())
}

/// `add_case_field` (administrators): `type`, `name`, `label` required, in the admin endpoint's
/// own wording (`Field 'name' is a required field.`, seen verbatim, testrail-observed 5.6).
/// The field joins the instance's catalogue for as long as the emulator runs; like the
/// fixture's fields it is not written to `--db`.
fn add_case_field(c: &mut Ctx) -> ApiResult<Reply> {
    let f = c.fields();
    let type_id = f
        .raw("type")
        .and_then(crate::store::field_type_id)
        .ok_or_else(|| {
            ApiError::bad("Invalid or missing custom field type. Please check the Type field.")
        })?;
    let required = |key: &str| {
        f.opt_str(key)?
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ApiError::bad(format!("Field '{key}' is a required field.")))
    };
    let name = required("name")?;
    let label = required("label")?;
    let configs = match f.raw("configs") {
        None => vec![],
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| ApiError::bad("Field :configs is not a valid array."))?,
    };
    let field = Field {
        name: name.trim().to_owned(),
        label,
        description: f.opt_str("description")?,
        type_id,
        include_all: f.opt_bool("include_all")?.unwrap_or(true),
        template_ids: f.opt_ids("template_ids")?.unwrap_or_default(),
        configs,
        ..Field::default()
    };
    json(c.state.add_case_field(field)?)
}

fn get_case(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "case_id")?;
    json(c.state.case(id)?.clone())
}

fn get_cases(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let filter = CaseFilter {
        suite_id: c.param_id("suite_id")?,
        section_id: c.param_id("section_id")?,
        created_after: c.param_ts("created_after")?,
        created_before: c.param_ts("created_before")?,
        updated_after: c.param_ts("updated_after")?,
        updated_before: c.param_ts("updated_before")?,
        created_by: c.param_ids("created_by")?,
        updated_by: c.param_ids("updated_by")?,
        milestone_id: c.param_ids("milestone_id")?,
        priority_id: c.param_ids("priority_id")?,
        template_id: c.param_ids("template_id")?,
        type_id: c.param_ids("type_id")?,
        filter: c.param_str("filter"),
        refs: c.param_str("refs"),
    };
    let items = c.state.cases_of(id, &filter)?;
    c.page("cases", items)
}

fn add_case(c: &mut Ctx) -> ApiResult<Reply> {
    let section = c.id(0, "section_id")?;
    let body = case_body(&c.fields())?;
    let case = c.state.add_case(section, body, c.user, c.now)?;
    c.state.on_case_added(case.id, case.suite_id);
    json(case)
}

fn update_case(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "case_id")?;
    let body = case_body(&c.fields())?;
    json(c.state.update_case(id, body, c.user, c.now)?)
}

fn delete_case(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "case_id")?;
    c.state.delete_case(id)?;
    empty()
}

fn delete_cases(c: &mut Ctx) -> ApiResult<Reply> {
    let suite = c.id(0, "suite_id")?;
    let ids = c
        .fields()
        .opt_ids("case_ids")?
        .ok_or_else(|| crate::error::ApiError::required("case_ids"))?;
    c.state.delete_cases(suite, &ids)?;
    empty()
}

fn get_statuses(c: &mut Ctx) -> ApiResult<Reply> {
    json(c.state.statuses.values().cloned().collect::<Vec<_>>())
}

fn get_templates(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    c.state.project(id)?;
    json(templates())
}
