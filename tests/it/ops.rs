//! The operator's tools: `fonds backup`, `fonds restore` and `fonds check`,
//! run as the real binary on real SQLite files (and, ignored unless asked
//! for, PostgreSQL), a backup taken while `fonds serve` serves and imports
//! write.

use super::common::{FRUS, Fonds, SEED, Server, demo, synthetic_batch};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF\n";
const OTHER_PDF: &[u8] =
    b"%PDF-1.4\n% another letter\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n9\n%%EOF\n";

fn sha256(bytes: &[u8]) -> String {
    fonds::model::sha256_hex(bytes)
}

/// Attaches `bytes` (a PDF) to record `id` under `name`.
fn attach(f: &Fonds, id: &str, name: &str, bytes: &[u8]) {
    let path = f.path(name);
    std::fs::write(&path, bytes).unwrap();
    f.ok(&["attach", id, path.to_str().unwrap()]);
}

/// Where the data folder keeps a file as attached.
fn blob(f: &Fonds, sha: &str) -> PathBuf {
    f.data().join("files/originals").join(&sha[..2]).join(sha)
}

/// The seed and the FRUS volume, a PDF attached to the seed (revision 2)
/// and another to a FRUS document, and one record purged by an admin.
fn archive() -> Fonds {
    let f = Fonds::new();
    f.import(&[&demo(SEED), &demo(FRUS)]);
    attach(&f, "208261", "208261-letter.pdf", PDF);
    attach(&f, "frus1961-63v06d5", "d5.pdf", OTHER_PDF);
    f.ok(&["purge", "frus1961-63v06d1", "--reason", "a test of purges"]);
    f
}

/// `fonds check`: (exit code, standard output, standard error).
fn check(f: &Fonds) -> (Option<i32>, String, String) {
    let out = f.run(&["check"]);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `fonds check` must fail naming each of `expected` (each on a line of
/// its own); returns its output.
fn check_finds(f: &Fonds, expected: &[&str]) -> String {
    let (code, out, err) = check(f);
    assert_eq!(code, Some(1), "check should fail:\n{out}\n{err}");
    for line in expected {
        assert!(
            out.lines().any(|l| l.contains(line)),
            "check does not say {line:?}:\n{out}"
        );
    }
    let summary = out.lines().last().unwrap();
    assert!(summary.contains(" problem"), "{summary}");
    assert!(err.contains("the check found"), "{err}");
    out
}

/// Runs SQL statements on the archive's SQLite file (no fonds running),
/// its revision bodies turned to text first so that SQL can edit them.
fn sql(f: &Fonds, statements: &[&str]) {
    let path = f.data().join("fonds.sqlite3");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        super::common::sqlite_bodies_as_text(&path).await;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        for statement in statements {
            let done = sqlx::query(sqlx::AssertSqlSafe(*statement))
                .execute(&mut conn)
                .await
                .unwrap();
            assert!(done.rows_affected() > 0, "{statement} changed nothing");
        }
    });
}

