//! What the server tells its operator: one log line per request, carrying a
//! request id, and `/metrics` in Prometheus's text format.
//!
//! [`trace`] (a layer on every route of [`super::router`], outermost) gives
//! each request an id ([`RequestId`]: the client's `x-request-id` when it is
//! short and plain, else a fresh random one), answers it in the response's
//! `x-request-id`, and runs the request inside a `request` span holding the
//! id, the method, the matched route (`/records/{id}`) and the path. Every
//! event logged while the request is served (an internal error,
//! `WebError::internal`) is in that span, so its line carries the id. When
//! the answer is ready it logs one line (`answered`, with `status` and
//! `latency_ms`) and counts the request in [`Metrics`].
//!
//! [`metrics`] answers `/metrics` for an admin only (an admin's API token,
//! as Prometheus sends it with `authorization: credentials: TOKEN`, or an
//! admin's session): what it tells (record counts with drafts, the imports)
//! is not the anonymous reader's to know. Anyone else gets the JSON error
//! envelope: 401 without credentials, 403 for staff below admin.
//!
//! Invariants:
//! - Metrics are labelled by route template, method and status class, never
//!   by raw path or identifier: their number is bounded by the router.
//! - No header value but `x-request-id` is logged, and no query string or
//!   body at all: a sign-in form, a token or a reader's search never reaches
//!   the log. An incoming `x-request-id` is logged only when it is at most
//!   [`MAX_REQUEST_ID`] bytes of letters, digits and `-_.:=+/@`.
//! - The request counter and the latency histogram are updated before the
//!   response leaves the middleware: a client that has its answer finds it
//!   counted in the next scrape.

use super::{ErrorCode, Shared, WebError};
use crate::accounts::{Role, Viewer};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};
use tracing::Instrument;

/// The header that carries a request's id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming request id that is kept.
pub const MAX_REQUEST_ID: usize = 64;

/// The route label of a request no route matched (the 404 fallback).
pub const UNMATCHED: &str = "unmatched";

/// Routes asked often and of little interest one by one (health checks,
/// scrapes, static files, image tiles): their lines are logged at debug.
const QUIET_ROUTES: [&str; 6] = [
    "/health",
    "/metrics",
    "/static/fonds.css",
    "/static/scan.js",
    "/static/viewer.js",
    "/iiif/{id}/{page}/{region}/{size}/{rotation}/{quality}",
];

/// Upper bounds (seconds) of the latency histogram's buckets.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How many import batches `/metrics` adds up at most.
const MAX_BATCHES: usize = 1_000_000;

