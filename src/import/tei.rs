//! TEI P5 editions such as *Foreign Relations of the United States*: one
//! record per `div[@type="document"]`.
//!
//! Mapping (see also the README): identifier = volume id + document id
//! (`frus1961-63v06d12`); title = `head` without its notes and number; date =
//! `frus:doc-dateTime-min/-max` (an EDTF interval when they differ), shown as
//! the dateline's `date`; `persName type="from"/"to"` = creators/recipients,
//! other `persName`s = people, resolved against the volume's list of persons;
//! the source note = the archival reference; other notes = footnotes, kept
//! apart from the body, with a marker `[^n]` where each stood in the text;
//! `ref`s to another document of the volume (`#d8`) = links to its record
//! (`[Document 8](/records/frus1961-63v06d8)`), to another volume = links to
//! the Office of the Historian's page (the convention of
//! [`crate::model::inline`]); `pb` = the pages the document spans.
//!
//! The text is English. When the source note (or a footnote "Printed from a
//! translation …") says the source text is a translation ([`translation`]),
//! the text version is a translation, its translator the one the note names,
//! and the original language the one the note names, or unknown.
//!
//! Invariant: every `div[@type="document"]` yields exactly one record or one
//! error; nothing inside a document is dropped without a trace (unknown
//! elements contribute their text).

use super::xml::{self, Element, Node};
use super::{ImportError, SourceInfo, squash_space, type_from_title};
use crate::model::{
    Agent, ArchivalReference, Edition, Note, Place, Record, RecordDate, TextKind, TextVersion,
};
use crate::model::{inline, language_code};
use std::collections::{HashMap, HashSet};

/// Where FRUS documents are published online.
const FRUS_BASE_URL: &str = "https://history.state.gov/historicaldocuments";