/// The newest change-log number of a SQLite archive, read from its file.
fn last_change(f: &Fonds) -> u64 {
    let path = f.data().join("fonds.sqlite3");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true)
            .connect()
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        n as u64
    })
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("backup.json")).unwrap()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A backup taken while `fonds serve` serves and imports run, one after
/// another, restores to an archive whose export (files included) is the
/// source's export at the change the backup says it holds; the restored
/// archive checks clean, its index rebuilt.
#[test]
fn a_backup_taken_while_serving_and_importing_restores_the_archive_at_its_change() {
    let a = Fonds::new();
    a.import(&[&demo(SEED)]);
    attach(&a, "208261", "208261-letter.pdf", PDF);
    let batches: Vec<PathBuf> = (0..6)
        .map(|i| synthetic_batch(&a.path(&format!("batch{i}")), &format!("b{i}"), 400))
        .collect();
    let server = Server::start(&a, &[]);
    // (change position, export) after each write, the first before any
    // import; and when each import ran.
    let mut states = vec![(last_change(&a), a.dump())];
    let mut imports: Vec<(Instant, Instant)> = Vec::new();
    let (started, backup_at) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let (a, batches) = (&a, &batches);
        let importer = scope.spawn(move || {
            let mut states = Vec::new();
            let mut times = Vec::new();
            for (i, batch) in batches.iter().enumerate() {
                tx.send(i).unwrap();
                let start = Instant::now();
                a.import(&[batch]);
                times.push((start, Instant::now()));
                states.push((last_change(a), a.dump()));
            }
            (states, times)
        });
        // The third import has begun: back up now, while it runs and the
        // server serves.
        while rx.recv().unwrap() < 2 {}
        let start = Instant::now();
        let out = a.run(&["backup", a.path("backup").to_str().unwrap()]);
        let end = Instant::now();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("backed up"), "{}", stderr(&out));
        assert!(server.ok("/health").body.starts_with("ok "));
        let (more, times) = importer.join().unwrap();
        states.extend(more);
        imports = times;
        (start, end)
    });
    drop(server);
    // The backup ran while an import did.
    assert!(
        imports.iter().any(|(s, e)| *s < backup_at && started < *e),
        "no import ran during the backup"
    );
    let m = manifest(&a.path("backup"));
    let at = m["change"].as_u64().unwrap();
    assert_eq!(m["backend"], "sqlite");
    assert_eq!(m["files"][0]["sha256"], sha256(PDF));
    assert_eq!(m["files"][0]["bytes"], PDF.len());
    let (first, last) = (states[0].0, states.last().unwrap().0);
    assert!(
        first < at && at < last,
        "the backup holds change {at}: not between the first import's ({first}) and the last's ({last})"
    );
    let expected = &states
        .iter()
        .find(|(position, _)| *position == at)
        .unwrap_or_else(|| {
            panic!(
                "change {at} is no batch's end: {states:?}",
                states = states.iter().map(|s| s.0).collect::<Vec<_>>()
            )
        })
        .1;
    assert!(!a.path("backup/index").exists(), "the index is not copied");

    let r = Fonds::new();
    let out = r.run(&["restore", a.path("backup").to_str().unwrap()]);
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    let records = expected.lines().count() - 1;
    assert!(
        said.contains(&format!(
            "restored {records} records (change {at}) and 1 file"
        )),
        "{said}"
    );
    assert!(said.contains("search index rebuilt"), "{said}");
    assert_eq!(&r.dump(), expected);
    // The file is there, whole, and the index holds every record.
    let files = r.path("with-files");
    r.ok(&["export", "--files", "--out", files.to_str().unwrap()]);
    let copy = files
        .join("files")
        .join(&sha256(PDF)[..2])
        .join(sha256(PDF));
    assert_eq!(std::fs::read(copy).unwrap(), PDF);
    assert_eq!(
        r.search_json("*", 100_000, true)["total"].as_u64(),
        Some(records as u64)
    );
    let (code, out, err) = check(&r);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.starts_with(&format!("ok: {records} records")), "{out}");
}

/// A clean archive checks clean, a purge included: its change-log entries
/// name revisions that are gone, and the audit log explains them.
#[test]
fn check_passes_a_clean_archive_with_a_purge() {
    let f = archive();
    let (code, out, err) = check(&f);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("ok: 120 records, 122 revisions, change log 1..124 (1 purge)"),
        "{out}"
    );
    assert!(out.contains("120 documents"), "{out}");
    assert!(out.contains("2 files"), "{out}");
}

/// A revision whose JSON was altered (its content hash no longer the
/// stored one) and an earlier revision that no longer parses are named.
#[test]
fn check_names_a_corrupted_revision() {
    let f = archive();
    sql(
        &f,
        &[
            "UPDATE revisions SET body = replace(body, '\"title\":\"', '\"title\":\"Altered ')
             WHERE record_id = 'frus1961-63v06d2' AND revision = 1",
            "UPDATE revisions SET body = '{\"id\":\"208261\",' WHERE record_id = '208261'
             AND revision = 1",
        ],
    );
    let out = check_finds(
        &f,
        &[
            "record frus1961-63v06d2 revision 1: content hash",
            "record 208261 revision 1: the stored JSON does not parse",
        ],
    );
    assert_eq!(out.lines().count(), 3, "{out}");
}

/// An index document removed behind the store's back is named.
#[test]
fn check_names_a_missing_index_document() {
    let f = archive();
    {
        use fonds::search::SearchIndex;
        use fonds::search::names::NameAuthority;
        let index = SearchIndex::open(&f.data().join("index"), NameAuthority::default()).unwrap();
        let applied = index.applied_change().unwrap();
        index
            .stage(
                std::iter::empty::<(&fonds::model::Record, u32)>(),
                &["frus1961-63v06d3".to_string()],
            )
            .unwrap();
        index.commit(applied).unwrap();
    }
    let out = check_finds(
        &f,
        &["search index: record frus1961-63v06d3 (revision 1) has no document"],
    );
    assert_eq!(out.lines().count(), 2, "{out}");
}

/// A change-log entry deleted is a hole in the log, and the record it
/// logged is left without an entry.
#[test]
fn check_names_a_gap_in_the_change_log() {
    let f = archive();
    sql(&f, &["DELETE FROM changes WHERE seq = 50"]);
    check_finds(
        &f,
        &[
            "change log: change 50 is missing (between 49 and 51)",
            "no change-log entry",
        ],
    );
}

