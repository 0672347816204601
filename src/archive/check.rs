//! `fonds check`: holds the store, its change log, the search index and the
//! files against one another and lists every difference ([`Problem`]).
//!
//! What is checked:
//! - every stored revision's JSON parses, and each record's current
//!   revision gives the content hash its row keeps ([`Record::content_hash`],
//!   what `Store::apply` stored), and exists;
//! - the change log is numbered 1, 2, 3, … without a hole, every record's
//!   current revision has its entry, and every entry names a stored
//!   revision. A purge removes no entry (it deletes the record's revisions
//!   and adds an entry of revision 0), so the entries of a purged record
//!   name revisions that are gone: those are explained when the audit log
//!   holds the purge and a revision-0 entry follows them, and are not
//!   problems; a revision-0 entry without its audit entry is one;
//! - the search index holds, for every record with content, exactly one
//!   document, made from its current revision, and no document of a record
//!   the store does not hold. Records changed after the index's last commit
//!   (a server's index lags by a moment) are not compared;
//! - every file a revision names is in the files location (folder or S3)
//!   with its SHA-256 and size, and no file is there that no revision names
//!   (an orphan: a refused import or upload leaves one).
//!
//! Invariant: a check writes nothing (opening the archive may bring the
//! index up to the change log, as every command does).

use super::backup::{is_sha256, walk_revisions};
use super::{Archive, ArchiveError};
use crate::model::{Record, sha256_hex};
use crate::objects::ObjectError;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// One difference a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A stored revision's JSON does not parse.
    Unreadable {
        /// The record.
        id: String,
        /// The revision.
        revision: u32,
        /// The parser's message.
        message: String,
    },
    /// A current revision does not give the content hash its record's row
    /// keeps (its JSON was altered, or the row).
    ContentHash {
        /// The record.
        id: String,
        /// Its current revision.
        revision: u32,
        /// The hash the row keeps.
        stored: String,
        /// The hash of the revision's content.
        computed: String,
    },
    /// A record's current revision is not stored.
    CurrentMissing {
        /// The record.
        id: String,
        /// The revision its row names.
        revision: u32,
    },
    /// Change-log numbers missing between two present ones.
    Gap {
        /// The last number present before the hole (0: the log's start).
        after: u64,
        /// The next number present.
        before: u64,
    },
    /// A record's current revision has no change-log entry.
    Unlogged {
        /// The record.
        id: String,
        /// Its current revision (0: purged).
        revision: u32,
    },
    /// A change-log entry names a revision that is not stored, and no purge
    /// explains it.
    Dangling {
        /// The entry's number.
        seq: u64,
        /// The record.
        id: String,
        /// The revision it names.
        revision: u32,
    },
    /// A change-log entry of revision 0 (a purge's) without a purge in the
    /// audit log.
    UnauditedPurge {
        /// The entry's number.
        seq: u64,
        /// The record.
        id: String,
    },
    /// The index has applied changes beyond the store's log.
    IndexAhead {
        /// The index's position.
        applied: u64,
        /// The store's last change.
        last: u64,
    },
    /// A record has no index document.
    NotIndexed {
        /// The record.
        id: String,
        /// Its current revision.
        revision: u32,
    },
    /// A record's index document was made from another revision.
    IndexStale {
        /// The record.
        id: String,
        /// The revision indexed.
        indexed: u32,
        /// The current revision.
        current: u32,
    },
    /// A record has several index documents.
    IndexDuplicate {
        /// The record.
        id: String,
        /// How many.
        documents: usize,
    },
    /// An index document of a record the store does not hold (or holds
    /// purged).
    IndexStray {
        /// The record it names.
        id: String,
        /// The revision it was made from.
        revision: u32,
    },
    /// A file a revision names is not in the files location.
    FileMissing {
        /// Its SHA-256.
        sha256: String,
        /// A record naming it.
        record: String,
    },
    /// A file's bytes are not those its name (SHA-256) or its record says.
    FileAltered {
        /// Its SHA-256, as named.
        sha256: String,
        /// A record naming it.
        record: String,
        /// What was found.
        found: String,
    },
    /// A revision names a file by something that is not a SHA-256.
    FileBadName {
        /// What it names.
        name: String,
        /// A record naming it.
        record: String,
    },
    /// A file in the files location that no revision names.
    Orphan {
        /// Its name there (its SHA-256).
        sha256: String,
        /// Its size.
        bytes: u64,
    },
}

