//! Passwords: the rules a new one must meet, and argon2id hashing.
//!
//! Parameters ([`PARAMS`]): argon2id, version 0x13, 19 MiB of memory, 2
//! passes, 1 lane, a 32-byte output and a 16-byte random salt per hash (from
//! the operating system): the first of OWASP's recommended argon2id
//! settings, about 20–40 ms per hash on one core. A stored hash is a PHC
//! string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) that names its own
//! parameters, so raising them later leaves old hashes verifiable.
//!
//! Invariants:
//! - A [`Password`] never prints: its `Debug` and `Display` say
//!   `[redacted]`, and no error of this module contains the password.
//! - A new password has at least [`MIN_LEN`] characters and at most
//!   [`MAX_BYTES`] bytes (argon2 hashes any length; the bound keeps a sign-in
//!   request cheap to refuse).
//! - Checking an attempt against no account ([`verify_nothing`]) costs what
//!   checking against an account costs, so timing does not tell whether an
//!   account exists.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::fmt;
use std::sync::OnceLock;

/// The fewest characters a new password may have.
pub const MIN_LEN: usize = 8;
/// The most bytes a password may have.
pub const MAX_BYTES: usize = 1024;

/// Memory (KiB), passes, lanes, output bytes.
pub const PARAMS: (u32, u32, u32, usize) = (19 * 1024, 2, 1, 32);

/// A clear-text password, as typed. Never printed.
#[derive(Clone)]
pub struct Password(String);

/// A stored password hash (a PHC string). Not printed either: a hash is an
/// offline guessing target.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// Why a password was refused or could not be hashed. Never contains the
/// password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// No password was given.
    #[error("the password is empty")]
    Empty,
    /// Shorter than [`MIN_LEN`] characters.
    #[error("the password is too short: use at least {MIN_LEN} characters")]
    TooShort,
    /// Longer than [`MAX_BYTES`] bytes.
    #[error("the password is too long: at most {MAX_BYTES} bytes")]
    TooLong,
    /// The hasher failed (parameters, random source).
    #[error("could not hash the password: {0}")]
    Hash(String),
}

impl Password {
    /// A new password, checked against the rules.
    pub fn new(text: String) -> Result<Password, PasswordError> {
        if text.is_empty() {
            return Err(PasswordError::Empty);
        }
        if text.len() > MAX_BYTES {
            return Err(PasswordError::TooLong);
        }
        if text.chars().count() < MIN_LEN {
            return Err(PasswordError::TooShort);
        }
        Ok(Password(text))
    }

    /// A password as given at sign-in: not checked against the rules (a
    /// wrong one simply does not match), only bounded in length.
    pub fn attempt(text: String) -> Password {
        if text.len() > MAX_BYTES {
            // Cannot match any stored password; hash something as long as
            // the longest that could.
            return Password(String::new());
        }
        Password(text)
    }

    /// Hashes the password with a fresh random salt.
    pub fn hash(&self) -> Result<PasswordHash, PasswordError> {
        let hash = hasher()?
            .hash_password(self.0.as_bytes())
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// Whether the password matches a stored hash. A hash that cannot be
    /// read matches nothing.
    pub fn verify(&self, hash: &PasswordHash) -> bool {
        match hasher() {
            Ok(argon) => argon
                .verify_password(self.0.as_bytes(), hash.0.as_str())
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Whether two passwords are the same (a confirmation prompt), in time
    /// independent of where they differ.
    pub fn same_as(&self, other: &Password) -> bool {
        crate::accounts::secret::constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

/// Spends the time of one verification without an account to verify
/// against (an unknown name at sign-in); always false.
pub fn verify_nothing(attempt: &Password) -> bool {
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| Password("not anyone's password".into()).hash().ok());
    if let Some(hash) = dummy {
        let _ = attempt.verify(hash);
    }
    false
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let (memory, passes, lanes, output) = PARAMS;
    let params = Params::new(memory, passes, lanes, Some(output))
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

impl PasswordHash {
    /// A hash as the store keeps it.
    pub fn from_stored(phc: String) -> PasswordHash {
        PasswordHash(phc)
    }

    /// The PHC string, for the store.
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

redacted_debug!(Password, PasswordHash);

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_follow_the_rules() {
        assert_eq!(
            Password::new(String::new()).err(),
            Some(PasswordError::Empty)
        );
        assert_eq!(
            Password::new("seven77".into()).err(),
            Some(PasswordError::TooShort)
        );
        // Characters, not bytes: eight Hangul syllables are long enough.
        assert!(Password::new("비밀번호비밀번호".into()).is_ok());
        assert_eq!(
            Password::new("x".repeat(MAX_BYTES + 1)).err(),
            Some(PasswordError::TooLong)
        );
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let password = Password::new("correct horse".into()).unwrap();
        let a = password.hash().unwrap();
        let b = password.hash().unwrap();
        assert_ne!(a, b, "each hash has its own salt");
        assert!(a.as_stored().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password.verify(&a) && password.verify(&b));
        assert!(!Password::attempt("correct horsE".into()).verify(&a));
        assert!(!password.verify(&PasswordHash::from_stored("garbage".into())));
        assert!(!verify_nothing(&password));
        assert!(!Password::attempt("x".repeat(MAX_BYTES + 1)).verify(&a));
    }

    #[test]
    fn nothing_secret_is_printed() {
        let password = Password::new("correct horse".into()).unwrap();
        let hash = password.hash().unwrap();
        let printed = format!("{password} {password:?} {hash:?}");
        assert!(
            !printed.contains("horse") && !printed.contains("argon2"),
            "{printed}"
        );
        assert!(password.same_as(&Password::attempt("correct horse".into())));
        assert!(!password.same_as(&Password::attempt("correct horses".into())));
    }
}
