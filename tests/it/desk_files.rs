//! A record's files from the desk and through the write API (issue 15): a
//! multipart upload is a new revision seen in the history and the IIIF
//! manifest; reorder, relabel and remove from the desk's list; refused
//! files named with their reason and nothing saved; CSRF, roles, bearer
//! tokens and `If-Match` as for every other write; the rights-statement URI
//! in the record form.

use super::common::{Reply, Server};
use super::desk::{Client, PASSWORD, archive, csrf_in, form_pairs, pairs, set, sign_in, stored};
use image::{ImageFormat, Rgb, RgbImage};
use std::io::Cursor;

/// An image of `w`×`h` with a coloured band on top, encoded as `format`.
fn image_bytes(w: u32, h: u32, band: [u8; 3], format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(w, h, |_, y| {
        if y < h / 4 {
            Rgb(band)
        } else {
            Rgb([250, 250, 250])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    image_bytes(w, h, [200, 20, 20], ImageFormat::Png)
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    image_bytes(w, h, [20, 20, 200], ImageFormat::Jpeg)
}

/// One part of a multipart body.
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

/// A `multipart/form-data` body: its content type and bytes.
fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----fonds-test-3f9a1c";
    let mut body = Vec::new();
    for part in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend(value.as_bytes());
            }
            Part::File(name, file, bytes) => {
                body.extend(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend(*bytes);
            }
        }
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn send_multipart(
    client: &mut Client,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    parts: &[Part],
) -> Reply {
    let (content_type, body) = multipart(parts);
    client.send(method, path, headers, Some((&content_type, body)))
}

/// The desk page of the seed, and the CSRF token and revision its files
/// forms carry.
fn files_forms(client: &mut Client) -> (String, String, u32) {
    let page = client.get("/desk/records/208261");
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = csrf_in(&page.body);
    let opened = regex::Regex::new(r#"action="/desk/records/208261/upload" enctype="multipart/form-data">\s*<input type="hidden" name="csrf" value="[^"]+">\s*<input type="hidden" name="opened" value="(\d+)">"#)
        .unwrap()
        .captures(&page.body)
        .expect("the upload form, with its CSRF token and revision first")[1]
        .parse()
        .unwrap();
    (page.body, csrf, opened)
}

/// The manifest's canvases: (label, width) of each.
fn canvases(server: &Server) -> Vec<(String, u64)> {
    let m = server.ok("/iiif/208261/manifest.json").json();
    m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"]["none"][0].as_str().unwrap_or("").to_string(),
                c["width"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The seed's files as the API gives them to staff: (sha256, label).
fn files_of(client: &mut Client) -> Vec<(String, Option<String>)> {
    stored(client, "208261")
        .0
        .files
        .iter()
        .map(|f| (f.sha256.clone(), f.label.clone()))
        .collect()
}

#[test]
fn a_desk_upload_of_two_pages_is_a_revision_in_the_history_and_the_manifest() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut ana = sign_in(&server, "ana", PASSWORD);
    let (page, csrf, opened) = files_forms(&mut ana);
    assert_eq!(opened, 1);
    assert!(page.contains("No files yet."), "{page}");
    let (p1, p2) = (png(1400, 1800), jpeg(900, 1200));
    let reply = send_multipart(
        &mut ana,
        "POST",
        "/desk/records/208261/upload",
        &[],
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "208261-p1.png", &p1),
            Part::File("file", "208261-p2.jpg", &p2),
            Part::Text("labels", "recto\r\nverso"),
            Part::Text("note", "scans from the reading room"),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.header("location").unwrap().to_string();
    assert!(
        location.starts_with("/desk/records/208261?done="),
        "{location}"
    );
    assert!(location.ends_with("#files"), "{location}");
    let back = ana.get(location.trim_end_matches("#files"));
    assert!(
        back.body.contains("Attached 2 files: now revision 2."),
        "{}",
        back.body
    );

    // A new revision by ana, with the note, in the desk's history and the CLI's.
    let history = ana.get("/desk/records/208261/history");
    assert!(history.body.contains("scans from the reading room"));
    assert!(
        history.body.contains("files[1].sha256"),
        "the diff names the files"
    );
    let cli: serde_json::Value =
        serde_json::from_str(&f.ok(&["history", "208261", "--json"])).unwrap();
    assert_eq!(cli.as_array().unwrap().len(), 2);
    assert_eq!(cli[1]["by"], "ana");
    assert_eq!(cli[1]["note"], "scans from the reading room");
    let record = f.show_json("208261");
    assert_eq!(record["files"][0]["sha256"], fonds::model::sha256_hex(&p1));
    assert_eq!(record["files"][1]["name"], "208261-p2.jpg");

    // The manifest has both pages, labelled, in order.
    assert_eq!(
        canvases(&server),
        [("recto".to_string(), 1400), ("verso".to_string(), 900)]
    );

    // The desk lists them with thumbnails that staff can load.
    let desk = ana.get("/desk/records/208261");
    assert!(desk.body.contains("Files (2)"));
    let thumb = "/iiif/208261/1/full/200,/0/default.jpg";
    assert!(
        desk.body.contains(&format!("src=\"{thumb}\"")),
        "{}",
        desk.body
    );
    let image = ana.send("GET", thumb, &[], None);
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert!(desk.body.contains("value=\"recto\""));
}

#[test]
fn reorder_relabel_and_remove_from_the_desk_change_the_manifest() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut ana = sign_in(&server, "ana", PASSWORD);
    let (_, csrf, _) = files_forms(&mut ana);
    let (p1, p2, p3) = (png(1400, 1800), jpeg(900, 1200), png(600, 800));
    let uploaded = send_multipart(
        &mut ana,
        "POST",
        "/desk/records/208261/upload",
        &[],
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "p1.png", &p1),
            Part::File("file", "p2.jpg", &p2),
            Part::File("file", "p3.png", &p3),
            Part::Text("labels", "one\ntwo\nthree"),
        ],
    );
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let shas: Vec<String> = files_of(&mut ana).into_iter().map(|(s, _)| s).collect();
    let list = |labels: [&str; 3], opened: u32, action: &str| {
        let mut p = pairs(&[
            ("csrf", &csrf),
            ("opened", &opened.to_string()),
            ("action", action),
        ]);
        for (i, (sha, label)) in shas.iter().zip(labels).enumerate() {
            p.push((format!("file.{i}.sha256"), sha.clone()));
            p.push((format!("file.{i}.label"), label.to_string()));
        }
        p
    };

    // Page 3 moves up, and page 1 is relabelled in the same submit.
    let moved = ana.post_form(
        "/desk/records/208261/files",
        &list(["first", "two", "three"], 2, "up.2"),
    );
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert_eq!(
        canvases(&server),
        [
            ("first".to_string(), 1400),
            ("three".to_string(), 600),
            ("two".to_string(), 900)
        ]
    );
    let cli: serde_json::Value =
        serde_json::from_str(&f.ok(&["history", "208261", "--json"])).unwrap();
    assert_eq!(cli[2]["note"], "moved page 3 up");

    // Page 1 of the new order moves down.
    let shas_now: Vec<String> = files_of(&mut ana).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        shas_now,
        [shas[0].clone(), shas[2].clone(), shas[1].clone()]
    );
    let mut p = pairs(&[("csrf", &csrf), ("opened", "3"), ("action", "down.0")]);
    for (i, (sha, label)) in shas_now.iter().zip(["first", "three", "two"]).enumerate() {
        p.push((format!("file.{i}.sha256"), sha.clone()));
        p.push((format!("file.{i}.label"), label.to_string()));
    }
    assert_eq!(ana.post_form("/desk/records/208261/files", &p).status, 303);
    assert_eq!(
        canvases(&server)
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        ["three", "first", "two"]
    );

    // Removing one (its button), with a note of our own.
    let order: Vec<String> = files_of(&mut ana).into_iter().map(|(s, _)| s).collect();
    let mut p = pairs(&[
        ("csrf", &csrf),
        ("opened", "4"),
        ("action", "remove.1"),
        ("note", "page 1 was a duplicate"),
    ]);
    for (i, (sha, label)) in order.iter().zip(["three", "first", "two"]).enumerate() {
        p.push((format!("file.{i}.sha256"), sha.clone()));
        p.push((format!("file.{i}.label"), label.to_string()));
    }
    assert_eq!(ana.post_form("/desk/records/208261/files", &p).status, 303);
    assert_eq!(
        canvases(&server),
        [("three".to_string(), 600), ("two".to_string(), 900)]
    );
    let history = ana.get("/desk/records/208261/history");
    assert!(history.body.contains("page 1 was a duplicate"));
    assert_eq!(stored(&mut ana, "208261").1, 5);

    // A list sent from a page showing an older revision is a conflict, and
    // nothing is saved.
    let stale = ana.post_form(
        "/desk/records/208261/files",
        &list(["a", "b", "c"], 2, "save"),
    );
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale
            .body
            .contains("Not saved: ana saved revision 5 after this page showed revision 2"),
        "{}",
        stale.body
    );
    assert_eq!(stored(&mut ana, "208261").1, 5);
}

