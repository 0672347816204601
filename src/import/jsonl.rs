//! Reads fonds's own JSON Lines dump (see [`crate::export::jsonl`]).
//!
//! Import of a dump is a restore: records keep the provenance they carry.
//! Unknown fields are refused (never dropped), the header's version must be
//! one this build reads, and the header's count must match the lines.
//!
//! A record's `files` are named, not read: each becomes a [`FileRef`] at
//! the dump folder's `files/ab/abcd…` ([`crate::export::jsonl::file_path`])
//! with what the record says it is, and the archive finds it there (or in
//! its own store) and checks it before anything is written.

use super::{Emit, FileRef, ImportError, SourceInfo};
use crate::export::jsonl::file_path;
use crate::model::{DUMP_FORMAT_VERSION, Record};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    fonds_dump: u32,
    records: usize,
}

/// Whether a first line is a dump header.
pub fn is_dump_header(line: &str) -> bool {
    serde_json::from_str::<Header>(line).is_ok()
}

/// Parses a whole dump, giving each record to `emit` as its line is read,
/// with the files it names. Errors are collected over every line; records
/// emitted before an error are the caller's to drop.
pub fn parse(text: &str, info: &SourceInfo, emit: &mut Emit<'_>) -> Result<(), Vec<ImportError>> {
    let err =
        |line: usize, message: String| ImportError::file(&info.path, message).at_line(line as u64);
    let mut lines = text.lines().enumerate();
    let Some((_, first)) = lines.next() else {
        return Err(vec![err(1, "no header line".into())]);
    };
    let header: Header = serde_json::from_str(first.trim_start_matches('\u{feff}'))
        .map_err(|e| vec![err(1, format!("not a fonds dump header: {e}"))])?;
    if header.fonds_dump != DUMP_FORMAT_VERSION {
        return Err(vec![err(
            1,
            format!(
                "dump format version {} (this fonds reads version {DUMP_FORMAT_VERSION})",
                header.fonds_dump
            ),
        )]);
    }
    let mut count = 0;
    let folder = info.path.parent().unwrap_or(Path::new("."));
    let mut errors = Vec::new();
    // Each identifier's first line in this dump.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut last_line = 1;
    for (i, line) in lines {
        let n = i + 1;
        last_line = n;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) if seen.contains_key(&record.id) => errors.push(
                err(
                    n,
                    format!(
                        "identifier already in this dump at line {}",
                        seen[&record.id]
                    ),
                )
                .in_record(record.id.clone())
                .in_field("id"),
            ),
            Ok(record) => match record.validate() {
                Ok(()) => {
                    seen.insert(record.id.clone(), n);
                    let files = record
                        .files
                        .iter()
                        .map(|f| {
                            let named = file_path(&f.sha256);
                            FileRef {
                                path: folder.join(&named),
                                named,
                                name: f.name.clone(),
                                label: f.label.clone(),
                                expected: Some(f.clone()),
                                source: info.path.clone(),
                                line: Some(n as u64),
                            }
                        })
                        .collect();
                    count += 1;
                    emit(record, files);
                }
                Err(e) => errors.push(
                    err(n, e.message)
                        .in_record(record.id.clone())
                        .in_field(e.field),
                ),
            },
            Err(e) => {
                let mut error = err(n, format!("{e}"));
                if let Some(id) = serde_json::from_str::<serde_json::Value>(line)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
                {
                    error = error.in_record(id);
                }
                errors.push(error);
            }
        }
    }
    if errors.is_empty() && count != header.records {
        errors.push(err(
            last_line,
            format!(
                "the header promises {} records but the file holds {count} (truncated?)",
                header.records,
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
