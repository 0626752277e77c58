//! TestRail's pagination wrapper: `{offset, limit, size, _links: {next, prev}, <key>: [...]}`.

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::routing::Call;

/// Largest page TestRail serves (and the default `limit`).
pub const MAX_LIMIT: usize = 250;

fn natural(call: &Call, key: &str) -> ApiResult<Option<usize>> {
    match call.param(key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map(Some)
            .map_err(|_| ApiError::bad(format!("Field :{key} is not a valid natural number."))),
    }
}

/// Reads and checks `limit` (1..=250, default 250) and `offset` (default 0).
pub fn limits(call: &Call) -> ApiResult<(usize, usize)> {
    let limit = natural(call, "limit")?.unwrap_or(MAX_LIMIT);
    if limit < 1 {
        return Err(ApiError::bad("Field :limit is too small (minimum 1)."));
    }
    if limit > MAX_LIMIT {
        return Err(ApiError::bad(format!(
            "Field :limit is too large (maximum {MAX_LIMIT})."
        )));
    }
    Ok((limit, natural(call, "offset")?.unwrap_or(0)))
}

/// One page of `items` under `key`; links keep the call's filters and use the relative
/// `/api/v2/...` form clients prefix with `index.php?`.
pub fn page<T: Serialize>(call: &Call, key: &str, items: Vec<T>) -> ApiResult<Value> {
    let (limit, offset) = limits(call)?;
    let total = items.len();
    let slice: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let base = call.link_base();
    let next =
        (offset + limit < total).then(|| format!("{base}&limit={limit}&offset={}", offset + limit));
    let prev = (offset > 0).then(|| {
        format!(
            "{base}&limit={limit}&offset={}",
            offset.saturating_sub(limit)
        )
    });
    Ok(json!({
        "offset": offset,
        "limit": limit,
        "size": slice.len(),
        "_links": {"next": next, "prev": prev},
        key: slice,
    }))
}
