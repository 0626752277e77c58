//! The API key never leaves this type by accident: no `Debug`, `Display` or `Serialize` shows it.

use std::fmt;

/// A TestRail API key (or password). The only way to read it is [`ApiKey::expose`], which the
/// request core calls when it builds the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming surrounding whitespace (keys pasted from a file often end in a
    /// newline).
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into().trim().to_owned())
    }

    /// The raw key. Call sites are few and reviewed: the auth header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the key is empty after trimming: a missing credential, caught before any request.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_never_formats() {
        let key = ApiKey::new("s3cr3t-KEY");
        assert!(!format!("{key:?} {key} {key:#?}").contains("s3cr3t"));
        assert_eq!(key.expose(), "s3cr3t-KEY");
    }
}
