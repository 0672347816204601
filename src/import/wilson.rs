//! The Wilson Center Digital Archive's record format: Markdown as the
//! archive's pages render, one record per file (`corpus/wilson/208261.md`).
//!
//! ```text
//! **September 22, 1948**␠␠
//! **Telephone Message via VCh, Kim Il Sung to␠␠
//! Generalissimo Iosif Vissarionovich Stalin**
//!
//! **Citation:**          (then Summary, Original Language …)
//!
//! "Title", date, Archive, Reference. Contributed by … and translated by …. <URL>
//!
//! **Contents:**
//!
//! Translation - English
//!
//! the text, to the end of the file
//! ```
//!
//! Invariant: the parser accepts a file only if
//! [`crate::export::wilson::render`] gives it back byte for byte; what the
//! layout needs for that (leading blank lines, where the title broke, the
//! final newline) is kept in [`SourceLayout`]. The citation, the archival
//! reference and the texts are kept verbatim; creators, recipients, places
//! and other dates are read from them as well, never instead.

use super::{ImportError, SourceInfo, type_from_title};
use crate::model::lowered::Lowered;
use crate::model::{
    Agent, ArchivalReference, Place, Record, RecordDate, SourceLayout, TextKind, TextVersion,
    language_code,
};

/// Section names the model has a place for; any other `**Name:**` section is
/// kept verbatim in `extra` under `wilson:Name`.
const KNOWN_SECTIONS: [&str; 4] = ["Citation", "Summary", "Original Language", "Contents"];

pub use crate::export::wilson::EXTRA_SECTION_PREFIX;

/// Parses one Wilson record file.
pub fn parse(text: &str, info: &SourceInfo) -> Result<Record, ImportError> {
    let err = |line: usize, field: &str, message: &str| {
        ImportError::file(&info.path, message)
            .at_line(line as u64)
            .in_field(field)
    };
    let leading_newlines = text.len() - text.trim_start_matches('\n').len();
    let body = &text[leading_newlines..];
    let first_line = leading_newlines + 1;

    // The header paragraph: bold date and bold title, up to the first blank line.
    let (header, rest) = body.split_once("\n\n").ok_or_else(|| {
        err(
            first_line,
            "title",
            "no header: expected a bold date and title followed by a blank line",
        )
    })?;
    let (date_display, raw_title) = split_header(header)
        .ok_or_else(|| err(first_line, "title", "the header holds no bold title"))?;
    let (title, title_breaks) = unbreak(raw_title);
    if title.trim().is_empty() {
        return Err(err(first_line, "title", "the title is empty"));
    }
    let header_lines = header.lines().count();
    let sections = split_sections(rest, first_line + header_lines + 1)
        .map_err(|(line, msg)| err(line, "sections", &msg))?;

    let provenance = info.provenance("wilson");
    let mut record = Record::new(String::new(), title.clone(), provenance);
    record.doc_type = type_from_title(&title);
    if let Some(display) = date_display {
        let edtf = edtf_from_display(display);
        record.date = Some(
            RecordDate::new(&edtf, Some(display.to_string()))
                .map_err(|e| err(first_line, "date", &e.to_string()))?,
        );
    }
    let (creators, recipients) = agents_from_title(&title);
    record.creators = creators;
    record.recipients = recipients;

    let mut final_newline = false;
    let mut saw_contents = false;
    for section in &sections {
        match section.name {
            "Citation" => read_citation(&mut record, section.content),
            "Summary" => record.summary = Some(section.content.to_string()),
            "Original Language" => {
                let name = section.content;
                record.original_language =
                    Some(language_code(name).map_or_else(|| name.to_string(), str::to_string));
            }
            "Contents" => {
                saw_contents = true;
                let content = match section.content.strip_suffix('\n') {
                    Some(c) => {
                        final_newline = true;
                        c
                    }
                    None => section.content,
                };
                record.texts = read_versions(content, &record.translators)
                    .map_err(|msg| err(section.line, "contents", &msg))?;
            }
            other => {
                record.extra.insert(
                    format!("{EXTRA_SECTION_PREFIX}{other}"),
                    section.content.to_string(),
                );
            }
        }
    }
    if record.citation.is_none() {
        return Err(err(
            first_line + header_lines + 1,
            "citation",
            "no **Citation:** section",
        ));
    }
    if !saw_contents {
        return Err(err(
            first_line + header_lines + 1,
            "contents",
            "no **Contents:** section",
        ));
    }
    for text in &record.texts {
        read_places_and_dates(&mut record.places, &mut record.other_dates, &text.body);
    }
    record.id = match record.source_url.as_deref().and_then(id_from_url) {
        Some(id) => id,
        None => info
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string(),
    };
    let file_name = info
        .path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    record.provenance.origin = format!("wilson:{file_name}");
    record.provenance.line = Some(1);
    record.provenance.layout = Some(SourceLayout {
        leading_newlines: leading_newlines as u32,
        title_breaks,
        final_newline,
    });
    record
        .validate()
        .map_err(|e| err(first_line, e.field, &e.message))?;
    let rendered = crate::export::wilson::render(&record);
    if rendered != text {
        let line = first_difference_line(&rendered, text);
        return Err(err(
            line,
            "layout",
            "this file departs from the Wilson record layout here (fonds keeps only files it can \
             give back byte for byte; use --format to read it otherwise)",
        ));
    }
    Ok(record)
}

