//! Staff writes: a record saved from the desk or the API, a revert, a
//! change of visibility for many records at once, a purge. Every one goes
//! through the one write path ([`Archive::apply_batch`]) as a new revision
//! by an account, so the change log, the index, the publication log and
//! other nodes follow it as they follow an import; a purge is the one
//! write that removes, and leaves an audit entry.
//!
//! Invariants:
//! - Only an account whose role allows it writes ([`Role::Editor`] to save,
//!   revert and change visibility, [`Role::Admin`] to purge); anyone else
//!   is [`ArchiveError::Forbidden`] before anything is read or written.
//! - A saved record is checked as an import checks it
//!   ([`Record::problems`]): every problem is listed, per field, and
//!   nothing is written.
//! - A save keeps the server's fields: the stored record's provenance (a
//!   new record gets the desk's), whatever the caller sent.
//! - A save or revert names the revision it was made against; if the
//!   record has moved on, it is [`StoreError::Stale`] and nothing is
//!   written (checked under the store's write lock).
//! - A revert writes the old revision's content exactly, provenance
//!   included, so that an export of a reverted record is the export of the
//!   revision it went back to.

use super::{Archive, ArchiveError, ImportOptions, ImportReport};
use crate::accounts::{Role, Viewer};
use crate::import::ImportError;
use crate::model::{Provenance, Record, Visibility};
use crate::store::{AuditEntry, Author, StoreError, StoredRecord};
use std::path::Path;

/// The file name desk and API errors are reported against.
pub const DESK: &str = "desk";

/// What a save wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The record's revision after the save.
    pub revision: u32,
    /// Whether a revision was written (false: the content was already
    /// stored).
    pub changed: bool,
    /// Whether the save made the record.
    pub created: bool,
}

impl Archive {
    /// The account acting for `viewer`, if its role allows `needed`.
    pub(super) fn acting(viewer: &Viewer, needed: Role) -> Result<&str, ArchiveError> {
        match viewer {
            Viewer::Staff { name, role } if role.allows(needed) => Ok(name),
            _ => Err(ArchiveError::Forbidden { needed }),
        }
    }

    /// Saves `record` as `viewer`'s new revision of it, made against
    /// revision `opened` (0: a new record; `None`: whatever is stored).
    /// Server-owned fields (provenance) are kept from the stored record.
    pub async fn save(
        &self,
        viewer: &Viewer,
        mut record: Record,
        opened: Option<u32>,
        note: &str,
    ) -> Result<Saved, ArchiveError> {
        let account = Self::acting(viewer, Role::Editor)?;
        let stored = self.store.get(&record.id).await?;
        keep_server_fields(&mut record, stored.as_ref());
        refuse_file_changes(std::slice::from_ref(&record), &[stored.as_ref()])?;
        refuse_problems(std::slice::from_ref(&record))?;
        let options = ImportOptions {
            expect_revision: opened,
            author: Author::account(account, note.trim()),
            ..ImportOptions::default()
        };
        let report = self
            .apply_batch(std::slice::from_ref(&record), options)
            .await?;
        let revision = self.current_revision(&record.id).await?;
        Ok(Saved {
            revision,
            changed: report.unchanged == 0,
            created: report.created == 1,
        })
    }

    /// Saves a batch of records as `viewer`'s, all or nothing (the API's
    /// JSON Lines batch): each checked as an import checks it, server-owned
    /// fields kept as [`Archive::save`] keeps them.
    pub async fn save_many(
        &self,
        viewer: &Viewer,
        mut records: Vec<Record>,
        note: &str,
    ) -> Result<ImportReport, ArchiveError> {
        let account = Self::acting(viewer, Role::Editor)?;
        for chunk in records.chunks_mut(500) {
            let names: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            let found = self.store.get_many(&names).await?;
            let mut stored = Vec::with_capacity(chunk.len());
            for record in chunk.iter_mut() {
                let found = found.iter().find(|s| s.record.id == record.id);
                keep_server_fields(record, found);
                stored.push(found);
            }
            refuse_file_changes(chunk, &stored)?;
        }
        refuse_problems(&records)?;
        let options = ImportOptions {
            author: Author::account(account, note.trim()),
            ..ImportOptions::default()
        };
        self.apply_batch(&records, options).await
    }

    /// Makes revision `revision` of record `id` current again, as a new
    /// revision by `viewer`, made against the current revision `opened`
    /// (`None`: whatever is current).
    pub async fn revert(
        &self,
        viewer: &Viewer,
        id: &str,
        revision: u32,
        opened: Option<u32>,
        note: &str,
    ) -> Result<Saved, ArchiveError> {
        let account = Self::acting(viewer, Role::Editor)?;
        let old = self
            .store
            .revision(id, revision)
            .await?
            .ok_or_else(|| ArchiveError::NotFound(format!("{id} revision {revision}")))?;
        let note = match note.trim() {
            "" => format!("reverted to revision {revision}"),
            note => note.to_string(),
        };
        let options = ImportOptions {
            expect_revision: opened,
            author: Author::account(account, note),
            // The old revision may have come from another source.
            replace: true,
            ..ImportOptions::default()
        };
        let report = self
            .apply_batch(std::slice::from_ref(&old), options)
            .await?;
        Ok(Saved {
            revision: self.current_revision(id).await?,
            changed: report.unchanged == 0,
            created: false,
        })
    }