impl Problem {
    /// Which part of the archive the problem is in (for the summary).
    pub fn area(&self) -> Area {
        match self {
            Problem::Unreadable { .. }
            | Problem::ContentHash { .. }
            | Problem::CurrentMissing { .. } => Area::Revisions,
            Problem::Gap { .. }
            | Problem::Unlogged { .. }
            | Problem::Dangling { .. }
            | Problem::UnauditedPurge { .. } => Area::ChangeLog,
            Problem::IndexAhead { .. }
            | Problem::NotIndexed { .. }
            | Problem::IndexStale { .. }
            | Problem::IndexDuplicate { .. }
            | Problem::IndexStray { .. } => Area::Index,
            Problem::FileMissing { .. }
            | Problem::FileAltered { .. }
            | Problem::FileBadName { .. }
            | Problem::Orphan { .. } => Area::Files,
        }
    }
}

/// The parts of an archive a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// Stored revisions and records.
    Revisions,
    /// The change log.
    ChangeLog,
    /// The search index.
    Index,
    /// Attached files.
    Files,
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Area::Revisions => "revisions",
            Area::ChangeLog => "change log",
            Area::Index => "search index",
            Area::Files => "files",
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable {
                id,
                revision,
                message,
            } => write!(
                f,
                "record {id} revision {revision}: the stored JSON does not parse: {message}"
            ),
            Problem::ContentHash {
                id,
                revision,
                stored,
                computed,
            } => write!(
                f,
                "record {id} revision {revision}: content hash {computed} is not the stored \
                 {stored} (the revision or its record's row was altered)"
            ),
            Problem::CurrentMissing { id, revision } => write!(
                f,
                "record {id} revision {revision}: the current revision is not stored"
            ),
            Problem::Gap { after, before } if after + 2 == *before => write!(
                f,
                "change log: change {} is missing (between {after} and {before})",
                after + 1
            ),
            Problem::Gap { after, before } => write!(
                f,
                "change log: changes {} to {} are missing (between {after} and {before})",
                after + 1,
                before - 1
            ),
            Problem::Unlogged { id, revision } => write!(
                f,
                "record {id} revision {revision}: no change-log entry (followers and indexes \
                 never learn of it)"
            ),
            Problem::Dangling { seq, id, revision } => write!(
                f,
                "change {seq}: record {id} revision {revision} is not stored, and no purge of \
                 {id} explains it"
            ),
            Problem::UnauditedPurge { seq, id } => write!(
                f,
                "change {seq}: record {id} purged (revision 0), but the audit log holds no \
                 purge of it"
            ),
            Problem::IndexAhead { applied, last } => write!(
                f,
                "search index: it has applied change {applied}, but the store's change log ends \
                 at {last} (an index of another store? `fonds reindex` rebuilds it)"
            ),
            Problem::NotIndexed { id, revision } => write!(
                f,
                "search index: record {id} (revision {revision}) has no document"
            ),
            Problem::IndexStale {
                id,
                indexed,
                current,
            } => write!(
                f,
                "search index: record {id} is indexed at revision {indexed}, the store's is \
                 {current}"
            ),
            Problem::IndexDuplicate { id, documents } => {
                write!(f, "search index: record {id} has {documents} documents")
            }
            Problem::IndexStray { id, revision } => write!(
                f,
                "search index: a document of record {id} (revision {revision}), which the store \
                 does not hold"
            ),
            Problem::FileMissing { sha256, record } => write!(
                f,
                "file {sha256} (named by record {record}): missing from the files location"
            ),
            Problem::FileAltered {
                sha256,
                record,
                found,
            } => write!(f, "file {sha256} (named by record {record}): {found}"),
            Problem::FileBadName { name, record } => write!(
                f,
                "record {record}: names a file {name:?}, which is not a SHA-256"
            ),
            Problem::Orphan { sha256, bytes } => write!(
                f,
                "file {sha256} ({bytes} bytes): no revision of any record names it (an orphan)"
            ),
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Every difference, in the order found: revisions, change log, index,
    /// files.
    pub problems: Vec<Problem>,
    /// Records with content.
    pub records: u64,
    /// Stored revisions.
    pub revisions: u64,
    /// The store's last change.
    pub last_change: u64,
    /// Change-log entries of purges (explained by the audit log).
    pub purges: usize,
    /// The index's documents.
    pub index_documents: u64,
    /// The change the index has applied.
    pub index_change: u64,
    /// Records changed after the index's last commit, not compared with it.
    pub not_compared: usize,
    /// Files the revisions name.
    pub files: u64,
    /// Their bytes.
    pub file_bytes: u64,
}

