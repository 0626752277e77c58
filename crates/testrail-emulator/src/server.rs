//! The HTTP layer: one fallback handler that routes on the raw query string, authenticates,
//! applies faults and the rate limit, runs the API handler under the store lock and answers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use testrail_api::models::User;

use crate::api::{self, Ctx, Reply};
use crate::error::{AUTH_FAILED, ApiError, RATE_LIMITED};
use crate::faults::{Faults, Guard};
use crate::persist::Db;
use crate::routing::{Call, Target, parse_index_query};
use crate::store::{State, Upload};
use crate::{Credential, web};

/// Largest request body accepted (JSON or upload).
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Beyond this an oversized body is no longer drained; the connection is just closed.
const MAX_DRAIN: usize = 512 * 1024 * 1024;

/// The store and its database, behind the one store mutex.
pub struct Store {
    pub state: State,
    pub db: Option<Db>,
}

pub struct App {
    pub store: Mutex<Store>,
    pub guard: Mutex<Guard>,
    pub creds: Vec<Credential>,
    pub base: String,
    /// Builds the state a reset returns to (fixture and custom statuses re-applied).
    pub fresh: Box<dyn Fn() -> State + Send + Sync>,
}

impl App {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn guard(&self) -> MutexGuard<'_, Guard> {
        self.guard.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn json_response(status: u16, body: &Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

fn error_response(e: &ApiError) -> Response {
    json_response(e.status, &e.body())
}

pub async fn handle(AxState(app): AxState<Arc<App>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    match (req.method().clone(), path.as_str()) {
        (_, "/index.php") => match parse_index_query(&query) {
            Some(Target::Api(call)) => api_request(app, call, req).await,
            Some(Target::Page(parts)) => web::respond(&app, &parts, &query),
            None => web::respond(&app, &[], ""),
        },
        (Method::GET, "/") => web::respond(&app, &[], ""),
        (Method::GET | Method::HEAD, p) if p.starts_with("/attachments/") => {
            web::attachment(&app, &p["/attachments/".len()..])
        }
        (Method::GET, "/_emulator/stats") => json_response(200, &json!(app.guard().stats)),
        (Method::GET, "/_emulator/faults") => json_response(200, &json!(app.guard().faults())),
        (Method::POST, "/_emulator/faults") => set_faults(&app, req).await,
        (Method::POST, "/_emulator/reset") => reset(&app),
        _ => json_response(404, &json!({"error": format!("Not found: {path}")})),
    }
}

async fn set_faults(app: &App, req: Request) -> Response {
    let bytes = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(e) => return error_response(&e),
    };
    match serde_json::from_slice::<Faults>(&bytes) {
        Ok(f) if valid_faults(&f) => {
            app.guard().set_faults(f);
            json_response(200, &json!(f))
        }
        Ok(_) => error_response(&ApiError::bad("Rates must be between 0 and 1.")),
        Err(e) => error_response(&ApiError::bad(format!("Invalid faults JSON: {e}"))),
    }
}

pub fn valid_faults(f: &Faults) -> bool {
    (0.0..=1.0).contains(&f.fail_rate) && (0.0..=1.0).contains(&f.drop_after_commit_rate)
}

/// Empties the store (back to the fixture), the database and the counters.
pub fn reset(app: &App) -> Response {
    let mut store = app.store();
    store.state = (app.fresh)();
    store.state.touch_all();
    let Store { state, db } = &mut *store;
    if let Some(db) = db {
        let written = db.clear().and_then(|_| db.flush(state));
        if let Err(e) = written {
            return error_response(&ApiError::new(
                500,
                format!("Could not write the database: {e}"),
            ));
        }
    } else {
        state.take_dirty();
    }
    drop(store);
    app.guard().reset();
    json_response(200, &json!({"reset": true}))
}

async fn api_request(app: Arc<App>, call: Call, req: Request) -> Response {
    app.guard().count_request(&call.name);
    let latency = app.guard().latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (resp, label) = match api_inner(&app, &call, req).await {
        Ok(Answer::Normal(resp)) => {
            let label = resp.status().as_u16().to_string();
            (resp, label)
        }
        Ok(Answer::Dropped(resp)) => (resp, "dropped".to_owned()),
        Err(e) => (error_response(&e), e.status.to_string()),
    };
    app.guard().count_status(&label);
    app.guard().count_endpoint_status(&call.name, &label);
    tracing::debug!(endpoint = %call.name, status = %label, "emulator api request");
    resp
}

enum Answer {
    Normal(Response),
    Dropped(Response),
}

async fn api_inner(app: &App, call: &Call, req: Request) -> Result<Answer, ApiError> {
    let email = authenticate(app, req.headers())?;
    if let Err(retry) = app.guard().admit(&email, Instant::now()) {
        return Ok(Answer::Normal(rate_limited(retry)));
    }
    if let Some(status) = app.guard().roll_failure() {
        let msg =
            format!("Emulated server error ({status}): nothing was applied, retry the request.");
        return Err(ApiError::new(status, msg));
    }
    let handler = api::lookup(&call.name)
        .ok_or_else(|| ApiError::new(404, format!("Unknown method '{}'", call.name)))?;
    let write = api::is_write(&call.name);
    check_method(req.method(), write)?;
    let (parts, body) = req.into_parts();
    let bytes = if write {
        read_body(body).await?
    } else {
        Bytes::new()
    };
    let (map, upload) = if api::is_upload(&call.name) {
        (Map::new(), Some(read_upload(parts, bytes).await?))
    } else {
        (parse_json_object(&bytes)?, None)
    };
    let reply = run_handler(app, call, handler, &email, &map, upload)?;
    if !write {
        return Ok(Answer::Normal(reply_response(reply)));
    }
    let drop_it = {
        let mut g = app.guard();
        g.stats.writes += 1;
        g.roll_drop()
    };
    Ok(if drop_it {
        Answer::Dropped(dropped_response(reply))
    } else {
        Answer::Normal(reply_response(reply))
    })
}

/// Runs the handler under the store lock; a successful write is persisted before answering.
fn run_handler(
    app: &App,
    call: &Call,
    handler: api::Handler,
    email: &str,
    body: &Map<String, Value>,
    upload: Option<Upload>,
) -> Result<Reply, ApiError> {
    let mut store = app.store();
    let Store { state, db } = &mut *store;
    let user = state
        .user_by_email(email)
        .map_err(|_| ApiError::new(401, AUTH_FAILED))?
        .clone();
    check_permission(&user, &call.name)?;
    let mut ctx = Ctx {
        state,
        call,
        body,
        user: user.id,
        now: now_secs(),
        base: &app.base,
        upload,
    };
    let result = handler(&mut ctx);
    match db {
        Some(db) => db
            .flush(state)
            .map_err(|e| ApiError::new(500, format!("Could not write the database: {e}")))?,
        None => drop(state.take_dirty()),
    }
    result
}

/// Basic auth: `email:key` (or password) against the configured credentials.
fn authenticate(app: &App, headers: &HeaderMap) -> Result<String, ApiError> {
    let fail = || ApiError::new(401, AUTH_FAILED);
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(fail)?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
        .ok_or_else(fail)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| fail())?;
    let decoded = String::from_utf8(decoded).map_err(|_| fail())?;
    let (email, key) = decoded.split_once(':').ok_or_else(fail)?;
    let ok = app
        .creds
        .iter()
        .any(|c| c.email.eq_ignore_ascii_case(email) && c.key == key);
    if !ok {
        return Err(fail());
    }
    let store = app.store();
    match store.state.user_by_email(email) {
        Ok(u) if u.is_active => Ok(u.email.clone()),
        _ => Err(fail()),
    }
}

