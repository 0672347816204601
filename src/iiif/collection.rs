//! IIIF Presentation 3 collections: for each collection of the public
//! records, the manifests of its public records that have page images; and
//! a top collection nesting those.
//!
//! URLs (outside `{base}/iiif/{id}/…`, where any first segment could be a
//! record's identifier, so that no record and no collection name can ever
//! take another's address):
//! - `{base}/iiif-collections/top.json`: the top collection;
//! - `{base}/iiif-collections/{name}/collection.json`: one collection, its
//!   name percent-encoded as one path segment.
//!
//! Each holds at most [`PAGE`] entries; a longer list ends with a nested
//! collection for its next page (`…?page=2`), the way Presentation 3 pages
//! (it has no `next`/`first` paging).
//!
//! Invariants:
//! - Everything read goes through [`PublicReader`]: only records public now
//!   are listed, whoever asks (a draft's manifest is never listed, even for
//!   staff, so that the answer is the same for everyone and cacheable).
//! - A collection no public record belongs to is `None` (404), the same as
//!   a name that does not exist; so is a page past the end (page 1 of a
//!   collection without images is an empty collection).

use super::presentation::{self, CollectionPage, FirstPage};
use crate::archive::{ArchiveError, PublicReader};
use crate::model::page_images;
use serde_json::Value;

/// Most entries a collection page lists.
pub const PAGE: usize = 1000;

/// Records read from the publication log at a time.
const WALK: usize = 500;

/// Whether a collection name can be a path segment: `.` and `..` cannot
/// (clients resolve them, even percent-encoded).
fn addressable(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".."
}

/// A page of a collection: its number (from 1) and how many entries a page
/// holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page, from 1 (0 is no page).
    pub page: usize,
    /// Entries a page holds.
    pub size: usize,
}

impl Paging {
    /// Page `page` of [`PAGE`] entries.
    pub fn page(page: usize) -> Paging {
        Paging { page, size: PAGE }
    }

    /// How many entries come before this page; `None` for no page.
    fn skip(self) -> Option<usize> {
        match self.page > 0 && self.size > 0 {
            true => Some((self.page - 1).saturating_mul(self.size)),
            false => None,
        }
    }
}

/// A collection page, or `None` when there is no such page.
pub type Answer = Result<Option<Value>, ArchiveError>;

/// The collections of the public records, as served at `base`.
pub struct Collections<'a> {
    /// The public's reads (the only reads made).
    pub public: PublicReader<'a>,
    /// The site's public address, without a trailing slash.
    pub base: &'a str,
}

