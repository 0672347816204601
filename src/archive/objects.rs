//! A record's files: attaching scans and PDFs, reordering and removing
//! them, and reading them back through the read gate.
//!
//! Invariants:
//! - Attaching is a new revision of the record by an editor, through the
//!   one write path; the bytes (and an image's tile pyramid) are stored
//!   first, content-addressed, so that a revision never names a file the
//!   store lacks. A file that is refused leaves the record unchanged.
//! - A file's bytes, tiles and renders are reached only through a [`Page`],
//!   which only a [`Reader`] that may see the record hands out: a record the
//!   viewer may not see has no pages.
//! - An import's files (a manifest's `files` column, a dump's `files/`) are
//!   found, checked and stored before the batch's records are written, and
//!   a batch with any file missing, mismatching or refused writes no record;
//!   a missing or mismatching dump file is found before anything is stored.

use super::edit::refuse_problems;
use super::{Archive, ArchiveError, ImportOptions, Reader, Saved};
use crate::accounts::{Role, Viewer};
use crate::import::{FileRef, ImportError, RecordFiles};
use crate::model::{DigitalObject, Record, sha256_hex};
use crate::objects::{ObjectError, Output, Pyramid, RenderRequest};
use crate::store::{Author, StoredRecord};
use bytes::Bytes;
use std::path::Path;

/// A file to attach: its name (whose extension must agree with its bytes)
/// and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's name.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// A page label, if any.
    pub label: Option<String>,
}

impl Upload {
    /// A file sent by a form or an API call; a label that is only spaces is
    /// no label.
    pub fn sent(name: String, bytes: Vec<u8>, label: Option<&str>) -> Upload {
        let label = label.map(str::trim).filter(|l| !l.is_empty());
        Upload {
            name,
            bytes,
            label: label.map(String::from),
        }
    }

    /// Reads a file from disk; its name is the path's last part.
    pub fn read(path: &Path, label: Option<String>) -> Result<Upload, ArchiveError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let refused = |message: String| {
            ArchiveError::Rejected(vec![ImportError::file(path, message).in_field("files")])
        };
        let meta = std::fs::metadata(path).map_err(|e| refused(format!("cannot read: {e}")))?;
        if !meta.is_file() {
            return Err(refused(crate::import::NOT_REGULAR.into()));
        }
        let bytes = std::fs::read(path).map_err(|e| refused(format!("cannot read: {e}")))?;
        Ok(Upload { name, bytes, label })
    }
}

impl Archive {
    /// Stores each upload and adds it to record `id`'s pages, after those it
    /// has, as one new revision by `viewer` made against revision `opened`
    /// (`None`: whatever is current). Every refused file is listed and
    /// nothing is written.
    pub async fn attach(
        &self,
        viewer: &Viewer,
        id: &str,
        uploads: Vec<Upload>,
        opened: Option<u32>,
        note: &str,
    ) -> Result<Saved, ArchiveError> {
        Self::acting(viewer, Role::Editor)?;
        let stored = self.staff_get(id).await?;
        let count = uploads.len();
        let pages = self.ingest(id, uploads).await?;
        let mut files = stored.record.files.clone();
        files.extend(pages);
        let note = match note.trim() {
            "" => format!("attached {count} file{}", if count == 1 { "" } else { "s" }),
            note => note.to_string(),
        };
        self.write_files(viewer, stored, files, opened, &note).await
    }

