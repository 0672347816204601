//! The batch planner: every rule of [`Store::apply`](super::Store::apply) in
//! one pure, synchronous function, shared by both backends.
//!
//! A backend, inside its write transaction (writers serialised), reads what
//! it holds of the batch's records ([`Current`]), asks [`plan`] what to do,
//! and writes the [`Plan`] with its own SQL. Nothing here touches a database,
//! so the rules are tested here without one.
//!
//! Invariants (what [`plan`] guarantees for any input):
//! - A record whose stored origin differs from the incoming one, without
//!   [`ApplyOptions::allow_origin_change`], is [`StoreError::OriginConflict`]
//!   (the first such record in batch order), whatever its content.
//! - Same content (hash) as the record holds at that point of the batch is
//!   [`Outcome::Unchanged`]: nothing written, never a conflict.
//! - Other content for a record another writer changed after
//!   [`ApplyOptions::base_change`] is a conflict; the batch is refused whole
//!   ([`StoreError::Conflict`], every conflict in batch order, a record
//!   named twice listed twice).
//! - For a batch with no [`Author::account`] (an import) and no
//!   [`ApplyOptions::overwrite_edits`], other content for a record whose
//!   current revision an account made is [`StoreError::Edited`] (every
//!   such record, in batch order), whole batch refused.
//! - With [`ApplyOptions::expect_revision`], a record at another revision
//!   (0 for none) is [`StoreError::Stale`], whatever its content.
//! - Otherwise a new record is revision 1, never public before; a changed
//!   one is the next revision, and was public if it was before or its
//!   replaced revision's `public_since` is at or before the batch's instant.
//! - Each revision written takes the next change-log number after
//!   [`Current::last_change`], in batch order, with no gap; the plan's
//!   [`Plan::last_change`] is the last of them (or the log's end when
//!   nothing is written).
//! - [`Plan::rows`] holds one row per record written, as the batch leaves it
//!   (a record named twice is written twice as a revision, once as a row).
//! - A row's [`Row::public_collections`] are the collections of the record's
//!   last revision that was public, when the batch changes them: a revision
//!   public at the batch's instant gives its own; a replaced revision that
//!   counts as public (the `was_public` rule: an embargo that has ended
//!   counts) gives its own; a revision not yet public leaves them. So a
//!   withdrawn record's are those of the revision that made it withdrawn.

use super::{ApplyOptions, Author, Conflict, EditedRecord, Outcome, StoreError, StoreResult};
use crate::clock::Timestamp;
use crate::model::Record;
use std::cell::RefCell;
use std::collections::HashMap;

/// What the store holds of one record, read before the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its current revision.
    pub revision: u32,
    /// The source that claims it.
    pub origin: String,
    /// [`Record::content_hash`] of the current revision.
    pub content_hash: String,
    /// When the current revision became (or becomes) public; `None` for a
    /// draft.
    pub public_since: Option<Timestamp>,
    /// Whether a revision was public while it was current.
    pub was_public: bool,
    /// The newest change-log entry of the record after
    /// [`ApplyOptions::base_change`] (another writer's); `None` when there
    /// is none or no base was given.
    pub changed_after_base: Option<u64>,
    /// The account that made the current revision; `None` for an import's.
    pub edited_by: Option<String>,
    /// The current revision's collections. Only read when it is public by
    /// the batch's instant (it then becomes the last public revision), so a
    /// backend may leave them empty otherwise.
    pub collections: Vec<String>,
}

/// What the store holds before the batch: the stored records among the
/// batch's identifiers, and the change log's end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Current {
    /// By identifier; an identifier absent here is a new record.
    pub records: HashMap<String, Stored>,
    /// The newest change-log number (0 when the log is empty).
    pub last_change: u64,
}

/// A record's row of `records` as the batch leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// The identifier.
    pub id: &'a str,
    /// Its current revision after the batch.
    pub revision: u32,
    /// Its origin after the batch.
    pub origin: &'a str,
    /// The hash of its current content.
    pub content_hash: String,
    /// When its current revision becomes public; `None`: never.
    pub public_since: Option<Timestamp>,
    /// Whether a revision was public while it was current.
    pub was_public: bool,
    /// Its current revision's collections (replacing the stored ones).
    pub collections: &'a [String],
    /// Its place in each of them ([`collection_position`]).
    pub position: String,
    /// The account that made its current revision ([`Author::account`]).
    pub edited_by: Option<&'a str>,
    /// The collections of its last revision that was public, replacing the
    /// stored ones; `None`: the batch leaves them (see the module doc).
    pub public_collections: Option<&'a [String]>,
}

