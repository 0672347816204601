//! The pages of what records name and where they sit: people, places,
//! subjects and collections (`/people`, `/people/{key}`, …), and the
//! archival arrangement (`/arrangement`, `/arrangement/{key}`:
//! repository → fond → opis → delo → documents).
//!
//! Every page is built from the search index's facets over what the
//! viewer may see ([`Reader::search`]): a name or a level only some draft
//! carries has no page for the public (404, like a name nobody carries).
//! Keys are [`entities::key`]s of the facet values, so a page's URL is a
//! function of the name's label (or the level's path) alone.
//!
//! Invariants:
//! - Every count on these pages is a count of the same search the page's
//!   "all documents" link runs, so a link never promises more than it finds.
//! - Lists are paginated ([`LIST_PAGE`] values a page) and each kind lists
//!   only its own values.

use super::pages::{PageLink, archive_error, error_page, render};
use super::views::{FacetView, HitView, SearchParams, encode, facet_views, search_href};
use super::{ErrorCode, Shared};
use crate::accounts::Viewer;
use crate::archive::{ArchiveError, Reader};
use crate::html::path_segment;
use crate::model::Agent;
use crate::search::names::is_wikidata_item;
use crate::search::{
    Facet, FacetCount, LEVEL_SEPARATOR, Likeness, SearchRequest, SearchResults, Sort, entities,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Values listed on one page of a kind's list.
pub const LIST_PAGE: usize = 100;
/// Documents listed on an entity's or a level's page.
const DOCUMENTS: usize = 50;

/// A kind of thing with pages of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/people`.
    People,
    /// `/places`.
    Places,
    /// `/subjects`.
    Subjects,
    /// `/collections`.
    Collections,
}

impl Kind {
    fn facet(self) -> Facet {
        match self {
            Kind::People => Facet::Person,
            Kind::Places => Facet::Place,
            Kind::Subjects => Facet::Subject,
            Kind::Collections => Facet::Collection,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::People => "people",
            Kind::Places => "places",
            Kind::Subjects => "subjects",
            Kind::Collections => "collections",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::People => "People",
            Kind::Places => "Places",
            Kind::Subjects => "Subjects",
            Kind::Collections => "Collections",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Kind::People => "Person",
            Kind::Places => "Place",
            Kind::Subjects => "Subject",
            Kind::Collections => "Collection",
        }
    }
}

/// The link to the page of a value of a kind.
pub fn href(kind: Kind, label: &str) -> String {
    format!("/{}/{}", kind.path(), path_segment(&entities::key(label)))
}

/// The link to the page of an arrangement level (its whole path).
pub fn level_href(path: &str) -> String {
    format!("/arrangement/{}", path_segment(&entities::key(path)))
}

/// The link to a person's page.
pub fn person_href(reader: &Reader<'_>, agent: &Agent) -> String {
    href(Kind::People, &reader.person_label(agent))
}

/// Every value of a dimension the viewer's records carry, with counts, most
/// frequent first.
fn all_values(reader: &Reader<'_>, facet: Facet) -> Result<Vec<FacetCount>, ArchiveError> {
    let mut request = SearchRequest::new("*", 0);
    request.facet_limit = usize::MAX;
    let mut results = reader.search(&request)?;
    Ok(results.facets.remove(facet.name()).unwrap_or_default())
}

/// The search for one value's records, in date order.
fn records_of(
    reader: &Reader<'_>,
    facet: Facet,
    value: &str,
    limit: usize,
    offset: usize,
) -> Result<SearchResults, ArchiveError> {
    let mut request = SearchRequest::new("*", limit);
    request.offset = offset;
    request.sort = Sort::Date;
    request.facet_limit = 12;
    request.filters = vec![(facet, value.to_string())];
    reader.search(&request)
}

/// First and last year of a result's year facet ("1948–1950", "1948").
fn year_range(results: &SearchResults) -> Option<String> {
    let years = results.facets.get("year")?;
    let first = years.first()?;
    let last = years.last()?;
    Some(if first.value == last.value {
        first.value.clone()
    } else {
        format!("{}–{}", first.value, last.value)
    })
}

/// The search page's parameters for one value's records.
fn params_of(facet: Facet, value: &str) -> SearchParams {
    SearchParams {
        q: "*".into(),
        sort: "date".into(),
        page: 1,
        from: String::new(),
        to: String::new(),
        filters: vec![(facet, value.to_string())],
    }
}