/// The line (1-based) where two texts first differ.
fn first_difference_line(a: &str, b: &str) -> usize {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    1 + b.as_bytes()[..at.min(b.len())]
        .iter()
        .filter(|c| **c == b'\n')
        .count()
}

/// Splits `**date**  \n**title**` (or a lone `**title**`) into its parts.
fn split_header(header: &str) -> Option<(Option<&str>, &str)> {
    let inner = header.strip_prefix("**")?.strip_suffix("**")?;
    match inner.split_once("**  \n**") {
        Some((date, title)) if !date.contains("**") && !title.contains("**") => {
            Some((Some(date), title))
        }
        _ if !inner.contains("**") => Some((None, inner)),
        _ => None,
    }
}

/// Joins a title the page broke over lines ("  \n") and remembers where.
fn unbreak(raw: &str) -> (String, Vec<usize>) {
    let mut title = String::with_capacity(raw.len());
    let mut breaks = Vec::new();
    for (i, part) in raw.split("  \n").enumerate() {
        if i > 0 {
            breaks.push(title.len());
            title.push(' ');
        }
        title.push_str(part);
    }
    (title, breaks)
}

struct Section<'a> {
    name: &'a str,
    content: &'a str,
    line: usize,
}

/// Splits the text after the header into `**Name:**` sections. Contents runs
/// to the end of the file, whatever it holds.
fn split_sections(text: &str, first_line: usize) -> Result<Vec<Section<'_>>, (usize, String)> {
    let mut sections = Vec::new();
    let mut rest = text;
    let mut line = first_line;
    while !rest.is_empty() {
        let (head, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let name = head
            .strip_prefix("**")
            .and_then(|h| h.strip_suffix(":**"))
            .filter(|n| !n.is_empty() && !n.contains('*'))
            .ok_or_else(|| {
                (
                    line,
                    format!("expected a section heading such as **Summary:**, found {head:?}"),
                )
            })?;
        let after = after
            .strip_prefix('\n')
            .ok_or_else(|| (line + 1, format!("expected a blank line after **{name}:**")))?;
        let content_line = line + 2;
        if name == "Contents" {
            sections.push(Section {
                name,
                content: after,
                line: content_line,
            });
            break;
        }
        let (content, next) = next_section(after).ok_or_else(|| {
            (
                content_line,
                format!("section **{name}:** is not followed by **Contents:**"),
            )
        })?;
        sections.push(Section {
            name,
            content,
            line: content_line,
        });
        line = content_line + content.lines().count() + 1;
        rest = next;
        if !KNOWN_SECTIONS.contains(&name) && name.len() > 60 {
            return Err((line, format!("section name {name:?} is too long")));
        }
    }
    Ok(sections)
}

/// Finds where the next `\n\n**Name:**\n` heading starts in a section body.
fn next_section(text: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(pos) = text[from..].find("\n\n**") {
        let at = from + pos;
        let candidate = &text[at + 2..];
        let head = candidate.split('\n').next().unwrap_or("");
        if head.ends_with(":**") && !head[2..head.len() - 3].contains('*') {
            return Some((&text[..at], candidate));
        }
        from = at + 2;
    }
    None
}