/// Read-only users may not write; only admins may add projects.
fn check_permission(user: &User, endpoint: &str) -> Result<(), ApiError> {
    if !api::is_write(endpoint) {
        return Ok(());
    }
    let read_only = user
        .role
        .as_deref()
        .is_some_and(|r| r.eq_ignore_ascii_case("read-only") || r.eq_ignore_ascii_case("guest"));
    let needs_admin = endpoint.ends_with("_project");
    if read_only || (needs_admin && !user.is_admin) {
        return Err(ApiError::forbidden(format!(
            "You are not allowed to {} (insufficient permissions).",
            describe(endpoint)
        )));
    }
    Ok(())
}

/// `add_results_for_cases` -> "add test results".
fn describe(endpoint: &str) -> String {
    let (verb, rest) = endpoint.split_once('_').unwrap_or((endpoint, ""));
    let verb = if verb == "update" { "edit" } else { verb };
    let things = [
        ("attachment", "attachments"),
        ("result", "test results"),
        ("case", "test cases"),
        ("plan", "test plans"),
        ("run", "test runs"),
        ("section", "sections"),
        ("suite", "test suites"),
        ("milestone", "milestones"),
        ("project", "projects"),
        ("config", "configurations"),
    ];
    let thing = things
        .iter()
        .find(|(k, _)| rest.contains(k))
        .map_or(rest, |(_, v)| v);
    format!("{verb} {thing}")
}