/// A request's id: the client's when it is plain, else fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The client's id if it is safe to log and echo (1 to
    /// [`MAX_REQUEST_ID`] bytes of ASCII letters, digits and `-_.:=+/@`),
    /// else `None`.
    pub fn from_client(value: &[u8]) -> Option<RequestId> {
        let plain = |b: &u8| b.is_ascii_alphanumeric() || b"-_.:=+/@".contains(b);
        if value.is_empty() || value.len() > MAX_REQUEST_ID || !value.iter().all(plain) {
            return None;
        }
        // All ASCII, so UTF-8.
        std::str::from_utf8(value)
            .ok()
            .map(|s| RequestId(s.to_string()))
    }

    /// A fresh id: 12 random bytes as 24 hex digits (a process-wide counter
    /// should the system's randomness fail).
    pub fn fresh() -> RequestId {
        use std::fmt::Write;
        let mut bytes = [0u8; 12];
        if getrandom::fill(&mut bytes).is_err() {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            bytes[..8].copy_from_slice(&n.to_be_bytes());
        }
        let mut out = String::with_capacity(24);
        for b in bytes {
            let _ = write!(out, "{b:02x}");
        }
        RequestId(out)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The labels of the request metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    /// The route template (`/records/{id}`), or [`UNMATCHED`].
    route: String,
    /// The method, or `other`.
    method: &'static str,
    /// The status class: `2xx` … `5xx`.
    status: &'static str,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The server's metrics: the request counters and latencies it keeps, and
/// what it reads from the archive and the process at each scrape.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    started: SystemTime,
    /// The import totals (batches, revisions) as of a change-log position:
    /// they change only when the change log does.
    imports: Mutex<Option<(u64, (u64, u64))>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty counters, the process's start taken as now.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "fonds_http_requests",
            "HTTP requests answered, by route template, method and status class",
            requests.clone(),
        );
        registry.register(
            "fonds_http_request_duration_seconds",
            "Time from a request's arrival to its answer's headers, by route template, method \
             and status class",
            latency.clone(),
        );
        registry.register(
            "fonds_build",
            "The fonds version serving",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics {
            registry,
            requests,
            latency,
            started: SystemTime::now(),
            imports: Mutex::new(None),
        }
    }

    /// Counts one answered request.
    fn observe(&self, route: &str, method: &Method, status: StatusCode, elapsed: Duration) {
        let labels = RequestLabels {
            route: route.to_string(),
            method: method_label(method),
            status: status_class(status),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Everything, in Prometheus's text format (version 0.0.4): the request
    /// metrics and `snapshot`'s gauges.
    fn encode(&self, snapshot: &Snapshot) -> Result<String, std::fmt::Error> {
        use prometheus_client::encoding::prometheus_text::encode;
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        encode(&mut out, &snapshot.registry(self.started))?;
        Ok(out)
    }

    /// The import totals (batches, revisions written by imports) at change
    /// `last_change`, read again only when the change log moved.
    async fn imports(
        &self,
        reader: &crate::archive::Reader<'_>,
        last_change: u64,
    ) -> Result<(u64, u64), crate::archive::ArchiveError> {
        if let Some((at, totals)) = *self.imports.lock().unwrap_or_else(|p| p.into_inner())
            && at == last_change
        {
            return Ok(totals);
        }
        let batches = reader.import_batches(MAX_BATCHES).await?;
        let totals = (
            batches.len() as u64,
            batches.iter().map(|b| b.records).sum::<u64>(),
        );
        *self.imports.lock().unwrap_or_else(|p| p.into_inner()) = Some((last_change, totals));
        Ok(totals)
    }
}

/// What a scrape reads from the archive and the process.
#[derive(Debug, Default)]
struct Snapshot {
    records: u64,
    public_records: u64,
    last_change: u64,
    applied_change: u64,
    sqlite_bytes: Option<u64>,
    import_batches: u64,
    import_revisions: u64,
    resident_bytes: Option<u64>,
    open_fds: Option<u64>,
    heavy_waiting: u64,
    heavy_refused: u64,
}

impl Snapshot {
    /// The gauges, in a registry of their own.
    fn registry(&self, started: SystemTime) -> Registry {
        let mut r = Registry::default();
        let gauge = |v: u64| ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));
        r.register(
            "fonds_records",
            "Records in the store, drafts and embargoed ones included",
            gauge(self.records),
        );
        r.register(
            "fonds_public_records",
            "Records an anonymous reader sees now",
            gauge(self.public_records),
        );
        r.register(
            "fonds_store_last_change",
            "The store's newest change-log position",
            gauge(self.last_change),
        );
        r.register(
            "fonds_index_applied_change",
            "The last change-log position this node's search index applied",
            gauge(self.applied_change),
        );
        r.register(
            "fonds_index_lag_changes",
            "Changes in the store that this node's search index has not applied yet",
            gauge(self.last_change.saturating_sub(self.applied_change)),
        );
        r.register(
            "fonds_import_batches",
            "Import batches in the store (fonds import runs that wrote revisions)",
            gauge(self.import_batches),
        );
        r.register(
            "fonds_import_revisions",
            "Record revisions written by imports",
            gauge(self.import_revisions),
        );
        r.register(
            "fonds_heavy_waiting",
            "Heavy requests (OAI-PMH, sitemaps, the dump's build) waiting for a turn now",
            gauge(self.heavy_waiting),
        );
        r.register(
            "fonds_heavy_refused",
            "Heavy requests refused with 503 since the server started (queue full or wait over)",
            gauge(self.heavy_refused),
        );
        if let Some(bytes) = self.sqlite_bytes {
            r.register(
                "fonds_store_sqlite_bytes",
                "Size of the SQLite store's file and its write-ahead log",
                gauge(bytes),
            );
        }
        let start = started
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        r.register(
            "process_start_time_seconds",
            "When the server started, in seconds since the Unix epoch",
            ConstGauge::new(start),
        );
        if let Some(bytes) = self.resident_bytes {
            r.register(
                "process_resident_memory_bytes",
                "Resident memory of the server's process",
                gauge(bytes),
            );
        }
        if let Some(n) = self.open_fds {
            r.register(
                "process_open_fds",
                "Open file descriptors of the server's process",
                gauge(n),
            );
        }
        r
    }
}