impl Collections<'_> {
    /// The top collection's page: the public records' collections, in byte
    /// order, each as a nested collection (labelled with `site_name`).
    /// `None` for a page past the end (page 1 always exists).
    pub async fn top(&self, site_name: &str, paging: Paging) -> Answer {
        let Some(start) = paging.skip() else {
            return Ok(None);
        };
        let names: Vec<String> = self
            .public
            .public_collections()
            .await?
            .into_iter()
            .filter(|n| addressable(n))
            .collect();
        if start >= names.len() && paging.page > 1 {
            return Ok(None);
        }
        let end = names.len().min(start.saturating_add(paging.size));
        let listed = names.get(start..end).unwrap_or_default();
        Ok(Some(presentation::top_collection(
            self.base,
            site_name,
            listed,
            CollectionPage {
                page: paging.page,
                more: end < names.len(),
            },
        )))
    }

    /// A page of collection `name`: the manifests of its public records
    /// with page images, in the order of the publication log (first
    /// published first). `None` when no public record belongs to `name`,
    /// or for a page past the end.
    pub async fn collection(&self, name: &str, paging: Paging) -> Answer {
        let (public, base) = (&self.public, self.base);
        let Some(skip) = paging.skip().filter(|_| addressable(name)) else {
            return Ok(None);
        };
        if !public.public_collections().await?.iter().any(|n| n == name) {
            return Ok(None);
        }
        let mut seen = 0usize;
        let mut listed = Vec::new();
        let mut more = false;
        let mut query = public.query(WALK);
        query.include_withdrawn = false;
        query.with_records = true;
        query.collections = Some(vec![name.to_string()]);
        'walk: loop {
            let entries = public.publications(&query).await?;
            let full = entries.len() == WALK;
            for entry in &entries {
                let Some(record) = entry.record.as_ref() else {
                    continue;
                };
                let Some((number, _, (width, height))) = page_images(&record.files).next() else {
                    continue;
                };
                seen += 1;
                if seen <= skip {
                    continue;
                }
                if listed.len() == paging.size {
                    more = true;
                    break 'walk;
                }
                listed.push(presentation::manifest_ref(
                    record,
                    base,
                    FirstPage {
                        number,
                        width,
                        height,
                    },
                ));
            }
            match entries.last() {
                Some(last) if full => query.after = Some((last.datestamp, last.id.clone())),
                _ => break,
            }
        }
        if listed.is_empty() && paging.page > 1 {
            return Ok(None);
        }
        let page = CollectionPage {
            page: paging.page,
            more,
        };
        Ok(Some(presentation::collection(base, name, listed, page)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Archive, Config, ImportOptions};
    use crate::model::{DigitalObject, Provenance, Record, Visibility};

    const BASE: &str = "https://archive.example.org";

    fn record(
        id: &str,
        collections: &[&str],
        pages: &[(u32, u32)],
        visibility: Visibility,
    ) -> Record {
        let mut r = Record::new(
            id.into(),
            format!("Letter {id}"),
            Provenance {
                format: "jsonl".into(),
                origin: "collection-test".into(),
                file: "c.jsonl".into(),
                line: None,
                sha256: String::new(),
                imported_at: "2026-01-01T00:00:00Z".into(),
                layout: None,
            },
        );
        r.collections = collections.iter().map(|c| c.to_string()).collect();
        r.visibility = visibility;
        // A PDF first: the thumbnail is the first *image*, page 2.
        if !pages.is_empty() {
            r.files.push(DigitalObject {
                sha256: "0".repeat(64),
                media_type: "application/pdf".into(),
                name: "letter.pdf".into(),
                bytes: 10,
                label: None,
                width: None,
                height: None,
            });
        }
        for (i, (w, h)) in pages.iter().enumerate() {
            r.files.push(DigitalObject {
                sha256: format!("{i:064}"),
                media_type: "image/jpeg".into(),
                name: format!("p{i}.jpg"),
                bytes: 10,
                label: None,
                width: Some(*w),
                height: Some(*h),
            });
        }
        r
    }

    /// Collection "Letters": five public records with images (`l1`–`l5`),
    /// one without (`plain`), a draft and an embargoed one with images;
    /// "Secret": only a draft's; "Other": one public record with an image.
    async fn archive() -> (tempfile::TempDir, Archive) {
        let embargo = Visibility::Embargoed {
            until: "2999-01-01".into(),
        };
        let mut records: Vec<Record> = (1..=5)
            .map(|n| {
                record(
                    &format!("l{n}"),
                    &["Letters"],
                    &[(1000, 800)],
                    Visibility::Published,
                )
            })
            .collect();
        records.push(record("plain", &["Letters"], &[], Visibility::Published));
        records.push(record(
            "draft",
            &["Letters", "Secret"],
            &[(10, 10)],
            Visibility::Draft,
        ));
        records.push(record("embargoed", &["Letters"], &[(10, 10)], embargo));
        records.push(record(
            "o1",
            &["Other"],
            &[(150, 100)],
            Visibility::Published,
        ));
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            database: None,
            files: None,
        };
        let archive = Archive::open(&config).await.unwrap();
        let options = ImportOptions::default();
        archive.apply_batch(&records, options).await.unwrap();
        (dir, archive)
    }

    /// A collection's page, read without failing.
    async fn listing(public: &PublicReader<'_>, name: &str, paging: Paging) -> Option<Value> {
        let collections = Collections {
            public: public.clone(),
            base: BASE,
        };
        collections.collection(name, paging).await.unwrap()
    }

    /// The top collection's page, read without failing.
    async fn top_page(public: &PublicReader<'_>, paging: Paging) -> Option<Value> {
        let collections = Collections {
            public: public.clone(),
            base: BASE,
        };
        collections.top("Test", paging).await.unwrap()
    }

    fn ids(c: &Value) -> Vec<String> {
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn manifest(id: &str) -> String {
        format!("{BASE}/iiif/{id}/manifest.json")
    }

    #[tokio::test]
    async fn a_collection_lists_its_public_records_with_images_a_page_at_a_time() {
        let (_dir, archive) = archive().await;
        let public = archive.public();
        let url = format!("{BASE}/iiif-collections/Letters/collection.json");
        let mut listed = Vec::new();
        for page in 1..=3 {
            let c = listing(&public, "Letters", Paging { page, size: 2 })
                .await
                .unwrap();
            let expected_id = match page {
                1 => url.clone(),
                n => format!("{url}?page={n}"),
            };
            assert_eq!(c["id"], expected_id);
            assert_eq!(c["type"], "Collection");
            let mut items = ids(&c);
            if page < 3 {
                // A full page ends with the next one, as a nested collection.
                let next = c["items"].as_array().unwrap().last().unwrap();
                assert_eq!(next["type"], "Collection");
                assert_eq!(items.pop().unwrap(), format!("{url}?page={}", page + 1));
            }
            listed.extend(items);
        }
        let expected: Vec<String> = (1..=5).map(|n| manifest(&format!("l{n}"))).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "each public record with images, once");
        assert!(
            listing(&public, "Letters", Paging { page: 4, size: 2 })
                .await
                .is_none(),
            "no page past the end"
        );
        // The whole list on one page: no next, and the thumbnail is the
        // first image (page 2, after the PDF).
        let c = listing(&public, "Letters", Paging::page(1)).await.unwrap();
        assert_eq!(ids(&c).len(), 5);
        let entry = &c["items"][0];
        assert_eq!(entry["type"], "Manifest");
        assert_eq!(entry["label"]["none"][0], "Letter l1");
        assert_eq!(
            entry["thumbnail"][0]["id"],
            format!("{BASE}/iiif/l1/2/full/!200,200/0/default.jpg")
        );
        assert_eq!(entry["thumbnail"][0]["width"], 200);
        assert_eq!(entry["thumbnail"][0]["height"], 160);
        // A small image's thumbnail is the image itself, never a request to
        // enlarge it.
        let other = listing(&public, "Other", Paging::page(1)).await.unwrap();
        assert_eq!(
            other["items"][0]["thumbnail"][0]["id"],
            format!("{BASE}/iiif/o1/2/full/max/0/default.jpg")
        );
    }

    #[tokio::test]
    async fn drafts_and_their_collections_are_nowhere() {
        let (_dir, archive) = archive().await;
        let public = archive.public();
        let c = listing(&public, "Letters", Paging::page(1)).await.unwrap();
        let listed = ids(&c);
        for hidden in ["draft", "embargoed", "plain"] {
            assert!(!listed.contains(&manifest(hidden)), "{hidden}: {listed:?}");
        }
        for missing in ["Secret", "Nothing", ".", ""] {
            assert!(
                listing(&public, missing, Paging::page(1)).await.is_none(),
                "{missing}"
            );
        }
        let whole = top_page(&public, Paging::page(1)).await.unwrap();
        assert_eq!(
            ids(&whole),
            [
                format!("{BASE}/iiif-collections/Letters/collection.json"),
                format!("{BASE}/iiif-collections/Other/collection.json"),
            ]
        );
        assert_eq!(whole["label"]["en"][0], "Test: collections");
        // Paged: one a page, then the next page nested.
        let first = top_page(&public, Paging { page: 1, size: 1 })
            .await
            .unwrap();
        assert_eq!(
            ids(&first)[1],
            format!("{BASE}/iiif-collections/top.json?page=2")
        );
        let second = top_page(&public, Paging { page: 2, size: 1 })
            .await
            .unwrap();
        assert_eq!(ids(&second).len(), 1);
        assert!(
            top_page(&public, Paging { page: 3, size: 1 })
                .await
                .is_none()
        );
        assert!(top_page(&public, Paging::page(0)).await.is_none());
    }
}
