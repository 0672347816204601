//! Snippets without analysing whole documents.
//!
//! tantivy's snippet generator runs the field's full analyzer (stemmer
//! included) over the whole stored text; for ten hits of 10 KB that is most
//! of a search's time. Here a cheap pass finds the first place where a query
//! term occurs (tokenizing without stemming, and stemming only tokens whose
//! opening letters could give a query term), cuts a window around it, and
//! hands only the window to tantivy's generator, which picks and marks the
//! fragment as before. A CJK run is looked at whole, and analysed only when a
//! query term occurs in its text: Chinese words are cut from the whole run.
//!
//! Invariant: a window is returned only around a token whose analysed form
//! is a query term of that field, so a snippet never claims a match the
//! index would not make.

use super::analysis::{self, MultiScriptTokenizer};
use std::collections::BTreeMap;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{TextAnalyzer, TokenStream, Tokenizer};

/// Snippet makers for a search's text fields, built when first needed.
pub struct Snippets {
    fields: Vec<Field>,
    terms: Vec<FieldTerms>,
    analyzers: Vec<TextAnalyzer>,
    generators: Vec<Option<SnippetGenerator>>,
}

impl Snippets {
    /// For `query` over `fields`, each analysed by the analyzer at the same
    /// position in `analyzers`.
    pub fn new(query: &dyn Query, fields: &[Field], analyzers: Vec<TextAnalyzer>) -> Snippets {
        let mut terms = vec![Vec::new(); fields.len()];
        query.query_terms(&mut |term, _| {
            if let Some(slot) = fields.iter().position(|f| *f == term.field())
                && let Some(text) = term.value().as_str()
            {
                terms[slot].push(text.to_string());
            }
        });
        Snippets {
            fields: fields.to_vec(),
            terms: terms.into_iter().map(FieldTerms::new).collect(),
            analyzers,
            generators: fields.iter().map(|_| None).collect(),
        }
    }

    /// The HTML snippet of `text` (field `slot`) around its first match, or
    /// `None` when the text holds no query term.
    pub fn make(&mut self, slot: usize, text: &str) -> Option<String> {
        let window = window(text, &self.terms[slot], &mut self.analyzers[slot])?;
        let generator = self.generators[slot].get_or_insert_with(|| {
            // Every term weighs the same: the window already holds a match,
            // and looking up term statistics per field costs more than it
            // brings.
            let weights: BTreeMap<String, f32> = self.terms[slot]
                .terms
                .iter()
                .map(|t| (t.clone(), 1.0))
                .collect();
            SnippetGenerator::new(
                weights,
                self.analyzers[slot].clone(),
                self.fields[slot],
                240,
            )
        });
        let mut snippet = generator.snippet(window);
        if snippet.highlighted().is_empty() {
            return None;
        }
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        Some(snippet.to_html())
    }
}

/// Characters kept before and after the first match.
const BEFORE: usize = 150;
const AFTER: usize = 350;

/// The query terms of one field, with their opening letters for a quick test.
#[derive(Debug, Clone, Default)]
pub struct FieldTerms {
    terms: Vec<String>,
    /// Each term's first two characters (the second absent for a
    /// one-character term).
    openings: Vec<(char, Option<char>)>,
}

impl FieldTerms {
    /// Terms as the index stores them (analysed).
    pub fn new(mut terms: Vec<String>) -> FieldTerms {
        terms.sort();
        terms.dedup();
        let mut openings: Vec<(char, Option<char>)> = terms
            .iter()
            .filter_map(|t| {
                let mut chars = t.chars();
                Some((chars.next()?, chars.next()))
            })
            .collect();
        openings.sort();
        openings.dedup();
        FieldTerms { terms, openings }
    }