impl CheckReport {
    /// Whether nothing was found.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// One line: what was checked, and how many problems of each kind.
    pub fn summary(&self) -> String {
        let checked = format!(
            "{} records, {} revisions, change log 1..{} ({} purge{}), search index at change {} \
             ({} documents{}), {} file{} ({} bytes)",
            self.records,
            self.revisions,
            self.last_change,
            self.purges,
            if self.purges == 1 { "" } else { "s" },
            self.index_change,
            self.index_documents,
            match self.not_compared {
                0 => String::new(),
                n => format!("; {n} records changed since its last commit not compared"),
            },
            self.files,
            if self.files == 1 { "" } else { "s" },
            self.file_bytes
        );
        if self.is_ok() {
            return format!("ok: {checked}");
        }
        let mut by_area: BTreeMap<Area, usize> = BTreeMap::new();
        for p in &self.problems {
            *by_area.entry(p.area()).or_default() += 1;
        }
        let areas: Vec<String> = by_area
            .iter()
            .map(|(area, n)| format!("{n} in the {area}"))
            .collect();
        format!(
            "{} problem{} ({}) in {checked}",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" },
            areas.join(", ")
        )
    }
}

impl Archive {
    /// Checks the archive (see the module doc): every difference between
    /// the store, its change log, the index and the files.
    pub async fn check(&self) -> Result<CheckReport, ArchiveError> {
        let mut report = CheckReport::default();
        let files = self.check_revisions(&mut report).await?;
        self.check_change_log(&mut report).await?;
        self.check_index(&mut report).await?;
        self.check_files(&mut report, files).await?;
        Ok(report)
    }

    /// Every revision parses and the current ones keep their hash; returns
    /// the files they name (SHA-256 → a record naming it, its size).
    async fn check_revisions(
        &self,
        report: &mut CheckReport,
    ) -> Result<BTreeMap<String, (String, u64)>, ArchiveError> {
        let mut files: BTreeMap<String, (String, u64)> = BTreeMap::new();
        let mut problems = Vec::new();
        let mut revisions = 0;
        walk_revisions(&*self.store, |stored| {
            revisions += 1;
            let record: &Record = match &stored.record {
                Ok(record) => record,
                Err(message) => {
                    problems.push(Problem::Unreadable {
                        id: stored.id.clone(),
                        revision: stored.revision,
                        message: message.clone(),
                    });
                    return;
                }
            };
            if let Some(kept) = &stored.current_hash {
                let computed = record.content_hash();
                if &computed != kept {
                    problems.push(Problem::ContentHash {
                        id: stored.id.clone(),
                        revision: stored.revision,
                        stored: kept.clone(),
                        computed,
                    });
                }
            }
            for file in &record.files {
                files
                    .entry(file.sha256.clone())
                    .or_insert_with(|| (stored.id.clone(), file.bytes));
            }
        })
        .await?;
        report.revisions = revisions;
        report.records = self.store.count().await?;
        report.problems.extend(problems);
        Ok(files)
    }

    /// The change log: no holes, every current revision logged, every entry
    /// a stored revision or a purge's.
    async fn check_change_log(&self, report: &mut CheckReport) -> Result<(), ArchiveError> {
        let integrity = self.store.integrity().await?;
        report.last_change = self.store.last_change().await?;
        let audited: HashSet<String> = self
            .store
            .audit(i64::MAX as usize)
            .await?
            .into_iter()
            .filter(|a| a.action == "purge")
            .map(|a| a.record_id)
            .collect();
        // Each purged record's last purge entry.
        let mut purged_at: HashMap<&str, u64> = HashMap::new();
        for purge in &integrity.purges {
            purged_at.insert(&purge.record_id, purge.seq);
        }
        report.purges = integrity.purges.len();
        let problems = &mut report.problems;
        for (id, revision) in integrity.missing_current {
            problems.push(Problem::CurrentMissing { id, revision });
        }
        for (after, before) in integrity.gaps {
            problems.push(Problem::Gap { after, before });
        }
        for (id, revision) in integrity.unlogged {
            problems.push(Problem::Unlogged { id, revision });
        }
        for purge in &integrity.purges {
            if !audited.contains(&purge.record_id) {
                problems.push(Problem::UnauditedPurge {
                    seq: purge.seq,
                    id: purge.record_id.clone(),
                });
            }
        }
        for change in integrity.dangling {
            let explained = audited.contains(&change.record_id)
                && purged_at
                    .get(change.record_id.as_str())
                    .is_some_and(|at| *at > change.seq);
            if !explained {
                problems.push(Problem::Dangling {
                    seq: change.seq,
                    id: change.record_id,
                    revision: change.revision,
                });
            }
        }
        Ok(())
    }

