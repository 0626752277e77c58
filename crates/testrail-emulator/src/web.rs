//! The read-only web view: projects -> runs (counters as a coloured bar) -> tests with their
//! latest result. Plain server-rendered HTML, same query-string routing as TestRail
//! (`/index.php?/runs/view/3`), no JavaScript. Everything shown comes from API clients and is
//! untrusted: it is always escaped, and the pages forbid scripts through their CSP as well.

use std::collections::HashMap;
use std::fmt::Write;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use testrail_api::models::{AttachmentId, Id, StatusCounts, TestResult};

use crate::routing::parse_call;
use crate::server::App;
use crate::store::{State, TestRow};

/// Tests per run page: a 10,000-test run stays a light page; the rest is one link away.
pub const TESTS_PER_PAGE: usize = 500;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f4f6f8;color:#1f2933}
header{background:#1f3a5f;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:1180px;margin:20px auto;padding:0 24px}h1{font-size:22px;margin:4px 0 4px}h2{font-size:17px;margin:28px 0 8px}
.crumbs{font-size:13px;color:#6b7785}.crumbs a{text-decoration:none}
.muted{color:#6b7785}.small{font-size:12px}.card{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:12px 16px;margin:10px 0}
.desc{white-space:pre-line;background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:8px 12px;margin:8px 0;color:#3e4c59;font-size:13px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde3ea}th,td{padding:7px 10px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top}
td.id{white-space:nowrap;border-left:4px solid transparent}td.num{white-space:nowrap}
th{background:#f8fafb;font-weight:600;font-size:12px;text-transform:uppercase;color:#52606d}a{color:#1f5fa8}
.bar{display:flex;height:12px;border-radius:3px;overflow:hidden;background:#e4e7eb;min-width:160px}.bar span{display:block;height:100%}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.comment p{margin:0 0 4px}.comment pre{white-space:pre-wrap;margin:2px 0 6px;font-size:12px;max-height:12em;overflow:auto;background:#f5f7fa;border:1px solid #e4e7eb;border-radius:4px;padding:4px 6px}
.meta{font-size:12px;color:#52606d;margin-top:2px}.meta>*{margin-right:10px}.att{display:inline-block;border:1px solid #c5d3e3;background:#f0f5fb;border-radius:4px;padding:0 6px;text-decoration:none}
.card table{margin-top:10px}
.filters a,.pages a,.pages b{margin-right:10px}.filters .on{font-weight:700;color:#1f2933;text-decoration:none}.done{opacity:.7}";

/// The pages forbid scripts, frames and outside loads; styles are inline.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// HTML-escapes text (also for attribute values).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn hex(rgb: u32) -> String {
    format!("#{rgb:06x}")
}

/// Grey for a status without colours (a fixture may leave them 0, which is not black).
const NO_COLOR: &str = "#9aa5b1";

/// A status's bar colour: its medium shade, but Untested's is too pale to see on the track.
fn color(state: &State, status_id: Id) -> String {
    let Some(s) = state.statuses.get(&status_id) else {
        return NO_COLOR.into();
    };
    let shades = if s.is_untested {
        [s.color_dark, s.color_medium]
    } else {
        [s.color_medium, s.color_dark]
    };
    shades
        .into_iter()
        .find(|c| *c != 0)
        .map_or(NO_COLOR.into(), hex)
}

/// Darker shade for text badges and row borders (white text must stay readable).
fn dark(state: &State, status_id: Id) -> String {
    state
        .statuses
        .get(&status_id)
        .filter(|s| s.color_dark != 0)
        .map_or_else(|| color(state, status_id), |s| hex(s.color_dark))
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

/// Status IDs in the order TestRail stacks them in its bars.
const BAR_ORDER: [Id; 12] = [1, 5, 2, 4, 6, 7, 8, 9, 10, 11, 12, 3];

/// The counters as a stacked, coloured bar with a tooltip per status.
fn bar(state: &State, counts: &StatusCounts) -> String {
    let total = counts.total().max(1) as f64;
    let mut html = String::from("<div class=bar>");
    for id in BAR_ORDER {
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

fn passed_pct(counts: &StatusCounts) -> u64 {
    (counts.get(1) * 100)
        .checked_div(counts.total())
        .unwrap_or(0)
}

fn summary(state: &State, counts: &StatusCounts) -> String {
    let parts: Vec<String> = BAR_ORDER
        .into_iter()
        .filter(|id| counts.get(*id) > 0)
        .map(|id| format!("{} {}", counts.get(id), esc(&label(state, id))))
        .collect();
    format!("{}% passed · {}", passed_pct(counts), parts.join(", "))
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

/// `2048` -> `2.0 KB`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Escapes text and turns its http(s) URLs into links (only those two schemes, so a
/// `javascript:` "link" stays text).
fn linkify(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = ["http://", "https://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        out.push_str(&esc(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
            .unwrap_or(tail.len());
        // Sentence punctuation after a URL is not part of it.
        while tail[..end].ends_with(['.', ',', ';', ':', ')', ']', '!', '?']) {
            end -= 1;
        }
        let url = esc(&tail[..end]);
        let _ = write!(
            out,
            "<a href=\"{url}\" rel=\"noopener noreferrer nofollow\">{url}</a>"
        );
        rest = &tail[end..];
    }
    out + &esc(rest)
}

/// A result comment as HTML: ``` fenced blocks become `<pre>`, the rest paragraphs with line
/// breaks. Comments are untrusted, so every piece is escaped; nothing is passed through raw.
fn comment_html(text: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut code: Option<Vec<&str>> = None;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        match code.take() {
            Some(block) if fence => push_pre(&mut out, &block),
            Some(mut block) => {
                block.push(line);
                code = Some(block);
            }
            None if fence => {
                push_para(&mut out, &mut para);
                code = Some(Vec::new());
            }
            None if line.trim().is_empty() => push_para(&mut out, &mut para),
            None => para.push(line),
        }
    }
    push_para(&mut out, &mut para);
    if let Some(block) = code {
        push_pre(&mut out, &block);
    }
    out
}

fn push_pre(out: &mut String, lines: &[&str]) {
    let _ = write!(out, "<pre>{}</pre>", esc(&lines.join("\n")));
}

fn push_para(out: &mut String, lines: &mut Vec<&str>) {
    if !lines.is_empty() {
        let html: Vec<String> = lines.iter().map(|l| linkify(l)).collect();
        let _ = write!(out, "<p>{}</p>", html.join("<br>"));
        lines.clear();
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>{} · TestRail emulator</title><style>{STYLE}</style></head>\
         <body><header><a href=\"/\">TestRail emulator</a></header><main>{body}</main></body></html>",
        esc(title)
    )
}

/// `Projects › Demo Shop › …`: every level but the last is a link.
fn crumbs(links: &[(String, String)], here: &str) -> String {
    let mut html = String::from("<nav class=crumbs><a href=\"/\">Projects</a>");
    for (href, text) in links {
        let _ = write!(html, " › <a href=\"{href}\">{}</a>", esc(text));
    }
    let _ = write!(html, " › <span>{}</span></nav>", esc(here));
    html
}

fn project_link(state: &State, project_id: Id) -> (String, String) {
    let name = state
        .projects
        .get(&project_id)
        .map_or(format!("P{project_id}"), |p| p.name.clone());
    (format!("/index.php?/projects/overview/{project_id}"), name)
}

/// Query options of a page (`/index.php?/runs/view/3&status_id=5&page=2`).
#[derive(Debug, Default, Clone, Copy)]
struct View {
    status_id: Option<Id>,
    page: usize,
}

impl View {
    fn parse(query: &str) -> View {
        let call = parse_call(query.trim_start_matches('/'));
        View {
            status_id: call.param("status_id").and_then(|s| s.parse().ok()),
            page: call
                .param("page")
                .and_then(|s| s.parse().ok())
                .unwrap_or(1)
                .max(1),
        }
    }
}

/// Answers a web-view path (`[]`, `["runs","view","3"]`, ...); `query` is the raw query string
/// (for `&status_id=` and `&page=`).
pub fn respond(app: &App, parts: &[String], query: &str) -> Response {
    let store = app.store();
    let state = &store.state;
    let view = View::parse(query);
    let id = parts.get(2).and_then(|s| s.parse::<Id>().ok()).unwrap_or(0);
    let html = match (
        parts.first().map(String::as_str),
        parts.get(1).map(String::as_str),
    ) {
        (None, _) => Some(index(state)),
        (Some("projects"), Some("overview")) => project_page(state, id),
        (Some("runs"), Some("view")) => run_page(state, id, view),
        (Some("plans"), Some("view")) => plan_page(state, id),
        (Some("tests"), Some("view")) => state
            .tests
            .get(&id)
            .and_then(|t| run_page(state, t.run_id, View::default())),
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
        None => (StatusCode::NOT_FOUND, not_found()),
    };
    let mut resp = (status, html).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    resp
}

fn not_found() -> String {
    page(
        "Not found",
        "<h1>Not found</h1><p>Nothing here. <a href=\"/\">All projects</a></p>",
    )
}

/// `GET /attachments/ID`: an attachment's bytes for the web view, which has no API login. The
/// type is the uploaded one so images and logs open in the browser; the sandbox CSP and
/// `nosniff` keep an uploaded HTML or SVG file from running script on this origin.
pub fn attachment(app: &App, id: &str) -> Response {
    let found = id.parse::<Id>().ok().and_then(|id| {
        let store = app.store();
        store.state.attachments.get(&id).map(|a| {
            (
                a.data.clone(),
                a.content_type.clone(),
                a.meta.filename.clone(),
            )
        })
    });
    let Some((data, content_type, filename)) = found else {
        let mut resp = (StatusCode::NOT_FOUND, not_found()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return resp;
    };
    let mut resp = data.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!(
        "inline; filename=\"{}\"",
        filename.replace(
            |c: char| c == '"' || c == '\\' || !(' '..='~').contains(&c),
            "_"
        )
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn index(state: &State) -> String {
    let mut body = String::from("<h1>Projects</h1>");
    if state.projects.is_empty() {
        body.push_str("<p class=muted>No projects yet. Create one with <code>add_project</code> or start with a fixture.</p>");
    }
    // One pass over runs and cases (not one per project).
    let mut runs: HashMap<Id, usize> = HashMap::new();
    for r in state.runs.values() {
        *runs.entry(r.project_id).or_default() += 1;
    }
    let mut cases: HashMap<Id, usize> = HashMap::new();
    for c in state.cases.values().filter(|c| c.is_deleted == 0) {
        if let Some(s) = state.suites.get(&c.suite_id) {
            *cases.entry(s.project_id).or_default() += 1;
        }
    }
    for p in state.projects.values() {
        let _ = write!(
            body,
            "<div class=card><a href=\"/index.php?/projects/overview/{}\"><b>{}</b></a> <span class=muted>P{} · {} cases · {} runs</span></div>",
            p.id,
            esc(&p.name),
            p.id,
            cases.get(&p.id).copied().unwrap_or(0),
            runs.get(&p.id).copied().unwrap_or(0),
        );
    }
    page("Projects", &body)
}

/// Runs as table rows: name (and configuration), bar with counts, test count, state, created.
fn run_rows(state: &State, runs: &[Id]) -> String {
    let mut html = String::from(
        "<table><tr><th>Run</th><th>Progress</th><th>Tests</th><th>State</th><th>Created</th></tr>",
    );
    for id in runs {
        let r = &state.runs[id];
        let counts = state.counts_of_run(*id);
        let cfg = r
            .config
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| format!("<div class=\"muted small\">{}</div>", esc(c)))
            .unwrap_or_default();
        let _ = write!(
            html,
            "<tr class=\"{}\"><td><a href=\"/index.php?/runs/view/{id}\">R{id} {}</a>{cfg}</td><td>{}<div class=\"muted small\">{}</div></td><td class=num>{}</td><td>{}</td><td class=\"muted num\">{}</td></tr>",
            if r.is_completed { "done" } else { "" },
            esc(&r.name),
            bar(state, &counts),
            summary(state, &counts),
            counts.total(),
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
        "{}<h1>{}</h1><p class=muted>P{id} · suite mode {}</p>",
        crumbs(&[], &p.name),
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
    }
    for pid in plans {
        body.push_str(&plan_card(state, pid));
    }
    Some(page(&p.name, &body))
}

/// A plan on its project's page: its bar, then its entries' runs (with their configurations).
fn plan_card(state: &State, pid: Id) -> String {
    let plan = state.plan_json(pid, "", false);
    let runs = plan_runs(state, pid);
    format!(
        "<div class=card><a href=\"/index.php?/plans/view/{pid}\"><b>{}</b></a> <span class=\"muted small\">{} · {} · {}</span>{}<div class=\"muted small\">{}</div>{}</div>",
        esc(&plan.name),
        when(plan.created_on),
        count(state.plans[&pid].entries.len(), "entry", "entries"),
        count(runs.len(), "run", "runs"),
        bar(state, &plan.counts),
        summary(state, &plan.counts),
        if runs.is_empty() {
            String::new()
        } else {
            run_rows(state, &runs)
        }
    )
}

/// `1 entry`, `2 entries`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn plan_runs(state: &State, pid: Id) -> Vec<Id> {
    state.plans[&pid]
        .entries
        .iter()
        .flat_map(|e| e.run_ids.iter().copied())
        .filter(|r| state.runs.contains_key(r))
        .collect()
}

fn plan_page(state: &State, id: Id) -> Option<String> {
    let row = state.plans.get(&id)?;
    let plan = state.plan_json(id, "", false);
    let mut body = format!(
        "{}<h1>{}</h1>{}{}<p class=muted>{}</p>",
        crumbs(&[project_link(state, plan.project_id)], &plan.name),
        esc(&plan.name),
        description(plan.description.as_deref()),
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

/// A run or plan description: its line breaks kept (`pre-line`) and its URLs linked.
fn description(text: Option<&str>) -> String {
    text.filter(|d| !d.trim().is_empty())
        .map(|d| format!("<div class=desc>{}</div>", linkify(d.trim())))
        .unwrap_or_default()
}

fn run_link(run_id: Id, status_id: Option<Id>, page: usize) -> String {
    let mut href = format!("/index.php?/runs/view/{run_id}");
    if let Some(s) = status_id {
        let _ = write!(href, "&amp;status_id={s}");
    }
    if page > 1 {
        let _ = write!(href, "&amp;page={page}");
    }
    href
}

/// "All 20 · 14 Passed · 4 Failed …": each count shows only the tests with that status.
fn status_filters(state: &State, run_id: Id, counts: &StatusCounts, view: View) -> String {
    let on = |yes: bool| if yes { " class=on" } else { "" };
    let mut html = format!(
        "<p class=filters>Show: <a href=\"{}\"{}>All {}</a>",
        run_link(run_id, None, 1),
        on(view.status_id.is_none()),
        counts.total()
    );
    for id in BAR_ORDER.into_iter().filter(|id| counts.get(*id) > 0) {
        let _ = write!(
            html,
            "<a href=\"{}\"{}>{} {}</a>",
            run_link(run_id, Some(id), 1),
            on(view.status_id == Some(id)),
            counts.get(id),
            esc(&label(state, id))
        );
    }
    html + "</p>"
}

fn pager(run_id: Id, view: View, shown: usize) -> String {
    let pages = shown.div_ceil(TESTS_PER_PAGE);
    if pages <= 1 {
        return String::new();
    }
    let mut html = format!(
        "<p class=pages>{shown} tests, page {} of {pages}: ",
        view.page
    );
    for p in 1..=pages {
        if p == view.page {
            let _ = write!(html, "<b>{p}</b>");
        } else {
            let _ = write!(
                html,
                "<a href=\"{}\">{p}</a>",
                run_link(run_id, view.status_id, p)
            );
        }
    }
    html + "</p>"
}

fn run_page(state: &State, id: Id, view: View) -> Option<String> {
    let r = state.runs.get(&id)?;
    let counts = state.counts_of_run(id);
    let mut trail = vec![project_link(state, r.project_id)];
    if let Some(p) = r.plan_id.and_then(|p| state.plans.get(&p)) {
        trail.push((
            format!("/index.php?/plans/view/{}", p.plan.id),
            p.plan.name.clone(),
        ));
    }
    let here = format!("R{id} {}", r.name);
    let config = r
        .config
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| format!(" · {}", esc(c)))
        .unwrap_or_default();
    let mut body = format!(
        "{}<h1>{}</h1><p class=muted>{} · created {}{config}</p>{}{}<p class=muted>{}</p>",
        crumbs(&trail, &here),
        esc(&here),
        if r.is_completed {
            "Completed"
        } else {
            "Active"
        },
        when(r.created_on),
        description(r.description.as_deref()),
        bar(state, &counts),
        summary(state, &counts)
    );
    let tests: Vec<&TestRow> = state
        .active_tests(id)
        .into_iter()
        .filter(|t| view.status_id.is_none_or(|s| t.status_id == s))
        .collect();
    body.push_str(&status_filters(state, id, &counts, view));
    let pages = pager(id, view, tests.len());
    body.push_str(&pages);
    body.push_str("<table><tr><th>Test</th><th>Title</th><th>Status</th><th>Latest result</th><th>Elapsed</th><th>Version</th></tr>");
    for t in tests
        .iter()
        .skip((view.page - 1) * TESTS_PER_PAGE)
        .take(TESTS_PER_PAGE)
    {
        test_row(state, t, &mut body);
    }
    body.push_str("</table>");
    body.push_str(&pages);
    Some(page(&r.name, &body))
}

fn test_row(state: &State, t: &TestRow, html: &mut String) {
    let title = state.cases.get(&t.case_id).map_or("", |c| c.title.as_str());
    let latest = state.latest_result(t.id);
    let field = |f: fn(&TestResult) -> Option<&String>| {
        latest.and_then(f).map(|s| esc(s)).unwrap_or_default()
    };
    let _ = write!(
        html,
        "<tr id=T{0}><td class=id style=\"border-left-color:{1}\">T{0} <span class=muted>C{2}</span></td><td>{3}</td><td>{4}</td><td class=comment>{5}</td><td class=num>{6}</td><td>{7}</td></tr>",
        t.id,
        dark(state, t.status_id),
        t.case_id,
        esc(title),
        badge(state, t.status_id),
        latest.map(|r| result_html(state, r)).unwrap_or_default(),
        field(|r| r.elapsed.as_ref()),
        field(|r| r.version.as_ref())
    );
}

/// The latest result's comment, then defects, attachments and when it was added.
fn result_html(state: &State, r: &TestResult) -> String {
    let mut html = r.comment.as_deref().map(comment_html).unwrap_or_default();
    let mut meta = String::new();
    if let Some(d) = r.defects.as_deref().filter(|d| !d.trim().is_empty()) {
        let _ = write!(meta, "<span>Defects: <b>{}</b></span> ", esc(d));
    }
    for a in &r.attachment_ids {
        let AttachmentId::Int(aid) = a else { continue };
        if let Some(row) = state.attachments.get(aid) {
            let _ = write!(
                meta,
                "<a class=att href=\"/attachments/{aid}\" title=\"{}\">{} <span class=muted>{}</span></a>",
                esc(&row.content_type),
                esc(&row.meta.name),
                size(row.meta.size)
            );
        }
    }
    let _ = write!(meta, "<span class=muted>{}</span>", when(r.created_on));
    let _ = write!(html, "<div class=meta>{meta}</div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_escaping() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_795_771_568), "2026-11-27 09:26 UTC");
        assert_eq!(when(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn comments_fence_code_and_escape_everything() {
        let html = comment_html("Failed (0.3s)\nAssertionError: <b>\n```\nx = <y>\n```\n\nafter");
        assert_eq!(
            html,
            "<p>Failed (0.3s)<br>AssertionError: &lt;b&gt;</p><pre>x = &lt;y&gt;</pre><p>after</p>"
        );
        assert_eq!(comment_html("```\nopen"), "<pre>open</pre>");
        assert!(!comment_html("<script>alert(1)</script>").contains("<script"));
    }

    #[test]
    fn colourless_statuses_are_grey_not_black() {
        let mut state = State::new();
        let mut skipped = crate::store::custom_status(6, "skipped", "Skipped");
        (skipped.color_dark, skipped.color_medium) = (0, 0);
        state.put_status(skipped);
        assert_eq!(
            (color(&state, 6), dark(&state, 6)),
            (NO_COLOR.into(), NO_COLOR.into())
        );
        assert_eq!(
            color(&state, 3),
            "#b0b0b0",
            "untested stays visible on the track"
        );
        assert_eq!(dark(&state, 5), "#d97373");
    }

    #[test]
    fn long_runs_get_page_links_that_keep_the_filter() {
        assert_eq!(pager(4, View::default(), TESTS_PER_PAGE), "");
        let view = View {
            status_id: Some(5),
            page: 2,
        };
        let html = pager(4, view, 2 * TESTS_PER_PAGE + 1);
        assert!(html.contains("page 2 of 3") && html.contains("<b>2</b>"));
        assert!(html.contains("href=\"/index.php?/runs/view/4&amp;status_id=5&amp;page=3\""));
        let parsed = View::parse("/runs/view/4&status_id=5&page=0");
        assert_eq!((parsed.status_id, parsed.page), (Some(5), 1));
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            linkify("Build: https://ci.example/b/42. javascript:alert(1)"),
            "Build: <a href=\"https://ci.example/b/42\" rel=\"noopener noreferrer nofollow\">https://ci.example/b/42</a>. javascript:alert(1)"
        );
        assert!(linkify("http://x/\"><script>").contains("&lt;script&gt;"));
        assert_eq!(size(11), "11 B");
        assert_eq!(size(2048), "2.0 KB");
    }
}
