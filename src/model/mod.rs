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
//! - Every string and every number of the layout has a bound ([`limits`]),
//!   kept by [`Record::problems`]: an import, the desk and the API refuse a
//!   record over it alike.
//! - `provenance.file` is never absolute: an importer keeps it relative to
//!   the import root, and one read from JSON (a dump, the store) that is
//!   absolute or climbs out with `..` is cut to its file name.

pub mod collections;
mod date;
pub mod diff;
pub mod genre;
pub mod inline;
mod language;
pub mod limits;
pub mod lowered;
mod object;
mod reference;

pub use date::{DateError, DateValue, RecordDate};
pub use language::{language_code, language_name};
pub use object::{
    DigitalObject, MEDIA_TYPES, RIGHTS_URI_PREFIXES, is_rights_uri, media_type_of_name, page_images,
};
pub use reference::{ArchivalReference, FolioRange};

use crate::clock::{Day, Timestamp};
use limits::Limits;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Version of the record's JSON shape, written in the dump header and checked
/// on import. Bump it (and add an upgrade step) when a field changes meaning.
pub const DUMP_FORMAT_VERSION: u32 = 1;

/// One archival document: the unit that is imported, stored, found and cited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// The place name as written.
    pub name: String,
    /// `origin` (where it was written), `signed`, or `mentioned`.
    pub role: String,
}

/// A published edition the document is printed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
///
/// Read through [`VisibilityWire`]: serde's internally tagged enums let
/// unknown fields beside a unit variant's tag pass silently
/// (`{"status": "draft", "until": "…"}`), and nothing read may be dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(
    tag = "status",
    rename_all = "lowercase",
    deny_unknown_fields,
    try_from = "VisibilityWire"
)]
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

/// A [`Visibility`] as written: its status word and, for an embargo only,
/// its day.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisibilityWire {
    status: String,
    #[serde(default)]
    until: Option<String>,
}

impl TryFrom<VisibilityWire> for Visibility {
    type Error = String;

    fn try_from(wire: VisibilityWire) -> Result<Self, String> {
        let visibility = match (wire.status.as_str(), wire.until) {
            ("embargoed", Some(until)) => return Ok(Visibility::Embargoed { until }),
            ("embargoed", None) => return Err("an embargo needs `until` (YYYY-MM-DD)".into()),
            ("draft", until) => (Visibility::Draft, until),
            ("published", until) => (Visibility::Published, until),
            ("withdrawn", until) => (Visibility::Withdrawn, until),
            (other, _) => {
                return Err(format!(
                    "unknown status `{other}`, expected one of `draft`, `published`, \
                     `embargoed`, `withdrawn`"
                ));
            }
        };
        match visibility {
            (v, None) => Ok(v),
            (v, Some(_)) => Err(format!(
                "`until` belongs to an embargo, not to status `{}`",
                v.status()
            )),
        }
    }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The import format (`wilson`, `tei`, `csv`, `jsonl`).
    pub format: String,
    /// The source's identity independent of where its file sits on disk
    /// (`wilson:208261.md`, `tei:frus1961-63v06`, `csv:presidential-speeches`).
    /// Two different origins may not claim one identifier.
    pub origin: String,
    /// The file, relative to what the import was given (the folder named,
    /// or the named file's folder): `208261.md`, `speeches/manifest.csv`.
    /// Never absolute: read from JSON, an absolute path (or one with `..`)
    /// becomes its file name ([`public_file_name`]), so no server path is
    /// stored or shown.
    #[serde(deserialize_with = "relative_file")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
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

/// What precedes a machine-written summary wherever it describes a record
/// ([`Record::described_summary`]), and the flag the record page shows.
pub const MACHINE_SUMMARY_FLAG: &str = "Machine-written summary (not reviewed)";

impl Record {
    /// The summary as words that describe the record to others (citations'
    /// abstracts, Dublin Core descriptions, IIIF summaries): a
    /// machine-written one is said to be so ([`MACHINE_SUMMARY_FLAG`]`: …`),
    /// never passed off as the archive's own words.
    pub fn described_summary(&self) -> Option<std::borrow::Cow<'_, str>> {
        let summary = self.summary.as_deref()?;
        Some(if self.summary_machine {
            format!("{MACHINE_SUMMARY_FLAG}: {summary}").into()
        } else {
            summary.into()
        })
    }

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

