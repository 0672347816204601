//! View models: what a page shows, worked out from records and search
//! results, so that templates only lay it out.
//!
//! Invariants: values here are plain text (the templates escape them); the
//! only HTML is [`HitView::snippet`], built by [`snippet_html`] from the
//! search module's plain text and match ranges: escaped text and `<mark>`;
//! and a text's paragraphs and notes ([`VersionView::paragraphs`],
//! [`NoteView::html`]), built by [`paragraph_html`] from the inline
//! convention of [`crate::model::inline`]: escaped text, note markers and
//! links. Links built from data are relative to the site (record
//! identifiers percent-encoded as one path segment) or checked to be
//! `http(s)` before they become an `href`.

use crate::model::{
    Agent, ArchivalReference, Record, TextKind, TextVersion, genre, language_code, language_name,
};
use crate::search::{Facet, FacetCount, Hit, SearchResults, Snippet, TranslatedTitle};

/// One line of a description list.
#[derive(Debug, Clone)]
pub struct Field {
    /// The label.
    pub label: String,
    /// The value.
    pub value: String,
}

fn field(label: &str, value: impl Into<String>) -> Field {
    Field {
        label: label.to_string(),
        value: value.into(),
    }
}

/// A person or body as a page shows it.
#[derive(Debug, Clone)]
pub struct AgentView {
    /// Name as the source gives it.
    pub name: String,
    /// Title and role, if any ("Generalissimo", "sender").
    pub detail: String,
    /// Link for the name: a search for it (the creator field for a
    /// creator, the name as a phrase anywhere otherwise); the record page
    /// replaces it with the person's page (`/people/{key}`), which needs
    /// the index's name authority.
    pub href: String,
}

impl AgentView {
    fn creator(agent: &Agent) -> AgentView {
        AgentView::new(agent, phrase_query("creator", &agent.name))
    }

    fn named(agent: &Agent) -> AgentView {
        AgentView::new(agent, format!("\"{}\"", agent.name.replace('"', " ")))
    }

    fn new(agent: &Agent, query: String) -> AgentView {
        let detail = [agent.title.as_deref(), agent.role.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        AgentView {
            name: agent.name.clone(),
            detail,
            href: search_href(&[("q", &query)]),
        }
    }
}

/// A query `field:"value"` with the value's quotes dropped.
fn phrase_query(field: &str, value: &str) -> String {
    format!("{field}:\"{}\"", value.replace('"', " "))
}

/// A link to the search page with these parameters.
pub fn search_href(params: &[(&str, &str)]) -> String {
    format!("/search?{}", encode(params))
}

/// URL-encodes query parameters.
pub fn encode(params: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(params).unwrap_or_default()
}

/// A text version's heading and body.
#[derive(Debug, Clone)]
pub struct VersionView {
    /// `original`, `transcription`, `translation`.
    pub kind: String,
    /// "Original", "Translation"…
    pub kind_label: String,
    /// BCP 47 tag for the `lang` attribute (the version's ISO 639 code).
    pub lang: String,
    /// The language's name.
    pub language: String,
    /// Who translated it.
    pub translator: Option<String>,
    /// A machine translation (flagged on the page).
    pub machine: bool,
    /// A label the source gives the version.
    pub label: Option<String>,
    /// Paragraphs, as safe HTML ([`paragraph_html`]: escaped text, line
    /// breaks kept, note markers and links made links).
    pub paragraphs: Vec<String>,
}

impl VersionView {
    fn new(text: &TextVersion, marks: &mut NoteMarks) -> VersionView {
        let kind_label = match text.kind {
            TextKind::Original => "Original",
            TextKind::Transcription => "Transcription",
            TextKind::Translation => "Translation",
        };
        VersionView {
            kind: text.kind.label().to_lowercase(),
            kind_label: kind_label.to_string(),
            lang: if text.language.is_empty() {
                "und".to_string()
            } else {
                text.language.clone()
            },
            language: language_label(&text.language),
            translator: text.translator.clone(),
            machine: text.machine_translation,
            label: text.label.clone(),
            paragraphs: paragraphs(&text.body)
                .iter()
                .map(|p| paragraph_html(p, marks))
                .collect(),
        }
    }

    /// "Translation — English (machine translation)".
    pub fn heading(&self) -> String {
        format!("{} — {}", self.kind_label, self.language)
    }
}

/// A language code's name, or the code.
pub fn language_label(code: &str) -> String {
    language_name(code).unwrap_or(code).to_string()
}

/// A language as a `lang` attribute's value: a code as it is, a name the
/// language table knows as its code; `None` for what is neither (a name
/// the table does not know, which no `lang` attribute may hold).
pub fn lang_tag(language: &str) -> Option<String> {
    let language = language.trim();
    if let Some(code) = language_code(language) {
        return Some(code.to_string());
    }
    let mut subtags = language.split('-');
    let primary = subtags.next().unwrap_or("");
    let well_formed = (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && subtags
            .all(|t| (1..=8).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric()));
    well_formed.then(|| language.to_string())
}

/// A title shown beside the record's own: its text and its `lang`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleBeside {
    /// The translated title.
    pub text: String,
    /// Its `lang` attribute value (empty when unknown).
    pub lang: String,
}

/// The record's title's `lang` (empty when unknown) and its translated
/// title, if any. A title that has a translation beside it is in the
/// original's language (so it is marked with the original language); one
/// without is in the description's, the page's own.
pub fn titles(t: Option<&TranslatedTitle>) -> (String, Option<TitleBeside>) {
    match t {
        None => (String::new(), None),
        Some(t) => (
            t.title_language
                .as_deref()
                .and_then(lang_tag)
                .unwrap_or_default(),
            Some(TitleBeside {
                text: t.text.clone(),
                lang: t.language.as_deref().and_then(lang_tag).unwrap_or_default(),
            }),
        ),
    }
}

