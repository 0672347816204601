//! The HTML pages: home, search, record, browse, and the error pages.
//!
//! Each handler gathers what its page shows into a view model
//! ([`super::views`]) and renders one askama template from `templates/`.
//! The whole state of a search is in its URL, so every results page can be
//! bookmarked, shared and cited.
//!
//! Every handler takes the request's [`Viewer`] and reads through
//! `archive.reader(&viewer)` only: what the viewer may not see is a 404 page,
//! like what does not exist. Error pages take status, heading and words from
//! the one table ([`ErrorCode`]).

use super::views::{
    FacetLink, FacetView, HitView, RecordView, SearchParams, TextLayout, facet_value_label,
    facet_views, path_segment, search_href,
};
use super::{AppState, ErrorCode, Shared, WebError};
use crate::accounts::Viewer;
use crate::archive::{ArchiveError, Reader};
use crate::cite::{self, CiteContext, Style};
use crate::model::Record;
use crate::search::{Facet, FacetCount, SearchRequest, SearchResults, Sort};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Hits per results page.
pub const PAGE_SIZE: usize = 20;
/// Deepest result a reader can page to (offset), to bound the work of one
/// request; narrowing is the way further.
pub const MAX_OFFSET: usize = 10_000;

/// Renders a page with a status (a failure to render is a 500).
pub(super) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            let e = WebError::internal("rendering a page", e);
            (e.code.status(), e.message).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    site: &'a str,
    title: String,
    message: String,
}

/// The HTML page of an error: the status, heading and words of its code
/// (the one table, [`ErrorCode`]).
fn error_page(state: &AppState, code: ErrorCode) -> Response {
    render(
        code.status(),
        &ErrorPage {
            site: &state.site_name,
            title: code.title().to_string(),
            message: code.default_message().to_string(),
        },
    )
}

/// The HTML page of a particular error: its code's status and heading,
/// its own message, and the headers the status calls for.
pub(super) fn web_error_page(state: &AppState, e: &WebError) -> Response {
    let mut response = render(
        e.code.status(),
        &ErrorPage {
            site: &state.site_name,
            title: e.code.title().to_string(),
            message: e.message.clone(),
        },
    );
    super::error::add_headers(e, response.headers_mut());
    response
}

fn archive_error(state: &AppState, e: ArchiveError) -> Response {
    error_page(state, WebError::from(e).code)
}

/// Any address no route knows.
pub async fn not_found(State(state): State<Shared>) -> Response {
    error_page(&state, ErrorCode::NotFound)
}

/// The site's one stylesheet (no inline styles: the CSP forbids them).
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/fonds.css"),
    )
}

/// A decade of the timeline, with its years.
struct DecadeView {
    label: String,
    count: u64,
    href: String,
    years: Vec<FacetLink>,
}

/// A recently added record.
struct RecentView {
    href: String,
    title: String,
    date: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    site: &'a str,
    total: usize,
    collections: Vec<FacetLink>,
    decades: Vec<DecadeView>,
    recent: Vec<RecentView>,
}

fn all_facets(reader: &Reader<'_>, facet_limit: usize) -> Result<SearchResults, ArchiveError> {
    let mut request = SearchRequest::new("*", 0);
    request.facet_limit = facet_limit;
    reader.search(&request)
}

fn links(dim: &str, values: &[FacetCount]) -> Vec<FacetLink> {
    values
        .iter()
        .map(|v| FacetLink {
            label: facet_value_label(dim, &v.value),
            count: v.count,
            href: search_href(&[("q", "*"), (dim, &v.value)]),
            active: false,
        })
        .collect()
}

fn timeline(results: &SearchResults) -> Vec<DecadeView> {
    let empty = Vec::new();
    let years = results.facets.get("year").unwrap_or(&empty);
    results
        .facets
        .get("decade")
        .unwrap_or(&empty)
        .iter()
        .map(|d| {
            let prefix = d.value.get(..3).unwrap_or(&d.value);
            let in_decade: Vec<FacetCount> = years
                .iter()
                .filter(|y| y.value.starts_with(prefix) && y.value.len() == d.value.len())
                .cloned()
                .collect();
            DecadeView {
                label: facet_value_label("decade", &d.value),
                count: d.count,
                href: search_href(&[("q", "*"), ("decade", &d.value)]),
                years: links("year", &in_decade),
            }
        })
        .collect()
}

