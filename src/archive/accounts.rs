//! Accounts, sessions and API tokens: the rules of [`crate::accounts`]
//! applied to the store's [`crate::store::AccountStore`].
//!
//! Invariants:
//! - Sign-in answers [`AccountError::SignInRefused`] alike for an unknown
//!   account, a wrong password and a disabled account, after the same
//!   work (one argon2id verification), and counts a failure for the name as
//!   typed and for the address either way.
//! - An attempt the throttle makes wait is refused before any password is
//!   checked, and is not counted.
//! - A password change or a disabled account closes the account's
//!   sessions; a disabled account's API tokens find nothing until it is
//!   enabled again.
//! - Nothing returned or reported here contains a password or a hash; a
//!   token leaves only in [`SignedIn::token`] and from
//!   [`Archive::create_token`], once.

use super::Archive;
use crate::accounts::password::{self, Password, PasswordError};
use crate::accounts::secret::{self, RandomError, Secret};
use crate::accounts::throttle;
use crate::accounts::user::{NameError, UserName};
use crate::accounts::{Role, Viewer};
use crate::clock::Timestamp;
use crate::store::StoreError;
use crate::store::accounts::{NewSession, NewToken, TokenInfo, TokenRef, User};
use std::net::IpAddr;
use std::time::Duration;

/// The longest API token label, in characters.
const MAX_LABEL: usize = 200;
/// A session's last use is recorded at most this often (seconds).
const TOUCH_EVERY: i64 = 60;

/// Why an account operation was refused. Never contains a password, a
/// hash or a token.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Not a valid account name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A new password breaks the rules.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// No account has this name.
    #[error("no account {0}")]
    UnknownUser(String),
    /// The name is taken.
    #[error("an account {0} already exists")]
    DuplicateUser(String),
    /// The account is disabled (for administrative actions; sign-in
    /// says [`AccountError::SignInRefused`]).
    #[error("account {0} is disabled")]
    Disabled(String),
    /// Sign-in failed: the one message for every reason.
    #[error("unknown user or wrong password")]
    SignInRefused,
    /// Too many recent failures: the attempt was not checked.
    #[error("too many failed sign-ins: try again in {} s", .retry_after.as_secs().max(1))]
    Throttled {
        /// How long to wait.
        retry_after: Duration,
    },
    /// No API token has this id, or the token given is not one.
    #[error("no API token {0}")]
    UnknownToken(String),
    /// Neither an API token nor a token id.
    #[error("not an API token (fonds_…) nor a token id (a number)")]
    BadTokenRef,
    /// A token label that cannot be kept.
    #[error("token label: {0}")]
    BadLabel(String),
    /// No random bytes for a token.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An open session, as sign-in gives it.
#[derive(Debug)]
pub struct SignedIn {
    /// The session token, for the holder's cookie. Never log it.
    pub token: Secret,
    /// Who the session acts as.
    pub viewer: Viewer,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// Runs a password hash or check off the async threads (argon2id takes
/// tens of milliseconds of CPU).
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccountError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AccountError::Password(PasswordError::Hash(e.to_string())))
}

