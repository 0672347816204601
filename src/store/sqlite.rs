//! The embedded store: one SQLite file (`fonds.sqlite3`) in the data folder,
//! through sqlx, in WAL mode.
//!
//! Tables: `records` (current revision of each record, with `public_since`
//! and `was_public` for the publication log), `revisions` (every revision's
//! JSON, the record's content lives only here), `changes` (the ordered change
//! log), `record_collections` (the current revision's collections, for
//! OAI-PMH sets), `fonds_schema` (the schema version).

mod accounts;

use super::{
    ApplyOptions, ApplyReport, Change, Conflict, Outcome, Publication, PublicationQuery,
    RevisionInfo, Store, StoreError, StoreResult, StoredRecord, db_error, publication,
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
const MIGRATIONS: &[&[&str]] = &[
    // 1: records, revisions, the change log.
    &[
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
    ],
    // 2: the publication log (OAI-PMH, sitemap): when each record became
    // public, whether it ever was, and its collections, backfilled from the
    // stored revisions.
    &[
        "ALTER TABLE records ADD COLUMN public_since TEXT",
        "ALTER TABLE records ADD COLUMN was_public INTEGER NOT NULL DEFAULT 0",
        "UPDATE records SET public_since = (
            SELECT CASE coalesce(json_extract(v.body, '$.visibility.status'), 'published')
                WHEN 'published' THEN records.updated_at
                WHEN 'embargoed' THEN
                    max(records.updated_at, json_extract(v.body, '$.visibility.until') || 'T00:00:00Z')
                END
            FROM revisions v WHERE v.record_id = records.id AND v.revision = records.revision)",
        "UPDATE records SET was_public = EXISTS (
            SELECT 1 FROM revisions a
            JOIN revisions b ON b.record_id = a.record_id AND b.revision = a.revision + 1
            WHERE a.record_id = records.id
              AND b.revision <= records.revision
              AND CASE coalesce(json_extract(a.body, '$.visibility.status'), 'published')
                  WHEN 'published' THEN 1
                  WHEN 'embargoed' THEN
                      json_extract(a.body, '$.visibility.until') || 'T00:00:00Z' <= b.recorded_at
                  ELSE 0 END)",
        "CREATE INDEX records_public ON records (public_since, id)",
        "CREATE INDEX records_withdrawn ON records (updated_at, id) WHERE was_public = 1",
        "CREATE TABLE record_collections (
            collection TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (collection, record_id)
        )",
        "CREATE INDEX record_collections_record ON record_collections (record_id)",
        "INSERT OR IGNORE INTO record_collections (collection, record_id)
            SELECT j.value, r.id FROM records r
            JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision,
            json_each(v.body, '$.collections') j",
    ],
    // 3: accounts, sessions, API tokens, sign-in failure counts.
    accounts::TABLES,
];

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
            .foreign_keys(true)
            // A large import grows the write-ahead log to the size of its
            // batch; once checkpointed it is cut back to this.
            .pragma("journal_size_limit", "67108864");
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
}

fn decode(id: &str, body: &str) -> StoreResult<Record> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

