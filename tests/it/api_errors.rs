//! Every refusal of the JSON API is the one JSON envelope, with a status its
//! OpenAPI document lists and bounds the document states (issue 19, item
//! 11); and the public dump is a file made once per state of the archive,
//! served with its ETag, 304s and byte ranges (item 8). Over a real
//! `fonds serve` on loopback.

use super::common::{Fonds, Reply, Server, header, synthetic_batch};
use super::desk::{Client, archive};
use serde_json::Value;

/// A client holding an editor's API token.
fn editor(f: &Fonds, server: &Server) -> Client {
    let token = f.ok(&["token", "create", "ana"]).trim().to_string();
    let mut client = Client::new(server);
    client.bearer = Some(token);
    client
}

/// Asserts that `reply` is the envelope with this status and code, served
/// as JSON; gives its message.
#[track_caller]
fn envelope(reply: &Reply, status: u16, code: &str) -> String {
    assert_eq!(reply.status, status, "{}", reply.body);
    let content_type = reply.header("content-type").unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "{status} {code} served as {content_type:?}: {}",
        reply.body
    );
    let body: Value = serde_json::from_str(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", reply.body));
    assert_eq!(body["error"]["status"], status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"].as_str().unwrap_or("").to_string()
}

#[test]
fn query_strings_out_of_bounds_are_refused_in_the_envelope() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut anyone = Client::new(&server);

    // Axum's own refusal of a negative number was plain text.
    let message = envelope(&anyone.get("/api/v1/records?limit=-1"), 400, "bad_request");
    assert!(message.contains("limit"), "{message}");
    // Out of 1..=500: refused, never clamped (limit=0 gave a record).
    for limit in ["0", "501", "abc", ""] {
        let reply = anyone.get(&format!("/api/v1/records?limit={limit}"));
        let message = envelope(&reply, 400, "bad_request");
        assert!(message.contains("1 to 500"), "limit={limit}: {message}");
    }
    assert_eq!(
        anyone.get("/api/v1/records?limit=1").json()["records"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(anyone.get("/api/v1/records?limit=500").status, 200);

    // An unknown order was silently relevance.
    let message = envelope(
        &anyone.get("/api/v1/search?q=*&sort=bogus"),
        400,
        "bad_request",
    );
    assert!(
        message.contains("relevance, date or date-desc"),
        "{message}"
    );
    for sort in ["relevance", "date", "date-desc"] {
        let reply = anyone.get(&format!("/api/v1/search?q=*&sort={sort}"));
        assert_eq!(reply.status, 200, "sort={sort}: {}", reply.body);
    }
    // Beyond what the document states: refused, not clamped.
    envelope(
        &anyone.get("/api/v1/search?q=*&limit=101"),
        400,
        "bad_request",
    );
    envelope(
        &anyone.get("/api/v1/search?q=*&limit=-1"),
        400,
        "bad_request",
    );
    envelope(
        &anyone.get("/api/v1/search?q=*&offset=10001"),
        400,
        "bad_request",
    );
    assert_eq!(
        anyone
            .get("/api/v1/search?q=*&limit=100&offset=10000")
            .status,
        200
    );
    // Facets take the query and filters only: a search's paging is no
    // reason to refuse them.
    assert_eq!(anyone.get("/api/v1/facets?q=*&offset=20000").status, 200);
    envelope(&anyone.get("/api/v1/facets"), 400, "bad_request");

    // A path that is not UTF-8, a method the address does not take.
    envelope(&anyone.get("/api/v1/records/%FF"), 400, "bad_request");
    let reply = anyone.send("DELETE", "/api/v1/records", &[], None);
    envelope(&reply, 405, "method_not_allowed");
    let allow = reply.header("allow").unwrap_or("");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow:?}");
    envelope(&anyone.get("/api/v1/nothing-here"), 404, "not_found");
}

#[test]
fn bodies_that_cannot_be_read_are_refused_in_the_envelope() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let mut ana = editor(&f, &server);
    let json = |text: &str| Some(("application/json", text.as_bytes().to_vec()));

    let reply = ana.send("PUT", "/api/v1/records/208261", &[], json("{\"id\": "));
    let message = envelope(&reply, 400, "bad_request");
    assert!(message.contains("not a record"), "{message}");
    let reply = ana.send("PUT", "/api/v1/records/208261", &[], json("null"));
    envelope(&reply, 400, "bad_request");
    let reply = ana.send(
        "PUT",
        "/api/v1/records/208261",
        &[("If-Match", "seven")],
        json("{}"),
    );
    let message = envelope(&reply, 400, "bad_request");
    assert!(message.contains("If-Match"), "{message}");
    let reply = ana.send(
        "POST",
        "/api/v1/records",
        &[],
        Some(("application/x-ndjson", b"{\"id\": \n".to_vec())),
    );
    envelope(&reply, 400, "bad_request");
    let reply = ana.send(
        "PUT",
        "/api/v1/records/208261/files",
        &[],
        json("{\"files\": 3}"),
    );
    envelope(&reply, 400, "bad_request");

    // Beyond the 64 MiB a write takes: axum's refusal was plain text.
    let huge = vec![b' '; 64 * 1024 * 1024 + 1];
    let reply = ana.send(
        "PUT",
        "/api/v1/records/208261",
        &[],
        Some(("application/json", huge.clone())),
    );
    envelope(&reply, 413, "payload_too_large");
    let reply = ana.send(
        "POST",
        "/api/v1/records",
        &[],
        Some(("application/x-ndjson", huge)),
    );
    envelope(&reply, 413, "payload_too_large");
}

