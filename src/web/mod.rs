//! The reading room: server-rendered pages and the JSON API over one
//! [`Archive`], on axum.
//!
//! - [`pages`]: HTML for readers (home, search, record, browse), rendered
//!   with askama from the view models in [`views`]; complete without
//!   JavaScript.
//! - [`entities`]: pages of people, places, subjects and collections, and of
//!   the arrangement (repository → fond → opis → delo), from the facets.
//! - [`api`]: `/api/v1/…` JSON (records, search, facets) and its OpenAPI 3
//!   document; [`api_page`]: `/api`, that document made readable.
//! - [`telemetry`]: a request id and one log line for every request, and
//!   `/metrics` (Prometheus, for admins).
//!
//! Invariants:
//! - Everything that comes from the data is escaped by the templates (askama
//!   escapes HTML by default); the only unescaped insertions are HTML built
//!   from escaped parts by the search module (snippets), the cite module
//!   (citations), the record's inline convention (`views::paragraph_html`)
//!   and the API page's doc text (`api_page::code_spans`), each marked
//!   `|safe` where it is placed.
//! - Every response carries a Content-Security-Policy that allows no script
//!   and no inline style; the pages have no script at all, but for the one
//!   same-origin scripts of a record page with page images (the zoomable
//!   viewer's starter, `/static/scan.js`, and the viewer it fetches when the
//!   reader reaches for the scan, `/static/viewer.js`), which that page's
//!   policy allows, and without which the page still shows the page images
//!   and links to each.
//! - Every page and API handler takes the request's [`Viewer`] ([`viewer`])
//!   and reads records only through `archive.reader(&viewer)`; what is
//!   shared with other systems (OAI-PMH, sitemap, dump) only through
//!   `archive.public()`. A record the viewer may not see (for anyone: a
//!   draft, a running embargo) does not exist: 404, like an unknown
//!   identifier.
//! - HTML errors are pages with the right status; API errors are one JSON
//!   envelope: `{"error": {"status": 404, "code": "not_found", "message": "…"}}`.
//!   Both take code and status from the one table, [`error::ErrorCode`].

pub mod admission;
pub mod api;
pub mod api_page;
pub mod auth;
pub mod cache;
pub mod desk;
pub mod entities;
pub mod error;
pub mod feed;
pub mod iiif;
pub mod pages;
pub mod record_form;
pub mod share;
pub mod telemetry;
pub mod unapi;
pub mod viewer;
pub mod views;

pub use error::{ErrorCode, WebError};

use crate::accounts::Viewer;
use crate::archive::Archive;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy every response carries: no script, styles only from our own
/// stylesheet, forms only to ourselves. `connect-src 'self'` lets tools that
/// fetch from inside the page (Lighthouse reads `/robots.txt` so) reach this
/// site; no script of ours runs here to use it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; connect-src 'self'; \
     style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The policy of a record page that shows its original's pages: the one
/// script, from this site (the zoomable viewer), which reads the pages'
/// `info.json` and draws their tiles. The one inline style allowed is an
/// empty one (the hash of ""): the marker that keeps OpenSeadragon from
/// adding a stylesheet of its own (`static/viewer.js`).
pub const VIEWER_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     connect-src 'self'; style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; \
     img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What the handlers share.
pub struct AppState {
    /// The archive served.
    pub archive: Archive,
    /// The public address of the site, without a trailing slash
    /// (`https://archive.example.org`), for absolute links.
    pub base_url: String,
    /// The site's name, shown in the header and titles.
    pub site_name: String,
    /// Rendered citation boxes.
    pub citations: pages::CitationCache,
    /// Related records of anyone's record pages.
    pub related: entities::RelatedCache,
    /// How the OAI-PMH provider describes itself.
    pub oai: crate::oai::OaiConfig,
    /// The public dump, as files in the data folder's `dump/`.
    pub dump: crate::oai::dump::DumpFiles,
    /// Request counts and latencies, for `/metrics`.
    pub metrics: telemetry::Metrics,
    /// The turns heavy requests (OAI-PMH, sitemaps, the dump's build) take.
    pub heavy: admission::Heavy,
    /// Anonymous answers kept until the archive changes.
    pub cache: cache::ResponseCache,
}

