//! Fuzz target: TEI P5 editions (`fonds::import::tei::parse`).
//!
//! Bytes → the file checks (UTF-8, not empty) → the parser. Asserts that
//! each record it returns keeps the invariants of every import
//! ([`fonds_fuzz::check_imported`]), that no two records share an
//! identifier (one per `div[@type="document"]`, each with its own
//! `xml:id`), and that a refusal says what is wrong.

use fonds::import::tei;
use fonds_fuzz::{check_errors, check_imported, file_text, report, source_info};
use std::collections::HashSet;
use std::path::Path;

fn main() {
    let path = Path::new("fuzz/volume.xml");
    let info = source_info(path);
    afl::fuzz!(|data: &[u8]| {
        let Some(text) = file_text(path, data) else {
            return;
        };
        match tei::parse(&text, &info) {
            Ok(records) => {
                assert!(!records.is_empty(), "a TEI file accepted with no record");
                let mut ids = HashSet::new();
                for record in &records {
                    check_imported(record);
                    assert!(ids.insert(&record.id), "two records {:?}", record.id);
                }
                report(format_args!("ok: {} records", records.len()));
            }
            Err(errors) => {
                check_errors(&errors);
                report(format_args!("refused: {}", errors[0]));
            }
        }
    });
}
