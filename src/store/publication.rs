//! The publication log's SQL (see [`super::Store::publications`]), built once
//! for both backends: the SQLite and PostgreSQL stores differ only in the
//! few spellings a [`Dialect`] names.
//!
//! Invariant: both backends list the same entries in the same
//! `(datestamp, id)` order for the same [`PublicationQuery`].

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
                // `was_public = 1` verbatim, so that the partial index applies.
                sql.push(" WHERE was_public = 1 AND updated_at <= ")
                    .push_bind(query.now.to_string())
                    .push(" AND (public_since IS NULL OR public_since > ")
                    .push_bind(query.now.to_string())
                    .push(")");
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
            sql.push(format!(
                " AND EXISTS (SELECT 1 FROM record_collections c
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

/// The distinct collections of the records public at `now`, in byte order
/// (column `collection`).
pub(crate) fn collections<DB: Database>(now: Timestamp) -> QueryBuilder<DB>
where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    // Each collection's first public record is enough.
    let mut sql = QueryBuilder::new(
        "SELECT d.collection FROM (SELECT DISTINCT collection FROM record_collections) d
         WHERE EXISTS (SELECT 1 FROM record_collections c
             JOIN records r ON r.id = c.record_id
             WHERE c.collection = d.collection AND r.public_since <= ",
    );
    sql.push_bind(now.to_string())
        .push(") ORDER BY d.collection");
    sql
}
