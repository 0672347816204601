//! The publication log's SQL (see [`super::Store::publications`]), built once
//! for both backends: the SQLite and PostgreSQL stores differ only in the
//! few spellings a [`Dialect`] names.
//!
//! Invariants:
//! - Both backends list the same entries in the same `(datestamp, id)` order
//!   for the same [`PublicationQuery`].
//! - A public entry is matched to collections by its current revision's
//!   (`record_collections`), a withdrawn one by its last public revision's
//!   (`public_collections`), never by a revision that is not public.
//! - The collections of the log are read by a loose index scan (one probe of
//!   the `(collection, record_id)` key per distinct collection, then one
//!   check that a record makes it public), never by a walk over every
//!   record's: a set harvest asks for them on every page.

use super::PublicationQuery;
use super::sql::Dialect;
use crate::clock::Timestamp;
use sqlx::{Database, Encode, QueryBuilder, Type};

/// The two branches of the log: public records (dated when they became
/// public) and withdrawn ones (dated by their last write).
#[derive(Clone, Copy)]
enum Branch {
    Public,
    Withdrawn,
}

impl Branch {
    /// The table of the collections the branch's entries are in.
    fn collections(self) -> &'static str {
        match self {
            Branch::Public => "record_collections",
            Branch::Withdrawn => "public_collections",
        }
    }

    /// The column that is the branch's datestamp.
    fn datestamp(self) -> &'static str {
        match self {
            Branch::Public => "public_since",
            Branch::Withdrawn => "updated_at",
        }
    }

    fn of(query: &PublicationQuery) -> &'static [Branch] {
        if query.include_withdrawn {
            &[Branch::Public, Branch::Withdrawn]
        } else {
            &[Branch::Public]
        }
    }

    /// `WHERE …` of the branch for `query`; the cursor only when `paged`.
    fn push_where<DB: Database>(
        self,
        sql: &mut QueryBuilder<DB>,
        query: &PublicationQuery,
        paged: bool,
        dialect: &Dialect,
    ) where
        for<'t> String: Encode<'t, DB> + Type<DB>,
    {
        let ds = self.datestamp();
        match self {
            Branch::Public => {
                sql.push(" WHERE public_since <= ")
                    .push_bind(query.now.to_string());
            }
            Branch::Withdrawn => {
                sql.push(" WHERE ");
                push_withdrawn(sql, "", query.now);
            }
        }
        if let Some(from) = &query.from {
            sql.push(format!(" AND {ds} >= "))
                .push_bind(from.to_string());
        }
        if let Some(until) = &query.until {
            sql.push(format!(" AND {ds} <= "))
                .push_bind(until.to_string());
        }
        if let Some(id) = &query.id {
            sql.push(" AND id = ").push_bind(id.clone());
        }
        if let Some(collections) = &query.collections {
            let names = serde_json::Value::from(collections.clone()).to_string();
            // Correlated, so that the page still walks the datestamp index
            // in order and stops at the limit, whatever the set's size.
            let (open, close) = dialect.json_names;
            let table = self.collections();
            sql.push(format!(
                " AND EXISTS (SELECT 1 FROM {table} c
                   WHERE c.record_id = records.id AND c.collection IN ({open}"
            ))
            .push_bind(names)
            .push(format!("{close}))"));
        }
        if paged && let Some((after_ds, after_id)) = &query.after {
            sql.push(format!(" AND ({ds}, id) > ("))
                .push_bind(after_ds.to_string())
                .push(", ")
                .push_bind(after_id.clone())
                .push(")");
        }
    }
}

/// One page of the log: columns `id`, `ds`, `withdrawn` (0 or 1) and
/// `body` (the record's JSON, NULL for withdrawn entries or without
/// `with_records`).
pub(crate) fn list<DB: Database>(query: &PublicationQuery, dialect: &Dialect) -> QueryBuilder<DB>
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    let limit = query.limit as i64;
    let mut sql = QueryBuilder::new("SELECT u.id, u.ds, u.withdrawn, ");
    sql.push(if query.with_records {
        "v.body"
    } else {
        dialect.null_text
    });
    sql.push(" AS body FROM (");
    // Each branch walks its own index in order; the union of the two first
    // pages holds the first page of the whole.
    for (i, branch) in Branch::of(query).iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        let ds = branch.datestamp();
        let withdrawn = matches!(branch, Branch::Withdrawn) as i32;
        sql.push(format!(
            "{}SELECT id, {ds} AS ds, {withdrawn} AS withdrawn, revision FROM records",
            dialect.branch_open
        ));
        branch.push_where(&mut sql, query, true, dialect);
        sql.push(format!(" ORDER BY {ds}, id LIMIT "))
            .push_bind(limit)
            .push(")");
    }
    sql.push(") u");
    if query.with_records {
        sql.push(
            " LEFT JOIN revisions v ON u.withdrawn = 0
              AND v.record_id = u.id AND v.revision = u.revision",
        );
    }
    sql.push(" ORDER BY u.ds, u.id LIMIT ").push_bind(limit);
    sql
}