    /// Sets the visibility of every record named, as one batch by `viewer`
    /// (publish, embargo, withdraw, back to draft): all or nothing. A
    /// record already so is left alone.
    pub async fn set_visibility(
        &self,
        viewer: &Viewer,
        ids: &[String],
        visibility: Visibility,
        note: &str,
    ) -> Result<ImportReport, ArchiveError> {
        let account = Self::acting(viewer, Role::Editor)?;
        let mut records = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let names: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let mut found = self.store.get_many(&names).await?;
            found.sort_by(|a, b| a.record.id.cmp(&b.record.id));
            for id in chunk {
                let at = found
                    .binary_search_by(|s| s.record.id.as_str().cmp(id))
                    .map_err(|_| ArchiveError::NotFound(id.clone()))?;
                let mut record = found[at].record.clone();
                record.visibility = visibility.clone();
                records.push(record);
            }
        }
        refuse_problems(&records)?;
        let note = match note.trim() {
            "" => format!("set to {}", visibility.status()),
            note => note.to_string(),
        };
        let options = ImportOptions {
            author: Author::account(account, note),
            ..ImportOptions::default()
        };
        self.apply_batch(&records, options).await
    }

    /// Removes record `id` for good (every revision, its content), for a
    /// rights or privacy complaint; an admin's act, with a reason, kept in
    /// the audit log. A record once public stays listed as deleted for
    /// harvesters.
    pub async fn purge(&self, viewer: &Viewer, id: &str, reason: &str) -> Result<(), ArchiveError> {
        let account = Self::acting(viewer, Role::Admin)?;
        if reason.trim().is_empty() {
            return Err(ArchiveError::Rejected(vec![
                ImportError::file(Path::new(DESK), "say why the record is purged")
                    .in_record(id)
                    .in_field("reason"),
            ]));
        }
        // The files its revisions named, to remove those no other revision
        // names once it is gone.
        let mut files = std::collections::BTreeSet::new();
        for info in self.store.history(id).await? {
            if let Some(record) = self.store.revision(id, info.revision).await? {
                files.extend(record.files.into_iter().map(|f| f.sha256));
            }
        }
        if !self.store.purge(id, account, reason.trim()).await? {
            return Err(ArchiveError::NotFound(id.to_string()));
        }
        self.sync_index().await?;
        for sha in files {
            if !self.store.names_file(&sha).await? {
                self.objects.remove(&sha).await?;
            }
        }
        Ok(())
    }

    /// The audit log, newest first (admins only).
    pub async fn audit(
        &self,
        viewer: &Viewer,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, ArchiveError> {
        Self::acting(viewer, Role::Admin)?;
        Ok(self.store.audit(limit).await?)
    }

    /// The record's current revision (0 when there is none).
    pub(super) async fn current_revision(&self, id: &str) -> Result<u32, ArchiveError> {
        Ok(self.store.get(id).await?.map_or(0, |s| s.revision))
    }
}

/// The provenance of a record made in the desk or through the API.
pub fn desk_provenance(id: &str) -> Provenance {
    Provenance {
        format: DESK.to_string(),
        origin: format!("{DESK}:{id}"),
        file: String::new(),
        line: None,
        sha256: String::new(),
        imported_at: crate::clock::now().to_string(),
        layout: None,
    }
}

/// Whether a stored record is a tombstone for the public: withdrawn after
/// it was public.
pub fn is_tombstone(stored: &StoredRecord) -> bool {
    matches!(stored.record.visibility, Visibility::Withdrawn) && stored.was_public
}

/// A stale save's two sides, for showing both.
pub fn stale_revision(error: &ArchiveError) -> Option<(u32, u32)> {
    match error {
        ArchiveError::Store(StoreError::Stale {
            expected, found, ..
        }) => Some((*expected, *found)),
        _ => None,
    }
}

/// Every field-level problem of `records`, as an import would report it
/// (against the desk), or nothing when they are all valid.
pub(super) fn refuse_problems(records: &[Record]) -> Result<(), ArchiveError> {
    let problems: Vec<ImportError> = records
        .iter()
        .flat_map(|r| {
            r.problems().into_iter().map(|p| {
                ImportError::file(Path::new(DESK), p.message)
                    .in_record(r.id.clone())
                    .in_field(p.field)
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ArchiveError::Rejected(problems))
    }
}

/// A record sent by staff names the files it already has: its files are
/// changed by their own write ([`Archive::attach`], [`Archive::set_files`]),
/// which stores and checks the bytes, never by a record's body.
fn refuse_file_changes(
    records: &[Record],
    stored: &[Option<&StoredRecord>],
) -> Result<(), ArchiveError> {
    let problems: Vec<ImportError> = records
        .iter()
        .zip(stored)
        .filter(|(r, s)| s.map_or(&[][..], |s| &s.record.files[..]) != &r.files[..])
        .map(|(r, _)| {
            ImportError::file(
                Path::new(DESK),
                "files are attached, reordered or removed with PUT /api/v1/records/{id}/files, \
                 `fonds attach` or the desk's files form, not in the record",
            )
            .in_record(r.id.clone())
            .in_field("files")
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(ArchiveError::Rejected(problems)),
    }
}

/// Sets what the server owns on a record sent by staff: the stored
/// provenance (the desk's for a new record); a title's kept line breaks
/// are dropped when the title changed.
fn keep_server_fields(record: &mut Record, stored: Option<&StoredRecord>) {
    match stored {
        Some(stored) => {
            let title_changed = stored.record.title != record.title;
            record.provenance = stored.record.provenance.clone();
            // Line breaks kept from a source title no longer fit another.
            if let (true, Some(layout)) = (title_changed, record.provenance.layout.as_mut()) {
                layout.title_breaks.clear();
            }
            // Files change through the files' own write (`attach`,
            // `set_files`); a form or body that leaves them out keeps them.
            if record.files.is_empty() {
                record.files = stored.record.files.clone();
            }
        }
        None => record.provenance = desk_provenance(&record.id),
    }
}
