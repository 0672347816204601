//! Meta tags for a record page that reference managers read: the Highwire
//! Press `citation_*` tags (Zotero's and Google Scholar's first choice) and
//! the Dublin Core `DC.*` tags.
//!
//! Values are raw text: the page template escapes them.

use super::item::Citable;
use crate::model::Record;

/// `(name, content)` pairs for `<meta name=… content=…>`, in a stable order;
/// a name may repeat (one `citation_author` per creator).
pub fn highwire_tags(record: &Record, public_url: &str) -> Vec<(&'static str, String)> {
    let c = Citable::from_record(record, Some(public_url), None);
    let mut tags: Vec<(&'static str, String)> = vec![("citation_title", c.title.clone())];
    for a in &c.authors {
        tags.push(("citation_author", a.inverted()));
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
    for (name, value) in [
        ("citation_publisher", &c.holding_archive),
        ("citation_language", &c.language),
        ("citation_abstract", &c.summary),
        ("citation_archive", &c.archive),
        ("citation_archive_location", &c.archive_location),
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
    for (name, value) in [
        ("DC.type", &c.genre),
        ("DC.language", &c.language),
        ("DC.publisher", &c.holding_archive),
        ("DC.source", &c.reference_verbatim),
        ("DC.description", &c.summary),
    ] {
        tags.extend(value.clone().map(|v| (name, v)));
    }
    tags.push(("DC.identifier", public_url.to_string()));
    tags
}
