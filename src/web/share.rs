//! What other systems read: the OAI-PMH endpoint, the sitemap and the
//! public dump, as thin HTTP wrappers over [`crate::oai`].
//!
//! Invariants: OAI-PMH protocol errors are answered in an HTTP 200 body (the
//! protocol's rule); only a failing store is a 500. Everything served here is
//! read through `archive.public()`, whoever asks: public records only, and
//! the same answer for everyone (no `Vary: Cookie`). The dump is never made
//! per request: it is the file of the archive's present state (see
//! [`oai::dump::DumpFiles`]), served with its `ETag`, `Last-Modified` and
//! byte ranges.

use super::{ErrorCode, Shared, WebError};
use crate::oai::{self, sitemap};
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// A failure, as plain text (these answers are not pages).
fn internal(what: &str, e: impl std::fmt::Display) -> Response {
    let status = WebError::internal(what, e).code.status();
    (
        status,
        format!("{what} failed; the error is in the server's log\n"),
    )
        .into_response()
}

async fn answer(state: &Shared, params: &[(String, String)]) -> Response {
    let _turn = match heavy_turn(state).await {
        Ok(turn) => turn,
        Err(busy) => return busy,
    };
    match oai::respond(&state.archive.public(), &state.oai, params).await {
        Ok(response) => xml(response.xml),
        Err(e) => internal("OAI-PMH", e),
    }
}

/// A turn for a heavy request ([`super::admission`]), or the 503 (with
/// `Retry-After`) that refuses it.
async fn heavy_turn(state: &Shared) -> Result<super::admission::Turn, Response> {
    state.heavy.admit().await.map_err(|refusal| {
        let mut error = WebError::new(ErrorCode::Unavailable, refusal.message());
        error.retry_after = Some(state.heavy.retry_after());
        error.into_response()
    })
}

/// `GET /oai?verb=…`
pub async fn oai_get(
    State(state): State<Shared>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    answer(&state, &params).await
}

/// `POST /oai` with `application/x-www-form-urlencoded` arguments.
pub async fn oai_post(
    State(state): State<Shared>,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    answer(&state, &params).await
}

/// `/sitemap.xml`: the sitemap, or past 50,000 URLs the sitemap index.
pub async fn sitemap_xml(State(state): State<Shared>) -> Response {
    let _turn = match heavy_turn(&state).await {
        Ok(turn) => turn,
        Err(busy) => return busy,
    };
    match sitemap::sitemap_xml(&state.archive.public(), &state.base_url).await {
        Ok(body) => xml(body),
        Err(e) => internal("the sitemap", e),
    }
}

/// Files at the site's root that are not routes of their own:
/// `/sitemap-{n}.xml`, `/robots.txt`, the icon (`/favicon.svg`, and
/// `/favicon.ico` for clients that ask for it by that name).
pub async fn root_file(State(state): State<Shared>, Path(file): Path<String>) -> Response {
    match file.as_str() {
        "robots.txt" => {
            return (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                robots_txt(&state.base_url),
            )
                .into_response();
        }
        "favicon.svg" | "favicon.ico" => {
            return (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                include_str!("../../static/favicon.svg"),
            )
                .into_response();
        }
        _ => {}
    }
    let page = file
        .strip_prefix("sitemap-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = page {
        let _turn = match heavy_turn(&state).await {
            Ok(turn) => turn,
            Err(busy) => return busy,
        };
        match sitemap::sitemap_page(&state.archive.public(), &state.base_url, n).await {
            Ok(Some(body)) => return xml(body),
            Ok(None) => {}
            Err(e) => return internal("the sitemap", e),
        }
    }
    super::pages::not_found(State(state)).await
}

/// `robots.txt`: everything public may be crawled but the desk and the
/// API's writes; the sitemap is named.
fn robots_txt(base_url: &str) -> String {
    format!("User-agent: *\nDisallow: /desk/\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n")
}

/// `/dump/records.jsonl.gz`: every public record, in the format of
/// `fonds export`, gzip-compressed: the file [`oai::dump::DumpFiles`] keeps,
/// made once per state of the archive. Its `ETag` names that state (strong
/// when nothing changed during the build: see `dump_etag`), with
/// `Last-Modified` (when the file was made); `If-None-Match` (and, without it, `If-Modified-Since`) answer
/// 304, and one byte range (`Range: bytes=…`, under `If-Range` when given)
/// 206, so an interrupted download resumes.
pub async fn dump(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let turn = match heavy_turn(&state).await {
        Ok(turn) => turn,
        Err(busy) => return busy,
    };
    let open = state.dump.current(&state.archive).await;
    // Built (or found built): sending the file takes no turn.
    drop(turn);
    let open = match open {
        Ok(open) => open,
        Err(e) => return internal("the dump", e),
    };
    let etag = dump_etag(&open.state);
    let last_modified = httpdate::fmt_http_date(open.modified);
    let mut response = Response::new(Body::empty());
    let h = response.headers_mut();
    for (name, value) in [
        (header::ETAG, etag.as_str()),
        (header::LAST_MODIFIED, last_modified.as_str()),
        (header::CACHE_CONTROL, "public, no-cache"),
        (header::ACCEPT_RANGES, "bytes"),
        (header::CONTENT_TYPE, "application/gzip"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"records.jsonl.gz\"",
        ),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            h.insert(name, value);
        }
    }
    if not_modified(&headers, &etag, open.modified) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        let h = response.headers_mut();
        h.remove(header::CONTENT_TYPE);
        h.remove(header::CONTENT_DISPOSITION);
        return response;
    }
    let range = match wanted_range(&headers, &etag, &last_modified, open.len) {
        Ranged::Whole => None,
        Ranged::Part(from, to) => Some((from, to)),
        Ranged::Unsatisfiable => {
            *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            let h = response.headers_mut();
            h.remove(header::CONTENT_TYPE);
            h.remove(header::CONTENT_DISPOSITION);
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{}", open.len)) {
                h.insert(header::CONTENT_RANGE, value);
            }
            return response;
        }
    };
    let (from, length) = match range {
        Some((from, to)) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(value) = HeaderValue::from_str(&format!("bytes {from}-{to}/{}", open.len)) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            (from, to - from + 1)
        }
        None => (0, open.len),
    };
    let mut file = open.file;
    if from > 0
        && let Err(e) = file.seek(std::io::SeekFrom::Start(from)).await
    {
        return internal("the dump", e);
    }
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    *response.body_mut() = Body::from_stream(file_stream(file, length));
    response
}

