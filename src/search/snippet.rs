//! Snippets without analysing whole documents.
//!
//! A hit's snippet is a fragment of about [`FRAGMENT`] characters of one of
//! its text versions around a match, with the byte range of every token
//! whose analysed form is a query term (a [`Snippet`]: plain text, marked
//! by each edge as it likes). Analysing the
//! whole 10 KB text (stemmer included) to find that place would be most of
//! a search's time, so the first match is found cheaply:
//!
//! 1. One Aho-Corasick pass (SIMD-prefiltered, ASCII case folded) finds the
//!    places where a term's opening letters occur: a stem keeps its word's
//!    opening letters but may change the last one ("cry" → `cri`), so the
//!    probe is the term without its last letter, at most four letters; a
//!    CJK term is looked for as it is (bigrams and Chinese words are the
//!    text itself). Only the word (or CJK run) at such a place is analysed.
//! 2. What the probes cannot see, a match whose letters the analyzer folds
//!    (`Müller` for `muller`, `ё` for `е`), must hold such a letter: when the
//!    probes find nothing, the words holding one are analysed. A probe match
//!    may then stand for a later match than an accented one: the snippet
//!    shows a match, not always the first.
//!
//! The fragment is then chosen among those starting shortly before one of
//! the first matches, by how many distinct terms it marks.
//!
//! Invariant: a token is marked only when the field's analyzer turns it
//! into a query term of that field, so a snippet never claims a match the
//! index would not make; a CJK run is analysed whole (Chinese words are cut
//! from the whole run), so `市长` is not marked inside `南京市长江大桥`.

use super::analysis::{self, Analyzer, MultiScriptTokenizer};
use super::results::Snippet;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::tokenizer::{TextAnalyzer, TokenStream, Tokenizer};

/// Characters a snippet shows at most.
pub const FRAGMENT: usize = 240;

/// Characters of context kept before a match that opens a fragment.
const LEAD: usize = 60;

/// Characters looked at before and after the first match: room for the
/// fragments that start at a later match within it.
const BEFORE: usize = LEAD + 20;
const AFTER: usize = FRAGMENT + 60;

/// Snippet makers for a search's text fields, one per [`Analyzer`].
pub struct Snippets {
    terms: Vec<FieldTerms>,
    analyzers: Vec<TextAnalyzer>,
}

impl Snippets {
    /// For `query` over `fields` (the body fields, in the order of
    /// [`Analyzer::ALL`]), each analysed by the analyzer at the same
    /// position in `analyzers` (their words form).
    pub fn new(query: &dyn Query, fields: &[Field], analyzers: Vec<TextAnalyzer>) -> Snippets {
        let mut terms = vec![Vec::new(); fields.len()];
        query.query_terms(&mut |term, _| {
            if let Some(slot) = fields.iter().position(|f| *f == term.field())
                && let Some(text) = term.value().as_str()
            {
                // A word pair (`free men`) marks its words.
                terms[slot].extend(text.split(' ').map(str::to_string));
            }
        });
        Snippets {
            terms: terms.into_iter().map(FieldTerms::new).collect(),
            analyzers,
        }
    }

    /// The snippet of `text` (of `analyzer`'s body field) around a match,
    /// or `None` when the text holds no query term.
    pub fn make(&mut self, analyzer: Analyzer, text: &str) -> Option<Snippet> {
        let terms = &self.terms[analyzer.index()];
        let analyzer = &mut self.analyzers[analyzer.index()];
        let window = window(text, terms, analyzer)?;
        let marks = marks(window, terms, analyzer);
        fragment(window, &marks)
    }
}

/// The query terms of one field, with what finds them quickly.
#[derive(Clone, Default)]
pub struct FieldTerms {
    terms: Vec<String>,
    /// Each term's first two characters (the second absent for a
    /// one-character term).
    openings: Vec<(char, Option<char>)>,
    /// The probes (see the module doc).
    patterns: Vec<String>,
    /// Finds them; built when first needed (most fields of a search never
    /// make a snippet).
    probes: std::sync::OnceLock<Option<AhoCorasick>>,
}

