//! PostgreSQL's account tables (schema version 2) and its
//! [`AccountStore`] (the SQL shared with SQLite, see
//! [`crate::store::accounts`]). Names compare by bytes (`COLLATE "C"`), as
//! on SQLite.
//!
//! [`AccountStore`]: crate::store::accounts::AccountStore

use super::{PgStore, write_error};

/// Migration step 2: users, sessions, API tokens, sign-in failure counts.
pub(super) const TABLES: &[&str] = &[
    r#"CREATE TABLE users (
        name TEXT COLLATE "C" PRIMARY KEY NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TEXT COLLATE "C" NOT NULL
    )"#,
    r#"CREATE TABLE sessions (
        token_hash TEXT COLLATE "C" PRIMARY KEY NOT NULL,
        user_name TEXT COLLATE "C" NOT NULL REFERENCES users (name),
        created_at TEXT COLLATE "C" NOT NULL,
        expires_at TEXT COLLATE "C" NOT NULL,
        last_seen TEXT COLLATE "C" NOT NULL
    )"#,
    r#"CREATE INDEX sessions_user ON sessions (user_name)"#,
    r#"CREATE INDEX sessions_expiry ON sessions (expires_at)"#,
    r#"CREATE TABLE api_tokens (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
        user_name TEXT COLLATE "C" NOT NULL REFERENCES users (name),
        label TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        revoked_at TEXT COLLATE "C"
    )"#,
    r#"CREATE INDEX api_tokens_user ON api_tokens (user_name, id)"#,
    r#"CREATE TABLE sign_in_failures (
        key TEXT COLLATE "C" PRIMARY KEY NOT NULL,
        count BIGINT NOT NULL,
        last_at TEXT COLLATE "C" NOT NULL
    )"#,
    r#"CREATE INDEX sign_in_failures_last ON sign_in_failures (last_at)"#,
];

crate::store::accounts::account_store!(PgStore, sqlx::postgres::PgRow, write_error);
