//! Digital objects (issue 15): scans attached with `fonds attach`, served
//! through IIIF (Image API and Presentation manifests) and as downloads by a
//! real `fonds serve`; refused files; drafts' files unreachable.

use super::common::{Fonds, SEED, Server, demo, staff};
use super::desk::{Client, add_user};
use image::{ImageFormat, Rgb, RgbImage};
use std::path::{Path, PathBuf};

/// A page: a coloured band on white, so regions are recognisable.
pub(super) fn page_image(w: u32, h: u32, band: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(w, h, |_, y| {
        if y < h / 4 {
            Rgb(band)
        } else {
            Rgb([250, 250, 250])
        }
    })
}

pub(super) fn write_image(f: &Fonds, name: &str, image: &RgbImage, format: ImageFormat) -> PathBuf {
    let path = f.path(name);
    image.save_with_format(&path, format).unwrap();
    path
}

pub(super) fn sha256(bytes: &[u8]) -> String {
    fonds::model::sha256_hex(bytes)
}

/// The seed with a two-page scan attached: a PNG and a JPEG.
pub(super) fn seed_with_scan() -> (Fonds, [PathBuf; 2]) {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    let p1 = write_image(
        &f,
        "208261-p1.png",
        &page_image(1400, 1800, [200, 20, 20]),
        ImageFormat::Png,
    );
    let p2 = write_image(
        &f,
        "208261-p2.jpg",
        &page_image(900, 1200, [20, 20, 200]),
        ImageFormat::Jpeg,
    );
    let out = f.run(&[
        "attach",
        "208261",
        p1.to_str().unwrap(),
        p2.to_str().unwrap(),
        "--label",
        "page",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("2 files attached (revision 2)"), "{err}");
    (f, [p1, p2])
}

pub(super) fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).unwrap().into_rgb8()
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) < 30)
}

#[test]
fn attaching_is_a_revision_and_the_record_names_each_file_by_its_hash() {
    let (f, [p1, p2]) = seed_with_scan();
    let record = f.show_json("208261");
    let files = record["files"].as_array().expect("files listed");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["sha256"], sha256(&std::fs::read(&p1).unwrap()));
    assert_eq!(files[0]["media_type"], "image/png");
    assert_eq!(files[0]["width"], 1400);
    assert_eq!(files[0]["height"], 1800);
    assert_eq!(files[0]["label"], "page 1");
    assert_eq!(files[1]["sha256"], sha256(&std::fs::read(&p2).unwrap()));
    assert_eq!(files[1]["name"], "208261-p2.jpg");
    let history = f.ok(&["history", "208261"]);
    assert!(history.contains("attached 2 files"), "{history}");
    // Reverting to the first revision takes the pages away again.
    f.ok(&["revert", "208261", "1"]);
    assert!(f.show_json("208261").get("files").is_none());
}