/// Reads the citation paragraph: `"Title", date, Archive, Reference.
/// Contributed by A and translated by B. <URL>`.
fn read_citation(record: &mut Record, citation: &str) {
    record.citation = Some(citation.to_string());
    let mut text = citation.trim();
    if let Some(start) = text.rfind('<')
        && text.ends_with('>')
    {
        record.source_url = Some(text[start + 1..text.len() - 1].to_string());
        text = text[..start].trim_end();
    }
    // Skip the quoted title.
    if let Some(stripped) = text.strip_prefix(['"', '“'])
        && let Some((end, quote)) = stripped
            .char_indices()
            .find(|(_, c)| matches!(c, '"' | '”'))
    {
        text = stripped[end + quote.len_utf8()..]
            .trim_start_matches([',', '"', '”'])
            .trim_start();
    }
    // Credits: from the first "Contributed by" / "Translated by" / "Obtained".
    let lower = Lowered::new(text);
    let credit_at = ["contributed by", "translated by", "obtained", "donated by"]
        .iter()
        .filter_map(|k| lower.text.find(k))
        .min()
        .map(|at| lower.original(at));
    let (bibliographic, credits) = match credit_at {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    };
    read_credits(record, credits);
    // "September 22, 1948, Wilson Center Digital Archive, RGASPI, …".
    let mut rest = bibliographic.trim().trim_end_matches('.').trim();
    if let Some(display) = record.date.as_ref().and_then(|d| d.display.as_deref())
        && let Some(after) = rest.strip_prefix(display)
    {
        rest = after.trim_start_matches(',').trim_start();
    }
    if let Some((archive, reference)) = rest.split_once(", ") {
        record.holding_archive = Some(archive.trim().to_string());
        if !reference.trim().is_empty() {
            record.archival_reference = Some(ArchivalReference::parse(reference.trim()));
        }
    } else if !rest.is_empty() {
        record.holding_archive = Some(rest.to_string());
    }
}

fn read_credits(record: &mut Record, credits: &str) {
    let credits = credits.trim().trim_end_matches('.');
    let lower = Lowered::new(credits);
    let names = |s: &str| -> Vec<String> {
        s.trim()
            .trim_end_matches('.')
            .split(" and ")
            .flat_map(|n| n.split(", "))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect()
    };
    if let Some(rest) = lower.text.strip_prefix("obtained and translated by ") {
        let who = names(&credits[lower.original(lower.text.len() - rest.len())..]);
        record.contributors = who.clone();
        record.translators = who;
        return;
    }
    let (contributed, translated) = match lower.text.find("translated by ") {
        Some(at) => (
            &credits[..lower.original(at)],
            Some(&credits[lower.original(at + "translated by ".len())..]),
        ),
        None => (credits, None),
    };
    let contributed = contributed
        .trim()
        .trim_end_matches(" and")
        .trim_end_matches('.');
    let contributed_lower = Lowered::new(contributed);
    for prefix in ["contributed by ", "obtained by ", "donated by "] {
        if contributed_lower.text.starts_with(prefix) {
            record.contributors = names(&contributed[contributed_lower.original(prefix.len())..]);
        }
    }
    if let Some(t) = translated {
        record.translators = names(t.split(". ").next().unwrap_or(t));
    }
}

/// Reads the Contents section: one or more versions, each opened by a line
/// such as "Translation - English".
fn read_versions(content: &str, translators: &[String]) -> Result<Vec<TextVersion>, String> {
    let mut versions: Vec<TextVersion> = Vec::new();
    let mut rest = content;
    loop {
        let (label, after) = rest.split_once("\n\n").unwrap_or((rest, ""));
        let (kind, language) = parse_label(label).ok_or_else(|| {
            format!(
                "Contents must open each version with a line such as \"Translation - English\", found {label:?}"
            )
        })?;
        // The body runs to the next blank-line-framed label, or to the end.
        let mut end = after.len();
        let mut from = 0;
        while let Some(pos) = after[from..].find("\n\n") {
            let at = from + pos;
            let next = after[at + 2..].split("\n\n").next().unwrap_or("");
            if parse_label(next).is_some() && !next.contains('\n') {
                end = at;
                break;
            }
            from = at + 2;
        }
        let is_translation = kind == TextKind::Translation;
        versions.push(TextVersion {
            kind,
            language,
            translator: if is_translation {
                translators.first().cloned()
            } else {
                None
            },
            machine_translation: false,
            label: None,
            body: after[..end].to_string(),
        });
        if end == after.len() {
            return Ok(versions);
        }
        rest = &after[end + 2..];
    }
}