fn check_method(method: &Method, write: bool) -> Result<(), ApiError> {
    match (write, method) {
        (false, &Method::GET) | (false, &Method::HEAD) | (true, &Method::POST) => Ok(()),
        (false, _) => Err(ApiError::bad(
            "This API method must be called with GET (get_* methods are read-only).",
        )),
        (true, _) => Err(ApiError::bad(
            "This API method must be called with POST (only get_* methods use GET).",
        )),
    }
}

fn rate_limited(retry_after: u64) -> Response {
    let mut resp = json_response(429, &json!({"error": RATE_LIMITED}));
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    resp
}

/// Reads the body up to [`MAX_BODY`]; an oversized body is drained (so the client reads our
/// 413 instead of a reset connection) up to [`MAX_DRAIN`].
pub async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad("The request body could not be read."))?;
        seen += chunk.len();
        if seen <= MAX_BODY {
            buf.extend_from_slice(&chunk);
        } else if seen > MAX_DRAIN {
            break;
        }
    }
    if seen > MAX_BODY {
        return Err(ApiError::new(
            413,
            format!(
                "The request body is too large (maximum {} MiB).",
                MAX_BODY >> 20
            ),
        ));
    }
    Ok(Bytes::from(buf))
}

/// An empty body is `{}` (close_run, delete_*); anything else must be a JSON object.
fn parse_json_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(ApiError::bad("The request body must be a JSON object.")),
        Err(e) => Err(ApiError::bad(format!(
            "The request body is not valid JSON ({e})."
        ))),
    }
}

/// The `attachment` part of a multipart body.
async fn read_upload(parts: axum::http::request::Parts, bytes: Bytes) -> Result<Upload, ApiError> {
    let req = Request::from_parts(parts, Body::from(bytes));
    let bad = |e: String| ApiError::bad(format!("The attachment could not be read: {e}"));
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad(e.body_text()))?;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.body_text()))?
    {
        if field.name() != Some("attachment") {
            continue;
        }
        let filename = field.file_name().unwrap_or("attachment").to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let data = field
            .bytes()
            .await
            .map_err(|e| bad(e.body_text()))?
            .to_vec();
        return Ok(Upload {
            filename,
            content_type,
            data,
        });
    }
    Err(ApiError::required("attachment"))
}

fn reply_bytes(reply: Reply) -> (Vec<u8>, String, Option<String>) {
    match reply {
        Reply::Json(Value::Null) => (vec![], "application/json; charset=utf-8".into(), None),
        Reply::Json(v) => (
            v.to_string().into_bytes(),
            "application/json; charset=utf-8".into(),
            None,
        ),
        Reply::Bytes {
            data,
            content_type,
            filename,
        } => (data, content_type, Some(filename)),
    }
}

fn reply_response(reply: Reply) -> Response {
    let (data, content_type, filename) = reply_bytes(reply);
    let mut resp = Response::new(Body::from(data));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(name) = filename {
        let disposition = format!(
            "attachment; filename=\"{}\"",
            name.replace(['"', '\r', '\n'], "_")
        );
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    resp
}

/// The write was applied; now promise a full body, offer part of it and fail the stream, which
/// makes hyper abort the connection. hyper buffers the head with the first body bytes, so the
/// socket closes before the client has even read a status line: reqwest reports
/// `IncompleteMessage` from `send()`, Python `requests` a `ConnectionError`. Either way the client
/// cannot know the write landed.
fn dropped_response(reply: Reply) -> Response {
    let (data, content_type, _) = reply_bytes(reply);
    let promised = data.len() + 16;
    let part = Bytes::from(data[..data.len() / 2].to_vec());
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(part),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "emulated drop after commit",
        )),
    ];
    let mut resp = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/json")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(promised));
    resp
}
