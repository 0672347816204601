//! Session tokens, API tokens and CSRF tokens.
//!
//! A token is 32 random bytes from the operating system (`getrandom`),
//! written in base64url without padding (43 characters); an API token
//! carries the prefix [`API_TOKEN_PREFIX`] (`fonds_…`) so that it is
//! recognisable in a configuration file or a secret scanner. The store
//! keeps only a token's SHA-256 ([`TokenHash`]): a stolen database holds no
//! usable token, and a token is found by looking up its hash (an index
//! lookup, no comparison in the clear).
//!
//! A CSRF token is derived from the session token with HMAC-SHA256 (the
//! session token as the key, a fixed purpose string as the message): the
//! server stores nothing extra, any node can check it, and it reveals
//! nothing of the session token.
//!
//! Invariants:
//! - A [`Secret`]'s `Debug` is redacted; its text leaves only through
//!   [`Secret::expose`], called where the holder is handed the token (a
//!   cookie, the command that created an API token).
//! - Comparisons of secret values take time independent of where they
//!   differ ([`constant_time_eq`], `hmac`'s own check).
//! - A text that does not have a token's shape is refused before any
//!   lookup ([`Secret::parse_session`], [`Secret::parse_api_token`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// What every API token starts with.
pub const API_TOKEN_PREFIX: &str = "fonds_";
/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// Characters of a token's random part (base64url of [`TOKEN_BYTES`]).
const TOKEN_CHARS: usize = 43;
/// How long a session lasts from sign-in, in seconds (12 hours: a working
/// day; the next day starts with a sign-in).
pub const SESSION_LIFETIME_SECS: i64 = 12 * 3600;
/// What a CSRF token is derived for (the HMAC message).
const CSRF_PURPOSE: &[u8] = b"fonds csrf v1";

/// A session or API token in the clear, as its holder has it.
#[derive(Clone)]
pub struct Secret(String);

/// A token's SHA-256: what the store keeps and looks up.
#[derive(Clone, Copy)]
pub struct TokenHash([u8; 32]);

/// The operating system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

impl Secret {
    /// A new session token.
    pub fn new_session() -> Result<Secret, RandomError> {
        Ok(Secret(random_part()?))
    }

    /// A new API token (`fonds_…`).
    pub fn new_api_token() -> Result<Secret, RandomError> {
        Ok(Secret(format!("{API_TOKEN_PREFIX}{}", random_part()?)))
    }

    /// A session token as a cookie carries it; `None` when the text cannot
    /// be one.
    pub fn parse_session(text: &str) -> Option<Secret> {
        well_formed(text).then(|| Secret(text.to_string()))
    }

    /// An API token as a request or a command gives it; `None` when the
    /// text cannot be one.
    pub fn parse_api_token(text: &str) -> Option<Secret> {
        let rest = text.strip_prefix(API_TOKEN_PREFIX)?;
        well_formed(rest).then(|| Secret(text.to_string()))
    }

    /// The token's text, to hand to its holder. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token's SHA-256, as the store keeps it.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }

    /// The CSRF token of the session this secret opens: what every form of
    /// that session carries.
    pub fn csrf_token(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.csrf_mac().finalize().into_bytes())
    }

    /// Whether `given` is this session's CSRF token (in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(given) {
            Ok(tag) => self.csrf_mac().verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }

    fn csrf_mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(CSRF_PURPOSE);
        mac
    }
}

fn random_part() -> Result<String, RandomError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn well_formed(random: &str) -> bool {
    random.len() == TOKEN_CHARS
        && random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl TokenHash {
    /// Lower-case hex, as the store keeps it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &TokenHash) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl Eq for TokenHash {}

/// Whether two byte strings are equal, in time that depends only on their
/// lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keep the compiler from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

redacted_debug!(Secret, TokenHash);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_their_shape_and_differ() {
        let a = Secret::new_api_token().unwrap();
        let b = Secret::new_api_token().unwrap();
        assert!(a.expose().starts_with("fonds_"));
        assert_eq!(a.expose().len(), 6 + 43);
        assert_ne!(a.expose(), b.expose());
        assert!(Secret::parse_api_token(a.expose()).is_some());
        assert!(Secret::parse_api_token(&a.expose()[6..]).is_none());
        assert!(Secret::parse_api_token("fonds_short").is_none());
        let s = Secret::new_session().unwrap();
        assert_eq!(s.expose().len(), 43);
        assert!(Secret::parse_session(s.expose()).is_some());
        assert!(Secret::parse_session(&format!("{}!", &s.expose()[1..])).is_none());
        assert!(Secret::parse_session(a.expose()).is_none());
    }

    #[test]
    fn hashes_identify_tokens_without_showing_them() {
        let a = Secret::new_session().unwrap();
        let again = Secret::parse_session(a.expose()).unwrap();
        assert_eq!(a.hash(), again.hash());
        assert_ne!(a.hash(), Secret::new_session().unwrap().hash());
        assert_eq!(a.hash().to_hex().len(), 64);
        let printed = format!("{a:?} {:?}", a.hash());
        assert!(!printed.contains(a.expose()) && !printed.contains(&a.hash().to_hex()));
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = Secret::new_session().unwrap();
        let b = Secret::new_session().unwrap();
        let token = a.csrf_token();
        assert_eq!(
            token,
            Secret::parse_session(a.expose()).unwrap().csrf_token()
        );
        assert!(a.csrf_matches(&token));
        assert!(!b.csrf_matches(&token));
        assert!(!a.csrf_matches(""));
        assert!(!a.csrf_matches("not base64!"));
        assert!(!token.contains(a.expose()));
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
