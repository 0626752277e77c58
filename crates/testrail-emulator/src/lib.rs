//! testrail-emulator: a TestRail API v2 server (axum) to run, demo and test against.
//!
//! Owns: the query-string routing, Basic auth, TestRail's JSON shapes, error texts and pagination,
//! an in-memory store with optional SQLite persistence, a server-time model behind a gateway
//! (504/413 pages, late commits), fault injection, a rate limiter, request statistics and a
//! read-only HTML view.
//! Must not know: report formats, the sync engine, or the HTTP client (it shares only the models).
//!
//! ```no_run
//! # async fn demo() -> Result<(), testrail_emulator::EmulatorError> {
//! use testrail_emulator::{EmulatorConfig, demo_fixture, start};
//! let emu = start(EmulatorConfig { fixture: Some(demo_fixture()), ..Default::default() }).await?;
//! println!("{}", emu.url()); // http://127.0.0.1:PORT — API at /index.php?/api/v2/...
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Admin endpoints (no auth, loopback use): `GET /_emulator/stats`, `GET|POST /_emulator/faults`
//! (JSON [`Faults`]), `POST /_emulator/reset`. Every route answers only Host headers naming an
//! IP address, `localhost` or an [`EmulatorConfig::allowed_hosts`] name (421 otherwise), and
//! refuses writes from web pages of other origins (403): see the `guard` module. The fixture format is documented in [`Fixture`].
//! The web view is at `/` and at TestRail's own paths (`/index.php?/runs/view/N`,
//! `/index.php?/projects/overview/N`, `/index.php?/plans/view/N`).
//!
//! # Endpoints (`/index.php?/api/v2/<name>[/<id>[/<id2>]][&k=v...]`, `get_*` GET, others POST)
//! - projects: `get_project(s)`, `add_project`, `update_project`; suites: `get_suite(s)`,
//!   `add_suite`, `update_suite`, `delete_suite`; sections: `get_section(s)`, `add_section`,
//!   `update_section`, `delete_section`
//! - cases: `get_case`, `get_cases` (suite_id, section_id, created/updated_after/before,
//!   created_by, updated_by, milestone_id, priority_id, template_id, type_id, filter, refs),
//!   `add_case`, `update_case`, `delete_case`, `delete_cases`
//! - runs/tests: `add_run`, `get_run(s)`, `update_run` (case_ids replaces the set), `close_run`,
//!   `delete_run` (`&soft=1` previews), `get_tests` (status_id), `get_test`
//! - plans: `add_plan`, `get_plan(s)`, `update_plan`, `add_plan_entry`, `update_plan_entry`,
//!   `update_run_in_plan_entry`, `close_plan`, `delete_plan`, `delete_plan_entry`
//! - results: `add_result`, `add_result_for_case`, `add_results`, `add_results_for_cases`
//!   (validated as a whole, answered in request order), `get_results`, `get_results_for_case`,
//!   `get_results_for_run` (newest first; status_id, defects_filter, created_*)
//!   — custom result fields from the fixture are enforced (required per project, types,
//!   dropdown IDs, String ≤ 250), as are custom case fields on `add_case`/`update_case`
//! - catalogues: `get_statuses`, `get_case_fields`, `get_result_fields`, `get_priorities`,
//!   `get_case_types`, `get_templates`; `get_configs`, `add_config_group`, `add_config`,
//!   `update_config`; `add_case_field` (administrators; kept in memory only),
//!   `get_history_for_case` (paginated `history`, always empty: no edit history is kept)
//! - users: `get_user`, `get_user_by_email&email=`, `get_current_user`, `get_users[/project]`;
//!   milestones: `get_milestone(s)`, `add_milestone`, `update_milestone`
//! - attachments (multipart field `attachment`): `add_attachment_to_result|run|case|plan`,
//!   `get_attachments_for_case|run|plan|test`, `get_attachment` (raw bytes), `delete_attachment`
//!
//! Lists are paginated as TestRail 7+ (`offset`, `limit` 1..=250, `size`, `_links`); statuses,
//! fields, priorities, types, templates and configs are bare arrays. Errors are `{"error": "..."}`:
//! 400 for bad fields, names over 250 characters and unknown IDs, 401 bad login (and a locked
//! account after [`EmulatorConfig::lockout_after`] failures in a row), 403 read-only users,
//! non-admins' admin calls, closed plans and deleting completed runs, 404
//! unknown endpoint or wrong verb, 413 bodies over 64 MiB, 429 rate limit (with `Retry-After`),
//! 5xx only from injected faults. Error bodies escape `/` as `\/`, as PHP does. Texts follow
//! what real servers were seen answering (each reproducible VERBATIM row of the catalogue has a
//! test in `tests/observed_rows.rs`); where no public evidence exists the code says UNVERIFIED.
//!
//! # Server time and gateway ([`Faults`])
//! Each API request costs `server_ms + server_ms_per_result × n` ms of server work (`n` = results
//! it writes) before its write commits. The work runs in a task of its own behind a gateway:
//! with `gateway_timeout_ms` the gateway answers an nginx-like HTML 504 when the work takes
//! longer, and the work still commits (a late commit); a client hanging up never cancels it.
//! The gateway answers an HTML 413 over `body_limit_bytes`. `maintenance_secs` answers 409 for
//! that long; `rate_limit_scope` is `user` or `instance`; `fail_after_commit_rate` answers
//! 500/502/503 after the write was applied. [`Stats`] count per endpoint, status and connection.

