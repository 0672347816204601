//! Time: the one source of "now" in the crate, and the typed instants and
//! days that travel between modules instead of strings.
//!
//! Every module that needs the current time asks [`now`] (or [`today`]).
//! Tests move the clock without waiting: in-process with [`set_offset`], and
//! across a real `fonds` process with the environment variable
//! [`CLOCK_ENV`] (`FONDS_NOW=2031-01-01T00:00:00Z`), which fixes the start
//! instant and lets time run on from there.
//!
//! Invariants:
//! - A [`Timestamp`] is UTC with whole seconds; its text form is
//!   `YYYY-MM-DDThh:mm:ssZ`, and text order equals time order (years
//!   0000–9999), so stores may keep and compare the text.
//! - A [`Day`] is a UTC calendar day, `YYYY-MM-DD`; an embargo "until D" ends
//!   at 00:00 UTC on D.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Date, OffsetDateTime, UtcOffset};

/// Environment variable that sets the clock's start instant
/// (`YYYY-MM-DDThh:mm:ssZ`), for tests that run the real binary.
pub const CLOCK_ENV: &str = "FONDS_NOW";

/// Seconds added to the system clock (set by tests, or by [`CLOCK_ENV`]).
static OFFSET: AtomicI64 = AtomicI64::new(0);
static FROM_ENV: OnceLock<()> = OnceLock::new();

/// An instant, UTC, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// A UTC calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

/// Why a text is not a timestamp or a day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a {what} ({expected})")]
pub struct ParseTimeError {
    text: String,
    what: &'static str,
    expected: &'static str,
}

const INSTANT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// The current instant (the system clock, moved by tests).
pub fn now() -> Timestamp {
    FROM_ENV.get_or_init(|| {
        if let Some(start) = std::env::var(CLOCK_ENV)
            .ok()
            .and_then(|t| Timestamp::parse(&t).ok())
        {
            let system = OffsetDateTime::now_utc().unix_timestamp();
            OFFSET.store(start.0.unix_timestamp() - system, Ordering::Relaxed);
        }
    });
    let secs = OffsetDateTime::now_utc().unix_timestamp() + OFFSET.load(Ordering::Relaxed);
    Timestamp::from_unix(secs)
}

/// Today (UTC): the day embargoes are judged on.
pub fn today() -> Day {
    now().day()
}

/// Moves this process's clock by `seconds` from the system clock (tests).
pub fn set_offset(seconds: i64) {
    FROM_ENV.get_or_init(|| ());
    OFFSET.store(seconds, Ordering::Relaxed);
}

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z (clamped to
    /// the years 0000–9999).
    pub fn from_unix(secs: i64) -> Timestamp {
        let secs = secs.clamp(-62_167_219_200, 253_402_300_799);
        Timestamp(OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Parses `YYYY-MM-DDThh:mm:ssZ`.
    pub fn parse(text: &str) -> Result<Timestamp, ParseTimeError> {
        time::PrimitiveDateTime::parse(text, INSTANT)
            .map(|t| Timestamp(t.assume_utc()))
            .map_err(|_| ParseTimeError {
                text: text.to_string(),
                what: "timestamp",
                expected: "YYYY-MM-DDThh:mm:ssZ, UTC",
            })
    }

    /// The start of a day, 00:00:00 UTC.
    pub fn start_of(day: Day) -> Timestamp {
        Timestamp(day.0.midnight().assume_offset(UtcOffset::UTC))
    }

    /// The UTC day this instant falls on.
    pub fn day(self) -> Day {
        Day(self.0.date())
    }

    /// This instant moved by `seconds`.
    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        Timestamp::from_unix(self.unix().saturating_add(seconds))
    }
}

impl Day {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Day, ParseTimeError> {
        Date::parse(text, DAY).map(Day).map_err(|_| ParseTimeError {
            text: text.to_string(),
            what: "day",
            expected: "YYYY-MM-DD",
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(INSTANT) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(DAY) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl std::str::FromStr for Timestamp {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl std::str::FromStr for Day {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Day::parse(s)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_orders_like_time() {
        let a = Timestamp::parse("1948-09-22T10:00:00Z").unwrap();
        let b = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(a.to_string(), "1948-09-22T10:00:00Z");
        assert!(a < b && a.to_string() < b.to_string());
        assert_eq!(a.day().to_string(), "1948-09-22");
        assert_eq!(
            Timestamp::start_of(Day::parse("2030-05-01").unwrap()).to_string(),
            "2030-05-01T00:00:00Z"
        );
        assert!(Timestamp::parse("2026-01-01 00:00:00").is_err());
        assert!(Day::parse("2026-13-01").is_err());
    }

    #[test]
    fn unix_seconds_are_clamped_not_panicking() {
        assert_eq!(
            Timestamp::from_unix(i64::MAX).to_string(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::from_unix(i64::MIN).to_string(),
            "0000-01-01T00:00:00Z"
        );
    }
}
