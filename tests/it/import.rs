//! Importing the seed and the FRUS volume: every field, byte-for-byte round
//! trip, one record per TEI document, idempotent re-import, revisions.

use super::common::{FRUS, Fonds, SEED, Server, demo, on_both_backends};
use super::iiif::{page_image, sha256};
use image::ImageFormat;
use std::path::PathBuf;

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
    // Footnotes are kept apart from the body, their marker where they
    // stood; "Document 8" links to that document's record.
    let body = r["texts"][0]["body"].as_str().unwrap();
    assert!(body.starts_with("Moscow, April 30, 1961."));
    assert!(!body.contains("See Document 8"), "{body}");
    assert!(body.contains("into space.[^1]"), "{body}");
    assert!(r["notes"].as_array().unwrap().iter().any(|n| n["kind"] == "footnote"
        && n["n"] == "1"
        && n["text"] == "See [Document 8](/records/frus1961-63v06d8)."));
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

/// A manifest batch whose rows name scans and a PDF in a `files` column:
/// `m-1` a PNG (labelled `recto`) and a JPEG (`verso`), `m-2` a PDF, `m-3`
/// none; returns the folder and the three files.
fn manifest_with_files(f: &Fonds, files_of_m3: &str) -> (PathBuf, [PathBuf; 3]) {
    let batch = f.path("batch");
    std::fs::create_dir_all(batch.join("text")).unwrap();
    std::fs::create_dir_all(batch.join("scans")).unwrap();
    std::fs::write(batch.join("text/a.txt"), "a text").unwrap();
    let p1 = batch.join("scans/m-1 front.png");
    page_image(600, 800, [200, 20, 20])
        .save_with_format(&p1, ImageFormat::Png)
        .unwrap();
    let p2 = batch.join("scans/m-1-back.jpg");
    page_image(500, 700, [20, 20, 200])
        .save_with_format(&p2, ImageFormat::Jpeg)
        .unwrap();
    let pdf = batch.join("scans/m-2.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF\n",
    )
    .unwrap();
    std::fs::write(
        batch.join("manifest.csv"),
        format!(
            "identifier,title,date,language,text,files\n\
             m-1,A letter,1950-01-02,en,text/a.txt,\"scans/m-1 front.png (recto); scans/m-1-back.jpg (verso)\"\n\
             m-2,A report,1950-01-03,en,text/a.txt,scans/m-2.pdf\n\
             m-3,A note,1950-01-04,en,text/a.txt,{files_of_m3}\n"
        ),
    )
    .unwrap();
    (batch, [p1, p2, pdf])
}

on_both_backends! {
fn a_manifest_files_column_attaches_each_file_in_page_order(f: Fonds) {
    let (batch, [p1, p2, pdf]) = manifest_with_files(&f, "");
    let out = f.import(&[&batch]);
    assert!(out.contains("3 new"), "{out}");
    let m1 = f.show_json("m-1");
    let files = m1["files"].as_array().expect("m-1 has files");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["sha256"], sha256(&std::fs::read(&p1).unwrap()));
    assert_eq!(files[0]["name"], "m-1 front.png");
    assert_eq!(files[0]["label"], "recto");
    assert_eq!(files[0]["media_type"], "image/png");
    assert_eq!((files[0]["width"].as_u64(), files[0]["height"].as_u64()), (Some(600), Some(800)));
    assert_eq!(files[1]["sha256"], sha256(&std::fs::read(&p2).unwrap()));
    assert_eq!(files[1]["label"], "verso");
    assert!(m1.get("extra").is_none_or(|e| e.get("files").is_none()), "{m1}");
    let m2 = f.show_json("m-2");
    assert_eq!(m2["files"][0]["media_type"], "application/pdf");
    assert!(m2["files"][0].get("label").is_none());
    assert!(f.show_json("m-3").get("files").is_none());

    let server = Server::start(&f, &[]);
    assert_eq!(server.ok_bytes("/records/m-1/files/1"), std::fs::read(&p1).unwrap());
    assert_eq!(server.ok_bytes("/records/m-1/files/2"), std::fs::read(&p2).unwrap());
    assert_eq!(server.ok_bytes("/records/m-2/files/1"), std::fs::read(&pdf).unwrap());
    let canvases = server.ok("/iiif/m-1/manifest.json").json()["items"].clone();
    assert_eq!(canvases[0]["label"]["none"][0], "recto");
    assert_eq!(canvases[1]["label"]["none"][0], "verso");
    assert_eq!(server.ok("/iiif/m-1/2/info.json").json()["width"], 500);
    drop(server);

    let again = f.import(&[&batch]);
    assert!(again.contains("0 new, 0 updated, 3 unchanged"), "{again}");
}
}

