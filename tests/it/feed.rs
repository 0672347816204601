//! Atom feeds (`/feed.atom`, `/feed.atom?collection=…`,
//! `/search/feed.atom?q=…`) over a real `fonds serve` on loopback: the demo
//! records, written at known instants (`FONDS_NOW`), beside a draft, a record
//! under embargo and one whose title needs escaping; then the draft is
//! published while the server runs.

use super::common::{Fonds, Reply, Server, demo};
use quick_xml::events::Event;
use serde_json::Value;
use std::collections::BTreeSet;

/// The server's "now": after every write below.
const SERVER_NOW: &str = "2026-02-01T00:00:00Z";
const ATOM: &str = "application/atom+xml; charset=utf-8";

/// Words that only the private records carry (ids, titles, summaries).
const PRIVATE_WORDS: [&str; 6] = [
    "feed-draft",
    "Zanzibar",
    "Pemba",
    "feed-embargoed",
    "Tanganyika",
    "Kilimanjaro",
];

#[derive(Debug, Default, Clone)]
struct Entry {
    id: String,
    title: String,
    updated: String,
    published: String,
    alternate: String,
    authors: Vec<String>,
    categories: Vec<String>,
    summary: String,
}

#[derive(Debug, Default)]
struct Feed {
    id: String,
    title: String,
    updated: String,
    links: Vec<(String, String, String)>,
    authors: Vec<String>,
    entries: Vec<Entry>,
}

impl Feed {
    fn link(&self, rel: &str) -> &str {
        self.links
            .iter()
            .find(|(r, _, _)| r == rel)
            .map(|(_, _, href)| href.as_str())
            .unwrap_or_else(|| panic!("no link rel={rel}: {:?}", self.links))
    }

    /// The record identifiers of the entries, in order.
    fn ids(&self, base: &str) -> Vec<String> {
        let prefix = format!("{base}/records/");
        self.entries
            .iter()
            .map(|e| {
                e.alternate
                    .strip_prefix(&prefix)
                    .unwrap_or_else(|| panic!("{} is not a record page", e.alternate))
                    .to_string()
            })
            .collect()
    }
}