/// The flag shown with a machine-written summary (on the record page, and
/// wherever the summary is given as a description).
pub use crate::model::MACHINE_SUMMARY_FLAG;

/// Splits a text body into paragraphs at blank lines; keeps line breaks
/// inside a paragraph (shown with `white-space: pre-line`), drops Markdown's
/// trailing hard-break spaces.
pub fn paragraphs(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// How the text versions are laid out.
#[derive(Debug, Clone)]
pub enum TextLayout {
    /// No text.
    None,
    /// Original and translation side by side, paragraph by paragraph
    /// (their paragraphs correspond one to one).
    Aligned {
        /// The original (or transcription).
        original: VersionView,
        /// The translation.
        translation: VersionView,
        /// Pairs of paragraphs (safe HTML, as [`VersionView::paragraphs`]).
        rows: Vec<(String, String)>,
    },
    /// Original and translation side by side as two whole columns.
    Columns {
        /// The original (or transcription).
        original: VersionView,
        /// The translation.
        translation: VersionView,
    },
    /// One version after another.
    Stacked(Vec<VersionView>),
}

/// The record page's content.
#[derive(Debug, Clone)]
pub struct RecordView {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// The title's `lang` where it differs from the page's (a Korean title
    /// beside its English translation); empty otherwise.
    pub title_lang: String,
    /// The title translated (a Korean record's English title).
    pub translated_title: Option<TitleBeside>,
    /// Date as displayed, and its EDTF form.
    pub date: Option<(String, String)>,
    /// The description list: every field the record has, in reading order.
    pub fields: Vec<Field>,
    /// Creators.
    pub creators: Vec<AgentView>,
    /// Recipients.
    pub recipients: Vec<AgentView>,
    /// Others named.
    pub people: Vec<AgentView>,
    /// The archival source, verbatim and parsed into levels.
    pub reference: Option<(String, Vec<Field>)>,
    /// The holding archive's page for the document (checked `http(s)`).
    pub source_url: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Whether the summary is machine-written (flagged on the page).
    pub summary_machine: bool,
    /// Collections, with search links.
    pub collections: Vec<(String, String)>,
    /// Subjects.
    pub subjects: Vec<String>,
    /// Notes and footnotes, in order, linked to and from their markers.
    pub notes: Vec<NoteView>,
    /// The citation as the holding archive gives it.
    pub source_citation: Option<String>,
    /// The text versions.
    pub texts: TextLayout,
    /// Versions not shown in the parallel view.
    pub more_texts: Vec<VersionView>,
    /// Provenance and revision lines.
    pub provenance: Vec<Field>,
}

/// Only `http` and `https` links become `href`s.
pub fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then(|| url.trim().to_string())
}

impl RecordView {
    /// The view of a record at a revision.
    pub fn new(r: &Record, revision: u32, updated_at: &str) -> RecordView {
        let mut fields = Vec::new();
        for t in &r.alternative_titles {
            let label = match t.language.as_deref() {
                Some(lang) => format!("Title ({}, {})", t.kind, language_label(lang)),
                None => format!("Title ({})", t.kind),
            };
            fields.push(field(&label, t.text.clone()));
        }
        for d in &r.other_dates {
            let label = match &d.role {
                Some(role) => format!("Date ({role})"),
                None => "Other date".to_string(),
            };
            fields.push(field(&label, date_text(d.display.as_deref(), &d.edtf)));
        }
        if let Some(t) = &r.doc_type {
            fields.push(field("Type", genre::label(t)));
        }
        for p in &r.places {
            fields.push(field(&format!("Place ({})", p.role), p.name.clone()));
        }
        if let Some(a) = &r.holding_archive {
            fields.push(field("Holding archive", a.clone()));
        }
        if let Some(e) = &r.edition {
            let mut text = e.title.clone();
            for part in [&e.number, &e.pages, &e.publisher, &e.year]
                .into_iter()
                .flatten()
            {
                text.push_str(", ");
                text.push_str(part);
            }
            if !e.editors.is_empty() {
                text.push_str(&format!(" (ed. {})", e.editors.join(", ")));
            }
            fields.push(field("Published in", text));
        }
        if !r.contributors.is_empty() {
            fields.push(field("Contributed by", r.contributors.join("; ")));
        }
        if !r.translators.is_empty() {
            fields.push(field("Translated by", r.translators.join("; ")));
        }
        if let Some(lang) = &r.original_language {
            fields.push(field("Original language", language_label(lang)));
        }
        if let Some(rights) = &r.rights {
            fields.push(field("Rights", rights.clone()));
        }
        for (key, value) in &r.extra {
            let key = key.strip_prefix("wilson:").unwrap_or(key);
            fields.push(field(key, value.clone()));
        }

        let mut marks = NoteMarks::new(&r.notes);
        let (texts, more_texts) = layout(&r.texts, &mut marks);
        let p = &r.provenance;
        let mut provenance = vec![
            field("Identifier", r.id.clone()),
            field("Revision", format!("{revision}, recorded {updated_at}")),
            field(
                "Imported from",
                match p.line {
                    Some(line) => format!("{}:{} ({})", p.file, line, p.format),
                    None => format!("{} ({})", p.file, p.format),
                },
            ),
            field("Imported at", p.imported_at.clone()),
        ];
        if !p.sha256.is_empty() {
            provenance.push(field("Source file SHA-256", p.sha256.clone()));
        }
        let (title_lang, translated_title) = titles(TranslatedTitle::of(r).as_ref());
        RecordView {
            id: r.id.clone(),
            title: r.title.clone(),
            title_lang,
            translated_title,
            date: r.date.as_ref().map(|d| {
                (
                    d.display.clone().unwrap_or_else(|| d.edtf.clone()),
                    d.edtf.clone(),
                )
            }),
            fields,
            creators: r.creators.iter().map(AgentView::creator).collect(),
            recipients: r.recipients.iter().map(AgentView::named).collect(),
            people: r.people.iter().map(AgentView::named).collect(),
            reference: r
                .archival_reference
                .as_ref()
                .map(|a| (a.verbatim.clone(), reference_levels(a))),
            source_url: r.source_url.as_deref().and_then(safe_url),
            summary: r.summary.clone(),
            summary_machine: r.summary_machine,
            collections: r
                .collections
                .iter()
                .map(|c| (c.clone(), search_href(&[("q", "*"), ("collection", c)])))
                .collect(),
            subjects: r.subjects.clone(),
            notes: note_views(&r.notes, &marks),
            source_citation: r.citation.clone(),
            texts,
            more_texts,
            provenance,
        }
    }

