//! What the server tells its operator (issue 19): a request id on every
//! answer and in the log's line for it, and `/metrics` in Prometheus's text
//! format for admins only, against a real `fonds serve` on loopback.

use super::common::{Fonds, Server, demo, synthetic_batch};
use super::desk::add_user;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The demo records (Wilson and FRUS), one of them a draft; its id.
fn archive_with_a_draft() -> (Fonds, String) {
    let source = Fonds::new();
    source.import(&[&demo("wilson"), &demo("frus")]);
    let published = "{\"status\":\"published\"}";
    let dump = source.dump();
    let f = Fonds::new();
    let mut draft = None;
    let lines: Vec<String> = dump
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = record["id"].as_str().unwrap_or_default();
            // Any record but the seed, which the tests read.
            if draft.is_none() && id != "208261" && line.contains(published) {
                draft = Some(id.to_string());
                line.replacen(published, "{\"status\":\"draft\"}", 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    std::fs::write(f.path("d.jsonl"), lines.join("\n") + "\n").unwrap();
    f.import(&[&f.path("d.jsonl")]);
    (f, draft.expect("a published record to make a draft of"))
}

/// `fonds token create USER`'s token.
fn token(f: &Fonds, user: &str) -> String {
    let out = f.ok(&["token", "create", user, "--label", "prometheus"]);
    out.trim().to_string()
}

/// `fonds serve` with its log in a file and extra environment; the log's
/// path.
fn serve_logging(f: &Fonds, env: &[(&str, &str)]) -> (Server, std::path::PathBuf) {
    let log_path = f.path("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut command = f.command();
    command
        .env_remove("FONDS_LOG")
        .env_remove("FONDS_LOG_FORMAT");
    for (k, v) in env {
        command.env(k, v);
    }
    (Server::start_logging(&mut command, &[], log), log_path)
}

fn request_id(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-request-id"))
        .map(|(_, v)| v.as_str())
}

fn is_fresh_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn every_answer_carries_a_request_id_and_only_a_plain_incoming_one_is_kept() {
    let f = Fonds::new();
    f.import(&[&demo("wilson/208261.md")]);
    let server = Server::start(&f, &[]);
    let mut seen = Vec::new();
    // Pages, the API, shared files, a refusal, the fallback, /metrics.
    for path in [
        "/",
        "/records/208261",
        "/api/v1/records/208261",
        "/api/v1/records/nope",
        "/health",
        "/robots.txt",
        "/no/such/page",
        "/metrics",
    ] {
        let (status, headers, _) = server.raw("GET", path, &[]);
        let id = request_id(&headers).unwrap_or_else(|| panic!("GET {path} ({status}): no id"));
        assert!(is_fresh_id(id), "GET {path}: {id:?}");
        seen.push(id.to_string());
    }
    let before = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), before, "each request has its own id");

    for kept in ["scrape-42.a", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"] {
        let (_, headers, _) = server.raw("GET", "/records/208261", &[("x-request-id", kept)]);
        assert_eq!(request_id(&headers), Some(kept));
    }
    let long = "a".repeat(65);
    for unsafe_id in [
        long.as_str(),
        "a\tb",
        "two words",
        "quote\"d",
        "über",
        "x;y",
    ] {
        let (status, headers, _) =
            server.raw("GET", "/records/208261", &[("x-request-id", unsafe_id)]);
        assert_eq!(status, 200);
        let id = request_id(&headers).expect("an id");
        assert!(is_fresh_id(id), "{unsafe_id:?} was answered as {id:?}");
    }
}

#[test]
fn the_log_has_a_line_per_request_with_its_id_route_and_status_and_no_secret() {
    let (f, _) = archive_with_a_draft();
    add_user(&f, "root", "admin");
    let admin = token(&f, "root");
    // Everything at debug, dependencies too: still no secret.
    let (server, log_path) = serve_logging(&f, &[("FONDS_LOG", "debug,tantivy=info")]);
    server.raw(
        "GET",
        "/records/208261",
        &[("x-request-id", "telemetry-page-1")],
    );
    server.raw(
        "GET",
        "/records/no-such-record",
        &[("x-request-id", "telemetry-page-2")],
    );
    server.raw(
        "GET",
        "/search?q=zanzibarquery",
        &[("x-request-id", "telemetry-search")],
    );
    let bearer = format!("Bearer {admin}");
    let (status, ..) = server.raw(
        "GET",
        "/metrics",
        &[
            ("x-request-id", "telemetry-metrics"),
            ("authorization", &bearer),
            ("cookie", "fonds_session=not-a-session-cookie-value"),
        ],
    );
    assert_eq!(status, 200);
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    let line = |id: &str| {
        log.lines()
            .find(|l| l.contains(&format!("request_id={id}")) && l.contains("answered"))
            .unwrap_or_else(|| panic!("no line for {id}:\n{log}"))
            .to_string()
    };
    for (id, status) in [("telemetry-page-1", 200), ("telemetry-page-2", 404)] {
        let line = line(id);
        assert!(line.contains("route=/records/{id}"), "{line}");
        assert!(line.contains(&format!("status={status}")), "{line}");
        assert!(line.contains("method=GET"), "{line}");
        assert!(line.contains("latency_ms="), "{line}");
    }
    assert!(line("telemetry-page-1").contains("path=/records/208261"));
    assert!(line("telemetry-search").contains("route=/search"));
    assert!(line("telemetry-metrics").contains("status=200"));
    // No query string, no credential.
    for secret in [
        "zanzibarquery",
        admin.as_str(),
        "not-a-session-cookie-value",
        "Bearer",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}

#[test]
fn json_lines_carry_the_request_id_route_and_status() {
    let f = Fonds::new();
    f.import(&[&demo("wilson/208261.md")]);
    let (server, log_path) = serve_logging(&f, &[("FONDS_LOG_FORMAT", "json")]);
    server.raw(
        "GET",
        "/records/208261",
        &[("x-request-id", "telemetry-json-1")],
    );
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "telemetry-json-1")
        .unwrap_or_else(|| panic!("no line for the request:\n{log}"));
    assert_eq!(answered["fields"]["message"], "answered");
    assert_eq!(answered["fields"]["status"], 200);
    assert_eq!(answered["span"]["route"], "/records/{id}");
    assert_eq!(answered["level"], "INFO");
}

#[test]
fn an_internal_error_is_logged_with_the_request_id_and_not_answered() {
    let (f, _) = super::iiif::seed_with_scan();
    let (server, log_path) = serve_logging(&f, &[]);
    // The stored files vanish: the download is the server's own failure.
    std::fs::remove_dir_all(f.data().join("files")).unwrap();
    let (status, headers, body) = server.raw(
        "GET",
        "/records/208261/files/1",
        &[("x-request-id", "telemetry-broken")],
    );
    assert_eq!(status, 500);
    assert_eq!(request_id(&headers), Some("telemetry-broken"));
    let body = String::from_utf8_lossy(&body);
    assert!(!body.contains("no stored object"), "{body}");
    drop(server);
    let log = std::fs::read_to_string(&log_path).unwrap();
    let error = log
        .lines()
        .find(|l| l.contains("ERROR") && l.contains("no stored object"))
        .unwrap_or_else(|| panic!("no error line:\n{log}"));
    assert!(error.contains("request_id=telemetry-broken"), "{error}");
    assert!(
        error.contains("route=/records/{id}/files/{page}"),
        "{error}"
    );
}

/// One sample of a scrape: name, labels, value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Prometheus's text format (0.0.4), parsed by hand: `# HELP`/`# TYPE`
/// lines are checked for shape, every other line is a sample. Panics on
/// anything else.
fn parse_metrics(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut typed = std::collections::HashSet::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            let kind = words.next().unwrap();
            let name = words.next().unwrap_or_else(|| panic!("{line}"));
            assert!(valid_name(name), "{line}");
            match kind {
                "HELP" => {}
                "TYPE" => {
                    let t = words.next().unwrap_or_else(|| panic!("{line}"));
                    assert!(
                        [
                            "counter",
                            "gauge",
                            "histogram",
                            "summary",
                            "untyped",
                            "info"
                        ]
                        .contains(&t),
                        "{line}"
                    );
                    assert!(typed.insert(name.to_string()), "typed twice: {line}");
                }
                _ => panic!("unknown comment {line}"),
            }
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..name_end];
        assert!(valid_name(name), "{line}");
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(after) = rest.strip_prefix('{') {
            let mut chars = after.char_indices().peekable();
            let end;
            loop {
                // key="value",
                let Some(&(start, c)) = chars.peek() else {
                    panic!("unclosed labels: {line}")
                };
                if c == '}' {
                    end = start + 1;
                    break;
                }
                let mut key = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '=' {
                        break;
                    }
                    key.push(c);
                }
                assert!(valid_name(&key), "label {key:?}: {line}");
                assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().map(|(_, c)| c) {
                        Some('\\') => match chars.next().map(|(_, c)| c) {
                            Some('n') => value.push('\n'),
                            Some(c @ ('\\' | '"')) => value.push(c),
                            other => panic!("escape {other:?}: {line}"),
                        },
                        Some('"') => break,
                        Some(c) => value.push(c),
                        None => panic!("unclosed value: {line}"),
                    }
                }
                assert!(labels.insert(key, value).is_none(), "{line}");
                if let Some(&(_, ',')) = chars.peek() {
                    chars.next();
                }
            }
            rest = &after[end..];
        }
        let value = rest
            .trim()
            .split(' ')
            .next()
            .unwrap_or_else(|| panic!("{line}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|e| panic!("{v:?} ({e}): {line}")),
        };
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    samples
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The one sample of `name` with exactly these labels (none: no labels).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let found: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == name && s.labels == want)
        .map(|s| s.value)
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} twice");
    found.first().copied()
}