#[test]
fn iiif_serves_the_manifest_info_tiles_regions_and_the_original() {
    let (f, [p1, _]) = seed_with_scan();
    let server = Server::start(&f, &[]);

    let manifest = server.ok("/iiif/208261/manifest.json");
    assert_eq!(manifest.header("access-control-allow-origin"), Some("*"));
    let m = manifest.json();
    assert_eq!(m["type"], "Manifest");
    assert_eq!(
        m["id"],
        format!("{}/iiif/208261/manifest.json", server.base)
    );
    let title = m["label"]["none"][0].as_str().unwrap();
    assert!(title.contains("Kim Il Sung"), "{title}");
    assert!(m["summary"]["none"][0].as_str().unwrap().len() > 40);
    let citation = m["requiredStatement"]["value"]["en"][0].as_str().unwrap();
    assert!(citation.contains("Wilson Center"), "{citation}");
    assert_eq!(
        m["homepage"][0]["id"],
        format!("{}/records/208261", server.base)
    );
    assert_eq!(m["seeAlso"][0]["format"], "application/json");
    let canvases = m["items"].as_array().unwrap();
    assert_eq!(canvases.len(), 2);
    assert_eq!(canvases[0]["width"], 1400);
    assert_eq!(canvases[1]["label"]["none"][0], "page 2");
    let service = canvases[0]["items"][0]["items"][0]["body"]["service"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(service, format!("{}/iiif/208261/1", server.base));
    let metadata = m["metadata"].to_string();
    assert!(
        metadata.contains("Telephone Message") || metadata.contains("Date"),
        "{metadata}"
    );

    let info = server.ok("/iiif/208261/1/info.json").json();
    assert_eq!(info["id"], service);
    assert_eq!(info["type"], "ImageService3");
    assert_eq!(
        (info["width"].as_u64(), info["height"].as_u64()),
        (Some(1400), Some(1800))
    );
    assert_eq!(info["tiles"][0]["width"], 512);
    assert_eq!(
        info["tiles"][0]["scaleFactors"],
        serde_json::json!([1, 2, 4])
    );

    // A tile as OpenSeadragon asks for it: the top-left of level 0.
    let tile = decode(&server.ok_bytes("/iiif/208261/1/0,0,512,512/512,512/0/default.jpg"));
    assert_eq!(tile.dimensions(), (512, 512));
    assert!(
        near(tile.get_pixel(10, 10).0, [200, 20, 20]),
        "the band is on top"
    );
    // A region, scaled, as PNG: the band and the white below it.
    let region = image::load_from_memory_with_format(
        &server.ok_bytes("/iiif/208261/1/0,0,1400,900/350,/0/default.png"),
        ImageFormat::Png,
    )
    .unwrap()
    .into_rgb8();
    assert_eq!(region.dimensions(), (350, 225));
    assert!(near(region.get_pixel(100, 20).0, [200, 20, 20]));
    assert!(near(region.get_pixel(100, 200).0, [250, 250, 250]));
    // Page two's whole image at a listed size.
    let small = decode(&server.ok_bytes("/iiif/208261/2/full/225,/0/default.jpg"));
    assert_eq!(small.dimensions(), (225, 300));
    assert!(near(small.get_pixel(100, 10).0, [20, 20, 200]));

    // The base URI sends to info.json; bad requests are 400, unknown pages 404.
    let base = Client::new(&server).send("GET", "/iiif/208261/1", &[], None);
    assert_eq!(base.status, 303);
    assert_eq!(
        base.header("location"),
        Some(format!("{service}/info.json").as_str())
    );
    let ld = Client::new(&server).send(
        "GET",
        "/iiif/208261/1/info.json",
        &[("Accept", "application/ld+json")],
        None,
    );
    assert_eq!(
        ld.header("content-type"),
        Some("application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"")
    );
    assert_eq!(
        server.get("/iiif/208261/1/full/max/45/default.jpg").status,
        501
    );
    assert_eq!(
        server.get("/iiif/208261/1/full/2000,/0/default.jpg").status,
        400
    );
    assert_eq!(
        server
            .get("/iiif/208261/1/5000,0,10,10/max/0/default.jpg")
            .status,
        400
    );
    assert_eq!(server.get("/iiif/208261/3/info.json").status, 404);
    assert_eq!(server.get("/iiif/208261/abc/info.json").status, 404);
    assert_eq!(server.get("/iiif/nothing/1/info.json").status, 404);

    // The original comes back byte for byte.
    let original = server.ok_bytes("/records/208261/files/1");
    assert_eq!(original, std::fs::read(&p1).unwrap());
}

#[test]
fn a_record_without_images_has_no_manifest() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    let server = Server::start(&f, &[]);
    assert_eq!(server.get("/iiif/208261/manifest.json").status, 404);
    assert_eq!(server.get("/iiif/208261/1/info.json").status, 404);
}

#[test]
fn a_drafts_manifest_info_tiles_and_files_are_not_found_for_the_public() {
    let (f, _) = seed_with_scan();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let archive = fonds::archive::Archive::open(&f.config()).await.unwrap();
        archive
            .set_visibility(
                &staff(),
                &["208261".to_string()],
                fonds::model::Visibility::Draft,
                "",
            )
            .await
            .unwrap();
        archive.close().await;
    });
    add_user(&f, "vic", "viewer");
    let token = f.ok(&["token", "create", "vic"]).trim().to_string();
    let server = Server::start(&f, &[]);
    let paths = [
        "/iiif/208261/manifest.json",
        "/iiif/208261/1",
        "/iiif/208261/1/info.json",
        "/iiif/208261/1/0,0,512,512/512,512/0/default.jpg",
        "/iiif/208261/2/full/max/0/default.jpg",
        "/records/208261/files/1",
    ];
    let mut viewer = Client::new(&server);
    viewer.bearer = Some(token);
    for path in paths {
        let anonymous = server.get(path);
        assert_eq!(anonymous.status, 404, "{path} for the public");
        assert!(
            !anonymous.body.contains("208261-p"),
            "{path}: {}",
            anonymous.body
        );
        let staff = viewer.send("GET", path, &[], None);
        assert!(
            staff.status == 200 || staff.status == 303,
            "{path} for staff: {}",
            staff.status
        );
        assert_eq!(
            staff.header("cache-control"),
            Some("private, no-store"),
            "{path}: a draft's image is never cached"
        );
    }
}

