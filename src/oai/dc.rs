//! The record as simple Dublin Core (`oai_dc`), the one metadata format
//! every OAI-PMH repository must offer. The mapping is in the module
//! documentation of [`crate::oai`] and in the README; this file is its only
//! implementation.

use super::xml::XmlOut;
use crate::html::path_segment;
use crate::model::Record;
use std::borrow::Cow;

/// The `oai_dc` namespace.
pub const OAI_DC_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
/// The `oai_dc` schema.
pub const OAI_DC_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
/// The Dublin Core 1.1 element namespace.
pub const DC_NAMESPACE: &str = "http://purl.org/dc/elements/1.1/";

/// One Dublin Core statement: element, value, language of the value.
type Statement<'a> = (&'static str, Cow<'a, str>, Option<&'a str>);

/// The IIIF addresses of a record with page images, on the site at `base`:
/// its Presentation manifest and a thumbnail of its first page (the shapes
/// `iiif::record_base` serves; the OAI tests fetch both).
fn iiif_links(record: &Record, base: &str) -> Option<(String, String)> {
    let (n, _, (width, _)) = crate::model::page_images(&record.files).next()?;
    let root = format!("{base}/iiif/{}", path_segment(&record.id));
    // At most 400 pixels wide, never wider than the page (a larger size
    // would ask the image service to enlarge it).
    Some((
        format!("{root}/manifest.json"),
        format!("{root}/{n}/full/{},/0/default.jpg", width.min(400)),
    ))
}

/// The Dublin Core statements for a record, in element order, empty values
/// and repeats left out. `page` is the record's public page, `base` the
/// site's address.
fn statements<'a>(record: &'a Record, page: &'a str, base: &str) -> Vec<Statement<'a>> {
    let mut out: Vec<(&'static str, &'a str, Option<&'a str>)> = Vec::new();
    out.push(("title", &record.title, None));
    for t in &record.alternative_titles {
        out.push(("title", &t.text, t.language.as_deref()));
    }
    for agent in &record.creators {
        out.push(("creator", &agent.name, None));
    }
    for subject in &record.subjects {
        out.push(("subject", subject, None));
    }
    for person in &record.people {
        out.push((
            "subject",
            person.authority.as_deref().unwrap_or(&person.name),
            None,
        ));
    }
    if let Some(summary) = &record.summary {
        out.push(("description", summary, None));
    }
    if let Some(archive) = &record.holding_archive {
        out.push(("publisher", archive, None));
    }
    for agent in &record.recipients {
        out.push(("contributor", &agent.name, None));
    }
    for name in record.translators.iter().chain(&record.contributors) {
        out.push(("contributor", name, None));
    }
    if let Some(date) = &record.date {
        out.push(("date", &date.edtf, None));
    }
    if let Some(doc_type) = &record.doc_type {
        out.push(("type", doc_type, None));
    }
    out.push(("type", "Text", None));
    out.push(("identifier", page, None));
    if let Some(url) = &record.source_url {
        out.push(("identifier", url, None));
    }
    if let Some(reference) = &record.archival_reference {
        out.push(("source", &reference.verbatim, None));
    }
    if let Some(edition) = &record.edition {
        out.push(("source", &edition.title, None));
    }
    if let Some(language) = &record.original_language {
        out.push(("language", language, None));
    }
    for text in &record.texts {
        out.push(("language", &text.language, None));
    }
    for collection in &record.collections {
        out.push(("relation", collection, None));
    }
    for place in &record.places {
        out.push(("coverage", &place.name, None));
    }
    if let Some(rights) = &record.rights {
        out.push(("rights", rights, None));
    }
    if let Some(uri) = &record.rights_uri {
        out.push(("rights", uri, None));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(element, value, _)| !value.trim().is_empty() && seen.insert((*element, *value)));
    let mut out: Vec<Statement<'a>> = out
        .into_iter()
        .map(|(e, v, l)| (e, Cow::Borrowed(v), l))
        .collect();
    // A machine-written summary is said to be one.
    if let (true, Some(summary), Some(described)) = (
        record.summary_machine,
        record.summary.as_deref(),
        record.described_summary(),
    ) {
        for (element, value, _) in &mut out {
            if *element == "description" && value.as_ref() == summary {
                *value = Cow::Owned(described.to_string());
            }
        }
    }
    // Aggregators find the images: the thumbnail beside the identifiers,
    // the manifest beside the relations, the files' formats.
    if let Some((manifest, thumbnail)) = iiif_links(record, base) {
        let after = |out: &[Statement<'a>], element: &str| {
            out.iter()
                .rposition(|(e, _, _)| *e == element)
                .map_or(out.len(), |i| i + 1)
        };
        let at = after(&out, "identifier");
        out.insert(at, ("identifier", Cow::Owned(thumbnail), None));
        let at = after(&out, "relation");
        out.insert(at, ("relation", Cow::Owned(manifest), None));
    }
    let mut formats: Vec<&str> = record.files.iter().map(|f| f.media_type.as_str()).collect();
    formats.sort_unstable();
    formats.dedup();
    let at = out
        .iter()
        .position(|(e, _, _)| *e == "identifier")
        .unwrap_or(out.len());
    for (i, format) in formats.into_iter().enumerate() {
        out.insert(at + i, ("format", Cow::Borrowed(format), None));
    }
    out
}

/// Whether a language tag is a plain ISO 639 code that `xml:lang` may carry.
fn is_language_code(tag: &str) -> bool {
    (2..=3).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_lowercase())
}