/// "Translation - English" → (translation, `en`).
fn parse_label(line: &str) -> Option<(TextKind, String)> {
    let (kind, language) = line.split_once(" - ")?;
    let kind = TextKind::from_label(kind)?;
    if language.is_empty() || language.len() > 40 || !language.starts_with(char::is_uppercase) {
        return None;
    }
    let language = language_code(language).map_or_else(|| language.to_string(), str::to_string);
    Some((kind, language))
}

/// Turns a displayed date into EDTF: "September 22, 1948" → `1948-09-22`,
/// "September 1948" → `1948-09`, "1948" → `1948`, "c. 1948" → `1948~`;
/// anything else is an unknown date (`XXXX`) with its display kept.
pub(crate) fn edtf_from_display(display: &str) -> String {
    let trimmed = display.trim();
    let (approx, core) = match ["circa ", "ca. ", "c. ", "c."]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p))
    {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mark = if approx { "~" } else { "" };
    if let Some(day) = RecordDate::parse_english_day(core) {
        return format!("{day}{mark}");
    }
    let words: Vec<&str> = core.split_whitespace().collect();
    if let [month, year] = words.as_slice()
        && let Some(m) = RecordDate::parse_english_day(&format!("1 {month} {year}"))
    {
        return format!("{:04}-{:02}{mark}", m.year, m.month);
    }
    if core.len() == 4 && core.chars().all(|c| c.is_ascii_digit()) {
        return format!("{core}{mark}");
    }
    "XXXX".to_string()
}

/// Honorifics and offices written before names in titles.
const HONORIFICS: &[&str] = &[
    "Generalissimo",
    "Comrade",
    "Chairman",
    "President",
    "Premier",
    "Marshal",
    "General",
    "Ambassador",
    "Secretary",
    "Minister",
    "Prime Minister",
    "Foreign Minister",
    "Mr.",
    "Mrs.",
];

/// "Telephone Message via VCh, Kim Il Sung to Generalissimo Iosif
/// Vissarionovich Stalin" → creator Kim Il Sung, recipient Stalin (with his
/// title kept apart). Titles of the form "…, X to Y" or "… from X to Y".
pub(crate) fn agents_from_title(title: &str) -> (Vec<Agent>, Vec<Agent>) {
    let lower = Lowered::new(title);
    let start = [
        lower.text.rfind(", ").map(|i| i + 2),
        lower.text.find(" from ").map(|i| i + 6),
    ]
    .into_iter()
    .flatten()
    .max()
    .map_or(0, |at| lower.original(at));
    let tail = &title[start..];
    let Some((from, to)) = tail.split_once(" to ") else {
        return (Vec::new(), Vec::new());
    };
    let agent = |text: &str| -> Vec<Agent> {
        text.split(" and ")
            .map(str::trim)
            .filter(|n| !n.is_empty() && n.starts_with(char::is_uppercase))
            .map(|n| {
                let mut agent = Agent::named(n);
                let mut honorifics = Vec::new();
                let mut name = n;
                while let Some(h) = HONORIFICS
                    .iter()
                    .find(|h| name.strip_prefix(**h).is_some_and(|r| r.starts_with(' ')))
                {
                    honorifics.push(*h);
                    name = name[h.len()..].trim_start();
                }
                if !honorifics.is_empty() && !name.is_empty() {
                    agent.name = name.to_string();
                    agent.title = Some(honorifics.join(" "));
                }
                agent
            })
            .collect()
    };
    (agent(from), agent(to))
}

