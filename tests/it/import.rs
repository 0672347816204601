//! Importing the seed and the FRUS volume: every field, byte-for-byte round
//! trip, one record per TEI document, idempotent re-import, revisions.

use super::common::{FRUS, Fonds, SEED, demo, on_both_backends};

on_both_backends! {
fn the_seed_shows_every_field(f: Fonds) {
    f.import(&[&demo(SEED)]);
    let r = f.show_json("208261");
    assert_eq!(r["id"], "208261");
    assert_eq!(
        r["title"],
        "Telephone Message via VCh, Kim Il Sung to Generalissimo Iosif Vissarionovich Stalin"
    );
    assert_eq!(r["date"]["edtf"], "1948-09-22");
    assert_eq!(r["date"]["display"], "September 22, 1948");
    assert_eq!(r["type"], "telephone message");
    assert_eq!(r["creators"][0]["name"], "Kim Il Sung");
    assert_eq!(r["recipients"][0]["name"], "Iosif Vissarionovich Stalin");
    assert!(
        r["places"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Pyongyang")
    );
    assert!(
        r["other_dates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["edtf"] == "1948-09-21" && d["role"] == "signed"),
        "the signature date: {}",
        r["other_dates"]
    );
    let a = &r["archival_reference"];
    assert_eq!(a["verbatim"], "RGASPI, f. 558, op.11, d.109, II.0065-0067");
    assert_eq!(a["repository"], "RGASPI");
    assert_eq!(a["fond"], "558");
    assert_eq!(a["opis"], "11");
    assert_eq!(a["delo"], "109");
    assert_eq!(a["folios"]["start"], "0065");
    assert_eq!(a["folios"]["end"], "0067");
    assert_eq!(r["holding_archive"], "Wilson Center Digital Archive");
    assert_eq!(
        r["source_url"],
        "https://wilson-center-digital-archive.dvincitest.com/document/208261"
    );
    assert_eq!(r["contributors"][0], "Sergey Radchenko");
    assert_eq!(r["translators"][0], "Gary Goldberg");
    assert!(
        r["summary"]
            .as_str()
            .unwrap()
            .starts_with("Kim praises Stalin")
    );
    assert_eq!(r["original_language"], "ru");
    let text = &r["texts"][0];
    assert_eq!(text["kind"], "translation");
    assert_eq!(text["language"], "en");
    assert_eq!(text["translator"], "Gary Goldberg");
    let body = text["body"].as_str().unwrap();
    assert!(body.starts_with("Telephone message via VCh"));
    assert!(body.ends_with("21 September 1948\n\n2-nn"), "{body}");
    assert_eq!(r["provenance"]["format"], "wilson");
    assert_eq!(r["visibility"]["status"], "published");
}
}

on_both_backends! {
fn the_seed_exports_byte_for_byte(f: Fonds) {
    f.import(&[&demo(SEED)]);
    let out = f.run(&["export", "--format", "wilson", "208261"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, std::fs::read(demo(SEED)).unwrap());
    let file = f.path("out.md");
    f.ok(&[
        "export",
        "--format",
        "wilson",
        "--out",
        file.to_str().unwrap(),
        "208261",
    ]);
    assert_eq!(
        std::fs::read(file).unwrap(),
        std::fs::read(demo(SEED)).unwrap()
    );
}
}

on_both_backends! {
fn frus_gives_one_record_per_document_division(f: Fonds) {
    f.import(&[&demo(FRUS)]);
    let source = std::fs::read_to_string(demo(FRUS)).unwrap();
    let divs = source.matches("<div type=\"document\"").count();
    assert_eq!(divs, 120);
    assert_eq!(f.count(), divs);
    let r = f.show_json("frus1961-63v06d12");
    assert_eq!(
        r["title"],
        "Message From Chairman Khrushchev to President Kennedy"
    );
    assert_eq!(r["date"]["edtf"], "1961-04-30");
    assert_eq!(r["date"]["display"], "April 30, 1961");
    assert_eq!(r["creators"][0]["name"], "Khrushchev");
    assert_eq!(r["creators"][0]["authority"], "Khrushchev, Nikita S.");
    assert_eq!(r["recipients"][0]["authority"], "Kennedy, John F.");
    assert!(
        r["archival_reference"]["verbatim"]
            .as_str()
            .unwrap()
            .contains("Presidential Correspondence: Lot 66 D 204")
    );
    assert_eq!(r["archival_reference"]["lot"], "66 D 204");
    assert_eq!(r["edition"]["number"], "12");
    // Footnotes are kept apart from the body.
    let body = r["texts"][0]["body"].as_str().unwrap();
    assert!(body.starts_with("Moscow, April 30, 1961."));
    assert!(!body.contains("See Document 8"), "{body}");
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "footnote" && n["text"] == "See Document 8.")
    );
}
}

#[test]
fn frus_documents_spanning_days_get_an_interval() {
    let f = Fonds::new();
    f.import(&[&demo(FRUS)]);
    let dump = f.dump();
    let intervals: Vec<serde_json::Value> = dump
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["date"]["edtf"].as_str().is_some_and(|d| d.contains('/')))
        .collect();
    for r in &intervals {
        assert!(
            r["date"]["earliest"].as_str() < r["date"]["latest"].as_str(),
            "{}",
            r["date"]
        );
    }
}

on_both_backends! {
fn reimporting_changes_no_count_and_writes_no_revision(f: Fonds) {
    let first = f.import(&[&demo(SEED), &demo(FRUS)]);
    assert!(first.contains("121 records"), "{first}");
    assert!(first.contains("121 new"), "{first}");
    let dump = f.dump();
    let again = f.import(&[&demo(SEED), &demo(FRUS)]);
    assert!(again.contains("0 new, 0 updated, 121 unchanged"), "{again}");
    assert_eq!(f.count(), 121);
    assert_eq!(f.dump(), dump);
    assert_eq!(f.ok(&["history", "208261"]).lines().count(), 1);
}
}

on_both_backends! {
fn a_changed_source_makes_a_revision_and_keeps_the_old_one(f: Fonds) {
    let copy = f.path("208261.md");
    std::fs::copy(demo(SEED), &copy).unwrap();
    f.import(&[&copy]);
    let seed = std::fs::read_to_string(demo(SEED)).unwrap();
    std::fs::write(
        &copy,
        seed.replace("Kim praises Stalin", "Kim thanks Stalin"),
    )
    .unwrap();
    let out = f.import(&[&copy]);
    assert!(out.contains("1 updated"), "{out}");
    assert_eq!(f.count(), 1);
    assert!(
        f.show_json("208261")["summary"]
            .as_str()
            .unwrap()
            .starts_with("Kim thanks")
    );
    let old: serde_json::Value =
        serde_json::from_str(&f.ok(&["show", "208261", "--json", "--revision", "1"])).unwrap();
    assert!(old["summary"].as_str().unwrap().starts_with("Kim praises"));
    let history = f.ok(&["history", "208261"]);
    assert_eq!(history.lines().count(), 2, "{history}");
    assert!(history.starts_with("1\t"));
}
}

on_both_backends! {
fn folders_are_walked_and_unknown_files_reported(f: Fonds) {
    let out = f.import(&[&demo("")]);
    assert!(out.contains("121 records"), "{out}");
    assert!(
        out.contains("skipped") && out.contains("README.md"),
        "{out}"
    );
}
}

on_both_backends! {
fn a_missing_record_is_an_error(f: Fonds) {
    f.import(&[&demo(SEED)]);
    let err = f.fails(&["show", "does-not-exist"]);
    assert!(err.contains("no record does-not-exist"), "{err}");
}
}
