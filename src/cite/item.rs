//! The record seen as a citable item: the one mapping from [`Record`] to the
//! variables citation formats know (CSL 1.0.2's names), which every style and
//! file format of this module reads. Keeping one mapping keeps the styles in
//! agreement: the CSL-JSON file, the Chicago note and the RIS record say the
//! same thing about a document.
//!
//! Invariants:
//! - Nothing is invented: a variable the record gives no value for is `None`.
//! - Names are kept as written (`literal`) unless the record holds an index
//!   form "Family, Given" ([`crate::model::Agent::authority`]): splitting
//!   "Kim Il Sung" at a space would make "Il Sung Kim" of him.
//! - The archive location is the parsed fond / opis / delo / folios where
//!   the reference has them (written with the usual abbreviations), else the
//!   first sentence of the verbatim reference after the repository.

use crate::model::{ArchivalReference, Record, TextKind, language_name};

/// A person or body as a citation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Family and given name, when the record gives an index form.
    pub parts: Option<(String, String)>,
    /// The name as written.
    pub literal: String,
}

impl Name {
    fn of(name: &str, authority: Option<&str>) -> Name {
        let parts = authority.and_then(|a| {
            let (family, given) = a.split_once(", ")?;
            (!family.trim().is_empty() && !given.trim().is_empty())
                .then(|| (family.trim().to_string(), given.trim().to_string()))
        });
        Name {
            parts,
            literal: name.to_string(),
        }
    }

    /// The name in reading order ("Nikita S. Khrushchev", "Kim Il Sung").
    pub fn display(&self) -> String {
        match &self.parts {
            Some((family, given)) => format!("{given} {family}"),
            None => self.literal.clone(),
        }
    }

    /// The name in index order ("Khrushchev, Nikita S.", "Kim Il Sung").
    pub fn inverted(&self) -> String {
        match &self.parts {
            Some((family, given)) => format!("{family}, {given}"),
            None => self.literal.clone(),
        }
    }
}

/// What a reference manager files the record as.
///
/// An archival document is a manuscript; a document printed in an edition
/// (a FRUS volume) is a section of that book, because a manuscript has no
/// editors in Zotero (which turns an editor of a manuscript into an author)
/// nor a book title, pages or publisher. The CSL item stays `manuscript` in
/// both cases: CSL's manuscript takes a container title and editors, and the
/// styles then print the document's date as the document's, not as the
/// volume's year of publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An archival document (Zotero `manuscript`, RIS `MANSCPT`, BibTeX
    /// `@unpublished`).
    Manuscript,
    /// A document in a printed edition (Zotero `bookSection`, RIS `CHAP`,
    /// BibTeX `@incollection`).
    InEdition,
}

impl Kind {
    /// Zotero's name of the item type (also said in `DC.type`, which
    /// Zotero reads as the item type when it is one of its own).
    pub fn zotero_type(self) -> &'static str {
        match self {
            Kind::Manuscript => "manuscript",
            Kind::InEdition => "bookSection",
        }
    }
}

/// A calendar date reduced to what is known: year, month, day.
pub type DateParts = Vec<i64>;

/// The document's date as citations need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// First (or only) date.
    pub start: DateParts,
    /// Last date, for a range.
    pub end: Option<DateParts>,
    /// Approximate or uncertain (EDTF `~`, `?`, `%`).
    pub circa: bool,
    /// The EDTF expression.
    pub edtf: String,
    /// The date as the source displays it.
    pub display: Option<String>,
}

