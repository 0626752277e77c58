//! Bulk GETs as a stream of items: follows `_links.next` page by page (TestRail 6.7+) and also
//! accepts the bare JSON array older servers (and some endpoints) return.

use std::collections::VecDeque;

use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Client;
use crate::error::ApiError;

pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    /// The endpoint of the next page, ready to append to the API base.
    pub(crate) next: Option<String>,
}

/// Items in order, one page fetched at a time (only when the previous page is consumed). After an
/// error the stream ends.
pub(crate) fn stream<T: DeserializeOwned + Send + 'static>(
    client: Client,
    endpoint: String,
    key: &'static str,
) -> impl Stream<Item = Result<T, ApiError>> + Send {
    struct State<T> {
        client: Client,
        next: Option<String>,
        buffer: VecDeque<T>,
    }
    let start = State {
        client,
        next: Some(endpoint),
        buffer: VecDeque::new(),
    };
    futures_util::stream::unfold(start, move |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Some((Ok(item), state));
            }
            let endpoint = state.next.take()?;
            match fetch_page::<T>(&state.client, &endpoint, key).await {
                Ok(page) => {
                    // A server echoing the same link would loop forever.
                    if page.next.as_deref() == Some(endpoint.as_str()) {
                        let cause = "the next-page link points at the same page".to_owned();
                        return Some((Err(ApiError::Decode { endpoint, cause }), state));
                    }
                    state.buffer = page.items.into();
                    state.next = page.next;
                }
                Err(e) => return Some((Err(e), state)),
            }
        }
    })
}

async fn fetch_page<T: DeserializeOwned>(
    client: &Client,
    endpoint: &str,
    key: &str,
) -> Result<Page<T>, ApiError> {
    let body = client.get_bytes(endpoint).await?;
    parse_page(endpoint, key, &body)
}

/// One page: `{"offset":..,"_links":{"next":..},"<key>":[..]}` or a bare `[..]`.
pub(crate) fn parse_page<T: DeserializeOwned>(
    endpoint: &str,
    key: &str,
    body: &[u8],
) -> Result<Page<T>, ApiError> {
    let decode_error = |cause: String| ApiError::Decode {
        endpoint: endpoint.to_owned(),
        cause,
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| decode_error(e.to_string()))?;
    let (items, next) = match value {
        Value::Array(items) => (items, None),
        Value::Object(mut page) => {
            let items = match page.remove(key) {
                Some(Value::Array(items)) => items,
                _ => return Err(decode_error(format!("expected a list under \"{key}\""))),
            };
            let next = page
                .get("_links")
                .and_then(|links| links.get("next"))
                .and_then(Value::as_str)
                .and_then(next_endpoint);
            (items, next)
        }
        _ => return Err(decode_error("expected a list or a page object".to_owned())),
    };
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item).map_err(|e| decode_error(format!("item {i}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next })
}

/// `/api/v2/get_cases/1&suite_id=2&limit=250&offset=250` → `get_cases/1&suite_id=2&limit=250&offset=250`.
/// Tolerates a link that carries `index.php?` or a full URL in front.
pub(crate) fn next_endpoint(link: &str) -> Option<String> {
    const PREFIX: &str = "/api/v2/";
    let rest = match link.find(PREFIX) {
        Some(at) => &link[at + PREFIX.len()..],
        None => link.trim_start_matches('/'),
    };
    (!rest.trim().is_empty()).then(|| rest.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_become_endpoints() {
        assert_eq!(
            next_endpoint("/api/v2/get_cases/1&suite_id=2&limit=250&offset=250").as_deref(),
            Some("get_cases/1&suite_id=2&limit=250&offset=250")
        );
        assert_eq!(
            next_endpoint("https://h/index.php?/api/v2/get_runs/3&offset=250").as_deref(),
            Some("get_runs/3&offset=250")
        );
        assert_eq!(
            next_endpoint("get_projects&offset=250").as_deref(),
            Some("get_projects&offset=250")
        );
        assert_eq!(next_endpoint("/api/v2/"), None);
        assert_eq!(next_endpoint(""), None);
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Item {
        id: u64,
    }

    #[test]
    fn pages_and_bare_arrays_both_parse() {
        let page = br#"{"offset":0,"limit":2,"size":2,
            "_links":{"next":"/api/v2/get_cases/1&limit=2&offset=2","prev":null},
            "cases":[{"id":1},{"id":2}]}"#;
        let p: Page<Item> = parse_page("get_cases/1", "cases", page).unwrap();
        assert_eq!(p.items, vec![Item { id: 1 }, Item { id: 2 }]);
        assert_eq!(p.next.as_deref(), Some("get_cases/1&limit=2&offset=2"));

        let last = br#"{"_links":{"next":null,"prev":null},"cases":[]}"#;
        let p: Page<Item> = parse_page("get_cases/1", "cases", last).unwrap();
        assert!(p.items.is_empty() && p.next.is_none());

        let bare: Page<Item> = parse_page("get_suites/1", "suites", br#"[{"id":9}]"#).unwrap();
        assert_eq!(bare.items, vec![Item { id: 9 }]);
        assert!(bare.next.is_none());
    }

    #[test]
    fn wrong_shapes_are_decode_errors_naming_the_endpoint() {
        let e = parse_page::<Item>("get_runs/1", "runs", br#"{"cases":[]}"#)
            .err()
            .unwrap();
        assert!(e.to_string().contains("get_runs/1") && e.to_string().contains("\"runs\""));
        let e = parse_page::<Item>("get_runs/1", "runs", br#"[{"id":"x"}]"#)
            .err()
            .unwrap();
        assert!(e.to_string().contains("item 0"), "{e}");
        assert!(parse_page::<Item>("e", "k", b"<html>").is_err());
    }
}
