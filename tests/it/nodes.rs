//! Several nodes, one store: a new node builds its index from the change
//! log, a running node follows it, concurrent imports lose and duplicate
//! nothing, conflicting edits are refused, an import killed with SIGKILL
//! leaves whole batches, and an archive moves between backends unchanged.

use super::common::{
    Backend, FRUS, Fonds, SEED, corpus, corpus_archive, demo, on_both_backends, staff,
    synthetic_batch,
};
use fonds::accounts::Viewer;
use fonds::archive::{Archive, ArchiveError, ImportOptions};
use fonds::store::StoreError;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The number of hits a query has on a node.
fn total(f: &Fonds, query: &str) -> u64 {
    f.search_json(query, 1, true)["total"]
        .as_u64()
        .expect("a total")
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn a_new_node_builds_its_index_from_the_change_log_on_postgres() {
    let node1 = Fonds::on(Backend::Postgres);
    node1.import(&[&demo(SEED), &demo(FRUS)]);
    let node2 = node1.other_node();
    assert!(!node2.data().exists(), "node 2 starts with an empty folder");
    let hits = node2.search_json("Kim Il Sung", 3, false);
    assert_eq!(hits["hits"][0]["id"], "208261", "{hits}");
    assert!(total(&node2, "Khrushchev") > 0);
    let (indexed, stored) = node2.index_and_store_ids();
    assert_eq!(indexed.len(), 121);
    assert_eq!(indexed, stored);
    // A wiped node rebuilds the same way.
    std::fs::remove_dir_all(node2.data()).unwrap();
    assert_eq!(node2.index_and_store_ids().0, stored);
}

/// How soon a record imported through one node must be searchable on every
/// node: the five seconds, for an optimised build (`cargo test
/// --release`, as measured in the README). An unoptimised test build indexes
/// about ten times slower, and CI machines are shared, so it gets more.
const FOLLOW_WITHIN: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(60)
} else {
    Duration::from_secs(5)
};

