//! API handlers by family. Each handler is a plain function over [`Ctx`] (the locked store, the
//! parsed call and body); the HTTP layer in `server` does auth, faults and I/O around it.

mod attachments;
mod cases;
mod page;
mod plans;
mod projects;
mod results;
mod runs;
mod users;

use serde::Serialize;
use serde_json::{Map, Value};
use testrail_api::models::Id;

use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, parse_id_list, value_to_id};
use crate::routing::Call;
use crate::store::{State, Upload};

pub use attachments::is_upload;
pub use page::MAX_LIMIT;

/// Everything a handler may use.
pub struct Ctx<'a> {
    /// The store; handlers mutate it under the server's lock.
    pub state: &'a mut State,
    /// The parsed request: endpoint, path IDs and query parameters.
    pub call: &'a Call,
    /// The JSON body (empty for GETs and uploads).
    pub body: &'a Map<String, Value>,
    /// The authenticated user.
    pub user: Id,
    /// The request's clock, UNIX seconds: every timestamp a handler writes comes from here.
    pub now: i64,
    /// `http://127.0.0.1:PORT`, for `url` fields.
    pub base: &'a str,
    /// The multipart file of an `add_attachment_to_*` call, if this is one.
    pub upload: Option<Upload>,
}

/// What a handler answers.
#[derive(Debug)]
pub enum Reply {
    /// A JSON body; `Value::Null` for TestRail's empty 200.
    Json(Value),
    /// A file download (`get_attachment`).
    Bytes {
        /// The file's bytes.
        data: Vec<u8>,
        /// MIME type given at upload.
        content_type: String,
        /// Name for the `Content-Disposition` header.
        filename: String,
    },
}

/// One endpoint's implementation.
pub type Handler = fn(&mut Ctx) -> ApiResult<Reply>;

/// A JSON reply of any serializable model.
pub fn json<T: Serialize>(v: T) -> ApiResult<Reply> {
    Ok(Reply::Json(
        serde_json::to_value(v).expect("models serialize"),
    ))
}

/// TestRail answers deletes and closes-without-object with an empty 200.
pub fn empty() -> ApiResult<Reply> {
    Ok(Reply::Json(Value::Null))
}

impl Ctx<'_> {
    /// The n-th ID in the path (`get_case/7` -> 7), named `field` in errors.
    pub fn id(&self, n: usize, field: &str) -> ApiResult<Id> {
        let raw = self
            .call
            .ids
            .get(n)
            .ok_or_else(|| ApiError::required(field))?;
        raw.parse::<Id>()
            .ok()
            .filter(|i| *i > 0)
            .ok_or_else(|| ApiError::invalid_id(field))
    }

    /// The body read field by field with TestRail's error texts.
    pub fn fields(&self) -> Fields<'_> {
        Fields::new(self.body)
    }

    /// An ID query parameter (`&suite_id=2`); absent or empty is `None`, anything else but a
    /// positive integer is TestRail's "not a valid ID".
    pub fn param_id(&self, key: &str) -> ApiResult<Option<Id>> {
        self.call
            .param(key)
            .filter(|v| !v.is_empty())
            .map(|v| value_to_id(&Value::String(v.into())).ok_or_else(|| ApiError::invalid_id(key)))
            .transpose()
    }

    /// A comma-separated ID list parameter (`&status_id=4,5`); absent or empty is `None`.
    pub fn param_ids(&self, key: &str) -> ApiResult<Option<Vec<Id>>> {
        self.call
            .param(key)
            .filter(|v| !v.is_empty())
            .map(|v| parse_id_list(v).ok_or_else(|| ApiError::invalid_id(key)))
            .transpose()
    }

    /// A boolean parameter: `1`/`true` or `0`/`false`; absent or empty is `None`.
    pub fn param_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.call.param(key) {
            None | Some("") => Ok(None),
            Some("1") | Some("true") => Ok(Some(true)),
            Some("0") | Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::bad(format!(
                "Field :{key} is not a valid boolean."
            ))),
        }
    }

    /// A UNIX-seconds parameter (`&created_after=…`); absent or empty is `None`.
    pub fn param_ts(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.call.param(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::bad(format!("Field :{key} is not a valid timestamp."))),
        }
    }

    /// A text parameter; absent or empty is `None`.
    pub fn param_str(&self, key: &str) -> Option<String> {
        self.call
            .param(key)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Paginates `items` with the call's `limit`/`offset` into TestRail's page object under `key`
    /// (`cases`, `runs`, …).
    pub fn page<T: Serialize>(&self, key: &str, items: Vec<T>) -> ApiResult<Reply> {
        page::page(self.call, key, items).map(Reply::Json)
    }
}

/// The handler of an endpoint name; `None` for unknown endpoints (404).
pub fn lookup(name: &str) -> Option<Handler> {
    projects::lookup(name)
        .or_else(|| cases::lookup(name))
        .or_else(|| runs::lookup(name))
        .or_else(|| plans::lookup(name))
        .or_else(|| results::lookup(name))
        .or_else(|| users::lookup(name))
        .or_else(|| attachments::lookup(name))
}

/// TestRail's method rule: `get_*` are GETs, everything else is a POST.
pub fn is_write(name: &str) -> bool {
    !name.starts_with("get_")
}
