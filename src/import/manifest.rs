//! CSV batch manifests: the usual hand-over of a digitisation batch. One row
//! per document (UTF-8, RFC 4180, header row); the `text` and `translation`
//! columns name plain-text files relative to the manifest's folder.
//!
//! Column mapping (see also `corpus/README.md`): `identifier` → id, `title`,
//! `translated_title` → an alternative title in the translation's language,
//! `date` (EDTF/ISO 8601), `creator` (several, comma-separated, each with an
//! optional role in parentheses: `影洲(번역)`), `type`, `language` → original
//! language, `collection`, `source` → citation (and archival reference where
//! it names archival levels), `summary` (+ `summary_machine`, see below),
//! `text` →
//! the original, `translation` (+ `translation_language`, `translator`) → a
//! second version, machine translation flagged when the translator says so,
//! `rights`, `files` → the record's scans and PDFs (paths relative to the
//! manifest's folder, separated by `;`, in page order; each may end in a
//! page label in parentheses: `scans/p1.png (recto); scans/p2.jpg
//! (verso)`). Every other column (`named_entities`, `glossary`, …) is kept
//! verbatim in `extra`.
//!
//! Machine-written summaries: an optional `summary_machine` column says
//! whether a row's summary was written by a machine (`yes`/`no`, `true`/
//! `false`, `1`/`0`; anything else is an error naming the field). Where the
//! column is absent or the cell empty, a summary is taken as machine-written
//! when the row's `translator` says "machine translation": a batch whose
//! texts a tool translated had its summaries written by the same tool (the
//! Korean periodicals batch, whose README says so, has no such column).
//! The record's [`Record::summary_machine`] carries it, and readers see the
//! summary flagged.
//!
//! Invariants:
//! - A text or file path may not leave the manifest's folder (no absolute
//!   paths, no `..` out of it, no symbolic link out of it).
//! - The files a row names are only found here ([`FileRef`]); the archive
//!   reads, checks and stores them before any record is written.
//! - A quote left open at the end of the file is an error naming the line
//!   where it opened (the csv crate alone would read to the end silently).

use super::{Emit, FileRef, ImportError, SourceInfo, decode_text, squash_space};
use crate::model::{
    Agent, AlternativeTitle, ArchivalReference, Record, RecordDate, TextKind, TextVersion,
};
use std::path::{Component, Path, PathBuf};

/// Columns the model maps; every other column goes to `extra`.
const MAPPED: &[&str] = &[
    "identifier",
    "title",
    "translated_title",
    "date",
    "creator",
    "type",
    "language",
    "collection",
    "source",
    "summary",
    "summary_machine",
    "text",
    "translation",
    "translation_language",
    "translator",
    "rights",
    "files",
];

/// Columns a manifest must have.
const REQUIRED: &[&str] = &["identifier", "title", "text"];

/// Whether a first line looks like a manifest header.
pub fn is_manifest_header(line: &str) -> bool {
    let columns: Vec<&str> = line
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split(',')
        .collect();
    REQUIRED.iter().all(|c| columns.contains(c))
}

/// Parses a manifest and reads the text files it names, giving each
/// record to `emit` as its row is read, with the files (scans, PDFs) the
/// row names. Returns the bytes of text read besides the manifest itself.
/// Errors are collected over every row; records emitted before an error
/// are the caller's to drop.
pub fn parse(text: &str, info: &SourceInfo, emit: &mut Emit<'_>) -> Result<u64, Vec<ImportError>> {
    let path = &info.path;
    if let Some(line) = unterminated_quote(text) {
        return Err(vec![
            ImportError::file(path, "a quoted field is never closed (unterminated quote)")
                .at_line(line),
        ]);
    }
    let folder = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let origin = format!(
        "csv:{}",
        std::fs::canonicalize(&folder)
            .ok()
            .and_then(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "manifest".into())
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| vec![ImportError::file(path, format!("bad header row: {e}")).at_line(1)])?
        .clone();
    let columns: Vec<String> = headers.iter().map(str::to_string).collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !columns.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(vec![
            ImportError::file(
                path,
                format!("the header lacks column(s) {}", missing.join(", ")),
            )
            .at_line(1),
        ]);
    }
    let mut seen = std::collections::HashSet::new();
    for c in &columns {
        if !seen.insert(c) {
            return Err(vec![
                ImportError::file(path, format!("column {c:?} appears twice in the header"))
                    .at_line(1),
            ]);
        }
    }
    let mut errors = Vec::new();
    let mut text_bytes = 0;
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(ImportError::file(path, format!("bad CSV row: {e}")).at_line(line));
                continue;
            }
        };
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let get = |name: &str| -> Option<&str> {
            columns
                .iter()
                .position(|c| c == name)
                .and_then(|i| row.get(i))
                .filter(|v| !v.trim().is_empty())
        };
        let cells: Vec<(&str, &str)> = columns.iter().map(String::as_str).zip(row.iter()).collect();
        let row = Row {
            get: &get,
            cells,
            line,
            folder: &folder,
            info,
        };
        match record(&row, &origin) {
            Ok((r, bytes, named)) => {
                text_bytes += bytes;
                emit(r, named);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(text_bytes)
    } else {
        Err(errors)
    }
}