/// A value in a list: label, link, count.
pub struct ListItem {
    label: String,
    href: String,
    count: u64,
}

#[derive(Template)]
#[template(path = "entity_list.html")]
struct ListPage<'a> {
    site: &'a str,
    title: &'static str,
    total: usize,
    items: Vec<ListItem>,
    by_count: bool,
    sort_href: (String, String),
    pages: Vec<PageLink>,
    prev: Option<String>,
    next: Option<String>,
}

/// Parameters of a list page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    sort: Option<String>,
}

fn page_number(raw: Option<&str>) -> Option<usize> {
    match raw {
        None | Some("") => Some(1),
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100_000).contains(n)),
    }
}

/// `/people`, `/places`, `/subjects`, `/collections`: every value of the
/// kind, by name (or by count with `sort=count`), [`LIST_PAGE`] a page.
async fn list(state: Shared, viewer: Viewer, kind: Kind, query: ListQuery) -> Response {
    let Some(page) = page_number(query.page.as_deref()) else {
        return error_page(&state, ErrorCode::BadRequest);
    };
    let by_count = match query.sort.as_deref() {
        None | Some("") | Some("name") => false,
        Some("count") => true,
        Some(_) => return error_page(&state, ErrorCode::BadRequest),
    };
    let reader = state.archive.reader(&viewer);
    let mut values = match all_values(&reader, kind.facet()) {
        Ok(v) => v,
        Err(e) => return archive_error(&state, e),
    };
    if !by_count {
        values.sort_by(|a, b| {
            a.value
                .to_lowercase()
                .cmp(&b.value.to_lowercase())
                .then(a.value.cmp(&b.value))
        });
    }
    let pages = values.len().div_ceil(LIST_PAGE).max(1);
    if page > pages {
        return error_page(&state, ErrorCode::NotFound);
    }
    let sort = if by_count { "&sort=count" } else { "" };
    let page_href = |n: usize| format!("/{}?page={n}{sort}", kind.path());
    let items = values
        .iter()
        .skip((page - 1) * LIST_PAGE)
        .take(LIST_PAGE)
        .map(|v| ListItem {
            label: v.value.clone(),
            href: href(kind, &v.value),
            count: v.count,
        })
        .collect();
    let window_start = page.saturating_sub(4).max(1);
    let window_end = (window_start + 8).min(pages);
    let view = ListPage {
        site: &state.site_name,
        title: kind.title(),
        total: values.len(),
        items,
        by_count,
        sort_href: if by_count {
            ("by name".into(), format!("/{}", kind.path()))
        } else {
            (
                "by number of documents".into(),
                format!("/{}?sort=count", kind.path()),
            )
        },
        pages: if pages > 1 {
            (window_start..=window_end)
                .map(|n| PageLink {
                    number: n,
                    href: page_href(n),
                    current: n == page,
                })
                .collect()
        } else {
            Vec::new()
        },
        prev: (page > 1).then(|| page_href(page - 1)),
        next: (page < pages).then(|| page_href(page + 1)),
    };
    render(StatusCode::OK, &view)
}

/// A document on an entity's or a level's page.
pub struct DocumentItem {
    hit: HitView,
    /// How the document stands to the person ("by", "to", "named"), for
    /// people; empty otherwise.
    role: String,
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage<'a> {
    site: &'a str,
    kind: &'static str,
    kind_href: String,
    label: String,
    /// What the archive says about it (collections), in paragraphs.
    description: &'a [String],
    /// Other forms of the name (people): from the authority and the records.
    forms: Vec<String>,
    total: usize,
    dates: Option<String>,
    /// (what, count, link): documents by the person, and the like.
    counts: Vec<(String, usize, String)>,
    documents: Vec<DocumentItem>,
    all_href: String,
    facets: Vec<FacetView>,
    /// The search-within form's hidden filter (dimension, value).
    within: (String, String),
    /// The Atom feed of these documents (a search feed on the filter).
    feed_href: String,
    /// The person's Wikidata item (`Q855`), where the name authority gives
    /// one.
    wikidata: Option<String>,
}

