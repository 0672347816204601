//! The read gate: the one way the web, OAI-PMH, the sitemap, feeds and dumps
//! read records, and the way the command line does too.
//!
//! [`Archive::reader`] gives a [`Reader`] for a [`Viewer`]: its reads (one
//! record, a page, a search, the recently changed, a count, a history, a
//! record's neighbours in its collection) hold only what that viewer may
//! see. [`Archive::public`] gives a
//! [`PublicReader`], always anonymous, with the publication-log reads of
//! OAI-PMH, the sitemap and the public dump.
//!
//! Invariants:
//! - A record the viewer may not see is [`ArchiveError::NotFound`], the very
//!   error (and message) of a record that does not exist.
//! - Anyone sees a record when [`Record::is_public`] holds today; staff (any
//!   role, [`Viewer::sees_unpublished`]) see every record.
//! - Visibility is judged here, at the instant the reader was made
//!   ([`crate::clock::now`]), never by callers: a search runs with the
//!   reader's visibility and day whatever its request says, and a
//!   publication-log query at the reader's instant whatever its `now` says.
//! - Lists, counts, searches (hits, totals, facet counts) and recent lists
//!   hold nothing the viewer may not see; a page is short only at the end.
//! - Nothing here writes.

use super::{Archive, ArchiveError, ArchiveErrorOrIo};
use crate::accounts::Viewer;
use crate::clock::{self, Timestamp};
use crate::model::Record;
use crate::search::{Likeness, RelatedScope, SearchRequest, SearchResults};
use crate::store::{
    ImportBatch, Publication, PublicationQuery, RevisionInfo, StoreError, StoredRecord,
};
use std::collections::{HashMap, HashSet};

/// Records read from the store at a time by a walk over every record.
const WALK_PAGE: usize = 500;

impl Archive {
    /// The reads `viewer` may make, judged at this instant.
    pub fn reader(&self, viewer: &Viewer) -> Reader<'_> {
        let now = clock::now();
        Reader {
            archive: self,
            unpublished: viewer.sees_unpublished(),
            now,
        }
    }

    /// The public's reads, whoever asks: what OAI-PMH, the sitemap, feeds
    /// and the public dump serve.
    pub fn public(&self) -> PublicReader<'_> {
        PublicReader {
            reader: self.reader(&Viewer::Anonymous),
        }
    }
}

/// Reads on behalf of one viewer (see the module's invariants).
#[derive(Clone)]
pub struct Reader<'a> {
    archive: &'a Archive,
    unpublished: bool,
    now: Timestamp,
}

impl<'a> Reader<'a> {
    /// The archive read (for the gate's other files).
    pub(super) fn archive(&self) -> &'a Archive {
        self.archive
    }
}

