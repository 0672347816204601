//! Shared pieces of fonds's fuzz targets (`src/bin/*.rs`, one per parser).
//!
//! Each target feeds the bytes AFL gives it to one parser, through the same
//! first step the real entry point takes (UTF-8 check for files, URL-encoded
//! pairs for forms and OAI-PMH arguments), and asserts what the parser
//! promises about what it accepts. A panic (a failed assertion included) is
//! a crash for AFL; a parse that takes longer than the run's timeout is a
//! hang.
//!
//! The invariants checked on every record an importer returns
//! ([`check_imported`]):
//! - it keeps every rule a record must keep ([`Record::problems`] is
//!   empty: "every record a parser returns keeps `Record::problems`' rules",
//!   `src/import/mod.rs`);
//! - it survives the dump: its JSON Lines line reads back as the very same
//!   record (a dump is a restore, `src/import/jsonl.rs`).

use fonds::import::{ImportError, SourceInfo};
use fonds::model::Record;
use std::path::{Path, PathBuf};

/// A fixed import time, so that two parses of the same text compare equal.
pub const IMPORTED_AT: &str = "2026-01-01T00:00:00Z";

/// The SHA-256 provenance carries (any fixed value: the parsers copy it).
pub const SHA256: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Source facts for a file at `path`, named by its file name.
pub fn source_info(path: &Path) -> SourceInfo {
    SourceInfo {
        path: path.to_path_buf(),
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: SHA256.to_string(),
        imported_at: IMPORTED_AT.to_string(),
    }
}

/// The bytes as text, with the checks every file gets before its parser
/// sees it ([`fonds::import::decode_text`]: not empty, UTF-8).
pub fn file_text(path: &Path, data: &[u8]) -> Option<String> {
    match fonds::import::decode_text(path, data.to_vec()) {
        Ok(text) => Some(text),
        Err(e) => {
            check_error(&e);
            None
        }
    }
}

/// What every import error must be: located in the file, and said in words.
pub fn check_error(e: &ImportError) {
    assert!(
        !e.message.trim().is_empty(),
        "an error without words: {e:?}"
    );
}

/// Checks a list of errors a parser refused a file with.
pub fn check_errors(errors: &[ImportError]) {
    assert!(!errors.is_empty(), "a refusal without an error");
    errors.iter().for_each(check_error);
}

/// The invariants every imported record keeps (see the module docs).
pub fn check_imported(record: &Record) {
    let problems = record.problems();
    assert!(
        problems.is_empty(),
        "an importer returned a record that breaks the record's rules: {problems:?}\n{record:#?}"
    );
    let line = fonds::export::jsonl::line(record);
    let back: Record = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the record's dump line does not read back: {e}\n{line}"));
    assert_eq!(
        &back, record,
        "the record's dump line reads back as another record"
    );
}

/// The URL-encoded pairs of a form body or query string, as axum's `Form`
/// and `Query` extractors read them (`None` where they refuse the body).
pub fn url_pairs(data: &[u8]) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(data).ok()
}

/// A fresh folder under the system's temporary folder for one target
/// process (`fonds-fuzz-NAME-PID`), emptied first.
pub fn scratch_folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fonds-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("cannot make the scratch folder");
    dir
}

/// The seed record (`demo/wilson/208261.md`), parsed: the stored record a
/// desk form is opened on.
pub fn seed_record() -> Record {
    let text = include_str!("../../demo/wilson/208261.md");
    let info = source_info(Path::new("208261.md"));
    fonds::import::wilson::parse(text, &info).expect("the seed record parses")
}

/// Says what a target made of its input, on stderr, when
/// `FONDS_FUZZ_VERBOSE` is set (to check seeds and replay crashes; never
/// set under AFL).
pub fn report(what: std::fmt::Arguments) {
    static VERBOSE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *VERBOSE.get_or_init(|| std::env::var_os("FONDS_FUZZ_VERBOSE").is_some()) {
        eprintln!("{what}");
    }
}
