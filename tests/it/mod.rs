//! Test modules, one per capability.

mod accounts;
mod api_errors;
mod bad_input;
mod browser;
mod cite;
mod cli;
mod common;
mod corpus;
mod desk;
mod desk_files;
mod dump;
mod iiif;
mod import;
mod layers;
mod limits;
mod nodes;
mod oai;
mod provenance;
mod s3;
mod search;
mod snapshot;
mod tei_pages;
mod web;
