//! Citing records: the holding archive's own citation (`source`), Chicago
//! notes and bibliography, MLA and APA (through CSL, with hayagriva), the
//! BibTeX, RIS and CSL-JSON files reference managers import, and the
//! Highwire `citation_*` tags Zotero reads from a record page.
//!
//! A domain module: records in, text out; it knows nothing of HTTP, SQL or
//! the terminal. Every style reads one mapping of the record
//! ([`item::Citable`]), so the formats agree with one another.
//!
//! Invariants:
//! - `source` is the holding archive's citation verbatim where the record has
//!   one ([`Record::citation`]); otherwise it is built in the same shape
//!   from the title, date, holding archive and archival reference.
//! - [`cite_html`] escapes everything that comes from the data; its only
//!   markup is `<i>`, `<a href>` and `<br>`, so a page may insert it as is.
//! - Bad data never panics: what cannot be rendered is a [`CiteError`].

mod bibtex;
mod csl;
mod csl_json;
mod highwire;
pub mod item;
mod ris;
mod source;

pub use highwire::highwire_tags;

use crate::model::Record;
use csl::{CslStyle, Markup};
use item::Citable;
use std::fmt;
use std::str::FromStr;

/// A citation style or file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// The citation as the holding archive gives it.
    Source,
    /// Chicago Manual of Style, notes and bibliography: the note, then the
    /// bibliography entry.
    Chicago,
    /// MLA, works-cited entry.
    Mla,
    /// APA, reference-list entry.
    Apa,
    /// A BibTeX (biblatex) entry.
    Bibtex,
    /// A RIS record.
    Ris,
    /// A CSL-JSON array with one item.
    CslJson,
}

impl Style {
    /// Every style, in the order a citation box lists them.
    pub const ALL: [Style; 7] = [
        Style::Source,
        Style::Chicago,
        Style::Mla,
        Style::Apa,
        Style::Bibtex,
        Style::Ris,
        Style::CslJson,
    ];

    /// The style's name on the command line and in URLs.
    pub fn name(self) -> &'static str {
        match self {
            Style::Source => "source",
            Style::Chicago => "chicago",
            Style::Mla => "mla",
            Style::Apa => "apa",
            Style::Bibtex => "bibtex",
            Style::Ris => "ris",
            Style::CslJson => "csl-json",
        }
    }

    /// Whether the style is a file format (for download) rather than text to
    /// read.
    pub fn is_file_format(self) -> bool {
        matches!(self, Style::Bibtex | Style::Ris | Style::CslJson)
    }

    /// The media type of the style's output.
    pub fn media_type(self) -> &'static str {
        match self {
            Style::Bibtex => "application/x-bibtex",
            Style::Ris => "application/x-research-info-systems",
            Style::CslJson => "application/vnd.citationstyles.csl+json",
            _ => "text/plain; charset=utf-8",
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Style {
    type Err = CiteError;
    fn from_str(s: &str) -> Result<Style, CiteError> {
        Style::ALL
            .into_iter()
            .find(|style| style.name() == s)
            .ok_or_else(|| CiteError::UnknownStyle(s.to_string()))
    }
}

/// What a citation needs besides the record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiteContext {
    /// This archive's page for the record (`{base}/records/{id}`); without it
    /// citations give the holding archive's URL.
    pub public_url: Option<String>,
    /// The day the record was consulted, for styles that print it.
    pub accessed: Option<time::Date>,
}

/// Why a citation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CiteError {
    /// The style name is not one fonds knows.
    #[error(
        "unknown citation style {0:?} (known: source, chicago, mla, apa, bibtex, ris, csl-json)"
    )]
    UnknownStyle(String),
    /// A bundled CSL style could not be loaded.
    #[error("the CSL style {0} could not be loaded")]
    Style(&'static str),
    /// The CSL item built from the record was refused by the CSL processor.
    #[error("the record cannot be given to the CSL processor: {0}")]
    Item(String),
    /// The style rendered nothing for the record.
    #[error("the style rendered nothing for the record")]
    Empty,
}

/// The citation of `record` in `style`, as plain text (or the file, for
/// BibTeX, RIS and CSL-JSON).
pub fn cite(record: &Record, style: Style, ctx: &CiteContext) -> Result<String, CiteError> {
    render(record, style, ctx, Markup::Plain)
}