    /// The flag a machine-written summary carries on the page.
    pub fn summary_flag(&self) -> &'static str {
        MACHINE_SUMMARY_FLAG
    }
}

fn date_text(display: Option<&str>, edtf: &str) -> String {
    match display {
        Some(d) if d != edtf => format!("{d} ({edtf})"),
        _ => edtf.to_string(),
    }
}

/// The parsed levels of an archival reference, labelled as archivists
/// write them.
fn reference_levels(a: &ArchivalReference) -> Vec<Field> {
    let mut out = Vec::new();
    let levels: [(&str, &Option<String>); 10] = [
        ("Repository", &a.repository),
        ("Fond", &a.fond),
        ("Opis", &a.opis),
        ("Delo", &a.delo),
        ("Papka", &a.papka),
        ("Record group", &a.record_group),
        ("Series", &a.series),
        ("Box", &a.r#box),
        ("Folder", &a.folder),
        ("Lot", &a.lot),
    ];
    for (label, value) in levels {
        if let Some(v) = value {
            out.push(field(label, v.clone()));
        }
    }
    if let Some(f) = &a.folios {
        out.push(field("Folios", f.display()));
    }
    out
}

/// Pairs the first original (or transcription) with the first translation;
/// paragraph by paragraph when their paragraphs correspond one to one.
/// Versions are rendered in page order, so that a note's first marker on
/// the page is the one its note links back to.
fn layout(texts: &[TextVersion], marks: &mut NoteMarks) -> (TextLayout, Vec<VersionView>) {
    let original = texts
        .iter()
        .position(|t| t.kind == TextKind::Original)
        .or_else(|| texts.iter().position(|t| t.kind == TextKind::Transcription));
    let translation = texts.iter().position(|t| t.kind == TextKind::Translation);
    let (Some(o), Some(t)) = (original, translation) else {
        return if texts.is_empty() {
            (TextLayout::None, Vec::new())
        } else {
            (
                TextLayout::Stacked(texts.iter().map(|t| VersionView::new(t, marks)).collect()),
                Vec::new(),
            )
        };
    };
    let original = VersionView::new(&texts[o], marks);
    let translation = VersionView::new(&texts[t], marks);
    let more = texts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != o && *i != t)
        .map(|(_, v)| VersionView::new(v, marks))
        .collect();
    if original.paragraphs.len() == translation.paragraphs.len() && original.paragraphs.len() > 1 {
        let rows = original
            .paragraphs
            .iter()
            .cloned()
            .zip(translation.paragraphs.iter().cloned())
            .collect();
        (
            TextLayout::Aligned {
                original,
                translation,
                rows,
            },
            more,
        )
    } else {
        (
            TextLayout::Columns {
                original,
                translation,
            },
            more,
        )
    }
}

/// A facet dimension's name for people.
pub fn facet_label(facet: Facet) -> &'static str {
    match facet {
        Facet::Year => "Year",
        Facet::Decade => "Decade",
        Facet::Language => "Original language",
        Facet::Type => "Type",
        Facet::Creator => "Creator",
        Facet::Collection => "Collection",
        Facet::Repository => "Repository",
        Facet::Person => "People",
        Facet::Place => "Places",
        Facet::Subject => "Subjects",
        Facet::Level => "Arrangement",
    }
}

/// A facet value for people (language codes become names; decades "1960s";
/// types the genre table knows "Story (소설)").
pub fn facet_value_label(dim: &str, value: &str) -> String {
    match dim {
        "language" => language_label(value),
        "decade" => format!("{value}s"),
        "type" => genre::label(value),
        _ => value.to_string(),
    }
}

/// A page image's still and thumbnail: IIIF image URLs (relative to the
/// site) of page `n` of record `id`, `width` pixels wide.
pub fn page_image_url(id: &str, n: usize, width: u32) -> String {
    format!(
        "{}/full/{width},/0/default.jpg",
        crate::iiif::image_service("", id, n)
    )
}

/// The widest still a record page shows without script.
const STILL_WIDTH: u32 = 1000;
/// The width of a thumbnail (page lists, search hits).
pub const THUMB_WIDTH: u32 = 120;

