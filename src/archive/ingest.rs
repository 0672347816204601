//! An import in parts: files are parsed on a thread of their own and handed
//! to the store a part at a time, inside the store's one transaction
//! ([`Store::apply_parts`](crate::store::Store::apply_parts)), so that a
//! batch is never whole in memory.
//!
//! Invariants:
//! - All or nothing, as before: a parse error, an identifier claimed twice
//!   or a file refused in any part gives the batch up, and the store writes
//!   nothing of it. Every parse error of every file is still reported (the
//!   parser goes on to the end; later parts are read, checked, not written).
//! - A part's files (scans, PDFs) are stored before the part is handed to
//!   the store: a record never names a file the store lacks. A batch given
//!   up later leaves them unreferenced (content-addressed, found again by
//!   the next import).
//! - Memory: at most [`PART_RECORDS`] records or about [`PART_BYTES`] of
//!   text in a part, one part waiting while the store writes the one
//!   before, plus each record's identifier (to check the batch's claims).

use super::{Archive, ArchiveError, Progress};
use crate::import::{self, ImportError, RecordFiles, SourceFile};
use crate::model::Record;
use crate::store::{Abandoned, Parts};
use async_trait::async_trait;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Records in a part, at most.
pub(super) const PART_RECORDS: usize = 1_000;
/// Bytes of text in a part, about (a part closes once it holds this much).
pub(super) const PART_BYTES: usize = 8 * 1024 * 1024;

/// What the parsing thread sends.
enum Parsed {
    /// Records, with the files they name (indexes into the part).
    Part(Vec<Record>, Vec<RecordFiles>),
    /// A file done: its place (counting from 1), its errors, its bytes,
    /// and its last part (which its errors, if any, refuse before any of
    /// its files is stored).
    File(usize, Vec<ImportError>, u64, Vec<Record>, Vec<RecordFiles>),
}

/// Parses `files` in order, a part at a time, into `out`; stops when the
/// receiver is gone (the store refused the batch).
fn parse(files: Vec<(SourceFile, String)>, imported_at: String, out: mpsc::Sender<Parsed>) {
    let mut records = Vec::new();
    let mut named = Vec::new();
    let mut bytes = 0;
    let mut gone = false;
    let send = |message: Parsed, gone: &mut bool| {
        *gone = *gone || out.blocking_send(message).is_err();
    };
    for (i, (file, name)) in files.iter().enumerate() {
        let parsed = import::parse_file_into(file, name, &imported_at, &mut |record, files| {
            if gone {
                return;
            }
            bytes += record.text_bytes();
            if !files.is_empty() {
                named.push(RecordFiles {
                    index: records.len(),
                    files,
                });
            }
            records.push(record);
            if records.len() >= PART_RECORDS || bytes >= PART_BYTES {
                let part = Parsed::Part(std::mem::take(&mut records), std::mem::take(&mut named));
                bytes = 0;
                send(part, &mut gone);
            }
        });
        let (errors, size) = match parsed {
            Ok(size) => (Vec::new(), size),
            Err(errors) => (errors, 0),
        };
        let (last, last_named) = (std::mem::take(&mut records), std::mem::take(&mut named));
        bytes = 0;
        send(
            Parsed::File(i + 1, errors, size, last, last_named),
            &mut gone,
        );
        if gone {
            return;
        }
    }
}

/// The parts of an import, as the store asks for them.
pub(super) struct ImportParts<'a> {
    archive: &'a Archive,
    progress: &'a dyn Progress,
    received: mpsc::Receiver<Parsed>,
    /// The files, in the order they are parsed.
    paths: Vec<std::path::PathBuf>,
    /// How many are parsed.
    parsed: usize,
    /// Each identifier's first claim in the batch: its file and line.
    claims: HashMap<String, (String, Option<u64>)>,
    /// Every problem found; any gives the batch up.
    pub errors: Vec<ImportError>,
    /// A failure that is not the input's (the object store, say).
    pub failure: Option<ArchiveError>,
    /// The identifiers handed to the store, in order.
    pub ids: Vec<String>,
    /// Records read.
    pub records: usize,
    /// Bytes of text read.
    pub bytes: u64,
}

impl<'a> ImportParts<'a> {
    /// Starts parsing `files` (each with its name relative to the import
    /// root) on a thread of its own.
    pub fn start(
        archive: &'a Archive,
        files: Vec<(SourceFile, String)>,
        imported_at: String,
        progress: &'a dyn Progress,
    ) -> ImportParts<'a> {
        // One part waits while the store writes the one before.
        let (sender, received) = mpsc::channel(1);
        let paths = files.iter().map(|(f, _)| f.path.clone()).collect();
        tokio::task::spawn_blocking(move || parse(files, imported_at, sender));
        ImportParts {
            archive,
            progress,
            received,
            paths,
            parsed: 0,
            claims: HashMap::new(),
            errors: Vec::new(),
            failure: None,
            ids: Vec::new(),
            records: 0,
            bytes: 0,
        }
    }

    /// Whether the batch must be given up.
    fn refused(&self) -> bool {
        !self.errors.is_empty() || self.failure.is_some()
    }

    /// Claims the part's identifiers: one claimed before in the batch is an
    /// error at this later claim.
    fn claim(&mut self, records: &[Record]) {
        for record in records {
            let p = &record.provenance;
            match self.claims.get(&record.id) {
                Some((file, line)) => self.errors.push(super::claimed_twice(record, file, *line)),
                None => {
                    self.claims
                        .insert(record.id.clone(), (p.file.clone(), p.line));
                }
            }
        }
    }
}

#[async_trait]
impl Parts for ImportParts<'_> {
    async fn next_part(&mut self) -> Result<Option<Vec<Record>>, Abandoned> {
        while let Some(message) = self.received.recv().await {
            let (mut records, files) = match message {
                Parsed::File(done, errors, bytes, records, files) => {
                    self.errors.extend(errors);
                    self.bytes += bytes;
                    self.parsed = done;
                    self.progress
                        .files(done, self.paths.len(), self.records + records.len());
                    (records, files)
                }
                Parsed::Part(records, files) => (records, files),
            };
            if records.is_empty() {
                continue;
            }
            self.records += records.len();
            self.claim(&records);
            if self.refused() {
                // Read on, for every problem, but write nothing more.
                match self.archive.look_for_import_files(&records, &files).await {
                    Ok((_, errors)) => self.errors.extend(errors),
                    Err(e) => self.failure = Some(e),
                }
                continue;
            }
            match self.archive.store_import_files(&mut records, &files).await {
                Ok(()) => {}
                Err(ArchiveError::Rejected(errors)) => {
                    self.errors.extend(errors);
                    continue;
                }
                Err(e) => {
                    self.failure = Some(e);
                    continue;
                }
            }
            self.ids.extend(records.iter().map(|r| r.id.clone()));
            return Ok(Some(records));
        }
        if let Some(path) = self.paths.get(self.parsed) {
            // The parsing thread ended before the last file: never a
            // batch cut short.
            let stopped = "parsing stopped before the end of this file (a fault in fonds)";
            self.errors.push(ImportError::file(path, stopped));
        }
        if self.refused() {
            Err(Abandoned)
        } else {
            Ok(None)
        }
    }
}
