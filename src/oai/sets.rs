//! OAI-PMH sets: one per collection of the public records, and of the last
//! public revisions of the deleted ones (a deleted record stays in the sets
//! it was public in, so that set harvests learn of its deletion).
//!
//! A set's `setSpec` is a slug of the collection's name, a function of the
//! name alone so that it stays the same from one harvest to the next:
//! accents folded to ASCII (`Pyŏlgŏn'gon` → `pyolgon-gon`), lower case,
//! every run of other characters one `-`. A name with no Latin letter or
//! digit at all (`별건곤`) gets `c-` and twelve hex digits of its SHA-256.
//! Two names with the same slug make one set holding the records of both.

use sha2::{Digest, Sha256};
use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer};

/// One set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// The setSpec.
    pub spec: String,
    /// The setName: the collection's name (the first, in byte order, when
    /// several share the slug).
    pub name: String,
    /// The collection names it stands for.
    pub collections: Vec<String>,
}

/// The setSpec of a collection.
pub fn set_spec(collection: &str) -> String {
    let mut folder = TextAnalyzer::builder(RawTokenizer::default())
        .filter(AsciiFoldingFilter)
        .build();
    let mut folded = String::new();
    folder
        .token_stream(collection)
        .process(&mut |token| folded.push_str(&token.text));
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        let digest = Sha256::digest(collection.as_bytes());
        slug = "c-".to_string();
        for b in &digest[..6] {
            slug.push_str(&format!("{b:02x}"));
        }
    }
    slug
}

/// The sets of these collections, in setSpec order.
pub fn sets(collections: &[String]) -> Vec<Set> {
    let mut sets: Vec<Set> = Vec::new();
    let mut keyed: Vec<(String, &String)> = collections.iter().map(|c| (set_spec(c), c)).collect();
    keyed.sort();
    for (spec, name) in keyed {
        match sets.last_mut() {
            Some(set) if set.spec == spec => set.collections.push(name.clone()),
            _ => sets.push(Set {
                spec,
                name: name.clone(),
                collections: vec![name.clone()],
            }),
        }
    }
    sets
}

/// The set whose setSpec is `spec` among the sets of these collections;
/// `None` when none of them has that slug. This is how a set argument (fresh,
/// or from a resumption token) becomes the collections it stands for: from
/// the spec and the harvested collections alone (the store's
/// `harvest_collections`), never from anything a harvester sent besides the
/// spec.
pub fn find(collections: &[String], spec: &str) -> Option<Set> {
    let names: Vec<String> = collections
        .iter()
        .filter(|c| set_spec(c) == spec)
        .cloned()
        .collect();
    sets(&names).pop()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oai::request::is_spec_word;

    #[test]
    fn slugs_are_ascii_stable_and_valid_set_specs() {
        assert_eq!(set_spec("별건곤 (Pyŏlgŏn'gon)"), "pyolgon-gon");
        assert_eq!(
            set_spec("Presidential Speeches (Miller Center)"),
            "presidential-speeches-miller-center"
        );
        assert_eq!(set_spec("Déjà vu"), "deja-vu");
        let korean = set_spec("별건곤");
        assert!(korean.starts_with("c-") && korean.len() == 14, "{korean}");
        assert_eq!(korean, set_spec("별건곤"));
        assert_ne!(korean, set_spec("개벽"));
        for name in ["별건곤", "a", "--x--", "Foreign Relations, 1961–1963"] {
            assert!(is_spec_word(&set_spec(name)), "{name}");
        }
    }

    #[test]
    fn names_with_one_slug_make_one_set() {
        let sets = sets(&["FRUS 1961".into(), "frus-1961".into(), "Other".into()]);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].spec, "frus-1961");
        assert_eq!(sets[0].name, "FRUS 1961");
        assert_eq!(sets[0].collections, ["FRUS 1961", "frus-1961"]);
        assert_eq!(sets[1].spec, "other");
    }

    #[test]
    fn a_set_is_found_by_its_spec_alone() {
        let public = ["frus-1961".to_string(), "FRUS 1961".into(), "Other".into()];
        let set = find(&public, "frus-1961").unwrap();
        assert_eq!(set.collections, ["FRUS 1961", "frus-1961"]);
        assert_eq!(set.name, "FRUS 1961");
        assert_eq!(find(&public, "other").unwrap().collections, ["Other"]);
        assert_eq!(find(&public, "secret"), None);
        assert_eq!(find(&[], "other"), None);
    }
}
