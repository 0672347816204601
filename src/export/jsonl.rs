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
//!
//! A dump with its files (`fonds export --files --out DIR`) is a folder:
//! `DIR/records.jsonl` ([`RECORDS_FILE`], the dump above, whose records
//! name their files by SHA-256 in `files`) and each file's bytes, as
//! attached, at `DIR/files/ab/abcd…` ([`file_path`]: the SHA-256's first two
//! hex digits, then the whole SHA-256, no extension; the record line gives
//! its media type and name).

use crate::model::{DUMP_FORMAT_VERSION, Record};
use std::io::{self, Write};

/// The name of the records file in a dump folder.
pub const RECORDS_FILE: &str = "records.jsonl";

/// The folder beside [`RECORDS_FILE`] that holds the files' bytes.
pub const FILES_DIR: &str = "files";

/// Where a dump folder keeps the file whose SHA-256 is `sha256` (lowercase
/// hex, as a record's `files` names it), relative to the folder:
/// `files/ab/abcd…`.
pub fn file_path(sha256: &str) -> String {
    let shard = sha256.get(..2).unwrap_or("__");
    format!("{FILES_DIR}/{shard}/{sha256}")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_place_in_a_dump_folder_is_sharded_by_its_sha256() {
        let sha = "ed3d5abfe0b2e60fee594bee5e8eea7763d95f50fba45e720c4076121e1528c5";
        assert_eq!(file_path(sha), format!("files/ed/{sha}"));
        // Never panics, whatever it is given.
        assert_eq!(file_path("a"), "files/__/a");
        assert_eq!(file_path("x\u{e9}"), "files/__/x\u{e9}");
    }
}
