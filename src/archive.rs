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
//!
//! Index ownership: only one process can hold a tantivy index's writer. The
//! process that holds it (a `fonds serve` following the change log, or a
//! command that found it free) indexes; any other process on the same data
//! folder writes the store only, leaves indexing to the owner
//! ([`Archive::index_owned_elsewhere`]), and searches what the owner last
//! committed.

use crate::import::{self, Format, ImportError};
use crate::model::Record;
use crate::search::names::NameAuthority;
use crate::search::{SearchError, SearchIndex, SearchRequest, SearchResults};
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{ApplyOptions, Outcome, RevisionInfo, Store, StoreError, StoredRecord};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where the archive keeps its data.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data folder: the node's search index, and the SQLite store unless
    /// `database` is given.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user:password@host/db`): the store is
    /// there, shared by every node. `None`: SQLite in the data folder.
    pub database: Option<String>,
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
#[derive(Debug, Clone, Copy, Default)]
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
    /// The last catch-up found the index's writer held by another process.
    index_elsewhere: Arc<AtomicBool>,
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

impl Archive {
    /// Opens the archive in its data folder, creating it if need be.
    pub async fn open(config: &Config) -> Result<Archive, ArchiveError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ArchiveError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let store: Arc<dyn Store> = match &config.database {
            Some(url) => Arc::new(PgStore::connect(url).await?),
            None => Arc::new(SqliteStore::open(&config.data_dir.join("fonds.sqlite3")).await?),
        };
        let mut authority = NameAuthority::shipped();
        let local = config.data_dir.join("persons.txt");
        if let Ok(text) = std::fs::read_to_string(&local) {
            authority.extend_from_text(&text);
        }
        let index_dir = config.data_dir.join("index");
        let index = SearchIndex::open(&index_dir, authority)?;
        let archive = Archive {
            store,
            index: Arc::new(index),
            index_dir,
            index_elsewhere: Arc::new(AtomicBool::new(false)),
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
    /// batch's own changes are indexed from the records in hand instead of
    /// being read back from the store (the same records: the store keeps
    /// them as given). A record changed again after the batch, by anyone, is
    /// still read from the store.
    async fn sync_index_after(
        &self,
        batch: Option<(&[Record], &crate::store::ApplyReport)>,
    ) -> Result<u64, ArchiveError> {
        // The batch's changes: one per record written, numbered
        // consecutively up to `last_change` (a `Store::apply` invariant).
        let (fresh, fresh_range) = match batch {
            Some((records, report)) => {
                let written: HashMap<&str, &Record> = records
                    .iter()
                    .zip(&report.outcomes)
                    .filter(|(_, o)| matches!(o, Outcome::Created | Outcome::Updated))
                    .map(|(r, _)| (r.id.as_str(), r))
                    .collect();
                let before = report.last_change.saturating_sub(written.len() as u64);
                (written, (before, report.last_change))
            }
            None => (HashMap::new(), (0, 0)),
        };
        let mut applied = self.index.applied_change()?;
        let mut total = 0;
        loop {
            let changes = self.store.changes_since(applied, 2_000).await?;
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
            // Each record's latest change in this page.
            let mut latest: HashMap<&str, u64> = HashMap::new();
            for c in &changes {
                latest.insert(c.record_id.as_str(), c.seq);
            }
            let mut in_hand: Vec<&Record> = Vec::new();
            let mut ids: Vec<&str> = Vec::new();
            for (id, seq) in &latest {
                match fresh.get(id) {
                    Some(record) if *seq > fresh_range.0 && *seq <= fresh_range.1 => {
                        in_hand.push(record)
                    }
                    _ => ids.push(id),
                }
            }
            ids.sort_unstable();
            let read: Vec<Record> = if ids.is_empty() {
                Vec::new()
            } else {
                self.store
                    .get_many(&ids)
                    .await?
                    .into_iter()
                    .map(|s| s.record)
                    .collect()
            };
            let found: std::collections::HashSet<&str> =
                read.iter().map(|r| r.id.as_str()).collect();
            let deleted: Vec<String> = ids
                .iter()
                .filter(|id| !found.contains(**id))
                .map(|id| id.to_string())
                .collect();
            self.index.stage(read.iter().chain(in_hand), &deleted)?;
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

    /// Searches the index.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, ArchiveError> {
        Ok(self.index.search(request)?)
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
        // What the batch is prepared against: changes after this point that
        // touch its records are conflicts, not silently overwritten.
        let mut options = options;
        if options.base_change.is_none() {
            options.base_change = Some(self.store.last_change().await?);
        }
        let discovery = import::discover(paths, options.format).map_err(ArchiveError::Rejected)?;
        let imported_at = crate::clock::now().to_string();
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
                    base_change: options.base_change,
                },
            )
            .await?;
        if std::env::var(FAULT_ENV).as_deref() == Ok("after-store-commit") {
            eprintln!("{FAULT_ENV}: aborting between the store commit and the index commit");
            std::process::abort();
        }
        self.sync_index_after(Some((records, &report))).await?;
        Ok(ImportReport {
            files: 0,
            records: records.len(),
            created: report.count(Outcome::Created),
            updated: report.count(Outcome::Updated),
            unchanged: report.count(Outcome::Unchanged),
            bytes: 0,
            skipped: Vec::new(),
            elapsed: started.elapsed(),
            indexed_elsewhere: report.count(Outcome::Unchanged) < records.len()
                && self.index_owned_elsewhere(),
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
        let newest_first: Vec<&str> = changes
            .iter()
            .rev()
            .map(|c| c.record_id.as_str())
            .filter(|id| seen.insert(*id))
            .collect();
        // A page of records per read (one round trip on PostgreSQL); more
        // only when some were not public.
        let mut out = Vec::new();
        for ids in newest_first.chunks(n.max(1)) {
            let mut found: HashMap<String, StoredRecord> = self
                .store
                .get_many(ids)
                .await?
                .into_iter()
                .map(|s| (s.record.id.clone(), s))
                .collect();
            out.extend(
                ids.iter()
                    .filter_map(|id| found.remove(*id))
                    .filter(|s| s.record.is_public(today)),
            );
            if out.len() >= n {
                out.truncate(n);
                break;
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

pub use accounts::{AccountError, SignedIn};

/// Accounts, sessions and API tokens: the rules of [`crate::accounts`]
/// applied to the store's [`crate::store::AccountStore`].
///
/// Invariants:
/// - Sign-in answers [`AccountError::SignInRefused`] alike for an unknown
///   account, a wrong password and a disabled account, after the same
///   work (one argon2id verification), and counts a failure for the name as
///   typed and for the address either way.
/// - An attempt the throttle makes wait is refused before any password is
///   checked, and is not counted.
/// - A password change or a disabled account closes the account's
///   sessions; a disabled account's API tokens find nothing until it is
///   enabled again.
/// - Nothing returned or reported here contains a password or a hash; a
///   token leaves only in [`SignedIn::token`] and from
///   [`Archive::create_token`], once.
mod accounts {
    use super::Archive;
    use crate::accounts::password::{self, Password, PasswordError};
    use crate::accounts::secret::{self, RandomError, Secret};
    use crate::accounts::throttle;
    use crate::accounts::user::{NameError, UserName};
    use crate::accounts::{Role, Viewer};
    use crate::clock::Timestamp;
    use crate::store::StoreError;
    use crate::store::accounts::{NewSession, NewToken, TokenInfo, TokenRef, User};
    use std::net::IpAddr;
    use std::time::Duration;

    /// The longest API token label, in characters.
    const MAX_LABEL: usize = 200;
    /// A session's last use is recorded at most this often (seconds).
    const TOUCH_EVERY: i64 = 60;

    /// Why an account operation was refused. Never contains a password, a
    /// hash or a token.
    #[derive(Debug, thiserror::Error)]
    pub enum AccountError {
        /// Not a valid account name.
        #[error(transparent)]
        Name(#[from] NameError),
        /// A new password breaks the rules.
        #[error(transparent)]
        Password(#[from] PasswordError),
        /// No account has this name.
        #[error("no account {0}")]
        UnknownUser(String),
        /// The name is taken.
        #[error("an account {0} already exists")]
        DuplicateUser(String),
        /// The account is disabled (for administrative actions; sign-in
        /// says [`AccountError::SignInRefused`]).
        #[error("account {0} is disabled")]
        Disabled(String),
        /// Sign-in failed: the one message for every reason.
        #[error("unknown user or wrong password")]
        SignInRefused,
        /// Too many recent failures: the attempt was not checked.
        #[error("too many failed sign-ins: try again in {} s", .retry_after.as_secs().max(1))]
        Throttled {
            /// How long to wait.
            retry_after: Duration,
        },
        /// No API token has this id, or the token given is not one.
        #[error("no API token {0}")]
        UnknownToken(String),
        /// Neither an API token nor a token id.
        #[error("not an API token (fonds_…) nor a token id (a number)")]
        BadTokenRef,
        /// A token label that cannot be kept.
        #[error("token label: {0}")]
        BadLabel(String),
        /// No random bytes for a token.
        #[error(transparent)]
        Random(#[from] RandomError),
        /// The store failed.
        #[error(transparent)]
        Store(#[from] StoreError),
    }

    /// An open session, as sign-in gives it.
    #[derive(Debug)]
    pub struct SignedIn {
        /// The session token, for the holder's cookie. Never log it.
        pub token: Secret,
        /// Who the session acts as.
        pub viewer: Viewer,
        /// When it ends.
        pub expires_at: Timestamp,
    }

    /// Runs a password hash or check off the async threads (argon2id takes
    /// tens of milliseconds of CPU).
    async fn hashing<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AccountError::Password(PasswordError::Hash(e.to_string())))
    }

    impl Archive {
        /// Creates an account.
        pub async fn add_user(
            &self,
            name: &str,
            role: Role,
            password: &Password,
        ) -> Result<User, AccountError> {
            let name = UserName::parse(name)?;
            let password = password.clone();
            let hash = hashing(move || password.hash()).await??;
            let user = User {
                name: name.to_string(),
                role,
                disabled: false,
                created_at: crate::clock::now(),
            };
            if !self.store.create_user(&user, &hash).await? {
                return Err(AccountError::DuplicateUser(user.name));
            }
            Ok(user)
        }

        /// Every account, by name (no password hashes).
        pub async fn users(&self) -> Result<Vec<User>, AccountError> {
            Ok(self.store.list_users().await?)
        }

        /// An account (no password hash).
        pub async fn user(&self, name: &str) -> Result<User, AccountError> {
            let name = UserName::parse(name)?;
            match self.store.find_user(name.as_str()).await? {
                Some(found) => Ok(found.user),
                None => Err(AccountError::UnknownUser(name.to_string())),
            }
        }

        /// Replaces an account's password and closes its sessions.
        pub async fn set_password(
            &self,
            name: &str,
            password: &Password,
        ) -> Result<(), AccountError> {
            let user = self.user(name).await?;
            let password = password.clone();
            let hash = hashing(move || password.hash()).await??;
            if !self.store.set_password(&user.name, &hash).await? {
                return Err(AccountError::UnknownUser(user.name));
            }
            self.store.delete_user_sessions(&user.name).await?;
            Ok(())
        }

        /// Disables an account (its sessions are closed, its API tokens stop
        /// working) or enables it again.
        pub async fn set_disabled(&self, name: &str, disabled: bool) -> Result<(), AccountError> {
            let user = self.user(name).await?;
            if !self.store.set_disabled(&user.name, disabled).await? {
                return Err(AccountError::UnknownUser(user.name));
            }
            if disabled {
                self.store.delete_user_sessions(&user.name).await?;
            }
            Ok(())
        }

        /// Changes an account's role (open sessions and tokens follow).
        pub async fn set_role(&self, name: &str, role: Role) -> Result<(), AccountError> {
            let user = self.user(name).await?;
            if !self.store.set_role(&user.name, role).await? {
                return Err(AccountError::UnknownUser(user.name));
            }
            Ok(())
        }

        /// Signs in at `now` from `from` (the request's address, if any):
        /// checks the throttle, then the password; opens a session. See the
        /// module invariants for what a refusal says and counts.
        pub async fn sign_in(
            &self,
            name: &str,
            password: &Password,
            from: Option<IpAddr>,
            now: Timestamp,
        ) -> Result<SignedIn, AccountError> {
            let account_key = throttle::account_key(name);
            let mut keys = vec![account_key.clone()];
            keys.extend(from.map(throttle::address_key));
            let mut counted = Vec::with_capacity(keys.len());
            for key in &keys {
                counted.push((key.as_str(), self.store.failures(key).await?));
            }
            if let Some(retry_after) = throttle::wait(&counted, now) {
                return Err(AccountError::Throttled { retry_after });
            }
            let found = match UserName::parse(name) {
                Ok(name) => self.store.find_user(name.as_str()).await?,
                Err(_) => None,
            };
            let attempt = password.clone();
            let (user, matched) = match found {
                Some(found) => {
                    let hash = found.password;
                    let matched = hashing(move || attempt.verify(&hash)).await?;
                    (Some(found.user), matched)
                }
                None => (
                    None,
                    hashing(move || password::verify_nothing(&attempt)).await?,
                ),
            };
            let user = match user {
                Some(user) if matched && !user.disabled => user,
                _ => {
                    for key in &keys {
                        self.store
                            .record_failure(key, now, throttle::stale_before(now))
                            .await?;
                    }
                    return Err(AccountError::SignInRefused);
                }
            };
            self.store.clear_failures(&account_key).await?;
            // Housekeeping: what has ended is of no use to anyone.
            self.store.delete_expired_sessions(now).await?;
            self.store
                .forget_failures(throttle::stale_before(now))
                .await?;
            let token = Secret::new_session()?;
            let expires_at = now.plus_seconds(secret::SESSION_LIFETIME_SECS);
            self.store
                .create_session(&NewSession {
                    token: token.hash(),
                    user: user.name.clone(),
                    created_at: now,
                    expires_at,
                })
                .await?;
            Ok(SignedIn {
                token,
                viewer: Viewer::Staff {
                    name: user.name,
                    role: user.role,
                },
                expires_at,
            })
        }

        /// Who a session token (a cookie's value) acts as at `now`:
        /// anonymous unless it opens a current session of an enabled
        /// account.
        pub async fn session_viewer(
            &self,
            token: &str,
            now: Timestamp,
        ) -> Result<Viewer, AccountError> {
            let Some(token) = Secret::parse_session(token) else {
                return Ok(Viewer::Anonymous);
            };
            let hash = token.hash();
            let Some(session) = self.store.find_session(&hash, now).await? else {
                return Ok(Viewer::Anonymous);
            };
            if now.unix() - session.last_seen.unix() >= TOUCH_EVERY {
                self.store.touch_session(&hash, now).await?;
            }
            Ok(Viewer::Staff {
                name: session.user,
                role: session.role,
            })
        }

        /// Closes the session a token opens (nothing when it opens none).
        pub async fn sign_out(&self, token: &str) -> Result<(), AccountError> {
            if let Some(token) = Secret::parse_session(token) {
                self.store.delete_session(&token.hash()).await?;
            }
            Ok(())
        }

        /// Creates an API token for an enabled account; the token is in the
        /// returned [`Secret`], the only time it is ever shown.
        pub async fn create_token(
            &self,
            user: &str,
            label: &str,
        ) -> Result<(TokenInfo, Secret), AccountError> {
            let user = self.user(user).await?;
            if user.disabled {
                return Err(AccountError::Disabled(user.name));
            }
            let label = label.trim();
            if label.chars().count() > MAX_LABEL {
                return Err(AccountError::BadLabel(format!(
                    "longer than {MAX_LABEL} characters"
                )));
            }
            if label.chars().any(char::is_control) {
                return Err(AccountError::BadLabel(
                    "control characters (tabs, line breaks) are not allowed".into(),
                ));
            }
            let token = Secret::new_api_token()?;
            let created_at = crate::clock::now();
            let id = self
                .store
                .create_token(&NewToken {
                    token: token.hash(),
                    user: user.name.clone(),
                    label: label.to_string(),
                    created_at,
                })
                .await?;
            let info = TokenInfo {
                id,
                user: user.name,
                label: label.to_string(),
                created_at,
                revoked_at: None,
            };
            Ok((info, token))
        }

        /// An account's API tokens, oldest first (never the tokens).
        pub async fn tokens(&self, user: &str) -> Result<Vec<TokenInfo>, AccountError> {
            let user = self.user(user).await?;
            Ok(self.store.list_tokens(&user.name).await?)
        }

        /// Revokes an API token given as itself or by its id.
        pub async fn revoke_token(&self, token_or_id: &str) -> Result<TokenInfo, AccountError> {
            let text = token_or_id.trim();
            let (which, shown) = if let Some(token) = Secret::parse_api_token(text) {
                (
                    TokenRef::Token(token.hash()),
                    "(the token given)".to_string(),
                )
            } else if let Ok(id) = text.parse::<u64>() {
                (TokenRef::Id(id), id.to_string())
            } else {
                return Err(AccountError::BadTokenRef);
            };
            self.store
                .revoke_token(which, crate::clock::now())
                .await?
                .ok_or(AccountError::UnknownToken(shown))
        }

        /// Who an API token (a bearer token) acts as: anonymous unless it
        /// is a token not revoked of an enabled account.
        pub async fn token_viewer(&self, token: &str) -> Result<Viewer, AccountError> {
            let Some(token) = Secret::parse_api_token(token.trim()) else {
                return Ok(Viewer::Anonymous);
            };
            Ok(match self.store.find_token(&token.hash()).await? {
                Some(owner) => Viewer::Staff {
                    name: owner.user,
                    role: owner.role,
                },
                None => Viewer::Anonymous,
            })
        }
    }
}