/// One page image of a record, as the reading room shows it.
#[derive(Debug, Clone)]
pub struct ScanPage {
    /// Its page number among the record's files (from 1).
    pub number: usize,
    /// Its label ("p. 1" when none was given).
    pub label: String,
    /// Its IIIF `info.json` (what the zoomable viewer opens).
    pub info: String,
    /// The still shown without script, and its size in CSS pixels.
    pub still: (String, u32, u32),
    /// Its thumbnail, and its size.
    pub thumb: (String, u32, u32),
    /// The record page showing this page (works without script).
    pub href: String,
}

/// A file of the original to download.
#[derive(Debug, Clone)]
pub struct FileLink {
    /// "p. 1 (PNG, 1.2 MB)".
    pub label: String,
    /// `/records/{id}/files/{n}`.
    pub href: String,
}

/// The original's pages beside the texts: a zoomable viewer with script, a
/// still image of the chosen page and links to every page without it.
#[derive(Debug, Clone)]
pub struct ScanView {
    /// The page images, in order.
    pub pages: Vec<ScanPage>,
    /// Which of `pages` is shown.
    pub current: usize,
    /// Every file, images and PDFs, for download.
    pub files: Vec<FileLink>,
    /// The viewer's pages (`info.json` URLs) as a JSON array.
    pub sources: String,
}

/// `width` scaled so that `width x height` fits `target` pixels wide.
fn scaled((width, height): (u32, u32), target: u32) -> (u32, u32) {
    let w = width.min(target);
    let h = (u64::from(height) * u64::from(w) / u64::from(width.max(1))).max(1);
    (w, u32::try_from(h).unwrap_or(u32::MAX))
}

/// "1.2 MB".
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{} KB", b.div_ceil(1 << 10)),
        b => format!("{b} bytes"),
    }
}

impl ScanView {
    /// The scan of `r`, showing page `wanted` (a page number; the first
    /// image when it names none); `None` when the record has no files.
    pub fn new(r: &Record, wanted: Option<usize>) -> Option<ScanView> {
        if r.files.is_empty() {
            return None;
        }
        let record_href = format!("/records/{}", path_segment(&r.id));
        let pages: Vec<ScanPage> = crate::model::page_images(&r.files)
            .map(|(n, file, size)| {
                let (sw, sh) = scaled(size, STILL_WIDTH);
                let (tw, th) = scaled(size, THUMB_WIDTH);
                ScanPage {
                    number: n,
                    label: file.label.clone().unwrap_or_else(|| format!("p. {n}")),
                    info: format!("{}/info.json", crate::iiif::image_service("", &r.id, n)),
                    still: (page_image_url(&r.id, n, sw), sw, sh),
                    thumb: (page_image_url(&r.id, n, tw), tw, th),
                    href: format!("{record_href}?page={n}#scan"),
                }
            })
            .collect();
        let current = wanted
            .and_then(|n| pages.iter().position(|p| p.number == n))
            .unwrap_or(0);
        let files = r
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let n = i + 1;
                let kind = match f.media_type.as_str() {
                    "application/pdf" => "PDF",
                    "image/png" => "PNG",
                    "image/tiff" => "TIFF",
                    _ => "JPEG",
                };
                let name = f.label.clone().unwrap_or_else(|| format!("p. {n}"));
                FileLink {
                    label: format!("{name} ({kind}, {})", size_text(f.bytes)),
                    href: format!("{record_href}/files/{n}"),
                }
            })
            .collect();
        let sources = serde_json::to_string(&pages.iter().map(|p| &p.info).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        Some(ScanView {
            pages,
            current,
            files,
            sources,
        })
    }

    /// The page shown (none when the record has only PDFs).
    pub fn shown(&self) -> Option<&ScanPage> {
        self.pages.get(self.current)
    }
}

/// What a record page tells machines in its `<head>` and headers: a
/// description, Open Graph, schema.org JSON-LD, and its other formats.
#[derive(Debug, Clone)]
pub struct RecordHead {
    /// The meta description: the summary (a machine-written one said to
    /// be so, [`MACHINE_SUMMARY_FLAG`]), else the opening of the first text.
    pub description: String,
    /// Open Graph `(property, content)` pairs.
    pub open_graph: Vec<(&'static str, String)>,
    /// schema.org `ArchiveComponent` as JSON, safe inside `<script>`
    /// ([`script_json`]).
    pub json_ld: String,
    /// `(media type, href, title)` of the record's other formats.
    pub alternates: Vec<(&'static str, String, &'static str)>,
}

/// The formats a record is also served in (by suffix, and by content
/// negotiation on its page): media type, address suffix, title.
pub const RECORD_FORMATS: [(&str, &str, &str); 4] = [
    ("application/json", "", "The record as JSON"),
    (
        "application/vnd.citationstyles.csl+json",
        ".csl.json",
        "CSL-JSON",
    ),
    ("application/x-bibtex", ".bib", "BibTeX"),
    ("application/x-research-info-systems", ".ris", "RIS"),
];

/// JSON to be placed inside a `<script>` element: `<`, `>` and `&`
/// written as JSON escapes, so no value can close the element.
pub fn script_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// At most `max` characters of `text`, cut at a word, with "…" when cut.
fn opening(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..at])
}

