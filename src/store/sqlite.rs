//! The embedded store: one SQLite file (`fonds.sqlite3`) in the data folder,
//! through sqlx, in WAL mode.
//!
//! Tables: `records` (current revision of each record), `revisions` (every
//! revision's JSON, the record's content lives only here), `changes` (the
//! ordered change log), `fonds_schema` (the schema version).

use super::{
    ApplyOptions, ApplyReport, Change, Conflict, Outcome, RevisionInfo, Store, StoreError,
    StoreResult, StoredRecord, db_error,
};
use crate::model::Record;
use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Schema migrations, in order; entry `i` takes the schema to version `i + 1`.
/// Never edit a released entry: add a new one.
const MIGRATIONS: &[&[&str]] = &[&[
    "CREATE TABLE records (
        id TEXT PRIMARY KEY NOT NULL,
        revision INTEGER NOT NULL,
        origin TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )",
    "CREATE TABLE revisions (
        record_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        file TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (record_id, revision)
    )",
    "CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        record_id TEXT NOT NULL,
        revision INTEGER NOT NULL
    )",
]];

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if need be) the store file and brings its schema up
    /// to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(db_error("opening the SQLite store"))?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let ctx = "upgrading the schema";
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error(ctx))?;
        sqlx::query("CREATE TABLE IF NOT EXISTS fonds_schema (version INTEGER NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        let version: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM fonds_schema")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        let version = version.unwrap_or(0);
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported,
            });
        }
        for (i, steps) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            for step in *steps {
                sqlx::query(*step)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error(ctx))?;
            }
            sqlx::query("INSERT INTO fonds_schema (version) VALUES (?)")
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await
                .map_err(db_error(ctx))?;
        }
        tx.commit().await.map_err(db_error(ctx))
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn decode(id: &str, body: &str) -> StoreResult<Record> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

fn now() -> String {
    crate::archive::now_rfc3339()
}

