//! Text analysis: how text becomes index terms, per language.
//!
//! One tokenizer serves every script: runs of letters and digits of
//! alphabetic scripts (Latin, Cyrillic, Greek …) become words; runs of CJK
//! characters (hangul, hanja/hanzi, kana) become overlapping character
//! bigrams, so that a Korean word is found inside an eojeol (`학교` in
//! `학교에서`) and hanja and hangul are both searchable without a dictionary.
//! Filters then lower-case, fold accents (and `ё` to `е`), and stem by
//! language: English, German and Russian have stemmers; other languages are
//! indexed unstemmed.
//!
//! Chinese ([`Han::Words`]): in the `zh` analyzer (Chinese text versions)
//! and in the `en`, `de` and `ru` analyzers (where a run of Han characters is
//! Chinese quoted in the text, or a Chinese record's title), runs of Han
//! characters are cut into words by jieba with its embedded dictionary and
//! without its HMM, so that a stretch of text is cut the same way wherever it
//! stands and what the dictionary does not know falls back to single
//! characters. A long word is indexed with the dictionary words inside it
//! too (`人民` and `共和国` inside `中华人民共和国`), each at its own place.
//! Token positions inside a CJK run are character offsets, so a phrase of
//! words matches wherever its characters follow each other as the index cut
//! them. The `xx` analyzer (Korean, Japanese, every other language, and the
//! name fields) keeps bigrams: hanja in Korean text is not Chinese.
//!
//! Invariants:
//! - The same analyzer name always means the same analysis; the names are
//!   part of the on-disk index format (changing one needs a reindex).
//! - A query is analysed by [`build_query`], which cuts Han runs exactly as
//!   [`build`] does, only without the sub-words: every query term is a term
//!   the index holds at that place when the document has the query's text.
//! - Tokens come out in non-decreasing position order (tantivy stores
//!   positions as deltas).

use jieba_rs::Jieba;
use std::sync::LazyLock;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

/// An analyzer: how the text of one group of languages becomes terms. A
/// stemmer each for English, German and Russian, Chinese word segmentation
/// for Chinese, and [`Analyzer::Xx`] for everything else (unstemmed, CJK as
/// bigrams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Analyzer {
    /// English (stemmed).
    En,
    /// German (stemmed).
    De,
    /// Russian (stemmed).
    Ru,
    /// Chinese (words from the dictionary).
    Zh,
    /// Every other language, and the name fields (unstemmed, CJK bigrams).
    Xx,
}

impl Analyzer {
    /// Every analyzer, in the order of [`Analyzer::index`].
    pub const ALL: [Analyzer; 5] = [
        Analyzer::En,
        Analyzer::De,
        Analyzer::Ru,
        Analyzer::Zh,
        Analyzer::Xx,
    ];

    /// Its short name (`en`, `de`, `ru`, `zh`, `xx`).
    pub fn name(self) -> &'static str {
        match self {
            Analyzer::En => "en",
            Analyzer::De => "de",
            Analyzer::Ru => "ru",
            Analyzer::Zh => "zh",
            Analyzer::Xx => "xx",
        }
    }

    /// Its place in [`Analyzer::ALL`] (for arrays with one entry each).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name it is registered under with an index (part of the on-disk
    /// index format).
    pub fn tokenizer_name(self) -> &'static str {
        match self {
            Analyzer::En => "fonds_en",
            Analyzer::De => "fonds_de",
            Analyzer::Ru => "fonds_ru",
            Analyzer::Zh => "fonds_zh",
            Analyzer::Xx => "fonds_xx",
        }
    }

    /// The analyzer for a text's language code: its primary subtag decides,
    /// in any case (`en-US` → `en`, `zh-Hant` → `zh`). Chinese is `zh` and
    /// the ISO 639-2/3 codes `zho`, `chi` and `cmn` (Mandarin); Classical
    /// Chinese (`lzh`), Cantonese (`yue`), Korean and Japanese stay with
    /// `xx`, whose bigrams need no modern Mandarin dictionary.
    pub fn for_language(language: &str) -> Analyzer {
        let primary = language.split(['-', '_']).next().unwrap_or_default();
        let is = |code: &str| primary.eq_ignore_ascii_case(code);
        if is("en") {
            Analyzer::En
        } else if is("de") {
            Analyzer::De
        } else if is("ru") {
            Analyzer::Ru
        } else if is("zh") || is("zho") || is("chi") || is("cmn") {
            Analyzer::Zh
        } else {
            Analyzer::Xx
        }
    }

    /// Whether it indexes word pairs: every one but `zh`, whose words are
    /// as many positions apart as they have characters.
    pub fn has_pairs(self) -> bool {
        self != Analyzer::Zh
    }

    /// Whether it cuts Han runs into bigrams (`xx`) rather than words.
    pub fn han_bigrams(self) -> bool {
        self == Analyzer::Xx
    }
}

