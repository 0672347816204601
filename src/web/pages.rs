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
    FacetLink, FacetView, HitView, RECORD_FORMATS, RecordHead, RecordView, ScanView, SearchParams,
    TextLayout, VolumeNav, facet_value_label, facet_views, link_targets, path_segment, search_href,
    unlinked,
};
use super::{AppState, ErrorCode, Shared, WebError};
use crate::accounts::Viewer;
use crate::archive::{ArchiveError, Reader};
use crate::cite::{self, CiteContext, Style};
use crate::model::Record;
use crate::search::{Facet, FacetCount, SearchRequest, SearchResults, Sort};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Hits per results page.
pub const PAGE_SIZE: usize = 20;
/// Deepest result a reader can page to (offset): the search module's bound,
/// which the JSON API and the command line hold to as well.
pub use crate::search::MAX_OFFSET;

/// Renders a page with a status (a failure to render is a 500).
pub(super) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => render_failed(e),
    }
}

/// The answer when a template fails (a bug).
fn render_failed(e: askama::Error) -> Response {
    let e = WebError::internal("rendering a page", e);
    (e.code.status(), e.message).into_response()
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
pub(super) fn error_page(state: &AppState, code: ErrorCode) -> Response {
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

pub(super) fn archive_error(state: &AppState, e: ArchiveError) -> Response {
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
    /// The title's `lang` beside a translation (empty otherwise).
    title_lang: String,
    /// The title translated (a Korean record's English title).
    translated_title: Option<super::views::TitleBeside>,
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
            .map(|s| {
                let (title_lang, translated_title) =
                    super::views::titles(crate::search::TranslatedTitle::of(&s.record).as_ref());
                RecentView {
                    href: format!("/records/{}", path_segment(&s.record.id)),
                    title: s.record.title.clone(),
                    title_lang,
                    translated_title,
                    date: s
                        .record
                        .date
                        .as_ref()
                        .map(|d| d.display.clone().unwrap_or_else(|| d.edtf.clone()))
                        .unwrap_or_default(),
                }
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// A link to a page of results.
pub(super) struct PageLink {
    pub(super) number: usize,
    pub(super) href: String,
    pub(super) current: bool,
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
    /// Past the last page: the last page's number and link.
    past_end: Option<(usize, String)>,
    /// (label, link) of the result list as files.
    exports: Vec<(&'static str, String)>,
    /// How many records those files hold at most.
    export_limit: usize,
}

/// The most records a result list exported as a file holds.
pub const EXPORT_LIMIT: usize = 1_000;

/// The formats a result list is exported in: `format=` value, label.
const EXPORTS: [(&str, &str); 2] = [("csv", "CSV"), ("ris", "RIS (Zotero, EndNote)")];

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
    if let Some((_, format)) = pairs.iter().find(|(k, _)| k == "format") {
        return export_results(&state, &viewer, &params, format).await;
    }
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
        past_end: None,
        export_limit: EXPORT_LIMIT,
        exports: EXPORTS
            .iter()
            .map(|(format, label)| {
                let mut pairs = params.pairs();
                pairs.push(("format", format));
                (*label, search_href(&pairs))
            })
            .collect(),
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
    if page.hits.is_empty() && results.total > 0 {
        page.past_end = Some((pages, params.href_page(pages)));
        page.pages.clear();
        page.prev = None;
        page.next = None;
    }
    render(StatusCode::OK, &page)
}

/// The first [`EXPORT_LIMIT`] records of a search as a file: CSV (one row
/// per record) or RIS (every record's citation).
async fn export_results(
    state: &AppState,
    viewer: &Viewer,
    params: &SearchParams,
    format: &str,
) -> Response {
    let (media, extension) = match format {
        "csv" => ("text/csv; charset=utf-8", "csv"),
        "ris" => ("application/x-research-info-systems", "ris"),
        other => {
            let e = WebError::bad_request(format!(
                "no export format {other:?}: use format=csv or format=ris"
            ));
            return (e.code.status(), e.message).into_response();
        }
    };
    let reader = state.archive.reader(viewer);
    let mut request = SearchRequest::new(&params.effective_query(), EXPORT_LIMIT);
    request.sort = parse_sort(&params.sort);
    request.filters = params.filters.clone();
    let results = match reader.search(&request) {
        Ok(r) => r,
        Err(e) => {
            let e = WebError::from(e);
            return (e.code.status(), e.message).into_response();
        }
    };
    let ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
    let mut records = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        match reader.get_many(chunk).await {
            Ok(found) => records.extend(found.into_iter().map(|s| s.record)),
            Err(e) => return archive_error(state, e),
        }
    }
    let url = |r: &Record| format!("{}/records/{}", state.base_url, path_segment(&r.id));
    let body = match extension {
        "csv" => results_csv(&records, url),
        _ => {
            let mut out = String::new();
            for r in &records {
                let ctx = CiteContext {
                    public_url: Some(url(r)),
                    accessed: None,
                };
                match cite::cite(r, Style::Ris, &ctx) {
                    Ok(text) => out.push_str(&text),
                    Err(e) => return error_page(state, WebError::internal("citing", e).code),
                }
            }
            Ok(out)
        }
    };
    match body {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, media.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"search.{extension}\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => error_page(state, WebError::internal("writing the list", e).code),
    }
}

/// Records as CSV: one row each, in the order given, with a header row.
fn results_csv(records: &[Record], url: impl Fn(&Record) -> String) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "id",
        "title",
        "date",
        "creators",
        "recipients",
        "type",
        "original_language",
        "holding_archive",
        "archival_reference",
        "url",
    ])?;
    let names = |list: &[crate::model::Agent]| {
        list.iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    for r in records {
        out.write_record([
            r.id.as_str(),
            &r.title,
            r.date.as_ref().map_or("", |d| d.edtf.as_str()),
            &names(&r.creators),
            &names(&r.recipients),
            r.doc_type.as_deref().unwrap_or(""),
            r.original_language.as_deref().unwrap_or(""),
            r.holding_archive.as_deref().unwrap_or(""),
            r.archival_reference
                .as_ref()
                .map_or("", |a| a.verbatim.as_str()),
            &url(r),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
    /// The original's pages and files, when it has any.
    scan: Option<ScanView>,
    /// Description, Open Graph, JSON-LD, other formats.
    head: RecordHead,
    /// Previous and next within its volume or collection (what the viewer
    /// may see).
    volume: Option<VolumeNav>,
    /// Per arrangement holding it (archival levels, published volume), its
    /// levels broadest first: (label, page).
    breadcrumbs: Vec<Vec<(String, String)>>,
    /// Its subjects, each with its page.
    subjects: Vec<(String, String)>,
    /// Records related to it, with the reasons.
    related: Vec<super::entities::RelatedItem>,
}

/// A record page's query: which page of the original to show.
#[derive(Debug, serde::Deserialize)]
pub struct RecordQuery {
    /// A page number (`?page=2`); anything else shows the first page.
    page: Option<String>,
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
            Err(e) => tracing::warn!(record = %record.id, %style, error = %e, "citing"),
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
    Query(query): Query<RecordQuery>,
    headers: HeaderMap,
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
    // Content negotiation: the page's address also gives the record's
    // other formats to a client that asks for one of them.
    let negotiated = download.is_none();
    let download = match (download, wanted_format(&headers)) {
        (Some(d), _) => Some(d),
        (None, Some("")) => {
            let mut response = Json(&stored.record).into_response();
            response
                .headers_mut()
                .insert(header::VARY, header::HeaderValue::from_static("Accept"));
            return response;
        }
        (None, Some(suffix)) => DOWNLOADS
            .iter()
            .find(|(s, _, _)| *s == suffix)
            .map(|(s, style, _)| (*style, *s)),
        (None, None) => None,
    };
    if let Some((style, suffix)) = download {
        return match cite::cite(r, style, &ctx) {
            Ok(text) => {
                let mut response = (
                    [
                        (header::CONTENT_TYPE, style.media_type().to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{}{suffix}\"", path_segment(&r.id)),
                        ),
                    ],
                    text,
                )
                    .into_response();
                if negotiated {
                    response
                        .headers_mut()
                        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
                }
                response
            }
            Err(e) => error_page(
                &state,
                WebError::internal(&format!("citing {}", r.id), e).code,
            ),
        };
    }
    let head = RecordHead::new(r, &canonical, &state.base_url, &state.site_name);
    let neighbours = match reader.neighbours(r).await {
        Ok(n) => n,
        Err(e) => return archive_error(&state, e),
    };
    let volume = VolumeNav::new(
        r,
        neighbours.previous.as_ref().map(|s| &s.record),
        neighbours.next.as_ref().map(|s| &s.record),
    );
    // Links in the text to records this reader may not see are words only.
    let targets = link_targets(r);
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let visible: HashSet<String> = match reader.get_many(&targets).await {
        Ok(found) => found.into_iter().map(|s| s.record.id).collect(),
        Err(e) => return archive_error(&state, e),
    };
    let generation = state.archive.index().generation();
    let related = match state.related.get(&reader, generation, r).await {
        Ok(related) => related,
        Err(e) => return archive_error(&state, e),
    };
    let mut view = RecordView::new(
        &unlinked(r, &visible),
        stored.revision,
        &stored.updated_at.to_string(),
    );
    // Every name links to its person's page, every collection to its page.
    for (v, a) in view.creators.iter_mut().zip(&r.creators) {
        v.href = super::entities::person_href(&reader, a);
    }
    for (v, a) in view.recipients.iter_mut().zip(&r.recipients) {
        v.href = super::entities::person_href(&reader, a);
    }
    for (v, a) in view.people.iter_mut().zip(&r.people) {
        v.href = super::entities::person_href(&reader, a);
    }
    for (name, href) in view.collections.iter_mut() {
        *href = super::entities::href(super::entities::Kind::Collections, name);
    }
    let page = RecordPage {
        site: &state.site_name,
        r: view,
        breadcrumbs: r
            .arrangements()
            .iter()
            .map(|levels| super::entities::breadcrumb(levels))
            .collect(),
        subjects: r
            .subjects
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                (
                    s.clone(),
                    super::entities::href(super::entities::Kind::Subjects, s.trim()),
                )
            })
            .collect(),
        related,
        meta: cite::highwire_tags(r, &canonical),
        api_href: format!("/api/v1/records/{}", path_segment(&r.id)),
        citations: state.citations.get(&viewer, r, stored.revision, &ctx),
        downloads: DOWNLOADS
            .iter()
            .map(|(suffix, _, label)| (*label, format!("/records/{}{suffix}", path_segment(&r.id))))
            .collect(),
        canonical,
        scan: ScanView::new(r, query.page.and_then(|p| p.parse().ok())),
        head,
        volume,
    };
    let with_viewer = page.scan.as_ref().is_some_and(|s| !s.pages.is_empty());
    let html = match page.render() {
        Ok(html) => html,
        Err(e) => return render_failed(e),
    };
    let mut response = if viewer.sees_unpublished() {
        Html(html).into_response()
    } else {
        conditional(&headers, html, stored.updated_at)
    };
    let h = response.headers_mut();
    if with_viewer {
        // The one page with script: the zoomable viewer, from this site.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(super::VIEWER_CONTENT_SECURITY_POLICY),
        );
    }
    // Signposting: the address to cite, and where the record is described
    // in machine-readable forms.
    let mut links = vec![format!("<{}>; rel=\"cite-as\"", page.canonical)];
    for (media, href, _) in &page.head.alternates {
        links.push(format!(
            "<{}{href}>; rel=\"describedby\"; type=\"{media}\"",
            state.base_url
        ));
    }
    if let Ok(value) = header::HeaderValue::from_str(&links.join(", ")) {
        h.insert(header::LINK, value);
    }
    h.append(header::VARY, header::HeaderValue::from_static("Accept"));
    response
}

/// The record format `Accept` prefers over HTML, by its address suffix
/// ("" for the record's JSON); `None` for HTML (also for `*/*`, or no
/// header: browsers get the page).
fn wanted_format(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    let mut best: Option<(f32, Option<&'static str>)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            "text/html" | "application/xhtml+xml" | "*/*" | "text/*" => None,
            m => match RECORD_FORMATS.iter().find(|(media, _, _)| *media == m) {
                Some((_, suffix, _)) => Some(*suffix),
                None => continue,
            },
        };
        // Ties go to the first listed.
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, format));
        }
    }
    best.and_then(|(_, format)| format)
}

