//! The command line as a newcomer meets it (issue 19): search bounds are
//! usage errors (exit code 2) naming the option, never an abort or a panic;
//! a read command pointed at a folder that holds no archive says so and
//! makes nothing; `show` prints each place once.

use super::common::{Backend, Fonds, SEED, demo};
use super::desk::add_user;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `command`, killing it if it has not ended within `limit` (a read
/// command that serves, or one that hangs, fails the test rather than
/// blocking it).
fn run_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fonds runs");
    let started = Instant::now();
    while child.try_wait().expect("waiting for fonds").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("fonds output");
            panic!(
                "{command:?} was still running after {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("fonds output")
}

/// `fonds --data DATA ARGS…` on SQLite, with none of the environment that
/// could point it elsewhere.
fn fonds_at(data: &std::path::Path, args: &[&str]) -> Output {
    run_within(
        Command::new(env!("CARGO_BIN_EXE_fonds"))
            .arg("--data")
            .arg(data)
            .args(args)
            .env_remove("FONDS_DATA")
            .env_remove("FONDS_DATABASE")
            .env_remove("FONDS_FILE_STORE")
            .env_remove("FONDS_FAULT")
            .env_remove("FONDS_BASE_URL"),
        Duration::from_secs(60),
    )
}

#[test]
fn search_bounds_are_usage_errors_naming_the_option() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    // The bounds are the search module's: the web's offset bound, and a
    // limit far beyond a page (a script may list every hit of a search).
    let offset = fonds::search::MAX_OFFSET.to_string();
    let limit = fonds::search::MAX_LIMIT.to_string();
    let (over_offset, over_limit) = (
        (fonds::search::MAX_OFFSET + 1).to_string(),
        (fonds::search::MAX_LIMIT + 1).to_string(),
    );
    assert_eq!(offset, "10000", "the HTTP API's bound");
    for (option, value, bound) in [
        ("--offset", "2147483648", &offset),
        ("--offset", "18446744073709551615", &offset),
        ("--offset", "99999999999999999999999", &offset),
        ("--offset", &over_offset, &offset),
        ("--limit", "2147483648", &limit),
        ("--limit", "18446744073709551615", &limit),
        ("--limit", &over_limit, &limit),
    ] {
        let args = [option, value];
        let out = run_within(
            f.command().args(["search", "Kim"]).args(args),
            Duration::from_secs(60),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "search {args:?} should be a usage error; stderr:\n{err}"
        );
        assert!(
            err.contains(option) && err.contains(bound) && !err.contains("panicked"),
            "search {args:?} should name {option} and its bound {bound}:\n{err}"
        );
        assert!(out.stdout.is_empty(), "search {args:?} printed results");
    }
    // The bounds themselves are allowed.
    let out = f.ok(&["search", "Kim", "--offset", &offset, "--limit", &limit]);
    assert!(out.starts_with("1 records"), "{out}");
    let out = f.ok(&["search", "Kim", "--limit", &limit]);
    assert!(out.contains("208261"), "{out}");
}

/// Every command that only reads, pointed at a folder that holds no archive.
const READ_COMMANDS: [&[&str]; 9] = [
    &["search", "Kim"],
    &["show", "208261"],
    &["export"],
    &["cite", "208261"],
    &["history", "208261"],
    &["reindex"],
    &["user", "list"],
    &["token", "list", "ana"],
    &["serve", "--listen", "127.0.0.1:0"],
];

fn assert_no_archive(out: &Output, data: &std::path::Path, args: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} on a folder without an archive should fail; stdout:\n{}\nstderr:\n{err}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.contains(&format!("no archive at {}", data.display()))
            && err.contains("fonds import FILE")
            && err.contains("fonds serve --demo"),
        "{args:?}: the error should say there is no archive and how to make one:\n{err}"
    );
    assert!(out.stdout.is_empty(), "{args:?} printed results");
}

#[test]
fn read_commands_on_a_missing_data_folder_fail_and_make_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fonds-dta");
    for args in READ_COMMANDS {
        let out = fonds_at(&data, args);
        assert_no_archive(&out, &data, args);
        assert!(!data.exists(), "{args:?} made {}", data.display());
    }
}

#[test]
fn read_commands_on_a_folder_without_an_archive_leave_it_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("elsewhere");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("notes.txt"), "not an archive").unwrap();
    for args in READ_COMMANDS {
        let out = fonds_at(&data, args);
        assert_no_archive(&out, &data, args);
        let left: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            ["notes.txt"],
            "{args:?} wrote into {}",
            data.display()
        );
    }
}

#[test]
fn write_commands_still_make_the_archive() {
    // `import`.
    let f = Fonds::new();
    assert!(!f.data().exists());
    f.import(&[&demo(SEED)]);
    assert!(f.ok(&["search", "Kim"]).contains("208261"));
    // `user add`, before any record.
    let g = Fonds::new();
    add_user(&g, "ana", "editor");
    assert!(g.data().exists());
    assert!(g.ok(&["user", "list"]).starts_with("ana\teditor"));
    assert!(g.ok(&["search", "*"]).starts_with("0 records"));
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn a_read_on_a_new_node_of_a_shared_database_builds_its_folder_on_postgres() {
    let node1 = Fonds::on(Backend::Postgres);
    node1.import(&[&demo(SEED)]);
    let node2 = node1.other_node();
    assert!(!node2.data().exists());
    assert!(node2.ok(&["search", "Kim"]).contains("208261"));
    assert!(node2.data().join("index").exists());
}

#[test]
fn show_prints_each_place_once() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    let out = f.ok(&["show", "208261"]);
    let places: Vec<&str> = out.lines().filter(|l| l.starts_with("Places")).collect();
    assert_eq!(places.len(), 1, "{out}");
    let names = places[0].trim_start_matches("Places").trim();
    assert_eq!(names, "Pyongyang", "{out}");
}