/// Node 1 and node 2 each follow the change log (as `fonds serve` does);
/// `fonds import` runs through node 1's data folder, whose index node 1
/// owns. Both must find `id` with `query` within [`FOLLOW_WITHIN`] of the
/// import's end.
async fn follow_an_import(import: &Path, query: &str, id: &str) {
    let node1 = Fonds::on(Backend::Postgres);
    let node2 = node1.other_node();
    let a = Archive::open(&node1.config()).await.unwrap();
    let b = Archive::open(&node2.config()).await.unwrap();
    let errors = |node: &'static str| move |e: &ArchiveError| panic!("{node} follower: {e}");
    let _fa = a.follow(Duration::from_secs(2), errors("node 1"));
    let _fb = b.follow(Duration::from_secs(2), errors("node 2"));

    let import = import.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        let out = node1.run(&["import", import.to_str().unwrap()]);
        (node1, out)
    });
    let (_node1, out) = out.await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The command found node 1's index owned and left the indexing to it.
    assert!(stderr.contains("that process indexes them"), "{stderr}");

    let imported = Instant::now();
    let found_by = |archive: &Archive| {
        let request = fonds::search::SearchRequest::new(query, 100);
        archive
            .reader(&Viewer::Anonymous)
            .search(&request)
            .unwrap()
            .hits
            .iter()
            .any(|h| h.id == id)
    };
    while !(found_by(&a) && found_by(&b)) {
        assert!(
            imported.elapsed() < FOLLOW_WITHIN,
            "{id} not searchable on both nodes {FOLLOW_WITHIN:?} after the import \
             (node 1: {}, node 2: {})",
            found_by(&a),
            found_by(&b)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "{id} searchable on both nodes after {:?}",
        imported.elapsed()
    );
    assert_eq!(
        b.index().len(),
        a.reader(&staff()).count().await.unwrap(),
        "node 2 indexes every record"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
async fn a_running_node_follows_an_import_through_another_on_postgres() {
    follow_an_import(
        &demo(FRUS),
        "Khrushchev date:1961-04-30",
        "frus1961-63v06d12",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE) and ../shared/corpus"]
async fn a_running_node_follows_the_speeches_corpus_on_postgres() {
    follow_an_import(
        &corpus("presidential-speeches"),
        "Cuba date:1962-10-22",
        "1962-10-22-address-buildup-arms-cuba",
    )
    .await;
}

/// Two imports at once, through two nodes (on SQLite: two processes on one
/// data folder); then every record is stored once, logged once, in a log
/// numbered 1, 2, 3 … with no gap, and indexed on both nodes.
pub(crate) fn concurrent_imports(f: &Fonds, batches: [&Path; 2], expected: usize) {
    let other = (f.backend() == Backend::Postgres).then(|| f.other_node());
    let second = other.as_ref().unwrap_or(f);
    let spawn = |node: &Fonds, batch: &Path| {
        node.command()
            .args(["import", batch.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let one = spawn(f, batches[0]);
    let two = spawn(second, batches[1]);
    for child in [one, two] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(f.count(), expected);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let archive = Archive::open(&f.config()).await.unwrap();
        let changes = archive.change_log(0, usize::MAX >> 2).await.unwrap();
        let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
        let numbered: Vec<u64> = (1..=expected as u64).collect();
        assert_eq!(
            seqs, numbered,
            "one change per record, numbered without gaps"
        );
        let mut ids: Vec<&str> = changes.iter().map(|c| c.record_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), expected, "no record logged twice");
    });
    for node in [f, second] {
        let (indexed, stored) = node.index_and_store_ids();
        assert_eq!(indexed.len(), expected);
        assert_eq!(indexed, stored);
    }
}

on_both_backends! {
fn two_imports_at_once_lose_nothing_and_duplicate_nothing(f: Fonds) {
    let a = synthetic_batch(&f.path("a"), "a", 700);
    let b = synthetic_batch(&f.path("b"), "b", 700);
    concurrent_imports(&f, [&a, &b], 1_400);
}
}

on_both_backends! {
fn a_conflicting_update_is_refused_and_reported(f: Fonds) {
    f.import(&[&demo(SEED)]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let archive = Archive::open(&f.config()).await.unwrap();
        // This writer prepares its batch at this point of the log …
        let base = archive.last_change().await.unwrap();
        let mut ours = archive.reader(&staff()).get("208261").await.unwrap().record;
        ours.summary = Some("Our reading of the message.".into());
        // … while another writer (another node, here a command) changes the
        // same record.
        let copy = f.path("208261.md");
        let seed = std::fs::read_to_string(demo(SEED)).unwrap();
        std::fs::write(&copy, seed.replace("Kim praises Stalin", "Kim thanks Stalin")).unwrap();
        let out = f.import(&[&copy]);
        assert!(out.contains("1 updated"), "{out}");

        let options = ImportOptions { base_change: Some(base), ..Default::default() };
        let err = archive.apply_batch(std::slice::from_ref(&ours), options.clone()).await.unwrap_err();
        let ArchiveError::Store(StoreError::Conflict { conflicts, .. }) = &err else {
            panic!("expected a conflict, got {err}");
        };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].id, "208261");
        assert_eq!(conflicts[0].revision, 2);
        let message = err.to_string();
        assert!(message.contains("changed by another writer"), "{message}");
        assert!(message.contains("record 208261: now revision 2"), "{message}");
        // Nothing was overwritten.
        let stored = archive.reader(&staff()).get("208261").await.unwrap();
        assert_eq!(stored.revision, 2);
        assert!(stored.record.summary.unwrap().starts_with("Kim thanks"));

        // The same content as the other writer's is no conflict: unchanged.
        let theirs = archive.reader(&staff()).get("208261").await.unwrap().record;
        let report = archive.apply_batch(&[theirs], options).await.unwrap();
        assert_eq!(report.unchanged, 1);

        // Prepared again after seeing the other change, it goes through.
        let base = archive.last_change().await.unwrap();
        let options = ImportOptions { base_change: Some(base), ..Default::default() };
        let report = archive.apply_batch(&[ours], options).await.unwrap();
        assert_eq!(report.updated, 1);
        assert_eq!(archive.reader(&staff()).get("208261").await.unwrap().revision, 3);
    });
    // The command line reports the same conflict (its batch is prepared at
    // its start, so only a truly concurrent writer makes one).
    assert_eq!(f.ok(&["history", "208261"]).lines().count(), 3);
}
}

