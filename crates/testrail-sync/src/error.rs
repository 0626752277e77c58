//! Errors of a sync, each with the exit code DESIGN.md §3 gives it.

use testrail_api::ApiError;

/// The exit codes the README documents, one name each (nothing else picks a process code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Synced (also when tests failed: the test step reports those).
    Ok = 0,
    /// The binary itself could not work (no async runtime); not a sync outcome.
    Internal = 1,
    /// Bad input or config; nothing was sent.
    BadInput = 2,
    /// TestRail refused (credentials, permission, unknown project/suite/run, closed run).
    Refused = 3,
    /// Gave up after retries; the journal is kept and rerunning the same command resumes.
    GaveUp = 4,
    /// `--fail-on-unmapped` and some tests carry no case ID (or an ID the suite lacks).
    Unmapped = 5,
    /// Stopped by SIGINT (Ctrl-C) before the sync finished; rerunning resumes (128 + 2).
    Interrupted = 130,
    /// Stopped by SIGTERM (a cancelled CI job) before the sync finished; rerunning resumes
    /// (128 + 15).
    Terminated = 143,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Tests and scripts speak in the documented numbers.
impl PartialEq<u8> for Exit {
    fn eq(&self, code: &u8) -> bool {
        self.code() == *code
    }
}

/// Why a sync stopped. Each variant maps to one exit code ([`SyncError::exit`]); messages say
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A setting is wrong; nothing was sent.
    #[error("{setting}: {message}")]
    Config {
        /// The setting or flag at fault (`statuses.skipped`, `assign-failures-to`, …).
        setting: String,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A report could not be read; nothing was sent.
    #[error(transparent)]
    Report(#[from] testrail_reports::ReportError),

    /// TestRail said no to something we asked for before writing anything that matters
    /// (project, suite, run, permissions).
    #[error("{what}: {source}")]
    Refused {
        /// What we were doing (`reading the suite's cases (get_cases)`, …).
        what: String,
        /// TestRail's answer.
        #[source]
        source: ApiError,
    },

    /// TestRail refused the target itself (closed run, run of another suite, …).
    #[error("{0}")]
    Target(String),

    /// Retrying cannot fix it and the cause is on this side: the host name, its certificate,
    /// a redirect to another address, a TLS file or proxy URL. Nothing was written.
    #[error("{what}: {source}")]
    Setup {
        /// What we were doing, e.g. `reading the suite's cases (get_cases)`.
        what: String,
        /// The client's error.
        #[source]
        source: ApiError,
    },

    /// The network or TestRail kept failing before the journal held anything: a plain rerun
    /// starts over.
    #[error("{what}: {source}")]
    GaveUp {
        /// What we were doing, e.g. `reading the suite's cases (get_cases)`.
        what: String,
        /// The client's error.
        #[source]
        source: ApiError,
    },

    /// The network or TestRail kept failing after the journal recorded the run: a rerun of
    /// the same command resumes without posting anything twice.
    #[error(
        "{what}: {source}\n  what was sent is recorded in the journal; rerun the same command to resume"
    )]
    Resumable {
        /// What we were doing, e.g. `reading the suite's cases (get_cases)`.
        what: String,
        /// The client's error.
        #[source]
        source: ApiError,
    },

    /// A stop was asked for (SIGINT/SIGTERM): no write was started after it, the ones in
    /// flight finished or stay recorded as sent in the journal.
    #[error(
        "stopped by {signal} before the sync finished: {posted} of {total} results posted{}",
        run_id.map(|r| format!(" to run R{r}")).unwrap_or_default()
    )]
    Interrupted {
        /// The exit code of the signal: [`Exit::Interrupted`] or [`Exit::Terminated`].
        exit: Exit,
        /// `SIGINT` or `SIGTERM`.
        signal: &'static str,
        /// Results acknowledged by TestRail before the stop.
        posted: u64,
        /// Results this sync had to post.
        total: u64,
        /// The run they went to, once it existed.
        run_id: Option<testrail_api::models::Id>,
    },

    /// The journal file could not be created, written or read.
    #[error("journal {path}: {message}")]
    Journal {
        /// The journal file.
        path: String,
        /// What failed and how to fix it.
        message: String,
    },
}

impl SyncError {
    /// Bad input or config, TestRail refused, or gave up after retries.
    pub fn exit(&self) -> Exit {
        match self {
            SyncError::Config { .. }
            | SyncError::Report(_)
            | SyncError::Journal { .. }
            | SyncError::Setup { .. } => Exit::BadInput,
            SyncError::Refused { .. } | SyncError::Target(_) => Exit::Refused,
            SyncError::GaveUp { .. } | SyncError::Resumable { .. } => Exit::GaveUp,
            SyncError::Interrupted { exit, .. } => *exit,
        }
    }

