//! Honest provenance and English beside Korean (issue 16), over a real
//! `fonds serve` on loopback: a machine-written summary is flagged on the
//! record page, in its head and in the API, and the desk sets and clears the
//! flag; a Korean record's English title stands beside its own (with `lang`
//! attributes) in results, on its page and in the recent list; genre labels
//! read "Story (소설)" on the page, in the facets and in browse.
//!
//! The fixture `tests/fixtures/korean-batch` has the shape of the Korean
//! periodicals batch, with invented rows: a story with a machine translation
//! and a summary, a poem with a machine translation and no summary, and a
//! miscellany with neither a translation nor an English title. The last test
//! reads the real batch from `../shared/corpus` and is ignored on a fresh
//! clone.

use super::common::{Fonds, SEED, Server, corpus, corpus_archive, demo, fixture};
use super::desk::{PASSWORD, add_user, form_pairs, set, sign_in, stored};

/// An archive with the seed and the Korean fixture batch, served.
fn served() -> (Fonds, Server) {
    let f = Fonds::new();
    f.import(&[&demo(SEED), &fixture("korean-batch/manifest.csv")]);
    let server = Server::start(&f, &[]);
    (f, server)
}

/// The record page's summary section.
fn summary_section(page: &str) -> &str {
    let start = page
        .find("<section class=\"summary\"")
        .unwrap_or_else(|| panic!("no summary section:\n{page}"));
    let end = start + page[start..].find("</section>").unwrap();
    &page[start..end]
}

/// The record page's header (date, title, translated title).
fn heading(page: &str) -> &str {
    let start = page
        .find("<header class=\"record-head\">")
        .unwrap_or_else(|| panic!("no record header:\n{page}"));
    let end = start + page[start..].find("</header>").unwrap();
    &page[start..end]
}

const FLAG: &str = "Machine-written summary (not reviewed)";

#[test]
fn a_machine_written_summary_is_flagged_on_the_page_and_in_the_api() {
    let (f, server) = served();

    // The story's summary sits in a row whose translation a machine made:
    // flagged in the summary section, with the machine translation's look.
    let page = server.ok("/records/kb-001").body;
    let summary = summary_section(&page);
    assert!(
        summary.contains(&format!("<span class=\"flag machine\">{FLAG}</span>")),
        "{summary}"
    );
    assert!(summary.contains("A mother waits through a spring"));
    let api = server.ok("/api/v1/records/kb-001").json();
    assert_eq!(api["summary_machine"], true, "{api}");
    assert_eq!(f.show_json("kb-001")["summary_machine"], true);

    // Where the summary describes the page to machines, it is said to be
    // machine-written, never given as the archive's own words.
    let description = format!("{FLAG}: A mother waits through a spring");
    assert!(
        page.contains(&format!(
            "<meta name=\"description\" content=\"{description}"
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        "<meta property=\"og:description\" content=\"{description}"
    )));
    let ld = json_ld(&page);
    assert!(
        ld["description"]
            .as_str()
            .unwrap()
            .starts_with(&description),
        "{ld}"
    );
    assert_eq!(ld["alternateName"], "A Letter on a Spring Day");
    // So do the citations' abstracts and the harvested description.
    let said = format!("{FLAG}: A mother waits through a spring");
    let ris = f.ok(&["cite", "kb-001", "--style", "ris"]);
    assert!(ris.contains(&format!("AB  - {said}")), "{ris}");
    let csl: serde_json::Value =
        serde_json::from_str(&f.ok(&["cite", "kb-001", "--style", "csl-json"])).unwrap();
    let csl = if csl.is_array() { csl[0].clone() } else { csl };
    assert!(
        csl["abstract"].as_str().unwrap().starts_with(&said),
        "{csl}"
    );
    assert!(page.contains(&format!(
        "<meta name=\"citation_abstract\" content=\"{said}"
    )));
    let dc = server
        .ok("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:fonds.localhost:kb-001")
        .body;
    assert!(dc.contains(&format!("<dc:description>{said}")), "{dc}");

    // The seed's summary is the Wilson Center's own: no flag, no field.
    let seed = server.ok("/records/208261").body;
    assert!(!summary_section(&seed).contains(FLAG));
    assert!(!seed.contains(FLAG));
    let api = server.ok("/api/v1/records/208261").json();
    assert!(api.get("summary_machine").is_none(), "{api}");
    assert!(api["summary"].is_string());
    assert!(
        !f.ok(&["cite", "208261", "--style", "ris"])
            .contains("Machine-written")
    );
    assert!(
        !json_ld(&seed)["description"]
            .as_str()
            .unwrap()
            .contains("Machine-written")
    );

    // A row without a summary has nothing to flag.
    let poem = server.ok("/api/v1/records/kb-002").json();
    assert!(poem.get("summary_machine").is_none(), "{poem}");
    assert!(!server.ok("/records/kb-002").body.contains(FLAG));

    // The seed still exports byte for byte.
    assert_eq!(
        f.ok(&["export", "--format", "wilson", "208261"]),
        std::fs::read_to_string(demo(SEED)).unwrap()
    );
}

