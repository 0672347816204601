//! CSL-JSON (CSL 1.0.2 item variables): the file Zotero, Pandoc and
//! citeproc read, and the item the CSL styles of this module are rendered
//! from, so the file and the rendered citations cannot disagree.
//!
//! The item type is always `manuscript`: an archival document, unpublished
//! as such, with `archive` (the repository) and `archive_location`
//! (fond / opis / delo / folios or the repository's own levels). A printed
//! edition (FRUS) is the `container-title` with its editors, `number`
//! (document number) and `page`.

use super::item::{Citable, Issued, Name};
use serde_json::{Map, Value, json};

/// The CSL-JSON item for a record.
pub fn item(c: &Citable) -> Value {
    let mut m = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            m.insert(key.to_string(), v);
        }
    };
    let text = |s: &Option<String>| s.as_ref().map(|s| Value::String(s.clone()));
    let names = |n: &[Name]| (!n.is_empty()).then(|| Value::Array(n.iter().map(name).collect()));
    put("id", Some(json!(c.id)));
    put("type", Some(json!("manuscript")));
    put("title", Some(json!(c.title)));
    put("author", names(&c.authors));
    put("recipient", names(&c.recipients));
    put("translator", names(&c.translators));
    put("editor", names(&c.editors));
    put("issued", c.issued.as_ref().map(date));
    put("genre", text(&c.genre));
    put("archive", text(&c.archive));
    put("archive_location", text(&c.archive_location));
    put("container-title", text(&c.container_title));
    put("number", text(&c.number));
    put("page", text(&c.page));
    // The edition's publisher where there is one; otherwise the holding
    // archive publishes this copy.
    let publisher = c.publisher.clone().or_else(|| c.holding_archive.clone());
    put("publisher", text(&publisher));
    put("publisher-place", text(&c.publisher_place));
    // `source` (the database the item was found in) says nothing new when
    // the holding archive is already the publisher; styles would print it
    // twice.
    if publisher != c.holding_archive {
        put("source", text(&c.holding_archive));
    }
    put("language", text(&c.language));
    put("URL", text(&c.url));
    put(
        "accessed",
        c.accessed
            .map(|d| json!({"date-parts": [[d.year(), u8::from(d.month()), d.day()]]})),
    );
    put("abstract", text(&c.summary));
    put("note", text(&c.note));
    Value::Object(m)
}

/// A CSL-JSON array holding the one item (the shape Zotero imports).
pub fn render(c: &Citable) -> String {
    let mut out = serde_json::to_string_pretty(&Value::Array(vec![item(c)]))
        .expect("a JSON value always serialises");
    out.push('\n');
    out
}

fn name(n: &Name) -> Value {
    match &n.parts {
        Some((family, given)) => json!({"family": family, "given": given}),
        None => json!({"literal": n.literal}),
    }
}

fn date(d: &Issued) -> Value {
    let mut parts = vec![json!(d.start)];
    if let Some(end) = &d.end {
        parts.push(json!(end));
    }
    let mut v = json!({"date-parts": parts});
    if d.circa {
        v["circa"] = json!(true);
    }
    v
}
