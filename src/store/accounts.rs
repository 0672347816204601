//! Accounts in the store: users, sessions, API tokens and sign-in failure
//! counts, kept beside the records so that every node sees them (any node
//! accepts any session, and the throttle counts across nodes).
//!
//! [`AccountStore`] is the interface; [`crate::store::Store`] requires it.
//! Both backends run the same SQL ([`account_store!`]: the statements use
//! `$N` parameters, which SQLite reads too, and column types both map to
//! the same Rust types); only their tables' definitions differ
//! (`sqlite/accounts.rs`, `postgres/accounts.rs`).
//!
//! Invariants:
//! - Tokens are kept only as SHA-256 hashes, passwords only as argon2id
//!   hashes; nothing here returns a token, and only
//!   [`AccountStore::find_user`] returns a password hash (to verify it).
//! - A session or a token of a disabled user finds nothing; so does an
//!   expired session or a revoked token.
//! - Account tables are never part of the record dump, the change log or
//!   the publication log: records and accounts share no table.
//! - API token ids are never reused (SQLite `AUTOINCREMENT`, PostgreSQL
//!   identity), so a revoked id never names a later token.
//! - Times are [`Timestamp`]s, stored as their text (which orders as time).

use super::{StoreError, StoreResult};
use crate::accounts::Role;
use crate::accounts::password::PasswordHash;
use crate::accounts::secret::TokenHash;
use crate::accounts::throttle::Failures;
use crate::clock::Timestamp;
use async_trait::async_trait;

/// An account, without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its name (a checked [`crate::accounts::user::UserName`]).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// A disabled account cannot sign in, and its sessions and tokens
    /// find nothing.
    pub disabled: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

/// An account with its password hash, for signing in.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Its password's hash.
    pub password: PasswordHash,
}

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session token's hash.
    pub token: TokenHash,
    /// The account.
    pub user: String,
    /// When it opened.
    pub created_at: Timestamp,
    /// When it ends, whatever happens.
    pub expires_at: Timestamp,
}

/// Who an open session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    /// The account.
    pub user: String,
    /// Its role now (a changed role applies to open sessions).
    pub role: Role,
    /// When the session ends.
    pub expires_at: Timestamp,
    /// When it was last used (updated at most every minute).
    pub last_seen: Timestamp,
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The token's hash.
    pub token: TokenHash,
    /// Its owner.
    pub user: String,
    /// What the owner calls it.
    pub label: String,
    /// When it was made.
    pub created_at: Timestamp,
}

/// An API token as listed: never the token, never its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its id (what `fonds token revoke ID` takes).
    pub id: u64,
    /// Its owner.
    pub user: String,
    /// Its label.
    pub label: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Who a valid API token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The token's id.
    pub id: u64,
    /// Its owner.
    pub user: String,
    /// The owner's role now.
    pub role: Role,
}

/// Which token to revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRef {
    /// By its id.
    Id(u64),
    /// By the token itself (its hash).
    Token(TokenHash),
}

