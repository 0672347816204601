//! A RIS record (no well-kept crate writes RIS; the format is small).
//!
//! Tags follow the RIS specification as Zotero's RIS translator reads it
//! (zotero/translators `RIS.js`), which is also what Zotero imports through
//! unAPI:
//! - `TY`: `MANSCPT` (Zotero `manuscript`) for an archival document, `CHAP`
//!   (`bookSection`) for a document printed in an edition ([`Kind`]).
//! - `TI` title; `AU` authors, `A4` translators, `ED` editors of the
//!   printed edition. A name is written "Family, Given" only where the
//!   record gives that index form; otherwise as written, which Zotero keeps
//!   as one name (single field), so "Kim Il Sung" stays in his order.
//! - `DA` date (`YYYY/MM/DD/`), `PY` year.
//! - `M3` document type (Zotero's manuscript type; a book section has none).
//! - `DB` the repository (Zotero's `archive`), `AN` the place in it
//!   (`archiveLocation`), `DP` the holding archive (`libraryCatalog`).
//! - For a document in an edition: `T2` the volume (`bookTitle`), `SP`
//!   pages, `PB`/`CY` publisher and place; its number in the volume goes
//!   into the note, as a book section has no field for it.
//! - `LA` language, `UR` URL, `Y2` access date, `AB` summary, `N1` note,
//!   `ER` end.
//!
//! Each line is `TAG  - value` ending in `\n` (no carriage returns); a value
//! never spans lines (line breaks in the data become spaces).

use super::item::{Citable, Kind, Name};

/// The record, ending with `ER  - `.
pub fn render(c: &Citable) -> String {
    let kind = c.kind();
    let ty = match kind {
        Kind::Manuscript => "MANSCPT",
        Kind::InEdition => "CHAP",
    };
    let mut lines: Vec<(&str, String)> = vec![("TY", ty.into())];
    lines.push(("TI", c.title.clone()));
    let people = |tag: &'static str, names: &[Name], lines: &mut Vec<(&str, String)>| {
        lines.extend(names.iter().map(|n| (tag, n.inverted())));
    };
    people("AU", &c.authors, &mut lines);
    people("A4", &c.translators, &mut lines);
    people("ED", &c.editors, &mut lines);
    if let Some(d) = &c.issued {
        let part = |i: usize| {
            d.start
                .get(i)
                .map(|v| format!("{v:02}"))
                .unwrap_or_default()
        };
        lines.push(("DA", format!("{}/{}/{}/", d.start[0], part(1), part(2))));
        lines.push(("PY", d.start[0].to_string()));
    }
    let mut opt = |tag: &'static str, value: &Option<String>| {
        if let Some(v) = value {
            lines.push((tag, v.clone()));
        }
    };
    if kind == Kind::Manuscript {
        opt("M3", &c.genre);
    }
    opt("DB", &c.archive);
    opt("AN", &c.archive_location);
    opt("DP", &c.holding_archive);
    opt("T2", &c.container_title);
    opt("SP", &c.page);
    opt("PB", &c.publisher);
    opt("CY", &c.publisher_place);
    opt("LA", &c.language);
    opt("UR", &c.url);
    opt(
        "Y2",
        &c.accessed
            .map(|d| format!("{}/{:02}/{:02}/", d.year(), u8::from(d.month()), d.day())),
    );
    opt("AB", &c.summary);
    let number = c
        .number
        .as_ref()
        .filter(|_| kind == Kind::InEdition)
        .map(|n| format!("Document {n}."));
    let note: Vec<&str> = [&number, &c.note]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    opt("N1", &(!note.is_empty()).then(|| note.join(" ")));
    let mut out = String::new();
    for (tag, value) in lines {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&format!("{tag}  - {value}\n"));
    }
    out.push_str("ER  - \n");
    out
}
