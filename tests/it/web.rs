//! The reading room and the JSON API, over the real server on loopback.

use super::common::{Fonds, Server, corpus, demo};
use serde_json::Value;

fn demo_archive() -> Fonds {
    let f = Fonds::new();
    f.import(&[&demo("wilson"), &demo("frus")]);
    f
}

/// The page's text with the entities askama writes turned back, for
/// comparing with stored values.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn the_record_page_shows_every_field_of_the_seed() {
    let f = demo_archive();
    let record = f.show_json("208261");
    let server = Server::start(&f, &[]);
    let page = server.ok("/records/208261");
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.headers
    );
    let text = unescape(&page.body);
    let mut expected = Vec::new();
    for key in [
        "id",
        "title",
        "date",
        "other_dates",
        "type",
        "creators",
        "recipients",
        "places",
        "archival_reference",
        "holding_archive",
        "source_url",
        "citation",
        "contributors",
        "translators",
        "summary",
    ] {
        assert!(!record[key].is_null(), "the seed has {key}");
        strings(&record[key], &mut expected);
    }
    for value in &expected {
        // Derived bounds are shown as the EDTF expression they come from.
        if value.len() == 10 && value.chars().nth(4) == Some('-') && !text.contains(value) {
            panic!("date {value} missing");
        }
        assert!(text.contains(value.as_str()), "the page lacks {value:?}");
    }
    assert!(text.contains("Russian"), "original language by name");
    for label in ["Fond", "Opis", "Delo", "Folios", "0065–0067"] {
        assert!(text.contains(label), "parsed reference lacks {label}");
    }
    for paragraph in record["texts"][0]["body"].as_str().unwrap().split("\n\n") {
        let paragraph = paragraph
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains(paragraph.trim()),
            "text paragraph missing: {paragraph:?}"
        );
    }
    assert!(
        page.body.contains(r#"lang="en""#),
        "the translation has lang"
    );
    assert!(
        page.body.contains(
            r#"<a href="https://wilson-center-digital-archive.dvincitest.com/document/208261""#
        ),
        "the source is a link"
    );
}

