//! Tests over the whole shared corpus (`../shared/corpus`), which a fresh
//! clone does not have: ignored by default, run by `.ci/run`.

use super::common::{SEED, corpus, on_both_backends};

on_both_backends! {
corpus fn the_manifests_give_every_row_once_and_reimport_changes_nothing(f: Fonds) {
    let korean = corpus("korean-periodicals-pgg");
    let speeches = corpus("presidential-speeches");
    let out = f.import(&[&korean]);
    assert!(out.contains("imported 2822 records"), "{out}");
    let out = f.import(&[&speeches]);
    assert!(out.contains("imported 1010 records"), "{out}");
    f.import(&[&corpus(SEED), &corpus("frus/frus1961-63v06.xml")]);
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
}