/// A file gone from the files folder, a file whose bytes changed, and a
/// file no record names are each named.
#[test]
fn check_names_missing_altered_and_orphan_files() {
    let f = archive();
    let (gone, altered) = (sha256(PDF), sha256(OTHER_PDF));
    std::fs::remove_file(blob(&f, &gone)).unwrap();
    std::fs::write(
        blob(&f, &altered),
        b"%PDF-1.4\nnot what was attached\n%%EOF\n",
    )
    .unwrap();
    let orphan = sha256(b"nobody's");
    std::fs::create_dir_all(blob(&f, &orphan).parent().unwrap()).unwrap();
    std::fs::write(blob(&f, &orphan), b"nobody's").unwrap();
    let out = check_finds(
        &f,
        &[
            &format!("file {gone} (named by record 208261): missing"),
            &format!("file {altered} (named by record frus1961-63v06d5): holds other bytes"),
            &format!("file {orphan} (8 bytes): no revision of any record names it"),
        ],
    );
    assert_eq!(out.lines().count(), 4, "{out}");
}

/// Every file of a folder, as (path relative to it, bytes), sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Restore refuses a target that holds an archive or anything else, and a
/// backup that is altered (a file, the store copy) or incomplete (no
/// manifest), writing nothing; a backup refuses a folder that holds
/// something.
#[test]
fn restore_refuses_a_non_empty_target_and_an_altered_backup() {
    let f = archive();
    let backup = f.path("backup");
    f.ok(&["backup", backup.to_str().unwrap()]);
    let again = f.fails(&["backup", backup.to_str().unwrap()]);
    assert!(again.contains("not empty"), "{again}");

    let restore = |into: &Fonds| into.run(&["restore", backup.to_str().unwrap()]);
    // Leaves nothing beside the target either (no half-built folder).
    let nothing_written = |into: &Fonds| {
        let target = into.data();
        assert!(!target.exists(), "{} was made", target.display());
        let left: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restoring"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    };

    // A folder holding an archive: the source's own.
    let before = tree(&f.data());
    let out = restore(&f);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    assert!(tree(&f.data()) == before, "the target changed");
    // A folder holding anything.
    let busy = Fonds::new();
    std::fs::create_dir_all(busy.data()).unwrap();
    std::fs::write(busy.data().join("notes.txt"), "mine").unwrap();
    let out = restore(&busy);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(
        tree(&busy.data()),
        vec![(PathBuf::from("notes.txt"), b"mine".to_vec())]
    );

    // An altered file.
    let target = Fonds::new();
    let copy = backup
        .join("files")
        .join(&sha256(PDF)[..2])
        .join(sha256(PDF));
    std::fs::write(&copy, OTHER_PDF).unwrap();
    let out = restore(&target);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(said.contains("altered or incomplete"), "{said}");
    assert!(said.contains(&format!("file {}", sha256(PDF))), "{said}");
    nothing_written(&target);
    std::fs::write(&copy, PDF).unwrap();
    // An altered store copy (one byte).
    let store = backup.join("fonds.sqlite3");
    let mut bytes = std::fs::read(&store).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&store, &bytes).unwrap();
    let out = restore(&target);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the store:"), "{}", stderr(&out));
    nothing_written(&target);
    bytes[last] ^= 1;
    std::fs::write(&store, &bytes).unwrap();
    // No manifest: cut short.
    std::fs::rename(backup.join("backup.json"), f.path("backup.json")).unwrap();
    let out = restore(&target);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no backup.json"), "{}", stderr(&out));
    nothing_written(&target);
    std::fs::rename(f.path("backup.json"), backup.join("backup.json")).unwrap();

    // Put back, it restores: into a folder that exists but is empty.
    std::fs::create_dir_all(target.data()).unwrap();
    let out = restore(&target);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, out, err) = check(&target);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(target.dump(), f.dump());
}

/// On PostgreSQL a backup copies the files and says plainly that the
/// database is pg_dump's to copy; its restore wants the database named,
/// then rebuilds a node's index and files from it.
#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn a_postgresql_backup_holds_the_files_and_says_to_use_pg_dump() {
    let f = Fonds::on(super::common::Backend::Postgres);
    f.import(&[&demo(SEED), &demo(FRUS)]);
    attach(&f, "208261", "208261-letter.pdf", PDF);
    let backup = f.path("backup");
    let out = f.run(&["backup", backup.to_str().unwrap()]);
    let said = stderr(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("does NOT hold the database"), "{said}");
    assert!(said.contains("pg_dump"), "{said}");
    let m = manifest(&backup);
    assert_eq!(m["backend"], "postgresql");
    assert!(m["store"].is_null());
    assert_eq!(m["files"][0]["sha256"], sha256(PDF));
    assert!(!backup.join("fonds.sqlite3").exists());
    // Without a database to restore into: refused, saying how.
    let sqlite = Fonds::new();
    let err = sqlite.fails(&["restore", backup.to_str().unwrap()]);
    assert!(err.contains("pg_restore"), "{err}");
    assert!(!sqlite.data().exists());
    // A new node on the (restored) database: its files and index.
    let node = f.other_node();
    let out = node.run(&["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, out, err) = check(&node);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(node.dump(), f.dump());
}