    /// The index against the store, at the index's last commit.
    async fn check_index(&self, report: &mut CheckReport) -> Result<(), ArchiveError> {
        // The documents and the position they hold, read together (a
        // server may commit meanwhile: then read again).
        let (applied, documents) = loop {
            let before = self.index.applied_change()?;
            let documents = self.index.documents()?;
            if self.index.applied_change()? == before {
                break (before, documents);
            }
        };
        report.index_change = applied;
        report.index_documents = documents.len() as u64;
        let last = self.store.last_change().await?;
        if applied > last {
            report.problems.push(Problem::IndexAhead { applied, last });
        }
        // The store's records, then what changed after the index's
        // position (read after them, so that nothing changed meanwhile
        // escapes): those are not compared.
        let mut records: Vec<(String, u32)> = Vec::new();
        loop {
            let after = records.last().map(|(id, _)| id.as_str());
            let page = self.store.current_revisions(after, 10_000).await?;
            if page.is_empty() {
                break;
            }
            records.extend(page);
        }
        let mut changed: HashSet<String> = HashSet::new();
        let mut seq = applied;
        loop {
            let page = self.store.changes_since(seq, 10_000).await?;
            let Some(tail) = page.last() else { break };
            seq = tail.seq;
            changed.extend(page.into_iter().map(|c| c.record_id));
        }
        report.not_compared = changed.len();
        // Both lists are in identifier (byte) order: walk them together.
        let mut docs = documents.iter().peekable();
        let problems = &mut report.problems;
        let stray = |(id, revision): &(String, u32)| Problem::IndexStray {
            id: id.clone(),
            revision: *revision,
        };
        for (id, revision) in &records {
            // Documents before this record name none the store holds.
            while let Some(doc) = docs.next_if(|(d, _)| d < id) {
                if !changed.contains(&doc.0) {
                    problems.push(stray(doc));
                }
            }
            let mut indexed = Vec::new();
            while let Some((_, r)) = docs.next_if(|(d, _)| d == id) {
                indexed.push(*r);
            }
            if changed.contains(id) {
                continue;
            }
            match indexed.as_slice() {
                [] => problems.push(Problem::NotIndexed {
                    id: id.clone(),
                    revision: *revision,
                }),
                [one] if one == revision => {}
                [one] => problems.push(Problem::IndexStale {
                    id: id.clone(),
                    indexed: *one,
                    current: *revision,
                }),
                many => problems.push(Problem::IndexDuplicate {
                    id: id.clone(),
                    documents: many.len(),
                }),
            }
        }
        // Past the last record: every document left is a stray.
        for doc in docs {
            if !changed.contains(&doc.0) {
                problems.push(stray(doc));
            }
        }
        Ok(())
    }

    /// Every named file present with its SHA-256 and size; no orphans.
    async fn check_files(
        &self,
        report: &mut CheckReport,
        named: BTreeMap<String, (String, u64)>,
    ) -> Result<(), ArchiveError> {
        for (sha256, (record, size)) in &named {
            if !is_sha256(sha256) {
                report.problems.push(Problem::FileBadName {
                    name: sha256.clone(),
                    record: record.clone(),
                });
                continue;
            }
            report.files += 1;
            let bytes = match self.objects.original(sha256).await {
                Ok(bytes) => bytes,
                Err(ObjectError::Missing(_)) => {
                    report.problems.push(Problem::FileMissing {
                        sha256: sha256.clone(),
                        record: record.clone(),
                    });
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            report.file_bytes += bytes.len() as u64;
            let found = sha256_hex(&bytes);
            if &found != sha256 {
                report.problems.push(Problem::FileAltered {
                    sha256: sha256.clone(),
                    record: record.clone(),
                    found: format!("holds other bytes (SHA-256 {found}, {} bytes)", bytes.len()),
                });
            } else if bytes.len() as u64 != *size {
                report.problems.push(Problem::FileAltered {
                    sha256: sha256.clone(),
                    record: record.clone(),
                    found: format!("is {} bytes, the record says {size}", bytes.len()),
                });
            }
        }
        let mut stored = self.objects.originals().await?;
        stored.sort();
        for (name, bytes) in stored {
            // A file attached since the revisions were read is named by now.
            if !named.contains_key(&name) && !self.store.names_file(&name).await? {
                report.problems.push(Problem::Orphan {
                    sha256: name,
                    bytes,
                });
            }
        }
        Ok(())
    }
}
