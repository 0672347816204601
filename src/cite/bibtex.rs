//! A biblatex entry, written by the biblatex crate (which escapes what TeX
//! would read as commands).
//!
//! The type is `@unpublished` ("a manuscript … not formally published"),
//! which BibTeX knows too. Fields: `author` and `translator` (a name kept
//! as written is braced, so BibTeX does not turn "Kim Il Sung" into
//! "Sung, Kim Il"), `title` (braced: cased as the source has it), `date`
//! (the record's EDTF, which biblatex reads), `type` (document type),
//! `howpublished` (the holding archive), `library` (repository and archive
//! location), `addendum` (the printed edition), `note`, `url`, `urldate`,
//! `origlanguage`.

use super::item::{Citable, Name};
use biblatex::{Chunk, Entry, EntryType, Spanned};

/// The entry as biblatex source text, ending in a newline.
pub fn render(c: &Citable) -> String {
    let mut e = Entry::new(key(&c.id), EntryType::Unpublished);
    let normal = |s: &str| vec![Spanned::detached(Chunk::Normal(s.to_string()))];
    let verbatim = |s: &str| vec![Spanned::detached(Chunk::Verbatim(s.to_string()))];
    if !c.authors.is_empty() {
        e.set("author", names(&c.authors));
    }
    e.set("title", verbatim(&c.title));
    if let Some(d) = &c.issued {
        e.set("date", normal(&d.edtf));
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
    if let Some(container) = &c.container_title {
        let mut addendum = container.clone();
        if let Some(n) = &c.number {
            addendum.push_str(&format!(", Document {n}"));
        }
        if let Some(p) = &c.page {
            addendum.push_str(&format!(", p. {p}"));
        }
        e.set("addendum", normal(&addendum));
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
    if let Some(note) = &c.note {
        e.set("note", normal(note));
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