impl RecordHead {
    /// The head of `r`'s page at `canonical`, on the site at `base`.
    pub fn new(r: &Record, canonical: &str, base: &str, site: &str) -> RecordHead {
        // A machine-written summary is never given as the archive's own
        // words: wherever it describes the record (meta description, Open
        // Graph, JSON-LD), it is said to be one.
        let description = match (&r.summary, r.summary_machine) {
            (Some(s), true) => format!("{MACHINE_SUMMARY_FLAG}: {}", opening(s, 160)),
            (Some(s), false) => opening(s, 200),
            (None, _) => r
                .texts
                .first()
                .map(|t| opening(&crate::model::inline::plain(&t.body), 200))
                .unwrap_or_else(|| r.title.clone()),
        };
        let translated = TranslatedTitle::of(r);
        let image = crate::model::page_images(&r.files)
            .next()
            .map(|(n, _, _)| format!("{base}{}", page_image_url(&r.id, n, 600)));
        let mut open_graph = vec![
            ("og:type", "article".to_string()),
            ("og:site_name", site.to_string()),
            ("og:title", r.title.clone()),
            ("og:description", description.clone()),
            ("og:url", canonical.to_string()),
        ];
        if let Some(image) = &image {
            open_graph.push(("og:image", image.clone()));
        }
        let agents = |list: &[Agent]| -> Vec<serde_json::Value> {
            list.iter()
                .map(|a| serde_json::json!({"@type": "Person", "name": a.name}))
                .collect()
        };
        let mut ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "ArchiveComponent",
            "@id": canonical,
            "url": canonical,
            "identifier": r.id,
            "name": r.title,
            "description": description,
        });
        let mut set = |key: &str, value: serde_json::Value| {
            let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if !empty {
                ld[key] = value;
            }
        };
        set(
            "alternateName",
            serde_json::json!(translated.as_ref().map(|t| &t.text)),
        );
        set(
            "dateCreated",
            serde_json::json!(r.date.as_ref().map(|d| &d.edtf)),
        );
        set("creator", serde_json::json!(agents(&r.creators)));
        set("recipient", serde_json::json!(agents(&r.recipients)));
        set(
            "translator",
            serde_json::json!(
                r.translators
                    .iter()
                    .map(|t| serde_json::json!({"@type": "Person", "name": t}))
                    .collect::<Vec<_>>()
            ),
        );
        set(
            "inLanguage",
            serde_json::json!(
                r.original_language
                    .as_ref()
                    .or(r.texts.first().map(|t| &t.language))
            ),
        );
        set(
            "holdingArchive",
            serde_json::json!(r.holding_archive.as_ref().map(|a| serde_json::json!({
                "@type": "ArchiveOrganization", "name": a
            }))),
        );
        set(
            "isPartOf",
            serde_json::json!(
                r.collections
                    .iter()
                    .map(|c| serde_json::json!({
                        "@type": "Collection", "name": c
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        set("keywords", serde_json::json!(r.subjects));
        set("license", serde_json::json!(r.rights_uri));
        set("copyrightNotice", serde_json::json!(r.rights));
        set("image", serde_json::json!(image));
        set(
            "sameAs",
            serde_json::json!(r.source_url.as_deref().and_then(safe_url)),
        );
        let alternates = RECORD_FORMATS
            .iter()
            .map(|(media, suffix, title)| {
                let href = match *suffix {
                    "" => format!("/api/v1/records/{}", path_segment(&r.id)),
                    _ => format!("/records/{}{suffix}", path_segment(&r.id)),
                };
                (*media, href, *title)
            })
            .collect();
        RecordHead {
            description,
            open_graph,
            json_ld: script_json(&ld),
            alternates,
        }
    }
}

/// One search hit on the page.
#[derive(Debug, Clone)]
pub struct HitView {
    /// Record identifier.
    pub id: String,
    /// Link to the record.
    pub href: String,
    /// Title.
    pub title: String,
    /// The title's `lang` where it differs from the page's (a Korean title
    /// beside its English translation); empty otherwise.
    pub title_lang: String,
    /// The title translated (a Korean record's English title).
    pub translated_title: Option<TitleBeside>,
    /// Date (EDTF).
    pub date: Option<String>,
    /// HTML: `<mark>` around matches, the rest escaped ([`snippet_html`]).
    pub snippet: String,
    /// "Matched in the translation (English)".
    pub matched: String,
    /// The forms the query was widened to that this record holds, each
    /// with why ("金日成 for “Kim Il Sung”: a form of the name in the
    /// authority").
    pub widened: Vec<String>,
    /// A thumbnail of the record's first page image, and its size.
    pub thumb: Option<(String, u32, u32)>,
}

impl HitView {
    /// The view of a hit.
    pub fn new(h: &Hit) -> HitView {
        let matched = match (&h.matched.kind[..], &h.matched.language) {
            ("metadata", _) => "Matched in the description".to_string(),
            (kind, Some(lang)) => format!("Matched in the {kind} ({})", language_label(lang)),
            (kind, None) => format!("Matched in the {kind}"),
        };
        let (title_lang, translated_title) = titles(h.translated_title.as_ref());
        HitView {
            id: h.id.clone(),
            href: format!("/records/{}", path_segment(&h.id)),
            title: h.title.clone(),
            title_lang,
            translated_title,
            date: h.date.clone(),
            snippet: snippet_html(&h.snippet),
            matched,
            widened: h.widened.iter().map(|w| w.describe()).collect(),
            thumb: h.image.map(|i| {
                let (w, h2) = scaled((i.width, i.height), THUMB_WIDTH);
                (page_image_url(&h.id, i.number, w), w, h2)
            }),
        }
    }
}

/// A snippet as HTML: its text escaped, `<mark>` around every match (the
/// only HTML a search page inserts unescaped).
pub fn snippet_html(snippet: &Snippet) -> String {
    snippet.marked(crate::html::escape_into, "<mark>", "</mark>")
}

pub use crate::html::path_segment;

/// A facet value with its count and the link that narrows (or widens) the
/// search by it.
#[derive(Debug, Clone)]
pub struct FacetLink {
    /// The value as shown.
    pub label: String,
    /// Matching records.
    pub count: u64,
    /// The search narrowed by it, or with it removed when active.
    pub href: String,
    /// Whether the search is already narrowed by it.
    pub active: bool,
}

/// A facet dimension on the page.
#[derive(Debug, Clone)]
pub struct FacetView {
    /// Dimension (`language`).
    pub dim: String,
    /// Its label (`Original language`).
    pub label: String,
    /// Values.
    pub values: Vec<FacetLink>,
}

/// The current search's parameters, from which every link on the results
/// page is built (the whole search lives in the URL).
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    /// What the reader typed.
    pub q: String,
    /// `relevance`, `date`, `date-desc`.
    pub sort: String,
    /// Page, from 1.
    pub page: usize,
    /// Earliest date (EDTF), if given.
    pub from: String,
    /// Latest date (EDTF), if given.
    pub to: String,
    /// Facet filters (dimension, value).
    pub filters: Vec<(Facet, String)>,
}

impl SearchParams {
    /// Parameters as URL pairs (defaults left out).
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = vec![("q", &self.q)];
        for (k, v) in &self.filters {
            out.push((k.name(), v));
        }
        if !self.from.is_empty() {
            out.push(("from", &self.from));
        }
        if !self.to.is_empty() {
            out.push(("to", &self.to));
        }
        if !self.sort.is_empty() && self.sort != "relevance" {
            out.push(("sort", &self.sort));
        }
        out
    }

    /// The search page URL for these parameters at a page.
    pub fn href_page(&self, page: usize) -> String {
        let mut pairs = self.pairs();
        let page = page.to_string();
        if page != "1" {
            pairs.push(("page", &page));
        }
        search_href(&pairs)
    }

    /// The URL with one more filter (page reset).
    pub fn href_with(&self, dim: Facet, value: &str) -> String {
        let mut next = self.clone();
        next.filters.push((dim, value.to_string()));
        next.href_page(1)
    }

    /// The URL without one filter (page reset).
    pub fn href_without(&self, dim: Facet, value: &str) -> String {
        let mut next = self.clone();
        next.filters.retain(|(d, v)| !(*d == dim && v == value));
        next.href_page(1)
    }

    /// The URL of the same words with no filter and no date range.
    pub fn href_unfiltered(&self) -> String {
        let next = SearchParams {
            q: self.q.clone(),
            sort: self.sort.clone(),
            ..SearchParams::default()
        };
        next.href_page(1)
    }

    /// The URL with another order.
    pub fn href_sorted(&self, sort: &str) -> String {
        let mut next = self.clone();
        next.sort = sort.to_string();
        next.href_page(1)
    }

    /// The query the index runs: what was typed, and the date range.
    pub fn effective_query(&self) -> String {
        let q = self.q.trim();
        let q = if q.is_empty() { "*" } else { q };
        if self.from.is_empty() && self.to.is_empty() {
            return q.to_string();
        }
        let range = format!("date:{}..{}", self.from.trim(), self.to.trim());
        if q == "*" {
            range
        } else {
            format!("({q}) {range}")
        }
    }
}

/// Facet views for results, with links relative to `params`.
pub fn facet_views(results: &SearchResults, params: &SearchParams) -> Vec<FacetView> {
    Facet::ALL
        .into_iter()
        .filter_map(|dim| {
            let values: &Vec<FacetCount> = results.facets.get(dim.name())?;
            if values.is_empty() {
                return None;
            }
            let values = values
                .iter()
                .map(|v| {
                    let active = params
                        .filters
                        .iter()
                        .any(|(d, value)| *d == dim && *value == v.value);
                    FacetLink {
                        label: facet_value_label(dim.name(), &v.value),
                        count: v.count,
                        href: if active {
                            params.href_without(dim, &v.value)
                        } else {
                            params.href_with(dim, &v.value)
                        },
                        active,
                    }
                })
                .collect();
            Some(FacetView {
                dim: dim.name().to_string(),
                label: facet_label(dim).to_string(),
                values,
            })
        })
        .collect()
}

/// The notes a record's texts may mark, and the markers already on the
/// page (the first marker of a note carries the `id` its note links back
/// to; a later one links to the note only).
#[derive(Debug, Clone, Default)]
pub struct NoteMarks {
    /// Marks of the record's notes that a marker can name (the first note
    /// of each mark).
    notes: std::collections::HashSet<String>,
    /// Marks whose first marker is on the page (`id="ref-N"`).
    placed: std::collections::HashSet<String>,
}

impl NoteMarks {
    /// The marks of `notes`.
    pub fn new(notes: &[crate::model::Note]) -> NoteMarks {
        NoteMarks {
            notes: notes
                .iter()
                .filter_map(|n| n.n.clone())
                .filter(|n| crate::model::inline::note_marker(n).is_some())
                .collect(),
            placed: Default::default(),
        }
    }
}

/// One paragraph of a text (plain text in the convention of
/// [`crate::model::inline`]) as safe HTML: everything escaped, then a note
/// marker `[^N]` of an existing note made `<sup><a href="#note-N"
/// id="ref-N">N</a></sup>` (a marker of no note stays as written), a link
/// to a record `<a href="/records/ID">`, a web link `<a href="URL"
/// rel="external">`; Markdown's strong emphasis (`**words**`, as the Korean
/// translations write headings) shown as `<strong>` ([`emphasis_into`]).
pub fn paragraph_html(text: &str, marks: &mut NoteMarks) -> String {
    inline_html(text, Some(marks))
}

/// Text in the inline convention as safe HTML; note markers become links
/// only with `marks` (a note's own text has none).
fn inline_html(text: &str, marks: Option<&mut NoteMarks>) -> String {
    use crate::model::inline::{Inline, Target, note_marker, parse};
    let mut marks = marks;
    let mut out = String::with_capacity(text.len() + 16);
    for piece in parse(text) {
        match piece {
            Inline::Text(t) => emphasis_into(&mut out, t),
            Inline::NoteRef(n) => match marks.as_deref_mut() {
                Some(m) if m.notes.contains(n) => {
                    // `n` is letters, digits and `._-` (the convention).
                    if m.placed.insert(n.to_string()) {
                        out.push_str(&format!(
                            "<sup><a href=\"#note-{n}\" id=\"ref-{n}\">{n}</a></sup>"
                        ));
                    } else {
                        out.push_str(&format!("<sup><a href=\"#note-{n}\">{n}</a></sup>"));
                    }
                }
                _ => crate::html::escape_into(&mut out, &note_marker(n).unwrap_or_default()),
            },
            Inline::Link {
                text,
                target: Target::Record(id),
            } => {
                out.push_str(&format!("<a href=\"/records/{}\">", path_segment(id)));
                crate::html::escape_into(&mut out, text);
                out.push_str("</a>");
            }
            Inline::Link {
                text,
                target: Target::Web(url),
            } => match safe_url(url) {
                Some(url) => {
                    out.push_str("<a href=\"");
                    crate::html::escape_into(&mut out, &url);
                    out.push_str("\" rel=\"external\">");
                    crate::html::escape_into(&mut out, text);
                    out.push_str("</a>");
                }
                None => crate::html::escape_into(&mut out, text),
            },
        }
    }
    out
}

/// Appends `text` escaped, with each `**words**` (Markdown's strong
/// emphasis: words that neither start nor end with a space, on one line)
/// as `<strong>words</strong>`. Anything else, an unpaired `**` included,
/// stays as written: the body is shown, never changed.
fn emphasis_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(open) = rest.find("**") {
        let after = &rest[open + 2..];
        let close = after.find("**").filter(|&end| {
            let words = &after[..end];
            !words.is_empty()
                && !words.starts_with(char::is_whitespace)
                && !words.ends_with(char::is_whitespace)
                && !words.contains('\n')
        });
        match close {
            Some(end) => {
                crate::html::escape_into(out, &rest[..open]);
                out.push_str("<strong>");
                crate::html::escape_into(out, &after[..end]);
                out.push_str("</strong>");
                rest = &after[end + 2..];
            }
            None => {
                crate::html::escape_into(out, &rest[..open + 2]);
                rest = after;
            }
        }
    }
    crate::html::escape_into(out, rest);
}