/// Parses a TEI file into one record per document division.
pub fn parse(text: &str, info: &SourceInfo) -> Result<Vec<Record>, Vec<ImportError>> {
    let root = xml::parse(text).map_err(|e| {
        vec![ImportError::file(&info.path, e.message).at_line(xml::line_of(text, e.offset))]
    })?;
    if root.name != "TEI" {
        return Err(vec![
            ImportError::file(
                &info.path,
                format!("the root element is <{}>, not <TEI>", root.name),
            )
            .at_line(xml::line_of(text, root.offset)),
        ]);
    }
    let volume = Volume::read(&root, info);
    let mut walk = Walk::default();
    walk.visit(&root);
    if walk.documents.is_empty() {
        return Err(vec![ImportError::file(
            &info.path,
            "no <div type=\"document\"> in this TEI file",
        )]);
    }
    let lines = xml::Lines::new(text);
    let links = Links {
        volume: volume.id.clone(),
        documents: walk
            .documents
            .iter()
            .filter_map(|d| d.div.attr("xml:id"))
            .map(str::to_string)
            .collect(),
    };
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for doc in &walk.documents {
        match document(doc, &volume, &links, info, &lines) {
            Ok(r) => records.push(r),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// What the TEI header says of the whole volume.
struct Volume {
    id: String,
    title: Option<String>,
    editors: Vec<String>,
    publisher: Option<String>,
    year: Option<String>,
    /// `xml:id` of each person in the list of persons → the indexed form.
    persons: HashMap<String, String>,
}

impl Volume {
    fn read(root: &Element, info: &SourceInfo) -> Volume {
        let id = root.attr("xml:id").map(str::to_string).unwrap_or_else(|| {
            info.path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("tei")
                .to_string()
        });
        let title_stmt = root
            .child("teiHeader")
            .and_then(|h| h.child("fileDesc"))
            .and_then(|f| f.child("titleStmt"));
        let publication = root
            .child("teiHeader")
            .and_then(|h| h.child("fileDesc"))
            .and_then(|f| f.child("publicationStmt"));
        let title = title_stmt.and_then(|t| {
            t.elements()
                .find(|e| e.name == "title" && e.attr("type") == Some("complete"))
                .or_else(|| t.child("title"))
                .map(|e| flat(&inline_text(e, &mut Vec::new(), Mode::PLAIN)))
        });
        let editors = title_stmt
            .map(|t| {
                t.elements()
                    .filter(|e| e.name == "editor")
                    .map(|e| flat(&inline_text(e, &mut Vec::new(), Mode::PLAIN)))
                    .collect()
            })
            .unwrap_or_default();
        let text_of = |name: &str| {
            publication
                .and_then(|p| p.child(name))
                .map(|e| flat(&inline_text(e, &mut Vec::new(), Mode::PLAIN)))
        };
        let publisher = match (text_of("pubPlace"), text_of("publisher")) {
            (Some(place), Some(publisher)) => Some(format!("{place}: {publisher}")),
            (None, publisher) => publisher,
            (place, None) => place,
        };
        let year = publication.and_then(|p| {
            p.elements()
                .find(|e| e.name == "date" && e.attr("type") == Some("publication-date"))
                .map(|e| flat(&inline_text(e, &mut Vec::new(), Mode::PLAIN)))
        });
        let mut named = Vec::new();
        root.find_all(
            &|e| e.name == "persName" && e.attr("xml:id").is_some(),
            &mut named,
        );
        let persons = named
            .into_iter()
            .filter_map(|e| {
                let name = flat(&inline_text(e, &mut Vec::new(), Mode::PLAIN));
                Some((e.attr("xml:id")?.to_string(), name))
            })
            .collect();
        Volume {
            id,
            title,
            editors,
            publisher,
            year,
            persons,
        }
    }

    /// The indexed form for a `corresp="#p_KNS2"` reference.
    fn authority(&self, corresp: Option<&str>) -> Option<String> {
        self.persons.get(corresp?.trim_start_matches('#')).cloned()
    }
}

/// A document division with the pages it spans.
struct Document<'a> {
    div: &'a Element,
    first_page: Option<String>,
    last_page: Option<String>,
}

/// Walks the whole text in order, so that page breaks before and inside each
/// document are known.
#[derive(Default)]
struct Walk<'a> {
    page: Option<String>,
    documents: Vec<Document<'a>>,
}

impl<'a> Walk<'a> {
    fn visit(&mut self, e: &'a Element) {
        for child in e.elements() {
            if child.name == "pb" {
                self.page = child.attr("n").map(str::to_string);
            } else if child.name == "div" && child.attr("type") == Some("document") {
                let first_page = self.page.clone();
                self.visit_pages(child);
                self.documents.push(Document {
                    div: child,
                    first_page,
                    last_page: self.page.clone(),
                });
            } else {
                self.visit(child);
            }
        }
    }

    fn visit_pages(&mut self, e: &'a Element) {
        for child in e.elements() {
            if child.name == "pb" {
                self.page = child.attr("n").map(str::to_string);
            } else {
                self.visit_pages(child);
            }
        }
    }
}

fn document(
    doc: &Document,
    volume: &Volume,
    links: &Links,
    info: &SourceInfo,
    lines: &xml::Lines,
) -> Result<Record, ImportError> {
    let div = doc.div;
    let line = lines.line_of(div.offset);
    let err = |field: &str, message: &str| {
        ImportError::file(&info.path, message)
            .at_line(line)
            .in_field(field)
    };
    let local_id = div
        .attr("xml:id")
        .ok_or_else(|| err("xml:id", "a document division without an xml:id"))?;
    let id = format!("{}{}", volume.id, local_id);
    let head = div
        .child("head")
        .ok_or_else(|| err("title", "a document division without a <head>").in_record(&id))?;
    let mut notes = Vec::new();
    let head_text = flat(&inline_text(head, &mut notes, Mode::title(links)));
    let number = div.attr("n").map(str::to_string);
    let title = match &number {
        Some(n) => head_text
            .strip_prefix(&format!("{n}. "))
            .unwrap_or(&head_text)
            .to_string(),
        None => head_text.clone(),
    };
    if title.is_empty() {
        return Err(err("title", "the <head> is empty").in_record(&id));
    }
    let mut provenance = info.provenance("tei");
    provenance.origin = format!("tei:{}", volume.id);
    provenance.line = Some(line);
    let mut record = Record::new(id.clone(), title.clone(), provenance);
    record.doc_type = type_from_title(&title);

    // People: from/to in the head, everyone else named in the document.
    let mut persons = Vec::new();
    div.find_all(&|e| e.name == "persName", &mut persons);
    for p in persons {
        let name = flat(&inline_text(p, &mut Vec::new(), Mode::PLAIN));
        if name.is_empty() {
            continue;
        }
        let mut agent = Agent::named(name);
        agent.authority = volume.authority(p.attr("corresp"));
        let list = match p.attr("type") {
            Some("from") => &mut record.creators,
            Some("to") => &mut record.recipients,
            _ => &mut record.people,
        };
        if !list
            .iter()
            .any(|a| a.name == agent.name && a.authority == agent.authority)
        {
            list.push(agent);
        }
    }

    // Dateline: place written and the displayed date.
    let dateline = div.child("dateline");
    let mut display = None;
    if let Some(dl) = dateline {
        let mut places = Vec::new();
        dl.find_all(&|e| e.name == "placeName", &mut places);
        for p in places {
            record.places.push(Place {
                name: flat(&inline_text(p, &mut Vec::new(), Mode::PLAIN)),
                role: "origin".into(),
            });
        }
        let mut dates = Vec::new();
        dl.find_all(&|e| e.name == "date", &mut dates);
        if let Some(d) = dates.first() {
            display = Some((
                flat(&inline_text(d, &mut Vec::new(), Mode::PLAIN)),
                d.attr("when").map(str::to_string),
            ));
        }
    }
    let mut other_places = Vec::new();
    div.find_all(&|e| e.name == "placeName", &mut other_places);
    for p in other_places {
        let name = flat(&inline_text(p, &mut Vec::new(), Mode::PLAIN));
        if !name.is_empty() && !record.places.iter().any(|x| x.name == name) {
            record.places.push(Place {
                name,
                role: "mentioned".into(),
            });
        }
    }
    let day = |attr: &str| div.attr(attr).and_then(|v| v.get(..10)).map(str::to_string);
    let edtf = match (day("frus:doc-dateTime-min"), day("frus:doc-dateTime-max")) {
        (Some(lo), Some(hi)) if lo == hi => Some(lo),
        (Some(lo), Some(hi)) => Some(format!("{lo}/{hi}")),
        (Some(lo), None) => Some(lo),
        _ => display.as_ref().and_then(|(_, when)| when.clone()),
    };
    if let Some(edtf) = edtf {
        let shown = display.as_ref().map(|(text, _)| text.clone());
        record.date = Some(
            RecordDate::new(&edtf, shown)
                .map_err(|e| err("date", &e.to_string()).in_record(&id))?,
        );
    }

    // Body: every block after the head, notes kept apart.
    let mut blocks = Vec::new();
    for child in div.elements() {
        if child.name != "head" {
            collect_blocks(child, &mut blocks, &mut notes, links);
        }
    }
    let body = blocks
        .into_iter()
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    for note in &notes {
        if note.kind == "source" {
            // The reference is the note's words (its links stay in the note).
            let words = inline::plain(&note.text);
            let text = words.trim_start_matches("Source:").trim();
            let reference = text.split(". ").next().unwrap_or(text);
            let mut parsed = ArchivalReference::parse(reference);
            parsed.verbatim = words.to_string();
            record.archival_reference = Some(parsed);
        }
    }
    let source_note = notes
        .iter()
        .find(|n| n.kind == "source")
        .map(|n| n.text.as_str());
    let footnotes: Vec<&str> = notes
        .iter()
        .filter(|n| n.kind != "source")
        .map(|n| n.text.as_str())
        .collect();
    let translated = translation(source_note.unwrap_or(""), &footnotes);
    record.notes = notes;
    let kind = match &translated {
        Some(t) => {
            record.original_language = t.language.map(str::to_string);
            record.translators.extend(t.translator.clone());
            TextKind::Translation
        }
        None => {
            record.original_language = Some("en".into());
            TextKind::Original
        }
    };
    if !body.is_empty() {
        record.texts.push(TextVersion {
            kind,
            language: "en".into(),
            translator: translated.and_then(|t| t.translator),
            machine_translation: false,
            label: None,
            body,
        });
    }
    record.holding_archive = Some("Office of the Historian, U.S. Department of State".into());
    record.source_url = Some(format!("{FRUS_BASE_URL}/{}/{local_id}", volume.id));
    if let Some(title) = &volume.title {
        record.collections.push(title.clone());
        let pages = match (&doc.first_page, &doc.last_page) {
            (Some(a), Some(b)) if a != b => Some(format!("{a}–{b}")),
            (Some(a), _) => Some(a.clone()),
            _ => None,
        };
        record.edition = Some(Edition {
            title: title.clone(),
            number,
            pages,
            editors: volume.editors.clone(),
            publisher: volume.publisher.clone(),
            year: volume.year.clone(),
        });
    }
    record.rights = Some("Public domain (U.S. government work, 17 U.S.C. 105)".into());
    record
        .validate()
        .map_err(|e| err(e.field, &e.message).in_record(&id))?;
    Ok(record)
}

/// Elements whose text forms paragraphs of their own.
const BLOCKS: &[&str] = &[
    "p",
    "dateline",
    "closer",
    "signed",
    "postscript",
    "quote",
    "label",
    "item",
    "salute",
    "opener",
    "byline",
    "ab",
    "head",
];

/// Splits a document's content into paragraphs; notes go to `notes`, their
/// markers stay in the text.
fn collect_blocks(e: &Element, blocks: &mut Vec<String>, notes: &mut Vec<Note>, links: &Links) {
    let mode = Mode::body(links);
    match e.name.as_str() {
        "pb" | "milestone" | "figure" | "graphic" => {}
        "note" => note(e, notes, mode),
        "list" | "div" | "table" => {
            for child in e.children.iter() {
                match child {
                    Node::Element(c) => collect_blocks(c, blocks, notes, links),
                    Node::Text(t) if !t.trim().is_empty() => blocks.push(squash_space(t)),
                    Node::Text(_) => {}
                }
            }
        }
        "row" => {
            let cells: Vec<String> = e
                .elements()
                .map(|c| squash_lines(&inline_text(c, notes, mode)))
                .collect();
            blocks.push(cells.join(" | "));
        }
        name if BLOCKS.contains(&name) || !e.children.is_empty() => {
            blocks.push(squash_lines(&inline_text(e, notes, mode)));
        }
        _ => {}
    }
}

/// The volume's documents, for links between them.
struct Links {
    /// The volume's identifier (`frus1961-63v06`).
    volume: String,
    /// The `xml:id`s of its document divisions (`d8`).
    documents: HashSet<String>,
}

impl Links {
    /// The link a `ref` makes of `text`: to a record of this volume, to the
    /// Office of the Historian's page of another volume (or a document or
    /// page in it), or none (the words alone: an index entry, a page of this
    /// volume, anything unknown).
    fn link(&self, text: &str, target: &str) -> String {
        if let Some(local) = target.strip_prefix('#') {
            return if self.documents.contains(local) {
                inline::record_link(text, &format!("{}{local}", self.volume))
            } else {
                text.to_string()
            };
        }
        let lower = target.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return inline::web_link(text, target);
        }
        let (volume, part) = target.split_once('#').unwrap_or((target, ""));
        let looks_like_volume = volume.starts_with("frus")
            && volume
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let part_ok = part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if looks_like_volume && part_ok {
            let url = match part {
                "" => format!("{FRUS_BASE_URL}/{volume}"),
                part => format!("{FRUS_BASE_URL}/{volume}/{part}"),
            };
            inline::web_link(text, &url)
        } else {
            text.to_string()
        }
    }
}

