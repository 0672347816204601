//! Account names: what a user types to sign in, and the key the store
//! keeps accounts under.
//!
//! Invariants:
//! - A [`UserName`] is 1–64 ASCII characters: lower-case letters, digits,
//!   `.`, `_`, `-`, `@`, starting with a letter or a digit. Upper-case
//!   letters are folded to lower case when parsed, so "Ann" and "ann" are
//!   one account.
//! - The throttle's account key is made from the text as typed, folded the
//!   same way, whether or not the account exists (see
//!   [`crate::accounts::throttle`]).

use std::fmt;

/// The longest account name.
pub const MAX_NAME_LEN: usize = 64;

/// A valid account name (see the module invariants).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserName(String);

/// Why a text is not an account name. Carries the name: names are not
/// secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing was given.
    #[error("an account name may not be empty")]
    Empty,
    /// Too long.
    #[error("account name {0:?} is longer than {MAX_NAME_LEN} characters")]
    TooLong(String),
    /// A character outside the allowed set, or a bad first character.
    #[error(
        "account name {0:?}: use letters a-z, digits, '.', '_', '-' or '@', starting with a \
         letter or a digit"
    )]
    BadCharacter(String),
}

impl UserName {
    /// Checks and folds a name (see the module invariants).
    pub fn parse(text: &str) -> Result<UserName, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong(
                text.chars().take(MAX_NAME_LEN).collect(),
            ));
        }
        let folded = text.to_ascii_lowercase();
        let allowed = |c: char| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
        };
        let first_ok = folded
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if !first_ok || !folded.chars().all(allowed) {
            return Err(NameError::BadCharacter(text.to_string()));
        }
        Ok(UserName(folded))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_folded() {
        assert_eq!(UserName::parse("Ann.Lee").unwrap().as_str(), "ann.lee");
        assert_eq!(
            UserName::parse("archivist@example.org").unwrap().as_str(),
            "archivist@example.org"
        );
        assert_eq!(UserName::parse(""), Err(NameError::Empty));
        assert!(matches!(
            UserName::parse("-ann"),
            Err(NameError::BadCharacter(_))
        ));
        assert!(matches!(
            UserName::parse("ann lee"),
            Err(NameError::BadCharacter(_))
        ));
        assert!(matches!(
            UserName::parse("анна"),
            Err(NameError::BadCharacter(_))
        ));
        assert!(matches!(
            UserName::parse(&"a".repeat(65)),
            Err(NameError::TooLong(_))
        ));
        assert!(UserName::parse(&"a".repeat(64)).is_ok());
    }
}