struct Row<'a> {
    get: &'a dyn Fn(&str) -> Option<&'a str>,
    cells: Vec<(&'a str, &'a str)>,
    line: u64,
    folder: &'a Path,
    info: &'a SourceInfo,
}

fn record(row: &Row, origin: &str) -> Result<(Record, u64, Vec<FileRef>), ImportError> {
    let get = row.get;
    let err = |field: &str, message: String| {
        let e = ImportError::file(&row.info.path, message)
            .at_line(row.line)
            .in_field(field);
        match get("identifier") {
            Some(id) => e.in_record(id),
            None => e,
        }
    };
    let id = get("identifier").ok_or_else(|| err("identifier", "is empty".into()))?;
    let title = get("title").ok_or_else(|| err("title", "is empty".into()))?;
    let mut provenance = row.info.provenance("csv");
    provenance.origin = origin.to_string();
    provenance.line = Some(row.line);
    let mut record = Record::new(id.trim().to_string(), title.to_string(), provenance);
    let translation_language = get("translation_language").map(str::to_string);
    if let Some(t) = get("translated_title") {
        record.alternative_titles.push(AlternativeTitle {
            text: t.to_string(),
            language: translation_language.clone(),
            kind: "translated".into(),
        });
    }
    if let Some(date) = get("date") {
        record.date =
            Some(RecordDate::new(date.trim(), None).map_err(|e| err("date", e.to_string()))?);
    }
    if let Some(creators) = get("creator") {
        record.creators = split_creators(creators);
    }
    record.doc_type = get("type").map(str::to_string);
    record.original_language = get("language").map(|l| l.trim().to_string());
    if let Some(c) = get("collection") {
        record.collections.push(c.to_string());
    }
    if let Some(source) = get("source") {
        // The column is a citation string; it is an archival reference only
        // where it names archival levels (fond, record group, box …).
        record.citation = Some(source.to_string());
        let reference = ArchivalReference::parse(source);
        if reference.has_levels() {
            record.archival_reference = Some(reference);
        }
    }
    record.summary = get("summary").map(str::to_string);
    let machine_translator =
        get("translator").is_some_and(|t| t.to_lowercase().contains("machine translation"));
    record.summary_machine = match get("summary_machine") {
        Some(cell) => yes_or_no(cell).ok_or_else(|| {
            err(
                "summary_machine",
                format!("{:?} is not yes or no (true/false, 1/0)", cell.trim()),
            )
        })?,
        None => record.summary.is_some() && machine_translator,
    };
    record.rights = get("rights").map(str::to_string);
    let mut bytes = 0;
    let text_path = get("text").ok_or_else(|| err("text", "is empty".into()))?;
    let original = read_named_file(row, text_path).map_err(|m| err("text", m))?;
    bytes += original.len() as u64;
    record.texts.push(TextVersion {
        kind: TextKind::Original,
        language: record
            .original_language
            .clone()
            .unwrap_or_else(|| "und".into()),
        translator: None,
        machine_translation: false,
        label: None,
        body: original,
    });
    let translator = get("translator").map(str::to_string);
    if let Some(path) = get("translation") {
        let body = read_named_file(row, path).map_err(|m| err("translation", m))?;
        bytes += body.len() as u64;
        let language = translation_language.clone().ok_or_else(|| {
            err(
                "translation_language",
                "is empty but a translation is named".into(),
            )
        })?;
        record.texts.push(TextVersion {
            kind: TextKind::Translation,
            language,
            machine_translation: machine_translator,
            translator: translator.clone(),
            label: None,
            body,
        });
    }
    if let Some(t) = translator {
        record.translators.push(t);
    }
    for (column, value) in &row.cells {
        if !MAPPED.contains(column) && !value.is_empty() {
            record.extra.insert(column.to_string(), value.to_string());
        }
    }
    record.validate().map_err(|e| err(e.field, e.message))?;
    let files = match get("files") {
        Some(list) => named_files(row, list).map_err(|m| err("files", m))?,
        None => Vec::new(),
    };
    Ok((record, bytes, files))
}

/// A yes-or-no cell: `yes`/`no`, `true`/`false`, `1`/`0` (any case).
fn yes_or_no(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// The files a `files` cell names: `path (label); path; …`, in page order.
/// Each path is checked as a text path is (inside the manifest's folder, a
/// regular file); what the file holds is the archive's to check.
fn named_files(row: &Row, list: &str) -> Result<Vec<FileRef>, String> {
    let mut files = Vec::new();
    for entry in list.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (relative, label) = match entry.strip_suffix(')').and_then(|e| e.rsplit_once(" (")) {
            Some((path, label)) if !path.trim().is_empty() => {
                (path.trim(), Some(label.trim().to_string()))
            }
            _ => (entry, None),
        };
        let path = resolve_named_file(row, relative)?;
        let name = Path::new(relative)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(FileRef {
            path,
            named: relative.to_string(),
            name,
            label: label.filter(|l| !l.is_empty()),
            expected: None,
            source: row.info.path.clone(),
            line: Some(row.line),
        });
    }
    Ok(files)
}