/// Reads the place and date a letter was written at ("from Pyongyang 22
/// September 1948") and the place and date it was signed (a place line and
/// a date line near its end).
fn read_places_and_dates(places: &mut Vec<Place>, dates: &mut Vec<RecordDate>, body: &str) {
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut add_place = |name: &str, role: &str| {
        if !places.iter().any(|p| p.name == name && p.role == role) {
            places.push(Place {
                name: name.to_string(),
                role: role.to_string(),
            });
        }
    };
    for line in lines.iter().take(12) {
        let Some(rest) = line.strip_prefix("from ") else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        if words.len() < 4 {
            continue;
        }
        let (place, date) = words.split_at(words.len() - 3);
        if let Some(day) = RecordDate::parse_english_day(&date.join(" "))
            && place.iter().all(|w| w.starts_with(char::is_uppercase))
        {
            add_place(&place.join(" "), "origin");
            if let Ok(d) = RecordDate::new(&day.to_string(), Some(date.join(" "))) {
                dates.push(d.with_role("dateline"));
            }
        }
    }
    let tail_start = lines.len().saturating_sub(6);
    for (i, line) in lines.iter().enumerate().skip(tail_start) {
        let Some(day) = RecordDate::parse_english_day(line) else {
            continue;
        };
        if let Ok(d) = RecordDate::new(&day.to_string(), Some(line.to_string())) {
            dates.push(d.with_role("signed"));
        }
        if i > 0 {
            let prev = lines[i - 1];
            let words: Vec<&str> = prev.split_whitespace().collect();
            if (1..=3).contains(&words.len())
                && words.iter().all(|w| {
                    w.starts_with(char::is_uppercase) && w.chars().all(char::is_alphabetic)
                })
                && !prev.chars().all(|c| c.is_uppercase() || c == ' ')
            {
                add_place(prev, "signed");
            }
        }
    }
}