/// Writes `<oai_dc:dc>` for a record whose public page is `page`, on the
/// site at `base`.
pub fn write(out: &mut XmlOut, record: &Record, page: &str, base: &str) {
    out.start(
        "oai_dc:dc",
        &[
            ("xmlns:oai_dc", OAI_DC_NAMESPACE),
            ("xmlns:dc", DC_NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                &format!("{OAI_DC_NAMESPACE} {OAI_DC_SCHEMA}"),
            ),
        ],
    );
    for (element, value, language) in statements(record, page, base) {
        let name = format!("dc:{element}");
        match language.filter(|l| is_language_code(l)) {
            Some(lang) => out.element(&name, &[("xml:lang", lang)], &value),
            None => out.element(&name, &[], &value),
        }
    }
    out.end("oai_dc:dc");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, AlternativeTitle, Provenance, RecordDate};

    #[test]
    fn every_mapped_field_appears_once_in_its_element() {
        let provenance = Provenance {
            format: "csv".into(),
            origin: "csv:x".into(),
            file: "m.csv".into(),
            line: None,
            sha256: String::new(),
            imported_at: String::new(),
            layout: None,
        };
        let mut r = Record::new("x-1".into(), "朴先生".into(), provenance);
        r.alternative_titles.push(AlternativeTitle {
            text: "Mr. Park".into(),
            language: Some("en".into()),
            kind: "translated".into(),
        });
        r.creators.push(Agent::named("李箕永"));
        r.recipients.push(Agent::named("Stalin"));
        r.date = Some(RecordDate::new("1926-11", None).unwrap());
        r.original_language = Some("ko".into());
        r.collections.push("별건곤 (Pyŏlgŏn'gon)".into());
        r.translators.push("Gary".into());
        r.contributors.push("Gary".into());
        let s = statements(&r, "https://a.example/records/x-1", "https://a.example");
        let of = |e: &str| -> Vec<&str> {
            s.iter()
                .filter(|(el, _, _)| *el == e)
                .map(|(_, v, _)| v.as_ref())
                .collect()
        };
        assert_eq!(of("title"), ["朴先生", "Mr. Park"]);
        assert_eq!(of("creator"), ["李箕永"]);
        assert_eq!(of("contributor"), ["Stalin", "Gary"]);
        assert_eq!(of("date"), ["1926-11"]);
        assert_eq!(of("type"), ["Text"]);
        assert_eq!(of("identifier"), ["https://a.example/records/x-1"]);
        assert_eq!(of("language"), ["ko"]);
        assert_eq!(of("relation"), ["별건곤 (Pyŏlgŏn'gon)"]);
        let mut out = XmlOut::new();
        write(
            &mut out,
            &r,
            "https://a.example/records/x-1",
            "https://a.example",
        );
        let xml = out.finish();
        assert!(
            xml.contains("<dc:title xml:lang=\"en\">Mr. Park</dc:title>"),
            "{xml}"
        );
    }
}
