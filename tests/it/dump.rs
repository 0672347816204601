//! The JSON Lines dump: export → import into an empty archive → export gives
//! the same bytes; bad dumps are refused.

use super::common::{FRUS, Fonds, SEED, demo, on_both_backends};
use super::iiif::sha256;

on_both_backends! {
fn a_dump_round_trips_exactly(a: Fonds) {
    a.import(&[&demo(SEED), &demo(FRUS)]);
    let file = a.path("dump.jsonl");
    a.ok(&[
        "export",
        "--format",
        "jsonl",
        "--out",
        file.to_str().unwrap(),
    ]);
    let first = std::fs::read_to_string(&file).unwrap();
    assert!(
        first.starts_with("{\"fonds_dump\":1,\"records\":121}\n"),
        "{}",
        &first[..80]
    );
    let b = Fonds::on(a.backend());
    let out = b.import(&[&file]);
    assert!(out.contains("121 new"), "{out}");
    assert_eq!(b.dump(), first);
    // The restored seed still renders to its source, byte for byte.
    let seed = b.run(&["export", "--format", "wilson", "208261"]);
    assert_eq!(seed.stdout, std::fs::read(demo(SEED)).unwrap());
}
}

#[test]
fn a_dump_with_an_unknown_field_is_refused() {
    let a = Fonds::new();
    a.import(&[&demo(SEED)]);
    let dump = a
        .dump()
        .replacen("\"title\":", "\"colour\":\"red\",\"title\":", 1);
    let b = Fonds::new();
    let file = b.path("d.jsonl");
    std::fs::write(&file, dump).unwrap();
    let err = b.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("d.jsonl:2: record 208261"), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn a_truncated_dump_is_refused() {
    let a = Fonds::new();
    a.import(&[&demo(FRUS)]);
    let dump = a.dump();
    let cut: Vec<&str> = dump.lines().take(50).collect();
    let b = Fonds::new();
    let file = b.path("cut.jsonl");
    std::fs::write(&file, cut.join("\n")).unwrap();
    let err = b.fails(&["import", file.to_str().unwrap()]);
    assert!(
        err.contains("promises 120 records but the file holds 49"),
        "{err}"
    );
}

#[test]
fn a_dump_from_a_newer_fonds_is_refused() {
    let b = Fonds::new();
    let file = b.path("new.jsonl");
    std::fs::write(&file, "{\"fonds_dump\":99,\"records\":0}\n").unwrap();
    let err = b.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("dump format version 99"), "{err}");
}

/// A dump folder with its files: the seed with its two-page scan (a PNG and
/// a JPEG, labelled) and a draft holding a PDF, exported with `--files`.
mod with_files {
    use super::super::common::{Fonds, Server, fixture, staff};
    use super::super::iiif::{decode, seed_with_scan, sha256};
    use std::path::{Path, PathBuf};

    pub(super) const PDF: &[u8] =
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF\n";

    /// The source archive, its three files' paths (p1.png, p2.jpg, the
    /// PDF), and the dump folder written from it.
    pub(super) fn exported() -> (Fonds, [PathBuf; 3], PathBuf) {
        let (a, [p1, p2]) = seed_with_scan();
        a.import(&[&fixture("zh/900001.md")]);
        let pdf = a.path("900001-letter.pdf");
        std::fs::write(&pdf, PDF).unwrap();
        a.ok(&[
            "attach",
            "900001",
            pdf.to_str().unwrap(),
            "--label",
            "letter",
        ]);
        // A draft: the staff's export holds it and its file all the same.
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let archive = fonds::archive::Archive::open(&a.config()).await.unwrap();
            archive
                .set_visibility(
                    &staff(),
                    &["900001".to_string()],
                    fonds::model::Visibility::Draft,
                    "",
                )
                .await
                .unwrap();
            archive.close().await;
        });
        let dir = a.path("backup");
        let out = a.run(&["export", "--files", "--out", dir.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(err.contains("3 files (3 written"), "{err}");
        (a, [p1, p2, pdf], dir)
    }

    /// Where the dump folder keeps a file: `files/ab/abcd…`.
    pub(super) fn kept(dir: &Path, original: &Path) -> PathBuf {
        let sha = sha256(&std::fs::read(original).unwrap());
        dir.join("files").join(&sha[..2]).join(sha)
    }

    /// The originals a data folder's object store holds.
    pub(super) fn stored_originals(f: &Fonds) -> usize {
        let root = f.data().join("files").join("originals");
        let Ok(shards) = std::fs::read_dir(root) else {
            return 0;
        };
        shards
            .map(|s| std::fs::read_dir(s.unwrap().path()).unwrap().count())
            .sum()
    }

    /// What staff read of page `n` of record `id` in `f`, through the gate.
    pub(super) fn staff_original(f: &Fonds, id: &str, n: usize) -> Vec<u8> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let archive = fonds::archive::Archive::open(&f.config()).await.unwrap();
            let bytes = archive
                .reader(&staff())
                .page(id, n)
                .await
                .unwrap()
                .original()
                .await
                .unwrap()
                .to_vec();
            archive.close().await;
            bytes
        })
    }

    pub(super) fn check_restored(b: &Fonds, originals: &[PathBuf; 3]) {
        let [p1, p2, pdf] = originals;
        let seed = b.show_json("208261");
        let files = seed["files"].as_array().expect("the seed has its files");
        assert_eq!(files.len(), 2);
        assert_eq!(files[0]["sha256"], sha256(&std::fs::read(p1).unwrap()));
        assert_eq!(files[0]["name"], "208261-p1.png");
        assert_eq!(files[0]["label"], "page 1");
        assert_eq!(files[0]["width"], 1400);
        assert_eq!(files[1]["sha256"], sha256(&std::fs::read(p2).unwrap()));
        assert_eq!(files[1]["media_type"], "image/jpeg");
        assert_eq!(files[1]["label"], "page 2");
        let draft = b.show_json("900001");
        assert_eq!(draft["visibility"]["status"], "draft");
        assert_eq!(draft["files"][0]["sha256"], sha256(PDF));
        assert_eq!(draft["files"][0]["media_type"], "application/pdf");

        let server = Server::start(b, &[]);
        assert_eq!(
            server.ok_bytes("/records/208261/files/1"),
            std::fs::read(p1).unwrap()
        );
        assert_eq!(
            server.ok_bytes("/records/208261/files/2"),
            std::fs::read(p2).unwrap()
        );
        // The pyramids were built again: the pages are served through IIIF.
        let info = server.ok("/iiif/208261/1/info.json").json();
        assert_eq!(
            (info["width"].as_u64(), info["height"].as_u64()),
            (Some(1400), Some(1800))
        );
        let tile = decode(&server.ok_bytes("/iiif/208261/2/0,0,512,512/512,512/0/default.jpg"));
        assert_eq!(tile.dimensions(), (512, 512));
        let canvases = server.ok("/iiif/208261/manifest.json").json()["items"].clone();
        assert_eq!(canvases[0]["label"]["none"][0], "page 1");
        assert_eq!(canvases[1]["label"]["none"][0], "page 2");
        // The draft's file is restored, and still nobody's but staff's.
        assert_eq!(server.get("/records/900001/files/1").status, 404);
        drop(server);
        assert_eq!(staff_original(b, "900001", 1), PDF);
        assert_eq!(std::fs::read(pdf).unwrap(), PDF);
    }
}