/// Middleware on every route: the request's id, span, log line, metrics
/// and `x-request-id` header (see the module's documentation).
pub async fn trace(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| RequestId::from_client(v.as_bytes()))
        .unwrap_or_else(RequestId::fresh);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| UNMATCHED.to_string());
    let method = request.method().clone();
    let path = shortened(request.uri().path(), 512);
    // At error level, so that it is on whenever any line is: an error logged
    // while serving always carries the request id.
    let span = tracing::error_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        path = %path,
    );
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    state.metrics.observe(&route, &method, status, elapsed);
    let status_code = status.as_u16();
    let latency_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    if status.is_server_error() {
        tracing::warn!(parent: &span, status = status_code, latency_ms, "answered");
    } else if QUIET_ROUTES.contains(&route.as_str()) {
        tracing::debug!(parent: &span, status = status_code, latency_ms, "answered");
    } else {
        tracing::info!(parent: &span, status = status_code, latency_ms, "answered");
    }
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// `/metrics`: Prometheus's text format, for an admin only.
pub async fn metrics(State(state): State<Shared>, viewer: Viewer) -> Result<Response, WebError> {
    match viewer.role() {
        None => {
            return Err(WebError::new(
                ErrorCode::Unauthorized,
                "the metrics need an admin's API token (Authorization: Bearer …)",
            ));
        }
        Some(role) if !role.allows(Role::Admin) => {
            return Err(WebError::new(
                ErrorCode::Forbidden,
                "the metrics need an account with the admin role",
            ));
        }
        Some(_) => {}
    }
    let archive = &state.archive;
    let reader = archive.reader(&viewer);
    let last_change = archive.last_change().await?;
    let (import_batches, import_revisions) = state.metrics.imports(&reader, last_change).await?;
    let snapshot = Snapshot {
        records: reader.count().await?,
        public_records: archive.reader(&Viewer::Anonymous).count().await?,
        last_change,
        applied_change: archive.applied_change()?,
        sqlite_bytes: archive.sqlite_file().map(sqlite_bytes),
        import_batches,
        import_revisions,
        resident_bytes: resident_bytes(),
        open_fds: open_fds(),
        heavy_waiting: state.heavy.waiting() as u64,
        heavy_refused: state.heavy.refused(),
    };
    let body = state
        .metrics
        .encode(&snapshot)
        .map_err(|e| WebError::internal("encoding the metrics", e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// The method as a label: the usual ones by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `2xx` for 200 and so on.
fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// `text` cut to at most `max` bytes, on a character boundary, marked `…`.
fn shortened(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The SQLite file's size with its write-ahead log's (what is missing
/// counts nothing).
fn sqlite_bytes(file: &std::path::Path) -> u64 {
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = file.as_os_str().to_owned();
    wal.push("-wal");
    size(file) + size(std::path::Path::new(&wal))
}

/// The process's resident memory, where `/proc` tells it (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The process's open file descriptors, where `/proc` lists them (Linux).
fn open_fds() -> Option<u64> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_client_id_is_kept_and_anything_else_is_not() {
        for kept in [
            "abc-123",
            "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            "Root=1-a/b+c@d:e.",
        ] {
            assert_eq!(
                RequestId::from_client(kept.as_bytes()).map(|id| id.0),
                Some(kept.to_string())
            );
        }
        let long = "a".repeat(MAX_REQUEST_ID + 1);
        for refused in [
            "",
            "two words",
            "line\nbreak",
            "tab\t",
            "quote\"",
            "ümlaut",
            "semi;colon",
            long.as_str(),
        ] {
            assert_eq!(
                RequestId::from_client(refused.as_bytes()),
                None,
                "{refused:?}"
            );
        }
        assert!(RequestId::from_client("a".repeat(MAX_REQUEST_ID).as_bytes()).is_some());
    }

    #[test]
    fn fresh_ids_are_hex_and_differ() {
        let (a, b) = (RequestId::fresh(), RequestId::fresh());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 24);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(RequestId::from_client(a.as_str().as_bytes()).is_some());
    }

    #[test]
    fn labels_are_bounded() {
        assert_eq!(status_class(StatusCode::OK), "2xx");
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(shortened("abc", 5), "abc");
        assert_eq!(shortened("aéé", 2), "a…");
    }
}