    /// Whether the field has no query term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a raw token could analyse to one of the terms: its first two
    /// letters, lower-cased, open some term (stems keep a word's opening
    /// letters). Accented Latin letters are not folded here, so a token
    /// opening with one is always analysed.
    fn could_match(&self, token: &str) -> bool {
        let lower = |c: char| {
            let l = c.to_lowercase().next().unwrap_or(c);
            if l == 'ё' { 'е' } else { l }
        };
        let mut chars = token.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        let second = chars.next();
        let accented = |c: char| ('\u{00C0}'..='\u{024F}').contains(&c);
        if accented(first) || second.is_some_and(accented) {
            return true;
        }
        let (first, second) = (lower(first), second.map(lower));
        self.openings
            .iter()
            .any(|(a, b)| *a == first && (b.is_none() || *b == second))
    }
}

/// The part of `text` around the first token that `analyzer` turns into one
/// of `terms`, or `None` when the text holds none.
pub fn window<'t>(
    text: &'t str,
    terms: &FieldTerms,
    analyzer: &mut TextAnalyzer,
) -> Option<&'t str> {
    if terms.is_empty() {
        return None;
    }
    // Tokenising and stemming a long text up to a match near its end is the
    // cost of a snippet: start at the first place where an ASCII term's
    // opening letters occur (a stem opens its word), and scan from the start
    // only if nothing matched from there.
    let start = first_candidate(text, terms).unwrap_or(0);
    if start > 0
        && let Some(window) = scan(text, start, terms, analyzer)
    {
        return Some(window);
    }
    scan(text, 0, terms, analyzer)
}

/// Where the word holding the first case-insensitive occurrence of an ASCII
/// term's first four letters begins (`None` without one).
fn first_candidate(text: &str, terms: &FieldTerms) -> Option<usize> {
    let bytes = text.as_bytes();
    let found = terms
        .terms
        .iter()
        .filter(|t| t.is_ascii() && !t.is_empty())
        .filter_map(|t| {
            let probe = &t.as_bytes()[..t.len().min(4)];
            bytes
                .windows(probe.len())
                .position(|w| w.eq_ignore_ascii_case(probe))
        })
        .min()?;
    // Back to the start of the word (ASCII letters and digits only: any
    // other character is a boundary or begins a token the scan will see).
    let mut at = found;
    while at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
        at -= 1;
    }
    Some(at)
}

/// [`window`] from byte `start` (a word boundary) on.
fn scan<'t>(
    text: &'t str,
    start: usize,
    terms: &FieldTerms,
    analyzer: &mut TextAnalyzer,
) -> Option<&'t str> {
    let mut tokenizer = MultiScriptTokenizer::default();
    let part = &text[start..];
    let mut stream = tokenizer.token_stream(part);
    // End of the last CJK run looked at whole.
    let mut seen_until = 0;
    while stream.advance() {
        let token = stream.token();
        let (offset_from, offset_to) = (token.offset_from + start, token.offset_to + start);
        if offset_from < seen_until {
            continue;
        }
        let found = if token.text.starts_with(analysis::is_cjk) {
            // What a CJK run's tokens are depends on the whole run (Chinese
            // words are cut from it): look at each run once, and analyse it
            // only if a term (CJK terms are the text itself) occurs in it.
            let (from, to) = (offset_from, analysis::cjk_run_end(text, offset_from));
            seen_until = to;
            let run = &text[from..to];
            if !terms.terms.iter().any(|t| run.contains(t.as_str())) {
                continue;
            }
            first_match(run, terms, analyzer).map(|(a, b)| (from + a, from + b))
        } else {
            if !terms.could_match(&token.text) {
                continue;
            }
            let analysed = analysis::terms(analyzer, &token.text);
            analysed
                .iter()
                .any(|a| terms.terms.binary_search(a).is_ok())
                .then_some((offset_from, offset_to))
        };
        if let Some((from, to)) = found {
            let start = floor_boundary(text, from.saturating_sub(BEFORE));
            let end = floor_boundary(text, (to + AFTER).min(text.len()));
            return Some(&text[start..end]);
        }
    }
    None
}