#[test]
fn a_bad_upload_names_the_file_and_why_and_the_revision_stays() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut ana = sign_in(&server, "ana", PASSWORD);
    let (_, csrf, _) = files_forms(&mut ana);
    let good = png(50, 50);
    let fake = png(40, 40); // PNG bytes named .jpg
    let mut cut = png(300, 300);
    cut.truncate(cut.len() / 2);
    let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog".to_vec();
    let reply = send_multipart(
        &mut ana,
        "POST",
        "/desk/records/208261/upload",
        &[],
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "good.png", &good),
            Part::File("file", "scan.jpg", &fake),
            Part::File("file", "cut.png", &cut),
            Part::File("file", "broken.pdf", &pdf),
            Part::Text("labels", "kept as typed"),
            Part::Text("note", "a try"),
        ],
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    let errors: Vec<String> =
        regex::Regex::new(r#"<span class="field-error" role="alert">([^<]*)</span>"#)
            .unwrap()
            .captures_iter(&reply.body)
            .map(|c| c[1].to_string())
            .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].starts_with("scan.jpg:")
            && errors[0].contains("image/jpeg")
            && errors[0].contains("PNG"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("cut.png:") && errors[1].contains("cannot be decoded"),
        "{errors:?}"
    );
    assert!(
        errors[2].starts_with("broken.pdf:") && errors[2].contains("truncated"),
        "{errors:?}"
    );
    assert!(
        !reply.body.contains("good.png:"),
        "the good file is not blamed"
    );
    assert!(reply.body.contains("Nothing was saved"));
    assert!(
        reply.body.contains("kept as typed"),
        "the labels are kept as sent"
    );
    assert_eq!(stored(&mut ana, "208261").1, 1, "nothing was written");
    assert!(f.show_json("208261").get("files").is_none());

    // No file chosen at all says so.
    let none = send_multipart(
        &mut ana,
        "POST",
        "/desk/records/208261/upload",
        &[],
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "", b""),
        ],
    );
    assert_eq!(none.status, 400);
    assert!(none.body.contains("Choose one or more files"));

    // An upload from a page showing an older revision: a conflict, nothing saved.
    let (record, revision) = stored(&mut ana, "208261");
    let mut form = form_pairs(&mut ana, &record, revision);
    set(&mut form, "summary", "saved meanwhile");
    assert_eq!(ana.post_form("/desk/records/208261", &form).status, 303);
    let stale = send_multipart(
        &mut ana,
        "POST",
        "/desk/records/208261/upload",
        &[],
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "good.png", &good),
        ],
    );
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale
            .body
            .contains("Not saved: ana saved revision 2 after this page showed revision 1")
    );
    assert_eq!(stored(&mut ana, "208261").1, 2);
    assert!(f.show_json("208261").get("files").is_none());
}

