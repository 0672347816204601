//! Fuzz target: CSV batch manifests (`fonds::import::manifest::parse`).
//!
//! The manifest is read as if it lay in a scratch folder holding the test
//! batch's text files (`texts/kb-001.ko.txt` … from
//! `tests/fixtures/korean-batch`, a file that is not UTF-8, an empty one
//! and a scan), so that rows naming them read real files; the seeds name
//! those. Bytes → the file checks (UTF-8, not empty) → the parser.
//! Asserts that each record keeps the invariants of every import
//! ([`fonds_fuzz::check_imported`]), that each text and file a row names
//! lies inside the folder, and that a refusal says what is wrong.

use fonds::import::manifest;
use fonds_fuzz::{check_errors, check_imported, file_text, report, scratch_folder, source_info};
use std::fs;

/// The files of the folder: (path, bytes).
const FILES: &[(&str, &[u8])] = &[
    (
        "texts/kb-001.ko.txt",
        include_bytes!("../../../tests/fixtures/korean-batch/texts/kb-001.ko.txt"),
    ),
    (
        "texts/kb-001.en.txt",
        include_bytes!("../../../tests/fixtures/korean-batch/texts/kb-001.en.txt"),
    ),
    (
        "texts/kb-002.ko.txt",
        include_bytes!("../../../tests/fixtures/korean-batch/texts/kb-002.ko.txt"),
    ),
    (
        "texts/kb-002.en.txt",
        include_bytes!("../../../tests/fixtures/korean-batch/texts/kb-002.en.txt"),
    ),
    (
        "texts/kb-003.ko.txt",
        include_bytes!("../../../tests/fixtures/korean-batch/texts/kb-003.ko.txt"),
    ),
    ("texts/latin1.txt", b"caf\xe9\n"),
    ("texts/empty.txt", b"  \n"),
    ("scans/p1.png", b"\x89PNG\r\n\x1a\n"),
];

fn main() {
    let folder = scratch_folder("manifest");
    for (name, bytes) in FILES {
        let path = folder.join(name);
        fs::create_dir_all(path.parent().expect("a file in a folder")).expect("mkdir");
        fs::write(&path, bytes).expect("write a batch file");
    }
    let root = fs::canonicalize(&folder).expect("the folder exists");
    let path = folder.join("manifest.csv");
    let info = source_info(&path);
    afl::fuzz!(|data: &[u8]| {
        let Some(text) = file_text(&path, data) else {
            return;
        };
        match manifest::parse(&text, &info) {
            Ok((records, _bytes, files)) => {
                report(format_args!("ok: {} records", records.len()));
                for record in &records {
                    check_imported(record);
                }
                for named in &files {
                    assert!(named.index < records.len(), "files of no record");
                    for f in &named.files {
                        assert!(
                            f.path.starts_with(&root),
                            "a named file outside the manifest's folder: {:?}",
                            f.path
                        );
                    }
                }
            }
            Err(errors) => {
                check_errors(&errors);
                report(format_args!("refused: {}", errors[0]));
            }
        }
    });
}