pub mod api;
pub mod error;
mod faults;
pub mod fields;
mod fixture;
mod gateway;
mod guard;
mod lockout;
mod persist;
pub mod routing;
mod server;
pub mod store;
mod web;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::serve::ListenerExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Faults, RateScope, Stats};
pub use fixture::{Fixture, demo_fixture};
pub use lockout::{DEFAULT_LOCKOUT_AFTER, LOCK_FOR, LOCKED};
pub use server::MAX_BODY;

use crate::faults::Guard;
use crate::persist::Db;
use crate::server::{App, Store};
use crate::store::State;

/// Email of the demo user that exists when no `--user` is given.
pub const DEMO_EMAIL: &str = "demo@testrail-sync.local";
/// API key of the demo user (see [`DEMO_EMAIL`]).
pub const DEMO_KEY: &str = "demo-key";

/// A login the emulator accepts: email + API key (or password). Debug never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// Login email, compared case-insensitively.
    pub email: String,
    /// The API key or password that authenticates the email.
    pub key: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("email", &self.email)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Credential {
    /// A login from an email and key, taken as given.
    pub fn new(email: impl Into<String>, key: impl Into<String>) -> Self {
        Credential {
            email: email.into(),
            key: key.into(),
        }
    }

    /// Parses `EMAIL:KEY` (the `--user` flag); the key may itself contain `:`.
    pub fn parse(s: &str) -> Result<Credential, EmulatorError> {
        match s.split_once(':') {
            Some((email, key)) if email.contains('@') && !key.is_empty() => {
                Ok(Credential::new(email.trim(), key))
            }
            _ => Err(EmulatorError::InvalidCredential),
        }
    }
}

/// Parses `NAME:LABEL` (the `--status` flag), e.g. `custom_status1:Skipped`.
pub fn parse_status(s: &str) -> Result<(String, String), EmulatorError> {
    match s.split_once(':') {
        Some((name, label)) if !name.trim().is_empty() && !label.trim().is_empty() => {
            Ok((name.trim().to_owned(), label.trim().to_owned()))
        }
        _ => Err(EmulatorError::InvalidStatus(s.to_owned())),
    }
}

/// Why the emulator could not start; each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source} (is the port in use? try --port 0)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The SQLite file could not be opened, read or written.
    #[error("database {path}: {message} (use another --db file or delete this one)")]
    Database {
        /// The `--db` file.
        path: PathBuf,
        /// What SQLite (or decoding a stored row) reported.
        message: String,
    },
    /// The fixture could not be read, parsed or applied (what and where).
    #[error("fixture: {0} (fix the fixture JSON; see fixtures/demo.json for the format)")]
    Fixture(String),
    /// A `--user` value is not `EMAIL:KEY`.
    #[error("a --user must look like EMAIL:KEY, e.g. me@example.com:secret")]
    InvalidCredential,
    /// An `--allowed-host` value is not a host name (the value given).
    #[error(
        "--allowed-host takes a host name as the browser's address bar shows it, e.g. ci-box.internal or ci-box.internal:8080 (got {0:?})"
    )]
    InvalidAllowedHost(String),
    /// A `--status` value is not `NAME:LABEL` (the value given).
    #[error("a --status must look like NAME:LABEL, e.g. custom_status1:Skipped (got {0:?})")]
    InvalidStatus(String),
    /// Faults out of range: a rate outside 0..=1, negative maintenance, or an unsupported
    /// gateway timeout status.
    #[error(
        "fault rates must be between 0 and 1, maintenance_secs not negative, and the gateway's timeout status 500, 502, 503 or 504"
    )]
    InvalidFaults,
}

