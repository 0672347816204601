//! Archival references: where in a repository the original sits.
//!
//! Kept twice: verbatim, exactly as the source prints it (OCR slips such as
//! "op.11" and "II.0065-0067" included), and parsed into the levels an
//! archivist searches by: Russian-style fond / opis / delo / folios, and
//! US-style record group / box / folder / lot.
//!
//! Invariant: parsing never alters `verbatim`; a segment it cannot place is
//! left only in `verbatim` (nothing is invented).

use super::lowered::Lowered;
use serde::{Deserialize, Serialize};

/// An archival reference, verbatim and parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ArchivalReference {
    /// Exactly as the source gives it.
    pub verbatim: String,
    /// The repository (RGASPI, National Archives, Department of State).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Fond (f.).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fond: Option<String>,
    /// Opis (op.), the inventory within a fond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opis: Option<String>,
    /// Delo (d.), the file within an opis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delo: Option<String>,
    /// Papka (folder), used by some Russian foreign-policy archives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub papka: Option<String>,
    /// Folios (ll., listy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folios: Option<FolioRange>,
    /// Record group (RG), US National Archives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_group: Option<String>,
    /// Series or file unit named in words ("Central Files").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#box: Option<String>,
    /// Folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// Lot file (Department of State "Lot 66 D 204").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
}

/// A run of folios, as written (leading zeros kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FolioRange {
    /// First folio.
    pub start: String,
    /// Last folio, for a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

impl FolioRange {
    /// "0065–0067" or "12".
    pub fn display(&self) -> String {
        match &self.end {
            Some(end) => format!("{}–{}", self.start, end),
            None => self.start.clone(),
        }
    }
}

/// Which level a segment's prefix names.
#[derive(Clone, Copy)]
enum Level {
    Fond,
    Opis,
    Delo,
    Papka,
    Folios,
    RecordGroup,
    Box,
    Folder,
    Lot,
}

/// Prefixes in lower case, longest first so that "opis" wins over "op".
const PREFIXES: &[(&str, Level)] = &[
    ("record group", Level::RecordGroup),
    ("listy", Level::Folios),
    ("list", Level::Folios),
    ("fond", Level::Fond),
    ("opis", Level::Opis),
    ("delo", Level::Delo),
    ("papka", Level::Papka),
    ("folder", Level::Folder),
    ("box", Level::Box),
    ("lot", Level::Lot),
    ("rg", Level::RecordGroup),
    ("ll", Level::Folios),
    // "II." is a common OCR reading of "ll." (folios); the seed has it.
    ("ii", Level::Folios),
    ("op", Level::Opis),
    ("ф", Level::Fond),
    ("оп", Level::Opis),
    ("д", Level::Delo),
    ("лл", Level::Folios),
    ("л", Level::Folios),
    ("п", Level::Papka),
    ("f", Level::Fond),
    ("d", Level::Delo),
    ("l", Level::Folios),
    ("p", Level::Papka),
];

impl ArchivalReference {
    /// Keeps `verbatim` and parses what it can recognise.
    pub fn parse(verbatim: &str) -> ArchivalReference {
        let mut r = ArchivalReference {
            verbatim: verbatim.to_string(),
            ..Default::default()
        };
        let text = verbatim.trim().trim_end_matches('.');
        let mut series = Vec::new();
        for (i, segment) in text.split(',').map(str::trim).enumerate() {
            if segment.is_empty() {
                continue;
            }
            // "Presidential Correspondence: Lot 66 D 204" names a series and
            // a lot in one segment.
            let (words, rest) = match segment.split_once(": ") {
                Some((head, tail)) if level_of(tail).is_some() => (Some(head), tail),
                _ => (None, segment),
            };
            if let Some((level, value)) = level_of(rest) {
                if let Some(words) = words {
                    series.push(words.to_string());
                }
                r.set(level, value);
            } else if i == 0 {
                r.repository = Some(segment.to_string());
            } else if r.fond.is_none() && r.record_group.is_none() {
                series.push(segment.to_string());
            }
        }
        if !series.is_empty() {
            r.series = Some(series.join(", "));
        }
        r
    }

    /// Whether parsing found any archival level (fond, folios, box, lot …).
    pub fn has_levels(&self) -> bool {
        self.fond.is_some()
            || self.opis.is_some()
            || self.delo.is_some()
            || self.papka.is_some()
            || self.folios.is_some()
            || self.record_group.is_some()
            || self.r#box.is_some()
            || self.folder.is_some()
            || self.lot.is_some()
    }

    /// The levels of the arrangement this reference places the original
    /// in, broadest first, each as it is shown: the repository, then fond
    /// (or record group), opis (or a series named in words), delo, papka,
    /// box, folder and lot, as far as the reference gives them. Folios are
    /// no level (they are places within one file). Empty when the
    /// repository is not known: a level is only meaningful inside it.
    pub fn levels(&self) -> Vec<String> {
        let Some(repository) = self.repository.as_deref().map(str::trim) else {
            return Vec::new();
        };
        if repository.is_empty() {
            return Vec::new();
        }
        let mut out = vec![repository.to_string()];
        let named = [
            ("f. ", &self.fond),
            ("RG ", &self.record_group),
            ("op. ", &self.opis),
            ("", &self.series),
            ("d. ", &self.delo),
            ("p. ", &self.papka),
            ("box ", &self.r#box),
            ("folder ", &self.folder),
            ("lot ", &self.lot),
        ];
        for (prefix, value) in named {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                out.push(format!("{prefix}{v}"));
            }
        }
        out
    }

