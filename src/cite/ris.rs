//! A RIS record (no well-kept crate writes RIS; the format is small).
//!
//! Tags follow the RIS specification as Zotero reads it for the `MANSCPT`
//! type: `TI` title, `AU` authors, `A4` translators, `A3` editors of the
//! printed edition, `DA` date (`YYYY/MM/DD/`), `PY` year, `M3` document type,
//! `DB` archive, `AN` archive location, `DP` holding archive, `T2` edition,
//! `M1` document number, `SP` pages, `PB`/`CY` publisher and place, `LA`
//! language, `UR` URL, `Y2` access date, `AB` summary, `N1` note, `ER` end.
//!
//! Each line is `TAG  - value` ending in `\n` (no carriage returns); a value
//! never spans lines (line breaks in the data become spaces).

use super::item::{Citable, Name};

/// The record, ending with `ER  - `.
pub fn render(c: &Citable) -> String {
    let mut lines: Vec<(&str, String)> = vec![("TY", "MANSCPT".into())];
    lines.push(("TI", c.title.clone()));
    let people = |tag: &'static str, names: &[Name], lines: &mut Vec<(&str, String)>| {
        lines.extend(names.iter().map(|n| (tag, n.inverted())));
    };
    people("AU", &c.authors, &mut lines);
    people("A4", &c.translators, &mut lines);
    people("A3", &c.editors, &mut lines);
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
    opt("M3", &c.genre);
    opt("DB", &c.archive);
    opt("AN", &c.archive_location);
    opt("DP", &c.holding_archive);
    opt("T2", &c.container_title);
    opt("M1", &c.number);
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
    opt("N1", &c.note);
    let mut out = String::new();
    for (tag, value) in lines {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&format!("{tag}  - {value}\n"));
    }
    out.push_str("ER  - \n");
    out
}
