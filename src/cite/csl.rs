//! Chicago, MLA and APA through CSL: the CSL-JSON item of [`super::csl_json`]
//! rendered by hayagriva with the styles it ships (Chicago Manual of Style
//! 18th edition notes and bibliography, MLA 9th edition, APA 7th edition).
//!
//! The rendered text comes back as a tree of formatted pieces; [`Markup`]
//! writes it as plain text, or as HTML with italics as `<i>` and every piece
//! of text escaped (the styles' output is never trusted as markup).

use super::CiteError;
use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::json::Item;
use hayagriva::citationberg::{FontStyle, IndependentStyle, Locale, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild, ElemChildren,
};
use std::sync::OnceLock;

/// The CSL styles used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CslStyle {
    /// Chicago 18th, notes and bibliography.
    ChicagoNotes,
    /// MLA 9th.
    Mla,
    /// APA 7th.
    Apa,
}

/// How rendered text is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// Plain text.
    Plain,
    /// HTML: italics as `<i>`, links as `<a>`, all text escaped.
    Html,
}

/// A rendered citation: the note (for note styles) and the bibliography
/// entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The footnote form, for note styles.
    pub note: Option<String>,
    /// The bibliography (reference list, works cited) entry.
    pub bibliography: String,
}

fn style(which: CslStyle) -> Result<&'static IndependentStyle, CiteError> {
    static CHICAGO: OnceLock<Option<IndependentStyle>> = OnceLock::new();
    static MLA: OnceLock<Option<IndependentStyle>> = OnceLock::new();
    static APA: OnceLock<Option<IndependentStyle>> = OnceLock::new();
    let (cell, archived) = match which {
        CslStyle::ChicagoNotes => (&CHICAGO, ArchivedStyle::ChicagoNotes),
        CslStyle::Mla => (&MLA, ArchivedStyle::ModernLanguageAssociation),
        CslStyle::Apa => (&APA, ArchivedStyle::AmericanPsychologicalAssociation),
    };
    cell.get_or_init(|| match archived.get() {
        Style::Independent(s) => Some(s),
        Style::Dependent(_) => None,
    })
    .as_ref()
    .ok_or(CiteError::Style(archived.names()[0]))
}

fn locales() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(hayagriva::archive::locales)
}

/// Renders a CSL-JSON item in a style.
pub fn render(
    item: &serde_json::Value,
    which: CslStyle,
    markup: Markup,
) -> Result<Rendered, CiteError> {
    let item: Item =
        serde_json::from_value(for_rendering(item)).map_err(|e| CiteError::Item(e.to_string()))?;
    let style = style(which)?;
    let locales = locales();
    // hayagriva asserts some of its expectations with panics; data that
    // trips one is refused like any other bad item, not allowed to abort.
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::new(
            vec![CitationItem::with_entry(&item)],
            style,
            None,
            locales,
            Some(1),
        ));
        driver.finish(BibliographyRequest::new(style, None, locales))
    }))
    .map_err(|_| CiteError::Item("the CSL processor failed on it".into()))?;
    let location = item.0.get("archive_location").and_then(|v| v.to_str());
    let finish = |children: &ElemChildren| {
        keep_location_case(write(children, markup), location.as_deref(), markup)
    };
    let note = match which {
        CslStyle::ChicagoNotes => rendered.citations.first().map(|c| finish(&c.citation)),
        _ => None,
    };
    let bibliography = rendered
        .bibliography
        .as_ref()
        .and_then(|b| b.items.first())
        .map(|i| finish(&i.content))
        .ok_or(CiteError::Empty)?;
    let bibliography = match which {
        CslStyle::Apa => apa_translator_label(bibliography),
        _ => bibliography,
    };
    Ok(Rendered { note, bibliography })
}

/// Styles capitalise the first word of a sentence, and an archive location
/// may begin one ("… 1948. F. 558, op. 11"); archival abbreviations are
/// lower case ("f." is fond, "F." is not), so the location is put back as
/// written wherever a style capitalised its first letter.
fn keep_location_case(text: String, location: Option<&str>, markup: Markup) -> String {
    let Some(location) = location else {
        return text;
    };
    let mut chars = location.chars();
    let Some(first) = chars.next().filter(|c| c.is_lowercase()) else {
        return text;
    };
    let capitalised: String = first.to_uppercase().chain(chars).collect();
    match markup {
        Markup::Plain => text.replace(&capitalised, location),
        Markup::Html => text.replace(&escape(&capitalised), &escape(location)),
    }
}

/// APA 7 writes the translator's role title-cased, "(G. Goldberg, Trans.)";
/// the APA style asks for that (`text-case="title"` on the label), but
/// hayagriva prints the locale's term as it is, "trans.". The label is put
/// right where it closes the translator's parenthesis (the editors' "(Eds.)"
/// comes out right already).
fn apa_translator_label(text: String) -> String {
    text.replace(", trans.)", ", Trans.)")
}

/// The item as hayagriva can render it: it renders single dates only (a
/// range would stop it), so a range is given as its first date.
fn for_rendering(item: &serde_json::Value) -> serde_json::Value {
    let mut item = item.clone();
    if let Some(parts) = item
        .pointer_mut("/issued/date-parts")
        .and_then(|p| p.as_array_mut())
    {
        parts.truncate(1);
    }
    item
}

fn write(children: &ElemChildren, markup: Markup) -> String {
    let mut out = String::new();
    write_children(children, markup, &mut out);
    // Styles end notes and entries with a full stop; trailing spaces are
    // layout, not text.
    out.trim().to_string()
}

fn write_children(children: &ElemChildren, markup: Markup, out: &mut String) {
    for child in &children.0 {
        match child {
            ElemChild::Text(t) => write_text(&t.text, t.formatting.font_style, markup, out),
            ElemChild::Elem(e) => write_children(&e.children, markup, out),
            ElemChild::Markup(m) => write_text(m, FontStyle::Normal, markup, out),
            ElemChild::Link { text, url } => match markup {
                Markup::Plain => out.push_str(&text.text),
                Markup::Html => {
                    out.push_str("<a href=\"");
                    out.push_str(&escape(url));
                    out.push_str("\">");
                    write_text(&text.text, text.formatting.font_style, markup, out);
                    out.push_str("</a>");
                }
            },
            ElemChild::Transparent { .. } => {}
        }
    }
}

fn write_text(text: &str, font: FontStyle, markup: Markup, out: &mut String) {
    match (markup, font) {
        (Markup::Plain, _) => out.push_str(text),
        (Markup::Html, FontStyle::Italic) => {
            out.push_str("<i>");
            out.push_str(&escape(text));
            out.push_str("</i>");
        }
        (Markup::Html, FontStyle::Normal) => out.push_str(&escape(text)),
    }
}

fn escape(text: &str) -> String {
    crate::html::escape(text)
}
