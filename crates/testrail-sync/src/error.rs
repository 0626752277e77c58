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

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A setting is wrong; nothing was sent.
    #[error("{setting}: {message}")]
    Config { setting: String, message: String },

    /// A report could not be read; nothing was sent.
    #[error(transparent)]
    Report(#[from] testrail_reports::ReportError),

    /// TestRail said no to something we asked for before writing anything that matters
    /// (project, suite, run, permissions).
    #[error("{what}: {source}")]
    Refused {
        what: String,
        #[source]
        source: ApiError,
    },

    /// TestRail refused the target itself (closed run, run of another suite, …).
    #[error("{0}")]
    Target(String),

    /// The network or TestRail kept failing; what was acknowledged is in the journal.
    #[error(
        "{what}: {source}\n  what was sent is recorded in the journal; rerun the same command to resume"
    )]
    GaveUp {
        what: String,
        #[source]
        source: ApiError,
    },

    #[error("journal {path}: {message}")]
    Journal { path: String, message: String },
}

impl SyncError {
    /// Bad input or config, TestRail refused, or gave up after retries.
    pub fn exit(&self) -> Exit {
        match self {
            SyncError::Config { .. } | SyncError::Report(_) | SyncError::Journal { .. } => {
                Exit::BadInput
            }
            SyncError::Refused { .. } | SyncError::Target(_) => Exit::Refused,
            SyncError::GaveUp { .. } => Exit::GaveUp,
        }
    }

    /// Classifies a client error met while doing `what`.
    pub fn api(what: impl Into<String>, source: ApiError) -> SyncError {
        let what = what.into();
        if source
            .status()
            .is_some_and(|s| (400..500).contains(&s) && s != 429 && s != 409)
        {
            SyncError::Refused { what, source }
        } else if matches!(
            source,
            ApiError::InsecureHttp { .. } | ApiError::InvalidHost { .. } | ApiError::Tls { .. }
        ) {
            // Retrying cannot fix the address or its certificate.
            SyncError::Config {
                setting: "host".into(),
                message: source.to_string(),
            }
        } else if matches!(source, ApiError::Decode { .. } | ApiError::Encode { .. }) {
            // An answer that is not TestRail's JSON is final too: often a proxy or login page.
            SyncError::Refused { what, source }
        } else {
            SyncError::GaveUp { what, source }
        }
    }
}
