//! Accounts: who may do what, and the rules that protect their secrets.
//! Pure rules: no SQL, no HTTP, no terminal (the store keeps the tables,
//! the archive applies the rules, the web and the command line are edges).
//!
//! - [`Role`]: viewer < editor < admin, each allowed what the one below is.
//! - [`Viewer`]: who a request or command acts as: anonymous, or a staff
//!   account with its role.
//! - [`user`]: account names.
//! - [`password`]: argon2id hashes, and the [`password::Password`] that
//!   carries a clear-text password without ever printing it.
//! - [`secret`]: random session and API tokens, kept only as SHA-256
//!   hashes, and the CSRF token derived from a session.
//! - [`throttle`]: how long a sign-in must wait after failures.
//!
//! Invariants:
//! - A password, a session token or an API token is held only in a type
//!   whose `Debug` and `Display` are redacted; no error message of this
//!   module contains one.
//! - Nothing here reads the clock: every rule takes the instant it judges.

pub mod password;
pub mod secret;
pub mod throttle;
pub mod user;

use std::fmt;
use std::str::FromStr;

/// What a staff account may do. Ordered: each role may do everything the
/// roles before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Staff who may read drafts and embargoed records.
    Viewer,
    /// May also edit and publish.
    Editor,
    /// May also manage accounts.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The role's name, as the command line and the store write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (known: viewer, editor, admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// Who is asking: what the read gate and the write path judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Nobody signed in: sees only what is public.
    Anonymous,
    /// A signed-in staff account.
    Staff {
        /// The account's name.
        name: String,
        /// Its role.
        role: Role,
    },
}

impl Viewer {
    /// Whether this viewer may see records that are not public (drafts,
    /// embargoed, withdrawn): any staff account.
    pub fn sees_unpublished(&self) -> bool {
        matches!(self, Viewer::Staff { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_and_round_trip() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert!("Admin".parse::<Role>().is_err());
        assert!("".parse::<Role>().is_err());
    }

    #[test]
    fn only_staff_see_unpublished_records() {
        assert!(!Viewer::Anonymous.sees_unpublished());
        let staff = Viewer::Staff {
            name: "ann".into(),
            role: Role::Viewer,
        };
        assert!(staff.sees_unpublished());
    }
}