/// `fonds attach` refuses `file` with a message holding each of `says`, and
/// the record stays at its revision.
fn refused(f: &Fonds, file: &Path, says: &[&str]) {
    let before = f.show_json("208261");
    let err = f.fails(&["attach", "208261", file.to_str().unwrap()]);
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(err.contains(name), "names the file: {err}");
    assert!(err.contains("files"), "names the field: {err}");
    for s in says {
        assert!(err.contains(s), "says {s:?}: {err}");
    }
    assert_eq!(f.show_json("208261"), before, "the record is unchanged");
}

fn seed_only() -> Fonds {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    f
}

#[test]
fn a_file_that_is_not_what_its_name_says_is_refused() {
    let f = seed_only();
    let png = write_image(
        &f,
        "real.png",
        &page_image(40, 40, [0, 0, 0]),
        ImageFormat::Png,
    );
    let fake = f.path("scan.jpg");
    std::fs::copy(&png, &fake).unwrap();
    refused(&f, &fake, &["image/jpeg", "PNG"]);
    let text = f.path("notes.tif");
    std::fs::write(&text, "not an image at all").unwrap();
    refused(&f, &text, &["not a JPEG, PNG, TIFF or PDF"]);
}

#[test]
fn a_decompression_bomb_is_refused() {
    let f = seed_only();
    // A PNG whose header claims 60000×60000 pixels.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend(kind);
        png.extend(data);
        png.extend(crc.sum().to_be_bytes());
    };
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    let bomb = f.path("bomb.png");
    std::fs::write(&bomb, png).unwrap();
    refused(&f, &bomb, &["60000×60000", "limit"]);
}

#[test]
fn a_truncated_image_is_refused() {
    let f = seed_only();
    let path = write_image(
        &f,
        "cut.png",
        &page_image(300, 300, [9, 9, 9]),
        ImageFormat::Png,
    );
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    refused(&f, &path, &["cannot be decoded"]);
}

#[test]
fn a_pdf_that_will_not_render_is_refused_and_a_sound_one_is_kept_for_download() {
    let f = seed_only();
    let broken = f.path("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog").unwrap();
    refused(&f, &broken, &["truncated"]);

    let pdf = f.path("letter.pdf");
    let bytes = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF\n";
    std::fs::write(&pdf, bytes).unwrap();
    f.ok(&["attach", "208261", pdf.to_str().unwrap()]);
    let server = Server::start(&f, &[]);
    assert_eq!(server.ok_bytes("/records/208261/files/1"), bytes);
    // A PDF has no image service and gives no canvas.
    assert_eq!(server.get("/iiif/208261/1/info.json").status, 404);
    assert_eq!(server.get("/iiif/208261/manifest.json").status, 404);
}