/// One revision the batch writes, with its change-log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision<'a> {
    /// The change-log number of the write.
    pub seq: u64,
    /// The revision number.
    pub revision: u32,
    /// The record as written.
    pub record: &'a Record,
}

impl Revision<'_> {
    /// The revision's stored body: the record's JSON (as in a dump line).
    /// Made when written, so that a large batch holds one at a time.
    pub fn body(&self) -> String {
        crate::export::jsonl::line(self.record)
    }

    /// The body as SQLite stores it: the JSON compressed with zstd (a
    /// revision's texts are most of its bytes; Korean text compresses to
    /// about half, English further).
    pub fn packed_body(&self) -> Vec<u8> {
        pack(&self.body())
    }

    /// The hashes of the record's files, space-separated: what finds the
    /// revisions naming a file without reading their bodies.
    pub fn files(&self) -> String {
        let hashes: Vec<&str> = self
            .record
            .files
            .iter()
            .map(|f| f.sha256.as_str())
            .collect();
        hashes.join(" ")
    }
}

/// The zstd level of stored bodies: fast enough for an import at full
/// speed (hundreds of MB/s); levels 9 and 19 made bodies of the benchmark's
/// documents only 2–8 % smaller.
const PACK_LEVEL: i32 = 3;

thread_local! {
    /// Each thread's compression and decompression contexts: making one
    /// allocates and clears hundreds of kilobytes, more than compressing a
    /// body takes (an OAI-PMH page reads a hundred).
    static PACKER: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static UNPACKER: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// A body compressed for storing ([`unpack`] reads it back).
pub fn pack(body: &str) -> Vec<u8> {
    PACKER.with_borrow_mut(|packer| {
        let packer = match packer {
            Some(p) => p,
            // Writing to memory fails only when out of memory.
            None => packer
                .insert(zstd::bulk::Compressor::new(PACK_LEVEL).expect("a zstd context in memory")),
        };
        packer
            .compress(body.as_bytes())
            .expect("zstd compresses into memory")
    })
}

/// A stored body: JSON as text, or compressed by [`pack`] (a zstd frame,
/// which no JSON text starts with); `None` if it is neither.
pub fn unpack(stored: &[u8]) -> Option<String> {
    const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
    if !stored.starts_with(&ZSTD_MAGIC) {
        return String::from_utf8(stored.to_vec()).ok();
    }
    // `pack` records the size in the frame; a frame that does not (or
    // claims more than a gigabyte) is no body of ours.
    let size = zstd::bulk::Decompressor::upper_bound(stored).filter(|&n| n <= 1 << 30)?;
    let bytes = UNPACKER.with_borrow_mut(|unpacker| {
        let unpacker = match unpacker {
            Some(u) => u,
            None => unpacker.insert(zstd::bulk::Decompressor::new().ok()?),
        };
        unpacker.decompress(stored, size).ok()
    })?;
    String::from_utf8(bytes).ok()
}

/// What a batch writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'a> {
    /// The instant of every write of the batch (`updated_at`,
    /// `recorded_at`).
    pub written_at: Timestamp,
    /// Who writes it, for every revision.
    pub author: &'a Author,
    /// Per record, in batch order.
    pub outcomes: Vec<Outcome>,
    /// The rows written, in the order their records first appear.
    pub rows: Vec<Row<'a>>,
    /// The revisions written, in batch order, numbered consecutively.
    pub revisions: Vec<Revision<'a>>,
    /// The change-log number after the batch.
    pub last_change: u64,
}

/// A record's state while the batch is planned.
struct Slot<'a> {
    /// Whether the record exists (stored, or written by the batch).
    exists: bool,
    /// 0 for a record that does not exist yet.
    revision: u32,
    origin: &'a str,
    content_hash: String,
    public_since: Option<Timestamp>,
    was_public: bool,
    changed_after_base: Option<u64>,
    edited_by: Option<&'a str>,
    /// Its current revision's collections.
    collections: &'a [String],
    /// Its last public revision's collections when the batch changed them.
    public_collections: Option<&'a [String]>,
    /// Its index in `rows` once the batch writes it.
    row: Option<usize>,
}