/// A note as the record page lists it.
#[derive(Debug, Clone)]
pub struct NoteView {
    /// Its `id` (`note-N`), for the first note of each mark.
    pub id: Option<String>,
    /// Its mark as printed ("1"); empty for the source note.
    pub label: String,
    /// Its text as safe HTML (links made links).
    pub html: String,
    /// The link back to its marker in the text (`#ref-N`), when one is on
    /// the page.
    pub back: Option<String>,
}

/// The notes of a record, in order, after its texts were rendered with
/// `marks` (which says which markers are on the page).
pub fn note_views(notes: &[crate::model::Note], marks: &NoteMarks) -> Vec<NoteView> {
    let mut ids = std::collections::HashSet::new();
    notes
        .iter()
        .map(|note| {
            let mark = note
                .n
                .as_deref()
                .filter(|n| crate::model::inline::note_marker(n).is_some())
                .filter(|n| ids.insert(n.to_string()));
            NoteView {
                id: mark.map(|n| format!("note-{n}")),
                label: match (&note.n, note.kind.as_str()) {
                    (_, "source") => String::new(),
                    (Some(n), _) => n.clone(),
                    (None, kind) => kind.to_string(),
                },
                html: inline_html(&note.text, None),
                back: mark
                    .filter(|n| marks.placed.contains(*n))
                    .map(|n| format!("#ref-{n}")),
            }
        })
        .collect()
}

