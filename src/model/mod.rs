//! The archival record: every field a source document carries, as structure.
//!
//! This module knows nothing of files, SQL or HTTP. Its types serialise with
//! serde because the record's JSON form *is* a versioned format of its own
//! (the JSON Lines dump and `fonds show --json`, see [`DUMP_FORMAT_VERSION`]);
//! field names here are therefore part of the public contract and change only
//! with that version.
//!
//! Invariants:
//! - Verbatim source text (titles, citations, archival references, text bodies)
//!   is kept exactly as received; parsed forms sit *beside* it, never instead.
//! - A record with an empty `id` or `title` is never built by an importer
//!   ([`Record::validate`]).

mod date;
pub mod diff;
pub mod genre;
pub mod inline;
mod language;
mod object;
mod reference;

pub use date::{DateError, DateValue, RecordDate};
pub use language::{language_code, language_name};
pub use object::{
    DigitalObject, MEDIA_TYPES, RIGHTS_URI_PREFIXES, is_rights_uri, media_type_of_name, page_images,
};
pub use reference::{ArchivalReference, FolioRange};

use crate::clock::{Day, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Version of the record's JSON shape, written in the dump header and checked
/// on import. Bump it (and add an upgrade step) when a field changes meaning.
pub const DUMP_FORMAT_VERSION: u32 = 1;

/// One archival document: the unit that is imported, stored, found and cited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The source's own stable identifier (`208261`, `frus1961-63v06d12`).
    pub id: String,
    /// Title in the language of the description, verbatim.
    pub title: String,
    /// Further titles: translations of the title, uniform titles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_titles: Vec<AlternativeTitle>,
    /// The document's date, as displayed and as EDTF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<RecordDate>,
    /// Other dates the text carries (signed, received, dateline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_dates: Vec<RecordDate>,
    /// Document type: telephone message, letter, cable, speech, 소설 …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    /// Authors or senders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creators: Vec<Agent>,
    /// Addressees.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Agent>,
    /// Other people the document names (TEI `persName`, manifest entities).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Agent>,
    /// Places: where it was written, places it names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// Where the original sits: verbatim and parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archival_reference: Option<ArchivalReference>,
    /// The archive that publishes this copy (Wilson Center Digital Archive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holding_archive: Option<String>,
    /// The holding archive's page for the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The citation exactly as the holding archive gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The printed edition the document appears in (FRUS volume), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<Edition>,
    /// Who contributed the document to the holding archive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<String>,
    /// Who translated it (also recorded on each translated [`TextVersion`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translators: Vec<String>,
    /// Summary or abstract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// True when the summary was written by a machine (a language model),
    /// not by the archive or the source's editors: readers must see it
    /// flagged, wherever the summary is shown. Absent (false) in the JSON
    /// unless set; only meaningful with a summary ([`Record::problems`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub summary_machine: bool,
    /// Language of the original document: an ISO 639-1 code where known
    /// (`ru`), otherwise the name as the source wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_language: Option<String>,
    /// The texts: original, transcription, translations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<TextVersion>,
    /// Editorial notes and footnotes, kept apart from the texts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Subject headings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Collections (series, volumes) the record belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// Rights statement, as free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    /// The rights statement as a URI aggregators read (rightsstatements.org
    /// or Creative Commons; see [`is_rights_uri`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights_uri: Option<String>,
    /// Scans and PDFs of the original, in page order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<DigitalObject>,
    /// Who may see it.
    #[serde(default)]
    pub visibility: Visibility,
    /// Where it came from.
    pub provenance: Provenance,
    /// Fields the source carried that have no place above, verbatim, by the
    /// source's own name (e.g. a manifest's `glossary` column). Never dropped.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// A title other than the main one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlternativeTitle {
    /// The title text.
    pub text: String,
    /// Its language (ISO 639-1 code where known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// `translated` for a translation of the main title.
    pub kind: String,
}

/// A person or body in a role towards the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// The name as the source writes it.
    pub name: String,
    /// Rank or office written with the name ("Generalissimo", "Chairman").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The part played where the source says (원작 original author, 번역
    /// translator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The authoritative (index) form, e.g. "Khrushchev, Nikita S.".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Other forms of the name the source gives (romanisations, scripts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
}

impl Agent {
    /// An agent known only by its name.
    pub fn named(name: impl Into<String>) -> Self {
        Agent {
            name: name.into(),
            title: None,
            role: None,
            authority: None,
            variants: Vec::new(),
        }
    }
}

/// A place connected with the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// The place name as written.
    pub name: String,
    /// `origin` (where it was written), `signed`, or `mentioned`.
    pub role: String,
}

/// A published edition the document is printed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    /// Title of the volume.
    pub title: String,
    /// The document's number within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Pages, as printed (first–last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// Editors of the volume.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editors: Vec<String>,
    /// Publisher and place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Year of publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<String>,
}

/// What a text version is, relative to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextKind {
    /// The document in its own language, as written.
    Original,
    /// A transcription of the original (typed from a scan, edited).
    Transcription,
    /// A translation into another language.
    Translation,
}

