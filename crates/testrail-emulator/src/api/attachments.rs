//! Attachments: multipart uploads (field `attachment`), listings and raw downloads.

use testrail_api::models::{AttachmentCreated, AttachmentId};

use super::{Ctx, Handler, Reply, empty, json};
use crate::error::{ApiError, ApiResult};

pub fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "add_attachment_to_result" => |c| add(c, "result", "result_id"),
        "add_attachment_to_run" => |c| add(c, "run", "run_id"),
        "add_attachment_to_case" => |c| add(c, "case", "case_id"),
        "add_attachment_to_plan" => |c| add(c, "plan", "plan_id"),
        "get_attachments_for_case" => |c| list(c, "case", "case_id"),
        "get_attachments_for_run" => |c| list(c, "run", "run_id"),
        "get_attachments_for_plan" => |c| list(c, "plan", "plan_id"),
        "get_attachments_for_test" => for_test,
        "get_attachment" => get_attachment,
        "delete_attachment" => delete_attachment,
        _ => return None,
    })
}

/// Whether an endpoint takes a multipart upload instead of JSON.
pub fn is_upload(name: &str) -> bool {
    name.starts_with("add_attachment_to_")
}

fn add(c: &mut Ctx, entity: &str, field: &str) -> ApiResult<Reply> {
    let id = c.id(0, field)?;
    let upload = c
        .upload
        .take()
        .ok_or_else(|| ApiError::required("attachment"))?;
    let aid = c.state.add_attachment(entity, id, upload, c.user, c.now)?;
    json(AttachmentCreated {
        attachment_id: AttachmentId::Int(aid),
    })
}

fn list(c: &mut Ctx, entity: &str, field: &str) -> ApiResult<Reply> {
    let id = c.id(0, field)?;
    let items = c.state.attachments_of(entity, id)?;
    c.page("attachments", items)
}

fn for_test(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "test_id")?;
    json(c.state.attachments_of_test(id)?)
}

fn get_attachment(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "attachment_id")?;
    let row = c.state.attachment(id)?;
    Ok(Reply::Bytes {
        data: row.data.clone(),
        content_type: row.content_type.clone(),
        filename: row.meta.filename.clone(),
    })
}

fn delete_attachment(c: &mut Ctx) -> ApiResult<Reply> {
    let id = c.id(0, "attachment_id")?;
    c.state.delete_attachment(id)?;
    empty()
}
