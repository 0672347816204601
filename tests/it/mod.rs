//! Test modules, one per capability.

mod bad_input;
mod common;
mod corpus;
mod dump;
mod import;
mod nodes;
mod search;