    /// Bytes of text: the title and every text version's body (what
    /// searching and indexing it costs grows with).
    pub fn text_bytes(&self) -> usize {
        self.title.len() + self.texts.iter().map(|t| t.body.len()).sum::<usize>()
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
        } else if self.id.len() > limits::MAX_ID_BYTES {
            problems.push(FieldError {
                field: "id",
                message: format!(
                    "is {} bytes long; an identifier has at most {} (it is part of every \
                     link to the record)",
                    self.id.len(),
                    limits::MAX_ID_BYTES
                ),
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
        problems.extend(self.provenance.problems(&self.title));
        match Limits::current() {
            Ok(limits) => problems.extend(self.size_problems(&limits)),
            Err(message) => problems.push(FieldError {
                field: "record",
                message: message.to_string(),
            }),
        }
        problems
    }

    /// The fields over the size limits ([`limits`]): each top-level field
    /// with a string over its bound (the first such string named by its
    /// path, `texts[2].body`), then the whole record over
    /// [`Limits::record_bytes`] (named by its largest field). The
    /// identifier's bound is [`Record::problems`]'s own.
    pub fn size_problems(&self, limits: &Limits) -> Vec<FieldError> {
        let mut counter = ByteCount(0);
        if serde_json::to_writer(&mut counter, self).is_err() {
            return Vec::new();
        }
        let total = counter.0;
        // No string is longer than the JSON holding it.
        let smallest = limits
            .record_bytes
            .min(limits.text_bytes)
            .min(limits::MAX_LINE_BYTES as u64);
        if total <= smallest {
            return Vec::new();
        }
        let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        // In the record's field order (the map's own is alphabetical); a
        // field missing from that list is still checked, last.
        let ordered = RECORD_FIELDS
            .iter()
            .filter_map(|&name| fields.get_key_value(name).map(|(k, v)| (name, k, v)))
            .chain(
                fields
                    .iter()
                    .filter(|(k, _)| !RECORD_FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| ("record", k, v)),
            );
        for (name, key, value) in ordered {
            if name == "id" {
                continue;
            }
            let mut over = Oversize::default();
            let mut path = vec![Segment::Key(key)];
            over.walk(value, &mut path, limits);
            if let Some(first) = over.first {
                let more = match over.count {
                    0 | 1 => String::new(),
                    n => format!(" (and {} more in `{key}`)", n - 1),
                };
                problems.push(FieldError {
                    field: name,
                    message: format!("{first}{more}"),
                });
            }
        }
        if total > limits.record_bytes {
            let (largest, size) = fields
                .iter()
                .map(|(name, value)| {
                    let mut c = ByteCount(0);
                    let _ = serde_json::to_writer(&mut c, value);
                    (name.as_str(), c.0)
                })
                .max_by_key(|(_, size)| *size)
                .unwrap_or(("record", total));
            problems.push(FieldError {
                field: static_field(largest),
                message: format!(
                    "the record is {} as JSON, over the limit of {} for one record (its largest \
                     field, `{largest}`, is {}); raise the limit with {} (e.g. {}={})",
                    limits::human(total),
                    limits::human(limits.record_bytes),
                    limits::human(size),
                    limits::RECORD_BYTES_ENV,
                    limits::RECORD_BYTES_ENV,
                    suggested(total),
                ),
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

    /// Where the record sits, broadest level first, in each arrangement
    /// that holds it: its archival reference's levels
    /// ([`ArchivalReference::levels`]), and the published edition's volume
    /// it is printed in. Empty when neither is known.
    pub fn arrangements(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let levels = self
            .archival_reference
            .as_ref()
            .map(ArchivalReference::levels)
            .unwrap_or_default();
        if !levels.is_empty() {
            out.push(levels);
        }
        if let Some(e) = &self.edition
            && !e.title.trim().is_empty()
        {
            out.push(vec![e.title.trim().to_string()]);
        }
        out
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

impl Provenance {
    /// What breaks the bounds of provenance: an absolute `file`, a layout
    /// whose numbers could not come from a real Wilson file of `title`.
    fn problems(&self, title: &str) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if public_file_name(&self.file) != self.file {
            problems.push(FieldError {
                field: "provenance.file",
                message: format!(
                    "{:?} is absolute or leaves the import's folder; provenance keeps the file \
                     relative to the folder imported",
                    self.file
                ),
            });
        }
        let Some(layout) = &self.layout else {
            return problems;
        };
        if layout.leading_newlines > limits::MAX_LEADING_NEWLINES {
            problems.push(FieldError {
                field: "provenance.layout.leading_newlines",
                message: format!(
                    "{} blank lines before the date line; a Wilson file opens with at most {} \
                     (the Wilson export writes every one of them back)",
                    layout.leading_newlines,
                    limits::MAX_LEADING_NEWLINES
                ),
            });
        }
        let mut last = None;
        for (i, &at) in layout.title_breaks.iter().enumerate() {
            let wrong = if last.is_some_and(|l| at <= l) {
                Some("is not after the break before it")
            } else if title.as_bytes().get(at) != Some(&b' ') {
                Some("is not the offset of a space in the title")
            } else {
                None
            };
            if let Some(wrong) = wrong {
                problems.push(FieldError {
                    field: "provenance.layout.title_breaks",
                    message: format!(
                        "`provenance.layout.title_breaks[{i}]` ({at}) {wrong} (a title of {} \
                         bytes breaks only where it has a space)",
                        title.len()
                    ),
                });
                break;
            }
            last = Some(at);
        }
        problems
    }
}

/// A provenance file name that shows no server path: `path` itself when it
/// is relative and stays inside its folder, otherwise its last component
/// (`/srv/batches/a/manifest.csv` → `manifest.csv`, `C:\in\x.md` →
/// `x.md`).
pub fn public_file_name(path: &str) -> String {
    let windows_drive =
        matches!(path.as_bytes(), [letter, b':', ..] if letter.is_ascii_alphabetic());
    let climbs = path.split(['/', '\\']).any(|part| part == "..");
    if !(path.starts_with(['/', '\\']) || windows_drive || climbs) {
        return path.to_string();
    }
    path.rsplit(['/', '\\'])
        .find(|part| !part.is_empty() && *part != "..")
        .unwrap_or_default()
        .to_string()
}

/// Reads `provenance.file`, cutting a server path to its file name (see
/// [`public_file_name`]): records stored or dumped before imports kept
/// paths relative show none either.
fn relative_file<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|file| public_file_name(&file))
}

/// The Record fields by their JSON names, for naming one in a
/// [`FieldError`] (whose field is `'static`).
const RECORD_FIELDS: &[&str] = &[
    "id",
    "title",
    "alternative_titles",
    "date",
    "other_dates",
    "type",
    "creators",
    "recipients",
    "people",
    "places",
    "archival_reference",
    "holding_archive",
    "source_url",
    "citation",
    "edition",
    "contributors",
    "translators",
    "summary",
    "summary_machine",
    "original_language",
    "texts",
    "notes",
    "subjects",
    "collections",
    "rights",
    "rights_uri",
    "files",
    "visibility",
    "provenance",
    "extra",
];

fn static_field(name: &str) -> &'static str {
    RECORD_FIELDS
        .iter()
        .find(|f| **f == name)
        .copied()
        .unwrap_or("record")
}

/// A size to suggest for a limit that `size` is over: the next whole MiB
/// above it (KiB under a MiB).
fn suggested(size: u64) -> String {
    if size < 1 << 20 {
        format!("{}KiB", (size >> 10) + 1)
    } else {
        format!("{}MiB", (size >> 20) + 1)
    }
}

/// Counts the bytes written (a record's JSON size without making it).
struct ByteCount(u64);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A step of a path into a record's JSON.
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The strings of one top-level field over their bound: the first, as a
/// message, and how many.
#[derive(Default)]
struct Oversize {
    first: Option<String>,
    count: usize,
}

impl Oversize {
    fn walk<'a>(
        &mut self,
        value: &'a serde_json::Value,
        path: &mut Vec<Segment<'a>>,
        limits: &Limits,
    ) {
        match value {
            serde_json::Value::String(s) => self.check(s.len() as u64, path, limits),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Segment::Index(i));
                    self.walk(item, path, limits);
                    path.pop();
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    path.push(Segment::Key(key));
                    if key.len() > limits::MAX_LINE_BYTES {
                        self.found(format!(
                            "a key of `{}` is {}, over the limit of {} for a name",
                            display(&path[..path.len() - 1]),
                            limits::human(key.len() as u64),
                            limits::human(limits::MAX_LINE_BYTES as u64)
                        ));
                    }
                    self.walk(item, path, limits);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn check(&mut self, bytes: u64, path: &[Segment], limits: &Limits) {
        use Segment::{Index, Key};
        let text = matches!(
            path,
            [Key("texts"), Index(_), Key("body")]
                | [Key("notes"), Index(_), Key("text")]
                | [Key("summary")]
                | [Key("citation")]
                | [Key("extra"), ..]
        );
        if text && bytes > limits.text_bytes {
            self.found(format!(
                "`{}` is {}, over the limit of {} for one text; raise the limit with {} \
                 (e.g. {}={})",
                display(path),
                limits::human(bytes),
                limits::human(limits.text_bytes),
                limits::TEXT_BYTES_ENV,
                limits::TEXT_BYTES_ENV,
                suggested(bytes),
            ));
        } else if !text && bytes > limits::MAX_LINE_BYTES as u64 {
            self.found(format!(
                "`{}` is {}, over the limit of {} for a field that is not a text (a title, a \
                 name, a reference)",
                display(path),
                limits::human(bytes),
                limits::human(limits::MAX_LINE_BYTES as u64),
            ));
        }
    }

    fn found(&mut self, message: String) {
        self.count += 1;
        self.first.get_or_insert(message);
    }
}

/// `texts[2].body`; a long key is cut.
fn display(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                match key.char_indices().nth(40) {
                    Some((cut, _)) => {
                        out.push_str(&key[..cut]);
                        out.push('…');
                    }
                    None => out.push_str(key),
                }
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
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

    #[test]
    fn a_visibility_with_a_field_it_does_not_have_is_refused() {
        let read = |json: &str| serde_json::from_str::<Visibility>(json);
        assert_eq!(read(r#"{"status":"draft"}"#).unwrap(), Visibility::Draft);
        assert_eq!(
            read(r#"{"status":"embargoed","until":"2030-01-01"}"#).unwrap(),
            Visibility::Embargoed {
                until: "2030-01-01".into()
            }
        );
        for bad in [
            r#"{"status":"draft","note":"x"}"#,
            r#"{"status":"published","until":"2030-01-01"}"#,
            r#"{"status":"embargoed"}"#,
            r#"{"status":"hidden"}"#,
            r#"{"until":"2030-01-01"}"#,
        ] {
            assert!(read(bad).is_err(), "{bad} was read");
        }
        // What is written reads back.
        for v in [
            Visibility::Draft,
            Visibility::Published,
            Visibility::Withdrawn,
            Visibility::Embargoed {
                until: "2030-01-01".into(),
            },
        ] {
            assert_eq!(read(&serde_json::to_string(&v).unwrap()).unwrap(), v);
        }
    }

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

    fn text(body: String) -> TextVersion {
        TextVersion {
            kind: TextKind::Original,
            language: "en".into(),
            translator: None,
            machine_translation: false,
            label: None,
            body,
        }
    }

    const SMALL: Limits = Limits {
        text_bytes: 1000,
        record_bytes: 3000,
    };

    #[test]
    fn a_text_at_its_limit_is_kept_and_one_byte_more_is_named_by_its_path() {
        let mut r = record();
        r.texts = vec![text("a".repeat(10)), text("b".repeat(1000))];
        assert_eq!(r.size_problems(&SMALL), []);
        r.texts[1].body.push('b');
        r.texts.push(text("c".repeat(1001)));
        let problems = r.size_problems(&SMALL);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "texts");
        assert_eq!(
            problems[0].message,
            "`texts[1].body` is 1001 bytes, over the limit of 1000 bytes for one text; raise \
             the limit with FONDS_MAX_TEXT_BYTES (e.g. FONDS_MAX_TEXT_BYTES=1KiB) (and 1 more \
             in `texts`)"
        );
    }

    #[test]
    fn notes_summaries_and_extras_are_texts_and_the_rest_are_lines() {
        let limits = Limits {
            text_bytes: 64 << 10,
            record_bytes: 1 << 20,
        };
        let mut r = record();
        r.summary = Some("s".repeat(20 << 10));
        r.extra.insert("glossary".into(), "g".repeat(20 << 10));
        r.notes.push(Note {
            n: None,
            kind: "footnote".into(),
            text: "n".repeat(20 << 10),
        });
        assert_eq!(r.size_problems(&limits), [], "texts under 64 KiB");
        r.title = "t".repeat((16 << 10) + 1);
        r.creators.push(Agent::named("x".repeat(17 << 10)));
        let fields: Vec<_> = r
            .size_problems(&limits)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["title", "creators"]);
        r.title = "t".into();
        r.creators.clear();
        r.extra.insert("k".repeat((16 << 10) + 1), String::new());
        let problems = r.size_problems(&limits);
        assert_eq!(problems[0].field, "extra");
        assert!(
            problems[0].message.starts_with("a key of `extra`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_record_over_its_limit_is_named_by_its_largest_field() {
        let mut r = record();
        r.texts = vec![text("a".repeat(900)), text("b".repeat(900))];
        r.summary = Some("s".repeat(900));
        let problems = r.size_problems(&SMALL);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "texts");
        assert!(
            problems[0]
                .message
                .contains("over the limit of 2.9 KiB (3000 bytes) for one record"),
            "{problems:?}"
        );
        assert!(problems[0].message.contains("FONDS_MAX_RECORD_BYTES"));
        // A record limit below every other bound is kept all the same.
        let tiny = Limits {
            text_bytes: 4 << 20,
            record_bytes: 500,
        };
        r.texts.pop();
        r.summary = None;
        assert_eq!(r.size_problems(&tiny)[0].field, "texts");
    }

    #[test]
    fn the_layout_is_bounded() {
        let mut r = record();
        r.title = "Kim Il Sung to Stalin".into();
        r.provenance.layout = Some(SourceLayout {
            leading_newlines: limits::MAX_LEADING_NEWLINES,
            title_breaks: vec![3, 6],
            final_newline: true,
        });
        assert_eq!(r.problems(), []);
        let layout = r.provenance.layout.as_mut().unwrap();
        layout.leading_newlines = u32::MAX;
        layout.title_breaks = vec![6, 3];
        let fields: Vec<_> = r.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "provenance.layout.leading_newlines",
                "provenance.layout.title_breaks"
            ]
        );
        for breaks in [vec![4], vec![usize::MAX], vec![3, 3]] {
            r.provenance.layout = Some(SourceLayout {
                title_breaks: breaks.clone(),
                ..SourceLayout::default()
            });
            assert_eq!(
                r.problems()[0].field,
                "provenance.layout.title_breaks",
                "{breaks:?}"
            );
        }
    }

    #[test]
    fn an_identifier_is_bounded() {
        let mut r = record();
        r.id = "x".repeat(limits::MAX_ID_BYTES);
        assert_eq!(r.problems(), []);
        r.id.push('x');
        assert_eq!(r.problems()[0].field, "id");
    }

    #[test]
    fn provenance_shows_no_server_path() {
        assert_eq!(public_file_name("sub/208261.md"), "sub/208261.md");
        assert_eq!(public_file_name("manifest.csv"), "manifest.csv");
        assert_eq!(public_file_name(""), "");
        assert_eq!(public_file_name("/srv/in/208261.md"), "208261.md");
        assert_eq!(public_file_name("../shared/corpus/x.xml"), "x.xml");
        assert_eq!(public_file_name("a/../../b.csv"), "b.csv");
        assert_eq!(public_file_name("C:\\in\\x.md"), "x.md");
        assert_eq!(public_file_name("/"), "");
        let mut json = serde_json::to_value(record()).unwrap();
        json["provenance"]["file"] = "/srv/secret/manifest.csv".into();
        let read: Record = serde_json::from_value(json).unwrap();
        assert_eq!(read.provenance.file, "manifest.csv");
        let mut r = record();
        let hash = r.content_hash();
        r.provenance.file = "/srv/secret/manifest.csv".into();
        assert_eq!(r.content_hash(), hash, "the file is no part of the content");
        assert_eq!(r.problems()[0].field, "provenance.file");
    }
}
