//! Citations through the real binary: the seed's own citation verbatim, every
//! style for the seed and a FRUS document (snapshots), the CSL-JSON shape,
//! the fields reference managers read in RIS and BibTeX, bad style names and
//! identifiers; and, over the real server, what Zotero reads from a record
//! page: its meta tags and its unAPI service (a draft's is 404).

use super::common::{FRUS, Fonds, Reply, SEED, Server, demo};
use super::desk::{PASSWORD, add_user, sign_in};

const FRUS_DOC: &str = "frus1961-63v06d12";
const STYLES: [&str; 7] = [
    "source", "chicago", "mla", "apa", "bibtex", "ris", "csl-json",
];

fn archive() -> Fonds {
    let f = Fonds::new();
    f.import(&[&demo(SEED), &demo(FRUS)]);
    f
}

/// The paragraph after `**Citation:**` in the seed file, read from the file.
fn seed_citation_paragraph() -> String {
    let text = std::fs::read_to_string(demo(SEED)).unwrap();
    let after = text
        .split_once("**Citation:**")
        .expect("the seed has a Citation section")
        .1;
    after
        .trim_start_matches(['\n', '\r'])
        .split("\n\n")
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn source_style_prints_the_seeds_citation_paragraph_exactly() {
    let f = archive();
    let paragraph = seed_citation_paragraph();
    assert!(paragraph.ends_with("/document/208261>"), "{paragraph}");
    let out = f.ok(&["cite", "208261", "--style", "source"]);
    assert_eq!(out, format!("{paragraph}\n"));
}

#[test]
fn every_style_for_the_seed_and_a_frus_document() {
    let f = archive();
    for style in STYLES {
        let seed = f.ok(&["cite", "208261", "--style", style]);
        insta::assert_snapshot!(format!("seed_{style}"), seed);
        let frus = f.ok(&[
            "cite",
            FRUS_DOC,
            "--style",
            style,
            "--base-url",
            "https://fonds.example.org/",
        ]);
        insta::assert_snapshot!(format!("frus_{style}"), frus);
    }
}

#[test]
fn chicago_is_the_default_and_keeps_the_fond_lower_case() {
    let f = archive();
    let default = f.ok(&["cite", "208261"]);
    assert_eq!(default, f.ok(&["cite", "208261", "--style", "chicago"]));
    for style in ["chicago", "mla", "apa"] {
        let out = f.ok(&["cite", "208261", "--style", style]);
        assert!(out.contains("f. 558"), "{style}: {out}");
        assert!(!out.contains("F. 558"), "{style}: {out}");
        assert!(
            out.contains("Gary Goldberg"),
            "{style} names the translator: {out}"
        );
    }
}

#[test]
fn csl_json_is_a_manuscript_with_its_archive_location() {
    let f = archive();
    let out = f.ok(&["cite", "208261", "--style", "csl-json"]);
    let items: serde_json::Value = serde_json::from_str(&out).expect("CSL-JSON is JSON");
    let item = &items[0];
    assert_eq!(item["type"], "manuscript");
    assert_eq!(item["id"], "208261");
    assert_eq!(item["archive"], "RGASPI");
    let location = item["archive_location"].as_str().unwrap();
    for level in ["f. 558", "op. 11", "d. 109", "ll. 0065–0067"] {
        assert!(location.contains(level), "{level} in {location}");
    }
    assert_eq!(item["translator"][0]["literal"], "Gary Goldberg");
    assert_eq!(item["author"][0]["literal"], "Kim Il Sung");
    assert_eq!(
        item["issued"]["date-parts"],
        serde_json::json!([[1948, 9, 22]])
    );
    assert_eq!(item["language"], "ru");
    assert_eq!(
        item["URL"],
        "https://wilson-center-digital-archive.dvincitest.com/document/208261"
    );

    let out = f.ok(&[
        "cite",
        FRUS_DOC,
        "--style",
        "csl-json",
        "--base-url",
        "https://fonds.example.org",
    ]);
    let item = &serde_json::from_str::<serde_json::Value>(&out).unwrap()[0];
    assert_eq!(item["type"], "manuscript");
    assert_eq!(item["archive"], "Department of State");
    assert_eq!(
        item["archive_location"],
        "Presidential Correspondence: Lot 66 D 204"
    );
    assert_eq!(
        item["URL"],
        format!("https://fonds.example.org/records/{FRUS_DOC}")
    );
    assert_eq!(item["author"][0]["family"], "Khrushchev");
    assert_eq!(item["author"][0]["given"], "Nikita S.");
}

#[test]
fn the_base_url_comes_from_the_environment_too() {
    let f = archive();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(f.data())
        .args(["cite", "208261", "--style", "ris"])
        .env("FONDS_BASE_URL", "https://fonds.example.org")
        .output()
        .unwrap();
    assert!(out.status.success());
    let ris = String::from_utf8(out.stdout).unwrap();
    assert!(
        ris.contains("UR  - https://fonds.example.org/records/208261\n"),
        "{ris}"
    );
}

#[test]
fn bad_styles_and_identifiers_are_refused() {
    let f = archive();
    let out = f.run(&["cite", "208261", "--style", "harvard"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("harvard") && err.contains("csl-json"), "{err}");
    let err = f.fails(&["cite", "no-such-record"]);
    assert!(err.contains("no-such-record"), "{err}");
}

/// The lines of a RIS record with `tag`, as values.
fn ris_values<'a>(ris: &'a str, tag: &str) -> Vec<&'a str> {
    let prefix = format!("{tag}  - ");
    ris.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

#[test]
fn ris_files_the_seed_as_a_manuscript_and_frus_as_a_section_with_editors() {
    let f = archive();
    let seed = f.ok(&["cite", "208261", "--style", "ris"]);
    assert_eq!(ris_values(&seed, "TY"), ["MANSCPT"], "{seed}");
    // One name, as written: no comma, so Zotero keeps it whole.
    assert_eq!(ris_values(&seed, "AU"), ["Kim Il Sung"]);
    assert_eq!(ris_values(&seed, "A4"), ["Gary Goldberg"], "the translator");
    assert_eq!(ris_values(&seed, "DB"), ["RGASPI"], "the archive");
    assert_eq!(
        ris_values(&seed, "AN"),
        ["f. 558, op. 11, d. 109, ll. 0065–0067"],
        "the location in the archive"
    );
    assert_eq!(ris_values(&seed, "M3"), ["telephone message"]);
    assert!(ris_values(&seed, "ED").is_empty());

    let frus = f.ok(&["cite", FRUS_DOC, "--style", "ris"]);
    assert_eq!(ris_values(&frus, "TY"), ["CHAP"], "{frus}");
    assert_eq!(ris_values(&frus, "AU"), ["Khrushchev, Nikita S."]);
    assert_eq!(
        ris_values(&frus, "ED"),
        ["Charles S. Sampson", "Glenn W. LaFantasie"],
        "the volume's editors"
    );
    assert!(ris_values(&frus, "A3").is_empty(), "A3 is a series editor");
    assert_eq!(
        ris_values(&frus, "T2"),
        [
            "Foreign Relations of the United States, 1961–1963, Volume VI, Kennedy-Khrushchev Exchanges"
        ]
    );
    assert_eq!(ris_values(&frus, "SP"), ["17"]);
    assert_eq!(ris_values(&frus, "N1"), ["Document 12."]);
    assert_eq!(ris_values(&frus, "DB"), ["Department of State"]);
}

#[test]
fn bibtex_has_a_year_and_a_note_and_frus_is_in_a_collection() {
    let f = archive();
    let seed = f.ok(&["cite", "208261", "--style", "bibtex"]);
    assert!(seed.starts_with("@unpublished{208261,"), "{seed}");
    assert!(seed.contains("\nyear = {1948},\n"), "{seed}");
    assert!(
        seed.contains(
            "\nnote = {RGASPI, f. 558, op. 11, d. 109, ll. 0065–0067. Contributed by Sergey Radchenko},\n"
        ),
        "the note says where the original is: {seed}"
    );
    let frus = f.ok(&["cite", FRUS_DOC, "--style", "bibtex"]);
    assert!(
        frus.starts_with("@incollection{frus1961-63v06d12,"),
        "{frus}"
    );
    for field in [
        "year = {1961}",
        "editor = {{Charles S. Sampson} and {Glenn W. LaFantasie}}",
        "booktitle = {{Foreign Relations of the United States, 1961–1963, Volume VI, Kennedy-Khrushchev Exchanges}}",
        "pages = {17}",
        "publisher = {United States Government Printing Office}",
        "note = {Department of State, Presidential Correspondence: Lot 66 D 204. Document 12}",
    ] {
        assert!(frus.contains(&format!("\n{field},\n")), "{field} in {frus}");
    }
}

#[test]
fn apa_names_the_translator_with_trans() {
    let f = archive();
    let apa = f.ok(&["cite", "208261", "--style", "apa"]);
    assert!(apa.contains("(Gary Goldberg, Trans.)"), "{apa}");
    assert!(!apa.contains("trans.)"), "{apa}");
}

/// `(name, content)` of every `<meta name=…>` in a page, unescaped.
fn meta_tags(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.split("<meta name=\"")
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let content = rest.strip_prefix(" content=\"")?.split_once('"')?.0;
            Some((unescape(name), unescape(content)))
        })
        .collect()
}