    fn set(&mut self, level: Level, value: String) {
        let slot = match level {
            Level::Fond => &mut self.fond,
            Level::Opis => &mut self.opis,
            Level::Delo => &mut self.delo,
            Level::Papka => &mut self.papka,
            Level::RecordGroup => &mut self.record_group,
            Level::Box => &mut self.r#box,
            Level::Folder => &mut self.folder,
            Level::Lot => &mut self.lot,
            Level::Folios => {
                let (start, end) = match value.split_once(['-', '–']) {
                    Some((a, b)) => (a.trim().to_string(), Some(b.trim().to_string())),
                    None => (value, None),
                };
                self.folios.get_or_insert(FolioRange { start, end });
                return;
            }
        };
        slot.get_or_insert(value);
    }
}

/// Recognises "f. 558", "op.11", "Fond 558", "Box 12", "RG 59": a known
/// prefix, an optional dot, then a value that starts with a digit (or, for
/// lots and folders, any value).
fn level_of(segment: &str) -> Option<(Level, String)> {
    let lower = Lowered::new(segment);
    for (prefix, level) in PREFIXES {
        let Some(rest) = lower.text.strip_prefix(prefix) else {
            continue;
        };
        let after = rest.trim_start_matches('.');
        let had_separator = after.len() != rest.len() || after.starts_with(' ');
        let value_lower = after.trim_start();
        if !had_separator || value_lower.is_empty() {
            continue;
        }
        if !value_lower.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        // Take the value from the original text, keeping its case.
        let value = segment[lower.original(lower.text.len() - value_lower.len())..].trim();
        return Some((*level, value.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_reference_parses_with_its_slips() {
        let r = ArchivalReference::parse("RGASPI, f. 558, op.11, d.109, II.0065-0067");
        assert_eq!(r.verbatim, "RGASPI, f. 558, op.11, d.109, II.0065-0067");
        assert_eq!(r.repository.as_deref(), Some("RGASPI"));
        assert_eq!(r.fond.as_deref(), Some("558"));
        assert_eq!(r.opis.as_deref(), Some("11"));
        assert_eq!(r.delo.as_deref(), Some("109"));
        let folios = r.folios.unwrap();
        assert_eq!(
            (folios.start.as_str(), folios.end.as_deref()),
            ("0065", Some("0067"))
        );
    }

    #[test]
    fn long_and_cyrillic_forms_parse() {
        let r = ArchivalReference::parse("AVPRF, Fond 059a, Opis 5, Delo 5, Papka 11, Listy 1-3");
        assert_eq!(r.fond.as_deref(), Some("059a"));
        assert_eq!(r.papka.as_deref(), Some("11"));
        assert_eq!(r.folios.unwrap().end.as_deref(), Some("3"));
        let r = ArchivalReference::parse("РГАСПИ, ф. 17, оп. 162, д. 9, л. 41");
        assert_eq!(r.repository.as_deref(), Some("РГАСПИ"));
        assert_eq!(r.fond.as_deref(), Some("17"));
        assert_eq!(r.opis.as_deref(), Some("162"));
        assert_eq!(r.delo.as_deref(), Some("9"));
        assert_eq!(r.folios.unwrap().start, "41");
    }

    #[test]
    fn us_style_references_parse() {
        let r = ArchivalReference::parse(
            "National Archives, RG 59, Central Decimal Files, Box 12, Folder 3",
        );
        assert_eq!(r.repository.as_deref(), Some("National Archives"));
        assert_eq!(r.record_group.as_deref(), Some("59"));
        assert_eq!(r.r#box.as_deref(), Some("12"));
        assert_eq!(r.folder.as_deref(), Some("3"));
        let r = ArchivalReference::parse(
            "Department of State, Presidential Correspondence: Lot 66 D 204",
        );
        assert_eq!(r.repository.as_deref(), Some("Department of State"));
        assert_eq!(r.series.as_deref(), Some("Presidential Correspondence"));
        assert_eq!(r.lot.as_deref(), Some("66 D 204"));
    }

    #[test]
    fn a_value_keeps_its_letters_whose_lowercase_changes_length() {
        let r = ArchivalReference::parse("ARCHIVE, \u{212A}ept, FOND 558 İİ, Opis \u{212A}1");
        assert_eq!(r.fond.as_deref(), Some("558 İİ"));
    }

    #[test]
    fn words_that_merely_start_like_a_prefix_are_not_levels() {
        let r = ArchivalReference::parse("Library of Congress, Diaries, Papers of Dean Rusk");
        assert_eq!(r.repository.as_deref(), Some("Library of Congress"));
        assert_eq!(r.delo, None);
        assert_eq!(r.papka, None);
        assert_eq!(r.series.as_deref(), Some("Diaries, Papers of Dean Rusk"));
    }
}
