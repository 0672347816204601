//! fonds: a digital archive for historical primary sources.
//!
//! The crate is a library with a thin binary (`src/main.rs`). Each module owns
//! one concern; see `ARCHITECTURE.md` for the code map and the invariants.
//!
//! - [`clock`]: the one source of "now"; typed instants and days.
//! - [`html`]: HTML escaping for the markup built by hand.
//! - [`model`]: the archival record and its parts (no I/O, no SQL, no HTTP).
//! - [`import`]: parsers from files to records (Wilson Markdown, TEI, CSV
//!   manifests, JSON Lines); they never write.
//! - [`accounts`]: roles, viewers, passwords, session and API tokens,
//!   sign-in throttling (pure rules).
//! - [`export`]: renderers from records to files (Wilson Markdown, JSON Lines).
//! - [`store`]: the storage trait and its SQLite and PostgreSQL implementations.
//! - [`search`]: the embedded tantivy index, query language, name variants.
//! - [`cite`]: citation styles, BibTeX, RIS and CSL-JSON files, and the
//!   `citation_*` meta tags of a record page.
//! - [`accounts`]: who reads (anyone, or staff with a role).
//! - [`archive`]: the one write path: applies a parsed batch to the store;
//!   and the read gate every front end reads records through.
//! - [`web`]: the reading room (pages) and the JSON API, on axum.
//! - [`objects`]: digital objects: scans and PDFs, content-addressed, and
//!   their tile pyramids.
//! - [`iiif`]: IIIF Image API requests and `info.json`, Presentation
//!   manifests.
//! - [`oai`]: what other systems harvest: OAI-PMH, sitemap, public dump.
//! - [`cli`]: the command line.

pub mod accounts;
pub mod archive;
pub mod cite;
pub mod cli;
pub mod clock;
pub mod export;
pub mod html;
pub mod iiif;
pub mod import;
pub mod model;
pub mod oai;
pub mod objects;
pub mod search;
pub mod store;
pub mod web;