/// `https://…/document/208261` → `208261`.
fn id_from_url(url: &str) -> Option<String> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty()
        && last
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then(|| last.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displayed_dates_become_edtf() {
        assert_eq!(edtf_from_display("September 22, 1948"), "1948-09-22");
        assert_eq!(edtf_from_display("September 1948"), "1948-09");
        assert_eq!(edtf_from_display("1948"), "1948");
        assert_eq!(edtf_from_display("c. 1948"), "1948~");
        assert_eq!(edtf_from_display("undated"), "XXXX");
        assert!(RecordDate::new("XXXX", None).is_ok());
    }

    #[test]
    fn titles_name_senders_and_addressees() {
        let (from, to) = agents_from_title(
            "Telephone Message via VCh, Kim Il Sung to Generalissimo Iosif Vissarionovich Stalin",
        );
        assert_eq!(from[0].name, "Kim Il Sung");
        assert_eq!(to[0].name, "Iosif Vissarionovich Stalin");
        assert_eq!(to[0].title.as_deref(), Some("Generalissimo"));
        let (from, to) =
            agents_from_title("Letter from Mao Zedong to Joseph Stalin and Vyacheslav Molotov");
        assert_eq!(from[0].name, "Mao Zedong");
        assert_eq!(to.len(), 2);
        let (from, to) = agents_from_title("Record of a Conversation");
        assert!(from.is_empty() && to.is_empty());
    }

    fn test_info() -> SourceInfo {
        SourceInfo {
            path: "t.md".into(),
            name: "t.md".into(),
            sha256: String::new(),
            imported_at: String::new(),
        }
    }

    #[test]
    fn credits_name_contributors_and_translators() {
        let mut r = Record::new(String::new(), "t".into(), test_info().provenance("wilson"));
        read_credits(
            &mut r,
            "Contributed by Sergey Radchenko and translated by Gary Goldberg.",
        );
        assert_eq!(r.contributors, ["Sergey Radchenko"]);
        assert_eq!(r.translators, ["Gary Goldberg"]);
        let mut r = Record::new(String::new(), "t".into(), test_info().provenance("wilson"));
        read_credits(&mut r, "Obtained and translated by Kathryn Weathersby.");
        assert_eq!(r.contributors, ["Kathryn Weathersby"]);
        assert_eq!(r.translators, ["Kathryn Weathersby"]);
    }

    /// A record read from a citation paragraph alone.
    fn cited(citation: &str) -> Record {
        let mut r = Record::new(String::new(), "t".into(), test_info().provenance("wilson"));
        read_citation(&mut r, citation);
        r
    }

    /// Found by fuzzing: a title in curly quotes ended on the first byte
    /// of its three-byte closing quote, and the citation was sliced inside
    /// it (a panic).
    #[test]
    fn a_title_in_curly_quotes_is_skipped_whole() {
        let r =
            cited("“Letter From Khrushchev”, Archive of the President, f. 1. Contributed by A B.");
        assert_eq!(
            r.holding_archive.as_deref(),
            Some("Archive of the President")
        );
        assert_eq!(r.contributors, ["A B"]);
    }

    /// Found by fuzzing: letters whose lowercase is longer or shorter in
    /// bytes ("İ", the Kelvin sign "K") shifted every position found in the
    /// lowercased citation, titles and credits, splitting names in the wrong
    /// place or slicing inside a character (a panic).
    #[test]
    fn letters_that_change_length_when_lowercased_split_nothing_wrong() {
        let r = cited(
            "\"İİİ\", Archive of \u{212A}\u{212A}iev, f. 1. Contributed by \
             İlhan \u{212A}aya and translated by Gary Goldberg. <https://example.org/1>",
        );
        assert_eq!(
            r.holding_archive.as_deref(),
            Some("Archive of \u{212A}\u{212A}iev")
        );
        assert_eq!(r.source_url.as_deref(), Some("https://example.org/1"));
        assert_eq!(r.contributors, ["İlhan \u{212A}aya"]);
        assert_eq!(r.translators, ["Gary Goldberg"]);
        let mut r = Record::new(String::new(), "t".into(), test_info().provenance("wilson"));
        read_credits(
            &mut r,
            "OBTAINED AND TRANSLATED BY \u{212A}\u{212A}ate Weathersby.",
        );
        assert_eq!(r.translators, ["\u{212A}\u{212A}ate Weathersby"]);
        read_credits(&mut r, "\u{212A}\u{212A} TRANSLATED BY İİ Goldberg");
        assert_eq!(r.translators, ["İİ Goldberg"]);
        let (from, to) = agents_from_title("İİİİ Letter, \u{212A}im Il Sung to İosif Stalin");
        assert_eq!(from[0].name, "\u{212A}im Il Sung");
        assert_eq!(to[0].name, "İosif Stalin");
    }

    mod round_trip {
        use super::*;
        use proptest::prelude::*;

        fn words() -> impl Strategy<Value = String> {
            proptest::collection::vec("[A-Za-zÀ-ÿА-я가-힣0-9.,'()-]{1,12}", 1..12)
                .prop_map(|w| w.join(" "))
        }

        fn paragraphs() -> impl Strategy<Value = String> {
            proptest::collection::vec(words(), 1..6).prop_map(|p| p.join("\n\n"))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Any file in the Wilson layout parses, keeps its parts, and
            /// renders back byte for byte.
            #[test]
            fn wilson_files_round_trip(
                leading in 0usize..3,
                day in 1u8..29, month in 0usize..12, year in 1900u32..2000,
                title in words(), break_title in any::<bool>(),
                summary in paragraphs(),
                language in prop::sample::select(vec!["Russian", "Korean", "Chinese", "German", "Klingon"]),
                body in paragraphs(),
                second in proptest::option::of(paragraphs()),
                final_newline in any::<bool>(),
            ) {
                const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June",
                    "July", "August", "September", "October", "November", "December"];
                let date = format!("{} {day}, {year}", MONTHS[month]);
                let shown_title = match title.find(' ') {
                    Some(at) if break_title => format!("{}  \n{}", &title[..at], &title[at + 1..]),
                    _ => title.clone(),
                };
                let citation = format!("\"{title}\", {date}, Wilson Center Digital Archive, RGASPI, f. 1, op. 2, d. 3, ll. 4-5. Contributed by A. Person and translated by B. Person. <https://example.org/document/{year}{day}>");
                let mut text = "\n".repeat(leading);
                text.push_str(&format!("**{date}**  \n**{shown_title}**\n\n**Citation:**\n\n{citation}\n\n**Summary:**\n\n{summary}\n\n**Original Language:**\n\n{language}\n\n**Contents:**\n\nOriginal - {language}\n\n{body}"));
                if let Some(second) = &second {
                    text.push_str(&format!("\n\nTranslation - English\n\n{second}"));
                }
                if final_newline {
                    text.push('\n');
                }
                let record = parse(&text, &test_info()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&record.title, &title);
                prop_assert_eq!(record.summary.as_deref(), Some(summary.as_str()));
                prop_assert_eq!(&record.texts[0].body, &body);
                prop_assert_eq!(record.texts.len(), 1 + second.is_some() as usize);
                prop_assert_eq!(record.archival_reference.and_then(|a| a.fond), Some("1".to_string()));
                prop_assert_eq!(crate::export::wilson::render(&parse(&text, &test_info()).unwrap()), text);
            }
        }
    }
}
