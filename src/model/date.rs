//! Dates as archives write them: a display form ("September 22, 1948") beside
//! an EDTF expression (`1948-09-22`, `1948-09~`, `194X`, `1961-04/1961-06`)
//! whose earliest and latest calendar days drive range search.
//!
//! Invariant: a [`RecordDate`] always holds valid EDTF; its bounds are derived
//! from it (by edtf-core) and never stored apart from it.

use serde::{Deserialize, Serialize};

/// A date of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "RecordDateWire", try_from = "RecordDateWire")]
pub struct RecordDate {
    /// As the source displays it.
    pub display: Option<String>,
    /// The date as an EDTF expression (ISO 8601-2).
    pub edtf: String,
    /// What the date is of, for dates other than the document's own
    /// (`signed`, `dateline`, `received`).
    pub role: Option<String>,
}

/// A calendar day bound, `YYYY-MM-DD` (years may be negative or unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateValue {
    /// Astronomical year.
    pub year: i64,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid EDTF date: {reason}")]
pub struct DateError {
    /// The rejected text.
    pub input: String,
    /// What the EDTF parser said.
    pub reason: String,
}

impl RecordDate {
    /// A date from an EDTF expression, checked.
    pub fn new(edtf: &str, display: Option<String>) -> Result<Self, DateError> {
        let date = RecordDate {
            display,
            edtf: edtf.to_string(),
            role: None,
        };
        date.validate()?;
        Ok(date)
    }

    /// The same date with a role.
    pub fn with_role(mut self, role: &str) -> Self {
        self.role = Some(role.to_string());
        self
    }

    /// Checks the EDTF expression.
    pub fn validate(&self) -> Result<(), DateError> {
        edtf_core::Edtf::parse(&self.edtf)
            .map(|_| ())
            .map_err(|e| DateError {
                input: self.edtf.clone(),
                reason: e.message.to_string(),
            })
    }

    /// Earliest and latest calendar day the expression touches; `None` on a
    /// side that is open or unknown.
    pub fn bounds(&self) -> (Option<DateValue>, Option<DateValue>) {
        let Ok(parsed) = edtf_core::Edtf::parse(&self.edtf) else {
            return (None, None);
        };
        let b = parsed.bounds();
        let conv = |b: edtf_core::Bound| match b {
            edtf_core::Bound::Date(d) => Some(DateValue {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
            _ => None,
        };
        (conv(b.earliest), conv(b.latest))
    }

    /// Parses an English day as written in documents and archive pages:
    /// "September 22, 1948", "22 September 1948", "Sept. 22, 1948".
    pub fn parse_english_day(text: &str) -> Option<DateValue> {
        let cleaned: String = text
            .chars()
            .map(|c| if c == ',' || c == '.' { ' ' } else { c })
            .collect();
        let words: Vec<&str> = cleaned.split_whitespace().collect();
        let (day, month, year) = match words.as_slice() {
            [m, d, y] if month_number(m).is_some() => (*d, month_number(m)?, *y),
            [d, m, y] if month_number(m).is_some() => (*d, month_number(m)?, *y),
            _ => return None,
        };
        let day: u8 = day.parse().ok()?;
        if year.len() != 4 {
            return None;
        }
        let year: i64 = year.parse().ok()?;
        let value = DateValue { year, month, day };
        value.is_real().then_some(value)
    }
}

fn month_number(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = word.to_lowercase();
    if lower.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&lower))
        .map(|i| i as u8 + 1)
}

impl DateValue {
    /// Parses `YYYY-MM-DD`.
    pub fn parse_day(text: &str) -> Option<DateValue> {
        let mut parts = text.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let value = DateValue {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        value.is_real().then_some(value)
    }

    /// Whether the day exists in the proleptic Gregorian calendar.
    pub fn is_real(&self) -> bool {
        let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days).contains(&self.day)
    }
}

impl std::fmt::Display for DateValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.year < 0 {
            write!(f, "-{:04}-{:02}-{:02}", -self.year, self.month, self.day)
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// The JSON shape: the record date plus its derived bounds, which readers of
/// the JSON want and which are recomputed (not trusted) when read back.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordDateWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display: Option<String>,
    edtf: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    earliest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
}

impl From<RecordDate> for RecordDateWire {
    fn from(d: RecordDate) -> Self {
        let (lo, hi) = d.bounds();
        RecordDateWire {
            earliest: lo.map(|v| v.to_string()),
            latest: hi.map(|v| v.to_string()),
            display: d.display,
            edtf: d.edtf,
            role: d.role,
        }
    }
}

impl TryFrom<RecordDateWire> for RecordDate {
    type Error = DateError;
    fn try_from(w: RecordDateWire) -> Result<Self, DateError> {
        let date = RecordDate {
            display: w.display,
            edtf: w.edtf,
            role: w.role,
        };
        date.validate()?;
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_follow_edtf() {
        let d = RecordDate::new("1948-09-22", None).unwrap();
        assert_eq!(d.bounds().0.unwrap().to_string(), "1948-09-22");
        let d = RecordDate::new("194X", None).unwrap();
        let (lo, hi) = d.bounds();
        assert_eq!(lo.unwrap().to_string(), "1940-01-01");
        assert_eq!(hi.unwrap().to_string(), "1949-12-31");
        let d = RecordDate::new("1948-09~", None).unwrap();
        assert_eq!(d.bounds().1.unwrap().to_string(), "1948-09-30");
        let d = RecordDate::new("1961-04-30/1961-05-06", None).unwrap();
        assert_eq!(d.bounds().1.unwrap().to_string(), "1961-05-06");
    }

    #[test]
    fn invalid_edtf_is_refused() {
        assert!(RecordDate::new("1948-02-30", None).is_err());
        assert!(RecordDate::new("September 1948", None).is_err());
        let json = r#"{"edtf":"not a date"}"#;
        assert!(serde_json::from_str::<RecordDate>(json).is_err());
    }

    #[test]
    fn english_days_parse() {
        let v = RecordDate::parse_english_day("September 22, 1948").unwrap();
        assert_eq!(v.to_string(), "1948-09-22");
        let v = RecordDate::parse_english_day("21 September 1948").unwrap();
        assert_eq!(v.to_string(), "1948-09-21");
        let v = RecordDate::parse_english_day("Sept. 3, 1961").unwrap();
        assert_eq!(v.to_string(), "1961-09-03");
        assert!(RecordDate::parse_english_day("February 30, 1948").is_none());
        assert!(RecordDate::parse_english_day("Pyongyang").is_none());
        assert!(RecordDate::parse_english_day("May 1948").is_none());
    }

    #[test]
    fn json_carries_bounds_and_reads_back() {
        let d = RecordDate::new("1962-10", Some("October 1962".into())).unwrap();
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(r#""earliest":"1962-10-01""#), "{json}");
        assert!(json.contains(r#""latest":"1962-10-31""#), "{json}");
        let back: RecordDate = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
}