/// `/people/{key}` and the pages of the other kinds.
async fn page(state: Shared, viewer: Viewer, kind: Kind, key: String) -> Response {
    let reader = state.archive.reader(&viewer);
    let facet = kind.facet();
    let values = match all_values(&reader, facet) {
        Ok(v) => v,
        Err(e) => return archive_error(&state, e),
    };
    let Some(label) = values
        .iter()
        .map(|v| &v.value)
        .find(|v| entities::key(v) == key)
        .cloned()
    else {
        // A person's page also answers to their Wikidata item and to every
        // form of their name, so links made before names were merged, or
        // before the preferred form changed, still lead to the person.
        if kind == Kind::People {
            let person = if is_wikidata_item(&key) {
                reader.person_of_item(&key)
            } else {
                reader.name_forms(&key).into_iter().next()
            };
            if let Some(person) = person.filter(|p| values.iter().any(|v| v.value == *p)) {
                let to = format!("/{}/{}", kind.path(), path_segment(&entities::key(&person)));
                return Redirect::permanent(&to).into_response();
            }
        }
        return error_page(&state, ErrorCode::NotFound);
    };
    let results = match records_of(&reader, facet, &label, DOCUMENTS, 0) {
        Ok(r) => r,
        Err(e) => return archive_error(&state, e),
    };
    let ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
    let records = match reader.get_many(&ids).await {
        Ok(r) => r,
        Err(e) => return archive_error(&state, e),
    };
    let mut forms: Vec<String> = Vec::new();
    let mut documents = Vec::with_capacity(results.hits.len());
    for hit in &results.hits {
        let record = records.iter().find(|s| s.record.id == hit.id);
        let mut role = String::new();
        if let (Kind::People, Some(stored)) = (kind, record) {
            let r = &stored.record;
            let roles = [
                ("by", &r.creators),
                ("to", &r.recipients),
                ("named", &r.people),
            ];
            let mut found = Vec::new();
            for (name, agents) in roles {
                for a in agents.iter().filter(|a| reader.person_label(a) == label) {
                    if !found.contains(&name) {
                        found.push(name);
                    }
                    for form in std::iter::once(&a.name)
                        .chain(&a.authority)
                        .chain(&a.variants)
                    {
                        if form != &label && !forms.contains(form) {
                            forms.push(form.clone());
                        }
                    }
                }
            }
            role = found.join(", ");
        }
        documents.push(DocumentItem {
            hit: HitView::new(hit),
            role,
        });
    }
    if kind == Kind::People {
        for form in reader.name_forms(&label) {
            if form != label && !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    let params = params_of(facet, &label);
    let mut counts = Vec::new();
    if kind == Kind::People
        && let Some(by) = results
            .facets
            .get(Facet::Creator.name())
            .and_then(|v| v.iter().find(|c| c.value == label))
    {
        counts.push((
            "written by them".to_string(),
            by.count as usize,
            search_href(&[("q", "*"), ("creator", &label), ("sort", "date")]),
        ));
    }
    let facets = facet_views(&results, &params)
        .into_iter()
        .filter(|f| f.dim != facet.name() && f.dim != "decade")
        .collect();
    let view = EntityPage {
        site: &state.site_name,
        kind: kind.singular(),
        kind_href: format!("/{}", kind.path()),
        all_href: search_href(&[("q", "*"), (facet.name(), &label), ("sort", "date")]),
        feed_href: format!(
            "/search/feed.atom?{}",
            encode(&[("q", "*"), (facet.name(), &label)])
        ),
        within: (facet.name().to_string(), label.clone()),
        description: match kind {
            Kind::Collections => reader.collection_description(&label).unwrap_or_default(),
            _ => &[],
        },
        wikidata: match kind {
            Kind::People => reader.wikidata_item(&label),
            _ => None,
        },
        label,
        forms,
        total: results.total,
        dates: year_range(&results),
        counts,
        documents,
        facets,
    };
    render(StatusCode::OK, &view)
}

/// A level below another, on the arrangement's pages.
pub struct LevelItem {
    label: String,
    href: String,
    count: u64,
    dates: Option<String>,
}

#[derive(Template)]
#[template(path = "arrangement.html")]
struct ArrangementPage<'a> {
    site: &'a str,
    /// The levels above and this one: (label, link).
    trail: Vec<(String, String)>,
    label: String,
    total: usize,
    dates: Option<String>,
    children: Vec<LevelItem>,
    documents: Vec<HitView>,
    all_href: String,
    more: bool,
}

/// The levels right below `parent` ("" for the repositories), with counts.
fn children(values: &[FacetCount], parent: &str) -> Vec<(String, String, u64)> {
    let mut out: Vec<(String, String, u64)> = values
        .iter()
        .filter_map(|v| {
            let rest = if parent.is_empty() {
                v.value.as_str()
            } else {
                v.value
                    .strip_prefix(parent)?
                    .strip_prefix(LEVEL_SEPARATOR)?
            };
            (!rest.contains(LEVEL_SEPARATOR)).then(|| (v.value.clone(), rest.to_string(), v.count))
        })
        .collect();
    out.sort_by(|a, b| natural(&a.1).cmp(&natural(&b.1)).then(a.1.cmp(&b.1)));
    out
}

/// A sort key that orders "d. 9" before "d. 109": digits compared as numbers.
fn natural(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.extend(c.to_lowercase());
        }
    }
    out.push((text, digits.parse().unwrap_or(0)));
    out
}