/// What running text keeps of notes and references.
#[derive(Clone, Copy)]
struct Mode<'a> {
    /// A note's marker `[^n]` where the note stood.
    markers: bool,
    /// `ref`s in this text as links.
    links: bool,
    /// The volume, for the links in notes' texts (and in this text if
    /// `links`); `None`: no links anywhere.
    volume: Option<&'a Links>,
}

impl<'a> Mode<'a> {
    /// Names, dates and the header: the words only.
    const PLAIN: Mode<'static> = Mode {
        markers: false,
        links: false,
        volume: None,
    };

    /// A title: the words only, but its notes keep their links.
    fn title(links: &'a Links) -> Self {
        Mode {
            markers: false,
            links: false,
            volume: Some(links),
        }
    }

    /// The document's text: markers and links.
    fn body(links: &'a Links) -> Self {
        Mode {
            markers: true,
            links: true,
            volume: Some(links),
        }
    }

    /// The mode of a note's own text: links, no markers.
    fn in_note(self) -> Self {
        Mode {
            markers: false,
            links: self.volume.is_some(),
            volume: self.volume,
        }
    }
}

/// Takes a note out of the running text (and any note nested in it).
fn note(e: &Element, notes: &mut Vec<Note>, mode: Mode) {
    let mut inner = Vec::new();
    let text = flat(&inline_text(e, &mut inner, mode.in_note()));
    notes.push(Note {
        n: e.attr("n").map(str::to_string),
        kind: e.attr("type").unwrap_or("footnote").to_string(),
        text,
    });
    notes.append(&mut inner);
}

