//! Exporters: records out to files, in fonds's own JSON Lines dump and in the
//! Wilson record format.
//!
//! Invariant: exporters are pure functions of the records they are given;
//! choosing which records (and checking visibility) is the caller's job.

pub mod jsonl;
pub mod wilson;
