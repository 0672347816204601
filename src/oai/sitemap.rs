//! The sitemap (sitemaps.org protocol 0.9): the public page of every public
//! record, `{base_url}/records/{id}`, with its datestamp as `lastmod`.
//!
//! Up to [`URLS_PER_SITEMAP`] URLs, `/sitemap.xml` is the one sitemap. Past
//! that, `/sitemap.xml` is a sitemap index pointing at `/sitemap-1.xml`,
//! `/sitemap-2.xml` …, each holding the next 50,000 URLs in the order of the
//! publication log (datestamp, then identifier), so that earlier pages
//! change least as records change. Withdrawn records are left out.
//!
//! The renderers ([`urlset`], [`index`], [`build`]) are pure; [`sitemap_xml`]
//! and [`sitemap_page`] read the publication log through the public reader
//! ([`crate::archive::Archive::public`]) a page at a time, never holding the
//! whole list.

use super::record_url;
use super::xml::XmlOut;
use crate::archive::PublicReader;
use crate::store::{PublicationQuery, StoreError};

/// The sitemaps.org namespace.
pub const SITEMAP_NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
/// The protocol's limit of URLs in one sitemap.
pub const URLS_PER_SITEMAP: usize = 50_000;
/// How many log entries are read from the store at a time.
const READ_PAGE: usize = 5_000;

/// One `<url>` or `<sitemap>` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    /// The absolute URL.
    pub loc: String,
    /// When it last changed (`YYYY-MM-DDThh:mm:ssZ`).
    pub lastmod: String,
}

/// A `<urlset>` of at most [`URLS_PER_SITEMAP`] entries.
pub fn urlset<'a>(entries: impl IntoIterator<Item = &'a SitemapEntry>) -> String {
    document("urlset", "url", entries)
}

/// A `<sitemapindex>` of sitemaps.
pub fn index<'a>(sitemaps: impl IntoIterator<Item = &'a SitemapEntry>) -> String {
    document("sitemapindex", "sitemap", sitemaps)
}

fn document<'a>(
    root: &str,
    item: &str,
    entries: impl IntoIterator<Item = &'a SitemapEntry>,
) -> String {
    let mut out = XmlOut::new();
    out.start(root, &[("xmlns", SITEMAP_NAMESPACE)]);
    for entry in entries {
        out.start(item, &[]);
        out.element("loc", &[], &entry.loc);
        out.element("lastmod", &[], &entry.lastmod);
        out.end(item);
    }
    out.end(root);
    out.finish()
}

/// The URL of sitemap page `n` (from 1).
pub fn page_url(base_url: &str, n: usize) -> String {
    format!("{}/sitemap-{n}.xml", base_url.trim_end_matches('/'))
}

/// The sitemap files for a whole list of record URLs, in order: `root` is
/// `/sitemap.xml`, `pages[n - 1]` is `/sitemap-{n}.xml` (none when the list
/// fits in one sitemap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapFiles {
    /// `/sitemap.xml`: the sitemap itself, or the index of the pages.
    pub root: String,
    /// `/sitemap-1.xml` …
    pub pages: Vec<String>,
}

/// Builds every file for a list held in memory.
pub fn build(base_url: &str, urls: &[SitemapEntry]) -> SitemapFiles {
    if urls.len() <= URLS_PER_SITEMAP {
        return SitemapFiles {
            root: urlset(urls),
            pages: Vec::new(),
        };
    }
    let chunks: Vec<&[SitemapEntry]> = urls.chunks(URLS_PER_SITEMAP).collect();
    let sitemaps: Vec<SitemapEntry> = chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| SitemapEntry {
            loc: page_url(base_url, i + 1),
            lastmod: newest(chunk),
        })
        .collect();
    SitemapFiles {
        root: index(&sitemaps),
        pages: chunks.into_iter().map(urlset).collect(),
    }
}

fn newest(entries: &[SitemapEntry]) -> String {
    entries
        .iter()
        .map(|e| e.lastmod.as_str())
        .max()
        .unwrap_or_default()
        .to_string()
}