/// The running text of an element: notes are taken out (into `notes`,
/// leaving their marker where `mode` asks), `lb` becomes a line break,
/// `ref`s become links where `mode` asks.
fn inline_text(e: &Element, notes: &mut Vec<Note>, mode: Mode) -> String {
    let mut out = String::new();
    for child in &e.children {
        match child {
            Node::Text(t) => out.push_str(t),
            Node::Element(c) => match c.name.as_str() {
                "note" => {
                    note(c, notes, mode);
                    let marker = c.attr("n").and_then(inline::note_marker);
                    if let Some(marker) = marker.filter(|_| mode.markers) {
                        out.push_str(&marker);
                    }
                }
                "lb" => out.push(LINE_BREAK),
                "pb" => out.push(' '),
                "ref" if mode.links => {
                    let words = inline_text(c, notes, mode);
                    match (mode.volume, c.attr("target")) {
                        (Some(links), Some(target)) => {
                            // White space around the words stays outside
                            // the link; inside, it is folded.
                            let folded = flat(&words);
                            let lead = &words[..words.len() - words.trim_start().len()];
                            let trail = &words[words.trim_end().len()..];
                            out.push_str(lead);
                            out.push_str(&links.link(&folded, target));
                            if !folded.is_empty() {
                                out.push_str(trail);
                            }
                        }
                        _ => out.push_str(&words),
                    }
                }
                _ => out.push_str(&inline_text(c, notes, mode)),
            },
        }
    }
    out
}