/// The byte span of the first token of `text` that `analyzer` makes one of
/// `terms`.
fn first_match(
    text: &str,
    terms: &FieldTerms,
    analyzer: &mut TextAnalyzer,
) -> Option<(usize, usize)> {
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        if terms.terms.binary_search(&token.text).is_ok() {
            return Some((token.offset_from, token.offset_to));
        }
    }
    None
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms a query of `words` has in a field of `analyzer`.
    fn terms(analyzer: &str, words: &[&str]) -> FieldTerms {
        let mut a = analysis::build_query(analyzer);
        FieldTerms::new(
            words
                .iter()
                .flat_map(|w| analysis::terms(&mut a, w))
                .collect(),
        )
    }

    #[test]
    fn the_window_surrounds_the_first_stemmed_match() {
        let text = format!(
            "{} The liberation came. {}",
            "filler ".repeat(200),
            "tail ".repeat(200)
        );
        let mut en = analysis::build("en");
        let w = window(&text, &terms("en", &["liberator"]), &mut en).unwrap();
        assert!(w.contains("liberation"));
        assert!(w.len() < 1000);
        assert!(window("nothing here", &terms("en", &["liberator"]), &mut en).is_none());
    }

    #[test]
    fn cjk_bigrams_are_found() {
        let mut xx = analysis::build("xx");
        let w = window(
            "양주군에 사는 김일성이라는 남자",
            &terms("xx", &["김일성"]),
            &mut xx,
        )
        .unwrap();
        assert!(w.contains("김일성"));
    }

    #[test]
    fn a_late_match_is_found_from_its_opening_letters_and_an_early_one_still_wins() {
        let mut en = analysis::build("en");
        let late = format!(
            "{} Signed, N. Khrushchev",
            "Peace and friendship. ".repeat(300)
        );
        let w = window(&late, &terms("en", &["khrushchev"]), &mut en).unwrap();
        assert!(w.contains("Khrushchev"), "{w}");
        // Opening letters inside another word are no match: the scan goes on.
        let inside = format!("{} the treaties were signed", "Treatment of ".repeat(50));
        let w = window(&inside, &terms("en", &["treati"]), &mut en).unwrap();
        assert!(w.contains("treaties"), "{w}");
        // A match the probe cannot see (an accent folded by the analyzer)
        // is still found by the scan from the start.
        let accented = format!("Müller wrote. {}", "Nothing here. ".repeat(100));
        let w = window(&accented, &terms("en", &["muller"]), &mut en).unwrap();
        assert!(w.starts_with("Müller"), "{w}");
    }

    #[test]
    fn windows_end_on_character_boundaries() {
        let text = "가".repeat(400) + " match " + &"나".repeat(400);
        let mut en = analysis::build("en");
        let w = window(&text, &terms("en", &["match"]), &mut en).unwrap();
        assert!(w.contains("match"));
    }

    #[test]
    fn chinese_words_are_found_as_the_index_cut_them() {
        let mut zh = analysis::build("zh");
        let text = format!(
            "{}南京市长江大桥正式通车。我们在板门店签订停战协定，会谈结束了。",
            "开头。".repeat(200)
        );
        // A word, a word inside a longer one, a one-character word at the
        // end of its run.
        for word in ["停战协定", "长江", "了"] {
            let w = window(&text, &terms("zh", &[word]), &mut zh).unwrap();
            assert!(w.contains(word), "{word}");
        }
        // 市长 is in the text, but only across two words: no match.
        assert!(window(&text, &terms("zh", &["市长"]), &mut zh).is_none());
    }

    #[test]
    fn a_word_inside_a_word_marks_the_whole_word() {
        let zh = analysis::build("zh");
        for term in ["中国人民志愿军", "人民", "志愿"] {
            let weights = BTreeMap::from([(term.to_string(), 1.0)]);
            let generator =
                SnippetGenerator::new(weights, zh.clone(), Field::from_field_id(0), 240);
            let mut snippet = generator.snippet("我们的中国人民志愿军");
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            assert_eq!(
                snippet.to_html(),
                "我们的<mark>中国人民志愿军</mark>",
                "{term}"
            );
        }
    }
}