#[test]
fn a_viewer_cannot_upload_and_a_form_without_its_csrf_token_is_refused() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let good = png(50, 50);
    let mut vic = sign_in(&server, "vic", PASSWORD);
    let page = vic.get("/desk/records/208261");
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("/desk/records/208261/upload"),
        "no upload form for a viewer"
    );
    let csrf = vic.csrf();
    let upload = |client: &mut Client, parts: &[Part]| {
        send_multipart(client, "POST", "/desk/records/208261/upload", &[], parts)
    };
    let refused = upload(
        &mut vic,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "good.png", &good),
        ],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("editor"), "{}", refused.body);

    let mut ana = sign_in(&server, "ana", PASSWORD);
    let own = ana.csrf();
    // No token; a token after the file (read only once a file came); another
    // session's token.
    let no_token = upload(
        &mut ana,
        &[
            Part::Text("opened", "1"),
            Part::File("file", "good.png", &good),
        ],
    );
    assert_eq!(no_token.status, 403);
    let late = upload(
        &mut ana,
        &[
            Part::Text("opened", "1"),
            Part::File("file", "good.png", &good),
            Part::Text("csrf", &own),
        ],
    );
    assert_eq!(late.status, 403);
    let other = upload(
        &mut ana,
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "good.png", &good),
        ],
    );
    assert_eq!(other.status, 403);
    // The list form too.
    let list = ana.post_form(
        "/desk/records/208261/files",
        &pairs(&[("opened", "1"), ("action", "save")]),
    );
    assert_eq!(list.status, 403);
    // Without a session: off to sign in.
    let mut anyone = Client::new(&server);
    let anonymous = upload(
        &mut anyone,
        &[
            Part::Text("csrf", &own),
            Part::File("file", "good.png", &good),
        ],
    );
    assert_eq!(anonymous.status, 303);
    assert_eq!(stored(&mut ana, "208261").1, 1, "nothing was written");
    assert!(f.show_json("208261").get("files").is_none());
}