impl Reader<'_> {
    /// Whether this reader sees drafts and records under embargo.
    pub fn sees_unpublished(&self) -> bool {
        self.unpublished
    }

    /// The instant visibility is judged at.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The one rule: may this viewer see this record (or revision)?
    fn visible(&self, record: &Record) -> bool {
        self.unpublished || record.is_public_on(self.now.day())
    }

    /// The current revision of a record; `NotFound` when there is none or
    /// the viewer may not see it.
    pub async fn get(&self, id: &str) -> Result<StoredRecord, ArchiveError> {
        match self.archive.store.get(id).await? {
            Some(stored) if self.visible(&stored.record) => Ok(stored),
            _ => Err(ArchiveError::NotFound(id.to_string())),
        }
    }

    /// The current revisions of `ids` that the viewer may see, in the order
    /// of `ids` (one read; the others are left out, as if missing).
    pub async fn get_many(&self, ids: &[&str]) -> Result<Vec<StoredRecord>, ArchiveError> {
        let mut found: HashMap<String, StoredRecord> = self
            .archive
            .store
            .get_many(ids)
            .await?
            .into_iter()
            .filter(|s| self.visible(&s.record))
            .map(|s| (s.record.id.clone(), s))
            .collect();
        Ok(ids.iter().filter_map(|id| found.remove(*id)).collect())
    }

    /// A record withdrawn after it was public, whoever asks: its page
    /// answers 410 with its citation. `None` for anything else.
    pub async fn tombstone(&self, id: &str) -> Result<Option<StoredRecord>, ArchiveError> {
        Ok(self
            .archive
            .store
            .get(id)
            .await?
            .filter(super::edit::is_tombstone))
    }

    /// The latest import batches, newest first (staff only: empty for
    /// anyone else).
    pub async fn import_batches(&self, limit: usize) -> Result<Vec<ImportBatch>, ArchiveError> {
        if !self.unpublished {
            return Ok(Vec::new());
        }
        Ok(self.archive.store.import_batches(limit).await?)
    }

    /// The records an import batch wrote (staff only: empty for anyone
    /// else).
    pub async fn batch_records(
        &self,
        at: Timestamp,
        command: Option<&str>,
    ) -> Result<Vec<String>, ArchiveError> {
        if !self.unpublished {
            return Ok(Vec::new());
        }
        Ok(self.archive.store.batch_records(at, command).await?)
    }

    /// The records not public now (drafts, running embargoes, withdrawn),
    /// most recently written first, at most `limit`: the desk's work list.
    /// Empty for a viewer who does not see unpublished records.
    pub async fn unpublished(&self, limit: usize) -> Result<Vec<StoredRecord>, ArchiveError> {
        if !self.unpublished {
            return Ok(Vec::new());
        }
        Ok(self.archive.store.unpublished(self.now, limit).await?)
    }

    /// A given revision of a record: for anyone, only of a record they may
    /// see, and only a revision that is itself public.
    pub async fn revision(&self, id: &str, revision: u32) -> Result<Record, ArchiveError> {
        let missing = || ArchiveError::NotFound(format!("{id} revision {revision}"));
        if !self.unpublished {
            match self.get(id).await {
                Err(ArchiveError::NotFound(_)) => return Err(missing()),
                other => other?,
            };
        }
        match self.archive.store.revision(id, revision).await? {
            Some(record) if self.visible(&record) => Ok(record),
            _ => Err(missing()),
        }
    }

    /// The revisions of a record the viewer may see, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<RevisionInfo>, ArchiveError> {
        if !self.unpublished {
            self.get(id).await?;
        }
        let history = self.archive.store.history(id).await?;
        if history.is_empty() {
            return Err(ArchiveError::NotFound(id.to_string()));
        }
        Ok(history)
    }

    /// The records the viewer may see, in identifier order, after `after`:
    /// `limit` of them, fewer only when there are no more.
    pub async fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, ArchiveError> {
        let mut out = Vec::new();
        let mut after = after.map(str::to_string);
        while out.len() < limit {
            let page = self.archive.store.list(after.as_deref(), limit).await?;
            let full = page.len() == limit;
            for stored in page {
                after = Some(stored.record.id.clone());
                if self.visible(&stored.record) && out.len() < limit {
                    out.push(stored);
                }
            }
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// Calls `each` for every record the viewer may see, in identifier
    /// order, a page at a time; or for the named ones, in the order named
    /// (one the viewer may not see is `NotFound`).
    pub async fn for_each_record(
        &self,
        ids: &[String],
        mut each: impl FnMut(&Record) -> std::io::Result<()>,
    ) -> Result<(), ArchiveErrorOrIo> {
        if !ids.is_empty() {
            for id in ids {
                each(&self.get(id).await?.record)?;
            }
            return Ok(());
        }
        let mut after: Option<String> = None;
        loop {
            let page = self.list(after.as_deref(), WALK_PAGE).await?;
            for stored in &page {
                each(&stored.record)?;
            }
            match page.last() {
                Some(last) if page.len() == WALK_PAGE => after = Some(last.record.id.clone()),
                _ => return Ok(()),
            }
        }
    }

    /// The records the viewer may see just before and just after `record`
    /// in its first collection's reading order (edition number, else date,
    /// then identifier; see [`Store::collection_neighbours`]): what the
    /// viewer may not see is skipped, as if it were not there. Reads a few
    /// identifiers at a time, never the whole collection.
    ///
    /// [`Store::collection_neighbours`]: crate::store::Store::collection_neighbours
    pub async fn neighbours(&self, record: &Record) -> Result<Neighbours, ArchiveError> {
        let Some(collection) = record.collections.first() else {
            return Ok(Neighbours::default());
        };
        Ok(Neighbours {
            previous: self.nearest(collection, &record.id, false).await?,
            next: self.nearest(collection, &record.id, true).await?,
        })
    }

    /// The nearest record the viewer may see on one side of `id`.
    async fn nearest(
        &self,
        collection: &str,
        id: &str,
        forward: bool,
    ) -> Result<Option<StoredRecord>, ArchiveError> {
        const STEP: usize = 8;
        let store = &self.archive.store;
        let mut from = id.to_string();
        loop {
            let ids = store
                .collection_neighbours(collection, &from, forward, STEP)
                .await?;
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            if let Some(found) = self.get_many(&refs).await?.into_iter().next() {
                return Ok(Some(found));
            }
            match ids.last() {
                Some(last) if ids.len() == STEP => from = last.clone(),
                _ => return Ok(None),
            }
        }
    }

    /// Searches what the viewer may see: the request's own `public_only`
    /// and `today` are replaced by the reader's.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, ArchiveError> {
        let mut request = request.clone();
        request.public_only = !self.unpublished;
        request.today = self.now.day().to_string();
        Ok(self.archive.index.search(&request)?)
    }

    /// What the archive says about collection `name` (its paragraphs), if
    /// it describes it. Descriptions are public: they name no record.
    pub fn collection_description(&self, name: &str) -> Option<&[String]> {
        self.archive.collections.get(name)
    }

    /// The label of the person an agent names, which the person facets
    /// and `/people/{key}` use ([`crate::search::entities::person_label`]).
    pub fn person_label(&self, agent: &crate::model::Agent) -> String {
        self.archive.index.person_label(agent)
    }

    /// A record's facet values, as the index holds them
    /// ([`crate::search::facet_values`]).
    pub fn facet_values(&self, record: &Record) -> Vec<(crate::search::Facet, String)> {
        self.archive.index.facet_values(record)
    }

    /// Every form the name authority knows of a name, preferred form first.
    pub fn name_forms(&self, name: &str) -> Vec<String> {
        self.archive.index.name_forms(name)
    }

    /// The Wikidata item the name authority gives a person's name.
    pub fn wikidata_item(&self, name: &str) -> Option<String> {
        self.archive.index.wikidata_item(name)
    }

    /// The preferred form of the person a Wikidata item identifies.
    pub fn person_of_item(&self, item: &str) -> Option<String> {
        self.archive.index.person_of_item(item)
    }

    /// Up to `limit` records the viewer may see that are like record `id`
    /// in the way `like` says, best first: by their words
    /// ([`crate::search::SearchIndex::similar`]) or by the people, places
    /// and subjects they share ([`crate::search::SearchIndex::sharing`]).
    /// With `years`, only records dated within them.
    pub fn like(
        &self,
        id: &str,
        like: Likeness<'_>,
        limit: usize,
        years: Option<(i64, i64)>,
    ) -> Result<Vec<(String, f32)>, ArchiveError> {
        let scope = self.related_scope(limit, years);
        let index = &self.archive.index;
        Ok(match like {
            Likeness::Words => index.similar(id, &scope)?,
            Likeness::Names(values) => index.sharing(id, values, &scope)?,
        })
    }

    /// What a search for related records may return to this viewer.
    fn related_scope(&self, limit: usize, years: Option<(i64, i64)>) -> RelatedScope {
        RelatedScope {
            public_only: !self.unpublished,
            today: self.now.day().to_string(),
            limit,
            years,
        }
    }

    /// The records the viewer may see that changed most recently, newest
    /// first, at most `n` (read from the tail of the change log).
    pub async fn recent(&self, n: usize) -> Result<Vec<StoredRecord>, ArchiveError> {
        let store = &self.archive.store;
        let last = store.last_change().await?;
        let window = (n as u64).saturating_mul(4).max(50);
        let changes = store
            .changes_since(last.saturating_sub(window), window as usize)
            .await?;
        let mut seen = HashSet::new();
        let newest_first: Vec<&str> = changes
            .iter()
            .rev()
            .map(|c| c.record_id.as_str())
            .filter(|id| seen.insert(*id))
            .collect();
        // A page of records per read (one round trip on PostgreSQL); more
        // only when some were not visible.
        let mut out = Vec::new();
        for ids in newest_first.chunks(n.max(1)) {
            out.extend(self.get_many(ids).await?);
            if out.len() >= n {
                out.truncate(n);
                break;
            }
        }
        Ok(out)
    }

    /// How many records the viewer may see: every record for staff, the
    /// public ones (the publication log at this instant) for anyone.
    pub async fn count(&self) -> Result<u64, ArchiveError> {
        if self.unpublished {
            return Ok(self.archive.store.count().await?);
        }
        let mut query = PublicationQuery::at(self.now, 0);
        query.include_withdrawn = false;
        query.with_records = false;
        Ok(self.archive.store.count_publications(&query).await?)
    }
}

