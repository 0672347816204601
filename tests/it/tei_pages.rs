//! A FRUS volume in the reading room, over the real server: cross-references
//! between documents are links that lead to the document; footnote markers
//! and notes link both ways (a marker whose note is missing is plain text);
//! previous/next walk the volume in edition order and skip a draft for an
//! anonymous reader (not for staff); a Department of State translation of a
//! Khrushchev message says its original language is Russian, on the page
//! and in the JSON API, while a document that is no translation keeps
//! English.

use super::common::{Backend, Fonds, Server, demo};
use super::desk::{PASSWORD, add_user, sign_in};
use regex::Regex;
use std::collections::HashSet;

const VOLUME: &str = "frus1961-63v06";
/// "Message From Chairman Khrushchev to President Kennedy", April 30, 1961:
/// a Department of State translation whose footnote 1 says "See Document 8".
const D12: &str = "frus1961-63v06d12";

fn volume() -> Fonds {
    let f = Fonds::new();
    f.import(&[&demo("frus")]);
    f
}

/// Every capture of `pattern`'s first group in `html`.
fn all(pattern: &str, html: &str) -> Vec<String> {
    Regex::new(pattern)
        .unwrap()
        .captures_iter(html)
        .map(|c| c[1].to_string())
        .collect()
}

/// The page's `<h1>` text.
fn heading(html: &str) -> String {
    all(r#"(?s)<h1[^>]*>(.*?)</h1>"#, html)
        .into_iter()
        .next()
        .expect("an <h1>")
}

#[test]
fn see_document_8_links_to_document_8() {
    let f = volume();
    let server = Server::start(&f, &[]);
    let page = server.ok(&format!("/records/{D12}")).body;
    assert!(
        page.contains(r#"See <a href="/records/frus1961-63v06d8">Document 8</a>."#),
        "footnote 1 of document 12 links to document 8:\n{page}"
    );
    let eight = server.ok("/records/frus1961-63v06d8").body;
    assert!(
        heading(&eight)
            .contains("Telegram From the Department of State to the Embassy in the Soviet Union"),
        "{}",
        heading(&eight)
    );
    assert_eq!(
        f.show_json("frus1961-63v06d8")["edition"]["number"],
        "8",
        "the link leads to document 8 of the volume"
    );
    // Every link into the archive from any page of the volume leads to a
    // record that is there.
    // (The dump's lines are the records as `show --json` gives them.)
    let dump = f.dump();
    let records: Vec<serde_json::Value> = dump
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: HashSet<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let text = record.to_string();
        for target in all(r#"\]\(/records/([^)\\]+)\)"#, &text) {
            assert!(
                ids.contains(&target),
                "{id} links to {target}, which is not there"
            );
        }
    }
}

#[test]
fn footnote_markers_and_notes_link_both_ways() {
    let f = volume();
    let server = Server::start(&f, &[]);
    // Document 65 has several footnotes; document 12 one.
    for id in [D12, "frus1961-63v06d65", "frus1961-63v06d21"] {
        let page = server.ok(&format!("/records/{id}")).body;
        let to_notes = all(r##"href="#note-([^"]+)""##, &page);
        assert!(!to_notes.is_empty(), "{id} has note markers");
        let note_ids: HashSet<String> = all(r#"id="note-([^"]+)""#, &page).into_iter().collect();
        let ref_ids: HashSet<String> = all(r#"id="ref-([^"]+)""#, &page).into_iter().collect();
        for n in &to_notes {
            assert!(note_ids.contains(n), "{id}: marker {n} leads to no note");
        }
        let backs = all(r##"class="note-back" href="#ref-([^"]+)""##, &page);
        for n in &backs {
            assert!(
                ref_ids.contains(n),
                "{id}: note {n} links back to no marker"
            );
        }
        // Every marker on the page has its note link back to it.
        let backs: HashSet<String> = backs.into_iter().collect();
        assert_eq!(backs, ref_ids, "{id}");
        // And the notes are one ordered list.
        assert!(page.contains(r#"<ol class="note-list">"#));
    }
    // The marker sits where the note was: after "into space." in its
    // paragraph, and the note says "See Document 8".
    let page = server.ok(&format!("/records/{D12}")).body;
    assert!(
        page.contains(
            "the successful launching of the first human being into space.\
             <sup><a href=\"#note-1\" id=\"ref-1\">1</a></sup></p>"
        ),
        "{page}"
    );
    let note = all(r#"(?s)<li id="note-1">(.*?)</li>"#, &page).remove(0);
    assert!(
        note.contains("See <a href=\"/records/frus1961-63v06d8\">Document 8</a>."),
        "{note}"
    );
    assert!(
        note.contains(r##"<a class="note-back" href="#ref-1""##),
        "{note}"
    );
    // The source note (no marker in the text) has no link back.
    assert!(page.contains("Source: Department of State, Presidential Correspondence"));
}

#[test]
fn a_marker_without_its_note_is_plain_text() {
    let f = volume();
    // Document 12 without its notes.
    let dump: Vec<String> = f
        .dump()
        .lines()
        .map(|line| {
            if line.contains(&format!("\"id\":\"{D12}\"")) {
                let mut r: serde_json::Value = serde_json::from_str(line).unwrap();
                r.as_object_mut().unwrap().remove("notes");
                r.to_string()
            } else {
                line.to_string()
            }
        })
        .collect();
    let g = Fonds::new();
    std::fs::write(g.path("d.jsonl"), dump.join("\n") + "\n").unwrap();
    g.import(&[&g.path("d.jsonl")]);
    let server = Server::start(&g, &[]);
    let page = server.ok(&format!("/records/{D12}")).body;
    assert!(page.contains("into space.[^1]</p>"), "{page}");
    assert!(!page.contains("#note-"), "no dead link to a note");
}

/// The identifiers the "next" (or "previous") links lead through from
/// `start`, as `client` reads the pages.
fn walk(get: &dyn Fn(&str) -> String, start: &str, rel: &str) -> Vec<String> {
    let link = Regex::new(&format!(
        r#"<nav class="volume-nav" aria-label="Within this volume">(?s:.*?)rel="{rel}" href="/records/([^"]+)""#
    ))
    .unwrap();
    let mut seen = vec![start.to_string()];
    let mut at = start.to_string();
    loop {
        let page = get(&at);
        let Some(next) = link.captures(&page).map(|c| c[1].to_string()) else {
            return seen;
        };
        assert!(!seen.contains(&next), "{next} twice: {seen:?}");
        seen.push(next.clone());
        at = next;
        assert!(seen.len() <= 200, "no end");
    }
}

#[test]
fn previous_and_next_walk_the_volume_in_edition_order() {
    walk_the_volume(volume());
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn previous_and_next_walk_the_volume_on_postgres_and_skip_a_draft() {
    let f = Fonds::on(Backend::Postgres);
    f.import(&[&demo("frus")]);
    walk_the_volume(f);
    let g = Fonds::on(Backend::Postgres);
    skip_a_draft(g);
}

fn walk_the_volume(f: Fonds) {
    let server = Server::start(&f, &[]);
    let get = |id: &str| server.ok(&format!("/records/{id}")).body;
    let forward = walk(&get, &format!("{VOLUME}d1"), "next");
    let expected: Vec<String> = (1..=120).map(|n| format!("{VOLUME}d{n}")).collect();
    assert_eq!(forward, expected, "edition order, 1 to 120");
    let mut back = walk(&get, &format!("{VOLUME}d120"), "prev");
    back.reverse();
    assert_eq!(back, expected);
    // The links say which document and what it is.
    let eleven = get(&format!("{VOLUME}d12"));
    assert!(
        eleven.contains(
            "rel=\"prev\" href=\"/records/frus1961-63v06d11\"><span class=\"volume-step\">← Document 11</span> \
             <span class=\"volume-title\">Letter From Chairman Khrushchev to President Kennedy</span>"
        ),
        "{eleven}"
    );
    assert!(eleven.contains("<span class=\"volume-step\">Document 13 →</span>"));
}

#[test]
fn previous_and_next_skip_a_draft_for_an_anonymous_reader_only() {
    skip_a_draft(Fonds::new());
}

/// Imports the volume into `g` with document 5 a draft, and reads around it.
fn skip_a_draft(g: Fonds) {
    let f = volume();
    let published = "{\"status\":\"published\"}";
    let d5 = format!("\"id\":\"{VOLUME}d5\"");
    let dump: Vec<String> = f
        .dump()
        .lines()
        .map(|line| {
            if line.contains(&d5) {
                line.replacen(published, "{\"status\":\"draft\"}", 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    std::fs::write(g.path("d.jsonl"), dump.join("\n") + "\n").unwrap();
    g.import(&[&g.path("d.jsonl")]);
    assert_eq!(
        g.show_json(&format!("{VOLUME}d5"))["visibility"]["status"],
        "draft"
    );
    add_user(&g, "vic", "viewer");
    let server = Server::start(&g, &[]);

    let four = server.ok(&format!("/records/{VOLUME}d4")).body;
    assert!(
        four.contains(&format!("rel=\"next\" href=\"/records/{VOLUME}d6\"")),
        "{four}"
    );
    let six = server.ok(&format!("/records/{VOLUME}d6")).body;
    assert!(six.contains(&format!("rel=\"prev\" href=\"/records/{VOLUME}d4\"")));
    for page in [&four, &six] {
        assert!(
            // The closing quote: the related records may link d50.
            !page.contains(&format!("/records/{VOLUME}d5\"")),
            "no link to the draft: {}",
            page.lines()
                .filter(|l| l.contains("d5\""))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(!page.contains("Document 5 →") && !page.contains("← Document 5"));
    }
    // Document 6's footnote "See Document 5" is words only for the
    // anonymous reader: no link that leads to a page they may not see.
    assert!(six.contains("Document 5"));

    let mut vic = sign_in(&server, "vic", PASSWORD);
    let four = vic.get(&format!("/records/{VOLUME}d4"));
    assert_eq!(four.status, 200);
    assert!(
        four.body
            .contains(&format!("rel=\"next\" href=\"/records/{VOLUME}d5\"")),
        "staff see the draft between"
    );
    let six = vic.get(&format!("/records/{VOLUME}d6")).body;
    assert!(six.contains(&format!("<a href=\"/records/{VOLUME}d5\">Document 5</a>")));
}

#[test]
fn a_state_department_translation_has_its_original_language() {
    let f = volume();
    let server = Server::start(&f, &[]);
    let page = server.ok(&format!("/records/{D12}")).body;
    assert!(
        page.contains("<dt>Original language</dt><dd>Russian</dd>"),
        "{page}"
    );
    assert!(page.contains("Translation — English"));
    assert!(page.contains("Translated by Department of State"));
    let api = server.ok(&format!("/api/v1/records/{D12}")).json();
    assert_eq!(api["original_language"], "ru");
    assert_eq!(api["texts"][0]["kind"], "translation");
    assert_eq!(api["texts"][0]["language"], "en");
    assert_eq!(api["texts"][0]["translator"], "Department of State");
    assert_eq!(api["translators"][0], "Department of State");

    // Kennedy's letter of March 22, 1961 (document 7) is no translation.
    let seven = format!("{VOLUME}d7");
    let page = server.ok(&format!("/records/{seven}")).body;
    assert!(page.contains("<dt>Original language</dt><dd>English</dd>"));
    assert!(!page.contains("Translated by"));
    let api = server.ok(&format!("/api/v1/records/{seven}")).json();
    assert_eq!(api["original_language"], "en");
    assert_eq!(api["texts"][0]["kind"], "original");
    assert!(api["texts"][0].get("translator").is_none());
}

#[test]
fn reimporting_the_volume_changes_nothing() {
    let f = volume();
    let before = f.dump();
    let out = f.import(&[&demo("frus")]);
    assert!(out.contains("120 unchanged"), "{out}");
    assert_eq!(
        before.lines().skip(1).collect::<Vec<_>>(),
        f.dump().lines().skip(1).collect::<Vec<_>>()
    );
}