/// Everything a citation may say about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citable {
    /// The record's identifier (the citation key).
    pub id: String,
    /// Title, verbatim.
    pub title: String,
    /// Authors or senders.
    pub authors: Vec<Name>,
    /// Addressees.
    pub recipients: Vec<Name>,
    /// Human translators (a machine translation is said in `note` instead).
    pub translators: Vec<Name>,
    /// Editors of the printed edition, if any.
    pub editors: Vec<Name>,
    /// The document's date.
    pub issued: Option<Issued>,
    /// Document type ("telephone message").
    pub genre: Option<String>,
    /// The repository holding the original (RGASPI).
    pub archive: Option<String>,
    /// Where in the repository ("f. 558, op. 11, d. 109, ll. 0065–0067").
    pub archive_location: Option<String>,
    /// The archival reference as the source prints it.
    pub reference_verbatim: Option<String>,
    /// The archive publishing this copy (Wilson Center Digital Archive).
    pub holding_archive: Option<String>,
    /// Title of the printed edition (FRUS volume).
    pub container_title: Option<String>,
    /// The document's number in the edition.
    pub number: Option<String>,
    /// Pages in the edition.
    pub page: Option<String>,
    /// Publisher of the edition.
    pub publisher: Option<String>,
    /// Place of the edition's publisher.
    pub publisher_place: Option<String>,
    /// Year of the edition.
    pub edition_year: Option<String>,
    /// Language of the original document (ISO 639-1 where known).
    pub language: Option<String>,
    /// Language of the text read, when it is a translation.
    pub translation_language: Option<String>,
    /// The page to cite: this archive's, else the holding archive's.
    pub url: Option<String>,
    /// The holding archive's page.
    pub source_url: Option<String>,
    /// Day the page was consulted.
    pub accessed: Option<time::Date>,
    /// Summary.
    pub summary: Option<String>,
    /// Who contributed the document to the holding archive.
    pub contributors: Vec<String>,
    /// Collections (series, volumes).
    pub collections: Vec<String>,
    /// A short note: contributors, machine translation, original language.
    pub note: Option<String>,
}

impl Citable {
    /// The citable view of a record; `public_url` is this archive's page for
    /// it, `accessed` the day it was consulted.
    pub fn from_record(
        record: &Record,
        public_url: Option<&str>,
        accessed: Option<time::Date>,
    ) -> Citable {
        let names = |agents: &[crate::model::Agent]| {
            agents
                .iter()
                .map(|a| Name::of(&a.name, a.authority.as_deref()))
                .collect::<Vec<_>>()
        };
        let machine: Vec<&str> = record
            .texts
            .iter()
            .filter(|t| t.machine_translation)
            .filter_map(|t| t.translator.as_deref())
            .collect();
        let translators: Vec<Name> = record
            .translators
            .iter()
            .filter(|t| !machine.contains(&t.as_str()))
            .map(|t| Name::of(t, None))
            .collect();
        let translation_language = record
            .texts
            .iter()
            .find(|t| t.kind == TextKind::Translation)
            .map(|t| t.language.clone());
        let reference = record.archival_reference.as_ref();
        let (archive, archive_location) = reference.map(split_reference).unwrap_or_default();
        let edition = record.edition.as_ref();
        let (publisher_place, publisher) = match edition.and_then(|e| e.publisher.as_deref()) {
            Some(p) => match p.split_once(": ") {
                Some((place, name)) => (Some(place.to_string()), Some(name.to_string())),
                None => (None, Some(p.to_string())),
            },
            None => (None, None),
        };
        let mut note = Vec::new();
        if !record.contributors.is_empty() {
            note.push(format!(
                "Contributed by {}.",
                record.contributors.join(" and ")
            ));
        }
        for m in &machine {
            note.push(format!("Translation: {m}."));
        }
        Citable {
            id: record.id.clone(),
            title: record.title.clone(),
            authors: names(&record.creators),
            recipients: names(&record.recipients),
            translators,
            editors: edition
                .map(|e| e.editors.iter().map(|n| Name::of(n, None)).collect())
                .unwrap_or_default(),
            issued: record
                .date
                .as_ref()
                .and_then(|d| issued(&d.edtf, d.display.clone())),
            genre: record.doc_type.clone(),
            archive,
            archive_location,
            reference_verbatim: reference.map(|r| r.verbatim.clone()),
            holding_archive: record.holding_archive.clone(),
            container_title: edition.map(|e| e.title.clone()),
            number: edition.and_then(|e| e.number.clone()),
            page: edition.and_then(|e| e.pages.clone()),
            publisher,
            publisher_place,
            edition_year: edition.and_then(|e| e.year.clone()),
            language: record.original_language.clone(),
            translation_language,
            url: public_url
                .map(str::to_string)
                .or_else(|| record.source_url.clone()),
            source_url: record.source_url.clone(),
            accessed,
            summary: record.described_summary().map(|s| s.into_owned()),
            contributors: record.contributors.clone(),
            collections: record.collections.clone(),
            note: (!note.is_empty()).then(|| note.join(" ")),
        }
    }