/// A link to a record's neighbour in its volume or collection.
#[derive(Debug, Clone)]
pub struct NeighbourLink {
    /// Its page.
    pub href: String,
    /// "Document 11" (its number in the edition), else its date, else its
    /// identifier.
    pub label: String,
    /// Its title.
    pub title: String,
}

/// Previous and next within a record's volume (or collection).
#[derive(Debug, Clone)]
pub struct VolumeNav {
    /// The `nav`'s accessible name: "Within this volume" for a record of a
    /// printed edition, else "Within this collection".
    pub label: &'static str,
    /// The record before.
    pub previous: Option<NeighbourLink>,
    /// The record after.
    pub next: Option<NeighbourLink>,
}

impl VolumeNav {
    /// The navigation of `r` among the neighbours the viewer may see;
    /// `None` when it has neither.
    pub fn new(r: &Record, previous: Option<&Record>, next: Option<&Record>) -> Option<VolumeNav> {
        if previous.is_none() && next.is_none() {
            return None;
        }
        let link = |n: &Record| NeighbourLink {
            href: format!("/records/{}", path_segment(&n.id)),
            label: match (n.edition.as_ref().and_then(|e| e.number.as_ref()), &n.date) {
                (Some(number), _) => format!("Document {number}"),
                (None, Some(d)) => d.display.clone().unwrap_or_else(|| d.edtf.clone()),
                (None, None) => n.id.clone(),
            },
            title: n.title.clone(),
        };
        Some(VolumeNav {
            label: if r.edition.is_some() {
                "Within this volume"
            } else {
                "Within this collection"
            },
            previous: previous.map(link),
            next: next.map(link),
        })
    }
}