impl Fixture {
    /// Reads a fixture file (format: see the type's docs).
    pub fn from_file(path: &Path) -> Result<Fixture, EmulatorError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EmulatorError::Fixture(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| EmulatorError::Fixture(format!("{}: {e}", path.display())))
    }
}

/// How to start an emulator; [`Default`] is an in-memory store on a free loopback port.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Default 127.0.0.1:0 (a free port).
    pub bind: SocketAddr,
    /// Empty => one demo user ([`DEMO_EMAIL`] / [`DEMO_KEY`]).
    pub users: Vec<Credential>,
    /// SQLite file the state is kept in across restarts; `None` keeps it in memory.
    pub db: Option<PathBuf>,
    /// Seed data applied to a fresh store (and again on reset).
    pub fixture: Option<Fixture>,
    /// (name, label) => custom statuses; `custom_statusN` names get ID 5+N, others the next free
    /// ID.
    pub custom_statuses: Vec<(String, String)>,
    /// Injected faults (error rates, delays, rate limit); changeable while running.
    pub faults: Faults,
    /// Length of the rate-limit window (60 s like TestRail Cloud; tests shorten it).
    pub rate_window: Duration,
    /// Failed logins in a row that lock an account (default [`DEFAULT_LOCKOUT_AFTER`]; 0 = no
    /// lockout, for load tests that send bad logins on purpose).
    pub lockout_after: u32,
    /// How long a locked account stays locked ([`LOCK_FOR`], the 10 minutes of the message).
    pub lockout_for: Duration,
    /// Host names answered beside IP addresses and `localhost` (`name` or `name:port`); any
    /// other Host header gets 421 (DNS rebinding, see the `guard` module).
    pub allowed_hosts: Vec<String>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            users: vec![],
            db: None,
            fixture: None,
            custom_statuses: vec![],
            faults: Faults::default(),
            rate_window: Duration::from_secs(60),
            lockout_after: DEFAULT_LOCKOUT_AFTER,
            lockout_for: LOCK_FOR,
            allowed_hosts: vec![],
        }
    }
}

/// A running emulator.
pub struct Emulator {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Emulator {
    /// The address the emulator listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (API base: `{url}/index.php?/api/v2/`).
    pub fn url(&self) -> String {
        self.app.base.clone()
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.app.guard().stats.clone()
    }

    /// The faults in force now.
    pub fn faults(&self) -> Faults {
        self.app.guard().faults()
    }

    /// Replaces the faults in force, for requests from now on.
    pub fn set_faults(&self, f: Faults) {
        self.app.guard().set_faults(f);
    }

    /// Back to a fresh state (fixture re-applied), counters zeroed.
    pub fn reset(&self) {
        server::reset(&self.app);
    }

