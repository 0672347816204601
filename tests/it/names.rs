//! Names beyond the authority file, and English over untranslated Korean
//! (issue 18): forms learned from a batch's named entities, hanja found by
//! their hangul reading, traditional Chinese by simplified, old Korean
//! spellings by their sound, English by the glossaries' translations; each
//! hit saying which form it holds and why; `--exact`, `fonds names`, and a
//! rejected pair.

use super::common::{Fonds, SEED, demo, fixture};
use serde_json::Value;

/// The ids of the hits, in order.
fn ids(results: &Value) -> Vec<&str> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect()
}

/// The hit of one record.
fn hit<'v>(results: &'v Value, id: &str) -> &'v Value {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("{id} not among {results}"))
}

/// Why a hit was widened to a form (`None` when it was not).
fn why<'v>(hit: &'v Value, form: &str) -> Option<&'v str> {
    hit["widened"]
        .as_array()?
        .iter()
        .find(|w| w["form"] == form)?["why"]
        .as_str()
}

fn batch() -> Fonds {
    let f = Fonds::new();
    f.import(&[&fixture("names-batch")]);
    f
}

#[test]
fn an_english_query_finds_an_untranslated_korean_article_below_the_translated_one() {
    let f = batch();
    let r = f.search_json("Sabbath", 10, false);
    // nb-001 says "Sabbath" in its translation; nb-002 has no translation,
    // only 안식일, which nb-001's glossary translates.
    assert_eq!(ids(&r), ["nb-001", "nb-002"], "{r}");
    let untranslated = hit(&r, "nb-002");
    assert_eq!(
        why(untranslated, "안식일"),
        Some("translation"),
        "{untranslated}"
    );
    assert_eq!(untranslated["widened"][0]["typed"], "Sabbath");
    // The exact spelling only: the translated article alone.
    let exact: Value =
        serde_json::from_str(&f.ok(&["search", "Sabbath", "--json", "--exact"])).unwrap();
    assert_eq!(ids(&exact), ["nb-001"]);
    // The terminal says why, too.
    let text = f.ok(&["search", "Sabbath"]);
    assert!(
        text.contains("also matched 안식일 for “Sabbath”: a translation of the query"),
        "{text}"
    );
}

#[test]
fn a_learned_name_finds_its_other_forms_and_the_hit_says_so() {
    let f = batch();
    // nb-002 writes Choi Bong-kyu in hangul only; nb-001's named entities
    // pair the forms.
    let r = f.search_json("\"Choi Bong-kyu\"", 10, false);
    assert!(ids(&r).contains(&"nb-002"), "{r}");
    assert_eq!(why(hit(&r, "nb-002"), "최봉규"), Some("learned"));
    // `fonds names` lists the pair, with its confidence.
    let names = f.ok(&["names", "--matching", "최봉규"]);
    assert!(
        names.lines().any(|l| l.starts_with("1.00\t1\t")
            && l.contains("Choi Bong-kyu")
            && l.contains("최봉규")),
        "{names}"
    );
    // Rejected in DATA/persons.txt, the pair widens nothing any more.
    std::fs::write(f.data().join("persons.txt"), "! Choi Bong-kyu | 최봉규\n").unwrap();
    let r = f.search_json("\"Choi Bong-kyu\"", 10, false);
    assert!(!ids(&r).contains(&"nb-002"), "{r}");
    let names = f.ok(&["names", "--matching", "최봉규"]);
    assert!(
        !names
            .lines()
            .any(|l| l.contains("Choi Bong-kyu") && l.contains("| 최봉규")),
        "{names}"
    );
}

#[test]
fn other_scripts_and_spellings_find_a_name_no_list_knows() {
    let f = batch();
    // Hangul for a name written in hanja (nb-003 has 金玉均).
    let r = f.search_json("김옥균", 10, false);
    assert_eq!(ids(&r), ["nb-003"], "{r}");
    assert_eq!(why(hit(&r, "nb-003"), "김옥균"), Some("conversion"));
    // Hanja for a name written in hangul (nb-002 has 최봉규).
    let r = f.search_json("崔鳳圭", 10, false);
    assert!(ids(&r).contains(&"nb-002"), "{r}");
    // The 1920s spelling 나폴레온 and today's 나폴레옹 (nb-001) by their
    // sound.
    let r = f.search_json("나폴레온", 10, false);
    assert!(ids(&r).contains(&"nb-002"), "{r}");
    assert!(ids(&r).contains(&"nb-001"), "{r}");
    assert_eq!(why(hit(&r, "nb-002"), "나폴레옹"), None);
    assert_eq!(why(hit(&r, "nb-001"), "나폴레옹"), Some("conversion"));
    // Traditional characters for simplified ones (nb-004 has 罗斯福).
    let r = f.search_json("羅斯福", 10, false);
    assert_eq!(ids(&r), ["nb-004"], "{r}");
    // And none of it with --exact.
    for q in ["김옥균", "羅斯福", "나폴레온"] {
        let exact: Value =
            serde_json::from_str(&f.ok(&["search", q, "--json", "--exact"])).unwrap();
        assert!(
            !ids(&exact)
                .iter()
                .any(|id| ["nb-003", "nb-004", "nb-001"].contains(id)),
            "{q}: {exact}"
        );
    }
}

#[test]
fn a_name_that_reads_the_same_is_not_the_same_name() {
    let f = Fonds::new();
    f.import(&[&demo(SEED)]);
    f.import(&[&fixture("names-batch")]);
    // 金日成 finds the seed (the authority); 金一成 reads 김일성 too, but is
    // another man's name.
    let r = f.search_json("金日成", 10, false);
    assert!(ids(&r).contains(&"208261"), "{r}");
    let r = f.search_json("金一成", 10, false);
    assert!(!ids(&r).contains(&"208261"), "{r}");
}
