//! Digital objects: the scans and PDFs of an original, attached to its
//! record in page order, and the rights statement aggregators read.
//!
//! A record names its files by content (SHA-256); the bytes live in the
//! object store (`objects`), never in the record. Attaching a file is a new
//! revision of the record like any other change.

use serde::{Deserialize, Serialize};

/// The media types a record may hold, with the file-name extensions each
/// may carry.
pub const MEDIA_TYPES: &[(&str, &[&str])] = &[
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/png", &["png"]),
    ("image/tiff", &["tif", "tiff"]),
    ("application/pdf", &["pdf"]),
];

/// The rights-statement URIs aggregators (Europeana, DPLA) accept: the
/// statements of rightsstatements.org and Creative Commons' licences and
/// public-domain tools.
pub const RIGHTS_URI_PREFIXES: &[&str] = &[
    "http://rightsstatements.org/vocab/",
    "https://rightsstatements.org/vocab/",
    "http://creativecommons.org/licenses/",
    "https://creativecommons.org/licenses/",
    "http://creativecommons.org/publicdomain/",
    "https://creativecommons.org/publicdomain/",
];

/// One file of a record: a page image or a PDF of the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigitalObject {
    /// SHA-256 of the file's bytes, lowercase hex: its address in the
    /// object store and its fixity.
    pub sha256: String,
    /// `image/jpeg`, `image/png`, `image/tiff` or `application/pdf`, as
    /// read from the bytes (never from the name alone).
    pub media_type: String,
    /// The file's name when attached (`208261-p1.jpg`).
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// A page label ("recto", "p. 2"), where one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Width in pixels (images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels (images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl DigitalObject {
    /// Whether the file is an image (served through IIIF), not a PDF.
    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image/")
    }

    /// Its pixel size, for an image.
    pub fn dimensions(&self) -> Option<(u32, u32)> {
        Some((self.width?, self.height?)).filter(|(w, h)| *w > 0 && *h > 0)
    }

    /// What is wrong with this entry, if anything.
    pub fn problem(&self) -> Option<String> {
        let hex = |s: &str| {
            s.len() == 64
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !hex(&self.sha256) {
            return Some(format!(
                "{:?}: sha256 {:?} is not 64 lowercase hex digits",
                self.name, self.sha256
            ));
        }
        if !MEDIA_TYPES.iter().any(|(t, _)| *t == self.media_type) {
            return Some(format!(
                "{:?}: media type {:?} is not one of {}",
                self.name,
                self.media_type,
                MEDIA_TYPES
                    .iter()
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.is_image() && self.dimensions().is_none() {
            return Some(format!(
                "{:?}: an image needs its width and height",
                self.name
            ));
        }
        if self.name.trim().is_empty() || self.name.contains(['/', '\\']) {
            return Some(format!("{:?} is not a file name", self.name));
        }
        None
    }
}

/// The page images among a record's files, each with its page number (its
/// place among all the files, from 1: the number in IIIF and download
/// URLs) and its pixel size; PDFs and images of unknown size are left out.
pub fn page_images(
    files: &[DigitalObject],
) -> impl Iterator<Item = (usize, &DigitalObject, (u32, u32))> {
    files.iter().enumerate().filter_map(|(i, f)| {
        let size = f.dimensions().filter(|_| f.is_image())?;
        Some((i + 1, f, size))
    })
}

/// Whether `uri` is a rights statement aggregators understand.
pub fn is_rights_uri(uri: &str) -> bool {
    RIGHTS_URI_PREFIXES
        .iter()
        .any(|p| uri.len() > p.len() && uri.starts_with(p))
        && !uri.contains(char::is_whitespace)
}

/// The media type a file name's extension claims, if it is one fonds keeps.
pub fn media_type_of_name(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    MEDIA_TYPES
        .iter()
        .find(|(_, exts)| exts.contains(&ext.as_str()))
        .map(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> DigitalObject {
        DigitalObject {
            sha256: "a".repeat(64),
            media_type: "image/jpeg".into(),
            name: "p1.jpg".into(),
            bytes: 10,
            label: None,
            width: Some(10),
            height: Some(20),
        }
    }

    #[test]
    fn a_well_formed_page_has_no_problem_and_a_broken_one_says_why() {
        assert_eq!(page().problem(), None);
        let mut p = page();
        p.sha256 = "A".repeat(64);
        assert!(p.problem().unwrap().contains("sha256"));
        let mut p = page();
        p.width = None;
        assert!(p.problem().unwrap().contains("width"));
        let mut p = page();
        p.media_type = "image/gif".into();
        assert!(p.problem().unwrap().contains("image/gif"));
        let mut p = page();
        p.name = "../p1.jpg".into();
        assert!(p.problem().is_some());
    }

    #[test]
    fn rights_uris_are_the_aggregators_vocabularies() {
        assert!(is_rights_uri(
            "http://rightsstatements.org/vocab/NoC-US/1.0/"
        ));
        assert!(is_rights_uri(
            "https://creativecommons.org/publicdomain/mark/1.0/"
        ));
        assert!(!is_rights_uri("http://rightsstatements.org/vocab/"));
        assert!(!is_rights_uri("public domain"));
        assert!(!is_rights_uri("https://example.org/licence"));
    }

    #[test]
    fn names_claim_media_types_by_extension() {
        assert_eq!(media_type_of_name("Scan.JPG"), Some("image/jpeg"));
        assert_eq!(media_type_of_name("a.tif"), Some("image/tiff"));
        assert_eq!(media_type_of_name("a.pdf"), Some("application/pdf"));
        assert_eq!(media_type_of_name("a.gif"), None);
        assert_eq!(media_type_of_name("noext"), None);
    }
}
