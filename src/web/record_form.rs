//! The desk's record form: a [`Record`] as form rows, and the rows sent back
//! as a record.
//!
//! Every field of a record has a place in the form; repeated and nested
//! fields (alternative titles, dates, agents, places, notes, text versions)
//! are numbered rows (`creator.0.name`, `text.1.body`, …), each with blank
//! rows to add one, so the form works without script. A row left empty
//! (or a text or note row marked "remove") is dropped.
//!
//! Invariants:
//! - A form made from a record and sent back untouched gives the same
//!   record ([`RecordForm::from_record`] then [`parse`] is the identity on
//!   every field the form carries; provenance is the store's and is set by
//!   the archive, not here). Text areas come back with `\r\n` as browsers
//!   send them; they are read as `\n`.
//! - The archival reference is kept as stored when its verbatim text is
//!   unchanged, and parsed again from the new text when it changed.
//! - What cannot be read (an unknown text kind, a visibility word) is a
//!   field-level problem, never dropped.

use crate::model::{
    Agent, AlternativeTitle, ArchivalReference, Edition, Note, Place, Record, RecordDate, TextKind,
    TextVersion, Visibility,
};
use std::collections::{BTreeMap, HashMap};

/// Blank rows offered to add agents, places, dates, titles and notes.
const BLANK_ROWS: usize = 1;

/// The agent roles of a record, as form groups: (key, label).
pub const AGENT_GROUPS: [(&str, &str); 3] = [
    ("creator", "Creators (authors, senders)"),
    ("recipient", "Recipients"),
    ("person", "People mentioned"),
];

/// One agent row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentRow {
    pub name: String,
    pub title: String,
    pub role: String,
    pub authority: String,
    /// Other forms, one per `|`.
    pub variants: String,
}

/// The agents of one role.
#[derive(Debug, Clone)]
pub struct AgentGroup {
    pub key: &'static str,
    pub label: &'static str,
    pub rows: Vec<AgentRow>,
}

/// An alternative title row.
#[derive(Debug, Clone, Default)]
pub struct AltRow {
    pub text: String,
    pub language: String,
    pub kind: String,
}

/// A date row.
#[derive(Debug, Clone, Default)]
pub struct DateRow {
    pub edtf: String,
    pub display: String,
    pub role: String,
}

/// A place row.
#[derive(Debug, Clone, Default)]
pub struct PlaceRow {
    pub name: String,
    pub role: String,
}

/// A note row.
#[derive(Debug, Clone, Default)]
pub struct NoteRow {
    pub n: String,
    pub kind: String,
    pub text: String,
}

/// A text version row.
#[derive(Debug, Clone, Default)]
pub struct TextRow {
    pub kind: String,
    pub language: String,
    pub translator: String,
    pub machine: bool,
    pub label: String,
    pub body: String,
}

