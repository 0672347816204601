//! Meta tags for a record page that reference managers read: the Highwire
//! Press `citation_*` tags (Zotero's and Google Scholar's first choice) and
//! the Dublin Core `DC.*` tags.
//!
//! Written for Zotero's Embedded Metadata translator, which reads them when
//! a page offers nothing better (a record page offers unAPI, which Zotero
//! prefers; see `web::unapi`):
//! - The item type is said in `DC.type` with Zotero's own name
//!   (`manuscript`, or `bookSection` for a document printed in an edition,
//!   [`Kind`]): a `DC.type` Zotero does not know as a type ("telephone
//!   message") leaves it guessing a journal article from `citation_title`.
//!   A document in an edition also has `citation_book_title`, which Zotero
//!   reads as a book section, with `citation_editor` and the pages.
//! - Names: Zotero splits a name at its last space ("Kim Il Sung" would be
//!   given name "Kim Il", family name "Sung") unless it holds a comma, when
//!   it splits there. A name is therefore written "Family, Given" where the
//!   record gives that index form, and otherwise as written followed by a
//!   comma ("Kim Il Sung,"): a family name with no given name, so the whole
//!   name stays one, in its own order.
//! - No tag is written that Zotero would misfile: there is no `DC.source`
//!   (Zotero makes it the journal's name), and no publisher for a
//!   manuscript (only the edition's publisher is one). Zotero has no tag
//!   for a translator or an archive; `DC.contributor` names the translator
//!   for other readers, and unAPI's RIS carries both to Zotero.
//!
//! Values are raw text: the page template escapes them.

use super::item::{Citable, Kind, Name};
use crate::model::Record;

/// `(name, content)` pairs for `<meta name=… content=…>`, in a stable order;
/// a name may repeat (one `citation_author` per creator).
pub fn highwire_tags(record: &Record, public_url: &str) -> Vec<(&'static str, String)> {
    let c = Citable::from_record(record, Some(public_url), None);
    let kind = c.kind();
    let mut tags: Vec<(&'static str, String)> = vec![("citation_title", c.title.clone())];
    for a in &c.authors {
        tags.push(("citation_author", highwire_name(a)));
    }
    if let Some(d) = &c.issued {
        let date = d
            .start
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i == 0 {
                    v.to_string()
                } else {
                    format!("{v:02}")
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        tags.push(("citation_date", date.clone()));
        tags.push(("citation_publication_date", date));
    }
    if kind == Kind::InEdition {
        tags.extend(
            c.container_title
                .clone()
                .map(|t| ("citation_book_title", t)),
        );
        for e in &c.editors {
            tags.push(("citation_editor", highwire_name(e)));
        }
        if let Some(pages) = &c.page {
            let mut range = pages.splitn(2, ['-', '–']);
            tags.extend(
                range
                    .next()
                    .map(|p| ("citation_firstpage", p.trim().to_string())),
            );
            tags.extend(
                range
                    .next()
                    .map(|p| ("citation_lastpage", p.trim().to_string())),
            );
        }
        tags.extend(c.publisher.clone().map(|p| ("citation_publisher", p)));
    }
    for (name, value) in [
        ("citation_language", &c.language),
        ("citation_abstract", &c.summary),
    ] {
        tags.extend(value.clone().map(|v| (name, v)));
    }
    tags.push(("citation_public_url", public_url.to_string()));
    tags.push(("DC.title", c.title.clone()));
    for a in &c.authors {
        tags.push(("DC.creator", a.display()));
    }
    for t in &c.translators {
        tags.push(("DC.contributor", t.display()));
    }
    if let Some(d) = &c.issued {
        tags.push(("DC.date", d.edtf.clone()));
    }
    tags.push(("DC.type", kind.zotero_type().to_string()));
    for (name, value) in [
        ("DC.language", &c.language),
        ("DC.publisher", &c.holding_archive),
        ("DC.description", &c.summary),
    ] {
        tags.extend(value.clone().map(|v| (name, v)));
    }
    tags.push(("DC.identifier", public_url.to_string()));
    tags
}

/// A name as Zotero should read it from `citation_author` or
/// `citation_editor`: "Family, Given", or the name as written with a comma
/// after it, which Zotero keeps whole as a family name.
fn highwire_name(n: &Name) -> String {
    match &n.parts {
        Some(_) => n.inverted(),
        None => format!("{},", n.literal),
    }
}
