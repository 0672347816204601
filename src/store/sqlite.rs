//! The embedded store: one SQLite file (`fonds.sqlite3`) in the data folder,
//! through sqlx, in WAL mode.
//!
//! Tables: `records` (current revision of each record, with `public_since`
//! and `was_public` for the publication log), `revisions` (every revision's
//! JSON, the record's content lives only here), `changes` (the ordered change
//! log), `record_collections` (the current revision's collections, for
//! OAI-PMH sets, with each record's place in them for previous/next),
//! `public_collections` (the last public revision's collections, the sets a
//! withdrawn record stays in), `fonds_schema` (the schema version).
//!
//! Writers are serialised by `BEGIN IMMEDIATE`, which takes the database's
//! write lock when the transaction starts; change-log numbers are given out
//! under it (by the batch planner), so their order is commit order. Reads
//! and the batch's rules are shared with PostgreSQL (`super::sql`,
//! `super::plan`). A backup's copy is `VACUUM INTO` (`Store::copy_to`): one
//! read transaction, so one state of the store while writers go on.

mod accounts;

use super::plan::Plan;
use super::sql::{self, Backend, Dialect, Sql};
use super::{StoreResult, db_error};
use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::Transaction;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
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
    // 4: who wrote each revision and why; which records staff edited; the
    // audit log of purges.
    &[
        "ALTER TABLE records ADD COLUMN edited_by TEXT",
        "ALTER TABLE revisions ADD COLUMN author TEXT",
        "ALTER TABLE revisions ADD COLUMN command TEXT",
        "ALTER TABLE revisions ADD COLUMN note TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX revisions_imports ON revisions (recorded_at) WHERE author IS NULL",
        "CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            account TEXT NOT NULL,
            action TEXT NOT NULL,
            record_id TEXT NOT NULL,
            reason TEXT NOT NULL
        )",
    ],
    // 5: a revision's change number by its record and revision (which of two
    // imports in the same second came last).
    &["CREATE INDEX changes_revision ON changes (record_id, revision)"],
    // 6: each record's place in its collections (`plan::collection_position`:
    // edition number, else earliest day), for previous and next.
    &[
        "ALTER TABLE record_collections ADD COLUMN position TEXT NOT NULL DEFAULT '2'",
        "UPDATE record_collections SET position = (
            SELECT CASE
                WHEN n GLOB '[0-9]*' AND n NOT GLOB '*[^0-9]*' AND length(n) <= 12
                    THEN '0' || substr('000000000000' || n, -12)
                WHEN d IS NOT NULL THEN '1' || d
                ELSE '2' END
            FROM (SELECT json_extract(v.body, '$.edition.number') AS n,
                         json_extract(v.body, '$.date.earliest') AS d
                  FROM records r JOIN revisions v ON v.record_id = r.id AND v.revision = r.revision
                  WHERE r.id = record_collections.record_id))
         WHERE EXISTS (SELECT 1 FROM records r WHERE r.id = record_collections.record_id
                       AND r.revision > 0)",
        "CREATE INDEX record_collections_order ON record_collections (collection, position, record_id)",
    ],
    // 7: each record's last public collections (those of its last revision
    // that was public), the sets a withdrawn record stays in. Backfilled from
    // the revisions: a revision was public if its `public_since` (as
    // `Record::public_since` gives it, from its recorded instant) came by
    // the time the next one was written, or by now for the current one.
    &[
        "CREATE TABLE public_collections (
            collection TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (collection, record_id)
        )",
        "CREATE INDEX public_collections_record ON public_collections (record_id)",
        "INSERT OR IGNORE INTO public_collections (collection, record_id)
            SELECT j.value, r.id FROM records r
            JOIN revisions v ON v.record_id = r.id AND v.revision = (
                SELECT max(a.revision) FROM revisions a
                LEFT JOIN revisions b ON b.record_id = a.record_id AND b.revision = a.revision + 1
                WHERE a.record_id = r.id AND a.revision <= r.revision
                  AND CASE coalesce(json_extract(a.body, '$.visibility.status'), 'published')
                      WHEN 'published' THEN a.recorded_at
                      WHEN 'embargoed' THEN
                          max(a.recorded_at, json_extract(a.body, '$.visibility.until') || 'T00:00:00Z')
                      END <= coalesce(b.recorded_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))),
            json_each(v.body, '$.collections') j",
    ],
    // 8: the hashes of each revision's files, beside its body: bodies are
    // written zstd-compressed from here on (`plan::pack`), which SQL cannot
    // read, so no later migration may read a body in SQL. Older revisions
    // keep their JSON text (NULL `files`); both kinds are read.
    &["ALTER TABLE revisions ADD COLUMN files TEXT"],
];