/// The whole form.
#[derive(Debug, Clone, Default)]
pub struct RecordForm {
    pub id: String,
    pub title: String,
    pub alt_titles: Vec<AltRow>,
    pub date: DateRow,
    pub other_dates: Vec<DateRow>,
    pub doc_type: String,
    pub agents: Vec<AgentGroup>,
    pub places: Vec<PlaceRow>,
    pub reference: String,
    /// The parsed parts of the stored reference: (level, value).
    pub reference_parts: Vec<(&'static str, String)>,
    pub holding_archive: String,
    pub source_url: String,
    pub citation: String,
    pub edition_title: String,
    pub edition_number: String,
    pub edition_pages: String,
    pub edition_editors: String,
    pub edition_publisher: String,
    pub edition_year: String,
    pub contributors: String,
    pub translators: String,
    pub summary: String,
    /// The summary is machine-written (flagged to readers).
    pub summary_machine: bool,
    pub original_language: String,
    pub texts: Vec<TextRow>,
    pub notes: Vec<NoteRow>,
    pub subjects: String,
    pub collections: String,
    pub rights: String,
    /// A rights-statement URI (rightsstatements.org or Creative Commons).
    pub rights_uri: String,
    pub status: String,
    pub until: String,
    pub extra: String,
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn lines(values: &[String]) -> String {
    values.join("\n")
}

/// The parsed levels of a reference, for showing beside its verbatim text.
pub fn reference_parts(r: &ArchivalReference) -> Vec<(&'static str, String)> {
    [
        ("Repository", r.repository.clone()),
        ("Record group", r.record_group.clone()),
        ("Fond", r.fond.clone()),
        ("Opis", r.opis.clone()),
        ("Delo", r.delo.clone()),
        ("Papka", r.papka.clone()),
        ("Series", r.series.clone()),
        ("Box", r.r#box.clone()),
        ("Folder", r.folder.clone()),
        ("Lot", r.lot.clone()),
        ("Folios", r.folios.as_ref().map(|f| f.display())),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.map(|v| (label, v)))
    .collect()
}

fn agent_row(a: &Agent) -> AgentRow {
    AgentRow {
        name: a.name.clone(),
        title: text(&a.title),
        role: text(&a.role),
        authority: text(&a.authority),
        variants: a.variants.join(" | "),
    }
}

fn date_row(d: &RecordDate) -> DateRow {
    DateRow {
        edtf: d.edtf.clone(),
        display: text(&d.display),
        role: text(&d.role),
    }
}

fn with_blanks<T: Default>(mut rows: Vec<T>, blanks: usize) -> Vec<T> {
    rows.extend((0..blanks).map(|_| T::default()));
    rows
}

impl RecordForm {
    /// A blank form for a new record: a draft, with one text row.
    pub fn blank() -> RecordForm {
        let mut form = RecordForm::from_record(&Record::new(
            String::new(),
            String::new(),
            crate::archive::desk_provenance(""),
        ));
        form.status = "draft".into();
        form
    }

    /// The form of a record, with blank rows to add to each list.
    pub fn from_record(r: &Record) -> RecordForm {
        let groups = [&r.creators, &r.recipients, &r.people];
        let edition =
            |part: fn(&Edition) -> String| r.edition.as_ref().map(part).unwrap_or_default();
        let (status, until) = match &r.visibility {
            Visibility::Embargoed { until } => ("embargoed", until.clone()),
            other => (other.status(), String::new()),
        };
        RecordForm {
            id: r.id.clone(),
            title: r.title.clone(),
            alt_titles: with_blanks(
                r.alternative_titles
                    .iter()
                    .map(|t| AltRow {
                        text: t.text.clone(),
                        language: text(&t.language),
                        kind: t.kind.clone(),
                    })
                    .collect(),
                BLANK_ROWS,
            ),
            date: r.date.as_ref().map(date_row).unwrap_or_default(),
            other_dates: with_blanks(r.other_dates.iter().map(date_row).collect(), BLANK_ROWS),
            doc_type: text(&r.doc_type),
            agents: AGENT_GROUPS
                .iter()
                .zip(groups)
                .map(|((key, label), list)| AgentGroup {
                    key,
                    label,
                    rows: with_blanks(list.iter().map(agent_row).collect(), BLANK_ROWS),
                })
                .collect(),
            places: with_blanks(
                r.places
                    .iter()
                    .map(|p| PlaceRow {
                        name: p.name.clone(),
                        role: p.role.clone(),
                    })
                    .collect(),
                BLANK_ROWS,
            ),
            reference: r
                .archival_reference
                .as_ref()
                .map(|a| a.verbatim.clone())
                .unwrap_or_default(),
            reference_parts: r
                .archival_reference
                .as_ref()
                .map(reference_parts)
                .unwrap_or_default(),
            holding_archive: text(&r.holding_archive),
            source_url: text(&r.source_url),
            citation: text(&r.citation),
            edition_title: edition(|e| e.title.clone()),
            edition_number: edition(|e| text(&e.number)),
            edition_pages: edition(|e| text(&e.pages)),
            edition_editors: edition(|e| lines(&e.editors)),
            edition_publisher: edition(|e| text(&e.publisher)),
            edition_year: edition(|e| text(&e.year)),
            contributors: lines(&r.contributors),
            translators: lines(&r.translators),
            summary: text(&r.summary),
            summary_machine: r.summary_machine,
            original_language: text(&r.original_language),
            texts: with_blanks(
                r.texts
                    .iter()
                    .map(|t| TextRow {
                        kind: t.kind.label().to_lowercase(),
                        language: t.language.clone(),
                        translator: text(&t.translator),
                        machine: t.machine_translation,
                        label: text(&t.label),
                        body: t.body.clone(),
                    })
                    .collect(),
                1,
            ),
            notes: with_blanks(
                r.notes
                    .iter()
                    .map(|n| NoteRow {
                        n: text(&n.n),
                        kind: n.kind.clone(),
                        text: n.text.clone(),
                    })
                    .collect(),
                BLANK_ROWS,
            ),
            subjects: lines(&r.subjects),
            collections: lines(&r.collections),
            rights: text(&r.rights),
            rights_uri: text(&r.rights_uri),
            status: status.to_string(),
            until,
            extra: r
                .extra
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// A problem with one field of the form: the field's form name and what is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The form's pairs, by name (the last value of a repeated name wins).
struct Pairs(HashMap<String, String>);

impl Pairs {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// A single-line field: as typed (an input's value has no line
    /// breaks); `None` when empty.
    fn optional(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        (!v.is_empty()).then(|| v.to_string())
    }

    /// A text area: `\r\n` read as `\n`.
    fn area(&self, name: &str) -> String {
        self.get(name).replace("\r\n", "\n")
    }

    /// A text area of one value per line, empty lines dropped.
    fn list(&self, name: &str) -> Vec<String> {
        self.area(name)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The row numbers used under `prefix.` in ascending order.
    fn rows(&self, prefix: &str) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(prefix)?.strip_prefix('.'))
            .filter_map(|rest| rest.split('.').next()?.parse().ok())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

fn agents(p: &Pairs, key: &str) -> Vec<Agent> {
    p.rows(key)
        .into_iter()
        .filter_map(|i| {
            let f = |name: &str| p.optional(&format!("{key}.{i}.{name}"));
            let name = f("name")?;
            Some(Agent {
                name,
                title: f("title"),
                role: f("role"),
                authority: f("authority"),
                variants: p
                    .get(&format!("{key}.{i}.variants"))
                    .split(" | ")
                    .filter(|v| !v.trim().is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

fn date(p: &Pairs, prefix: &str) -> Option<RecordDate> {
    let edtf = p.optional(&format!("{prefix}.edtf"));
    let display = p.optional(&format!("{prefix}.display"));
    let role = p.optional(&format!("{prefix}.role"));
    if edtf.is_none() && display.is_none() {
        return None;
    }
    Some(RecordDate {
        display,
        edtf: edtf.unwrap_or_default(),
        role,
    })
}

/// Reads a sent form as a record, over `base` (the record as stored now,
/// whose identifier and parsed reference are kept; `None` for a new
/// record, whose identifier the form gives). Whether the form was opened
/// on that revision is the archive's check, on save.
/// What cannot be read is returned as field problems beside the record as
/// far as it could be read (to show the form again); the record's own
/// rules ([`Record::problems`]) are checked by the archive on save.
pub fn parse(pairs: &[(String, String)], base: Option<&Record>) -> (Record, Vec<FieldProblem>) {
    let p = Pairs(pairs.iter().cloned().collect());
    let mut problems = Vec::new();
    let mut problem = |field: String, message: String| {
        problems.push(FieldProblem { field, message });
    };
    let id = match base {
        Some(r) => r.id.clone(),
        None => p.get("id").trim().to_string(),
    };
    let mut r = Record::new(
        id,
        p.get("title").to_string(),
        crate::archive::desk_provenance(""),
    );
    r.alternative_titles = p
        .rows("alt")
        .into_iter()
        .filter_map(|i| {
            let text = p.optional(&format!("alt.{i}.text"))?;
            Some(AlternativeTitle {
                text,
                language: p.optional(&format!("alt.{i}.language")),
                kind: p.get(&format!("alt.{i}.kind")).to_string(),
            })
        })
        .collect();
    r.date = date(&p, "date");
    r.other_dates = p
        .rows("odate")
        .into_iter()
        .filter_map(|i| date(&p, &format!("odate.{i}")))
        .collect();
    for (i, d) in r.other_dates.iter().enumerate() {
        if let Err(e) = d.validate() {
            problem(format!("odate.{i}.edtf"), e.to_string());
        }
    }
    r.doc_type = p.optional("doc_type");
    r.creators = agents(&p, "creator");
    r.recipients = agents(&p, "recipient");
    r.people = agents(&p, "person");
    r.places = p
        .rows("place")
        .into_iter()
        .filter_map(|i| {
            Some(Place {
                name: p.optional(&format!("place.{i}.name"))?,
                role: p.get(&format!("place.{i}.role")).to_string(),
            })
        })
        .collect();
    let verbatim = p.get("reference");
    let stored = base.and_then(|b| b.archival_reference.as_ref());
    r.archival_reference = match stored {
        Some(a) if a.verbatim == verbatim => Some(a.clone()),
        _ if verbatim.is_empty() => None,
        _ => Some(ArchivalReference::parse(verbatim)),
    };
    r.holding_archive = p.optional("holding_archive");
    r.source_url = p.optional("source_url");
    r.citation = p.optional("citation");
    r.edition = p.optional("edition.title").map(|title| Edition {
        title,
        number: p.optional("edition.number"),
        pages: p.optional("edition.pages"),
        editors: p.list("edition.editors"),
        publisher: p.optional("edition.publisher"),
        year: p.optional("edition.year"),
    });
    r.contributors = p.list("contributors");
    r.translators = p.list("translators");
    r.summary = Some(p.area("summary")).filter(|s| !s.is_empty());
    r.summary_machine = !p.get("summary_machine").is_empty();
    r.original_language = p.optional("original_language");
    for i in p.rows("text") {
        let f = |name: &str| format!("text.{i}.{name}");
        let body = p.area(&f("body"));
        if !p.get(&f("remove")).is_empty() || (body.is_empty() && p.get(&f("language")).is_empty())
        {
            continue;
        }
        let kind_word = p.get(&f("kind"));
        let kind = TextKind::from_label(&capitalised(kind_word)).unwrap_or_else(|| {
            problem(
                f("kind"),
                format!("{kind_word:?} is not original, transcription or translation"),
            );
            TextKind::Translation
        });
        if p.get(&f("language")).trim().is_empty() {
            problem(f("language"), "a text version needs its language".into());
        }
        r.texts.push(TextVersion {
            kind,
            language: p.get(&f("language")).to_string(),
            translator: p.optional(&f("translator")),
            machine_translation: !p.get(&f("machine")).is_empty(),
            label: p.optional(&f("label")),
            body,
        });
    }
    r.notes = p
        .rows("note")
        .into_iter()
        .filter(|i| p.get(&format!("note.{i}.remove")).is_empty())
        .filter_map(|i| {
            let text = Some(p.area(&format!("note.{i}.text"))).filter(|t| !t.is_empty())?;
            Some(Note {
                n: p.optional(&format!("note.{i}.n")),
                kind: p.get(&format!("note.{i}.kind")).to_string(),
                text,
            })
        })
        .collect();
    r.subjects = p.list("subjects");
    r.collections = p.list("collections");
    r.rights = p.optional("rights");
    r.rights_uri = Some(p.get("rights_uri").trim().to_string()).filter(|u| !u.is_empty());
    if let Some(uri) = &r.rights_uri
        && !crate::model::is_rights_uri(uri)
    {
        problem(
            "rights_uri".into(),
            format!(
                "{uri:?} is not a rights statement URI: give one of rightsstatements.org \
                 (http://rightsstatements.org/vocab/InC/1.0/) or a Creative Commons licence or \
                 public-domain tool (https://creativecommons.org/publicdomain/mark/1.0/)"
            ),
        );
    }
    r.visibility = match p.get("status") {
        "draft" => Visibility::Draft,
        "published" => Visibility::Published,
        "withdrawn" => Visibility::Withdrawn,
        "embargoed" => Visibility::Embargoed {
            until: p.get("until").trim().to_string(),
        },
        other => {
            problem(
                "status".into(),
                format!("{other:?} is not draft, published, embargoed or withdrawn"),
            );
            Visibility::Draft
        }
    };
    let mut extra = BTreeMap::new();
    for (n, line) in p.list("extra").iter().enumerate() {
        match line.split_once(" = ") {
            Some((k, v)) if !k.trim().is_empty() => {
                extra.insert(k.to_string(), v.to_string());
            }
            _ => problem(
                "extra".into(),
                format!("line {}: {line:?} is not `name = value`", n + 1),
            ),
        }
    }
    r.extra = extra;
    (r, problems)
}

fn capitalised(word: &str) -> String {
    let mut chars = word.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The form field a record rule's field names (`date` is the date's EDTF
/// input, `visibility.until` the embargo day).
pub fn form_field(record_field: &str) -> &str {
    match record_field {
        "date" => "date.edtf",
        "visibility.until" => "until",
        other => other,
    }
}

/// The form's fields as a browser sends them (for tests and the API's
/// examples): every input of the form with its value.
pub fn pairs_of(form: &RecordForm) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |k: String, v: &str| out.push((k, v.to_string()));
    put("id".into(), &form.id);
    put("title".into(), &form.title);
    for (i, a) in form.alt_titles.iter().enumerate() {
        put(format!("alt.{i}.text"), &a.text);
        put(format!("alt.{i}.language"), &a.language);
        put(format!("alt.{i}.kind"), &a.kind);
    }
    put("date.edtf".into(), &form.date.edtf);
    put("date.display".into(), &form.date.display);
    put("date.role".into(), &form.date.role);
    for (i, d) in form.other_dates.iter().enumerate() {
        put(format!("odate.{i}.edtf"), &d.edtf);
        put(format!("odate.{i}.display"), &d.display);
        put(format!("odate.{i}.role"), &d.role);
    }
    put("doc_type".into(), &form.doc_type);
    for g in &form.agents {
        for (i, a) in g.rows.iter().enumerate() {
            put(format!("{}.{i}.name", g.key), &a.name);
            put(format!("{}.{i}.title", g.key), &a.title);
            put(format!("{}.{i}.role", g.key), &a.role);
            put(format!("{}.{i}.authority", g.key), &a.authority);
            put(format!("{}.{i}.variants", g.key), &a.variants);
        }
    }
    for (i, pl) in form.places.iter().enumerate() {
        put(format!("place.{i}.name"), &pl.name);
        put(format!("place.{i}.role"), &pl.role);
    }
    put("reference".into(), &form.reference);
    put("holding_archive".into(), &form.holding_archive);
    put("source_url".into(), &form.source_url);
    put("citation".into(), &form.citation);
    put("edition.title".into(), &form.edition_title);
    put("edition.number".into(), &form.edition_number);
    put("edition.pages".into(), &form.edition_pages);
    put(
        "edition.editors".into(),
        &form.edition_editors.replace('\n', "\r\n"),
    );
    put("edition.publisher".into(), &form.edition_publisher);
    put("edition.year".into(), &form.edition_year);
    put(
        "contributors".into(),
        &form.contributors.replace('\n', "\r\n"),
    );
    put(
        "translators".into(),
        &form.translators.replace('\n', "\r\n"),
    );
    put("summary".into(), &form.summary.replace('\n', "\r\n"));
    if form.summary_machine {
        put("summary_machine".into(), "on");
    }
    put("original_language".into(), &form.original_language);
    for (i, t) in form.texts.iter().enumerate() {
        put(format!("text.{i}.kind"), &t.kind);
        put(format!("text.{i}.language"), &t.language);
        put(format!("text.{i}.translator"), &t.translator);
        if t.machine {
            put(format!("text.{i}.machine"), "on");
        }
        put(format!("text.{i}.label"), &t.label);
        put(format!("text.{i}.body"), &t.body.replace('\n', "\r\n"));
    }
    for (i, n) in form.notes.iter().enumerate() {
        put(format!("note.{i}.n"), &n.n);
        put(format!("note.{i}.kind"), &n.kind);
        put(format!("note.{i}.text"), &n.text.replace('\n', "\r\n"));
    }
    put("subjects".into(), &form.subjects.replace('\n', "\r\n"));
    put(
        "collections".into(),
        &form.collections.replace('\n', "\r\n"),
    );
    put("rights".into(), &form.rights);
    put("rights_uri".into(), &form.rights_uri);
    put("status".into(), &form.status);
    put("until".into(), &form.until);
    put("extra".into(), &form.extra.replace('\n', "\r\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Record {
        let file = crate::import::SourceFile {
            path: concat!(env!("CARGO_MANIFEST_DIR"), "/demo/wilson/208261.md").into(),
            format: crate::import::Format::Wilson,
        };
        let parsed = crate::import::parse_file(&file, "2026-01-01T00:00:00Z").unwrap();
        parsed.records.into_iter().next().unwrap()
    }

    #[test]
    fn a_form_sent_back_untouched_is_the_same_record() {
        let seed = seed();
        let form = RecordForm::from_record(&seed);
        let (mut back, problems) = parse(&pairs_of(&form), Some(&seed));
        assert_eq!(problems, []);
        back.provenance = seed.provenance.clone();
        assert_eq!(back, seed);
        assert!(crate::model::diff::diff(&seed, &back).is_empty());
    }

    #[test]
    fn rows_add_remove_and_the_reference_is_parsed_again_when_changed() {
        let seed = seed();
        let form = RecordForm::from_record(&seed);
        let mut pairs = pairs_of(&form);
        let set = |pairs: &mut Vec<(String, String)>, k: &str, v: &str| match pairs
            .iter_mut()
            .find(|(key, _)| key == k)
        {
            Some(pair) => pair.1 = v.to_string(),
            None => pairs.push((k.to_string(), v.to_string())),
        };
        let blank_recipient = seed.recipients.len();
        set(
            &mut pairs,
            &format!("recipient.{blank_recipient}.name"),
            "Molotov",
        );
        let blank_text = seed.texts.len();
        set(
            &mut pairs,
            &format!("text.{blank_text}.kind"),
            "translation",
        );
        set(&mut pairs, &format!("text.{blank_text}.language"), "fr");
        set(&mut pairs, &format!("text.{blank_text}.machine"), "on");
        set(
            &mut pairs,
            &format!("text.{blank_text}.body"),
            "Ligne un\r\nLigne deux",
        );
        set(&mut pairs, "text.0.remove", "on");
        set(
            &mut pairs,
            "reference",
            "RGASPI, f. 558, op. 11, d. 110, l. 1",
        );
        let (r, problems) = parse(&pairs, Some(&seed));
        assert_eq!(problems, []);
        assert_eq!(r.recipients.last().unwrap().name, "Molotov");
        assert_eq!(r.texts.len(), seed.texts.len());
        let added = r.texts.last().unwrap();
        assert!(added.machine_translation);
        assert_eq!(added.body, "Ligne un\nLigne deux");
        assert_eq!(added.kind, TextKind::Translation);
        let reference = r.archival_reference.unwrap();
        assert_eq!(reference.delo.as_deref(), Some("110"));
        assert_eq!(reference.fond.as_deref(), Some("558"));
    }

    #[test]
    fn a_rights_uri_is_kept_and_a_bad_one_is_a_field_problem() {
        let seed = seed();
        let mut pairs = pairs_of(&RecordForm::from_record(&seed));
        let uri = "http://rightsstatements.org/vocab/NoC-US/1.0/";
        pairs.push(("rights_uri".into(), format!(" {uri} ")));
        let (r, problems) = parse(&pairs, Some(&seed));
        assert_eq!(problems, []);
        assert_eq!(r.rights_uri.as_deref(), Some(uri));
        assert_eq!(RecordForm::from_record(&r).rights_uri, uri);
        pairs.push(("rights_uri".into(), "public domain".into()));
        let (_, problems) = parse(&pairs, Some(&seed));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "rights_uri");
        assert!(problems[0].message.contains("\"public domain\""));
    }

    #[test]
    fn the_machine_written_summary_flag_is_set_and_cleared() {
        let seed = seed();
        assert!(!RecordForm::from_record(&seed).summary_machine);
        let mut pairs = pairs_of(&RecordForm::from_record(&seed));
        assert!(!pairs.iter().any(|(k, _)| k == "summary_machine"));
        pairs.push(("summary_machine".into(), "on".into()));
        let (mut flagged, problems) = parse(&pairs, Some(&seed));
        assert_eq!(problems, []);
        assert!(flagged.summary_machine);
        flagged.provenance = seed.provenance.clone();
        let form = RecordForm::from_record(&flagged);
        assert!(form.summary_machine);
        let (back, _) = parse(&pairs_of(&form), Some(&flagged));
        assert!(back.summary_machine, "an untouched form keeps the flag");
        let changes = crate::model::diff::diff(&seed, &flagged);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].path, "summary_machine");
        assert_eq!(changes[0].after.as_deref(), Some("true"));
        let (cleared, _) = parse(&pairs_of(&RecordForm::from_record(&seed)), Some(&flagged));
        assert!(!cleared.summary_machine, "an unticked box clears it");
    }

    #[test]
    fn a_machine_flag_without_a_summary_is_refused_at_its_field() {
        let mut seed = seed();
        seed.summary = None;
        let mut pairs = pairs_of(&RecordForm::from_record(&seed));
        pairs.push(("summary_machine".into(), "on".into()));
        let (r, _) = parse(&pairs, Some(&seed));
        let problems = r.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(form_field(problems[0].field), "summary_machine");
    }

    #[test]
    fn what_cannot_be_read_is_a_field_problem() {
        let pairs = vec![
            ("id".to_string(), "x".to_string()),
            ("title".to_string(), "T".to_string()),
            ("text.0.kind".to_string(), "poem".to_string()),
            ("text.0.language".to_string(), "en".to_string()),
            ("text.0.body".to_string(), "b".to_string()),
            ("status".to_string(), "secret".to_string()),
            ("odate.0.edtf".to_string(), "19xx-99".to_string()),
        ];
        let (_, problems) = parse(&pairs, None);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["odate.0.edtf", "text.0.kind", "status"]);
    }
}