on_both_backends! {
fn an_import_killed_midway_leaves_whole_batches_and_an_index_that_agrees(f: Fonds) {
    let committed = synthetic_batch(&f.path("first"), "first", 200);
    f.import(&[&committed]);
    let mut expected: Vec<String> = (0..200).map(|i| format!("first-{i}")).collect();
    // Kill an import of 1,500 records at several points: while parsing,
    // writing the store, indexing, or after it finished.
    for (k, delay_ms) in [150u64, 500, 900, 1_400, 2_500].into_iter().enumerate() {
        let prefix = format!("killed{k}");
        let batch = synthetic_batch(&f.path(&prefix), &prefix, 1_500);
        let mut child = f
            .command()
            .args(["import", batch.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        // After the restart (the next command), the batch is all there or not
        // at all, and the index holds exactly what the store holds.
        let (indexed, stored) = f.index_and_store_ids();
        let landed = stored.iter().filter(|id| id.starts_with(&format!("{prefix}-"))).count();
        assert!(landed == 0 || landed == 1_500, "batch {k}: {landed} of 1500 records stored");
        if landed > 0 {
            expected.extend((0..1_500).map(|i| format!("{prefix}-{i}")));
        }
        expected.sort();
        assert_eq!(stored, expected, "after the kill at {delay_ms} ms");
        assert_eq!(indexed, stored, "index and store agree after the kill at {delay_ms} ms");
        eprintln!("kill after {delay_ms} ms: batch {}", if landed > 0 { "committed" } else { "not committed" });
    }
}
}

/// SQLite → PostgreSQL → SQLite through the dump: the same bytes each way.
/// Returns the archive made on PostgreSQL.
fn round_trip_between_backends(sqlite: Fonds) -> Fonds {
    let dump = sqlite.dump();
    let file = sqlite.path("from-sqlite.jsonl");
    std::fs::write(&file, &dump).unwrap();

    let postgres = Fonds::on(Backend::Postgres);
    postgres.import(&[&file]);
    let from_postgres = postgres.dump();
    assert!(
        from_postgres == dump,
        "the PostgreSQL dump differs from SQLite's"
    );
    let file = postgres.path("from-postgres.jsonl");
    std::fs::write(&file, &from_postgres).unwrap();

    let back = Fonds::on(Backend::Sqlite);
    back.import(&[&file]);
    assert!(
        back.dump() == dump,
        "the dump changed on the way back to SQLite"
    );
    postgres
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn sqlite_to_postgres_to_sqlite_keeps_the_dump_on_postgres() {
    // With a second revision, so the current one is what moves.
    let f = Fonds::new();
    let copy = f.path("208261.md");
    let seed = std::fs::read_to_string(demo(SEED)).unwrap();
    std::fs::write(
        &copy,
        seed.replace("Kim praises Stalin", "Kim thanks Stalin"),
    )
    .unwrap();
    f.import(&[&demo(FRUS), &copy]);
    round_trip_between_backends(f);
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE) and ../shared/corpus"]
fn sqlite_to_postgres_to_sqlite_keeps_the_corpus_dump_on_postgres() {
    let postgres = round_trip_between_backends(corpus_archive());
    // The whole corpus is now on PostgreSQL: it is searched there as on
    // SQLite (the PostgreSQL half of that search test).
    super::search::the_whole_corpus_is_found_in_any_language::body(postgres);
}

#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn readers_never_wait_for_a_writer_on_postgres() {
    use sqlx::Connection;
    let f = Fonds::on(Backend::Postgres);
    f.import(&[&demo(SEED)]);
    let url = f.database.as_ref().unwrap().url.clone();
    // Another node's long import: it holds the write lock.
    let (locked, release) = std::sync::mpsc::channel();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(fonds::store::postgres::WRITE_LOCK)
                .execute(&mut conn)
                .await
                .unwrap();
            locked.send(()).unwrap();
            wait.recv().unwrap();
        })
    });
    release.recv().unwrap();
    // Opening, reading and searching go on meanwhile.
    let mut reader = f
        .command()
        .args(["show", "208261", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while reader.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "a read waited for the write lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(reader.wait_with_output().unwrap().status.success());
    // A write waits its turn (and so cannot interleave its change-log
    // entries with the other's).
    let copy = f.path("208261.md");
    let seed = std::fs::read_to_string(demo(SEED)).unwrap();
    std::fs::write(&copy, seed.replace("Kim praises", "Kim thanks")).unwrap();
    let mut writer = f
        .command()
        .args(["import", copy.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(
        writer.try_wait().unwrap().is_none(),
        "the import went ahead while another writer held the lock"
    );
    done.send(()).unwrap();
    holder.join().unwrap();
    let out = writer.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(f.ok(&["history", "208261"]).lines().count(), 2);
}

#[test]
fn processes_opening_a_new_data_folder_at_once_all_succeed() {
    for _ in 0..3 {
        let f = Fonds::new();
        let children: Vec<_> = (0..6)
            .map(|_| {
                f.command()
                    .args(["import", demo(SEED).to_str().unwrap()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_beside_a_following_process_leaves_the_index_to_it() {
    let f = Fonds::new();
    let owner = Archive::open(&f.config()).await.unwrap();
    let _follower = owner.follow(Duration::from_millis(200), |e| panic!("follower: {e}"));
    let f = tokio::task::spawn_blocking(move || {
        // An import stores and says who indexes; a rebuild is refused.
        let out = f.import(&[&demo(SEED)]);
        assert!(out.contains("1 new"), "{out}");
        assert!(out.contains("that process indexes them"), "{out}");
        let err = f.fails(&["reindex"]);
        assert!(
            err.contains("being written by another fonds process"),
            "{err}"
        );
        f
    })
    .await
    .unwrap();
    // The owner indexes what the command stored.
    let started = Instant::now();
    while owner.index().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "not indexed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hits = owner
        .reader(&Viewer::Anonymous)
        .search(&fonds::search::SearchRequest::new("Kim Il Sung", 3))
        .unwrap();
    assert_eq!(hits.hits[0].id, "208261");
    drop(f);
}

/// Two `fonds serve` nodes on one PostgreSQL database: what node 1 imports
/// (through `fonds import` on its data folder, while it serves) node 2's
/// pages and API find within the follow bound; node 1 leaves the indexing
/// to its server, which owns the index.
#[test]
#[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE)"]
fn two_serving_nodes_share_one_database_on_postgres() {
    use super::common::Server;
    let node1 = Fonds::on(Backend::Postgres);
    node1.import(&[&demo(SEED)]);
    let node2 = node1.other_node();
    let server1 = Server::start(&node1, &[]);
    let server2 = Server::start(&node2, &[]);
    let found = |server: &Server| {
        server.ok("/api/v1/search?q=Khrushchev").json()["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(found(&server2), 0);
    assert_eq!(server2.ok("/api/v1/records/208261").json()["id"], "208261");
    let note = node1.import(&[&demo(FRUS)]);
    assert!(
        note.contains("index"),
        "the import says who indexes: {note}"
    );
    let started = Instant::now();
    while found(&server1) == 0 || found(&server2) == 0 {
        assert!(
            started.elapsed() < FOLLOW_WITHIN,
            "both servers should find the import within {FOLLOW_WITHIN:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("both nodes found the import after {:?}", started.elapsed());
    let page = server2.ok("/records/frus1961-63v06d12");
    assert!(page.body.contains("Khrushchev"));
}
