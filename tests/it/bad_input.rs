//! Bad input is refused with an error naming the file (and line, record,
//! field where known), a non-zero exit, and an untouched store.

use super::common::{FRUS, Fonds, SEED, demo, on_both_backends};
use std::path::{Path, PathBuf};

/// A store holding the seed, and its dump before the bad import.
pub(super) fn seeded() -> (Fonds, String) {
    seeded_in(Fonds::new())
}

fn seeded_in(f: Fonds) -> (Fonds, String) {
    f.import(&[&demo(SEED)]);
    let dump = f.dump();
    (f, dump)
}

/// Imports `paths`, expects refusal, checks the store is unchanged, and
/// returns stderr.
pub(super) fn refused(f: &Fonds, before: &str, paths: &[&Path]) -> String {
    let mut args = vec!["import"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let err = f.fails(&args);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(f.dump(), before, "the store changed after a refused import");
    err
}

pub(super) fn write(f: &Fonds, name: &str, bytes: &[u8]) -> PathBuf {
    let path = f.path(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

pub(super) fn seed_text() -> String {
    std::fs::read_to_string(demo(SEED)).unwrap()
}

#[test]
fn a_record_without_a_title_is_refused() {
    let (f, before) = seeded();
    let text = seed_text().replacen(
        "**Telephone Message via VCh, Kim Il Sung to  \nGeneralissimo Iosif Vissarionovich Stalin**",
        "****",
        1,
    );
    let bad = write(&f, "untitled.md", text.as_bytes());
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("untitled.md:3"), "{err}");
    assert!(err.contains("field `title`"), "{err}");
}

#[test]
fn a_record_without_a_citation_is_refused() {
    let (f, before) = seeded();
    let text = seed_text();
    let start = text.find("**Citation:**").unwrap();
    let end = text.find("**Summary:**").unwrap();
    let bad = write(
        &f,
        "uncited.md",
        format!("{}{}", &text[..start], &text[end..]).as_bytes(),
    );
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("uncited.md:"), "{err}");
    assert!(err.contains("field `citation`"), "{err}");
}

on_both_backends! {
fn a_good_file_beside_a_bad_one_is_not_written_either(f: Fonds) {
    let (f, before) = seeded_in(f);
    let bad = write(&f, "bad.md", b"**1948**  \n**x**\n\nno sections here");
    let err = refused(&f, &before, &[&demo(FRUS), &bad]);
    assert!(err.contains("bad.md"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
}
}

#[test]
fn truncated_xml_is_refused() {
    let (f, before) = seeded();
    let full = std::fs::read_to_string(demo(FRUS)).unwrap();
    let bad = write(&f, "truncated.xml", &full.as_bytes()[..200_000]);
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("truncated.xml:"), "{err}");
    assert!(err.contains("truncated?"), "{err}");
}

#[test]
fn an_entity_bomb_is_refused() {
    let (f, before) = seeded();
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE TEI [\n<!ENTITY a \"aaaaaaaaaa\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "a".to_string()
        } else {
            format!("a{}", i - 1)
        };
        bomb.push_str(&format!(
            "<!ENTITY a{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    bomb.push_str("]>\n<TEI xmlns=\"http://www.tei-c.org/ns/1.0\"><text><body><div type=\"document\" xml:id=\"d1\"><head>&a9;</head></div></body></text></TEI>\n");
    let bad = write(&f, "bomb.xml", bomb.as_bytes());
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("bomb.xml:2"), "{err}");
    assert!(err.contains("DTD"), "{err}");
}

#[test]
fn an_external_entity_is_refused() {
    let (f, before) = seeded();
    let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE TEI [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<TEI xmlns=\"http://www.tei-c.org/ns/1.0\"><text><body><div type=\"document\" xml:id=\"d1\"><head>&xxe;</head></div></body></text></TEI>\n";
    let bad = write(&f, "xxe.xml", xxe.as_bytes());
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("xxe.xml:2") && err.contains("DTD"), "{err}");
    assert!(!err.contains("root:"), "{err}");
}

/// A manifest folder with one good text file and the given rows.
fn manifest(f: &Fonds, rows: &str) -> PathBuf {
    write(f, "batch/text/a.txt", "a text".as_bytes());
    write(
        f,
        "batch/manifest.csv",
        format!("identifier,title,date,language,text\n{rows}").as_bytes(),
    )
}

#[test]
fn a_manifest_path_out_of_its_folder_is_refused() {
    let (f, before) = seeded();
    let m = manifest(
        &f,
        "ok-1,Fine,1950-01-01,en,text/a.txt\nbad-2,Escape,1950-01-02,en,../../etc/passwd\n",
    );
    let err = refused(&f, &before, &[&m]);
    assert!(
        err.contains("manifest.csv:3: record bad-2: field `text`"),
        "{err}"
    );
    assert!(err.contains("leaves the manifest's folder"), "{err}");
    let m = manifest(&f, "bad-3,Absolute,1950-01-02,en,/etc/passwd\n");
    let err = refused(&f, &before, &[&m]);
    assert!(err.contains("absolute path"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_manifest_path_through_a_symbolic_link_out_is_refused() {
    let (f, before) = seeded();
    let m = manifest(&f, "bad-4,Link,1950-01-02,en,text/link.txt\n");
    std::os::unix::fs::symlink("/etc/hostname", f.path("batch/text/link.txt")).unwrap();
    let err = refused(&f, &before, &[&m]);
    assert!(err.contains("out of the manifest's folder"), "{err}");
}

#[test]
fn an_unterminated_csv_quote_is_refused() {
    let (f, before) = seeded();
    let m = manifest(
        &f,
        "ok-1,Fine,1950-01-01,en,text/a.txt\nok-2,\"Never closed,1950-01-02,en,text/a.txt\n",
    );
    let err = refused(&f, &before, &[&m]);
    assert!(err.contains("manifest.csv:3"), "{err}");
    assert!(err.contains("unterminated quote"), "{err}");
}

#[test]
fn a_bad_date_in_a_manifest_names_the_row_and_field() {
    let (f, before) = seeded();
    let m = manifest(&f, "ok-1,Fine,1950-02-30,en,text/a.txt\n");
    let err = refused(&f, &before, &[&m]);
    assert!(
        err.contains("manifest.csv:2: record ok-1: field `date`"),
        "{err}"
    );
}

#[test]
fn invalid_utf8_is_refused() {
    let (f, before) = seeded();
    let mut bytes = seed_text().into_bytes();
    let at = bytes.iter().position(|b| *b == b'K').unwrap();
    bytes[at] = 0xff;
    let bad = write(&f, "latin1.md", &bytes);
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("latin1.md:4: not valid UTF-8"), "{err}");
    // And inside a text file a manifest names.
    write(&f, "batch/text/b.txt", b"caf\xe9\n");
    let m = manifest(&f, "ok-1,Fine,1950-01-01,en,text/b.txt\n");
    let err = refused(&f, &before, &[&m]);
    assert!(
        err.contains("b.txt") && err.contains("not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn an_empty_file_is_refused() {
    let (f, before) = seeded();
    let bad = write(&f, "empty.md", b"");
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("empty.md: file is empty"), "{err}");
}

on_both_backends! {
fn two_sources_claiming_one_identifier_are_refused(f: Fonds) {
    // In one batch: the seed under a second name.
    let (f, before) = seeded_in(f);
    let copy = write(&f, "copy-of-seed.md", seed_text().as_bytes());
    let err = refused(&f, &before, &[&demo(SEED), &copy]);
    assert!(err.contains("record 208261"), "{err}");
    assert!(err.contains("already claimed in this batch"), "{err}");
    // Across batches: a manifest claiming the seed's identifier.
    let m = manifest(&f, "208261,Another document,1950-01-01,en,text/a.txt\n");
    let err = refused(&f, &before, &[&m]);
    assert!(err.contains("record 208261"), "{err}");
    assert!(
        err.contains("already imported from wilson:208261.md"),
        "{err}"
    );
}
}

#[test]
fn a_named_file_of_no_known_format_is_refused() {
    let (f, before) = seeded();
    let bad = write(&f, "notes.txt", b"just some notes\n");
    let err = refused(&f, &before, &[&bad]);
    assert!(err.contains("notes.txt: not a format fonds reads"), "{err}");
}

#[test]
fn a_missing_path_is_refused() {
    let (f, before) = seeded();
    let err = refused(&f, &before, &[Path::new("/nonexistent/fonds/file.md")]);
    assert!(
        err.contains("/nonexistent/fonds/file.md: cannot read"),
        "{err}"
    );
}

/// Runs `fonds import PATH`; fails the test if it has not ended within 30 s
/// (a FIFO read would wait forever).
fn import_within_30s(f: &Fonds, path: &Path) -> std::process::Output {
    let child = f
        .command()
        .arg("import")
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(std::time::Duration::from_secs(30)) {
        Ok(out) => out,
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
            panic!("fonds import {} hung", path.display());
        }
    }
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success());
}

#[test]
fn a_fifo_is_refused_never_waited_on() {
    let (f, before) = seeded();
    // Named by a manifest as a record's text.
    let manifest = manifest(&f, "fifo-1,A pipe,1950-01-01,en,text/pipe.txt\n");
    mkfifo(&f.path("batch/text/pipe.txt"));
    let out = import_within_30s(&f, &manifest);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("pipe.txt") && err.contains("not a regular file"),
        "{err}"
    );
    // Named on the command line.
    let pipe = f.path("named.md");
    mkfifo(&pipe);
    let out = import_within_30s(&f, &pipe);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("named.md") && err.contains("not a regular file"),
        "{err}"
    );
    assert_eq!(f.dump(), before);
}