/// A batch larger than one part (1,000 records) is still one batch: a bad
/// row in its last part, found after two parts went to the store, leaves
/// nothing of it, and a second claim across parts is refused; whole, it is
/// all there, numbered in a row.
#[test]
fn a_batch_of_several_parts_is_written_whole_or_not_at_all() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    let before = f.dump();
    let batch = f.path("big");
    std::fs::create_dir_all(batch.join("text")).unwrap();
    std::fs::write(batch.join("text/t.txt"), "a short text").unwrap();
    let rows = |last: &str| {
        let mut csv = String::from("identifier,title,date,language,text\n");
        for i in 0..2_499 {
            csv.push_str(&format!("big-{i},Row {i},1950-01-02,en,text/t.txt\n"));
        }
        csv.push_str(last);
        csv
    };
    let manifest = batch.join("manifest.csv");
    std::fs::write(&manifest, rows("big-last,Last,1950-13-45,en,text/t.txt\n")).unwrap();
    let err = f.fails(&["import", batch.to_str().unwrap()]);
    assert!(
        err.contains("manifest.csv:2501: record big-last: field `date`"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(f.dump(), before);

    std::fs::write(
        &manifest,
        rows("big-7,Seven again,1950-01-02,en,text/t.txt\n"),
    )
    .unwrap();
    let err = f.fails(&["import", batch.to_str().unwrap()]);
    assert!(
        err.contains("manifest.csv:2501: record big-7: field `identifier`: identifier already claimed in this batch by manifest.csv:9"),
        "{err}"
    );
    assert_eq!(f.dump(), before);

    std::fs::write(&manifest, rows("big-last,Last,1950-01-02,en,text/t.txt\n")).unwrap();
    let out = f.import(&[&batch]);
    assert!(out.contains("imported 2500 records"), "{out}");
    assert_eq!(f.count(), 2_501);
    let hits = f.ok(&["search", "Last", "--limit", "1"]);
    assert!(hits.contains("big-last"), "{hits}");
}

#[test]
fn a_manifest_naming_a_bad_file_names_its_line_and_field_and_writes_nothing() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    let before = f.dump();
    let stored =
        |f: &Fonds| std::fs::read_dir(f.data().join("files/originals")).map_or(0, |d| d.count());
    let (batch, _) = manifest_with_files(&f, "scans/fake.png");
    std::fs::write(batch.join("scans/fake.png"), "this is text, not a PNG").unwrap();
    let err = f.fails(&["import", batch.to_str().unwrap()]);
    assert!(
        err.contains("manifest.csv:4: record m-3: field `files`"),
        "{err}"
    );
    assert!(err.contains("\"scans/fake.png\""), "names the path: {err}");
    assert!(
        err.contains("not a JPEG, PNG, TIFF or PDF"),
        "says why: {err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains("m-1"), "only the bad file: {err}");
    assert_eq!(f.dump(), before);

    // A path out of the folder, and one that is not there, are refused as
    // the manifest is read: nothing is stored at all.
    let f = Fonds::new();
    let (batch, _) = manifest_with_files(&f, "../elsewhere.png");
    let err = f.fails(&["import", batch.to_str().unwrap()]);
    assert!(
        err.contains("manifest.csv:4: record m-3: field `files`"),
        "{err}"
    );
    assert!(err.contains("leaves the manifest's folder"), "{err}");
    assert_eq!(f.count(), 0);
    assert_eq!(stored(&f), 0);
    let (batch, _) = manifest_with_files(&f, "scans/missing.jpg (p. 1)");
    let err = f.fails(&["import", batch.to_str().unwrap()]);
    assert!(err.contains("\"scans/missing.jpg\": cannot read"), "{err}");
    assert_eq!(f.count(), 0);
    assert_eq!(stored(&f), 0);
}