/// Calls `each` with every public record's sitemap entry, in log order.
async fn for_each_public(
    public: &PublicReader<'_>,
    base_url: &str,
    mut each: impl FnMut(SitemapEntry) -> bool,
) -> Result<(), StoreError> {
    let mut query = public_pages(public, READ_PAGE);
    query.with_records = false;
    loop {
        let page = public.publications(&query).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        query.after = Some((last.datestamp, last.id.clone()));
        for entry in page {
            let keep_going = each(SitemapEntry {
                loc: record_url(base_url, &entry.id),
                lastmod: entry.datestamp.to_string(),
            });
            if !keep_going {
                return Ok(());
            }
        }
    }
}

/// The public records' entries of the log (no withdrawn ones), `limit` a
/// page.
fn public_pages(public: &PublicReader<'_>, limit: usize) -> PublicationQuery {
    let mut query = public.query(limit);
    query.include_withdrawn = false;
    query
}

/// `/sitemap.xml`: the sitemap, or the index past 50,000 URLs.
pub async fn sitemap_xml(public: &PublicReader<'_>, base_url: &str) -> Result<String, StoreError> {
    let count = public.count_publications(&public_pages(public, 0)).await? as usize;
    if count <= URLS_PER_SITEMAP {
        let mut urls = Vec::with_capacity(count);
        for_each_public(public, base_url, |e| {
            urls.push(e);
            true
        })
        .await?;
        return Ok(urlset(&urls));
    }
    let mut sitemaps: Vec<SitemapEntry> = Vec::new();
    let mut seen = 0;
    for_each_public(public, base_url, |e| {
        if seen % URLS_PER_SITEMAP == 0 {
            sitemaps.push(SitemapEntry {
                loc: page_url(base_url, sitemaps.len() + 1),
                lastmod: e.lastmod,
            });
        } else if let Some(last) = sitemaps.last_mut() {
            // Log order: each entry is at least as new as the one before.
            last.lastmod = e.lastmod;
        }
        seen += 1;
        true
    })
    .await?;
    Ok(index(&sitemaps))
}

/// `/sitemap-{n}.xml`; `None` when there is no such page (also when
/// everything fits in `/sitemap.xml` itself).
pub async fn sitemap_page(
    public: &PublicReader<'_>,
    base_url: &str,
    n: usize,
) -> Result<Option<String>, StoreError> {
    let count = public.count_publications(&public_pages(public, 0)).await? as usize;
    if n == 0 || count <= URLS_PER_SITEMAP || (n - 1) * URLS_PER_SITEMAP >= count {
        return Ok(None);
    }
    let skip = (n - 1) * URLS_PER_SITEMAP;
    let mut urls = Vec::with_capacity(URLS_PER_SITEMAP);
    let mut seen = 0;
    for_each_public(public, base_url, |e| {
        if seen >= skip {
            urls.push(e);
        }
        seen += 1;
        urls.len() < URLS_PER_SITEMAP
    })
    .await?;
    Ok(Some(urlset(&urls)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_fifty_thousand_urls_the_root_is_an_index_of_full_pages() {
        let urls: Vec<SitemapEntry> = (0..URLS_PER_SITEMAP + 2)
            .map(|i| SitemapEntry {
                loc: record_url("https://a.example", &format!("r{i}")),
                lastmod: format!("2026-01-{:02}T00:00:00Z", 1 + i % 28),
            })
            .collect();
        let files = build("https://a.example", &urls[..URLS_PER_SITEMAP]);
        assert!(files.root.contains("<urlset"));
        assert!(files.pages.is_empty());
        assert_eq!(files.root.matches("<url>").count(), URLS_PER_SITEMAP);

        let files = build("https://a.example/", &urls);
        assert!(
            files.root.contains("<sitemapindex"),
            "{}",
            &files.root[..200]
        );
        assert_eq!(files.pages.len(), 2);
        assert_eq!(files.pages[0].matches("<url>").count(), URLS_PER_SITEMAP);
        assert_eq!(files.pages[1].matches("<url>").count(), 2);
        assert!(files.root.contains(
            "<sitemap><loc>https://a.example/sitemap-1.xml</loc><lastmod>2026-01-28T00:00:00Z</lastmod></sitemap>"
        ));
        assert!(
            files
                .root
                .contains("<loc>https://a.example/sitemap-2.xml</loc>")
        );
        assert!(!files.root.contains("sitemap-3.xml"));
        // Every URL once, across the pages.
        let all: usize = files.pages.iter().map(|p| p.matches("<loc>").count()).sum();
        assert_eq!(all, urls.len());
        assert!(files.pages[1].contains(&format!("/records/r{}<", URLS_PER_SITEMAP + 1)));
    }
}