impl std::fmt::Debug for FieldTerms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldTerms")
            .field("terms", &self.terms)
            .finish()
    }
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
        let mut patterns: Vec<String> = Vec::new();
        for term in &terms {
            if term.starts_with(analysis::is_cjk) {
                patterns.push(term.clone());
                continue;
            }
            let chars = term.chars().count();
            let probe: String = term.chars().take((chars.max(2) - 1).min(4)).collect();
            if !probe.is_ascii() {
                // ASCII case is folded by the automaton; other scripts'
                // capitals are spelled out.
                let mut capital = probe.chars();
                if let Some(first) = capital.next() {
                    patterns.push(first.to_uppercase().chain(capital).collect());
                }
                patterns.push(probe.to_uppercase());
            }
            patterns.push(probe);
        }
        patterns.sort();
        patterns.dedup();
        FieldTerms {
            terms,
            openings,
            patterns,
            probes: std::sync::OnceLock::new(),
        }
    }

    /// The automaton finding the probes, `None` without terms.
    fn probes(&self) -> Option<&AhoCorasick> {
        self.probes
            .get_or_init(|| {
                (!self.patterns.is_empty())
                    .then(|| {
                        AhoCorasickBuilder::new()
                            .ascii_case_insensitive(true)
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(&self.patterns)
                            .ok()
                    })
                    .flatten()
            })
            .as_ref()
    }

    /// Whether the field has no query term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Which query term an analysed token is, if any.
    fn index_of(&self, token: &str) -> Option<usize> {
        self.terms.binary_search_by(|t| t.as_str().cmp(token)).ok()
    }

    /// Whether an analysed token is a query term.
    fn holds(&self, token: &str) -> bool {
        self.index_of(token).is_some()
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

    /// Whether an alphabetic token analyses to a query term.
    fn matches_word(&self, token: &str, analyzer: &mut TextAnalyzer) -> bool {
        self.could_match(token)
            && analysis::terms(analyzer, token)
                .iter()
                .any(|a| self.holds(a))
    }
}

/// The part of `text` around a token that `analyzer` turns into one of
/// `terms`, or `None` when the text holds none.
pub fn window<'t>(
    text: &'t str,
    terms: &FieldTerms,
    analyzer: &mut TextAnalyzer,
) -> Option<&'t str> {
    if terms.is_empty() {
        return None;
    }
    let (from, to) = match probe(text, terms, analyzer) {
        Some(found) => found,
        None => folded(text, terms, analyzer)?,
    };
    let start = text[..from]
        .char_indices()
        .rev()
        .nth(BEFORE - 1)
        .map_or(0, |(i, _)| i);
    let end = text[to..]
        .char_indices()
        .nth(AFTER)
        .map_or(text.len(), |(i, _)| to + i);
    Some(&text[start..end])
}

/// The first match found through the probes: byte span of the token.
fn probe(text: &str, terms: &FieldTerms, analyzer: &mut TextAnalyzer) -> Option<(usize, usize)> {
    let probes = terms.probes()?;
    // End of the last word or run already looked at.
    let mut checked = 0;
    for m in probes.find_iter(text) {
        if m.start() < checked {
            continue;
        }
        let first = text[m.start()..].chars().next()?;
        if analysis::is_cjk(first) {
            let (from, to) = cjk_run(text, m.start());
            checked = to;
            if let Some((a, b)) = first_match(&text[from..to], terms, analyzer) {
                return Some((from + a, from + b));
            }
        } else {
            let (from, to) = word(text, m.start());
            checked = to;
            if terms.matches_word(&text[from..to], analyzer) {
                return Some((from, to));
            }
        }
    }
    None
}

/// The first match among the words holding a letter the analyzers fold
/// (accented Latin, `ё`): what the probes cannot see, since a match they
/// missed must hold one.
fn folded(text: &str, terms: &FieldTerms, analyzer: &mut TextAnalyzer) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut checked = 0;
    // Lead bytes that may open such a letter: U+00C0..U+024F (C3..C9),
    // Cyrillic (D0, D1: ё and Ё among them), U+1E00..U+1FFF (E1).
    let may_fold = |b: u8| b.wrapping_sub(0xC3) <= 6 || b & 0xFE == 0xD0 || b == 0xE1;
    let offsets = bytes
        .chunks(64)
        .enumerate()
        // Whole chunks without such a byte are passed over in one test.
        .filter(|(_, chunk)| chunk.iter().fold(false, |any, &b| any | may_fold(b)))
        .flat_map(|(i, chunk)| i * 64..i * 64 + chunk.len());
    for at in offsets {
        let b = bytes[at];
        let next = bytes.get(at + 1).copied();
        let folds = b.wrapping_sub(0xC3) <= 6
            || (b == 0xD1 && next == Some(0x91))
            || (b == 0xD0 && next == Some(0x81))
            || (b == 0xE1 && next.is_some_and(|n| (0xB8..=0xBB).contains(&n)));
        if !folds || at < checked {
            continue;
        }
        let (from, to) = word(text, at);
        checked = to.max(at + 1);
        if terms.matches_word(&text[from..to], analyzer) {
            return Some((from, to));
        }
    }
    None
}

