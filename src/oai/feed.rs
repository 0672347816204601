//! Atom feeds (RFC 4287) of newly published and changed public records: the
//! whole archive's, one collection's, and a saved search's.
//!
//! Everything is read through the public reader
//! ([`crate::archive::Archive::public`]): an entry is an entry of the
//! publication log at the reader's instant, dated by its datestamp (when it
//! last changed for the public, or the day its embargo lifted), so a draft,
//! a running embargo and their changes never appear. Withdrawn records are
//! left out (OAI-PMH is where harvesters learn of deletions). A search feed
//! runs its search as anyone ([`Viewer::Anonymous`]) and lists, newest
//! first, the log's entries of its first [`SEARCH_HITS`] hits.
//!
//! | Atom | from |
//! |---|---|
//! | `feed/id` | the feed's address without `limit` (given by the web layer) |
//! | `feed/title` | the site's name and the scope |
//! | `feed/updated` | the newest entry's datestamp; for an empty feed the log's earliest datestamp (the day's start when the log is empty) |
//! | `feed/link` | `self` (this document), `alternate` (the matching HTML page) |
//! | `feed/author` | the site's name (for entries without creators) |
//! | `entry/id`, `entry/link[@rel=alternate]` | the record's page, `{base_url}/records/{id}` |
//! | `entry/title` | `title` |
//! | `entry/updated` | the datestamp |
//! | `entry/author` | each creator's name |
//! | `entry/category` | each collection |
//! | `entry/summary` | the summary as a description ([`Record::described_summary`]: a machine's is said to be one), plain text |
//!
//! The log gives no first-publication instant, so entries carry no
//! `published`. Newest first means the log's `(datestamp, identifier)` order
//! reversed; the log is read oldest first, so the newest entries are found
//! by reading windows of time back from now, each twice as long as the one
//! before, identifiers only, until enough are found (or the log's start is
//! reached); only the entries shown are read with their records.
//!
//! The renderer ([`render`]) is pure; every text and attribute goes through
//! [`XmlOut`], so no record makes the feed ill-formed.

use super::record_url;
use super::xml::XmlOut;
use crate::accounts::Viewer;
use crate::archive::{Archive, ArchiveError, PublicReader};
use crate::clock::Timestamp;
use crate::model::Record;
use crate::search::{SearchRequest, Sort};
use crate::store::{Publication, PublicationQuery, StoreError};
use std::collections::HashSet;

/// The Atom namespace.
pub const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";
/// Entries in a feed unless `limit` says otherwise.
pub const DEFAULT_ENTRIES: usize = 50;
/// The most entries a feed holds (`limit` above it is refused).
pub const MAX_ENTRIES: usize = 200;
/// How many hits of a search (best first) a search feed considers.
pub const SEARCH_HITS: usize = 1_000;
/// Log entries read from the store at a time while looking back.
const READ_PAGE: usize = 1_000;
/// The first window of time looked back over, in seconds (a day); each
/// next one is four times as long.
const FIRST_WINDOW: i64 = 86_400;

/// What a feed lists.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every public record.
    Archive,
    /// The public records in one collection (named exactly as in
    /// [`Record::collections`]).
    Collection(String),
    /// The public hits of a search: its query and filters (its limit,
    /// offset and order are the feed's own), and the words to name it by.
    Search {
        /// The search.
        request: SearchRequest,
        /// What the reader typed, for the feed's title.
        words: String,
    },
}

/// The feed's own addresses, absolute; the web layer knows its routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLinks {
    /// The feed's permanent identifier (its address without `limit`).
    pub id: String,
    /// This document's address (`rel="self"`).
    pub self_href: String,
    /// The HTML page that shows the same (`rel="alternate"`).
    pub alternate: String,
}

/// How the site names itself and where its records are.
#[derive(Debug, Clone, Copy)]
pub struct FeedSite<'a> {
    /// The site's root URL (`https://archive.example.org`).
    pub base_url: &'a str,
    /// The site's name, first in the feed's title.
    pub site_name: &'a str,
}

