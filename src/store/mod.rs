//! Storage: the [`Store`] trait and its implementations.
//!
//! A store keeps the current revision of every record, every earlier
//! revision, and an ordered change log. The change log is what a search
//! index (and, on PostgreSQL, every node) follows to stay current.
//!
//! Invariants (every implementation):
//! - [`Store::apply`] is atomic: all records of a batch are written, with
//!   their revisions and change-log entries, or none is.
//! - Applying a record whose content equals the stored one writes nothing
//!   (idempotent import); a changed record gets the next revision and the
//!   previous one stays retrievable.
//! - A record may not change origin (the source that claims its identifier)
//!   unless the caller says so: two sources claiming one identifier is an
//!   error, reported and not written.
//! - Records are listed in byte order of their identifiers, the same on
//!   every backend, so that dumps are reproducible.
//! - The on-disk schema carries a version; a store refuses to open a schema
//!   newer than it knows and upgrades older ones step by step.
//! - Writers are serialised, and change-log sequence numbers are given out
//!   under that serialisation: the log's order is the order in which batches
//!   committed, so a follower that has read up to change N never later finds a
//!   committed change below N it has not seen.
//! - A batch prepared against change-log position B ([`ApplyOptions::base_change`])
//!   is refused whole if it would change a record that another writer changed
//!   after B ([`StoreError::Conflict`]): concurrent edits are never silently
//!   overwritten.
//! - Times cross this interface typed ([`Timestamp`]); a stored instant that
//!   does not parse is [`StoreError::Corrupt`].
//!
//! Layout: the rules of a batch live once in `plan` (pure, tested without a
//! database); the reads, row decoding and the batch's skeleton once in `sql`
//! (generic over sqlx's database); the publication log's SQL once in
//! `publication`. `sqlite` and `postgres` hold only their connection, schema
//! migrations, write lock and how they write a plan.

pub mod accounts;
mod plan;
pub mod postgres;
mod publication;
mod sql;
pub mod sqlite;

pub use accounts::AccountStore;

use crate::clock::Timestamp;
use crate::model::Record;
use async_trait::async_trait;
use std::path::Path;
use std::time::Duration;

/// A record as stored, with its revision.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The record.
    pub record: Record,
    /// 1 for the first import, +1 for every change.
    pub revision: u32,
    /// When this revision was written.
    pub updated_at: Timestamp,
    /// Whether an earlier revision was public while it was current (a
    /// record not public now that was once is withdrawn, for the public).
    pub was_public: bool,
    /// The account that made the current revision; `None` for an import's.
    pub edited_by: Option<String>,
}

/// One earlier or current revision of a record, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionInfo {
    /// Revision number.
    pub revision: u32,
    /// When it was written.
    pub recorded_at: Timestamp,
    /// The file it came from.
    pub file: String,
    /// Who wrote it (an account, or an import with its command).
    pub author: Author,
}

/// Who wrote a batch, and why: recorded with every revision the batch
/// writes. An account's batch (the desk, the API, a revert) marks its
/// records as edited; an import's does not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Author {
    /// The account that made the change; `None` for an import.
    pub account: Option<String>,
    /// The command that imported the batch (`fonds import wilson/`), for an
    /// import run from the command line.
    pub command: Option<String>,
    /// A short note on the change (may be empty).
    pub note: String,
}

impl Author {
    /// A change made by `account`.
    pub fn account(account: impl Into<String>, note: impl Into<String>) -> Author {
        Author {
            account: Some(account.into()),
            command: None,
            note: note.into(),
        }
    }

    /// An import by `command`.
    pub fn import(command: impl Into<String>) -> Author {
        Author {
            account: None,
            command: Some(command.into()),
            note: String::new(),
        }
    }
}

/// One entry of the audit log: an act that leaves no revision behind (a
/// purge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// The account that did it.
    pub account: String,
    /// What was done (`purge`).
    pub action: String,
    /// The record it was done to.
    pub record_id: String,
    /// Why, as the account said.
    pub reason: String,
}

/// One import as the store remembers it: the revisions it wrote, known by
/// their instant and the command that wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBatch {
    /// When it was written (every revision of the batch has this instant).
    pub at: Timestamp,
    /// The command that ran it, where known.
    pub command: Option<String>,
    /// How many revisions it wrote.
    pub records: u64,
}

/// What applying a batch did to each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new record.
    Created,
    /// A new revision of an existing record.
    Updated,
    /// Same content as stored: nothing written.
    Unchanged,
}