impl std::fmt::Display for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Registers every analyzer (its indexing form) with an index's tokenizer
/// manager.
pub fn register(manager: &TokenizerManager) {
    for analyzer in Analyzer::ALL {
        manager.register(analyzer.tokenizer_name(), build(analyzer));
    }
    manager.register(
        RUNS,
        TextAnalyzer::from(tantivy::tokenizer::WhitespaceTokenizer::default()),
    );
}

/// The tokenizer of fields whose terms are written out whole, separated by
/// spaces (the `readings` field): part of the on-disk index format.
pub const RUNS: &str = "fonds_runs";

/// Builds one analyzer as documents are indexed with it: the terms of
/// [`build_words`] and their [word pairs](WordPairs).
pub fn build(analyzer: Analyzer) -> TextAnalyzer {
    build_with(analyzer, Form::Index)
}

/// Builds one analyzer as documents are indexed with it, without the word
/// pairs: every term of a text with its place (what snippets look for).
pub fn build_words(analyzer: Analyzer) -> TextAnalyzer {
    build_with(analyzer, Form::Words)
}

/// Builds one analyzer as queries are analysed with it: Han runs are cut as
/// in [`build`], without the sub-words of long words, and without pairs
/// (the query compiler makes them, see [`pair`]).
pub fn build_query(analyzer: Analyzer) -> TextAnalyzer {
    build_with(analyzer, Form::Query)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Index,
    Words,
    Query,
}

fn build_with(analyzer: Analyzer, form: Form) -> TextAnalyzer {
    let han = match form {
        _ if analyzer.han_bigrams() => Han::Bigrams,
        Form::Query => Han::QueryWords,
        _ => Han::Words,
    };
    let base = TextAnalyzer::builder(MultiScriptTokenizer { han })
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(CyrillicFold)
        .filter(AsciiFoldingFilter);
    let stemmer = match analyzer {
        Analyzer::En => Some(Language::English),
        Analyzer::De => Some(Language::German),
        Analyzer::Ru => Some(Language::Russian),
        Analyzer::Zh | Analyzer::Xx => None,
    };
    let pairs = (form == Form::Index && analyzer.has_pairs()).then_some(WordPairs {
        han: han == Han::Bigrams,
    });
    match (stemmer, pairs) {
        (Some(l), Some(p)) => base.filter(Stemmer::new(l)).filter(p).build(),
        (Some(l), None) => base.filter(Stemmer::new(l)).build(),
        (None, Some(p)) => base.filter(p).build(),
        (None, None) => base.build(),
    }
}

/// The term a pair of adjacent terms is indexed as (see [`WordPairs`]), or
/// `None` when the two are not paired: terms holding Han characters cut
/// into words (`han` false) are not.
pub fn pair(first: &str, second: &str, han: bool) -> Option<String> {
    (pairable(first, han) && pairable(second, han)).then(|| format!("{first} {second}"))
}

/// Whether a term takes part in pairs: any term where Han characters are
/// bigrams (`han`), else only terms without Han characters.
fn pairable(term: &str, han: bool) -> bool {
    han || !term.chars().any(is_han)
}