/// The dump's entity tag: the state its file was made from
/// (`"c1234-2026-01-05"`); weak (`W/"…"`) for a file made while records
/// changed, whose bytes another build of the same state need not repeat (so
/// `If-Range` never splices two of them).
fn dump_etag(state: &oai::dump::DumpState) -> String {
    let tag = format!("\"c{}-{}\"", state.change, state.day);
    if state.settled {
        tag
    } else {
        format!("W/{tag}")
    }
}

/// Whether the client's copy is current: `If-None-Match` names the tag
/// (weak comparison, or `*`); without it, `If-Modified-Since` is not
/// before the file was made.
fn not_modified(headers: &HeaderMap, etag: &str, modified: std::time::SystemTime) -> bool {
    if let Some(value) = headers.get(header::IF_NONE_MATCH) {
        let value = value.to_str().unwrap_or("");
        let ours = etag.strip_prefix("W/").unwrap_or(etag);
        // Weak comparison.
        return value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    // HTTP dates have whole seconds.
    let modified_secs = modified
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    since
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .is_some_and(|since| modified_secs <= since.as_secs())
}

/// What part of the file a request wants.
#[derive(Debug, PartialEq, Eq)]
enum Ranged {
    /// All of it (no `Range`, one this server does not serve in part:
    /// several ranges, another unit, bad syntax; or an `If-Range` that no
    /// longer holds).
    Whole,
    /// Bytes `from` to `to`, both included.
    Part(u64, u64),
    /// A range that starts past the end (416).
    Unsatisfiable,
}

/// The one byte range of `Range: bytes=A-B`, `bytes=A-` or `bytes=-N`,
/// when `If-Range` (if given) is the file's tag or date.
fn wanted_range(headers: &HeaderMap, etag: &str, last_modified: &str, len: u64) -> Ranged {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ranged::Whole;
    };
    if let Some(condition) = headers.get(header::IF_RANGE) {
        // Strong comparison: a weak tag never matches.
        let condition = condition.to_str().unwrap_or("").trim();
        let strong = !etag.starts_with("W/") && condition == etag;
        if !strong && condition != last_modified {
            return Ranged::Whole;
        }
    }
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    match (start.trim().is_empty(), number(start), number(end)) {
        // The last N bytes.
        (true, _, Some(n)) => {
            if n == 0 || len == 0 {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part(len.saturating_sub(n), len - 1)
            }
        }
        (false, Some(from), None) if end.trim().is_empty() => {
            if from >= len {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part(from, len - 1)
            }
        }
        (false, Some(from), Some(to)) if from <= to => {
            if from >= len {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part(from, to.min(len - 1))
            }
        }
        _ => Ranged::Whole,
    }
}

/// `length` bytes of `file` from where it stands, as a body stream.
fn file_stream(
    file: tokio::fs::File,
    length: u64,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures_util::stream::unfold((file, length), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buffer = vec![0; left.min(64 * 1024) as usize];
        match file.read(&mut buffer).await {
            // Shorter than it was: end here (the client sees a short body).
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(buffer.into()), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, len: u64) -> Ranged {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        wanted_range(
            &headers,
            "\"c1-2026-01-01\"",
            "Thu, 01 Jan 2026 00:00:00 GMT",
            len,
        )
    }

    #[test]
    fn byte_ranges_are_read_as_rfc_9110_says() {
        assert_eq!(range("bytes=0-9", 100), Ranged::Part(0, 9));
        assert_eq!(range("bytes=90-", 100), Ranged::Part(90, 99));
        assert_eq!(range("bytes=90-500", 100), Ranged::Part(90, 99));
        assert_eq!(range("bytes=-10", 100), Ranged::Part(90, 99));
        assert_eq!(range("bytes=-500", 100), Ranged::Part(0, 99));
        assert_eq!(range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(range("bytes=-0", 100), Ranged::Unsatisfiable);
        // Served whole: several ranges, other units, nonsense.
        assert_eq!(range("bytes=0-1,5-6", 100), Ranged::Whole);
        assert_eq!(range("items=0-1", 100), Ranged::Whole);
        assert_eq!(range("bytes=5-1", 100), Ranged::Whole);
        assert_eq!(range("bytes=a-b", 100), Ranged::Whole);
        assert_eq!(range("bytes=+1-2", 100), Ranged::Whole);
    }

    #[test]
    fn if_range_that_no_longer_holds_gives_the_whole_file() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=0-9"));
        headers.insert(
            header::IF_RANGE,
            HeaderValue::from_static("\"c0-2025-01-01\""),
        );
        let whole = wanted_range(&headers, "\"c1-2026-01-01\"", "x", 100);
        assert_eq!(whole, Ranged::Whole);
        headers.insert(
            header::IF_RANGE,
            HeaderValue::from_static("\"c1-2026-01-01\""),
        );
        let part = wanted_range(&headers, "\"c1-2026-01-01\"", "x", 100);
        assert_eq!(part, Ranged::Part(0, 9));
    }
}