/// Whether SQLite said the database is locked or busy (another process
/// holds a lock for a moment).
fn is_locked(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => matches!(d.code().as_deref(), Some("5" | "6" | "517")),
        _ => false,
    }
}

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
        // Connecting sets the journal mode, which takes a lock before the
        // busy timeout applies: two processes opening a new file at once
        // can find it locked for a moment. Try again for a while.
        let mut attempt = 0;
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
                .await
            {
                Ok(pool) => break pool,
                Err(e) if attempt < 100 && is_locked(&e) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(db_error("opening the SQLite store")(e)),
            }
        };
        let store = SqliteStore { pool };
        let ctx = "upgrading the schema";
        let mut tx = store.begin_write(ctx).await?;
        Sql::upgrade(&mut tx, MIGRATIONS).await?;
        tx.commit().await.map_err(db_error(ctx))?;
        Ok(store)
    }
}

#[async_trait]
impl Backend for SqliteStore {
    type Db = Sqlite;
    const DIALECT: &'static Dialect = &sql::SQLITE;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin_write(&self, context: &str) -> StoreResult<Transaction<'static, Sqlite>> {
        // Takes the database's write lock at once (see the module doc).
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error(context))
    }

    async fn copy_to(&self, file: &Path) -> StoreResult<bool> {
        // One read transaction over the whole database, so the copy is one
        // state of it however writers go on meanwhile (WAL mode).
        let ctx = "copying the store";
        let path = file.to_str().ok_or_else(|| {
            db_error(ctx)(std::io::Error::other(format!(
                "{} is not a UTF-8 path",
                file.display()
            )))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(path)
            .execute(&self.pool)
            .await
            .map_err(db_error(ctx))?;
        Ok(true)
    }

    async fn write(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        plan: &Plan<'_>,
    ) -> StoreResult<()> {
        let upsert = sql::upsert_records("VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        let insert = sql::insert_revisions("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        let author = plan.author;
        let (at, ctx) = (plan.written_at.to_string(), sql::WRITING);
        for row in &plan.rows {
            let current = sqlx::query(AssertSqlSafe(upsert.as_str()))
                .bind(row.id)
                .bind(i64::from(row.revision))
                .bind(row.origin)
                .bind(&row.content_hash)
                .bind(&at)
                .bind(row.public_since.map(|t| t.to_string()))
                .bind(i64::from(row.was_public))
                .bind(row.edited_by);
            Sql::run(tx, current, ctx).await?;
            // The current revision's collections, for OAI-PMH sets.
            let clear = "DELETE FROM record_collections WHERE record_id = ?";
            Sql::run(tx, sqlx::query(clear).bind(row.id), ctx).await?;
            let add = "INSERT OR IGNORE INTO record_collections (collection, record_id, position)
                       VALUES (?, ?, ?)";
            for collection in row.collections {
                let added = sqlx::query(add)
                    .bind(collection)
                    .bind(row.id)
                    .bind(&row.position);
                Sql::run(tx, added, ctx).await?;
            }
            // The last public revision's collections, when the batch
            // changes them (see `plan`).
            if let Some(public) = row.public_collections {
                let clear = "DELETE FROM public_collections WHERE record_id = ?";
                Sql::run(tx, sqlx::query(clear).bind(row.id), ctx).await?;
                let add = "INSERT OR IGNORE INTO public_collections (collection, record_id)
                           VALUES (?, ?)";
                for collection in public {
                    let added = sqlx::query(add).bind(collection).bind(row.id);
                    Sql::run(tx, added, ctx).await?;
                }
            }
        }
        for revision in &plan.revisions {
            let (id, number) = (&revision.record.id, i64::from(revision.revision));
            let stored = sqlx::query(AssertSqlSafe(insert.as_str()))
                .bind(id)
                .bind(number)
                .bind(&at)
                .bind(&revision.record.provenance.file)
                .bind(revision.packed_body())
                .bind(revision.files())
                .bind(&author.account)
                .bind(&author.command)
                .bind(&author.note);
            Sql::run(tx, stored, ctx).await?;
            let logged =
                sqlx::query("INSERT INTO changes (seq, record_id, revision) VALUES (?, ?, ?)")
                    .bind(revision.seq as i64)
                    .bind(id)
                    .bind(number);
            Sql::run(tx, logged, ctx).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Timestamp, now};
    use crate::model::{Provenance, Record, Visibility};
    use crate::store::{ApplyOptions, Author, PublicationQuery, Store, StoreError};

    /// Turns the store back into one written before version 8: bodies as
    /// JSON text, no `files` column (the upgrade tests then drop what
    /// earlier versions lacked).
    async fn as_before_version_8(store: &SqliteStore) {
        let rows: Vec<(String, i64, Vec<u8>)> =
            sqlx::query_as("SELECT record_id, revision, body FROM revisions")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        for (id, revision, packed) in rows {
            let text = crate::store::plan::unpack(&packed).unwrap();
            sqlx::query("UPDATE revisions SET body = ? WHERE record_id = ? AND revision = ?")
                .bind(text)
                .bind(id)
                .bind(revision)
                .execute(&store.pool)
                .await
                .unwrap();
        }
        sqlx::query("ALTER TABLE revisions DROP COLUMN files")
            .execute(&store.pool)
            .await
            .unwrap();
    }

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

    /// A new store in a folder of its own (kept while the folder lives).
    async fn empty() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite3"))
            .await
            .unwrap();
        (dir, store)
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
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

    /// Parts handed over from a list, giving up at `give_up` if set.
    struct Listed {
        parts: std::collections::VecDeque<Vec<Record>>,
        give_up: Option<usize>,
        given: usize,
    }

    #[async_trait::async_trait]
    impl crate::store::Parts for Listed {
        async fn next_part(&mut self) -> Result<Option<Vec<Record>>, crate::store::Abandoned> {
            if self.give_up == Some(self.given) {
                return Err(crate::store::Abandoned);
            }
            self.given += 1;
            Ok(self.parts.pop_front())
        }
    }

    fn listed(parts: Vec<Vec<Record>>, give_up: Option<usize>) -> Listed {
        Listed {
            parts: parts.into(),
            give_up,
            given: 0,
        }
    }

    /// A batch in parts is one transaction: written whole, numbered in a
    /// row across its parts, and nothing of it when its writer gives it up
    /// after some parts were written.
    #[tokio::test]
    async fn a_batch_in_parts_is_written_whole_or_not_at_all() {
        let (_dir, store) = empty().await;
        let part = |ids: &[&str]| -> Vec<Record> {
            ids.iter()
                .map(|id| record(id, Visibility::Published, &[]))
                .collect()
        };
        let mut given_up = listed(vec![part(&["a", "b"]), part(&["c"])], Some(2));
        let refused = store
            .apply_parts(&mut given_up, ApplyOptions::default())
            .await;
        assert!(matches!(refused, Err(StoreError::Abandoned)), "{refused:?}");
        assert_eq!(store.count().await.unwrap(), 0);
        assert_eq!(store.last_change().await.unwrap(), 0);

        let mut whole = listed(vec![part(&["a", "b"]), part(&["c"])], None);
        let report = store
            .apply_parts(&mut whole, ApplyOptions::default())
            .await
            .unwrap();
        assert_eq!(report.outcomes.len(), 3);
        assert_eq!(report.count(crate::store::Outcome::Created), 3);
        assert_eq!(report.last_change, 3);
        assert_eq!(store.count().await.unwrap(), 3);
        let changes = store.changes_since(0, 10).await.unwrap();
        let ids: Vec<&str> = changes.iter().map(|c| c.record_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    /// Conflicts found in different parts refuse the batch together.
    #[tokio::test]
    async fn conflicts_of_every_part_are_reported_together() {
        let (_dir, store) = empty().await;
        let first = [
            record("a", Visibility::Published, &[]),
            record("b", Visibility::Published, &[]),
        ];
        store.apply(&first, ApplyOptions::default()).await.unwrap();
        // Changed by another writer after the batch below was prepared.
        let changed: Vec<Record> = first
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.title.push_str(" (edited)");
                r
            })
            .collect();
        store
            .apply(&changed, ApplyOptions::default())
            .await
            .unwrap();
        let mut mine: Vec<Record> = first.to_vec();
        for r in &mut mine {
            r.title.push_str(" (mine)");
        }
        let options = ApplyOptions {
            base_change: Some(2),
            ..Default::default()
        };
        let mut parts = listed(vec![vec![mine[0].clone()], vec![mine[1].clone()]], None);
        match store.apply_parts(&mut parts, options).await {
            Err(StoreError::Conflict { conflicts, .. }) => {
                let ids: Vec<&str> = conflicts.iter().map(|c| c.id.as_str()).collect();
                assert_eq!(ids, ["a", "b"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(store.last_change().await.unwrap(), 4);
    }

    /// Drafts and embargoes never public are absent, a record once public
    /// stays listed (withdrawn when hidden), an embargo lifts by itself.
    #[tokio::test]
    async fn the_publication_log_follows_visibility() {
        let (_dir, store) = empty().await;
        let batch = [
            record("a", Visibility::Published, &["X"]),
            record("b", Visibility::Draft, &["X"]),
            record("c", embargo("2999-01-01"), &["Y"]),
            record("d", embargo("2000-01-01"), &[]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let now = now();
        let q = PublicationQuery::at(now, 10);
        // Same second: order by identifier.
        assert_eq!(log(&store, &q).await, owned(&[("a", false), ("d", false)]));
        assert_eq!(store.count_publications(&q).await.unwrap(), 2);
        let entries = store.publications(&q).await.unwrap();
        assert_eq!(entries[0].record.as_ref().unwrap().title, "Title a");
        let written = store.get("a").await.unwrap().unwrap().updated_at;
        assert_eq!(entries[0].datestamp, written);
        assert_eq!(store.public_collections(now).await.unwrap(), ["X"]);

        // The future, when c's embargo has lifted: dated by the day it lifts.
        let later = PublicationQuery::at(at("2999-06-01T00:00:00Z"), 10);
        let entries = store.publications(&later).await.unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2].id, "c");
        assert_eq!(entries[2].datestamp, at("2999-01-01T00:00:00Z"));

        // a becomes a draft and b is published: a is withdrawn, b appears.
        let batch = [
            record("a", Visibility::Draft, &["X"]),
            record("b", Visibility::Published, &["X"]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let now = crate::clock::now();
        let q = PublicationQuery::at(now, 10);
        let got = log(&store, &q).await;
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.contains(&("a".into(), true)) && got.contains(&("b".into(), false)));
        let withdrawn = store.publications(&q).await.unwrap();
        let a = withdrawn.iter().find(|p| p.id == "a").unwrap();
        assert!(a.record.is_none());
        assert_eq!(store.public_collections(now).await.unwrap(), ["X"]);

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
        f.until = Some(at("2000-01-01T00:00:00Z"));
        assert!(log(&store, &f).await.is_empty());
        assert_eq!(store.count_publications(&f).await.unwrap(), 0);
        let mut f = q.clone();
        f.limit = 1;
        let mut seen = Vec::new();
        loop {
            let page = store.publications(&f).await.unwrap();
            let Some(last) = page.last() else { break };
            f.after = Some((last.datestamp, last.id.clone()));
            seen.push(last.id.clone());
        }
        seen.sort();
        assert_eq!(seen, ["a", "b", "d"]);
        assert!(store.earliest_publication(now).await.unwrap().unwrap() <= now);
    }

    /// Imports are listed newest first, also two run in the same second
    /// (timestamps are whole seconds) whose commands sort the other way.
    #[tokio::test]
    async fn import_batches_are_listed_newest_first_within_a_second() {
        let (_dir, store) = empty().await;
        let import = |command: &str| ApplyOptions {
            author: Author {
                account: None,
                command: Some(command.into()),
                note: String::new(),
            },
            ..ApplyOptions::default()
        };
        // Start just after a second turns, so that both fall in one second.
        let start = now();
        while now() == start {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let first = [record("a", Visibility::Published, &[])];
        store.apply(&first, import("fonds import a")).await.unwrap();
        let second = [
            record("b", Visibility::Published, &[]),
            record("c", Visibility::Published, &[]),
        ];
        store
            .apply(&second, import("fonds import z"))
            .await
            .unwrap();
        let batches = store.import_batches(10).await.unwrap();
        let got: Vec<_> = batches
            .iter()
            .map(|b| (b.command.as_deref().unwrap(), b.records))
            .collect();
        assert_eq!(got, [("fonds import z", 2), ("fonds import a", 1)]);
    }

    /// Bodies are stored compressed, beside their files' hashes; a store
    /// written before (JSON text bodies) upgrades without rewriting them,
    /// and both kinds read back and name their files.
    #[tokio::test]
    async fn bodies_are_compressed_and_older_text_bodies_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = SqliteStore::open(&path).await.unwrap();
        let with_file = |id: &str, hash: char, body: &str| {
            let mut r = record(id, Visibility::Published, &["X"]);
            r.summary = Some(body.repeat(200));
            r.files.push(crate::model::DigitalObject {
                sha256: hash.to_string().repeat(64),
                media_type: "image/jpeg".into(),
                name: format!("{id}.jpg"),
                bytes: 10,
                label: None,
                width: Some(10),
                height: Some(20),
            });
            r
        };
        let old = with_file("a", 'a', "an old revision ");
        store
            .apply(std::slice::from_ref(&old), ApplyOptions::default())
            .await
            .unwrap();
        as_before_version_8(&store).await;
        sqlx::query("DELETE FROM fonds_schema WHERE version > 7")
            .execute(&store.pool)
            .await
            .unwrap();
        store.close().await;
        let store = SqliteStore::open(&path).await.unwrap();
        let new = with_file("a", 'b', "a new revision ");
        store
            .apply(std::slice::from_ref(&new), ApplyOptions::default())
            .await
            .unwrap();
        let kinds: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT revision, typeof(body), length(body), files FROM revisions ORDER BY revision",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert_eq!(kinds[0].1, "text");
        assert_eq!(kinds[0].3, None);
        assert_eq!(kinds[1].1, "blob");
        assert_eq!(kinds[1].3.as_deref(), Some("b".repeat(64).as_str()));
        let json = crate::export::jsonl::line(&new).len() as i64;
        assert!(
            kinds[1].2 * 5 < json,
            "{} bytes stored of {json}",
            kinds[1].2
        );
        assert_eq!(store.revision("a", 1).await.unwrap(), Some(old));
        assert_eq!(store.revision("a", 2).await.unwrap(), Some(new.clone()));
        assert_eq!(store.get("a").await.unwrap().unwrap().record, new);
        for (hash, named) in [('a', true), ('b', true), ('c', false)] {
            let sha = hash.to_string().repeat(64);
            assert_eq!(store.names_file(&sha).await.unwrap(), named, "{sha}");
        }
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
            PublicationQuery::at(now, 10),
            PublicationQuery::at(at("2999-06-01T00:00:00Z"), 10),
        ];
        let mut before = Vec::new();
        for q in &queries {
            before.push(store.publications(q).await.unwrap());
        }
        let collections = store.public_collections(now).await.unwrap();
        let harvested = store.harvest_collections(now).await.unwrap();
        as_before_version_8(&store).await;
        for step in [
            // Version 7's table, 5's index, 4's (authors, audit), 3's
            // (accounts), then 2's.
            "DROP TABLE public_collections",
            "DROP INDEX changes_revision",
            "DROP TABLE audit",
            "DROP INDEX revisions_imports",
            "ALTER TABLE records DROP COLUMN edited_by",
            "ALTER TABLE revisions DROP COLUMN author",
            "ALTER TABLE revisions DROP COLUMN command",
            "ALTER TABLE revisions DROP COLUMN note",
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
        assert_eq!(store.public_collections(now).await.unwrap(), collections);
        assert_eq!(store.harvest_collections(now).await.unwrap(), harvested);
        let a = before[0].iter().find(|p| p.id == "a").unwrap();
        assert!(a.withdrawn);
        assert_eq!(a.last_public_collections, ["X", "Y"]);
        assert_eq!(harvested, ["X", "Y", "Z"]);
    }

    /// The rows of `public_collections`, as (record, collection).
    async fn last_public(store: &SqliteStore) -> Vec<(String, String)> {
        sqlx::query_as("SELECT record_id, collection FROM public_collections ORDER BY 1, 2")
            .fetch_all(&store.pool)
            .await
            .unwrap()
    }

    /// Upgrading a version-6 store finds each record's last public revision
    /// among its stored revisions, an embargo that ended before the next
    /// revision included, and keeps its collections.
    #[tokio::test]
    async fn the_upgrade_backfills_the_last_public_collections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = SqliteStore::open(&path).await.unwrap();
        let batch = [
            record("a", Visibility::Published, &["A"]),
            record("b", Visibility::Published, &["B"]),
            record("c", embargo("2999-01-01"), &["C"]),
            record("d", Visibility::Draft, &["D"]),
            record("e", embargo("2999-01-01"), &["E"]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let batch = [
            // Withdrawn: stays in A. Published elsewhere: now in B2.
            record("a", Visibility::Draft, &["Secret"]),
            record("b", Visibility::Published, &["B2"]),
            // Never public.
            record("c", Visibility::Draft, &["C2"]),
            record("d", Visibility::Withdrawn, &["D2"]),
            record("e", Visibility::Draft, &["E2"]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let kept = pairs(&[("a", "A"), ("b", "B2")]);
        assert_eq!(last_public(&store).await, kept, "as apply keeps them");
        as_before_version_8(&store).await;
        // e's first revision, as if written in 2019 under an embargo that
        // ended in 2020, before its draft replaced it.
        sqlx::query(
            "UPDATE revisions SET recorded_at = '2019-06-01T00:00:00Z',
                 body = replace(body, '2999-01-01', '2020-01-01')
             WHERE record_id = 'e' AND revision = 1",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        for step in [
            "DROP TABLE public_collections",
            "DELETE FROM fonds_schema WHERE version > 6",
        ] {
            sqlx::query(step).execute(&store.pool).await.unwrap();
        }
        store.close().await;
        let store = SqliteStore::open(&path).await.unwrap();
        let backfilled = pairs(&[("a", "A"), ("b", "B2"), ("e", "E")]);
        assert_eq!(last_public(&store).await, backfilled);
    }

    /// A copy is the store as it was, and a sound store's integrity lists
    /// only its purges (whose entries name revisions that are gone).
    #[tokio::test]
    async fn a_copy_holds_the_store_and_integrity_finds_only_purges() {
        let (dir, store) = empty().await;
        let batch = [
            record("a", Visibility::Published, &[]),
            record("b", Visibility::Published, &[]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let batch = [record("a", Visibility::Draft, &[])];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        assert!(store.purge("b", "ana", "a complaint").await.unwrap());
        let copy = dir.path().join("copy.sqlite3");
        assert!(Store::copy_to(&store, &copy).await.unwrap());
        assert!(
            Store::copy_to(&store, &copy).await.is_err(),
            "never over a file"
        );
        store
            .apply(
                &[record("c", Visibility::Published, &[])],
                ApplyOptions::default(),
            )
            .await
            .unwrap();
        let copied = SqliteStore::open(&copy).await.unwrap();
        assert_eq!(copied.last_change().await.unwrap(), 4);
        assert_eq!(store.last_change().await.unwrap(), 5);
        let revisions = copied.revisions(None, 10).await.unwrap();
        let seen: Vec<_> = revisions
            .iter()
            .map(|r| (r.id.as_str(), r.revision, r.current_hash.is_some()))
            .collect();
        assert_eq!(seen, [("a", 1, false), ("a", 2, true)]);
        let page = copied.revisions(Some(("a", 1)), 10).await.unwrap();
        assert_eq!(page, revisions[1..]);
        let current = &revisions[1];
        assert_eq!(
            current.current_hash.as_deref(),
            Some(current.record.as_ref().unwrap().content_hash().as_str())
        );
        assert_eq!(
            copied.current_revisions(None, 10).await.unwrap(),
            [("a".to_string(), 2)]
        );
        let integrity = copied.integrity().await.unwrap();
        let purge = crate::store::Change {
            seq: 4,
            record_id: "b".into(),
            revision: 0,
        };
        let gone = crate::store::Change {
            seq: 2,
            record_id: "b".into(),
            revision: 1,
        };
        assert_eq!(
            integrity,
            crate::store::Integrity {
                purges: vec![purge],
                dangling: vec![gone],
                ..Default::default()
            }
        );
        // A hole, a revision lost, an entry lost.
        for step in [
            "DELETE FROM changes WHERE seq = 3",
            "DELETE FROM revisions WHERE record_id = 'a' AND revision = 2",
        ] {
            sqlx::query(step).execute(&copied.pool).await.unwrap();
        }
        let integrity = copied.integrity().await.unwrap();
        assert_eq!(integrity.gaps, [(2, 4)]);
        assert_eq!(integrity.missing_current, [("a".to_string(), 2)]);
        assert_eq!(integrity.unlogged, [("a".to_string(), 2)]);
    }

    /// A purge takes the last public collections with it: the record stays
    /// in the log, withdrawn, in no set.
    #[tokio::test]
    async fn a_purge_removes_the_last_public_collections() {
        let (_dir, store) = empty().await;
        let batch = [
            record("a", Visibility::Published, &["A"]),
            record("b", Visibility::Published, &["A"]),
        ];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        let batch = [record("b", Visibility::Draft, &["A"])];
        store.apply(&batch, ApplyOptions::default()).await.unwrap();
        assert!(store.purge("a", "ana", "a complaint").await.unwrap());
        let now = now();
        assert_eq!(store.harvest_collections(now).await.unwrap(), ["A"]);
        assert!(store.purge("b", "ana", "a complaint").await.unwrap());
        assert!(last_public(&store).await.is_empty());
        assert!(store.harvest_collections(now).await.unwrap().is_empty());
        let mut q = PublicationQuery::at(now, 10);
        let entries = store.publications(&q).await.unwrap();
        assert!(
            entries
                .iter()
                .all(|p| p.withdrawn && p.last_public_collections.is_empty())
        );
        assert_eq!(entries.len(), 2);
        q.collections = Some(vec!["A".into()]);
        assert!(store.publications(&q).await.unwrap().is_empty());
    }
}