impl AppState {
    /// State for serving `archive` at `base_url`, heavy requests taking
    /// turns within `heavy`.
    pub fn new(
        archive: Archive,
        base_url: String,
        site_name: String,
        oai: crate::oai::OaiConfig,
        heavy: admission::HeavyLimits,
    ) -> AppState {
        AppState {
            dump: crate::oai::dump::DumpFiles::new(archive.data_dir().join("dump")),
            archive,
            base_url,
            site_name,
            citations: pages::CitationCache::default(),
            related: entities::RelatedCache::default(),
            oai,
            metrics: telemetry::Metrics::new(),
            heavy: admission::Heavy::new(heavy),
            cache: cache::ResponseCache::default(),
        }
    }
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

/// The whole site as one router.
pub fn router(state: Shared) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    // Outermost on every route (and the fallback): the request's id, span,
    // log line and metrics.
    let telemetry = axum::middleware::from_fn_with_state(state.clone(), telemetry::trace);
    // Inside telemetry, compression and the security headers (each answer
    // gets its own), outside everything that reads the archive.
    let cached = axum::middleware::from_fn_with_state(state.clone(), cache::layer);
    // Pages and API: answers that depend on who asks.
    let reading_room = Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/records/{id}", get(pages::record))
        .route("/browse", get(pages::browse))
        .route("/people", get(entities::people))
        .route("/people/{key}", get(entities::person))
        .route("/places", get(entities::places))
        .route("/places/{key}", get(entities::place))
        .route("/subjects", get(entities::subjects))
        .route("/subjects/{key}", get(entities::subject))
        .route("/collections", get(entities::collections))
        .route("/collections/{key}", get(entities::collection))
        .route("/arrangement", get(entities::arrangement_root))
        .route("/arrangement/{key}", get(entities::arrangement_level))
        .route("/unapi", get(unapi::unapi))
        .nest("/api/v1", api::router().layer(api_cors()))
        .merge(desk::router())
        .merge(iiif::router())
        .route("/metrics", get(telemetry::metrics))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            viewer::per_request,
        ));
    Router::new()
        .merge(reading_room)
        .route("/static/fonds.css", get(pages::stylesheet))
        .route("/static/scan.js", get(pages::scan_script))
        .route("/static/viewer.js", get(pages::viewer_script))
        .route("/api", get(api_page::page))
        .route("/health", get(health))
        .route("/oai", get(share::oai_get).post(share::oai_post))
        .route("/sitemap.xml", get(share::sitemap_xml))
        .route("/dump/records.jsonl.gz", get(share::dump))
        .route("/feed.atom", get(feed::archive_feed))
        .route("/search/feed.atom", get(feed::search_feed))
        .route("/{file}", get(share::root_file))
        .fallback(pages::not_found)
        .with_state(state)
        .layer(cached)
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(compression())
        .layer(telemetry)
}

/// gzip or brotli, as the client's `Accept-Encoding` prefers, for text:
/// not for images (tiles and scans are JPEG already), not for the dump
/// (gzip already), not for bodies of a few bytes.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate};
    use tower_http::compression::{CompressionLayer, DefaultPredicate};
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(
            DefaultPredicate::new()
                .and(NotForContentType::const_new("application/gzip"))
                .and(NotForContentType::const_new("application/pdf")),
        )
}

/// Cross-origin reads (and token-authorised writes) of the JSON API from
/// any web page: no cookies are honoured cross-origin, so a page elsewhere
/// acts as an anonymous reader or with the token its user gave it.
pub(crate) fn api_cors() -> tower_http::cors::CorsLayer {
    use axum::http::Method;
    use tower_http::cors::{Any, CorsLayer};
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG, header::LINK, header::LOCATION])
        .max_age(Duration::from_secs(86_400))
}

/// `/health`: `ok N records`, N the public records (whoever asks).
async fn health(
    axum::extract::State(state): axum::extract::State<Shared>,
) -> Result<String, WebError> {
    let records = state.archive.reader(&Viewer::Anonymous).count().await?;
    Ok(format!("ok {records} records\n"))
}

/// How often a serving process looks for changes written by others (another
/// `fonds import`, another node).
pub const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

/// Serves the archive on a bound listener until the process is stopped.
/// Keeps the search index following the store in the background.
pub async fn serve(state: Shared, listener: TcpListener) -> std::io::Result<()> {
    tokio::task::spawn_blocking(pages::warm_citations);
    // Off the first Chinese search's path, without delaying the start.
    tokio::task::spawn_blocking(crate::search::analysis::load_chinese_dictionary);
    // Owns the index and keeps it following the store (imports by other
    // processes, other nodes); stops when serving stops.
    let _follower = state.archive.follow(
        FOLLOW_INTERVAL,
        |e| tracing::error!(error = %e, "following the store"),
    );
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// The OAI-PMH repository identifier for a base URL: its host name when that
/// is a domain name, else `fonds.localhost` (a loopback or bare address).
pub fn default_repository_identifier(base_url: &str) -> String {
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    let is_domain = host.contains('.')
        && host.split('.').all(|l| {
            l.starts_with(|c: char| c.is_ascii_alphabetic())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if is_domain {
        host.to_string()
    } else {
        "fonds.localhost".to_string()
    }
}

/// The base URL for a listener when none is configured.
pub fn default_base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}
