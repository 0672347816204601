//! What the SQLite and PostgreSQL stores share: every read of the
//! [`Store`] interface, written once over sqlx's generic database types, the
//! skeleton of a batch (lock, read the current state, [`plan`], write) and of
//! a schema upgrade, and the decoding of stored rows into typed values.
//!
//! A backend ([`Backend`]) brings only what it spells differently: its
//! [`Dialect`], how a writer takes the write lock, how a [`Plan`] is written,
//! its migrations, and how it waits for changes.
//!
//! Invariants:
//! - Both backends keep the same tables and columns, instants as text
//!   `YYYY-MM-DDThh:mm:ssZ` (text order is time order); a stored instant
//!   that does not parse is [`StoreError::Corrupt`], never a panic.
//! - A batch is planned on the state read inside the write transaction,
//!   after the write lock is held, so the plan's change numbers are the
//!   log's next ones (see [`super::plan`]).

use super::plan::{self, Current, Plan, Stored};
use super::{
    AccountStore, ApplyOptions, ApplyReport, AuditEntry, Author, Change, ImportBatch, Integrity,
    Parts, Publication, PublicationQuery, RevisionInfo, Store, StoreError, StoreResult,
    StoredRecord, StoredRevision, db_error, publication,
};
use crate::clock::{self, Timestamp};
use crate::model::Record;
use async_trait::async_trait;
use sqlx::query::Query;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row,
    Transaction, Type,
};
use std::path::Path;
use std::time::Duration;

/// What the parts of a batch found so far: the outcomes and where the log
/// ends, and the edited records and conflicts that refuse it.
#[derive(Default)]
struct Gathered {
    report: ApplyReport,
    edited: Vec<super::EditedRecord>,
    conflicts: Vec<super::Conflict>,
}

/// What one backend spells differently.
pub struct Dialect {
    /// A text NULL in a select list.
    pub null_text: &'static str,
    /// A zero that sums with `count(*)`.
    pub zero: &'static str,
    /// Opens one branch of a `UNION ALL` that has its own `ORDER BY … LIMIT`.
    pub branch_open: &'static str,
    /// Turns one bound JSON array of strings into a set: the SQL before and
    /// after the bind.
    pub json_names: (&'static str, &'static str),
}

/// SQLite's spellings.
pub const SQLITE: Dialect = Dialect {
    null_text: "NULL",
    zero: "0",
    branch_open: "SELECT * FROM (",
    json_names: ("SELECT value FROM json_each(", ")"),
};

/// PostgreSQL's spellings.
pub const POSTGRES: Dialect = Dialect {
    null_text: "NULL::text",
    zero: "0::int8",
    branch_open: "(",
    json_names: ("SELECT json_array_elements_text(", "::json)"),
};

/// What a batch's writes say they were doing when they fail.
pub const WRITING: &str = "writing a batch";

/// The upsert of `records` rows given by `rows` (SQL giving the columns
/// `id, revision, origin, content_hash, updated_at, public_since,
/// was_public, edited_by`, in that order).
pub fn upsert_records(rows: &str) -> String {
    format!(
        "INSERT INTO records (id, revision, origin, content_hash, updated_at,
                              public_since, was_public, edited_by)
         {rows}
         ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision,
             origin = EXCLUDED.origin, content_hash = EXCLUDED.content_hash,
             updated_at = EXCLUDED.updated_at, public_since = EXCLUDED.public_since,
             was_public = EXCLUDED.was_public, edited_by = EXCLUDED.edited_by"
    )
}

/// The statement that stores a batch's revisions, given by `rows` (SQL
/// giving `record_id, revision, recorded_at, file, body, files, author,
/// command, note`; `files` is [`plan::Revision::files`]).
pub fn insert_revisions(rows: &str) -> String {
    format!(
        "INSERT INTO revisions (record_id, revision, recorded_at, file, body,
                                files, author, command, note)
         {rows}"
    )
}

/// One SQL backend: what it does its own way. Every [`Backend`] is a
/// [`Store`].
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The sqlx database.
    type Db: Database;
    /// Its spellings.
    const DIALECT: &'static Dialect;

    /// The connection pool.
    fn pool(&self) -> &Pool<Self::Db>;

    /// Opens a write transaction holding the write lock (writers are
    /// serialised until it ends).
    async fn begin_write(&self, context: &str) -> StoreResult<Transaction<'static, Self::Db>>;

    /// Writes a plan that writes something: its rows (with their
    /// collections), revisions and change-log entries, numbered as planned.
    async fn write(
        &self,
        tx: &mut Transaction<'static, Self::Db>,
        plan: &Plan<'_>,
    ) -> StoreResult<()>;

    /// See [`Store::wait_for_change`].
    async fn wait_for_change(&self, timeout: Duration) -> StoreResult<()> {
        tokio::time::sleep(timeout).await;
        Ok(())
    }

    /// See [`Store::copy_to`]: a backend that cannot copy itself says so.
    async fn copy_to(&self, _file: &Path) -> StoreResult<bool> {
        Ok(false)
    }
}

