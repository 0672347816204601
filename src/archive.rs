//! The archive service: the one write path, and the reads every front end
//! (command line, web, other nodes) shares.
//!
//! An import goes: find files ([`import::discover`]) → parse every file
//! ([`import::parse_file`], collecting every error) → check the batch as a
//! whole (one identifier, one source) → apply it to the store in one
//! transaction ([`Store::apply`]). Any error before the last step means
//! nothing is written; the store's transaction covers the last step.
//!
//! Invariant: nothing else in the crate writes records to a store, and
//! nothing else reads records from one except through the read gate
//! ([`Archive::reader`], [`Archive::public`]; `archive/gate.rs`): the store is
//! not handed out.
//!
//! Index ownership: only one process can hold a tantivy index's writer. The
//! process that holds it (a `fonds serve` following the change log, or a
//! command that found it free) indexes; any other process on the same data
//! folder writes the store only, leaves indexing to the owner
//! ([`Archive::index_owned_elsewhere`]), and searches what the owner last
//! committed.

use crate::import::{self, Format, ImportError};
use crate::model::Record;
use crate::model::collections::{CollectionDescriptions, CollectionsError};
use crate::objects::{FilesLocation, Objects};
use crate::search::names::NameAuthority;
use crate::search::{SearchError, SearchIndex};
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{ApplyOptions, Author, Change, Outcome, Store, StoreError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod accounts;
mod backup;
mod check;
mod edit;
mod gate;
mod ingest;
mod objects;
pub use accounts::{AccountError, SignedIn};
pub use backup::{
    BACKUP_FORMAT, BackupError, BackupReport, FileCopy, MANIFEST, Manifest, RestoreReport,
    StoredCopy,
};
pub use check::{Area, CheckReport, Problem};
pub use edit::{DESK, Saved, desk_provenance, is_tombstone, stale_revision};
pub use gate::{Neighbours, PublicReader, Reader};
pub use objects::{Page, Upload};

/// Where the archive keeps its data.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data folder: the node's search index, and the SQLite store unless
    /// `database` is given.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user:password@host/db`): the store is
    /// there, shared by every node. `None`: SQLite in the data folder.
    pub database: Option<String>,
    /// Where the files of records (scans, PDFs) and their derivatives are
    /// kept (see [`crate::objects::FilesLocation`]): `s3://bucket/prefix`,
    /// shared by every node, or a folder (`file:///path` or a path). `None`:
    /// the data folder's `files/`.
    pub files: Option<String>,
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
    /// A read was asked of a data folder that holds no archive (no SQLite
    /// store in it, or no folder at all); nothing was made there.
    #[error("no archive at {}", .0.display())]
    NoArchive(PathBuf),
    /// No record has this identifier.
    #[error("no record {0}")]
    NotFound(String),
    /// The viewer's role does not allow the write.
    #[error("this needs an account with the {needed} role")]
    Forbidden {
        /// The lowest role that may.
        needed: crate::accounts::Role,
    },
    /// A file could not be stored or read.
    #[error(transparent)]
    Object(#[from] crate::objects::ObjectError),
    /// The search index failed, or a query was refused.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// A backup or a restore was refused or failed.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The archive's collection descriptions (`DATA/collections.txt`) were
    /// refused: the file, the line and what is wrong.
    #[error("{}: {source}", path.display())]
    Collections {
        /// The file.
        path: PathBuf,
        /// The line and what is wrong.
        #[source]
        source: CollectionsError,
    },
    /// Another process holds the search index's writer.
    #[error(
        "the search index in {0} is being written by another fonds process (such as \
         `fonds serve`); stop it first"
    )]
    IndexInUse(PathBuf),
}