fn now() -> String {
    crate::clock::now().to_string()
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
        self.pool.close().await;
    }

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
            let public_since = record.public_since(&at);
            let existing = sqlx::query(
                "SELECT revision, origin, content_hash, public_since, was_public
                     FROM records WHERE id = ?",
            )
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
                    // The revision being replaced counts as public if it
                    // became so before now (see `Store::publications`).
                    let was_public = row.get::<i64, _>("was_public") != 0
                        || row
                            .get::<Option<String>, _>("public_since")
                            .is_some_and(|since| since <= at);
                    sqlx::query(
                        "UPDATE records SET revision = ?, origin = ?, content_hash = ?, updated_at = ?,
                         public_since = ?, was_public = ? WHERE id = ?",
                    )
                    .bind(next)
                    .bind(&record.provenance.origin)
                    .bind(&hash)
                    .bind(&at)
                    .bind(&public_since)
                    .bind(was_public)
                    .bind(&record.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error(ctx))?;
                    next
                }
                None => {
                    outcomes.push(Outcome::Created);
                    sqlx::query(
                        "INSERT INTO records (id, revision, origin, content_hash, updated_at, public_since)
                         VALUES (?, 1, ?, ?, ?, ?)",
                    )
                    .bind(&record.id)
                    .bind(&record.provenance.origin)
                    .bind(&hash)
                    .bind(&at)
                    .bind(&public_since)
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
            sqlx::query("DELETE FROM record_collections WHERE record_id = ?")
                .bind(&record.id)
                .execute(&mut *tx)
                .await
                .map_err(db_error(ctx))?;
            for collection in &record.collections {
                sqlx::query(
                    "INSERT OR IGNORE INTO record_collections (collection, record_id) VALUES (?, ?)",
                )
                .bind(collection)
                .bind(&record.id)
                .execute(&mut *tx)
                .await
                .map_err(db_error(ctx))?;
            }
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

    async fn publications(&self, query: &PublicationQuery) -> StoreResult<Vec<Publication>> {
        let mut sql = publication::list(query, &publication::SQLITE);
        let rows = sql
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("listing the publication log"))?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.get("id");
                let body: Option<String> = row.get("body");
                Ok(Publication {
                    record: body.map(|b| decode(&id, &b)).transpose()?,
                    datestamp: row.get("ds"),
                    withdrawn: row.get::<i64, _>("withdrawn") != 0,
                    id,
                })
            })
            .collect()
    }

    async fn count_publications(&self, query: &PublicationQuery) -> StoreResult<u64> {
        let mut sql = publication::count(query, &publication::SQLITE);
        let n: i64 = sql
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("counting the publication log"))?;
        Ok(n as u64)
    }

    async fn earliest_publication(&self, now: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar(
            "SELECT min(ds) FROM (
                SELECT min(public_since) AS ds FROM records WHERE public_since <= ?1
                UNION ALL
                SELECT min(updated_at) FROM records WHERE was_public = 1 AND updated_at <= ?1
                    AND (public_since IS NULL OR public_since > ?1))",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("reading the publication log"))
    }

    async fn public_collections(&self, now: &str) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            // Each collection's first public record is enough.
            "SELECT d.collection FROM (SELECT DISTINCT collection FROM record_collections) d
             WHERE EXISTS (SELECT 1 FROM record_collections c
                 JOIN records r ON r.id = c.record_id
                 WHERE c.collection = d.collection AND r.public_since <= ?)
             ORDER BY d.collection",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("listing collections"))
    }

    async fn last_change(&self) -> StoreResult<u64> {
        let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM changes")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("reading the change log"))?;
        Ok(last.unwrap_or(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provenance, Visibility};

    fn record(id: &str, visibility: Visibility, collections: &[&str]) -> Record {
        let provenance = Provenance {
            format: "jsonl".into(),
            origin: format!("test:{id}"),
            file: "t.jsonl".into(),
            line: None,
            sha256: String::new(),
            imported_at: "2026-01-01T00:00:00Z".into(),
            layout: None,
        };
        let mut r = Record::new(id.into(), format!("Title {id}"), provenance);
        r.visibility = visibility;
        r.collections = collections.iter().map(|c| c.to_string()).collect();
        r
    }

    fn embargo(until: &str) -> Visibility {
        Visibility::Embargoed {
            until: until.into(),
        }
    }

    async fn log(store: &SqliteStore, query: &PublicationQuery) -> Vec<(String, bool)> {
        store
            .publications(query)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.withdrawn))
            .collect()
    }

    fn owned(entries: &[(&str, bool)]) -> Vec<(String, bool)> {
        entries.iter().map(|(i, w)| (i.to_string(), *w)).collect()
    }

    /// Drafts and embargoes never public are absent, a record once public
    /// stays listed (withdrawn when hidden), an embargo lifts by itself.
    #[tokio::test]
    async fn the_publication_log_follows_visibility() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite3"))
            .await
            .unwrap();
        let batch = [
            record("a", Visibility::Published, &["X"]),
            record("b", Visibility::Draft, &["X"]),
            record("c", embargo("2999-01-01"), &["Y"]),
            record("d", embargo("2000-01-01"), &[]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let now = now();
        let q = PublicationQuery::at(now.as_str(), 10);
        // Same second: order by identifier.
        assert_eq!(log(&store, &q).await, owned(&[("a", false), ("d", false)]));
        assert_eq!(store.count_publications(&q).await.unwrap(), 2);
        let entries = store.publications(&q).await.unwrap();
        assert_eq!(entries[0].record.as_ref().unwrap().title, "Title a");
        let written = store.get("a").await.unwrap().unwrap().updated_at;
        assert_eq!(entries[0].datestamp, written);
        assert_eq!(store.public_collections(&now).await.unwrap(), ["X"]);

        // The future, when c's embargo has lifted: dated by the day it lifts.
        let later = PublicationQuery::at("2999-06-01T00:00:00Z", 10);
        let entries = store.publications(&later).await.unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2].id, "c");
        assert_eq!(entries[2].datestamp, "2999-01-01T00:00:00Z");

        // a becomes a draft and b is published: a is withdrawn, b appears.
        let batch = [
            record("a", Visibility::Draft, &["X"]),
            record("b", Visibility::Published, &["X"]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let now = super::now();
        let q = PublicationQuery::at(now.as_str(), 10);
        let got = log(&store, &q).await;
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.contains(&("a".into(), true)) && got.contains(&("b".into(), false)));
        let withdrawn = store.publications(&q).await.unwrap();
        let a = withdrawn.iter().find(|p| p.id == "a").unwrap();
        assert!(a.record.is_none());
        assert_eq!(store.public_collections(&now).await.unwrap(), ["X"]);

        // Filters: collections, identifier, no withdrawn, bounds, cursor.
        let mut f = q.clone();
        f.collections = Some(vec!["X".into()]);
        let got = log(&store, &f).await;
        assert_eq!(got.len(), 2, "{got:?}");
        f.include_withdrawn = false;
        assert_eq!(log(&store, &f).await, owned(&[("b", false)]));
        let mut f = q.clone();
        f.id = Some("a".into());
        assert_eq!(log(&store, &f).await, owned(&[("a", true)]));
        let mut f = q.clone();
        f.until = Some("2000-01-01T00:00:00Z".into());
        assert!(log(&store, &f).await.is_empty());
        assert_eq!(store.count_publications(&f).await.unwrap(), 0);
        let mut f = q.clone();
        f.limit = 1;
        let mut seen = Vec::new();
        loop {
            let page = store.publications(&f).await.unwrap();
            let Some(last) = page.last() else { break };
            f.after = Some((last.datestamp.clone(), last.id.clone()));
            seen.push(last.id.clone());
        }
        seen.sort();
        assert_eq!(seen, ["a", "b", "d"]);
        assert!(store.earliest_publication(&now).await.unwrap().unwrap() <= now);
    }

    /// Upgrading a version-1 store computes what `apply` maintains.
    #[tokio::test]
    async fn the_upgrade_backfills_the_publication_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = SqliteStore::open(&path).await.unwrap();
        let batch = [
            record("a", Visibility::Published, &["X", "Y"]),
            record("b", Visibility::Draft, &["X"]),
            record("c", embargo("2999-01-01"), &[]),
            record("d", embargo("2000-01-01"), &["Z"]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let batch = [
            record("a", Visibility::Draft, &["X"]),
            record("c", Visibility::Published, &[]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let now = now();
        let queries = [
            PublicationQuery::at(now.as_str(), 10),
            PublicationQuery::at("2999-06-01T00:00:00Z", 10),
        ];
        let mut before = Vec::new();
        for q in &queries {
            before.push(store.publications(q).await.unwrap());
        }
        let collections = store.public_collections(&now).await.unwrap();
        for step in [
            // Version 3's tables (accounts), then version 2's.
            "DROP TABLE sign_in_failures",
            "DROP TABLE api_tokens",
            "DROP TABLE sessions",
            "DROP TABLE users",
            "DROP TABLE record_collections",
            "DROP INDEX records_public",
            "DROP INDEX records_withdrawn",
            "ALTER TABLE records DROP COLUMN public_since",
            "ALTER TABLE records DROP COLUMN was_public",
            "DELETE FROM fonds_schema WHERE version > 1",
        ] {
            sqlx::query(step).execute(&store.pool).await.unwrap();
        }
        store.close().await;
        let store = SqliteStore::open(&path).await.unwrap();
        for (q, expected) in queries.iter().zip(&before) {
            assert_eq!(&store.publications(q).await.unwrap(), expected);
        }
        assert_eq!(store.public_collections(&now).await.unwrap(), collections);
        assert!(before[0].iter().any(|p| p.id == "a" && p.withdrawn));
    }
}