    /// Stops accepting, lets in-flight requests finish, then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Serves until the server task ends (the caller handles ctrl-c and calls `shutdown`
    /// or drops the runtime).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

/// The state a fresh (or reset) emulator starts from.
fn fresh_state(
    fixture: Option<&Fixture>,
    statuses: &[(String, String)],
    users: &[Credential],
) -> Result<State, String> {
    let mut state = State::new();
    if let Some(f) = fixture {
        f.apply(&mut state, server::now_secs())?;
    }
    fixture::add_custom_statuses(&mut state, statuses);
    for u in users {
        state.ensure_user(&u.email, None);
    }
    state.rebuild_indexes();
    Ok(state)
}

fn open_store(config: &EmulatorConfig, users: &[Credential]) -> Result<Store, EmulatorError> {
    let fresh = || {
        fresh_state(config.fixture.as_ref(), &config.custom_statuses, users)
            .map_err(EmulatorError::Fixture)
    };
    let Some(path) = &config.db else {
        let mut state = fresh()?;
        state.take_dirty();
        return Ok(Store { state, db: None });
    };
    let db_err = |message: String| EmulatorError::Database {
        path: path.clone(),
        message,
    };
    let mut db = Db::open(path).map_err(|e| db_err(e.to_string()))?;
    let mut state = match db.load().map_err(db_err)? {
        Some(mut loaded) => {
            // Logins given now must work on an old database too.
            for u in users {
                loaded.ensure_user(&u.email, None);
            }
            fixture::install_fields(&mut loaded, config.fixture.as_ref())
                .map_err(EmulatorError::Fixture)?;
            loaded
        }
        None => {
            let mut s = fresh()?;
            s.touch_all();
            s
        }
    };
    db.flush(&mut state).map_err(|e| db_err(e.to_string()))?;
    Ok(Store {
        state,
        db: Some(db),
    })
}

/// Starts the emulator on `config.bind` and serves in a background task.
pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
    if !server::valid_faults(&config.faults) {
        return Err(EmulatorError::InvalidFaults);
    }
    let users = if config.users.is_empty() {
        vec![Credential::new(DEMO_EMAIL, DEMO_KEY)]
    } else {
        config.users.clone()
    };
    let hosts =
        guard::HostPolicy::new(&config.allowed_hosts).map_err(EmulatorError::InvalidAllowedHost)?;
    let store = open_store(&config, &users)?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
    let (fixture, statuses, fresh_users) = (
        config.fixture.clone(),
        config.custom_statuses.clone(),
        users.clone(),
    );
    let app = Arc::new(App {
        store: Mutex::new(store),
        guard: Mutex::new(Guard::new(config.faults, config.rate_window)),
        lockout: Mutex::new(lockout::Lockout::new(
            config.lockout_after,
            config.lockout_for,
        )),
        creds: users,
        base: format!("http://{addr}"),
        fresh: Box::new(move || {
            fresh_state(fixture.as_ref(), &statuses, &fresh_users).unwrap_or_else(|_| State::new())
        }),
    });
    let router = Router::new()
        .fallback(server::handle)
        .with_state(app.clone())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // Outermost: a foreign Host or a cross-site write touches nothing behind it.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(hosts),
            guard::check,
        ));
    // Counts accepted connections; requests find theirs by peer address (ConnectInfo).
    let counting = app.clone();
    let listener = listener.tap_io(move |tcp| {
        if let Ok(peer) = tcp.peer_addr() {
            counting.guard().count_connection(peer);
        }
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, service).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("emulator server stopped: {e}");
        }
    });
    Ok(Emulator {
        addr,
        app,
        stop: Some(stop),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_keys_stay_hidden() {
        let c = Credential::parse("me@x.test:se:cret").unwrap();
        assert_eq!((c.email.as_str(), c.key.as_str()), ("me@x.test", "se:cret"));
        assert!(!format!("{c:?}").contains("se:cret"));
        assert!(Credential::parse("no-at-sign:key").is_err());
        assert!(Credential::parse("me@x.test:").is_err());
        assert_eq!(
            parse_status("custom_status2:Flaky").unwrap(),
            ("custom_status2".into(), "Flaky".into())
        );
        assert!(parse_status("Flaky").is_err());
    }

    #[test]
    fn broken_fixtures_are_refused_with_the_offending_object() {
        let mut f = demo_fixture();
        f.cases[0].section_id = 99;
        let err = fresh_state(Some(&f), &[], &[]).unwrap_err();
        assert_eq!(err, "case 1: unknown section_id 99");
        let bad_json = Fixture::from_file(Path::new("/nonexistent/fixture.json")).unwrap_err();
        assert!(bad_json.to_string().contains("/nonexistent/fixture.json"));
    }

    #[tokio::test]
    async fn start_reports_fixture_and_bind_errors() {
        let mut f = demo_fixture();
        f.suites[0].project_id = 5;
        let config = EmulatorConfig {
            fixture: Some(f),
            ..Default::default()
        };
        assert!(matches!(
            start(config).await,
            Err(EmulatorError::Fixture(_))
        ));
        let first = start(EmulatorConfig::default()).await.unwrap();
        let clash = start(EmulatorConfig {
            bind: first.addr(),
            ..Default::default()
        })
        .await;
        assert!(matches!(clash, Err(EmulatorError::Bind { .. })));
        first.shutdown().await;
    }
}
