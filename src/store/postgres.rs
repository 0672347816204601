//! The shared store: PostgreSQL through sqlx, for several fonds nodes on one
//! database (`--database postgres://…`).
//!
//! Tables as in SQLite: `records` (current revision of each record),
//! `revisions` (every revision's JSON, kept as text so that it comes back
//! byte for byte), `changes` (the ordered change log), `record_collections`,
//! `public_collections` (each record's last public collections),
//! `fonds_schema` (the schema version). Reads and the batch's rules are shared
//! with SQLite (`super::sql`, `super::plan`); a batch is written here with a
//! few bulk statements (`UNNEST` arrays) rather than a round trip per record. Identifiers use `COLLATE "C"`, so they sort and compare
//! by bytes exactly as SQLite and Rust do.
//!
//! Ordering: every writer (a batch, a schema upgrade) takes one
//! transaction-scoped advisory lock ([`WRITE_LOCK`]) first and holds it to
//! its commit. Writers are therefore serialised, and a batch numbers its
//! change-log entries `max(seq) + 1, + 2, …` under the lock (the planner
//! does, from the log's end read after the lock): sequence order is
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

use super::plan::Plan;
use super::sql::{self, Backend, Dialect, Sql, write_error};
use super::{StoreError, StoreResult, db_error};
use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions, Postgres};
use sqlx::{Connection, Transaction};
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
    // 3: who wrote each revision and why; which records staff edited; the
    // audit log of purges.
    &[
        r#"ALTER TABLE records ADD COLUMN edited_by TEXT"#,
        r#"ALTER TABLE revisions ADD COLUMN author TEXT"#,
        r#"ALTER TABLE revisions ADD COLUMN command TEXT"#,
        r#"ALTER TABLE revisions ADD COLUMN note TEXT NOT NULL DEFAULT ''"#,
        r#"CREATE INDEX revisions_imports ON revisions (recorded_at) WHERE author IS NULL"#,
        r#"CREATE TABLE audit (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT COLLATE "C" NOT NULL,
        account TEXT NOT NULL,
        action TEXT NOT NULL,
        record_id TEXT COLLATE "C" NOT NULL,
        reason TEXT NOT NULL
    )"#,
    ],
    // 5: a revision's change number by its record and revision (which of two
    // imports in the same second came last).
    &[r#"CREATE INDEX changes_revision ON changes (record_id, revision)"#],
    // 5: each record's place in its collections (`plan::collection_position`:
    // edition number, else earliest day), for previous and next.
    &[
        r#"ALTER TABLE record_collections ADD COLUMN position TEXT COLLATE "C" NOT NULL DEFAULT '2'"#,
        r#"UPDATE record_collections c SET position = x.position
        FROM (SELECT r.id,
                CASE WHEN b->'edition'->>'number' ~ '^[0-9]{1,12}$'
                        THEN '0' || lpad(b->'edition'->>'number', 12, '0')
                     WHEN b->'date'->>'earliest' IS NOT NULL THEN '1' || (b->'date'->>'earliest')
                     ELSE '2' END AS position
              FROM records r
              JOIN LATERAL (SELECT v.body::jsonb AS b FROM revisions v
                            WHERE v.record_id = r.id AND v.revision = r.revision) j ON true) x
        WHERE x.id = c.record_id"#,
        r#"CREATE INDEX record_collections_order ON record_collections (collection, position, record_id)"#,
    ],
    // 6: each record's last public collections (those of its last revision
    // that was public), the sets a withdrawn record stays in. Backfilled from
    // the revisions: a revision was public if its `public_since` (as
    // `Record::public_since` gives it, from its recorded instant) came by
    // the time the next one was written, or by now for the current one.
    &[
        r#"CREATE TABLE public_collections (
        collection TEXT COLLATE "C" NOT NULL,
        record_id TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (collection, record_id)
    )"#,
        r#"CREATE INDEX public_collections_record ON public_collections (record_id)"#,
        // Each body is parsed once (`OFFSET 0` keeps PostgreSQL from
        // inlining the parse into every use), and only the chosen
        // revision's again for its collections.
        r#"INSERT INTO public_collections (collection, record_id)
        SELECT j.name, x.record_id
        FROM (SELECT DISTINCT ON (a.record_id) a.record_id, a.revision
              FROM revisions a
              JOIN records r ON r.id = a.record_id AND a.revision <= r.revision
              LEFT JOIN revisions n ON n.record_id = a.record_id AND n.revision = a.revision + 1
              CROSS JOIN LATERAL (SELECT a.body::jsonb->'visibility' AS vis OFFSET 0) s
              WHERE CASE coalesce(s.vis->>'status', 'published')
                      WHEN 'published' THEN a.recorded_at COLLATE "C"
                      WHEN 'embargoed' THEN greatest(a.recorded_at COLLATE "C",
                                                     (s.vis->>'until') || 'T00:00:00Z')
                    END
                    <= coalesce(n.recorded_at,
                                to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
              ORDER BY a.record_id, a.revision DESC) x
        JOIN revisions v ON v.record_id = x.record_id AND v.revision = x.revision
        CROSS JOIN LATERAL (SELECT v.body::jsonb->'collections' AS names OFFSET 0) c
        CROSS JOIN LATERAL jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(c.names) = 'array' THEN c.names ELSE '[]'::jsonb END) j(name)
        ON CONFLICT DO NOTHING"#,
    ],
    // 7: the hashes of each revision's files, beside its body (as in
    // SQLite, whose bodies are compressed; PostgreSQL compresses long text
    // itself).
    &["ALTER TABLE revisions ADD COLUMN files TEXT"],
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
        if exists && Sql::version(&self.pool).await? == Some(MIGRATIONS.len() as i64) {
            return Ok(());
        }
        // Two nodes starting at once on a new database: one creates.
        let mut tx = self.begin_write(ctx).await?;
        Sql::upgrade(&mut tx, MIGRATIONS).await?;
        tx.commit().await.map_err(db_error(ctx))
    }
}