/// The page's schema.org JSON-LD.
fn json_ld(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open).expect("JSON-LD") + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

#[test]
fn a_summary_machine_column_says_so_explicitly_and_a_bad_value_is_refused() {
    let f = Fonds::new();
    let dir = f.path("batch");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.txt"), "본문\n").unwrap();
    std::fs::write(dir.join("a.en.txt"), "Text\n").unwrap();
    let manifest = |rows: &str| {
        let header = "identifier,title,type,language,summary,summary_machine,text,translation,\
                      translation_language,translator\n";
        std::fs::write(dir.join("manifest.csv"), format!("{header}{rows}")).unwrap();
        dir.join("manifest.csv")
    };
    let machine = "machine translation (test tool)";
    let path = manifest(&format!(
        "m1,제목,시,ko,Written by the source's editors,no,a.txt,a.en.txt,en,{machine}\n\
         m2,제목,시,ko,Written by a model,yes,a.txt,,,\n\
         m3,제목,시,ko,Left to the rule,,a.txt,a.en.txt,en,{machine}\n\
         m4,제목,시,ko,Left to the rule,,a.txt,,,\n"
    ));
    f.import(&[&path]);
    let flagged = |id: &str| f.show_json(id)["summary_machine"] == true;
    assert!(!flagged("m1"), "an explicit no wins over the translator");
    assert!(
        flagged("m2"),
        "an explicit yes needs no machine translation"
    );
    assert!(
        flagged("m3"),
        "without a value, a machine-translated row's summary"
    );
    assert!(
        !flagged("m4"),
        "without a value, a row no machine translated"
    );
    assert!(
        f.show_json("m1").get("extra").is_none(),
        "the column is mapped, not kept in extra"
    );

    // A value that is not yes or no, and a flag with no summary to flag,
    // are refused naming the line and field; nothing of the batch is written.
    let g = Fonds::new();
    let path = manifest(
        "n1,제목,시,ko,A summary,perhaps,a.txt,,,\n\
         n2,제목,시,ko,,yes,a.txt,,,\n",
    );
    let err = g.fails(&["import", path.to_str().unwrap()]);
    assert!(err.contains("summary_machine"), "{err}");
    assert!(err.contains("\"perhaps\" is not yes or no"), "{err}");
    assert!(err.contains("n2"), "both bad rows are reported: {err}");
    assert!(err.contains("no summary"), "{err}");
    assert_eq!(g.count(), 0);
}