/// `/arrangement` and `/arrangement/{key}`.
async fn arrangement(state: Shared, viewer: Viewer, key: Option<String>) -> Response {
    let reader = state.archive.reader(&viewer);
    let values = match all_values(&reader, Facet::Level) {
        Ok(v) => v,
        Err(e) => return archive_error(&state, e),
    };
    let path = match &key {
        None => String::new(),
        Some(key) => match values.iter().find(|v| entities::key(&v.value) == *key) {
            Some(v) => v.value.clone(),
            None => return error_page(&state, ErrorCode::NotFound),
        },
    };
    let mut trail = vec![("Arrangement".to_string(), "/arrangement".to_string())];
    let segments: Vec<&str> = if path.is_empty() {
        Vec::new()
    } else {
        path.split(LEVEL_SEPARATOR).collect()
    };
    for depth in 1..segments.len() {
        let above = segments[..depth].join(LEVEL_SEPARATOR);
        trail.push((segments[depth - 1].to_string(), level_href(&above)));
    }
    let mut items = Vec::new();
    for (value, label, count) in children(&values, &path) {
        let dates = match records_of(&reader, Facet::Level, &value, 0, 0) {
            Ok(r) => year_range(&r),
            Err(e) => return archive_error(&state, e),
        };
        items.push(LevelItem {
            href: level_href(&value),
            label,
            count,
            dates,
        });
    }
    let (total, dates, documents, all_href) = if path.is_empty() {
        (
            values
                .iter()
                .filter(|v| !v.value.contains(LEVEL_SEPARATOR))
                .map(|v| v.count as usize)
                .sum(),
            None,
            Vec::new(),
            String::new(),
        )
    } else {
        match records_of(&reader, Facet::Level, &path, DOCUMENTS, 0) {
            Ok(r) => (
                r.total,
                year_range(&r),
                r.hits.iter().map(HitView::new).collect(),
                search_href(&[("q", "*"), ("level", &path), ("sort", "date")]),
            ),
            Err(e) => return archive_error(&state, e),
        }
    };
    let view = ArrangementPage {
        site: &state.site_name,
        label: segments.last().map_or("Arrangement", |s| s).to_string(),
        trail: if path.is_empty() { Vec::new() } else { trail },
        more: total > documents.len() && !documents.is_empty(),
        total,
        dates,
        children: items,
        documents,
        all_href,
    };
    render(StatusCode::OK, &view)
}

/// The breadcrumb of a record: every level of its arrangement, broadest
/// first, with its page.
pub fn breadcrumb(levels: &[String]) -> Vec<(String, String)> {
    (1..=levels.len())
        .map(|depth| {
            (
                levels[depth - 1].clone(),
                level_href(&levels[..depth].join(LEVEL_SEPARATOR)),
            )
        })
        .collect()
}

/// A record related to the one on the page, and why.
#[derive(Clone)]
pub struct RelatedItem {
    /// Link to it.
    pub href: String,
    /// Its title.
    pub title: String,
    /// Its date as shown.
    pub date: Option<String>,
    /// Why it is listed ("same volume", "also names Stalin", "similar text").
    pub reasons: Vec<String>,
}

/// Records shown as related on a record's page.
const RELATED: usize = 8;