fn values<'a>(tags: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    tags.iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn the_record_page_tells_zotero_the_item_type_and_names_as_the_record_has_them() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let page = server.ok("/records/208261").body;
    let tags = meta_tags(&page);
    // Zotero's own type name: anything else makes it guess a journal article.
    assert_eq!(values(&tags, "DC.type"), ["manuscript"]);
    // A family name with no given name: Zotero keeps "Kim Il Sung" whole.
    assert_eq!(values(&tags, "citation_author"), ["Kim Il Sung,"]);
    assert_eq!(values(&tags, "DC.contributor"), ["Gary Goldberg"]);
    for absent in [
        "DC.source",
        "citation_journal_title",
        "citation_publisher",
        "citation_book_title",
    ] {
        assert!(values(&tags, absent).is_empty(), "{absent} in {tags:?}");
    }
    // unAPI: the service and the record's identifier, which Zotero prefers
    // to the meta tags.
    assert!(
        page.contains(
            "<link rel=\"unapi-server\" type=\"application/xml\" title=\"unAPI\" href=\"/unapi\">"
        ),
        "{page}"
    );
    assert!(
        page.contains("<abbr class=\"unapi-id\" title=\"208261\"></abbr>"),
        "{page}"
    );

    let page = server.ok(&format!("/records/{FRUS_DOC}")).body;
    let tags = meta_tags(&page);
    assert_eq!(values(&tags, "DC.type"), ["bookSection"]);
    assert_eq!(values(&tags, "citation_author"), ["Khrushchev, Nikita S."]);
    assert_eq!(
        values(&tags, "citation_editor"),
        ["Charles S. Sampson,", "Glenn W. LaFantasie,"]
    );
    assert_eq!(
        values(&tags, "citation_book_title"),
        [
            "Foreign Relations of the United States, 1961–1963, Volume VI, Kennedy-Khrushchev Exchanges"
        ]
    );
    assert_eq!(values(&tags, "citation_firstpage"), ["17"]);
    assert!(page.contains(&format!(
        "<abbr class=\"unapi-id\" title=\"{FRUS_DOC}\"></abbr>"
    )));
}

