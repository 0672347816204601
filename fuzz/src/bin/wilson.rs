//! Fuzz target: the Wilson record format (`fonds::import::wilson::parse`).
//!
//! Bytes → the file checks (UTF-8, not empty) → the parser. Asserts, for a
//! record it accepts: the renderer gives the file back byte for byte (the
//! parser's own promise), the rendering parses again to the same record,
//! and the record keeps the invariants of every import
//! ([`fonds_fuzz::check_imported`]).

use fonds::export::wilson::render;
use fonds::import::wilson;
use fonds_fuzz::{check_error, check_imported, file_text, report, source_info};
use std::path::Path;

fn main() {
    let path = Path::new("fuzz/208261.md");
    let info = source_info(path);
    afl::fuzz!(|data: &[u8]| {
        let Some(text) = file_text(path, data) else {
            return;
        };
        match wilson::parse(&text, &info) {
            Ok(record) => {
                let rendered = render(&record);
                assert_eq!(rendered, text, "an accepted file does not render back");
                let again = wilson::parse(&rendered, &info)
                    .unwrap_or_else(|e| panic!("the rendering does not parse again: {e}"));
                assert_eq!(again, record, "the rendering parses to another record");
                check_imported(&record);
                report(format_args!("ok: record {}", record.id));
            }
            Err(e) => {
                check_error(&e);
                report(format_args!("refused: {e}"));
            }
        }
    });
}