    /// The client error behind this one, if any.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            SyncError::Refused { source, .. }
            | SyncError::Setup { source, .. }
            | SyncError::GaveUp { source, .. }
            | SyncError::Resumable { source, .. } => Some(source),
            _ => None,
        }
    }

    /// What failed, for `--format json`: the client's kind (`auth`, `tls`, `proxy`, …) or
    /// `config`, `input`, `target`, `journal`.
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Config { .. } => "config",
            SyncError::Report(_) => "input",
            SyncError::Target(_) => "target",
            SyncError::Journal { .. } => "journal",
            SyncError::Interrupted { .. } => "interrupted",
            other => other.api_error().map_or("other", |e| e.kind().as_str()),
        }
    }

    /// The one fix, when there is a separate sentence for it.
    pub fn hint(&self) -> Option<String> {
        match self {
            SyncError::Report(r) => Some(r.hint().to_string()),
            SyncError::Resumable { .. } => {
                Some("rerun the same command to resume from the journal".into())
            }
            SyncError::Interrupted { run_id: None, .. } => {
                Some("nothing was written; rerun the same command to sync".into())
            }
            SyncError::Interrupted { .. } => Some(
                "rerun the same command to resume: the journal records what was sent, so \
                 nothing is posted twice"
                    .into(),
            ),
            other => other.api_error().map(ApiError::hint),
        }
    }

    /// After the journal recorded the run, giving up is resumable.
    pub(crate) fn into_resumable(self) -> SyncError {
        match self {
            SyncError::GaveUp { what, source } => SyncError::Resumable { what, source },
            other => other,
        }
    }

    /// Like [`SyncError::api`], with `advice` after `subject` only when TestRail refused the
    /// thing itself (unknown ID, no access): a 504 or a TLS failure is not the project's fault.
    pub fn api_about(subject: impl Into<String>, advice: &str, source: ApiError) -> SyncError {
        use testrail_api::ErrorKind;
        let subject = subject.into();
        let what = match source.kind() {
            ErrorKind::NotFound | ErrorKind::Rejected | ErrorKind::Permission => {
                format!("{subject} ({advice})")
            }
            _ => subject,
        };
        SyncError::api(what, source)
    }

    /// Classifies a client error met while doing `what`.
    pub fn api(what: impl Into<String>, source: ApiError) -> SyncError {
        let what = what.into();
        if source
            .status()
            .is_some_and(|s| (400..500).contains(&s) && s != 429 && s != 409)
        {
            SyncError::Refused { what, source }
        } else if source.is_setup_problem() {
            // Retrying cannot fix the address, its name or its certificate.
            SyncError::Setup { what, source }
        } else if matches!(
            source,
            ApiError::Decode { .. }
                | ApiError::Encode { .. }
                | ApiError::NotTestRail { .. }
                | ApiError::TooLarge { .. }
                | ApiError::ProxyAuth { .. }
                | ApiError::Proxy { .. }
        ) {
            // An answer that is not TestRail's JSON is final too: often a proxy or login page;
            // so is a proxy that wants credentials or refuses the tunnel.
            SyncError::Refused { what, source }
        } else {
            SyncError::GaveUp { what, source }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> ApiError {
        ApiError::Http {
            status,
            endpoint: "get_suites/1".into(),
            message: String::new(),
        }
    }

    #[test]
    fn the_project_is_blamed_only_when_testrail_refused_it() {
        let advice = "check --project-id";
        let gateway = SyncError::api_about("project 1", advice, http(504));
        assert!(!gateway.to_string().contains(advice), "{gateway}");
        assert_eq!(gateway.kind(), "server");
        let unknown = SyncError::api_about("project 1", advice, http(400));
        assert!(unknown.to_string().contains(advice), "{unknown}");
        assert_eq!(unknown.exit(), 3);
    }

    #[test]
    fn the_journal_is_mentioned_only_once_it_holds_the_run() {
        let gave_up = SyncError::api("posting", http(503));
        assert_eq!(gave_up.exit(), 4);
        assert!(!gave_up.to_string().contains("journal"), "{gave_up}");
        let resumable = gave_up.into_resumable();
        assert!(resumable.to_string().contains("journal"), "{resumable}");
        assert_eq!(resumable.exit(), 4);
    }

    #[test]
    fn causes_no_retry_can_fix_are_set_up_errors_or_refusals() {
        let redirect = ApiError::Redirect {
            endpoint: "get_statuses".into(),
            status: 301,
            location: None,
        };
        assert_eq!(SyncError::api("x", redirect).exit(), 2);
        let proxy_auth = ApiError::ProxyAuth {
            proxy: "http://p:3128".into(),
            source_name: "HTTPS_PROXY".into(),
        };
        let e = SyncError::api("x", proxy_auth);
        assert_eq!(e.exit(), 3);
        assert_eq!(e.kind(), "proxy");
        let dns = ApiError::Dns {
            host: "https://typo.example".into(),
            cause: "not known".into(),
        };
        assert_eq!(SyncError::api("x", dns).exit(), 2);
    }
}