    /// Sets record `id`'s pages to `files` (reordered, relabelled, some
    /// removed: each must be a file the record has now), plus `uploads`
    /// stored and added at the end, as one new revision by `viewer` made
    /// against revision `opened`.
    pub async fn set_files(
        &self,
        viewer: &Viewer,
        id: &str,
        files: Vec<DigitalObject>,
        uploads: Vec<Upload>,
        opened: Option<u32>,
        note: &str,
    ) -> Result<Saved, ArchiveError> {
        Self::acting(viewer, Role::Editor)?;
        let stored = self.staff_get(id).await?;
        let unknown: Vec<ImportError> = files
            .iter()
            .filter(|f| !stored.record.files.iter().any(|s| s.sha256 == f.sha256))
            .map(|f| {
                ImportError::file(
                    Path::new(&f.name),
                    format!("{} is not one of the record's files: upload it", f.sha256),
                )
                .in_record(id)
                .in_field("files")
            })
            .collect();
        if !unknown.is_empty() {
            return Err(ArchiveError::Rejected(unknown));
        }
        // What the record holds about each kept file is the server's; only
        // the order and the labels come from the caller.
        let mut kept: Vec<DigitalObject> = files
            .into_iter()
            .map(|f| {
                let mut known = stored
                    .record
                    .files
                    .iter()
                    .find(|s| s.sha256 == f.sha256)
                    .expect("checked above")
                    .clone();
                known.label = f.label.filter(|l| !l.trim().is_empty());
                known
            })
            .collect();
        kept.extend(self.ingest(id, uploads).await?);
        let note = match note.trim() {
            "" => "changed the files".to_string(),
            note => note.to_string(),
        };
        self.write_files(viewer, stored, kept, opened, &note).await
    }

    /// Stores the files an import's records name (`wanted`, from the
    /// parsers) and sets each such record's `files` to them, in page order.
    ///
    /// First every file is looked for, before anything is stored: a dump's
    /// file must be in the store already (same SHA-256) or at its path
    /// beside the dump with bytes of the SHA-256 its record gives; a
    /// manifest's must be readable. Then each file read from disk is
    /// ingested (checked from its bytes, its tile pyramid built) and a dump's
    /// compared with what its record says. Every problem is listed, each
    /// located where the source names the file; with any, no record is
    /// written (files already stored stay unreferenced: content-addressed,
    /// they are found again by the next import).
    pub(super) async fn store_import_files(
        &self,
        records: &mut [Record],
        wanted: &[RecordFiles],
    ) -> Result<(), ArchiveError> {
        let (in_store, mut errors) = self.look_for_import_files(records, wanted).await?;
        if !errors.is_empty() {
            return Err(ArchiveError::Rejected(errors));
        }
        let mut described: Vec<Vec<DigitalObject>> = Vec::with_capacity(wanted.len());
        for (group, held) in wanted.iter().zip(&in_store) {
            let id = records[group.index].id.clone();
            let mut pages = Vec::with_capacity(group.files.len());
            for (file, stored) in group.files.iter().zip(held) {
                let in_store = file.expected.as_ref().filter(|_| *stored);
                match self.store_import_file(file, in_store).await {
                    Ok(page) => pages.push(page),
                    Err(Refusal::Refused(message)) => errors.push(file.error(&id, message)),
                    Err(Refusal::Failed(e)) => return Err(e),
                }
            }
            described.push(pages);
        }
        if !errors.is_empty() {
            return Err(ArchiveError::Rejected(errors));
        }
        for (group, pages) in wanted.iter().zip(described) {
            records[group.index].files = pages;
        }
        Ok(())
    }

    /// The first half of [`Archive::store_import_files`], which stores
    /// nothing: for each file, whether the store holds it already (a
    /// dump's, by SHA-256), and the problems of those it must read.
    pub(super) async fn look_for_import_files(
        &self,
        records: &[Record],
        wanted: &[RecordFiles],
    ) -> Result<(Vec<Vec<bool>>, Vec<ImportError>), ArchiveError> {
        let mut in_store: Vec<Vec<bool>> = Vec::with_capacity(wanted.len());
        let mut errors = Vec::new();
        for group in wanted {
            let id = &records[group.index].id;
            let mut held = Vec::with_capacity(group.files.len());
            for file in &group.files {
                let stored = match &file.expected {
                    Some(expected) => self.objects.has_original(&expected.sha256).await?,
                    None => false,
                };
                held.push(stored);
                if stored {
                    continue;
                }
                if let Err(message) = Self::look_for(file) {
                    errors.push(file.error(id, message));
                }
            }
            in_store.push(held);
        }
        Ok((in_store, errors))
    }

