//! Anonymous answers kept in memory: a record page, a search, a browse
//! page or an OAI-PMH list page is the same for every anonymous reader
//! until the archive changes, so it is made once and served again while
//! the store's change log, the search index's generation and the day (an
//! embargo ends at midnight) stay where they were. Under a harvest, a list
//! page asked for again costs a lookup instead of reading and rendering a
//! hundred records.
//!
//! Invariants:
//! - Only what anyone may see is kept or served: a request with a `Cookie`
//!   or `Authorization` header (a member of staff, an API token, or anyone
//!   whose cookie might name one) is never answered from here, nor kept;
//!   neither is an answer that sets a cookie or is not a `200`.
//! - A kept answer is served only while the change log's last change (read
//!   from the store at each request, so a write on any node counts at
//!   once), the index's generation and the day are those it was made at,
//!   and for at most [`MAX_AGE`] (a search made between a write and this
//!   node's index taking it in is then the longest-lived stale answer).
//! - Conditional and range requests are answered by the handlers, which
//!   know their validators; the cache adds only an `Age` header to what it
//!   serves.
//! - Memory is bounded: at most [`MAX_BYTES`] of bodies, none over
//!   [`MAX_ENTRY`]; past the bound the cache starts afresh.

use super::Shared;
use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest an answer is kept.
pub const MAX_AGE: Duration = Duration::from_secs(10);
/// The bodies kept, in bytes, at most.
pub const MAX_BYTES: usize = 64 << 20;
/// The largest body kept.
pub const MAX_ENTRY: usize = 1 << 20;

/// The addresses whose anonymous answers are kept (by path prefix): the
/// reading room's pages, the search API and records API, OAI-PMH and the
/// sitemap. Never the desk, files, metrics, health or the dump.
const CACHED: [&str; 14] = [
    "/records/",
    "/search",
    "/browse",
    "/people",
    "/places",
    "/subjects",
    "/collections",
    "/arrangement",
    "/unapi",
    "/api/v1/search",
    "/api/v1/records/",
    "/oai",
    "/sitemap.xml",
    "/feed.atom",
];

/// Where the archive stood when an answer was made.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    change: u64,
    generation: u64,
    day: crate::clock::Day,
}

/// One kept answer.
struct Kept {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    made: Instant,
}

#[derive(Default)]
struct Entries {
    at: Option<Position>,
    answers: HashMap<String, Arc<Kept>>,
    bytes: usize,
}

/// The kept answers (see the module documentation).
#[derive(Default)]
pub struct ResponseCache {
    entries: Mutex<Entries>,
}

impl ResponseCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, at: &Position, key: &str) -> Option<Arc<Kept>> {
        let entries = self.lock();
        if entries.at.as_ref() != Some(at) {
            return None;
        }
        entries
            .answers
            .get(key)
            .filter(|k| k.made.elapsed() <= MAX_AGE)
            .cloned()
    }

    fn put(&self, at: Position, key: String, kept: Kept) {
        let mut entries = self.lock();
        if entries.at.as_ref() != Some(&at) || entries.bytes + kept.body.len() > MAX_BYTES {
            *entries = Entries {
                at: Some(at),
                ..Entries::default()
            };
        }
        entries.bytes += kept.body.len();
        if let Some(old) = entries.answers.insert(key, Arc::new(kept)) {
            entries.bytes -= old.body.len();
        }
    }
}

/// The key of a request whose answer may be kept, if it may: an anonymous,
/// unconditional `GET` of a cached address, keyed by its path, query and
/// `Accept` (record pages negotiate their format).
fn key(request: &Request) -> Option<String> {
    let headers = request.headers();
    let personal = [
        header::COOKIE,
        header::AUTHORIZATION,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::RANGE,
    ];
    if request.method() != Method::GET || personal.iter().any(|h| headers.contains_key(h)) {
        return None;
    }
    let path = request.uri().path();
    if path != "/" && !CACHED.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let uri = request.uri().path_and_query().map_or(path, |p| p.as_str());
    Some(format!("{accept}\n{uri}"))
}

/// Middleware: answers from the cache where it may, and keeps what it may.
pub async fn layer(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let Some(key) = key(&request) else {
        return next.run(request).await;
    };
    // Where the archive stands; if the store cannot say, nothing is kept.
    let Ok(change) = state.archive.last_change().await else {
        return next.run(request).await;
    };
    let at = Position {
        change,
        generation: state.archive.index().generation(),
        day: crate::clock::now().day(),
    };
    if let Some(kept) = state.cache.get(&at, &key) {
        let mut response = Response::new(Body::from(kept.body.clone()));
        *response.status_mut() = kept.status;
        *response.headers_mut() = kept.headers.clone();
        let age = kept.made.elapsed().as_secs().to_string();
        if let Ok(age) = HeaderValue::from_str(&age) {
            response.headers_mut().insert(header::AGE, age);
        }
        return response;
    }
    let response = next.run(request).await;
    let keep = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .body()
            .size_hint()
            .exact()
            .is_some_and(|n| n <= MAX_ENTRY as u64);
    if !keep {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ENTRY).await else {
        // A body that fails to read fails the same way uncached.
        let mut failed = Response::new(Body::empty());
        *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return failed;
    };
    state.cache.put(
        at,
        key,
        Kept {
            status: parts.status,
            headers: parts.headers.clone(),
            body: bytes.clone(),
            made: Instant::now(),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}