/// Accounts, sessions, API tokens and sign-in failures (see the module
/// invariants). Every [`crate::store::Store`] is one.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; false when the name is taken (nothing written).
    async fn create_user(&self, user: &User, password: &PasswordHash) -> StoreResult<bool>;
    /// An account with its password hash.
    async fn find_user(&self, name: &str) -> StoreResult<Option<Credentials>>;
    /// Every account, by name.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Replaces an account's password hash; false when there is no such
    /// account.
    async fn set_password(&self, name: &str, password: &PasswordHash) -> StoreResult<bool>;
    /// Disables or enables an account; false when there is no such account.
    async fn set_disabled(&self, name: &str, disabled: bool) -> StoreResult<bool>;
    /// Changes an account's role; false when there is no such account.
    async fn set_role(&self, name: &str, role: Role) -> StoreResult<bool>;

    /// Opens a session.
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// The session with this token hash, if it is open at `now` and its
    /// account is enabled.
    async fn find_session(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> StoreResult<Option<SessionUser>>;
    /// Records that the session was used at `now`.
    async fn touch_session(&self, token: &TokenHash, now: Timestamp) -> StoreResult<()>;
    /// Closes a session (sign-out); false when there was none.
    async fn delete_session(&self, token: &TokenHash) -> StoreResult<bool>;
    /// Closes every session of an account; how many there were.
    async fn delete_user_sessions(&self, user: &str) -> StoreResult<u64>;
    /// Deletes the sessions that ended before `now`; how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64>;

    /// Stores a new API token; its id.
    async fn create_token(&self, token: &NewToken) -> StoreResult<u64>;
    /// An account's tokens, oldest first, revoked ones included.
    async fn list_tokens(&self, user: &str) -> StoreResult<Vec<TokenInfo>>;
    /// The owner of a token that is not revoked and whose account is
    /// enabled.
    async fn find_token(&self, token: &TokenHash) -> StoreResult<Option<TokenUser>>;
    /// Revokes a token at `at` (a token already revoked keeps its first
    /// revocation time); the token as it now is, `None` when there is none.
    async fn revoke_token(&self, which: TokenRef, at: Timestamp) -> StoreResult<Option<TokenInfo>>;

    /// Counts a failed sign-in under `key` at `at`; a count whose last
    /// failure came before `stale_before` starts again at 1.
    async fn record_failure(
        &self,
        key: &str,
        at: Timestamp,
        stale_before: Timestamp,
    ) -> StoreResult<()>;
    /// The failures counted under `key`.
    async fn failures(&self, key: &str) -> StoreResult<Option<Failures>>;
    /// Forgets the failures under `key` (a successful sign-in).
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
    /// Forgets every count whose last failure came before `before`.
    async fn forget_failures(&self, before: Timestamp) -> StoreResult<u64>;
}

/// Reads a stored time.
pub(crate) fn stored_time(what: &str, text: &str) -> StoreResult<Timestamp> {
    Timestamp::parse(text).map_err(|e| StoreError::Database {
        context: format!("reading {what}"),
        source: Box::new(e),
    })
}

/// Reads a stored role.
pub(crate) fn stored_role(user: &str, text: &str) -> StoreResult<Role> {
    text.parse().map_err(|e| StoreError::Database {
        context: format!("reading the role of account {user}"),
        source: Box::new(e),
    })
}