impl TextKind {
    /// The word the Wilson format uses ("Translation").
    pub fn label(self) -> &'static str {
        match self {
            TextKind::Original => "Original",
            TextKind::Transcription => "Transcription",
            TextKind::Translation => "Translation",
        }
    }

    /// Reads the label word back.
    pub fn from_label(word: &str) -> Option<Self> {
        match word {
            "Original" => Some(TextKind::Original),
            "Transcription" => Some(TextKind::Transcription),
            "Translation" => Some(TextKind::Translation),
            _ => None,
        }
    }
}

/// One text of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextVersion {
    /// Original, transcription or translation.
    pub kind: TextKind,
    /// ISO 639-1 code where known, otherwise the name as written.
    pub language: String,
    /// Who translated it (translations only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translator: Option<String>,
    /// True for machine translation, which readers must see flagged.
    #[serde(default)]
    pub machine_translation: bool,
    /// The heading the source gave this version, where it is not simply
    /// "{Kind} - {Language}" (kept so that the source renders back exactly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The text, verbatim (line breaks and archival marks included).
    ///
    /// Where the source marks them, the text keeps its notes' markers and
    /// its links to other documents inline, in the convention of
    /// [`inline`]: `[^5]` where note `5` stood, `[Document 8](/records/ID)`
    /// for words that lead to another record, `[words](https://…)` for a
    /// document elsewhere. [`inline::plain`] gives the text without them.
    pub body: String,
}

/// A footnote or editorial note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The note's number or mark as printed; a text's marker `[^n]` (see
    /// [`inline`]) stands where the note was attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// `footnote`, `source`, `editorial`.
    pub kind: String,
    /// The note's text. Links to other documents are written inline as in
    /// [`TextVersion::body`] (`See [Document 8](/records/frus1961-63v06d8).`).
    pub text: String,
}

/// Who may see a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "status", rename_all = "lowercase", deny_unknown_fields)]
pub enum Visibility {
    /// Visible to staff only.
    Draft,
    /// Visible to everyone.
    #[default]
    Published,
    /// Hidden from the public until the given day (`YYYY-MM-DD`).
    Embargoed {
        /// First day on which the record becomes public.
        until: String,
    },
    /// Taken out of the reading room after it was public: the public sees
    /// a tombstone (its citation, 410 Gone), OAI-PMH a deleted record.
    Withdrawn,
}

impl Visibility {
    /// The status word, as the JSON and the forms write it: `draft`,
    /// `published`, `embargoed`, `withdrawn`.
    pub fn status(&self) -> &'static str {
        match self {
            Visibility::Draft => "draft",
            Visibility::Published => "published",
            Visibility::Embargoed { .. } => "embargoed",
            Visibility::Withdrawn => "withdrawn",
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The import format (`wilson`, `tei`, `csv`, `jsonl`).
    pub format: String,
    /// The source's identity independent of where its file sits on disk
    /// (`wilson:208261.md`, `tei:frus1961-63v06`, `csv:presidential-speeches`).
    /// Two different origins may not claim one identifier.
    pub origin: String,
    /// The file as named at import.
    pub file: String,
    /// Line in that file where the record starts, where meaningful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// SHA-256 of the source file's bytes (fixity).
    pub sha256: String,
    /// When it was imported (RFC 3339, UTC).
    pub imported_at: String,
    /// How the source file was laid out, where a format needs it to render
    /// the source back byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<SourceLayout>,
}

/// Layout details of a Wilson Markdown file that carry no meaning but are
/// needed to give the file back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceLayout {
    /// Blank lines before the date line.
    #[serde(default)]
    pub leading_newlines: u32,
    /// Byte offsets in the title where the page broke the line (a space in
    /// the title became "  \n").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub title_breaks: Vec<usize>,
    /// Whether the file ended with a newline.
    #[serde(default)]
    pub final_newline: bool,
}

/// A field of a record that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {message}")]
pub struct FieldError {
    /// The record field at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl Record {
    /// A published record with only its identifier, title and provenance;
    /// importers fill in the rest.
    pub fn new(id: String, title: String, provenance: Provenance) -> Self {
        Record {
            id,
            title,
            alternative_titles: Vec::new(),
            date: None,
            other_dates: Vec::new(),
            doc_type: None,
            creators: Vec::new(),
            recipients: Vec::new(),
            people: Vec::new(),
            places: Vec::new(),
            archival_reference: None,
            holding_archive: None,
            source_url: None,
            citation: None,
            edition: None,
            contributors: Vec::new(),
            translators: Vec::new(),
            summary: None,
            summary_machine: false,
            original_language: None,
            texts: Vec::new(),
            notes: Vec::new(),
            subjects: Vec::new(),
            collections: Vec::new(),
            rights: None,
            rights_uri: None,
            files: Vec::new(),
            visibility: Visibility::Published,
            provenance,
            extra: BTreeMap::new(),
        }
    }

