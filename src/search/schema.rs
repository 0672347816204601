//! The index's schema: its fields, how each is indexed, and the facet
//! dimensions ([`Facet`]).
//!
//! Invariants:
//! - Field names, their order and their options are part of the on-disk
//!   index format: change them only with [`super::INDEX_FORMAT`].
//! - Every text version goes into the body field of its language's
//!   [`Analyzer`]; every facet dimension has a field of its own, which is
//!   also a column when the dimension is counted ([`Facet::is_counted`]).

use super::analysis::Analyzer;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// A facet dimension: what hits are counted and narrowed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    /// The year a record's date starts in.
    Year,
    /// That year's decade (`1940`).
    Decade,
    /// The original language.
    Language,
    /// The document type.
    Type,
    /// A creator.
    Creator,
    /// A collection.
    Collection,
    /// The holding repository.
    Repository,
    /// A person by, to, about or named in the record, by label
    /// ([`super::entities::person_label`]), whatever form the record uses.
    Person,
    /// A place the record names (where written, signed, mentioned).
    Place,
    /// A subject heading.
    Subject,
    /// A level of the arrangement the record sits in, as its whole path
    /// from the repository (`RGASPI › f. 558 › op. 11`): every level above
    /// the record is a value ([`crate::model::Record::arrangement`]).
    Level,
}

impl Facet {
    /// Every dimension, in display order.
    pub const ALL: [Facet; 11] = [
        Facet::Year,
        Facet::Decade,
        Facet::Language,
        Facet::Type,
        Facet::Creator,
        Facet::Collection,
        Facet::Repository,
        Facet::Person,
        Facet::Place,
        Facet::Subject,
        Facet::Level,
    ];

    /// Its name, in URLs and JSON (`year`, `decade`, …).
    pub fn name(self) -> &'static str {
        match self {
            Facet::Year => "year",
            Facet::Decade => "decade",
            Facet::Language => "language",
            Facet::Type => "type",
            Facet::Creator => "creator",
            Facet::Collection => "collection",
            Facet::Repository => "repository",
            Facet::Person => "person",
            Facet::Place => "place",
            Facet::Subject => "subject",
            Facet::Level => "level",
        }
    }

    /// The dimension of this name, if any.
    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The index field holding its values.
    fn field_name(self) -> &'static str {
        match self {
            Facet::Year => "facet_year",
            Facet::Decade => "facet_decade",
            Facet::Language => "facet_language",
            Facet::Type => "facet_type",
            Facet::Creator => "facet_creator",
            Facet::Collection => "facet_collection",
            Facet::Repository => "facet_repository",
            Facet::Person => "facet_person",
            Facet::Place => "facet_place",
            Facet::Subject => "facet_subject",
            Facet::Level => "facet_level",
        }
    }

    /// Whether its values are counted from the index. The decade is not:
    /// it is summed from the years (a record's decade is its year's), which
    /// saves a column read per match.
    pub fn is_counted(self) -> bool {
        self != Facet::Decade
    }

    /// The counted dimensions, in display order.
    pub(super) fn counted() -> impl Iterator<Item = Facet> {
        Facet::ALL.into_iter().filter(|f| f.is_counted())
    }

    /// The columns of the counted dimensions, in that order.
    pub(super) fn counted_columns() -> Vec<String> {
        Facet::counted()
            .map(|f| f.field_name().to_string())
            .collect()
    }
}

impl std::fmt::Display for Facet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The body field of an analyzer's text versions (also the name the stored
/// map of versions gives it).
pub(super) fn body_field_name(analyzer: Analyzer) -> &'static str {
    match analyzer {
        Analyzer::En => "body_en",
        Analyzer::De => "body_de",
        Analyzer::Ru => "body_ru",
        Analyzer::Zh => "body_zh",
        Analyzer::Xx => "body_xx",
    }
}

/// The columns holding each record's first and last day.
pub(super) const DATE_COLUMNS: [&str; 2] = ["date_lo", "date_hi"];