/// A GET that does not follow a 300's `Location` (as Zotero does not).
fn get_unfollowed(server: &Server, path: &str) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut response = agent
        .get(&format!("{}{path}", server.base))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    Reply {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: response.body_mut().read_to_string().unwrap(),
    }
}

#[test]
fn unapi_lists_its_formats_and_serves_the_records_citation_files() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let formats = server.ok("/unapi");
    assert!(
        formats
            .header("content-type")
            .unwrap()
            .starts_with("application/xml"),
        "{:?}",
        formats.headers
    );
    for line in [
        "<formats>",
        "<format name=\"ris\" type=\"application/x-research-info-systems\"/>",
        "<format name=\"bibtex\" type=\"application/x-bibtex\"/>",
        "<format name=\"csl-json\" type=\"application/vnd.citationstyles.csl+json\"/>",
    ] {
        assert!(formats.body.contains(line), "{line} in {}", formats.body);
    }
    // MODS is not offered: Zotero would prefer it and lose the archive.
    assert!(
        !formats.body.to_lowercase().contains("mods"),
        "{}",
        formats.body
    );

    let one = get_unfollowed(&server, "/unapi?id=208261");
    assert_eq!(one.status, 300, "{}", one.body);
    assert_eq!(
        one.header("location"),
        Some("/unapi?id=208261&format=ris"),
        "the preferred format"
    );
    assert!(one.body.contains("<formats id=\"208261\">"), "{}", one.body);
    assert!(one.body.contains("<format name=\"ris\""), "{}", one.body);

    // The very file the record page offers, citing the page on this site.
    for (format, suffix) in [
        ("ris", ".ris"),
        ("bibtex", ".bib"),
        ("csl-json", ".csl.json"),
    ] {
        for id in ["208261", FRUS_DOC] {
            let got = server.ok(&format!("/unapi?id={id}&format={format}"));
            let file = server.ok(&format!("/records/{id}{suffix}"));
            assert_eq!(got.body, file.body, "{id} as {format}");
            assert!(
                got.header("content-type")
                    .unwrap()
                    .contains("charset=utf-8"),
                "{:?}",
                got.headers
            );
        }
    }
    let ris = server.ok("/unapi?id=208261&format=ris").body;
    assert_eq!(ris_values(&ris, "TY"), ["MANSCPT"]);
    assert_eq!(
        ris_values(&ris, "UR"),
        [format!("{}/records/208261", server.base)]
    );

    assert_eq!(server.get("/unapi?id=no-such-record").status, 404);
    assert_eq!(
        server.get("/unapi?id=no-such-record&format=ris").status,
        404
    );
    assert_eq!(server.get("/unapi?id=208261&format=mods").status, 406);
    assert_eq!(server.get("/unapi?format=ris").status, 400);
}