    /// Checks what every record must have, whatever its source: the first
    /// of [`Record::problems`].
    pub fn validate(&self) -> Result<(), FieldError> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every field that breaks a rule every record must keep, in field
    /// order (what a form shows beside its fields).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let missing = |field| FieldError {
            field,
            message: "is missing or empty".into(),
        };
        if self.id.trim().is_empty() {
            problems.push(missing("id"));
        } else if self.id == "." || self.id == ".." {
            problems.push(FieldError {
                field: "id",
                message: format!(
                    "{:?} is not an identifier: browsers drop it from a link's path",
                    self.id
                ),
            });
        } else if self.id.chars().any(|c| c.is_control() || c == '/') {
            problems.push(FieldError {
                field: "id",
                message: format!("{:?} holds a control character or '/'", self.id),
            });
        }
        if self.title.trim().is_empty() {
            problems.push(missing("title"));
        }
        if let Some(date) = &self.date
            && let Err(e) = date.validate()
        {
            problems.push(FieldError {
                field: "date",
                message: e.to_string(),
            });
        }
        if self.summary_machine && self.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
            problems.push(FieldError {
                field: "summary_machine",
                message: "marks the summary machine-written, but there is no summary".into(),
            });
        }
        if let Some(uri) = &self.rights_uri
            && !is_rights_uri(uri)
        {
            problems.push(FieldError {
                field: "rights_uri",
                message: format!(
                    "{uri:?} is not a rights statement URI (rightsstatements.org or \
                     creativecommons.org)"
                ),
            });
        }
        if let Some(message) = self.files.iter().find_map(DigitalObject::problem) {
            problems.push(FieldError {
                field: "files",
                message,
            });
        }
        if let Visibility::Embargoed { until } = &self.visibility
            && DateValue::parse_day(until).is_none()
        {
            problems.push(FieldError {
                field: "visibility.until",
                message: format!("{until:?} is not a YYYY-MM-DD day"),
            });
        }
        problems
    }

    /// Whether the public may see the record on `today` (`YYYY-MM-DD`):
    /// [`Record::is_public_on`] for a day given as text (a text that is not
    /// a day lifts no embargo).
    pub fn is_public(&self, today: &str) -> bool {
        match Day::parse(today) {
            Ok(day) => self.is_public_on(day),
            Err(_) => matches!(self.visibility, Visibility::Published),
        }
    }

    /// Whether the public may see the record on `today`; an embargo whose
    /// day does not parse never lifts (see [`Record::validate`]).
    pub fn is_public_on(&self, today: Day) -> bool {
        match &self.visibility {
            Visibility::Published => true,
            Visibility::Draft | Visibility::Withdrawn => false,
            Visibility::Embargoed { until } => Day::parse(until).is_ok_and(|day| day <= today),
        }
    }

    /// From when the public may see this revision of the record, given the
    /// moment it was written: that moment when published; for an embargo, the
    /// later of that moment and the start (00:00 UTC) of the day `until` on
    /// which the embargo lifts; `None` for a draft, and for an embargo whose
    /// day does not parse. Agrees with [`Record::is_public_on`]: the revision
    /// is public at instant `t` (not before it was written) exactly when the
    /// result is `<= t`.
    pub fn public_since(&self, written_at: Timestamp) -> Option<Timestamp> {
        match &self.visibility {
            Visibility::Published => Some(written_at),
            Visibility::Draft | Visibility::Withdrawn => None,
            Visibility::Embargoed { until } => Day::parse(until)
                .ok()
                .map(|day| Timestamp::start_of(day).max(written_at)),
        }
    }

    /// A digest of the record's content, leaving out the provenance details
    /// that change with every import of the same document (file path, time,
    /// checksum of the whole file): two imports of one unchanged document
    /// have the same hash.
    pub fn content_hash(&self) -> String {
        let mut r = self.clone();
        r.provenance.file.clear();
        r.provenance.imported_at.clear();
        r.provenance.line = None;
        r.provenance.sha256.clear();
        let json = serde_json::to_vec(&r).expect("a record always serialises");
        sha256_hex(&json)
    }
}

/// SHA-256 of `bytes`, lowercase hex: content hashes, source files'
/// fixity, and the address of an attached file.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        let provenance = Provenance {
            format: "csv".into(),
            origin: "csv:test".into(),
            file: "manifest.csv".into(),
            line: Some(2),
            sha256: String::new(),
            imported_at: "2026-01-01T00:00:00Z".into(),
            layout: None,
        };
        Record::new("r1".into(), "朴先生".into(), provenance)
    }

    #[test]
    fn a_machine_written_summary_is_in_the_json_only_when_flagged() {
        let mut r = record();
        r.summary = Some("A summary.".into());
        let json = serde_json::to_value(&r).unwrap();
        assert!(json.get("summary_machine").is_none(), "{json}");
        let unflagged_hash = r.content_hash();
        r.summary_machine = true;
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["summary_machine"], true);
        assert_ne!(r.content_hash(), unflagged_hash);
        let back: Record = serde_json::from_value(json).unwrap();
        assert!(back.summary_machine);
        assert_eq!(r.problems(), []);
    }

    #[test]
    fn a_machine_flag_without_a_summary_is_a_problem() {
        let mut r = record();
        r.summary_machine = true;
        let problems = r.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "summary_machine");
        r.summary = Some("  ".into());
        assert_eq!(r.problems()[0].field, "summary_machine");
    }
}
