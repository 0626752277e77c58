//! How the binary fails: a message for people and the exit code DESIGN.md §3 promises.

use testrail_sync::{Exit, SyncError};

#[derive(Debug)]
pub struct Failure {
    pub code: Exit,
    pub message: String,
    /// What failed, for `--format json` (`auth`, `tls`, `proxy`, `config`, …): see errors.rs.
    pub kind: &'static str,
    /// The one fix, when it is a separate sentence.
    pub hint: Option<String>,
}

/// Bad input or config: exit 2, nothing was sent.
pub fn bad_input(message: impl Into<String>) -> Failure {
    Failure {
        code: Exit::BadInput,
        message: message.into(),
        kind: "bad_input",
        hint: None,
    }
}

impl From<SyncError> for Failure {
    fn from(e: SyncError) -> Self {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let text = s.to_string();
            if !message.contains(&text) {
                message.push_str(&format!("\n  caused by: {text}"));
            }
            source = s.source();
        }
        let hint = e.hint();
        if let SyncError::Report(r) = &e {
            message.push_str(&format!("\n  hint: {}", r.hint()));
        }
        Failure {
            code: e.exit(),
            message,
            kind: e.kind(),
            hint,
        }
    }
}

impl From<testrail_api::ApiError> for Failure {
    fn from(e: testrail_api::ApiError) -> Self {
        api_failure("TestRail", e)
    }
}

/// A failed call outside a sync (look-ups, `run show|close`, `doctor`): the sync's exit codes;
/// these commands keep no journal, so there is no "rerun to resume" advice.
pub fn api_failure(what: impl Into<String>, e: testrail_api::ApiError) -> Failure {
    SyncError::api(what, e).into()
}