#[test]
fn the_api_puts_files_with_an_editors_token_and_if_match() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let editor = f.ok(&["token", "create", "ana"]).trim().to_string();
    let viewer = f.ok(&["token", "create", "vic"]).trim().to_string();
    let (p1, p2) = (png(1400, 1800), jpeg(900, 1200));
    let labels = r#"["recto", null]"#;
    let parts = [
        Part::File("file", "p1.png", &p1),
        Part::File("file", "p2.jpg", &p2),
        Part::Text("labels", labels),
        Part::Text("note", "scanned by the API"),
    ];
    let path = "/api/v1/records/208261/files";
    let mut api = Client::new(&server);

    let none = send_multipart(&mut api, "PUT", path, &[("If-Match", "\"1\"")], &parts);
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["error"]["code"], "unauthorized");
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"fonds\"")
    );
    api.bearer = Some(viewer);
    let viewer_put = send_multipart(&mut api, "PUT", path, &[("If-Match", "\"1\"")], &parts);
    assert_eq!(viewer_put.status, 403);
    assert_eq!(viewer_put.json()["error"]["code"], "forbidden");

    api.bearer = Some(editor);
    let ok = send_multipart(&mut api, "PUT", path, &[("If-Match", "\"1\"")], &parts);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.header("etag"), Some("\"2\""));
    let record = ok.json();
    assert_eq!(record["id"], "208261");
    assert_eq!(record["files"][0]["sha256"], fonds::model::sha256_hex(&p1));
    assert_eq!(record["files"][0]["label"], "recto");
    assert!(record["files"][1].get("label").is_none());
    assert_eq!(record["files"][1]["media_type"], "image/jpeg");
    let cli: serde_json::Value =
        serde_json::from_str(&f.ok(&["history", "208261", "--json"])).unwrap();
    assert_eq!(cli[1]["by"], "ana");
    assert_eq!(cli[1]["note"], "scanned by the API");
    assert_eq!(canvases(&server).len(), 2);

    // A stale If-Match: 412, nothing changed.
    let before = f.show_json("208261");
    let stale = send_multipart(
        &mut api,
        "PUT",
        path,
        &[("If-Match", "\"1\"")],
        &[Part::File("file", "p2.jpg", &p2)],
    );
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert_eq!(stale.json()["error"]["code"], "precondition_failed");
    assert_eq!(f.show_json("208261"), before);

    // A refused file: named at its index, with why; nothing changed.
    let bad = send_multipart(
        &mut api,
        "PUT",
        path,
        &[("If-Match", "\"2\"")],
        &[
            Part::File("file", "p1.png", &p1),
            Part::File("file", "scan.jpg", &p1),
        ],
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    let problems = bad.json()["error"]["problems"].clone();
    assert_eq!(problems.as_array().unwrap().len(), 1, "{problems}");
    assert_eq!(problems[0]["field"], "files[1]");
    assert_eq!(problems[0]["record"], "208261");
    let message = problems[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("scan.jpg:") && message.contains("PNG"),
        "{message}"
    );
    assert_eq!(f.show_json("208261"), before);

    // JSON: reorder and relabel among the files stored.
    let shas: Vec<String> = (0..2)
        .map(|i| before["files"][i]["sha256"].as_str().unwrap().to_string())
        .collect();
    let json =
        |body: serde_json::Value| Some(("application/json", serde_json::to_vec(&body).unwrap()));
    let reordered = api.send(
        "PUT",
        path,
        &[("If-Match", "\"2\"")],
        json(serde_json::json!({
            "files": [{"sha256": shas[1], "label": "verso"}, {"sha256": shas[0]}],
            "note": "verso first"
        })),
    );
    assert_eq!(reordered.status, 200, "{}", reordered.body);
    assert_eq!(reordered.header("etag"), Some("\"3\""));
    assert_eq!(reordered.json()["files"][0]["label"], "verso");
    let now = canvases(&server);
    assert_eq!(now[0], ("verso".to_string(), 900));
    assert_eq!(now[1].1, 1400);
    let labels_now: Vec<Option<String>> = files_of(&mut api).into_iter().map(|(_, l)| l).collect();
    assert_eq!(labels_now, [Some("verso".to_string()), None]);

    // A SHA-256 the record does not have: refused, naming its index.
    let unknown = api.send(
        "PUT",
        path,
        &[("If-Match", "\"3\"")],
        json(serde_json::json!({
            "files": [{"sha256": shas[0]}, {"sha256": "0".repeat(64)}]
        })),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    let e = unknown.json();
    assert_eq!(e["error"]["code"], "bad_request");
    assert_eq!(e["error"]["problems"][0]["field"], "files[1].sha256");
    assert_eq!(stored(&mut api, "208261").1, 3);

    // Removing every page.
    let cleared = api.send(
        "PUT",
        path,
        &[("If-Match", "3")],
        json(serde_json::json!({"files": []})),
    );
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert!(cleared.json().get("files").is_none());
    assert_eq!(server.get("/iiif/208261/manifest.json").status, 404);
}

#[test]
fn the_openapi_document_names_the_files_route_with_its_bodies_and_security() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let doc = server.ok("/api/v1/openapi.json").json();
    let put = &doc["paths"]["/api/v1/records/{id}/files"]["put"];
    assert!(put.is_object(), "{}", doc["paths"]);
    assert_eq!(put["security"][0]["api_token"], serde_json::json!([]));
    let content = &put["requestBody"]["content"];
    assert!(
        content["multipart/form-data"]["schema"]["properties"]["file"].is_object(),
        "{content}"
    );
    assert!(
        content["application/json"]["schema"].is_object(),
        "{content}"
    );
    for status in ["200", "400", "401", "403", "412", "413"] {
        assert!(put["responses"][status].is_object(), "{status}");
    }
    assert!(doc["components"]["schemas"]["FilesOrder"]["properties"]["files"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["api_token"]["scheme"],
        "bearer"
    );
}

#[test]
fn a_rights_uri_is_set_in_the_record_form_and_a_bad_one_is_refused_beside_its_field() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut ana = sign_in(&server, "ana", PASSWORD);
    let (seed, revision) = stored(&mut ana, "208261");
    let page = ana.get("/desk/records/208261");
    assert!(page.body.contains("name=\"rights_uri\""));

    let mut bad = form_pairs(&mut ana, &seed, revision);
    set(&mut bad, "rights_uri", "all rights reserved");
    let refused = ana.post_form("/desk/records/208261", &bad);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("<a href=\"#f-rights_uri\">rights_uri</a>: &#34;all rights reserved&#34; is not a rights statement URI")
            || refused.body.contains("<a href=\"#f-rights_uri\">rights_uri</a>: &quot;all rights reserved&quot; is not a rights statement URI"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"all rights reserved\""),
        "kept as sent"
    );
    assert_eq!(stored(&mut ana, "208261").1, 1, "nothing was written");

    let uri = "http://rightsstatements.org/vocab/NoC-US/1.0/";
    let mut good = form_pairs(&mut ana, &seed, revision);
    set(&mut good, "rights_uri", uri);
    let saved = ana.post_form("/desk/records/208261", &good);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(f.show_json("208261")["rights_uri"], uri);
    assert!(
        ana.get("/desk/records/208261")
            .body
            .contains(&format!("value=\"{uri}\""))
    );
}

#[test]
fn a_scan_larger_than_any_other_desk_form_may_be_uploads() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut ana = sign_in(&server, "ana", PASSWORD);
    let (_, csrf, _) = files_forms(&mut ana);
    // An uncompressed TIFF of 36 MB: more than the 32 MiB of the desk's
    // other forms (and axum's default 2 MB).
    let tiff = image_bytes(4000, 3000, [90, 60, 30], ImageFormat::Tiff);
    assert!(tiff.len() > 33 * 1024 * 1024, "{}", tiff.len());
    let reply = send_multipart(
        &mut ana,
        "POST",
        "/desk/records/208261/upload",
        &[],
        &[
            Part::Text("csrf", &csrf),
            Part::Text("opened", "1"),
            Part::File("file", "big.tif", &tiff),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let record = f.show_json("208261");
    assert_eq!(record["files"][0]["media_type"], "image/tiff");
    assert_eq!(record["files"][0]["bytes"], tiff.len());
    let pages = canvases(&server);
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].1, 4000);
}