/// The index's fields.
#[derive(Clone)]
pub(super) struct Fields {
    pub id: Field,
    pub title: Field,
    pub meta: Field,
    pub names: Field,
    /// The hangul readings of the runs of hanja in titles, names and Korean
    /// (and other `xx`) texts, each run (and its beginnings) one term
    /// ([`super::scripts::append_reading_terms`]).
    pub readings: Field,
    pub creator: Field,
    pub doc_type: Field,
    pub language: Field,
    pub collection: Field,
    pub repository: Field,
    /// One per analyzer, by [`Analyzer::index`].
    bodies: [Field; Analyzer::ALL.len()],
    /// Which value of which body field is which text version.
    pub versions: Field,
    pub date_lo: Field,
    pub date_hi: Field,
    pub edtf: Field,
    /// The first page image (`PageImage::stored`), for hit thumbnails.
    pub image: Field,
    /// The record's translated title (`TranslatedTitle::stored`), shown
    /// beside the title in hits.
    pub translated_title: Field,
    /// One per dimension, in the order of [`Facet::ALL`].
    facets: [Field; Facet::ALL.len()],
    pub visibility: Field,
    pub embargo: Field,
    /// The store revision the document was made from (a column), so that
    /// a check can hold the index against the store.
    pub revision: Field,
}

impl Fields {
    /// The body field of an analyzer's text versions.
    pub fn body(&self, analyzer: Analyzer) -> Field {
        self.bodies[analyzer.index()]
    }

    /// The body fields, in the order of [`Analyzer::ALL`].
    pub fn bodies(&self) -> &[Field] {
        &self.bodies
    }

    /// The field of a facet dimension.
    pub fn facet(&self, facet: Facet) -> Field {
        self.facets[facet as usize]
    }
}

/// Options of a text field analysed by `analyzer`.
fn text(analyzer: Analyzer, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyzer.tokenizer_name())
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// The schema and its fields.
pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text(Analyzer::En, true)),
        meta: b.add_text_field("meta", text(Analyzer::En, false)),
        names: b.add_text_field("names", text(Analyzer::Xx, false)),
        readings: b.add_text_field(
            "readings",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(super::analysis::RUNS)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        creator: b.add_text_field("creator", text(Analyzer::Xx, false)),
        doc_type: b.add_text_field("type", text(Analyzer::Xx, false)),
        language: b.add_text_field("language", STRING),
        collection: b.add_text_field("collection", text(Analyzer::Xx, false)),
        repository: b.add_text_field("repository", text(Analyzer::Xx, false)),
        bodies: Analyzer::ALL.map(|a| b.add_text_field(body_field_name(a), text(a, true))),
        versions: b.add_text_field("versions", STORED),
        date_lo: b.add_i64_field(DATE_COLUMNS[0], INDEXED | FAST),
        date_hi: b.add_i64_field(DATE_COLUMNS[1], INDEXED | FAST),
        edtf: b.add_text_field("edtf", STORED),
        image: b.add_text_field("image", STORED),
        translated_title: b.add_text_field("translated_title", STORED),
        // Every dimension filters through its field; the counted ones are
        // also columns.
        facets: Facet::ALL.map(|facet| {
            let options = if facet.is_counted() {
                STRING | FAST
            } else {
                STRING
            };
            b.add_text_field(facet.field_name(), options)
        }),
        visibility: b.add_text_field("visibility", STRING),
        embargo: b.add_i64_field("embargo", INDEXED | FAST),
        revision: b.add_u64_field("revision", FAST),
    };
    (b.build(), fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are in URLs and JSON, the field names in the index.
    #[test]
    fn facet_names_go_both_ways() {
        let names = Facet::ALL.map(Facet::name);
        assert_eq!(
            names,
            [
                "year",
                "decade",
                "language",
                "type",
                "creator",
                "collection",
                "repository",
                "person",
                "place",
                "subject",
                "level"
            ]
        );
        assert_eq!(names.map(Facet::from_name), Facet::ALL.map(Some));
        assert!(
            Facet::ALL
                .iter()
                .all(|f| f.field_name() == format!("facet_{f}"))
        );
        assert_eq!(Facet::from_name("colour"), None);
        assert_eq!(Facet::from_name("Year"), None);
    }

    #[test]
    fn every_analyzer_has_its_body_field() {
        let (schema, fields) = schema();
        for analyzer in Analyzer::ALL {
            assert_eq!(
                schema.get_field(body_field_name(analyzer)).ok(),
                Some(fields.body(analyzer))
            );
            assert_eq!(body_field_name(analyzer), format!("body_{analyzer}"));
        }
    }
}
