//! The `source` style: the citation as the holding archive gives it.
//!
//! A record imported with a citation (a Wilson record's `**Citation:**`
//! paragraph, a manifest's `source` column) is cited with it verbatim,
//! character for character. A record without one (a TEI edition such as
//! FRUS) gets one built in the Wilson Center's shape from what the record
//! holds:
//!
//! `"Title", Date, Holding archive, Archival reference. Edition, Document N.
//! Contributed by … and translated by …. <source URL>`
//!
//! where the archival reference is the first sentence of the verbatim
//! reference (a FRUS source note goes on with classification and drafting
//! details, which are not part of where the document is).

use super::item::{Citable, first_sentence};
use crate::model::Record;

/// The holding archive's citation, or one built in its shape.
pub fn citation(record: &Record, c: &Citable) -> String {
    if let Some(citation) = &record.citation {
        return citation.clone();
    }
    let mut head = vec![format!("\"{}\"", record.title)];
    if let Some(d) = &record.date {
        head.push(d.display.clone().unwrap_or_else(|| d.edtf.clone()));
    }
    head.extend(record.holding_archive.clone());
    if let Some(r) = &record.archival_reference {
        let sentence = first_sentence(&r.verbatim);
        if !sentence.is_empty() {
            head.push(sentence);
        }
    }
    let mut sentences = vec![head.join(", ")];
    if let Some(e) = &record.edition {
        let mut edition = e.title.clone();
        if let Some(n) = &e.number {
            edition.push_str(&format!(", Document {n}"));
        }
        sentences.push(edition);
    }
    let contributors = c.contributors.join(" and ");
    let translators = c
        .translators
        .iter()
        .map(|n| n.display())
        .collect::<Vec<_>>()
        .join(" and ");
    match (contributors.is_empty(), translators.is_empty()) {
        (false, false) => sentences.push(format!(
            "Contributed by {contributors} and translated by {translators}"
        )),
        (false, true) => sentences.push(format!("Contributed by {contributors}")),
        (true, false) => sentences.push(format!("Translated by {translators}")),
        (true, true) => {}
    }
    let mut out = sentences
        .iter()
        .map(|s| format!("{}.", s.trim_end_matches('.')))
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(url) = &record.source_url {
        out.push_str(&format!(" <{url}>"));
    }
    out
}