impl<'a> Slot<'a> {
    fn new(stored: Option<&'a Stored>, incoming_origin: &'a str) -> Slot<'a> {
        match stored {
            Some(s) => Slot {
                exists: true,
                revision: s.revision,
                origin: &s.origin,
                content_hash: s.content_hash.clone(),
                public_since: s.public_since,
                was_public: s.was_public,
                changed_after_base: s.changed_after_base,
                edited_by: s.edited_by.as_deref(),
                collections: &s.collections,
                public_collections: None,
                row: None,
            },
            None => Slot {
                exists: false,
                revision: 0,
                origin: incoming_origin,
                content_hash: String::new(),
                public_since: None,
                was_public: false,
                changed_after_base: None,
                edited_by: None,
                collections: &[],
                public_collections: None,
                row: None,
            },
        }
    }
}

/// Plans `records` against what the store holds, at instant `now` (see the
/// module invariants).
pub fn plan<'a>(
    records: &'a [Record],
    options: &'a ApplyOptions,
    current: &'a Current,
    now: Timestamp,
) -> StoreResult<Plan<'a>> {
    let account = options.author.account.as_deref();
    let mut edited = Vec::new();
    let mut slots: HashMap<&'a str, Slot<'a>> = HashMap::with_capacity(records.len());
    let mut outcomes = Vec::with_capacity(records.len());
    let mut rows: Vec<Row<'a>> = Vec::new();
    let mut revisions = Vec::new();
    let mut conflicts = Vec::new();
    let mut seq = current.last_change;
    for record in records {
        let id = record.id.as_str();
        let origin = record.provenance.origin.as_str();
        let hash = record.content_hash();
        let slot = slots
            .entry(id)
            .or_insert_with(|| Slot::new(current.records.get(id), origin));
        if let Some(expected) = options.expect_revision
            && slot.revision != expected
        {
            return Err(StoreError::Stale {
                id: id.to_string(),
                expected,
                found: slot.revision,
            });
        }
        let outcome = if !slot.exists {
            Outcome::Created
        } else {
            if slot.origin != origin && !options.allow_origin_change {
                return Err(StoreError::OriginConflict {
                    id: id.to_string(),
                    existing: slot.origin.to_string(),
                    incoming: origin.to_string(),
                });
            }
            if slot.content_hash == hash {
                outcomes.push(Outcome::Unchanged);
                continue;
            }
            if let Some(by) = slot.edited_by
                && account.is_none()
                && !options.overwrite_edits
            {
                edited.push(EditedRecord {
                    id: id.to_string(),
                    revision: slot.revision,
                    account: by.to_string(),
                });
                continue;
            }
            if let Some(seq) = slot.changed_after_base {
                conflicts.push(Conflict {
                    id: id.to_string(),
                    revision: slot.revision,
                    seq,
                });
                continue;
            }
            Outcome::Updated
        };
        // The revision being replaced counts as public if it became so by
        // now (see `Store::publications`); it is then the last public one,
        // until this revision if this one is public.
        let public = |since: Option<Timestamp>| since.is_some_and(|since| since <= now);
        if public(slot.public_since) {
            slot.was_public = true;
            slot.public_collections = Some(slot.collections);
        }
        slot.exists = true;
        slot.revision += 1;
        slot.origin = origin;
        slot.public_since = record.public_since(now);
        slot.edited_by = account;
        slot.collections = &record.collections;
        if public(slot.public_since) {
            slot.public_collections = Some(&record.collections);
        }
        let row = Row {
            id,
            revision: slot.revision,
            origin,
            content_hash: hash.clone(),
            public_since: slot.public_since,
            was_public: slot.was_public,
            collections: &record.collections,
            position: collection_position(record),
            edited_by: account,
            public_collections: slot.public_collections,
        };
        slot.content_hash = hash;
        match slot.row {
            Some(i) => rows[i] = row,
            None => {
                slot.row = Some(rows.len());
                rows.push(row);
            }
        }
        outcomes.push(outcome);
        seq += 1;
        revisions.push(Revision {
            seq,
            revision: slot.revision,
            record,
        });
    }
    refuse(edited, conflicts, options)?;
    Ok(Plan {
        written_at: now,
        author: &options.author,
        outcomes,
        rows,
        revisions,
        last_change: seq,
    })
}

/// The refusal of a batch for the records an account edited (first) or
/// the conflicts after its base change it holds, if any.
pub fn refuse(
    edited: Vec<EditedRecord>,
    conflicts: Vec<Conflict>,
    options: &ApplyOptions,
) -> StoreResult<()> {
    if !edited.is_empty() {
        return Err(StoreError::Edited { records: edited });
    }
    if !conflicts.is_empty() {
        return Err(StoreError::Conflict {
            base: options.base_change.unwrap_or(0),
            conflicts,
        });
    }
    Ok(())
}