#[test]
fn the_desk_sets_and_clears_the_machine_summary_flag_and_history_shows_it() {
    let (f, server) = served();
    add_user(&f, "ana", "editor");
    let mut ana = sign_in(&server, "ana", PASSWORD);

    // The edit form shows the box, ticked for a flagged record.
    let form = ana.get("/desk/records/kb-001").body;
    assert!(
        form.contains(
            "<input type=\"checkbox\" id=\"f-summary_machine\" name=\"summary_machine\" checked>"
        ),
        "{form}"
    );

    // Set it on the seed.
    let (seed, revision) = stored(&mut ana, "208261");
    let mut pairs = form_pairs(&mut ana, &seed, revision);
    set(&mut pairs, "summary_machine", "on");
    let saved = ana.post_form("/desk/records/208261", &pairs);
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = server.ok("/records/208261").body;
    assert!(summary_section(&page).contains(FLAG));
    assert_eq!(
        server.ok("/api/v1/records/208261").json()["summary_machine"],
        true
    );

    // Clear it: an unticked box is not sent.
    let (flagged, revision) = stored(&mut ana, "208261");
    assert!(flagged.summary_machine);
    let mut pairs = form_pairs(&mut ana, &flagged, revision);
    pairs.retain(|(k, _)| k != "summary_machine");
    let saved = ana.post_form("/desk/records/208261", &pairs);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(!server.ok("/records/208261").body.contains(FLAG));
    let api = server.ok("/api/v1/records/208261").json();
    assert!(api.get("summary_machine").is_none(), "{api}");

    // History: revision 1 → 2 set it, 2 → 3 cleared it.
    let history = ana.get("/desk/records/208261/history?a=1&b=2").body;
    assert!(
        history.contains(
            "<th scope=\"row\">summary_machine</th><td class=\"before\"><em>(absent)</em></td><td class=\"after\">true</td>"
        ),
        "{history}"
    );
    let history = ana.get("/desk/records/208261/history?a=2&b=3").body;
    assert!(
        history.contains(
            "<th scope=\"row\">summary_machine</th><td class=\"before\">true</td><td class=\"after\"><em>(absent)</em></td>"
        ),
        "{history}"
    );

    // Flagging a summary that is not there is refused at the box.
    let (now, revision) = stored(&mut ana, "208261");
    let mut pairs = form_pairs(&mut ana, &now, revision);
    set(&mut pairs, "summary", "");
    set(&mut pairs, "summary_machine", "on");
    let refused = ana.post_form("/desk/records/208261", &pairs);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("href=\"#f-summary_machine\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("there is no summary"));
    assert_eq!(stored(&mut ana, "208261").1, 3, "nothing was written");
    // The seed's export is untouched by the flag (the Wilson format has no
    // place for it, and it is off again).
    assert_eq!(
        f.ok(&["export", "--format", "wilson", "208261"]),
        std::fs::read_to_string(demo(SEED)).unwrap()
    );
}

#[test]
fn english_titles_stand_beside_korean_ones_with_their_languages() {
    let (_f, server) = served();
    let korean = "<span lang=\"ko\">봄날의 편지</span>";
    let english = "<p class=\"title-translated\" lang=\"en\">A Letter on a Spring Day</p>";

    // Search results.
    let results = server.ok("/search?q=%ED%8E%B8%EC%A7%80").body; // 편지
    assert!(results.contains(korean), "{results}");
    assert!(results.contains(english), "{results}");
    let all = server.ok("/search?q=*").body;
    assert!(all.contains("<span lang=\"ko\">바다</span>"));
    assert!(all.contains("<p class=\"title-translated\" lang=\"en\">The Sea</p>"));
    // A title with no translation is not marked as another language.
    assert!(all.contains(">잡다한 이야기</a>"), "{all}");
    assert!(!all.contains("<span lang=\"ko\">잡다한 이야기"));
    // The seed's title is in the page's own language.
    assert!(!all.contains("<span lang=\"ru\">"));
    let hits = server.ok("/api/v1/search?q=*&limit=50").json();
    let hit = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "kb-001")
        .expect("kb-001 is found");
    assert_eq!(
        hit["translated_title"],
        serde_json::json!({"text": "A Letter on a Spring Day", "language": "en"})
    );
    let seed = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "208261")
        .unwrap();
    assert!(seed.get("translated_title").is_none(), "{seed}");

    // The record's heading.
    let page = server.ok("/records/kb-001").body;
    let head = heading(&page);
    assert!(
        head.contains(&format!("<h1 id=\"record-title\">{korean}</h1>")),
        "{head}"
    );
    assert!(head.contains(english), "{head}");
    let seed_head = server.ok("/records/208261").body;
    let seed_head = heading(&seed_head);
    assert!(seed_head.contains("<h1 id=\"record-title\">Telephone Message"));
    assert!(!seed_head.contains("title-translated"));

    // The home page's recently added list.
    let home = server.ok("/").body;
    assert!(home.contains(korean), "{home}");
    assert!(
        home.contains(
            "<span class=\"title-translated\" lang=\"en\">A Letter on a Spring Day</span>"
        )
    );

    // Browse lists no titles, but its types and collections read in
    // English beside the Korean.
    let browse = server.ok("/browse").body;
    assert!(browse.contains(">Story (소설)</a>"), "{browse}");
    assert!(browse.contains(">시험 잡지 (Test Magazine)</a>"));
}

