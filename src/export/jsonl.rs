//! fonds's own dump: JSON Lines, one header line then one record per line.
//!
//! ```text
//! {"fonds_dump":1,"records":2}
//! {"id":"208261","title":"…",…}
//! {"id":"frus1961-63v06d1",…}
//! ```
//!
//! The header carries the format version ([`DUMP_FORMAT_VERSION`]) and the
//! record count, so that a reader detects both an unknown version and a
//! truncated file. Records are written in the order given (the store gives
//! them by identifier), so the same archive always dumps to the same bytes.

use crate::model::{DUMP_FORMAT_VERSION, Record};
use std::io::{self, Write};

/// The header line (without its newline).
pub fn header(count: usize) -> String {
    format!("{{\"fonds_dump\":{DUMP_FORMAT_VERSION},\"records\":{count}}}")
}

/// One record as one line (without its newline).
pub fn line(record: &Record) -> String {
    serde_json::to_string(record).expect("a record always serialises")
}

/// Writes a whole dump.
pub fn write<W: Write>(out: &mut W, records: &[Record]) -> io::Result<()> {
    writeln!(out, "{}", header(records.len()))?;
    for record in records {
        writeln!(out, "{}", line(record))?;
    }
    Ok(())
}
