//! The JSON Lines dump: export → import into an empty archive → export gives
//! the same bytes; bad dumps are refused.

use super::common::{FRUS, Fonds, SEED, demo, on_both_backends};

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