fn list(errors: &[ImportError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<Format>,
    /// Let records move from one source to another (see [`ApplyOptions`]).
    pub replace: bool,
    /// The change-log position the batch was prepared against: records that
    /// another writer changed after it are conflicts (see
    /// [`ApplyOptions::base_change`]). [`Archive::import`] fills it in itself
    /// before reading any file; `None` with [`Archive::apply_batch`] checks
    /// nothing.
    pub base_change: Option<u64>,
    /// See [`ApplyOptions::expect_revision`].
    pub expect_revision: Option<u32>,
    /// Who writes the batch (see [`Author`]); an import's command.
    pub author: Author,
    /// Replace records staff edited since their import (see
    /// [`ApplyOptions::overwrite_edits`]).
    pub overwrite_edits: bool,
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
    /// The batch is stored but another process owns the search index and
    /// indexes it (see [`Archive::index_owned_elsewhere`]).
    pub indexed_elsewhere: bool,
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
    index_dir: PathBuf,
    /// The files of records (scans, PDFs) and their derivatives.
    objects: Objects,
    /// The last catch-up found the index's writer held by another process.
    index_elsewhere: Arc<AtomicBool>,
    /// The SQLite store's file (`None` on PostgreSQL).
    sqlite_file: Option<PathBuf>,
    /// What the archive says about its collections (`DATA/collections.txt`).
    collections: Arc<CollectionDescriptions>,
}

/// A running follower (see [`Archive::follow`]); dropping it stops it.
pub struct Follower {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Environment variable naming a fault to inject, for crash tests:
/// `after-store-commit` aborts an import between the store's commit and the
/// index's (the next start must still serve the records).
pub const FAULT_ENV: &str = "FONDS_FAULT";

/// How many change-log entries the index catch-up reads at a time: the
/// records of one page are in memory at once (500 long articles are some
/// 10 MB).
const SYNC_PAGE: usize = 500;

/// The SQLite store's file in the data folder: an archive on SQLite exists
/// where this file does.
const SQLITE_FILE: &str = "fonds.sqlite3";
/// The archive's collection descriptions in its data folder
/// ([`crate::model::collections`]).
pub const COLLECTIONS_FILE: &str = "collections.txt";

impl Archive {
    /// Opens an archive that exists, making nothing: on SQLite, a data folder
    /// without its store (or no folder) is [`ArchiveError::NoArchive`], and
    /// no folder or file is created. On PostgreSQL the store is the
    /// database and the data folder only this node's index, which a new node
    /// makes as [`Archive::open`] does.
    pub async fn open_existing(config: &Config) -> Result<Archive, ArchiveError> {
        Archive::open_in(config, false).await
    }

    /// Opens the archive in its data folder, creating it if need be.
    pub async fn open(config: &Config) -> Result<Archive, ArchiveError> {
        Archive::open_in(config, true).await
    }

    /// [`Archive::open`] (`create`) or [`Archive::open_existing`]. Where the
    /// files go is checked first, so that a location that cannot be used is
    /// refused before anything is made (a bucket's client makes no request
    /// when built; a folder is made with the rest).
    async fn open_in(config: &Config, create: bool) -> Result<Archive, ArchiveError> {
        let files = FilesLocation::parse(config.files.as_deref(), &config.data_dir.join("files"))?;
        let bucket = match files {
            FilesLocation::S3 { .. } => Some(Objects::open(&files)?),
            FilesLocation::Folder(_) => None,
        };
        if !create && config.database.is_none() {
            let store = config.data_dir.join(SQLITE_FILE);
            let exists = store.try_exists().map_err(|source| ArchiveError::DataDir {
                path: config.data_dir.clone(),
                source,
            })?;
            if !exists {
                return Err(ArchiveError::NoArchive(config.data_dir.clone()));
            }
        }
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ArchiveError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let store: Arc<dyn Store> = match &config.database {
            Some(url) => Arc::new(PgStore::connect(url).await?),
            None => Arc::new(SqliteStore::open(&config.data_dir.join(SQLITE_FILE)).await?),
        };
        // The archive's own list is read now; the authority is made from it
        // and the shipped lists when first needed (`SearchIndex::open_with`).
        let local = std::fs::read_to_string(config.data_dir.join("persons.txt")).ok();
        let collections = Arc::new(read_collections(&config.data_dir)?);
        let index_dir = config.data_dir.join("index");
        let index = SearchIndex::open_with(&index_dir, move || {
            let mut authority = NameAuthority::shipped();
            if let Some(text) = local {
                authority.extend_from_text(&text);
            }
            authority
        })?;
        let objects = match bucket {
            Some(objects) => objects,
            None => Objects::open(&files)?,
        };
        let archive = Archive {
            store,
            index: Arc::new(index),
            index_dir,
            objects,
            index_elsewhere: Arc::new(AtomicBool::new(false)),
            sqlite_file: config
                .database
                .is_none()
                .then(|| config.data_dir.join(SQLITE_FILE)),
            collections,
        };
        archive.sync_index().await?;
        Ok(archive)
    }

    /// Brings the search index up to the store: replays the change log from
    /// the last change the index applied. Returns how many changes it applied.
    /// When another process holds the index's writer it applies nothing and
    /// leaves the work to that process ([`Archive::index_owned_elsewhere`]).
    pub async fn sync_index(&self) -> Result<u64, ArchiveError> {
        self.sync_index_after(None).await
    }

    /// [`Archive::sync_index`] right after this process wrote `batch`: the
    /// batch's own changes are indexed from the records in hand when it has
    /// them (the same records: the store keeps them as given), and read
    /// from the store otherwise. A record the batch created is added
    /// without the deletion a replaced one costs. A record changed again
    /// after the batch, by anyone, is read from the store.
    async fn sync_index_after(&self, batch: Option<Batch<'_>>) -> Result<u64, ArchiveError> {
        // The batch's changes: one per record written, numbered
        // consecutively up to `last_change` (a `Store::apply` invariant).
        let (fresh, fresh_range) = match batch {
            Some(batch) => {
                let written: HashMap<&str, (Option<&Record>, Outcome)> = batch
                    .ids
                    .iter()
                    .zip(&batch.report.outcomes)
                    .enumerate()
                    .filter(|(_, (_, o))| matches!(o, Outcome::Created | Outcome::Updated))
                    .map(|(i, (id, o))| (*id, (batch.records.map(|r| &r[i]), *o)))
                    .collect();
                let last = batch.report.last_change;
                let before = last.saturating_sub(written.len() as u64);
                (written, (before, last))
            }
            None => (HashMap::new(), (0, 0)),
        };
        let mut applied = self.index.applied_change()?;
        let mut total = 0;
        loop {
            let changes = self.store.changes_since(applied, SYNC_PAGE).await?;
            if total == 0 && !changes.is_empty() {
                let elsewhere = !self.index.try_writer()?;
                self.index_elsewhere.store(elsewhere, Ordering::Relaxed);
                if elsewhere {
                    return Ok(0);
                }
            }
            let Some(last) = changes.last() else {
                // One commit for the whole catch-up: one segment, not one per page.
                if total > 0 {
                    self.index.commit(applied)?;
                }
                return Ok(total);
            };
            let last_seq = last.seq;
            // Each record's latest change in this page, with its revision,
            // and how many changes of it the page holds.
            let mut latest: HashMap<&str, (u64, u32, usize)> = HashMap::new();
            for c in &changes {
                let entry = latest.entry(c.record_id.as_str()).or_insert((0, 0, 0));
                *entry = (c.seq, c.revision, entry.2 + 1);
            }
            // Records this batch created, changed once in the page: the
            // index holds no document of them (a deletion of the id before
            // this page has been staged already), so nothing is replaced.
            let mut created: Vec<(&Record, u32)> = Vec::new();
            let mut in_hand: Vec<(&Record, u32)> = Vec::new();
            // Read from the store: records not in hand, and among them those
            // the batch created (added like `created`).
            let mut ids: Vec<&str> = Vec::new();
            let mut created_ids: std::collections::HashSet<&str> = Default::default();
            for (id, (seq, revision, count)) in &latest {
                match fresh.get(id) {
                    Some(&(record, outcome)) if *seq > fresh_range.0 && *seq <= fresh_range.1 => {
                        let new = outcome == Outcome::Created && *count == 1;
                        match record {
                            Some(record) if new => created.push((record, *revision)),
                            Some(record) => in_hand.push((record, *revision)),
                            None => {
                                ids.push(id);
                                if new {
                                    created_ids.insert(id);
                                }
                            }
                        }
                    }
                    _ => ids.push(id),
                }
            }
            ids.sort_unstable();
            let read = if ids.is_empty() {
                Vec::new()
            } else {
                self.store.get_many(&ids).await?
            };
            let found: std::collections::HashSet<&str> =
                read.iter().map(|s| s.record.id.as_str()).collect();
            let deleted: Vec<String> = ids
                .iter()
                .filter(|id| !found.contains(**id))
                .map(|id| id.to_string())
                .collect();
            let (read_created, read): (Vec<_>, Vec<_>) = read
                .iter()
                .map(|s| (&s.record, s.revision))
                .partition(|(r, _)| created_ids.contains(r.id.as_str()));
            created.extend(read_created);
            self.index
                .stage(read.into_iter().chain(in_hand), &deleted)?;
            self.index.stage_new(created)?;
            total += changes.len() as u64;
            applied = last_seq;
        }
    }

    /// Whether the last catch-up found the search index's writer held by
    /// another process (a `fonds serve` on the same data folder): records
    /// written here are then indexed by that process, not this one.
    pub fn index_owned_elsewhere(&self) -> bool {
        self.index_elsewhere.load(Ordering::Relaxed)
    }

    /// The last store change the search index has applied.
    pub fn applied_change(&self) -> Result<u64, ArchiveError> {
        Ok(self.index.applied_change()?)
    }

    /// Keeps the search index current with the store's change log, for as
    /// long as the returned [`Follower`] lives: takes the index's writer
    /// (retrying while another process holds it), then catches up whenever
    /// the store signals a change (PostgreSQL's NOTIFY) or `interval` passes.
    /// A catch-up that finds nothing new costs one change-log query. Errors
    /// (the database gone, say) go to `on_error` and the loop goes on.
    /// Call it from within a tokio runtime.
    pub fn follow(
        &self,
        interval: Duration,
        on_error: impl Fn(&ArchiveError) + Send + Sync + 'static,
    ) -> Follower {
        let archive = self.clone();
        // Take the writer now if it is free, so that a command started right
        // after this call finds the index owned.
        if let Err(e) = self.index.try_writer() {
            on_error(&e.into());
        }
        let task = tokio::spawn(async move {
            // Subscribe before the first catch-up, so no signal falls between.
            if let Err(e) = archive.store.wait_for_change(Duration::ZERO).await {
                on_error(&e.into());
            }
            loop {
                let owned = archive.index.try_writer();
                if let Err(e) = owned {
                    on_error(&e.into());
                } else if let Err(e) = archive.sync_index().await {
                    on_error(&e);
                }
                if let Err(e) = archive.store.wait_for_change(interval).await {
                    on_error(&e.into());
                    tokio::time::sleep(interval).await;
                }
            }
        });
        Follower { task }
    }

    /// Rebuilds the search index from the store, as one segment.
    pub async fn reindex(&self) -> Result<u64, ArchiveError> {
        if !self.index.try_writer()? {
            return Err(ArchiveError::IndexInUse(self.index_dir.clone()));
        }
        let last = self.store.last_change().await?;
        // A rebuild is a bulk load: the writer's largest budget.
        self.index.size_writer_for(u64::MAX)?;
        self.index.clear()?;
        let mut after: Option<String> = None;
        let mut count = 0;
        loop {
            let page = self.store.list(after.as_deref(), 2_000).await?;
            let Some(tail) = page.last() else {
                break;
            };
            after = Some(tail.record.id.clone());
            count += page.len() as u64;
            // Just cleared: nothing to replace.
            self.index
                .stage_new(page.iter().map(|s| (&s.record, s.revision)))?;
        }
        self.index.commit(last)?;
        // Changes that arrived while rebuilding.
        self.sync_index().await?;
        self.index.optimize()?;
        Ok(count)
    }

    /// Merges the search index into one segment, the fastest to search
    /// (see [`SearchIndex::optimize`]); refused while another process holds
    /// the index's writer.
    pub async fn optimize(&self) -> Result<(), ArchiveError> {
        if !self.index.try_writer()? {
            return Err(ArchiveError::IndexInUse(self.index_dir.clone()));
        }
        Ok(self.index.optimize()?)
    }

    /// Waits for the index merges under way when the index is in many
    /// segments (a command's last step after it wrote; see
    /// [`SearchIndex::finish_merges_if_scattered`]).
    pub fn settle_index(&self) -> Result<(), ArchiveError> {
        Ok(self.index.finish_merges_if_scattered()?)
    }

    /// Makes the name authority on a thread of its own, so that the first
    /// search a server answers does not wait for it.
    pub fn prepare_names_in_background(&self) {
        let index = self.index.clone();
        std::thread::spawn(move || index.prepare_names());
    }

    /// The search index, for its statistics.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Closes the store (see [`Store::close`]) once the work in hand is
    /// done. The archive serves nothing after it.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Imports files and folders as one batch: all or nothing. The files
    /// are parsed on a thread of their own and written a part at a time in
    /// the store's one transaction (`archive::ingest`), then the index is
    /// brought up to the store, reading the batch back a page at a time: a
    /// batch is never whole in memory.
    pub async fn import(
        &self,
        paths: &[PathBuf],
        options: ImportOptions,
        progress: &dyn Progress,
    ) -> Result<ImportReport, ArchiveError> {
        let started = Instant::now();
        // What the batch is prepared against: changes after this point that
        // touch its records are conflicts, not silently overwritten.
        let mut options = options;
        if options.base_change.is_none() {
            options.base_change = Some(self.store.last_change().await?);
        }
        let discovery = import::discover(paths, options.format).map_err(ArchiveError::Rejected)?;
        let imported_at = crate::clock::now().to_string();
        let total = discovery.files.len();
        let files = discovery.files.into_iter().zip(discovery.names).collect();
        let mut parts = ingest::ImportParts::start(self, files, imported_at, progress);
        let written = self.store.apply_parts(&mut parts, options.into()).await;
        let applied = match written {
            Ok(applied) => applied,
            Err(StoreError::Abandoned) => {
                return Err(match parts.failure {
                    Some(failure) => failure,
                    None => ArchiveError::Rejected(parts.errors),
                });
            }
            Err(e) => return Err(e.into()),
        };
        fault_after_store_commit();
        self.index.size_writer_for(parts.bytes)?;
        let ids: Vec<&str> = parts.ids.iter().map(String::as_str).collect();
        let batch = Batch {
            ids: &ids,
            records: None,
            report: &applied,
        };
        self.sync_index_after(Some(batch)).await?;
        Ok(ImportReport {
            files: total,
            bytes: parts.bytes,
            skipped: discovery.skipped,
            ..self.batch_report(&applied, parts.records, started)
        })
    }

    /// Applies records already parsed (by an importer, a form, a harvester)
    /// as one batch: checks that no identifier is claimed twice, writes the
    /// store in one transaction, then brings the index up to it, staging
    /// the batch's records from memory.
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
        let applied = self.store.apply(records, options.into()).await?;
        fault_after_store_commit();
        let texts: usize = records.iter().map(Record::text_bytes).sum();
        self.index.size_writer_for(texts as u64)?;
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let batch = Batch {
            ids: &ids,
            records: Some(records),
            report: &applied,
        };
        self.sync_index_after(Some(batch)).await?;
        Ok(self.batch_report(&applied, records.len(), started))
    }

    /// The report of a batch of `records` records the store applied and the
    /// index caught up with, started at `started` (no files read).
    fn batch_report(
        &self,
        applied: &crate::store::ApplyReport,
        records: usize,
        started: Instant,
    ) -> ImportReport {
        let unchanged = applied.count(Outcome::Unchanged);
        ImportReport {
            files: 0,
            records,
            created: applied.count(Outcome::Created),
            updated: applied.count(Outcome::Updated),
            unchanged,
            bytes: 0,
            skipped: Vec::new(),
            elapsed: started.elapsed(),
            indexed_elsewhere: unchanged < records && self.index_owned_elsewhere(),
        }
    }

    /// The data folder (this node's own: its index, and what a server keeps
    /// beside it, such as the public dump's file).
    pub fn data_dir(&self) -> &Path {
        self.index_dir.parent().unwrap_or(&self.index_dir)
    }

    /// The SQLite store's file, for its size (`None` on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref()
    }

    /// The newest change-log position: what a batch (an import, an editing
    /// form) is prepared against ([`ImportOptions::base_change`]).
    pub async fn last_change(&self) -> Result<u64, ArchiveError> {
        Ok(self.store.last_change().await?)
    }

    /// Change-log entries after `seq`, in order, at most `limit`: which
    /// records changed, not what they hold (for tooling and tests; the web
    /// reads records through [`Archive::reader`]).
    pub async fn change_log(&self, seq: u64, limit: usize) -> Result<Vec<Change>, ArchiveError> {
        Ok(self.store.changes_since(seq, limit).await?)
    }
}

