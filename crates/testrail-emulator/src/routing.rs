//! TestRail routes on the raw query string (`/index.php?/api/v2/get_cases/1&suite_id=2`), not on
//! the path, so axum's router cannot do it: this module splits that string by hand.

/// One parsed API call: `get_cases/1&suite_id=2&limit=10` -> name, ids, params (in order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Call {
    /// Endpoint name (`get_cases`).
    pub name: String,
    /// Path IDs after the name, as written (`["1"]`); handlers parse and check them.
    pub ids: Vec<String>,
    /// Query parameters after the path, in request order.
    pub params: Vec<(String, String)>,
}

/// What a request to `/index.php?<query>` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An API v2 call (`api/v2/…`).
    Api(Call),
    /// A web-view page such as `runs/view/3`.
    Page(Vec<String>),
}

/// Parses the raw query of `/index.php?...`. `None` when it is neither API nor page.
pub fn parse_index_query(query: &str) -> Option<Target> {
    let query = query.trim_start_matches('/');
    if let Some(rest) = query.strip_prefix("api/v2/") {
        return Some(Target::Api(parse_call(rest)));
    }
    let path = query.split('&').next().unwrap_or("");
    let parts: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    Some(Target::Page(parts))
}

/// `get_cases/1&suite_id=2` (the part after `api/v2/`).
pub fn parse_call(rest: &str) -> Call {
    let mut pieces = rest.split('&');
    let path = pieces.next().unwrap_or("");
    let mut segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode);
    let name = segments.next().unwrap_or_default();
    let ids = segments.collect();
    let params = pieces.filter(|p| !p.is_empty()).map(split_param).collect();
    Call { name, ids, params }
}

/// A `?` inside the route (a client using `?` instead of `&`, as in `get_cases/1?suite_id=2`):
/// TestRail answers 400 `Invalid characters in URI: [/api/v2/get_cases/1?suite_id]` (seen live):
/// PHP took everything up to the first `=` as the route. Returns that route, or `None`.
pub fn invalid_uri(query: &str) -> Option<String> {
    let route = query.split('&').next().unwrap_or("");
    route
        .contains('?')
        .then(|| route.split('=').next().unwrap_or(route).to_owned())
}

/// Characters PHP's input filter refuses in a query value: TestRail answers 400 `Invalid
/// characters in GET: [limit] ["]`, and `[Content-Type] [multipart/form-data; boundary=...]` for
/// a header that leaked into the query (both seen verbatim, testrail-observed 1.3). Which
/// characters exactly is UNVERIFIED: only `"` and a value with `;` were seen; quotes, angle
/// brackets, `;`, backslash, backtick and control characters are refused here. Returns the
/// first offending parameter and its (decoded) value.
pub fn invalid_get(call: &Call) -> Option<(String, String)> {
    let bad = |c: char| matches!(c, '"' | '\'' | '<' | '>' | ';' | '\\' | '`') || c.is_control();
    call.params
        .iter()
        .find(|(k, v)| k.chars().any(bad) || v.chars().any(bad))
        .cloned()
}

fn hex_pair(hi: u8, lo: u8) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(hi)? * 16 + digit(lo)?) as u8)
}

fn split_param(p: &str) -> (String, String) {
    match p.split_once('=') {
        Some((k, v)) => (percent_decode(k), percent_decode(v)),
        None => (percent_decode(p), String::new()),
    }
}

/// `%40` -> `@`, `+` -> space. Invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match hex_pair(bytes[i + 1], bytes[i + 2]) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Call {
    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The call's path with its non-paging filters, as used in `_links` (`get_cases/1&suite_id=2`).
    pub fn link_base(&self) -> String {
        let mut s = format!("/api/v2/{}", self.name);
        for id in &self.ids {
            s.push('/');
            s.push_str(id);
        }
        for (k, v) in &self.params {
            if k != "limit" && k != "offset" {
                s.push_str(&format!("&{k}={}", encode_param(v)));
            }
        }
        s
    }
}

fn encode_param(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_name_ids_and_params() {
        let Some(Target::Api(c)) =
            parse_index_query("/api/v2/get_results_for_case/3/7&status_id=4,5&limit=10")
        else {
            panic!("not an api call")
        };
        assert_eq!(c.name, "get_results_for_case");
        assert_eq!(c.ids, vec!["3", "7"]);
        assert_eq!(c.param("status_id"), Some("4,5"));
        assert_eq!(
            c.link_base(),
            "/api/v2/get_results_for_case/3/7&status_id=4,5"
        );
    }

    #[test]
    fn decodes_emails_and_pages() {
        let Some(Target::Api(c)) = parse_index_query("/api/v2/get_user_by_email&email=a%40b.c")
        else {
            panic!()
        };
        assert_eq!(c.param("email"), Some("a@b.c"));
        assert_eq!(
            parse_index_query("/runs/view/4"),
            Some(Target::Page(vec!["runs".into(), "view".into(), "4".into()]))
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn quotes_and_leaked_headers_in_the_query_are_invalid_get_characters() {
        let call = parse_call("get_runs/1&limit=%22");
        assert_eq!(invalid_get(&call), Some(("limit".into(), "\"".into())));
        let call = parse_call("get_cases/1&suite_id=1&filter=a%20b&refs=X-1,X-2");
        assert_eq!(invalid_get(&call), None);
    }

    #[test]
    fn question_mark_in_route_is_reported_up_to_the_equals_sign() {
        assert_eq!(
            invalid_uri("/api/v2/get_cases/1?suite_id=2&limit=3").as_deref(),
            Some("/api/v2/get_cases/1?suite_id")
        );
        assert_eq!(invalid_uri("/api/v2/get_cases/1&suite_id=2"), None);
    }
}