#[test]
fn dot_and_dot_dot_are_not_identifiers() {
    let (f, before) = seeded();
    let seed_line = before.lines().nth(1).unwrap();
    for id in [".", ".."] {
        let mut record: serde_json::Value = serde_json::from_str(seed_line).unwrap();
        record["id"] = id.into();
        let dump = write(
            &f,
            "dots.jsonl",
            format!("{{\"fonds_dump\":1,\"records\":1}}\n{record}\n").as_bytes(),
        );
        let err = refused(&f, &before, &[&dump]);
        assert!(
            err.contains("dots.jsonl:2") && err.contains("is not an identifier"),
            "{err}"
        );
    }
}

#[test]
fn a_duplicate_identifier_in_a_dump_is_reported_at_its_line_in_the_dump() {
    let (f, before) = seeded();
    let seed_line = before.lines().nth(1).unwrap();
    let dump = write(
        &f,
        "twice.jsonl",
        format!("{{\"fonds_dump\":1,\"records\":2}}\n{seed_line}\n{seed_line}\n").as_bytes(),
    );
    let err = refused(&f, &before, &[&dump]);
    assert!(
        err.contains("twice.jsonl:3"),
        "the dump's own file and line: {err}"
    );
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn a_dump_header_promising_endless_records_is_refused_without_reserving_them() {
    let (f, before) = seeded();
    let seed_line = before.lines().nth(1).unwrap();
    let dump = write(
        &f,
        "huge.jsonl",
        format!("{{\"fonds_dump\":1,\"records\":4000000000000000000}}\n{seed_line}\n").as_bytes(),
    );
    let err = refused(&f, &before, &[&dump]);
    assert!(
        err.contains("huge.jsonl") && err.contains("promises"),
        "{err}"
    );
}