#[test]
fn unapi_answers_404_for_a_draft_except_to_staff() {
    let f = archive();
    let published = "{\"status\":\"published\"}";
    let dump: Vec<String> = f
        .dump()
        .lines()
        .map(|line| {
            if line.contains("\"id\":\"208261\"") {
                line.replacen(published, "{\"status\":\"draft\"}", 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    let g = Fonds::new();
    std::fs::write(g.path("d.jsonl"), dump.join("\n") + "\n").unwrap();
    g.import(&[&g.path("d.jsonl")]);
    assert_eq!(g.show_json("208261")["visibility"]["status"], "draft");
    add_user(&g, "ana", "editor");
    let server = Server::start(&g, &[]);
    for path in [
        "/unapi?id=208261",
        "/unapi?id=208261&format=ris",
        "/unapi?id=208261&format=csl-json",
        "/records/208261",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert!(
            !reply.body.contains("Kim praises"),
            "{path}: {}",
            reply.body
        );
    }
    assert_eq!(
        get_unfollowed(&server, &format!("/unapi?id={FRUS_DOC}")).status,
        300
    );
    let mut staff = sign_in(&server, "ana", PASSWORD);
    let ris = staff.get("/unapi?id=208261&format=ris");
    assert_eq!(ris.status, 200, "{}", ris.body);
    assert_eq!(ris_values(&ris.body, "AU"), ["Kim Il Sung"]);
    assert!(
        ris.header("cache-control")
            .unwrap_or("")
            .contains("no-store"),
        "{:?}",
        ris.headers
    );
}