impl From<ImportOptions> for ApplyOptions {
    fn from(options: ImportOptions) -> ApplyOptions {
        ApplyOptions {
            allow_origin_change: options.replace,
            base_change: options.base_change,
            expect_revision: options.expect_revision,
            author: options.author,
            overwrite_edits: options.overwrite_edits,
        }
    }
}

/// The fault [`FAULT_ENV`] `after-store-commit`: aborts the process right
/// after a batch's store commit, before the index's.
fn fault_after_store_commit() {
    if std::env::var(FAULT_ENV).as_deref() == Ok("after-store-commit") {
        eprintln!("{FAULT_ENV}: aborting between the store commit and the index commit");
        std::process::abort();
    }
}

/// A batch this process has just written, for the index's catch-up.
struct Batch<'a> {
    /// The records' identifiers, in the order the store was given them.
    ids: &'a [&'a str],
    /// The records themselves, when still in hand.
    records: Option<&'a [Record]>,
    /// What the store did with each.
    report: &'a crate::store::ApplyReport,
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

/// The collection descriptions in `DATA/collections.txt` (none when there
/// is no such file); a file that cannot be read or is malformed is an error.
fn read_collections(data_dir: &Path) -> Result<CollectionDescriptions, ArchiveError> {
    let path = data_dir.join(COLLECTIONS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(source) => return Err(ArchiveError::DataDir { path, source }),
    };
    CollectionDescriptions::parse(&text)
        .map_err(|source| ArchiveError::Collections { path, source })
}

/// One identifier claimed twice in a batch is an error at each later claim.
fn duplicate_claims(records: &[Record]) -> Vec<ImportError> {
    let mut first: HashMap<&str, &Record> = HashMap::new();
    let mut errors = Vec::new();
    for record in records {
        if let Some(earlier) = first.get(record.id.as_str()) {
            let p = &earlier.provenance;
            errors.push(claimed_twice(record, &p.file, p.line));
        } else {
            first.insert(&record.id, record);
        }
    }
    errors
}

/// The error of `record` claiming an identifier a record of `file` (at
/// `line`) claimed earlier in the same batch.
fn claimed_twice(record: &Record, file: &str, line: Option<u64>) -> ImportError {
    let p = &record.provenance;
    let at = line.map(|l| format!(":{l}")).unwrap_or_default();
    let mut e = ImportError::file(
        Path::new(&p.file),
        format!("identifier already claimed in this batch by {file}{at}"),
    )
    .in_record(record.id.clone())
    .in_field("identifier");
    e.line = p.line;
    e
}
