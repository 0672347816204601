//! A BibTeX entry that biblatex reads too, written by the biblatex crate
//! (which escapes what TeX would read as commands).
//!
//! The type follows [`Kind`]: `@unpublished` ("a manuscript … not formally
//! published") for an archival document, `@incollection` for a document
//! printed in an edition (FRUS), with `booktitle`, `editor`, `pages`,
//! `publisher` and `location` (the place), so that Zotero and BibTeX styles
//! see the editors as editors of the volume. Both types require an author
//! in BibTeX's classic styles (pybtex refuses the entry without one), and
//! nothing is invented: a record that names no author (a telegram of the
//! Department of State) is `@misc`, whose note then names the volume.
//!
//! Fields: `author`, `editor` and `translator` (a name kept as written is
//! braced, so BibTeX does not turn "Kim Il Sung" into "Sung, Kim Il"),
//! `title` (braced: cased as the source has it), `date` (the record's EDTF,
//! which biblatex reads) and `year` (which BibTeX styles need), `type`
//! (document type), `howpublished` (the holding archive), `library`
//! (repository and archive location), `addendum` (for a document in an
//! edition: its number there), `url`, `urldate`, `origlanguage`, and a
//! `note`, which classic BibTeX styles require for `@unpublished` and which
//! is the only field of the entry they print besides author, title and
//! date: it says where the original is (repository and location), then the
//! document's number in an edition and the record's own note (contributors,
//! machine translation), as sentences without a closing full stop (the style
//! adds one after the year).

use super::item::{Citable, Kind, Name};
use biblatex::{Chunk, Entry, EntryType, Spanned};

/// The entry as biblatex source text, ending in a newline.
pub fn render(c: &Citable) -> String {
    let kind = c.kind();
    let misc = c.authors.is_empty();
    let entry_type = match (kind, misc) {
        (_, true) => EntryType::Misc,
        (Kind::Manuscript, false) => EntryType::Unpublished,
        (Kind::InEdition, false) => EntryType::InCollection,
    };
    let mut e = Entry::new(key(&c.id), entry_type);
    let normal = |s: &str| vec![Spanned::detached(Chunk::Normal(s.to_string()))];
    let verbatim = |s: &str| vec![Spanned::detached(Chunk::Verbatim(s.to_string()))];
    if !c.authors.is_empty() {
        e.set("author", names(&c.authors));
    }
    e.set("title", verbatim(&c.title));
    if let Some(d) = &c.issued {
        e.set("date", normal(&d.edtf));
    }
    if let Some(year) = c.year() {
        e.set("year", normal(&year.to_string()));
    }
    if let Some(genre) = &c.genre {
        e.set("type", normal(genre));
    }
    if let Some(holding) = &c.holding_archive {
        e.set("howpublished", normal(holding));
    }
    let library: Vec<&str> = [&c.archive, &c.archive_location]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !library.is_empty() {
        e.set("library", normal(&library.join(", ")));
    }
    let number = c.number.as_ref().map(|n| format!("Document {n}"));
    match kind {
        Kind::InEdition => {
            if let Some(container) = &c.container_title {
                e.set("booktitle", verbatim(container));
            }
            if let Some(n) = &number {
                e.set("addendum", normal(n));
            }
            if let Some(p) = &c.page {
                e.set("pages", normal(p));
            }
            if let Some(p) = &c.publisher {
                e.set("publisher", normal(p));
            }
            if let Some(p) = &c.publisher_place {
                e.set("location", normal(p));
            }
        }
        Kind::Manuscript => {}
    }
    if !c.editors.is_empty() {
        e.set("editor", names(&c.editors));
    }
    if !c.translators.is_empty() {
        e.set("translator", names(&c.translators));
    }
    if c.is_translated()
        && let Some(language) = c.language_name()
    {
        e.set("origlanguage", normal(&language.to_lowercase()));
    }
    let mut note: Vec<String> = Vec::new();
    if !library.is_empty() {
        note.push(library.join(", "));
    } else if let Some(holding) = &c.holding_archive {
        note.push(holding.clone());
    }
    match (kind, misc) {
        // A `@misc` entry's style prints no book title: the note names the
        // volume.
        (Kind::InEdition, true) => {
            let mut edition: Vec<String> = c.container_title.iter().cloned().collect();
            edition.extend(number);
            edition.extend(c.page.as_ref().map(|p| format!("p. {p}")));
            note.push(edition.join(", "));
        }
        (Kind::InEdition, _) => note.extend(number),
        (Kind::Manuscript, _) => {}
    }
    note.extend(c.note.clone());
    let note = note
        .iter()
        .map(|s| s.trim().trim_end_matches('.'))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(". ");
    if !note.is_empty() {
        e.set("note", normal(&note));
    }
    if let Some(url) = &c.url {
        e.set("url", normal(url));
    }
    if let Some(day) = c.accessed {
        e.set("urldate", normal(&day.to_string()));
    }
    let mut out = e.to_biblatex_string();
    out.push('\n');
    out
}

/// A citation key from the identifier: letters, digits and `-_:.` only.
fn key(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_:.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Names joined by " and "; a name kept as written is braced whole.
fn names(names: &[Name]) -> Vec<Spanned<Chunk>> {
    let mut chunks = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            chunks.push(Spanned::detached(Chunk::Normal(" and ".into())));
        }
        chunks.push(Spanned::detached(match &n.parts {
            Some(_) => Chunk::Normal(n.inverted()),
            None => Chunk::Verbatim(n.literal.clone()),
        }));
    }
    chunks
}
