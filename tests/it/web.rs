//! The reading room and the JSON API, over the real server on loopback.

use super::common::{Fonds, Server, corpus_archive, demo};
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

/// The page without its one data block (schema.org JSON-LD, which is not
/// run and can hold no `<`), after checking that block.
fn without_json_ld(html: &str) -> String {
    const OPEN: &str = r#"<script type="application/ld+json">"#;
    let Some((before, rest)) = html.split_once(OPEN) else {
        return html.to_string();
    };
    let (block, after) = rest
        .split_once("</script>")
        .expect("a closed JSON-LD block");
    assert!(!block.contains('<'), "JSON-LD holds markup: {block}");
    assert!(!after.contains(OPEN), "one JSON-LD block");
    format!("{before}{after}")
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
    // The page for people lists every call and every parameter the
    // document has, each with its answers, and the header leads to it.
    let page = server.ok("/api");
    let html = unescape(&page.body);
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let call = format!("<code>{} {path}</code>", method.to_uppercase());
            assert!(html.contains(&call), "/api lacks {call}");
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = format!("<code>{}</code>", p["name"].as_str().unwrap());
                assert!(html.contains(&name), "/api lacks {name} of {call}");
            }
            for status in op["responses"].as_object().unwrap().keys() {
                assert!(
                    html.contains(&format!("<td>{status}</td>")),
                    "{call}: {status}"
                );
            }
        }
    }
    assert!(html.contains(&format!("curl '{}/api/v1/search", server.base)));
    assert!(server.ok("/").body.contains("<a href=\"/api\">API</a>"));
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
        let body = without_json_ld(&page.body);
        assert!(
            !body.contains("<script") && !body.contains("<img"),
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
        let vary: Vec<&str> = reply
            .headers
            .iter()
            .filter(|(n, _)| n == "vary")
            .map(|(_, v)| v.as_str())
            .collect();
        assert!(vary.contains(&"Cookie"), "{path}: {vary:?}");
        // Anyone's answers keep their caching as before: none is set, but
        // on a record page, which its validators make cheap to check.
        let caching = match path == "/records/208261" {
            true => Some("public, max-age=60"),
            false => None,
        };
        assert_eq!(reply.header("cache-control"), caching, "{path}");
    }
    // Shared answers are the same for everyone: they vary by encoding only.
    for path in ["/oai?verb=Identify", "/sitemap.xml", "/static/fonds.css"] {
        let vary = server.get(path).header("vary").unwrap_or("").to_lowercase();
        assert!(!vary.contains("cookie"), "{path}: {vary}");
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
    let f = corpus_archive();
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

/// A record with page images: its page carries the one script (the
/// viewer) and the policy that allows it, a still and page links; search
/// hits show its thumbnail; a record without images keeps the page with
/// no script at all.
#[test]
fn a_scan_is_shown_on_its_record_page_and_as_a_thumbnail_in_search() {
    let (f, _) = super::iiif::seed_with_scan();
    let frus = demo("frus");
    f.import(&[&frus]);
    let server = Server::start(&f, &[]);
    let page = server.ok("/records/208261");
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(
        page.body
            .contains(r#"<script src="/static/scan.js" defer></script>"#)
    );
    // OpenSeadragon is fetched by the starter when the reader reaches for
    // the scan, not by the page.
    assert!(!page.body.contains("/static/viewer.js"));
    assert!(
        page.body
            .contains(r#"data-sources="[&#34;/iiif/208261/1/info.json&#34;,&#34;/iiif/208261/2/info.json&#34;]""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        r#"<img src="/iiif/208261/1/full/1000,/0/default.jpg" width="1000" height="1285""#
    ));
    assert!(page.body.contains(r#"href="/records/208261?page=2#scan""#));
    assert!(
        page.body
            .contains(r#"<a href="/records/208261/files/2" download>page 2 (JPEG"#)
    );
    let second = server.ok("/records/208261?page=2");
    assert!(second.body.contains(
        r#"<img src="/iiif/208261/2/full/900,/0/default.jpg" width="900" height="1200""#
    ));
    // A page number that is not one shows the first page.
    let odd = server.ok("/records/208261?page=x");
    assert!(odd.body.contains("/iiif/208261/1/full/1000,"));

    let script = server.ok("/static/viewer.js");
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.body.contains("OpenSeadragon") && script.body.contains("scan-viewer"));
    let starter = server.ok("/static/scan.js");
    assert_eq!(
        starter.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(starter.body.contains("/static/viewer.js") && !starter.body.contains("OpenSeadragon("));

    let hits = server.ok("/search?q=Stalin");
    assert!(
        hits.body.contains(
            r#"<img src="/iiif/208261/1/full/120,/0/default.jpg" width="120" height="154""#
        ),
        "{}",
        hits.body
    );
    let frus_page = server.ok("/records/frus1961-63v06d12");
    assert!(!without_json_ld(&frus_page.body).contains("<script"));
    assert!(
        !frus_page
            .header("content-security-policy")
            .unwrap()
            .contains("script-src")
    );
    assert!(!frus_page.body.contains("class=\"scan\""));
}

/// OAI-PMH's Dublin Core carries what aggregators need to find the images:
/// a thumbnail among the identifiers, the IIIF manifest among the
/// relations, the files' formats and the rights statement's URI; each
/// address answers.
#[test]
fn oai_dc_leads_aggregators_to_the_images_and_the_rights_statement() {
    let (f, _) = super::iiif::seed_with_scan();
    let uri = "http://rightsstatements.org/vocab/NoC-US/1.0/";
    let dump = f.dump();
    let mut lines: Vec<String> = dump.lines().map(String::from).collect();
    let seed = lines.iter_mut().find(|l| l.contains("\"208261\"")).unwrap();
    let mut record: Value = serde_json::from_str(seed).unwrap();
    record["rights_uri"] = Value::String(uri.into());
    *seed = record.to_string();
    std::fs::write(f.path("rights.jsonl"), lines.join("\n") + "\n").unwrap();
    // The attachment was an edit (revision 2): this import replaces it.
    let path = f.path("rights.jsonl");
    f.ok(&["import", path.to_str().unwrap(), "--overwrite-edits"]);
    let server = Server::start(&f, &[]);
    let xml = server
        .ok("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:fonds.localhost:208261")
        .body;
    let values = |element: &str| -> Vec<String> {
        let open = format!("<dc:{element}>");
        xml.split(&open)
            .skip(1)
            .map(|rest| rest.split("</dc:").next().unwrap().replace("&amp;", "&"))
            .collect()
    };
    let base = &server.base;
    let thumbnail = format!("{base}/iiif/208261/1/full/400,/0/default.jpg");
    let manifest = format!("{base}/iiif/208261/manifest.json");
    assert!(values("identifier").contains(&thumbnail), "{xml}");
    assert!(values("relation").contains(&manifest), "{xml}");
    assert_eq!(values("format"), ["image/jpeg", "image/png"]);
    assert!(values("rights").contains(&uri.to_string()), "{xml}");
    let path = |url: &str| url.strip_prefix(base.as_str()).unwrap().to_string();
    assert!(
        server
            .ok_bytes(&path(&thumbnail))
            .starts_with(&[0xff, 0xd8])
    );
    assert_eq!(server.ok(&path(&manifest)).json()["type"], "Manifest");
}

/// A purge removes the files only its record named, with their tiles; a
/// file another record also holds stays and is still served.
#[test]
fn a_purge_removes_the_files_no_other_record_names() {
    use super::desk::{PASSWORD, add_user, pairs, sign_in};
    let (f, [p1, p2]) = super::iiif::seed_with_scan();
    f.import(&[&demo("frus")]);
    let other = "frus1961-63v06d12";
    f.ok(&["attach", other, p2.to_str().unwrap()]);
    add_user(&f, "ada", "admin");
    let sha = |p: &std::path::Path| super::iiif::sha256(&std::fs::read(p).unwrap());
    let (only, shared) = (sha(&p1), sha(&p2));
    let files = f.data().join("files");
    let original = |sha: &str| files.join("originals").join(&sha[..2]).join(sha);
    assert!(original(&only).exists() && files.join("derived").join(&only).exists());

    let server = Server::start(&f, &[]);
    let mut ada = sign_in(&server, "ada", PASSWORD);
    let csrf = ada.csrf();
    let purged = ada.post_form(
        "/desk/records/208261/purge",
        &pairs(&[("csrf", &csrf), ("reason", "rights withdrawn")]),
    );
    assert_eq!(purged.status, 303, "{}", purged.body);
    assert!(!original(&only).exists(), "the seed's own page is gone");
    assert!(
        !files
            .join("derived")
            .join(&only)
            .join("pyramid.json")
            .exists(),
        "and its tiles"
    );
    assert!(original(&shared).exists(), "the shared page stays");
    let served = server.ok_bytes(&format!("/records/{other}/files/1"));
    assert_eq!(super::iiif::sha256(&served), shared);
    assert_eq!(
        server.get(&format!("/iiif/{other}/1/info.json")).status,
        200
    );
}

/// The web's conventions on a record page: content negotiation, validators
/// and 304s, signposting, the head's description, Open Graph and JSON-LD;
/// robots.txt naming the sitemap and the icon.
#[test]
fn record_pages_follow_the_webs_conventions() {
    let f = demo_archive();
    let server = Server::start(&f, &["--base-url", "http://archive.example"]);
    let agent = ureq::Agent::new_with_defaults();
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut request = agent.get(&format!("{}{path}", server.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.call().unwrap();
        let status = response.status().as_u16();
        let header = |n: &str| {
            response
                .headers()
                .get_all(n)
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (etag, vary, link, kind, modified) = (
            header("etag"),
            header("vary"),
            header("link"),
            header("content-type"),
            header("last-modified"),
        );
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (status, etag, vary, link, kind, modified, body)
    };

    // Content negotiation on the page's address.
    let (status, _, vary, _, kind, _, body) =
        get("/records/208261", &[("Accept", "application/json")]);
    assert_eq!((status, kind.as_str()), (200, "application/json"));
    assert!(vary.contains("Accept"));
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json, f.show_json("208261"));
    let (_, _, _, _, kind, _, body) = get(
        "/records/208261",
        &[(
            "Accept",
            "application/x-research-info-systems, text/html;q=0.5",
        )],
    );
    assert!(
        kind.starts_with("application/x-research-info-systems"),
        "{kind}"
    );
    assert!(body.starts_with("TY  - "), "{body}");
    let (_, _, _, _, kind, _, _) = get(
        "/records/208261",
        &[("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
    );
    assert!(kind.starts_with("text/html"), "a browser gets the page");

    // Validators: the same page again is 304, by ETag or by date.
    let (status, etag, vary, link, _, modified, html) = get("/records/208261", &[]);
    assert_eq!(status, 200);
    assert!(
        etag.starts_with("W/\"") && vary.contains("Accept"),
        "{etag} {vary}"
    );
    let (status, ..) = get("/records/208261", &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    let (status, ..) = get("/records/208261", &[("If-Modified-Since", &modified)]);
    assert_eq!(status, 304);
    let (status, ..) = get("/records/208261", &[("If-None-Match", "\"other\"")]);
    assert_eq!(status, 200);

    // Signposting and the head.
    assert!(
        link.contains("<http://archive.example/records/208261>; rel=\"cite-as\""),
        "{link}"
    );
    assert!(link.contains(
        "<http://archive.example/records/208261.ris>; rel=\"describedby\"; type=\"application/x-research-info-systems\""
    ));
    assert!(html.contains(
        r#"<link rel="alternate" type="application/x-bibtex" href="/records/208261.bib""#
    ));
    assert!(html.contains(r#"<meta name="description" content="Kim praises Stalin"#));
    assert!(
        html.contains(
            r#"<meta property="og:url" content="http://archive.example/records/208261">"#
        )
    );
    let ld = html
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    let ld: Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["@type"], "ArchiveComponent");
    assert_eq!(ld["creator"][0]["name"], "Kim Il Sung");
    assert_eq!(ld["translator"][0]["name"], "Gary Goldberg");
    assert_eq!(
        ld["holdingArchive"]["name"],
        "Wilson Center Digital Archive"
    );
    assert_eq!(ld["dateCreated"], "1948-09-22");

    let robots = server.ok("/robots.txt");
    assert!(
        robots
            .body
            .contains("Sitemap: http://archive.example/sitemap.xml")
    );
    assert!(robots.body.contains("Disallow: /desk/"));
    let icon = server.ok("/favicon.svg");
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
    assert!(server.ok("/").body.contains(r#"<meta name="description""#));
}

/// JSON-LD cannot close its script element, whatever a record says.
#[test]
fn json_ld_escapes_what_could_end_its_script() {
    let text = fonds::web::views::script_json(&serde_json::json!({"name": "</script><b>&"}));
    assert!(
        !text.contains('<') && !text.contains('>') && !text.contains('&'),
        "{text}"
    );
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["name"], "</script><b>&");
}

/// A search past its last page says so and links to the last page; one
/// that finds nothing helps instead of offering empty facets; a result
/// list comes as CSV and RIS files of the records in it.
#[test]
fn search_pages_handle_the_end_nothing_and_export_their_list() {
    let f = demo_archive();
    let server = Server::start(&f, &[]);
    let total = server.ok("/api/v1/search?q=Khrushchev").json()["total"]
        .as_u64()
        .unwrap() as usize;
    assert!(total > 20, "more than a page: {total}");
    let last = total.div_ceil(20);
    let past = server.ok(&format!("/search?q=Khrushchev&page={}", last + 5));
    assert!(
        past.body.contains(&format!(
            "the results end on <a href=\"/search?q=Khrushchev&#38;page={last}\">page {last}</a>"
        )),
        "{}",
        past.body
    );
    assert!(!past.body.contains("showing 0"), "no broken range");

    let nothing = server.ok("/search?q=qwxzzyv");
    assert!(nothing.body.contains("Nothing matched <q>qwxzzyv</q>"));
    assert!(!nothing.body.contains("Narrow by"), "no empty facets");
    assert!(nothing.body.contains("How to search"));

    let csv = server.get("/search?q=Khrushchev&year=1962&format=csv");
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let narrowed = server
        .ok("/api/v1/search?q=Khrushchev&year=1962&limit=100")
        .json();
    let mut rows = csv::Reader::from_reader(csv.body.as_bytes());
    let ids: Vec<String> = rows.records().map(|r| r.unwrap()[0].to_string()).collect();
    let expected: Vec<&str> = narrowed["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert_eq!(ids, expected, "the list's records, in its order");
    let header = rows.headers().unwrap().clone();
    assert_eq!(&header[1], "title");

    let ris = server.ok("/search?q=Khrushchev&year=1962&format=ris");
    assert_eq!(ris.body.matches("TY  - ").count(), ids.len());
    assert_eq!(ris.body.matches("ER  - ").count(), ids.len());
    assert_eq!(server.get("/search?q=x&format=pdf").status, 400);
}

/// One request with the given headers, nothing decoded: (status, headers
/// by name, body).
fn raw_get(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, std::collections::BTreeMap<String, String>, Vec<u8>) {
    let (status, headers, body) = server.raw(method, path, headers);
    (status, headers.into_iter().collect(), body)
}

#[test]
fn text_is_compressed_as_the_client_asks_and_images_and_the_dump_are_not() {
    use std::io::Read;
    let (f, _) = super::iiif::seed_with_scan();
    let server = Server::start(&f, &[]);
    let (_, plain_headers, plain) = raw_get(&server, "GET", "/records/208261", &[]);
    assert!(!plain_headers.contains_key("content-encoding"));
    let (status, headers, gzipped) = raw_get(
        &server,
        "GET",
        "/records/208261",
        &[("accept-encoding", "gzip")],
    );
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    assert!(headers["vary"].to_lowercase().contains("accept-encoding"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "gzip gives back the page");
    assert!(gzipped.len() * 2 < plain.len(), "a page compresses");
    // The validator matches across encodings: a repeat with it is a 304.
    let (status, _, _) = raw_get(
        &server,
        "GET",
        "/records/208261",
        &[
            ("accept-encoding", "gzip"),
            ("if-none-match", &headers["etag"]),
        ],
    );
    assert_eq!(status, 304);
    let (_, headers, brotli) = raw_get(
        &server,
        "GET",
        "/static/viewer.js",
        &[("accept-encoding", "br;q=1, gzip;q=0.5")],
    );
    assert_eq!(
        headers.get("content-encoding").map(String::as_str),
        Some("br")
    );
    let (_, _, script) = raw_get(&server, "GET", "/static/viewer.js", &[]);
    assert!(
        brotli.len() * 3 < script.len(),
        "the viewer script compresses"
    );
    // A tile is JPEG already; the dump is gzip already.
    let (status, headers, _) = raw_get(
        &server,
        "GET",
        "/iiif/208261/1/full/max/0/default.jpg",
        &[("accept-encoding", "gzip, br")],
    );
    assert_eq!(status, 200);
    assert!(!headers.contains_key("content-encoding"), "{headers:?}");
    let (status, headers, _) = raw_get(
        &server,
        "GET",
        "/dump/records.jsonl.gz",
        &[("accept-encoding", "gzip, br")],
    );
    assert_eq!(status, 200);
    assert!(!headers.contains_key("content-encoding"), "{headers:?}");
}

#[test]
fn the_json_api_answers_other_origins_and_the_pages_do_not() {
    let f = demo_archive();
    let server = Server::start(&f, &[]);
    let origin = ("origin", "https://notebook.example");
    let (status, headers, body) = raw_get(&server, "GET", "/api/v1/records/208261", &[origin]);
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(
        headers["access-control-expose-headers"]
            .to_lowercase()
            .contains("etag")
    );
    assert!(!headers.contains_key("access-control-allow-credentials"));
    let record: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(record["id"], "208261");
    // A write from another page is preflighted, and allowed its headers.
    let (status, headers, _) = raw_get(
        &server,
        "OPTIONS",
        "/api/v1/records/208261",
        &[
            origin,
            ("access-control-request-method", "PUT"),
            (
                "access-control-request-headers",
                "authorization, if-match, content-type",
            ),
        ],
    );
    assert!(status < 300, "preflight answered {status}");
    assert!(headers["access-control-allow-methods"].contains("PUT"));
    let allowed = headers["access-control-allow-headers"].to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("if-match"));
    // Pages and the desk are for this site only.
    let (_, headers, _) = raw_get(&server, "GET", "/records/208261", &[origin]);
    assert!(!headers.contains_key("access-control-allow-origin"));
}

/// The links of a record page's `<dt>label</dt>` list (Creators,
/// Recipients, People named), unescaped.
fn agent_links(page: &str, label: &str) -> Vec<String> {
    let Some(start) = page.find(&format!("<dt>{label}</dt>")) else {
        return Vec::new();
    };
    let rest = &page[start + label.len() + 9..];
    let end = rest
        .find("<dt>")
        .unwrap_or(rest.len())
        .min(rest.find("</dl>").unwrap_or(rest.len()));
    rest[..end]
        .split("<a href=\"")
        .skip(1)
        .map(|a| unescape(&a[..a.find('"').unwrap()]))
        .collect()
}

#[test]
fn every_name_on_a_record_page_leads_to_a_person_page_that_finds_the_record() {
    let f = demo_archive();
    let server = Server::start(&f, &[]);
    let mut followed = 0;
    for id in ["208261", "frus1961-63v06d12", "frus1961-63v06d8"] {
        let page = server.ok(&format!("/records/{id}")).body;
        for label in ["Creators", "Recipients", "People named"] {
            for href in agent_links(&page, label) {
                assert!(
                    href.starts_with("/people/"),
                    "{id}: {label} links to {href}"
                );
                let person = server.ok(&href).body;
                // The person page lists the record (it lists the first 50 by
                // date), and its link to all their documents finds it.
                let all = unescape(
                    person
                        .split("<a href=\"")
                        .map(|a| &a[..a.find('"').unwrap_or(0)])
                        .find(|a| {
                            a.starts_with("/search?q=*&amp;person=")
                                || a.starts_with("/search?q=*&#38;person=")
                        })
                        .unwrap_or_else(|| panic!("{href}: no link to all documents")),
                );
                let hits = server.ok(&format!("/api/v1{all}&limit=100")).json();
                let ids: Vec<&str> = hits["hits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["id"].as_str().unwrap())
                    .collect();
                assert!(
                    ids.contains(&id),
                    "{id}: {label} {href} → {all} finds {ids:?}"
                );
                followed += 1;
            }
        }
    }
    // The seed alone names a creator and a recipient.
    assert!(followed >= 2, "{followed}");
    let seed = server.ok("/records/208261").body;
    assert_eq!(agent_links(&seed, "Recipients").len(), 1);
}
