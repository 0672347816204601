//! Importers: files in, records (or located errors) out.
//!
//! Each format has its own parser module; this module finds the files behind
//! the paths a user names, detects each file's format from its content, reads
//! it safely (UTF-8 checked, never empty) and hands it to the right parser.
//!
//! Invariants:
//! - Importers only parse. They never touch the store; applying a batch is
//!   [`crate::archive`]'s job, so there is one write path. The scans and
//!   PDFs a source names (a manifest's `files` column, a dump's `files/`)
//!   are handed over as [`FileRef`]s: the archive stores them before it
//!   writes the records that name them.
//! - Every error names the file, and the line, record and field where known
//!   ([`ImportError`]); a parser reports every bad record it finds, not just
//!   the first, so that one run tells the user all that is wrong.
//! - Nothing in a source is dropped silently: fields without a place in the
//!   model go to [`crate::model::Record::extra`]; files a folder holds that are
//!   no known format are listed in [`Discovery::skipped`].
//! - Provenance names a file relative to the import root, never by a server
//!   path: a file found in a folder the user named by its path inside that
//!   folder (`speeches/manifest.csv`), a file named itself by its file name
//!   ([`Discovery::names`]). Errors name the file as the user gave it.
//! - Every record a parser returns keeps [`Record::problems`]' rules, size
//!   limits included ([`crate::model::limits`]).

// The parsers are `pub` only for the fuzz targets (`fuzz/`), which feed them
// text in memory; they are no interface: import through `parse_file_as`.
#[doc(hidden)]
pub mod jsonl;
#[doc(hidden)]
pub mod manifest;
#[doc(hidden)]
pub mod tei;
#[doc(hidden)]
pub mod wilson;
mod xml;

pub use crate::export::wilson::EXTRA_SECTION_PREFIX as WILSON_SECTION_PREFIX;

use crate::model::{DigitalObject, Provenance, Record, sha256_hex};
use std::fmt;
use std::path::{Path, PathBuf};

/// The formats fonds reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The Wilson Center's record format (Markdown), as in `corpus/wilson/`.
    Wilson,
    /// A TEI P5 edition (one record per `div[@type="document"]`).
    Tei,
    /// A CSV batch manifest naming text files.
    Csv,
    /// fonds's own JSON Lines dump.
    Jsonl,
}

impl Format {
    /// The name used in provenance and reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Wilson => "wilson",
            Format::Tei => "tei",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Detects the format of a file from its first bytes.
    pub fn detect(text: &str) -> Option<Format> {
        let start = text.trim_start_matches('\u{feff}').trim_start();
        if start.starts_with('{') && jsonl::is_dump_header(start.lines().next()?) {
            return Some(Format::Jsonl);
        }
        if start.starts_with("<?xml") || start.starts_with("<TEI") || start.starts_with("<!--") {
            return (start.contains("<TEI") || start.contains("tei-c.org")).then_some(Format::Tei);
        }
        if start.starts_with("**") {
            return Some(Format::Wilson);
        }
        let first = start.lines().next()?;
        if manifest::is_manifest_header(first) {
            return Some(Format::Csv);
        }
        None
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An import problem, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The file at fault.
    pub file: PathBuf,
    /// 1-based line in that file.
    pub line: Option<u64>,
    /// The record's identifier, where it is known.
    pub record: Option<String>,
    /// The field at fault (`title`, `text`, `date` …).
    pub field: Option<String>,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl ImportError {
    /// An error about a whole file.
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_path_buf(),
            line: None,
            record: None,
            field: None,
            message: message.into(),
        }
    }

    /// Adds the line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds the record identifier.
    pub fn in_record(mut self, id: impl Into<String>) -> Self {
        self.record = Some(id.into());
        self
    }