/// Word pairs: after a term that directly follows another (the next
/// position), the two joined by a space (`free men`, `김일 일성`), at the
/// first one's position, so that a phrase is found through a pair's short
/// postings instead of intersecting two long ones and reading their
/// positions. A space never occurs inside a term, so a pair cannot be
/// mistaken for a word; a phrase of `n` terms is the phrase of its `n - 1`
/// pairs. With `han` false, terms holding Han characters (Chinese words,
/// as many positions apart as they have characters) are not paired.
#[derive(Clone, Copy)]
pub struct WordPairs {
    /// Whether Han characters are bigrams here (and so pair like any term).
    pub han: bool,
}

impl TokenFilter for WordPairs {
    type Tokenizer<T: Tokenizer> = WordPairsTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordPairsTokenizer<T> {
        WordPairsTokenizer {
            inner: tokenizer,
            han: self.han,
        }
    }
}

/// [`WordPairs`] applied to a tokenizer.
#[derive(Clone)]
pub struct WordPairsTokenizer<T> {
    inner: T,
    han: bool,
}

impl<T: Tokenizer> Tokenizer for WordPairsTokenizer<T> {
    type TokenStream<'a> = WordPairsStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordPairsStream {
            inner: self.inner.token_stream(text),
            han: self.han,
            previous: None,
            previous_text: String::new(),
            pair: Token::default(),
            state: PairState::Inner,
        }
    }
}

/// What [`WordPairsStream::token`] shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PairState {
    /// The inner stream's token.
    Inner,
    /// A pair; the inner stream's token comes next.
    Pair,
}

/// The stream of [`WordPairsTokenizer`].
pub struct WordPairsStream<S> {
    inner: S,
    han: bool,
    /// The previous term, if it pairs: position and start offset (its
    /// text in `previous_text`).
    previous: Option<(usize, usize)>,
    previous_text: String,
    pair: Token,
    state: PairState,
}

impl<S: TokenStream> TokenStream for WordPairsStream<S> {
    fn advance(&mut self) -> bool {
        if self.state == PairState::Pair {
            self.state = PairState::Inner;
            return true;
        }
        if !self.inner.advance() {
            return false;
        }
        let token = self.inner.token();
        if !pairable(&token.text, self.han) {
            self.previous = None;
            return true;
        }
        if let Some((position, from)) = self.previous
            && position + 1 == token.position
        {
            self.pair.text.clear();
            self.pair.text.push_str(&self.previous_text);
            self.pair.text.push(' ');
            self.pair.text.push_str(&token.text);
            self.pair.position = position;
            self.pair.offset_from = from;
            self.pair.offset_to = token.offset_to;
            self.pair.position_length = 1;
            self.state = PairState::Pair;
        }
        self.previous = Some((token.position, token.offset_from));
        self.previous_text.clear();
        self.previous_text.push_str(&token.text);
        true
    }

    fn token(&self) -> &Token {
        match self.state {
            PairState::Pair => &self.pair,
            PairState::Inner => self.inner.token(),
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.state {
            PairState::Pair => &mut self.pair,
            PairState::Inner => self.inner.token_mut(),
        }
    }
}

/// How runs of Han characters (hanzi, hanja, kanji) become tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Han {
    /// Overlapping character bigrams, as for hangul and kana.
    #[default]
    Bigrams,
    /// Chinese words (jieba, embedded dictionary, no HMM), each word of
    /// three or more characters followed by the dictionary words inside it
    /// at their own character offsets: how documents are indexed.
    Words,
    /// Chinese words as in [`Han::Words`], without the words inside words:
    /// how queries are analysed.
    QueryWords,
}

/// Splits text into words (alphabetic scripts), bigrams (CJK) and Chinese
/// words (Han runs, when `han` says so).
#[derive(Clone, Copy, Default)]
pub struct MultiScriptTokenizer {
    /// What Han runs become.
    pub han: Han,
}

/// Whether a character is written without spaces between words (CJK).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF   // Hangul Jamo
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3130..=0x318F // Hangul compatibility jamo
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x2FFFF)
}

