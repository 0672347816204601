//! A record as an index document, and its facet values.
//!
//! Invariants:
//! - [`facet_values`] is the one rule for a record's facet values: the
//!   index counts what it gives, and tests count it over the store.
//! - Text versions go into the body field of their language's analyzer,
//!   in record order, and the stored `versions` map says which value of
//!   which field is which version (what a hit's [`super::Matched`] reads).
//! - Undated records hold `(i64::MAX, i64::MIN)` as their day bounds, so
//!   no date range holds them.

use super::analysis::Analyzer;
use super::entities;
use super::names::{self, NameAuthority};
use super::query::{day_bounds, day_number};
use super::schema::{Facet, Fields, body_field_name};
use super::scripts;
use crate::model::{Record, TextKind, Visibility};
use tantivy::TantivyDocument;

/// What joins the levels of an arrangement path in a [`Facet::Level`]
/// value (`RGASPI › f. 558 › op. 11`).
pub const LEVEL_SEPARATOR: &str = " › ";

/// The decade facet value of a year (`1948` → `1940`).
pub(super) fn decade(year: i64) -> String {
    format!("{:04}", year.div_euclid(10) * 10)
}

/// The facet values of a record: what the index counts, and what a test
/// counts over the store. A record counts in the year (and decade) its date
/// starts in.
pub fn facet_values(record: &Record, authority: &NameAuthority) -> Vec<(Facet, String)> {
    let mut out = Vec::new();
    if let Some((Some(lo), _)) = record.date.as_ref().map(|d| d.bounds()) {
        out.push((Facet::Year, format!("{:04}", lo.year)));
        out.push((Facet::Decade, decade(lo.year)));
    }
    if let Some(l) = &record.original_language {
        out.push((Facet::Language, l.clone()));
    }
    if let Some(t) = &record.doc_type {
        out.push((Facet::Type, t.clone()));
    }
    for c in &record.creators {
        out.push((Facet::Creator, entities::person_label(c, authority)));
    }
    for a in record
        .creators
        .iter()
        .chain(&record.recipients)
        .chain(&record.people)
    {
        out.push((Facet::Person, entities::person_label(a, authority)));
    }
    for p in &record.places {
        let name = p.name.trim();
        if !name.is_empty() {
            out.push((Facet::Place, name.to_string()));
        }
    }
    for s in &record.subjects {
        let s = s.trim();
        if !s.is_empty() {
            out.push((Facet::Subject, s.to_string()));
        }
    }
    for levels in record.arrangements() {
        for depth in 1..=levels.len() {
            out.push((Facet::Level, levels[..depth].join(LEVEL_SEPARATOR)));
        }
    }
    for c in &record.collections {
        out.push((Facet::Collection, c.clone()));
    }
    let repository = record
        .archival_reference
        .as_ref()
        .and_then(|a| a.repository.clone())
        .or_else(|| record.holding_archive.clone());
    if let Some(r) = repository {
        out.push((Facet::Repository, r));
    }
    out.sort();
    out.dedup();
    out
}

/// About how many bytes the index document of `record` holds, for the
/// staging pipeline's bound: its texts twice (each body, and the readings
/// and names drawn from them), and a kilobyte for the short fields.
pub(super) fn estimated_bytes(record: &Record) -> usize {
    2 * record.text_bytes() + 1024
}

/// The index document of a record; names are widened with every form
/// `authority` knows.
pub(super) fn document(
    fields: &Fields,
    authority: &NameAuthority,
    record: &Record,
) -> TantivyDocument {
    let f = fields;
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &record.id);
    doc.add_text(f.title, &record.title);
    for t in &record.alternative_titles {
        doc.add_text(f.title, &t.text);
    }
    let meta = [
        record.summary.as_deref(),
        record.doc_type.as_deref(),
        record.holding_archive.as_deref(),
        record
            .archival_reference
            .as_ref()
            .map(|a| a.verbatim.as_str()),
        record.edition.as_ref().map(|e| e.title.as_str()),
    ];
    for m in meta.into_iter().flatten() {
        doc.add_text(f.meta, m);
    }
    for c in record.collections.iter().chain(&record.subjects) {
        doc.add_text(f.meta, c);
        doc.add_text(f.collection, c);
    }
    let mut names = names::record_name_forms(record);
    let widened: Vec<String> = names
        .iter()
        .filter_map(|n| authority.forms_of(n))
        .flatten()
        .cloned()
        .collect();
    names.extend(widened);
    names.sort();
    names.dedup();
    let mut readings = String::new();
    scripts::append_reading_terms(&record.title, &mut readings);
    for n in &names {
        doc.add_text(f.names, n);
        scripts::append_reading_terms(n, &mut readings);
    }
    for c in &record.creators {
        doc.add_text(f.creator, &c.name);
        for form in c.authority.iter().chain(&c.variants) {
            doc.add_text(f.creator, form);
        }
        for form in authority.forms_of(&c.name).into_iter().flatten() {
            doc.add_text(f.creator, form);
        }
    }
    if let Some(t) = &record.doc_type {
        doc.add_text(f.doc_type, t);
    }
    if let Some(l) = &record.original_language {
        doc.add_text(f.language, l.to_lowercase());
    }
    if let Some(a) = &record.archival_reference
        && let Some(r) = &a.repository
    {
        doc.add_text(f.repository, r);
    }
    if let Some(h) = &record.holding_archive {
        doc.add_text(f.repository, h);
    }
    let mut versions = String::new();
    for version in &record.texts {
        let analyzer = Analyzer::for_language(&version.language);
        // Markers and link targets are no words of the text (model::inline).
        let plain = crate::model::inline::plain(&version.body);
        doc.add_text(f.body(analyzer), plain.as_ref());
        if analyzer == Analyzer::Xx {
            scripts::append_reading_terms(&plain, &mut readings);
        }
        let kind = match version.kind {
            TextKind::Original => "original",
            TextKind::Transcription => "transcription",
            TextKind::Translation => "translation",
        };
        versions.push_str(&format!(
            "{}\t{kind}\t{}\n",
            body_field_name(analyzer),
            version.language
        ));
    }
    doc.add_text(f.versions, &versions);
    if !readings.is_empty() {
        doc.add_text(f.readings, &readings);
    }
    let (lo, hi) = record
        .date
        .as_ref()
        .and_then(day_bounds)
        .unwrap_or((i64::MAX, i64::MIN));
    doc.add_i64(f.date_lo, lo);
    doc.add_i64(f.date_hi, hi);
    if let Some(d) = &record.date {
        doc.add_text(f.edtf, &d.edtf);
    }
    if let Some((number, _, (width, height))) = crate::model::page_images(&record.files).next() {
        let image = super::results::PageImage {
            number,
            width,
            height,
        };
        doc.add_text(f.image, image.stored());
    }
    if let Some(t) = super::results::TranslatedTitle::of(record) {
        doc.add_text(f.translated_title, t.stored());
    }
    for (facet, value) in facet_values(record, authority) {
        doc.add_text(f.facet(facet), &value);
    }
    let (visibility, embargo) = match &record.visibility {
        Visibility::Published => ("published", i64::MIN),
        Visibility::Draft => ("draft", i64::MAX),
        Visibility::Withdrawn => ("withdrawn", i64::MAX),
        Visibility::Embargoed { until } => (
            "embargoed",
            crate::model::DateValue::parse_day(until)
                .map(|d| day_number(d.year, d.month, d.day))
                .unwrap_or(i64::MAX),
        ),
    };
    doc.add_text(f.visibility, visibility);
    doc.add_i64(f.embargo, embargo);
    doc
}