    /// Adds the field.
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = &self.record {
            write!(f, ": record {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}

/// A file to import, with the format it will be read as.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it is.
    pub path: PathBuf,
    /// How it will be read.
    pub format: Format,
}

/// The files found behind the paths a user named.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to import, in a stable order.
    pub files: Vec<SourceFile>,
    /// Files inside named folders that are no known format, with the reason;
    /// reported to the user, never imported.
    pub skipped: Vec<(PathBuf, String)>,
    /// For each of `files`, at the same place, its name relative to the
    /// import root (what provenance keeps, [`parse_file_as`]): its path
    /// inside the folder the user named, or, for a file named itself, its
    /// file name.
    pub names: Vec<String>,
}

impl Discovery {
    fn add(&mut self, root: &Path, path: PathBuf, format: Format) {
        self.names.push(name_under(root, &path));
        self.files.push(SourceFile { path, format });
    }
}

/// `path`'s name under `root` (`sub/x.md`, with `/` between folders); its
/// file name where it is not under `root`.
fn name_under(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(inside) if inside.components().next().is_some() => inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        _ => file_name(path),
    }
}

/// The last component of `path` (the name provenance keeps for a file
/// with no import root).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Finds the files to import. A file named explicitly must be of a known
/// format (or `forced`); a folder is walked, and a folder holding a
/// `manifest.csv` is one batch: the manifest is imported and the text files
/// it names are read through it, not on their own. Likewise the `files/`
/// folder beside a dump's `records.jsonl` is read through the dump.
pub fn discover(paths: &[PathBuf], forced: Option<Format>) -> Result<Discovery, Vec<ImportError>> {
    let mut found = Discovery::default();
    let mut errors = Vec::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(ImportError::file(path, format!("cannot read: {e}")));
                continue;
            }
        };
        if meta.is_dir() {
            walk(path, path, forced, &mut found, &mut errors);
        } else if !meta.is_file() {
            // Reading a FIFO would wait forever; a device could be endless.
            errors.push(ImportError::file(path, NOT_REGULAR));
        } else {
            match classify(path, forced) {
                Ok(format) => {
                    let folder = path.parent().unwrap_or(Path::new(""));
                    found.add(folder, path.clone(), format)
                }
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// Walks `dir`, inside the folder the user named, `root`.
fn walk(
    root: &Path,
    dir: &Path,
    forced: Option<Format>,
    found: &mut Discovery,
    errors: &mut Vec<ImportError>,
) {
    let manifest = dir.join("manifest.csv");
    if manifest.is_file() {
        match classify(&manifest, forced) {
            Ok(format) => found.add(root, manifest, format),
            Err(e) => errors.push(e),
        }
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            errors.push(ImportError::file(dir, format!("cannot list folder: {e}")));
            return;
        }
    };
    entries.sort();
    let dump_here = dir.join(crate::export::jsonl::RECORDS_FILE).is_file();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            found.skipped.push((entry, "hidden".into()));
            continue;
        }
        if dump_here && name == crate::export::jsonl::FILES_DIR && entry.is_dir() {
            // The dump's files: read through records.jsonl, not on their own.
            continue;
        }
        if entry.is_dir() {
            walk(root, &entry, forced, found, errors);
            continue;
        }
        if !entry.is_file() {
            found.skipped.push((entry, NOT_REGULAR.into()));
            continue;
        }
        match classify(&entry, forced) {
            Ok(format) => found.add(root, entry, format),
            Err(e) => found.skipped.push((entry, e.message)),
        }
    }
}

fn classify(path: &Path, forced: Option<Format>) -> Result<Format, ImportError> {
    if let Some(format) = forced {
        return Ok(format);
    }
    let text = read_text(path)?;
    Format::detect(&text).ok_or_else(|| {
        ImportError::file(
            path,
            "not a format fonds reads (Wilson Markdown, TEI P5, CSV manifest, fonds JSON Lines); \
             use --format to force one",
        )
    })
}

/// Why a path that is neither a file nor a folder is refused.
pub const NOT_REGULAR: &str =
    "not a regular file (a FIFO, device or socket is never read: it could wait or run forever)";

/// Reads a file as UTF-8 text: refuses an empty file, and names the line of
/// the first byte that is not UTF-8.
pub fn read_text(path: &Path) -> Result<String, ImportError> {
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::file(path, format!("cannot read: {e}")))?;
    decode_text(path, bytes)
}

/// The checks of [`read_text`] on bytes already read.
pub fn decode_text(path: &Path, bytes: Vec<u8>) -> Result<String, ImportError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::file(path, "file is empty"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count() as u64;
        ImportError::file(
            path,
            format!("not valid UTF-8 (byte {:#04x} at offset {at})", bytes[at]),
        )
        .at_line(line)
    })
}