/// Options for [`Store::apply`].
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Let a record move to another origin (a deliberate replacement).
    pub allow_origin_change: bool,
    /// The change-log position the batch was prepared against (read before
    /// its files were parsed, or when an editing form was loaded). A record
    /// of the batch that another writer changed after this position, and
    /// whose stored content differs from the batch's, is a conflict: the
    /// batch is refused whole. `None` checks nothing (last writer wins).
    pub base_change: Option<u64>,
    /// Every record of the batch must be at this revision when the batch is
    /// written (0: must not exist yet), else [`StoreError::Stale`]: what an
    /// editing form or `If-Match` opened. `None` checks nothing.
    pub expect_revision: Option<u32>,
    /// Who writes the batch; recorded with each revision.
    pub author: Author,
    /// For an import (no [`Author::account`]): replace records whose current
    /// revision an account made. Without it such a record with other
    /// content is [`StoreError::Edited`] and the batch is refused whole.
    pub overwrite_edits: bool,
}

/// A record an import would overwrite although its current revision was
/// made by an account (in the desk, through the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedRecord {
    /// The record.
    pub id: String,
    /// Its current revision.
    pub revision: u32,
    /// The account that made it.
    pub account: String,
}

/// A record a batch would overwrite although another writer changed it
/// after the batch was prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The record.
    pub id: String,
    /// Its stored revision, written by the other writer.
    pub revision: u32,
    /// The change-log entry that wrote it.
    pub seq: u64,
}

/// The result of applying a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Per record, in batch order.
    pub outcomes: Vec<Outcome>,
    /// The change-log sequence number after the batch. The batch's own
    /// changes are the numbers just before it and including it, one per
    /// record created or updated, in a row (every backend keeps this).
    pub last_change: u64,
}

impl ApplyReport {
    /// How many records had this outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.outcomes.iter().filter(|o| **o == outcome).count()
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the log (strictly increasing).
    pub seq: u64,
    /// The record changed.
    pub record_id: String,
    /// Its revision after the change.
    pub revision: u32,
}

/// One stored revision as its row holds it, for a check or a backup
/// ([`Store::revisions`]): its JSON parsed, or why it does not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRevision {
    /// The record's identifier.
    pub id: String,
    /// The revision number.
    pub revision: u32,
    /// The record it holds, or why its stored JSON does not parse.
    pub record: Result<Record, String>,
    /// The content hash the record's row keeps, when this revision is the
    /// record's current one; `None` for an earlier revision.
    pub current_hash: Option<String>,
}

/// What the store's own tables say of one another ([`Store::integrity`]):
/// each list empty in a sound store, but for what a purge leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Holes in the change log, each as (the last number before it, the
    /// next number after it): `(4, 6)` when 5 is missing, `(0, 3)` when the
    /// log starts at 3. A sound log is numbered 1, 2, 3, … (a purge adds
    /// an entry; nothing removes one).
    pub gaps: Vec<(u64, u64)>,
    /// Records whose current revision (above 0) has no stored revision
    /// row: (identifier, revision).
    pub missing_current: Vec<(String, u32)>,
    /// Records whose current revision (0 for a purged record) has no
    /// change-log entry: no follower would ever learn of it.
    pub unlogged: Vec<(String, u32)>,
    /// Change-log entries above revision 0 whose revision is not stored:
    /// those of a purged record (its revisions are deleted, its entries
    /// kept), or lost.
    pub dangling: Vec<Change>,
    /// Change-log entries of revision 0: each a purge's.
    pub purges: Vec<Change>,
}

/// Which entries of the publication log [`Store::publications`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationQuery {
    /// The moment the listing is for: what is public is judged at this
    /// instant, and nothing later than it is listed.
    pub now: Timestamp,
    /// Only entries whose datestamp is at or after this instant.
    pub from: Option<Timestamp>,
    /// Only entries whose datestamp is at or before this instant.
    pub until: Option<Timestamp>,
    /// Only entries in one of these collections (names exactly as in
    /// [`Record::collections`]): a public entry by its current revision's
    /// collections, a withdrawn one by its last public revision's
    /// ([`Publication::last_public_collections`]), never by a non-public
    /// revision's.
    pub collections: Option<Vec<String>>,
    /// Only the record with this identifier.
    pub id: Option<String>,
    /// Only entries strictly after this `(datestamp, identifier)` position:
    /// the cursor of the previous page.
    pub after: Option<(Timestamp, String)>,
    /// At most this many entries (ignored by [`Store::count_publications`]).
    pub limit: usize,
    /// Whether withdrawn records (see [`Store::publications`]) are listed.
    pub include_withdrawn: bool,
    /// Whether public entries carry their record ([`Publication::record`]).
    pub with_records: bool,
}

