//! The archive service: the one write path, and the reads every front end
//! (command line, web, other nodes) shares.
//!
//! An import goes: find files ([`import::discover`]) → parse every file
//! ([`import::parse_file`], collecting every error) → check the batch as a
//! whole (one identifier, one source) → apply it to the store in one
//! transaction ([`Store::apply`]). Any error before the last step means
//! nothing is written; the store's transaction covers the last step.
//!
//! Invariant: nothing else in the crate writes records to a store.

use crate::import::{self, Format, ImportError};
use crate::model::Record;
use crate::search::names::NameAuthority;
use crate::search::{SearchError, SearchIndex, SearchRequest, SearchResults};
use crate::store::sqlite::SqliteStore;
use crate::store::{ApplyOptions, Outcome, RevisionInfo, Store, StoreError, StoredRecord};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the archive keeps its data.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data folder (SQLite store, search index).
    pub data_dir: PathBuf,
}

/// Archive failures.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The batch was refused; nothing was written. Every problem is listed.
    #[error("import refused, nothing was written:\n{}", list(.0))]
    Rejected(Vec<ImportError>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data folder could not be prepared.
    #[error("data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// No record has this identifier.
    #[error("no record {0}")]
    NotFound(String),
    /// The search index failed, or a query was refused.
    #[error(transparent)]
    Search(#[from] SearchError),
}

fn list(errors: &[ImportError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<Format>,
    /// Let records move from one source to another (see [`ApplyOptions`]).
    pub replace: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Files read.
    pub files: usize,
    /// Records in the batch.
    pub records: usize,
    /// New records.
    pub created: usize,
    /// Records with a new revision.
    pub updated: usize,
    /// Records whose content was already stored.
    pub unchanged: usize,
    /// Bytes of text read.
    pub bytes: u64,
    /// Files in named folders that were not imported, and why.
    pub skipped: Vec<(PathBuf, String)>,
    /// Time taken.
    pub elapsed: Duration,
}

/// Progress of an import, for a progress bar at the edge.
pub trait Progress: Sync {
    /// `done` of `total` files parsed, `records` so far.
    fn files(&self, done: usize, total: usize, records: usize);
}

impl Progress for () {
    fn files(&self, _: usize, _: usize, _: usize) {}
}

/// The archive: a store and its search index behind one service.
#[derive(Clone)]
pub struct Archive {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
}

/// Environment variable naming a fault to inject, for crash tests:
/// `after-store-commit` aborts an import between the store's commit and the
/// index's (the next start must still serve the records).
pub const FAULT_ENV: &str = "FONDS_FAULT";

/// The current time, RFC 3339 UTC to the second.
pub fn now_rfc3339() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(format)
        .expect("the format is valid")
}

impl Archive {
    /// Opens the archive in its data folder, creating it if need be.
    pub async fn open(config: &Config) -> Result<Archive, ArchiveError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ArchiveError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let store = SqliteStore::open(&config.data_dir.join("fonds.sqlite3")).await?;
        let mut authority = NameAuthority::shipped();
        let local = config.data_dir.join("persons.txt");
        if let Ok(text) = std::fs::read_to_string(&local) {
            authority.extend_from_text(&text);
        }
        let index = SearchIndex::open(&config.data_dir.join("index"), authority)?;
        let archive = Archive {
            store: Arc::new(store),
            index: Arc::new(index),
        };
        archive.sync_index().await?;
        Ok(archive)
    }

    /// Brings the search index up to the store: replays the change log from
    /// the last change the index applied. Returns how many changes it applied.
    pub async fn sync_index(&self) -> Result<u64, ArchiveError> {
        let mut applied = self.index.applied_change()?;
        let mut total = 0;
        loop {
            let changes = self.store.changes_since(applied, 2_000).await?;
            let Some(last) = changes.last() else {
                // One commit for the whole catch-up: one segment, not one per page.
                if total > 0 {
                    self.index.commit(applied)?;
                }
                return Ok(total);
            };
            let last_seq = last.seq;
            let mut ids: Vec<&str> = changes.iter().map(|c| c.record_id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut records = Vec::with_capacity(ids.len());
            let mut deleted = Vec::new();
            for id in ids {
                match self.store.get(id).await? {
                    Some(stored) => records.push(stored.record),
                    None => deleted.push(id.to_string()),
                }
            }
            self.index.stage(&records, &deleted)?;
            total += changes.len() as u64;
            applied = last_seq;
        }
    }

    /// Rebuilds the search index from the store.
    pub async fn reindex(&self) -> Result<u64, ArchiveError> {
        let last = self.store.last_change().await?;
        self.index.clear()?;
        let mut after: Option<String> = None;
        let mut count = 0;
        loop {
            let page = self.store.list(after.as_deref(), 2_000).await?;
            let Some(tail) = page.last() else {
                break;
            };
            after = Some(tail.record.id.clone());
            let records: Vec<Record> = page.into_iter().map(|s| s.record).collect();
            count += records.len() as u64;
            self.index.stage(&records, &[])?;
        }
        self.index.commit(last)?;
        // Changes that arrived while rebuilding.
        self.sync_index().await?;
        Ok(count)
    }

    /// Searches the index.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, ArchiveError> {
        Ok(self.index.search(request)?)
    }

    /// The search index, for its statistics.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// The store, for reads the service does not wrap.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Imports files and folders as one batch: all or nothing.
    pub async fn import(
        &self,
        paths: &[PathBuf],
        options: ImportOptions,
        progress: &dyn Progress,
    ) -> Result<ImportReport, ArchiveError> {
        let started = Instant::now();
        let discovery = import::discover(paths, options.format).map_err(ArchiveError::Rejected)?;
        let imported_at = now_rfc3339();
        let mut records = Vec::new();
        let mut errors = Vec::new();
        let mut bytes = 0;
        let total = discovery.files.len();
        for (i, file) in discovery.files.iter().enumerate() {
            match import::parse_file(file, &imported_at) {
                Ok(parsed) => {
                    bytes += parsed.bytes;
                    records.extend(parsed.records);
                }
                Err(mut e) => errors.append(&mut e),
            }
            progress.files(i + 1, total, records.len());
        }
        if !errors.is_empty() {
            return Err(ArchiveError::Rejected(errors));
        }
        let mut report = self.apply_batch(&records, options).await?;
        report.files = total;
        report.bytes = bytes;
        report.skipped = discovery.skipped;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Applies records already parsed (by an importer, a form, a harvester)
    /// as one batch: checks that no identifier is claimed twice, writes the
    /// store in one transaction, then brings the index up to it.
    pub async fn apply_batch(
        &self,
        records: &[Record],
        options: ImportOptions,
    ) -> Result<ImportReport, ArchiveError> {
        let started = Instant::now();
        let errors = duplicate_claims(records);
        if !errors.is_empty() {
            return Err(ArchiveError::Rejected(errors));
        }
        let report = self
            .store
            .apply(
                records,
                ApplyOptions {
                    allow_origin_change: options.replace,
                },
            )
            .await?;
        if std::env::var(FAULT_ENV).as_deref() == Ok("after-store-commit") {
            eprintln!("{FAULT_ENV}: aborting between the store commit and the index commit");
            std::process::abort();
        }
        self.sync_index().await?;
        Ok(ImportReport {
            files: 0,
            records: records.len(),
            created: report.count(Outcome::Created),
            updated: report.count(Outcome::Updated),
            unchanged: report.count(Outcome::Unchanged),
            bytes: 0,
            skipped: Vec::new(),
            elapsed: started.elapsed(),
        })
    }

    /// The current revision of a record.
    pub async fn get(&self, id: &str) -> Result<StoredRecord, ArchiveError> {
        self.store
            .get(id)
            .await?
            .ok_or_else(|| ArchiveError::NotFound(id.to_string()))
    }

    /// A given revision of a record.
    pub async fn revision(&self, id: &str, revision: u32) -> Result<Record, ArchiveError> {
        self.store
            .revision(id, revision)
            .await?
            .ok_or_else(|| ArchiveError::NotFound(format!("{id} revision {revision}")))
    }

    /// The revisions of a record, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<RevisionInfo>, ArchiveError> {
        let history = self.store.history(id).await?;
        if history.is_empty() {
            return Err(ArchiveError::NotFound(id.to_string()));
        }
        Ok(history)
    }

    /// Calls `each` for every record in identifier order (or for the named
    /// ones, in the order named), a page at a time.
    pub async fn for_each_record(
        &self,
        ids: &[String],
        mut each: impl FnMut(&Record) -> std::io::Result<()>,
    ) -> Result<(), ArchiveErrorOrIo> {
        if !ids.is_empty() {
            for id in ids {
                let stored = self.get(id).await?;
                each(&stored.record)?;
            }
            return Ok(());
        }
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list(after.as_deref(), 500)
                .await
                .map_err(ArchiveError::from)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.record.id.clone());
            for stored in &page {
                each(&stored.record)?;
            }
        }
    }

    /// The public records changed most recently, newest first, at most `n`
    /// (read from the tail of the change log).
    pub async fn recent(&self, n: usize, today: &str) -> Result<Vec<StoredRecord>, ArchiveError> {
        let last = self.store.last_change().await?;
        let window = (n as u64).saturating_mul(4).max(50);
        let changes = self
            .store
            .changes_since(last.saturating_sub(window), window as usize)
            .await?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for change in changes.iter().rev() {
            if out.len() == n {
                break;
            }
            if !seen.insert(change.record_id.as_str()) {
                continue;
            }
            if let Some(stored) = self.store.get(&change.record_id).await?
                && stored.record.is_public(today)
            {
                out.push(stored);
            }
        }
        Ok(out)
    }

    /// How many records there are.
    pub async fn count(&self) -> Result<u64, ArchiveError> {
        Ok(self.store.count().await?)
    }
}

/// An archive error or an I/O error of the caller's sink.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveErrorOrIo {
    /// From the archive.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// From writing.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// One identifier claimed twice in a batch is an error at each later claim.
fn duplicate_claims(records: &[Record]) -> Vec<ImportError> {
    let mut first: HashMap<&str, &Record> = HashMap::new();
    let mut errors = Vec::new();
    for record in records {
        if let Some(earlier) = first.get(record.id.as_str()) {
            let p = &record.provenance;
            let mut e = ImportError::file(
                Path::new(&p.file),
                format!(
                    "identifier already claimed in this batch by {}{}",
                    earlier.provenance.file,
                    earlier
                        .provenance
                        .line
                        .map(|l| format!(":{l}"))
                        .unwrap_or_default()
                ),
            )
            .in_record(record.id.clone())
            .in_field("identifier");
            e.line = p.line;
            errors.push(e);
        } else {
            first.insert(&record.id, record);
        }
    }
    errors
}