/// The byte span of the alphabetic word around byte `at`.
fn word(text: &str, at: usize) -> (usize, usize) {
    let is_letter = |c: char| !analysis::is_cjk(c) && c.is_alphanumeric();
    let from = text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_letter(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let to = text[at..]
        .char_indices()
        .find(|(_, c)| !is_letter(*c))
        .map_or(text.len(), |(i, _)| at + i);
    (from, to)
}

/// The byte span of the CJK run around byte `at`.
fn cjk_run(text: &str, at: usize) -> (usize, usize) {
    let from = text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| !analysis::is_cjk(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    (from, analysis::cjk_run_end(text, at))
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
        if terms.holds(&token.text) {
            return Some((token.offset_from, token.offset_to));
        }
    }
    None
}

/// A marked span: bytes, and which term it is.
type Mark = (usize, usize, usize);

/// Every token of `window` the analyzer makes a term, in text order, spans
/// merged where they overlap (a word and a word inside it).
fn marks(window: &str, terms: &FieldTerms, analyzer: &mut TextAnalyzer) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::new();
    let mut tokenizer = MultiScriptTokenizer::default();
    let mut stream = tokenizer.token_stream(window);
    let mut seen_until = 0;
    while stream.advance() {
        let token = stream.token();
        let from = token.offset_from;
        if from < seen_until {
            continue;
        }
        if token.text.starts_with(analysis::is_cjk) {
            let to = analysis::cjk_run_end(window, from);
            seen_until = to;
            let run = &window[from..to];
            if !terms.terms.iter().any(|t| run.contains(t.as_str())) {
                continue;
            }
            let mut run_stream = analyzer.token_stream(run);
            while run_stream.advance() {
                let t = run_stream.token();
                if let Some(i) = terms.index_of(&t.text) {
                    push_mark(&mut out, (from + t.offset_from, from + t.offset_to, i));
                }
            }
        } else if terms.could_match(&token.text) {
            let span = (from, token.offset_to);
            for analysed in analysis::terms(analyzer, &token.text) {
                if let Some(i) = terms.index_of(&analysed) {
                    push_mark(&mut out, (span.0, span.1, i));
                    break;
                }
            }
        }
    }
    out
}

fn push_mark(marks: &mut Vec<Mark>, mark: Mark) {
    if let Some(last) = marks.last_mut()
        && mark.0 < last.1
    {
        last.1 = last.1.max(mark.1);
        return;
    }
    marks.push(mark);
}

/// The best fragment of `window` with its marks, or `None` without a mark.
/// Candidates start [`LEAD`] characters before each of the first marks (at
/// a word's start); the one marking most distinct terms wins, the earliest
/// among equals. White space around the marks is trimmed at both ends.
fn fragment(window: &str, marks: &[Mark]) -> Option<Snippet> {
    if marks.is_empty() {
        return None;
    }
    let mut best: Option<(usize, usize, usize)> = None; // (score, start, end)
    for &(mark_start, _, _) in marks.iter().take(8) {
        let start = fragment_start(window, mark_start);
        let end = fragment_end(window, start);
        let mut seen: Vec<usize> = marks
            .iter()
            .filter(|(a, _, _)| *a >= start && *a < end)
            .map(|m| m.2)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        if best.is_none_or(|(score, _, _)| seen.len() > score) {
            best = Some((seen.len(), start, end));
        }
    }
    let (_, start, end) = best?;
    let shown: Vec<(usize, usize)> = marks
        .iter()
        .filter(|(a, _, _)| *a >= start && *a < end)
        .map(|&(a, b, _)| (a, b.min(end)))
        .collect();
    // Trimmed outside the marks only: before the first, after the last.
    let lead = shown.first().map_or(end, |m| m.0);
    let start = lead - window[start..lead].trim_start().len();
    let tail = shown.last().map_or(start, |m| m.1);
    let end = tail + window[tail..end].trim_end().len();
    Some(Snippet {
        text: window[start..end].to_string(),
        marks: shown.iter().map(|&(a, b)| a - start..b - start).collect(),
    })
}