    /// What a reference manager files the record as.
    pub fn kind(&self) -> Kind {
        match self.container_title {
            Some(_) => Kind::InEdition,
            None => Kind::Manuscript,
        }
    }

    /// The year of the document's date (the first, for a range).
    pub fn year(&self) -> Option<i64> {
        self.issued.as_ref().and_then(|d| d.start.first().copied())
    }

    /// The original language's English name ("Russian"), or the code.
    pub fn language_name(&self) -> Option<String> {
        self.language
            .as_deref()
            .map(|l| language_name(l).unwrap_or(l).to_string())
    }

    /// Whether the text cited is a translation of the original.
    pub fn is_translated(&self) -> bool {
        match (&self.language, &self.translation_language) {
            (Some(o), Some(t)) => o != t,
            (None, Some(_)) => true,
            _ => !self.translators.is_empty(),
        }
    }
}

/// Date parts from an EDTF expression, through its calendar bounds: a day,
/// a month or a year when the bounds cover exactly that, else a range.
fn issued(edtf: &str, display: Option<String>) -> Option<Issued> {
    let date = crate::model::RecordDate::new(edtf, None).ok()?;
    let (lo, hi) = date.bounds();
    let (lo, hi) = (lo?, hi?);
    let circa = edtf.contains(['~', '?', '%']);
    let whole_year = |a: &crate::model::DateValue, b: &crate::model::DateValue| {
        a.month == 1 && a.day == 1 && b.month == 12 && b.day == 31
    };
    let whole_month = |a: &crate::model::DateValue, b: &crate::model::DateValue| {
        a.year == b.year && a.month == b.month && a.day == 1 && b.day == last_day(b)
    };
    let (start, end) = if lo == hi {
        (vec![lo.year, lo.month.into(), lo.day.into()], None)
    } else if lo.year == hi.year && whole_year(&lo, &hi) {
        (vec![lo.year], None)
    } else if whole_month(&lo, &hi) {
        (vec![lo.year, lo.month.into()], None)
    } else if whole_year(&lo, &hi) {
        (vec![lo.year], Some(vec![hi.year]))
    } else {
        (
            vec![lo.year, lo.month.into(), lo.day.into()],
            Some(vec![hi.year, hi.month.into(), hi.day.into()]),
        )
    };
    Some(Issued {
        start,
        end,
        circa,
        edtf: edtf.to_string(),
        display,
    })
}

fn last_day(d: &crate::model::DateValue) -> u8 {
    (28..=31)
        .rev()
        .find(|&day| crate::model::DateValue { day, ..*d }.is_real())
        .unwrap_or(28)
}

/// Repository and location within it, for citation.
fn split_reference(r: &ArchivalReference) -> (Option<String>, Option<String>) {
    let mut levels = Vec::new();
    if let Some(f) = &r.fond {
        levels.push(format!("f. {f}"));
    }
    if let Some(o) = &r.opis {
        levels.push(format!("op. {o}"));
    }
    if let Some(p) = &r.papka {
        levels.push(format!("p. {p}"));
    }
    if let Some(d) = &r.delo {
        levels.push(format!("d. {d}"));
    }
    if let Some(folios) = &r.folios {
        let abbr = if folios.end.is_some() { "ll." } else { "l." };
        levels.push(format!("{abbr} {}", folios.display()));
    }
    if !levels.is_empty() {
        return (r.repository.clone(), Some(levels.join(", ")));
    }
    let sentence = first_sentence(&r.verbatim);
    if sentence.is_empty() {
        return (r.repository.clone(), None);
    }
    match r.repository.as_deref() {
        Some(repo) => {
            let rest = sentence
                .strip_prefix(repo)
                .map(|rest| rest.trim_start_matches([',', ':', ' ']).trim());
            match rest {
                Some(rest) => (
                    Some(repo.to_string()),
                    (!rest.is_empty()).then(|| rest.to_string()),
                ),
                None => (Some(repo.to_string()), Some(sentence)),
            }
        }
        None => (None, Some(sentence)),
    }
}

