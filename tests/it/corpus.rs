//! Tests over the whole shared corpus (`../shared/corpus`), which a fresh
//! clone does not have: ignored by default, run by `.ci/run`.

use super::common::{Backend, Fonds, SEED, corpus, corpus_archive};
use super::nodes::concurrent_imports;

/// `sqlite_with_corpus` starts from the shared SQLite import of the corpus
/// (every set at once); `postgres_with_corpus` imports the two manifests at
/// once from two nodes, then the rest. (Two imports at once on SQLite are
/// nodes::two_imports_at_once_lose_nothing_and_duplicate_nothing.)
mod the_manifests_give_every_row_once_and_reimport_changes_nothing {
    use super::*;

    #[test]
    #[ignore = "needs ../shared/corpus"]
    fn sqlite_with_corpus() {
        body(corpus_archive())
    }

    #[test]
    #[ignore = "needs PostgreSQL (FONDS_TEST_DATABASE) and ../shared/corpus"]
    fn postgres_with_corpus() {
        let f = Fonds::on(Backend::Postgres);
        let korean = corpus("korean-periodicals-pgg");
        let speeches = corpus("presidential-speeches");
        // Exact counts, one change per record, index and store agreeing.
        concurrent_imports(&f, [&korean, &speeches], 2_822 + 1_010);
        f.import(&[&corpus(SEED), &corpus("frus/frus1961-63v06.xml")]);
        body(f)
    }
}

/// Every row of every set once, and a second import of the whole corpus
/// changes nothing.
fn body(f: Fonds) {
    assert_eq!(f.count(), 2822 + 1010 + 121);
    let dump = f.dump();
    let out = f.import(&[&corpus("")]);
    assert!(out.contains("0 new, 0 updated, 3953 unchanged"), "{out}");
    assert_eq!(f.dump(), dump);

    // A Korean record keeps original and translation as two versions.
    let r = f.show_json("pgg-01-020");
    assert_eq!(r["original_language"], "ko");
    assert_eq!(r["texts"][0]["kind"], "original");
    assert_eq!(r["texts"][0]["language"], "ko");
    assert_eq!(r["texts"][1]["kind"], "translation");
    assert_eq!(r["texts"][1]["language"], "en");
    assert_eq!(r["texts"][1]["machine_translation"], true);
    assert_eq!(
        r["alternative_titles"][0]["text"],
        "Song of the Black Spot on Earth"
    );
    assert!(
        r["extra"]["glossary"]
            .as_str()
            .unwrap()
            .contains("black spot")
    );
    // That the whole archive survives a dump round trip, on either
    // backend and from one to the other, is
    // nodes::sqlite_to_postgres_to_sqlite_keeps_the_corpus_dump_on_postgres.
}