/// Whether a character is a Han character (hanzi, hanja, kanji).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The end (byte offset) of the run of CJK characters that starts at `from`.
pub fn cjk_run_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| !is_cjk(*c))
        .map_or(text.len(), |(i, _)| from + i)
}

/// The jieba segmenter with its embedded dictionary, loaded on first use
/// (the first Han run a word-cutting analyzer meets).
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads jieba's dictionary now instead of on the first Chinese text or
/// query (which otherwise waits for it): for a server, off its request path.
pub fn load_chinese_dictionary() {
    LazyLock::force(&JIEBA);
}

/// Longest word inside a word that is looked up (characters); a longer
/// stretch is found through its own shorter words.
const MAX_SUBWORD: usize = 8;

/// A token of a cut CJK run.
#[derive(Debug, Clone, Copy)]
struct Cut {
    /// Byte range of the token's text.
    text: (usize, usize),
    /// Byte range it marks in the text: its own, or for a word inside a
    /// longer word, the longer word's (so that offsets never go back).
    span: (usize, usize),
    /// Position: the character offset in the run, plus the run's base.
    position: usize,
}

/// Cuts a stretch of Han characters into words, in position order: byte
/// offsets are `byte_base` plus the offset in `han`, positions
/// `position_base` plus the character offset in `han`. With `subwords`, a
/// word of three or more characters is followed by every dictionary word
/// of two or more characters inside it.
fn cut_han(han: &str, byte_base: usize, position_base: usize, subwords: bool, out: &mut Vec<Cut>) {
    let jieba = &*JIEBA;
    let mut bounds: Vec<usize> = Vec::new();
    for word in jieba.cut(han, false) {
        let span = (byte_base + word.byte_start, byte_base + word.byte_end);
        let position = position_base + word.start;
        out.push(Cut {
            text: span,
            span,
            position,
        });
        if !subwords {
            continue;
        }
        bounds.clear();
        bounds.extend(word.word.char_indices().map(|(i, _)| i));
        bounds.push(word.word.len());
        let chars = bounds.len() - 1;
        if chars < 3 {
            continue;
        }
        for i in 0..chars {
            for j in i + 2..=(i + MAX_SUBWORD).min(chars) {
                if (i, j) != (0, chars) && jieba.has_word(&word.word[bounds[i]..bounds[j]]) {
                    out.push(Cut {
                        text: (span.0 + bounds[i], span.0 + bounds[j]),
                        span,
                        position: position + i,
                    });
                }
            }
        }
    }
}

/// The token stream of [`MultiScriptTokenizer`].
pub struct MultiScriptStream<'a> {
    text: &'a str,
    han: Han,
    /// Byte position of the next character to read.
    at: usize,
    /// Pending CJK run: byte offset of the next bigram's first character,
    /// and the end of the run; `None` outside a run.
    cjk: Option<(usize, usize)>,
    /// Whether the pending run has yielded a token yet.
    cjk_started: bool,
    /// Tokens of the cut run, and how many of them were emitted.
    words: Vec<Cut>,
    emitted: usize,
    token: Token,
    position: usize,
    /// Whether the last token came from a CJK run (see `advance`).
    after_cjk: bool,
}

impl Tokenizer for MultiScriptTokenizer {
    type TokenStream<'a> = MultiScriptStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> MultiScriptStream<'a> {
        MultiScriptStream {
            text,
            han: self.han,
            at: 0,
            cjk: None,
            cjk_started: false,
            words: Vec::new(),
            emitted: 0,
            token: Token::default(),
            position: 0,
            after_cjk: false,
        }
    }
}

/// Whether a character belongs to a token (ASCII tested first: most text).
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_cjk(c) || c.is_alphanumeric()
    }
}