/// Why a feed cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// `limit` is not a whole number from 1 to [`MAX_ENTRIES`].
    #[error("limit must be a whole number from 1 to {MAX_ENTRIES}, not {0:?}")]
    Limit(String),
    /// No public record is in the collection (it may not exist, or hold
    /// only records the public may not see: the same answer).
    #[error("no collection named {0:?} has public records")]
    NoSuchCollection(String),
    /// The search failed (a query it refuses, or the index failed).
    #[error(transparent)]
    Search(ArchiveError),
    /// The store failed.
    #[error("feed: {0}")]
    Store(#[from] StoreError),
}

/// The number of entries a `limit` argument asks for: absent is
/// [`DEFAULT_ENTRIES`]; anything but 1 to [`MAX_ENTRIES`] is refused.
pub fn parse_limit(value: Option<&str>) -> Result<usize, FeedError> {
    let Some(value) = value else {
        return Ok(DEFAULT_ENTRIES);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_ENTRIES).contains(&n) => Ok(n),
        _ => Err(FeedError::Limit(value.to_string())),
    }
}

/// One entry: a record as the public sees it, and its datestamp.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// When it last changed for the public.
    pub updated: Timestamp,
    /// The record.
    pub record: Record,
}

/// The feed of `scope`, at most `limit` entries, newest first, as an Atom
/// document.
pub async fn feed(
    archive: &Archive,
    site: FeedSite<'_>,
    scope: &Scope,
    links: &FeedLinks,
    limit: usize,
) -> Result<String, FeedError> {
    let public = archive.public();
    let limit = limit.clamp(1, MAX_ENTRIES);
    let entries = match scope {
        Scope::Archive => newest(&public, None, limit).await?,
        Scope::Collection(name) => {
            if !public.public_collections().await?.contains(name) {
                return Err(FeedError::NoSuchCollection(name.clone()));
            }
            newest(&public, Some(name), limit).await?
        }
        Scope::Search { request, .. } => {
            let hits = search_hits(archive, request)?;
            newest_of(&public, &hits, limit).await?
        }
    };
    let updated = match entries.first() {
        Some(entry) => entry.updated,
        None => public
            .earliest_publication()
            .await?
            .unwrap_or_else(|| Timestamp::start_of(public.now().day())),
    };
    let title = match scope {
        Scope::Archive => format!("{}: new and changed records", site.site_name),
        Scope::Collection(name) => format!("{}: {name}", site.site_name),
        Scope::Search { words, .. } => format!("{}: search for {words}", site.site_name),
    };
    Ok(render(site, &title, links, updated, &entries))
}

/// The identifiers of the first [`SEARCH_HITS`] hits of `request`, as anyone
/// sees them.
fn search_hits(archive: &Archive, request: &SearchRequest) -> Result<HashSet<String>, FeedError> {
    let mut request = request.clone();
    request.limit = SEARCH_HITS;
    request.offset = 0;
    request.sort = Sort::Relevance;
    request.facet_limit = 0;
    let results = archive
        .reader(&Viewer::Anonymous)
        .search(&request)
        .map_err(FeedError::Search)?;
    Ok(results.hits.into_iter().map(|h| h.id).collect())
}

/// The public entries of the log (no withdrawn ones), in `collection` when
/// given, identifiers only, a page of `limit`.
fn log_query(
    public: &PublicReader<'_>,
    collection: Option<&str>,
    limit: usize,
) -> PublicationQuery {
    let mut query = public.query(limit);
    query.include_withdrawn = false;
    query.with_records = false;
    query.collections = collection.map(|c| vec![c.to_string()]);
    query
}

/// The newest `limit` entries of the log (in `collection`), with their
/// records, newest first.
async fn newest(
    public: &PublicReader<'_>,
    collection: Option<&str>,
    limit: usize,
) -> Result<Vec<FeedEntry>, StoreError> {
    let base = log_query(public, collection, READ_PAGE);
    // The newest `limit` and the one before them: the cursor the records
    // are then read from.
    let mut positions: Vec<(Timestamp, String)> = Vec::with_capacity(limit + 1);
    newest_first(public, &base, |entry| {
        positions.push((entry.datestamp, entry.id));
        positions.len() <= limit
    })
    .await?;
    let mut query = base;
    query.with_records = true;
    query.limit = limit;
    query.after = (positions.len() > limit).then(|| positions[limit].clone());
    let mut entries: Vec<FeedEntry> = public
        .publications(&query)
        .await?
        .into_iter()
        .filter_map(entry)
        .collect();
    entries.reverse();
    Ok(entries)
}

