//! Projects, suites, sections.

use testrail_api::models::{AddProject, AddSection, AddSuite};

use super::{Ctx, Handler, Reply, empty, json};
use crate::error::{ApiError, ApiResult};

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "get_project" => get_project,
        "get_projects" => get_projects,
        "add_project" => add_project,
        "update_project" => update_project,
        "get_suite" => get_suite,
        "get_suites" => get_suites,
        "add_suite" => add_suite,
        "update_suite" => update_suite,
        "delete_suite" => delete_suite,
        "get_section" => get_section,
        "get_sections" => get_sections,
        "add_section" => add_section,
        "update_section" => update_section,
        "delete_section" => delete_section,
        _ => return None,
    })
}

fn get_project(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let p = c.state.project(id)?;
    json(c.state.project_json(p, c.base))
}

fn get_projects(c: &mut Ctx) -> ApiResult<Reply> {
    let done = c.param_bool("is_completed")?;
    let items: Vec<_> = c
        .state
        .projects
        .values()
        .filter(|p| done.is_none_or(|d| p.is_completed == d))
        .map(|p| c.state.project_json(p, c.base))
        .collect();
    c.page("projects", items)
}

fn add_project(c: &mut Ctx) -> ApiResult<Reply> {
    let f = c.fields();
    let mode = f
        .opt_id("suite_mode")
        .map_err(|_| ApiError::bad("Field :suite_mode is not a valid suite mode (1, 2 or 3)."))?;
    let req = AddProject {
        name: f.req_str("name")?,
        announcement: f.opt_str("announcement")?,
        show_announcement: f.opt_bool("show_announcement")?.unwrap_or(false),
        suite_mode: Some(mode.unwrap_or(1).min(255) as u8),
    };
    let p = c.state.add_project(req, c.now)?;
    json(c.state.project_json(&p, c.base))
}

fn update_project(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let f = c.fields();
    let (name, ann, done) = (
        f.opt_str("name")?,
        f.opt_str("announcement")?,
        f.opt_bool("is_completed")?,
    );
    let p = c.state.update_project(id, name, ann, done, c.now)?;
    json(c.state.project_json(&p, c.base))
}

fn get_suite(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "suite_id")?;
    let s = c.state.suite(id)?;
    json(c.state.suite_json(s, c.base))
}

fn get_suites(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let items: Vec<_> = c
        .state
        .suites_of(id)?
        .iter()
        .map(|s| c.state.suite_json(s, c.base))
        .collect();
    c.page("suites", items)
}

fn add_suite(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let f = c.fields();
    let req = AddSuite {
        name: f.req_str("name")?,
        description: f.opt_str("description")?,
    };
    let s = c.state.add_suite(id, req, c.now)?;
    json(c.state.suite_json(&s, c.base))
}

fn update_suite(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "suite_id")?;
    let f = c.fields();
    let (name, desc) = (f.opt_str("name")?, f.opt_str("description")?);
    let s = c.state.update_suite(id, name, desc)?;
    json(c.state.suite_json(&s, c.base))
}

fn delete_suite(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "suite_id")?;
    c.state.delete_suite(id)?;
    empty()
}

fn get_section(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "section_id")?;
    json(c.state.section(id)?.clone())
}

fn get_sections(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let items = c.state.sections_of(id, c.param_id("suite_id")?)?;
    c.page("sections", items)
}

fn add_section(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "project_id")?;
    let f = c.fields();
    let req = AddSection {
        name: f.req_str("name")?,
        description: f.opt_str("description")?,
        suite_id: f.opt_id("suite_id")?,
        parent_id: f.opt_id("parent_id")?,
    };
    json(c.state.add_section(id, req)?)
}

fn update_section(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "section_id")?;
    let f = c.fields();
    let (name, desc) = (f.opt_str("name")?, f.opt_str("description")?);
    json(c.state.update_section(id, name, desc)?)
}

fn delete_section(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "section_id")?;
    c.state.delete_section(id)?;
    empty()
}
