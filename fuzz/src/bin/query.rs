//! Fuzz target: the search query language (`fonds::search::query::parse`).
//!
//! Bytes → UTF-8 (what the search form's `q` arrives as) → the parser.
//! Asserts the parser's bounds on what it accepts: at most
//! [`MAX_TERMS`] words, phrases and dates; every date range in order; and
//! a refusal in words.

use fonds::search::query::{MAX_TERMS, Node, parse};
use fonds_fuzz::report;

/// (leaves, deepest nesting) of a tree.
fn shape(node: &Node) -> (usize, usize) {
    match node {
        Node::All | Node::Text { .. } => (1, 1),
        Node::Date { from, to } => {
            if let (Some(from), Some(to)) = (from, to) {
                assert!(from <= to, "a date range that ends before it starts");
            }
            (1, 1)
        }
        Node::Not(inner) => {
            let (leaves, depth) = shape(inner);
            (leaves, depth + 1)
        }
        Node::And(nodes) | Node::Or(nodes) => {
            assert!(!nodes.is_empty(), "an empty AND or OR");
            nodes
                .iter()
                .map(shape)
                .fold((0, 0), |(l, d), (nl, nd)| (l + nl, d.max(nd + 1)))
        }
    }
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        match parse(text) {
            Ok(node) => {
                let (leaves, _depth) = shape(&node);
                assert!(leaves <= MAX_TERMS, "{leaves} terms accepted");
                report(format_args!("ok: {node:?}"));
            }
            Err(e) => {
                assert!(!e.0.trim().is_empty(), "a refusal without words");
                report(format_args!("refused: {e}"));
            }
        }
    });
}
