//! TEI P5 editions such as *Foreign Relations of the United States*: one
//! record per `div[@type="document"]`.
//!
//! Mapping (see also the README): identifier = volume id + document id
//! (`frus1961-63v06d12`); title = `head` without its notes and number; date =
//! `frus:doc-dateTime-min/-max` (an EDTF interval when they differ), shown as
//! the dateline's `date`; `persName type="from"/"to"` = creators/recipients,
//! other `persName`s = people, resolved against the volume's list of persons;
//! the source note = the archival reference; other notes = footnotes, kept
//! apart from the body; `pb` = the pages the document spans.
//!
//! Invariant: every `div[@type="document"]` yields exactly one record or one
//! error; nothing inside a document is dropped without a trace (unknown
//! elements contribute their text).

use super::xml::{self, Element, Node};
use super::{ImportError, SourceInfo, squash_space, type_from_title};
use crate::model::{
    Agent, ArchivalReference, Edition, Note, Place, Record, RecordDate, TextKind, TextVersion,
};
use std::collections::HashMap;

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
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for doc in &walk.documents {
        match document(doc, &volume, info, &lines) {
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
                .map(|e| flat(&inline_text(e, &mut Vec::new())))
        });
        let editors = title_stmt
            .map(|t| {
                t.elements()
                    .filter(|e| e.name == "editor")
                    .map(|e| flat(&inline_text(e, &mut Vec::new())))
                    .collect()
            })
            .unwrap_or_default();
        let text_of = |name: &str| {
            publication
                .and_then(|p| p.child(name))
                .map(|e| flat(&inline_text(e, &mut Vec::new())))
        };
        let publisher = match (text_of("pubPlace"), text_of("publisher")) {
            (Some(place), Some(publisher)) => Some(format!("{place}: {publisher}")),
            (None, publisher) => publisher,
            (place, None) => place,
        };
        let year = publication.and_then(|p| {
            p.elements()
                .find(|e| e.name == "date" && e.attr("type") == Some("publication-date"))
                .map(|e| flat(&inline_text(e, &mut Vec::new())))
        });
        let mut named = Vec::new();
        root.find_all(
            &|e| e.name == "persName" && e.attr("xml:id").is_some(),
            &mut named,
        );
        let persons = named
            .into_iter()
            .filter_map(|e| {
                let name = flat(&inline_text(e, &mut Vec::new()));
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
    let head_text = flat(&inline_text(head, &mut notes));
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
        let name = flat(&inline_text(p, &mut Vec::new()));
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
                name: flat(&inline_text(p, &mut Vec::new())),
                role: "origin".into(),
            });
        }
        let mut dates = Vec::new();
        dl.find_all(&|e| e.name == "date", &mut dates);
        if let Some(d) = dates.first() {
            display = Some((
                flat(&inline_text(d, &mut Vec::new())),
                d.attr("when").map(str::to_string),
            ));
        }
    }
    let mut other_places = Vec::new();
    div.find_all(&|e| e.name == "placeName", &mut other_places);
    for p in other_places {
        let name = flat(&inline_text(p, &mut Vec::new()));
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
            collect_blocks(child, &mut blocks, &mut notes);
        }
    }
    let body = blocks
        .into_iter()
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    for note in &notes {
        if note.kind == "source" {
            let text = note.text.trim_start_matches("Source:").trim();
            let reference = text.split(". ").next().unwrap_or(text);
            let mut parsed = ArchivalReference::parse(reference);
            parsed.verbatim = note.text.clone();
            record.archival_reference = Some(parsed);
        }
    }
    record.notes = notes;
    record.original_language = Some("en".into());
    if !body.is_empty() {
        record.texts.push(TextVersion {
            kind: TextKind::Original,
            language: "en".into(),
            translator: None,
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

/// Splits a document's content into paragraphs; notes go to `notes`.
fn collect_blocks(e: &Element, blocks: &mut Vec<String>, notes: &mut Vec<Note>) {
    match e.name.as_str() {
        "pb" | "milestone" | "figure" | "graphic" => {}
        "note" => note(e, notes),
        "list" | "div" | "table" => {
            for child in e.children.iter() {
                match child {
                    Node::Element(c) => collect_blocks(c, blocks, notes),
                    Node::Text(t) if !t.trim().is_empty() => blocks.push(squash_space(t)),
                    Node::Text(_) => {}
                }
            }
        }
        "row" => {
            let cells: Vec<String> = e
                .elements()
                .map(|c| squash_lines(&inline_text(c, notes)))
                .collect();
            blocks.push(cells.join(" | "));
        }
        name if BLOCKS.contains(&name) || !e.children.is_empty() => {
            blocks.push(squash_lines(&inline_text(e, notes)));
        }
        _ => {}
    }
}

/// Takes a note out of the running text (and any note nested in it).
fn note(e: &Element, notes: &mut Vec<Note>) {
    let mut inner = Vec::new();
    let text = flat(&inline_text(e, &mut inner));
    notes.push(Note {
        n: e.attr("n").map(str::to_string),
        kind: e.attr("type").unwrap_or("footnote").to_string(),
        text,
    });
    notes.append(&mut inner);
}

/// The running text of an element: notes are taken out (into `notes`), `lb`
/// becomes a line break.
fn inline_text(e: &Element, notes: &mut Vec<Note>) -> String {
    let mut out = String::new();
    for child in &e.children {
        match child {
            Node::Text(t) => out.push_str(t),
            Node::Element(c) => match c.name.as_str() {
                "note" => note(c, notes),
                "lb" => out.push(LINE_BREAK),
                "pb" => out.push(' '),
                _ => out.push_str(&inline_text(c, notes)),
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