/// What parsing one file produced.
#[derive(Debug)]
pub struct Parsed {
    /// The records, in file order.
    pub records: Vec<Record>,
    /// The total size of the text read (the file and any text files it names).
    pub bytes: u64,
    /// The files (scans, PDFs) records name, for the archive to store before
    /// it writes them; records without files are not listed.
    pub files: Vec<RecordFiles>,
}

/// The files one parsed record names, in page order: what its `files`
/// becomes once the archive has stored them.
#[derive(Debug, Clone)]
pub struct RecordFiles {
    /// The record's place in [`Parsed::records`].
    pub index: usize,
    /// Its files, first page first.
    pub files: Vec<FileRef>,
}

/// One file a source names for a record: where its bytes are and, for a
/// dump, what the record says they are. The parser only names it (and
/// checks its path); the archive reads, checks and stores it.
#[derive(Debug, Clone)]
pub struct FileRef {
    /// Where its bytes are read from (unless the archive holds them already).
    pub path: PathBuf,
    /// How the source names it, for messages: the manifest's relative path
    /// (`scans/p1.png`), a dump's `files/ab/abcd…`.
    pub named: String,
    /// The file's name as attached: its extension must agree with its bytes.
    pub name: String,
    /// A page label, if the source gives one.
    pub label: Option<String>,
    /// What a dump's record says the file is (SHA-256, media type, size,
    /// pixels): the bytes must be exactly that, and the record keeps it as
    /// it is. `None` for a manifest's file: storing it describes it.
    pub expected: Option<DigitalObject>,
    /// The file that names it (the manifest, the dump).
    pub source: PathBuf,
    /// The line there.
    pub line: Option<u64>,
}

impl FileRef {
    /// An error about this file, located where the source names it, in
    /// record `id`'s field `files`.
    pub fn error(&self, id: &str, message: impl Into<String>) -> ImportError {
        let mut e = ImportError::file(&self.source, message)
            .in_record(id)
            .in_field("files");
        e.line = self.line;
        e
    }
}

/// The facts every parser stamps into provenance.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// The file as the user named it: where it is read, and what errors name.
    pub path: PathBuf,
    /// The file as provenance keeps it: relative to the import root
    /// ([`Discovery::names`]), never absolute.
    pub name: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Import time, RFC 3339 UTC.
    pub imported_at: String,
}

impl SourceInfo {
    /// Provenance for a record read from this file; the parser sets `origin`
    /// and `line`.
    pub fn provenance(&self, format: &str) -> Provenance {
        Provenance {
            format: format.to_string(),
            origin: String::new(),
            file: self.name.clone(),
            line: None,
            sha256: self.sha256.clone(),
            imported_at: self.imported_at.clone(),
            layout: None,
        }
    }
}

/// Parses one file into records, its provenance naming it by its file name
/// alone (see [`parse_file_as`]). Errors are collected, not stopped at.
pub fn parse_file(file: &SourceFile, imported_at: &str) -> Result<Parsed, Vec<ImportError>> {
    parse_file_as(file, &file_name(&file.path), imported_at)
}

/// Parses one file into records whose provenance names the file `name`
/// (relative to the import root: [`Discovery::names`]). Errors are
/// collected, not stopped at, and name the file by its path.
pub fn parse_file_as(
    file: &SourceFile,
    name: &str,
    imported_at: &str,
) -> Result<Parsed, Vec<ImportError>> {
    let mut records = Vec::new();
    let mut files = Vec::new();
    let bytes = parse_file_into(file, name, imported_at, &mut |record, named| {
        if !named.is_empty() {
            files.push(RecordFiles {
                index: records.len(),
                files: named,
            });
        }
        records.push(record);
    })?;
    Ok(Parsed {
        records,
        bytes,
        files,
    })
}

/// Where a parser puts each record as it reads it, with the files (scans,
/// PDFs) the record names, first page first (none for most).
pub type Emit<'e> = dyn FnMut(Record, Vec<FileRef>) + 'e;

