//! TestRail-shaped API errors: a status code plus the `{"error": "..."}` text clients read.

/// An error answered to an API client. `message` follows TestRail's wording
/// (`Field :case_ids is not a valid ID.`) because clients match on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status: 400 for bad fields and unknown IDs, 401, 403, 404, 429, …
    pub status: u16,
    /// The text sent as `{"error": message}`.
    pub message: String,
}

/// What every store operation and handler returns.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with any status and text.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400: TestRail's answer to bad fields *and* unknown IDs.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 400 `Field :FIELD is a required field.`
    pub fn required(field: &str) -> Self {
        Self::bad(format!("Field :{field} is a required field."))
    }

    /// 400 `Field :FIELD is not a valid ID.`
    pub fn invalid_id(field: &str) -> Self {
        Self::bad(format!("Field :{field} is not a valid ID."))
    }

    /// `Field :run_id is not a valid test run.` and friends.
    pub fn not_valid(field: &str, what: &str) -> Self {
        Self::bad(format!("Field :{field} is not a valid {what}."))
    }

    /// 403, for users and operations TestRail does not permit.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, message)
    }

    /// The JSON body sent to the client: `{"error": "…"}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.message })
    }
}

/// 401 for a wrong or missing email/key, TestRail's text.
pub const AUTH_FAILED: &str =
    "Authentication failed: invalid or missing user/password or session cookie.";
/// TestRail's language file (`runs_denied_completed`); clients match `The test run is already
/// completed`. The status (400 here) is UNVERIFIED: 400 or 403.
pub const RUN_COMPLETED: &str = "This operation is not allowed. The test run is already completed.";
/// `delete_run` on a completed run (language file `runs_denied_delete_completed`; 403 inferred).
pub const RUN_DELETE_COMPLETED: &str =
    "You are not allowed to delete completed test runs (insufficient permissions).";
/// A write to a closed plan comes back as a permission error, 403 (seen verbatim).
pub const PLAN_COMPLETED: &str =
    "You are not allowed to edit test plans (insufficient permissions).";
/// 400 for `update_run` on a run that belongs to a plan (use `update_run_in_plan_entry`).
/// UNVERIFIED: the language file has other wordings for this (testrail-observed 4.10, LANG
/// only) and no status; this text follows the close/delete ones.
pub const PLAN_RUN_EDIT: &str = "This operation is not allowed. The test run belongs to a test plan and cannot be edited independently.";
/// Verbatim from a real server (LANG `apiv2_content_missing`), PHP's `\/` escaping aside.
pub const CONTENT_TYPE_MISSING: &str =
    "Content-Type header missing (use Content-Type: application/json)";
/// TestRail's language file (`apiv2_content_invalid`); the status (400) is inferred.
pub const CONTENT_TYPE_INVALID: &str =
    "Content-Type header invalid (use Content-Type: application/json)";
/// UNVERIFIED: TestRail Cloud's 409 maintenance body was never seen in public; this is our text.
pub const MAINTENANCE: &str =
    "TestRail is currently undergoing maintenance. Please try again later (see Retry-After).";
