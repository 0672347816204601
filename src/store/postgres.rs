//! The shared store: PostgreSQL through sqlx, for several fonds nodes on one
//! database (`--database postgres://…`).
//!
//! Tables as in SQLite: `records` (current revision of each record),
//! `revisions` (every revision's JSON, kept as text so that it comes back
//! byte for byte), `changes` (the ordered change log), `fonds_schema` (the
//! schema version). Identifiers use `COLLATE "C"`, so they sort and compare
//! by bytes exactly as SQLite and Rust do.
//!
//! Ordering: every writer (a batch, a schema upgrade) takes one
//! transaction-scoped advisory lock ([`WRITE_LOCK`]) first and holds it to
//! its commit. Writers are therefore serialised, and a batch numbers its
//! change-log entries `max(seq) + 1, + 2, …` under the lock: sequence order is
//! commit order and has no gaps. PostgreSQL makes a commit visible before it
//! releases the transaction's locks, so by the time the next writer numbers
//! its entries the previous batch is visible to everyone; a follower that read
//! up to change N can never later find an entry below N it missed (as it
//! could with a plain sequence, whose numbers are taken before commit).
//!
//! Each batch also sends `NOTIFY fonds_changes` (delivered at commit), which
//! wakes followers at once; they poll as well, for replicas (no LISTEN there)
//! and lost connections.

mod accounts;

use super::{
    ApplyOptions, ApplyReport, Change, Conflict, Outcome, Publication, PublicationQuery,
    RevisionInfo, Store, StoreError, StoreResult, StoredRecord, db_error, publication,
};
use crate::model::Record;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions};
use sqlx::{Connection, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock every writer holds for its whole transaction ("fonds"
/// in ASCII).
pub const WRITE_LOCK: i64 = 0x66_6f_6e_64_73;

/// The notification channel a batch signals on.
pub const CHANNEL: &str = "fonds_changes";

/// Schema migrations, in order; entry `i` takes the schema to version `i + 1`.
/// Never edit a released entry: add a new one.
const MIGRATIONS: &[&[&str]] = &[
    // 1: records, revisions, the change log, the publication log.
    &[
        r#"CREATE TABLE records (
        id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
        revision INTEGER NOT NULL,
        origin TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL,
        public_since TEXT COLLATE "C",
        was_public INTEGER NOT NULL DEFAULT 0
    )"#,
        r#"CREATE INDEX records_public ON records (public_since, id)"#,
        r#"CREATE INDEX records_withdrawn ON records (updated_at, id) WHERE was_public = 1"#,
        r#"CREATE TABLE record_collections (
        collection TEXT COLLATE "C" NOT NULL,
        record_id TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (collection, record_id)
    )"#,
        r#"CREATE INDEX record_collections_record ON record_collections (record_id)"#,
        r#"CREATE TABLE revisions (
        record_id TEXT COLLATE "C" NOT NULL,
        revision INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        file TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (record_id, revision)
    )"#,
        r#"CREATE TABLE changes (
        seq BIGINT PRIMARY KEY NOT NULL,
        record_id TEXT COLLATE "C" NOT NULL,
        revision INTEGER NOT NULL
    )"#,
    ],
    // 2: accounts, sessions, API tokens, sign-in failure counts.
    accounts::TABLES,
];

/// Rows written per statement (bodies can be large; PostgreSQL takes at most
/// 1 GB per message).
const CHUNK_ROWS: usize = 500;
const CHUNK_BYTES: usize = 32 << 20;

