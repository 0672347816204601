//! Citations through the real binary: the seed's own citation verbatim, every
//! style for the seed and a FRUS document (snapshots), the CSL-JSON shape,
//! and bad style names and identifiers.

use super::common::{FRUS, Fonds, SEED, demo};

const FRUS_DOC: &str = "frus1961-63v06d12";
const STYLES: [&str; 7] = [
    "source", "chicago", "mla", "apa", "bibtex", "ris", "csl-json",
];

fn archive() -> Fonds {
    let f = Fonds::new();
    f.import(&[&demo(SEED), &demo(FRUS)]);
    f
}

/// The paragraph after `**Citation:**` in the seed file, read from the file.
fn seed_citation_paragraph() -> String {
    let text = std::fs::read_to_string(demo(SEED)).unwrap();
    let after = text
        .split_once("**Citation:**")
        .expect("the seed has a Citation section")
        .1;
    after
        .trim_start_matches(['\n', '\r'])
        .split("\n\n")
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn source_style_prints_the_seeds_citation_paragraph_exactly() {
    let f = archive();
    let paragraph = seed_citation_paragraph();
    assert!(paragraph.ends_with("/document/208261>"), "{paragraph}");
    let out = f.ok(&["cite", "208261", "--style", "source"]);
    assert_eq!(out, format!("{paragraph}\n"));
}

#[test]
fn every_style_for_the_seed_and_a_frus_document() {
    let f = archive();
    for style in STYLES {
        let seed = f.ok(&["cite", "208261", "--style", style]);
        insta::assert_snapshot!(format!("seed_{style}"), seed);
        let frus = f.ok(&[
            "cite",
            FRUS_DOC,
            "--style",
            style,
            "--base-url",
            "https://fonds.example.org/",
        ]);
        insta::assert_snapshot!(format!("frus_{style}"), frus);
    }
}

#[test]
fn chicago_is_the_default_and_keeps_the_fond_lower_case() {
    let f = archive();
    let default = f.ok(&["cite", "208261"]);
    assert_eq!(default, f.ok(&["cite", "208261", "--style", "chicago"]));
    for style in ["chicago", "mla", "apa"] {
        let out = f.ok(&["cite", "208261", "--style", style]);
        assert!(out.contains("f. 558"), "{style}: {out}");
        assert!(!out.contains("F. 558"), "{style}: {out}");
        assert!(
            out.contains("Gary Goldberg"),
            "{style} names the translator: {out}"
        );
    }
}

#[test]
fn csl_json_is_a_manuscript_with_its_archive_location() {
    let f = archive();
    let out = f.ok(&["cite", "208261", "--style", "csl-json"]);
    let items: serde_json::Value = serde_json::from_str(&out).expect("CSL-JSON is JSON");
    let item = &items[0];
    assert_eq!(item["type"], "manuscript");
    assert_eq!(item["id"], "208261");
    assert_eq!(item["archive"], "RGASPI");
    let location = item["archive_location"].as_str().unwrap();
    for level in ["f. 558", "op. 11", "d. 109", "ll. 0065–0067"] {
        assert!(location.contains(level), "{level} in {location}");
    }
    assert_eq!(item["translator"][0]["literal"], "Gary Goldberg");
    assert_eq!(item["author"][0]["literal"], "Kim Il Sung");
    assert_eq!(
        item["issued"]["date-parts"],
        serde_json::json!([[1948, 9, 22]])
    );
    assert_eq!(item["language"], "ru");
    assert_eq!(
        item["URL"],
        "https://wilson-center-digital-archive.dvincitest.com/document/208261"
    );

    let out = f.ok(&[
        "cite",
        FRUS_DOC,
        "--style",
        "csl-json",
        "--base-url",
        "https://fonds.example.org",
    ]);
    let item = &serde_json::from_str::<serde_json::Value>(&out).unwrap()[0];
    assert_eq!(item["type"], "manuscript");
    assert_eq!(item["archive"], "Department of State");
    assert_eq!(
        item["archive_location"],
        "Presidential Correspondence: Lot 66 D 204"
    );
    assert_eq!(
        item["URL"],
        format!("https://fonds.example.org/records/{FRUS_DOC}")
    );
    assert_eq!(item["author"][0]["family"], "Khrushchev");
    assert_eq!(item["author"][0]["given"], "Nikita S.");
}

#[test]
fn the_base_url_comes_from_the_environment_too() {
    let f = archive();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(f.data())
        .args(["cite", "208261", "--style", "ris"])
        .env("FONDS_BASE_URL", "https://fonds.example.org")
        .output()
        .unwrap();
    assert!(out.status.success());
    let ris = String::from_utf8(out.stdout).unwrap();
    assert!(
        ris.contains("UR  - https://fonds.example.org/records/208261\n"),
        "{ris}"
    );
}

#[test]
fn bad_styles_and_identifiers_are_refused() {
    let f = archive();
    let out = f.run(&["cite", "208261", "--style", "harvard"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("harvard") && err.contains("csl-json"), "{err}");
    let err = f.fails(&["cite", "no-such-record"]);
    assert!(err.contains("no-such-record"), "{err}");
}