#[test]
fn a_missing_path_is_refused_by_name() {
    let f = seed_only();
    let missing = f.path("nowhere/p1.jpg");
    let before = f.show_json("208261");
    let err = f.fails(&["attach", "208261", missing.to_str().unwrap()]);
    assert!(
        err.contains("p1.jpg") && err.contains("cannot read"),
        "{err}"
    );
    assert_eq!(f.show_json("208261"), before);
    let err = f.fails(&["attach", "no-such-record", missing.to_str().unwrap()]);
    assert!(
        err.contains("p1.jpg") || err.contains("no-such-record"),
        "{err}"
    );
}

#[test]
fn an_attach_with_one_bad_file_among_good_ones_writes_nothing() {
    let f = seed_only();
    let good = write_image(
        &f,
        "good.png",
        &page_image(50, 50, [1, 2, 3]),
        ImageFormat::Png,
    );
    let bad = f.path("bad.jpg");
    std::fs::write(&bad, b"nothing").unwrap();
    let before = f.show_json("208261");
    let err = f.fails(&[
        "attach",
        "208261",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert!(
        err.contains("bad.jpg") && !err.contains("good.png:"),
        "{err}"
    );
    assert_eq!(f.show_json("208261"), before);
}

/// IIIF Presentation 3 collections (`/iiif-collections/…`): the public
/// records with page images, per collection, and a top collection nesting
/// them; never a draft's; checked against the Presentation 3 JSON Schema by
/// `../shared/tools/iiif-validate` in the `schemas` test (as `oai.rs` does
/// with xmllint: ignored by a plain `cargo test`, run by `.ci/run`, and
/// failing, never skipping, when the tool cannot run).
mod collections {
    use super::super::common::FRUS;
    use super::*;
    use std::process::Command;

    const FRUS_COLLECTION: &str = "Foreign Relations of the United States, 1961–1963, Volume VI, Kennedy-Khrushchev Exchanges";

    /// The seed and a FRUS volume, and through a JSONL import: a FRUS
    /// document made a draft, a record whose identifier is `collections`
    /// (in the collection "Kim Il Sung papers") and a draft alone in the
    /// collection "Secret papers". Pages are attached to the seed (no
    /// collection), `frus1961-63v06d12` (two), the draft document, the
    /// `collections` record and the secret draft; `frus1961-63v06d14` has none.
    fn archive() -> Fonds {
        let f = Fonds::new();
        f.import(&[&demo(SEED), &demo(FRUS)]);
        let dump = f.ok(&["export", "208261", "frus1961-63v06d13"]);
        let mut lines = dump.lines();
        let mut header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        let mut out = Vec::new();
        for line in lines {
            let mut r: serde_json::Value = serde_json::from_str(line).unwrap();
            if r["id"] == "208261" {
                let mut named = r.clone();
                named["id"] = "collections".into();
                named["collections"] = serde_json::json!(["Kim Il Sung papers"]);
                out.push(named);
                let mut secret = r.clone();
                secret["id"] = "secret-1".into();
                secret["collections"] = serde_json::json!(["Secret papers"]);
                secret["visibility"] = serde_json::json!({"status": "draft"});
                out.push(secret);
            } else {
                r["visibility"] = serde_json::json!({"status": "draft"});
                out.push(r);
            }
        }
        header["records"] = out.len().into();
        let jsonl = f.path("changes.jsonl");
        let body: Vec<String> = out.iter().map(|r| r.to_string()).collect();
        std::fs::write(&jsonl, format!("{header}\n{}\n", body.join("\n"))).unwrap();
        f.import(&[&jsonl]);
        let page = |name: &str, w: u32, h: u32| {
            write_image(
                &f,
                name,
                &page_image(w, h, [150, 40, 40]),
                ImageFormat::Jpeg,
            )
        };
        let attach = |id: &str, files: &[PathBuf]| {
            let mut args = vec!["attach", id];
            args.extend(files.iter().map(|p| p.to_str().unwrap()));
            f.ok(&args);
        };
        attach("208261", &[page("seed.jpg", 600, 800)]);
        attach(
            "frus1961-63v06d12",
            &[page("d12-1.jpg", 800, 1000), page("d12-2.jpg", 700, 900)],
        );
        attach("frus1961-63v06d13", &[page("d13.jpg", 500, 700)]);
        attach("collections", &[page("named.jpg", 120, 90)]);
        attach("secret-1", &[page("secret.jpg", 300, 300)]);
        f
    }

    fn segment(name: &str) -> String {
        fonds::html::path_segment(name)
    }

    fn ids(doc: &serde_json::Value) -> Vec<String> {
        doc["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Checks a Presentation 3 document with `../shared/tools/iiif-validate`
    /// (the IIIF Presentation 3 JSON Schema), when `schemas`.
    fn presentation_valid(schemas: bool, url: &str, doc: &serde_json::Value) {
        if !schemas {
            return;
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let tool = root.join("../shared/tools/iiif-validate");
        assert!(
            tool.exists(),
            "{} is missing: the IIIF Presentation 3 schema check needs ../shared",
            tool.display()
        );
        // The venv tests/py/iiif.sh makes has jsonschema; else the system's.
        let venv = root.join("target/py-venv/bin/python");
        let python = match venv.exists() {
            true => venv.into_os_string(),
            false => "python3".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doc.json");
        std::fs::write(&file, doc.to_string()).unwrap();
        let out = Command::new(&python)
            .arg(&tool)
            .arg(&file)
            .output()
            .unwrap_or_else(|e| panic!("python3 could not be run ({e}) for iiif-validate"));
        assert_ne!(
            out.status.code(),
            Some(2),
            "iiif-validate could not run (pip install jsonschema; tests/py/iiif.sh puts it in \
             target/py-venv): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{url} fails the IIIF Presentation 3 schema:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn scenario(schemas: bool) {
        let f = archive();
        add_user(&f, "vic", "viewer");
        let token = f.ok(&["token", "create", "vic"]).trim().to_string();
        let server = Server::start(&f, &[]);
        let base = &server.base;
        let frus_url = format!(
            "{base}/iiif-collections/{}/collection.json",
            segment(FRUS_COLLECTION)
        );
        let kim_url = format!(
            "{base}/iiif-collections/{}/collection.json",
            segment("Kim Il Sung papers")
        );
        let path = |url: &str| url.strip_prefix(base.as_str()).unwrap().to_string();

        // The top collection nests the public records' collections, in byte
        // order; a collection only drafts belong to is not there.
        let reply = server.ok("/iiif-collections/top.json");
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let top = reply.json();
        assert_eq!(
            top["@context"],
            "http://iiif.io/api/presentation/3/context.json"
        );
        assert_eq!(top["type"], "Collection");
        assert_eq!(top["id"], format!("{base}/iiif-collections/top.json"));
        assert!(
            top["label"]["en"][0]
                .as_str()
                .unwrap()
                .contains("collections")
        );
        assert_eq!(ids(&top), [frus_url.clone(), kim_url.clone()]);
        assert_eq!(top["items"][0]["type"], "Collection");
        assert_eq!(top["items"][0]["label"]["none"][0], FRUS_COLLECTION);
        presentation_valid(schemas, "top.json", &top);

        // The FRUS volume's collection: only the public document with
        // pages; not the draft with pages, not the documents without.
        let frus = server.ok(&path(&frus_url)).json();
        assert_eq!(frus["type"], "Collection");
        assert_eq!(frus["id"], frus_url);
        assert_eq!(frus["label"]["none"][0], FRUS_COLLECTION);
        let d12 = format!("{base}/iiif/frus1961-63v06d12/manifest.json");
        assert_eq!(ids(&frus), [d12.as_str()]);
        let entry = &frus["items"][0];
        assert_eq!(entry["type"], "Manifest");
        assert!(
            entry["label"]["none"][0]
                .as_str()
                .unwrap()
                .contains("Khrushchev"),
            "{entry}"
        );
        let thumb = &entry["thumbnail"][0];
        assert_eq!(
            thumb["service"][0]["id"],
            format!("{base}/iiif/frus1961-63v06d12/1")
        );
        let small = decode(&server.ok_bytes(&path(thumb["id"].as_str().unwrap())));
        assert_eq!(
            (u64::from(small.width()), u64::from(small.height())),
            (
                thumb["width"].as_u64().unwrap(),
                thumb["height"].as_u64().unwrap()
            )
        );
        assert_eq!(small.dimensions(), (160, 200));
        presentation_valid(schemas, &frus_url, &frus);

        // A record whose identifier is `collections` keeps its manifest and
        // image service: collections live outside `/iiif/{id}/…`.
        let kim = server.ok(&path(&kim_url)).json();
        let named = format!("{base}/iiif/collections/manifest.json");
        assert_eq!(ids(&kim), [named.as_str()]);
        // Its image is smaller than a thumbnail: the image itself, never a
        // request to enlarge it (which would be refused).
        let thumb = kim["items"][0]["thumbnail"][0]["id"].as_str().unwrap();
        assert_eq!(
            thumb,
            format!("{base}/iiif/collections/1/full/max/0/default.jpg")
        );
        assert_eq!(
            decode(&server.ok_bytes(&path(thumb))).dimensions(),
            (120, 90)
        );
        presentation_valid(schemas, &kim_url, &kim);
        let m = server.ok("/iiif/collections/manifest.json").json();
        assert_eq!(m["id"], named);
        assert_eq!(m["partOf"][0]["id"], kim_url);
        assert_eq!(m["partOf"][0]["type"], "Collection");
        assert_eq!(
            server.ok("/iiif/collections/1/info.json").json()["width"],
            120
        );

        // Each listed manifest, and the seed's (in no collection), passes
        // the schema; the manifest says which collection it is part of.
        let seed = server.ok("/iiif/208261/manifest.json").json();
        assert!(seed.get("partOf").is_none());
        presentation_valid(schemas, "208261", &seed);
        let d12_manifest = server.ok(&path(&d12)).json();
        assert_eq!(d12_manifest["partOf"][0]["id"], frus_url);
        presentation_valid(schemas, &d12, &d12_manifest);

        // Nothing of the drafts, for anyone: collections are the public's
        // view, whoever asks.
        let secret = format!(
            "/iiif-collections/{}/collection.json",
            segment("Secret papers")
        );
        assert_eq!(server.get(&secret).status, 404);
        assert_eq!(
            server.get("/iiif/frus1961-63v06d13/manifest.json").status,
            404
        );
        let mut staff = Client::new(&server);
        staff.bearer = Some(token);
        assert_eq!(staff.get(&secret).status, 404);
        let staff_frus = staff.get(&path(&frus_url));
        assert_eq!(staff_frus.status, 200);
        assert_eq!(ids(&staff_frus.json()), [d12.as_str()]);
        assert_eq!(
            ids(&staff.get("/iiif-collections/top.json").json()),
            ids(&top)
        );
        for body in [
            &server.get("/iiif-collections/top.json").body,
            &server.get(&path(&frus_url)).body,
        ] {
            assert!(
                !body.contains("secret") && !body.contains("v06d13"),
                "{body}"
            );
        }

        // Pages: one past the end is not found; a page that is no number
        // is a bad request; an unknown collection is not found.
        assert_eq!(server.get("/iiif-collections/top.json?page=2").status, 404);
        assert_eq!(
            server.get(&format!("{}?page=2", path(&frus_url))).status,
            404
        );
        assert_eq!(server.get("/iiif-collections/top.json?page=0").status, 400);
        assert_eq!(server.get("/iiif-collections/top.json?page=x").status, 400);
        assert_eq!(
            server
                .get("/iiif-collections/Nothing/collection.json")
                .status,
            404
        );
    }

    #[test]
    fn collections_list_the_public_records_with_images_and_never_a_draft() {
        scenario(false);
    }

    #[test]
    #[ignore = "needs ../shared/tools/iiif-validate and python3 with jsonschema (.ci/run runs it)"]
    fn collections_and_manifests_pass_the_presentation_3_schemas() {
        scenario(true);
    }
}