#[test]
fn search_pages_list_frus_documents_and_narrow_by_facets() {
    let f = demo_archive();
    let server = Server::start(&f, &[]);
    let page = server.ok("/search?q=Khrushchev");
    let hrefs: Vec<&str> = page
        .body
        .match_indices("href=\"/records/")
        .map(|(at, _)| {
            let rest = &page.body[at + 6..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert!(hrefs.len() >= 10, "{hrefs:?}");
    assert!(
        hrefs
            .iter()
            .all(|h| h.starts_with("/records/frus1961-63v06")),
        "{hrefs:?}"
    );
    assert!(page.body.contains("<mark>Khrushchev</mark>"));
    assert!(page.body.contains("Matched in the "));
    // The year facet links narrow, and the narrowed total is the facet's count.
    let facets = server.ok("/api/v1/search?q=Khrushchev").json();
    let year = &facets["facets"]["year"][0];
    let (value, count) = (
        year["value"].as_str().unwrap(),
        year["count"].as_u64().unwrap(),
    );
    let link = format!("href=\"/search?q=Khrushchev&year={value}\"");
    assert!(
        unescape(&page.body).contains(&link),
        "facet link {link} missing"
    );
    let narrowed = server.ok(&format!("/search?q=Khrushchev&year={value}"));
    assert!(
        narrowed.body.contains(&format!(">{count} document")),
        "narrowed page should say {count} documents"
    );
    let api = server
        .ok(&format!("/api/v1/search?q=Khrushchev&year={value}"))
        .json();
    assert_eq!(api["total"].as_u64(), Some(count));
    // Sorting and paging are kept in the URL.
    let by_date = server.ok("/search?q=*&sort=date&page=2");
    assert!(by_date.body.contains("aria-current=\"page\">2<"));
    assert!(unescape(&by_date.body).contains("href=\"/search?q=*&sort=date&page=3\""));
}

#[test]
fn the_api_answers_the_cli_json_and_describes_itself() {
    let f = demo_archive();
    let cli: Value =
        serde_json::from_str(&f.ok(&["search", "Khrushchev", "--json", "--limit", "5"])).unwrap();
    let record = f.show_json("208261");
    let server = Server::start(&f, &[]);
    let api = server.ok("/api/v1/search?q=Khrushchev&limit=5");
    assert!(
        api.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(api.json(), cli, "the API and the CLI answer the same JSON");
    assert_eq!(server.ok("/api/v1/records/208261").json(), record);
    let openapi = server.ok("/api/v1/openapi.json").json();
    assert!(
        openapi["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        openapi["openapi"]
    );
    for path in [
        "/api/v1/records/{id}",
        "/api/v1/search",
        "/api/v1/facets",
        "/api/v1/records",
    ] {
        assert!(openapi["paths"][path].is_object(), "OpenAPI lacks {path}");
    }
    // Every record, page by page, exactly once.
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let page = server
            .ok(&format!("/api/v1/records?limit=50&after={next}"))
            .json();
        for r in page["records"].as_array().unwrap() {
            seen.push(r["id"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 121);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen);
    let facets = server.ok("/api/v1/facets?q=*").json();
    assert_eq!(facets["total"], 121);
    assert!(facets.get("hits").is_none());
}

#[test]
fn missing_records_and_bad_queries_get_clear_errors() {
    let f = demo_archive();
    let server = Server::start(&f, &[]);
    let page = server.get("/records/does-not-exist");
    assert_eq!(page.status, 404);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.body.contains("<h1>Not found</h1>"));
    let api = server.get("/api/v1/records/does-not-exist");
    assert_eq!(api.status, 404);
    let envelope = api.json();
    assert_eq!(envelope["error"]["status"], 404);
    assert_eq!(envelope["error"]["code"], "not_found");
    let bad = server.get("/api/v1/search?q=%22unclosed");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "bad_request");
    let bad_page = server.get("/search?q=date:1962-13");
    assert_eq!(bad_page.status, 400);
    assert!(bad_page.body.contains("role=\"alert\""));
    assert!(bad_page.body.contains("not a date"));
    assert_eq!(server.get("/no/such/page").status, 404);
    assert_eq!(
        server.get("/api/v1/nothing").json()["error"]["code"],
        "not_found"
    );
}

#[test]
fn data_is_escaped_and_no_script_may_run() {
    let f = Fonds::new();
    std::fs::create_dir_all(f.path("b/text")).unwrap();
    std::fs::write(
        f.path("b/text/x.txt"),
        "The Cuba text <img src=x onerror=alert(2)> & more\n\nSecond <b>paragraph</b>",
    )
    .unwrap();
    std::fs::write(
        f.path("b/manifest.csv"),
        "identifier,title,date,language,text\n\
         x-1,<script>alert(1)</script>,1962-10-22,en,text/x.txt\n",
    )
    .unwrap();
    f.import(&[&f.path("b")]);
    // A source link with a script scheme, through the dump format.
    let dump = f.dump();
    let mut lines: Vec<String> = dump.lines().map(str::to_string).collect();
    let mut record: Value = serde_json::from_str(&lines[1]).unwrap();
    record["source_url"] = Value::String("javascript:alert(3)".into());
    lines[1] = serde_json::to_string(&record).unwrap();
    let f = Fonds::new();
    std::fs::write(f.path("d.jsonl"), lines.join("\n") + "\n").unwrap();
    f.import(&[&f.path("d.jsonl")]);
    let server = Server::start(&f, &[]);
    for path in [
        "/records/x-1",
        "/search?q=Cuba",
        "/search?q=%3Cscript%3E",
        "/",
    ] {
        let page = server.ok(path);
        assert!(
            !page.body.contains("<script") && !page.body.contains("<img"),
            "{path} lets markup from the data through:\n{}",
            page.body
        );
        assert!(
            unescape(&page.body).contains("<script>alert(1)</script>"),
            "{path} shows the title as text"
        );
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "{path}: CSP {csp:?}");
        assert!(!csp.contains("unsafe-inline"), "{path}: CSP {csp:?}");
        assert!(!page.body.contains("style=\""), "{path}: inline style");
    }
    let record = server.ok("/records/x-1");
    assert!(unescape(&record.body).contains("<img src=x onerror=alert(2)>"));
    assert!(!record.body.contains("href=\"javascript:"));
    assert!(
        !record.body.contains("<dt>Source</dt>"),
        "no link for a script URL"
    );
    let api = server.ok("/api/v1/records/x-1").json();
    assert_eq!(api["title"], "<script>alert(1)</script>");
}

#[test]
fn records_that_are_not_public_are_not_served() {
    let f = demo_archive();
    let dump = f.dump().replacen(
        "{\"status\":\"published\"}",
        "{\"status\":\"embargoed\",\"until\":\"2999-01-01\"}",
        1,
    );
    let first = dump.lines().nth(1).unwrap();
    let id: Value = serde_json::from_str(first).unwrap();
    let id = id["id"].as_str().unwrap().to_string();
    let g = Fonds::new();
    std::fs::write(g.path("d.jsonl"), &dump).unwrap();
    g.import(&[&g.path("d.jsonl")]);
    let server = Server::start(&g, &[]);
    assert_eq!(server.get(&format!("/records/{id}")).status, 404);
    assert_eq!(server.get(&format!("/api/v1/records/{id}")).status, 404);
    let all = server.ok("/api/v1/search?q=*&limit=100").json();
    assert_eq!(all["total"], 120);
    let home = server.ok("/");
    assert!(!home.body.contains(&format!("/records/{id}\"")));
}

#[test]
fn health_and_the_banner_count_only_public_records() {
    let f = demo_archive();
    let published = "{\"status\":\"published\"}";
    let dump = f
        .dump()
        .replacen(published, "{\"status\":\"draft\"}", 1)
        .replacen(
            published,
            "{\"status\":\"embargoed\",\"until\":\"2999-01-01\"}",
            1,
        );
    let g = Fonds::new();
    std::fs::write(g.path("d.jsonl"), &dump).unwrap();
    g.import(&[&g.path("d.jsonl")]);
    assert_eq!(g.count(), 121, "the staff's export holds every record");
    let server = Server::start(&g, &[]);
    assert_eq!(server.ok("/health").body, "ok 119 records\n");
    assert!(
        server.banner.starts_with("fonds: serving 119 records at "),
        "{}",
        server.banner
    );
}

/// Pages and API calls: what they answer may depend on who asks.
const READING_ROOM: [&str; 11] = [
    "/",
    "/search?q=Stalin",
    "/records/208261",
    "/records/208261.bib",
    "/records/does-not-exist",
    "/browse",
    "/api/v1/records/208261",
    "/api/v1/records/does-not-exist",
    "/api/v1/records",
    "/api/v1/search?q=*",
    "/api/v1/facets?q=*",
];

#[test]
fn pages_and_api_answers_vary_by_cookie_and_shared_files_do_not() {
    let f = Fonds::new();
    f.import(&[&demo("wilson")]);
    let server = Server::start(&f, &[]);
    for path in READING_ROOM {
        let reply = server.get(path);
        assert_eq!(reply.header("vary"), Some("Cookie"), "{path}");
        // Anyone's answers keep their caching as before: none is set.
        assert_eq!(reply.header("cache-control"), None, "{path}");
    }
    for path in ["/oai?verb=Identify", "/sitemap.xml", "/static/fonds.css"] {
        assert_eq!(server.get(path).header("vary"), None, "{path}");
    }
}

#[test]
fn the_demo_serves_with_no_setup() {
    let tmp = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_fonds"));
    command
        .env("TMPDIR", tmp.path())
        .env_remove("FONDS_DATA")
        .current_dir(tmp.path());
    let server = Server::start_with(&mut command, &["--demo"]);
    let home = server.ok("/");
    assert!(home.body.contains("121 documents"), "{}", home.body);
    assert!(home.body.contains("Recently added"));
    server.ok("/records/208261");
    server.ok("/browse");
    let css = server.ok("/static/fonds.css");
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(server.ok("/health").body.starts_with("ok 121 records"));
}

#[test]
fn a_server_finds_records_imported_while_it_runs() {
    let f = Fonds::new();
    f.import(&[&demo("wilson")]);
    let server = Server::start(&f, &[]);
    assert_eq!(server.ok("/api/v1/search?q=Khrushchev").json()["total"], 0);
    f.import(&[&demo("frus")]);
    let started = std::time::Instant::now();
    loop {
        let total = server.ok("/api/v1/search?q=Khrushchev").json()["total"]
            .as_u64()
            .unwrap();
        if total > 0 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the import never reached the server's index"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn a_korean_original_is_shown_beside_its_english_translation() {
    let f = Fonds::new();
    f.import(&[&corpus("korean-periodicals-pgg")]);
    let record = f.show_json("pgg-01-020");
    let server = Server::start(&f, &[]);
    let page = server.ok("/records/pgg-01-020");
    assert!(
        page.body.contains("class=\"texts parallel\""),
        "side by side"
    );
    let original = page.body.find("class=\"col original\" lang=\"ko\"");
    let translation = page.body.find("class=\"col translation\" lang=\"en\"");
    assert!(original.is_some() && translation.is_some(), "{}", page.body);
    let text = unescape(&page.body);
    for version in record["texts"].as_array().unwrap() {
        let first = version["body"]
            .as_str()
            .unwrap()
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap()
            .trim_end();
        assert!(text.contains(first), "missing {first:?}");
        if version["machine_translation"] == true {
            assert!(page.body.contains("machine translation"));
        }
    }
}

#[test]
fn record_pages_carry_citations_for_readers_and_zotero() {
    let f = demo_archive();
    let record = f.show_json("208261");
    let cli_ris = f.ok(&["cite", "208261", "--style", "ris", "--base-url", "http://x"]);
    let server = Server::start(&f, &["--base-url", "http://x"]);
    let page = server.ok("/records/208261");
    let text = unescape(&page.body);
    let title = record["title"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            r#"<meta name="citation_title" content="{title}">"#
        )),
        "citation_title"
    );
    for tag in [
        "citation_author",
        "citation_date",
        "citation_public_url",
        "citation_language",
    ] {
        assert!(
            page.body.contains(&format!(r#"<meta name="{tag}""#)),
            "{tag} missing"
        );
    }
    assert!(
        text.contains(r#"<meta name="citation_public_url" content="http://x/records/208261">"#)
    );
    for label in ["As the holding archive cites it", "Chicago", "MLA", "APA"] {
        assert!(text.contains(label), "the citation box lacks {label}");
    }
    assert!(text.contains("f. 558"), "the archive location is cited");
    let ris = server.ok("/records/208261.ris");
    assert_eq!(ris.body, cli_ris, "the download is the CLI's RIS");
    assert!(
        ris.header("content-disposition")
            .unwrap()
            .contains("208261.ris")
    );
    let bib = server.ok("/records/208261.bib");
    assert!(bib.body.trim_start().starts_with('@'), "{}", bib.body);
    let csl = server.ok("/records/208261.csl.json").json();
    assert_eq!(csl[0]["type"], "manuscript");
    assert_eq!(server.get("/records/does-not-exist.ris").status, 404);
}

#[test]
fn oai_pmh_sitemap_and_dump_are_served() {
    let f = demo_archive();
    let export = f.dump();
    let server = Server::start(&f, &["--base-url", "http://archive.example.org"]);
    let identify = server.ok("/oai?verb=Identify");
    assert!(
        identify
            .header("content-type")
            .unwrap()
            .starts_with("text/xml")
    );
    assert!(
        identify
            .body
            .contains("<baseURL>http://archive.example.org/oai</baseURL>")
    );
    let bad = server.get("/oai?verb=Nonsense");
    assert_eq!(bad.status, 200, "protocol errors are in a 200 body");
    assert!(bad.body.contains("code=\"badVerb\""));
    let record = server
        .ok("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:archive.example.org:208261");
    assert!(record.body.contains("<dc:title>"), "{}", record.body);
    let sitemap = server.ok("/sitemap.xml");
    assert!(
        sitemap
            .body
            .contains("<loc>http://archive.example.org/records/208261</loc>")
    );
    assert_eq!(
        server.get("/sitemap-1.xml").status,
        404,
        "one sitemap is enough for 121"
    );
    let dump = server.ok_bytes("/dump/records.jsonl.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&dump[..]), &mut text).unwrap();
    assert_eq!(
        text, export,
        "every record is public: the dump is the export"
    );
}