/// Like [`db_error`], but a write refused by a read-only server (SQLSTATE
/// 25006, a PostgreSQL hot standby) becomes [`StoreError::ReadOnly`].
pub fn write_error(context: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| {
        if let sqlx::Error::Database(d) = &e
            && d.code().as_deref() == Some("25006")
        {
            return StoreError::ReadOnly;
        }
        db_error(context)(e)
    }
}

/// A stored instant, typed.
fn instant(id: &str, text: &str) -> StoreResult<Timestamp> {
    Timestamp::parse(text).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

/// A stored record's JSON, decoded.
fn record(id: &str, body: &str) -> StoreResult<Record> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

/// The context of a column that does not decode.
const DECODING: &str = "decoding a stored row";

/// The shared SQL over one database (its functions carry the bounds sqlx
/// needs, once).
pub struct Sql<DB>(std::marker::PhantomData<DB>);

impl<DB> Sql<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'t> String: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Decode<'t, DB> + Type<DB>,
    for<'t> i32: Decode<'t, DB> + Type<DB>,
    for<'t> Vec<u8>: Decode<'t, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    // ---- Running statements.

    /// The rows of `sql`, each decoded.
    async fn decoded<T>(
        pool: &Pool<DB>,
        mut sql: QueryBuilder<DB>,
        context: &str,
        decode: impl Fn(&DB::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let rows = sql
            .build()
            .fetch_all(pool)
            .await
            .map_err(db_error(context))?;
        rows.iter().map(decode).collect()
    }

    /// Column `n` of the first row of `sql` (0 without one).
    async fn number(pool: &Pool<DB>, sql: QueryBuilder<DB>, context: &str) -> StoreResult<u64> {
        let n = Self::decoded(pool, sql, context, |row| Self::big(row, "n")).await?;
        Ok(n.first().copied().unwrap_or(0))
    }

    /// Runs one statement of a write.
    pub async fn run(
        tx: &mut Transaction<'static, DB>,
        query: Query<'_, DB, DB::Arguments>,
        context: &str,
    ) -> StoreResult<()> {
        query
            .execute(&mut **tx)
            .await
            .map(drop)
            .map_err(write_error(context))
    }

    // ---- Columns.

    fn text(row: &DB::Row, name: &str) -> StoreResult<String> {
        row.try_get(name).map_err(db_error(DECODING))
    }

    fn optional_text(row: &DB::Row, name: &str) -> StoreResult<Option<String>> {
        row.try_get(name).map_err(db_error(DECODING))
    }

    /// A revision's body (`None` when NULL): text in PostgreSQL (which
    /// compresses long values itself) and in SQLite rows written before
    /// bodies were compressed, else [`plan::pack`]ed bytes.
    fn body(row: &DB::Row, id: &str) -> StoreResult<Option<String>> {
        use sqlx::{TypeInfo, ValueRef};
        let raw = row.try_get_raw("body").map_err(db_error(DECODING))?;
        if raw.is_null() {
            return Ok(None);
        }
        if raw.type_info().name() != "BLOB" {
            return Self::text(row, "body").map(Some);
        }
        let packed: Vec<u8> = row.try_get("body").map_err(db_error(DECODING))?;
        plan::unpack(&packed)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt {
                id: id.to_string(),
                message: "a stored body is neither JSON text nor zstd-compressed JSON".into(),
            })
    }

    /// A revision's body that is never NULL.
    fn required_body(row: &DB::Row, id: &str) -> StoreResult<String> {
        Self::body(row, id)?.ok_or_else(|| StoreError::Corrupt {
            id: id.to_string(),
            message: "a revision has no body".into(),
        })
    }

    /// A revision number or a 0/1 flag (`INTEGER`).
    fn small(row: &DB::Row, name: &str) -> StoreResult<u32> {
        let n: i32 = row.try_get(name).map_err(db_error(DECODING))?;
        Ok(n as u32)
    }

    /// A sequence number or a count (64 bits).
    fn big(row: &DB::Row, name: &str) -> StoreResult<u64> {
        let n: i64 = row.try_get(name).map_err(db_error(DECODING))?;
        Ok(n as u64)
    }

    /// A stored instant of record `id`.
    fn instant(row: &DB::Row, id: &str, name: &str) -> StoreResult<Timestamp> {
        instant(id, &Self::text(row, name)?)
    }

    /// A row of `id, revision, updated_at, was_public, edited_by, body`.
    fn stored(row: &DB::Row) -> StoreResult<StoredRecord> {
        let id = Self::text(row, "id")?;
        Ok(StoredRecord {
            record: record(&id, &Self::required_body(row, &id)?)?,
            revision: Self::small(row, "revision")?,
            updated_at: Self::instant(row, &id, "updated_at")?,
            was_public: Self::small(row, "was_public")? != 0,
            edited_by: Self::optional_text(row, "edited_by")?,
        })
    }

    /// ` IN (…)` of a set of strings, bound as one JSON array.
    fn push_in(sql: &mut QueryBuilder<DB>, dialect: &Dialect, names: &[&str]) {
        let (open, close) = dialect.json_names;
        let json = serde_json::Value::from(names.to_vec()).to_string();
        sql.push(format!(" IN ({open}"))
            .push_bind(json)
            .push(format!("{close})"));
    }

    // ---- The reads of the `Store` interface.

    /// Current revisions, `WHERE r.…` completed by `filter`.
    async fn current_records(
        pool: &Pool<DB>,
        filter: impl FnOnce(&mut QueryBuilder<DB>),
    ) -> StoreResult<Vec<StoredRecord>> {
        let mut sql = QueryBuilder::new(
            "SELECT r.id, r.revision, r.updated_at, r.was_public, r.edited_by, v.body
             FROM records r
             JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision
             WHERE r.",
        );
        filter(&mut sql);
        Self::decoded(pool, sql, "reading records", Self::stored).await
    }

    async fn get(pool: &Pool<DB>, id: &str) -> StoreResult<Option<StoredRecord>> {
        let found = Self::current_records(pool, |sql| {
            sql.push("id = ").push_bind(id.to_string());
        })
        .await?;
        Ok(found.into_iter().next())
    }

    async fn get_many(
        pool: &Pool<DB>,
        dialect: &Dialect,
        ids: &[&str],
    ) -> StoreResult<Vec<StoredRecord>> {
        Self::current_records(pool, |sql| {
            sql.push("id");
            Self::push_in(sql, dialect, ids);
        })
        .await
    }

    async fn list(
        pool: &Pool<DB>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<StoredRecord>> {
        Self::current_records(pool, |sql| {
            sql.push("id > ")
                .push_bind(after.unwrap_or("").to_string())
                .push(" ORDER BY r.id LIMIT ")
                .push_bind(limit as i64);
        })
        .await
    }

    async fn revision(pool: &Pool<DB>, id: &str, revision: u32) -> StoreResult<Option<Record>> {
        let mut sql = QueryBuilder::new("SELECT body FROM revisions WHERE record_id = ");
        sql.push_bind(id.to_string())
            .push(" AND revision = ")
            .push_bind(i64::from(revision));
        let bodies = Self::decoded(pool, sql, "reading a revision", |row| {
            record(id, &Self::required_body(row, id)?)
        });
        Ok(bodies.await?.into_iter().next())
    }

    async fn history(pool: &Pool<DB>, id: &str) -> StoreResult<Vec<RevisionInfo>> {
        let mut sql = QueryBuilder::new(
            "SELECT revision, recorded_at, file, author, command, note FROM revisions
             WHERE record_id = ",
        );
        sql.push_bind(id.to_string()).push(" ORDER BY revision");
        Self::decoded(pool, sql, "reading a record's history", |row| {
            Ok(RevisionInfo {
                revision: Self::small(row, "revision")?,
                recorded_at: Self::instant(row, id, "recorded_at")?,
                file: Self::text(row, "file")?,
                author: Author {
                    account: Self::optional_text(row, "author")?,
                    command: Self::optional_text(row, "command")?,
                    note: Self::text(row, "note")?,
                },
            })
        })
        .await
    }

    async fn changes_since(pool: &Pool<DB>, seq: u64, limit: usize) -> StoreResult<Vec<Change>> {
        let mut sql =
            QueryBuilder::new("SELECT seq, record_id, revision FROM changes WHERE seq > ");
        sql.push_bind(seq as i64)
            .push(" ORDER BY seq LIMIT ")
            .push_bind(limit as i64);
        Self::decoded(pool, sql, "reading the change log", |row| {
            Ok(Change {
                seq: Self::big(row, "seq")?,
                record_id: Self::text(row, "record_id")?,
                revision: Self::small(row, "revision")?,
            })
        })
        .await
    }

    async fn publications(
        pool: &Pool<DB>,
        dialect: &Dialect,
        query: &PublicationQuery,
    ) -> StoreResult<Vec<Publication>> {
        let sql = publication::list(query, dialect);
        let mut entries = Self::decoded(pool, sql, "listing the publication log", |row| {
            let id = Self::text(row, "id")?;
            let body = Self::body(row, &id)?;
            Ok(Publication {
                record: body.map(|b| record(&id, &b)).transpose()?,
                datestamp: Self::instant(row, &id, "ds")?,
                withdrawn: Self::small(row, "withdrawn")? != 0,
                id,
                last_public_collections: Vec::new(),
            })
        })
        .await?;
        // The withdrawn entries' sets: their last public revision's
        // collections, one read for the page.
        let withdrawn: Vec<&str> = entries
            .iter()
            .filter(|e| e.withdrawn)
            .map(|e| e.id.as_str())
            .collect();
        if query.with_records && !withdrawn.is_empty() {
            let mut sql = QueryBuilder::new(
                "SELECT record_id, collection FROM public_collections WHERE record_id",
            );
            Self::push_in(&mut sql, dialect, &withdrawn);
            let rows = Self::decoded(pool, sql, "listing the publication log", |row| {
                Ok((
                    Self::text(row, "record_id")?,
                    Self::text(row, "collection")?,
                ))
            })
            .await?;
            let mut kept: std::collections::HashMap<String, Vec<String>> = Default::default();
            for (id, collection) in rows {
                kept.entry(id).or_default().push(collection);
            }
            for entry in entries.iter_mut().filter(|e| e.withdrawn) {
                if let Some(mut names) = kept.remove(&entry.id) {
                    names.sort();
                    entry.last_public_collections = names;
                }
            }
        }
        Ok(entries)
    }

    /// A change-log entry of `seq, record_id, revision`.
    fn change(row: &DB::Row) -> StoreResult<Change> {
        Ok(Change {
            seq: Self::big(row, "seq")?,
            record_id: Self::text(row, "record_id")?,
            revision: Self::small(row, "revision")?,
        })
    }

    /// A row of `id, revision`.
    fn id_revision(row: &DB::Row) -> StoreResult<(String, u32)> {
        Ok((Self::text(row, "id")?, Self::small(row, "revision")?))
    }

    async fn revisions(
        pool: &Pool<DB>,
        after: Option<(&str, u32)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredRevision>> {
        let mut sql = QueryBuilder::new(
            "SELECT v.record_id, v.revision, v.body,
                    CASE WHEN r.revision = v.revision THEN r.content_hash END AS current_hash
             FROM revisions v LEFT JOIN records r ON r.id = v.record_id",
        );
        if let Some((id, revision)) = after {
            sql.push(" WHERE v.record_id > ")
                .push_bind(id.to_string())
                .push(" OR (v.record_id = ")
                .push_bind(id.to_string())
                .push(" AND v.revision > ")
                .push_bind(i64::from(revision))
                .push(")");
        }
        sql.push(" ORDER BY v.record_id, v.revision LIMIT ")
            .push_bind(limit as i64);
        Self::decoded(pool, sql, "reading every revision", |row| {
            let id = Self::text(row, "record_id")?;
            let body = Self::required_body(row, &id)?;
            Ok(StoredRevision {
                revision: Self::small(row, "revision")?,
                record: serde_json::from_str(&body).map_err(|e| e.to_string()),
                current_hash: Self::optional_text(row, "current_hash")?,
                id,
            })
        })
        .await
    }

    async fn integrity(pool: &Pool<DB>) -> StoreResult<Integrity> {
        let ctx = "checking the change log";
        // Each number whose predecessor is missing starts after a hole.
        let gaps = QueryBuilder::new(
            "SELECT coalesce((SELECT max(p.seq) FROM changes p WHERE p.seq < c.seq), 0) AS lo,
                    c.seq AS hi
             FROM changes c
             WHERE c.seq > 1 AND NOT EXISTS (SELECT 1 FROM changes p WHERE p.seq = c.seq - 1)
             ORDER BY c.seq",
        );
        let gaps = Self::decoded(pool, gaps, ctx, |row| {
            Ok((Self::big(row, "lo")?, Self::big(row, "hi")?))
        })
        .await?;
        let missing_current = QueryBuilder::new(
            "SELECT r.id, r.revision FROM records r WHERE r.revision > 0 AND NOT EXISTS
                 (SELECT 1 FROM revisions v WHERE v.record_id = r.id AND v.revision = r.revision)
             ORDER BY r.id",
        );
        let missing_current = Self::decoded(pool, missing_current, ctx, Self::id_revision).await?;
        let unlogged = QueryBuilder::new(
            "SELECT r.id, r.revision FROM records r WHERE NOT EXISTS
                 (SELECT 1 FROM changes c WHERE c.record_id = r.id AND c.revision = r.revision)
             ORDER BY r.id",
        );
        let unlogged = Self::decoded(pool, unlogged, ctx, Self::id_revision).await?;
        let dangling = QueryBuilder::new(
            "SELECT c.seq, c.record_id, c.revision FROM changes c WHERE c.revision > 0
             AND NOT EXISTS (SELECT 1 FROM revisions v
                             WHERE v.record_id = c.record_id AND v.revision = c.revision)
             ORDER BY c.seq",
        );
        let dangling = Self::decoded(pool, dangling, ctx, Self::change).await?;
        let purges = QueryBuilder::new(
            "SELECT seq, record_id, revision FROM changes WHERE revision = 0 ORDER BY seq",
        );
        let purges = Self::decoded(pool, purges, ctx, Self::change).await?;
        Ok(Integrity {
            gaps,
            missing_current,
            unlogged,
            dangling,
            purges,
        })
    }

    /// The distinct `collection`s `sql` gives, in byte order.
    async fn collection_names(pool: &Pool<DB>, sql: QueryBuilder<DB>) -> StoreResult<Vec<String>> {
        let mut names = Self::decoded(pool, sql, "listing collections", |row| {
            Self::text(row, "collection")
        })
        .await?;
        names.sort();
        names.dedup();
        Ok(names)
    }

    // ---- Batches and the schema.

    /// [`Store::apply`] on `backend`: [`Sql::apply_parts`] with one part.
    async fn apply<B: Backend<Db = DB>>(
        backend: &B,
        records: &[Record],
        options: ApplyOptions,
    ) -> StoreResult<ApplyReport> {
        let now = clock::now();
        let mut tx = backend.begin_write(WRITING).await?;
        let mut gathered = Gathered::default();
        // An error drops the transaction, which rolls it back.
        Self::write_part(backend, &mut tx, records, &options, now, &mut gathered).await?;
        Self::finish::<B>(tx, gathered, &options, now).await
    }

    /// [`Store::apply_parts`] on `backend`: under the write lock, each part
    /// is read, planned and written in turn; commits after the last.
    async fn apply_parts<B: Backend<Db = DB>>(
        backend: &B,
        parts: &mut dyn Parts,
        options: ApplyOptions,
    ) -> StoreResult<ApplyReport> {
        let now = clock::now();
        let mut tx = backend.begin_write(WRITING).await?;
        let mut gathered = Gathered::default();
        while let Some(records) = parts.next_part().await.map_err(|_| StoreError::Abandoned)? {
            Self::write_part(backend, &mut tx, &records, &options, now, &mut gathered).await?;
        }
        Self::finish::<B>(tx, gathered, &options, now).await
    }

    /// Reads what the store holds of `records`, plans them against it and
    /// writes the plan, unless an earlier part (or this one) found edited
    /// records or conflicts: those are gathered, and refuse the batch at
    /// [`Sql::finish`].
    async fn write_part<B: Backend<Db = DB>>(
        backend: &B,
        tx: &mut Transaction<'static, DB>,
        records: &[Record],
        options: &ApplyOptions,
        now: Timestamp,
        gathered: &mut Gathered,
    ) -> StoreResult<()> {
        let current = Self::current(tx, B::DIALECT, records, options.base_change, now).await?;
        let plan = match plan::plan(records, options, &current, now) {
            Ok(plan) => plan,
            Err(StoreError::Edited { records }) => {
                gathered.edited.extend(records);
                return Ok(());
            }
            Err(StoreError::Conflict { conflicts, .. }) => {
                gathered.conflicts.extend(conflicts);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let refused = !gathered.edited.is_empty() || !gathered.conflicts.is_empty();
        if !plan.revisions.is_empty() && !refused {
            backend.write(tx, &plan).await?;
        }
        gathered.report.outcomes.extend(plan.outcomes);
        gathered.report.last_change = plan.last_change;
        Ok(())
    }

    /// Commits the batch, or refuses it with every edited record and
    /// conflict its parts found (the transaction, dropped, rolls back).
    async fn finish<B: Backend<Db = DB>>(
        mut tx: Transaction<'static, DB>,
        gathered: Gathered,
        options: &ApplyOptions,
        now: Timestamp,
    ) -> StoreResult<ApplyReport> {
        let Gathered {
            mut report,
            edited,
            conflicts,
        } = gathered;
        plan::refuse(edited, conflicts, options)?;
        if report.outcomes.is_empty() {
            // No part: the batch ends where the log does.
            let current = Self::current(&mut tx, B::DIALECT, &[], None, now).await?;
            report.last_change = current.last_change;
        }
        tx.commit().await.map_err(db_error(WRITING))?;
        Ok(report)
    }

    /// [`Store::purge`] on `backend`, under the write lock, in one
    /// transaction.
    async fn purge<B: Backend<Db = DB>>(
        backend: &B,
        id: &str,
        account: &str,
        reason: &str,
    ) -> StoreResult<bool> {
        let ctx = "purging a record";
        let now = clock::now().to_string();
        let mut tx = backend.begin_write(ctx).await?;
        let mut exists =
            QueryBuilder::new("SELECT count(*) AS n FROM records WHERE revision > 0 AND id = ");
        exists.push_bind(id.to_string());
        let found = exists
            .build()
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        if Self::big(&found, "n")? == 0 {
            return Ok(false);
        }
        let last = QueryBuilder::new("SELECT coalesce(max(seq), 0) AS n FROM changes")
            .build()
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error(ctx))?;
        let seq = Self::big(&last, "n")? as i64 + 1;
        let mut steps: Vec<QueryBuilder<DB>> = Vec::new();
        let mut revisions = QueryBuilder::new("DELETE FROM revisions WHERE record_id = ");
        revisions.push_bind(id.to_string());
        steps.push(revisions);
        // Its collections, the last public ones too: a purged record stays
        // in the publication log, but in no set.
        for table in ["record_collections", "public_collections"] {
            let mut collections =
                QueryBuilder::new(format!("DELETE FROM {table} WHERE record_id = "));
            collections.push_bind(id.to_string());
            steps.push(collections);
        }
        // The row stays, empty, so that a record once public is still
        // listed as withdrawn (OAI-PMH's persistent deletions).
        let mut row = QueryBuilder::new(
            "UPDATE records SET revision = 0, content_hash = '', public_since = NULL,
             edited_by = NULL,
             was_public = CASE WHEN public_since <= ",
        );
        row.push_bind(now.clone())
            .push(" THEN 1 ELSE was_public END, updated_at = ")
            .push_bind(now.clone())
            .push(" WHERE id = ")
            .push_bind(id.to_string());
        steps.push(row);
        let mut change =
            QueryBuilder::new("INSERT INTO changes (seq, record_id, revision) VALUES (");
        change
            .push_bind(seq)
            .push(", ")
            .push_bind(id.to_string())
            .push(", 0)");
        steps.push(change);
        let mut audit = QueryBuilder::new(
            "INSERT INTO audit (at, account, action, record_id, reason) VALUES (",
        );
        {
            let mut values = audit.separated(", ");
            values.push_bind(now);
            values.push_bind(account.to_string());
            values.push_bind("purge".to_string());
            values.push_bind(id.to_string());
            values.push_bind(reason.to_string());
        }
        audit.push(")");
        steps.push(audit);
        for mut step in steps {
            step.build()
                .execute(&mut *tx)
                .await
                .map_err(write_error(ctx))?;
        }
        tx.commit().await.map_err(db_error(ctx))?;
        Ok(true)
    }

    /// What the store holds of a batch's records, read under the write lock
    /// of a batch written at `now`.
    async fn current(
        tx: &mut Transaction<'static, DB>,
        dialect: &Dialect,
        records: &[Record],
        base_change: Option<u64>,
        now: Timestamp,
    ) -> StoreResult<Current> {
        let ctx = "reading the records a batch writes";
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let mut sql = QueryBuilder::new(
            "SELECT id, revision, origin, content_hash, public_since, was_public, edited_by
             FROM records WHERE id",
        );
        Self::push_in(&mut sql, dialect, &ids);
        let rows = sql.build().fetch_all(&mut **tx).await;
        let mut current = Current::default();
        for row in &rows.map_err(db_error(ctx))? {
            let id = Self::text(row, "id")?;
            let public_since = Self::optional_text(row, "public_since")?;
            let stored = Stored {
                revision: Self::small(row, "revision")?,
                origin: Self::text(row, "origin")?,
                content_hash: Self::text(row, "content_hash")?,
                public_since: public_since.map(|t| instant(&id, &t)).transpose()?,
                was_public: Self::small(row, "was_public")? != 0,
                changed_after_base: None,
                edited_by: Self::optional_text(row, "edited_by")?,
                collections: Vec::new(),
            };
            current.records.insert(id, stored);
        }
        // The collections of the current revisions public by now: replaced,
        // such a revision becomes the last public one (see `plan`).
        let mut sql = QueryBuilder::new(
            "SELECT c.record_id, c.collection FROM record_collections c
             JOIN records r ON r.id = c.record_id WHERE r.public_since <= ",
        );
        sql.push_bind(now.to_string()).push(" AND c.record_id");
        Self::push_in(&mut sql, dialect, &ids);
        let rows = sql.build().fetch_all(&mut **tx).await;
        for row in &rows.map_err(db_error(ctx))? {
            let id = Self::text(row, "record_id")?;
            if let Some(stored) = current.records.get_mut(&id) {
                stored.collections.push(Self::text(row, "collection")?);
            }
        }
        if let Some(base) = base_change {
            // Records other writers changed since the batch was prepared.
            let mut sql =
                QueryBuilder::new("SELECT record_id, max(seq) AS n FROM changes WHERE seq > ");
            sql.push_bind(base as i64).push(" AND record_id");
            Self::push_in(&mut sql, dialect, &ids);
            sql.push(" GROUP BY record_id");
            let rows = sql.build().fetch_all(&mut **tx).await;
            for row in &rows.map_err(db_error(ctx))? {
                let changed = current.records.get_mut(&Self::text(row, "record_id")?);
                if let Some(stored) = changed {
                    stored.changed_after_base = Some(Self::big(row, "n")?);
                }
            }
        }
        let last = QueryBuilder::new("SELECT coalesce(max(seq), 0) AS n FROM changes")
            .build()
            .fetch_one(&mut **tx)
            .await;
        current.last_change = Self::big(&last.map_err(db_error(ctx))?, "n")?;
        Ok(current)
    }

    /// Creates the schema table if need be and brings the schema up to the
    /// newest of `migrations` (entry `i` takes the schema to version
    /// `i + 1`), inside the caller's write transaction.
    pub async fn upgrade(
        tx: &mut Transaction<'static, DB>,
        migrations: &[&[&str]],
    ) -> StoreResult<()> {
        let ctx = "upgrading the schema";
        let create = "CREATE TABLE IF NOT EXISTS fonds_schema (version INTEGER NOT NULL)";
        Self::run(tx, sqlx::query(create), ctx).await?;
        let version = Self::version(&mut **tx).await?.unwrap_or(0);
        let supported = migrations.len() as i64;
        if version > supported {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported,
            });
        }
        for (i, steps) in migrations.iter().enumerate().skip(version as usize) {
            for step in *steps {
                let step = QueryBuilder::new(*step).build().execute(&mut **tx).await;
                step.map_err(db_error(ctx))?;
            }
            let mut done = QueryBuilder::new("INSERT INTO fonds_schema (version) VALUES (");
            done.push_bind(i as i64 + 1).push(")");
            done.build()
                .execute(&mut **tx)
                .await
                .map_err(db_error(ctx))?;
        }
        Ok(())
    }

    /// The stored schema version (`None` before the first).
    pub async fn version<'c, E>(executor: E) -> StoreResult<Option<i64>>
    where
        E: Executor<'c, Database = DB>,
    {
        let row = QueryBuilder::new("SELECT max(version) AS version FROM fonds_schema")
            .build()
            .fetch_one(executor)
            .await
            .map_err(db_error("reading the schema version"))?;
        let version: Option<i32> = row.try_get("version").map_err(db_error(DECODING))?;
        Ok(version.map(i64::from))
    }
}

#[async_trait]
impl<B> Store for B
where
    B: Backend + AccountStore,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
    for<'t> String: Encode<'t, B::Db> + Decode<'t, B::Db> + Type<B::Db>,
    for<'t> i64: Encode<'t, B::Db> + Decode<'t, B::Db> + Type<B::Db>,
    for<'t> i32: Decode<'t, B::Db> + Type<B::Db>,
    for<'t> Vec<u8>: Decode<'t, B::Db> + Type<B::Db>,
    for<'r> &'r str: ColumnIndex<<B::Db as Database>::Row>,
{
    async fn apply(&self, records: &[Record], options: ApplyOptions) -> StoreResult<ApplyReport> {
        Sql::apply(self, records, options).await
    }

    async fn apply_parts(
        &self,
        parts: &mut dyn Parts,
        options: ApplyOptions,
    ) -> StoreResult<ApplyReport> {
        Sql::apply_parts(self, parts, options).await
    }

    async fn get(&self, id: &str) -> StoreResult<Option<StoredRecord>> {
        Sql::get(self.pool(), id).await
    }

    async fn purge(&self, id: &str, account: &str, reason: &str) -> StoreResult<bool> {
        Sql::purge(self, id, account, reason).await
    }

    async fn audit(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let mut sql = QueryBuilder::new(
            "SELECT at, account, action, record_id, reason FROM audit ORDER BY seq DESC LIMIT ",
        );
        sql.push_bind(limit as i64);
        Sql::decoded(self.pool(), sql, "reading the audit log", |row| {
            let record_id = Sql::<B::Db>::text(row, "record_id")?;
            Ok(AuditEntry {
                at: Sql::<B::Db>::instant(row, &record_id, "at")?,
                account: Sql::<B::Db>::text(row, "account")?,
                action: Sql::<B::Db>::text(row, "action")?,
                reason: Sql::<B::Db>::text(row, "reason")?,
                record_id,
            })
        })
        .await
    }

    async fn get_many(&self, ids: &[&str]) -> StoreResult<Vec<StoredRecord>> {
        Sql::get_many(self.pool(), B::DIALECT, ids).await
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<StoredRecord>> {
        Sql::list(self.pool(), after, limit).await
    }

    async fn import_batches(&self, limit: usize) -> StoreResult<Vec<ImportBatch>> {
        let mut sql = QueryBuilder::new(
            // Timestamps are whole seconds: of two imports in one second,
            // the one whose changes were numbered later is the newer.
            "SELECT v.recorded_at, v.command, count(*) AS n,
                    COALESCE(max(c.seq), 0) AS last
             FROM revisions v
             LEFT JOIN changes c ON c.record_id = v.record_id AND c.revision = v.revision
             WHERE v.author IS NULL GROUP BY v.recorded_at, v.command
             ORDER BY v.recorded_at DESC, last DESC, v.command LIMIT ",
        );
        sql.push_bind(limit as i64);
        Sql::decoded(self.pool(), sql, "listing import batches", |row| {
            Ok(ImportBatch {
                at: Sql::<B::Db>::instant(row, "import batch", "recorded_at")?,
                command: Sql::<B::Db>::optional_text(row, "command")?,
                records: Sql::<B::Db>::big(row, "n")?,
            })
        })
        .await
    }

    async fn batch_records(
        &self,
        at: Timestamp,
        command: Option<&str>,
    ) -> StoreResult<Vec<String>> {
        let mut sql = QueryBuilder::new(
            "SELECT DISTINCT v.record_id FROM revisions v JOIN records r ON r.id = v.record_id
             WHERE r.revision > 0 AND v.author IS NULL AND v.recorded_at = ",
        );
        sql.push_bind(at.to_string());
        match command {
            Some(command) => sql.push(" AND v.command = ").push_bind(command.to_string()),
            None => sql.push(" AND v.command IS NULL"),
        };
        sql.push(" ORDER BY v.record_id");
        Sql::decoded(self.pool(), sql, "reading an import batch", |row| {
            Sql::<B::Db>::text(row, "record_id")
        })
        .await
    }

    async fn collection_neighbours(
        &self,
        collection: &str,
        id: &str,
        forward: bool,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        let (beyond, order) = if forward { (">", "ASC") } else { ("<", "DESC") };
        let mut sql = QueryBuilder::new(
            "SELECT c.record_id FROM record_collections c
             JOIN record_collections me ON me.collection = c.collection AND me.record_id = ",
        );
        sql.push_bind(id.to_string());
        sql.push(" WHERE c.collection = ")
            .push_bind(collection.to_string());
        sql.push(format!(
            " AND (c.position {beyond} me.position
                   OR (c.position = me.position AND c.record_id {beyond} me.record_id))
             ORDER BY c.position {order}, c.record_id {order} LIMIT "
        ));
        sql.push_bind(limit as i64);
        Sql::decoded(self.pool(), sql, "reading a collection's order", |row| {
            Sql::<B::Db>::text(row, "record_id")
        })
        .await
    }

    async fn unpublished(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<StoredRecord>> {
        Sql::current_records(self.pool(), |sql| {
            sql.push("revision > 0 AND (r.public_since IS NULL OR r.public_since > ")
                .push_bind(now.to_string())
                .push(") ORDER BY r.updated_at DESC, r.id LIMIT ")
                .push_bind(limit as i64);
        })
        .await
    }

    async fn revision(&self, id: &str, revision: u32) -> StoreResult<Option<Record>> {
        Sql::revision(self.pool(), id, revision).await
    }

    async fn history(&self, id: &str) -> StoreResult<Vec<RevisionInfo>> {
        Sql::history(self.pool(), id).await
    }

    async fn names_file(&self, sha256: &str) -> StoreResult<bool> {
        // A revision names its files' hashes in `files` (written since
        // bodies are compressed); an older revision's body is its record's
        // compact JSON, where a file is `"sha256":"…"` (the provenance's
        // hash of a source file has the same key: a match there only keeps
        // a file longer).
        let mut sql = QueryBuilder::new(
            "SELECT count(*) AS n FROM (SELECT 1 FROM revisions WHERE files LIKE ",
        );
        sql.push_bind(format!("%{sha256}%"))
            .push(" OR (files IS NULL AND body LIKE ")
            .push_bind(format!("%\"sha256\":\"{sha256}\"%"))
            .push(") LIMIT 1) AS found");
        Ok(Sql::number(self.pool(), sql, "looking for a file's revisions").await? > 0)
    }

    async fn revisions(
        &self,
        after: Option<(&str, u32)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredRevision>> {
        Sql::revisions(self.pool(), after, limit).await
    }

    async fn current_revisions(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, u32)>> {
        let mut sql =
            QueryBuilder::new("SELECT id, revision FROM records WHERE revision > 0 AND id > ");
        sql.push_bind(after.unwrap_or("").to_string())
            .push(" ORDER BY id LIMIT ")
            .push_bind(limit as i64);
        Sql::decoded(
            self.pool(),
            sql,
            "listing the records",
            Sql::<B::Db>::id_revision,
        )
        .await
    }

    async fn integrity(&self) -> StoreResult<Integrity> {
        Sql::integrity(self.pool()).await
    }

    async fn copy_to(&self, file: &Path) -> StoreResult<bool> {
        Backend::copy_to(self, file).await
    }

    async fn count(&self) -> StoreResult<u64> {
        // A purged record keeps its row at revision 0, with no content.
        let sql = QueryBuilder::new("SELECT count(*) AS n FROM records WHERE revision > 0");
        Sql::number(self.pool(), sql, "counting records").await
    }

    async fn changes_since(&self, seq: u64, limit: usize) -> StoreResult<Vec<Change>> {
        Sql::changes_since(self.pool(), seq, limit).await
    }

    async fn last_change(&self) -> StoreResult<u64> {
        let sql = QueryBuilder::new("SELECT coalesce(max(seq), 0) AS n FROM changes");
        Sql::number(self.pool(), sql, "reading the change log").await
    }

    async fn publications(&self, query: &PublicationQuery) -> StoreResult<Vec<Publication>> {
        Sql::publications(self.pool(), B::DIALECT, query).await
    }

    async fn count_publications(&self, query: &PublicationQuery) -> StoreResult<u64> {
        let sql = publication::count(query, B::DIALECT);
        Sql::number(self.pool(), sql, "counting the publication log").await
    }

    async fn earliest_publication(&self, now: Timestamp) -> StoreResult<Option<Timestamp>> {
        // The log's first entry.
        let mut query = PublicationQuery::at(now, 1);
        query.with_records = false;
        let first = Sql::publications(self.pool(), B::DIALECT, &query).await?;
        Ok(first.first().map(|p| p.datestamp))
    }

    async fn public_collections(&self, now: Timestamp) -> StoreResult<Vec<String>> {
        Sql::collection_names(self.pool(), publication::collections(now)).await
    }

    async fn harvest_collections(&self, now: Timestamp) -> StoreResult<Vec<String>> {
        Sql::collection_names(self.pool(), publication::harvest_collections(now)).await
    }

    async fn close(&self) {
        self.pool().close().await;
    }

    async fn wait_for_change(&self, timeout: Duration) -> StoreResult<()> {
        Backend::wait_for_change(self, timeout).await
    }
}