/// The same citation for a web page: italics as `<i>…</i>`, the URL as a
/// link, and every piece of text from the record HTML-escaped; the Chicago
/// note and bibliography entry are separated by `<br>`. File formats are
/// escaped whole.
pub fn cite_html(record: &Record, style: Style, ctx: &CiteContext) -> Result<String, CiteError> {
    render(record, style, ctx, Markup::Html)
}

fn render(
    record: &Record,
    style: Style,
    ctx: &CiteContext,
    markup: Markup,
) -> Result<String, CiteError> {
    let citable = Citable::from_record(record, ctx.public_url.as_deref(), ctx.accessed);
    let escape = |text: String| match markup {
        Markup::Plain => text,
        Markup::Html => crate::html::escape(&text),
    };
    let csl = |which| csl::render(&csl_json::item(&citable), which, markup);
    Ok(match style {
        Style::Source => escape(source::citation(record, &citable)),
        Style::Chicago => {
            let r = csl(CslStyle::ChicagoNotes)?;
            let separator = match markup {
                Markup::Plain => "\n\n",
                Markup::Html => "<br>",
            };
            match r.note {
                Some(note) => format!("{note}{separator}{}", r.bibliography),
                None => r.bibliography,
            }
        }
        Style::Mla => csl(CslStyle::Mla)?.bibliography,
        Style::Apa => csl(CslStyle::Apa)?.bibliography,
        Style::Bibtex => escape(bibtex::render(&citable)),
        Style::Ris => escape(ris::render(&citable)),
        Style::CslJson => escape(csl_json::render(&citable)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Format, SourceFile, parse_file};

    fn demo(rel: &str, format: Format) -> Vec<Record> {
        let file = SourceFile {
            path: std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("demo")
                .join(rel),
            format,
        };
        parse_file(&file, "2026-01-01T00:00:00Z").unwrap().records
    }

    fn seed() -> Record {
        demo("wilson/208261.md", Format::Wilson).remove(0)
    }

    #[test]
    fn style_names_read_back() {
        for style in Style::ALL {
            assert_eq!(style.name().parse::<Style>(), Ok(style));
            assert_eq!(style.to_string(), style.name());
        }
        let err = "harvard".parse::<Style>().unwrap_err().to_string();
        assert!(err.contains("harvard") && err.contains("csl-json"), "{err}");
    }

    #[test]
    fn html_escapes_everything_from_the_data() {
        let mut record = seed();
        record.title = "<script>alert(1)</script> & \"Co\"".into();
        record.creators[0].name = "<b>Kim</b>".into();
        record.citation = None;
        let ctx = CiteContext {
            public_url: Some("https://fonds.example.org/records/x?a=1&b=\"<2>\"".into()),
            accessed: None,
        };
        for style in Style::ALL {
            let html = cite_html(&record, style, &ctx).unwrap();
            assert!(!html.contains("<script"), "{style}: {html}");
            assert!(!html.contains("<b>"), "{style}: {html}");
            assert!(html.contains("&lt;script&gt;"), "{style}: {html}");
            assert!(!html.contains("b=\"<2>"), "{style}: {html}");
            // Only the module's own markup is left once text is removed.
            let tags: Vec<&str> = html
                .split('<')
                .skip(1)
                .map(|t| t.split([' ', '>']).next().unwrap())
                .collect();
            assert!(
                tags.iter()
                    .all(|t| ["i", "/i", "a", "/a", "br"].contains(t)),
                "{style}: {tags:?}"
            );
            let plain = cite(&record, style, &ctx).unwrap();
            if !style.is_file_format() {
                assert!(
                    plain.contains("<script>"),
                    "{style}: plain text is not escaped"
                );
            }
        }
        let chicago = cite_html(&record, Style::Chicago, &ctx).unwrap();
        assert!(chicago.contains("<br>"), "{chicago}");
    }

    #[test]
    fn a_source_citation_is_built_when_the_record_has_none() {
        let mut record = seed();
        let given = record.citation.take().unwrap();
        let built = cite(&record, Style::Source, &CiteContext::default()).unwrap();
        // The seed's own citation is in exactly this shape, bar its verbatim
        // slips: the built one has the reference as written too.
        assert_eq!(built, given);
    }

    #[test]
    fn a_date_range_renders_without_panicking() {
        let mut record = seed();
        record.date = Some(crate::model::RecordDate::new("1960-11-09/1963-12-01", None).unwrap());
        for style in Style::ALL {
            cite(&record, style, &CiteContext::default()).unwrap();
        }
        let json = cite(&record, Style::CslJson, &CiteContext::default()).unwrap();
        let item: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            item[0]["issued"]["date-parts"],
            serde_json::json!([[1960, 11, 9], [1963, 12, 1]])
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any text in the fields a citation prints renders in every style
        /// without panicking, and the HTML holds no markup but the module's.
        #[test]
        fn any_text_cites_and_escapes(
            title in "[A-Za-z<>&\"'{}%$#_~^\\ .,:;()\n–ёЖ김金-]{1,40}",
            name in "[A-Za-z<>&\"' .,{}-]{1,20}",
            location in "[a-zA-Z0-9<>&., -]{0,20}",
        ) {
            let mut record = seed();
            record.title = title;
            record.creators[0].name = name.clone();
            record.creators[0].authority = Some(format!("{name}, {name}"));
            record.translators = vec![name];
            record.citation = None;
            if let Some(r) = record.archival_reference.as_mut() {
                r.fond = None;
                r.verbatim = location;
            }
            for style in Style::ALL {
                cite(&record, style, &CiteContext::default()).unwrap();
                let html = cite_html(&record, style, &CiteContext::default()).unwrap();
                for tag in html.split('<').skip(1) {
                    let name = tag.split([' ', '>']).next().unwrap();
                    proptest::prop_assert!(
                        ["i", "/i", "a", "/a", "br"].contains(&name),
                        "{style}: {html}"
                    );
                }
            }
        }
    }

    #[test]
    fn highwire_tags_describe_the_seed() {
        let tags = highwire_tags(&seed(), "https://fonds.example.org/records/208261");
        let get = |name: &str| -> Vec<&str> {
            tags.iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("citation_title"), [seed().title.as_str()]);
        // One name, in its order: a family name with no given name.
        assert_eq!(get("citation_author"), ["Kim Il Sung,"]);
        assert_eq!(get("citation_date"), ["1948/09/22"]);
        assert_eq!(get("citation_publication_date"), ["1948/09/22"]);
        assert_eq!(
            get("citation_public_url"),
            ["https://fonds.example.org/records/208261"]
        );
        assert_eq!(get("citation_language"), ["ru"]);
        // Zotero's item type, not the document type.
        assert_eq!(get("DC.type"), ["manuscript"]);
        assert_eq!(get("DC.creator"), ["Kim Il Sung"]);
        assert_eq!(get("DC.contributor"), ["Gary Goldberg"]);
        assert_eq!(get("DC.date"), ["1948-09-22"]);
        assert_eq!(get("DC.publisher"), ["Wilson Center Digital Archive"]);
        // Nothing Zotero would misfile: no journal from DC.source, no
        // publisher for a manuscript, no book title.
        for absent in [
            "DC.source",
            "citation_publisher",
            "citation_book_title",
            "citation_journal_title",
        ] {
            assert!(get(absent).is_empty(), "{absent}: {:?}", get(absent));
        }
    }

    #[test]
    fn highwire_tags_describe_a_document_in_an_edition() {
        let frus = demo("frus/frus1961-63v06.xml", Format::Tei)
            .into_iter()
            .find(|r| r.id == "frus1961-63v06d12")
            .unwrap();
        let tags = highwire_tags(&frus, "https://fonds.example.org/records/frus1961-63v06d12");
        let get = |name: &str| -> Vec<&str> {
            tags.iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("DC.type"), ["bookSection"]);
        assert_eq!(get("citation_author"), ["Khrushchev, Nikita S."]);
        assert_eq!(
            get("citation_editor"),
            ["Charles S. Sampson,", "Glenn W. LaFantasie,"]
        );
        assert_eq!(
            get("citation_book_title"),
            [
                "Foreign Relations of the United States, 1961–1963, Volume VI, Kennedy-Khrushchev Exchanges"
            ]
        );
        assert_eq!(get("citation_firstpage"), ["17"]);
        assert!(get("citation_lastpage").is_empty());
        assert_eq!(
            get("citation_publisher"),
            ["United States Government Printing Office"]
        );
    }
}