/// A record's place in its collections, as text whose byte order is the
/// reading order: its number in a printed edition (`0` and 12 digits, when
/// the number is 1 to 12 digits), else the earliest day of its date (`1`
/// and `YYYY-MM-DD`; years before year 0 do not sort among themselves),
/// else last (`2`); ties go by identifier. The schema's backfill computes
/// the same from a revision's JSON (`edition.number`, `date.earliest`).
pub fn collection_position(record: &Record) -> String {
    let number = record.edition.as_ref().and_then(|e| e.number.as_deref());
    match number {
        Some(n) if (1..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("0{n:0>12}")
        }
        _ => match record.date.as_ref().and_then(|d| d.bounds().0) {
            Some(day) => format!("1{day}"),
            None => "2".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provenance, Visibility};
    use proptest::prelude::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn record(id: &str, title: &str, origin: &str, visibility: Visibility) -> Record {
        let provenance = Provenance {
            format: "jsonl".into(),
            origin: origin.into(),
            file: format!("{id}.jsonl"),
            line: None,
            sha256: String::new(),
            imported_at: "2026-01-01T00:00:00Z".into(),
            layout: None,
        };
        let mut r = Record::new(id.into(), title.into(), provenance);
        r.visibility = visibility;
        r.collections = vec![format!("{title} collection")];
        r
    }

    fn published(id: &str, title: &str) -> Record {
        record(id, title, "o", Visibility::Published)
    }

    fn embargo(until: &str) -> Visibility {
        Visibility::Embargoed {
            until: until.into(),
        }
    }

    /// The store holding `r` as revision `revision`, public since `since`.
    fn holding(r: &Record, revision: u32, since: Option<&str>) -> (String, Stored) {
        (
            r.id.clone(),
            Stored {
                revision,
                origin: r.provenance.origin.clone(),
                content_hash: r.content_hash(),
                public_since: since.map(at),
                was_public: false,
                changed_after_base: None,
                edited_by: None,
                collections: r.collections.clone(),
            },
        )
    }

    fn current(records: impl IntoIterator<Item = (String, Stored)>, last: u64) -> Current {
        Current {
            records: records.into_iter().collect(),
            last_change: last,
        }
    }

    const NOW: &str = "2026-03-01T12:00:00Z";

    #[test]
    fn a_new_record_is_revision_one_numbered_after_the_log() {
        let batch = [
            published("a", "A"),
            record("b", "B", "o", embargo("2030-05-01")),
        ];
        let state = current([], 7);
        let options = ApplyOptions::default();
        let plan = plan(&batch, &options, &state, at(NOW)).unwrap();
        assert_eq!(plan.outcomes, [Outcome::Created, Outcome::Created]);
        assert_eq!(plan.last_change, 9);
        let seqs: Vec<_> = plan.revisions.iter().map(|r| (r.seq, r.revision)).collect();
        assert_eq!(seqs, [(8, 1), (9, 1)]);
        assert_eq!(plan.rows[0].public_since, Some(at(NOW)));
        assert_eq!(plan.rows[1].public_since, Some(at("2030-05-01T00:00:00Z")));
        assert!(!plan.rows[0].was_public && !plan.rows[1].was_public);
        assert_eq!(plan.rows[1].collections, ["B collection"]);
        assert_eq!(plan.rows[0].content_hash, batch[0].content_hash());
        assert_eq!(
            plan.revisions[0].body(),
            crate::export::jsonl::line(&batch[0])
        );
        assert_eq!(plan.written_at, at(NOW));
    }

    #[test]
    fn same_content_writes_nothing_even_after_another_writer() {
        let a = published("a", "A");
        let (id, mut stored) = holding(&a, 3, Some("2020-01-01T00:00:00Z"));
        stored.changed_after_base = Some(40);
        let state = current([(id, stored)], 41);
        let options = ApplyOptions {
            base_change: Some(10),
            ..Default::default()
        };
        // Provenance details that change with every import do not count.
        let mut again = a.clone();
        again.provenance.file = "elsewhere.jsonl".into();
        let batch = [again];
        let plan = plan(&batch, &options, &state, at(NOW)).unwrap();
        assert_eq!(plan.outcomes, [Outcome::Unchanged]);
        assert!(plan.rows.is_empty() && plan.revisions.is_empty());
        assert_eq!(plan.last_change, 41);
    }

    /// Each row: (stored public_since, stored was_public, new visibility)
    /// → (was_public, public_since) after the update.
    #[test]
    fn an_update_keeps_whether_the_record_was_ever_public() {
        let now = at(NOW);
        type Case<'a> = (Option<&'a str>, bool, Visibility, bool, Option<&'a str>);
        let cases: &[Case] = &[
            // Public before: withdrawn-able from now on.
            (
                Some("2020-01-01T00:00:00Z"),
                false,
                Visibility::Draft,
                true,
                None,
            ),
            // Public at this very second counts.
            (Some(NOW), false, Visibility::Draft, true, None),
            // An embargo that had not lifted: never public.
            (
                Some("2030-01-01T00:00:00Z"),
                false,
                Visibility::Draft,
                false,
                None,
            ),
            // A draft: never public.
            (None, false, Visibility::Published, false, Some(NOW)),
            // Once public, always.
            (None, true, embargo("2000-01-01"), true, Some(NOW)),
            // An embargo lifting later is dated by its day.
            (
                None,
                false,
                embargo("2026-06-01"),
                false,
                Some("2026-06-01T00:00:00Z"),
            ),
            // A day that does not parse never lifts.
            (None, false, embargo("someday"), false, None),
        ];
        for (since, was, visibility, want_was, want_since) in cases {
            let old = published("a", "old");
            let (id, mut stored) = holding(&old, 2, *since);
            stored.was_public = *was;
            let state = current([(id, stored)], 5);
            let new = record("a", "new", "o", visibility.clone());
            let options = ApplyOptions::default();
            let plan = plan(std::slice::from_ref(&new), &options, &state, now).unwrap();
            assert_eq!(plan.outcomes, [Outcome::Updated]);
            let row = &plan.rows[0];
            assert_eq!(row.revision, 3);
            assert_eq!(row.was_public, *want_was, "{since:?} {was} {visibility:?}");
            assert_eq!(row.public_since, want_since.map(at), "{visibility:?}");
            assert_eq!(plan.revisions[0].seq, 6);
        }
    }

    #[test]
    fn another_origin_is_refused_unless_allowed() {
        let old = published("a", "A");
        let state = current([holding(&old, 1, None)], 1);
        let moved = record("a", "A", "elsewhere", Visibility::Published);
        let batch = [published("b", "B"), moved];
        match plan(&batch, &ApplyOptions::default(), &state, at(NOW)) {
            Err(StoreError::OriginConflict {
                id,
                existing,
                incoming,
            }) => assert_eq!(
                (id.as_str(), existing.as_str(), incoming.as_str()),
                ("a", "o", "elsewhere")
            ),
            other => panic!("{other:?}"),
        }
        let options = ApplyOptions {
            allow_origin_change: true,
            ..Default::default()
        };
        let plan = plan(&batch, &options, &state, at(NOW)).unwrap();
        assert_eq!(plan.outcomes, [Outcome::Created, Outcome::Updated]);
        assert_eq!(plan.rows[1].origin, "elsewhere");
    }

    #[test]
    fn an_import_over_an_edit_is_refused_unless_told_to_overwrite() {
        let a = published("a", "A");
        let (id, mut stored) = holding(&a, 3, Some("2020-01-01T00:00:00Z"));
        stored.edited_by = Some("ana".into());
        let state = current([(id, stored), holding(&published("b", "B"), 1, None)], 9);
        let batch = [published("b", "B2"), published("a", "A from the file")];
        let import = ApplyOptions {
            author: Author::import("fonds import a.jsonl"),
            ..Default::default()
        };
        match plan(&batch, &import, &state, at(NOW)) {
            Err(StoreError::Edited { records }) => assert_eq!(
                records,
                [EditedRecord {
                    id: "a".into(),
                    revision: 3,
                    account: "ana".into()
                }]
            ),
            other => panic!("{:?}", other.map(|p| p.outcomes)),
        }
        // The same content as the edit is no conflict.
        let same = [a.clone()];
        assert_eq!(
            plan(&same, &import, &state, at(NOW)).unwrap().outcomes,
            [Outcome::Unchanged]
        );
        let overwrite = ApplyOptions {
            overwrite_edits: true,
            ..import
        };
        let plan_ = plan(&batch, &overwrite, &state, at(NOW)).unwrap();
        assert_eq!(plan_.outcomes, [Outcome::Updated, Outcome::Updated]);
        assert!(plan_.rows.iter().all(|r| r.edited_by.is_none()));
        // Another account's edit over an edit is simply the next revision.
        let desk = ApplyOptions {
            author: Author::account("bo", "fix"),
            ..Default::default()
        };
        let plan_ = plan(&batch[1..], &desk, &state, at(NOW)).unwrap();
        assert_eq!(plan_.rows[0].edited_by, Some("bo"));
        assert_eq!(plan_.rows[0].revision, 4);
    }

    #[test]
    fn a_write_expecting_another_revision_is_stale() {
        let a = published("a", "A");
        let state = current([holding(&a, 3, None)], 9);
        let changed = [published("a", "A2")];
        for (expected, ok) in [(3, true), (2, false), (0, false)] {
            let options = ApplyOptions {
                expect_revision: Some(expected),
                ..Default::default()
            };
            match plan(&changed, &options, &state, at(NOW)) {
                Ok(p) => assert!(ok && p.rows[0].revision == 4),
                Err(StoreError::Stale {
                    id,
                    expected: e,
                    found,
                }) => assert!(!ok && id == "a" && e == expected && found == 3),
                Err(other) => panic!("{other}"),
            }
        }
        // A new record expects revision 0.
        let new = [published("n", "N")];
        let options = ApplyOptions {
            expect_revision: Some(0),
            ..Default::default()
        };
        assert_eq!(
            plan(&new, &options, &state, at(NOW)).unwrap().outcomes,
            [Outcome::Created]
        );
    }

    #[test]
    fn changes_by_another_writer_refuse_the_whole_batch() {
        let (a, b, c) = (
            published("a", "A"),
            published("b", "B"),
            published("c", "C"),
        );
        let mut state = current(
            [
                holding(&a, 4, None),
                holding(&b, 2, None),
                holding(&c, 1, None),
            ],
            30,
        );
        for (id, seq) in [("a", 21), ("c", 30)] {
            state.records.get_mut(id).unwrap().changed_after_base = Some(seq);
        }
        let options = ApplyOptions {
            base_change: Some(20),
            ..Default::default()
        };
        let batch = [
            published("a", "A2"),
            published("b", "B2"),
            published("c", "C2"),
        ];
        match plan(&batch, &options, &state, at(NOW)) {
            Err(StoreError::Conflict { base, conflicts }) => {
                assert_eq!(base, 20);
                let got: Vec<_> = conflicts
                    .iter()
                    .map(|c| (c.id.as_str(), c.revision, c.seq))
                    .collect();
                assert_eq!(got, [("a", 4, 21), ("c", 1, 30)]);
            }
            other => panic!("{other:?}"),
        }
        // An origin conflict is reported at once, before the conflicts.
        let batch = [
            published("a", "A2"),
            record("b", "B", "x", Visibility::Draft),
        ];
        assert!(matches!(
            plan(&batch, &options, &state, at(NOW)),
            Err(StoreError::OriginConflict { .. })
        ));
    }

    #[test]
    fn a_record_named_twice_is_written_twice_and_kept_once() {
        let a = published("a", "A");
        let mut state = current([holding(&a, 1, None)], 3);
        state.records.get_mut("a").unwrap().changed_after_base = None;
        let batch = [
            published("n", "N1"),
            published("a", "A2"),
            published("n", "N1"),
            record("n", "N2", "o", Visibility::Draft),
            published("a", "A3"),
        ];
        let options = ApplyOptions::default();
        let plan = plan(&batch, &options, &state, at(NOW)).unwrap();
        use Outcome::*;
        assert_eq!(
            plan.outcomes,
            [Created, Updated, Unchanged, Updated, Updated]
        );
        let revs: Vec<_> = plan
            .revisions
            .iter()
            .map(|r| (r.seq, r.record.id.as_str(), r.revision))
            .collect();
        assert_eq!(revs, [(4, "n", 1), (5, "a", 2), (6, "n", 2), (7, "a", 3)]);
        let rows: Vec<_> = plan
            .rows
            .iter()
            .map(|r| (r.id, r.revision, r.was_public))
            .collect();
        // n was public (published at NOW) before its draft replaced it.
        assert_eq!(rows, [("n", 2, true), ("a", 3, true)]);
        assert_eq!(plan.rows[0].public_since, None);
        assert_eq!(plan.last_change, 7);
    }

    /// A row's last public collections: its own for a revision public now,
    /// the replaced revision's when that one counts as public (an ended
    /// embargo too), left alone otherwise.
    #[test]
    fn the_last_public_collections_are_those_of_the_last_public_revision() {
        let draft = |id: &str, title: &str| record(id, title, "o", Visibility::Draft);
        // Stored: `lifted` under an embargo that ended before now, `pending`
        // under one still running, `public` published.
        let lifted = record("lifted", "E", "o", embargo("2026-02-01"));
        let pending = record("pending", "P", "o", embargo("2030-01-01"));
        let public = published("public", "A");
        let state = current(
            [
                holding(&lifted, 1, Some("2026-02-01T00:00:00Z")),
                holding(&pending, 1, Some("2030-01-01T00:00:00Z")),
                holding(&public, 1, Some("2026-01-01T00:00:00Z")),
            ],
            0,
        );
        let batch = [
            draft("lifted", "F"),
            draft("pending", "Q"),
            record("public", "B", "o", embargo("2031-01-01")),
            // New: published then made a draft in one batch; a new draft.
            published("new", "N"),
            draft("new", "M"),
            draft("never", "D"),
        ];
        let options = ApplyOptions::default();
        let plan = plan(&batch, &options, &state, at(NOW)).unwrap();
        let got: Vec<_> = plan
            .rows
            .iter()
            .map(|r| (r.id, r.was_public, r.public_collections))
            .collect();
        let names = |title: &str| vec![format!("{title} collection")];
        let (e, a, n) = (names("E"), names("A"), names("N"));
        assert_eq!(
            got,
            [
                ("lifted", true, Some(e.as_slice())),
                ("pending", false, None),
                ("public", true, Some(a.as_slice())),
                ("new", true, Some(n.as_slice())),
                ("never", false, None),
            ]
        );
        // Published now: its own, replacing whatever was kept.
        let batch = [published("pending", "R")];
        let again = super::plan(&batch, &options, &state, at(NOW)).unwrap();
        assert_eq!(
            again.rows[0].public_collections,
            Some(names("R").as_slice())
        );
    }

    // ---- The rules against a plain reference: one record at a time, in
    // order, on a map of stored rows (as a per-record backend would).

    /// The reference's result: outcomes, the final rows (with their last
    /// public collections when written), the revisions written as (seq, id,
    /// revision), the log's end.
    type Outcome4 = (
        Vec<Outcome>,
        Vec<(String, Stored, Option<Vec<String>>)>,
        Vec<(u64, String, u32)>,
        u64,
    );

    fn reference(
        records: &[Record],
        options: &ApplyOptions,
        current: &Current,
        now: Timestamp,
    ) -> Result<Outcome4, &'static str> {
        let mut held = current.records.clone();
        // The last revision public by `now` among the stored one and those
        // written so far: in one batch every revision ends at `now`.
        let mut last_public: HashMap<String, Option<Vec<String>>> = HashMap::new();
        let mut written: Vec<String> = Vec::new();
        let mut outcomes = Vec::new();
        let mut revisions = Vec::new();
        let mut conflict = false;
        let mut edited = false;
        let mut seq = current.last_change;
        for r in records {
            let hash = r.content_hash();
            let outcome = match held.get_mut(&r.id) {
                Some(row) => {
                    if row.origin != r.provenance.origin && !options.allow_origin_change {
                        return Err("origin");
                    }
                    if row.content_hash == hash {
                        outcomes.push(Outcome::Unchanged);
                        continue;
                    }
                    if !written.contains(&r.id)
                        && row.edited_by.is_some()
                        && options.author.account.is_none()
                        && !options.overwrite_edits
                    {
                        edited = true;
                        continue;
                    }
                    if !written.contains(&r.id) && row.changed_after_base.is_some() {
                        conflict = true;
                        continue;
                    }
                    let was = row.public_since.is_some_and(|s| s <= now);
                    row.was_public |= was;
                    row.revision += 1;
                    Outcome::Updated
                }
                None => {
                    held.insert(
                        r.id.clone(),
                        Stored {
                            revision: 1,
                            origin: String::new(),
                            content_hash: String::new(),
                            public_since: None,
                            was_public: false,
                            changed_after_base: None,
                            edited_by: None,
                            collections: Vec::new(),
                        },
                    );
                    Outcome::Created
                }
            };
            let row = held.get_mut(&r.id).unwrap();
            let public = |since: Option<Timestamp>| since.is_some_and(|s| s <= now);
            let last = last_public.entry(r.id.clone()).or_insert_with(|| {
                (outcome == Outcome::Updated && public(row.public_since))
                    .then(|| row.collections.clone())
            });
            if public(r.public_since(now)) {
                *last = Some(r.collections.clone());
            }
            row.collections = r.collections.clone();
            row.origin = r.provenance.origin.clone();
            row.content_hash = hash;
            row.public_since = r.public_since(now);
            row.edited_by = options.author.account.clone();
            outcomes.push(outcome);
            seq += 1;
            revisions.push((seq, r.id.clone(), row.revision));
            if !written.contains(&r.id) {
                written.push(r.id.clone());
            }
        }
        if edited {
            return Err("edited");
        }
        if conflict {
            return Err("conflict");
        }
        let rows = written
            .iter()
            .map(|id| (id.clone(), held[id].clone(), last_public[id].clone()))
            .collect();
        Ok((outcomes, rows, revisions, seq))
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        (0..3usize, 0..3usize, 0..2usize, 0..4usize).prop_map(|(id, title, origin, vis)| {
            let visibility = match vis {
                0 => Visibility::Published,
                1 => Visibility::Draft,
                2 => embargo("2026-02-01"),
                _ => embargo("2027-01-01"),
            };
            record(
                ["a", "b", "c"][id],
                &format!("t{title}"),
                &format!("o{origin}"),
                visibility,
            )
        })
    }

    /// A stored record: (its content, revision, public_since, was_public,
    /// changed after the base, edited by an account).
    type StoredCase = (Record, u32, Option<Timestamp>, bool, Option<u64>, bool);

    fn arb_stored() -> impl Strategy<Value = Option<StoredCase>> {
        proptest::option::of((
            arb_record(),
            1..5u32,
            proptest::option::of(prop_oneof![
                Just(at("2020-01-01T00:00:00Z")),
                Just(at(NOW)),
                Just(at("2030-01-01T00:00:00Z")),
            ]),
            any::<bool>(),
            proptest::option::of(1..50u64),
            any::<bool>(),
        ))
    }

    proptest! {
        #[test]
        fn the_plan_agrees_with_writing_one_record_at_a_time(
            batch in proptest::collection::vec(arb_record(), 0..8),
            stored in proptest::collection::vec(arb_stored(), 3),
            allow_origin_change: bool,
            by_account: bool,
            overwrite_edits: bool,
            last in 50..60u64,
        ) {
            let mut state = Current { records: HashMap::new(), last_change: last };
            let mut base = None;
            for (r, revision, since, was, changed, edited) in stored.into_iter().flatten() {
                if changed.is_some() {
                    base = Some(0);
                }
                state.records.insert(r.id.clone(), Stored {
                    revision,
                    origin: r.provenance.origin.clone(),
                    content_hash: r.content_hash(),
                    public_since: since,
                    was_public: was,
                    changed_after_base: changed,
                    edited_by: edited.then(|| "ana".to_string()),
                    collections: r.collections.clone(),
                });
            }
            let author = if by_account {
                Author::account("bo", "")
            } else {
                Author::import("fonds import")
            };
            let options = ApplyOptions {
                allow_origin_change,
                base_change: base,
                author,
                overwrite_edits,
                ..Default::default()
            };
            let now = at(NOW);
            let got = plan(&batch, &options, &state, now);
            let want = reference(&batch, &options, &state, now);
            match (got, want) {
                (Ok(plan), Ok((outcomes, rows, revisions, last_change))) => {
                    prop_assert_eq!(&plan.outcomes, &outcomes);
                    prop_assert_eq!(plan.last_change, last_change);
                    let got: Vec<_> = plan.revisions.iter()
                        .map(|r| (r.seq, r.record.id.clone(), r.revision)).collect();
                    prop_assert_eq!(got, revisions);
                    prop_assert_eq!(plan.rows.len(), rows.len());
                    for (row, (id, want, public)) in plan.rows.iter().zip(&rows) {
                        prop_assert_eq!(row.id, id.as_str());
                        prop_assert_eq!(row.revision, want.revision);
                        prop_assert_eq!(row.origin, want.origin.as_str());
                        prop_assert_eq!(&row.content_hash, &want.content_hash);
                        prop_assert_eq!(row.public_since, want.public_since);
                        prop_assert_eq!(row.was_public, want.was_public);
                        prop_assert_eq!(row.edited_by, want.edited_by.as_deref());
                        prop_assert_eq!(row.collections, want.collections.as_slice());
                        prop_assert_eq!(row.public_collections, public.as_deref());
                    }
                    // Numbering: consecutive after the log's end.
                    let written = plan.outcomes.iter().filter(|o| **o != Outcome::Unchanged).count();
                    prop_assert_eq!(plan.last_change, last + written as u64);
                }
                (Err(StoreError::OriginConflict { .. }), Err("origin")) => {}
                (Err(StoreError::Edited { records }), Err("edited")) => {
                    prop_assert!(!records.is_empty());
                }
                (Err(StoreError::Conflict { conflicts, .. }), Err("conflict")) => {
                    prop_assert!(!conflicts.is_empty());
                }
                (got, want) => prop_assert!(false, "plan {:?}, reference {:?}", got.map(|p| p.outcomes), want.map(|w| w.0)),
            }
        }
    }
}