/// The newest `limit` entries of the log among `ids`, with their records,
/// newest first.
async fn newest_of(
    public: &PublicReader<'_>,
    ids: &HashSet<String>,
    limit: usize,
) -> Result<Vec<FeedEntry>, StoreError> {
    let mut found: Vec<String> = Vec::new();
    if !ids.is_empty() {
        let wanted = limit.min(ids.len());
        let base = log_query(public, None, READ_PAGE);
        newest_first(public, &base, |entry| {
            if ids.contains(&entry.id) {
                found.push(entry.id);
            }
            found.len() < wanted
        })
        .await?;
    }
    let mut entries = Vec::with_capacity(found.len());
    for id in found {
        let mut query = log_query(public, None, 1);
        query.with_records = true;
        query.id = Some(id);
        entries.extend(
            public
                .publications(&query)
                .await?
                .into_iter()
                .filter_map(entry),
        );
    }
    Ok(entries)
}

/// A public entry read with its record as a feed entry.
fn entry(publication: Publication) -> Option<FeedEntry> {
    match publication {
        Publication {
            withdrawn: false,
            record: Some(record),
            datestamp,
            ..
        } => Some(FeedEntry {
            updated: datestamp,
            record,
        }),
        _ => None,
    }
}

/// Calls `each` with the entries of `base` (a query of the log, without
/// records) newest first, by `(datestamp, identifier)`, until it returns
/// false or the log ends: windows of time back from the reader's instant,
/// each listed oldest first and handed on in reverse.
async fn newest_first(
    public: &PublicReader<'_>,
    base: &PublicationQuery,
    mut each: impl FnMut(Publication) -> bool,
) -> Result<(), StoreError> {
    let Some(earliest) = public.earliest_publication().await? else {
        return Ok(());
    };
    let mut until = public.now();
    // Entries at or after this position were handed on already.
    let mut handed: Option<(Timestamp, String)> = None;
    let mut span = FIRST_WINDOW;
    loop {
        let start = until.unix().saturating_sub(span);
        let from = (start > earliest.unix()).then(|| Timestamp::from_unix(start));
        let mut query = base.clone();
        query.from = from;
        query.until = Some(until);
        query.after = None;
        let mut window: Vec<Publication> = Vec::new();
        loop {
            let page = public.publications(&query).await?;
            let full = page.len() == query.limit;
            if let Some(last) = page.last() {
                query.after = Some((last.datestamp, last.id.clone()));
            }
            window.extend(page.into_iter().filter(|p| {
                handed
                    .as_ref()
                    .is_none_or(|(ds, id)| (p.datestamp, p.id.as_str()) < (*ds, id.as_str()))
            }));
            if !full {
                break;
            }
        }
        if let Some(oldest) = window.first() {
            handed = Some((oldest.datestamp, oldest.id.clone()));
        }
        for entry in window.into_iter().rev() {
            if !each(entry) {
                return Ok(());
            }
        }
        match from {
            Some(from) => until = from,
            None => return Ok(()),
        }
        span = span.saturating_mul(4);
    }
}

