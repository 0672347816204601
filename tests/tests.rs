//! Integration tests: one binary, run against the real `fonds` executable
//! with a fresh data folder per test (see `it/common.rs`).

mod it;