    /// Whether a file that is not in the store is where its source says,
    /// and (for a dump's) holds the bytes its record names.
    fn look_for(file: &FileRef) -> Result<(), String> {
        let missing = |why: String| match &file.expected {
            Some(expected) => format!(
                "{} (sha256 {}, {:?}) is neither in this archive nor beside the dump: {why}",
                file.named, expected.sha256, expected.name
            ),
            None => format!("{:?}: {why}", file.named),
        };
        let meta = std::fs::metadata(&file.path).map_err(|e| missing(format!("{e}")))?;
        if !meta.is_file() {
            return Err(missing(crate::import::NOT_REGULAR.into()));
        }
        if let Some(expected) = &file.expected {
            let bytes = std::fs::read(&file.path).map_err(|e| missing(format!("{e}")))?;
            let sha = sha256_hex(&bytes);
            if sha != expected.sha256 {
                return Err(format!(
                    "{} holds bytes whose SHA-256 is {sha}, not the record's sha256 {}",
                    file.named, expected.sha256
                ));
            }
        }
        Ok(())
    }

    /// Stores one of an import's files and describes it as a page; for a
    /// dump's file the store already holds (`in_store`), only makes sure an
    /// image's pyramid is there and agrees.
    async fn store_import_file(
        &self,
        file: &FileRef,
        in_store: Option<&DigitalObject>,
    ) -> Result<DigitalObject, Refusal> {
        let bytes = match in_store {
            None => std::fs::read(&file.path)
                .map_err(|e| Refusal::Refused(format!("{:?}: cannot read: {e}", file.named)))?,
            Some(expected) if !expected.is_image() => return Ok(expected.clone()),
            Some(expected) => match self.objects.pyramid(&expected.sha256).await {
                Ok(shape) => {
                    let got = DigitalObject {
                        width: Some(shape.width),
                        height: Some(shape.height),
                        ..expected.clone()
                    };
                    return match differences(expected, &got) {
                        None => Ok(expected.clone()),
                        Some(why) => Err(Refusal::Refused(format!(
                            "sha256 {} (in this archive): {why}",
                            expected.sha256
                        ))),
                    };
                }
                // Stored without its tiles: built again from the original.
                Err(ObjectError::Missing(_)) => self
                    .objects
                    .original(&expected.sha256)
                    .await
                    .map_err(|e| Refusal::Failed(e.into()))?
                    .to_vec(),
                Err(e) => return Err(Refusal::Failed(e.into())),
            },
        };
        let page = match self
            .objects
            .ingest(&file.name, bytes, file.label.clone())
            .await
        {
            Ok(page) => page,
            Err(ObjectError::Refused(why)) => {
                return Err(Refusal::Refused(format!("{:?}: {why}", file.named)));
            }
            Err(e) => return Err(Refusal::Failed(e.into())),
        };
        match &file.expected {
            None => Ok(page),
            Some(expected) => match differences(expected, &page) {
                // The record keeps what it says, exactly (its content hash).
                None => Ok(expected.clone()),
                Some(why) => Err(Refusal::Refused(format!("{}: {why}", file.named))),
            },
        }
    }

    /// The current revision for staff (every record), or `NotFound`.
    async fn staff_get(&self, id: &str) -> Result<StoredRecord, ArchiveError> {
        self.store
            .get(id)
            .await?
            .ok_or_else(|| ArchiveError::NotFound(id.to_string()))
    }

    /// Stores every upload; every refusal is listed, against its file.
    async fn ingest(
        &self,
        id: &str,
        uploads: Vec<Upload>,
    ) -> Result<Vec<DigitalObject>, ArchiveError> {
        let mut pages = Vec::with_capacity(uploads.len());
        let mut errors = Vec::new();
        for upload in uploads {
            let name = upload.name.clone();
            match self
                .objects
                .ingest(&upload.name, upload.bytes, upload.label)
                .await
            {
                Ok(page) => pages.push(page),
                Err(ObjectError::Refused(why)) => errors.push(
                    ImportError::file(Path::new(&name), why)
                        .in_record(id)
                        .in_field("files"),
                ),
                Err(e) => return Err(e.into()),
            }
        }
        match errors.is_empty() {
            true => Ok(pages),
            false => Err(ArchiveError::Rejected(errors)),
        }
    }

