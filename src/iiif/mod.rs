//! IIIF: the Image API 3.0 (what a request for a region of a page means,
//! and the `info.json` that describes a page) and the Presentation API 3.0
//! (a manifest per record, and collections of them).
//!
//! URLs, with `{base}` the site's public address and `{id}` the record's
//! identifier (percent-encoded as one path segment):
//! - `{base}/iiif/{id}/manifest.json`: the record's manifest;
//! - `{base}/iiif/{id}/{n}`: the image service of page `n` (1-based), whose
//!   `info.json` and `{region}/{size}/{rotation}/{quality}.{format}`
//!   requests follow the Image API;
//! - `{base}/iiif-collections/top.json` and
//!   `{base}/iiif-collections/{name}/collection.json`: the collections
//!   ([`collection`]).
//!
//! Invariants:
//! - A request is checked against the image whole before anything is read:
//!   a syntax error or a region outside the image is [`IiifError::BadRequest`]
//!   (400), a feature fonds does not offer [`IiifError::NotImplemented`]
//!   (501), a size beyond [`MAX_AREA`] 400.
//! - Manifests are built from a record the read gate handed out; only
//!   [`collection`] reads, and only through the public reader.

pub mod collection;
pub mod image;
pub mod presentation;

pub use image::{MAX_AREA, info_json, parse_request};
pub use presentation::manifest;

use crate::html::path_segment;

/// Why an image request cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IiifError {
    /// The request is not well formed, or asks for something outside the
    /// image or beyond the server's limits.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well formed but asks for a feature fonds does not
    /// offer (an arbitrary rotation, a format other than JPEG and PNG).
    #[error("{0}")]
    NotImplemented(String),
}

/// `{base}/iiif/{id}`: where a record's IIIF resources start.
pub fn record_base(base: &str, id: &str) -> String {
    format!("{base}/iiif/{}", path_segment(id))
}

/// The image service of page `n` of record `id`.
pub fn image_service(base: &str, id: &str, n: usize) -> String {
    format!("{}/{n}", record_base(base, id))
}
