//! The Atom feeds' routes, thin HTTP wrappers over [`crate::oai::feed`]:
//!
//! - `/feed.atom`: the whole archive's newly published and changed records;
//!   `/feed.atom?collection=NAME`: one collection's (the collection's
//!   HTML page is its search, `/search?q=*&collection=NAME`).
//! - `/search/feed.atom?q=…`: a saved search's, with the search page's own
//!   parameters (`q`, `from`, `to`, facet filters; `sort` and `page` are
//!   ignored), run as anyone.
//!
//! Both take `limit` (1 to [`feed::MAX_ENTRIES`], default
//! [`feed::DEFAULT_ENTRIES`]). A parameter `/feed.atom` does not know, a
//! repeated one or a bad limit is 400 naming it; a collection with no
//! public record is 404 whether it exists or not.
//!
//! Invariants: what is served is read through `archive.public()` (and a
//! search through the anonymous reader), whoever asks, so the answer is the
//! same for everyone (no `Vary: Cookie`) and cached publicly for a short
//! while. Its weak `ETag` names the change log's position and the day the
//! public view was judged on (`W/"c1234-2026-01-05"`: an embargo lifts at a
//! day's start, with no change written); a matching `If-None-Match` is 304,
//! answered before anything is read but that position.

use super::views::{SearchParams, encode, search_href};
use super::{Shared, WebError};
use crate::oai::feed::{self, FeedError, FeedLinks, FeedSite, Scope};
use crate::search::SearchRequest;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The feeds' media type.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";
/// How long anyone may keep a feed without asking again.
const CACHE_CONTROL: &str = "public, max-age=300";

/// `/feed.atom` and `/feed.atom?collection=NAME`.
pub async fn archive_feed(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let mut collection: Option<&str> = None;
    let mut limit: Option<&str> = None;
    for (key, value) in &pairs {
        let slot = match key.as_str() {
            "collection" => &mut collection,
            "limit" => &mut limit,
            other => {
                return refused(WebError::bad_request(format!(
                    "unknown parameter {other:?}: /feed.atom takes collection and limit \
                     (a search's feed is /search/feed.atom?q=…)"
                )));
            }
        };
        if slot.replace(value.as_str()).is_some() {
            return refused(WebError::bad_request(format!(
                "parameter {key:?} is given twice: a feed takes one"
            )));
        }
    }
    let count = match feed::parse_limit(limit) {
        Ok(n) => n,
        Err(e) => return feed_error(e),
    };
    let (scope, path, alternate) = match collection {
        None => (Scope::Archive, "/feed.atom".to_string(), "/".to_string()),
        Some(name) => (
            Scope::Collection(name.to_string()),
            format!("/feed.atom?{}", encode(&[("collection", name)])),
            search_href(&[("q", "*"), ("collection", name)]),
        ),
    };
    let links = links(&state.base_url, &path, limit, &alternate);
    serve(&state, &headers, &scope, &links, count).await
}

/// `/search/feed.atom?q=…`: the search page's parameters and `limit`.
pub async fn search_feed(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let mut limits = pairs.iter().filter(|(k, _)| k == "limit").map(|(_, v)| v);
    let limit = limits.next().map(String::as_str);
    if limits.next().is_some() {
        return refused(WebError::bad_request(
            "parameter \"limit\" is given twice: a feed takes one",
        ));
    }
    let count = match feed::parse_limit(limit) {
        Ok(n) => n,
        Err(e) => return feed_error(e),
    };
    let params = super::pages::parse_params(&pairs);
    if params.q.trim().is_empty()
        && params.filters.is_empty()
        && params.from.is_empty()
        && params.to.is_empty()
    {
        return refused(WebError::bad_request(
            "q: a search's feed needs words to search for (or a filter); \
             the whole archive's feed is /feed.atom",
        ));
    }
    // The feed's own order and pages: only what selects the hits names it.
    let params = SearchParams {
        sort: String::new(),
        page: 1,
        ..params
    };
    let mut request = SearchRequest::new(&params.effective_query(), feed::SEARCH_HITS);
    request.filters = params.filters.clone();
    let path = format!("/search/feed.atom?{}", encode(&params.pairs()));
    let links = links(&state.base_url, &path, limit, &params.href_page(1));
    let scope = Scope::Search {
        request,
        words: search_words(&params),
    };
    serve(&state, &headers, &scope, &links, count).await
}

