//! Users, milestones and configurations.

use testrail_api::models::AddMilestone;

use super::{Ctx, Handler, Reply, json};
use crate::error::{ApiError, ApiResult};

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "get_user" => get_user,
        "get_user_by_email" => get_user_by_email,
        "get_current_user" => get_current_user,
        "get_users" => get_users,
        "get_milestone" => get_milestone,
        "get_milestones" => get_milestones,
        "add_milestone" => add_milestone,
        "update_milestone" => update_milestone,
        "get_configs" => get_configs,
        "add_config_group" => add_config_group,
        "add_config" => add_config,
        "update_config" => update_config,
        _ => return None,
    })
}

fn get_user(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "user_id")?;
    json(c.state.user(id)?.clone())
}

fn get_user_by_email(c: &mut Ctx) -> ApiResult<Reply> {
    let email = c
        .param_str("email")
        .ok_or_else(|| ApiError::required("email"))?;
    json(c.state.user_by_email(&email)?.clone())
}

fn get_current_user(c: &mut Ctx) -> ApiResult<Reply> {
    json(c.state.user(c.user)?.clone())
}

/// `get_users` and `get_users/{project_id}` (paginated, as on current servers).
/// Without a project ID only administrators may list users (TestRail 6.4+; the text, with no
/// space after `Field:`, is verbatim, testrail-observed 2.9).
fn get_users(c: &mut Ctx) -> ApiResult<Reply> {
    if !c.call.ids.is_empty() {
        let project = c.id(0, "project_id")?;
        c.state.project(project)?;
    } else if !c.state.user(c.user).is_ok_and(|u| u.is_admin) {
        return Err(ApiError::forbidden(
            "Access Denied. You are not a TestRail administrator. Field:project_id is a required field.",
        ));
    }
    let items: Vec<_> = c.state.users.values().cloned().collect();
    c.page("users", items)
}

fn get_milestone(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "milestone_id")?;
    let m = c.state.milestone(id)?;
    json(c.state.milestone_json(m, c.base))
}

fn get_milestones(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    c.state.project(project)?;
    let (done, started) = (c.param_bool("is_completed")?, c.param_bool("is_started")?);
    let items: Vec<_> = c
        .state
        .milestones
        .values()
        .filter(|m| m.project_id == project && m.parent_id.is_none())
        .filter(|m| {
            done.is_none_or(|d| m.is_completed == d) && started.is_none_or(|s| m.is_started == s)
        })
        .map(|m| c.state.milestone_json(m, c.base))
        .collect();
    c.page("milestones", items)
}

fn add_milestone(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    let f = c.fields();
    let req = AddMilestone {
        name: f.req_str("name")?,
        description: f.opt_str("description")?,
        due_on: f.opt_timestamp("due_on")?,
        parent_id: f.opt_id("parent_id")?,
    };
    let start_on = f.opt_timestamp("start_on")?;
    let m = c.state.add_milestone(project, req, start_on)?;
    json(c.state.milestone_json(&m, c.base))
}

fn update_milestone(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "milestone_id")?;
    let f = c.fields();
    let (name, done, started) = (
        f.opt_str("name")?,
        f.opt_bool("is_completed")?,
        f.opt_bool("is_started")?,
    );
    let m = c.state.update_milestone(id, name, done, started, c.now)?;
    json(c.state.milestone_json(&m, c.base))
}

fn get_configs(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    json(c.state.configs_of(project)?)
}

fn add_config_group(c: &mut Ctx) -> ApiResult<Reply> {
    let project = c.id(0, "project_id")?;
    let name = c.fields().req_str("name")?;
    json(c.state.add_config_group(project, name)?)
}

/// `update_config/{config_id}`: renames a configuration.
fn update_config(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "config_id")?;
    let name = c.fields().req_str("name")?;
    json(c.state.update_config(id, name)?)
}

fn add_config(c: &mut Ctx) -> ApiResult<Reply> {
    let group = c.id(0, "config_group_id")?;
    let name = c.fields().req_str("name")?;
    json(c.state.add_config(group, name)?)
}
