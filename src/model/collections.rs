//! Collection descriptions: what an archive says about each of its
//! collections, shown on the collection's page (`/collections/{key}`).
//!
//! An archive writes them in `DATA/collections.txt`, a plain text file:
//!
//! ```text
//! # A line that starts with '#' is a comment.
//! == Foreign Relations of the United States, 1961–1963, Volume VI
//! The letters President Kennedy and Chairman Khrushchev exchanged, as the
//! Office of the Historian published them.
//!
//! A blank line starts a new paragraph.
//! ```
//!
//! `== NAME` names a collection exactly as records name it (their
//! `collections` field); the lines below it, up to the next `==`, are its
//! description, in paragraphs. Lines within a paragraph are joined with a
//! space.
//!
//! Invariants: a file is taken whole or refused with the line and what is
//! wrong (text before the first heading, an empty name, a collection named
//! twice, a description over [`MAX_DESCRIPTION`] characters); nothing in it
//! is markup (pages escape it).

use std::collections::BTreeMap;

/// The longest description a collection may have, in characters.
pub const MAX_DESCRIPTION: usize = 20_000;

/// Every collection's description, by the collection's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionDescriptions {
    by_name: BTreeMap<String, Vec<String>>,
}

/// Why a collections file was refused: the line (from 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CollectionsError {
    /// The line, counted from 1.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

impl CollectionDescriptions {
    /// Reads a collections file (the format is in the module doc).
    pub fn parse(text: &str) -> Result<Self, CollectionsError> {
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // The collection being read: its name, the line of its heading, its
        // paragraphs and the paragraph being read.
        let mut current: Option<(String, usize, Vec<String>, String)> = None;
        let finish = |by_name: &mut BTreeMap<String, Vec<String>>,
                      (name, line, mut paragraphs, open): (String, usize, Vec<String>, String)|
         -> Result<(), CollectionsError> {
            if !open.is_empty() {
                paragraphs.push(open);
            }
            let length: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
            if length > MAX_DESCRIPTION {
                return Err(CollectionsError {
                    line,
                    message: format!(
                        "the description of {name:?} is {length} characters; at most \
                         {MAX_DESCRIPTION}"
                    ),
                });
            }
            by_name.insert(name, paragraphs);
            Ok(())
        };
        for (at, raw) in text.lines().enumerate() {
            let line = at + 1;
            let trimmed = raw.trim();
            if trimmed.starts_with('#') {
                continue;
            }
            if let Some(name) = trimmed.strip_prefix("==") {
                if let Some(done) = current.take() {
                    finish(&mut by_name, done)?;
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(CollectionsError {
                        line,
                        message: "a heading (==) with no collection name".into(),
                    });
                }
                if by_name.contains_key(name) {
                    return Err(CollectionsError {
                        line,
                        message: format!("collection {name:?} is described twice"),
                    });
                }
                current = Some((name.to_string(), line, Vec::new(), String::new()));
                continue;
            }
            match current.as_mut() {
                None if trimmed.is_empty() => {}
                None => {
                    return Err(CollectionsError {
                        line,
                        message: "text before the first collection heading (== NAME)".into(),
                    });
                }
                Some((_, _, paragraphs, open)) => {
                    if trimmed.is_empty() {
                        if !open.is_empty() {
                            paragraphs.push(std::mem::take(open));
                        }
                    } else {
                        if !open.is_empty() {
                            open.push(' ');
                        }
                        open.push_str(trimmed);
                    }
                }
            }
        }
        if let Some(done) = current.take() {
            finish(&mut by_name, done)?;
        }
        Ok(CollectionDescriptions { by_name })
    }

    /// The paragraphs describing collection `name`, if it is described.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.by_name
            .get(name)
            .map(Vec::as_slice)
            .filter(|p| !p.is_empty())
    }

    /// How many collections are described.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether no collection is described.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_and_comments() {
        let d = CollectionDescriptions::parse(
            "# about\n\n== A\nfirst line\nsame paragraph\n\nsecond\n==  B  \n\n# note\nb text\n",
        )
        .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d.get("A").unwrap(), ["first line same paragraph", "second"]);
        assert_eq!(d.get("B").unwrap(), ["b text"]);
        assert_eq!(d.get("C"), None);
    }

    #[test]
    fn refusals_name_the_line() {
        let err = |t: &str| CollectionDescriptions::parse(t).unwrap_err();
        let e = err("\nloose text\n== A\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("before the first"), "{e}");
        let e = err("== A\nx\n==\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("no collection name"));
        let e = err("== A\nx\n== B\n== A\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("twice"));
        let long = format!("== Long\n{}\n", "x".repeat(MAX_DESCRIPTION + 1));
        let e = err(&long);
        assert_eq!(e.line, 1);
        assert!(e.message.contains("at most"));
    }

    #[test]
    fn a_heading_without_text_describes_nothing() {
        let d = CollectionDescriptions::parse("== A\n\n== B\nb\n").unwrap();
        assert_eq!(d.get("A"), None);
        assert_eq!(d.get("B").unwrap(), ["b"]);
    }
}