    async fn write_files(
        &self,
        viewer: &Viewer,
        stored: StoredRecord,
        files: Vec<DigitalObject>,
        opened: Option<u32>,
        note: &str,
    ) -> Result<Saved, ArchiveError> {
        let account = Self::acting(viewer, Role::Editor)?;
        let mut record = stored.record;
        record.files = files;
        refuse_problems(std::slice::from_ref(&record))?;
        let options = ImportOptions {
            expect_revision: Some(opened.unwrap_or(stored.revision)),
            author: Author::account(account, note),
            ..ImportOptions::default()
        };
        let report = self
            .apply_batch(std::slice::from_ref(&record), options)
            .await?;
        Ok(Saved {
            revision: self.current_revision(&record.id).await?,
            changed: report.unchanged == 0,
            created: false,
        })
    }
}

/// Why one of an import's files was not stored.
enum Refusal {
    /// The file is at fault: reported against it, with the others.
    Refused(String),
    /// The store failed: the import stops.
    Failed(ArchiveError),
}

/// How a file as stored differs from what a dump's record says of it.
fn differences(said: &DigitalObject, found: &DigitalObject) -> Option<String> {
    let mut out = Vec::new();
    if said.sha256 != found.sha256 {
        out.push(format!(
            "sha256 {} (the file's is {})",
            said.sha256, found.sha256
        ));
    }
    if said.media_type != found.media_type {
        out.push(format!(
            "media type {} (the file is {})",
            said.media_type, found.media_type
        ));
    }
    if said.bytes != found.bytes {
        out.push(format!(
            "{} bytes (the file has {})",
            said.bytes, found.bytes
        ));
    }
    if (said.width, said.height) != (found.width, found.height) {
        let size = |o: &DigitalObject| match (o.width, o.height) {
            (Some(w), Some(h)) => format!("{w}×{h} pixels"),
            _ => "no pixel size".to_string(),
        };
        out.push(format!("{} (the file is {})", size(said), size(found)));
    }
    (!out.is_empty()).then(|| format!("the record says {}", out.join(", ")))
}

/// One file of a record the reader may see: the only way to its bytes.
pub struct Page<'a> {
    archive: &'a Archive,
    /// The record.
    pub record: StoredRecord,
    /// Which page (1-based).
    pub number: usize,
    /// The file.
    pub object: DigitalObject,
}

impl<'a> Reader<'a> {
    /// Page `number` (1-based) of record `id`; `NotFound` when the record
    /// is not there for this viewer or has no such page.
    pub async fn page(&self, id: &str, number: usize) -> Result<Page<'a>, ArchiveError> {
        let record = self.get(id).await?;
        let object = number
            .checked_sub(1)
            .and_then(|i| record.record.files.get(i))
            .cloned()
            .ok_or_else(|| ArchiveError::NotFound(format!("{id} page {number}")))?;
        Ok(Page {
            archive: self.archive(),
            record,
            number,
            object,
        })
    }
}

impl<'a> Reader<'a> {
    /// Every page of record `id`, in order; `NotFound` when the record is
    /// not there for this viewer.
    pub async fn pages(&self, id: &str) -> Result<Vec<Page<'a>>, ArchiveError> {
        let record = self.get(id).await?;
        Ok(record
            .record
            .files
            .iter()
            .enumerate()
            .map(|(i, object)| Page {
                archive: self.archive(),
                record: record.clone(),
                number: i + 1,
                object: object.clone(),
            })
            .collect())
    }
}

impl Page<'_> {
    /// The file as attached.
    pub async fn original(&self) -> Result<Bytes, ArchiveError> {
        Ok(self.archive.objects.original(&self.object.sha256).await?)
    }

    /// The image's tile pyramid (`NotFound` for a PDF).
    pub async fn pyramid(&self) -> Result<Pyramid, ArchiveError> {
        if !self.object.is_image() {
            return Err(self.not_found());
        }
        Ok(self.archive.objects.pyramid(&self.object.sha256).await?)
    }

    /// A region of the image at a size; `pyramid` is [`Page::pyramid`]'s.
    pub async fn render(
        &self,
        pyramid: &Pyramid,
        request: &RenderRequest,
    ) -> Result<Output, ArchiveError> {
        Ok(self
            .archive
            .objects
            .render(&self.object.sha256, pyramid, request)
            .await?)
    }

    fn not_found(&self) -> ArchiveError {
        ArchiveError::NotFound(format!(
            "{} page {} image",
            self.record.record.id, self.number
        ))
    }
}
