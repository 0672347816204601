//! Renders a record in the Wilson Center's record format.
//!
//! For a record imported from that format the result is the source file, byte
//! for byte ([`crate::model::SourceLayout`] carries what the layout needs).
//! Records from other sources get the same shape with a citation composed
//! from their fields.

use crate::model::{Record, TextVersion, language_name};

/// Prefix of `extra` keys that hold Wilson sections the model has no field
/// for (`wilson:Notes`): the importer writes them, this renderer gives them
/// back in place.
pub const EXTRA_SECTION_PREFIX: &str = "wilson:";

/// The record as a Wilson Markdown file.
pub fn render(record: &Record) -> String {
    let layout = record.provenance.layout.clone().unwrap_or_default();
    let mut out = String::new();
    for _ in 0..layout.leading_newlines {
        out.push('\n');
    }
    if let Some(display) = record.date.as_ref().and_then(|d| d.display.as_deref()) {
        out.push_str(&format!("**{display}**  \n"));
    }
    out.push_str("**");
    out.push_str(&rebreak(&record.title, &layout.title_breaks));
    out.push_str("**\n\n");
    let citation = record
        .citation
        .clone()
        .unwrap_or_else(|| composed_citation(record));
    section(&mut out, "Citation", &citation);
    if let Some(summary) = &record.summary {
        section(&mut out, "Summary", summary);
    }
    if let Some(lang) = &record.original_language {
        section(
            &mut out,
            "Original Language",
            language_name(lang).unwrap_or(lang),
        );
    }
    for (key, value) in &record.extra {
        if let Some(name) = key.strip_prefix(EXTRA_SECTION_PREFIX) {
            section(&mut out, name, value);
        }
    }
    out.push_str("**Contents:**\n\n");
    let versions: Vec<String> = record.texts.iter().map(version).collect();
    out.push_str(&versions.join("\n\n"));
    if layout.final_newline {
        out.push('\n');
    }
    out
}

fn section(out: &mut String, name: &str, content: &str) {
    out.push_str(&format!("**{name}:**\n\n{content}\n\n"));
}

fn version(text: &TextVersion) -> String {
    let label = text.label.clone().unwrap_or_else(|| {
        let language = language_name(&text.language).unwrap_or(&text.language);
        format!("{} - {language}", text.kind.label())
    });
    format!("{label}\n\n{}", text.body)
}

/// Puts back the line breaks the page had in the title.
fn rebreak(title: &str, breaks: &[usize]) -> String {
    let mut out = String::with_capacity(title.len() + breaks.len() * 2);
    let mut last = 0;
    for &at in breaks {
        if at < last
            || at >= title.len()
            || !title.is_char_boundary(at)
            || &title[at..at + 1] != " "
        {
            continue;
        }
        out.push_str(&title[last..at]);
        out.push_str("  \n");
        last = at + 1;
    }
    out.push_str(&title[last..]);
    out
}

/// A citation in the archive's own pattern, for records that bring none.
fn composed_citation(record: &Record) -> String {
    let mut parts = vec![format!("\"{}\"", record.title)];
    if let Some(date) = record.date.as_ref() {
        parts.push(date.display.clone().unwrap_or_else(|| date.edtf.clone()));
    }
    if let Some(archive) = &record.holding_archive {
        parts.push(archive.clone());
    }
    if let Some(reference) = &record.archival_reference {
        parts.push(reference.verbatim.clone());
    }
    let mut citation = parts.join(", ");
    citation.push('.');
    if let Some(url) = &record.source_url {
        citation.push_str(&format!(" <{url}>"));
    }
    citation
}
