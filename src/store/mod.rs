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

pub mod sqlite;

use crate::model::Record;
use async_trait::async_trait;

/// A record as stored, with its revision.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The record.
    pub record: Record,
    /// 1 for the first import, +1 for every change.
    pub revision: u32,
    /// When this revision was written (RFC 3339 UTC).
    pub updated_at: String,
}

/// One earlier or current revision of a record, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionInfo {
    /// Revision number.
    pub revision: u32,
    /// When it was written.
    pub recorded_at: String,
    /// The file it came from.
    pub file: String,
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
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Let a record move to another origin (a deliberate replacement).
    pub allow_origin_change: bool,
}

/// The result of applying a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// Per record, in batch order.
    pub outcomes: Vec<Outcome>,
    /// The change-log sequence number after the batch.
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
    /// A stored record could not be read back.
    #[error("record {id} is stored in a form this fonds cannot read: {message}")]
    Corrupt {
        /// The identifier.
        id: String,
        /// What failed.
        message: String,
    },
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

/// The storage interface; SQLite and PostgreSQL implement it and run the same
/// test suite.
#[async_trait]
pub trait Store: Send + Sync {
    /// Writes a batch atomically (see the module invariants).
    async fn apply(&self, records: &[Record], options: ApplyOptions) -> StoreResult<ApplyReport>;
    /// The current revision of a record.
    async fn get(&self, id: &str) -> StoreResult<Option<StoredRecord>>;
    /// A given revision of a record.
    async fn revision(&self, id: &str, revision: u32) -> StoreResult<Option<Record>>;
    /// All revisions of a record, oldest first.
    async fn history(&self, id: &str) -> StoreResult<Vec<RevisionInfo>>;
    /// How many records there are.
    async fn count(&self) -> StoreResult<u64>;
    /// Records in identifier order, after `after`, at most `limit`.
    async fn list(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<StoredRecord>>;
    /// Change-log entries after `seq`, in order, at most `limit`.
    async fn changes_since(&self, seq: u64, limit: usize) -> StoreResult<Vec<Change>>;
    /// The newest change-log sequence number (0 when empty).
    async fn last_change(&self) -> StoreResult<u64>;
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
