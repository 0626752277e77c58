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

/// TestRail's page size (the largest `limit` it takes, and its default).
pub(crate) const PAGE_SIZE: usize = 250;

/// Reads that found the list shifted before [`snapshot`] settles for the union of what it saw.
const SNAPSHOT_ATTEMPTS: usize = 4;

/// Every item of a bulk GET as of one moment, even while other clients change the list: pages
/// overlap by one item, and a page that does not start with the previous page's last item
/// shows that items before the boundary were added or removed between the two requests — a
/// plain read would then have skipped some. The read then starts over. Unless the list moved,
/// it costs what a plain read costs, give or take a page: one per 249 items after the first 250.
///
/// Still moving after [`SNAPSHOT_ATTEMPTS`] reads: the union of every item seen, so an item is
/// missed only if every read skipped it (one removed meanwhile may be in it).
///
/// `fetch(offset)` fetches the page starting at `offset`; `id` tells items apart.
pub(crate) async fn snapshot<T, F, Fut>(
    mut fetch: F,
    id: impl Fn(&T) -> u64,
) -> Result<Vec<T>, ApiError>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, ApiError>>,
{
    let mut seen = Listing::default();
    for _ in 0..SNAPSHOT_ATTEMPTS {
        let (read, moved) = read_overlapping(&mut fetch, &id).await?;
        if !moved {
            return Ok(read.items);
        }
        tracing::debug!(
            items = read.items.len(),
            "list moved while paging; reading it again"
        );
        seen.extend(read.items, &id);
    }
    tracing::warn!(
        items = seen.items.len(),
        "list kept moving while paging; using every item seen across {SNAPSHOT_ATTEMPTS} reads"
    );
    Ok(seen.items)
}

/// One whole read with overlapping pages, and whether the list moved under it (a page did not
/// start with the previous page's last item).
async fn read_overlapping<T, F, Fut>(
    fetch: &mut F,
    id: &impl Fn(&T) -> u64,
) -> Result<(Listing<T>, bool), ApiError>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, ApiError>>,
{
    let mut read = Listing::default();
    let mut moved = false;
    let mut offset = 0;
    loop {
        let page = fetch(offset).await?;
        let served = page.items.len();
        if let Some(last) = read.items.last() {
            moved |= page.items.first().map(id) != Some(id(last));
        }
        let added = read.extend(page.items, id);
        if page.next.is_none() || added == 0 {
            return Ok((read, moved));
        }
        offset += served - 1;
    }
}

/// Items in the order first seen, each once.
struct Listing<T> {
    items: Vec<T>,
    ids: std::collections::HashSet<u64>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            items: Vec::new(),
            ids: std::collections::HashSet::new(),
        }
    }
}

impl<T> Listing<T> {
    /// Adds the items not seen yet; returns how many.
    fn extend(&mut self, more: Vec<T>, id: &impl Fn(&T) -> u64) -> usize {
        let before = self.items.len();
        for item in more {
            if self.ids.insert(id(&item)) {
                self.items.push(item);
            }
        }
        self.items.len() - before
    }
}

/// The endpoint of the page at `offset` (the first page as the endpoint itself).
pub(crate) fn page_at(endpoint: &str, offset: usize) -> String {
    if offset == 0 {
        endpoint.to_owned()
    } else {
        format!("{endpoint}&limit={PAGE_SIZE}&offset={offset}")
    }
}

pub(crate) async fn fetch_page<T: DeserializeOwned>(
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

    /// A list served in pages of `PAGE_SIZE` and changed by `change` just before every fetch
    /// `changes_before` picks (by 0-based fetch number): another client's writes landing
    /// between our page reads.
    struct Shifting {
        items: std::sync::Mutex<Vec<u64>>,
        fetches: std::sync::atomic::AtomicUsize,
        changes_before: fn(usize) -> bool,
        change: fn(&mut Vec<u64>),
    }

    impl Shifting {
        fn new(len: u64, changes_before: fn(usize) -> bool, change: fn(&mut Vec<u64>)) -> Self {
            Shifting {
                items: std::sync::Mutex::new((1..=len).collect()),
                fetches: std::sync::atomic::AtomicUsize::new(0),
                changes_before,
                change,
            }
        }

        fn still(len: u64) -> Self {
            Shifting::new(len, |_| false, |_| {})
        }

        async fn fetch(&self, offset: usize) -> Result<Page<Item>, ApiError> {
            let n = self
                .fetches
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut items = self.items.lock().unwrap();
            if (self.changes_before)(n) {
                (self.change)(&mut items);
            }
            let slice: Vec<Item> = items
                .iter()
                .skip(offset)
                .take(PAGE_SIZE)
                .map(|&id| Item { id })
                .collect();
            let next = (offset + PAGE_SIZE < items.len()).then(|| "more".to_owned());
            Ok(Page { items: slice, next })
        }

        async fn read(&self) -> Vec<u64> {
            let items = snapshot(|offset| self.fetch(offset), |i: &Item| i.id)
                .await
                .unwrap();
            items.into_iter().map(|i| i.id).collect()
        }

        fn fetches(&self) -> usize {
            self.fetches.load(std::sync::atomic::Ordering::SeqCst)
        }

        fn now(&self) -> Vec<u64> {
            self.items.lock().unwrap().clone()
        }
    }

    #[tokio::test]
    async fn a_still_list_costs_one_page_per_249_items_after_the_first() {
        let list = Shifting::still(600);
        assert_eq!(list.read().await, (1..=600).collect::<Vec<_>>());
        // 0..250, 249..499, 498..600
        assert_eq!(list.fetches(), 3);
        let short = Shifting::still(40);
        assert_eq!(short.read().await.len(), 40);
        assert_eq!(short.fetches(), 1);
    }

    #[tokio::test]
    async fn items_removed_before_the_boundary_between_pages_do_not_hide_later_ones() {
        // The fault: another client's write removes 3 items of page one after we read it; a
        // plain offset=250 read would then skip the 3 items that slid into page one.
        let list = Shifting::new(
            400,
            |n| n == 1,
            |items| items.retain(|i| !(10..13).contains(i)),
        );
        assert_eq!(
            list.read().await,
            list.now(),
            "every item still in the list is read"
        );
        assert_eq!(list.now().len(), 397, "the removal happened");
        assert_eq!(
            list.fetches(),
            4,
            "the shift was seen and the read started over"
        );
    }

    #[tokio::test]
    async fn items_added_at_the_end_between_pages_need_no_second_read() {
        let list = Shifting::new(300, |n| n == 1, |items| items.extend(301..=320));
        assert_eq!(list.read().await, (1..=320).collect::<Vec<_>>());
        assert_eq!(list.fetches(), 2);
    }

    #[tokio::test]
    async fn a_list_that_never_settles_gives_every_item_seen() {
        // Before every second fetch the first item leaves and a new one comes at the end, so
        // no read gets through whole; the union still holds every item that stayed.
        let list = Shifting::new(
            300,
            |n| n % 2 == 1,
            |items| {
                let gone = items.remove(0);
                items.push(gone + 1000);
            },
        );
        let read = list.read().await;
        assert_eq!(
            list.fetches(),
            2 * SNAPSHOT_ATTEMPTS,
            "every read was cut short"
        );
        let stayed: Vec<u64> = list.now().into_iter().filter(|i| *i <= 300).collect();
        assert!(
            stayed.iter().all(|i| read.contains(i)),
            "no item that stayed is missed"
        );
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