#[test]
fn the_document_describes_the_record_every_status_and_every_bound() {
    let f = archive();
    let server = Server::start(&f, &[]);
    let doc = server.ok("/api/v1/openapi.json").json();

    // The record, field by field (it was `{}`).
    let record = &doc["components"]["schemas"]["Record"];
    for field in [
        "id",
        "title",
        "date",
        "texts",
        "visibility",
        "provenance",
        "type",
    ] {
        assert!(
            record["properties"][field].is_object(),
            "Record.{field}: {record}"
        );
    }
    assert_eq!(
        record["additionalProperties"], false,
        "unknown fields are refused"
    );
    // Unsigned numbers with the bounds the server reads (utoipa's int64
    // format alone would say half of them).
    let bytes = &doc["components"]["schemas"]["DigitalObject"]["properties"]["bytes"];
    assert_eq!(bytes["minimum"].as_u64(), Some(0), "{bytes}");
    assert_eq!(bytes["maximum"].as_u64(), Some(u64::MAX), "{bytes}");
    assert!(bytes.get("format").is_none(), "{bytes}");
    let date = &doc["components"]["schemas"]["RecordDate"]["properties"];
    for field in ["edtf", "display", "earliest", "latest"] {
        assert!(date[field].is_object(), "RecordDate.{field}");
    }
    let body = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            ["$ref"]
            .clone()
    };
    assert_eq!(
        body("/api/v1/records/{id}", "get", "200"),
        "#/components/schemas/Record"
    );
    assert_eq!(
        body("/api/v1/records/{id}/files", "put", "200"),
        "#/components/schemas/Record"
    );
    let put_body = &doc["paths"]["/api/v1/records/{id}"]["put"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(put_body, "#/components/schemas/Record");

    // Every status an operation can answer, each as the envelope.
    let operations = [
        ("/api/v1/records", "get", &["400", "401", "500"][..]),
        (
            "/api/v1/records/{id}",
            "get",
            &["400", "401", "404", "410", "500"],
        ),
        ("/api/v1/search", "get", &["400", "401", "500"]),
        ("/api/v1/facets", "get", &["400", "401", "500"]),
        (
            "/api/v1/records/{id}",
            "put",
            &["400", "401", "403", "409", "412", "413", "500", "503"],
        ),
        (
            "/api/v1/records",
            "post",
            &["400", "401", "403", "409", "413", "500", "503"],
        ),
        (
            "/api/v1/records/{id}/files",
            "put",
            &[
                "400", "401", "403", "404", "409", "412", "413", "500", "503",
            ],
        ),
    ];
    for (path, method, statuses) in operations {
        for status in statuses {
            assert_eq!(
                body(path, method, status),
                "#/components/schemas/ErrorEnvelope",
                "{method} {path} {status}"
            );
        }
    }

    // Bounds, as the handlers check them.
    let parameter = |path: &str, name: &str| -> Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} has no {name}"))["schema"]
            .clone()
    };
    let limit = parameter("/api/v1/records", "limit");
    assert_eq!(
        (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
        (Some(1), Some(500))
    );
    let limit = parameter("/api/v1/search", "limit");
    assert_eq!(
        (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
        (Some(0), Some(100))
    );
    let offset = parameter("/api/v1/search", "offset");
    assert_eq!(offset["maximum"].as_u64(), Some(10_000));
    let sort = parameter("/api/v1/search", "sort");
    let sort = &doc["components"]["schemas"][sort["$ref"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("#/components/schemas/")];
    assert_eq!(
        sort["enum"],
        serde_json::json!(["relevance", "date", "date-desc"])
    );
}

/// GET with headers, as bytes.
fn get(
    server: &Server,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    server.raw("GET", path, headers)
}

#[test]
fn the_dump_is_a_file_per_change_with_etag_304_and_ranges() {
    let f = archive();
    let server = Server::start(&f, &[]);
    const DUMP: &str = "/dump/records.jsonl.gz";

    let (status, first, whole) = get(&server, DUMP, &[]);
    assert_eq!(status, 200);
    let etag = header(&first, "etag")
        .expect("the dump has an ETag")
        .to_string();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );
    assert!(header(&first, "last-modified").is_some());
    assert_eq!(header(&first, "accept-ranges"), Some("bytes"));
    assert_eq!(header(&first, "content-type"), Some("application/gzip"));
    let built: Vec<_> = std::fs::read_dir(f.data().join("dump"))
        .expect("the dump is a file in the data folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl.gz"))
        .collect();
    assert_eq!(built.len(), 1, "{built:?}");

    // The same state: the same file, the same tag.
    let (status, second, again) = get(&server, DUMP, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&second, "etag"), Some(etag.as_str()));
    assert_eq!(again, whole);

    // Revalidation, and a resumed download.
    let (status, _, body) = get(&server, DUMP, &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(body.is_empty());
    let (status, part, body) = get(&server, DUMP, &[("Range", "bytes=10-109")]);
    assert_eq!(status, 206);
    assert_eq!(
        header(&part, "content-range"),
        Some(format!("bytes 10-109/{}", whole.len()).as_str())
    );
    assert_eq!(body, whole[10..110]);
    let (status, _, body) = get(&server, DUMP, &[("Range", "bytes=-5")]);
    assert_eq!((status, body.as_slice()), (206, &whole[whole.len() - 5..]));
    let (status, _, body) = get(
        &server,
        DUMP,
        &[("Range", "bytes=0-9"), ("If-Range", "\"an older tag\"")],
    );
    assert_eq!(
        (status, body.len()),
        (200, whole.len()),
        "If-Range no longer holds"
    );
    let past = format!("bytes={}-", whole.len());
    let (status, refused, _) = get(&server, DUMP, &[("Range", &past)]);
    assert_eq!(status, 416);
    assert_eq!(
        header(&refused, "content-range"),
        Some(format!("bytes */{}", whole.len()).as_str())
    );

    // Several at once share one file.
    let tags: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| get(&server, DUMP, &[])))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let (status, headers, body) = h.join().unwrap();
                assert_eq!((status, body.len()), (200, whole.len()));
                header(&headers, "etag").unwrap().to_string()
            })
            .collect()
    });
    assert!(tags.iter().all(|t| *t == etag), "{tags:?}");

    // An import (another process) changes the archive: a new file and tag.
    let batch = synthetic_batch(&f.path("more"), "more", 2);
    f.import(&[&batch]);
    let (status, third, newer) = get(&server, DUMP, &[("If-None-Match", &etag)]);
    assert_eq!(status, 200, "the old tag no longer matches");
    let new_etag = header(&third, "etag").unwrap();
    assert_ne!(new_etag, etag);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&newer[..]), &mut text)
        .unwrap();
    assert!(text.contains("\"id\":\"more"), "the new records are in it");
    let built: Vec<_> = std::fs::read_dir(f.data().join("dump"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl.gz"))
        .collect();
    assert_eq!(built.len(), 1, "the older file is removed: {built:?}");
}