/// [`parse_file_as`], giving each record to `emit` as it is read rather
/// than all at the end, so that a large manifest or dump need not be held
/// whole. Returns the bytes of text read (the file and any text files it
/// names). On an error, records emitted before it are the caller's to drop.
pub fn parse_file_into(
    file: &SourceFile,
    name: &str,
    imported_at: &str,
    emit: &mut Emit<'_>,
) -> Result<u64, Vec<ImportError>> {
    let bytes = std::fs::read(&file.path)
        .map_err(|e| vec![ImportError::file(&file.path, format!("cannot read: {e}"))])?;
    let info = SourceInfo {
        path: file.path.clone(),
        name: crate::model::public_file_name(name),
        sha256: sha256_hex(&bytes),
        imported_at: imported_at.to_string(),
    };
    let size = bytes.len() as u64;
    let text = decode_text(&file.path, bytes).map_err(|e| vec![e])?;
    let extra_bytes = match file.format {
        Format::Wilson => {
            emit(
                wilson::parse(&text, &info).map_err(|e| vec![e])?,
                Vec::new(),
            );
            0
        }
        Format::Tei => {
            for record in tei::parse(&text, &info)? {
                emit(record, Vec::new());
            }
            0
        }
        Format::Csv => manifest::parse(&text, &info, emit)?,
        Format::Jsonl => {
            jsonl::parse(&text, &info, emit)?;
            0
        }
    };
    Ok(size + extra_bytes)
}

/// Folds runs of white space (XML and manifest text) into single spaces.
pub(crate) fn squash_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Document types the titles of archives commonly open with, longest first,
/// and the name fonds records for each.
const DOCUMENT_TYPES: &[(&str, &str)] = &[
    ("ciphered telegram", "ciphered telegram"),
    ("record of conversation", "record of conversation"),
    ("memorandum of conversation", "memorandum of conversation"),
    ("telephone message", "telephone message"),
    ("telephone conversation", "telephone conversation"),
    ("oral message", "oral message"),
    ("memorandum", "memorandum"),
    ("telegram", "telegram"),
    ("message", "message"),
    ("letter", "letter"),
    ("cable", "cable"),
    ("report", "report"),
    ("minutes", "minutes"),
    ("speech", "speech"),
    ("statement", "statement"),
    ("note", "note"),
    ("diary", "diary entry"),
    ("article", "article"),
    ("editorial note", "editorial note"),
    ("poem", "poem"),
];

/// Guesses a document type from the opening words of a title
/// ("Telephone Message via VCh, …" → telephone message).
pub(crate) fn type_from_title(title: &str) -> Option<String> {
    let lower = title.to_lowercase();
    DOCUMENT_TYPES
        .iter()
        .find(|(prefix, _)| {
            lower.starts_with(prefix)
                && lower[prefix.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        })
        .map(|(_, name)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_reads_content_not_names() {
        assert_eq!(
            Format::detect("\n\n**May 1, 1950**  \n"),
            Some(Format::Wilson)
        );
        assert_eq!(
            Format::detect("<?xml version=\"1.0\"?>\n<TEI xmlns=\"http://www.tei-c.org/ns/1.0\">"),
            Some(Format::Tei)
        );
        assert_eq!(
            Format::detect("identifier,title,date,text\nx,y,1950,a.txt\n"),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::detect("{\"fonds_dump\":1,\"records\":2}\n{}"),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::detect("# README\n"), None);
        assert_eq!(Format::detect("<html></html>"), None);
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let err = decode_text(Path::new("x.md"), b"ok\nok\nbad \xff here\n".to_vec()).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.to_string().starts_with("x.md:3: not valid UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn empty_files_are_refused() {
        let err = decode_text(Path::new("e.csv"), b"  \n".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "e.csv: file is empty");
    }

    #[test]
    fn types_come_from_title_openings() {
        assert_eq!(
            type_from_title("Telephone Message via VCh, Kim Il Sung to Stalin").as_deref(),
            Some("telephone message")
        );
        assert_eq!(
            type_from_title("Letter From President Kennedy").as_deref(),
            Some("letter")
        );
        assert_eq!(type_from_title("Lettering in the sky"), None);
        assert_eq!(type_from_title("Preface"), None);
    }
}