/// Stands for a TEI `lb` in running text until white space is folded (a
/// private-use character, so it cannot clash with the source's own text).
const LINE_BREAK: char = '\u{E000}';

/// Folds all white space, an `lb` included, into single spaces.
fn flat(text: &str) -> String {
    squash_space(&text.replace(LINE_BREAK, " "))
}

/// Folds white space within lines, keeping `lb` line breaks as newlines.
fn squash_lines(text: &str) -> String {
    text.split(LINE_BREAK)
        .map(squash_space)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a document's notes say of its text being a translation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Translated {
    /// The original's language (ISO 639-1), where the notes name it.
    language: Option<&'static str>,
    /// Who translated it, where the notes say.
    translator: Option<String>,
}

/// Whether a document's notes say its text is a translation, and if so
/// from which language and by whom. `None`: nothing says so, and the text
/// is taken for the original.
///
/// The phrasings, each found in FRUS source notes (a "sentence" here runs
/// between full stops):
/// - the source text, said in the same sentence to be (or to be marked) a
///   translation: "The source text is a Department of State translation …",
///   "… is a Soviet translation", "… is marked “unofficial translation.”",
///   "… indicates it is an unofficial translation from Russian", "… appears
///   to be a translation by the Soviet Embassy …", "… indicates it was
///   “translated from Russian.”";
/// - "This “official translation” prepared in the Department of State …",
///   "This letter, which bears the notation “informal translation,” …", "The
///   version of the letter printed here is an unofficial translation …";
/// - "A slightly different translation is printed in …", "A different
///   translation is …", "A Department of State translation of this message
///   is …": another translation of the same original exists, so the text
///   printed here is one too;
/// - "… the text was translated by …";
/// - "The Russian-language text is ibid.", "A copy of the Russian text …",
///   "The transliterated Russian text is …": the original's text in a
///   language other than English is filed elsewhere (FRUS says so only of
///   a foreign original);
/// - a footnote "Printed from a translation …".
///
/// A mention of a translation of something else ("verified by comparing it
/// to the Russian translation", "a better translation of “gleams”") is not
/// evidence. The language is the first language other than English that
/// the evidence names beside "text", "translation", "version" or "copy", or
/// after "from" (`Russian` → `ru`); none named, it stays unknown. The
/// translator is the one the note names: "a Department of State
/// translation", "“official translation” prepared by the Department of
/// State", "translated by …", "a translation (prepared) by …".
fn translation(source_note: &str, footnotes: &[&str]) -> Option<Translated> {
    let mut evidence: Vec<&str> = Vec::new();
    if sentences(source_note).any(says_translation) || names_original_text(source_note) {
        evidence.push(source_note);
    }
    evidence.extend(footnotes.iter().filter(|f| {
        f.trim_start()
            .to_ascii_lowercase()
            .starts_with("printed from a translation")
    }));
    if evidence.is_empty() {
        return None;
    }
    let language = evidence.iter().find_map(|text| named_language(text));
    let translator = sentences(source_note).find_map(translator);
    Some(Translated {
        language,
        translator,
    })
}