/// The PostgreSQL store.
pub struct PgStore {
    pool: PgPool,
    /// The LISTEN connection, opened on the first wait; `Err(())` once LISTEN
    /// proved impossible (a hot standby), after which waits only sleep.
    listener: tokio::sync::Mutex<Result<Option<PgListener>, ()>>,
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".to_string();
    };
    // The user information ends at the last '@' before the path.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{}", &rest[at + 1..])
        }
        None => url.to_string(),
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`)
    /// and brings its schema up to date.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let bad = |message: String| StoreError::BadDatabaseUrl {
            url: redact(url),
            message,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad(
                "fonds takes postgres:// (or postgresql://) URLs; leave --database out to use \
                 the embedded SQLite store"
                    .to_string(),
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| bad(e.to_string()))?
            .application_name("fonds");
        let context = format!("connecting to {}", redact(url));
        // One connection first: a pool retries until its timeout and then
        // reports only that, where this gives the server's own reason at once.
        PgConnection::connect_with(&options)
            .await
            .map_err(db_error(&context))?
            .close()
            .await
            .map_err(db_error(&context))?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(db_error(&context))?;
        let store = PgStore {
            pool,
            listener: tokio::sync::Mutex::new(Ok(None)),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let ctx = "upgrading the schema";
        // Up to date (the usual case): no lock, so that opening never waits
        // for a long import on another node.
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('fonds_schema') IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error(ctx))?;
        if exists {
            let version: Option<i32> = sqlx::query_scalar("SELECT max(version) FROM fonds_schema")
                .fetch_one(&self.pool)
                .await
                .map_err(db_error(ctx))?;
            if version == Some(MIGRATIONS.len() as i32) {
                return Ok(());
            }
        }
        let mut tx = self.pool.begin().await.map_err(db_error(ctx))?;
        // Two nodes starting at once on a new database: one creates.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
        sqlx::query("CREATE TABLE IF NOT EXISTS fonds_schema (version INTEGER NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
        let version: Option<i32> = sqlx::query_scalar("SELECT max(version) FROM fonds_schema")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        let version = i64::from(version.unwrap_or(0));
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
            sqlx::query("INSERT INTO fonds_schema (version) VALUES ($1)")
                .bind(i as i32 + 1)
                .execute(&mut *tx)
                .await
                .map_err(db_error(ctx))?;
        }
        tx.commit().await.map_err(db_error(ctx))
    }
}

/// Like [`db_error`], but a write refused by a read-only server (SQLSTATE
/// 25006, a hot standby) becomes [`StoreError::ReadOnly`].
fn write_error(context: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| {
        if let sqlx::Error::Database(d) = &e
            && d.code().as_deref() == Some("25006")
        {
            return StoreError::ReadOnly;
        }
        db_error(context)(e)
    }
}

fn decode(id: &str, body: &str) -> StoreResult<Record> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

fn stored(row: &sqlx::postgres::PgRow) -> StoreResult<StoredRecord> {
    let id: String = row.get("id");
    let body: String = row.get("body");
    Ok(StoredRecord {
        record: decode(&id, &body)?,
        revision: row.get::<i32, _>("revision") as u32,
        updated_at: row.get("updated_at"),
    })
}

/// A record's row as the batch leaves it.
struct Current {
    revision: i32,
    origin: String,
    hash: String,
    /// When the current revision became (or becomes) public.
    public_since: Option<String>,
    /// Whether a revision was ever public while it was current.
    was_public: bool,
    /// The current revision's collections (written when touched).
    collections: Vec<String>,
    /// Written by this batch (so `records` needs an upsert).
    touched: bool,
}

/// One revision the batch writes.
struct NewRevision<'a> {
    id: &'a str,
    revision: i32,
    file: &'a str,
    body: String,
}

#[async_trait]
impl Store for PgStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn apply(&self, records: &[Record], options: ApplyOptions) -> StoreResult<ApplyReport> {
        let ctx = "writing a batch";
        let at = crate::clock::now().to_string();
        let mut tx = self.pool.begin().await.map_err(db_error(ctx))?;
        // Serialise writers for the whole transaction (see the module doc).
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let mut current: HashMap<String, Current> = sqlx::query(
            "SELECT id, revision, origin, content_hash, public_since, was_public
             FROM records WHERE id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error(ctx))?
        .into_iter()
        .map(|row| {
            (
                row.get("id"),
                Current {
                    revision: row.get("revision"),
                    origin: row.get("origin"),
                    hash: row.get("content_hash"),
                    public_since: row.get("public_since"),
                    was_public: row.get::<i32, _>("was_public") != 0,
                    collections: Vec::new(),
                    touched: false,
                },
            )
        })
        .collect();
        let changed: HashMap<String, i64> = match options.base_change {
            Some(base) => sqlx::query_as(
                "SELECT record_id, max(seq) FROM changes
                 WHERE seq > $1 AND record_id = ANY($2) GROUP BY record_id",
            )
            .bind(base as i64)
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error(ctx))?
            .into_iter()
            .collect(),
            None => HashMap::new(),
        };
        let mut conflicts = Vec::new();
        let mut outcomes = Vec::with_capacity(records.len());
        let mut written = Vec::new();
        for record in records {
            let hash = record.content_hash();
            let origin = &record.provenance.origin;
            let revision = match current.get_mut(&record.id) {
                Some(row) => {
                    if &row.origin != origin && !options.allow_origin_change {
                        return Err(StoreError::OriginConflict {
                            id: record.id.clone(),
                            existing: row.origin.clone(),
                            incoming: origin.clone(),
                        });
                    }
                    if row.hash == hash {
                        outcomes.push(Outcome::Unchanged);
                        continue;
                    }
                    if !row.touched
                        && let Some(seq) = changed.get(&record.id)
                    {
                        conflicts.push(Conflict {
                            id: record.id.clone(),
                            revision: row.revision as u32,
                            seq: *seq as u64,
                        });
                        continue;
                    }
                    outcomes.push(Outcome::Updated);
                    // The revision being replaced counts as public if it
                    // became so before now (see `Store::publications`).
                    row.was_public = row.was_public
                        || row
                            .public_since
                            .as_deref()
                            .is_some_and(|since| since <= at.as_str());
                    row.public_since = record.public_since(&at);
                    row.collections.clone_from(&record.collections);
                    row.revision += 1;
                    row.origin.clone_from(origin);
                    row.hash = hash;
                    row.touched = true;
                    row.revision
                }
                None => {
                    outcomes.push(Outcome::Created);
                    current.insert(
                        record.id.clone(),
                        Current {
                            revision: 1,
                            origin: origin.clone(),
                            hash,
                            public_since: record.public_since(&at),
                            was_public: false,
                            collections: record.collections.clone(),
                            touched: true,
                        },
                    );
                    1
                }
            };
            written.push(NewRevision {
                id: &record.id,
                revision,
                file: &record.provenance.file,
                body: crate::export::jsonl::line(record),
            });
        }
        if !conflicts.is_empty() {
            return Err(StoreError::Conflict {
                base: options.base_change.unwrap_or(0),
                conflicts,
            });
        }
        let base: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        if written.is_empty() {
            tx.commit().await.map_err(db_error(ctx))?;
            return Ok(ApplyReport {
                outcomes,
                last_change: base as u64,
            });
        }

        // Current rows, one upsert per chunk.
        let touched: Vec<(&String, &Current)> = current.iter().filter(|(_, c)| c.touched).collect();
        for chunk in touched.chunks(CHUNK_ROWS * 4) {
            let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
            let revisions: Vec<i32> = chunk.iter().map(|(_, c)| c.revision).collect();
            let origins: Vec<&str> = chunk.iter().map(|(_, c)| c.origin.as_str()).collect();
            let hashes: Vec<&str> = chunk.iter().map(|(_, c)| c.hash.as_str()).collect();
            let since: Vec<Option<&str>> = chunk
                .iter()
                .map(|(_, c)| c.public_since.as_deref())
                .collect();
            let was: Vec<i32> = chunk.iter().map(|(_, c)| c.was_public as i32).collect();
            sqlx::query(
                "INSERT INTO records (id, revision, origin, content_hash, updated_at,
                                      public_since, was_public)
                 SELECT id, revision, origin, hash, $5, since, was
                 FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[], $6::text[], $7::int4[])
                      AS t(id, revision, origin, hash, since, was)
                 ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision,
                     origin = EXCLUDED.origin, content_hash = EXCLUDED.content_hash,
                     updated_at = EXCLUDED.updated_at, public_since = EXCLUDED.public_since,
                     was_public = EXCLUDED.was_public",
            )
            .bind(&ids)
            .bind(&revisions)
            .bind(&origins)
            .bind(&hashes)
            .bind(&at)
            .bind(&since)
            .bind(&was)
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
            // The current revision's collections, for OAI-PMH sets.
            sqlx::query("DELETE FROM record_collections WHERE record_id = ANY($1)")
                .bind(&ids)
                .execute(&mut *tx)
                .await
                .map_err(write_error(ctx))?;
            let (names, owners): (Vec<&str>, Vec<&str>) = chunk
                .iter()
                .flat_map(|(id, c)| c.collections.iter().map(move |n| (n.as_str(), id.as_str())))
                .unzip();
            sqlx::query(
                "INSERT INTO record_collections (collection, record_id)
                 SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            )
            .bind(&names)
            .bind(&owners)
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
        }

        // Revisions and change-log entries, numbered in batch order.
        let mut seq = base;
        let mut start = 0;
        while start < written.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < written.len() && end - start < CHUNK_ROWS && bytes < CHUNK_BYTES {
                bytes += written[end].body.len();
                end += 1;
            }
            let chunk = &written[start..end];
            let ids: Vec<&str> = chunk.iter().map(|w| w.id).collect();
            let revisions: Vec<i32> = chunk.iter().map(|w| w.revision).collect();
            let files: Vec<&str> = chunk.iter().map(|w| w.file).collect();
            let bodies: Vec<&str> = chunk.iter().map(|w| w.body.as_str()).collect();
            let seqs: Vec<i64> = (seq + 1..=seq + chunk.len() as i64).collect();
            sqlx::query(
                "INSERT INTO revisions (record_id, revision, recorded_at, file, body)
                 SELECT id, revision, $5, file, body
                 FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[])
                      AS t(id, revision, file, body)",
            )
            .bind(&ids)
            .bind(&revisions)
            .bind(&files)
            .bind(&bodies)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
            sqlx::query(
                "INSERT INTO changes (seq, record_id, revision)
                 SELECT * FROM UNNEST($1::int8[], $2::text[], $3::int4[])",
            )
            .bind(&seqs)
            .bind(&ids)
            .bind(&revisions)
            .execute(&mut *tx)
            .await
            .map_err(write_error(ctx))?;
            seq += chunk.len() as i64;
            start = end;
        }
        // Delivered to listeners when (and only if) the batch commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(seq.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        tx.commit().await.map_err(db_error(ctx))?;
        Ok(ApplyReport {
            outcomes,
            last_change: seq as u64,
        })
    }

    async fn publications(&self, query: &PublicationQuery) -> StoreResult<Vec<Publication>> {
        let mut sql = publication::list(query, &publication::POSTGRES);
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
                    withdrawn: row.get::<i32, _>("withdrawn") != 0,
                    id,
                })
            })
            .collect()
    }

    async fn count_publications(&self, query: &PublicationQuery) -> StoreResult<u64> {
        let mut sql = publication::count(query, &publication::POSTGRES);
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
                SELECT min(public_since) AS ds FROM records WHERE public_since <= $1
                UNION ALL
                SELECT min(updated_at) FROM records WHERE was_public = 1 AND updated_at <= $1
                    AND (public_since IS NULL OR public_since > $1)) u",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("reading the publication log"))
    }

    async fn public_collections(&self, now: &str) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT d.collection FROM (SELECT DISTINCT collection FROM record_collections) d
             WHERE EXISTS (SELECT 1 FROM record_collections c
                 JOIN records r ON r.id = c.record_id
                 WHERE c.collection = d.collection AND r.public_since <= $1)
             ORDER BY d.collection",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("listing collections"))
    }

    async fn get(&self, id: &str) -> StoreResult<Option<StoredRecord>> {
        let row = sqlx::query(
            "SELECT r.id, r.revision, r.updated_at, v.body FROM records r
             JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision
             WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("reading a record"))?;
        row.as_ref().map(stored).transpose()
    }

    async fn get_many(&self, ids: &[&str]) -> StoreResult<Vec<StoredRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.revision, r.updated_at, v.body FROM records r
             JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision
             WHERE r.id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("reading records"))?;
        rows.iter().map(stored).collect()
    }

    async fn revision(&self, id: &str, revision: u32) -> StoreResult<Option<Record>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM revisions WHERE record_id = $1 AND revision = $2")
                .bind(id)
                .bind(revision as i32)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("reading a revision"))?;
        body.map(|b| decode(id, &b)).transpose()
    }

    async fn history(&self, id: &str) -> StoreResult<Vec<RevisionInfo>> {
        let rows = sqlx::query(
            "SELECT revision, recorded_at, file FROM revisions WHERE record_id = $1
             ORDER BY revision",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("reading a record's history"))?;
        Ok(rows
            .into_iter()
            .map(|row| RevisionInfo {
                revision: row.get::<i32, _>("revision") as u32,
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
             WHERE r.id > $1 ORDER BY r.id LIMIT $2",
        )
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("listing records"))?;
        rows.iter().map(stored).collect()
    }

    async fn changes_since(&self, seq: u64, limit: usize) -> StoreResult<Vec<Change>> {
        let rows = sqlx::query(
            "SELECT seq, record_id, revision FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
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
                revision: row.get::<i32, _>("revision") as u32,
            })
            .collect())
    }

    async fn last_change(&self) -> StoreResult<u64> {
        let last: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("reading the change log"))?;
        Ok(last as u64)
    }

    async fn wait_for_change(&self, timeout: Duration) -> StoreResult<()> {
        let mut slot = self.listener.lock().await;
        if let Ok(None) = *slot {
            *slot = match PgListener::connect_with(&self.pool).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => Ok(Some(listener)),
                    // A hot standby refuses LISTEN: poll only.
                    Err(_) => Err(()),
                },
                // The server is unreachable: try again next time, poll meanwhile.
                Err(_) => Ok(None),
            };
        }
        let Ok(Some(listener)) = &mut *slot else {
            drop(slot);
            tokio::time::sleep(timeout).await;
            return Ok(());
        };
        match tokio::time::timeout(timeout, listener.recv()).await {
            // Woken: take every notification already queued, one catch-up
            // serves them all.
            Ok(Ok(_)) => while listener.next_buffered().is_some() {},
            // The connection broke: reconnect on the next wait.
            Ok(Err(_)) => *slot = Ok(None),
            Err(_elapsed) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://fonds:s3cr@t@db.example:5433/fonds?sslmode=disable"),
            "postgres://fonds@db.example:5433/fonds?sslmode=disable"
        );
        assert_eq!(redact("mysql://root:pw@h/db"), "mysql://root@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("fonds.db"), "(not a URL)");
    }
}
