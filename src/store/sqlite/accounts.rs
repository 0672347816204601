//! SQLite's account tables (schema version 3) and its [`AccountStore`]
//! (the SQL shared with PostgreSQL, see [`crate::store::accounts`]).
//!
//! [`AccountStore`]: crate::store::accounts::AccountStore

use super::SqliteStore;
use crate::store::db_error;

/// Migration step 3: users, sessions, API tokens, sign-in failure counts.
pub(super) const TABLES: &[&str] = &[
    "CREATE TABLE users (
        name TEXT PRIMARY KEY NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )",
    "CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY NOT NULL,
        user_name TEXT NOT NULL REFERENCES users (name),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    )",
    "CREATE INDEX sessions_user ON sessions (user_name)",
    "CREATE INDEX sessions_expiry ON sessions (expires_at)",
    "CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_hash TEXT NOT NULL UNIQUE,
        user_name TEXT NOT NULL REFERENCES users (name),
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )",
    "CREATE INDEX api_tokens_user ON api_tokens (user_name, id)",
    "CREATE TABLE sign_in_failures (
        key TEXT PRIMARY KEY NOT NULL,
        count INTEGER NOT NULL,
        last_at TEXT NOT NULL
    )",
    "CREATE INDEX sign_in_failures_last ON sign_in_failures (last_at)",
];

crate::store::accounts::account_store!(SqliteStore, sqlx::sqlite::SqliteRow, db_error);
