//! The gateway in front of the emulated TestRail, as nginx or Apache sit in front of real
//! installations: it reads the request body (413 HTML page over `body_limit_bytes`), hands the
//! request to the server's work in a task of its own and waits at most `gateway_timeout_ms`
//! for it (504 HTML page). The work depends on neither the gateway nor the client: after a 504 or
//! a client that hung up it goes on and commits. That late commit is what a client must survive
//! without posting results twice.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::routing::Call;
use crate::server::{self, App, BodyRead, Outcome, error_response, json_response};

/// nginx's page when `proxy_read_timeout` runs out.
const PAGE_504: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const PAGE_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const PAGE_503: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
/// Apache's 413 page, as TestRail Cloud answered an oversized POST (testrail-observed 3.21).
const PAGE_413: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>413 Request Entity Too Large</title>\n</head><body>\n<h1>Request Entity Too Large</h1>\nThe requested resource<br />/index.php<br />\ndoes not allow request data with POST requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n</body></html>\n";

/// Counts a client that hangs up before its answer as nginx logs it (499), unless disarmed.
struct HangUpWatch {
    app: Arc<App>,
    endpoint: String,
    answered: bool,
}

impl Drop for HangUpWatch {
    fn drop(&mut self) {
        let mut g = self.app.guard();
        g.leave();
        if !self.answered {
            g.count_status(&self.endpoint, "499");
        }
    }
}

/// One API request through the gateway: counted, body read and limited, work spawned, answer
/// (or 504) returned. `uri_error` is a route TestRail would refuse (see [`crate::routing`]).
pub async fn api_request(
    app: Arc<App>,
    call: Call,
    uri_error: Option<String>,
    req: Request,
) -> Response {
    let arrived = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    {
        let mut g = app.guard();
        g.count_request(&call.name, peer);
        g.enter();
    }
    let mut watch = HangUpWatch {
        app: app.clone(),
        endpoint: call.name.clone(),
        answered: false,
    };
    let (response, label) = pass(&app, call.clone(), uri_error, req, arrived).await;
    watch.answered = true;
    app.guard().count_status(&call.name, &label);
    tracing::debug!(endpoint = %call.name, status = %label, "emulator api request");
    response
}

async fn pass(
    app: &Arc<App>,
    call: Call,
    uri_error: Option<String>,
    req: Request,
    arrived: Instant,
) -> (Response, String) {
    let (limit, patience, timeout_status) = {
        let g = app.guard();
        (
            g.body_limit(),
            g.gateway_timeout(),
            g.faults().gateway_timeout_status,
        )
    };
    let (parts, body) = req.into_parts();
    let cap = limit.map_or(server::MAX_BODY, |l| l.min(server::MAX_BODY));
    let bytes = match server::read_within(body, cap).await {
        Ok(BodyRead::Within(bytes)) => bytes,
        Ok(BodyRead::TooLarge) if limit.is_some_and(|l| l <= server::MAX_BODY) => {
            return (html(413, PAGE_413), "413".into());
        }
        Ok(BodyRead::TooLarge) => {
            let e = server::body_too_large();
            return (error_response(&e), e.status.to_string());
        }
        Err(e) => return (error_response(&e), e.status.to_string()),
    };
    let mut work = tokio::spawn(server::work(
        app.clone(),
        call,
        uri_error,
        parts,
        bytes,
        arrived,
    ));
    let done = match patience {
        None => (&mut work).await,
        Some(patience) => match tokio::time::timeout(patience, &mut work).await {
            Ok(done) => done,
            Err(_) => return give_up(app, work, timeout_status),
        },
    };
    match done {
        Ok(Outcome {
            response, label, ..
        }) => (response, label),
        Err(e) => {
            tracing::error!("emulator request task failed: {e}");
            let body = json!({"error": "The emulator's request task failed."});
            (json_response(500, &body), "500".into())
        }
    }
}

/// The gateway stops waiting and answers 504 (or the configured 5xx); the work goes on, and a
/// write it commits later is counted as a late commit.
fn give_up(
    app: &Arc<App>,
    work: tokio::task::JoinHandle<Outcome>,
    status: u16,
) -> (Response, String) {
    app.guard().stats.gateway_timeouts += 1;
    let app = app.clone();
    tokio::spawn(async move {
        if let Ok(outcome) = work.await
            && outcome.committed
        {
            app.guard().stats.late_commits += 1;
        }
    });
    match status {
        0 | 504 => (html(504, PAGE_504), "504".into()),
        other => (failure_after_commit(other), other.to_string()),
    }
}

/// A 5xx that hides whether the write was applied, shaped like what real deployments answer:
/// TestRail Cloud's 500 `Request timed out` (JSON), or a proxy's HTML 502/503.
pub fn failure_after_commit(status: u16) -> Response {
    match status {
        502 => html(502, PAGE_502),
        503 => html(503, PAGE_503),
        _ => json_response(500, &json!({"error": "Request timed out"})),
    }
}

fn html(status: u16, page: &'static str) -> Response {
    let mut resp = Response::new(Body::from(page));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}