/// The records `r`'s texts and notes link to (each once).
pub fn link_targets(r: &Record) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    r.texts
        .iter()
        .map(|t| t.body.as_str())
        .chain(r.notes.iter().map(|n| n.text.as_str()))
        .flat_map(crate::model::inline::record_targets)
        .filter(|id| seen.insert(id.to_string()))
        .map(str::to_string)
        .collect()
}

/// `r` as a reader who sees only `visible` of its [`link_targets`] reads
/// it: a link to any other record is its words alone, so that no link
/// leads to a page the reader may not see (or to none).
pub fn unlinked<'r>(
    r: &'r Record,
    visible: &std::collections::HashSet<String>,
) -> std::borrow::Cow<'r, Record> {
    use crate::model::inline::unlink;
    let keep = |id: &str| visible.contains(id);
    if link_targets(r).iter().all(|id| keep(id)) {
        return std::borrow::Cow::Borrowed(r);
    }
    let mut shown = r.clone();
    for t in &mut shown.texts {
        t.body = unlink(&t.body, keep).into_owned();
    }
    for n in &mut shown.notes {
        n.text = unlink(&n.text, keep).into_owned();
    }
    std::borrow::Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_at_blank_lines_and_keep_line_breaks() {
        let body = "A  \nB\n\n\nC\n  \nD  ";
        assert_eq!(paragraphs(body), vec!["A\nB", "C", "D"]);
    }

    #[test]
    fn only_web_links_become_hrefs() {
        assert_eq!(
            safe_url(" https://example.org/x "),
            Some("https://example.org/x".into())
        );
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("JaVaScRiPt:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
    }

    #[test]
    fn identifiers_are_one_path_segment() {
        assert_eq!(path_segment("pgg-01-020"), "pgg-01-020");
        assert_eq!(path_segment("a/b c?"), "a%2Fb%20c%3F");
    }

    #[test]
    fn links_keep_the_whole_search() {
        let params = SearchParams {
            q: "Kim Il Sung".into(),
            sort: "date".into(),
            page: 3,
            from: "1948".into(),
            to: String::new(),
            filters: vec![(Facet::Language, "ru".into())],
        };
        let narrowed = params.href_with(Facet::Year, "1948");
        assert_eq!(
            narrowed,
            "/search?q=Kim+Il+Sung&language=ru&year=1948&from=1948&sort=date"
        );
        assert_eq!(
            params.href_without(Facet::Language, "ru"),
            "/search?q=Kim+Il+Sung&from=1948&sort=date"
        );
        assert_eq!(params.effective_query(), "(Kim Il Sung) date:1948..");
    }
}

#[cfg(test)]
mod paragraph_tests {
    use super::*;
    use crate::model::Note;

    fn note(n: &str, text: &str) -> Note {
        Note {
            n: Some(n.into()),
            kind: "footnote".into(),
            text: text.into(),
        }
    }

    #[test]
    fn paragraphs_escape_first_then_link() {
        let notes = [note("1", "See [Doc <8>](/records/v1d8).")];
        let mut marks = NoteMarks::new(&notes);
        let html = paragraph_html(
            "<script>x</script> & [^1] [^2] [^1] [a](/records/a b) [w](https://x.org/?a=1&b=\"2\")",
            &mut marks,
        );
        assert_eq!(
            html,
            "&lt;script&gt;x&lt;/script&gt; &amp; \
             <sup><a href=\"#note-1\" id=\"ref-1\">1</a></sup> [^2] \
             <sup><a href=\"#note-1\">1</a></sup> [a](/records/a b) [w](https://x.org/?a=1&amp;b=&quot;2&quot;)"
        );
        let views = note_views(&notes, &marks);
        assert_eq!(views[0].id.as_deref(), Some("note-1"));
        assert_eq!(views[0].back.as_deref(), Some("#ref-1"));
        assert_eq!(
            views[0].html,
            "See <a href=\"/records/v1d8\">Doc &lt;8&gt;</a>."
        );
        // A note no marker points at has no link back.
        let lonely = note_views(&notes, &NoteMarks::new(&notes));
        assert_eq!(lonely[0].back, None);
    }

    #[test]
    fn strong_emphasis_is_shown_and_nothing_else_changes() {
        let show = |t: &str| paragraph_html(t, &mut NoteMarks::default());
        assert_eq!(
            show("**朴先生 (Mr. Park)**"),
            "<strong>朴先生 (Mr. Park)</strong>"
        );
        assert_eq!(
            show("a **<b>** c **d**"),
            "a <strong>&lt;b&gt;</strong> c <strong>d</strong>"
        );
        // Not emphasis: unpaired, empty, spaced inside, across lines.
        for t in [
            "2 ** 3",
            "****",
            "** x **",
            "**a\nb**",
            "a **b",
            "x ** y **z**",
        ] {
            let html = show(t);
            assert_eq!(
                html.replace("<strong>", "**").replace("</strong>", "**"),
                crate::html::escape(t),
                "{t}"
            );
        }
        assert_eq!(show("x ** y **z**"), "x ** y <strong>z</strong>");
    }

    #[test]
    fn web_links_are_escaped_in_their_href() {
        let mut marks = NoteMarks::default();
        assert_eq!(
            paragraph_html("[v](https://x.org/a'b)", &mut marks),
            "<a href=\"https://x.org/a&#39;b\" rel=\"external\">v</a>"
        );
    }
}