impl Archive {
    /// Creates an account.
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &Password,
    ) -> Result<User, AccountError> {
        let name = UserName::parse(name)?;
        let password = password.clone();
        let hash = hashing(move || password.hash()).await??;
        let user = User {
            name: name.to_string(),
            role,
            disabled: false,
            created_at: crate::clock::now(),
        };
        if !self.store.create_user(&user, &hash).await? {
            return Err(AccountError::DuplicateUser(user.name));
        }
        Ok(user)
    }

    /// Every account, by name (no password hashes).
    pub async fn users(&self) -> Result<Vec<User>, AccountError> {
        Ok(self.store.list_users().await?)
    }

    /// An account (no password hash).
    pub async fn user(&self, name: &str) -> Result<User, AccountError> {
        let name = UserName::parse(name)?;
        match self.store.find_user(name.as_str()).await? {
            Some(found) => Ok(found.user),
            None => Err(AccountError::UnknownUser(name.to_string())),
        }
    }

    /// Replaces an account's password and closes its sessions.
    pub async fn set_password(&self, name: &str, password: &Password) -> Result<(), AccountError> {
        let user = self.user(name).await?;
        let password = password.clone();
        let hash = hashing(move || password.hash()).await??;
        if !self.store.set_password(&user.name, &hash).await? {
            return Err(AccountError::UnknownUser(user.name));
        }
        self.store.delete_user_sessions(&user.name).await?;
        Ok(())
    }

    /// Disables an account (its sessions are closed, its API tokens stop
    /// working) or enables it again.
    pub async fn set_disabled(&self, name: &str, disabled: bool) -> Result<(), AccountError> {
        let user = self.user(name).await?;
        if !self.store.set_disabled(&user.name, disabled).await? {
            return Err(AccountError::UnknownUser(user.name));
        }
        if disabled {
            self.store.delete_user_sessions(&user.name).await?;
        }
        Ok(())
    }

    /// Changes an account's role (open sessions and tokens follow).
    pub async fn set_role(&self, name: &str, role: Role) -> Result<(), AccountError> {
        let user = self.user(name).await?;
        if !self.store.set_role(&user.name, role).await? {
            return Err(AccountError::UnknownUser(user.name));
        }
        Ok(())
    }

    /// Signs in at `now` from `from` (the request's address, if any):
    /// checks the throttle, then the password; opens a session. See the
    /// module invariants for what a refusal says and counts.
    pub async fn sign_in(
        &self,
        name: &str,
        password: &Password,
        from: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<SignedIn, AccountError> {
        let account_key = throttle::account_key(name);
        let mut keys = vec![account_key.clone()];
        keys.extend(from.map(throttle::address_key));
        let mut counted = Vec::with_capacity(keys.len());
        for key in &keys {
            counted.push((key.as_str(), self.store.failures(key).await?));
        }
        if let Some(retry_after) = throttle::wait(&counted, now) {
            return Err(AccountError::Throttled { retry_after });
        }
        let found = match UserName::parse(name) {
            Ok(name) => self.store.find_user(name.as_str()).await?,
            Err(_) => None,
        };
        let attempt = password.clone();
        let (user, matched) = match found {
            Some(found) => {
                let hash = found.password;
                let matched = hashing(move || attempt.verify(&hash)).await?;
                (Some(found.user), matched)
            }
            None => (
                None,
                hashing(move || password::verify_nothing(&attempt)).await?,
            ),
        };
        let user = match user {
            Some(user) if matched && !user.disabled => user,
            _ => {
                for key in &keys {
                    self.store
                        .record_failure(key, now, throttle::stale_before(now))
                        .await?;
                }
                return Err(AccountError::SignInRefused);
            }
        };
        self.store.clear_failures(&account_key).await?;
        // Housekeeping: what has ended is of no use to anyone.
        self.store.delete_expired_sessions(now).await?;
        self.store
            .forget_failures(throttle::stale_before(now))
            .await?;
        let token = Secret::new_session()?;
        let expires_at = now.plus_seconds(secret::SESSION_LIFETIME_SECS);
        self.store
            .create_session(&NewSession {
                token: token.hash(),
                user: user.name.clone(),
                created_at: now,
                expires_at,
            })
            .await?;
        Ok(SignedIn {
            token,
            viewer: Viewer::staff(user.name, user.role),
            expires_at,
        })
    }

    /// Who a session token (a cookie's value) acts as at `now`:
    /// anonymous unless it opens a current session of an enabled
    /// account.
    pub async fn session_viewer(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Viewer, AccountError> {
        let Some(token) = Secret::parse_session(token) else {
            return Ok(Viewer::Anonymous);
        };
        let hash = token.hash();
        let Some(session) = self.store.find_session(&hash, now).await? else {
            return Ok(Viewer::Anonymous);
        };
        if now.unix() - session.last_seen.unix() >= TOUCH_EVERY {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Viewer::staff(session.user, session.role))
    }

    /// Closes the session a token opens (nothing when it opens none).
    pub async fn sign_out(&self, token: &str) -> Result<(), AccountError> {
        if let Some(token) = Secret::parse_session(token) {
            self.store.delete_session(&token.hash()).await?;
        }
        Ok(())
    }

    /// Creates an API token for an enabled account; the token is in the
    /// returned [`Secret`], the only time it is ever shown.
    pub async fn create_token(
        &self,
        user: &str,
        label: &str,
    ) -> Result<(TokenInfo, Secret), AccountError> {
        let user = self.user(user).await?;
        if user.disabled {
            return Err(AccountError::Disabled(user.name));
        }
        let label = label.trim();
        if label.chars().count() > MAX_LABEL {
            return Err(AccountError::BadLabel(format!(
                "longer than {MAX_LABEL} characters"
            )));
        }
        if label.chars().any(char::is_control) {
            return Err(AccountError::BadLabel(
                "control characters (tabs, line breaks) are not allowed".into(),
            ));
        }
        let token = Secret::new_api_token()?;
        let created_at = crate::clock::now();
        let id = self
            .store
            .create_token(&NewToken {
                token: token.hash(),
                user: user.name.clone(),
                label: label.to_string(),
                created_at,
            })
            .await?;
        let info = TokenInfo {
            id,
            user: user.name,
            label: label.to_string(),
            created_at,
            revoked_at: None,
        };
        Ok((info, token))
    }

    /// An account's API tokens, oldest first (never the tokens).
    pub async fn tokens(&self, user: &str) -> Result<Vec<TokenInfo>, AccountError> {
        let user = self.user(user).await?;
        Ok(self.store.list_tokens(&user.name).await?)
    }

    /// Revokes an API token given as itself or by its id.
    pub async fn revoke_token(&self, token_or_id: &str) -> Result<TokenInfo, AccountError> {
        let text = token_or_id.trim();
        let (which, shown) = if let Some(token) = Secret::parse_api_token(text) {
            (
                TokenRef::Token(token.hash()),
                "(the token given)".to_string(),
            )
        } else if let Ok(id) = text.parse::<u64>() {
            (TokenRef::Id(id), id.to_string())
        } else {
            return Err(AccountError::BadTokenRef);
        };
        self.store
            .revoke_token(which, crate::clock::now())
            .await?
            .ok_or(AccountError::UnknownToken(shown))
    }

    /// Who an API token (a bearer token) acts as: anonymous unless it
    /// is a token not revoked of an enabled account.
    pub async fn token_viewer(&self, token: &str) -> Result<Viewer, AccountError> {
        let Some(token) = Secret::parse_api_token(token.trim()) else {
            return Ok(Viewer::Anonymous);
        };
        Ok(match self.store.find_token(&token.hash()).await? {
            Some(owner) => Viewer::staff(owner.user, owner.role),
            None => Viewer::Anonymous,
        })
    }
}