/// The sentences of a note: what runs between full stops.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split('.').map(str::trim).filter(|s| !s.is_empty())
}

/// A note's words, with quotes and punctuation around them dropped.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether one sentence says the text printed is a translation.
fn says_translation(sentence: &str) -> bool {
    let lower = sentence.to_ascii_lowercase();
    let after = |needle: &str| lower.find(needle).map(|i| &lower[i + needle.len()..]);
    if let Some(rest) = after("source text ") {
        let verb = rest.split_whitespace().next().unwrap_or("");
        if ["is", "was", "appears", "indicates", "indicate", "bears"].contains(&verb)
            && rest.contains("translat")
        {
            return true;
        }
    }
    let w = words(&lower);
    let this_translation = w.windows(3).any(|x| {
        x[0] == "this"
            && (x[1] == "translation"
                || (["official", "informal", "unofficial"].contains(&x[1])
                    && x[2] == "translation"))
    });
    this_translation
        || after("which bears the notation").is_some_and(|r| r.contains("translation"))
        || after("printed here is a").is_some_and(|r| r.contains("translation"))
        || lower.contains("different translation is")
        || lower.contains("different translation was")
        || lower.contains("translation of this message")
        || lower.contains("translation of this letter")
        || lower.contains("text was translated by")
}

/// Whether a note says the original's text, in a language other than
/// English, is filed elsewhere ("The Russian-language text is ibid.").
fn names_original_text(note: &str) -> bool {
    let w = words(note);
    w.windows(3).any(|x| {
        ["the", "The", "a", "A", "transliterated"].contains(&x[0])
            && foreign_language(x[1].trim_end_matches("-language")).is_some()
            && x[1].starts_with(|c: char| c.is_ascii_uppercase())
            && x[2] == "text"
    })
}

/// The first language other than English that `text` names beside "text",
/// "translation", "version" or "copy", or after "from".
fn named_language(text: &str) -> Option<&'static str> {
    let w = words(text);
    w.windows(2).find_map(|x| {
        let (word, next) = (x[0].trim_end_matches("-language"), x[1]);
        if x[0] == "from" && x[1].starts_with(|c: char| c.is_ascii_uppercase()) {
            return foreign_language(x[1]);
        }
        let beside = ["text", "translation", "version", "copy"].contains(&next);
        (beside && word.starts_with(|c: char| c.is_ascii_uppercase()))
            .then(|| foreign_language(word))
            .flatten()
    })
}

/// Who translated the text, where a sentence names them.
fn translator(sentence: &str) -> Option<String> {
    let lower = sentence.to_ascii_lowercase();
    for dos in [
        "department of state translation",
        "state department translation",
    ] {
        if let Some(i) = lower.find("source text is a")
            && lower[i..].contains(dos)
        {
            return Some("Department of State".into());
        }
    }
    if lower.contains("official translation")
        && (lower.contains("prepared by the department of state")
            || lower.contains("prepared in the department of state"))
        && words(&lower).windows(2).any(|x| x == ["this", "official"])
    {
        return Some("Department of State".into());
    }
    let named_after = |needle: &str| -> Option<String> {
        let start = lower.find(needle)? + needle.len();
        let rest = &sentence[start..];
        let rest = rest.strip_prefix("the ").unwrap_or(rest);
        let end = [rest.find(" for "), rest.find([',', ';'])]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let name = rest[..end].trim();
        (!name.is_empty()).then(|| name.to_string())
    };
    if let Some(name) = named_after("translated by ") {
        return Some(name);
    }
    if lower.contains("source text") || lower.contains("printed here") {
        return named_after("translation prepared by ").or_else(|| named_after("translation by "));
    }
    None
}

