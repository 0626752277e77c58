//! The read-only web view: projects -> runs (counters as a coloured bar) -> tests with their
//! latest result. Plain server-rendered HTML, same query-string routing as TestRail
//! (`/index.php?/runs/view/3`), no JavaScript.

use std::fmt::Write;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use testrail_api::models::{Id, StatusCounts};

use crate::server::App;
use crate::store::State;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f4f6f8;color:#1f2933}
header{background:#1f3a5f;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:1100px;margin:24px auto;padding:0 24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#6b7785}.card{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:12px 16px;margin:8px 0}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde3ea}td:first-child{white-space:nowrap}th,td{padding:7px 10px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top}
th{background:#f8fafb;font-weight:600;font-size:12px;text-transform:uppercase;color:#52606d}a{color:#1f5fa8}
.bar{display:flex;height:12px;border-radius:3px;overflow:hidden;background:#e4e7eb;min-width:160px}.bar span{display:block;height:100%}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
pre{white-space:pre-wrap;margin:0;font-size:12px;max-height:8em;overflow:auto}.legend span{margin-right:12px}.done{opacity:.7}";

/// HTML-escapes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn color(state: &State, status_id: Id) -> String {
    state
        .statuses
        .get(&status_id)
        .map_or("#9aa5b1".into(), |s| {
            format!(
                "#{:06x}",
                if s.color_medium != 0 {
                    s.color_medium
                } else {
                    s.color_dark
                }
            )
        })
}

/// Darker shade for text badges (white text must stay readable).
fn dark(state: &State, status_id: Id) -> String {
    state
        .statuses
        .get(&status_id)
        .filter(|s| s.color_dark != 0)
        .map_or_else(
            || color(state, status_id),
            |s| format!("#{:06x}", s.color_dark),
        )
}

fn label(state: &State, status_id: Id) -> String {
    state
        .statuses
        .get(&status_id)
        .map_or(format!("Status {status_id}"), |s| s.label.clone())
}

fn badge(state: &State, status_id: Id) -> String {
    format!(
        "<span class=badge style=\"background:{}\">{}</span>",
        dark(state, status_id),
        esc(&label(state, status_id))
    )
}

/// The counters as a stacked, coloured bar with a tooltip per status.
fn bar(state: &State, counts: &StatusCounts) -> String {
    let total = counts.total().max(1) as f64;
    let mut html = String::from("<div class=bar>");
    for id in [1, 5, 2, 4, 6, 7, 8, 9, 10, 11, 12, 3] {
        let n = counts.get(id);
        if n > 0 {
            let pct = n as f64 * 100.0 / total;
            let _ = write!(
                html,
                "<span title=\"{} {n}\" style=\"width:{pct:.2}%;background:{}\"></span>",
                esc(&label(state, id)),
                color(state, id)
            );
        }
    }
    html + "</div>"
}

fn summary(state: &State, counts: &StatusCounts) -> String {
    let total = counts.total();
    let passed = counts.get(1);
    let pct = (passed * 100).checked_div(total).unwrap_or(0);
    let parts: Vec<String> = (1..=12)
        .filter(|id| counts.get(*id) > 0)
        .map(|id| format!("{} {}", counts.get(id), esc(&label(state, id))))
        .collect();
    format!("{pct}% passed · {}", parts.join(", "))
}

/// Unix seconds -> `2026-11-27 09:26 UTC` (civil-from-days, no date crate needed).
fn when(ts: i64) -> String {
    let (days, secs) = (ts.div_euclid(86_400), ts.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>{} · TestRail emulator</title><style>{STYLE}</style></head>\
         <body><header><a href=\"/\">TestRail emulator</a></header><main>{body}</main></body></html>",
        esc(title)
    )
}

/// Answers a web-view path (`[]`, `["runs","view","3"]`, ...).
pub fn respond(app: &App, parts: &[String]) -> Response {
    let store = app.store();
    let state = &store.state;
    let id = parts.get(2).and_then(|s| s.parse::<Id>().ok()).unwrap_or(0);
    let html = match (
        parts.first().map(String::as_str),
        parts.get(1).map(String::as_str),
    ) {
        (None, _) => Some(index(state)),
        (Some("projects"), Some("overview")) => project_page(state, id),
        (Some("runs"), Some("view")) => run_page(state, id),
        (Some("plans"), Some("view")) => plan_page(state, id),
        (Some("tests"), Some("view")) => {
            state.tests.get(&id).and_then(|t| run_page(state, t.run_id))
        }
        (Some("suites"), Some("view")) => state
            .suites
            .get(&id)
            .and_then(|s| project_page(state, s.project_id)),
        (Some("milestones"), Some("view")) => state
            .milestones
            .get(&id)
            .and_then(|m| project_page(state, m.project_id)),
        _ => None,
    };
    drop(store);
    let (status, html) = match html {
        Some(h) => (StatusCode::OK, h),
        None => (
            StatusCode::NOT_FOUND,
            page(
                "Not found",
                "<h1>Not found</h1><p>Nothing here. <a href=\"/\">All projects</a></p>",
            ),
        ),
    };
    let mut resp = (status, html).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

fn index(state: &State) -> String {
    let mut body = String::from("<h1>Projects</h1>");
    if state.projects.is_empty() {
        body.push_str("<p class=muted>No projects yet. Create one with <code>add_project</code> or start with a fixture.</p>");
    }
    for p in state.projects.values() {
        let runs = state.runs.values().filter(|r| r.project_id == p.id).count();
        let cases = state
            .cases
            .values()
            .filter(|c| {
                c.is_deleted == 0
                    && state
                        .suites
                        .get(&c.suite_id)
                        .is_some_and(|s| s.project_id == p.id)
            })
            .count();
        let _ = write!(
            body,
            "<div class=card><a href=\"/index.php?/projects/overview/{}\"><b>{}</b></a> <span class=muted>P{} · {cases} cases · {runs} runs</span></div>",
            p.id,
            esc(&p.name),
            p.id
        );
    }
    page("Projects", &body)
}

fn run_rows(state: &State, runs: &[Id]) -> String {
    let mut html = String::from(
        "<table><tr><th>Run</th><th>Progress</th><th>Status</th><th>Created</th></tr>",
    );
    for id in runs {
        let r = &state.runs[id];
        let counts = state.counts_of_run(*id);
        let cfg = r
            .config
            .as_deref()
            .map(|c| format!(" <span class=muted>({})</span>", esc(c)))
            .unwrap_or_default();
        let _ = write!(
            html,
            "<tr class=\"{}\"><td><a href=\"/index.php?/runs/view/{id}\">R{id} {}</a>{cfg}</td><td>{}<div class=muted>{}</div></td><td>{}</td><td class=muted>{}</td></tr>",
            if r.is_completed { "done" } else { "" },
            esc(&r.name),
            bar(state, &counts),
            summary(state, &counts),
            if r.is_completed {
                "Completed"
            } else {
                "Active"
            },
            when(r.created_on)
        );
    }
    html + "</table>"
}

fn project_page(state: &State, id: Id) -> Option<String> {
    let p = state.projects.get(&id)?;
    let mut body = format!(
        "<h1>{}</h1><p class=muted>P{id} · suite mode {}</p>",
        esc(&p.name),
        p.suite_mode
    );
    let runs: Vec<Id> = state
        .runs
        .values()
        .rev()
        .filter(|r| r.project_id == id && r.plan_id.is_none())
        .map(|r| r.id)
        .collect();
    body.push_str("<h2>Test runs</h2>");
    body.push_str(&if runs.is_empty() {
        "<p class=muted>No runs yet.</p>".into()
    } else {
        run_rows(state, &runs)
    });
    let plans: Vec<Id> = state
        .plans
        .values()
        .rev()
        .filter(|p| p.plan.project_id == id)
        .map(|p| p.plan.id)
        .collect();
    if !plans.is_empty() {
        body.push_str("<h2>Test plans</h2>");
        for pid in plans {
            let plan = state.plan_json(pid, "", false);
            let _ = write!(
                body,
                "<div class=card><a href=\"/index.php?/plans/view/{pid}\"><b>{}</b></a> {}<div class=muted>{}</div></div>",
                esc(&plan.name),
                bar(state, &plan.counts),
                summary(state, &plan.counts)
            );
        }
    }
    Some(page(&p.name, &body))
}

fn plan_page(state: &State, id: Id) -> Option<String> {
    let row = state.plans.get(&id)?;
    let plan = state.plan_json(id, "", false);
    let mut body = format!(
        "<p><a href=\"/index.php?/projects/overview/{}\">← project</a></p><h1>{}</h1>{}<p class=muted>{}</p>",
        plan.project_id,
        esc(&plan.name),
        bar(state, &plan.counts),
        summary(state, &plan.counts)
    );
    for e in &row.entries {
        let _ = write!(body, "<h2>{}</h2>", esc(&e.name));
        let runs: Vec<Id> = e
            .run_ids
            .iter()
            .copied()
            .filter(|r| state.runs.contains_key(r))
            .collect();
        body.push_str(&run_rows(state, &runs));
    }
    Some(page(&plan.name, &body))
}

fn run_page(state: &State, id: Id) -> Option<String> {
    let r = state.runs.get(&id)?;
    let counts = state.counts_of_run(id);
    let back = match r.plan_id {
        Some(p) => format!("<a href=\"/index.php?/plans/view/{p}\">← plan</a>"),
        None => format!(
            "<a href=\"/index.php?/projects/overview/{}\">← project</a>",
            r.project_id
        ),
    };
    let mut body = format!(
        "<p>{back}</p><h1>R{id} {}</h1><p class=muted>{}{}</p>{}<p class=muted>{}</p>",
        esc(&r.name),
        if r.is_completed {
            "Completed"
        } else {
            "Active"
        },
        r.description
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| format!(" · {}", esc(d)))
            .unwrap_or_default(),
        bar(state, &counts),
        summary(state, &counts)
    );
    body.push_str("<table><tr><th>Test</th><th>Title</th><th>Status</th><th>Latest comment</th><th>Elapsed</th><th>Version</th></tr>");
    for t in state.active_tests(id) {
        let title = state
            .cases
            .get(&t.case_id)
            .map_or(String::new(), |c| c.title.clone());
        let latest = state.latest_result(t.id);
        let field = |f: fn(&testrail_api::models::TestResult) -> Option<&String>| {
            latest.and_then(f).map(|s| esc(s)).unwrap_or_default()
        };
        let _ = write!(
            body,
            "<tr id=T{}><td>T{} <span class=muted>C{}</span></td><td>{}</td><td>{}</td><td><pre>{}</pre></td><td>{}</td><td>{}</td></tr>",
            t.id,
            t.id,
            t.case_id,
            esc(&title),
            badge(state, t.status_id),
            field(|r| r.comment.as_ref()),
            field(|r| r.elapsed.as_ref()),
            field(|r| r.version.as_ref())
        );
    }
    body.push_str("</table>");
    Some(page(&r.name, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_escaping() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_795_771_568), "2026-11-27 09:26 UTC");
        assert_eq!(when(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(esc("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
