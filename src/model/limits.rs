//! How large a record and its parts may be: the bounds [`super::Record::problems`]
//! keeps, so that an import, a desk form and the API refuse alike.
//!
//! Two limits are configurable, each by one environment variable read here
//! and nowhere else (once per process): the largest single text
//! ([`TEXT_BYTES_ENV`], default [`DEFAULT_TEXT_BYTES`]: a text version's body,
//! a note, the summary, the citation, an `extra` value) and the largest
//! record, measured as its JSON (its dump line; [`RECORD_BYTES_ENV`], default
//! [`DEFAULT_RECORD_BYTES`]). The other bounds are fixed: an identifier
//! ([`MAX_ID_BYTES`]), any other string, which is a line or a label rather
//! than a text (a title, a name, a reference: [`MAX_LINE_BYTES`]), and the
//! Wilson layout's blank lines ([`MAX_LEADING_NEWLINES`]).
//!
//! Why: what a record holds is paid for again by every page, search hit,
//! export and phrase query that reads it. The largest text of the shared
//! corpus is 187,203 bytes (a speech) and its largest record 188,699 bytes
//! as JSON, so the defaults leave more than twenty times that room.
//!
//! Invariant: a value of either variable that is not a size is never read
//! as the default: every record is refused, naming the variable, until it
//! is mended ([`Limits::current`]).

use std::sync::OnceLock;

/// The environment variable that sets the largest text, in bytes
/// (`8388608`) or with a unit (`8MiB`, `512KiB`, `1GiB`).
pub const TEXT_BYTES_ENV: &str = "FONDS_MAX_TEXT_BYTES";

/// The environment variable that sets the largest record (its JSON), in
/// bytes or with a unit, as [`TEXT_BYTES_ENV`].
pub const RECORD_BYTES_ENV: &str = "FONDS_MAX_RECORD_BYTES";

/// The largest text unless [`TEXT_BYTES_ENV`] says otherwise: 4 MiB.
pub const DEFAULT_TEXT_BYTES: u64 = 4 << 20;

/// The largest record unless [`RECORD_BYTES_ENV`] says otherwise: 16 MiB.
pub const DEFAULT_RECORD_BYTES: u64 = 16 << 20;

/// The longest identifier, in bytes: it is a path segment of every link to
/// the record and part of its OAI identifier.
pub const MAX_ID_BYTES: usize = 256;

/// The longest string that is not a text (a title, a name, a language, a
/// reference, a date as written), in bytes.
pub const MAX_LINE_BYTES: usize = 16 << 10;

/// The most blank lines a Wilson file may open with (the seed has two);
/// the Wilson export writes them all back.
pub const MAX_LEADING_NEWLINES: u32 = 100;

/// The configurable limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest single text, in bytes.
    pub text_bytes: u64,
    /// The largest record as JSON (its dump line without the newline), in
    /// bytes.
    pub record_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            text_bytes: DEFAULT_TEXT_BYTES,
            record_bytes: DEFAULT_RECORD_BYTES,
        }
    }
}

impl Limits {
    /// The limits this process keeps: the defaults, or what the environment
    /// sets, read once. `Err` names a variable whose value is not a size.
    pub fn current() -> Result<Limits, &'static str> {
        static CURRENT: OnceLock<Result<Limits, String>> = OnceLock::new();
        CURRENT
            .get_or_init(|| Limits::from_vars(|name| std::env::var(name).ok()))
            .as_ref()
            .map(|l| *l)
            .map_err(String::as_str)
    }

    /// The limits `var` (an environment lookup) sets.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Limits, String> {
        let read = |name: &str, default: u64| match var(name) {
            None => Ok(default),
            Some(value) if value.trim().is_empty() => Ok(default),
            Some(value) => parse_size(&value).ok_or_else(|| {
                format!(
                    "{name}={value:?} is not a size (a number of bytes above 0, or one with \
                     KiB, MiB or GiB: 8MiB); no record is accepted until it is mended"
                )
            }),
        };
        Ok(Limits {
            text_bytes: read(TEXT_BYTES_ENV, DEFAULT_TEXT_BYTES)?,
            record_bytes: read(RECORD_BYTES_ENV, DEFAULT_RECORD_BYTES)?,
        })
    }
}

/// A size as written: bytes (`4194304`), or a whole number with `KiB`,
/// `MiB` or `GiB` (any case, a space allowed before it). `None` for
/// anything else, zero, or more than `u64` holds.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "kib" => 10,
        "mib" => 20,
        "gib" => 30,
        _ => return None,
    };
    let bytes = number.checked_mul(1 << shift)?;
    (bytes > 0).then_some(bytes)
}

/// A size for a person: `4 MiB` when whole, else `4.2 MiB (4404019 bytes)`;
/// under a KiB, `812 bytes`.
pub fn human(bytes: u64) -> String {
    const UNITS: [(u32, &str); 3] = [(30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        let size = 1u64 << shift;
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes >> shift)
            } else {
                format!("{:.1} {unit} ({bytes} bytes)", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bytes_or_binary_units() {
        assert_eq!(parse_size("4194304"), Some(4 << 20));
        assert_eq!(parse_size("8MiB"), Some(8 << 20));
        assert_eq!(parse_size(" 512 kib "), Some(512 << 10));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        for bad in [
            "",
            "0",
            "4 MB",
            "4M",
            "-1",
            "1.5MiB",
            "MiB",
            "99999999999999999999",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
        assert_eq!(parse_size("18446744073709551615GiB"), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(4 << 20), "4 MiB");
        assert_eq!(human((4 << 20) + 1), "4.0 MiB (4194305 bytes)");
        assert_eq!(human(812), "812 bytes");
        assert_eq!(human(16 << 10), "16 KiB");
    }

    #[test]
    fn the_environment_sets_the_limits_and_a_bad_value_is_no_default() {
        let none = Limits::from_vars(|_| None).unwrap();
        assert_eq!(none, Limits::default());
        let set =
            Limits::from_vars(|name| (name == TEXT_BYTES_ENV).then(|| "8MiB".to_string())).unwrap();
        assert_eq!(set.text_bytes, 8 << 20);
        assert_eq!(set.record_bytes, DEFAULT_RECORD_BYTES);
        let bad = Limits::from_vars(|name| (name == RECORD_BYTES_ENV).then(|| "lots".to_string()))
            .unwrap_err();
        assert!(bad.contains("FONDS_MAX_RECORD_BYTES=\"lots\""), "{bad}");
    }
}