impl PublicationQuery {
    /// Every public and withdrawn entry at `now`, with records, a page of
    /// `limit`.
    pub fn at(now: Timestamp, limit: usize) -> Self {
        PublicationQuery {
            now,
            from: None,
            until: None,
            collections: None,
            id: None,
            after: None,
            limit,
            include_withdrawn: true,
            with_records: true,
        }
    }
}

/// One entry of the publication log: a record as the public sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    /// The record's identifier.
    pub id: String,
    /// When it last changed for the public.
    pub datestamp: Timestamp,
    /// True when the record was public once and is not now.
    pub withdrawn: bool,
    /// The current revision, for a public entry when the query asked for
    /// records; `None` otherwise.
    pub record: Option<Record>,
    /// For a withdrawn entry when the query asked for records: the
    /// collections of its last revision that was public (in byte order),
    /// the sets it stays in. Empty otherwise: a public entry's are its
    /// record's, and a withdrawn one's current revision is not public.
    pub last_public_collections: Vec<String>,
}

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (I/O, corruption, connection).
    #[error("database error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: String,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Two sources claim one identifier.
    #[error(
        "record {id}: already imported from {existing}, now claimed by {incoming} \
         (two sources may not share an identifier; use --replace to move it deliberately)"
    )]
    OriginConflict {
        /// The identifier.
        id: String,
        /// Origin of the stored record.
        existing: String,
        /// Origin of the incoming one.
        incoming: String,
    },
    /// A stored record (its JSON, or an instant stored with it) could not
    /// be read back.
    #[error("record {id} is stored in a form this fonds cannot read: {message}")]
    Corrupt {
        /// The identifier.
        id: String,
        /// What failed.
        message: String,
    },
    /// Records of the batch were changed by another writer after the batch
    /// was prepared; nothing was written.
    #[error(
        "import refused, nothing was written: {} changed by another writer after this batch \
         began (at change {base}):\n{}\nLook at the stored versions (`fonds show ID`); import \
         again to overwrite them with this batch's versions",
        if .conflicts.len() == 1 { "a record was".to_string() } else { format!("{} records were", .conflicts.len()) },
        .conflicts.iter().map(|c| format!("  record {}: now revision {} (change {})", c.id, c.revision, c.seq)).collect::<Vec<_>>().join("\n")
    )]
    Conflict {
        /// The change-log position the batch was prepared against.
        base: u64,
        /// Every conflicting record, in batch order.
        conflicts: Vec<Conflict>,
    },
    /// Records of an import were edited by staff since; nothing was
    /// written.
    #[error(
        "import refused, nothing was written: {} edited in the desk or through the API \
         since the last import:\n{}\nImport again with --overwrite-edits to replace the edits \
         with this batch's versions",
        if .records.len() == 1 { "a record was".to_string() } else { format!("{} records were", .records.len()) },
        .records.iter().map(|r| format!("  record {}: revision {} by {}", r.id, r.revision, r.account)).collect::<Vec<_>>().join("\n")
    )]
    Edited {
        /// Every such record, in batch order.
        records: Vec<EditedRecord>,
    },
    /// The record is not at the revision the writer opened.
    #[error(
        "record {id}: {}, now it is at revision {found}; nothing was written",
        if *.expected == 0 { "it was expected not to exist yet".to_string() } else { format!("the change was made to revision {expected}") }
    )]
    Stale {
        /// The record.
        id: String,
        /// The revision the writer opened (0: none).
        expected: u32,
        /// The stored revision (0: none).
        found: u32,
    },
    /// The database URL is not one fonds can use.
    #[error("database {url}: {message}")]
    BadDatabaseUrl {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The writer of a batch handed over in parts gave it up (its input
    /// was refused: the writer has the reason); nothing was written.
    #[error("the batch was given up by its writer; nothing was written")]
    Abandoned,
    /// The database accepts no writes (a read replica).
    #[error(
        "the database is read-only (a streaming replica?): import through a node \
         connected to the primary"
    )]
    ReadOnly,
    /// The data directory was written by a newer fonds.
    #[error("the store's schema is version {found}; this fonds knows up to {supported}")]
    SchemaTooNew {
        /// Version on disk.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// A batch handed to [`Store::apply_parts`] a part at a time, so that a
/// large import is never whole in memory.
#[async_trait]
pub trait Parts: Send {
    /// The next part, `Ok(None)` after the last, or [`Abandoned`] to give
    /// the batch up: the store then writes nothing of it.
    async fn next_part(&mut self) -> Result<Option<Vec<Record>>, Abandoned>;
}

/// What [`Parts::next_part`] returns to give a batch up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abandoned;

/// The storage interface; SQLite and PostgreSQL implement it and run the same
/// test suite. Every store keeps accounts too ([`AccountStore`]).
#[async_trait]
pub trait Store: AccountStore + Send + Sync {
    /// Writes a batch atomically (see the module invariants).
    async fn apply(&self, records: &[Record], options: ApplyOptions) -> StoreResult<ApplyReport>;
    /// [`Store::apply`] for a batch given in parts: one transaction, under
    /// the write lock from the first part to the commit, so the batch is
    /// written whole or not at all. Each part is planned against what the
    /// store holds then (earlier parts included); the records of a batch
    /// must be distinct across parts (the caller checks its claims). The
    /// report's outcomes are in the order the parts gave the records. The
    /// batch is refused with every edited record or conflict of all its
    /// parts, and [`StoreError::Abandoned`] when `parts` gives it up.
    async fn apply_parts(
        &self,
        parts: &mut dyn Parts,
        options: ApplyOptions,
    ) -> StoreResult<ApplyReport>;
    /// Removes a record's every revision and content for good, its
    /// collections included (last public ones too), leaving only its
    /// identifier (listed as withdrawn by [`Store::publications`], in no
    /// set, if it was ever public), a change-log entry (so that indexes drop it)
    /// and an audit entry of who purged it and why. `false` when there is
    /// no such record.
    async fn purge(&self, id: &str, account: &str, reason: &str) -> StoreResult<bool>;
    /// Whether any revision of any record names the file with this SHA-256
    /// (lowercase hex) among its `files`: a file no revision names may be
    /// removed from the object store.
    async fn names_file(&self, sha256: &str) -> StoreResult<bool>;
    /// The audit log, newest first, at most `limit` entries.
    async fn audit(&self, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    /// The current revision of a record.
    async fn get(&self, id: &str) -> StoreResult<Option<StoredRecord>>;
    /// A given revision of a record.
    async fn revision(&self, id: &str, revision: u32) -> StoreResult<Option<Record>>;
    /// All revisions of a record, oldest first (none after a purge).
    async fn history(&self, id: &str) -> StoreResult<Vec<RevisionInfo>>;
    /// How many records there are.
    async fn count(&self) -> StoreResult<u64>;
    /// Records in identifier order, after `after`, at most `limit`.
    async fn list(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<StoredRecord>>;
    /// The latest import batches (the revisions one import wrote, which
    /// share their instant), newest first, at most `limit`.
    async fn import_batches(&self, limit: usize) -> StoreResult<Vec<ImportBatch>>;
    /// The records an import batch (its instant and command) wrote a
    /// revision of, in identifier order.
    async fn batch_records(&self, at: Timestamp, command: Option<&str>)
    -> StoreResult<Vec<String>>;
    /// Records not public at `now` (drafts, running embargoes, withdrawn),
    /// most recently written first, at most `limit`: the desk's work list.
    async fn unpublished(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<StoredRecord>>;
    /// The records beside `id` in `collection`'s reading order (its
    /// records' place, [`plan::collection_position`], then identifier): at
    /// most `limit` after it (`forward`) or before it (nearest first), of
    /// any visibility. Empty when `id` is not in the collection.
    async fn collection_neighbours(
        &self,
        collection: &str,
        id: &str,
        forward: bool,
        limit: usize,
    ) -> StoreResult<Vec<String>>;
    /// Change-log entries after `seq`, in order, at most `limit`.
    async fn changes_since(&self, seq: u64, limit: usize) -> StoreResult<Vec<Change>>;
    /// The newest change-log sequence number (0 when empty).
    async fn last_change(&self) -> StoreResult<u64>;

    /// The publication log at `query.now`, what OAI-PMH, the sitemap and
    /// other public listings follow, ordered by `(datestamp, id)` (time,
    /// then the identifier's bytes), filtered by `query`, at most
    /// `query.limit`.
    ///
    /// With `written_at` the time the record's current revision was written
    /// ([`StoredRecord::updated_at`]) and `public_since` as
    /// [`Record::public_since`] gives it for that revision:
    /// - a record is **public** when `public_since <= now`; it is listed
    ///   with `datestamp = public_since` (the moment it became visible,
    ///   which is how an embargo that lifts without any write still shows
    ///   up as a change) and, if asked, its record;
    /// - a record is **withdrawn** when it is not public but an earlier
    ///   revision was public while it was current (its `public_since` came
    ///   before the next revision was written); it is listed with
    ///   `datestamp = written_at`, `withdrawn = true`, no record, and the
    ///   collections of the last revision that was public (a purged
    ///   record's are gone with it);
    /// - any other record (a draft or embargo never yet public) is not
    ///   listed at all.
    ///
    /// Withdrawn is forever: a record once public is listed in one of the
    /// two states from then on (OAI-PMH's persistent deletions). A store
    /// that removes records must keep such a record listed as withdrawn.
    async fn publications(&self, query: &PublicationQuery) -> StoreResult<Vec<Publication>>;

    /// How many entries [`Store::publications`] would list for `query`,
    /// ignoring `after` and `limit`.
    async fn count_publications(&self, query: &PublicationQuery) -> StoreResult<u64>;

    /// The smallest datestamp in the publication log at `now`, `None` when
    /// it is empty.
    async fn earliest_publication(&self, now: Timestamp) -> StoreResult<Option<Timestamp>>;

    /// The distinct collections of the records public at `now`, in byte
    /// order.
    async fn public_collections(&self, now: Timestamp) -> StoreResult<Vec<String>>;

    /// The collections a harvester may select by at `now`, distinct, in byte
    /// order: those of the records public at `now` ([`Store::public_collections`])
    /// and the last public collections of the records withdrawn at `now`
    /// ([`Publication::last_public_collections`]). Never a collection only a
    /// non-public revision names.
    async fn harvest_collections(&self, now: Timestamp) -> StoreResult<Vec<String>>;

    /// Every stored revision, in order of identifier (bytes) and revision,
    /// after `after` (identifier, revision), at most `limit`: for a check
    /// (does each parse, does the current one keep its content hash) and a
    /// backup (which files do they name). Purged records have none.
    async fn revisions(
        &self,
        after: Option<(&str, u32)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredRevision>>;

    /// The identifier and current revision of every record that has content
    /// (not purged), in identifier order, after `after`, at most `limit`.
    async fn current_revisions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, u32)>>;

    /// How the records, their revisions and the change log agree (see
    /// [`Integrity`]), read in a few queries.
    async fn integrity(&self) -> StoreResult<Integrity>;

    /// Writes a consistent copy of the whole store to `file` (which must not
    /// exist): a SQLite database read in one transaction while writers go on
    /// (`VACUUM INTO`). `Ok(false)`, writing nothing, on a store that cannot
    /// (PostgreSQL: its own tools, `pg_dump`, copy it).
    async fn copy_to(&self, file: &Path) -> StoreResult<bool>;

    /// Closes the connections once the work in hand is done; SQLite
    /// checkpoints its write-ahead log into the database file. The store
    /// serves nothing after it.
    async fn close(&self);

    /// The current revisions of these records (those that exist), in no
    /// particular order. Backends with a network round trip per query read
    /// them in one.
    async fn get_many(&self, ids: &[&str]) -> StoreResult<Vec<StoredRecord>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(stored) = self.get(id).await? {
                out.push(stored);
            }
        }
        Ok(out)
    }
    /// Waits until the change log may have grown, or `timeout` passes; a
    /// follower calls it between catch-ups. A backend with change
    /// notifications (PostgreSQL's LISTEN/NOTIFY) wakes at once; the others
    /// simply sleep, so the follower polls. The first call subscribes: call
    /// it once with a zero timeout before the first catch-up so that no
    /// notification is missed.
    async fn wait_for_change(&self, timeout: Duration) -> StoreResult<()> {
        tokio::time::sleep(timeout).await;
        Ok(())
    }
}

/// Wraps a driver error with what the store was doing.
pub(crate) fn db_error<E: std::error::Error + Send + Sync + 'static>(
    context: &str,
) -> impl FnOnce(E) -> StoreError + '_ {
    move |e| StoreError::Database {
        context: context.to_string(),
        source: Box::new(e),
    }
}