/// Reads an Atom document (panics when it is not well-formed).
fn parse(xml: &str) -> Feed {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut feed = Feed::default();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        let event = reader.read_event().expect("the feed is well-formed");
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                text.clear();
                let name = e.name().as_ref().to_string();
                let attr = |k: &str| -> String {
                    e.attributes()
                        .map(|a| a.unwrap())
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                        .unwrap_or_default()
                };
                if name == "feed" {
                    assert_eq!(attr("xmlns"), "http://www.w3.org/2005/Atom");
                }
                let parent = path.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (Some("feed"), "entry") => feed.entries.push(Entry::default()),
                    (Some("feed"), "link") => {
                        feed.links.push((attr("rel"), attr("type"), attr("href")))
                    }
                    (Some("entry"), "link") if attr("rel") == "alternate" => {
                        assert_eq!(attr("type"), "text/html");
                        feed.entries.last_mut().unwrap().alternate = attr("href");
                    }
                    (Some("entry"), "category") => feed
                        .entries
                        .last_mut()
                        .unwrap()
                        .categories
                        .push(attr("term")),
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    path.push(name);
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                text.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected reference &{other};"),
                });
            }
            Event::End(_) => {
                let value = std::mem::take(&mut text);
                let names: Vec<&str> = path.iter().map(String::as_str).collect();
                match names.as_slice() {
                    ["feed", "id"] => feed.id = value,
                    ["feed", "title"] => feed.title = value,
                    ["feed", "updated"] => feed.updated = value,
                    ["feed", "author", "name"] => feed.authors.push(value),
                    ["feed", "entry", rest @ ..] => {
                        let entry = feed.entries.last_mut().unwrap();
                        match rest {
                            ["id"] => entry.id = value,
                            ["title"] => entry.title = value,
                            ["updated"] => entry.updated = value,
                            ["published"] => entry.published = value,
                            ["summary"] => entry.summary = value,
                            ["author", "name"] => entry.authors.push(value),
                            _ => {}
                        }
                    }
                    _ => {}
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    feed
}

/// Runs `fonds ARGS` with the clock at `now`.
fn at(f: &Fonds, now: &str, args: &[&str]) {
    let out = f
        .command()
        .env("FONDS_NOW", now)
        .args(args)
        .output()
        .expect("fonds runs");
    assert!(
        out.status.success(),
        "fonds {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The seed's record as the dump writes it.
fn seed_line(f: &Fonds) -> Value {
    f.dump()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["id"] == "208261")
        .expect("the seed is in the dump")
}

/// The FRUS volume's collection (the seed is in none).
fn frus_collection(f: &Fonds) -> String {
    f.dump()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["id"].as_str().is_some_and(|id| id.starts_with("frus")))
        .find_map(|r| r["collections"][0].as_str().map(str::to_string))
        .expect("the FRUS records are in a collection")
}

/// A record's collections (none when the field is left out).
fn collections_of(r: &Value) -> Vec<&str> {
    r["collections"]
        .as_array()
        .map(|cs| cs.iter().map(|c| c.as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// A record made from the seed (same texts, so that the same words find
/// it), with its own identifier, title, summary, collections, visibility.
fn variant(seed: &Value, id: &str, title: &str, collections: &[&str], visibility: Value) -> String {
    let mut r = seed.clone();
    r["id"] = id.into();
    r["title"] = title.into();
    r["summary"] = format!("{title}: a summary").into();
    r["collections"] = collections.to_vec().into();
    r["visibility"] = visibility;
    r.as_object_mut().unwrap().remove("citation");
    r.as_object_mut().unwrap().remove("source_url");
    // The seed's layout names its own title's line breaks.
    r["provenance"].as_object_mut().unwrap().remove("layout");
    serde_json::to_string(&r).unwrap()
}

/// A JSON Lines file of `lines`, under the dump's header line.
fn jsonl(lines: &[String]) -> String {
    let header = serde_json::json!({"fonds_dump": 1, "records": lines.len()});
    format!("{header}\n{}\n", lines.join("\n"))
}

const DRAFT_TITLE: &str = "Secret draft on Zanzibar and Pemba";
const DRAFT_COLLECTION: &str = "Feed test drafts";
const AMP_TITLE: &str = "Cuba & <Berlin> \"quoted\"";

/// The demo at 2026-01-10 (seed) and 2026-01-11 (FRUS); at 2026-01-12 a
/// draft (in a collection of its own), a record under embargo (in the FRUS
/// volume's collection) and a public record with markup in its title.
/// Returns the archive and the seed's dump line.
fn archive() -> (Fonds, Value) {
    let f = Fonds::new();
    let seed_path = demo("wilson");
    let frus_path = demo("frus");
    at(
        &f,
        "2026-01-10T00:00:00Z",
        &["import", seed_path.to_str().unwrap()],
    );
    at(
        &f,
        "2026-01-11T00:00:00Z",
        &["import", frus_path.to_str().unwrap()],
    );
    let seed = seed_line(&f);
    let frus = frus_collection(&f);
    let lines = [
        variant(
            &seed,
            "feed-draft",
            DRAFT_TITLE,
            &[DRAFT_COLLECTION],
            serde_json::json!({"status": "draft"}),
        ),
        variant(
            &seed,
            "feed-embargoed",
            "Embargoed memo on Tanganyika and Kilimanjaro",
            &[&frus],
            serde_json::json!({"status": "embargoed", "until": "2999-01-01"}),
        ),
        variant(
            &seed,
            "feed-amp",
            AMP_TITLE,
            &["Feed & markup"],
            serde_json::json!({"status": "published"}),
        ),
    ];
    let path = f.path("private.jsonl");
    std::fs::write(&path, jsonl(&lines)).unwrap();
    at(
        &f,
        "2026-01-12T00:00:00Z",
        &["import", path.to_str().unwrap()],
    );
    (f, seed)
}

fn assert_private_absent(what: &str, body: &str) {
    for word in PRIVATE_WORDS {
        assert!(!body.contains(word), "{what} shows {word:?}:\n{body}");
    }
}

fn assert_newest_first(what: &str, feed: &Feed) {
    for pair in feed.entries.windows(2) {
        assert!(
            pair[0].updated >= pair[1].updated,
            "{what}: {} ({}) before {} ({})",
            pair[0].id,
            pair[0].updated,
            pair[1].id,
            pair[1].updated
        );
    }
}

fn get_feed(server: &Server, path: &str) -> (Reply, Feed) {
    let reply = server.ok(path);
    assert_eq!(reply.header("content-type"), Some(ATOM), "{path}");
    let feed = parse(&reply.body);
    (reply, feed)
}

/// The public records' identifiers in the dump whose collections hold
/// `collection` (every public record when `None`).
fn public_ids(f: &Fonds, collection: Option<&str>) -> BTreeSet<String> {
    f.dump()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["visibility"]["status"] == "published")
        .filter(|r| {
            collection.is_none_or(|c| {
                r["collections"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|x| x == c))
            })
        })
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_archive_feed_lists_public_records_newest_first_and_follows_publication() {
    let (f, seed) = archive();
    let server = Server::start_with(f.command().env("FONDS_NOW", SERVER_NOW), &[]);
    let base = server.base.clone();

    // The default: the newest 50, newest first, nothing private.
    let (reply, feed) = get_feed(&server, "/feed.atom");
    assert_private_absent("/feed.atom", &reply.body);
    assert_eq!(feed.entries.len(), 50);
    assert_newest_first("/feed.atom", &feed);
    assert!(feed.title.starts_with("fonds archive"), "{}", feed.title);
    assert_eq!(feed.link("self"), format!("{base}/feed.atom"));
    assert_eq!(feed.link("alternate"), format!("{base}/"));
    assert_eq!(feed.id, format!("{base}/feed.atom"));
    assert!(!feed.authors.is_empty(), "a feed-level author");
    // The newest public record: written on the 12th, its title escaped and
    // read back exactly.
    let top = &feed.entries[0];
    assert_eq!(top.title, AMP_TITLE);
    assert!(top.updated.starts_with("2026-01-12T00:00:0"), "{top:?}");
    assert_eq!(top.alternate, format!("{base}/records/feed-amp"));
    assert_eq!(top.id, top.alternate, "the record's page is the entry's id");
    assert_eq!(top.categories, ["Feed & markup"]);
    assert_eq!(
        feed.updated, top.updated,
        "the feed is as new as its newest"
    );
    // Then FRUS, written on the 11th.
    assert!(feed.entries[1].updated.starts_with("2026-01-11T"));

    // Every public record with a larger limit: the seed last, as written.
    let (reply, all) = get_feed(&server, "/feed.atom?limit=200");
    assert_private_absent("/feed.atom?limit=200", &reply.body);
    assert_newest_first("/feed.atom?limit=200", &all);
    let ids = all.ids(&base);
    let listed: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(listed.len(), ids.len(), "no record twice");
    assert_eq!(listed, public_ids(&f, None));
    assert_eq!(ids.last().map(String::as_str), Some("208261"));
    let seed_entry = all.entries.last().unwrap();
    assert!(seed_entry.updated.starts_with("2026-01-10T00:00:0"));
    assert_eq!(seed_entry.title, seed["title"].as_str().unwrap());
    assert_eq!(seed_entry.summary, seed["summary"].as_str().unwrap());
    let creators: Vec<&str> = seed["creators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(!creators.is_empty());
    assert_eq!(seed_entry.authors, creators);
    assert_eq!(seed_entry.categories, collections_of(&seed));
    assert_eq!(server.get("/records/208261").status, 200);

    // Caching: a weak tag of the change log's position, 304 when current.
    let etag = reply_etag(&server.ok("/feed.atom"));
    assert!(etag.starts_with("W/\""), "{etag}");
    let cache = server.ok("/feed.atom");
    assert!(
        cache
            .header("cache-control")
            .unwrap_or("")
            .contains("public"),
        "{:?}",
        cache.headers
    );
    let (status, _, body) = server.raw("GET", "/feed.atom", &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(body.is_empty());

    // The draft is published (while the server runs): it heads the feed,
    // dated by its publication, and the old tag no longer matches.
    let draft_published = variant(
        &seed,
        "feed-draft",
        DRAFT_TITLE,
        &[DRAFT_COLLECTION],
        serde_json::json!({"status": "published"}),
    );
    let path = f.path("published.jsonl");
    std::fs::write(&path, jsonl(&[draft_published])).unwrap();
    at(
        &f,
        "2026-01-20T00:00:00Z",
        &["import", path.to_str().unwrap()],
    );
    let (status, _, _) = server.raw("GET", "/feed.atom", &[("If-None-Match", &etag)]);
    assert_eq!(status, 200, "a publication changes the feed's tag");
    let (reply, feed) = get_feed(&server, "/feed.atom");
    assert_ne!(reply_etag(&reply), etag);
    assert_eq!(feed.entries.len(), 50);
    assert_newest_first("/feed.atom after a publication", &feed);
    let top = &feed.entries[0];
    assert_eq!(top.alternate, format!("{base}/records/feed-draft"));
    assert_eq!(top.title, DRAFT_TITLE);
    assert!(top.updated.starts_with("2026-01-20T00:00:0"), "{top:?}");
    assert_eq!(feed.updated, top.updated);
    assert_eq!(feed.entries[1].title, AMP_TITLE);
    // The embargo still holds.
    for word in ["feed-embargoed", "Tanganyika", "Kilimanjaro"] {
        assert!(!reply.body.contains(word), "{word}");
    }

    // Bad limits are refused, naming the parameter.
    for path in [
        "/feed.atom?limit=0",
        "/feed.atom?limit=abc",
        "/feed.atom?limit=100000",
        "/feed.atom?colection=x",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        let name = if path.contains("colection") {
            "colection"
        } else {
            "limit"
        };
        assert!(reply.body.contains(name), "{path}: {}", reply.body);
    }
}

fn reply_etag(reply: &Reply) -> String {
    reply.header("etag").expect("an ETag").to_string()
}

#[test]
fn a_collection_feed_lists_only_that_collections_public_records() {
    let (f, _) = archive();
    let server = Server::start_with(f.command().env("FONDS_NOW", SERVER_NOW), &[]);
    let base = server.base.clone();
    let collection = frus_collection(&f);
    let collection = collection.as_str();
    let encoded: String = serde_urlencoded::to_string([("collection", collection)]).unwrap();
    let path = format!("/feed.atom?{encoded}&limit=200");
    let (reply, feed) = get_feed(&server, &path);
    assert_private_absent(&path, &reply.body);
    assert_newest_first(&path, &feed);
    let ids: BTreeSet<String> = feed.ids(&base).into_iter().collect();
    let expected = public_ids(&f, Some(collection));
    assert!(!expected.is_empty());
    assert_eq!(ids, expected);
    assert!(ids.len() < public_ids(&f, None).len(), "a part only");
    for entry in &feed.entries {
        assert!(
            entry.categories.iter().any(|c| c == collection),
            "{entry:?}"
        );
    }
    assert!(feed.title.contains(collection), "{}", feed.title);
    assert_eq!(feed.link("self"), format!("{base}{path}"));
    let alternate = feed.link("alternate");
    let page = alternate
        .strip_prefix(&base)
        .expect("an address of the site");
    assert!(page.contains("collection="), "{alternate}");
    assert_eq!(server.get(page).status, 200, "{alternate}");

    // A collection only the draft is in, and one that does not exist: the
    // same 404, saying nothing of the draft.
    let draft_only = format!(
        "/feed.atom?{}",
        serde_urlencoded::to_string([("collection", DRAFT_COLLECTION)]).unwrap()
    );
    let hidden = server.get(&draft_only);
    let missing = server.get("/feed.atom?collection=No%20such%20collection");
    assert_eq!(hidden.status, 404);
    assert_eq!(missing.status, 404);
    assert_private_absent(&draft_only, &hidden.body);
    assert_eq!(
        hidden.body.replace(DRAFT_COLLECTION, "X"),
        missing.body.replace("No such collection", "X")
    );
}

/// A collection's page (and every entity page) links the feed of its
/// documents, which lists that collection's public records and no other.
#[test]
fn a_collection_page_links_the_feed_of_its_public_documents() {
    let (f, _) = archive();
    let server = Server::start_with(f.command().env("FONDS_NOW", SERVER_NOW), &[]);
    let collection = frus_collection(&f);
    let page = server.ok(&format!(
        "/collections/{}",
        fonds::search::entities::key(&collection)
    ));
    let href = page
        .body
        .split("<link rel=\"alternate\" type=\"application/atom+xml\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an Atom alternate link")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(page.body.contains(">Atom feed</a>"));
    assert!(href.starts_with("/search/feed.atom?"), "{href}");
    let (reply, feed) = get_feed(&server, &format!("{href}&limit=200"));
    assert_private_absent(&href, &reply.body);
    let ids: BTreeSet<String> = feed.ids(&server.base).into_iter().collect();
    assert_eq!(ids, public_ids(&f, Some(&collection)));
}

#[test]
fn a_search_feed_lists_only_the_public_hits() {
    let (f, _) = archive();
    // The private records carry the seed's texts, so the search finds them
    // for staff; the public see the seed and the other public hits only.
    let query = "Generalissimo";
    let staff_hits = f.search_json(query, 100, true);
    let staff_ids: Vec<&str> = staff_hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(
        staff_ids.contains(&"feed-draft") && staff_ids.contains(&"feed-embargoed"),
        "the private records match the words: {staff_ids:?}"
    );
    let server = Server::start_with(f.command().env("FONDS_NOW", SERVER_NOW), &[]);
    let base = server.base.clone();
    let api = server
        .ok(&format!("/api/v1/search?q={query}&limit=100"))
        .json();
    let expected: BTreeSet<String> = api["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert!(expected.contains("208261"));
    assert!(expected.len() < 50);

    let path = format!("/search/feed.atom?q={query}");
    let (reply, feed) = get_feed(&server, &path);
    assert_private_absent(&path, &reply.body);
    assert_newest_first(&path, &feed);
    let ids: BTreeSet<String> = feed.ids(&base).into_iter().collect();
    assert_eq!(ids, expected);
    assert!(feed.title.contains(query), "{}", feed.title);
    assert_eq!(feed.link("self"), format!("{base}{path}"));
    let alternate = feed.link("alternate");
    assert_eq!(alternate, format!("{base}/search?q={query}"));
    assert_eq!(server.get("/search?q=Generalissimo").status, 200);
    assert!(reply.header("etag").is_some_and(|t| t.starts_with("W/")));

    // Filters narrow it as they narrow the search page.
    let (_, none) = get_feed(&server, "/search/feed.atom?q=Generalissimo&language=xx");
    assert!(none.entries.is_empty());
    assert!(!none.updated.is_empty(), "an empty feed is dated too");
    // A query the search refuses, and no query at all, are 400.
    assert_eq!(server.get("/search/feed.atom?q=%28Cuba").status, 400);
    assert_eq!(server.get("/search/feed.atom").status, 400);

    // The pages announce their feeds.
    let home = server.ok("/");
    assert!(
        home.body
            .contains("<link rel=\"alternate\" type=\"application/atom+xml\""),
        "the home page's head names its feed"
    );
    let search = server.ok("/search?q=Generalissimo");
    assert!(
        search
            .body
            .contains("href=\"/search/feed.atom?q=Generalissimo\""),
        "the search page's head names its feed"
    );
}