impl MultiScriptStream<'_> {
    fn emit(&mut self, from: usize, to: usize) {
        self.emit_cut(Cut {
            text: (from, to),
            span: (from, to),
            position: self.position,
        });
        self.position += 1;
    }

    fn emit_cut(&mut self, cut: Cut) {
        self.token.text.clear();
        self.token.text.push_str(&self.text[cut.text.0..cut.text.1]);
        self.token.offset_from = cut.span.0;
        self.token.offset_to = cut.span.1;
        self.token.position = cut.position;
        self.token.position_length = 1;
    }

    /// Emits the next bigram of the pending CJK run (a lone character when
    /// the run has only one), if any.
    fn next_bigram(&mut self) -> bool {
        let Some((from, end)) = self.cjk else {
            return false;
        };
        let mut chars = self.text[from..end].chars();
        let Some(first) = chars.next() else {
            self.cjk = None;
            return false;
        };
        let second_start = from + first.len_utf8();
        match chars.next() {
            Some(second) => {
                self.cjk = Some((second_start, end));
                self.cjk_started = true;
                self.emit(from, second_start + second.len_utf8());
                true
            }
            None if !self.cjk_started => {
                self.cjk = None;
                self.emit(from, second_start);
                true
            }
            None => {
                self.cjk = None;
                false
            }
        }
    }

    /// Emits the next token of a cut run, if any.
    fn next_word(&mut self) -> bool {
        match self.words.get(self.emitted) {
            Some(&cut) => {
                self.emitted += 1;
                self.emit_cut(cut);
                true
            }
            None => false,
        }
    }

    /// Cuts the CJK run `start..end`, which holds Han characters: Han
    /// stretches into words, other stretches (hangul, kana) into bigrams,
    /// each token at its character offset in the run, in position order.
    /// The run then takes as many positions as it has characters.
    fn cut_run(&mut self, start: usize, end: usize) {
        let base = self.position;
        let text = self.text;
        let mut words = std::mem::take(&mut self.words);
        words.clear();
        self.emitted = 0;
        let mut offset = 0; // characters before the current stretch
        let mut rest = &text[start..end];
        while let Some(first) = rest.chars().next() {
            let han = is_han(first);
            let len = rest
                .char_indices()
                .find(|(_, c)| is_han(*c) != han)
                .map_or(rest.len(), |(i, _)| i);
            let stretch = &rest[..len];
            let from = end - rest.len();
            if han {
                cut_han(
                    stretch,
                    from,
                    base + offset,
                    self.han == Han::Words,
                    &mut words,
                );
            } else {
                let bounds: Vec<usize> = stretch
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([len])
                    .collect();
                let mut bigram = |a: usize, b: usize, k: usize| {
                    let span = (from + bounds[a], from + bounds[b]);
                    words.push(Cut {
                        text: span,
                        span,
                        position: base + offset + k,
                    });
                };
                if bounds.len() == 2 {
                    bigram(0, 1, 0);
                }
                for k in 0..bounds.len().saturating_sub(2) {
                    bigram(k, k + 2, k);
                }
            }
            offset += stretch.chars().count();
            rest = &rest[len..];
        }
        self.words = words;
        self.position = base + offset;
    }
}

impl TokenStream for MultiScriptStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next_word() || self.next_bigram() {
            return true;
        }
        let text = self.text;
        let mut chars = text[self.at..].char_indices();
        // Skip separators.
        let (start, first) = loop {
            match chars.next() {
                Some((i, c)) if is_word_char(c) => break (self.at + i, c),
                Some(_) => {}
                None => {
                    self.at = text.len();
                    return false;
                }
            }
        };
        let cjk = is_cjk(first);
        let mut end = start + first.len_utf8();
        for (i, c) in chars {
            if !is_word_char(c) || is_cjk(c) != cjk {
                break;
            }
            end = self.at + i + c.len_utf8();
        }
        self.at = end;
        // A position is skipped after each CJK run: the words of a run are
        // adjacent, those of two runs are not, so no pair joins two runs
        // (two words written apart), which halves the pairs of Korean text.
        // Queries are cut the same way, so phrases still match as written.
        if self.after_cjk {
            self.position += 1;
        }
        self.after_cjk = cjk;
        if cjk && self.han != Han::Bigrams && text[start..end].chars().any(is_han) {
            self.cut_run(start, end);
            return self.next_word();
        }
        if cjk {
            self.cjk = Some((start, end));
            self.cjk_started = false;
            return self.next_bigram();
        }
        self.emit(start, end);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Folds `ё` into `е` (Russian writes both for one letter).
