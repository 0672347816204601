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

use super::edit::refuse_problems;
use super::{Archive, ArchiveError, ImportOptions, Reader, Saved};
use crate::accounts::{Role, Viewer};
use crate::import::ImportError;
use crate::model::DigitalObject;
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