/// Words that end in a full stop without ending the sentence.
const ABBREVIATIONS: &[&str] = &[
    "f", "op", "d", "l", "ll", "p", "pp", "no", "nos", "vol", "vols", "ed", "eds", "doc", "fol",
    "fols", "ff", "st", "dr", "mr", "mrs", "ms", "gen", "col", "amb", "jr", "sr", "dept", "ii",
];

/// The archival reference without a leading "Source:" and without the
/// sentences that follow the reference proper (FRUS source notes go on with
/// classification and drafting information).
pub fn first_sentence(verbatim: &str) -> String {
    let text = verbatim.trim();
    let text = text.strip_prefix("Source:").unwrap_or(text).trim_start();
    let mut end = text.len();
    for (i, _) in text.match_indices(". ") {
        let word = text[..i]
            .rsplit(|c: char| c.is_whitespace() || c == ',' || c == '(')
            .next()
            .unwrap_or("");
        let is_initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
        if !is_initial && !ABBREVIATIONS.contains(&word.to_lowercase().as_str()) {
            end = i;
            break;
        }
    }
    text[..end].trim_end_matches('.').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_keeps_abbreviations_and_drops_the_rest() {
        assert_eq!(
            first_sentence(
                "Source: Department of State, Presidential Correspondence: Lot 66 D 204. No classification marking."
            ),
            "Department of State, Presidential Correspondence: Lot 66 D 204"
        );
        assert_eq!(
            first_sentence(
                "Source:American Foreign Policy: Current Documents, 1960, p. 476. No classification marking."
            ),
            "American Foreign Policy: Current Documents, 1960, p. 476"
        );
        assert_eq!(
            first_sentence("RGASPI, f. 558, op.11, d.109, II.0065-0067"),
            "RGASPI, f. 558, op.11, d.109, II.0065-0067"
        );
        assert_eq!(
            first_sentence("Source: Department of State, Central Files, 911.802/5-661. Secret."),
            "Department of State, Central Files, 911.802/5-661"
        );
    }

    #[test]
    fn location_is_parsed_levels_or_the_rest_of_the_sentence() {
        let seed = ArchivalReference::parse("RGASPI, f. 558, op.11, d.109, II.0065-0067");
        assert_eq!(
            split_reference(&seed),
            (
                Some("RGASPI".into()),
                Some("f. 558, op. 11, d. 109, ll. 0065–0067".into())
            )
        );
        // As the TEI importer keeps it: verbatim with its "Source:", parsed
        // without.
        let verbatim = "Source: Department of State, Presidential Correspondence: Lot 66 D 204. No classification marking.";
        let mut frus = ArchivalReference::parse(verbatim.strip_prefix("Source: ").unwrap());
        frus.verbatim = verbatim.into();
        assert_eq!(
            split_reference(&frus),
            (
                Some("Department of State".into()),
                Some("Presidential Correspondence: Lot 66 D 204".into())
            )
        );
    }

    #[test]
    fn dates_reduce_to_what_is_known() {
        let parts = |e: &str| {
            let i = issued(e, None).unwrap();
            (i.start, i.end, i.circa)
        };
        assert_eq!(parts("1948-09-22"), (vec![1948, 9, 22], None, false));
        assert_eq!(parts("1948-09~"), (vec![1948, 9], None, true));
        assert_eq!(parts("1962"), (vec![1962], None, false));
        assert_eq!(parts("194X"), (vec![1940], Some(vec![1949]), false));
        assert_eq!(
            parts("1961-04-30/1961-05-06"),
            (vec![1961, 4, 30], Some(vec![1961, 5, 6]), false)
        );
    }
}