/// Where a fragment showing the mark at byte `mark` starts: about [`LEAD`]
/// characters before it, moved forward to the start of a word.
fn fragment_start(window: &str, mark: usize) -> usize {
    let before = &window[..mark];
    let Some((lead, _)) = before.char_indices().rev().nth(LEAD - 1) else {
        return 0;
    };
    before[lead..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(mark, |(i, c)| lead + i + c.len_utf8())
}

/// Where a fragment starting at byte `start` ends: [`FRAGMENT`] characters
/// on, moved back to the end of a word when there is one in its last part.
fn fragment_end(window: &str, start: usize) -> usize {
    let rest = &window[start..];
    let Some((cut, _)) = rest.char_indices().nth(FRAGMENT) else {
        return window.len();
    };
    let cut_at = rest[..cut]
        .char_indices()
        .rev()
        .take(40)
        .find(|(_, c)| c.is_whitespace())
        .map_or(cut, |(i, _)| i);
    start + cut_at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms a query of `words` has in a field of `analyzer`.
    fn terms(analyzer: Analyzer, words: &[&str]) -> FieldTerms {
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
        let mut en = analysis::build_words(Analyzer::En);
        let w = window(&text, &terms(Analyzer::En, &["liberator"]), &mut en).unwrap();
        assert!(w.contains("liberation"));
        assert!(w.len() < 1000);
        assert!(
            window(
                "nothing here",
                &terms(Analyzer::En, &["liberator"]),
                &mut en
            )
            .is_none()
        );
    }

    #[test]
    fn cjk_bigrams_are_found() {
        let mut xx = analysis::build_words(Analyzer::Xx);
        let w = window(
            "양주군에 사는 김일성이라는 남자",
            &terms(Analyzer::Xx, &["김일성"]),
            &mut xx,
        )
        .unwrap();
        assert!(w.contains("김일성"));
    }

    #[test]
    fn a_late_match_is_found_from_its_opening_letters_and_an_early_one_still_wins() {
        let mut en = analysis::build_words(Analyzer::En);
        let late = format!(
            "{} Signed, N. Khrushchev",
            "Peace and friendship. ".repeat(300)
        );
        let w = window(&late, &terms(Analyzer::En, &["khrushchev"]), &mut en).unwrap();
        assert!(w.contains("Khrushchev"), "{w}");
        // Opening letters inside another word are no match: the scan goes on.
        let inside = format!("{} the treaties were signed", "Treatment of ".repeat(50));
        let w = window(&inside, &terms(Analyzer::En, &["treati"]), &mut en).unwrap();
        assert!(w.contains("treaties"), "{w}");
        // A match the probe cannot see (an accent folded by the analyzer)
        // is still found by the scan from the start.
        let accented = format!("Müller wrote. {}", "Nothing here. ".repeat(100));
        let w = window(&accented, &terms(Analyzer::En, &["muller"]), &mut en).unwrap();
        assert!(w.starts_with("Müller"), "{w}");
    }

    #[test]
    fn windows_end_on_character_boundaries() {
        let text = "가".repeat(400) + " match " + &"나".repeat(400);
        let mut en = analysis::build_words(Analyzer::En);
        let w = window(&text, &terms(Analyzer::En, &["match"]), &mut en).unwrap();
        assert!(w.contains("match"));
    }

    #[test]
    fn chinese_words_are_found_as_the_index_cut_them() {
        let mut zh = analysis::build_words(Analyzer::Zh);
        let text = format!(
            "{}南京市长江大桥正式通车。我们在板门店签订停战协定，会谈结束了。",
            "开头。".repeat(200)
        );
        // A word, a word inside a longer one, a one-character word at the
        // end of its run.
        for word in ["停战协定", "长江", "了"] {
            let w = window(&text, &terms(Analyzer::Zh, &[word]), &mut zh).unwrap();
            assert!(w.contains(word), "{word}");
        }
        // 市长 is in the text, but only across two words: no match.
        assert!(window(&text, &terms(Analyzer::Zh, &["市长"]), &mut zh).is_none());
    }

    #[test]
    fn a_word_inside_a_word_marks_the_whole_word() {
        let mut zh = analysis::build_words(Analyzer::Zh);
        for term in ["中国人民志愿军", "人民", "志愿"] {
            let terms = FieldTerms::new(vec![term.to_string()]);
            let text = "我们的中国人民志愿军";
            let marks = marks(text, &terms, &mut zh);
            assert_eq!(
                html(&fragment(text, &marks).unwrap()),
                "我们的<mark>中国人民志愿军</mark>",
                "{term}"
            );
        }
    }

    /// A snippet as the web pages show it.
    fn html(snippet: &Snippet) -> String {
        snippet.marked(crate::html::escape_into, "<mark>", "</mark>")
    }

    fn fragment_of(analyzer: Analyzer, words: &[&str], text: &str) -> Option<Snippet> {
        let mut a = analysis::build_words(analyzer);
        let terms = terms(analyzer, words);
        let window = window(text, &terms, &mut a)?;
        let marks = marks(window, &terms, &mut a);
        fragment(window, &marks)
    }

    fn snippet(analyzer: Analyzer, words: &[&str], text: &str) -> Option<String> {
        fragment_of(analyzer, words, text).map(|s| html(&s))
    }

    #[test]
    fn every_match_in_the_fragment_is_marked_in_plain_text() {
        let text = "<b>Treaties</b> & notes: the treaty was signed; treatment followed.";
        let snippet = fragment_of(Analyzer::En, &["treaty"], text).unwrap();
        assert_eq!(snippet.text, text);
        let marked: Vec<&str> = snippet.marks.iter().map(|m| &text[m.clone()]).collect();
        assert_eq!(marked, ["Treaties", "treaty"]);
        // The web pages escape the rest.
        assert_eq!(
            html(&snippet),
            "&lt;b&gt;<mark>Treaties</mark>&lt;/b&gt; &amp; notes: the <mark>treaty</mark> \
             was signed; treatment followed."
        );
    }

    #[test]
    fn white_space_is_trimmed_outside_the_marks() {
        let text = "  \n cuba libre  \n";
        let snippet = fragment(text, &[(4, 8, 0)]).unwrap();
        assert_eq!(snippet.text, "cuba libre");
        assert_eq!(snippet.marks, [std::ops::Range { start: 0, end: 4 }]);
    }

    #[test]
    fn the_fragment_with_most_terms_wins_and_stays_short() {
        let text = format!(
            "Cuba was mentioned. {} Later Cuba and Khrushchev met. {}",
            "Nothing of note happened that day. ".repeat(4),
            "More filler text follows here. ".repeat(30)
        );
        let html = snippet(Analyzer::En, &["cuba", "khrushchev"], &text).unwrap();
        assert!(html.contains("<mark>Khrushchev</mark>"), "{html}");
        assert!(html.contains("<mark>Cuba</mark>"), "{html}");
        let shown: String = html.replace("<mark>", "").replace("</mark>", "");
        assert!(shown.chars().count() <= FRAGMENT, "{shown}");
        assert!(!shown.starts_with(' ') && !shown.ends_with(' '));
    }

    #[test]
    fn stems_that_change_the_last_letter_are_found() {
        // "cry" stems to `cri`: the probe is `cr`.
        let html = snippet(Analyzer::En, &["cries"], "They heard a cry in the night.").unwrap();
        assert!(html.contains("<mark>cry</mark>"), "{html}");
        // Cyrillic in capitals and with ё.
        let html = snippet(Analyzer::Ru, &["хрущев"], "Товарищ ХРУЩЕВ и Хрущёв.").unwrap();
        assert_eq!(html.matches("<mark>").count(), 2, "{html}");
    }

    #[test]
    fn a_text_without_a_term_has_no_snippet() {
        assert!(snippet(Analyzer::En, &["cuba"], &"Nothing here. ".repeat(100)).is_none());
        assert!(snippet(Analyzer::Xx, &["김일성"], &"평양 ".repeat(100)).is_none());
    }
}
