//! Snapshots of what other systems and readers receive, so that a change to
//! the code's structure that changes an answer shows up as a diff: an
//! OAI-PMH response, API JSON answers and the seed's record page. Volatile
//! parts (times of import, the temporary data folder) are redacted.

use super::common::{Fonds, Server, demo};

const BASE: &str = "https://archive.example.org";

/// The answer with instants, days of access and the data folder replaced by
/// placeholders.
fn redact(text: &str, f: &Fonds) -> String {
    let data = f.data().display().to_string();
    let text = text
        .replace(&data, "[DATA]")
        .replace(env!("CARGO_MANIFEST_DIR"), "[REPO]");
    // Resumption tokens encode the instant of the listing.
    let token = regex::Regex::new(r"(<resumptionToken[^>]*>)[^<]+").unwrap();
    let text = token.replace_all(&text, "${1}[TOKEN]");
    let instant = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").unwrap();
    let text = instant.replace_all(&text, "[INSTANT]");
    // Citations carry the day of access ("accessed December 4, 2026").
    let today = regex::Regex::new(
        r"(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, 20\d\d",
    )
    .unwrap();
    let text = today.replace_all(&text, |c: &regex::Captures| {
        // Dates of the documents themselves (1940s–1960s) stay.
        if c[0].ends_with(&time_year()) {
            "[TODAY]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let day = regex::Regex::new(&format!(r"{}-\d\d-\d\d", time_year())).unwrap();
    day.replace_all(&text, "[DAY]").into_owned()
}

fn time_year() -> String {
    fonds::clock::today().to_string()[..4].to_string()
}

fn served() -> (Fonds, Server) {
    let f = Fonds::new();
    f.import(&[&demo("wilson"), &demo("frus")]);
    let server = Server::start(&f, &["--base-url", BASE]);
    (f, server)
}

#[test]
fn an_oai_get_record_is_unchanged() {
    let (f, server) = served();
    let reply = server
        .ok("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:archive.example.org:208261");
    insta::assert_snapshot!("oai_get_record_seed", redact(&reply.body, &f));
    let list = server.ok("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc");
    insta::assert_snapshot!("oai_list_identifiers", redact(&list.body, &f));
}

#[test]
fn api_answers_are_unchanged() {
    let (f, server) = served();
    let record = server.ok("/api/v1/records/208261").json();
    let pretty = serde_json::to_string_pretty(&record).unwrap();
    insta::assert_snapshot!("api_record_seed", redact(&pretty, &f));
    let search = server
        .ok("/api/v1/search?q=Khrushchev%20Cuba&limit=3")
        .json();
    let pretty = serde_json::to_string_pretty(&search).unwrap();
    insta::assert_snapshot!("api_search_khrushchev_cuba", redact(&pretty, &f));
}

#[test]
fn the_seed_record_page_is_unchanged() {
    let (f, server) = served();
    let page = server.ok("/records/208261");
    insta::assert_snapshot!("page_record_seed", redact(&page.body, &f));
}