/// `/`: search box, collections, timeline, recently added.
pub async fn home(State(state): State<Shared>, viewer: Viewer) -> Response {
    let reader = state.archive.reader(&viewer);
    let results = match all_facets(&reader, 50) {
        Ok(r) => r,
        Err(e) => return archive_error(&state, e),
    };
    let recent = match reader.recent(10).await {
        Ok(r) => r,
        Err(e) => return archive_error(&state, e),
    };
    let empty = Vec::new();
    let page = HomePage {
        site: &state.site_name,
        total: results.total,
        collections: links(
            "collection",
            results.facets.get("collection").unwrap_or(&empty),
        ),
        decades: timeline(&results),
        recent: recent
            .iter()
            .map(|s| RecentView {
                href: format!("/records/{}", path_segment(&s.record.id)),
                title: s.record.title.clone(),
                date: s
                    .record
                    .date
                    .as_ref()
                    .map(|d| d.display.clone().unwrap_or_else(|| d.edtf.clone()))
                    .unwrap_or_default(),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// A link to a page of results.
struct PageLink {
    number: usize,
    href: String,
    current: bool,
}

/// A way of ordering results.
struct SortLink {
    label: &'static str,
    href: String,
    current: bool,
}

/// An active filter, with the link that removes it.
struct ActiveFilter {
    label: String,
    href: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    site: &'a str,
    params: SearchParams,
    error: Option<String>,
    total: usize,
    first: usize,
    last: usize,
    hits: Vec<HitView>,
    facets: Vec<FacetView>,
    active: Vec<ActiveFilter>,
    sorts: Vec<SortLink>,
    pages: Vec<PageLink>,
    prev: Option<String>,
    next: Option<String>,
}

/// Reads the search parameters from the URL's pairs; unknown names are
/// ignored, facet names become filters.
pub fn parse_params(pairs: &[(String, String)]) -> SearchParams {
    let mut p = SearchParams {
        page: 1,
        ..SearchParams::default()
    };
    for (key, value) in pairs {
        match key.as_str() {
            "q" => p.q = value.clone(),
            "sort" => p.sort = value.clone(),
            "page" => p.page = value.parse().unwrap_or(1).max(1),
            "from" => p.from = value.trim().to_string(),
            "to" => p.to = value.trim().to_string(),
            dim => {
                if let Some(dim) = Facet::from_name(dim)
                    && !value.is_empty()
                    && !p.filters.iter().any(|(d, v)| *d == dim && v == value)
                {
                    p.filters.push((dim, value.clone()));
                }
            }
        }
    }
    p
}

/// The order named in a URL (`relevance` when absent or unknown).
pub fn parse_sort(name: &str) -> Sort {
    match name {
        "date" => Sort::Date,
        "date-desc" => Sort::DateDesc,
        _ => Sort::Relevance,
    }
}

/// `/search`: results, facets, sorting, paging.
pub async fn search(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = parse_params(&pairs);
    let offset = (params.page - 1).saturating_mul(PAGE_SIZE);
    let mut page = SearchPage {
        site: &state.site_name,
        params: params.clone(),
        error: None,
        total: 0,
        first: 0,
        last: 0,
        hits: Vec::new(),
        facets: Vec::new(),
        active: params
            .filters
            .iter()
            .map(|(d, v)| ActiveFilter {
                label: format!(
                    "{}: {}",
                    super::views::facet_label(*d),
                    facet_value_label(d.name(), v)
                ),
                href: params.href_without(*d, v),
            })
            .collect(),
        sorts: [
            ("relevance", "Relevance"),
            ("date", "Oldest first"),
            ("date-desc", "Newest first"),
        ]
        .into_iter()
        .map(|(value, label)| SortLink {
            label,
            href: params.href_sorted(value),
            current: parse_sort(&params.sort) == parse_sort(value),
        })
        .collect(),
        pages: Vec::new(),
        prev: None,
        next: None,
    };
    if offset > MAX_OFFSET {
        page.error = Some(format!(
            "Results are listed up to the {MAX_OFFSET}th; narrow the search to see further."
        ));
        return render(ErrorCode::BadRequest.status(), &page);
    }
    let mut request = SearchRequest::new(&params.effective_query(), PAGE_SIZE);
    request.offset = offset;
    request.sort = parse_sort(&params.sort);
    request.filters = params.filters.clone();
    let results = match state.archive.reader(&viewer).search(&request) {
        Ok(r) => r,
        Err(e) => {
            // A refused query is shown on the results page itself.
            let e = WebError::from(e);
            if e.code != ErrorCode::BadRequest {
                return error_page(&state, e.code);
            }
            page.error = Some(e.message);
            return render(e.code.status(), &page);
        }
    };
    page.total = results.total;
    page.hits = results.hits.iter().map(HitView::new).collect();
    page.first = if page.hits.is_empty() { 0 } else { offset + 1 };
    page.last = offset + page.hits.len();
    page.facets = facet_views(&results, &params);
    let reachable = results.total.min(MAX_OFFSET + PAGE_SIZE);
    let pages = reachable.div_ceil(PAGE_SIZE).max(1);
    let window_start = params.page.saturating_sub(4).max(1);
    let window_end = (window_start + 8).min(pages);
    page.pages = (window_start..=window_end)
        .map(|n| PageLink {
            number: n,
            href: params.href_page(n),
            current: n == params.page,
        })
        .collect();
    page.prev = (params.page > 1).then(|| params.href_page(params.page - 1));
    page.next = (params.page < pages).then(|| params.href_page(params.page + 1));
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage<'a> {
    site: &'a str,
    r: RecordView,
    canonical: String,
    api_href: String,
    meta: Vec<(&'static str, String)>,
    /// (style label, citation as HTML from [`cite::cite_html`]).
    citations: CitationBox,
    /// (label, link) of the citation files.
    downloads: Vec<(&'static str, String)>,
}

/// Citation files a record page offers, by the suffix of their address.
const DOWNLOADS: [(&str, Style, &str); 3] = [
    (".bib", Style::Bibtex, "BibTeX"),
    (".ris", Style::Ris, "RIS (Zotero, EndNote)"),
    (".csl.json", Style::CslJson, "CSL-JSON"),
];

/// The styles of the citation box, in order.
const BOX_STYLES: [(Style, &str); 4] = [
    (Style::Source, "As the holding archive cites it"),
    (Style::Chicago, "Chicago (notes and bibliography)"),
    (Style::Mla, "MLA"),
    (Style::Apa, "APA"),
];

/// A rendered citation box: (style label, HTML) per style.
type CitationBox = Arc<Vec<(String, String)>>;
type CitationMap = HashMap<(String, u32), CitationBox>;

/// Rendered citation boxes by (record, revision): CSL rendering costs
/// milliseconds, a page view should not.
#[derive(Default)]
pub struct CitationCache {
    entries: Mutex<CitationMap>,
}

/// Entries kept before the cache starts afresh.
const CITATION_CACHE_SIZE: usize = 20_000;

impl CitationCache {
    /// The box of a record as `viewer` sees it. Only anyone's views are
    /// cached (a server-side cache holds only what the public sees); staff
    /// views, which may be of drafts, are rendered each time.
    fn get(
        &self,
        viewer: &Viewer,
        record: &Record,
        revision: u32,
        ctx: &CiteContext,
    ) -> CitationBox {
        if viewer.sees_unpublished() {
            return citation_box(record, ctx);
        }
        let key = (record.id.clone(), revision);
        if let Some(hit) = self.lock().get(&key) {
            return hit.clone();
        }
        let out = citation_box(record, ctx);
        let mut entries = self.lock();
        if entries.len() >= CITATION_CACHE_SIZE {
            entries.clear();
        }
        entries.insert(key, out.clone());
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CitationMap> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Renders a record's citation box.
fn citation_box(record: &Record, ctx: &CiteContext) -> CitationBox {
    let mut out = Vec::new();
    for (style, label) in BOX_STYLES {
        match cite::cite_html(record, style, ctx) {
            Ok(html) => out.push((label.to_string(), html)),
            Err(e) => eprintln!("fonds: citing {} in {style}: {e}", record.id),
        }
    }
    Arc::new(out)
}

/// Loads the CSL styles and locales once, before the first reader waits
/// for them.
pub fn warm_citations() {
    let record = Record::new(
        "warm-up".into(),
        "Warm-up".into(),
        crate::model::Provenance {
            format: String::new(),
            origin: String::new(),
            file: String::new(),
            line: None,
            sha256: String::new(),
            imported_at: String::new(),
            layout: None,
        },
    );
    for (style, _) in BOX_STYLES {
        let _ = cite::cite_html(&record, style, &CiteContext::default());
    }
}

/// `/records/{id}`: the whole record, its citation and its texts; with a
/// suffix (`.bib`, `.ris`, `.csl.json`), its citation file.
pub async fn record(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let reader = state.archive.reader(&viewer);
    let found = match reader.get(&id).await {
        Ok(s) => Some((s, None)),
        Err(ArchiveError::NotFound(_)) => {
            let mut found = None;
            for (suffix, style, _) in DOWNLOADS {
                if let Some(base) = id.strip_suffix(suffix) {
                    match reader.get(base).await {
                        Ok(s) => found = Some((s, Some((style, suffix)))),
                        Err(ArchiveError::NotFound(_)) => {}
                        Err(e) => return archive_error(&state, e),
                    }
                    break;
                }
            }
            found
        }
        Err(e) => return archive_error(&state, e),
    };
    let Some((stored, download)) = found else {
        return match reader.tombstone(&id).await {
            Ok(Some(gone)) => tombstone(&state, &gone),
            Ok(None) => error_page(&state, ErrorCode::NotFound),
            Err(e) => archive_error(&state, e),
        };
    };
    let r = &stored.record;
    let canonical = format!("{}/records/{}", state.base_url, path_segment(&r.id));
    let ctx = CiteContext {
        public_url: Some(canonical.clone()),
        accessed: None,
    };
    if let Some((style, suffix)) = download {
        return match cite::cite(r, style, &ctx) {
            Ok(text) => (
                [
                    (header::CONTENT_TYPE, style.media_type().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}{suffix}\"", path_segment(&r.id)),
                    ),
                ],
                text,
            )
                .into_response(),
            Err(e) => error_page(
                &state,
                WebError::internal(&format!("citing {}", r.id), e).code,
            ),
        };
    }
    let page = RecordPage {
        site: &state.site_name,
        r: RecordView::new(r, stored.revision, &stored.updated_at.to_string()),
        meta: cite::highwire_tags(r, &canonical),
        api_href: format!("/api/v1/records/{}", path_segment(&r.id)),
        citations: state.citations.get(&viewer, r, stored.revision, &ctx),
        downloads: DOWNLOADS
            .iter()
            .map(|(suffix, _, label)| (*label, format!("/records/{}{suffix}", path_segment(&r.id))))
            .collect(),
        canonical,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "browse.html")]
struct BrowsePage<'a> {
    site: &'a str,
    collections: Vec<FacetLink>,
    decades: Vec<DecadeView>,
    creators: Vec<FacetLink>,
    repositories: Vec<FacetLink>,
    types: Vec<FacetLink>,
}

/// `/browse`: collections, years, people, repositories, types.
pub async fn browse(State(state): State<Shared>, viewer: Viewer) -> Response {
    let results = match all_facets(&state.archive.reader(&viewer), 1_000) {
        Ok(r) => r,
        Err(e) => return archive_error(&state, e),
    };
    let empty = Vec::new();
    let get = |dim: &str| links(dim, results.facets.get(dim).unwrap_or(&empty));
    let mut creators = get("creator");
    creators.sort_by(|a, b| a.label.cmp(&b.label));
    let page = BrowsePage {
        site: &state.site_name,
        collections: get("collection"),
        decades: timeline(&results),
        creators,
        repositories: get("repository"),
        types: get("type"),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "tombstone.html")]
struct TombstonePage<'a> {
    site: &'a str,
    id: String,
    title: String,
    withdrawn: String,
    /// (style label, citation as HTML).
    citations: CitationBox,
}

/// The page of a record withdrawn after it was public: 410 Gone, with what
/// a reader needs to cite it (the record itself is no longer shown).
fn tombstone(state: &AppState, gone: &crate::store::StoredRecord) -> Response {
    let r = &gone.record;
    let canonical = format!("{}/records/{}", state.base_url, path_segment(&r.id));
    let ctx = CiteContext {
        public_url: Some(canonical),
        accessed: None,
    };
    render(
        ErrorCode::Gone.status(),
        &TombstonePage {
            site: &state.site_name,
            id: r.id.clone(),
            title: r.title.clone(),
            withdrawn: gone.updated_at.day().to_string(),
            citations: citation_box(r, &ctx),
        },
    )
}
