//! Fuzz target: fonds's JSON Lines dump, as `fonds import` reads it
//! (`fonds::import::jsonl::parse`; the dump `src/oai/dump.rs` serves is
//! the same format, written by `fonds::export::jsonl`).
//!
//! Bytes → the file checks (UTF-8, not empty) → the parser. Asserts, for a
//! dump it accepts: each record keeps the invariants of every import
//! ([`fonds_fuzz::check_imported`]), and the dump written again from those
//! records reads back as the same records (a dump is a restore).

use fonds::import::jsonl;
use fonds_fuzz::{check_errors, check_imported, file_text, report, source_info};
use std::path::Path;

fn main() {
    let path = Path::new("fuzz/records.jsonl");
    let info = source_info(path);
    afl::fuzz!(|data: &[u8]| {
        let Some(text) = file_text(path, data) else {
            return;
        };
        match jsonl::parse(&text, &info) {
            Ok((records, files)) => {
                report(format_args!("ok: {} records", records.len()));
                for record in &records {
                    check_imported(record);
                }
                for named in &files {
                    assert!(named.index < records.len(), "files of no record");
                }
                let mut again = Vec::new();
                fonds::export::jsonl::write(&mut again, &records).expect("writes to memory");
                let again = String::from_utf8(again).expect("a dump is UTF-8");
                match jsonl::parse(&again, &info) {
                    Ok((back, _)) => assert_eq!(back, records, "the dump written again differs"),
                    Err(e) => panic!("the dump written again does not read: {e:?}"),
                }
            }
            Err(errors) => {
                check_errors(&errors);
                report(format_args!("refused: {}", errors[0]));
            }
        }
    });
}