on_both_backends! {
fn a_dump_folder_restores_every_file_with_its_sha256(b: Fonds) {
    let (a, originals, dir) = with_files::exported();
    // records.jsonl is the plain dump, byte for byte.
    let records = std::fs::read_to_string(dir.join("records.jsonl")).unwrap();
    assert_eq!(records, a.dump());
    assert!(records.starts_with("{\"fonds_dump\":1,\"records\":2}\n"));
    for original in &originals {
        assert_eq!(
            std::fs::read(with_files::kept(&dir, original)).unwrap(),
            std::fs::read(original).unwrap(),
            "{} is in the dump folder",
            original.display()
        );
    }

    let out = b.import(&[&dir.join("records.jsonl")]);
    assert!(out.contains("2 new"), "{out}");
    assert_eq!(b.dump(), records);
    with_files::check_restored(&b, &originals);

    // Again, this time naming the folder: nothing changes, and the files
    // are not listed as skipped.
    let again = b.import(&[&dir]);
    assert!(again.contains("0 new, 0 updated, 2 unchanged"), "{again}");
    assert!(!again.contains("skipped"), "{again}");
    assert_eq!(b.dump(), records);
    assert_eq!(b.ok(&["history", "208261"]).lines().count(), 1);
    assert_eq!(with_files::stored_originals(&b), 3);
}
}

#[test]
fn an_export_with_files_writes_only_the_exported_records_files() {
    let (a, [p1, p2, pdf], _) = with_files::exported();
    let dir = a.path("seed-only");
    a.ok(&[
        "export",
        "--files",
        "--out",
        dir.to_str().unwrap(),
        "208261",
    ]);
    let records = std::fs::read_to_string(dir.join("records.jsonl")).unwrap();
    assert_eq!(records, a.ok(&["export", "208261"]));
    assert!(with_files::kept(&dir, &p1).is_file());
    assert!(with_files::kept(&dir, &p2).is_file());
    assert!(
        !with_files::kept(&dir, &pdf).exists(),
        "900001 was not exported"
    );
    // Exporting into the same folder again keeps what is there.
    let out = a.run(&[
        "export",
        "--files",
        "--out",
        dir.to_str().unwrap(),
        "208261",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("0 written") && err.contains("2 already there"),
        "{err}"
    );

    // --files needs a folder and the jsonl format: usage errors.
    let no_out = a.run(&["export", "--files"]);
    assert_eq!(no_out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_out.stderr).contains("--out"));
    let wilson = a.run(&["export", "--files", "--format", "wilson", "--out", "x"]);
    assert_eq!(wilson.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wilson.stderr).contains("--format jsonl"),
        "{}",
        String::from_utf8_lossy(&wilson.stderr)
    );
}

#[test]
fn a_dump_folder_missing_or_changing_a_file_is_refused_and_writes_nothing() {
    let (_a, [p1, p2, _], dir) = with_files::exported();
    let records = dir.join("records.jsonl");
    let p2_sha = sha256(&std::fs::read(&p2).unwrap());
    std::fs::remove_file(with_files::kept(&dir, &p2)).unwrap();
    let b = Fonds::new();
    let err = b.fails(&["import", records.to_str().unwrap()]);
    // Line 2 is the seed (line 1 the header).
    assert!(
        err.contains("records.jsonl:2: record 208261: field `files`"),
        "{err}"
    );
    assert!(err.contains(&p2_sha), "names the sha: {err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains("p1.png"), "only the missing file: {err}");
    assert_eq!(b.count(), 0);
    assert_eq!(with_files::stored_originals(&b), 0, "no file stored either");

    // A file whose bytes are not the ones the record names.
    std::fs::copy(&p1, with_files::kept(&dir, &p2)).unwrap();
    let err = b.fails(&["import", records.to_str().unwrap()]);
    assert!(
        err.contains("records.jsonl:2: record 208261: field `files`"),
        "{err}"
    );
    assert!(
        err.contains(&format!("not the record's sha256 {p2_sha}")),
        "{err}"
    );
    assert_eq!(b.count(), 0);
    assert_eq!(with_files::stored_originals(&b), 0);
}
