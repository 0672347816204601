//! Who is reading: the viewer of a request or a command, and the roles of
//! the archive's staff.
//!
//! Pure domain: no HTTP, no SQL. The archive's read gate
//! ([`crate::archive::Archive::reader`]) takes a [`Viewer`] and decides from
//! it what may be seen; the web layer works out the viewer of each request.
//!
//! Invariants:
//! - Roles are ordered, [`Role::Viewer`] < [`Role::Editor`] < [`Role::Admin`]:
//!   a role may do whatever a lower role may ([`Role::allows`]).
//! - [`Viewer::Anonymous`] sees only what is public; any staff member, of any
//!   role, also sees drafts and records under embargo
//!   ([`Viewer::sees_unpublished`]).
//!
//! Staff accounts end in a [`Viewer`] too, so the gate does not change:
//! - [`user`]: account names.
//! - [`password`]: argon2id hashes, and the [`password::Password`] that
//!   carries a clear-text password without ever printing it.
//! - [`secret`]: random session and API tokens, kept only as SHA-256
//!   hashes, and the CSRF token derived from a session.
//! - [`throttle`]: how long a sign-in must wait after failures.
//!
//! A password, a session token or an API token is held only in a type whose
//! `Debug` is redacted, and no error of this module contains one. Nothing
//! here reads the clock: every rule takes the instant it judges.

/// `Debug` for a type that holds a secret: its name and `[redacted]`, never
/// the value (so no error, log line or panic message can carry it).
macro_rules! redacted_debug {
    ($($t:ty),+) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}([redacted])", stringify!($t))
            }
        }
    )+};
}

pub mod password;
pub mod secret;
pub mod throttle;
pub mod user;

use std::fmt;

/// What a member of staff may do. Ordered: each role includes the ones
/// below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything, drafts and embargoed records included.
    Viewer,
    /// Also writes records.
    Editor,
    /// Also manages accounts and the archive itself.
    Admin,
}

/// A text that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role (viewer, editor or admin)")]
pub struct UnknownRole(pub String);

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The role's name: `viewer`, `editor` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses a role's name (as [`Role::as_str`] writes it).
    pub fn parse(name: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| UnknownRole(name.to_string()))
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}

/// Who reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Viewer {
    /// Anyone: sees public records only.
    #[default]
    Anonymous,
    /// A member of staff.
    Staff {
        /// The account's name.
        name: String,
        /// What the account may do.
        role: Role,
    },
}

impl Viewer {
    /// A member of staff.
    pub fn staff(name: impl Into<String>, role: Role) -> Viewer {
        Viewer::Staff {
            name: name.into(),
            role,
        }
    }

    /// Whether this viewer sees drafts and records under embargo (any
    /// member of staff does).
    pub fn sees_unpublished(&self) -> bool {
        matches!(self, Viewer::Staff { .. })
    }

    /// The staff role, `None` for anyone.
    pub fn role(&self) -> Option<Role> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Staff { role, .. } => Some(*role),
        }
    }

    /// Whether this viewer may do what `needed` may.
    pub fn may(&self, needed: Role) -> bool {
        self.role().is_some_and(|r| r.allows(needed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_include_the_lower_ones() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(role.to_string().parse::<Role>(), Ok(role));
        }
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse("").is_err());
        assert!(Role::Admin.allows(Role::Editor) && Role::Admin.allows(Role::Viewer));
        assert!(Role::Editor.allows(Role::Editor) && !Role::Editor.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Editor));
    }

    #[test]
    fn any_staff_role_sees_unpublished_records_and_anyone_does_not() {
        assert!(!Viewer::Anonymous.sees_unpublished());
        assert!(!Viewer::Anonymous.may(Role::Viewer));
        for role in Role::ALL {
            let v = Viewer::staff("ana", role);
            assert!(v.sees_unpublished());
            assert!(v.may(Role::Viewer));
            assert_eq!(v.may(Role::Admin), role == Role::Admin);
        }
    }
}