fn scrape(server: &Server, token: &str) -> Vec<Sample> {
    let bearer = format!("Bearer {token}");
    let (status, headers, body) = server.raw("GET", "/metrics", &[("authorization", &bearer)]);
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{body}");
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        content_type,
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    parse_metrics(&body)
}

const RECORD_ROUTE: &str = "/records/{id}";

fn record_requests(samples: &[Sample], status: &str) -> f64 {
    let labels = [
        ("route", RECORD_ROUTE),
        ("method", "GET"),
        ("status", status),
    ];
    value(samples, "fonds_http_requests_total", &labels).unwrap_or(0.0)
}

#[test]
fn metrics_are_for_admins_and_count_requests_latencies_the_store_and_the_index() {
    let (f, draft) = archive_with_a_draft();
    add_user(&f, "root", "admin");
    add_user(&f, "ed", "editor");
    let admin = token(&f, "root");
    let editor = token(&f, "ed");
    let server = Server::start(&f, &[]);

    // Anyone: refused in the API's envelope, with nothing of the store.
    let (status, headers, body) = server.raw("GET", "/metrics", &[]);
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 401, "{body}");
    let envelope: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(envelope["error"]["code"], "unauthorized");
    assert!(
        headers
            .iter()
            .any(|(n, v)| n == "www-authenticate" && v.starts_with("Bearer"))
    );
    for anonymous in [body.as_str(), &server.ok("/health").body] {
        assert!(!anonymous.contains("121"), "{anonymous}");
        assert!(!anonymous.contains("fonds_records"), "{anonymous}");
        assert!(!anonymous.contains(&draft), "{anonymous}");
    }
    assert_eq!(server.ok("/health").body, "ok 120 records\n");
    let (status, _, body) = server.raw("GET", "/metrics", &[("authorization", "Bearer nope")]);
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&body));
    let editor_bearer = format!("Bearer {editor}");
    let (status, _, body) = server.raw("GET", "/metrics", &[("authorization", &editor_bearer)]);
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("fonds_records"), "{body}");

    // An admin: the requests made, exactly.
    let before = scrape(&server, &admin);
    for _ in 0..5 {
        server.ok("/records/208261");
    }
    for _ in 0..2 {
        assert_eq!(server.get("/records/no-such-record").status, 404);
    }
    assert_eq!(server.get(&format!("/records/{draft}")).status, 404);
    let after = scrape(&server, &admin);
    assert_eq!(
        record_requests(&after, "2xx") - record_requests(&before, "2xx"),
        5.0
    );
    assert_eq!(
        record_requests(&after, "4xx") - record_requests(&before, "4xx"),
        3.0
    );
    // No sample is labelled with a raw path.
    assert!(
        after
            .iter()
            .all(|s| s.labels.get("route").is_none_or(|r| !r.contains("208261"))),
        "a raw path as a label"
    );

    // The latency histogram: cumulative buckets, +Inf = count = requests.
    let labels = |s: &Sample| {
        s.labels.get("route").map(String::as_str) == Some(RECORD_ROUTE)
            && s.labels.get("method").map(String::as_str) == Some("GET")
            && s.labels.get("status").map(String::as_str) == Some("2xx")
    };
    let mut buckets: Vec<(f64, f64)> = after
        .iter()
        .filter(|s| s.name == "fonds_http_request_duration_seconds_bucket" && labels(s))
        .map(|s| (s.labels["le"].parse::<f64>().unwrap(), s.value))
        .collect();
    assert!(buckets.len() > 5, "{buckets:?}");
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        buckets.windows(2).all(|w| w[0].1 <= w[1].1),
        "buckets are cumulative: {buckets:?}"
    );
    let (last_bound, all) = *buckets.last().unwrap();
    assert_eq!(last_bound, f64::INFINITY);
    let count = after
        .iter()
        .find(|s| s.name == "fonds_http_request_duration_seconds_count" && labels(s))
        .expect("a count")
        .value;
    assert_eq!(all, count);
    assert_eq!(count, record_requests(&after, "2xx"));
    let sum = after
        .iter()
        .find(|s| s.name == "fonds_http_request_duration_seconds_sum" && labels(s))
        .expect("a sum")
        .value;
    assert!(sum > 0.0 && sum < 60.0, "{sum}");

    // The store and the index.
    let gauge = |samples: &[Sample], name: &str| {
        value(samples, name, &[]).unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(gauge(&after, "fonds_records"), 121.0, "drafts included");
    assert_eq!(gauge(&after, "fonds_public_records"), 120.0);
    assert_eq!(gauge(&after, "fonds_index_lag_changes"), 0.0);
    assert_eq!(
        gauge(&after, "fonds_store_last_change"),
        gauge(&after, "fonds_index_applied_change")
    );
    assert_eq!(gauge(&after, "fonds_import_batches"), 1.0);
    assert_eq!(gauge(&after, "fonds_import_revisions"), 121.0);
    let sqlite = std::fs::metadata(f.data().join("fonds.sqlite3"))
        .unwrap()
        .len() as f64;
    assert!(gauge(&after, "fonds_store_sqlite_bytes") >= sqlite);
    assert!(gauge(&after, "process_start_time_seconds") > 1.6e9);
    assert!(gauge(&after, "process_resident_memory_bytes") > 1e6);
    assert!(
        value(
            &after,
            "fonds_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ) == Some(1.0)
    );

    // An import by another process: followed, and counted.
    let batch = synthetic_batch(&f.path("later"), "later", 3);
    f.import(&[Path::new(&batch)]);
    let started = std::time::Instant::now();
    let followed = loop {
        let now = scrape(&server, &admin);
        if gauge(&now, "fonds_index_lag_changes") == 0.0 && gauge(&now, "fonds_records") == 124.0 {
            break now;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the index did not follow the import"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(gauge(&followed, "fonds_import_batches"), 2.0);
    assert_eq!(gauge(&followed, "fonds_import_revisions"), 124.0);
    assert_eq!(gauge(&followed, "fonds_public_records"), 123.0);
}

#[test]
fn a_bad_log_setting_is_refused_by_name_and_the_log_never_touches_standard_output() {
    let f = Fonds::new();
    f.import(&[&demo("wilson/208261.md")]);
    let run = |env: &[(&str, &str)]| {
        let mut command: Command = f.command();
        command
            .env_remove("FONDS_LOG")
            .env_remove("FONDS_LOG_FORMAT");
        for (k, v) in env {
            command.env(k, v);
        }
        command.args(["show", "208261", "--json"]).output().unwrap()
    };
    for (env, named) in [
        (("FONDS_LOG", "fonds=loud"), "FONDS_LOG"),
        (("FONDS_LOG_FORMAT", "xml"), "FONDS_LOG_FORMAT"),
    ] {
        let out = run(&[env]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{env:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(named), "{err}");
        assert!(out.stdout.is_empty());
    }
    let quiet = run(&[]);
    let loud = run(&[("FONDS_LOG", "trace"), ("FONDS_LOG_FORMAT", "json")]);
    assert!(quiet.status.success() && loud.status.success());
    assert_eq!(quiet.stdout, loud.stdout);
}