/// A language other than English, by its English name.
fn foreign_language(word: &str) -> Option<&'static str> {
    language_code(word).filter(|code| *code != "en")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn volume() -> Vec<Record> {
        let text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo/frus/frus1961-63v06.xml"),
        )
        .expect("the demo volume");
        let info = SourceInfo {
            path: "frus1961-63v06.xml".into(),
            name: "frus1961-63v06.xml".into(),
            sha256: String::new(),
            imported_at: "2024-01-01T00:00:00Z".into(),
        };
        parse(&text, &info).expect("the volume parses")
    }

    fn doc(records: &[Record], n: u32) -> &Record {
        let id = format!("frus1961-63v06d{n}");
        records.iter().find(|r| r.id == id).expect("document")
    }

    #[test]
    fn a_tiny_volume_keeps_markers_and_links() {
        let text = r##"<TEI xml:id="v1"><teiHeader><fileDesc><titleStmt><title>V</title></titleStmt></fileDesc></teiHeader>
<text><body>
<div type="document" xml:id="d1" n="1"><head>1. First<note n="0" type="source">Source: Files. See <ref target="#d2">Document 2</ref>.</note></head>
<p>Alpha beta.<note n="1">See <ref
   target="#d2">Document
   2</ref>, <ref target="#d9">Document 9</ref>, <ref target="#pg_3">page 3</ref> and <ref target="frus1961-63v05#d4">vol. V, Document 4</ref>.</note> Gamma [not a link].</p>
</div>
<div type="document" xml:id="d2" n="2"><head>2. Second</head><p>Delta.</p></div>
</body></text></TEI>"##;
        let info = SourceInfo {
            path: "v1.xml".into(),
            name: "v1.xml".into(),
            sha256: String::new(),
            imported_at: "2024-01-01T00:00:00Z".into(),
        };
        let records = parse(text, &info).expect("parses");
        let first = &records[0];
        assert_eq!(first.title, "First", "no marker or link in a title");
        assert_eq!(first.texts[0].body, "Alpha beta.[^1] Gamma [not a link].");
        assert_eq!(
            first.notes[0].text,
            "Source: Files. See [Document 2](/records/v1d2)."
        );
        assert_eq!(
            first.notes[1].text,
            "See [Document 2](/records/v1d2), Document 9, page 3 and \
             [vol. V, Document 4](https://history.state.gov/historicaldocuments/frus1961-63v05/d4)."
        );
        assert_eq!(
            inline::plain(&first.texts[0].body),
            "Alpha beta. Gamma [not a link]."
        );
        // The archival reference is read from the source note's words.
        assert_eq!(
            first
                .archival_reference
                .as_ref()
                .map(|a| a.verbatim.as_str()),
            Some("Source: Files. See Document 2.")
        );
    }

    #[test]
    fn the_volume_links_document_8_and_marks_its_notes() {
        let records = volume();
        let d12 = doc(&records, 12);
        assert!(
            d12.texts[0]
                .body
                .starts_with("Moscow, April 30, 1961.\n\nExcellency: Allow me"),
            "{}",
            d12.texts[0].body
        );
        assert!(
            d12.texts[0]
                .body
                .contains("the first human being into space.[^1]\n\nI express the hope"),
            "the marker stays where the note was"
        );
        let note1 = d12
            .notes
            .iter()
            .find(|n| n.n.as_deref() == Some("1"))
            .unwrap();
        assert_eq!(note1.text, "See [Document 8](/records/frus1961-63v06d8).");
        // Every marker names a note of its document.
        for r in &records {
            for t in &r.texts {
                for piece in inline::parse(&t.body) {
                    if let inline::Inline::NoteRef(n) = piece {
                        assert!(
                            r.notes.iter().any(|x| x.n.as_deref() == Some(n)),
                            "{}: marker {n} without a note",
                            r.id
                        );
                    }
                    if let inline::Inline::Link {
                        target: inline::Target::Record(id),
                        ..
                    } = piece
                    {
                        assert!(records.iter().any(|x| x.id == id), "{id}");
                    }
                }
            }
        }
    }

    #[test]
    fn translations_are_told_by_their_source_notes() {
        let records = volume();
        let verdict = |n| {
            let r = doc(&records, n);
            (
                r.texts[0].kind,
                r.original_language.clone(),
                r.texts[0].translator.clone(),
            )
        };
        let dos = Some("Department of State".to_string());
        let ru = Some("ru".to_string());
        use TextKind::{Original, Translation};
        // "The source text is a Department of State translation of a
        // commercial telegram from Moscow. The transliterated Russian text is
        // ibid."
        assert_eq!(verdict(12), (Translation, ru.clone(), dos.clone()));
        // A Department of State translation that names no language.
        assert_eq!(verdict(54), (Translation, None, dos.clone()));
        // "The source text indicates it is an unofficial translation from
        // Russian."
        assert_eq!(verdict(115), (Translation, ru.clone(), None));
        // "A slightly different translation is printed in …; the
        // Russian-language text was transmitted …"
        assert_eq!(verdict(9), (Translation, ru.clone(), None));
        // "A different translation is printed in …": a translation, language
        // not named.
        assert_eq!(verdict(39), (Translation, None, None));
        // "The Russian-language text is ibid." alone.
        assert_eq!(verdict(43), (Translation, ru.clone(), None));
        // "the text was translated by Senior Foreign Service Officer Michael
        // Joyce".
        assert_eq!(
            verdict(93),
            (
                Translation,
                ru.clone(),
                Some("Senior Foreign Service Officer Michael Joyce".into())
            )
        );
        // "This “official translation” prepared in the Department of State".
        assert_eq!(verdict(63), (Translation, ru.clone(), dos.clone()));
        // "This “informal translation” and an “official translation” prepared
        // by the Department of State …": the Embassy's, not the Department's.
        assert_eq!(verdict(65).2, None);
        // "… appears to be a translation by the Soviet Embassy in Washington."
        assert_eq!(
            verdict(71),
            (
                Translation,
                None,
                Some("Soviet Embassy in Washington".into())
            )
        );
        // Negatives: Kennedy's letters, the Department's telegrams, and
        // Jacqueline Kennedy's letter "verified by comparing it to the
        // Russian translation".
        for n in [2, 4, 5, 7, 8, 10, 14, 20, 52, 60, 86, 94, 116, 117, 120] {
            assert_eq!(
                verdict(n),
                (Original, Some("en".into()), None),
                "document {n}"
            );
        }
        let translated = records
            .iter()
            .filter(|r| r.texts[0].kind == Translation)
            .count();
        assert_eq!(
            translated, 49,
            "documents whose notes say they are translations"
        );
    }

    #[test]
    fn mentions_of_other_translations_are_not_evidence() {
        let no = |note: &str| assert_eq!(translation(note, &[]), None, "{note}");
        no(
            "Source: Kennedy Library. The authenticity of the text printed here has been \
            verified by comparing it to the Russian translation in the Ministry.",
        );
        no(
            "Source: Department of State, Central Files. Secret. The memorandum discusses \
            the translation of the treaty into French.",
        );
        no("Source: Department of State. The English text is ibid.");
        no("Source: Department of State. The President text is ibid.");
        let footnote = "A better translation of “gleams” might be “glimmering of light.”";
        assert_eq!(translation("Source: Files.", &[footnote]), None);
        // A footnote "Printed from a translation …" is evidence.
        assert_eq!(
            translation(
                "Source: Files.",
                &[
                    "Printed from a translation that indicates Khrushchev signed the original \
                   Russian-language text."
                ]
            ),
            Some(Translated {
                language: Some("ru"),
                translator: None
            })
        );
        // Another language than Russian.
        assert_eq!(
            translation("Source: Files. The French-language text is ibid.", &[]),
            Some(Translated {
                language: Some("fr"),
                translator: None
            })
        );
    }
}