/// The Atom document: the feed's head, then `entries` in the order given.
pub fn render(
    site: FeedSite<'_>,
    title: &str,
    links: &FeedLinks,
    updated: Timestamp,
    entries: &[FeedEntry],
) -> String {
    let base = site.base_url.trim_end_matches('/');
    let mut out = XmlOut::new();
    out.start("feed", &[("xmlns", ATOM_NAMESPACE)]);
    out.element("id", &[], &links.id);
    out.element("title", &[("type", "text")], title);
    out.element("updated", &[], &updated.to_string());
    out.element(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &links.self_href),
        ],
        "",
    );
    out.element(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &links.alternate),
        ],
        "",
    );
    out.start("author", &[]);
    out.element("name", &[], site.site_name);
    out.end("author");
    out.element("generator", &[], "fonds");
    for entry in entries {
        let record = &entry.record;
        let url = record_url(base, &record.id);
        out.start("entry", &[]);
        out.element("id", &[], &url);
        let title = if record.title.trim().is_empty() {
            &record.id
        } else {
            &record.title
        };
        out.element("title", &[("type", "text")], title);
        out.element("updated", &[], &entry.updated.to_string());
        out.element(
            "link",
            &[("rel", "alternate"), ("type", "text/html"), ("href", &url)],
            "",
        );
        for creator in &record.creators {
            if !creator.name.trim().is_empty() {
                out.start("author", &[]);
                out.element("name", &[], &creator.name);
                out.end("author");
            }
        }
        for collection in &record.collections {
            out.element(
                "category",
                &[("term", collection), ("label", collection)],
                "",
            );
        }
        if let Some(summary) = record.described_summary() {
            out.element("summary", &[("type", "text")], &summary);
        }
        out.end("entry");
    }
    out.end("feed");
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, Provenance};

    fn record(id: &str, title: &str) -> Record {
        Record::new(
            id.into(),
            title.into(),
            Provenance {
                format: "jsonl".into(),
                origin: "feed-test".into(),
                file: "feed.jsonl".into(),
                line: None,
                sha256: String::new(),
                imported_at: "2026-01-01T00:00:00Z".into(),
                layout: None,
            },
        )
    }

    fn links() -> FeedLinks {
        FeedLinks {
            id: "https://a.example/feed.atom".into(),
            self_href: "https://a.example/feed.atom?limit=2&x=<y>".into(),
            alternate: "https://a.example/".into(),
        }
    }

    const SITE: FeedSite<'static> = FeedSite {
        base_url: "https://a.example/",
        site_name: "A & B",
    };

    #[test]
    fn limits_are_bounded_and_named() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_ENTRIES);
        assert_eq!(parse_limit(Some("7")).unwrap(), 7);
        assert_eq!(parse_limit(Some("200")).unwrap(), MAX_ENTRIES);
        for bad in ["0", "201", "-1", "abc", "", "1e3"] {
            let e = parse_limit(Some(bad)).unwrap_err();
            assert!(e.to_string().starts_with("limit must be"), "{e}");
        }
    }

    #[test]
    fn entries_are_escaped_and_carry_what_the_record_says() {
        let mut r = record("a b/c", "Cuba & <Berlin> \u{1}");
        r.creators = vec![Agent::named("Kim \"Il\" Sung"), Agent::named(" ")];
        r.collections = vec!["Vol. <1>".into()];
        r.summary = Some("Said & done".into());
        r.summary_machine = true;
        let updated = Timestamp::parse("2026-01-02T03:04:05Z").unwrap();
        let xml = render(
            SITE,
            "A & B: new",
            &links(),
            updated,
            &[FeedEntry { updated, record: r }],
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(
            xml.contains("<title type=\"text\">A &amp; B: new</title>"),
            "{xml}"
        );
        assert!(xml.contains("href=\"https://a.example/feed.atom?limit=2&amp;x=&lt;y&gt;\""));
        assert!(
            xml.contains("<id>https://a.example/records/a%20b%2Fc</id>"),
            "{xml}"
        );
        assert!(xml.contains("<title type=\"text\">Cuba &amp; &lt;Berlin&gt; \u{FFFD}</title>"));
        assert!(xml.contains("<updated>2026-01-02T03:04:05Z</updated>"));
        assert!(
            xml.contains("<author><name>Kim &quot;Il&quot; Sung</name></author>"),
            "{xml}"
        );
        assert!(xml.contains("<category term=\"Vol. &lt;1&gt;\" label=\"Vol. &lt;1&gt;\"/>"));
        assert!(
            xml.contains(&format!(
                "<summary type=\"text\">{}: Said &amp; done</summary>",
                crate::model::MACHINE_SUMMARY_FLAG
            )),
            "{xml}"
        );
        assert!(xml.contains("<author><name>A &amp; B</name></author>"));
    }

    #[test]
    fn an_empty_feed_has_its_head_and_no_entry() {
        let updated = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        let xml = render(SITE, "T", &links(), updated, &[]);
        assert!(xml.contains("<updated>2026-01-01T00:00:00Z</updated>"));
        assert!(
            xml.contains(
                "<link rel=\"alternate\" type=\"text/html\" href=\"https://a.example/\"/>"
            )
        );
        assert!(!xml.contains("<entry>"));
    }
}