#[test]
fn genre_labels_are_english_with_the_original_kept() {
    let (_f, server) = served();
    let page = server.ok("/records/kb-001").body;
    assert!(
        page.contains("<dt>Type</dt><dd>Story (소설)</dd>"),
        "{page}"
    );
    let poem = server.ok("/records/kb-002").body;
    assert!(poem.contains("<dt>Type</dt><dd>Poem (시)</dd>"));
    let misc = server.ok("/records/kb-003").body;
    assert!(misc.contains("<dt>Type</dt><dd>Miscellany (잡저)</dd>"));
    // A type the table does not know shows as it is.
    let seed = server.ok("/records/208261").body;
    let seed_record: fonds::model::Record =
        serde_json::from_value(server.ok("/api/v1/records/208261").json()).unwrap();
    let seed_type = seed_record.doc_type.expect("the seed has a type");
    assert!(seed.contains(&format!("<dt>Type</dt><dd>{seed_type}</dd>")));

    // The facet shows the English label and filters by the source's term.
    let results = server.ok("/search?q=*").body;
    let facet = &results[results.find("id=\"facet-type\"").expect("a type facet")..];
    let facet = &facet[..facet.find("</section>").unwrap()];
    assert!(facet.contains(">Story (소설)</a>"), "{facet}");
    assert!(facet.contains(">Poem (시)</a>"), "{facet}");
    assert!(facet.contains(&format!(">{seed_type}</a>")), "{facet}");
    assert!(facet.contains("type=%EC%86%8C%EC%84%A4"), "{facet}"); // 소설
    let narrowed = server.ok("/search?q=*&type=%EC%86%8C%EC%84%A4").body;
    assert!(narrowed.contains("Type: Story (소설)"), "{narrowed}");
    assert!(narrowed.contains("봄날의 편지"));
    assert!(!narrowed.contains("바다</span>"));
}

/// The real Korean batch: every type has an English label (named when one
/// has none), and records show their English titles in their headings.
#[test]
#[ignore = "needs ../shared/corpus"]
fn the_korean_batch_reads_in_english_beside_korean() {
    let manifest = corpus("korean-periodicals-pgg/manifest.csv");
    let mut reader = csv::Reader::from_path(&manifest).expect("the Korean manifest");
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, title, translated, kind, summary) = (
        column("identifier"),
        column("title"),
        column("translated_title"),
        column("type"),
        column("summary"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut types: Vec<&str> = rows.iter().map(|r| &r[kind]).collect();
    types.sort_unstable();
    types.dedup();
    let unlabelled: Vec<&&str> = types
        .iter()
        .filter(|t| !t.is_empty() && fonds::model::genre::english_label(t).is_none())
        .collect();
    assert!(
        unlabelled.is_empty(),
        "types with no English label: {unlabelled:?}"
    );

    // The shared import of the corpus holds the batch.
    let f = corpus_archive();
    let server = Server::start(&f, &[]);
    let with_title: Vec<&csv::StringRecord> =
        rows.iter().filter(|r| !r[translated].is_empty()).collect();
    assert!(with_title.len() > 2000, "{}", with_title.len());
    let step = with_title.len() / 12;
    for row in with_title.iter().step_by(step) {
        let page = server.ok(&format!("/records/{}", &row[id])).body;
        let head = heading(&page);
        let escaped = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&#34;")
                .replace('\'', "&#39;")
        };
        assert!(
            head.contains(&format!(
                "<span lang=\"ko\">{}</span>",
                escaped(&row[title])
            )),
            "{}: {head}",
            &row[id]
        );
        assert!(
            head.contains(&format!(
                "<p class=\"title-translated\" lang=\"en\">{}</p>",
                escaped(&row[translated])
            )),
            "{}: {head}",
            &row[id]
        );
        let label = fonds::model::genre::label(&row[kind]);
        assert!(
            page.contains(&format!("<dt>Type</dt><dd>{}</dd>", escaped(&label))),
            "{}: {label}",
            &row[id]
        );
        // The batch's summaries are machine-written (its README says so).
        if !row[summary].is_empty() {
            assert!(summary_section(&page).contains(FLAG), "{}", &row[id]);
        }
    }
}