/// Records related to `record` that the reader may see, best first: by
/// similar words ("more like this"), the same file or volume, the people
/// both name, and nearness in time; each with the reasons shown.
pub async fn related(
    reader: &Reader<'_>,
    record: &crate::model::Record,
) -> Result<Vec<RelatedItem>, ArchiveError> {
    let year =
        |r: &crate::model::Record| r.date.as_ref().and_then(|d| d.bounds().0).map(|d| d.year);
    let my_year = year(record);
    // The most similar texts of any time, and of the years around its own
    // (a 1948 letter's context is in 1943–1953, not in 1962's volume).
    let mut candidates: Vec<(String, f32)> = Vec::new();
    let windows = [None, my_year.map(|y| (y - 5, y + 5))];
    for (window, limit) in windows.into_iter().zip([30, 12]) {
        if window.is_none() && limit == 12 {
            continue;
        }
        let similar = reader.like(&record.id, Likeness::Words, limit, window)?;
        let best = similar.first().map_or(1.0, |(_, s)| s.max(f32::EPSILON));
        for (id, s) in similar {
            let s = s / best;
            match candidates.iter_mut().find(|(c, _)| *c == id) {
                Some((_, old)) => *old = old.max(s),
                None => candidates.push((id, s)),
            }
        }
    }
    // The records naming the same people, places or subjects, in the
    // years around its own (rarer names first).
    let names_of = |r: &crate::model::Record| -> Vec<(Facet, String)> {
        let mut v = reader.facet_values(r);
        v.retain(|(facet, value)| {
            matches!(facet, Facet::Person | Facet::Place | Facet::Subject) && !value.is_empty()
        });
        v.sort();
        v.dedup();
        v
    };
    let mine = names_of(record);
    let window = my_year.map(|y| (y - 5, y + 5));
    for (id, _) in reader.like(&record.id, Likeness::Names(&mine), 20, window)? {
        if !candidates.iter().any(|(c, _)| *c == id) {
            candidates.push((id, 0.0));
        }
    }
    let trails = record.arrangements();
    for trail in &trails {
        // The other documents of the same file (or volume) nearest in date.
        let path = trail.join(LEVEL_SEPARATOR);
        let siblings = records_of(reader, Facet::Level, &path, 400, 0)?;
        if let Some(at) = siblings.hits.iter().position(|h| h.id == record.id) {
            for h in siblings.hits.iter().skip(at.saturating_sub(5)).take(11) {
                if h.id != record.id && !candidates.iter().any(|(id, _)| *id == h.id) {
                    candidates.push((h.id.clone(), 0.0));
                }
            }
        }
    }
    let ids: Vec<&str> = candidates.iter().map(|(id, _)| id.as_str()).collect();
    let found = reader.get_many(&ids).await?;
    let mut scored: Vec<(f32, RelatedItem)> = Vec::new();
    for (id, text) in &candidates {
        let Some(other) = found.iter().find(|s| s.record.id == *id) else {
            continue;
        };
        let o = &other.record;
        let mut score = 2.0 * text;
        let mut reasons = Vec::new();
        let theirs = o.arrangements();
        for trail in trails.iter().filter(|t| theirs.contains(t)) {
            score += 1.0;
            let edition = record.edition.as_ref().map(|e| e.title.trim());
            reasons.push(match trail.as_slice() {
                [volume] if Some(volume.as_str()) == edition => "same volume".to_string(),
                _ => format!("same file ({})", trail.last().map_or("", String::as_str)),
            });
        }
        let their_names = names_of(o);
        let shared = |kind: Facet| -> Vec<&str> {
            their_names
                .iter()
                .filter(|v| v.0 == kind && mine.contains(v))
                .map(|(_, name)| name.as_str())
                .take(3)
                .collect()
        };
        for (kind, weight, says) in [
            (Facet::Person, 0.75, "also names"),
            (Facet::Place, 0.5, "also about"),
            (Facet::Subject, 0.5, "same subject:"),
        ] {
            let names = shared(kind);
            if !names.is_empty() {
                score += weight * names.len() as f32;
                reasons.push(format!("{says} {}", names.join(", ")));
            }
        }
        if let (Some(a), Some(b)) = (my_year, year(o)) {
            // Nearer in time ranks higher: up to 1 within five years.
            score += (1.0 - (a - b).abs() as f32 / 5.0).max(0.0);
        }
        if *text >= 0.25 {
            reasons.push("similar text".to_string());
        }
        if reasons.is_empty() {
            continue;
        }
        scored.push((
            score,
            RelatedItem {
                href: format!("/records/{}", path_segment(&o.id)),
                title: o.title.clone(),
                date: o
                    .date
                    .as_ref()
                    .map(|d| d.display.clone().unwrap_or_else(|| d.edtf.clone())),
                reasons,
            },
        ));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(scored.into_iter().take(RELATED).map(|(_, r)| r).collect())
}

/// The related records of anyone's record pages, kept while the index's
/// searcher generation and the day (embargoes end at midnight) hold; staff
/// views, which may hold drafts, are never kept.
#[derive(Default)]
pub struct RelatedCache {
    entries: std::sync::Mutex<RelatedMap>,
}

/// (generation, day) the entries hold for, and record id → related.
type RelatedMap = (
    (u64, String),
    std::collections::HashMap<String, Vec<RelatedItem>>,
);

/// Entries kept before the cache starts afresh.
const RELATED_CACHE_SIZE: usize = 20_000;

impl RelatedCache {
    /// The related records of `record` as `reader` sees them.
    pub async fn get(
        &self,
        reader: &Reader<'_>,
        generation: u64,
        record: &crate::model::Record,
    ) -> Result<Vec<RelatedItem>, ArchiveError> {
        if reader.sees_unpublished() {
            return related(reader, record).await;
        }
        let at = (generation, reader.now().day().to_string());
        {
            let entries = self.lock();
            if entries.0 == at
                && let Some(hit) = entries.1.get(&record.id)
            {
                return Ok(hit.clone());
            }
        }
        let out = related(reader, record).await?;
        let mut entries = self.lock();
        if entries.0 != at || entries.1.len() >= RELATED_CACHE_SIZE {
            entries.0 = at;
            entries.1.clear();
        }
        entries.1.insert(record.id.clone(), out.clone());
        Ok(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RelatedMap> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

macro_rules! kind_routes {
    ($list:ident, $page:ident, $kind:expr) => {
        /// The list of this kind.
        pub async fn $list(
            State(state): State<Shared>,
            viewer: Viewer,
            Query(query): Query<ListQuery>,
        ) -> Response {
            list(state, viewer, $kind, query).await
        }

        /// The page of one value of this kind.
        pub async fn $page(
            State(state): State<Shared>,
            viewer: Viewer,
            Path(key): Path<String>,
        ) -> Response {
            page(state, viewer, $kind, key).await
        }
    };
}

kind_routes!(people, person, Kind::People);
kind_routes!(places, place, Kind::Places);
kind_routes!(subjects, subject, Kind::Subjects);
kind_routes!(collections, collection, Kind::Collections);

/// `/arrangement`: the repositories.
pub async fn arrangement_root(State(state): State<Shared>, viewer: Viewer) -> Response {
    arrangement(state, viewer, None).await
}

/// `/arrangement/{key}`: one level.
pub async fn arrangement_level(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(key): Path<String>,
) -> Response {
    arrangement(state, viewer, Some(key)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_sort_with_their_numbers() {
        let mut v = vec!["d. 109", "d. 9", "d. 11"];
        v.sort_by_key(|s| natural(s));
        assert_eq!(v, ["d. 9", "d. 11", "d. 109"]);
    }

    #[test]
    fn children_are_one_level_down_only() {
        let v = |s: &str, c| FacetCount {
            value: s.into(),
            count: c,
        };
        let values = [
            v("RGASPI", 3),
            v("RGASPI › f. 558", 3),
            v("RGASPI › f. 558 › op. 11", 2),
            v("RGASPI › f. 17", 1),
            v("AVPRF", 1),
        ];
        let top: Vec<String> = children(&values, "").into_iter().map(|c| c.1).collect();
        assert_eq!(top, ["AVPRF", "RGASPI"]);
        let fonds: Vec<(String, u64)> = children(&values, "RGASPI")
            .into_iter()
            .map(|c| (c.1, c.2))
            .collect();
        assert_eq!(fonds, [("f. 17".to_string(), 1), ("f. 558".to_string(), 3)]);
    }
}