#[derive(Clone, Copy)]
pub struct CyrillicFold;

impl TokenFilter for CyrillicFold {
    type Tokenizer<T: Tokenizer> = CyrillicFoldTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> CyrillicFoldTokenizer<T> {
        CyrillicFoldTokenizer(tokenizer)
    }
}

/// [`CyrillicFold`] applied to a tokenizer.
#[derive(Clone)]
pub struct CyrillicFoldTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for CyrillicFoldTokenizer<T> {
    type TokenStream<'a> = CyrillicFoldStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CyrillicFoldStream(self.0.token_stream(text))
    }
}

/// The stream of [`CyrillicFoldTokenizer`].
pub struct CyrillicFoldStream<S>(S);

impl<S: TokenStream> TokenStream for CyrillicFoldStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if token.text.contains('ё') {
            token.text = token.text.replace('ё', "е");
        }
        true
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// The terms an analyzer makes of a text.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    positioned_terms(analyzer, text)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

/// The terms an analyzer makes of a text, each with its position (what a
/// phrase query needs: Chinese words are not one position apart).
pub fn positioned_terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(analyzer: Analyzer, text: &str) -> Vec<String> {
        terms(&mut build_words(analyzer), text)
    }

    /// Terms as a query is analysed.
    fn t_query(analyzer: Analyzer, text: &str) -> Vec<String> {
        terms(&mut build_query(analyzer), text)
    }

    #[test]
    fn words_are_split_folded_and_stemmed() {
        assert_eq!(
            t(Analyzer::En, "The Exchanges, Kim Il-sung!"),
            ["the", "exchang", "kim", "il", "sung"]
        );
        assert_eq!(t(Analyzer::Xx, "Café Déjà"), ["cafe", "deja"]);
        assert_eq!(t(Analyzer::Ru, "Хрущёв"), t(Analyzer::Ru, "Хрущев"));
        assert_eq!(t(Analyzer::De, "Häuser"), t(Analyzer::De, "Hauser"));
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(t(Analyzer::Xx, "김일성"), ["김일", "일성"]);
        assert_eq!(
            t(Analyzer::Xx, "學校에서 金"),
            ["學校", "校에", "에서", "金"]
        );
        assert_eq!(
            t(Analyzer::Xx, "Kim김일성Il"),
            ["kim", "김일", "일성", "il"]
        );
        // Positions are consecutive, so a phrase of bigrams is a substring match.
        let mut a = build_words(Analyzer::Xx);
        let mut s = a.token_stream("가나다");
        let mut positions = Vec::new();
        while s.advance() {
            positions.push(s.token().position);
        }
        assert_eq!(positions, [0, 1]);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "ab 김일성";
        let mut a = build_words(Analyzer::Xx);
        let mut s = a.token_stream(text);
        let mut spans = Vec::new();
        while s.advance() {
            let tok = s.token();
            spans.push(&text[tok.offset_from..tok.offset_to]);
        }
        assert_eq!(spans, ["ab", "김일", "일성"]);
    }

    /// Tokens of the index form: (position, text, the text they span).
    fn indexed(analyzer: Analyzer, text: &str) -> Vec<(usize, String, String)> {
        let mut a = build(analyzer);
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            let t = s.token();
            out.push((
                t.position,
                t.text.clone(),
                text[t.offset_from..t.offset_to].to_string(),
            ));
        }
        out
    }

    /// The pairs the index form makes of a text.
    fn pairs(analyzer: Analyzer, text: &str) -> Vec<String> {
        indexed(analyzer, text)
            .into_iter()
            .filter(|t| t.1.contains(' '))
            .map(|t| t.1)
            .collect()
    }

    #[test]
    fn adjacent_terms_are_also_indexed_as_pairs() {
        let tokens = |v: &[(usize, &str, &str)]| -> Vec<(usize, String, String)> {
            v.iter()
                .map(|(p, a, b)| (*p, a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            indexed(Analyzer::En, "Free men, united."),
            tokens(&[
                (0, "free", "Free"),
                (0, "free men", "Free men"),
                (1, "men", "men"),
                (1, "men unit", "men, united"),
                (2, "unit", "united"),
            ])
        );
        assert_eq!(
            indexed(Analyzer::Xx, "ab 김일성"),
            tokens(&[
                (0, "ab", "ab"),
                (0, "ab 김일", "ab 김일"),
                (1, "김일", "김일"),
                (1, "김일 일성", "김일성"),
                (2, "일성", "일성"),
            ])
        );
        // Chinese words are not paired, neither in Chinese text nor in
        // Han runs of English text; the words around them still are.
        assert!(pairs(Analyzer::Zh, "我们签订停战协定").is_empty());
        assert_eq!(pairs(Analyzer::En, "the 停战协定 was signed"), ["was sign"]);
        // A word too long to index leaves a gap: no pair across it.
        let long = "x".repeat(61);
        assert_eq!(
            pairs(Analyzer::En, &format!("one {long} two three")),
            ["two three"]
        );
        // Nor across two CJK runs: a position is skipped after each.
        assert_eq!(
            pairs(Analyzer::Xx, "학교 에서 학교에서"),
            ["학교 교에", "교에 에서"]
        );
        assert_eq!(pair("free", "men", false).as_deref(), Some("free men"));
        assert_eq!(pair("停战", "men", false), None);
        assert_eq!(pair("停战", "協定", true).as_deref(), Some("停战 協定"));
    }

    /// `(position, term)` pairs an analyzer (index or query form) makes.
    fn positioned(analyzer: Analyzer, query: bool, text: &str) -> Vec<(usize, String)> {
        let mut a = if query {
            build_query(analyzer)
        } else {
            build_words(analyzer)
        };
        positioned_terms(&mut a, text)
    }

    /// A sentence of the kind the Wilson Center translates from Chinese
    /// archives (written for this test).
    const CABLE: &str = "中国人民志愿军和朝鲜人民军在板门店签订停战协定。";

    #[test]
    fn chinese_text_is_cut_into_words() {
        assert_eq!(
            t(Analyzer::Zh, "我们必须提高警惕。"),
            ["我们", "必须", "提高警惕", "提高", "警惕"]
        );
        let query: Vec<String> = positioned(Analyzer::Zh, true, CABLE)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(
            query,
            [
                "中国人民志愿军",
                "和",
                "朝鲜人民军",
                "在",
                "板门店",
                "签订",
                "停战协定"
            ]
        );
        // Indexed: the same words, and the words inside the long ones, each
        // at its character offset.
        let index = positioned(Analyzer::Zh, false, CABLE);
        for (position, word) in [
            (0, "中国人民志愿军"),
            (0, "中国"),
            (2, "人民"),
            (4, "志愿军"),
            (8, "朝鲜人民军"),
            (10, "人民军"),
            (14, "板门店"),
            (17, "签订"),
            (19, "停战协定"),
            (19, "停战"),
            (21, "协定"),
        ] {
            assert!(
                index.contains(&(position, word.to_string())),
                "{word}@{position} in {index:?}"
            );
        }
        let positions: Vec<usize> = index.iter().map(|(p, _)| *p).collect();
        assert!(positions.is_sorted(), "{positions:?}");
    }

    /// Positions and offsets never go back, in any analyzer, over mixed text
    /// (tantivy's postings and snippets rely on it).
    #[test]
    fn tokens_never_go_back() {
        let text = format!("{CABLE} Kim 金日成의 학교 中华人民共和国 かな漢字 Хрущёв");
        for analyzer in Analyzer::ALL {
            let mut a = build(analyzer);
            let mut stream = a.token_stream(&text);
            let mut last = (0, 0, 0);
            while stream.advance() {
                let t = stream.token();
                let now = (t.position, t.offset_from, t.offset_to);
                assert!(
                    now.0 >= last.0 && now.1 >= last.1 && now.2 >= last.2,
                    "{analyzer}: {now:?} after {last:?}"
                );
                assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
                last = now;
            }
        }
    }

    /// Every query made of whole words of a text finds its terms in the
    /// text's index terms at the same distances (what a phrase query needs).
    #[test]
    fn query_words_line_up_with_the_index() {
        let index = positioned(Analyzer::Zh, false, CABLE);
        for query in [
            "人民志愿军",
            "停战",
            "停战协定",
            "板门店签订停战协定",
            "朝鲜人民军",
        ] {
            let shift = CABLE[..CABLE.find(query).unwrap()].chars().count();
            let terms = positioned(Analyzer::Zh, true, query);
            assert!(!terms.is_empty());
            for (position, term) in terms {
                assert!(
                    index.contains(&(position + shift, term.clone())),
                    "{query}: {term}@{} not in {index:?}",
                    position + shift
                );
            }
        }
    }

    #[test]
    fn what_the_dictionary_lacks_is_cut_into_characters() {
        // Traditional characters are mostly not in jieba's dictionary.
        let text = "馬克思列寧主義";
        let chars: Vec<String> = text.chars().map(String::from).collect();
        assert_eq!(t(Analyzer::Zh, text), chars);
        // A query of them is a phrase of characters, which lines up.
        let index = positioned(Analyzer::Zh, false, text);
        let query = positioned(Analyzer::Zh, true, "列寧主義");
        assert_eq!(query.len(), 4);
        for (position, term) in query {
            assert!(index.contains(&(position + 3, term)));
        }
    }

    #[test]
    fn a_bigram_across_two_words_is_no_term() {
        // 南京市 | 长江大桥: 市长 ("mayor") spans the two words.
        let text = "南京市长江大桥正式通车";
        assert!(t(Analyzer::Xx, text).contains(&"市长".to_string()));
        let zh = t(Analyzer::Zh, text);
        assert!(!zh.contains(&"市长".to_string()), "{zh:?}");
        for word in ["南京", "南京市", "长江", "长江大桥", "大桥", "通车"] {
            assert!(zh.contains(&word.to_string()), "{word} in {zh:?}");
        }
        // The query side cuts 市长 as the word it is: a term no position of
        // this text holds.
        assert_eq!(t_query(Analyzer::Zh, "市长"), ["市长"]);
    }

    #[test]
    fn han_runs_are_words_in_the_alphabetic_analyzers_too() {
        // A Chinese name quoted in English text, and Latin words in Chinese.
        assert_eq!(
            t(Analyzer::En, "Talks with 周恩来 in Beijing"),
            ["talk", "with", "周恩来", "恩来", "in", "beij"]
        );
        assert_eq!(
            t_query(Analyzer::Zh, "肯尼迪（Kennedy）总统"),
            ["肯尼迪", "kennedy", "总统"]
        );
    }

    #[test]
    fn korean_keeps_its_bigrams() {
        // Hanja and hangul in the analyzer of Korean text: bigrams, as before.
        assert_eq!(
            t(Analyzer::Xx, "金日成의 학교"),
            ["金日", "日成", "成의", "학교"]
        );
        // Hangul needs no dictionary in any analyzer.
        for analyzer in Analyzer::ALL {
            assert_eq!(t(analyzer, "김일성"), ["김일", "일성"], "{analyzer}");
        }
        // Hangul next to Han characters keeps its bigrams in a Chinese run.
        assert_eq!(t(Analyzer::Zh, "朝鲜의 학교"), ["朝鲜", "의", "학교"]);
    }

    #[test]
    fn language_codes_choose_analyzers() {
        for (code, analyzer) in [
            ("en", "en"),
            ("en-US", "en"),
            ("de", "de"),
            ("ru", "ru"),
            ("zh", "zh"),
            ("zh-Hant", "zh"),
            ("ZH_tw", "zh"),
            ("cmn", "zh"),
            ("zho", "zh"),
            ("lzh", "xx"),
            ("yue", "xx"),
            ("ko", "xx"),
            ("ja", "xx"),
            ("", "xx"),
        ] {
            assert_eq!(Analyzer::for_language(code).name(), analyzer, "{code}");
        }
    }
}