#[async_trait]
impl Store for SqliteStore {
    async fn apply(&self, records: &[Record], options: ApplyOptions) -> StoreResult<ApplyReport> {
        let ctx = "writing a batch";
        let at = now();
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error(ctx))?;
        // Records other writers changed since the batch was prepared: a range
        // scan of the log's tail (its key is `seq`).
        let changed: HashMap<String, i64> = match options.base_change {
            Some(base) => sqlx::query_as(
                "SELECT record_id, max(seq) FROM changes WHERE seq > ? GROUP BY record_id",
            )
            .bind(base as i64)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error(ctx))?
            .into_iter()
            .collect(),
            None => HashMap::new(),
        };
        let mut conflicts = Vec::new();
        let mut outcomes = Vec::with_capacity(records.len());
        for record in records {
            let hash = record.content_hash();
            let existing =
                sqlx::query("SELECT revision, origin, content_hash FROM records WHERE id = ?")
                    .bind(&record.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error(ctx))?;
            let revision = match existing {
                Some(row) => {
                    let origin: String = row.get("origin");
                    if origin != record.provenance.origin && !options.allow_origin_change {
                        return Err(StoreError::OriginConflict {
                            id: record.id.clone(),
                            existing: origin,
                            incoming: record.provenance.origin.clone(),
                        });
                    }
                    let stored_hash: String = row.get("content_hash");
                    if stored_hash == hash {
                        outcomes.push(Outcome::Unchanged);
                        continue;
                    }
                    let revision: i64 = row.get("revision");
                    if let Some(seq) = changed.get(&record.id) {
                        conflicts.push(Conflict {
                            id: record.id.clone(),
                            revision: revision as u32,
                            seq: *seq as u64,
                        });
                        continue;
                    }
                    outcomes.push(Outcome::Updated);
                    let next = revision + 1;
                    sqlx::query(
                        "UPDATE records SET revision = ?, origin = ?, content_hash = ?, updated_at = ? WHERE id = ?",
                    )
                    .bind(next)
                    .bind(&record.provenance.origin)
                    .bind(&hash)
                    .bind(&at)
                    .bind(&record.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error(ctx))?;
                    next
                }
                None => {
                    outcomes.push(Outcome::Created);
                    sqlx::query(
                        "INSERT INTO records (id, revision, origin, content_hash, updated_at) VALUES (?, 1, ?, ?, ?)",
                    )
                    .bind(&record.id)
                    .bind(&record.provenance.origin)
                    .bind(&hash)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error(ctx))?;
                    1
                }
            };
            let body = crate::export::jsonl::line(record);
            sqlx::query(
                "INSERT INTO revisions (record_id, revision, recorded_at, file, body) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&record.id)
            .bind(revision)
            .bind(&at)
            .bind(&record.provenance.file)
            .bind(&body)
            .execute(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
            sqlx::query("INSERT INTO changes (record_id, revision) VALUES (?, ?)")
                .bind(&record.id)
                .bind(revision)
                .execute(&mut *tx)
                .await
                .map_err(db_error(ctx))?;
        }
        if !conflicts.is_empty() {
            // Dropping the transaction rolls it back.
            return Err(StoreError::Conflict {
                base: options.base_change.unwrap_or(0),
                conflicts,
            });
        }
        let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM changes")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        tx.commit().await.map_err(db_error(ctx))?;
        Ok(ApplyReport {
            outcomes,
            last_change: last.unwrap_or(0) as u64,
        })
    }

    async fn get(&self, id: &str) -> StoreResult<Option<StoredRecord>> {
        let row = sqlx::query(
            "SELECT r.revision, r.updated_at, v.body FROM records r
             JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision
             WHERE r.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("reading a record"))?;
        row.map(|row| {
            let body: String = row.get("body");
            Ok(StoredRecord {
                record: decode(id, &body)?,
                revision: row.get::<i64, _>("revision") as u32,
                updated_at: row.get("updated_at"),
            })
        })
        .transpose()
    }

    async fn revision(&self, id: &str, revision: u32) -> StoreResult<Option<Record>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM revisions WHERE record_id = ? AND revision = ?")
                .bind(id)
                .bind(revision as i64)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("reading a revision"))?;
        body.map(|b| decode(id, &b)).transpose()
    }

    async fn history(&self, id: &str) -> StoreResult<Vec<RevisionInfo>> {
        let rows = sqlx::query(
            "SELECT revision, recorded_at, file FROM revisions WHERE record_id = ? ORDER BY revision",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("reading a record's history"))?;
        Ok(rows
            .into_iter()
            .map(|row| RevisionInfo {
                revision: row.get::<i64, _>("revision") as u32,
                recorded_at: row.get("recorded_at"),
                file: row.get("file"),
            })
            .collect())
    }

    async fn count(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM records")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("counting records"))?;
        Ok(n as u64)
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<StoredRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.revision, r.updated_at, v.body FROM records r
             JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision
             WHERE r.id > ? ORDER BY r.id LIMIT ?",
        )
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("listing records"))?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.get("id");
                let body: String = row.get("body");
                Ok(StoredRecord {
                    record: decode(&id, &body)?,
                    revision: row.get::<i64, _>("revision") as u32,
                    updated_at: row.get("updated_at"),
                })
            })
            .collect()
    }

    async fn changes_since(&self, seq: u64, limit: usize) -> StoreResult<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT seq, record_id, revision FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(seq as i64)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("reading the change log"))?;
        Ok(rows
            .into_iter()
            .map(|row| Change {
                seq: row.get::<i64, _>("seq") as u64,
                record_id: row.get("record_id"),
                revision: row.get::<i64, _>("revision") as u32,
            })
            .collect())
    }

    async fn last_change(&self) -> StoreResult<u64> {
        let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM changes")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("reading the change log"))?;
        Ok(last.unwrap_or(0) as u64)
    }
}