/// A record's neighbours in its collection, as a viewer may see them.
#[derive(Debug, Clone, Default)]
pub struct Neighbours {
    /// The one before it.
    pub previous: Option<StoredRecord>,
    /// The one after it.
    pub next: Option<StoredRecord>,
}

/// The public's reads (anonymous, whoever asks): the publication log that
/// OAI-PMH, the sitemap and feeds follow, and the public dump's walk. The
/// log can fail only in the store, hence [`StoreError`].
#[derive(Clone)]
pub struct PublicReader<'a> {
    reader: Reader<'a>,
}

impl PublicReader<'_> {
    /// The instant the public's view is judged at (a response's date).
    pub fn now(&self) -> Timestamp {
        self.reader.now
    }

    /// A query of the whole publication log at [`PublicReader::now`], a page
    /// of `limit`; narrow it by its fields.
    pub fn query(&self, limit: usize) -> PublicationQuery {
        PublicationQuery::at(self.reader.now, limit)
    }

    /// `query` judged at this reader's instant, whatever its `now` says.
    fn judged_now(&self, query: &PublicationQuery) -> PublicationQuery {
        let mut query = query.clone();
        query.now = self.reader.now;
        query
    }

    /// A page of the publication log (see [`crate::store::Store::publications`]).
    pub async fn publications(
        &self,
        query: &PublicationQuery,
    ) -> Result<Vec<Publication>, StoreError> {
        let query = self.judged_now(query);
        self.reader.archive.store.publications(&query).await
    }

    /// How many entries [`PublicReader::publications`] lists for `query`.
    pub async fn count_publications(&self, query: &PublicationQuery) -> Result<u64, StoreError> {
        let query = self.judged_now(query);
        self.reader.archive.store.count_publications(&query).await
    }

    /// The log's smallest datestamp, `None` when it is empty.
    pub async fn earliest_publication(&self) -> Result<Option<Timestamp>, StoreError> {
        let store = &self.reader.archive.store;
        store.earliest_publication(self.reader.now).await
    }

    /// The distinct collections of the public records, in byte order.
    pub async fn public_collections(&self) -> Result<Vec<String>, StoreError> {
        let store = &self.reader.archive.store;
        store.public_collections(self.reader.now).await
    }

    /// The collections a harvest may be restricted to, in byte order: the
    /// public records', and the last public ones of the withdrawn records
    /// (see [`crate::store::Store::harvest_collections`]).
    pub async fn harvest_collections(&self) -> Result<Vec<String>, StoreError> {
        let store = &self.reader.archive.store;
        store.harvest_collections(self.reader.now).await
    }

    /// Calls `each` for every public record, in identifier order (the
    /// public dump's walk).
    pub async fn for_each_record(
        &self,
        each: impl FnMut(&Record) -> std::io::Result<()>,
    ) -> Result<(), ArchiveErrorOrIo> {
        self.reader.for_each_record(&[], each).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;
    use crate::archive::{Config, ImportOptions};
    use crate::model::{Provenance, Visibility};

    fn record(id: &str, visibility: Visibility) -> Record {
        let mut r = Record::new(
            id.into(),
            format!("Letter {id} about Cuba"),
            Provenance {
                format: "jsonl".into(),
                origin: "gate-test".into(),
                file: "gate.jsonl".into(),
                line: None,
                sha256: String::new(),
                imported_at: "2026-01-01T00:00:00Z".into(),
                layout: None,
            },
        );
        r.collections = vec![format!("Collection {id}")];
        r.visibility = visibility;
        r
    }

    /// An archive holding `pub-1`, `pub-2` (published), `draft` and
    /// `embargoed` (until 2999), written twice so that each has a history,
    /// in a temporary folder.
    async fn archive() -> (tempfile::TempDir, Archive) {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(&Config {
            data_dir: dir.path().to_path_buf(),
            database: None,
            files: None,
        })
        .await
        .unwrap();
        let embargo = Visibility::Embargoed {
            until: "2999-01-01".into(),
        };
        let mut records = vec![
            record("pub-1", Visibility::Published),
            record("draft", Visibility::Draft),
            record("embargoed", embargo),
            record("pub-2", Visibility::Published),
        ];
        archive
            .apply_batch(&records, ImportOptions::default())
            .await
            .unwrap();
        for r in &mut records {
            r.summary = Some("A second revision.".into());
        }
        archive
            .apply_batch(&records, ImportOptions::default())
            .await
            .unwrap();
        (dir, archive)
    }

    const HIDDEN: [&str; 2] = ["draft", "embargoed"];

    fn staff() -> Viewer {
        Viewer::staff("ana", Role::Viewer)
    }

    #[tokio::test]
    async fn get_revision_and_history_hide_what_anyone_may_not_see() {
        let (_dir, archive) = archive().await;
        let (anyone, staff_reader) = (archive.reader(&Viewer::Anonymous), archive.reader(&staff()));
        for id in HIDDEN {
            let err = anyone.get(id).await.unwrap_err();
            let missing = anyone.get("no-such-record").await.unwrap_err();
            assert!(matches!(err, ArchiveError::NotFound(_)), "{err}");
            assert_eq!(
                err.to_string().replace(id, "X"),
                missing.to_string().replace("no-such-record", "X"),
                "hidden reads exactly like missing"
            );
            assert!(matches!(
                anyone.history(id).await,
                Err(ArchiveError::NotFound(_))
            ));
            assert!(matches!(
                anyone.revision(id, 1).await,
                Err(ArchiveError::NotFound(_))
            ));
            assert_eq!(staff_reader.get(id).await.unwrap().revision, 2);
            assert_eq!(staff_reader.history(id).await.unwrap().len(), 2);
            assert_eq!(staff_reader.revision(id, 1).await.unwrap().id, id);
        }
        assert_eq!(anyone.get("pub-1").await.unwrap().record.id, "pub-1");
        assert_eq!(anyone.history("pub-1").await.unwrap().len(), 2);
        assert!(anyone.revision("pub-1", 1).await.is_ok());
        assert!(matches!(
            staff_reader.get("no-such-record").await,
            Err(ArchiveError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn lists_walks_and_counts_hold_only_what_the_viewer_may_see() {
        let (_dir, archive) = archive().await;
        let (anyone, staff_reader) = (archive.reader(&Viewer::Anonymous), archive.reader(&staff()));
        let ids = |page: Vec<StoredRecord>| -> Vec<String> {
            page.into_iter().map(|s| s.record.id).collect()
        };
        assert_eq!(
            ids(anyone.list(None, 10).await.unwrap()),
            ["pub-1", "pub-2"]
        );
        // A page of one skips the hidden records in between, and is short
        // only at the end.
        assert_eq!(ids(anyone.list(None, 1).await.unwrap()), ["pub-1"]);
        assert_eq!(ids(anyone.list(Some("pub-1"), 1).await.unwrap()), ["pub-2"]);
        assert!(anyone.list(Some("pub-2"), 1).await.unwrap().is_empty());
        assert_eq!(
            ids(staff_reader.list(None, 10).await.unwrap()),
            ["draft", "embargoed", "pub-1", "pub-2"]
        );
        assert_eq!(anyone.count().await.unwrap(), 2);
        assert_eq!(staff_reader.count().await.unwrap(), 4);

        let mut walked = Vec::new();
        anyone
            .for_each_record(&[], |r| {
                walked.push(r.id.clone());
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(walked, ["pub-1", "pub-2"]);
        let named = anyone.for_each_record(&["draft".into()], |_| Ok(())).await;
        assert!(matches!(
            named,
            Err(ArchiveErrorOrIo::Archive(ArchiveError::NotFound(_)))
        ));
        let mut walked = 0;
        staff_reader
            .for_each_record(&[], |_| {
                walked += 1;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(walked, 4);

        let recent = |page: Vec<StoredRecord>| -> HashSet<String> {
            page.into_iter().map(|s| s.record.id).collect()
        };
        assert_eq!(
            recent(anyone.recent(10).await.unwrap()),
            HashSet::from(["pub-1".into(), "pub-2".into()])
        );
        assert_eq!(staff_reader.recent(10).await.unwrap().len(), 4);
        assert_eq!(anyone.recent(1).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn searches_count_and_facet_only_what_the_viewer_may_see() {
        let (_dir, archive) = archive().await;
        for (viewer, total) in [(Viewer::Anonymous, 2), (staff(), 4)] {
            let reader = archive.reader(&viewer);
            for query in ["*", "Cuba"] {
                let mut request = SearchRequest::new(query, 10);
                // The caller's say is overruled by the gate, both ways.
                request.public_only = viewer.sees_unpublished();
                let results = reader.search(&request).unwrap();
                assert_eq!(results.total, total, "{viewer:?} {query}");
                assert_eq!(results.hits.len(), total);
                let hidden_hits = results
                    .hits
                    .iter()
                    .filter(|h| HIDDEN.contains(&h.id.as_str()))
                    .count();
                assert_eq!(hidden_hits, total - 2);
                let collections = &results.facets["collection"];
                assert_eq!(collections.len(), total, "{collections:?}");
                assert_eq!(
                    collections.iter().any(|c| c.value == "Collection draft"),
                    viewer.sees_unpublished()
                );
            }
        }
    }

    #[tokio::test]
    async fn the_public_reader_is_the_publication_log_and_the_public_walk() {
        let (_dir, archive) = archive().await;
        let public = archive.public();
        let mut query = public.query(10);
        query.include_withdrawn = false;
        // A caller's instant is not the one the log is judged at.
        query.now = Timestamp::parse("3000-01-01T00:00:00Z").unwrap();
        let listed: Vec<String> = public
            .publications(&query)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(listed, ["pub-1", "pub-2"]);
        assert_eq!(public.count_publications(&query).await.unwrap(), 2);
        assert_eq!(
            public.public_collections().await.unwrap(),
            ["Collection pub-1", "Collection pub-2"]
        );
        let earliest = public.earliest_publication().await.unwrap().unwrap();
        assert!(earliest <= public.now());
        let mut walked = Vec::new();
        public
            .for_each_record(|r| {
                walked.push(r.id.clone());
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(walked, ["pub-1", "pub-2"]);
    }
}
