//! Errors of a sync, each with the exit code DESIGN.md §3 gives it.

use testrail_api::ApiError;

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
    /// 2 bad input or config, 3 TestRail refused, 4 gave up after retries.
    pub fn exit_code(&self) -> i32 {
        match self {
            SyncError::Config { .. } | SyncError::Report(_) | SyncError::Journal { .. } => 2,
            SyncError::Refused { .. } | SyncError::Target(_) => 3,
            SyncError::GaveUp { .. } => 4,
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