/// A stored count or id (never negative).
pub(crate) fn stored_number(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Implements [`AccountStore`] for a backend whose struct has a `pool`
/// field and whose rows are `$row`, with `$write_error` mapping a failed write (PostgreSQL turns a
/// read-only server into [`StoreError::ReadOnly`]). The SQL is the same on
/// both backends.
macro_rules! account_store {
    ($store:ty, $row:ty, $write_error:path) => {
        #[async_trait::async_trait]
        impl $crate::store::accounts::AccountStore for $store {
            async fn create_user(
                &self,
                user: &$crate::store::accounts::User,
                password: &$crate::accounts::password::PasswordHash,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO users (name, role, password_hash, disabled, created_at)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                )
                .bind(&user.name)
                .bind(user.role.as_str())
                .bind(password.as_stored())
                .bind(user.disabled)
                .bind(user.created_at.to_string())
                .execute(&self.pool)
                .await
                .map_err($write_error("creating an account"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn find_user(
                &self,
                name: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::accounts::Credentials>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT name, role, password_hash, disabled, created_at FROM users
                     WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_error("reading an account"))?;
                row.map(|row| {
                    Ok($crate::store::accounts::Credentials {
                        user: $crate::store::accounts::User {
                            role: $crate::store::accounts::stored_role(name, &row.get::<String, _>("role"))?,
                            disabled: row.get("disabled"),
                            created_at: $crate::store::accounts::stored_time(
                                "an account",
                                &row.get::<String, _>("created_at"),
                            )?,
                            name: row.get("name"),
                        },
                        password: $crate::accounts::password::PasswordHash::from_stored(
                            row.get("password_hash"),
                        ),
                    })
                })
                .transpose()
            }

            async fn list_users(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::store::accounts::User>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT name, role, disabled, created_at FROM users ORDER BY name",
                )
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_error("listing accounts"))?;
                rows.into_iter()
                    .map(|row| {
                        let name: String = row.get("name");
                        Ok($crate::store::accounts::User {
                            role: $crate::store::accounts::stored_role(&name, &row.get::<String, _>("role"))?,
                            disabled: row.get("disabled"),
                            created_at: $crate::store::accounts::stored_time(
                                "an account",
                                &row.get::<String, _>("created_at"),
                            )?,
                            name,
                        })
                    })
                    .collect()
            }

            async fn set_password(
                &self,
                name: &str,
                password: &$crate::accounts::password::PasswordHash,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE name = $1")
                    .bind(name)
                    .bind(password.as_stored())
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("changing a password"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_disabled(
                &self,
                name: &str,
                disabled: bool,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("UPDATE users SET disabled = $2 WHERE name = $1")
                    .bind(name)
                    .bind(disabled)
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("disabling an account"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_role(
                &self,
                name: &str,
                role: $crate::accounts::Role,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("UPDATE users SET role = $2 WHERE name = $1")
                    .bind(name)
                    .bind(role.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("changing a role"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_session(
                &self,
                session: &$crate::store::accounts::NewSession,
            ) -> $crate::store::StoreResult<()> {
                let created = session.created_at.to_string();
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_name, created_at, expires_at, last_seen)
                     VALUES ($1, $2, $3, $4, $3)",
                )
                .bind(session.token.to_hex())
                .bind(&session.user)
                .bind(&created)
                .bind(session.expires_at.to_string())
                .execute(&self.pool)
                .await
                .map_err($write_error("opening a session"))?;
                Ok(())
            }

            async fn find_session(
                &self,
                token: &$crate::accounts::secret::TokenHash,
                now: $crate::clock::Timestamp,
            ) -> $crate::store::StoreResult<Option<$crate::store::accounts::SessionUser>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT s.user_name, u.role, s.expires_at, s.last_seen
                     FROM sessions s JOIN users u ON u.name = s.user_name
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
                )
                .bind(token.to_hex())
                .bind(now.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_error("reading a session"))?;
                row.map(|row| {
                    let user: String = row.get("user_name");
                    Ok($crate::store::accounts::SessionUser {
                        role: $crate::store::accounts::stored_role(&user, &row.get::<String, _>("role"))?,
                        expires_at: $crate::store::accounts::stored_time(
                            "a session",
                            &row.get::<String, _>("expires_at"),
                        )?,
                        last_seen: $crate::store::accounts::stored_time(
                            "a session",
                            &row.get::<String, _>("last_seen"),
                        )?,
                        user,
                    })
                })
                .transpose()
            }

            async fn touch_session(
                &self,
                token: &$crate::accounts::secret::TokenHash,
                now: $crate::clock::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE sessions SET last_seen = $2 WHERE token_hash = $1")
                    .bind(token.to_hex())
                    .bind(now.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("updating a session"))?;
                Ok(())
            }

            async fn delete_session(
                &self,
                token: &$crate::accounts::secret::TokenHash,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token.to_hex())
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("closing a session"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_user_sessions(&self, user: &str) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE user_name = $1")
                    .bind(user)
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("closing an account's sessions"))?;
                Ok(done.rows_affected())
            }

            async fn delete_expired_sessions(
                &self,
                now: $crate::clock::Timestamp,
            ) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("deleting ended sessions"))?;
                Ok(done.rows_affected())
            }

            async fn create_token(
                &self,
                token: &$crate::store::accounts::NewToken,
            ) -> $crate::store::StoreResult<u64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (token_hash, user_name, label, created_at)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(token.token.to_hex())
                .bind(&token.user)
                .bind(&token.label)
                .bind(token.created_at.to_string())
                .fetch_one(&self.pool)
                .await
                .map_err($write_error("creating an API token"))?;
                Ok($crate::store::accounts::stored_number(id))
            }

            async fn list_tokens(
                &self,
                user: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::store::accounts::TokenInfo>> {
                let rows = sqlx::query(
                    "SELECT id, user_name, label, created_at, revoked_at FROM api_tokens
                     WHERE user_name = $1 ORDER BY id",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_error("listing API tokens"))?;
                rows.iter().map(|row| token_info(row)).collect()
            }

            async fn find_token(
                &self,
                token: &$crate::accounts::secret::TokenHash,
            ) -> $crate::store::StoreResult<Option<$crate::store::accounts::TokenUser>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT t.id, t.user_name, u.role
                     FROM api_tokens t JOIN users u ON u.name = t.user_name
                     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled",
                )
                .bind(token.to_hex())
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_error("reading an API token"))?;
                row.map(|row| {
                    let user: String = row.get("user_name");
                    Ok($crate::store::accounts::TokenUser {
                        id: $crate::store::accounts::stored_number(row.get("id")),
                        role: $crate::store::accounts::stored_role(&user, &row.get::<String, _>("role"))?,
                        user,
                    })
                })
                .transpose()
            }

            async fn revoke_token(
                &self,
                which: $crate::store::accounts::TokenRef,
                at: $crate::clock::Timestamp,
            ) -> $crate::store::StoreResult<Option<$crate::store::accounts::TokenInfo>> {
                let query = match which {
                    $crate::store::accounts::TokenRef::Id(id) => sqlx::query(
                        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2)
                         WHERE id = $1
                         RETURNING id, user_name, label, created_at, revoked_at",
                    )
                    .bind(i64::try_from(id).unwrap_or(-1)),
                    $crate::store::accounts::TokenRef::Token(hash) => sqlx::query(
                        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2)
                         WHERE token_hash = $1
                         RETURNING id, user_name, label, created_at, revoked_at",
                    )
                    .bind(hash.to_hex()),
                };
                let row = query
                    .bind(at.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($write_error("revoking an API token"))?;
                row.as_ref().map(token_info).transpose()
            }

            async fn record_failure(
                &self,
                key: &str,
                at: $crate::clock::Timestamp,
                stale_before: $crate::clock::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sign_in_failures (key, count, last_at) VALUES ($1, 1, $2)
                     ON CONFLICT (key) DO UPDATE SET
                        count = CASE WHEN sign_in_failures.last_at < $3 THEN 1
                                     ELSE sign_in_failures.count + 1 END,
                        last_at = $2",
                )
                .bind(key)
                .bind(at.to_string())
                .bind(stale_before.to_string())
                .execute(&self.pool)
                .await
                .map_err($write_error("counting a failed sign-in"))?;
                Ok(())
            }

            async fn failures(
                &self,
                key: &str,
            ) -> $crate::store::StoreResult<Option<$crate::accounts::throttle::Failures>> {
                use sqlx::Row;
                let row = sqlx::query("SELECT count, last_at FROM sign_in_failures WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_error("reading failed sign-ins"))?;
                row.map(|row| {
                    Ok($crate::accounts::throttle::Failures {
                        count: u32::try_from(row.get::<i64, _>("count")).unwrap_or(u32::MAX),
                        last: $crate::store::accounts::stored_time(
                            "failed sign-ins",
                            &row.get::<String, _>("last_at"),
                        )?,
                    })
                })
                .transpose()
            }

            async fn clear_failures(&self, key: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("forgetting failed sign-ins"))?;
                Ok(())
            }

            async fn forget_failures(
                &self,
                before: $crate::clock::Timestamp,
            ) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sign_in_failures WHERE last_at < $1")
                    .bind(before.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err($write_error("forgetting failed sign-ins"))?;
                Ok(done.rows_affected())
            }
        }

        /// A token's row as listed.
        fn token_info(row: &$row) -> $crate::store::StoreResult<$crate::store::accounts::TokenInfo> {
            use sqlx::Row;
            let revoked: Option<String> = row.get("revoked_at");
            Ok($crate::store::accounts::TokenInfo {
                id: $crate::store::accounts::stored_number(row.get("id")),
                user: row.get("user_name"),
                label: row.get("label"),
                created_at: $crate::store::accounts::stored_time(
                    "an API token",
                    &row.get::<String, _>("created_at"),
                )?,
                revoked_at: revoked
                    .map(|t| $crate::store::accounts::stored_time("an API token", &t))
                    .transpose()?,
            })
        }
    };
}
pub(crate) use account_store;