/// When this process started serving: pages made by it are no older.
static STARTED: std::sync::OnceLock<crate::clock::Timestamp> = std::sync::OnceLock::new();

/// A public page with its validators: a weak `ETag` from its bytes and a
/// `Last-Modified` (the later of `changed` and this server's start), and
/// 304 Not Modified when the request's `If-None-Match` (else
/// `If-Modified-Since`) says the client has it.
fn conditional(headers: &HeaderMap, html: String, changed: crate::clock::Timestamp) -> Response {
    let started = *STARTED.get_or_init(crate::clock::now);
    let modified = changed.max(started);
    // Weak: the same page is sent gzip-, brotli- or un-encoded, and a
    // strong tag would have to differ between those encodings.
    let tag = format!("\"{}\"", &crate::model::sha256_hex(html.as_bytes())[..20]);
    let etag = format!("W/{tag}");
    let last_modified = httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified.unix().max(0) as u64),
    );
    let fresh = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags
            .split(',')
            .any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|since| since.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|since| since.as_secs() as i64 >= modified.unix()),
    };
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Html(html).into_response()
    };
    let h = response.headers_mut();
    for (name, value) in [
        (header::ETAG, etag),
        (header::LAST_MODIFIED, last_modified),
        (header::CACHE_CONTROL, "public, max-age=60".to_string()),
    ] {
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            h.insert(name, value);
        }
    }
    response
}