/// The number of entries [`list`] would give without cursor and limit.
pub(crate) fn count<DB: Database>(query: &PublicationQuery, dialect: &Dialect) -> QueryBuilder<DB>
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    let mut sql = QueryBuilder::new(format!("SELECT {}", dialect.zero));
    for branch in Branch::of(query) {
        sql.push(" + (SELECT count(*) FROM records");
        branch.push_where(&mut sql, query, false, dialect);
        sql.push(")");
    }
    sql.push(" AS n");
    sql
}

/// `was_public = 1 AND …`: the record (columns prefixed by `alias`) is
/// withdrawn at `now`, public once and not now. `was_public = 1` verbatim, so
/// that the partial index applies.
fn push_withdrawn<DB: Database>(sql: &mut QueryBuilder<DB>, alias: &str, now: Timestamp)
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    sql.push(format!("{alias}was_public = 1 AND {alias}updated_at <= "))
        .push_bind(now.to_string())
        .push(format!(
            " AND ({alias}public_since IS NULL OR {alias}public_since > "
        ))
        .push_bind(now.to_string())
        .push(")");
}

/// A recursive CTE `{name}(collection)` listing the distinct collections of
/// `table` in byte order, then one NULL: a loose index scan, each step one
/// probe of the `(collection, record_id)` key for the next name up.
fn distinct(name: &str, table: &str) -> String {
    format!(
        "{name}(collection) AS (
           SELECT (SELECT collection FROM {table} ORDER BY collection LIMIT 1)
           UNION ALL
           SELECT (SELECT t.collection FROM {table} t WHERE t.collection > {name}.collection
                   ORDER BY t.collection LIMIT 1)
           FROM {name} WHERE {name}.collection IS NOT NULL)"
    )
}

/// Whether a record of `table` in collection `d.collection` meets `record`
/// (a condition on `records r`): a scalar `LIMIT 1` walking the collection's
/// key and probing each record, so that it stops at the first match. Written
/// so on purpose: PostgreSQL would turn an `EXISTS` into a join over every
/// record, and costs it high enough to compile it (JIT) on every call.
fn push_any<DB: Database>(
    sql: &mut QueryBuilder<DB>,
    table: &str,
    record: impl FnOnce(&mut QueryBuilder<DB>),
) {
    sql.push(format!(
        "(SELECT 1 FROM {table} c WHERE c.collection = d.collection
          AND (SELECT 1 FROM records r WHERE r.id = c.record_id AND "
    ));
    record(sql);
    sql.push(") IS NOT NULL LIMIT 1) IS NOT NULL");
}

/// `r.public_since <= now`: public at `now`.
fn push_public<DB: Database>(sql: &mut QueryBuilder<DB>, now: Timestamp)
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    sql.push("r.public_since <= ").push_bind(now.to_string());
}

/// The distinct collections of the records public at `now` (column
/// `collection`, in no set order: the caller sorts).
pub(crate) fn collections<DB: Database>(now: Timestamp) -> QueryBuilder<DB>
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    let mut sql = QueryBuilder::new(format!(
        "WITH RECURSIVE {} SELECT d.collection FROM d WHERE d.collection IS NOT NULL AND ",
        distinct("d", "record_collections")
    ));
    push_any(&mut sql, "record_collections", |sql| push_public(sql, now));
    sql
}

/// The distinct collections of the records public at `now` and the last
/// public collections of the records withdrawn at `now` (column
/// `collection`, in no set order: the caller sorts).
pub(crate) fn harvest_collections<DB: Database>(now: Timestamp) -> QueryBuilder<DB>
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    // A name is checked against the public records first (usually found at
    // once), and only then against the withdrawn ones: CASE fixes that
    // order on both backends.
    let mut sql = QueryBuilder::new(format!(
        "WITH RECURSIVE {}, {}
         SELECT d.collection FROM (SELECT collection FROM p WHERE collection IS NOT NULL
                                   UNION SELECT collection FROM w WHERE collection IS NOT NULL) d
         WHERE CASE WHEN ",
        distinct("p", "record_collections"),
        distinct("w", "public_collections"),
    ));
    push_any(&mut sql, "record_collections", |sql| push_public(sql, now));
    sql.push(" THEN 1 WHEN ");
    push_any(&mut sql, "public_collections", |sql| {
        push_withdrawn(sql, "r.", now)
    });
    sql.push(" THEN 1 ELSE 0 END = 1");
    sql
}