/// What a search is named by in its feed's title: the words, then each
/// filter and the date range.
fn search_words(params: &SearchParams) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !params.q.trim().is_empty() {
        parts.push(params.q.trim().to_string());
    }
    for (dim, value) in &params.filters {
        parts.push(format!("{}: {value}", dim.name()));
    }
    if !params.from.is_empty() || !params.to.is_empty() {
        parts.push(format!("dates {}..{}", params.from, params.to));
    }
    parts.join(", ")
}

/// The feed's addresses: its id is `path` (without `limit`), itself `path`
/// with the `limit` given, its page `alternate`; all absolute.
fn links(base_url: &str, path: &str, limit: Option<&str>, alternate: &str) -> FeedLinks {
    let base = base_url.trim_end_matches('/');
    let self_href = match limit {
        None => format!("{base}{path}"),
        Some(limit) => {
            let joint = if path.contains('?') { '&' } else { '?' };
            format!("{base}{path}{joint}{}", encode(&[("limit", limit)]))
        }
    };
    FeedLinks {
        id: format!("{base}{path}"),
        self_href,
        alternate: format!("{base}{alternate}"),
    }
}

/// The feed's tag, a 304 when the client's copy is current, else the feed.
async fn serve(
    state: &Shared,
    headers: &HeaderMap,
    scope: &Scope,
    links: &FeedLinks,
    limit: usize,
) -> Response {
    let change = match state.archive.last_change().await {
        Ok(change) => change,
        Err(e) => return refused(WebError::internal("a feed", e)),
    };
    let day = state.archive.public().now().day();
    let etag = format!("W/\"c{change}-{day}\"");
    let mut response = if matches(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let site = FeedSite {
            base_url: &state.base_url,
            site_name: &state.site_name,
        };
        match feed::feed(&state.archive, site, scope, links, limit).await {
            Ok(xml) => ([(header::CONTENT_TYPE, ATOM)], xml).into_response(),
            Err(e) => return feed_error(e),
        }
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    response
}

/// Whether `If-None-Match` names `etag` (weak comparison) or is `*`.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let Some(value) = headers.get(header::IF_NONE_MATCH) else {
        return false;
    };
    let ours = etag.strip_prefix("W/").unwrap_or(etag);
    value
        .to_str()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// A feed that cannot be made: 400 for a bad limit or a refused query, 404
/// for a collection with no public record, 500 for the store or index.
fn feed_error(e: FeedError) -> Response {
    refused(match e {
        FeedError::Limit(_) => WebError::bad_request(e.to_string()),
        FeedError::NoSuchCollection(_) => WebError::not_found(e.to_string()),
        FeedError::Search(e) => WebError::from(e),
        FeedError::Store(e) => WebError::internal("a feed", e),
    })
}

/// An error as plain text with its status (a feed is not a page).
fn refused(e: WebError) -> Response {
    (
        e.code.status(),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", e.message),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_limit_out_of_the_id() {
        let l = links("https://a.example/", "/feed.atom", Some("7"), "/");
        assert_eq!(l.id, "https://a.example/feed.atom");
        assert_eq!(l.self_href, "https://a.example/feed.atom?limit=7");
        assert_eq!(l.alternate, "https://a.example/");
        let l = links("https://a.example", "/feed.atom?collection=A+B", None, "/x");
        assert_eq!(l.self_href, l.id);
        let l = links(
            "https://a.example",
            "/feed.atom?collection=A",
            Some("7"),
            "/x",
        );
        assert_eq!(
            l.self_href,
            "https://a.example/feed.atom?collection=A&limit=7"
        );
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let with = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_static(value));
            h
        };
        let tag = "W/\"c3-2026-01-01\"";
        assert!(matches(&with("W/\"c3-2026-01-01\""), tag));
        assert!(matches(&with("\"c3-2026-01-01\""), tag));
        assert!(matches(&with("\"x\", W/\"c3-2026-01-01\""), tag));
        assert!(matches(&with("*"), tag));
        assert!(!matches(&with("W/\"c2-2026-01-01\""), tag));
        assert!(!matches(&HeaderMap::new(), tag));
    }
}