/// The viewer's starter (`static/scan.js`): shows the viewer's buttons and
/// fetches the viewer itself when the reader reaches for the original.
pub async fn scan_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/scan.js"),
    )
}

/// The viewer's script: OpenSeadragon (from npm, `static/vendor/`) and the
/// few lines that start it on a record page (`static/viewer.js`), as one
/// file.
pub async fn viewer_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        concat!(
            include_str!("../../static/vendor/openseadragon.min.js"),
            "\n",
            include_str!("../../static/viewer.js")
        ),
    )
}

#[derive(Template)]
#[template(path = "browse.html")]
struct BrowsePage<'a> {
    site: &'a str,
    decades: Vec<DecadeView>,
    /// (id, heading, values, link to the whole list, how many in all).
    kinds: Vec<(&'static str, &'static str, Vec<FacetLink>, String, usize)>,
    types: Vec<FacetLink>,
}

/// Values of each kind shown on `/browse` (the most frequent), before the
/// link to the kind's whole list.
const BROWSE_TOP: usize = 24;

/// `/browse`: years, then the most frequent collections, people, places,
/// subjects and arrangement levels, each with a link to its whole list,
/// and types.
pub async fn browse(State(state): State<Shared>, viewer: Viewer) -> Response {
    let results = match all_facets(&state.archive.reader(&viewer), usize::MAX) {
        Ok(r) => r,
        Err(e) => return archive_error(&state, e),
    };
    let empty = Vec::new();
    let values = |dim: &str| results.facets.get(dim).unwrap_or(&empty);
    use super::entities::{Kind, href, level_href};
    let top = |kind: Kind, dim: &str| -> (Vec<FacetLink>, usize) {
        let all = values(dim);
        let links = all
            .iter()
            .take(BROWSE_TOP)
            .map(|v| FacetLink {
                label: v.value.clone(),
                count: v.count,
                href: href(kind, &v.value),
                active: false,
            })
            .collect();
        (links, all.len())
    };
    let mut kinds = Vec::new();
    for (id, heading, kind, dim, list) in [
        (
            "collections",
            "Collections",
            Kind::Collections,
            "collection",
            "/collections",
        ),
        ("people", "People", Kind::People, "person", "/people"),
        ("places", "Places", Kind::Places, "place", "/places"),
        (
            "subjects",
            "Subjects",
            Kind::Subjects,
            "subject",
            "/subjects",
        ),
    ] {
        let (links, total) = top(kind, dim);
        if total > 0 {
            kinds.push((id, heading, links, list.to_string(), total));
        }
    }
    let repositories: Vec<FacetLink> = values("level")
        .iter()
        .filter(|v| !v.value.contains(crate::search::LEVEL_SEPARATOR))
        .map(|v| FacetLink {
            label: v.value.clone(),
            count: v.count,
            href: level_href(&v.value),
            active: false,
        })
        .collect();
    if !repositories.is_empty() {
        let total = repositories.len();
        kinds.push((
            "arrangement",
            "Repositories and volumes",
            repositories.into_iter().take(BROWSE_TOP).collect(),
            "/arrangement".to_string(),
            total,
        ));
    }
    let page = BrowsePage {
        site: &state.site_name,
        decades: timeline(&results),
        kinds,
        types: links("type", values("type")),
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
