//! The API key never leaves this type by accident: no `Debug`, `Display` or `Serialize` shows it.
//! [`SecretForms`] masks the forms of it that a server or proxy could echo back.

use std::fmt;

use base64::Engine;

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

/// Forms shorter than this are not masked: they would mask ordinary words.
const SHORTEST_MASKED: usize = 4;

/// Every form of a credential the client itself builds, so that a server or proxy echoing the
/// request (a debug error page dumping headers, a gateway quoting the `Authorization` line)
/// cannot put it into a message, a log line or a JSON field: the key, `user:key`, their
/// base64 (standard and URL-safe, with and without padding, and with `/` escaped as `\/` as
/// PHP's `json_encode` writes it; the `Basic …` header value is one of these), and their
/// percent-encoded forms (upper- and lower-case hex, `+` for space). Debug shows none of them.
#[derive(Clone, Default)]
pub struct SecretForms {
    forms: Vec<String>,
    matcher: Option<aho_corasick::AhoCorasick>,
}

impl fmt::Debug for SecretForms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretForms({} forms, <redacted>)", self.forms.len())
    }
}

impl SecretForms {
    /// The forms of `user:key` and of the key alone.
    pub fn of(user: &str, key: &ApiKey) -> SecretForms {
        let mut forms = Vec::new();
        if !key.is_empty() {
            let pair = format!("{user}:{}", key.expose());
            for secret in [pair.as_str(), key.expose()] {
                forms.extend(encodings(secret));
            }
        }
        SecretForms::from_forms(forms)
    }

    /// Masks these exact strings (and nothing derived from them).
    pub fn from_forms(forms: impl IntoIterator<Item = String>) -> SecretForms {
        let mut forms: Vec<String> = forms
            .into_iter()
            .filter(|f| f.len() >= SHORTEST_MASKED)
            .collect();
        // Longest first: `user:key` is masked whole rather than as `user:***`.
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let matcher = (!forms.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&forms)
                    .ok()
            })
            .flatten();
        SecretForms { forms, matcher }
    }

    /// The strings masked, for a caller that keeps its own registry (the CLI's last guard).
    /// Like [`ApiKey::expose`], call sites are few and reviewed.
    pub fn expose(&self) -> &[String] {
        &self.forms
    }

    /// Whether `bytes` hold any form: such a file is never uploaded (`/proc/self/environ`, a
    /// key file, a log of the Basic header).
    pub fn found_in(&self, bytes: &[u8]) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(bytes))
    }

    /// `text` with every form replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        match &self.matcher {
            Some(m) if m.is_match(text) => m.replace_all(text, &vec!["***"; self.forms.len()]),
            _ => text.to_owned(),
        }
    }

    /// [`SecretForms::mask`] for bytes (a response body, UTF-8 or not); untouched when clean.
    pub fn mask_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        match &self.matcher {
            Some(m) if m.is_match(&bytes) => {
                m.replace_all_bytes(&bytes, &vec![&b"***"[..]; self.forms.len()])
            }
            _ => bytes,
        }
    }
}

/// `secret` as given, base64-encoded four ways (and JSON-escaped), and percent-encoded.
fn encodings(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = vec![secret.to_owned()];
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        let encoded = engine.encode(secret);
        out.push(encoded.replace('/', "\\/"));
        out.push(encoded);
    }
    for upper in [true, false] {
        out.push(percent_encode(secret, upper, false));
        out.push(percent_encode(secret, upper, true));
    }
    out
}

/// Every byte but RFC 3986's unreserved ones as `%XX`; `plus_for_space` as HTML forms do.
fn percent_encode(text: &str, upper: bool, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if plus_for_space => out.push('+'),
            _ if upper => out.push_str(&format!("%{b:02X}")),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_holding_the_key_or_its_basic_credentials_are_found() {
        // Attack: a report links `/proc/self/environ`, or a log holding the Basic header.
        let forms = SecretForms::of("ci@acme.com", &ApiKey::new("K3y-s3cret/ABC"));
        assert!(forms.found_in(b"PATH=/bin\0TESTRAIL_API_KEY=K3y-s3cret/ABC\0"));
        assert!(forms.found_in(b"authorization: Basic Y2lAYWNtZS5jb206SzN5LXMzY3JldC9BQkM="));
        assert!(!forms.found_in(b"a screenshot of the login page"));
        assert!(!SecretForms::of("ci@acme.com", &ApiKey::new("")).found_in(b"anything"));
    }

    #[test]
    fn every_form_of_the_credential_is_masked() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let key = ApiKey::new("k3y/with+odd?chars~ ok");
        let forms = SecretForms::of("ci@example.com", &key);
        let pair = "ci@example.com:k3y/with+odd?chars~ ok";
        let echoed = [
            key.expose().to_owned(),
            pair.to_owned(),
            format!("Basic {}", STANDARD.encode(pair)),
            STANDARD.encode(pair).replace('/', "\\/"),
            URL_SAFE_NO_PAD.encode(pair),
            STANDARD.encode(key.expose()),
            "k3y%2Fwith%2Bodd%3Fchars~%20ok".to_owned(),
            "ci%40example.com%3ak3y%2fwith%2bodd%3fchars~+ok".to_owned(),
        ];
        for e in &echoed {
            let text = format!("error: you sent [{e}] to us");
            let masked = forms.mask(&text);
            assert!(!masked.contains(e.as_str()), "{e} in {masked}");
            assert!(masked.contains("***"), "{masked}");
            let bytes = forms.mask_bytes(text.into_bytes());
            assert!(!String::from_utf8(bytes).unwrap().contains(e.as_str()));
        }
        assert_eq!(forms.mask("nothing secret"), "nothing secret");
        assert!(!format!("{forms:?}").contains("k3y"));
        assert!(SecretForms::of("u", &ApiKey::new("")).expose().is_empty());
    }

    #[test]
    fn key_never_formats() {
        let key = ApiKey::new("s3cr3t-KEY");
        assert!(!format!("{key:?} {key} {key:#?}").contains("s3cr3t"));
        assert_eq!(key.expose(), "s3cr3t-KEY");
    }
}