/// "柳光烈, 柳志永" → two creators; "影洲(번역)" → 影洲 with role 번역. A Latin
/// "Surname, Given" pair is one inverted name, not two people.
fn split_creators(text: &str) -> Vec<Agent> {
    let parts: Vec<&str> = text
        .split(", ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let inverted = parts.len() == 2 && parts.iter().all(|p| p.is_ascii());
    let parts = if inverted { vec![text.trim()] } else { parts };
    parts
        .into_iter()
        .map(|p| {
            let mut agent = Agent::named(squash_space(p));
            if let Some(open) = p.rfind('(')
                && p.ends_with(')')
                && open > 0
            {
                agent.name = p[..open].trim().to_string();
                agent.role = Some(p[open + 1..p.len() - 1].to_string());
            }
            agent
        })
        .collect()
}

/// Reads a text file a row names, refusing paths that leave the folder.
fn read_named_file(row: &Row, relative: &str) -> Result<String, String> {
    let relative = relative.trim();
    let canonical = resolve_named_file(row, relative)?;
    let full: PathBuf = row.folder.join(relative);
    let bytes = std::fs::read(&canonical).map_err(|e| format!("{relative:?}: cannot read: {e}"))?;
    decode_text(&full, bytes).map_err(|e| {
        let line = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        format!("{}: {}{line}", full.display(), e.message)
    })
}

/// The canonical path of a file a row names (`relative`, trimmed), once it
/// is known to be a regular file inside the manifest's folder.
fn resolve_named_file(row: &Row, relative: &str) -> Result<PathBuf, String> {
    let rel = Path::new(relative);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
    {
        return Err(format!(
            "{relative:?} is an absolute path; paths must be relative to the manifest's folder"
        ));
    }
    let mut depth: i32 = 0;
    for c in rel.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return Err(format!("{relative:?} leaves the manifest's folder"));
        }
    }
    let full: PathBuf = row.folder.join(rel);
    let canonical =
        std::fs::canonicalize(&full).map_err(|e| format!("{relative:?}: cannot read: {e}"))?;
    let root = std::fs::canonicalize(row.folder).map_err(|e| format!("manifest folder: {e}"))?;
    if !canonical.starts_with(&root) {
        return Err(format!(
            "{relative:?} leads out of the manifest's folder (symbolic link)"
        ));
    }
    let regular = std::fs::metadata(&canonical)
        .map_err(|e| format!("{relative:?}: cannot read: {e}"))?
        .is_file();
    if !regular {
        return Err(format!("{relative:?}: {}", super::NOT_REGULAR));
    }
    Ok(canonical)
}

/// The line where a quote opened that is never closed, if any (RFC 4180:
/// quotes open only at the start of a field; `""` inside is an escape).
fn unterminated_quote(text: &str) -> Option<u64> {
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut line = 1u64;
    let mut opened_at = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                opened_at = line;
            }
            ',' | '\n' | '\r' => {
                at_field_start = true;
                continue;
            }
            _ => {}
        }
        at_field_start = false;
    }
    in_quotes.then_some(opened_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_quotes_are_found() {
        assert_eq!(unterminated_quote("a,b\n1,\"x\"\"y\"\n"), None);
        assert_eq!(
            unterminated_quote("a,b\n1,2\n3,\"never closed\n4,5\n"),
            Some(3)
        );
        assert_eq!(unterminated_quote("a,b\n1,x\"y\n"), None);
    }

    #[test]
    fn creators_split_with_roles() {
        let c = split_creators("웰스(原作), 影洲(번역)");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "웰스");
        assert_eq!(c[0].role.as_deref(), Some("原作"));
        assert_eq!(c[1].name, "影洲");
        let c = split_creators("Kennedy, John F.");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "Kennedy, John F.");
        let c = split_creators("George Washington");
        assert_eq!(c[0].name, "George Washington");
        assert_eq!(c[0].role, None);
    }

    #[test]
    fn yes_or_no_cells() {
        assert_eq!(yes_or_no(" Yes "), Some(true));
        assert_eq!(yes_or_no("0"), Some(false));
        assert_eq!(yes_or_no("FALSE"), Some(false));
        assert_eq!(yes_or_no("maybe"), None);
    }

    #[test]
    fn headers_are_recognised() {
        assert!(is_manifest_header("identifier,title,date,text"));
        assert!(!is_manifest_header("id,name"));
    }
}