#[async_trait]
impl Backend for PgStore {
    type Db = Postgres;

    async fn begin_write(&self, context: &str) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.map_err(db_error(context))?;
        // Serialise writers for the whole transaction (see the module doc).
        let lock = sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK);
        Sql::run(&mut tx, lock, context).await?;
        Ok(tx)
    }

    async fn write(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        plan: &Plan<'_>,
    ) -> StoreResult<()> {
        let ctx = sql::WRITING;
        let at = plan.written_at.to_string();
        // Current rows, one upsert per chunk.
        let upsert = sql::upsert_records(
            "SELECT id, revision, origin, hash, $5, since, was, $8
             FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[], $6::text[], $7::int4[])
                  AS t(id, revision, origin, hash, since, was)",
        );
        for chunk in plan.rows.chunks(CHUNK_ROWS * 4) {
            let ids: Vec<&str> = chunk.iter().map(|r| r.id).collect();
            let since: Vec<Option<String>> = chunk
                .iter()
                .map(|r| r.public_since.map(|t| t.to_string()))
                .collect();
            let current = sqlx::query(AssertSqlSafe(upsert.as_str()))
                .bind(&ids)
                .bind(chunk.iter().map(|r| r.revision as i32).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.origin).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|r| r.content_hash.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(&at)
                .bind(&since)
                .bind(
                    chunk
                        .iter()
                        .map(|r| i32::from(r.was_public))
                        .collect::<Vec<_>>(),
                )
                .bind(&plan.author.account);
            Sql::run(tx, current, ctx).await?;
            // The current revision's collections, for OAI-PMH sets.
            let clear = "DELETE FROM record_collections WHERE record_id = ANY($1)";
            Sql::run(tx, sqlx::query(clear).bind(&ids), ctx).await?;
            let mut names: Vec<&str> = Vec::new();
            let mut owners: Vec<&str> = Vec::new();
            let mut positions: Vec<&str> = Vec::new();
            for r in chunk.iter() {
                for name in r.collections {
                    names.push(name);
                    owners.push(r.id);
                    positions.push(&r.position);
                }
            }
            let add = "INSERT INTO record_collections (collection, record_id, position)
                       SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
                       ON CONFLICT DO NOTHING";
            let added = sqlx::query(add).bind(&names).bind(&owners).bind(&positions);
            Sql::run(tx, added, ctx).await?;
            // The last public revision's collections, for the rows whose
            // batch changes them (see `plan`).
            let changed: Vec<&str> = chunk
                .iter()
                .filter(|r| r.public_collections.is_some())
                .map(|r| r.id)
                .collect();
            if !changed.is_empty() {
                let clear = "DELETE FROM public_collections WHERE record_id = ANY($1)";
                Sql::run(tx, sqlx::query(clear).bind(&changed), ctx).await?;
                let (mut names, mut owners): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
                for r in chunk.iter() {
                    for name in r.public_collections.unwrap_or_default() {
                        names.push(name);
                        owners.push(r.id);
                    }
                }
                let add = "INSERT INTO public_collections (collection, record_id)
                           SELECT * FROM UNNEST($1::text[], $2::text[])
                           ON CONFLICT DO NOTHING";
                Sql::run(tx, sqlx::query(add).bind(&names).bind(&owners), ctx).await?;
            }
        }

        // Revisions and change-log entries, numbered as planned; a chunk is
        // cut by rows and by the bytes of its bodies.
        let mut pending = plan.revisions.iter().peekable();
        while pending.peek().is_some() {
            let (mut seqs, mut ids, mut revisions, mut files, mut bodies, mut hashes) = (
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            );
            let mut bytes = 0;
            while bytes < CHUNK_BYTES
                && seqs.len() < CHUNK_ROWS
                && let Some(revision) = pending.next()
            {
                let body = revision.body();
                bytes += body.len();
                seqs.push(revision.seq as i64);
                ids.push(revision.record.id.as_str());
                revisions.push(revision.revision as i32);
                files.push(revision.record.provenance.file.as_str());
                bodies.push(body);
                hashes.push(revision.files());
            }
            let stored = sql::insert_revisions(
                "SELECT id, revision, $5, file, body, files, $6, $7, $8
                 FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[], $9::text[])
                      AS t(id, revision, file, body, files)",
            );
            let author = plan.author;
            let stored = sqlx::query(AssertSqlSafe(stored.as_str()))
                .bind(&ids)
                .bind(&revisions)
                .bind(&files)
                .bind(&bodies)
                .bind(&at)
                .bind(&author.account)
                .bind(&author.command)
                .bind(&author.note)
                .bind(&hashes);
            Sql::run(tx, stored, ctx).await?;
            let logged = sqlx::query(
                "INSERT INTO changes (seq, record_id, revision)
                 SELECT * FROM UNNEST($1::int8[], $2::text[], $3::int4[])",
            );
            Sql::run(tx, logged.bind(&seqs).bind(&ids).bind(&revisions), ctx).await?;
        }
        // Delivered to listeners when (and only if) the batch commits.
        let notify = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL);
        Sql::run(tx, notify.bind(plan.last_change.to_string()), ctx).await
    }

    const DIALECT: &'static Dialect = &sql::POSTGRES;

    fn pool(&self) -> &PgPool {
        &self.pool
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
